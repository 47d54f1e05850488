/* SPDX-License-Identifier: EUPL-1.2 */
/* What the JOSE tests (test_jws.c, test_jwe.c, test_jwk.c) share: the X25519 points of low
 * order, hex input, the check of a refusal, and the sweeps that every compact serialization must
 * survive (each prefix, each changed character, each flipped byte refused). Static functions in a
 * header, because each test_*.c is a program of its own. Include after cmocka.h and keys_int.h. */
#ifndef BATON_KEYS_TEST_UTIL_H
#define BATON_KEYS_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

/* The parts of a JWE compact serialization, the most any of them has. */
#define COMPACT_MAX_PARTS 5

/* X25519 public keys of low order (the list libsodium refuses, as in Wycheproof): 0, 1, the two
 * points of order 8, and p-1, p, p+1 (non-canonical encodings). */
static const char *const low_order_hex[] = {
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
};

/* Exactly n bytes from hex. */
static inline void
unhex(const char *hex, unsigned char *out, size_t n)
{
    size_t got = 0;

    assert_int_equal(sodium_hex2bin(out, n, hex, strlen(hex), NULL, &got, NULL), 0);
    assert_int_equal(got, n);
}

/* Copies tpl to out (size bytes), replacing "$" + names[i] by with[i]. */
static inline void
fill_template(char *out, size_t size, const char *tpl, const char *names, const char *const with[])
{
    const char *hit;
    size_t o = 0, n;

    while (*tpl != '\0') {
        if (tpl[0] == '$' && tpl[1] != '\0' && (hit = strchr(names, tpl[1])) != NULL) {
            n = strlen(with[hit - names]);
            assert_true(o + n < size);
            memcpy(out + o, with[hit - names], n);
            o += n;
            tpl += 2;
        } else {
            assert_true(o + 1 < size);
            out[o++] = *tpl++;
        }
    }
    out[o] = '\0';
}

/* Checks the status st that reading input[0..len) gave: it must be want, and a refusal must be
 * one (keys_status_is_refusal) whose message contains says (unless says is NULL). */
static inline void
check_status(enum keys_status st, const struct keys_err *err, enum keys_status want,
             const char *says, const char *input, size_t len)
{
    if (st != want)
        fail_msg("status %d (%s: %s), expected %d, for %.*s", st, keys_status_name(st), err->text,
                 want, (int)(len < 400 ? len : 400), input);
    if (st != KEYS_OK) {
        assert_true(keys_status_is_refusal(st));
        if (says != NULL && strstr(err->text, says) == NULL)
            fail_msg("message \"%s\" does not say \"%s\"", err->text, says);
    }
}

/* Whether the code under test accepts input[0..len) (ctx: the test's fixture). */
typedef bool (*accepts_fn)(void *ctx, const char *input, size_t len);

/* Every proper prefix of the compact serialization s must be refused. */
static inline void
refuses_every_prefix(const char *s, size_t len, accepts_fn accepts, void *ctx, const char *what)
{
    size_t i;

    for (i = 0; i < len; i++)
        if (accepts(ctx, s, i))
            fail_msg("the %s cut to %zu characters was accepted", what, i);
}

/* Changes each character of s, which has as many parts as part_names names, to another
 * base64url character (a '.' to 'A'): every change must be refused, in every part. */
static inline void
refuses_every_changed_character(const char *s, size_t len, const char *const part_names[],
                                size_t parts, accepts_fn accepts, void *ctx)
{
    char *copy = malloc(len + 1);
    size_t i, part = 0, per_part[COMPACT_MAX_PARTS] = {0};

    assert_non_null(copy);
    assert_true(parts <= COMPACT_MAX_PARTS);
    for (i = 0; i < len; i++) {
        memcpy(copy, s, len);
        copy[len] = '\0';
        if (copy[i] == '.') {
            part++;
            copy[i] = 'A'; /* a lost separator */
        } else {
            copy[i] = copy[i] == 'A' ? 'B' : 'A';
        }
        assert_true(part < parts);
        if (accepts(ctx, copy, len))
            fail_msg("changing character %zu (part %zu) was not noticed", i, part + 1);
        per_part[part]++;
    }
    print_message("changed characters refused:");
    for (i = 0; i < parts; i++)
        print_message("%s %s %zu", i > 0 ? "," : "", part_names[i], per_part[i]);
    print_message("\n");
    for (i = 0; i < parts; i++)
        assert_true(per_part[i] > 0);
    free(copy);
}

/* Flips the bits flip in each decoded byte of each of the parts of s and encodes the part again:
 * every one must be refused. Returns how many were. */
static inline size_t
refuses_every_flipped_byte(const char *s, size_t len, size_t parts, unsigned char flip,
                           accepts_fn accepts, void *ctx, const char *what)
{
    struct keys_part part[COMPACT_MAX_PARTS];
    unsigned char *bytes;
    char *b64, *changed;
    size_t p, i, n, flips = 0;

    assert_true(parts <= COMPACT_MAX_PARTS);
    assert_int_equal(keys_compact_split(s, len, parts, part, what, NULL), KEYS_OK);
    for (p = 0; p < parts; p++) {
        const char *rest = p + 1 < parts ? part[p + 1].p : s + len;

        assert_int_equal(keys_b64url_decode_alloc(part[p].p, part[p].len, KEYS_MAX_PACKET, &bytes,
                                                  &n, "part", NULL),
                         KEYS_OK);
        for (i = 0; i < n; i++) {
            bytes[i] ^= flip;
            assert_int_equal(keys_b64url_encode_alloc(bytes, n, &b64, NULL, NULL), KEYS_OK);
            bytes[i] ^= flip;
            changed = malloc(len + 8);
            assert_non_null(changed);
            snprintf(changed, len + 8, "%.*s%s%s%.*s", (int)(part[p].p - s), s, b64,
                     p + 1 < parts ? "." : "", (int)(s + len - rest), rest);
            if (accepts(ctx, changed, strlen(changed)))
                fail_msg("flipping byte %zu of part %zu was not noticed", i, p + 1);
            flips++;
            free(changed);
            free(b64);
        }
        free(bytes);
    }
    print_message("%zu flipped bytes refused\n", flips);
    return flips;
}

#endif
