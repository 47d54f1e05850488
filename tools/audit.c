/* SPDX-License-Identifier: EUPL-1.2 */
/* 'baton audit': the privacy officer's command; one subcommand each for the chain, the reports
 * and retention. */
#include <string.h>

#include "audit.h"
#include "cli.h"

struct audit_sub {
    const char *name;
    int (*run)(int argc, char **argv);
};

static const struct audit_sub subs[] = {
    {"log", audit_log},
    {"verify", audit_verify},
    {"checkpoints", audit_checkpoints},
    {"subject", audit_subject},
    {"register", audit_register},
    {"figures", audit_figures},
    {"anomalies", audit_anomalies},
    {"retention", audit_retention},
    {NULL, NULL},
};

void
cmd_audit_help(FILE *out)
{
    fputs("usage: baton audit SUBCOMMAND [OPTIONS]\n"
          "\n"
          "What this organisation's batond did with young people's data, without the forms'\n"
          "content: a hash-chained, signed audit trail, reports and retention.\n"
          "\n",
          out);
    audit_log_help(out);
    audit_reports_help(out);
    audit_retention_help(out);
}

int
cmd_audit(int argc, char **argv)
{
    size_t i;

    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        cmd_audit_help(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_UNUSABLE : CLI_OK;
    }
    for (i = 0; subs[i].name != NULL; i++)
        if (strcmp(argv[1], subs[i].name) == 0)
            return subs[i].run(argc - 1, argv + 1);
    fprintf(stderr, "baton audit: no subcommand \"%s\"; see baton audit --help\n", argv[1]);
    return CLI_UNUSABLE;
}
