/* SPDX-License-Identifier: EUPL-1.2 */
/* 'baton directory' and 'baton covenant': the regional coordinator signs the network's directory
 * and covenant, and anyone checks a signed one the way every daemon does before trusting it. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "keys.h"

/* A coordinator key file holds one key, or a few while the coordinator rotates its key. */
#define MAX_COORDINATOR_KEYS 8
/* A signed document may be KEYS_MAX_PACKET long; white space around it is allowed. */
#define DOC_READ_MAX (KEYS_MAX_PACKET + 4096u)
/* The document to sign must fit its JWS (KEYS_MAX_PACKET) once base64url-encoded (4/3). */
#define DOC_SIGN_MAX (KEYS_MAX_PACKET / 4u * 3u)

/* The two documents: the same commands, each for its own kind, so that the command says what
 * is expected and one kind can never be signed or accepted as the other. */
struct kind {
    const char *name;   /* the command: "directory" */
    const char *schema; /* its "$schema" */
    const char *typ;
    const char *other; /* the other command */
    const char *other_schema;
};

static const struct kind directory_kind = {"directory", "urn:baton:directory:1", KEYS_TYP_DIRECTORY,
                                           "covenant", "urn:baton:covenant:1"};
static const struct kind covenant_kind = {"covenant", "urn:baton:covenant:1", KEYS_TYP_COVENANT,
                                          "directory", "urn:baton:directory:1"};

enum {
    OPT_KEYSTORE = 1,
    OPT_PASSPHRASE_FILE,
    OPT_OUTPUT,
    OPT_COORDINATOR,
    OPT_AT,
    OPT_JSON,
    OPT_HELP,
};

static const struct cli_option sign_options[] = {
    {"--keystore", 0, true, OPT_KEYSTORE},
    {"--passphrase-file", 0, true, OPT_PASSPHRASE_FILE},
    {"--output", 'o', true, OPT_OUTPUT},
    {"--help", 'h', false, OPT_HELP},
    {NULL, 0, false, 0},
};

static const struct cli_option verify_options[] = {
    {"--coordinator", 0, true, OPT_COORDINATOR},
    {"--at", 0, true, OPT_AT},
    {"--json", 0, false, OPT_JSON},
    {"--help", 'h', false, OPT_HELP},
    {NULL, 0, false, 0},
};

static void
help(FILE *out, const struct kind *k)
{
    fprintf(out,
            "usage: baton %s sign [--keystore KEYSTORE] [--passphrase-file FILE] [-o FILE]\n"
            "                  DOCUMENT.json\n"
            "       baton %s verify --coordinator KEYFILE [--at DATE-TIME] [--json] FILE\n"
            "\n",
            k->name, k->name);
    if (k == &directory_kind)
        fputs("The network directory lists every member organisation with its OIN, name, role,\n"
              "endpoint, keys (with their validity) and TLS pin. Every daemon refuses a directory\n"
              "that the regional coordinator did not sign, that was changed, that has expired\n"
              "(\"issued\" .. \"expires\"), or that its schema (urn:baton:directory:1) refuses;\n"
              "also one that lists an OIN, a key or a TLS pin twice.\n",
              out);
    else
        fputs("The covenant holds the network's agreements that every daemon enforces: purposes,\n"
              "routes, legal bases, the fields each role receives, retention. Every daemon\n"
              "refuses a covenant that the regional coordinator did not sign, that was changed,\n"
              "that its schema (urn:baton:covenant:1) refuses, or outside \"valid_from\" ..\n"
              "\"valid_until\": Dutch calendar days, both included (from midnight in the\n"
              "Netherlands at the start of the first day to midnight at the end of the last).\n",
              out);
    fprintf(
        out,
        "\n"
        "sign: validates DOCUMENT.json, whose \"$schema\" must be \"%s\"\n"
        "(a %s is signed with 'baton %s sign'), and signs it as a compact JWS\n"
        "(typ %s) with the current signing key of KEYSTORE, which must be the\n"
        "regional coordinator's ('baton keygen --role coordinator'). The JWS goes to FILE,\n"
        "or to standard output. A document outside its validity period is still signed,\n"
        "with a warning.\n"
        "\n"
        "verify: runs the checks of every daemon on FILE (a signed %s; '-' reads standard\n"
        "input) and prints what it holds.\n"
        "\n"
        "Options:\n"
        "  --keystore KEYSTORE   the coordinator's keystore (sign); without it\n"
        "                        $BATON_KEYSTORE.\n"
        "  --passphrase-file FILE\n"
        "                        the keystore's passphrase is the first line of FILE;\n"
        "                        without it $BATON_PASSPHRASE, else it is asked for on the\n"
        "                        terminal (an unencrypted keystore needs none).\n"
        "  -o, --output FILE     write the signed %s to FILE (sign), replacing it\n"
        "                        ('-': standard output, as without -o).\n"
        "  --coordinator KEYFILE the coordinator's public signing key (verify): the\n"
        "                        entry.json that 'baton keygen --role coordinator --out DIR'\n"
        "                        wrote (DIR/entry.json), a public JWK, or a JWK Set\n"
        "                        {\"keys\": [...]}. During a rotation of the coordinator's key\n"
        "                        give a set with the old and the new key: either may sign.\n"
        "                        Encryption keys in it are skipped; a private key refused.\n"
        "  --at DATE-TIME        check validity at this moment (RFC 3339, such as\n"
        "                        2025-09-01T12:00:00Z) instead of now.\n"
        "  --json                print the verified document (JSON) instead of a summary.\n"
        "  -h, --help            show this help.\n"
        "\n"
        "Exit status: 0 signed, or verified; 1 refused because of the document (not signed,\n"
        "signed by another key, changed, of the other kind, invalid, expired or not yet\n"
        "valid); 2 unusable input (a missing file, a bad keystore or key file) or bad usage.\n"
        "\n"
        "Examples:\n"
        "  baton %s sign --keystore coordinator.keystore -o %s.jws %s.json\n"
        "  baton %s verify --coordinator coordinator/entry.json %s.jws\n",
        k->schema, k->other, k->other, k->typ, k->name, k->name, k->name, k->name, k->name, k->name,
        k->name);
}

void
cmd_directory_help(FILE *out)
{
    help(out, &directory_kind);
}

void
cmd_covenant_help(FILE *out)
{
    help(out, &covenant_kind);
}

/* "baton directory: FILE: message", with what could come from outside made safe. */
static void
say(const struct kind *k, const char *file, const char *fmt_prefix, const char *text)
{
    fflush(stdout);
    fprintf(stderr, "baton %s: ", k->name);
    if (file != NULL) {
        cli_put_safe(stderr, file);
        fputs(": ", stderr);
    }
    if (fmt_prefix != NULL)
        fputs(fmt_prefix, stderr);
    cli_put_safe(stderr, text);
    fputc('\n', stderr);
}

static const char *
display_name(const char *path)
{
    return strcmp(path, "-") == 0 ? "<stdin>" : path;
}

/* The cryptography (keys_init) and the built-in catalogue, which every subcommand needs. */
static enum cli_exit
start(const struct kind *k, struct forms_catalogue **cat)
{
    const struct forms_options fopt = {.format_assertion = true};
    struct forms_err err = {0};
    struct keys_err kerr = {0};

    if (keys_init(&kerr) != KEYS_OK) {
        say(k, NULL, NULL, kerr.text);
        return CLI_UNUSABLE;
    }
    if (forms_catalogue_new(&fopt, cat, &err) != FORMS_OK ||
        forms_catalogue_add_builtin(*cat, &err) != FORMS_OK ||
        forms_catalogue_compile(*cat, &err) != FORMS_OK) {
        say(k, NULL, "the built-in form catalogue is unusable: ", err.text);
        return CLI_UNUSABLE;
    }
    return CLI_OK;
}

/* ---- sign ---- */

/* Writes text and a newline to path through a temporary file in the same folder and a rename,
 * so that a reader never sees half a document. A directory and a covenant are public: 0644. */
static enum cli_exit
write_file(const struct kind *k, const char *path, const char *text, size_t len)
{
    size_t plen = strlen(path), off = 0;
    char *tmp = malloc(plen + 16);
    ssize_t n;
    int fd = -1;
    enum cli_exit rc = CLI_UNUSABLE;

    if (tmp == NULL) {
        say(k, NULL, NULL, "out of memory");
        return CLI_UNUSABLE;
    }
    snprintf(tmp, plen + 16, "%s.tmp-XXXXXX", path);
    fd = mkstemp(tmp);
    if (fd < 0) {
        say(k, path, "cannot write next to it: ", strerror(errno));
        free(tmp);
        return CLI_UNUSABLE;
    }
    if (fchmod(fd, 0644) != 0)
        goto fail;
    while (off < len + 1) {
        n = off < len ? write(fd, text + off, len - off) : write(fd, "\n", 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            goto fail;
        off += (size_t)n;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0)
        goto fail;
    rc = CLI_OK;
    goto out;
fail:
    say(k, path, "cannot write it: ", strerror(errno));
    if (fd >= 0)
        close(fd);
    unlink(tmp);
out:
    free(tmp);
    return rc;
}

/* The document's own "$schema" decides what it is; this command signs only its own kind. */
static enum cli_exit
check_kind(const struct kind *k, const char *name, const json_t *doc)
{
    const char *schema = json_string_value(json_object_get(doc, "$schema"));

    if (schema != NULL && strcmp(schema, k->other_schema) == 0) {
        fflush(stdout);
        fprintf(stderr, "baton %s: ", k->name);
        cli_put_safe(stderr, name);
        fprintf(stderr, ": this is a %s (\"$schema\": \"%s\"); sign it with 'baton %s sign'\n",
                k->other, k->other_schema, k->other);
        return CLI_UNUSABLE;
    }
    return CLI_OK;
}

static int
sign(const struct kind *k, int argc, char **argv)
{
    const struct forms_limits lim = {.max_bytes = DOC_SIGN_MAX, .max_depth = 0};
    const char *keystore = NULL, *passphrase_file = NULL, *output = NULL, *input = NULL, *value,
               *name;
    const struct keys_identity *id;
    const struct keys_sign_key *signer;
    struct forms_catalogue *cat = NULL;
    struct keys_keystore *ks = NULL;
    struct keys_pub pub;
    struct keys_err err = {0};
    struct forms_err ferr = {0};
    enum keys_status st;
    json_t *doc = NULL, *check = NULL;
    struct cli_args args;
    char *jws = NULL, cmd[32];
    size_t len = 0;
    time_t now = time(NULL);
    int opt, rc = CLI_UNUSABLE;

    snprintf(cmd, sizeof cmd, "%s sign", k->name);
    cli_args_init(&args, k->name, argc, argv);
    while ((opt = cli_next(&args, sign_options, &value)) != CLI_END) {
        switch (opt) {
        case CLI_BAD:
            goto out;
        case CLI_OPERAND:
            if (input != NULL) {
                rc = cli_usage(k->name, "sign: give one DOCUMENT to sign");
                goto out;
            }
            input = value;
            break;
        case OPT_KEYSTORE:
            keystore = value;
            break;
        case OPT_PASSPHRASE_FILE:
            passphrase_file = value;
            break;
        case OPT_OUTPUT:
            output = value;
            break;
        case OPT_HELP:
            help(stdout, k);
            rc = CLI_OK;
            goto out;
        }
    }
    if (input == NULL) {
        rc = cli_usage(k->name, "sign: no DOCUMENT given (use '-' to read it from standard input)");
        goto out;
    }
    name = display_name(input);
    if (start(k, &cat) != CLI_OK)
        goto out;
    if (forms_parse_file(input, &lim, &doc, &ferr) != FORMS_OK) {
        say(k, name, NULL, ferr.text);
        goto out;
    }
    if (check_kind(k, name, doc) != CLI_OK)
        goto out;

    if (cli_open_keystore(cmd, keystore, passphrase_file, &ks, NULL) != CLI_OK)
        goto out;
    if (keystore == NULL)
        keystore = getenv(CLI_KEYSTORE_ENV);
    id = keys_keystore_identity(ks);
    /* Daemons trust one key for these documents, the coordinator's: anyone else's signature
     * would only make a file that every daemon refuses. */
    if (strcmp(id->role, "coordinator") != 0) {
        fflush(stdout);
        fprintf(stderr, "baton %s: ", cmd);
        cli_put_safe(stderr, keystore);
        fputs(" belongs to ", stderr);
        cli_put_safe(stderr, id->name);
        fprintf(stderr,
                " (OIN %s), whose role is %s, not coordinator; only the regional coordinator "
                "signs the %s, and daemons trust only its key\n",
                id->oin, id->role, k->name);
        goto out;
    }
    signer = keys_keystore_signer(ks, now);
    if (signer == NULL) {
        fflush(stdout);
        fprintf(stderr, "baton %s: ", cmd);
        cli_put_safe(stderr, keystore);
        fputs(" has no signing key that is valid now; add one (a key rotation) first\n", stderr);
        goto out;
    }

    st = keys_document_sign(signer, cat, doc, &jws, &len, &err);
    if (st != KEYS_OK) {
        say(k, name, "not signed: ", err.text);
        if (st == KEYS_ESCHEMA) {
            fputs("  'baton validate ", stderr);
            cli_put_safe(stderr, input);
            fputs("' lists every error against the schema.\n", stderr);
        }
        rc = keys_status_is_refusal(st) ? CLI_NO : CLI_UNUSABLE;
        goto out;
    }

    /* What a daemon would say today: a document signed ahead of its time, or after it, is
     * signed as asked, but the coordinator should know before handing it out. */
    keys_sign_key_public(signer, &pub);
    memset(&err, 0, sizeof err);
    st = keys_document_verify(jws, len, k->typ, &pub, 1, cat, now, &check, &err);
    if (st == KEYS_EEXPIRED) {
        say(k, name, "warning: daemons refuse it now: ", err.text);
    } else if (st != KEYS_OK) {
        say(k, name, "the signed document does not verify (a bug in baton): ", err.text);
        goto out;
    }

    if (output != NULL && strcmp(output, "-") != 0) {
        rc = write_file(k, output, jws, len);
        if (rc != CLI_OK)
            goto out;
        fflush(stdout);
        fprintf(stderr, "baton %s: signed ", cmd);
        cli_put_safe(stderr, name);
        fprintf(stderr, " with key %s of ", pub.kid);
        cli_put_safe(stderr, id->name);
        fputs(" into ", stderr);
        cli_put_safe(stderr, output);
        fputc('\n', stderr);
    } else {
        fwrite(jws, 1, len, stdout);
        fputc('\n', stdout);
        rc = CLI_OK;
    }
out:
    free(jws);
    json_decref(check);
    json_decref(doc);
    keys_keystore_free(ks);
    forms_catalogue_free(cat);
    return rc;
}

/* ---- verify ---- */

/* Reads the whole of path ('-': standard input), at most DOC_READ_MAX bytes. */
static enum cli_exit
read_input(const struct kind *k, const char *path, char **out, size_t *out_len)
{
    const char *name = display_name(path);
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    size_t len = 0, n;
    char *buf = NULL;
    enum cli_exit rc = CLI_UNUSABLE;

    if (f == NULL) {
        say(k, name, "cannot open it: ", strerror(errno));
        return CLI_UNUSABLE;
    }
    buf = malloc(DOC_READ_MAX + 2);
    if (buf == NULL) {
        say(k, name, NULL, "out of memory");
        goto out;
    }
    while ((n = fread(buf + len, 1, DOC_READ_MAX + 1 - len, f)) > 0)
        len += n;
    if (ferror(f)) {
        say(k, name, "cannot read it: ", strerror(errno));
        goto out;
    }
    if (len > DOC_READ_MAX) {
        say(k, name, NULL, "larger than a signed document can be (4 MiB)");
        rc = CLI_NO;
        goto out;
    }
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    buf = NULL;
    rc = CLI_OK;
out:
    free(buf);
    if (f != stdin)
        fclose(f);
    return rc;
}

/* The kid in the protected header of a JWS that has verified: which coordinator key signed. */
static void
signer_kid(const char *jws, char kid[KEYS_KID_LEN + 1])
{
    unsigned char hdr[KEYS_MAX_HEADER];
    const char *start = jws, *dot;
    json_t *h;
    size_t n = 0;

    snprintf(kid, KEYS_KID_LEN + 1, "?");
    while (*start == ' ' || *start == '\t' || *start == '\r' || *start == '\n')
        start++;
    dot = strchr(start, '.');
    if (dot == NULL || keys_b64url_decode(start, (size_t)(dot - start), hdr, sizeof hdr, &n,
                                          "header", NULL) != KEYS_OK)
        return;
    h = json_loadb((const char *)hdr, n, 0, NULL);
    if (json_is_string(json_object_get(h, "kid")))
        snprintf(kid, KEYS_KID_LEN + 1, "%s", json_string_value(json_object_get(h, "kid")));
    json_decref(h);
}

static void
field(const char *label, const char *value)
{
    printf("  %-14s ", label);
    cli_put_safe(stdout, value != NULL ? value : "-");
    fputc('\n', stdout);
}

static void
summary_directory(const json_t *doc)
{
    const json_t *orgs = json_object_get(doc, "organisations"), *o;
    char num[32];
    size_t i;

    field("network:", json_string_value(json_object_get(doc, "network")));
    snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT,
             json_integer_value(json_object_get(doc, "version")));
    field("version:", num);
    printf("  %-14s from ", "valid:");
    cli_put_safe(stdout, json_string_value(json_object_get(doc, "issued")));
    fputs(" until ", stdout);
    cli_put_safe(stdout, json_string_value(json_object_get(doc, "expires")));
    fputc('\n', stdout);
    printf("  %-14s %zu\n", "organisations:", json_array_size(orgs));
    json_array_foreach (orgs, i, o) {
        printf("    %s  %-12s ", json_string_value(json_object_get(o, "oin")),
               json_string_value(json_object_get(o, "role")));
        cli_put_safe(stdout, json_string_value(json_object_get(o, "name")));
        fputs("  ", stdout);
        cli_put_safe(stdout, json_string_value(json_object_get(o, "endpoint")));
        printf("  (%zu keys)\n",
               json_array_size(json_object_get(json_object_get(o, "jwks"), "keys")));
    }
}

static void
print_strings(const json_t *array)
{
    const json_t *v;
    size_t i;

    if (json_array_size(array) == 0)
        fputs("none", stdout);
    json_array_foreach (array, i, v) {
        if (i > 0)
            fputs(", ", stdout);
        cli_put_safe(stdout, json_string_value(v));
    }
}

static void
summary_covenant(const json_t *doc)
{
    const json_t *purposes = json_object_get(doc, "purposes"), *p;
    char num[32];
    size_t i;

    field("covenant:", json_string_value(json_object_get(doc, "id")));
    field("name:", json_string_value(json_object_get(doc, "name")));
    snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT,
             json_integer_value(json_object_get(doc, "version")));
    field("version:", num);
    printf("  %-14s ", "valid:");
    cli_put_safe(stdout, json_string_value(json_object_get(doc, "valid_from")));
    fputs(" to ", stdout);
    cli_put_safe(stdout, json_string_value(json_object_get(doc, "valid_until")));
    fputs(" (Dutch days, both included)\n", stdout);
    printf("  %-14s %zu\n", "parties:", json_array_size(json_object_get(doc, "parties")));
    printf("  %-14s %zu\n", "purposes:", json_array_size(purposes));
    json_array_foreach (purposes, i, p) {
        fputs("    ", stdout);
        cli_put_safe(stdout, json_string_value(json_object_get(p, "id")));
        printf(": %zu routes; legal bases: ", json_array_size(json_object_get(p, "routes")));
        print_strings(json_object_get(p, "legal_bases"));
        fputs("; BSN allowed for: ", stdout);
        print_strings(json_object_get(p, "bsn_allowed_for"));
        fputc('\n', stdout);
    }
    printf("  %-14s %" JSON_INTEGER_FORMAT " days\n",
           "acceptance:", json_integer_value(json_object_get(doc, "acceptance_deadline_days")));
}

static int
verify(const struct kind *k, int argc, char **argv)
{
    struct keys_pub coordinators[MAX_COORDINATOR_KEYS];
    const char *keyfile = NULL, *at = NULL, *input = NULL, *value, *name;
    struct forms_catalogue *cat = NULL;
    struct keys_err err = {0};
    char kid[KEYS_KID_LEN + 1], when[KEYS_TIME_LEN + 1];
    enum keys_status st;
    struct cli_args args;
    json_t *doc = NULL;
    char *text = NULL;
    size_t len = 0, n = 0;
    time_t now = time(NULL);
    bool json = false;
    int opt, rc = CLI_UNUSABLE;

    cli_args_init(&args, k->name, argc, argv);
    while ((opt = cli_next(&args, verify_options, &value)) != CLI_END) {
        switch (opt) {
        case CLI_BAD:
            goto out;
        case CLI_OPERAND:
            if (input != NULL) {
                rc = cli_usage(k->name, "verify: give one FILE to verify");
                goto out;
            }
            input = value;
            break;
        case OPT_COORDINATOR:
            keyfile = value;
            break;
        case OPT_AT:
            at = value;
            break;
        case OPT_JSON:
            json = true;
            break;
        case OPT_HELP:
            help(stdout, k);
            rc = CLI_OK;
            goto out;
        }
    }
    if (keyfile == NULL) {
        rc = cli_usage(k->name,
                       "verify: --coordinator is required: the regional coordinator's public key "
                       "(its entry.json, a JWK or a JWK Set)");
        goto out;
    }
    if (input == NULL) {
        rc = cli_usage(k->name, "verify: no FILE given (use '-' to read it from standard input)");
        goto out;
    }
    if (at != NULL && keys_time_parse(at, &now, "--at", &err) != KEYS_OK) {
        rc = cli_usage(k->name, "verify: %s", err.text);
        goto out;
    }
    name = display_name(input);
    if (start(k, &cat) != CLI_OK)
        goto out;
    if (keys_sign_pub_read_file(keyfile, coordinators, MAX_COORDINATOR_KEYS, &n, &err) != KEYS_OK) {
        say(k, NULL, "--coordinator: ", err.text);
        goto out;
    }
    rc = read_input(k, input, &text, &len);
    if (rc != CLI_OK)
        goto out;

    st = keys_document_verify(text, len, k->typ, coordinators, n, cat, now, &doc, &err);
    if (st != KEYS_OK) {
        say(k, name, "refused: ", err.text);
        rc = keys_status_is_refusal(st) ? CLI_NO : CLI_UNUSABLE;
        goto out;
    }
    if (json) {
        rc = json_dumpf(doc, stdout, JSON_INDENT(2)) == 0 ? CLI_OK : CLI_UNUSABLE;
        fputc('\n', stdout);
        goto out;
    }
    signer_kid(text, kid);
    keys_time_format(now, when);
    cli_put_safe(stdout, name);
    printf(": valid signed %s\n", k->name);
    printf("  %-14s coordinator key %s\n", "signed by:", kid);
    printf("  %-14s %s\n", "checked at:", when);
    if (k == &directory_kind)
        summary_directory(doc);
    else
        summary_covenant(doc);
    rc = CLI_OK;
out:
    json_decref(doc);
    free(text);
    forms_catalogue_free(cat);
    return rc;
}

static int
run(const struct kind *k, int argc, char **argv)
{
    if (argc < 2) {
        return cli_usage(k->name, "say what to do: sign or verify");
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        help(stdout, k);
        return CLI_OK;
    }
    if (strcmp(argv[1], "sign") == 0)
        return sign(k, argc - 1, argv + 1);
    if (strcmp(argv[1], "verify") == 0)
        return verify(k, argc - 1, argv + 1);
    fprintf(stderr, "baton %s: no subcommand '", k->name);
    cli_put_safe(stderr, argv[1]);
    fprintf(stderr, "'; there are sign and verify.\nSee 'baton help %s'.\n", k->name);
    return CLI_UNUSABLE;
}

int
cmd_directory(int argc, char **argv)
{
    return run(&directory_kind, argc, argv);
}

int
cmd_covenant(int argc, char **argv)
{
    return run(&covenant_kind, argc, argv);
}
