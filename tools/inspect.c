/* SPDX-License-Identifier: EUPL-1.2 */
/* 'baton inspect': what anyone can see of a packet without its key, the routing header. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

enum {
    OPT_JSON = 1,
    OPT_HELP,
};

static const struct cli_option inspect_options[] = {
    {"--json", 0, false, OPT_JSON},
    {"--help", 'h', false, OPT_HELP},
    {NULL, 0, false, 0},
};

void
cmd_inspect_help(FILE *out)
{
    fputs("usage: baton inspect [--json] PACKET\n"
          "\n"
          "Shows what anyone can see of PACKET ('-' reads standard input) without a key: its\n"
          "protected header, with the packet id, sender and recipient (OINs), the recipient's\n"
          "encryption key and the size of the encrypted content. The content itself, the\n"
          "signed claims and the form, is encrypted for the recipient, and nothing shown here is\n"
          "verified: only 'baton open' with the recipient's keystore checks the packet.\n"
          "No keystore, directory or covenant is needed.\n"
          "\n"
          "Options:\n"
          "  --json      print the protected header as JSON.\n"
          "  -h, --help  show this help.\n"
          "\n"
          "Exit status: 0 a well-formed packet; 1 not a well-formed baton packet (why on\n"
          "standard error); 2 bad usage or an unreadable file.\n",
          out);
}

int
cmd_inspect(int argc, char **argv)
{
    const char *path = NULL, *value;
    struct keys_packet_header h = {0};
    struct keys_err err = {0};
    enum keys_status st;
    struct cli_args args;
    char *packet = NULL;
    size_t len = 0;
    bool json = false;
    int opt, rc;

    cli_args_init(&args, "inspect", argc, argv);
    while ((opt = cli_next(&args, inspect_options, &value)) != CLI_END) {
        switch (opt) {
        case CLI_BAD:
            return CLI_UNUSABLE;
        case CLI_OPERAND:
            if (path != NULL)
                return cli_usage("inspect", "give one PACKET");
            path = value;
            break;
        case OPT_JSON:
            json = true;
            break;
        case OPT_HELP:
            cmd_inspect_help(stdout);
            return CLI_OK;
        }
    }
    if (path == NULL)
        return cli_usage("inspect", "no PACKET given (use '-' to read it from standard input)");
    rc = cli_read_compact("inspect", path, &packet, &len);
    if (rc != CLI_OK)
        return rc;
    st = keys_packet_inspect(packet, len, &h, &err);
    if (st != KEYS_OK) {
        cli_say("inspect", path, "not a well-formed baton packet: ", err.text);
        rc = keys_status_is_refusal(st) ? CLI_NO : CLI_UNUSABLE;
        goto out;
    }
    if (json) {
        rc = json_dumpf(h.header, stdout, JSON_INDENT(2)) == 0 ? CLI_OK : CLI_UNUSABLE;
        fputc('\n', stdout);
        goto out;
    }
    cli_put_safe(stdout, strcmp(path, "-") == 0 ? "<stdin>" : path);
    fputs(": a baton packet (JWE compact: ECDH-ES with X25519, A256GCM)\n", stdout);
    printf("  %-22s %s\n", "packet id (jti):", h.id);
    printf("  %-22s %s\n", "from (iss):", h.from);
    printf("  %-22s %s\n", "to (aud):", h.to);
    printf("  %-22s %s\n", "for encryption key:", h.kid);
    printf("  %-22s %s, holding %s\n", "typ:", KEYS_TYP_SEALED, KEYS_TYP_PACKET);
    printf("  %-22s %zu bytes\n", "encrypted content:", h.ciphertext_len);
    fputs("The content (the signed claims and the form) is encrypted for the recipient. Nothing\n"
          "above is verified: 'baton open' with the recipient's keystore checks it all.\n",
          stdout);
    rc = CLI_OK;
out:
    keys_packet_header_clear(&h);
    free(packet);
    return rc;
}
