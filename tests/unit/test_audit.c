/* SPDX-License-Identifier: EUPL-1.2 */
/* The audit chain's verification on a real store file: an intact log passes, and each way of
 * tampering with it by raw SQL (an entry changed, removed, inserted, two swapped, the log cut
 * back or rewritten behind a signed checkpoint, a forged or changed checkpoint) is caught with
 * the seq of the first bad entry named. */
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

#include "audit.h"
#include "keys.h"
#include "store.h"
#include "store_fixture.h"

#define OIN_US "00000001001234567000"
#define OIN_PEER "00000001812345671000"
#define T0 ((time_t)1790000000)
#define ENTRIES 20

struct fx {
    char dir[64];
    char path[128];
    unsigned char key[STORE_KEY_BYTES];
    struct keys_keystore *ks, *other; /* ours, and a forger's with our OIN */
    struct keys_pub pub;              /* our signing key, as the directory lists it */
    struct keys_trust trust;
};

/* As the directory would answer: only our signing key is known. */
static enum keys_status
trust_signing_key(void *ctx, const char *kid, time_t at, char owner[KEYS_OIN_LEN + 1],
                  struct keys_pub *out, struct keys_err *err)
{
    struct fx *f = ctx;

    (void)at;
    if (strcmp(kid, f->pub.kid) != 0) {
        if (err != NULL) {
            err->status = KEYS_EKID;
            snprintf(err->text, sizeof err->text, "no member has signing key \"%.60s\"", kid);
        }
        return KEYS_EKID;
    }
    memcpy(owner, OIN_US, KEYS_OIN_LEN + 1);
    *out = f->pub;
    return KEYS_OK;
}

/* Signs a checkpoint of size entries (head: the stored hash of that entry) with ks and puts it
 * in the store's table. */
static void
add_checkpoint(struct fx *f, struct keys_keystore *ks, long long size, time_t at)
{
    struct keys_checkpoint cp = {{0}, size, {0}, at};
    struct keys_err kerr = {0};
    sqlite3_stmt *st = NULL;
    sqlite3 *db = NULL;
    char *jws = NULL;
    size_t len = 0;

    memcpy(cp.iss, OIN_US, sizeof cp.iss);
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT hash FROM audit WHERE seq = ?", -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(st, 1, size);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_bytes(st, 0), STORE_HASH_BYTES);
    memcpy(cp.head, sqlite3_column_blob(st, 0), STORE_HASH_BYTES);
    sqlite3_finalize(st);
    if (keys_checkpoint_sign(ks, &cp, &jws, &len, &kerr) != KEYS_OK)
        fail_msg("keys_checkpoint_sign: %s", kerr.text);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "INSERT INTO checkpoints (size, head, at, jws) "
                                        "VALUES (?, ?, ?, ?)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(st, 1, size);
    sqlite3_bind_blob(st, 2, cp.head, STORE_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)at);
    sqlite3_bind_text(st, 4, jws, (int)len, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(jws);
}

/* A checkpoint JWS of our chain at size, without storing it (what a peer keeps). */
static char *
checkpoint_of(struct fx *f, long long size)
{
    struct keys_checkpoint cp = {{0}, size, {0}, T0 + 500};
    struct keys_err kerr = {0};
    sqlite3_stmt *st = NULL;
    sqlite3 *db = NULL;
    char *jws = NULL;
    size_t len = 0;

    memcpy(cp.iss, OIN_US, sizeof cp.iss);
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT hash FROM audit WHERE seq = ?", -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(st, 1, size);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    memcpy(cp.head, sqlite3_column_blob(st, 0), STORE_HASH_BYTES);
    sqlite3_finalize(st);
    sqlite3_close(db);
    assert_int_equal(keys_checkpoint_sign(f->ks, &cp, &jws, &len, &kerr), KEYS_OK);
    return jws;
}

/* A store with ENTRIES entries written through the store's API (NULL, empty and non-ASCII
 * fields among them), and signed checkpoints after entries 10 and 20. */
static int
setup(void **state)
{
    const struct keys_identity id = {OIN_US, "Gemeente", "municipality", "https://127.0.0.1:8443"};
    struct fx *f = calloc(1, sizeof *f);
    struct keys_err kerr = {0};
    struct daemon_err err = {0};
    struct store *s = NULL;
    char detail[64];
    int i;

    assert_non_null(f);
    store_tmp_make(f->dir, f->path, f->key, "audit");
    assert_int_equal(keys_keystore_create(&id, T0 - 86400, T0 + 86400 * 365, &f->ks, &kerr),
                     KEYS_OK);
    assert_int_equal(keys_keystore_create(&id, T0 - 86400, T0 + 86400 * 365, &f->other, &kerr),
                     KEYS_OK);
    keys_sign_key_public(keys_keystore_signer(f->ks, T0), &f->pub);
    f->trust.signing_key = trust_signing_key;
    f->trust.ctx = f;

    assert_int_equal(store_open(f->path, OIN_US, f->key, &s, &err), DAEMON_OK);
    for (i = 1; i <= ENTRIES; i++) {
        struct store_event ev = {0};

        snprintf(detail, sizeof detail, "step %d, één stap", i);
        ev.event = i % 3 == 0 ? "received" : i % 3 == 1 ? "submitted" : "viewed";
        ev.packet = i % 2 ? "11111111-1111-4111-8111-111111111111" : NULL;
        ev.peer = i % 4 ? OIN_PEER : "";
        ev.detail = i == 5 ? NULL : detail;
        ev.subject = i % 5 == 0 ? "0123456789abcdef0123456789abcdef" : NULL;
        ev.actor = i % 2 ? "jan (caseworker)" : NULL;
        assert_int_equal(store_audit_add(s, T0 + i, &ev, &err), DAEMON_OK);
    }
    store_close(s);
    add_checkpoint(f, f->ks, 10, T0 + 100);
    add_checkpoint(f, f->ks, 20, T0 + 200);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;

    keys_keystore_free(f->ks);
    keys_keystore_free(f->other);
    store_tmp_remove(f->dir);
    free(f);
    return 0;
}

/* Verifies f's store; the progress it kept ends at the entries walked, of the last entry's seq
 * (all of them when the chain is intact). */
static void
verify(struct fx *f, const char *const *extra, size_t n, struct core_audit_check *c)
{
    struct daemon_err err = {0};
    struct core_audit_progress p;

    atomic_init(&p.done, -1);
    atomic_init(&p.total, -1);
    if (core_audit_verify_file(f->path, OIN_US, &f->trust, extra, n, &p, c, &err) != DAEMON_OK)
        fail_msg("core_audit_verify_file: %s", err.text);
    assert_true(atomic_load(&p.done) == c->entries);
    if (c->intact)
        assert_true(atomic_load(&p.total) == c->entries);
}

/* Not intact, with the first bad entry at seq, of kind, and a message holding words. */
static void
expect_bad(struct fx *f, long long seq, const char *kind, const char *words)
{
    struct core_audit_check c;

    verify(f, NULL, 0, &c);
    if (c.intact)
        fail_msg("tampering not caught (expected %s at %lld)", kind, seq);
    if (c.bad_seq != seq || strcmp(c.kind, kind) != 0)
        fail_msg("first bad entry %lld (%s: %s), expected %lld (%s)", c.bad_seq, c.kind, c.problem,
                 seq, kind);
    if (words != NULL && strstr(c.problem, words) == NULL)
        fail_msg("message \"%s\" does not say \"%s\"", c.problem, words);
}

static void
test_intact(void **state)
{
    struct fx *f = *state;
    struct core_audit_check c;

    verify(f, NULL, 0, &c);
    /* Also: the walk hashes exactly what store_audit_hash hashed when the entries were written
     * (NULL, empty and non-ASCII fields among them). */
    if (!c.intact)
        fail_msg("an untouched log is reported bad at %lld: %s", c.bad_seq, c.problem);
    assert_int_equal(c.entries, ENTRIES);
    assert_int_equal(c.checkpoints, 2);
    assert_int_equal(c.last_size, 20);
    assert_int_equal(c.last_at, T0 + 200);
    assert_int_equal(c.bad_seq, 0);
}

/* The chain in memory (what the benchmark measures) holds, and one changed text or a gap fails
 * it at that entry. */
static void
test_chain_in_memory(void **state)
{
    struct fx *f = *state;
    const unsigned char zero[STORE_HASH_BYTES] = {0};
    struct store_audit *items = NULL;
    struct daemon_err err = {0};
    struct store *s = NULL;
    size_t n = 0;

    assert_int_equal(store_open(f->path, OIN_US, f->key, &s, &err), DAEMON_OK);
    assert_int_equal(store_audit_list(s, NULL, 100, &items, &n, &err), DAEMON_OK);
    store_close(s);
    assert_int_equal(n, ENTRIES);
    assert_int_equal(core_audit_chain_check(zero, items, n), 0);
    items[8].at++;
    assert_int_equal(core_audit_chain_check(zero, items, n), 9);
    items[8].at--;
    items[12].detail[0] = 'S';
    assert_int_equal(core_audit_chain_check(zero, items, n), 13);
    items[12].detail[0] = 's';
    assert_int_equal(core_audit_chain_check(zero, items, n), 0);
    items[15].seq = 40;
    assert_int_equal(core_audit_chain_check(zero, items, n), 40);
    store_audit_free(items, n);
}

static void
test_changed(void **state)
{
    struct fx *f = *state;

    raw_sql(f->path, "UPDATE audit SET detail = 'nothing happened' WHERE seq = 7");
    expect_bad(f, 7, "changed", "entry 7 was changed");
}

static void
test_changed_null_to_empty(void **state)
{
    struct fx *f = *state;

    /* Entry 5's detail is NULL: "" is another value. */
    raw_sql(f->path, "UPDATE audit SET detail = '' WHERE seq = 5");
    expect_bad(f, 5, "changed", "entry 5");
}

static void
test_changed_time(void **state)
{
    struct fx *f = *state;

    raw_sql(f->path, "UPDATE audit SET at = at + 3600 WHERE seq = 12");
    expect_bad(f, 12, "changed", "entry 12");
}

static void
test_changed_hash(void **state)
{
    struct fx *f = *state;

    raw_sql(f->path, "UPDATE audit SET hash = zeroblob(32) WHERE seq = 3");
    expect_bad(f, 3, "changed", "entry 3");
}

static void
test_first_changed(void **state)
{
    struct fx *f = *state;

    raw_sql(f->path, "UPDATE audit SET event = 'viewed' WHERE seq = 1");
    expect_bad(f, 1, "changed", "entry 1");
}

static void
test_deleted(void **state)
{
    struct fx *f = *state;

    raw_sql(f->path, "DELETE FROM audit WHERE seq = 7");
    expect_bad(f, 8, "missing", "entry 7 is missing before entry 8");
}

/* Entries removed around a checkpoint's: the first bad entry is still the one after the gap. */
static void
test_deleted_under_checkpoint(void **state)
{
    struct fx *f = *state;

    raw_sql(f->path, "DELETE FROM audit WHERE seq BETWEEN 9 AND 11");
    expect_bad(f, 12, "missing", "entries 9 to 11 are missing before entry 12");
}

/* The same entry changed and its checkpoint forged: the entry is named. */
static void
test_changed_and_forged(void **state)
{
    struct fx *f = *state;

    raw_sql(f->path, "DELETE FROM checkpoints WHERE size = 10");
    add_checkpoint(f, f->other, 10, T0 + 100);
    raw_sql(f->path, "UPDATE audit SET event = 'viewed' WHERE seq = 10");
    expect_bad(f, 10, "changed", "entry 10 was changed");
}

static void
test_deleted_first(void **state)
{
    struct fx *f = *state;

    raw_sql(f->path, "DELETE FROM audit WHERE seq <= 2");
    expect_bad(f, 3, "missing", "entries 1 to 2 are missing");
}

/* An entry inserted at 7 with a made-up hash, the later ones renumbered. */
static void
test_inserted(void **state)
{
    struct fx *f = *state;

    raw_sql(f->path, "UPDATE audit SET seq = seq + 1000 WHERE seq >= 7;"
                     "UPDATE audit SET seq = seq - 999 WHERE seq >= 1000;"
                     "INSERT INTO audit (seq, at, event, detail, hash) "
                     "VALUES (7, 1790000007, 'received', 'made up', randomblob(32))");
    expect_bad(f, 7, "inserted", "entry 7 was inserted");
}

/* The same with a hash that chains correctly from entry 6: only the entry after it shows. */
static void
test_inserted_with_good_hash(void **state)
{
    struct fx *f = *state;
    unsigned char prev[STORE_HASH_BYTES], h[STORE_HASH_BYTES];
    struct store_audit e = {0};
    sqlite3_stmt *st = NULL;
    sqlite3 *db = NULL;

    raw_sql(f->path, "UPDATE audit SET seq = seq + 1000 WHERE seq >= 7;"
                     "UPDATE audit SET seq = seq - 999 WHERE seq >= 1000");
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT hash FROM audit WHERE seq = 6", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    memcpy(prev, sqlite3_column_blob(st, 0), sizeof prev);
    sqlite3_finalize(st);
    e.seq = 7;
    e.at = T0 + 7;
    e.event = "received";
    e.detail = "made up, chained";
    store_audit_hash(prev, &e, h);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "INSERT INTO audit (seq, at, event, detail, hash) "
                                        "VALUES (7, ?, 'received', 'made up, chained', ?)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)(T0 + 7));
    sqlite3_bind_blob(st, 2, h, sizeof h, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(db);
    expect_bad(f, 7, "inserted", "entry 7 was inserted");
}

static void
test_swapped(void **state)
{
    struct fx *f = *state;

    raw_sql(f->path, "UPDATE audit SET seq = 1000 WHERE seq = 8;"
                     "UPDATE audit SET seq = 8 WHERE seq = 9;"
                     "UPDATE audit SET seq = 9 WHERE seq = 1000");
    expect_bad(f, 8, "out-of-order", "entries 8 and 9 were swapped");
}

/* The last entries removed: the chain alone cannot tell, the checkpoint of 20 can. */
static void
test_cut_back(void **state)
{
    struct fx *f = *state;

    raw_sql(f->path, "DELETE FROM audit WHERE seq > 15");
    expect_bad(f, 16, "cut", "it ends at entry 15");
    expect_bad(f, 16, "cut", "covers 20");
}

/* Cut back and the checkpoints removed too: a peer's copy still tells. */
static void
test_cut_back_peer_copy(void **state)
{
    struct fx *f = *state;
    struct core_audit_check c;
    char *peer_copy = checkpoint_of(f, 18);
    const char *extra[1] = {peer_copy};

    raw_sql(f->path, "DELETE FROM audit WHERE seq > 15; DELETE FROM checkpoints");
    verify(f, NULL, 0, &c);
    assert_true(c.intact); /* what the store holds is consistent in itself */
    assert_int_equal(c.entries, 15);
    verify(f, extra, 1, &c);
    assert_false(c.intact);
    assert_int_equal(c.bad_seq, 16);
    assert_string_equal(c.kind, "cut");
    assert_non_null(strstr(c.problem, "a peer's copy"));
    free(peer_copy);
}

/* An entry changed and every hash after it recomputed: only the checkpoints tell. */
static void
test_rewritten(void **state)
{
    struct fx *f = *state;
    unsigned char prev[STORE_HASH_BYTES] = {0}, h[STORE_HASH_BYTES];
    struct store_audit *items = NULL;
    struct daemon_err err = {0};
    struct store *s = NULL;
    sqlite3_stmt *st = NULL;
    sqlite3 *db = NULL;
    size_t n = 0, i;

    raw_sql(f->path, "UPDATE audit SET detail = 'rewritten' WHERE seq = 4");
    assert_int_equal(store_open(f->path, OIN_US, f->key, &s, &err), DAEMON_OK);
    assert_int_equal(store_audit_list(s, NULL, 100, &items, &n, &err), DAEMON_OK);
    store_close(s);
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db, "UPDATE audit SET hash = ? WHERE seq = ?", -1, &st, NULL),
        SQLITE_OK);
    for (i = 0; i < n; i++) {
        store_audit_hash(prev, &items[i], h);
        memcpy(prev, h, sizeof prev);
        sqlite3_reset(st);
        sqlite3_bind_blob(st, 1, h, sizeof h, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, items[i].seq);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    store_audit_free(items, n);
    expect_bad(f, 10, "rewritten", "at or before entry 10");
}

/* A checkpoint signed by someone else's key under our OIN. */
static void
test_forged_checkpoint(void **state)
{
    struct fx *f = *state;

    raw_sql(f->path, "DELETE FROM checkpoints WHERE size = 20");
    add_checkpoint(f, f->other, 20, T0 + 200);
    expect_bad(f, 20, "checkpoint-invalid", "does not verify");
}

/* A stored checkpoint's signature changed by one character. */
static void
test_changed_checkpoint_signature(void **state)
{
    struct fx *f = *state;

    raw_sql(f->path, "UPDATE checkpoints SET jws = substr(jws, 1, length(jws) - 3) || "
                     "(CASE substr(jws, -3, 1) WHEN 'A' THEN 'B' ELSE 'A' END) || "
                     "substr(jws, -2) WHERE size = 10");
    expect_bad(f, 10, "checkpoint-invalid", "does not verify");
}

/* The row's head changed while its signature stays: the columns no longer match it. */
static void
test_changed_checkpoint_row(void **state)
{
    struct fx *f = *state;

    raw_sql(f->path, "UPDATE checkpoints SET head = zeroblob(32) WHERE size = 10");
    expect_bad(f, 10, "checkpoint-invalid", "was changed");
}

/* Given checkpoints that are not ours are refused, not taken for tampering. */
static void
test_given_garbage_refused(void **state)
{
    struct fx *f = *state;
    const char *extra[1] = {"eyJhbGciOiJFZERTQSJ9.e30.AAAA"};
    struct core_audit_check c;
    struct daemon_err err = {0};

    assert_int_equal(core_audit_verify_file(f->path, OIN_US, &f->trust, extra, 1, NULL, &c, &err),
                     DAEMON_EREFUSED);
    assert_non_null(strstr(err.text, "given checkpoint 1"));
}

static void
test_empty_log(void **state)
{
    struct fx *f = *state;
    struct core_audit_check c;

    raw_sql(f->path, "DELETE FROM checkpoints; DELETE FROM audit");
    verify(f, NULL, 0, &c);
    assert_true(c.intact);
    assert_int_equal(c.entries, 0);
    assert_int_equal(c.checkpoints, 0);
}

static void
test_not_a_store(void **state)
{
    struct fx *f = *state;
    struct core_audit_check c;
    struct daemon_err err = {0};
    char path[160];

    snprintf(path, sizeof path, "%s/missing.db", f->dir);
    assert_int_equal(core_audit_verify_file(path, OIN_US, &f->trust, NULL, 0, NULL, &c, &err),
                     DAEMON_ESTORE);
    assert_non_null(strstr(err.text, "missing.db"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_intact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chain_in_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changed_null_to_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changed_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changed_hash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_first_changed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deleted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deleted_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deleted_under_checkpoint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changed_and_forged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inserted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inserted_with_good_hash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_swapped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cut_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cut_back_peer_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rewritten, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forged_checkpoint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changed_checkpoint_signature, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changed_checkpoint_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_given_garbage_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_log, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_store, setup, teardown),
    };
    struct keys_err kerr = {0};

    if (keys_init(&kerr) != KEYS_OK) {
        fprintf(stderr, "%s\n", kerr.text);
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
