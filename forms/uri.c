/* SPDX-License-Identifier: EUPL-1.2 */
/* URI reference resolution (RFC 3986 section 5) and JSON Pointers (RFC 6901), used only while a
 * catalogue is built and compiled: validation never touches a URI. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "forms_int.h"

struct uri_parts {
    const char *scheme, *auth, *path, *query, *frag;
    size_t scheme_n, auth_n, path_n, query_n, frag_n;
    bool has_scheme, has_auth, has_query, has_frag;
};

static void
split(const char *s, struct uri_parts *u)
{
    const char *p = s;
    size_t n;

    memset(u, 0, sizeof *u);
    /* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
    if (isalpha((unsigned char)*p)) {
        n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");
        if (p[n] == ':') {
            u->has_scheme = true;
            u->scheme = p;
            u->scheme_n = n;
            p += n + 1;
        }
    }
    if (p[0] == '/' && p[1] == '/') {
        u->has_auth = true;
        u->auth = p + 2;
        u->auth_n = strcspn(p + 2, "/?#");
        p += 2 + u->auth_n;
    }
    u->path = p;
    u->path_n = strcspn(p, "?#");
    p += u->path_n;
    if (*p == '?') {
        u->has_query = true;
        u->query = p + 1;
        u->query_n = strcspn(p + 1, "#");
        p += 1 + u->query_n;
    }
    if (*p == '#') {
        u->has_frag = true;
        u->frag = p + 1;
        u->frag_n = strlen(p + 1);
    }
}

bool
forms_uri_is_absolute(const char *uri)
{
    struct uri_parts u;

    split(uri, &u);
    return u.has_scheme;
}

/* RFC 3986 5.2.4 remove_dot_segments, appending the result to out. */
static void
remove_dots(const char *in, size_t n, struct sb *out)
{
    char *buf = malloc(n + 1);
    size_t len = 0, i = 0;

    if (buf == NULL) {
        out->oom = true;
        return;
    }
    while (i < n) {
        const char *p = in + i;
        size_t left = n - i;

        if (left >= 3 && memcmp(p, "../", 3) == 0) {
            i += 3;
        } else if (left >= 2 && memcmp(p, "./", 2) == 0) {
            i += 2;
        } else if (left >= 3 && memcmp(p, "/./", 3) == 0) {
            i += 2;
        } else if (left == 2 && memcmp(p, "/.", 2) == 0) {
            buf[len++] = '/';
            i += 2;
        } else if ((left >= 4 && memcmp(p, "/../", 4) == 0) ||
                   (left == 3 && memcmp(p, "/..", 3) == 0)) {
            while (len > 0 && buf[len - 1] != '/')
                len--;
            if (len > 0)
                len--;
            /* "/../" leaves its last '/' in the input; "/.." at the end becomes "/" */
            if (left == 3)
                buf[len++] = '/';
            i += 3;
        } else if ((left == 1 && p[0] == '.') || (left == 2 && memcmp(p, "..", 2) == 0)) {
            i = n;
        } else {
            /* the first segment, with its leading '/' if any */
            size_t seg = p[0] == '/' ? 1 : 0;

            while (seg < left && p[seg] != '/')
                seg++;
            memcpy(buf + len, p, seg);
            len += seg;
            i += seg;
        }
    }
    forms_sb_putn(out, buf, len);
    free(buf);
}

char *
forms_uri_resolve(const char *base, const char *ref)
{
    struct uri_parts b, r;
    const struct uri_parts *scheme = &r, *auth = &r, *query = &r;
    struct sb out = {0}, merged = {0};
    const char *path;
    size_t path_n;
    bool dots = true; /* remove_dot_segments applies to the path */

    split(ref, &r);
    if (!r.has_scheme && base == NULL)
        return NULL;
    if (base != NULL)
        split(base, &b);
    else
        memset(&b, 0, sizeof b);

    /* 5.2.2: which of the reference and the base gives each component of the target */
    path = r.path;
    path_n = r.path_n;
    if (!r.has_scheme) {
        scheme = &b;
        if (!r.has_auth) {
            auth = &b;
            if (r.path_n == 0) {
                path = b.path;
                path_n = b.path_n;
                dots = false;
                if (!r.has_query)
                    query = &b;
            } else if (r.path[0] != '/') {
                /* merge (5.2.3): the base path up to its last '/', then the reference */
                size_t keep = b.path_n;

                if (b.has_auth && b.path_n == 0) {
                    forms_sb_putc(&merged, '/');
                } else {
                    while (keep > 0 && b.path[keep - 1] != '/')
                        keep--;
                    forms_sb_putn(&merged, b.path, keep);
                }
                forms_sb_putn(&merged, r.path, r.path_n);
                if (merged.oom)
                    out.oom = true;
                path = merged.buf;
                path_n = merged.len;
            }
        }
    }

    /* 5.3: recomposition */
    forms_sb_putn(&out, scheme->scheme, scheme->scheme_n);
    forms_sb_putc(&out, ':');
    if (auth->has_auth) {
        forms_sb_puts(&out, "//");
        forms_sb_putn(&out, auth->auth, auth->auth_n);
    }
    if (!out.oom) {
        if (dots)
            remove_dots(path, path_n, &out);
        else
            forms_sb_putn(&out, path, path_n);
    }
    if (query->has_query) {
        forms_sb_putc(&out, '?');
        forms_sb_putn(&out, query->query, query->query_n);
    }
    if (r.has_frag) {
        forms_sb_putc(&out, '#');
        forms_sb_putn(&out, r.frag, r.frag_n);
    }
    forms_sb_free(&merged);
    return forms_sb_take(&out);
}

static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *
forms_uri_pct_decode(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    size_t i, len = 0;

    if (out == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        if (s[i] == '%') {
            int hi, lo;

            if (i + 2 >= n)
                goto bad;
            hi = hexval(s[i + 1]);
            lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0)
                goto bad;
            out[len++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[len++] = s[i];
        }
    }
    out[len] = '\0';
    return out;
bad:
    free(out);
    return NULL;
}

json_t *
forms_pointer_get(json_t *root, const char *ptr)
{
    json_t *cur = root;
    const char *p = ptr;

    if (*p == '\0')
        return root;
    if (*p != '/')
        return NULL;
    while (*p == '/' && cur != NULL) {
        const char *tok = p + 1;
        size_t n = strcspn(tok, "/");
        char *key = malloc(n + 1);
        size_t i, k = 0;
        bool bad = false;

        if (key == NULL)
            return NULL;
        for (i = 0; i < n; i++) {
            if (tok[i] == '~') {
                if (i + 1 < n && tok[i + 1] == '0')
                    key[k++] = '~';
                else if (i + 1 < n && tok[i + 1] == '1')
                    key[k++] = '/';
                else
                    bad = true;
                i++;
            } else {
                key[k++] = tok[i];
            }
        }
        key[k] = '\0';
        if (bad) {
            cur = NULL;
        } else if (json_is_object(cur)) {
            cur = json_object_getn(cur, key, k);
        } else if (json_is_array(cur)) {
            /* array-index = %x30 / ( %x31-39 *%x30-39 ) */
            size_t idx = 0;

            if (k == 0 || (k > 1 && key[0] == '0') || strspn(key, "0123456789") != k || k > 9) {
                cur = NULL;
            } else {
                for (i = 0; i < k; i++)
                    idx = idx * 10 + (size_t)(key[i] - '0');
                cur = json_array_get(cur, idx);
            }
        } else {
            cur = NULL;
        }
        free(key);
        p = tok + n;
    }
    return cur;
}

char *
forms_pointer_append(struct arena *a, const char *ptr, const char *kw, const char *name,
                     size_t name_len)
{
    struct sb b = {0};

    forms_sb_puts(&b, ptr);
    forms_sb_putc(&b, '/');
    forms_sb_puts(&b, kw);
    if (name != NULL) {
        forms_sb_putc(&b, '/');
        forms_sb_put_token(&b, name, name_len);
    }
    return forms_sb_arena_take(&b, a);
}
