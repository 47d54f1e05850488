/* SPDX-License-Identifier: EUPL-1.2 */
/* Claims signed in a JWS: the members every packet and notice shares, and their verification. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <uuid/uuid.h>

#include "keys_int.h"

int
keys_is_oin(const char *s)
{
    size_t i;

    for (i = 0; i < KEYS_OIN_LEN; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return s[KEYS_OIN_LEN] == '\0';
}

int
keys_is_uuid(const char *s, int lower)
{
    size_t i;
    char c;

    for (i = 0; i < KEYS_UUID_LEN; i++) {
        c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return 0;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                     (!lower && c >= 'A' && c <= 'F'))) {
            return 0;
        }
    }
    return s[KEYS_UUID_LEN] == '\0';
}

enum keys_status
keys_new_uuid(char id[KEYS_UUID_LEN + 1], struct keys_err *err)
{
    uuid_t u;

    /* uuid_generate_random reads the kernel's random source (getrandom), as libsodium does. */
    uuid_generate_random(u);
    uuid_unparse_lower(u, id);
    if (!keys_is_uuid(id, 1))
        return keys_fail(err, KEYS_ECRYPTO, "libuuid made a malformed packet id");
    return KEYS_OK;
}

enum keys_status
keys_claims_sign(const struct keys_sign_key *signer, const char *typ, const json_t *claims,
                 char **out, size_t *out_len, struct keys_err *err)
{
    enum keys_status st;
    size_t len;
    char *text;

    /* Compact, sorted, UTF-8 as is (keys/PACKETS.md section 1): what was signed can be
     * reproduced, though a reader never needs to. */
    text = json_dumps(claims, JSON_COMPACT | JSON_SORT_KEYS);
    if (text == NULL)
        return keys_fail(err, KEYS_ENOMEM, "out of memory for the claims to sign");
    len = strlen(text);
    st = keys_jws_sign(signer, typ, (const unsigned char *)text, len, out, out_len, err);
    sodium_memzero(text, len);
    free(text);
    return st;
}

/* What a message of kind typ is called in messages for people. */
static const char *
kind_name(const char *typ)
{
    static const struct {
        const char *typ, *name;
    } kinds[] = {
        {KEYS_TYP_PACKET, "packet"},
        {KEYS_TYP_RECEIPT, "receipt"},
        {KEYS_TYP_ACCEPTANCE, "acceptance"},
        {KEYS_TYP_REJECTION, "rejection"},
        {KEYS_TYP_STATUS, "status update"},
        {KEYS_TYP_WITHDRAWAL, "withdrawal notice"},
        {KEYS_TYP_WITHDRAWAL_CONFIRMATION, "withdrawal confirmation"},
        {KEYS_TYP_CHECKPOINT, "checkpoint"},
    };
    size_t i;

    for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(typ, kinds[i].typ) == 0)
            return kinds[i].name;
    return "message";
}

/* The lookup keys_jws_verify calls: the trust's signing key at the claimed time, keeping the
 * owner and, when the key is refused, the trust's own reason. */
struct lookup {
    const struct keys_trust *trust;
    time_t at;
    int called;
    char owner[KEYS_OIN_LEN + 1];
    struct keys_err why;
};

static int
lookup_find(void *ctx, const char *kid, struct keys_pub *out)
{
    struct lookup *l = ctx;

    l->called = 1;
    l->why.status = l->trust->signing_key(l->trust->ctx, kid, l->at, l->owner, out, &l->why);
    return l->why.status == KEYS_OK;
}

/* The claims as they were signed: a strict JSON object (no duplicate members, valid UTF-8, no
 * NUL, depth bounded so that the form inside may nest as deep as forms allows). */
static enum keys_status
parse_claims(const unsigned char *buf, size_t len, const char *typ, json_t **out,
             struct keys_err *err)
{
    const struct forms_limits lim = {KEYS_MAX_PACKET, FORMS_MAX_DEPTH_DEFAULT + 2};
    struct forms_err ferr = {0};
    json_t *j = NULL;

    if (forms_parse((const char *)buf, len, &lim, &j, &ferr) != FORMS_OK)
        return keys_fail(err, ferr.status == FORMS_ENOMEM ? KEYS_ENOMEM : KEYS_ECLAIMS,
                         "the claims of the %s are not strict JSON: %s", typ, ferr.text);
    if (!json_is_object(j)) {
        json_decref(j);
        return keys_fail(err, KEYS_ECLAIMS, "the claims of the %s are not a JSON object", typ);
    }
    *out = j;
    return KEYS_OK;
}

/* "iat" of claims: a JSON integer (not a real, not a string) from 0 to what time_t holds. */
static enum keys_status
claim_iat(const json_t *claims, const char *typ, time_t *out, struct keys_err *err)
{
    const json_t *v = json_object_get(claims, "iat");
    json_int_t i;

    if (v == NULL)
        return keys_fail(err, KEYS_ECLAIMS, "the %s has no \"iat\" (issued-at) claim", typ);
    if (!json_is_integer(v))
        return keys_fail(err, KEYS_ECLAIMS,
                         "the %s's \"iat\" must be an integer number of seconds since "
                         "1970-01-01T00:00:00Z (a JWT NumericDate without fraction)",
                         typ);
    i = json_integer_value(v);
    if (i < 0 || (uintmax_t)i > (uintmax_t)(sizeof(time_t) < 8 ? INT32_MAX : INT64_MAX))
        return keys_fail(err, KEYS_ECLAIMS, "the %s's \"iat\" %lld is out of range", typ,
                         (long long)i);
    *out = (time_t)i;
    return KEYS_OK;
}

enum keys_status
keys_claims_verify(const struct keys_trust *trust, const char *typ, const char *jws, size_t len,
                   time_t now, struct keys_signed *out, struct keys_err *err)
{
    struct lookup l = {.trust = trust};
    struct keys_sign_lookup sl = {lookup_find, &l};
    struct keys_jws_verified v = {0};
    struct keys_err peek_err = {0};
    enum keys_status st, peek;
    struct keys_part part[3];
    unsigned char *payload = NULL;
    size_t plen = 0;
    json_t *claims = NULL;
    time_t iat = 0;

    if (trust == NULL || trust->signing_key == NULL || typ == NULL || out == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_claims_verify: NULL argument");
    st = keys_compact_split(jws, len, 3, part, "JWS", err);
    if (st != KEYS_OK)
        return st;
    /* The claimed iat picks the validity period the signing key must cover. Read before the
     * signature is checked, it can only choose which period is asked about: the signature then
     * covers it. When it cannot be read, the key must be valid now, so that a forgery is still
     * told as a bad signature; the claims are refused once the signature holds. */
    peek = keys_b64url_decode_alloc(part[1].p, part[1].len, KEYS_MAX_PACKET, &payload, &plen,
                                    "JWS payload", &peek_err);
    if (peek == KEYS_OK)
        peek = parse_claims(payload, plen, kind_name(typ), &claims, &peek_err);
    if (peek == KEYS_OK)
        peek = claim_iat(claims, kind_name(typ), &iat, &peek_err);
    if (peek == KEYS_ENOMEM) {
        st = keys_fail(err, peek, "%s", peek_err.text);
        goto out;
    }
    l.at = peek == KEYS_OK ? iat : now;

    st = keys_jws_verify(jws, len, typ, &sl, &v, err);
    if (st == KEYS_EKID && l.called && l.why.status != KEYS_OK)
        st = keys_fail(err, l.why.status, "%s", l.why.text);
    if (st != KEYS_OK)
        goto out;
    if (peek != KEYS_OK) {
        st = keys_fail(err, peek, "%s", peek_err.text);
        goto out;
    }
    /* Strict base64url has one encoding per byte string, so the verified payload is the one
     * parsed above; checked all the same, since the parse is reused. */
    if (v.payload_len != plen || memcmp(v.payload, payload, plen) != 0) {
        st = keys_fail(err, KEYS_ECRYPTO, "the verified payload differs from the one read");
        goto out;
    }
    out->claims = claims;
    out->iat = iat;
    memcpy(out->kid, v.kid, sizeof out->kid);
    memcpy(out->owner, l.owner, sizeof out->owner);
    claims = NULL;
out:
    keys_jws_verified_clear(&v);
    if (payload != NULL) {
        sodium_memzero(payload, plen);
        free(payload);
    }
    json_decref(claims);
    return st;
}

void
keys_signed_clear(struct keys_signed *s)
{
    if (s == NULL)
        return;
    json_decref(s->claims);
    memset(s, 0, sizeof *s);
}

enum keys_status
keys_claims_only(const json_t *obj, const char *const *names, const char *what,
                 struct keys_err *err)
{
    char q[KEYS_QUOTE_MAX + 4];
    const char *name;
    const json_t *value;
    size_t i;

    json_object_foreach ((json_t *)obj, name, value) {
        (void)value;
        for (i = 0; names[i] != NULL; i++)
            if (strcmp(name, names[i]) == 0)
                break;
        if (names[i] == NULL)
            return keys_fail(err, KEYS_ECLAIMS, "the %s have an unknown member \"%s\"", what,
                             keys_quote(name, q));
    }
    return KEYS_OK;
}

enum keys_status
keys_claim_string(const json_t *obj, const char *name, int required, const char *what,
                  const char **out, struct keys_err *err)
{
    const json_t *v = json_object_get(obj, name);

    if (v == NULL) {
        if (required)
            return keys_fail(err, KEYS_ECLAIMS, "the %s lack \"%s\"", what, name);
        *out = NULL;
        return KEYS_OK;
    }
    if (!json_is_string(v))
        return keys_fail(err, KEYS_ECLAIMS, "\"%s\" of the %s must be a string", name, what);
    if (json_string_length(v) != strlen(json_string_value(v)))
        return keys_fail(err, KEYS_ECLAIMS, "\"%s\" of the %s holds a NUL character", name, what);
    *out = json_string_value(v);
    return KEYS_OK;
}

enum keys_status
keys_claim_digest(const json_t *obj, const char *name, const char *what,
                  unsigned char out[KEYS_SHA256_LEN], struct keys_err *err)
{
    /* one base64 group more than a digest, so that a longer value is told by its length */
    unsigned char buf[KEYS_SHA256_LEN + 3];
    struct keys_err berr = {0};
    enum keys_status st;
    const char *s;
    size_t n = 0;

    st = keys_claim_string(obj, name, 1, what, &s, err);
    if (st != KEYS_OK)
        return st;
    st = keys_b64url_decode(s, strlen(s), buf, sizeof buf, &n, name, &berr);
    if (st != KEYS_OK || n != KEYS_SHA256_LEN)
        return keys_fail(err, KEYS_ECLAIMS,
                         "\"%s\" of the %s must be the base64url of a SHA-256 digest (%d "
                         "characters)%s%s",
                         name, what, KEYS_SHA256_B64_LEN, st != KEYS_OK ? ": " : "",
                         st != KEYS_OK ? berr.text : "");
    memcpy(out, buf, KEYS_SHA256_LEN);
    return KEYS_OK;
}

enum keys_status
keys_claims_parties(const json_t *claims, const char *what, const char **jti, const char **iss,
                    const char **aud, struct keys_err *err)
{
    char q[KEYS_QUOTE_MAX + 4];
    enum keys_status st;

    st = keys_claim_string(claims, "jti", 1, what, jti, err);
    if (st != KEYS_OK)
        return st;
    if (!keys_is_uuid(*jti, 1))
        return keys_fail(err, KEYS_ECLAIMS,
                         "\"jti\" of the %s, \"%s\", is not a lower-case UUID such as "
                         "3f0c9a52-7d1e-4c8b-9a41-2b6e5d8f1c07",
                         what, keys_quote(*jti, q));
    if (json_is_array(json_object_get(claims, "aud")))
        return keys_fail(err, KEYS_ECLAIMS,
                         "\"aud\" of the %s is a list; baton addresses each message to one "
                         "organisation, by its OIN as a string",
                         what);
    st = keys_claim_string(claims, "iss", 1, what, iss, err);
    if (st == KEYS_OK)
        st = keys_claim_string(claims, "aud", 1, what, aud, err);
    if (st != KEYS_OK)
        return st;
    if (!keys_is_oin(*iss))
        return keys_fail(err, KEYS_ECLAIMS, "\"iss\" of the %s, \"%s\", is not an OIN (20 digits)",
                         what, keys_quote(*iss, q));
    if (!keys_is_oin(*aud))
        return keys_fail(err, KEYS_ECLAIMS, "\"aud\" of the %s, \"%s\", is not an OIN (20 digits)",
                         what, keys_quote(*aud, q));
    return KEYS_OK;
}

enum keys_status
keys_claims_not_future(time_t iat, time_t now, const char *what, struct keys_err *err)
{
    char at[KEYS_TIME_LEN + 1], now_s[KEYS_TIME_LEN + 1];

    if (iat <= now || iat - now <= KEYS_CLOCK_SKEW_S)
        return KEYS_OK;
    keys_time_format(iat, at);
    keys_time_format(now, now_s);
    return keys_fail(err, KEYS_ECLAIMS,
                     "the %s was issued at %s, after now (%s) by more than the %d seconds that "
                     "clocks may differ: the sender's clock (or ours) is wrong",
                     what, at, now_s, KEYS_CLOCK_SKEW_S);
}
