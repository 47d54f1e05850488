/* SPDX-License-Identifier: EUPL-1.2 */
/* baton's entry point: finds the subcommand and hands it the rest of the command line. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* A new command (keygen, seal, open, send, inbox, accept, consent, audit) is one line here, a
 * run and a help function in its own tools/<command>.c, and their declarations in cli.h. */
const struct cli_command cli_commands[] = {
    {"validate", "check forms against the form catalogue", cmd_validate, cmd_validate_help},
    {"keygen", "create the organisation's keystore and directory entry", cmd_keygen,
     cmd_keygen_help},
    {"key", "rotate or show the keys of a keystore", cmd_key, cmd_key_help},
    {"directory", "sign or verify the network directory", cmd_directory, cmd_directory_help},
    {"covenant", "sign or verify the network covenant", cmd_covenant, cmd_covenant_help},
    {"seal", "sign and encrypt a form for one recipient", cmd_seal, cmd_seal_help},
    {"open", "decrypt and check a packet, show its form", cmd_open, cmd_open_help},
    {"inspect", "show a packet's routing header, without a key", cmd_inspect, cmd_inspect_help},
    {"receipt", "verify a receipt against its packet", cmd_receipt, cmd_receipt_help},
    {"send", "hand a form to batond for delivery", cmd_send, cmd_send_help},
    {"outbox", "list what batond sent, and its state", cmd_outbox, cmd_outbox_help},
    {"status", "show one sent form's state, receipt and events", cmd_status, cmd_status_help},
    {"export", "write a sent form's sealed packet to a file", cmd_export, cmd_export_help},
    {"inbox", "list the forms batond received", cmd_inbox, cmd_inbox_help},
    {"show", "show a received form with its labels", cmd_show, cmd_show_help},
    {"accept", "take a received form over (signed notice back)", cmd_accept, cmd_accept_help},
    {"reject", "refuse a received form, with a reason", cmd_reject, cmd_reject_help},
    {"update", "send a status update on a received form back", cmd_update, cmd_update_help},
    {"consent", "register, list, show or withdraw consents", cmd_consent, cmd_consent_help},
    {"audit", "the audit trail, access reports, register, figures, retention", cmd_audit,
     cmd_audit_help},
    {"setup", "what the running batond works with: configuration, directory, keys", cmd_setup,
     cmd_setup_help},
    {NULL, NULL, NULL, NULL},
};

static const struct cli_command *
find_command(const char *name)
{
    const struct cli_command *c;

    for (c = cli_commands; c->name != NULL; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

static void
usage(FILE *out)
{
    const struct cli_command *c;

    fputs("usage: baton COMMAND [OPTION...] [ARG...]\n"
          "       baton help [COMMAND]\n"
          "       baton --version\n"
          "\n"
          "baton hands young people's school-leaver forms between the organisations that take\n"
          "them over: signed, encrypted, with consent and audit.\n"
          "\n"
          "Commands:\n",
          out);
    for (c = cli_commands; c->name != NULL; c++)
        fprintf(out, "  %-10s %s\n", c->name, c->summary);
    fputs("\n"
          "'baton help COMMAND' or 'baton COMMAND --help' tells more about one command.\n"
          "Exit status: 0 done, 1 done and the answer is no (an invalid form), 2 unusable input\n"
          "or a bad option.\n",
          out);
}

static int
help(int argc, char **argv)
{
    const struct cli_command *c;

    if (argc < 2) {
        usage(stdout);
        return CLI_OK;
    }
    if (argc > 2) {
        fputs("baton help: give one command at most.\nSee 'baton help'.\n", stderr);
        return CLI_UNUSABLE;
    }
    c = find_command(argv[1]);
    if (c == NULL) {
        fputs("baton help: no command '", stderr);
        cli_put_safe(stderr, argv[1]);
        fputs("'.\nSee 'baton help' for the list.\n", stderr);
        return CLI_UNUSABLE;
    }
    c->help(stdout);
    return CLI_OK;
}

int
main(int argc, char **argv)
{
    const struct cli_command *c;
    int rc;

    if (argc < 2) {
        usage(stderr);
        return CLI_UNUSABLE;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("baton %s\n", BATON_VERSION);
        return CLI_OK;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return CLI_OK;
    }
    if (strcmp(argv[1], "help") == 0)
        return help(argc - 1, argv + 1);

    c = find_command(argv[1]);
    if (c == NULL) {
        fputs("baton: no command '", stderr);
        cli_put_safe(stderr, argv[1]);
        fputs("'.\nSee 'baton help' for the list.\n", stderr);
        return CLI_UNUSABLE;
    }
    rc = c->run(argc - 1, argv + 1);
    /* Output that could not be written (a full disk, a closed pipe) must not look like success. */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "baton %s: could not write the output\n", c->name);
        return CLI_UNUSABLE;
    }
    return rc;
}
