/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * Measures how many audit entries per second baton verifies on one core: the chain alone with
 * the entries in memory (core_audit_chain_check: each entry's bytes put together and hashed, the
 * hash compared), and the whole verification of a store file (core_audit_verify_file: SQLite
 * read in order of seq, the same per entry), against the bare SHA-256 of the very bytes each
 * entry's hash is taken over, measured in the same run with the implementation the verifier
 * uses (GnuTLS's, which uses the CPU's SHA instructions where there are some) and with
 * libsodium's (which writes the chain). Entries look like the daemon's: an
 * event, a packet id, a peer's OIN, a pseudonym, an actor and a short detail.
 *
 * usage: bench_audit [ENTRIES]   (default 1000000)
 * Not a test: 'cmake --build BUILD --target bench-audit' runs it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <sodium.h>
#include <sqlite3.h>

#include "audit.h"
#include "keys.h"
#include "store.h"

#define OIN_US "00000001001234567000"
#define GOAL_PER_S 1e6 /* entries per second for the chain on one core */
#define T0 ((time_t)1790000000)
/* Runs of each measurement; the best is the code's own speed on a shared machine. */
#define RUNS 3

static double
clock_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static enum keys_status
no_keys(void *ctx, const char *kid, time_t at, char owner[KEYS_OIN_LEN + 1], struct keys_pub *out,
        struct keys_err *err)
{
    (void)ctx;
    (void)kid;
    (void)at;
    (void)owner;
    (void)out;
    (void)err;
    return KEYS_EKID;
}

static char *
xstrdup(const char *s)
{
    char *c = strdup(s);

    if (c == NULL) {
        fputs("bench_audit: out of memory\n", stderr);
        exit(2);
    }
    return c;
}

static const char *const events[] = {"submitted", "delivered", "received",        "accepted",
                                     "viewed",    "refused",   "notice-delivered"};

/* n entries as the daemon writes them, with their chain hashes (store_audit_hash). */
static struct store_audit *
make_entries(size_t n)
{
    struct store_audit *e = calloc(n, sizeof *e);
    unsigned char prev[STORE_HASH_BYTES] = {0}, rnd[16];
    char buf[160], uuid[64], subject[33];
    size_t i;

    if (e == NULL) {
        fputs("bench_audit: out of memory\n", stderr);
        exit(2);
    }
    for (i = 0; i < n; i++) {
        randombytes_buf(rnd, sizeof rnd);
        snprintf(uuid, sizeof uuid, "%08x-%04x-4%03x-8%03x-%012llx", (unsigned)(i * 2654435761u),
                 (unsigned)(i & 0xffff), (unsigned)(i & 0xfff), (unsigned)((i >> 12) & 0xfff),
                 (unsigned long long)i);
        sodium_bin2hex(subject, sizeof subject, rnd, sizeof rnd);
        e[i].seq = (long long)i + 1;
        e[i].at = T0 + (time_t)i;
        e[i].event = xstrdup(events[i % (sizeof events / sizeof *events)]);
        e[i].packet = xstrdup(uuid);
        e[i].peer = xstrdup("00000001812345671000");
        e[i].subject = i % 4 != 3 ? xstrdup(subject) : NULL;
        e[i].actor = i % 2 ? xstrdup("Anna de Vries (caseworker)") : NULL;
        snprintf(buf, sizeof buf,
                 "urn:baton:form:school-leaver-handover:1, purpose "
                 "warme-overdracht");
        e[i].detail = xstrdup(buf);
        store_audit_hash(prev, &e[i], e[i].hash);
        memcpy(prev, e[i].hash, sizeof prev);
    }
    return e;
}

/* The bytes store_audit_hash takes for each entry, one after the other; offsets in off. */
static unsigned char *
entry_bytes(const struct store_audit *e, size_t n, size_t *off, size_t *total)
{
    static const char label[] = "baton audit entry v1";
    size_t cap = n * 320, used = 0, i, k;
    unsigned char *all = malloc(cap), *p;

    if (all == NULL) {
        fputs("bench_audit: out of memory\n", stderr);
        exit(2);
    }
    for (i = 0; i < n; i++) {
        const char *t[6] = {e[i].event,   e[i].packet, e[i].peer,
                            e[i].subject, e[i].actor,  e[i].detail};
        unsigned long long v;
        int b;

        if (used + 600 > cap) {
            cap *= 2;
            all = realloc(all, cap);
            if (all == NULL) {
                fputs("bench_audit: out of memory\n", stderr);
                exit(2);
            }
        }
        off[i] = used;
        p = all + used;
        memcpy(p, label, sizeof label);
        p += sizeof label;
        memcpy(p,
               i > 0 ? e[i - 1].hash
                     : (const unsigned char *)"\0\0\0\0\0\0\0\0\0\0\0"
                                              "\0\0\0\0\0\0\0\0\0\0\0"
                                              "\0\0\0\0\0\0\0\0\0\0",
               32);
        p += 32;
        for (v = (unsigned long long)e[i].seq, b = 7; b >= 0; b--, v >>= 8)
            p[b] = (unsigned char)v;
        p += 8;
        for (v = (unsigned long long)e[i].at, b = 7; b >= 0; b--, v >>= 8)
            p[b] = (unsigned char)v;
        p += 8;
        for (k = 0; k < 6; k++) {
            unsigned long len = t[k] != NULL ? (unsigned long)strlen(t[k]) : 0xffffffffUL;

            p[0] = (unsigned char)(len >> 24);
            p[1] = (unsigned char)(len >> 16);
            p[2] = (unsigned char)(len >> 8);
            p[3] = (unsigned char)len;
            p += 4;
            if (t[k] != NULL) {
                memcpy(p, t[k], strlen(t[k]));
                p += strlen(t[k]);
            }
        }
        used = (size_t)(p - all);
    }
    off[n] = used;
    *total = used;
    return all;
}

/* The store file of the entries, written as the daemon's store holds them. */
static void
make_store(const char *path, const struct store_audit *e, size_t n)
{
    unsigned char key[STORE_KEY_BYTES];
    struct daemon_err err = {0};
    struct store *s = NULL;
    sqlite3_stmt *st = NULL;
    sqlite3 *db = NULL;
    size_t i;

    randombytes_buf(key, sizeof key);
    if (store_open(path, OIN_US, key, &s, &err) != DAEMON_OK) {
        fprintf(stderr, "bench_audit: %s\n", err.text);
        exit(2);
    }
    store_close(s);
    if (sqlite3_open(path, &db) != SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA synchronous = OFF; BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO audit (seq, at, event, packet, peer, detail, subject, "
                           "actor, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench_audit: %s\n", sqlite3_errmsg(db));
        exit(2);
    }
    for (i = 0; i < n; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, e[i].seq);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)e[i].at);
        sqlite3_bind_text(st, 3, e[i].event, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, e[i].packet, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, e[i].peer, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, e[i].detail, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, e[i].subject, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 8, e[i].actor, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 9, e[i].hash, STORE_HASH_BYTES, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) {
            fprintf(stderr, "bench_audit: %s\n", sqlite3_errmsg(db));
            exit(2);
        }
    }
    sqlite3_finalize(st);
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench_audit: %s\n", sqlite3_errmsg(db));
        exit(2);
    }
    sqlite3_close(db);
}

int
main(int argc, char **argv)
{
    const unsigned char zero[STORE_HASH_BYTES] = {0};
    const struct keys_trust trust = {NULL, no_keys, NULL};
    size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 1000000, total = 0, i;
    double t, best_sha = 1e30, best_sodium = 1e30, best_chain = 1e30, best_file = 1e30;
    double sha_rate, sodium_rate, chain_rate, file_rate;
    struct core_audit_check c;
    struct daemon_err err = {0};
    struct store_audit *e;
    unsigned char h[STORE_HASH_BYTES], *bytes;
    size_t *off;
    char dir[] = "/tmp/baton-bench-audit-XXXXXX", path[64], cmd[96];
    volatile unsigned char sink = 0;
    int r;

    if (n < 1 || keys_init(NULL) != KEYS_OK) {
        fputs("usage: bench_audit [ENTRIES]\n", stderr);
        return 2;
    }
    printf("bench_audit: %zu entries (building them)...\n", n);
    fflush(stdout);
    e = make_entries(n);
    off = malloc((n + 1) * sizeof *off);
    if (off == NULL)
        return 2;
    bytes = entry_bytes(e, n, off, &total);
    if (mkdtemp(dir) == NULL)
        return 2;
    snprintf(path, sizeof path, "%s/store.db", dir);
    make_store(path, e, n);
    printf("  %.0f bytes hashed per entry on average\n", (double)total / (double)n);

    for (r = 0; r < RUNS; r++) {
        t = clock_s();
        for (i = 0; i < n; i++) {
            crypto_hash_sha256(h, bytes + off[i], off[i + 1] - off[i]);
            sink ^= h[0];
        }
        t = clock_s() - t;
        best_sodium = t < best_sodium ? t : best_sodium;

        t = clock_s();
        for (i = 0; i < n; i++) {
            if (gnutls_hash_fast(GNUTLS_DIG_SHA256, bytes + off[i], off[i + 1] - off[i], h) < 0)
                return 2;
            sink ^= h[0];
        }
        t = clock_s() - t;
        best_sha = t < best_sha ? t : best_sha;

        t = clock_s();
        if (core_audit_chain_check(zero, e, n) != 0) {
            fputs("bench_audit: the chain in memory does not verify\n", stderr);
            return 1;
        }
        t = clock_s() - t;
        best_chain = t < best_chain ? t : best_chain;

        t = clock_s();
        if (core_audit_verify_file(path, OIN_US, &trust, NULL, 0, NULL, &c, &err) != DAEMON_OK ||
            !c.intact || c.entries != (long long)n) {
            fprintf(stderr, "bench_audit: the store does not verify: %s%s\n", err.text, c.problem);
            return 1;
        }
        t = clock_s() - t;
        best_file = t < best_file ? t : best_file;
    }
    sha_rate = (double)n / best_sha;
    sodium_rate = (double)n / best_sodium;
    chain_rate = (double)n / best_chain;
    file_rate = (double)n / best_file;
    printf("  bare SHA-256 of each entry's bytes, libsodium: %9.0f entries/s\n", sodium_rate);
    printf("  bare SHA-256 of each entry's bytes, GnuTLS:    %9.0f entries/s  (the baseline)\n",
           sha_rate);
    printf("  chain in memory (core_audit_chain_check):      %9.0f entries/s  (%.2f of it)\n",
           chain_rate, chain_rate / sha_rate);
    printf("  store file (core_audit_verify_file):           %9.0f entries/s  (%.2f of it)\n",
           file_rate, file_rate / sha_rate);
    printf("  goal: over %.0f entries/s for the chain on one core: %s\n", GOAL_PER_S,
           chain_rate > GOAL_PER_S ? "met" : "NOT met");
    (void)sink;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        return 2;
    for (i = 0; i < n; i++) {
        free(e[i].event);
        free(e[i].packet);
        free(e[i].peer);
        free(e[i].subject);
        free(e[i].actor);
        free(e[i].detail);
    }
    free(e);
    free(off);
    free(bytes);
    return 0;
}
