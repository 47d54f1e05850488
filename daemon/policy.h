/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * The policy engine (internal to the daemon library): pure functions (no I/O, no clock, no
 * store) that decide from the covenant whether a form may travel from one organisation to
 * another for a purpose on a legal basis, with or without a consent record, and which of its
 * fields the recipient may have. Every refusal names its rule and says why in Dutch and English.
 *
 * Threads: everything here reads only its arguments; call it from any thread.
 */
#ifndef BATON_DAEMON_POLICY_H
#define BATON_DAEMON_POLICY_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "forms.h"

/* Longest message of a decision, in each language. */
#define POLICY_MESSAGE_MAX 700

/* The rule ids a refusal names (the "rule" member of the admin API's 422, the audit detail):
 *   "route"              the covenant has no route for this form from the sender's role to the
 *                        recipient's role for this purpose (also: an unknown role)
 *   "purpose"            the purpose is not one of the covenant's
 *   "basis"              the basis is not one the covenant allows for the purpose, or the law or
 *                        task a legal-obligation / public-task basis rests on is missing
 *   "fields"             the covenant lists no fields for this recipient role and form, or the
 *                        minimised form lacks a field its schema requires (a covenant error), or
 *                        (on receive) a field arrived that the covenant does not allow
 *   "bsn-basis"          a BSN is in the form but the covenant does not allow it for this purpose
 *                        and basis (it is refused, not silently stripped: the message names where)
 *   "contact-notice"     a contact notice would share more than "that" (a category beyond identity
 *                        and contact)
 *   "consent-missing"    basis consent without a consent record (or an unknown consent id)
 *   "consent-subject"    the consent is about another young person than the form
 *   "consent-controller" the consent was recorded by another organisation than the sender
 *   "consent-expired"    the consent's valid_until has passed
 *   "consent-withdrawn"  the consent was withdrawn
 *   "consent-recipient"  the consent does not name the recipient (by OIN or by role)
 *   "consent-purpose"    the consent does not cover the purpose
 *   "consent-category"   the consent does not cover a category of data the form would send
 *   "minor-parent"       the young person is under the covenant's minor_age and no parent or
 *                        guardian consented, or (minor_both_consent) the young person did not
 *   "consent-given-by"   an adult's consent was not given by the young person or their legal
 *                        representative
 *   "form"               the form has no catalogue type, or is not an object (a bug upstream:
 *                        the daemon validates before asking)
 */

enum policy_decision {
    POLICY_ALLOWED = 0,
    POLICY_REFUSED = 1,
};

/* Which side asks: the sender before sealing (everything, with the consent and minimisation),
 * or the recipient on an opened packet (defence in depth: route, purpose, basis, BSN and no
 * field present that the covenant does not allow; the consent record is not available there). */
enum policy_side {
    POLICY_SEND = 0,
    POLICY_RECEIVE = 1,
};

/* What is asked. Everything borrowed. */
struct policy_request {
    const json_t *covenant;            /* the verified covenant's claims (urn:baton:covenant:1) */
    const struct forms_catalogue *cat; /* compiled catalogue: the form schemas with x-category */
    const char *from_oin, *from_role;  /* the sender, its role in the directory */
    const char *to_oin, *to_role;      /* the recipient, its role in the directory */
    const char *purpose;               /* a covenant purpose id */
    const char *basis;                 /* "consent", "legal-obligation" or "public-task" */
    const char *law;                   /* the law or task (other bases); NULL for consent */
    const json_t *consent;             /* basis consent: the consent-record form (as registered),
                                          or NULL when none was given or the id is unknown */
    time_t consent_withdrawn;          /* the register's withdrawn_at (0: not withdrawn); the
                                          record's own "withdrawn_at" counts too */
    int follow_up;                     /* 1: a follow-up (status update) back to the sender of a
                                          packet we received: under consent the record is kept
                                          by that sender (its controller), so a missing record
                                          is no refusal here (the sender's daemon holds it);
                                          every other rule applies */
    const json_t *form;                /* the form, valid against its schema */
    time_t now;                        /* the time of the decision (dates compare in UTC) */
};

/* The decision. Clear with policy_result_clear. */
struct policy_result {
    enum policy_decision decision;
    const char *rule; /* static string: one of the ids above; NULL when allowed */
    char message_en[POLICY_MESSAGE_MAX];
    char message_nl[POLICY_MESSAGE_MAX];
    /* Allowed (send side): the minimised form to seal (new reference). Receive side: NULL. */
    json_t *form;
    /* Allowed: the JSON Pointers removed by minimisation, sorted (paths, never values); for a
     * refusal on receive with rule "fields": the pointers present that are not allowed. Always an
     * array (maybe empty) unless out of memory. */
    json_t *removed;
    /* Allowed: the top-level JSON Pointers sent (after minimisation), sorted. */
    json_t *sent;
    /* Allowed: the data categories (x-category) of the fields sent, sorted, unique. */
    json_t *categories;
    /* The young person's age in whole years at now, or -1 when no date of birth was found. */
    int age;
};

/* Decides r for side into *out (which it initialises). Never fails: out of memory is a refusal
 * with rule "form" and a message that says so. */
void policy_check(const struct policy_request *r, enum policy_side side, struct policy_result *out);

/* Releases what policy_check put in r (the JSON values); the struct may be reused. */
void policy_result_clear(struct policy_result *r);

/* The form name of a form type: "urn:baton:form:contact-notice:1" -> "contact-notice" into out;
 * 0 when type is not a catalogue form type. */
int policy_form_name(const char *type, char *out, size_t size);

/* A comma-separated text of the pointers in an array (for audit details), at most size bytes
 * (ending in "..." when cut). "none" for an empty array. */
const char *policy_paths_text(const json_t *paths, char *out, size_t size);

/* The covenant's minor_age (default 16) and minor_both_consent (default true). */
int policy_minor_age(const json_t *covenant);
int policy_minor_both(const json_t *covenant);

#endif
