/* SPDX-License-Identifier: EUPL-1.2 */
/* 'baton consent': the consent register of the local batond (add, list, show, withdraw). */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "admin.h"

#define CONSENT_TYPE "urn:baton:form:consent-record:1"

enum {
    OPT_SOCKET = 1,
    OPT_JSON,
    OPT_LANG,
    OPT_REASON,
    OPT_HELP,
};

static const struct cli_option consent_options[] = {
    {"--socket", 0, true, OPT_SOCKET},
    {"--token-file", 0, true, ADMIN_OPT_TOKEN_FILE},
    {"--json", 0, false, OPT_JSON},
    {"--lang", 0, true, OPT_LANG},
    {"--reason", 0, true, OPT_REASON},
    {"--help", 'h', false, OPT_HELP},
    {NULL, 0, false, 0},
};

void
cmd_consent_help(FILE *out)
{
    fputs("usage: baton consent add [--socket PATH] [--json] [--lang nl|en] FILE\n"
          "       baton consent list [--socket PATH] [--json]\n"
          "       baton consent show [--socket PATH] [--json] ID\n"
          "       baton consent withdraw [--socket PATH] [--json] [--reason TEXT] ID\n"
          "\n"
          "The consent register of this organisation's batond. A handover on the basis of\n"
          "consent names a registered consent (baton send --basis consent --consent ID), and\n"
          "batond checks it on every send: not withdrawn, not expired, about the same young\n"
          "person, covering the recipient, the purpose and every kind of data sent, and for a\n"
          "minor also given by a parent or guardian (as the covenant says).\n"
          "\n"
          "  add FILE        registers a consent-record form (" CONSENT_TYPE ");\n"
          "                  prints its id.\n"
          "  list            the register: id, state (valid, expired, withdrawn), purposes,\n"
          "                  valid until. Never the young person's name.\n"
          "  show ID         one consent with its record and the handovers sent under it.\n"
          "  withdraw ID     withdraws it: nothing more is sent under it, and every organisation\n"
          "                  that received data under it gets a signed withdrawal notice.\n"
          "\n"
          "Options:\n"
          "  --reason TEXT   withdraw: why (kept in the register, not sent).\n"
          "  --lang nl|en    add: language of the form's error messages.\n" ADMIN_COMMON_HELP
              ADMIN_TOKEN_HELP "\n" ADMIN_EXIT_HELP,
          out);
}

static void
print_list(const json_t *doc)
{
    static const char *const head[] = {"ID", "STATE", "PURPOSES", "VALID UNTIL", "ADDED"};
    static const size_t max[] = {36, 10, 40, 12, 20};
    struct admin_table t = {5, head, max, 0, 0, NULL};
    const json_t *items = json_object_get(doc, "items"), *item, *p;
    char purposes[200];
    const char *cells[5];
    size_t i, k, used;

    if (json_array_size(items) == 0) {
        puts("The consent register is empty.");
        return;
    }
    json_array_foreach (items, i, item) {
        used = 0;
        purposes[0] = '\0';
        json_array_foreach (json_object_get(item, "purposes"), k, p)
            if (used + 70 < sizeof purposes)
                used += (size_t)snprintf(purposes + used, sizeof purposes - used, "%s%s",
                                         k ? ", " : "", json_string_value(p));
        cells[0] = admin_str(item, "id");
        cells[1] = admin_str(item, "state");
        cells[2] = purposes;
        cells[3] = admin_str(item, "valid_until");
        cells[4] = admin_str(item, "added");
        if (admin_table_add(&t, cells) != CLI_OK)
            break;
    }
    admin_table_print(stdout, &t);
    admin_table_free(&t);
}

static void
print_item(const json_t *item)
{
    const json_t *v, *sent = json_object_get(item, "sent_under"), *w;
    char line[400];
    size_t i;

    admin_field(14, "Id", admin_str(item, "id"));
    admin_field(14, "State", admin_str(item, "state"));
    admin_field(14, "Added", admin_str(item, "added"));
    admin_field(14, "Valid until", admin_str(item, "valid_until"));
    admin_field(14, "Withdrawn", admin_str(item, "withdrawn"));
    admin_field(14, "Reason", admin_str(item, "reason"));
    json_array_foreach (json_object_get(item, "purposes"), i, v)
        admin_field(14, i == 0 ? "Purposes" : "", json_string_value(v));
    json_array_foreach (json_object_get(item, "data_categories"), i, v)
        admin_field(14, i == 0 ? "Data" : "", json_string_value(v));
    json_array_foreach (json_object_get(item, "given_by"), i, v)
        admin_field(14, i == 0 ? "Given by" : "", json_string_value(v));
    json_array_foreach (json_object_get(item, "recipients"), i, v) {
        snprintf(line, sizeof line, "%s%s%s", admin_str(v, "oin") ? admin_str(v, "oin") : "",
                 admin_str(v, "oin") && admin_str(v, "role") ? " " : "",
                 admin_str(v, "role") ? admin_str(v, "role") : "");
        admin_field(14, i == 0 ? "Recipients" : "", line);
    }
    if (json_array_size(sent) == 0)
        admin_field(14, "Sent under it", "nothing");
    json_array_foreach (sent, i, v) {
        snprintf(line, sizeof line, "packet %s to %s", admin_str(v, "packet"), admin_str(v, "to"));
        admin_field(14, i == 0 ? "Sent under it" : "", line);
    }
    w = json_object_get(item, "withdrawal");
    if (w != NULL) {
        snprintf(line, sizeof line, "%lld notified, %lld confirmed",
                 (long long)json_integer_value(json_object_get(w, "notified")),
                 (long long)json_integer_value(json_object_get(w, "confirmed")));
        admin_field(14, "Withdrawal", line);
    }
}

int
cmd_consent(int argc, char **argv)
{
    const char *socket = NULL, *lang_arg = NULL, *reason = NULL, *value, *sub = NULL,
               *operand = NULL, *method = "GET";
    struct admin_reply r = {0};
    struct cli_args args;
    enum forms_lang lang;
    json_t *body = NULL, *form = NULL;
    char path[128];
    bool json = false;
    int opt, rc;

    cli_args_init(&args, "consent", argc, argv);
    while ((opt = cli_next(&args, consent_options, &value)) != CLI_END) {
        switch (opt) {
        case CLI_BAD:
            return CLI_UNUSABLE;
        case CLI_OPERAND:
            if (sub == NULL)
                sub = value;
            else if (operand == NULL)
                operand = value;
            else
                return cli_usage("consent", "too many arguments: '%s'", value);
            break;
        case ADMIN_OPT_TOKEN_FILE:
            admin_set_token_file(value);
            break;
        case OPT_SOCKET:
            socket = value;
            break;
        case OPT_JSON:
            json = true;
            break;
        case OPT_LANG:
            lang_arg = value;
            break;
        case OPT_REASON:
            reason = value;
            break;
        case OPT_HELP:
            cmd_consent_help(stdout);
            return CLI_OK;
        }
    }
    if (!cli_lang(lang_arg, &lang))
        return cli_usage("consent", "--lang must be 'nl' or 'en', not '%s'", lang_arg);
    if (sub == NULL)
        return cli_usage("consent", "say what to do: add, list, show or withdraw");
    if (strcmp(sub, "list") == 0) {
        if (operand != NULL)
            return cli_usage("consent", "list takes no argument");
        snprintf(path, sizeof path, "/v1/consents");
    } else if (strcmp(sub, "add") == 0) {
        if (operand == NULL)
            return cli_usage("consent", "add needs FILE, a consent-record form");
        rc = admin_check_form("consent", operand, CONSENT_TYPE, lang, json, &form);
        if (rc != CLI_OK)
            return rc;
        body = json_pack("{s:o}", "form", form);
        method = "POST";
        snprintf(path, sizeof path, "/v1/consents");
    } else if (strcmp(sub, "show") == 0 || strcmp(sub, "withdraw") == 0) {
        if (operand == NULL || !admin_is_uuid(operand))
            return cli_usage("consent", "%s needs ID, the consent's id (a UUID)", sub);
        if (sub[0] == 'w') {
            body = reason != NULL ? json_pack("{s:s}", "reason", reason) : json_object();
            method = "POST";
            snprintf(path, sizeof path, "/v1/consents/%s/withdraw", operand);
        } else {
            snprintf(path, sizeof path, "/v1/consents/%s", operand);
        }
    } else {
        return cli_usage("consent", "unknown sub-command '%s': add, list, show or withdraw", sub);
    }
    if (reason != NULL && strcmp(sub, "withdraw") != 0)
        return cli_usage("consent", "--reason goes with withdraw only");
    if (strcmp(method, "POST") == 0 && body == NULL) {
        fputs("baton consent: out of memory\n", stderr);
        return CLI_UNUSABLE;
    }

    rc = admin_request("consent", admin_socket(socket), method, path, body, &r);
    json_decref(body);
    if (rc != CLI_OK)
        return rc;
    if (!admin_ok(&r)) {
        rc = admin_refused("consent", &r, json);
        admin_reply_clear(&r);
        return rc;
    }
    if (json)
        admin_print_body(&r);
    else if (strcmp(sub, "add") == 0)
        printf("%s\n", admin_str(r.json, "id") != NULL ? admin_str(r.json, "id") : "?");
    else if (strcmp(sub, "list") == 0)
        print_list(r.json);
    else
        print_item(r.json);
    admin_reply_clear(&r);
    return CLI_OK;
}
