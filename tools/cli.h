/* SPDX-License-Identifier: EUPL-1.2 */
/* What the baton command's files share: the command table, exit codes and option parsing. */
#ifndef BATON_TOOLS_CLI_H
#define BATON_TOOLS_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "forms.h"
#include "keys.h"

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
int cmd_keygen(int argc, char **argv);
void cmd_keygen_help(FILE *out);
int cmd_key(int argc, char **argv);
void cmd_key_help(FILE *out);
int cmd_directory(int argc, char **argv); /* tools/directory.c, with covenant */
void cmd_directory_help(FILE *out);
int cmd_covenant(int argc, char **argv);
void cmd_covenant_help(FILE *out);
int cmd_seal(int argc, char **argv); /* tools/seal.c */
void cmd_seal_help(FILE *out);
int cmd_open(int argc, char **argv); /* tools/open.c */
void cmd_open_help(FILE *out);
int cmd_inspect(int argc, char **argv); /* tools/inspect.c */
void cmd_inspect_help(FILE *out);
int cmd_receipt(int argc, char **argv); /* tools/receipt.c */
void cmd_receipt_help(FILE *out);
int cmd_send(int argc, char **argv); /* tools/send.c: the daemon's commands, over its socket */
void cmd_send_help(FILE *out);
int cmd_outbox(int argc, char **argv); /* tools/outbox.c, with status */
void cmd_outbox_help(FILE *out);
int cmd_export(int argc, char **argv); /* tools/export.c: a sealed packet as a file */
void cmd_export_help(FILE *out);
int cmd_status(int argc, char **argv);
void cmd_status_help(FILE *out);
int cmd_inbox(int argc, char **argv); /* tools/inbox.c, with show, accept, reject, update */
void cmd_inbox_help(FILE *out);
int cmd_show(int argc, char **argv);
void cmd_show_help(FILE *out);
int cmd_accept(int argc, char **argv);
void cmd_accept_help(FILE *out);
int cmd_reject(int argc, char **argv);
void cmd_reject_help(FILE *out);
int cmd_update(int argc, char **argv);
void cmd_update_help(FILE *out);
int cmd_consent(int argc, char **argv); /* tools/consent.c: the consent register */
void cmd_consent_help(FILE *out);
int cmd_audit(int argc, char **argv); /* tools/audit.c: the privacy officer's command */
void cmd_audit_help(FILE *out);
int cmd_setup(int argc, char **argv); /* tools/setup.c: the administrator's view */
void cmd_setup_help(FILE *out);

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

/* "baton COMMAND: NAME: the form is invalid, nothing was DONE (N errors):" on standard error,
 * then each error of res with where it is and its message in lang (Dutch when there is none in
 * lang), made safe. Standard output is flushed first, so that the two keep their order. */
void cli_form_invalid(const char *command, const char *name, const char *done,
                      const struct forms_result *res, enum forms_lang lang);

/* The language for messages: --lang's value if given, else the locale (LC_ALL, LC_MESSAGES,
 * LANG: "en..." is English), else Dutch. False when value is not "nl" or "en". */
bool cli_lang(const char *value, enum forms_lang *out);

/* ---- the organisation's keystore (tools/passphrase.c) ---- */

struct keys_keystore;
struct keys_err;

#define CLI_KEYSTORE_ENV "BATON_KEYSTORE"     /* the keystore when --keystore is not given */
#define CLI_PASSPHRASE_ENV "BATON_PASSPHRASE" /* its passphrase, for scripts and services */

/* Prints "baton COMMAND: <err's text>" (control characters escaped); returns CLI_UNUSABLE. */
int cli_keys_fail(const char *command, const struct keys_err *err);

/* path when given, else $BATON_KEYSTORE; NULL (after a usage error naming both) when neither. */
const char *cli_keystore_path(const char *command, const char *path);

/*
 * Opens the keystore at path (NULL: $BATON_KEYSTORE) for command. An unencrypted keystore opens
 * as it is; an encrypted one takes its passphrase from passphrase_file (its first line) when not
 * NULL, else from $BATON_PASSPHRASE, else asks on the terminal when standard input is one.
 * Returns CLI_OK with *out (keys_keystore_free) and, when passphrase is not NULL, *passphrase:
 * the passphrase used, in guarded memory (keys_secret_free), or NULL for an unencrypted keystore.
 * Otherwise says why on standard error and returns CLI_UNUSABLE; *out is untouched then.
 */
int cli_open_keystore(const char *command, const char *path, const char *passphrase_file,
                      struct keys_keystore **out, char **passphrase);

/* A new passphrase: the first line of passphrase_file, else $BATON_PASSPHRASE, else asked twice
 * on the terminal. CLI_OK with *out in guarded memory (keys_secret_free), else CLI_UNUSABLE. */
int cli_new_passphrase(const char *command, const char *passphrase_file, char **out);

/* The N of --valid-days (tools/keygen.c): true with *out when value is a whole number 1..max. */
bool cli_days(const char *value, long max, long *out);

/* ---- the network's documents and packet files, for the packet commands (tools/network.c) ---- */

/* Defaults for --directory, --coordinator and --covenant. */
#define CLI_DIRECTORY_ENV "BATON_DIRECTORY"
#define CLI_COORDINATOR_ENV "BATON_COORDINATOR"
#define CLI_COVENANT_ENV "BATON_COVENANT"
#define CLI_MAX_COORDINATOR_KEYS 8 /* a coordinator rotating its key lists two */

/* The catalogue and the verified network documents a packet command works with. */
struct cli_network {
    struct forms_catalogue *cat;
    struct keys_pub coordinators[CLI_MAX_COORDINATOR_KEYS];
    size_t n_coordinators;
    struct keys_directory *dir;
    json_t *covenant;                  /* NULL when none was given */
    const char *covenant_id;           /* its "id" (borrowed from covenant) */
    unsigned char covenant_sha256[32]; /* SHA-256 of its signed text */
};

/* "baton COMMAND: FILE: PREFIXtext" on standard error, file and prefix optional, made safe. */
void cli_say(const char *command, const char *file, const char *prefix, const char *text);

/* value when given and not empty, else the environment variable env when set, else NULL. */
const char *cli_option_or_env(const char *value, const char *env);

/* keys_init and the built-in catalogue into a zeroed *net. */
int cli_network_start(const char *command, struct cli_network *net);

/* The coordinator's keys (coordinator, else $BATON_COORDINATOR), the signed directory
 * (directory, else $BATON_DIRECTORY) verified and valid at now, and when covenant is not NULL the
 * signed covenant with its digest. CLI_OK, or CLI_UNUSABLE after saying why. */
int cli_network_load(const char *command, struct cli_network *net, const char *coordinator,
                     const char *directory, const char *covenant, time_t now);

void cli_network_free(struct cli_network *net);

/* The directory's name for oin, or a note that it is not listed. */
const char *cli_member_name(const struct cli_network *net, const char *oin);

/* Reads all of path ('-': standard input), at most max bytes, into *out (free(), NUL-terminated).
 * CLI_OK; CLI_NO when larger; CLI_UNUSABLE when unreadable (said on standard error). */
int cli_read_file(const char *command, const char *path, size_t max, char **out, size_t *out_len);

/* As cli_read_file for a compact JWS or JWE: one final line feed is not part of it. */
int cli_read_compact(const char *command, const char *path, char **out, size_t *out_len);

/* Writes text and a line feed to path ('-': standard output) atomically, mode 0600: a temporary
 * file in the same folder, fsync, then a rename (replace) or a link that refuses an existing
 * file. On failure no file at path was changed. */
int cli_write_file(const char *command, const char *path, const char *text, size_t len,
                   bool replace);

/* Tells why keys refused (or failed) for file: CLI_NO for a refusal, else CLI_UNUSABLE. */
int cli_refused(const char *command, const char *file, const struct keys_err *err,
                enum keys_status st);

/* ---- showing a form with the catalogue's labels (tools/render.c) ---- */

/* Writes form to out for people: one "label: value" line per member, in the schema's order,
 * nested members and items indented two spaces per level from depth, with the labels of the
 * catalogue schema of form_type in lang (a member the schema does not know: its name). Control
 * characters are escaped. */
void cli_render_form(FILE *out, const struct forms_catalogue *cat, const char *form_type,
                     const json_t *form, enum forms_lang lang, int depth);

#endif
