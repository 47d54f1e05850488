/* SPDX-License-Identifier: EUPL-1.2 */
/* The commands that talk to the local batond: its admin API over a Unix socket, and tables. */
#ifndef BATON_TOOLS_ADMIN_H
#define BATON_TOOLS_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"

#define ADMIN_SOCKET_ENV "BATON_SOCKET"
#define ADMIN_SOCKET_DEFAULT "/run/baton/admin.sock" /* as in daemon/batond.conf.example */
#define ADMIN_MAX_REPLY (16u * 1024u * 1024u)        /* a form is at most 1 MiB; lists are more */
#define ADMIN_CONNECT_TIMEOUT_S 5L
#define ADMIN_TIMEOUT_S 60L
#define ADMIN_ID_LEN KEYS_UUID_LEN
#define ADMIN_TOKEN_ENV                                                                            \
    "BATON_TOKEN"           /* the token for batond's roles, when --token-file is not given */
#define ADMIN_TOKEN_MAX 512 /* longest token batond takes (ROLES_TOKEN_MAX) */

/* --token-file, which every daemon command takes: its option id (above any command's own) and
 * table entry, its help, and what the command does with its value. */
#define ADMIN_OPT_TOKEN_FILE 1000
#define ADMIN_TOKEN_OPTION                                                                         \
    {                                                                                              \
        "--token-file", 0, true, ADMIN_OPT_TOKEN_FILE                                              \
    }
#define ADMIN_TOKEN_HELP                                                                           \
    "  --token-file FILE\n"                                                                        \
    "                  the token that gives you your role at batond, on the first line of\n"       \
    "                  FILE (which only you may read); default $" ADMIN_TOKEN_ENV ". Without\n"    \
    "                  either batond knows you by your user.\n"

/* Remembers --token-file's value for the requests that follow (admin_request reads the file). */
void admin_set_token_file(const char *path);

/* Shows the requests that follow on p (tools/progress.h; borrowed), NULL: none. */
struct progress;
void admin_set_progress(struct progress *p);

/* The options every daemon command takes. */
#define ADMIN_COMMON_HELP                                                                          \
    "  --socket PATH   batond's admin socket; default $" ADMIN_SOCKET_ENV ", else\n"               \
    "                  " ADMIN_SOCKET_DEFAULT ".\n"                                                \
    "  --json          print batond's answer, JSON, as it is.\n"                                   \
    "  -h, --help      show this help.\n"

#define ADMIN_EXIT_HELP                                                                            \
    "Exit status: 0 done; 1 batond refused (an invalid form, no such id, a state that does\n"      \
    "not allow it: the reason on standard error); 2 bad usage, or batond could not be reached\n"   \
    "or failed.\n"

/* One answer of batond. */
struct admin_reply {
    long status; /* the HTTP status */
    char *body;  /* what batond sent, NUL-terminated (malloc) */
    size_t len;
    json_t *json; /* body parsed, or NULL when it is not JSON */
};

/* value when given and not empty, else $BATON_SOCKET when set and not empty, else the default. */
const char *admin_socket(const char *value);

/*
 * Asks batond at socket: method ("GET", "POST") on path ("/v1/..."), with body (a JSON object,
 * or NULL) as the request's JSON, and with the token of --token-file or $BATON_TOKEN, when
 * there is one, as "Authorization: Bearer TOKEN" (a token file others may read, or a token with
 * spaces or control characters, is refused before connecting). CLI_OK with *reply filled for any
 * HTTP answer whose body, when the status is 2xx, is a JSON object; otherwise CLI_UNUSABLE after
 * saying why on standard error
 * ("batond is not running", permission denied, a timeout, an answer too large or not JSON) and
 * *reply empty. Free with admin_reply_clear.
 */
int admin_request(const char *command, const char *socket, const char *method, const char *path,
                  const json_t *body, struct admin_reply *reply);

void admin_reply_clear(struct admin_reply *r);

/* True for a 2xx status. */
bool admin_ok(const struct admin_reply *r);

/*
 * For an answer that is not 2xx: says on standard error what batond refused and why (its
 * "error", each of its "details"), and with json also prints the body on standard output.
 * Returns CLI_NO for a 4xx status, CLI_UNUSABLE for any other.
 */
int admin_refused(const char *command, const struct admin_reply *r, bool json);

/* Prints the answer's body as it is, with a final line feed, on standard output. */
void admin_print_body(const struct admin_reply *r);

/* True when s is a whole UUID: 8-4-4-4-12 hexadecimal digits (either case). */
bool admin_is_uuid(const char *s);

/*
 * The full id of the item in list_path ("/v1/inbox", "/v1/outbox") that id names: the id itself
 * when it is a whole UUID, else the only item whose id starts with it (at least 4 characters).
 * CLI_OK with out set; CLI_NO when nothing matches; CLI_UNUSABLE (said) when id is not made of
 * hexadecimal digits and '-', matches several items, or batond could not be asked.
 */
int admin_resolve_id(const char *command, const char *socket, const char *list_path, const char *id,
                     char out[ADMIN_ID_LEN + 1]);

/*
 * Reads the form at path ('-': standard input) for command: parsed, of a catalogue form type
 * (expect: that one; NULL: any form), and valid with formats asserted, as batond will check it.
 * CLI_OK with *out (json_decref). CLI_NO for an invalid form or another form type: every error is
 * listed on standard error as 'baton validate' words it (messages in lang), and with json the
 * errors are also printed on standard output in batond's shape ({"error", "code":
 * "invalid-form", "details"}). CLI_UNUSABLE when the file cannot be read or parsed, or names no
 * form type (said).
 */
int admin_check_form(const char *command, const char *path, const char *expect,
                     enum forms_lang lang, bool json, json_t **out);

/* ---- people's views ---- */

/* "urn:baton:form:school-leaver-handover:1" → "school-leaver-handover" (a version other than 1
 * is kept: "…:2"). Anything else as it is. Writes to buf. */
const char *admin_short_form(const char *form_type, char *buf, size_t size);

/* An RFC 3339 time as seconds since the epoch, or -1 when s is NULL or not one. */
time_t admin_time(const char *s);

/* How long ago t was, from now: "now", "5m", "3h", "2d"; "-" for t == -1. Writes to buf. */
const char *admin_age(time_t t, time_t now, char *buf, size_t size);

/* A deadline from now: "in 3h", "2d late"; "-" for t == -1. Writes to buf. */
const char *admin_due(time_t t, time_t now, char *buf, size_t size);

/* A table for a terminal: columns padded to their widest cell in characters (UTF-8 code
 * points), each cell at most its column's max characters (cut with "…"), control and
 * bidirectional formatting characters shown as '?'. */
struct admin_table {
    size_t ncols;
    const char *const *head; /* ncols headings */
    const size_t *max;       /* ncols widths at most; 0: no limit */
    size_t rows, cap;
    char **cells; /* rows * ncols sanitised copies */
};

/* Adds a row of t->ncols cells (NULL: "-"). CLI_OK, or CLI_UNUSABLE when out of memory. */
int admin_table_add(struct admin_table *t, const char *const *cells);
void admin_table_print(FILE *out, const struct admin_table *t);
void admin_table_free(struct admin_table *t);

/* label, padded to width, and value on one line of standard output, value made safe; nothing
 * for a NULL value. */
void admin_field(int width, const char *label, const char *value);

/* The member name of object o as a string, or NULL. */
const char *admin_str(const json_t *o, const char *name);

#endif
