/* SPDX-License-Identifier: EUPL-1.2 */
/* 'baton audit subject register figures anomalies': the privacy officer's reports, drawn up by
 * the local batond (GET /v1/reports/...) and printed as text, a printable HTML page, or JSON. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "admin.h"
#include "audit.h"
#include "cli.h"

/* The longest request path: a surname of up to 200 bytes percent-encodes to 600. */
#define REPORTS_PATH_MAX 1024

enum {
    OPT_SOCKET = 1,
    OPT_JSON,
    OPT_HTML,
    OPT_LANG,
    OPT_NAME,
    OPT_BIRTHDATE,
    OPT_SUBJECT,
    OPT_FROM,
    OPT_UNTIL,
    OPT_DAYS,
    OPT_HELP,
};

static const struct cli_option report_options[] = {
    {"--socket", 0, true, OPT_SOCKET},
    ADMIN_TOKEN_OPTION,
    {"--json", 0, false, OPT_JSON},
    {"--html", 0, false, OPT_HTML},
    {"--lang", 0, true, OPT_LANG},
    {"--name", 0, true, OPT_NAME},
    {"--birthdate", 0, true, OPT_BIRTHDATE},
    {"--subject", 0, true, OPT_SUBJECT},
    {"--from", 0, true, OPT_FROM},
    {"--until", 0, true, OPT_UNTIL},
    {"--days", 0, true, OPT_DAYS},
    {"--help", 'h', false, OPT_HELP},
    {NULL, 0, false, 0},
};

void
audit_reports_help(FILE *out)
{
    fputs("Reports (drawn up by batond from metadata; never a form's content):\n"
          "  baton audit subject --name SURNAME --birthdate YYYY-MM-DD | --subject PSEUDONYM\n"
          "                      [--lang nl|en] [--html | --json]\n"
          "      access report (GDPR art. 15) for one young person: every form sent or received\n"
          "      about them, to or from whom, when, why, on which basis, who took it over,\n"
          "      refusals, withdrawal and erasure. SURNAME without prefix (\"Haan\" for Milan de\n"
          "      Haan). Dutch unless --lang en; --html prints a printable page. Audited.\n"
          "  baton audit register [--lang nl|en] [--html | --json]\n"
          "      the processing register (GDPR art. 30) from the covenant, with the actual flows.\n"
          "  baton audit figures [--from YYYY-MM-DD] [--until YYYY-MM-DD] [--lang nl|en]\n"
          "                      [--html | --json]\n"
          "      steering figures, sent and received, by form, route, organisation, outcome and\n"
          "      month; counts from 1 to 4 are shown as \"<5\".\n"
          "  baton audit anomalies [--days N] [--lang nl|en] [--html | --json]\n"
          "      what needs attention: refused and undeliverable handovers of the last N days\n"
          "      (default 30), overdue ones, consents expiring or ended with open handovers,\n"
          "      unconfirmed withdrawals, conflicting checkpoints of a partner.\n"
          "      Exit status 0: none; 1: there are some (for cron: 'baton audit anomalies ||\n"
          "      mail ...'); 2: batond could not be asked.\n"
          "  Each also takes --socket PATH (default $" ADMIN_SOCKET_ENV
          ", else " ADMIN_SOCKET_DEFAULT ")\n"
          "  and --token-file FILE (default $BATON_TOKEN): a token for batond's roles.\n"
          "\n",
          out);
}

/* Appends "&name=" and value percent-encoded (RFC 3986 unreserved kept) to path. 0 when it does
 * not fit. */
static int
add_param(char *path, size_t size, const char *name, const char *value)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(path);
    const unsigned char *v;
    int w;

    w = snprintf(path + n, size - n, "%s%s=", strchr(path, '?') != NULL ? "&" : "?", name);
    if (w < 0 || (size_t)w >= size - n)
        return 0;
    n += (size_t)w;
    for (v = (const unsigned char *)value; *v != '\0'; v++) {
        if (n + 4 >= size)
            return 0;
        if ((*v >= 'A' && *v <= 'Z') || (*v >= 'a' && *v <= 'z') || (*v >= '0' && *v <= '9') ||
            *v == '-' || *v == '.' || *v == '_' || *v == '~') {
            path[n++] = (char)*v;
        } else {
            path[n++] = '%';
            path[n++] = hex[*v >> 4];
            path[n++] = hex[*v & 15];
        }
    }
    path[n] = '\0';
    return 1;
}

/* What one report command was given. */
struct report_args {
    const char *socket, *lang, *name, *birthdate, *subject, *from, *until, *days;
    bool json, html;
};

/* Parses argv for command (argv[0] is the subcommand); allowed: the ids it may take besides the
 * common ones, ending in 0. CLI_OK, or the exit status to return (help printed, usage error). */
static int
parse(const char *command, int argc, char **argv, const int *allowed, struct report_args *a)
{
    struct cli_args args;
    const char *value;
    int opt;
    size_t i;

    memset(a, 0, sizeof *a);
    cli_args_init(&args, "audit", argc, argv);
    while ((opt = cli_next(&args, report_options, &value)) != CLI_END) {
        bool ok = opt == OPT_SOCKET || opt == ADMIN_OPT_TOKEN_FILE || opt == OPT_JSON ||
                  opt == OPT_HTML || opt == OPT_LANG || opt == OPT_HELP || opt == CLI_BAD ||
                  opt == CLI_OPERAND;

        for (i = 0; !ok && allowed[i] != 0; i++)
            ok = allowed[i] == opt;
        if (!ok)
            for (i = 0; report_options[i].name != NULL; i++)
                if (report_options[i].id == opt)
                    return cli_usage("audit", "%s does not take %s", command + 6,
                                     report_options[i].name);
        switch (opt) {
        case CLI_BAD:
            return CLI_UNUSABLE;
        case CLI_OPERAND:
            return cli_usage("audit", "%s: unexpected argument '%s'", command + 6, value);
        case ADMIN_OPT_TOKEN_FILE:
            admin_set_token_file(value);
            break;
        case OPT_SOCKET:
            a->socket = value;
            break;
        case OPT_JSON:
            a->json = true;
            break;
        case OPT_HTML:
            a->html = true;
            break;
        case OPT_LANG:
            a->lang = value;
            break;
        case OPT_NAME:
            a->name = value;
            break;
        case OPT_BIRTHDATE:
            a->birthdate = value;
            break;
        case OPT_SUBJECT:
            a->subject = value;
            break;
        case OPT_FROM:
            a->from = value;
            break;
        case OPT_UNTIL:
            a->until = value;
            break;
        case OPT_DAYS:
            a->days = value;
            break;
        case OPT_HELP:
            cmd_audit_help(stdout);
            return -1;
        }
    }
    if (a->lang != NULL && strcmp(a->lang, "nl") != 0 && strcmp(a->lang, "en") != 0)
        return cli_usage("audit", "%s: --lang must be 'nl' or 'en', not '%s'", command + 6,
                         a->lang);
    if (a->json && a->html)
        return cli_usage("audit", "%s: --json and --html do not go together: choose one",
                         command + 6);
    return CLI_OK;
}

/*
 * Asks batond for the report at path (with lang and format added) and prints it: JSON as it is,
 * or the page. *count (may be NULL) gets the answer's "count" (anomalies), -1 when absent.
 */
static int
fetch(const char *command, const struct report_args *a, char *path, size_t size, long *count)
{
    struct admin_reply r = {0};
    const char *report;
    int rc;

    if (count != NULL)
        *count = -1;
    if (!add_param(path, size, "lang", a->lang != NULL ? a->lang : "nl") ||
        !add_param(path, size, "format",
                   a->json   ? "json"
                   : a->html ? "html"
                             : "text")) {
        fprintf(stderr, "baton %s: the request is too long\n", command);
        return CLI_UNUSABLE;
    }
    rc = admin_request(command, admin_socket(a->socket), "GET", path, NULL, &r);
    if (rc != CLI_OK)
        return rc;
    if (!admin_ok(&r)) {
        rc = admin_refused(command, &r, a->json);
        admin_reply_clear(&r);
        return rc;
    }
    if (count != NULL && json_is_integer(json_object_get(r.json, "count")))
        *count = (long)json_integer_value(json_object_get(r.json, "count"));
    if (a->json) {
        admin_print_body(&r);
    } else {
        report = json_string_value(json_object_get(r.json, "report"));
        if (report == NULL) {
            fprintf(stderr, "baton %s: batond's answer holds no report\n", command);
            admin_reply_clear(&r);
            return CLI_UNUSABLE;
        }
        /* batond made the text safe (no control characters) and the page escaped. */
        fputs(report, stdout);
    }
    admin_reply_clear(&r);
    return fflush(stdout) == 0 ? CLI_OK : CLI_UNUSABLE;
}

int
audit_subject(int argc, char **argv)
{
    static const int allowed[] = {OPT_NAME, OPT_BIRTHDATE, OPT_SUBJECT, 0};
    const char *command = "audit subject";
    char path[REPORTS_PATH_MAX] = "/v1/reports/subject";
    struct report_args a;
    int rc = parse(command, argc, argv, allowed, &a);

    if (rc != CLI_OK)
        return rc < 0 ? CLI_OK : rc;
    if (a.subject != NULL && (a.name != NULL || a.birthdate != NULL))
        return cli_usage("audit", "subject: give --subject, or --name and --birthdate; not both");
    if (a.subject == NULL && (a.name == NULL || a.birthdate == NULL))
        return cli_usage("audit", "subject: say whom it is about: --name SURNAME --birthdate "
                                  "YYYY-MM-DD, "
                                  "or --subject PSEUDONYM");
    if (a.subject != NULL ? !add_param(path, sizeof path, "subject", a.subject)
                          : !add_param(path, sizeof path, "last_name", a.name) ||
                                !add_param(path, sizeof path, "date_of_birth", a.birthdate))
        return cli_usage("audit", "subject: the name is too long");
    return fetch(command, &a, path, sizeof path, NULL);
}

int
audit_register(int argc, char **argv)
{
    static const int allowed[] = {0};
    char path[REPORTS_PATH_MAX] = "/v1/reports/register";
    struct report_args a;
    int rc = parse("audit register", argc, argv, allowed, &a);

    if (rc != CLI_OK)
        return rc < 0 ? CLI_OK : rc;
    return fetch("audit register", &a, path, sizeof path, NULL);
}

int
audit_figures(int argc, char **argv)
{
    static const int allowed[] = {OPT_FROM, OPT_UNTIL, 0};
    char path[REPORTS_PATH_MAX] = "/v1/reports/figures";
    struct report_args a;
    int rc = parse("audit figures", argc, argv, allowed, &a);

    if (rc != CLI_OK)
        return rc < 0 ? CLI_OK : rc;
    if ((a.from != NULL && !add_param(path, sizeof path, "from", a.from)) ||
        (a.until != NULL && !add_param(path, sizeof path, "until", a.until)))
        return cli_usage("audit", "figures: --from and --until are dates YYYY-MM-DD");
    return fetch("audit figures", &a, path, sizeof path, NULL);
}

int
audit_anomalies(int argc, char **argv)
{
    static const int allowed[] = {OPT_DAYS, 0};
    char path[REPORTS_PATH_MAX] = "/v1/reports/anomalies";
    struct report_args a;
    long count = -1;
    int rc = parse("audit anomalies", argc, argv, allowed, &a);

    if (rc != CLI_OK)
        return rc < 0 ? CLI_OK : rc;
    if (a.days != NULL && !add_param(path, sizeof path, "days", a.days))
        return cli_usage("audit", "anomalies: --days is a number of days");
    rc = fetch("audit anomalies", &a, path, sizeof path, &count);
    if (rc != CLI_OK)
        return rc;
    /* Something that needs attention is "the answer is no" for a cron job. */
    return count > 0 ? CLI_NO : CLI_OK;
}
