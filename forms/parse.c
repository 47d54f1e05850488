/* SPDX-License-Identifier: EUPL-1.2 */
/* Parsing untrusted JSON: size first, then nesting depth and UTF-8 in one scan that needs no
 * memory, then jansson with duplicate keys and NUL characters refused, with every refusal given
 * a line and column that a person can find in an editor. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "forms_int.h"

/* A duplicate key is shown in the message up to this many bytes. */
#define KEY_SHOW_MAX 60
/* Reading a file: start with this buffer and double it, never beyond the size limit. */
#define READ_CHUNK (64u * 1024u)

/* strerror() is not thread-safe; the XSI strerror_r is. */
static const char *
errstr(int e, char *buf, size_t n)
{
    if (strerror_r(e, buf, n) != 0)
        snprintf(buf, n, "error %d", e);
    return buf;
}

struct pos {
    int line;
    int column;
};

/* The line and column (both 1-based, columns in characters) of byte offset off. */
static struct pos
pos_at(const char *buf, size_t off)
{
    struct pos p = {1, 1};
    size_t i;

    for (i = 0; i < off; i++) {
        unsigned char c = (unsigned char)buf[i];

        if (c == '\n') {
            p.line++;
            p.column = 1;
        } else if ((c & 0xC0) != 0x80) {
            p.column++;
        }
    }
    return p;
}

static enum forms_status fail_at(struct forms_err *err, enum forms_status st, struct pos p,
                                 const char *fmt, ...) FORMS_PRINTF(4, 5);

static enum forms_status
fail_at(struct forms_err *err, enum forms_status st, struct pos p, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    st = forms_vfail(err, st, p.line, p.column, fmt, ap);
    va_end(ap);
    return st;
}

/* Where a scan of JSON text stands: inside a string or not, just after a backslash in one. */
struct strstate {
    bool in_str;
    bool esc;
};

static void
str_step(struct strstate *st, char c)
{
    if (!st->in_str)
        st->in_str = c == '"';
    else if (st->esc)
        st->esc = false;
    else if (c == '\\')
        st->esc = true;
    else if (c == '"')
        st->in_str = false;
}

/* Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF), or 0. */
static size_t
utf8_seq(const unsigned char *p, size_t left)
{
    unsigned char c = p[0];

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return left >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;

        return left >= 3 && p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;

        return left >= 4 && p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 &&
                       (p[3] & 0xC0) == 0x80
                   ? 4
                   : 0;
    }
    return 0;
}

/* The scan before parsing: refuses deep nesting before jansson recurses into it, and finds
 * the exact byte of invalid UTF-8. Brackets inside strings do not count. */
static enum forms_status
scan(const char *buf, size_t len, size_t max_depth, struct forms_err *err)
{
    const unsigned char *p = (const unsigned char *)buf;
    struct strstate st = {false, false};
    size_t i = 0, depth = 0;
    bool any = false;

    while (i < len) {
        unsigned char c = p[i];

        if (c >= 0x80) {
            size_t n = utf8_seq(p + i, len - i);

            if (n == 0)
                return fail_at(err, FORMS_EUTF8, pos_at(buf, i),
                               "invalid UTF-8 at byte offset %zu (line %d, column %d)", i,
                               pos_at(buf, i).line, pos_at(buf, i).column);
            str_step(&st, (char)c);
            i += n;
            any = true;
            continue;
        }
        if (!st.in_str && (c == '[' || c == '{')) {
            if (++depth > max_depth)
                return fail_at(err, FORMS_EDEPTH, pos_at(buf, i),
                               "nesting deeper than %zu levels at line %d", max_depth,
                               pos_at(buf, i).line);
        } else if (!st.in_str && (c == ']' || c == '}')) {
            if (depth > 0)
                depth--;
        }
        str_step(&st, (char)c);
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            any = true;
        i++;
    }
    if (!any)
        return fail_at(err, FORMS_EPARSE, pos_at(buf, len), "the input is empty");
    return FORMS_OK;
}

/* The start of the string token that ends just before byte offset end, found by a forward scan
 * (backwards, an escaped quote cannot be told from a closing one). */
static bool
string_token_ending_at(const char *buf, size_t end, size_t *start)
{
    struct strstate st = {false, false};
    size_t i, s = 0;

    for (i = 0; i < end; i++) {
        bool was_in = st.in_str;

        str_step(&st, buf[i]);
        if (!was_in && st.in_str) {
            s = i;
        } else if (was_in && !st.in_str && i + 1 == end) {
            *start = s;
            return true;
        }
    }
    return false;
}

static enum forms_status
duplicate_key(const char *buf, size_t len, const json_error_t *je, struct forms_err *err)
{
    size_t end = je->position > 0 ? (size_t)je->position : 0, start;
    struct sb b = {0};
    enum forms_status st;
    json_t *key = NULL;

    if (end > len || !string_token_ending_at(buf, end, &start))
        return fail_at(err, FORMS_EDUPKEY, (struct pos){je->line, je->column},
                       "line %d, column %d: duplicate key", je->line, je->column);
    key = json_loadb(buf + start, end - start, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (key != NULL)
        forms_sb_put_json(&b, key, KEY_SHOW_MAX);
    st = fail_at(err, FORMS_EDUPKEY, pos_at(buf, start), "line %d, column %d: duplicate key %s",
                 pos_at(buf, start).line, pos_at(buf, start).column,
                 b.buf != NULL && !b.oom ? b.buf : "");
    forms_sb_free(&b);
    json_decref(key);
    return st;
}

enum forms_status
forms_parse(const char *buf, size_t len, const struct forms_limits *lim, json_t **out,
            struct forms_err *err)
{
    size_t max_bytes = lim != NULL && lim->max_bytes ? lim->max_bytes : FORMS_MAX_BYTES_DEFAULT;
    size_t max_depth = lim != NULL && lim->max_depth ? lim->max_depth : FORMS_MAX_DEPTH_DEFAULT;
    enum forms_status st;
    json_error_t je;
    struct pos p;
    json_t *j;

    if (len > max_bytes)
        return forms_fail(err, FORMS_ETOOBIG, "input is %zu bytes; the limit is %zu", len,
                          max_bytes);
    if (buf == NULL && len > 0)
        return forms_fail(err, FORMS_EPARSE, "no input");
    st = scan(buf != NULL ? buf : "", len, max_depth, err);
    if (st != FORMS_OK)
        return st;
    /* No JSON_ALLOW_NUL: a NUL inside a string would cut it short for any C consumer. */
    j = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (j != NULL) {
        *out = j;
        return FORMS_OK;
    }
    p.line = je.line;
    p.column = je.column;
    switch (json_error_code(&je)) {
    case json_error_duplicate_key:
        return duplicate_key(buf, len, &je, err);
    case json_error_invalid_utf8:
        return fail_at(err, FORMS_EUTF8, p, "line %d, column %d: invalid UTF-8", p.line, p.column);
    case json_error_null_character:
    case json_error_null_byte_in_key:
        return fail_at(err, FORMS_EPARSE, p,
                       "line %d, column %d: text contains the character \\u0000 (NUL), which is "
                       "not allowed",
                       p.line, p.column);
    case json_error_stack_overflow:
        return fail_at(err, FORMS_EDEPTH, p, "nesting too deep at line %d", p.line);
    case json_error_out_of_memory:
        return forms_fail(err, FORMS_ENOMEM, "out of memory parsing JSON");
    case json_error_end_of_input_expected:
        return fail_at(err, FORMS_EPARSE, p,
                       "line %d, column %d: unexpected text after the end of the JSON value",
                       p.line, p.column);
    case json_error_premature_end_of_input:
        return fail_at(err, FORMS_EPARSE, p, "line %d, column %d: the JSON ends too early (%s)",
                       p.line, p.column, je.text);
    case json_error_numeric_overflow:
        return fail_at(err, FORMS_EPARSE, p, "line %d, column %d: number too large (%s)", p.line,
                       p.column, je.text);
    default:
        return fail_at(err, FORMS_EPARSE, p, "line %d, column %d: %s", p.line, p.column, je.text);
    }
}

enum forms_status
forms_parse_file(const char *path, const struct forms_limits *lim, json_t **out,
                 struct forms_err *err)
{
    size_t max_bytes = lim != NULL && lim->max_bytes ? lim->max_bytes : FORMS_MAX_BYTES_DEFAULT;
    bool is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "standard input" : path;
    enum forms_status st;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    struct stat sb;
    char ebuf[128];
    int fd = -1;

    fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        st = forms_fail(err, FORMS_EIO, "cannot open %s: %s", path,
                        errstr(errno, ebuf, sizeof ebuf));
        goto out;
    }
    if (fstat(fd, &sb) == 0) {
        if (S_ISDIR(sb.st_mode)) {
            st = forms_fail(err, FORMS_EIO, "cannot read %s: it is a directory", name);
            goto out;
        }
        /* a regular file's size is known: refuse before reading a byte */
        if (S_ISREG(sb.st_mode) && (uintmax_t)sb.st_size > max_bytes) {
            st = forms_fail(err, FORMS_ETOOBIG, "file is %jd bytes; the limit is %zu",
                            (intmax_t)sb.st_size, max_bytes);
            goto out;
        }
    }
    /* Read at most max_bytes + 1: one byte more than allowed proves the input too big, without
     * reading an endless pipe to its end. */
    for (;;) {
        ssize_t n;

        if (len == cap) {
            size_t want = cap ? cap * 2 : READ_CHUNK;
            char *nb;

            if (want > max_bytes && max_bytes < SIZE_MAX)
                want = max_bytes + 1;
            if (want <= cap) {
                st = forms_fail(err, FORMS_ETOOBIG, "%s is more than %zu bytes (the limit)",
                                is_stdin ? "standard input" : "file", max_bytes);
                goto out;
            }
            nb = realloc(buf, want);
            if (nb == NULL) {
                st = forms_fail(err, FORMS_ENOMEM, "out of memory reading %s", name);
                goto out;
            }
            buf = nb;
            cap = want;
        }
        n = read(fd, buf + len, cap - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            st = forms_fail(err, FORMS_EIO, "cannot read %s: %s", name,
                            errstr(errno, ebuf, sizeof ebuf));
            goto out;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > max_bytes) {
            st = forms_fail(err, FORMS_ETOOBIG, "%s is more than %zu bytes (the limit)",
                            is_stdin ? "standard input" : "file", max_bytes);
            goto out;
        }
    }
    st = forms_parse(buf, len, lim, out, err);
out:
    if (fd >= 0 && !is_stdin)
        close(fd);
    free(buf);
    return st;
}
