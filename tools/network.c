/* SPDX-License-Identifier: EUPL-1.2 */
/* What the packet commands (seal, open, inspect, receipt) share: the network's signed documents
 * found through options or the environment, and packet files read whole and written atomically. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "keys.h"

/* A signed directory or covenant is a few hundred KiB at most; a packet at most KEYS_MAX_PACKET. */
#define DOC_READ_MAX KEYS_MAX_PACKET

void
cli_say(const char *command, const char *file, const char *prefix, const char *text)
{
    fflush(stdout);
    fprintf(stderr, "baton %s: ", command);
    if (file != NULL) {
        cli_put_safe(stderr, strcmp(file, "-") == 0 ? "<stdin>" : file);
        fputs(": ", stderr);
    }
    if (prefix != NULL)
        fputs(prefix, stderr);
    cli_put_safe(stderr, text);
    fputc('\n', stderr);
}

const char *
cli_option_or_env(const char *value, const char *env)
{
    const char *v;

    if (value != NULL && value[0] != '\0')
        return value;
    v = getenv(env);
    return v != NULL && v[0] != '\0' ? v : NULL;
}

int
cli_read_file(const char *command, const char *path, size_t max, char **out, size_t *out_len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    size_t len = 0, n;
    char *buf = NULL;
    int rc = CLI_UNUSABLE;

    if (f == NULL) {
        cli_say(command, path, "cannot open it: ", strerror(errno));
        return CLI_UNUSABLE;
    }
    buf = malloc(max + 2);
    if (buf == NULL) {
        cli_say(command, path, NULL, "out of memory");
        goto out;
    }
    while (len <= max && (n = fread(buf + len, 1, max + 1 - len, f)) > 0)
        len += n;
    if (ferror(f)) {
        cli_say(command, path, "cannot read it: ", strerror(errno));
        goto out;
    }
    if (len > max) {
        char msg[96];

        snprintf(msg, sizeof msg, "larger than the limit of %zu bytes", max);
        cli_say(command, path, NULL, msg);
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

int
cli_read_compact(const char *command, const char *path, char **out, size_t *out_len)
{
    int rc = cli_read_file(command, path, KEYS_MAX_PACKET + 1, out, out_len);

    /* One line feed at the end is how text files end, not part of the serialization. */
    if (rc == CLI_OK && *out_len > 0 && (*out)[*out_len - 1] == '\n')
        (*out)[--*out_len] = '\0';
    return rc;
}

int
cli_write_file(const char *command, const char *path, const char *text, size_t len, bool replace)
{
    size_t plen = strlen(path), off = 0;
    char *tmp = NULL;
    const char *why = NULL;
    ssize_t n;
    int fd = -1, rc = CLI_UNUSABLE;

    if (strcmp(path, "-") == 0) {
        if (fwrite(text, 1, len, stdout) != len || fputc('\n', stdout) == EOF ||
            fflush(stdout) != 0) {
            cli_say(command, NULL, NULL, "could not write to standard output");
            return CLI_UNUSABLE;
        }
        return CLI_OK;
    }
    if (!replace && access(path, F_OK) == 0) {
        cli_say(command, path, NULL, "exists already; give --force to replace it");
        return CLI_UNUSABLE;
    }
    tmp = malloc(plen + 16);
    if (tmp == NULL) {
        cli_say(command, NULL, NULL, "out of memory");
        return CLI_UNUSABLE;
    }
    /* A temporary file next to it, then a rename (or a link, which refuses to replace): a reader
     * sees the whole file or none, and a failure leaves no half-written file. */
    snprintf(tmp, plen + 16, "%s.tmp-XXXXXX", path);
    fd = mkstemp(tmp); /* mode 0600: what a packet holds is for its recipient only */
    if (fd < 0) {
        cli_say(command, path, "cannot write next to it: ", strerror(errno));
        free(tmp);
        return CLI_UNUSABLE;
    }
    while (off < len + 1) {
        n = off < len ? write(fd, text + off, len - off) : write(fd, "\n", 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            why = n == 0 ? "nothing written" : strerror(errno);
            goto fail;
        }
        off += (size_t)n;
    }
    if (fsync(fd) != 0) {
        why = strerror(errno);
        goto fail;
    }
    if (close(fd) != 0) {
        fd = -1;
        why = strerror(errno);
        goto fail;
    }
    fd = -1;
    if (replace ? rename(tmp, path) != 0 : link(tmp, path) != 0) {
        why = errno == EEXIST ? "exists already; give --force to replace it" : strerror(errno);
        goto fail;
    }
    if (!replace)
        unlink(tmp);
    rc = CLI_OK;
    goto out;
fail:
    cli_say(command, path, "cannot write it: ", why);
    if (fd >= 0)
        close(fd);
    unlink(tmp);
out:
    free(tmp);
    return rc;
}

int
cli_network_start(const char *command, struct cli_network *net)
{
    const struct forms_options fopt = {.format_assertion = true};
    struct forms_err err = {0};
    struct keys_err kerr = {0};

    memset(net, 0, sizeof *net);
    if (keys_init(&kerr) != KEYS_OK) {
        cli_say(command, NULL, NULL, kerr.text);
        return CLI_UNUSABLE;
    }
    if (forms_catalogue_new(&fopt, &net->cat, &err) != FORMS_OK ||
        forms_catalogue_add_builtin(net->cat, &err) != FORMS_OK ||
        forms_catalogue_compile(net->cat, &err) != FORMS_OK) {
        cli_say(command, NULL, "the built-in form catalogue is unusable: ", err.text);
        return CLI_UNUSABLE;
    }
    return CLI_OK;
}

/* A signed document's file, checked against the coordinator's keys: KEYS_OK or a message. */
static int
load_document(const char *command, struct cli_network *net, const char *option, const char *path,
              const char *typ, time_t now, char **text, size_t *len, json_t **doc)
{
    struct keys_err err = {0};
    enum keys_status st;
    char prefix[64];
    int rc;

    rc = cli_read_file(command, path, DOC_READ_MAX, text, len);
    if (rc != CLI_OK)
        return CLI_UNUSABLE;
    if (doc != NULL)
        st = keys_document_verify(*text, *len, typ, net->coordinators, net->n_coordinators,
                                  net->cat, now, doc, &err);
    else
        st = keys_directory_load(*text, *len, net->coordinators, net->n_coordinators, net->cat, now,
                                 &net->dir, &err);
    if (st != KEYS_OK) {
        snprintf(prefix, sizeof prefix, "%s refused: ", option);
        cli_say(command, path, prefix, err.text);
        return CLI_UNUSABLE;
    }
    return CLI_OK;
}

int
cli_network_load(const char *command, struct cli_network *net, const char *coordinator,
                 const char *directory, const char *covenant, time_t now)
{
    struct keys_err err = {0};
    const char *start, *end;
    char *text = NULL;
    size_t len = 0;
    int rc = CLI_UNUSABLE;

    coordinator = cli_option_or_env(coordinator, CLI_COORDINATOR_ENV);
    directory = cli_option_or_env(directory, CLI_DIRECTORY_ENV);
    if (directory == NULL)
        return cli_usage(
            command, "which network directory? Give --directory FILE or set " CLI_DIRECTORY_ENV);
    if (coordinator == NULL)
        return cli_usage(command, "whose signature makes the directory valid? Give --coordinator "
                                  "KEYFILE or set " CLI_COORDINATOR_ENV);
    if (keys_sign_pub_read_file(coordinator, net->coordinators, CLI_MAX_COORDINATOR_KEYS,
                                &net->n_coordinators, &err) != KEYS_OK) {
        cli_say(command, coordinator, "--coordinator: ", err.text);
        return CLI_UNUSABLE;
    }
    rc = load_document(command, net, "the directory", directory, KEYS_TYP_DIRECTORY, now, &text,
                       &len, NULL);
    free(text);
    text = NULL;
    if (rc != CLI_OK || covenant == NULL)
        return rc;

    rc = load_document(command, net, "the covenant", covenant, KEYS_TYP_COVENANT, now, &text, &len,
                       &net->covenant);
    if (rc == CLI_OK) {
        /* The digest is over the compact serialization, without the white space around it in
         * the file (keys/PACKETS.md 9.2). */
        for (start = text; start < text + len && strchr(" \t\r\n", *start) != NULL; start++)
            ;
        for (end = text + len; end > start && strchr(" \t\r\n", end[-1]) != NULL; end--)
            ;
        crypto_hash_sha256(net->covenant_sha256, (const unsigned char *)start,
                           (unsigned long long)(end - start));
        net->covenant_id = json_string_value(json_object_get(net->covenant, "id"));
        if (net->covenant_id == NULL) {
            cli_say(command, covenant, NULL, "the covenant has no \"id\"");
            rc = CLI_UNUSABLE;
        }
    }
    free(text);
    return rc;
}

void
cli_network_free(struct cli_network *net)
{
    keys_directory_free(net->dir);
    json_decref(net->covenant);
    forms_catalogue_free(net->cat);
    memset(net, 0, sizeof *net);
}

const char *
cli_member_name(const struct cli_network *net, const char *oin)
{
    const struct keys_member *m = net->dir != NULL ? keys_directory_member(net->dir, oin) : NULL;

    return m != NULL && m->name != NULL ? m->name : "(not in the directory)";
}

int
cli_refused(const char *command, const char *file, const struct keys_err *err, enum keys_status st)
{
    cli_say(command, file, keys_status_is_refusal(st) ? "refused: " : NULL, err->text);
    return keys_status_is_refusal(st) ? CLI_NO : CLI_UNUSABLE;
}
