/* SPDX-License-Identifier: EUPL-1.2 */
/* 'baton setup config|directory|keys': what the running batond works with, for its
 * administrator: the configuration in force, the network directory and covenant (and why they
 * cannot be used, when so), and this organisation's public keys. Reading them is audited. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "admin.h"
#include "cli.h"

enum {
    OPT_SOCKET = 1,
    OPT_JSON,
    OPT_HELP,
};

static const struct cli_option setup_options[] = {
    {"--socket", 0, true, OPT_SOCKET}, ADMIN_TOKEN_OPTION,  {"--json", 0, false, OPT_JSON},
    {"--help", 'h', false, OPT_HELP},  {NULL, 0, false, 0},
};

void
cmd_setup_help(FILE *out)
{
    fputs("usage: baton setup config|directory|keys [--socket PATH] [--json]\n"
          "\n"
          "What the running batond works with, for its administrator (the administrator role;\n"
          "batond audits each look as \"setup-viewed\"):\n"
          "  config      the configuration in force, a line per key of batond.conf (paths,\n"
          "              addresses, limits, durations in seconds, the roles' users as uids).\n"
          "  directory   the signed network directory (version, issued, expires, the member\n"
          "              organisations and their endpoints) and the covenant (id, version,\n"
          "              validity), each with its SHA-256 and, when batond cannot use it, why.\n"
          "  keys        this organisation's public keys as its directory entry lists them:\n"
          "              signing and encryption keys with their kids and validity, the TLS pin.\n"
          "To change them: edit batond.conf, or put the new signed directory and covenant or the\n"
          "rotated keystore ('baton key rotate') in place, and restart batond; it audits\n"
          "\"directory-changed\", \"covenant-changed\" and \"keys-changed\" at start.\n"
          "\n"
          "Options:\n" ADMIN_COMMON_HELP ADMIN_TOKEN_HELP "\n" ADMIN_EXIT_HELP "\n",
          out);
}

/* A JSON value as text on one line: a string as it is, anything else as JSON. */
static void
print_value(const json_t *v, char *buf, size_t size)
{
    char *dump;

    if (json_is_string(v)) {
        snprintf(buf, size, "%s", json_string_value(v));
        return;
    }
    if (v == NULL || json_is_null(v)) {
        snprintf(buf, size, "-");
        return;
    }
    dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    snprintf(buf, size, "%s", dump != NULL ? dump : "?");
    free(dump);
}

/* Each member of o as "  KEY  VALUE", keys padded to width. */
static void
print_members(const json_t *o, int width, const char *skip)
{
    const char *key;
    const json_t *v;
    char text[1024], label[64];

    json_object_foreach ((json_t *)o, key, v) {
        if (skip != NULL && strcmp(key, skip) == 0)
            continue;
        print_value(v, text, sizeof text);
        snprintf(label, sizeof label, "  %s", key);
        admin_field(width, label, text);
    }
}

static int
print_directory(const json_t *doc)
{
    const json_t *dir = json_object_get(doc, "directory"), *orgs, *o;
    size_t i;

    if (!json_is_object(dir) || !json_is_object(json_object_get(doc, "covenant"))) {
        fputs("baton setup directory: batond's answer has no \"directory\" and \"covenant\"\n",
              stderr);
        return CLI_UNUSABLE;
    }
    puts("network directory:");
    print_members(dir, 14, "organisations");
    orgs = json_object_get(dir, "organisations");
    printf("  organisations (%zu):\n", json_array_size(orgs));
    json_array_foreach (orgs, i, o) {
        char line[600];

        snprintf(line, sizeof line, "    %s  %s (%s)  %s", admin_str(o, "oin"),
                 admin_str(o, "name") != NULL ? admin_str(o, "name") : "?",
                 admin_str(o, "role") != NULL ? admin_str(o, "role") : "?",
                 admin_str(o, "endpoint") != NULL ? admin_str(o, "endpoint") : "-");
        cli_put_safe(stdout, line);
        fputc('\n', stdout);
    }
    puts("covenant:");
    print_members(json_object_get(doc, "covenant"), 14, NULL);
    return CLI_OK;
}

int
cmd_setup(int argc, char **argv)
{
    const char *socket = NULL, *value, *what = NULL, *path;
    struct admin_reply r = {0};
    struct cli_args args;
    bool json = false;
    int opt, rc;

    cli_args_init(&args, "setup", argc, argv);
    while ((opt = cli_next(&args, setup_options, &value)) != CLI_END) {
        switch (opt) {
        case CLI_OPERAND:
            if (what != NULL)
                return cli_usage("setup", "give one of config, directory or keys");
            what = value;
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
        case OPT_HELP:
            cmd_setup_help(stdout);
            return CLI_OK;
        default:
            return CLI_UNUSABLE;
        }
    }
    if (what == NULL)
        return cli_usage("setup", "say what to show: config, directory or keys");
    if (strcmp(what, "config") == 0)
        path = "/v1/config";
    else if (strcmp(what, "directory") == 0)
        path = "/v1/directory";
    else if (strcmp(what, "keys") == 0)
        path = "/v1/keys";
    else
        return cli_usage("setup", "'%s' is none of config, directory or keys", what);
    rc = admin_request("setup", admin_socket(socket), "GET", path, NULL, &r);
    if (rc != CLI_OK)
        return rc;
    if (!admin_ok(&r))
        rc = admin_refused("setup", &r, json);
    else if (json)
        admin_print_body(&r);
    else if (strcmp(what, "config") == 0 && json_is_object(json_object_get(r.json, "config")))
        print_members(json_object_get(r.json, "config"), 22, NULL);
    else if (strcmp(what, "directory") == 0)
        rc = print_directory(r.json);
    else
        admin_print_body(&r); /* the entry as the directory lists it: JSON */
    admin_reply_clear(&r);
    return rc;
}
