/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * Measures batond on loopback against the per-form cryptography, in one run:
 *
 *  1. the cryptography of one form in this process, as the daemons' flows call it
 *     (keys_packet_seal_local, keys_packet_open_local, keys_receipt_sign_local,
 *     keys_receipt_verify_local, the form validated on both sides), with 1 thread and with
 *     min(8, CPUs) threads: the bound. Measured again at the end; the higher of the two
 *     counts, since a shared machine only ever makes it slower.
 *  2. two real daemons that run-daemon.sh started, a school's and a municipality's, each with
 *     its durable SQLite store, idle during 1;
 *  3. end to end: POST /v1/send on the school's admin socket until the school logs "delivered"
 *     for that packet id (the municipality stored it and answered with a receipt, which the
 *     school verified and stored), by 1 and by 8 senders in a closed loop (each sends its next
 *     form once its last one is delivered), then by 8 senders paced at half the peak rate (a
 *     form every 1/rate s on a fixed schedule, its time counted from its slot, so that a stall
 *     is not hidden by the senders waiting for it);
 *  4. the receive path alone: packets sealed beforehand, POSTed to the municipality's
 *     /v1/packets over mutual TLS with batond's own client (daemon/deliver.c) as the school,
 *     until the receipt comes: 1 and 8 clients, then paced at half its peak;
 *  5. peak memory (VmHWM) of both daemons, and the municipality's RSS and thread count before
 *     and after CONNECTIONS idle mutual-TLS connections (each has done one request);
 *  6. every form arrived once: the school's outbox all delivered, the municipality's inbox
 *     holding each form and each packet once, no error in either log.
 *
 * This program follows the daemons' logs as they are written (inotify) and timestamps each line
 * as it comes: the "delivered" times need no daemon change and have sub-millisecond resolution.
 * Each phase also says how much CPU the daemons, this program and all other processes used.
 *
 * usage: bench_daemon FORM NETWORK_DIR SCHOOL_PID MUNICIPALITY_PID [SECONDS [CONNECTIONS]]
 *   FORM is the handover every phase sends (run-daemon.sh: the example handover as the
 *   integration tests send it, which the example covenant and consent allow). NETWORK_DIR holds
 *   what run-daemon.sh makes with tests/integration/lib.sh: coord/entry.json, directory.jws,
 *   covenant.jws, and school/ and gemeente/ each with a keystore, a batond.conf (log_level
 *   info), the daemon's log and its admin socket admin.sock. The daemons run with the pids
 *   given; this program neither starts nor stops them. SECONDS is the length of each timed
 *   phase (default 3), CONNECTIONS the idle connections (default 200).
 * Exit status: 0 when every phase ran and every form arrived once (whether or not the goals
 * were met), 1 when something failed, 2 for bad usage. Not a test: run-daemon.sh runs it.
 */
#define _GNU_SOURCE /* getloadavg, statfs, inotify_init1 */

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <poll.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "deliver.h"
#include "forms.h"
#include "keys.h"

#define CONSENT "6d2f4c1e-8a3b-4f0d-9c7e-1b5a2e3d4f60"
#define PURPOSE "warme-overdracht"
/* Concurrent senders (admin API clients) and receive-path clients in the "eight" phases. */
#define SENDERS 8
/* Forms the end-to-end phases may send in all (the outbox listing shows at most 10000). */
#define MAX_FORMS 8000
/* Packets sealed beforehand for the receive-path phases, at most. */
#define MAX_POOL 6000
/* Room for delivered events: a power of two, more than twice what a run sends. */
#define EV_CAP 32768
/* How long a form may take to arrive before the run counts it lost. */
#define LOST_S 30.0
/* The goals of the issue. */
#define GOAL_RATIO 0.5
#define GOAL_P99_MS 10.0
#define GOAL_CONN_KIB 64.0

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
sleep_until(double t)
{
    struct timespec ts;

    ts.tv_sec = (time_t)t;
    ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

static void
sleep_s(double s)
{
    sleep_until(now_s() + s);
}

/* ---- delivered events: packet id -> when the school logged "delivered" ---- */

struct event {
    char id[KEYS_UUID_LEN + 1];
    double t;
};

struct events {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* on CLOCK_MONOTONIC */
    size_t n;
    struct event *slot; /* EV_CAP */
};

static size_t
ev_hash(const char *id)
{
    size_t h = 14695981039346656037u;

    for (; *id != '\0'; id++)
        h = (h ^ (unsigned char)*id) * 1099511628211u;
    return h;
}

/* With e->mu held: the slot of id, or the empty slot where it would go; NULL when full. */
static struct event *
ev_find(struct events *e, const char *id)
{
    size_t i = ev_hash(id) & (EV_CAP - 1), k;

    for (k = 0; k < EV_CAP; k++, i = (i + 1) & (EV_CAP - 1))
        if (e->slot[i].id[0] == '\0' || strcmp(e->slot[i].id, id) == 0)
            return &e->slot[i];
    return NULL;
}

static void
ev_put(struct events *e, const char *id, double t)
{
    struct event *s;

    pthread_mutex_lock(&e->mu);
    s = e->n < EV_CAP / 2 ? ev_find(e, id) : NULL;
    if (s != NULL && s->id[0] == '\0') {
        memcpy(s->id, id, sizeof s->id);
        s->t = t;
        e->n++;
        pthread_cond_broadcast(&e->cv);
    }
    pthread_mutex_unlock(&e->mu);
}

/* When id was delivered, waiting until deadline (monotonic seconds); -1 when it was not. */
static double
ev_wait(struct events *e, const char *id, double deadline)
{
    struct event *s;
    struct timespec ts;
    double t = -1;

    ts.tv_sec = (time_t)deadline;
    ts.tv_nsec = (long)((deadline - (double)ts.tv_sec) * 1e9);
    pthread_mutex_lock(&e->mu);
    for (;;) {
        s = ev_find(e, id);
        if (s != NULL && s->id[0] != '\0') {
            t = s->t;
            break;
        }
        if (pthread_cond_timedwait(&e->cv, &e->mu, &ts) == ETIMEDOUT)
            break;
    }
    pthread_mutex_unlock(&e->mu);
    return t;
}

/* ---- the daemons: run-daemon.sh starts them; a thread follows each one's log ---- */

struct proc {
    const char *name;
    pid_t pid;
    int fd;  /* the log file, read as it grows */
    int ino; /* inotify on it: woken at each write */
    pthread_t reader;
    int reading;
    atomic_int quit;   /* the reader stops at the end of the file */
    struct events *ev; /* the school's: "delivered" lines; NULL for the municipality */
    atomic_ulong warnings, errors;
};

static void
proc_line(struct proc *p, const char *line, double t)
{
    const char *at;

    if (p->ev != NULL && (at = strstr(line, " delivered packet=")) != NULL &&
        strlen(at + 18) >= KEYS_UUID_LEN) {
        char id[KEYS_UUID_LEN + 1];

        memcpy(id, at + 18, KEYS_UUID_LEN);
        id[KEYS_UUID_LEN] = '\0';
        ev_put(p->ev, id, t);
    }
    if (strstr(line, " warning ") != NULL)
        atomic_fetch_add(&p->warnings, 1);
    if (strstr(line, " error ") != NULL || strstr(line, "Sanitizer") != NULL ||
        strstr(line, "runtime error:") != NULL)
        atomic_fetch_add(&p->errors, 1);
}

static void *
proc_reader(void *arg)
{
    struct proc *p = arg;
    char buf[1 << 16], events[4096];
    size_t have = 0;
    ssize_t r;
    char *nl, *start;

    for (;;) {
        r = read(p->fd, buf + have, sizeof buf - 1 - have);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            break;
        if (r == 0) { /* the end of the log for now: wait until batond writes */
            struct pollfd pfd = {.fd = p->ino, .events = POLLIN};

            if (atomic_load(&p->quit))
                break;
            if (poll(&pfd, 1, 100) > 0)
                while (read(p->ino, events, sizeof events) > 0)
                    ;
            continue;
        }
        have += (size_t)r;
        buf[have] = '\0';
        start = buf;
        while ((nl = memchr(start, '\n', have - (size_t)(start - buf))) != NULL) {
            *nl = '\0';
            proc_line(p, start, now_s());
            start = nl + 1;
        }
        have -= (size_t)(start - buf);
        memmove(buf, start, have);
        if (have == sizeof buf - 1) /* a line longer than the buffer: taken in pieces */
            have = 0;
    }
    return NULL;
}

/* Follows the log dir/name/log of the daemon pid from its start. */
static int
proc_attach(struct proc *p, const char *dir, const char *name, const char *pid)
{
    char log[4096];

    p->name = name;
    p->pid = (pid_t)strtol(pid, NULL, 10);
    p->fd = p->ino = -1;
    snprintf(log, sizeof log, "%s/%s/log", dir, name);
    if (p->pid <= 0 || kill(p->pid, 0) != 0) {
        fprintf(stderr, "bench_daemon: batond %s (pid %s) is not running\n", name, pid);
        return -1;
    }
    p->fd = open(log, O_RDONLY | O_CLOEXEC);
    p->ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (p->fd < 0 || p->ino < 0 || inotify_add_watch(p->ino, log, IN_MODIFY) < 0) {
        fprintf(stderr, "bench_daemon: cannot follow %s: %s\n", log, strerror(errno));
        return -1;
    }
    if (pthread_create(&p->reader, NULL, proc_reader, p) != 0) {
        fprintf(stderr, "bench_daemon: cannot start a thread\n");
        return -1;
    }
    p->reading = 1;
    return 0;
}

/* Reads the rest of the log and stops following it. */
static void
proc_detach(struct proc *p)
{
    atomic_store(&p->quit, 1);
    if (p->reading)
        pthread_join(p->reader, NULL);
    p->reading = 0;
    if (p->fd >= 0)
        close(p->fd);
    if (p->ino >= 0)
        close(p->ino);
    p->fd = p->ino = -1;
}

/* A line "Key:   N kB" of /proc/PID/status, in KiB; -1 when not found. */
static long
proc_status(pid_t pid, const char *key)
{
    char path[64], line[256];
    size_t klen = strlen(key);
    long v = -1;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
    f = fopen(path, "r");
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
            v = strtol(line + klen + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

/* CPU seconds (user and system) that process pid has used so far; 0 when unknown. */
static double
proc_cpu(pid_t pid)
{
    char path[64], line[1024], *p;
    unsigned long long ut = 0, st = 0;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    f = fopen(path, "r");
    if (f == NULL)
        return 0;
    p = fgets(line, sizeof line, f) != NULL ? strrchr(line, ')') : NULL;
    fclose(f);
    /* After "pid (comm)": state is field 3, utime 14 and stime 15. */
    if (p == NULL ||
        sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return 0;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* CPU seconds that every process on the machine has used so far (/proc/stat); 0 when unknown. */
static double
machine_cpu(void)
{
    unsigned long long v[8] = {0};
    FILE *f = fopen("/proc/stat", "r");
    int n;

    if (f == NULL)
        return 0;
    n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
               &v[5], &v[6], &v[7]);
    fclose(f);
    if (n != 8)
        return 0;
    /* Everything but idle (3) and waiting for the disk (4). */
    return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)sysconf(_SC_CLK_TCK);
}

static double
self_cpu(void)
{
    struct rusage u;

    if (getrusage(RUSAGE_SELF, &u) != 0)
        return 0;
    return (double)u.ru_utime.tv_sec + (double)u.ru_utime.tv_usec / 1e6 +
           (double)u.ru_stime.tv_sec + (double)u.ru_stime.tv_usec / 1e6;
}

/* ---- the admin API over the Unix socket (libcurl, as baton does) ---- */

struct buf {
    char *data;
    size_t len, cap;
};

static size_t
on_data(char *data, size_t size, size_t nmemb, void *ctx)
{
    struct buf *b = ctx;
    size_t n = size * nmemb;
    char *grown;

    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;

        if (cap > (64u << 20) || (grown = realloc(b->data, cap)) == NULL)
            return 0;
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

struct admin {
    CURL *h;
    struct curl_slist *headers;
    struct buf reply;
};

static int
admin_open(struct admin *a, const char *socket)
{
    struct curl_slist *h;

    memset(a, 0, sizeof *a);
    a->h = curl_easy_init();
    a->headers = curl_slist_append(NULL, "Content-Type: application/json");
    /* As baton: no "Expect: 100-continue" round trip to a local daemon. */
    h = a->headers != NULL ? curl_slist_append(a->headers, "Expect:") : NULL;
    if (a->h == NULL || h == NULL)
        return -1;
    a->headers = h;
    curl_easy_setopt(a->h, CURLOPT_UNIX_SOCKET_PATH, socket);
    curl_easy_setopt(a->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(a->h, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(a->h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(a->h, CURLOPT_WRITEDATA, &a->reply);
    return 0;
}

static void
admin_close(struct admin *a)
{
    curl_easy_cleanup(a->h);
    curl_slist_free_all(a->headers);
    free(a->reply.data);
    memset(a, 0, sizeof *a);
}

/* GET (body NULL) or POST path; the HTTP status, or -1 when batond could not be asked. The
 * reply is in a->reply. */
static long
admin_call(struct admin *a, const char *path, const char *body)
{
    char url[256];
    long status = -1;

    snprintf(url, sizeof url, "http://batond%s", path);
    a->reply.len = 0;
    if (a->reply.data != NULL)
        a->reply.data[0] = '\0';
    curl_easy_setopt(a->h, CURLOPT_URL, url);
    if (body != NULL) {
        curl_easy_setopt(a->h, CURLOPT_HTTPHEADER, a->headers);
        curl_easy_setopt(a->h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(a->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    } else {
        curl_easy_setopt(a->h, CURLOPT_HTTPGET, 1L);
    }
    if (curl_easy_perform(a->h) != CURLE_OK ||
        curl_easy_getinfo(a->h, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK)
        return -1;
    return status;
}

/* ---- what the run shares ---- */

struct bench {
    const char *form_path, *dir;
    double seconds;
    int connections;
    int ncpu, par; /* CPUs online; threads for the crypto bound: min(SENDERS, ncpu) */

    struct forms_catalogue *cat;
    struct keys_keystore *school, *gemeente;
    struct keys_directory *dir_doc;
    const char *gem_oin;
    const struct keys_member *gem;
    char covenant_id[128];
    unsigned char covenant_sha256[KEYS_SHA256_LEN];
    json_t *form;
    char *send_body; /* the POST /v1/send request */
    char school_sock[4096];
    char *cert_pem;    /* the school's TLS certificate (a copy) */
    char *key_pem;     /* the school's TLS key, sodium memory */
    size_t packet_len; /* of one sealed example */

    struct events ev;
    struct proc school_d, gem_d;
    atomic_ulong failures;
};

static void failure(struct bench *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
failure(struct bench *b, const char *fmt, ...)
{
    va_list ap;

    /* Only the first few: a broken run says why once, not a thousand times. */
    if (atomic_fetch_add(&b->failures, 1) < 5) {
        va_start(ap, fmt);
        fputs("bench_daemon: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
    }
}

static char *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *s = NULL;
    long n;

    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (s = malloc((size_t)n + 1)) != NULL) {
        if (fread(s, 1, (size_t)n, f) != (size_t)n) {
            free(s);
            s = NULL;
        } else {
            s[n] = '\0';
            *len = (size_t)n;
        }
    }
    fclose(f);
    return s;
}

/* The keystores, the directory and the covenant the daemons use, and the example form. */
static int
load(struct bench *b)
{
    const struct forms_options fopt = {.format_assertion = true};
    struct keys_pub coord[8];
    struct keys_err kerr = {0};
    char path[4096], *text = NULL;
    size_t n = 0, len = 0, kl = 0;
    json_t *cov = NULL;
    const char *s, *e;
    int rc = -1;

    snprintf(path, sizeof path, "%s", b->form_path);
    if (forms_catalogue_new(&fopt, &b->cat, NULL) != FORMS_OK ||
        forms_catalogue_add_builtin(b->cat, NULL) != FORMS_OK ||
        forms_catalogue_compile(b->cat, NULL) != FORMS_OK ||
        forms_parse_file(path, NULL, &b->form, NULL) != FORMS_OK) {
        fprintf(stderr, "bench_daemon: cannot read the catalogue or %s\n", path);
        return -1;
    }
    snprintf(path, sizeof path, "%s/coord/entry.json", b->dir);
    if (keys_sign_pub_read_file(path, coord, 8, &n, &kerr) != KEYS_OK)
        goto fail;
    snprintf(path, sizeof path, "%s/directory.jws", b->dir);
    if ((text = slurp(path, &len)) == NULL)
        goto unreadable;
    if (keys_directory_load(text, len, coord, n, b->cat, time(NULL), &b->dir_doc, &kerr) != KEYS_OK)
        goto fail;
    free(text);
    snprintf(path, sizeof path, "%s/covenant.jws", b->dir);
    if ((text = slurp(path, &len)) == NULL)
        goto unreadable;
    if (keys_document_verify(text, len, KEYS_TYP_COVENANT, coord, n, b->cat, time(NULL), &cov,
                             &kerr) != KEYS_OK)
        goto fail;
    snprintf(b->covenant_id, sizeof b->covenant_id, "%s",
             json_string_value(json_object_get(cov, "id"))
                 ? json_string_value(json_object_get(cov, "id"))
                 : "");
    /* As batond hashes it: the signed covenant without surrounding white space. */
    for (s = text; s < text + len && strchr(" \t\r\n", *s) != NULL; s++)
        ;
    for (e = text + len; e > s && strchr(" \t\r\n", e[-1]) != NULL; e--)
        ;
    crypto_hash_sha256(b->covenant_sha256, (const unsigned char *)s, (size_t)(e - s));
    snprintf(path, sizeof path, "%s/school/keystore", b->dir);
    if (keys_keystore_load(path, NULL, &b->school, &kerr) != KEYS_OK)
        goto fail;
    snprintf(path, sizeof path, "%s/gemeente/keystore", b->dir);
    if (keys_keystore_load(path, NULL, &b->gemeente, &kerr) != KEYS_OK)
        goto fail;
    b->gem_oin = keys_keystore_identity(b->gemeente)->oin;
    b->gem = keys_directory_member(b->dir_doc, b->gem_oin);
    if (b->gem == NULL) {
        fprintf(stderr, "bench_daemon: the municipality is not in the directory\n");
        goto out;
    }
    b->cert_pem = strdup(keys_keystore_tls_cert_pem(b->school));
    if (b->cert_pem == NULL ||
        keys_keystore_tls_key_pem(b->school, &b->key_pem, &kl, &kerr) != KEYS_OK)
        goto fail;
    {
        json_t *req = json_pack("{s:s, s:s, s:s, s:s, s:O}", "to", b->gem_oin, "purpose", PURPOSE,
                                "basis", "consent", "consent", CONSENT, "form", b->form);

        b->send_body = req != NULL ? json_dumps(req, JSON_COMPACT) : NULL;
        json_decref(req);
        if (b->send_body == NULL)
            goto out;
    }
    snprintf(b->school_sock, sizeof b->school_sock, "%s/school/admin.sock", b->dir);
    rc = 0;
    goto out;
unreadable:
    fprintf(stderr, "bench_daemon: cannot read %s\n", path);
    goto out;
fail:
    fprintf(stderr, "bench_daemon: %s: %s\n", path, kerr.text);
out:
    json_decref(cov);
    free(text);
    return rc;
}

struct cpu_mark {
    double t, c[4];
};

static void
cpu_mark(const struct bench *b, struct cpu_mark *m)
{
    m->t = now_s();
    m->c[0] = proc_cpu(b->school_d.pid);
    m->c[1] = proc_cpu(b->gem_d.pid);
    m->c[2] = self_cpu();
    m->c[3] = machine_cpu();
}

static void
cpu_since(const struct bench *b, const struct cpu_mark *from, double out[4])
{
    struct cpu_mark to;
    int k;

    cpu_mark(b, &to);
    for (k = 0; k < 4; k++)
        out[k] = to.t > from->t ? (to.c[k] - from->c[k]) / (to.t - from->t) * 100.0 : 0;
    out[3] -= out[0] + out[1] + out[2]; /* the others */
    if (out[3] < 0)
        out[3] = 0;
}

/* ---- the per-form cryptography, in-process: seal, open, receipt sign, receipt verify ---- */

static int
seal(struct bench *b, char **packet, size_t *len)
{
    const struct keys_packet_params p = {
        .to = b->gem_oin,
        .purpose = PURPOSE,
        .basis = KEYS_BASIS_CONSENT,
        .consent_id = CONSENT,
        .covenant_id = b->covenant_id,
        .covenant_sha256 = b->covenant_sha256,
        .form = b->form,
    };
    struct keys_err kerr = {0};

    if (keys_packet_seal_local(b->school, b->dir_doc, b->cat, &p, time(NULL), packet, len, NULL,
                               &kerr) != KEYS_OK) {
        failure(b, "seal: %s", kerr.text);
        return -1;
    }
    return 0;
}

/* What one form costs both sides in cryptography, as batond's flows call it. */
static int
crypto_form(struct bench *b)
{
    struct keys_packet opened = {0};
    struct keys_notice n = {0};
    struct keys_err kerr = {0};
    char *packet = NULL, *receipt = NULL;
    size_t len = 0, rlen = 0;
    time_t now = time(NULL);
    int rc = -1;

    if (seal(b, &packet, &len) != 0)
        return -1;
    if (keys_packet_open_local(b->gemeente, b->dir_doc, b->cat, now, packet, len, &opened, &kerr) !=
            KEYS_OK ||
        keys_receipt_sign_local(b->gemeente, &opened, now, &receipt, &rlen, &kerr) != KEYS_OK ||
        keys_receipt_verify_local(b->dir_doc, receipt, rlen, packet, len, now, &n, &kerr) !=
            KEYS_OK) {
        failure(b, "open, receipt: %s", kerr.text);
        goto out;
    }
    rc = 0;
out:
    keys_notice_clear(&n);
    keys_packet_clear(&opened);
    free(receipt);
    free(packet);
    return rc;
}

struct crypto_run {
    struct bench *b;
    double until;
    long n;
};

static void *
crypto_thread(void *arg)
{
    struct crypto_run *r = arg;

    while (now_s() < r->until && crypto_form(r->b) == 0)
        r->n++;
    return NULL;
}

/* Forms per second with threads threads for b->seconds; cpu as in struct result. */
static double
crypto_bound(struct bench *b, int threads, double cpu[4])
{
    struct crypto_run run[SENDERS];
    pthread_t t[SENDERS];
    double t0;
    struct cpu_mark m;
    long n = 0;
    int i;

    for (t0 = now_s(); now_s() - t0 < 0.2;) /* warm caches and the allocator */
        if (crypto_form(b) != 0)
            return 0;
    cpu_mark(b, &m);
    t0 = now_s();
    for (i = 0; i < threads; i++) {
        run[i] = (struct crypto_run){b, t0 + b->seconds, 0};
        pthread_create(&t[i], NULL, crypto_thread, &run[i]);
    }
    for (i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        n += run[i].n;
    }
    cpu_since(b, &m, cpu);
    return (double)n / (now_s() - t0);
}

/* ---- timed phases ---- */

struct sample {
    char id[KEYS_UUID_LEN + 1];
    double start; /* the request's start, or its slot when paced */
    double ack;   /* end to end: when the 202 came */
    double done;  /* delivered (end to end) or answered (receive path); -1: never */
    int used;
};

struct result {
    size_t n;
    double rate, p50, p99, max; /* forms/s, ms */
    double ack50, ack99;        /* end to end: start to 202, ms */
    double cpu[4];  /* CPU used by the school, the municipality, this program and everything else
                       on the machine: % of one CPU over the phase */
    double offered; /* paced: the rate asked for */
};

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v[0..n). */
static double
percentile(const double *v, size_t n, double q)
{
    size_t k = (size_t)ceil(q * (double)n);

    return n == 0 ? 0 : v[k > 0 ? k - 1 : 0];
}

static void
summarise(const struct sample *s, size_t cap, struct result *r)
{
    double *lat = malloc((cap + 1) * sizeof *lat), *ack = malloc((cap + 1) * sizeof *ack);
    double first = 0, last = 0;
    size_t i, n = 0;

    memset(r, 0, sizeof *r);
    if (lat == NULL || ack == NULL) {
        free(lat);
        free(ack);
        return;
    }
    for (i = 0; i < cap; i++) {
        if (!s[i].used || s[i].done < 0)
            continue;
        if (n == 0 || s[i].start < first)
            first = s[i].start;
        if (n == 0 || s[i].done > last)
            last = s[i].done;
        ack[n] = (s[i].ack - s[i].start) * 1000.0;
        lat[n++] = (s[i].done - s[i].start) * 1000.0;
    }
    qsort(lat, n, sizeof *lat, cmp_double);
    qsort(ack, n, sizeof *ack, cmp_double);
    r->ack50 = percentile(ack, n, 0.50);
    r->ack99 = percentile(ack, n, 0.99);
    r->n = n;
    r->rate = n > 0 && last > first ? (double)n / (last - first) : 0;
    r->p50 = percentile(lat, n, 0.50);
    r->p99 = percentile(lat, n, 0.99);
    r->max = n > 0 ? lat[n - 1] : 0;
    free(lat);
    free(ack);
}

struct phase {
    struct bench *b;
    struct sample *s;
    size_t cap;
    atomic_size_t next;
    double t0, until;
    double rate; /* paced: slots at t0 + i / rate; 0: closed loop */
    /* receive path */
    char **pool;
    size_t *pool_len;
    struct deliver **clients;
    atomic_int client;
};

/* The next sample to fill and its start; 0 when the phase is over. */
static int
next_slot(struct phase *ph, size_t *i, double *start)
{
    *i = atomic_fetch_add(&ph->next, 1);
    if (*i >= ph->cap)
        return 0;
    if (ph->rate > 0) {
        *start = ph->t0 + (double)*i / ph->rate;
        if (*start >= ph->until)
            return 0;
        sleep_until(*start);
    } else {
        *start = now_s();
        if (*start >= ph->until)
            return 0;
    }
    return 1;
}

/* A sender: POST /v1/send on the school's admin socket; closed loop: waits for delivery. */
static void *
sender_thread(void *arg)
{
    struct phase *ph = arg;
    struct bench *b = ph->b;
    struct admin a;
    double start;
    json_t *reply;
    const char *id;
    size_t i;
    long status;

    if (admin_open(&a, b->school_sock) != 0) {
        failure(b, "no curl handle");
        return NULL;
    }
    while (next_slot(ph, &i, &start)) {
        status = admin_call(&a, "/v1/send", b->send_body);
        reply = status == 202 ? json_loads(a.reply.data, 0, NULL) : NULL;
        id = json_string_value(json_object_get(reply, "id"));
        if (id == NULL || strlen(id) != KEYS_UUID_LEN) {
            failure(b, "POST /v1/send answered %ld: %.300s", status,
                    a.reply.data ? a.reply.data : "(nothing)");
            json_decref(reply);
            break;
        }
        memcpy(ph->s[i].id, id, KEYS_UUID_LEN + 1);
        ph->s[i].start = start;
        ph->s[i].ack = now_s();
        ph->s[i].done = -1;
        ph->s[i].used = 1;
        json_decref(reply);
        if (ph->rate == 0 && ev_wait(&b->ev, ph->s[i].id, now_s() + LOST_S) < 0) {
            failure(b, "form %s not delivered within %.0f s", ph->s[i].id, LOST_S);
            break;
        }
    }
    admin_close(&a);
    return NULL;
}

/* A receive-path client: POSTs pre-sealed packets to the municipality's /v1/packets. */
static void *
receiver_thread(void *arg)
{
    struct phase *ph = arg;
    struct bench *b = ph->b;
    struct deliver *d = ph->clients[atomic_fetch_add(&ph->client, 1)];
    struct daemon_err err = {0};
    unsigned char *reply = NULL;
    size_t i, rlen = 0;
    double start;
    long status = 0;

    while (next_slot(ph, &i, &start)) {
        reply = NULL;
        if (deliver_post(d, b->gem->endpoint, "/v1/packets", b->gem->tls_pin, "application/jose",
                         (const unsigned char *)ph->pool[i], ph->pool_len[i], &status, &reply,
                         &rlen, &err) != DAEMON_OK) {
            failure(b, "POST /v1/packets: %s", err.text);
            break;
        }
        if (status != 200 || rlen < 10 || strncmp((const char *)reply, "ey", 2) != 0) {
            failure(b, "POST /v1/packets answered %ld: %.300s", status, (const char *)reply);
            free(reply);
            break;
        }
        free(reply);
        ph->s[i].start = start;
        ph->s[i].done = ph->s[i].ack = now_s();
        ph->s[i].used = 1;
    }
    return NULL;
}

static size_t forms_sent;

/* End to end with senders threads for b->seconds; rate 0: closed loop, else paced at rate. */
static int
end_to_end(struct bench *b, int senders, double rate, double seconds, struct result *r)
{
    struct phase ph = {0};
    struct cpu_mark m;
    pthread_t t[SENDERS];
    double cpu[4], lost;
    size_t i;
    int k;

    ph.b = b;
    ph.cap = MAX_FORMS - forms_sent;
    if (rate > 0 && ph.cap > (size_t)(rate * seconds) + 1)
        ph.cap = (size_t)(rate * seconds) + 1;
    ph.s = calloc(ph.cap, sizeof *ph.s);
    if (ph.s == NULL)
        return -1;
    ph.rate = rate;
    ph.t0 = now_s() + 0.01;
    ph.until = ph.t0 + seconds;
    cpu_mark(b, &m);
    for (k = 0; k < senders; k++)
        pthread_create(&t[k], NULL, sender_thread, &ph);
    for (k = 0; k < senders; k++)
        pthread_join(t[k], NULL);
    lost = now_s() + LOST_S; /* for all of them: a run with lost forms still ends */
    for (i = 0; i < ph.cap; i++) {
        if (!ph.s[i].used)
            continue;
        forms_sent++;
        ph.s[i].done = ev_wait(&b->ev, ph.s[i].id, lost);
        if (ph.s[i].done < 0)
            failure(b, "form %s not delivered within %.0f s", ph.s[i].id, LOST_S);
    }
    cpu_since(b, &m, cpu);
    summarise(ph.s, ph.cap, r);
    memcpy(r->cpu, cpu, sizeof cpu);
    r->offered = rate;
    free(ph.s);
    return 0;
}

static size_t packets_sent;

struct seal_run {
    struct bench *b;
    char **pool;
    size_t *len;
    size_t from, to;
};

static void *
seal_thread(void *arg)
{
    struct seal_run *r = arg;
    size_t i;

    for (i = r->from; i < r->to; i++)
        if (seal(r->b, &r->pool[i], &r->len[i]) != 0)
            break;
    return NULL;
}

/* The receive path alone with clients clients; rate 0: closed loop, else paced. n packets are
 * sealed for it beforehand (not timed). */
static int
receive_path(struct bench *b, struct deliver **clients, int nclients, double rate, double seconds,
             size_t n, struct result *r)
{
    struct seal_run sr[SENDERS];
    pthread_t t[SENDERS];
    struct phase ph = {0};
    struct cpu_mark m;
    double cpu[4];
    size_t i;
    int k;

    if (n > MAX_POOL)
        n = MAX_POOL;
    ph.b = b;
    ph.cap = n;
    ph.s = calloc(n, sizeof *ph.s);
    ph.pool = calloc(n, sizeof *ph.pool);
    ph.pool_len = calloc(n, sizeof *ph.pool_len);
    if (ph.s == NULL || ph.pool == NULL || ph.pool_len == NULL)
        goto out;
    for (k = 0; k < b->par; k++) {
        sr[k] = (struct seal_run){b, ph.pool, ph.pool_len, n * (size_t)k / (size_t)b->par,
                                  n * (size_t)(k + 1) / (size_t)b->par};
        pthread_create(&t[k], NULL, seal_thread, &sr[k]);
    }
    for (k = 0; k < b->par; k++)
        pthread_join(t[k], NULL);
    for (i = 0; i < n; i++)
        if (ph.pool[i] == NULL)
            goto out;
    ph.clients = clients;
    ph.rate = rate;
    ph.t0 = now_s() + 0.01;
    ph.until = ph.t0 + seconds;
    cpu_mark(b, &m);
    for (k = 0; k < nclients; k++)
        pthread_create(&t[k], NULL, receiver_thread, &ph);
    for (k = 0; k < nclients; k++)
        pthread_join(t[k], NULL);
    cpu_since(b, &m, cpu);
    for (i = 0; i < n; i++)
        packets_sent += ph.s[i].used;
    if (rate == 0 && atomic_load(&ph.next) > n) /* all taken: the time did not run out first */
        fprintf(stderr, "bench_daemon: note: the %zu packets sealed ran out before the time\n", n);
    summarise(ph.s, ph.cap, r);
    memcpy(r->cpu, cpu, sizeof cpu);
    r->offered = rate;
out:
    if (ph.pool != NULL)
        for (i = 0; i < n; i++)
            free(ph.pool[i]);
    free(ph.pool);
    free(ph.pool_len);
    free(ph.s);
    return 0;
}

/* Opens b->connections mutual-TLS connections to the municipality, each after one request
 * (POST /v1/health: 405, no store, no log), and keeps them idle: the daemon's RSS before and
 * after, and its thread count. */
static int
connections(struct bench *b, long *rss_before, long *rss_after, long *threads_before,
            long *threads_after, int *opened)
{
    struct deliver **d = calloc((size_t)b->connections, sizeof *d);
    struct daemon_err err = {0};
    long status = 0;
    int i, rc = -1;

    *opened = 0;
    if (d == NULL)
        return -1;
    sleep_s(0.3);
    *rss_before = proc_status(b->gem_d.pid, "VmRSS");
    *threads_before = proc_status(b->gem_d.pid, "Threads");
    for (i = 0; i < b->connections; i++) {
        if (deliver_new(b->cert_pem, b->key_pem, 10000, 10000, 64 * 1024, &d[i], &err) !=
                DAEMON_OK ||
            deliver_post(d[i], b->gem->endpoint, "/v1/health", b->gem->tls_pin, "text/plain",
                         (const unsigned char *)"x", 1, &status, NULL, NULL, &err) != DAEMON_OK) {
            failure(b, "connection %d: %s", i + 1, err.text);
            goto out;
        }
        if (status != 405) {
            failure(b, "POST /v1/health answered %ld, not 405", status);
            goto out;
        }
        (*opened)++;
    }
    sleep_s(0.5);
    *rss_after = proc_status(b->gem_d.pid, "VmRSS");
    *threads_after = proc_status(b->gem_d.pid, "Threads");
    rc = 0;
out:
    for (i = 0; i < b->connections; i++)
        deliver_free(d[i]);
    free(d);
    return rc;
}

/* Counts the items of GET path (?limit=...) on socket, and those whose "state" is state. */
/* Counts the rows of table (in the store file db, read-only beside the running daemon) and
 * those of them in state: exact at any size, where the admin listings stop at their limit. */
static int
count_rows(const char *db, const char *table, const char *state, size_t *all, size_t *in)
{
    char sql[256];
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    int rc = -1;

    *all = *in = 0;
    snprintf(sql, sizeof sql, "SELECT count(*), count(*) FILTER (WHERE state = ?1) FROM %s%s",
             table, strcmp(table, "outbox") == 0 ? " WHERE kind = 'packet'" : "");
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_busy_timeout(h, 10000) == SQLITE_OK &&
        sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        *all = (size_t)sqlite3_column_int64(st, 0);
        *in = (size_t)sqlite3_column_int64(st, 1);
        rc = 0;
    } else {
        fprintf(stderr, "bench_daemon: %s: %s\n", db, h != NULL ? sqlite3_errmsg(h) : "no memory");
    }
    sqlite3_finalize(st);
    sqlite3_close(h);
    return rc;
}

/* ---- the report ---- */

static void
row(const char *what, const struct result *r, double bound)
{
    printf("  %-42s %8.0f %8.2f %8.2f %8.2f %6zu %7.2f  %3.0f+%3.0f+%3.0f %4.0f\n", what, r->rate,
           r->p50, r->p99, r->max, r->n, r->rate / bound, r->cpu[0], r->cpu[1], r->cpu[2],
           r->cpu[3]);
}

/* For an end-to-end row: the part that is the submit, until batond's 202. */
static void
acked(const struct result *r)
{
    printf("  %-42s %8s %8.2f %8.2f\n", "  of which POST /v1/send until its 202", "", r->ack50,
           r->ack99);
}

static const char *
fs_name(const char *dir)
{
    struct statfs s;

    if (statfs(dir, &s) != 0)
        return "?";
    switch ((unsigned long)s.f_type) {
    case 0xEF53UL:
        return "ext4";
    case 0x58465342UL:
        return "xfs";
    case 0x9123683EUL:
        return "btrfs";
    case 0x01021994UL:
        return "tmpfs (fsync costs nothing here: NOT a durable figure)";
    case 0x794c7630UL:
        return "overlayfs";
    default:
        return "another file system";
    }
}

static void goal(const char *what, int met, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
goal(const char *what, int met, const char *fmt, ...)
{
    va_list ap;

    printf("  %-8s %s: ", met ? "MET" : "NOT MET", what);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

int
main(int argc, char **argv)
{
    struct bench b = {0};
    struct result e1, e8, ep, r1, r8, rp;
    struct deliver *clients[SENDERS] = {0};
    struct daemon_err err = {0};
    double c1cpu[4], cpcpu[4], cp2cpu[4], c1, cp, cp2, bound, peak, rpeak, loadavg[3] = {0};
    long hwm_s, hwm_g, rss_before = 0, rss_after = 0, thr_before = 0, thr_after = 0, hwm_s2, hwm_g2,
                       status;
    size_t out_all, out_delivered, in_all, in_new;
    int i, opened = 0, rc = 1;

    if (argc < 5 || argc > 7) {
        fprintf(stderr, "usage: bench_daemon FORM NETWORK_DIR SCHOOL_PID MUNICIPALITY_PID "
                        "[SECONDS [CONNECTIONS]]\n");
        return 2;
    }
    b.form_path = argv[1];
    b.dir = argv[2];
    b.seconds = argc > 5 ? atof(argv[5]) : 3.0;
    b.connections = argc > 6 ? atoi(argv[6]) : 200;
    if (b.seconds <= 0 || b.seconds > 20 || b.connections < 1 || b.connections > 240) {
        fprintf(stderr, "bench_daemon: SECONDS must be above 0 and at most 20, CONNECTIONS from "
                        "1 to 240 (the daemon serves 256 at once)\n");
        return 2;
    }
    b.ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
    b.par = b.ncpu < 1 ? 1 : b.ncpu > SENDERS ? SENDERS : b.ncpu;
    getloadavg(loadavg, 3);
    signal(SIGPIPE, SIG_IGN);
    {
        pthread_condattr_t ca;

        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&b.ev.cv, &ca);
        pthread_condattr_destroy(&ca);
        pthread_mutex_init(&b.ev.mu, NULL);
        b.ev.slot = calloc(EV_CAP, sizeof *b.ev.slot);
    }
    b.school_d.ev = &b.ev;
    if (b.ev.slot == NULL || keys_init(NULL) != KEYS_OK ||
        curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || load(&b) != 0 ||
        proc_attach(&b.school_d, b.dir, "school", argv[3]) != 0 ||
        proc_attach(&b.gem_d, b.dir, "gemeente", argv[4]) != 0)
        goto out;
    {
        char *packet = NULL; /* one, for its size */

        if (seal(&b, &packet, &b.packet_len) != 0)
            goto out;
        free(packet);
    }

    /* 1. The cryptography alone, the daemons idle. */
    fprintf(stderr, "bench_daemon: the per-form cryptography, %.1f s with 1 and %d threads...\n",
            b.seconds, b.par);
    c1 = crypto_bound(&b, 1, c1cpu);
    cp = crypto_bound(&b, b.par, cpcpu);
    if (c1 <= 0 || cp <= 0)
        goto out;

    /* 2. Connections to the municipality for the receive path. */
    for (i = 0; i < SENDERS; i++)
        if (deliver_new(b.cert_pem, b.key_pem, 10000, 30000, 64 * 1024, &clients[i], &err) !=
                DAEMON_OK ||
            deliver_post(clients[i], b.gem->endpoint, "/v1/health", b.gem->tls_pin, "text/plain",
                         (const unsigned char *)"x", 1, &status, NULL, NULL, &err) != DAEMON_OK) {
            fprintf(stderr, "bench_daemon: cannot reach the municipality: %s\n", err.text);
            goto out;
        }

    /* 3. End to end: a warm-up, one sender, eight, then paced at half the peak. */
    fprintf(stderr, "bench_daemon: end to end, %.1f s each phase...\n", b.seconds);
    if (end_to_end(&b, 1, 0, 0.5, &e1) != 0 || b.failures > 0 ||
        end_to_end(&b, 1, 0, b.seconds, &e1) != 0 ||
        end_to_end(&b, SENDERS, 0, b.seconds, &e8) != 0 || b.failures > 0)
        goto out;
    peak = e1.rate > e8.rate ? e1.rate : e8.rate;
    if (end_to_end(&b, SENDERS, peak / 2, b.seconds, &ep) != 0 || b.failures > 0)
        goto out;

    /* 4. The receive path alone: enough packets sealed for what the cryptography allows. */
    fprintf(stderr, "bench_daemon: the receive path, %.1f s each phase...\n", b.seconds);
    if (receive_path(&b, clients, 1, 0, b.seconds, (size_t)(2.5 * c1 * b.seconds) + 50, &r1) != 0 ||
        receive_path(&b, clients, SENDERS, 0, b.seconds, (size_t)(2.5 * cp * b.seconds) + 50,
                     &r8) != 0 ||
        b.failures > 0)
        goto out;
    rpeak = r1.rate > r8.rate ? r1.rate : r8.rate;
    if (receive_path(&b, clients, SENDERS, rpeak / 2, b.seconds,
                     (size_t)(rpeak / 2 * b.seconds) + 2, &rp) != 0 ||
        b.failures > 0)
        goto out;
    hwm_s = proc_status(b.school_d.pid, "VmHWM");
    hwm_g = proc_status(b.gem_d.pid, "VmHWM");

    /* 5. Idle connections. */
    fprintf(stderr, "bench_daemon: %d idle connections...\n", b.connections);
    for (i = 0; i < SENDERS; i++) {
        deliver_free(clients[i]);
        clients[i] = NULL;
    }
    if (connections(&b, &rss_before, &rss_after, &thr_before, &thr_after, &opened) != 0)
        goto out;
    hwm_s2 = proc_status(b.school_d.pid, "VmHWM");
    hwm_g2 = proc_status(b.gem_d.pid, "VmHWM");

    /* 6. Every form once: the school's outbox all delivered, the municipality's inbox all new. */
    {
        char sdb[4096], gdb[4096];

        snprintf(sdb, sizeof sdb, "%s/school/store.db", b.dir);
        snprintf(gdb, sizeof gdb, "%s/gemeente/store.db", b.dir);
        if (count_rows(sdb, "outbox", "delivered", &out_all, &out_delivered) != 0 ||
            count_rows(gdb, "inbox", "new", &in_all, &in_new) != 0)
            goto out;
    }

    /* 7. The cryptography again, the daemons idle: the machine's speed may have changed. */
    cp2 = crypto_bound(&b, b.par, cp2cpu);
    bound = cp2 > cp ? cp2 : cp;

    printf("\nbatond on loopback, %d CPUs (load average %.2f at the start). Each form: %s,\n"
           "%zu bytes sealed, from a school to a municipality. Both stores SQLite WAL,\n"
           "synchronous=FULL, on %s.\n\n",
           b.ncpu, loadavg[0], json_string_value(json_object_get(b.form, "$schema")), b.packet_len,
           fs_name(b.dir));
    printf("  %-42s %8s %8s %8s %8s %6s %7s  %s\n", "", "forms/s", "p50 ms", "p99 ms", "max ms",
           "forms", "/bound", "CPU%: s+  m+  b other");
    printf("per-form cryptography in one process (keys_packet_seal, _open, keys_receipt_sign,\n"
           "_verify; the form validated on both sides):\n");
    printf("  %-42s %8.0f %49s %3.0f %4.0f\n", "1 thread", c1, "", c1cpu[2], c1cpu[3]);
    printf("  %-42s %8.0f %49s %3.0f %4.0f\n",
           b.par == 1 ? "1 thread (1 CPU), first" : "threads = CPUs, first", cp, "", cpcpu[2],
           cpcpu[3]);
    printf("  %-42s %8.0f %-49s %3.0f %4.0f\n",
           b.par == 1 ? "1 thread, at the end" : "  and at the end", cp2,
           "   <- the bound: the higher of the two", cp2cpu[2], cp2cpu[3]);
    printf("end to end (POST /v1/send on the admin socket -> the school logs \"delivered\":\n"
           "stored at the municipality, receipt verified and stored at the school):\n");
    row("1 sender, closed loop", &e1, bound);
    acked(&e1);
    row("8 senders, closed loop", &e8, bound);
    acked(&e8);
    {
        char what[80];

        snprintf(what, sizeof what, "8 senders paced at half the peak, %.0f/s", ep.offered);
        row(what, &ep, bound);
        acked(&ep);
    }
    printf("receive path alone (POST /v1/packets over mutual TLS -> receipt; pre-sealed):\n");
    row("1 client, closed loop", &r1, bound);
    row("8 clients, closed loop", &r8, bound);
    {
        char what[80];

        snprintf(what, sizeof what, "8 clients paced at half the peak, %.0f/s", rp.offered);
        row(what, &rp, bound);
    }
    printf("memory:\n");
    printf("  peak RSS (VmHWM) after the forms:    school %.1f MiB, municipality %.1f MiB\n",
           hwm_s / 1024.0, hwm_g / 1024.0);
    printf("  %d idle mutual-TLS connections:     municipality RSS %.1f -> %.1f MiB, threads "
           "%ld -> %ld\n",
           opened, rss_before / 1024.0, rss_after / 1024.0, thr_before, thr_after);
    printf("  per open connection:                 %.1f KiB\n",
           (double)(rss_after - rss_before) / opened);
    printf("  peak RSS (VmHWM) at the end:         school %.1f MiB, municipality %.1f MiB\n",
           hwm_s2 / 1024.0, hwm_g2 / 1024.0);
    printf(
        "CPU%%: what the school's daemon (s), the municipality's (m), this program (b: the\n"
        "clients) and all other processes on the machine used, in %% of one CPU over the phase;\n"
        "%d CPUs give %d%% in all. Figures taken while others used the CPUs are low.\n",
        b.ncpu, 100 * b.ncpu);
    printf("checks: %zu forms end to end, %zu packets on the receive path; the school's outbox "
           "%zu/%zu delivered,\nthe municipality's inbox %zu items; log warnings/errors: school "
           "%lu/%lu, municipality %lu/%lu\n",
           forms_sent, packets_sent, out_delivered, out_all, in_all,
           atomic_load(&b.school_d.warnings), atomic_load(&b.school_d.errors),
           atomic_load(&b.gem_d.warnings), atomic_load(&b.gem_d.errors));
    printf("\ngoals:\n");
    goal("end to end at 8 senders >= half the crypto bound", e8.rate >= GOAL_RATIO * bound,
         "%.0f/s is %.2f of %.0f/s", e8.rate, e8.rate / bound, bound);
    goal("p99 under 10 ms at half the peak rate", ep.p99 < GOAL_P99_MS,
         "end to end %.2f ms at %.0f/s (receive path alone %.2f ms at %.0f/s)", ep.p99, ep.offered,
         rp.p99, rp.offered);
    goal("under 64 KiB per open connection",
         (double)(rss_after - rss_before) / opened < GOAL_CONN_KIB, "%.1f KiB",
         (double)(rss_after - rss_before) / opened);
    if (out_all != forms_sent || out_delivered != forms_sent ||
        in_all != forms_sent + packets_sent || in_new != in_all ||
        atomic_load(&b.school_d.errors) + atomic_load(&b.gem_d.errors) > 0) {
        fprintf(stderr, "bench_daemon: not every form arrived exactly once, or a daemon logged "
                        "errors (see the logs)\n");
        goto out;
    }
    rc = 0;
out:
    if (b.failures > 0)
        rc = 1;
    for (i = 0; i < SENDERS; i++)
        deliver_free(clients[i]);
    if (b.school_d.pid > 0 && b.gem_d.pid > 0 &&
        (kill(b.school_d.pid, 0) != 0 || kill(b.gem_d.pid, 0) != 0)) {
        fprintf(stderr, "bench_daemon: a daemon ended during the run (see the logs)\n");
        rc = 1;
    }
    proc_detach(&b.school_d);
    proc_detach(&b.gem_d);
    free(b.send_body);
    free(b.cert_pem);
    keys_secret_free(b.key_pem);
    json_decref(b.form);
    keys_keystore_free(b.school);
    keys_keystore_free(b.gemeente);
    keys_directory_free(b.dir_doc);
    forms_catalogue_free(b.cat);
    free(b.ev.slot);
    curl_global_cleanup();
    return rc;
}
