/* SPDX-License-Identifier: EUPL-1.2 */
/* JWS compact serialization with EdDSA (Ed25519): baton's signatures on messages. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "keys_int.h"

/* A typ names a kind of message ("baton-form+jws"): short, printable ASCII. */
#define JWS_TYP_MAX 64

enum keys_status
keys_jws_sign_raw(const struct keys_sign_key *key, const char *header, size_t header_len,
                  const unsigned char *payload, size_t payload_len, char **out, size_t *out_len,
                  struct keys_err *err)
{
    enum keys_status st;
    unsigned char sig[KEYS_ED25519_SIG_BYTES];
    size_t h, p, s, total;
    char *buf = NULL;

    if (key == NULL || header == NULL || (payload == NULL && payload_len != 0) || out == NULL ||
        out_len == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_jws_sign: NULL argument");
    if (header_len > KEYS_MAX_HEADER || payload_len > KEYS_MAX_PACKET)
        return keys_fail(err, KEYS_ETOOBIG, "JWS header or payload too large to sign");
    h = keys_b64url_encoded_len(header_len);
    p = keys_b64url_encoded_len(payload_len);
    s = keys_b64url_encoded_len(sizeof sig);
    total = h + 1 + p + 1 + s;
    if (total > KEYS_MAX_PACKET)
        return keys_fail(err, KEYS_ETOOBIG,
                         "a JWS of %zu bytes would exceed the limit of %u that receivers apply",
                         total, KEYS_MAX_PACKET);
    buf = malloc(total + 1);
    if (buf == NULL)
        return keys_fail(err, KEYS_ENOMEM, "out of memory for a JWS of %zu bytes", total);
    st = keys_b64url_encode((const unsigned char *)header, header_len, buf, h + 1, err);
    if (st != KEYS_OK)
        goto out;
    buf[h] = '.';
    st = keys_b64url_encode(payload, payload_len, buf + h + 1, p + 1, err);
    if (st != KEYS_OK)
        goto out;
    buf[h + 1 + p] = '.';
    /* RFC 7515 section 5.1: the signing input is ASCII(BASE64URL(header) '.' BASE64URL(payload)) */
    st = keys_ed25519_sign(key, (const unsigned char *)buf, h + 1 + p, sig, err);
    if (st != KEYS_OK)
        goto out;
    st = keys_b64url_encode(sig, sizeof sig, buf + h + 1 + p + 1, s + 1, err);
    if (st != KEYS_OK)
        goto out;
    *out = buf;
    *out_len = total;
    buf = NULL;
out:
    sodium_memzero(sig, sizeof sig);
    if (buf != NULL)
        sodium_memzero(buf, total + 1); /* the payload may be a personal form */
    free(buf);
    return st;
}

static int
typ_ok(const char *typ)
{
    size_t i;

    for (i = 0; typ[i] != '\0'; i++)
        if (typ[i] < 0x20 || typ[i] >= 0x7f || i >= JWS_TYP_MAX)
            return 0;
    return i > 0;
}

enum keys_status
keys_jws_sign(const struct keys_sign_key *key, const char *typ, const unsigned char *payload,
              size_t payload_len, char **out, size_t *out_len, struct keys_err *err)
{
    enum keys_status st;
    json_t *hdr = NULL;
    char *text = NULL;

    if (key == NULL || typ == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_jws_sign: NULL argument");
    if (!typ_ok(typ))
        return keys_fail(err, KEYS_EINVAL, "JWS typ must be 1 to %d printable ASCII characters",
                         JWS_TYP_MAX);
    hdr = json_pack("{s:s, s:s, s:s}", "alg", "EdDSA", "kid", key->pub.kid, "typ", typ);
    if (hdr == NULL)
        return keys_fail(err, KEYS_ENOMEM, "out of memory for a JWS header");
    text = json_dumps(hdr, JSON_COMPACT | JSON_SORT_KEYS);
    if (text == NULL) {
        st = keys_fail(err, KEYS_ENOMEM, "out of memory for a JWS header");
        goto out;
    }
    st = keys_jws_sign_raw(key, text, strlen(text), payload, payload_len, out, out_len, err);
out:
    free(text);
    json_decref(hdr);
    return st;
}

/* alg, crit, b64 and typ: everything in the header that does not need a key. */
static enum keys_status
check_header(const json_t *hdr, const char *expected_typ, struct keys_err *err)
{
    char q[KEYS_QUOTE_MAX + 4];
    const char *alg, *typ;

    if (json_object_get(hdr, "alg") == NULL)
        return keys_fail(err, KEYS_EALG, "the JWS header has no alg; baton requires \"EdDSA\"");
    alg = json_string_value(json_object_get(hdr, "alg"));
    if (alg == NULL)
        return keys_fail(err, KEYS_EALG, "the JWS header's alg is not a string");
    if (strcmp(alg, "none") == 0)
        return keys_fail(err, KEYS_EALG,
                         "JWS alg \"none\" (an unsigned JWS) is refused; baton requires \"EdDSA\"");
    if (strcmp(alg, "EdDSA") != 0)
        return keys_fail(err, KEYS_EALG, "JWS alg \"%s\" is refused; baton requires \"EdDSA\"",
                         keys_quote(alg, q));
    /* RFC 7515 section 4.1.11: an extension we do not understand must make the JWS invalid,
     * and baton understands none. */
    if (json_object_get(hdr, "crit") != NULL)
        return keys_fail(err, KEYS_ECRIT,
                         "the JWS header lists critical extensions (crit); baton supports none");
    if (json_object_get(hdr, "b64") != NULL)
        return keys_fail(err, KEYS_EHEADER,
                         "the JWS header has b64 (RFC 7797 unencoded payload); baton does not "
                         "support it");
    if (json_object_get(hdr, "typ") == NULL)
        return keys_fail(err, KEYS_ETYP, "the JWS header has no typ; expected \"%s\"",
                         expected_typ);
    typ = json_string_value(json_object_get(hdr, "typ"));
    if (typ == NULL)
        return keys_fail(err, KEYS_ETYP, "the JWS header's typ is not a string; expected \"%s\"",
                         expected_typ);
    if (strcmp(typ, expected_typ) != 0)
        return keys_fail(err, KEYS_ETYP, "JWS typ \"%s\" is not the expected \"%s\"",
                         keys_quote(typ, q), expected_typ);
    return KEYS_OK;
}

enum keys_status
keys_jws_verify(const char *jws, size_t len, const char *expected_typ,
                const struct keys_sign_lookup *lookup, struct keys_jws_verified *out,
                struct keys_err *err)
{
    enum keys_status st;
    struct keys_part part[3];
    struct keys_pub pub;
    char q[KEYS_QUOTE_MAX + 4];
    /* one base64 group more than a signature, so that a bad last group is told by its characters */
    unsigned char sig[KEYS_ED25519_SIG_BYTES + 3];
    unsigned char *hbuf = NULL, *payload = NULL;
    size_t hlen = 0, plen = 0, slen = 0;
    const char *kid;
    json_t *hdr = NULL;

    if (expected_typ == NULL || lookup == NULL || lookup->find == NULL || out == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_jws_verify: NULL argument");
    /* Limits and form first. */
    st = keys_compact_split(jws, len, 3, part, "JWS", err);
    if (st != KEYS_OK)
        return st;
    st = keys_b64url_decode_alloc(part[0].p, part[0].len, KEYS_MAX_HEADER, &hbuf, &hlen,
                                  "JWS protected header", err);
    if (st != KEYS_OK)
        goto out;
    st = keys_header_parse(hbuf, hlen, "JWS protected header", &hdr, err);
    if (st != KEYS_OK)
        goto out;
    st = keys_b64url_decode_alloc(part[1].p, part[1].len, KEYS_MAX_PACKET, &payload, &plen,
                                  "JWS payload", err);
    if (st != KEYS_OK)
        goto out;
    st = keys_b64url_decode(part[2].p, part[2].len, sig, sizeof sig, &slen, "JWS signature", err);
    if (st == KEYS_ETOOBIG)
        st = keys_fail(err, KEYS_EBADSIG,
                       "the JWS signature is longer than the %d bytes of "
                       "Ed25519",
                       KEYS_ED25519_SIG_BYTES);
    if (st != KEYS_OK)
        goto out;
    /* Then meaning. */
    st = check_header(hdr, expected_typ, err);
    if (st != KEYS_OK)
        goto out;
    kid = json_string_value(json_object_get(hdr, "kid"));
    if (kid == NULL) {
        st = keys_fail(err, KEYS_EKID, "the JWS header has no string kid naming the signer's key");
        goto out;
    }
    if (json_string_length(json_object_get(hdr, "kid")) != strlen(kid) ||
        strlen(kid) != KEYS_KID_LEN) {
        st = keys_fail(err, KEYS_EKID, "JWS kid \"%s\" is not a key thumbprint (%d characters)",
                       keys_quote(kid, q), KEYS_KID_LEN);
        goto out;
    }
    if (lookup->find(lookup->ctx, kid, &pub) != 1) {
        st = keys_fail(err, KEYS_EKID, "no trusted signing key has kid \"%s\"", keys_quote(kid, q));
        goto out;
    }
    if (strcmp(pub.kid, kid) != 0) {
        st = keys_fail(err, KEYS_EKID, "the key found for kid \"%s\" has another thumbprint",
                       keys_quote(kid, q));
        goto out;
    }
    /* The signing input is the received text up to the second dot, byte for byte. */
    st = keys_ed25519_verify(pub.key, (const unsigned char *)jws, part[0].len + 1 + part[1].len,
                             sig, slen, err);
    if (st != KEYS_OK)
        goto out;
    out->payload = payload;
    out->payload_len = plen;
    out->header = hdr;
    memcpy(out->kid, kid, KEYS_KID_LEN + 1);
    payload = NULL;
    hdr = NULL;
out:
    if (payload != NULL) {
        sodium_memzero(payload, plen);
        free(payload);
    }
    free(hbuf);
    json_decref(hdr);
    return st;
}

void
keys_jws_verified_clear(struct keys_jws_verified *v)
{
    if (v == NULL)
        return;
    if (v->payload != NULL) {
        sodium_memzero(v->payload, v->payload_len);
        free(v->payload);
    }
    json_decref(v->header);
    memset(v, 0, sizeof *v);
}
