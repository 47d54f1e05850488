/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * forms: baton's standard form catalogue and its JSON Schema (draft 2020-12) validator.
 *
 * A catalogue holds schema documents by their "$id". It is compiled once (references resolved
 * across the whole catalogue, regular expressions compiled, unsupported keywords refused) and is
 * then read-only: any number of threads may validate against it at the same time.
 *
 * Library code: never prints, never exits. Every function that can fail returns an
 * enum forms_status and, when given a struct forms_err, fills it with a message for people.
 */
#ifndef BATON_FORMS_H
#define BATON_FORMS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* A handover form is a few KiB; 1 MiB leaves room for long free-text answers and still stops a
 * memory exhaustion attempt before parsing begins. */
#define FORMS_MAX_BYTES_DEFAULT (1024u * 1024u)
/* The deepest catalogue form nests about 8 levels; 64 is generous and keeps recursion bounded. */
#define FORMS_MAX_DEPTH_DEFAULT 64

enum forms_status {
    FORMS_OK = 0,
    FORMS_EINVALID,  /* the instance does not conform to its schema */
    FORMS_EPARSE,    /* the input is not JSON (err has line and column) */
    FORMS_EUTF8,     /* the input is not valid UTF-8 */
    FORMS_EDUPKEY,   /* an object has the same key twice */
    FORMS_EDEPTH,    /* nesting deeper than the limit */
    FORMS_ETOOBIG,   /* input larger than the limit */
    FORMS_EIO,       /* a file could not be read */
    FORMS_ESCHEMA,   /* a schema is unusable: bad keyword value, unsupported keyword, bad $ref */
    FORMS_ENOTFOUND, /* no schema in the catalogue with that URI */
    FORMS_ENOMEM,
};

struct forms_err {
    enum forms_status status;
    int line;   /* 1-based position of a parse error; 0 when the error is not about a position */
    int column; /* 1-based */
    char text[512];
};

/* A short English name for a status ("invalid", "parse error", ...). Never NULL. */
const char *forms_status_name(enum forms_status st);

struct forms_limits {
    size_t max_bytes; /* 0: FORMS_MAX_BYTES_DEFAULT */
    size_t max_depth; /* 0: FORMS_MAX_DEPTH_DEFAULT */
};

/*
 * Parses untrusted JSON text: limits first (size, nesting depth), then strict parsing (valid
 * UTF-8, no duplicate keys, no NUL characters in strings, any JSON value at the top).
 * lim may be NULL for the defaults. On success *out is a new reference owned by the caller; on
 * error *out is untouched and err says what is wrong, with line and column where that applies.
 */
enum forms_status forms_parse(const char *buf, size_t len, const struct forms_limits *lim,
                              json_t **out, struct forms_err *err);

/* As forms_parse, reading the file at path ("-" reads standard input). */
enum forms_status forms_parse_file(const char *path, const struct forms_limits *lim, json_t **out,
                                   struct forms_err *err);

struct forms_catalogue;
struct forms_schema; /* one compiled schema; owned by its catalogue, valid until it is freed */

struct forms_options {
    /* When true, "format" asserts for the formats baton knows: date, date-time, time, email,
     * uuid, and baton's own bsn (the eleven-test), oin (20 digits) and postcode (Dutch, 1234 AB).
     * Unknown formats are then refused when the schema is compiled. When false, "format" is an
     * annotation only, as draft 2020-12 specifies by default. */
    bool format_assertion;
};

/* A new, empty catalogue. opt may be NULL (format is an annotation). */
enum forms_status forms_catalogue_new(const struct forms_options *opt, struct forms_catalogue **out,
                                      struct forms_err *err);

/* Frees the catalogue and every schema in it. NULL is allowed. */
void forms_catalogue_free(struct forms_catalogue *cat);

/*
 * Adds a schema document. doc is borrowed (the catalogue keeps its own deep copy, so later changes
 * to doc do not reach it). The document's
 * "$id" names it; base_uri names a document without "$id" (may be NULL when it has one). Embedded
 * resources ("$id" inside the document) are registered too. Nothing is resolved until
 * forms_catalogue_compile(). On error nothing is added.
 */
enum forms_status forms_catalogue_add(struct forms_catalogue *cat, json_t *doc,
                                      const char *base_uri, struct forms_err *err);

/* Parses (with forms_parse's default limits) and adds the schema document in a file. */
enum forms_status forms_catalogue_add_file(struct forms_catalogue *cat, const char *path,
                                           struct forms_err *err);

/* Adds baton's own catalogue, built into the library: the forms, the shared definitions, and the
 * directory and covenant schemas. */
enum forms_status forms_catalogue_add_builtin(struct forms_catalogue *cat, struct forms_err *err);

/*
 * Compiles every document added so far: resolves each "$ref" across the catalogue, compiles each
 * "pattern" with PCRE2 in UTF mode, and refuses a schema that uses a keyword baton does not
 * implement ("$dynamicRef", "$dynamicAnchor", "$recursiveRef", a "$ref" to a document that is not
 * in the catalogue) or a keyword with a value of the wrong kind. May be called again after more
 * adds. On error the catalogue is as it was before the call.
 */
enum forms_status forms_catalogue_compile(struct forms_catalogue *cat, struct forms_err *err);

/* The compiled schema at an absolute URI, optionally with a fragment ("urn:x#/$defs/a",
 * "urn:x#anchor"). NULL when there is none or the catalogue is not compiled. */
const struct forms_schema *forms_catalogue_find(const struct forms_catalogue *cat, const char *uri);

/* The catalogue's top-level documents, for listing: count, and the "$id" of the i-th. */
size_t forms_catalogue_count(const struct forms_catalogue *cat);
const char *forms_catalogue_id(const struct forms_catalogue *cat, size_t i);

/*
 * The schema a form names for itself in its "$schema" member (a catalogue "$id"). On error
 * (not an object, no "$schema", not a string, unknown id) *out is untouched and err says which.
 */
enum forms_status forms_schema_for(const struct forms_catalogue *cat, const json_t *instance,
                                   const struct forms_schema **out, struct forms_err *err);

/* The schema's JSON (borrowed, owned by the catalogue), e.g. to render its labels. */
const json_t *forms_schema_json(const struct forms_schema *s);

/* Its absolute URI (borrowed). */
const char *forms_schema_uri(const struct forms_schema *s);

enum forms_lang {
    FORMS_LANG_NL = 0,
    FORMS_LANG_EN = 1,
};
#define FORMS_LANG_COUNT 2

/* ---- reading the catalogue's schemas: labels and keywords, following "$ref" ---- */

/* The schema a part of a catalogue schema refers to with "$ref" (a catalogue URI, with a
 * "#/$defs/NAME" or other fragment), or NULL when it has none or names nothing in cat. Does not
 * allocate: fit for every field of every form. */
const json_t *forms_schema_deref(const struct forms_catalogue *cat, const json_t *schema);

/* The keyword name of schema or, when it has none, of the schema its "$ref" leads to, and so on
 * (at most 32 hops); NULL when none has it. */
const json_t *forms_schema_keyword(const struct forms_catalogue *cat, const json_t *schema,
                                   const char *name);

/* The label of the field schema describes: "title" (Dutch) or "x-en"."title" (English), found as
 * forms_schema_keyword finds them, the other language when one is missing, else fallback. */
const char *forms_schema_label(const struct forms_catalogue *cat, const json_t *schema,
                               enum forms_lang lang, const char *fallback);

/* The title of form type form_type (a catalogue URI) in lang; form_type itself when the
 * catalogue has no such type, "-" for NULL. */
const char *forms_form_title(const struct forms_catalogue *cat, const char *form_type,
                             enum forms_lang lang);

/*
 * A form made readable for people: an array with an entry per member, in the schema's order
 * (which groups what belongs together) and then any other member, or per item of an array
 * (numbered from 1): {"key", "label", "value"} for a scalar (as text: numbers as written, true
 * and false as ja/nee or yes/no) and {"key", "label", "fields": [...]} for an object or array.
 * Labels are the catalogue's, in lang, for form type form_type (a catalogue URI; none known:
 * the members' names). Nesting beyond 32 levels is left out. A new reference; NULL when out of
 * memory.
 */
json_t *forms_render(const struct forms_catalogue *cat, const char *form_type, const json_t *form,
                     enum forms_lang lang);

/* One failed assertion, in the terms of the specification's "basic" output format. */
struct forms_error {
    char *instance_location;         /* JSON Pointer into the instance ("" is the whole form) */
    char *keyword_location;          /* JSON Pointer through the schema as evaluated, $ref too */
    char *absolute_keyword_location; /* URI of the failing keyword in its own document */
    const char *keyword;             /* "required", "type", "format", ...: static storage */
    char *message[FORMS_LANG_COUNT]; /* for people, naming the field by its label */
};

struct forms_result {
    size_t count;
    struct forms_error *errors;
};

/* True when the instance (borrowed) conforms. Allocates nothing on the way: this is the fast
 * path for callers that only need the verdict. (Only outsized input reaches the heap: an object or
 * array of more than 511 members under unevaluatedProperties/unevaluatedItems, or of more than 128
 * items under uniqueItems, or a "pattern" on a platform without PCRE2 JIT.) Stops at the first
 * failure. False also when memory ran out or the instance nests too deeply to check. */
bool forms_valid(const struct forms_schema *s, const json_t *instance);

/*
 * Validates and collects every error. res is overwritten (call forms_result_clear() on it when
 * done, also after an error). Returns FORMS_OK when valid, FORMS_EINVALID when not (res holds the
 * errors), FORMS_ENOMEM when memory ran out. An instance nested too deeply to check (more than 512
 * levels of evaluation; forms_parse stops forms long before) is invalid with one error whose
 * keyword is "depth".
 */
enum forms_status forms_validate(const struct forms_schema *s, const json_t *instance,
                                 struct forms_result *res, struct forms_err *err);

/* Frees what res holds and sets it empty. NULL is allowed. */
void forms_result_clear(struct forms_result *res);

/* The result in the specification's "basic" output format: {"valid": ..., "errors": [...]}
 * with keywordLocation, absoluteKeywordLocation, instanceLocation and error (in lang).
 * New reference; NULL when memory ran out. */
json_t *forms_result_basic(const struct forms_result *res, enum forms_lang lang);

#endif
