/* SPDX-License-Identifier: EUPL-1.2 */
/* The policy engine: the covenant's routes, bases, BSN rule, field lists and the consent rules,
 * applied to one form as pure functions, with the reason of every refusal in Dutch and English. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy.h"

#define FORM_PREFIX "urn:baton:form:"
#define PTR_MAX 600

/* ---- words for people ---- */

struct word {
    const char *code, *en, *nl;
};

static const struct word roles[] = {
    {"school", "a school", "een school"},
    {"municipality", "a municipality", "een gemeente"},
    {"uwv", "UWV", "UWV"},
    {"rmc", "the RMC", "het RMC"},
    {"jobcoach", "a jobcoach organisation", "een jobcoachorganisatie"},
    {"coordinator", "the regional coordinator", "de regiocoördinator"},
};

static const struct word forms_words[] = {
    {"school-leaver-handover", "a school-leaver handover", "een overdracht schoolverlater"},
    {"contact-notice", "a contact notice", "een contactmelding"},
    {"dropout-signal", "a dropout signal", "een signaal uit beeld"},
    {"status-update", "a status update", "een statusupdate"},
    {"consent-record", "a consent record", "een toestemmingsregistratie"},
};

static const struct word categories_words[] = {
    {"identity", "identity", "identiteit"},  {"contact", "contact details", "contactgegevens"},
    {"education", "education", "onderwijs"}, {"work", "work", "werk"},
    {"support", "support", "ondersteuning"}, {"health", "health", "gezondheid"},
    {"benefit", "benefits", "uitkeringen"},  {"bsn", "BSN", "BSN"},
};

static const struct word bases_words[] = {
    {"consent", "consent", "toestemming"},
    {"legal-obligation", "a legal obligation", "een wettelijke verplichting"},
    {"public-task", "a public task", "een publieke taak"},
};

static const char *
word(const struct word *w, size_t n, const char *code, int nl)
{
    size_t i;

    for (i = 0; code != NULL && i < n; i++)
        if (strcmp(w[i].code, code) == 0)
            return nl ? w[i].nl : w[i].en;
    return code != NULL ? code : "?";
}

#define ROLE(c, nl) word(roles, sizeof roles / sizeof roles[0], (c), (nl))
#define FORM(c, nl) word(forms_words, sizeof forms_words / sizeof forms_words[0], (c), (nl))
#define CAT(c, nl)                                                                                 \
    word(categories_words, sizeof categories_words / sizeof categories_words[0], (c), (nl))
#define BASIS(c, nl) word(bases_words, sizeof bases_words / sizeof bases_words[0], (c), (nl))

/* ---- results ---- */

static void
refuse(struct policy_result *out, const char *rule, const char *en, const char *nl)
{
    out->decision = POLICY_REFUSED;
    out->rule = rule;
    snprintf(out->message_en, sizeof out->message_en, "%s", en);
    snprintf(out->message_nl, sizeof out->message_nl, "%s", nl);
}

/* refuse() with printf-style messages: fmt_en and fmt_nl each take their own arguments, so the
 * caller formats them first. */
static const char *fmt(char *buf, size_t size, const char *f, ...)
    __attribute__((format(printf, 3, 4)));

static const char *
fmt(char *buf, size_t size, const char *f, ...)
{
    va_list ap;

    va_start(ap, f);
    vsnprintf(buf, size, f, ap);
    va_end(ap);
    return buf;
}

void
policy_result_clear(struct policy_result *r)
{
    if (r == NULL)
        return;
    json_decref(r->form);
    json_decref(r->removed);
    json_decref(r->sent);
    json_decref(r->categories);
    memset(r, 0, sizeof *r);
}

int
policy_form_name(const char *type, char *out, size_t size)
{
    const char *name, *colon;
    size_t len;

    if (type == NULL || strncmp(type, FORM_PREFIX, strlen(FORM_PREFIX)) != 0)
        return 0;
    name = type + strlen(FORM_PREFIX);
    colon = strchr(name, ':');
    if (colon == NULL || colon == name)
        return 0;
    len = (size_t)(colon - name);
    if (len >= size)
        return 0;
    memcpy(out, name, len);
    out[len] = '\0';
    return 1;
}

const char *
policy_paths_text(const json_t *paths, char *out, size_t size)
{
    size_t i, used = 0;
    const json_t *v;

    if (size == 0)
        return out;
    out[0] = '\0';
    if (json_array_size(paths) == 0) {
        snprintf(out, size, "none");
        return out;
    }
    json_array_foreach (paths, i, v) {
        const char *p = json_string_value(v);
        size_t need = strlen(p != NULL ? p : "") + (i > 0 ? 2 : 0);

        if (used + need + 4 >= size) {
            snprintf(out + used, size - used, "%s...", i > 0 ? ", " : "");
            break;
        }
        used += (size_t)snprintf(out + used, size - used, "%s%s", i > 0 ? ", " : "", p);
    }
    return out;
}

int
policy_minor_age(const json_t *covenant)
{
    const json_t *v = json_object_get(covenant, "minor_age");

    return json_is_integer(v) ? (int)json_integer_value(v) : 16;
}

int
policy_minor_both(const json_t *covenant)
{
    const json_t *v = json_object_get(covenant, "minor_both_consent");

    return json_is_boolean(v) ? json_is_true(v) : 1;
}

/* ---- the covenant ---- */

static const json_t *
find_purpose(const json_t *covenant, const char *id)
{
    const json_t *p;
    size_t i;

    json_array_foreach (json_object_get(covenant, "purposes"), i, p)
        if (id != NULL && json_is_string(json_object_get(p, "id")) &&
            strcmp(json_string_value(json_object_get(p, "id")), id) == 0)
            return p;
    return NULL;
}

static int
has_string(const json_t *array, const char *s)
{
    const json_t *v;
    size_t i;

    json_array_foreach (array, i, v)
        if (s != NULL && json_is_string(v) && strcmp(json_string_value(v), s) == 0)
            return 1;
    return 0;
}

static int
route_in(const json_t *purpose, const char *form, const char *from, const char *to)
{
    const json_t *r;
    size_t i;

    json_array_foreach (json_object_get(purpose, "routes"), i, r) {
        const char *f = json_string_value(json_object_get(r, "form"));
        const char *a = json_string_value(json_object_get(r, "from"));
        const char *b = json_string_value(json_object_get(r, "to"));

        if (f != NULL && a != NULL && b != NULL && strcmp(f, form) == 0 && strcmp(a, from) == 0 &&
            strcmp(b, to) == 0)
            return 1;
    }
    return 0;
}

/* The ids of the purposes with this route, comma-separated, for a hint. */
static void
purposes_with_route(const json_t *covenant, const char *form, const char *from, const char *to,
                    char *out, size_t size)
{
    const json_t *p;
    size_t i, used = 0;

    out[0] = '\0';
    json_array_foreach (json_object_get(covenant, "purposes"), i, p)
        if (route_in(p, form, from, to) && used + 80 < size)
            used += (size_t)snprintf(out + used, size - used, "%s'%.64s'", used ? ", " : "",
                                     json_string_value(json_object_get(p, "id")));
}

/* ---- the form's schema: categories per field ---- */

struct walk {
    const struct forms_catalogue *cat;
    json_t *categories; /* object used as a set */
    json_t *bsn;        /* array of pointers holding a BSN */
    int oom;
};

static void
add_categories(struct walk *w, const json_t *site, const char *path, int *is_bsn)
{
    int depth;

    for (depth = 0; site != NULL && depth < 8; depth++, site = forms_schema_deref(w->cat, site)) {
        const char *c = json_string_value(json_object_get(site, "x-category"));

        if (c == NULL)
            continue;
        if (json_object_set_new(w->categories, c, json_true()) != 0)
            w->oom = 1;
        if (strcmp(c, "bsn") == 0 && !*is_bsn) {
            *is_bsn = 1;
            if (json_array_append_new(w->bsn, json_string(path)) != 0)
                w->oom = 1;
        }
    }
}

/* Appends "/" + the RFC 6901 escape of key to path (of len bytes); 0 when it does not fit. */
static int
ptr_child(char *path, size_t size, const char *key)
{
    size_t n = strlen(path);
    const char *k;

    if (n + 1 >= size)
        return 0;
    path[n++] = '/';
    for (k = key; *k != '\0'; k++) {
        const char *esc = *k == '~' ? "~0" : *k == '/' ? "~1" : NULL;

        if (esc != NULL) {
            if (n + 2 >= size)
                return 0;
            path[n++] = esc[0];
            path[n++] = esc[1];
        } else {
            if (n + 1 >= size)
                return 0;
            path[n++] = *k;
        }
    }
    path[n] = '\0';
    return 1;
}

/* Collects the categories of the fields present in inst (at path, described by site). */
static void
walk_categories(struct walk *w, const json_t *site, const json_t *inst, char *path, int depth)
{
    size_t n = strlen(path), i;
    const char *key;
    const json_t *v;
    int is_bsn = 0;

    if (depth > 32)
        return;
    if (depth > 0)
        add_categories(w, site, path, &is_bsn);
    if (json_is_object(inst)) {
        const json_t *props = forms_schema_keyword(w->cat, site, "properties");

        json_object_foreach ((json_t *)inst, key, v) {
            if (!ptr_child(path, PTR_MAX, key)) {
                w->oom = 1;
                continue;
            }
            walk_categories(w, json_object_get(props, key), v, path, depth + 1);
            path[n] = '\0';
        }
    } else if (json_is_array(inst)) {
        const json_t *items = forms_schema_keyword(w->cat, site, "items");

        json_array_foreach (inst, i, v) {
            char idx[24];

            snprintf(idx, sizeof idx, "%zu", i);
            if (!ptr_child(path, PTR_MAX, idx)) {
                w->oom = 1;
                continue;
            }
            /* A member of an array inherits its categories from the array's site too. */
            walk_categories(w, items, v, path, depth + 1);
            path[n] = '\0';
        }
    }
}

/* Sorted array of the keys of a set object. */
static json_t *
set_to_array(const json_t *set)
{
    json_t *a = json_array();
    const char *key;
    json_t *v;

    if (a == NULL)
        return NULL;
    /* jansson keeps insertion order; sort by inserting in order. */
    json_object_foreach ((json_t *)set, key, v) {
        size_t i = 0;

        while (i < json_array_size(a) && strcmp(json_string_value(json_array_get(a, i)), key) < 0)
            i++;
        if (json_array_insert_new(a, i, json_string(key)) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* ---- minimisation ---- */

/* 1 when path is one of the allowed pointers or below one. */
static int
covered(const json_t *allowed, const char *path)
{
    const json_t *v;
    size_t i;

    json_array_foreach (allowed, i, v) {
        const char *p = json_string_value(v);
        size_t n = strlen(p);

        if (strncmp(path, p, n) == 0 && (path[n] == '\0' || path[n] == '/'))
            return 1;
    }
    return 0;
}

/* 1 when an allowed pointer lies below path. */
static int
ancestor(const json_t *allowed, const char *path)
{
    const json_t *v;
    size_t i, n = strlen(path);

    json_array_foreach (allowed, i, v) {
        const char *p = json_string_value(v);

        if (strncmp(p, path, n) == 0 && p[n] == '/')
            return 1;
    }
    return 0;
}

static void
insert_sorted(json_t *a, const char *s, int *oom)
{
    size_t i = 0;

    while (i < json_array_size(a) && strcmp(json_string_value(json_array_get(a, i)), s) < 0)
        i++;
    if (json_array_insert_new(a, i, json_string(s)) != 0)
        *oom = 1;
}

/* Removes from obj (at path) every member not allowed, recording its pointer; with strip 0 only
 * records. */
static void
minimise(json_t *obj, const json_t *allowed, char *path, int strip, json_t *removed, int *oom)
{
    size_t n = strlen(path);
    const char *key;
    void *tmp;
    json_t *v;

    json_object_foreach_safe (obj, tmp, key, v) {
        if (!ptr_child(path, PTR_MAX, key)) {
            *oom = 1;
            continue;
        }
        if (covered(allowed, path)) {
            /* kept whole */
        } else if (json_is_object(v) && ancestor(allowed, path)) {
            minimise(v, allowed, path, strip, removed, oom);
        } else {
            insert_sorted(removed, path, oom);
            if (strip)
                json_object_del(obj, key);
        }
        path[n] = '\0';
    }
}

/* The covenant's allowed pointers, with "/$schema" and the form's top-level required members
 * added (the catalogue's rule: required fields always travel). New array or NULL. */
static json_t *
allowed_fields(const json_t *list, const json_t *schema)
{
    json_t *a = json_deep_copy(list);
    const json_t *v;
    size_t i;
    char p[PTR_MAX];

    if (a == NULL)
        return NULL;
    if (!has_string(a, "/$schema"))
        json_array_append_new(a, json_string("/$schema"));
    json_array_foreach (json_object_get(schema, "required"), i, v) {
        if (!json_is_string(v))
            continue;
        p[0] = '\0';
        if (ptr_child(p, sizeof p, json_string_value(v)) && !has_string(a, p))
            json_array_append_new(a, json_string(p));
    }
    return a;
}

/* ---- dates ---- */

struct ymd {
    int y, m, d;
};

static int
parse_date(const char *s, struct ymd *out)
{
    if (s == NULL || strlen(s) < 10 || sscanf(s, "%4d-%2d-%2d", &out->y, &out->m, &out->d) != 3)
        return 0;
    return out->m >= 1 && out->m <= 12 && out->d >= 1 && out->d <= 31;
}

static void
today(time_t now, struct ymd *out)
{
    struct tm tm;

    gmtime_r(&now, &tm);
    out->y = tm.tm_year + 1900;
    out->m = tm.tm_mon + 1;
    out->d = tm.tm_mday;
}

static int
ymd_cmp(const struct ymd *a, const struct ymd *b)
{
    if (a->y != b->y)
        return a->y < b->y ? -1 : 1;
    if (a->m != b->m)
        return a->m < b->m ? -1 : 1;
    if (a->d != b->d)
        return a->d < b->d ? -1 : 1;
    return 0;
}

static int
age_at(const struct ymd *born, const struct ymd *now)
{
    int age = now->y - born->y;

    if (now->m < born->m || (now->m == born->m && now->d < born->d))
        age--;
    return age;
}

/* The young person of a form: "young_person", or "subject" of a consent record. */
static const json_t *
person_of(const json_t *form)
{
    const json_t *p = json_object_get(form, "young_person");

    return p != NULL ? p : json_object_get(form, "subject");
}

static const char *
str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* ---- the checks ---- */

static int
check_consent(const struct policy_request *r, const char *form_name, struct policy_result *out)
{
    const json_t *c = r->consent, *v, *person, *subject;
    char en[POLICY_MESSAGE_MAX], nl[POLICY_MESSAGE_MAX], b1[160], b2[160];
    struct ymd now, until, born;
    int minor_age = policy_minor_age(r->covenant), found, young = 0, parent = 0, rep = 0;
    const char *id = str(c, "record_id");
    size_t i;

    (void)form_name;
    if (c == NULL) {
        refuse(out, "consent-missing",
               "The basis is consent, but no consent record was given (or its id is not in this "
               "organisation's consent register). Register the young person's consent first "
               "(baton consent add), then send with its id.",
               "De grondslag is toestemming, maar er is geen toestemmingsregistratie meegegeven "
               "(of het kenmerk staat niet in het toestemmingsregister van deze organisatie). "
               "Registreer eerst de toestemming van de jongere (baton consent add) en verstuur "
               "dan met dat kenmerk.");
        return 0;
    }
    if (id == NULL)
        id = "?";
    today(r->now, &now);
    if (r->consent_withdrawn != 0 || json_object_get(c, "withdrawn_at") != NULL) {
        refuse(out, "consent-withdrawn",
               fmt(en, sizeof en,
                   "Consent %s was withdrawn; nothing may be sent under it any more. Ask for a "
                   "new consent, or use another legal basis if the covenant allows one.",
                   id),
               fmt(nl, sizeof nl,
                   "Toestemming %s is ingetrokken; daaronder mag niets meer worden verstuurd. "
                   "Vraag een nieuwe toestemming, of gebruik een andere grondslag als het "
                   "convenant die toestaat.",
                   id));
        return 0;
    }
    if (parse_date(str(c, "valid_until"), &until) && ymd_cmp(&now, &until) > 0) {
        refuse(out, "consent-expired",
               fmt(en, sizeof en,
                   "Consent %s was valid until %s and has expired. Ask the young person (and a "
                   "parent, for a minor) for a new consent.",
                   id, str(c, "valid_until")),
               fmt(nl, sizeof nl,
                   "Toestemming %s was geldig tot en met %s en is verlopen. Vraag de jongere (en "
                   "bij een minderjarige ook een ouder) om een nieuwe toestemming.",
                   id, str(c, "valid_until")));
        return 0;
    }
    person = person_of(r->form);
    subject = json_object_get(c, "subject");
    if (person != NULL && subject != NULL &&
        (str(person, "date_of_birth") == NULL || str(subject, "date_of_birth") == NULL ||
         strcmp(str(person, "date_of_birth"), str(subject, "date_of_birth")) != 0 ||
         str(person, "last_name") == NULL || str(subject, "last_name") == NULL ||
         strcasecmp(str(person, "last_name"), str(subject, "last_name")) != 0)) {
        refuse(out, "consent-subject",
               fmt(en, sizeof en,
                   "Consent %s is about another young person than this form (the surname or "
                   "date of birth differ). Use the consent of the young person the form is "
                   "about.",
                   id),
               fmt(nl, sizeof nl,
                   "Toestemming %s gaat over een andere jongere dan dit formulier (achternaam "
                   "of geboortedatum verschillen). Gebruik de toestemming van de jongere om wie "
                   "het formulier gaat.",
                   id));
        return 0;
    }
    v = json_object_get(json_object_get(c, "controller"), "oin");
    if (r->from_oin != NULL && json_is_string(v) &&
        strcmp(json_string_value(v), r->from_oin) != 0) {
        refuse(out, "consent-controller",
               fmt(en, sizeof en,
                   "Consent %s was recorded by another organisation (OIN %s); a consent covers "
                   "only what the organisation that asked for it sends.",
                   id, json_string_value(v)),
               fmt(nl, sizeof nl,
                   "Toestemming %s is vastgelegd door een andere organisatie (OIN %s); een "
                   "toestemming geldt alleen voor wat de organisatie die erom vroeg verstuurt.",
                   id, json_string_value(v)));
        return 0;
    }
    found = 0;
    json_array_foreach (json_object_get(c, "recipients"), i, v) {
        const char *oin = str(v, "oin"), *role = str(v, "role");

        if ((oin != NULL && r->to_oin != NULL && strcmp(oin, r->to_oin) == 0) ||
            (oin == NULL && role != NULL && r->to_role != NULL && strcmp(role, r->to_role) == 0))
            found = 1;
    }
    if (!found) {
        refuse(out, "consent-recipient",
               fmt(en, sizeof en,
                   "Consent %s does not name this recipient (OIN %s, %s). The young person "
                   "agreed to share only with the organisations listed in the consent.",
                   id, r->to_oin ? r->to_oin : "?", ROLE(r->to_role, 0)),
               fmt(nl, sizeof nl,
                   "Toestemming %s noemt deze ontvanger niet (OIN %s, %s). De jongere gaf alleen "
                   "toestemming voor delen met de organisaties die in de toestemming staan.",
                   id, r->to_oin ? r->to_oin : "?", ROLE(r->to_role, 1)));
        return 0;
    }
    if (!has_string(json_object_get(c, "purposes"), r->purpose)) {
        refuse(out, "consent-purpose",
               fmt(en, sizeof en,
                   "Consent %s does not cover purpose '%s'. A consent holds only for the "
                   "purposes the young person agreed to.",
                   id, r->purpose),
               fmt(nl, sizeof nl,
                   "Toestemming %s geldt niet voor doel '%s'. Een toestemming geldt alleen voor "
                   "de doelen waarmee de jongere instemde.",
                   id, r->purpose));
        return 0;
    }
    json_array_foreach (out->categories, i, v) {
        const char *cat = json_string_value(v);

        if (!has_string(json_object_get(c, "data_categories"), cat)) {
            refuse(out, "consent-category",
                   fmt(en, sizeof en,
                       "Consent %s does not cover the %s data in this form (category '%s'). "
                       "Leave those fields out, or ask for a consent that covers them.",
                       id, CAT(cat, 0), cat),
                   fmt(nl, sizeof nl,
                       "Toestemming %s dekt de gegevens over %s in dit formulier niet "
                       "(categorie '%s'). Laat die velden weg, of vraag een toestemming die ze "
                       "wel dekt.",
                       id, CAT(cat, 1), cat));
            return 0;
        }
    }
    json_array_foreach (json_object_get(c, "given_by"), i, v) {
        const char *role = str(v, "role");

        if (role == NULL)
            continue;
        young |= strcmp(role, "young-person") == 0;
        parent |= strcmp(role, "parent") == 0 || strcmp(role, "guardian") == 0;
        rep |= strcmp(role, "legal-representative") == 0;
    }
    /* The date of birth: the form's, else the consent's subject's. */
    if (!parse_date(str(person, "date_of_birth"), &born) &&
        !parse_date(str(subject, "date_of_birth"), &born)) {
        refuse(out, "minor-parent",
               "The young person's date of birth is not in the form or the consent, so baton "
               "cannot tell whether a parent had to consent.",
               "De geboortedatum van de jongere staat niet in het formulier of de toestemming; "
               "baton kan dus niet nagaan of een ouder toestemming moest geven.");
        return 0;
    }
    out->age = age_at(&born, &now);
    if (out->age < minor_age) {
        int both = policy_minor_both(r->covenant);

        if (!parent || (both && !young)) {
            snprintf(b1, sizeof b1, "%s",
                     !parent ? (both ? "both the young person and a parent or guardian must "
                                       "consent; no parent or guardian did"
                                     : "a parent or guardian must consent, and none did")
                             : "both the young person and a parent or guardian must consent; "
                               "the young person did not");
            snprintf(b2, sizeof b2, "%s",
                     !parent ? (both ? "moeten de jongere én een ouder of voogd toestemming "
                                       "geven; geen ouder of voogd deed dat"
                                     : "moet een ouder of voogd toestemming geven, en dat "
                                       "gebeurde niet")
                             : "moeten de jongere én een ouder of voogd toestemming geven; de "
                               "jongere deed dat niet");
            refuse(out, "minor-parent",
                   fmt(en, sizeof en,
                       "The young person is %d, younger than %d: under the covenant %s (consent "
                       "%s).",
                       out->age, minor_age, b1, id),
                   fmt(nl, sizeof nl,
                       "De jongere is %d, jonger dan %d: volgens het convenant %s "
                       "(toestemming %s).",
                       out->age, minor_age, b2, id));
            return 0;
        }
    } else if (!young && !rep) {
        refuse(out, "consent-given-by",
               fmt(en, sizeof en,
                   "The young person is %d: their own consent (or their legal representative's) "
                   "is needed; consent %s was given by someone else only.",
                   out->age, id),
               fmt(nl, sizeof nl,
                   "De jongere is %d: de eigen toestemming van de jongere (of van de wettelijk "
                   "vertegenwoordiger) is nodig; toestemming %s is alleen door iemand anders "
                   "gegeven.",
                   out->age, id));
        return 0;
    }
    return 1;
}

void
policy_check(const struct policy_request *r, enum policy_side side, struct policy_result *out)
{
    char name[64], en[POLICY_MESSAGE_MAX], nl[POLICY_MESSAGE_MAX], hint[300], paths[300];
    const char *type = json_string_value(json_object_get(r->form, "$schema"));
    const struct forms_schema *schema = NULL;
    const json_t *purpose, *list, *v;
    json_t *allowed = NULL, *form = NULL, *catset = NULL, *bsn = NULL;
    struct walk w = {0};
    char path[PTR_MAX] = "";
    struct ymd born, now;
    const char *key;
    int oom = 0;
    size_t i;

    memset(out, 0, sizeof *out);
    out->age = -1;
    out->removed = json_array();
    if (out->removed == NULL)
        goto nomem;
    if (!json_is_object(r->form) || !policy_form_name(type, name, sizeof name) ||
        (schema = forms_catalogue_find(r->cat, type)) == NULL) {
        refuse(out, "form", "The form does not name a catalogue form type in \"$schema\".",
               "Het formulier noemt geen formuliersoort uit de catalogus in \"$schema\".");
        return;
    }
    if (parse_date(str(person_of(r->form), "date_of_birth"), &born)) {
        today(r->now, &now);
        out->age = age_at(&born, &now);
    }

    /* Purpose, route, basis. */
    purpose = find_purpose(r->covenant, r->purpose);
    if (purpose == NULL) {
        refuse(out, "purpose",
               fmt(en, sizeof en,
                   "The covenant has no purpose '%s'. Use one of the covenant's purposes (baton "
                   "covenant show lists them).",
                   r->purpose ? r->purpose : ""),
               fmt(nl, sizeof nl,
                   "Het convenant kent geen doel '%s'. Gebruik een van de doelen uit het "
                   "convenant (baton covenant show toont ze).",
                   r->purpose ? r->purpose : ""));
        return;
    }
    if (r->from_role == NULL || r->to_role == NULL ||
        !route_in(purpose, name, r->from_role, r->to_role)) {
        purposes_with_route(r->covenant, name, r->from_role ? r->from_role : "",
                            r->to_role ? r->to_role : "", hint, sizeof hint);
        refuse(out, "route",
               fmt(en, sizeof en,
                   "The covenant does not allow %s from %s to %s for purpose '%s'.%s%s%s",
                   FORM(name, 0), ROLE(r->from_role, 0), ROLE(r->to_role, 0), r->purpose,
                   hint[0] ? " It does for purpose " : "", hint, hint[0] ? "." : ""),
               fmt(nl, sizeof nl,
                   "Het convenant staat niet toe dat %s van %s naar %s gaat voor doel '%s'.%s%s%s",
                   FORM(name, 1), ROLE(r->from_role, 1), ROLE(r->to_role, 1), r->purpose,
                   hint[0] ? " Voor doel " : "", hint, hint[0] ? " wel." : ""));
        return;
    }
    if (!has_string(json_object_get(purpose, "legal_bases"), r->basis)) {
        refuse(out, "basis",
               fmt(en, sizeof en,
                   "The covenant does not allow %s as the legal basis for purpose '%s'.",
                   BASIS(r->basis, 0), r->purpose),
               fmt(nl, sizeof nl, "Het convenant staat %s niet toe als grondslag voor doel '%s'.",
                   BASIS(r->basis, 1), r->purpose));
        return;
    }
    if (strcmp(r->basis, "consent") != 0 && (r->law == NULL || r->law[0] == '\0')) {
        refuse(out, "basis",
               fmt(en, sizeof en,
                   "The basis is %s, but it does not say which law or task it rests on; name "
                   "the law (article) or the task.",
                   BASIS(r->basis, 0)),
               fmt(nl, sizeof nl,
                   "De grondslag is %s, maar er staat niet bij op welke wet of taak die berust; "
                   "noem de wet (het artikel) of de taak.",
                   BASIS(r->basis, 1)));
        return;
    }
    list = json_object_get(json_object_get(json_object_get(purpose, "fields"), name), r->to_role);
    if (json_array_size(list) == 0) {
        refuse(out, "fields",
               fmt(en, sizeof en,
                   "The covenant does not say which fields of %s %s may receive for purpose "
                   "'%s', so nothing may be sent; ask the regional coordinator to complete the "
                   "covenant.",
                   FORM(name, 0), ROLE(r->to_role, 0), r->purpose),
               fmt(nl, sizeof nl,
                   "Het convenant zegt niet welke velden van %s %s mag krijgen voor doel '%s', "
                   "dus er mag niets worden verstuurd; vraag de regiocoördinator het convenant "
                   "aan te vullen.",
                   FORM(name, 1), ROLE(r->to_role, 1), r->purpose));
        return;
    }

    /* The BSN: refused where the covenant does not allow it, never silently stripped. */
    w.cat = r->cat;
    w.categories = json_object();
    w.bsn = json_array();
    if (w.categories == NULL || w.bsn == NULL)
        goto nomem;
    walk_categories(&w, forms_schema_json(schema), r->form, path, 0);
    if (w.oom)
        goto nomem;
    if (json_array_size(w.bsn) > 0 &&
        (strcmp(r->basis, "consent") == 0 ||
         !has_string(json_object_get(purpose, "bsn_allowed_for"), r->basis))) {
        policy_paths_text(w.bsn, paths, sizeof paths);
        refuse(out, "bsn-basis",
               fmt(en, sizeof en,
                   "The form holds a BSN (%s), but the covenant does not allow the BSN for "
                   "purpose '%s' on %s%s. Remove the BSN from the form.",
                   paths, r->purpose, BASIS(r->basis, 0),
                   strcmp(r->basis, "consent") == 0 ? " (consent alone is never a basis for the "
                                                      "BSN)"
                                                    : ""),
               fmt(nl, sizeof nl,
                   "Het formulier bevat een BSN (%s), maar het convenant staat het BSN niet toe "
                   "voor doel '%s' op grond van %s%s. Haal het BSN uit het formulier.",
                   paths, r->purpose, BASIS(r->basis, 1),
                   strcmp(r->basis, "consent") == 0 ? " (toestemming alleen is nooit een "
                                                      "grondslag voor het BSN)"
                                                    : ""));
        goto out;
    }

    /* Minimisation (send) or the fields present that may not be (receive). */
    allowed = allowed_fields(list, forms_schema_json(schema));
    form = json_deep_copy(r->form);
    if (allowed == NULL || form == NULL)
        goto nomem;
    path[0] = '\0';
    minimise(form, allowed, path, side == POLICY_SEND, out->removed, &oom);
    if (oom)
        goto nomem;
    if (side == POLICY_RECEIVE && json_array_size(out->removed) > 0) {
        policy_paths_text(out->removed, paths, sizeof paths);
        refuse(out, "fields",
               fmt(en, sizeof en,
                   "The packet holds fields the covenant does not allow %s to receive in %s "
                   "for purpose '%s': %s.",
                   ROLE(r->to_role, 0), FORM(name, 0), r->purpose, paths),
               fmt(nl, sizeof nl,
                   "Het pakket bevat velden die %s volgens het convenant niet mag krijgen in %s "
                   "voor doel '%s': %s.",
                   ROLE(r->to_role, 1), FORM(name, 1), r->purpose, paths));
        goto out;
    }
    if (side == POLICY_SEND && !forms_valid(schema, form)) {
        refuse(out, "fields",
               fmt(en, sizeof en,
                   "The covenant's field list for %s to %s (purpose '%s') leaves out a field "
                   "the form needs, so the form would arrive incomplete; ask the regional "
                   "coordinator to correct the covenant.",
                   FORM(name, 0), ROLE(r->to_role, 0), r->purpose),
               fmt(nl, sizeof nl,
                   "De veldenlijst van het convenant voor %s aan %s (doel '%s') laat een veld weg "
                   "dat het formulier nodig heeft, zodat het onvolledig zou aankomen; vraag de "
                   "regiocoördinator het convenant te verbeteren.",
                   FORM(name, 1), ROLE(r->to_role, 1), r->purpose));
        goto out;
    }

    /* The categories of what is sent. */
    json_decref(w.categories);
    json_decref(w.bsn);
    w.categories = json_object();
    w.bsn = json_array();
    if (w.categories == NULL || w.bsn == NULL)
        goto nomem;
    path[0] = '\0';
    walk_categories(&w, forms_schema_json(schema), form, path, 0);
    out->categories = set_to_array(w.categories);
    out->sent = json_array();
    if (w.oom || out->categories == NULL || out->sent == NULL)
        goto nomem;
    json_object_foreach (form, key, v) {
        path[0] = '\0';
        ptr_child(path, sizeof path, key);
        insert_sorted(out->sent, path, &oom);
    }
    if (oom)
        goto nomem;

    /* A contact notice shares "that", never "what". */
    if (strcmp(name, "contact-notice") == 0) {
        json_array_foreach (out->categories, i, v) {
            const char *c = json_string_value(v);

            if (strcmp(c, "identity") != 0 && strcmp(c, "contact") != 0 && strcmp(c, "bsn") != 0) {
                refuse(out, "contact-notice",
                       fmt(en, sizeof en,
                           "A contact notice shares only that an organisation is in contact "
                           "with the young person, never what about; this one would share %s "
                           "data (category '%s').",
                           CAT(c, 0), c),
                       fmt(nl, sizeof nl,
                           "Een contactmelding deelt alleen dát een organisatie contact heeft "
                           "met de jongere, nooit waarover; deze zou gegevens over %s delen "
                           "(categorie '%s').",
                           CAT(c, 1), c));
                goto out;
            }
        }
    }

    if (side == POLICY_SEND && strcmp(r->basis, "consent") == 0 &&
        !(r->follow_up && r->consent == NULL) && !check_consent(r, name, out))
        goto out;

    out->decision = POLICY_ALLOWED;
    out->rule = NULL;
    if (side == POLICY_SEND) {
        out->form = form;
        form = NULL;
    }
    snprintf(out->message_en, sizeof out->message_en,
             "The covenant allows %s from %s to %s for purpose '%s' on %s.", FORM(name, 0),
             ROLE(r->from_role, 0), ROLE(r->to_role, 0), r->purpose, BASIS(r->basis, 0));
    snprintf(out->message_nl, sizeof out->message_nl,
             "Het convenant staat toe dat %s van %s naar %s gaat voor doel '%s' op grond van %s.",
             FORM(name, 1), ROLE(r->from_role, 1), ROLE(r->to_role, 1), r->purpose,
             BASIS(r->basis, 1));
    goto out;

nomem:
    json_decref(out->form);
    out->form = NULL;
    refuse(out, "form", "Out of memory while applying the covenant; nothing was sent.",
           "Onvoldoende geheugen bij het toepassen van het convenant; er is niets verstuurd.");
out:
    if (out->decision == POLICY_REFUSED) {
        json_decref(out->form);
        out->form = NULL;
    }
    json_decref(w.categories);
    json_decref(w.bsn);
    json_decref(allowed);
    json_decref(form);
    json_decref(catset);
    json_decref(bsn);
}
