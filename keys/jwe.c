/* SPDX-License-Identifier: EUPL-1.2 */
/* JWE compact serialization with ECDH-ES (X25519) and A256GCM: baton's encryption to one
 * recipient (RFC 7516, RFC 7518 sections 4.6 and 5.3, RFC 8037 section 3.2). */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "keys_int.h"

#define JWE_ENC "A256GCM"

/* Header members that the caller's extra may not set: the ones baton writes itself, and the
 * ones JOSE gives a meaning that baton does not implement (and refuses when reading). */
static const char *const reserved[] = {
    "alg", "enc", "kid", "epk",      "crit", "zip", "apu", "apv", "jku", "jwk",
    "x5u", "x5c", "x5t", "x5t#S256", "iv",   "tag", "p2s", "p2c", "b64", NULL,
};

static int
is_reserved(const char *name)
{
    size_t i;

    for (i = 0; reserved[i] != NULL; i++)
        if (strcmp(name, reserved[i]) == 0)
            return 1;
    return 0;
}

/* The protected header: alg, enc, epk, kid and extra's members, as compact sorted JSON. */
static enum keys_status
make_header(const struct keys_pub *to, const json_t *extra, const unsigned char epk[KEYS_KEY_BYTES],
            char **out, struct keys_err *err)
{
    enum keys_status st = KEYS_ENOMEM;
    const char *name;
    json_t *hdr, *value, *epk_jwk = NULL;
    char *text = NULL;

    hdr = json_object();
    if (hdr == NULL)
        return keys_fail(err, KEYS_ENOMEM, "out of memory for a JWE header");
    if (extra != NULL) {
        /* jansson's iteration takes a non-const object; it is only read here. */
        json_object_foreach ((json_t *)extra, name, value) {
            if (is_reserved(name)) {
                st = keys_fail(err, KEYS_EINVAL,
                               "JWE header member \"%s\" is reserved and cannot be added", name);
                goto out;
            }
            if (json_object_set(hdr, name, value) != 0)
                goto nomem;
        }
    }
    st = keys_okp_jwk(epk, "X25519", &epk_jwk, err);
    if (st != KEYS_OK)
        goto out;
    if (json_object_set_new(hdr, "alg", json_string("ECDH-ES")) != 0 ||
        json_object_set_new(hdr, "enc", json_string(JWE_ENC)) != 0 ||
        json_object_set_new(hdr, "kid", json_string(to->kid)) != 0 ||
        json_object_set(hdr, "epk", epk_jwk) != 0)
        goto nomem;
    text = json_dumps(hdr, JSON_COMPACT | JSON_SORT_KEYS);
    if (text == NULL)
        goto nomem;
    if (strlen(text) > KEYS_MAX_HEADER) {
        st = keys_fail(err, KEYS_ETOOBIG,
                       "the JWE header would be %zu bytes, more than the limit of %u", strlen(text),
                       KEYS_MAX_HEADER);
        free(text);
        goto out;
    }
    *out = text;
    st = KEYS_OK;
    goto out;
nomem:
    st = keys_fail(err, KEYS_ENOMEM, "out of memory for a JWE header");
out:
    json_decref(epk_jwk);
    json_decref(hdr);
    return st;
}

enum keys_status
keys_jwe_encrypt(const struct keys_pub *to, const json_t *extra, const unsigned char *plaintext,
                 size_t plaintext_len, char **out, size_t *out_len, struct keys_err *err)
{
    enum keys_status st;
    unsigned char esk[KEYS_KEY_BYTES], epk[KEYS_KEY_BYTES], z[KEYS_KEY_BYTES];
    unsigned char cek[KEYS_GCM_KEY_BYTES], iv[KEYS_GCM_IV_BYTES], tag[KEYS_GCM_TAG_BYTES];
    char kid[KEYS_KID_LEN + 1];
    unsigned char *ct = NULL;
    char *htext = NULL, *buf = NULL, *w;
    size_t h, c, total = 0;

    if (to == NULL || (plaintext == NULL && plaintext_len != 0) || out == NULL || out_len == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_jwe_encrypt: NULL argument");
    if (extra != NULL && !json_is_object(extra))
        return keys_fail(err, KEYS_EINVAL, "extra JWE header members must be a JSON object");
    if (plaintext_len > KEYS_MAX_PACKET)
        return keys_fail(err, KEYS_ETOOBIG, "%zu bytes to encrypt exceed the limit of %u",
                         plaintext_len, KEYS_MAX_PACKET);
    st = keys_okp_thumbprint(to->key, "X25519", kid, err);
    if (st != KEYS_OK)
        return st;
    if (strcmp(kid, to->kid) != 0)
        return keys_fail(err, KEYS_EINVAL, "the recipient's kid is not its key's thumbprint %s",
                         kid);

    /* A fresh ephemeral key pair per packet: ECDH-ES gives each packet its own key. */
    randombytes_buf(esk, sizeof esk);
    if (crypto_scalarmult_curve25519_base(epk, esk) != 0) {
        st = keys_fail(err, KEYS_ECRYPTO, "libsodium could not make an ephemeral X25519 key");
        goto out;
    }
    st = keys_x25519(z, esk, to->key, err);
    if (st != KEYS_OK)
        goto out;
    /* RFC 7518 section 4.6.2: direct key agreement, so AlgorithmID is the enc value and
     * keydatalen its key size; apu and apv are empty. */
    st = keys_concat_kdf(cek, sizeof cek, z, sizeof z, JWE_ENC, NULL, 0, NULL, 0, err);
    if (st != KEYS_OK)
        goto out;
    st = make_header(to, extra, epk, &htext, err);
    if (st != KEYS_OK)
        goto out;

    h = keys_b64url_encoded_len(strlen(htext));
    c = keys_b64url_encoded_len(plaintext_len);
    total = h + 2 + keys_b64url_encoded_len(sizeof iv) + 1 + c + 1 +
            keys_b64url_encoded_len(sizeof tag);
    if (total > KEYS_MAX_PACKET) {
        st = keys_fail(err, KEYS_ETOOBIG,
                       "a JWE of %zu bytes would exceed the limit of %u that receivers apply",
                       total, KEYS_MAX_PACKET);
        goto out;
    }
    buf = malloc(total + 1);
    ct = malloc(plaintext_len != 0 ? plaintext_len : 1);
    if (buf == NULL || ct == NULL) {
        st = keys_fail(err, KEYS_ENOMEM, "out of memory for a JWE of %zu bytes", total);
        goto out;
    }
    w = buf;
    st = keys_b64url_encode((const unsigned char *)htext, strlen(htext), w, h + 1, err);
    if (st != KEYS_OK)
        goto out;
    w += h;
    *w++ = '.';
    *w++ = '.'; /* the JWE Encrypted Key is empty with ECDH-ES (RFC 7518 section 4.6) */
    randombytes_buf(iv, sizeof iv);
    /* The associated data is ASCII(BASE64URL(protected header)): RFC 7516 section 5.1 step 14. */
    st = keys_aes256gcm_encrypt(ct, tag, plaintext, plaintext_len, (const unsigned char *)buf, h,
                                iv, cek, err);
    if (st != KEYS_OK)
        goto out;
    st = keys_b64url_encode(iv, sizeof iv, w, total + 1 - (size_t)(w - buf), err);
    if (st != KEYS_OK)
        goto out;
    w += strlen(w);
    *w++ = '.';
    st = keys_b64url_encode(ct, plaintext_len, w, total + 1 - (size_t)(w - buf), err);
    if (st != KEYS_OK)
        goto out;
    w += c;
    *w++ = '.';
    st = keys_b64url_encode(tag, sizeof tag, w, total + 1 - (size_t)(w - buf), err);
    if (st != KEYS_OK)
        goto out;
    *out = buf;
    *out_len = total;
    buf = NULL;
out:
    sodium_memzero(esk, sizeof esk);
    sodium_memzero(z, sizeof z);
    sodium_memzero(cek, sizeof cek);
    free(ct);
    free(buf);
    free(htext);
    return st;
}

enum keys_status
keys_jwe_check_profile(const json_t *hdr, struct keys_err *err)
{
    char q[KEYS_QUOTE_MAX + 4];
    const char *s;

    if (json_object_get(hdr, "alg") == NULL)
        return keys_fail(err, KEYS_EALG, "the JWE header has no alg; baton requires \"ECDH-ES\"");
    s = json_string_value(json_object_get(hdr, "alg"));
    if (s == NULL)
        return keys_fail(err, KEYS_EALG, "the JWE header's alg is not a string");
    if (strcmp(s, "ECDH-ES") != 0)
        return keys_fail(err, KEYS_EALG, "JWE alg \"%s\" is refused; baton requires \"ECDH-ES\"",
                         keys_quote(s, q));
    if (json_object_get(hdr, "enc") == NULL)
        return keys_fail(err, KEYS_EENC, "the JWE header has no enc; baton requires \"%s\"",
                         JWE_ENC);
    s = json_string_value(json_object_get(hdr, "enc"));
    if (s == NULL)
        return keys_fail(err, KEYS_EENC, "the JWE header's enc is not a string");
    if (strcmp(s, JWE_ENC) != 0)
        return keys_fail(err, KEYS_EENC, "JWE enc \"%s\" is refused; baton requires \"%s\"",
                         keys_quote(s, q), JWE_ENC);
    if (json_object_get(hdr, "crit") != NULL)
        return keys_fail(err, KEYS_ECRIT,
                         "the JWE header lists critical extensions (crit); baton supports none");
    if (json_object_get(hdr, "zip") != NULL)
        return keys_fail(err, KEYS_EHEADER,
                         "the JWE header asks for compression (zip); baton does not compress");
    if (json_object_get(hdr, "apu") != NULL || json_object_get(hdr, "apv") != NULL)
        return keys_fail(err, KEYS_EHEADER,
                         "the JWE header has apu or apv; baton's key derivation uses neither");
    return KEYS_OK;
}

/* The profile, then kid: the header checks that need no computation. */
static enum keys_status
check_header(const json_t *hdr, const struct keys_enc_key *key, struct keys_err *err)
{
    char q[KEYS_QUOTE_MAX + 4];
    enum keys_status st;
    const char *s;

    st = keys_jwe_check_profile(hdr, err);
    if (st != KEYS_OK)
        return st;
    s = json_string_value(json_object_get(hdr, "kid"));
    if (s == NULL)
        return keys_fail(err, KEYS_EKID, "the JWE header has no string kid naming the recipient");
    if (strcmp(s, key->pub.kid) != 0 ||
        json_string_length(json_object_get(hdr, "kid")) != KEYS_KID_LEN)
        return keys_fail(err, KEYS_EKID,
                         "the JWE is for key \"%s\", not for this recipient's key \"%s\"",
                         keys_quote(s, q), key->pub.kid);
    return KEYS_OK;
}

enum keys_status
keys_jwe_decrypt(const struct keys_enc_key *key, const char *jwe, size_t len,
                 struct keys_jwe_opened *out, struct keys_err *err)
{
    enum keys_status st;
    struct keys_part part[5];
    unsigned char epk[KEYS_KEY_BYTES], z[KEYS_KEY_BYTES], cek[KEYS_GCM_KEY_BYTES];
    /* one base64 group more than needed, so that bad characters are told before a bad length */
    unsigned char iv[KEYS_GCM_IV_BYTES + 3], tag[KEYS_GCM_TAG_BYTES + 3];
    unsigned char *hbuf = NULL, *ct = NULL, *pt = NULL;
    size_t hlen = 0, ivlen = 0, taglen = 0, ctlen = 0;
    json_t *hdr = NULL;

    if (key == NULL || out == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_jwe_decrypt: NULL argument");
    /* Limits and form first. */
    st = keys_compact_split(jwe, len, 5, part, "JWE", err);
    if (st != KEYS_OK)
        return st;
    if (part[1].len != 0)
        return keys_fail(err, KEYS_EENCKEY,
                         "the JWE's encrypted key part is not empty (%zu characters); with "
                         "ECDH-ES it must be",
                         part[1].len);
    st = keys_b64url_decode_alloc(part[0].p, part[0].len, KEYS_MAX_HEADER, &hbuf, &hlen,
                                  "JWE protected header", err);
    if (st != KEYS_OK)
        goto out;
    st = keys_header_parse(hbuf, hlen, "JWE protected header", &hdr, err);
    if (st != KEYS_OK)
        goto out;
    st = keys_b64url_decode(part[2].p, part[2].len, iv, sizeof iv, &ivlen, "JWE IV", err);
    if (st == KEYS_ETOOBIG || (st == KEYS_OK && ivlen != KEYS_GCM_IV_BYTES)) {
        st = keys_fail(err, KEYS_EFORMAT, "the JWE IV must be %d bytes (96 bits)",
                       KEYS_GCM_IV_BYTES);
        goto out;
    }
    if (st != KEYS_OK)
        goto out;
    st = keys_b64url_decode(part[4].p, part[4].len, tag, sizeof tag, &taglen,
                            "JWE authentication tag", err);
    if (st == KEYS_ETOOBIG || (st == KEYS_OK && taglen != KEYS_GCM_TAG_BYTES)) {
        st = keys_fail(err, KEYS_EFORMAT, "the JWE authentication tag must be %d bytes (128 bits)",
                       KEYS_GCM_TAG_BYTES);
        goto out;
    }
    if (st != KEYS_OK)
        goto out;
    st = keys_b64url_decode_alloc(part[3].p, part[3].len, KEYS_MAX_PACKET, &ct, &ctlen,
                                  "JWE ciphertext", err);
    if (st != KEYS_OK)
        goto out;

    /* Then meaning. */
    st = check_header(hdr, key, err);
    if (st != KEYS_OK)
        goto out;
    st = keys_okp_from_jwk(json_object_get(hdr, "epk"), "X25519", "JWE epk", epk, err);
    if (st != KEYS_OK)
        goto out;
    st = keys_x25519(z, key->sk, epk, err);
    if (st != KEYS_OK)
        goto out;
    st = keys_concat_kdf(cek, sizeof cek, z, sizeof z, JWE_ENC, NULL, 0, NULL, 0, err);
    if (st != KEYS_OK)
        goto out;
    pt = malloc(ctlen + 1);
    if (pt == NULL) {
        st = keys_fail(err, KEYS_ENOMEM, "out of memory for %zu bytes of plaintext", ctlen);
        goto out;
    }
    st = keys_aes256gcm_decrypt(pt, ct, ctlen, tag, (const unsigned char *)part[0].p, part[0].len,
                                iv, cek, err);
    if (st != KEYS_OK)
        goto out;
    pt[ctlen] = '\0';
    out->plaintext = pt;
    out->plaintext_len = ctlen;
    out->header = hdr;
    pt = NULL;
    hdr = NULL;
out:
    sodium_memzero(z, sizeof z);
    sodium_memzero(cek, sizeof cek);
    if (pt != NULL) {
        sodium_memzero(pt, ctlen + 1);
        free(pt);
    }
    free(ct);
    free(hbuf);
    json_decref(hdr);
    return st;
}

void
keys_jwe_opened_clear(struct keys_jwe_opened *o)
{
    if (o == NULL)
        return;
    if (o->plaintext != NULL) {
        sodium_memzero(o->plaintext, o->plaintext_len);
        free(o->plaintext);
    }
    json_decref(o->header);
    memset(o, 0, sizeof *o);
}
