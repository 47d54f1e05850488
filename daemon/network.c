/* SPDX-License-Identifier: EUPL-1.2 */
/* The network's signed documents as the daemon trusts them: the coordinator's keys, the directory
 * (members, their keys and TLS pins, until it expires) and the covenant (until it ends). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core.h"

/* Reads all of path (at most max bytes) into a new NUL-terminated buffer. */
static enum daemon_status
read_file(const char *what, const char *path, size_t max, char **out, size_t *out_len,
          struct daemon_err *err)
{
    FILE *f = fopen(path, "rb");
    size_t len = 0, n;
    char *buf;

    if (f == NULL)
        return daemon_fail(err, DAEMON_EIO, "%s %s: cannot open it: %s", what, path,
                           strerror(errno));
    buf = malloc(max + 2);
    if (buf == NULL) {
        fclose(f);
        return daemon_fail(err, DAEMON_ENOMEM, "out of memory reading %s", path);
    }
    while (len <= max && (n = fread(buf + len, 1, max + 1 - len, f)) > 0)
        len += n;
    if (ferror(f) || len > max) {
        int e = errno;

        fclose(f);
        free(buf);
        if (len > max)
            return daemon_fail(err, DAEMON_EKEYS, "%s %s: larger than %zu bytes", what, path, max);
        return daemon_fail(err, DAEMON_EIO, "%s %s: cannot read it: %s", what, path, strerror(e));
    }
    fclose(f);
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    return DAEMON_OK;
}

/* The JWS text of a document file without the white space around it (the covenant's digest is
 * over exactly that). */
static void
trim(const char *text, size_t len, const char **start, size_t *n)
{
    const char *s = text, *e = text + len;

    while (s < e && strchr(" \t\r\n", *s) != NULL)
        s++;
    while (e > s && strchr(" \t\r\n", e[-1]) != NULL)
        e--;
    *start = s;
    *n = (size_t)(e - s);
}

/* Indexes the directory document's TLS pins and reads its expiry. */
static enum daemon_status
index_directory(struct daemon *d, struct daemon_err *err)
{
    const json_t *orgs = json_object_get(d->dir_doc, "organisations"), *org;
    const char *expires = json_string_value(json_object_get(d->dir_doc, "expires"));
    struct keys_err kerr = {0};
    size_t i;

    if (expires == NULL || keys_time_parse(expires, &d->dir_expires, "expires", &kerr) != KEYS_OK)
        return daemon_fail(err, DAEMON_EKEYS, "the directory's \"expires\" is unusable: %s",
                           kerr.text);
    snprintf(d->dir_expires_text, sizeof d->dir_expires_text, "%s", expires);
    d->pins = calloc(json_array_size(orgs) + 1, sizeof *d->pins);
    if (d->pins == NULL)
        return daemon_fail(err, DAEMON_ENOMEM, "out of memory indexing the directory");
    json_array_foreach (orgs, i, org) {
        d->pins[i].pin = json_string_value(json_object_get(org, "tls_pin"));
        d->pins[i].oin = json_string_value(json_object_get(org, "oin"));
        if (d->pins[i].pin == NULL || d->pins[i].oin == NULL)
            return daemon_fail(err, DAEMON_EKEYS,
                               "organisation %zu of the directory has no TLS pin", i + 1);
        d->n_pins = i + 1;
    }
    return DAEMON_OK;
}

static enum daemon_status
load_directory(struct daemon *d, time_t now, struct daemon_err *err)
{
    const char *path = d->cfg->directory;
    struct keys_err kerr = {0};
    enum daemon_status rc;
    enum keys_status st;
    char *text = NULL;
    size_t len = 0;

    rc = read_file("directory", path, CORE_DOC_MAX, &text, &len, err);
    if (rc != DAEMON_OK)
        return rc;
    {
        const char *start;
        size_t n;

        trim(text, len, &start, &n); /* recorded in the audit trail at start (audit.c) */
        crypto_hash_sha256(d->dir_sha256, (const unsigned char *)start, n);
    }
    st = keys_directory_load(text, len, d->coordinators, d->n_coordinators, d->cat, now, &d->dir,
                             &kerr);
    if (st == KEYS_EEXPIRED) {
        /* Not fatal: the daemon runs, shows its inbox and outbox, and refuses to send. */
        snprintf(d->dir_problem, sizeof d->dir_problem, "%s", kerr.text);
        core_log(d, CONFIG_LOG_ERROR, "directory-expired", NULL, NULL,
                 "directory %s is not valid now: %s; batond will not send or receive until it is "
                 "replaced (and batond restarted)",
                 path, kerr.text);
        rc = DAEMON_OK;
        goto out;
    }
    if (st != KEYS_OK) {
        rc = daemon_fail(err, DAEMON_EKEYS, "directory %s refused: %s", path, kerr.text);
        goto out;
    }
    /* The index has no accessor for the document; verifying the same bytes again gives it. */
    st = keys_document_verify(text, len, KEYS_TYP_DIRECTORY, d->coordinators, d->n_coordinators,
                              d->cat, now, &d->dir_doc, &kerr);
    if (st != KEYS_OK) {
        rc = daemon_fail(err, DAEMON_EKEYS, "directory %s refused: %s", path, kerr.text);
        goto out;
    }
    rc = index_directory(d, err);
    if (rc == DAEMON_OK && keys_directory_member(d->dir, d->me->oin) == NULL)
        rc = daemon_fail(err, DAEMON_EKEYS,
                         "directory %s does not list this organisation (OIN %s): ask the "
                         "regional coordinator to add its entry (baton keygen wrote entry.json)",
                         path, d->me->oin);
out:
    free(text);
    return rc;
}

static enum daemon_status
load_covenant(struct daemon *d, time_t now, struct daemon_err *err)
{
    const char *path = d->cfg->covenant, *start;
    struct keys_err kerr = {0};
    enum daemon_status rc;
    enum keys_status st;
    json_int_t days;
    size_t n;

    rc = read_file("covenant", path, CORE_DOC_MAX, &d->cov_text, &d->cov_len, err);
    if (rc != DAEMON_OK)
        return rc;
    st = keys_document_verify(d->cov_text, d->cov_len, KEYS_TYP_COVENANT, d->coordinators,
                              d->n_coordinators, d->cat, now, &d->covenant, &kerr);
    if (st == KEYS_EEXPIRED) {
        snprintf(d->cov_problem, sizeof d->cov_problem, "%s", kerr.text);
        core_log(d, CONFIG_LOG_ERROR, "covenant-expired", NULL, NULL,
                 "covenant %s does not hold now: %s; batond will not send until it does", path,
                 kerr.text);
        return DAEMON_OK;
    }
    if (st != KEYS_OK)
        return daemon_fail(err, DAEMON_EKEYS, "covenant %s refused: %s", path, kerr.text);
    d->covenant_id = json_string_value(json_object_get(d->covenant, "id"));
    days = json_integer_value(json_object_get(d->covenant, "acceptance_deadline_days"));
    if (d->covenant_id == NULL || days <= 0)
        return daemon_fail(err, DAEMON_EKEYS, "covenant %s has no id or acceptance deadline", path);
    d->deadline_s = (long)days * 86400L;
    trim(d->cov_text, d->cov_len, &start, &n);
    crypto_hash_sha256(d->covenant_sha256, (const unsigned char *)start, n);
    return DAEMON_OK;
}

enum daemon_status
core_network_load(struct daemon *d, time_t now, struct daemon_err *err)
{
    struct keys_err kerr = {0};
    enum daemon_status rc;

    if (keys_sign_pub_read_file(d->cfg->coordinator, d->coordinators, CORE_MAX_COORDINATOR_KEYS,
                                &d->n_coordinators, &kerr) != KEYS_OK)
        return daemon_fail(err, DAEMON_EKEYS, "coordinator %s: %s", d->cfg->coordinator, kerr.text);
    rc = load_directory(d, now, err);
    if (rc == DAEMON_OK)
        rc = load_covenant(d, now, err);
    return rc;
}

void
core_network_free(struct daemon *d)
{
    free(d->pins);
    d->pins = NULL;
    d->n_pins = 0;
    keys_directory_free(d->dir);
    d->dir = NULL;
    json_decref(d->dir_doc);
    d->dir_doc = NULL;
    json_decref(d->covenant);
    d->covenant = NULL;
    free(d->cov_text);
    d->cov_text = NULL;
}

int
core_directory_usable(struct daemon *d, time_t now, char *why, size_t size)
{
    if (d->dir == NULL) {
        if (why != NULL)
            snprintf(why, size, "%s",
                     d->dir_problem[0] != '\0' ? d->dir_problem : "no network directory loaded");
        return 0;
    }
    if (now > d->dir_expires) {
        if (why != NULL)
            snprintf(why, size,
                     "the network directory expired on %s; ask the regional coordinator for a "
                     "new one",
                     d->dir_expires_text);
        return 0;
    }
    return 1;
}

int
core_covenant_usable(struct daemon *d, time_t now, char *why, size_t size)
{
    struct keys_err kerr = {0};

    if (d->covenant == NULL) {
        if (why != NULL)
            snprintf(why, size, "%s",
                     d->cov_problem[0] != '\0' ? d->cov_problem : "no covenant loaded");
        return 0;
    }
    /* Its signature was verified at load; its validity is in days of Dutch time, which keys
     * knows how to read. */
    if (keys_document_within(d->covenant, KEYS_TYP_COVENANT, now, &kerr) != KEYS_OK) {
        if (why != NULL)
            snprintf(why, size, "%s", kerr.text);
        return 0;
    }
    return 1;
}

const char *
core_member_name(struct daemon *d, const char *oin)
{
    const struct keys_member *m = d->dir != NULL ? keys_directory_member(d->dir, oin) : NULL;

    return m != NULL ? m->name : NULL;
}

int
core_peer_lookup(void *ctx, const char *pin, char oin[HTTP_OIN_SIZE])
{
    struct daemon *d = ctx;
    size_t i;

    if (pin == NULL || !core_directory_usable(d, time(NULL), NULL, 0))
        return 0;
    for (i = 0; i < d->n_pins; i++) {
        if (strcmp(d->pins[i].pin, pin) == 0) {
            snprintf(oin, HTTP_OIN_SIZE, "%s", d->pins[i].oin);
            return 1;
        }
    }
    return 0;
}

static enum keys_status
trust_signing_key(void *ctx, const char *kid, time_t at, char owner[KEYS_OIN_LEN + 1],
                  struct keys_pub *out, struct keys_err *err)
{
    struct daemon *d = ctx;
    const struct keys_member *m = NULL;
    struct keys_pub pub;
    enum keys_status st;

    if (d->dir == NULL) {
        if (err != NULL) {
            err->status = KEYS_EKID;
            snprintf(err->text, sizeof err->text, "no network directory loaded");
        }
        return KEYS_EKID;
    }
    st = keys_directory_signing_key(d->dir, kid, at, &m, &pub, err);
    if (st != KEYS_OK)
        return st;
    snprintf(owner, KEYS_OIN_LEN + 1, "%s", m->oin);
    *out = pub;
    return KEYS_OK;
}

void
core_trust(struct daemon *d, struct keys_trust *out)
{
    memset(out, 0, sizeof *out);
    out->signing_key = trust_signing_key;
    out->ctx = d;
}
