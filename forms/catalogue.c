/* SPDX-License-Identifier: EUPL-1.2 */
/* The catalogue: schema documents by URI, with every embedded resource ("$id") and anchor
 * ("$anchor") registered when a document is added, so that the compiler can resolve "$ref". */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "forms_int.h"

/* PCRE2 backtracking limits: a "pattern" in a schema must not let a crafted form spin the CPU.
 * Ten million steps is far beyond any pattern a form needs and stops catastrophic backtracking
 * within a fraction of a second. */
#define RX_MATCH_LIMIT 10000000u
#define RX_DEPTH_LIMIT 100000u

/* Built-in documents are trusted and may be larger than a form. */
#define BUILTIN_MAX_BYTES (16u * 1024u * 1024u)

enum forms_status
forms_catalogue_new(const struct forms_options *opt, struct forms_catalogue **out,
                    struct forms_err *err)
{
    struct forms_catalogue *cat = calloc(1, sizeof *cat);

    if (cat == NULL)
        return forms_fail(err, FORMS_ENOMEM, "out of memory creating a catalogue");
    if (opt != NULL)
        cat->opt = *opt;
    cat->ids.strings = true;
    cat->mctx = pcre2_match_context_create(NULL);
    if (cat->mctx == NULL) {
        free(cat);
        return forms_fail(err, FORMS_ENOMEM, "out of memory creating a catalogue");
    }
    pcre2_set_match_limit(cat->mctx, RX_MATCH_LIMIT);
    pcre2_set_depth_limit(cat->mctx, RX_DEPTH_LIMIT);
    *out = cat;
    return FORMS_OK;
}

void
forms_catalogue_free(struct forms_catalogue *cat)
{
    size_t i;

    if (cat == NULL)
        return;
    while (cat->rounds != NULL) {
        struct round *r = cat->rounds;

        cat->rounds = r->next;
        forms_round_free(r);
    }
    for (i = 0; i < cat->ndocs; i++) {
        json_decref(cat->docs[i].json);
        free(cat->docs[i].uri);
    }
    free(cat->docs);
    forms_map_free(&cat->ids);
    forms_map_free(&cat->locs);
    forms_arena_free(&cat->mem);
    pcre2_match_context_free(cat->mctx);
    free(cat);
}

/* What one document registers, collected first so that a refused document adds nothing. */
struct pending {
    struct {
        const char *uri;
        const json_t *json;
    } * ids;
    size_t nids, capids;
    struct loc **locs;
    size_t nlocs, caplocs;
};

struct reg {
    struct forms_catalogue *cat;
    const json_t *root;
    struct pending p;
    struct forms_err *err;
    enum forms_status st;
};

static bool
nomem(struct reg *r)
{
    r->st = forms_fail(r->err, FORMS_ENOMEM, "out of memory adding a schema");
    return false;
}

static bool
push_id(struct reg *r, const char *uri, const json_t *json)
{
    size_t i;

    if (forms_map_get(&r->cat->ids, uri) != NULL)
        goto dup;
    for (i = 0; i < r->p.nids; i++)
        if (strcmp(r->p.ids[i].uri, uri) == 0)
            goto dup;
    if (r->p.nids == r->p.capids) {
        size_t cap = r->p.capids ? r->p.capids * 2 : 16;
        void *n = realloc(r->p.ids, cap * sizeof *r->p.ids);

        if (n == NULL)
            return nomem(r);
        r->p.ids = n;
        r->p.capids = cap;
    }
    r->p.ids[r->p.nids].uri = uri;
    r->p.ids[r->p.nids].json = json;
    r->p.nids++;
    return true;
dup:
    r->st = forms_fail(r->err, FORMS_ESCHEMA,
                       "two schemas claim the URI %s; each \"$id\" and \"$anchor\" must be unique",
                       uri);
    return false;
}

static bool
push_loc(struct reg *r, const json_t *json, const char *base, const char *ptr)
{
    struct loc *l;

    if (r->p.nlocs == r->p.caplocs) {
        size_t cap = r->p.caplocs ? r->p.caplocs * 2 : 64;
        void *n = realloc(r->p.locs, cap * sizeof *r->p.locs);

        if (n == NULL)
            return nomem(r);
        r->p.locs = n;
        r->p.caplocs = cap;
    }
    l = forms_arena_alloc(&r->cat->mem, sizeof *l);
    if (l == NULL)
        return nomem(r);
    l->json = json;
    l->base = base;
    l->ptr = ptr;
    r->p.locs[r->p.nlocs++] = l;
    return true;
}

/* "$anchor" = ^[A-Za-z_][-A-Za-z0-9._]*$ (draft 2020-12 core, 8.2.2) */
static bool
anchor_ok(const char *s)
{
    size_t i;

    if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
        return false;
    for (i = 1; s[i] != '\0'; i++) {
        char c = s[i];

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_'))
            return false;
    }
    return true;
}

/* Strips an empty fragment ("urn:x#" names the same resource as "urn:x"). Returns false when
 * the fragment is not empty, which "$id" does not allow. */
static bool
strip_empty_fragment(char *uri)
{
    char *hash = strchr(uri, '#');

    if (hash == NULL)
        return true;
    if (hash[1] != '\0')
        return false;
    *hash = '\0';
    return true;
}

static bool walk(struct reg *r, const json_t *s, const char *base, const char *ptr);

static bool
walk_child(struct reg *r, const json_t *s, const char *base, const char *ptr, const char *kw,
           const char *name, size_t name_len)
{
    char *p = forms_pointer_append(&r->cat->mem, ptr, kw, name, name_len);

    if (p == NULL)
        return nomem(r);
    return walk(r, s, base, p);
}

/* The keywords whose values are schemas (the applicators and "$defs"); an "$id" anywhere else,
 * in "enum" or in an unknown keyword, is data and names nothing. */
static const char *const one_schema[] = {
    "additionalProperties",
    "propertyNames",
    "items",
    "contains",
    "not",
    "if",
    "then",
    "else",
    "unevaluatedItems",
    "unevaluatedProperties",
};
static const char *const schema_maps[] = {"properties", "patternProperties", "dependentSchemas",
                                          "$defs"};
static const char *const schema_lists[] = {"prefixItems", "allOf", "anyOf", "oneOf"};

static bool
walk(struct reg *r, const json_t *s, const char *base, const char *ptr)
{
    const json_t *id, *anchor, *v;
    size_t i;

    /* Booleans are shared singletons in jansson and carry no identifiers. */
    if (!json_is_object(s))
        return true;
    /* The document's own "$id" was resolved and registered by forms_catalogue_add. */
    id = s != r->root ? json_object_get(s, "$id") : NULL;
    if (id != NULL) {
        char *abs;
        const char *u;

        if (!json_is_string(id)) {
            r->st = forms_fail(r->err, FORMS_ESCHEMA, "%s#%s: \"$id\" must be a string", base, ptr);
            return false;
        }
        abs = forms_uri_resolve(base, json_string_value(id));
        if (abs == NULL)
            return nomem(r);
        if (!strip_empty_fragment(abs)) {
            r->st = forms_fail(r->err, FORMS_ESCHEMA,
                               "%s#%s: \"$id\" \"%s\" has a fragment; use \"$anchor\" to name a "
                               "place inside a schema",
                               base, ptr, json_string_value(id));
            free(abs);
            return false;
        }
        u = forms_arena_strndup(&r->cat->mem, abs, strlen(abs));
        free(abs);
        if (u == NULL)
            return nomem(r);
        if (!push_id(r, u, s))
            return false;
        base = u;
        ptr = "";
    }
    anchor = json_object_get(s, "$anchor");
    if (anchor != NULL) {
        char *u;

        if (!json_is_string(anchor) || !anchor_ok(json_string_value(anchor))) {
            r->st = forms_fail(r->err, FORMS_ESCHEMA,
                               "%s#%s: \"$anchor\" must be a name that starts with a letter or "
                               "'_' and holds only letters, digits, '-', '.' and '_'",
                               base, ptr);
            return false;
        }
        u = forms_arena_printf(&r->cat->mem, "%s#%s", base, json_string_value(anchor));
        if (u == NULL)
            return nomem(r);
        if (!push_id(r, u, s))
            return false;
    }
    if (!push_loc(r, s, base, ptr))
        return false;

    for (i = 0; i < sizeof one_schema / sizeof one_schema[0]; i++) {
        v = json_object_get(s, one_schema[i]);
        if (v != NULL && !walk_child(r, v, base, ptr, one_schema[i], NULL, 0))
            return false;
    }
    for (i = 0; i < sizeof schema_maps / sizeof schema_maps[0]; i++) {
        json_t *m = json_object_get(s, schema_maps[i]);
        void *it;

        if (!json_is_object(m))
            continue;
        for (it = json_object_iter(m); it != NULL; it = json_object_iter_next(m, it)) {
            if (!walk_child(r, json_object_iter_value(it), base, ptr, schema_maps[i],
                            json_object_iter_key(it), json_object_iter_key_len(it)))
                return false;
        }
    }
    for (i = 0; i < sizeof schema_lists / sizeof schema_lists[0]; i++) {
        const json_t *a = json_object_get(s, schema_lists[i]);
        size_t k;

        if (!json_is_array(a))
            continue;
        for (k = 0; k < json_array_size(a); k++) {
            char idx[24];

            snprintf(idx, sizeof idx, "%zu", k);
            if (!walk_child(r, json_array_get(a, k), base, ptr, schema_lists[i], idx, strlen(idx)))
                return false;
        }
    }
    return true;
}

enum forms_status
forms_catalogue_add(struct forms_catalogue *cat, json_t *doc, const char *base_uri,
                    struct forms_err *err)
{
    struct reg r = {.cat = cat, .err = err, .st = FORMS_OK};
    json_t *copy = NULL;
    const json_t *id;
    char *uri = NULL;
    const char *u;
    size_t i;

    if (!json_is_object(doc) && !json_is_boolean(doc)) {
        r.st = forms_fail(err, FORMS_ESCHEMA, "a schema must be a JSON object or a boolean, not %s",
                          json_is_array(doc)    ? "an array"
                          : json_is_string(doc) ? "a string"
                          : json_is_number(doc) ? "a number"
                                                : "null");
        goto out;
    }
    if (base_uri != NULL && !forms_uri_is_absolute(base_uri)) {
        r.st = forms_fail(err, FORMS_ESCHEMA,
                          "the base URI \"%s\" is not absolute (it needs a scheme such as urn:)",
                          base_uri);
        goto out;
    }
    id = json_is_object(doc) ? json_object_get(doc, "$id") : NULL;
    if (id != NULL) {
        if (!json_is_string(id)) {
            r.st = forms_fail(err, FORMS_ESCHEMA, "the schema's \"$id\" must be a string");
            goto out;
        }
        uri = forms_uri_resolve(base_uri, json_string_value(id));
        if (uri == NULL && base_uri != NULL) {
            nomem(&r);
            goto out;
        }
        if (uri == NULL || !forms_uri_is_absolute(uri)) {
            r.st = forms_fail(err, FORMS_ESCHEMA,
                              "the schema's \"$id\" \"%s\" is not an absolute URI and no base "
                              "URI was given",
                              json_string_value(id));
            goto out;
        }
        if (!strip_empty_fragment(uri)) {
            r.st = forms_fail(err, FORMS_ESCHEMA,
                              "the schema's \"$id\" \"%s\" has a fragment; an \"$id\" may not",
                              json_string_value(id));
            goto out;
        }
    } else if (base_uri != NULL) {
        uri = strdup(base_uri);
        if (uri == NULL) {
            nomem(&r);
            goto out;
        }
        if (!strip_empty_fragment(uri)) {
            r.st = forms_fail(err, FORMS_ESCHEMA, "the base URI \"%s\" has a fragment", base_uri);
            goto out;
        }
    } else {
        r.st = forms_fail(err, FORMS_ESCHEMA,
                          "the schema has no \"$id\"; give it one or pass a base URI");
        goto out;
    }

    /* A private copy: the caller may change or free its document, and every schema object in
     * the catalogue must be a distinct json_t, because compiled nodes are found by address. */
    copy = json_deep_copy(doc);
    if (copy == NULL) {
        nomem(&r);
        goto out;
    }
    u = forms_arena_strndup(&cat->mem, uri, strlen(uri));
    if (u == NULL) {
        nomem(&r);
        goto out;
    }
    r.root = copy;
    if (!push_id(&r, u, copy))
        goto out;
    if (!walk(&r, copy, u, ""))
        goto out;

    if (cat->ndocs == cat->capdocs) {
        size_t cap = cat->capdocs ? cat->capdocs * 2 : 8;
        struct doc *d = realloc(cat->docs, cap * sizeof *d);

        if (d == NULL) {
            nomem(&r);
            goto out;
        }
        cat->docs = d;
        cat->capdocs = cap;
    }
    /* Commit. Map insertions can still run out of memory; undo them by hand if so. */
    for (i = 0; i < r.p.nids; i++) {
        if (forms_map_put(&cat->ids, r.p.ids[i].uri, (void *)r.p.ids[i].json) != 0) {
            while (i-- > 0)
                forms_map_put(&cat->ids, r.p.ids[i].uri, NULL);
            nomem(&r);
            goto out;
        }
    }
    for (i = 0; i < r.p.nlocs; i++) {
        if (forms_map_put(&cat->locs, r.p.locs[i]->json, r.p.locs[i]) != 0) {
            size_t k;

            for (k = 0; k < r.p.nids; k++)
                forms_map_put(&cat->ids, r.p.ids[k].uri, NULL);
            while (i-- > 0)
                forms_map_put(&cat->locs, r.p.locs[i]->json, NULL);
            nomem(&r);
            goto out;
        }
    }
    cat->docs[cat->ndocs].json = copy;
    cat->docs[cat->ndocs].uri = uri;
    cat->docs[cat->ndocs].root = NULL;
    cat->docs[cat->ndocs].compiled = false;
    cat->ndocs++;
    copy = NULL;
    uri = NULL;
out:
    free(r.p.ids);
    free(r.p.locs);
    json_decref(copy);
    free(uri);
    return r.st;
}

/* Puts "prefix: " in front of err's text, cutting the end if it no longer fits. */
static void
prefix_err(struct forms_err *err, const char *prefix)
{
    size_t room = sizeof err->text - 1, plen = strlen(prefix), tlen = strlen(err->text);

    if (plen + 2 > room)
        return;
    if (tlen > room - plen - 2)
        tlen = room - plen - 2;
    memmove(err->text + plen + 2, err->text, tlen);
    memcpy(err->text, prefix, plen);
    err->text[plen] = ':';
    err->text[plen + 1] = ' ';
    err->text[plen + 2 + tlen] = '\0';
}

enum forms_status
forms_catalogue_add_file(struct forms_catalogue *cat, const char *path, struct forms_err *err)
{
    enum forms_status st;
    json_t *doc = NULL;
    char *base = NULL;

    st = forms_parse_file(path, NULL, &doc, err);
    if (st != FORMS_OK)
        goto out;
    /* A file without "$id" is named by a file: URI of its absolute path. */
    if (strcmp(path, "-") != 0) {
        struct sb b = {0};
        char cwd[4096];

        forms_sb_puts(&b, "file://");
        if (path[0] != '/' && getcwd(cwd, sizeof cwd) != NULL) {
            forms_sb_puts(&b, cwd);
            forms_sb_putc(&b, '/');
        }
        forms_sb_puts(&b, path);
        base = forms_sb_take(&b);
    }
    st = forms_catalogue_add(cat, doc, base, err);
out:
    if (st != FORMS_OK && err != NULL)
        prefix_err(err, path);
    json_decref(doc);
    free(base);
    return st;
}

enum forms_status
forms_catalogue_add_builtin(struct forms_catalogue *cat, struct forms_err *err)
{
    const struct forms_limits lim = {.max_bytes = BUILTIN_MAX_BYTES, .max_depth = 0};
    const struct forms_builtin *b;
    enum forms_status st = FORMS_OK;

    for (b = forms_builtin; b->name != NULL; b++) {
        json_t *doc = NULL;

        st = forms_parse(b->text, b->len, &lim, &doc, err);
        if (st == FORMS_OK) {
            if (json_object_get(doc, "$id") == NULL)
                st = forms_fail(err, FORMS_ESCHEMA, "has no \"$id\"");
            else
                st = forms_catalogue_add(cat, doc, NULL, err);
        }
        json_decref(doc);
        if (st != FORMS_OK) {
            if (err != NULL) {
                char prefix[256];

                snprintf(prefix, sizeof prefix, "built-in catalogue file %s", b->name);
                prefix_err(err, prefix);
            }
            break;
        }
    }
    return st;
}

enum forms_status
forms_catalogue_compile(struct forms_catalogue *cat, struct forms_err *err)
{
    return forms_compile_round(cat, err);
}

/* The compiled node for a schema json value found by URI; NULL when it has none. */
static const struct forms_schema *
node_of(const struct forms_catalogue *cat, const json_t *j, const char *docuri)
{
    const struct loc *l;
    size_t i;

    if (json_is_object(j)) {
        l = forms_map_get(&cat->locs, j);
        return l != NULL ? l->node : NULL;
    }
    /* a boolean document: only its root is addressable */
    for (i = 0; docuri != NULL && i < cat->ndocs; i++)
        if (strcmp(cat->docs[i].uri, docuri) == 0 && cat->docs[i].json == j)
            return cat->docs[i].root;
    return NULL;
}

const struct forms_schema *
forms_catalogue_find(const struct forms_catalogue *cat, const char *uri)
{
    const struct forms_schema *found = NULL;
    const char *hash;
    char *base = NULL;
    char *frag = NULL;
    json_t *res;

    if (cat == NULL || uri == NULL)
        return NULL;
    hash = strchr(uri, '#');
    base = strndup(uri, hash != NULL ? (size_t)(hash - uri) : strlen(uri));
    if (base == NULL)
        goto out;
    if (hash == NULL || hash[1] == '\0') {
        res = forms_map_get(&cat->ids, base);
        if (res != NULL)
            found = node_of(cat, res, base);
    } else if (hash[1] == '/') {
        res = forms_map_get(&cat->ids, base);
        frag = forms_uri_pct_decode(hash + 1, strlen(hash + 1));
        if (res != NULL && frag != NULL) {
            json_t *j = forms_pointer_get(res, frag);

            if (j != NULL)
                found = node_of(cat, j, NULL);
        }
    } else {
        res = forms_map_get(&cat->ids, uri);
        if (res != NULL)
            found = node_of(cat, res, NULL);
    }
out:
    free(base);
    free(frag);
    return found;
}

size_t
forms_catalogue_count(const struct forms_catalogue *cat)
{
    return cat != NULL ? cat->ndocs : 0;
}

const char *
forms_catalogue_id(const struct forms_catalogue *cat, size_t i)
{
    if (cat == NULL || i >= cat->ndocs)
        return NULL;
    return cat->docs[i].uri;
}

enum forms_status
forms_schema_for(const struct forms_catalogue *cat, const json_t *instance,
                 const struct forms_schema **out, struct forms_err *err)
{
    const json_t *name;
    const struct forms_schema *s;

    if (!json_is_object(instance))
        return forms_fail(err, FORMS_EINVALID,
                          "the form is not a JSON object, so it cannot name its schema");
    name = json_object_get(instance, "$schema");
    if (name == NULL)
        return forms_fail(err, FORMS_EINVALID,
                          "the form has no \"$schema\" member naming the form type it fills in");
    if (!json_is_string(name))
        return forms_fail(err, FORMS_EINVALID,
                          "the form's \"$schema\" member must be a string (a catalogue URI)");
    s = forms_catalogue_find(cat, json_string_value(name));
    if (s == NULL)
        return forms_fail(err, FORMS_ENOTFOUND,
                          "the form names the schema \"%s\", which is not in the catalogue",
                          json_string_value(name));
    *out = s;
    return FORMS_OK;
}

const json_t *
forms_schema_json(const struct forms_schema *s)
{
    return s->json;
}

#define FORMS_REF_HOPS 32

const json_t *
forms_schema_deref(const struct forms_catalogue *cat, const json_t *schema)
{
    const char *ref = json_string_value(json_object_get(schema, "$ref"));
    const struct forms_schema *s;
    const char *hash;
    char base[256];
    size_t len;
    int defs;

    if (cat == NULL || ref == NULL)
        return NULL;
    hash = strchr(ref, '#');
    len = hash != NULL ? (size_t)(hash - ref) : strlen(ref);
    defs = hash != NULL && strncmp(hash, "#/$defs/", 8) == 0 && strpbrk(hash + 8, "/~%") == NULL;
    /* The catalogue's own refs: "URI" or "URI#/$defs/NAME", looked up without a copy on the
     * heap; anything else as forms_catalogue_find reads it. */
    if (len == 0 || len >= sizeof base || (hash != NULL && hash[1] != '\0' && !defs)) {
        s = forms_catalogue_find(cat, ref);
        return s != NULL ? forms_schema_json(s) : NULL;
    }
    memcpy(base, ref, len);
    base[len] = '\0';
    s = forms_catalogue_find(cat, base);
    if (s == NULL)
        return NULL;
    if (hash == NULL || hash[1] == '\0')
        return forms_schema_json(s);
    return json_object_get(json_object_get(forms_schema_json(s), "$defs"), hash + 8);
}

const json_t *
forms_schema_keyword(const struct forms_catalogue *cat, const json_t *schema, const char *name)
{
    const json_t *v;
    int hops;

    for (hops = 0; schema != NULL && hops < FORMS_REF_HOPS; hops++) {
        v = json_object_get(schema, name);
        if (v != NULL)
            return v;
        schema = forms_schema_deref(cat, schema);
    }
    return NULL;
}

const char *
forms_schema_label(const struct forms_catalogue *cat, const json_t *schema, enum forms_lang lang,
                   const char *fallback)
{
    const char *nl = json_string_value(forms_schema_keyword(cat, schema, "title"));
    const char *en =
        json_string_value(json_object_get(forms_schema_keyword(cat, schema, "x-en"), "title"));

    if (lang == FORMS_LANG_EN && en != NULL)
        return en;
    return nl != NULL ? nl : (en != NULL ? en : fallback);
}

const char *
forms_schema_uri(const struct forms_schema *s)
{
    return s->uri;
}
