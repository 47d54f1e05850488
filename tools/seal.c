/* SPDX-License-Identifier: EUPL-1.2 */
/* 'baton seal': checks a form, signs it as this organisation and encrypts it for one recipient. */
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
    OPT_TO,
    OPT_PURPOSE,
    OPT_BASIS,
    OPT_CONSENT,
    OPT_LAW,
    OPT_OUTPUT,
    OPT_FORCE,
    OPT_LANG,
    OPT_HELP,
};

static const struct cli_option seal_options[] = {
    {"--keystore", 0, true, OPT_KEYSTORE},
    {"--passphrase-file", 0, true, OPT_PASSFILE},
    {"--directory", 0, true, OPT_DIRECTORY},
    {"--coordinator", 0, true, OPT_COORDINATOR},
    {"--covenant", 0, true, OPT_COVENANT},
    {"--to", 0, true, OPT_TO},
    {"--purpose", 0, true, OPT_PURPOSE},
    {"--basis", 0, true, OPT_BASIS},
    {"--consent", 0, true, OPT_CONSENT},
    {"--law", 0, true, OPT_LAW},
    {"--output", 'o', true, OPT_OUTPUT},
    {"--force", 0, false, OPT_FORCE},
    {"--lang", 0, true, OPT_LANG},
    {"--help", 'h', false, OPT_HELP},
    {NULL, 0, false, 0},
};

void
cmd_seal_help(FILE *out)
{
    fputs("usage: baton seal [--keystore FILE] [--directory FILE] [--coordinator KEYFILE]\n"
          "                  [--covenant FILE] --to OIN --purpose PURPOSE --basis BASIS\n"
          "                  [--consent ID | --law TEXT] [--force] -o PACKET FORM\n"
          "\n"
          "Seals FORM, a form in JSON ('-' reads standard input), for one recipient: checks it\n"
          "against its schema in the form catalogue, signs it together with the claims below\n"
          "(JWS, EdDSA) with this organisation's signing key, and encrypts that for the\n"
          "recipient's encryption key from the directory (JWE, ECDH-ES with X25519, A256GCM).\n"
          "The result, the packet, goes to PACKET: only the recipient can open it ('baton open').\n"
          "An invalid form is refused with its errors, before anything is signed.\n"
          "\n"
          "Options:\n"
          "  --keystore FILE       this organisation's keystore ('baton keygen'); default\n"
          "                        $BATON_KEYSTORE. Its passphrase comes from\n"
          "  --passphrase-file F   (the first line of F), else $BATON_PASSPHRASE, else the\n"
          "                        terminal.\n"
          "  --directory FILE      the network directory signed by the regional coordinator;\n"
          "                        default $BATON_DIRECTORY. It must be valid now.\n"
          "  --coordinator KEYFILE the coordinator's public key (its entry.json, a JWK or a JWK\n"
          "                        Set); default $BATON_COORDINATOR.\n"
          "  --covenant FILE       the network's signed covenant; default $BATON_COVENANT.\n"
          "                        Required: the packet names the covenant it is sent under\n"
          "                        (its id and the SHA-256 of the signed file).\n"
          "  --to OIN              the recipient, by its OIN (20 digits) in the directory.\n"
          "  --purpose PURPOSE     the covenant's code of the purpose, e.g. warme-overdracht.\n"
          "  --basis BASIS         the legal basis: consent, legal-obligation or public-task.\n"
          "  --consent ID          with consent: the consent record's record_id (a UUID).\n"
          "  --law TEXT            with legal-obligation or public-task: the law (and article)\n"
          "                        that obliges it, or that gives the public task.\n"
          "  -o, --output PACKET   where to write the packet ('-': standard output). Written\n"
          "                        whole or not at all; an existing file is kept unless\n"
          "  --force               is given.\n"
          "  --lang nl|en          language of the messages about the form (as 'baton\n"
          "                        validate').\n"
          "  -h, --help            show this help.\n"
          "\n"
          "On success it prints the packet id, the recipient and the file on standard error.\n"
          "\n"
          "Exit status: 0 sealed; 1 refused: the form is invalid, or the directory does not\n"
          "let this organisation send to the recipient; 2 bad usage, or an input (keystore,\n"
          "directory, covenant, form) that could not be used.\n"
          "\n"
          "Example:\n"
          "  baton seal --to 00000001001234567000 --purpose warme-overdracht \\\n"
          "      --basis consent --consent 6d2f4c1e-8a3b-4f0d-9c7e-1b5a2e3d4f60 \\\n"
          "      -o milan.packet milan.json\n",
          out);
}

struct seal_args {
    const char *keystore, *passfile, *directory, *coordinator, *covenant, *output, *form_path;
    const char *lang_arg;
    struct keys_packet_params p;
    const char *basis;
    bool force;
};

/* The form: parsed, of a catalogue form type, valid. Prints every error of an invalid form, as
 * 'baton validate' does. */
static int
check_form(const struct cli_network *net, const char *path, enum forms_lang lang, json_t **out)
{
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    const struct forms_schema *schema = NULL;
    struct forms_result res = {0, NULL};
    struct forms_err err = {0};
    enum forms_status st;
    json_t *form = NULL;
    int rc = CLI_UNUSABLE;

    st = forms_parse_file(path, NULL, &form, &err);
    if (st != FORMS_OK) {
        cli_say("seal", path, NULL, err.text);
        goto out;
    }
    st = forms_schema_for(net->cat, form, &schema, &err);
    if (st != FORMS_OK) {
        cli_say("seal", path, NULL, err.text);
        goto out;
    }
    if (strncmp(forms_schema_uri(schema), "urn:baton:form:", 15) != 0) {
        cli_say("seal", path, "this is not a form but a ", forms_schema_uri(schema));
        goto out;
    }
    st = forms_validate(schema, form, &res, &err);
    if (st == FORMS_EINVALID) {
        cli_form_invalid("seal", name, "sealed", &res, lang);
        rc = CLI_NO;
        goto out;
    }
    if (st != FORMS_OK) {
        cli_say("seal", path, NULL, err.text);
        goto out;
    }
    *out = form;
    form = NULL;
    rc = CLI_OK;
out:
    forms_result_clear(&res);
    json_decref(form);
    return rc;
}

/* The options that make the claims, checked before any file is read. */
static int
check_claims_options(struct seal_args *a)
{
    if (a->p.to == NULL)
        return cli_usage("seal", "--to OIN is required: the recipient's OIN in the directory");
    if (a->p.purpose == NULL)
        return cli_usage("seal", "--purpose is required: the covenant's code of the purpose");
    if (a->basis == NULL || !keys_basis_from_name(a->basis, &a->p.basis))
        return cli_usage("seal",
                         "--basis must be consent, legal-obligation or public-task (GDPR article "
                         "6(1)(a), (c), (e))");
    if (a->p.basis == KEYS_BASIS_CONSENT && a->p.consent_id == NULL)
        return cli_usage("seal", "--basis consent needs --consent ID, the consent record's "
                                 "record_id");
    if (a->p.basis == KEYS_BASIS_CONSENT && a->p.law != NULL)
        return cli_usage("seal", "--law goes with --basis legal-obligation or public-task, not "
                                 "with consent");
    if (a->p.basis != KEYS_BASIS_CONSENT && a->p.law == NULL)
        return cli_usage("seal", "--basis %s needs --law TEXT naming the law", a->basis);
    if (a->p.basis != KEYS_BASIS_CONSENT && a->p.consent_id != NULL)
        return cli_usage("seal", "--consent goes with --basis consent only");
    if (a->output == NULL)
        return cli_usage("seal", "-o PACKET is required: where to write the packet");
    if (a->form_path == NULL)
        return cli_usage("seal", "no FORM given (use '-' to read it from standard input)");
    return CLI_OK;
}

int
cmd_seal(int argc, char **argv)
{
    struct seal_args a = {0};
    struct cli_network net = {0};
    struct keys_keystore *ks = NULL;
    struct keys_err err = {0};
    enum keys_status st;
    enum forms_lang lang;
    struct cli_args args;
    const char *value;
    char id[KEYS_UUID_LEN + 1], *packet = NULL;
    size_t len = 0;
    json_t *form = NULL;
    time_t now = time(NULL);
    int opt, rc = CLI_UNUSABLE;

    cli_args_init(&args, "seal", argc, argv);
    while ((opt = cli_next(&args, seal_options, &value)) != CLI_END) {
        switch (opt) {
        case CLI_BAD:
            return CLI_UNUSABLE;
        case CLI_OPERAND:
            if (a.form_path != NULL)
                return cli_usage("seal", "give one FORM; each packet is for one recipient");
            a.form_path = value;
            break;
        case OPT_KEYSTORE:
            a.keystore = value;
            break;
        case OPT_PASSFILE:
            a.passfile = value;
            break;
        case OPT_DIRECTORY:
            a.directory = value;
            break;
        case OPT_COORDINATOR:
            a.coordinator = value;
            break;
        case OPT_COVENANT:
            a.covenant = value;
            break;
        case OPT_TO:
            a.p.to = value;
            break;
        case OPT_PURPOSE:
            a.p.purpose = value;
            break;
        case OPT_BASIS:
            a.basis = value;
            break;
        case OPT_CONSENT:
            a.p.consent_id = value;
            break;
        case OPT_LAW:
            a.p.law = value;
            break;
        case OPT_OUTPUT:
            a.output = value;
            break;
        case OPT_FORCE:
            a.force = true;
            break;
        case OPT_LANG:
            a.lang_arg = value;
            break;
        case OPT_HELP:
            cmd_seal_help(stdout);
            return CLI_OK;
        }
    }
    if (!cli_lang(a.lang_arg, &lang))
        return cli_usage("seal", "--lang must be 'nl' or 'en', not '%s'", a.lang_arg);
    rc = check_claims_options(&a);
    if (rc != CLI_OK)
        return rc;
    a.covenant = cli_option_or_env(a.covenant, CLI_COVENANT_ENV);
    if (a.covenant == NULL)
        return cli_usage("seal", "which covenant is the packet sent under? Give --covenant FILE "
                                 "(the signed covenant) or set " CLI_COVENANT_ENV);
    if (cli_keystore_path("seal", a.keystore) == NULL)
        return CLI_UNUSABLE;

    rc = cli_network_start("seal", &net);
    if (rc != CLI_OK)
        goto out;
    /* The form first: an invalid one is refused before a passphrase is asked for. */
    rc = check_form(&net, a.form_path, lang, &form);
    if (rc != CLI_OK)
        goto out;
    rc = cli_network_load("seal", &net, a.coordinator, a.directory, a.covenant, now);
    if (rc != CLI_OK)
        goto out;
    rc = cli_open_keystore("seal", a.keystore, a.passfile, &ks, NULL);
    if (rc != CLI_OK)
        goto out;

    a.p.covenant_id = net.covenant_id;
    a.p.covenant_sha256 = net.covenant_sha256;
    a.p.form = form;
    st = keys_packet_seal_local(ks, net.dir, net.cat, &a.p, now, &packet, &len, id, &err);
    if (st != KEYS_OK) {
        /* What the library refuses here is ours to fix (a parameter, the directory). */
        rc = st == KEYS_EINVAL || keys_status_is_refusal(st) ? CLI_NO : CLI_UNUSABLE;
        cli_say("seal", NULL, "nothing was sealed: ", err.text);
        goto out;
    }
    rc = cli_write_file("seal", a.output, packet, len, a.force);
    if (rc != CLI_OK)
        goto out;
    fflush(stdout);
    fprintf(stderr, "baton seal: packet %s for ", id);
    cli_put_safe(stderr, cli_member_name(&net, a.p.to));
    fprintf(stderr, " (%s) written to ", a.p.to);
    cli_put_safe(stderr, strcmp(a.output, "-") == 0 ? "standard output" : a.output);
    fputc('\n', stderr);
out:
    if (packet != NULL) {
        memset(packet, 0, len);
        free(packet);
    }
    keys_keystore_free(ks);
    json_decref(form);
    cli_network_free(&net);
    return rc;
}
