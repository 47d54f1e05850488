/* SPDX-License-Identifier: EUPL-1.2 */
/* base64url without padding: known encodings, and every non-canonical or foreign form refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "keys.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* RFC 4648 section 10 vectors, without their padding, and bytes that need '-' and '_'. */
static void
encodes_known_values(void **state)
{
    static const struct {
        const char *bin;
        size_t len;
        const char *b64;
    } v[] = {
        {"", 0, ""},
        {"f", 1, "Zg"},
        {"fo", 2, "Zm8"},
        {"foo", 3, "Zm9v"},
        {"foob", 4, "Zm9vYg"},
        {"fooba", 5, "Zm9vYmE"},
        {"foobar", 6, "Zm9vYmFy"},
        {"\xfb\xff", 2, "-_8"},
        {"\xfb\xff\xbf", 3, "-_-_"},
        {"\x00\x00\x00", 3, "AAAA"},
    };
    char out[16];
    unsigned char bin[16];
    size_t i, n;
    struct keys_err err = {0};

    (void)state;
    for (i = 0; i < sizeof v / sizeof v[0]; i++) {
        assert_int_equal(keys_b64url_encoded_len(v[i].len), strlen(v[i].b64));
        assert_int_equal(
            keys_b64url_encode((const unsigned char *)v[i].bin, v[i].len, out, sizeof out, &err),
            KEYS_OK);
        assert_string_equal(out, v[i].b64);
        n = 99;
        assert_int_equal(
            keys_b64url_decode(v[i].b64, strlen(v[i].b64), bin, sizeof bin, &n, "test", &err),
            KEYS_OK);
        assert_int_equal(n, v[i].len);
        assert_memory_equal(bin, v[i].bin, n);
    }
}

static void
round_trips_random_bytes(void **state)
{
    unsigned char bin[200], back[200];
    char text[300];
    size_t len, n;
    struct keys_err err = {0};

    (void)state;
    for (len = 0; len <= sizeof bin; len++) {
        randombytes_buf(bin, len);
        assert_int_equal(keys_b64url_encode(bin, len, text, sizeof text, &err), KEYS_OK);
        assert_int_equal(strlen(text), keys_b64url_encoded_len(len));
        assert_null(strchr(text, '='));
        assert_int_equal(
            keys_b64url_decode(text, strlen(text), back, sizeof back, &n, "test", &err), KEYS_OK);
        assert_int_equal(n, len);
        assert_memory_equal(back, bin, len);
    }
}

/* Every string of 2 and 3 alphabet characters: exactly the canonical ones decode, and they
 * encode back to themselves. A lenient decoder accepts 4x (2 chars) or 4x (3 chars) too many. */
static void
accepts_only_canonical_encodings(void **state)
{
    char s[4] = {0}, again[8];
    unsigned char bin[4];
    size_t a, b, c, n, accepted2 = 0, accepted3 = 0;
    enum keys_status st;

    (void)state;
    for (a = 0; a < 64; a++)
        for (b = 0; b < 64; b++) {
            s[0] = alphabet[a];
            s[1] = alphabet[b];
            st = keys_b64url_decode(s, 2, bin, sizeof bin, &n, "test", NULL);
            if ((b & 0x0f) == 0) {
                assert_int_equal(st, KEYS_OK);
                assert_int_equal(n, 1);
                assert_int_equal(keys_b64url_encode(bin, n, again, sizeof again, NULL), KEYS_OK);
                assert_memory_equal(again, s, 2);
                accepted2++;
            } else {
                assert_int_equal(st, KEYS_EBASE64);
            }
            for (c = 0; c < 64; c++) {
                s[2] = alphabet[c];
                st = keys_b64url_decode(s, 3, bin, sizeof bin, &n, "test", NULL);
                if ((c & 0x03) == 0) {
                    assert_int_equal(st, KEYS_OK);
                    assert_int_equal(n, 2);
                    accepted3++;
                } else {
                    assert_int_equal(st, KEYS_EBASE64);
                }
            }
        }
    assert_int_equal(accepted2, 64 * 4);
    assert_int_equal(accepted3, 64 * 64 * 16);
}

/* Each of the 256 byte values in each position of a 4-character group: only the 64 of the
 * alphabet pass. (libsodium 1.0.18 alone takes the bytes 0x80-0xff for digits.) */
static void
refuses_every_byte_outside_the_alphabet(void **state)
{
    char s[4];
    unsigned char bin[3];
    size_t pos, n, accepted;
    int c;
    enum keys_status st;

    (void)state;
    for (pos = 0; pos < 4; pos++) {
        accepted = 0;
        for (c = 0; c < 256; c++) {
            memcpy(s, "QUJD", 4); /* "ABC" */
            s[pos] = (char)c;
            st = keys_b64url_decode(s, 4, bin, sizeof bin, &n, "test", NULL);
            if (c != 0 && strchr(alphabet, c) != NULL) {
                assert_int_equal(st, KEYS_OK);
                accepted++;
            } else if (st != KEYS_EBASE64) {
                fail_msg("byte 0x%02x at position %zu was accepted", c, pos);
            }
        }
        assert_int_equal(accepted, 64);
    }
}

static void
refuses_what_is_not_strict_base64url(void **state)
{
    static const struct {
        const char *b64;
        size_t len;
        const char *says;
    } bad[] = {
        {"Zg==", 4, "padding"},
        {"Zm8=", 4, "padding"},
        {"Zm9vYg=", 7, "padding"},
        {"Zm+v", 4, "standard base64"},
        {"Zm/v", 4, "standard base64"},
        {"Zm9v\n", 5, "white space"},
        {" Zm9v", 5, "white space"},
        {"Zm9v Yg", 7, "white space"},
        {"Zm9v\r\n", 6, "white space"},
        {"Zm\0v", 4, "0x00"},
        {"Zm9v.Yg", 7, "0x2e"},
        {"Zm\xc3\xa9", 4, "0xc3"},
        {"Z", 1, "4k+1"},
        {"Zm9v=", 5, "padding"},
        {"Zm9vY", 5, "4k+1"},
        {"Zh", 2, "non-canonical"},
        {"Zm9", 3, "non-canonical"},
        {"-_9", 3, "non-canonical"},
    };
    unsigned char bin[16];
    size_t i, n;
    struct keys_err err;

    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&err, 0, sizeof err);
        n = 12345;
        assert_int_equal(
            keys_b64url_decode(bad[i].b64, bad[i].len, bin, sizeof bin, &n, "the field", &err),
            KEYS_EBASE64);
        assert_int_equal(err.status, KEYS_EBASE64);
        assert_int_equal(n, 12345); /* untouched */
        if (strstr(err.text, bad[i].says) == NULL || strstr(err.text, "the field") == NULL)
            fail_msg("for input %zu the message \"%s\" does not say \"%s\"", i, err.text,
                     bad[i].says);
    }
}

static void
enforces_length_limits(void **state)
{
    unsigned char bin[4];
    char out[8];
    size_t n = 7;
    struct keys_err err = {0};
    static const char big[] = "AAAA";

    (void)state;
    /* the result would not fit: refused before decoding */
    assert_int_equal(keys_b64url_decode("AAAAAAAA", 8, bin, 4, &n, "x", &err), KEYS_ETOOBIG);
    assert_int_equal(n, 7);
    assert_int_equal(keys_b64url_decode("AAAAAA", 6, bin, 4, &n, "x", &err), KEYS_OK);
    assert_int_equal(n, 4);
    /* more than a packet: refused on the length alone, before a byte is read */
    assert_int_equal(
        keys_b64url_decode(big, (size_t)KEYS_MAX_PACKET + 1, bin, sizeof bin, &n, "x", &err),
        KEYS_ETOOBIG);
    assert_non_null(strstr(err.text, "limit"));
    /* an output buffer too small for the encoding */
    assert_int_equal(keys_b64url_encode((const unsigned char *)"foob", 4, out, 6, &err),
                     KEYS_ETOOBIG);
    assert_int_equal(keys_b64url_encode((const unsigned char *)"foob", 4, out, 7, &err), KEYS_OK);
    assert_string_equal(out, "Zm9vYg");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(encodes_known_values),
        cmocka_unit_test(round_trips_random_bytes),
        cmocka_unit_test(accepts_only_canonical_encodings),
        cmocka_unit_test(refuses_every_byte_outside_the_alphabet),
        cmocka_unit_test(refuses_what_is_not_strict_base64url),
        cmocka_unit_test(enforces_length_limits),
    };

    if (keys_init(NULL) != KEYS_OK)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
