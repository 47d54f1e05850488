/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * The peer API: receiving packets (opened, checked against the TLS client, stored encrypted and
 * committed before the signed receipt is returned; idempotent on the packet id), notices, and
 * the health check. The TLS client's organisation comes from its certificate's key pin, which
 * the HTTP server has already looked up in the directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "audit.h"
#include "core.h"
#include "metrics.h"
#include "policy.h"

/* Refuses with status and code, logs it and writes the audit entry "refused". */
static void
refuse(struct daemon *d, struct http_reply *reply, int status, const char *code, const char *packet,
       const char *peer, const char *why)
{
    time_t now = time(NULL);

    http_reply_error(reply, status, code, "%s", why);
    core_log(d, CONFIG_LOG_WARNING, "refused", packet, peer, "%s (HTTP %d %s)", why, status, code);
    core_audit(d, now, "refused", packet, peer, "%s: %s", code, why);
}

static void
reply_receipt(struct http_reply *reply, const char *receipt)
{
    if (http_reply_bytes(reply, 200, "application/jose", receipt, strlen(receipt)) != DAEMON_OK)
        http_reply_error(reply, 500, "no-memory", "out of memory answering the receipt");
}

/* The packet's content as stored: its claims (the form among them) as compact JSON. */
static char *
content_of(const struct keys_packet *p)
{
    return json_dumps(p->claims, JSON_COMPACT | JSON_SORT_KEYS);
}

static void
wipe_free(char *s)
{
    if (s != NULL) {
        sodium_memzero(s, strlen(s));
        free(s);
    }
}

/* The covenant's rules on an opened packet p from peer; 0 after answering a refusal (403, or
 * 503 when no covenant can be used), logged and audited "refused" with the rule. */
static int
check_policy(struct daemon *d, const struct keys_packet *p, const char *peer, time_t now,
             struct http_reply *reply)
{
    const struct keys_member *from = keys_directory_member(d->dir, p->from);
    struct policy_request r = {0};
    struct policy_result pr = {0};
    char why[800];

    if (!core_covenant_usable(d, now, why, sizeof why)) {
        http_reply_error(reply, 503, "covenant", "cannot receive: %s", why);
        core_log(d, CONFIG_LOG_WARNING, "refused", p->id, peer, "cannot receive: %s", why);
        return 0;
    }
    r.covenant = d->covenant;
    r.cat = d->cat;
    r.from_oin = p->from;
    r.from_role = from != NULL ? from->role : NULL;
    r.to_oin = d->me->oin;
    r.to_role = d->me->role;
    r.purpose = p->purpose;
    r.basis = keys_basis_name(p->basis);
    r.law = p->law;
    r.form = p->form;
    r.now = now;
    policy_check(&r, POLICY_RECEIVE, &pr);
    if (pr.decision == POLICY_ALLOWED) {
        policy_result_clear(&pr);
        return 1;
    }
    snprintf(why, sizeof why, "refused by the covenant (rule %s): %s", pr.rule, pr.message_en);
    {
        json_t *j = json_pack("{s:s, s:s, s:s, s:s}", "error", why, "code", "policy", "rule",
                              pr.rule, "message_nl", pr.message_nl);

        if (j == NULL || http_reply_json(reply, 403, j) != DAEMON_OK)
            http_reply_error(reply, 403, "policy", "%s", why);
        json_decref(j);
    }
    core_log(d, CONFIG_LOG_WARNING, "refused", p->id, peer, "%s (HTTP 403 policy)", why);
    core_audit(d, now, "refused", p->id, peer, "policy rule %s: %s", pr.rule, pr.message_en);
    policy_result_clear(&pr);
    return 0;
}

static void
receive_packet(struct daemon *d, const char *peer, const unsigned char *body, size_t len,
               struct http_reply *reply)
{
    struct keys_packet p = {0};
    struct keys_packet_header h = {0};
    struct daemon_err err = {0};
    struct keys_err kerr = {0};
    struct store_in in = {0};
    struct store_event ev;
    enum store_receive found = STORE_RECEIVED_NEW;
    char why[800], detail[300], subject[CORE_PSEUDONYM_LEN + 1];
    char *receipt = NULL, *stored = NULL, *content = NULL, *checkpoint = NULL;
    const char *hint_id = NULL;
    time_t now = time(NULL);
    size_t rlen = 0;
    long period;
    enum keys_status st;

    if (!core_directory_usable(d, now, why, sizeof why)) {
        http_reply_error(reply, 503, "directory-expired", "cannot receive: %s", why);
        return;
    }
    /* The header's id is not authenticated before opening; it only labels a refusal's log line
     * and audit entry. */
    if (keys_packet_inspect((const char *)body, len, &h, NULL) == KEYS_OK)
        hint_id = h.id;
    st = keys_packet_open_local(d->ks, d->dir, d->cat, now, (const char *)body, len, &p, &kerr);
    if (st != KEYS_OK) {
        if (!keys_status_is_refusal(st)) {
            http_reply_error(reply, 500, "open-failed", "the packet could not be opened: %s",
                             kerr.text);
            core_log(d, CONFIG_LOG_ERROR, "open-failed", hint_id, peer, "%s", kerr.text);
            goto out;
        }
        snprintf(why, sizeof why, "packet refused: %s", kerr.text);
        refuse(d, reply, st == KEYS_ENOTFORUS ? 403 : 400,
               st == KEYS_ENOTFORUS ? "not-for-us" : "packet-refused", hint_id, peer, why);
        goto out;
    }
    /* The rule the TLS layer adds to what 'baton open' checks: a packet comes from its sender's
     * own endpoint, so that a member cannot pass on what another member signed. */
    if (strcmp(p.from, peer) != 0) {
        snprintf(why, sizeof why,
                 "the packet is from OIN %s (%s), but the TLS client is OIN %s (%s): a packet must "
                 "be delivered by its sender's own endpoint",
                 p.from, core_member_name(d, p.from) ? core_member_name(d, p.from) : "?", peer,
                 core_member_name(d, peer) ? core_member_name(d, peer) : "?");
        refuse(d, reply, 403, "from-mismatch", p.id, peer, why);
        goto out;
    }

    /* The same bytes again (our receipt got lost on the way): the same receipt, stored once. */
    if (store_inbox_known(d->store, p.id, p.sha256, &found, &stored, &err) != DAEMON_OK) {
        http_reply_error(reply, 500, "store", "the store failed: %s", err.text);
        core_log(d, CONFIG_LOG_ERROR, "store-failed", p.id, peer, "%s", err.text);
        goto out;
    }
    if (found == STORE_RECEIVED_SAME) {
        core_log(d, CONFIG_LOG_INFO, "received-again", p.id, peer,
                 "the same packet again; answered with the stored receipt");
        core_audit(d, now, "received-again", p.id, peer,
                   "the same packet again; answered with the stored receipt");
        reply_receipt(reply, stored);
        goto out;
    }
    if (found == STORE_RECEIVED_OTHER)
        goto conflict;

    /* Defence in depth: the covenant's rules again, as far as they can be checked without the
     * sender's consent register (route, purpose, basis, BSN, no field the covenant does not let
     * us have). */
    if (!check_policy(d, &p, peer, now, reply))
        goto out;

    if (p.issued_at > now + (time_t)d->cfg->clock_skew) {
        snprintf(why, sizeof why,
                 "the packet was issued %lld s in the future (more than the %u s clock skew "
                 "allowed); check the sender's clock",
                 (long long)(p.issued_at - now), d->cfg->clock_skew);
        refuse(d, reply, 400, "clock", p.id, peer, why);
        goto out;
    }
    /* A sender gives up after its retry window; anything older is a replay. */
    if (p.issued_at < now - (time_t)d->cfg->retry_window - (time_t)d->cfg->clock_skew) {
        snprintf(why, sizeof why,
                 "the packet was issued %lld s ago, longer than the retry window (%u s) allows; "
                 "it is refused as a replay: seal it again",
                 (long long)(now - p.issued_at), d->cfg->retry_window);
        refuse(d, reply, 400, "too-old", p.id, peer, why);
        goto out;
    }

    /* Our latest audit checkpoint goes along, for the sender to keep (keys/PACKETS.md 9.10). */
    checkpoint = peerckpt_latest(d);
    st = keys_receipt_sign_local_with(d->ks, &p, checkpoint, now, &receipt, &rlen, &kerr);
    if (st != KEYS_OK) {
        http_reply_error(reply, 500, "receipt", "cannot sign the receipt: %s", kerr.text);
        core_log(d, CONFIG_LOG_ERROR, "receipt-failed", p.id, peer, "%s", kerr.text);
        goto out;
    }
    content = content_of(&p);
    if (content == NULL) {
        http_reply_error(reply, 500, "no-memory", "out of memory storing the packet");
        goto out;
    }
    memcpy(in.id, p.id, sizeof in.id);
    snprintf(in.from, sizeof in.from, "%s", p.from);
    in.form_type = (char *)p.form_type;
    in.purpose = (char *)p.purpose;
    in.basis = (char *)keys_basis_name(p.basis);
    memcpy(in.sha256, p.sha256, sizeof in.sha256);
    in.receipt = receipt;
    /* Retention runs from receipt: the covenant's period for this form type (none: kept until
     * the covenant gives one; 'baton audit retention' lists such forms). */
    period = retention_period(d->covenant, p.form_type);
    in.retain_until = period > 0 ? now + (time_t)period : 0;
    snprintf(detail, sizeof detail, "%.100s, purpose %.64s, basis %s, %zu bytes; receipt signed",
             p.form_type, p.purpose, keys_basis_name(p.basis), len);
    core_form_pseudonym(d, p.form, subject);
    ev = (struct store_event){"received", p.id, peer, detail, subject[0] != '\0' ? subject : NULL,
                              NULL};
    if (store_inbox_receive(d->store, &in, now, (const unsigned char *)content, strlen(content),
                            &ev, &found, &stored, &err) != DAEMON_OK) {
        http_reply_error(reply, 500, "store", "the packet could not be stored: %s", err.text);
        core_log(d, CONFIG_LOG_ERROR, "store-failed", p.id, peer, "%s", err.text);
        goto out;
    }
    if (found == STORE_RECEIVED_SAME) { /* a twin request won the race: its receipt */
        reply_receipt(reply, stored);
        goto out;
    }
    if (found == STORE_RECEIVED_OTHER)
        goto conflict;
    core_log(d, CONFIG_LOG_INFO, "received", p.id, peer, "%s, purpose %s", p.form_type, p.purpose);
    reply_receipt(reply, receipt);
    goto out;

conflict:
    snprintf(why, sizeof why,
             "another packet with id %s was received before, with other bytes; a packet id is "
             "used once (seal the form again for a new id)",
             p.id);
    refuse(d, reply, 409, "conflict", p.id, peer, why);
out:
    wipe_free(content);
    free(checkpoint);
    free(receipt);
    free(stored);
    keys_packet_clear(&p);
    keys_packet_header_clear(&h);
}

void
core_peer_handler(void *ctx, const struct http_request *req, struct http_reply *reply)
{
    struct daemon *d = ctx;
    const char *peer = req->peer_oin;
    json_t *body;

    if (peer == NULL) { /* the server refuses strangers before this; never trust a NULL */
        http_reply_error(reply, 403, "unknown-client", "your TLS key is not in the directory");
        return;
    }
    if (strcmp(req->path, "/v1/health") == 0) {
        if (strcmp(req->method, "GET") != 0) {
            http_reply_error(reply, 405, "method", "use GET on /v1/health");
            return;
        }
        body = json_pack("{s:s, s:s}", "status", "ok", "oin", d->me->oin);
        if (body == NULL || http_reply_json(reply, 200, body) != DAEMON_OK)
            http_reply_error(reply, 500, "no-memory", "out of memory");
        json_decref(body);
        return;
    }
    if (strcmp(req->path, "/v1/packets") == 0 || strcmp(req->path, "/v1/notices") == 0) {
        if (strcmp(req->method, "POST") != 0) {
            http_reply_error(reply, 405, "method", "use POST on %s", req->path);
            return;
        }
        if (req->body == NULL || req->body_len == 0) {
            http_reply_error(reply, 400, "empty",
                             "the request has no body; POST the compact "
                             "JOSE serialization");
            return;
        }
        if (req->path[4] == 'p')
            receive_packet(d, peer, req->body, req->body_len, reply);
        else
            core_receive_notice(d, peer, req->body, req->body_len, reply);
        if (reply->status == 200)
            metrics_count(d, METRICS_RECEIVED);
        else if ((reply->status >= 400 && reply->status < 500) || reply->status == 503)
            metrics_count(d, METRICS_PEER_REFUSED);
        return;
    }
    http_reply_error(reply, 404, "not-found",
                     "no such endpoint; batond serves POST /v1/packets, POST /v1/notices and "
                     "GET /v1/health");
}
