/* SPDX-License-Identifier: EUPL-1.2 */
/* The daemon's life: loading what the configuration names, starting the peer endpoint, the admin
 * socket and the delivery worker, and stopping them in an order that loses nothing. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "audit.h"
#include "core.h"
#include "metrics.h"
#include "roles.h"
#include "web.h"

/* A passphrase file holds one line; more is not a passphrase file. */
#define PASSPHRASE_MAX 1024

/* The first line of the passphrase file, in guarded memory. Refused, like the keystore, when
 * group or others may read it. */
static enum daemon_status
read_passphrase(const char *path, char **out, struct daemon_err *err)
{
    struct stat sb;
    ssize_t n = 0, r;
    char *buf = NULL;
    int fd;

    fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return daemon_fail(err, DAEMON_ECONFIG, "passphrase_file %s: cannot open it: %s", path,
                           strerror(errno));
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return daemon_fail(err, DAEMON_ECONFIG, "passphrase_file %s is not a regular file", path);
    }
    if ((sb.st_mode & 077) != 0 || sb.st_uid != geteuid()) {
        close(fd);
        return daemon_fail(err, DAEMON_ECONFIG,
                           "passphrase_file %s may be read by others (mode %04o) or is not "
                           "batond's own; run chmod 600 %s and give it to the daemon's user",
                           path, (unsigned)(sb.st_mode & 07777), path);
    }
    buf = sodium_malloc(PASSPHRASE_MAX + 1);
    if (buf == NULL) {
        close(fd);
        return daemon_fail(err, DAEMON_ENOMEM, "no guarded memory for the passphrase");
    }
    while (n < PASSPHRASE_MAX && (r = read(fd, buf + n, (size_t)(PASSPHRASE_MAX - n))) != 0) {
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            close(fd);
            sodium_free(buf);
            return daemon_fail(err, DAEMON_EIO, "passphrase_file %s: cannot read it: %s", path,
                               strerror(errno));
        }
        n += r;
    }
    close(fd);
    buf[n] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    if (buf[0] == '\0') {
        sodium_free(buf);
        return daemon_fail(err, DAEMON_ECONFIG, "passphrase_file %s is empty", path);
    }
    *out = buf;
    return DAEMON_OK;
}

static enum daemon_status
load_keystore(struct daemon *d, struct daemon_err *err)
{
    struct keys_err kerr = {0};
    enum daemon_status rc;
    enum keys_status st;
    char *pass = NULL;
    int have_pass;

    if (d->cfg->passphrase_file[0] != '\0') {
        rc = read_passphrase(d->cfg->passphrase_file, &pass, err);
        if (rc != DAEMON_OK)
            return rc;
    }
    have_pass = pass != NULL;
    st = keys_keystore_load(d->cfg->keystore, pass, &d->ks, &kerr);
    sodium_free(pass);
    if (st == KEYS_EPASSPHRASE && !have_pass)
        return daemon_fail(err, DAEMON_EKEYS,
                           "keystore %s is encrypted: name a file with its passphrase in "
                           "passphrase_file",
                           d->cfg->keystore);
    if (st != KEYS_OK)
        return daemon_fail(err, DAEMON_EKEYS, "keystore %s: %s", d->cfg->keystore, kerr.text);
    d->me = keys_keystore_identity(d->ks);
    return DAEMON_OK;
}

static enum daemon_status
open_store(struct daemon *d, struct daemon_err *err)
{
    struct keys_err kerr = {0};
    enum daemon_status rc;
    unsigned char *key = sodium_malloc(STORE_KEY_BYTES);

    if (key == NULL)
        return daemon_fail(err, DAEMON_ENOMEM, "no guarded memory for the store key");
    if (keys_keystore_derive_key(d->ks, "store", key, &kerr) != KEYS_OK)
        rc = daemon_fail(err, DAEMON_EKEYS, "cannot derive the store key: %s", kerr.text);
    else
        rc = store_open(d->cfg->database, d->me->oin, key, &d->store, err);
    sodium_free(key);
    if (rc != DAEMON_OK)
        return rc;
    d->pseudonym_key = sodium_malloc(CORE_PSEUDONYM_KEY_BYTES);
    if (d->pseudonym_key == NULL)
        return daemon_fail(err, DAEMON_ENOMEM, "no guarded memory for the pseudonym key");
    if (keys_keystore_derive_key(d->ks, "subject", d->pseudonym_key, &kerr) != KEYS_OK)
        return daemon_fail(err, DAEMON_EKEYS, "cannot derive the pseudonym key: %s", kerr.text);
    sodium_mprotect_readonly(d->pseudonym_key);
    return DAEMON_OK;
}

enum daemon_status
daemon_load(const struct daemon_options *o, struct daemon **out, struct daemon_err *err)
{
    const struct forms_options fopt = {.format_assertion = true};
    struct forms_err ferr = {0};
    struct daemon *d;
    enum daemon_status rc;
    time_t now = time(NULL);

    if (o == NULL || o->config_path == NULL || out == NULL)
        return daemon_fail(err, DAEMON_EINVAL, "daemon_load: NULL argument");
    d = calloc(1, sizeof *d);
    if (d == NULL)
        return daemon_fail(err, DAEMON_ENOMEM, "out of memory");
    pthread_mutex_init(&d->log_mu, NULL);
    pthread_mutex_init(&d->mu, NULL);
    pthread_mutex_init(&d->audit_reader_mu, NULL);
    pthread_mutex_init(&d->ckpt_mu, NULL);
    pthread_mutex_init(&d->verify_mu, NULL);
    pthread_cond_init(&d->wake, NULL);
    d->log_sink = o->log;
    d->log_ctx = o->log_ctx;
    d->cfg = malloc(sizeof *d->cfg);
    if (d->cfg == NULL) {
        rc = daemon_fail(err, DAEMON_ENOMEM, "out of memory");
        goto fail;
    }
    rc = config_load(o->config_path, d->cfg, err);
    if (rc != DAEMON_OK) {
        free(d->cfg);
        d->cfg = NULL;
        goto fail;
    }
    if (forms_catalogue_new(&fopt, &d->cat, &ferr) != FORMS_OK ||
        forms_catalogue_add_builtin(d->cat, &ferr) != FORMS_OK ||
        forms_catalogue_compile(d->cat, &ferr) != FORMS_OK) {
        rc = daemon_fail(err, DAEMON_EKEYS, "the built-in form catalogue is unusable: %s",
                         ferr.text);
        goto fail;
    }
    rc = load_keystore(d, err);
    if (rc == DAEMON_OK)
        rc = core_network_load(d, now, err);
    if (rc == DAEMON_OK)
        rc = open_store(d, err);
    if (rc == DAEMON_OK)
        rc = roles_new(d->cfg, geteuid(), &d->roles, err);
    if (rc != DAEMON_OK)
        goto fail;
    if (!roles_configured(d->roles))
        core_log(d, CONFIG_LOG_WARNING, "roles", NULL, NULL,
                 "no roles configured: batond's own user (uid %lu) and root may do everything on "
                 "the admin API, other users nothing; set caseworkers, privacy_officers, "
                 "administrators or tokens in the configuration",
                 (unsigned long)geteuid());
    *out = d;
    return DAEMON_OK;
fail:
    daemon_free(d);
    return rc;
}

static void
http_log(void *ctx, const char *line)
{
    /* The server's lines name themselves; the event name says it already. */
    if (strncmp(line, "http: ", 6) == 0)
        line += 6;
    core_log(ctx, CONFIG_LOG_WARNING, "http", NULL, NULL, "%s", line);
}

struct http_opts
core_http_opts(struct daemon *d, enum http_mode mode, http_handler handler, size_t max_body)
{
    struct http_opts o = {0};

    o.mode = mode;
    o.handler = handler;
    o.max_body = max_body;
    o.timeout_s = d->cfg->connection_timeout;
    o.max_connections = d->cfg->max_connections;
    o.log = http_log;
    o.ctx = d;
    return o;
}

enum daemon_status
daemon_start(struct daemon *d, struct daemon_err *err)
{
    struct http_opts po, ao;
    struct keys_err kerr = {0};
    enum daemon_status rc;
    char listen[CONFIG_HOST_MAX + 16];
    char *key_pem = NULL;
    size_t key_len = 0;

    if (d == NULL)
        return daemon_fail(err, DAEMON_EINVAL, "daemon_start: NULL argument");
    if (metrics_init(d) != 0)
        return daemon_fail(err, DAEMON_ENOMEM, "out of memory for the operational figures");
    if (keys_keystore_tls_key_pem(d->ks, &key_pem, &key_len, &kerr) != KEYS_OK)
        return daemon_fail(err, DAEMON_EKEYS, "the keystore's TLS key: %s", kerr.text);
    snprintf(listen, sizeof listen, strchr(d->cfg->listen_host, ':') != NULL ? "[%s]:%u" : "%s:%u",
             d->cfg->listen_host, d->cfg->listen_port);
    po = core_http_opts(d, HTTP_MODE_TLS, core_peer_handler, d->cfg->max_body);
    po.listen = listen;
    po.cert_pem = keys_keystore_tls_cert_pem(d->ks);
    po.key_pem = key_pem;
    po.lookup = core_peer_lookup;
    rc = http_start(&po, &d->peer, err);
    keys_secret_free(key_pem);
    if (rc != DAEMON_OK)
        return rc;

    /* A form and the request around it. */
    ao = core_http_opts(d, HTTP_MODE_UNIX, core_admin_handler, d->cfg->max_body + 64u * 1024u);
    ao.socket_path = d->cfg->admin_socket;
    ao.socket_mode = d->cfg->admin_socket_mode;
    ao.socket_group = d->cfg->admin_group;
    rc = http_start(&ao, &d->admin, err);
    if (rc == DAEMON_OK)
        rc = core_web_start(d, err);
    if (rc == DAEMON_OK)
        rc = core_worker_start(d, err);
    if (rc != DAEMON_OK) {
        daemon_stop(d);
        return rc;
    }
    core_audit_started(d, time(NULL));
    core_log(d, CONFIG_LOG_INFO, "started", NULL, NULL,
             "batond %s for %s (OIN %s, %s): peer endpoint %s:%u, admin socket %s, store %s",
             daemon_version(), d->me->name, d->me->oin, d->me->role, d->cfg->listen_host,
             http_port(d->peer), d->cfg->admin_socket, d->cfg->database);
    return DAEMON_OK;
}

unsigned
daemon_peer_port(const struct daemon *d)
{
    return d != NULL && d->peer != NULL ? http_port(d->peer) : 0;
}

void
daemon_stop(struct daemon *d)
{
    int was_running;

    if (d == NULL)
        return;
    was_running = d->peer != NULL || d->admin != NULL || d->web != NULL || d->worker_running;
    /* No new requests first (a running handler finishes its transaction), then the worker after
     * the delivery it is in. */
    http_stop(d->peer);
    d->peer = NULL;
    http_stop(d->admin);
    d->admin = NULL;
    core_web_stop(d);
    core_worker_stop(d);
    if (was_running) {
        core_audit_stopped(d, time(NULL));
        core_log(d, CONFIG_LOG_INFO, "stopped", NULL, NULL, "batond stopped");
    }
}

void
daemon_free(struct daemon *d)
{
    if (d == NULL)
        return;
    daemon_stop(d);
    metrics_free(d);
    core_audit_reader_close(d);
    store_close(d->store);
    sodium_free(d->pseudonym_key);
    roles_free(d->roles);
    core_network_free(d);
    keys_keystore_free(d->ks);
    forms_catalogue_free(d->cat);
    free(d->cfg);
    pthread_cond_destroy(&d->wake);
    pthread_mutex_destroy(&d->mu);
    pthread_mutex_destroy(&d->audit_reader_mu);
    free(d->ckpt_latest);
    pthread_mutex_destroy(&d->ckpt_mu);
    pthread_mutex_destroy(&d->verify_mu);
    pthread_mutex_destroy(&d->log_mu);
    free(d);
}
