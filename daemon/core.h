/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * The running daemon (internal to the daemon library): what the flows share (configuration,
 * keys, the network's signed documents, the store, the delivery worker's wake-up) and the flows
 * themselves: submit, receive, take-over decisions, the delivery loop, the admin and peer APIs.
 */
#ifndef BATON_DAEMON_CORE_H
#define BATON_DAEMON_CORE_H

#include <pthread.h>
#include <stdarg.h>
#include <time.h>

#include <jansson.h>

#include "config.h"
#include "daemon.h"
#include "forms.h"
#include "http.h"
#include "keys.h"
#include "store.h"

/* Coordinator keys the configured file may list: two while the coordinator rotates. */
#define CORE_MAX_COORDINATOR_KEYS 8
/* A signed directory or covenant is a few hundred KiB at most. */
#define CORE_DOC_MAX KEYS_MAX_PACKET
/* Longest "by" (a name and a role) and rejection reason a caseworker may give. */
#define CORE_BY_MAX 200
#define CORE_REASON_MAX 2000
/* Default and largest page of a listing in the admin API. */
#define CORE_LIST_DEFAULT 1000
#define CORE_AUDIT_DEFAULT 100
/* A pseudonym: 16 bytes in hex; its key: 32 bytes. */
#define CORE_PSEUDONYM_LEN 32
#define CORE_PSEUDONYM_KEY_BYTES 32

/* A member's TLS key pin, for naming the peer of a connection. */
struct core_pin {
    const char *pin; /* borrowed from the directory document */
    const char *oin;
};

struct sqlite3;
struct core_audit_progress; /* audit.h */

/* A verification of the audit trail's progress id: 8 to 64 of A-Z a-z 0-9 - _; and how many may
 * run at once with one (more run, without progress to show). */
#define CORE_PROGRESS_ID_MIN 8
#define CORE_PROGRESS_ID_MAX 64
#define CORE_PROGRESS_SLOTS 8
/* Seconds an ended verification's counts stay to be asked. */
#define CORE_PROGRESS_KEEP_S 60

struct daemon {
    struct daemon_config *cfg;
    daemon_log_sink log_sink;
    void *log_ctx;
    pthread_mutex_t log_mu;

    struct forms_catalogue *cat;
    struct keys_keystore *ks;
    const struct keys_identity *me; /* borrowed from ks */
    struct keys_pub coordinators[CORE_MAX_COORDINATOR_KEYS];
    size_t n_coordinators;

    /* The directory: NULL when it could not be used at start (dir_problem says why); once
     * loaded it is trusted until dir_expires, then the daemon refuses to send or receive. */
    struct keys_directory *dir;
    json_t *dir_doc;
    unsigned char dir_sha256[KEYS_SHA256_LEN]; /* of the signed directory as read, even expired */
    time_t dir_expires;
    char dir_expires_text[40];
    char dir_problem[600];
    struct core_pin *pins;
    size_t n_pins;

    /* The covenant: NULL when it could not be used at start (cov_problem says why). */
    json_t *covenant;
    const char *covenant_id; /* borrowed from covenant */
    unsigned char covenant_sha256[KEYS_SHA256_LEN];
    char *cov_text; /* the signed covenant, re-checked against the clock before each send */
    size_t cov_len;
    char cov_problem[600];
    long deadline_s; /* acceptance_deadline_days in seconds; 0: none known */

    struct store *store;
    /* The audit verifier's own read-only connection to the store, opened at start (so that it
     * works after batond dropped root) and used by one verification at a time. */
    struct sqlite3 *audit_reader;
    pthread_mutex_t audit_reader_mu;
    /* The key of the young person's pseudonym in the audit trail (core_pseudonym): derived
     * from the keystore, in guarded memory. */
    unsigned char *pseudonym_key;

    /* The last checkpoint kept from each peer (peerckpt.c): the SHA-256 of its JWS, so that the
     * same checkpoint carried by the next receipt is not verified and written again. */
    pthread_mutex_t ckpt_mu;
    struct core_ckpt_seen {
        char peer[KEYS_OIN_LEN + 1];
        unsigned char jws_sha256[KEYS_SHA256_LEN];
    } ckpt_seen[16];
    size_t ckpt_next; /* the slot the next new peer takes (round robin) */
    /* Under ckpt_mu too: our latest signed checkpoint, as it goes along with each receipt and
     * notice (core_audit_latest_checkpoint); reread after a new one is signed. */
    char *ckpt_latest;
    int ckpt_latest_known;

    /* The verifications of the audit trail with a progress id (audit.c), under verify_mu: while
     * one runs, its slot points to the progress on its handler's stack; once it ended, the slot
     * keeps its final counts for CORE_PROGRESS_KEEP_S. */
    pthread_mutex_t verify_mu;
    struct core_verifying {
        char id[CORE_PROGRESS_ID_MAX + 1];    /* "" for a free slot */
        struct core_audit_progress *progress; /* while it runs; NULL once it ended */
        long long done, total;                /* once it ended */
        time_t ended;
        unsigned long long order; /* once it ended: verify_ends then, to find the first ended */
    } verifying[CORE_PROGRESS_SLOTS];
    unsigned long long verify_ends; /* verifications with a progress id that ended */

    /* Who may do what on the admin API (daemon/roles.h). */
    struct roles *roles;

    /* The delivery workers (worker.c): woken by submits, decisions and stop. Under mu: what
     * each is delivering (so that no two take the same row, and rows about one packet go one
     * after the other) and the peers that did not answer just now. */
    pthread_mutex_t mu;
    pthread_cond_t wake;
    unsigned long kicks;
    int stopping, worker_running;
    size_t n_workers;
    pthread_t workers[CONFIG_MAX_WORKERS];
    struct core_flight {
        char id[KEYS_UUID_LEN + 1];    /* the row; empty when the worker is idle */
        char about[KEYS_UUID_LEN + 1]; /* the packet it is (about) */
        char to[KEYS_OIN_LEN + 1];     /* the peer it goes to */
    } flight[CONFIG_MAX_WORKERS];
    struct core_down {
        char oin[KEYS_OIN_LEN + 1];
        time_t until;
    } down[CONFIG_MAX_WORKERS];

    struct http_server *peer, *admin;
    /* The web page's listener (daemon/web.c); NULL when web_listen is not set. */
    struct core_web *web;
    /* The operational figures (metrics.c): made at start, freed with the daemon. */
    struct metrics *metrics;
    /* audit.c: when a failed checkpoint was last logged (under mu), so that it is not every
     * second */
    time_t checkpoint_warned;
};

/* ---- log.c ---- */

/* One line to the log sink: "TIME LEVEL EVENT [packet=ID] [peer=OIN] message". Control
 * characters in the message are replaced, and nothing is written below the configured level.
 * Never give it form content. */
/* What batond's three HTTP servers (peer, admin, web page) share: mode and handler, the largest
 * request body, the configured idle timeout and connection limit, warnings to batond's log as
 * event "http", and the daemon as the handler's context. */
struct http_opts core_http_opts(struct daemon *d, enum http_mode mode, http_handler handler,
                                size_t max_body);

void core_log(struct daemon *d, enum config_log_level level, const char *event, const char *packet,
              const char *peer, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Writes an audit entry at now (and logs when it cannot). */
void core_audit(struct daemon *d, time_t now, const char *event, const char *packet,
                const char *peer, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* As core_audit, with the young person's pseudonym and who did it (either may be NULL). */
void core_audit_about(struct daemon *d, time_t now, const char *event, const char *packet,
                      const char *peer, const char *subject, const char *actor, const char *fmt,
                      ...) __attribute__((format(printf, 8, 9)));

/* ---- pseudonym.c: the young person in the audit trail ---- */

/*
 * The young person's keyed pseudonym: BLAKE2b keyed with d->pseudonym_key over the surname
 * (white space trimmed, ASCII in lower case) and the date of birth (YYYY-MM-DD), 16 bytes as 32
 * hex digits into out. Returns 1, or 0 (out empty) when either is missing.
 */
int core_pseudonym(const struct daemon *d, const char *last_name, const char *date_of_birth,
                   char out[CORE_PSEUDONYM_LEN + 1]);

/* The pseudonym of the young person a form is about ("young_person", or a consent record's
 * "subject"); 0 (out empty) when the form does not say. */
int core_form_pseudonym(const struct daemon *d, const json_t *form,
                        char out[CORE_PSEUDONYM_LEN + 1]);

/* ---- network.c: the directory and covenant ---- */

/* Loads the coordinator's keys, the directory and the covenant as the configuration names them.
 * An expired (or not yet valid) directory or covenant is kept out with its reason, not an error:
 * the daemon runs and refuses to send. Other refusals (a bad signature, an unreadable file) are
 * DAEMON_EKEYS. */
enum daemon_status core_network_load(struct daemon *d, time_t now, struct daemon_err *err);
void core_network_free(struct daemon *d);

/* 1 when the directory can be trusted at now; else 0 with why (may be NULL) filled. */
int core_directory_usable(struct daemon *d, time_t now, char *why, size_t size);

/* 1 when the covenant holds at now; else 0 with why filled. */
int core_covenant_usable(struct daemon *d, time_t now, char *why, size_t size);

/* The member's name for oin, or NULL. */
const char *core_member_name(struct daemon *d, const char *oin);

/* http_peer_lookup over the directory's TLS pins. ctx is the daemon. */
int core_peer_lookup(void *ctx, const char *pin, char oin[HTTP_OIN_SIZE]);

/* A keys_trust over the directory's signing keys (no encryption keys). */
void core_trust(struct daemon *d, struct keys_trust *out);

/* ---- submit.c ---- */

/* What a submit asks for. Borrowed. */
struct core_send {
    const char *to, *purpose, *basis, *consent, *law;
    const json_t *form;
    const char *answers;     /* the inbox packet a status update follows up, or NULL */
    const char *expect_form; /* a form type prefix the form must have, or NULL */
    enum forms_lang lang;    /* of error messages */
    long uid;                /* who asked (admin socket), -1 when unknown */
    const char *actor;       /* who asked, for the audit trail (user or token and role), or NULL */
};

/* Validates, seals and queues a form; answers 202 {"id","state"} or the refusal (400, 422 with
 * details, 503) in reply. */
void core_submit(struct daemon *d, const struct core_send *s, struct http_reply *reply);

/* ---- receive.c: the peer API ---- */

void core_peer_handler(void *ctx, const struct http_request *req, struct http_reply *reply);

/* ---- notices.c: take-over decisions ---- */

/* Accepts or rejects inbox packet id (state STORE_IN_ACCEPTED or _REJECTED) with by and reason,
 * queues the signed notice to its sender, and answers the inbox item (200) or the refusal.
 * actor: who asked (roles_who.actor), for the audit entry; may be NULL. */
void core_decide(struct daemon *d, const char *id, enum store_in_state state, const char *by,
                 const char *reason, const char *actor, struct http_reply *reply);

/* A notice from a peer (POST /v1/notices); peer is the TLS client's OIN. */
void core_receive_notice(struct daemon *d, const char *peer, const unsigned char *body, size_t len,
                         struct http_reply *reply);

/* Refuses a notice from peer: answers reply with status, code and why, logs and audits it.
 * packet (the packet the notice is about) may be NULL. */
void core_refuse_notice(struct daemon *d, struct http_reply *reply, int status, const char *code,
                        const char *packet, const char *peer, const char *why);

/* Finds the packet that the verified notice n answers in the outbox, into *o, and checks that n
 * is bound to the exact bytes that were sent. what names the notice and relation how it refers
 * to the packet in the refusals ("notice", "answers"). Returns 1 if so; else answers reply (404
 * or 400, logged and audited, or 500 when the store fails) and returns 0. *o is the caller's to
 * clear (store_out_clear) either way. */
int core_notice_sent_packet(struct daemon *d, const char *peer, const struct keys_notice *n,
                            const char *what, const char *relation, struct store_out *o,
                            struct http_reply *reply);

/* The claims of a compact JWS, read without verifying it (for one that was verified before it
 * was stored). New reference, or NULL. */
json_t *core_jws_claims(const char *jws);

/* ---- worker.c ---- */

enum daemon_status core_worker_start(struct daemon *d, struct daemon_err *err);
/* Wakes the worker: something new is queued. */
void core_worker_kick(struct daemon *d);
/* Stops the worker after the delivery in progress and waits for it. */
void core_worker_stop(struct daemon *d);

/* ---- admin.c: the admin API ---- */

void core_admin_handler(void *ctx, const struct http_request *req, struct http_reply *reply);

/* An RFC 3339 UTC string for t into out (KEYS_TIME_LEN + 1 bytes). */
const char *core_time(time_t t, char *out);

/* Sets o[name] = an RFC 3339 time when t is set; nothing for 0. */
int core_set_time(json_t *o, const char *name, time_t t);

/* Sets o[name] = a string when v is not NULL. */
int core_set_str(json_t *o, const char *name, const char *v);

/* The inbox item as the admin API shows it. New reference or NULL. */
json_t *core_inbox_item(struct daemon *d, const struct store_in *in);

#endif
