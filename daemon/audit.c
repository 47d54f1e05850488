/* SPDX-License-Identifier: EUPL-1.2 */
/* The audit chain's checkpoints and verification, the daemon's lifecycle in the audit trail, and
 * the audit listing with filters (the admin API's /v1/audit routes). */
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <sodium.h>
#include <sqlite3.h>

#include "audit.h"

/* The label store_audit_hash starts with, with its NUL (daemon/store.c). */
#define CHAIN_LABEL "baton audit entry v1"
#define CHAIN_LABEL_LEN (sizeof CHAIN_LABEL)
/* Offsets in the bytes one entry's hash is taken over. */
#define OFF_PREV CHAIN_LABEL_LEN
#define OFF_SEQ (OFF_PREV + STORE_HASH_BYTES)
#define OFF_AT (OFF_SEQ + 8)
#define OFF_FIELDS (OFF_AT + 8)
/* Text fields of an entry, in the order they are hashed. */
#define CHAIN_FIELDS 6
/* Most events one listing may filter on. */
#define AUDIT_MAX_EVENTS 32
/* Longest query parameter value the listing takes (a checkpoint JWS is longer: verify reads
 * those itself). */
#define AUDIT_PARAM_MAX 256
/* How much of a store file verification maps into memory (SQLite's mmap_size). */
#define AUDIT_MMAP_BYTES "1073741824"
/* A verify request's body: peers' copies of our checkpoints, about 400 bytes each. */
#define AUDIT_BODY_MAX (8u * 1024u * 1024u)

/* ---- the bytes of one entry, as store_audit_hash hashes them ---- */

/* A growing buffer, reused from entry to entry. */
struct chain_buf {
    unsigned char *p;
    size_t len, cap;
};

static int
buf_reserve(struct chain_buf *b, size_t need)
{
    unsigned char *grown;
    size_t cap = b->cap ? b->cap : 512;

    if (need <= b->cap)
        return 0;
    while (cap < need)
        cap *= 2;
    grown = realloc(b->p, cap);
    if (grown == NULL)
        return -1;
    b->p = grown;
    b->cap = cap;
    return 0;
}

/*
 * SHA-256 for walking the chain. The same function as store_audit_hash's (libsodium), from
 * GnuTLS, which batond links already: its nettle uses the CPU's SHA instructions where there are
 * some, four to five times libsodium's portable code, and verification is the one place that
 * hashes millions of entries at once. Nothing secret is hashed here.
 */
static void
sha256(unsigned char out[STORE_HASH_BYTES], const unsigned char *p, size_t n)
{
    if (gnutls_hash_fast(GNUTLS_DIG_SHA256, p, n, out) < 0)
        crypto_hash_sha256(out, p, n);
}

static void
put_u64(unsigned char *p, unsigned long long v)
{
    int i;

    for (i = 7; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)(v & 0xff);
}

/* One entry's fields as the chain hashes them; texts borrowed, with their lengths (NULL: SQL
 * NULL). */
struct chain_fields {
    long long seq, at;
    const unsigned char *t[CHAIN_FIELDS]; /* event, packet, peer, subject, actor, detail */
    size_t n[CHAIN_FIELDS];
};

/* The bytes store_audit_hash hashes for f after prev, into b (reused from entry to entry): the
 * label, prev, seq and at as 64-bit big-endian, each text as a 32-bit big-endian length
 * (0xffffffff for NULL) and its bytes. -1 when out of memory. */
static int
chain_serialize(const struct chain_fields *f, const unsigned char prev[STORE_HASH_BYTES],
                struct chain_buf *b)
{
    size_t total = OFF_FIELDS, i;
    unsigned char *p;

    for (i = 0; i < CHAIN_FIELDS; i++)
        total += 4 + f->n[i];
    if (buf_reserve(b, total) != 0)
        return -1;
    p = b->p;
    memcpy(p, CHAIN_LABEL, CHAIN_LABEL_LEN);
    memcpy(p + OFF_PREV, prev, STORE_HASH_BYTES);
    put_u64(p + OFF_SEQ, (unsigned long long)f->seq);
    put_u64(p + OFF_AT, (unsigned long long)f->at);
    p += OFF_FIELDS;
    for (i = 0; i < CHAIN_FIELDS; i++) {
        unsigned long len = f->t[i] != NULL ? (unsigned long)f->n[i] : 0xffffffffUL;

        p[0] = (unsigned char)(len >> 24);
        p[1] = (unsigned char)(len >> 16);
        p[2] = (unsigned char)(len >> 8);
        p[3] = (unsigned char)len;
        p += 4;
        if (f->t[i] != NULL && f->n[i] > 0) {
            memcpy(p, f->t[i], f->n[i]);
            p += f->n[i];
        }
    }
    b->len = total;
    return 0;
}

/* chain_serialize for the current row of st (columns: seq, at, event, packet, peer, subject,
 * actor, detail), its values read in place, not copied out. */
static int
chain_bytes(sqlite3_stmt *st, const unsigned char prev[STORE_HASH_BYTES], struct chain_buf *b)
{
    struct chain_fields f;
    size_t i;

    f.seq = sqlite3_column_int64(st, 0);
    f.at = sqlite3_column_int64(st, 1);
    for (i = 0; i < CHAIN_FIELDS; i++) {
        f.t[i] = sqlite3_column_text(st, (int)i + 2);
        f.n[i] = f.t[i] != NULL ? (size_t)sqlite3_column_bytes(st, (int)i + 2) : 0;
    }
    return chain_serialize(&f, prev, b);
}

long long
core_audit_chain_check(const unsigned char prev[STORE_HASH_BYTES], const struct store_audit *items,
                       size_t n)
{
    unsigned char last[STORE_HASH_BYTES], h[STORE_HASH_BYTES];
    struct chain_buf b = {0};
    struct chain_fields f;
    long long bad = 0;
    size_t i;

    memcpy(last, prev, sizeof last);
    for (i = 0; i < n && bad == 0; i++) {
        const struct store_audit *e = &items[i];
        const char *t[CHAIN_FIELDS] = {e->event,   e->packet, e->peer,
                                       e->subject, e->actor,  e->detail};
        size_t k;

        f.seq = e->seq;
        f.at = (long long)e->at;
        for (k = 0; k < CHAIN_FIELDS; k++) {
            f.t[k] = (const unsigned char *)t[k];
            f.n[k] = t[k] != NULL ? strlen(t[k]) : 0;
        }
        if (chain_serialize(&f, last, &b) != 0) {
            bad = -1;
            break;
        }
        sha256(h, b.p, b.len);
        if ((i > 0 && e->seq != items[i - 1].seq + 1) || memcmp(h, e->hash, sizeof h) != 0)
            bad = e->seq;
        memcpy(last, e->hash, sizeof last);
    }
    free(b.p);
    return bad;
}

/* The hash of the bytes in b with prev and seq put in place of theirs (b is changed). */
static void
rehash(struct chain_buf *b, const unsigned char prev[STORE_HASH_BYTES], long long seq,
       unsigned char out[STORE_HASH_BYTES])
{
    if (b->p == NULL || b->len < OFF_FIELDS) {
        memset(out, 0, STORE_HASH_BYTES); /* matches no stored hash of an entry */
        return;
    }
    memcpy(b->p + OFF_PREV, prev, STORE_HASH_BYTES);
    put_u64(b->p + OFF_SEQ, (unsigned long long)seq);
    sha256(out, b->p, b->len);
}

static void
hex(const unsigned char *p, size_t n, char *out)
{
    sodium_bin2hex(out, n * 2 + 1, p, n);
}

/* ---- verification ---- */

/* A checkpoint that verified, to hold against the chain. */
struct cp_item {
    long long size;
    unsigned char head[STORE_HASH_BYTES];
    time_t at;
    int from_peer; /* given from outside, not the store's */
    int seen;      /* 1: the entry of its size was found; 2: and matched */
};

struct verify {
    struct core_audit_check *out;
    struct cp_item *cps;
    size_t n_cps, cap_cps;
    char refused[600];                    /* a given checkpoint is unusable: why */
    long long last_seq;                   /* of the last entry in the table */
    struct core_audit_progress *progress; /* NULL: none */
};

/* Entries walked between two updates of a verification's progress. */
#define PROGRESS_EVERY 1024

/* Records the problem at seq (checkpoint: the size of the checkpoint it is about, or 0) when it
 * comes before the one recorded. */
static void problem(struct core_audit_check *c, long long seq, long long checkpoint,
                    const char *kind, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
problem(struct core_audit_check *c, long long seq, long long checkpoint, const char *kind,
        const char *fmt, ...)
{
    va_list ap;

    /* On the same entry, a problem of the chain itself goes before one of a checkpoint. */
    if (!c->intact &&
        (c->bad_seq < seq || (c->bad_seq == seq && (c->bad_checkpoint == 0 || checkpoint != 0))))
        return;
    c->intact = 0;
    c->bad_seq = seq;
    c->bad_checkpoint = checkpoint;
    snprintf(c->kind, sizeof c->kind, "%s", kind);
    va_start(ap, fmt);
    vsnprintf(c->problem, sizeof c->problem, fmt, ap);
    va_end(ap);
}

/* Verifies one checkpoint JWS and keeps it; row_size/row_head/row_at: the store's columns for
 * it (NULL head for one given from outside). -1 when out of memory. */
static int
take_checkpoint(struct verify *v, const char *oin, const struct keys_trust *trust, const char *jws,
                size_t len, long long row_size, const unsigned char *row_head, time_t row_at,
                size_t which)
{
    struct core_audit_check *c = v->out;
    struct keys_checkpoint cp;
    struct keys_err kerr = {0};
    char t[KEYS_TIME_LEN + 1];
    long long at_seq;

    c->checkpoints++;
    if (keys_checkpoint_verify(trust, jws, len, &cp, &kerr) != KEYS_OK) {
        if (row_head != NULL)
            problem(c, row_size > 0 ? row_size : 1, row_size > 0 ? row_size : 1,
                    "checkpoint-invalid",
                    "the store's checkpoint of %lld entries (dated %s) does not verify: %s: it "
                    "was not signed by this organisation (forged, or changed)",
                    row_size, core_time(row_at, t), kerr.text);
        else if (v->refused[0] == '\0')
            snprintf(v->refused, sizeof v->refused,
                     "given checkpoint %zu does not verify: %s; give this organisation's own "
                     "checkpoints as a peer kept them",
                     which + 1, kerr.text);
        return 0;
    }
    at_seq = cp.size;
    if (strcmp(cp.iss, oin) != 0) {
        if (row_head != NULL)
            problem(c, at_seq, at_seq, "checkpoint-invalid",
                    "the store's checkpoint of %lld entries was signed by %s, not by this "
                    "organisation (%s)",
                    cp.size, cp.iss, oin);
        else if (v->refused[0] == '\0')
            snprintf(v->refused, sizeof v->refused,
                     "given checkpoint %zu is of organisation %s, not of this one (%s): give "
                     "this organisation's own checkpoints as a peer kept them",
                     which + 1, cp.iss, oin);
        return 0;
    }
    if (row_head != NULL && (cp.size != row_size || cp.at != row_at ||
                             memcmp(cp.head, row_head, STORE_HASH_BYTES) != 0)) {
        problem(c, row_size > 0 ? row_size : 1, row_size > 0 ? row_size : 1, "checkpoint-invalid",
                "the store's checkpoint row of %lld entries was changed: its columns differ from "
                "what its signature covers (%lld entries at %s)",
                row_size, cp.size, core_time(cp.at, t));
        return 0;
    }
    if (v->n_cps == v->cap_cps) {
        size_t cap = v->cap_cps ? v->cap_cps * 2 : 16;
        struct cp_item *grown = realloc(v->cps, cap * sizeof *grown);

        if (grown == NULL)
            return -1;
        v->cps = grown;
        v->cap_cps = cap;
    }
    v->cps[v->n_cps].size = cp.size;
    memcpy(v->cps[v->n_cps].head, cp.head, STORE_HASH_BYTES);
    v->cps[v->n_cps].at = cp.at;
    v->cps[v->n_cps].from_peer = row_head == NULL;
    v->cps[v->n_cps].seen = 0;
    v->n_cps++;
    return 0;
}

static int
cp_cmp(const void *a, const void *b)
{
    const struct cp_item *x = a, *y = b;

    return x->size < y->size ? -1 : x->size > y->size;
}

static enum daemon_status
read_checkpoints(sqlite3 *db, struct verify *v, const char *oin, const struct keys_trust *trust,
                 const char *const *extra, size_t n_extra, struct daemon_err *err)
{
    sqlite3_stmt *st = NULL;
    enum daemon_status rc = DAEMON_OK;
    size_t i;
    int r;

    if (sqlite3_prepare_v2(db, "SELECT size, head, at, jws FROM checkpoints ORDER BY size", -1, &st,
                           NULL) != SQLITE_OK) {
        rc = daemon_fail(err, DAEMON_ESTORE, "reading the checkpoints: %s", sqlite3_errmsg(db));
        goto out;
    }
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        unsigned char head[STORE_HASH_BYTES] = {0};
        const char *jws = (const char *)sqlite3_column_text(st, 3);

        if (sqlite3_column_bytes(st, 1) == STORE_HASH_BYTES)
            memcpy(head, sqlite3_column_blob(st, 1), STORE_HASH_BYTES);
        if (take_checkpoint(v, oin, trust, jws != NULL ? jws : "",
                            jws != NULL ? (size_t)sqlite3_column_bytes(st, 3) : 0,
                            sqlite3_column_int64(st, 0), head, (time_t)sqlite3_column_int64(st, 2),
                            0) != 0) {
            rc = daemon_fail(err, DAEMON_ENOMEM, "out of memory verifying the checkpoints");
            goto out;
        }
    }
    if (r != SQLITE_DONE) {
        rc = daemon_fail(err, DAEMON_ESTORE, "reading the checkpoints: %s", sqlite3_errmsg(db));
        goto out;
    }
    for (i = 0; i < n_extra; i++) {
        if (take_checkpoint(v, oin, trust, extra[i], strlen(extra[i]), 0, NULL, 0, i) != 0) {
            rc = daemon_fail(err, DAEMON_ENOMEM, "out of memory verifying the checkpoints");
            goto out;
        }
    }
    if (v->n_cps > 1)
        qsort(v->cps, v->n_cps, sizeof *v->cps, cp_cmp);
out:
    sqlite3_finalize(st);
    return rc;
}

/* What became of the entry before the current one, for naming a problem. */
struct walk {
    unsigned char prev[STORE_HASH_BYTES];     /* the stored hash of the entry before */
    unsigned char prevprev[STORE_HASH_BYTES]; /* and of the one before that */
    long long seq;                            /* of the entry before; 0 at the start */
    /* A mismatch waiting for the next entry to say what it was. */
    int pending;
    long long pending_seq;
    unsigned char pending_prev[STORE_HASH_BYTES], pending_hash[STORE_HASH_BYTES];
    struct chain_buf pending_buf;
};

/* The entry after a mismatched one is here (cur: its bytes, hash: its stored hash): was the
 * mismatched entry inserted, moved, or changed? */
static void
name_pending(struct core_audit_check *c, struct walk *w, struct chain_buf *cur,
             const unsigned char *hash, int have_next)
{
    unsigned char h[STORE_HASH_BYTES];
    long long k = w->pending_seq;

    w->pending = 0;
    if (have_next) {
        /* Does the next entry belong right where the mismatched one is? */
        rehash(cur, w->pending_prev, k, h);
        if (hash != NULL && memcmp(h, hash, STORE_HASH_BYTES) == 0) {
            /* Then was the mismatched one the next entry's successor (a swap)? */
            rehash(&w->pending_buf, hash, k + 1, h);
            if (memcmp(h, w->pending_hash, STORE_HASH_BYTES) == 0)
                problem(c, k, 0, "out-of-order",
                        "entry %lld is out of order: entries %lld and %lld were swapped", k, k,
                        k + 1);
            else
                problem(c, k, 0, "inserted",
                        "entry %lld was inserted: entry %lld follows entry %lld directly and was "
                        "renumbered after it",
                        k, k + 1, k - 1);
            return;
        }
    }
    problem(c, k, 0, "changed",
            "entry %lld was changed: its hash does not match its content and the entry before it",
            k);
}

/* The chain itself, in order of seq, holding the checkpoints against it as it goes. */
static enum daemon_status
walk_chain(sqlite3 *db, struct verify *v, struct daemon_err *err)
{
    struct core_audit_check *c = v->out;
    struct chain_buf b = {0};
    struct walk w;
    sqlite3_stmt *st = NULL;
    enum daemon_status rc = DAEMON_OK;
    unsigned char h[STORE_HASH_BYTES];
    size_t next_cp = 0;
    int r, chain_bad = 0;

    memset(&w, 0, sizeof w);
    if (sqlite3_prepare_v2(db,
                           "SELECT seq, at, event, packet, peer, subject, actor, detail, hash "
                           "FROM audit ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = daemon_fail(err, DAEMON_ESTORE, "reading the audit trail: %s", sqlite3_errmsg(db));
        goto out;
    }
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        long long seq = sqlite3_column_int64(st, 0);
        const unsigned char *stored = sqlite3_column_blob(st, 8);
        int has_hash = stored != NULL && sqlite3_column_bytes(st, 8) == STORE_HASH_BYTES;

        c->entries++;
        v->last_seq = seq;
        if (v->progress != NULL && c->entries % PROGRESS_EVERY == 0)
            atomic_store_explicit(&v->progress->done, c->entries, memory_order_relaxed);
        /* The checkpoints of this size (and any skipped by a gap) against the stored hash. */
        while (next_cp < v->n_cps && v->cps[next_cp].size <= seq) {
            struct cp_item *cp = &v->cps[next_cp++];

            if (cp->size == seq) {
                cp->seen = 1;
                if (has_hash && memcmp(stored, cp->head, STORE_HASH_BYTES) == 0)
                    cp->seen = 2;
            }
        }
        if (chain_bad)
            continue; /* only counting and the checkpoints from here */
        if (chain_bytes(st, w.prev, &b) != 0) {
            rc = daemon_fail(err, DAEMON_ENOMEM, "out of memory verifying the audit trail");
            goto out;
        }
        if (w.pending) {
            name_pending(c, &w, &b, has_hash ? stored : NULL, seq == w.pending_seq + 1);
            chain_bad = 1;
            continue;
        }
        if (seq <= w.seq) { /* only before the first: seq is the table's key */
            problem(c, seq, 0, "inserted", "entry %lld was inserted: the chain starts at entry 1",
                    seq);
            chain_bad = 1;
            continue;
        }
        if (seq != w.seq + 1) {
            if (w.seq + 1 == seq - 1)
                problem(c, seq, 0, "missing",
                        "entry %lld is missing before entry %lld: it was removed", w.seq + 1, seq);
            else
                problem(c, seq, 0, "missing",
                        "entries %lld to %lld are missing before entry %lld: they were removed",
                        w.seq + 1, seq - 1, seq);
            chain_bad = 1;
            continue;
        }
        sha256(h, b.p, b.len);
        if (!has_hash || memcmp(h, stored, STORE_HASH_BYTES) != 0) {
            /* Was the entry before this one inserted (with a good hash of its own), so that
             * this one chains from the one before it? */
            if (has_hash && w.seq >= 2) {
                rehash(&b, w.prevprev, seq - 1, h);
                if (memcmp(h, stored, STORE_HASH_BYTES) == 0) {
                    problem(c, seq - 1, 0, "inserted",
                            "entry %lld was inserted: entry %lld follows entry %lld directly "
                            "and was renumbered after it",
                            seq - 1, seq, seq - 2);
                    chain_bad = 1;
                    continue;
                }
                memcpy(b.p + OFF_PREV, w.prev, STORE_HASH_BYTES);
                put_u64(b.p + OFF_SEQ, (unsigned long long)seq);
            }
            if (!has_hash) {
                problem(c, seq, 0, "changed", "entry %lld was changed: its hash is missing", seq);
                chain_bad = 1;
                continue;
            }
            /* The next entry tells whether this one was moved or inserted. */
            w.pending = 1;
            w.pending_seq = seq;
            memcpy(w.pending_prev, w.prev, STORE_HASH_BYTES);
            memcpy(w.pending_hash, stored, STORE_HASH_BYTES);
            if (buf_reserve(&w.pending_buf, b.len) != 0) {
                rc = daemon_fail(err, DAEMON_ENOMEM, "out of memory verifying the audit trail");
                goto out;
            }
            memcpy(w.pending_buf.p, b.p, b.len);
            w.pending_buf.len = b.len;
        }
        memcpy(w.prevprev, w.prev, STORE_HASH_BYTES);
        memcpy(w.prev, has_hash ? stored : h, STORE_HASH_BYTES);
        w.seq = seq;
    }
    if (r != SQLITE_DONE) {
        rc = daemon_fail(err, DAEMON_ESTORE, "reading the audit trail: %s", sqlite3_errmsg(db));
        goto out;
    }
    if (w.pending)
        name_pending(c, &w, NULL, NULL, 0);
    if (v->progress != NULL)
        atomic_store_explicit(&v->progress->done, c->entries, memory_order_relaxed);
out:
    sqlite3_finalize(st);
    free(b.p);
    free(w.pending_buf.p);
    return rc;
}

/* What a verification will walk: the last entry's seq (the table's key, so no scan); entries
 * removed make the walk end short of it, and the walk's own count is the last word. */
static enum daemon_status
progress_total(sqlite3 *db, struct core_audit_progress *progress, struct daemon_err *err)
{
    sqlite3_stmt *st = NULL;
    enum daemon_status rc = DAEMON_OK;

    if (sqlite3_prepare_v2(db, "SELECT max(seq) FROM audit", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW)
        rc = daemon_fail(err, DAEMON_ESTORE, "reading the audit trail: %s", sqlite3_errmsg(db));
    else
        atomic_store_explicit(&progress->total, sqlite3_column_int64(st, 0), memory_order_relaxed);
    sqlite3_finalize(st);
    return rc;
}

/* The checkpoints against what the walk saw. */
static void
judge_checkpoints(struct verify *v)
{
    struct core_audit_check *c = v->out;
    char t[KEYS_TIME_LEN + 1];
    long long confirmed = 0;
    size_t i;

    for (i = 0; i < v->n_cps; i++) {
        struct cp_item *cp = &v->cps[i];
        const char *whose = cp->from_peer ? "a peer's copy of the checkpoint" : "the checkpoint";

        if (cp->size > v->last_seq) {
            problem(c, v->last_seq + 1, cp->size, "cut",
                    "the log was cut back: it ends at entry %lld, but %s signed at %s covers %lld "
                    "entries (entries %lld to %lld were removed)",
                    v->last_seq, whose, core_time(cp->at, t), cp->size, v->last_seq + 1, cp->size);
        } else if (cp->seen == 0) {
            /* Its entry fell in a gap, which the walk names as missing. */
        } else if (cp->seen == 1) {
            problem(c, cp->size, cp->size, "rewritten",
                    "the log was rewritten at or before entry %lld (after entry %lld): entry "
                    "%lld's hash differs from %s signed at %s",
                    cp->size, confirmed, cp->size, whose, core_time(cp->at, t));
        } else {
            confirmed = cp->size;
            if (cp->size >= c->last_size) {
                c->last_size = cp->size;
                c->last_at = cp->at;
            }
        }
    }
}

enum daemon_status
core_audit_verify_db(sqlite3 *db, const char *oin, const struct keys_trust *trust,
                     const char *const *extra, size_t n_extra, struct core_audit_progress *progress,
                     struct core_audit_check *out, struct daemon_err *err)
{
    struct core_audit_check c;
    struct verify v = {&c, NULL, 0, 0, "", 0, progress};
    enum daemon_status rc;

    if (db == NULL || oin == NULL || trust == NULL || out == NULL || (n_extra && extra == NULL))
        return daemon_fail(err, DAEMON_EINVAL, "core_audit_verify_db: NULL argument");
    if (n_extra > CORE_AUDIT_MAX_EXTRA)
        return daemon_fail(err, DAEMON_EREFUSED,
                           "%zu checkpoints given; at most %d are checked at once", n_extra,
                           CORE_AUDIT_MAX_EXTRA);
    memset(&c, 0, sizeof c);
    c.intact = 1;
    /* One read transaction: the chain and the checkpoints as of one moment. */
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return daemon_fail(err, DAEMON_ESTORE, "reading the audit trail: %s", sqlite3_errmsg(db));
    rc = read_checkpoints(db, &v, oin, trust, extra, n_extra, err);
    if (rc == DAEMON_OK && progress != NULL)
        rc = progress_total(db, progress, err);
    if (rc == DAEMON_OK)
        rc = walk_chain(db, &v, err);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc == DAEMON_OK && v.refused[0] != '\0')
        rc = daemon_fail(err, DAEMON_EREFUSED, "%s", v.refused);
    if (rc == DAEMON_OK) {
        judge_checkpoints(&v);
        if (c.intact)
            c.bad_seq = 0;
        *out = c;
    }
    free(v.cps);
    return rc;
}

enum daemon_status
core_audit_verify_file(const char *path, const char *oin, const struct keys_trust *trust,
                       const char *const *extra, size_t n_extra,
                       struct core_audit_progress *progress, struct core_audit_check *out,
                       struct daemon_err *err)
{
    sqlite3 *db = NULL;
    enum daemon_status rc;

    if (path == NULL)
        return daemon_fail(err, DAEMON_EINVAL, "core_audit_verify_file: NULL argument");
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        rc = daemon_fail(err, DAEMON_ESTORE, "store %s: cannot open it: %s", path,
                         db != NULL ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return rc;
    }
    sqlite3_busy_timeout(db, 10000);
    /* One pass over the whole table: pages mapped rather than copied into SQLite's cache. */
    sqlite3_exec(db, "PRAGMA mmap_size = " AUDIT_MMAP_BYTES, NULL, NULL, NULL);
    rc = core_audit_verify_db(db, oin, trust, extra, n_extra, progress, out, err);
    sqlite3_close(db);
    return rc;
}

/* ---- checkpoints ---- */

struct cp_job {
    struct daemon *d;
    time_t now;
    int force, write;
    int due;           /* read: a checkpoint should be signed */
    char problem[600]; /* signing failed: why */
    char *jws;         /* latest: the JWS */
};

static enum daemon_status
cp_fn(void *ctx, sqlite3 *db, const unsigned char *key, struct daemon_err *err)
{
    struct cp_job *j = ctx;
    struct keys_checkpoint cp;
    struct keys_err kerr = {0};
    sqlite3_stmt *st = NULL;
    enum daemon_status rc = DAEMON_OK;
    long long last_size = 0;
    time_t last_at = 0;
    char *jws = NULL;
    size_t len = 0;

    (void)key;
    memset(&cp, 0, sizeof cp);
    if (sqlite3_prepare_v2(db, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", -1, &st,
                           NULL) != SQLITE_OK)
        goto db_fail;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 1) == STORE_HASH_BYTES) {
        cp.size = sqlite3_column_int64(st, 0);
        memcpy(cp.head, sqlite3_column_blob(st, 1), STORE_HASH_BYTES);
    }
    sqlite3_finalize(st);
    st = NULL;
    if (cp.size < 1)
        goto out; /* nothing to sign yet */
    if (sqlite3_prepare_v2(db, "SELECT size, at FROM checkpoints ORDER BY size DESC LIMIT 1", -1,
                           &st, NULL) != SQLITE_OK)
        goto db_fail;
    if (sqlite3_step(st) == SQLITE_ROW) {
        last_size = sqlite3_column_int64(st, 0);
        last_at = (time_t)sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    st = NULL;
    if (cp.size <= last_size || (!j->force && j->now - last_at < CORE_CHECKPOINT_S))
        goto out;
    j->due = 1;
    if (!j->write)
        goto out;
    snprintf(cp.iss, sizeof cp.iss, "%s", j->d->me->oin);
    cp.at = j->now;
    if (keys_checkpoint_sign(j->d->ks, &cp, &jws, &len, &kerr) != KEYS_OK) {
        snprintf(j->problem, sizeof j->problem, "%s", kerr.text);
        goto out; /* not a store failure: the caller logs it */
    }
    if (sqlite3_prepare_v2(db,
                           "INSERT OR IGNORE INTO checkpoints (size, head, at, jws) "
                           "VALUES (?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK ||
        sqlite3_bind_int64(st, 1, cp.size) != SQLITE_OK ||
        sqlite3_bind_blob(st, 2, cp.head, STORE_HASH_BYTES, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int64(st, 3, (sqlite3_int64)cp.at) != SQLITE_OK ||
        sqlite3_bind_text(st, 4, jws, (int)len, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_DONE)
        goto db_fail;
    goto out;
db_fail:
    rc = daemon_fail(err, DAEMON_ESTORE, "signing a checkpoint: %s", sqlite3_errmsg(db));
out:
    sqlite3_finalize(st);
    free(jws);
    return rc;
}

void
core_audit_checkpoint(struct daemon *d, time_t now, int force)
{
    struct cp_job j = {d, now, force, 0, 0, "", NULL};
    struct daemon_err err = {0};
    enum daemon_status rc;
    int say;

    if (d == NULL || d->store == NULL)
        return;
    /* A read first: most seconds there is nothing to sign, and no write lock is needed. */
    rc = store_txn(d->store, 0, cp_fn, &j, now, NULL, 0, &err);
    if (rc == DAEMON_OK && j.due) {
        j.write = 1;
        rc = store_txn(d->store, 1, cp_fn, &j, now, NULL, 0, &err);
        core_audit_forget_checkpoint(d);
    }
    if (rc == DAEMON_OK && j.problem[0] == '\0')
        return;
    pthread_mutex_lock(&d->mu);
    say = force || now - d->checkpoint_warned >= 3600;
    if (say)
        d->checkpoint_warned = now;
    pthread_mutex_unlock(&d->mu);
    if (say)
        core_log(d, CONFIG_LOG_WARNING, "checkpoint-failed", NULL, NULL,
                 "no checkpoint of the audit chain was signed: %s",
                 rc != DAEMON_OK ? err.text : j.problem);
}

void
core_audit_tick(struct daemon *d, time_t now)
{
    core_audit_checkpoint(d, now, 0);
}

static enum daemon_status
latest_fn(void *ctx, sqlite3 *db, const unsigned char *key, struct daemon_err *err)
{
    struct cp_job *j = ctx;
    sqlite3_stmt *st = NULL;
    enum daemon_status rc = DAEMON_OK;
    int r;

    (void)key;
    if (sqlite3_prepare_v2(db, "SELECT jws FROM checkpoints ORDER BY size DESC LIMIT 1", -1, &st,
                           NULL) != SQLITE_OK)
        return daemon_fail(err, DAEMON_ESTORE, "reading the checkpoints: %s", sqlite3_errmsg(db));
    r = sqlite3_step(st);
    if (r == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL) {
        j->jws = strdup((const char *)sqlite3_column_text(st, 0));
        if (j->jws == NULL)
            rc = daemon_fail(err, DAEMON_ENOMEM, "out of memory reading a checkpoint");
    } else if (r != SQLITE_ROW && r != SQLITE_DONE) {
        rc = daemon_fail(err, DAEMON_ESTORE, "reading the checkpoints: %s", sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
    return rc;
}

void
core_audit_forget_checkpoint(struct daemon *d)
{
    pthread_mutex_lock(&d->ckpt_mu);
    free(d->ckpt_latest);
    d->ckpt_latest = NULL;
    d->ckpt_latest_known = 0;
    pthread_mutex_unlock(&d->ckpt_mu);
}

enum daemon_status
core_audit_latest_checkpoint(struct daemon *d, char **jws, struct daemon_err *err)
{
    struct cp_job j = {d, 0, 0, 0, 0, "", NULL};
    enum daemon_status rc = DAEMON_OK;

    /* Read once and kept until the next one is signed: every receipt carries it. */
    pthread_mutex_lock(&d->ckpt_mu);
    if (!d->ckpt_latest_known) {
        rc = store_txn(d->store, 0, latest_fn, &j, 0, NULL, 0, err);
        if (rc == DAEMON_OK) {
            d->ckpt_latest = j.jws;
            d->ckpt_latest_known = 1;
        } else {
            free(j.jws);
        }
    }
    *jws = NULL;
    if (rc == DAEMON_OK && d->ckpt_latest != NULL && (*jws = strdup(d->ckpt_latest)) == NULL)
        rc = daemon_fail(err, DAEMON_ENOMEM, "out of memory reading a checkpoint");
    pthread_mutex_unlock(&d->ckpt_mu);
    return rc;
}

/* ---- the daemon's lifecycle in the audit trail ---- */

/* What a "started" entry records, and how its detail reads:
 * "batond V; directory sha256 HEX (version N, issued T); covenant ID sha256 HEX; signing key KID"
 */
struct started {
    char version[32];
    char dir[65];
    char cov_id[200];
    char cov[65];
    char kid[KEYS_KID_LEN + 1];
};

static void
started_now(struct daemon *d, time_t now, struct started *s, char *detail, size_t size)
{
    const struct keys_sign_key *signer = keys_keystore_signer(d->ks, now);
    unsigned char cov[KEYS_SHA256_LEN];
    const char *start = d->cov_text;
    size_t n = d->cov_len;
    const json_t *issued = json_object_get(d->dir_doc, "issued");
    char dirinfo[120] = "";
    struct keys_pub pub;

    memset(s, 0, sizeof *s);
    snprintf(s->version, sizeof s->version, "%s", daemon_version());
    hex(d->dir_sha256, KEYS_SHA256_LEN, s->dir);
    /* The covenant as read, even when it does not hold now (the same digest network.c takes). */
    while (n > 0 && strchr(" \t\r\n", *start) != NULL)
        start++, n--;
    while (n > 0 && strchr(" \t\r\n", start[n - 1]) != NULL)
        n--;
    crypto_hash_sha256(cov, (const unsigned char *)(start != NULL ? start : ""), n);
    hex(cov, sizeof cov, s->cov);
    snprintf(s->cov_id, sizeof s->cov_id, "%s", d->covenant_id != NULL ? d->covenant_id : "-");
    for (n = 0; s->cov_id[n] != '\0'; n++)
        if (s->cov_id[n] == ' ' || s->cov_id[n] == ';' || iscntrl((unsigned char)s->cov_id[n]))
            s->cov_id[n] = '_';
    if (signer != NULL) {
        keys_sign_key_public(signer, &pub);
        snprintf(s->kid, sizeof s->kid, "%s", pub.kid);
    } else {
        snprintf(s->kid, sizeof s->kid, "-");
    }
    if (d->dir_doc != NULL)
        snprintf(dirinfo, sizeof dirinfo, " (version %lld, issued %.40s)",
                 (long long)json_integer_value(json_object_get(d->dir_doc, "version")),
                 json_is_string(issued) ? json_string_value(issued) : "?");
    else
        snprintf(dirinfo, sizeof dirinfo, " (not valid now)");
    snprintf(detail, size,
             "batond %s; directory sha256 %s%s; covenant %s sha256 %s%s; signing key %s",
             s->version, s->dir, dirinfo, s->cov_id, s->cov,
             d->covenant != NULL ? "" : " (not valid now)", s->kid);
}

/* The word after "after" in text into out (up to a space, ';' or the end). */
static int
word_after(const char *text, const char *after, char *out, size_t size)
{
    const char *p = strstr(text, after);
    size_t n;

    if (p == NULL)
        return 0;
    p += strlen(after);
    n = strcspn(p, " ;");
    if (n == 0 || n >= size)
        return 0;
    memcpy(out, p, n);
    out[n] = '\0';
    return 1;
}

/* Reads back what started_now wrote; 0 when detail is not such a text. */
static int
started_parse(const char *detail, struct started *s)
{
    memset(s, 0, sizeof *s);
    return detail != NULL && word_after(detail, "batond ", s->version, sizeof s->version) &&
           word_after(detail, "; directory sha256 ", s->dir, sizeof s->dir) &&
           word_after(detail, "; covenant ", s->cov_id, sizeof s->cov_id) &&
           word_after(strstr(detail, "; covenant "), " sha256 ", s->cov, sizeof s->cov) &&
           word_after(detail, "; signing key ", s->kid, sizeof s->kid);
}

struct start_job {
    time_t now;
    struct started cur;
    const char *detail;
};

static enum daemon_status
start_fn(void *ctx, sqlite3 *db, const unsigned char *key, struct daemon_err *err)
{
    struct start_job *j = ctx;
    struct store_event ev = {0};
    struct started was;
    sqlite3_stmt *st = NULL;
    enum daemon_status rc = DAEMON_OK;
    char text[600];
    int known = 0;

    (void)key;
    if (sqlite3_prepare_v2(db,
                           "SELECT detail FROM audit WHERE event = 'started' "
                           "ORDER BY seq DESC LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return daemon_fail(err, DAEMON_ESTORE, "reading the audit trail: %s", sqlite3_errmsg(db));
    if (sqlite3_step(st) == SQLITE_ROW)
        known = started_parse((const char *)sqlite3_column_text(st, 0), &was);
    sqlite3_finalize(st);

    ev.event = "started";
    ev.detail = j->detail;
    rc = store_audit_append(db, j->now, &ev, err);
    if (rc != DAEMON_OK || !known)
        return rc;
    if (strcmp(was.dir, j->cur.dir) != 0) {
        snprintf(text, sizeof text, "directory sha256 %s -> %s", was.dir, j->cur.dir);
        ev.event = "directory-changed";
        ev.detail = text;
        rc = store_audit_append(db, j->now, &ev, err);
    }
    if (rc == DAEMON_OK &&
        (strcmp(was.cov, j->cur.cov) != 0 || strcmp(was.cov_id, j->cur.cov_id) != 0)) {
        snprintf(text, sizeof text, "covenant %s sha256 %s -> %s sha256 %s", was.cov_id, was.cov,
                 j->cur.cov_id, j->cur.cov);
        ev.event = "covenant-changed";
        ev.detail = text;
        rc = store_audit_append(db, j->now, &ev, err);
    }
    if (rc == DAEMON_OK && strcmp(was.kid, j->cur.kid) != 0) {
        snprintf(text, sizeof text, "signing key %s -> %s", was.kid, j->cur.kid);
        ev.event = "keys-changed";
        ev.detail = text;
        rc = store_audit_append(db, j->now, &ev, err);
    }
    return rc;
}

void
core_audit_started(struct daemon *d, time_t now)
{
    struct start_job j;
    struct daemon_err err = {0};
    char detail[900];

    memset(&j, 0, sizeof j);
    j.now = now;
    started_now(d, now, &j.cur, detail, sizeof detail);
    j.detail = detail;
    if (d->audit_reader == NULL &&
        sqlite3_open_v2(d->cfg->database, &d->audit_reader,
                        SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        core_log(d, CONFIG_LOG_WARNING, "audit-reader", NULL, NULL,
                 "no read-only connection for audit verification (%s); it will open one each "
                 "time",
                 d->audit_reader != NULL ? sqlite3_errmsg(d->audit_reader) : "out of memory");
        sqlite3_close(d->audit_reader);
        d->audit_reader = NULL;
    } else if (d->audit_reader != NULL) {
        sqlite3_busy_timeout(d->audit_reader, 10000);
        sqlite3_exec(d->audit_reader, "PRAGMA mmap_size = " AUDIT_MMAP_BYTES, NULL, NULL, NULL);
        /* One read now opens the write-ahead log and its index, which stay open: after batond
         * dropped root it could not open them any more. */
        sqlite3_exec(d->audit_reader, "SELECT count(*) FROM audit", NULL, NULL, NULL);
    }
    if (store_txn(d->store, 1, start_fn, &j, now, NULL, 0, &err) != DAEMON_OK)
        core_log(d, CONFIG_LOG_ERROR, "audit-failed", NULL, NULL,
                 "the audit entry \"started\" could not be written: %s", err.text);
    core_audit_checkpoint(d, now, 1);
}

void
core_audit_stopped(struct daemon *d, time_t now)
{
    if (d == NULL || d->store == NULL)
        return;
    core_audit(d, now, "stopped", NULL, NULL, "batond %s stopped", daemon_version());
    core_audit_checkpoint(d, now, 1);
}

void
core_audit_reader_close(struct daemon *d)
{
    if (d == NULL || d->audit_reader == NULL)
        return;
    sqlite3_close(d->audit_reader);
    d->audit_reader = NULL;
}

/* ---- the admin API ---- */

static void
reply_json(struct http_reply *reply, int status, json_t *body)
{
    if (body == NULL || http_reply_json(reply, status, body) != DAEMON_OK)
        http_reply_error(reply, 500, "no-memory", "out of memory");
    json_decref(body);
}

static int
unhex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * The next "name=value" of query from *pos: name and the percent-decoded value (at most size - 1
 * bytes) into out. 1 when one was read; 0 at the end; -1 when the value is too long or badly
 * encoded (name filled).
 */
static int
query_next(const char **pos, char *name, size_t name_size, char *out, size_t size)
{
    const char *p = *pos, *e, *eq;
    size_t n = 0;

    while (*p == '&')
        p++;
    if (*p == '\0')
        return 0;
    e = p + strcspn(p, "&");
    eq = memchr(p, '=', (size_t)(e - p));
    *pos = e;
    if (eq == NULL)
        eq = e;
    snprintf(name, name_size, "%.*s", (int)(eq - p), p);
    for (p = eq < e ? eq + 1 : e; p < e; p++) {
        int c = (unsigned char)*p;

        if (c == '%') {
            if (e - p < 3 || unhex_digit(p[1]) < 0 || unhex_digit(p[2]) < 0)
                return -1;
            c = unhex_digit(p[1]) * 16 + unhex_digit(p[2]);
            p += 2;
        }
        if (c == 0 || n + 1 >= size)
            return -1;
        out[n++] = (char)c;
    }
    out[n] = '\0';
    return 1;
}

static int
all_of(const char *s, const char *set, size_t min, size_t max)
{
    size_t n = strlen(s);

    return n >= min && n <= max && strspn(s, set) == n;
}

/* A time for from/until: RFC 3339, or a date (YYYY-MM-DD, UTC) with *date set. */
static int
parse_when(const char *s, time_t *out, int *date)
{
    char buf[40];

    *date = 0;
    if (strlen(s) == 10 && all_of(s, "0123456789-", 10, 10)) {
        snprintf(buf, sizeof buf, "%sT00:00:00Z", s);
        *date = 1;
        return keys_time_parse(buf, out, "date", NULL) == KEYS_OK;
    }
    return strlen(s) < sizeof buf && keys_time_parse(s, out, "time", NULL) == KEYS_OK;
}

struct list_job {
    time_t from, until; /* until: exclusive; 0: none */
    const char *peer, *subject, *packet;
    char peer_buf[AUDIT_PARAM_MAX], subject_buf[AUDIT_PARAM_MAX], packet_buf[AUDIT_PARAM_MAX];
    char events[AUDIT_MAX_EVENTS][65];
    size_t n_events;
    long limit;
    json_t *rows; /* newest first */
    int more;
};

static json_t *
entry_json(sqlite3_stmt *st)
{
    char t[KEYS_TIME_LEN + 1], h[STORE_HASH_BYTES * 2 + 1] = "";
    json_t *e = json_object();

    if (e == NULL)
        return NULL;
    if (sqlite3_column_bytes(st, 8) == STORE_HASH_BYTES)
        hex(sqlite3_column_blob(st, 8), STORE_HASH_BYTES, h);
    if (json_object_set_new(e, "seq", json_integer(sqlite3_column_int64(st, 0))) |
        json_object_set_new(e, "at",
                            json_string(core_time((time_t)sqlite3_column_int64(st, 1), t))) |
        core_set_str(e, "event", (const char *)sqlite3_column_text(st, 2)) |
        core_set_str(e, "packet", (const char *)sqlite3_column_text(st, 3)) |
        core_set_str(e, "peer", (const char *)sqlite3_column_text(st, 4)) |
        core_set_str(e, "subject", (const char *)sqlite3_column_text(st, 5)) |
        core_set_str(e, "actor", (const char *)sqlite3_column_text(st, 6)) |
        core_set_str(e, "detail", (const char *)sqlite3_column_text(st, 7)) |
        json_object_set_new(e, "hash", json_string(h))) {
        json_decref(e);
        return NULL;
    }
    return e;
}

static enum daemon_status
list_fn(void *ctx, sqlite3 *db, const unsigned char *key, struct daemon_err *err)
{
    struct list_job *j = ctx;
    char sql[1024];
    size_t used, i;
    sqlite3_stmt *st = NULL;
    enum daemon_status rc = DAEMON_OK;
    int k = 1, r;
    long got = 0;

    (void)key;
    used = (size_t)snprintf(sql, sizeof sql,
                            "SELECT seq, at, event, packet, peer, subject, actor, detail, hash "
                            "FROM audit WHERE 1");
#define ADD(text) used += (size_t)snprintf(sql + used, sizeof sql - used, "%s", text)
    if (j->from != 0)
        ADD(" AND at >= ?");
    if (j->until != 0)
        ADD(" AND at < ?");
    if (j->peer != NULL)
        ADD(" AND peer = ?");
    if (j->subject != NULL)
        ADD(" AND subject = ?");
    if (j->packet != NULL)
        ADD(" AND packet = ?");
    if (j->n_events > 0) {
        ADD(" AND event IN (?");
        for (i = 1; i < j->n_events; i++)
            ADD(", ?");
        ADD(")");
    }
    ADD(" ORDER BY seq DESC LIMIT ?");
#undef ADD
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        goto db_fail;
    if (j->from != 0)
        sqlite3_bind_int64(st, k++, (sqlite3_int64)j->from);
    if (j->until != 0)
        sqlite3_bind_int64(st, k++, (sqlite3_int64)j->until);
    if (j->peer != NULL)
        sqlite3_bind_text(st, k++, j->peer, -1, SQLITE_STATIC);
    if (j->subject != NULL)
        sqlite3_bind_text(st, k++, j->subject, -1, SQLITE_STATIC);
    if (j->packet != NULL)
        sqlite3_bind_text(st, k++, j->packet, -1, SQLITE_STATIC);
    for (i = 0; i < j->n_events; i++)
        sqlite3_bind_text(st, k++, j->events[i], -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, k, (sqlite3_int64)j->limit + 1);
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *e;

        if (got == j->limit) {
            j->more = 1;
            break;
        }
        e = entry_json(st);
        if (e == NULL || json_array_append_new(j->rows, e) != 0) {
            rc = daemon_fail(err, DAEMON_ENOMEM, "out of memory listing the audit trail");
            goto out;
        }
        got++;
    }
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        goto db_fail;
    goto out;
db_fail:
    rc = daemon_fail(err, DAEMON_ESTORE, "reading the audit trail: %s", sqlite3_errmsg(db));
out:
    sqlite3_finalize(st);
    return rc;
}

/* Reads the listing's filters from the query; 0 after answering 400. */
static int
list_filters(const char *query, struct list_job *j, struct http_reply *reply)
{
    char name[32], v[AUDIT_PARAM_MAX];
    const char *pos = query != NULL ? query : "";
    int r, date;
    time_t t;

    j->limit = CORE_AUDIT_DEFAULT;
    while ((r = query_next(&pos, name, sizeof name, v, sizeof v)) != 0) {
        if (r < 0) {
            http_reply_error(reply, 400, "bad-request",
                             "the value of \"%s\" is longer than %d bytes or badly encoded", name,
                             AUDIT_PARAM_MAX - 1);
            return 0;
        }
        if (strcmp(name, "from") == 0 || strcmp(name, "until") == 0) {
            if (!parse_when(v, &t, &date)) {
                http_reply_error(reply, 400, "bad-request",
                                 "%s must be a date (YYYY-MM-DD) or an RFC 3339 time "
                                 "(2026-05-28T09:00:00Z), not \"%.60s\"",
                                 name, v);
                return 0;
            }
            if (name[0] == 'f')
                j->from = t != 0 ? t : 1;
            else
                j->until = date ? t + 86400 : t + 1; /* a date: the whole day */
        } else if (strcmp(name, "peer") == 0) {
            if (!all_of(v, "0123456789", KEYS_OIN_LEN, KEYS_OIN_LEN)) {
                http_reply_error(reply, 400, "bad-request",
                                 "peer must be an OIN (20 digits), not \"%.60s\"", v);
                return 0;
            }
            memcpy(j->peer_buf, v, strlen(v) + 1);
            j->peer = j->peer_buf;
        } else if (strcmp(name, "subject") == 0) {
            if (!all_of(v, "0123456789abcdef", CORE_PSEUDONYM_LEN, CORE_PSEUDONYM_LEN)) {
                http_reply_error(reply, 400, "bad-request",
                                 "subject must be a pseudonym (%d lower-case hexadecimal digits, "
                                 "as 'baton audit subject' shows), not \"%.60s\"",
                                 CORE_PSEUDONYM_LEN, v);
                return 0;
            }
            memcpy(j->subject_buf, v, strlen(v) + 1);
            j->subject = j->subject_buf;
        } else if (strcmp(name, "packet") == 0) {
            if (!all_of(v, "0123456789abcdef-", 1, KEYS_UUID_LEN)) {
                http_reply_error(reply, 400, "bad-request",
                                 "packet must be a packet id (a lower-case UUID), not \"%.60s\"",
                                 v);
                return 0;
            }
            memcpy(j->packet_buf, v, strlen(v) + 1);
            j->packet = j->packet_buf;
        } else if (strcmp(name, "event") == 0 || strcmp(name, "action") == 0) {
            char *tok, *save = NULL;

            for (tok = strtok_r(v, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
                if (!all_of(tok, "abcdefghijklmnopqrstuvwxyz0123456789-_", 1, 64)) {
                    http_reply_error(reply, 400, "bad-request",
                                     "event must be an event name such as received or "
                                     "refused (letters, digits, '-'), not \"%.60s\"",
                                     tok);
                    return 0;
                }
                if (j->n_events == AUDIT_MAX_EVENTS) {
                    http_reply_error(reply, 400, "bad-request",
                                     "at most %d events can be asked for at once",
                                     AUDIT_MAX_EVENTS);
                    return 0;
                }
                memcpy(j->events[j->n_events++], tok, strlen(tok) + 1);
            }
        } else if (strcmp(name, "limit") == 0) {
            char *end;
            long n = strtol(v, &end, 10);

            if (*end != '\0' || end == v || n < 1 || n > STORE_LIST_MAX) {
                http_reply_error(reply, 400, "bad-request", "limit must be a number from 1 to %d",
                                 STORE_LIST_MAX);
                return 0;
            }
            j->limit = n;
        } else {
            http_reply_error(reply, 400, "bad-request",
                             "unknown filter \"%.40s\": use from, until, peer, event, subject, "
                             "packet or limit",
                             name);
            return 0;
        }
    }
    if (j->from != 0 && j->until != 0 && j->until <= j->from) {
        http_reply_error(reply, 400, "bad-request", "until is before from: nothing can match");
        return 0;
    }
    return 1;
}

static void
audit_list(struct daemon *d, const struct http_request *req, struct http_reply *reply)
{
    struct list_job *j = calloc(1, sizeof *j);
    struct daemon_err err = {0};
    json_t *entries = NULL, *body = NULL;
    size_t i, n;

    if (j == NULL) {
        http_reply_error(reply, 500, "no-memory", "out of memory");
        return;
    }
    if (!list_filters(req->query, j, reply))
        goto out;
    j->rows = json_array();
    entries = json_array();
    if (j->rows == NULL || entries == NULL) {
        http_reply_error(reply, 500, "no-memory", "out of memory");
        goto out;
    }
    if (store_txn(d->store, 0, list_fn, j, 0, NULL, 0, &err) != DAEMON_OK) {
        http_reply_error(reply, 500, "store", "%s", err.text);
        goto out;
    }
    /* Newest first from the query, oldest first in the answer. */
    n = json_array_size(j->rows);
    for (i = n; i > 0; i--)
        if (json_array_append(entries, json_array_get(j->rows, i - 1)) != 0)
            break;
    /* "items": the name of this list before the filters came (scripts and tests read it). */
    body = json_pack("{s:O, s:O, s:b}", "entries", entries, "items", entries, "more", j->more);
    reply_json(reply, 200, body);
out:
    json_decref(entries);
    json_decref(j->rows);
    free(j);
}

static json_t *
check_json(const struct core_audit_check *c)
{
    char t[KEYS_TIME_LEN + 1];
    json_t *j = json_pack("{s:b, s:I, s:I}", "intact", c->intact, "entries", (json_int_t)c->entries,
                          "checkpoints", (json_int_t)c->checkpoints);

    if (j == NULL)
        return NULL;
    if (c->last_size > 0)
        json_object_set_new(j, "last_checkpoint",
                            json_pack("{s:I, s:s}", "size", (json_int_t)c->last_size, "at",
                                      core_time(c->last_at, t)));
    if (!c->intact) {
        json_t *bad = json_pack("{s:I, s:s, s:s}", "seq", (json_int_t)c->bad_seq, "kind", c->kind,
                                "problem", c->problem);

        if (bad != NULL && c->bad_checkpoint > 0)
            json_object_set_new(bad, "checkpoint", json_integer(c->bad_checkpoint));
        if (bad == NULL || json_object_set_new(j, "first_bad", bad) != 0) {
            json_decref(j);
            return NULL;
        }
    }
    return j;
}

/* ---- a verification's progress ---- */

/* Copies the progress id v[0..len) into out when it is one (CORE_PROGRESS_ID_MIN to _MAX of
 * A-Z a-z 0-9 - _); else 0 with a 400 that says so. */
static int
progress_id(const char *v, size_t len, char out[CORE_PROGRESS_ID_MAX + 1], struct http_reply *reply)
{
    size_t i;

    for (i = 0; i < len; i++)
        if (!((v[i] >= 'A' && v[i] <= 'Z') || (v[i] >= 'a' && v[i] <= 'z') ||
              (v[i] >= '0' && v[i] <= '9') || v[i] == '-' || v[i] == '_'))
            break;
    if (len < CORE_PROGRESS_ID_MIN || len > CORE_PROGRESS_ID_MAX || i < len) {
        http_reply_error(reply, 400, "bad-request",
                         "a progress id is %d to %d letters, digits, '-' or '_'",
                         CORE_PROGRESS_ID_MIN, CORE_PROGRESS_ID_MAX);
        return 0;
    }
    memcpy(out, v, len);
    out[len] = '\0';
    return 1;
}

/* Makes progress findable under id while its verification runs (and for CORE_PROGRESS_KEEP_S
 * after, with its final counts). 1 when it is (or there is no id, or every slot holds one that
 * runs: the verification runs without progress to show); 0 with a 409 when a verification with
 * that id runs already. The slot: the id's own from an earlier run, else a free one, else the
 * one whose verification ended longest ago. */
static int
progress_begin(struct daemon *d, const char *id, struct core_audit_progress *progress,
               struct http_reply *reply)
{
    struct core_verifying *v, *own = NULL, *empty = NULL, *oldest = NULL, *slot;
    size_t i;

    if (id[0] == '\0')
        return 1;
    pthread_mutex_lock(&d->verify_mu);
    for (i = 0; i < CORE_PROGRESS_SLOTS; i++) {
        v = &d->verifying[i];
        if (strcmp(v->id, id) == 0 && v->progress != NULL) {
            pthread_mutex_unlock(&d->verify_mu);
            http_reply_error(reply, 409, "conflict",
                             "a verification with progress id %s runs already; choose another id",
                             id);
            return 0;
        }
        if (strcmp(v->id, id) == 0)
            own = v; /* the id's own slot, from a verification that ended */
        else if (v->id[0] == '\0')
            empty = v;
        else if (v->progress == NULL && (oldest == NULL || v->order < oldest->order))
            oldest = v;
    }
    slot = own != NULL ? own : empty != NULL ? empty : oldest;
    if (slot != NULL) {
        snprintf(slot->id, sizeof slot->id, "%s", id);
        slot->progress = progress;
        slot->done = slot->total = 0;
        slot->ended = 0;
    }
    pthread_mutex_unlock(&d->verify_mu);
    return 1;
}

/* The verification of progress ended: its slot keeps the final counts. */
static void
progress_end(struct daemon *d, const struct core_audit_progress *progress)
{
    struct core_verifying *v;
    size_t i;

    pthread_mutex_lock(&d->verify_mu);
    for (i = 0; i < CORE_PROGRESS_SLOTS; i++) {
        v = &d->verifying[i];
        if (v->progress == progress) {
            v->done = atomic_load(&progress->done);
            v->total = atomic_load(&progress->total);
            v->progress = NULL;
            v->ended = time(NULL);
            v->order = ++d->verify_ends;
        }
    }
    pthread_mutex_unlock(&d->verify_mu);
}

/* GET /v1/audit/verify/progress?id=ID: entries walked of all, while it runs and for
 * CORE_PROGRESS_KEEP_S after it ended. */
static void
audit_verify_progress(struct daemon *d, const struct http_request *req, struct http_reply *reply)
{
    char id[CORE_PROGRESS_ID_MAX + 1];
    const char *q = req->query != NULL ? req->query : "";
    const struct core_verifying *v;
    long long done = 0, total = 0;
    time_t now = time(NULL);
    int found = 0, running = 0;
    size_t i;

    if (strncmp(q, "id=", 3) != 0 || strchr(q, '&') != NULL) {
        http_reply_error(reply, 400, "bad-request",
                         "progress takes one parameter: id=ID, the id the verification was "
                         "started with (POST /v1/audit/verify?progress=ID)");
        return;
    }
    if (!progress_id(q + 3, strlen(q + 3), id, reply))
        return;
    pthread_mutex_lock(&d->verify_mu);
    for (i = 0; i < CORE_PROGRESS_SLOTS && !found; i++) {
        v = &d->verifying[i];
        if (strcmp(v->id, id) != 0)
            continue;
        if (v->progress != NULL) {
            found = running = 1;
            done = atomic_load_explicit(&v->progress->done, memory_order_relaxed);
            total = atomic_load_explicit(&v->progress->total, memory_order_relaxed);
        } else if (now - v->ended <= CORE_PROGRESS_KEEP_S) {
            found = 1;
            done = v->done;
            total = v->total;
        }
    }
    pthread_mutex_unlock(&d->verify_mu);
    if (!found) {
        http_reply_error(reply, 404, "not-found",
                         "no verification with progress id %s runs now or ended in the last %d s",
                         id, CORE_PROGRESS_KEEP_S);
        return;
    }
    reply_json(reply, 200,
               json_pack("{s:s, s:b, s:I, s:I}", "id", id, "running", running, "done",
                         (json_int_t)done, "total", (json_int_t)(total > done ? total : done)));
}

static void
audit_verify(struct daemon *d, const struct http_request *req, struct http_reply *reply)
{
    const struct forms_limits lim = {.max_bytes = AUDIT_BODY_MAX, .max_depth = 4};
    struct core_audit_check c;
    struct keys_trust trust;
    struct daemon_err err = {0};
    struct forms_err ferr = {0};
    const char **extra = NULL;
    char **owned = NULL, id[CORE_PROGRESS_ID_MAX + 1] = "";
    struct core_audit_progress progress;
    size_t n = 0, i;
    json_t *body = NULL, *list, *v;
    enum daemon_status rc;

    if (d->dir == NULL) {
        http_reply_error(reply, 503, "no-directory",
                         "the network directory is not loaded (%s): the checkpoints' signatures "
                         "cannot be checked without it",
                         d->dir_problem[0] != '\0' ? d->dir_problem : "see the log");
        return;
    }
    atomic_init(&progress.done, 0);
    atomic_init(&progress.total, 0);
    if (strcmp(req->method, "POST") == 0 && req->query != NULL && req->query[0] != '\0') {
        if (strncmp(req->query, "progress=", 9) != 0 || strchr(req->query, '&') != NULL) {
            http_reply_error(reply, 400, "bad-request",
                             "a POSTed verify takes progress=ID in its query and nothing else");
            goto out;
        }
        if (!progress_id(req->query + 9, strlen(req->query + 9), id, reply))
            goto out;
    }
    if (strcmp(req->method, "POST") == 0 && req->body_len > 0) {
        if (forms_parse((const char *)req->body, req->body_len, &lim, &body, &ferr) != FORMS_OK ||
            !json_is_object(body)) {
            http_reply_error(reply, 400, "bad-request",
                             "the body must be a JSON object {\"checkpoints\": [JWS, ...]}%s%s",
                             ferr.text[0] != '\0' ? ": " : "", ferr.text);
            goto out;
        }
        list = json_object_get(body, "checkpoints");
        if (list != NULL && !json_is_array(list)) {
            http_reply_error(reply, 400, "bad-request", "\"checkpoints\" must be an array");
            goto out;
        }
        if (json_array_size(list) > CORE_AUDIT_MAX_EXTRA) {
            http_reply_error(reply, 400, "bad-request",
                             "%zu checkpoints given; at most %d are checked at once",
                             json_array_size(list), CORE_AUDIT_MAX_EXTRA);
            goto out;
        }
        extra = calloc(json_array_size(list) + 1, sizeof *extra);
        if (extra == NULL)
            goto oom;
        json_array_foreach (list, i, v) {
            if (!json_is_string(v)) {
                http_reply_error(reply, 400, "bad-request",
                                 "checkpoint %zu is not a string (a compact JWS)", i + 1);
                goto out;
            }
            extra[n++] = json_string_value(v);
        }
    } else {
        /* GET ?checkpoint=JWS&checkpoint=JWS...: base64url and dots need no decoding. */
        const char *p = req->query != NULL ? req->query : "";
        size_t cap = 0;

        while (*p != '\0') {
            const char *e = p + strcspn(p, "&");

            if (strncmp(p, "checkpoint=", 11) == 0) {
                if (n == CORE_AUDIT_MAX_EXTRA) {
                    http_reply_error(reply, 400, "bad-request",
                                     "at most %d checkpoints are checked at once",
                                     CORE_AUDIT_MAX_EXTRA);
                    goto out;
                }
                if (n == cap) {
                    char **grown;

                    cap = cap ? cap * 2 : 8;
                    grown = realloc(owned, cap * sizeof *grown);
                    if (grown == NULL)
                        goto oom;
                    owned = grown;
                }
                owned[n] = strndup(p + 11, (size_t)(e - p - 11));
                if (owned[n] == NULL)
                    goto oom;
                n++;
            } else if (strncmp(p, "progress=", 9) == 0) {
                if (!progress_id(p + 9, (size_t)(e - p - 9), id, reply))
                    goto out;
            } else if (e > p) {
                http_reply_error(reply, 400, "bad-request",
                                 "verify takes checkpoint=JWS and progress=ID parameters only, "
                                 "not \"%.*s\"",
                                 (int)((e - p) < 40 ? (e - p) : 40), p);
                goto out;
            }
            p = *e == '&' ? e + 1 : e;
        }
        extra = (const char **)owned;
    }
    core_trust(d, &trust);
    if (!progress_begin(d, id, &progress, reply))
        goto out;
    if (d->audit_reader != NULL) {
        pthread_mutex_lock(&d->audit_reader_mu);
        rc = core_audit_verify_db(d->audit_reader, d->me->oin, &trust, extra, n, &progress, &c,
                                  &err);
        pthread_mutex_unlock(&d->audit_reader_mu);
    } else {
        rc = core_audit_verify_file(d->cfg->database, d->me->oin, &trust, extra, n, &progress, &c,
                                    &err);
    }
    if (id[0] != '\0')
        progress_end(d, &progress);
    if (rc != DAEMON_OK) {
        http_reply_error(reply, rc == DAEMON_EREFUSED ? 400 : 500, "store", "%s", err.text);
        goto out;
    }
    if (!c.intact)
        core_log(d, CONFIG_LOG_ERROR, "audit-broken", NULL, NULL,
                 "audit verification: entry %lld: %s", c.bad_seq, c.problem);
    reply_json(reply, 200, check_json(&c));
    goto out;
oom:
    http_reply_error(reply, 500, "no-memory", "out of memory");
out:
    if (owned != NULL) {
        for (i = 0; i < n; i++)
            free(owned[i]);
        free(owned);
    } else {
        free(extra);
    }
    json_decref(body);
}

struct cps_job {
    const char *peer;
    long limit;
    json_t *list;
};

static enum daemon_status
cps_fn(void *ctx, sqlite3 *db, const unsigned char *key, struct daemon_err *err)
{
    struct cps_job *j = ctx;
    char t[KEYS_TIME_LEN + 1], h[STORE_HASH_BYTES * 2 + 1];
    sqlite3_stmt *st = NULL;
    enum daemon_status rc = DAEMON_OK;
    int r;

    (void)key;
    if (sqlite3_prepare_v2(db,
                           j->peer != NULL
                               ? "SELECT * FROM (SELECT size, head, at, jws, received FROM "
                                 "peer_checkpoints WHERE peer = ?2 ORDER BY size DESC LIMIT ?1) "
                                 "ORDER BY size"
                               : "SELECT * FROM (SELECT size, head, at, jws FROM checkpoints "
                                 "ORDER BY size DESC LIMIT ?1) ORDER BY size",
                           -1, &st, NULL) != SQLITE_OK)
        return daemon_fail(err, DAEMON_ESTORE, "reading the checkpoints: %s", sqlite3_errmsg(db));
    sqlite3_bind_int64(st, 1, j->limit);
    if (j->peer != NULL)
        sqlite3_bind_text(st, 2, j->peer, -1, SQLITE_STATIC);
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *e;

        h[0] = '\0';
        if (sqlite3_column_bytes(st, 1) == STORE_HASH_BYTES)
            hex(sqlite3_column_blob(st, 1), STORE_HASH_BYTES, h);
        e = json_pack("{s:I, s:s, s:s}", "size", (json_int_t)sqlite3_column_int64(st, 0), "head", h,
                      "at", core_time((time_t)sqlite3_column_int64(st, 2), t));
        if (e != NULL) {
            core_set_str(e, "jws", (const char *)sqlite3_column_text(st, 3));
            if (j->peer != NULL) {
                core_set_str(e, "peer", j->peer);
                core_set_time(e, "received", (time_t)sqlite3_column_int64(st, 4));
            }
        }
        if (e == NULL || json_array_append_new(j->list, e) != 0) {
            rc = daemon_fail(err, DAEMON_ENOMEM, "out of memory listing the checkpoints");
            break;
        }
    }
    if (rc == DAEMON_OK && r != SQLITE_DONE)
        rc = daemon_fail(err, DAEMON_ESTORE, "reading the checkpoints: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc;
}

static void
audit_checkpoints(struct daemon *d, const struct http_request *req, struct http_reply *reply)
{
    struct cps_job j = {NULL, STORE_LIST_MAX, NULL};
    struct daemon_err err = {0};
    char name[32], v[AUDIT_PARAM_MAX], peer[AUDIT_PARAM_MAX];
    const char *pos = req->query != NULL ? req->query : "";
    json_t *body;
    int r;

    while ((r = query_next(&pos, name, sizeof name, v, sizeof v)) != 0) {
        if (r > 0 && strcmp(name, "peer") == 0 &&
            all_of(v, "0123456789", KEYS_OIN_LEN, KEYS_OIN_LEN)) {
            memcpy(peer, v, strlen(v) + 1);
            j.peer = peer;
        } else if (r > 0 && strcmp(name, "limit") == 0 && atol(v) >= 1 &&
                   atol(v) <= STORE_LIST_MAX && all_of(v, "0123456789", 1, 6)) {
            j.limit = atol(v);
        } else {
            http_reply_error(reply, 400, "bad-request",
                             "checkpoints takes peer=OIN (20 digits) and limit=N (1 to %d), not "
                             "\"%.40s\"",
                             STORE_LIST_MAX, name);
            return;
        }
    }
    j.list = json_array();
    if (j.list == NULL) {
        http_reply_error(reply, 500, "no-memory", "out of memory");
        return;
    }
    if (store_txn(d->store, 0, cps_fn, &j, 0, NULL, 0, &err) != DAEMON_OK) {
        json_decref(j.list);
        http_reply_error(reply, 500, "store", "%s", err.text);
        return;
    }
    body =
        json_pack("{s:s, s:o}", "of", j.peer != NULL ? j.peer : d->me->oin, "checkpoints", j.list);
    reply_json(reply, 200, body);
}

int
core_audit_admin(struct daemon *d, const struct http_request *req, struct http_reply *reply)
{
    const int get = strcmp(req->method, "GET") == 0, post = strcmp(req->method, "POST") == 0;

    if (strcmp(req->path, "/v1/audit") == 0 && get) {
        audit_list(d, req, reply);
        return 1;
    }
    if (strcmp(req->path, "/v1/audit/verify") == 0 && (get || post)) {
        audit_verify(d, req, reply);
        return 1;
    }
    if (strcmp(req->path, "/v1/audit/verify/progress") == 0 && get) {
        audit_verify_progress(d, req, reply);
        return 1;
    }
    if (strcmp(req->path, "/v1/audit/checkpoints") == 0 && get) {
        audit_checkpoints(d, req, reply);
        return 1;
    }
    return 0;
}
