/* SPDX-License-Identifier: EUPL-1.2 */
/* Tests of batond's configuration parser (daemon/config.c): the documented sample loads, and
 * every kind of mistake is refused with "FILE:LINE: reason" and leaves the output untouched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

/* The required keys, as a block every test config starts from. */
#define REQUIRED                                                                                   \
    "keystore = /etc/baton/keystore.json\n"                                                        \
    "directory = /etc/baton/directory.jws\n"                                                       \
    "coordinator = /etc/baton/coordinator.json\n"                                                  \
    "covenant = /etc/baton/covenant.jws\n"                                                         \
    "database = /var/lib/baton/baton.db\n"                                                         \
    "listen = 127.0.0.1:8443\n"                                                                    \
    "admin_socket = /run/baton/admin.sock\n"
#define REQUIRED_LINES 7

struct fx {
    char dir[64];
    char path[128];
};

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);

    if (f == NULL)
        return -1;
    strcpy(f->dir, "/tmp/baton-config-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->path, sizeof f->path, "%s/batond.conf", f->dir);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    char cmd[256];

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

/* Writes len bytes of text to path with mode. */
static void
write_file(const char *path, const char *text, size_t len, mode_t mode)
{
    int fd;

    unlink(path);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    assert_int_equal(fchmod(fd, mode), 0);
    assert_int_equal(close(fd), 0);
}

/* Loads text (written to f->path, mode 0600) and expects success. */
static void
load_ok(struct fx *f, const char *text, struct daemon_config *c)
{
    struct daemon_err err = {0};

    write_file(f->path, text, strlen(text), 0600);
    if (config_load(f->path, c, &err) != DAEMON_OK)
        fail_msg("refused: %s\n--- config ---\n%s", err.text, text);
}

/* Loads len bytes of text with mode and expects status want with the message "PATH:LINE: "
 * (or "PATH: " when line is 0) followed by text that contains says. The output must be
 * untouched. */
static void
load_fails_n(struct fx *f, const char *text, size_t len, mode_t mode, enum daemon_status want,
             unsigned line, const char *says)
{
    struct daemon_config c, before;
    struct daemon_err err = {0};
    char prefix[192];
    enum daemon_status st;

    write_file(f->path, text, len, mode);
    memset(&c, 0xa5, sizeof c);
    memcpy(&before, &c, sizeof c);
    st = config_load(f->path, &c, &err);
    if (st != want)
        fail_msg("status %d (%s), expected %d, for:\n%.*s", st, err.text, want, (int)len, text);
    assert_memory_equal(&c, &before, sizeof c);
    if (line > 0)
        snprintf(prefix, sizeof prefix, "%s:%u: ", f->path, line);
    else
        snprintf(prefix, sizeof prefix, "%s: ", f->path);
    if (strncmp(err.text, prefix, strlen(prefix)) != 0)
        fail_msg("message \"%s\" does not start with \"%s\"", err.text, prefix);
    if (strstr(err.text, says) == NULL)
        fail_msg("message \"%s\" does not say \"%s\"", err.text, says);
}

static void
load_fails(struct fx *f, const char *text, unsigned line, const char *says)
{
    load_fails_n(f, text, strlen(text), 0600, DAEMON_ECONFIG, line, says);
}

static void
test_sample_loads(void **state)
{
    struct fx *f = *state;
    static const char *const documented[] = {
        "keystore",
        "passphrase_file",
        "directory",
        "coordinator",
        "covenant",
        "database",
        "listen",
        "max_body",
        "connection_timeout",
        "max_connections",
        "clock_skew",
        "admin_socket",
        "admin_socket_mode",
        "admin_group",
        "send_timeout",
        "delivery_workers",
        "retry_initial",
        "retry_max",
        "retry_window",
        "log_level",
        "caseworkers",
        "privacy_officers",
        "administrators",
        "tokens",
        "user",
    };
    struct daemon_config c, d;
    struct daemon_err err = {0};
    char *text, want[256], needle[64];
    const struct sockaddr_in *sin;
    FILE *in;
    long size;
    size_t i;

    in = fopen(BATON_SOURCE_DIR "/daemon/batond.conf.example", "rb");
    assert_non_null(in);
    assert_int_equal(fseek(in, 0, SEEK_END), 0);
    size = ftell(in);
    rewind(in);
    text = calloc(1, (size_t)size + 1);
    assert_int_equal(fread(text, 1, (size_t)size, in), (size_t)size);
    fclose(in);
    /* Every key is documented with its own "# key (required|optional)" paragraph. */
    for (i = 0; i < sizeof documented / sizeof documented[0]; i++) {
        snprintf(needle, sizeof needle, "\n# %s (", documented[i]);
        if (strstr(text, needle) == NULL)
            fail_msg("batond.conf.example does not document %s", documented[i]);
    }
    /* A copy (a checkout may leave the original group-writable), loaded as it is. */
    write_file(f->path, text, (size_t)size, 0644);
    assert_int_equal(config_load(f->path, &c, &err), DAEMON_OK);
    snprintf(want, sizeof want, "%s/keystore.json", f->dir);
    assert_string_equal(c.keystore, want);
    snprintf(want, sizeof want, "%s/directory.jws", f->dir);
    assert_string_equal(c.directory, want);
    assert_string_equal(c.passphrase_file, "");
    assert_string_equal(c.database, "/var/lib/baton/baton.db");
    assert_string_equal(c.admin_socket, "/run/baton/admin.sock");
    assert_string_equal(c.listen, "0.0.0.0:8443");
    assert_string_equal(c.listen_host, "0.0.0.0");
    assert_int_equal(c.listen_port, 8443);
    sin = (const struct sockaddr_in *)&c.listen_addr;
    assert_int_equal(sin->sin_family, AF_INET);
    assert_int_equal(ntohs(sin->sin_port), 8443);
    assert_int_equal(c.listen_addr_len, sizeof *sin);
    /* The values the sample writes are the defaults it documents. */
    config_defaults(&d);
    assert_int_equal(c.max_body, d.max_body);
    assert_int_equal(c.max_body, 1048576);
    assert_int_equal(c.connection_timeout, d.connection_timeout);
    assert_int_equal(c.max_connections, d.max_connections);
    assert_int_equal(c.clock_skew, d.clock_skew);
    assert_int_equal(c.admin_socket_mode, 0660);
    assert_int_equal(c.admin_gid, -1);
    assert_string_equal(c.admin_group, "");
    assert_int_equal(c.send_timeout, d.send_timeout);
    assert_int_equal(c.delivery_workers, d.delivery_workers);
    assert_int_equal(c.retry_initial, 2);
    assert_int_equal(c.retry_max, 600);
    assert_int_equal(c.retry_window, 604800);
    assert_int_equal(c.log_level, CONFIG_LOG_INFO);
    free(text);
}

static void
test_defaults(void **state)
{
    struct fx *f = *state;
    struct daemon_config c, d;

    load_ok(f, REQUIRED, &c);
    config_defaults(&d);
    assert_int_equal(c.max_body, 1048576);
    assert_int_equal(c.connection_timeout, 30);
    assert_int_equal(c.max_connections, 256);
    assert_int_equal(c.send_timeout, 60);
    assert_int_equal(c.delivery_workers, 4);
    assert_int_equal(c.retry_initial, 2);
    assert_int_equal(c.retry_max, 600);
    assert_int_equal(c.retry_window, 7 * 86400);
    assert_int_equal(c.clock_skew, 300);
    assert_int_equal(c.admin_socket_mode, 0660);
    assert_int_equal(c.admin_gid, -1);
    assert_int_equal(c.log_level, CONFIG_LOG_INFO);
    assert_string_equal(c.passphrase_file, d.passphrase_file);
    assert_string_equal(config_log_level_name(c.log_level), "info");
    assert_string_equal(config_log_level_name(CONFIG_LOG_DEBUG), "debug");
}

static void
test_values(void **state)
{
    struct fx *f = *state;
    struct daemon_config c;
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&c.listen_addr;
    unsigned char loop6[16] = {0};

    load_ok(f,
            "keystore = /k\ndirectory = /d\ncoordinator = /c\ncovenant = /v\ndatabase = /b\n"
            "admin_socket = /s\n"
            "listen = [::1]:0\n"
            "max_body = 64k\n"
            "connection_timeout = 2m\n"
            "max_connections = 10000\n"
            "send_timeout = 1h\n"
            "delivery_workers = 16\n"
            "retry_initial = 5s\n"
            "retry_max = 1d\n"
            "retry_window = 90d\n"
            "clock_skew = 0\n"
            "admin_socket_mode = 600\n"
            "admin_group = root\n"
            "log_level = debug\n",
            &c);
    assert_string_equal(c.listen, "[::1]:0");
    assert_string_equal(c.listen_host, "::1");
    assert_int_equal(c.listen_port, 0);
    assert_int_equal(sin6->sin6_family, AF_INET6);
    assert_int_equal(c.listen_addr_len, sizeof *sin6);
    loop6[15] = 1;
    assert_memory_equal(&sin6->sin6_addr, loop6, 16);
    assert_int_equal(c.max_body, 65536);
    assert_int_equal(c.connection_timeout, 120);
    assert_int_equal(c.max_connections, 10000);
    assert_int_equal(c.send_timeout, 3600);
    assert_int_equal(c.delivery_workers, 16);
    assert_int_equal(c.retry_initial, 5);
    assert_int_equal(c.retry_max, 86400);
    assert_int_equal(c.retry_window, 90 * 86400);
    assert_int_equal(c.clock_skew, 0);
    assert_int_equal(c.admin_socket_mode, 0600);
    assert_string_equal(c.admin_group, "root");
    assert_int_equal(c.admin_gid, 0);
    assert_int_equal(c.log_level, CONFIG_LOG_DEBUG);
    /* A group by number need not have a name. */
    load_ok(f, REQUIRED "admin_group = 4242\nmax_body = 4M\n", &c);
    assert_int_equal(c.admin_gid, 4242);
    assert_int_equal(c.max_body, 4u * 1024 * 1024);
    /* The user batond drops to: by name or number, with its primary group. */
    load_ok(f, REQUIRED "user = nobody\n", &c);
    assert_string_equal(c.run_user, "nobody");
    assert_true(c.run_uid > 0);
    assert_true(c.run_gid >= 0);
    load_ok(f, REQUIRED, &c);
    assert_int_equal(c.run_uid, -1);
}

static void
test_format(void **state)
{
    struct fx *f = *state;
    struct daemon_config c;

    /* Comments, blank lines, indentation, tabs, no spaces around "=", a last line without an
     * end-of-line, trailing comments after white space. */
    load_ok(f,
            "# batond\n\n   # indented comment\n\t\n"
            "keystore=/k\n"
            "\tdirectory\t=\t/d\t\n"
            "  coordinator =   /c   # the coordinator's key\n"
            "covenant = \"/v #1\"  # quoted: the # inside belongs to the value\n"
            "database = \"/srv/data base/baton.db\"\n"
            "listen = \"127.0.0.1:0\"\n"
            "admin_socket = /run/a#b.sock",
            &c);
    assert_string_equal(c.keystore, "/k");
    assert_string_equal(c.directory, "/d");
    assert_string_equal(c.coordinator, "/c");
    assert_string_equal(c.covenant, "/v #1");
    assert_string_equal(c.database, "/srv/data base/baton.db");
    assert_int_equal(c.listen_port, 0);
    assert_string_equal(c.admin_socket, "/run/a#b.sock"); /* no white space before the # */

    /* CRLF line endings throughout read the same as LF; so does a UTF-8 byte order mark. */
    load_ok(f,
            "\xef\xbb\xbfkeystore = /k\r\ndirectory = /d\r\ncoordinator = /c\r\n"
            "covenant = /v\r\ndatabase = /b\r\nlisten = 127.0.0.1:9\r\n"
            "admin_socket = /s\r\n# end\r\nmax_body = 2M\r\n",
            &c);
    assert_string_equal(c.keystore, "/k");
    assert_string_equal(c.admin_socket, "/s");
    assert_int_equal(c.listen_port, 9);
    assert_int_equal(c.max_body, 2 * 1048576);
    load_ok(f, REQUIRED "log_level = error\r", &c);
    assert_int_equal(c.log_level, CONFIG_LOG_ERROR);
    /* A carriage return anywhere else is refused, not silently made part of a value. */
    load_fails(f, REQUIRED "log_level = info\rdebug\n", REQUIRED_LINES + 1,
               "carriage return in the middle of the line");
    load_fails(f, REQUIRED "listen\x01 = x\n", REQUIRED_LINES + 1, "control character (byte 0x01)");
    load_fails_n(f, REQUIRED "max_body = 1M\0\n", sizeof(REQUIRED "max_body = 1M\0\n") - 1, 0600,
                 DAEMON_ECONFIG, 0, "contains a NUL byte");
}

static void
test_relative_paths(void **state)
{
    struct fx *f = *state;
    struct daemon_config c;
    struct daemon_err err = {0};
    char want[256], cwd[PATH_MAX], rel[128];
    const char *text = "keystore = keys/keystore.json\n"
                       "passphrase_file = ./pass\n"
                       "directory = ../shared/directory.jws\n"
                       "coordinator = coordinator.json\n"
                       "covenant = /abs/covenant.jws\n"
                       "database = \"baton.db\"\n"
                       "listen = 127.0.0.1:0\n"
                       "admin_socket = run/admin.sock\n";

    load_ok(f, text, &c);
    snprintf(want, sizeof want, "%s/keys/keystore.json", f->dir);
    assert_string_equal(c.keystore, want);
    snprintf(want, sizeof want, "%s/./pass", f->dir);
    assert_string_equal(c.passphrase_file, want);
    snprintf(want, sizeof want, "%s/../shared/directory.jws", f->dir);
    assert_string_equal(c.directory, want);
    snprintf(want, sizeof want, "%s/coordinator.json", f->dir);
    assert_string_equal(c.coordinator, want);
    assert_string_equal(c.covenant, "/abs/covenant.jws");
    snprintf(want, sizeof want, "%s/baton.db", f->dir);
    assert_string_equal(c.database, want);
    snprintf(want, sizeof want, "%s/run/admin.sock", f->dir);
    assert_string_equal(c.admin_socket, want);

    /* A configuration named by a relative path: paths still come out absolute, against its
     * folder (not against the current folder). */
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir("/tmp"), 0);
    snprintf(rel, sizeof rel, "%s/batond.conf", f->dir + strlen("/tmp/"));
    assert_int_equal(config_load(rel, &c, &err), DAEMON_OK);
    snprintf(want, sizeof want, "%s/keys/keystore.json", f->dir);
    assert_string_equal(c.keystore, want);
    assert_int_equal(chdir(f->dir), 0);
    assert_int_equal(config_load("batond.conf", &c, &err), DAEMON_OK);
    assert_string_equal(c.keystore, want);
    /* Its messages name the file as it was given. */
    write_file(f->path, "colour = blue\n", 14, 0600);
    assert_int_equal(config_load("batond.conf", &c, &err), DAEMON_ECONFIG);
    assert_string_equal(
        err.text, "batond.conf:1: unknown key \"colour\" (batond.conf.example lists the keys)");
    assert_int_equal(chdir(cwd), 0);
}

static void
test_unknown_and_duplicate(void **state)
{
    struct fx *f = *state;
    struct daemon_config c;
    struct daemon_err err = {0};
    char want[256];

    write_file(f->path, REQUIRED "listne = 127.0.0.1:1\n", strlen(REQUIRED) + 21, 0600);
    assert_int_equal(config_load(f->path, &c, &err), DAEMON_ECONFIG);
    snprintf(want, sizeof want, "%s:8: unknown key \"listne\" (did you mean \"listen\"?)", f->path);
    assert_string_equal(err.text, want);
    load_fails(f, REQUIRED "max-body = 1M\n", 8,
               "unknown key \"max-body\" (did you mean \"max_body\"?)");
    load_fails(f, REQUIRED "Log_Level = info\n", 8, "(did you mean \"log_level\"?)");
    load_fails(f, REQUIRED "retry_windows = 7d\n", 8, "(did you mean \"retry_window\"?)");
    load_fails(f, "# start\n\ncolour = blue\n" REQUIRED, 3,
               "unknown key \"colour\" (batond.conf.example lists the keys)");
    load_fails(f, REQUIRED "\n# again\nlisten = 127.0.0.1:9\n", 10,
               "listen is set twice (first on line 6); keep one");
    load_fails(f, "max_body = 1M\n" REQUIRED "max_body = 1M\n", 9,
               "max_body is set twice (first on line 1)");
    load_fails(f, REQUIRED "just some words\n", 8,
               "expected \"key = value\", not \"just some words\"");
    load_fails(f, REQUIRED " = 5\n", 8, "a value without a key");
}

static void
test_bad_values(void **state)
{
    struct fx *f = *state;

    load_fails(f, "keystore = /k\nmax_body = big\n", 2,
               "max_body must be a size in bytes such as 1048576 or 1M, not \"big\"");
    load_fails(f, REQUIRED "max_body = 1G\n", 8, "max_body must be a size in bytes");
    load_fails(f, REQUIRED "max_body = -1\n", 8, "max_body must be a size in bytes");
    load_fails(f, REQUIRED "max_body = 1.5M\n", 8, "max_body must be a size in bytes");
    load_fails(f, REQUIRED "max_body = 5M\n", 8, "max_body must be from 4096 to 4194304 bytes");
    load_fails(f, REQUIRED "max_body = 100\n", 8, "max_body must be from 4096");
    load_fails(f, REQUIRED "max_body = 99999999999999999999999\n", 8, "max_body must be from");
    load_fails(f, REQUIRED "max_body = 18014398509481984M\n", 8, "max_body must be from");
    load_fails(f, REQUIRED "connection_timeout = 0\n", 8,
               "connection_timeout must be from 1 to 3600 seconds, not 0");
    load_fails(f, REQUIRED "connection_timeout = 2h\n", 8, "connection_timeout must be from 1");
    load_fails(f, REQUIRED "connection_timeout = soon\n", 8,
               "connection_timeout must be a duration in seconds such as 30");
    load_fails(f, REQUIRED "retry_window = 7w\n", 8, "retry_window must be a duration");
    load_fails(f, REQUIRED "retry_window = 91d\n", 8, "retry_window must be from 60 to 7776000");
    load_fails(f, REQUIRED "max_connections = 0\n", 8, "max_connections must be from 1 to 10000");
    load_fails(f, REQUIRED "delivery_workers = 17\n", 8, "delivery_workers must be from 1 to 16");
    load_fails(f, REQUIRED "user = root\n", 8, "is root: name the unprivileged user");
    load_fails(f, REQUIRED "user = 0\n", 8, "is root: name the unprivileged user");
    load_fails(f, REQUIRED "user = no-such-user-here\n", 8, "there is no user");
    load_fails(f, REQUIRED "user = a:b\n", 8, "user must be a user name");
    load_fails(f, REQUIRED "delivery_workers = 0\n", 8, "delivery_workers must be from 1 to 16");
    load_fails(f, REQUIRED "max_connections = 10k\n", 8, "max_connections must be a whole number");
    load_fails(f, REQUIRED "max_connections = +5\n", 8, "max_connections must be a whole number");
    load_fails(f, REQUIRED "clock_skew = 3601\n", 8, "clock_skew must be from 0 to 3600");
    load_fails(f, REQUIRED "log_level = verbose\n", 8,
               "log_level must be error, warning, info or debug, not \"verbose\"");
    load_fails(f, REQUIRED "log_level = INFO\n", 8, "log_level must be");
    /* Empty values, quotes. */
    load_fails(f, REQUIRED "max_body =\n", 8, "max_body has no value; leave the line out");
    load_fails(f, "keystore = \"\"\n", 1, "keystore has no value; it must be set");
    load_fails(f, REQUIRED "log_level = # nothing\n", 8, "log_level has no value");
    load_fails(f, REQUIRED "database2 = x\n", 8, "(did you mean \"database\"?)");
    load_fails(f, REQUIRED "log_level = \"info\n", 8, "opens a double quote that is not closed");
    load_fails(f, REQUIRED "log_level = \"info\" debug\n", 8,
               "text after the closing double quote");
    load_fails(f, REQUIRED "log_level = in\"fo\"\n", 8, "quotes may only enclose the whole value");
    /* A bad value is quoted safely. */
    load_fails(f, REQUIRED "log_level = \xff\xfe\n", 8, "not \"\\xff\\xfe\"");
    /* Cross checks name the later line. */
    load_fails(f, REQUIRED "retry_max = 30\nretry_initial = 1m\n", 9,
               "retry_max (30 s) is shorter than retry_initial (60 s)");
    load_fails(f, REQUIRED "retry_initial = 1h\n", 8, "retry_max (600 s) is shorter than");
    load_fails(f, REQUIRED "retry_window = 5m\n", 8,
               "retry_window (300 s) is shorter than retry_max (600 s)");
}

static void
test_bad_listen(void **state)
{
    struct fx *f = *state;
    static const char *const bad[] = {
        "localhost:8443", "127.0.0.1",     "127.0.0.1:",      ":8443",   "::1:8443",
        "[::1]8443",      "[::1]",         "[::1:8443",       "[]:8443", "256.0.0.1:8443",
        "127.0.0.1 8443", "[127.0.0.1]:1", "example.org:443",
    };
    char text[512];
    size_t i;

    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(text, sizeof text, "keystore = /k\nlisten = %s\n", bad[i]);
        load_fails(f, text, 2, "listen must ");
    }
    load_fails(f, "listen = localhost:8443\n", 1,
               "listen must be an IP address and a port, such as 127.0.0.1:8443");
    load_fails(f, "listen = 127.0.0.1:70000\n", 1,
               "listen must end in a port from 0 to 65535 (0: any free port), not "
               "\"127.0.0.1:70000\"");
    load_fails(f, "listen = [::1]:http\n", 1, "listen must end in a port");
    load_fails(f, "listen = 127.0.0.1:-1\n", 1, "listen must end in a port");
}

static void
test_bad_mode_and_group(void **state)
{
    struct fx *f = *state;

    load_fails(f, REQUIRED "admin_socket_mode = rw\n", 8,
               "admin_socket_mode must be an octal mode such as 0660 or 0600, not \"rw\"");
    load_fails(f, REQUIRED "admin_socket_mode = 0680\n", 8, "must be an octal mode");
    load_fails(f, REQUIRED "admin_socket_mode = 66\n", 8, "must be an octal mode");
    load_fails(f, REQUIRED "admin_socket_mode = 00660\n", 8, "must be an octal mode");
    load_fails(f, REQUIRED "admin_socket_mode = 0666\n", 8,
               "admin_socket_mode 0666 would let every local user use the admin API");
    load_fails(f, REQUIRED "admin_socket_mode = 0662\n", 8, "every local user");
    load_fails(f, REQUIRED "admin_socket_mode = 4660\n", 8, "permission bits only");
    load_fails(f, REQUIRED "admin_socket_mode = 0460\n", 8, "must let the owner read and write");
    load_fails(f, REQUIRED "admin_group = no-such-group-baton\n", 8,
               "admin_group: there is no group \"no-such-group-baton\" on this system");
    load_fails(f, REQUIRED "admin_group = -wheel\n", 8, "admin_group must be a group name");
    load_fails(f, REQUIRED "admin_group = a:b\n", 8, "admin_group must be a group name");
}

static void
test_missing(void **state)
{
    struct fx *f = *state;

    load_fails(f,
               "listen = 127.0.0.1:1\nkeystore = /k\ndirectory = /d\ncoordinator = /c\n"
               "covenant = /v\ndatabase = /b\n",
               0, "missing required key \"admin_socket\"");
    load_fails(f, "# nothing yet\n", 0,
               "missing required keys \"keystore\", \"directory\", \"coordinator\", "
               "\"covenant\", \"database\", \"listen\", \"admin_socket\"");
    load_fails(f, "", 0, "missing required keys \"keystore\"");
}

static void
test_file_refused(void **state)
{
    struct fx *f = *state;
    struct daemon_config c, before;
    struct daemon_err err = {0};
    char path[256];

    /* Others or the group could change which keys the daemon trusts. */
    load_fails_n(f, REQUIRED, strlen(REQUIRED), 0666, DAEMON_ECONFIG, 0,
                 "every user may change this file (mode 0666), and it decides which keys the "
                 "daemon trusts; make it writable by its owner only (chmod go-w)");
    load_fails_n(f, REQUIRED, strlen(REQUIRED), 0620, DAEMON_ECONFIG, 0,
                 "its group may change this file (mode 0620)");
    load_fails_n(f, REQUIRED, strlen(REQUIRED), 0602, DAEMON_ECONFIG, 0, "every user may change");
    /* Readable by all is fine: the file holds no secret. */
    write_file(f->path, REQUIRED, strlen(REQUIRED), 0644);
    assert_int_equal(config_load(f->path, &c, &err), DAEMON_OK);

    /* Missing, a folder, unreadable. */
    memset(&c, 0x5a, sizeof c);
    memcpy(&before, &c, sizeof c);
    snprintf(path, sizeof path, "%s/absent.conf", f->dir);
    assert_int_equal(config_load(path, &c, &err), DAEMON_ECONFIG);
    assert_non_null(strstr(err.text, "absent.conf: cannot open the configuration file: No such "
                                     "file or directory"));
    assert_int_equal(config_load(f->dir, &c, &err), DAEMON_ECONFIG);
    assert_non_null(strstr(err.text, ": the configuration file is not a regular file"));
    assert_memory_equal(&c, &before, sizeof c);
    if (geteuid() != 0) { /* root reads any file */
        write_file(f->path, REQUIRED, strlen(REQUIRED), 0000);
        assert_int_equal(config_load(f->path, &c, &err), DAEMON_EIO);
        assert_non_null(strstr(err.text, "Permission denied"));
        assert_memory_equal(&c, &before, sizeof c);
    }
    /* Owned by someone else (who could rewrite it), unless that is root. Needs root to chown. */
    if (geteuid() == 0) {
        write_file(f->path, REQUIRED, strlen(REQUIRED), 0644);
        assert_int_equal(chown(f->path, 4242, 4242), 0);
        assert_int_equal(config_load(f->path, &c, &err), DAEMON_ECONFIG);
        assert_non_null(strstr(err.text, "owned by user 4242, neither the daemon's user (0) nor "
                                         "root, who could change it"));
        assert_memory_equal(&c, &before, sizeof c);
    }
    /* Too large to be a configuration. */
    {
        size_t n = 70000;
        char *big = malloc(n);

        assert_non_null(big);
        memset(big, '#', n);
        big[n - 1] = '\n';
        load_fails_n(f, big, n, 0600, DAEMON_ECONFIG, 0, "too large for a configuration file");
        free(big);
    }
    /* A line too long to hold any value. */
    {
        size_t n = 5000;
        char *lng = malloc(n + 32);

        assert_non_null(lng);
        strcpy(lng, "database = /");
        memset(lng + 12, 'a', n);
        strcpy(lng + 12 + n, "\n");
        load_fails(f, lng, 1, "line longer than");
        /* And a relative path that fits a line but not once resolved. */
        strcpy(lng, "database = ");
        memset(lng + 11, 'b', 4080);
        strcpy(lng + 11 + 4080, "\n");
        load_fails(f, lng, 1, "is longer than 4095 bytes once resolved");
        free(lng);
    }
    assert_int_equal(config_load(NULL, &c, &err), DAEMON_EINVAL);
}

/* The role keys: names and numbers, one role per user, the tokens path. */
static void
test_roles(void **state)
{
    struct fx *f = *state;
    struct daemon_config c;
    char want[256];

    config_defaults(&c);
    assert_int_equal(c.caseworkers.n + c.privacy_officers.n + c.administrators.n, 0);
    assert_string_equal(c.tokens, "");
    load_ok(f,
            REQUIRED "caseworkers = root 1001,1002\n"
                     "privacy_officers = 2001\n"
                     "administrators = \"3001 3002\"\n"
                     "tokens = tokens\n",
            &c);
    assert_int_equal(c.caseworkers.n, 3);
    assert_int_equal(c.caseworkers.uid[0], 0); /* root, looked up by name */
    assert_int_equal(c.caseworkers.uid[1], 1001);
    assert_int_equal(c.caseworkers.uid[2], 1002);
    assert_int_equal(c.privacy_officers.n, 1);
    assert_int_equal(c.privacy_officers.uid[0], 2001);
    assert_int_equal(c.administrators.n, 2);
    assert_int_equal(c.administrators.uid[1], 3002);
    snprintf(want, sizeof want, "%s/tokens", f->dir);
    assert_string_equal(c.tokens, want);

    /* One role per user: the second line naming a user is refused, and says where the first is. */
    load_fails(f, REQUIRED "caseworkers = 1001\nadministrators = 3001 1001\n", REQUIRED_LINES + 2,
               "(uid 1001) is in caseworkers already (line 8)");
    load_fails(f, REQUIRED "privacy_officers = root\ncaseworkers = 0\n", REQUIRED_LINES + 2,
               "is in privacy_officers already");
    load_fails(f, REQUIRED "caseworkers = 1001 1001\n", REQUIRED_LINES + 1, "twice");
    load_fails(f, REQUIRED "caseworkers = no-such-user-baton\n", REQUIRED_LINES + 1,
               "there is no user \"no-such-user-baton\"");
    load_fails(f, REQUIRED "caseworkers = ann;rm\n", REQUIRED_LINES + 1, "takes user names");
    load_fails(f, REQUIRED "caseworkers = -1\n", REQUIRED_LINES + 1, "takes user names");
    load_fails(f, REQUIRED "caseworkers = , ,\n", REQUIRED_LINES + 1, "names no user");
    load_fails(f, REQUIRED "caseworkers = 99999999999\n", REQUIRED_LINES + 1, "no user");
    load_fails(f, REQUIRED "caseworker = 1001\n", REQUIRED_LINES + 1,
               "did you mean \"caseworkers\"");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sample_loads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_format, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relative_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_and_duplicate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_listen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_mode_and_group, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roles, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
