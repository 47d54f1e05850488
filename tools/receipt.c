/* SPDX-License-Identifier: EUPL-1.2 */
/* 'baton receipt verify': checks that a receipt is the recipient's signed word that this exact
 * packet arrived. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

enum {
    OPT_DIRECTORY = 1,
    OPT_COORDINATOR,
    OPT_JSON,
    OPT_HELP,
};

static const struct cli_option verify_options[] = {
    {"--directory", 0, true, OPT_DIRECTORY},
    {"--coordinator", 0, true, OPT_COORDINATOR},
    {"--json", 0, false, OPT_JSON},
    {"--help", 'h', false, OPT_HELP},
    {NULL, 0, false, 0},
};

void
cmd_receipt_help(FILE *out)
{
    fputs("usage: baton receipt verify [--directory FILE] [--coordinator KEYFILE] [--json]\n"
          "                            RECEIPT PACKET\n"
          "\n"
          "Checks RECEIPT, the signed receipt that 'baton open --receipt' (or the recipient's\n"
          "daemon) made, against PACKET, the packet it confirms: the signature by a key that\n"
          "the directory lists and that was valid when the receipt was made, that the signer\n"
          "owns that key, that the receipt's SHA-256 digest is that of PACKET's exact bytes,\n"
          "that its packet id is PACKET's, and that it comes from PACKET's recipient and is\n"
          "addressed to its sender. The sender can check this without being able to decrypt\n"
          "its own packet. Either file may be '-' (standard input), not both.\n"
          "\n"
          "Options:\n"
          "  --directory FILE      the signed network directory; default $BATON_DIRECTORY.\n"
          "  --coordinator KEYFILE the coordinator's public key; default $BATON_COORDINATOR.\n"
          "  --json                print the receipt's verified claims as JSON.\n"
          "  -h, --help            show this help.\n"
          "\n"
          "Exit status: 0 the receipt is valid for PACKET; 1 refused (forged, damaged, or for\n"
          "another packet; why on standard error); 2 bad usage, or the directory could not be\n"
          "used.\n"
          "\n"
          "Example:\n"
          "  baton receipt verify milan.receipt milan.packet\n",
          out);
}

static int
verify(int argc, char **argv)
{
    const char *directory = NULL, *coordinator = NULL, *files[2] = {NULL, NULL}, *value;
    struct cli_network net = {0};
    struct keys_notice r = {0};
    struct keys_err err = {0};
    enum keys_status st;
    struct cli_args args;
    char *receipt = NULL, *packet = NULL, when[KEYS_TIME_LEN + 1];
    size_t rlen = 0, plen = 0, nfiles = 0;
    time_t now = time(NULL);
    bool json = false;
    int opt, rc = CLI_UNUSABLE;

    cli_args_init(&args, "receipt", argc, argv);
    while ((opt = cli_next(&args, verify_options, &value)) != CLI_END) {
        switch (opt) {
        case CLI_BAD:
            return CLI_UNUSABLE;
        case CLI_OPERAND:
            if (nfiles == 2)
                return cli_usage("receipt", "verify: give RECEIPT and PACKET, nothing more");
            files[nfiles++] = value;
            break;
        case OPT_DIRECTORY:
            directory = value;
            break;
        case OPT_COORDINATOR:
            coordinator = value;
            break;
        case OPT_JSON:
            json = true;
            break;
        case OPT_HELP:
            cmd_receipt_help(stdout);
            return CLI_OK;
        }
    }
    if (nfiles != 2)
        return cli_usage("receipt", "verify: give RECEIPT and PACKET");
    if (strcmp(files[0], "-") == 0 && strcmp(files[1], "-") == 0)
        return cli_usage("receipt", "verify: only one of RECEIPT and PACKET can be '-'");

    rc = cli_network_start("receipt", &net);
    if (rc == CLI_OK)
        rc = cli_network_load("receipt", &net, coordinator, directory, NULL, now);
    if (rc == CLI_OK)
        rc = cli_read_compact("receipt", files[0], &receipt, &rlen);
    if (rc == CLI_OK)
        rc = cli_read_compact("receipt", files[1], &packet, &plen);
    if (rc != CLI_OK)
        goto out;
    st = keys_receipt_verify_local(net.dir, receipt, rlen, packet, plen, now, &r, &err);
    if (st != KEYS_OK) {
        rc = cli_refused("receipt", files[0], &err, st);
        goto out;
    }
    if (json) {
        rc = json_dumpf(r.claims, stdout, JSON_INDENT(2)) == 0 ? CLI_OK : CLI_UNUSABLE;
        fputc('\n', stdout);
        goto out;
    }
    keys_time_format(r.issued_at, when);
    cli_put_safe(stdout, strcmp(files[0], "-") == 0 ? "<stdin>" : files[0]);
    fputs(": valid receipt\n", stdout);
    printf("  %-20s %s\n", "packet:", r.packet_id);
    printf("  %-20s ", "received by:");
    cli_put_safe(stdout, cli_member_name(&net, r.from));
    printf(" (%s)\n", r.from);
    printf("  %-20s ", "sent by:");
    cli_put_safe(stdout, cli_member_name(&net, r.to));
    printf(" (%s)\n", r.to);
    printf("  %-20s %s\n", "received at:", when);
    printf("  %-20s %s\n", "receipt id:", r.id);
    printf("  %-20s %s\n", "signed with key:", r.signer_kid);
    rc = CLI_OK;
out:
    keys_notice_clear(&r);
    free(receipt);
    free(packet);
    cli_network_free(&net);
    return rc;
}

int
cmd_receipt(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage("receipt", "say what to do: verify");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        cmd_receipt_help(stdout);
        return CLI_OK;
    }
    if (strcmp(argv[1], "verify") == 0)
        return verify(argc - 1, argv + 1);
    return cli_usage("receipt", "unknown subcommand '%s'; the one there is: verify", argv[1]);
}
