/* SPDX-License-Identifier: EUPL-1.2 */
/* The consent register: consent-record forms kept encrypted in the store, listed, withdrawn
 * (answering which packets went out under them), and the admin API's /v1/consents routes. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "consent.h"
#include "core.h"
#include "withdrawal.h"

/* The request body of the admin API: a consent record is small. */
#define CONSENT_BODY_MAX (256u * 1024u)

void
consent_row_clear(struct consent_row *r)
{
    if (r == NULL)
        return;
    free(r->reason);
    json_decref(r->record);
    memset(r, 0, sizeof *r);
}

void
consent_free_list(struct consent_row *items, size_t n)
{
    size_t i;

    for (i = 0; items != NULL && i < n; i++)
        consent_row_clear(&items[i]);
    free(items);
}

static enum daemon_status
db_fail(sqlite3 *db, struct daemon_err *err, const char *what)
{
    return daemon_fail(err, DAEMON_ESTORE, "%s: %s", what, sqlite3_errmsg(db));
}

/* 1 when s is a UUID (either case); the lower-case form into out. */
static int
uuid_lower(const char *s, char out[KEYS_UUID_LEN + 1])
{
    size_t i;

    if (s == NULL || strlen(s) != KEYS_UUID_LEN)
        return 0;
    for (i = 0; i < KEYS_UUID_LEN; i++) {
        char c = (char)tolower((unsigned char)s[i]);

        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return 0;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return 0;
        }
        out[i] = c;
    }
    out[KEYS_UUID_LEN] = '\0';
    return 1;
}

/* ---- add ---- */

struct add_ctx {
    const char *id;
    const char *text;
    time_t now, withdrawn;
};

static enum daemon_status
add_txn(void *ctx, sqlite3 *db, const unsigned char *key, struct daemon_err *err)
{
    struct add_ctx *a = ctx;
    unsigned char *blob = NULL;
    size_t blen = 0;
    sqlite3_stmt *st = NULL;
    enum daemon_status rc;
    int r;

    if (sqlite3_prepare_v2(db, "SELECT 1 FROM consents WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
        return db_fail(db, err, "reading the consent register");
    sqlite3_bind_text(st, 1, a->id, -1, SQLITE_TRANSIENT);
    r = sqlite3_step(st);
    sqlite3_finalize(st);
    st = NULL;
    if (r == SQLITE_ROW)
        return daemon_fail(err, DAEMON_ECONFLICT,
                           "consent %s is registered already; a consent record is added once "
                           "(a changed consent is a new record with a new record_id)",
                           a->id);
    if (r != SQLITE_DONE)
        return db_fail(db, err, "reading the consent register");
    rc = store_blob_seal(key, (const unsigned char *)a->text, strlen(a->text), a->id, &blob, &blen,
                         err);
    if (rc != DAEMON_OK)
        return rc;
    if (sqlite3_prepare_v2(
            db, "INSERT INTO consents (id, added, withdrawn, record) VALUES (?, ?, ?, ?)", -1, &st,
            NULL) != SQLITE_OK) {
        rc = db_fail(db, err, "registering the consent");
        goto out;
    }
    if (sqlite3_bind_text(st, 1, a->id, -1, SQLITE_TRANSIENT) |
        sqlite3_bind_int64(st, 2, (sqlite3_int64)a->now) |
        (a->withdrawn != 0 ? sqlite3_bind_int64(st, 3, (sqlite3_int64)a->withdrawn)
                           : sqlite3_bind_null(st, 3)) |
        sqlite3_bind_blob64(st, 4, blob, (sqlite3_uint64)blen, SQLITE_TRANSIENT)) {
        rc = db_fail(db, err, "registering the consent");
        goto out;
    }
    rc = sqlite3_step(st) == SQLITE_DONE ? DAEMON_OK : db_fail(db, err, "registering the consent");
out:
    sqlite3_finalize(st);
    free(blob);
    return rc;
}

enum daemon_status
consent_add(struct store *s, const struct forms_catalogue *cat, const json_t *form, time_t now,
            const char *actor, enum forms_lang lang, char id_out[KEYS_UUID_LEN + 1],
            json_t **details, struct daemon_err *err)
{
    const struct forms_schema *schema;
    struct forms_result res = {0};
    struct forms_err ferr = {0};
    struct keys_err kerr = {0};
    struct add_ctx a = {0};
    struct store_event ev;
    char id[KEYS_UUID_LEN + 1], detail[300];
    const char *type = json_string_value(json_object_get(form, "$schema"));
    const char *withdrawn = json_string_value(json_object_get(form, "withdrawn_at"));
    enum forms_status fst;
    enum daemon_status rc;
    char *text = NULL;

    if (details != NULL)
        *details = NULL;
    if (s == NULL || cat == NULL)
        return daemon_fail(err, DAEMON_EINVAL, "consent_add: NULL argument");
    if (!json_is_object(form))
        return daemon_fail(err, DAEMON_EREFUSED,
                           "a consent must be a consent-record form, a "
                           "JSON object");
    if (type == NULL || strcmp(type, CONSENT_FORM_TYPE) != 0)
        return daemon_fail(err, DAEMON_EREFUSED,
                           "the form is not a consent record: its \"$schema\" must be %s (it is "
                           "%.100s)",
                           CONSENT_FORM_TYPE, type != NULL ? type : "missing");
    schema = forms_catalogue_find(cat, CONSENT_FORM_TYPE);
    if (schema == NULL)
        return daemon_fail(err, DAEMON_EINVAL, "the catalogue has no %s", CONSENT_FORM_TYPE);
    fst = forms_validate(schema, form, &res, &ferr);
    if (fst == FORMS_EINVALID) {
        json_t *basic = forms_result_basic(&res, lang);

        if (details != NULL && basic != NULL)
            *details = json_incref(json_object_get(basic, "errors"));
        rc = daemon_fail(err, DAEMON_EREFUSED, "the consent record is not valid (%zu error(s))",
                         json_array_size(json_object_get(basic, "errors")));
        json_decref(basic);
        forms_result_clear(&res);
        return rc;
    }
    forms_result_clear(&res);
    if (fst != FORMS_OK)
        return daemon_fail(err, DAEMON_EINVAL, "the consent record could not be checked: %s",
                           ferr.text);
    if (!uuid_lower(json_string_value(json_object_get(form, "record_id")), id))
        return daemon_fail(err, DAEMON_EREFUSED, "the consent record's record_id is not a UUID");
    if (withdrawn != NULL &&
        keys_time_parse(withdrawn, &a.withdrawn, "withdrawn_at", &kerr) != KEYS_OK)
        return daemon_fail(err, DAEMON_EREFUSED, "%s", kerr.text);
    text = json_dumps(form, JSON_COMPACT | JSON_SORT_KEYS);
    if (text == NULL)
        return daemon_fail(err, DAEMON_ENOMEM, "out of memory registering the consent");
    a.id = id;
    a.text = text;
    a.now = now;
    snprintf(detail, sizeof detail, "consent %s registered%s", id,
             a.withdrawn != 0 ? " (already withdrawn in the record)" : "");
    ev = (struct store_event){"consent-added", NULL, NULL, detail, NULL, actor};
    rc = store_txn(s, 1, add_txn, &a, now, &ev, 1, err);
    sodium_memzero(text, strlen(text));
    free(text);
    if (rc == DAEMON_OK && id_out != NULL)
        memcpy(id_out, id, sizeof id);
    return rc;
}

/* ---- get, list ---- */

struct read_ctx {
    const char *id; /* get: the id; list: NULL */
    size_t max;
    struct consent_row *items;
    size_t n;
};

static enum daemon_status
row_from(sqlite3_stmt *st, const unsigned char *key, struct consent_row *r, struct daemon_err *err)
{
    const char *id = (const char *)sqlite3_column_text(st, 0);
    unsigned char *pt = NULL;
    size_t plen = 0;
    json_error_t jerr;

    memset(r, 0, sizeof *r);
    snprintf(r->id, sizeof r->id, "%s", id != NULL ? id : "");
    r->added = (time_t)sqlite3_column_int64(st, 1);
    r->withdrawn = (time_t)sqlite3_column_int64(st, 2);
    if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
        r->reason = strdup((const char *)sqlite3_column_text(st, 3));
        if (r->reason == NULL)
            return daemon_fail(err, DAEMON_ENOMEM, "out of memory reading the consent register");
    }
    if (store_blob_open(key, sqlite3_column_blob(st, 4), (size_t)sqlite3_column_bytes(st, 4), r->id,
                        &pt, &plen) != 0) {
        consent_row_clear(r);
        return daemon_fail(err, DAEMON_ESTORE,
                           "consent %s does not decrypt: the database was damaged or changed "
                           "outside batond",
                           id);
    }
    r->record = json_loadb((const char *)pt, plen, 0, &jerr);
    store_content_free(pt);
    if (r->record == NULL) {
        consent_row_clear(r);
        return daemon_fail(err, DAEMON_ESTORE, "consent %s is stored damaged", id);
    }
    return DAEMON_OK;
}

static enum daemon_status
read_txn(void *ctx, sqlite3 *db, const unsigned char *key, struct daemon_err *err)
{
    struct read_ctx *c = ctx;
    sqlite3_stmt *st = NULL;
    enum daemon_status rc = DAEMON_OK;
    int r;

    if (sqlite3_prepare_v2(db,
                           c->id != NULL
                               ? "SELECT id, added, withdrawn, reason, record FROM consents "
                                 "WHERE id = ?"
                               : "SELECT id, added, withdrawn, reason, record FROM consents "
                                 "ORDER BY added DESC, id LIMIT ?",
                           -1, &st, NULL) != SQLITE_OK)
        return db_fail(db, err, "reading the consent register");
    if (c->id != NULL)
        sqlite3_bind_text(st, 1, c->id, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_int64(st, 1, (sqlite3_int64)c->max);
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        struct consent_row *grown = realloc(c->items, (c->n + 1) * sizeof *grown);

        if (grown == NULL) {
            rc = daemon_fail(err, DAEMON_ENOMEM, "out of memory reading the consent register");
            break;
        }
        c->items = grown;
        rc = row_from(st, key, &c->items[c->n], err);
        if (rc != DAEMON_OK)
            break;
        c->n++;
    }
    if (rc == DAEMON_OK && r != SQLITE_DONE)
        rc = db_fail(db, err, "reading the consent register");
    sqlite3_finalize(st);
    return rc;
}

enum daemon_status
consent_get(struct store *s, const char *id, struct consent_row *out, struct daemon_err *err)
{
    char lid[KEYS_UUID_LEN + 1];
    struct read_ctx c = {0};
    enum daemon_status rc;

    if (!uuid_lower(id, lid))
        return daemon_fail(err, DAEMON_ENOTFOUND, "no consent %.60s: a consent id is a UUID",
                           id != NULL ? id : "");
    c.id = lid;
    rc = store_txn(s, 0, read_txn, &c, 0, NULL, 0, err);
    if (rc == DAEMON_OK && c.n == 0)
        rc = daemon_fail(err, DAEMON_ENOTFOUND,
                         "no consent %s in this organisation's consent register (baton consent "
                         "list shows them)",
                         lid);
    if (rc == DAEMON_OK) {
        *out = c.items[0];
        c.n = 0;
    }
    consent_free_list(c.items, c.n); /* c.n is 0 after a hand-over: frees only the array */
    return rc;
}

enum daemon_status
consent_list(struct store *s, size_t max, struct consent_row **items, size_t *n,
             struct daemon_err *err)
{
    struct read_ctx c = {0};
    enum daemon_status rc;

    c.max = max == 0 || max > STORE_LIST_MAX ? STORE_LIST_MAX : max;
    rc = store_txn(s, 0, read_txn, &c, 0, NULL, 0, err);
    if (rc != DAEMON_OK) {
        consent_free_list(c.items, c.n);
        return rc;
    }
    *items = c.items;
    *n = c.n;
    return DAEMON_OK;
}

/* ---- withdraw ---- */

struct withdraw_ctx {
    const char *id, *reason;
    time_t now;
    int withdraw; /* 0: only list what was sent */
    struct consent_sent *sent;
    size_t n;
};

static enum daemon_status
sent_rows(sqlite3 *db, struct withdraw_ctx *w, struct daemon_err *err)
{
    sqlite3_stmt *st = NULL;
    enum daemon_status rc = DAEMON_OK;
    int r;

    if (sqlite3_prepare_v2(db,
                           "SELECT id, to_oin FROM outbox WHERE kind = 'packet' AND "
                           "lower(consent_id) = ? ORDER BY created, id",
                           -1, &st, NULL) != SQLITE_OK)
        return db_fail(db, err, "reading the outbox");
    sqlite3_bind_text(st, 1, w->id, -1, SQLITE_TRANSIENT);
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        struct consent_sent *grown = realloc(w->sent, (w->n + 1) * sizeof *grown);

        if (grown == NULL) {
            rc = daemon_fail(err, DAEMON_ENOMEM, "out of memory reading the outbox");
            break;
        }
        w->sent = grown;
        snprintf(w->sent[w->n].packet, sizeof w->sent[w->n].packet, "%s",
                 (const char *)sqlite3_column_text(st, 0));
        snprintf(w->sent[w->n].to, sizeof w->sent[w->n].to, "%s",
                 (const char *)sqlite3_column_text(st, 1));
        w->n++;
    }
    if (rc == DAEMON_OK && r != SQLITE_DONE)
        rc = db_fail(db, err, "reading the outbox");
    sqlite3_finalize(st);
    return rc;
}

static enum daemon_status
withdraw_txn(void *ctx, sqlite3 *db, const unsigned char *key, struct daemon_err *err)
{
    struct withdraw_ctx *w = ctx;
    sqlite3_stmt *st = NULL;
    enum daemon_status rc;
    char when[KEYS_TIME_LEN + 1];
    int r;

    (void)key;
    if (sqlite3_prepare_v2(db, "SELECT withdrawn FROM consents WHERE id = ?", -1, &st, NULL) !=
        SQLITE_OK)
        return db_fail(db, err, "reading the consent register");
    sqlite3_bind_text(st, 1, w->id, -1, SQLITE_TRANSIENT);
    r = sqlite3_step(st);
    if (r == SQLITE_DONE) {
        sqlite3_finalize(st);
        return daemon_fail(err, DAEMON_ENOTFOUND,
                           "no consent %s in this organisation's consent register (baton consent "
                           "list shows them)",
                           w->id);
    }
    if (r != SQLITE_ROW) {
        sqlite3_finalize(st);
        return db_fail(db, err, "reading the consent register");
    }
    if (w->withdraw && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        keys_time_format((time_t)sqlite3_column_int64(st, 0), when);
        sqlite3_finalize(st);
        return daemon_fail(err, DAEMON_ECONFLICT, "consent %s was withdrawn already, at %s", w->id,
                           when);
    }
    sqlite3_finalize(st);
    if (w->withdraw) {
        if (sqlite3_prepare_v2(db, "UPDATE consents SET withdrawn = ?, reason = ? WHERE id = ?", -1,
                               &st, NULL) != SQLITE_OK)
            return db_fail(db, err, "withdrawing the consent");
        sqlite3_bind_int64(st, 1, (sqlite3_int64)w->now);
        if (w->reason != NULL)
            sqlite3_bind_text(st, 2, w->reason, -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(st, 2);
        sqlite3_bind_text(st, 3, w->id, -1, SQLITE_TRANSIENT);
        r = sqlite3_step(st);
        sqlite3_finalize(st);
        if (r != SQLITE_DONE)
            return db_fail(db, err, "withdrawing the consent");
    }
    rc = sent_rows(db, w, err);
    return rc;
}

static enum daemon_status
withdraw_or_list(struct store *s, const char *id, const char *reason, time_t now, const char *actor,
                 int withdraw, struct consent_sent **sent, size_t *n, struct daemon_err *err)
{
    struct withdraw_ctx w = {0};
    char lid[KEYS_UUID_LEN + 1], detail[300];
    struct store_event ev;
    enum daemon_status rc;

    *sent = NULL;
    *n = 0;
    if (!uuid_lower(id, lid))
        return daemon_fail(err, DAEMON_ENOTFOUND, "no consent %.60s: a consent id is a UUID",
                           id != NULL ? id : "");
    w.id = lid;
    w.reason = reason;
    w.now = now;
    w.withdraw = withdraw;
    /* The reason is the caseworker's text: it may name the young person, so the audit gets its
     * length only; the register keeps it. */
    snprintf(detail, sizeof detail, "consent %s withdrawn%s", lid,
             reason != NULL ? ", with a reason" : "");
    ev = (struct store_event){"consent-withdrawn", NULL, NULL, detail, NULL, actor};
    rc =
        store_txn(s, withdraw, withdraw_txn, &w, now, withdraw ? &ev : NULL, withdraw ? 1 : 0, err);
    if (rc != DAEMON_OK) {
        free(w.sent);
        return rc;
    }
    *sent = w.sent;
    *n = w.n;
    return DAEMON_OK;
}

enum daemon_status
consent_withdraw(struct store *s, const char *id, const char *reason, time_t now, const char *actor,
                 struct consent_sent **sent, size_t *n, struct daemon_err *err)
{
    return withdraw_or_list(s, id, reason, now, actor, 1, sent, n, err);
}

enum daemon_status
consent_sent_under(struct store *s, const char *id, struct consent_sent **sent, size_t *n,
                   struct daemon_err *err)
{
    return withdraw_or_list(s, id, NULL, 0, NULL, 0, sent, n, err);
}

/* ---- views ---- */

json_t *
consent_item(const struct consent_row *r, time_t now, int full)
{
    const json_t *rec = r->record, *v;
    json_t *j = json_object(), *given = json_array(), *recipients = json_array();
    const char *until = json_string_value(json_object_get(rec, "valid_until"));
    char today[KEYS_TIME_LEN + 1];
    const char *state = "valid";
    size_t i;

    if (j == NULL || given == NULL || recipients == NULL)
        goto fail;
    keys_time_format(now, today);
    if (r->withdrawn != 0)
        state = "withdrawn";
    else if (until != NULL && strncmp(today, until, 10) > 0)
        state = "expired";
    json_array_foreach (json_object_get(rec, "given_by"), i, v)
        if (json_array_append(given, json_object_get(v, "role")) != 0)
            goto fail;
    json_array_foreach (json_object_get(rec, "recipients"), i, v) {
        json_t *o = json_object();

        if (o == NULL || json_array_append_new(recipients, o) != 0)
            goto fail;
        if (core_set_str(o, "oin", json_string_value(json_object_get(v, "oin"))) |
            core_set_str(o, "role", json_string_value(json_object_get(v, "role"))) |
            core_set_str(o, "name", json_string_value(json_object_get(v, "name"))))
            goto fail;
    }
    if (core_set_str(j, "id", r->id) | core_set_str(j, "state", state) |
        core_set_time(j, "added", r->added) | core_set_time(j, "withdrawn", r->withdrawn) |
        core_set_str(j, "reason", r->reason) |
        json_object_set(j, "purposes", json_object_get(rec, "purposes")) |
        json_object_set(j, "data_categories", json_object_get(rec, "data_categories")) |
        core_set_str(j, "valid_until", until) | json_object_set_new(j, "given_by", given) |
        json_object_set_new(j, "recipients", recipients)) {
        given = recipients = NULL;
        goto fail;
    }
    given = recipients = NULL;
    if (full && json_object_set(j, "record", (json_t *)rec) != 0)
        goto fail;
    return j;
fail:
    json_decref(given);
    json_decref(recipients);
    json_decref(j);
    return NULL;
}

/* ---- the admin API ---- */

static json_t *
body_object(const struct http_request *req, struct http_reply *reply)
{
    const struct forms_limits lim = {.max_bytes = CONSENT_BODY_MAX, .max_depth = 0};
    struct forms_err ferr = {0};
    json_t *j = NULL;

    if (req->body == NULL || req->body_len == 0)
        return json_object();
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

static void
reply_json(struct http_reply *reply, int status, json_t *body)
{
    if (body == NULL || http_reply_json(reply, status, body) != DAEMON_OK)
        http_reply_error(reply, 500, "no-memory", "out of memory");
    json_decref(body);
}

static void
reply_err(struct http_reply *reply, enum daemon_status rc, const struct daemon_err *err)
{
    if (rc == DAEMON_ENOTFOUND)
        http_reply_error(reply, 404, "not-found", "%s", err->text);
    else if (rc == DAEMON_ECONFLICT)
        http_reply_error(reply, 409, "state", "%s", err->text);
    else if (rc == DAEMON_EREFUSED)
        http_reply_error(reply, 422, "invalid-form", "%s", err->text);
    else
        http_reply_error(reply, 500, "store", "%s", err->text);
}

static json_t *
sent_array(const struct consent_sent *sent, size_t n)
{
    json_t *a = json_array();
    size_t i;

    for (i = 0; a != NULL && i < n; i++)
        if (json_array_append_new(
                a, json_pack("{s:s, s:s}", "packet", sent[i].packet, "to", sent[i].to)) != 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

static enum forms_lang
lang_of(const struct http_request *req)
{
    return req->query != NULL && strstr(req->query, "lang=nl") != NULL ? FORMS_LANG_NL
                                                                       : FORMS_LANG_EN;
}

static void
admin_add(struct daemon *d, const struct http_request *req, struct http_reply *reply)
{
    struct daemon_err err = {0};
    char id[KEYS_UUID_LEN + 1];
    json_t *body = body_object(req, reply), *form, *details = NULL, *out;
    enum daemon_status rc;

    if (body == NULL)
        return;
    form = json_object_get(body, "form") != NULL ? json_object_get(body, "form") : body;
    rc = consent_add(d->store, d->cat, form, time(NULL), req->actor, lang_of(req), id, &details,
                     &err);
    if (rc == DAEMON_EREFUSED && details != NULL) {
        out = json_pack("{s:s, s:s, s:O}", "error", err.text, "code", "invalid-form", "details",
                        details);
        reply_json(reply, 422, out);
    } else if (rc != DAEMON_OK) {
        reply_err(reply, rc, &err);
    } else {
        core_log(d, CONFIG_LOG_INFO, "consent-added", NULL, NULL, "consent %s registered", id);
        reply_json(reply, 201, json_pack("{s:s}", "id", id));
    }
    json_decref(details);
    json_decref(body);
}

static void
admin_list(struct daemon *d, struct http_reply *reply)
{
    struct consent_row *items = NULL;
    struct daemon_err err = {0};
    time_t now = time(NULL);
    size_t n = 0, i;
    json_t *list;
    enum daemon_status rc;

    rc = consent_list(d->store, CORE_LIST_DEFAULT, &items, &n, &err);
    if (rc != DAEMON_OK) {
        reply_err(reply, rc, &err);
        return;
    }
    list = json_array();
    for (i = 0; list != NULL && i < n; i++)
        if (json_array_append_new(list, consent_item(&items[i], now, 0)) != 0) {
            json_decref(list);
            list = NULL;
        }
    consent_free_list(items, n);
    reply_json(reply, 200, list != NULL ? json_pack("{s:o}", "items", list) : NULL);
}

/* The item with "record" and "sent_under"; withdraw: withdraws first (and queues the notices). */
static void
admin_show(struct daemon *d, const char *id, int withdraw, const struct http_request *req,
           struct http_reply *reply)
{
    struct consent_row row = {0};
    struct consent_sent *sent = NULL;
    struct daemon_err err = {0}, werr = {0};
    const char *reason = NULL;
    time_t now = time(NULL);
    json_t *body = NULL, *item = NULL, *prop = NULL;
    enum daemon_status rc;
    size_t n = 0;

    if (withdraw) {
        const json_t *r;

        body = body_object(req, reply);
        if (body == NULL)
            return;
        r = json_object_get(body, "reason");
        if (r != NULL && !json_is_null(r) &&
            (!json_is_string(r) || json_string_length(r) > CORE_REASON_MAX)) {
            http_reply_error(reply, 400, "bad-request",
                             "\"reason\" must be a text of at most %d bytes", CORE_REASON_MAX);
            goto out;
        }
        reason = json_string_value(r);
        rc = consent_withdraw(d->store, id, reason, now, req->actor, &sent, &n, &err);
        if (rc != DAEMON_OK) {
            reply_err(reply, rc, &err);
            goto out;
        }
        core_log(d, CONFIG_LOG_INFO, "consent-withdrawn", NULL, NULL,
                 "consent %.40s withdrawn; %zu packet(s) were sent under it", id, n);
        /* The notices: committed separately (withdrawal_queue is idempotent and re-run at
         * start, so a crash in between loses nothing). */
        if (withdrawal_queue(d, id, &werr) != DAEMON_OK)
            core_log(d, CONFIG_LOG_ERROR, "withdrawal-failed", NULL, NULL,
                     "consent %.40s: the withdrawal notices could not be queued yet (retried at "
                     "start): %s",
                     id, werr.text);
    } else {
        rc = consent_sent_under(d->store, id, &sent, &n, &err);
        if (rc != DAEMON_OK) {
            reply_err(reply, rc, &err);
            goto out;
        }
    }
    rc = consent_get(d->store, id, &row, &err);
    if (rc != DAEMON_OK) {
        reply_err(reply, rc, &err);
        goto out;
    }
    item = consent_item(&row, now, 1);
    if (item == NULL || json_object_set_new(item, "sent_under", sent_array(sent, n)) != 0) {
        http_reply_error(reply, 500, "no-memory", "out of memory");
        goto out;
    }
    if (row.withdrawn != 0 && withdrawal_status(d, row.id, &prop, &werr) == DAEMON_OK &&
        prop != NULL)
        json_object_set_new(item, "withdrawal", prop);
    reply_json(reply, 200, item);
    item = NULL;
out:
    json_decref(item);
    json_decref(body);
    consent_row_clear(&row);
    free(sent);
}

int
core_consent_admin(struct daemon *d, const struct http_request *req, struct http_reply *reply)
{
    const char *path = req->path, *rest;
    const int get = strcmp(req->method, "GET") == 0, post = strcmp(req->method, "POST") == 0;
    char id[KEYS_UUID_LEN + 1];
    size_t len;

    if (strcmp(path, "/v1/consents") == 0) {
        if (get)
            admin_list(d, reply);
        else if (post)
            admin_add(d, req, reply);
        else
            http_reply_error(reply, 405, "method", "use GET or POST on /v1/consents");
        return 1;
    }
    if (strncmp(path, "/v1/consents/", 13) != 0)
        return 0;
    rest = strchr(path + 13, '/');
    len = rest != NULL ? (size_t)(rest - (path + 13)) : strlen(path + 13);
    memcpy(id, path + 13, len < sizeof id ? len : 0);
    id[len < sizeof id ? len : 0] = '\0';
    if (len != KEYS_UUID_LEN || !uuid_lower(id, id)) {
        http_reply_error(reply, 404, "not-found", "no such consent: a consent id is a UUID");
        return 1;
    }
    if (rest == NULL && get)
        admin_show(d, id, 0, req, reply);
    else if (rest != NULL && strcmp(rest, "/withdraw") == 0 && post)
        admin_show(d, id, 1, req, reply);
    else
        http_reply_error(reply, 404, "not-found",
                         "no such request: %s %.200s (GET /v1/consents/ID or POST "
                         "/v1/consents/ID/withdraw)",
                         req->method, path);
    return 1;
}
