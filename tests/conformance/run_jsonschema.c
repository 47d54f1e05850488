/* SPDX-License-Identifier: EUPL-1.2 */
/* Runs the official JSON-Schema-Test-Suite (draft 2020-12) against baton's validator: every test
 * through both forms_valid() and forms_validate(), optional/format/ with format assertion on.
 *
 * usage: run_jsonschema SUITE_DIR SKIP_FILE [FILE...]   (FILEs relative to SUITE_DIR; none: all)
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "forms.h"

struct skip {
    char *file;
    char *group;
    char *reason;
    bool used;
};

struct skips {
    struct skip *v;
    size_t n;
};

struct totals {
    size_t passed, failed, skipped;
};

static char *
trim(char *s)
{
    char *e;

    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

static int
load_skips(const char *path, struct skips *sk)
{
    FILE *fp = fopen(path, "r");
    char line[1024];
    int lineno = 0;

    if (fp == NULL) {
        fprintf(stderr, "run_jsonschema: cannot open the skip list %s\n", path);
        return -1;
    }
    while (fgets(line, sizeof line, fp) != NULL) {
        char *file, *group, *reason, *bar1, *bar2, *s = trim(line);

        lineno++;
        if (*s == '\0' || *s == '#')
            continue;
        bar1 = strchr(s, '|');
        bar2 = bar1 != NULL ? strchr(bar1 + 1, '|') : NULL;
        if (bar2 == NULL) {
            fprintf(stderr, "%s:%d: expected \"file | group | reason\"\n", path, lineno);
            fclose(fp);
            return -1;
        }
        *bar1 = *bar2 = '\0';
        file = trim(s);
        group = trim(bar1 + 1);
        reason = trim(bar2 + 1);
        sk->v = realloc(sk->v, (sk->n + 1) * sizeof *sk->v);
        if (sk->v == NULL)
            abort();
        sk->v[sk->n].file = strdup(file);
        sk->v[sk->n].group = strdup(group);
        sk->v[sk->n].reason = strdup(reason);
        sk->v[sk->n].used = false;
        sk->n++;
    }
    fclose(fp);
    return 0;
}

static struct skip *
find_skip(struct skips *sk, const char *file, const char *group)
{
    size_t i;

    for (i = 0; i < sk->n; i++)
        if (strcmp(sk->v[i].file, file) == 0 && strcmp(sk->v[i].group, group) == 0)
            return &sk->v[i];
    return NULL;
}

static char *
dump(const json_t *v)
{
    char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

    if (s != NULL && strlen(s) > 200)
        strcpy(s + 197, "...");
    return s;
}

/* Checks what a user of forms_validate relies on: errors iff invalid, every error complete, and
 * the basic output agreeing. Returns a complaint or NULL. */
static const char *
check_result(enum forms_status st, const struct forms_result *res)
{
    json_t *basic;
    const char *why = NULL;
    size_t i;

    if (st == FORMS_OK && res->count != 0)
        return "forms_validate said valid but returned errors";
    if (st == FORMS_EINVALID && res->count == 0)
        return "forms_validate said invalid but returned no errors";
    for (i = 0; i < res->count; i++) {
        const struct forms_error *e = &res->errors[i];

        if (e->instance_location == NULL || e->keyword_location == NULL ||
            e->absolute_keyword_location == NULL || e->keyword == NULL ||
            e->message[FORMS_LANG_NL] == NULL || e->message[FORMS_LANG_EN] == NULL ||
            e->message[FORMS_LANG_NL][0] == '\0' || e->message[FORMS_LANG_EN][0] == '\0')
            return "an error lacks a location, keyword or message";
    }
    basic = forms_result_basic(res, FORMS_LANG_EN);
    if (basic == NULL)
        return "forms_result_basic failed";
    if (json_is_true(json_object_get(basic, "valid")) != (res->count == 0))
        why = "basic output: \"valid\" disagrees";
    else if (res->count > 0 && json_array_size(json_object_get(basic, "errors")) != res->count)
        why = "basic output: \"errors\" has the wrong length";
    json_decref(basic);
    return why;
}

static int
run_file(const char *dir, const char *rel, struct skips *sk, struct totals *tot)
{
    struct totals t = {0};
    char path[4096];
    json_error_t je;
    json_t *groups;
    size_t g, k;
    bool formats = strncmp(rel, "optional/format/", 16) == 0;

    snprintf(path, sizeof path, "%s/%s", dir, rel);
    /* JSON_ALLOW_NUL: the suite tests strings with embedded NUL characters */
    groups = json_load_file(path, JSON_ALLOW_NUL | JSON_DECODE_ANY, &je);
    if (!json_is_array(groups)) {
        fprintf(stderr,
                "run_jsonschema: cannot load %s: %s (line %d)\n"
                "  The JSON-Schema-Test-Suite is expected in %s; without it nothing is tested.\n",
                path, je.text, je.line, dir);
        json_decref(groups);
        tot->failed++;
        return 1;
    }
    for (g = 0; g < json_array_size(groups); g++) {
        const json_t *grp = json_array_get(groups, g);
        const char *desc = json_string_value(json_object_get(grp, "description"));
        json_t *schema = json_object_get(grp, "schema");
        const json_t *tests = json_object_get(grp, "tests");
        struct forms_options opt = {.format_assertion = formats};
        struct forms_catalogue *cat = NULL;
        struct forms_err err = {0};
        const struct forms_schema *s = NULL;
        struct skip *skip = find_skip(sk, rel, desc != NULL ? desc : "");
        enum forms_status st;
        char base[64];

        snprintf(base, sizeof base, "urn:baton:test:%zu", g);
        if (forms_catalogue_new(&opt, &cat, &err) != FORMS_OK) {
            fprintf(stderr, "forms_catalogue_new: %s\n", err.text);
            return 1;
        }
        st = forms_catalogue_add(cat, schema, base, &err);
        if (st == FORMS_OK)
            st = forms_catalogue_compile(cat, &err);
        if (skip != NULL) {
            skip->used = true;
            if (st == FORMS_ESCHEMA) {
                t.skipped += json_array_size(tests);
            } else {
                fprintf(stderr, "FAIL %s | %s: listed in skip.txt (%s) but compiling gave %s%s%s\n",
                        rel, desc, skip->reason, forms_status_name(st), st != FORMS_OK ? ": " : "",
                        st != FORMS_OK ? err.text : "");
                t.failed += json_array_size(tests);
            }
            forms_catalogue_free(cat);
            continue;
        }
        if (st == FORMS_OK) {
            s = forms_catalogue_find(cat, forms_catalogue_id(cat, 0));
            if (s == NULL) {
                st = FORMS_ENOTFOUND;
                snprintf(err.text, sizeof err.text, "forms_catalogue_find(%s) found nothing",
                         forms_catalogue_id(cat, 0));
            }
        }
        if (st != FORMS_OK) {
            fprintf(stderr, "FAIL %s | %s: schema refused: %s: %s\n", rel, desc,
                    forms_status_name(st), err.text);
            t.failed += json_array_size(tests);
            forms_catalogue_free(cat);
            continue;
        }
        for (k = 0; k < json_array_size(tests); k++) {
            const json_t *test = json_array_get(tests, k);
            const json_t *data = json_object_get(test, "data");
            bool expect = json_is_true(json_object_get(test, "valid"));
            struct forms_result res = {0};
            bool fast = forms_valid(s, data);
            enum forms_status vst = forms_validate(s, data, &res, &err);
            bool full = vst == FORMS_OK;
            const char *why = check_result(vst, &res);

            if (fast == expect && full == expect && (vst == FORMS_OK || vst == FORMS_EINVALID) &&
                why == NULL) {
                t.passed++;
            } else {
                char *d = dump(data);

                t.failed++;
                fprintf(stderr,
                        "FAIL %s | %s | %s\n     data %s: expected %s, forms_valid %s, "
                        "forms_validate %s%s%s\n",
                        rel, desc, json_string_value(json_object_get(test, "description")),
                        d != NULL ? d : "?", expect ? "valid" : "invalid",
                        fast ? "valid" : "invalid", forms_status_name(vst), why != NULL ? "; " : "",
                        why != NULL ? why : "");
                if (res.count > 0)
                    fprintf(stderr, "     first error: %s at %s: %s\n",
                            res.errors[0].keyword_location, res.errors[0].instance_location,
                            res.errors[0].message[FORMS_LANG_EN]);
                free(d);
            }
            forms_result_clear(&res);
        }
        forms_catalogue_free(cat);
    }
    json_decref(groups);
    printf("%-45s passed %zu, failed %zu, skipped %zu\n", rel, t.passed, t.failed, t.skipped);
    tot->passed += t.passed;
    tot->failed += t.failed;
    tot->skipped += t.skipped;
    return t.failed != 0;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The suite's files: the .json files in dir, then those in optional/format/, each sorted. */
static char **
list_files(const char *dir, size_t *n)
{
    static const char *const sub[] = {"", "optional/format/"};
    char **names = NULL;
    size_t i;

    *n = 0;
    for (i = 0; i < 2; i++) {
        char path[4096];
        size_t first = *n;
        struct dirent *de;
        DIR *d;

        snprintf(path, sizeof path, "%s/%s", dir, sub[i]);
        d = opendir(path);
        if (d == NULL)
            continue;
        while ((de = readdir(d)) != NULL) {
            size_t len = strlen(de->d_name);
            char *name;

            if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
                continue;
            name = malloc(strlen(sub[i]) + len + 1);
            if (name == NULL)
                abort();
            strcpy(name, sub[i]);
            strcat(name, de->d_name);
            names = realloc(names, (*n + 1) * sizeof *names);
            if (names == NULL)
                abort();
            names[(*n)++] = name;
        }
        closedir(d);
        qsort(names + first, *n - first, sizeof *names, cmp_str);
    }
    return names;
}

int
main(int argc, char **argv)
{
    struct skips sk = {0};
    struct totals tot = {0};
    char **files = NULL;
    size_t nfiles, i;
    bool all = argc == 3;
    int rc = 0;

    if (argc < 3) {
        fprintf(stderr, "usage: %s SUITE_DIR SKIP_FILE [FILE...]\n", argv[0]);
        return 2;
    }
    if (load_skips(argv[2], &sk) != 0)
        return 1;
    if (all) {
        files = list_files(argv[1], &nfiles);
        if (nfiles == 0) {
            fprintf(stderr,
                    "run_jsonschema: no test files in %s\n"
                    "  The JSON-Schema-Test-Suite (draft2020-12) is expected there; without it "
                    "nothing is tested.\n",
                    argv[1]);
            return 1;
        }
    } else {
        files = (char **)argv + 3;
        nfiles = (size_t)argc - 3;
    }
    for (i = 0; i < nfiles; i++)
        rc |= run_file(argv[1], files[i], &sk, &tot);

    /* a skip entry for a file that ran but matched no group is stale */
    for (i = 0; i < sk.n; i++) {
        size_t k;
        bool ran = false;

        for (k = 0; k < nfiles; k++)
            ran = ran || strcmp(files[k], sk.v[i].file) == 0;
        if (ran && !sk.v[i].used) {
            fprintf(stderr, "FAIL skip.txt: \"%s | %s\" matches no group\n", sk.v[i].file,
                    sk.v[i].group);
            rc = 1;
        }
    }
    printf("%-45s passed %zu, failed %zu, skipped %zu\n", "total", tot.passed, tot.failed,
           tot.skipped);
    if (all) {
        for (i = 0; i < nfiles; i++)
            free(files[i]);
        free(files);
    }
    for (i = 0; i < sk.n; i++) {
        free(sk.v[i].file);
        free(sk.v[i].group);
        free(sk.v[i].reason);
    }
    free(sk.v);
    return rc != 0 || tot.failed != 0;
}
