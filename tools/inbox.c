/* SPDX-License-Identifier: EUPL-1.2 */
/* 'baton inbox', 'show', 'accept', 'reject' and 'update': what the local batond received, and a
 * person's decision on it, signed and sent back by batond. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "admin.h"

#define MAX_BY 200      /* bytes of "NAME, ROLE" */
#define MAX_REASON 2000 /* bytes of a rejection's reason */

enum {
    OPT_SOCKET = 1,
    OPT_JSON,
    OPT_LANG,
    OPT_BY,
    OPT_REASON,
    OPT_HELP,
};

static const struct cli_option inbox_options[] = {
    {"--socket", 0, true, OPT_SOCKET},
    {"--token-file", 0, true, ADMIN_OPT_TOKEN_FILE},
    {"--json", 0, false, OPT_JSON},
    {"--help", 'h', false, OPT_HELP},
    {NULL, 0, false, 0},
};

static const struct cli_option show_options[] = {
    {"--socket", 0, true, OPT_SOCKET}, {"--token-file", 0, true, ADMIN_OPT_TOKEN_FILE},
    {"--json", 0, false, OPT_JSON},    {"--lang", 0, true, OPT_LANG},
    {"--help", 'h', false, OPT_HELP},  {NULL, 0, false, 0},
};

static const struct cli_option accept_options[] = {
    {"--socket", 0, true, OPT_SOCKET}, {"--token-file", 0, true, ADMIN_OPT_TOKEN_FILE},
    {"--json", 0, false, OPT_JSON},    {"--by", 0, true, OPT_BY},
    {"--help", 'h', false, OPT_HELP},  {NULL, 0, false, 0},
};

static const struct cli_option reject_options[] = {
    {"--socket", 0, true, OPT_SOCKET},
    {"--token-file", 0, true, ADMIN_OPT_TOKEN_FILE},
    {"--json", 0, false, OPT_JSON},
    {"--reason", 0, true, OPT_REASON},
    {"--by", 0, true, OPT_BY},
    {"--help", 'h', false, OPT_HELP},
    {NULL, 0, false, 0},
};

static const struct cli_option update_options[] = {
    {"--socket", 0, true, OPT_SOCKET}, {"--token-file", 0, true, ADMIN_OPT_TOKEN_FILE},
    {"--json", 0, false, OPT_JSON},    {"--lang", 0, true, OPT_LANG},
    {"--help", 'h', false, OPT_HELP},  {NULL, 0, false, 0},
};

#define ID_HELP                                                                                    \
    "ID is the id that 'baton inbox' shows, or its first characters (at least 4) when no\n"        \
    "other id in the inbox starts with them.\n"

void
cmd_inbox_help(FILE *out)
{
    fputs("usage: baton inbox [--socket PATH] [--json]\n"
          "\n"
          "Lists the forms this organisation's batond received: new ones first, then those\n"
          "decided, each group newest first. For each: the id's first 8 characters (enough\n"
          "for 'baton show', 'accept', 'reject'), the sender, the form type, the purpose, when\n"
          "it came, its state (new, accepted, rejected) and, while new, the covenant's deadline\n"
          "for taking it over. Never the form's content: 'baton show ID' shows that (and is\n"
          "audited).\n"
          "\n"
          "Options:\n" ADMIN_COMMON_HELP ADMIN_TOKEN_HELP "\n" ADMIN_EXIT_HELP,
          out);
}

void
cmd_show_help(FILE *out)
{
    fputs(
        "usage: baton show [--socket PATH] [--json] [--lang nl|en] ID\n"
        "\n"
        "Shows a received form: who sent it, when, why (purpose and legal basis), its state,\n"
        "and the form itself with the catalogue's labels. batond records in its audit log\n"
        "that the form was viewed.\n" ID_HELP "\n"
        "Options:\n"
        "  --lang nl|en    language of the labels. Without it: English when LC_ALL,\n"
        "                  LC_MESSAGES or LANG starts with \"en\", else Dutch.\n" ADMIN_COMMON_HELP
            ADMIN_TOKEN_HELP "\n" ADMIN_EXIT_HELP,
        out);
}

void
cmd_accept_help(FILE *out)
{
    fputs("usage: baton accept --by \"NAME, ROLE\" [--socket PATH] [--json] ID\n"
          "\n"
          "Takes a received form over: batond records who did, and sends the sender a signed\n"
          "acceptance (delivered like a form: stored first, retried until it arrives). After\n"
          "that the young person is this organisation's to follow up.\n" ID_HELP "\n"
          "Options:\n"
          "  --by \"NAME, ROLE\" required: the person who takes it over and their role, e.g.\n"
          "                  --by \"Mark Jansen, klantmanager werk\". It goes into the signed\n"
          "                  acceptance. At most 200 bytes on one line.\n" ADMIN_COMMON_HELP
              ADMIN_TOKEN_HELP "\n" ADMIN_EXIT_HELP,
          out);
}

void
cmd_reject_help(FILE *out)
{
    fputs("usage: baton reject --reason TEXT [--by \"NAME, ROLE\"] [--socket PATH] [--json] ID\n"
          "\n"
          "Refuses a received form: batond records why, and sends the sender a signed\n"
          "rejection with the reason (delivered like a form: stored first, retried until it\n"
          "arrives), so that they can send it to the right organisation.\n" ID_HELP "\n"
          "Options:\n"
          "  --reason TEXT   required: why, for the sender, e.g. \"not our municipality: lives\n"
          "                  in Oosterzande\". It travels in the signed rejection: do not put\n"
          "                  the young person's details in it. At most 2000 bytes on one line.\n"
          "  --by \"NAME, ROLE\" the person who decides and their role.\n" ADMIN_COMMON_HELP
              ADMIN_TOKEN_HELP "\n" ADMIN_EXIT_HELP,
          out);
}

void
cmd_update_help(FILE *out)
{
    fputs("usage: baton update [--socket PATH] [--json] [--lang nl|en] ID FORM\n"
          "\n"
          "Sends a status update on a received form back to its sender: FORM ('-' reads standard\n"
          "input) is a urn:baton:form:status-update:1 form (see\n"
          "forms/examples/valid/status-update.json). baton checks it first and lists every error\n"
          "(nothing is sent then); batond seals it for the sender and delivers it like any "
          "form.\n" ID_HELP "\n"
          "Options:\n"
          "  --lang nl|en    language of the messages about the form.\n" ADMIN_COMMON_HELP
              ADMIN_TOKEN_HELP "\n"
          "On success it prints 'queued NEW-ID, a status update on ID'; 'baton status NEW-ID'\n"
          "shows how it goes.\n"
          "\n" ADMIN_EXIT_HELP,
          out);
}

/* ---- the list ---- */

/* New first, then decided; in each, the latest received first; the id breaks ties. */
static int
inbox_order(const void *a, const void *b)
{
    const json_t *x = *(const json_t *const *)a, *y = *(const json_t *const *)b;
    const char *sx = admin_str(x, "state"), *sy = admin_str(y, "state");
    bool nx = sx != NULL && strcmp(sx, "new") == 0, ny = sy != NULL && strcmp(sy, "new") == 0;
    time_t tx = admin_time(admin_str(x, "received")), ty = admin_time(admin_str(y, "received"));
    const char *ix = admin_str(x, "id"), *iy = admin_str(y, "id");

    if (nx != ny)
        return nx ? -1 : 1;
    if (tx != ty)
        return tx < ty ? 1 : -1;
    return strcmp(ix != NULL ? ix : "", iy != NULL ? iy : "");
}

static int
print_inbox(const json_t *doc)
{
    static const char *const head[] = {"ID", "FROM", "FORM", "PURPOSE", "RECEIVED", "STATE", "DUE"};
    static const size_t max[] = {8, 32, 28, 28, 0, 12, 0};
    struct admin_table t = {7, head, max, 0, 0, NULL};
    const json_t *items = json_object_get(doc, "items"), *item, **v = NULL;
    char form[96], age[32], due[32], id[9];
    const char *cells[7], *name, *state;
    time_t now = time(NULL);
    size_t n = json_array_size(items), i;
    int rc = CLI_OK;

    if (!json_is_array(items)) {
        fputs("baton inbox: batond's answer has no \"items\" list\n", stderr);
        return CLI_UNUSABLE;
    }
    if (n == 0) {
        puts("The inbox is empty: nothing was received.");
        return CLI_OK;
    }
    v = calloc(n, sizeof *v);
    if (v == NULL) {
        fputs("baton inbox: out of memory\n", stderr);
        return CLI_UNUSABLE;
    }
    json_array_foreach (items, i, item)
        v[i] = item;
    qsort(v, n, sizeof *v, inbox_order);
    for (i = 0; i < n && rc == CLI_OK; i++) {
        snprintf(id, sizeof id, "%s", admin_str(v[i], "id") != NULL ? admin_str(v[i], "id") : "?");
        name = admin_str(v[i], "from_name");
        state = admin_str(v[i], "state");
        cells[0] = id;
        cells[1] = name != NULL ? name : admin_str(v[i], "from");
        cells[2] = admin_short_form(admin_str(v[i], "form_type"), form, sizeof form);
        cells[3] = admin_str(v[i], "purpose");
        cells[4] = admin_age(admin_time(admin_str(v[i], "received")), now, age, sizeof age);
        cells[5] = state;
        cells[6] = state != NULL && strcmp(state, "new") == 0
                       ? admin_due(admin_time(admin_str(v[i], "deadline")), now, due, sizeof due)
                       : "-";
        rc = admin_table_add(&t, cells);
    }
    if (rc == CLI_OK)
        admin_table_print(stdout, &t);
    admin_table_free(&t);
    free(v);
    return rc;
}

/* ---- the options ---- */

struct inbox_args {
    const char *socket, *lang_arg, *by, *reason, *id, *form_path;
    enum forms_lang lang;
    bool json;
};

/* Parses command's options; operands: the ID, and FORM when want_form. CLI_OK to go on; *done
 * with the exit status when the command is done (help, or a usage error). */
static int
parse(const char *command, int argc, char **argv, const struct cli_option *opts,
      void (*help)(FILE *), bool want_id, bool want_form, struct inbox_args *a, bool *done)
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
            if (want_id && a->id == NULL)
                a->id = value;
            else if (want_form && a->form_path == NULL)
                a->form_path = value;
            else if (!want_id)
                return cli_usage(command, "takes no operands, only options");
            else
                return cli_usage(command, want_form ? "give one ID and one FORM" : "give one ID");
            break;
        case ADMIN_OPT_TOKEN_FILE:
            admin_set_token_file(value);
            break;
        case OPT_SOCKET:
            a->socket = value;
            break;
        case OPT_JSON:
            a->json = true;
            break;
        case OPT_LANG:
            a->lang_arg = value;
            break;
        case OPT_BY:
            a->by = value;
            break;
        case OPT_REASON:
            a->reason = value;
            break;
        case OPT_HELP:
            help(stdout);
            return CLI_OK;
        }
    }
    if (!cli_lang(a->lang_arg, &a->lang))
        return cli_usage(command, "--lang must be 'nl' or 'en', not '%s'", a->lang_arg);
    if (want_id && a->id == NULL)
        return cli_usage(command, "no ID given: the id that 'baton inbox' shows");
    if (want_form && a->form_path == NULL)
        return cli_usage(command,
                         "no FORM given: the status update (use '-' to read standard input)");
    a->socket = admin_socket(a->socket);
    *done = false;
    return CLI_OK;
}

/* True when s has something besides spaces and no control characters, in at most max bytes. */
static bool
one_line(const char *s, size_t max)
{
    bool seen = false;
    size_t n = 0;

    for (; *s != '\0'; s++, n++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return false;
        if (*s != ' ')
            seen = true;
    }
    return seen && n <= max;
}

/* --by: "NAME, ROLE", both parts there. */
static int
check_by(const char *command, const char *by, bool required)
{
    const char *comma;

    if (by == NULL) {
        if (!required)
            return CLI_OK;
        return cli_usage(command, "--by \"NAME, ROLE\" is required: who takes the young person "
                                  "over, e.g. --by \"Mark Jansen, klantmanager werk\"");
    }
    if (!one_line(by, MAX_BY))
        return cli_usage(command, "--by must be a name and a role on one line, at most %d bytes",
                         MAX_BY);
    comma = strrchr(by, ',');
    if (comma == NULL || !one_line(comma + 1, MAX_BY) || comma == by ||
        strspn(by, " ") == (size_t)(comma - by))
        return cli_usage(command, "--by needs a name and a role, separated by a comma, e.g. "
                                  "--by \"Mark Jansen, klantmanager werk\"");
    return CLI_OK;
}

/* ---- the requests ---- */

/* Asks batond method on /v1/inbox/ID[/action][?query] with body (may be NULL); id resolved
 * first. CLI_OK with *r (a 2xx answer); otherwise the exit status after saying why. */
static int
ask(const char *command, const struct inbox_args *a, const char *method, const char *action,
    const char *query, const json_t *body, char id[ADMIN_ID_LEN + 1], struct admin_reply *r)
{
    char path[128];
    int rc;

    rc = admin_resolve_id(command, a->socket, "/v1/inbox", a->id, id);
    if (rc != CLI_OK)
        return rc;
    snprintf(path, sizeof path, "/v1/inbox/%s%s%s%s%s", id, action != NULL ? "/" : "",
             action != NULL ? action : "", query != NULL ? "?" : "", query != NULL ? query : "");
    rc = admin_request(command, a->socket, method, path, body, r);
    if (rc != CLI_OK)
        return rc;
    if (!admin_ok(r)) {
        rc = admin_refused(command, r, a->json);
        admin_reply_clear(r);
        return rc;
    }
    return CLI_OK;
}

int
cmd_inbox(int argc, char **argv)
{
    struct inbox_args a = {0};
    struct admin_reply r = {0};
    bool done;
    int rc;

    rc = parse("inbox", argc, argv, inbox_options, cmd_inbox_help, false, false, &a, &done);
    if (done)
        return rc;
    rc = admin_request("inbox", a.socket, "GET", "/v1/inbox", NULL, &r);
    if (rc != CLI_OK)
        return rc;
    if (!admin_ok(&r))
        rc = admin_refused("inbox", &r, a.json);
    else if (a.json)
        admin_print_body(&r);
    else
        rc = print_inbox(r.json);
    admin_reply_clear(&r);
    return rc;
}

/* ---- show ---- */

struct labels {
    const char *packet, *from, *to, *received, *issued, *form, *purpose, *basis, *consent, *law,
        *covenant, *state, *by, *reason, *decided, *deadline, *new_, *accepted, *rejected, *no_form;
};

static const struct labels labels[FORMS_LANG_COUNT] = {
    [FORMS_LANG_NL] =
        {"Pakket",       "Van",         "Aan",         "Ontvangen op",
         "Opgesteld op", "Formulier",   "Doel",        "Grondslag",
         "Toestemming",  "Wet of taak", "Convenant",   "Status",
         "Door",         "Reden",       "Besloten op", "Overnemen uiterlijk",
         "nieuw",        "overgenomen", "afgewezen",   "(de inhoud van het formulier is gewist)"},
    [FORMS_LANG_EN] = {"Packet",    "From",        "To",         "Received at",
                       "Issued at", "Form",        "Purpose",    "Legal basis",
                       "Consent",   "Law or task", "Covenant",   "State",
                       "By",        "Reason",      "Decided at", "Take over by",
                       "new",       "accepted",    "rejected",   "(the form's content was erased)"},
};

#define SW 24 /* the width of show's labels, as 'baton open' */

static void
party(const char *lbl, const char *name, const char *oin)
{
    char line[256];

    snprintf(line, sizeof line, "%s (%s)", name != NULL ? name : "-", oin != NULL ? oin : "?");
    admin_field(SW, lbl, line);
}

static void
print_show(const struct cli_network *net, const json_t *item, enum forms_lang lang)
{
    const struct labels *l = &labels[lang];
    const json_t *claims = json_object_get(item, "claims"), *form = json_object_get(item, "form");
    const json_t *iat = json_object_get(claims, "iat");
    const char *type = admin_str(item, "form_type"), *state = admin_str(item, "state");
    const char *state_text = state;
    char line[512], when[KEYS_TIME_LEN + 1], due[32];

    if (type == NULL)
        type = admin_str(claims, "form_type");
    if (form == NULL)
        form = json_object_get(claims, "form");
    admin_field(SW, l->packet, admin_str(item, "id"));
    party(l->from, admin_str(item, "from_name"), admin_str(item, "from"));
    if (admin_str(claims, "aud") != NULL)
        admin_field(SW, l->to, admin_str(claims, "aud"));
    admin_field(SW, l->received, admin_str(item, "received"));
    if (json_is_integer(iat)) {
        keys_time_format((time_t)json_integer_value(iat), when);
        admin_field(SW, l->issued, when);
    }
    snprintf(line, sizeof line, "%s (%s)", forms_form_title(net->cat, type, lang),
             type != NULL ? type : "?");
    admin_field(SW, l->form, line);
    admin_field(SW, l->purpose, admin_str(item, "purpose"));
    admin_field(SW, l->basis,
                admin_str(item, "basis") != NULL ? admin_str(item, "basis")
                                                 : admin_str(claims, "basis"));
    admin_field(SW, l->consent, admin_str(json_object_get(claims, "consent"), "id"));
    admin_field(SW, l->law, admin_str(claims, "law"));
    admin_field(SW, l->covenant, admin_str(json_object_get(claims, "covenant"), "id"));
    if (state != NULL && strcmp(state, "new") == 0)
        state_text = l->new_;
    else if (state != NULL && strcmp(state, "accepted") == 0)
        state_text = l->accepted;
    else if (state != NULL && strcmp(state, "rejected") == 0)
        state_text = l->rejected;
    admin_field(SW, l->state, state_text);
    admin_field(SW, l->by, admin_str(item, "by"));
    admin_field(SW, l->reason, admin_str(item, "reason"));
    admin_field(SW, l->decided, admin_str(item, "decided"));
    if (state != NULL && strcmp(state, "new") == 0 && admin_str(item, "deadline") != NULL) {
        snprintf(line, sizeof line, "%s (%s)", admin_str(item, "deadline"),
                 admin_due(admin_time(admin_str(item, "deadline")), time(NULL), due, sizeof due));
        admin_field(SW, l->deadline, line);
    }
    fputc('\n', stdout);
    if (json_is_object(form))
        cli_render_form(stdout, net->cat, type, form, lang, 1);
    else
        printf("  %s\n", l->no_form);
}

int
cmd_show(int argc, char **argv)
{
    struct inbox_args a = {0};
    struct admin_reply r = {0};
    struct cli_network net = {0};
    char id[ADMIN_ID_LEN + 1];
    bool done;
    int rc;

    rc = parse("show", argc, argv, show_options, cmd_show_help, true, false, &a, &done);
    if (done)
        return rc;
    rc = ask("show", &a, "GET", NULL, NULL, NULL, id, &r);
    if (rc != CLI_OK)
        return rc;
    if (a.json) {
        admin_print_body(&r);
    } else {
        rc = cli_network_start("show", &net);
        if (rc == CLI_OK)
            print_show(&net, r.json, a.lang);
        cli_network_free(&net);
    }
    admin_reply_clear(&r);
    return rc;
}

/* ---- decisions ---- */

/* "accepted 1234abcd-… of Sender (OIN), by NAME, ROLE": what batond now records. */
static void
print_decision(const char *what, const char *id, const json_t *item)
{
    const char *name = admin_str(item, "from_name"), *from = admin_str(item, "from");

    fputs(what, stdout);
    fputc(' ', stdout);
    cli_put_safe(stdout, id);
    if (from != NULL) {
        fputs(" from ", stdout);
        cli_put_safe(stdout, name != NULL ? name : from);
        fputs(" (", stdout);
        cli_put_safe(stdout, from);
        fputc(')', stdout);
    }
    if (admin_str(item, "by") != NULL) {
        fputs(", by ", stdout);
        cli_put_safe(stdout, admin_str(item, "by"));
    }
    fputs("; batond sends the signed notice back\n", stdout);
}

static int
decide(const char *command, int argc, char **argv, const struct cli_option *opts,
       void (*help)(FILE *))
{
    bool accept = strcmp(command, "accept") == 0, done;
    struct inbox_args a = {0};
    struct admin_reply r = {0};
    char id[ADMIN_ID_LEN + 1];
    json_t *body = NULL;
    int rc;

    rc = parse(command, argc, argv, opts, help, true, false, &a, &done);
    if (done)
        return rc;
    rc = check_by(command, a.by, accept);
    if (rc != CLI_OK)
        return rc;
    if (!accept && a.reason == NULL)
        return cli_usage(command, "--reason TEXT is required: why, for the sender, e.g. --reason "
                                  "\"not our municipality\"");
    if (!accept && !one_line(a.reason, MAX_REASON))
        return cli_usage(command, "--reason must be text on one line, at most %d bytes",
                         MAX_REASON);

    body = json_object();
    if (body == NULL || (a.by != NULL && json_object_set_new(body, "by", json_string(a.by)) != 0) ||
        (!accept && json_object_set_new(body, "reason", json_string(a.reason)) != 0)) {
        json_decref(body);
        fprintf(stderr, "baton %s: --by and --reason must be UTF-8 text\n", command);
        return CLI_UNUSABLE;
    }
    rc = ask(command, &a, "POST", accept ? "accept" : "reject", NULL, body, id, &r);
    if (rc == CLI_OK) {
        if (a.json)
            admin_print_body(&r);
        else
            print_decision(accept ? "accepted" : "rejected", id, r.json);
    }
    admin_reply_clear(&r);
    json_decref(body);
    return rc;
}

int
cmd_accept(int argc, char **argv)
{
    return decide("accept", argc, argv, accept_options, cmd_accept_help);
}

int
cmd_reject(int argc, char **argv)
{
    return decide("reject", argc, argv, reject_options, cmd_reject_help);
}

int
cmd_update(int argc, char **argv)
{
    static const char status_update[] = "urn:baton:form:status-update:1";
    struct inbox_args a = {0};
    struct admin_reply r = {0};
    char id[ADMIN_ID_LEN + 1];
    json_t *form = NULL, *body = NULL;
    const char *new_id;
    bool done;
    int rc;

    rc = parse("update", argc, argv, update_options, cmd_update_help, true, true, &a, &done);
    if (done)
        return rc;
    rc = admin_check_form("update", a.form_path, status_update, a.lang, a.json, &form);
    if (rc != CLI_OK)
        return rc;
    body = json_object();
    if (body == NULL || json_object_set_new(body, "form", form) != 0) {
        json_decref(body);
        fputs("baton update: out of memory\n", stderr);
        return CLI_UNUSABLE;
    }
    /* lang: batond words its messages about the form in it (an extension of the admin API). */
    rc = ask("update", &a, "POST", "update", a.lang == FORMS_LANG_EN ? "lang=en" : "lang=nl", body,
             id, &r);
    if (rc == CLI_OK) {
        new_id = admin_str(r.json, "id");
        if (a.json) {
            admin_print_body(&r);
        } else {
            fputs("queued ", stdout);
            cli_put_safe(stdout, new_id != NULL ? new_id : "(batond did not say its id)");
            printf(", a status update on %s\n", id);
        }
    }
    admin_reply_clear(&r);
    json_decref(body);
    return rc;
}
