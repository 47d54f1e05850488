/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * Take-over decisions both ways: a caseworker's acceptance or rejection of a received packet,
 * signed and queued back to its sender with the inbox change in one transaction; and, at the
 * sender, the peer's notice verified against the exact packet it answers.
 *
 * Notice members (keys/PACKETS.md 9.6 leaves them to the commands that make them): an
 * acceptance has "accepted_by" (who took the young person over: "NAME, ROLE"); a rejection has
 * "reason" and may have "rejected_by".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "core.h"
#include "withdrawal.h"

json_t *
core_jws_claims(const char *jws)
{
    const char *a = jws != NULL ? strchr(jws, '.') : NULL,
               *b = a != NULL ? strchr(a + 1, '.') : NULL;
    unsigned char *buf;
    size_t n = 0, max;
    json_t *claims = NULL;

    if (b == NULL)
        return NULL;
    max = (size_t)(b - a) * 3 / 4 + 4;
    buf = malloc(max);
    if (buf == NULL)
        return NULL;
    if (keys_b64url_decode(a + 1, (size_t)(b - a - 1), buf, max, &n, "JWS payload", NULL) ==
        KEYS_OK)
        claims = json_loadb((const char *)buf, n, JSON_REJECT_DUPLICATES, NULL);
    free(buf);
    if (claims != NULL && !json_is_object(claims)) {
        json_decref(claims);
        claims = NULL;
    }
    return claims;
}

/* The "typ" of a compact JWS's protected header, into out; 0 when it has none. */
static int
jws_typ(const unsigned char *jws, size_t len, char *out, size_t size)
{
    const unsigned char *dot = memchr(jws, '.', len);
    unsigned char buf[KEYS_MAX_HEADER];
    const char *typ;
    size_t n = 0;
    json_t *h;

    if (dot == NULL || keys_b64url_decode((const char *)jws, (size_t)(dot - jws), buf, sizeof buf,
                                          &n, "JWS header", NULL) != KEYS_OK)
        return 0;
    h = json_loadb((const char *)buf, n, JSON_REJECT_DUPLICATES, NULL);
    typ = json_string_value(json_object_get(h, "typ"));
    if (typ != NULL)
        snprintf(out, size, "%s", typ);
    json_decref(h);
    return typ != NULL;
}

/* 1 when s is 1..max bytes of text without control characters (newline and tab allowed when
 * lines is non-zero). */
static int
good_text(const char *s, size_t max, int lines)
{
    const unsigned char *p;
    size_t n = s != NULL ? strlen(s) : 0;

    if (n == 0 || n > max)
        return 0;
    for (p = (const unsigned char *)s; *p != '\0'; p++)
        if ((*p < 0x20 && !(lines && (*p == '\n' || *p == '\t'))) || *p == 0x7f)
            return 0;
    return 1;
}

static void
reply_item(struct daemon *d, const char *id, int status, struct http_reply *reply)
{
    struct daemon_err err = {0};
    struct store_in in = {0};
    json_t *item;

    if (store_inbox_get(d->store, id, &in, NULL, NULL, &err) != DAEMON_OK) {
        http_reply_error(reply, 500, "store", "%s", err.text);
        return;
    }
    item = core_inbox_item(d, &in);
    if (item == NULL || http_reply_json(reply, status, item) != DAEMON_OK)
        http_reply_error(reply, 500, "no-memory", "out of memory");
    json_decref(item);
    store_in_clear(&in);
}

void
core_decide(struct daemon *d, const char *id, enum store_in_state state, const char *by,
            const char *reason, const char *actor, struct http_reply *reply)
{
    const int accept = state == STORE_IN_ACCEPTED;
    const char *typ = accept ? KEYS_TYP_ACCEPTANCE : KEYS_TYP_REJECTION;
    const struct keys_sign_key *signer;
    struct daemon_err err = {0};
    struct keys_err kerr = {0};
    struct store_in in = {0};
    struct store_out o = {0};
    struct store_event ev;
    char detail[400];
    const char *jti;
    json_t *extra = NULL, *claims = NULL;
    time_t now = time(NULL);
    char *jws = NULL, *checkpoint = NULL;
    size_t len = 0;
    enum daemon_status rc;

    if (accept && !good_text(by, CORE_BY_MAX, 0)) {
        http_reply_error(reply, 400, "bad-request",
                         "\"by\" must say who takes the young person over (\"NAME, ROLE\"): 1 to "
                         "%d characters on one line",
                         CORE_BY_MAX);
        return;
    }
    if (!accept && !good_text(reason, CORE_REASON_MAX, 1)) {
        http_reply_error(reply, 400, "bad-request",
                         "\"reason\" must say why the young person is not taken over: 1 to %d "
                         "characters",
                         CORE_REASON_MAX);
        return;
    }
    if (!accept && by != NULL && !good_text(by, CORE_BY_MAX, 0)) {
        http_reply_error(reply, 400, "bad-request", "\"by\" must be 1 to %d characters on one line",
                         CORE_BY_MAX);
        return;
    }
    rc = store_inbox_get(d->store, id, &in, NULL, NULL, &err);
    if (rc != DAEMON_OK) {
        http_reply_error(reply, rc == DAEMON_ENOTFOUND ? 404 : 500,
                         rc == DAEMON_ENOTFOUND ? "not-found" : "store", "%s", err.text);
        return;
    }
    if (in.state != STORE_NEW) {
        http_reply_error(reply, 409, "state", "packet %s was %s already; a decision is final", id,
                         store_in_state_name(in.state));
        goto out;
    }
    signer = keys_keystore_signer(d->ks, now);
    if (signer == NULL) {
        http_reply_error(reply, 503, "keys",
                         "the keystore has no signing key valid now; rotate the keys first");
        goto out;
    }
    extra = accept ? json_pack("{s:s}", "accepted_by", by) : json_pack("{s:s}", "reason", reason);
    if (extra == NULL || (!accept && by != NULL &&
                          json_object_set_new(extra, "rejected_by", json_string(by)) != 0)) {
        http_reply_error(reply, 500, "no-memory", "out of memory");
        goto out;
    }
    /* Our latest audit checkpoint goes along, for the sender to keep (keys/PACKETS.md 9.10). */
    checkpoint = peerckpt_latest(d);
    if (checkpoint != NULL &&
        json_object_set_new(extra, "checkpoint", json_string(checkpoint)) != 0) {
        http_reply_error(reply, 500, "no-memory", "out of memory");
        goto out;
    }
    if (keys_notice_sign(signer, typ, d->me->oin, in.from, in.id, in.sha256, extra, now, &jws, &len,
                         &kerr) != KEYS_OK) {
        http_reply_error(reply, 500, "sign", "cannot sign the notice: %s", kerr.text);
        goto out;
    }
    claims = core_jws_claims(jws);
    jti = json_string_value(json_object_get(claims, "jti"));
    if (jti == NULL || strlen(jti) != KEYS_UUID_LEN) {
        http_reply_error(reply, 500, "sign", "the signed notice does not read back");
        goto out;
    }
    memcpy(o.id, jti, KEYS_UUID_LEN + 1);
    o.kind = STORE_NOTICE;
    snprintf(o.to, sizeof o.to, "%s", in.from);
    o.form_type = (char *)typ;
    o.body = jws;
    o.body_len = len;
    /* by names a member of staff; the reason stays out of the audit (it may describe the young
     * person), it travels in the notice only. */
    snprintf(detail, sizeof detail, "%s%.200s%s; notice %s queued for the sender",
             accept ? "taken over by " : "not taken over", accept ? by : (by ? " by " : ""),
             accept ? "" : (by ? by : ""), jti);
    ev = (struct store_event){accept ? "accepted" : "rejected", id, in.from, detail, NULL, actor};
    rc = store_inbox_decide(d->store, id, state, by, reason, now, &o, &ev, &err);
    if (rc != DAEMON_OK) {
        http_reply_error(reply,
                         rc == DAEMON_ECONFLICT   ? 409
                         : rc == DAEMON_ENOTFOUND ? 404
                                                  : 500,
                         rc == DAEMON_ECONFLICT ? "state" : "store", "%s", err.text);
        goto out;
    }
    core_log(d, CONFIG_LOG_INFO, accept ? "accepted" : "rejected", id, in.from,
             "notice %s queued for the sender", jti);
    core_worker_kick(d);
    reply_item(d, id, 200, reply);
out:
    json_decref(claims);
    json_decref(extra);
    free(jws);
    free(checkpoint);
    store_in_clear(&in);
}

void
core_refuse_notice(struct daemon *d, struct http_reply *reply, int status, const char *code,
                   const char *packet, const char *peer, const char *why)
{
    http_reply_error(reply, status, code, "%s", why);
    core_log(d, CONFIG_LOG_WARNING, "notice-refused", packet, peer, "%s (HTTP %d %s)", why, status,
             code);
    core_audit(d, time(NULL), "notice-refused", packet, peer, "%s: %s", code, why);
}

int
core_notice_sent_packet(struct daemon *d, const char *peer, const struct keys_notice *n,
                        const char *what, const char *relation, struct store_out *o,
                        struct http_reply *reply)
{
    struct daemon_err err = {0};
    struct keys_err kerr = {0};
    enum daemon_status rc;
    char why[800];

    rc = store_outbox_get(d->store, n->packet_id, o, &err);
    if (rc == DAEMON_OK && o->kind != STORE_PACKET)
        rc = DAEMON_ENOTFOUND;
    if (rc != DAEMON_OK) {
        if (rc != DAEMON_ENOTFOUND) {
            http_reply_error(reply, 500, "store", "%s", err.text);
            return 0;
        }
        snprintf(why, sizeof why, "the %s %s packet %s, which this organisation did not send", what,
                 relation, n->packet_id);
        core_refuse_notice(d, reply, 404, "unknown-packet", n->packet_id, peer, why);
        return 0;
    }
    /* Bound to the exact bytes we sent, and from their recipient to us. */
    if (keys_notice_answers(n, o->body, o->body_len, &kerr) != KEYS_OK) {
        snprintf(why, sizeof why, "%s refused: %s", what, kerr.text);
        core_refuse_notice(d, reply, 400, "notice-refused", n->packet_id, peer, why);
        return 0;
    }
    return 1;
}

void
core_receive_notice(struct daemon *d, const char *peer, const unsigned char *body, size_t len,
                    struct http_reply *reply)
{
    struct keys_notice n = {0};
    struct keys_trust trust;
    struct daemon_err err = {0};
    struct keys_err kerr = {0};
    struct store_out o = {0};
    struct store_event ev;
    char typ[72] = "", why[800], detail[400];
    const char *by, *reason;
    enum store_out_state state;
    time_t now = time(NULL);
    enum daemon_status rc;
    enum keys_status st;
    json_t *ok;
    int again = 0;

    if (!core_directory_usable(d, now, why, sizeof why)) {
        http_reply_error(reply, 503, "directory-expired", "cannot receive: %s", why);
        return;
    }
    if (jws_typ(body, len, typ, sizeof typ) &&
        (strcmp(typ, KEYS_TYP_WITHDRAWAL) == 0 ||
         strcmp(typ, KEYS_TYP_WITHDRAWAL_CONFIRMATION) == 0)) {
        withdrawal_receive_notice(d, peer, typ, body, len, reply);
        return;
    }
    if (!jws_typ(body, len, typ, sizeof typ) ||
        (strcmp(typ, KEYS_TYP_ACCEPTANCE) != 0 && strcmp(typ, KEYS_TYP_REJECTION) != 0)) {
        snprintf(why, sizeof why,
                 "not a notice this batond takes: POST an acceptance (%s), rejection (%s), "
                 "withdrawal (%s) or withdrawal confirmation (%s) JWS",
                 KEYS_TYP_ACCEPTANCE, KEYS_TYP_REJECTION, KEYS_TYP_WITHDRAWAL,
                 KEYS_TYP_WITHDRAWAL_CONFIRMATION);
        core_refuse_notice(d, reply, 400, "notice-kind", NULL, peer, why);
        return;
    }
    state = strcmp(typ, KEYS_TYP_ACCEPTANCE) == 0 ? STORE_ACCEPTED : STORE_REJECTED;
    core_trust(d, &trust);
    st = keys_notice_verify(&trust, typ, (const char *)body, len, now, &n, &kerr);
    if (st != KEYS_OK) {
        snprintf(why, sizeof why, "notice refused: %s", kerr.text);
        core_refuse_notice(d, reply, keys_status_is_refusal(st) ? 400 : 500, "notice-refused", NULL,
                           peer, why);
        return;
    }
    if (strcmp(n.from, peer) != 0) {
        snprintf(why, sizeof why,
                 "the notice is from OIN %s, but the TLS client is OIN %s: a notice must be "
                 "delivered by its issuer's own endpoint",
                 n.from, peer);
        core_refuse_notice(d, reply, 403, "from-mismatch", n.packet_id, peer, why);
        goto out;
    }
    if (strcmp(n.to, d->me->oin) != 0) {
        snprintf(why, sizeof why, "the notice is addressed to OIN %s, not to this organisation",
                 n.to);
        core_refuse_notice(d, reply, 403, "not-for-us", n.packet_id, peer, why);
        goto out;
    }
    if (!core_notice_sent_packet(d, peer, &n, "notice", "answers", &o, reply))
        goto out;
    by = json_string_value(
        json_object_get(n.claims, state == STORE_ACCEPTED ? "accepted_by" : "rejected_by"));
    reason = json_string_value(json_object_get(n.claims, "reason"));
    if ((state == STORE_ACCEPTED && !good_text(by, CORE_BY_MAX, 0)) ||
        (state == STORE_REJECTED && (!good_text(reason, CORE_REASON_MAX, 1) ||
                                     (by != NULL && !good_text(by, CORE_BY_MAX, 0))))) {
        snprintf(why, sizeof why,
                 state == STORE_ACCEPTED
                     ? "the acceptance must name who took over in \"accepted_by\" (1 to %d "
                       "characters on one line)"
                     : "the rejection must give a \"reason\" (1 to %d characters)",
                 state == STORE_ACCEPTED ? CORE_BY_MAX : CORE_REASON_MAX);
        core_refuse_notice(d, reply, 400, "notice-refused", n.packet_id, peer, why);
        goto out;
    }
    snprintf(detail, sizeof detail, "%s%s%.200s; notice %s verified",
             state == STORE_ACCEPTED ? "taken over" : "not taken over", by != NULL ? " by " : "",
             by != NULL ? by : "", n.id);
    ev = (struct store_event){store_out_state_name(state), n.packet_id, peer, detail, NULL, NULL};
    rc = store_outbox_decide(d->store, n.packet_id, state, by, reason, now, n.id, typ, n.from,
                             (const char *)body, &ev, &again, &err);
    if (rc == DAEMON_ECONFLICT) {
        /* Not yet delivered here: the issuer's worker tries again later, by when our receipt is
         * stored. Decided already by another notice: audited. */
        if (o.state == STORE_QUEUED) {
            http_reply_error(reply, 409, "not-yet", "%s", err.text);
            core_log(d, CONFIG_LOG_INFO, "notice-early", n.packet_id, peer, "%s", err.text);
        } else {
            core_refuse_notice(d, reply, 409, "state", n.packet_id, peer, err.text);
        }
        goto out;
    }
    if (rc != DAEMON_OK) {
        http_reply_error(reply, 500, "store", "%s", err.text);
        core_log(d, CONFIG_LOG_ERROR, "store-failed", n.packet_id, peer, "%s", err.text);
        goto out;
    }
    if (!again)
        core_log(d, CONFIG_LOG_INFO, store_out_state_name(state), n.packet_id, peer, "%s", detail);
    peerckpt_keep(d, peer, n.packet_id, state == STORE_ACCEPTED ? "acceptance" : "rejection",
                  n.checkpoint);
    ok = json_pack("{s:b}", "ok", 1);
    if (ok == NULL || http_reply_json(reply, 200, ok) != DAEMON_OK)
        http_reply_error(reply, 500, "no-memory", "out of memory");
    json_decref(ok);
out:
    store_out_clear(&o);
    keys_notice_clear(&n);
}
