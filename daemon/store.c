/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * The daemon's SQLite store: schema and migrations, the outbox, the inbox with its content
 * encrypted at rest under a key per record, the notices received and the audit trail, each
 * change committed with its audit entries in one transaction.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "store.h"
#include "withdrawal.h"

/* "BATN": PRAGMA application_id of a baton store, so that other tools (and baton) can tell the
 * file apart from any other SQLite database (file(1) prints it too). */
#define STORE_APPLICATION_ID 0x4241544e
/* How long a writer waits for another connection's lock (an operator's sqlite3 shell holding a
 * read transaction, a backup) before giving up, in milliseconds. */
#define STORE_BUSY_TIMEOUT_MS 10000
#define STORE_NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define STORE_TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES
/* What the key check hashes: the store key's fingerprint, so that a keystore that derives
 * another store key is told as such instead of failing on the first record. */
#define STORE_KEY_CHECK "baton store key check v1"

/* Prepared statements kept for reuse: every query's SQL is a string literal, so its address
 * names it. A statement in use is busy; a second use of the same query meanwhile gets its own. */
#define STORE_STMT_CACHE 64

struct stmt_slot {
    const char *sql;
    sqlite3_stmt *st;
    int busy;
};

/* Group commit: the most writers one commit (one fsync) carries. */
#define STORE_BATCH_MAX 32

/* A writer whose changes are in the open batch, waiting for its commit. */
struct batch_waiter {
    struct batch_waiter *next;
    enum daemon_status rc;
    struct daemon_err err;
    int done;
};

/*
 * Two connections to the file: the writer (this struct) and a reader (rd, the same struct
 * without a reader of its own), each with its own mutex and statements, so that reads never wait
 * for a commit's fsync and never see changes that are not committed.
 *
 * Writes are committed in groups: a writer takes the mutex, opens the batch's transaction when
 * none is open (BEGIN IMMEDIATE), makes its changes inside a savepoint and releases it. When no
 * other writer is waiting for the mutex it commits the batch, for itself and for every writer
 * that joined it; otherwise it waits (the mutex released) for a later writer to do so. Every
 * writer returns only once its batch is on disk, with the batch's outcome: a failed commit fails
 * every change in it, and none of them is left behind.
 */
struct store {
    sqlite3 *db;
    pthread_mutex_t mu;
    unsigned char *key; /* STORE_KEY_BYTES of guarded memory, read-only when idle */
    struct stmt_slot stmts[STORE_STMT_CACHE];
    struct store *rd; /* the reader; NULL in the reader itself */
    pthread_cond_t batch_done;
    int batch_open;               /* a transaction is open for the batch */
    int in_savepoint;             /* the mutex's holder has its savepoint open */
    size_t members;               /* writers whose released savepoints the batch holds */
    struct batch_waiter *waiters; /* those writers */
    int intents;                  /* writers waiting for the mutex (atomic) */
};

static const char *const out_states[] = {"queued", "delivered", "accepted", "rejected",
                                         "undeliverable"};
static const char *const in_states[] = {"new", "accepted", "rejected"};

const char *
store_out_state_name(enum store_out_state st)
{
    return (unsigned)st < sizeof out_states / sizeof out_states[0] ? out_states[st] : "unknown";
}

const char *
store_in_state_name(enum store_in_state st)
{
    return (unsigned)st < sizeof in_states / sizeof in_states[0] ? in_states[st] : "unknown";
}

static int
state_from_name(const char *const *names, size_t n, const char *name)
{
    size_t i;

    for (i = 0; name != NULL && i < n; i++)
        if (strcmp(names[i], name) == 0)
            return (int)i;
    return -1;
}

/* ---- schema ---- */

/*
 * Version 1. Times are integer seconds since 1970 (UTC); NULL when not (yet) set. The audit
 * table keeps metadata only; its layout leaves room for the hash chain (a later version adds
 * its columns). The outbox body is the sealed packet (already encrypted for its recipient) or a
 * signed notice (no personal data); the inbox content is encrypted under a record key, which
 * record_keys holds wrapped with the store key: deleting that row erases the content.
 */
static const char schema_v1[] =
    "CREATE TABLE meta ("
    "  name TEXT PRIMARY KEY,"
    "  value BLOB NOT NULL);"
    "CREATE TABLE outbox ("
    "  id TEXT PRIMARY KEY,"
    "  kind TEXT NOT NULL CHECK (kind IN ('packet', 'notice')),"
    "  to_oin TEXT NOT NULL,"
    "  form_type TEXT NOT NULL,"
    "  purpose TEXT,"
    "  basis TEXT,"
    "  answers TEXT,"
    "  state TEXT NOT NULL CHECK (state IN"
    "    ('queued', 'delivered', 'accepted', 'rejected', 'undeliverable')),"
    "  created INTEGER NOT NULL,"
    "  next_attempt INTEGER,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  last_error TEXT,"
    "  delivered INTEGER,"
    "  decided INTEGER,"
    "  by_text TEXT,"
    "  reason TEXT,"
    "  body BLOB NOT NULL,"
    "  receipt TEXT);"
    "CREATE INDEX outbox_due ON outbox (state, next_attempt);"
    "CREATE INDEX outbox_answers ON outbox (answers);"
    "CREATE TABLE record_keys ("
    "  id TEXT PRIMARY KEY,"
    "  key BLOB NOT NULL);"
    "CREATE TABLE inbox ("
    "  id TEXT PRIMARY KEY,"
    "  from_oin TEXT NOT NULL,"
    "  form_type TEXT NOT NULL,"
    "  purpose TEXT NOT NULL,"
    "  basis TEXT NOT NULL,"
    "  received INTEGER NOT NULL,"
    "  packet_sha256 BLOB NOT NULL CHECK (length(packet_sha256) = 32),"
    "  receipt TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('new', 'accepted', 'rejected')),"
    "  by_text TEXT,"
    "  reason TEXT,"
    "  decided INTEGER,"
    "  content BLOB,"
    "  key_id TEXT REFERENCES record_keys (id) ON DELETE SET NULL);"
    "CREATE TABLE notices_in ("
    "  id TEXT PRIMARY KEY,"
    "  typ TEXT NOT NULL,"
    "  packet TEXT NOT NULL REFERENCES outbox (id),"
    "  from_oin TEXT NOT NULL,"
    "  received INTEGER NOT NULL,"
    "  jws TEXT NOT NULL);"
    "CREATE TABLE audit ("
    "  seq INTEGER PRIMARY KEY,"
    "  at INTEGER NOT NULL,"
    "  event TEXT NOT NULL,"
    "  packet TEXT,"
    "  peer TEXT,"
    "  detail TEXT);"
    "CREATE INDEX audit_packet ON audit (packet);";

/*
 * Version 2: the consent register (daemon/consent.c) and, per outbox packet, the consent it was
 * sent under (so that a withdrawal reaches every recipient). The record is the consent-record
 * form encrypted under the store key (AD = its id); the other columns are what listings and the
 * policy need without decrypting.
 */
static const char schema_v2[] = "ALTER TABLE outbox ADD COLUMN consent_id TEXT;"
                                "CREATE INDEX outbox_consent ON outbox (consent_id);"
                                "CREATE TABLE consents ("
                                "  id TEXT PRIMARY KEY,"
                                "  added INTEGER NOT NULL,"
                                "  withdrawn INTEGER,"
                                "  reason TEXT,"
                                "  record BLOB NOT NULL);"
    /* the recipient's withdrawn packets (daemon/withdrawal.c) */
    WITHDRAWAL_SCHEMA;

/*
 * Version 3: the audit chain and what the privacy officer needs. Each audit entry gets the young
 * person's keyed pseudonym (subject), who did it (actor) and its chain hash (store_audit_hash;
 * the entries of older versions are hashed by the migration). checkpoints: this organisation's
 * signed checkpoints of its own chain (size, head hash, time); peer_checkpoints: the checkpoints
 * peers sent with their receipts and notices, so that a peer cannot quietly rewrite its history.
 * inbox.retain_until: when retention erases the content (the covenant's period for the form).
 */
static const char schema_v3[] = "ALTER TABLE audit ADD COLUMN subject TEXT;"
                                "ALTER TABLE audit ADD COLUMN actor TEXT;"
                                "ALTER TABLE audit ADD COLUMN hash BLOB;"
                                "CREATE INDEX audit_subject ON audit (subject);"
                                "CREATE TABLE checkpoints ("
                                "  size INTEGER PRIMARY KEY,"
                                "  head BLOB NOT NULL CHECK (length(head) = 32),"
                                "  at INTEGER NOT NULL,"
                                "  jws TEXT NOT NULL);"
                                "CREATE TABLE peer_checkpoints ("
                                "  peer TEXT NOT NULL,"
                                "  size INTEGER NOT NULL,"
                                "  head BLOB NOT NULL CHECK (length(head) = 32),"
                                "  at INTEGER NOT NULL,"
                                "  received INTEGER NOT NULL,"
                                "  jws TEXT NOT NULL,"
                                "  PRIMARY KEY (peer, size));"
                                "ALTER TABLE inbox ADD COLUMN retain_until INTEGER;";

/*
 * Version 4: a packet's submit in milliseconds (outbox.created_ms), so that the latency histogram
 * of /metrics measures a delivery on loopback or a LAN, which takes milliseconds, not whole
 * seconds (outbox.created stays in seconds, as every other time in the store).
 */
static const char schema_v4[] = "ALTER TABLE outbox ADD COLUMN created_ms INTEGER;";

/* migrations[v] takes a store from version v to v + 1. */
static const char *const migrations[STORE_SCHEMA_VERSION] = {schema_v1, schema_v2, schema_v3,
                                                             schema_v4};

/* The tables a baton store of the current version has; anything else in the file is foreign. */
static const char *const our_tables[] = {
    "meta",           "outbox",      "record_keys",     "inbox",
    "audit",          "notices_in",  "sqlite_sequence", "consents",
    "withdrawals_in", "checkpoints", "peer_checkpoints"};

/* ---- small helpers ---- */

static enum daemon_status
db_fail(struct store *s, struct daemon_err *err, const char *what)
{
    int rc = sqlite3_extended_errcode(s->db);

    if ((rc & 0xff) == SQLITE_FULL)
        return daemon_fail(err, DAEMON_ESTORE, "%s: the disk is full (%s)", what,
                           sqlite3_errmsg(s->db));
    if ((rc & 0xff) == SQLITE_BUSY)
        return daemon_fail(err, DAEMON_ESTORE,
                           "%s: the database is locked by another program for more than %d s (%s)",
                           what, STORE_BUSY_TIMEOUT_MS / 1000, sqlite3_errmsg(s->db));
    if ((rc & 0xff) == SQLITE_NOMEM)
        return daemon_fail(err, DAEMON_ENOMEM, "%s: out of memory", what);
    if ((rc & 0xff) == SQLITE_IOERR)
        return daemon_fail(err, DAEMON_ESTORE,
                           "%s: the store could not be written or read (the disk may be full, or "
                           "over a file size limit): %s; nothing was changed",
                           what, sqlite3_errmsg(s->db));
    return daemon_fail(err, DAEMON_ESTORE, "%s: %s", what, sqlite3_errmsg(s->db));
}

static enum daemon_status
exec(struct store *s, const char *sql, const char *what, struct daemon_err *err)
{
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(s, err, what);
    return DAEMON_OK;
}

/* The statement for sql (a string literal), from the cache when it is there and free; give it
 * back with unprep. */
static enum daemon_status
prep(struct store *s, const char *sql, sqlite3_stmt **st, struct daemon_err *err)
{
    struct stmt_slot *free_slot = NULL;
    size_t i;

    for (i = 0; i < STORE_STMT_CACHE; i++) {
        struct stmt_slot *c = &s->stmts[i];

        if (c->sql == sql && !c->busy) {
            c->busy = 1;
            *st = c->st;
            return DAEMON_OK;
        }
        if (c->sql == NULL && free_slot == NULL)
            free_slot = c;
    }
    if (sqlite3_prepare_v3(s->db, sql, -1, free_slot != NULL ? SQLITE_PREPARE_PERSISTENT : 0, st,
                           NULL) != SQLITE_OK) {
        *st = NULL;
        return db_fail(s, err, "preparing a query");
    }
    if (free_slot != NULL)
        *free_slot = (struct stmt_slot){sql, *st, 1};
    return DAEMON_OK;
}

/* Gives back a statement from prep (or finalizes one prepared otherwise): reset, its bindings
 * cleared, so that it holds no read transaction and no copy of a value. */
static void
unprep(struct store *s, sqlite3_stmt *st)
{
    size_t i;

    if (st == NULL)
        return;
    for (i = 0; i < STORE_STMT_CACHE; i++) {
        if (s->stmts[i].st == st) {
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            s->stmts[i].busy = 0;
            return;
        }
    }
    sqlite3_finalize(st);
}

static int
bind_text(sqlite3_stmt *st, int i, const char *v)
{
    return v != NULL ? sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
}

static int
bind_time(sqlite3_stmt *st, int i, time_t t)
{
    return t != 0 ? sqlite3_bind_int64(st, i, (sqlite3_int64)t) : sqlite3_bind_null(st, i);
}

static int
bind_blob(sqlite3_stmt *st, int i, const void *p, size_t n)
{
    return sqlite3_bind_blob64(st, i, p != NULL ? p : "", (sqlite3_uint64)n, SQLITE_TRANSIENT);
}

/* Runs a statement that returns no row. */
static enum daemon_status
step_done(struct store *s, sqlite3_stmt *st, const char *what, struct daemon_err *err)
{
    int rc = sqlite3_step(st);

    if (rc == SQLITE_DONE)
        return DAEMON_OK;
    if ((sqlite3_extended_errcode(s->db)) == SQLITE_CONSTRAINT_PRIMARYKEY)
        return daemon_fail(err, DAEMON_ECONFLICT, "%s: the id exists already", what);
    return db_fail(s, err, what);
}

/* A copy of text column i, or NULL for SQL NULL; *oom set when memory ran out. */
static char *
col_dup(sqlite3_stmt *st, int i, int *oom)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    char *copy;

    if (t == NULL)
        return NULL;
    copy = strdup((const char *)t);
    if (copy == NULL)
        *oom = 1;
    return copy;
}

/* Copies text column i into a fixed buffer (ids, OINs); empty when NULL or too long. */
static void
col_copy(sqlite3_stmt *st, int i, char *out, size_t size)
{
    const unsigned char *t = sqlite3_column_text(st, i);

    out[0] = '\0';
    if (t != NULL && strlen((const char *)t) < size)
        memcpy(out, t, strlen((const char *)t) + 1);
}

static time_t
col_time(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? 0 : (time_t)sqlite3_column_int64(st, i);
}

/* One statement without parameters or rows, prepared once. */
static enum daemon_status
run1(struct store *s, const char *sql, const char *what, struct daemon_err *err)
{
    sqlite3_stmt *st = NULL;
    enum daemon_status rc = prep(s, sql, &st, err);

    if (rc == DAEMON_OK)
        rc = step_done(s, st, what, err);
    unprep(s, st);
    return rc;
}

/* The connection reads use: the reader when there is one. */
static struct store *
reader(struct store *s)
{
    return s->rd != NULL ? s->rd : s;
}

/* Takes the writer's mutex, counted as a writer on its way while it waits. */
static void
wlock(struct store *s)
{
    __atomic_add_fetch(&s->intents, 1, __ATOMIC_SEQ_CST);
    pthread_mutex_lock(&s->mu);
    __atomic_sub_fetch(&s->intents, 1, __ATOMIC_SEQ_CST);
}

/* Commits the open batch (or finds it rolled back by SQLite after an I/O error) and tells every
 * writer in it the outcome. Called with the mutex held. */
static void
finish_batch(struct store *s)
{
    struct daemon_err e = {0};
    enum daemon_status rc;
    struct batch_waiter *w;

    if (sqlite3_get_autocommit(s->db)) {
        rc = daemon_fail(&e, DAEMON_ESTORE,
                         "committing: the transaction was rolled back after an error (%s); "
                         "nothing was changed",
                         sqlite3_errmsg(s->db));
    } else {
        rc = run1(s, "COMMIT", "committing", &e);
        if (rc != DAEMON_OK)
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    }
    s->batch_open = 0;
    for (w = s->waiters; w != NULL; w = w->next) {
        w->rc = rc;
        if (rc != DAEMON_OK)
            w->err = e;
        w->done = 1;
    }
    s->waiters = NULL;
    s->members = 0;
    pthread_cond_broadcast(&s->batch_done);
}

/* Ends an open batch that nobody else will end: committed when it holds changes, rolled back
 * when empty. Called with the mutex held, before any use of the connection outside a batch. */
static void
settle(struct store *s)
{
    if (!s->batch_open)
        return;
    if (s->members > 0) {
        finish_batch(s);
    } else {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        s->batch_open = 0;
    }
}

/* Gives the writer's mutex back; the last writer on its way commits what the batch holds. */
static void
wunlock(struct store *s)
{
    if (s->batch_open && __atomic_load_n(&s->intents, __ATOMIC_SEQ_CST) == 0)
        settle(s);
    pthread_mutex_unlock(&s->mu);
}

static enum daemon_status
begin(struct store *s, struct daemon_err *err)
{
    enum daemon_status rc;

    if (!s->batch_open) {
        /* IMMEDIATE takes the write lock now, so that a transaction that reads then writes
         * cannot fail half-way on a lock another connection took in between. */
        rc = run1(s, "BEGIN IMMEDIATE", "starting a transaction", err);
        if (rc != DAEMON_OK)
            return rc;
        s->batch_open = 1;
    }
    rc = run1(s, "SAVEPOINT writer", "starting a transaction", err);
    if (rc != DAEMON_OK) {
        settle(s);
        return rc;
    }
    s->in_savepoint = 1;
    return DAEMON_OK;
}

/* Undoes the holder's changes since begin; the batch keeps everyone else's. */
static void
rollback(struct store *s)
{
    if (!s->in_savepoint)
        return;
    s->in_savepoint = 0;
    if (sqlite3_get_autocommit(s->db)) { /* SQLite rolled the whole transaction back */
        finish_batch(s);
        return;
    }
    sqlite3_exec(s->db, "ROLLBACK TO writer; RELEASE writer", NULL, NULL, NULL);
    /* What this writer read of the batch (a duplicate's receipt) must be on disk before it is
     * answered: the batch is committed now. */
    settle(s);
}

/* Keeps the holder's changes in the batch and waits until the batch is committed: the outcome
 * of that commit. */
static enum daemon_status
commit(struct store *s, struct daemon_err *err)
{
    struct batch_waiter me = {0};
    enum daemon_status rc = run1(s, "RELEASE writer", "committing", err);

    if (rc != DAEMON_OK) {
        rollback(s);
        return rc;
    }
    s->in_savepoint = 0;
    me.next = s->waiters;
    s->waiters = &me;
    s->members++;
    if (__atomic_load_n(&s->intents, __ATOMIC_SEQ_CST) == 0 || s->members >= STORE_BATCH_MAX)
        finish_batch(s);
    while (!me.done)
        pthread_cond_wait(&s->batch_done, &s->mu);
    if (me.rc != DAEMON_OK && err != NULL)
        *err = me.err;
    return me.rc;
}

/* ---- the audit chain ---- */

#define AUDIT_HASH_LABEL "baton audit entry v1"

static void
hash_u64(crypto_hash_sha256_state *h, unsigned long long v)
{
    unsigned char b[8];
    int i;

    for (i = 7; i >= 0; i--, v >>= 8)
        b[i] = (unsigned char)(v & 0xff);
    crypto_hash_sha256_update(h, b, sizeof b);
}

static void
hash_text(crypto_hash_sha256_state *h, const char *t)
{
    unsigned long n = t != NULL ? (unsigned long)strlen(t) : 0xffffffffUL;
    unsigned char b[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16),
                          (unsigned char)(n >> 8), (unsigned char)n};

    crypto_hash_sha256_update(h, b, sizeof b);
    if (t != NULL)
        crypto_hash_sha256_update(h, (const unsigned char *)t, strlen(t));
}

void
store_audit_hash(const unsigned char prev[STORE_HASH_BYTES], const struct store_audit *e,
                 unsigned char out[STORE_HASH_BYTES])
{
    crypto_hash_sha256_state h;

    crypto_hash_sha256_init(&h);
    crypto_hash_sha256_update(&h, (const unsigned char *)AUDIT_HASH_LABEL,
                              sizeof AUDIT_HASH_LABEL); /* with its NUL */
    crypto_hash_sha256_update(&h, prev, STORE_HASH_BYTES);
    hash_u64(&h, (unsigned long long)e->seq);
    hash_u64(&h, (unsigned long long)(long long)e->at);
    hash_text(&h, e->event);
    hash_text(&h, e->packet);
    hash_text(&h, e->peer);
    hash_text(&h, e->subject);
    hash_text(&h, e->actor);
    hash_text(&h, e->detail);
    crypto_hash_sha256_final(&h, out);
}

/* The last entry's seq and hash (0 and zeros for an empty chain), then the new entry with the
 * next seq and its hash; last and ins are the two statements below, ready to run. */
static int
chain_insert(sqlite3_stmt *last, sqlite3_stmt *ins, time_t now, const struct store_event *ev)
{
    unsigned char prev[STORE_HASH_BYTES] = {0}, hash[STORE_HASH_BYTES];
    struct store_audit e = {0};
    int r = sqlite3_step(last);

    if (r == SQLITE_ROW) {
        e.seq = sqlite3_column_int64(last, 0);
        if (sqlite3_column_bytes(last, 1) == STORE_HASH_BYTES)
            memcpy(prev, sqlite3_column_blob(last, 1), STORE_HASH_BYTES);
    } else if (r != SQLITE_DONE) {
        return r;
    }
    e.seq++;
    e.at = now;
    e.event = (char *)(uintptr_t)ev->event;
    e.packet = (char *)(uintptr_t)ev->packet;
    e.peer = (char *)(uintptr_t)ev->peer;
    e.subject = (char *)(uintptr_t)ev->subject;
    e.actor = (char *)(uintptr_t)ev->actor;
    e.detail = (char *)(uintptr_t)ev->detail;
    store_audit_hash(prev, &e, hash);
    if (sqlite3_bind_int64(ins, 1, e.seq) | sqlite3_bind_int64(ins, 2, (sqlite3_int64)now) |
        bind_text(ins, 3, ev->event) | bind_text(ins, 4, ev->packet) | bind_text(ins, 5, ev->peer) |
        bind_text(ins, 6, ev->detail) | bind_text(ins, 7, ev->subject) |
        bind_text(ins, 8, ev->actor) | bind_blob(ins, 9, hash, sizeof hash))
        return SQLITE_ERROR;
    return sqlite3_step(ins);
}

#define AUDIT_LAST_SQL "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1"
#define AUDIT_INSERT_SQL                                                                           \
    "INSERT INTO audit (seq, at, event, packet, peer, detail, subject, actor, hash) "              \
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"

static enum daemon_status
audit_insert(struct store *s, time_t now, const struct store_event *ev, struct daemon_err *err)
{
    static const char last_sql[] = AUDIT_LAST_SQL, ins_sql[] = AUDIT_INSERT_SQL;
    sqlite3_stmt *last = NULL, *ins = NULL;
    enum daemon_status rc;

    if (ev == NULL || ev->event == NULL)
        return DAEMON_OK;
    rc = prep(s, last_sql, &last, err);
    if (rc == DAEMON_OK)
        rc = prep(s, ins_sql, &ins, err);
    if (rc == DAEMON_OK && chain_insert(last, ins, now, ev) != SQLITE_DONE)
        rc = db_fail(s, err, "writing the audit entry");
    unprep(s, last);
    unprep(s, ins);
    return rc;
}

enum daemon_status
store_audit_append(struct sqlite3 *db, time_t now, const struct store_event *ev,
                   struct daemon_err *err)
{
    sqlite3_stmt *last = NULL, *ins = NULL;
    enum daemon_status rc = DAEMON_OK;

    if (ev == NULL || ev->event == NULL)
        return DAEMON_OK;
    if (sqlite3_prepare_v2(db, AUDIT_LAST_SQL, -1, &last, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, AUDIT_INSERT_SQL, -1, &ins, NULL) != SQLITE_OK ||
        chain_insert(last, ins, now, ev) != SQLITE_DONE)
        rc = daemon_fail(err, DAEMON_ESTORE, "writing the audit entry: %s", sqlite3_errmsg(db));
    sqlite3_finalize(last);
    sqlite3_finalize(ins);
    return rc;
}

/* Version 3's migration: the chain hash of every entry written before it, in order of seq. */
static enum daemon_status
hash_old_entries(struct store *s, struct daemon_err *err)
{
    unsigned char prev[STORE_HASH_BYTES] = {0}, hash[STORE_HASH_BYTES];
    sqlite3_stmt *rd = NULL, *up = NULL;
    enum daemon_status rc = DAEMON_OK;
    struct store_audit e;
    int r;

    if (sqlite3_prepare_v2(s->db,
                           "SELECT seq, at, event, packet, peer, detail FROM audit ORDER BY seq",
                           -1, &rd, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "UPDATE audit SET hash = ? WHERE seq = ?", -1, &up, NULL) !=
            SQLITE_OK) {
        rc = db_fail(s, err, "hashing the audit entries");
        goto out;
    }
    while ((r = sqlite3_step(rd)) == SQLITE_ROW) {
        memset(&e, 0, sizeof e);
        e.seq = sqlite3_column_int64(rd, 0);
        e.at = col_time(rd, 1);
        e.event = (char *)(uintptr_t)sqlite3_column_text(rd, 2);
        e.packet = (char *)(uintptr_t)sqlite3_column_text(rd, 3);
        e.peer = (char *)(uintptr_t)sqlite3_column_text(rd, 4);
        e.detail = (char *)(uintptr_t)sqlite3_column_text(rd, 5);
        store_audit_hash(prev, &e, hash);
        memcpy(prev, hash, sizeof prev);
        sqlite3_reset(up);
        if (bind_blob(up, 1, hash, sizeof hash) | sqlite3_bind_int64(up, 2, e.seq) ||
            sqlite3_step(up) != SQLITE_DONE) {
            rc = db_fail(s, err, "hashing the audit entries");
            goto out;
        }
    }
    if (r != SQLITE_DONE)
        rc = db_fail(s, err, "hashing the audit entries");
out:
    sqlite3_finalize(rd);
    sqlite3_finalize(up);
    return rc;
}

/* ---- encryption at rest ---- */

/* nonce || XChaCha20-Poly1305(pt, AD = ad) under key, into a new malloc'd buffer. */
static enum daemon_status
seal_blob(const unsigned char *key, const unsigned char *pt, size_t pt_len, const char *ad,
          unsigned char **out, size_t *out_len, struct daemon_err *err)
{
    size_t n = STORE_NONCE_BYTES + pt_len + STORE_TAG_BYTES;
    unsigned long long clen = 0;
    unsigned char *buf = malloc(n);

    if (buf == NULL)
        return daemon_fail(err, DAEMON_ENOMEM, "out of memory encrypting a record");
    randombytes_buf(buf, STORE_NONCE_BYTES);
    if (crypto_aead_xchacha20poly1305_ietf_encrypt(
            buf + STORE_NONCE_BYTES, &clen, pt, (unsigned long long)pt_len,
            (const unsigned char *)ad, strlen(ad), NULL, buf, key) != 0 ||
        clen != pt_len + STORE_TAG_BYTES) {
        free(buf);
        return daemon_fail(err, DAEMON_ESTORE, "libsodium could not encrypt a record");
    }
    *out = buf;
    *out_len = n;
    return DAEMON_OK;
}

/* The inverse of seal_blob into pt (room for len - nonce - tag bytes). */
static int
open_blob(const unsigned char *key, const unsigned char *blob, size_t len, const char *ad,
          unsigned char *pt, size_t *pt_len)
{
    unsigned long long plen = 0;

    if (len < STORE_NONCE_BYTES + STORE_TAG_BYTES)
        return -1;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            pt, &plen, NULL, blob + STORE_NONCE_BYTES, len - STORE_NONCE_BYTES,
            (const unsigned char *)ad, strlen(ad), blob, key) != 0)
        return -1;
    *pt_len = (size_t)plen;
    return 0;
}

/* The key check value of the store key: a keyed BLAKE2b of a constant. */
static int
key_check(const unsigned char *key, unsigned char out[32])
{
    return crypto_generichash(out, 32, (const unsigned char *)STORE_KEY_CHECK,
                              sizeof STORE_KEY_CHECK - 1, key, STORE_KEY_BYTES);
}

/* ---- opening ---- */

static enum daemon_status
pragma_int(struct store *s, const char *sql, long long *out, struct daemon_err *err)
{
    sqlite3_stmt *st = NULL;
    enum daemon_status rc = prep(s, sql, &st, err);

    if (rc != DAEMON_OK)
        return rc;
    if (sqlite3_step(st) == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        rc = db_fail(s, err, "reading the database header");
    unprep(s, st);
    return rc;
}

/* Refuses a database that is not a baton store; *version is its schema version (0: empty). */
static enum daemon_status
check_ours(struct store *s, const char *path, long long *version, struct daemon_err *err)
{
    long long app = 0, ver = 0;
    sqlite3_stmt *st = NULL;
    enum daemon_status rc;
    char foreign[200] = "";
    int n_tables = 0;
    size_t i;

    /* The first read of the file: an SQLite error here means it is not a database at all. */
    if (sqlite3_prepare_v2(s->db, "PRAGMA application_id", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        int code = sqlite3_errcode(s->db);

        unprep(s, st);
        if (code == SQLITE_NOTADB)
            return daemon_fail(err, DAEMON_ESTORE,
                               "database %s is not an SQLite database (it is some other file); "
                               "point \"database\" at a new file or at batond's store",
                               path);
        return db_fail(s, err, "reading the database");
    }
    app = sqlite3_column_int64(st, 0);
    unprep(s, st);
    rc = pragma_int(s, "PRAGMA user_version", &ver, err);
    if (rc != DAEMON_OK)
        return rc;
    rc = prep(s, "SELECT name FROM sqlite_master WHERE type = 'table'", &st, err);
    if (rc != DAEMON_OK)
        return rc;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        int known = 0;

        n_tables++;
        for (i = 0; name != NULL && i < sizeof our_tables / sizeof our_tables[0]; i++)
            known |= strcmp(name, our_tables[i]) == 0;
        if (!known && foreign[0] == '\0' && name != NULL)
            snprintf(foreign, sizeof foreign, "%.120s", name);
    }
    unprep(s, st);

    if (app != STORE_APPLICATION_ID && (app != 0 || n_tables > 0)) {
        if (app != 0)
            return daemon_fail(err, DAEMON_ESTORE,
                               "database %s belongs to another application (SQLite application "
                               "id 0x%08llx, not baton's 0x%08x); point \"database\" at a new "
                               "file or at batond's store",
                               path, (unsigned long long)app & 0xffffffffULL, STORE_APPLICATION_ID);
        return daemon_fail(err, DAEMON_ESTORE,
                           "database %s is not batond's: it already holds %d table(s) that baton "
                           "did not make (such as \"%s\"); point \"database\" at a new file or at "
                           "batond's store",
                           path, n_tables, foreign[0] != '\0' ? foreign : "?");
    }
    if (ver > STORE_SCHEMA_VERSION)
        return daemon_fail(err, DAEMON_ESTORE,
                           "database %s was written by a newer batond (schema version %lld; this "
                           "batond %s knows versions up to %d); run the newer batond, or restore "
                           "a backup made before the upgrade",
                           path, ver, daemon_version(), STORE_SCHEMA_VERSION);
    if (app == STORE_APPLICATION_ID && foreign[0] != '\0')
        return daemon_fail(err, DAEMON_ESTORE,
                           "database %s is batond's but holds a table it does not know (\"%s\"); "
                           "it was changed by hand: restore a backup",
                           path, foreign);
    *version = ver;
    return DAEMON_OK;
}

/* Runs the migrations from version to STORE_SCHEMA_VERSION, each in its own transaction; a new
 * store also gets its owner and key check. */
static enum daemon_status
migrate(struct store *s, long long version, const char *oin, struct daemon_err *err)
{
    unsigned char check[32];
    sqlite3_stmt *st = NULL;
    enum daemon_status rc = DAEMON_OK;
    char sql[96];

    for (; version < STORE_SCHEMA_VERSION; version++) {
        rc = begin(s, err);
        if (rc != DAEMON_OK)
            return rc;
        rc = exec(s, migrations[version], "creating the schema", err);
        if (rc == DAEMON_OK && version == 2)
            rc = hash_old_entries(s, err);
        if (rc == DAEMON_OK && version == 0) {
            snprintf(sql, sizeof sql, "PRAGMA application_id = %d", STORE_APPLICATION_ID);
            rc = exec(s, sql, "marking the database as baton's", err);
            if (rc == DAEMON_OK)
                rc = prep(s, "INSERT INTO meta (name, value) VALUES ('oin', ?), ('key_check', ?)",
                          &st, err);
            if (rc == DAEMON_OK) {
                if (key_check(s->key, check) != 0)
                    rc = daemon_fail(err, DAEMON_ESTORE, "libsodium could not hash the store key");
                else if (bind_text(st, 1, oin) | bind_blob(st, 2, check, sizeof check))
                    rc = db_fail(s, err, "initialising the store");
                else
                    rc = step_done(s, st, "initialising the store", err);
                unprep(s, st);
            }
        }
        if (rc == DAEMON_OK) {
            snprintf(sql, sizeof sql, "PRAGMA user_version = %lld", version + 1);
            rc = exec(s, sql, "recording the schema version", err);
        }
        if (rc != DAEMON_OK) {
            rollback(s);
            return rc;
        }
        rc = commit(s, err);
        if (rc != DAEMON_OK)
            return rc;
    }
    return rc;
}

/* Checks that the store is this organisation's and that the store key opens it. */
static enum daemon_status
check_owner(struct store *s, const char *path, const char *oin, struct daemon_err *err)
{
    unsigned char check[32];
    sqlite3_stmt *st = NULL;
    enum daemon_status rc;
    char owner[64] = "";
    int have_check = 0, same = 0;

    rc = prep(s, "SELECT name, value FROM meta WHERE name IN ('oin', 'key_check')", &st, err);
    if (rc != DAEMON_OK)
        return rc;
    if (key_check(s->key, check) != 0) {
        unprep(s, st);
        return daemon_fail(err, DAEMON_ESTORE, "libsodium could not hash the store key");
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);

        if (name != NULL && strcmp(name, "oin") == 0) {
            col_copy(st, 1, owner, sizeof owner);
        } else if (name != NULL && strcmp(name, "key_check") == 0) {
            have_check = 1;
            same = sqlite3_column_bytes(st, 1) == (int)sizeof check &&
                   sodium_memcmp(sqlite3_column_blob(st, 1), check, sizeof check) == 0;
        }
    }
    unprep(s, st);
    if (strcmp(owner, oin) != 0)
        return daemon_fail(err, DAEMON_ESTORE,
                           "database %s is the store of another organisation (OIN %s), not of "
                           "this keystore's (OIN %s); check \"database\" and \"keystore\"",
                           path, owner[0] != '\0' ? owner : "unknown", oin);
    if (!have_check || !same)
        return daemon_fail(err, DAEMON_ESTORE,
                           "database %s was encrypted under another store key: the keystore's "
                           "first encryption key is not the one the store was made with (was "
                           "the keystore replaced instead of rotated?); configure the keystore "
                           "the store was made with",
                           path);
    return DAEMON_OK;
}

static enum daemon_status open_reader(struct store *s, const char *path, struct daemon_err *err);

/* A connection's struct with its mutex and condition variable, no database yet; NULL (err set)
 * when out of memory. */
static struct store *
conn_new(struct daemon_err *err)
{
    struct store *s = calloc(1, sizeof *s);

    if (s == NULL) {
        daemon_fail(err, DAEMON_ENOMEM, "out of memory opening the store");
        return NULL;
    }
    if (pthread_mutex_init(&s->mu, NULL) != 0) {
        free(s);
        daemon_fail(err, DAEMON_ENOMEM, "could not make the store's mutex");
        return NULL;
    }
    if (pthread_cond_init(&s->batch_done, NULL) != 0) {
        pthread_mutex_destroy(&s->mu);
        free(s);
        daemon_fail(err, DAEMON_ENOMEM, "could not make the store's condition variable");
        return NULL;
    }
    return s;
}

enum daemon_status
store_open(const char *path, const char *oin, const unsigned char key[STORE_KEY_BYTES],
           struct store **out, struct daemon_err *err)
{
    struct store *s = NULL;
    enum daemon_status rc;
    long long version = 0;
    char mode[16] = "";
    sqlite3_stmt *st = NULL;

    if (path == NULL || oin == NULL || key == NULL || out == NULL)
        return daemon_fail(err, DAEMON_EINVAL, "store_open: NULL argument");
    s = conn_new(err);
    if (s == NULL)
        return err != NULL ? err->status : DAEMON_ENOMEM;
    s->key = sodium_malloc(STORE_KEY_BYTES);
    if (s->key == NULL) {
        rc = daemon_fail(err, DAEMON_ENOMEM, "no guarded memory for the store key");
        goto fail;
    }
    memcpy(s->key, key, STORE_KEY_BYTES);
    if (sodium_mprotect_readonly(s->key) != 0) {
        rc = daemon_fail(err, DAEMON_ESTORE, "could not make the store key read-only");
        goto fail;
    }
    if (sqlite3_open_v2(path, &s->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        rc = daemon_fail(err, DAEMON_ESTORE, "cannot open database %s: %s", path,
                         s->db != NULL ? sqlite3_errmsg(s->db) : "out of memory");
        goto fail;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
    rc = check_ours(s, path, &version, err);
    if (rc != DAEMON_OK)
        goto fail;

    /* WAL: readers do not block the writer; synchronous FULL: a commit is on disk (WAL fsynced)
     * before it returns, so that nothing is acknowledged that a power cut could take back. */
    rc = prep(s, "PRAGMA journal_mode = WAL", &st, err);
    if (rc != DAEMON_OK)
        goto fail;
    if (sqlite3_step(st) == SQLITE_ROW)
        col_copy(st, 0, mode, sizeof mode);
    unprep(s, st);
    if (strcmp(mode, "wal") != 0) {
        rc = daemon_fail(err, DAEMON_ESTORE,
                         "database %s cannot use write-ahead logging (journal mode \"%s\"); put "
                         "it on a local file system",
                         path, mode);
        goto fail;
    }
    /* secure_delete: a destroyed record key is overwritten, not left in a free page. */
    rc = exec(s, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;",
              "setting up the database", err);
    if (rc != DAEMON_OK)
        goto fail;
    rc = migrate(s, version, oin, err);
    if (rc != DAEMON_OK)
        goto fail;
    rc = check_owner(s, path, oin, err);
    if (rc != DAEMON_OK)
        goto fail;
    rc = open_reader(s, path, err);
    if (rc != DAEMON_OK)
        goto fail;
    *out = s;
    return DAEMON_OK;
fail:
    store_close(s);
    return rc;
}

/* Closes one connection and frees its struct (not the key). */
static void
close_conn(struct store *s)
{
    size_t i;

    pthread_mutex_lock(&s->mu);
    if (s->db != NULL) {
        settle(s);
        if (!sqlite3_get_autocommit(s->db))
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        for (i = 0; i < STORE_STMT_CACHE; i++)
            sqlite3_finalize(s->stmts[i].st);
        sqlite3_close_v2(s->db);
    }
    pthread_mutex_unlock(&s->mu);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->batch_done);
    free(s);
}

/* The reader: a second connection, read-only, sharing the key. */
static enum daemon_status
open_reader(struct store *s, const char *path, struct daemon_err *err)
{
    struct store *r = conn_new(err);
    enum daemon_status rc;

    if (r == NULL)
        return err != NULL ? err->status : DAEMON_ENOMEM;
    r->key = s->key;
    if (sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        rc = daemon_fail(err, DAEMON_ESTORE, "cannot open database %s a second time: %s", path,
                         r->db != NULL ? sqlite3_errmsg(r->db) : "out of memory");
        close_conn(r);
        return rc;
    }
    sqlite3_extended_result_codes(r->db, 1);
    sqlite3_busy_timeout(r->db, STORE_BUSY_TIMEOUT_MS);
    /* Its reads are look-ups by key and short scans: a small page cache (1 MiB) serves them. */
    rc = exec(r, "PRAGMA query_only = ON; PRAGMA cache_size = -1024",
              "setting up the database's reader", err);
    if (rc != DAEMON_OK) {
        close_conn(r);
        return rc;
    }
    s->rd = r;
    return DAEMON_OK;
}

void
store_close(struct store *s)
{
    unsigned char *key;

    if (s == NULL)
        return;
    if (s->rd != NULL)
        close_conn(s->rd);
    key = s->key;
    close_conn(s);
    sodium_free(key);
}

/* ---- outbox ---- */

#define OUT_COLS                                                                                   \
    "id, kind, to_oin, form_type, purpose, basis, answers, state, created, next_attempt, "         \
    "attempts, last_error, delivered, decided, by_text, reason, receipt, created_ms"

void
store_out_clear(struct store_out *o)
{
    if (o == NULL)
        return;
    free(o->form_type);
    free(o->purpose);
    free(o->basis);
    free(o->answers);
    free(o->consent_id);
    free(o->last_error);
    free(o->by);
    free(o->reason);
    free(o->body);
    free(o->receipt);
    memset(o, 0, sizeof *o);
}

void
store_out_free_list(struct store_out *items, size_t n)
{
    size_t i;

    for (i = 0; items != NULL && i < n; i++)
        store_out_clear(&items[i]);
    free(items);
}

/* Reads a row of OUT_COLS (and the body as column 18 when with_body). */
static enum daemon_status
out_from_row(sqlite3_stmt *st, int with_body, struct store_out *o, struct daemon_err *err)
{
    const char *kind = (const char *)sqlite3_column_text(st, 1);
    int oom = 0, state;

    memset(o, 0, sizeof *o);
    col_copy(st, 0, o->id, sizeof o->id);
    o->kind = kind != NULL && strcmp(kind, "notice") == 0 ? STORE_NOTICE : STORE_PACKET;
    col_copy(st, 2, o->to, sizeof o->to);
    o->form_type = col_dup(st, 3, &oom);
    o->purpose = col_dup(st, 4, &oom);
    o->basis = col_dup(st, 5, &oom);
    o->answers = col_dup(st, 6, &oom);
    state = state_from_name(out_states, sizeof out_states / sizeof out_states[0],
                            (const char *)sqlite3_column_text(st, 7));
    o->state = state < 0 ? STORE_QUEUED : (enum store_out_state)state;
    o->created = col_time(st, 8);
    o->next_attempt = col_time(st, 9);
    o->attempts = (long)sqlite3_column_int64(st, 10);
    o->last_error = col_dup(st, 11, &oom);
    o->delivered = col_time(st, 12);
    o->decided = col_time(st, 13);
    o->by = col_dup(st, 14, &oom);
    o->reason = col_dup(st, 15, &oom);
    o->receipt = col_dup(st, 16, &oom);
    o->created_ms = (long long)sqlite3_column_int64(st, 17); /* NULL reads as 0 */
    if (with_body) {
        const void *b = sqlite3_column_blob(st, 18);
        int n = sqlite3_column_bytes(st, 18);

        o->body = malloc((size_t)n + 1);
        if (o->body == NULL) {
            oom = 1;
        } else {
            if (n > 0)
                memcpy(o->body, b, (size_t)n);
            o->body[n] = '\0';
            o->body_len = (size_t)n;
        }
    }
    if (oom) {
        store_out_clear(o);
        return daemon_fail(err, DAEMON_ENOMEM, "out of memory reading the outbox");
    }
    return DAEMON_OK;
}

/* Reads one row of a SELECT into *item (a struct of the kind read_rows was given). */
typedef enum daemon_status (*row_reader)(sqlite3_stmt *st, void *item, const void *arg,
                                         struct daemon_err *err);
/* Frees n such items and the array. */
typedef void (*rows_freer)(void *items, size_t n);

/* Runs a SELECT into a new array of items of size bytes each, read by from (with arg); what
 * names the table in messages. On error nothing is returned and nothing is left allocated. */
static enum daemon_status
read_rows(struct store *s, sqlite3_stmt *st, size_t size, row_reader from, const void *arg,
          rows_freer fr, const char *what, void **items, size_t *n, struct daemon_err *err)
{
    unsigned char *list = NULL, *grown;
    size_t count = 0, cap = 0;
    enum daemon_status rc = DAEMON_OK;
    int r;

    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        if (count == cap) {
            cap = cap ? cap * 2 : 16;
            grown = realloc(list, cap * size);
            if (grown == NULL) {
                rc = daemon_fail(err, DAEMON_ENOMEM, "out of memory reading the %s", what);
                break;
            }
            list = grown;
        }
        rc = from(st, list + count * size, arg, err);
        if (rc != DAEMON_OK)
            break;
        count++;
    }
    if (rc == DAEMON_OK && r != SQLITE_DONE)
        rc = db_fail(s, err, what);
    if (rc != DAEMON_OK) {
        fr(list, count);
        return rc;
    }
    *items = list;
    *n = count;
    return DAEMON_OK;
}

static enum daemon_status
out_reader(sqlite3_stmt *st, void *item, const void *with_body, struct daemon_err *err)
{
    return out_from_row(st, *(const int *)with_body, item, err);
}

static void
out_freer(void *items, size_t n)
{
    store_out_free_list(items, n);
}

/* Runs a SELECT of outbox rows into a new array. */
static enum daemon_status
out_rows(struct store *s, sqlite3_stmt *st, int with_body, struct store_out **items, size_t *n,
         struct daemon_err *err)
{
    void *list = NULL;
    enum daemon_status rc = read_rows(s, st, sizeof **items, out_reader, &with_body, out_freer,
                                      "outbox", &list, n, err);

    if (rc == DAEMON_OK)
        *items = list;
    return rc;
}

enum daemon_status
store_outbox_add(struct store *s, const struct store_out *o, time_t now,
                 const struct store_event *ev, size_t n_ev, struct daemon_err *err)
{
    sqlite3_stmt *st = NULL;
    enum daemon_status rc;
    size_t i;

    if (s == NULL || o == NULL || o->form_type == NULL || o->body == NULL)
        return daemon_fail(err, DAEMON_EINVAL, "store_outbox_add: NULL argument");
    wlock(s);
    rc = begin(s, err);
    if (rc != DAEMON_OK)
        goto out;
    rc = prep(s,
              "INSERT INTO outbox (id, kind, to_oin, form_type, purpose, basis, answers, state, "
              "created, next_attempt, attempts, body, consent_id, created_ms) VALUES (?, ?, ?, ?, "
              "?, ?, ?, 'queued', ?, ?, 0, ?, ?, ?)",
              &st, err);
    if (rc != DAEMON_OK)
        goto out;
    if (bind_text(st, 1, o->id) | bind_text(st, 2, o->kind == STORE_NOTICE ? "notice" : "packet") |
        bind_text(st, 3, o->to) | bind_text(st, 4, o->form_type) | bind_text(st, 5, o->purpose) |
        bind_text(st, 6, o->basis) | bind_text(st, 7, o->answers) |
        sqlite3_bind_int64(st, 8, (sqlite3_int64)now) |
        sqlite3_bind_int64(st, 9, (sqlite3_int64)(o->next_attempt ? o->next_attempt : now)) |
        bind_blob(st, 10, o->body, o->body_len) | bind_text(st, 11, o->consent_id) |
        (o->created_ms > 0 ? sqlite3_bind_int64(st, 12, (sqlite3_int64)o->created_ms)
                           : sqlite3_bind_null(st, 12))) {
        rc = db_fail(s, err, "queueing");
        goto out;
    }
    rc = step_done(s, st, "queueing", err);
    for (i = 0; rc == DAEMON_OK && i < n_ev; i++)
        rc = audit_insert(s, now, &ev[i], err);
    if (rc == DAEMON_OK)
        rc = commit(s, err);
out:
    unprep(s, st);
    if (rc != DAEMON_OK)
        rollback(s);
    wunlock(s);
    return rc;
}

enum daemon_status
store_outbox_due(struct store *s, time_t now, size_t max, int with_body, struct store_out **items,
                 size_t *n, time_t *next_due, struct daemon_err *err)
{
    sqlite3_stmt *st = NULL;
    enum daemon_status rc;

    s = reader(s);
    pthread_mutex_lock(&s->mu);
    rc = prep(s,
              with_body ? "SELECT " OUT_COLS ", body FROM outbox WHERE state = 'queued' AND "
                          "next_attempt <= ? ORDER BY next_attempt, created LIMIT ?"
                        /* What picking a row needs; the other columns NULL, not copied. */
                        : "SELECT id, kind, to_oin, NULL, NULL, NULL, answers, state, created, "
                          "next_attempt, attempts, NULL, NULL, NULL, NULL, NULL, NULL, NULL "
                          "FROM outbox "
                          "WHERE state = 'queued' AND next_attempt <= ? "
                          "ORDER BY next_attempt, created LIMIT ?",
              &st, err);
    if (rc != DAEMON_OK)
        goto out;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
    rc = out_rows(s, st, with_body, items, n, err);
    unprep(s, st);
    st = NULL;
    if (rc != DAEMON_OK || next_due == NULL)
        goto out;
    *next_due = 0;
    /* The earliest attempt after these: rows not returned because of max count as due now. */
    rc = prep(s, "SELECT min(next_attempt) FROM outbox WHERE state = 'queued' AND next_attempt > ?",
              &st, err);
    if (rc != DAEMON_OK)
        goto out;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
    if (sqlite3_step(st) == SQLITE_ROW)
        *next_due = col_time(st, 0);
    if (*n == max)
        *next_due = now;
out:
    unprep(s, st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

enum daemon_status
store_outbox_get(struct store *s, const char *id, struct store_out *out, struct daemon_err *err)
{
    sqlite3_stmt *st = NULL;
    enum daemon_status rc;
    struct store_out *items = NULL;
    size_t n = 0;

    s = reader(s);
    pthread_mutex_lock(&s->mu);
    rc = prep(s, "SELECT " OUT_COLS ", body FROM outbox WHERE id = ?", &st, err);
    if (rc == DAEMON_OK) {
        bind_text(st, 1, id);
        rc = out_rows(s, st, 1, &items, &n, err);
    }
    unprep(s, st);
    pthread_mutex_unlock(&s->mu);
    if (rc != DAEMON_OK)
        return rc;
    if (n == 0) {
        free(items);
        return daemon_fail(err, DAEMON_ENOTFOUND, "no packet %s in the outbox", id);
    }
    *out = items[0];
    free(items);
    return DAEMON_OK;
}

enum daemon_status
store_outbox_list(struct store *s, size_t max, struct store_out **items, size_t *n,
                  struct daemon_err *err)
{
    sqlite3_stmt *st = NULL;
    enum daemon_status rc;

    s = reader(s);
    pthread_mutex_lock(&s->mu);
    rc = prep(s,
              "SELECT " OUT_COLS " FROM outbox WHERE kind = 'packet' "
              "ORDER BY created DESC, rowid DESC LIMIT ?",
              &st, err);
    if (rc == DAEMON_OK) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)(max < STORE_LIST_MAX ? max : STORE_LIST_MAX));
        rc = out_rows(s, st, 0, items, n, err);
    }
    unprep(s, st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* The state of outbox row id into *state: DAEMON_ENOTFOUND when there is none. Called with the
 * mutex held. */
static enum daemon_status
out_state(struct store *s, const char *id, enum store_out_state *state, enum store_kind *kind,
          struct daemon_err *err)
{
    sqlite3_stmt *st = NULL;
    enum daemon_status rc = prep(s, "SELECT state, kind FROM outbox WHERE id = ?", &st, err);
    int r, v;

    if (rc != DAEMON_OK)
        return rc;
    bind_text(st, 1, id);
    r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        v = state_from_name(out_states, sizeof out_states / sizeof out_states[0],
                            (const char *)sqlite3_column_text(st, 0));
        *state = v < 0 ? STORE_QUEUED : (enum store_out_state)v;
        if (kind != NULL)
            *kind = strcmp((const char *)sqlite3_column_text(st, 1), "notice") == 0 ? STORE_NOTICE
                                                                                    : STORE_PACKET;
    } else if (r == SQLITE_DONE) {
        rc = daemon_fail(err, DAEMON_ENOTFOUND, "no packet %s in the outbox", id);
    } else {
        rc = db_fail(s, err, "reading the outbox");
    }
    unprep(s, st);
    return rc;
}

/* One UPDATE of a queued row with its audit entry, in one transaction. */
static enum daemon_status
update_queued(struct store *s, const char *id, const char *sql, const char *t1, time_t v1,
              const struct store_event *ev, time_t now, const char *what, struct daemon_err *err)
{
    enum store_out_state state;
    sqlite3_stmt *st = NULL;
    enum daemon_status rc;

    wlock(s);
    rc = begin(s, err);
    if (rc != DAEMON_OK)
        goto out;
    rc = out_state(s, id, &state, NULL, err);
    if (rc != DAEMON_OK)
        goto out;
    if (state != STORE_QUEUED) {
        rc = daemon_fail(err, DAEMON_ECONFLICT, "%s %s: it is %s, not queued", what, id,
                         store_out_state_name(state));
        goto out;
    }
    rc = prep(s, sql, &st, err);
    if (rc != DAEMON_OK)
        goto out;
    if (bind_text(st, 1, t1) | bind_time(st, 2, v1) | bind_text(st, 3, id)) {
        rc = db_fail(s, err, what);
        goto out;
    }
    rc = step_done(s, st, what, err);
    if (rc == DAEMON_OK)
        rc = audit_insert(s, now, ev, err);
    if (rc == DAEMON_OK)
        rc = commit(s, err);
out:
    unprep(s, st);
    if (rc != DAEMON_OK)
        rollback(s);
    wunlock(s);
    return rc;
}

enum daemon_status
store_outbox_delivered(struct store *s, const char *id, time_t now, const char *receipt,
                       const struct store_event *ev, struct daemon_err *err)
{
    return update_queued(s, id,
                         "UPDATE outbox SET state = 'delivered', receipt = ?, delivered = ?, "
                         "next_attempt = NULL, last_error = NULL, attempts = attempts + 1 "
                         "WHERE id = ?",
                         receipt, now, ev, now, "recording the delivery of", err);
}

enum daemon_status
store_outbox_undeliverable(struct store *s, const char *id, time_t now, const char *last_error,
                           const struct store_event *ev, struct daemon_err *err)
{
    /* ?2 is bound by update_queued and not used here. */
    return update_queued(s, id,
                         "UPDATE outbox SET state = 'undeliverable', last_error = ?1, "
                         "next_attempt = NULL, attempts = attempts + 1 WHERE id = ?3",
                         last_error, now, ev, now, "giving up on", err);
}

enum daemon_status
store_outbox_retry(struct store *s, const char *id, time_t next, const char *last_error,
                   struct daemon_err *err)
{
    sqlite3_stmt *st = NULL;
    enum daemon_status rc;

    wlock(s);
    rc = begin(s, err);
    if (rc == DAEMON_OK)
        rc = prep(s,
                  "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt = ? "
                  "WHERE id = ? AND state = 'queued'",
                  &st, err);
    if (rc == DAEMON_OK) {
        if (bind_text(st, 1, last_error) | sqlite3_bind_int64(st, 2, (sqlite3_int64)next) |
            bind_text(st, 3, id))
            rc = db_fail(s, err, "recording a failed attempt");
        else
            rc = step_done(s, st, "recording a failed attempt", err);
    }
    unprep(s, st);
    rc = rc == DAEMON_OK ? commit(s, err) : rc;
    rollback(s);
    wunlock(s);
    return rc;
}

enum daemon_status
store_outbox_defer(struct store *s, const char *id, time_t next, struct daemon_err *err)
{
    sqlite3_stmt *st = NULL;
    enum daemon_status rc;

    wlock(s);
    rc = begin(s, err);
    if (rc == DAEMON_OK)
        rc = prep(s, "UPDATE outbox SET next_attempt = ? WHERE id = ? AND state = 'queued'", &st,
                  err);
    if (rc == DAEMON_OK) {
        if (sqlite3_bind_int64(st, 1, (sqlite3_int64)next) | bind_text(st, 2, id))
            rc = db_fail(s, err, "putting off an attempt");
        else
            rc = step_done(s, st, "putting off an attempt", err);
    }
    unprep(s, st);
    rc = rc == DAEMON_OK ? commit(s, err) : rc;
    rollback(s);
    wunlock(s);
    return rc;
}

/* Runs sql, an UPDATE of (state, by_text, reason, decided) of row id: a decision taken. Called
 * in a transaction. */
static enum daemon_status
record_decision(struct store *s, const char *sql, const char *state, const char *by,
                const char *reason, time_t now, const char *id, struct daemon_err *err)
{
    sqlite3_stmt *st = NULL;
    enum daemon_status rc = prep(s, sql, &st, err);

    if (rc != DAEMON_OK)
        return rc;
    if (bind_text(st, 1, state) | bind_text(st, 2, by) | bind_text(st, 3, reason) |
        sqlite3_bind_int64(st, 4, (sqlite3_int64)now) | bind_text(st, 5, id))
        rc = db_fail(s, err, "recording the decision");
    else
        rc = step_done(s, st, "recording the decision", err);
    unprep(s, st);
    return rc;
}

enum daemon_status
store_outbox_decide(struct store *s, const char *id, enum store_out_state state, const char *by,
                    const char *reason, time_t now, const char *notice_id, const char *notice_typ,
                    const char *notice_from, const char *notice_jws, const struct store_event *ev,
                    int *again, struct daemon_err *err)
{
    enum store_out_state cur;
    enum store_kind kind;
    sqlite3_stmt *st = NULL;
    enum daemon_status rc;
    int r;

    if (state != STORE_ACCEPTED && state != STORE_REJECTED)
        return daemon_fail(err, DAEMON_EINVAL, "store_outbox_decide: not a decision");
    *again = 0;
    wlock(s);
    rc = begin(s, err);
    if (rc != DAEMON_OK)
        goto out;
    rc = out_state(s, id, &cur, &kind, err);
    if (rc == DAEMON_OK && kind != STORE_PACKET)
        rc = daemon_fail(err, DAEMON_ENOTFOUND, "no packet %s in the outbox", id);
    if (rc != DAEMON_OK)
        goto out;

    /* The same notice again (its sender did not see our answer): done already. */
    rc = prep(s, "SELECT 1 FROM notices_in WHERE id = ? AND packet = ?", &st, err);
    if (rc != DAEMON_OK)
        goto out;
    bind_text(st, 1, notice_id);
    bind_text(st, 2, id);
    r = sqlite3_step(st);
    unprep(s, st);
    st = NULL;
    if (r == SQLITE_ROW) {
        *again = 1;
        goto out;
    }
    if (r != SQLITE_DONE) {
        rc = db_fail(s, err, "reading the notices");
        goto out;
    }
    if (cur != STORE_DELIVERED) {
        rc = daemon_fail(err, DAEMON_ECONFLICT,
                         cur == STORE_QUEUED || cur == STORE_UNDELIVERABLE
                             ? "packet %s is %s here, not yet delivered: send the notice again "
                               "after its receipt"
                             : "packet %s is %s already",
                         id, store_out_state_name(cur));
        goto out;
    }
    rc = record_decision(s,
                         "UPDATE outbox SET state = ?, by_text = ?, reason = ?, decided = ? "
                         "WHERE id = ?",
                         store_out_state_name(state), by, reason, now, id, err);
    if (rc != DAEMON_OK)
        goto out;
    rc = prep(s,
              "INSERT INTO notices_in (id, typ, packet, from_oin, received, jws) "
              "VALUES (?, ?, ?, ?, ?, ?)",
              &st, err);
    if (rc != DAEMON_OK)
        goto out;
    if (bind_text(st, 1, notice_id) | bind_text(st, 2, notice_typ) | bind_text(st, 3, id) |
        bind_text(st, 4, notice_from) | sqlite3_bind_int64(st, 5, (sqlite3_int64)now) |
        bind_text(st, 6, notice_jws)) {
        rc = db_fail(s, err, "keeping the notice");
        goto out;
    }
    rc = step_done(s, st, "keeping the notice", err);
    if (rc == DAEMON_OK)
        rc = audit_insert(s, now, ev, err);
    if (rc == DAEMON_OK)
        rc = commit(s, err);
out:
    unprep(s, st);
    rollback(s); /* nothing to roll back after a commit; ends the read transaction of *again */
    wunlock(s);
    return rc;
}

/* ---- inbox ---- */

#define IN_COLS                                                                                    \
    "i.id, i.from_oin, i.form_type, i.purpose, i.basis, i.received, i.packet_sha256, i.receipt, "  \
    "i.state, i.by_text, i.reason, i.decided, i.key_id IS NULL, "                                  \
    "(SELECT o.state FROM outbox o WHERE o.answers = i.id AND o.kind = 'notice' "                  \
    "ORDER BY o.created DESC LIMIT 1), i.retain_until"

void
store_in_clear(struct store_in *in)
{
    if (in == NULL)
        return;
    free(in->form_type);
    free(in->purpose);
    free(in->basis);
    free(in->receipt);
    free(in->by);
    free(in->reason);
    memset(in, 0, sizeof *in);
}

void
store_in_free_list(struct store_in *items, size_t n)
{
    size_t i;

    for (i = 0; items != NULL && i < n; i++)
        store_in_clear(&items[i]);
    free(items);
}

static enum daemon_status
in_from_row(sqlite3_stmt *st, struct store_in *in, struct daemon_err *err)
{
    int oom = 0, state;

    memset(in, 0, sizeof *in);
    col_copy(st, 0, in->id, sizeof in->id);
    col_copy(st, 1, in->from, sizeof in->from);
    in->form_type = col_dup(st, 2, &oom);
    in->purpose = col_dup(st, 3, &oom);
    in->basis = col_dup(st, 4, &oom);
    in->received = col_time(st, 5);
    if (sqlite3_column_bytes(st, 6) == KEYS_SHA256_LEN)
        memcpy(in->sha256, sqlite3_column_blob(st, 6), KEYS_SHA256_LEN);
    in->receipt = col_dup(st, 7, &oom);
    state = state_from_name(in_states, sizeof in_states / sizeof in_states[0],
                            (const char *)sqlite3_column_text(st, 8));
    in->state = state < 0 ? STORE_NEW : (enum store_in_state)state;
    in->by = col_dup(st, 9, &oom);
    in->reason = col_dup(st, 10, &oom);
    in->decided = col_time(st, 11);
    in->erased = sqlite3_column_int(st, 12);
    in->notice_state = sqlite3_column_type(st, 13) == SQLITE_NULL
                           ? -1
                           : state_from_name(out_states, sizeof out_states / sizeof out_states[0],
                                             (const char *)sqlite3_column_text(st, 13));
    in->retain_until = col_time(st, 14);
    if (oom) {
        store_in_clear(in);
        return daemon_fail(err, DAEMON_ENOMEM, "out of memory reading the inbox");
    }
    return DAEMON_OK;
}

static enum daemon_status
in_reader(sqlite3_stmt *st, void *item, const void *arg, struct daemon_err *err)
{
    (void)arg;
    return in_from_row(st, item, err);
}

static void
in_freer(void *items, size_t n)
{
    store_in_free_list(items, n);
}

/* What is stored under id: called with the mutex held. */
static enum daemon_status
in_known(struct store *s, const char *id, const unsigned char sha256[KEYS_SHA256_LEN],
         enum store_receive *found, char **receipt, struct daemon_err *err)
{
    sqlite3_stmt *st = NULL;
    enum daemon_status rc =
        prep(s, "SELECT packet_sha256, receipt FROM inbox WHERE id = ?", &st, err);
    int r, oom = 0;

    if (rc != DAEMON_OK)
        return rc;
    bind_text(st, 1, id);
    r = sqlite3_step(st);
    if (r == SQLITE_DONE) {
        *found = STORE_RECEIVED_NEW;
    } else if (r != SQLITE_ROW) {
        rc = db_fail(s, err, "reading the inbox");
    } else if (sqlite3_column_bytes(st, 0) == KEYS_SHA256_LEN &&
               memcmp(sqlite3_column_blob(st, 0), sha256, KEYS_SHA256_LEN) == 0) {
        *found = STORE_RECEIVED_SAME;
        if (receipt != NULL) {
            *receipt = col_dup(st, 1, &oom);
            if (oom || *receipt == NULL)
                rc = daemon_fail(err, DAEMON_ENOMEM, "out of memory reading the inbox");
        }
    } else {
        *found = STORE_RECEIVED_OTHER;
    }
    unprep(s, st);
    return rc;
}

enum daemon_status
store_inbox_known(struct store *s, const char *id, const unsigned char sha256[KEYS_SHA256_LEN],
                  enum store_receive *found, char **receipt, struct daemon_err *err)
{
    enum daemon_status rc;

    s = reader(s);
    pthread_mutex_lock(&s->mu);
    rc = in_known(s, id, sha256, found, receipt, err);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

enum daemon_status
store_inbox_receive(struct store *s, const struct store_in *in, time_t now,
                    const unsigned char *content, size_t len, const struct store_event *ev,
                    enum store_receive *found, char **receipt, struct daemon_err *err)
{
    unsigned char rkey[STORE_KEY_BYTES], *ct = NULL, *wrapped = NULL;
    size_t ct_len = 0, wrapped_len = 0;
    sqlite3_stmt *st = NULL;
    enum daemon_status rc;

    if (s == NULL || in == NULL || content == NULL || in->receipt == NULL)
        return daemon_fail(err, DAEMON_EINVAL, "store_inbox_receive: NULL argument");
    /* The record key: random, used for this one record, kept only wrapped; the stack copy is
     * wiped on every path. */
    crypto_aead_xchacha20poly1305_ietf_keygen(rkey);
    rc = seal_blob(rkey, content, len, in->id, &ct, &ct_len, err);
    if (rc == DAEMON_OK)
        rc = seal_blob(s->key, rkey, STORE_KEY_BYTES, in->id, &wrapped, &wrapped_len, err);
    sodium_memzero(rkey, sizeof rkey);
    if (rc != DAEMON_OK)
        goto done;
    wlock(s);
    rc = begin(s, err);
    if (rc != DAEMON_OK)
        goto out;
    rc = in_known(s, in->id, in->sha256, found, receipt, err);
    if (rc != DAEMON_OK || *found != STORE_RECEIVED_NEW)
        goto out;
    rc = prep(s, "INSERT INTO record_keys (id, key) VALUES (?, ?)", &st, err);
    if (rc != DAEMON_OK)
        goto out;
    if (bind_text(st, 1, in->id) | bind_blob(st, 2, wrapped, wrapped_len)) {
        rc = db_fail(s, err, "storing the record key");
        goto out;
    }
    rc = step_done(s, st, "storing the record key", err);
    unprep(s, st);
    st = NULL;
    if (rc != DAEMON_OK)
        goto out;
    rc = prep(s,
              "INSERT INTO inbox (id, from_oin, form_type, purpose, basis, received, "
              "packet_sha256, receipt, state, content, key_id, retain_until) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'new', ?, ?, ?)",
              &st, err);
    if (rc != DAEMON_OK)
        goto out;
    if (bind_text(st, 1, in->id) | bind_text(st, 2, in->from) | bind_text(st, 3, in->form_type) |
        bind_text(st, 4, in->purpose) | bind_text(st, 5, in->basis) |
        sqlite3_bind_int64(st, 6, (sqlite3_int64)now) |
        bind_blob(st, 7, in->sha256, KEYS_SHA256_LEN) | bind_text(st, 8, in->receipt) |
        bind_blob(st, 9, ct, ct_len) | bind_text(st, 10, in->id) |
        bind_time(st, 11, in->retain_until)) {
        rc = db_fail(s, err, "storing the packet");
        goto out;
    }
    rc = step_done(s, st, "storing the packet", err);
    if (rc == DAEMON_OK)
        rc = audit_insert(s, now, ev, err);
    if (rc == DAEMON_OK)
        rc = commit(s, err);
out:
    unprep(s, st);
    rollback(s);
    wunlock(s);
done:
    free(ct);
    free(wrapped);
    return rc;
}

enum daemon_status
store_inbox_list(struct store *s, size_t max, struct store_in **items, size_t *n,
                 struct daemon_err *err)
{
    sqlite3_stmt *st = NULL;
    enum daemon_status rc;
    void *list = NULL;

    s = reader(s);
    pthread_mutex_lock(&s->mu);
    rc = prep(s, "SELECT " IN_COLS " FROM inbox i ORDER BY i.received DESC, i.rowid DESC LIMIT ?",
              &st, err);
    if (rc == DAEMON_OK) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)(max < STORE_LIST_MAX ? max : STORE_LIST_MAX));
        rc = read_rows(s, st, sizeof **items, in_reader, NULL, in_freer, "inbox", &list, n, err);
    }
    unprep(s, st);
    pthread_mutex_unlock(&s->mu);
    if (rc == DAEMON_OK)
        *items = list;
    return rc;
}

void
store_content_free(unsigned char *content)
{
    sodium_free(content);
}

/* ---- other components' tables ---- */

enum daemon_status
store_txn(struct store *s, int write, store_txn_fn fn, void *ctx, time_t now,
          const struct store_event *ev, size_t n_ev, struct daemon_err *err)
{
    enum daemon_status rc;
    size_t i;

    if (s == NULL || fn == NULL)
        return daemon_fail(err, DAEMON_EINVAL, "store_txn: NULL argument");
    if (!write) {
        /* On the reader: a snapshot of what is committed. */
        if (n_ev > 0)
            return daemon_fail(err, DAEMON_EINVAL, "store_txn: audit entries need a write");
        s = reader(s);
        pthread_mutex_lock(&s->mu);
        rc = exec(s, "BEGIN", "starting a transaction", err);
        if (rc == DAEMON_OK) {
            rc = fn(ctx, s->db, s->key, err);
            sqlite3_exec(s->db, rc == DAEMON_OK ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
        }
        pthread_mutex_unlock(&s->mu);
        return rc;
    }
    wlock(s);
    rc = begin(s, err);
    if (rc == DAEMON_OK)
        rc = fn(ctx, s->db, s->key, err);
    for (i = 0; rc == DAEMON_OK && i < n_ev; i++)
        rc = audit_insert(s, now, &ev[i], err);
    if (rc == DAEMON_OK)
        rc = commit(s, err);
    rollback(s);
    wunlock(s);
    return rc;
}

enum daemon_status
store_wal_truncate(struct store *s, struct daemon_err *err)
{
    enum daemon_status rc = DAEMON_OK;

    if (s == NULL)
        return daemon_fail(err, DAEMON_EINVAL, "store_wal_truncate: NULL argument");
    pthread_mutex_lock(&s->mu);
    settle(s);
    if (sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) != SQLITE_OK)
        rc = db_fail(s, err, "truncating the write-ahead log");
    pthread_mutex_unlock(&s->mu);
    return rc;
}

enum daemon_status
store_blob_seal(const unsigned char *key, const unsigned char *pt, size_t len, const char *ad,
                unsigned char **out, size_t *out_len, struct daemon_err *err)
{
    return seal_blob(key, pt, len, ad, out, out_len, err);
}

int
store_blob_open(const unsigned char *key, const unsigned char *blob, size_t len, const char *ad,
                unsigned char **pt, size_t *pt_len)
{
    unsigned char *buf;

    if (blob == NULL || len < STORE_NONCE_BYTES + STORE_TAG_BYTES)
        return -1;
    buf = sodium_malloc(len - STORE_NONCE_BYTES - STORE_TAG_BYTES + 1);
    if (buf == NULL)
        return -1;
    if (open_blob(key, blob, len, ad, buf, pt_len) != 0) {
        sodium_free(buf);
        return -1;
    }
    buf[*pt_len] = '\0';
    *pt = buf;
    return 0;
}

/* Decrypts the content of row id (the mutex held): its record key, unwrapped with the store
 * key, opens it. */
static enum daemon_status
in_content(struct store *s, const char *id, unsigned char **content, size_t *len,
           struct daemon_err *err)
{
    unsigned char *rkey = NULL, *pt = NULL;
    size_t klen = 0, plen = 0, blen;
    sqlite3_stmt *st = NULL;
    enum daemon_status rc;
    int r;

    rc = prep(s,
              "SELECT k.key, i.content FROM inbox i JOIN record_keys k ON k.id = i.key_id "
              "WHERE i.id = ?",
              &st, err);
    if (rc != DAEMON_OK)
        return rc;
    bind_text(st, 1, id);
    r = sqlite3_step(st);
    if (r == SQLITE_DONE) {
        rc = daemon_fail(err, DAEMON_EREFUSED,
                         "the content of packet %s was erased: its key was destroyed", id);
        goto out;
    }
    if (r != SQLITE_ROW) {
        rc = db_fail(s, err, "reading the inbox");
        goto out;
    }
    rkey = sodium_malloc(STORE_KEY_BYTES + STORE_TAG_BYTES);
    blen = (size_t)sqlite3_column_bytes(st, 1);
    pt = sodium_malloc(blen + 1);
    if (rkey == NULL || pt == NULL) {
        rc = daemon_fail(err, DAEMON_ENOMEM, "no guarded memory to decrypt a record");
        goto out;
    }
    if (sqlite3_column_bytes(st, 0) != STORE_NONCE_BYTES + STORE_KEY_BYTES + STORE_TAG_BYTES ||
        open_blob(s->key, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), id, rkey,
                  &klen) != 0 ||
        klen != STORE_KEY_BYTES ||
        open_blob(rkey, sqlite3_column_blob(st, 1), blen, id, pt, &plen) != 0) {
        rc = daemon_fail(err, DAEMON_ESTORE,
                         "the stored content of packet %s does not decrypt: the database was "
                         "damaged or changed outside batond",
                         id);
        goto out;
    }
    pt[plen] = '\0';
    *content = pt;
    *len = plen;
    pt = NULL;
out:
    unprep(s, st);
    sodium_free(rkey);
    sodium_free(pt);
    return rc;
}

enum daemon_status
store_inbox_get(struct store *s, const char *id, struct store_in *out, unsigned char **content,
                size_t *len, struct daemon_err *err)
{
    sqlite3_stmt *st = NULL;
    enum daemon_status rc;
    struct store_in row;
    int r;

    s = reader(s);
    pthread_mutex_lock(&s->mu);
    rc = prep(s, "SELECT " IN_COLS " FROM inbox i WHERE i.id = ?", &st, err);
    if (rc != DAEMON_OK)
        goto out;
    bind_text(st, 1, id);
    r = sqlite3_step(st);
    if (r == SQLITE_DONE) {
        rc = daemon_fail(err, DAEMON_ENOTFOUND, "no packet %s in the inbox", id);
        goto out;
    }
    if (r != SQLITE_ROW) {
        rc = db_fail(s, err, "reading the inbox");
        goto out;
    }
    rc = in_from_row(st, &row, err);
    if (rc != DAEMON_OK)
        goto out;
    if (content != NULL) {
        rc = in_content(s, id, content, len, err);
        if (rc != DAEMON_OK) {
            store_in_clear(&row);
            goto out;
        }
    }
    *out = row;
out:
    unprep(s, st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

enum daemon_status
store_inbox_decide(struct store *s, const char *id, enum store_in_state state, const char *by,
                   const char *reason, time_t now, const struct store_out *notice,
                   const struct store_event *ev, struct daemon_err *err)
{
    sqlite3_stmt *st = NULL;
    enum daemon_status rc;
    int r, cur = -1;

    if (state != STORE_IN_ACCEPTED && state != STORE_IN_REJECTED)
        return daemon_fail(err, DAEMON_EINVAL, "store_inbox_decide: not a decision");
    wlock(s);
    rc = begin(s, err);
    if (rc != DAEMON_OK)
        goto out;
    rc = prep(s, "SELECT state FROM inbox WHERE id = ?", &st, err);
    if (rc != DAEMON_OK)
        goto out;
    bind_text(st, 1, id);
    r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        cur = state_from_name(in_states, sizeof in_states / sizeof in_states[0],
                              (const char *)sqlite3_column_text(st, 0));
    unprep(s, st);
    st = NULL;
    if (r == SQLITE_DONE) {
        rc = daemon_fail(err, DAEMON_ENOTFOUND, "no packet %s in the inbox", id);
        goto out;
    }
    if (r != SQLITE_ROW) {
        rc = db_fail(s, err, "reading the inbox");
        goto out;
    }
    if (cur != STORE_NEW) {
        rc = daemon_fail(err, DAEMON_ECONFLICT, "packet %s was %s already; a decision is final", id,
                         store_in_state_name((enum store_in_state)cur));
        goto out;
    }
    rc = record_decision(s,
                         "UPDATE inbox SET state = ?, by_text = ?, reason = ?, decided = ? "
                         "WHERE id = ?",
                         store_in_state_name(state), by, reason, now, id, err);
    if (rc != DAEMON_OK)
        goto out;
    rc = prep(s,
              "INSERT INTO outbox (id, kind, to_oin, form_type, answers, state, created, "
              "next_attempt, attempts, body) VALUES (?, 'notice', ?, ?, ?, 'queued', ?, ?, 0, ?)",
              &st, err);
    if (rc != DAEMON_OK)
        goto out;
    if (bind_text(st, 1, notice->id) | bind_text(st, 2, notice->to) |
        bind_text(st, 3, notice->form_type) | bind_text(st, 4, id) |
        sqlite3_bind_int64(st, 5, (sqlite3_int64)now) |
        sqlite3_bind_int64(st, 6, (sqlite3_int64)now) |
        bind_blob(st, 7, notice->body, notice->body_len)) {
        rc = db_fail(s, err, "queueing the notice");
        goto out;
    }
    rc = step_done(s, st, "queueing the notice", err);
    if (rc == DAEMON_OK)
        rc = audit_insert(s, now, ev, err);
    if (rc == DAEMON_OK)
        rc = commit(s, err);
out:
    unprep(s, st);
    rollback(s);
    wunlock(s);
    return rc;
}

enum daemon_status
store_inbox_erase(struct store *s, const char *id, time_t now, const struct store_event *ev,
                  struct daemon_err *err)
{
    sqlite3_stmt *st = NULL;
    enum daemon_status rc;
    int r;

    wlock(s);
    rc = begin(s, err);
    if (rc != DAEMON_OK)
        goto out;
    rc = prep(s, "SELECT 1 FROM inbox WHERE id = ?", &st, err);
    if (rc != DAEMON_OK)
        goto out;
    bind_text(st, 1, id);
    r = sqlite3_step(st);
    unprep(s, st);
    st = NULL;
    if (r != SQLITE_ROW) {
        rc = r == SQLITE_DONE ? daemon_fail(err, DAEMON_ENOTFOUND, "no packet %s in the inbox", id)
                              : db_fail(s, err, "reading the inbox");
        goto out;
    }
    /* The key goes (the foreign key sets inbox.key_id to NULL); the ciphertext with it, so
     * that nothing is left to attack should the store key ever leak. */
    rc = prep(s, "DELETE FROM record_keys WHERE id = (SELECT key_id FROM inbox WHERE id = ?)", &st,
              err);
    if (rc != DAEMON_OK)
        goto out;
    bind_text(st, 1, id);
    rc = step_done(s, st, "destroying the record key", err);
    unprep(s, st);
    st = NULL;
    if (rc == DAEMON_OK)
        rc = prep(s, "UPDATE inbox SET content = NULL, key_id = NULL WHERE id = ?", &st, err);
    if (rc == DAEMON_OK) {
        bind_text(st, 1, id);
        rc = step_done(s, st, "erasing the content", err);
    }
    if (rc == DAEMON_OK)
        rc = audit_insert(s, now, ev, err);
    if (rc == DAEMON_OK)
        rc = commit(s, err);
    /* Old pages with the key may sit in the write-ahead log until a checkpoint copies the
     * overwritten ones back; a truncating checkpoint leaves none behind. */
    if (rc == DAEMON_OK)
        sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
out:
    unprep(s, st);
    rollback(s);
    wunlock(s);
    return rc;
}

/* ---- audit ---- */

enum daemon_status
store_audit_add(struct store *s, time_t now, const struct store_event *ev, struct daemon_err *err)
{
    enum daemon_status rc;

    wlock(s);
    rc = begin(s, err);
    if (rc == DAEMON_OK)
        rc = audit_insert(s, now, ev, err);
    if (rc == DAEMON_OK)
        rc = commit(s, err);
    rollback(s);
    wunlock(s);
    return rc;
}

static void
store_audit_free_one(struct store_audit *e)
{
    free(e->event);
    free(e->packet);
    free(e->peer);
    free(e->detail);
    free(e->subject);
    free(e->actor);
    memset(e, 0, sizeof *e);
}

void
store_audit_free(struct store_audit *items, size_t n)
{
    size_t i;

    for (i = 0; items != NULL && i < n; i++)
        store_audit_free_one(&items[i]);
    free(items);
}

static void
audit_freer(void *items, size_t n)
{
    store_audit_free(items, n);
}

/* A row of (seq, at, event, packet, peer, detail, subject, actor, hash). */
static enum daemon_status
audit_reader(sqlite3_stmt *st, void *item, const void *arg, struct daemon_err *err)
{
    struct store_audit *e = item;
    int oom = 0;

    (void)arg;
    memset(e, 0, sizeof *e);
    e->seq = sqlite3_column_int64(st, 0);
    e->at = col_time(st, 1);
    e->event = col_dup(st, 2, &oom);
    e->packet = col_dup(st, 3, &oom);
    e->peer = col_dup(st, 4, &oom);
    e->detail = col_dup(st, 5, &oom);
    e->subject = col_dup(st, 6, &oom);
    e->actor = col_dup(st, 7, &oom);
    if (sqlite3_column_bytes(st, 8) == STORE_HASH_BYTES)
        memcpy(e->hash, sqlite3_column_blob(st, 8), STORE_HASH_BYTES);
    if (oom) {
        store_audit_free_one(e);
        return daemon_fail(err, DAEMON_ENOMEM, "out of memory reading the audit trail");
    }
    return DAEMON_OK;
}

enum daemon_status
store_audit_list(struct store *s, const char *packet, size_t max, struct store_audit **items,
                 size_t *n, struct daemon_err *err)
{
    sqlite3_stmt *st = NULL;
    enum daemon_status rc;
    void *list = NULL;

    s = reader(s);
    pthread_mutex_lock(&s->mu);
    rc = prep(s,
              packet != NULL
                  ? "SELECT * FROM (SELECT seq, at, event, packet, peer, detail, subject, actor, "
                    "hash FROM audit WHERE packet = ?2 ORDER BY seq DESC LIMIT ?1) ORDER BY seq"
                  : "SELECT * FROM (SELECT seq, at, event, packet, peer, detail, subject, actor, "
                    "hash FROM audit ORDER BY seq DESC LIMIT ?1) ORDER BY seq",
              &st, err);
    if (rc == DAEMON_OK) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)(max < STORE_LIST_MAX ? max : STORE_LIST_MAX));
        if (packet != NULL)
            bind_text(st, 2, packet);
        rc = read_rows(s, st, sizeof **items, audit_reader, NULL, audit_freer, "audit trail", &list,
                       n, err);
    }
    unprep(s, st);
    pthread_mutex_unlock(&s->mu);
    if (rc == DAEMON_OK)
        *items = list;
    return rc;
}

/* Rows of the count queries: (state, count, overdue) for the outbox, (state, count) for the
 * inbox, (entries) for the audit chain, whose seq runs from 1 without gaps. */
#define COUNTS_OUT_SQL                                                                             \
    "SELECT state, count(*), sum(state = 'delivered' AND delivered < ?1) FROM outbox "             \
    "WHERE kind = 'packet' GROUP BY state"
#define COUNTS_IN_SQL "SELECT state, count(*) FROM inbox GROUP BY state"
#define COUNTS_AUDIT_SQL "SELECT coalesce(max(seq), 0) FROM audit"

enum daemon_status
store_counts(struct store *s, time_t overdue_before, struct store_counts *out,
             struct daemon_err *err)
{
    struct store_counts c = {0};
    sqlite3_stmt *st = NULL;
    enum daemon_status rc;
    int r = SQLITE_DONE, v;

    if (s == NULL || out == NULL)
        return daemon_fail(err, DAEMON_EINVAL, "store_counts: NULL argument");
    c.read_only = sqlite3_db_readonly(s->db, "main") == 1; /* the writer's connection */
    s = reader(s);
    pthread_mutex_lock(&s->mu);
    rc = exec(s, "BEGIN", "starting a transaction", err);
    if (rc != DAEMON_OK)
        goto out;
    rc = prep(s, COUNTS_OUT_SQL, &st, err);
    if (rc != DAEMON_OK)
        goto out;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)(overdue_before > 0 ? overdue_before : 0));
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        v = state_from_name(out_states, sizeof out_states / sizeof out_states[0],
                            (const char *)sqlite3_column_text(st, 0));
        if (v >= 0)
            c.out[v] = sqlite3_column_int64(st, 1);
        c.overdue += sqlite3_column_int64(st, 2);
    }
    unprep(s, st);
    st = NULL;
    if (r != SQLITE_DONE) {
        rc = db_fail(s, err, "counting the outbox");
        goto out;
    }
    rc = prep(s, COUNTS_IN_SQL, &st, err);
    if (rc != DAEMON_OK)
        goto out;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        v = state_from_name(in_states, sizeof in_states / sizeof in_states[0],
                            (const char *)sqlite3_column_text(st, 0));
        if (v >= 0)
            c.in[v] = sqlite3_column_int64(st, 1);
    }
    unprep(s, st);
    st = NULL;
    if (r != SQLITE_DONE) {
        rc = db_fail(s, err, "counting the inbox");
        goto out;
    }
    rc = prep(s, COUNTS_AUDIT_SQL, &st, err);
    if (rc != DAEMON_OK)
        goto out;
    r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        c.audit = sqlite3_column_int64(st, 0);
    else
        rc = db_fail(s, err, "counting the audit trail");
out:
    unprep(s, st);
    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    pthread_mutex_unlock(&s->mu);
    if (rc == DAEMON_OK)
        *out = c;
    return rc;
}
