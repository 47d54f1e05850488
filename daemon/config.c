/* SPDX-License-Identifier: EUPL-1.2 */
/* Reading and checking batond's configuration file: every refusal names the line and the reason. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "keys.h"

/* A configuration is a few hundred bytes; anything this large is not one. */
#define CONFIG_MAX_BYTES (64 * 1024)
/* Longest line, comment included: a path of CONFIG_PATH_MAX bytes fits with its key and quotes. */
#define CONFIG_LINE_MAX (CONFIG_PATH_MAX + 128)
/* How much of a bad value a message quotes. */
#define CONFIG_QUOTE_MAX 64
/* A group name as useradd/groupadd allow it (32 bytes). */
#define CONFIG_GROUP_MAX 32

/* Bodies smaller than this cannot hold a packet; larger than KEYS_MAX_PACKET keys refuses anyway.
 */
#define MAX_BODY_MIN 4096u
#define MAX_BODY_MAX KEYS_MAX_PACKET

#define DAY_S 86400u

enum kind {
    KIND_PATH,     /* a file; relative to the configuration's folder */
    KIND_LISTEN,   /* ADDRESS:PORT */
    KIND_MODE,     /* octal permission bits */
    KIND_GROUP,    /* a group name or number */
    KIND_SIZE,     /* bytes, with K or M */
    KIND_SECONDS,  /* a duration, with s, m, h or d */
    KIND_COUNT,    /* a plain number */
    KIND_LOGLEVEL, /* error, warning, info or debug */
    KIND_USERS,    /* local user names or numbers: the users of one role */
    KIND_RUNUSER,  /* the unprivileged user batond drops to when started as root */
    KIND_WEB,      /* ADDRESS:PORT on a loopback address */
};

struct key_def {
    const char *name;
    enum kind kind;
    int required;
    size_t offset; /* of the field in struct daemon_config */
    unsigned long min, max;
};

#define FIELD(f) offsetof(struct daemon_config, f)

/* In the order of batond.conf.example. Only KIND_SECONDS and KIND_COUNT fields are unsigned. */
static const struct key_def keys_table[] = {
    {"keystore", KIND_PATH, 1, FIELD(keystore), 0, 0},
    {"passphrase_file", KIND_PATH, 0, FIELD(passphrase_file), 0, 0},
    {"directory", KIND_PATH, 1, FIELD(directory), 0, 0},
    {"coordinator", KIND_PATH, 1, FIELD(coordinator), 0, 0},
    {"covenant", KIND_PATH, 1, FIELD(covenant), 0, 0},
    {"database", KIND_PATH, 1, FIELD(database), 0, 0},
    {"listen", KIND_LISTEN, 1, 0, 0, 65535},
    {"admin_socket", KIND_PATH, 1, FIELD(admin_socket), 0, 0},
    {"admin_socket_mode", KIND_MODE, 0, FIELD(admin_socket_mode), 0, 0770},
    {"admin_group", KIND_GROUP, 0, 0, 0, 0},
    {"max_body", KIND_SIZE, 0, FIELD(max_body), MAX_BODY_MIN, MAX_BODY_MAX},
    {"connection_timeout", KIND_SECONDS, 0, FIELD(connection_timeout), 1, 3600},
    {"max_connections", KIND_COUNT, 0, FIELD(max_connections), 1, 10000},
    {"send_timeout", KIND_SECONDS, 0, FIELD(send_timeout), 1, 3600},
    {"delivery_workers", KIND_COUNT, 0, FIELD(delivery_workers), 1, CONFIG_MAX_WORKERS},
    {"retry_initial", KIND_SECONDS, 0, FIELD(retry_initial), 1, DAY_S},
    {"retry_max", KIND_SECONDS, 0, FIELD(retry_max), 1, DAY_S},
    {"retry_window", KIND_SECONDS, 0, FIELD(retry_window), 60, 90 * DAY_S},
    {"clock_skew", KIND_SECONDS, 0, FIELD(clock_skew), 0, 3600},
    {"withdrawal_grace", KIND_SECONDS, 0, FIELD(withdrawal_grace), 0, 365 * DAY_S},
    {"log_level", KIND_LOGLEVEL, 0, FIELD(log_level), 0, 0},
    {"user", KIND_RUNUSER, 0, 0, 0, 0},
    {"caseworkers", KIND_USERS, 0, FIELD(caseworkers), 0, 0},
    {"privacy_officers", KIND_USERS, 0, FIELD(privacy_officers), 0, 0},
    {"administrators", KIND_USERS, 0, FIELD(administrators), 0, 0},
    {"tokens", KIND_PATH, 0, FIELD(tokens), 0, 0},
    {"web_listen", KIND_WEB, 0, 0, 0, 65535},
    {"web_root", KIND_PATH, 0, FIELD(web_root), 0, 0},
};
#define N_KEYS (sizeof keys_table / sizeof keys_table[0])

static const char *const level_names[] = {"error", "warning", "info", "debug"};

/* What one load works with. */
struct loader {
    const char *path;      /* as the caller gave it, for messages */
    char *folder;          /* the file's folder, absolute (realpath) */
    unsigned line;         /* the line being read, from 1 */
    unsigned seen[N_KEYS]; /* the line that set each key, 0 = not set */
    struct daemon_config *c;
    struct daemon_err *err;
};

json_t *
config_to_json(const struct daemon_config *c)
{
    const char *base = (const char *)c;
    json_t *j = json_object(), *v;
    char text[32];
    size_t i, u;

    for (i = 0; j != NULL && i < N_KEYS; i++) {
        const struct key_def *k = &keys_table[i];
        const struct config_users *users;

        switch (k->kind) {
        case KIND_PATH:
            v = base[k->offset] != '\0' ? json_string(base + k->offset) : json_null();
            break;
        case KIND_LISTEN:
            v = json_string(c->listen);
            break;
        case KIND_WEB:
            v = c->web_listen[0] != '\0' ? json_string(c->web_listen) : json_null();
            break;
        case KIND_MODE:
            snprintf(text, sizeof text, "%04o", c->admin_socket_mode);
            v = json_string(text);
            break;
        case KIND_GROUP:
            v = c->admin_group[0] != '\0' ? json_string(c->admin_group) : json_null();
            break;
        case KIND_RUNUSER:
            v = c->run_user[0] != '\0' ? json_string(c->run_user) : json_null();
            break;
        case KIND_SIZE:
            v = json_integer((json_int_t) * (const size_t *)(const void *)(base + k->offset));
            break;
        case KIND_SECONDS:
        case KIND_COUNT:
            v = json_integer((json_int_t) * (const unsigned *)(const void *)(base + k->offset));
            break;
        case KIND_LOGLEVEL:
            v = json_string(level_names[c->log_level]);
            break;
        case KIND_USERS:
            users = (const struct config_users *)(const void *)(base + k->offset);
            v = json_array();
            for (u = 0; v != NULL && u < users->n; u++)
                json_array_append_new(v, json_integer((json_int_t)users->uid[u]));
            break;
        default:
            v = json_null();
        }
        if (v == NULL || json_object_set_new(j, k->name, v) != 0) {
            json_decref(j);
            return NULL;
        }
    }
    return j;
}

void
config_defaults(struct daemon_config *c)
{
    memset(c, 0, sizeof *c);
    c->admin_socket_mode = 0660;
    c->admin_gid = -1;
    c->run_uid = -1;
    c->run_gid = -1;
    c->max_body = 1048576;
    c->connection_timeout = 30;
    c->max_connections = 256;
    c->send_timeout = 60;
    c->delivery_workers = 4;
    c->retry_initial = 2;
    c->retry_max = 600;
    c->retry_window = 7 * DAY_S;
    c->clock_skew = 300;
    c->withdrawal_grace = 30 * DAY_S;
    c->log_level = CONFIG_LOG_INFO;
    memcpy(c->web_root, CONFIG_WEB_ROOT, sizeof CONFIG_WEB_ROOT);
}

const char *
config_log_level_name(enum config_log_level level)
{
    if ((unsigned)level < sizeof level_names / sizeof level_names[0])
        return level_names[level];
    return "unknown";
}

/* s[0..len) for a message: printable ASCII as is, other bytes as \xNN, cut after
 * CONFIG_QUOTE_MAX bytes with "...". */
static void
quote(char *out, size_t size, const char *s, size_t len)
{
    size_t o = 0, i;

    for (i = 0; i < len && i < CONFIG_QUOTE_MAX && o + 5 < size; i++) {
        unsigned char ch = (unsigned char)s[i];

        if (ch >= 0x20 && ch < 0x7f && ch != '\\') {
            out[o++] = (char)ch;
        } else {
            snprintf(out + o, size - o, "\\x%02x", ch);
            o += 4;
        }
    }
    if (i < len && o + 4 < size) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

/* Fails with "PATH:LINE: " and the formatted reason. */
static enum daemon_status __attribute__((format(printf, 3, 4)))
line_fail(struct loader *ld, enum daemon_status st, const char *fmt, ...)
{
    char reason[sizeof ld->err->text];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    return daemon_fail(ld->err, st, "%s:%u: %s", ld->path, ld->line, reason);
}

/* The optimal-string-alignment distance between a and b (insertions, deletions, substitutions and
 * swaps of neighbours, case ignored), capped at 9: how near a misspelt key is to a real one. */
static unsigned
distance(const char *a, const char *b)
{
    enum { N = 32 };
    unsigned d[N + 1][N + 1];
    size_t la = strlen(a), lb = strlen(b), i, j;

    if (la > N || lb > N)
        return 9;
    for (i = 0; i <= la; i++)
        d[i][0] = (unsigned)i;
    for (j = 0; j <= lb; j++)
        d[0][j] = (unsigned)j;
    for (i = 1; i <= la; i++) {
        for (j = 1; j <= lb; j++) {
            char x = a[i - 1], y = b[j - 1];
            unsigned cost, best;

            if (x >= 'A' && x <= 'Z')
                x = (char)(x - 'A' + 'a');
            if (x == '-')
                x = '_';
            cost = x == y ? 0 : 1;
            best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < best)
                best = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb] < 9 ? d[la][lb] : 9;
}

/* The known key nearest to name when it is near enough to be a slip of the keyboard, else NULL. */
static const char *
near_key(const char *name)
{
    const char *best = NULL;
    unsigned best_d = 9, d, limit;
    size_t i;

    for (i = 0; i < N_KEYS; i++) {
        d = distance(name, keys_table[i].name);
        if (d < best_d) {
            best_d = d;
            best = keys_table[i].name;
        }
    }
    limit = strlen(name) <= 4 ? 1 : 2;
    return best_d <= limit ? best : NULL;
}

/* Parses the decimal digits of s (all of them, at least one) into *v. 0 when s is not a number,
 * -1 when it is one beyond ULONG_MAX. */
static int
parse_digits(const char *s, size_t len, unsigned long *v)
{
    unsigned long n = 0;
    size_t i;

    if (len == 0)
        return 0;
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        if (n > (ULONG_MAX - (unsigned long)(s[i] - '0')) / 10)
            return -1;
        n = n * 10 + (unsigned long)(s[i] - '0');
    }
    *v = n;
    return 1;
}

/* A number with an optional one-letter unit from units (lower case; upper case accepted too),
 * each worth the matching factor. 0: not of that form; -1: too large; 1: *v set. */
static int
parse_with_unit(const char *s, const char *units, const unsigned long *factors, unsigned long *v)
{
    size_t len = strlen(s);
    unsigned long n, f = 1;
    const char *u;
    int r;

    if (len > 1 && (s[len - 1] < '0' || s[len - 1] > '9')) {
        char ch = s[len - 1];

        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        u = strchr(units, ch);
        if (u == NULL)
            return 0;
        f = factors[u - units];
        len--;
    }
    r = parse_digits(s, len, &n);
    if (r != 1)
        return r;
    if (n > ULONG_MAX / f)
        return -1;
    *v = n * f;
    return 1;
}

static enum daemon_status
set_path(struct loader *ld, const struct key_def *k, const char *value)
{
    char *dst = (char *)ld->c + k->offset;
    size_t need, flen;
    char q[CONFIG_QUOTE_MAX * 4 + 8];

    if (value[0] == '/') {
        need = strlen(value) + 1;
        if (need > CONFIG_PATH_MAX)
            goto too_long;
        memcpy(dst, value, need);
        return DAEMON_OK;
    }
    need = strlen(ld->folder) + 1 + strlen(value) + 1;
    if (need > CONFIG_PATH_MAX)
        goto too_long;
    flen = strlen(ld->folder);
    memcpy(dst, ld->folder, flen);
    if (flen == 0 || dst[flen - 1] != '/')
        dst[flen++] = '/';
    memcpy(dst + flen, value, strlen(value) + 1);
    return DAEMON_OK;
too_long:
    quote(q, sizeof q, value, strlen(value));
    return line_fail(ld, DAEMON_ECONFIG, "%s \"%s\" is longer than %d bytes once resolved", k->name,
                     q, CONFIG_PATH_MAX - 1);
}

/* Parses "ADDRESS:PORT" or "[ADDRESS]:PORT" (a numeric IPv4 or IPv6 address, a port from 0 to
 * 65535) into *sa (port set), host (without brackets) and *port: 0, -1 when the address part is
 * not one, -2 when the port is not. */
static int
parse_address(const char *value, struct sockaddr_storage *sa, socklen_t *sa_len,
              char host[CONFIG_HOST_MAX], unsigned long *port)
{
    struct sockaddr_in *sin = (struct sockaddr_in *)sa;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)sa;
    const char *h = value, *hend, *colon;
    int v6 = value[0] == '[';

    memset(sa, 0, sizeof *sa);
    *sa_len = 0;
    if (v6) {
        h = value + 1;
        hend = strchr(h, ']');
        if (hend == NULL || hend[1] != ':')
            return -1;
        colon = hend + 1;
    } else {
        colon = strrchr(value, ':');
        if (colon == NULL)
            return -1;
        hend = colon;
    }
    if ((size_t)(hend - h) >= CONFIG_HOST_MAX || hend == h)
        return -1;
    memcpy(host, h, (size_t)(hend - h));
    host[hend - h] = '\0';
    if (v6 ? inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1
           : inet_pton(AF_INET, host, &sin->sin_addr) != 1)
        return -1;
    sa->ss_family = v6 ? AF_INET6 : AF_INET;
    if (parse_digits(colon + 1, strlen(colon + 1), port) != 1 || *port > 65535)
        return -2;
    if (v6)
        sin6->sin6_port = htons((uint16_t)*port);
    else
        sin->sin_port = htons((uint16_t)*port);
    *sa_len = v6 ? sizeof *sin6 : sizeof *sin;
    return 0;
}

static enum daemon_status
set_listen(struct loader *ld, const char *value)
{
    struct daemon_config *c = ld->c;
    char host[CONFIG_HOST_MAX], q[CONFIG_QUOTE_MAX * 4 + 8];
    unsigned long port = 0;
    int r = parse_address(value, &c->listen_addr, &c->listen_addr_len, host, &port);

    quote(q, sizeof q, value, strlen(value));
    if (r == -2)
        return line_fail(ld, DAEMON_ECONFIG,
                         "listen must end in a port from 0 to 65535 (0: any free port), not \"%s\"",
                         q);
    if (r != 0)
        return line_fail(ld, DAEMON_ECONFIG,
                         "listen must be an IP address and a port, such as 127.0.0.1:8443, "
                         "0.0.0.0:8443 or [::1]:8443 (host names are not looked up), not \"%s\"",
                         q);
    memcpy(c->listen_host, host, strlen(host) + 1);
    snprintf(c->listen, sizeof c->listen, value[0] == '[' ? "[%s]:%lu" : "%s:%lu", host, port);
    c->listen_port = (unsigned)port;
    return DAEMON_OK;
}

/* web_listen: ADDRESS:PORT like listen, but only on a loopback address: the page is plain HTTP,
 * and on any other address every machine that reaches it could try tokens and read forms. */
static enum daemon_status
set_web_listen(struct loader *ld, const char *value)
{
    char host[CONFIG_HOST_MAX], q[CONFIG_QUOTE_MAX * 4 + 8];
    struct sockaddr_storage sa;
    socklen_t sa_len;
    unsigned long port = 0;
    int r = parse_address(value, &sa, &sa_len, host, &port);

    quote(q, sizeof q, value, strlen(value));
    if (r == -1)
        return line_fail(ld, DAEMON_ECONFIG,
                         "web_listen must be a loopback IP address and a port, such as "
                         "127.0.0.1:8480 or [::1]:8480 (host names are not looked up), not \"%s\"",
                         q);
    if (sa.ss_family == AF_INET6
            ? !IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)&sa)->sin6_addr)
            : (ntohl(((struct sockaddr_in *)&sa)->sin_addr.s_addr) >> 24) != 127)
        return line_fail(ld, DAEMON_ECONFIG,
                         "web_listen \"%s\" is not a loopback address: the web page is plain HTTP "
                         "and is served to this machine only (127.0.0.1:PORT or [::1]:PORT); "
                         "put a TLS proxy in front for others",
                         q);
    if (r == -2)
        return line_fail(ld, DAEMON_ECONFIG,
                         "web_listen must end in a port from 0 to 65535 (0: any free port), not "
                         "\"%s\"",
                         q);
    snprintf(ld->c->web_listen, sizeof ld->c->web_listen, value[0] == '[' ? "[%s]:%lu" : "%s:%lu",
             host, port);
    return DAEMON_OK;
}

static enum daemon_status
set_mode(struct loader *ld, const char *value)
{
    size_t len = strlen(value), i;
    unsigned long mode = 0;
    char q[CONFIG_QUOTE_MAX * 4 + 8];

    quote(q, sizeof q, value, len);
    if (len < 3 || len > 4)
        goto bad;
    for (i = 0; i < len; i++) {
        if (value[i] < '0' || value[i] > '7')
            goto bad;
        mode = mode * 8 + (unsigned long)(value[i] - '0');
    }
    if (mode > 0777)
        return line_fail(ld, DAEMON_ECONFIG,
                         "admin_socket_mode takes permission bits only (at most 0770), not \"%s\"",
                         q);
    if ((mode & 0007) != 0)
        return line_fail(ld, DAEMON_ECONFIG,
                         "admin_socket_mode %s would let every local user use the admin API (send, "
                         "read and accept forms); give access through the group, such as 0660",
                         q);
    if ((mode & 0600) != 0600)
        return line_fail(ld, DAEMON_ECONFIG,
                         "admin_socket_mode %s must let the owner read and write (0600 at least)",
                         q);
    ld->c->admin_socket_mode = (unsigned)mode;
    return DAEMON_OK;
bad:
    return line_fail(ld, DAEMON_ECONFIG,
                     "admin_socket_mode must be an octal mode such as 0660 or 0600, not \"%s\"", q);
}

static enum daemon_status
set_group(struct loader *ld, const char *value)
{
    size_t len = strlen(value), i, bufsize = 16384;
    char q[CONFIG_QUOTE_MAX * 4 + 8], *buf = NULL;
    struct group gr, *found = NULL;
    unsigned long gid;
    int r;
    enum daemon_status st = DAEMON_ECONFIG;

    quote(q, sizeof q, value, len);
    if (len > CONFIG_GROUP_MAX || value[0] == '-')
        goto bad;
    for (i = 0; i < len; i++) {
        char ch = value[i];

        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '-' || ch == '.'))
            goto bad;
    }
    if (parse_digits(value, len, &gid) == 1) {
        if (gid > 0x7fffffffUL)
            goto bad;
        memcpy(ld->c->admin_group, value, len + 1);
        ld->c->admin_gid = (long)gid;
        return DAEMON_OK;
    }
    for (;;) {
        buf = malloc(bufsize);
        if (buf == NULL)
            return line_fail(ld, DAEMON_ENOMEM, "out of memory");
        r = getgrnam_r(value, &gr, buf, bufsize, &found);
        if (r != ERANGE || bufsize >= 1024 * 1024)
            break;
        free(buf);
        buf = NULL;
        bufsize *= 4;
    }
    if (r != 0) {
        st = line_fail(ld, DAEMON_EIO, "admin_group \"%s\" could not be looked up: %s", q,
                       strerror(r));
        goto out;
    }
    if (found == NULL) {
        st = line_fail(ld, DAEMON_ECONFIG,
                       "admin_group: there is no group \"%s\" on this system (see /etc/group, or "
                       "create it with groupadd)",
                       q);
        goto out;
    }
    memcpy(ld->c->admin_group, value, len + 1);
    ld->c->admin_gid = (long)found->gr_gid;
    st = DAEMON_OK;
out:
    free(buf);
    return st;
bad:
    return line_fail(ld, DAEMON_ECONFIG,
                     "admin_group must be a group name (letters, digits, '_', '-', '.') or number, "
                     "not \"%s\"",
                     q);
}

static enum daemon_status
set_number(struct loader *ld, const struct key_def *k, const char *value)
{
    static const unsigned long size_factors[] = {1024, 1024 * 1024};
    static const unsigned long time_factors[] = {1, 60, 3600, DAY_S};
    char q[CONFIG_QUOTE_MAX * 4 + 8];
    unsigned long v = 0;
    int r;

    quote(q, sizeof q, value, strlen(value));
    switch (k->kind) {
    case KIND_SIZE:
        r = parse_with_unit(value, "km", size_factors, &v);
        if (r == 0)
            return line_fail(ld, DAEMON_ECONFIG,
                             "%s must be a size in bytes such as 1048576 or 1M, not \"%s\"",
                             k->name, q);
        if (r < 0 || v < k->min || v > k->max)
            return line_fail(ld, DAEMON_ECONFIG,
                             "%s must be from %lu to %lu bytes (%lu K to %lu M), not %s", k->name,
                             k->min, k->max, k->min / 1024, k->max / (1024 * 1024), q);
        *(size_t *)(void *)((char *)ld->c + k->offset) = (size_t)v;
        return DAEMON_OK;
    case KIND_SECONDS:
        r = parse_with_unit(value, "smhd", time_factors, &v);
        if (r == 0)
            return line_fail(ld, DAEMON_ECONFIG,
                             "%s must be a duration in seconds such as 30, or with a unit such as "
                             "90s, 10m, 2h or 7d, not \"%s\"",
                             k->name, q);
        if (r < 0 || v < k->min || v > k->max)
            return line_fail(ld, DAEMON_ECONFIG, "%s must be from %lu to %lu seconds, not %s",
                             k->name, k->min, k->max, q);
        break;
    default: /* KIND_COUNT */
        r = parse_digits(value, strlen(value), &v);
        if (r == 0)
            return line_fail(ld, DAEMON_ECONFIG,
                             "%s must be a whole number such as %lu, not \"%s\"", k->name,
                             k->max / 10 > k->min ? k->max / 10 : k->min, q);
        if (r < 0 || v < k->min || v > k->max)
            return line_fail(ld, DAEMON_ECONFIG, "%s must be from %lu to %lu, not %s", k->name,
                             k->min, k->max, q);
        break;
    }
    *(unsigned *)(void *)((char *)ld->c + k->offset) = (unsigned)v;
    return DAEMON_OK;
}

static enum daemon_status
set_level(struct loader *ld, const char *value)
{
    char q[CONFIG_QUOTE_MAX * 4 + 8];
    size_t i;

    for (i = 0; i < sizeof level_names / sizeof level_names[0]; i++) {
        if (strcmp(value, level_names[i]) == 0) {
            ld->c->log_level = (enum config_log_level)i;
            return DAEMON_OK;
        }
    }
    quote(q, sizeof q, value, strlen(value));
    return line_fail(ld, DAEMON_ECONFIG,
                     "log_level must be error, warning, info or debug, not \"%s\"", q);
}

/* The uid of user name (a name or a number) into *uid: 1, 0 when there is no such user, -1 when
 * the lookup failed (errno-style code in *e). */
static int
user_uid(const char *name, long *uid, int *e)
{
    size_t bufsize = 16384;
    struct passwd pw, *found = NULL;
    unsigned long n;
    char *buf;
    int r;

    if (parse_digits(name, strlen(name), &n) == 1) {
        if (n > 0x7fffffffUL)
            return 0;
        *uid = (long)n;
        return 1;
    }
    for (;;) {
        buf = malloc(bufsize);
        if (buf == NULL) {
            *e = ENOMEM;
            return -1;
        }
        r = getpwnam_r(name, &pw, buf, bufsize, &found);
        if (r != ERANGE || bufsize >= 1024 * 1024)
            break;
        free(buf);
        bufsize *= 4;
    }
    if (r == 0 && found != NULL)
        *uid = (long)found->pw_uid;
    free(buf);
    if (r != 0) {
        *e = r;
        return -1;
    }
    return found != NULL ? 1 : 0;
}

/* user: the account batond drops to after opening its files and sockets when started as root. It
 * must exist (its primary group is taken from /etc/passwd) and must not be root. */
static enum daemon_status
set_run_user(struct loader *ld, const char *value)
{
    size_t len = strlen(value), i, bufsize = 16384;
    char q[CONFIG_QUOTE_MAX * 4 + 8], *buf = NULL;
    struct passwd pw, *found = NULL;
    unsigned long n;
    int r, numeric;
    enum daemon_status st;

    quote(q, sizeof q, value, len);
    for (i = 0; i < len; i++) {
        char ch = value[i];

        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '-' || ch == '.') ||
            value[0] == '-' || len > CONFIG_GROUP_MAX)
            return line_fail(ld, DAEMON_ECONFIG,
                             "user must be a user name (letters, digits, '_', '-', '.') or number, "
                             "not \"%s\"",
                             q);
    }
    numeric = parse_digits(value, len, &n) == 1;
    for (;;) {
        buf = malloc(bufsize);
        if (buf == NULL)
            return line_fail(ld, DAEMON_ENOMEM, "out of memory");
        r = numeric ? (n > 0x7fffffffUL ? 0 : getpwuid_r((uid_t)n, &pw, buf, bufsize, &found))
                    : getpwnam_r(value, &pw, buf, bufsize, &found);
        if (r != ERANGE || bufsize >= 1024 * 1024)
            break;
        free(buf);
        bufsize *= 4;
    }
    if (r != 0)
        st = line_fail(ld, DAEMON_EIO, "user \"%s\" could not be looked up: %s", q, strerror(r));
    else if (found == NULL)
        st = line_fail(ld, DAEMON_ECONFIG,
                       "user: there is no user \"%s\" on this system (see /etc/passwd, or create "
                       "it with adduser --system baton)",
                       q);
    else if (found->pw_uid == 0)
        st = line_fail(ld, DAEMON_ECONFIG,
                       "user \"%s\" is root: name the unprivileged user batond should run as", q);
    else {
        memcpy(ld->c->run_user, value, len + 1);
        ld->c->run_uid = (long)found->pw_uid;
        ld->c->run_gid = (long)found->pw_gid;
        st = DAEMON_OK;
    }
    free(buf);
    return st;
}

/* A list of local users (names or uids, separated by white space or commas) for one role. A
 * user who is in another role's list already is refused: each has one role. */
static enum daemon_status
set_users(struct loader *ld, const struct key_def *k, char *value)
{
    struct config_users *u = (struct config_users *)(void *)((char *)ld->c + k->offset);
    char q[CONFIG_QUOTE_MAX * 4 + 8], *save = NULL, *name;
    size_t i, j, len;
    long uid = 0;
    int e = 0, r;

    for (name = strtok_r(value, " \t,", &save); name != NULL;
         name = strtok_r(NULL, " \t,", &save)) {
        len = strlen(name);
        quote(q, sizeof q, name, len);
        for (i = 0; i < len; i++) {
            char ch = name[i];

            if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.') ||
                name[0] == '-' || len > CONFIG_GROUP_MAX)
                return line_fail(ld, DAEMON_ECONFIG,
                                 "%s takes user names (letters, digits, '_', '-', '.') or numbers "
                                 "separated by spaces, not \"%s\"",
                                 k->name, q);
        }
        r = user_uid(name, &uid, &e);
        if (r < 0)
            return line_fail(ld, e == ENOMEM ? DAEMON_ENOMEM : DAEMON_EIO,
                             "%s: user \"%s\" could not be looked up: %s", k->name, q, strerror(e));
        if (r == 0)
            return line_fail(ld, DAEMON_ECONFIG,
                             "%s: there is no user \"%s\" on this system (see /etc/passwd, or "
                             "give the number)",
                             k->name, q);
        for (i = 0; i < N_KEYS; i++) {
            const struct config_users *o;

            if (keys_table[i].kind != KIND_USERS || ld->seen[i] == 0)
                continue;
            o = (const struct config_users *)(const void *)((const char *)ld->c +
                                                            keys_table[i].offset);
            for (j = 0; j < o->n; j++) {
                if (o->uid[j] != uid)
                    continue;
                if (o == u)
                    return line_fail(ld, DAEMON_ECONFIG, "%s lists user \"%s\" (uid %ld) twice",
                                     k->name, q, uid);
                return line_fail(ld, DAEMON_ECONFIG,
                                 "user \"%s\" (uid %ld) is in %s already (line %u): each user "
                                 "has one role; give another role a token instead",
                                 q, uid, keys_table[i].name, ld->seen[i]);
            }
        }
        if (u->n == CONFIG_MAX_ROLE_USERS)
            return line_fail(ld, DAEMON_ECONFIG,
                             "%s lists more than %d users; give a group of people a token", k->name,
                             CONFIG_MAX_ROLE_USERS);
        u->uid[u->n++] = uid;
    }
    if (u->n == 0)
        return line_fail(ld, DAEMON_ECONFIG,
                         "%s names no user; leave the line out when the role has none", k->name);
    return DAEMON_OK;
}

static enum daemon_status
set_value(struct loader *ld, const struct key_def *k, char *value)
{
    switch (k->kind) {
    case KIND_PATH:
        return set_path(ld, k, value);
    case KIND_LISTEN:
        return set_listen(ld, value);
    case KIND_MODE:
        return set_mode(ld, value);
    case KIND_GROUP:
        return set_group(ld, value);
    case KIND_LOGLEVEL:
        return set_level(ld, value);
    case KIND_USERS:
        return set_users(ld, k, value);
    case KIND_RUNUSER:
        return set_run_user(ld, value);
    case KIND_WEB:
        return set_web_listen(ld, value);
    case KIND_SIZE:
    case KIND_SECONDS:
    case KIND_COUNT:
        break;
    }
    return set_number(ld, k, value);
}

static int
is_space(char ch)
{
    return ch == ' ' || ch == '\t';
}

/* One line (NUL-terminated, no line ending; may be changed in place). */
static enum daemon_status
read_line(struct loader *ld, char *s)
{
    char *key, *kend, *value, *vend, *eq, q[CONFIG_QUOTE_MAX * 4 + 8];
    const struct key_def *k = NULL;
    const char *near;
    size_t i;

    for (i = 0; s[i] != '\0'; i++) {
        unsigned char ch = (unsigned char)s[i];

        if (ch == '\r')
            return line_fail(ld, DAEMON_ECONFIG,
                             "a carriage return in the middle of the line (mixed line endings?)");
        if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
            return line_fail(ld, DAEMON_ECONFIG, "a control character (byte 0x%02x) in the line",
                             ch);
    }
    while (is_space(*s))
        s++;
    if (*s == '\0' || *s == '#')
        return DAEMON_OK;
    eq = strchr(s, '=');
    if (eq == NULL) {
        quote(q, sizeof q, s, strlen(s));
        return line_fail(ld, DAEMON_ECONFIG, "expected \"key = value\", not \"%s\"", q);
    }
    key = s;
    kend = eq;
    while (kend > key && is_space(kend[-1]))
        kend--;
    *kend = '\0';
    if (key[0] == '\0')
        return line_fail(ld, DAEMON_ECONFIG, "a value without a key before the \"=\"");
    for (i = 0; i < N_KEYS; i++) {
        if (strcmp(key, keys_table[i].name) == 0) {
            k = &keys_table[i];
            break;
        }
    }
    if (k == NULL) {
        quote(q, sizeof q, key, strlen(key));
        near = near_key(key);
        if (near != NULL)
            return line_fail(ld, DAEMON_ECONFIG, "unknown key \"%s\" (did you mean \"%s\"?)", q,
                             near);
        return line_fail(ld, DAEMON_ECONFIG,
                         "unknown key \"%s\" (batond.conf.example lists the keys)", q);
    }
    if (ld->seen[k - keys_table] != 0)
        return line_fail(ld, DAEMON_ECONFIG, "%s is set twice (first on line %u); keep one",
                         k->name, ld->seen[k - keys_table]);

    value = eq + 1;
    while (is_space(*value))
        value++;
    if (*value == '"') {
        value++;
        vend = strchr(value, '"');
        if (vend == NULL)
            return line_fail(ld, DAEMON_ECONFIG,
                             "the value of %s opens a double quote that is not closed", k->name);
        *vend++ = '\0';
        while (is_space(*vend))
            vend++;
        if (*vend != '\0' && *vend != '#')
            return line_fail(ld, DAEMON_ECONFIG,
                             "text after the closing double quote of %s (only a # comment may "
                             "follow)",
                             k->name);
    } else {
        vend = value;
        while (*vend != '\0' && !(*vend == '#' && (vend == value || is_space(vend[-1]))))
            vend++;
        while (vend > value && is_space(vend[-1]))
            vend--;
        *vend = '\0';
        if (strchr(value, '"') != NULL)
            return line_fail(ld, DAEMON_ECONFIG,
                             "a double quote inside the value of %s: quotes may only enclose the "
                             "whole value",
                             k->name);
    }
    if (value[0] == '\0')
        return line_fail(ld, DAEMON_ECONFIG, "%s has no value; %s", k->name,
                         k->required ? "it must be set" : "leave the line out to use the default");
    ld->seen[k - keys_table] = ld->line;
    return set_value(ld, k, value);
}

/* The line that set key name, 0 when none did. */
static unsigned
seen_line(const struct loader *ld, const char *name)
{
    size_t i;

    for (i = 0; i < N_KEYS; i++) {
        if (strcmp(keys_table[i].name, name) == 0)
            return ld->seen[i];
    }
    return 0;
}

/* The checks between keys, once every line is read. */
static enum daemon_status
cross_check(struct loader *ld)
{
    char missing[sizeof ld->err->text / 2] = "";
    size_t i, n = 0, o = 0;
    unsigned l_init = seen_line(ld, "retry_initial"), l_max = seen_line(ld, "retry_max");
    unsigned l_win = seen_line(ld, "retry_window");
    const struct daemon_config *c = ld->c;

    for (i = 0; i < N_KEYS; i++) {
        if (keys_table[i].required && ld->seen[i] == 0) {
            o += (size_t)snprintf(missing + o, sizeof missing - o, "%s\"%s\"", n > 0 ? ", " : "",
                                  keys_table[i].name);
            n++;
            if (o >= sizeof missing)
                break;
        }
    }
    if (n > 0)
        return daemon_fail(ld->err, DAEMON_ECONFIG, "%s: missing required key%s %s", ld->path,
                           n > 1 ? "s" : "", missing);
    if (c->retry_max < c->retry_initial) {
        ld->line = l_max > l_init ? l_max : l_init;
        return line_fail(ld, DAEMON_ECONFIG,
                         "retry_max (%u s) is shorter than retry_initial (%u s); the wait between "
                         "attempts grows from retry_initial up to retry_max",
                         c->retry_max, c->retry_initial);
    }
    if (c->web_root[0] != '\0' && seen_line(ld, "web_root") != 0 && c->web_listen[0] == '\0') {
        ld->line = seen_line(ld, "web_root");
        return line_fail(ld, DAEMON_ECONFIG,
                         "web_root is set but web_listen is not: without web_listen there is no "
                         "web page to serve; set both or neither");
    }
    if (c->retry_window < c->retry_max) {
        ld->line = l_win > l_max ? l_win : l_max;
        return line_fail(ld, DAEMON_ECONFIG,
                         "retry_window (%u s) is shorter than retry_max (%u s), so a handover "
                         "would give up before its second attempt",
                         c->retry_window, c->retry_max);
    }
    return DAEMON_OK;
}

enum daemon_status
config_read_owned(const char *path, const struct config_owned *o, char **text, size_t *len,
                  struct daemon_err *err)
{
    struct stat sb;
    char *buf = NULL;
    size_t got = 0;
    ssize_t n;
    int fd;
    enum daemon_status st = DAEMON_EIO;

    /* O_NOFOLLOW: a link put in its place does not redirect the daemon; O_NONBLOCK: a FIFO put in
     * its place does not hang it before fstat says it is no regular file. */
    fd = open(path, O_RDONLY | (o->no_link ? O_NOFOLLOW : 0) | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return daemon_fail(err, errno == ENOENT || errno == ELOOP ? DAEMON_ECONFIG : DAEMON_EIO,
                           "%s: cannot open the %s: %s", path, o->what, strerror(errno));
    if (fstat(fd, &sb) != 0) {
        st = daemon_fail(err, DAEMON_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(sb.st_mode)) {
        st = daemon_fail(err, DAEMON_ECONFIG, "%s: the %s is not a regular file", path, o->what);
        goto out;
    }
    if ((sb.st_mode & o->deny) != 0) {
        st = daemon_fail(err, DAEMON_ECONFIG, "%s: %s %s (mode %04o)%s", path,
                         (sb.st_mode & 007) != 0 ? "every user" : "its group", o->may,
                         (unsigned)(sb.st_mode & 07777), o->why);
        goto out;
    }
    if (sb.st_uid != geteuid() && sb.st_uid != 0) {
        st = daemon_fail(err, DAEMON_ECONFIG,
                         "%s: the %s is owned by user %lu, neither the daemon's user (%lu) nor "
                         "root, who could change it; chown it",
                         path, o->what, (unsigned long)sb.st_uid, (unsigned long)geteuid());
        goto out;
    }
    if ((size_t)sb.st_size > o->max) {
        st = daemon_fail(err, DAEMON_ECONFIG, "%s: %lld bytes is too large for a %s (at most %zu)",
                         path, (long long)sb.st_size, o->what, o->max);
        goto out;
    }
    buf = malloc(o->max + 2);
    if (buf == NULL) {
        st = daemon_fail(err, DAEMON_ENOMEM, "out of memory");
        goto out;
    }
    for (;;) {
        n = read(fd, buf + got, o->max + 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            st = daemon_fail(err, DAEMON_EIO, "%s: cannot read it: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        got += (size_t)n;
        if (got > o->max) {
            st = daemon_fail(err, DAEMON_ECONFIG, "%s: too large for a %s (at most %zu bytes)",
                             path, o->what, o->max);
            goto out;
        }
    }
    buf[got] = '\0';
    *text = buf;
    *len = got;
    buf = NULL;
    st = DAEMON_OK;
out:
    free(buf);
    close(fd);
    return st;
}

/* The configuration file decides which keystore the daemon signs with and whose signature makes
 * the directory valid: whoever may change it may make the daemon trust their keys. */
static const struct config_owned config_file = {
    "configuration file",
    CONFIG_MAX_BYTES,
    022,
    "may change this file",
    ", and it decides which keys the daemon trusts; make it writable by its owner only "
    "(chmod go-w)",
    0};

static enum daemon_status
read_config_file(const char *path, char **text, size_t *len, struct daemon_err *err)
{
    return config_read_owned(path, &config_file, text, len, err);
}

/* The folder that holds path, made absolute with the current folder when path is relative (not
 * through realpath: a folder reached through a symbolic link keeps the name the operator gave). */
static enum daemon_status
folder_of(const char *path, char **out, struct daemon_err *err)
{
    const char *slash = strrchr(path, '/');
    size_t dlen = slash == NULL ? 0 : slash == path ? 1 : (size_t)(slash - path), clen = 0;
    char cwd[CONFIG_PATH_MAX], *dir;

    if (path[0] != '/') {
        if (getcwd(cwd, sizeof cwd) == NULL)
            return daemon_fail(err, DAEMON_EIO,
                               "%s: cannot tell the current folder to resolve paths against: %s",
                               path, strerror(errno));
        clen = strlen(cwd);
    }
    dir = malloc(clen + 1 + dlen + 1);
    if (dir == NULL)
        return daemon_fail(err, DAEMON_ENOMEM, "out of memory");
    memcpy(dir, cwd, clen);
    if (clen > 0 && dlen > 0 && cwd[clen - 1] != '/')
        dir[clen++] = '/';
    memcpy(dir + clen, path, dlen);
    dir[clen + dlen] = '\0';
    *out = dir;
    return DAEMON_OK;
}

enum daemon_status
config_load(const char *path, struct daemon_config *out, struct daemon_err *err)
{
    struct loader ld;
    char *text = NULL, *p, *nl;
    size_t len = 0;
    enum daemon_status st;

    if (path == NULL || out == NULL)
        return daemon_fail(err, DAEMON_EINVAL, "config_load: NULL argument");
    memset(&ld, 0, sizeof ld);
    ld.path = path;
    ld.err = err;
    st = read_config_file(path, &text, &len, err);
    if (st != DAEMON_OK)
        goto out;
    if (memchr(text, '\0', len) != NULL) {
        st = daemon_fail(err, DAEMON_ECONFIG, "%s: contains a NUL byte; is it a text file?", path);
        goto out;
    }
    st = folder_of(path, &ld.folder, err);
    if (st != DAEMON_OK)
        goto out;
    ld.c = malloc(sizeof *ld.c);
    if (ld.c == NULL) {
        st = daemon_fail(err, DAEMON_ENOMEM, "out of memory");
        goto out;
    }
    config_defaults(ld.c);

    p = text;
    if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
        p += 3; /* a UTF-8 byte order mark, as some Windows editors write */
    while (*p != '\0') {
        ld.line++;
        nl = strchr(p, '\n');
        if (nl != NULL)
            *nl = '\0';
        if (nl != NULL && nl > p && nl[-1] == '\r')
            nl[-1] = '\0';
        else if (nl == NULL && p[0] != '\0' && p[strlen(p) - 1] == '\r')
            p[strlen(p) - 1] = '\0';
        if (strlen(p) > CONFIG_LINE_MAX) {
            st = line_fail(&ld, DAEMON_ECONFIG, "line longer than %d bytes", CONFIG_LINE_MAX);
            goto out;
        }
        st = read_line(&ld, p);
        if (st != DAEMON_OK)
            goto out;
        if (nl == NULL)
            break;
        p = nl + 1;
    }
    st = cross_check(&ld);
    if (st != DAEMON_OK)
        goto out;
    memcpy(out, ld.c, sizeof *out);
out:
    free(ld.c);
    free(ld.folder);
    free(text);
    return st;
}
