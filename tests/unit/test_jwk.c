/* SPDX-License-Identifier: EUPL-1.2 */
/* Keys, JWK import and export, and RFC 7638 thumbprints, against the RFCs' own examples. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "keys.h"
#include "keys_int.h"
#include "keys_test_util.h"

/* RFC 8037 appendix A.1 (private key d, public key x), A.3 (its thumbprint and SHA-256). */
#define RFC8037_D "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
#define RFC8037_X "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
#define RFC8037_KID "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
#define RFC8037_KID_HEX "90facafea9b1556698540f70c0117a22ea37bd5cf3ed3c47093c1707282b4b89"

/* RFC 7638 section 3.1: an RSA key and its thumbprint. */
#define RFC7638_N                                                                                  \
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECP" \
    "ebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY" \
    "368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0f" \
    "M4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
#define RFC7638_KID "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"

static json_t *
parse(const char *text)
{
    json_error_t jerr;
    json_t *v = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);

    if (v == NULL)
        fail_msg("test JSON does not parse: %s", jerr.text);
    return v;
}

static void
b64_of_hex(const char *hex, char out[KEYS_KID_LEN + 1])
{
    unsigned char bin[KEYS_KEY_BYTES];

    unhex(hex, bin, sizeof bin);
    assert_int_equal(keys_b64url_encode(bin, sizeof bin, out, KEYS_KID_LEN + 1, NULL), KEYS_OK);
}

static struct keys_sign_key *
rfc8037_key(void)
{
    unsigned char seed[KEYS_KEY_BYTES];
    struct keys_sign_key *key = NULL;
    size_t n = 0;

    assert_int_equal(
        keys_b64url_decode(RFC8037_D, strlen(RFC8037_D), seed, sizeof seed, &n, "d", NULL),
        KEYS_OK);
    assert_int_equal(n, sizeof seed);
    assert_int_equal(keys_sign_key_from_seed(seed, &key, NULL), KEYS_OK);
    sodium_memzero(seed, sizeof seed);
    return key;
}

/* A.1 -> A.2: the private key gives the public key; A.3: its thumbprint is the kid. */
static void
rfc8037_key_and_thumbprint(void **state)
{
    struct keys_sign_key *key = rfc8037_key();
    struct keys_pub pub, back;
    unsigned char digest[32], want[32];
    char x[KEYS_KID_LEN + 1];
    size_t n;
    json_t *jwk;

    (void)state;
    keys_sign_key_public(key, &pub);
    assert_int_equal(keys_b64url_encode(pub.key, sizeof pub.key, x, sizeof x, NULL), KEYS_OK);
    assert_string_equal(x, RFC8037_X);
    assert_string_equal(pub.kid, RFC8037_KID);
    assert_int_equal(
        keys_b64url_decode(pub.kid, KEYS_KID_LEN, digest, sizeof digest, &n, "kid", NULL), KEYS_OK);
    unhex(RFC8037_KID_HEX, want, sizeof want);
    assert_memory_equal(digest, want, sizeof want);

    /* the A.2 JWK, as written there, gives the same thumbprint and key */
    jwk = parse("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" RFC8037_X "\"}");
    assert_int_equal(keys_jwk_thumbprint(jwk, x, NULL), KEYS_OK);
    assert_string_equal(x, RFC8037_KID);
    assert_int_equal(keys_sign_pub_from_jwk(jwk, &back, NULL), KEYS_OK);
    assert_memory_equal(back.key, pub.key, sizeof pub.key);
    assert_string_equal(back.kid, RFC8037_KID);
    json_decref(jwk);
    keys_sign_key_free(key);
}

static void
rfc7638_rsa_thumbprint(void **state)
{
    char kid[KEYS_KID_LEN + 1];
    json_t *jwk;

    (void)state;
    /* members in the RFC's order, with alg and kid that the thumbprint must ignore */
    jwk = parse("{\"kty\":\"RSA\",\"n\":\"" RFC7638_N "\",\"e\":\"AQAB\",\"alg\":\"RS256\","
                "\"kid\":\"2011-04-29\"}");
    assert_int_equal(keys_jwk_thumbprint(jwk, kid, NULL), KEYS_OK);
    assert_string_equal(kid, RFC7638_KID);
    json_decref(jwk);
    /* member order does not matter */
    jwk = parse("{\"e\":\"AQAB\",\"n\":\"" RFC7638_N "\",\"kty\":\"RSA\"}");
    assert_int_equal(keys_jwk_thumbprint(jwk, kid, NULL), KEYS_OK);
    assert_string_equal(kid, RFC7638_KID);
    json_decref(jwk);
}

static void
thumbprint_depends_on_required_members_only(void **state)
{
    char a[KEYS_KID_LEN + 1], b[KEYS_KID_LEN + 1];
    struct keys_err err = {0};
    json_t *jwk;

    (void)state;
    jwk = parse("{\"x\":\"" RFC8037_X "\",\"use\":\"sig\",\"crv\":\"Ed25519\",\"kty\":\"OKP\","
                "\"kid\":\"whatever\"}");
    assert_int_equal(keys_jwk_thumbprint(jwk, a, NULL), KEYS_OK);
    assert_string_equal(a, RFC8037_KID);
    json_object_set_new(jwk, "crv", json_string("X25519"));
    assert_int_equal(keys_jwk_thumbprint(jwk, b, NULL), KEYS_OK);
    assert_string_not_equal(a, b);
    json_decref(jwk);

    /* refusals */
    jwk = parse("{\"kty\":\"OKP\",\"crv\":\"Ed25519\"}");
    assert_int_equal(keys_jwk_thumbprint(jwk, a, &err), KEYS_EJWK);
    assert_non_null(strstr(err.text, "x"));
    json_decref(jwk);
    jwk = parse("{\"kty\":\"DSA\",\"x\":\"AA\"}");
    assert_int_equal(keys_jwk_thumbprint(jwk, a, &err), KEYS_EJWK);
    assert_non_null(strstr(err.text, "DSA"));
    json_decref(jwk);
    jwk = parse("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AA\",\"y\":7}");
    assert_int_equal(keys_jwk_thumbprint(jwk, a, &err), KEYS_EJWK);
    json_decref(jwk);
    jwk = parse("[]");
    assert_int_equal(keys_jwk_thumbprint(jwk, a, &err), KEYS_EJWK);
    json_decref(jwk);
}

/* Export then import gives the same key; the JWK has exactly the promised members. */
static void
jwk_round_trips(void **state)
{
    struct keys_sign_key *sk = NULL;
    struct keys_enc_key *ek = NULL;
    struct keys_pub pub, back;
    json_t *jwk = NULL;
    char *text;

    (void)state;
    assert_int_equal(keys_sign_key_generate(&sk, NULL), KEYS_OK);
    keys_sign_key_public(sk, &pub);
    assert_int_equal(keys_sign_pub_to_jwk(&pub, &jwk, NULL), KEYS_OK);
    assert_int_equal(json_object_size(jwk), 6);
    assert_string_equal(json_string_value(json_object_get(jwk, "kty")), "OKP");
    assert_string_equal(json_string_value(json_object_get(jwk, "crv")), "Ed25519");
    assert_string_equal(json_string_value(json_object_get(jwk, "alg")), "EdDSA");
    assert_string_equal(json_string_value(json_object_get(jwk, "use")), "sig");
    assert_string_equal(json_string_value(json_object_get(jwk, "kid")), pub.kid);
    assert_null(json_object_get(jwk, "d"));
    assert_int_equal(keys_sign_pub_from_jwk(jwk, &back, NULL), KEYS_OK);
    assert_memory_equal(&back, &pub, sizeof pub);
    /* a signing JWK is not an encryption key */
    assert_int_equal(keys_enc_pub_from_jwk(jwk, &back, NULL), KEYS_EJWK);
    json_decref(jwk);

    assert_int_equal(keys_enc_key_generate(&ek, NULL), KEYS_OK);
    keys_enc_key_public(ek, &pub);
    assert_int_equal(keys_enc_pub_to_jwk(&pub, &jwk, NULL), KEYS_OK);
    text = json_dumps(jwk, JSON_COMPACT | JSON_SORT_KEYS);
    assert_non_null(strstr(text, "\"alg\":\"ECDH-ES\",\"crv\":\"X25519\""));
    assert_non_null(strstr(text, "\"use\":\"enc\""));
    free(text);
    assert_int_equal(keys_enc_pub_from_jwk(jwk, &back, NULL), KEYS_OK);
    assert_memory_equal(&back, &pub, sizeof pub);
    assert_int_equal(keys_sign_pub_from_jwk(jwk, &back, NULL), KEYS_EJWK);
    json_decref(jwk);

    /* a keys_pub whose kid was changed is a bug in the caller */
    pub.kid[0] = pub.kid[0] == 'A' ? 'B' : 'A';
    assert_int_equal(keys_enc_pub_to_jwk(&pub, &jwk, NULL), KEYS_EINVAL);
    keys_sign_key_free(sk);
    keys_enc_key_free(ek);
}

static void
expect_refusal(const char *text, int sign, enum keys_status want, const char *says)
{
    struct keys_err err = {0};
    struct keys_pub pub, untouched;
    enum keys_status st;
    json_t *jwk = parse(text);

    memset(&pub, 0x5a, sizeof pub);
    untouched = pub;
    st = sign ? keys_sign_pub_from_jwk(jwk, &pub, &err) : keys_enc_pub_from_jwk(jwk, &pub, &err);
    check_status(st, &err, want, says, text, strlen(text));
    assert_memory_equal(&pub, &untouched, sizeof pub);
    json_decref(jwk);
}

static void
jwk_refusals(void **state)
{
    char x[KEYS_KID_LEN + 1], text[512];
    size_t i;

    (void)state;
    expect_refusal("[\"" RFC8037_X "\"]", 1, KEYS_EJWK, "object");
    expect_refusal("{\"crv\":\"Ed25519\",\"x\":\"" RFC8037_X "\"}", 1, KEYS_EJWK, "kty");
    expect_refusal("{\"kty\":\"EC\",\"crv\":\"Ed25519\",\"x\":\"" RFC8037_X "\"}", 1, KEYS_EJWK,
                   "\"EC\"");
    expect_refusal("{\"kty\":\"OKP\",\"crv\":\"Ed448\",\"x\":\"" RFC8037_X "\"}", 1, KEYS_EJWK,
                   "Ed448");
    expect_refusal("{\"kty\":\"OKP\",\"crv\":\"Ed25519\"}", 1, KEYS_EJWK, "x");
    expect_refusal("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":5}", 1, KEYS_EJWK, "x");
    /* 31 bytes, 33 bytes, padded, standard base64 */
    expect_refusal("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":"
                   "\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHUQ\"}",
                   1, KEYS_EJWK, "32 bytes");
    expect_refusal("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" RFC8037_X "AA\"}", 1, KEYS_EJWK,
                   "32 bytes");
    expect_refusal("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" RFC8037_X "=\"}", 1, KEYS_EJWK,
                   "padding");
    expect_refusal("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":"
                   "\"11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}",
                   1, KEYS_EJWK, "standard base64");
    /* a private key where a public one is expected */
    expect_refusal("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" RFC8037_X "\",\"d\":\"" RFC8037_D
                   "\"}",
                   1, KEYS_EJWK, "private");
    /* kid, alg, use that disagree */
    expect_refusal("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" RFC8037_X "\",\"kid\":\"k1\"}",
                   1, KEYS_EJWK, "thumbprint");
    expect_refusal("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" RFC8037_X
                   "\",\"alg\":\"ES256\"}",
                   1, KEYS_EJWK, "ES256");
    expect_refusal("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" RFC8037_X "\",\"use\":\"enc\"}",
                   1, KEYS_EJWK, "enc");
    /* Ed25519 points that no honest key has: the identity (small order), y = p (non-canonical) */
    b64_of_hex("0100000000000000000000000000000000000000000000000000000000000000", x);
    snprintf(text, sizeof text, "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\"}", x);
    expect_refusal(text, 1, KEYS_EJWK, "not a valid Ed25519");
    b64_of_hex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", x);
    snprintf(text, sizeof text, "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\"}", x);
    expect_refusal(text, 1, KEYS_EJWK, "not a valid Ed25519");
    /* X25519 keys of low order */
    for (i = 0; i < sizeof low_order_hex / sizeof low_order_hex[0]; i++) {
        b64_of_hex(low_order_hex[i], x);
        snprintf(text, sizeof text, "{\"kty\":\"OKP\",\"crv\":\"X25519\",\"x\":\"%s\"}", x);
        expect_refusal(text, 0, KEYS_ELOWORDER, "low-order");
    }
}

static void
on_segv(int sig)
{
    (void)sig;
    _exit(42);
}

/* The private key cannot be written while the key pair lives: a stray write faults. */
static void
private_key_memory_is_read_only(void **state)
{
    struct keys_sign_key *sk = NULL;
    struct keys_enc_key *ek = NULL;
    struct sigaction sa;
    volatile unsigned char *p;
    int status = 0, which;
    pid_t pid;

    (void)state;
    assert_int_equal(keys_sign_key_generate(&sk, NULL), KEYS_OK);
    assert_int_equal(keys_enc_key_generate(&ek, NULL), KEYS_OK);
    for (which = 0; which < 2; which++) {
        fflush(NULL);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            memset(&sa, 0, sizeof sa);
            sa.sa_handler = on_segv;
            sigaction(SIGSEGV, &sa, NULL);
            sigaction(SIGBUS, &sa, NULL);
            p = which == 0 ? (volatile unsigned char *)sk->sk : (volatile unsigned char *)ek->sk;
            p[0] = (unsigned char)(p[0] ^ 1);
            _exit(0); /* the write went through: the memory was writable */
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 42);
    }
    keys_sign_key_free(sk);
    keys_enc_key_free(ek);
}

static void
generated_keys_differ(void **state)
{
    struct keys_sign_key *a = NULL, *b = NULL;
    struct keys_pub pa, pb;

    (void)state;
    assert_int_equal(keys_sign_key_generate(&a, NULL), KEYS_OK);
    assert_int_equal(keys_sign_key_generate(&b, NULL), KEYS_OK);
    keys_sign_key_public(a, &pa);
    keys_sign_key_public(b, &pb);
    assert_memory_not_equal(pa.key, pb.key, sizeof pa.key);
    assert_string_not_equal(pa.kid, pb.kid);
    assert_int_equal(strlen(pa.kid), KEYS_KID_LEN);
    keys_sign_key_free(a);
    keys_sign_key_free(b);
    keys_sign_key_free(NULL);
    keys_enc_key_free(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc8037_key_and_thumbprint),
        cmocka_unit_test(rfc7638_rsa_thumbprint),
        cmocka_unit_test(thumbprint_depends_on_required_members_only),
        cmocka_unit_test(jwk_round_trips),
        cmocka_unit_test(jwk_refusals),
        cmocka_unit_test(private_key_memory_is_read_only),
        cmocka_unit_test(generated_keys_differ),
    };

    if (keys_init(NULL) != KEYS_OK)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
