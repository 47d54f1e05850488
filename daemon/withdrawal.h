/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * Withdrawal propagation (internal to the daemon library): when a consent is withdrawn, a signed
 * withdrawal notice (KEYS_TYP_WITHDRAWAL) goes to every organisation that received a packet
 * under it; the recipient restricts the packet (no longer shown, erased after the configured
 * grace period) and answers with a signed confirmation (KEYS_TYP_WITHDRAWAL_CONFIRMATION) that
 * the sender verifies and records per recipient. Both sides audit every step.
 *
 * Notice members (keys/PACKETS.md 9.6): a withdrawal has "consent" {"id": RECORD_ID}; a
 * confirmation has "withdrawal" (the id of the withdrawal notice it answers), "consent"
 * {"id": RECORD_ID} and "erase_after" (NumericDate: when the recipient erases the content).
 *
 * State: the notices and confirmations travel through the outbox (kind notice: durable, retried
 * by the worker); the confirmations received are kept in notices_in; the recipient's
 * restrictions are the table withdrawals_in (schema version 2).
 *
 * Threads: any thread (everything goes through the store).
 */
#ifndef BATON_DAEMON_WITHDRAWAL_H
#define BATON_DAEMON_WITHDRAWAL_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "daemon.h"
#include "http.h"

struct daemon;

/* The table the recipient's side keeps (appended to the store's schema version 2). */
#define WITHDRAWAL_SCHEMA                                                                          \
    "CREATE TABLE withdrawals_in ("                                                                \
    "  packet TEXT PRIMARY KEY REFERENCES inbox (id),"                                             \
    "  consent TEXT NOT NULL,"                                                                     \
    "  notice TEXT NOT NULL,"                                                                      \
    "  notice_jws TEXT NOT NULL,"                                                                  \
    "  withdrawn INTEGER NOT NULL,"                                                                \
    "  erase_after INTEGER NOT NULL,"                                                              \
    "  erased INTEGER,"                                                                            \
    "  confirmation TEXT NOT NULL);"                                                               \
    "CREATE INDEX withdrawals_in_due ON withdrawals_in (erased, erase_after);"

/*
 * The sender's side, after consent consent_id was withdrawn (and committed): for every packet of
 * the outbox sent under it that may have reached its recipient (queued, delivered, accepted or
 * rejected; not undeliverable) and has no withdrawal notice yet, signs one and queues it, with
 * the audit entry "withdrawal-queued", all in one transaction; then wakes the worker. Calling it
 * again queues nothing twice, so the daemon calls it at start for every withdrawn consent too
 * (a crash between the withdrawal's commit and this call loses nothing).
 */
enum daemon_status withdrawal_queue(struct daemon *d, const char *consent_id,
                                    struct daemon_err *err);

/* At start (the worker calls it): withdrawal_queue for every withdrawn consent. Logs problems. */
void withdrawal_resume(struct daemon *d);

/* POST /v1/notices with typ KEYS_TYP_WITHDRAWAL (we are the recipient: restrict, confirm) or
 * KEYS_TYP_WITHDRAWAL_CONFIRMATION (we are the sender: record). peer is the TLS client's OIN.
 * Refusals are answered, logged and audited ("notice-refused"). */
void withdrawal_receive_notice(struct daemon *d, const char *peer, const char *typ,
                               const unsigned char *body, size_t len, struct http_reply *reply);

/* 1 when inbox packet id was withdrawn: reply is then a 410 that says so (the content is not
 * shown, decisions and status updates on it are refused). 0: not withdrawn, reply untouched. */
int withdrawal_inbox_refuse(struct daemon *d, const char *id, struct http_reply *reply);

/* Marks an inbox item (as core_inbox_item made it) of a withdrawn packet: "state": "withdrawn",
 * "withdrawn", "erase_after", "erased" (times), "consent". Nothing for other packets. */
void withdrawal_inbox_annotate(struct daemon *d, json_t *item, const char *id);

/* Adds "withdrawal" {"notice","state","delivered"?,"confirmed"?,"erase_after"?} to an outbox
 * item when a withdrawal notice was queued for packet id. */
void withdrawal_outbox_annotate(struct daemon *d, json_t *item, const char *id);

/* The propagation of consent_id's withdrawal, for GET /v1/consents/ID: a new object
 * {"recipients": [{"packet","to","to_name","notice","notice_state","confirmed"?,
 * "erase_after"?}], "notified": N, "confirmed": N}. */
enum daemon_status withdrawal_status(struct daemon *d, const char *consent_id, json_t **out,
                                     struct daemon_err *err);

/* The recipient's erasure: erases the content of every withdrawn packet whose grace period has
 * passed at now (audited "erased"). The worker calls it each round. */
void withdrawal_sweep(struct daemon *d, time_t now);

#endif
