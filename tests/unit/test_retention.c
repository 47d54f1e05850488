/* SPDX-License-Identifier: EUPL-1.2 */
/* Retention with a moved clock: nothing is erased a second before a form's covenant period ends,
 * its content (not its metadata) is erased at the end with one audit entry without content,
 * sweeping again changes nothing, withdrawn forms and forms without a period are left alone,
 * forms stored before retention dates were kept get one, the report lists all three kinds, the
 * admin endpoint refuses bad requests, and the audit chain stays intact throughout. */
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

#include "audit.h"
#include "core.h"
#include "store.h"
#include "store_fixture.h"

#define OIN_US "00000001001234567000"
#define OIN_PEER "00000001812345671000"
#define ID1 "11111111-1111-4111-8111-111111111111"
#define ID2 "22222222-2222-4222-8222-222222222222"
#define ID3 "33333333-3333-4333-8333-333333333333"
#define T0 ((time_t)1790000000)
#define DAY ((time_t)86400)
#define HANDOVER "urn:baton:form:school-leaver-handover:1"
#define CONTACT "urn:baton:form:contact-notice:1"
#define UNLISTED "urn:baton:form:dropout-signal:1" /* the test covenant gives it no period */
#define SUBJECT "0123456789abcdef0123456789abcdef"
/* Appears in each form's content; must appear in no audit entry or log line. */
#define MARKER "Milan-de-Haan-2007-03-14-secret"

struct fx {
    char dir[64];
    char path[128];
    unsigned char key[STORE_KEY_BYTES];
    struct daemon d;
    char log[16384]; /* the log lines, one after the other */
};

static void
log_sink(void *ctx, const char *line)
{
    struct fx *f = ctx;
    size_t n = strlen(f->log);

    snprintf(f->log + n, sizeof f->log - n, "%s\n", line);
}

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct daemon_err err = {0};

    assert_non_null(f);
    store_tmp_make(f->dir, f->path, f->key, "retention");
    assert_int_equal(store_open(f->path, OIN_US, f->key, &f->d.store, &err), DAEMON_OK);
    /* The parts of a daemon that retention uses: the store, the covenant and the log. */
    f->d.covenant = json_pack("{s:s, s:{s:i, s:i}}", "id", "test-covenant", "retention_days",
                              "school-leaver-handover", 730, "contact-notice", 365);
    assert_non_null(f->d.covenant);
    f->d.log_sink = log_sink;
    f->d.log_ctx = f;
    pthread_mutex_init(&f->d.log_mu, NULL);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;

    store_close(f->d.store);
    json_decref(f->d.covenant);
    pthread_mutex_destroy(&f->d.log_mu);
    store_tmp_remove(f->dir);
    free(f);
    return 0;
}

/* Stores packet id of form_type, received at T0, kept until retain_until (0: no date), as
 * receive.c does. */
static void
receive(struct fx *f, const char *id, const char *form_type, time_t retain_until)
{
    const char content[] = "{\"form\":{\"young_person\":{\"last_name\":\"" MARKER "\"}}}";
    const struct store_event ev = {"received", id, OIN_PEER, "a form", SUBJECT, NULL};
    struct store_in in = {0};
    enum store_receive found;
    struct daemon_err err = {0};
    char *stored = NULL;

    snprintf(in.id, sizeof in.id, "%s", id);
    snprintf(in.from, sizeof in.from, "%s", OIN_PEER);
    in.form_type = (char *)form_type;
    in.purpose = (char *)"transition";
    in.basis = (char *)"consent";
    memset(in.sha256, id[0], sizeof in.sha256);
    in.receipt = (char *)"receipt";
    in.retain_until = retain_until;
    assert_int_equal(store_inbox_receive(f->d.store, &in, T0, (const unsigned char *)content,
                                         strlen(content), &ev, &found, &stored, &err),
                     DAEMON_OK);
    assert_int_equal(found, STORE_RECEIVED_NEW);
    free(stored);
}

/* 1 when the content of id can be read (and holds what was stored), 0 when it was erased; the
 * metadata must be there either way. */
static int
readable(struct fx *f, const char *id)
{
    struct daemon_err err = {0};
    struct store_in in = {0};
    unsigned char *content = NULL;
    size_t len = 0;
    enum daemon_status rc = store_inbox_get(f->d.store, id, &in, &content, &len, &err);

    if (rc == DAEMON_OK) {
        assert_non_null(strstr((const char *)content, MARKER));
        store_content_free(content);
        store_in_clear(&in);
        return 1;
    }
    assert_int_equal(rc, DAEMON_EREFUSED);
    assert_null(content);
    assert_int_equal(store_inbox_get(f->d.store, id, &in, NULL, NULL, &err), DAEMON_OK);
    assert_int_equal(in.erased, 1);
    assert_string_equal(in.from, OIN_PEER);
    assert_non_null(in.form_type);
    assert_int_equal(in.received, T0);
    store_in_clear(&in);
    return 0;
}

static time_t
retain_until_of(struct fx *f, const char *id)
{
    struct daemon_err err = {0};
    struct store_in in = {0};
    time_t t;

    assert_int_equal(store_inbox_get(f->d.store, id, &in, NULL, NULL, &err), DAEMON_OK);
    t = in.retain_until;
    store_in_clear(&in);
    return t;
}

/* The number of audit entries event (about packet, when not NULL); checks that none holds the
 * form's content. */
static size_t
audit_count(struct fx *f, const char *event, const char *packet)
{
    struct store_audit *items = NULL;
    struct daemon_err err = {0};
    size_t n = 0, i, count = 0;

    assert_int_equal(store_audit_list(f->d.store, NULL, STORE_LIST_MAX, &items, &n, &err),
                     DAEMON_OK);
    for (i = 0; i < n; i++) {
        assert_null(strstr(items[i].detail != NULL ? items[i].detail : "", MARKER));
        if (strcmp(items[i].event, event) == 0 &&
            (packet == NULL || (items[i].packet != NULL && strcmp(items[i].packet, packet) == 0)))
            count++;
    }
    store_audit_free(items, n);
    return count;
}

/* The detail of the only audit entry event about packet. */
static void
audit_detail(struct fx *f, const char *event, const char *packet, char *out, size_t size)
{
    struct store_audit *items = NULL;
    struct daemon_err err = {0};
    size_t n = 0, i;

    out[0] = '\0';
    assert_int_equal(store_audit_list(f->d.store, packet, STORE_LIST_MAX, &items, &n, &err),
                     DAEMON_OK);
    for (i = 0; i < n; i++)
        if (strcmp(items[i].event, event) == 0) {
            snprintf(out, size, "%s", items[i].detail != NULL ? items[i].detail : "");
            assert_string_equal(items[i].peer, OIN_PEER);
            /* the young person's pseudonym, carried over from the "received" entry */
            assert_string_equal(items[i].subject, SUBJECT);
            assert_null(items[i].actor);
        }
    store_audit_free(items, n);
}

/* 1 when every stored chain hash is the recomputed one (store_audit_hash over the entries). */
static int
chain_intact(struct fx *f)
{
    unsigned char prev[STORE_HASH_BYTES] = {0}, h[STORE_HASH_BYTES];
    struct store_audit *items = NULL;
    struct daemon_err err = {0};
    size_t n = 0, i;
    int ok = 1;

    assert_int_equal(store_audit_list(f->d.store, NULL, STORE_LIST_MAX, &items, &n, &err),
                     DAEMON_OK);
    assert_true(n > 0);
    for (i = 0; i < n && ok; i++) {
        store_audit_hash(prev, &items[i], h);
        ok = sodium_memcmp(h, items[i].hash, sizeof h) == 0;
        memcpy(prev, h, sizeof prev);
    }
    store_audit_free(items, n);
    return ok;
}

static void
test_period(void **state)
{
    struct fx *f = *state;

    assert_int_equal(retention_period(f->d.covenant, HANDOVER), 730L * 86400L);
    assert_int_equal(retention_period(f->d.covenant, CONTACT), 365L * 86400L);
    assert_int_equal(retention_period(f->d.covenant, UNLISTED), 0);
    assert_int_equal(retention_period(f->d.covenant, "school-leaver-handover"), 0);
    assert_int_equal(retention_period(f->d.covenant, "urn:baton:form:contact-notice"), 0);
    assert_int_equal(retention_period(f->d.covenant, NULL), 0);
    assert_int_equal(retention_period(NULL, HANDOVER), 0);
    /* a period outside what the covenant schema allows is not used */
    json_object_set_new(json_object_get(f->d.covenant, "retention_days"), "contact-notice",
                        json_integer(0));
    assert_int_equal(retention_period(f->d.covenant, CONTACT), 0);
    json_object_set_new(json_object_get(f->d.covenant, "retention_days"), "contact-notice",
                        json_string("365"));
    assert_int_equal(retention_period(f->d.covenant, CONTACT), 0);
}

static void
test_sweep_erases_at_period_end(void **state)
{
    struct fx *f = *state;
    char detail[600], query[200];

    receive(f, ID1, HANDOVER, T0 + 730 * DAY);
    receive(f, ID2, CONTACT, T0 + 365 * DAY);
    receive(f, ID3, UNLISTED, 0);
    assert_int_equal(retain_until_of(f, ID2), T0 + 365 * DAY);
    assert_int_equal(retain_until_of(f, ID3), 0);

    /* A second before the end: nothing. */
    assert_int_equal(retention_sweep(&f->d, T0 + 365 * DAY - 1), 0);
    assert_true(readable(f, ID1));
    assert_true(readable(f, ID2));
    assert_true(readable(f, ID3));
    assert_int_equal(audit_count(f, "erased-retention", NULL), 0);

    /* At the end: the contact notice's content goes, its metadata and the others stay. */
    assert_int_equal(retention_sweep(&f->d, T0 + 365 * DAY), 1);
    assert_false(readable(f, ID2));
    assert_true(readable(f, ID1));
    assert_true(readable(f, ID3));
    assert_int_equal(retain_until_of(f, ID2), T0 + 365 * DAY);
    snprintf(query, sizeof query, "SELECT count(*) FROM record_keys WHERE id = '%s'", ID2);
    assert_int_equal(raw_int(f->path, query), 0);
    snprintf(query, sizeof query, "SELECT content IS NULL FROM inbox WHERE id = '%s'", ID2);
    assert_int_equal(raw_int(f->path, query), 1);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM record_keys"), 2);
    assert_int_equal(audit_count(f, "erased-retention", ID2), 1);
    audit_detail(f, "erased-retention", ID2, detail, sizeof detail);
    assert_non_null(strstr(detail, "365 days"));
    assert_non_null(strstr(detail, "contact-notice"));
    assert_non_null(strstr(detail, "received 2026-09-21"));
    assert_non_null(strstr(f->log, "erased-retention packet=" ID2));

    /* Again, and later: nothing twice. */
    assert_int_equal(retention_sweep(&f->d, T0 + 365 * DAY), 0);
    assert_int_equal(retention_sweep(&f->d, T0 + 500 * DAY), 0);
    assert_int_equal(audit_count(f, "erased-retention", NULL), 1);

    /* The handover at its own end; the form without a period never. */
    assert_int_equal(retention_sweep(&f->d, T0 + 730 * DAY - 1), 0);
    assert_int_equal(retention_sweep(&f->d, T0 + 730 * DAY), 1);
    assert_false(readable(f, ID1));
    assert_int_equal(retention_sweep(&f->d, T0 + 20 * 365 * DAY), 0);
    assert_true(readable(f, ID3));
    assert_int_equal(audit_count(f, "erased-retention", NULL), 2);
    assert_int_equal(audit_count(f, "erased-retention", ID3), 0);
    assert_null(strstr(f->log, MARKER));
    assert_true(chain_intact(f));
}

/* The chain check above can fail: an entry changed afterwards is found. */
static void
test_chain_check_finds_tampering(void **state)
{
    struct fx *f = *state;

    receive(f, ID2, CONTACT, T0 + 365 * DAY);
    assert_int_equal(retention_sweep(&f->d, T0 + 365 * DAY), 1);
    assert_true(chain_intact(f));
    raw_sql(f->path, "UPDATE audit SET detail = 'content kept' WHERE event = 'erased-retention'");
    assert_false(chain_intact(f));
}

static void
test_withdrawn_left_to_withdrawal(void **state)
{
    struct fx *f = *state;

    receive(f, ID1, CONTACT, T0 + 365 * DAY);
    receive(f, ID2, CONTACT, T0 + 365 * DAY);
    /* ID1 restricted by a withdrawal: withdrawal.c erases it after its grace period. */
    raw_sql(f->path, "INSERT INTO withdrawals_in (packet, consent, notice, notice_jws, withdrawn, "
                     "erase_after, confirmation) VALUES ('" ID1 "', 'c1', 'n1', 'jws', 1790000000, "
                     "1790000000, 'conf')");
    assert_int_equal(retention_sweep(&f->d, T0 + 400 * DAY), 1);
    assert_true(readable(f, ID1));
    assert_false(readable(f, ID2));
    assert_int_equal(audit_count(f, "erased-retention", ID1), 0);

    /* Erased by someone else already (withdrawal): not counted again. */
    raw_sql(f->path, "DELETE FROM withdrawals_in");
    {
        const struct store_event ev = {"erased", ID1, OIN_PEER, "withdrawn", NULL, NULL};
        struct daemon_err err = {0};

        assert_int_equal(store_inbox_erase(f->d.store, ID1, T0 + 401 * DAY, &ev, &err), DAEMON_OK);
    }
    assert_int_equal(retention_sweep(&f->d, T0 + 402 * DAY), 0);
    assert_int_equal(audit_count(f, "erased-retention", ID1), 0);
    assert_true(chain_intact(f));
}

/* Forms stored before this version have no retention date: the first sweep gives them one. */
static void
test_earlier_rows_get_a_date(void **state)
{
    struct fx *f = *state;
    json_t *covenant = f->d.covenant;

    receive(f, ID1, CONTACT, 0);
    receive(f, ID2, UNLISTED, 0);

    /* Without a covenant nothing can be dated, and nothing is erased. */
    f->d.covenant = NULL;
    assert_int_equal(retention_sweep(&f->d, T0 + 400 * DAY), 0);
    assert_int_equal(retain_until_of(f, ID1), 0);
    assert_true(readable(f, ID1));
    f->d.covenant = covenant;

    assert_int_equal(retention_sweep(&f->d, T0 + 365 * DAY - 1), 0);
    assert_int_equal(retain_until_of(f, ID1), T0 + 365 * DAY); /* received + period */
    assert_int_equal(retain_until_of(f, ID2), 0);
    assert_true(readable(f, ID1));
    assert_non_null(strstr(f->log, "retention-dated"));
    assert_int_equal(retention_sweep(&f->d, T0 + 365 * DAY), 1);
    assert_false(readable(f, ID1));
    assert_true(readable(f, ID2));
    assert_true(chain_intact(f));
}

static const json_t *
find(const json_t *list, const char *id)
{
    const json_t *row;
    size_t i;

    json_array_foreach (list, i, row)
        if (strcmp(json_string_value(json_object_get(row, "id")), id) == 0)
            return row;
    return NULL;
}

static void
test_report(void **state)
{
    struct fx *f = *state;
    struct daemon_err err = {0};
    json_t *r = NULL;
    const json_t *row;
    char *text;

    receive(f, ID1, HANDOVER, T0 + 730 * DAY);
    receive(f, ID2, CONTACT, T0 + 365 * DAY);
    receive(f, ID3, UNLISTED, 0);

    /* Within 400 days: the contact notice is due, the handover not yet. */
    assert_int_equal(retention_report(&f->d, T0, 400, &r, &err), DAEMON_OK);
    assert_int_equal(json_integer_value(json_object_get(r, "within_days")), 400);
    assert_int_equal(json_array_size(json_object_get(r, "due")), 1);
    row = find(json_object_get(r, "due"), ID2);
    assert_non_null(row);
    assert_string_equal(json_string_value(json_object_get(row, "retain_until")),
                        "2027-09-21T14:13:20Z");
    assert_string_equal(json_string_value(json_object_get(row, "form_type")), CONTACT);
    assert_string_equal(json_string_value(json_object_get(row, "from")), OIN_PEER);
    assert_int_equal(json_array_size(json_object_get(r, "no_period")), 1);
    assert_non_null(find(json_object_get(r, "no_period"), ID3));
    assert_int_equal(json_array_size(json_object_get(r, "erased")), 0);
    assert_null(json_object_get(r, "warning"));
    json_decref(r);

    /* Within 0 days: nothing due yet. */
    assert_int_equal(retention_report(&f->d, T0, 0, &r, &err), DAEMON_OK);
    assert_int_equal(json_array_size(json_object_get(r, "due")), 0);
    json_decref(r);

    /* After the sweep: the contact notice is listed as erased, not as due. */
    assert_int_equal(retention_sweep(&f->d, T0 + 365 * DAY), 1);
    assert_int_equal(retention_report(&f->d, T0 + 365 * DAY, 3650, &r, &err), DAEMON_OK);
    assert_null(find(json_object_get(r, "due"), ID2));
    assert_non_null(find(json_object_get(r, "due"), ID1));
    assert_int_equal(json_array_size(json_object_get(r, "erased")), 1);
    row = find(json_object_get(r, "erased"), ID2);
    assert_non_null(row);
    assert_string_equal(json_string_value(json_object_get(row, "erased")), "2027-09-21T14:13:20Z");
    assert_string_equal(json_string_value(json_object_get(row, "received")),
                        "2026-09-21T14:13:20Z");
    text = json_dumps(r, 0);
    assert_non_null(text);
    assert_null(strstr(text, MARKER));
    free(text);
    json_decref(r);
}

/* The inbox item says when retention erases the content, and that it did. */
static void
test_inbox_annotation(void **state)
{
    struct fx *f = *state;
    struct daemon_err err = {0};
    struct store_in in = {0};
    json_t *item;

    receive(f, ID1, CONTACT, T0 + 365 * DAY);
    receive(f, ID2, UNLISTED, 0);
    assert_int_equal(store_inbox_get(f->d.store, ID1, &in, NULL, NULL, &err), DAEMON_OK);
    item = json_object();
    retention_inbox_annotate(item, &in, T0);
    assert_string_equal(json_string_value(json_object_get(item, "retain_until")),
                        "2027-09-21T14:13:20Z");
    assert_null(json_object_get(item, "erased_by"));
    json_decref(item);
    store_in_clear(&in);

    assert_int_equal(retention_sweep(&f->d, T0 + 365 * DAY), 1);
    assert_int_equal(store_inbox_get(f->d.store, ID1, &in, NULL, NULL, &err), DAEMON_OK);
    item = json_object();
    retention_inbox_annotate(item, &in, T0 + 365 * DAY);
    assert_string_equal(json_string_value(json_object_get(item, "erased_by")), "retention");
    json_decref(item);
    /* erased because of a withdrawal: not said to be retention's */
    item = json_pack("{s:s}", "withdrawn", "2027-01-01T00:00:00Z");
    retention_inbox_annotate(item, &in, T0 + 365 * DAY);
    assert_null(json_object_get(item, "erased_by"));
    json_decref(item);
    store_in_clear(&in);

    assert_int_equal(store_inbox_get(f->d.store, ID2, &in, NULL, NULL, &err), DAEMON_OK);
    item = json_object();
    retention_inbox_annotate(item, &in, T0 + 365 * DAY);
    assert_int_equal(json_object_size(item), 0);
    json_decref(item);
    store_in_clear(&in);
}

static void
admin(struct fx *f, const char *method, const char *path, const char *query, int mine, int status)
{
    struct http_request req = {0};
    struct http_reply reply = {0};

    req.method = method;
    req.path = path;
    req.query = query;
    req.peer_uid = -1;
    assert_int_equal(core_retention_admin(&f->d, &req, &reply), mine);
    if (mine) {
        json_t *j = json_loadb(reply.body, reply.body_len, 0, NULL);

        assert_int_equal(reply.status, status);
        assert_non_null(j);
        if (status == 200) {
            assert_true(json_is_array(json_object_get(j, "due")));
            assert_true(json_is_array(json_object_get(j, "erased")));
            assert_true(json_is_array(json_object_get(j, "no_period")));
        } else {
            assert_non_null(json_string_value(json_object_get(j, "error")));
        }
        json_decref(j);
    }
    free(reply.body);
}

static void
test_admin(void **state)
{
    struct fx *f = *state;

    receive(f, ID1, HANDOVER, T0 + 730 * DAY);
    admin(f, "GET", "/v1/retention", "", 1, 200);
    admin(f, "GET", "/v1/retention", "within=365", 1, 200);
    admin(f, "GET", "/v1/retention", "lang=en&within=0", 1, 200);
    admin(f, "GET", "/v1/retention", "within=abc", 1, 400);
    admin(f, "GET", "/v1/retention", "within=-1", 1, 400);
    admin(f, "GET", "/v1/retention", "within=3651", 1, 400);
    admin(f, "GET", "/v1/retention", "within=5x", 1, 400);
    admin(f, "POST", "/v1/retention", "", 1, 405);
    admin(f, "GET", "/v1/retention/x", "", 0, 0);
    admin(f, "GET", "/v1/inbox", "", 0, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_period, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sweep_erases_at_period_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chain_check_finds_tampering, setup, teardown),
        cmocka_unit_test_setup_teardown(test_withdrawn_left_to_withdrawal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_earlier_rows_get_a_date, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inbox_annotation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_admin, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
