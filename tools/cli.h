/* SPDX-License-Identifier: EUPL-1.2 */
/* What the baton command's files share: the command table, exit codes and option parsing. */
#ifndef BATON_TOOLS_CLI_H
#define BATON_TOOLS_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "forms.h"

/* Exit codes, the same for every command, so that scripts can tell "the answer is no" apart from
 * "the question could not be asked". */
enum cli_exit {
    CLI_OK = 0,       /* done; for validate: every form is valid */
    CLI_NO = 1,       /* done, and the answer is no; for validate: a form is invalid */
    CLI_UNUSABLE = 2, /* bad option, unreadable or unparsable input, unknown schema */
};

/* One subcommand. run gets argv with argv[0] the command's name. help prints the full help. */
struct cli_command {
    const char *name;
    const char *summary; /* one line for 'baton help' */
    int (*run)(int argc, char **argv);
    void (*help)(FILE *out);
};

/* The commands, in the order 'baton help' lists them; ends with an entry whose name is NULL. */
extern const struct cli_command cli_commands[];

int cmd_validate(int argc, char **argv);
void cmd_validate_help(FILE *out);

/* An option a command accepts: "--name", with an optional one-letter alias ("-h"). */
struct cli_option {
    const char *name;
    char alias;     /* 0: none */
    bool has_value; /* "--name VALUE" or "--name=VALUE" */
    int id;         /* returned by cli_next; must be > 0 */
};

struct cli_args {
    const char *command;
    int argc;
    char **argv;
    int i;             /* next argument to look at */
    bool options_done; /* after "--" every argument is an operand */
};

#define CLI_END 0      /* no arguments left */
#define CLI_OPERAND -1 /* *value is an operand (a file name, "-" for standard input) */
#define CLI_BAD -2     /* a usage error, already reported */

/* Starts walking a command's arguments (argv[0] is the command's name). */
void cli_args_init(struct cli_args *a, const char *command, int argc, char **argv);

/*
 * The next option's id, with *value set for an option that takes one, or CLI_OPERAND with *value
 * the operand, or CLI_END, or CLI_BAD after printing what was wrong (unknown option, missing
 * value) to standard error.
 */
int cli_next(struct cli_args *a, const struct cli_option *opts, const char **value);

/* Prints "baton COMMAND: <message>" and a pointer to the command's help to standard error;
 * returns CLI_UNUSABLE for 'return cli_usage(...)'. */
int cli_usage(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes s for a person to read: control characters (C0, DEL, C1), which could move a terminal's
 * cursor or hide text, become \xNN escapes, since names and messages may quote hostile input. */
void cli_put_safe(FILE *out, const char *s);

/* The language for messages: --lang's value if given, else the locale (LC_ALL, LC_MESSAGES,
 * LANG: "en..." is English), else Dutch. False when value is not "nl" or "en". */
bool cli_lang(const char *value, enum forms_lang *out);

#endif
