/* SPDX-License-Identifier: EUPL-1.2 */
/* The privacy officer's reports (daemon/reports.c) through the admin API's handler, on a real
 * store: one young person's access report holds nothing of another, small counts become "<5"
 * and counts from 5 do not, HTML is escaped, and bad requests are refused. */
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

#include "audit.h"
#include "core.h"
#include "store.h"
#include "store_fixture.h"

#define OIN_US "00000001812345671000"  /* Praktijkschool De Brug in the example covenant */
#define OIN_GEM "00000001001234567000" /* Gemeente Lindeveld */
#define OIN_UWV "00000001234567890000" /* UWV */
#define HANDOVER "urn:baton:form:school-leaver-handover:1"

struct fx {
    char dir[64], path[128];
    unsigned char key[STORE_KEY_BYTES];
    struct daemon_config cfg;
    struct keys_identity me;
    struct daemon d;
    char p1[CORE_PSEUDONYM_LEN + 1], p2[CORE_PSEUDONYM_LEN + 1];
    char ids[16][KEYS_UUID_LEN + 1];
};

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct forms_err ferr;
    struct daemon_err err = {0};
    json_error_t jerr;

    assert_non_null(f);
    store_tmp_make(f->dir, f->path, f->key, "reports");
    assert_int_equal(store_open(f->path, OIN_US, f->key, &f->d.store, &err), DAEMON_OK);
    assert_int_equal(forms_catalogue_new(NULL, &f->d.cat, &ferr), FORMS_OK);
    assert_int_equal(forms_catalogue_add_builtin(f->d.cat, &ferr), FORMS_OK);
    assert_int_equal(forms_catalogue_compile(f->d.cat, &ferr), FORMS_OK);
    f->d.covenant =
        json_load_file(BATON_SOURCE_DIR "/forms/examples/valid/covenant.json", 0, &jerr);
    assert_non_null(f->d.covenant);
    f->d.covenant_id = json_string_value(json_object_get(f->d.covenant, "id"));
    snprintf(f->me.oin, sizeof f->me.oin, OIN_US);
    snprintf(f->me.name, sizeof f->me.name, "Praktijkschool De Brug");
    snprintf(f->me.role, sizeof f->me.role, "school");
    f->d.me = &f->me;
    f->d.cfg = &f->cfg;
    f->d.deadline_s = 10L * 86400;
    pthread_mutex_init(&f->d.log_mu, NULL);
    f->d.pseudonym_key = sodium_malloc(CORE_PSEUDONYM_KEY_BYTES);
    assert_non_null(f->d.pseudonym_key);
    randombytes_buf(f->d.pseudonym_key, CORE_PSEUDONYM_KEY_BYTES);
    assert_true(core_pseudonym(&f->d, "Haan", "2007-03-14", f->p1));
    assert_true(core_pseudonym(&f->d, "Bakker", "2006-09-02", f->p2));
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;

    store_close(f->d.store);
    forms_catalogue_free(f->d.cat);
    json_decref(f->d.covenant);
    sodium_free(f->d.pseudonym_key);
    pthread_mutex_destroy(&f->d.log_mu);
    store_tmp_remove(f->dir);
    free(f);
    return 0;
}

/* Queues packet i to "to" about subject, as core_submit would record it. */
static void
add_packet(struct fx *f, int i, const char *to, const char *subject)
{
    struct daemon_err err = {0};
    struct store_out o = {0};
    struct store_event ev[2];
    char body[] = "sealed";

    snprintf(f->ids[i], sizeof f->ids[i], "00000000-0000-4000-8000-%012d", i);
    memcpy(o.id, f->ids[i], sizeof o.id);
    o.kind = STORE_PACKET;
    snprintf(o.to, sizeof o.to, "%s", to);
    o.form_type = HANDOVER;
    o.purpose = "warme-overdracht";
    o.basis = "consent";
    o.consent_id = "6d2f4c1e-8a3b-4f0d-9c7e-1b5a2e3d4f60";
    o.body = body;
    o.body_len = sizeof body - 1;
    ev[0] = (struct store_event){"submitted", f->ids[i], to, HANDOVER " for X", subject, NULL};
    ev[1] = (struct store_event){"minimised",
                                 f->ids[i],
                                 to,
                                 "minimised per the covenant for municipality (warme-overdracht): "
                                 "sent /a; removed none; categories health, identity",
                                 subject,
                                 NULL};
    assert_int_equal(store_outbox_add(f->d.store, &o, time(NULL), ev, 2, &err), DAEMON_OK);
}

/* GET path?query through the reports handler; the body parsed (NULL when not JSON) and the
 * status into *status. */
static json_t *
get(struct fx *f, const char *method, const char *path, const char *query, int *status, char **raw)
{
    struct http_request req = {0};
    struct http_reply reply = {0};
    json_t *j;

    req.method = method;
    req.path = path;
    req.query = query;
    req.peer_uid = 0;
    assert_int_equal(core_reports_admin(&f->d, &req, &reply), 1);
    *status = reply.status;
    j = reply.body != NULL ? json_loadb(reply.body, reply.body_len, 0, NULL) : NULL;
    if (raw != NULL)
        *raw = reply.body;
    else
        free(reply.body);
    return j;
}

static void
test_subject_isolated(void **state)
{
    struct fx *f = *state;
    json_t *j;
    char *text;
    int st;

    add_packet(f, 1, OIN_GEM, f->p1);
    add_packet(f, 2, OIN_UWV, f->p1);
    add_packet(f, 3, OIN_GEM, f->p2);
    /* by name: case and white space as the pseudonym takes them */
    j = get(f, "GET", "/v1/reports/subject", "last_name=%20haan+&date_of_birth=2007-03-14", &st,
            NULL);
    assert_int_equal(st, 200);
    assert_int_equal(json_array_size(json_object_get(j, "sent")), 2);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(json_object_get(j, "sent"), 0), "packet")),
        f->ids[1]);
    assert_string_equal(
        json_string_value(json_object_get(
            json_object_get(json_array_get(json_object_get(j, "sent"), 1), "to"), "name")),
        "UWV");
    /* the categories from the minimisation record, in reading order */
    assert_string_equal(
        json_string_value(json_array_get(
            json_object_get(json_array_get(json_object_get(j, "sent"), 0), "categories"), 0)),
        "identity");
    json_decref(j);
    /* person 2 by pseudonym: their packet only */
    j = get(f, "GET", "/v1/reports/subject", "format=text&subject=", &st, NULL);
    assert_int_equal(st, 400); /* an empty pseudonym is not one */
    json_decref(j);
    {
        char q[100];

        snprintf(q, sizeof q, "format=text&subject=%s", f->p2);
        j = get(f, "GET", "/v1/reports/subject", q, &st, NULL);
    }
    assert_int_equal(st, 200);
    text = (char *)json_string_value(json_object_get(j, "report"));
    assert_non_null(text);
    assert_non_null(strstr(text, f->ids[3]));
    assert_null(strstr(text, f->ids[1]));
    assert_null(strstr(text, f->ids[2]));
    assert_non_null(strstr(text, "Wat wij hebben gedeeld (1)"));
    json_decref(j);
    /* the access request itself is audited, with the pseudonym */
    {
        struct store_audit *items = NULL;
        struct daemon_err err = {0};
        size_t n = 0, i, found = 0;

        assert_int_equal(store_audit_list(f->d.store, NULL, 100, &items, &n, &err), DAEMON_OK);
        for (i = 0; i < n; i++)
            found += strcmp(items[i].event, "report-subject") == 0 && items[i].subject != NULL &&
                     strcmp(items[i].subject, f->p2) == 0;
        store_audit_free(items, n);
        assert_int_equal(found, 1);
    }
}

static void
test_figures_small_counts(void **state)
{
    struct fx *f = *state;
    const json_t *v;
    json_t *j;
    size_t i;
    int st, seen = 0;

    for (i = 0; i < 4; i++)
        add_packet(f, (int)i, OIN_GEM, f->p1);
    for (i = 4; i < 9; i++)
        add_packet(f, (int)i, OIN_UWV, f->p2);
    j = get(f, "GET", "/v1/reports/figures", "", &st, NULL);
    assert_int_equal(st, 200);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "sent"), "total")), 9);
    json_array_foreach (json_object_get(json_object_get(j, "sent"), "by_recipient"), i, v) {
        const char *key = json_string_value(json_object_get(v, "key"));

        if (strcmp(key, OIN_GEM) == 0) { /* 4: small */
            assert_string_equal(json_string_value(json_object_get(v, "count")), "<5");
            seen++;
        } else if (strcmp(key, OIN_UWV) == 0) { /* 5: as it is */
            assert_int_equal(json_integer_value(json_object_get(v, "count")), 5);
            seen++;
        }
    }
    assert_int_equal(seen, 2);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "received"), "total")),
                     0);
    {
        char *dump = json_dumps(j, 0);

        assert_non_null(dump);
        assert_null(strstr(dump, f->ids[0])); /* no packet ids */
        assert_null(strstr(dump, f->p1));     /* no pseudonyms */
        free(dump);
    }
    json_decref(j);
    /* a period without handovers */
    j = get(f, "GET", "/v1/reports/figures", "from=2001-01-01&until=2001-12-31", &st, NULL);
    assert_int_equal(st, 200);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "sent"), "total")), 0);
    json_decref(j);
}

static void
test_html_escaped(void **state)
{
    struct fx *f = *state;
    struct daemon_err err = {0};
    const struct store_event ev = {
        "refused", NULL, OIN_GEM, "send refused: <script>alert('x')</script> & more", f->p1, NULL};
    char *raw = NULL;
    json_t *j;
    int st;

    assert_int_equal(store_audit_add(f->d.store, time(NULL), &ev, &err), DAEMON_OK);
    j = get(f, "GET", "/v1/reports/subject",
            "last_name=Haan&date_of_birth=2007-03-14&format=html&raw=1&lang=en", &st, &raw);
    assert_int_equal(st, 200);
    assert_null(j);
    assert_non_null(raw);
    assert_non_null(strstr(raw, "<!DOCTYPE html>"));
    assert_non_null(strstr(raw, "<html lang=\"en\">"));
    assert_non_null(strstr(raw, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more"));
    assert_null(strstr(raw, "<script>"));
    assert_non_null(strstr(raw, "</html>"));
    free(raw);
}

static void
test_bad_requests(void **state)
{
    struct fx *f = *state;
    struct http_request req = {0};
    struct http_reply reply = {0};
    static const char *const bad[][2] = {
        {"/v1/reports/register", "format=pdf"},
        {"/v1/reports/register", "lang=de"},
        {"/v1/reports/subject", "last_name=Haan"},
        {"/v1/reports/subject", "last_name=Ha%0Aan&date_of_birth=2007-03-14"},
        {"/v1/reports/subject", "last_name=Ha%zzan&date_of_birth=2007-03-14"},
        {"/v1/reports/subject", "last_name=Haan&date_of_birth=2007-02-29"},
        {"/v1/reports/subject", "last_name=Haan&date_of_birth=14-03-2007"},
        {"/v1/reports/subject", "subject=ABCDEF"},
        {"/v1/reports/figures", "from=2026-13-01"},
        {"/v1/reports/figures", "from=2026-02-01&until=2026-01-01"},
        {"/v1/reports/anomalies", "days=0"},
        {"/v1/reports/anomalies", "days=12x"},
    };
    json_t *j;
    size_t i;
    int st;

    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        j = get(f, "GET", bad[i][0], bad[i][1], &st, NULL);
        if (st != 400)
            fail_msg("%s?%s answered %d, not 400", bad[i][0], bad[i][1], st);
        assert_non_null(json_object_get(j, "error"));
        json_decref(j);
    }
    j = get(f, "POST", "/v1/reports/figures", "", &st, NULL);
    assert_int_equal(st, 405);
    json_decref(j);
    j = get(f, "GET", "/v1/reports/nothing", "", &st, NULL);
    assert_int_equal(st, 404);
    json_decref(j);
    /* not ours: other paths are left alone */
    req.method = "GET";
    req.path = "/v1/reportsx";
    req.query = "";
    assert_int_equal(core_reports_admin(&f->d, &req, &reply), 0);
    assert_null(reply.body);
}

static void
test_register_and_anomalies(void **state)
{
    struct fx *f = *state;
    json_t *j, *p;
    int st;

    add_packet(f, 1, OIN_GEM, f->p1);
    j = get(f, "GET", "/v1/reports/register", "", &st, NULL);
    assert_int_equal(st, 200);
    p = json_array_get(json_object_get(j, "purposes"), 0);
    assert_string_equal(json_string_value(json_object_get(p, "id")), "warme-overdracht");
    p = json_array_get(json_object_get(p, "processing"), 0);
    assert_string_equal(json_string_value(json_object_get(p, "to")), "municipality");
    assert_int_equal(json_integer_value(json_object_get(p, "count")), 1);
    /* never the BSN where the purpose does not allow it */
    {
        char *cats = json_dumps(json_object_get(p, "categories"), 0);

        assert_non_null(cats);
        assert_non_null(strstr(cats, "health"));
        assert_null(strstr(cats, "bsn"));
        free(cats);
    }
    json_decref(j);
    /* nothing needs attention yet: a queued packet is no anomaly */
    j = get(f, "GET", "/v1/reports/anomalies", "", &st, NULL);
    assert_int_equal(st, 200);
    assert_int_equal(json_integer_value(json_object_get(j, "count")), 0);
    json_decref(j);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_subject_isolated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_figures_small_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_html_escaped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_register_and_anomalies, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
