/* SPDX-License-Identifier: EUPL-1.2 */
/* The form catalogue: examples pass or fail exactly as documented, and every field is labelled. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "forms.h"

#define CATALOGUE_DIR BATON_SOURCE_DIR "/forms/catalogue"
#define VALID_DIR BATON_SOURCE_DIR "/forms/examples/valid"
#define INVALID_DIR BATON_SOURCE_DIR "/forms/examples/invalid"
#define EXPECTED_FILE "expected.json"

/* The data categories of CATALOGUE.md; consent records name the same ones. */
static const char *const categories[] = {
    "identity", "contact", "education", "work", "support", "health", "benefit", "bsn",
};
#define NCATEGORIES (sizeof categories / sizeof categories[0])

/* A catalogue has at most a few dozen documents and examples; more is a sign of a stray file. */
#define MAX_FILES 256
/* Room for the longest schema path a message names ("x.schema.json#/properties/a/items/..."). */
#define PATH_MAX_LEN 1024

struct file_list {
    size_t n;
    char *name[MAX_FILES];
};

static int
compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
same(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static bool
ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The names of the *.json files in dir, sorted, without "skip" (may be NULL). */
static void
list_json(const char *dir, const char *skip, struct file_list *out)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    if (d == NULL)
        fail_msg("cannot open %s", dir);
    out->n = 0;
    while ((e = readdir(d)) != NULL) {
        if (!ends_with(e->d_name, ".json") || (skip != NULL && strcmp(e->d_name, skip) == 0))
            continue;
        if (out->n == MAX_FILES)
            fail_msg("more than %d files in %s", MAX_FILES, dir);
        out->name[out->n] = strdup(e->d_name);
        assert_non_null(out->name[out->n]);
        out->n++;
    }
    closedir(d);
    qsort(out->name, out->n, sizeof out->name[0], compare_names);
}

static void
free_list(struct file_list *l)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        free(l->name[i]);
    l->n = 0;
}

static json_t *
parse_in(const char *dir, const char *name)
{
    char path[PATH_MAX_LEN];
    struct forms_err err = {0};
    json_t *doc = NULL;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (forms_parse_file(path, NULL, &doc, &err) != FORMS_OK)
        fail_msg("%s: %s (line %d, column %d)", path, err.text, err.line, err.column);
    return doc;
}

static int
setup_catalogue(void **state)
{
    struct forms_options opt = {.format_assertion = true};
    struct forms_catalogue *cat = NULL;
    struct forms_err err = {0};

    if (forms_catalogue_new(&opt, &cat, &err) != FORMS_OK ||
        forms_catalogue_add_builtin(cat, &err) != FORMS_OK ||
        forms_catalogue_compile(cat, &err) != FORMS_OK) {
        print_error("the built-in catalogue does not compile: %s\n", err.text);
        forms_catalogue_free(cat);
        return -1;
    }
    *state = cat;
    return 0;
}

static int
teardown_catalogue(void **state)
{
    forms_catalogue_free(*state);
    return 0;
}

/* Every file in forms/catalogue is built in under its "$id", and nothing else is. */
static void
builtin_catalogue_is_the_catalogue_folder(void **state)
{
    const struct forms_catalogue *cat = *state;
    struct file_list files;
    size_t i;

    list_json(CATALOGUE_DIR, NULL, &files);
    assert_true(files.n >= 8); /* five forms, the shared definitions, directory, covenant */
    for (i = 0; i < files.n; i++) {
        json_t *doc = parse_in(CATALOGUE_DIR, files.name[i]);
        const char *id = json_string_value(json_object_get(doc, "$id"));

        if (!ends_with(files.name[i], ".schema.json"))
            fail_msg("%s: catalogue files are named <name>.schema.json", files.name[i]);
        if (id == NULL)
            fail_msg("%s: no \"$id\"", files.name[i]);
        if (forms_catalogue_find(cat, id) == NULL)
            fail_msg("%s: \"%s\" is not in the built-in catalogue", files.name[i], id);
        json_decref(doc);
    }
    assert_int_equal(forms_catalogue_count(cat), files.n);
    free_list(&files);
}

static void
print_errors(const char *name, const struct forms_result *res)
{
    size_t i;

    for (i = 0; i < res->count; i++)
        print_error("%s: at \"%s\" (%s, %s): %s\n", name, res->errors[i].instance_location,
                    res->errors[i].keyword, res->errors[i].keyword_location,
                    res->errors[i].message[FORMS_LANG_EN]);
}

static void
valid_examples_validate(void **state)
{
    const struct forms_catalogue *cat = *state;
    struct file_list files;
    size_t i;
    int failures = 0;

    list_json(VALID_DIR, NULL, &files);
    assert_true(files.n >= 7); /* one per form, the directory and the covenant */
    for (i = 0; i < files.n; i++) {
        json_t *inst = parse_in(VALID_DIR, files.name[i]);
        const struct forms_schema *s = NULL;
        struct forms_result res = {0};
        struct forms_err err = {0};
        bool ok;

        if (forms_schema_for(cat, inst, &s, &err) != FORMS_OK)
            fail_msg("valid/%s: %s", files.name[i], err.text);
        ok = forms_validate(s, inst, &res, &err) == FORMS_OK;
        if (!ok) {
            print_errors(files.name[i], &res);
            failures++;
        }
        if (forms_valid(s, inst) != ok) {
            print_error("valid/%s: forms_valid() disagrees with forms_validate()\n", files.name[i]);
            failures++;
        }
        forms_result_clear(&res);
        json_decref(inst);
    }
    free_list(&files);
    assert_int_equal(failures, 0);
}

/* True when pointer a is b or one of its ancestors ("" is the ancestor of everything). */
static bool
is_ancestor_or_self(const char *a, const char *b)
{
    size_t n = strlen(a);

    return strncmp(a, b, n) == 0 && (b[n] == '\0' || b[n] == '/');
}

/* Each invalid example breaks exactly one rule: validation fails with the documented keyword at the
 * documented place, says so in Dutch and English, and reports nothing anywhere else in the form
 * (errors of enclosing keywords such as "if" or "$ref" sit at ancestors of that place). */
static void
invalid_examples_fail_as_documented(void **state)
{
    const struct forms_catalogue *cat = *state;
    struct file_list files;
    json_t *expected = parse_in(INVALID_DIR, EXPECTED_FILE);
    void *it;
    size_t i, j;
    int failures = 0;

    list_json(INVALID_DIR, EXPECTED_FILE, &files);
    assert_true(json_is_object(expected));
    assert_true(files.n >= 20);
    for (i = 0; i < files.n; i++)
        if (json_object_get(expected, files.name[i]) == NULL) {
            print_error("invalid/%s has no entry in %s\n", files.name[i], EXPECTED_FILE);
            failures++;
        }
    for (it = json_object_iter(expected); it != NULL; it = json_object_iter_next(expected, it)) {
        bool found = false;

        for (i = 0; i < files.n && !found; i++)
            found = strcmp(files.name[i], json_object_iter_key(it)) == 0;
        if (!found) {
            print_error("%s names %s, which is not in invalid/\n", EXPECTED_FILE,
                        json_object_iter_key(it));
            failures++;
        }
    }

    for (i = 0; i < files.n; i++) {
        const json_t *want = json_object_get(expected, files.name[i]);
        const char *loc = json_string_value(json_object_get(want, "instanceLocation"));
        const char *kw = json_string_value(json_object_get(want, "keyword"));
        json_t *inst;
        const struct forms_schema *s = NULL;
        const struct forms_error *hit = NULL;
        struct forms_result res = {0};
        struct forms_err err = {0};
        bool stray = false;

        if (want == NULL)
            continue; /* reported above */
        if (loc == NULL || kw == NULL)
            fail_msg("%s: the entry for %s needs instanceLocation and keyword", EXPECTED_FILE,
                     files.name[i]);
        inst = parse_in(INVALID_DIR, files.name[i]);
        if (forms_schema_for(cat, inst, &s, &err) != FORMS_OK)
            fail_msg("invalid/%s: %s", files.name[i], err.text);
        if (forms_validate(s, inst, &res, &err) != FORMS_EINVALID || forms_valid(s, inst)) {
            print_error("invalid/%s: passes validation\n", files.name[i]);
            failures++;
        }
        for (j = 0; j < res.count; j++) {
            const struct forms_error *e = &res.errors[j];

            if (hit == NULL && strcmp(e->instance_location, loc) == 0 &&
                strcmp(e->keyword, kw) == 0)
                hit = e;
            else if (!is_ancestor_or_self(e->instance_location, loc))
                stray = true;
        }
        if (hit == NULL || stray) {
            print_error("invalid/%s: want %s at \"%s\"%s; got:\n", files.name[i], kw, loc,
                        stray ? " and nothing elsewhere" : "");
            print_errors(files.name[i], &res);
            failures++;
        } else if (hit->message[FORMS_LANG_NL] == NULL || hit->message[FORMS_LANG_NL][0] == '\0' ||
                   hit->message[FORMS_LANG_EN] == NULL || hit->message[FORMS_LANG_EN][0] == '\0') {
            print_error("invalid/%s: the message is missing in Dutch or English\n", files.name[i]);
            failures++;
        }
        forms_result_clear(&res);
        json_decref(inst);
    }
    free_list(&files);
    json_decref(expected);
    assert_int_equal(failures, 0);
}

static bool
nonempty(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s != NULL && s[0] != '\0';
}

static bool
known_category(const json_t *v)
{
    const char *s = json_string_value(v);
    size_t i;

    for (i = 0; s != NULL && i < NCATEGORIES; i++)
        if (strcmp(s, categories[i]) == 0)
            return true;
    return false;
}

/* Labels of one field (or definition): Dutch title and description, the same in "x-en", and for
 * the forms' fields a data category. */
static int
check_labels(const json_t *s, const char *path, bool with_category)
{
    const json_t *en = json_object_get(s, "x-en");
    int bad = 0;

    if (!nonempty(s, "title") || !nonempty(s, "description")) {
        print_error("%s: no Dutch title or description\n", path);
        bad++;
    }
    if (!json_is_object(en) || !nonempty(en, "title") || !nonempty(en, "description")) {
        print_error("%s: no x-en title or description\n", path);
        bad++;
    }
    if (with_category && !known_category(json_object_get(s, "x-category"))) {
        print_error("%s: x-category missing or not one of the catalogue's categories\n", path);
        bad++;
    }
    return bad;
}

/*
 * Walks the fields of a schema: "properties" at every level, "$defs", "items", "prefixItems" and
 * schema-valued "additionalProperties". It does not enter if/then/else, allOf/anyOf/oneOf, not,
 * contains or dependentSchemas: in this catalogue they only restate conditions on fields declared
 * in "properties", and every object is closed, so a field cannot be declared anywhere else.
 */
static int
walk(const json_t *s, const char *path, bool with_category)
{
    char sub[PATH_MAX_LEN];
    json_t *map;
    void *it;
    const json_t *v;
    size_t i;
    int bad = 0;

    if (!json_is_object(s))
        return 0;
    map = json_object_get(s, "properties");
    for (it = json_object_iter(map); it != NULL; it = json_object_iter_next(map, it)) {
        snprintf(sub, sizeof sub, "%s/properties/%s", path, json_object_iter_key(it));
        bad += check_labels(json_object_iter_value(it), sub, with_category);
        bad += walk(json_object_iter_value(it), sub, with_category);
    }
    map = json_object_get(s, "$defs");
    for (it = json_object_iter(map); it != NULL; it = json_object_iter_next(map, it)) {
        snprintf(sub, sizeof sub, "%s/$defs/%s", path, json_object_iter_key(it));
        bad += check_labels(json_object_iter_value(it), sub, false);
        bad += walk(json_object_iter_value(it), sub, with_category);
    }
    v = json_object_get(s, "additionalProperties");
    if (json_is_object(v)) {
        snprintf(sub, sizeof sub, "%s/additionalProperties", path);
        bad += check_labels(v, sub, with_category);
        bad += walk(v, sub, with_category);
    }
    snprintf(sub, sizeof sub, "%s/items", path);
    bad += walk(json_object_get(s, "items"), sub, with_category);
    v = json_object_get(s, "prefixItems");
    for (i = 0; i < json_array_size(v); i++) {
        snprintf(sub, sizeof sub, "%s/prefixItems/%zu", path, i);
        bad += walk(json_array_get(v, i), sub, with_category);
    }
    return bad;
}

static bool
starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void
every_field_is_labelled(void **state)
{
    const struct forms_catalogue *cat = *state;
    size_t i, n = forms_catalogue_count(cat);
    int bad = 0;

    for (i = 0; i < n; i++) {
        const char *id = forms_catalogue_id(cat, i);
        const struct forms_schema *s = forms_catalogue_find(cat, id);
        const json_t *doc;
        /* The forms and the definitions they share carry data categories; the directory and the
         * covenant describe organisations, not young people. */
        bool form = starts_with(id, "urn:baton:form:");
        bool with_category = form || strcmp(id, "urn:baton:defs:1") == 0;

        assert_non_null(s);
        doc = forms_schema_json(s);
        bad += check_labels(doc, id, false);
        if (form) {
            const json_t *member = json_object_get(json_object_get(doc, "properties"), "$schema");
            const json_t *req = json_object_get(doc, "required");
            size_t k;
            bool required = false;

            for (k = 0; k < json_array_size(req); k++) {
                const char *r = json_string_value(json_array_get(req, k));

                required |= r != NULL && strcmp(r, "$schema") == 0;
            }
            if (!required || !json_is_string(json_object_get(member, "const")) ||
                strcmp(json_string_value(json_object_get(member, "const")), id) != 0) {
                print_error("%s: must require \"$schema\" with its own $id as const\n", id);
                bad++;
            }
            if (!json_is_false(json_object_get(doc, "additionalProperties"))) {
                print_error("%s: the form is not closed (additionalProperties: false)\n", id);
                bad++;
            }
        }
        bad += walk(doc, id, with_category);
    }
    assert_int_equal(bad, 0);
}

/* A consent names the categories that a form's fields carry, so both lists must be the same. */
static void
consent_categories_match_field_categories(void **state)
{
    const struct forms_catalogue *cat = *state;
    const struct forms_schema *s = forms_catalogue_find(cat, "urn:baton:form:consent-record:1");
    const json_t *list;
    size_t i;

    assert_non_null(s);
    list = json_object_get(
        json_object_get(
            json_object_get(json_object_get(forms_schema_json(s), "properties"), "data_categories"),
            "items"),
        "enum");
    assert_int_equal(json_array_size(list), NCATEGORIES);
    for (i = 0; i < json_array_size(list); i++)
        assert_string_equal(json_string_value(json_array_get(list, i)), categories[i]);
}

/* The example covenant lets every route's recipient have the form's required fields: baton strips
 * what the covenant does not allow before sending, so a missing one would fail every such form. */
static void
covenant_example_keeps_required_fields(void **state)
{
    const struct forms_catalogue *cat = *state;
    json_t *cov = parse_in(VALID_DIR, "covenant.json");
    const json_t *purposes = json_object_get(cov, "purposes");
    size_t i, j, k;
    int bad = 0, routes = 0;

    for (i = 0; i < json_array_size(purposes); i++) {
        const json_t *p = json_array_get(purposes, i);
        const json_t *rs = json_object_get(p, "routes");

        for (j = 0; j < json_array_size(rs); j++) {
            const json_t *r = json_array_get(rs, j);
            const char *form = json_string_value(json_object_get(r, "form"));
            const char *to = json_string_value(json_object_get(r, "to"));
            const json_t *allowed =
                json_object_get(json_object_get(json_object_get(p, "fields"), form), to);
            char uri[PATH_MAX_LEN];
            const struct forms_schema *s;
            const json_t *req;

            assert_non_null(form);
            assert_non_null(to);
            snprintf(uri, sizeof uri, "urn:baton:form:%s:1", form);
            s = forms_catalogue_find(cat, uri);
            assert_non_null(s);
            req = json_object_get(forms_schema_json(s), "required");
            for (k = 0; k < json_array_size(req); k++) {
                char ptr[PATH_MAX_LEN];
                size_t m;
                bool found = false;

                snprintf(ptr, sizeof ptr, "/%s", json_string_value(json_array_get(req, k)));
                for (m = 0; m < json_array_size(allowed); m++)
                    found |= same(json_string_value(json_array_get(allowed, m)), ptr);
                if (!found) {
                    print_error("covenant.json: purpose %s gives %s to %s without %s\n",
                                json_string_value(json_object_get(p, "id")), form, to, ptr);
                    bad++;
                }
            }
            routes++;
        }
    }
    json_decref(cov);
    assert_true(routes > 0);
    assert_int_equal(bad, 0);
}

/* Reading labels and keywords through "$ref": the handover's young person is a $ref to the
 * definitions, whose BSN field is a $ref to the BSN definition with its own labels. */
static void
labels_and_keywords_follow_refs(void **state)
{
    const struct forms_catalogue *cat = *state;
    const struct forms_schema *s =
        forms_catalogue_find(cat, "urn:baton:form:school-leaver-handover:1");
    const json_t *root, *yp, *props, *bsn, *def;

    assert_non_null(s);
    root = forms_schema_json(s);
    yp = json_object_get(forms_schema_keyword(cat, root, "properties"), "young_person");
    assert_non_null(yp);
    /* Its own title first, before the one its $ref leads to. */
    assert_string_equal(forms_schema_label(cat, yp, FORMS_LANG_NL, "-"), "Jongere");
    assert_string_equal(forms_schema_label(cat, yp, FORMS_LANG_EN, "-"), "Young person");
    /* Its properties are only in the definition its $ref names. */
    assert_null(json_object_get(yp, "properties"));
    def = forms_schema_deref(cat, yp);
    assert_non_null(def);
    assert_ptr_equal(def, json_object_get(json_object_get(forms_schema_json(forms_catalogue_find(
                                                              cat, "urn:baton:defs:1")),
                                                          "$defs"),
                                          "young-person"));
    props = forms_schema_keyword(cat, yp, "properties");
    assert_ptr_equal(props, json_object_get(def, "properties"));
    bsn = json_object_get(props, "bsn");
    assert_non_null(bsn);
    assert_string_equal(json_string_value(forms_schema_keyword(cat, bsn, "x-category")), "bsn");
    assert_string_equal(forms_schema_label(cat, bsn, FORMS_LANG_EN, "-"),
                        "Citizen service number (BSN)");
    /* No $ref, or one naming nothing: NULL; no label: the fallback. */
    assert_null(forms_schema_deref(cat, root));
    {
        json_t *dangling = json_pack("{s:s}", "$ref", "urn:baton:defs:1#/$defs/no-such-thing");

        assert_null(forms_schema_deref(cat, dangling));
        assert_null(forms_schema_keyword(cat, dangling, "title"));
        assert_string_equal(forms_schema_label(cat, dangling, FORMS_LANG_NL, "fallback"),
                            "fallback");
        json_decref(dangling);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(builtin_catalogue_is_the_catalogue_folder),
        cmocka_unit_test(valid_examples_validate),
        cmocka_unit_test(invalid_examples_fail_as_documented),
        cmocka_unit_test(every_field_is_labelled),
        cmocka_unit_test(consent_categories_match_field_categories),
        cmocka_unit_test(covenant_example_keeps_required_fields),
        cmocka_unit_test(labels_and_keywords_follow_refs),
    };
    return cmocka_run_group_tests(tests, setup_catalogue, teardown_catalogue);
}
