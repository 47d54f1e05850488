/* SPDX-License-Identifier: EUPL-1.2 */
/* 'baton audit log verify checkpoints' (PLACEHOLDER: replaced by its owner). */
#include "audit.h"
#include "cli.h"

int
audit_log(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("baton audit log: not available\n", stderr);
    return CLI_UNUSABLE;
}

int
audit_verify(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("baton audit verify: not available\n", stderr);
    return CLI_UNUSABLE;
}

int
audit_checkpoints(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("baton audit checkpoints: not available\n", stderr);
    return CLI_UNUSABLE;
}

void
audit_log_help(FILE *out)
{
    (void)out;
}
