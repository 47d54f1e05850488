/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * Checkpoints that travel (keys/PACKETS.md 9.10): our latest signed checkpoint goes along with
 * every receipt and notice we sign, and the checkpoints that peers send along with theirs are
 * verified and kept, so that an organisation that rewrites its audit history is caught by the
 * checkpoints its peers hold: two signed checkpoints of one size with different heads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "audit.h"

/* ---- ours: the latest checkpoint ---- */

/* 1 when s has the shape keys_notice_sign takes for a "checkpoint": three non-empty base64url
 * parts, at most KEYS_MAX_CHECKPOINT characters. Anything else in the table (it is never written
 * so) must not make every receipt and notice fail to sign. */
static int
shaped(const char *s)
{
    size_t i, dots = 0, run = 0;

    for (i = 0; s[i] != '\0'; i++) {
        if (i >= KEYS_MAX_CHECKPOINT)
            return 0;
        if (s[i] == '.') {
            if (run == 0)
                return 0;
            dots++;
            run = 0;
        } else if ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
                   (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_') {
            run++;
        } else {
            return 0;
        }
    }
    return dots == 2 && run > 0;
}

char *
peerckpt_latest(struct daemon *d)
{
    struct daemon_err err = {0};
    char *jws = NULL;

    if (core_audit_latest_checkpoint(d, &jws, &err) != DAEMON_OK) {
        core_log(d, CONFIG_LOG_WARNING, "checkpoint-unread", NULL, NULL,
                 "the latest audit checkpoint could not be read, so none goes along: %s", err.text);
        return NULL;
    }
    if (jws != NULL && !shaped(jws)) {
        core_log(d, CONFIG_LOG_WARNING, "checkpoint-unread", NULL, NULL,
                 "the latest audit checkpoint in the store is not a compact JWS of at most %u "
                 "characters: none goes along",
                 KEYS_MAX_CHECKPOINT);
        free(jws);
        return NULL;
    }
    return jws;
}

/* ---- theirs: keeping the checkpoints peers send ---- */

struct keep_ctx {
    const struct keys_checkpoint *cp;
    const char *peer, *packet, *via, *jws;
    time_t now;
    int stored, conflict;
    char detail[1400];
};

static int
bind_text(sqlite3_stmt *st, int i, const char *v)
{
    return v != NULL ? sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

static enum daemon_status
keep_fn(void *ctx, struct sqlite3 *db, const unsigned char *key, struct daemon_err *err)
{
    struct keep_ctx *c = ctx;
    char held_b64[44], new_b64[44]; /* base64url of a SHA-256 digest: 43 characters */
    char held_at[KEYS_TIME_LEN + 1], new_at[KEYS_TIME_LEN + 1];
    unsigned char held[KEYS_SHA256_LEN] = {0};
    enum daemon_status rc;
    sqlite3_stmt *st = NULL;
    struct store_event ev;
    const void *head;
    time_t at = 0;
    int r;

    (void)key;
    if (sqlite3_prepare_v2(db, "SELECT head, at FROM peer_checkpoints WHERE peer = ? AND size = ?",
                           -1, &st, NULL) != SQLITE_OK)
        goto fail;
    if (bind_text(st, 1, c->peer) != SQLITE_OK ||
        sqlite3_bind_int64(st, 2, (sqlite3_int64)c->cp->size) != SQLITE_OK)
        goto fail;
    r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        head = sqlite3_column_blob(st, 0);
        if (head != NULL && sqlite3_column_bytes(st, 0) == KEYS_SHA256_LEN) /* the table's CHECK */
            memcpy(held, head, sizeof held);
        at = (time_t)sqlite3_column_int64(st, 1);
        sqlite3_finalize(st);
        if (memcmp(held, c->cp->head, KEYS_SHA256_LEN) == 0)
            return DAEMON_OK; /* held already */
        /* Two signed checkpoints of one chain length with different heads: one of them is of a
         * history that was rewritten. The one held stays; the new one goes into the audit as
         * evidence. */
        keys_b64url_encode(held, sizeof held, held_b64, sizeof held_b64, NULL);
        keys_b64url_encode(c->cp->head, KEYS_SHA256_LEN, new_b64, sizeof new_b64, NULL);
        snprintf(c->detail, sizeof c->detail,
                 "the %s for packet %s carries a checkpoint of OIN %s's audit chain at %lld "
                 "entries with head %s (signed %s), but the checkpoint held for that length has "
                 "head %s (signed %s): that organisation's audit history was rewritten. The new "
                 "checkpoint: %s",
                 c->via, c->packet != NULL ? c->packet : "-", c->peer, c->cp->size, new_b64,
                 core_time(c->cp->at, new_at), held_b64, core_time(at, held_at), c->jws);
        c->conflict = 1;
        ev = (struct store_event){
            "peer-checkpoint-conflict", c->packet, c->peer, c->detail, NULL, NULL};
        return store_audit_append(db, c->now, &ev, err);
    }
    if (r != SQLITE_DONE)
        goto fail;
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(db,
                           "INSERT OR IGNORE INTO peer_checkpoints (peer, size, head, at, "
                           "received, jws) VALUES (?, ?, ?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK)
        goto fail;
    if (bind_text(st, 1, c->peer) != SQLITE_OK ||
        sqlite3_bind_int64(st, 2, (sqlite3_int64)c->cp->size) != SQLITE_OK ||
        sqlite3_bind_blob(st, 3, c->cp->head, KEYS_SHA256_LEN, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int64(st, 4, (sqlite3_int64)c->cp->at) != SQLITE_OK ||
        sqlite3_bind_int64(st, 5, (sqlite3_int64)c->now) != SQLITE_OK ||
        bind_text(st, 6, c->jws) != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE)
        goto fail;
    c->stored = sqlite3_changes(db) > 0;
    sqlite3_finalize(st);
    return DAEMON_OK;
fail:
    rc = daemon_fail(err, DAEMON_ESTORE, "keeping the peer's checkpoint: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc;
}

/* Whether jws (its SHA-256 in h) is the checkpoint last kept from peer; with remember, records it
 * as such instead. */
static int
seen(struct daemon *d, const char *peer, const unsigned char h[KEYS_SHA256_LEN], int remember)
{
    size_t i, n = sizeof d->ckpt_seen / sizeof d->ckpt_seen[0];
    int found = 0;

    pthread_mutex_lock(&d->ckpt_mu);
    for (i = 0; i < n && strcmp(d->ckpt_seen[i].peer, peer) != 0; i++)
        ;
    if (remember) {
        if (i == n) {
            i = d->ckpt_next;
            d->ckpt_next = (d->ckpt_next + 1) % n;
            snprintf(d->ckpt_seen[i].peer, sizeof d->ckpt_seen[i].peer, "%s", peer);
        }
        memcpy(d->ckpt_seen[i].jws_sha256, h, KEYS_SHA256_LEN);
    } else {
        found = i < n && sodium_memcmp(d->ckpt_seen[i].jws_sha256, h, KEYS_SHA256_LEN) == 0;
    }
    pthread_mutex_unlock(&d->ckpt_mu);
    return found;
}

void
peerckpt_keep(struct daemon *d, const char *peer, const char *packet, const char *via,
              const char *jws)
{
    struct keys_checkpoint cp = {0};
    struct keep_ctx c = {0};
    struct daemon_err err = {0};
    struct keys_err kerr = {0};
    struct keys_trust trust;
    time_t now = time(NULL);
    unsigned char h[KEYS_SHA256_LEN];
    char why[600];

    if (jws == NULL || strlen(peer) > KEYS_OIN_LEN)
        return;
    /* A peer signs a checkpoint a minute: most receipts carry the one kept already. */
    crypto_hash_sha256(h, (const unsigned char *)jws, strlen(jws));
    if (seen(d, peer, h, 0))
        return;
    core_trust(d, &trust);
    if (keys_checkpoint_verify(&trust, jws, strlen(jws), &cp, &kerr) != KEYS_OK) {
        snprintf(why, sizeof why, "the checkpoint along with the %s was refused and not kept: %s",
                 via, kerr.text);
        goto refused;
    }
    if (strcmp(cp.iss, peer) != 0) {
        snprintf(why, sizeof why,
                 "the checkpoint along with the %s is of OIN %s's audit chain, not of its "
                 "issuer's (OIN %s): refused and not kept",
                 via, cp.iss, peer);
        goto refused;
    }
    c.cp = &cp;
    c.peer = peer;
    c.packet = packet;
    c.via = via;
    c.jws = jws;
    c.now = now;
    if (store_txn(d->store, 1, keep_fn, &c, now, NULL, 0, &err) != DAEMON_OK) {
        core_log(d, CONFIG_LOG_ERROR, "store-failed", packet, peer,
                 "the peer's audit checkpoint could not be kept: %s", err.text);
        return;
    }
    if (c.conflict) {
        core_log(d, CONFIG_LOG_ERROR, "peer-checkpoint-conflict", packet, peer, "%s", c.detail);
        return;
    }
    seen(d, peer, h, 1);
    if (c.stored)
        core_log(d, CONFIG_LOG_DEBUG, "peer-checkpoint", packet, peer,
                 "kept the peer's audit checkpoint at %lld entries", cp.size);
    return;
refused:
    /* The receipt or notice itself holds: what it says was verified on its own. */
    core_log(d, CONFIG_LOG_WARNING, "peer-checkpoint-refused", packet, peer, "%s", why);
    core_audit(d, now, "peer-checkpoint-refused", packet, peer, "%s", why);
}
