/* SPDX-License-Identifier: EUPL-1.2 */
/* Public keys as JWK (RFC 7517, OKP keys of RFC 8037) and their RFC 7638 thumbprints. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "keys_int.h"

/* RFC 7638 section 3.2: the required members of each key type, already in lexicographic order
 * (the order the canonical JSON needs). */
static const struct {
    const char *kty;
    const char *members[5];
} required[] = {
    {"EC", {"crv", "kty", "x", "y", NULL}},
    {"OKP", {"crv", "kty", "x", NULL}}, /* RFC 8037 section 2 */
    {"RSA", {"e", "kty", "n", NULL}},
    {"oct", {"k", "kty", NULL}},
};

enum keys_status
keys_jwk_thumbprint(const json_t *jwk, char out[KEYS_KID_LEN + 1], struct keys_err *err)
{
    enum keys_status st = KEYS_EJWK;
    unsigned char digest[crypto_hash_sha256_BYTES];
    char q[KEYS_QUOTE_MAX + 4];
    const char *kty, *name;
    json_t *canon = NULL, *v;
    char *text = NULL;
    size_t i, j;

    if (!json_is_object(jwk))
        return keys_fail(err, KEYS_EJWK, "a JWK must be a JSON object");
    kty = json_string_value(json_object_get(jwk, "kty"));
    if (kty == NULL)
        return keys_fail(err, KEYS_EJWK, "the JWK has no string member kty");
    for (i = 0; i < sizeof required / sizeof required[0]; i++)
        if (strcmp(kty, required[i].kty) == 0)
            break;
    if (i == sizeof required / sizeof required[0])
        return keys_fail(err, KEYS_EJWK, "JWK key type kty \"%s\" is not one of EC, OKP, RSA, oct",
                         keys_quote(kty, q));
    canon = json_object();
    if (canon == NULL) {
        st = keys_fail(err, KEYS_ENOMEM, "out of memory for a JWK thumbprint");
        goto out;
    }
    for (j = 0; (name = required[i].members[j]) != NULL; j++) {
        v = json_object_get(jwk, name);
        if (!json_is_string(v)) {
            st = keys_fail(err, KEYS_EJWK, "the %s JWK has no string member %s", kty, name);
            goto out;
        }
        if (json_object_set(canon, name, v) != 0) {
            st = keys_fail(err, KEYS_ENOMEM, "out of memory for a JWK thumbprint");
            goto out;
        }
    }
    /* No whitespace, members sorted, strings escaped only where JSON requires (RFC 7638 3.3). */
    text = json_dumps(canon, JSON_COMPACT | JSON_SORT_KEYS);
    if (text == NULL) {
        st = keys_fail(err, KEYS_ENOMEM, "out of memory for a JWK thumbprint");
        goto out;
    }
    if (crypto_hash_sha256(digest, (const unsigned char *)text, strlen(text)) != 0) {
        st = keys_fail(err, KEYS_ECRYPTO, "libsodium could not compute SHA-256");
        goto out;
    }
    st = keys_b64url_encode(digest, sizeof digest, out, KEYS_KID_LEN + 1, err);
out:
    free(text);
    json_decref(canon);
    return st;
}

enum keys_status
keys_okp_jwk(const unsigned char x[KEYS_KEY_BYTES], const char *crv, json_t **out,
             struct keys_err *err)
{
    char b64[KEYS_KID_LEN + 1]; /* 32 bytes encode to 43 characters, as a kid does */
    enum keys_status st;
    json_t *jwk;

    st = keys_b64url_encode(x, KEYS_KEY_BYTES, b64, sizeof b64, err);
    if (st != KEYS_OK)
        return st;
    jwk = json_pack("{s:s, s:s, s:s}", "crv", crv, "kty", "OKP", "x", b64);
    if (jwk == NULL)
        return keys_fail(err, KEYS_ENOMEM, "out of memory for a JWK");
    *out = jwk;
    return KEYS_OK;
}

enum keys_status
keys_okp_thumbprint(const unsigned char x[KEYS_KEY_BYTES], const char *crv,
                    char kid[KEYS_KID_LEN + 1], struct keys_err *err)
{
    enum keys_status st;
    json_t *jwk = NULL;

    st = keys_okp_jwk(x, crv, &jwk, err);
    if (st != KEYS_OK)
        return st;
    st = keys_jwk_thumbprint(jwk, kid, err);
    json_decref(jwk);
    return st;
}

enum keys_status
keys_okp_from_jwk(const json_t *jwk, const char *crv, const char *what,
                  unsigned char x[KEYS_KEY_BYTES], struct keys_err *err)
{
    char q[KEYS_QUOTE_MAX + 4];
    unsigned char buf[KEYS_KEY_BYTES + 3]; /* room for one group more, so that a padded or
                                             otherwise bad x is told by its characters */
    struct keys_err e = {0};
    const char *s, *b64;
    size_t got = 0;

    if (!json_is_object(jwk))
        return keys_fail(err, KEYS_EJWK, "%s: a JWK must be a JSON object", what);
    if (json_object_get(jwk, "d") != NULL)
        return keys_fail(err, KEYS_EJWK,
                         "%s: the JWK holds a private key (member d); a public key must not", what);
    s = json_string_value(json_object_get(jwk, "kty"));
    if (s == NULL)
        return keys_fail(err, KEYS_EJWK, "%s: the JWK has no string member kty", what);
    if (strcmp(s, "OKP") != 0)
        return keys_fail(err, KEYS_EJWK, "%s: kty must be \"OKP\", not \"%s\"", what,
                         keys_quote(s, q));
    s = json_string_value(json_object_get(jwk, "crv"));
    if (s == NULL)
        return keys_fail(err, KEYS_EJWK, "%s: the JWK has no string member crv", what);
    if (strcmp(s, crv) != 0)
        return keys_fail(err, KEYS_EJWK, "%s: crv must be \"%s\", not \"%s\"", what, crv,
                         keys_quote(s, q));
    b64 = json_string_value(json_object_get(jwk, "x"));
    if (b64 == NULL)
        return keys_fail(err, KEYS_EJWK, "%s: the JWK has no string member x", what);
    if (keys_b64url_decode(b64, json_string_length(json_object_get(jwk, "x")), buf, sizeof buf,
                           &got, "x", &e) != KEYS_OK ||
        got != KEYS_KEY_BYTES)
        return keys_fail(err, KEYS_EJWK, "%s: x must be the base64url of %d bytes: %s", what,
                         KEYS_KEY_BYTES, e.status != KEYS_OK ? e.text : "wrong length");
    memcpy(x, buf, KEYS_KEY_BYTES);
    return KEYS_OK;
}

/* The members a baton public JWK may carry besides the key: alg, use and kid must agree. */
static enum keys_status
check_usage(const json_t *jwk, const char *alg, const char *use, const char *kid,
            struct keys_err *err)
{
    char q[KEYS_QUOTE_MAX + 4];
    const json_t *v;

    v = json_object_get(jwk, "alg");
    if (v != NULL && (!json_is_string(v) || strcmp(json_string_value(v), alg) != 0))
        return keys_fail(err, KEYS_EJWK, "JWK alg must be \"%s\", not %s", alg,
                         json_is_string(v) ? keys_quote(json_string_value(v), q) : "a non-string");
    v = json_object_get(jwk, "use");
    if (v != NULL && (!json_is_string(v) || strcmp(json_string_value(v), use) != 0))
        return keys_fail(err, KEYS_EJWK, "JWK use must be \"%s\", not %s", use,
                         json_is_string(v) ? keys_quote(json_string_value(v), q) : "a non-string");
    v = json_object_get(jwk, "kid");
    if (v != NULL && (!json_is_string(v) || strcmp(json_string_value(v), kid) != 0))
        return keys_fail(err, KEYS_EJWK, "JWK kid %s is not the key's RFC 7638 thumbprint %s",
                         json_is_string(v) ? keys_quote(json_string_value(v), q) : "(not a string)",
                         kid);
    return KEYS_OK;
}

enum keys_status
keys_sign_pub_from_jwk(const json_t *jwk, struct keys_pub *out, struct keys_err *err)
{
    enum keys_status st;
    struct keys_pub pub;

    st = keys_okp_from_jwk(jwk, "Ed25519", "signing key", pub.key, err);
    if (st != KEYS_OK)
        return st;
    /* Not on the curve, not canonical, or of small order: no honest key looks like that, and a
     * small-order key would accept signatures that no one made. */
    if (crypto_core_ed25519_is_valid_point(pub.key) != 1)
        return keys_fail(err, KEYS_EJWK,
                         "signing key: x is not a valid Ed25519 public key (not a canonical "
                         "point of the prime-order subgroup)");
    st = keys_okp_thumbprint(pub.key, "Ed25519", pub.kid, err);
    if (st != KEYS_OK)
        return st;
    st = check_usage(jwk, "EdDSA", "sig", pub.kid, err);
    if (st != KEYS_OK)
        return st;
    *out = pub;
    return KEYS_OK;
}

enum keys_status
keys_enc_pub_from_jwk(const json_t *jwk, struct keys_pub *out, struct keys_err *err)
{
    /* Any scalar shows a low-order point: X25519 of it is all zero whatever the scalar. */
    static const unsigned char probe[KEYS_KEY_BYTES] = {
        0x58, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
        0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
        0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x5f};
    unsigned char z[KEYS_KEY_BYTES];
    enum keys_status st;
    struct keys_pub pub;

    st = keys_okp_from_jwk(jwk, "X25519", "encryption key", pub.key, err);
    if (st != KEYS_OK)
        return st;
    st = keys_x25519(z, probe, pub.key, err);
    sodium_memzero(z, sizeof z);
    if (st != KEYS_OK)
        return st;
    st = keys_okp_thumbprint(pub.key, "X25519", pub.kid, err);
    if (st != KEYS_OK)
        return st;
    st = check_usage(jwk, "ECDH-ES", "enc", pub.kid, err);
    if (st != KEYS_OK)
        return st;
    *out = pub;
    return KEYS_OK;
}

static enum keys_status
pub_to_jwk(const struct keys_pub *pub, const char *crv, const char *alg, const char *use,
           json_t **out, struct keys_err *err)
{
    char kid[KEYS_KID_LEN + 1];
    enum keys_status st;
    json_t *jwk = NULL;

    if (pub == NULL || out == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_*_pub_to_jwk: NULL argument");
    st = keys_okp_thumbprint(pub->key, crv, kid, err);
    if (st != KEYS_OK)
        return st;
    if (strcmp(kid, pub->kid) != 0)
        return keys_fail(err, KEYS_EINVAL, "the key's kid is not its thumbprint %s", kid);
    st = keys_okp_jwk(pub->key, crv, &jwk, err);
    if (st != KEYS_OK)
        return st;
    if (json_object_set_new(jwk, "kid", json_string(kid)) != 0 ||
        json_object_set_new(jwk, "alg", json_string(alg)) != 0 ||
        json_object_set_new(jwk, "use", json_string(use)) != 0) {
        json_decref(jwk);
        return keys_fail(err, KEYS_ENOMEM, "out of memory for a JWK");
    }
    *out = jwk;
    return KEYS_OK;
}

enum keys_status
keys_sign_pub_to_jwk(const struct keys_pub *pub, json_t **out, struct keys_err *err)
{
    return pub_to_jwk(pub, "Ed25519", "EdDSA", "sig", out, err);
}

enum keys_status
keys_enc_pub_to_jwk(const struct keys_pub *pub, json_t **out, struct keys_err *err)
{
    return pub_to_jwk(pub, "X25519", "ECDH-ES", "enc", out, err);
}
