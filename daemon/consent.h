/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * The consent register (internal to the daemon library): consent-record forms kept in the
 * store (table "consents", schema version 2; the record itself encrypted at rest under the store
 * key), listed, looked up by the policy on every send under basis consent, and withdrawn. A
 * withdrawal answers which packets were sent under the consent and to whom, so that withdrawal
 * notices can go to each of them (daemon/withdrawal.h). Every add and withdrawal is audited in
 * the same transaction ("consent-added", "consent-withdrawn"; packet = NULL, peer = NULL, detail =
 * "consent ID ...": metadata only, never the young person's name).
 *
 * Threads: as the store: any thread.
 */
#ifndef BATON_DAEMON_CONSENT_H
#define BATON_DAEMON_CONSENT_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "daemon.h"
#include "forms.h"
#include "http.h"
#include "keys.h"
#include "store.h"

/* The form type of a consent record. */
#define CONSENT_FORM_TYPE "urn:baton:form:consent-record:1"

/* One consent in the register. Owned by the struct when the register fills it
 * (consent_row_clear). */
struct consent_row {
    char id[KEYS_UUID_LEN + 1]; /* the record's "record_id" (a UUID, lowercase) */
    time_t added;               /* when it was registered here */
    time_t withdrawn;           /* 0: not withdrawn; else the register's or the record's time */
    char *reason;               /* the withdrawal reason, or NULL */
    json_t *record;             /* the consent-record form as it was added */
};

/* A packet sent under a consent: its id and the recipient's OIN. */
struct consent_sent {
    char packet[KEYS_UUID_LEN + 1];
    char to[KEYS_OIN_LEN + 1];
};

/*
 * Validates form against urn:baton:form:consent-record:1 with cat (DAEMON_EREFUSED with the
 * first error in err when invalid; *details, when not NULL, then gets the basic-output errors
 * array (new reference) in lang) and registers it at now, with the audit entry "consent-added"
 * in the same transaction. actor: who asked (roles_who.actor) for the audit entry, or NULL.
 * A record whose own "withdrawn_at" is set is registered as withdrawn at that time.
 * DAEMON_ECONFLICT (nothing changed) when a consent with this record_id is registered already.
 * The id into id_out (may be NULL).
 */
enum daemon_status consent_add(struct store *s, const struct forms_catalogue *cat,
                               const json_t *form, time_t now, const char *actor,
                               enum forms_lang lang, char id_out[KEYS_UUID_LEN + 1],
                               json_t **details, struct daemon_err *err);

/* The consent id into *out (consent_row_clear). DAEMON_ENOTFOUND when unknown. */
enum daemon_status consent_get(struct store *s, const char *id, struct consent_row *out,
                               struct daemon_err *err);

/* The register, newest first, at most max, into *items (consent_free_list). */
enum daemon_status consent_list(struct store *s, size_t max, struct consent_row **items, size_t *n,
                                struct daemon_err *err);

/*
 * Withdraws consent id at now with reason (may be NULL), auditing "consent-withdrawn" in the
 * same transaction; from then on every send under it is refused ("consent-withdrawn"). *sent
 * (malloc, free(); may be NULL when *n is 0) gets the packets of the outbox sent under it and
 * their recipients, oldest first. DAEMON_ENOTFOUND; DAEMON_ECONFLICT when it was withdrawn
 * already (err says when; nothing changed).
 */
enum daemon_status consent_withdraw(struct store *s, const char *id, const char *reason, time_t now,
                                    const char *actor, struct consent_sent **sent, size_t *n,
                                    struct daemon_err *err);

/* The packets of the outbox sent under consent id and their recipients (as consent_withdraw). */
enum daemon_status consent_sent_under(struct store *s, const char *id, struct consent_sent **sent,
                                      size_t *n, struct daemon_err *err);

void consent_row_clear(struct consent_row *r);
void consent_free_list(struct consent_row *items, size_t n);

/* The register row as the admin API shows it: {"id","added","withdrawn"?,"reason"?,
 * "purposes","recipients","data_categories","valid_until","given_by":[roles],"state":
 * "valid|expired|withdrawn"} and, with full, "record": the form. New reference or NULL. */
json_t *consent_item(const struct consent_row *r, time_t now, int full);

struct daemon;

/* The admin API's /v1/consents routes (admin.c calls it first): answers and returns 1 when
 * req->path is /v1/consents or below it, else returns 0 and leaves reply alone.
 *   POST /v1/consents {"form": {...}} (or the bare form)  -> 201 {"id"}
 *   GET  /v1/consents                                     -> {"items": [...]}
 *   GET  /v1/consents/ID                                  -> the item with "record" and
 *                                                            "sent_under"
 *   POST /v1/consents/ID/withdraw {"reason"?}             -> 200 the item with "sent_under":
 *                                                            [{"packet","to"}]
 * After a withdrawal commits it calls withdrawal_queue (daemon/withdrawal.h) for the notices. */
int core_consent_admin(struct daemon *d, const struct http_request *req, struct http_reply *reply);

#endif
