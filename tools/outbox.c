/* SPDX-License-Identifier: EUPL-1.2 */
/* 'baton outbox' and 'baton status': what the local batond sent, how far each handover got. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "admin.h"

enum {
    OPT_SOCKET = 1,
    OPT_JSON,
    OPT_LANG,
    OPT_HELP,
};

static const struct cli_option outbox_options[] = {
    {"--socket", 0, true, OPT_SOCKET},
    {"--token-file", 0, true, ADMIN_OPT_TOKEN_FILE},
    {"--json", 0, false, OPT_JSON},
    {"--help", 'h', false, OPT_HELP},
    {NULL, 0, false, 0},
};

static const struct cli_option status_options[] = {
    {"--socket", 0, true, OPT_SOCKET}, {"--token-file", 0, true, ADMIN_OPT_TOKEN_FILE},
    {"--json", 0, false, OPT_JSON},    {"--lang", 0, true, OPT_LANG},
    {"--help", 'h', false, OPT_HELP},  {NULL, 0, false, 0},
};

void
cmd_outbox_help(FILE *out)
{
    fputs("usage: baton outbox [--socket PATH] [--json]\n"
          "\n"
          "Lists what this organisation's batond sent or is sending, newest first: the id's\n"
          "first 8 characters (enough for 'baton status'), the recipient, the form type, the\n"
          "purpose, the state and how long ago it was sent. Never the form's content.\n"
          "\n"
          "States: queued (stored, not yet delivered; \"retrying\" after a failed attempt),\n"
          "delivered (the recipient's batond took it and signed a receipt), accepted or rejected\n"
          "(a person there decided), undeliverable (the retry window passed; 'baton status'\n"
          "tells the last error). \"overdue\": not yet accepted within the covenant's deadline.\n"
          "\n"
          "Options:\n" ADMIN_COMMON_HELP ADMIN_TOKEN_HELP "\n" ADMIN_EXIT_HELP,
          out);
}

void
cmd_status_help(FILE *out)
{
    fputs(
        "usage: baton status [--socket PATH] [--json] [--lang nl|en] ID\n"
        "\n"
        "Shows one handover this organisation's batond sent: recipient, form type, purpose,\n"
        "state, when it was delivered and decided and by whom, the delivery attempts and the\n"
        "last error, the recipient's signed receipt, and every event. Never the form's\n"
        "content. ID is the packet id that 'baton send' printed, or its first characters (at\n"
        "least 4) when no other id in the outbox starts with them.\n"
        "\n"
        "Options:\n"
        "  --lang nl|en    language of the form type's name. Without it: English when LC_ALL,\n"
        "                  LC_MESSAGES or LANG starts with \"en\", else Dutch.\n" ADMIN_COMMON_HELP
            ADMIN_TOKEN_HELP "\n" ADMIN_EXIT_HELP,
        out);
}

/* The state as people read it: "queued, retrying", "delivered, overdue". */
static const char *
state_text(const json_t *item, char *buf, size_t size)
{
    const char *state = admin_str(item, "state");
    json_int_t attempts = json_integer_value(json_object_get(item, "attempts"));

    snprintf(buf, size, "%s%s%s", state != NULL ? state : "?",
             state != NULL && strcmp(state, "queued") == 0 && attempts > 0 ? ", retrying" : "",
             json_is_true(json_object_get(item, "overdue")) ? ", overdue" : "");
    return buf;
}

/* Newest first; the id breaks ties, so that the order does not change between runs. */
static int
newest_first(const void *a, const void *b)
{
    const json_t *x = *(const json_t *const *)a, *y = *(const json_t *const *)b;
    time_t tx = admin_time(admin_str(x, "created")), ty = admin_time(admin_str(y, "created"));
    const char *ix = admin_str(x, "id"), *iy = admin_str(y, "id");

    if (tx != ty)
        return tx < ty ? 1 : -1;
    return strcmp(ix != NULL ? ix : "", iy != NULL ? iy : "");
}

/* The items of a list answer, sorted by cmp (NULL when there are none): free() the array. */
static const json_t **
sorted_items(const json_t *doc, size_t *n, int (*cmp)(const void *, const void *))
{
    const json_t *items = json_object_get(doc, "items"), *item, **v;
    size_t i;

    *n = json_array_size(items);
    if (*n == 0)
        return NULL;
    v = calloc(*n, sizeof *v);
    if (v == NULL)
        return NULL;
    json_array_foreach (items, i, item)
        v[i] = item;
    qsort(v, *n, sizeof *v, cmp);
    return v;
}

static int
print_outbox(const json_t *doc)
{
    static const char *const head[] = {"ID", "TO", "FORM", "PURPOSE", "STATE", "SENT"};
    static const size_t max[] = {8, 32, 28, 28, 28, 0};
    struct admin_table t = {6, head, max, 0, 0, NULL};
    char form[96], state[64], age[32], id[9];
    const char *cells[6], *name;
    const json_t **items;
    time_t now = time(NULL);
    size_t n, i;
    int rc = CLI_OK;

    if (!json_is_array(json_object_get(doc, "items"))) {
        fputs("baton outbox: batond's answer has no \"items\" list\n", stderr);
        return CLI_UNUSABLE;
    }
    items = sorted_items(doc, &n, newest_first);
    if (n == 0) {
        puts("The outbox is empty: nothing was sent.");
        return CLI_OK;
    }
    if (items == NULL) {
        fputs("baton outbox: out of memory\n", stderr);
        return CLI_UNUSABLE;
    }
    for (i = 0; i < n && rc == CLI_OK; i++) {
        snprintf(id, sizeof id, "%s",
                 admin_str(items[i], "id") != NULL ? admin_str(items[i], "id") : "?");
        name = admin_str(items[i], "to_name");
        cells[0] = id;
        cells[1] = name != NULL ? name : admin_str(items[i], "to");
        cells[2] = admin_short_form(admin_str(items[i], "form_type"), form, sizeof form);
        cells[3] = admin_str(items[i], "purpose");
        cells[4] = state_text(items[i], state, sizeof state);
        cells[5] = admin_age(admin_time(admin_str(items[i], "created")), now, age, sizeof age);
        rc = admin_table_add(&t, cells);
    }
    if (rc == CLI_OK)
        admin_table_print(stdout, &t);
    admin_table_free(&t);
    free(items);
    return rc;
}

/* Parses --socket, --json, --help and, when lang is not NULL, --lang; collects one ID operand
 * when id is not NULL. CLI_OK to go on; *done with the exit status when the command is done. */
static int
common_args(const char *command, int argc, char **argv, const struct cli_option *opts,
            void (*help)(FILE *), const char **socket, bool *json, const char **lang,
            const char **id, bool *done)
{
    struct cli_args args;
    const char *value;
    int opt;

    *done = true;
    cli_args_init(&args, command, argc, argv);
    while ((opt = cli_next(&args, opts, &value)) != CLI_END) {
        switch (opt) {
        case CLI_BAD:
            return CLI_UNUSABLE;
        case CLI_OPERAND:
            if (id == NULL)
                return cli_usage(command, "takes no operands, only options");
            if (*id != NULL)
                return cli_usage(command, "give one ID");
            *id = value;
            break;
        case ADMIN_OPT_TOKEN_FILE:
            admin_set_token_file(value);
            break;
        case OPT_SOCKET:
            *socket = value;
            break;
        case OPT_JSON:
            *json = true;
            break;
        case OPT_LANG:
            *lang = value;
            break;
        case OPT_HELP:
            help(stdout);
            return CLI_OK;
        }
    }
    if (id != NULL && *id == NULL)
        return cli_usage(command, "no ID given: the packet id that 'baton send' printed (see "
                                  "'baton outbox')");
    *done = false;
    return CLI_OK;
}

int
cmd_outbox(int argc, char **argv)
{
    const char *socket = NULL;
    struct admin_reply r = {0};
    bool json = false, done;
    int rc;

    rc = common_args("outbox", argc, argv, outbox_options, cmd_outbox_help, &socket, &json, NULL,
                     NULL, &done);
    if (done)
        return rc;
    rc = admin_request("outbox", admin_socket(socket), "GET", "/v1/outbox", NULL, &r);
    if (rc != CLI_OK)
        return rc;
    if (!admin_ok(&r))
        rc = admin_refused("outbox", &r, json);
    else if (json)
        admin_print_body(&r);
    else
        rc = print_outbox(r.json);
    admin_reply_clear(&r);
    return rc;
}

/* ---- status ---- */

#define W 13 /* the width of the labels */

static void
print_receipt(const json_t *receipt)
{
    const char *id = admin_str(receipt, "id"), *at = admin_str(receipt, "received_at");
    char line[256];

    if (!json_is_object(receipt)) {
        admin_field(W, "Receipt", "none yet");
        return;
    }
    snprintf(line, sizeof line, "%s, received %s, %s", id != NULL ? id : "?", at != NULL ? at : "?",
             json_is_true(json_object_get(receipt, "verified")) ? "signature verified"
                                                                : "signature NOT verified");
    admin_field(W, "Receipt", line);
}

static int
print_events(const json_t *events)
{
    static const char *const head[] = {"  AT", "EVENT", "DETAIL"};
    struct admin_table t = {3, head, NULL, 0, 0, NULL};
    const json_t *e;
    const char *cells[3];
    char at[64];
    size_t i;
    int rc = CLI_OK;

    if (json_array_size(events) == 0)
        return CLI_OK;
    puts("\nEvents:");
    json_array_foreach (events, i, e) {
        snprintf(at, sizeof at, "  %s", admin_str(e, "at") != NULL ? admin_str(e, "at") : "?");
        cells[0] = at;
        cells[1] = admin_str(e, "event");
        cells[2] = admin_str(e, "detail") != NULL ? admin_str(e, "detail") : "";
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
print_status(const json_t *item, enum forms_lang lang)
{
    struct cli_network net = {0};
    const char *to = admin_str(item, "to"), *name = admin_str(item, "to_name");
    const char *type = admin_str(item, "form_type"), *state = admin_str(item, "state");
    const json_t *attempts = json_object_get(item, "attempts");
    char line[512];
    int rc;

    rc = cli_network_start("status", &net);
    if (rc != CLI_OK)
        return rc;
    admin_field(W, "Packet", admin_str(item, "id"));
    snprintf(line, sizeof line, "%s (%s)", name != NULL ? name : "not in the directory",
             to != NULL ? to : "?");
    admin_field(W, "To", line);
    snprintf(line, sizeof line, "%s (%s)", forms_form_title(net.cat, type, lang),
             type != NULL ? type : "?");
    admin_field(W, "Form", line);
    admin_field(W, "Purpose", admin_str(item, "purpose"));
    admin_field(W, "State", state_text(item, line, sizeof line));
    if (state != NULL && strcmp(state, "undeliverable") == 0)
        admin_field(W, "",
                    "the retry window passed without a delivery: see the last error, "
                    "then send the form again");
    admin_field(W, "Created", admin_str(item, "created"));
    admin_field(W, "Delivered", admin_str(item, "delivered"));
    admin_field(W, "Decided", admin_str(item, "decided"));
    admin_field(W, "By", admin_str(item, "by"));
    admin_field(W, "Reason", admin_str(item, "reason"));
    if (json_is_integer(attempts)) {
        snprintf(line, sizeof line, "%" JSON_INTEGER_FORMAT, json_integer_value(attempts));
        admin_field(W, "Attempts", line);
    }
    admin_field(W, "Next attempt", admin_str(item, "next_attempt"));
    admin_field(W, "Last error", admin_str(item, "last_error"));
    print_receipt(json_object_get(item, "receipt"));
    rc = print_events(json_object_get(item, "events"));
    cli_network_free(&net);
    return rc;
}

int
cmd_status(int argc, char **argv)
{
    const char *socket = NULL, *lang_arg = NULL, *id_arg = NULL;
    struct admin_reply r = {0};
    enum forms_lang lang;
    char id[ADMIN_ID_LEN + 1], path[64];
    bool json = false, done;
    int rc;

    rc = common_args("status", argc, argv, status_options, cmd_status_help, &socket, &json,
                     &lang_arg, &id_arg, &done);
    if (done)
        return rc;
    if (!cli_lang(lang_arg, &lang))
        return cli_usage("status", "--lang must be 'nl' or 'en', not '%s'", lang_arg);
    socket = admin_socket(socket);
    rc = admin_resolve_id("status", socket, "/v1/outbox", id_arg, id);
    if (rc != CLI_OK)
        return rc;
    snprintf(path, sizeof path, "/v1/outbox/%s", id);
    rc = admin_request("status", socket, "GET", path, NULL, &r);
    if (rc != CLI_OK)
        return rc;
    if (!admin_ok(&r))
        rc = admin_refused("status", &r, json);
    else if (json)
        admin_print_body(&r);
    else
        rc = print_status(r.json, lang);
    admin_reply_clear(&r);
    return rc;
}
