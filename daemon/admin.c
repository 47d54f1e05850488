/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * The admin API on the Unix socket, JSON both ways; `baton` is its client. Routes:
 *
 *   GET  /v1/health                   who this daemon is, and whether it can send
 *   POST /v1/send                     {"to","purpose","basis","consent"?,"law"?,"form"} -> 202
 *   GET  /v1/outbox, /v1/outbox/ID    packets sent: state, receipt, events
 *   GET  /v1/inbox, /v1/inbox/ID      packets received; the item shows the form (audited)
 *   POST /v1/inbox/ID/accept          {"by"}
 *   POST /v1/inbox/ID/reject          {"reason","by"?}
 *   POST /v1/inbox/ID/update          {"form"}: a status update back to the sender -> 202
 *   GET  /v1/audit...                 the audit trail, metadata only (daemon/audit.c)
 *   /v1/consents...                   the consent register (daemon/consent.c)
 *
 * Every request is checked first against the permission table of daemon/roles.c (who may make it:
 * caseworker, privacy officer, administrator; what is not in the table is refused, 403 "role").
 * Errors are {"error": <for people>, "code": <short code>, "details"?: [...]}. Query options:
 * limit=N on listings, lang=nl|en for the messages about a form (default en) and for the labels
 * of the form and its type (form_title, rendered; default nl).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "audit.h"
#include "consent.h"
#include "core.h"
#include "roles.h"
#include "withdrawal.h"

/* The request body of the admin API: a JSON object with a form in it, at most a form's size. */
#define ADMIN_BODY_MAX (FORMS_MAX_BYTES_DEFAULT + 64u * 1024u)

const char *
core_time(time_t t, char *out)
{
    keys_time_format(t, out);
    return out;
}

int
core_set_time(json_t *o, const char *name, time_t t)
{
    char buf[KEYS_TIME_LEN + 1];

    if (t == 0)
        return 0;
    return json_object_set_new(o, name, json_string(core_time(t, buf)));
}

int
core_set_str(json_t *o, const char *name, const char *v)
{
    if (v == NULL)
        return 0;
    return json_object_set_new(o, name, json_string(v));
}

/* The value of name in a query string "a=1&b=2" into out; 0 when absent. No decoding: the values
 * this API takes are digits and letters. */
static int
query_get(const char *query, const char *name, char *out, size_t size)
{
    size_t n = strlen(name);
    const char *p = query;

    while (p != NULL && *p != '\0') {
        if (strncmp(p, name, n) == 0 && p[n] == '=') {
            const char *v = p + n + 1, *e = strchr(v, '&');
            size_t len = e != NULL ? (size_t)(e - v) : strlen(v);

            if (len >= size)
                return 0;
            memcpy(out, v, len);
            out[len] = '\0';
            return 1;
        }
        p = strchr(p, '&');
        if (p != NULL)
            p++;
    }
    return 0;
}

/* limit=N from the query, or def; -1 when it is not a number from 1 to STORE_LIST_MAX. */
static long
query_limit(const char *query, long def)
{
    char v[16], *end;
    long n;

    if (!query_get(query, "limit", v, sizeof v))
        return def;
    n = strtol(v, &end, 10);
    if (*end != '\0' || end == v || n < 1 || n > STORE_LIST_MAX)
        return -1;
    return n;
}

static void
reply_json(struct http_reply *reply, int status, json_t *body)
{
    if (body == NULL || http_reply_json(reply, status, body) != DAEMON_OK)
        http_reply_error(reply, 500, "no-memory", "out of memory");
    json_decref(body);
}

static void
reply_store_error(struct http_reply *reply, enum daemon_status rc, const struct daemon_err *err)
{
    if (rc == DAEMON_ENOTFOUND)
        http_reply_error(reply, 404, "not-found", "%s", err->text);
    else if (rc == DAEMON_ECONFLICT)
        http_reply_error(reply, 409, "state", "%s", err->text);
    else
        http_reply_error(reply, 500, "store", "%s", err->text);
}

/* The request's body as a JSON object, or NULL after answering 400. */
static json_t *
body_object(const struct http_request *req, struct http_reply *reply)
{
    const struct forms_limits lim = {.max_bytes = ADMIN_BODY_MAX, .max_depth = 0};
    struct forms_err ferr = {0};
    json_t *j = NULL;

    if (req->body == NULL || req->body_len == 0) {
        http_reply_error(reply, 400, "bad-request", "the request needs a JSON object as its body");
        return NULL;
    }
    if (forms_parse((const char *)req->body, req->body_len, &lim, &j, &ferr) != FORMS_OK) {
        http_reply_error(reply, 400, "bad-request", "the body is not strict JSON: %s", ferr.text);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        http_reply_error(reply, 400, "bad-request", "the body must be a JSON object");
        return NULL;
    }
    return j;
}

/* o[name] as a string: NULL when absent; *bad set when present but not a string. */
static const char *
member_str(const json_t *o, const char *name, int *bad)
{
    const json_t *v = json_object_get(o, name);

    if (v == NULL || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        *bad = 1;
        return NULL;
    }
    return json_string_value(v);
}

/* 1 when s is a packet id as baton writes them (lower-case UUID). */
static int
is_id(const char *s, size_t len)
{
    size_t i;

    if (len != KEYS_UUID_LEN)
        return 0;
    for (i = 0; i < len; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return 0;
        } else if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return 0;
        }
    }
    return 1;
}

/* ---- views ---- */

static json_t *
outbox_item(struct daemon *d, const struct store_out *o, time_t now)
{
    const char *name = core_member_name(d, o->to);
    json_t *j = json_object();
    int overdue = o->state == STORE_DELIVERED && d->deadline_s > 0 && o->delivered != 0 &&
                  now > o->delivered + (time_t)d->deadline_s;

    if (j == NULL)
        return NULL;
    if (core_set_str(j, "id", o->id) | core_set_str(j, "to", o->to) |
        core_set_str(j, "to_name", name) | core_set_str(j, "form_type", o->form_type) |
        core_set_str(j, "purpose", o->purpose) | core_set_str(j, "basis", o->basis) |
        core_set_str(j, "follows_up", o->answers) |
        core_set_str(j, "state", store_out_state_name(o->state)) |
        json_object_set_new(j, "overdue", json_boolean(overdue)) |
        core_set_time(j, "created", o->created) | core_set_time(j, "delivered", o->delivered) |
        core_set_time(j, "decided", o->decided) | core_set_str(j, "by", o->by) |
        core_set_str(j, "reason", o->reason) |
        json_object_set_new(j, "attempts", json_integer(o->attempts)) |
        (o->state == STORE_QUEUED ? core_set_time(j, "next_attempt", o->next_attempt) : 0) |
        core_set_str(j, "last_error", o->last_error) |
        (o->state == STORE_DELIVERED && d->deadline_s > 0 && o->delivered != 0
             ? core_set_time(j, "deadline", o->delivered + d->deadline_s)
             : 0)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

json_t *
core_inbox_item(struct daemon *d, const struct store_in *in)
{
    const char *name = core_member_name(d, in->from);
    time_t now = time(NULL), deadline = d->deadline_s > 0 ? in->received + d->deadline_s : 0;
    json_t *j = json_object();

    if (j == NULL)
        return NULL;
    if (core_set_str(j, "id", in->id) | core_set_str(j, "from", in->from) |
        core_set_str(j, "from_name", name) | core_set_str(j, "form_type", in->form_type) |
        core_set_str(j, "purpose", in->purpose) | core_set_str(j, "basis", in->basis) |
        core_set_time(j, "received", in->received) |
        core_set_str(j, "state", store_in_state_name(in->state)) | core_set_str(j, "by", in->by) |
        core_set_str(j, "reason", in->reason) | core_set_time(j, "decided", in->decided) |
        core_set_time(j, "deadline", deadline) |
        json_object_set_new(
            j, "overdue", json_boolean(in->state == STORE_NEW && deadline != 0 && now > deadline)) |
        (in->notice_state >= 0
             ? core_set_str(j, "notice",
                            store_out_state_name((enum store_out_state)in->notice_state))
             : 0) |
        (in->erased ? json_object_set_new(j, "erased", json_true()) : 0)) {
        json_decref(j);
        return NULL;
    }
    withdrawal_inbox_annotate(d, j, in->id);
    retention_inbox_annotate(j, in, now);
    return j;
}

/* ---- handlers ---- */

static void
health(struct daemon *d, struct http_reply *reply)
{
    char why[600], t[KEYS_TIME_LEN + 1];
    time_t now = time(NULL);
    json_t *j, *warnings = json_array();

    j = json_pack("{s:s, s:s, s:s, s:s, s:s}", "status", "ok", "oin", d->me->oin, "name",
                  d->me->name, "role", d->me->role, "version", daemon_version());
    if (j == NULL || warnings == NULL) {
        json_decref(j);
        json_decref(warnings);
        http_reply_error(reply, 500, "no-memory", "out of memory");
        return;
    }
    if (d->dir != NULL)
        json_object_set_new(j, "directory_expires", json_string(core_time(d->dir_expires, t)));
    if (!core_directory_usable(d, now, why, sizeof why))
        json_array_append_new(warnings, json_string(why));
    if (!core_covenant_usable(d, now, why, sizeof why))
        json_array_append_new(warnings, json_string(why));
    json_object_set_new(j, "can_send", json_boolean(json_array_size(warnings) == 0));
    json_object_set_new(j, "warnings", warnings);
    reply_json(reply, 200, j);
}

/* ---- for the administrator: what this batond runs with ---- */

/* Audits that an administrator looked at the daemon's set-up (no personal data in it). */
static void
audit_setup_viewed(struct daemon *d, const struct http_request *req, const char *what)
{
    core_audit_about(d, time(NULL), "setup-viewed", NULL, NULL, NULL, req->actor, "%s", what);
}

/* GET /v1/config: the configuration in force. */
static void
config_show(struct daemon *d, const struct http_request *req, struct http_reply *reply)
{
    json_t *j = json_pack("{s:o*}", "config", config_to_json(d->cfg));

    if (j == NULL || json_object_get(j, "config") == NULL) {
        json_decref(j);
        http_reply_error(reply, 500, "no-memory", "out of memory");
        return;
    }
    audit_setup_viewed(d, req, "the configuration");
    reply_json(reply, 200, j);
}

/* GET /v1/directory: the network directory and covenant in force, and why not when unusable. */
static void
directory_show(struct daemon *d, const struct http_request *req, struct http_reply *reply)
{
    char hex[2 * KEYS_SHA256_LEN + 1], why[600];
    const json_t *o;
    json_t *j, *dir, *orgs, *cov;
    time_t now = time(NULL);
    size_t i;

    j = json_object();
    dir = json_object();
    cov = json_object();
    orgs = json_array();
    if (j == NULL || dir == NULL || cov == NULL || orgs == NULL) {
        json_decref(j);
        json_decref(dir);
        json_decref(cov);
        json_decref(orgs);
        http_reply_error(reply, 500, "no-memory", "out of memory");
        return;
    }
    sodium_bin2hex(hex, sizeof hex, d->dir_sha256, sizeof d->dir_sha256);
    json_object_set_new(dir, "sha256", json_string(hex));
    json_object_set_new(dir, "usable",
                        json_boolean(core_directory_usable(d, now, why, sizeof why)));
    if (!json_is_true(json_object_get(dir, "usable")))
        json_object_set_new(dir, "problem", json_string(why));
    if (d->dir_doc != NULL) {
        json_object_set(dir, "version", json_object_get(d->dir_doc, "version"));
        json_object_set(dir, "issued", json_object_get(d->dir_doc, "issued"));
        json_object_set(dir, "expires", json_object_get(d->dir_doc, "expires"));
        json_array_foreach (json_object_get(d->dir_doc, "organisations"), i, o)
            json_array_append_new(orgs, json_pack("{s:O?, s:O?, s:O?, s:O?}", "oin",
                                                  json_object_get(o, "oin"), "name",
                                                  json_object_get(o, "name"), "role",
                                                  json_object_get(o, "role"), "endpoint",
                                                  json_object_get(o, "endpoint")));
    }
    json_object_set_new(dir, "organisations", orgs);
    sodium_bin2hex(hex, sizeof hex, d->covenant_sha256, sizeof d->covenant_sha256);
    json_object_set_new(cov, "sha256", json_string(hex));
    json_object_set_new(cov, "usable", json_boolean(core_covenant_usable(d, now, why, sizeof why)));
    if (!json_is_true(json_object_get(cov, "usable")))
        json_object_set_new(cov, "problem", json_string(why));
    if (d->covenant != NULL) {
        json_object_set(cov, "id", json_object_get(d->covenant, "id"));
        json_object_set(cov, "version", json_object_get(d->covenant, "version"));
        json_object_set(cov, "valid_from", json_object_get(d->covenant, "valid_from"));
        json_object_set(cov, "valid_until", json_object_get(d->covenant, "valid_until"));
    }
    json_object_set_new(j, "directory", dir);
    json_object_set_new(j, "covenant", cov);
    audit_setup_viewed(d, req, "the network directory and covenant");
    reply_json(reply, 200, j);
}

/* GET /v1/keys: this organisation's public keys, as its directory entry lists them. */
static void
keys_show(struct daemon *d, const struct http_request *req, struct http_reply *reply)
{
    struct keys_err kerr = {0};
    json_t *entry = NULL;

    if (keys_keystore_public_entry(d->ks, &entry, &kerr) != KEYS_OK) {
        http_reply_error(reply, 500, "keys", "the public entry could not be made: %s", kerr.text);
        return;
    }
    audit_setup_viewed(d, req, "the organisation's public keys");
    reply_json(reply, 200, json_pack("{s:o}", "entry", entry));
}

static void
send_form(struct daemon *d, const struct http_request *req, struct http_reply *reply)
{
    struct core_send s = {0};
    char lang[8] = "";
    json_t *body = body_object(req, reply);
    int bad = 0;

    if (body == NULL)
        return;
    s.to = member_str(body, "to", &bad);
    s.purpose = member_str(body, "purpose", &bad);
    s.basis = member_str(body, "basis", &bad);
    s.consent = member_str(body, "consent", &bad);
    s.law = member_str(body, "law", &bad);
    s.form = json_object_get(body, "form");
    s.uid = req->peer_uid;
    s.actor = req->actor;
    s.lang = query_get(req->query, "lang", lang, sizeof lang) && strcmp(lang, "nl") == 0
                 ? FORMS_LANG_NL
                 : FORMS_LANG_EN;
    if (bad)
        http_reply_error(reply, 400, "bad-request",
                         "\"to\", \"purpose\", \"basis\", \"consent\" and \"law\" must be strings");
    else if (s.form == NULL)
        http_reply_error(reply, 400, "bad-request", "\"form\" is missing: the form to send");
    else
        core_submit(d, &s, reply);
    json_decref(body);
}

/* The language of the labels a request asks for (?lang=en or nl; Dutch by default). */
static enum forms_lang
query_lang(const struct http_request *req)
{
    char lang[8] = "";

    return query_get(req->query, "lang", lang, sizeof lang) && strcmp(lang, "en") == 0
               ? FORMS_LANG_EN
               : FORMS_LANG_NL;
}

/* Adds "form_title", the catalogue's title of the item's "form_type" in lang, to item: people
 * read "Overdracht schoolverlater", not a URN. */
static void
add_title(struct daemon *d, json_t *item, enum forms_lang lang)
{
    const char *type = json_string_value(json_object_get(item, "form_type"));

    if (type != NULL)
        json_object_set_new(item, "form_title", json_string(forms_form_title(d->cat, type, lang)));
}

static void
outbox_list(struct daemon *d, const struct http_request *req, struct http_reply *reply)
{
    struct store_out *items = NULL;
    struct daemon_err err = {0};
    long limit = query_limit(req->query, CORE_LIST_DEFAULT);
    time_t now = time(NULL);
    enum daemon_status rc;
    json_t *list, *it;
    size_t n = 0, i;

    if (limit < 0) {
        http_reply_error(reply, 400, "bad-request", "limit must be a number from 1 to %d",
                         STORE_LIST_MAX);
        return;
    }
    rc = store_outbox_list(d->store, (size_t)limit, &items, &n, &err);
    if (rc != DAEMON_OK) {
        reply_store_error(reply, rc, &err);
        return;
    }
    list = json_array();
    for (i = 0; list != NULL && i < n; i++) {
        it = outbox_item(d, &items[i], now);
        add_title(d, it, query_lang(req));
        if (it == NULL || json_array_append_new(list, it) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
    store_out_free_list(items, n);
    reply_json(reply, 200, list != NULL ? json_pack("{s:o}", "items", list) : NULL);
}

static json_t *
events_of(struct daemon *d, const char *id)
{
    struct store_audit *items = NULL;
    struct daemon_err err = {0};
    char t[KEYS_TIME_LEN + 1];
    size_t n = 0, i;
    json_t *list;

    if (store_audit_list(d->store, id, STORE_LIST_MAX, &items, &n, &err) != DAEMON_OK)
        return NULL;
    list = json_array();
    for (i = 0; list != NULL && i < n; i++) {
        json_t *e =
            json_pack("{s:s, s:s}", "at", core_time(items[i].at, t), "event", items[i].event);

        if (e == NULL || core_set_str(e, "detail", items[i].detail) != 0 ||
            core_set_str(e, "peer", items[i].peer) != 0) {
            json_decref(e); /* not yet in the list */
            json_decref(list);
            list = NULL;
        } else if (json_array_append_new(list, e) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
    store_audit_free(items, n);
    return list;
}

/* The sealed packet as it was (or is to be) delivered, for a handover by file where the network
 * cannot be used: {"id", "to", "packet"}; audited "exported" with who asked. Only the recipient
 * can open it, as on the network. */
static void
outbox_export(struct daemon *d, const char *id, const struct http_request *req,
              struct http_reply *reply)
{
    struct store_out o = {0};
    struct daemon_err err = {0};
    enum daemon_status rc;
    json_t *j;

    rc = store_outbox_get(d->store, id, &o, &err);
    if (rc == DAEMON_OK && o.kind != STORE_PACKET)
        rc = daemon_fail(&err, DAEMON_ENOTFOUND, "no packet %s in the outbox", id);
    if (rc != DAEMON_OK) {
        reply_store_error(reply, rc, &err);
        store_out_clear(&o);
        return;
    }
    j = json_pack("{s:s, s:s, s:s%}", "id", o.id, "to", o.to, "packet", o.body, o.body_len);
    if (j == NULL) {
        http_reply_error(reply, 500, "no-memory", "out of memory");
    } else {
        core_audit_about(d, time(NULL), "exported", o.id, o.to, NULL, req->actor,
                         "the sealed packet (%zu bytes, %s) was exported as a file", o.body_len,
                         o.form_type);
        core_log(d, CONFIG_LOG_INFO, "exported", o.id, o.to, "sealed packet exported");
        reply_json(reply, 200, j);
    }
    store_out_clear(&o);
}

static void
outbox_show(struct daemon *d, const char *id, enum forms_lang lang, struct http_reply *reply)
{
    struct store_out o = {0};
    struct daemon_err err = {0};
    enum daemon_status rc;
    json_t *j, *events, *claims;
    char t[KEYS_TIME_LEN + 1];

    rc = store_outbox_get(d->store, id, &o, &err);
    if (rc == DAEMON_OK && o.kind != STORE_PACKET)
        rc = daemon_fail(&err, DAEMON_ENOTFOUND, "no packet %s in the outbox", id);
    if (rc != DAEMON_OK) {
        reply_store_error(reply, rc, &err);
        store_out_clear(&o);
        return;
    }
    j = outbox_item(d, &o, time(NULL));
    add_title(d, j, lang);
    events = events_of(d, id);
    if (j == NULL || events == NULL) {
        json_decref(j);
        json_decref(events);
        store_out_clear(&o);
        http_reply_error(reply, 500, "no-memory", "out of memory");
        return;
    }
    json_object_set_new(j, "events", events);
    withdrawal_outbox_annotate(d, j, id);
    /* The receipt was verified against the packet's bytes before it was stored. */
    if (o.receipt != NULL && (claims = core_jws_claims(o.receipt)) != NULL) {
        json_t *r =
            json_pack("{s:O?, s:s, s:b}", "id", json_object_get(claims, "jti"), "received_at",
                      core_time((time_t)json_integer_value(json_object_get(claims, "iat")), t),
                      "verified", 1);

        if (r != NULL)
            json_object_set_new(r, "jws", json_string(o.receipt));
        json_object_set_new(j, "receipt", r);
        json_decref(claims);
    }
    store_out_clear(&o);
    reply_json(reply, 200, j);
}

static void
inbox_list(struct daemon *d, const struct http_request *req, struct http_reply *reply)
{
    struct store_in *items = NULL;
    struct daemon_err err = {0};
    long limit = query_limit(req->query, CORE_LIST_DEFAULT);
    enum daemon_status rc;
    json_t *list, *it;
    size_t n = 0, i;

    if (limit < 0) {
        http_reply_error(reply, 400, "bad-request", "limit must be a number from 1 to %d",
                         STORE_LIST_MAX);
        return;
    }
    rc = store_inbox_list(d->store, (size_t)limit, &items, &n, &err);
    if (rc != DAEMON_OK) {
        reply_store_error(reply, rc, &err);
        return;
    }
    list = json_array();
    for (i = 0; list != NULL && i < n; i++) {
        it = core_inbox_item(d, &items[i]);
        add_title(d, it, query_lang(req));
        if (it == NULL || json_array_append_new(list, it) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
    store_in_free_list(items, n);
    reply_json(reply, 200, list != NULL ? json_pack("{s:o}", "items", list) : NULL);
}

/* GET /v1/inbox/ID: the item, its events and, unless erased, the form with "rendered": its
 * members with the catalogue's labels in lang (forms_render), for people. */
static void
inbox_show(struct daemon *d, const char *id, const char *actor, enum forms_lang lang,
           struct http_reply *reply)
{
    const struct forms_limits lim = {.max_bytes = KEYS_MAX_PACKET, .max_depth = 0};
    struct daemon_err err = {0};
    struct forms_err ferr = {0};
    struct store_in in = {0};
    unsigned char *content = NULL;
    size_t len = 0;
    enum daemon_status rc;
    json_t *j = NULL, *claims = NULL, *form, *events;
    char subject[CORE_PSEUDONYM_LEN + 1] = "";

    rc = store_inbox_get(d->store, id, &in, NULL, NULL, &err);
    if (rc != DAEMON_OK) {
        reply_store_error(reply, rc, &err);
        return;
    }
    if (!in.erased) {
        store_in_clear(&in);
        rc = store_inbox_get(d->store, id, &in, &content, &len, &err);
        if (rc != DAEMON_OK) {
            reply_store_error(reply, rc, &err);
            return;
        }
    }
    j = core_inbox_item(d, &in);
    if (j == NULL)
        goto oom;
    add_title(d, j, lang);
    events = events_of(d, id);
    if (events == NULL || json_object_set_new(j, "events", events) != 0)
        goto oom;
    if (content != NULL) {
        if (forms_parse((const char *)content, len, &lim, &claims, &ferr) != FORMS_OK ||
            !json_is_object(claims)) {
            http_reply_error(reply, 500, "store", "the stored content of %s is not JSON", id);
            goto out;
        }
        form = json_incref(json_object_get(claims, "form"));
        json_object_del(claims, "form");
        if (json_object_set_new(j, "form", form != NULL ? form : json_null()) != 0 ||
            json_object_set(j, "claims", claims) != 0)
            goto oom;
        if (json_object_set_new(j, "rendered",
                                json_pack("{s:s, s:s, s:o*}", "lang",
                                          lang == FORMS_LANG_EN ? "en" : "nl", "title",
                                          forms_form_title(d->cat, in.form_type, lang), "fields",
                                          forms_render(d->cat, in.form_type, form, lang))) != 0)
            goto oom;
        /* The privacy officer must be able to see who read which form about whom. */
        core_form_pseudonym(d, form, subject);
        core_audit_about(d, time(NULL), "viewed", id, in.from, subject[0] != '\0' ? subject : NULL,
                         actor, "the form was shown");
    }
    reply_json(reply, 200, j);
    j = NULL;
    goto out;
oom:
    http_reply_error(reply, 500, "no-memory", "out of memory");
out:
    json_decref(j);
    json_decref(claims);
    store_content_free(content);
    store_in_clear(&in);
}

static void
inbox_update(struct daemon *d, const char *id, const struct http_request *req,
             struct http_reply *reply)
{
    const struct forms_limits lim = {.max_bytes = KEYS_MAX_PACKET, .max_depth = 0};
    struct daemon_err err = {0};
    struct forms_err ferr = {0};
    struct core_send s = {0};
    struct store_in in = {0};
    unsigned char *content = NULL;
    enum daemon_status rc;
    json_t *body = NULL, *claims = NULL;
    char lang[8] = "";
    size_t len = 0;

    body = body_object(req, reply);
    if (body == NULL)
        return;
    rc = store_inbox_get(d->store, id, &in, &content, &len, &err);
    if (rc != DAEMON_OK) {
        if (rc == DAEMON_EREFUSED)
            http_reply_error(reply, 409, "erased", "%s", err.text);
        else
            reply_store_error(reply, rc, &err);
        goto out;
    }
    if (forms_parse((const char *)content, len, &lim, &claims, &ferr) != FORMS_OK) {
        http_reply_error(reply, 500, "store", "the stored content of %s is not JSON", id);
        goto out;
    }
    /* A follow-up goes back to the sender under the original's purpose and legal basis. */
    s.to = in.from;
    s.purpose = json_string_value(json_object_get(claims, "purpose"));
    s.basis = json_string_value(json_object_get(claims, "basis"));
    s.law = json_string_value(json_object_get(claims, "law"));
    s.consent = json_string_value(json_object_get(json_object_get(claims, "consent"), "id"));
    s.form = json_object_get(body, "form");
    s.answers = id;
    s.expect_form = "urn:baton:form:status-update:";
    s.uid = req->peer_uid;
    s.actor = req->actor;
    s.lang = query_get(req->query, "lang", lang, sizeof lang) && strcmp(lang, "nl") == 0
                 ? FORMS_LANG_NL
                 : FORMS_LANG_EN;
    if (s.form == NULL)
        http_reply_error(reply, 400, "bad-request", "\"form\" is missing: the status update");
    else
        core_submit(d, &s, reply);
out:
    json_decref(claims);
    json_decref(body);
    store_content_free(content);
    store_in_clear(&in);
}

static void
inbox_decide(struct daemon *d, const char *id, int accept, const struct http_request *req,
             struct http_reply *reply)
{
    json_t *body = body_object(req, reply);
    const char *by, *reason;
    int bad = 0;

    if (body == NULL)
        return;
    by = member_str(body, "by", &bad);
    reason = member_str(body, "reason", &bad);
    if (bad)
        http_reply_error(reply, 400, "bad-request", "\"by\" and \"reason\" must be strings");
    else
        core_decide(d, id, accept ? STORE_IN_ACCEPTED : STORE_IN_REJECTED, by,
                    accept ? NULL : reason, req->actor, reply);
    json_decref(body);
}

void
core_admin_handler(void *ctx, const struct http_request *req, struct http_reply *reply)
{
    struct daemon *d = ctx;
    const char *path = req->path, *rest;
    const int get = strcmp(req->method, "GET") == 0, post = strcmp(req->method, "POST") == 0;
    char id[KEYS_UUID_LEN + 1];
    struct http_request as = *req;
    struct roles_who who;

    /* Every request is checked against the permission table first (daemon/roles.c); from here
     * on the handlers see who asked as req->actor, for their audit entries. */
    if (!roles_admit(d, req, &who, reply))
        return;
    as.actor = who.actor;
    req = &as;
    if (strcmp(path, "/v1/health") == 0 && get) {
        health(d, reply);
        return;
    }
    if (strcmp(path, "/v1/config") == 0 && get) {
        config_show(d, req, reply);
        return;
    }
    if (strcmp(path, "/v1/directory") == 0 && get) {
        directory_show(d, req, reply);
        return;
    }
    if (strcmp(path, "/v1/keys") == 0 && get) {
        keys_show(d, req, reply);
        return;
    }
    if (core_consent_admin(d, req, reply))
        return;
    if (core_audit_admin(d, req, reply) || core_reports_admin(d, req, reply) ||
        core_retention_admin(d, req, reply))
        return;
    if (strcmp(path, "/v1/send") == 0 && post) {
        send_form(d, req, reply);
        return;
    }
    if (strcmp(path, "/v1/outbox") == 0 && get) {
        outbox_list(d, req, reply);
        return;
    }
    if (strcmp(path, "/v1/inbox") == 0 && get) {
        inbox_list(d, req, reply);
        return;
    }
    if (strncmp(path, "/v1/outbox/", 11) == 0 && get && strlen(path) == 11 + KEYS_UUID_LEN + 7 &&
        is_id(path + 11, KEYS_UUID_LEN) && strcmp(path + 11 + KEYS_UUID_LEN, "/packet") == 0) {
        memcpy(id, path + 11, KEYS_UUID_LEN);
        id[KEYS_UUID_LEN] = '\0';
        outbox_export(d, id, req, reply);
        return;
    }
    if (strncmp(path, "/v1/outbox/", 11) == 0 && get) {
        if (!is_id(path + 11, strlen(path + 11)))
            goto not_found;
        {
            outbox_show(d, path + 11, query_lang(req), reply);
            return;
        }
    }
    if (strncmp(path, "/v1/inbox/", 10) == 0 && strlen(path) >= 10 + KEYS_UUID_LEN &&
        is_id(path + 10, KEYS_UUID_LEN)) {
        memcpy(id, path + 10, KEYS_UUID_LEN);
        id[KEYS_UUID_LEN] = '\0';
        rest = path + 10 + KEYS_UUID_LEN;
        /* A withdrawn packet is no longer shown or handled (410 says why). */
        if (((*rest == '\0' && get) ||
             (post && (strcmp(rest, "/accept") == 0 || strcmp(rest, "/reject") == 0 ||
                       strcmp(rest, "/update") == 0))) &&
            withdrawal_inbox_refuse(d, id, reply))
            return;
        if (*rest == '\0' && get) {
            inbox_show(d, id, req->actor, query_lang(req), reply);
            return;
        }
        if (strcmp(rest, "/accept") == 0 && post) {
            inbox_decide(d, id, 1, req, reply);
            return;
        }
        if (strcmp(rest, "/reject") == 0 && post) {
            inbox_decide(d, id, 0, req, reply);
            return;
        }
        if (strcmp(rest, "/update") == 0 && post) {
            inbox_update(d, id, req, reply);
            return;
        }
    }
not_found:
    http_reply_error(reply, 404, "not-found",
                     "no such request: %s %.200s (see the admin API in daemon/admin.c)",
                     req->method, path);
}
