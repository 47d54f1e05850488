/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * Wycheproof vectors through baton's own wrappers: Ed25519 verification, X25519 agreement and
 * AES-256-GCM, exactly the functions under every packet.
 *
 * Policy for results: "valid" must be accepted (and compute the listed output), "invalid" must
 * be refused. "acceptable" (RFC-permitted leniency): for X25519, a vector whose shared secret is
 * all zero (flags LowOrderPublic / ZeroSharedSecret) must be REFUSED by baton, the safe choice
 * that RFC 7748 section 6.1 allows; every other acceptable X25519 vector (Twist,
 * NonCanonicalPublic ...) must be accepted with exactly the listed shared secret, as RFC 7748
 * section 5 defines. An acceptable Ed25519 vector (the file has none today) passes either way.
 * AES-GCM: only 256-bit keys, 96-bit IVs and 128-bit tags are baton's (A256GCM, RFC 7518 5.3);
 * other vectors are counted as not applicable.
 */
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

#define MAX_REPORTED 10 /* failures printed per file; the count says how many more */

struct tally {
    const char *file;
    size_t total, passed, na, refused_zero, failed;
};

static json_t *
load(const char *name)
{
    char path[1024];
    json_error_t jerr;
    json_t *doc;

    snprintf(path, sizeof path, "%s/conformance/wycheproof/%s", BATON_SHARED_DIR, name);
    doc = json_load_file(path, 0, &jerr);
    if (doc == NULL)
        fail_msg("cannot read the Wycheproof vectors %s: %s", path, jerr.text);
    if (!json_is_array(json_object_get(doc, "testGroups")))
        fail_msg("%s has no testGroups array", path);
    return doc;
}

/* Hex to a new buffer of *len bytes (at least 1 allocated, so that empty is not NULL). */
static unsigned char *
unhex(const json_t *v, size_t *len)
{
    const char *s = json_string_value(v);
    size_t n, got = 0;
    unsigned char *buf;

    assert_non_null(s);
    n = strlen(s);
    assert_int_equal(n % 2, 0);
    buf = malloc(n / 2 + 1);
    assert_non_null(buf);
    assert_int_equal(sodium_hex2bin(buf, n / 2 + 1, s, n, NULL, &got, NULL), 0);
    assert_int_equal(got, n / 2);
    *len = got;
    return buf;
}

static int
has_flag(const json_t *t, const char *flag)
{
    size_t i;
    json_t *f;

    json_array_foreach (json_object_get(t, "flags"), i, f) {
        if (json_is_string(f) && strcmp(json_string_value(f), flag) == 0)
            return 1;
    }
    return 0;
}

static void
verdict(struct tally *ty, const json_t *t, int ok, const char *why)
{
    if (ok) {
        ty->passed++;
        return;
    }
    if (ty->failed++ < MAX_REPORTED)
        print_error("%s tcId %d (%s, %s): %s\n", ty->file,
                    (int)json_integer_value(json_object_get(t, "tcId")),
                    json_string_value(json_object_get(t, "result")),
                    json_string_value(json_object_get(t, "comment")), why);
}

static void
report(const struct tally *ty, const json_t *doc)
{
    printf("[ wycheproof ] %s: %zu vectors, %zu passed, %zu failed, %zu not applicable", ty->file,
           ty->total, ty->passed, ty->failed, ty->na);
    if (ty->refused_zero != 0)
        printf(" (%zu all-zero shared secrets refused)", ty->refused_zero);
    printf("\n");
    assert_int_equal(ty->total, (size_t)json_integer_value(json_object_get(doc, "numberOfTests")));
    assert_true(ty->passed > 0);
    assert_int_equal(ty->failed, 0);
    assert_int_equal(ty->passed + ty->na, ty->total);
}

static void
ed25519_vectors(void **state)
{
    struct tally ty = {.file = "ed25519_test.json"};
    json_t *doc = load(ty.file), *g, *t;
    size_t i, j, pk_len, msg_len, sig_len;
    unsigned char *pk, *msg, *sig;
    const char *result;
    enum keys_status st;

    (void)state;
    json_array_foreach (json_object_get(doc, "testGroups"), i, g) {
        pk = unhex(json_object_get(json_object_get(g, "publicKey"), "pk"), &pk_len);
        assert_int_equal(pk_len, KEYS_KEY_BYTES);
        json_array_foreach (json_object_get(g, "tests"), j, t) {
            ty.total++;
            result = json_string_value(json_object_get(t, "result"));
            msg = unhex(json_object_get(t, "msg"), &msg_len);
            sig = unhex(json_object_get(t, "sig"), &sig_len);
            st = keys_ed25519_verify(pk, msg, msg_len, sig, sig_len, NULL);
            if (strcmp(result, "valid") == 0)
                verdict(&ty, t, st == KEYS_OK, "a valid signature was refused");
            else if (strcmp(result, "invalid") == 0)
                verdict(&ty, t, st == KEYS_EBADSIG, "an invalid signature was accepted");
            else
                verdict(&ty, t, st == KEYS_OK || st == KEYS_EBADSIG, "unexpected status");
            free(msg);
            free(sig);
        }
        free(pk);
    }
    report(&ty, doc);
    json_decref(doc);
}

static void
x25519_vectors(void **state)
{
    struct tally ty = {.file = "x25519_test.json"};
    json_t *doc = load(ty.file), *g, *t;
    size_t i, j, sk_len, pk_len, shared_len;
    unsigned char *sk, *pk, *shared, z[KEYS_KEY_BYTES];
    const char *result;
    enum keys_status st;
    int zero;

    (void)state;
    json_array_foreach (json_object_get(doc, "testGroups"), i, g) {
        json_array_foreach (json_object_get(g, "tests"), j, t) {
            ty.total++;
            result = json_string_value(json_object_get(t, "result"));
            sk = unhex(json_object_get(t, "private"), &sk_len);
            pk = unhex(json_object_get(t, "public"), &pk_len);
            shared = unhex(json_object_get(t, "shared"), &shared_len);
            if (sk_len != KEYS_KEY_BYTES || pk_len != KEYS_KEY_BYTES) {
                /* keys of another length cannot reach baton's 32-byte API */
                verdict(&ty, t, strcmp(result, "invalid") == 0, "a valid vector has odd sizes");
                goto next;
            }
            zero = shared_len == KEYS_KEY_BYTES && sodium_is_zero(shared, shared_len);
            memset(z, 0xa5, sizeof z);
            st = keys_x25519(z, sk, pk, NULL);
            if (strcmp(result, "invalid") == 0) {
                verdict(&ty, t, st != KEYS_OK, "an invalid public key was accepted");
            } else if (zero) {
                /* all-zero shared secret: "acceptable" for RFC 7748, refused by baton */
                verdict(&ty, t, st == KEYS_ELOWORDER && sodium_is_zero(z, sizeof z),
                        "a low-order public key was not refused (or z not wiped)");
                if (st == KEYS_ELOWORDER)
                    ty.refused_zero++;
                if (!has_flag(t, "ZeroSharedSecret") && !has_flag(t, "LowOrderPublic"))
                    print_message("note: tcId %d has a zero secret but no low-order flag\n",
                                  (int)json_integer_value(json_object_get(t, "tcId")));
            } else {
                verdict(&ty, t,
                        st == KEYS_OK && shared_len == sizeof z && memcmp(z, shared, sizeof z) == 0,
                        "the shared secret differs or was refused");
            }
        next:
            free(sk);
            free(pk);
            free(shared);
        }
    }
    report(&ty, doc);
    assert_true(ty.refused_zero > 0);
    json_decref(doc);
}

static void
aes_gcm_vectors(void **state)
{
    struct tally ty = {.file = "aes_gcm_test.json"};
    json_t *doc = load(ty.file), *g, *t;
    size_t i, j, klen, ivlen, aadlen, mlen, ctlen, taglen;
    unsigned char *key, *iv, *aad, *msg, *ct, *tag, *out, mytag[KEYS_GCM_TAG_BYTES];
    const char *result;
    enum keys_status st;
    int ok;

    (void)state;
    json_array_foreach (json_object_get(doc, "testGroups"), i, g) {
        json_array_foreach (json_object_get(g, "tests"), j, t) {
            ty.total++;
            result = json_string_value(json_object_get(t, "result"));
            key = unhex(json_object_get(t, "key"), &klen);
            iv = unhex(json_object_get(t, "iv"), &ivlen);
            aad = unhex(json_object_get(t, "aad"), &aadlen);
            msg = unhex(json_object_get(t, "msg"), &mlen);
            ct = unhex(json_object_get(t, "ct"), &ctlen);
            tag = unhex(json_object_get(t, "tag"), &taglen);
            if (klen != KEYS_GCM_KEY_BYTES || ivlen != KEYS_GCM_IV_BYTES ||
                taglen != KEYS_GCM_TAG_BYTES) {
                ty.na++;
                goto next;
            }
            assert_int_equal(ctlen, mlen);
            out = malloc(ctlen + 1);
            assert_non_null(out);
            st = keys_aes256gcm_decrypt(out, ct, ctlen, tag, aad, aadlen, iv, key, NULL);
            if (strcmp(result, "valid") == 0) {
                ok = st == KEYS_OK && memcmp(out, msg, mlen) == 0;
                /* and the other direction gives the listed ciphertext and tag */
                ok = ok &&
                     keys_aes256gcm_encrypt(out, mytag, msg, mlen, aad, aadlen, iv, key, NULL) ==
                         KEYS_OK &&
                     memcmp(out, ct, ctlen) == 0 && memcmp(mytag, tag, taglen) == 0;
                verdict(&ty, t, ok, "a valid ciphertext did not decrypt or encrypt as listed");
            } else if (strcmp(result, "invalid") == 0) {
                verdict(&ty, t, st == KEYS_EDECRYPT, "a forged ciphertext was accepted");
            } else {
                verdict(&ty, t, st == KEYS_OK || st == KEYS_EDECRYPT, "unexpected status");
            }
            free(out);
        next:
            free(key);
            free(iv);
            free(aad);
            free(msg);
            free(ct);
            free(tag);
        }
    }
    report(&ty, doc);
    json_decref(doc);
}

static int
setup(void **state)
{
    (void)state;
    return keys_init(NULL) == KEYS_OK ? 0 : -1;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ed25519_vectors),
        cmocka_unit_test(x25519_vectors),
        cmocka_unit_test(aes_gcm_vectors),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
