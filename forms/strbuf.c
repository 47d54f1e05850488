/* SPDX-License-Identifier: EUPL-1.2 */
/* A growable string for locations and messages; it remembers running out of memory so that
 * callers check once at the end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forms_int.h"

/* What forms_sb_printf makes room for before formatting: a message's line of text. */
#define SB_PRINTF_ROOM 128

static bool
grow(struct sb *b, size_t more)
{
    size_t cap;
    char *p;

    if (b->oom)
        return false;
    if (b->len + more + 1 <= b->cap)
        return true;
    if (more > SIZE_MAX / 2 - b->len)
        goto fail;
    cap = b->cap ? b->cap : 64;
    while (cap < b->len + more + 1)
        cap *= 2;
    p = realloc(b->buf, cap);
    if (p == NULL)
        goto fail;
    b->buf = p;
    b->cap = cap;
    return true;
fail:
    b->oom = true;
    return false;
}

void
forms_sb_putn(struct sb *b, const char *s, size_t n)
{
    if (!grow(b, n))
        return;
    if (n > 0)
        memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = '\0';
}

void
forms_sb_puts(struct sb *b, const char *s)
{
    forms_sb_putn(b, s, strlen(s));
}

void
forms_sb_putc(struct sb *b, char c)
{
    forms_sb_putn(b, &c, 1);
}

void
forms_sb_printf(struct sb *b, const char *fmt, ...)
{
    va_list ap;
    size_t room;
    int n;

    /* Formatted once into the room there is; a second time only when that was too small. */
    if (!grow(b, SB_PRINTF_ROOM))
        return;
    room = b->cap - b->len;
    va_start(ap, fmt);
    n = vsnprintf(b->buf + b->len, room, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n >= room && grow(b, (size_t)n)) {
        va_start(ap, fmt);
        vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    if (n < 0)
        b->oom = true;
    if (b->oom) {
        b->buf[b->len] = '\0';
        return;
    }
    b->len += (size_t)n;
}

void
forms_sb_put_size(struct sb *b, size_t n)
{
    char d[3 * sizeof n]; /* enough digits for any size_t */
    size_t i = sizeof d;

    do {
        d[--i] = (char)('0' + n % 10);
        n /= 10;
    } while (n > 0);
    forms_sb_putn(b, d + i, sizeof d - i);
}

void
forms_sb_put_token(struct sb *b, const char *s, size_t n)
{
    size_t i, start = 0;

    for (i = 0; i < n; i++) {
        if (s[i] != '~' && s[i] != '/')
            continue;
        forms_sb_putn(b, s + start, i - start);
        forms_sb_puts(b, s[i] == '~' ? "~0" : "~1");
        start = i + 1;
    }
    forms_sb_putn(b, s + start, n - start);
}

/* RFC 3986 fragment: pchar / "/" / "?", where pchar is unreserved / pct-encoded / sub-delims /
 * ":" / "@". Everything else (and '%' itself) is percent-encoded. */
static bool
fragment_char(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != 0 && strchr("-._~!$&'()*+,;=:@/?", c) != NULL;
}

void
forms_sb_put_fragment(struct sb *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (fragment_char(c)) {
            forms_sb_putc(b, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};

            forms_sb_putn(b, e, 3);
        }
    }
}

/* Appends v as json_dumps writes it, without its malloc, where that is simple and fits in max
 * bytes: a string with nothing to escape, an integer, true, false, null. False otherwise. */
static bool
put_json_simple(struct sb *b, const json_t *v, size_t max)
{
    char d[3 * sizeof(json_int_t) + 2]; /* the digits of any json_int_t, and its sign */
    const char *s;
    size_t i, n;
    unsigned long long u;

    switch (json_typeof(v)) {
    case JSON_STRING:
        s = json_string_value(v);
        n = json_string_length(v);
        if (n > max || max - n < 2)
            return false;
        /* jansson escapes '"', '\\' and control characters, and writes all else as it is */
        for (i = 0; i < n; i++)
            if ((unsigned char)s[i] < 0x20 || s[i] == '"' || s[i] == '\\')
                return false;
        forms_sb_putc(b, '"');
        forms_sb_putn(b, s, n);
        forms_sb_putc(b, '"');
        return true;
    case JSON_INTEGER:
        i = sizeof d;
        u = json_integer_value(v) < 0 ? 0 - (unsigned long long)json_integer_value(v)
                                      : (unsigned long long)json_integer_value(v);
        do {
            d[--i] = (char)('0' + u % 10);
            u /= 10;
        } while (u > 0);
        if (json_integer_value(v) < 0)
            d[--i] = '-';
        s = d + i;
        n = sizeof d - i;
        break;
    case JSON_TRUE:
        s = "true";
        n = 4;
        break;
    case JSON_FALSE:
        s = "false";
        n = 5;
        break;
    case JSON_NULL:
        s = "null";
        n = 4;
        break;
    default:
        return false;
    }
    if (n > max)
        return false;
    forms_sb_putn(b, s, n);
    return true;
}

void
forms_sb_put_json(struct sb *b, const json_t *v, size_t max)
{
    char *s;
    size_t n;

    if (put_json_simple(b, v, max))
        return;
    s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(15));
    if (s == NULL) {
        b->oom = true;
        return;
    }
    n = strlen(s);
    if (n > max) {
        /* Cut at a character boundary, not inside a UTF-8 sequence. */
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
        forms_sb_putn(b, s, n);
        forms_sb_puts(b, "...");
    } else {
        forms_sb_putn(b, s, n);
    }
    free(s);
}

char *
forms_sb_take(struct sb *b)
{
    char *s = b->buf;

    if (b->oom) {
        free(b->buf);
        s = NULL;
    } else if (s == NULL) {
        s = calloc(1, 1);
    }
    b->buf = NULL;
    b->len = b->cap = 0;
    b->oom = false;
    return s;
}

char *
forms_sb_cut(struct sb *b)
{
    char *s;

    if (b->oom) {
        forms_sb_free(b);
        return NULL;
    }
    s = malloc(b->len + 1);
    if (s != NULL) {
        if (b->len > 0)
            memcpy(s, b->buf, b->len);
        s[b->len] = '\0';
    }
    if (b->buf != NULL)
        b->buf[0] = '\0';
    b->len = 0;
    return s;
}

char *
forms_sb_arena_take(struct sb *b, struct arena *a)
{
    char *s = b->oom ? NULL : forms_arena_strndup(a, b->buf, b->len);

    forms_sb_free(b);
    return s;
}

void
forms_sb_free(struct sb *b)
{
    free(b->buf);
    b->buf = NULL;
    b->len = b->cap = 0;
    b->oom = false;
}
