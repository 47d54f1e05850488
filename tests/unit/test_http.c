/* SPDX-License-Identifier: EUPL-1.2 */
/* The HTTP server of batond, against the real client (libcurl with GnuTLS, and a bare GnuTLS
 * client where libcurl hides what matters): mutual TLS with the key pin deciding before the body
 * is read, the certificate request, the body limit, TLS versions, the Unix socket (uid, mode,
 * group, stale and live sockets), slow clients, connection limits, keep-alive and concurrency. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <jansson.h>
#include <sodium.h>

#include "http.h"
#include "keys.h"

#define DAY 86400
#define LIMIT 4096 /* the body limit of most servers here: small, so that tests are quick */

/* ---- the organisations: the server, a known client and a stranger ---- */

static const struct keys_identity server_id = {"00000001812345682000", "Gemeente Lindeveld",
                                               "municipality", "https://127.0.0.1:8443"};
static const struct keys_identity client_id = {"00000001812345671000", "Praktijkschool De Brug",
                                               "school", "https://127.0.0.1:9443"};
static const struct keys_identity stranger_id = {"00000009999999999000", "Niet in de lijst",
                                                 "school", "https://127.0.0.1:7443"};

struct party {
    struct keys_keystore *ks;
    char cert_path[256];
    char key_path[256];
};

struct fx {
    char dir[64];
    struct party server, client, stranger;
    char *server_key; /* PEM in sodium memory */
    size_t server_key_len;
};

static struct fx *fx;

/* ---- what the handler saw ---- */

struct seen {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int calls;
    int inside, max_inside; /* handlers running at once */
    char oin[HTTP_OIN_SIZE];
    char pin[64];
    char method[16];
    char path[128];
    char query[128];
    char ctype[128];
    long uid;
    int had_oin, had_pin, had_addr;
    unsigned char *body;
    size_t body_len;
    int body_terminated;
};

static struct seen seen = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static void
seen_reset(void)
{
    pthread_mutex_lock(&seen.lock);
    free(seen.body);
    seen.body = NULL;
    seen.body_len = 0;
    seen.calls = seen.inside = seen.max_inside = 0;
    seen.oin[0] = seen.pin[0] = seen.method[0] = seen.path[0] = seen.query[0] = '\0';
    seen.ctype[0] = '\0';
    seen.uid = -2;
    seen.had_oin = seen.had_pin = seen.had_addr = 0;
    seen.body_terminated = 0;
    pthread_mutex_unlock(&seen.lock);
}

static int
seen_calls(void)
{
    int n;

    pthread_mutex_lock(&seen.lock);
    n = seen.calls;
    pthread_mutex_unlock(&seen.lock);
    return n;
}

/* Waits (up to 5 s) until two handlers run at once. */
static void
block_until_two(void)
{
    struct timespec until;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 5;
    pthread_mutex_lock(&seen.lock);
    seen.inside++;
    if (seen.inside > seen.max_inside)
        seen.max_inside = seen.inside;
    pthread_cond_broadcast(&seen.cond);
    while (seen.max_inside < 2)
        if (pthread_cond_timedwait(&seen.cond, &seen.lock, &until) != 0)
            break;
    seen.inside--;
    pthread_mutex_unlock(&seen.lock);
}

static void
handler(void *ctx, const struct http_request *req, struct http_reply *reply)
{
    char text[64];
    json_t *j;

    (void)ctx;
    if (strcmp(req->path, "/block") == 0)
        block_until_two();
    pthread_mutex_lock(&seen.lock);
    seen.calls++;
    snprintf(seen.oin, sizeof seen.oin, "%s", req->peer_oin != NULL ? req->peer_oin : "");
    snprintf(seen.pin, sizeof seen.pin, "%s", req->peer_pin != NULL ? req->peer_pin : "");
    seen.had_oin = req->peer_oin != NULL;
    seen.had_pin = req->peer_pin != NULL;
    seen.had_addr = req->peer_addr != NULL;
    snprintf(seen.method, sizeof seen.method, "%s", req->method);
    snprintf(seen.path, sizeof seen.path, "%s", req->path);
    snprintf(seen.query, sizeof seen.query, "%s", req->query);
    snprintf(seen.ctype, sizeof seen.ctype, "%s",
             req->content_type != NULL ? req->content_type : "");
    seen.uid = req->peer_uid;
    free(seen.body);
    seen.body = malloc(req->body_len + 1);
    if (seen.body != NULL)
        memcpy(seen.body, req->body, req->body_len);
    seen.body_len = req->body_len;
    seen.body_terminated = req->body[req->body_len] == '\0';
    pthread_mutex_unlock(&seen.lock);

    if (strcmp(req->path, "/nothing") == 0)
        return; /* no answer: the server must say 500 */
    if (strcmp(req->path, "/v1/health") == 0) {
        j = json_pack("{s:s}", "status", "ok");
        http_reply_json(reply, 200, j);
        json_decref(j);
        return;
    }
    if (strcmp(req->path, "/refuse") == 0) {
        http_reply_error(reply, 409, "conflict", "other bytes under packet \"%s\"", "p-1");
        return;
    }
    snprintf(text, sizeof text, "receipt for %zu bytes", req->body_len);
    http_reply_bytes(reply, 200, "application/jose", text, strlen(text));
}

/* Only the known client's pin belongs to the network. */
static int
lookup(void *ctx, const char *pin, char oin[HTTP_OIN_SIZE])
{
    (void)ctx;
    if (strcmp(pin, keys_keystore_tls_pin(fx->client.ks)) != 0)
        return 0;
    snprintf(oin, HTTP_OIN_SIZE, "%s", client_id.oin);
    return 1;
}

static void
log_line(void *ctx, const char *line)
{
    (void)ctx;
    if (getenv("HTTP_TEST_LOG") != NULL)
        fprintf(stderr, "[server] %s\n", line);
}

/* ---- set-up ---- */

static void
write_file(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
}

static int
make_party(struct party *p, const struct keys_identity *id, const char *dir, const char *name)
{
    struct keys_err err;
    char *key = NULL;
    size_t key_len = 0;
    time_t now = time(NULL);

    if (keys_keystore_create(id, now - DAY, now + 365 * DAY, &p->ks, &err) != KEYS_OK ||
        keys_keystore_tls_key_pem(p->ks, &key, &key_len, &err) != KEYS_OK) {
        fprintf(stderr, "%s: %s\n", name, err.text);
        return -1;
    }
    snprintf(p->cert_path, sizeof p->cert_path, "%s/%s.crt", dir, name);
    snprintf(p->key_path, sizeof p->key_path, "%s/%s.key", dir, name);
    write_file(p->cert_path, keys_keystore_tls_cert_pem(p->ks),
               strlen(keys_keystore_tls_cert_pem(p->ks)));
    write_file(p->key_path, key, key_len);
    keys_secret_free(key);
    return 0;
}

static int
group_setup(void **state)
{
    struct keys_err err;

    (void)state;
    signal(SIGPIPE, SIG_IGN); /* batond's main does the same */
    if (keys_init(&err) != KEYS_OK || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return -1;
    fx = calloc(1, sizeof *fx);
    if (fx == NULL)
        return -1;
    snprintf(fx->dir, sizeof fx->dir, "%s", "/tmp/baton-http.XXXXXX");
    if (mkdtemp(fx->dir) == NULL)
        return -1;
    if (make_party(&fx->server, &server_id, fx->dir, "server") != 0 ||
        make_party(&fx->client, &client_id, fx->dir, "client") != 0 ||
        make_party(&fx->stranger, &stranger_id, fx->dir, "stranger") != 0)
        return -1;
    if (keys_keystore_tls_key_pem(fx->server.ks, &fx->server_key, &fx->server_key_len, &err) !=
        KEYS_OK)
        return -1;
    return 0;
}

static int
group_teardown(void **state)
{
    struct party *ps[3];
    size_t i;

    (void)state;
    ps[0] = &fx->server;
    ps[1] = &fx->client;
    ps[2] = &fx->stranger;
    for (i = 0; i < 3; i++) {
        unlink(ps[i]->cert_path);
        unlink(ps[i]->key_path);
        keys_keystore_free(ps[i]->ks);
    }
    keys_secret_free(fx->server_key);
    rmdir(fx->dir);
    free(fx);
    seen_reset();
    curl_global_cleanup();
    return 0;
}

static int
test_setup(void **state)
{
    (void)state;
    seen_reset();
    return 0;
}

/* Options for a TLS server on a free loopback port. */
static struct http_opts
tls_opts(void)
{
    struct http_opts o;

    memset(&o, 0, sizeof o);
    o.mode = HTTP_MODE_TLS;
    o.listen = "127.0.0.1:0";
    o.cert_pem = keys_keystore_tls_cert_pem(fx->server.ks);
    o.key_pem = fx->server_key;
    o.lookup = lookup;
    o.max_body = LIMIT;
    o.timeout_s = 5;
    o.handler = handler;
    o.log = log_line;
    return o;
}

static struct http_opts
unix_opts(const char *path)
{
    struct http_opts o;

    memset(&o, 0, sizeof o);
    o.mode = HTTP_MODE_UNIX;
    o.socket_path = path;
    o.max_body = LIMIT;
    o.timeout_s = 5;
    o.handler = handler;
    o.log = log_line;
    return o;
}

static struct http_server *
start(const struct http_opts *o)
{
    struct daemon_err err = {DAEMON_OK, ""};
    struct http_server *s = NULL;

    if (http_start(o, &s, &err) != DAEMON_OK)
        fail_msg("http_start: %s", err.text);
    assert_non_null(s);
    return s;
}

/* ---- the client ---- */

struct req {
    const char *method;     /* "GET" or "POST" */
    const char *path;       /* with the query */
    const struct party *as; /* client certificate; NULL: none */
    const char *pin;        /* the server's pin to insist on; NULL: the real one */
    const char *unix_path;  /* Unix mode */
    unsigned port;
    const void *body;
    size_t body_len;
    int chunked;
    long tls;        /* CURLOPT_SSLVERSION; 0: TLS 1.2 and up */
    int close_after; /* CURLOPT_FORBID_REUSE: the next request needs a new connection */
};

struct resp {
    CURLcode rc;
    long status;
    char *body;
    size_t len;
    char headers[4096];
    size_t hlen;
    int tls_version; /* gnutls_protocol_t of the connection */
    int resumed;     /* the TLS session was resumed */
    char errbuf[CURL_ERROR_SIZE];
};

struct upload {
    const unsigned char *data;
    size_t len, off;
};

static size_t
on_read(char *buf, size_t size, size_t n, void *cls)
{
    struct upload *u = cls;
    size_t take = size * n;

    if (take > u->len - u->off)
        take = u->len - u->off;
    if (take > 1000)
        take = 1000; /* many small chunks */
    memcpy(buf, u->data + u->off, take);
    u->off += take;
    return take;
}

static size_t
on_write(char *data, size_t size, size_t n, void *cls)
{
    struct resp *r = cls;
    size_t add = size * n;
    char *grown = realloc(r->body, r->len + add + 1);

    if (grown == NULL)
        return 0;
    r->body = grown;
    memcpy(r->body + r->len, data, add);
    r->len += add;
    r->body[r->len] = '\0';
    return add;
}

static CURL *header_handle; /* the handle whose TLS session on_header looks at */

static size_t
on_header(char *data, size_t size, size_t n, void *cls)
{
    struct resp *r = cls;
    size_t add = size * n;
    const struct curl_tlssessioninfo *info = NULL;

    if (r->hlen + add < sizeof r->headers) {
        memcpy(r->headers + r->hlen, data, add);
        r->hlen += add;
        r->headers[r->hlen] = '\0';
    }
    if (r->tls_version == 0 &&
        curl_easy_getinfo(header_handle, CURLINFO_TLS_SSL_PTR, &info) == CURLE_OK && info != NULL &&
        info->backend == CURLSSLBACKEND_GNUTLS && info->internals != NULL) {
        r->tls_version = (int)gnutls_protocol_get_version((gnutls_session_t)info->internals);
        r->resumed = gnutls_session_is_resumed((gnutls_session_t)info->internals) != 0;
    }
    return add;
}

static void
request_on(CURL *c, const struct req *q, struct resp *r)
{
    struct curl_slist *hdrs = NULL;
    struct upload up = {q->body, q->body_len, 0};
    char url[512];

    assert_non_null(c);
    curl_easy_reset(c);
    memset(r, 0, sizeof *r);
    if (q->unix_path != NULL) {
        snprintf(url, sizeof url, "http://localhost%s", q->path);
        curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, q->unix_path);
    } else {
        snprintf(url, sizeof url, "https://127.0.0.1:%u%s", q->port, q->path);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
        curl_easy_setopt(c, CURLOPT_PINNEDPUBLICKEY,
                         q->pin != NULL ? q->pin : keys_keystore_tls_pin(fx->server.ks));
        curl_easy_setopt(c, CURLOPT_SSLVERSION,
                         q->tls != 0 ? q->tls : (long)CURL_SSLVERSION_TLSv1_2);
        if (q->as != NULL) {
            curl_easy_setopt(c, CURLOPT_SSLCERT, q->as->cert_path);
            curl_easy_setopt(c, CURLOPT_SSLKEY, q->as->key_path);
        }
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FORBID_REUSE, q->close_after ? 1L : 0L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, r->errbuf);
    if (strcmp(q->method, "POST") == 0) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        hdrs = curl_slist_append(hdrs, "Content-Type: application/jose");
        if (q->chunked) {
            hdrs = curl_slist_append(hdrs, "Transfer-Encoding: chunked");
            curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
            curl_easy_setopt(c, CURLOPT_READDATA, &up);
        } else {
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, q->body != NULL ? q->body : "");
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body_len);
        }
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    }
    header_handle = c;
    r->rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    header_handle = NULL;
    curl_slist_free_all(hdrs);
    if (getenv("HTTP_TEST_LOG") != NULL)
        fprintf(stderr, "[client] %s %s: curl %d (%s) status %ld\n", q->method, q->path, r->rc,
                r->errbuf, r->status);
}

/* One request on a handle of its own. */
static void
request(const struct req *q, struct resp *r)
{
    CURL *c = curl_easy_init();

    request_on(c, q, r);
    curl_easy_cleanup(c);
}

static void
resp_free(struct resp *r)
{
    free(r->body);
    r->body = NULL;
}

/* The error body {"error": ..., "code": code} with a message for people. */
static void
assert_error_body(const struct resp *r, const char *code)
{
    json_error_t jerr;
    json_t *j;

    assert_non_null(r->body);
    assert_non_null(strstr(r->headers, "Content-Type: application/json"));
    j = json_loads(r->body, JSON_REJECT_DUPLICATES, &jerr);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "code")), code);
    assert_true(strlen(json_string_value(json_object_get(j, "error"))) > 10);
    assert_int_equal(json_object_size(j), 2);
    json_decref(j);
}

static unsigned char *
pattern(size_t n)
{
    unsigned char *b = malloc(n);
    size_t i;

    assert_non_null(b);
    for (i = 0; i < n; i++)
        b[i] = (unsigned char)('a' + i % 26);
    return b;
}

/* ---- mutual TLS ---- */

static void
test_known_client(void **state)
{
    struct http_opts o = tls_opts();
    struct http_server *s = start(&o);
    struct req q = {.method = "POST",
                    .path = "/v1/packets?x=1&y=%20",
                    .as = &fx->client,
                    .body = "eyJhbGciOi",
                    .body_len = 10};
    struct resp r;

    (void)state;
    assert_true(http_port(s) > 0);
    q.port = http_port(s);
    request(&q, &r);
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "receipt for 10 bytes");
    assert_non_null(strstr(r.headers, "Cache-Control: no-store"));
    assert_non_null(strstr(r.headers, "Content-Type: application/jose"));
    assert_int_equal(seen_calls(), 1);
    assert_string_equal(seen.oin, client_id.oin);
    assert_string_equal(seen.pin, keys_keystore_tls_pin(fx->client.ks));
    assert_true(seen.had_addr);
    assert_string_equal(seen.method, "POST");
    assert_string_equal(seen.path, "/v1/packets");
    assert_string_equal(seen.query, "x=1&y=%20");
    assert_string_equal(seen.ctype, "application/jose");
    assert_int_equal(seen.uid, -1);
    assert_int_equal(seen.body_len, 10);
    assert_memory_equal(seen.body, "eyJhbGciOi", 10);
    assert_true(seen.body_terminated);
    resp_free(&r);

    /* A GET without body and without query. */
    seen_reset();
    q.method = "GET";
    q.path = "/v1/health";
    request(&q, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"status\":\"ok\"}");
    assert_string_equal(seen.query, "");
    assert_int_equal(seen.body_len, 0);
    assert_true(seen.body_terminated);
    resp_free(&r);

    /* The handler's own refusal keeps its status and JSON shape. */
    q.path = "/refuse";
    request(&q, &r);
    assert_int_equal(r.status, 409);
    assert_error_body(&r, "conflict");
    assert_non_null(strstr(r.body, "\\\"p-1\\\""));
    resp_free(&r);

    /* A handler that gives no answer: 500, said as an error, not an empty 200. */
    q.path = "/nothing";
    request(&q, &r);
    assert_int_equal(r.status, 500);
    assert_error_body(&r, "internal");
    resp_free(&r);
    http_stop(s);
}

static void
test_unknown_client(void **state)
{
    struct http_opts o = tls_opts();
    struct http_server *s;
    struct http_stats stats;
    unsigned char *big = pattern(LIMIT);
    unsigned char *huge = pattern(4 * 1024 * 1024);
    struct req q = {.method = "POST",
                    .path = "/v1/packets",
                    .as = &fx->stranger,
                    .body = big,
                    .body_len = LIMIT};
    struct resp r;

    (void)state;
    o.max_body = 8 * 1024 * 1024; /* so that the pin, not the length, refuses the huge body */
    s = start(&o);
    q.port = http_port(s);

    /* A body within the limit, sent with the headers (no Expect: 100-continue). */
    request(&q, &r);
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.status, 403);
    assert_error_body(&r, "unknown-peer");
    assert_non_null(strstr(r.body, keys_keystore_tls_pin(fx->stranger.ks)));
    assert_non_null(strstr(r.headers, "Cache-Control: no-store"));
    resp_free(&r);

    /* 4 MiB: curl asks "Expect: 100-continue" and gets the 403 instead of the go-ahead. */
    q.body = huge;
    q.body_len = 4 * 1024 * 1024;
    request(&q, &r);
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.status, 403);
    assert_error_body(&r, "unknown-peer");
    resp_free(&r);

    /* Chunked: no length to judge by, the pin alone refuses. */
    q.chunked = 1;
    q.body_len = 64 * 1024;
    request(&q, &r);
    assert_int_equal(r.status, 403);
    resp_free(&r);

    assert_int_equal(seen_calls(), 0);
    http_get_stats(s, &stats);
    assert_int_equal(stats.refused, 3);
    assert_int_equal(stats.handled, 0);
    /* Not one byte of the refused bodies was read by the server. */
    assert_int_equal(stats.body_bytes, 0);
    http_stop(s);
    free(big);
    free(huge);
}

static void
test_no_client_cert(void **state)
{
    struct http_opts o = tls_opts();
    struct http_server *s = start(&o);
    struct req q = {.method = "POST", .path = "/v1/packets", .body = "x", .body_len = 1};
    struct resp r;

    (void)state;
    q.port = http_port(s);
    request(&q, &r);
    /* The handshake completes and the answer says why. */
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.status, 403);
    assert_error_body(&r, "no-client-certificate");
    assert_int_equal(seen_calls(), 0);
    resp_free(&r);
    http_stop(s);
}

/* The client pins the server's key: another pin fails the connection (the server presents the
 * certificate it was given). */
static void
test_server_pin(void **state)
{
    struct http_opts o = tls_opts();
    struct http_server *s = start(&o);
    struct req q = {.method = "GET", .path = "/v1/health", .as = &fx->client};
    struct resp r;

    (void)state;
    q.port = http_port(s);
    q.pin = keys_keystore_tls_pin(fx->client.ks);
    request(&q, &r);
    assert_int_equal(r.rc, CURLE_SSL_PINNEDPUBKEYNOTMATCH);
    assert_int_equal(seen_calls(), 0);
    resp_free(&r);
    http_stop(s);
}

/* Several requests on one kept-alive connection: each is checked and passed on by itself. */
static void
test_keep_alive(void **state)
{
    struct http_opts o = tls_opts();
    struct http_server *s = start(&o);
    struct req q = {.method = "POST", .path = "/v1/packets", .as = &fx->client, .body = "abc"};
    struct http_stats stats;
    struct resp r;
    CURL *h = curl_easy_init();
    long connects = -1;
    int i;

    (void)state;
    q.port = http_port(s);
    for (i = 1; i <= 3; i++) {
        q.body_len = (size_t)i;
        request_on(h, &q, &r);
        assert_int_equal(r.status, 200);
        assert_int_equal(seen.body_len, (size_t)i);
        assert_string_equal(seen.oin, client_id.oin);
        if (i > 1) {
            curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &connects);
            assert_int_equal(connects, 0); /* the connection was reused */
        }
        resp_free(&r);
    }
    http_get_stats(s, &stats);
    assert_int_equal(stats.requests, 3);
    assert_int_equal(stats.handled, 3);
    assert_int_equal(stats.body_bytes, 6);
    curl_easy_cleanup(h);
    http_stop(s);
}

/* A client's later connections, on one libcurl handle (which keeps TLS sessions to resume): on
 * each the server knows the client by its certificate, and a stranger stays a stranger. Whether
 * a session is resumed is up to the server's TLS set-up (libmicrohttpd 0.9.75 offers neither
 * tickets nor a session cache, so today none is); a resumed one must keep the peer's identity. */
static void
test_resumed_session(void **state)
{
    struct http_opts o = tls_opts();
    struct http_server *s = start(&o);
    struct req q = {.method = "GET", .path = "/v1/health", .as = &fx->client, .close_after = 1};
    struct resp r;
    CURL *h = curl_easy_init();
    int i, resumed = 0;

    (void)state;
    q.port = http_port(s);
    for (i = 0; i < 3; i++) {
        seen_reset();
        request_on(h, &q, &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(seen.oin, client_id.oin);
        resumed += r.resumed;
        resp_free(&r);
    }
    if (getenv("HTTP_TEST_LOG") != NULL)
        fprintf(stderr, "[client] %d of 2 later connections resumed their session\n", resumed);
    q.as = &fx->stranger;
    for (i = 0; i < 3; i++) {
        request_on(h, &q, &r);
        assert_int_equal(r.status, 403);
        resp_free(&r);
    }
    curl_easy_cleanup(h);
    http_stop(s);
}

static void
test_tls_versions(void **state)
{
    struct http_opts o = tls_opts();
    struct http_server *s = start(&o);
    struct req q = {.method = "GET", .path = "/v1/health", .as = &fx->client};
    struct resp r;

    (void)state;
    q.port = http_port(s);
    request(&q, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.tls_version, GNUTLS_TLS1_3);
    resp_free(&r);

    /* TLS 1.2 still works, with the Ed25519 certificates on both sides. */
    q.tls = (long)(CURL_SSLVERSION_TLSv1_2 | CURL_SSLVERSION_MAX_TLSv1_2);
    request(&q, &r);
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.tls_version, GNUTLS_TLS1_2);
    assert_string_equal(seen.oin, client_id.oin);
    resp_free(&r);

    /* Nothing older. */
    q.tls = (long)(CURL_SSLVERSION_TLSv1_0 | CURL_SSLVERSION_MAX_TLSv1_1);
    request(&q, &r);
    assert_int_equal(r.rc, CURLE_SSL_CONNECT_ERROR);
    assert_int_equal(r.status, 0);
    resp_free(&r);
    assert_int_equal(seen_calls(), 2);
    http_stop(s);
}

/* ---- the body limit ---- */

static void
test_body_limit(void **state)
{
    struct http_opts o = tls_opts();
    struct http_server *s = start(&o);
    struct http_stats stats;
    unsigned char *body = pattern(LIMIT + 1);
    unsigned char *huge = pattern(3 * LIMIT);
    struct req q = {.method = "POST",
                    .path = "/v1/packets",
                    .as = &fx->client,
                    .body = body,
                    .body_len = LIMIT + 1};
    struct resp r;

    (void)state;
    q.port = http_port(s);

    /* Declared one byte over: 413 before reading. */
    request(&q, &r);
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.status, 413);
    assert_error_body(&r, "too-large");
    assert_non_null(strstr(r.body, "4097"));
    resp_free(&r);
    http_get_stats(s, &stats);
    assert_int_equal(stats.body_bytes, 0);
    assert_int_equal(seen_calls(), 0);

    /* Exactly the limit passes, whole. */
    q.body_len = LIMIT;
    request(&q, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(seen_calls(), 1);
    assert_int_equal(seen.body_len, LIMIT);
    assert_memory_equal(seen.body, body, LIMIT);
    resp_free(&r);

    /* Chunked, within the limit: the pieces arrive as one body. */
    seen_reset();
    q.chunked = 1;
    q.body_len = LIMIT;
    request(&q, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(seen_calls(), 1);
    assert_int_equal(seen.body_len, LIMIT);
    assert_memory_equal(seen.body, body, LIMIT);
    assert_true(seen.body_terminated);
    resp_free(&r);

    /* Chunked, one byte over: counted while reading, 413, the handler never sees it. */
    seen_reset();
    q.body_len = LIMIT + 1;
    request(&q, &r);
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.status, 413);
    assert_error_body(&r, "too-large");
    assert_int_equal(seen_calls(), 0);
    resp_free(&r);

    /* Chunked and far over: the server stops reading and closes; the handler never sees it. */
    q.body = huge;
    q.body_len = 3 * LIMIT;
    request(&q, &r);
    assert_true(r.rc != CURLE_OK || r.status == 413);
    assert_int_equal(seen_calls(), 0);
    http_get_stats(s, &stats);
    assert_true(stats.body_bytes <= LIMIT + (LIMIT + 1) + 2 * LIMIT + 16 * 1024);
    resp_free(&r);
    http_stop(s);
    free(body);
    free(huge);
}

/* ---- listening ---- */

static void
test_listen_addresses(void **state)
{
    static const char *const bad[] = {"localhost:8443",  "127.0.0.1",      "127.0.0.1:",
                                      "127.0.0.1:65536", "127.0.0.1:-1",   "[::1]8443",
                                      "::1:8443",        "[::1]:",         "1.2.3:80",
                                      ":8443",           "127.0.0.1:84a3", ""};
    struct http_opts o = tls_opts();
    struct daemon_err err;
    struct http_server *s, *s2 = (struct http_server *)(uintptr_t)0x5eed;
    char taken[64];
    size_t i;
    struct req q = {.method = "GET", .path = "/v1/health", .as = &fx->client};
    struct resp r;

    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o.listen = bad[i];
        err.text[0] = '\0';
        assert_int_equal(http_start(&o, &s2, &err), DAEMON_ECONFIG);
        assert_ptr_equal(s2, (struct http_server *)(uintptr_t)0x5eed);
        assert_true(strlen(err.text) > 10);
    }
    o.listen = "localhost:8443";
    http_start(&o, &s2, &err);
    assert_non_null(strstr(err.text, "host names"));

    /* Port 0 gives a real port, and a second server cannot have it. */
    o.listen = "127.0.0.1:0";
    s = start(&o);
    assert_true(http_port(s) > 0 && http_port(s) < 65536);
    snprintf(taken, sizeof taken, "127.0.0.1:%u", http_port(s));
    o.listen = taken;
    assert_int_equal(http_start(&o, &s2, &err), DAEMON_EIO);
    assert_non_null(strstr(err.text, "in use"));
    assert_non_null(strstr(err.text, taken));
    /* ... and the first one still answers. */
    q.port = http_port(s);
    request(&q, &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    http_stop(s);

    /* IPv6 loopback, where the machine has it. */
    o.listen = "[::1]:0";
    if (http_start(&o, &s, &err) == DAEMON_OK) {
        assert_true(http_port(s) > 0);
        http_stop(s);
    } else {
        assert_int_equal(err.status, DAEMON_EIO);
    }
}

static void
test_bad_tls_material(void **state)
{
    struct http_opts o = tls_opts();
    struct daemon_err err;
    struct http_server *s = (struct http_server *)(uintptr_t)0x5eed;
    char *other = NULL;
    size_t other_len;
    struct keys_err kerr;

    (void)state;
    /* The client's key with the server's certificate. */
    assert_int_equal(keys_keystore_tls_key_pem(fx->client.ks, &other, &other_len, &kerr), KEYS_OK);
    o.key_pem = other;
    assert_int_equal(http_start(&o, &s, &err), DAEMON_ETLS);
    assert_non_null(strstr(err.text, "do not belong together"));
    keys_secret_free(other);
    o = tls_opts();
    o.cert_pem = "-----BEGIN CERTIFICATE-----\nnonsense\n-----END CERTIFICATE-----\n";
    assert_int_equal(http_start(&o, &s, &err), DAEMON_ETLS);
    o = tls_opts();
    o.lookup = NULL;
    assert_int_equal(http_start(&o, &s, &err), DAEMON_EINVAL);
    o = tls_opts();
    o.handler = NULL;
    assert_int_equal(http_start(&o, &s, &err), DAEMON_EINVAL);
    assert_ptr_equal(s, (struct http_server *)(uintptr_t)0x5eed);
}

/* The key PEM is needed only while the server starts: wiped and unmapped right after, the server
 * still shakes hands (libmicrohttpd handed it to GnuTLS, which copied it). */
static void
test_key_released_after_start(void **state)
{
    struct http_opts o = tls_opts();
    struct http_server *s;
    struct keys_err kerr;
    char *key = NULL;
    size_t key_len;
    struct req q = {.method = "GET", .path = "/v1/health", .as = &fx->client};
    struct resp r;

    (void)state;
    assert_int_equal(keys_keystore_tls_key_pem(fx->server.ks, &key, &key_len, &kerr), KEYS_OK);
    o.key_pem = key;
    s = start(&o);
    keys_secret_free(key); /* sodium_free: wiped, and the pages unmapped */
    q.port = http_port(s);
    request(&q, &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    http_stop(s);
}

/* ---- Unix socket ---- */

static void
sock_path(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", fx->dir, name);
}

static void
test_unix_socket(void **state)
{
    char path[128], gname[256];
    struct http_opts o;
    struct http_server *s;
    struct stat st;
    struct group gr, *found = NULL;
    char buf[4096];
    struct daemon_err err;
    struct req q = {
        .method = "POST", .path = "/v1/send?dry=1", .body = "{\"to\":\"x\"}", .body_len = 10};
    struct resp r;
    unsigned char *big;

    (void)state;
    sock_path(path, sizeof path, "admin.sock");
    o = unix_opts(path);
    s = start(&o);
    assert_int_equal(http_port(s), 0);
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISSOCK(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0660);

    q.unix_path = path;
    request(&q, &r);
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.headers, "Cache-Control: no-store"));
    assert_int_equal(seen_calls(), 1);
    assert_int_equal(seen.uid, (long)getuid());
    assert_false(seen.had_oin);
    assert_false(seen.had_pin);
    assert_false(seen.had_addr);
    assert_string_equal(seen.path, "/v1/send");
    assert_string_equal(seen.query, "dry=1");
    assert_memory_equal(seen.body, "{\"to\":\"x\"}", 10);
    resp_free(&r);

    /* The body limit holds here too. */
    big = pattern(LIMIT + 1);
    q.body = big;
    q.body_len = LIMIT + 1;
    request(&q, &r);
    assert_int_equal(r.status, 413);
    assert_error_body(&r, "too-large");
    assert_int_equal(seen_calls(), 1);
    resp_free(&r);
    free(big);
    http_stop(s);
    /* Gone when the server stops. */
    assert_int_equal(lstat(path, &st), -1);
    assert_int_equal(errno, ENOENT);

    /* Another mode, and the caller's own group by name. */
    assert_int_equal(getgrgid_r(getegid(), &gr, buf, sizeof buf, &found), 0);
    assert_non_null(found);
    snprintf(gname, sizeof gname, "%s", found->gr_name);
    o = unix_opts(path);
    o.socket_mode = 0600;
    o.socket_group = gname;
    s = start(&o);
    assert_int_equal(lstat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(st.st_gid, getegid());
    http_stop(s);

    /* A group that does not exist: refused, and no socket is left behind. */
    o.socket_group = "no-such-group-baton";
    assert_int_equal(http_start(&o, &s, &err), DAEMON_ECONFIG);
    assert_non_null(strstr(err.text, "no-such-group-baton"));
    assert_int_equal(lstat(path, &st), -1);
    o.socket_group = NULL;
    o.socket_mode = 01777;
    assert_int_equal(http_start(&o, &s, &err), DAEMON_ECONFIG);
}

static void
test_unix_stale_and_live(void **state)
{
    char path[128], longp[200];
    struct http_opts o;
    struct http_server *s, *s2;
    struct sockaddr_un sa;
    struct daemon_err err;
    struct stat st;
    int fd;
    struct req q = {.method = "GET", .path = "/v1/health"};
    struct resp r;

    (void)state;
    sock_path(path, sizeof path, "stale.sock");
    /* A socket file left by a crash: bound, then its server gone. */
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    assert_true(strlen(path) < sizeof sa.sun_path);
    memcpy(sa.sun_path, path, strlen(path) + 1);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    close(fd);
    assert_int_equal(lstat(path, &st), 0);
    o = unix_opts(path);
    s = start(&o);
    q.unix_path = path;
    request(&q, &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);

    /* A live socket is not taken over: the second server fails and the first keeps its file. */
    assert_int_equal(http_start(&o, &s2, &err), DAEMON_EIO);
    assert_non_null(strstr(err.text, "another server answers"));
    assert_non_null(strstr(err.text, path));
    request(&q, &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    http_stop(s);

    /* Something else than a socket at the path is left alone. */
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(http_start(&o, &s2, &err), DAEMON_EIO);
    assert_non_null(strstr(err.text, "not a socket"));
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    unlink(path);

    /* A path longer than sun_path. */
    memset(longp, 'a', sizeof longp - 1);
    longp[0] = '/';
    longp[sizeof longp - 1] = '\0';
    o.socket_path = longp;
    assert_int_equal(http_start(&o, &s2, &err), DAEMON_ECONFIG);
    assert_non_null(strstr(err.text, "longer"));
}

/* ---- slow clients, limits, concurrency ---- */

static int
connect_tcp(unsigned port)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

static int
connect_unix(const char *path)
{
    struct sockaddr_un sa;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    assert_true(strlen(path) < sizeof sa.sun_path);
    memcpy(sa.sun_path, path, strlen(path) + 1);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

static void
pause_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&t, &t) != 0 && errno == EINTR)
        ;
}

static double
now_s(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Seconds until the server closes fd (read returns 0 or fails), at most limit. */
static double
seconds_until_closed(int fd, double limit)
{
    struct timeval tv = {(time_t)limit, 0};
    double t0 = now_s();
    char b[256];

    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    while (read(fd, b, sizeof b) > 0)
        ;
    return now_s() - t0;
}

static void
test_slow_client(void **state)
{
    struct http_opts o = tls_opts();
    struct http_server *s;
    char path[128];
    const char half[] = "GET /v1/health HTTP/1.1\r\nHost: loc";
    struct req q = {.method = "GET", .path = "/v1/health", .as = &fx->client};
    struct resp r;
    double t0, waited;
    int idle, idle2;

    (void)state;
    o.timeout_s = 2;
    s = start(&o);
    q.port = http_port(s);
    /* One client connects and stays silent in the handshake, another sends half a ClientHello. */
    idle = connect_tcp(http_port(s));
    idle2 = connect_tcp(http_port(s));
    assert_int_equal(write(idle2, "\x16\x03\x01\x02\x00\x01", 6), 6);
    t0 = now_s();
    request(&q, &r);
    assert_int_equal(r.status, 200);
    assert_true(now_s() - t0 < 1.5);
    resp_free(&r);
    /* The silent ones are cut off after the idle timeout. */
    waited = seconds_until_closed(idle, 10);
    assert_true(waited < 5.0);
    assert_true(seconds_until_closed(idle2, 10) < 5.0);
    close(idle);
    close(idle2);
    http_stop(s);

    /* The admin socket: half a request line and header, then nothing. */
    sock_path(path, sizeof path, "slow.sock");
    o = unix_opts(path);
    o.timeout_s = 2;
    s = start(&o);
    idle = connect_unix(path);
    assert_int_equal(write(idle, half, strlen(half)), (ssize_t)strlen(half));
    q.unix_path = path;
    t0 = now_s();
    request(&q, &r);
    assert_int_equal(r.status, 200);
    assert_true(now_s() - t0 < 1.5);
    resp_free(&r);
    assert_true(seconds_until_closed(idle, 10) < 5.0);
    close(idle);
    http_stop(s);
}

/* Connections beyond max_connections, or beyond max_per_ip from one address, are closed as they
 * arrive; when the others are gone, requests are served again. */
static void
test_connection_limit(void **state)
{
    char path[128];
    struct http_opts o;
    struct http_server *s;
    struct req q = {.method = "GET", .path = "/v1/health"};
    struct resp r;
    int a, b;

    (void)state;
    sock_path(path, sizeof path, "limit.sock");
    o = unix_opts(path);
    o.max_connections = 2;
    s = start(&o);
    q.unix_path = path;
    a = connect_unix(path);
    b = connect_unix(path);
    pause_ms(200); /* let the listening thread take both */
    request(&q, &r);
    assert_true(r.rc != CURLE_OK);
    assert_int_equal(seen_calls(), 0);
    resp_free(&r);
    close(a);
    close(b);
    pause_ms(300);
    request(&q, &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    http_stop(s);

    /* One address may hold max_per_ip connections of the peer endpoint. */
    seen_reset();
    o = tls_opts();
    o.max_per_ip = 1;
    s = start(&o);
    q.unix_path = NULL;
    q.as = &fx->client;
    q.port = http_port(s);
    a = connect_tcp(http_port(s));
    pause_ms(200);
    request(&q, &r);
    assert_true(r.rc != CURLE_OK);
    assert_int_equal(seen_calls(), 0);
    resp_free(&r);
    close(a);
    pause_ms(300);
    request(&q, &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    http_stop(s);
}

struct worker {
    struct req q;
    struct resp r;
};

static void *
run_worker(void *arg)
{
    struct worker *w = arg;

    request(&w->q, &w->r);
    return NULL;
}

/* Two requests in the handler at the same time: each connection has its own thread. */
static void
test_concurrent_handlers(void **state)
{
    struct http_opts o = tls_opts();
    struct http_server *s = start(&o);
    struct worker w[2];
    pthread_t t[2];
    int i;

    (void)state;
    for (i = 0; i < 2; i++) {
        struct req q = {.method = "GET", .path = "/block", .as = &fx->client, .port = http_port(s)};
        w[i].q = q;
    }
    for (i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, run_worker, &w[i]), 0);
    for (i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    for (i = 0; i < 2; i++) {
        assert_int_equal(w[i].r.status, 200);
        resp_free(&w[i].r);
    }
    assert_int_equal(seen.max_inside, 2);
    http_stop(s);
}

/* ---- a bare GnuTLS client, for what libcurl does not let a test see or do ---- */

struct raw_client {
    const struct party *as; /* NULL: present no certificate */
    int ca_names;           /* CA names the server's CertificateRequest listed; -1: none asked */
    gnutls_pcert_st pcert;
    gnutls_privkey_t key;
};

static struct raw_client *raw_current;

static int
raw_retrieve(gnutls_session_t session, const gnutls_datum_t *req_ca_rdn, int nreqs,
             const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length, gnutls_pcert_st **pcert,
             unsigned int *pcert_length, gnutls_privkey_t *pkey)
{
    struct raw_client *rc = raw_current;

    (void)session;
    (void)req_ca_rdn;
    (void)pk_algos;
    (void)pk_algos_length;
    rc->ca_names = nreqs;
    *pcert_length = 0;
    if (rc->as != NULL) {
        *pcert = &rc->pcert;
        *pcert_length = 1;
        *pkey = rc->key;
    }
    return 0;
}

/* A TLS connection to the server at port as rc->as; returns the session, *fd its socket. */
static gnutls_session_t
raw_connect(struct raw_client *rc, unsigned port, int *fd, gnutls_certificate_credentials_t *cred)
{
    gnutls_session_t s;
    gnutls_datum_t d;
    struct keys_err kerr;
    char *key = NULL;
    size_t key_len = 0;
    int ret;

    rc->ca_names = -1;
    if (rc->as != NULL) {
        d.data = (unsigned char *)(uintptr_t)keys_keystore_tls_cert_pem(rc->as->ks);
        d.size = (unsigned)strlen((const char *)d.data);
        assert_int_equal(gnutls_pcert_import_x509_raw(&rc->pcert, &d, GNUTLS_X509_FMT_PEM, 0), 0);
        assert_int_equal(keys_keystore_tls_key_pem(rc->as->ks, &key, &key_len, &kerr), KEYS_OK);
        d.data = (unsigned char *)key;
        d.size = (unsigned)key_len;
        assert_int_equal(gnutls_privkey_init(&rc->key), 0);
        assert_int_equal(gnutls_privkey_import_x509_raw(rc->key, &d, GNUTLS_X509_FMT_PEM, NULL, 0),
                         0);
        keys_secret_free(key);
    }
    assert_int_equal(gnutls_certificate_allocate_credentials(cred), 0);
    gnutls_certificate_set_retrieve_function2(*cred, raw_retrieve);
    assert_int_equal(gnutls_init(&s, GNUTLS_CLIENT), 0);
    assert_int_equal(gnutls_set_default_priority(s), 0);
    assert_int_equal(gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, *cred), 0);
    *fd = connect_tcp(port);
    gnutls_transport_set_int(s, *fd);
    gnutls_handshake_set_timeout(s, 5000);
    raw_current = rc;
    do {
        ret = gnutls_handshake(s);
    } while (ret < 0 && gnutls_error_is_fatal(ret) == 0);
    raw_current = NULL;
    assert_int_equal(ret, 0);
    return s;
}

static void
raw_close(struct raw_client *rc, gnutls_session_t s, int fd, gnutls_certificate_credentials_t cred)
{
    gnutls_deinit(s);
    close(fd);
    gnutls_certificate_free_credentials(cred);
    if (rc->as != NULL) {
        gnutls_pcert_deinit(&rc->pcert);
        gnutls_privkey_deinit(rc->key);
    }
}

/* Reads what the server sends until it closes (at most n - 1 bytes). */
static size_t
raw_read_all(gnutls_session_t s, char *buf, size_t n)
{
    size_t got = 0;
    ssize_t r;

    while (got + 1 < n) {
        r = gnutls_record_recv(s, buf + got, n - 1 - got);
        if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    buf[got] = '\0';
    return got;
}

/* The server asks for a certificate without naming CAs (a client that picks its certificate by
 * CA name would otherwise keep a self-signed one back, and a stranger would learn the server's
 * name); a client that sends none is told so in a 403. */
static void
test_certificate_request(void **state)
{
    static const char get[] = "GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    struct http_opts o = tls_opts();
    struct http_server *s = start(&o);
    struct raw_client rc;
    gnutls_certificate_credentials_t cred;
    gnutls_session_t t;
    char answer[4096];
    int fd;

    (void)state;
    memset(&rc, 0, sizeof rc);
    t = raw_connect(&rc, http_port(s), &fd, &cred);
    assert_int_equal(rc.ca_names, 0); /* asked for a certificate, no CA named */
    assert_int_equal(gnutls_protocol_get_version(t), GNUTLS_TLS1_3);
    assert_int_equal(gnutls_record_send(t, get, strlen(get)), (ssize_t)strlen(get));
    raw_read_all(t, answer, sizeof answer);
    assert_non_null(strstr(answer, "HTTP/1.1 403 "));
    assert_non_null(strstr(answer, "no-client-certificate"));
    raw_close(&rc, t, fd, cred);

    /* The known client through the same path gets in. */
    rc.as = &fx->client;
    t = raw_connect(&rc, http_port(s), &fd, &cred);
    assert_int_equal(rc.ca_names, 0);
    assert_int_equal(gnutls_record_send(t, get, strlen(get)), (ssize_t)strlen(get));
    raw_read_all(t, answer, sizeof answer);
    assert_non_null(strstr(answer, "HTTP/1.1 200 "));
    raw_close(&rc, t, fd, cred);
    assert_int_equal(seen_calls(), 1);
    http_stop(s);
}

/* A stranger that declares 64 MiB and sends them without waiting for an answer: the server
 * answers 403 and stops reading; the client cannot get more than what the socket buffers hold
 * through, and the handler never hears of it. */
static void
test_stranger_streams_body(void **state)
{
    static const char head[] = "POST /v1/packets HTTP/1.1\r\nHost: x\r\n"
                               "Content-Type: application/jose\r\nContent-Length: 67108864\r\n\r\n";
    struct http_opts o = tls_opts();
    struct http_server *s;
    struct http_stats stats;
    struct raw_client rc;
    gnutls_certificate_credentials_t cred;
    gnutls_session_t t;
    struct timeval tv = {3, 0};
    unsigned char *chunk = pattern(64 * 1024);
    size_t sent = 0;
    ssize_t r = 0;
    int fd;

    (void)state;
    o.max_body = 128 * 1024 * 1024; /* the length is allowed: the pin must refuse */
    s = start(&o);
    memset(&rc, 0, sizeof rc);
    rc.as = &fx->stranger;
    t = raw_connect(&rc, http_port(s), &fd, &cred);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    assert_int_equal(gnutls_record_send(t, head, strlen(head)), (ssize_t)strlen(head));
    while (sent < 64u * 1024 * 1024) {
        r = gnutls_record_send(t, chunk, 64 * 1024);
        if (r == GNUTLS_E_INTERRUPTED)
            continue;
        if (r <= 0)
            break; /* closed by the server, or it stopped reading */
        sent += (size_t)r;
    }
    if (getenv("HTTP_TEST_LOG") != NULL)
        fprintf(stderr, "[client] sent %zu body bytes before the server stopped it (%zd)\n", sent,
                r);
    assert_true(sent < 16u * 1024 * 1024);
    assert_int_equal(seen_calls(), 0);
    http_get_stats(s, &stats);
    assert_int_equal(stats.refused, 1);
    assert_int_equal(stats.body_bytes, 0);
    raw_close(&rc, t, fd, cred);
    http_stop(s);
    free(chunk);
}

/* libmicrohttpd refuses a header larger than its connection memory itself; the request's state
 * (made when the request line arrived) is freed all the same (the sanitizer build checks). */
static void
test_header_too_large(void **state)
{
    char path[128];
    struct http_opts o;
    struct http_server *s;
    size_t n = 64 * 1024;
    char *req = malloc(n + 64);
    char answer[256];
    ssize_t got;
    int fd;

    (void)state;
    assert_non_null(req);
    sock_path(path, sizeof path, "hdr.sock");
    o = unix_opts(path);
    s = start(&o);
    fd = connect_unix(path);
    snprintf(req, n + 64, "GET /v1/health?q=1 HTTP/1.1\r\nHost: x\r\nX-Big: ");
    memset(req + strlen(req), 'a', n - strlen(req));
    req[n] = '\0';
    strcat(req, "\r\n\r\n");
    (void)!write(fd, req, strlen(req));
    got = read(fd, answer, sizeof answer - 1);
    assert_true(got > 12);
    answer[got] = '\0';
    assert_non_null(strstr(answer, " 431 "));
    close(fd);
    assert_int_equal(seen_calls(), 0);
    http_stop(s);
    free(req);
}

/* ---- the reply helpers ---- */

static void
test_reply_helpers(void **state)
{
    struct http_reply reply = {0, NULL, NULL, 0};
    json_error_t jerr;
    json_t *j;
    char long_msg[1000];

    (void)state;
    http_reply_error(&reply, 422, "invalid-form", "field \"%s\" is\nwrong", "naam");
    assert_int_equal(reply.status, 422);
    assert_string_equal(reply.content_type, "application/json");
    j = json_loadb(reply.body, reply.body_len, JSON_REJECT_DUPLICATES, &jerr);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "error")), "field \"naam\" is\nwrong");
    assert_string_equal(json_string_value(json_object_get(j, "code")), "invalid-form");
    json_decref(j);

    /* A message cut inside a UTF-8 sequence (at 511 bytes) loses the half character; bytes that
     * are not UTF-8 (quoted from a peer) become '?'; the answer is JSON all the same. */
    memset(long_msg, 'x', sizeof long_msg);
    memcpy(long_msg + 3, "\xff\xc3(\xed\xa0\x80", 6);
    memcpy(long_msg + 508, "\xc3\xa9\xe2\x82\xac", 5);
    long_msg[sizeof long_msg - 1] = '\0';
    http_reply_error(&reply, 400, "bad", "%s", long_msg);
    assert_int_equal(reply.status, 400);
    j = json_loadb(reply.body, reply.body_len, JSON_REJECT_DUPLICATES, &jerr);
    assert_non_null(j);
    assert_int_equal(json_string_length(json_object_get(j, "error")), 510);
    assert_memory_equal(json_string_value(json_object_get(j, "error")), "xxx?\?(?\?\?x", 10);
    assert_memory_equal(json_string_value(json_object_get(j, "error")) + 506, "xx\xc3\xa9", 4);
    json_decref(j);

    /* Bytes replace what was there (no leak: the sanitizer build checks). */
    assert_int_equal(http_reply_bytes(&reply, 200, "application/jose", "abc", 3), DAEMON_OK);
    assert_int_equal(reply.body_len, 3);
    assert_string_equal(reply.body, "abc");
    free(reply.body);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_known_client, test_setup),
        cmocka_unit_test_setup(test_unknown_client, test_setup),
        cmocka_unit_test_setup(test_no_client_cert, test_setup),
        cmocka_unit_test_setup(test_server_pin, test_setup),
        cmocka_unit_test_setup(test_tls_versions, test_setup),
        cmocka_unit_test_setup(test_keep_alive, test_setup),
        cmocka_unit_test_setup(test_resumed_session, test_setup),
        cmocka_unit_test_setup(test_body_limit, test_setup),
        cmocka_unit_test_setup(test_listen_addresses, test_setup),
        cmocka_unit_test_setup(test_bad_tls_material, test_setup),
        cmocka_unit_test_setup(test_key_released_after_start, test_setup),
        cmocka_unit_test_setup(test_unix_socket, test_setup),
        cmocka_unit_test_setup(test_unix_stale_and_live, test_setup),
        cmocka_unit_test_setup(test_slow_client, test_setup),
        cmocka_unit_test_setup(test_connection_limit, test_setup),
        cmocka_unit_test_setup(test_concurrent_handlers, test_setup),
        cmocka_unit_test_setup(test_certificate_request, test_setup),
        cmocka_unit_test_setup(test_stranger_streams_body, test_setup),
        cmocka_unit_test_setup(test_header_too_large, test_setup),
        cmocka_unit_test_setup(test_reply_helpers, test_setup),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
