/* SPDX-License-Identifier: EUPL-1.2 */
/* The subcommands of 'baton audit': each gets the arguments after its name (argv[0] is the
 * subcommand) and returns an exit status (CLI_OK, CLI_NO, CLI_UNUSABLE). */
#ifndef BATON_TOOLS_AUDIT_H
#define BATON_TOOLS_AUDIT_H

#include <stdio.h>

/* tools/audit_log.c: the chain */
int audit_log(int argc, char **argv);         /* entries, with filters; text, --json or --csv */
int audit_verify(int argc, char **argv);      /* the chain and its checkpoints intact? */
int audit_checkpoints(int argc, char **argv); /* own checkpoints, or those a peer sent */
void audit_log_help(FILE *out);

/* tools/audit_reports.c: reports */
int audit_subject(int argc, char **argv);   /* access report for one young person */
int audit_register(int argc, char **argv);  /* processing register (GDPR art. 30) */
int audit_figures(int argc, char **argv);   /* steering figures, small counts as "<5" */
int audit_anomalies(int argc, char **argv); /* what needs attention */
void audit_reports_help(FILE *out);

/* tools/audit_retention.c */
int audit_retention(int argc, char **argv); /* what is due for erasure and what was erased */
void audit_retention_help(FILE *out);

#endif
