/* SPDX-License-Identifier: EUPL-1.2 */
/* 'baton open': decrypts a packet for this organisation, checks everything about it, and shows
 * the form with its labels; optionally writes the signed receipt. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

enum {
    OPT_KEYSTORE = 1,
    OPT_PASSFILE,
    OPT_DIRECTORY,
    OPT_COORDINATOR,
    OPT_COVENANT,
    OPT_JSON,
    OPT_RECEIPT,
    OPT_FORCE,
    OPT_LANG,
    OPT_HELP,
};

static const struct cli_option open_options[] = {
    {"--keystore", 0, true, OPT_KEYSTORE},
    {"--passphrase-file", 0, true, OPT_PASSFILE},
    {"--directory", 0, true, OPT_DIRECTORY},
    {"--coordinator", 0, true, OPT_COORDINATOR},
    {"--covenant", 0, true, OPT_COVENANT},
    {"--json", 0, false, OPT_JSON},
    {"--receipt", 0, true, OPT_RECEIPT},
    {"--force", 0, false, OPT_FORCE},
    {"--lang", 0, true, OPT_LANG},
    {"--help", 'h', false, OPT_HELP},
    {NULL, 0, false, 0},
};

void
cmd_open_help(FILE *out)
{
    fputs("usage: baton open [--keystore FILE] [--directory FILE] [--coordinator KEYFILE]\n"
          "                  [--covenant FILE] [--json] [--receipt FILE [--force]]\n"
          "                  [--lang nl|en] PACKET\n"
          "\n"
          "Opens PACKET ('-' reads standard input), a packet made by 'baton seal' or any JOSE\n"
          "library that keeps to baton's profile, as this organisation: decrypts it with the\n"
          "keystore's encryption key that it names (old keys too, after a rotation), checks the\n"
          "sender's signature against the directory (the key must have been valid when the\n"
          "packet was issued), that the sender owns that key, that the packet is addressed to\n"
          "this organisation both outside and inside, that the outside agrees with the signed\n"
          "claims, and that the form is valid. Then it shows the claims and the form, with the\n"
          "catalogue's labels. keys/PACKETS.md lists every check.\n"
          "\n"
          "Options:\n"
          "  --keystore FILE       this organisation's keystore; default $BATON_KEYSTORE.\n"
          "  --passphrase-file F   its passphrase (first line); else $BATON_PASSPHRASE, else\n"
          "                        the terminal.\n"
          "  --directory FILE      the signed network directory; default $BATON_DIRECTORY.\n"
          "  --coordinator KEYFILE the coordinator's public key; default $BATON_COORDINATOR.\n"
          "  --covenant FILE       the signed covenant; default $BATON_COVENANT. When given,\n"
          "                        the packet must name this covenant (id and digest).\n"
          "  --json                print the verified claims (the form among them) as JSON.\n"
          "  --receipt FILE        also write the signed receipt for the packet to FILE, for\n"
          "                        its sender ('baton receipt verify').\n"
          "                        An existing FILE is kept unless --force is given.\n"
          "  --lang nl|en          language of the labels. Without it: English when LC_ALL,\n"
          "                        LC_MESSAGES or LANG starts with \"en\", else Dutch.\n"
          "  -h, --help            show this help.\n"
          "\n"
          "Exit status: 0 opened; 1 refused: the packet is damaged, forged, not for this\n"
          "organisation, or its form is invalid (the reason on standard error, nothing shown);\n"
          "2 bad usage, or the keystore, directory or covenant could not be used.\n"
          "\n"
          "Example:\n"
          "  baton open --receipt milan.receipt milan.packet\n",
          out);
}

/* ---- the claims ---- */

struct labels {
    const char *packet, *from, *to, *issued, *form, *purpose, *basis, *consent, *law, *covenant,
        *signer, *covenant_unchecked;
};

static const struct labels labels[FORMS_LANG_COUNT] = {
    [FORMS_LANG_NL] = {"Pakket", "Van", "Aan", "Opgesteld op", "Formulier", "Doel", "Grondslag",
                       "Toestemming", "Wet of taak", "Convenant", "Ondertekend met sleutel",
                       "niet vergeleken (geen --covenant)"},
    [FORMS_LANG_EN] = {"Packet", "From", "To", "Issued at", "Form", "Purpose", "Legal basis",
                       "Consent", "Law or task", "Covenant", "Signed with key",
                       "not compared (no --covenant)"},
};

static void
claim_line(const char *lbl, const char *value)
{
    printf("%-24s ", lbl);
    cli_put_safe(stdout, value != NULL ? value : "-");
    fputc('\n', stdout);
}

static void
party_line(const struct cli_network *net, const char *lbl, const char *oin)
{
    printf("%-24s ", lbl);
    cli_put_safe(stdout, cli_member_name(net, oin));
    printf(" (%s)\n", oin);
}

static void
show(const struct cli_network *net, const struct keys_packet *p, enum forms_lang lang)
{
    const struct labels *l = &labels[lang];
    char when[KEYS_TIME_LEN + 1], digest[64], covenant[160];

    keys_time_format(p->issued_at, when);
    claim_line(l->packet, p->id);
    party_line(net, l->from, p->from);
    party_line(net, l->to, p->to);
    claim_line(l->issued, when);
    printf("%-24s ", l->form);
    cli_put_safe(stdout, forms_form_title(net->cat, p->form_type, lang));
    fputs(" (", stdout);
    cli_put_safe(stdout, p->form_type);
    fputs(")\n", stdout);
    claim_line(l->purpose, p->purpose);
    claim_line(l->basis, keys_basis_name(p->basis));
    if (p->consent_id != NULL)
        claim_line(l->consent, p->consent_id);
    if (p->law != NULL)
        claim_line(l->law, p->law);
    keys_b64url_encode(p->covenant_sha256, KEYS_SHA256_LEN, digest, sizeof digest, NULL);
    snprintf(covenant, sizeof covenant, "%s (SHA-256 %s)%s", p->covenant_id, digest,
             net->covenant == NULL ? "," : "");
    claim_line(l->covenant, covenant);
    if (net->covenant == NULL)
        printf("%-24s %s\n", "", l->covenant_unchecked);
    claim_line(l->signer, p->signer_kid);
    fputc('\n', stdout);
    cli_render_form(stdout, net->cat, p->form_type, p->form, lang, 1);
}

int
cmd_open(int argc, char **argv)
{
    const char *keystore = NULL, *passfile = NULL, *directory = NULL, *coordinator = NULL,
               *covenant = NULL, *receipt_path = NULL, *lang_arg = NULL, *path = NULL, *value;
    struct cli_network net = {0};
    struct keys_keystore *ks = NULL;
    struct keys_packet p = {0};
    struct keys_err err = {0};
    enum keys_status st;
    enum forms_lang lang;
    struct cli_args args;
    char *packet = NULL, *receipt = NULL;
    size_t len = 0, rlen = 0;
    time_t now = time(NULL);
    bool json = false, force = false;
    int opt, rc = CLI_UNUSABLE;

    cli_args_init(&args, "open", argc, argv);
    while ((opt = cli_next(&args, open_options, &value)) != CLI_END) {
        switch (opt) {
        case CLI_BAD:
            return CLI_UNUSABLE;
        case CLI_OPERAND:
            if (path != NULL)
                return cli_usage("open", "give one PACKET");
            path = value;
            break;
        case OPT_KEYSTORE:
            keystore = value;
            break;
        case OPT_PASSFILE:
            passfile = value;
            break;
        case OPT_DIRECTORY:
            directory = value;
            break;
        case OPT_COORDINATOR:
            coordinator = value;
            break;
        case OPT_COVENANT:
            covenant = value;
            break;
        case OPT_JSON:
            json = true;
            break;
        case OPT_RECEIPT:
            receipt_path = value;
            break;
        case OPT_FORCE:
            force = true;
            break;
        case OPT_LANG:
            lang_arg = value;
            break;
        case OPT_HELP:
            cmd_open_help(stdout);
            return CLI_OK;
        }
    }
    if (!cli_lang(lang_arg, &lang))
        return cli_usage("open", "--lang must be 'nl' or 'en', not '%s'", lang_arg);
    if (path == NULL)
        return cli_usage("open", "no PACKET given (use '-' to read it from standard input)");
    if (receipt_path != NULL && strcmp(receipt_path, "-") == 0)
        return cli_usage("open", "--receipt needs a file: standard output shows the packet");
    if (cli_keystore_path("open", keystore) == NULL)
        return CLI_UNUSABLE;

    rc = cli_network_start("open", &net);
    if (rc == CLI_OK)
        rc = cli_network_load("open", &net, coordinator, directory,
                              cli_option_or_env(covenant, CLI_COVENANT_ENV), now);
    if (rc == CLI_OK)
        rc = cli_read_compact("open", path, &packet, &len);
    if (rc == CLI_OK)
        rc = cli_open_keystore("open", keystore, passfile, &ks, NULL);
    if (rc != CLI_OK)
        goto out;

    st = keys_packet_open_local(ks, net.dir, net.cat, now, packet, len, &p, &err);
    if (st != KEYS_OK) {
        rc = cli_refused("open", path, &err, st);
        goto out;
    }
    if (net.covenant != NULL &&
        (strcmp(p.covenant_id, net.covenant_id) != 0 ||
         memcmp(p.covenant_sha256, net.covenant_sha256, KEYS_SHA256_LEN) != 0)) {
        cli_say("open", path, "refused: ",
                "the packet was sent under another covenant (or another version of it) than the "
                "one given with --covenant");
        rc = CLI_NO;
        goto out;
    }
    if (receipt_path != NULL) {
        st = keys_receipt_sign_local(ks, &p, now, &receipt, &rlen, &err);
        if (st != KEYS_OK) {
            cli_say("open", NULL, "could not sign the receipt: ", err.text);
            rc = CLI_UNUSABLE;
            goto out;
        }
    }
    if (json) {
        if (json_dumpf(p.claims, stdout, JSON_INDENT(2)) != 0) {
            rc = CLI_UNUSABLE;
            goto out;
        }
        fputc('\n', stdout);
    } else {
        show(&net, &p, lang);
    }
    if (receipt != NULL) {
        rc = cli_write_file("open", receipt_path, receipt, rlen, force);
        if (rc != CLI_OK)
            goto out;
    }
    rc = CLI_OK;
out:
    free(receipt);
    keys_packet_clear(&p);
    keys_keystore_free(ks);
    free(packet);
    cli_network_free(&net);
    return rc;
}
