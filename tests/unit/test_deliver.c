/* SPDX-License-Identifier: EUPL-1.2 */
/* Tests of batond's HTTPS client (daemon/deliver.c) against a small mutual-TLS server of the
 * test's own (libmicrohttpd): the pin decides before anything is sent, the server sees our
 * certificate, refusals and time-outs are told apart, replies are limited, connections reused;
 * and the back-off stays within its bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <sodium.h>

#include "deliver.h"
#include "keys.h"

#define DAY 86400
#define T0 ((time_t)1767225600) /* 2026-01-01T00:00:00Z */
#define MAX_REPLY 4096
#define CONNECT_MS 500L
#define TOTAL_MS 1500L

static const struct keys_identity client_id = {"00000001812345671000", "Praktijkschool De Brug",
                                               "school", "https://127.0.0.1:9443"};
static const struct keys_identity server_id = {"00000001812345682000", "Gemeente Lindeveld",
                                               "municipality", "https://127.0.0.1:8443"};
static const struct keys_identity other_id = {"00000001812345693000", "UWV", "uwv",
                                              "https://127.0.0.1:7443"};

/* What the test server saw and what it answers. Guarded by lock: MHD calls from its threads. */
struct server {
    struct MHD_Daemon *mhd;
    unsigned port;
    char base[64]; /* "https://127.0.0.1:PORT" */
    pthread_mutex_t lock;
    int first_calls;   /* requests whose headers arrived (the handler's first call) */
    int requests;      /* requests answered */
    char peer_pin[64]; /* the client certificate's pin, "" when none */
    char content_type[128];
    char path[128];
    unsigned char body[8192];
    size_t body_len;
    /* the answer */
    int status;
    size_t reply_size; /* > 0: that many 'r' bytes instead of "receipt:" + body */
    int chunked;       /* reply without a Content-Length */
    unsigned delay_ms; /* wait this long before answering */
};

struct fx {
    struct keys_keystore *client, *server, *other;
    char *client_key, *server_key;
    size_t client_key_len, server_key_len;
    struct server srv;
    struct deliver *d;
};

/* The client certificate's key pin as the daemon computes it: sha256// + base64(SHA-256(SPKI)). */
static void
peer_pin(struct MHD_Connection *c, char out[64])
{
    const union MHD_ConnectionInfo *ci;
    const gnutls_datum_t *certs;
    unsigned n = 0;
    gnutls_x509_crt_t crt;
    unsigned char id[32];
    size_t id_len = sizeof id;

    out[0] = '\0';
    ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (ci == NULL)
        return;
    certs = gnutls_certificate_get_peers((gnutls_session_t)ci->tls_session, &n);
    if (certs == NULL || n == 0 || gnutls_x509_crt_init(&crt) < 0)
        return;
    if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) >= 0 &&
        gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA256, id, &id_len) >= 0 &&
        id_len == 32) {
        memcpy(out, "sha256//", 8);
        sodium_bin2base64(out + 8, 64 - 8, id, 32, sodium_base64_VARIANT_ORIGINAL);
    }
    gnutls_x509_crt_deinit(crt);
}

struct upload {
    unsigned char buf[8192];
    size_t len;
};

static ssize_t
chunks(void *cls, uint64_t pos, char *buf, size_t max)
{
    size_t total = *(size_t *)cls, n;

    if (pos >= total)
        return MHD_CONTENT_READER_END_OF_STREAM;
    n = total - (size_t)pos < max ? total - (size_t)pos : max;
    if (n > 1000)
        n = 1000;
    memset(buf, 'r', n);
    return (ssize_t)n;
}

static void
free_size(void *cls)
{
    free(cls);
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
        const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    struct server *s = cls;
    struct upload *u = *con_cls;
    struct MHD_Response *r;
    const char *ct;
    char reply[9000];
    size_t reply_len, *size;
    enum MHD_Result ret;
    struct timespec ts;

    (void)method;
    (void)version;
    if (u == NULL) {
        u = calloc(1, sizeof *u);
        if (u == NULL)
            return MHD_NO;
        *con_cls = u;
        pthread_mutex_lock(&s->lock);
        s->first_calls++;
        peer_pin(c, s->peer_pin);
        ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
        snprintf(s->content_type, sizeof s->content_type, "%s", ct != NULL ? ct : "");
        snprintf(s->path, sizeof s->path, "%s", url);
        pthread_mutex_unlock(&s->lock);
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        if (*upload_data_size <= sizeof u->buf - u->len) {
            memcpy(u->buf + u->len, upload_data, *upload_data_size);
            u->len += *upload_data_size;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    pthread_mutex_lock(&s->lock);
    s->requests++;
    memcpy(s->body, u->buf, u->len);
    s->body_len = u->len;
    if (s->delay_ms > 0) {
        ts.tv_sec = s->delay_ms / 1000;
        ts.tv_nsec = (long)(s->delay_ms % 1000) * 1000000L;
        pthread_mutex_unlock(&s->lock);
        nanosleep(&ts, NULL);
        pthread_mutex_lock(&s->lock);
    }
    if (s->chunked) {
        size = malloc(sizeof *size);
        if (size == NULL) {
            pthread_mutex_unlock(&s->lock);
            return MHD_NO;
        }
        *size = s->reply_size;
        r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 1000, chunks, size, free_size);
    } else {
        if (s->reply_size > 0) {
            reply_len = s->reply_size < sizeof reply ? s->reply_size : sizeof reply;
            memset(reply, 'r', reply_len);
        } else {
            memcpy(reply, "receipt:", 8);
            memcpy(reply + 8, u->buf, u->len);
            reply_len = 8 + u->len;
        }
        r = MHD_create_response_from_buffer(reply_len, reply, MHD_RESPMEM_MUST_COPY);
    }
    pthread_mutex_unlock(&s->lock);
    MHD_add_response_header(r, "Content-Type", "application/jose");
    ret = MHD_queue_response(c, (unsigned)s->status, r);
    MHD_destroy_response(r);
    return ret;
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
    (void)cls;
    (void)c;
    (void)t;
    free(*con_cls);
    *con_cls = NULL;
}

static int
server_start(struct fx *f)
{
    struct server *s = &f->srv;
    const union MHD_DaemonInfo *info;

    s->status = 200;
    s->mhd = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_TLS |
            MHD_USE_ERROR_LOG,
        0, NULL, NULL, handler, s, MHD_OPTION_HTTPS_MEM_CERT, keys_keystore_tls_cert_pem(f->server),
        MHD_OPTION_HTTPS_MEM_KEY, f->server_key,
        /* A trust list makes the server ask for a client certificate; GnuTLS clients send theirs
         * when its issuer is listed, and our certificates are self-signed. */
        MHD_OPTION_HTTPS_MEM_TRUST, keys_keystore_tls_cert_pem(f->client),
        MHD_OPTION_HTTPS_PRIORITIES, "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2",
        MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT, 10u,
        MHD_OPTION_END);
    if (s->mhd == NULL)
        return -1;
    info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
    if (info == NULL || info->port == 0)
        return -1;
    s->port = info->port;
    snprintf(s->base, sizeof s->base, "https://127.0.0.1:%u", s->port);
    return 0;
}

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct keys_err kerr = {0};
    struct daemon_err err = {0};

    if (f == NULL || keys_init(&kerr) != KEYS_OK)
        return -1;
    if (keys_keystore_create(&client_id, T0, T0 + 365 * DAY, &f->client, &kerr) != KEYS_OK ||
        keys_keystore_create(&server_id, T0, T0 + 365 * DAY, &f->server, &kerr) != KEYS_OK ||
        keys_keystore_create(&other_id, T0, T0 + 365 * DAY, &f->other, &kerr) != KEYS_OK ||
        keys_keystore_tls_key_pem(f->client, &f->client_key, &f->client_key_len, &kerr) !=
            KEYS_OK ||
        keys_keystore_tls_key_pem(f->server, &f->server_key, &f->server_key_len, &kerr) !=
            KEYS_OK) {
        fprintf(stderr, "keys: %s\n", kerr.text);
        return -1;
    }
    pthread_mutex_init(&f->srv.lock, NULL);
    if (server_start(f) != 0)
        return -1;
    if (deliver_new(keys_keystore_tls_cert_pem(f->client), f->client_key, CONNECT_MS, TOTAL_MS,
                    MAX_REPLY, &f->d, &err) != DAEMON_OK) {
        fprintf(stderr, "deliver_new: %s\n", err.text);
        return -1;
    }
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;

    deliver_free(f->d);
    MHD_stop_daemon(f->srv.mhd);
    pthread_mutex_destroy(&f->srv.lock);
    keys_secret_free(f->client_key);
    keys_secret_free(f->server_key);
    keys_keystore_free(f->client);
    keys_keystore_free(f->server);
    keys_keystore_free(f->other);
    free(f);
    return 0;
}

static int
seen(struct fx *f, int *requests)
{
    int first;

    pthread_mutex_lock(&f->srv.lock);
    first = f->srv.first_calls;
    if (requests != NULL)
        *requests = f->srv.requests;
    pthread_mutex_unlock(&f->srv.lock);
    return first;
}

/* Posts body to the test server (path /v1/packets) with pin; returns the status. */
static enum daemon_status
post(struct fx *f, const char *base, const char *pin, const char *body, long *status,
     unsigned char **reply, size_t *reply_len, struct daemon_err *err)
{
    return deliver_post(f->d, base, "/v1/packets", pin, "application/jose",
                        (const unsigned char *)body, strlen(body), status, reply, reply_len, err);
}

static void
expect_fails(enum daemon_status st, const struct daemon_err *err, enum daemon_status want,
             const char *says)
{
    if (st != want)
        fail_msg("status %d (%s), expected %d", st, err->text, want);
    if (strstr(err->text, says) == NULL)
        fail_msg("message \"%s\" does not say \"%s\"", err->text, says);
}

static long
ms_since(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (long)(t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static void
test_post(void **state)
{
    struct fx *f = *state;
    struct daemon_err err = {0};
    unsigned char *reply = NULL;
    size_t reply_len = 0;
    long status = 0;
    int requests;

    assert_int_equal(post(f, f->srv.base, keys_keystore_tls_pin(f->server), "eyJhbGciOi.packet",
                          &status, &reply, &reply_len, &err),
                     DAEMON_OK);
    assert_int_equal(status, 200);
    assert_int_equal(reply_len, strlen("receipt:eyJhbGciOi.packet"));
    assert_string_equal((char *)reply, "receipt:eyJhbGciOi.packet"); /* NUL-terminated */
    free(reply);
    assert_int_equal(seen(f, &requests), 1);
    assert_int_equal(requests, 1);
    assert_int_equal(deliver_last_connects(f->d), 1);
    /* The server saw the request as sent, and our certificate: its pin is the client's. */
    pthread_mutex_lock(&f->srv.lock);
    assert_string_equal(f->srv.path, "/v1/packets");
    assert_string_equal(f->srv.content_type, "application/jose");
    assert_int_equal(f->srv.body_len, strlen("eyJhbGciOi.packet"));
    assert_memory_equal(f->srv.body, "eyJhbGciOi.packet", f->srv.body_len);
    assert_string_equal(f->srv.peer_pin, keys_keystore_tls_pin(f->client));
    assert_string_not_equal(f->srv.peer_pin, keys_keystore_tls_pin(f->server));
    pthread_mutex_unlock(&f->srv.lock);

    /* A base URL with a trailing '/' reaches the same place; an empty body and no reply wanted
     * are fine. */
    {
        char base[80];

        snprintf(base, sizeof base, "%s/", f->srv.base);
        assert_int_equal(deliver_post(f->d, base, "/v1/notices", keys_keystore_tls_pin(f->server),
                                      "application/jose", NULL, 0, &status, NULL, NULL, &err),
                         DAEMON_OK);
        assert_int_equal(status, 200);
        pthread_mutex_lock(&f->srv.lock);
        assert_string_equal(f->srv.path, "/v1/notices");
        assert_int_equal(f->srv.body_len, 0);
        pthread_mutex_unlock(&f->srv.lock);
    }
}

static void
test_http_status_as_is(void **state)
{
    struct fx *f = *state;
    struct daemon_err err = {0};
    unsigned char *reply = NULL;
    size_t reply_len = 0;
    long status = 0;

    f->srv.status = 409;
    f->srv.reply_size = 10;
    assert_int_equal(post(f, f->srv.base, keys_keystore_tls_pin(f->server), "{}", &status, &reply,
                          &reply_len, &err),
                     DAEMON_OK);
    assert_int_equal(status, 409);
    assert_int_equal(reply_len, 10);
    assert_string_equal((char *)reply, "rrrrrrrrrr");
    free(reply);
    /* An empty reply body is an empty string, not NULL. */
    f->srv.status = 204;
    f->srv.reply_size = 0;
    reply = NULL;
    assert_int_equal(post(f, f->srv.base, keys_keystore_tls_pin(f->server), "", &status, &reply,
                          &reply_len, &err),
                     DAEMON_OK);
    assert_int_equal(status, 204);
    assert_non_null(reply);
    assert_int_equal(reply_len, 0);
    assert_int_equal(reply[0], '\0');
    free(reply);
}

static void
test_wrong_pin(void **state)
{
    struct fx *f = *state;
    struct daemon_err err = {0};
    unsigned char *reply = (unsigned char *)"untouched";
    size_t reply_len = 77;
    long status = 77;
    int requests;
    char pin[64];

    /* Another organisation's key: the TLS handshake completes, libcurl compares, nothing is
     * sent, the handler is never called. */
    expect_fails(post(f, f->srv.base, keys_keystore_tls_pin(f->other), "secret form", &status,
                      &reply, &reply_len, &err),
                 &err, DAEMON_ETLS, "the peer's TLS key is not the one the directory lists (pin ");
    assert_non_null(strstr(err.text, keys_keystore_tls_pin(f->other)));
    assert_non_null(strstr(err.text, "nothing was sent"));
    assert_int_equal(seen(f, &requests), 0);
    assert_int_equal(requests, 0);
    assert_int_equal(status, 77);
    assert_int_equal(reply_len, 77);
    assert_string_equal((char *)reply, "untouched");

    /* One bit off in the right pin. */
    strcpy(pin, keys_keystore_tls_pin(f->server));
    pin[10] = pin[10] == 'A' ? 'B' : 'A';
    expect_fails(post(f, f->srv.base, pin, "secret form", &status, &reply, &reply_len, &err), &err,
                 DAEMON_ETLS, "not the one the directory lists");
    assert_int_equal(seen(f, NULL), 0);

    /* A connection made under the right pin is not reused once the pin changes: after a good
     * post, the wrong pin still fails (a new connection, checked again). */
    assert_int_equal(
        post(f, f->srv.base, keys_keystore_tls_pin(f->server), "a", &status, NULL, NULL, &err),
        DAEMON_OK);
    assert_int_equal(seen(f, NULL), 1);
    expect_fails(
        post(f, f->srv.base, keys_keystore_tls_pin(f->other), "b", &status, NULL, NULL, &err), &err,
        DAEMON_ETLS, "not the one the directory lists");
    assert_int_equal(seen(f, NULL), 1);

    /* No pin, or not one pin of the right form: refused before any connection. */
    expect_fails(post(f, f->srv.base, NULL, "c", &status, NULL, NULL, &err), &err, DAEMON_EINVAL,
                 "without a valid key pin");
    expect_fails(post(f, f->srv.base, "", "c", &status, NULL, NULL, &err), &err, DAEMON_EINVAL,
                 "without a valid key pin");
    expect_fails(post(f, f->srv.base, "sha256//abc", "c", &status, NULL, NULL, &err), &err,
                 DAEMON_EINVAL, "without a valid key pin");
    snprintf(pin, sizeof pin, "sha1//%s", keys_keystore_tls_pin(f->server) + 8);
    expect_fails(post(f, f->srv.base, pin, "c", &status, NULL, NULL, &err), &err, DAEMON_EINVAL,
                 "without a valid key pin");
    snprintf(pin, sizeof pin, "%.51s;", keys_keystore_tls_pin(f->server));
    expect_fails(post(f, f->srv.base, pin, "c", &status, NULL, NULL, &err), &err, DAEMON_EINVAL,
                 "without a valid key pin");
    assert_int_equal(deliver_last_connects(f->d), 0);
    assert_int_equal(seen(f, NULL), 1);
}

static void
test_refused_and_bad_urls(void **state)
{
    struct fx *f = *state;
    struct daemon_err err = {0};
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    char base[64], url[128];
    long status = 0;
    int fd;

    /* A port that nothing listens on. */
    fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
    snprintf(base, sizeof base, "https://127.0.0.1:%u", ntohs(sa.sin_port));
    expect_fails(post(f, base, keys_keystore_tls_pin(f->server), "x", &status, NULL, NULL, &err),
                 &err, DAEMON_EIO, "could not connect to https://127.0.0.1:");
    snprintf(url, sizeof url, "%s/v1/packets: Connection refused", base);
    assert_non_null(strstr(err.text, url));
    close(fd);

    /* Only https, and only well-formed input. */
    snprintf(base, sizeof base, "http://127.0.0.1:%u", f->srv.port);
    expect_fails(post(f, base, keys_keystore_tls_pin(f->server), "x", &status, NULL, NULL, &err),
                 &err, DAEMON_EINVAL, "peers are reached over https:// only");
    expect_fails(post(f, "HTTPS://127.0.0.1:1", keys_keystore_tls_pin(f->server), "x", &status,
                      NULL, NULL, &err),
                 &err, DAEMON_EINVAL, "https:// only");
    expect_fails(post(f, "ftp://127.0.0.1:1", keys_keystore_tls_pin(f->server), "x", &status, NULL,
                      NULL, &err),
                 &err, DAEMON_EINVAL, "https:// only");
    expect_fails(post(f, "https://127.0.0.1:1/a b", keys_keystore_tls_pin(f->server), "x", &status,
                      NULL, NULL, &err),
                 &err, DAEMON_EINVAL, "not a URL and path");
    expect_fails(deliver_post(f->d, f->srv.base, "v1/packets", keys_keystore_tls_pin(f->server),
                              "application/jose", NULL, 0, &status, NULL, NULL, &err),
                 &err, DAEMON_EINVAL, "not a URL and path");
    expect_fails(deliver_post(f->d, f->srv.base, "/v1/packets\r\nX: y",
                              keys_keystore_tls_pin(f->server), "application/jose", NULL, 0,
                              &status, NULL, NULL, &err),
                 &err, DAEMON_EINVAL, "not a URL and path");
    expect_fails(deliver_post(f->d, f->srv.base, "/v1/packets", keys_keystore_tls_pin(f->server),
                              "application/jose\r\nX-Evil: 1", NULL, 0, &status, NULL, NULL, &err),
                 &err, DAEMON_EINVAL, "bad content type");
    assert_int_equal(seen(f, NULL), 0);
}

static void
test_timeouts(void **state)
{
    struct fx *f = *state;
    struct daemon_err err = {0};
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    struct timespec t0;
    char base[64];
    long status = 0, ms;
    int fd;

    /* A listener that never accepts: the kernel completes the TCP handshake, nobody answers
     * the TLS ClientHello. The connect time-out (500 ms) ends it. */
    fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(fd, 4), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
    snprintf(base, sizeof base, "https://127.0.0.1:%u", ntohs(sa.sin_port));
    clock_gettime(CLOCK_MONOTONIC, &t0);
    expect_fails(post(f, base, keys_keystore_tls_pin(f->server), "x", &status, NULL, NULL, &err),
                 &err, DAEMON_ETIMEOUT, "did not answer in time");
    ms = ms_since(&t0);
    assert_true(ms >= CONNECT_MS - 50);
    assert_true(ms < CONNECT_MS + 1000);
    assert_non_null(strstr(err.text, base));
    close(fd);

    /* A peer that takes the request and answers too late: the total time-out (1500 ms). */
    f->srv.delay_ms = 3000;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    expect_fails(
        post(f, f->srv.base, keys_keystore_tls_pin(f->server), "x", &status, NULL, NULL, &err),
        &err, DAEMON_ETIMEOUT, "did not answer in time");
    ms = ms_since(&t0);
    assert_true(ms >= TOTAL_MS - 50);
    assert_true(ms < TOTAL_MS + 1000);
    assert_int_equal(seen(f, NULL), 1);
}

static void
test_reply_limit(void **state)
{
    struct fx *f = *state;
    struct daemon_err err = {0};
    unsigned char *reply = NULL;
    size_t reply_len = 0;
    long status = 0;

    /* Exactly the limit passes. */
    f->srv.reply_size = MAX_REPLY;
    assert_int_equal(post(f, f->srv.base, keys_keystore_tls_pin(f->server), "x", &status, &reply,
                          &reply_len, &err),
                     DAEMON_OK);
    assert_int_equal(reply_len, MAX_REPLY);
    free(reply);
    reply = NULL;
    /* One byte more, announced by Content-Length. */
    f->srv.reply_size = MAX_REPLY + 1;
    expect_fails(post(f, f->srv.base, keys_keystore_tls_pin(f->server), "x", &status, &reply,
                      &reply_len, &err),
                 &err, DAEMON_EPEER, "is larger than 4096 bytes; it was dropped");
    assert_null(reply);
    /* Chunked, without a length: counted while it arrives. */
    f->srv.chunked = 1;
    f->srv.reply_size = 3 * MAX_REPLY;
    expect_fails(post(f, f->srv.base, keys_keystore_tls_pin(f->server), "x", &status, &reply,
                      &reply_len, &err),
                 &err, DAEMON_EPEER, "is larger than 4096 bytes");
    assert_null(reply);
    f->srv.reply_size = MAX_REPLY;
    assert_int_equal(post(f, f->srv.base, keys_keystore_tls_pin(f->server), "x", &status, &reply,
                          &reply_len, &err),
                     DAEMON_OK);
    assert_int_equal(reply_len, MAX_REPLY);
    assert_int_equal(reply[MAX_REPLY - 1], 'r');
    assert_int_equal(reply[MAX_REPLY], '\0');
    free(reply);
}

static void
test_reuse(void **state)
{
    struct fx *f = *state;
    struct daemon_err err = {0};
    long status = 0;
    char base[80];
    int i;

    assert_int_equal(
        post(f, f->srv.base, keys_keystore_tls_pin(f->server), "one", &status, NULL, NULL, &err),
        DAEMON_OK);
    assert_int_equal(deliver_last_connects(f->d), 1);
    assert_int_equal(
        post(f, f->srv.base, keys_keystore_tls_pin(f->server), "two", &status, NULL, NULL, &err),
        DAEMON_OK);
    assert_int_equal(deliver_last_connects(f->d), 0); /* the same TLS connection */
    assert_int_equal(
        post(f, f->srv.base, keys_keystore_tls_pin(f->server), "three", &status, NULL, NULL, &err),
        DAEMON_OK);
    assert_int_equal(deliver_last_connects(f->d), 0);

    /* More peers than are kept: the least recently used one is closed. Base URLs that differ
     * (by a prefix) count as different peers. */
    for (i = 0; i <= DELIVER_MAX_PEERS; i++) {
        snprintf(base, sizeof base, "%s/p%d", f->srv.base, i);
        assert_int_equal(
            post(f, base, keys_keystore_tls_pin(f->server), "x", &status, NULL, NULL, &err),
            DAEMON_OK);
        assert_int_equal(deliver_last_connects(f->d), 1);
    }
    /* The last one is still open; the first two (the plain base and p0) were closed. */
    assert_int_equal(
        post(f, base, keys_keystore_tls_pin(f->server), "x", &status, NULL, NULL, &err), DAEMON_OK);
    assert_int_equal(deliver_last_connects(f->d), 0);
    assert_int_equal(
        post(f, f->srv.base, keys_keystore_tls_pin(f->server), "x", &status, NULL, NULL, &err),
        DAEMON_OK);
    assert_int_equal(deliver_last_connects(f->d), 1);
    snprintf(base, sizeof base, "%s/p1", f->srv.base);
    assert_int_equal(
        post(f, base, keys_keystore_tls_pin(f->server), "x", &status, NULL, NULL, &err), DAEMON_OK);
    assert_int_equal(deliver_last_connects(f->d), 1); /* p1 made room for the plain base */
}

static void
test_new_refuses(void **state)
{
    struct fx *f = *state;
    struct daemon_err err = {0};
    struct deliver *d = (struct deliver *)&err; /* a sentinel: must stay as it is */
    char *other_key = NULL;
    size_t other_len = 0;
    struct keys_err kerr = {0};

    /* The key of another certificate. */
    assert_int_equal(keys_keystore_tls_key_pem(f->other, &other_key, &other_len, &kerr), KEYS_OK);
    expect_fails(deliver_new(keys_keystore_tls_cert_pem(f->client), other_key, CONNECT_MS, TOTAL_MS,
                             MAX_REPLY, &d, &err),
                 &err, DAEMON_ETLS, "the TLS key for sending is not the key of its certificate");
    assert_ptr_equal(d, &err);
    keys_secret_free(other_key);
    expect_fails(
        deliver_new("not a certificate", f->client_key, CONNECT_MS, TOTAL_MS, MAX_REPLY, &d, &err),
        &err, DAEMON_ETLS, "the TLS certificate for sending cannot be used");
    expect_fails(deliver_new(keys_keystore_tls_cert_pem(f->client),
                             "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                             CONNECT_MS, TOTAL_MS, MAX_REPLY, &d, &err),
                 &err, DAEMON_ETLS, "the TLS key for sending cannot be used");
    expect_fails(deliver_new(keys_keystore_tls_cert_pem(f->client), "", CONNECT_MS, TOTAL_MS,
                             MAX_REPLY, &d, &err),
                 &err, DAEMON_ETLS, "empty or too large");
    expect_fails(deliver_new(keys_keystore_tls_cert_pem(f->client), f->client_key, 0, TOTAL_MS,
                             MAX_REPLY, &d, &err),
                 &err, DAEMON_EINVAL, "bad argument");
    assert_ptr_equal(d, &err);
    deliver_free(NULL);
    assert_int_equal(deliver_last_connects(NULL), 0);
}

static void
test_backoff(void **state)
{
    unsigned a, w, prev_max = 0, ceiling;
    uint32_t r;
    int i;

    (void)state;
    /* After the first failure: exactly initial. */
    assert_int_equal(deliver_backoff(1, 2, 600, 0), 2);
    assert_int_equal(deliver_backoff(1, 2, 600, UINT32_MAX), 2);
    assert_int_equal(deliver_backoff(0, 2, 600, 12345), 2);
    /* The ceiling doubles: 2, 4, 8, ... up to 600. */
    for (a = 1; a <= 64; a++) {
        ceiling = a >= 10 ? 600 : 2u << (a - 1);
        if (ceiling > 600)
            ceiling = 600;
        assert_int_equal(deliver_backoff(a, 2, 600, 0), 2);                 /* the floor */
        assert_int_equal(deliver_backoff(a, 2, 600, ceiling - 2), ceiling); /* the top */
        assert_int_equal(deliver_backoff(a, 2, 600, ceiling - 1), 2);       /* wraps */
        for (i = 0; i < 200; i++) {
            r = randombytes_random();
            w = deliver_backoff(a, 2, 600, r);
            assert_true(w >= 2 && w <= ceiling);
        }
        assert_true(ceiling >= prev_max);
        prev_max = ceiling;
    }
    assert_int_equal(deliver_backoff(9, 2, 600, 510), 512);
    assert_int_equal(deliver_backoff(10, 2, 600, 598), 600);
    /* Many attempts do not overflow; odd arguments are made sane. */
    assert_int_equal(deliver_backoff(UINT32_MAX, 2, 600, 598), 600);
    assert_true(deliver_backoff(4000000000u, 1, UINT32_MAX, UINT32_MAX) >= 1);
    assert_int_equal(deliver_backoff(3, 0, 600, 3), 4); /* initial 0 counts as 1: [1, 4] */
    assert_int_equal(deliver_backoff(5, 30, 10, UINT32_MAX), 30); /* max below initial */
    /* The mean grows: jitter does not hide the back-off. */
    {
        double mean3 = 0, mean6 = 0;

        for (i = 0; i < 2000; i++) {
            mean3 += deliver_backoff(3, 2, 600, randombytes_random());
            mean6 += deliver_backoff(6, 2, 600, randombytes_random());
        }
        mean3 /= 2000;
        mean6 /= 2000;
        assert_true(mean3 > 3.5 && mean3 < 6.5);   /* uniform on [2, 8]: 5 */
        assert_true(mean6 > 30.0 && mean6 < 36.0); /* uniform on [2, 64]: 33 */
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_post, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_status_as_is, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_pin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_and_bad_urls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeouts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reply_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reuse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_refuses, setup, teardown),
        cmocka_unit_test(test_backoff),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
