/* SPDX-License-Identifier: EUPL-1.2 */
/* batond's store: what it refuses to open (other files, other applications' databases, a newer
 * schema, another organisation's store, another key), the outbox and inbox state machines, the
 * content encrypted at rest and erased with its key, changes committed with their audit entries
 * or not at all, group commit under concurrent writers, and the store key derived from a
 * keystore (stable across rotation). */
#define _GNU_SOURCE /* memmem */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>

#include "keys.h"
#include "store.h"
#include "store_fixture.h"

#define OIN_US "00000001001234567000"
#define OIN_PEER "00000001812345671000"
#define ID1 "11111111-1111-4111-8111-111111111111"
#define ID2 "22222222-2222-4222-8222-222222222222"
#define NOTICE1 "33333333-3333-4333-8333-333333333333"
#define T0 ((time_t)1790000000)
/* Appears in a form's content; must never be found in the database file in the clear. */
#define MARKER "Milan-de-Haan-2007-03-14-secret"

struct fx {
    char dir[64];
    char path[128];
    unsigned char key[STORE_KEY_BYTES];
    struct store *s;
};

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);

    assert_non_null(f);
    store_tmp_make(f->dir, f->path, f->key, "store");
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;

    store_close(f->s);
    store_tmp_remove(f->dir);
    free(f);
    return 0;
}

static void
open_ok(struct fx *f)
{
    struct daemon_err err = {0};

    assert_int_equal(store_open(f->path, OIN_US, f->key, &f->s, &err), DAEMON_OK);
}

/* 1 when the bytes of s occur in the file at path or its write-ahead log. */
static int
file_has(const char *path, const char *s)
{
    char wal[160];
    const char *paths[2] = {path, wal};
    int i, found = 0;

    snprintf(wal, sizeof wal, "%s-wal", path);
    for (i = 0; i < 2 && !found; i++) {
        FILE *fp = fopen(paths[i], "rb");
        size_t n = 0, cap = 1 << 20, r;
        char *buf;

        if (fp == NULL)
            continue;
        buf = malloc(cap);
        assert_non_null(buf);
        while ((r = fread(buf + n, 1, cap - n, fp)) > 0) {
            n += r;
            if (n == cap) {
                cap *= 2;
                buf = realloc(buf, cap);
                assert_non_null(buf);
            }
        }
        fclose(fp);
        found = memmem(buf, n, s, strlen(s)) != NULL;
        free(buf);
    }
    return found;
}

static void
refused_with(struct fx *f, const char *oin, const unsigned char *key, const char *words)
{
    struct daemon_err err = {0};
    struct store *s = (struct store *)(uintptr_t)0x5eed;

    assert_int_equal(store_open(f->path, oin, key, &s, &err), DAEMON_ESTORE);
    assert_ptr_equal(s, (struct store *)(uintptr_t)0x5eed);
    if (strstr(err.text, words) == NULL)
        fail_msg("expected \"%s\" in: %s", words, err.text);
}

static void
test_open_new_and_again(void **state)
{
    struct fx *f = *state;

    open_ok(f);
    store_close(f->s);
    f->s = NULL;
    assert_int_equal(raw_int(f->path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    assert_int_equal(raw_int(f->path, "PRAGMA application_id"), 0x4241544e);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM outbox"), 0);
    open_ok(f);
}

static void
test_refuses_not_sqlite(void **state)
{
    struct fx *f = *state;
    FILE *fp = fopen(f->path, "wb");

    assert_non_null(fp);
    fputs("this is not a database, it is a text file with enough bytes to look like a header. "
          "SQLite reads the first hundred bytes and finds no magic string in them at all.\n",
          fp);
    fclose(fp);
    refused_with(f, OIN_US, f->key, "not an SQLite database");
}

static void
test_refuses_foreign_database(void **state)
{
    struct fx *f = *state;

    raw_sql(f->path, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);");
    refused_with(f, OIN_US, f->key, "\"customers\"");
    /* Nothing was added to it. */
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sqlite_master"), 1);
    assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 0);
}

static void
test_refuses_other_application(void **state)
{
    struct fx *f = *state;

    raw_sql(f->path, "PRAGMA application_id = 1234;");
    refused_with(f, OIN_US, f->key, "another application");
}

static void
test_refuses_newer_schema(void **state)
{
    struct fx *f = *state;

    open_ok(f);
    store_close(f->s);
    f->s = NULL;
    raw_sql(f->path, "PRAGMA user_version = 99;");
    refused_with(f, OIN_US, f->key, "newer batond (schema version 99");
}

static void
test_refuses_other_owner_and_key(void **state)
{
    struct fx *f = *state;
    unsigned char other[STORE_KEY_BYTES];

    open_ok(f);
    store_close(f->s);
    f->s = NULL;
    refused_with(f, OIN_PEER, f->key, "another organisation");
    memcpy(other, f->key, sizeof other);
    other[0] ^= 1;
    refused_with(f, OIN_US, other, "another store key");
    raw_sql(f->path, "CREATE TABLE extra (x);");
    refused_with(f, OIN_US, f->key, "changed by hand");
}

static void
add_packet(struct fx *f, const char *id, time_t now)
{
    const struct store_event ev[2] = {{"submitted", id, OIN_PEER, "a form", NULL, NULL},
                                      {"sealed", id, OIN_PEER, "for a key", NULL, NULL}};
    struct store_out o = {0};
    struct daemon_err err = {0};

    snprintf(o.id, sizeof o.id, "%s", id);
    o.kind = STORE_PACKET;
    snprintf(o.to, sizeof o.to, OIN_PEER);
    o.form_type = "urn:baton:form:school-leaver-handover:1";
    o.purpose = "warme-overdracht";
    o.basis = "consent";
    o.body = "eyJ.packet.bytes.a.b";
    o.body_len = strlen(o.body);
    o.created_ms = (long long)now * 1000 + 250;
    assert_int_equal(store_outbox_add(f->s, &o, now, ev, 2, &err), DAEMON_OK);
}

static void
test_outbox_lifecycle(void **state)
{
    struct fx *f = *state;
    struct store_out *items = NULL, o = {0};
    struct daemon_err err = {0};
    struct store_audit *au = NULL;
    const struct store_event ev = {"delivered", ID1, OIN_PEER, "receipt verified", NULL, NULL};
    size_t n = 0;
    time_t next = 0;
    int again = -1;

    open_ok(f);
    add_packet(f, ID1, T0);
    /* Due now, with its body; nothing after it. */
    assert_int_equal(store_outbox_due(f->s, T0, 8, 1, &items, &n, &next, &err), DAEMON_OK);
    assert_int_equal(n, 1);
    assert_string_equal(items[0].id, ID1);
    assert_string_equal(items[0].body, "eyJ.packet.bytes.a.b");
    assert_int_equal(items[0].state, STORE_QUEUED);
    assert_true(items[0].created == T0 && items[0].created_ms == (long long)T0 * 1000 + 250);
    assert_int_equal(next, 0);
    store_out_free_list(items, n);

    /* A failed attempt: later, counted, with its reason. */
    assert_int_equal(store_outbox_retry(f->s, ID1, T0 + 5, "connection refused", &err), DAEMON_OK);
    assert_int_equal(store_outbox_due(f->s, T0 + 1, 8, 1, &items, &n, &next, &err), DAEMON_OK);
    assert_int_equal(n, 0);
    assert_int_equal(next, T0 + 5);
    store_out_free_list(items, n);
    /* Put off (its peer failed another row): later, but no attempt counted. */
    assert_int_equal(store_outbox_defer(f->s, ID1, T0 + 3, &err), DAEMON_OK);
    assert_int_equal(store_outbox_due(f->s, T0 + 3, 8, 1, &items, &n, &next, &err), DAEMON_OK);
    assert_int_equal(n, 1);
    assert_int_equal(items[0].attempts, 1);
    assert_string_equal(items[0].last_error, "connection refused");
    store_out_free_list(items, n);

    /* A decision before delivery is refused; after, accepted once; the same notice again is
     * "again"; another decision is refused. */
    assert_int_equal(store_outbox_decide(f->s, ID1, STORE_ACCEPTED, "A, B", NULL, T0 + 6, NOTICE1,
                                         KEYS_TYP_ACCEPTANCE, OIN_PEER, "jws", NULL, &again, &err),
                     DAEMON_ECONFLICT);
    assert_non_null(strstr(err.text, "not yet delivered"));
    assert_int_equal(store_outbox_delivered(f->s, ID1, T0 + 6, "receipt.jws.text", &ev, &err),
                     DAEMON_OK);
    assert_int_equal(store_outbox_delivered(f->s, ID1, T0 + 7, "receipt.jws.text", &ev, &err),
                     DAEMON_ECONFLICT);
    assert_int_equal(store_outbox_decide(f->s, ID1, STORE_ACCEPTED, "A, B", NULL, T0 + 8, NOTICE1,
                                         KEYS_TYP_ACCEPTANCE, OIN_PEER, "jws", NULL, &again, &err),
                     DAEMON_OK);
    assert_int_equal(again, 0);
    assert_int_equal(store_outbox_decide(f->s, ID1, STORE_ACCEPTED, "A, B", NULL, T0 + 9, NOTICE1,
                                         KEYS_TYP_ACCEPTANCE, OIN_PEER, "jws", NULL, &again, &err),
                     DAEMON_OK);
    assert_int_equal(again, 1);
    assert_int_equal(store_outbox_decide(f->s, ID1, STORE_REJECTED, NULL, "no", T0 + 9,
                                         "44444444-4444-4444-8444-444444444444", KEYS_TYP_REJECTION,
                                         OIN_PEER, "jws2", NULL, &again, &err),
                     DAEMON_ECONFLICT);
    assert_int_equal(store_outbox_decide(f->s, ID2, STORE_ACCEPTED, "A, B", NULL, T0 + 9, NOTICE1,
                                         KEYS_TYP_ACCEPTANCE, OIN_PEER, "jws", NULL, &again, &err),
                     DAEMON_ENOTFOUND);

    assert_int_equal(store_outbox_get(f->s, ID1, &o, &err), DAEMON_OK);
    assert_int_equal(o.state, STORE_ACCEPTED);
    assert_int_equal(o.attempts, 2);
    assert_int_equal(o.delivered, T0 + 6);
    assert_int_equal(o.decided, T0 + 8);
    assert_string_equal(o.by, "A, B");
    assert_string_equal(o.receipt, "receipt.jws.text");
    assert_null(o.last_error);
    assert_true(o.created_ms == (long long)T0 * 1000 + 250);
    store_out_clear(&o);

    assert_int_equal(store_audit_list(f->s, ID1, 100, &au, &n, &err), DAEMON_OK);
    assert_int_equal(n, 3);
    assert_string_equal(au[0].event, "submitted");
    assert_string_equal(au[1].event, "sealed");
    assert_string_equal(au[2].event, "delivered");
    assert_true(au[0].seq < au[1].seq && au[1].seq < au[2].seq);
    store_audit_free(au, n);
}

static void
test_outbox_add_is_atomic(void **state)
{
    struct fx *f = *state;
    struct store_out o = {0};
    struct daemon_err err = {0};
    const struct store_event ev = {"submitted", ID1, OIN_PEER, "again", NULL, NULL};
    struct store_audit *au = NULL;
    size_t n = 0;

    open_ok(f);
    add_packet(f, ID1, T0);
    snprintf(o.id, sizeof o.id, ID1);
    snprintf(o.to, sizeof o.to, OIN_PEER);
    o.form_type = "x";
    o.body = "y";
    o.body_len = 1;
    assert_int_equal(store_outbox_add(f->s, &o, T0, &ev, 1, &err), DAEMON_ECONFLICT);
    /* The failed insert wrote no audit entry either. */
    assert_int_equal(store_audit_list(f->s, NULL, 100, &au, &n, &err), DAEMON_OK);
    assert_int_equal(n, 2);
    store_audit_free(au, n);
}

/* Group commit: writers in threads at once, some of them refused (an id taken already), a
 * reader beside them. Every accepted change is kept with its audit entry, in one unbroken chain;
 * no refused change leaves anything; all of it is still there after the store is reopened. */
#define GC_THREADS 8
#define GC_EACH 40

struct gc_arg {
    struct fx *f;
    int thread, ok, conflicts, errors;
};

static void
gc_id(char *out, size_t size, int thread, int i)
{
    snprintf(out, size, "%08x-0000-4000-8000-%012x", (unsigned)thread + 1, (unsigned)i);
}

static void *
gc_writer(void *p)
{
    struct gc_arg *a = p;
    int i;

    for (i = 0; i < GC_EACH; i++) {
        char id[KEYS_UUID_LEN + 1];
        struct store_event ev = {"submitted", id, OIN_PEER, "group commit", NULL, NULL};
        struct store_out o = {0};
        struct daemon_err err = {0};
        enum daemon_status rc;

        /* Every fifth add reuses the id of the add before it: refused. */
        gc_id(id, sizeof id, a->thread, i % 5 == 4 ? i - 1 : i);
        snprintf(o.id, sizeof o.id, "%s", id);
        snprintf(o.to, sizeof o.to, OIN_PEER);
        o.form_type = "urn:baton:form:school-leaver-handover:1";
        o.body = "eyJ.packet.bytes.a.b";
        o.body_len = strlen(o.body);
        rc = store_outbox_add(a->f->s, &o, T0 + i, &ev, 1, &err);
        if (rc == DAEMON_OK)
            a->ok++;
        else if (rc == DAEMON_ECONFLICT)
            a->conflicts++;
        else
            a->errors++;
    }
    return NULL;
}

static int gc_done; /* atomic */

static void *
gc_reader(void *p)
{
    struct fx *f = p;
    long bad = 0;

    while (!__atomic_load_n(&gc_done, __ATOMIC_SEQ_CST)) {
        struct store_out *items = NULL;
        struct daemon_err err = {0};
        size_t n = 0;

        if (store_outbox_list(f->s, 1000, &items, &n, &err) != DAEMON_OK)
            bad++;
        store_out_free_list(items, n);
    }
    return (void *)bad;
}

static void
test_group_commit(void **state)
{
    struct fx *f = *state;
    struct gc_arg args[GC_THREADS];
    pthread_t th[GC_THREADS], rd;
    struct store_audit *au = NULL;
    struct daemon_err err = {0};
    unsigned char prev[STORE_HASH_BYTES] = {0}, h[STORE_HASH_BYTES];
    void *reader_bad = NULL;
    size_t n = 0, i;
    int t;

    open_ok(f);
    __atomic_store_n(&gc_done, 0, __ATOMIC_SEQ_CST);
    assert_int_equal(pthread_create(&rd, NULL, gc_reader, f), 0);
    for (t = 0; t < GC_THREADS; t++) {
        args[t] = (struct gc_arg){f, t, 0, 0, 0};
        assert_int_equal(pthread_create(&th[t], NULL, gc_writer, &args[t]), 0);
    }
    for (t = 0; t < GC_THREADS; t++) {
        assert_int_equal(pthread_join(th[t], NULL), 0);
        assert_int_equal(args[t].errors, 0);
        assert_int_equal(args[t].ok, GC_EACH - GC_EACH / 5);
        assert_int_equal(args[t].conflicts, GC_EACH / 5);
    }
    __atomic_store_n(&gc_done, 1, __ATOMIC_SEQ_CST);
    assert_int_equal(pthread_join(rd, &reader_bad), 0);
    assert_null(reader_bad);

    /* One audit entry per accepted add, chained without a gap. */
    assert_int_equal(store_audit_list(f->s, NULL, 10000, &au, &n, &err), DAEMON_OK);
    assert_int_equal(n, (size_t)GC_THREADS * (GC_EACH - GC_EACH / 5));
    for (i = 0; i < n; i++) {
        assert_int_equal(au[i].seq, (long long)i + 1);
        store_audit_hash(prev, &au[i], h);
        assert_memory_equal(h, au[i].hash, STORE_HASH_BYTES);
        memcpy(prev, h, sizeof prev);
    }
    store_audit_free(au, n);

    /* On disk, as another program sees it after batond stopped. */
    store_close(f->s);
    f->s = NULL;
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM outbox"),
                     GC_THREADS * (GC_EACH - GC_EACH / 5));
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit"),
                     GC_THREADS * (GC_EACH - GC_EACH / 5));
}

static void
test_undeliverable(void **state)
{
    struct fx *f = *state;
    const struct store_event ev = {"undeliverable", ID1, OIN_PEER, "gave up", NULL, NULL};
    struct store_out *items = NULL, o = {0};
    struct daemon_err err = {0};
    size_t n = 0;

    open_ok(f);
    add_packet(f, ID1, T0);
    assert_int_equal(store_outbox_undeliverable(f->s, ID1, T0 + 10, "timed out", &ev, &err),
                     DAEMON_OK);
    assert_int_equal(store_outbox_get(f->s, ID1, &o, &err), DAEMON_OK);
    assert_int_equal(o.state, STORE_UNDELIVERABLE);
    assert_string_equal(o.last_error, "timed out");
    store_out_clear(&o);
    assert_int_equal(store_outbox_due(f->s, T0 + 1000, 8, 1, &items, &n, NULL, &err), DAEMON_OK);
    assert_int_equal(n, 0);
    store_out_free_list(items, n);
    assert_int_equal(store_outbox_undeliverable(f->s, ID1, T0 + 11, "again", &ev, &err),
                     DAEMON_ECONFLICT);
}

static void
receive(struct fx *f, const char *id, unsigned char fill, enum store_receive want)
{
    const struct store_event ev = {"received", id, OIN_PEER, "a form", NULL, NULL};
    const char *content = "{\"form\":{\"name\":\"" MARKER "\"},\"purpose\":\"p\"}";
    enum store_receive found = (enum store_receive) - 1;
    struct daemon_err err = {0};
    struct store_in in = {0};
    char *receipt = NULL;

    snprintf(in.id, sizeof in.id, "%s", id);
    snprintf(in.from, sizeof in.from, OIN_PEER);
    in.form_type = "urn:baton:form:school-leaver-handover:1";
    in.purpose = "warme-overdracht";
    in.basis = "consent";
    memset(in.sha256, fill, sizeof in.sha256);
    in.receipt = fill == 1 ? "receipt-one" : "receipt-other";
    assert_int_equal(store_inbox_receive(f->s, &in, T0, (const unsigned char *)content,
                                         strlen(content), &ev, &found, &receipt, &err),
                     DAEMON_OK);
    assert_int_equal(found, want);
    if (want == STORE_RECEIVED_SAME)
        assert_string_equal(receipt, "receipt-one");
    else
        assert_null(receipt);
    free(receipt);
}

static void
test_inbox_encrypted_idempotent_erased(void **state)
{
    struct fx *f = *state;
    unsigned char digest[KEYS_SHA256_LEN], *content = NULL;
    enum store_receive found;
    struct daemon_err err = {0};
    struct store_in in = {0};
    char *receipt = NULL;
    const struct store_event ev = {"erased", ID1, NULL, "retention", NULL, NULL};
    size_t len = 0;

    open_ok(f);
    receive(f, ID1, 1, STORE_RECEIVED_NEW);
    receive(f, ID1, 1, STORE_RECEIVED_SAME);  /* the same bytes: the stored receipt */
    receive(f, ID1, 2, STORE_RECEIVED_OTHER); /* other bytes: nothing stored */
    memset(digest, 1, sizeof digest);
    assert_int_equal(store_inbox_known(f->s, ID1, digest, &found, &receipt, &err), DAEMON_OK);
    assert_int_equal(found, STORE_RECEIVED_SAME);
    assert_string_equal(receipt, "receipt-one");
    free(receipt);
    assert_int_equal(store_inbox_known(f->s, ID2, digest, &found, NULL, &err), DAEMON_OK);
    assert_int_equal(found, STORE_RECEIVED_NEW);

    assert_int_equal(store_inbox_get(f->s, ID1, &in, &content, &len, &err), DAEMON_OK);
    assert_non_null(strstr((const char *)content, MARKER));
    assert_int_equal(in.state, STORE_NEW);
    assert_int_equal(in.erased, 0);
    store_content_free(content);
    store_in_clear(&in);
    store_close(f->s);
    f->s = NULL;
    assert_false(file_has(f->path, MARKER)); /* encrypted at rest */
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM inbox"), 1);

    /* The content stays readable across a restart ... */
    open_ok(f);
    content = NULL;
    assert_int_equal(store_inbox_get(f->s, ID1, &in, &content, &len, &err), DAEMON_OK);
    store_content_free(content);
    store_in_clear(&in);
    /* ... and a changed ciphertext is told as damage, not shown. */
    store_close(f->s);
    f->s = NULL;
    raw_sql(f->path, "UPDATE inbox SET content = substr(content, 1, 30) || x'00' || "
                     "substr(content, 32)");
    open_ok(f);
    content = NULL;
    assert_int_equal(store_inbox_get(f->s, ID1, &in, &content, &len, &err), DAEMON_ESTORE);
    assert_null(content);

    /* Erasure: the key goes, the metadata stays. */
    assert_int_equal(store_inbox_erase(f->s, ID1, T0 + 1, &ev, &err), DAEMON_OK);
    assert_int_equal(store_inbox_get(f->s, ID1, &in, &content, &len, &err), DAEMON_EREFUSED);
    assert_int_equal(store_inbox_get(f->s, ID1, &in, NULL, NULL, &err), DAEMON_OK);
    assert_int_equal(in.erased, 1);
    store_in_clear(&in);
    assert_int_equal(store_inbox_erase(f->s, ID2, T0 + 1, &ev, &err), DAEMON_ENOTFOUND);
    store_close(f->s);
    f->s = NULL;
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM record_keys"), 0);
}

static void
test_inbox_decide(void **state)
{
    struct fx *f = *state;
    const struct store_event ev = {"accepted", ID1, OIN_PEER, "by A", NULL, NULL};
    struct store_out notice = {0}, o = {0}, *items = NULL;
    struct store_in *list = NULL;
    struct daemon_err err = {0};
    size_t n = 0;

    open_ok(f);
    receive(f, ID1, 1, STORE_RECEIVED_NEW);
    snprintf(notice.id, sizeof notice.id, NOTICE1);
    notice.kind = STORE_NOTICE;
    snprintf(notice.to, sizeof notice.to, OIN_PEER);
    notice.form_type = KEYS_TYP_ACCEPTANCE;
    notice.body = "notice.jws.x";
    notice.body_len = strlen(notice.body);
    assert_int_equal(
        store_inbox_decide(f->s, ID2, STORE_IN_ACCEPTED, "A, B", NULL, T0, &notice, &ev, &err),
        DAEMON_ENOTFOUND);
    assert_int_equal(
        store_inbox_decide(f->s, ID1, STORE_IN_ACCEPTED, "A, B", NULL, T0, &notice, &ev, &err),
        DAEMON_OK);
    /* Final: neither accepting again nor rejecting changes it, and no second notice. */
    snprintf(notice.id, sizeof notice.id, "44444444-4444-4444-8444-444444444444");
    assert_int_equal(
        store_inbox_decide(f->s, ID1, STORE_IN_REJECTED, NULL, "no", T0, &notice, &ev, &err),
        DAEMON_ECONFLICT);
    assert_non_null(strstr(err.text, "accepted already"));

    assert_int_equal(store_outbox_get(f->s, NOTICE1, &o, &err), DAEMON_OK);
    assert_int_equal(o.kind, STORE_NOTICE);
    assert_string_equal(o.answers, ID1);
    assert_string_equal(o.body, "notice.jws.x");
    store_out_clear(&o);
    assert_int_equal(store_outbox_get(f->s, notice.id, &o, &err), DAEMON_ENOTFOUND);
    /* The notice is queued for the worker, but not listed as a packet. */
    assert_int_equal(store_outbox_due(f->s, T0, 8, 1, &items, &n, NULL, &err), DAEMON_OK);
    assert_int_equal(n, 1);
    store_out_free_list(items, n);
    assert_int_equal(store_outbox_list(f->s, 100, &items, &n, &err), DAEMON_OK);
    assert_int_equal(n, 0);
    store_out_free_list(items, n);

    assert_int_equal(store_inbox_list(f->s, 100, &list, &n, &err), DAEMON_OK);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].state, STORE_IN_ACCEPTED);
    assert_string_equal(list[0].by, "A, B");
    assert_int_equal(list[0].notice_state, STORE_QUEUED);
    store_in_free_list(list, n);
}

/* The store key: the same for a keystore and its rotations, another for another keystore or
 * purpose. */
static void
test_store_key_derivation(void **state)
{
    const struct keys_identity id = {OIN_US, "Gemeente", "municipality", "https://127.0.0.1:8443"};
    unsigned char a[32], b[32], c[32], d[32];
    struct keys_keystore *ks = NULL, *other = NULL;
    struct keys_err kerr = {0};

    (void)state;
    assert_int_equal(keys_keystore_create(&id, T0, T0 + 86400 * 365, &ks, &kerr), KEYS_OK);
    assert_int_equal(keys_keystore_create(&id, T0, T0 + 86400 * 365, &other, &kerr), KEYS_OK);
    assert_int_equal(keys_keystore_derive_key(ks, "store", a, &kerr), KEYS_OK);
    assert_int_equal(keys_keystore_rotate(ks, KEYS_USE_ENC, T0 + 100, T0 + 86400 * 700, &kerr),
                     KEYS_OK);
    assert_int_equal(keys_keystore_rotate(ks, KEYS_USE_SIG, T0 + 100, T0 + 86400 * 700, &kerr),
                     KEYS_OK);
    assert_int_equal(keys_keystore_derive_key(ks, "store", b, &kerr), KEYS_OK);
    assert_memory_equal(a, b, 32);
    assert_int_equal(keys_keystore_derive_key(other, "store", c, &kerr), KEYS_OK);
    assert_memory_not_equal(a, c, 32);
    assert_int_equal(keys_keystore_derive_key(ks, "backup", d, &kerr), KEYS_OK);
    assert_memory_not_equal(a, d, 32);
    assert_int_equal(keys_keystore_derive_key(ks, "", d, &kerr), KEYS_EINVAL);
    assert_int_equal(keys_keystore_derive_key(ks, "too-long!", d, &kerr), KEYS_EINVAL);
    keys_keystore_free(ks);
    keys_keystore_free(other);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_new_and_again, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_not_sqlite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_foreign_database, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_other_application, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_newer_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_other_owner_and_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outbox_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outbox_add_is_atomic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_undeliverable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inbox_encrypted_idempotent_erased, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inbox_decide, setup, teardown),
        cmocka_unit_test(test_store_key_derivation),
    };
    struct keys_err kerr = {0};

    if (keys_init(&kerr) != KEYS_OK) {
        fprintf(stderr, "%s\n", kerr.text);
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
