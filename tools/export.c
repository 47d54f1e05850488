/* SPDX-License-Identifier: EUPL-1.2 */
/* 'baton export': a sent handover's sealed packet from the local batond, as a file, for when the
 * network cannot be used (the recipient opens it with 'baton open'); batond audits it. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "admin.h"
#include "progress.h"

enum {
    OPT_SOCKET = 1,
    OPT_JSON,
    OPT_OUTPUT,
    OPT_FORCE,
    OPT_HELP,
};

static const struct cli_option export_options[] = {
    {"--socket", 0, true, OPT_SOCKET},
    ADMIN_TOKEN_OPTION,
    {"--json", 0, false, OPT_JSON},
    {"--output", 'o', true, OPT_OUTPUT},
    {"--force", 0, false, OPT_FORCE},
    {"--help", 'h', false, OPT_HELP},
    {NULL, 0, false, 0},
};

void
cmd_export_help(FILE *out)
{
    fputs("usage: baton export [--socket PATH] [--json] [-o FILE [--force]] ID\n"
          "\n"
          "Writes the sealed packet of handover ID (from 'baton outbox') as batond sends it:\n"
          "signed by this organisation and encrypted for its recipient, who alone can open it\n"
          "('baton open'). For a handover by file when the network cannot be used. batond\n"
          "records the export in its audit trail, with who asked.\n"
          "\n"
          "Options:\n"
          "  -o, --output FILE  write the packet there (default: standard output).\n"
          "  --force         replace FILE when it exists.\n" ADMIN_COMMON_HELP ADMIN_TOKEN_HELP
          "\n" ADMIN_EXIT_HELP,
          out);
}

int
cmd_export(int argc, char **argv)
{
    const char *socket = NULL, *output = NULL, *id_arg = NULL, *value, *packet;
    struct admin_reply r = {0};
    struct cli_args args;
    struct progress p;
    char id[ADMIN_ID_LEN + 1], path[80];
    bool json = false, force = false;
    int opt, rc;

    cli_args_init(&args, "export", argc, argv);
    while ((opt = cli_next(&args, export_options, &value)) != CLI_END) {
        switch (opt) {
        case CLI_BAD:
            return CLI_UNUSABLE;
        case CLI_OPERAND:
            if (id_arg != NULL)
                return cli_usage("export", "one handover at a time, not also '%s'", value);
            id_arg = value;
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
        case OPT_OUTPUT:
            output = value;
            break;
        case OPT_FORCE:
            force = true;
            break;
        case OPT_HELP:
            cmd_export_help(stdout);
            return CLI_OK;
        }
    }
    if (id_arg == NULL)
        return cli_usage("export", "which handover? Give its id (see 'baton outbox')");
    if (force && output == NULL)
        return cli_usage("export", "--force replaces the file of --output; there is none");
    socket = admin_socket(socket);
    rc = admin_resolve_id("export", socket, "/v1/outbox", id_arg, id);
    if (rc != CLI_OK)
        return rc;
    snprintf(path, sizeof path, "/v1/outbox/%s/packet", id);
    /* The download's bytes on a terminal (a packet is at most a few MiB). */
    progress_start(&p, "export", PROGRESS_BYTES, 0, json);
    admin_set_progress(&p);
    rc = admin_request("export", socket, "GET", path, NULL, &r);
    admin_set_progress(NULL);
    progress_done(&p);
    if (rc != CLI_OK)
        return rc;
    packet = json_string_value(json_object_get(r.json, "packet"));
    if (!admin_ok(&r)) {
        rc = admin_refused("export", &r, json);
    } else if (json) {
        admin_print_body(&r);
    } else if (packet == NULL) {
        fprintf(stderr, "baton export: batond's answer holds no packet\n");
        rc = CLI_UNUSABLE;
    } else if (output != NULL) {
        rc = cli_write_file("export", output, packet, strlen(packet), force);
        if (rc == CLI_OK)
            fprintf(stderr, "baton export: packet %s for %s written to %s\n", id,
                    json_string_value(json_object_get(r.json, "to")), output);
    } else {
        printf("%s\n", packet);
    }
    admin_reply_clear(&r);
    return rc;
}
