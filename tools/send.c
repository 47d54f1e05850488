/* SPDX-License-Identifier: EUPL-1.2 */
/* 'baton send': checks a form here, then hands it to the local batond, which seals, queues and
 * delivers it. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "admin.h"

enum {
    OPT_TO = 1,
    OPT_PURPOSE,
    OPT_BASIS,
    OPT_CONSENT,
    OPT_LAW,
    OPT_SOCKET,
    OPT_JSON,
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
    {"--lang", 0, true, OPT_LANG},
    {"--help", 'h', false, OPT_HELP},
    {NULL, 0, false, 0},
};

void
cmd_send_help(FILE *out)
{
    fputs("usage: baton send --to OIN --purpose PURPOSE --basis BASIS\n"
          "                  [--consent ID | --law TEXT] [--socket PATH] [--json]\n"
          "                  [--lang nl|en] FORM\n"
          "\n"
          "Hands FORM, a form in JSON ('-' reads standard input), to this organisation's\n"
          "batond for one recipient. baton checks the form against its schema first and\n"
          "lists every error (nothing is sent then); batond checks it again together with the\n"
          "covenant and the directory, seals it (signed and encrypted for the recipient), stores\n"
          "it and queues it before it answers, then delivers it, retrying until the recipient\n"
          "takes it. 'baton outbox' and 'baton status ID' show how it goes.\n"
          "\n"
          "Options:\n"
          "  --to OIN        the recipient, by its OIN (20 digits) in the directory.\n"
          "  --purpose P     the covenant's code of the purpose, e.g. warme-overdracht.\n"
          "  --basis BASIS   the legal basis: consent, legal-obligation or public-task.\n"
          "  --consent ID    with consent: the consent record's record_id (a UUID).\n"
          "  --law TEXT      with legal-obligation or public-task: the law (and article) that\n"
          "                  obliges it, or that gives the public task.\n"
          "  --lang nl|en    language of the messages about the form (as 'baton "
          "validate').\n" ADMIN_COMMON_HELP ADMIN_TOKEN_HELP "\n"
          "On success it prints 'queued ID for OIN'; ID is the packet id that 'baton status'\n"
          "takes.\n"
          "\n" ADMIN_EXIT_HELP "\n"
          "Example:\n"
          "  baton send --to 00000001001234567000 --purpose warme-overdracht \\\n"
          "      --basis consent --consent 6d2f4c1e-8a3b-4f0d-9c7e-1b5a2e3d4f60 milan.json\n",
          out);
}

struct send_args {
    const char *to, *purpose, *basis, *consent, *law, *socket, *lang_arg, *form_path;
    bool json;
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

int
cmd_send(int argc, char **argv)
{
    struct send_args a = {0};
    struct admin_reply r = {0};
    struct cli_args args;
    enum forms_lang lang;
    const char *value, *id;
    json_t *form = NULL, *req = NULL;
    int opt, rc;

    cli_args_init(&args, "send", argc, argv);
    while ((opt = cli_next(&args, send_options, &value)) != CLI_END) {
        switch (opt) {
        case CLI_BAD:
            return CLI_UNUSABLE;
        case CLI_OPERAND:
            if (a.form_path != NULL)
                return cli_usage("send", "give one FORM; each handover is for one recipient");
            a.form_path = value;
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
        case OPT_LANG:
            a.lang_arg = value;
            break;
        case OPT_HELP:
            cmd_send_help(stdout);
            return CLI_OK;
        }
    }
    if (!cli_lang(a.lang_arg, &lang))
        return cli_usage("send", "--lang must be 'nl' or 'en', not '%s'", a.lang_arg);
    rc = check_options(&a);
    if (rc != CLI_OK)
        return rc;

    rc = admin_check_form("send", a.form_path, NULL, lang, a.json, &form);
    if (rc != CLI_OK)
        return rc;
    req = request(&a, form);
    if (req == NULL) {
        fputs("baton send: the options must be UTF-8 text (or out of memory)\n", stderr);
        return CLI_UNUSABLE;
    }
    /* lang: batond words its messages about the form in it (an extension of the admin API). */
    rc = admin_request("send", admin_socket(a.socket), "POST",
                       lang == FORMS_LANG_EN ? "/v1/send?lang=en" : "/v1/send?lang=nl", req, &r);
    if (rc != CLI_OK)
        goto out;
    if (!admin_ok(&r)) {
        rc = admin_refused("send", &r, a.json);
        goto out;
    }
    id = admin_str(r.json, "id");
    if (a.json) {
        admin_print_body(&r);
    } else if (id == NULL) {
        fputs("baton send: batond queued the form but did not say its id; see 'baton outbox'\n",
              stderr);
        rc = CLI_UNUSABLE;
        goto out;
    } else {
        fputs("queued ", stdout);
        cli_put_safe(stdout, id);
        printf(" for %s\n", a.to);
    }
    rc = CLI_OK;
out:
    admin_reply_clear(&r);
    json_decref(req);
    return rc;
}
