/* SPDX-License-Identifier: EUPL-1.2 */
/* The privacy officer's side of batond: the audit chain's checkpoints and verification, reports,
 * retention, and the admin endpoints for them. Internal to daemon/. */
#ifndef BATON_DAEMON_AUDIT_H
#define BATON_DAEMON_AUDIT_H

#include <stdatomic.h>

#include "core.h"
#include "http.h"

/* ---- audit.c: the chain's checkpoints, verification, listing with filters ---- */

/* Answers the admin API's /v1/audit requests; 0 when the request is not one of them:
 *   GET /v1/audit?from=&until=&peer=&event=&subject=&packet=&limit=   entries, filtered
 *   GET /v1/audit/verify?checkpoint=JWS...&progress=ID  (or POST {"checkpoints":[JWS...]},
 *       ?progress=ID): ID, the asker's own, names the verification while it runs
 *   GET /v1/audit/verify/progress?id=ID      how far that verification got: entries walked of all
 *   GET /v1/audit/checkpoints[?peer=OIN]     our checkpoints, or those a peer sent us */
int core_audit_admin(struct daemon *d, const struct http_request *req, struct http_reply *reply);

/* How far a verification got, for whoever asks while it runs (another thread). */
struct core_audit_progress {
    atomic_llong done;  /* entries walked so far */
    atomic_llong total; /* entries to walk (the last entry's seq); 0 until known */
};

/* Seconds between two checkpoints while the chain grows (one is also signed at start and at a
 * clean stop): what a peer keeps of our chain is at most this much behind. */
#define CORE_CHECKPOINT_S 60
/* Checkpoints a verification takes from outside (peers' copies of ours). */
#define CORE_AUDIT_MAX_EXTRA 10000

/* What core_audit_verify_db found. */
struct core_audit_check {
    int intact;          /* 1: every entry chains, every checkpoint verifies and matches */
    long long entries;   /* entries in the audit table */
    size_t checkpoints;  /* checkpoints checked: the store's and those given */
    long long last_size; /* the largest checkpoint that holds: its size and time; 0: none */
    time_t last_at;
    long long bad_seq;        /* not intact: the seq of the first bad entry */
    long long bad_checkpoint; /* not intact because of a checkpoint: its size; else 0 */
    char kind[24];     /* "changed", "missing", "out-of-order", "inserted", "cut", "rewritten",
                          "checkpoint-invalid" */
    char problem[700]; /* not intact: what is wrong, for people */
};

/*
 * Verifies the audit chain on db (read inside one read transaction): every entry, in order of
 * seq from 1 without gaps, must carry the hash store_audit_hash gives over it and the hash before
 * it; then every checkpoint (the table's and extra[0..n_extra), compact JWS strings such as peers
 * kept) must verify with trust as signed by oin, and its size and head must match the entry of
 * that seq (a size beyond the last entry: the log was cut back). A text column holding a NUL
 * (baton never writes one) counts as changed. *out says intact or the first problem (lowest
 * seq). DAEMON_ESTORE when the database cannot be read; *out is filled only on DAEMON_OK.
 * progress (NULL: none) is kept up to date as the walk goes, for another thread to read.
 */
enum daemon_status core_audit_verify_db(struct sqlite3 *db, const char *oin,
                                        const struct keys_trust *trust, const char *const *extra,
                                        size_t n_extra, struct core_audit_progress *progress,
                                        struct core_audit_check *out, struct daemon_err *err);

/* The chain alone, in memory: items[0..n) (as store_audit_list gives them, in order of seq)
 * after the hash prev, each entry's hash recomputed as store_audit_hash does and compared. 0 when
 * all hold; else the seq of the first entry that does not (or that does not follow the one before
 * it); -1 when out of memory. For benchmarks and tests; core_audit_verify_db walks the store. */
long long core_audit_chain_check(const unsigned char prev[STORE_HASH_BYTES],
                                 const struct store_audit *items, size_t n);

/* core_audit_verify_db on the store file at path, in a read-only connection of its own (so that
 * the daemon goes on writing meanwhile). */
enum daemon_status core_audit_verify_file(const char *path, const char *oin,
                                          const struct keys_trust *trust, const char *const *extra,
                                          size_t n_extra, struct core_audit_progress *progress,
                                          struct core_audit_check *out, struct daemon_err *err);

/* Signs and stores a checkpoint of the chain at now when it grew since the last one and, unless
 * force, CORE_CHECKPOINT_S passed since then. Failures are logged. Not an audit entry. */
void core_audit_checkpoint(struct daemon *d, time_t now, int force);

/* Worker 0's periodic job: core_audit_checkpoint(d, now, 0). */
void core_audit_tick(struct daemon *d, time_t now);

/* The latest checkpoint we signed, a compact JWS into *jws (malloc), or NULL when there is none
 * yet. DAEMON_ESTORE when the store fails. */
enum daemon_status core_audit_latest_checkpoint(struct daemon *d, char **jws,
                                                struct daemon_err *err);

/* Forgets the latest checkpoint core_audit_latest_checkpoint keeps, so that the next call reads
 * the store again: after a new one is signed. */
void core_audit_forget_checkpoint(struct daemon *d);

/* At start: the audit entry "started" (version, the directory's and covenant's SHA-256 and ids,
 * our signing key), then "directory-changed", "covenant-changed", "keys-changed" for what differs
 * from the previous "started" entry, then a checkpoint. */
void core_audit_started(struct daemon *d, time_t now);

/* At a clean stop: the audit entry "stopped", then a checkpoint. */
void core_audit_stopped(struct daemon *d, time_t now);

/* Closes the verifier's read-only connection that core_audit_started opened. */
void core_audit_reader_close(struct daemon *d);

/* ---- reports.c: access report, processing register, figures, anomalies ---- */

/* Answers the admin API's /v1/reports requests; 0 when the request is not one of them. */
int core_reports_admin(struct daemon *d, const struct http_request *req, struct http_reply *reply);

/* ---- retention.c: erasing content whose retention period ended ---- */

/* Answers the admin API's /v1/retention requests; 0 when the request is not one of them.
 * GET /v1/retention?within=DAYS (0..3650, default 30): retention_report's object. */
int core_retention_admin(struct daemon *d, const struct http_request *req,
                         struct http_reply *reply);

/* Seconds between two retention sweeps (worker 0 runs them; the periods are in days). */
#define RETENTION_SWEEP_S 60

/* The covenant's retention period for form_type ("urn:baton:form:NAME:V", looked up as NAME in
 * its "retention_days") in seconds; 0 when covenant is NULL or gives the form type none. */
long retention_period(const json_t *covenant, const char *form_type);

/*
 * The retention sweep at now (a parameter, so that tests can move the clock): first gives the
 * inbox rows stored without a retention date (received before this version) received + the
 * covenant's period, where d->covenant gives one; then erases the content of every row whose
 * retain_until <= now, not erased yet and not restricted by a withdrawal (withdrawal.c erases
 * those): the record key destroyed and the ciphertext cleared, with the audit entry
 * "erased-retention" (packet, peer, the young person's pseudonym, form type, received, period;
 * no content), one transaction per row. The row's metadata stays. Idempotent; a crash loses at
 * most the row in progress, which the next sweep erases. Uses d->store, d->covenant and the log;
 * failures are logged. Returns the number of rows erased now.
 */
size_t retention_sweep(struct daemon *d, time_t now);

/*
 * What retention holds at now, as a new object: {"now", "within_days", "due": [rows whose content
 * is erased by now + within_days (overdue ones too): "id", "from", "from_name"?, "form_type",
 * "received", "retain_until"], "erased": [rows retention erased, newest first: "id", "from",
 * "form_type", "received", "erased"], "no_period": [readable rows whose form type the covenant
 * gives no period: "id", "from", "from_name"?, "form_type", "received"], "warning"? (no covenant
 * loaded)}. Rows restricted by a withdrawal are left out (withdrawal.c handles them). On error
 * *out is untouched.
 */
enum daemon_status retention_report(struct daemon *d, time_t now, long within_days, json_t **out,
                                    struct daemon_err *err);

/* Adds to an inbox item (core_inbox_item's, after withdrawal_inbox_annotate) "retain_until"
 * when in has a retention date, and "erased_by": "retention" when its content was erased after
 * that date passed and not because of a withdrawal. */
void retention_inbox_annotate(json_t *item, const struct store_in *in, time_t now);

/* ---- peerckpt.c: checkpoints that travel with receipts and notices ---- */

/* Our latest signed checkpoint (table checkpoints, the largest size) as a new string (free()),
 * to go along with a receipt or notice we sign; NULL when there is none yet or it cannot be read
 * (logged): the receipt or notice then goes without. */
char *peerckpt_latest(struct daemon *d);

/*
 * Keeps the checkpoint jws (borrowed; NULL: nothing to do) that came along with a verified
 * receipt or notice from peer (OIN) about packet (may be NULL); via names that message for people
 * ("receipt", "acceptance", ...). It must verify (keys_checkpoint_verify with the directory's keys)
 * and be of peer's own chain: else it is logged and audited as "peer-checkpoint-refused" and
 * nothing is kept. A new one goes into peer_checkpoints; one whose size we hold with another head
 * is logged as an error and audited as "peer-checkpoint-conflict" with the new JWS as evidence
 * (the one held stays). Never fails the message it came with.
 */
void peerckpt_keep(struct daemon *d, const char *peer, const char *packet, const char *via,
                   const char *jws);

#endif
