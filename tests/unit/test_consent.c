/* SPDX-License-Identifier: EUPL-1.2 */
/* The consent register in the store: a version 1 store migrates to version 2 keeping its rows;
 * consents are validated, added once, listed, encrypted at rest, withdrawn once (answering the
 * packets sent under them), and every change is audited. */
#define _GNU_SOURCE /* memmem */
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

#include "consent.h"
#include "keys.h"
#include "store.h"
#include "store_fixture.h"

#define OIN_US "00000001812345671000"
#define OIN_GEM "00000001001234567000"
#define OIN_UWV "00000001234567890000"
#define CID "a8f3c2e1-5b6d-4f7a-9c8b-1d2e3f4a5b6c"
#define P1 "11111111-1111-4111-8111-111111111111"
#define P2 "22222222-2222-4222-8222-222222222222"
#define P3 "33333333-3333-4333-8333-333333333333"
#define T0 ((time_t)1790000000)

struct fx {
    char dir[64], path[128];
    unsigned char key[STORE_KEY_BYTES];
    struct store *s;
    struct forms_catalogue *cat;
};

static int
setup(void **state)
{
    struct forms_options o = {.format_assertion = true};
    struct forms_err ferr = {0};
    struct fx *f = calloc(1, sizeof *f);

    assert_non_null(f);
    store_tmp_make(f->dir, f->path, f->key, "consent");
    assert_int_equal(forms_catalogue_new(&o, &f->cat, &ferr), FORMS_OK);
    assert_int_equal(forms_catalogue_add_builtin(f->cat, &ferr), FORMS_OK);
    assert_int_equal(forms_catalogue_compile(f->cat, &ferr), FORMS_OK);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;

    store_close(f->s);
    forms_catalogue_free(f->cat);
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

static json_t *
example(const char *name)
{
    char path[512];
    json_t *j;

    snprintf(path, sizeof path, "%s/forms/examples/valid/%s", BATON_SOURCE_DIR, name);
    j = json_load_file(path, 0, NULL);
    assert_non_null(j);
    return j;
}

static void
queue(struct fx *f, const char *id, const char *to, const char *consent)
{
    struct daemon_err err = {0};
    struct store_out o = {0};

    snprintf(o.id, sizeof o.id, "%s", id);
    o.kind = STORE_PACKET;
    snprintf(o.to, sizeof o.to, "%s", to);
    o.form_type = "urn:baton:form:school-leaver-handover:1";
    o.purpose = "warme-overdracht";
    o.basis = consent != NULL ? "consent" : "public-task";
    o.consent_id = (char *)consent;
    o.body = "sealed";
    o.body_len = 6;
    assert_int_equal(store_outbox_add(f->s, &o, T0, NULL, 0, &err), DAEMON_OK);
}

static int
audit_count(struct fx *f, const char *event)
{
    struct store_audit *items = NULL;
    struct daemon_err err = {0};
    size_t n = 0, i;
    int c = 0;

    assert_int_equal(store_audit_list(f->s, NULL, 1000, &items, &n, &err), DAEMON_OK);
    for (i = 0; i < n; i++)
        c += strcmp(items[i].event, event) == 0 && strstr(items[i].detail, "consent ") != NULL &&
             strstr(items[i].detail, "Milan") == NULL;
    store_audit_free(items, n);
    return c;
}

/* A store written by a version 1 batond (no consents, no consent_id) opens, migrates to 2 and
 * keeps its rows. */
static void
test_migration(void **state)
{
    struct fx *f = *state;
    struct store_out o = {0};
    struct daemon_err err = {0};
    struct consent_row *items = NULL;
    size_t n = 9;

    open_ok(f);
    queue(f, P1, OIN_GEM, NULL);
    store_close(f->s);
    f->s = NULL;
    /* Back to version 1 as that batond left it. */
    raw_sql(f->path, "DROP TABLE checkpoints; DROP TABLE peer_checkpoints;"
                     "DROP INDEX audit_subject; ALTER TABLE audit DROP COLUMN subject;"
                     "ALTER TABLE audit DROP COLUMN actor; ALTER TABLE audit DROP COLUMN hash;"
                     "ALTER TABLE inbox DROP COLUMN retain_until;"
                     "DROP TABLE consents; DROP TABLE IF EXISTS withdrawals_in;"
                     "DROP INDEX outbox_consent; ALTER TABLE outbox DROP COLUMN consent_id;"
                     "ALTER TABLE outbox DROP COLUMN created_ms;"
                     "PRAGMA user_version = 1;"
                     "INSERT INTO audit (at, event, packet, peer, detail) VALUES "
                     "(1790000000, 'submitted', '" P1 "', '" OIN_GEM "', 'a form'),"
                     "(1790000001, 'refused', NULL, NULL, '');");
    assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 1);
    open_ok(f);
    assert_int_equal(raw_int(f->path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    assert_int_equal(STORE_SCHEMA_VERSION, 4);
    /* Version 3 hashed the entries written before it into the audit chain. */
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit WHERE length(hash) = 32"), 2);
    {
        unsigned char prev[STORE_HASH_BYTES] = {0}, h[STORE_HASH_BYTES];
        struct store_audit *a = NULL;
        size_t na = 0, i;

        assert_int_equal(store_audit_list(f->s, NULL, 10, &a, &na, &err), DAEMON_OK);
        assert_int_equal(na, 2);
        for (i = 0; i < na; i++) {
            store_audit_hash(prev, &a[i], h);
            assert_memory_equal(h, a[i].hash, sizeof h);
            memcpy(prev, h, sizeof prev);
        }
        store_audit_free(a, na);
    }
    assert_int_equal(store_outbox_get(f->s, P1, &o, &err), DAEMON_OK);
    assert_string_equal(o.to, OIN_GEM);
    assert_true(o.created_ms == 0); /* version 4's column, not known for older rows */
    store_out_clear(&o);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM outbox WHERE consent_id IS NULL"), 1);
    assert_int_equal(consent_list(f->s, 10, &items, &n, &err), DAEMON_OK);
    assert_int_equal(n, 0);
    consent_free_list(items, n);
}

static void
test_add_list_withdraw(void **state)
{
    struct fx *f = *state;
    struct daemon_err err = {0};
    struct consent_row row = {0}, *items = NULL;
    struct consent_sent *sent = NULL;
    json_t *rec = example("consent-record.json"), *bad, *details = NULL, *item;
    char id[KEYS_UUID_LEN + 1];
    size_t n = 0;

    open_ok(f);
    /* Added, once. */
    assert_int_equal(consent_add(f->s, f->cat, rec, T0, "uid 1000 (test), caseworker",
                                 FORMS_LANG_EN, id, NULL, &err),
                     DAEMON_OK);
    assert_string_equal(id, CID);
    assert_int_equal(consent_add(f->s, f->cat, rec, T0, NULL, FORMS_LANG_EN, id, NULL, &err),
                     DAEMON_ECONFLICT);
    assert_non_null(strstr(err.text, "registered already"));
    assert_int_equal(audit_count(f, "consent-added"), 1);

    /* Invalid records and other forms are refused with their errors; nothing is stored. */
    bad = json_deep_copy(rec);
    json_object_set_new(bad, "record_id", json_string("44444444-4444-4444-8444-444444444444"));
    json_object_set_new(bad, "purposes", json_array()); /* generic consent is not enough */
    assert_int_equal(consent_add(f->s, f->cat, bad, T0, NULL, FORMS_LANG_EN, id, &details, &err),
                     DAEMON_EREFUSED);
    assert_true(json_array_size(details) > 0);
    json_decref(details);
    json_decref(bad);
    bad = example("contact-notice.json");
    assert_int_equal(consent_add(f->s, f->cat, bad, T0, NULL, FORMS_LANG_EN, id, NULL, &err),
                     DAEMON_EREFUSED);
    assert_non_null(strstr(err.text, "not a consent record"));
    json_decref(bad);

    /* A record that says it was withdrawn is registered as withdrawn. */
    bad = example("consent-record-minor-withdrawn.json");
    assert_int_equal(consent_add(f->s, f->cat, bad, T0 + 1, NULL, FORMS_LANG_EN, id, NULL, &err),
                     DAEMON_OK);
    json_decref(bad);
    assert_int_equal(consent_get(f->s, id, &row, &err), DAEMON_OK);
    assert_true(row.withdrawn != 0);
    consent_row_clear(&row);

    /* Listed newest first; read back whole (decrypted); the name is not in the file. */
    assert_int_equal(consent_list(f->s, 10, &items, &n, &err), DAEMON_OK);
    assert_int_equal(n, 2);
    assert_string_equal(items[1].id, CID);
    assert_true(json_equal(items[1].record, rec));
    item = consent_item(&items[1], T0, 0);
    assert_string_equal(json_string_value(json_object_get(item, "state")), "valid");
    assert_null(json_object_get(item, "record"));
    json_decref(item);
    consent_free_list(items, n);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM consents WHERE instr(record, "
                                      "'Milan') > 0"),
                     0);

    /* Lookups: either case; unknown ids. */
    assert_int_equal(consent_get(f->s, "A8F3C2E1-5B6D-4F7A-9C8B-1D2E3F4A5B6C", &row, &err),
                     DAEMON_OK);
    assert_int_equal(row.withdrawn, 0);
    consent_row_clear(&row);
    assert_int_equal(consent_get(f->s, P3, &row, &err), DAEMON_ENOTFOUND);
    assert_int_equal(consent_get(f->s, "not-a-uuid", &row, &err), DAEMON_ENOTFOUND);

    /* Two packets under it, one under another basis. */
    queue(f, P1, OIN_GEM, CID);
    queue(f, P2, OIN_UWV, "A8F3C2E1-5B6D-4F7A-9C8B-1D2E3F4A5B6C");
    queue(f, P3, OIN_GEM, NULL);
    assert_int_equal(consent_sent_under(f->s, CID, &sent, &n, &err), DAEMON_OK);
    assert_int_equal(n, 2);
    free(sent);

    /* Withdrawn once: the packets sent under it and their recipients. */
    assert_int_equal(consent_withdraw(f->s, CID, "de jongere wil het niet meer", T0 + 60,
                                      "uid 1000 (test), caseworker", &sent, &n, &err),
                     DAEMON_OK);
    assert_int_equal(n, 2);
    assert_string_equal(sent[0].packet, P1);
    assert_string_equal(sent[0].to, OIN_GEM);
    assert_string_equal(sent[1].packet, P2);
    assert_string_equal(sent[1].to, OIN_UWV);
    free(sent);
    assert_int_equal(audit_count(f, "consent-withdrawn"), 1);
    assert_int_equal(consent_withdraw(f->s, CID, NULL, T0 + 120, NULL, &sent, &n, &err),
                     DAEMON_ECONFLICT);
    assert_non_null(strstr(err.text, "withdrawn already"));
    assert_int_equal(n, 0);
    assert_int_equal(audit_count(f, "consent-withdrawn"), 1);
    assert_int_equal(consent_withdraw(f->s, P3, NULL, T0, NULL, &sent, &n, &err), DAEMON_ENOTFOUND);

    assert_int_equal(consent_get(f->s, CID, &row, &err), DAEMON_OK);
    assert_int_equal(row.withdrawn, T0 + 60);
    assert_string_equal(row.reason, "de jongere wil het niet meer");
    item = consent_item(&row, T0 + 60, 1);
    assert_string_equal(json_string_value(json_object_get(item, "state")), "withdrawn");
    assert_non_null(json_object_get(item, "record"));
    json_decref(item);
    consent_row_clear(&row);

    /* The audit never holds the reason or the young person's name. */
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit WHERE detail LIKE '%jongere%' "
                                      "OR detail LIKE '%Milan%'"),
                     0);
    json_decref(rec);
}

/* A store key that is not the one the record was sealed under does not read it. */
static void
test_encrypted_at_rest(void **state)
{
    struct fx *f = *state;
    struct daemon_err err = {0};
    json_t *rec = example("consent-record.json");
    unsigned char *blob = NULL, *pt = NULL;
    size_t blen = 0, plen = 0;
    unsigned char other[STORE_KEY_BYTES];

    assert_int_equal(
        store_blob_seal(f->key, (const unsigned char *)"abc", 3, CID, &blob, &blen, &err),
        DAEMON_OK);
    assert_int_equal(store_blob_open(f->key, blob, blen, CID, &pt, &plen), 0);
    assert_int_equal(plen, 3);
    assert_memory_equal(pt, "abc", 3);
    store_content_free(pt);
    pt = NULL;
    randombytes_buf(other, sizeof other);
    assert_int_equal(store_blob_open(other, blob, blen, CID, &pt, &plen), -1);
    assert_int_equal(store_blob_open(f->key, blob, blen, P1, &pt, &plen), -1); /* another id */
    assert_null(pt);
    free(blob);
    json_decref(rec);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_migration, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_list_withdraw, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encrypted_at_rest, setup, teardown),
    };

    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
