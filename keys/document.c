/* SPDX-License-Identifier: EUPL-1.2 */
/* The signed network documents, directory and covenant: signing one as the regional coordinator,
 * and the checks that every daemon runs, in order, before it trusts one. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "keys_int.h"

/* A coordinator key file holds one JWK, a set of a few during a rotation, or an organisation's
 * directory entry: each is well under 4 KiB, so 64 KiB is room to spare and a bound on reading. */
#define KEYFILE_MAX_BYTES (64u * 1024u)
#define DAY_S 86400
/* Dutch civil time: CET is UTC+1, CEST (summer) UTC+2. */
#define CET_OFFSET_S 3600
#define CEST_OFFSET_S 7200
/* Room for a document's text (a JSON Pointer, a schema message) quoted in a message. */
#define CLEAN_MAX 160

/* What tells the two documents apart, and where each keeps its validity period. */
struct doc_kind {
    const char *name;   /* "directory": in messages */
    const char *schema; /* its "$schema", a catalogue "$id" */
    const char *typ;    /* its JWS typ */
    const char *start;  /* member: first moment (or day) it holds */
    const char *end;    /* member: last moment (or day) it holds */
    int days;           /* 1: start and end are calendar dates (Dutch days), 0: date-times */
};

static const struct doc_kind kinds[] = {
    {"directory", "urn:baton:directory:1", KEYS_TYP_DIRECTORY, "issued", "expires", 0},
    {"covenant", "urn:baton:covenant:1", KEYS_TYP_COVENANT, "valid_from", "valid_until", 1},
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

static const struct doc_kind *
kind_by_typ(const char *typ)
{
    size_t i;

    for (i = 0; typ != NULL && i < NKINDS; i++)
        if (strcmp(kinds[i].typ, typ) == 0)
            return &kinds[i];
    return NULL;
}

static const struct doc_kind *
kind_by_schema(const char *schema)
{
    size_t i;

    for (i = 0; schema != NULL && i < NKINDS; i++)
        if (strcmp(kinds[i].schema, schema) == 0)
            return &kinds[i];
    return NULL;
}

/* The other kind: for telling that a covenant was given where a directory was expected. */
static const struct doc_kind *
other_kind(const struct doc_kind *k)
{
    return k == &kinds[0] ? &kinds[1] : &kinds[0];
}

const char *
keys_clean_text(const char *s, char *out, size_t max)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    for (; *p != '\0' && i < max; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            out[i++] = '?';
        } else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
            out[i++] = '?'; /* U+0080..U+009F: C1 controls, which some terminals obey */
            p++;
        } else {
            out[i++] = (char)*p;
        }
    }
    if (*p != '\0') {
        /* Cut at a character's start: drop continuation bytes, then their lead byte. */
        if (((unsigned char)*p & 0xc0) == 0x80) {
            while (i > 0 && ((unsigned char)out[i - 1] & 0xc0) == 0x80)
                i--;
            if (i > 0 && (unsigned char)out[i - 1] >= 0xc0)
                i--;
        }
        memcpy(out + i, "...", 3);
        i += 3;
    }
    out[i] = '\0';
    return out;
}

static const char *
clean(const char *s, char out[CLEAN_MAX + 4])
{
    return keys_clean_text(s, out, CLEAN_MAX);
}

/* Validates doc against its kind's schema in cat; KEYS_ESCHEMA names the first error, where it
 * is and what the schema says about it. which: "the directory", "the signed covenant". */
static enum keys_status
check_schema(const struct doc_kind *k, const struct forms_catalogue *cat, const json_t *doc,
             const char *which, struct keys_err *err)
{
    const struct forms_schema *schema = cat != NULL ? forms_catalogue_find(cat, k->schema) : NULL;
    struct forms_result res = {0, NULL};
    struct forms_err ferr = {0};
    char loc[CLEAN_MAX + 4], msg[CLEAN_MAX + 4], more[64] = "";
    const struct forms_error *e;
    enum forms_status fst;
    enum keys_status st;
    const char *text;

    if (schema == NULL)
        return keys_fail(err, KEYS_EINVAL,
                         "the form catalogue has no compiled schema %s: add baton's built-in "
                         "catalogue (forms_catalogue_add_builtin) and compile it",
                         k->schema);
    fst = forms_validate(schema, doc, &res, &ferr);
    if (fst == FORMS_OK) {
        st = KEYS_OK;
    } else if (fst == FORMS_EINVALID && res.count > 0) {
        e = &res.errors[0];
        text = e->message[FORMS_LANG_EN] != NULL   ? e->message[FORMS_LANG_EN]
               : e->message[FORMS_LANG_NL] != NULL ? e->message[FORMS_LANG_NL]
                                                   : e->keyword;
        if (res.count > 1)
            snprintf(more, sizeof more, " (the first of %zu errors)", res.count);
        st = keys_fail(err, KEYS_ESCHEMA, "%s does not conform to its schema %s: at %s: %s%s",
                       which, k->schema,
                       e->instance_location[0] != '\0' ? clean(e->instance_location, loc)
                                                       : "(top level)",
                       clean(text, msg), more);
    } else if (fst == FORMS_ENOMEM) {
        st = keys_fail(err, KEYS_ENOMEM, "out of memory validating %s", which);
    } else {
        st = keys_fail(err, KEYS_ESCHEMA, "%s could not be validated: %s", which, ferr.text);
    }
    forms_result_clear(&res);
    return st;
}

static int64_t
floor_div(int64_t a, int64_t b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* The day number (days since 1970-01-01) of the RFC 3339 date-time text. */
static enum keys_status
day_number(const char *text, int64_t *day, struct keys_err *err)
{
    time_t t;
    enum keys_status st = keys_time_parse(text, &t, "date", err);

    if (st == KEYS_OK)
        *day = floor_div((int64_t)t, DAY_S);
    return st;
}

/* The day number of the last Sunday of month (March or October, both of 31 days) of year. */
static enum keys_status
last_sunday(const char *year, const char *month, int64_t *day, struct keys_err *err)
{
    char text[32];
    enum keys_status st;
    int64_t d31;

    snprintf(text, sizeof text, "%.4s-%s-31T00:00:00Z", year, month);
    st = day_number(text, &d31, err);
    if (st == KEYS_OK)
        *day = d31 - (((d31 + 4) % 7) + 7) % 7; /* day 0, 1970-01-01, was a Thursday (4) */
    return st;
}

/*
 * The covenant's dates are Dutch calendar days, since the covenant is a Dutch agreement: the
 * moment (UTC) at which the day `add` days after date (YYYY-MM-DD) begins in the Netherlands.
 * Summer time runs from the last Sunday of March to the last Sunday of October (EU directive
 * 2000/84/EC, switching at 01:00 UTC), so midnight of the days in between is at UTC+2, of the
 * others at UTC+1. add is 0 or 1, and the day after 31 December is in winter time whatever the
 * year, so the year of date decides.
 */
static enum keys_status
dutch_day_start(const char *date, int add, const char *what, time_t *out, struct keys_err *err)
{
    char text[32], q[KEYS_QUOTE_MAX + 4];
    struct keys_err e = {0};
    int64_t day, march, october;
    enum keys_status st;
    int summer;

    if (strlen(date) != 10)
        return keys_fail(err, KEYS_ESCHEMA, "%s \"%s\" is not a date such as 2025-08-01", what,
                         keys_quote(date, q));
    snprintf(text, sizeof text, "%sT00:00:00Z", date);
    st = day_number(text, &day, &e);
    if (st == KEYS_OK)
        st = last_sunday(date, "03", &march, &e);
    if (st == KEYS_OK)
        st = last_sunday(date, "10", &october, &e);
    if (st != KEYS_OK)
        return keys_fail(err, KEYS_ESCHEMA, "%s \"%s\" is not a date such as 2025-08-01 (%s)", what,
                         keys_quote(date, q), e.text);
    day += add;
    summer = day > march && day <= october;
    *out = (time_t)(day * DAY_S - (summer ? CEST_OFFSET_S : CET_OFFSET_S));
    return KEYS_OK;
}

/* A document's validity: from first to last, both inclusive, in seconds; texts as written. */
struct period {
    time_t first, last;
    const char *first_text, *last_text;
};

static enum keys_status
doc_period(const struct doc_kind *k, const json_t *doc, struct period *p, struct keys_err *err)
{
    struct keys_err e = {0};
    enum keys_status st;

    p->first_text = json_string_value(json_object_get(doc, k->start));
    p->last_text = json_string_value(json_object_get(doc, k->end));
    if (p->first_text == NULL || p->last_text == NULL)
        return keys_fail(err, KEYS_ESCHEMA, "the %s has no %s or no %s", k->name, k->start, k->end);
    if (k->days) {
        st = dutch_day_start(p->first_text, 0, k->start, &p->first, err);
        if (st != KEYS_OK)
            return st;
        st = dutch_day_start(p->last_text, 1, k->end, &p->last, err);
        if (st != KEYS_OK)
            return st;
        p->last -= 1; /* the last day holds until its last second */
        return KEYS_OK;
    }
    /* The schema checked the format; this only fails where time_t cannot count that far. */
    if (keys_time_parse(p->first_text, &p->first, k->start, &e) != KEYS_OK ||
        keys_time_parse(p->last_text, &p->last, k->end, &e) != KEYS_OK)
        return keys_fail(err, KEYS_ESCHEMA, "the %s's %s", k->name, e.text);
    return KEYS_OK;
}

/* What the schema cannot say: a period that ends after it begins, and for a directory the
 * consistency of its members and keys (keys_directory_index, which makes *dir when asked). */
static enum keys_status
check_content(const struct doc_kind *k, const json_t *doc, struct period *p,
              struct keys_directory **dir, struct keys_err *err)
{
    enum keys_status st;

    st = doc_period(k, doc, p, err);
    if (st != KEYS_OK)
        return st;
    if (p->first > p->last)
        return keys_fail(err, KEYS_ESCHEMA, "the %s ends (%s %s) before it begins (%s %s)", k->name,
                         k->end, p->last_text, k->start, p->first_text);
    if (k == &kinds[0])
        return keys_directory_index(doc, dir, err);
    return KEYS_OK;
}

/* The refusal of a document outside its validity period, with what to do about it. */
static enum keys_status
check_period(const struct doc_kind *k, const struct period *p, time_t now, struct keys_err *err)
{
    char nowt[KEYS_TIME_LEN + 1];

    keys_time_format(now, nowt);
    if (now < p->first) {
        if (k->days)
            return keys_fail(err, KEYS_EEXPIRED,
                             "the covenant takes effect on %s (Dutch time) and it is now %s; "
                             "until then the previous covenant applies, or check this "
                             "computer's clock",
                             p->first_text, nowt);
        return keys_fail(err, KEYS_EEXPIRED,
                         "the directory is not valid yet: it is issued for %s and it is now %s; "
                         "check this computer's clock",
                         p->first_text, nowt);
    }
    if (now > p->last) {
        if (k->days)
            return keys_fail(err, KEYS_EEXPIRED,
                             "the covenant ended on %s (its last day, Dutch time); ask the "
                             "regional coordinator for the new covenant",
                             p->last_text);
        return keys_fail(err, KEYS_EEXPIRED,
                         "the directory expired on %s; ask the regional coordinator for a new one",
                         p->last_text);
    }
    return KEYS_OK;
}

enum keys_status
keys_document_within(const json_t *doc, const char *typ, time_t now, struct keys_err *err)
{
    const struct doc_kind *k = kind_by_typ(typ);
    enum keys_status st;
    struct period p;

    if (k == NULL || !json_is_object(doc))
        return keys_fail(err, KEYS_EINVAL, "keys_document_within: not a directory or covenant");
    st = doc_period(k, doc, &p, err);
    return st != KEYS_OK ? st : check_period(k, &p, now, err);
}

enum keys_status
keys_document_sign(const struct keys_sign_key *coordinator, const struct forms_catalogue *cat,
                   const json_t *doc, char **out, size_t *out_len, struct keys_err *err)
{
    char q[KEYS_QUOTE_MAX + 4], which[32];
    const struct doc_kind *k;
    enum keys_status st;
    struct period p;
    const char *schema;
    char *text = NULL;

    if (coordinator == NULL || cat == NULL || doc == NULL || out == NULL || out_len == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_document_sign: NULL argument");
    if (!json_is_object(doc))
        return keys_fail(err, KEYS_ESCHEMA, "a directory or covenant must be a JSON object");
    if (json_object_get(doc, "$schema") == NULL)
        return keys_fail(err, KEYS_ESCHEMA,
                         "the document has no \"$schema\" saying what it is: a directory has "
                         "\"$schema\": \"%s\", a covenant \"$schema\": \"%s\"",
                         kinds[0].schema, kinds[1].schema);
    schema = json_string_value(json_object_get(doc, "$schema"));
    k = kind_by_schema(schema);
    if (k == NULL)
        return keys_fail(err, KEYS_ESCHEMA,
                         "the document's \"$schema\" %s is neither a directory's (\"%s\") nor a "
                         "covenant's (\"%s\"); only those are signed this way",
                         schema != NULL ? keys_quote(schema, q) : "(not a string)", kinds[0].schema,
                         kinds[1].schema);
    snprintf(which, sizeof which, "the %s", k->name);
    st = check_schema(k, cat, doc, which, err);
    if (st != KEYS_OK)
        return st;
    st = check_content(k, doc, &p, NULL, err);
    if (st != KEYS_OK)
        return st;
    /* Compact JSON, members sorted (keys/PACKETS.md section 1): the same document always gives
     * the same bytes, so a re-signed, unchanged document is recognisably the same. */
    text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    if (text == NULL)
        return keys_fail(err, KEYS_ENOMEM, "out of memory serializing the %s", k->name);
    st = keys_jws_sign(coordinator, k->typ, (const unsigned char *)text, strlen(text), out, out_len,
                       err);
    free(text);
    return st;
}

/* The lookup that knows only the coordinator's keys, and remembers which kid was asked for, so
 * that a refusal can name it. */
struct coordinator_keys {
    const struct keys_pub *keys;
    size_t n;
    char asked[KEYS_KID_LEN + 1];
};

static int
find_coordinator_key(void *ctx, const char *kid, struct keys_pub *out)
{
    struct coordinator_keys *c = ctx;
    size_t i;

    snprintf(c->asked, sizeof c->asked, "%s", kid);
    for (i = 0; i < c->n; i++)
        if (strcmp(c->keys[i].kid, kid) == 0) {
            *out = c->keys[i];
            return 1;
        }
    return 0;
}

static int
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* keys_jws_verify's refusal, said in terms of the document. */
static enum keys_status
jws_refusal(const struct doc_kind *k, const struct coordinator_keys *c, const struct keys_err *e,
            struct keys_err *err)
{
    const struct doc_kind *other = other_kind(k);
    char actual[64];

    switch (e->status) {
    case KEYS_EKID:
        if (c->asked[0] != '\0')
            return keys_fail(err, KEYS_EKID,
                             "the %s is signed by a key that is not the regional coordinator's "
                             "(kid %s); if the coordinator has a new key, add it to the "
                             "coordinator's keys this computer trusts",
                             k->name, c->asked);
        break;
    case KEYS_ETYP:
        snprintf(actual, sizeof actual, "typ \"%s\" is not", other->typ);
        if (strstr(e->text, actual) != NULL)
            return keys_fail(err, KEYS_ETYP, "this is a signed %s, not a %s (%s)", other->name,
                             k->name, e->text);
        break;
    case KEYS_EBADSIG:
        return keys_fail(err, KEYS_EBADSIG,
                         "the %s's signature does not verify: it was changed after the "
                         "coordinator signed it, or damaged (%s)",
                         k->name, e->text);
    default:
        break;
    }
    return keys_fail(err, e->status, "signed %s refused: %s", k->name, e->text);
}

enum keys_status
keys_document_open(const char *jws, size_t len, const char *typ,
                   const struct keys_pub *coordinators, size_t n_coordinators,
                   const struct forms_catalogue *cat, time_t now, json_t **doc_out,
                   struct keys_directory **dir_out, struct keys_err *err)
{
    const struct forms_limits lim = {.max_bytes = KEYS_MAX_PACKET, .max_depth = 0};
    struct coordinator_keys c = {coordinators, n_coordinators, ""};
    const struct keys_sign_lookup lookup = {find_coordinator_key, &c};
    struct keys_jws_verified v = {0};
    struct keys_directory *dir = NULL;
    struct forms_err ferr = {0};
    struct keys_err e = {0};
    char q[KEYS_QUOTE_MAX + 4], which[40];
    const struct doc_kind *k = kind_by_typ(typ), *named;
    const char *schema;
    enum keys_status st;
    struct period p;
    json_t *doc = NULL;

    if (k == NULL)
        return keys_fail(err, KEYS_EINVAL,
                         "keys_document_verify: typ must be KEYS_TYP_DIRECTORY or "
                         "KEYS_TYP_COVENANT");
    if (jws == NULL || coordinators == NULL || n_coordinators == 0 || cat == NULL ||
        doc_out == NULL)
        return keys_fail(err, KEYS_EINVAL,
                         "keys_document_verify: NULL argument or no coordinator key");
    /* A document is a file, and files end with a newline. */
    while (len > 0 && is_space(jws[0])) {
        jws++;
        len--;
    }
    while (len > 0 && is_space(jws[len - 1]))
        len--;
    if (len > 0 && jws[0] == '{')
        return keys_fail(err, KEYS_EUNSIGNED,
                         "the %s is plain JSON, not signed: a %s must be signed by the regional "
                         "coordinator (baton %s sign)",
                         k->name, k->name, k->name);

    st = keys_jws_verify(jws, len, k->typ, &lookup, &v, &e);
    if (st != KEYS_OK)
        return jws_refusal(k, &c, &e, err);

    /* Signed by the coordinator, and still checked like any input: the coordinator's tools may
     * have a bug, and its key may have been misused. */
    if (forms_parse((const char *)v.payload, v.payload_len, &lim, &doc, &ferr) != FORMS_OK) {
        st = ferr.status == FORMS_ENOMEM
                 ? keys_fail(err, KEYS_ENOMEM, "out of memory reading the signed %s", k->name)
                 : keys_fail(err, KEYS_ESCHEMA, "the signed %s's content is not strict JSON: %s",
                             k->name, ferr.text);
        goto out;
    }
    if (!json_is_object(doc)) {
        st = keys_fail(err, KEYS_ESCHEMA, "the signed %s's content is not a JSON object", k->name);
        goto out;
    }
    schema = json_string_value(json_object_get(doc, "$schema"));
    named = kind_by_schema(schema);
    if (named != NULL && named != k) {
        st = keys_fail(err, KEYS_ETYP,
                       "the signed document says it is a %s (\"$schema\": \"%s\") but is signed "
                       "as a %s (typ %s); the two must agree",
                       named->name, named->schema, k->name, k->typ);
        goto out;
    }
    if (named == NULL) {
        st = keys_fail(err, KEYS_ESCHEMA,
                       "the signed %s's \"$schema\" is %s, not \"%s\"; baton signs only "
                       "documents that name their schema",
                       k->name,
                       schema != NULL                            ? keys_quote(schema, q)
                       : json_object_get(doc, "$schema") == NULL ? "missing"
                                                                 : "not a string",
                       k->schema);
        goto out;
    }
    snprintf(which, sizeof which, "the signed %s", k->name);
    st = check_schema(k, cat, doc, which, err);
    if (st != KEYS_OK)
        goto out;
    st = check_content(k, doc, &p, dir_out != NULL ? &dir : NULL, err);
    if (st != KEYS_OK)
        goto out;
    st = check_period(k, &p, now, err);
    if (st != KEYS_OK)
        goto out;
    *doc_out = doc;
    doc = NULL;
    if (dir_out != NULL) {
        *dir_out = dir;
        dir = NULL;
    }
out:
    keys_directory_free(dir);
    json_decref(doc);
    keys_jws_verified_clear(&v);
    return st;
}

enum keys_status
keys_document_verify(const char *jws, size_t len, const char *typ,
                     const struct keys_pub *coordinators, size_t n_coordinators,
                     const struct forms_catalogue *cat, time_t now, json_t **out,
                     struct keys_err *err)
{
    return keys_document_open(jws, len, typ, coordinators, n_coordinators, cat, now, out, NULL,
                              err);
}

/* Reads at most KEYFILE_MAX_BYTES of the file at path into a new NUL-terminated buffer. */
static enum keys_status
read_small_file(const char *path, char **out, size_t *out_len, struct keys_err *err)
{
    enum keys_status st = KEYS_OK;
    size_t len, n;
    FILE *f;
    char *buf;

    f = fopen(path, "rb");
    if (f == NULL)
        return keys_fail(err, KEYS_EIO, "cannot open the key file %.200s: %s", path,
                         strerror(errno));
    buf = malloc(KEYFILE_MAX_BYTES + 2);
    if (buf == NULL) {
        fclose(f);
        return keys_fail(err, KEYS_ENOMEM, "out of memory reading %.200s", path);
    }
    len = 0;
    while ((n = fread(buf + len, 1, KEYFILE_MAX_BYTES + 1 - len, f)) > 0)
        len += n;
    if (ferror(f))
        st = keys_fail(err, KEYS_EIO, "cannot read the key file %.200s: %s", path, strerror(errno));
    else if (len > KEYFILE_MAX_BYTES)
        st = keys_fail(err, KEYS_ETOOBIG,
                       "the key file %.200s is larger than %u bytes; a JWK or JWK Set is a "
                       "few hundred",
                       path, KEYFILE_MAX_BYTES);
    fclose(f);
    if (st != KEYS_OK) {
        free(buf);
        return st;
    }
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    return KEYS_OK;
}

enum keys_status
keys_sign_pub_read_file(const char *path, struct keys_pub *out, size_t max, size_t *n,
                        struct keys_err *err)
{
    enum keys_status st = KEYS_OK;
    struct keys_err e = {0};
    struct keys_pub pub;
    json_error_t jerr;
    json_t *doc = NULL, *set = NULL, *jwk;
    const json_t *jwks;
    const char *use, *crv;
    size_t len = 0, i, j, got = 0;
    char *text = NULL;

    if (path == NULL || (out == NULL && max > 0) || n == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_sign_pub_read_file: NULL argument");
    st = read_small_file(path, &text, &len, err);
    if (st != KEYS_OK)
        return st;
    doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL || !json_is_object(doc)) {
        st = doc == NULL ? keys_fail(err, KEYS_EJWK, "%.200s is not JSON: line %d: %s", path,
                                     jerr.line, jerr.text)
                         : keys_fail(err, KEYS_EJWK, "%.200s is not a JSON object", path);
        goto out;
    }
    /* One JWK, a JWK Set, or a directory entry whose "jwks" is the set: always a list here. */
    jwks = json_object_get(doc, "jwks");
    if (json_object_get(doc, "keys") != NULL)
        set = json_incref(json_object_get(doc, "keys"));
    else if (json_is_object(jwks))
        set = json_incref(json_object_get(jwks, "keys"));
    else if (json_object_get(doc, "kty") != NULL)
        set = json_pack("[O]", doc);
    if (!json_is_array(set)) {
        st = keys_fail(err, KEYS_EJWK,
                       "%.200s holds neither a JWK, nor a JWK Set {\"keys\": [...]}, nor a "
                       "directory entry with \"jwks\"; give the coordinator's public key",
                       path);
        goto out;
    }
    json_array_foreach (set, i, jwk) {
        if (json_object_get(jwk, "d") != NULL) {
            st = keys_fail(err, KEYS_EJWK,
                           "%.200s: key %zu is a private key (member d); give the coordinator's "
                           "public key, and keep the private one secret",
                           path, i + 1);
            goto out;
        }
    }
    json_array_foreach (set, i, jwk) {
        use = json_string_value(json_object_get(jwk, "use"));
        crv = json_string_value(json_object_get(jwk, "crv"));
        if ((use != NULL && strcmp(use, "sig") != 0) || (crv != NULL && strcmp(crv, "X25519") == 0))
            continue; /* an encryption key of the entry: not for verifying */
        st = keys_sign_pub_from_jwk(jwk, &pub, &e);
        if (st != KEYS_OK) {
            st = keys_fail(err, st, "%.200s: key %zu: %s", path, i + 1, e.text);
            goto out;
        }
        for (j = 0; j < got; j++)
            if (strcmp(out[j].kid, pub.kid) == 0)
                break;
        if (j < got)
            continue; /* listed twice: once is enough */
        if (got == max) {
            st = keys_fail(err, KEYS_ETOOBIG, "%.200s lists more than %zu signing keys", path, max);
            goto out;
        }
        out[got++] = pub;
    }
    if (got == 0) {
        st = keys_fail(err, KEYS_EJWK, "%.200s holds no Ed25519 signing key (use \"sig\")", path);
        goto out;
    }
    *n = got;
    st = KEYS_OK;
out:
    json_decref(set);
    json_decref(doc);
    free(text);
    return st;
}
