/* SPDX-License-Identifier: EUPL-1.2 */
/* A growable string for locations and messages; it remembers running out of memory so that
 * callers check once at the end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forms_int.h"

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
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = true;
        return;
    }
    if (!grow(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
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

void
forms_sb_put_json(struct sb *b, const json_t *v, size_t max)
{
    char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(15));
    size_t n;

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

void
forms_sb_free(struct sb *b)
{
    free(b->buf);
    b->buf = NULL;
    b->len = b->cap = 0;
    b->oom = false;
}
