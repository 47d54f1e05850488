/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * batond's web page for caseworkers and the privacy officer (internal to the daemon library):
 * plain HTTP on a loopback address (web_listen), serving the static page from web_root, the
 * admin API under /api/v1/ for whoever presents a valid bearer token, and the token-free
 * /metrics, /health/live and /health/ready.
 */
#ifndef BATON_DAEMON_WEB_H
#define BATON_DAEMON_WEB_H

#include "core.h"

/* Largest static file the page may have: a page of a few scripts, not a media library. */
#define WEB_FILE_MAX ((size_t)1 << 20)

/*
 * Starts the listener when the configuration sets web_listen (nothing to do otherwise): checks
 * that web_root is a folder with index.html in it, listens, logs the address. DAEMON_ECONFIG when
 * web_root is not usable or the address is not a loopback one, DAEMON_EIO when it is taken; on
 * error nothing is left running.
 */
enum daemon_status core_web_start(struct daemon *d, struct daemon_err *err);

/* Stops the listener (its running requests finish first). Safe when it never started. */
void core_web_stop(struct daemon *d);

/* The port the web page listens on (the one picked for port 0); 0 when there is none. */
unsigned core_web_port(const struct daemon *d);

/* http_handler of the listener; ctx is the daemon. */
void core_web_handler(void *ctx, const struct http_request *req, struct http_reply *reply);

#endif
