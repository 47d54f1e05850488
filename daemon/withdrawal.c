/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * Withdrawal propagation: signed withdrawal notices to every recipient of a packet sent under a
 * withdrawn consent, the recipient's restriction, erasure after its grace period and signed
 * confirmation, and the sender's record of who confirmed (daemon/withdrawal.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "audit.h"
#include "consent.h"
#include "core.h"
#include "withdrawal.h"

/* Inbox rows erased per sweep; the next sweep takes the rest. */
#define WITHDRAWAL_SWEEP_BATCH 32
/* A consent id in a notice: a UUID (either case), as the consent-record's record_id. */
#define WITHDRAWAL_CONSENT_MAX 64

/* ---- small helpers ---- */

static enum daemon_status
db_err(sqlite3 *db, struct daemon_err *err, const char *what)
{
    return daemon_fail(err, DAEMON_ESTORE, "%s: %s", what, sqlite3_errmsg(db));
}

static int
bind_str(sqlite3_stmt *st, int i, const char *v)
{
    return v != NULL ? sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
}

static char *
col_str(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);

    return t != NULL ? strdup((const char *)t) : NULL;
}

static time_t
col_t(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? 0 : (time_t)sqlite3_column_int64(st, i);
}

static enum daemon_status
audit_row(sqlite3 *db, time_t now, const char *event, const char *packet, const char *peer,
          const char *detail, struct daemon_err *err)
{
    const struct store_event ev = {event, packet, peer, detail, NULL, NULL};

    return store_audit_append(db, now, &ev, err);
}

/* Queues a signed notice (borrowed) in the outbox, answering packet. */
static enum daemon_status
queue_notice(sqlite3 *db, const char *id, const char *to, const char *typ, const char *packet,
             const char *jws, size_t len, time_t now, struct daemon_err *err)
{
    sqlite3_stmt *st = NULL;
    enum daemon_status rc = DAEMON_OK;

    if (sqlite3_prepare_v2(db,
                           "INSERT INTO outbox (id, kind, to_oin, form_type, answers, state, "
                           "created, next_attempt, attempts, body) "
                           "VALUES (?, 'notice', ?, ?, ?, 'queued', ?, ?, 0, ?)",
                           -1, &st, NULL) != SQLITE_OK)
        return db_err(db, err, "queueing the notice");
    if (bind_str(st, 1, id) | bind_str(st, 2, to) | bind_str(st, 3, typ) | bind_str(st, 4, packet) |
            sqlite3_bind_int64(st, 5, (sqlite3_int64)now) |
            sqlite3_bind_int64(st, 6, (sqlite3_int64)now) |
            sqlite3_bind_blob64(st, 7, jws, (sqlite3_uint64)len, SQLITE_TRANSIENT) ||
        sqlite3_step(st) != SQLITE_DONE)
        rc = db_err(db, err, "queueing the notice");
    sqlite3_finalize(st);
    return rc;
}

/* The "jti" of a JWS we just signed, into out. 0 when it does not read back. */
static int
jti_of(const char *jws, char out[KEYS_UUID_LEN + 1])
{
    json_t *claims = core_jws_claims(jws);
    const char *jti = json_string_value(json_object_get(claims, "jti"));
    int ok = jti != NULL && strlen(jti) == KEYS_UUID_LEN;

    if (ok)
        memcpy(out, jti, KEYS_UUID_LEN + 1);
    json_decref(claims);
    return ok;
}

/* 1 when s is a consent id as a consent record has it: 1..64 of [0-9A-Za-z-]. */
static int
good_consent_id(const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0, i;

    if (n == 0 || n > WITHDRAWAL_CONSENT_MAX)
        return 0;
    for (i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') ||
              (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '-'))
            return 0;
    return 1;
}

static int
same_id(const char *a, const char *b)
{
    size_t i;

    if (a == NULL || b == NULL || strlen(a) != strlen(b))
        return 0;
    for (i = 0; a[i] != '\0'; i++) {
        char x = a[i] >= 'A' && a[i] <= 'Z' ? (char)(a[i] + 32) : a[i];
        char y = b[i] >= 'A' && b[i] <= 'Z' ? (char)(b[i] + 32) : b[i];

        if (x != y)
            return 0;
    }
    return 1;
}

static void
reply_ok(struct http_reply *reply, const char *confirmation)
{
    json_t *ok = json_pack("{s:b}", "ok", 1);

    if (ok != NULL && confirmation != NULL)
        json_object_set_new(ok, "confirmation", json_string(confirmation));
    if (ok == NULL || http_reply_json(reply, 200, ok) != DAEMON_OK)
        http_reply_error(reply, 500, "no-memory", "out of memory");
    json_decref(ok);
}

/* ---- the sender: queueing withdrawal notices ---- */

struct to_notify {
    char packet[KEYS_UUID_LEN + 1];
    char to[KEYS_OIN_LEN + 1];
    unsigned char sha256[KEYS_SHA256_LEN];
};

struct queue_ctx {
    struct daemon *d;
    const char *consent;
    const struct keys_sign_key *signer;
    time_t now;
    size_t queued;
    const char *checkpoint; /* our latest audit checkpoint, to go along; NULL: none */
};

static enum daemon_status
queue_fn(void *ctx, struct sqlite3 *db, const unsigned char *key, struct daemon_err *err)
{
    struct queue_ctx *q = ctx;
    struct to_notify *list = NULL, *grown;
    size_t n = 0, cap = 0, i;
    sqlite3_stmt *st = NULL;
    enum daemon_status rc = DAEMON_OK;
    struct keys_err kerr = {0};
    json_t *extra = NULL;
    char *jws = NULL, jti[KEYS_UUID_LEN + 1], detail[400];
    const char *name;
    size_t len = 0;
    int r;

    (void)key;
    if (sqlite3_prepare_v2(db,
                           "SELECT p.id, p.to_oin, p.body FROM outbox p "
                           "WHERE p.kind = 'packet' AND lower(p.consent_id) = lower(?1) "
                           "AND p.state <> 'undeliverable' AND NOT EXISTS ("
                           "  SELECT 1 FROM outbox w WHERE w.kind = 'notice' "
                           "  AND w.answers = p.id AND w.form_type = ?2) "
                           "ORDER BY p.created, p.rowid",
                           -1, &st, NULL) != SQLITE_OK)
        return db_err(db, err, "reading the outbox");
    bind_str(st, 1, q->consent);
    bind_str(st, 2, KEYS_TYP_WITHDRAWAL);
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *id = sqlite3_column_text(st, 0), *to = sqlite3_column_text(st, 1);
        const void *body = sqlite3_column_blob(st, 2);
        int blen = sqlite3_column_bytes(st, 2);

        if (id == NULL || to == NULL || strlen((const char *)id) > KEYS_UUID_LEN ||
            strlen((const char *)to) > KEYS_OIN_LEN)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            grown = realloc(list, cap * sizeof *list);
            if (grown == NULL) {
                rc = daemon_fail(err, DAEMON_ENOMEM, "out of memory reading the outbox");
                goto out;
            }
            list = grown;
        }
        snprintf(list[n].packet, sizeof list[n].packet, "%s", (const char *)id);
        snprintf(list[n].to, sizeof list[n].to, "%s", (const char *)to);
        crypto_hash_sha256(list[n].sha256, body != NULL ? body : (const void *)"",
                           (unsigned long long)blen);
        n++;
    }
    if (r != SQLITE_DONE) {
        rc = db_err(db, err, "reading the outbox");
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;

    extra = json_pack("{s:{s:s}}", "consent", "id", q->consent);
    if (extra != NULL && q->checkpoint != NULL &&
        json_object_set_new(extra, "checkpoint", json_string(q->checkpoint)) != 0) {
        json_decref(extra);
        extra = NULL;
    }
    if (extra == NULL) {
        rc = daemon_fail(err, DAEMON_ENOMEM, "out of memory signing a withdrawal notice");
        goto out;
    }
    for (i = 0; i < n; i++) {
        if (keys_notice_sign(q->signer, KEYS_TYP_WITHDRAWAL, q->d->me->oin, list[i].to,
                             list[i].packet, list[i].sha256, extra, q->now, &jws, &len,
                             &kerr) != KEYS_OK) {
            rc = daemon_fail(err, DAEMON_EKEYS, "cannot sign the withdrawal notice: %s", kerr.text);
            goto out;
        }
        if (!jti_of(jws, jti)) {
            rc = daemon_fail(err, DAEMON_EKEYS, "the signed withdrawal notice does not read back");
            goto out;
        }
        rc = queue_notice(db, jti, list[i].to, KEYS_TYP_WITHDRAWAL, list[i].packet, jws, len,
                          q->now, err);
        free(jws);
        jws = NULL;
        if (rc != DAEMON_OK)
            goto out;
        name = core_member_name(q->d, list[i].to);
        snprintf(detail, sizeof detail,
                 "consent %s withdrawn: withdrawal notice %s queued for %s; it is asked to stop "
                 "using and erase what it received",
                 q->consent, jti, name != NULL ? name : list[i].to);
        rc = audit_row(db, q->now, "withdrawal-queued", list[i].packet, list[i].to, detail, err);
        if (rc != DAEMON_OK)
            goto out;
    }
    q->queued = n;
out:
    sqlite3_finalize(st);
    json_decref(extra);
    free(jws);
    free(list);
    return rc;
}

enum daemon_status
withdrawal_queue(struct daemon *d, const char *consent_id, struct daemon_err *err)
{
    struct queue_ctx q = {d, consent_id, NULL, time(NULL), 0, NULL};
    char *checkpoint = NULL;
    enum daemon_status rc;

    if (d == NULL || !good_consent_id(consent_id))
        return daemon_fail(err, DAEMON_EINVAL, "withdrawal_queue: no consent id");
    q.signer = keys_keystore_signer(d->ks, q.now);
    if (q.signer == NULL)
        return daemon_fail(err, DAEMON_EKEYS,
                           "the keystore has no signing key valid now, so no withdrawal notice "
                           "can be signed; rotate the keys, then restart batond (it sends the "
                           "notices at start)");
    /* Read before the transaction: store_txn does not nest. */
    checkpoint = peerckpt_latest(d);
    q.checkpoint = checkpoint;
    rc = store_txn(d->store, 1, queue_fn, &q, q.now, NULL, 0, err);
    free(checkpoint);
    if (rc != DAEMON_OK)
        return rc;
    if (q.queued > 0) {
        core_log(d, CONFIG_LOG_INFO, "withdrawal-queued", NULL, NULL,
                 "consent %s withdrawn: %zu withdrawal notice(s) queued", consent_id, q.queued);
        core_worker_kick(d);
    }
    return DAEMON_OK;
}

void
withdrawal_resume(struct daemon *d)
{
    struct consent_row *items = NULL;
    struct daemon_err err = {0};
    size_t n = 0, i;

    if (consent_list(d->store, STORE_LIST_MAX, &items, &n, &err) != DAEMON_OK) {
        core_log(d, CONFIG_LOG_ERROR, "withdrawal-failed", NULL, NULL,
                 "cannot read the consent register to resume withdrawals: %s", err.text);
        return;
    }
    for (i = 0; i < n; i++) {
        if (items[i].withdrawn == 0)
            continue;
        if (withdrawal_queue(d, items[i].id, &err) != DAEMON_OK)
            core_log(d, CONFIG_LOG_ERROR, "withdrawal-failed", NULL, NULL,
                     "consent %s: the withdrawal notices could not be queued: %s", items[i].id,
                     err.text);
    }
    consent_free_list(items, n);
}

/* ---- the recipient: a withdrawal notice ---- */

struct restrict_ctx {
    const char *packet, *consent, *notice, *notice_jws, *from, *confirmation, *conf_jws;
    size_t conf_len;
    time_t now, erase_after;
    int again;
};

static enum daemon_status
restrict_fn(void *ctx, struct sqlite3 *db, const unsigned char *key, struct daemon_err *err)
{
    struct restrict_ctx *c = ctx;
    sqlite3_stmt *st = NULL;
    enum daemon_status rc;
    char detail[400], when[KEYS_TIME_LEN + 1];
    int r;

    (void)key;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM withdrawals_in WHERE packet = ?", -1, &st, NULL) !=
        SQLITE_OK)
        return db_err(db, err, "reading the withdrawals");
    bind_str(st, 1, c->packet);
    r = sqlite3_step(st);
    sqlite3_finalize(st);
    st = NULL;
    if (r == SQLITE_ROW) {
        c->again = 1;
        return DAEMON_OK;
    }
    if (r != SQLITE_DONE)
        return db_err(db, err, "reading the withdrawals");
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO withdrawals_in (packet, consent, notice, notice_jws, "
                           "withdrawn, erase_after, confirmation) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK)
        return db_err(db, err, "recording the withdrawal");
    if (bind_str(st, 1, c->packet) | bind_str(st, 2, c->consent) | bind_str(st, 3, c->notice) |
            bind_str(st, 4, c->notice_jws) | sqlite3_bind_int64(st, 5, (sqlite3_int64)c->now) |
            sqlite3_bind_int64(st, 6, (sqlite3_int64)c->erase_after) |
            bind_str(st, 7, c->confirmation) ||
        sqlite3_step(st) != SQLITE_DONE)
        rc = db_err(db, err, "recording the withdrawal");
    else
        rc = DAEMON_OK;
    sqlite3_finalize(st);
    if (rc != DAEMON_OK)
        return rc;
    rc = queue_notice(db, c->confirmation, c->from, KEYS_TYP_WITHDRAWAL_CONFIRMATION, c->packet,
                      c->conf_jws, c->conf_len, c->now, err);
    if (rc != DAEMON_OK)
        return rc;
    snprintf(detail, sizeof detail,
             "the sender withdrew consent %s (notice %s): the content is no longer shown and is "
             "erased at %s; confirmation %s queued for the sender",
             c->consent, c->notice, core_time(c->erase_after, when), c->confirmation);
    return audit_row(db, c->now, "withdrawn", c->packet, c->from, detail, err);
}

/* The consent id in the stored claims of inbox packet id: 1 and *match when readable. */
static int
stored_consent(struct daemon *d, const char *id, const char *consent, int *match)
{
    struct daemon_err err = {0};
    struct store_in in = {0};
    unsigned char *content = NULL;
    size_t len = 0;
    json_t *claims;
    int ok = 0;

    if (store_inbox_get(d->store, id, &in, &content, &len, &err) != DAEMON_OK)
        return 0;
    claims = json_loadb((const char *)content, len, 0, NULL);
    if (claims != NULL) {
        *match = same_id(
            json_string_value(json_object_get(json_object_get(claims, "consent"), "id")), consent);
        ok = 1;
    }
    json_decref(claims);
    store_content_free(content);
    store_in_clear(&in);
    return ok;
}

static void
receive_withdrawal(struct daemon *d, const char *peer, const unsigned char *body, size_t len,
                   struct http_reply *reply)
{
    struct keys_notice n = {0};
    struct keys_trust trust;
    struct daemon_err err = {0};
    struct keys_err kerr = {0};
    struct store_in in = {0};
    struct restrict_ctx c = {0};
    const struct keys_sign_key *signer;
    char why[800], conf_id[KEYS_UUID_LEN + 1], when[KEYS_TIME_LEN + 1];
    const char *consent;
    json_t *extra = NULL;
    char *conf = NULL, *checkpoint = NULL;
    size_t conf_len = 0;
    char *text = NULL;
    time_t now = time(NULL);
    enum daemon_status rc;
    enum keys_status st;
    int match = 0;

    core_trust(d, &trust);
    st = keys_notice_verify(&trust, KEYS_TYP_WITHDRAWAL, (const char *)body, len, now, &n, &kerr);
    if (st != KEYS_OK) {
        snprintf(why, sizeof why, "withdrawal notice refused: %s", kerr.text);
        core_refuse_notice(d, reply, keys_status_is_refusal(st) ? 400 : 500, "notice-refused", NULL,
                           peer, why);
        return;
    }
    if (strcmp(n.from, peer) != 0) {
        snprintf(why, sizeof why,
                 "the withdrawal notice is from OIN %s, but the TLS client is OIN %s: a notice "
                 "must be delivered by its issuer's own endpoint",
                 n.from, peer);
        core_refuse_notice(d, reply, 403, "from-mismatch", n.packet_id, peer, why);
        goto out;
    }
    if (strcmp(n.to, d->me->oin) != 0) {
        snprintf(why, sizeof why,
                 "the withdrawal notice is addressed to OIN %s, not to this organisation", n.to);
        core_refuse_notice(d, reply, 403, "not-for-us", n.packet_id, peer, why);
        goto out;
    }
    consent = json_string_value(json_object_get(json_object_get(n.claims, "consent"), "id"));
    if (!good_consent_id(consent)) {
        core_refuse_notice(
            d, reply, 400, "notice-refused", n.packet_id, peer,
            "the withdrawal notice must name the withdrawn consent in \"consent\": {\"id\": "
            "RECORD_ID}");
        goto out;
    }
    rc = store_inbox_get(d->store, n.packet_id, &in, NULL, NULL, &err);
    if (rc == DAEMON_ENOTFOUND) {
        /* The packet may still be on its way (its sender's worker tries again later). */
        http_reply_error(reply, 409, "not-yet",
                         "packet %s has not arrived here (yet); a withdrawal notice follows its "
                         "packet",
                         n.packet_id);
        core_log(d, CONFIG_LOG_INFO, "notice-early", n.packet_id, peer,
                 "a withdrawal notice for a packet that has not arrived (yet)");
        goto out;
    }
    if (rc != DAEMON_OK) {
        http_reply_error(reply, 500, "store", "%s", err.text);
        goto out;
    }
    /* Bound to the exact packet its sender sent us. */
    if (strcmp(in.from, n.from) != 0 ||
        sodium_memcmp(in.sha256, n.packet_sha256, KEYS_SHA256_LEN) != 0) {
        snprintf(why, sizeof why,
                 "the withdrawal notice is about packet %s, but that packet came from another "
                 "organisation or had other bytes here: a sender withdraws only what it sent",
                 n.packet_id);
        core_refuse_notice(d, reply, 403, "not-your-packet", n.packet_id, peer, why);
        goto out;
    }
    if (in.basis == NULL || strcmp(in.basis, "consent") != 0) {
        snprintf(why, sizeof why,
                 "packet %s was sent on the basis %s, not under a consent: a consent "
                 "withdrawal does not apply to it",
                 n.packet_id, in.basis != NULL ? in.basis : "?");
        core_refuse_notice(d, reply, 409, "not-under-consent", n.packet_id, peer, why);
        goto out;
    }
    if (stored_consent(d, n.packet_id, consent, &match) && !match) {
        snprintf(why, sizeof why,
                 "packet %s was not sent under consent %s: the withdrawal notice names another "
                 "consent than the packet",
                 n.packet_id, consent);
        core_refuse_notice(d, reply, 409, "other-consent", n.packet_id, peer, why);
        goto out;
    }

    signer = keys_keystore_signer(d->ks, now);
    if (signer == NULL) {
        http_reply_error(reply, 503, "keys",
                         "this organisation has no signing key valid now to confirm the "
                         "withdrawal; try again later");
        core_log(d, CONFIG_LOG_ERROR, "withdrawal-failed", n.packet_id, peer,
                 "no signing key valid now: the withdrawal cannot be confirmed");
        goto out;
    }
    c.erase_after = now + (time_t)d->cfg->withdrawal_grace;
    extra = json_pack("{s:s, s:{s:s}, s:I}", "withdrawal", n.id, "consent", "id", consent,
                      "erase_after", (json_int_t)c.erase_after);
    checkpoint = peerckpt_latest(d);
    if (extra != NULL && checkpoint != NULL &&
        json_object_set_new(extra, "checkpoint", json_string(checkpoint)) != 0) {
        json_decref(extra);
        extra = NULL;
    }
    if (extra == NULL) {
        http_reply_error(reply, 500, "no-memory", "out of memory");
        goto out;
    }
    if (keys_notice_sign(signer, KEYS_TYP_WITHDRAWAL_CONFIRMATION, d->me->oin, n.from, n.packet_id,
                         n.packet_sha256, extra, now, &conf, &conf_len, &kerr) != KEYS_OK ||
        !jti_of(conf, conf_id)) {
        http_reply_error(reply, 500, "sign", "cannot sign the confirmation: %s", kerr.text);
        goto out;
    }
    text = strndup((const char *)body, len);
    if (text == NULL) {
        http_reply_error(reply, 500, "no-memory", "out of memory");
        goto out;
    }
    c.packet = n.packet_id;
    c.consent = consent;
    c.notice = n.id;
    c.notice_jws = text;
    c.from = n.from;
    c.confirmation = conf_id;
    c.conf_jws = conf;
    c.conf_len = conf_len;
    c.now = now;
    rc = store_txn(d->store, 1, restrict_fn, &c, now, NULL, 0, &err);
    if (rc != DAEMON_OK) {
        http_reply_error(reply, 500, "store", "the withdrawal could not be recorded: %s", err.text);
        core_log(d, CONFIG_LOG_ERROR, "store-failed", n.packet_id, peer, "%s", err.text);
        goto out;
    }
    peerckpt_keep(d, peer, n.packet_id, "withdrawal notice", n.checkpoint);
    if (c.again) {
        reply_ok(reply, NULL);
        goto out;
    }
    core_log(d, CONFIG_LOG_INFO, "withdrawn", n.packet_id, peer,
             "consent %s withdrawn by the sender: content restricted, erased at %s; confirmation "
             "%s queued",
             consent, core_time(c.erase_after, when), conf_id);
    core_worker_kick(d);
    reply_ok(reply, conf_id);
out:
    json_decref(extra);
    free(conf);
    free(checkpoint);
    free(text);
    store_in_clear(&in);
    keys_notice_clear(&n);
}

/* ---- the sender: a confirmation ---- */

struct confirm_ctx {
    const char *packet, *id, *from, *jws, *withdrawal;
    time_t now, erase_after;
    int again, unknown, other;
    char notice[KEYS_UUID_LEN + 1];
};

static enum daemon_status
confirm_fn(void *ctx, struct sqlite3 *db, const unsigned char *key, struct daemon_err *err)
{
    struct confirm_ctx *c = ctx;
    sqlite3_stmt *st = NULL;
    enum daemon_status rc = DAEMON_OK;
    char detail[400], when[KEYS_TIME_LEN + 1];
    int r;

    (void)key;
    if (sqlite3_prepare_v2(db,
                           "SELECT id FROM outbox WHERE kind = 'notice' AND answers = ? AND "
                           "form_type = ? ORDER BY created DESC LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return db_err(db, err, "reading the outbox");
    bind_str(st, 1, c->packet);
    bind_str(st, 2, KEYS_TYP_WITHDRAWAL);
    r = sqlite3_step(st);
    if (r == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
        snprintf(c->notice, sizeof c->notice, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    st = NULL;
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return db_err(db, err, "reading the outbox");
    if (r == SQLITE_DONE) {
        c->unknown = 1;
        return DAEMON_OK;
    }
    if (strcmp(c->notice, c->withdrawal) != 0) {
        c->other = 1;
        return DAEMON_OK;
    }
    if (sqlite3_prepare_v2(db,
                           "INSERT OR IGNORE INTO notices_in (id, typ, packet, from_oin, received, "
                           "jws) VALUES (?, ?, ?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK)
        return db_err(db, err, "recording the confirmation");
    if (bind_str(st, 1, c->id) | bind_str(st, 2, KEYS_TYP_WITHDRAWAL_CONFIRMATION) |
            bind_str(st, 3, c->packet) | bind_str(st, 4, c->from) |
            sqlite3_bind_int64(st, 5, (sqlite3_int64)c->now) | bind_str(st, 6, c->jws) ||
        sqlite3_step(st) != SQLITE_DONE)
        rc = db_err(db, err, "recording the confirmation");
    sqlite3_finalize(st);
    if (rc != DAEMON_OK)
        return rc;
    if (sqlite3_changes(db) == 0) {
        c->again = 1;
        return DAEMON_OK;
    }
    snprintf(detail, sizeof detail,
             "the recipient confirmed withdrawal notice %s (confirmation %s): it no longer shows "
             "the content and erases it at %s",
             c->withdrawal, c->id, core_time(c->erase_after, when));
    return audit_row(db, c->now, "withdrawal-confirmed", c->packet, c->from, detail, err);
}

static void
receive_confirmation(struct daemon *d, const char *peer, const unsigned char *body, size_t len,
                     struct http_reply *reply)
{
    struct keys_notice n = {0};
    struct keys_trust trust;
    struct daemon_err err = {0};
    struct keys_err kerr = {0};
    struct store_out o = {0};
    struct confirm_ctx c = {0};
    char why[800];
    const char *withdrawal;
    json_t *erase;
    time_t now = time(NULL);
    char *text = NULL;
    enum daemon_status rc;
    enum keys_status st;

    core_trust(d, &trust);
    st = keys_notice_verify(&trust, KEYS_TYP_WITHDRAWAL_CONFIRMATION, (const char *)body, len, now,
                            &n, &kerr);
    if (st != KEYS_OK) {
        snprintf(why, sizeof why, "withdrawal confirmation refused: %s", kerr.text);
        core_refuse_notice(d, reply, keys_status_is_refusal(st) ? 400 : 500, "notice-refused", NULL,
                           peer, why);
        return;
    }
    if (strcmp(n.from, peer) != 0 || strcmp(n.to, d->me->oin) != 0) {
        snprintf(why, sizeof why,
                 "the withdrawal confirmation goes from OIN %s to OIN %s, but it came from OIN "
                 "%s to this organisation (OIN %s)",
                 n.from, n.to, peer, d->me->oin);
        core_refuse_notice(d, reply, 403, "from-mismatch", n.packet_id, peer, why);
        goto out;
    }
    withdrawal = json_string_value(json_object_get(n.claims, "withdrawal"));
    erase = json_object_get(n.claims, "erase_after");
    if (withdrawal == NULL || strlen(withdrawal) != KEYS_UUID_LEN || !json_is_integer(erase) ||
        json_integer_value(erase) < 0) {
        core_refuse_notice(
            d, reply, 400, "notice-refused", n.packet_id, peer,
            "the withdrawal confirmation must name the withdrawal notice it confirms in "
            "\"withdrawal\" and when the content is erased in \"erase_after\"");
        goto out;
    }
    if (!core_notice_sent_packet(d, peer, &n, "withdrawal confirmation", "is about", &o, reply))
        goto out;
    text = strndup((const char *)body, len);
    if (text == NULL) {
        http_reply_error(reply, 500, "no-memory", "out of memory");
        goto out;
    }
    c.packet = n.packet_id;
    c.id = n.id;
    c.from = n.from;
    c.jws = text;
    c.withdrawal = withdrawal;
    c.now = now;
    c.erase_after = (time_t)json_integer_value(erase);
    rc = store_txn(d->store, 1, confirm_fn, &c, now, NULL, 0, &err);
    if (rc != DAEMON_OK) {
        http_reply_error(reply, 500, "store", "the confirmation could not be recorded: %s",
                         err.text);
        core_log(d, CONFIG_LOG_ERROR, "store-failed", n.packet_id, peer, "%s", err.text);
        goto out;
    }
    if (c.unknown || c.other) {
        snprintf(why, sizeof why,
                 c.unknown ? "no withdrawal notice was sent for packet %s: there is nothing to "
                             "confirm"
                           : "the confirmation names withdrawal notice %s, which is not the one "
                             "sent for this packet",
                 c.unknown ? n.packet_id : withdrawal);
        core_refuse_notice(d, reply, 409, c.unknown ? "no-withdrawal" : "other-withdrawal",
                           n.packet_id, peer, why);
        goto out;
    }
    if (!c.again)
        core_log(d, CONFIG_LOG_INFO, "withdrawal-confirmed", n.packet_id, peer,
                 "withdrawal notice %s confirmed (confirmation %s)", withdrawal, n.id);
    peerckpt_keep(d, peer, n.packet_id, "withdrawal confirmation", n.checkpoint);
    reply_ok(reply, NULL);
out:
    store_out_clear(&o);
    free(text);
    keys_notice_clear(&n);
}

void
withdrawal_receive_notice(struct daemon *d, const char *peer, const char *typ,
                          const unsigned char *body, size_t len, struct http_reply *reply)
{
    if (strcmp(typ, KEYS_TYP_WITHDRAWAL) == 0)
        receive_withdrawal(d, peer, body, len, reply);
    else
        receive_confirmation(d, peer, body, len, reply);
}

/* ---- what the admin API shows ---- */

struct in_row {
    const char *packet;
    int found;
    char consent[WITHDRAWAL_CONSENT_MAX + 1];
    time_t withdrawn, erase_after, erased;
};

static enum daemon_status
in_row_fn(void *ctx, struct sqlite3 *db, const unsigned char *key, struct daemon_err *err)
{
    struct in_row *w = ctx;
    sqlite3_stmt *st = NULL;
    int r;

    (void)key;
    if (sqlite3_prepare_v2(db,
                           "SELECT consent, withdrawn, erase_after, erased FROM withdrawals_in "
                           "WHERE packet = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return db_err(db, err, "reading the withdrawals");
    bind_str(st, 1, w->packet);
    r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        w->found = 1;
        snprintf(w->consent, sizeof w->consent, "%s",
                 sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "");
        w->withdrawn = col_t(st, 1);
        w->erase_after = col_t(st, 2);
        w->erased = col_t(st, 3);
    }
    sqlite3_finalize(st);
    return r == SQLITE_ROW || r == SQLITE_DONE ? DAEMON_OK : db_err(db, err, "reading withdrawals");
}

static int
in_row_get(struct daemon *d, const char *id, struct in_row *w)
{
    struct daemon_err err = {0};

    memset(w, 0, sizeof *w);
    w->packet = id;
    if (store_txn(d->store, 0, in_row_fn, w, 0, NULL, 0, &err) != DAEMON_OK) {
        core_log(d, CONFIG_LOG_ERROR, "store-failed", id, NULL, "%s", err.text);
        return 0;
    }
    return w->found;
}

int
withdrawal_inbox_refuse(struct daemon *d, const char *id, struct http_reply *reply)
{
    struct in_row w;
    char t1[KEYS_TIME_LEN + 1], t2[KEYS_TIME_LEN + 1];

    if (!in_row_get(d, id, &w))
        return 0;
    if (w.erased != 0)
        http_reply_error(reply, 410, "withdrawn",
                         "packet %s is withdrawn: its sender withdrew consent %s on %s, so it is "
                         "no longer shown or handled, and its content was erased on %s",
                         id, w.consent, core_time(w.withdrawn, t1), core_time(w.erased, t2));
    else
        http_reply_error(reply, 410, "withdrawn",
                         "packet %s is withdrawn: its sender withdrew consent %s on %s, so it is "
                         "no longer shown or handled; its content is erased on %s",
                         id, w.consent, core_time(w.withdrawn, t1), core_time(w.erase_after, t2));
    return 1;
}

void
withdrawal_inbox_annotate(struct daemon *d, json_t *item, const char *id)
{
    struct in_row w;

    if (item == NULL || !in_row_get(d, id, &w))
        return;
    json_object_set_new(item, "state", json_string("withdrawn"));
    json_object_set_new(item, "consent", json_string(w.consent));
    core_set_time(item, "withdrawn", w.withdrawn);
    core_set_time(item, "erase_after", w.erase_after);
    core_set_time(item, "erased", w.erased);
}

/* One row of the sender's view: a packet sent under the consent and its withdrawal. */
struct out_view {
    const char *consent; /* by consent, or */
    const char *packet;  /* by packet */
    json_t *list;
};

static enum daemon_status
out_view_fn(void *ctx, struct sqlite3 *db, const unsigned char *key, struct daemon_err *err)
{
    struct out_view *v = ctx;
    sqlite3_stmt *st = NULL;
    enum daemon_status rc = DAEMON_OK;
    int r;

    (void)key;
    if (sqlite3_prepare_v2(
            db,
            "SELECT p.id, p.to_oin, w.id, w.state, w.delivered, c.id, c.received, c.jws "
            "FROM outbox p "
            "LEFT JOIN outbox w ON w.kind = 'notice' AND w.answers = p.id AND w.form_type = ?1 "
            "LEFT JOIN notices_in c ON c.packet = p.id AND c.typ = ?2 "
            "WHERE p.kind = 'packet' AND (lower(p.consent_id) = lower(?3) OR p.id = ?4) "
            "ORDER BY p.created, p.rowid",
            -1, &st, NULL) != SQLITE_OK)
        return db_err(db, err, "reading the outbox");
    bind_str(st, 1, KEYS_TYP_WITHDRAWAL);
    bind_str(st, 2, KEYS_TYP_WITHDRAWAL_CONFIRMATION);
    bind_str(st, 3, v->consent);
    bind_str(st, 4, v->packet);
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *row = json_object(), *claims;
        char *s;

        if (row == NULL || json_array_append_new(v->list, row) != 0) {
            rc = daemon_fail(err, DAEMON_ENOMEM, "out of memory");
            break;
        }
        s = col_str(st, 0);
        json_object_set_new(row, "packet", json_string(s != NULL ? s : ""));
        free(s);
        s = col_str(st, 1);
        json_object_set_new(row, "to", json_string(s != NULL ? s : ""));
        free(s);
        s = col_str(st, 2);
        if (s != NULL)
            json_object_set_new(row, "notice", json_string(s));
        free(s);
        s = col_str(st, 3);
        if (s != NULL)
            json_object_set_new(row, "notice_state", json_string(s));
        free(s);
        core_set_time(row, "notice_delivered", col_t(st, 4));
        s = col_str(st, 5);
        if (s != NULL)
            json_object_set_new(row, "confirmation", json_string(s));
        free(s);
        core_set_time(row, "confirmed", col_t(st, 6));
        s = col_str(st, 7);
        claims = core_jws_claims(s);
        free(s);
        if (json_is_integer(json_object_get(claims, "erase_after")))
            core_set_time(row, "erase_after",
                          (time_t)json_integer_value(json_object_get(claims, "erase_after")));
        json_decref(claims);
    }
    if (rc == DAEMON_OK && r != SQLITE_DONE)
        rc = db_err(db, err, "reading the outbox");
    sqlite3_finalize(st);
    return rc;
}

enum daemon_status
withdrawal_status(struct daemon *d, const char *consent_id, json_t **out, struct daemon_err *err)
{
    struct out_view v = {consent_id, NULL, json_array()};
    enum daemon_status rc;
    size_t i, notified = 0, confirmed = 0;
    json_t *row, *o;
    const char *name;

    if (v.list == NULL)
        return daemon_fail(err, DAEMON_ENOMEM, "out of memory");
    rc = store_txn(d->store, 0, out_view_fn, &v, 0, NULL, 0, err);
    if (rc != DAEMON_OK) {
        json_decref(v.list);
        return rc;
    }
    json_array_foreach (v.list, i, row) {
        name = core_member_name(d, json_string_value(json_object_get(row, "to")));
        if (name != NULL)
            json_object_set_new(row, "to_name", json_string(name));
        notified += json_object_get(row, "notice") != NULL;
        confirmed += json_object_get(row, "confirmed") != NULL;
    }
    o = json_pack("{s:o, s:I, s:I}", "recipients", v.list, "notified", (json_int_t)notified,
                  "confirmed", (json_int_t)confirmed);
    if (o == NULL)
        return daemon_fail(err, DAEMON_ENOMEM, "out of memory");
    *out = o;
    return DAEMON_OK;
}

void
withdrawal_outbox_annotate(struct daemon *d, json_t *item, const char *id)
{
    struct out_view v = {NULL, id, json_array()};
    struct daemon_err err = {0};
    json_t *row, *w;

    if (item == NULL || v.list == NULL) {
        json_decref(v.list);
        return;
    }
    if (store_txn(d->store, 0, out_view_fn, &v, 0, NULL, 0, &err) != DAEMON_OK) {
        core_log(d, CONFIG_LOG_ERROR, "store-failed", id, NULL, "%s", err.text);
    } else {
        row = json_array_get(v.list, 0);
        if (row != NULL && json_object_get(row, "notice") != NULL) {
            w = json_deep_copy(row);
            if (w != NULL) {
                json_object_del(w, "packet");
                json_object_del(w, "to");
                json_object_set_new(item, "withdrawal", w);
            }
        }
    }
    json_decref(v.list);
}

/* ---- the recipient's erasure ---- */

struct due_ctx {
    time_t now;
    size_t n;
    char ids[WITHDRAWAL_SWEEP_BATCH][KEYS_UUID_LEN + 1];
    char consents[WITHDRAWAL_SWEEP_BATCH][WITHDRAWAL_CONSENT_MAX + 1];
    char from[WITHDRAWAL_SWEEP_BATCH][KEYS_OIN_LEN + 1];
};

static enum daemon_status
due_fn(void *ctx, struct sqlite3 *db, const unsigned char *key, struct daemon_err *err)
{
    struct due_ctx *c = ctx;
    sqlite3_stmt *st = NULL;
    int r;

    (void)key;
    if (sqlite3_prepare_v2(db,
                           "SELECT w.packet, w.consent, i.from_oin FROM withdrawals_in w "
                           "JOIN inbox i ON i.id = w.packet "
                           "WHERE w.erased IS NULL AND w.erase_after <= ? LIMIT ?",
                           -1, &st, NULL) != SQLITE_OK)
        return db_err(db, err, "reading the withdrawals");
    sqlite3_bind_int64(st, 1, (sqlite3_int64)c->now);
    sqlite3_bind_int(st, 2, WITHDRAWAL_SWEEP_BATCH);
    while (c->n < WITHDRAWAL_SWEEP_BATCH && (r = sqlite3_step(st)) == SQLITE_ROW) {
        snprintf(c->ids[c->n], sizeof c->ids[c->n], "%.36s",
                 sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "");
        snprintf(c->consents[c->n], sizeof c->consents[c->n], "%.64s",
                 sqlite3_column_text(st, 1) ? (const char *)sqlite3_column_text(st, 1) : "");
        snprintf(c->from[c->n], sizeof c->from[c->n], "%.20s",
                 sqlite3_column_text(st, 2) ? (const char *)sqlite3_column_text(st, 2) : "");
        c->n++;
    }
    sqlite3_finalize(st);
    return DAEMON_OK;
}

struct mark_ctx {
    const char *packet;
    time_t now;
};

static enum daemon_status
mark_fn(void *ctx, struct sqlite3 *db, const unsigned char *key, struct daemon_err *err)
{
    struct mark_ctx *m = ctx;
    sqlite3_stmt *st = NULL;
    enum daemon_status rc = DAEMON_OK;

    (void)key;
    if (sqlite3_prepare_v2(db, "UPDATE withdrawals_in SET erased = ? WHERE packet = ?", -1, &st,
                           NULL) != SQLITE_OK)
        return db_err(db, err, "recording the erasure");
    if (sqlite3_bind_int64(st, 1, (sqlite3_int64)m->now) | bind_str(st, 2, m->packet) ||
        sqlite3_step(st) != SQLITE_DONE)
        rc = db_err(db, err, "recording the erasure");
    sqlite3_finalize(st);
    return rc;
}

void
withdrawal_sweep(struct daemon *d, time_t now)
{
    struct due_ctx *c = calloc(1, sizeof *c);
    struct daemon_err err = {0};
    struct store_event ev;
    struct mark_ctx m;
    char detail[300];
    size_t i;

    if (c == NULL)
        return;
    c->now = now;
    if (store_txn(d->store, 0, due_fn, c, now, NULL, 0, &err) != DAEMON_OK) {
        core_log(d, CONFIG_LOG_ERROR, "store-failed", NULL, NULL, "%s", err.text);
        goto out;
    }
    for (i = 0; i < c->n; i++) {
        /* Erase first, then mark: a crash in between erases again (which is harmless). */
        snprintf(detail, sizeof detail,
                 "content erased (its record key destroyed): the sender withdrew consent %s and "
                 "the grace period is over",
                 c->consents[i]);
        ev = (struct store_event){"erased", c->ids[i], c->from[i], detail, NULL, NULL};
        if (store_inbox_erase(d->store, c->ids[i], now, &ev, &err) != DAEMON_OK) {
            core_log(d, CONFIG_LOG_ERROR, "erase-failed", c->ids[i], c->from[i], "%s", err.text);
            continue;
        }
        m = (struct mark_ctx){c->ids[i], now};
        if (store_txn(d->store, 1, mark_fn, &m, now, NULL, 0, &err) != DAEMON_OK) {
            core_log(d, CONFIG_LOG_ERROR, "store-failed", c->ids[i], c->from[i], "%s", err.text);
            continue;
        }
        core_log(d, CONFIG_LOG_INFO, "erased", c->ids[i], c->from[i], "%s", detail);
    }
out:
    free(c);
}
