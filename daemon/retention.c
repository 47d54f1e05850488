/* SPDX-License-Identifier: EUPL-1.2 */
/* Retention: erasing form content whose covenant retention period ended, by destroying its key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "audit.h"
#include "policy.h"

/* Rows erased per sweep; a sweep with more due leaves the rest for the next one. */
#define RETENTION_SWEEP_BATCH 256
/* A day in seconds: the covenant counts retention in days after receipt. */
#define RETENTION_DAY_S 86400L
/* The covenant allows 1..3650 days (forms/catalogue/covenant.schema.json); "within" likewise. */
#define RETENTION_MAX_DAYS 3650L
/* The default horizon of GET /v1/retention: what is erased in the coming month. */
#define RETENTION_WITHIN_DEFAULT 30L
/* A form's short name ("school-leaver-handover") is well under this. */
#define RETENTION_NAME_MAX 128

/* ---- small helpers ---- */

static enum daemon_status
db_err(sqlite3 *db, struct daemon_err *err, const char *what)
{
    return daemon_fail(err, DAEMON_ESTORE, "%s: %s", what, sqlite3_errmsg(db));
}

static const char *
col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);

    return t != NULL ? (const char *)t : "";
}

static time_t
col_t(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? 0 : (time_t)sqlite3_column_int64(st, i);
}

long
retention_period(const json_t *covenant, const char *form_type)
{
    char name[RETENTION_NAME_MAX];
    json_t *days;

    if (covenant == NULL || !policy_form_name(form_type, name, sizeof name))
        return 0;
    days = json_object_get(json_object_get(covenant, "retention_days"), name);
    if (!json_is_integer(days) || json_integer_value(days) < 1 ||
        json_integer_value(days) > RETENTION_MAX_DAYS)
        return 0;
    return (long)json_integer_value(days) * RETENTION_DAY_S;
}

/* ---- the sweep ---- */

/* Rows stored before retain_until existed (or before the covenant gave their form type a
 * period): retain_until = received + the period, where the covenant gives one. */
struct fill_ctx {
    const json_t *covenant;
    size_t filled;
};

static enum daemon_status
fill_fn(void *ctx, struct sqlite3 *db, const unsigned char *key, struct daemon_err *err)
{
    struct fill_ctx *c = ctx;
    sqlite3_stmt *sel = NULL, *upd = NULL;
    enum daemon_status rc = DAEMON_OK;
    long period;
    int r;

    (void)key;
    if (sqlite3_prepare_v2(db,
                           "SELECT id, form_type, received FROM inbox "
                           "WHERE retain_until IS NULL AND key_id IS NOT NULL",
                           -1, &sel, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "UPDATE inbox SET retain_until = ? WHERE id = ?", -1, &upd, NULL) !=
            SQLITE_OK) {
        rc = db_err(db, err, "reading the inbox for retention");
        goto out;
    }
    while ((r = sqlite3_step(sel)) == SQLITE_ROW) {
        period = retention_period(c->covenant, col_text(sel, 1));
        if (period <= 0)
            continue; /* no period: kept, and listed as such by the report */
        sqlite3_reset(upd);
        if (sqlite3_bind_int64(upd, 1, (sqlite3_int64)(col_t(sel, 2) + (time_t)period)) |
                sqlite3_bind_text(upd, 2, col_text(sel, 0), -1, SQLITE_TRANSIENT) ||
            sqlite3_step(upd) != SQLITE_DONE) {
            rc = db_err(db, err, "setting the retention date");
            goto out;
        }
        c->filled++;
    }
    if (r != SQLITE_DONE)
        rc = db_err(db, err, "reading the inbox for retention");
out:
    sqlite3_finalize(sel);
    sqlite3_finalize(upd);
    return rc;
}

/* The rows due at now: content not erased, not restricted by a withdrawal (withdrawal.c erases
 * those after their grace period), retain_until passed. */
#define RETENTION_DUE_WHERE                                                                        \
    "i.key_id IS NOT NULL AND i.retain_until IS NOT NULL AND i.retain_until <= ?1 "                \
    "AND NOT EXISTS (SELECT 1 FROM withdrawals_in w WHERE w.packet = i.id)"

struct due_ctx {
    time_t now;
    size_t n;
    char ids[RETENTION_SWEEP_BATCH][KEYS_UUID_LEN + 1];
};

static enum daemon_status
due_fn(void *ctx, struct sqlite3 *db, const unsigned char *key, struct daemon_err *err)
{
    struct due_ctx *c = ctx;
    sqlite3_stmt *st = NULL;
    int r;

    (void)key;
    if (sqlite3_prepare_v2(db,
                           "SELECT i.id FROM inbox i WHERE " RETENTION_DUE_WHERE
                           " ORDER BY i.retain_until, i.rowid LIMIT ?2",
                           -1, &st, NULL) != SQLITE_OK)
        return db_err(db, err, "reading the inbox for retention");
    sqlite3_bind_int64(st, 1, (sqlite3_int64)c->now);
    sqlite3_bind_int(st, 2, RETENTION_SWEEP_BATCH);
    while (c->n < RETENTION_SWEEP_BATCH && (r = sqlite3_step(st)) == SQLITE_ROW)
        snprintf(c->ids[c->n++], KEYS_UUID_LEN + 1, "%.36s", col_text(st, 0));
    sqlite3_finalize(st);
    return r == SQLITE_ROW || r == SQLITE_DONE ? DAEMON_OK
                                               : db_err(db, err, "reading the inbox for retention");
}

/* One row's erasure, in its own transaction: checked again (another thread may have erased or
 * restricted it since due_fn), the record key destroyed, the ciphertext cleared, and the audit
 * entry "erased-retention" with metadata only. */
struct erase_ctx {
    const char *id;
    time_t now;
    int erased;
    char from[KEYS_OIN_LEN + 1];
    char detail[400];
};

static enum daemon_status
erase_fn(void *ctx, struct sqlite3 *db, const unsigned char *key, struct daemon_err *err)
{
    struct erase_ctx *c = ctx;
    sqlite3_stmt *st = NULL;
    enum daemon_status rc = DAEMON_OK;
    char subject[CORE_PSEUDONYM_LEN + 1] = "", form[RETENTION_NAME_MAX];
    char got[KEYS_TIME_LEN + 1], until[KEYS_TIME_LEN + 1];
    const char *form_type;
    struct store_event ev;
    time_t received, retain_until;
    int r;

    (void)key;
    if (sqlite3_prepare_v2(db,
                           "SELECT i.from_oin, i.form_type, i.received, i.retain_until, "
                           "(SELECT a.subject FROM audit a WHERE a.packet = i.id AND a.subject "
                           "IS NOT NULL ORDER BY a.seq LIMIT 1) "
                           "FROM inbox i WHERE i.id = ?2 AND " RETENTION_DUE_WHERE,
                           -1, &st, NULL) != SQLITE_OK)
        return db_err(db, err, "reading the inbox for retention");
    sqlite3_bind_int64(st, 1, (sqlite3_int64)c->now);
    sqlite3_bind_text(st, 2, c->id, -1, SQLITE_TRANSIENT);
    r = sqlite3_step(st);
    if (r != SQLITE_ROW) {
        sqlite3_finalize(st);
        return r == SQLITE_DONE ? DAEMON_OK : db_err(db, err, "reading the inbox for retention");
    }
    snprintf(c->from, sizeof c->from, "%.20s", col_text(st, 0));
    form_type = col_text(st, 1);
    if (!policy_form_name(form_type, form, sizeof form))
        snprintf(form, sizeof form, "%.100s", form_type);
    received = col_t(st, 2);
    retain_until = col_t(st, 3);
    snprintf(subject, sizeof subject, "%.32s", col_text(st, 4));
    snprintf(c->detail, sizeof c->detail,
             "content erased (its record key destroyed): the retention period of %ld days for "
             "%s ended; received %s, kept until %s",
             (long)((retain_until - received) / RETENTION_DAY_S), form, core_time(received, got),
             core_time(retain_until, until));
    sqlite3_finalize(st);
    st = NULL;

    /* The key goes (the foreign key clears inbox.key_id), and the ciphertext with it. */
    if (sqlite3_prepare_v2(db,
                           "DELETE FROM record_keys WHERE id = (SELECT key_id FROM inbox WHERE id "
                           "= ?)",
                           -1, &st, NULL) != SQLITE_OK ||
        sqlite3_bind_text(st, 1, c->id, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_DONE) {
        rc = db_err(db, err, "destroying the record key");
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(db, "UPDATE inbox SET content = NULL, key_id = NULL WHERE id = ?", -1,
                           &st, NULL) != SQLITE_OK ||
        sqlite3_bind_text(st, 1, c->id, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_DONE) {
        rc = db_err(db, err, "erasing the content");
        goto out;
    }
    ev = (struct store_event){
        "erased-retention", c->id, c->from, c->detail, subject[0] != '\0' ? subject : NULL, NULL};
    rc = store_audit_append(db, c->now, &ev, err);
    if (rc == DAEMON_OK)
        c->erased = 1;
out:
    sqlite3_finalize(st);
    return rc;
}

size_t
retention_sweep(struct daemon *d, time_t now)
{
    struct fill_ctx fill = {d->covenant, 0};
    struct due_ctx *due = calloc(1, sizeof *due);
    struct daemon_err err = {0};
    struct erase_ctx e;
    size_t i, erased = 0;

    if (due == NULL) {
        core_log(d, CONFIG_LOG_ERROR, "retention-failed", NULL, NULL,
                 "out of memory for the retention sweep");
        return 0;
    }
    if (d->covenant != NULL) {
        if (store_txn(d->store, 1, fill_fn, &fill, now, NULL, 0, &err) != DAEMON_OK)
            core_log(d, CONFIG_LOG_ERROR, "retention-failed", NULL, NULL,
                     "cannot set the retention dates of earlier forms: %s", err.text);
        else if (fill.filled > 0)
            core_log(d, CONFIG_LOG_INFO, "retention-dated", NULL, NULL,
                     "%zu form(s) received before retention dates were kept now have one (the "
                     "covenant's period after receipt)",
                     fill.filled);
    }
    due->now = now;
    if (store_txn(d->store, 0, due_fn, due, now, NULL, 0, &err) != DAEMON_OK) {
        core_log(d, CONFIG_LOG_ERROR, "retention-failed", NULL, NULL, "%s", err.text);
        goto out;
    }
    for (i = 0; i < due->n; i++) {
        memset(&e, 0, sizeof e);
        e.id = due->ids[i];
        e.now = now;
        if (store_txn(d->store, 1, erase_fn, &e, now, NULL, 0, &err) != DAEMON_OK) {
            core_log(d, CONFIG_LOG_ERROR, "erase-failed", due->ids[i], NULL,
                     "the retention period ended but the content could not be erased (tried "
                     "again at the next sweep): %s",
                     err.text);
            continue;
        }
        if (e.erased) {
            erased++;
            core_log(d, CONFIG_LOG_INFO, "erased-retention", e.id, e.from, "%s", e.detail);
        }
    }
    /* Pages holding the destroyed keys may sit in the write-ahead log until a checkpoint. */
    if (erased > 0 && store_wal_truncate(d->store, &err) != DAEMON_OK)
        core_log(d, CONFIG_LOG_WARNING, "retention-wal", NULL, NULL,
                 "the write-ahead log was not truncated after erasing (done at a later "
                 "checkpoint): %s",
                 err.text);
out:
    free(due);
    return erased;
}

/* ---- the report ---- */

struct report_ctx {
    const json_t *covenant;
    time_t now, horizon;
    json_t *due, *erased, *no_period;
};

/* Appends {"id", "from", "form_type", "received", and what (the time when) at} from columns
 * 0..4 of st to list. -1 when out of memory. */
static int
add_row(json_t *list, sqlite3_stmt *st, const char *what, time_t when)
{
    json_t *row = json_object();

    if (row == NULL || core_set_str(row, "id", col_text(st, 0)) != 0 ||
        core_set_str(row, "from", col_text(st, 1)) != 0 ||
        core_set_str(row, "form_type", col_text(st, 2)) != 0 ||
        core_set_time(row, "received", col_t(st, 3)) != 0 || core_set_time(row, what, when) != 0) {
        json_decref(row);
        return -1;
    }
    return json_array_append_new(list, row); /* takes row, also on failure */
}

static enum daemon_status
report_fn(void *ctx, struct sqlite3 *db, const unsigned char *key, struct daemon_err *err)
{
    struct report_ctx *c = ctx;
    sqlite3_stmt *st = NULL;
    enum daemon_status rc = DAEMON_OK;
    time_t until;
    long period;
    int r;

    (void)key;
    /* What is still readable (not erased, not restricted by a withdrawal). */
    if (sqlite3_prepare_v2(db,
                           "SELECT i.id, i.from_oin, i.form_type, i.received, i.retain_until "
                           "FROM inbox i WHERE i.key_id IS NOT NULL AND NOT EXISTS (SELECT 1 "
                           "FROM withdrawals_in w WHERE w.packet = i.id) "
                           "ORDER BY i.retain_until, i.received, i.rowid",
                           -1, &st, NULL) != SQLITE_OK)
        return db_err(db, err, "reading the inbox for retention");
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        until = col_t(st, 4);
        period = retention_period(c->covenant, col_text(st, 2));
        if (until == 0 && period > 0) /* received before retention dates were kept */
            until = col_t(st, 3) + (time_t)period;
        if (until != 0 && until > c->horizon)
            continue;
        if (add_row(until != 0 ? c->due : c->no_period, st, "retain_until", until) != 0) {
            rc = daemon_fail(err, DAEMON_ENOMEM, "out of memory listing retention");
            goto out;
        }
    }
    if (r != SQLITE_DONE) {
        rc = db_err(db, err, "reading the inbox for retention");
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;
    /* What retention erased: the audit entries, with the inbox's metadata that stays. */
    if (sqlite3_prepare_v2(db,
                           "SELECT a.packet, i.from_oin, i.form_type, i.received, a.at "
                           "FROM audit a LEFT JOIN inbox i ON i.id = a.packet "
                           "WHERE a.event = 'erased-retention' ORDER BY a.seq DESC LIMIT ?",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = db_err(db, err, "reading the audit trail for retention");
        goto out;
    }
    sqlite3_bind_int(st, 1, STORE_LIST_MAX);
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        if (add_row(c->erased, st, "erased", col_t(st, 4)) != 0) {
            rc = daemon_fail(err, DAEMON_ENOMEM, "out of memory listing retention");
            goto out;
        }
    }
    if (r != SQLITE_DONE)
        rc = db_err(db, err, "reading the audit trail for retention");
out:
    sqlite3_finalize(st);
    return rc;
}

enum daemon_status
retention_report(struct daemon *d, time_t now, long within_days, json_t **out,
                 struct daemon_err *err)
{
    struct report_ctx c = {d->covenant,  now,          now + (time_t)within_days * RETENTION_DAY_S,
                           json_array(), json_array(), json_array()};
    enum daemon_status rc;
    json_t *o = NULL, *row;
    const char *name;
    size_t i;

    if (c.due == NULL || c.erased == NULL || c.no_period == NULL) {
        rc = daemon_fail(err, DAEMON_ENOMEM, "out of memory listing retention");
        goto out;
    }
    rc = store_txn(d->store, 0, report_fn, &c, now, NULL, 0, err);
    if (rc != DAEMON_OK)
        goto out;
    json_array_foreach (c.due, i, row)
        if ((name = core_member_name(d, json_string_value(json_object_get(row, "from")))) != NULL)
            json_object_set_new(row, "from_name", json_string(name));
    json_array_foreach (c.no_period, i, row)
        if ((name = core_member_name(d, json_string_value(json_object_get(row, "from")))) != NULL)
            json_object_set_new(row, "from_name", json_string(name));
    o = json_pack("{s:I, s:O, s:O, s:O}", "within_days", (json_int_t)within_days, "due", c.due,
                  "erased", c.erased, "no_period", c.no_period);
    if (o == NULL || core_set_time(o, "now", now) != 0 ||
        (d->covenant == NULL &&
         core_set_str(o, "warning",
                      "no covenant is loaded: forms received before retention dates were kept "
                      "cannot be dated, and are listed under no_period") != 0)) {
        rc = daemon_fail(err, DAEMON_ENOMEM, "out of memory listing retention");
        goto out;
    }
    *out = o;
    o = NULL;
out:
    json_decref(o);
    json_decref(c.due);
    json_decref(c.erased);
    json_decref(c.no_period);
    return rc;
}

void
retention_inbox_annotate(json_t *item, const struct store_in *in, time_t now)
{
    if (item == NULL || in == NULL || in->retain_until == 0)
        return;
    core_set_time(item, "retain_until", in->retain_until);
    if (in->erased && in->retain_until <= now && json_object_get(item, "withdrawn") == NULL)
        json_object_set_new(item, "erased_by", json_string("retention"));
}

/* ---- the admin API ---- */

/* within=DAYS from the query: 1 with *days; 0 when absent; -1 when not a number 0..3650. */
static int
query_within(const char *query, long *days)
{
    const char *p = query;
    char *end;
    long v;

    while (p != NULL && *p != '\0') {
        if (strncmp(p, "within=", 7) == 0) {
            p += 7;
            if (*p < '0' || *p > '9')
                return -1;
            v = strtol(p, &end, 10);
            if ((*end != '\0' && *end != '&') || v < 0 || v > RETENTION_MAX_DAYS)
                return -1;
            *days = v;
            return 1;
        }
        p = strchr(p, '&');
        if (p != NULL)
            p++;
    }
    return 0;
}

int
core_retention_admin(struct daemon *d, const struct http_request *req, struct http_reply *reply)
{
    struct daemon_err err = {0};
    long within = RETENTION_WITHIN_DEFAULT;
    json_t *o = NULL;

    if (strcmp(req->path, "/v1/retention") != 0)
        return 0;
    if (strcmp(req->method, "GET") != 0) {
        http_reply_error(reply, 405, "method", "use GET on /v1/retention");
        return 1;
    }
    if (query_within(req->query, &within) < 0) {
        http_reply_error(reply, 400, "bad-within",
                         "within must be a whole number of days from 0 to %ld", RETENTION_MAX_DAYS);
        return 1;
    }
    if (retention_report(d, time(NULL), within, &o, &err) != DAEMON_OK) {
        http_reply_error(reply, 500, "store", "the retention report could not be made: %s",
                         err.text);
        core_log(d, CONFIG_LOG_ERROR, "store-failed", NULL, NULL, "%s", err.text);
        return 1;
    }
    if (http_reply_json(reply, 200, o) != DAEMON_OK)
        http_reply_error(reply, 500, "no-memory", "out of memory");
    json_decref(o);
    return 1;
}
