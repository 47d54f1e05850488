/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * The daemon's store (internal to the daemon library): one SQLite file holding the outbox, the
 * inbox with its content encrypted at rest, the notices received and the audit trail. Every
 * function that changes state commits that change and its audit entries in one transaction, or
 * changes nothing.
 *
 * Threads: a store may be used from any number of threads; calls are serialised by a mutex (the
 * volumes are tens to thousands of forms a year, so one connection is plenty).
 */
#ifndef BATON_DAEMON_STORE_H
#define BATON_DAEMON_STORE_H

#include <stddef.h>
#include <time.h>

#include "daemon.h"
#include "keys.h"

/* The schema version this build writes (PRAGMA user_version); store_open migrates older files. */
#define STORE_SCHEMA_VERSION 4
/* Bytes of an audit chain hash (SHA-256). */
#define STORE_HASH_BYTES 32
/* The store key and every record key: XChaCha20-Poly1305 keys. */
#define STORE_KEY_BYTES 32
/* The most rows a listing returns; the admin API asks for fewer. */
#define STORE_LIST_MAX 10000

struct store;

/* What an outbox row carries. */
enum store_kind {
    STORE_PACKET = 0, /* a sealed form (JWE) for another organisation */
    STORE_NOTICE = 1, /* a signed notice (JWS): acceptance or rejection of a packet we received */
};

/* States of an outbox row. A notice goes queued -> delivered (or undeliverable); a packet may go
 * on to accepted or rejected when its recipient's notice arrives. */
enum store_out_state {
    STORE_QUEUED = 0,
    STORE_DELIVERED,
    STORE_ACCEPTED,
    STORE_REJECTED,
    STORE_UNDELIVERABLE,
};

/* States of an inbox row. */
enum store_in_state {
    STORE_NEW = 0,
    STORE_IN_ACCEPTED,
    STORE_IN_REJECTED,
};

const char *store_out_state_name(enum store_out_state st); /* "queued", ... */
const char *store_in_state_name(enum store_in_state st);   /* "new", ... */

/* One audit entry to write: metadata only, never form content. Strings borrowed; packet, peer
 * and detail may be NULL. */
struct store_event {
    const char *event;   /* "submitted", "delivered", "received", "refused", ... */
    const char *packet;  /* the packet id it is about */
    const char *peer;    /* the other organisation's OIN */
    const char *detail;  /* a short text for people, never form content */
    const char *subject; /* the young person's keyed pseudonym (core_pseudonym), or NULL */
    const char *actor;   /* who did it: a local user or token with its role, or NULL (batond) */
};

/* One outbox row. The strings are owned (malloc) when the store fills the struct (release with
 * store_out_clear); borrowed when the caller passes one in. */
struct store_out {
    char id[KEYS_UUID_LEN + 1]; /* the packet id (packets) or the notice's own id (notices) */
    enum store_kind kind;
    char to[KEYS_OIN_LEN + 1];
    char *form_type;  /* packets: the form's "$schema"; notices: the notice's typ */
    char *purpose;    /* packets only */
    char *basis;      /* packets only */
    char *answers;    /* notices: the packet id they answer; packets: the packet followed up */
    char *consent_id; /* packets under basis consent: the consent record's id; else NULL */
    enum store_out_state state;
    time_t created;
    /* Packets: the submit in milliseconds since the epoch, for the latency histogram; 0 when not
     * known (notices, and packets queued before schema version 4). */
    long long created_ms;
    time_t next_attempt; /* queued rows: when to try next */
    long attempts;
    char *last_error;  /* the last failed attempt's reason, or NULL */
    time_t delivered;  /* 0: not (yet) */
    time_t decided;    /* 0: not (yet) */
    char *by, *reason; /* from the recipient's acceptance or rejection */
    char *body;        /* the sealed packet or the notice: what is POSTed */
    size_t body_len;
    char *receipt; /* packets: the recipient's receipt JWS once delivered */
};

/* One inbox row. Strings owned by the struct when the store fills it (store_in_clear). */
struct store_in {
    char id[KEYS_UUID_LEN + 1];
    char from[KEYS_OIN_LEN + 1];
    char *form_type;
    char *purpose;
    char *basis;
    time_t received;
    unsigned char sha256[KEYS_SHA256_LEN]; /* of the packet's bytes */
    char *receipt;                         /* the receipt we signed */
    enum store_in_state state;
    char *by, *reason;
    time_t decided;
    int erased; /* 1: the record key is gone; the content can no longer be read */
    /* When retention erases the content (received + the covenant's period for the form type);
     * 0: no period known (store_inbox_receive stores NULL). */
    time_t retain_until;
    /* Listings: the state of the acceptance or rejection notice we sent back, or -1 when none. */
    int notice_state;
};

/* One audit entry as stored. Strings owned (store_audit_free). */
struct store_audit {
    long long seq;
    time_t at;
    char *event, *packet, *peer, *detail, *subject, *actor;
    unsigned char hash[STORE_HASH_BYTES]; /* the chain hash stored with it (store_audit_hash) */
};

/*
 * Opens (creating when absent) the store at path for the organisation oin, with the store key
 * (borrowed, copied into guarded memory). Sets WAL, synchronous=FULL, foreign keys and a busy
 * timeout, then checks that the file is baton's: DAEMON_ESTORE with a message that says what it
 * is instead when it is not an SQLite database, an SQLite database of another application (other
 * tables, another application id), written by a newer batond (higher user_version), of another
 * organisation, or encrypted under another store key. Older schema versions are migrated. On
 * error *out is untouched and no file was changed (except that SQLite may create an empty one).
 */
enum daemon_status store_open(const char *path, const char *oin,
                              const unsigned char key[STORE_KEY_BYTES], struct store **out,
                              struct daemon_err *err);

/* Closes the database (after the transaction in progress) and wipes the key. NULL is allowed. */
void store_close(struct store *s);

/* ---- outbox ---- */

/* Inserts o (borrowed; state queued, attempts 0) and the audit entries ev[0..n_ev) at time now,
 * in one transaction. DAEMON_ECONFLICT when the id exists. */
enum daemon_status store_outbox_add(struct store *s, const struct store_out *o, time_t now,
                                    const struct store_event *ev, size_t n_ev,
                                    struct daemon_err *err);

/* The queued rows due at now (next_attempt <= now), oldest first, at most max, into *items
 * (store_out_free_list); *n their number; their bodies only with with_body (else body is NULL).
 * *next_due (may be NULL): the earliest next_attempt of the queued rows not returned, or 0 when
 * there is none. */
enum daemon_status store_outbox_due(struct store *s, time_t now, size_t max, int with_body,
                                    struct store_out **items, size_t *n, time_t *next_due,
                                    struct daemon_err *err);

/* The row id (of either kind) into *out (store_out_clear). DAEMON_ENOTFOUND when none. */
enum daemon_status store_outbox_get(struct store *s, const char *id, struct store_out *out,
                                    struct daemon_err *err);

/* The packets of the outbox (not the notices), newest first, at most max. The body (the sealed
 * packet) is not read: body is NULL. */
enum daemon_status store_outbox_list(struct store *s, size_t max, struct store_out **items,
                                     size_t *n, struct daemon_err *err);

/* A queued row was delivered at now: state delivered, the receipt (packets; NULL for notices)
 * kept, and ev written. DAEMON_ECONFLICT (nothing changed) when the row is not queued. */
enum daemon_status store_outbox_delivered(struct store *s, const char *id, time_t now,
                                          const char *receipt, const struct store_event *ev,
                                          struct daemon_err *err);

/* A delivery attempt failed: attempts + 1, last_error, and the next attempt at next. */
enum daemon_status store_outbox_retry(struct store *s, const char *id, time_t next,
                                      const char *last_error, struct daemon_err *err);

/* Puts off a queued row until next without counting an attempt (its peer just failed another
 * row's attempt). */
enum daemon_status store_outbox_defer(struct store *s, const char *id, time_t next,
                                      struct daemon_err *err);

/* The retry window has passed: state undeliverable, last_error, and ev, in one transaction.
 * DAEMON_ECONFLICT when the row is not queued. */
enum daemon_status store_outbox_undeliverable(struct store *s, const char *id, time_t now,
                                              const char *last_error, const struct store_event *ev,
                                              struct daemon_err *err);

/* A verified acceptance or rejection of our delivered packet id: state (STORE_ACCEPTED or
 * STORE_REJECTED), by and reason (may be NULL), decided = now, and the notice (its id, typ, the
 * sender's OIN and its JWS) kept in notices_in, with ev, in one transaction. The same notice
 * again is DAEMON_OK with *again = 1 and nothing written. DAEMON_ENOTFOUND: no such packet of
 * ours; DAEMON_ECONFLICT: the packet is not (yet) delivered, or decided already by another
 * notice (err says which). */
enum daemon_status store_outbox_decide(struct store *s, const char *id, enum store_out_state state,
                                       const char *by, const char *reason, time_t now,
                                       const char *notice_id, const char *notice_typ,
                                       const char *notice_from, const char *notice_jws,
                                       const struct store_event *ev, int *again,
                                       struct daemon_err *err);

void store_out_clear(struct store_out *o);
void store_out_free_list(struct store_out *items, size_t n);

/* ---- inbox ---- */

/* What store_inbox_receive found. */
enum store_receive {
    STORE_RECEIVED_NEW = 0, /* stored now */
    STORE_RECEIVED_SAME,    /* the same bytes were stored before: here is their receipt */
    STORE_RECEIVED_OTHER,   /* another packet is stored under this id: nothing stored */
};

/* Looks up packet id: STORE_RECEIVED_NEW when unknown, _SAME with *receipt (malloc) when stored
 * with the digest sha256, _OTHER when stored with another digest. */
enum daemon_status store_inbox_known(struct store *s, const char *id,
                                     const unsigned char sha256[KEYS_SHA256_LEN],
                                     enum store_receive *found, char **receipt,
                                     struct daemon_err *err);

/*
 * Stores a received packet: the row in (borrowed; state new), its content[0..len) encrypted
 * under a new random record key (itself wrapped with the store key), the receipt in->receipt and
 * ev, in one transaction, at time now. If the id is known already nothing is written and *found
 * says how (with the stored receipt for _SAME, as store_inbox_known); else *found is _NEW.
 */
enum daemon_status store_inbox_receive(struct store *s, const struct store_in *in, time_t now,
                                       const unsigned char *content, size_t len,
                                       const struct store_event *ev, enum store_receive *found,
                                       char **receipt, struct daemon_err *err);

/* The inbox, newest first, at most max (store_in_free_list). */
enum daemon_status store_inbox_list(struct store *s, size_t max, struct store_in **items, size_t *n,
                                    struct daemon_err *err);

/* The row id into *out (store_in_clear) and, when content is not NULL, its decrypted content
 * in *content (sodium_malloc'd, NUL-terminated, *len bytes; release with store_content_free).
 * DAEMON_ENOTFOUND; DAEMON_EREFUSED when the content was erased (*content untouched). */
enum daemon_status store_inbox_get(struct store *s, const char *id, struct store_in *out,
                                   unsigned char **content, size_t *len, struct daemon_err *err);

/* Wipes and frees content from store_inbox_get. NULL is allowed. */
void store_content_free(unsigned char *content);

/*
 * A caseworker's decision on the new inbox row id: state (STORE_IN_ACCEPTED or _REJECTED), by,
 * reason (may be NULL), decided = now, the signed notice (borrowed, kind STORE_NOTICE) queued in
 * the outbox, and ev, in one transaction. DAEMON_ENOTFOUND; DAEMON_ECONFLICT when the row is not
 * new (err names its state).
 */
enum daemon_status store_inbox_decide(struct store *s, const char *id, enum store_in_state state,
                                      const char *by, const char *reason, time_t now,
                                      const struct store_out *notice, const struct store_event *ev,
                                      struct daemon_err *err);

/* Erases the content of row id by destroying its record key, with ev. The row's metadata stays.
 * DAEMON_ENOTFOUND. Erasing twice is not an error. */
enum daemon_status store_inbox_erase(struct store *s, const char *id, time_t now,
                                     const struct store_event *ev, struct daemon_err *err);

void store_in_clear(struct store_in *in);
void store_in_free_list(struct store_in *items, size_t n);

/* ---- other components' tables (consent.c) ---- */

struct sqlite3;

/* Work done by store_txn inside the store's lock and one transaction: db is the connection, key
 * the store key (readable for store_blob_seal/_open). A status other than DAEMON_OK rolls back. */
typedef enum daemon_status (*store_txn_fn)(void *ctx, struct sqlite3 *db, const unsigned char *key,
                                           struct daemon_err *err);

/* Runs fn in one transaction (write: BEGIN IMMEDIATE; else a read transaction), then, when it
 * succeeded, the audit entries ev[0..n_ev) at now in the same transaction, and commits. */
enum daemon_status store_txn(struct store *s, int write, store_txn_fn fn, void *ctx, time_t now,
                             const struct store_event *ev, size_t n_ev, struct daemon_err *err);

/* Copies the write-ahead log into the database file and truncates it, so that the pages of a
 * record key destroyed through store_txn do not linger in the log (store_inbox_erase does this
 * itself). DAEMON_ESTORE when SQLite could not (e.g. a reader held the log). */
enum daemon_status store_wal_truncate(struct store *s, struct daemon_err *err);

/* nonce || XChaCha20-Poly1305(pt, AD = ad) under key (from store_txn_fn), malloc'd. */
enum daemon_status store_blob_seal(const unsigned char *key, const unsigned char *pt, size_t len,
                                   const char *ad, unsigned char **out, size_t *out_len,
                                   struct daemon_err *err);

/* The inverse into a new sodium_malloc'd NUL-terminated buffer (store_content_free). 0 on success,
 * -1 when the blob does not open under key and ad. */
int store_blob_open(const unsigned char *key, const unsigned char *blob, size_t len, const char *ad,
                    unsigned char **pt, size_t *pt_len);

/* ---- audit ---- */

/*
 * The audit chain: the hash of entry e is SHA-256 over a fixed label, the hash of the entry
 * before it (prev; 32 zero bytes for the first), e's seq and time as 64-bit big-endian numbers,
 * then event, packet, peer, subject, actor and detail, each as a 32-bit big-endian length and
 * its bytes (0xffffffff for NULL, so that NULL and "" differ). An entry changed, removed,
 * inserted or moved changes every hash after it. Reads e's fields only (not e->hash).
 */
void store_audit_hash(const unsigned char prev[STORE_HASH_BYTES], const struct store_audit *e,
                      unsigned char out[STORE_HASH_BYTES]);

/* For store_txn's work functions: appends ev at now to the chain on db (inside the transaction). */
enum daemon_status store_audit_append(struct sqlite3 *db, time_t now, const struct store_event *ev,
                                      struct daemon_err *err);

/* Appends one entry at time now in its own transaction. */
enum daemon_status store_audit_add(struct store *s, time_t now, const struct store_event *ev,
                                   struct daemon_err *err);

/* The last max entries (all packets when packet is NULL, else those about packet), in order of
 * seq, into *items (store_audit_free). */
enum daemon_status store_audit_list(struct store *s, const char *packet, size_t max,
                                    struct store_audit **items, size_t *n, struct daemon_err *err);

void store_audit_free(struct store_audit *items, size_t n);

/* ---- figures (metrics.c) ---- */

/* The store's figures at one moment (one read transaction). */
struct store_counts {
    long long out[STORE_UNDELIVERABLE + 1]; /* outbox packets (not notices) by state */
    long long in[STORE_IN_REJECTED + 1];    /* inbox rows by state */
    long long overdue;                      /* delivered packets with delivered < overdue_before */
    long long audit;                        /* entries in the audit chain */
    int read_only;                          /* 1: SQLite opened the file read-only */
};

/* Counts the handovers by state, the overdue ones (delivered, not decided, delivered before
 * overdue_before; none when overdue_before is 0) and the audit chain's entries into *out, on
 * the reader connection. On error *out is untouched. */
enum daemon_status store_counts(struct store *s, time_t overdue_before, struct store_counts *out,
                                struct daemon_err *err);

#endif
