/* SPDX-License-Identifier: EUPL-1.2 */
/* 'baton audit retention': which received forms' content batond erases soon, which it erased
 * when their covenant retention period ended, and which the covenant gives no period. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "admin.h"
#include "audit.h"
#include "cli.h"

/* As the covenant's periods: 0..3650 days (0: only what is overdue). */
#define RETENTION_MAX_WITHIN 3650L

enum {
    OPT_SOCKET = 1,
    OPT_JSON,
    OPT_WITHIN,
    OPT_HELP,
};

static const struct cli_option retention_options[] = {
    {"--socket", 0, true, OPT_SOCKET}, ADMIN_TOKEN_OPTION,
    {"--json", 0, false, OPT_JSON},    {"--within", 0, true, OPT_WITHIN},
    {"--help", 'h', false, OPT_HELP},  {NULL, 0, false, 0},
};

void
audit_retention_help(FILE *out)
{
    fputs("usage: baton audit retention [--within DAYS] [--socket PATH] [--json]\n"
          "\n"
          "Retention of the forms this organisation received. The covenant gives each form\n"
          "type a retention period in days after receipt; when it ends, batond erases the\n"
          "form's content by destroying its key (the audit entry \"erased-retention\" records\n"
          "it; the inbox keeps who sent what when). Lists three things, never form content:\n"
          "  due         forms whose content is erased within DAYS days (or is overdue and is\n"
          "              erased at the next sweep, within a minute);\n"
          "  erased      forms retention erased, newest first;\n"
          "  no period   forms of a type the covenant gives no period: they are kept until it\n"
          "              gives one; ask the regional coordinator to add it.\n"
          "Forms whose consent was withdrawn are erased by the withdrawal, not listed here.\n"
          "\n"
          "Options:\n"
          "  --within DAYS   how far ahead to look, 0 to 3650 days; default 30.\n" ADMIN_COMMON_HELP
              ADMIN_TOKEN_HELP "\n" ADMIN_EXIT_HELP "\n",
          out);
}

/* The date part of an RFC 3339 time ("2027-09-21"), or "-". */
static const char *
day_of(const json_t *row, const char *name, char *buf, size_t size)
{
    const char *t = admin_str(row, name);

    snprintf(buf, size, "%.10s", t != NULL ? t : "-");
    return buf;
}

/* One table of rows: ID, FROM, FORM, RECEIVED and the column last (a time member) under head. */
static int
print_rows(const char *title, const json_t *rows, const char *last_head, const char *last)
{
    const char *head[5] = {"ID", "FROM", "FORM", "RECEIVED", last_head};
    static const size_t max[] = {8, 32, 32, 10, 10};
    struct admin_table t = {last != NULL ? 5 : 4, head, max, 0, 0, NULL};
    char id[9], form[96], got[16], when[16];
    const char *cells[5], *name;
    const json_t *row;
    size_t i;
    int rc = CLI_OK;

    printf("%s (%zu)", title, json_array_size(rows));
    if (json_array_size(rows) == 0) {
        puts(": none.");
        return CLI_OK;
    }
    puts(":");
    json_array_foreach (rows, i, row) {
        snprintf(id, sizeof id, "%s", admin_str(row, "id") != NULL ? admin_str(row, "id") : "?");
        name = admin_str(row, "from_name");
        cells[0] = id;
        cells[1] = name != NULL ? name : admin_str(row, "from");
        cells[2] = admin_short_form(admin_str(row, "form_type"), form, sizeof form);
        cells[3] = day_of(row, "received", got, sizeof got);
        cells[4] = last != NULL ? day_of(row, last, when, sizeof when) : NULL;
        rc = admin_table_add(&t, cells);
        if (rc != CLI_OK)
            break;
    }
    if (rc == CLI_OK)
        admin_table_print(stdout, &t);
    admin_table_free(&t);
    return rc;
}

static int
print_report(const json_t *doc, long within)
{
    const json_t *due = json_object_get(doc, "due"), *erased = json_object_get(doc, "erased"),
                 *none = json_object_get(doc, "no_period");
    const char *warning = admin_str(doc, "warning");
    char title[96];
    int rc;

    if (!json_is_array(due) || !json_is_array(erased) || !json_is_array(none)) {
        fputs("baton audit retention: batond's answer has no \"due\", \"erased\" and "
              "\"no_period\" lists\n",
              stderr);
        return CLI_UNUSABLE;
    }
    if (warning != NULL) {
        fputs("baton audit retention: warning: ", stderr);
        cli_put_safe(stderr, warning);
        fputc('\n', stderr);
    }
    snprintf(title, sizeof title, "Content erased within %ld day%s", within,
             within == 1 ? "" : "s");
    rc = print_rows(title, due, "ERASED ON", "retain_until");
    if (rc == CLI_OK) {
        putchar('\n');
        rc = print_rows("Erased by retention", erased, "ERASED", "erased");
    }
    if (rc == CLI_OK) {
        putchar('\n');
        rc = print_rows("Kept without a retention period (the covenant gives their form type "
                        "none)",
                        none, NULL, NULL);
    }
    return rc;
}

int
audit_retention(int argc, char **argv)
{
    const char *socket = NULL, *value;
    struct admin_reply r = {0};
    struct cli_args args;
    long within = 30;
    bool json = false;
    char path[64], *end = NULL;
    int opt, rc;

    cli_args_init(&args, "audit retention", argc, argv);
    while ((opt = cli_next(&args, retention_options, &value)) != CLI_END) {
        switch (opt) {
        case CLI_BAD:
            return CLI_UNUSABLE;
        case CLI_OPERAND:
            return cli_usage("audit retention", "takes no operands, only options");
        case ADMIN_OPT_TOKEN_FILE:
            admin_set_token_file(value);
            break;
        case OPT_SOCKET:
            socket = value;
            break;
        case OPT_JSON:
            json = true;
            break;
        case OPT_WITHIN:
            within = value[0] >= '0' && value[0] <= '9' ? strtol(value, &end, 10) : -1;
            if (within < 0 || within > RETENTION_MAX_WITHIN || *end != '\0')
                return cli_usage("audit retention",
                                 "--within takes a whole number of days from 0 to %ld, not "
                                 "\"%.40s\"",
                                 RETENTION_MAX_WITHIN, value);
            break;
        case OPT_HELP:
            audit_retention_help(stdout);
            return CLI_OK;
        }
    }
    snprintf(path, sizeof path, "/v1/retention?within=%ld", within);
    rc = admin_request("audit retention", admin_socket(socket), "GET", path, NULL, &r);
    if (rc != CLI_OK)
        return rc;
    if (!admin_ok(&r))
        rc = admin_refused("audit retention", &r, json);
    else if (json)
        admin_print_body(&r);
    else
        rc = print_report(r.json, within);
    admin_reply_clear(&r);
    return rc;
}
