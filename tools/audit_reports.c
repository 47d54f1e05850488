/* SPDX-License-Identifier: EUPL-1.2 */
/* 'baton audit subject register figures anomalies' (PLACEHOLDER: replaced by its owner). */
#include "audit.h"
#include "cli.h"

int
audit_subject(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("baton audit subject: not available\n", stderr);
    return CLI_UNUSABLE;
}

int
audit_register(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("baton audit register: not available\n", stderr);
    return CLI_UNUSABLE;
}

int
audit_figures(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("baton audit figures: not available\n", stderr);
    return CLI_UNUSABLE;
}

int
audit_anomalies(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("baton audit anomalies: not available\n", stderr);
    return CLI_UNUSABLE;
}

void
audit_reports_help(FILE *out)
{
    (void)out;
}
