/* SPDX-License-Identifier: EUPL-1.2 */
/* The policy engine, table-driven on the example covenant, forms and consent: routes, purposes,
 * bases, the BSN rule, the consent rules (missing, expired, withdrawn, subject, controller,
 * recipient, purpose, category, minors and parents), minimisation with the exact paths removed,
 * and the recipient's defence-in-depth check. Each case asserts the decision, the rule and a
 * fragment of the message people read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "forms.h"
#include "policy.h"

#define OIN_SCHOOL "00000001812345671000"
#define OIN_GEM "00000001001234567000"
#define OIN_UWV "00000001234567890000"
#define OIN_RMC "00000001001234567001"
#define OIN_JOBCOACH "00000003123456780000"
/* 2026-01-15T12:00:00Z: Milan (2007-03-14) is 18; the example consent holds until 2027-07-31. */
#define NOW ((time_t)1768478400)

static struct forms_catalogue *cat;
static json_t *covenant;

static json_t *
load(const char *name)
{
    char path[512];
    json_error_t e;
    json_t *j;

    snprintf(path, sizeof path, "%s/forms/examples/valid/%s", BATON_SOURCE_DIR, name);
    j = json_load_file(path, 0, &e);
    if (j == NULL)
        fail_msg("%s: %s", path, e.text);
    return j;
}

static int
setup(void **state)
{
    struct forms_options o = {.format_assertion = true};
    struct forms_err err = {0};

    (void)state;
    assert_int_equal(forms_catalogue_new(&o, &cat, &err), FORMS_OK);
    assert_int_equal(forms_catalogue_add_builtin(cat, &err), FORMS_OK);
    assert_int_equal(forms_catalogue_compile(cat, &err), FORMS_OK);
    covenant = load("covenant.json");
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    json_decref(covenant);
    forms_catalogue_free(cat);
    return 0;
}

/* ---- mutations ---- */

static void
set(json_t *root, const char *parent, const char *key, json_t *v)
{
    json_t *o = root;
    char buf[200], *tok, *save = NULL;

    snprintf(buf, sizeof buf, "%s", parent);
    for (tok = strtok_r(buf, "/", &save); tok != NULL; tok = strtok_r(NULL, "/", &save))
        o = json_object_get(o, tok);
    assert_non_null(o);
    if (v == NULL)
        json_object_del(o, key);
    else
        json_object_set_new(o, key, v);
}

static void
no_bsn(json_t *f)
{
    set(f, "young_person", "bsn", NULL);
}
static void
minor(json_t *f)
{
    set(f, "young_person", "date_of_birth", json_string("2011-01-01"));
}
static void
minor17(json_t *f)
{
    set(f, "young_person", "date_of_birth", json_string("2008-06-01"));
}
static void
no_bsn_no_health(json_t *f)
{
    no_bsn(f);
    set(f, "", "health", NULL);
}
static void
no_bsn_minor(json_t *f)
{
    no_bsn(f);
    minor(f);
}
static void
no_bsn_minor17(json_t *f)
{
    no_bsn(f);
    minor17(f);
}
static void
cn_bsn(json_t *f)
{
    set(f, "young_person", "bsn", json_string("999990548"));
}
static void
bad_type(json_t *f)
{
    set(f, "", "$schema", json_string("urn:baton:form:nothing:1"));
}

static void
c_expired(json_t *c)
{
    set(c, "", "valid_until", json_string("2025-12-31"));
}
static void
c_withdrawn(json_t *c)
{
    set(c, "", "withdrawn_at", json_string("2025-12-01T10:00:00+01:00"));
}
static void
c_uwv_only(json_t *c)
{
    set(c, "", "recipients", json_pack("[{s:s, s:s}]", "oin", OIN_UWV, "name", "UWV"));
}
static void
c_nazorg_only(json_t *c)
{
    set(c, "", "purposes", json_pack("[s]", "nazorg"));
}
static void
c_no_health(json_t *c)
{
    set(c, "", "data_categories",
        json_pack("[s,s,s,s,s,s]", "identity", "contact", "education", "work", "support",
                  "benefit"));
}
static void
c_minor(json_t *c)
{
    set(c, "subject", "date_of_birth", json_string("2011-01-01"));
}
static void
c_minor17(json_t *c)
{
    set(c, "subject", "date_of_birth", json_string("2008-06-01"));
}
static void
c_minor_both(json_t *c)
{
    c_minor(c);
    set(c, "", "given_by",
        json_pack("[{s:s, s:s}, {s:s, s:s}]", "role", "young-person", "name", "Milan de Haan",
                  "role", "parent", "name", "Sandra de Haan"));
}
static void
c_parent_only(json_t *c)
{
    set(c, "", "given_by", json_pack("[{s:s, s:s}]", "role", "parent", "name", "Sandra de Haan"));
}
static void
c_minor_parent(json_t *c)
{
    c_minor(c);
    c_parent_only(c);
}
static void
c_other_person(json_t *c)
{
    set(c, "subject", "last_name", json_string("Bakker"));
}
static void
c_other_controller(json_t *c)
{
    set(c, "controller", "oin", json_string("00000001812345682000"));
}

static void
k_not_both(json_t *k)
{
    set(k, "", "minor_both_consent", json_false());
}
static void
k_minor_18(json_t *k)
{
    set(k, "", "minor_age", json_integer(18));
}
/* The covenant lists no fields of a handover for the municipality. */
static void
k_no_gem_fields(json_t *k)
{
    json_t *p = json_array_get(json_object_get(k, "purposes"), 0);

    json_object_del(json_object_get(json_object_get(p, "fields"), "school-leaver-handover"),
                    "municipality");
}
/* The covenant forgets a required field of the contact notice for the school. */
static void
k_cn_no_contact_person(json_t *k)
{
    json_t *p = json_array_get(json_object_get(k, "purposes"), 1);
    json_t *list =
        json_object_get(json_object_get(json_object_get(p, "fields"), "contact-notice"), "school");
    size_t i;

    for (i = 0; i < json_array_size(list); i++)
        if (strcmp(json_string_value(json_array_get(list, i)), "/contact_person") == 0)
            json_array_remove(list, i--);
}
/* The covenant lets the BSN travel for nazorg on a public task. */
static void
k_bsn_public_task(json_t *k)
{
    json_t *p = json_array_get(json_object_get(k, "purposes"), 1);

    assert_string_equal(json_string_value(json_object_get(p, "id")), "nazorg");
    json_object_set_new(p, "bsn_allowed_for", json_pack("[s]", "public-task"));
}

/* ---- the table ---- */

enum consent_kind {
    C_NONE = 0, /* no record */
    C_OK,       /* the example record (possibly mutated) */
};

struct tcase {
    const char *name;
    const char *form;           /* example file */
    void (*form_mut)(json_t *); /* or NULL */
    const char *from_role, *to_oin, *to_role, *purpose, *basis, *law;
    enum consent_kind consent;
    void (*consent_mut)(json_t *);
    time_t withdrawn; /* the register's withdrawal */
    void (*cov_mut)(json_t *);
    enum policy_side side;
    int follow_up;
    enum policy_decision want;
    const char *rule;     /* NULL when allowed */
    const char *fragment; /* in message_en */
    const char *removed;  /* allowed: the removed paths, policy_paths_text; NULL: not checked */
    const char *nl;       /* a fragment of message_nl, or NULL */
};

#define HO "school-leaver-handover.json"
#define CN "contact-notice.json"
#define DS "dropout-signal.json"
#define SU "status-update.json"
#define WO "warme-overdracht"
#define SEND POLICY_SEND
#define RECV POLICY_RECEIVE
#define OK POLICY_ALLOWED
#define NO POLICY_REFUSED

static const struct tcase cases[] = {
    /* allowed, with the exact minimisation */
    {"handover to the municipality: everything it may have, nothing removed",
     HO,
     no_bsn,
     "school",
     OIN_GEM,
     "municipality",
     WO,
     "consent",
     NULL,
     C_OK,
     NULL,
     0,
     NULL,
     SEND,
     0,
     OK,
     NULL,
     "allows a school-leaver handover from a school to a municipality",
     "none",
     NULL},
    {"handover to UWV: the fields UWV may not have are removed",
     HO,
     no_bsn,
     "school",
     OIN_UWV,
     "uwv",
     WO,
     "consent",
     NULL,
     C_OK,
     NULL,
     0,
     NULL,
     SEND,
     0,
     OK,
     NULL,
     "allows",
     "/handover_meeting_date, /parents, /qualification_duty, /start_qualification, /travel, "
     "/trusted_person",
     NULL},
    {"handover to a jobcoach (consent names the role): benefit and register removed",
     HO,
     no_bsn,
     "school",
     OIN_JOBCOACH,
     "jobcoach",
     WO,
     "consent",
     NULL,
     C_OK,
     NULL,
     0,
     NULL,
     SEND,
     0,
     OK,
     NULL,
     "allows",
     "/benefit, /legal_representation, /parents/notes, /qualification_duty, "
     "/start_qualification, /target_group_register",
     NULL},
    {"handover without health under a consent without health",
     HO,
     no_bsn_no_health,
     "school",
     OIN_GEM,
     "municipality",
     WO,
     "consent",
     NULL,
     C_OK,
     c_no_health,
     0,
     NULL,
     SEND,
     0,
     OK,
     NULL,
     "allows",
     "none",
     NULL},
    {"a minor with the young person and a parent (both required)",
     HO,
     no_bsn_minor,
     "school",
     OIN_GEM,
     "municipality",
     WO,
     "consent",
     NULL,
     C_OK,
     c_minor_both,
     0,
     NULL,
     SEND,
     0,
     OK,
     NULL,
     "allows",
     "none",
     NULL},
    {"a minor with a parent only where the covenant does not require both",
     HO,
     no_bsn_minor,
     "school",
     OIN_GEM,
     "municipality",
     WO,
     "consent",
     NULL,
     C_OK,
     c_minor_parent,
     0,
     k_not_both,
     SEND,
     0,
     OK,
     NULL,
     "allows",
     "none",
     NULL},
    {"dropout signal with the BSN on a legal obligation (the covenant allows it)",
     DS,
     NULL,
     "school",
     OIN_RMC,
     "rmc",
     "rmc-uit-beeld",
     "legal-obligation",
     "Leerplichtwet 1969, artikel 8a",
     C_NONE,
     NULL,
     0,
     NULL,
     SEND,
     0,
     OK,
     NULL,
     "on a legal obligation",
     "none",
     NULL},
    {"contact notice: only that, from the jobcoach to the school on a public task",
     CN,
     NULL,
     "jobcoach",
     OIN_SCHOOL,
     "school",
     "nazorg",
     "public-task",
     "Participatiewet, artikel 7",
     C_NONE,
     NULL,
     0,
     NULL,
     SEND,
     0,
     OK,
     NULL,
     "contact notice",
     "none",
     NULL},
    {"contact notice: a required field the covenant forgot still travels",
     CN,
     NULL,
     "jobcoach",
     OIN_SCHOOL,
     "school",
     "nazorg",
     "public-task",
     "Participatiewet, artikel 7",
     C_NONE,
     NULL,
     0,
     k_cn_no_contact_person,
     SEND,
     0,
     OK,
     NULL,
     "allows",
     "none",
     NULL},
    {"a status update back to the sender under its consent (the record is the sender's)",
     SU,
     NULL,
     "municipality",
     OIN_SCHOOL,
     "school",
     WO,
     "consent",
     NULL,
     C_NONE,
     NULL,
     0,
     NULL,
     SEND,
     1,
     OK,
     NULL,
     "allows a status update",
     "none",
     NULL},

    /* route, purpose, basis */
    {"wrong direction: a handover from the municipality to a school",
     HO,
     no_bsn,
     "municipality",
     OIN_SCHOOL,
     "school",
     WO,
     "consent",
     NULL,
     C_OK,
     NULL,
     0,
     NULL,
     SEND,
     0,
     NO,
     "route",
     "does not allow a school-leaver handover from a municipality to a school for purpose "
     "'warme-overdracht'",
     NULL,
     "Het convenant staat niet toe dat een overdracht schoolverlater van een gemeente"},
    {"wrong purpose for the route: a handover to UWV for nazorg",
     HO,
     no_bsn,
     "school",
     OIN_UWV,
     "uwv",
     "nazorg",
     "consent",
     NULL,
     C_OK,
     NULL,
     0,
     NULL,
     SEND,
     0,
     NO,
     "route",
     "The covenant does not allow a school-leaver handover from a school to UWV for purpose "
     "'nazorg'. It does for purpose 'warme-overdracht'.",
     NULL,
     "Voor doel 'warme-overdracht' wel."},
    {"a purpose the covenant does not have",
     HO,
     no_bsn,
     "school",
     OIN_GEM,
     "municipality",
     "marketing",
     "consent",
     NULL,
     C_OK,
     NULL,
     0,
     NULL,
     SEND,
     0,
     NO,
     "purpose",
     "no purpose 'marketing'",
     NULL,
     "kent geen doel 'marketing'"},
    {"a basis the covenant does not allow for the purpose",
     HO,
     no_bsn,
     "school",
     OIN_GEM,
     "municipality",
     WO,
     "public-task",
     "Gemeentewet",
     C_NONE,
     NULL,
     0,
     NULL,
     SEND,
     0,
     NO,
     "basis",
     "does not allow a public task as the legal basis for purpose 'warme-overdracht'",
     NULL,
     NULL},
    {"a legal obligation without the law it rests on",
     DS,
     NULL,
     "school",
     OIN_RMC,
     "rmc",
     "rmc-uit-beeld",
     "legal-obligation",
     NULL,
     C_NONE,
     NULL,
     0,
     NULL,
     SEND,
     0,
     NO,
     "basis",
     "does not say which law or task",
     NULL,
     NULL},
    {"an unknown sender role",
     HO,
     no_bsn,
     NULL,
     OIN_GEM,
     "municipality",
     WO,
     "consent",
     NULL,
     C_OK,
     NULL,
     0,
     NULL,
     SEND,
     0,
     NO,
     "route",
     "does not allow",
     NULL,
     NULL},
    {"no field list for the recipient role",
     HO,
     no_bsn,
     "school",
     OIN_GEM,
     "municipality",
     WO,
     "consent",
     NULL,
     C_OK,
     NULL,
     0,
     k_no_gem_fields,
     SEND,
     0,
     NO,
     "fields",
     "does not say which fields",
     NULL,
     NULL},
    {"not a catalogue form",
     HO,
     bad_type,
     "school",
     OIN_GEM,
     "municipality",
     WO,
     "consent",
     NULL,
     C_OK,
     NULL,
     0,
     NULL,
     SEND,
     0,
     NO,
     "form",
     "catalogue form type",
     NULL,
     NULL},

    /* the BSN */
    {"a BSN on consent alone",
     HO,
     NULL,
     "school",
     OIN_GEM,
     "municipality",
     WO,
     "consent",
     NULL,
     C_OK,
     NULL,
     0,
     NULL,
     SEND,
     0,
     NO,
     "bsn-basis",
     "holds a BSN (/young_person/bsn), but the covenant does not allow the BSN for purpose "
     "'warme-overdracht' on consent (consent alone is never a basis",
     NULL,
     "Haal het BSN uit het formulier"},
    {"a BSN on a public task where only a legal obligation allows it",
     DS,
     NULL,
     "school",
     OIN_RMC,
     "rmc",
     "rmc-uit-beeld",
     "public-task",
     "Wet educatie en beroepsonderwijs",
     C_NONE,
     NULL,
     0,
     NULL,
     SEND,
     0,
     NO,
     "bsn-basis",
     "on a public task",
     NULL,
     NULL},
    {"a BSN in a contact notice for a purpose that never lets it travel",
     CN,
     cn_bsn,
     "jobcoach",
     OIN_SCHOOL,
     "school",
     "nazorg",
     "public-task",
     "Participatiewet",
     C_NONE,
     NULL,
     0,
     NULL,
     SEND,
     0,
     NO,
     "bsn-basis",
     "does not allow the BSN for purpose 'nazorg' on a public task",
     NULL,
     NULL},

    /* consent */
    {"consent basis without a consent record",
     HO,
     no_bsn,
     "school",
     OIN_GEM,
     "municipality",
     WO,
     "consent",
     NULL,
     C_NONE,
     NULL,
     0,
     NULL,
     SEND,
     0,
     NO,
     "consent-missing",
     "no consent record was given",
     NULL,
     "Registreer eerst de toestemming"},
    {"an expired consent",
     HO,
     no_bsn,
     "school",
     OIN_GEM,
     "municipality",
     WO,
     "consent",
     NULL,
     C_OK,
     c_expired,
     0,
     NULL,
     SEND,
     0,
     NO,
     "consent-expired",
     "was valid until 2025-12-31 and has expired",
     NULL,
     "is verlopen"},
    {"a consent withdrawn in the register",
     HO,
     no_bsn,
     "school",
     OIN_GEM,
     "municipality",
     WO,
     "consent",
     NULL,
     C_OK,
     NULL,
     NOW - 3600,
     NULL,
     SEND,
     0,
     NO,
     "consent-withdrawn",
     "was withdrawn; nothing may be sent under it",
     NULL,
     "is ingetrokken"},
    {"a consent record that says it was withdrawn",
     HO,
     no_bsn,
     "school",
     OIN_GEM,
     "municipality",
     WO,
     "consent",
     NULL,
     C_OK,
     c_withdrawn,
     0,
     NULL,
     SEND,
     0,
     NO,
     "consent-withdrawn",
     "was withdrawn",
     NULL,
     NULL},
    {"a consent that does not name the recipient",
     HO,
     no_bsn,
     "school",
     OIN_GEM,
     "municipality",
     WO,
     "consent",
     NULL,
     C_OK,
     c_uwv_only,
     0,
     NULL,
     SEND,
     0,
     NO,
     "consent-recipient",
     "does not name this recipient (OIN 00000001001234567000, a municipality)",
     NULL,
     NULL},
    {"a consent that does not cover the purpose",
     HO,
     no_bsn,
     "school",
     OIN_GEM,
     "municipality",
     WO,
     "consent",
     NULL,
     C_OK,
     c_nazorg_only,
     0,
     NULL,
     SEND,
     0,
     NO,
     "consent-purpose",
     "does not cover purpose 'warme-overdracht'",
     NULL,
     NULL},
    {"a consent that does not cover health data the form holds",
     HO,
     no_bsn,
     "school",
     OIN_GEM,
     "municipality",
     WO,
     "consent",
     NULL,
     C_OK,
     c_no_health,
     0,
     NULL,
     SEND,
     0,
     NO,
     "consent-category",
     "does not cover the health data in this form (category 'health')",
     NULL,
     "gezondheid"},
    {"a consent about another young person",
     HO,
     no_bsn,
     "school",
     OIN_GEM,
     "municipality",
     WO,
     "consent",
     NULL,
     C_OK,
     c_other_person,
     0,
     NULL,
     SEND,
     0,
     NO,
     "consent-subject",
     "is about another young person",
     NULL,
     NULL},
    {"a consent recorded by another organisation",
     HO,
     no_bsn,
     "school",
     OIN_GEM,
     "municipality",
     WO,
     "consent",
     NULL,
     C_OK,
     c_other_controller,
     0,
     NULL,
     SEND,
     0,
     NO,
     "consent-controller",
     "recorded by another organisation (OIN 00000001812345682000)",
     NULL,
     NULL},
    {"a minor without a parent",
     HO,
     no_bsn_minor,
     "school",
     OIN_GEM,
     "municipality",
     WO,
     "consent",
     NULL,
     C_OK,
     c_minor,
     0,
     NULL,
     SEND,
     0,
     NO,
     "minor-parent",
     "younger than 16: under the covenant both the young person and a parent or guardian must "
     "consent; no parent or guardian did",
     NULL,
     "jonger dan 16"},
    {"a minor with a parent only where both are required",
     HO,
     no_bsn_minor,
     "school",
     OIN_GEM,
     "municipality",
     WO,
     "consent",
     NULL,
     C_OK,
     c_minor_parent,
     0,
     NULL,
     SEND,
     0,
     NO,
     "minor-parent",
     "the young person did not",
     NULL,
     NULL},
    {"a 17-year-old under a covenant with minor_age 18, without a parent",
     HO,
     no_bsn_minor17,
     "school",
     OIN_GEM,
     "municipality",
     WO,
     "consent",
     NULL,
     C_OK,
     c_minor17,
     0,
     k_minor_18,
     SEND,
     0,
     NO,
     "minor-parent",
     "The young person is 17, younger than 18",
     NULL,
     NULL},
    {"the same 17-year-old under the default age 16: allowed",
     HO,
     no_bsn_minor17,
     "school",
     OIN_GEM,
     "municipality",
     WO,
     "consent",
     NULL,
     C_OK,
     c_minor17,
     0,
     NULL,
     SEND,
     0,
     OK,
     NULL,
     "allows",
     "none",
     NULL},
    {"an adult whose consent only a parent gave",
     HO,
     no_bsn,
     "school",
     OIN_GEM,
     "municipality",
     WO,
     "consent",
     NULL,
     C_OK,
     c_parent_only,
     0,
     NULL,
     SEND,
     0,
     NO,
     "consent-given-by",
     "their own consent (or their legal representative's) is needed",
     NULL,
     NULL},
    {"a status update that is not a follow-up needs the consent record",
     SU,
     NULL,
     "municipality",
     OIN_SCHOOL,
     "school",
     WO,
     "consent",
     NULL,
     C_NONE,
     NULL,
     0,
     NULL,
     SEND,
     0,
     NO,
     "consent-missing",
     "no consent record",
     NULL,
     NULL},

    /* the recipient's check */
    {"receive: a handover to the municipality as the covenant allows",
     HO,
     no_bsn,
     "school",
     OIN_GEM,
     "municipality",
     WO,
     "consent",
     NULL,
     C_NONE,
     NULL,
     0,
     NULL,
     RECV,
     0,
     OK,
     NULL,
     "allows",
     "none",
     NULL},
    {"receive: UWV gets fields the covenant keeps from it",
     HO,
     no_bsn,
     "school",
     OIN_UWV,
     "uwv",
     WO,
     "consent",
     NULL,
     C_NONE,
     NULL,
     0,
     NULL,
     RECV,
     0,
     NO,
     "fields",
     "does not allow UWV to receive in a school-leaver handover for purpose 'warme-overdracht': "
     "/handover_meeting_date, /parents, /qualification_duty, /start_qualification, /travel, "
     "/trusted_person",
     NULL,
     NULL},
    {"receive: a BSN on consent",
     HO,
     NULL,
     "school",
     OIN_GEM,
     "municipality",
     WO,
     "consent",
     NULL,
     C_NONE,
     NULL,
     0,
     NULL,
     RECV,
     0,
     NO,
     "bsn-basis",
     "/young_person/bsn",
     NULL,
     NULL},
    {"receive: a route the covenant does not have",
     HO,
     no_bsn,
     "uwv",
     OIN_GEM,
     "municipality",
     WO,
     "consent",
     NULL,
     C_NONE,
     NULL,
     0,
     NULL,
     RECV,
     0,
     NO,
     "route",
     "from UWV to a municipality",
     NULL,
     NULL},
    {"receive: a BSN on a legal obligation where the covenant allows it",
     DS,
     NULL,
     "uwv",
     OIN_RMC,
     "rmc",
     "rmc-uit-beeld",
     "legal-obligation",
     "Wet SUWI",
     C_NONE,
     NULL,
     0,
     NULL,
     RECV,
     0,
     OK,
     NULL,
     "allows",
     "none",
     NULL},
    {"a covenant that lets the BSN travel for nazorg on a public task: it travels",
     CN,
     cn_bsn,
     "jobcoach",
     OIN_SCHOOL,
     "school",
     "nazorg",
     "public-task",
     "Participatiewet",
     C_NONE,
     NULL,
     0,
     k_bsn_public_task,
     SEND,
     0,
     OK,
     NULL,
     "allows",
     "none",
     NULL},
};

static void
run_case(const struct tcase *c)
{
    struct policy_request r = {0};
    struct policy_result out = {0};
    json_t *form = load(c->form), *consent = NULL, *cov = json_deep_copy(covenant);
    char removed[600];

    if (c->form_mut != NULL)
        c->form_mut(form);
    if (c->consent == C_OK) {
        consent = load("consent-record.json");
        if (c->consent_mut != NULL)
            c->consent_mut(consent);
    }
    if (c->cov_mut != NULL)
        c->cov_mut(cov);
    r.covenant = cov;
    r.cat = cat;
    r.from_oin = c->from_role != NULL && strcmp(c->from_role, "school") == 0         ? OIN_SCHOOL
                 : c->from_role != NULL && strcmp(c->from_role, "municipality") == 0 ? OIN_GEM
                 : c->from_role != NULL && strcmp(c->from_role, "uwv") == 0          ? OIN_UWV
                                                                                     : OIN_JOBCOACH;
    r.from_role = c->from_role;
    r.to_oin = c->to_oin;
    r.to_role = c->to_role;
    r.purpose = c->purpose;
    r.basis = c->basis;
    r.law = c->law;
    r.consent = consent;
    r.consent_withdrawn = c->withdrawn;
    r.form = form;
    r.follow_up = c->follow_up;
    r.now = NOW;
    policy_check(&r, c->side, &out);
    if (out.decision != c->want || (c->rule == NULL) != (out.rule == NULL) ||
        (c->rule != NULL && strcmp(c->rule, out.rule) != 0) ||
        strstr(out.message_en, c->fragment) == NULL ||
        (c->nl != NULL && strstr(out.message_nl, c->nl) == NULL))
        fail_msg("case \"%s\": got %s rule %s: %s / %s", c->name,
                 out.decision == POLICY_ALLOWED ? "allowed" : "refused", out.rule ? out.rule : "-",
                 out.message_en, out.message_nl);
    assert_non_null(out.removed);
    if (c->want == POLICY_ALLOWED && c->removed != NULL) {
        policy_paths_text(out.removed, removed, sizeof removed);
        if (strcmp(removed, c->removed) != 0)
            fail_msg("case \"%s\": removed %s, expected %s", c->name, removed, c->removed);
    }
    if (c->want == POLICY_ALLOWED && c->side == POLICY_SEND) {
        const struct forms_schema *s =
            forms_catalogue_find(cat, json_string_value(json_object_get(form, "$schema")));
        size_t i;
        const json_t *v;

        /* What is sealed is valid, and holds none of the removed paths. */
        assert_non_null(out.form);
        assert_true(forms_valid(s, out.form));
        json_array_foreach (out.removed, i, v) {
            const char *p = json_string_value(v);
            char top[64];

            if (strchr(p + 1, '/') == NULL) {
                snprintf(top, sizeof top, "%s", p + 1);
                assert_null(json_object_get(out.form, top));
            }
        }
    } else {
        assert_null(out.form);
    }
    policy_result_clear(&out);
    json_decref(form);
    json_decref(consent);
    json_decref(cov);
}

static void
test_table(void **state)
{
    size_t i;

    (void)state;
    assert_true(sizeof cases / sizeof cases[0] >= 30);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i]);
}

/* The contact notice shares "that": its categories are identity and contact only, and it keeps
 * every field (there is nothing else in it to strip). */
static void
test_contact_notice_minimal(void **state)
{
    struct policy_request r = {0};
    struct policy_result out = {0};
    json_t *form = load(CN);
    const json_t *v;
    size_t i;

    (void)state;
    r.covenant = covenant;
    r.cat = cat;
    r.from_oin = OIN_JOBCOACH;
    r.from_role = "jobcoach";
    r.to_oin = OIN_SCHOOL;
    r.to_role = "school";
    r.purpose = "nazorg";
    r.basis = "public-task";
    r.law = "Participatiewet";
    r.form = form;
    r.now = NOW;
    policy_check(&r, POLICY_SEND, &out);
    assert_int_equal(out.decision, POLICY_ALLOWED);
    json_array_foreach (out.categories, i, v)
        assert_true(strcmp(json_string_value(v), "identity") == 0 ||
                    strcmp(json_string_value(v), "contact") == 0);
    assert_int_equal(json_array_size(out.categories), 2);
    assert_true(json_equal(out.form, form));
    policy_result_clear(&out);
    json_decref(form);
}

/* Categories and sent paths of the handover to UWV after minimisation; the age is found. */
static void
test_handover_categories(void **state)
{
    struct policy_request r = {0};
    struct policy_result out = {0};
    json_t *form = load(HO), *consent = load("consent-record.json");
    char text[600];

    (void)state;
    no_bsn(form);
    r.covenant = covenant;
    r.cat = cat;
    r.from_oin = OIN_SCHOOL;
    r.from_role = "school";
    r.to_oin = OIN_UWV;
    r.to_role = "uwv";
    r.purpose = WO;
    r.basis = "consent";
    r.consent = consent;
    r.form = form;
    r.now = NOW;
    policy_check(&r, POLICY_SEND, &out);
    assert_int_equal(out.decision, POLICY_ALLOWED);
    assert_int_equal(out.age, 18);
    assert_string_equal(policy_paths_text(out.categories, text, sizeof text),
                        "benefit, contact, education, health, identity, support, work");
    policy_paths_text(out.sent, text, sizeof text);
    assert_null(strstr(text, "/travel"));
    assert_non_null(strstr(text, "/health"));
    policy_result_clear(&out);
    json_decref(form);
    json_decref(consent);
}

static void
test_helpers(void **state)
{
    char name[64], text[16];
    json_t *a = json_pack("[s,s,s]", "/aaaa", "/bbbb", "/cccc");

    (void)state;
    assert_true(policy_form_name("urn:baton:form:contact-notice:1", name, sizeof name));
    assert_string_equal(name, "contact-notice");
    assert_false(policy_form_name("urn:baton:covenant:1", name, sizeof name));
    assert_false(policy_form_name("urn:baton:form:x", name, sizeof name));
    assert_string_equal(policy_paths_text(a, text, sizeof text), "/aaaa, ...");
    json_decref(a);
    a = json_array();
    assert_string_equal(policy_paths_text(a, text, sizeof text), "none");
    json_decref(a);
    assert_int_equal(policy_minor_age(covenant), 16);
    assert_int_equal(policy_minor_both(covenant), 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_contact_notice_minimal),
        cmocka_unit_test(test_handover_categories),
        cmocka_unit_test(test_helpers),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
