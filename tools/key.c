/* SPDX-License-Identifier: EUPL-1.2 */
/* 'baton key rotate' and 'baton key show': new keys for a keystore, and its public entry. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"
#include "keys.h"

#define DAY_S 86400
#define ROTATE_DEFAULT_DAYS 730 /* as keygen's keys */
#define ROTATE_MAX_DAYS 3650
/* A new key becomes valid a week after the rotation by default: time for the coordinator to sign
 * a directory that lists it and for every daemon to fetch that, before this daemon signs with it
 * (peers refuse a signature by a key they do not know yet). */
#define ROTATE_LEAD_DAYS 7

enum {
    OPT_KEYSTORE = 1,
    OPT_PASSPHRASE_FILE,
    OPT_USE,
    OPT_FROM,
    OPT_DAYS,
    OPT_CERT,
    OPT_HELP,
};

static const struct cli_option rotate_options[] = {
    {"--keystore", 0, true, OPT_KEYSTORE},
    {"--passphrase-file", 0, true, OPT_PASSPHRASE_FILE},
    {"--use", 0, true, OPT_USE},
    {"--valid-from", 0, true, OPT_FROM},
    {"--valid-days", 0, true, OPT_DAYS},
    {"--help", 'h', false, OPT_HELP},
    {NULL, 0, false, 0},
};

static const struct cli_option show_options[] = {
    {"--keystore", 0, true, OPT_KEYSTORE},
    {"--passphrase-file", 0, true, OPT_PASSPHRASE_FILE},
    {"--cert", 0, false, OPT_CERT},
    {"--help", 'h', false, OPT_HELP},
    {NULL, 0, false, 0},
};

void
cmd_key_help(FILE *out)
{
    fputs("usage: baton key rotate --use sig|enc [--valid-from DATE] [--valid-days N]\n"
          "                        [--keystore FILE] [--passphrase-file FILE]\n"
          "       baton key show [--cert] [--keystore FILE] [--passphrase-file FILE]\n"
          "\n"
          "rotate adds a new signing (sig) or encryption (enc) key to the keystore and prints\n"
          "the organisation's public directory entry, now with the new key, on standard\n"
          "output: send it to the regional coordinator. The old keys stay, so that what was\n"
          "signed with or sealed to them still verifies and opens; from the new key's\n"
          "validFrom on, baton signs with the new signing key.\n"
          "show prints the public entry (or, with --cert, the TLS certificate in PEM).\n"
          "\n"
          "Options:\n"
          "  --use sig|enc      which key to add: signing or encryption\n"
          "  --valid-from DATE  when the new key becomes valid: YYYY-MM-DD (midnight UTC) or\n"
          "                     an RFC 3339 date-time such as 2025-09-01T08:00:00+02:00.\n"
          "                     Default: 7 days from now, time for the new directory to\n"
          "                     reach every member before the key is used\n"
          "  --valid-days N     how long the new key is valid from DATE (default 730)\n"
          "  --keystore FILE    the keystore (default: the BATON_KEYSTORE environment\n"
          "                     variable)\n"
          "  --passphrase-file FILE\n"
          "                     an encrypted keystore's passphrase is the first line of FILE;\n"
          "                     without it BATON_PASSPHRASE, else the terminal is asked\n"
          "  --cert             show: print the TLS certificate instead of the entry\n"
          "  -h, --help         show this help\n"
          "\n"
          "rotate writes the keystore back in place (atomically, mode 0600, with the same\n"
          "passphrase).\n"
          "\n"
          "Exit status: 0 done; 2 bad option, or a keystore that cannot be opened or written\n"
          "(then it is left as it was).\n",
          out);
}

/* DATE of --valid-from: YYYY-MM-DD or an RFC 3339 date-time. */
static bool
parse_date(const char *value, time_t *out, struct keys_err *err)
{
    char full[32];

    if (strlen(value) == 10) {
        snprintf(full, sizeof full, "%sT00:00:00Z", value);
        return keys_time_parse(full, out, "--valid-from", err) == KEYS_OK;
    }
    return keys_time_parse(value, out, "--valid-from", err) == KEYS_OK;
}

static int
rotate(int argc, char **argv)
{
    static const char command[] = "key";
    const char *path = NULL, *pw_file = NULL, *value, *use_name = NULL;
    char a[KEYS_TIME_LEN + 1], b[KEYS_TIME_LEN + 1], *pw = NULL, *json = NULL;
    struct keys_keystore *ks = NULL;
    struct cli_args args;
    struct keys_err err;
    enum keys_use use = KEYS_USE_SIG;
    json_t *entry = NULL;
    time_t from = time(NULL) + (time_t)ROTATE_LEAD_DAYS * DAY_S;
    long days = ROTATE_DEFAULT_DAYS;
    int opt, rc = CLI_UNUSABLE;

    cli_args_init(&args, command, argc, argv);
    while ((opt = cli_next(&args, rotate_options, &value)) != CLI_END) {
        switch (opt) {
        case OPT_KEYSTORE:
            path = value;
            break;
        case OPT_PASSPHRASE_FILE:
            pw_file = value;
            break;
        case OPT_USE:
            if (strcmp(value, "sig") != 0 && strcmp(value, "enc") != 0)
                return cli_usage(command, "--use: give sig (signing) or enc (encryption)");
            use_name = value;
            use = strcmp(value, "sig") == 0 ? KEYS_USE_SIG : KEYS_USE_ENC;
            break;
        case OPT_FROM:
            if (!parse_date(value, &from, &err))
                return cli_usage(command, "%s; or give a date YYYY-MM-DD", err.text);
            break;
        case OPT_DAYS:
            if (!cli_days(value, ROTATE_MAX_DAYS, &days))
                return cli_usage(command, "--valid-days: give a whole number of days from 1 to %d",
                                 ROTATE_MAX_DAYS);
            break;
        case OPT_HELP:
            cmd_key_help(stdout);
            return CLI_OK;
        case CLI_OPERAND:
            return cli_usage(command, "unexpected argument '%s'", value);
        default:
            return CLI_UNUSABLE;
        }
    }
    if (use_name == NULL)
        return cli_usage(command, "missing --use sig|enc");
    path = cli_keystore_path(command, path);
    if (path == NULL)
        return CLI_UNUSABLE;
    if (cli_open_keystore(command, path, pw_file, &ks, &pw) != CLI_OK)
        return CLI_UNUSABLE;
    if (keys_keystore_rotate(ks, use, from, from + (time_t)days * DAY_S, &err) != KEYS_OK ||
        keys_keystore_save(ks, path, pw, 1, &err) != KEYS_OK ||
        keys_keystore_public_entry(ks, &entry, &err) != KEYS_OK) {
        rc = cli_keys_fail(command, &err);
        goto out;
    }
    json = json_dumps(entry, JSON_INDENT(2));
    if (json == NULL) {
        fputs("baton key rotate: out of memory\n", stderr);
        goto out;
    }
    printf("%s\n", json);
    keys_time_format(from, a);
    keys_time_format(from + (time_t)days * DAY_S, b);
    fprintf(stderr,
            "baton key rotate: added a new %s key, valid from %s until %s.\n"
            "Send the entry above to the regional coordinator: peers accept the new key once the "
            "directory lists it.\n",
            use == KEYS_USE_SIG ? "signing" : "encryption", a, b);
    if (use == KEYS_USE_SIG && from <= time(NULL))
        fputs("baton key rotate: the new signing key is valid already, so baton signs with it "
              "now; peers refuse those signatures until their directory lists the key.\n",
              stderr);
    rc = CLI_OK;
out:
    keys_keystore_free(ks);
    keys_secret_free(pw);
    json_decref(entry);
    free(json);
    return rc;
}

static int
show(int argc, char **argv)
{
    static const char command[] = "key";
    const char *path = NULL, *pw_file = NULL, *value;
    struct keys_keystore *ks = NULL;
    struct cli_args args;
    struct keys_err err;
    json_t *entry = NULL;
    char *json = NULL;
    bool cert = false;
    int opt, rc = CLI_UNUSABLE;

    cli_args_init(&args, command, argc, argv);
    while ((opt = cli_next(&args, show_options, &value)) != CLI_END) {
        switch (opt) {
        case OPT_KEYSTORE:
            path = value;
            break;
        case OPT_PASSPHRASE_FILE:
            pw_file = value;
            break;
        case OPT_CERT:
            cert = true;
            break;
        case OPT_HELP:
            cmd_key_help(stdout);
            return CLI_OK;
        case CLI_OPERAND:
            return cli_usage(command, "unexpected argument '%s'", value);
        default:
            return CLI_UNUSABLE;
        }
    }
    if (cli_open_keystore(command, path, pw_file, &ks, NULL) != CLI_OK)
        return CLI_UNUSABLE;
    if (cert) {
        fputs(keys_keystore_tls_cert_pem(ks), stdout);
        rc = CLI_OK;
        goto out;
    }
    if (keys_keystore_public_entry(ks, &entry, &err) != KEYS_OK) {
        rc = cli_keys_fail(command, &err);
        goto out;
    }
    json = json_dumps(entry, JSON_INDENT(2));
    if (json == NULL) {
        fputs("baton key show: out of memory\n", stderr);
        goto out;
    }
    printf("%s\n", json);
    rc = CLI_OK;
out:
    keys_keystore_free(ks);
    json_decref(entry);
    free(json);
    return rc;
}

int
cmd_key(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage("key", "give a subcommand: rotate or show");
    if (strcmp(argv[1], "rotate") == 0)
        return rotate(argc - 1, argv + 1);
    if (strcmp(argv[1], "show") == 0)
        return show(argc - 1, argv + 1);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        cmd_key_help(stdout);
        return CLI_OK;
    }
    fputs("baton key: no subcommand '", stderr);
    cli_put_safe(stderr, argv[1]);
    fputs("'; give rotate or show.\nSee 'baton help key'.\n", stderr);
    return CLI_UNUSABLE;
}
