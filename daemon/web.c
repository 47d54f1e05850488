/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * The web page's listener: the static page, the admin API under /api/v1/ for a valid bearer token
 * only (the same handler, permission table and audit as the admin socket), and the token-free
 * operational figures. It guards what a browser on the same machine can be made to do by other
 * pages: the Host header must name this listener (DNS rebinding), a POST must come from the page's
 * own origin, and every answer forbids framing and scripts from elsewhere (daemon/http.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metrics.h"
#include "roles.h"
#include "web.h"

/* "[ADDRESS]:PORT" or "localhost:PORT" and a NUL. */
#define WEB_HOST_MAX (CONFIG_HOST_MAX + 16)
/* Longest path of a request the page makes: /api/v1/ and an admin API path. */
#define WEB_PATH_MAX 512

struct core_web {
    struct http_server *server;
    unsigned port;
    char hosts[2][WEB_HOST_MAX]; /* the Host values a request may carry */
    char root[CONFIG_PATH_MAX];
    /* web_root, opened at start while batond may still be root: the files are opened from it,
     * so that the folders above it need not be open to the user batond drops to. */
    int root_fd;
};

/* The files of the page by how their names end, and what they are. */
static const struct {
    const char *ext;
    const char *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".txt", "text/plain; charset=utf-8"},
};

/* The configured address with the port it got, and localhost with that port. */
static void
set_hosts(struct core_web *w, const char *listen, unsigned port)
{
    const char *colon = strrchr(listen, ':');
    size_t hlen = colon != NULL ? (size_t)(colon - listen) : strlen(listen);

    snprintf(w->hosts[0], sizeof w->hosts[0], "%.*s:%u", (int)hlen, listen, port);
    snprintf(w->hosts[1], sizeof w->hosts[1], "localhost:%u", port);
}

enum daemon_status
core_web_start(struct daemon *d, struct daemon_err *err)
{
    struct http_opts o;
    struct core_web *w;
    enum daemon_status rc;
    char index[CONFIG_PATH_MAX + 16];
    struct stat sb;

    if (d->cfg->web_listen[0] == '\0')
        return DAEMON_OK;
    if (stat(d->cfg->web_root, &sb) != 0)
        return daemon_fail(err, DAEMON_ECONFIG,
                           "web_root %s: %s; name the folder of the web page's files (daemon/web "
                           "in the source tree)",
                           d->cfg->web_root, strerror(errno));
    if (!S_ISDIR(sb.st_mode))
        return daemon_fail(err, DAEMON_ECONFIG,
                           "web_root %s is not a folder; name the folder of the web page's files "
                           "(daemon/web in the source tree)",
                           d->cfg->web_root);
    snprintf(index, sizeof index, "%s/index.html", d->cfg->web_root);
    if (stat(index, &sb) != 0 || !S_ISREG(sb.st_mode))
        return daemon_fail(err, DAEMON_ECONFIG,
                           "web_root %s has no index.html: name the folder of the web page's "
                           "files (daemon/web in the source tree)",
                           d->cfg->web_root);
    w = calloc(1, sizeof *w);
    if (w == NULL)
        return daemon_fail(err, DAEMON_ENOMEM, "out of memory");
    snprintf(w->root, sizeof w->root, "%s", d->cfg->web_root);
    w->root_fd = open(w->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (w->root_fd < 0) {
        rc = daemon_fail(err, DAEMON_ECONFIG, "web_root %s cannot be opened: %s", w->root,
                         strerror(errno));
        free(w);
        return rc;
    }
    /* A form and the request around it, as on the admin socket. */
    o = core_http_opts(d, HTTP_MODE_WEB, core_web_handler, d->cfg->max_body + 64u * 1024u);
    o.listen = d->cfg->web_listen;
    d->web = w; /* before the first request can arrive */
    rc = http_start(&o, &w->server, err);
    if (rc != DAEMON_OK) {
        d->web = NULL;
        close(w->root_fd);
        free(w);
        return rc;
    }
    w->port = http_port(w->server);
    set_hosts(w, d->cfg->web_listen, w->port);
    core_log(d, CONFIG_LOG_INFO, "web", NULL, NULL, "web page on http://%s/ (files from %s)",
             w->hosts[0], w->root);
    return DAEMON_OK;
}

void
core_web_stop(struct daemon *d)
{
    if (d == NULL || d->web == NULL)
        return;
    http_stop(d->web->server);
    close(d->web->root_fd);
    free(d->web);
    d->web = NULL;
}

unsigned
core_web_port(const struct daemon *d)
{
    return d != NULL && d->web != NULL ? d->web->port : 0;
}

/* ---- what the listener refuses ---- */

static void
refuse(struct daemon *d, const struct http_request *req, struct http_reply *reply, int status,
       const char *code, const char *why)
{
    http_reply_error(reply, status, code, "%s", why);
    core_log(d, CONFIG_LOG_WARNING, "web-refused", NULL, NULL, "%s %.200s from %s: %s", req->method,
             req->path, req->peer_addr != NULL ? req->peer_addr : "?", why);
}

/* 1 when the Host header names this listener. A page from another site whose name an attacker
 * points at 127.0.0.1 (DNS rebinding) sends that name instead. */
static int
host_ok(const struct core_web *w, const char *host)
{
    return host != NULL &&
           (strcasecmp(host, w->hosts[0]) == 0 || strcasecmp(host, w->hosts[1]) == 0);
}

/* 1 when the Origin header is this listener's own ("http://" and the Host it was asked as). */
static int
origin_ok(const char *origin, const char *host)
{
    return origin != NULL && host != NULL && strncmp(origin, "http://", 7) == 0 &&
           strcasecmp(origin + 7, host) == 0;
}

/* ---- the token-free figures ---- */

static void
figures(struct daemon *d, const char *path, struct http_reply *reply)
{
    char why[512] = "";
    char *text = NULL;
    size_t len = 0;

    if (strcmp(path, "/metrics") == 0) {
        if (metrics_render(d, &text, &len) != 0) {
            http_reply_error(reply, 500, "no-memory", "the figures could not be made");
            return;
        }
        reply->status = 200;
        reply->content_type = "text/plain; version=0.0.4; charset=utf-8";
        reply->body = text;
        reply->body_len = len;
    } else if (strcmp(path, "/health/live") == 0) {
        if (metrics_live(d))
            http_reply_bytes(reply, 200, "text/plain; charset=utf-8", "ok\n", 3);
        else
            http_reply_bytes(reply, 503, "text/plain; charset=utf-8", "not live\n", 9);
    } else {
        if (metrics_ready(d, why, sizeof why)) {
            http_reply_bytes(reply, 200, "text/plain; charset=utf-8", "ok\n", 3);
        } else {
            size_t n = strlen(why);

            if (n + 1 < sizeof why)
                why[n++] = '\n';
            http_reply_bytes(reply, 503, "text/plain; charset=utf-8", why, n);
        }
    }
}

/* ---- the page's files ---- */

static const char *
type_of(const char *name)
{
    size_t n = strlen(name), i, e;

    for (i = 0; i < sizeof types / sizeof types[0]; i++) {
        e = strlen(types[i].ext);
        if (n > e && strcmp(name + n - e, types[i].ext) == 0)
            return types[i].type;
    }
    return NULL;
}

/* 1 for a file name of the page: letters, digits, '.', '_', '-', not starting with '.'. */
static int
good_name(const char *s)
{
    size_t i;

    if (s[0] == '\0' || s[0] == '.' || strlen(s) > 64)
        return 0;
    for (i = 0; s[i] != '\0'; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' || s[i] == '-'))
            return 0;
    return 1;
}

static void
static_file(struct daemon *d, const char *path, struct http_reply *reply)
{
    const char *name = strcmp(path, "/") == 0 ? "index.html" : path + 1;
    const char *type = type_of(name);
    char full[CONFIG_PATH_MAX + 80];
    struct stat sb;
    char *buf = NULL;
    size_t got = 0;
    ssize_t n;
    int fd;

    if (path[0] != '/' || !good_name(name) || type == NULL) {
        http_reply_error(reply, 404, "not-found", "no such page: %.200s", path);
        return;
    }
    snprintf(full, sizeof full, "%s/%s", d->web->root, name);
    /* name is a plain file name (good_name): it stays in web_root. */
    fd = openat(d->web->root_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        http_reply_error(reply, 404, "not-found", "no such page: %.200s", path);
        return;
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || (size_t)sb.st_size > WEB_FILE_MAX) {
        close(fd);
        http_reply_error(reply, 404, "not-found", "no such page: %.200s", path);
        return;
    }
    buf = malloc((size_t)sb.st_size + 1);
    if (buf == NULL) {
        close(fd);
        http_reply_error(reply, 500, "no-memory", "out of memory");
        return;
    }
    while (got < (size_t)sb.st_size) {
        n = read(fd, buf + got, (size_t)sb.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (got != (size_t)sb.st_size) {
        free(buf);
        core_log(d, CONFIG_LOG_ERROR, "web", NULL, NULL, "cannot read %s", full);
        http_reply_error(reply, 500, "io", "the page's file %s could not be read", name);
        return;
    }
    buf[got] = '\0';
    reply->status = 200;
    reply->content_type = type;
    reply->body = buf;
    reply->body_len = got;
}

/* ---- who is logged in, and the admin API ---- */

/* Without a tokens file nobody can log in; the listener still answers /metrics and /health. */
#define WEB_NO_TOKENS                                                                              \
    "nobody can log in here: this batond has no tokens (set \"tokens\" in batond.conf to give "    \
    "people a login token for the web page); /metrics and /health answer without one"

static void
session(struct daemon *d, const struct http_request *req, struct http_reply *reply)
{
    char name[ROLES_NAME_MAX + 1];
    unsigned role = 0;
    json_t *j;

    if (d->cfg->tokens[0] == '\0') {
        http_reply_error(reply, 401, "login", WEB_NO_TOKENS);
        return;
    }
    if (!roles_token_known(d->roles, req->authorization, name, &role)) {
        http_reply_error(reply, 401, "login", "this token is not one of this batond's tokens");
        core_log(d, CONFIG_LOG_WARNING, "web-refused", NULL, NULL, "login from %s refused",
                 req->peer_addr != NULL ? req->peer_addr : "?");
        return;
    }
    j = json_pack("{s:s, s:s, s:{s:s, s:s, s:s}}", "name", name, "role", roles_name(role),
                  "organisation", "oin", d->me->oin, "name", d->me->name, "role", d->me->role);
    if (j == NULL || http_reply_json(reply, 200, j) != DAEMON_OK)
        http_reply_error(reply, 500, "no-memory", "out of memory");
    json_decref(j);
}

static void
api(struct daemon *d, const struct http_request *req, struct http_reply *reply)
{
    char path[WEB_PATH_MAX], name[ROLES_NAME_MAX + 1];
    struct http_request as = *req;
    unsigned role = 0;

    /* No token, no admin API: there is no uid on a TCP connection to fall back on. */
    if (!roles_token_known(d->roles, req->authorization, name, &role)) {
        http_reply_error(reply, 401, "login",
                         d->cfg->tokens[0] == '\0'
                             ? WEB_NO_TOKENS
                             : "log in with your token: every request of the API needs "
                               "\"Authorization: Bearer TOKEN\" with a token of this batond");
        core_log(d, CONFIG_LOG_WARNING, "refused-login", NULL, NULL, "web %s %.200s from %s: %s",
                 req->method, req->path, req->peer_addr != NULL ? req->peer_addr : "?",
                 req->authorization == NULL ? "no token" : "not a valid token");
        core_audit_about(d, time(NULL), "refused-login", NULL, NULL, NULL,
                         req->authorization == NULL ? "web, no token" : "web, unknown token",
                         "%s %.200s refused: %s", req->method, req->path + 4,
                         req->authorization == NULL ? "no token" : "not a valid token");
        return;
    }
    if (snprintf(path, sizeof path, "%s", req->path + 4) >= (int)sizeof path) {
        http_reply_error(reply, 404, "not-found", "no such request");
        return;
    }
    as.path = path;     /* /api/v1/... is /v1/... of the admin API */
    as.peer_uid = -1;   /* never a local user: the token decides */
    as.peer_oin = NULL; /* nor a peer */
    as.peer_pin = NULL;
    as.actor = NULL;
    core_admin_handler(d, &as, reply);
}

void
core_web_handler(void *ctx, const struct http_request *req, struct http_reply *reply)
{
    struct daemon *d = ctx;
    const int get = strcmp(req->method, "GET") == 0, post = strcmp(req->method, "POST") == 0;
    const char *path = req->path;

    if (d->web == NULL) {
        http_reply_error(reply, 503, "starting", "batond is starting");
        return;
    }
    if (!host_ok(d->web, req->host)) {
        refuse(d, req, reply, 421, "host",
               "the Host header does not name this web page's address; open the page as "
               "http://127.0.0.1:PORT/ or http://localhost:PORT/");
        return;
    }
    if (!get && !post) {
        refuse(d, req, reply, 405, "method", "the web page answers GET and POST only");
        return;
    }
    /* A page elsewhere may make the browser post here; only the page itself may. */
    if (post && !origin_ok(req->origin, req->host)) {
        refuse(d, req, reply, 403, "origin",
               "a POST must come from this web page itself (its Origin header is missing or "
               "names another site)");
        return;
    }
    if (get && (strcmp(path, "/metrics") == 0 || strcmp(path, "/health/live") == 0 ||
                strcmp(path, "/health/ready") == 0)) {
        figures(d, path, reply);
        return;
    }
    if (strcmp(path, "/session") == 0 && get) {
        session(d, req, reply);
        return;
    }
    if (strncmp(path, "/api/v1/", 8) == 0) {
        api(d, req, reply);
        return;
    }
    if (get) {
        static_file(d, path, reply);
        return;
    }
    http_reply_error(reply, 404, "not-found", "no such request: %s %.200s", req->method, path);
}
