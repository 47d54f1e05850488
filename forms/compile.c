/* SPDX-License-Identifier: EUPL-1.2 */
/* Compiles the catalogue's schema documents into a graph of nodes: every keyword value checked,
 * every "$ref" resolved to a node pointer, every "pattern" compiled, so that validation does no
 * URI, pointer or regular-expression compilation work at all. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forms_int.h"

/* Values shown inside compile errors are cut here, so that a message stays one line. */
#define SHOW_MAX 60

struct cc {
    struct forms_catalogue *cat;
    struct round *round;
    struct forms_err *err;
    enum forms_status st;
    pcre2_compile_context *pctx;
};

static void
nomem(struct cc *cc)
{
    cc->st = forms_fail(cc->err, FORMS_ENOMEM, "out of memory compiling the catalogue");
}

static bool kfail(struct cc *cc, const struct forms_schema *n, const char *kw, const char *fmt, ...)
    FORMS_PRINTF(4, 5);

/* "<schema location>: "<keyword>" <what is wrong>" */
static bool
kfail(struct cc *cc, const struct forms_schema *n, const char *kw, const char *fmt, ...)
{
    struct sb b = {0};
    va_list ap;
    char what[384];

    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (kw != NULL)
        forms_sb_printf(&b, "%s: \"%s\" %s", n->uri, kw, what);
    else
        forms_sb_printf(&b, "%s: %s", n->uri, what);
    cc->st = forms_fail(cc->err, FORMS_ESCHEMA, "%s", b.oom ? what : b.buf);
    forms_sb_free(&b);
    return false;
}

/* A short rendering of a keyword's value for an error message (static buffer per call site is
 * not thread-safe, so the caller passes one). */
static const char *
show(const json_t *v, char *buf, size_t size)
{
    struct sb b = {0};

    forms_sb_put_json(&b, v, SHOW_MAX);
    snprintf(buf, size, "%s", b.oom ? "?" : b.buf);
    forms_sb_free(&b);
    return buf;
}

static char *
make_uri(struct cc *cc, const char *base, const char *ptr)
{
    struct sb b = {0};

    if (*ptr == '\0')
        return forms_arena_strndup(&cc->round->mem, base, strlen(base));
    forms_sb_puts(&b, base);
    forms_sb_putc(&b, '#');
    forms_sb_put_fragment(&b, ptr, strlen(ptr));
    return forms_sb_arena_take(&b, &cc->round->mem);
}

/* "/kw" or "/kw/<name as a pointer token>", in the round's arena. */
static char *
kw_path(struct cc *cc, const char *kw, const char *name, size_t name_len)
{
    char *s = forms_pointer_append(&cc->round->mem, "", kw, name, name_len);

    if (s == NULL)
        nomem(cc);
    return s;
}

static struct forms_schema *
new_node(struct cc *cc)
{
    struct forms_schema *n = forms_arena_alloc(&cc->round->mem, sizeof *n);

    if (n == NULL) {
        nomem(cc);
        return NULL;
    }
    n->min_len = 0;
    n->max_len = SIZE_MAX;
    n->max_items = SIZE_MAX;
    n->max_props = SIZE_MAX;
    n->min_contains = 1;
    n->max_contains = SIZE_MAX;
    n->round_next = cc->round->nodes;
    cc->round->nodes = n;
    return n;
}

static struct forms_schema *compile_schema(struct cc *cc, const json_t *j, const char *base,
                                           const char *ptr, enum false_role role,
                                           const char *false_kw);

/* Compiles the subschema at parent/kw[/name] into *out. */
static bool
child(struct cc *cc, const struct forms_schema *parent, const json_t *j, const char *kw,
      const char *name, size_t name_len, enum false_role role, const char *false_kw,
      struct sub *out)
{
    const struct loc *pl = parent->loc;
    char *path = kw_path(cc, kw, name, name_len);
    char *ptr;

    if (path == NULL)
        return false;
    ptr = forms_arena_printf(&cc->round->mem, "%s%s", pl->ptr, path);
    if (ptr == NULL) {
        nomem(cc);
        return false;
    }
    out->kw = path;
    out->node = compile_schema(cc, j, pl->base, ptr, role, false_kw);
    return out->node != NULL;
}

static bool
is_schema(const json_t *v)
{
    return json_is_object(v) || json_is_boolean(v);
}

static bool
one_sub(struct cc *cc, struct forms_schema *n, const json_t *s, const char *kw,
        enum false_role role, struct sub *out)
{
    const json_t *v = json_object_get(s, kw);
    char buf[SHOW_MAX + 8];

    if (v == NULL)
        return true;
    if (!is_schema(v))
        return kfail(cc, n, kw, "must be a schema (an object or a boolean), not %s",
                     show(v, buf, sizeof buf));
    return child(cc, n, v, kw, NULL, 0, role, kw, out);
}

static bool
sub_list(struct cc *cc, struct forms_schema *n, const json_t *s, const char *kw,
         enum false_role role, struct sub **out, size_t *count)
{
    const json_t *v = json_object_get(s, kw);
    char buf[SHOW_MAX + 8];
    size_t i;

    if (v == NULL)
        return true;
    if (!json_is_array(v) || json_array_size(v) == 0)
        return kfail(cc, n, kw, "must be a non-empty array of schemas, not %s",
                     show(v, buf, sizeof buf));
    *out = forms_arena_alloc(&cc->round->mem, json_array_size(v) * sizeof **out);
    if (*out == NULL) {
        nomem(cc);
        return false;
    }
    for (i = 0; i < json_array_size(v); i++) {
        const json_t *e = json_array_get(v, i);
        char idx[24];

        if (!is_schema(e))
            return kfail(cc, n, kw, "item %zu must be a schema (an object or a boolean), not %s", i,
                         show(e, buf, sizeof buf));
        snprintf(idx, sizeof idx, "%zu", i);
        if (!child(cc, n, e, kw, idx, strlen(idx), role, kw, &(*out)[i]))
            return false;
    }
    *count = json_array_size(v);
    return true;
}

/* A non-negative integer (2.0 counts as 2, as the specification allows). Absent: untouched. */
static bool
get_count(struct cc *cc, struct forms_schema *n, const json_t *s, const char *kw, size_t *out)
{
    const json_t *v = json_object_get(s, kw);
    char buf[SHOW_MAX + 8];

    if (v == NULL)
        return true;
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out =
            (uintmax_t)json_integer_value(v) > SIZE_MAX ? SIZE_MAX : (size_t)json_integer_value(v);
        return true;
    }
    if (json_is_real(v) && json_real_value(v) >= 0 && forms_num_is_integer(v)) {
        double d = json_real_value(v);

        *out = d >= (double)SIZE_MAX ? SIZE_MAX : (size_t)d;
        return true;
    }
    return kfail(cc, n, kw, "must be a whole number of 0 or more, not %s",
                 show(v, buf, sizeof buf));
}

static bool
get_number(struct cc *cc, struct forms_schema *n, const json_t *s, const char *kw,
           struct limit *out)
{
    const json_t *v = json_object_get(s, kw);
    char buf[SHOW_MAX + 8];

    if (v == NULL)
        return true;
    if (!json_is_number(v))
        return kfail(cc, n, kw, "must be a number, not %s", show(v, buf, sizeof buf));
    out->set = true;
    out->json = v;
    if (json_is_integer(v)) {
        out->is_int = true;
        out->i = json_integer_value(v);
        out->d = (double)out->i;
    } else {
        out->d = json_real_value(v);
        /* an integral real is compared (and divides) exactly as the integer it is */
        if (forms_num_is_integer(v) && out->d < 9007199254740992.0 &&
            out->d > -9007199254740992.0) {
            out->is_int = true;
            out->i = (json_int_t)out->d;
        }
    }
    return true;
}

/* An array of distinct strings ("required", dependentRequired's lists). */
static bool
get_names(struct cc *cc, struct forms_schema *n, const json_t *v, const char *kw, struct name **out,
          size_t *count)
{
    char buf[SHOW_MAX + 8];
    size_t i, k;

    if (!json_is_array(v))
        return kfail(cc, n, kw, "must be an array of property names, not %s",
                     show(v, buf, sizeof buf));
    *count = json_array_size(v);
    *out = forms_arena_alloc(&cc->round->mem, (*count ? *count : 1) * sizeof **out);
    if (*out == NULL) {
        nomem(cc);
        return false;
    }
    for (i = 0; i < *count; i++) {
        const json_t *e = json_array_get(v, i);

        if (!json_is_string(e))
            return kfail(cc, n, kw, "must hold only strings (property names), not %s",
                         show(e, buf, sizeof buf));
        (*out)[i].name = json_string_value(e);
        (*out)[i].len = json_string_length(e);
        for (k = 0; k < i; k++)
            if ((*out)[k].len == (*out)[i].len &&
                memcmp((*out)[k].name, (*out)[i].name, (*out)[i].len) == 0)
                return kfail(cc, n, kw, "names %s twice", show(e, buf, sizeof buf));
    }
    return true;
}

static bool
compile_type(struct cc *cc, struct forms_schema *n, const json_t *v)
{
    static const struct {
        const char *name;
        unsigned char bit;
    } names[] = {
        {"null", FT_NULL},       {"boolean", FT_BOOLEAN}, {"object", FT_OBJECT},
        {"array", FT_ARRAY},     {"number", FT_NUMBER},   {"string", FT_STRING},
        {"integer", FT_INTEGER},
    };
    char buf[SHOW_MAX + 8];
    size_t i, k, count = json_is_array(v) ? json_array_size(v) : 1;

    if (!json_is_string(v) && !(json_is_array(v) && count > 0))
        goto bad;
    for (i = 0; i < count; i++) {
        const json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
        unsigned char bit = 0;

        if (!json_is_string(e))
            goto bad;
        for (k = 0; k < sizeof names / sizeof names[0]; k++)
            if (strcmp(json_string_value(e), names[k].name) == 0)
                bit = names[k].bit;
        if (bit == 0)
            return kfail(cc, n, "type",
                         "names an unknown type %s (known: null, boolean, object, "
                         "array, number, string, integer)",
                         show(e, buf, sizeof buf));
        if (n->types & bit)
            return kfail(cc, n, "type", "names %s twice", show(e, buf, sizeof buf));
        n->types |= bit;
    }
    return true;
bad:
    return kfail(cc, n, "type", "must be a type name or a non-empty array of them, not %s",
                 show(v, buf, sizeof buf));
}

/* ECMA-262 writes Unicode general categories by their long names as well (\p{Letter},
 * \p{General_Category=Letter}, \p{gc=L}); PCRE2 10.42 knows only the short ones. */
static const struct {
    const char *ecma;
    const char *pcre;
} gc_names[] = {
    {"Letter", "L"},
    {"Cased_Letter", "L&"},
    {"Uppercase_Letter", "Lu"},
    {"Lowercase_Letter", "Ll"},
    {"Titlecase_Letter", "Lt"},
    {"Modifier_Letter", "Lm"},
    {"Other_Letter", "Lo"},
    {"Mark", "M"},
    {"Combining_Mark", "M"},
    {"Nonspacing_Mark", "Mn"},
    {"Spacing_Mark", "Mc"},
    {"Enclosing_Mark", "Me"},
    {"Number", "N"},
    {"Decimal_Number", "Nd"},
    {"digit", "Nd"},
    {"Letter_Number", "Nl"},
    {"Other_Number", "No"},
    {"Punctuation", "P"},
    {"punct", "P"},
    {"Connector_Punctuation", "Pc"},
    {"Dash_Punctuation", "Pd"},
    {"Open_Punctuation", "Ps"},
    {"Close_Punctuation", "Pe"},
    {"Initial_Punctuation", "Pi"},
    {"Final_Punctuation", "Pf"},
    {"Other_Punctuation", "Po"},
    {"Symbol", "S"},
    {"Math_Symbol", "Sm"},
    {"Currency_Symbol", "Sc"},
    {"Modifier_Symbol", "Sk"},
    {"Other_Symbol", "So"},
    {"Separator", "Z"},
    {"Space_Separator", "Zs"},
    {"Line_Separator", "Zl"},
    {"Paragraph_Separator", "Zp"},
    {"Other", "C"},
    {"Control", "Cc"},
    {"cntrl", "Cc"},
    {"Format", "Cf"},
    {"Surrogate", "Cs"},
    {"Private_Use", "Co"},
    {"Unassigned", "Cn"},
};

/* The PCRE2 spelling of the property inside \p{...} (n bytes at name), or NULL to keep it. */
static const char *
pcre_property(const char *name, size_t n)
{
    static const char *const prefixes[] = {"General_Category=", "gc=", "Script=", "sc="};
    size_t i;

    for (i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t plen = strlen(prefixes[i]);

        if (n > plen && memcmp(name, prefixes[i], plen) == 0) {
            const char *mapped = pcre_property(name + plen, n - plen);

            /* "sc=Greek" is "Greek" to PCRE2; a short category such as "gc=Lu" is "Lu" */
            if (mapped != NULL)
                return mapped;
            return name + plen;
        }
    }
    for (i = 0; i < sizeof gc_names / sizeof gc_names[0]; i++)
        if (strlen(gc_names[i].ecma) == n && memcmp(gc_names[i].ecma, name, n) == 0)
            return gc_names[i].pcre;
    return NULL;
}

/* Copies pattern src to out with ECMA-262 property names rewritten for PCRE2. Escapes are
 * followed pair by pair, so "\\p{Letter}" (a literal backslash, then text) is left alone. */
static void
ecma_to_pcre(const char *src, size_t len, struct sb *out)
{
    size_t i = 0;

    while (i < len) {
        if (src[i] != '\\' || i + 1 >= len) {
            forms_sb_putc(out, src[i++]);
            continue;
        }
        if ((src[i + 1] == 'p' || src[i + 1] == 'P') && i + 2 < len && src[i + 2] == '{') {
            const char *name = src + i + 3;
            const char *end = memchr(name, '}', len - (i + 3));

            if (end != NULL) {
                const char *mapped = pcre_property(name, (size_t)(end - name));

                if (mapped != NULL) {
                    size_t mlen =
                        mapped >= name && mapped < end ? (size_t)(end - mapped) : strlen(mapped);

                    forms_sb_putn(out, src + i, 3);
                    forms_sb_putn(out, mapped, mlen);
                    forms_sb_putc(out, '}');
                    i = (size_t)(end - src) + 1;
                    continue;
                }
            }
        }
        forms_sb_putn(out, src + i, 2);
        i += 2;
    }
}

static const struct rx *
compile_rx(struct cc *cc, struct forms_schema *n, const char *kw, const char *src, size_t len)
{
    int code;
    PCRE2_SIZE off;
    pcre2_code *re;
    struct rx *rx;
    struct sb rewritten = {0};

    /* ECMA-262 semantics where PCRE2 differs by default: "$" matches only at the very end (not
     * before a final newline), and \uHHHH / \u{H...} are code points. PCRE2_UCS is left off on
     * purpose: in ECMA-262 \d, \w and \b are ASCII-only even in Unicode mode, and a pattern such
     * as ^\d{4}$ must not accept Arabic-Indic or Bengali digits. \p{...} works with PCRE2_UTF
     * alone. */
    ecma_to_pcre(src, len, &rewritten);
    if (rewritten.oom) {
        forms_sb_free(&rewritten);
        nomem(cc);
        return NULL;
    }
    re = pcre2_compile((PCRE2_SPTR)(rewritten.buf != NULL ? rewritten.buf : ""), rewritten.len,
                       PCRE2_UTF | PCRE2_DOLLAR_ENDONLY | PCRE2_ALT_BSUX, &code, &off, cc->pctx);
    forms_sb_free(&rewritten);
    if (re == NULL) {
        PCRE2_UCHAR msg[200];
        char buf[SHOW_MAX + 8];
        json_t *shown = json_stringn_nocheck(src, len);

        if (pcre2_get_error_message(code, msg, sizeof msg) < 0)
            snprintf((char *)msg, sizeof msg, "error %d", code);
        kfail(cc, n, kw, "%s does not compile as a regular expression: %s (at offset %zu)",
              shown != NULL ? show(shown, buf, sizeof buf) : "?", (const char *)msg, (size_t)off);
        json_decref(shown);
        return NULL;
    }
    rx = forms_arena_alloc(&cc->round->mem, sizeof *rx);
    if (rx == NULL) {
        pcre2_code_free(re);
        nomem(cc);
        return NULL;
    }
    rx->code = re;
    /* JIT when the platform has it; the interpreter is the fallback, so failure is fine. */
    rx->jit = pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) == 0;
    rx->mctx = cc->cat->mctx;
    rx->source = src;
    rx->next = cc->round->rxs;
    cc->round->rxs = rx;
    return rx;
}

/* Resolves a "$ref" against the node's base URI and compiles its target. */
static bool
compile_ref(struct cc *cc, struct forms_schema *n, const json_t *v)
{
    const char *ref = json_string_value(v);
    char *abs = NULL, *docuri = NULL, *frag = NULL;
    const char *hash;
    json_t *res, *target = NULL;
    const char *tptr = "";
    bool ok = false;

    abs = forms_uri_resolve(n->loc->base, ref);
    if (abs == NULL) {
        nomem(cc);
        goto out;
    }
    hash = strchr(abs, '#');
    docuri = strndup(abs, hash != NULL ? (size_t)(hash - abs) : strlen(abs));
    if (docuri == NULL) {
        nomem(cc);
        goto out;
    }
    res = forms_map_get(&cc->cat->ids, docuri);
    if (res == NULL) {
        kfail(cc, n, "$ref",
              "\"%s\" cannot be resolved: no schema with the URI %s is in the catalogue (baton "
              "never fetches schemas; add that document to the catalogue)",
              ref, docuri);
        goto out;
    }
    if (hash == NULL || hash[1] == '\0') {
        target = res;
    } else if (hash[1] == '/') {
        frag = forms_uri_pct_decode(hash + 1, strlen(hash + 1));
        if (frag == NULL) {
            kfail(cc, n, "$ref", "\"%s\" has a broken percent-encoding", ref);
            goto out;
        }
        target = forms_pointer_get(res, frag);
        if (target == NULL) {
            kfail(cc, n, "$ref", "\"%s\" cannot be resolved: %s has nothing at %s", ref, docuri,
                  frag);
            goto out;
        }
        tptr = frag;
    } else {
        target = forms_map_get(&cc->cat->ids, abs);
        if (target == NULL) {
            kfail(cc, n, "$ref", "\"%s\" cannot be resolved: %s has no \"$anchor\" \"%s\"", ref,
                  docuri, hash + 1);
            goto out;
        }
    }
    tptr = forms_arena_strndup(&cc->round->mem, tptr, strlen(tptr));
    if (tptr == NULL) {
        nomem(cc);
        goto out;
    }
    n->ref.kw = "/$ref";
    n->ref.node = compile_schema(cc, target, docuri, tptr, FALSE_PLAIN, NULL);
    if (n->ref.node != NULL && n->ref.node->kind != NODE_SCHEMA) {
        /* a boolean target carries the URI it was reached by */
        n->ref.node->uri = make_uri(cc, docuri, tptr);
        if (n->ref.node->uri == NULL) {
            nomem(cc);
            goto out;
        }
    }
    ok = n->ref.node != NULL;
out:
    free(abs);
    free(docuri);
    free(frag);
    return ok;
}

static bool
compile_properties(struct cc *cc, struct forms_schema *n, const json_t *v)
{
    char buf[SHOW_MAX + 8];
    size_t i = 0, cap = 8;
    void *it;

    if (!json_is_object(v))
        return kfail(cc, n, "properties", "must be an object of schemas, not %s",
                     show(v, buf, sizeof buf));
    n->n_props = json_object_size(v);
    if (n->n_props == 0)
        return true;
    n->props = forms_arena_alloc(&cc->round->mem, n->n_props * sizeof *n->props);
    while (cap < n->n_props * 2)
        cap *= 2;
    n->ptab = forms_arena_alloc(&cc->round->mem, cap * sizeof *n->ptab);
    if (n->props == NULL || n->ptab == NULL) {
        nomem(cc);
        return false;
    }
    n->pmask = (uint32_t)(cap - 1);
    for (it = json_object_iter((json_t *)v); it != NULL;
         it = json_object_iter_next((json_t *)v, it), i++) {
        struct prop *p = &n->props[i];
        const json_t *e = json_object_iter_value(it);
        uint32_t slot;

        p->name = json_object_iter_key(it);
        p->len = json_object_iter_key_len(it);
        p->hash = forms_hash(p->name, p->len);
        if (!is_schema(e))
            return kfail(cc, n, "properties", "member \"%s\" must be a schema, not %s", p->name,
                         show(e, buf, sizeof buf));
        if (!child(cc, n, e, "properties", p->name, p->len, FALSE_PROPERTY, "properties", &p->s))
            return false;
        for (slot = p->hash & n->pmask; n->ptab[slot] != 0; slot = (slot + 1) & n->pmask)
            ;
        n->ptab[slot] = (uint32_t)i + 1;
    }
    return true;
}

/* For keyword kw, whose value v must be an object of what: an array in the round's arena with
 * room for *count members of size bytes (never NULL for an empty object). NULL after reporting
 * why. */
static void *
member_array(struct cc *cc, struct forms_schema *n, const char *kw, const json_t *v,
             const char *what, size_t size, size_t *count)
{
    char buf[SHOW_MAX + 8];
    void *a;

    if (!json_is_object(v)) {
        kfail(cc, n, kw, "must be an object of %s, not %s", what, show(v, buf, sizeof buf));
        return NULL;
    }
    *count = json_object_size(v);
    a = forms_arena_alloc(&cc->round->mem, (*count ? *count : 1) * size);
    if (a == NULL)
        nomem(cc);
    return a;
}

static bool
compile_pattern_properties(struct cc *cc, struct forms_schema *n, const json_t *v)
{
    char buf[SHOW_MAX + 8];
    size_t i = 0;
    void *it;

    n->pats = member_array(cc, n, "patternProperties", v, "schemas", sizeof *n->pats, &n->n_pats);
    if (n->pats == NULL)
        return false;
    for (it = json_object_iter((json_t *)v); it != NULL;
         it = json_object_iter_next((json_t *)v, it), i++) {
        const char *key = json_object_iter_key(it);
        size_t len = json_object_iter_key_len(it);
        const json_t *e = json_object_iter_value(it);

        if (!is_schema(e))
            return kfail(cc, n, "patternProperties", "member \"%s\" must be a schema, not %s", key,
                         show(e, buf, sizeof buf));
        n->pats[i].rx = compile_rx(cc, n, "patternProperties", key, len);
        if (n->pats[i].rx == NULL)
            return false;
        if (!child(cc, n, e, "patternProperties", key, len, FALSE_PLAIN, "patternProperties",
                   &n->pats[i].s))
            return false;
    }
    return true;
}

static bool
compile_dependent(struct cc *cc, struct forms_schema *n, const json_t *s)
{
    const json_t *v;
    char buf[SHOW_MAX + 8];
    size_t i;
    void *it;

    v = json_object_get(s, "dependentRequired");
    if (v != NULL) {
        n->dep_req = member_array(cc, n, "dependentRequired", v, "property-name arrays",
                                  sizeof *n->dep_req, &n->n_dep_req);
        if (n->dep_req == NULL)
            return false;
        i = 0;
        for (it = json_object_iter((json_t *)v); it != NULL;
             it = json_object_iter_next((json_t *)v, it), i++) {
            struct dep_required *d = &n->dep_req[i];

            d->key.name = json_object_iter_key(it);
            d->key.len = json_object_iter_key_len(it);
            if (!get_names(cc, n, json_object_iter_value(it), "dependentRequired", &d->req, &d->n))
                return false;
        }
    }
    v = json_object_get(s, "dependentSchemas");
    if (v != NULL) {
        n->dep_sch = member_array(cc, n, "dependentSchemas", v, "schemas", sizeof *n->dep_sch,
                                  &n->n_dep_sch);
        if (n->dep_sch == NULL)
            return false;
        i = 0;
        for (it = json_object_iter((json_t *)v); it != NULL;
             it = json_object_iter_next((json_t *)v, it), i++) {
            struct dep_schema *d = &n->dep_sch[i];
            const json_t *e = json_object_iter_value(it);

            d->key.name = json_object_iter_key(it);
            d->key.len = json_object_iter_key_len(it);
            if (!is_schema(e))
                return kfail(cc, n, "dependentSchemas", "member \"%s\" must be a schema, not %s",
                             d->key.name, show(e, buf, sizeof buf));
            if (!child(cc, n, e, "dependentSchemas", d->key.name, d->key.len, FALSE_PLAIN,
                       "dependentSchemas", &d->s))
                return false;
        }
    }
    return true;
}

/* "$defs" has no effect on validation, but its schemas are compiled all the same: a broken
 * definition or a dangling "$ref" inside one is refused now, not when a form first uses it. */
static bool
compile_defs(struct cc *cc, struct forms_schema *n, const json_t *v)
{
    char buf[SHOW_MAX + 8];
    void *it;

    if (!json_is_object(v))
        return kfail(cc, n, "$defs", "must be an object of schemas, not %s",
                     show(v, buf, sizeof buf));
    for (it = json_object_iter((json_t *)v); it != NULL;
         it = json_object_iter_next((json_t *)v, it)) {
        const json_t *e = json_object_iter_value(it);
        struct sub ignored;

        if (!is_schema(e))
            return kfail(cc, n, "$defs", "member \"%s\" must be a schema, not %s",
                         json_object_iter_key(it), show(e, buf, sizeof buf));
        if (!child(cc, n, e, "$defs", json_object_iter_key(it), json_object_iter_key_len(it),
                   FALSE_PLAIN, NULL, &ignored))
            return false;
    }
    return true;
}

/* Labels for messages: "title" is Dutch; "x-en": {"title", "description"} is English. */
static void
compile_labels(struct forms_schema *n, const json_t *s)
{
    const json_t *en = json_object_get(s, "x-en");
    const json_t *v;

    v = json_object_get(s, "title");
    if (json_is_string(v))
        n->title[FORMS_LANG_NL] = json_string_value(v);
    v = json_object_get(s, "description");
    if (json_is_string(v))
        n->desc[FORMS_LANG_NL] = json_string_value(v);
    if (json_is_object(en)) {
        v = json_object_get(en, "title");
        if (json_is_string(v))
            n->title[FORMS_LANG_EN] = json_string_value(v);
        v = json_object_get(en, "description");
        if (json_is_string(v))
            n->desc[FORMS_LANG_EN] = json_string_value(v);
    }
}

static const char *const refused[] = {"$dynamicRef", "$dynamicAnchor", "$recursiveRef",
                                      "$recursiveAnchor"};

static bool
compile_keywords(struct cc *cc, struct forms_schema *n, const json_t *s)
{
    const json_t *v;
    char buf[SHOW_MAX + 8];
    size_t i;

    for (i = 0; i < sizeof refused / sizeof refused[0]; i++)
        if (json_object_get(s, refused[i]) != NULL)
            return kfail(cc, n, refused[i],
                         "is not supported: baton resolves every reference once, when the "
                         "catalogue is compiled, and refuses dynamic references by design");

    compile_labels(n, s);

    v = json_object_get(s, "$ref");
    if (v != NULL) {
        if (!json_is_string(v))
            return kfail(cc, n, "$ref", "must be a URI reference (a string), not %s",
                         show(v, buf, sizeof buf));
        if (!compile_ref(cc, n, v))
            return false;
    }
    v = json_object_get(s, "$defs");
    if (v != NULL && !compile_defs(cc, n, v))
        return false;

    /* any type */
    v = json_object_get(s, "type");
    if (v != NULL && !compile_type(cc, n, v))
        return false;
    v = json_object_get(s, "enum");
    if (v != NULL) {
        if (!json_is_array(v))
            return kfail(cc, n, "enum", "must be an array of the allowed values, not %s",
                         show(v, buf, sizeof buf));
        n->enum_vals = v;
        n->enum_hash =
            forms_arena_alloc(&cc->round->mem, (json_array_size(v) + 1) * sizeof *n->enum_hash);
        if (n->enum_hash == NULL) {
            nomem(cc);
            return false;
        }
        for (i = 0; i < json_array_size(v); i++)
            n->enum_hash[i] = forms_json_hash(json_array_get(v, i));
    }
    v = json_object_get(s, "const");
    if (v != NULL) {
        n->const_val = v;
        n->has_const = true;
    }

    /* numbers */
    if (!get_number(cc, n, s, "minimum", &n->minimum) ||
        !get_number(cc, n, s, "maximum", &n->maximum) ||
        !get_number(cc, n, s, "exclusiveMinimum", &n->ex_minimum) ||
        !get_number(cc, n, s, "exclusiveMaximum", &n->ex_maximum) ||
        !get_number(cc, n, s, "multipleOf", &n->multiple_of))
        return false;
    if (n->multiple_of.set && !(n->multiple_of.d > 0))
        return kfail(cc, n, "multipleOf", "must be greater than 0, not %s",
                     show(n->multiple_of.json, buf, sizeof buf));

    /* strings */
    if (!get_count(cc, n, s, "minLength", &n->min_len) ||
        !get_count(cc, n, s, "maxLength", &n->max_len))
        return false;
    v = json_object_get(s, "pattern");
    if (v != NULL) {
        if (!json_is_string(v))
            return kfail(cc, n, "pattern", "must be a regular expression (a string), not %s",
                         show(v, buf, sizeof buf));
        n->pattern = compile_rx(cc, n, "pattern", json_string_value(v), json_string_length(v));
        if (n->pattern == NULL)
            return false;
    }
    v = json_object_get(s, "format");
    if (v != NULL) {
        if (!json_is_string(v))
            return kfail(cc, n, "format", "must be a format name (a string), not %s",
                         show(v, buf, sizeof buf));
        n->format_name = json_string_value(v);
        if (cc->cat->opt.format_assertion) {
            n->format = forms_format_lookup(n->format_name);
            if (n->format == FMT_NONE)
                return kfail(cc, n, "format",
                             "names the format \"%s\", which baton does not know (known: date, "
                             "date-time, time, email, uuid, bsn, oin, postcode); with format "
                             "assertion on, an unknown format would silently accept anything",
                             n->format_name);
        }
    }

    /* arrays */
    if (!get_count(cc, n, s, "minItems", &n->min_items) ||
        !get_count(cc, n, s, "maxItems", &n->max_items) ||
        !get_count(cc, n, s, "minContains", &n->min_contains) ||
        !get_count(cc, n, s, "maxContains", &n->max_contains))
        return false;
    v = json_object_get(s, "uniqueItems");
    if (v != NULL) {
        if (!json_is_boolean(v))
            return kfail(cc, n, "uniqueItems", "must be true or false, not %s",
                         show(v, buf, sizeof buf));
        n->unique = json_is_true(v);
    }
    v = json_object_get(s, "items");
    if (json_is_array(v))
        return kfail(cc, n, "items",
                     "must be one schema; draft 2020-12 calls a list of schemas \"prefixItems\"");
    if (!sub_list(cc, n, s, "prefixItems", FALSE_ITEM, &n->prefix, &n->n_prefix) ||
        !one_sub(cc, n, s, "items", FALSE_ITEM, &n->items) ||
        !one_sub(cc, n, s, "contains", FALSE_PLAIN, &n->contains) ||
        !one_sub(cc, n, s, "unevaluatedItems", FALSE_ITEM, &n->uneval_items))
        return false;

    /* objects */
    v = json_object_get(s, "properties");
    if (v != NULL && !compile_properties(cc, n, v))
        return false;
    v = json_object_get(s, "patternProperties");
    if (v != NULL && !compile_pattern_properties(cc, n, v))
        return false;
    if (!one_sub(cc, n, s, "additionalProperties", FALSE_EXTRA, &n->additional) ||
        !one_sub(cc, n, s, "propertyNames", FALSE_PLAIN, &n->names) ||
        !one_sub(cc, n, s, "unevaluatedProperties", FALSE_EXTRA, &n->uneval_props))
        return false;
    v = json_object_get(s, "required");
    if (v != NULL && !get_names(cc, n, v, "required", &n->required, &n->n_required))
        return false;
    if (!compile_dependent(cc, n, s))
        return false;
    if (!get_count(cc, n, s, "minProperties", &n->min_props) ||
        !get_count(cc, n, s, "maxProperties", &n->max_props))
        return false;

    /* in place */
    if (!sub_list(cc, n, s, "allOf", FALSE_PLAIN, &n->all_of, &n->n_all) ||
        !sub_list(cc, n, s, "anyOf", FALSE_PLAIN, &n->any_of, &n->n_any) ||
        !sub_list(cc, n, s, "oneOf", FALSE_PLAIN, &n->one_of, &n->n_one) ||
        !one_sub(cc, n, s, "not", FALSE_PLAIN, &n->not_) ||
        !one_sub(cc, n, s, "if", FALSE_PLAIN, &n->if_) ||
        !one_sub(cc, n, s, "then", FALSE_PLAIN, &n->then_) ||
        !one_sub(cc, n, s, "else", FALSE_PLAIN, &n->else_))
        return false;

    if (n->n_props || n->n_pats || n->additional.node || n->names.node)
        n->groups |= G_OBJ | G_OBJ_ITER;
    if (n->uneval_props.node || n->n_required || n->n_dep_req || n->n_dep_sch || n->min_props > 0 ||
        n->max_props != SIZE_MAX)
        n->groups |= G_OBJ;
    if (n->n_prefix || n->items.node || n->contains.node || n->uneval_items.node ||
        n->min_items > 0 || n->max_items != SIZE_MAX || n->unique)
        n->groups |= G_ARR;
    if (n->min_len > 0 || n->max_len != SIZE_MAX || n->pattern || n->format != FMT_NONE)
        n->groups |= G_STR;
    if (n->minimum.set || n->maximum.set || n->ex_minimum.set || n->ex_maximum.set ||
        n->multiple_of.set)
        n->groups |= G_NUM;
    if (n->enum_vals || n->has_const)
        n->groups |= G_VALUE;
    if (n->ref.node || n->n_all || n->n_any || n->n_one || n->not_.node || n->if_.node)
        n->groups |= G_INPLACE;
    return true;
}

static struct forms_schema *
compile_schema(struct cc *cc, const json_t *j, const char *base, const char *ptr,
               enum false_role role, const char *false_kw)
{
    struct forms_schema *n;
    struct loc *l;

    if (json_is_boolean(j)) {
        /* jansson's true and false are shared singletons, so a boolean schema is compiled
         * afresh at each place it appears, with that place's location. */
        n = new_node(cc);
        if (n == NULL)
            return NULL;
        n->kind = json_is_true(j) ? NODE_TRUE : NODE_FALSE;
        n->false_role = role;
        n->false_kw = false_kw != NULL ? false_kw : "false";
        n->json = j;
        n->uri = make_uri(cc, base, ptr);
        n->dfs = 2;
        if (n->uri == NULL) {
            nomem(cc);
            return NULL;
        }
        return n;
    }
    if (!json_is_object(j)) {
        char buf[SHOW_MAX + 8];
        char *uri = make_uri(cc, base, ptr);

        cc->st = forms_fail(cc->err, FORMS_ESCHEMA,
                            "%s: a schema must be an object or a boolean, not %s",
                            uri != NULL ? uri : base, show(j, buf, sizeof buf));
        return NULL;
    }
    l = forms_map_get(&cc->cat->locs, j);
    if (l == NULL) {
        /* A "$ref" into a place the registration walk did not visit (inside an unknown
         * keyword, say): remember it like any other location. */
        l = forms_arena_alloc(&cc->cat->mem, sizeof *l);
        if (l == NULL) {
            nomem(cc);
            return NULL;
        }
        l->json = j;
        l->base = forms_arena_strndup(&cc->cat->mem, base, strlen(base));
        l->ptr = forms_arena_strndup(&cc->cat->mem, ptr, strlen(ptr));
        if (l->base == NULL || l->ptr == NULL || forms_map_put(&cc->cat->locs, j, l) != 0) {
            nomem(cc);
            return NULL;
        }
    }
    if (l->node != NULL)
        return l->node;
    n = new_node(cc);
    if (n == NULL)
        return NULL;
    /* registered before its keywords, so that a "$ref" cycle finds this node */
    l->node = n;
    n->loc = l;
    n->json = j;
    n->uri = make_uri(cc, l->base, l->ptr);
    if (n->uri == NULL) {
        nomem(cc);
        return NULL;
    }
    if (!compile_keywords(cc, n, j))
        return NULL;
    return n;
}

static bool
marks_members(const struct forms_schema *n)
{
    return n->n_props || n->n_pats || n->additional.node || n->uneval_props.node || n->n_prefix ||
           n->items.node || n->contains.node || n->uneval_items.node;
}

/* Depth-first over the in-place applicators (those that apply a subschema to the same
 * instance). A cycle among them would evaluate forever on any instance, so it is refused; and
 * on the way each node learns whether evaluating it can mark members as evaluated, which decides
 * where validation has to track them for unevaluatedProperties and unevaluatedItems. */
static bool
check_loops(struct cc *cc, struct forms_schema *n)
{
    struct sub *edges[6] = {&n->ref, &n->if_, &n->then_, &n->else_, &n->not_, NULL};
    bool annot;
    size_t i;

    if (n->dfs == 2)
        return true;
    if (n->dfs == 1)
        return kfail(cc, n, NULL,
                     "this schema applies itself to the same value again (through \"$ref\", "
                     "\"allOf\", \"anyOf\", \"oneOf\", \"not\", \"if\" or \"dependentSchemas\") "
                     "and would never finish");
    n->dfs = 1;
    annot = marks_members(n);
    for (i = 0; edges[i] != NULL; i++) {
        if (edges[i]->node == NULL)
            continue;
        if (!check_loops(cc, edges[i]->node))
            return false;
        /* "not" never passes annotations on: either its subschema failed (and its annotations
         * are dropped) or "not" itself failed */
        if (edges[i] != &n->not_ && edges[i]->node->annot)
            annot = true;
    }
    for (i = 0; i < n->n_all + n->n_any + n->n_one; i++) {
        struct forms_schema *c = i < n->n_all ? n->all_of[i].node
                                 : i < n->n_all + n->n_any
                                     ? n->any_of[i - n->n_all].node
                                     : n->one_of[i - n->n_all - n->n_any].node;

        if (!check_loops(cc, c))
            return false;
        annot = annot || c->annot;
    }
    for (i = 0; i < n->n_dep_sch; i++) {
        if (!check_loops(cc, n->dep_sch[i].s.node))
            return false;
        annot = annot || n->dep_sch[i].s.node->annot;
    }
    n->annot = annot;
    n->dfs = 2;
    return true;
}

void
forms_round_free(struct round *r)
{
    struct rx *rx;

    if (r == NULL)
        return;
    for (rx = r->rxs; rx != NULL; rx = rx->next)
        pcre2_code_free(rx->code);
    forms_arena_free(&r->mem);
    free(r);
}

enum forms_status
forms_compile_round(struct forms_catalogue *cat, struct forms_err *err)
{
    struct cc cc = {.cat = cat, .err = err, .st = FORMS_OK};
    struct forms_schema *n;
    struct forms_schema **roots = NULL;
    size_t i;

    if (cat == NULL)
        return forms_fail(err, FORMS_ESCHEMA, "no catalogue");
    cc.round = calloc(1, sizeof *cc.round);
    roots = calloc(cat->ndocs + 1, sizeof *roots);
    cc.pctx = pcre2_compile_context_create(NULL);
    if (cc.round == NULL || roots == NULL || cc.pctx == NULL) {
        nomem(&cc);
        goto out;
    }
    pcre2_set_compile_extra_options(cc.pctx, PCRE2_EXTRA_ALT_BSUX);

    for (i = 0; i < cat->ndocs; i++) {
        struct doc *d = &cat->docs[i];

        if (d->compiled)
            continue;
        roots[i] = compile_schema(&cc, d->json, d->uri, "", FALSE_PLAIN, NULL);
        if (roots[i] == NULL)
            goto out;
    }
    for (n = cc.round->nodes; n != NULL; n = n->round_next)
        if (!check_loops(&cc, n))
            goto out;

    for (i = 0; i < cat->ndocs; i++) {
        if (cat->docs[i].compiled)
            continue;
        cat->docs[i].root = roots[i];
        cat->docs[i].compiled = true;
    }
    cc.round->next = cat->rounds;
    cat->rounds = cc.round;
    cc.round = NULL;
out:
    if (cc.round != NULL) {
        /* roll back: the catalogue forgets every node of this round */
        for (n = cc.round->nodes; n != NULL; n = n->round_next)
            if (n->loc != NULL && n->loc->node == n)
                n->loc->node = NULL;
        forms_round_free(cc.round);
    }
    pcre2_compile_context_free(cc.pctx);
    free(roots);
    return cc.st;
}
