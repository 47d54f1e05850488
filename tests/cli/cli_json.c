/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * Reads JSON for the CLI test script, which has no JSON parser of its own: the examples'
 * expected.json and 'baton validate --json' reports, printed as tab-separated lines that the
 * script can match with grep and awk.
 *
 *   cli_json expected EXPECTED.json   FILE\tKEYWORD\tINSTANCE-LOCATION, one line per entry
 *                                     (the location last, since it may be empty)
 *   cli_json report REPORT.json       FILE\tvalid\ttrue|false
 *                                     FILE\tschema\tURI
 *                                     FILE\terror\tINSTANCE-LOCATION\tKEYWORD-LOCATION\tABSOLUTE
 *                                     FILE\tunusable\tSTATUS\tLINE:COLUMN
 *
 * A report that does not follow the documented shape (an array of objects with "file" and
 * "valid", each error with the four strings of the "basic" output format) fails with a message.
 * Exit status: 0 done, 1 the JSON is not what it should be, 2 bad usage or unreadable file.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

static int
bad(const char *what, const char *where)
{
    fprintf(stderr, "cli_json: %s: %s\n", where, what);
    return 1;
}

static int
expected(const char *path)
{
    json_error_t jerr;
    json_t *doc, *entry;
    const char *name, *loc, *kw;
    int rc = 1;

    doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL) {
        fprintf(stderr, "cli_json: %s:%d:%d: %s\n", path, jerr.line, jerr.column, jerr.text);
        return 2;
    }
    if (!json_is_object(doc) || json_object_size(doc) == 0) {
        rc = bad("expected a non-empty object mapping file names to expectations", path);
        goto out;
    }
    json_object_foreach (doc, name, entry) {
        loc = json_string_value(json_object_get(entry, "instanceLocation"));
        kw = json_string_value(json_object_get(entry, "keyword"));
        if (loc == NULL || kw == NULL) {
            fprintf(stderr, "cli_json: %s: entry \"%s\" lacks instanceLocation or keyword\n", path,
                    name);
            goto out;
        }
        printf("%s\t%s\t%s\n", name, kw, loc);
    }
    rc = 0;
out:
    json_decref(doc);
    return rc;
}

static int
report_error(const char *file, const json_t *e, const char *path)
{
    static const char *const members[] = {"instanceLocation", "keywordLocation",
                                          "absoluteKeywordLocation", "error"};
    const char *v[4];
    size_t i;

    for (i = 0; i < 4; i++) {
        v[i] = json_string_value(json_object_get(e, members[i]));
        if (v[i] == NULL) {
            fprintf(stderr, "cli_json: %s: an error of \"%s\" has no string \"%s\"\n", path, file,
                    members[i]);
            return 1;
        }
    }
    printf("%s\terror\t%s\t%s\t%s\n", file, v[0], v[1], v[2]);
    return 0;
}

static int
report(const char *path)
{
    json_error_t jerr;
    json_t *doc, *entry, *errors, *valid, *unusable, *e;
    const char *file, *schema, *status;
    size_t i, j;
    int rc = 1;

    doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL) {
        fprintf(stderr, "cli_json: %s:%d:%d: not JSON: %s\n", path, jerr.line, jerr.column,
                jerr.text);
        return 1;
    }
    if (!json_is_array(doc)) {
        rc = bad("the report is not a JSON array", path);
        goto out;
    }
    json_array_foreach (doc, i, entry) {
        file = json_string_value(json_object_get(entry, "file"));
        valid = json_object_get(entry, "valid");
        if (file == NULL || !json_is_boolean(valid)) {
            rc = bad("an entry lacks a string \"file\" or a boolean \"valid\"", path);
            goto out;
        }
        printf("%s\tvalid\t%s\n", file, json_is_true(valid) ? "true" : "false");
        schema = json_string_value(json_object_get(entry, "schema"));
        if (schema != NULL)
            printf("%s\tschema\t%s\n", file, schema);
        unusable = json_object_get(entry, "unusable");
        if (unusable != NULL) {
            status = json_string_value(json_object_get(unusable, "status"));
            printf("%s\tunusable\t%s\t%d:%d\n", file, status != NULL ? status : "",
                   (int)json_integer_value(json_object_get(unusable, "line")),
                   (int)json_integer_value(json_object_get(unusable, "column")));
            continue;
        }
        errors = json_object_get(entry, "errors");
        if (json_is_false(valid) && json_array_size(errors) == 0) {
            fprintf(stderr, "cli_json: %s: \"%s\" is not valid but has no errors\n", path, file);
            goto out;
        }
        json_array_foreach (errors, j, e) {
            if (report_error(file, e, path) != 0)
                goto out;
        }
    }
    rc = 0;
out:
    json_decref(doc);
    return rc;
}

int
main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "expected") == 0)
        return expected(argv[2]);
    if (argc == 3 && strcmp(argv[1], "report") == 0)
        return report(argv[2]);
    fputs("usage: cli_json expected EXPECTED.json | cli_json report REPORT.json\n", stderr);
    return 2;
}
