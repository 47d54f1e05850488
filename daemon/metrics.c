/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * batond's operational figures: lock-free counters and the delivery latency histogram kept as
 * things happen, the handovers by state read from the store when asked, rendered in the
 * Prometheus text exposition format 0.0.4; and the answers of the health checks.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "core.h"
#include "metrics.h"

/* The histogram's upper bounds in seconds, as Prometheus' defaults go, stretched to a minute: a
 * delivery is one HTTPS round trip when the peer answers, minutes to days when it must be
 * retried (those land in +Inf). The text is how each bound is written in the exposition. */
static const struct {
    double le;
    const char *text;
} buckets[] = {
    {0.005, "0.005"}, {0.01, "0.01"}, {0.025, "0.025"}, {0.05, "0.05"}, {0.1, "0.1"},
    {0.25, "0.25"},   {0.5, "0.5"},   {1, "1"},         {2.5, "2.5"},   {5, "5"},
    {10, "10"},       {30, "30"},     {60, "60"},
};
#define N_BUCKETS (sizeof buckets / sizeof buckets[0])

struct metrics {
    atomic_ullong counter[METRICS_COUNTERS];
    /* Observations per bucket (not cumulative; the last one is +Inf), and their sum in
     * microseconds, so that it is added exactly without a lock. */
    atomic_ullong bucket[N_BUCKETS + 1];
    atomic_ullong sum_us;
};

static const struct {
    const char *name, *help;
} counters[METRICS_COUNTERS] = {
    [METRICS_SUBMITTED] = {"batond_submitted_total",
                           "Forms and status updates queued by a local user."},
    [METRICS_REFUSED] = {"batond_refused_total",
                         "Submits refused (validation, covenant, consent, directory)."},
    [METRICS_DELIVERED] = {"batond_delivered_total",
                           "Packets delivered and answered with a verified receipt."},
    [METRICS_RETRIES] = {"batond_retries_total",
                         "Delivery attempts that failed and will be tried again."},
    [METRICS_UNDELIVERABLE] = {"batond_undeliverable_total",
                               "Packets and notices given up after the retry window."},
    [METRICS_RECEIVED] = {"batond_received_total",
                          "Packets and notices from peers answered with a receipt or taken in."},
    [METRICS_PEER_REFUSED] = {"batond_peer_refused_total",
                              "Packets and notices from peers refused."},
    [METRICS_ROLE_REFUSED] = {"batond_role_refused_total",
                              "Admin API and web page requests refused for the asker's role, "
                              "or for an unknown user or token."},
};

int
metrics_init(struct daemon *d)
{
    struct metrics *m;
    size_t i;

    if (d == NULL)
        return -1;
    if (d->metrics != NULL)
        return 0;
    m = malloc(sizeof *m);
    if (m == NULL)
        return -1;
    for (i = 0; i < METRICS_COUNTERS; i++)
        atomic_init(&m->counter[i], 0);
    for (i = 0; i <= N_BUCKETS; i++)
        atomic_init(&m->bucket[i], 0);
    atomic_init(&m->sum_us, 0);
    d->metrics = m;
    return 0;
}

void
metrics_free(struct daemon *d)
{
    if (d == NULL)
        return;
    free(d->metrics);
    d->metrics = NULL;
}

void
metrics_count(struct daemon *d, enum metrics_counter c)
{
    if (d == NULL || d->metrics == NULL || (unsigned)c >= METRICS_COUNTERS)
        return;
    atomic_fetch_add_explicit(&d->metrics->counter[c], 1, memory_order_relaxed);
}

long long
metrics_now_ms(void)
{
    struct timespec t;

    if (clock_gettime(CLOCK_REALTIME, &t) != 0)
        return (long long)time(NULL) * 1000;
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

void
metrics_latency(struct daemon *d, double seconds)
{
    size_t i = 0;

    if (d == NULL || d->metrics == NULL)
        return;
    if (!(seconds >= 0)) /* a clock set back, or NaN */
        seconds = 0;
    while (i < N_BUCKETS && seconds > buckets[i].le)
        i++;
    atomic_fetch_add_explicit(&d->metrics->bucket[i], 1, memory_order_relaxed);
    /* A year in microseconds is 3.2e13: no sum of real deliveries overflows 64 bits. */
    atomic_fetch_add_explicit(&d->metrics->sum_us, (unsigned long long)(seconds * 1e6 + 0.5),
                              memory_order_relaxed);
}

/* ---- the exposition ---- */

struct buf {
    char *p;
    size_t len, cap;
    int failed;
};

static void put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
put(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    size_t need;
    char *grown;
    int n;

    if (b->failed)
        return;
    va_start(ap, fmt);
    n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if ((size_t)n >= b->cap - b->len) {
        need = b->len + (size_t)n + 1;
        grown = realloc(b->p, need > 2 * b->cap ? need : 2 * b->cap);
        if (grown == NULL) {
            b->failed = 1;
            return;
        }
        b->p = grown;
        b->cap = need > 2 * b->cap ? need : 2 * b->cap;
        va_start(ap, fmt);
        vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

/* A label value as the format has it: backslash, double quote and line feed escaped. */
static void
put_label(struct buf *b, const char *v)
{
    for (; *v != '\0'; v++) {
        if (*v == '\\')
            put(b, "\\\\");
        else if (*v == '"')
            put(b, "\\\"");
        else if (*v == '\n')
            put(b, "\\n");
        else
            put(b, "%c", *v);
    }
}

static void
family(struct buf *b, const char *name, const char *type, const char *help)
{
    put(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

int
metrics_render(struct daemon *d, char **out, size_t *len)
{
    static const char *const out_names[] = {"queued", "delivered", "accepted", "rejected",
                                            "undeliverable"};
    static const char *const in_names[] = {"new", "accepted", "rejected"};
    struct buf b = {0};
    struct store_counts sc;
    struct daemon_err err = {0};
    unsigned long long v, cum = 0, sum_us;
    int have_store = 0;
    time_t now = time(NULL);
    size_t i;

    if (d == NULL || out == NULL || len == NULL)
        return -1;
    b.cap = 4096;
    b.p = malloc(b.cap);
    if (b.p == NULL)
        return -1;
    b.p[0] = '\0';

    family(&b, "batond_up", "gauge", "1 while batond runs.");
    put(&b, "batond_up 1\n");
    family(&b, "batond_build_info", "gauge", "batond's version, as a label.");
    put(&b, "batond_build_info{version=\"");
    put_label(&b, daemon_version());
    put(&b, "\"} 1\n");

    for (i = 0; i < METRICS_COUNTERS; i++) {
        v = d->metrics != NULL ? atomic_load_explicit(&d->metrics->counter[i], memory_order_relaxed)
                               : 0;
        family(&b, counters[i].name, "counter", counters[i].help);
        put(&b, "%s %llu\n", counters[i].name, v);
    }

    /* The handovers and the audit trail as the store holds them now; left out (and /health/ready
     * says why) when the store cannot be read. */
    if (d->store != NULL &&
        store_counts(d->store, d->deadline_s > 0 ? now - (time_t)d->deadline_s : 0, &sc, &err) ==
            DAEMON_OK)
        have_store = 1;
    if (have_store) {
        family(&b, "batond_handovers", "gauge",
               "Handovers by direction and state: sent packets (out) and received ones (in).");
        for (i = 0; i < sizeof out_names / sizeof out_names[0]; i++)
            put(&b, "batond_handovers{direction=\"out\",state=\"%s\"} %lld\n", out_names[i],
                sc.out[i]);
        for (i = 0; i < sizeof in_names / sizeof in_names[0]; i++)
            put(&b, "batond_handovers{direction=\"in\",state=\"%s\"} %lld\n", in_names[i],
                sc.in[i]);
        family(&b, "batond_overdue", "gauge",
               "Handovers delivered but not accepted or rejected within the covenant's deadline.");
        put(&b, "batond_overdue %lld\n", sc.overdue);
        family(&b, "batond_audit_entries", "gauge", "Entries in the audit chain.");
        put(&b, "batond_audit_entries %lld\n", sc.audit);
    }

    family(&b, "batond_delivery_seconds", "histogram",
           "Time from a packet's submit to its verified receipt, in seconds (whole seconds: the "
           "store keeps times so).");
    for (i = 0; i <= N_BUCKETS; i++) {
        cum += d->metrics != NULL
                   ? atomic_load_explicit(&d->metrics->bucket[i], memory_order_relaxed)
                   : 0;
        put(&b, "batond_delivery_seconds_bucket{le=\"%s\"} %llu\n",
            i < N_BUCKETS ? buckets[i].text : "+Inf", cum);
    }
    /* _count is the +Inf bucket as read, so that the two always agree. */
    sum_us =
        d->metrics != NULL ? atomic_load_explicit(&d->metrics->sum_us, memory_order_relaxed) : 0;
    put(&b, "batond_delivery_seconds_sum %llu.%06llu\n", sum_us / 1000000ull, sum_us % 1000000ull);
    put(&b, "batond_delivery_seconds_count %llu\n", cum);

    if (b.failed) {
        free(b.p);
        return -1;
    }
    *out = b.p;
    *len = b.len;
    return 0;
}

/* ---- health ---- */

int
metrics_live(struct daemon *d)
{
    (void)d;
    return 1;
}

/* Less free space than this on the store's file system and a write may fail: a change and its
 * audit entries take a few pages, a checkpoint of the log a few more. */
#define METRICS_MIN_FREE_BYTES (1024.0 * 1024.0)

/* 1 when this process holds the file path open and that file was deleted: a descriptor of
 * /proc/self/fd named "DIR/NAME (deleted)", NAME path's last part, with no link left. batond may
 * read its own descriptors whatever the permissions of the folders on the path. */
static int
deleted_while_open(const char *path)
{
    char link[300], target[CONFIG_PATH_MAX + 16], gone[CONFIG_PATH_MAX + 16];
    const char *base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
    size_t glen, tlen;
    struct dirent *e;
    struct stat sb;
    ssize_t n;
    DIR *fds;
    int found = 0;

    if (snprintf(gone, sizeof gone, "/%s (deleted)", base) >= (int)sizeof gone)
        return 0;
    glen = strlen(gone);
    fds = opendir("/proc/self/fd");
    if (fds == NULL)
        return 0;
    while (!found && (e = readdir(fds)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(link, sizeof link, "/proc/self/fd/%s", e->d_name);
        n = readlink(link, target, sizeof target - 1);
        if (n <= 0)
            continue;
        target[n] = '\0';
        tlen = (size_t)n;
        found = tlen >= glen && strcmp(target + tlen - glen, gone) == 0 && stat(link, &sb) == 0 &&
                sb.st_nlink == 0;
    }
    closedir(fds);
    return found;
}

/* Whether the store's file is there and may be written to; else 0 with why. It is written
 * through the descriptors opened at start (perhaps before batond dropped root), so its path's
 * permissions say nothing; what batond may not look at is not held against it. */
static int
store_writable(struct daemon *d, char *why, size_t size)
{
    const char *path = d->cfg != NULL ? d->cfg->database : "";
    struct statvfs vfs;
    struct stat sb;

    if (deleted_while_open(path)) {
        snprintf(why, size, "the store's database file %s is gone (deleted while open)", path);
        return 0;
    }
    if (stat(path, &sb) != 0)
        return 1; /* batond may not look there; what it holds open still works */
    if (statvfs(path, &vfs) != 0)
        return 1;
    if ((vfs.f_flag & ST_RDONLY) != 0) {
        snprintf(why, size, "the store's database file %s is on a file system mounted read-only",
                 path);
        return 0;
    }
    if ((double)vfs.f_bavail * (double)vfs.f_frsize < METRICS_MIN_FREE_BYTES) {
        snprintf(why, size, "the disk holding the store %s is full (less than 1 MiB free)", path);
        return 0;
    }
    return 1;
}

int
metrics_ready(struct daemon *d, char *why, size_t size)
{
    struct daemon_err err = {0};
    struct store_counts sc;
    char scratch[2];
    char text[700];
    time_t now = time(NULL);
    int running;

    if (why == NULL || size == 0) {
        why = scratch;
        size = sizeof scratch;
    }
    why[0] = '\0';
    if (d == NULL) {
        snprintf(why, size, "batond is not loaded");
        return 0;
    }
    if (d->store == NULL) {
        snprintf(why, size, "the store is not open");
        return 0;
    }
    if (store_counts(d->store, 0, &sc, &err) != DAEMON_OK) {
        snprintf(why, size, "the store cannot be read: %s", err.text);
        return 0;
    }
    if (sc.read_only) {
        snprintf(why, size, "the store %s was opened read-only",
                 d->cfg != NULL ? d->cfg->database : "");
        return 0;
    }
    if (!store_writable(d, why, size))
        return 0;
    if (!core_directory_usable(d, now, text, sizeof text)) {
        snprintf(why, size, "cannot send or receive: %s", text);
        return 0;
    }
    if (!core_covenant_usable(d, now, text, sizeof text)) {
        snprintf(why, size, "cannot send or receive: %s", text);
        return 0;
    }
    pthread_mutex_lock(&d->mu);
    running = d->worker_running && !d->stopping;
    pthread_mutex_unlock(&d->mu);
    if (!running) {
        snprintf(why, size, "the delivery workers are not running");
        return 0;
    }
    return 1;
}
