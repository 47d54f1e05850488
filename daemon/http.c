/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * batond's HTTP server on libmicrohttpd: HTTPS with mutual TLS (the client's key pin decides,
 * before the body is read), plain HTTP on a Unix socket (the client's uid passed on) or plain HTTP
 * on a loopback TCP address (the web page: headers passed on, no identity of its own), with a body
 * limit, idle timeouts and a connection limit, handing each request whole to one handler.
 *
 * Threads: one per connection (MHD_USE_THREAD_PER_CONNECTION, with poll()) behind one listening
 * thread. batond serves a few dozen peer organisations and one operator: a few hundred connections
 * at most, which max_connections bounds. A thread each means that a handler that blocks (on the
 * store's fsync, say) holds up only its own connection, where with one polling thread, or a small
 * pool of them with epoll, every connection of that thread would wait; a slow or silent client
 * costs one thread until the idle timeout closes it. Handlers must be thread-safe either way.
 */
#define _GNU_SOURCE /* struct ucred for SO_PEERCRED */

#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <jansson.h>
#include <microhttpd.h>
#include <sodium.h>

#include "http.h"

/* TLS 1.3, and 1.2 for peers whose TLS library is older; nothing before (RFC 8996). */
#define HTTP_TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
/* Pending connections the kernel holds for the listening thread. */
#define HTTP_BACKLOG 64
/* A pin: "sha256//" and the base64 of 32 bytes (44 characters). */
#define HTTP_PIN_SIZE (8 + 44 + 1)
/* "[IPv6]:PORT" */
#define HTTP_ADDR_SIZE (INET6_ADDRSTRLEN + 8)
/* First allocation for a body without Content-Length; it doubles from there up to the limit. */
#define HTTP_BODY_FIRST (16u * 1024u)
/* Room for the getgrnam_r buffer. */
#define HTTP_GROUP_BUF 16384

struct http_server {
    struct MHD_Daemon *mhd;
    enum http_mode mode;
    http_handler handler;
    http_peer_lookup lookup;
    http_log_fn log;
    void *ctx;
    size_t max_body;
    unsigned port;
    int fd;            /* our descriptor of the listening socket; libmicrohttpd has a dup */
    char *socket_path; /* Unix mode: the file to remove at stop, if it is still ours */
    dev_t sock_dev;
    ino_t sock_ino;
    atomic_ulong requests, refused, handled;
    atomic_ullong body_bytes;
};

/* One request, from its first line to its completion. */
struct call {
    int started;  /* the access handler has seen it */
    int answered; /* a refusal is queued: the body is not read */
    int too_big;  /* the body outgrew the limit while it was read */
    char *query;
    char oin[HTTP_OIN_SIZE];
    char pin[HTTP_PIN_SIZE];
    char addr[HTTP_ADDR_SIZE];
    long uid;
    unsigned char *body;
    size_t len, cap;
    size_t drained; /* bytes thrown away after the limit was reached */
};

/* A response body to wipe and free once libmicrohttpd has sent it. */
struct sent_body {
    void *data;
    size_t len;
};

static void say(struct http_server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
say(struct http_server *s, const char *fmt, ...)
{
    char line[1024];
    va_list ap;

    if (s->log == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    s->log(s->ctx, line);
}

/* libmicrohttpd's own messages (a failed handshake, a timeout), one line each. */
static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct http_server *s = cls;
    char line[1024];
    size_t n;

    if (s->log == NULL)
        return;
        /* libmicrohttpd's format string: not ours to check. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    vsnprintf(line, sizeof line, fmt, ap);
#pragma GCC diagnostic pop
    n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    say(s, "http: %s", line);
}

static void
wipe_free(void *p, size_t n)
{
    if (p == NULL)
        return;
    sodium_memzero(p, n);
    free(p);
}

static void
free_sent_body(void *cls)
{
    struct sent_body *b = cls;

    wipe_free(b->data, b->len);
    free(b);
}

/* ---- replies ---- */

/* See http.h. */
void
http_utf8_clean(char *s)
{
    unsigned char *p = (unsigned char *)s;
    size_t i = 0, need, k;
    unsigned lo, hi;

    while (p[i] != '\0') {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        lo = 0x80;
        hi = 0xbf; /* the range of the first continuation byte */
        if (p[i] >= 0xc2 && p[i] <= 0xdf) {
            need = 1;
        } else if (p[i] >= 0xe0 && p[i] <= 0xef) {
            need = 2;
            lo = p[i] == 0xe0 ? 0xa0 : 0x80; /* no overlong forms */
            hi = p[i] == 0xed ? 0x9f : 0xbf; /* no surrogates */
        } else if (p[i] >= 0xf0 && p[i] <= 0xf4) {
            need = 3;
            lo = p[i] == 0xf0 ? 0x90 : 0x80;
            hi = p[i] == 0xf4 ? 0x8f : 0xbf; /* nothing above U+10FFFF */
        } else {
            p[i++] = '?';
            continue;
        }
        for (k = 1; k <= need; k++) {
            if (p[i + k] == '\0') {
                p[i] = '\0'; /* cut short at the end */
                return;
            }
            if (p[i + k] < (k == 1 ? lo : 0x80u) || p[i + k] > (k == 1 ? hi : 0xbfu))
                break;
        }
        if (k <= need) {
            p[i++] = '?';
            continue;
        }
        i += need + 1;
    }
}

enum daemon_status
http_reply_bytes(struct http_reply *reply, int status, const char *content_type, const void *data,
                 size_t len)
{
    char *copy = malloc(len + 1);

    wipe_free(reply->body, reply->body_len);
    reply->body = NULL;
    reply->body_len = 0;
    reply->content_type = NULL;
    if (copy == NULL) {
        reply->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
        return DAEMON_ENOMEM;
    }
    if (len > 0)
        memcpy(copy, data, len);
    copy[len] = '\0';
    reply->status = status;
    reply->content_type = content_type;
    reply->body = copy;
    reply->body_len = len;
    return DAEMON_OK;
}

enum daemon_status
http_reply_json(struct http_reply *reply, int status, const json_t *body)
{
    const size_t flags = JSON_COMPACT | JSON_ENSURE_ASCII | JSON_ENCODE_ANY;
    size_t need = json_dumpb(body, NULL, 0, flags);
    char *buf;

    wipe_free(reply->body, reply->body_len);
    reply->body = NULL;
    reply->body_len = 0;
    reply->content_type = NULL;
    reply->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
    if (need == 0 || (buf = malloc(need)) == NULL)
        return DAEMON_ENOMEM;
    if (json_dumpb(body, buf, need, flags) != need) {
        wipe_free(buf, need);
        return DAEMON_ENOMEM;
    }
    reply->status = status;
    reply->content_type = "application/json";
    reply->body = buf;
    reply->body_len = need;
    return DAEMON_OK;
}

void
http_reply_error(struct http_reply *reply, int status, const char *code, const char *fmt, ...)
{
    char message[512];
    json_t *body;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    http_utf8_clean(message);
    body = json_pack("{s:s,s:s}", "error", message, "code", code);
    if (body == NULL || http_reply_json(reply, status, body) != DAEMON_OK) {
        wipe_free(reply->body, reply->body_len);
        reply->body = NULL;
        reply->body_len = 0;
        reply->content_type = NULL;
    }
    reply->status = status;
    json_decref(body);
}

/* Queues reply (taking its body) on conn, with the headers every answer of batond carries (and,
 * in web mode, those that keep a browser from running or framing anything but the page). */
static enum MHD_Result
queue_reply(const struct http_server *s, struct MHD_Connection *conn, struct http_reply *reply)
{
    struct MHD_Response *resp = NULL;
    struct sent_body *sent = NULL;
    enum MHD_Result ret;
    int status = reply->status;

    if (status < 100 || status > 599) {
        http_reply_error(reply, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
                         "batond has no answer to this request (a bug: please report it)");
        status = reply->status;
    }
    if (reply->body != NULL && reply->body_len > 0) {
        sent = malloc(sizeof *sent);
        if (sent == NULL) {
            wipe_free(reply->body, reply->body_len);
            reply->body = NULL;
            reply->body_len = 0;
            return MHD_NO; /* out of memory: close the connection rather than answer wrongly */
        }
        sent->data = reply->body;
        sent->len = reply->body_len;
        resp = MHD_create_response_from_buffer_with_free_callback_cls(reply->body_len, reply->body,
                                                                      free_sent_body, sent);
        if (resp == NULL)
            free_sent_body(sent); /* not called by libmicrohttpd when it fails */
    } else {
        wipe_free(reply->body, reply->body_len);
        resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    }
    reply->body = NULL;
    reply->body_len = 0;
    if (resp == NULL)
        return MHD_NO; /* out of memory: close the connection */
    if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") != MHD_YES ||
        MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff") != MHD_YES ||
        (reply->content_type != NULL && MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                                                reply->content_type) != MHD_YES)) {
        MHD_destroy_response(resp);
        return MHD_NO;
    }
    if (s->mode == HTTP_MODE_WEB &&
        (MHD_add_response_header(resp, "Content-Security-Policy", HTTP_WEB_CSP) != MHD_YES ||
         MHD_add_response_header(resp, "X-Frame-Options", "DENY") != MHD_YES ||
         MHD_add_response_header(resp, "Referrer-Policy", "no-referrer") != MHD_YES ||
         MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin") != MHD_YES ||
         MHD_add_response_header(resp, "Cross-Origin-Resource-Policy", "same-origin") != MHD_YES)) {
        MHD_destroy_response(resp);
        return MHD_NO;
    }
    ret = MHD_queue_response(conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* Answers a request with an error without calling the handler (and without reading its body,
 * when this happens at the first call). */
static enum MHD_Result refuse(struct http_server *s, struct MHD_Connection *conn, struct call *c,
                              int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static enum MHD_Result
refuse(struct http_server *s, struct MHD_Connection *conn, struct call *c, int status,
       const char *code, const char *fmt, ...)
{
    struct http_reply reply = {0, NULL, NULL, 0};
    char message[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    atomic_fetch_add(&s->refused, 1);
    c->answered = 1;
    say(s, "http: refused %d %s from %s: %s", status, code,
        s->mode != HTTP_MODE_UNIX ? c->addr : "the admin socket", message);
    http_reply_error(&reply, status, code, "%s", message);
    return queue_reply(s, conn, &reply);
}

/* ---- who the client is ---- */

static void
client_addr(struct MHD_Connection *conn, char out[HTTP_ADDR_SIZE])
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char host[INET6_ADDRSTRLEN];
    const struct sockaddr *sa;

    snprintf(out, HTTP_ADDR_SIZE, "%s", "unknown address");
    if (ci == NULL || (sa = ci->client_addr) == NULL)
        return;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)(const void *)sa;
        if (inet_ntop(AF_INET, &a->sin_addr, host, sizeof host) != NULL)
            snprintf(out, HTTP_ADDR_SIZE, "%s:%u", host, (unsigned)ntohs(a->sin_port));
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)(const void *)sa;
        if (inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host) != NULL)
            snprintf(out, HTTP_ADDR_SIZE, "[%s]:%u", host, (unsigned)ntohs(a->sin6_port));
    }
}

/*
 * The key pin of the certificate the TLS client presented: 1 with pin filled, 0 when it presented
 * none, -1 when it cannot be computed. GnuTLS has checked during the handshake that the client
 * holds the certificate's private key (its CertificateVerify); who signed the certificate does not
 * matter, as peers trust keys from the signed directory, not a CA.
 */
/* A TLS connection's client certificate (DER) and its pin, kept for the connection's next
 * requests; looked at again only when the certificate's bytes differ. */
struct conn_pin {
    unsigned char *der;
    size_t der_len;
    char pin[HTTP_PIN_SIZE];
};

static int
client_pin(struct MHD_Connection *conn, char pin[HTTP_PIN_SIZE])
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    const union MHD_ConnectionInfo *sc =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct conn_pin *kept = sc != NULL ? sc->socket_context : NULL;
    gnutls_session_t session;
    const gnutls_datum_t *certs;
    gnutls_x509_crt_t crt = NULL;
    unsigned char id[64];
    size_t id_len = sizeof id;
    unsigned n = 0;
    int ret = -1;

    if (ci == NULL || ci->tls_session == NULL)
        return -1;
    session = (gnutls_session_t)ci->tls_session;
    certs = gnutls_certificate_get_peers(session, &n);
    if (certs == NULL || n == 0)
        return 0;
    if (gnutls_certificate_type_get2(session, GNUTLS_CTYPE_CLIENT) != GNUTLS_CRT_X509)
        return -1;
    if (kept != NULL && kept->der != NULL && kept->der_len == certs[0].size &&
        memcmp(kept->der, certs[0].data, certs[0].size) == 0) {
        memcpy(pin, kept->pin, HTTP_PIN_SIZE);
        return 1;
    }
    if (gnutls_x509_crt_init(&crt) < 0)
        return -1;
    if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) < 0 ||
        gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA256, id, &id_len) < 0 ||
        id_len != crypto_hash_sha256_BYTES)
        goto out;
    memcpy(pin, "sha256//", 8);
    sodium_bin2base64(pin + 8, HTTP_PIN_SIZE - 8, id, id_len, sodium_base64_VARIANT_ORIGINAL);
    ret = 1;
    if (kept != NULL) {
        free(kept->der);
        kept->der = malloc(certs[0].size);
        kept->der_len = kept->der != NULL ? certs[0].size : 0;
        if (kept->der != NULL)
            memcpy(kept->der, certs[0].data, certs[0].size);
        memcpy(kept->pin, pin, HTTP_PIN_SIZE);
    }
out:
    gnutls_x509_crt_deinit(crt);
    return ret;
}

/* The uid of the process at the other end of a Unix socket connection, or -1. */
static long
client_uid(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    struct ucred cred;
    socklen_t len = sizeof cred;

    if (ci == NULL || getsockopt(ci->connect_fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
        len != sizeof cred)
        return -1;
    return (long)cred.uid;
}

/* ---- the request's life ---- */

/* Called by libmicrohttpd with the request line's URI, before the headers: the request's state
 * starts here, so that the query is kept as it was sent. */
static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct http_server *s = cls;
    struct call *c = calloc(1, sizeof *c);
    const char *q = uri != NULL ? strchr(uri, '?') : NULL;

    (void)conn;
    atomic_fetch_add(&s->requests, 1);
    if (c == NULL)
        return NULL;
    c->uid = -1;
    c->query = strdup(q != NULL ? q + 1 : "");
    if (c->query == NULL) {
        free(c);
        return NULL;
    }
    return c;
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
    struct call *c = *con_cls;

    (void)cls;
    (void)conn;
    (void)toe;
    if (c == NULL)
        return;
    wipe_free(c->body, c->cap);
    free(c->query);
    free(c);
    *con_cls = NULL;
}

/*
 * A new TLS connection, before its handshake. The trust list set with MHD_OPTION_HTTPS_MEM_TRUST
 * makes libmicrohttpd ask for the client's certificate, and GnuTLS would name that list's CA (our
 * own certificate) in the request: a client that picks its certificate by the CAs named keeps a
 * peer's self-signed one back (libcurl with GnuTLS 3.7 sends it anyway), and every stranger would
 * be told the server's name. So no CA is named; the key pin decides, after the handshake. GnuTLS
 * itself does not judge the client's certificate (it is requested, not verified), except that the
 * client must prove it holds its key (CertificateVerify).
 */
static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
              enum MHD_ConnectionNotificationCode toe)
{
    struct http_server *s = cls;
    const union MHD_ConnectionInfo *ci;
    struct conn_pin *kept;

    if (s->mode != HTTP_MODE_TLS)
        return;
    if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        kept = *socket_context;
        if (kept != NULL)
            free(kept->der);
        free(kept);
        *socket_context = NULL;
        return;
    }
    if (toe != MHD_CONNECTION_NOTIFY_STARTED)
        return;
    *socket_context = calloc(1, sizeof(struct conn_pin)); /* NULL: the pin is not kept */
    ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (ci != NULL && ci->tls_session != NULL)
        gnutls_certificate_send_x509_rdn_sequence((gnutls_session_t)ci->tls_session, 1);
}

/* The first call for a request: the headers are in, the body is not read yet. Who the client is
 * and the declared length are checked here, so that a refused body is never read. */
static enum MHD_Result
first_call(struct http_server *s, struct MHD_Connection *conn, struct call *c)
{
    const char *cl;
    unsigned long long declared;
    char *end;
    int r;

    if (s->mode == HTTP_MODE_TLS) {
        client_addr(conn, c->addr);
        r = client_pin(conn, c->pin);
        if (r == 0)
            return refuse(s, conn, c, MHD_HTTP_FORBIDDEN, "no-client-certificate",
                          "no client certificate: a peer must present the TLS certificate whose "
                          "key the directory lists for it");
        if (r < 0)
            return refuse(s, conn, c, MHD_HTTP_FORBIDDEN, "bad-client-certificate",
                          "the client certificate could not be read");
        c->oin[0] = '\0';
        if (s->lookup(s->ctx, c->pin, c->oin) != 1 || c->oin[0] == '\0')
            return refuse(s, conn, c, MHD_HTTP_FORBIDDEN, "unknown-peer",
                          "the client certificate's key (%s) is not in the directory: this "
                          "server accepts only the organisations of the network",
                          c->pin);
        c->oin[HTTP_OIN_SIZE - 1] = '\0';
    } else if (s->mode == HTTP_MODE_WEB) {
        client_addr(conn, c->addr); /* who asks is the handler's to tell, from the token */
    } else {
        c->uid = client_uid(conn);
        if (c->uid < 0)
            return refuse(s, conn, c, MHD_HTTP_FORBIDDEN, "unknown-user",
                          "the user on the other end of the admin socket cannot be told");
    }
    cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl != NULL) {
        errno = 0;
        declared = strtoull(cl, &end, 10);
        if (cl[0] < '0' || cl[0] > '9' || *end != '\0' || errno != 0)
            return refuse(s, conn, c, MHD_HTTP_BAD_REQUEST, "bad-length",
                          "the Content-Length header is not a number");
        if (declared > s->max_body)
            return refuse(s, conn, c, MHD_HTTP_CONTENT_TOO_LARGE, "too-large",
                          "the body of %llu bytes exceeds the limit of %zu bytes", declared,
                          s->max_body);
    }
    return MHD_YES;
}

/* A piece of the body: kept while the total stays within the limit. Past it the body is
 * dropped and up to the limit again is read and thrown away, so that a client that declared no
 * length still gets its 413; a client that keeps sending after that is cut off. */
static enum MHD_Result
take_body(struct http_server *s, struct call *c, const char *data, size_t n)
{
    unsigned char *grown;
    size_t cap;

    atomic_fetch_add(&s->body_bytes, (unsigned long long)n);
    if (c->answered)
        return MHD_YES;
    if (c->too_big || n > s->max_body - c->len) {
        if (!c->too_big) {
            c->too_big = 1;
            c->drained = c->len;
            wipe_free(c->body, c->cap);
            c->body = NULL;
            c->len = c->cap = 0;
        }
        c->drained += n;
        if (c->drained > 2 * s->max_body) {
            say(s, "http: closed a connection that kept sending past twice the body limit");
            return MHD_NO;
        }
        return MHD_YES;
    }
    if (c->len + n + 1 > c->cap) {
        cap = c->cap != 0 ? c->cap : HTTP_BODY_FIRST;
        while (cap < c->len + n + 1)
            cap = cap > (s->max_body + 1) / 2 ? s->max_body + 1 : cap * 2;
        if (cap > s->max_body + 1)
            cap = s->max_body + 1;
        /* Not realloc: the old block would be freed unwiped. */
        grown = malloc(cap);
        if (grown == NULL)
            return MHD_NO;
        if (c->len > 0)
            memcpy(grown, c->body, c->len);
        wipe_free(c->body, c->cap);
        c->body = grown;
        c->cap = cap;
    }
    memcpy(c->body + c->len, data, n);
    c->len += n;
    return MHD_YES;
}

static enum MHD_Result
handle(struct http_server *s, struct MHD_Connection *conn, struct call *c, const char *url,
       const char *method)
{
    static const unsigned char empty[1] = {0};
    struct http_reply reply = {0, NULL, NULL, 0};
    struct http_request req;

    if (c->body != NULL)
        c->body[c->len] = '\0'; /* cap > len always: room was kept for it */
    req.method = method;
    req.path = url;
    req.query = c->query;
    req.peer_oin = s->mode == HTTP_MODE_TLS ? c->oin : NULL;
    req.peer_pin = s->mode == HTTP_MODE_TLS ? c->pin : NULL;
    req.peer_addr = s->mode != HTTP_MODE_UNIX ? c->addr : NULL;
    req.peer_uid = s->mode == HTTP_MODE_UNIX ? c->uid : -1;
    req.content_type =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    req.authorization =
        s->mode != HTTP_MODE_TLS
            ? MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION)
            : NULL;
    req.host = s->mode == HTTP_MODE_WEB
                   ? MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST)
                   : NULL;
    req.origin = s->mode == HTTP_MODE_WEB
                     ? MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ORIGIN)
                     : NULL;
    req.actor = NULL;
    req.body = c->body != NULL ? c->body : empty;
    req.body_len = c->len;
    atomic_fetch_add(&s->handled, 1);
    s->handler(s->ctx, &req, &reply);
    return queue_reply(s, conn, &reply);
}

static enum MHD_Result
on_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
          const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    struct http_server *s = cls;
    struct call *c = *con_cls;
    size_t n = *upload_data_size;

    (void)version;
    if (c == NULL)
        return MHD_NO; /* on_uri found no memory: close the connection */
    if (!c->started) {
        c->started = 1;
        return first_call(s, conn, c);
    }
    if (n != 0) {
        *upload_data_size = 0;
        return take_body(s, c, upload_data, n);
    }
    if (c->answered)
        return MHD_YES;
    if (c->too_big)
        return refuse(s, conn, c, MHD_HTTP_CONTENT_TOO_LARGE, "too-large",
                      "the body exceeds the limit of %zu bytes", s->max_body);
    return handle(s, conn, c, url, method);
}

/* ---- listening sockets ---- */

static enum daemon_status
tcp_listen(const char *listen_at, int loopback_only, int *fd_out, unsigned *port_out,
           struct daemon_err *err)
{
    char host[INET6_ADDRSTRLEN + 1];
    const char *colon, *p;
    struct sockaddr_storage ss;
    struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
    socklen_t sl;
    unsigned long port = 0;
    size_t host_len;
    int family, fd = -1, on = 1;

    if (listen_at == NULL || listen_at[0] == '\0')
        return daemon_fail(err, DAEMON_ECONFIG,
                           "no listen address: give ADDRESS:PORT, e.g. "
                           "127.0.0.1:8443 or [::1]:8443");
    if (listen_at[0] == '[') {
        colon = strstr(listen_at, "]:");
        family = AF_INET6;
        p = listen_at + 1;
        host_len = colon != NULL ? (size_t)(colon - p) : 0;
        colon = colon != NULL ? colon + 1 : NULL;
    } else {
        colon = strrchr(listen_at, ':');
        family = AF_INET;
        p = listen_at;
        host_len = colon != NULL ? (size_t)(colon - p) : 0;
    }
    if (colon == NULL || host_len == 0 || host_len >= sizeof host || colon[1] == '\0' ||
        strlen(colon + 1) > 5 || strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
        (port = strtoul(colon + 1, NULL, 10)) > 65535)
        return daemon_fail(err, DAEMON_ECONFIG,
                           "listen address \"%s\" is not ADDRESS:PORT with a port from 0 to 65535 "
                           "(e.g. 127.0.0.1:8443, [::1]:8443 or 0.0.0.0:8443)",
                           listen_at);
    memcpy(host, p, host_len);
    host[host_len] = '\0';
    memset(&ss, 0, sizeof ss);
    if (family == AF_INET6) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
            return daemon_fail(err, DAEMON_ECONFIG,
                               "listen address \"%s\": \"%s\" is not an IPv6 address", listen_at,
                               host);
        sl = sizeof *a6;
    } else {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
            return daemon_fail(err, DAEMON_ECONFIG,
                               "listen address \"%s\": \"%s\" is not an IPv4 address (host names "
                               "are not looked up; IPv6 goes in brackets)",
                               listen_at, host);
        sl = sizeof *a4;
    }
    /* The web page has no TLS and trusts whoever holds a token: only this machine may reach it. */
    if (loopback_only && (family == AF_INET6 ? !IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr)
                                             : (ntohl(a4->sin_addr.s_addr) >> 24) != 127))
        return daemon_fail(err, DAEMON_ECONFIG,
                           "listen address \"%s\" is not a loopback address (127.0.0.1 or [::1]): "
                           "the web page is served to this machine only",
                           listen_at);
    fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return daemon_fail(err, DAEMON_EIO, "cannot make a socket for %s: %s", listen_at,
                           strerror(errno));
    /* A restart must not wait for the old connections' TIME_WAIT; and "[::]" means IPv6 only. */
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
        (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) != 0) ||
        bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, HTTP_BACKLOG) != 0) {
        int e = errno;
        close(fd);
        return daemon_fail(err, DAEMON_EIO, "cannot listen on %s: %s%s", listen_at, strerror(e),
                           e == EADDRINUSE ? " (another program, or another batond, has it)" : "");
    }
    sl = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
        int e = errno;
        close(fd);
        return daemon_fail(err, DAEMON_EIO, "cannot tell the port of %s: %s", listen_at,
                           strerror(e));
    }
    *port_out = ntohs(family == AF_INET6 ? a6->sin6_port : a4->sin_port);
    *fd_out = fd;
    return DAEMON_OK;
}

static enum daemon_status
group_id(const char *name, gid_t *gid, struct daemon_err *err)
{
    struct group gr, *found = NULL;
    char *buf = malloc(HTTP_GROUP_BUF);
    int r;

    if (buf == NULL)
        return daemon_fail(err, DAEMON_ENOMEM, "out of memory looking up group %s", name);
    r = getgrnam_r(name, &gr, buf, HTTP_GROUP_BUF, &found);
    if (r == 0 && found != NULL)
        *gid = found->gr_gid;
    free(buf);
    if (r != 0)
        return daemon_fail(err, DAEMON_EIO, "cannot look up group %s: %s", name, strerror(r));
    if (found == NULL)
        return daemon_fail(err, DAEMON_ECONFIG, "admin socket group %s does not exist", name);
    return DAEMON_OK;
}

/* Removes a socket file at path that nothing answers on; refuses to touch anything else. */
static enum daemon_status
clear_stale(const struct sockaddr_un *sa, struct daemon_err *err)
{
    struct stat st;
    int fd, r, e;

    if (lstat(sa->sun_path, &st) != 0) {
        if (errno == ENOENT)
            return DAEMON_OK;
        return daemon_fail(err, DAEMON_EIO, "cannot check %s: %s", sa->sun_path, strerror(errno));
    }
    if (!S_ISSOCK(st.st_mode))
        return daemon_fail(err, DAEMON_EIO,
                           "%s exists and is not a socket: remove it or choose another "
                           "admin socket path",
                           sa->sun_path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return daemon_fail(err, DAEMON_EIO, "cannot make a socket: %s", strerror(errno));
    r = connect(fd, (const struct sockaddr *)sa, sizeof *sa);
    e = errno;
    close(fd);
    if (r == 0)
        return daemon_fail(err, DAEMON_EIO,
                           "another server answers on %s (is batond running already?): stop it "
                           "or choose another admin socket path",
                           sa->sun_path);
    if (e != ECONNREFUSED)
        return daemon_fail(err, DAEMON_EIO, "cannot check whether a server answers on %s: %s",
                           sa->sun_path, strerror(e));
    /* Left by a server that did not stop cleanly. */
    if (unlink(sa->sun_path) != 0 && errno != ENOENT)
        return daemon_fail(err, DAEMON_EIO, "cannot remove the stale socket %s: %s", sa->sun_path,
                           strerror(errno));
    return DAEMON_OK;
}

static enum daemon_status
unix_listen(const struct http_opts *o, struct http_server *s, struct daemon_err *err)
{
    const unsigned mode = o->socket_mode != 0 ? o->socket_mode : HTTP_DEFAULT_SOCKET_MODE;
    const char *path = o->socket_path;
    enum daemon_status st;
    struct sockaddr_un sa;
    struct stat sb;
    gid_t gid = (gid_t)-1;
    int fd = -1, bound = 0;

    if (path == NULL || path[0] == '\0')
        return daemon_fail(err, DAEMON_ECONFIG, "no admin socket path");
    if (strlen(path) >= sizeof sa.sun_path)
        return daemon_fail(err, DAEMON_ECONFIG,
                           "admin socket path %s is longer than the %zu bytes a Unix socket "
                           "path may have",
                           path, sizeof sa.sun_path - 1);
    if ((mode & ~0777u) != 0)
        return daemon_fail(err, DAEMON_ECONFIG,
                           "admin socket mode %o has bits other than permissions (0 to 0777)",
                           mode);
    if (o->socket_group != NULL && o->socket_group[0] != '\0') {
        st = group_id(o->socket_group, &gid, err);
        if (st != DAEMON_OK)
            return st;
    }
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    st = clear_stale(&sa, err);
    if (st != DAEMON_OK)
        return st;
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return daemon_fail(err, DAEMON_EIO, "cannot make a socket: %s", strerror(errno));
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        st = daemon_fail(err, DAEMON_EIO, "cannot make the admin socket %s: %s", path,
                         strerror(errno));
        goto out;
    }
    bound = 1;
    /* Owner, group and mode are set before listen(): until then nobody can connect. */
    if (gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) != 0) {
        st = daemon_fail(err, DAEMON_EIO, "cannot give the admin socket %s to group %s: %s", path,
                         o->socket_group, strerror(errno));
        goto out;
    }
    if (chmod(path, (mode_t)mode) != 0 || lstat(path, &sb) != 0) {
        st = daemon_fail(err, DAEMON_EIO, "cannot set the mode of the admin socket %s: %s", path,
                         strerror(errno));
        goto out;
    }
    if (listen(fd, HTTP_BACKLOG) != 0) {
        st = daemon_fail(err, DAEMON_EIO, "cannot listen on %s: %s", path, strerror(errno));
        goto out;
    }
    s->socket_path = strdup(path);
    if (s->socket_path == NULL) {
        st = daemon_fail(err, DAEMON_ENOMEM, "out of memory");
        goto out;
    }
    s->sock_dev = sb.st_dev;
    s->sock_ino = sb.st_ino;
    s->fd = fd;
    fd = -1;
    st = DAEMON_OK;
out:
    if (fd >= 0) {
        close(fd);
        if (bound)
            unlink(path);
    }
    return st;
}

/* The certificate and the key checked before libmicrohttpd gets them (it would only say
 * "failed"): both must parse, and the key must be the certificate's. GnuTLS's own loading does not
 * catch an Ed25519 key that belongs to another certificate; the handshakes would fail later. */
static enum daemon_status
check_tls_pair(const char *cert, const char *key, struct daemon_err *err)
{
    enum daemon_status st = DAEMON_ETLS;
    gnutls_x509_crt_t crt = NULL;
    gnutls_privkey_t priv = NULL;
    gnutls_pubkey_t pub = NULL;
    gnutls_datum_t c, k;
    unsigned char cid[64], kid[64];
    size_t cid_len = sizeof cid, kid_len = sizeof kid;
    int ret;

    if (cert == NULL || key == NULL)
        return daemon_fail(err, DAEMON_EINVAL, "http_start: TLS mode without certificate or key");
    c.data = (unsigned char *)(uintptr_t)cert;
    c.size = (unsigned)strlen(cert);
    k.data = (unsigned char *)(uintptr_t)key;
    k.size = (unsigned)strlen(key);
    if ((ret = gnutls_x509_crt_init(&crt)) < 0 || (ret = gnutls_privkey_init(&priv)) < 0 ||
        (ret = gnutls_pubkey_init(&pub)) < 0) {
        st = daemon_fail(err, DAEMON_ENOMEM, "GnuTLS: %s", gnutls_strerror(ret));
        goto out;
    }
    if ((ret = gnutls_x509_crt_import(crt, &c, GNUTLS_X509_FMT_PEM)) < 0 ||
        (ret = gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA256, cid, &cid_len)) < 0) {
        st = daemon_fail(err, DAEMON_ETLS, "the TLS certificate is not usable: %s",
                         gnutls_strerror(ret));
        goto out;
    }
    if ((ret = gnutls_privkey_import_x509_raw(priv, &k, GNUTLS_X509_FMT_PEM, NULL, 0)) < 0 ||
        (ret = gnutls_pubkey_import_privkey(pub, priv, 0, 0)) < 0 ||
        (ret = gnutls_pubkey_get_key_id(pub, GNUTLS_KEYID_USE_SHA256, kid, &kid_len)) < 0) {
        st = daemon_fail(err, DAEMON_ETLS, "the TLS private key is not usable: %s",
                         gnutls_strerror(ret));
        goto out;
    }
    if (cid_len != kid_len || memcmp(cid, kid, cid_len) != 0) {
        st = daemon_fail(err, DAEMON_ETLS,
                         "the TLS certificate and key do not belong together: the key is not "
                         "the certificate's");
        goto out;
    }
    st = DAEMON_OK;
out:
    gnutls_pubkey_deinit(pub);
    gnutls_privkey_deinit(priv); /* wipes GnuTLS's copy of the key */
    gnutls_x509_crt_deinit(crt);
    return st;
}

/* Closes fd if it is still the descriptor of the socket of inode ino (libmicrohttpd closes the
 * listening socket it was given on some of its failures and not on others). */
static void
close_if_socket(int fd, ino_t ino)
{
    struct stat sb;

    if (fd >= 0 && fstat(fd, &sb) == 0 && S_ISSOCK(sb.st_mode) && sb.st_ino == ino)
        close(fd);
}

static void
server_free(struct http_server *s)
{
    struct stat sb;

    if (s == NULL)
        return;
    if (s->fd >= 0)
        close(s->fd);
    if (s->socket_path != NULL) {
        /* Only the file this server made: another server may have replaced it since. */
        if (lstat(s->socket_path, &sb) == 0 && S_ISSOCK(sb.st_mode) && sb.st_dev == s->sock_dev &&
            sb.st_ino == s->sock_ino)
            unlink(s->socket_path);
        free(s->socket_path);
    }
    free(s);
}

enum daemon_status
http_start(const struct http_opts *o, struct http_server **out, struct daemon_err *err)
{
    struct MHD_OptionItem tls_opts[6];
    struct http_server *s = NULL;
    enum daemon_status st;
    unsigned flags;
    struct stat sb;
    int mhd_fd = -1;
    size_t i = 0;

    if (o == NULL || out == NULL || o->handler == NULL ||
        (o->mode != HTTP_MODE_TLS && o->mode != HTTP_MODE_UNIX && o->mode != HTTP_MODE_WEB) ||
        (o->mode == HTTP_MODE_TLS && o->lookup == NULL))
        return daemon_fail(err, DAEMON_EINVAL, "http_start: missing mode, handler or lookup");
    if (o->mode == HTTP_MODE_TLS) {
        st = check_tls_pair(o->cert_pem, o->key_pem, err);
        if (st != DAEMON_OK)
            return st;
    }
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return daemon_fail(err, DAEMON_ENOMEM, "out of memory");
    s->fd = -1;
    s->mode = o->mode;
    s->handler = o->handler;
    s->lookup = o->lookup;
    s->log = o->log;
    s->ctx = o->ctx;
    s->max_body = o->max_body != 0 ? o->max_body : HTTP_DEFAULT_MAX_BODY;
    atomic_init(&s->requests, 0);
    atomic_init(&s->refused, 0);
    atomic_init(&s->handled, 0);
    atomic_init(&s->body_bytes, 0);
    if (s->max_body > SIZE_MAX / 4) {
        st = daemon_fail(err, DAEMON_ECONFIG, "body limit of %zu bytes is too large", s->max_body);
        goto fail;
    }
    st = o->mode != HTTP_MODE_UNIX
             ? tcp_listen(o->listen, o->mode == HTTP_MODE_WEB, &s->fd, &s->port, err)
             : unix_listen(o, s, err);
    if (st != DAEMON_OK)
        goto fail;
    if (fstat(s->fd, &sb) != 0 || (mhd_fd = fcntl(s->fd, F_DUPFD_CLOEXEC, 0)) < 0) {
        st = daemon_fail(err, DAEMON_EIO, "cannot pass on the listening socket: %s",
                         strerror(errno));
        goto fail;
    }
    flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ITC |
            MHD_USE_ERROR_LOG;
    if (o->mode == HTTP_MODE_TLS) {
        flags |= MHD_USE_TLS;
        /* The keys are copied into GnuTLS credentials by MHD_start_daemon. */
        tls_opts[i++] =
            (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)(uintptr_t)o->cert_pem};
        tls_opts[i++] =
            (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)(uintptr_t)o->key_pem};
        /* Any certificate will do as trust: it only makes the server ask for the client's. */
        tls_opts[i++] =
            (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_TRUST, 0, (void *)(uintptr_t)o->cert_pem};
        tls_opts[i++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0,
                                                (void *)(uintptr_t)HTTP_TLS_PRIORITIES};
        if (o->max_per_ip != 0)
            tls_opts[i++] = (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT,
                                                    (intptr_t)o->max_per_ip, NULL};
    }
    tls_opts[i] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    s->mhd = MHD_start_daemon(
        flags, 0, NULL, NULL, &on_access, s, MHD_OPTION_EXTERNAL_LOGGER, &on_mhd_log, s,
        MHD_OPTION_LISTEN_SOCKET, (MHD_socket)mhd_fd, MHD_OPTION_URI_LOG_CALLBACK, &on_uri, s,
        MHD_OPTION_NOTIFY_COMPLETED, &on_completed, s, MHD_OPTION_NOTIFY_CONNECTION, &on_connection,
        s, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)(o->timeout_s != 0 ? o->timeout_s : HTTP_DEFAULT_TIMEOUT_S),
        MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)(o->max_connections != 0 ? o->max_connections : HTTP_DEFAULT_MAX_CONNECTIONS),
        MHD_OPTION_STRICT_FOR_CLIENT, (int)1, MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
    if (s->mhd == NULL) {
        close_if_socket(mhd_fd, sb.st_ino);
        st = daemon_fail(err, o->mode == HTTP_MODE_TLS ? DAEMON_ETLS : DAEMON_EIO,
                         "libmicrohttpd could not start the server on %s (see its log lines)",
                         o->mode != HTTP_MODE_UNIX ? o->listen : o->socket_path);
        goto fail;
    }
    *out = s;
    return DAEMON_OK;
fail:
    server_free(s);
    return st;
}

unsigned
http_port(const struct http_server *s)
{
    return s != NULL && s->mode != HTTP_MODE_UNIX ? s->port : 0;
}

void
http_get_stats(const struct http_server *s, struct http_stats *out)
{
    out->requests = atomic_load(&s->requests);
    out->refused = atomic_load(&s->refused);
    out->handled = atomic_load(&s->handled);
    out->body_bytes = atomic_load(&s->body_bytes);
}

void
http_stop(struct http_server *s)
{
    if (s == NULL)
        return;
    if (s->mhd != NULL)
        MHD_stop_daemon(s->mhd);
    server_free(s);
}
