/* SPDX-License-Identifier: EUPL-1.2 */
/* 'baton keygen': creates an organisation's keystore and the public entry that the regional
 * coordinator puts in the network directory. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "keys.h"

#define DAY_S 86400
/* Two years: a school year and its follow-up (nazorg) fit, and a key is replaced before a
 * directory from long ago could still name it. */
#define KEYGEN_DEFAULT_DAYS 730
/* Ten years: beyond that a key outlives the algorithms and people that chose it. */
#define KEYGEN_MAX_DAYS 3650

enum {
    OPT_ORG = 1,
    OPT_NAME,
    OPT_ROLE,
    OPT_ENDPOINT,
    OPT_OUT,
    OPT_DAYS,
    OPT_PASSPHRASE,
    OPT_PASSPHRASE_FILE,
    OPT_FORCE,
    OPT_HELP,
};

static const struct cli_option keygen_options[] = {
    {"--org", 0, true, OPT_ORG},
    {"--name", 0, true, OPT_NAME},
    {"--role", 0, true, OPT_ROLE},
    {"--endpoint", 0, true, OPT_ENDPOINT},
    {"--out", 0, true, OPT_OUT},
    {"--valid-days", 0, true, OPT_DAYS},
    {"--passphrase", 0, false, OPT_PASSPHRASE},
    {"--passphrase-file", 0, true, OPT_PASSPHRASE_FILE},
    {"--force", 0, false, OPT_FORCE},
    {"--help", 'h', false, OPT_HELP},
    {NULL, 0, false, 0},
};

void
cmd_keygen_help(FILE *out)
{
    fputs("usage: baton keygen --org OIN --name NAME --role ROLE --endpoint URL --out DIR\n"
          "                    [--valid-days N] [--passphrase | --passphrase-file FILE] [--force]\n"
          "\n"
          "Creates the organisation's keys: an Ed25519 signing key, an X25519 encryption key,\n"
          "and an Ed25519 TLS key with a self-signed certificate for the endpoint. Writes\n"
          "  DIR/keystore    the private keys (mode 0600: keep it secret, back it up safely)\n"
          "  DIR/entry.json  the public directory entry: send it to the regional coordinator\n"
          "  DIR/tls.crt     the TLS certificate (PEM)\n"
          "and prints the public entry (the keys with their kids and validity, and the TLS pin)\n"
          "on standard output. DIR is created (mode 0700) when it does not exist.\n"
          "\n"
          "Options:\n"
          "  --org OIN          the organisation identification number: 20 digits\n"
          "  --name NAME        the organisation's name, as the directory shows it\n"
          "  --role ROLE        school, municipality, uwv, rmc, jobcoach or coordinator\n"
          "  --endpoint URL     https address of the organisation's batond, e.g.\n"
          "                     https://baton.school.example or https://10.0.0.5:8443\n"
          "  --out DIR          the folder to write to\n"
          "  --valid-days N     how long the keys are valid, from now (default 730, at most\n"
          "                     3650); 'baton key rotate' adds new keys before they end\n"
          "  --passphrase       encrypt the keystore with a passphrase (Argon2id and\n"
          "                     XChaCha20-Poly1305): taken from BATON_PASSPHRASE when that\n"
          "                     is set, else asked twice on the terminal (not echoed)\n"
          "  --passphrase-file FILE\n"
          "                     encrypt with the first line of FILE (mode 0600) as passphrase\n"
          "  --force            replace an existing DIR/keystore; its keys are lost for good\n"
          "  -h, --help         show this help\n"
          "\n"
          "baton never takes a passphrase on the command line, where other users can see it.\n"
          "Commands that use the keystore take --keystore FILE (or BATON_KEYSTORE) and find\n"
          "its passphrase the same way: --passphrase-file FILE, else BATON_PASSPHRASE, else\n"
          "the terminal.\n"
          "\n"
          "Exit status: 0 written; 2 bad option or input, an existing keystore, or a failure\n"
          "to write (then no keystore was written or replaced).\n"
          "\n"
          "Example:\n"
          "  baton keygen --org 00000001812345671000 --name 'Praktijkschool De Brug' \\\n"
          "      --role school --endpoint https://baton.debrug.example --out /etc/baton\n",
          out);
}

bool
cli_days(const char *value, long max, long *out)
{
    char *end;
    long n;

    if (value[0] < '0' || value[0] > '9')
        return false;
    errno = 0;
    n = strtol(value, &end, 10);
    if (errno != 0 || *end != '\0' || n < 1 || n > max)
        return false;
    *out = n;
    return true;
}

/* Copies value into an identity field; false when it does not fit. */
static bool
set_field(char *field, size_t size, const char *value)
{
    size_t n = strlen(value);

    if (n >= size)
        return false;
    memcpy(field, value, n + 1);
    return true;
}

/* DIR, created with mode 0700 when missing, with any missing parents (as mkdir -p); an existing
 * one must be a folder. */
static int
make_dir(const char *dir)
{
    struct stat sb;
    char *p, *slash;
    int rc = CLI_UNUSABLE;

    p = strdup(dir);
    if (p == NULL)
        return CLI_UNUSABLE;
    for (slash = strchr(p + 1, '/');; slash = strchr(slash + 1, '/')) {
        if (slash != NULL)
            *slash = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST) {
            fprintf(stderr, "baton keygen: cannot create folder %s: %s\n", p, strerror(errno));
            goto out;
        }
        if (stat(p, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            fprintf(stderr, "baton keygen: %s is not a folder\n", p);
            goto out;
        }
        if (slash == NULL)
            break;
        *slash = '/';
        while (slash[1] == '/')
            slash++;
    }
    rc = CLI_OK;
out:
    free(p);
    return rc;
}

/* Writes text to path, mode 0644 (it is public), through a temporary file and rename(), so that
 * path never holds half of it. */
static int
write_public(const char *path, const char *text)
{
    size_t len = strlen(text), plen = strlen(path);
    char *tmp;
    int fd, ok;

    tmp = malloc(plen + sizeof ".tmp-XXXXXX");
    if (tmp == NULL)
        return CLI_UNUSABLE;
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp-XXXXXX", sizeof ".tmp-XXXXXX");
    fd = mkstemp(tmp);
    ok = fd >= 0 && fchmod(fd, 0644) == 0 && write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
    if (fd >= 0 && close(fd) != 0)
        ok = 0;
    if (ok && rename(tmp, path) != 0)
        ok = 0;
    if (!ok) {
        fprintf(stderr, "baton keygen: cannot write %s: %s\n", path, strerror(errno));
        if (fd >= 0)
            unlink(tmp);
    }
    free(tmp);
    return ok ? CLI_OK : CLI_UNUSABLE;
}

struct keygen_args {
    struct keys_identity id;
    const char *out;
    const char *passphrase_file;
    bool passphrase;
    bool force;
    long days;
};

static int
parse(int argc, char **argv, struct keygen_args *a)
{
    struct cli_args args;
    const char *value;
    bool ok;
    int opt;

    memset(a, 0, sizeof *a);
    a->days = KEYGEN_DEFAULT_DAYS;
    cli_args_init(&args, "keygen", argc, argv);
    while ((opt = cli_next(&args, keygen_options, &value)) != CLI_END) {
        switch (opt) {
        case OPT_ORG:
            ok = set_field(a->id.oin, sizeof a->id.oin, value);
            if (!ok)
                return cli_usage("keygen", "--org: an OIN is 20 digits, not %zu characters",
                                 strlen(value));
            break;
        case OPT_NAME:
            if (!set_field(a->id.name, sizeof a->id.name, value))
                return cli_usage("keygen", "--name: at most %zu bytes", sizeof a->id.name - 1);
            break;
        case OPT_ROLE:
            if (!set_field(a->id.role, sizeof a->id.role, value))
                return cli_usage("keygen", "--role: give school, municipality, uwv, rmc, jobcoach "
                                           "or coordinator");
            break;
        case OPT_ENDPOINT:
            if (!set_field(a->id.endpoint, sizeof a->id.endpoint, value))
                return cli_usage("keygen", "--endpoint: at most %zu characters",
                                 sizeof a->id.endpoint - 1);
            break;
        case OPT_OUT:
            a->out = value;
            break;
        case OPT_DAYS:
            if (!cli_days(value, KEYGEN_MAX_DAYS, &a->days))
                return cli_usage("keygen", "--valid-days: give a whole number of days from 1 to %d",
                                 KEYGEN_MAX_DAYS);
            break;
        case OPT_PASSPHRASE:
            a->passphrase = true;
            break;
        case OPT_PASSPHRASE_FILE:
            a->passphrase_file = value;
            break;
        case OPT_FORCE:
            a->force = true;
            break;
        case OPT_HELP:
            cmd_keygen_help(stdout);
            return -1;
        case CLI_OPERAND:
            return cli_usage("keygen", "unexpected argument '%s'; every input is an option", value);
        default:
            return CLI_UNUSABLE;
        }
    }
    if (a->id.oin[0] == '\0')
        return cli_usage("keygen", "missing --org OIN");
    if (a->id.name[0] == '\0')
        return cli_usage("keygen", "missing --name NAME");
    if (a->id.role[0] == '\0')
        return cli_usage("keygen", "missing --role ROLE");
    if (a->id.endpoint[0] == '\0')
        return cli_usage("keygen", "missing --endpoint URL");
    if (a->out == NULL || a->out[0] == '\0')
        return cli_usage("keygen", "missing --out DIR");
    if (a->passphrase && a->passphrase_file != NULL)
        return cli_usage("keygen", "give --passphrase or --passphrase-file, not both");
    return CLI_OK;
}

/* "DIR/name", malloc'd. */
static char *
join(const char *dir, const char *name)
{
    size_t d = strlen(dir), n;
    char *p;

    while (d > 1 && dir[d - 1] == '/') /* "out/" and "out" name the same folder */
        d--;
    n = d + 1 + strlen(name) + 1;
    p = malloc(n);
    if (p != NULL)
        snprintf(p, n, "%.*s%s%s", (int)d, dir, dir[d - 1] == '/' ? "" : "/", name);
    return p;
}

int
cmd_keygen(int argc, char **argv)
{
    struct keygen_args a;
    struct keys_keystore *ks = NULL;
    struct keys_err err;
    struct stat sb;
    char *ks_path = NULL, *entry_path = NULL, *crt_path = NULL, *pw = NULL, *json = NULL;
    char *json_text = NULL;
    json_t *entry = NULL;
    time_t now;
    int rc;

    rc = parse(argc, argv, &a);
    if (rc != CLI_OK)
        return rc < 0 ? CLI_OK : rc;
    if (keys_identity_check(&a.id, &err) != KEYS_OK)
        return cli_usage("keygen", "%s", err.text);
    if (keys_init(&err) != KEYS_OK)
        return cli_keys_fail("keygen", &err);
    rc = CLI_UNUSABLE;
    ks_path = join(a.out, "keystore");
    entry_path = join(a.out, "entry.json");
    crt_path = join(a.out, "tls.crt");
    if (ks_path == NULL || entry_path == NULL || crt_path == NULL) {
        fputs("baton keygen: out of memory\n", stderr);
        goto out;
    }
    /* Before asking for a passphrase or making keys: an existing keystore holds keys that
     * the network knows; replacing it by accident would cut the organisation off. */
    if (!a.force && lstat(ks_path, &sb) == 0) {
        fputs("baton keygen: ", stderr);
        cli_put_safe(stderr, ks_path);
        fputs(" already exists; baton keygen does not replace a keystore, whose keys the "
              "network knows.\nNothing was written. Use 'baton key rotate' to add new keys, "
              "another --out DIR, or --force to replace it (its keys are then lost).\n",
              stderr);
        goto out;
    }
    if ((a.passphrase || a.passphrase_file != NULL) &&
        cli_new_passphrase("keygen", a.passphrase_file, &pw) != CLI_OK)
        goto out;
    if (make_dir(a.out) != CLI_OK)
        goto out;
    now = time(NULL);
    if (keys_keystore_create(&a.id, now, now + (time_t)a.days * DAY_S, &ks, &err) != KEYS_OK ||
        keys_keystore_save(ks, ks_path, pw, a.force, &err) != KEYS_OK ||
        keys_keystore_public_entry(ks, &entry, &err) != KEYS_OK) {
        rc = cli_keys_fail("keygen", &err);
        goto out;
    }
    json = json_dumps(entry, JSON_INDENT(2));
    if (json != NULL) { /* a text file ends with a newline */
        json_text = malloc(strlen(json) + 2);
        if (json_text != NULL)
            snprintf(json_text, strlen(json) + 2, "%s\n", json);
    }
    if (json_text == NULL || write_public(entry_path, json_text) != CLI_OK ||
        write_public(crt_path, keys_keystore_tls_cert_pem(ks)) != CLI_OK) {
        fputs("baton keygen: the keystore was written, but its public files were not; "
              "'baton key show --keystore ",
              stderr);
        cli_put_safe(stderr, ks_path);
        fputs("' prints the entry again\n", stderr);
        goto out;
    }
    fputs(json_text, stdout);
    fputs("baton keygen: wrote ", stderr);
    cli_put_safe(stderr, ks_path);
    fputs(pw != NULL ? " (encrypted), " : " (mode 0600), ", stderr);
    cli_put_safe(stderr, entry_path);
    fputs(" and ", stderr);
    cli_put_safe(stderr, crt_path);
    fputs(".\nSend entry.json to the regional coordinator, who adds it to the network "
          "directory.\n",
          stderr);
    rc = CLI_OK;
out:
    keys_keystore_free(ks);
    keys_secret_free(pw);
    json_decref(entry);
    free(json);
    free(json_text);
    free(ks_path);
    free(entry_path);
    free(crt_path);
    return rc;
}
