/* SPDX-License-Identifier: EUPL-1.2 */
/* Submitting a form: validated, sealed for its recipient, and queued with its audit entries in
 * one transaction before the delivery worker sees it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consent.h"
#include "core.h"
#include "metrics.h"
#include "policy.h"

#define FORM_PREFIX "urn:baton:form:"

static int
is_oin(const char *s)
{
    size_t i;

    if (s == NULL || strlen(s) != KEYS_OIN_LEN)
        return 0;
    for (i = 0; i < KEYS_OIN_LEN; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* 422 with every error of the form, in the shape of the specification's basic output. */
static void
invalid_form(struct http_reply *reply, const struct forms_result *res, enum forms_lang lang,
             const char *type)
{
    json_t *basic = forms_result_basic(res, lang), *body;

    body = json_pack("{s:s+, s:s, s:O}", "error", "the form is not a valid ", type, "code",
                     "invalid-form", "details",
                     basic != NULL ? json_object_get(basic, "errors") : json_null());
    if (body == NULL || http_reply_json(reply, 422, body) != DAEMON_OK)
        http_reply_error(reply, 500, "no-memory", "out of memory listing the form's errors");
    json_decref(body);
    json_decref(basic);
}

/* Checks the form against its schema; answers the refusal and returns 0 when it is not valid. */
static int
check_form(struct daemon *d, const struct core_send *s, struct http_reply *reply)
{
    const struct forms_schema *schema = NULL;
    struct forms_result res = {0};
    struct forms_err ferr = {0};
    const char *type = json_string_value(json_object_get(s->form, "$schema"));
    enum forms_status st;

    if (!json_is_object(s->form)) {
        http_reply_error(reply, 422, "invalid-form", "\"form\" must be a JSON object, a form");
        return 0;
    }
    if (type == NULL || strncmp(type, FORM_PREFIX, strlen(FORM_PREFIX)) != 0) {
        http_reply_error(reply, 422, "invalid-form",
                         "the form must name its form type in \"$schema\", a catalogue form "
                         "(urn:baton:form:NAME:VERSION)");
        return 0;
    }
    if (s->expect_form != NULL && strncmp(type, s->expect_form, strlen(s->expect_form)) != 0) {
        http_reply_error(reply, 422, "invalid-form", "the form must be a %s...; this one is %.100s",
                         s->expect_form, type);
        return 0;
    }
    if (forms_schema_for(d->cat, s->form, &schema, &ferr) != FORMS_OK) {
        http_reply_error(reply, 422, "invalid-form", "%s", ferr.text);
        return 0;
    }
    st = forms_validate(schema, s->form, &res, &ferr);
    if (st == FORMS_EINVALID)
        invalid_form(reply, &res, s->lang, type);
    else if (st != FORMS_OK)
        http_reply_error(reply, 500, "validator", "the form could not be checked: %s", ferr.text);
    forms_result_clear(&res);
    return st == FORMS_OK;
}

/* Answers a policy refusal: 422 {"error","code":"policy","rule","message_en","message_nl"},
 * logged and audited ("refused" with the rule); nothing is sealed or queued. */
static void
policy_refused(struct daemon *d, const struct core_send *s, const struct policy_result *pr,
               time_t now, struct http_reply *reply)
{
    char subject[CORE_PSEUDONYM_LEN + 1];
    json_t *body =
        json_pack("{s:s, s:s, s:s, s:s, s:s}", "error",
                  s->lang == FORMS_LANG_NL ? pr->message_nl : pr->message_en, "code", "policy",
                  "rule", pr->rule, "message_en", pr->message_en, "message_nl", pr->message_nl);

    if (body != NULL && pr->rule != NULL && strcmp(pr->rule, "fields") == 0 &&
        json_array_size(pr->removed) > 0)
        json_object_set(body, "details", pr->removed);
    if (body == NULL || http_reply_json(reply, 422, body) != DAEMON_OK)
        http_reply_error(reply, 500, "no-memory", "refused (%s), but out of memory answering",
                         pr->rule);
    json_decref(body);
    core_log(d, CONFIG_LOG_WARNING, "send-refused", NULL, s->to, "policy rule %s: %s", pr->rule,
             pr->message_en);
    core_form_pseudonym(d, s->form, subject);
    core_audit_about(d, now, "refused", NULL, s->to, subject, s->actor,
                     "send refused by policy rule %s (purpose %.64s, basis %s): %s", pr->rule,
                     s->purpose, s->basis, pr->message_en);
}

/* The covenant's decision on s for recipient m; 0 after answering a refusal. */
static int
check_policy(struct daemon *d, const struct core_send *s, const struct keys_member *m, time_t now,
             struct policy_result *pr, struct http_reply *reply)
{
    struct policy_request r = {0};
    struct consent_row row = {0};
    struct daemon_err err = {0};
    enum daemon_status rc = DAEMON_ENOTFOUND;

    if (s->consent != NULL && strcmp(s->basis, "consent") == 0) {
        rc = consent_get(d->store, s->consent, &row, &err);
        if (rc != DAEMON_OK && rc != DAEMON_ENOTFOUND) {
            http_reply_error(reply, 500, "store", "the consent register failed: %s", err.text);
            return 0;
        }
    }
    r.covenant = d->covenant;
    r.cat = d->cat;
    r.from_oin = d->me->oin;
    r.from_role = d->me->role;
    r.to_oin = m->oin;
    r.to_role = m->role;
    r.purpose = s->purpose;
    r.basis = s->basis;
    r.law = s->law;
    r.consent = rc == DAEMON_OK ? row.record : NULL;
    r.consent_withdrawn = rc == DAEMON_OK ? row.withdrawn : 0;
    r.form = s->form;
    r.follow_up = s->answers != NULL;
    r.now = now;
    policy_check(&r, POLICY_SEND, pr);
    consent_row_clear(&row);
    if (pr->decision != POLICY_ALLOWED) {
        policy_refused(d, s, pr, now, reply);
        return 0;
    }
    return 1;
}

static void
submit(struct daemon *d, const struct core_send *s, struct http_reply *reply)
{
    struct keys_packet_params p = {0};
    struct keys_packet_header h = {0};
    struct daemon_err err = {0};
    struct keys_err kerr = {0};
    struct policy_result pr = {0};
    struct store_event ev[3];
    struct store_out o = {0};
    /* The minimisation record names every top-level path sent and every path removed (a form
     * has about thirty top-level members; the covenant lists at most 200 paths). */
    char why[600], detail[2][400], minimised[6000], id[KEYS_UUID_LEN + 1] = "", uid[32] = "",
                                                                       sent[2400], removed[3000];
    char subject[CORE_PSEUDONYM_LEN + 1];
    const struct keys_member *m;
    const char *type;
    time_t now = time(NULL);
    long long now_ms = metrics_now_ms();
    enum keys_status st;
    char *packet = NULL;
    size_t len = 0, i;
    json_t *body;

    if (!is_oin(s->to)) {
        http_reply_error(reply, 400, "bad-request",
                         "\"to\" must be the recipient's OIN, 20 digits");
        return;
    }
    if (s->purpose == NULL || s->purpose[0] == '\0') {
        http_reply_error(reply, 400, "bad-request",
                         "\"purpose\" is missing: the covenant's "
                         "purpose code, e.g. warme-overdracht");
        return;
    }
    if (s->basis == NULL || !keys_basis_from_name(s->basis, &p.basis)) {
        http_reply_error(reply, 400, "bad-request",
                         "\"basis\" must be \"consent\", \"legal-obligation\" or \"public-task\"");
        return;
    }
    if (!check_form(d, s, reply))
        return;
    if (!core_directory_usable(d, now, why, sizeof why)) {
        http_reply_error(reply, 503, "directory-expired", "cannot send: %s", why);
        core_log(d, CONFIG_LOG_WARNING, "send-refused", NULL, s->to, "cannot send: %s", why);
        return;
    }
    if (!core_covenant_usable(d, now, why, sizeof why)) {
        http_reply_error(reply, 503, "covenant", "cannot send: %s", why);
        core_log(d, CONFIG_LOG_WARNING, "send-refused", NULL, s->to, "cannot send: %s", why);
        return;
    }
    if (strcmp(s->to, d->me->oin) == 0) {
        http_reply_error(reply, 400, "bad-request",
                         "\"to\" is this organisation's own OIN; a form goes to another one");
        return;
    }
    m = keys_directory_member(d->dir, s->to);
    if (m == NULL) {
        http_reply_error(reply, 503, "unknown-recipient",
                         "no organisation with OIN %s in the network directory; check the OIN, "
                         "or ask the regional coordinator whether it has joined",
                         s->to);
        return;
    }

    if (!check_policy(d, s, m, now, &pr, reply))
        goto out;

    p.to = s->to;
    p.purpose = s->purpose;
    p.law = s->law;
    p.consent_id = s->consent;
    p.covenant_id = d->covenant_id;
    p.covenant_sha256 = d->covenant_sha256;
    p.form = pr.form; /* the minimised form: only what the covenant lets this recipient have */
    st = keys_packet_seal_local(d->ks, d->dir, d->cat, &p, now, &packet, &len, id, &kerr);
    if (st != KEYS_OK) {
        if (st == KEYS_EINVAL)
            http_reply_error(reply, 400, "bad-request", "%s", kerr.text);
        else if (st == KEYS_ESCHEMA || st == KEYS_ETOOBIG)
            http_reply_error(reply, 422, "invalid-form", "%s", kerr.text);
        else if (st == KEYS_EKID)
            http_reply_error(reply, 503, "keys", "cannot seal: %s", kerr.text);
        else
            http_reply_error(reply, 500, "seal", "cannot seal: %s", kerr.text);
        core_log(d, CONFIG_LOG_WARNING, "send-refused", NULL, s->to, "cannot seal: %s", kerr.text);
        goto out;
    }
    /* Peers refuse a body over their max_body (413); ours stands in for theirs, since the
     * network's daemons run with the same settings. */
    if (len > d->cfg->max_body) {
        http_reply_error(reply, 422, "too-big",
                         "the sealed packet is %zu bytes, more than the %zu bytes a peer accepts "
                         "(max_body); leave out attachments or long texts",
                         len, d->cfg->max_body);
        goto out;
    }
    if (keys_packet_inspect(packet, len, &h, &kerr) != KEYS_OK) {
        http_reply_error(reply, 500, "seal", "the sealed packet does not read back: %s", kerr.text);
        goto out;
    }

    type = json_string_value(json_object_get(s->form, "$schema"));
    if (s->uid >= 0)
        snprintf(uid, sizeof uid, ", by uid %ld", s->uid);
    snprintf(detail[0], sizeof detail[0], "%.100s for %.100s, purpose %.64s, basis %s%s%s%s", type,
             m->name, s->purpose, s->basis, s->answers != NULL ? ", follows up packet " : "",
             s->answers != NULL ? s->answers : "", uid);
    snprintf(detail[1], sizeof detail[1], "signed and encrypted for key %s, %zu bytes", h.kid, len);
    snprintf(minimised, sizeof minimised,
             "minimised per the covenant for %s (%s): sent %s; removed %s; categories %s", m->role,
             s->purpose, policy_paths_text(pr.sent, sent, sizeof sent),
             policy_paths_text(pr.removed, removed, sizeof removed),
             policy_paths_text(pr.categories, why, sizeof why));
    core_form_pseudonym(d, s->form, subject);
    ev[0] = (struct store_event){"submitted", id, s->to, detail[0], subject, s->actor};
    ev[1] = (struct store_event){"minimised", id, s->to, minimised, subject, s->actor};
    ev[2] = (struct store_event){"sealed", id, s->to, detail[1], subject, s->actor};
    for (i = 0; i < 3; i++)
        if (subject[0] == '\0')
            ev[i].subject = NULL;
    memcpy(o.id, id, sizeof o.id);
    o.kind = STORE_PACKET;
    snprintf(o.to, sizeof o.to, "%s", s->to);
    o.form_type = (char *)type;
    o.purpose = (char *)s->purpose;
    o.basis = (char *)s->basis;
    o.answers = (char *)s->answers;
    o.consent_id = strcmp(s->basis, "consent") == 0 ? (char *)s->consent : NULL;
    o.body = packet;
    o.body_len = len;
    o.created_ms = now_ms;
    if (store_outbox_add(d->store, &o, now, ev, 3, &err) != DAEMON_OK) {
        http_reply_error(reply, 500, "store", "the form could not be queued: %s", err.text);
        core_log(d, CONFIG_LOG_ERROR, "store-failed", id, s->to, "%s", err.text);
        goto out;
    }
    core_log(d, CONFIG_LOG_INFO, "submitted", id, s->to, "%s, queued for %s", type, m->endpoint);
    metrics_count(d, METRICS_SUBMITTED);
    core_worker_kick(d);
    body = json_pack("{s:s, s:s}", "id", id, "state", "queued");
    if (body == NULL || http_reply_json(reply, 202, body) != DAEMON_OK)
        http_reply_error(reply, 500, "no-memory", "queued as %s, but out of memory answering", id);
    json_decref(body);
out:
    policy_result_clear(&pr);
    keys_packet_header_clear(&h);
    free(packet);
}

void
core_submit(struct daemon *d, const struct core_send *s, struct http_reply *reply)
{
    submit(d, s, reply);
    /* A refusal is the request's fault or the network's (4xx, 503), not batond's (500). */
    if ((reply->status >= 400 && reply->status < 500) || reply->status == 503)
        metrics_count(d, METRICS_REFUSED);
}
