/* SPDX-License-Identifier: EUPL-1.2 */
/* 'baton validate': checks forms against the catalogue and tells a person what to fix. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

#define STDIN_NAME "<stdin>"

enum {
    OPT_SCHEMA = 1,
    OPT_LANG,
    OPT_JSON,
    OPT_LIST,
    OPT_HELP,
};

static const struct cli_option validate_options[] = {
    {"--schema", 0, true, OPT_SCHEMA}, {"--lang", 0, true, OPT_LANG},
    {"--json", 0, false, OPT_JSON},    {"--catalogue-list", 0, false, OPT_LIST},
    {"--help", 'h', false, OPT_HELP},  {NULL, 0, false, 0},
};

struct validate_run {
    struct forms_catalogue *cat;
    const struct forms_schema *forced; /* from --schema; NULL: each form's own "$schema" */
    enum forms_lang lang;
    json_t *report; /* --json: the array printed at the end; NULL for people */
};

void
cmd_validate_help(FILE *out)
{
    fputs(
        "usage: baton validate [--schema ID|FILE] [--lang nl|en] [--json] FILE...\n"
        "       baton validate --catalogue-list [--lang nl|en] [--json]\n"
        "\n"
        "Checks each FILE, a form in JSON ('-' reads standard input), against its schema in\n"
        "baton's form catalogue (JSON Schema draft 2020-12) and says, field by field, what is\n"
        "wrong. A form names its schema in its \"$schema\" member, e.g.\n"
        "  \"$schema\": \"urn:baton:form:school-leaver-handover:1\"\n"
        "\n"
        "Options:\n"
        "  --schema ID|FILE  validate against this schema instead of each form's \"$schema\":\n"
        "                    an \"$id\" from the catalogue (see --catalogue-list), or a schema\n"
        "                    file. A file is added to the catalogue (so it may refer to the\n"
        "                    catalogue's definitions) and used by its \"$id\". Formats (bsn, oin,\n"
        "                    postcode, date, date-time, time, email, uuid) are checked in it\n"
        "                    just as in the catalogue, and unknown formats are refused.\n"
        "  --lang nl|en      language of the messages about the form. Without it: English\n"
        "                    when LC_ALL, LC_MESSAGES or LANG (the first that is set) starts\n"
        "                    with \"en\", else Dutch. baton's own messages are in English.\n"
        "  --json            print one JSON array, one object per FILE in the order given: the\n"
        "                    \"basic\" output format of JSON Schema (\"valid\", and \"errors\" "
        "with\n"
        "                    \"instanceLocation\", \"keywordLocation\",\n"
        "                    \"absoluteKeywordLocation\", \"error\") plus \"file\" and "
        "\"schema\".\n"
        "                    A FILE that could not be used has \"valid\": false and an\n"
        "                    \"unusable\" object (\"status\", \"message\", and \"line\" and\n"
        "                    \"column\" for a parse error, \"hint\" when baton has one).\n"
        "  --catalogue-list  list the catalogue's schemas with their titles, and exit.\n"
        "  -h, --help        show this help.\n"
        "\n"
        "Output, on standard output, for each FILE:\n"
        "  FILE: valid (SCHEMA-ID)\n"
        "or one line per error:\n"
        "  FILE: LOCATION: MESSAGE [schema: SCHEMA-LOCATION]\n"
        "LOCATION is a JSON Pointer into the form (\"(top level)\" for the form itself);\n"
        "SCHEMA-LOCATION is the URI of the rule that failed. A FILE that cannot be used is\n"
        "reported on standard error as 'FILE: MESSAGE' or 'FILE:LINE:COLUMN: MESSAGE'.\n"
        "\n"
        "Limits: a form is UTF-8 JSON of at most 1 MiB, nested at most 64 levels deep, without\n"
        "duplicate keys.\n"
        "\n"
        "Exit status: 0 every FILE is valid; 1 at least one FILE is invalid; 2 at least one\n"
        "FILE could not be used (unreadable, not JSON, no or unknown schema) or bad usage.\n"
        "\n"
        "Examples:\n"
        "  baton validate forms/examples/valid/*.json\n"
        "  baton validate --lang en --json form.json\n"
        "  baton validate --schema my-draft-schema.json form.json\n",
        out);
}

/* The catalogue title of a schema in lang: "title" is Dutch, "x-en"."title" English. */
static const char *
schema_title(const struct forms_schema *s, enum forms_lang lang)
{
    const json_t *doc = s != NULL ? forms_schema_json(s) : NULL;
    const char *nl = json_string_value(json_object_get(doc, "title"));
    const char *en = json_string_value(json_object_get(json_object_get(doc, "x-en"), "title"));

    if (lang == FORMS_LANG_EN && en != NULL)
        return en;
    return nl != NULL ? nl : (en != NULL ? en : "");
}

/* A form type's $id to show in hints, so that the hint can be copied as it is: the handover, the
 * form most people fill in, else the first form in the catalogue. */
static const char *
example_form_id(const struct forms_catalogue *cat)
{
    static const char handover[] = "urn:baton:form:school-leaver-handover:1";
    size_t i;

    if (forms_catalogue_find(cat, handover) != NULL)
        return handover;
    for (i = 0; i < forms_catalogue_count(cat); i++)
        if (strncmp(forms_catalogue_id(cat, i), "urn:baton:form:", 15) == 0)
            return forms_catalogue_id(cat, i);
    return "urn:baton:form:NAME:1";
}

/* A JSON string for a name that may not be UTF-8 (file names are bytes): bytes outside ASCII
 * become '?' when the name as a whole is not valid UTF-8. */
static json_t *
json_name(const char *name)
{
    json_t *j = json_string(name);
    char *copy;
    size_t i;

    if (j != NULL)
        return j;
    copy = strdup(name);
    if (copy == NULL)
        return NULL;
    for (i = 0; copy[i] != '\0'; i++)
        if ((unsigned char)copy[i] >= 0x80)
            copy[i] = '?';
    j = json_string(copy);
    free(copy);
    return j;
}

/* Adds one file's entry to the --json report: "file" and "schema" first, for people reading
 * it, then the members of basic. basic is taken, also on error. */
static enum cli_exit
report_add(struct validate_run *run, json_t *basic, const char *name, const char *schema_uri)
{
    enum cli_exit rc = CLI_UNUSABLE;
    json_t *entry = json_object();

    if (entry == NULL || basic == NULL || json_object_set_new(entry, "file", json_name(name)) != 0)
        goto out;
    if (schema_uri != NULL && json_object_set_new(entry, "schema", json_string(schema_uri)) != 0)
        goto out;
    if (json_object_update(entry, basic) != 0 || json_array_append(run->report, entry) != 0)
        goto out;
    rc = CLI_OK;
out:
    if (rc != CLI_OK)
        fputs("baton validate: out of memory\n", stderr);
    json_decref(entry);
    json_decref(basic);
    return rc;
}

/* The reason without a leading "line N, column M: ", which the FILE:LINE:COLUMN prefix already
 * gives. */
static const char *
reason(const struct forms_err *err)
{
    char prefix[64];
    size_t n;

    if (err->line <= 0)
        return err->text;
    n = (size_t)snprintf(prefix, sizeof prefix, "line %d, column %d: ", err->line, err->column);
    return strncmp(err->text, prefix, n) == 0 ? err->text + n : err->text;
}

/* Tells a person that a file could not be used, on standard error. hint may be NULL. */
static void
print_unusable(const char *name, const struct forms_err *err, const char *hint)
{
    /* The reports on earlier files first, also when both streams go to one pipe. */
    fflush(stdout);
    cli_put_safe(stderr, name);
    if (err->line > 0)
        fprintf(stderr, ":%d:%d", err->line, err->column);
    fputs(": ", stderr);
    cli_put_safe(stderr, reason(err));
    if (hint != NULL) {
        fputs("\n  ", stderr);
        cli_put_safe(stderr, hint);
    }
    fputc('\n', stderr);
}

/* Tells that a file could not be used: to the person, and in the --json report. status names
 * the kind of problem for scripts; NULL: the library's name for err's status. */
static enum cli_exit
report_unusable(struct validate_run *run, const char *name, const struct forms_err *err,
                const char *status, const char *hint)
{
    json_t *entry = NULL, *why = NULL;

    print_unusable(name, err, hint);
    if (run->report == NULL)
        return CLI_UNUSABLE;
    entry = json_object();
    why = json_object();
    if (entry == NULL || why == NULL)
        goto out;
    json_object_set_new(why, "status",
                        json_string(status != NULL ? status : forms_status_name(err->status)));
    json_object_set_new(why, "message", json_name(reason(err)));
    if (err->line > 0) {
        json_object_set_new(why, "line", json_integer(err->line));
        json_object_set_new(why, "column", json_integer(err->column));
    }
    if (hint != NULL)
        json_object_set_new(why, "hint", json_name(hint));
    json_object_set_new(entry, "valid", json_false());
    json_object_set_new(entry, "unusable", why);
    why = NULL;
    report_add(run, entry, name, NULL);
    entry = NULL;
out:
    json_decref(why);
    json_decref(entry);
    return CLI_UNUSABLE;
}

static void
print_errors(const char *name, const struct forms_result *res, enum forms_lang lang)
{
    const struct forms_error *e;
    const char *msg;
    size_t i;

    for (i = 0; i < res->count; i++) {
        e = &res->errors[i];
        msg = e->message[lang] != NULL ? e->message[lang] : e->message[FORMS_LANG_NL];
        cli_put_safe(stdout, name);
        fputs(": ", stdout);
        cli_put_safe(stdout,
                     e->instance_location[0] != '\0' ? e->instance_location : "(top level)");
        fputs(": ", stdout);
        cli_put_safe(stdout, msg != NULL ? msg : e->keyword);
        fputs(" [schema: ", stdout);
        cli_put_safe(stdout, e->absolute_keyword_location);
        fputs("]\n", stdout);
    }
}

/* Picks the schema for one form: --schema's, or the one its "$schema" member names. */
static enum forms_status
pick_schema(const struct validate_run *run, const json_t *form, const struct forms_schema **out,
            struct forms_err *err, char *hint, size_t hint_size)
{
    enum forms_status st;

    if (run->forced != NULL) {
        *out = run->forced;
        return FORMS_OK;
    }
    st = forms_schema_for(run->cat, form, out, err);
    if (st == FORMS_OK)
        return st;
    if (json_is_object(form) && json_object_get(form, "$schema") == NULL)
        snprintf(hint, hint_size,
                 "Add a \"$schema\" member naming the form's type, e.g. \"$schema\": \"%s\" "
                 "(see 'baton validate --catalogue-list'), or choose one with --schema.",
                 example_form_id(run->cat));
    else
        snprintf(hint, hint_size, "'baton validate --catalogue-list' lists the form types.");
    return st;
}

/* Validates one file and reports on it; returns what it adds to the exit status. */
static enum cli_exit
validate_file(struct validate_run *run, const char *path)
{
    const char *name = strcmp(path, "-") == 0 ? STDIN_NAME : path;
    const struct forms_schema *schema = NULL;
    struct forms_result res = {0, NULL};
    struct forms_err err = {0};
    enum cli_exit rc = CLI_UNUSABLE;
    enum forms_status st;
    json_t *form = NULL;
    char hint[512];

    st = forms_parse_file(path, NULL, &form, &err);
    if (st != FORMS_OK) {
        rc = report_unusable(run, name, &err, NULL, NULL);
        goto out;
    }
    st = pick_schema(run, form, &schema, &err, hint, sizeof hint);
    if (st != FORMS_OK) {
        /* Not the form's validity: without a schema it could not be judged at all. */
        rc = report_unusable(run, name, &err, st == FORMS_ENOTFOUND ? NULL : "no schema", hint);
        goto out;
    }

    st = forms_validate(schema, form, &res, &err);
    if (st != FORMS_OK && st != FORMS_EINVALID) {
        rc = report_unusable(run, name, &err, NULL, NULL);
        goto out;
    }
    rc = st == FORMS_OK ? CLI_OK : CLI_NO;
    if (run->report != NULL) {
        if (report_add(run, forms_result_basic(&res, run->lang), name, forms_schema_uri(schema)) !=
            CLI_OK)
            rc = CLI_UNUSABLE;
    } else if (rc == CLI_OK) {
        cli_put_safe(stdout, name);
        fputs(": valid (", stdout);
        cli_put_safe(stdout, forms_schema_uri(schema));
        fputs(")\n", stdout);
    } else {
        print_errors(name, &res, run->lang);
    }

out:
    forms_result_clear(&res);
    json_decref(form);
    return rc;
}

/* Adds a schema file to the catalogue and finds it by its "$id". */
static enum cli_exit
add_schema_file(struct validate_run *run, const char *path)
{
    struct forms_err err = {0};
    enum cli_exit rc = CLI_UNUSABLE;
    json_t *doc = NULL;
    const char *id;

    if (forms_parse_file(path, NULL, &doc, &err) != FORMS_OK) {
        fputs("baton validate: --schema ", stderr);
        print_unusable(path, &err, NULL);
        goto out;
    }
    id = json_string_value(json_object_get(doc, "$id"));
    if (id == NULL) {
        fputs("baton validate: --schema ", stderr);
        cli_put_safe(stderr, path);
        fputs(": the schema has no \"$id\"; give it one, such as "
              "\"$id\": \"urn:baton:form:NAME:1\", so that forms and messages can name it.\n",
              stderr);
        goto out;
    }
    if (forms_catalogue_add(run->cat, doc, NULL, &err) != FORMS_OK ||
        forms_catalogue_compile(run->cat, &err) != FORMS_OK) {
        fputs("baton validate: --schema ", stderr);
        cli_put_safe(stderr, path);
        fputs(": ", stderr);
        cli_put_safe(stderr, err.text);
        fputc('\n', stderr);
        goto out;
    }
    run->forced = forms_catalogue_find(run->cat, id);
    if (run->forced == NULL) {
        fputs("baton validate: --schema ", stderr);
        cli_put_safe(stderr, path);
        fputs(": added, but not found by its \"$id\"\n", stderr);
        goto out;
    }
    rc = CLI_OK;
out:
    json_decref(doc);
    return rc;
}

/* Loads the built-in catalogue and, with --schema, the schema to use for every form. */
static enum cli_exit
load_catalogue(struct validate_run *run, const char *schema_arg)
{
    const struct forms_options fopt = {.format_assertion = true};
    struct forms_err err = {0};

    if (forms_catalogue_new(&fopt, &run->cat, &err) != FORMS_OK ||
        forms_catalogue_add_builtin(run->cat, &err) != FORMS_OK ||
        forms_catalogue_compile(run->cat, &err) != FORMS_OK) {
        /* The built-in catalogue is part of the program: failing here is baton's bug. */
        fprintf(stderr, "baton validate: the built-in form catalogue is unusable: %s\n", err.text);
        return CLI_UNUSABLE;
    }
    if (schema_arg == NULL)
        return CLI_OK;
    run->forced = forms_catalogue_find(run->cat, schema_arg);
    if (run->forced != NULL)
        return CLI_OK;
    /* Not a catalogue id: a URI-looking argument is a mistyped id, anything else a file. */
    if (strncmp(schema_arg, "urn:", 4) == 0 || strstr(schema_arg, "://") != NULL) {
        fputs("baton validate: --schema ", stderr);
        cli_put_safe(stderr, schema_arg);
        fputs(": no such schema in the catalogue.\n"
              "See 'baton validate --catalogue-list' for the schemas it has.\n",
              stderr);
        return CLI_UNUSABLE;
    }
    return add_schema_file(run, schema_arg);
}

static int
list_catalogue(const struct validate_run *run)
{
    const struct forms_schema *s;
    json_t *list = NULL;
    const char *id;
    size_t i;

    if (run->report != NULL)
        list = json_array();
    for (i = 0; i < forms_catalogue_count(run->cat); i++) {
        id = forms_catalogue_id(run->cat, i);
        s = forms_catalogue_find(run->cat, id);
        if (list != NULL) {
            json_array_append_new(
                list, json_pack("{s:s, s:s}", "id", id, "title", schema_title(s, run->lang)));
            continue;
        }
        printf("%-44s ", id);
        cli_put_safe(stdout, schema_title(s, run->lang));
        fputc('\n', stdout);
    }
    if (list != NULL) {
        json_dumpf(list, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
        json_decref(list);
    }
    return CLI_OK;
}

int
cmd_validate(int argc, char **argv)
{
    struct validate_run run = {0};
    const char *schema_arg = NULL, *lang_arg = NULL, *value;
    bool json = false, list = false, seen_stdin = false;
    const char **files = NULL;
    int nfiles = 0, opt, i;
    int rc = CLI_UNUSABLE, one;
    struct cli_args args;

    files = calloc((size_t)argc, sizeof *files);
    if (files == NULL) {
        fputs("baton validate: out of memory\n", stderr);
        goto out;
    }
    cli_args_init(&args, "validate", argc, argv);
    while ((opt = cli_next(&args, validate_options, &value)) != CLI_END) {
        switch (opt) {
        case CLI_BAD:
            goto out;
        case CLI_OPERAND:
            if (strcmp(value, "-") == 0) {
                if (seen_stdin) {
                    rc = cli_usage("validate", "'-' (standard input) can be given only once");
                    goto out;
                }
                seen_stdin = true;
            }
            files[nfiles++] = value;
            break;
        case OPT_SCHEMA:
            schema_arg = value;
            break;
        case OPT_LANG:
            lang_arg = value;
            break;
        case OPT_JSON:
            json = true;
            break;
        case OPT_LIST:
            list = true;
            break;
        case OPT_HELP:
            cmd_validate_help(stdout);
            rc = CLI_OK;
            goto out;
        }
    }

    if (!cli_lang(lang_arg, &run.lang)) {
        rc = cli_usage("validate", "--lang must be 'nl' or 'en', not '%s'", lang_arg);
        goto out;
    }
    if (list && (nfiles > 0 || schema_arg != NULL)) {
        rc = cli_usage("validate", "--catalogue-list takes no FILE and no --schema");
        goto out;
    }
    if (!list && nfiles == 0) {
        rc = cli_usage("validate", "no FILE given (use '-' to read a form from standard input)");
        goto out;
    }
    if (json) {
        run.report = json_array();
        if (run.report == NULL) {
            fputs("baton validate: out of memory\n", stderr);
            goto out;
        }
    }

    rc = load_catalogue(&run, schema_arg);
    if (rc != CLI_OK)
        goto out;
    if (list) {
        rc = list_catalogue(&run);
        goto out;
    }

    /* Every file is checked, even after a bad one, so that one run reports everything; the
     * worst outcome decides the exit status. */
    for (i = 0; i < nfiles; i++) {
        one = validate_file(&run, files[i]);
        if (one > rc)
            rc = one;
    }
    if (run.report != NULL) {
        if (json_dumpf(run.report, stdout, JSON_INDENT(2)) != 0)
            rc = CLI_UNUSABLE;
        fputc('\n', stdout);
    }

out:
    json_decref(run.report);
    forms_catalogue_free(run.cat);
    free(files);
    return rc;
}
