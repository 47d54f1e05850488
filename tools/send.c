/* SPDX-License-Identifier: EUPL-1.2 */
/* 'baton send': checks a form here, then hands it to the local batond, which seals, queues and
 * delivers it. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "admin.h"
#include "progress.h"

enum {
    OPT_TO = 1,
    OPT_PURPOSE,
    OPT_BASIS,
    OPT_CONSENT,
    OPT_LAW,
    OPT_SOCKET,
    OPT_JSON,
    OPT_QUIET,
    OPT_LANG,
    OPT_HELP,
};

static const struct cli_option send_options[] = {
    {"--to", 0, true, OPT_TO},
    {"--purpose", 0, true, OPT_PURPOSE},
    {"--basis", 0, true, OPT_BASIS},
    {"--consent", 0, true, OPT_CONSENT},
    {"--law", 0, true, OPT_LAW},
    {"--socket", 0, true, OPT_SOCKET},
    {"--token-file", 0, true, ADMIN_OPT_TOKEN_FILE},
    {"--json", 0, false, OPT_JSON},
    {"--quiet", 'q', false, OPT_QUIET},
    {"--lang", 0, true, OPT_LANG},
    {"--help", 'h', false, OPT_HELP},
    {NULL, 0, false, 0},
};

void
cmd_send_help(FILE *out)
{
    fputs("usage: baton send --to OIN --purpose PURPOSE --basis BASIS\n"
          "                  [--consent ID | --law TEXT] [--socket PATH] [--json]\n"
          "                  [--quiet] [--lang nl|en] FORM|FOLDER...\n"
          "\n"
          "Hands FORM, a form in JSON ('-' reads standard input), to this organisation's\n"
          "batond for one recipient. baton checks the form against its schema first and\n"
          "lists every error (nothing is sent then); batond checks it again together with the\n"
          "covenant and the directory, seals it (signed and encrypted for the recipient), stores\n"
          "it and queues it before it answers, then delivers it, retrying until the recipient\n"
          "takes it. 'baton outbox' and 'baton status ID' show how it goes.\n"
          "\n"
          "Several FORMs, or a FOLDER (its *.json files, in order of name), go to the same\n"
          "recipient with the same purpose and basis, one request each: a form that is\n"
          "refused does not stop the others. One line per form says what became of it, and\n"
          "on a terminal a progress line on standard error counts them.\n"
          "\n"
          "Options:\n"
          "  --to OIN        the recipient, by its OIN (20 digits) in the directory.\n"
          "  --purpose P     the covenant's code of the purpose, e.g. warme-overdracht.\n"
          "  --basis BASIS   the legal basis: consent, legal-obligation or public-task.\n"
          "  --consent ID    with consent: the consent record's record_id (a UUID).\n"
          "  --law TEXT      with legal-obligation or public-task: the law (and article) that\n"
          "                  obliges it, or that gives the public task.\n"
          "  --lang nl|en    language of the messages about the form (as 'baton "
          "validate').\n"
          "  -q, --quiet     no progress line on the terminal.\n" ADMIN_COMMON_HELP ADMIN_TOKEN_HELP
          "\n"
          "On success it prints 'queued ID for OIN'; ID is the packet id that 'baton status'\n"
          "takes. With several forms each line starts with the form's file: 'FILE: queued ID\n"
          "for OIN' or 'FILE: not sent (WHY)' (the reason in full on standard error); with\n"
          "--json one array of {\"file\", \"queued\", \"id\", \"answer\"}. The exit status is\n"
          "the worst of the forms'.\n"
          "\n" ADMIN_EXIT_HELP "\n"
          "Example:\n"
          "  baton send --to 00000001001234567000 --purpose warme-overdracht \\\n"
          "      --basis consent --consent 6d2f4c1e-8a3b-4f0d-9c7e-1b5a2e3d4f60 milan.json\n"
          "  baton send --to 00000001001234567000 --purpose warme-overdracht \\\n"
          "      --basis public-task --law 'Participatiewet art. 7' leavers-2025/\n",
          out);
}

struct send_args {
    const char *to, *purpose, *basis, *consent, *law, *socket, *lang_arg, *form_path;
    bool json, quiet;
};

/* True when s is n ASCII digits. */
static bool
digits(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return s[n] == '\0';
}

/* True when s matches the purpose code's pattern ^[a-z][a-z0-9-]{1,63}$. */
static bool
purpose_code(const char *s)
{
    size_t i, n = strlen(s);

    if (n < 2 || n > 64 || s[0] < 'a' || s[0] > 'z')
        return false;
    for (i = 1; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return false;
    return true;
}

/* True when s has no control characters (C0, DEL). */
static bool
printable(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return false;
    return true;
}

/* The options that make the claims, checked before the form is read. */
static int
check_options(const struct send_args *a)
{
    enum keys_basis basis;

    if (a->to == NULL)
        return cli_usage("send", "--to OIN is required: the recipient's OIN in the directory");
    if (!digits(a->to, KEYS_OIN_LEN))
        return cli_usage("send", "--to must be an OIN, 20 digits, not '%s'", a->to);
    if (a->purpose == NULL)
        return cli_usage("send", "--purpose is required: the covenant's code of the purpose");
    if (!purpose_code(a->purpose))
        return cli_usage("send",
                         "--purpose must be a covenant purpose code (lower-case letters, digits "
                         "and '-', such as warme-overdracht), not '%s'",
                         a->purpose);
    if (a->basis == NULL || !keys_basis_from_name(a->basis, &basis))
        return cli_usage("send",
                         "--basis must be consent, legal-obligation or public-task (GDPR article "
                         "6(1)(a), (c), (e))");
    if (basis == KEYS_BASIS_CONSENT && a->consent == NULL)
        return cli_usage("send", "--basis consent needs --consent ID, the consent record's "
                                 "record_id");
    if (basis == KEYS_BASIS_CONSENT && a->law != NULL)
        return cli_usage("send", "--law goes with --basis legal-obligation or public-task, not "
                                 "with consent");
    if (basis != KEYS_BASIS_CONSENT && a->law == NULL)
        return cli_usage("send", "--basis %s needs --law TEXT naming the law", a->basis);
    if (basis != KEYS_BASIS_CONSENT && a->consent != NULL)
        return cli_usage("send", "--consent goes with --basis consent only");
    if (a->law != NULL && (a->law[0] == '\0' || strlen(a->law) > 500 || !printable(a->law)))
        return cli_usage("send", "--law must be 1 to 500 bytes of text on one line");
    if (a->consent != NULL && !admin_is_uuid(a->consent))
        return cli_usage("send",
                         "--consent must be the consent record's record_id, a UUID, not "
                         "'%s'",
                         a->consent);
    if (a->form_path == NULL)
        return cli_usage("send", "no FORM given (use '-' to read it from standard input)");
    return CLI_OK;
}

/* With --json, the local refusal in the shape of batond's own (422, "details" in the basic
 * output format), so that scripts read one kind of answer. */
static void
print_invalid_json(const struct forms_result *res, enum forms_lang lang)
{
    json_t *basic = forms_result_basic(res, lang), *doc = json_object();

    if (basic != NULL && doc != NULL &&
        json_object_set_new(doc, "error", json_string("the form is invalid")) == 0 &&
        json_object_set_new(doc, "code", json_string("invalid-form")) == 0 &&
        json_object_set(doc, "details", json_object_get(basic, "errors")) == 0 &&
        json_dumpf(doc, stdout, JSON_INDENT(2)) == 0)
        fputc('\n', stdout);
    json_decref(doc);
    json_decref(basic);
}

int
admin_check_form(const char *command, const char *path, const char *expect, enum forms_lang lang,
                 bool json, json_t **out)
{
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    const struct forms_schema *schema = NULL;
    struct forms_result res = {0, NULL};
    struct cli_network net = {0};
    struct forms_err err = {0};
    enum forms_status st;
    json_t *form = NULL;
    char prefix[64];
    size_t n;
    int rc;

    rc = cli_network_start(command, &net);
    if (rc != CLI_OK)
        goto out;
    rc = CLI_UNUSABLE;
    st = forms_parse_file(path, NULL, &form, &err);
    if (st != FORMS_OK) {
        if (err.line > 0) {
            /* The reason without its "line N, column M: ", which the prefix gives. */
            n = (size_t)snprintf(prefix, sizeof prefix, "line %d, column %d: ", err.line,
                                 err.column);
            fflush(stdout);
            fprintf(stderr, "baton %s: ", command);
            cli_put_safe(stderr, name);
            fprintf(stderr, ":%d:%d: ", err.line, err.column);
            cli_put_safe(stderr, strncmp(err.text, prefix, n) == 0 ? err.text + n : err.text);
            fputc('\n', stderr);
        } else {
            cli_say(command, path, NULL, err.text);
        }
        goto out;
    }
    st = forms_schema_for(net.cat, form, &schema, &err);
    if (st != FORMS_OK) {
        cli_say(command, path, NULL, err.text);
        goto out;
    }
    if (strncmp(forms_schema_uri(schema), "urn:baton:form:", 15) != 0) {
        cli_say(command, path, "this is not a form but a ", forms_schema_uri(schema));
        goto out;
    }
    if (expect != NULL && strcmp(forms_schema_uri(schema), expect) != 0) {
        fflush(stdout);
        fprintf(stderr, "baton %s: ", command);
        cli_put_safe(stderr, name);
        fputs(": this is a ", stderr);
        cli_put_safe(stderr, forms_schema_uri(schema));
        fprintf(stderr, " form; only a %s form goes here\n", expect);
        rc = CLI_NO;
        goto out;
    }
    st = forms_validate(schema, form, &res, &err);
    if (st == FORMS_EINVALID) {
        if (json)
            print_invalid_json(&res, lang);
        cli_form_invalid(command, name, "sent", &res, lang);
        rc = CLI_NO;
        goto out;
    }
    if (st != FORMS_OK) {
        cli_say(command, path, NULL, err.text);
        goto out;
    }
    *out = form;
    form = NULL;
    rc = CLI_OK;
out:
    forms_result_clear(&res);
    json_decref(form);
    cli_network_free(&net);
    return rc;
}

/* The request: the claims' parameters and the form (taken). */
static json_t *
request(const struct send_args *a, json_t *form)
{
    json_t *req = json_object();

    /* The form first, so that it is taken (and freed with req) whatever fails after it. */
    if (req == NULL || json_object_set_new(req, "form", form) != 0) {
        json_decref(req);
        return NULL;
    }
    if (json_object_set_new(req, "to", json_string(a->to)) != 0 ||
        json_object_set_new(req, "purpose", json_string(a->purpose)) != 0 ||
        json_object_set_new(req, "basis", json_string(a->basis)) != 0 ||
        (a->consent != NULL && json_object_set_new(req, "consent", json_string(a->consent)) != 0) ||
        (a->law != NULL && json_object_set_new(req, "law", json_string(a->law)) != 0)) {
        /* json_string refuses text that is not UTF-8. */
        json_decref(req);
        return NULL;
    }
    return req;
}

/* One form to batond. With bulk, what is said goes to standard error only, *answer gets
 * batond's answer (NULL when it was not asked), and *stop tells that batond could not be asked
 * at all, so that the other forms would fail the same way. id gets the queued id. */
static int
send_one(const struct send_args *a, enum forms_lang lang, const char *path, bool bulk,
         char id[ADMIN_ID_LEN + 1], json_t **answer, bool *stop)
{
    struct admin_reply r = {0};
    json_t *form = NULL, *req = NULL;
    const char *got;
    int rc;

    id[0] = '\0';
    rc = admin_check_form("send", path, NULL, lang, a->json && !bulk, &form);
    if (rc != CLI_OK)
        return rc;
    req = request(a, form);
    if (req == NULL) {
        fputs("baton send: the options must be UTF-8 text (or out of memory)\n", stderr);
        return CLI_UNUSABLE;
    }
    /* lang: batond words its messages about the form in it (an extension of the admin API). */
    rc = admin_request("send", admin_socket(a->socket), "POST",
                       lang == FORMS_LANG_EN ? "/v1/send?lang=en" : "/v1/send?lang=nl", req, &r);
    if (rc != CLI_OK) {
        *stop = true;
        goto out;
    }
    if (bulk && answer != NULL && r.json != NULL)
        *answer = json_incref(r.json);
    if (!admin_ok(&r)) {
        rc = admin_refused("send", &r, a->json && !bulk);
        goto out;
    }
    if (!bulk && a->json) {
        admin_print_body(&r);
        rc = CLI_OK;
        goto out;
    }
    got = admin_str(r.json, "id");
    if (got == NULL || strlen(got) > ADMIN_ID_LEN) {
        fputs("baton send: batond queued the form but did not say its id; see 'baton outbox'\n",
              stderr);
        rc = CLI_UNUSABLE;
        goto out;
    }
    snprintf(id, ADMIN_ID_LEN + 1, "%s", got);
    rc = CLI_OK;
out:
    admin_reply_clear(&r);
    json_decref(req);
    return rc;
}

/* ---- several forms: files, and the *.json of folders ---- */

/* The most forms one bulk send takes: far more than a school sends in a year. */
#define SEND_MAX_FORMS 100000

struct form_list {
    char **paths;
    size_t n, cap;
};

static int
list_add(struct form_list *l, const char *dir, const char *name)
{
    char **grown, *path;
    size_t len;

    if (l->n == SEND_MAX_FORMS) {
        fprintf(stderr, "baton send: more than %d forms at once; send them in parts\n",
                SEND_MAX_FORMS);
        return CLI_UNUSABLE;
    }
    if (l->n == l->cap) {
        grown = realloc(l->paths, (l->cap ? l->cap * 2 : 16) * sizeof *grown);
        if (grown == NULL)
            goto oom;
        l->paths = grown;
        l->cap = l->cap ? l->cap * 2 : 16;
    }
    len = (dir != NULL ? strlen(dir) + 1 : 0) + strlen(name) + 1;
    path = malloc(len);
    if (path == NULL)
        goto oom;
    if (dir != NULL)
        snprintf(path, len, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name);
    else
        snprintf(path, len, "%s", name);
    l->paths[l->n++] = path;
    return CLI_OK;
oom:
    fputs("baton send: out of memory\n", stderr);
    return CLI_UNUSABLE;
}

static void
list_free(struct form_list *l)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        free(l->paths[i]);
    free(l->paths);
}

static int
by_name(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The *.json files of folder dir (not hidden ones), sorted by name, added to l. */
static int
list_folder(struct form_list *l, const char *dir)
{
    struct dirent *e;
    size_t first = l->n, len;
    DIR *d = opendir(dir);
    int rc = CLI_OK;

    if (d == NULL) {
        fflush(stdout);
        fputs("baton send: ", stderr);
        cli_put_safe(stderr, dir);
        fprintf(stderr, ": cannot read the folder: %s\n", strerror(errno));
        return CLI_UNUSABLE;
    }
    while (rc == CLI_OK && (e = readdir(d)) != NULL) {
        len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len <= 5 || strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        rc = list_add(l, dir, e->d_name);
    }
    closedir(d);
    if (rc != CLI_OK)
        return rc;
    if (l->n == first) {
        fflush(stdout);
        fputs("baton send: ", stderr);
        cli_put_safe(stderr, dir);
        fputs(": the folder holds no forms (*.json files)\n", stderr);
        return CLI_UNUSABLE;
    }
    qsort(l->paths + first, l->n - first, sizeof *l->paths, by_name);
    return CLI_OK;
}

/* Sends every form of l, one request each, with progress on a terminal; one line per form on
 * standard output (or, with --json, one JSON array at the end). A form refused does not stop
 * the others; batond out of reach does. The exit status is the worst. */
static int
send_bulk(const struct send_args *a, enum forms_lang lang, const struct form_list *l)
{
    char id[ADMIN_ID_LEN + 1];
    struct progress p;
    json_t *results = NULL, *answer, *item;
    size_t i, sent = 0;
    bool stop = false;
    int rc, worst = CLI_OK;

    if (a->json && (results = json_array()) == NULL) {
        fputs("baton send: out of memory\n", stderr);
        return CLI_UNUSABLE;
    }
    progress_start(&p, "send", PROGRESS_ITEMS, l->n, a->json || a->quiet);
    admin_set_progress(&p);
    for (i = 0; i < l->n && !stop; i++) {
        answer = NULL;
        progress_clear(&p); /* what is said about the form starts on a clean line */
        rc = send_one(a, lang, l->paths[i], true, id, &answer, &stop);
        progress_clear(&p);
        if (rc > worst)
            worst = rc;
        if (results != NULL) {
            item =
                json_pack("{s:s%, s:b, s:s?, s:o?}", "file", l->paths[i], strlen(l->paths[i]),
                          "queued", rc == CLI_OK, "id", rc == CLI_OK ? id : NULL, "answer", answer);
            if (item == NULL || json_array_append_new(results, item) != 0) {
                fputs("baton send: out of memory\n", stderr);
                worst = CLI_UNUSABLE;
            }
        } else {
            cli_put_safe(stdout, l->paths[i]);
            if (rc == CLI_OK) {
                printf(": queued %s for %s\n", id, a->to);
            } else if (stop) {
                puts(": not sent: batond could not be asked");
            } else if (admin_str(answer, "code") != NULL) { /* batond's refusal */
                fputs(": not sent (refused by batond: ", stdout);
                cli_put_safe(stdout, admin_str(answer, "code"));
                puts(")");
            } else {
                printf(": not sent (%s)\n", rc == CLI_NO ? "invalid form" : "unusable");
            }
            json_decref(answer);
            fflush(stdout);
        }
        sent += rc == CLI_OK;
        progress_update(&p, i + 1, 0);
    }
    admin_set_progress(NULL);
    progress_done(&p);
    if (stop && i < l->n) {
        fprintf(stderr,
                "baton send: stopped: batond could not be asked; %zu of %zu forms were not "
                "tried\n",
                l->n - i, l->n);
        worst = CLI_UNUSABLE;
    }
    if (results != NULL) {
        if (json_dumpf(results, stdout, JSON_INDENT(2)) == 0)
            fputc('\n', stdout);
        json_decref(results);
    } else if (l->n > 1) {
        fflush(stdout);
        fprintf(stderr, "baton send: %zu of %zu forms queued\n", sent, l->n);
    }
    return worst;
}

int
cmd_send(int argc, char **argv)
{
    struct send_args a = {0};
    struct form_list forms = {0};
    const char **operands = NULL, **grown;
    struct cli_args args;
    enum forms_lang lang;
    const char *value;
    char id[ADMIN_ID_LEN + 1];
    struct stat st;
    bool stop = false;
    size_t n_operands = 0, i;
    int opt, rc;

    cli_args_init(&args, "send", argc, argv);
    while ((opt = cli_next(&args, send_options, &value)) != CLI_END) {
        switch (opt) {
        case CLI_BAD:
            rc = CLI_UNUSABLE;
            goto out;
        case CLI_OPERAND:
            grown = realloc(operands, (n_operands + 1) * sizeof *operands);
            if (grown == NULL) {
                fputs("baton send: out of memory\n", stderr);
                rc = CLI_UNUSABLE;
                goto out;
            }
            operands = grown;
            operands[n_operands++] = value;
            break;
        case OPT_TO:
            a.to = value;
            break;
        case OPT_PURPOSE:
            a.purpose = value;
            break;
        case OPT_BASIS:
            a.basis = value;
            break;
        case OPT_CONSENT:
            a.consent = value;
            break;
        case OPT_LAW:
            a.law = value;
            break;
        case ADMIN_OPT_TOKEN_FILE:
            admin_set_token_file(value);
            break;
        case OPT_SOCKET:
            a.socket = value;
            break;
        case OPT_JSON:
            a.json = true;
            break;
        case OPT_QUIET:
            a.quiet = true;
            break;
        case OPT_LANG:
            a.lang_arg = value;
            break;
        case OPT_HELP:
            cmd_send_help(stdout);
            rc = CLI_OK;
            goto out;
        }
    }
    a.form_path = n_operands > 0 ? operands[0] : NULL;
    if (!cli_lang(a.lang_arg, &lang)) {
        rc = cli_usage("send", "--lang must be 'nl' or 'en', not '%s'", a.lang_arg);
        goto out;
    }
    rc = check_options(&a);
    if (rc != CLI_OK)
        goto out;

    /* One form: as it always was. */
    if (n_operands == 1 &&
        (strcmp(a.form_path, "-") == 0 || stat(a.form_path, &st) != 0 || !S_ISDIR(st.st_mode))) {
        rc = send_one(&a, lang, a.form_path, false, id, NULL, &stop);
        if (rc == CLI_OK && !a.json) {
            fputs("queued ", stdout);
            cli_put_safe(stdout, id);
            printf(" for %s\n", a.to);
        }
        goto out;
    }
    for (i = 0; i < n_operands; i++) {
        if (strcmp(operands[i], "-") == 0) {
            rc = cli_usage("send", "'-' (standard input) is one form; give it alone");
            goto out;
        }
        if (stat(operands[i], &st) == 0 && S_ISDIR(st.st_mode))
            rc = list_folder(&forms, operands[i]);
        else
            rc = list_add(&forms, NULL, operands[i]);
        if (rc != CLI_OK)
            goto out;
    }
    rc = send_bulk(&a, lang, &forms);
out:
    list_free(&forms);
    free(operands);
    return rc;
}
