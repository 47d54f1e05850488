/* SPDX-License-Identifier: EUPL-1.2 */
/* Validation: walks the compiled schema graph over an instance. forms_valid() stops at the first
 * failure and allocates nothing on the way; forms_validate() runs the same walk to the end and
 * records every error with its locations and messages. */
#include <stdlib.h>
#include <string.h>

#include "forms_int.h"

/* Members of one object (or items of one array) tracked for unevaluatedProperties/Items without
 * touching the heap: 8 words of 64 bits. Bigger objects in such subtrees use calloc. */
#define TRACK_INLINE_WORDS 8
/* Nested evaluations (descents into the instance plus in-place applicators). forms_parse keeps
 * forms to 64 levels; this bounds the C stack for instances built by other means. */
#define EVAL_MAX_DEPTH 512
/* Room for PCRE2's general context and one match data block, so that matching a "pattern"
 * needs no heap (with JIT; the interpreter may ask for more, which then comes from malloc). */
#define RX_ARENA_BYTES 1024
/* uniqueItems: compare all pairs up to this many items; above it, a hash set (measured: with 30
 * strings, hashing is several times faster than 435 comparisons). */
#define UNIQUE_PAIRWISE_MAX 8
/* ... whose slots live on the stack up to this many (twice the items it holds). */
#define UNIQUE_STACK_SLOTS 256

struct rxscratch {
    pcre2_general_context *gctx;
    pcre2_match_data *md;
    size_t used;
    _Alignas(16) unsigned char buf[RX_ARENA_BYTES];
};

struct vctx {
    bool collect;
    bool oom;
    bool too_deep;
    unsigned depth;
    /* >0 while evaluating a subschema whose errors its caller drops (not, if, contains,
     * propertyNames): the walk is the same, but no error is built only to be thrown away */
    unsigned quiet;
    struct forms_result *res;
    size_t cap;
    struct sb text; /* reused for each location and message, so that each is one malloc */
    struct rxscratch rx;
};

struct track {
    uint64_t *bits;
    size_t n;
    bool all;
    uint64_t small[TRACK_INLINE_WORDS];
};

static bool eval(struct vctx *c, const struct frame *f, struct track *t);

/* ---- tracking evaluated members ---- */

static bool
track_init(struct vctx *c, struct track *t, size_t n)
{
    size_t words = n / 64 + 1;

    t->n = n;
    t->all = false;
    if (words <= TRACK_INLINE_WORDS) {
        t->bits = t->small;
        memset(t->small, 0, words * sizeof t->small[0]);
        return true;
    }
    t->bits = calloc(words, sizeof *t->bits);
    if (t->bits == NULL) {
        c->oom = true;
        return false;
    }
    return true;
}

static void
track_fini(struct track *t)
{
    if (t->bits != t->small)
        free(t->bits);
}

static inline void
track_set(struct track *t, size_t i)
{
    t->bits[i / 64] |= (uint64_t)1 << (i % 64);
}

static inline bool
track_get(const struct track *t, size_t i)
{
    return t->all || ((t->bits[i / 64] >> (i % 64)) & 1);
}

static void
track_merge(struct track *dst, const struct track *src)
{
    size_t i;

    if (src->all) {
        dst->all = true;
        return;
    }
    for (i = 0; i < dst->n / 64 + 1; i++)
        dst->bits[i] |= src->bits[i];
}

/* ---- regular expressions with per-call scratch memory ---- */

static void *
rx_malloc(PCRE2_SIZE n, void *data)
{
    struct rxscratch *x = data;
    size_t need = (n + 15) & ~(size_t)15;

    if (need >= n && need <= sizeof x->buf - x->used) {
        void *p = x->buf + x->used;

        x->used += need;
        return p;
    }
    return malloc(n);
}

static void
rx_free(void *p, void *data)
{
    struct rxscratch *x = data;
    uintptr_t a = (uintptr_t)p, lo = (uintptr_t)x->buf;

    if (a >= lo && a < lo + sizeof x->buf)
        return; /* arena memory goes with the call */
    free(p);
}

static bool
rx_match(struct vctx *c, const struct rx *rx, const char *s, size_t n)
{
    int rc;

    if (c->rx.md == NULL) {
        c->rx.gctx = pcre2_general_context_create(rx_malloc, rx_free, &c->rx);
        if (c->rx.gctx != NULL)
            c->rx.md = pcre2_match_data_create(1, c->rx.gctx);
        if (c->rx.md == NULL) {
            c->oom = true;
            return false;
        }
    }
    /* Unanchored, as ECMA-262's RegExp.prototype.test: "a+" matches "xxaayy". A match error
     * (the backtracking limit) counts as no match: the value is refused, not waved through.
     * pcre2_jit_match skips pcre2_match's argument and UTF-8 checks; jansson guarantees valid
     * UTF-8 in every string it makes (the *_nocheck constructors put that on their caller). */
    if (rx->jit)
        rc = pcre2_jit_match(rx->code, (PCRE2_SPTR)s, n, 0, 0, c->rx.md, rx->mctx);
    else
        rc = pcre2_match(rx->code, (PCRE2_SPTR)s, n, 0, 0, c->rx.md, rx->mctx);
    return rc >= 0;
}

static void
rx_fini(struct rxscratch *x)
{
    if (x->md != NULL)
        pcre2_match_data_free(x->md);
    if (x->gctx != NULL)
        pcre2_general_context_free(x->gctx);
    x->md = NULL;
    x->gctx = NULL;
}

/* ---- errors (forms_validate only) ---- */

static size_t
mark(const struct vctx *c)
{
    return c->collect ? c->res->count : 0;
}

static void
truncate_errors(struct vctx *c, size_t to)
{
    if (!c->collect)
        return;
    while (c->res->count > to)
        forms_error_free(&c->res->errors[--c->res->count]);
}

void
forms_put_instance(struct sb *b, const struct frame *f)
{
    if (f->up != NULL)
        forms_put_instance(b, f->up);
    if (f->seg == SEG_KEY) {
        forms_sb_putc(b, '/');
        forms_sb_put_token(b, f->key, f->keylen);
    } else if (f->seg == SEG_INDEX) {
        forms_sb_putc(b, '/');
        forms_sb_put_size(b, f->index);
    }
}

static void
put_keyword_path(struct sb *b, const struct frame *f)
{
    if (f->up != NULL)
        put_keyword_path(b, f->up);
    forms_sb_puts(b, f->kw);
}

/* Records an error for keyword kw of f's node (kw NULL: f's node is a false schema, or the
 * depth limit), inserted at position pos so that a combinator's own error precedes the errors
 * of its branches. */
static void
report_at(struct vctx *c, size_t pos, const struct frame *f, const char *kw, struct msg_args *a)
{
    struct forms_error e = {0};
    struct forms_result *res = c->res;
    struct sb *b = &c->text;
    const char *uri = f->node->uri;

    if (!c->collect || c->quiet > 0 || c->oom)
        return;
    if (a->f == NULL)
        a->f = f;
    e.keyword = kw != NULL ? kw : a->kind == MSG_DEPTH ? "depth" : f->node->false_kw;

    forms_put_instance(b, f);
    e.instance_location = forms_sb_cut(b);
    put_keyword_path(b, f);
    if (kw != NULL) {
        forms_sb_putc(b, '/');
        forms_sb_puts(b, kw);
    }
    e.keyword_location = forms_sb_cut(b);
    forms_sb_puts(b, uri);
    if (kw != NULL) {
        if (strchr(uri, '#') == NULL)
            forms_sb_putc(b, '#');
        forms_sb_putc(b, '/');
        forms_sb_puts(b, kw);
    }
    e.absolute_keyword_location = forms_sb_cut(b);
    if (e.instance_location == NULL || e.keyword_location == NULL ||
        e.absolute_keyword_location == NULL || forms_message(a, b, e.message) != 0)
        goto nomem;
    if (res->count == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        struct forms_error *n = realloc(res->errors, cap * sizeof *n);

        if (n == NULL)
            goto nomem;
        res->errors = n;
        c->cap = cap;
    }
    if (pos > res->count)
        pos = res->count;
    memmove(&res->errors[pos + 1], &res->errors[pos], (res->count - pos) * sizeof e);
    res->errors[pos] = e;
    res->count++;
    return;
nomem:
    forms_error_free(&e);
    c->oom = true;
}

static void
report(struct vctx *c, const struct frame *f, const char *kw, struct msg_args *a)
{
    report_at(c, mark(c), f, kw, a);
}

static void
report_simple(struct vctx *c, const struct frame *f, const char *kw, enum msg_kind kind, size_t n,
              const json_t *value)
{
    struct msg_args a = {.kind = kind, .n = n, .value = value};

    report(c, f, kw, &a);
}

/* ---- instance helpers ---- */

static inline unsigned
inst_type(const struct frame *f)
{
    if (f->j == NULL)
        return FT_STRING;
    switch (json_typeof(f->j)) {
    case JSON_OBJECT:
        return FT_OBJECT;
    case JSON_ARRAY:
        return FT_ARRAY;
    case JSON_STRING:
        return FT_STRING;
    case JSON_INTEGER:
        return FT_INTEGER;
    case JSON_REAL:
        return FT_NUMBER;
    case JSON_TRUE:
    case JSON_FALSE:
        return FT_BOOLEAN;
    case JSON_NULL:
        break;
    }
    return FT_NULL;
}

static bool
type_ok(unsigned types, const struct frame *f, unsigned it)
{
    if (types & it)
        return true;
    if (it == FT_INTEGER)
        return (types & FT_NUMBER) != 0;
    /* 1.0 is an integer: the data model has numbers, not int and float */
    if (it == FT_NUMBER && (types & FT_INTEGER))
        return forms_num_is_integer(f->j);
    return false;
}

static inline void
inst_str(const struct frame *f, const char **s, size_t *n)
{
    if (f->j != NULL) {
        *s = json_string_value(f->j);
        *n = json_string_length(f->j);
    } else {
        *s = f->s;
        *n = f->slen;
    }
}

static bool
inst_equal(const struct frame *f, const json_t *v)
{
    if (f->j != NULL)
        return forms_json_equal(f->j, v);
    return json_is_string(v) && json_string_length(v) == f->slen &&
           memcmp(json_string_value(v), f->s, f->slen) == 0;
}

/* ---- keywords ---- */

/* A keyword failed: forms_valid stops at the first failure, forms_validate goes on to collect
 * every error. Each function that uses it returns ok after its label out. */
#define FAIL()                                                                                     \
    do {                                                                                           \
        ok = false;                                                                                \
        if (!c->collect)                                                                           \
            goto out;                                                                              \
    } while (0)

static bool
eval_value(struct vctx *c, const struct frame *f)
{
    const struct forms_schema *s = f->node;
    bool ok = true;

    if (s->has_const && !inst_equal(f, s->const_val)) {
        FAIL();
        report_simple(c, f, "const", MSG_CONST, 0, s->const_val);
    }
    if (s->enum_vals != NULL) {
        size_t i, n = json_array_size(s->enum_vals);
        uint64_t h = f->j != NULL ? forms_json_hash(f->j) : forms_string_hash(f->s, f->slen);

        for (i = 0; i < n; i++)
            if (s->enum_hash[i] == h && inst_equal(f, json_array_get(s->enum_vals, i)))
                break;
        if (i == n) {
            FAIL();
            if (n == 1)
                report_simple(c, f, "enum", MSG_CONST, 0, json_array_get(s->enum_vals, 0));
            else
                report_simple(c, f, "enum", MSG_ENUM, n, s->enum_vals);
        }
    }
out:
    return ok;
}

static bool
eval_string(struct vctx *c, const struct frame *f)
{
    const struct forms_schema *s = f->node;
    bool ok = true;
    const char *str;
    size_t len;

    inst_str(f, &str, &len);
    /* A code point takes 1 to 4 bytes, so the byte length often settles it without counting:
     * fewer bytes than minLength is too short, and 4 * minLength bytes is long enough. */
    if (s->min_len > 0 &&
        (len < s->min_len || (len / 4 < s->min_len && forms_utf8_count(str, len) < s->min_len))) {
        FAIL();
        report_simple(c, f, "minLength", MSG_MIN_LENGTH, s->min_len, NULL);
    }
    if (s->max_len != SIZE_MAX && len > s->max_len && forms_utf8_count(str, len) > s->max_len) {
        FAIL();
        report_simple(c, f, "maxLength", MSG_MAX_LENGTH, s->max_len, NULL);
    }
    if (s->pattern != NULL && !rx_match(c, s->pattern, str, len)) {
        struct msg_args a = {.kind = MSG_PATTERN, .hint = s};

        FAIL();
        report(c, f, "pattern", &a);
    }
    if (s->format != FMT_NONE) {
        int why = forms_format_check(s->format, str, len);

        if (why != 0) {
            struct msg_args a = {.kind = MSG_FORMAT, .format = s->format, .why = why};

            FAIL();
            report(c, f, "format", &a);
        }
    }
out:
    return ok;
}

static bool
eval_number(struct vctx *c, const struct frame *f)
{
    const struct forms_schema *s = f->node;
    bool ok = true;

    if (s->minimum.set && forms_num_cmp(f->j, &s->minimum) < 0) {
        FAIL();
        report_simple(c, f, "minimum", MSG_MINIMUM, 0, s->minimum.json);
    }
    if (s->maximum.set && forms_num_cmp(f->j, &s->maximum) > 0) {
        FAIL();
        report_simple(c, f, "maximum", MSG_MAXIMUM, 0, s->maximum.json);
    }
    if (s->ex_minimum.set && forms_num_cmp(f->j, &s->ex_minimum) <= 0) {
        FAIL();
        report_simple(c, f, "exclusiveMinimum", MSG_EX_MINIMUM, 0, s->ex_minimum.json);
    }
    if (s->ex_maximum.set && forms_num_cmp(f->j, &s->ex_maximum) >= 0) {
        FAIL();
        report_simple(c, f, "exclusiveMaximum", MSG_EX_MAXIMUM, 0, s->ex_maximum.json);
    }
    if (s->multiple_of.set && !forms_num_multiple(f->j, &s->multiple_of)) {
        FAIL();
        report_simple(c, f, "multipleOf", MSG_MULTIPLE_OF, 0, s->multiple_of.json);
    }
out:
    return ok;
}

/* Evaluates the instance of frame cf (made once for several subschemas) against sub. */
static inline bool
eval_sub(struct vctx *c, struct frame *cf, const struct sub *sub, struct track *t)
{
    cf->node = sub->node;
    cf->kw = sub->kw;
    return eval(c, cf, t);
}

/* Evaluates member key (value v) of f's object against sub. */
static inline bool
eval_member(struct vctx *c, const struct frame *f, const struct sub *sub, const char *key,
            size_t keylen, const json_t *v)
{
    struct frame cf = {.up = f, .j = v, .seg = SEG_KEY, .key = key, .keylen = keylen};

    return eval_sub(c, &cf, sub, NULL);
}

/* Evaluates item i of f's array against sub. */
static inline bool
eval_item(struct vctx *c, const struct frame *f, const struct sub *sub, size_t i)
{
    struct frame cf = {.up = f, .j = json_array_get(f->j, i), .seg = SEG_INDEX, .index = i};

    return eval_sub(c, &cf, sub, NULL);
}

/* Evaluates f's own instance against sub (an in-place applicator), marking members in t. */
static inline bool
eval_here(struct vctx *c, const struct frame *f, const struct sub *sub, struct track *t)
{
    struct frame cf = {.up = f, .j = f->j, .s = f->s, .slen = f->slen};

    return eval_sub(c, &cf, sub, t);
}

/* properties, patternProperties, additionalProperties and propertyNames: one pass over the
 * instance's members, marking each one that a keyword evaluated. */
static bool
eval_members(struct vctx *c, const struct frame *f, struct track *tt)
{
    const struct forms_schema *s = f->node;
    json_t *obj = (json_t *)f->j; /* jansson's iterators are not const, but do not write */
    bool ok = true;
    size_t i = 0, k;
    void *it;

    for (it = json_object_iter(obj); it != NULL; it = json_object_iter_next(obj, it), i++) {
        struct frame cf = {
            .up = f,
            .j = json_object_iter_value(it),
            .seg = SEG_KEY,
            .key = json_object_iter_key(it),
            .keylen = json_object_iter_key_len(it),
        };
        bool matched = false;

        if (s->n_props > 0) {
            const struct prop *p = forms_prop_find(s, cf.key, cf.keylen);

            if (p != NULL) {
                matched = true;
                if (!eval_sub(c, &cf, &p->s, NULL))
                    FAIL();
            }
        }
        for (k = 0; k < s->n_pats; k++) {
            if (!rx_match(c, s->pats[k].rx, cf.key, cf.keylen))
                continue;
            matched = true;
            if (!eval_sub(c, &cf, &s->pats[k].s, NULL))
                FAIL();
        }
        if (!matched && s->additional.node != NULL) {
            matched = true;
            if (!eval_sub(c, &cf, &s->additional, NULL))
                FAIL();
        }
        if (s->names.node != NULL) {
            /* the name itself is the instance; no json_t is made for it */
            struct frame nf = {.up = f, .s = cf.key, .slen = cf.keylen};
            bool named;

            /* the subschema's own errors describe a string that is not a field */
            c->quiet++;
            named = eval_sub(c, &nf, &s->names, NULL);
            c->quiet--;
            if (!named) {
                struct msg_args a = {.kind = MSG_PROPERTY_NAME,
                                     .name = cf.key,
                                     .name_len = cf.keylen,
                                     .hint = s->names.node};

                FAIL();
                report(c, f, "propertyNames", &a);
            }
        }
        if (matched && tt != NULL)
            track_set(tt, i);
        if (c->oom)
            return false;
    }
out:
    return ok;
}

/* properties alone, nothing tracked: look up each declared property instead of walking every
 * member (an "if" that tests one property of a large object costs one lookup). */
static bool
eval_declared(struct vctx *c, const struct frame *f)
{
    const struct forms_schema *s = f->node;
    bool ok = true;
    size_t i;

    for (i = 0; i < s->n_props; i++) {
        const struct prop *p = &s->props[i];
        const json_t *v = json_object_getn(f->j, p->name, p->len);

        if (v != NULL && !eval_member(c, f, &p->s, p->name, p->len, v))
            FAIL();
    }
out:
    return ok;
}

static bool
eval_object(struct vctx *c, const struct frame *f, struct track *tt)
{
    const struct forms_schema *s = f->node;
    const json_t *obj = f->j;
    size_t i, k, size = json_object_size(obj);
    bool ok = true;

    for (i = 0; i < s->n_required; i++) {
        if (json_object_getn(obj, s->required[i].name, s->required[i].len) == NULL) {
            struct msg_args a = {
                .kind = MSG_REQUIRED, .name = s->required[i].name, .name_len = s->required[i].len};

            FAIL();
            report(c, f, "required", &a);
        }
    }
    for (i = 0; i < s->n_dep_req; i++) {
        const struct dep_required *d = &s->dep_req[i];

        if (json_object_getn(obj, d->key.name, d->key.len) == NULL)
            continue;
        for (k = 0; k < d->n; k++) {
            if (json_object_getn(obj, d->req[k].name, d->req[k].len) == NULL) {
                struct msg_args a = {.kind = MSG_DEP_REQUIRED,
                                     .name = d->req[k].name,
                                     .name_len = d->req[k].len,
                                     .name2 = d->key.name,
                                     .name2_len = d->key.len};

                FAIL();
                report(c, f, "dependentRequired", &a);
            }
        }
    }
    if (size < s->min_props) {
        FAIL();
        report_simple(c, f, "minProperties", MSG_MIN_PROPS, s->min_props, NULL);
    }
    if (size > s->max_props) {
        FAIL();
        report_simple(c, f, "maxProperties", MSG_MAX_PROPS, s->max_props, NULL);
    }
    if (s->groups & G_OBJ_ITER) {
        if (tt == NULL && s->n_pats == 0 && s->additional.node == NULL && s->names.node == NULL &&
            s->n_props < size) {
            if (!eval_declared(c, f))
                FAIL();
        } else if (!eval_members(c, f, tt)) {
            FAIL();
        }
    }
    for (i = 0; i < s->n_dep_sch; i++) {
        const struct dep_schema *d = &s->dep_sch[i];

        if (json_object_getn(obj, d->key.name, d->key.len) == NULL)
            continue;
        if (!eval_here(c, f, &d->s, tt))
            FAIL();
    }
out:
    return ok;
}

struct slot {
    uint64_t h;
    size_t i; /* item index + 1; 0: empty */
};

/* True when two items are equal; *a < *b are their indices. Quadratic for short arrays, a hash
 * set for long ones, so that a hostile 100,000-item array costs n, not n^2. Not inlined: its
 * 4 KiB of slots would otherwise sit in the frame of eval, which recursion multiplies. */
FORMS_NOINLINE static bool
find_duplicate(struct vctx *c, const json_t *arr, size_t *a, size_t *b)
{
    struct slot stack[UNIQUE_STACK_SLOTS], *t = stack;
    size_t i, k, n = json_array_size(arr), cap = 16;
    bool found = false;

    if (n <= UNIQUE_PAIRWISE_MAX) {
        for (i = 0; i < n; i++)
            for (k = i + 1; k < n; k++)
                if (forms_json_equal(json_array_get(arr, i), json_array_get(arr, k))) {
                    *a = i;
                    *b = k;
                    return true;
                }
        return false;
    }
    while (cap < n * 2)
        cap *= 2;
    if (cap > UNIQUE_STACK_SLOTS) {
        t = calloc(cap, sizeof *t);
        if (t == NULL) {
            c->oom = true;
            return false;
        }
    } else {
        memset(t, 0, cap * sizeof *t);
    }
    for (i = 0; i < n && !found; i++) {
        const json_t *v = json_array_get(arr, i);
        uint64_t h = forms_json_hash(v);

        for (k = h & (cap - 1); t[k].i != 0; k = (k + 1) & (cap - 1)) {
            if (t[k].h == h && forms_json_equal(json_array_get(arr, t[k].i - 1), v)) {
                *a = t[k].i - 1;
                *b = i;
                found = true;
                break;
            }
        }
        if (!found) {
            t[k].h = h;
            t[k].i = i + 1;
        }
    }
    if (t != stack)
        free(t);
    return found;
}

static bool
eval_array(struct vctx *c, const struct frame *f, struct track *tt)
{
    const struct forms_schema *s = f->node;
    const json_t *arr = f->j;
    size_t i, n = json_array_size(arr);
    bool ok = true;

    if (n < s->min_items) {
        FAIL();
        report_simple(c, f, "minItems", MSG_MIN_ITEMS, s->min_items, NULL);
    }
    if (n > s->max_items) {
        FAIL();
        report_simple(c, f, "maxItems", MSG_MAX_ITEMS, s->max_items, NULL);
    }
    for (i = 0; i < n && i < s->n_prefix; i++) {
        if (!eval_item(c, f, &s->prefix[i], i))
            FAIL();
        if (tt != NULL)
            track_set(tt, i);
    }
    if (s->items.node != NULL) {
        for (i = s->n_prefix; i < n; i++)
            if (!eval_item(c, f, &s->items, i))
                FAIL();
        if (tt != NULL)
            tt->all = true;
    }
    if (s->contains.node != NULL) {
        /* every item must be visited when the matches are annotations or have a maximum */
        bool visit_all = tt != NULL || s->max_contains != SIZE_MAX;
        size_t count = 0;

        for (i = 0; i < n; i++) {
            bool match;

            /* an item that does not match is no error in itself */
            c->quiet++;
            match = eval_item(c, f, &s->contains, i);
            c->quiet--;
            if (match) {
                count++;
                if (tt != NULL)
                    track_set(tt, i);
                if (!visit_all && count >= s->min_contains)
                    break;
            }
            if (c->oom)
                return false;
        }
        if (count < s->min_contains) {
            struct msg_args a = {
                .kind = MSG_CONTAINS, .n = s->min_contains, .hint = s->contains.node};

            FAIL();
            report(c, f, s->min_contains == 1 ? "contains" : "minContains", &a);
        }
        if (count > s->max_contains) {
            struct msg_args a = {
                .kind = MSG_MAX_CONTAINS, .n = s->max_contains, .hint = s->contains.node};

            FAIL();
            report(c, f, "maxContains", &a);
        }
    }
    if (s->unique && n > 1) {
        size_t a, b;

        if (find_duplicate(c, arr, &a, &b)) {
            struct msg_args m = {.kind = MSG_UNIQUE, .i = a, .j = b};

            FAIL();
            report(c, f, "uniqueItems", &m);
        }
        if (c->oom)
            return false;
    }
out:
    return ok;
}

/* Runs branch b on f's instance. With annotations wanted, it runs on a scratch track that is
 * merged only when the branch passes: a failed branch evaluates nothing. */
static bool
eval_branch(struct vctx *c, const struct frame *f, const struct sub *b, struct track *tt,
            bool *passed)
{
    if (tt != NULL && b->node->annot) {
        struct track tmp;

        if (!track_init(c, &tmp, tt->n))
            return false;
        *passed = eval_here(c, f, b, &tmp);
        if (*passed)
            track_merge(tt, &tmp);
        track_fini(&tmp);
    } else {
        *passed = eval_here(c, f, b, NULL);
    }
    return !c->oom;
}

static bool
eval_inplace(struct vctx *c, const struct frame *f, struct track *tt)
{
    const struct forms_schema *s = f->node;
    struct frame cf = {.up = f, .j = f->j, .s = f->s, .slen = f->slen};
    bool ok = true, passed, done;
    size_t i, m, npass;

    if (s->ref.node != NULL && !eval_sub(c, &cf, &s->ref, tt))
        FAIL();
    for (i = 0; i < s->n_all; i++)
        if (!eval_sub(c, &cf, &s->all_of[i], tt))
            FAIL();
    if (s->n_any > 0) {
        m = mark(c);
        npass = 0;
        for (i = 0; i < s->n_any; i++) {
            /* once one branch passed, the rest matter only for their annotations */
            if (npass > 0 && (tt == NULL || !s->any_of[i].node->annot))
                continue;
            if (!eval_branch(c, f, &s->any_of[i], tt, &passed))
                return false;
            npass += passed;
        }
        if (npass == 0) {
            struct msg_args a = {.kind = MSG_ANY_OF, .hint = s};

            FAIL();
            report_at(c, m, f, "anyOf", &a);
        } else {
            truncate_errors(c, m);
        }
    }
    if (s->n_one > 0) {
        m = mark(c);
        npass = 0;
        for (i = 0; i < s->n_one && npass < 2; i++) {
            if (!eval_branch(c, f, &s->one_of[i], npass == 0 ? tt : NULL, &passed))
                return false;
            npass += passed;
        }
        if (npass == 1) {
            truncate_errors(c, m);
        } else if (npass == 0) {
            struct msg_args a = {.kind = MSG_ANY_OF, .hint = s};

            FAIL();
            report_at(c, m, f, "oneOf", &a);
        } else {
            struct msg_args a = {.kind = MSG_ONE_OF_MANY, .hint = s};

            FAIL();
            truncate_errors(c, m);
            report(c, f, "oneOf", &a);
        }
    }
    if (s->not_.node != NULL) {
        c->quiet++;
        passed = eval_sub(c, &cf, &s->not_, NULL);
        c->quiet--;
        if (c->oom)
            return false;
        if (passed) {
            struct msg_args a = {.kind = MSG_NOT, .hint = s->not_.node};

            FAIL();
            report(c, f, "not", &a);
        }
    }
    if (s->if_.node != NULL) {
        const struct sub *next;

        m = mark(c);
        /* the condition's errors only decide between then and else */
        c->quiet++;
        done = eval_branch(c, f, &s->if_, tt, &passed);
        c->quiet--;
        if (!done)
            return false;
        next = passed ? &s->then_ : &s->else_;
        if (next->node != NULL && !eval_sub(c, &cf, next, tt)) {
            struct msg_args a = {.kind = MSG_CONDITION, .hint = next->node};

            FAIL();
            report_at(c, m, f, passed ? "then" : "else", &a);
        }
    }
out:
    return ok;
}

/* unevaluatedProperties / unevaluatedItems: every member no other keyword evaluated. */
static bool
eval_unevaluated(struct vctx *c, const struct frame *f, struct track *tt)
{
    const struct forms_schema *s = f->node;
    bool ok = true;
    size_t i;

    if (tt->all)
        return true;
    if (json_is_object(f->j)) {
        json_t *obj = (json_t *)f->j;
        void *it;

        for (it = json_object_iter(obj), i = 0; it != NULL;
             it = json_object_iter_next(obj, it), i++)
            if (!track_get(tt, i) &&
                !eval_member(c, f, &s->uneval_props, json_object_iter_key(it),
                             json_object_iter_key_len(it), json_object_iter_value(it)))
                FAIL();
    } else {
        for (i = 0; i < tt->n; i++)
            if (!track_get(tt, i) && !eval_item(c, f, &s->uneval_items, i))
                FAIL();
    }
out:
    return ok;
}

static bool
eval(struct vctx *c, const struct frame *f, struct track *t)
{
    const struct forms_schema *s = f->node;
    struct track own, *tt = NULL;
    bool ok = true, own_used = false;
    unsigned it;

    if (s->kind == NODE_TRUE)
        return true;
    if (s->kind == NODE_FALSE) {
        if (c->collect) {
            struct msg_args a = {.kind = s->false_role == FALSE_EXTRA      ? MSG_NOT_IN_FORM
                                         : s->false_role == FALSE_PROPERTY ? MSG_FALSE_PROPERTY
                                         : s->false_role == FALSE_ITEM     ? MSG_EXTRA_ITEM
                                                                           : MSG_FALSE,
                                 .name = f->key,
                                 .name_len = f->keylen,
                                 .i = f->index};

            if (a.kind == MSG_NOT_IN_FORM && f->seg != SEG_KEY)
                a.kind = MSG_FALSE;
            if (a.kind == MSG_EXTRA_ITEM && f->seg != SEG_INDEX)
                a.kind = MSG_FALSE;
            report(c, f, NULL, &a);
        }
        return false;
    }
    if (c->depth >= EVAL_MAX_DEPTH) {
        c->too_deep = true;
        return false;
    }
    c->depth++;
    it = inst_type(f);
    if (s->types != 0 && !type_ok(s->types, f, it)) {
        struct msg_args a = {.kind = MSG_TYPE, .types = s->types};

        FAIL();
        report(c, f, "type", &a);
    }
    if ((s->groups & G_VALUE) && !eval_value(c, f))
        FAIL();

    /* Track evaluated members where an unevaluated* keyword here needs them, or where a caller
     * needs them and this subtree can mark any (decided when compiling). */
    if ((it == FT_OBJECT && s->uneval_props.node != NULL) ||
        (it == FT_ARRAY && s->uneval_items.node != NULL)) {
        if (!track_init(c, &own,
                        it == FT_OBJECT ? json_object_size(f->j) : json_array_size(f->j))) {
            ok = false;
            goto out;
        }
        own_used = true;
        tt = &own;
    } else if (t != NULL && s->annot) {
        tt = t;
    }

    switch (it) {
    case FT_OBJECT:
        if ((s->groups & G_OBJ) && !eval_object(c, f, tt))
            FAIL();
        break;
    case FT_ARRAY:
        if ((s->groups & G_ARR) && !eval_array(c, f, tt))
            FAIL();
        break;
    case FT_STRING:
        if ((s->groups & G_STR) && !eval_string(c, f))
            FAIL();
        break;
    case FT_INTEGER:
    case FT_NUMBER:
        if ((s->groups & G_NUM) && !eval_number(c, f))
            FAIL();
        break;
    default:
        break;
    }
    if ((s->groups & G_INPLACE) && !eval_inplace(c, f, tt))
        FAIL();
    if (own_used) {
        if (!eval_unevaluated(c, f, tt))
            FAIL();
        /* after unevaluated*, every member counts as evaluated for the callers */
        if (t != NULL)
            t->all = true;
    }
out:
    if (own_used)
        track_fini(&own);
    c->depth--;
    return ok && !c->oom && !c->too_deep;
}

#undef FAIL

static void
vctx_init(struct vctx *c, bool collect, struct forms_result *res)
{
    /* not memset: the scratch arena is 1 KiB that need not be cleared on every call */
    c->collect = collect;
    c->oom = false;
    c->too_deep = false;
    c->depth = 0;
    c->quiet = 0;
    c->res = res;
    c->cap = 0;
    c->text = (struct sb){0};
    c->rx.gctx = NULL;
    c->rx.md = NULL;
    c->rx.used = 0;
}

bool
forms_valid(const struct forms_schema *s, const json_t *instance)
{
    struct vctx c;
    struct frame f = {.node = s, .kw = "", .j = instance};
    bool ok;

    if (s == NULL || instance == NULL)
        return false;
    vctx_init(&c, false, NULL);
    ok = eval(&c, &f, NULL);
    rx_fini(&c.rx);
    return ok && !c.oom && !c.too_deep;
}

enum forms_status
forms_validate(const struct forms_schema *s, const json_t *instance, struct forms_result *res,
               struct forms_err *err)
{
    struct vctx c;
    struct frame f = {.node = s, .kw = "", .j = instance};
    bool ok;

    res->count = 0;
    res->errors = NULL;
    if (s == NULL || instance == NULL)
        return forms_fail(err, FORMS_EINVALID, "no schema or no instance to validate");
    vctx_init(&c, true, res);
    ok = eval(&c, &f, NULL);
    rx_fini(&c.rx);
    if (!c.oom && c.too_deep) {
        /* one clear error instead of the partial ones the cut-off produced */
        struct msg_args a = {.kind = MSG_DEPTH};

        truncate_errors(&c, 0);
        report(&c, &f, NULL, &a);
    }
    forms_sb_free(&c.text);
    if (c.oom) {
        forms_result_clear(res);
        return forms_fail(err, FORMS_ENOMEM, "out of memory while validating");
    }
    if (ok)
        return FORMS_OK;
    return forms_fail(err, FORMS_EINVALID, "the form has %zu error%s", res->count,
                      res->count == 1 ? "" : "s");
}

const struct prop *
forms_prop_find(const struct forms_schema *s, const char *k, size_t len)
{
    uint32_t h, i;

    /* a handful of properties: comparing lengths first beats hashing the key */
    if (s->n_props <= 4) {
        for (i = 0; i < s->n_props; i++)
            if (s->props[i].len == len && memcmp(s->props[i].name, k, len) == 0)
                return &s->props[i];
        return NULL;
    }
    h = forms_hash(k, len);
    for (i = h & s->pmask;; i = (i + 1) & s->pmask) {
        uint32_t e = s->ptab[i];
        const struct prop *p;

        if (e == 0)
            return NULL;
        p = &s->props[e - 1];
        if (p->hash == h && p->len == len && memcmp(p->name, k, len) == 0)
            return p;
    }
}
