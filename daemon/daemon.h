/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * daemon: batond, the peer endpoint each organisation runs: the HTTPS peer endpoint with mutual
 * TLS, the admin API on a Unix socket, the SQLite store, the delivery worker and the audit.
 *
 * Library code: never prints (the daemon's log goes through the log callback its main sets),
 * never exits.
 */
#ifndef BATON_DAEMON_H
#define BATON_DAEMON_H

#include <stddef.h>

enum daemon_status {
    DAEMON_OK = 0,
    DAEMON_ENOMEM,
    DAEMON_EINVAL,   /* the caller broke a contract (a bug in baton) */
    DAEMON_ECONFIG,  /* the configuration file: unknown key, bad value, missing key */
    DAEMON_EIO,      /* a file, socket or the network failed */
    DAEMON_ETLS,     /* TLS set-up failed, or the peer's key is not the pinned one */
    DAEMON_ETIMEOUT, /* the peer did not answer in time */
    DAEMON_EPEER,    /* the peer answered with a refusal or garbage */
    DAEMON_ESTORE,   /* the database failed or is not baton's */
    DAEMON_EKEYS,    /* keystore, directory or covenant refused (see the message) */
    DAEMON_EREFUSED, /* input refused: invalid form, policy, state; nothing was changed */
    DAEMON_ENOTFOUND,
    DAEMON_ECONFLICT, /* e.g. other bytes under a known packet id, or accept after reject */
};

struct daemon_err {
    enum daemon_status status;
    char text[512];
};

/* The daemon's version string, e.g. "0.1.0". Static storage. */
const char *daemon_version(void);

/* A short English name for a status. Never NULL. */
const char *daemon_status_name(enum daemon_status st);

/* Fills err (may be NULL) with st and the formatted message; returns st. */
enum daemon_status daemon_fail(struct daemon_err *err, enum daemon_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- the daemon: load, start, stop (daemon/daemon.c); daemon/batond.c is its main ---- */

/* Where the daemon's log lines go: one event per line, without the newline. Called from any
 * thread, one line at a time. */
typedef void (*daemon_log_sink)(void *ctx, const char *line);

struct daemon_options {
    const char *config_path; /* the configuration file (daemon/batond.conf.example) */
    daemon_log_sink log;     /* NULL: nothing is logged */
    void *log_ctx;
};

struct daemon;

/*
 * Loads what the configuration names: the keystore (with its passphrase file), the coordinator's
 * keys, the signed directory and covenant, and the store (created when absent, migrated when
 * older). Needs keys_init first. An expired directory or covenant does not stop it: the daemon
 * then refuses to send, with the reason (logged here). Every other problem is an error with a
 * message for the operator; *out is untouched then. Nothing is listening yet.
 */
enum daemon_status daemon_load(const struct daemon_options *o, struct daemon **out,
                               struct daemon_err *err);

/* Starts the peer endpoint (HTTPS, mutual TLS), the admin socket and the delivery worker. On
 * error nothing of them is left running. */
enum daemon_status daemon_start(struct daemon *d, struct daemon_err *err);

/* The peer endpoint's TCP port (the one picked when the configuration says port 0); 0 when not
 * started. */
unsigned daemon_peer_port(const struct daemon *d);

/* Stops what daemon_start started: no new requests, the worker after its delivery in progress,
 * running handlers finish their transaction. Safe to call twice. */
void daemon_stop(struct daemon *d);

/* Stops d if needed, closes the store and wipes the keys. NULL is allowed. */
void daemon_free(struct daemon *d);

#endif
