/* SPDX-License-Identifier: EUPL-1.2 */
/* batond's entry point: reads its configuration, starts the peer endpoint, the admin socket and
 * the delivery worker, and stops them cleanly on SIGTERM or SIGINT. */
#define _GNU_SOURCE /* setgroups */
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/prctl.h>
#include <sys/resource.h>

#include "core.h"

/* Exit statuses: as the baton command (0 done, 2 unusable), and 1 when the daemon could not
 * start or --check found a problem. */
#define EXIT_NOT_STARTED 1
#define EXIT_USAGE 2

static void
usage(FILE *out)
{
    fputs("Usage: batond --config FILE [--check]\n"
          "       batond --version | --help\n"
          "\n"
          "Runs this organisation's baton daemon: the HTTPS peer endpoint (mutual TLS, the\n"
          "network directory's keys), the admin API on a Unix socket (baton send, inbox,\n"
          "outbox, ...), the SQLite store and the delivery worker. FILE is described in\n"
          "daemon/batond.conf.example. One line per event goes to standard error.\n"
          "\n"
          "  --config FILE  the configuration file.\n"
          "  --check        load the configuration, keystore, directory, covenant and store,\n"
          "                 say what was found, and exit: 0 when the daemon can run and send.\n"
          "  --version      print the version.\n"
          "  -h, --help     show this help.\n"
          "\n"
          "Signals: SIGTERM and SIGINT stop it cleanly (no new requests, the delivery in\n"
          "progress finished, the store closed).\n"
          "Exit status: 0 stopped cleanly (or --check passed); 1 could not start (the reason\n"
          "on standard error); 2 bad usage.\n",
          out);
}

/* One log line to standard error in a single write, so that lines from threads never mix. */
static void
log_line(void *ctx, const char *line)
{
    size_t n = strlen(line);
    char buf[1200];

    (void)ctx;
    if (n > sizeof buf - 2)
        n = sizeof buf - 2;
    memcpy(buf, line, n);
    buf[n++] = '\n';
    while (write(STDERR_FILENO, buf, n) < 0 && errno == EINTR)
        ;
}

static int
check(struct daemon *d)
{
    char why[600], t[KEYS_TIME_LEN + 1];
    time_t now = time(NULL);
    int ok = 1;

    printf("organisation: %s (OIN %s, %s)\n", d->me->name, d->me->oin, d->me->role);
    printf("endpoint:     %s\n", d->me->endpoint);
    if (core_directory_usable(d, now, why, sizeof why)) {
        printf("directory:    valid until %s, %zu organisations\n", core_time(d->dir_expires, t),
               d->n_pins);
    } else {
        printf("directory:    NOT USABLE: %s\n", why);
        ok = 0;
    }
    if (core_covenant_usable(d, now, why, sizeof why)) {
        printf("covenant:     %s, acceptance deadline %ld days\n", d->covenant_id,
               d->deadline_s / 86400);
    } else {
        printf("covenant:     NOT USABLE: %s\n", why);
        ok = 0;
    }
    printf("store:        %s (schema version %d)\n", d->cfg->database, STORE_SCHEMA_VERSION);
    printf("peer:         %s port %u; admin socket %s\n", d->cfg->listen_host, d->cfg->listen_port,
           d->cfg->admin_socket);
    printf(ok ? "batond can run and send.\n" : "batond would run, but cannot send.\n");
    return ok ? EXIT_SUCCESS : EXIT_NOT_STARTED;
}

/* No core dumps: one would hold the private keys and the forms in memory. Set again after the
 * user changes, since a change of credentials resets it. */
static void
no_core_dumps(void)
{
    const struct rlimit none = {0, 0};

    setrlimit(RLIMIT_CORE, &none);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* batond never keeps root: started as root it needs a user to drop to; started as another user,
 * that must be the configured one. 0 when it may go on (said on standard error otherwise). */
static int
check_user(const struct daemon_config *c, const char *config_path)
{
    uid_t me = geteuid();

    if (me == 0 && c->run_uid < 0) {
        fprintf(stderr,
                "batond: will not run as root: set \"user = NAME\" in %s (batond drops to that "
                "user once its files and sockets are open), or start it as that user, as "
                "daemon/batond.service does\n",
                config_path);
        return -1;
    }
    if (me != 0 && c->run_uid >= 0 && (long)me != c->run_uid) {
        fprintf(stderr,
                "batond: %s says user = %s (uid %ld), but batond runs as uid %ld: start it as "
                "that user, or as root to have it drop to that user\n",
                config_path, c->run_user, c->run_uid, (long)me);
        return -1;
    }
    return 0;
}

/* Started as root: drops to the configured user and its primary group for good (also the saved
 * ids), and checks that root cannot be had back. 0, or -1 after saying why. */
static int
drop_root(struct daemon *d)
{
    const struct daemon_config *c = d->cfg;
    const gid_t gid = (gid_t)c->run_gid;

    if (geteuid() != 0)
        return 0;
    if (setgroups(1, &gid) != 0 || setresgid(gid, gid, gid) != 0 ||
        setresuid((uid_t)c->run_uid, (uid_t)c->run_uid, (uid_t)c->run_uid) != 0) {
        fprintf(stderr, "batond: cannot drop root to user %s (uid %ld, gid %ld): %s\n", c->run_user,
                c->run_uid, c->run_gid, strerror(errno));
        return -1;
    }
    if (setuid(0) == 0 || seteuid(0) == 0) {
        fprintf(stderr, "batond: could take root back after dropping it; stopping\n");
        return -1;
    }
    no_core_dumps();
    core_log(d, CONFIG_LOG_INFO, "privileges", NULL, NULL,
             "running as user %s (uid %ld, gid %ld) from now on; root is dropped", c->run_user,
             c->run_uid, c->run_gid);
    return 0;
}

int
main(int argc, char **argv)
{
    struct daemon_options o = {NULL, log_line, NULL};
    struct daemon_err err = {0};
    struct keys_err kerr = {0};
    struct daemon *d = NULL;
    sigset_t stop;
    int i, sig = 0, only_check = 0, rc;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return EXIT_SUCCESS;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("batond %s\n", daemon_version());
            return EXIT_SUCCESS;
        } else if (strcmp(argv[i], "--check") == 0) {
            only_check = 1;
        } else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            o.config_path = argv[++i];
        } else if (strncmp(argv[i], "--config=", 9) == 0) {
            o.config_path = argv[i] + 9;
        } else {
            fprintf(stderr, "batond: unknown argument \"%s\"; see batond --help\n", argv[i]);
            return EXIT_USAGE;
        }
    }
    if (o.config_path == NULL) {
        fputs("batond: which configuration? Give --config FILE (see "
              "daemon/batond.conf.example)\n",
              stderr);
        return EXIT_USAGE;
    }
    if (keys_init(&kerr) != KEYS_OK) {
        fprintf(stderr, "batond: %s\n", kerr.text);
        return EXIT_NOT_STARTED;
    }
    no_core_dumps();

    /* The signals are taken by sigwait below: blocked here, before any thread starts, so that
     * every thread inherits the mask and none is interrupted by them. A peer that closes its
     * connection must not kill the daemon with SIGPIPE. */
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* Past a file size limit a write must fail (and the transaction with it), not kill batond. */
    signal(SIGXFSZ, SIG_IGN);

    /* Who may run it is decided before anything is opened or created. */
    if (!only_check) {
        struct daemon_config *c = calloc(1, sizeof *c);

        if (c == NULL || config_load(o.config_path, c, &err) != DAEMON_OK) {
            fprintf(stderr, "batond: %s\n", c == NULL ? "out of memory" : err.text);
            free(c);
            return EXIT_NOT_STARTED;
        }
        rc = check_user(c, o.config_path);
        free(c);
        if (rc != 0)
            return EXIT_NOT_STARTED;
    }
    if (daemon_load(&o, &d, &err) != DAEMON_OK) {
        fprintf(stderr, "batond: %s\n", err.text);
        return EXIT_NOT_STARTED;
    }
    if (only_check) {
        rc = check(d);
        daemon_free(d);
        return rc;
    }
    if (daemon_start(d, &err) != DAEMON_OK) {
        fprintf(stderr, "batond: %s\n", err.text);
        daemon_free(d);
        return EXIT_NOT_STARTED;
    }
    if (drop_root(d) != 0) {
        daemon_free(d);
        return EXIT_NOT_STARTED;
    }
    while (sigwait(&stop, &sig) != 0)
        ;
    core_log(d, CONFIG_LOG_INFO, "stopping", NULL, NULL, "signal %d (%s) received", sig,
             sig == SIGTERM ? "SIGTERM" : "SIGINT");
    daemon_free(d);
    return EXIT_SUCCESS;
}
