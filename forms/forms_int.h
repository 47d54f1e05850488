/* SPDX-License-Identifier: EUPL-1.2 */
/* Internal to forms/: the compiled schema graph and the helpers that the catalogue, the compiler,
 * the validator and the messages share. Not installed; forms.h is the only public header. */
#ifndef BATON_FORMS_INT_H
#define BATON_FORMS_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "forms.h"

#if defined(__GNUC__)
#define FORMS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define FORMS_NOINLINE __attribute__((noinline))
#else
#define FORMS_PRINTF(f, a)
#define FORMS_NOINLINE
#endif

/* Fills err (when not NULL) and returns st. */
enum forms_status forms_fail(struct forms_err *err, enum forms_status st, const char *fmt, ...)
    FORMS_PRINTF(3, 4);
/* As forms_fail, with a va_list and where in the input the error is (line and column 1-based,
 * or 0 when it is not about a position). */
enum forms_status forms_vfail(struct forms_err *err, enum forms_status st, int line, int column,
                              const char *fmt, va_list ap) FORMS_PRINTF(5, 0);

/* ---- memory: a bump arena, so that one compile round is freed (or rolled back) at once ---- */

struct arena_chunk;
struct arena {
    struct arena_chunk *head;
};

void *forms_arena_alloc(struct arena *a, size_t n); /* zeroed; NULL when memory ran out */
char *forms_arena_strndup(struct arena *a, const char *s, size_t n);
char *forms_arena_printf(struct arena *a, const char *fmt, ...) FORMS_PRINTF(2, 3);
void forms_arena_free(struct arena *a);

/* ---- a growable string; after a failed allocation it stays empty and oom is set ---- */

struct sb {
    char *buf;
    size_t len;
    size_t cap;
    bool oom;
};

void forms_sb_putn(struct sb *b, const char *s, size_t n);
void forms_sb_puts(struct sb *b, const char *s);
void forms_sb_putc(struct sb *b, char c);
void forms_sb_printf(struct sb *b, const char *fmt, ...) FORMS_PRINTF(2, 3);
/* Appends s as one JSON Pointer reference token (~ and / escaped). */
void forms_sb_put_token(struct sb *b, const char *s, size_t n);
/* Appends s percent-encoded where a URI fragment may not hold it raw. */
void forms_sb_put_fragment(struct sb *b, const char *s, size_t n);
/* Appends a JSON value compactly, cut off after max bytes with "...". */
void forms_sb_put_json(struct sb *b, const json_t *v, size_t max);
/* Appends n in decimal. */
void forms_sb_put_size(struct sb *b, size_t n);
/* The string (malloc'd, caller frees) or NULL when memory ran out; b is reset. */
char *forms_sb_take(struct sb *b);
/* A copy of the string in arena a, or NULL when memory ran out; b is freed. */
char *forms_sb_arena_take(struct sb *b, struct arena *a);
/* A copy of the string (malloc'd to its length, caller frees) or NULL when memory ran out; b is
 * emptied but keeps its buffer, so that one buffer builds many strings. */
char *forms_sb_cut(struct sb *b);
void forms_sb_free(struct sb *b);

/* ---- hash maps, open addressing; keys are borrowed and must outlive the map ---- */

struct map_entry {
    const void *key; /* a NUL-terminated string or an opaque pointer */
    uint32_t hash;
    void *value;
};

struct map {
    struct map_entry *slots;
    size_t cap; /* a power of two, or 0 */
    size_t count;
    bool strings; /* keys are strings compared by content; otherwise pointers */
};

uint32_t forms_hash(const void *s, size_t n);
void *forms_map_get(const struct map *m, const void *key);
int forms_map_put(struct map *m, const void *key, void *value); /* 0, or -1 when out of memory */
void forms_map_free(struct map *m);

/* ---- URIs (RFC 3986) and JSON Pointers (RFC 6901) ---- */

/* ref resolved against base (which may be NULL when ref is absolute); malloc'd, NULL on ENOMEM. */
char *forms_uri_resolve(const char *base, const char *ref);
bool forms_uri_is_absolute(const char *uri);
/* Percent-decodes n bytes of s; malloc'd; NULL when memory ran out or the encoding is broken. */
char *forms_uri_pct_decode(const char *s, size_t n);
/* Follows an unescaped JSON Pointer ("/a/b~1c") from root; NULL when it leads nowhere. */
json_t *forms_pointer_get(json_t *root, const char *ptr);
/* The JSON Pointer ptr + "/" + kw, and + "/" + name as a reference token when name is not NULL,
 * in arena a; NULL when memory ran out. */
char *forms_pointer_append(struct arena *a, const char *ptr, const char *kw, const char *name,
                           size_t name_len);

/* ---- JSON values compared as JSON Schema compares them ---- */

bool forms_json_equal(const json_t *a, const json_t *b);
uint64_t forms_json_hash(const json_t *v);
/* The hash forms_json_hash gives a JSON string with these n bytes. */
uint64_t forms_string_hash(const char *s, size_t n);
size_t forms_utf8_count(const char *s, size_t n);

/* A number from a schema, kept exact when it is an integer. */
struct limit {
    bool set;
    bool is_int;
    json_int_t i;
    double d;
    const json_t *json; /* the schema's own value, for messages */
};

/* <0, 0, >0 as the instance number v compares with l (exact for integers). */
int forms_num_cmp(const json_t *v, const struct limit *l);
bool forms_num_multiple(const json_t *v, const struct limit *m);
bool forms_num_is_integer(const json_t *v);

/* ---- formats ---- */

enum forms_format {
    FMT_NONE = 0,
    FMT_DATE,
    FMT_DATE_TIME,
    FMT_TIME,
    FMT_EMAIL,
    FMT_UUID,
    FMT_BSN,
    FMT_OIN,
    FMT_POSTCODE,
};

/* Why a value failed its format, so that the message can say what to fix. */
enum format_why {
    WHY_SHAPE = 1,    /* not written in the required form at all */
    WHY_NO_DATE,      /* the form is right, but the date does not exist */
    WHY_ELEVEN_TEST,  /* BSN: nine digits, but the eleven-test fails */
    WHY_ALL_ZEROS,    /* BSN: 000000000 */
    WHY_POSTCODE_SSX, /* postcode letters SA, SD, SS are never issued */
};

enum forms_format forms_format_lookup(const char *name);
/* 0 when s (n bytes, may hold NUL) has the format, otherwise an enum format_why. */
int forms_format_check(enum forms_format f, const char *s, size_t n);

/* ---- the compiled schema graph ---- */

enum {
    FT_NULL = 1,
    FT_BOOLEAN = 2,
    FT_OBJECT = 4,
    FT_ARRAY = 8,
    FT_NUMBER = 16,
    FT_STRING = 32,
    FT_INTEGER = 64,
};

/* Which groups of keywords a node has, so that validation skips what cannot apply. */
enum {
    G_OBJ = 1u << 0,      /* any object keyword */
    G_OBJ_ITER = 1u << 1, /* a keyword that looks at every member of an object */
    G_ARR = 1u << 2,
    G_STR = 1u << 3,
    G_NUM = 1u << 4,
    G_VALUE = 1u << 5,   /* enum or const */
    G_INPLACE = 1u << 6, /* $ref, allOf, anyOf, oneOf, not, if */
};

struct rx {
    pcre2_code *code;
    bool jit;                  /* compiled to machine code: matched with pcre2_jit_match */
    pcre2_match_context *mctx; /* shared, read-only during matching */
    const char *source;
    struct rx *next;
};

struct forms_schema;

/* An edge to a subschema, with the path from the parent (e.g. "/properties/bsn") for the
 * keywordLocation of errors below it. */
struct sub {
    struct forms_schema *node;
    const char *kw;
};

struct prop {
    const char *name;
    size_t len;
    uint32_t hash;
    struct sub s;
};

struct patprop {
    const struct rx *rx;
    struct sub s;
};

struct name {
    const char *name;
    size_t len;
};

struct dep_required {
    struct name key;
    struct name *req;
    size_t n;
};

struct dep_schema {
    struct name key;
    struct sub s;
};

enum node_kind {
    NODE_SCHEMA = 0,
    NODE_TRUE,
    NODE_FALSE,
};

/* What a false schema stands for, for its message. */
enum false_role {
    FALSE_PLAIN = 0,
    FALSE_PROPERTY, /* properties/x: false: the field must be left out */
    FALSE_EXTRA,    /* additionalProperties/unevaluatedProperties: false */
    FALSE_ITEM,     /* items/prefixItems/unevaluatedItems: false */
};

struct loc;

struct forms_schema {
    enum node_kind kind;
    enum false_role false_role;
    const char *false_kw; /* the keyword blamed when a false schema fails */
    const json_t *json;
    const char *uri; /* absolute location, "urn:x" or "urn:x#/properties/a" */
    struct loc *loc; /* NULL for boolean schemas */
    struct forms_schema *round_next;
    unsigned char dfs; /* 0: not yet checked for loops, 1: being checked, 2: done */
    bool annot;        /* evaluating it in place can mark members as evaluated */

    unsigned groups;
    unsigned char types; /* FT_* bits; 0 when there is no "type" */
    const char *title[FORMS_LANG_COUNT];
    const char *desc[FORMS_LANG_COUNT];

    const json_t *enum_vals;
    uint64_t *enum_hash;     /* forms_json_hash of each value: most mismatches cost one compare */
    const json_t *const_val; /* may be JSON null, so has_const says whether there is one */
    bool has_const;

    struct limit minimum, maximum, ex_minimum, ex_maximum, multiple_of;

    size_t min_len, max_len; /* 0 and SIZE_MAX when absent */
    const struct rx *pattern;
    enum forms_format format;
    const char *format_name;

    size_t min_items, max_items;
    struct sub *prefix;
    size_t n_prefix;
    struct sub items, contains, uneval_items;
    size_t min_contains, max_contains; /* 1 and SIZE_MAX when absent */
    bool unique;

    struct prop *props;
    size_t n_props;
    uint32_t *ptab; /* open-addressed index into props, entries are index + 1 */
    uint32_t pmask;
    struct patprop *pats;
    size_t n_pats;
    struct sub additional, names, uneval_props;
    struct name *required;
    size_t n_required;
    struct dep_required *dep_req;
    size_t n_dep_req;
    struct dep_schema *dep_sch;
    size_t n_dep_sch;
    size_t min_props, max_props;

    struct sub ref, not_, if_, then_, else_;
    struct sub *all_of, *any_of, *one_of;
    size_t n_all, n_any, n_one;
};

const struct prop *forms_prop_find(const struct forms_schema *s, const char *k, size_t len);

/* ---- the catalogue ---- */

/* Where a schema object sits: the base URI of its resource and its JSON Pointer from that
 * resource's root (escaped, without '#'). */
struct loc {
    const json_t *json;
    const char *base;
    const char *ptr;
    struct forms_schema *node;
};

struct doc {
    json_t *json;
    char *uri;
    struct forms_schema *root;
    bool compiled;
};

/* One successful forms_catalogue_compile(): its nodes and compiled patterns. */
struct round {
    struct round *next;
    struct arena mem;
    struct rx *rxs;
    struct forms_schema *nodes;
};

struct forms_catalogue {
    struct forms_options opt;
    struct doc *docs;
    size_t ndocs, capdocs;
    struct arena mem; /* locations and URIs, for the catalogue's lifetime */
    struct map ids;   /* absolute URI (resource, or resource#anchor) -> json_t */
    struct map locs;  /* json_t (schema object) -> struct loc */
    struct round *rounds;
    pcre2_match_context *mctx;
};

enum forms_status forms_compile_round(struct forms_catalogue *cat, struct forms_err *err);
void forms_round_free(struct round *r);

/* ---- validation frames and messages ---- */

enum seg_kind {
    SEG_NONE = 0, /* the same instance as the parent frame (in-place applicator) */
    SEG_KEY,
    SEG_INDEX,
};

/* One step of evaluation, on the caller's stack: a schema node applied to an instance. */
struct frame {
    const struct frame *up;
    const struct forms_schema *node;
    const char *kw;  /* path from up's node to this node; "" at the root */
    const json_t *j; /* the instance; NULL for a property name checked by propertyNames */
    const char *s;   /* the property name when j is NULL */
    size_t slen;
    enum seg_kind seg; /* how this instance was reached from up's instance */
    const char *key;
    size_t keylen;
    size_t index;
};

enum msg_kind {
    MSG_FALSE,
    MSG_FALSE_PROPERTY,
    MSG_NOT_IN_FORM,
    MSG_EXTRA_ITEM,
    MSG_TYPE,
    MSG_ENUM,
    MSG_CONST,
    MSG_MIN_LENGTH,
    MSG_MAX_LENGTH,
    MSG_PATTERN,
    MSG_FORMAT,
    MSG_MINIMUM,
    MSG_MAXIMUM,
    MSG_EX_MINIMUM,
    MSG_EX_MAXIMUM,
    MSG_MULTIPLE_OF,
    MSG_MIN_ITEMS,
    MSG_MAX_ITEMS,
    MSG_UNIQUE,
    MSG_CONTAINS,
    MSG_MAX_CONTAINS,
    MSG_REQUIRED,
    MSG_DEP_REQUIRED,
    MSG_MIN_PROPS,
    MSG_MAX_PROPS,
    MSG_PROPERTY_NAME,
    MSG_ANY_OF,
    MSG_ONE_OF_MANY,
    MSG_NOT,
    MSG_CONDITION,
    MSG_DEPTH,
};

struct msg_args {
    enum msg_kind kind;
    const struct frame *f; /* the frame whose instance the message is about */
    const char *name;      /* a property name (required, extra field, ...) */
    size_t name_len;
    const char *name2; /* dependentRequired: the property that makes name required */
    size_t name2_len;
    size_t n, i, j;
    const json_t *value; /* the schema's value: the enum list, the const, the limit */
    unsigned types;
    enum forms_format format;
    int why;
    const struct forms_schema *hint; /* a node whose description explains the rule */
};

/* Appends the JSON Pointer to f's instance ("" for the whole form, "/diplomas/0/name"). */
void forms_put_instance(struct sb *b, const struct frame *f);

/* Writes the two messages (malloc'd) for one error, built in scratch (an empty string buffer,
 * left empty); -1 when memory ran out. */
int forms_message(const struct msg_args *a, struct sb *scratch, char *out[FORMS_LANG_COUNT]);

/* Frees what one error holds. */
void forms_error_free(struct forms_error *e);

#endif
