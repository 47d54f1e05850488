/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * batond's HTTP server (internal to daemon/): libmicrohttpd in one of three modes, HTTPS with
 * mutual TLS for the peer endpoint (a client whose certificate key is not in the directory is
 * refused before its body is read), plain HTTP on a Unix socket for the admin API (the client's uid
 * from SO_PEERCRED) and plain HTTP on a loopback TCP address for the web page (who the client is
 * comes from its bearer token only). Bodies are limited and collected; the handler sees each
 * request once, whole.
 */
#ifndef BATON_DAEMON_HTTP_H
#define BATON_DAEMON_HTTP_H

#include <stddef.h>

#include <jansson.h>

#include "daemon.h"

#define HTTP_DEFAULT_MAX_BODY ((size_t)1 << 20) /* 1 MiB: a sealed form is a few KiB */
#define HTTP_DEFAULT_TIMEOUT_S 30u              /* idle seconds before a connection is closed */
#define HTTP_DEFAULT_MAX_CONNECTIONS 256u       /* one thread each (see http.c) */
#define HTTP_DEFAULT_SOCKET_MODE 0660u          /* owner and group may use the admin socket */
#define HTTP_OIN_SIZE 64                        /* room for an OIN (20 digits) and its NUL */

enum http_mode {
    HTTP_MODE_TLS = 1,  /* HTTPS with mutual TLS on a TCP address */
    HTTP_MODE_UNIX = 2, /* plain HTTP on a Unix socket */
    HTTP_MODE_WEB = 3,  /* plain HTTP on a loopback TCP address (127.0.0.0/8 or ::1) */
};

/* Headers every answer of a web mode server carries besides Cache-Control: no-store: scripts,
 * styles and everything else from the page's own origin only, nothing inline, never framed. */
#define HTTP_WEB_CSP                                                                               \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src "        \
    "'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

/* One request, whole. Every pointer is borrowed and valid only during the handler's call. */
struct http_request {
    const char *method;    /* "GET", "POST", ... */
    const char *path;      /* percent-decoded by libmicrohttpd, without the query */
    const char *query;     /* what followed '?', as sent (not decoded); "" when there was none */
    const char *peer_oin;  /* TLS mode: the organisation the lookup named; NULL in Unix mode */
    const char *peer_pin;  /* TLS mode: "sha256//..." of the client certificate; NULL otherwise */
    const char *peer_addr; /* TLS and web mode: "ADDRESS:PORT" of the client, for logs; NULL
                              otherwise */
    long peer_uid;         /* Unix mode: the client's uid (SO_PEERCRED); -1 in the other modes */
    const char *content_type;  /* the Content-Type header; NULL when absent */
    const char *authorization; /* Unix and web mode: the Authorization header; NULL when absent
                                  or TLS */
    const char *actor; /* admin API: who asked, in which role, for the audit (daemon/roles.h);
                          NULL from the server */
    const unsigned char *body; /* body_len bytes, followed by a NUL not counted in body_len */
    size_t body_len;
    const char *host;   /* web mode: the Host header; NULL when absent or in the other modes */
    const char *origin; /* web mode: the Origin header; NULL when absent or in the other modes */
};

/*
 * What the handler answers. It starts as {0, NULL, NULL, 0}; the handler sets status (an HTTP
 * status; 0 is answered as 500), content_type (static storage, e.g. a string literal; NULL sends
 * none) and body (malloc'd; the server takes it, wipes it when sent, frees it) of body_len bytes.
 * The http_reply_* helpers below fill it.
 */
struct http_reply {
    int status;
    const char *content_type;
    char *body;
    size_t body_len;
};

/* Handles a request that passed the checks (peer known, body within the limit). Called from the
 * connection's own thread: several calls may run at once. ctx is http_opts.ctx. */
typedef void (*http_handler)(void *ctx, const struct http_request *req, struct http_reply *reply);

/* TLS mode: is the client certificate key pin ("sha256//<base64>") one of a known organisation?
 * Returns 1 and copies its OIN (NUL-terminated) into oin, or 0 for a stranger. Called from
 * connection threads, several at once. */
typedef int (*http_peer_lookup)(void *ctx, const char *pin, char oin[HTTP_OIN_SIZE]);

/* One line for the daemon's log, without a newline: refusals (with the peer, never a body) and
 * what libmicrohttpd reports. Called from any of the server's threads. */
typedef void (*http_log_fn)(void *ctx, const char *line);

struct http_opts {
    enum http_mode mode;

    /* HTTP_MODE_TLS and HTTP_MODE_WEB */
    const char *listen;   /* "127.0.0.1:8443", "[::1]:8443", "0.0.0.0:0": a numeric address; port
                             0 picks a free port (http_port tells which). Web mode: a loopback
                             address only */
    const char *cert_pem; /* the server's certificate, PEM */
    const char *key_pem;  /* its private key, PEM (keys_keystore_tls_key_pem); GnuTLS copies it
                             during http_start, so the caller may wipe and free it on return */
    http_peer_lookup lookup;
    unsigned max_per_ip; /* connections from one address; 0: no limit of its own */

    /* HTTP_MODE_UNIX */
    const char *socket_path;  /* up to 107 bytes */
    unsigned socket_mode;     /* permission bits; 0: HTTP_DEFAULT_SOCKET_MODE */
    const char *socket_group; /* group name to give the socket to; NULL or "": the caller's */

    /* both: 0 means the default */
    size_t max_body;          /* bytes; larger bodies are answered 413 */
    unsigned timeout_s;       /* idle seconds (also during the TLS handshake) */
    unsigned max_connections; /* at once; more are closed as they arrive */

    http_handler handler;
    http_log_fn log; /* NULL: nothing is logged */
    void *ctx;       /* passed to handler, lookup and log */
};

struct http_server;

/*
 * Starts a server as o says, with its own threads, and returns at once. Strings in o are read
 * during the call only; o->ctx must stay valid until http_stop. Refusals (nothing left running or
 * bound): DAEMON_EINVAL for a missing handler, lookup or mode; DAEMON_ECONFIG for a listen address
 * that is not "ADDRESS:PORT" (or, in web mode, not a loopback address), an unknown group or a
 * socket path that is too long; DAEMON_ETLS for
 * a certificate or key GnuTLS refuses; DAEMON_EIO when the address is in use, another server
 * answers on the socket path (it is not taken over), the path is something else than a socket, or
 * the system refuses. A socket file that nothing answers on (left by a crash) is replaced.
 * On error *out is untouched.
 */
enum daemon_status http_start(const struct http_opts *o, struct http_server **out,
                              struct daemon_err *err);

/* The TCP port the server listens on (the one picked for port 0); 0 in Unix mode. */
unsigned http_port(const struct http_server *s);

/* What the server has done since it started; the counters only grow. */
struct http_stats {
    unsigned long requests;        /* requests whose headers were read */
    unsigned long refused;         /* answered 403 or 413 without calling the handler */
    unsigned long handled;         /* passed to the handler */
    unsigned long long body_bytes; /* request body bytes read (of refused requests too) */
};
void http_get_stats(const struct http_server *s, struct http_stats *out);

/*
 * Stops accepting, closes every connection, waits for running handlers to return, removes the
 * Unix socket file (when it is still the one this server made) and frees s. NULL is allowed.
 */
void http_stop(struct http_server *s);

/* ---- helpers for handlers ---- */

/*
 * Makes s valid UTF-8 in place, so that jansson takes it: a byte that does not start or continue a
 * well-formed sequence (RFC 3629) becomes '?', and a sequence cut at the end (vsnprintf stops at
 * the buffer's size, and messages may quote what a peer sent) is dropped.
 */
void http_utf8_clean(char *s);

/* status with body as compact JSON ("application/json"); body is borrowed. DAEMON_ENOMEM (and
 * reply set to a 500 without body) when it cannot be serialized. */
enum daemon_status http_reply_json(struct http_reply *reply, int status, const json_t *body);

/* status with the error body {"error": <the formatted message>, "code": code}, the one shape
 * every refusal of batond has. Never fails (without memory the body stays empty). */
void http_reply_error(struct http_reply *reply, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* status with a copy of len bytes of data as content_type (static storage). DAEMON_ENOMEM (and
 * a 500 without body) when out of memory. */
enum daemon_status http_reply_bytes(struct http_reply *reply, int status, const char *content_type,
                                    const void *data, size_t len);

#endif
