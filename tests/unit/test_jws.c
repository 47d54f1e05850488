/* SPDX-License-Identifier: EUPL-1.2 */
/* JWS compact with EdDSA: RFC 8037's example, a JWS from an independent library, round trips,
 * and forgeries that must fail, each with the status that names what was wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "keys.h"
#include "keys_int.h"
#include "keys_test_util.h"

/* RFC 8037 appendix A.1 private key and A.4 signature of "Example of Ed25519 signing". */
#define RFC8037_D "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
#define RFC8037_JWS                                                                                \
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-"        \
    "09PGcvMg3"                                                                                    \
    "AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"

/* Made by the npm package jose 5.10.0 (an independent JOSE implementation) with the Ed25519
 * key whose seed is the bytes 0, 1, ..., 31: CompactSign with {alg: "EdDSA", kid: the key's
 * thumbprint, typ: "baton-test+jws"} over the payload JOSE_PAYLOAD. */
#define JOSE_JWS                                                                                   \
    "eyJhbGciOiJFZERTQSIsImtpZCI6IjFJRzJ0TUg3SjJ3Ykpabk9mOExKelFpdEtmN0xNdm9BRWxzdURNVk01NFkiLCJ0" \
    "eXAiOiJiYXRvbi10ZXN0K2p3cyJ9.eyJmcm9tIjoiam9zZSIsIm4iOiJoXHUwMGU5In0.Ezr0s5bkAcyu3_p8JmhD6xk" \
    "sE3eC3VAamH6lNOZY35Fiwn01qka_mDoN6uAK91vxCmvrpswoertgaiOYPdnFDQ"
#define JOSE_PAYLOAD "{\"from\":\"jose\",\"n\":\"h\\u00e9\"}"
#define JOSE_KID "1IG2tMH7J2wbJZnOf8LJzQitKf7LMvoAElsuDMVM54Y"

#define TYP "baton-test+jws"
#define PAYLOAD "{\"packet\":\"c0ffee\",\"form\":{\"name\":\"Sam\"}}"

struct trusted {
    struct keys_pub keys[4];
    size_t n;
    int lie; /* return another key than the one asked for */
};

static int
find(void *ctx, const char *kid, struct keys_pub *out)
{
    struct trusted *t = ctx;
    size_t i;

    for (i = 0; i < t->n; i++)
        if (strcmp(t->keys[i].kid, kid) == 0) {
            *out = t->keys[(i + (size_t)t->lie) % t->n];
            return 1;
        }
    return 0;
}

struct fixture {
    struct keys_sign_key *key, *other;
    struct trusted trusted;
    struct keys_sign_lookup lookup;
    char *jws;
    size_t len;
};

static struct keys_sign_key *
seeded(const unsigned char seed[KEYS_KEY_BYTES])
{
    struct keys_sign_key *key = NULL;

    assert_int_equal(keys_sign_key_from_seed(seed, &key, NULL), KEYS_OK);
    return key;
}

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    unsigned char seed[KEYS_KEY_BYTES];
    size_t i;

    if (f == NULL || keys_init(NULL) != KEYS_OK)
        return -1;
    for (i = 0; i < sizeof seed; i++)
        seed[i] = (unsigned char)i;
    f->key = seeded(seed);
    if (keys_sign_key_generate(&f->other, NULL) != KEYS_OK)
        return -1;
    keys_sign_key_public(f->key, &f->trusted.keys[0]);
    f->trusted.n = 1;
    f->lookup.find = find;
    f->lookup.ctx = &f->trusted;
    if (keys_jws_sign(f->key, TYP, (const unsigned char *)PAYLOAD, strlen(PAYLOAD), &f->jws,
                      &f->len, NULL) != KEYS_OK)
        return -1;
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    keys_sign_key_free(f->key);
    keys_sign_key_free(f->other);
    free(f->jws);
    free(f);
    return 0;
}

/* Verifies jws[0..len) and checks the status; a refusal must leave out untouched and say so. */
static void
expect(struct fixture *f, const char *jws, size_t len, enum keys_status want, const char *says)
{
    struct keys_jws_verified v;
    struct keys_err err = {0};
    enum keys_status st;

    memset(&v, 0, sizeof v);
    st = keys_jws_verify(jws, len, TYP, &f->lookup, &v, &err);
    check_status(st, &err, want, says, jws, len);
    if (st != KEYS_OK) {
        assert_null(v.payload);
        assert_null(v.header);
    }
    keys_jws_verified_clear(&v);
}

static bool
accepts(void *ctx, const char *jws, size_t len)
{
    struct fixture *f = ctx;
    struct keys_jws_verified v = {0};
    enum keys_status st = keys_jws_verify(jws, len, TYP, &f->lookup, &v, NULL);

    keys_jws_verified_clear(&v);
    return st == KEYS_OK;
}

/* A JWS over header text and payload, validly signed by key: only the header checks can
 * refuse it. */
static char *
signed_with_header(const struct keys_sign_key *key, const char *header)
{
    char *jws = NULL;
    size_t len;

    assert_int_equal(keys_jws_sign_raw(key, header, strlen(header), (const unsigned char *)PAYLOAD,
                                       strlen(PAYLOAD), &jws, &len, NULL),
                     KEYS_OK);
    return jws;
}

static void
rfc8037_a4(void **state)
{
    unsigned char seed[KEYS_KEY_BYTES], sig[64];
    const char *dot2 = strrchr(RFC8037_JWS, '.');
    struct keys_sign_key *key;
    struct keys_pub pub;
    struct fixture *f = *state;
    struct trusted t = {0};
    struct keys_sign_lookup lk = {find, &t};
    struct keys_jws_verified v = {0};
    struct keys_err err = {0};
    char *jws = NULL;
    size_t n, len;

    assert_int_equal(
        keys_b64url_decode(RFC8037_D, strlen(RFC8037_D), seed, sizeof seed, &n, "d", NULL),
        KEYS_OK);
    key = seeded(seed);
    /* A.4: the exact JWS */
    assert_int_equal(keys_jws_sign_raw(key, "{\"alg\":\"EdDSA\"}", 15,
                                       (const unsigned char *)"Example of Ed25519 signing", 26,
                                       &jws, &len, NULL),
                     KEYS_OK);
    assert_string_equal(jws, RFC8037_JWS);
    assert_int_equal(len, strlen(RFC8037_JWS));
    /* A.5: the signature verifies over the signing input */
    keys_sign_key_public(key, &pub);
    assert_int_equal(
        keys_b64url_decode(dot2 + 1, strlen(dot2 + 1), sig, sizeof sig, &n, "sig", NULL), KEYS_OK);
    assert_int_equal(keys_ed25519_verify(pub.key, (const unsigned char *)RFC8037_JWS,
                                         (size_t)(dot2 - RFC8037_JWS), sig, n, NULL),
                     KEYS_OK);
    /* baton's verify refuses it all the same: it names no typ (nor kid) */
    t.keys[0] = pub;
    t.n = 1;
    assert_int_equal(keys_jws_verify(RFC8037_JWS, strlen(RFC8037_JWS), TYP, &lk, &v, &err),
                     KEYS_ETYP);
    assert_non_null(strstr(err.text, "no typ"));
    (void)f;
    free(jws);
    keys_sign_key_free(key);
}

/* The same key and payload give jose's JWS byte for byte, and baton verifies jose's. */
static void
interop_with_jose(void **state)
{
    struct fixture *f = *state;
    struct keys_jws_verified v = {0};
    struct keys_err err = {0};
    char *jws = NULL;
    size_t len;

    assert_string_equal(f->trusted.keys[0].kid, JOSE_KID);
    assert_int_equal(keys_jws_verify(JOSE_JWS, strlen(JOSE_JWS), TYP, &f->lookup, &v, &err),
                     KEYS_OK);
    assert_int_equal(v.payload_len, strlen(JOSE_PAYLOAD));
    assert_memory_equal(v.payload, JOSE_PAYLOAD, v.payload_len);
    assert_string_equal(v.kid, JOSE_KID);
    keys_jws_verified_clear(&v);
    assert_int_equal(keys_jws_sign(f->key, TYP, (const unsigned char *)JOSE_PAYLOAD,
                                   strlen(JOSE_PAYLOAD), &jws, &len, NULL),
                     KEYS_OK);
    assert_string_equal(jws, JOSE_JWS);
    free(jws);
}

static void
round_trip(void **state)
{
    struct fixture *f = *state;
    struct keys_jws_verified v = {0};
    unsigned char header[256];
    char want[256], *again = NULL;
    size_t n, len;
    static const unsigned char binary[] = {0, 1, 2, 0, 0xff, '.', 0};

    assert_int_equal(keys_jws_verify(f->jws, f->len, TYP, &f->lookup, &v, NULL), KEYS_OK);
    assert_int_equal(v.payload_len, strlen(PAYLOAD));
    assert_string_equal((const char *)v.payload, PAYLOAD);
    assert_string_equal(v.kid, f->trusted.keys[0].kid);
    assert_int_equal(json_object_size(v.header), 3);
    keys_jws_verified_clear(&v);
    assert_null(v.payload);
    keys_jws_verified_clear(NULL);

    /* the header is exactly alg, kid, typ, sorted, without white space */
    assert_int_equal(keys_b64url_decode(f->jws, (size_t)(strchr(f->jws, '.') - f->jws), header,
                                        sizeof header - 1, &n, "h", NULL),
                     KEYS_OK);
    header[n] = '\0';
    snprintf(want, sizeof want, "{\"alg\":\"EdDSA\",\"kid\":\"%s\",\"typ\":\"%s\"}",
             f->trusted.keys[0].kid, TYP);
    assert_string_equal((const char *)header, want);

    /* Ed25519 is deterministic */
    assert_int_equal(keys_jws_sign(f->key, TYP, (const unsigned char *)PAYLOAD, strlen(PAYLOAD),
                                   &again, &len, NULL),
                     KEYS_OK);
    assert_string_equal(again, f->jws);
    free(again);

    /* empty and binary payloads */
    assert_int_equal(keys_jws_sign(f->key, TYP, NULL, 0, &again, &len, NULL), KEYS_OK);
    assert_int_equal(keys_jws_verify(again, len, TYP, &f->lookup, &v, NULL), KEYS_OK);
    assert_int_equal(v.payload_len, 0);
    keys_jws_verified_clear(&v);
    free(again);
    assert_int_equal(keys_jws_sign(f->key, TYP, binary, sizeof binary, &again, &len, NULL),
                     KEYS_OK);
    assert_int_equal(keys_jws_verify(again, len, TYP, &f->lookup, &v, NULL), KEYS_OK);
    assert_int_equal(v.payload_len, sizeof binary);
    assert_memory_equal(v.payload, binary, sizeof binary);
    keys_jws_verified_clear(&v);
    free(again);
}

/* Copies tpl to out with $K replaced by kid and $k by kid less its last character. */
static void
fill(char *out, size_t size, const char *tpl, const char *kid)
{
    char shorter[KEYS_KID_LEN + 1];
    const char *const with[] = {kid, shorter};

    snprintf(shorter, sizeof shorter, "%.*s", (int)strlen(kid) - 1, kid);
    fill_template(out, size, tpl, "Kk", with);
}

static void
refuses_forged_headers(void **state)
{
    static const struct {
        const char *header; /* $K: the trusted kid; $k: it without its last character */
        enum keys_status want;
        const char *says;
    } bad[] = {
        {"{\"alg\":\"none\",\"kid\":\"$K\",\"typ\":\"" TYP "\"}", KEYS_EALG, "none"},
        {"{\"alg\":\"HS256\",\"kid\":\"$K\",\"typ\":\"" TYP "\"}", KEYS_EALG, "HS256"},
        {"{\"alg\":\"ES256\",\"kid\":\"$K\",\"typ\":\"" TYP "\"}", KEYS_EALG, "ES256"},
        {"{\"alg\":\"Ed25519\",\"kid\":\"$K\",\"typ\":\"" TYP "\"}", KEYS_EALG, "Ed25519"},
        {"{\"alg\":\"eddsa\",\"kid\":\"$K\",\"typ\":\"" TYP "\"}", KEYS_EALG, "eddsa"},
        {"{\"kid\":\"$K\",\"typ\":\"" TYP "\"}", KEYS_EALG, "no alg"},
        {"{\"alg\":[\"EdDSA\"],\"kid\":\"$K\",\"typ\":\"" TYP "\"}", KEYS_EALG, "not a string"},
        {"{\"alg\":\"EdDSA\",\"crit\":[\"exp\"],\"exp\":1,\"kid\":\"$K\",\"typ\":\"" TYP "\"}",
         KEYS_ECRIT, "crit"},
        {"{\"alg\":\"EdDSA\",\"crit\":[],\"kid\":\"$K\",\"typ\":\"" TYP "\"}", KEYS_ECRIT, "crit"},
        {"{\"alg\":\"EdDSA\",\"b64\":false,\"kid\":\"$K\",\"typ\":\"" TYP "\"}", KEYS_EHEADER,
         "b64"},
        {"{\"alg\":\"EdDSA\",\"kid\":\"$K\"}", KEYS_ETYP, "no typ"},
        {"{\"alg\":\"EdDSA\",\"kid\":\"$K\",\"typ\":\"baton-receipt+jws\"}", KEYS_ETYP,
         "baton-receipt+jws"},
        {"{\"alg\":\"EdDSA\",\"kid\":\"$K\",\"typ\":\"BATON-TEST+JWS\"}", KEYS_ETYP, "expected"},
        {"{\"alg\":\"EdDSA\",\"kid\":\"$K\",\"typ\":7}", KEYS_ETYP, "not a string"},
        {"{\"alg\":\"EdDSA\",\"typ\":\"" TYP "\",\"x\":\"$K\"}", KEYS_EKID, "no string kid"},
        {"{\"alg\":\"EdDSA\",\"kid\":\"$k\",\"typ\":\"" TYP "\"}", KEYS_EKID, "thumbprint"},
        {"{\"alg\":\"EdDSA\",\"kid\":\"A$k\",\"typ\":\"" TYP "\"}", KEYS_EKID,
         "no trusted signing key"},
        {"{\"alg\":\"EdDSA\",\"alg\":\"EdDSA\",\"kid\":\"$K\",\"typ\":\"" TYP "\"}", KEYS_EHEADER,
         "duplicate"},
        {"[\"EdDSA\",\"$K\"]", KEYS_EHEADER, "object"},
        {"{\"alg\":\"EdDSA\",\"kid\":\"$K\",\"typ\":\"" TYP "\"", KEYS_EHEADER, "JSON"},
        {"{\"alg\":\"EdDSA\",\"kid\":\"$K\",\"typ\":\"" TYP "\"} ", KEYS_OK, NULL},
        {"{\"alg\":\"EdDSA\",\"kid\":\"$K\",\"typ\":\"" TYP "\"}x", KEYS_EHEADER, "JSON"},
        {"{\"alg\":\"EdDSA\",\"kid\":\"$K\",\"typ\":\"" TYP "\",\"n\":\"\\u0000\"}", KEYS_EHEADER,
         "JSON"},
        {"{\"alg\":\"EdDSA\",\"kid\":\"$K\",\"typ\":\"" TYP "\",\"n\":\"\xc3\x28\"}", KEYS_EHEADER,
         "JSON"},
    };
    struct fixture *f = *state;
    char header[512], *jws;
    size_t i, n, len;

    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fill(header, sizeof header, bad[i].header, f->trusted.keys[0].kid);
        jws = signed_with_header(f->key, header);
        expect(f, jws, strlen(jws), bad[i].want, bad[i].says);
        free(jws);
    }
    /* a NUL after the header object (a C string would stop there; JSON must not) */
    fill(header, sizeof header, "{\"alg\":\"EdDSA\",\"kid\":\"$K\",\"typ\":\"" TYP "\"}",
         f->trusted.keys[0].kid);
    n = strlen(header);
    memcpy(header + n, "\0{}", 4);
    assert_int_equal(keys_jws_sign_raw(f->key, header, n + 3, (const unsigned char *)PAYLOAD,
                                       strlen(PAYLOAD), &jws, &len, NULL),
                     KEYS_OK);
    expect(f, jws, len, KEYS_EHEADER, "JSON");
    free(jws);
}

static void
refuses_unsigned_and_wrongly_signed(void **state)
{
    struct fixture *f = *state;
    char header[256], h64[512], jws[1024], s64[96], *forged;
    unsigned char sig[64];
    size_t n;
    const char *p1 = strchr(f->jws, '.') + 1;
    const char *p2 = strchr(p1, '.') + 1;
    struct keys_pub other;

    /* the classic: alg none, empty signature */
    snprintf(header, sizeof header, "{\"alg\":\"none\",\"kid\":\"%s\",\"typ\":\"" TYP "\"}",
             f->trusted.keys[0].kid);
    assert_int_equal(
        keys_b64url_encode((const unsigned char *)header, strlen(header), h64, sizeof h64, NULL),
        KEYS_OK);
    snprintf(jws, sizeof jws, "%s.%.*s.", h64, (int)(p2 - 1 - p1), p1);
    expect(f, jws, strlen(jws), KEYS_EALG, "none");
    /* baton's own header with the signature stripped, or truncated */
    snprintf(jws, sizeof jws, "%.*s", (int)(p2 - f->jws), f->jws);
    expect(f, jws, strlen(jws), KEYS_EBADSIG, "0 bytes");
    assert_int_equal(keys_b64url_decode(p2, strlen(p2), sig, sizeof sig, &n, "sig", NULL), KEYS_OK);
    assert_int_equal(keys_b64url_encode(sig, 63, s64, sizeof s64, NULL), KEYS_OK);
    snprintf(jws, sizeof jws, "%.*s%s", (int)(p2 - f->jws), f->jws, s64);
    expect(f, jws, strlen(jws), KEYS_EBADSIG, "63 bytes");
    /* a signature 3 bytes too long */
    snprintf(jws, sizeof jws, "%sAAAA", f->jws);
    expect(f, jws, strlen(jws), KEYS_EBADSIG, "Ed25519 needs 64");
    snprintf(jws, sizeof jws, "%sAAAAAAAA", f->jws);
    expect(f, jws, strlen(jws), KEYS_EBADSIG, "longer");

    /* another key signs and claims the trusted key's kid */
    snprintf(header, sizeof header, "{\"alg\":\"EdDSA\",\"kid\":\"%s\",\"typ\":\"" TYP "\"}",
             f->trusted.keys[0].kid);
    forged = signed_with_header(f->other, header);
    expect(f, forged, strlen(forged), KEYS_EBADSIG, "does not verify");
    free(forged);

    /* the other key is trusted too, but the key store hands out the wrong one */
    keys_sign_key_public(f->other, &other);
    f->trusted.keys[1] = other;
    f->trusted.n = 2;
    f->trusted.lie = 1;
    expect(f, f->jws, f->len, KEYS_EKID, "another thumbprint");
    f->trusted.lie = 0;
    expect(f, f->jws, f->len, KEYS_OK, NULL);
    f->trusted.n = 1;
}

/* Change each character of the JWS to another base64url character: every one must fail. */
static void
tampering_any_character_fails(void **state)
{
    static const char *const parts[] = {"header", "payload", "signature"};
    struct fixture *f = *state;

    refuses_every_changed_character(f->jws, f->len, parts, 3, accepts, f);
}

/* Flip a bit in each decoded byte of each part and re-encode: every one must fail. */
static void
tampering_any_byte_fails(void **state)
{
    struct fixture *f = *state;

    assert_true(refuses_every_flipped_byte(f->jws, f->len, 3, 0x01, accepts, f, "JWS") > 100);
}

static void
refuses_malformed_input(void **state)
{
    struct fixture *f = *state;
    char buf[1024];
    char *big;

    refuses_every_prefix(f->jws, f->len, accepts, f, "JWS");
    expect(f, "", 0, KEYS_EFORMAT, "1 dot-separated part");
    expect(f, "..", 2, KEYS_EHEADER, NULL);
    /* extra parts, trailing garbage */
    snprintf(buf, sizeof buf, "%s.", f->jws);
    expect(f, buf, strlen(buf), KEYS_EFORMAT, "4 dot-separated parts");
    snprintf(buf, sizeof buf, "%s.e30", f->jws);
    expect(f, buf, strlen(buf), KEYS_EFORMAT, "4");
    snprintf(buf, sizeof buf, "%s\n", f->jws);
    expect(f, buf, strlen(buf), KEYS_EBASE64, "white space");
    snprintf(buf, sizeof buf, " %s", f->jws);
    expect(f, buf, strlen(buf), KEYS_EBASE64, "white space");
    snprintf(buf, sizeof buf, "%s=", f->jws);
    expect(f, buf, strlen(buf), KEYS_EBASE64, "padding");
    /* a JWE's five parts are not a JWS */
    expect(f, "a.b.c.d.e", 9, KEYS_EFORMAT, "5 dot-separated parts");
    /* a NUL inside: the length decides, and the NUL is not base64url */
    memcpy(buf, f->jws, f->len + 1);
    buf[10] = '\0';
    expect(f, buf, f->len, KEYS_EBASE64, "0x00");
    /* standard base64 characters in the payload */
    memcpy(buf, f->jws, f->len + 1);
    *(strchr(buf, '.') + 2) = '+';
    expect(f, buf, f->len, KEYS_EBASE64, "standard base64");
    /* larger than a packet may be: refused before reading */
    big = malloc((size_t)KEYS_MAX_PACKET + 2);
    assert_non_null(big);
    memset(big, 'A', (size_t)KEYS_MAX_PACKET + 1);
    big[10] = '.';
    big[20] = '.';
    expect(f, big, (size_t)KEYS_MAX_PACKET + 1, KEYS_ETOOBIG, "limit");
    /* exactly at the limit it is read (and refused for what it is) */
    expect(f, big, (size_t)KEYS_MAX_PACKET, KEYS_EHEADER, NULL);
    free(big);
}

static void
sign_refuses_bad_arguments(void **state)
{
    struct fixture *f = *state;
    struct keys_err err = {0};
    char *out = NULL, typ[80];
    size_t len = 0;
    unsigned char *big;

    assert_int_equal(keys_jws_sign(f->key, "", NULL, 0, &out, &len, &err), KEYS_EINVAL);
    assert_int_equal(keys_jws_sign(f->key, "a\nb", NULL, 0, &out, &len, &err), KEYS_EINVAL);
    memset(typ, 'a', 65);
    typ[65] = '\0';
    assert_int_equal(keys_jws_sign(f->key, typ, NULL, 0, &out, &len, &err), KEYS_EINVAL);
    typ[64] = '\0';
    assert_int_equal(keys_jws_sign(f->key, typ, NULL, 0, &out, &len, &err), KEYS_OK);
    free(out);
    out = NULL;
    /* a payload whose JWS would exceed what receivers accept */
    big = calloc(1, (size_t)KEYS_MAX_PACKET / 4 * 3);
    assert_non_null(big);
    assert_int_equal(
        keys_jws_sign(f->key, TYP, big, (size_t)KEYS_MAX_PACKET / 4 * 3, &out, &len, &err),
        KEYS_ETOOBIG);
    assert_null(out);
    free(big);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc8037_a4),
        cmocka_unit_test(interop_with_jose),
        cmocka_unit_test(round_trip),
        cmocka_unit_test(refuses_forged_headers),
        cmocka_unit_test(refuses_unsigned_and_wrongly_signed),
        cmocka_unit_test(tampering_any_character_fails),
        cmocka_unit_test(tampering_any_byte_fails),
        cmocka_unit_test(refuses_malformed_input),
        cmocka_unit_test(sign_refuses_bad_arguments),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
