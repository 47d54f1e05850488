/* SPDX-License-Identifier: EUPL-1.2 */
/* JWE compact with ECDH-ES (X25519) and A256GCM: the KDF and X25519 against the RFCs, a JWE
 * from an independent library, round trips, and forgeries and tampering that must fail. */
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

/* RFC 7748 section 6.1 key pairs, which RFC 8037 appendix A.6 uses: Alice's private key is the
 * ephemeral key there, Bob's public key the recipient's, and A.6 gives the shared secret. */
#define ALICE_SK "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"
#define ALICE_X "hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo"
#define BOB_SK "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"
#define BOB_X "3p7bfXt9wbTTW2HC7OQ1Nz-DQ8hbeGdNrfx-FG-IK08"
#define A6_Z "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"

/* Made by the npm package jose 5.10.0 (an independent JOSE implementation): CompactEncrypt to
 * Bob's key with {alg: "ECDH-ES", enc: "A256GCM", kid: the thumbprint of Bob's key, typ:
 * "baton-packet+jwe", pid: "jose-1"}; its plaintext is JOSE_JWS, a JWS also made by jose. */
#define JOSE_JWS                                                                                   \
    "eyJhbGciOiJFZERTQSIsImtpZCI6IjFJRzJ0TUg3SjJ3Ykpabk9mOExKelFpdEtmN0xNdm9BRWxzdURNVk01NFkiLCJ0" \
    "eXAiOiJiYXRvbi10ZXN0K2p3cyJ9.eyJmcm9tIjoiam9zZSIsIm4iOiJoXHUwMGU5In0.Ezr0s5bkAcyu3_p8JmhD6xk" \
    "sE3eC3VAamH6lNOZY35Fiwn01qka_mDoN6uAK91vxCmvrpswoertgaiOYPdnFDQ"
#define JOSE_JWE                                                                                   \
    "eyJhbGciOiJFQ0RILUVTIiwiZW5jIjoiQTI1NkdDTSIsImtpZCI6ImdpUXFpZ1RfSUtjdXpIbDBGVkozazV0czNfVFdO" \
    "QXh2c0MwOFVac2ZjTTgiLCJ0eXAiOiJiYXRvbi1wYWNrZXQrandlIiwicGlkIjoiam9zZS0xIiwiZXBrIjp7IngiOiJR" \
    "dFpZZkVsY2lFTFV3RUh4VkI5a0tpeWtiUjdBMGdKNE83enUxei1FR1VnIiwiY3J2IjoiWDI1NTE5Iiwia3R5IjoiT0tQ" \
    "In19.._FJ75q86PImav4X7.8oaUwECIfin2LIGjzt4BRbPhHXoIQPYhgIMg9aKGye53b6UX8rgRW6FPEvUOIdWQDtrAR" \
    "CCneabKlt0P1NA2-DkbSn6pXs_2mpkgyIubJKy2luQOHK2qU9fLhcVndXDuqpGa24wIHWLhOw62V9m0zbbUzb_FXv71_" \
    "2azRUV_Aa8tDEf6CeRdtqct5q-y6WMcjWd6ppL7o6RHol_2xjl6c1R2vTSVti4yxBiIhNo8-vXH6jT7cLtGH_sNaQcpI" \
    "n2ZVRs7vOFnM48mLgaVn4CisRsxfQgAnFL9jBVfPDx3C19m0BAqkLBc3dADKPgK_KjWkBW1TeQvnQ.k6O7BDdlMQCYbm" \
    "4eQvZ88w"
#define TYP "baton-packet+jwe"

struct fixture {
    struct keys_enc_key *bob, *other;
    struct keys_pub bob_pub, other_pub;
    char *jwe;
    size_t len;
};

static const char plaintext[] = "{\"form\":\"school-leaver-handover\",\"name\":\"Sam\"}";

static json_t *
routing(void)
{
    return json_pack("{s:s, s:s, s:s, s:s}", "typ", TYP, "pid", "7a1f0c9e", "from",
                     "00000001234567890000", "to", "00000009876543210000");
}

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    unsigned char sk[KEYS_KEY_BYTES];
    json_t *extra = routing();

    if (f == NULL || keys_init(NULL) != KEYS_OK)
        return -1;
    unhex(BOB_SK, sk, sizeof sk);
    if (keys_enc_key_from_secret(sk, &f->bob, NULL) != KEYS_OK ||
        keys_enc_key_generate(&f->other, NULL) != KEYS_OK)
        return -1;
    keys_enc_key_public(f->bob, &f->bob_pub);
    keys_enc_key_public(f->other, &f->other_pub);
    if (keys_jwe_encrypt(&f->bob_pub, extra, (const unsigned char *)plaintext, strlen(plaintext),
                         &f->jwe, &f->len, NULL) != KEYS_OK)
        return -1;
    json_decref(extra);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    keys_enc_key_free(f->bob);
    keys_enc_key_free(f->other);
    free(f->jwe);
    free(f);
    return 0;
}

static void
expect(struct fixture *f, const char *jwe, size_t len, enum keys_status want, const char *says)
{
    struct keys_jwe_opened o;
    struct keys_err err = {0};
    enum keys_status st;

    memset(&o, 0, sizeof o);
    st = keys_jwe_decrypt(f->bob, jwe, len, &o, &err);
    check_status(st, &err, want, says, jwe, len);
    if (st != KEYS_OK) {
        assert_null(o.plaintext);
        assert_null(o.header);
    } else {
        assert_int_equal(o.plaintext_len, strlen(plaintext));
        assert_memory_equal(o.plaintext, plaintext, o.plaintext_len);
    }
    keys_jwe_opened_clear(&o);
}

static bool
accepts(void *ctx, const char *jwe, size_t len)
{
    struct fixture *f = ctx;
    struct keys_jwe_opened o = {0};
    enum keys_status st = keys_jwe_decrypt(f->bob, jwe, len, &o, NULL);

    keys_jwe_opened_clear(&o);
    return st == KEYS_OK;
}

/*
 * A JWE to 'to' whose protected header is tpl ($K: to's kid, $E: the ephemeral public key),
 * encrypted exactly as baton does, so that only the header checks can refuse it. With
 * epk_hex the header names that point instead, and the content key is random.
 */
static char *
forge(const struct keys_pub *to, const char *tpl, const char *epk_hex)
{
    unsigned char esk[32], epk[32], z[32], cek[32], iv[12], tag[16], ct[sizeof plaintext];
    char x[64], header[1024], h64[2048], iv64[32], ct64[128], tag64[32], *jwe;
    const char *const with[] = {to->kid, x};
    size_t n;

    randombytes_buf(esk, sizeof esk);
    if (epk_hex == NULL) {
        assert_int_equal(crypto_scalarmult_curve25519_base(epk, esk), 0);
        assert_int_equal(keys_x25519(z, esk, to->key, NULL), KEYS_OK);
        assert_int_equal(keys_concat_kdf(cek, 32, z, 32, "A256GCM", NULL, 0, NULL, 0, NULL),
                         KEYS_OK);
    } else {
        unhex(epk_hex, epk, sizeof epk);
        randombytes_buf(cek, sizeof cek);
    }
    assert_int_equal(keys_b64url_encode(epk, sizeof epk, x, sizeof x, NULL), KEYS_OK);
    fill_template(header, sizeof header, tpl, "KE", with);
    assert_int_equal(
        keys_b64url_encode((const unsigned char *)header, strlen(header), h64, sizeof h64, NULL),
        KEYS_OK);
    randombytes_buf(iv, sizeof iv);
    assert_int_equal(keys_aes256gcm_encrypt(ct, tag, (const unsigned char *)plaintext,
                                            strlen(plaintext), (const unsigned char *)h64,
                                            strlen(h64), iv, cek, NULL),
                     KEYS_OK);
    assert_int_equal(keys_b64url_encode(iv, sizeof iv, iv64, sizeof iv64, NULL), KEYS_OK);
    assert_int_equal(keys_b64url_encode(ct, strlen(plaintext), ct64, sizeof ct64, NULL), KEYS_OK);
    assert_int_equal(keys_b64url_encode(tag, sizeof tag, tag64, sizeof tag64, NULL), KEYS_OK);
    n = strlen(h64) + strlen(iv64) + strlen(ct64) + strlen(tag64) + 5;
    jwe = malloc(n);
    assert_non_null(jwe);
    snprintf(jwe, n, "%s..%s.%s.%s", h64, iv64, ct64, tag64);
    return jwe;
}

#define GOOD_EPK "{\"crv\":\"X25519\",\"kty\":\"OKP\",\"x\":\"$E\"}"

static void
concat_kdf_rfc7518_appendix_c(void **state)
{
    static const unsigned char z[32] = {158, 86,  217, 29,  129, 113, 53,  211, 114, 131, 66,
                                        131, 191, 132, 38,  156, 251, 49,  110, 163, 218, 128,
                                        106, 72,  246, 218, 167, 121, 140, 254, 144, 196};
    static const unsigned char want[16] = {86, 170, 141, 234, 248, 35,  109, 32,
                                           92, 34,  40,  205, 113, 167, 16,  26};
    unsigned char out[16];
    char b64[32];

    (void)state;
    assert_int_equal(keys_concat_kdf(out, sizeof out, z, sizeof z, "A128GCM",
                                     (const unsigned char *)"Alice", 5,
                                     (const unsigned char *)"Bob", 3, NULL),
                     KEYS_OK);
    assert_memory_equal(out, want, sizeof want);
    assert_int_equal(keys_b64url_encode(out, sizeof out, b64, sizeof b64, NULL), KEYS_OK);
    assert_string_equal(b64, "VqqN6vgjbSBcIijNcacQGg");
}

/* The KDF input for baton's packets, written out byte by byte as keys/PACKETS.md gives it. */
static void
concat_kdf_baton_layout(void **state)
{
    unsigned char z[32], in[4 + 32 + 4 + 7 + 4 + 4 + 4], want[32], out[32];
    size_t o = 0;

    (void)state;
    randombytes_buf(z, sizeof z);
    memcpy(in + o, "\x00\x00\x00\x01", 4); /* round 1 */
    o += 4;
    memcpy(in + o, z, 32);
    o += 32;
    memcpy(in + o,
           "\x00\x00\x00\x07"
           "A256GCM",
           11); /* AlgorithmID */
    o += 11;
    memcpy(in + o, "\x00\x00\x00\x00", 4); /* PartyUInfo: empty */
    o += 4;
    memcpy(in + o, "\x00\x00\x00\x00", 4); /* PartyVInfo: empty */
    o += 4;
    memcpy(in + o, "\x00\x00\x01\x00", 4); /* SuppPubInfo: 256 bits */
    o += 4;
    assert_int_equal(o, sizeof in);
    assert_int_equal(crypto_hash_sha256(want, in, sizeof in), 0);
    assert_int_equal(keys_concat_kdf(out, 32, z, 32, "A256GCM", NULL, 0, NULL, 0, NULL), KEYS_OK);
    assert_memory_equal(out, want, 32);
    /* more than one round is not implemented, and is refused */
    assert_int_equal(keys_concat_kdf(out, 33, z, 32, "A256GCM", NULL, 0, NULL, 0, NULL),
                     KEYS_EINVAL);
}

static void
x25519_rfc8037_a6(void **state)
{
    unsigned char sk[32], bob[32], want[32], z[32];
    struct keys_enc_key *alice = NULL;
    struct keys_pub pub;
    char x[64];
    size_t n;

    (void)state;
    unhex(ALICE_SK, sk, sizeof sk);
    assert_int_equal(keys_enc_key_from_secret(sk, &alice, NULL), KEYS_OK);
    keys_enc_key_public(alice, &pub);
    assert_int_equal(keys_b64url_encode(pub.key, 32, x, sizeof x, NULL), KEYS_OK);
    assert_string_equal(x, ALICE_X);
    assert_int_equal(keys_b64url_decode(BOB_X, strlen(BOB_X), bob, sizeof bob, &n, "x", NULL),
                     KEYS_OK);
    unhex(A6_Z, want, sizeof want);
    assert_int_equal(keys_x25519(z, sk, bob, NULL), KEYS_OK);
    assert_memory_equal(z, want, 32);
    /* and Bob's side agrees */
    unhex(BOB_SK, sk, sizeof sk);
    assert_int_equal(keys_x25519(z, sk, pub.key, NULL), KEYS_OK);
    assert_memory_equal(z, want, 32);
    keys_enc_key_free(alice);
}

static void
interop_with_jose(void **state)
{
    struct fixture *f = *state;
    struct keys_jwe_opened o = {0};
    struct keys_err err = {0};
    char x[64];

    assert_int_equal(keys_b64url_encode(f->bob_pub.key, 32, x, sizeof x, NULL), KEYS_OK);
    assert_string_equal(x, BOB_X);
    assert_int_equal(keys_jwe_decrypt(f->bob, JOSE_JWE, strlen(JOSE_JWE), &o, &err), KEYS_OK);
    assert_int_equal(o.plaintext_len, strlen(JOSE_JWS));
    assert_memory_equal(o.plaintext, JOSE_JWS, o.plaintext_len);
    assert_string_equal(json_string_value(json_object_get(o.header, "pid")), "jose-1");
    assert_string_equal(json_string_value(json_object_get(o.header, "typ")), TYP);
    keys_jwe_opened_clear(&o);
    /* the same JWE is not for another key */
    assert_int_equal(keys_jwe_decrypt(f->other, JOSE_JWE, strlen(JOSE_JWE), &o, &err), KEYS_EKID);
}

static void
round_trip(void **state)
{
    struct fixture *f = *state;
    struct keys_jwe_opened o = {0};
    unsigned char hbuf[1024];
    json_t *hdr, *epk;
    const char *name;
    json_t *value;
    char *again = NULL;
    size_t n, len;
    static const unsigned char binary[] = {0, 0xff, '.', 0};

    assert_int_equal(keys_jwe_decrypt(f->bob, f->jwe, f->len, &o, NULL), KEYS_OK);
    assert_int_equal(o.plaintext_len, strlen(plaintext));
    assert_string_equal((const char *)o.plaintext, plaintext);
    assert_string_equal(json_string_value(json_object_get(o.header, "from")),
                        "00000001234567890000");
    assert_string_equal(json_string_value(json_object_get(o.header, "pid")), "7a1f0c9e");
    keys_jwe_opened_clear(&o);
    assert_null(o.plaintext);
    keys_jwe_opened_clear(NULL);

    /* the header: exactly alg, enc, epk, kid and the routing fields; epk has no d */
    assert_int_equal(keys_b64url_decode(f->jwe, (size_t)(strchr(f->jwe, '.') - f->jwe), hbuf,
                                        sizeof hbuf, &n, "h", NULL),
                     KEYS_OK);
    hdr = json_loadb((const char *)hbuf, n, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(hdr);
    assert_int_equal(json_object_size(hdr), 8);
    assert_string_equal(json_string_value(json_object_get(hdr, "alg")), "ECDH-ES");
    assert_string_equal(json_string_value(json_object_get(hdr, "enc")), "A256GCM");
    assert_string_equal(json_string_value(json_object_get(hdr, "kid")), f->bob_pub.kid);
    assert_string_equal(json_string_value(json_object_get(hdr, "to")), "00000009876543210000");
    epk = json_object_get(hdr, "epk");
    assert_int_equal(json_object_size(epk), 3);
    json_object_foreach (epk, name, value)
        assert_true(strcmp(name, "crv") == 0 || strcmp(name, "kty") == 0 || strcmp(name, "x") == 0);
    json_decref(hdr);
    /* and the encrypted key part is empty */
    assert_non_null(strstr(f->jwe, ".."));

    /* each packet has its own ephemeral key and IV */
    assert_int_equal(keys_jwe_encrypt(&f->bob_pub, NULL, (const unsigned char *)plaintext,
                                      strlen(plaintext), &again, &len, NULL),
                     KEYS_OK);
    assert_int_equal(keys_jwe_decrypt(f->bob, again, len, &o, NULL), KEYS_OK);
    keys_jwe_opened_clear(&o);
    assert_string_not_equal(again, f->jwe);
    free(again);

    /* empty and binary plaintexts */
    assert_int_equal(keys_jwe_encrypt(&f->bob_pub, NULL, NULL, 0, &again, &len, NULL), KEYS_OK);
    assert_int_equal(keys_jwe_decrypt(f->bob, again, len, &o, NULL), KEYS_OK);
    assert_int_equal(o.plaintext_len, 0);
    keys_jwe_opened_clear(&o);
    free(again);
    assert_int_equal(keys_jwe_encrypt(&f->bob_pub, NULL, binary, sizeof binary, &again, &len, NULL),
                     KEYS_OK);
    assert_int_equal(keys_jwe_decrypt(f->bob, again, len, &o, NULL), KEYS_OK);
    assert_int_equal(o.plaintext_len, sizeof binary);
    assert_memory_equal(o.plaintext, binary, sizeof binary);
    keys_jwe_opened_clear(&o);
    free(again);
}

static void
refuses_forged_headers(void **state)
{
    static const struct {
        const char *header;
        enum keys_status want;
        const char *says;
    } cases[] = {
        /* the control: the forging itself is right */
        {"{\"alg\":\"ECDH-ES\",\"enc\":\"A256GCM\",\"epk\":" GOOD_EPK ",\"kid\":\"$K\"}", KEYS_OK,
         NULL},
        {"{\"enc\":\"A256GCM\",\"epk\":" GOOD_EPK ",\"kid\":\"$K\",\"alg\":\"ECDH-ES\",\"x\":1}",
         KEYS_OK, NULL},
        {"{\"alg\":\"RSA-OAEP\",\"enc\":\"A256GCM\",\"epk\":" GOOD_EPK ",\"kid\":\"$K\"}",
         KEYS_EALG, "RSA-OAEP"},
        {"{\"alg\":\"dir\",\"enc\":\"A256GCM\",\"epk\":" GOOD_EPK ",\"kid\":\"$K\"}", KEYS_EALG,
         "dir"},
        {"{\"alg\":\"ECDH-ES+A256KW\",\"enc\":\"A256GCM\",\"epk\":" GOOD_EPK ",\"kid\":\"$K\"}",
         KEYS_EALG, "ECDH-ES+A256KW"},
        {"{\"alg\":\"none\",\"enc\":\"A256GCM\",\"epk\":" GOOD_EPK ",\"kid\":\"$K\"}", KEYS_EALG,
         "none"},
        {"{\"enc\":\"A256GCM\",\"epk\":" GOOD_EPK ",\"kid\":\"$K\"}", KEYS_EALG, "no alg"},
        {"{\"alg\":null,\"enc\":\"A256GCM\",\"epk\":" GOOD_EPK ",\"kid\":\"$K\"}", KEYS_EALG,
         "not a string"},
        {"{\"alg\":\"ECDH-ES\",\"enc\":\"A128GCM\",\"epk\":" GOOD_EPK ",\"kid\":\"$K\"}", KEYS_EENC,
         "A128GCM"},
        {"{\"alg\":\"ECDH-ES\",\"enc\":\"A256CBC-HS512\",\"epk\":" GOOD_EPK ",\"kid\":\"$K\"}",
         KEYS_EENC, "A256CBC-HS512"},
        {"{\"alg\":\"ECDH-ES\",\"epk\":" GOOD_EPK ",\"kid\":\"$K\"}", KEYS_EENC, "no enc"},
        {"{\"alg\":\"ECDH-ES\",\"enc\":\"A256GCM\",\"crit\":[\"x\"],\"x\":1,\"epk\":" GOOD_EPK
         ",\"kid\":\"$K\"}",
         KEYS_ECRIT, "crit"},
        {"{\"alg\":\"ECDH-ES\",\"enc\":\"A256GCM\",\"zip\":\"DEF\",\"epk\":" GOOD_EPK
         ",\"kid\":\"$K\"}",
         KEYS_EHEADER, "zip"},
        {"{\"alg\":\"ECDH-ES\",\"enc\":\"A256GCM\",\"apu\":\"QWxpY2U\",\"epk\":" GOOD_EPK
         ",\"kid\":\"$K\"}",
         KEYS_EHEADER, "apu"},
        {"{\"alg\":\"ECDH-ES\",\"enc\":\"A256GCM\",\"apv\":\"Qm9i\",\"epk\":" GOOD_EPK
         ",\"kid\":\"$K\"}",
         KEYS_EHEADER, "apv"},
        {"{\"alg\":\"ECDH-ES\",\"enc\":\"A256GCM\",\"epk\":" GOOD_EPK "}", KEYS_EKID,
         "no string kid"},
        {"{\"alg\":\"ECDH-ES\",\"enc\":\"A256GCM\",\"epk\":" GOOD_EPK ",\"kid\":\"$Kx\"}",
         KEYS_EKID, "not for this recipient"},
        {"{\"alg\":\"ECDH-ES\",\"enc\":\"A256GCM\",\"epk\":" GOOD_EPK ",\"kid\":1}", KEYS_EKID,
         "no string kid"},
        {"{\"alg\":\"ECDH-ES\",\"enc\":\"A256GCM\",\"kid\":\"$K\"}", KEYS_EJWK, "object"},
        {"{\"alg\":\"ECDH-ES\",\"enc\":\"A256GCM\",\"epk\":\"$E\",\"kid\":\"$K\"}", KEYS_EJWK,
         "object"},
        {"{\"alg\":\"ECDH-ES\",\"enc\":\"A256GCM\",\"epk\":{\"crv\":\"X25519\",\"kty\":\"EC\","
         "\"x\":\"$E\"},\"kid\":\"$K\"}",
         KEYS_EJWK, "kty"},
        {"{\"alg\":\"ECDH-ES\",\"enc\":\"A256GCM\",\"epk\":{\"crv\":\"Ed25519\",\"kty\":\"OKP\","
         "\"x\":\"$E\"},\"kid\":\"$K\"}",
         KEYS_EJWK, "crv"},
        {"{\"alg\":\"ECDH-ES\",\"enc\":\"A256GCM\",\"epk\":{\"crv\":\"X25519\",\"kty\":\"OKP\"},"
         "\"kid\":\"$K\"}",
         KEYS_EJWK, "x"},
        {"{\"alg\":\"ECDH-ES\",\"enc\":\"A256GCM\",\"epk\":{\"crv\":\"X25519\",\"kty\":\"OKP\","
         "\"x\":\"$EAA\"},\"kid\":\"$K\"}",
         KEYS_EJWK, "32 bytes"},
        {"{\"alg\":\"ECDH-ES\",\"enc\":\"A256GCM\",\"epk\":{\"crv\":\"X25519\",\"kty\":\"OKP\","
         "\"x\":\"$E\",\"d\":\"$E\"},\"kid\":\"$K\"}",
         KEYS_EJWK, "private"},
        {"{\"alg\":\"ECDH-ES\",\"alg\":\"ECDH-ES\",\"enc\":\"A256GCM\",\"epk\":" GOOD_EPK
         ",\"kid\":\"$K\"}",
         KEYS_EHEADER, "duplicate"},
        {"[\"ECDH-ES\",\"A256GCM\",\"$K\",\"$E\"]", KEYS_EHEADER, "object"},
    };
    struct fixture *f = *state;
    char *jwe;
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        jwe = forge(&f->bob_pub, cases[i].header, NULL);
        expect(f, jwe, strlen(jwe), cases[i].want, cases[i].says);
        free(jwe);
    }
}

static void
refuses_low_order_epk(void **state)
{
    struct fixture *f = *state;
    char *jwe;
    size_t i;

    for (i = 0; i < sizeof low_order_hex / sizeof low_order_hex[0]; i++) {
        jwe = forge(&f->bob_pub,
                    "{\"alg\":\"ECDH-ES\",\"enc\":\"A256GCM\",\"epk\":" GOOD_EPK ",\"kid\":\"$K\"}",
                    low_order_hex[i]);
        expect(f, jwe, strlen(jwe), KEYS_ELOWORDER, "low-order");
        free(jwe);
    }
}

static void
refuses_wrong_recipient(void **state)
{
    struct fixture *f = *state;
    struct keys_jwe_opened o = {0};
    struct keys_err err = {0};
    struct keys_pub lie;
    char *jwe;

    /* for Bob, opened by another: its kid says so */
    assert_int_equal(keys_jwe_decrypt(f->other, f->jwe, f->len, &o, &err), KEYS_EKID);
    assert_non_null(strstr(err.text, f->bob_pub.kid));
    /* encrypted to Bob's key but labelled with the other's kid: the other cannot open it */
    lie = f->bob_pub;
    memcpy(lie.kid, f->other_pub.kid, sizeof lie.kid);
    jwe =
        forge(&lie, "{\"alg\":\"ECDH-ES\",\"enc\":\"A256GCM\",\"epk\":" GOOD_EPK ",\"kid\":\"$K\"}",
              NULL);
    assert_int_equal(keys_jwe_decrypt(f->other, jwe, strlen(jwe), &o, &err), KEYS_EDECRYPT);
    assert_null(o.plaintext);
    free(jwe);
}

static void
refuses_wrong_part_sizes(void **state)
{
    struct fixture *f = *state;
    struct keys_part p[5];
    char buf[2048];
    static const char *const ivs[] = {"AAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAAA"}; /* 11, 16 */
    static const char *const tags[] = {"AAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAAAA"};
    size_t i;

    assert_int_equal(keys_compact_split(f->jwe, f->len, 5, p, "JWE", NULL), KEYS_OK);
    /* an encrypted key, as other algorithms have */
    snprintf(buf, sizeof buf, "%.*s.AAAA.%s", (int)p[0].len, p[0].p, p[2].p);
    expect(f, buf, strlen(buf), KEYS_EENCKEY, "not empty");
    for (i = 0; i < 2; i++) {
        snprintf(buf, sizeof buf, "%.*s..%s.%s", (int)p[0].len, p[0].p, ivs[i], p[3].p);
        expect(f, buf, strlen(buf), KEYS_EFORMAT, "IV must be 12 bytes");
        snprintf(buf, sizeof buf, "%.*s%s", (int)(p[4].p - f->jwe), f->jwe, tags[i]);
        expect(f, buf, strlen(buf), KEYS_EFORMAT, "tag must be 16 bytes");
    }
    /* the tag cut to 12 bytes (96-bit tags are allowed by GCM, not by A256GCM) */
    snprintf(buf, sizeof buf, "%.*s", (int)(f->len - 6), f->jwe);
    expect(f, buf, strlen(buf), KEYS_EFORMAT, "tag must be 16 bytes");
}

static void
tampering_any_character_fails(void **state)
{
    static const char *const parts[] = {"header", "encrypted key", "IV", "ciphertext", "tag"};
    struct fixture *f = *state;
    const char *dot = strchr(f->jwe, '.');
    char *copy = malloc(f->len + 2);
    size_t at;

    refuses_every_changed_character(f->jwe, f->len, parts, 5, accepts, f);
    /* the empty encrypted key part: put a character into it */
    assert_non_null(dot);
    assert_non_null(copy);
    at = (size_t)(dot - f->jwe) + 1;
    memcpy(copy, f->jwe, at);
    copy[at] = 'A';
    memcpy(copy + at + 1, f->jwe + at, f->len - at + 1);
    expect(f, copy, f->len + 1, KEYS_EENCKEY, NULL);
    free(copy);
}

static void
tampering_any_byte_fails(void **state)
{
    struct fixture *f = *state;

    assert_true(refuses_every_flipped_byte(f->jwe, f->len, 5, 0x80, accepts, f, "JWE") > 200);
}

static void
refuses_malformed_input(void **state)
{
    struct fixture *f = *state;
    char buf[2048], *big;

    refuses_every_prefix(f->jwe, f->len, accepts, f, "JWE");
    expect(f, "", 0, KEYS_EFORMAT, "1 dot-separated part");
    expect(f, "....", 4, KEYS_EHEADER, NULL);
    expect(f, "a.b.c", 5, KEYS_EFORMAT, "3 dot-separated parts");
    snprintf(buf, sizeof buf, "%s.", f->jwe);
    expect(f, buf, strlen(buf), KEYS_EFORMAT, "6 dot-separated parts");
    snprintf(buf, sizeof buf, "%s.AAAA", f->jwe);
    expect(f, buf, strlen(buf), KEYS_EFORMAT, "6");
    snprintf(buf, sizeof buf, "%s\r\n", f->jwe);
    expect(f, buf, strlen(buf), KEYS_EBASE64, "white space");
    snprintf(buf, sizeof buf, "%s==", f->jwe);
    expect(f, buf, strlen(buf), KEYS_EBASE64, "padding");
    memcpy(buf, f->jwe, f->len + 1);
    *(strrchr(buf, '.') - 3) = '/';
    expect(f, buf, f->len, KEYS_EBASE64, "standard base64");
    memcpy(buf, f->jwe, f->len + 1);
    buf[5] = (char)0xe9;
    expect(f, buf, f->len, KEYS_EBASE64, "0xe9");
    big = malloc((size_t)KEYS_MAX_PACKET + 1);
    assert_non_null(big);
    memset(big, 'A', (size_t)KEYS_MAX_PACKET + 1);
    memcpy(big, f->jwe, f->len);
    expect(f, big, (size_t)KEYS_MAX_PACKET + 1, KEYS_ETOOBIG, "limit");
    free(big);
}

static void
encrypt_refusals(void **state)
{
    static const char *const reserved[] = {"alg", "enc", "kid", "epk", "crit", "zip", "apu",
                                           "apv", "jku", "jwk", "x5u", "x5c",  "x5t", "x5t#S256",
                                           "iv",  "tag", "p2s", "p2c", "b64"};
    struct fixture *f = *state;
    struct keys_err err = {0};
    struct keys_pub low;
    json_t *extra;
    char *out = NULL, *longtext;
    size_t len = 0, i;
    unsigned char *big;

    for (i = 0; i < sizeof reserved / sizeof reserved[0]; i++) {
        extra = json_pack("{s:s}", reserved[i], "x");
        assert_int_equal(keys_jwe_encrypt(&f->bob_pub, extra, NULL, 0, &out, &len, &err),
                         KEYS_EINVAL);
        assert_non_null(strstr(err.text, reserved[i]));
        assert_null(out);
        json_decref(extra);
    }
    extra = json_string("typ");
    assert_int_equal(keys_jwe_encrypt(&f->bob_pub, extra, NULL, 0, &out, &len, &err), KEYS_EINVAL);
    json_decref(extra);
    /* a header over the limit */
    longtext = malloc((size_t)KEYS_MAX_HEADER + 1);
    assert_non_null(longtext);
    memset(longtext, 'x', KEYS_MAX_HEADER);
    longtext[KEYS_MAX_HEADER] = '\0';
    extra = json_pack("{s:s}", "note", longtext);
    assert_int_equal(keys_jwe_encrypt(&f->bob_pub, extra, NULL, 0, &out, &len, &err), KEYS_ETOOBIG);
    json_decref(extra);
    free(longtext);
    /* a plaintext whose JWE would exceed what receivers accept */
    big = calloc(1, (size_t)KEYS_MAX_PACKET / 4 * 3);
    assert_non_null(big);
    assert_int_equal(
        keys_jwe_encrypt(&f->bob_pub, NULL, big, (size_t)KEYS_MAX_PACKET / 4 * 3, &out, &len, &err),
        KEYS_ETOOBIG);
    free(big);
    /* a recipient key of low order, with its true thumbprint */
    for (i = 0; i < sizeof low_order_hex / sizeof low_order_hex[0]; i++) {
        unhex(low_order_hex[i], low.key, sizeof low.key);
        assert_int_equal(keys_okp_thumbprint(low.key, "X25519", low.kid, NULL), KEYS_OK);
        assert_int_equal(keys_jwe_encrypt(&low, NULL, NULL, 0, &out, &len, &err), KEYS_ELOWORDER);
    }
    /* a recipient whose kid is not its key's */
    low = f->bob_pub;
    low.kid[3] ^= 1;
    assert_int_equal(keys_jwe_encrypt(&low, NULL, NULL, 0, &out, &len, &err), KEYS_EINVAL);
    assert_null(out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(concat_kdf_rfc7518_appendix_c),
        cmocka_unit_test(concat_kdf_baton_layout),
        cmocka_unit_test(x25519_rfc8037_a6),
        cmocka_unit_test(interop_with_jose),
        cmocka_unit_test(round_trip),
        cmocka_unit_test(refuses_forged_headers),
        cmocka_unit_test(refuses_low_order_epk),
        cmocka_unit_test(refuses_wrong_recipient),
        cmocka_unit_test(refuses_wrong_part_sizes),
        cmocka_unit_test(tampering_any_character_fails),
        cmocka_unit_test(tampering_any_byte_fails),
        cmocka_unit_test(refuses_malformed_input),
        cmocka_unit_test(encrypt_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
