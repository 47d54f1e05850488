/* SPDX-License-Identifier: EUPL-1.2 */
/* Strict unpadded base64url (RFC 7515 section 2): one accepted encoding for every byte string. */
#include <stdlib.h>

#include <sodium.h>

#include "keys_int.h"

#define B64_VARIANT sodium_base64_VARIANT_URLSAFE_NO_PADDING

size_t
keys_b64url_encoded_len(size_t bin_len)
{
    size_t r = bin_len % 3;

    return bin_len / 3 * 4 + (r == 0 ? 0 : r + 1);
}

/* Decoded length of b64_len characters, or (size_t)-1 for the impossible lengths 4k+1. */
static size_t
decoded_len(size_t b64_len)
{
    size_t r = b64_len % 4;

    if (r == 1)
        return (size_t)-1;
    return b64_len / 4 * 3 + (r == 0 ? 0 : r - 1);
}

static int
in_alphabet(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

/* Says why b64 is refused; last is the reason when every character is in the alphabet. Runs
 * only once a refusal is certain, so that the characters of valid (possibly secret) input never
 * steer a branch. */
static enum keys_status
explain(const char *b64, size_t b64_len, const char *what, const char *last, struct keys_err *err)
{
    size_t i;
    unsigned char c;

    for (i = 0; i < b64_len; i++) {
        c = (unsigned char)b64[i];
        if (in_alphabet((char)c))
            continue;
        if (c == '=')
            return keys_fail(err, KEYS_EBASE64,
                             "%s: padding '=' at character %zu; base64url here is unpadded", what,
                             i + 1);
        if (c == '+' || c == '/')
            return keys_fail(err, KEYS_EBASE64,
                             "%s: '%c' at character %zu is standard base64, not base64url "
                             "('-' and '_')",
                             what, c, i + 1);
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            return keys_fail(err, KEYS_EBASE64, "%s: white space at character %zu", what, i + 1);
        return keys_fail(err, KEYS_EBASE64, "%s: byte 0x%02x at character %zu is not base64url",
                         what, c, i + 1);
    }
    return keys_fail(err, KEYS_EBASE64, "%s: %s", what, last);
}

/* The refusals that need only the length: limits first, before a byte is read. */
static enum keys_status
check_len(const char *b64, size_t b64_len, size_t max, size_t *want, const char *what,
          struct keys_err *err)
{
    if (b64_len > KEYS_MAX_PACKET)
        return keys_fail(err, KEYS_ETOOBIG, "%s: %zu characters exceed the limit of %u", what,
                         b64_len, KEYS_MAX_PACKET);
    *want = decoded_len(b64_len);
    if (*want == (size_t)-1)
        return explain(b64, b64_len, what, "a length of 4k+1 characters cannot be base64url", err);
    if (*want > max)
        return keys_fail(err, KEYS_ETOOBIG, "%s: decodes to %zu bytes, more than the %zu allowed",
                         what, *want, max);
    return KEYS_OK;
}

enum keys_status
keys_b64url_encode(const unsigned char *bin, size_t bin_len, char *out, size_t out_size,
                   struct keys_err *err)
{
    static const unsigned char none[1];

    if (bin_len > KEYS_MAX_PACKET)
        return keys_fail(err, KEYS_ETOOBIG, "%zu bytes to encode exceed the limit of %u", bin_len,
                         KEYS_MAX_PACKET);
    if (out == NULL || (bin == NULL && bin_len != 0))
        return keys_fail(err, KEYS_EINVAL, "keys_b64url_encode: NULL buffer");
    /* sodium_bin2base64 aborts the process when out is too small: check first. */
    if (out_size < keys_b64url_encoded_len(bin_len) + 1)
        return keys_fail(err, KEYS_ETOOBIG, "base64url of %zu bytes does not fit in %zu bytes",
                         bin_len, out_size);
    sodium_bin2base64(out, out_size, bin != NULL ? bin : none, bin_len, B64_VARIANT);
    return KEYS_OK;
}

/* The value of each base64url character, 0xff for every other byte. */
static const unsigned char b64_value[256] = {
#define X 0xff
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    62,
    X,
    X,
    52,
    53,
    54,
    55,
    56,
    57,
    58,
    59,
    60,
    61,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11,
    12,
    13,
    14,
    15,
    16,
    17,
    18,
    19,
    20,
    21,
    22,
    23,
    24,
    25,
    X,
    X,
    X,
    X,
    63,
    X,
    26,
    27,
    28,
    29,
    30,
    31,
    32,
    33,
    34,
    35,
    36,
    37,
    38,
    39,
    40,
    41,
    42,
    43,
    44,
    45,
    46,
    47,
    48,
    49,
    50,
    51,
    X,
    X,
    X,
    X,
    X,
    /* 0x80 to 0xff */
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
    X,
#undef X
};

/*
 * Table-driven decoding of want bytes from b64[0..b64_len) (lengths checked): 0, or -1 for a
 * character outside the alphabet or unused low bits set in the last character. The invalid
 * marks are OR-ed together, so a refusal is decided once at the end, not per character.
 */
static int
decode_table(const char *b64, size_t b64_len, unsigned char *out)
{
    const unsigned char *in = (const unsigned char *)b64;
    unsigned bad = 0, a, b, c, d;
    size_t i = 0, o = 0;

    for (; i + 4 <= b64_len; i += 4) {
        a = b64_value[in[i]];
        b = b64_value[in[i + 1]];
        c = b64_value[in[i + 2]];
        d = b64_value[in[i + 3]];
        bad |= a | b | c | d;
        out[o++] = (unsigned char)(a << 2 | b >> 4);
        out[o++] = (unsigned char)(b << 4 | c >> 2);
        out[o++] = (unsigned char)(c << 6 | d);
    }
    if (b64_len - i == 2) {
        a = b64_value[in[i]];
        b = b64_value[in[i + 1]];
        bad |= a | b | ((b & 0x0f) != 0 ? 0x80 : 0);
        out[o] = (unsigned char)(a << 2 | b >> 4);
    } else if (b64_len - i == 3) {
        a = b64_value[in[i]];
        b = b64_value[in[i + 1]];
        c = b64_value[in[i + 2]];
        bad |= a | b | c | ((c & 0x03) != 0 ? 0x80 : 0);
        out[o++] = (unsigned char)(a << 2 | b >> 4);
        out[o] = (unsigned char)(b << 4 | c >> 2);
    }
    return (bad & 0x80) != 0 ? -1 : 0;
}

/* The refusals and results shared by both decoders; secret picks libsodium's constant-time one. */
static enum keys_status
decode(const char *b64, size_t b64_len, unsigned char *out, size_t out_max, size_t *out_len,
       const char *what, int secret, struct keys_err *err)
{
    enum keys_status st;
    size_t want, got = 0, i;
    unsigned char high = 0;
    int bad;

    if ((b64 == NULL && b64_len != 0) || (out == NULL && out_max != 0) || out_len == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_b64url_decode: NULL buffer");
    st = check_len(b64, b64_len, out_max, &want, what, err);
    if (st != KEYS_OK)
        return st;
    if (b64_len == 0) {
        *out_len = 0;
        return KEYS_OK;
    }
    if (secret) {
        /* libsodium 1.0.18 reads the characters as signed char and so takes every byte from
         * 0x80 to 0xff for a base64 digit: refuse them first, without a branch per byte. */
        for (i = 0; i < b64_len; i++)
            high |= (unsigned char)b64[i];
        bad = (high & 0x80) != 0 ||
              sodium_base642bin(out, out_max, b64, b64_len, NULL, &got, NULL, B64_VARIANT) != 0 ||
              got != want;
    } else {
        bad = decode_table(b64, b64_len, out) != 0;
        got = want;
    }
    if (bad) {
        sodium_memzero(out, want);
        return explain(b64, b64_len, what,
                       "the last character has unused low bits set (a non-canonical encoding)",
                       err);
    }
    *out_len = got;
    return KEYS_OK;
}

enum keys_status
keys_b64url_decode(const char *b64, size_t b64_len, unsigned char *out, size_t out_max,
                   size_t *out_len, const char *what, struct keys_err *err)
{
    return decode(b64, b64_len, out, out_max, out_len, what, 0, err);
}

enum keys_status
keys_b64url_decode_secret(const char *b64, size_t b64_len, unsigned char *out, size_t out_max,
                          size_t *out_len, const char *what, struct keys_err *err)
{
    return decode(b64, b64_len, out, out_max, out_len, what, 1, err);
}

enum keys_status
keys_b64url_decode_alloc(const char *b64, size_t b64_len, size_t max, unsigned char **out,
                         size_t *out_len, const char *what, struct keys_err *err)
{
    enum keys_status st;
    size_t want, got = 0;
    unsigned char *buf;

    st = check_len(b64, b64_len, max, &want, what, err);
    if (st != KEYS_OK)
        return st;
    buf = malloc(want + 1);
    if (buf == NULL)
        return keys_fail(err, KEYS_ENOMEM, "%s: out of memory for %zu bytes", what, want + 1);
    st = keys_b64url_decode(b64, b64_len, buf, want, &got, what, err);
    if (st != KEYS_OK) {
        free(buf);
        return st;
    }
    buf[got] = '\0';
    *out = buf;
    *out_len = got;
    return KEYS_OK;
}

enum keys_status
keys_b64url_encode_alloc(const unsigned char *bin, size_t bin_len, char **out, size_t *out_len,
                         struct keys_err *err)
{
    enum keys_status st;
    size_t n;
    char *buf;

    if (bin_len > KEYS_MAX_PACKET)
        return keys_fail(err, KEYS_ETOOBIG, "%zu bytes to encode exceed the limit of %u", bin_len,
                         KEYS_MAX_PACKET);
    n = keys_b64url_encoded_len(bin_len);
    buf = malloc(n + 1);
    if (buf == NULL)
        return keys_fail(err, KEYS_ENOMEM, "out of memory for %zu bytes", n + 1);
    st = keys_b64url_encode(bin, bin_len, buf, n + 1, err);
    if (st != KEYS_OK) {
        free(buf);
        return st;
    }
    *out = buf;
    if (out_len != NULL)
        *out_len = n;
    return KEYS_OK;
}
