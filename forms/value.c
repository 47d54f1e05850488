/* SPDX-License-Identifier: EUPL-1.2 */
/* JSON values compared the way JSON Schema compares them: numbers by value (1 == 1.0), objects
 * regardless of member order, strings by their bytes (they may hold NUL). */
#include <float.h>
#include <math.h>
#include <string.h>

#include "forms_int.h"

/* 2^63 as a double: the first value that no long long can hold. */
#define TWO_POW_63 9223372036854775808.0
/* From 2^52 up every double is an integer. */
#define TWO_POW_52 4503599627370496.0

/* The library does its own rounding instead of linking libm for three functions. */
static double
absd(double d)
{
    return d < 0 ? -d : d;
}

static bool
integral(double d)
{
    if (!isfinite(d))
        return false;
    if (absd(d) >= TWO_POW_52)
        return true;
    return (double)(json_int_t)d == d;
}

/* <0, 0, >0 as integer i compares with double d, exactly. */
static int
cmp_int_real(json_int_t i, double d)
{
    json_int_t t;
    double frac;

    if (d >= TWO_POW_63)
        return -1;
    if (d < -TWO_POW_63)
        return 1;
    t = (json_int_t)d; /* truncates toward zero; exact because |d| < 2^63 */
    if (i < t)
        return -1;
    if (i > t)
        return 1;
    frac = d - (double)t;
    return frac > 0 ? -1 : frac < 0 ? 1 : 0;
}

static bool
num_equal(const json_t *a, const json_t *b)
{
    if (json_is_integer(a) && json_is_integer(b))
        return json_integer_value(a) == json_integer_value(b);
    if (json_is_real(a) && json_is_real(b))
        return json_real_value(a) == json_real_value(b);
    if (json_is_integer(a))
        return cmp_int_real(json_integer_value(a), json_real_value(b)) == 0;
    return cmp_int_real(json_integer_value(b), json_real_value(a)) == 0;
}

bool
forms_json_equal(const json_t *a, const json_t *b)
{
    if (a == b)
        return true;
    if (json_is_number(a) && json_is_number(b))
        return num_equal(a, b);
    if (json_typeof(a) != json_typeof(b))
        return false;
    switch (json_typeof(a)) {
    case JSON_STRING:
        return json_string_length(a) == json_string_length(b) &&
               memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
    case JSON_ARRAY: {
        size_t i, n = json_array_size(a);

        if (n != json_array_size(b))
            return false;
        for (i = 0; i < n; i++)
            if (!forms_json_equal(json_array_get(a, i), json_array_get(b, i)))
                return false;
        return true;
    }
    case JSON_OBJECT: {
        /* jansson's iterators take a non-const object but do not change it */
        json_t *oa = (json_t *)a;
        void *it;

        if (json_object_size(a) != json_object_size(b))
            return false;
        for (it = json_object_iter(oa); it != NULL; it = json_object_iter_next(oa, it)) {
            const json_t *vb =
                json_object_getn(b, json_object_iter_key(it), json_object_iter_key_len(it));

            if (vb == NULL || !forms_json_equal(json_object_iter_value(it), vb))
                return false;
        }
        return true;
    }
    default:
        return true; /* true, false, null: one value each */
    }
}

static uint64_t
mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

uint64_t
forms_string_hash(const char *s, size_t n)
{
    return mix(forms_hash(s, n) ^ 0x1000);
}

uint64_t
forms_json_hash(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_INTEGER:
        return mix((uint64_t)json_integer_value(v));
    case JSON_REAL: {
        double d = json_real_value(v);
        uint64_t bits;

        /* an integral real hashes as the integer it equals, so that 1 and 1.0 collide */
        if (integral(d) && d >= -TWO_POW_63 && d < TWO_POW_63)
            return mix((uint64_t)(json_int_t)d);
        memcpy(&bits, &d, sizeof bits);
        return mix(bits ^ 0x5555);
    }
    case JSON_STRING:
        return forms_string_hash(json_string_value(v), json_string_length(v));
    case JSON_ARRAY: {
        uint64_t h = 0x2000;
        size_t i;

        for (i = 0; i < json_array_size(v); i++)
            h = mix(h * 31 + forms_json_hash(json_array_get(v, i)));
        return h;
    }
    case JSON_OBJECT: {
        json_t *o = (json_t *)v;
        uint64_t h = 0x3000;
        void *it;

        /* order-independent: a sum of per-member hashes */
        for (it = json_object_iter(o); it != NULL; it = json_object_iter_next(o, it))
            h += mix(forms_hash(json_object_iter_key(it), json_object_iter_key_len(it)) ^
                     forms_json_hash(json_object_iter_value(it)));
        return mix(h);
    }
    case JSON_TRUE:
        return 0x4001;
    case JSON_FALSE:
        return 0x4002;
    case JSON_NULL:
        return 0x4003;
    }
    return 0;
}

size_t
forms_utf8_count(const char *s, size_t n)
{
    size_t i, count = 0;

    /* every code point has exactly one byte that is not a continuation byte (10xxxxxx) */
    for (i = 0; i < n; i++)
        count += ((unsigned char)s[i] & 0xC0) != 0x80;
    return count;
}

int
forms_num_cmp(const json_t *v, const struct limit *l)
{
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);

        if (l->is_int)
            return i < l->i ? -1 : i > l->i;
        return cmp_int_real(i, l->d);
    } else {
        double d = json_real_value(v);

        if (l->is_int)
            return -cmp_int_real(l->i, d);
        return d < l->d ? -1 : d > l->d;
    }
}

bool
forms_num_is_integer(const json_t *v)
{
    double d;

    if (json_is_integer(v))
        return true;
    d = json_real_value(v);
    return integral(d);
}

bool
forms_num_multiple(const json_t *v, const struct limit *m)
{
    double x, q, r;

    if (json_is_integer(v) && m->is_int)
        return m->i != 0 && json_integer_value(v) % m->i == 0;
    x = json_is_integer(v) ? (double)json_integer_value(v) : json_real_value(v);
    if (x == 0)
        return true;
    q = x / m->d;
    /* 1e308 / 0.123456789 overflows: no finite quotient, so not a multiple */
    if (!isfinite(q))
        return false;
    if (absd(q) >= TWO_POW_52)
        return true;
    r = (double)(json_int_t)(q < 0 ? q - 0.5 : q + 0.5);
    /* Decimal divisors such as 0.0001 are not exact in binary, so 0.0075 / 0.0001 gives
     * 74.99999999999999; allow the few ulps that the two roundings and the division cost. */
    return absd(q - r) <= 4 * DBL_EPSILON * absd(q);
}
