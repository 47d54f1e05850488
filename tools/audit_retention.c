/* SPDX-License-Identifier: EUPL-1.2 */
/* 'baton audit retention' (PLACEHOLDER: replaced by its owner). */
#include "audit.h"
#include "cli.h"

int
audit_retention(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("baton audit retention: not available\n", stderr);
    return CLI_UNUSABLE;
}

void
audit_retention_help(FILE *out)
{
    (void)out;
}
