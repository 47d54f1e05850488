/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * batond's configuration file (internal to the daemon library): `key = value` lines read once at
 * start, every value checked, so that a mistake stops the daemon with the line and the reason
 * instead of surfacing hours later. daemon/batond.conf.example documents every key.
 *
 * Format: one `key = value` per line; blank lines; `#` starts a comment at the start of a line or
 * after white space outside quotes; values are trimmed and may be enclosed in double quotes
 * (inside quotes everything up to the closing quote is the value, `#` included; there are no
 * escapes). Lines may end in LF or CRLF. Relative paths are taken relative to the folder of the
 * configuration file, so that a folder with a configuration and its files can be moved whole.
 */
#ifndef BATON_DAEMON_CONFIG_H
#define BATON_DAEMON_CONFIG_H

#include <sys/socket.h>
#include <sys/types.h>

#include "daemon.h"

/* Longest path a configuration may name, terminating NUL included (Linux's PATH_MAX). */
#define CONFIG_PATH_MAX 4096
/* Longest IP address literal in text form (INET6_ADDRSTRLEN), NUL included. */
#define CONFIG_HOST_MAX 46

enum config_log_level {
    CONFIG_LOG_ERROR = 0,
    CONFIG_LOG_WARNING,
    CONFIG_LOG_INFO,
    CONFIG_LOG_DEBUG,
};

/* The most delivery workers (delivery_workers) a daemon runs. */
#define CONFIG_MAX_WORKERS 16

/* The most local users one role key (caseworkers, privacy_officers, administrators) lists. */
#define CONFIG_MAX_ROLE_USERS 64

/* The local users of one role, as uids (names were looked up with getpwnam at load). */
struct config_users {
    long uid[CONFIG_MAX_ROLE_USERS];
    size_t n; /* 0: the key was not set */
};

/* A loaded configuration. Plain data (no pointers: copy it, free nothing). Paths are absolute
 * (relative ones were resolved against the configuration file's folder); an optional path that
 * was not set is the empty string. */
struct daemon_config {
    char keystore[CONFIG_PATH_MAX];        /* required: the organisation's keystore */
    char passphrase_file[CONFIG_PATH_MAX]; /* optional: the keystore's passphrase; "" = none */
    char directory[CONFIG_PATH_MAX];       /* required: the signed network directory */
    char coordinator[CONFIG_PATH_MAX];     /* required: the coordinator's public key(s), JWK(S) */
    char covenant[CONFIG_PATH_MAX];        /* required: the signed covenant */
    char database[CONFIG_PATH_MAX];        /* required: the SQLite store */

    /* required: the peer endpoint's address, "127.0.0.1:8443" or "[::1]:8443" (port 0: any) */
    char listen[CONFIG_HOST_MAX + 8]; /* as written (checked): "ADDRESS:PORT" or "[ADDRESS]:PORT" */
    char listen_host[CONFIG_HOST_MAX]; /* the address literal, without brackets */
    unsigned listen_port;
    struct sockaddr_storage listen_addr; /* the same as a socket address, ready for bind() */
    socklen_t listen_addr_len;

    char admin_socket[CONFIG_PATH_MAX]; /* required: the admin API's Unix socket */
    unsigned admin_socket_mode;         /* default 0660; never any bit for others */
    char admin_group[33];               /* optional: group of the socket; "" = the daemon's */
    long admin_gid;                     /* admin_group's id, -1 when not set */
    char run_user[33];                  /* optional: the user batond runs as once started */
    long run_uid, run_gid;              /* run_user's uid and primary gid, -1 when not set */

    size_t max_body;                 /* bytes, default 1048576 (1 MiB) */
    unsigned connection_timeout;     /* seconds, default 30 */
    unsigned max_connections;        /* default 256 */
    unsigned send_timeout;           /* seconds for one delivery attempt, default 60 */
    unsigned delivery_workers;       /* deliveries at the same time, default 4 */
    unsigned retry_initial;          /* seconds, default 2 */
    unsigned retry_max;              /* seconds, default 600 */
    unsigned retry_window;           /* seconds, default 604800 (7 days) */
    unsigned clock_skew;             /* seconds, default 300 */
    unsigned withdrawal_grace;       /* seconds a withdrawn packet is kept (restricted) before
                                        its content is erased, default 2592000 (30 days) */
    enum config_log_level log_level; /* default CONFIG_LOG_INFO */

    /* optional: who may do what on the admin API (daemon/roles.h). When none is set, the
     * daemon's own user and root have every role. A user is in one role at most. */
    struct config_users caseworkers, privacy_officers, administrators;
    char tokens[CONFIG_PATH_MAX]; /* the bearer tokens file; "" = none */

    /* optional: the web page for caseworkers and the privacy officer (daemon/web.c), plain HTTP
     * on a loopback address, "127.0.0.1:8480" or "[::1]:8480" (port 0: any); "" = none. People
     * log in with a token: a web request is who its token says, never a local user. */
    char web_listen[CONFIG_HOST_MAX + 8];
    char web_root[CONFIG_PATH_MAX]; /* the page's static files; default CONFIG_WEB_ROOT */
};

/* Where the page's static files are installed (daemon/web/ in the source tree). */
#define CONFIG_WEB_ROOT "/usr/share/baton/web"

/* Fills c with the defaults: every optional key at its default, every required one empty. */
/* The configuration in force as one JSON object, a member per key of batond.conf.example:
 * paths, addresses and names as strings (null when not set), sizes, durations (seconds) and
 * counts as numbers, the role keys as arrays of uids. It holds no secret (the passphrase file's
 * path, not its content). NULL when out of memory. */
struct json_t;
struct json_t *config_to_json(const struct daemon_config *c);

void config_defaults(struct daemon_config *c);

/*
 * Reads the configuration file at path into *out. Refuses (DAEMON_ECONFIG) a file that others or
 * the group may write (it names the keystore and the keys to trust), that is not a regular file,
 * or that is owned by someone other than the caller or root; a line that is not `key = value`; an
 * unknown key (with a "did you mean" for a near miss), a key given twice, a value that is not of
 * the key's kind or out of its range, and a missing required key. DAEMON_EIO when the file cannot
 * be read, DAEMON_ENOMEM. err->text is "PATH:LINE: reason" (or "PATH: reason" for the file as a
 * whole), with path as given. On error *out is untouched.
 */
enum daemon_status config_load(const char *path, struct daemon_config *out, struct daemon_err *err);

/* The name of a log level as the configuration writes it ("info"). Never NULL. */
const char *config_log_level_name(enum config_log_level level);

/* A file batond reads at start that decides what it trusts or whom it serves, and what is
 * refused about it: config_read_owned. */
struct config_owned {
    const char *what; /* its name in messages: "configuration file", "tokens file" */
    size_t max;       /* its largest size in bytes */
    unsigned deny;    /* mode bits of group and others refused: 022 (change), 077 (also read) */
    const char *may;  /* what those bits allow, after "every user" or "its group" */
    const char *why;  /* after the mode: why that matters and the fix, from ", " */
    int no_link;      /* 1: a symbolic link in its place is refused, not followed */
};

/* Reads the file at path whole into *text (malloc'd, NUL-terminated; its length in *len),
 * refusing (DAEMON_ECONFIG, saying why and what fixes it) a link when o->no_link, anything but
 * a regular file,
 * a file whose mode has a bit of o->deny, one owned by neither the daemon's user nor root, and
 * one larger than o->max. */
enum daemon_status config_read_owned(const char *path, const struct config_owned *o, char **text,
                                     size_t *len, struct daemon_err *err);

#endif
