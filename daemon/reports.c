/* SPDX-License-Identifier: EUPL-1.2 */
/* The privacy officer's reports: access report, processing register, figures and anomalies. */
/*
 * Admin API (GET; each takes lang=nl|en (default nl) and format=json|text|html (default json)):
 *   /v1/reports/subject?last_name=..&date_of_birth=YYYY-MM-DD | ?subject=PSEUDONYM
 *   /v1/reports/register
 *   /v1/reports/figures?from=YYYY-MM-DD&until=YYYY-MM-DD
 *   /v1/reports/anomalies?days=N
 * format=json answers the report as JSON; text and html answer {"report": "<the page>",
 * "format", "lang", "content_type"} (and "count" for anomalies), so that the admin API stays
 * JSON; with raw=1 as well, the page itself is the body (for a browser or curl).
 *
 * Every report is read from metadata only (the outbox, the inbox's rows, the audit trail, the
 * consent register's rows, the covenant, the directory): never a form's content.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "audit.h"
#include "consent.h"

/* Refused and undeliverable items count as anomalies for this many days (days=N changes it). */
#define REPORTS_RECENT_DAYS 30
#define REPORTS_MAX_DAYS 3650
/* A consent that ends within this many days is about to expire. */
#define REPORTS_EXPIRING_DAYS 30
/* A recipient confirms a withdrawal as soon as the notice arrives; three days without one means
 * the notice or the confirmation got stuck. */
#define REPORTS_CONFIRM_DAYS 3
/* Steering figures: a count from 1 to this is shown as "<5" (so that no young person can be
 * singled out). */
#define REPORTS_SMALL 4
/* Longest value of a query parameter (a surname, a pseudonym, a date). */
#define REPORTS_PARAM_MAX 256
/* One formatted line of a report: the longest texts are a rejection reason (2000) and a
 * purpose's plain-language explanation (2000). */
#define REPORTS_LINE_MAX 8192
/* Depth of $ref chains and nested properties the register follows for data categories. */
#define REPORTS_SCHEMA_DEPTH 8
#define REPORTS_FORM_PREFIX "urn:baton:form:"

#define L(nl, a, b) ((nl) ? (a) : (b))

/* ---- words for people ---- */

struct word {
    const char *code, *nl, *en;
};

static const struct word role_words[] = {
    {"school", "school", "school"},
    {"municipality", "gemeente", "municipality"},
    {"uwv", "UWV", "UWV"},
    {"rmc", "RMC", "RMC"},
    {"jobcoach", "jobcoach", "job coach"},
    {"coordinator", "regiocoördinator", "regional coordinator"},
};

static const struct word category_words[] = {
    {"identity", "identiteit", "identity"},  {"contact", "contactgegevens", "contact details"},
    {"education", "onderwijs", "education"}, {"work", "werk", "work"},
    {"support", "ondersteuning", "support"}, {"health", "gezondheid", "health"},
    {"benefit", "uitkeringen", "benefits"},  {"bsn", "BSN (burgerservicenummer)", "BSN"},
};

static const struct word basis_words[] = {
    {"consent", "toestemming", "consent"},
    {"legal-obligation", "wettelijke verplichting", "legal obligation"},
    {"public-task", "publieke taak", "public task"},
};

static const struct word event_words[] = {
    {"submitted", "klaargezet om te versturen", "submitted"},
    {"minimised", "beperkt tot wat de ontvanger mag hebben",
     "minimised to what the recipient may have"},
    {"sealed", "ondertekend en versleuteld", "signed and encrypted"},
    {"delivered", "afgeleverd", "delivered"},
    {"accepted", "overgenomen", "taken over"},
    {"rejected", "niet overgenomen", "not taken over"},
    {"undeliverable", "kon niet worden afgeleverd", "could not be delivered"},
    {"received", "ontvangen", "received"},
    {"received-again", "nogmaals ontvangen", "received again"},
    {"viewed", "bekeken", "viewed"},
    {"refused", "geweigerd", "refused"},
    {"notice-delivered", "bericht afgeleverd", "notice delivered"},
    {"withdrawal-queued", "intrekking van toestemming doorgegeven",
     "withdrawal of consent passed on"},
    {"withdrawal-confirmed", "ontvanger bevestigde de intrekking",
     "recipient confirmed the withdrawal"},
    {"withdrawn", "toestemming ingetrokken: inhoud afgeschermd",
     "consent withdrawn: content restricted"},
    {"erased", "inhoud gewist", "content erased"},
};

static const struct word outcome_words[] = {
    {"queued", "in de wachtrij", "queued"},
    {"delivered", "afgeleverd, wacht op overname", "delivered, awaiting take-over"},
    {"overdue", "te laat: niet binnen de termijn overgenomen", "overdue: not taken over in time"},
    {"accepted", "overgenomen", "taken over"},
    {"rejected", "niet overgenomen", "not taken over"},
    {"undeliverable", "kon niet worden afgeleverd", "could not be delivered"},
    {"refused", "geweigerd", "refused"},
};

/* The policy's refusal rules (daemon/policy.h) in words; the audit detail keeps the full reason
 * in English. */
static const struct word rule_words[] = {
    {"route",
     "het convenant staat dit formulier niet toe van onze rol naar die van de ontvanger voor dit "
     "doel",
     "the covenant does not allow this form from our role to the recipient's for this purpose"},
    {"purpose", "dit doel staat niet in het convenant", "this purpose is not in the covenant"},
    {"basis", "het convenant staat deze grondslag niet toe voor dit doel",
     "the covenant does not allow this legal basis for this purpose"},
    {"fields", "het formulier bevat velden die de ontvanger niet mag krijgen",
     "the form holds fields the recipient may not have"},
    {"bsn-basis", "het formulier bevat een BSN, dat voor dit doel en deze grondslag niet mee mag",
     "the form holds a BSN, which may not travel for this purpose and basis"},
    {"contact-notice", "een contactmelding zou meer delen dan dat er contact is",
     "a contact notice would share more than that there is contact"},
    {"consent-missing", "er was geen geregistreerde toestemming",
     "there was no registered consent"},
    {"consent-subject", "de toestemming gaat over een andere jongere",
     "the consent is about another young person"},
    {"consent-controller", "de toestemming is door een andere organisatie vastgelegd",
     "the consent was recorded by another organisation"},
    {"consent-expired", "de toestemming was verlopen", "the consent had expired"},
    {"consent-withdrawn", "de toestemming was ingetrokken", "the consent had been withdrawn"},
    {"consent-recipient", "de toestemming noemt deze ontvanger niet",
     "the consent does not name this recipient"},
    {"consent-purpose", "de toestemming geldt niet voor dit doel",
     "the consent does not cover this purpose"},
    {"consent-category", "de toestemming dekt niet alle soorten gegevens",
     "the consent does not cover every kind of data"},
    {"minor-parent",
     "voor een minderjarige ontbrak de toestemming van een ouder of voogd of van de jongere zelf",
     "for a minor, the consent of a parent or guardian or of the young person was missing"},
    {"consent-given-by",
     "de toestemming is niet gegeven door de jongere of een wettelijk vertegenwoordiger",
     "the consent was not given by the young person or a legal representative"},
    {"form", "het formulier was onbruikbaar", "the form could not be used"},
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

#define WORD(table, code, nl) word(table, sizeof table / sizeof table[0], (code), (nl))

/* The rule of a refusal's audit detail ("... policy rule NAME ..."), into buf; "" when none. */
static const char *
rule_of(const char *detail, char *buf, size_t size)
{
    const char *p = detail != NULL ? strstr(detail, "policy rule ") : NULL;
    size_t n = 0;

    buf[0] = '\0';
    if (p == NULL)
        return buf;
    p += strlen("policy rule ");
    while (p[n] != '\0' && (isalnum((unsigned char)p[n]) || p[n] == '-') && n + 1 < size)
        n++;
    snprintf(buf, size, "%.*s", (int)n, p);
    return buf;
}

/* ---- a growing buffer ---- */

struct rbuf {
    char *p;
    size_t len, cap;
    int oom;
};

static void
rb_add(struct rbuf *b, const char *s, size_t n)
{
    char *p;
    size_t cap;

    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        p = realloc(b->p, cap);
        if (p == NULL) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void
rb_str(struct rbuf *b, const char *s)
{
    rb_add(b, s, strlen(s));
}

/* s for HTML text and attribute values. */
static void
rb_esc(struct rbuf *b, const char *s)
{
    const char *start = s;

    for (; *s != '\0'; s++) {
        const char *e = *s == '&'    ? "&amp;"
                        : *s == '<'  ? "&lt;"
                        : *s == '>'  ? "&gt;"
                        : *s == '"'  ? "&quot;"
                        : *s == '\'' ? "&#39;"
                                     : NULL;

        if (e == NULL)
            continue;
        rb_add(b, start, (size_t)(s - start));
        rb_str(b, e);
        start = s + 1;
    }
    rb_add(b, start, (size_t)(s - start));
}

/* ---- a report as text or as a printable HTML page, from the same calls ---- */

struct doc {
    struct rbuf b;
    int html, nl;
    int in_list;
};

static const char doc_css[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:50rem;"
    "margin:2rem auto;padding:0 1rem;color:#111;line-height:1.45}"
    "h1{font-size:1.5rem;border-bottom:2px solid #333;padding-bottom:.3rem}"
    "h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #999}"
    "h3{font-size:1rem;margin:1rem 0 .3rem}"
    "section{border:1px solid #ccc;border-radius:4px;padding:.3rem .8rem;margin:.8rem 0;"
    "page-break-inside:avoid;break-inside:avoid}"
    "dl{display:grid;grid-template-columns:max-content auto;gap:.15rem 1rem;margin:.3rem 0}"
    "dt{font-weight:600}dd{margin:0}"
    "table{border-collapse:collapse;margin:.5rem 0}"
    "td,th{border:1px solid #bbb;padding:.2rem .5rem;text-align:left}"
    ".meta{color:#444;font-size:.9rem}"
    "@media print{body{margin:0;max-width:none;font-size:10.5pt}a{color:#000}"
    "h2{page-break-after:avoid;break-after:avoid}}";

/* vsnprintf into buf, then control characters replaced with spaces (text may reach a
 * terminal; the formats themselves never hold them). */
static const char *clean_vfmt(char *buf, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static const char *
clean_vfmt(char *buf, size_t size, const char *fmt, va_list ap)
{
    unsigned char *p;

    vsnprintf(buf, size, fmt, ap);
    for (p = (unsigned char *)buf; *p != '\0'; p++)
        if (*p < 0x20 || *p == 0x7f)
            *p = ' ';
    return buf;
}

static void
doc_begin(struct doc *d, const char *title, const char *subtitle)
{
    size_t i;

    if (d->html) {
        rb_str(&d->b, "<!DOCTYPE html>\n<html lang=\"");
        rb_str(&d->b, d->nl ? "nl" : "en");
        rb_str(&d->b, "\">\n<head>\n<meta charset=\"utf-8\">\n"
                      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                      "<title>");
        rb_esc(&d->b, title);
        rb_str(&d->b, "</title>\n<style>");
        rb_str(&d->b, doc_css);
        rb_str(&d->b, "</style>\n</head>\n<body>\n<h1>");
        rb_esc(&d->b, title);
        rb_str(&d->b, "</h1>\n");
        if (subtitle != NULL) {
            rb_str(&d->b, "<p class=\"meta\">");
            rb_esc(&d->b, subtitle);
            rb_str(&d->b, "</p>\n");
        }
        return;
    }
    rb_str(&d->b, title);
    rb_str(&d->b, "\n");
    for (i = 0; i < 60; i++)
        rb_str(&d->b, "=");
    rb_str(&d->b, "\n");
    if (subtitle != NULL) {
        rb_str(&d->b, subtitle);
        rb_str(&d->b, "\n");
    }
}

static void
doc_list_end(struct doc *d)
{
    if (d->in_list && d->html)
        rb_str(&d->b, "</ul>\n");
    d->in_list = 0;
}

/* Writes line (already formatted): escaped between html_open and html_close on an HTML page,
 * else as it is between text_open and text_close. */
static void
doc_put(struct doc *d, const char *html_open, const char *html_close, const char *text_open,
        const char *text_close, const char *line)
{
    rb_str(&d->b, d->html ? html_open : text_open);
    if (d->html)
        rb_esc(&d->b, line);
    else
        rb_str(&d->b, line);
    rb_str(&d->b, d->html ? html_close : text_close);
}

/* Formats fmt into line[REPORTS_LINE_MAX] (for the doc_ functions below). */
#define DOC_FORMAT(line, fmt)                                                                      \
    do {                                                                                           \
        va_list ap_;                                                                               \
                                                                                                   \
        va_start(ap_, fmt);                                                                        \
        clean_vfmt(line, sizeof line, fmt, ap_);                                                   \
        va_end(ap_);                                                                               \
    } while (0)

static void doc_h2(struct doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
doc_h2(struct doc *d, const char *fmt, ...)
{
    char line[REPORTS_LINE_MAX];
    size_t i, n;

    doc_list_end(d);
    DOC_FORMAT(line, fmt);
    doc_put(d, "<h2>", "</h2>\n", "\n", "\n", line);
    if (d->html)
        return;
    n = strlen(line) < 60 ? strlen(line) : 60;
    for (i = 0; i < n; i++)
        rb_str(&d->b, "-");
    rb_str(&d->b, "\n");
}

static void doc_p(struct doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
doc_p(struct doc *d, const char *fmt, ...)
{
    char line[REPORTS_LINE_MAX];

    doc_list_end(d);
    DOC_FORMAT(line, fmt);
    doc_put(d, "<p>", "</p>\n", "", "\n", line);
}

static void doc_li(struct doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
doc_li(struct doc *d, const char *fmt, ...)
{
    char line[REPORTS_LINE_MAX];

    DOC_FORMAT(line, fmt);
    doc_put(d, d->in_list ? "<li>" : "<ul>\n<li>", "</li>\n", "  - ", "\n", line);
    d->in_list = 1;
}

static void doc_item(struct doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Starts an item (a section with a heading and label: value lines); doc_item_end ends it. */
static void
doc_item(struct doc *d, const char *fmt, ...)
{
    char line[REPORTS_LINE_MAX];

    doc_list_end(d);
    DOC_FORMAT(line, fmt);
    doc_put(d, "<section>\n<h3>", "</h3>\n<dl>\n", "\n* ", "\n", line);
}

static void doc_kv(struct doc *d, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
doc_kv(struct doc *d, const char *label, const char *fmt, ...)
{
    char line[REPORTS_LINE_MAX], lab[40], pad[80];

    DOC_FORMAT(line, fmt);
    if (d->html) {
        doc_put(d, "<dt>", "</dt>", "", "", label);
        doc_put(d, "<dd>", "</dd>\n", "", "", line);
        return;
    }
    snprintf(lab, sizeof lab, "%s%s", label, label[0] != '\0' ? ":" : "");
    snprintf(pad, sizeof pad, "    %-24s ", lab);
    doc_put(d, "", "", pad, "\n", line);
}

static void
doc_item_end(struct doc *d)
{
    if (d->html)
        rb_str(&d->b, "</dl>\n</section>\n");
}

static void
doc_end(struct doc *d)
{
    doc_list_end(d);
    if (d->html)
        rb_str(&d->b, "</body>\n</html>\n");
}

/* ---- reading the store ---- */

struct rows_q {
    const char *sql;
    const char *types; /* one letter per parameter: 's' const char *, 'I' long long */
    const void *args[8];
    long long ints[8];
    json_t *rows;
};

/* Each row of the query as an object of its columns (NULL columns left out, blobs skipped). */
static enum daemon_status
rows_fn(void *ctx, struct sqlite3 *db, const unsigned char *key, struct daemon_err *err)
{
    struct rows_q *q = ctx;
    sqlite3_stmt *st = NULL;
    enum daemon_status rc = DAEMON_OK;
    int r, i, n;
    size_t k;

    (void)key;
    if (sqlite3_prepare_v2(db, q->sql, -1, &st, NULL) != SQLITE_OK)
        return daemon_fail(err, DAEMON_ESTORE, "reading the store: %s", sqlite3_errmsg(db));
    for (k = 0; q->types[k] != '\0'; k++) {
        if (q->types[k] == 's')
            r = q->args[k] != NULL
                    ? sqlite3_bind_text(st, (int)k + 1, q->args[k], -1, SQLITE_TRANSIENT)
                    : sqlite3_bind_null(st, (int)k + 1);
        else
            r = sqlite3_bind_int64(st, (int)k + 1, (sqlite3_int64)q->ints[k]);
        if (r != SQLITE_OK) {
            rc = daemon_fail(err, DAEMON_ESTORE, "reading the store: %s", sqlite3_errmsg(db));
            goto out;
        }
    }
    n = sqlite3_column_count(st);
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *row = json_object();

        if (row == NULL || json_array_append_new(q->rows, row) != 0) {
            rc = daemon_fail(err, DAEMON_ENOMEM, "out of memory");
            goto out;
        }
        for (i = 0; i < n; i++) {
            const char *name = sqlite3_column_name(st, i);
            json_t *v = NULL;

            if (sqlite3_column_type(st, i) == SQLITE_INTEGER)
                v = json_integer((json_int_t)sqlite3_column_int64(st, i));
            else if (sqlite3_column_type(st, i) == SQLITE_TEXT)
                v = json_string((const char *)sqlite3_column_text(st, i));
            if (v != NULL && json_object_set_new(row, name, v) != 0) {
                rc = daemon_fail(err, DAEMON_ENOMEM, "out of memory");
                goto out;
            }
        }
    }
    if (r != SQLITE_DONE)
        rc = daemon_fail(err, DAEMON_ESTORE, "reading the store: %s", sqlite3_errmsg(db));
out:
    sqlite3_finalize(st);
    return rc;
}

/* The rows of sql with parameters of types ("s": a string, "I": a long long) into *out (new
 * array). On error *out is NULL. */
static enum daemon_status
rows(struct daemon *d, json_t **out, struct daemon_err *err, const char *sql, const char *types,
     ...)
{
    struct rows_q q = {0};
    enum daemon_status rc;
    va_list ap;
    size_t k;

    *out = NULL;
    q.sql = sql;
    q.types = types;
    va_start(ap, types);
    for (k = 0; types[k] != '\0' && k < 8; k++) {
        if (types[k] == 's')
            q.args[k] = va_arg(ap, const char *);
        else
            q.ints[k] = va_arg(ap, long long);
    }
    va_end(ap);
    q.rows = json_array();
    if (q.rows == NULL)
        return daemon_fail(err, DAEMON_ENOMEM, "out of memory");
    rc = store_txn(d->store, 0, rows_fn, &q, 0, NULL, 0, err);
    if (rc != DAEMON_OK) {
        json_decref(q.rows);
        return rc;
    }
    *out = q.rows;
    return DAEMON_OK;
}

static const char *
s_of(const json_t *o, const char *name)
{
    return json_string_value(json_object_get(o, name));
}

static time_t
t_of(const json_t *o, const char *name)
{
    const json_t *v = json_object_get(o, name);

    return json_is_integer(v) ? (time_t)json_integer_value(v) : 0;
}

/* A time member: seconds, or an RFC 3339 UTC string as core_set_time writes it; 0 when absent. */
static time_t
jtime(const json_t *o, const char *name)
{
    const json_t *v = json_object_get(o, name);
    time_t t = 0;

    if (json_is_integer(v))
        return (time_t)json_integer_value(v);
    if (!json_is_string(v) || keys_time_parse(json_string_value(v), &t, name, NULL) != KEYS_OK)
        return 0;
    return t;
}

/* ---- the network's documents ---- */

struct org {
    const char *name, *role;
};

static struct org
org_of(struct daemon *d, const char *oin)
{
    const struct keys_member *m =
        d->dir != NULL && oin != NULL ? keys_directory_member(d->dir, oin) : NULL;
    struct org o = {NULL, NULL};
    const json_t *p;
    size_t i;

    if (m != NULL) {
        o.name = m->name;
        o.role = m->role;
        return o;
    }
    json_array_foreach (json_object_get(d->covenant, "parties"), i, p)
        if (oin != NULL && s_of(p, "oin") != NULL && strcmp(s_of(p, "oin"), oin) == 0) {
            o.name = s_of(p, "name");
            o.role = s_of(p, "role");
        }
    return o;
}

/* "Gemeente Lindeveld (gemeente)" into buf. */
static const char *
org_text(struct daemon *d, const char *oin, int nl, char *buf, size_t size)
{
    struct org o = org_of(d, oin);

    if (o.name == NULL)
        snprintf(buf, size, "%s %s", L(nl, "organisatie met OIN", "organisation with OIN"),
                 oin != NULL ? oin : "?");
    else
        snprintf(buf, size, "%s (%s)", o.name, WORD(role_words, o.role, nl));
    return buf;
}

static json_t *
org_json(struct daemon *d, const char *oin, int nl)
{
    struct org o = org_of(d, oin);
    json_t *j = json_object();

    if (j == NULL)
        return NULL;
    core_set_str(j, "oin", oin);
    core_set_str(j, "name", o.name);
    core_set_str(j, "role", o.role);
    if (o.role != NULL)
        core_set_str(j, "role_text", WORD(role_words, o.role, nl));
    return j;
}

static const json_t *
purpose_of(struct daemon *d, const char *id)
{
    const json_t *p;
    size_t i;

    json_array_foreach (json_object_get(d->covenant, "purposes"), i, p)
        if (id != NULL && s_of(p, "id") != NULL && strcmp(s_of(p, "id"), id) == 0)
            return p;
    return NULL;
}

/* The catalogue title of a form type (full "urn:baton:form:NAME:V" or short "NAME"). */
static const char *
form_title(struct daemon *d, const char *type, int nl)
{
    const struct forms_schema *s;
    const json_t *j;
    const char *t;
    char uri[200];

    if (type == NULL)
        return "?";
    if (strncmp(type, REPORTS_FORM_PREFIX, strlen(REPORTS_FORM_PREFIX)) != 0)
        snprintf(uri, sizeof uri, REPORTS_FORM_PREFIX "%s:1", type);
    else
        snprintf(uri, sizeof uri, "%s", type);
    s = forms_catalogue_find(d->cat, uri);
    j = s != NULL ? forms_schema_json(s) : NULL;
    t = nl ? s_of(j, "title") : s_of(json_object_get(j, "x-en"), "title");
    return t != NULL ? t : type;
}

/* "urn:baton:form:school-leaver-handover:1" -> "school-leaver-handover". */
static const char *
form_short(const char *type, char *buf, size_t size)
{
    const char *name, *colon;

    if (type == NULL || strncmp(type, REPORTS_FORM_PREFIX, strlen(REPORTS_FORM_PREFIX)) != 0) {
        snprintf(buf, size, "%s", type != NULL ? type : "?");
        return buf;
    }
    name = type + strlen(REPORTS_FORM_PREFIX);
    colon = strchr(name, ':');
    snprintf(buf, size, "%.*s", colon != NULL ? (int)(colon - name) : (int)strlen(name), name);
    return buf;
}

/* Joins the words of an array of category codes: "identiteit, onderwijs". */
static const char *
categories_text(const json_t *codes, int nl, char *buf, size_t size)
{
    const json_t *c;
    size_t i, used = 0;

    buf[0] = '\0';
    json_array_foreach (codes, i, c) {
        int n = snprintf(buf + used, size - used, "%s%s", i > 0 ? ", " : "",
                         WORD(category_words, json_string_value(c), nl));

        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
    if (used == 0)
        snprintf(buf, size, "%s", L(nl, "onbekend", "unknown"));
    return buf;
}

static const char *
when_text(time_t t, char *buf, size_t size)
{
    struct tm tm;

    if (t == 0 || gmtime_r(&t, &tm) == NULL) {
        snprintf(buf, size, "-");
        return buf;
    }
    strftime(buf, size, "%Y-%m-%d %H:%M UTC", &tm);
    return buf;
}

/* ---- data categories from the catalogue (the register) ---- */

/* Adds every x-category at site and below it (properties, items, $ref) to set. */
static void
collect_categories(struct daemon *d, const json_t *site, json_t *set, int depth)
{
    const json_t *v;
    const char *k, *c;

    if (site == NULL || depth > REPORTS_SCHEMA_DEPTH)
        return;
    c = s_of(site, "x-category");
    if (c != NULL)
        json_object_set_new(set, c, json_true());
    json_object_foreach ((json_t *)json_object_get(site, "properties"), k, v)
        collect_categories(d, v, set, depth + 1);
    collect_categories(d, json_object_get(site, "items"), set, depth + 1);
    collect_categories(d, forms_schema_deref(d->cat, site), set, depth + 1);
}

/* The property at JSON Pointer ptr ("/a/b") of a schema, following $ref; NULL when none. */
static const json_t *
schema_at(struct daemon *d, const json_t *schema, const char *ptr)
{
    char part[128];
    const char *p = ptr, *e;
    const json_t *site = schema, *next;
    int depth;

    while (site != NULL && *p == '/') {
        p++;
        e = strchr(p, '/');
        snprintf(part, sizeof part, "%.*s", e != NULL ? (int)(e - p) : (int)strlen(p), p);
        next = NULL;
        for (depth = 0; site != NULL && next == NULL && depth < REPORTS_SCHEMA_DEPTH; depth++) {
            next = json_object_get(json_object_get(site, "properties"), part);
            if (next == NULL)
                site = forms_schema_deref(d->cat, site);
        }
        site = next;
        p = e != NULL ? e : p + strlen(p);
    }
    return site;
}

/* The category codes of set (an object used as a set; taken) as an array in the order people
 * read them (identity first), unknown codes last. NULL when out of memory. */
static json_t *
ordered_categories(json_t *set)
{
    static const char *const order[] = {"identity", "contact", "education", "work",
                                        "support",  "health",  "benefit",   "bsn"};
    json_t *out = json_array();
    const json_t *v;
    const char *k;
    size_t i;

    if (out == NULL || set == NULL) {
        json_decref(out);
        json_decref(set);
        return NULL;
    }
    for (i = 0; i < sizeof order / sizeof order[0]; i++)
        if (json_object_get(set, order[i]) != NULL) {
            json_array_append_new(out, json_string(order[i]));
            json_object_del(set, order[i]);
        }
    json_object_foreach (set, k, v)
        json_array_append_new(out, json_string(k));
    json_decref(set);
    return out;
}

/* The sorted categories of the fields the covenant lets role receive of form for purpose p
 * (new array). The BSN only when the purpose allows it for some basis. */
static json_t *
route_categories(struct daemon *d, const json_t *p, const char *form, const char *role)
{
    const json_t *fields =
                     json_object_get(json_object_get(json_object_get(p, "fields"), form), role),
                 *f, *schema;
    const struct forms_schema *s;
    json_t *set = json_object();
    char uri[200];
    size_t i;

    if (set == NULL)
        return NULL;
    snprintf(uri, sizeof uri, REPORTS_FORM_PREFIX "%s:1", form);
    s = forms_catalogue_find(d->cat, uri);
    schema = s != NULL ? forms_schema_json(s) : NULL;
    json_array_foreach (fields, i, f) {
        const char *ptr = json_string_value(f);

        if (ptr != NULL && schema != NULL)
            collect_categories(d, schema_at(d, schema, ptr), set, 0);
    }
    if (json_array_size(json_object_get(p, "bsn_allowed_for")) == 0)
        json_object_del(set, "bsn");
    return ordered_categories(set);
}

/* ---- query parameters ---- */

static int
hexval(int c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* The percent-decoded value of name ('+' is a space) into out: 1; 0 when absent; -1 when it is
 * too long, badly encoded, or holds a control character. */
static int
param(const char *query, const char *name, char *out, size_t size)
{
    size_t n = strlen(name), len = 0;
    const char *p = query;

    while (p != NULL && *p != '\0') {
        if (strncmp(p, name, n) == 0 && p[n] == '=') {
            const char *v = p + n + 1;

            for (; *v != '\0' && *v != '&'; v++) {
                int c = (unsigned char)*v;

                if (c == '+') {
                    c = ' ';
                } else if (c == '%') {
                    if (hexval(v[1]) < 0 || hexval(v[2]) < 0)
                        return -1;
                    c = hexval(v[1]) * 16 + hexval(v[2]);
                    v += 2;
                }
                if (c < 0x20 || c == 0x7f || len + 1 >= size)
                    return -1;
                out[len++] = (char)c;
            }
            out[len] = '\0';
            return 1;
        }
        p = strchr(p, '&');
        if (p != NULL)
            p++;
    }
    return 0;
}

/* YYYY-MM-DD as the UTC midnight it starts; 0 when s is not a real date. */
static int
parse_date(const char *s, time_t *out)
{
    char full[32];
    size_t i;

    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
            return 0;
    snprintf(full, sizeof full, "%sT00:00:00Z", s);
    return keys_time_parse(full, out, "date", NULL) == KEYS_OK;
}

/* What every report takes: lang and format (and raw). 0 after answering a refusal. */
struct opts {
    int nl;
    enum { FMT_JSON, FMT_TEXT, FMT_HTML } format;
    int raw;
};

static int
common_opts(const struct http_request *req, struct opts *o, struct http_reply *reply)
{
    char v[REPORTS_PARAM_MAX];
    int r;

    o->nl = 1;
    o->format = FMT_JSON;
    o->raw = 0;
    r = param(req->query, "lang", v, sizeof v);
    if (r < 0 || (r == 1 && strcmp(v, "nl") != 0 && strcmp(v, "en") != 0)) {
        http_reply_error(reply, 400, "bad-request", "lang must be nl or en");
        return 0;
    }
    if (r == 1)
        o->nl = strcmp(v, "nl") == 0;
    r = param(req->query, "format", v, sizeof v);
    if (r < 0 ||
        (r == 1 && strcmp(v, "json") != 0 && strcmp(v, "text") != 0 && strcmp(v, "html") != 0)) {
        http_reply_error(reply, 400, "bad-request", "format must be json, text or html");
        return 0;
    }
    if (r == 1)
        o->format = v[0] == 'j' ? FMT_JSON : v[0] == 't' ? FMT_TEXT : FMT_HTML;
    r = param(req->query, "raw", v, sizeof v);
    if (r < 0 || (r == 1 && strcmp(v, "1") != 0 && strcmp(v, "0") != 0)) {
        http_reply_error(reply, 400, "bad-request", "raw must be 1 or 0");
        return 0;
    }
    o->raw = r == 1 && v[0] == '1';
    return 1;
}

static void
reply_json_new(struct http_reply *reply, json_t *body)
{
    if (body == NULL || http_reply_json(reply, 200, body) != DAEMON_OK)
        http_reply_error(reply, 500, "no-memory", "out of memory answering the report");
    json_decref(body);
}

/* Answers a rendered page: raw, or in the JSON envelope (with count when >= 0). */
static void
reply_doc(struct http_reply *reply, const struct opts *o, struct doc *doc, long count)
{
    const char *ct =
        o->format == FMT_HTML ? "text/html; charset=utf-8" : "text/plain; charset=utf-8";
    json_t *env;

    if (doc->b.oom || doc->b.p == NULL) {
        http_reply_error(reply, 500, "no-memory", "out of memory writing the report");
        return;
    }
    if (o->raw) {
        if (http_reply_bytes(reply, 200, ct, doc->b.p, doc->b.len) != DAEMON_OK)
            http_reply_error(reply, 500, "no-memory", "out of memory answering the report");
        return;
    }
    env = json_pack("{s:s, s:s, s:s, s:s}", "format", o->format == FMT_HTML ? "html" : "text",
                    "lang", o->nl ? "nl" : "en", "content_type", ct, "report", doc->b.p);
    if (env != NULL && count >= 0)
        json_object_set_new(env, "count", json_integer(count));
    reply_json_new(reply, env);
}

static void
store_failed(struct daemon *d, struct http_reply *reply, const struct daemon_err *err)
{
    http_reply_error(reply, 500, "store", "the report could not be read from the store: %s",
                     err->text);
    core_log(d, CONFIG_LOG_ERROR, "store-failed", NULL, NULL, "report: %s", err->text);
}

/* ---- 1. the access report (GDPR art. 15) ---- */

/* The categories in a "minimised" audit detail ("...; categories identity, education"). */
static json_t *
categories_from_detail(const char *detail)
{
    const char *p = detail != NULL ? strstr(detail, "; categories ") : NULL, *e;
    json_t *set = json_object();
    char part[64];

    if (set == NULL || p == NULL)
        return ordered_categories(set);
    p += strlen("; categories ");
    while (*p != '\0') {
        e = strstr(p, ", ");
        snprintf(part, sizeof part, "%.*s", e != NULL ? (int)(e - p) : (int)strlen(p), p);
        if (strcmp(part, "none") != 0 && strcmp(part, "...") != 0 && part[0] != '\0')
            json_object_set_new(set, part, json_true());
        if (e == NULL)
            break;
        p = e + 2;
    }
    return ordered_categories(set);
}

static int
valid_pseudonym(const char *s)
{
    size_t i;

    if (strlen(s) != CORE_PSEUDONYM_LEN)
        return 0;
    for (i = 0; i < CORE_PSEUDONYM_LEN; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

/* Adds "purpose_name", "purpose_explained", "basis_text" to item. */
static void
purpose_fields(struct daemon *d, json_t *item, int nl)
{
    const json_t *p = purpose_of(d, s_of(item, "purpose"));

    core_set_str(item, "purpose_name", s_of(p, "name"));
    core_set_str(item, "purpose_explained",
                 s_of(json_object_get(p, "plain_language"), nl ? "nl" : "en"));
    core_set_str(item, "basis_text", WORD(basis_words, s_of(item, "basis"), nl));
}

/* The events of packet as [{"at","event","event_text","peer"?,"actor"?,"detail"?}]. */
static enum daemon_status
packet_events(struct daemon *d, const char *packet, int nl, json_t **out, struct daemon_err *err)
{
    enum daemon_status rc;
    json_t *e;
    size_t i;

    rc = rows(d, out, err,
              "SELECT at, event, peer, actor, detail FROM audit WHERE packet = ? ORDER BY seq", "s",
              packet);
    if (rc != DAEMON_OK)
        return rc;
    json_array_foreach (*out, i, e) {
        core_set_str(e, "event_text", WORD(event_words, s_of(e, "event"), nl));
        core_set_time(e, "at", t_of(e, "at"));
    }
    return DAEMON_OK;
}

static time_t
event_at(const json_t *events, const char *event)
{
    const json_t *e;
    size_t i;

    json_array_foreach (events, i, e)
        if (s_of(e, "event") != NULL && strcmp(s_of(e, "event"), event) == 0)
            return jtime(e, "at");
    return 0;
}

/* One packet we sent about the young person, as the report shows it. NULL when not ours. */
static json_t *
sent_item(struct daemon *d, const json_t *row, const json_t *events, int nl, time_t now)
{
    json_t *item = json_object(), *cats = NULL;
    const json_t *e;
    const char *state = s_of(row, "state");
    size_t i;

    if (item == NULL)
        return NULL;
    core_set_str(item, "packet", s_of(row, "id"));
    core_set_str(item, "form_type", s_of(row, "form_type"));
    core_set_str(item, "form_title", form_title(d, s_of(row, "form_type"), nl));
    json_object_set_new(item, "to", org_json(d, s_of(row, "to_oin"), nl));
    core_set_str(item, "purpose", s_of(row, "purpose"));
    core_set_str(item, "basis", s_of(row, "basis"));
    core_set_str(item, "consent", s_of(row, "consent_id"));
    purpose_fields(d, item, nl);
    json_array_foreach (events, i, e)
        if (s_of(e, "event") != NULL && strcmp(s_of(e, "event"), "minimised") == 0) {
            json_decref(cats);
            cats = categories_from_detail(s_of(e, "detail"));
        }
    if (cats == NULL)
        cats = json_array();
    json_object_set_new(item, "categories", cats);
    core_set_time(item, "sent", t_of(row, "created"));
    core_set_time(item, "delivered", t_of(row, "delivered"));
    if (state != NULL && strcmp(state, "delivered") == 0 && d->deadline_s > 0 &&
        t_of(row, "delivered") != 0 && now > t_of(row, "delivered") + (time_t)d->deadline_s)
        state = "overdue";
    core_set_str(item, "state", state);
    core_set_str(item, "state_text", WORD(outcome_words, state, nl));
    core_set_time(item, "decided", t_of(row, "decided"));
    core_set_str(item, "by", s_of(row, "by_text"));
    core_set_str(item, "reason", s_of(row, "reason"));
    core_set_time(item, "withdrawal_sent", event_at(events, "withdrawal-queued"));
    core_set_time(item, "withdrawal_confirmed", event_at(events, "withdrawal-confirmed"));
    json_object_set(item, "events", (json_t *)events);
    return item;
}

/* One packet we received about the young person. */
static json_t *
received_item(struct daemon *d, const json_t *row, const json_t *events, int nl, time_t now)
{
    json_t *item = json_object(), *cats;
    const json_t *p = purpose_of(d, s_of(row, "purpose"));
    const char *state = s_of(row, "state");
    struct org me = org_of(d, d->me->oin);
    char form[100];

    if (item == NULL)
        return NULL;
    core_set_str(item, "packet", s_of(row, "id"));
    core_set_str(item, "form_type", s_of(row, "form_type"));
    core_set_str(item, "form_title", form_title(d, s_of(row, "form_type"), nl));
    json_object_set_new(item, "from", org_json(d, s_of(row, "from_oin"), nl));
    core_set_str(item, "purpose", s_of(row, "purpose"));
    core_set_str(item, "basis", s_of(row, "basis"));
    purpose_fields(d, item, nl);
    /* The content is not read for a report: the categories the covenant lets us have. */
    cats =
        p != NULL && me.role != NULL
            ? route_categories(d, p, form_short(s_of(row, "form_type"), form, sizeof form), me.role)
            : NULL;
    json_object_set_new(item, "categories_allowed", cats != NULL ? cats : json_array());
    core_set_time(item, "received", t_of(row, "received"));
    if (state != NULL && strcmp(state, "new") == 0 && d->deadline_s > 0 &&
        now > t_of(row, "received") + (time_t)d->deadline_s)
        state = "overdue";
    else if (state != NULL && strcmp(state, "new") == 0)
        state = "delivered";
    core_set_str(item, "state", state);
    core_set_str(item, "state_text", WORD(outcome_words, state, nl));
    core_set_time(item, "decided", t_of(row, "decided"));
    core_set_str(item, "by", s_of(row, "by_text"));
    core_set_str(item, "reason", s_of(row, "reason"));
    core_set_time(item, "withdrawn", event_at(events, "withdrawn"));
    core_set_time(item, "erased", event_at(events, "erased"));
    if (json_integer_value(json_object_get(row, "erased_now")) != 0)
        json_object_set_new(item, "content_erased", json_true());
    json_object_set(item, "events", (json_t *)events);
    return item;
}

static enum daemon_status
subject_report(struct daemon *d, const char *subject, int nl, json_t **out, struct daemon_err *err)
{
    json_t *packets = NULL, *sent = json_array(), *received = json_array(), *refused = NULL,
           *r = NULL, *events = NULL, *row, *item, *rep = NULL;
    enum daemon_status rc = DAEMON_ENOMEM;
    time_t now = time(NULL);
    size_t i;

    if (sent == NULL || received == NULL)
        goto oom;
    rc =
        rows(d, &packets, err,
             "SELECT packet, min(seq) AS first FROM audit WHERE subject = ? AND packet IS NOT NULL "
             "GROUP BY packet ORDER BY first",
             "s", subject);
    if (rc != DAEMON_OK)
        goto out;
    json_array_foreach (packets, i, row) {
        const char *id = s_of(row, "packet");

        rc = packet_events(d, id, nl, &events, err);
        if (rc != DAEMON_OK)
            goto out;
        rc = rows(d, &r, err,
                  "SELECT id, to_oin, form_type, purpose, basis, consent_id, state, created, "
                  "delivered, decided, by_text, reason FROM outbox WHERE id = ? AND kind = "
                  "'packet'",
                  "s", id);
        if (rc != DAEMON_OK)
            goto out;
        if (json_array_size(r) > 0) {
            item = sent_item(d, json_array_get(r, 0), events, nl, now);
            if (item == NULL || json_array_append_new(sent, item) != 0)
                goto oom;
        }
        json_decref(r);
        rc = rows(d, &r, err,
                  "SELECT id, from_oin, form_type, purpose, basis, state, received, decided, "
                  "by_text, reason, key_id IS NULL AS erased_now FROM inbox WHERE id = ?",
                  "s", id);
        if (rc != DAEMON_OK)
            goto out;
        if (json_array_size(r) > 0) {
            item = received_item(d, json_array_get(r, 0), events, nl, now);
            if (item == NULL || json_array_append_new(received, item) != 0)
                goto oom;
        }
        json_decref(r);
        r = NULL;
        json_decref(events);
        events = NULL;
    }
    rc = rows(d, &refused, err,
              "SELECT at, peer, actor, detail FROM audit WHERE subject = ? AND packet IS NULL AND "
              "event = 'refused' ORDER BY seq",
              "s", subject);
    if (rc != DAEMON_OK)
        goto out;
    json_array_foreach (refused, i, row) {
        json_object_set_new(row, "to", org_json(d, s_of(row, "peer"), nl));
        core_set_time(row, "at", t_of(row, "at"));
    }
    rep =
        json_pack("{s:s, s:s, s:s, s:o, s:O, s:O, s:O}", "report", "subject", "lang",
                  nl ? "nl" : "en", "subject", subject, "organisation", org_json(d, d->me->oin, nl),
                  "sent", sent, "received", received, "refused", refused);
    if (rep == NULL)
        goto oom;
    core_set_time(rep, "generated", now);
    core_set_str(rep, "covenant", d->covenant_id);
    *out = rep;
    rep = NULL;
    rc = DAEMON_OK;
    goto out;
oom:
    rc = daemon_fail(err, DAEMON_ENOMEM, "out of memory");
out:
    json_decref(packets);
    json_decref(sent);
    json_decref(received);
    json_decref(refused);
    json_decref(r);
    json_decref(events);
    json_decref(rep);
    return rc;
}

static void
render_purpose(struct doc *doc, const json_t *item)
{
    const int nl = doc->nl;
    const char *name = s_of(item, "purpose_name"), *expl = s_of(item, "purpose_explained");

    doc_kv(doc, L(nl, "Waarom", "Why"), "%s%s%s", name != NULL ? name : s_of(item, "purpose"),
           name != NULL ? " — " : "", name != NULL ? s_of(item, "purpose") : "");
    if (expl != NULL)
        doc_kv(doc, L(nl, "Uitleg", "In plain words"), "%s", expl);
}

static void
render_timeline(struct doc *doc, const json_t *events)
{
    const json_t *e;
    char t[40], line[300];
    size_t i, used = 0;

    json_array_foreach (events, i, e) {
        int n = snprintf(line + used, sizeof line - used, "%s%s %s", i > 0 ? "; " : "",
                         when_text(jtime(e, "at"), t, sizeof t), s_of(e, "event_text"));

        if (n < 0 || (size_t)n >= sizeof line - used) {
            doc_kv(doc, i == 0 || used == 0 ? L(doc->nl, "Verloop", "History") : "", "%s", line);
            used = 0;
            line[0] = '\0';
            n = snprintf(line, sizeof line, "%s %s", when_text(jtime(e, "at"), t, sizeof t),
                         s_of(e, "event_text"));
            if (n < 0 || (size_t)n >= sizeof line)
                continue;
        }
        used += (size_t)n;
    }
    if (used > 0)
        doc_kv(doc, L(doc->nl, "Verloop", "History"), "%s", line);
}

static void
render_subject(struct daemon *d, struct doc *doc, const json_t *rep)
{
    const int nl = doc->nl;
    const json_t *item, *org = json_object_get(rep, "organisation");
    char t[40], sub[400], cats[400];
    size_t i;

    snprintf(sub, sizeof sub, "%s: %s (%s) — %s %s — %s %s", L(nl, "Organisatie", "Organisation"),
             s_of(org, "name") != NULL ? s_of(org, "name") : d->me->oin, d->me->oin,
             L(nl, "opgesteld op", "drawn up on"), when_text(jtime(rep, "generated"), t, sizeof t),
             L(nl, "kenmerk van de jongere", "the young person's reference"), s_of(rep, "subject"));
    doc_begin(doc,
              L(nl, "Inzage: welke gegevens over jou zijn gedeeld (AVG artikel 15)",
                "Access report: what was shared about you (GDPR article 15)"),
              sub);
    doc_p(doc, "%s",
          L(nl,
            "Dit overzicht laat zien welke formulieren over deze jongere zijn verstuurd of "
            "ontvangen: aan wie, wanneer, waarom, op welke grondslag en wat ermee is gebeurd. De "
            "inhoud van de formulieren staat er niet in; alleen welke soorten gegevens erin "
            "zaten.",
            "This report shows which forms about this young person were sent or received: to "
            "whom, when, why, on which legal basis and what happened to them. It does not hold "
            "the forms' content; only which kinds of data they held."));

    doc_h2(doc, "%s (%zu)", L(nl, "Wat wij hebben gedeeld", "What we shared"),
           json_array_size(json_object_get(rep, "sent")));
    if (json_array_size(json_object_get(rep, "sent")) == 0)
        doc_p(doc, "%s", L(nl, "Niets.", "Nothing."));
    json_array_foreach (json_object_get(rep, "sent"), i, item) {
        const json_t *to = json_object_get(item, "to");
        const char *state = s_of(item, "state");

        doc_item(doc, "%s %s %s", s_of(item, "form_title"), L(nl, "aan", "to"),
                 s_of(to, "name") != NULL ? s_of(to, "name") : s_of(to, "oin"));
        doc_kv(doc, L(nl, "Aan", "To"), "%s (%s), OIN %s",
               s_of(to, "name") != NULL ? s_of(to, "name") : "?",
               s_of(to, "role_text") != NULL ? s_of(to, "role_text") : "?", s_of(to, "oin"));
        doc_kv(doc, L(nl, "Verstuurd op", "Sent on"), "%s",
               when_text(jtime(item, "sent"), t, sizeof t));
        if (json_object_get(item, "delivered") != NULL)
            doc_kv(doc, L(nl, "Afgeleverd op", "Delivered on"), "%s",
                   when_text(jtime(item, "delivered"), t, sizeof t));
        render_purpose(doc, item);
        if (s_of(item, "consent") != NULL)
            doc_kv(doc, L(nl, "Grondslag", "Legal basis"), "%s (%s %s)", s_of(item, "basis_text"),
                   L(nl, "vastgelegd als", "recorded as"), s_of(item, "consent"));
        else
            doc_kv(doc, L(nl, "Grondslag", "Legal basis"), "%s", s_of(item, "basis_text"));
        doc_kv(doc, L(nl, "Soorten gegevens", "Kinds of data"), "%s",
               categories_text(json_object_get(item, "categories"), nl, cats, sizeof cats));
        if (state != NULL && strcmp(state, "accepted") == 0)
            doc_kv(doc, L(nl, "Overgenomen", "Taken over"), "%s %s %s %s", L(nl, "door", "by"),
                   s_of(item, "by") != NULL ? s_of(item, "by") : "?", L(nl, "op", "on"),
                   when_text(jtime(item, "decided"), t, sizeof t));
        else if (state != NULL && strcmp(state, "rejected") == 0)
            doc_kv(doc, L(nl, "Niet overgenomen", "Not taken over"), "%s%s%s%s: %s",
                   s_of(item, "by") != NULL ? L(nl, "door ", "by ") : "",
                   s_of(item, "by") != NULL ? s_of(item, "by") : "",
                   s_of(item, "by") != NULL ? L(nl, ", op ", ", on ") : "",
                   when_text(jtime(item, "decided"), t, sizeof t),
                   s_of(item, "reason") != NULL ? s_of(item, "reason") : "?");
        else
            doc_kv(doc, L(nl, "Stand", "State"), "%s", s_of(item, "state_text"));
        if (json_object_get(item, "withdrawal_sent") != NULL)
            doc_kv(doc, L(nl, "Toestemming ingetrokken", "Consent withdrawn"), "%s %s%s%s",
                   L(nl, "doorgegeven op", "recipient notified on"),
                   when_text(jtime(item, "withdrawal_sent"), t, sizeof t),
                   json_object_get(item, "withdrawal_confirmed") != NULL
                       ? L(nl, "; de ontvanger bevestigde dat hij de inhoud wist",
                           "; the recipient confirmed that it erases the content")
                       : L(nl, "; nog niet bevestigd", "; not confirmed yet"),
                   "");
        doc_kv(doc, L(nl, "Kenmerk", "Reference"), "%s", s_of(item, "packet"));
        render_timeline(doc, json_object_get(item, "events"));
        doc_item_end(doc);
    }

    doc_h2(doc, "%s (%zu)",
           L(nl, "Wat wij over deze jongere hebben ontvangen",
             "What we received about this young person"),
           json_array_size(json_object_get(rep, "received")));
    if (json_array_size(json_object_get(rep, "received")) == 0)
        doc_p(doc, "%s", L(nl, "Niets.", "Nothing."));
    json_array_foreach (json_object_get(rep, "received"), i, item) {
        const json_t *from = json_object_get(item, "from");
        const char *state = s_of(item, "state");

        doc_item(doc, "%s %s %s", s_of(item, "form_title"), L(nl, "van", "from"),
                 s_of(from, "name") != NULL ? s_of(from, "name") : s_of(from, "oin"));
        doc_kv(doc, L(nl, "Van", "From"), "%s (%s), OIN %s",
               s_of(from, "name") != NULL ? s_of(from, "name") : "?",
               s_of(from, "role_text") != NULL ? s_of(from, "role_text") : "?", s_of(from, "oin"));
        doc_kv(doc, L(nl, "Ontvangen op", "Received on"), "%s",
               when_text(jtime(item, "received"), t, sizeof t));
        render_purpose(doc, item);
        doc_kv(doc, L(nl, "Grondslag", "Legal basis"), "%s", s_of(item, "basis_text"));
        doc_kv(doc, L(nl, "Soorten gegevens", "Kinds of data"), "%s %s",
               L(nl, "hoogstens", "at most"),
               categories_text(json_object_get(item, "categories_allowed"), nl, cats, sizeof cats));
        if (state != NULL && strcmp(state, "accepted") == 0)
            doc_kv(doc, L(nl, "Overgenomen", "Taken over"), "%s %s %s %s", L(nl, "door", "by"),
                   s_of(item, "by") != NULL ? s_of(item, "by") : "?", L(nl, "op", "on"),
                   when_text(jtime(item, "decided"), t, sizeof t));
        else if (state != NULL && strcmp(state, "rejected") == 0)
            doc_kv(doc, L(nl, "Niet overgenomen", "Not taken over"), "%s: %s",
                   when_text(jtime(item, "decided"), t, sizeof t),
                   s_of(item, "reason") != NULL ? s_of(item, "reason") : "?");
        else
            doc_kv(doc, L(nl, "Stand", "State"), "%s", s_of(item, "state_text"));
        if (json_object_get(item, "withdrawn") != NULL)
            doc_kv(doc, L(nl, "Toestemming ingetrokken", "Consent withdrawn"), "%s",
                   when_text(jtime(item, "withdrawn"), t, sizeof t));
        if (json_object_get(item, "erased") != NULL || json_object_get(item, "content_erased"))
            doc_kv(doc, L(nl, "Inhoud gewist", "Content erased"), "%s",
                   json_object_get(item, "erased") != NULL
                       ? when_text(jtime(item, "erased"), t, sizeof t)
                       : L(nl, "ja", "yes"));
        doc_kv(doc, L(nl, "Kenmerk", "Reference"), "%s", s_of(item, "packet"));
        render_timeline(doc, json_object_get(item, "events"));
        doc_item_end(doc);
    }

    doc_h2(doc, "%s (%zu)", L(nl, "Geweigerd", "Refused"),
           json_array_size(json_object_get(rep, "refused")));
    if (json_array_size(json_object_get(rep, "refused")) == 0)
        doc_p(doc, "%s",
              L(nl, "baton heeft geen verzending over deze jongere geweigerd.",
                "baton refused no sending about this young person."));
    else
        doc_p(doc, "%s",
              L(nl,
                "Deze verzendingen heeft baton tegengehouden, omdat het convenant ze niet "
                "toestond; er is niets verstuurd:",
                "baton stopped these sends because the covenant did not allow them; nothing was "
                "sent:"));
    json_array_foreach (json_object_get(rep, "refused"), i, item) {
        char who[300];

        char rule[64];

        rule_of(s_of(item, "detail"), rule, sizeof rule);
        doc_li(doc, "%s, %s %s: %s (%s %s)", when_text(jtime(item, "at"), t, sizeof t),
               L(nl, "aan", "to"), org_text(d, s_of(item, "peer"), nl, who, sizeof who),
               rule[0] != '\0' ? WORD(rule_words, rule, nl) : s_of(item, "detail"),
               L(nl, "regel", "rule"), rule[0] != '\0' ? rule : "?");
    }
    doc_end(doc);
}

static void
subject_request(struct daemon *d, const struct http_request *req, const struct opts *o,
                struct http_reply *reply)
{
    char name[REPORTS_PARAM_MAX], dob[REPORTS_PARAM_MAX], subject[REPORTS_PARAM_MAX];
    char pseudonym[CORE_PSEUDONYM_LEN + 1];
    struct daemon_err err = {0};
    struct doc doc = {0};
    json_t *rep = NULL;
    time_t t;
    int has_name = param(req->query, "last_name", name, sizeof name),
        has_dob = param(req->query, "date_of_birth", dob, sizeof dob),
        has_subject = param(req->query, "subject", subject, sizeof subject);

    if (has_name < 0 || has_dob < 0 || has_subject < 0) {
        http_reply_error(reply, 400, "bad-request",
                         "last_name, date_of_birth and subject must be percent-encoded text of "
                         "at most %d bytes without control characters",
                         REPORTS_PARAM_MAX - 1);
        return;
    }
    if (has_subject == 1 && (has_name == 1 || has_dob == 1)) {
        http_reply_error(reply, 400, "bad-request",
                         "give either subject (the pseudonym) or last_name and date_of_birth, "
                         "not both");
        return;
    }
    if (has_subject == 1) {
        if (!valid_pseudonym(subject)) {
            http_reply_error(reply, 400, "bad-request",
                             "subject must be a pseudonym as the audit trail shows it: %d "
                             "lowercase hexadecimal digits",
                             CORE_PSEUDONYM_LEN);
            return;
        }
        memcpy(pseudonym, subject, sizeof pseudonym);
    } else {
        if (has_name != 1 || has_dob != 1) {
            http_reply_error(reply, 400, "bad-request",
                             "say whom the report is about: last_name and date_of_birth "
                             "(YYYY-MM-DD), or subject (the pseudonym)");
            return;
        }
        if (!parse_date(dob, &t)) {
            http_reply_error(reply, 400, "bad-request",
                             "date_of_birth must be a date YYYY-MM-DD, e.g. 2007-03-14");
            return;
        }
        if (!core_pseudonym(d, name, dob, pseudonym)) {
            http_reply_error(reply, 400, "bad-request",
                             "last_name is empty: give the surname without prefix (\"Haan\" for "
                             "Milan de Haan)");
            return;
        }
    }
    if (subject_report(d, pseudonym, o->nl, &rep, &err) != DAEMON_OK) {
        store_failed(d, reply, &err);
        return;
    }
    /* Who looked a young person up is itself personal-data processing: audited. */
    core_audit_about(d, time(NULL), "report-subject", NULL, NULL, pseudonym, NULL,
                     "access report (GDPR art. 15) drawn up: %zu sent, %zu received, %zu refused",
                     json_array_size(json_object_get(rep, "sent")),
                     json_array_size(json_object_get(rep, "received")),
                     json_array_size(json_object_get(rep, "refused")));
    if (o->format == FMT_JSON) {
        reply_json_new(reply, rep);
        return;
    }
    doc.html = o->format == FMT_HTML;
    doc.nl = o->nl;
    render_subject(d, &doc, rep);
    reply_doc(reply, o, &doc, -1);
    free(doc.b.p);
    json_decref(rep);
}

/* ---- 2. the processing register (GDPR art. 30) ---- */

/* The members of the directory (or the covenant's parties) with role, as [{"oin","name"}]. */
static json_t *
orgs_with_role(struct daemon *d, const char *role)
{
    json_t *out = json_array();
    const json_t *p;
    size_t i;

    if (out == NULL)
        return NULL;
    if (d->dir != NULL) {
        for (i = 0; i < d->n_pins; i++) {
            const struct keys_member *m = keys_directory_member(d->dir, d->pins[i].oin);

            if (m != NULL && m->role != NULL && strcmp(m->role, role) == 0)
                json_array_append_new(out, json_pack("{s:s, s:s}", "oin", m->oin, "name",
                                                     m->name != NULL ? m->name : "?"));
        }
        return out;
    }
    json_array_foreach (json_object_get(d->covenant, "parties"), i, p)
        if (s_of(p, "role") != NULL && strcmp(s_of(p, "role"), role) == 0)
            json_array_append_new(
                out, json_pack("{s:s?, s:s?}", "oin", s_of(p, "oin"), "name", s_of(p, "name")));
    return out;
}

static const char *const security_nl[] = {
    "Elk formulier en elk bericht is ondertekend met de Ed25519-sleutel van de afzender "
    "(JWS, EdDSA): wijzigingen en vervalsingen worden geweigerd.",
    "Elk formulier is per ontvanger versleuteld (JWE: X25519-sleutelafspraak, AES-256-GCM); "
    "alleen die ontvanger kan het lezen.",
    "De daemons praten alleen met elkaar over wederzijds geauthenticeerde TLS met vastgepinde "
    "sleutels uit de ondertekende netwerkgids.",
    "Opgeslagen formulieren zijn versleuteld met een eigen sleutel per formulier; wissen is die "
    "sleutel vernietigen.",
    "Het auditspoor is een hashketen met ondertekende controlepunten, die ook bij de partners "
    "liggen; het bevat nooit de inhoud van formulieren en noemt de jongere alleen met een "
    "pseudoniem.",
    "Toestemming wordt bij elke verzending gecontroleerd (ontvanger, doel, soorten gegevens, "
    "ouders bij minderjarigen); een ingetrokken toestemming houdt verzending tegen en laat "
    "ontvangers wissen.",
    "Dataminimalisatie: elke ontvanger krijgt alleen de velden die het convenant voor zijn rol "
    "toestaat; het BSN alleen waar een wettelijke grondslag het toelaat.",
};

static const char *const security_en[] = {
    "Every form and notice is signed with the sender's Ed25519 key (JWS, EdDSA): changes and "
    "forgeries are refused.",
    "Every form is encrypted per recipient (JWE: X25519 key agreement, AES-256-GCM); only that "
    "recipient can read it.",
    "The daemons talk to each other only over mutually authenticated TLS with keys pinned from "
    "the signed network directory.",
    "Stored forms are encrypted with a key of their own per form; erasing destroys that key.",
    "The audit trail is a hash chain with signed checkpoints that the partners keep as well; it "
    "never holds form content and names the young person by a pseudonym only.",
    "Consent is checked on every send (recipient, purpose, kinds of data, parents for minors); "
    "a withdrawn consent stops sending and makes recipients erase.",
    "Data minimisation: each recipient gets only the fields the covenant allows for its role; "
    "the BSN only where a legal basis allows it.",
};

/* "purpose|form|from-role|to-role" for the flow counts. */
static void
flow_key(char *buf, size_t size, const char *purpose, const char *form, const char *from,
         const char *to)
{
    snprintf(buf, size, "%s|%s|%s|%s", purpose != NULL ? purpose : "?", form != NULL ? form : "?",
             from != NULL ? from : "?", to != NULL ? to : "?");
}

/* Counts of the outbox's packets and the inbox per purpose, form and route into flows. */
static enum daemon_status
count_flows(struct daemon *d, json_t *flows, struct daemon_err *err)
{
    json_t *r = NULL, *row;
    enum daemon_status rc;
    const char *my_role = d->me->role;
    char key[400], form[100];
    size_t i, pass;

    for (pass = 0; pass < 2; pass++) {
        rc = rows(d, &r, err,
                  pass == 0 ? "SELECT purpose, form_type, to_oin AS oin, count(*) AS n FROM outbox "
                              "WHERE kind = 'packet' GROUP BY 1, 2, 3"
                            : "SELECT purpose, form_type, from_oin AS oin, count(*) AS n FROM "
                              "inbox GROUP BY 1, 2, 3",
                  "");
        if (rc != DAEMON_OK)
            return rc;
        json_array_foreach (r, i, row) {
            struct org o = org_of(d, s_of(row, "oin"));
            json_int_t n;

            form_short(s_of(row, "form_type"), form, sizeof form);
            if (pass == 0)
                flow_key(key, sizeof key, s_of(row, "purpose"), form, my_role, o.role);
            else
                flow_key(key, sizeof key, s_of(row, "purpose"), form, o.role, my_role);
            n = json_integer_value(json_object_get(flows, key)) +
                json_integer_value(json_object_get(row, "n"));
            json_object_set_new(flows, key, json_integer(n));
        }
        json_decref(r);
        r = NULL;
    }
    return DAEMON_OK;
}

static enum daemon_status
register_report(struct daemon *d, int nl, json_t **out, struct daemon_err *err)
{
    json_t *rep = NULL, *purposes = json_array(), *recipients = json_array(),
           *retention = json_array(), *people = json_array(), *security = json_array(),
           *flows = json_object(), *roles_seen = json_object(), *v;
    const json_t *p, *route, *b, *days;
    const char *my_role = d->me->role, *k;
    int parents = 0, staff = 0, trusted = 0;
    enum daemon_status rc = DAEMON_ENOMEM;
    char key[400];
    size_t i, j, f;

    if (purposes == NULL || recipients == NULL || retention == NULL || people == NULL ||
        security == NULL || flows == NULL || roles_seen == NULL)
        goto oom;
    rc = count_flows(d, flows, err);
    if (rc != DAEMON_OK)
        goto out;
    json_array_foreach (json_object_get(d->covenant, "purposes"), i, p) {
        json_t *proc = json_array(), *bases = json_array(), *item;

        item = json_pack(
            "{s:s?, s:s?, s:s?, s:o, s:o, s:O}", "id", s_of(p, "id"), "name", s_of(p, "name"),
            "explained", s_of(json_object_get(p, "plain_language"), nl ? "nl" : "en"),
            "legal_bases", bases, "processing", proc, "bsn_allowed_for",
            json_object_get(p, "bsn_allowed_for") != NULL ? json_object_get(p, "bsn_allowed_for")
                                                          : json_null());
        if (item == NULL || json_array_append_new(purposes, item) != 0)
            goto oom;
        json_array_foreach (json_object_get(p, "legal_bases"), j, b)
            json_array_append_new(bases,
                                  json_pack("{s:s?, s:s}", "code", json_string_value(b), "text",
                                            WORD(basis_words, json_string_value(b), nl)));
        json_array_foreach (json_object_get(p, "routes"), j, route) {
            const char *form = s_of(route, "form"), *from = s_of(route, "from"),
                       *to = s_of(route, "to");
            int sends = from != NULL && my_role != NULL && strcmp(from, my_role) == 0,
                receives = to != NULL && my_role != NULL && strcmp(to, my_role) == 0;
            json_t *cats, *r;
            const json_t *fields;

            if ((!sends && !receives) || form == NULL || to == NULL)
                continue;
            cats = route_categories(d, p, form, to);
            flow_key(key, sizeof key, s_of(p, "id"), form, from, to);
            r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:I}", "direction",
                          sends ? "sends" : "receives", "form", form, "form_title",
                          form_title(d, form, nl), "from", from, "to", to, "peer_role_text",
                          WORD(role_words, sends ? to : from, nl), "categories",
                          cats != NULL ? cats : json_array(), "count",
                          json_integer_value(json_object_get(flows, key)));
            if (r == NULL || json_array_append_new(proc, r) != 0)
                goto oom;
            if (sends)
                json_object_set_new(roles_seen, to, json_true());
            fields = json_object_get(json_object_get(json_object_get(p, "fields"), form), to);
            json_array_foreach (fields, f, v) {
                const char *ptr = json_string_value(v);

                if (ptr == NULL)
                    continue;
                parents |= strncmp(ptr, "/parents", 8) == 0 ||
                           strncmp(ptr, "/legal_representation", 21) == 0 ||
                           strcmp(ptr, "/given_by") == 0;
                staff |= strcmp(ptr, "/drawn_up_by") == 0 || strcmp(ptr, "/school_contacts") == 0 ||
                         strcmp(ptr, "/contact_person") == 0;
                trusted |= strcmp(ptr, "/trusted_person") == 0;
            }
        }
    }
    json_object_foreach (roles_seen, k, v) {
        json_t *r = json_pack("{s:s, s:s, s:o}", "role", k, "role_text", WORD(role_words, k, nl),
                              "organisations", orgs_with_role(d, k));

        if (r == NULL || json_array_append_new(recipients, r) != 0)
            goto oom;
    }
    json_object_foreach ((json_t *)json_object_get(d->covenant, "retention_days"), k, days)
        json_array_append_new(retention,
                              json_pack("{s:s, s:s, s:I}", "form", k, "form_title",
                                        form_title(d, k, nl), "days", json_integer_value(days)));
    json_array_append_new(
        people, json_string(L(nl, "jongeren die school verlaten of verlieten (tot 23 jaar)",
                              "young people who leave or left school (up to age 23)")));
    if (parents)
        json_array_append_new(people,
                              json_string(L(nl, "ouders, voogden en wettelijk vertegenwoordigers",
                                            "parents, guardians and legal representatives")));
    if (trusted)
        json_array_append_new(people, json_string(L(nl, "vertrouwenspersonen van de jongere",
                                                    "the young person's trusted persons")));
    if (staff)
        json_array_append_new(people,
                              json_string(L(nl, "medewerkers van de partners als contactpersoon",
                                            "staff of the partners as contact persons")));
    for (i = 0; i < sizeof security_nl / sizeof security_nl[0]; i++)
        json_array_append_new(security, json_string(nl ? security_nl[i] : security_en[i]));
    rep = json_pack(
        "{s:s, s:s, s:o, s:{s:s?, s:s?, s:O?, s:s?, s:s?, s:O?}, s:O, s:O, s:O, "
        "s:O, s:O}",
        "report", "register", "lang", nl ? "nl" : "en", "controller", org_json(d, d->me->oin, nl),
        "covenant", "id", d->covenant_id, "name", s_of(d->covenant, "name"), "version",
        json_object_get(d->covenant, "version"), "valid_from", s_of(d->covenant, "valid_from"),
        "valid_until", s_of(d->covenant, "valid_until"), "privacy_regulation",
        json_object_get(d->covenant, "privacy_regulation"), "purposes", purposes, "people", people,
        "recipients", recipients, "retention", retention, "security", security);
    if (rep == NULL)
        goto oom;
    if (json_is_integer(json_object_get(d->covenant, "acceptance_deadline_days")))
        json_object_set(rep, "acceptance_deadline_days",
                        json_object_get(d->covenant, "acceptance_deadline_days"));
    core_set_time(rep, "generated", time(NULL));
    *out = rep;
    rc = DAEMON_OK;
    goto out;
oom:
    rc = daemon_fail(err, DAEMON_ENOMEM, "out of memory");
out:
    json_decref(purposes);
    json_decref(recipients);
    json_decref(retention);
    json_decref(people);
    json_decref(security);
    json_decref(flows);
    json_decref(roles_seen);
    return rc;
}

static void
render_register(struct daemon *d, struct doc *doc, const json_t *rep)
{
    const int nl = doc->nl;
    const json_t *c = json_object_get(rep, "controller"), *cov = json_object_get(rep, "covenant"),
                 *p, *r, *v, *o;
    char t[40], sub[400], cats[400], line[REPORTS_LINE_MAX];
    size_t i, j, k, used;

    (void)d;
    snprintf(sub, sizeof sub, "%s %s", L(nl, "Opgesteld op", "Drawn up on"),
             when_text(jtime(rep, "generated"), t, sizeof t));
    doc_begin(doc,
              L(nl, "Register van verwerkingsactiviteiten (AVG artikel 30)",
                "Record of processing activities (GDPR article 30)"),
              sub);
    doc_h2(doc, "%s", L(nl, "Verwerkingsverantwoordelijke", "Controller"));
    doc_item(doc, "%s", s_of(c, "name") != NULL ? s_of(c, "name") : s_of(c, "oin"));
    doc_kv(doc, "OIN", "%s", s_of(c, "oin"));
    doc_kv(doc, L(nl, "Rol", "Role"), "%s", s_of(c, "role_text") ? s_of(c, "role_text") : "?");
    doc_kv(
        doc, L(nl, "Convenant", "Covenant"), "%s (%s, %s %lld), %s %s %s %s",
        s_of(cov, "name") ? s_of(cov, "name") : "?", s_of(cov, "id") ? s_of(cov, "id") : "?",
        L(nl, "versie", "version"), (long long)json_integer_value(json_object_get(cov, "version")),
        L(nl, "geldig van", "valid from"), s_of(cov, "valid_from") ? s_of(cov, "valid_from") : "?",
        L(nl, "tot en met", "until"), s_of(cov, "valid_until") ? s_of(cov, "valid_until") : "?");
    if (json_object_get(cov, "privacy_regulation") != NULL)
        doc_kv(doc, L(nl, "Privacyreglement", "Privacy regulation"), "%s %s",
               L(nl, "versie", "version"),
               s_of(json_object_get(cov, "privacy_regulation"), "version"));
    doc_item_end(doc);

    doc_h2(doc, "%s", L(nl, "Doelen en verwerkingen", "Purposes and processing"));
    json_array_foreach (json_object_get(rep, "purposes"), i, p) {
        used = 0;
        line[0] = '\0';
        json_array_foreach (json_object_get(p, "legal_bases"), j, v)
            if (used < sizeof line) /* three bases at most; a cut list stays a string */
                used += (size_t)snprintf(line + used, sizeof line - used, "%s%s", j ? ", " : "",
                                         s_of(v, "text") ? s_of(v, "text") : "?");
        doc_item(doc, "%s (%s)", s_of(p, "name") ? s_of(p, "name") : "?",
                 s_of(p, "id") ? s_of(p, "id") : "?");
        if (s_of(p, "explained") != NULL)
            doc_kv(doc, L(nl, "Uitleg", "In plain words"), "%s", s_of(p, "explained"));
        doc_kv(doc, L(nl, "Grondslagen", "Legal bases"), "%s", line);
        doc_kv(doc, "BSN", "%s",
               json_array_size(json_object_get(p, "bsn_allowed_for")) > 0
                   ? L(nl, "toegestaan bij een wettelijke verplichting",
                       "allowed under a legal obligation")
                   : L(nl, "nooit", "never"));
        if (json_array_size(json_object_get(p, "processing")) == 0)
            doc_kv(doc, L(nl, "Verwerking", "Processing"), "%s",
                   L(nl, "geen voor onze rol", "none for our role"));
        json_array_foreach (json_object_get(p, "processing"), j, r) {
            int sends = strcmp(s_of(r, "direction"), "sends") == 0;

            doc_kv(doc,
                   sends ? L(nl, "Wij versturen", "We send") : L(nl, "Wij ontvangen", "We receive"),
                   "%s %s %s: %s (%s: %lld)", s_of(r, "form_title"),
                   sends ? L(nl, "aan", "to") : L(nl, "van", "from"), s_of(r, "peer_role_text"),
                   categories_text(json_object_get(r, "categories"), nl, cats, sizeof cats),
                   sends ? L(nl, "verstuurd", "sent") : L(nl, "ontvangen", "received"),
                   (long long)json_integer_value(json_object_get(r, "count")));
        }
        doc_item_end(doc);
    }

    doc_h2(doc, "%s", L(nl, "Categorieën van betrokkenen", "Categories of data subjects"));
    json_array_foreach (json_object_get(rep, "people"), i, v)
        doc_li(doc, "%s", json_string_value(v));

    doc_h2(doc, "%s", L(nl, "Ontvangers", "Recipients"));
    if (json_array_size(json_object_get(rep, "recipients")) == 0)
        doc_p(doc, "%s", L(nl, "Geen: onze rol verstuurt niets.", "None: our role sends nothing."));
    json_array_foreach (json_object_get(rep, "recipients"), i, r) {
        used = 0;
        line[0] = '\0';
        json_array_foreach (json_object_get(r, "organisations"), k, o)
            if (used < sizeof line)
                used += (size_t)snprintf(line + used, sizeof line - used, "%s%s (OIN %s)",
                                         k ? ", " : "", s_of(o, "name") ? s_of(o, "name") : "?",
                                         s_of(o, "oin") ? s_of(o, "oin") : "?");
        doc_li(doc, "%s: %s", s_of(r, "role_text"),
               used > 0 ? line
                        : L(nl, "nog geen organisatie in de netwerkgids",
                            "no organisation in the directory yet"));
    }

    doc_h2(doc, "%s", L(nl, "Bewaartermijnen", "Retention periods"));
    json_array_foreach (json_object_get(rep, "retention"), i, r)
        doc_li(doc, "%s: %lld %s", s_of(r, "form_title"),
               (long long)json_integer_value(json_object_get(r, "days")), L(nl, "dagen", "days"));
    doc_p(doc, "%s",
          L(nl,
            "Na de bewaartermijn wordt de inhoud gewist door de sleutel ervan te vernietigen; het "
            "auditspoor houdt alleen de metadata.",
            "After the retention period the content is erased by destroying its key; the audit "
            "trail keeps the metadata only."));

    doc_h2(doc, "%s", L(nl, "Beveiligingsmaatregelen", "Security measures"));
    json_array_foreach (json_object_get(rep, "security"), i, v)
        doc_li(doc, "%s", json_string_value(v));
    doc_end(doc);
}

static void
register_request(struct daemon *d, const struct opts *o, struct http_reply *reply)
{
    struct daemon_err err = {0};
    struct doc doc = {0};
    json_t *rep = NULL;

    if (d->covenant == NULL) {
        http_reply_error(reply, 503, "covenant", "no covenant is loaded: %s", d->cov_problem);
        return;
    }
    if (register_report(d, o->nl, &rep, &err) != DAEMON_OK) {
        store_failed(d, reply, &err);
        return;
    }
    if (o->format == FMT_JSON) {
        reply_json_new(reply, rep);
        return;
    }
    doc.html = o->format == FMT_HTML;
    doc.nl = o->nl;
    render_register(d, &doc, rep);
    reply_doc(reply, o, &doc, -1);
    free(doc.b.p);
    json_decref(rep);
}

/* ---- 3. steering figures ---- */

static void
tally(json_t *dim, const char *key)
{
    json_object_set_new(
        dim, key != NULL ? key : "?",
        json_integer(json_integer_value(json_object_get(dim, key ? key : "?")) + 1));
}

/* A count as people may see it: 0, "<5" for 1 to 4, else the number. */
static json_t *
masked(json_int_t n)
{
    return n >= 1 && n <= REPORTS_SMALL ? json_string("<5") : json_integer(n);
}

static void
masked_text(const json_t *v, char *buf, size_t size)
{
    if (json_is_string(v))
        snprintf(buf, size, "%s", json_string_value(v));
    else
        snprintf(buf, size, "%lld", (long long)json_integer_value(v));
}

/* {"key": n, ...} -> [{"key","label","count"}] sorted by key, counts masked. */
static json_t *
dim_out(struct daemon *d, const json_t *dim, const char *kind, int nl)
{
    json_t *out = json_array(), *keys = json_array(), *k;
    const char *key;
    const json_t *v;
    size_t i, j;

    if (out == NULL || keys == NULL) {
        json_decref(keys);
        return out;
    }
    json_object_foreach ((json_t *)dim, key, v)
        json_array_append_new(keys, json_string(key));
    /* small: insertion sort */
    for (i = 1; i < json_array_size(keys); i++)
        for (j = i; j > 0 && strcmp(json_string_value(json_array_get(keys, j - 1)),
                                    json_string_value(json_array_get(keys, j))) > 0;
             j--) {
            json_t *a = json_incref(json_array_get(keys, j - 1));

            json_array_set(keys, j - 1, json_array_get(keys, j));
            json_array_set_new(keys, j, a);
        }
    json_array_foreach (keys, i, k) {
        const char *kk = json_string_value(k), *label = kk;
        char buf[300];

        if (strcmp(kind, "form") == 0)
            label = strcmp(kk, "?") == 0 ? L(nl, "onbekend (geweigerd)", "unknown (refused)")
                                         : form_title(d, kk, nl);
        else if (strcmp(kind, "org") == 0)
            label = org_of(d, kk).name != NULL ? org_of(d, kk).name : kk;
        else if (strcmp(kind, "outcome") == 0)
            label = WORD(outcome_words, kk, nl);
        else if (strcmp(kind, "route") == 0) {
            const char *arrow = strstr(kk, "->");
            char from[64];

            snprintf(from, sizeof from, "%.*s", arrow ? (int)(arrow - kk) : 0, kk);
            snprintf(buf, sizeof buf, "%s → %s", WORD(role_words, from, nl),
                     WORD(role_words, arrow ? arrow + 2 : "?", nl));
            label = buf;
        }
        json_array_append_new(out, json_pack("{s:s, s:s, s:o}", "key", kk, "label", label, "count",
                                             masked(json_integer_value(json_object_get(dim, kk)))));
    }
    json_decref(keys);
    return out;
}

struct dims {
    json_t *form, *route, *org, *outcome, *month;
    json_int_t total;
};

static void
dims_tally(struct dims *x, const char *form, const char *from_role, const char *to_role,
           const char *oin, const char *outcome, time_t at)
{
    char route[80], month[16], f[100];
    struct tm tm;

    snprintf(route, sizeof route, "%s->%s", from_role != NULL ? from_role : "?",
             to_role != NULL ? to_role : "?");
    if (gmtime_r(&at, &tm) != NULL)
        strftime(month, sizeof month, "%Y-%m", &tm);
    else
        snprintf(month, sizeof month, "?");
    tally(x->form, form != NULL ? form_short(form, f, sizeof f) : "?");
    tally(x->route, route);
    tally(x->org, oin);
    tally(x->outcome, outcome);
    tally(x->month, month);
    x->total++;
}

static json_t *
dims_out(struct daemon *d, struct dims *x, const char *org_name, int nl)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "total", masked(x->total), "by_form_type",
                     dim_out(d, x->form, "form", nl), "by_route", dim_out(d, x->route, "route", nl),
                     org_name, dim_out(d, x->org, "org", nl), "by_outcome",
                     dim_out(d, x->outcome, "outcome", nl), "by_month",
                     dim_out(d, x->month, "month", nl));
}

static void
dims_free(struct dims *x)
{
    json_decref(x->form);
    json_decref(x->route);
    json_decref(x->org);
    json_decref(x->outcome);
    json_decref(x->month);
}

static int
dims_init(struct dims *x)
{
    x->form = json_object();
    x->route = json_object();
    x->org = json_object();
    x->outcome = json_object();
    x->month = json_object();
    x->total = 0;
    return x->form && x->route && x->org && x->outcome && x->month;
}

static enum daemon_status
figures_report(struct daemon *d, time_t from, time_t until, int nl, json_t **out,
               struct daemon_err *err)
{
    struct dims s = {0}, r = {0};
    json_t *rowsj = NULL, *row, *rep = NULL;
    enum daemon_status rc = DAEMON_ENOMEM;
    const char *me = d->me->role;
    time_t now = time(NULL);
    size_t i;

    if (!dims_init(&s) || !dims_init(&r))
        goto oom;
    rc = rows(d, &rowsj, err,
              "SELECT form_type, to_oin, state, created, delivered FROM outbox WHERE kind = "
              "'packet' AND created >= ? AND created < ?",
              "II", (long long)from, (long long)until);
    if (rc != DAEMON_OK)
        goto out;
    json_array_foreach (rowsj, i, row) {
        const char *state = s_of(row, "state");

        if (state != NULL && strcmp(state, "delivered") == 0 && d->deadline_s > 0 &&
            now > t_of(row, "delivered") + (time_t)d->deadline_s)
            state = "overdue";
        dims_tally(&s, s_of(row, "form_type"), me, org_of(d, s_of(row, "to_oin")).role,
                   s_of(row, "to_oin"), state, t_of(row, "created"));
    }
    json_decref(rowsj);
    rc = rows(d, &rowsj, err,
              "SELECT form_type, from_oin, state, received FROM inbox WHERE received >= ? AND "
              "received < ?",
              "II", (long long)from, (long long)until);
    if (rc != DAEMON_OK)
        goto out;
    json_array_foreach (rowsj, i, row) {
        const char *state = s_of(row, "state");

        if (state != NULL && strcmp(state, "new") == 0)
            state = d->deadline_s > 0 && now > t_of(row, "received") + (time_t)d->deadline_s
                        ? "overdue"
                        : "delivered";
        dims_tally(&r, s_of(row, "form_type"), org_of(d, s_of(row, "from_oin")).role, me,
                   s_of(row, "from_oin"), state, t_of(row, "received"));
    }
    json_decref(rowsj);
    /* Refusals: our own refused sends say "send refused"; the rest are packets we refused. */
    rc = rows(d, &rowsj, err,
              "SELECT peer, at, detail LIKE 'send refused%' AS ours FROM audit WHERE event = "
              "'refused' AND at >= ? AND at < ?",
              "II", (long long)from, (long long)until);
    if (rc != DAEMON_OK)
        goto out;
    json_array_foreach (rowsj, i, row) {
        const char *peer = s_of(row, "peer");
        const char *role = org_of(d, peer).role;

        if (json_integer_value(json_object_get(row, "ours")) != 0)
            dims_tally(&s, NULL, me, role, peer, "refused", t_of(row, "at"));
        else
            dims_tally(&r, NULL, role, me, peer, "refused", t_of(row, "at"));
    }
    rep = json_pack("{s:s, s:s, s:o, s:o, s:s}", "report", "figures", "lang", nl ? "nl" : "en",
                    "sent", dims_out(d, &s, "by_recipient", nl), "received",
                    dims_out(d, &r, "by_sender", nl), "note",
                    L(nl,
                      "Aantallen van 1 tot en met 4 staan als \"<5\", zodat geen jongere te "
                      "herkennen is.",
                      "Counts from 1 to 4 are shown as \"<5\" so that no young person can be "
                      "singled out."));
    if (rep == NULL)
        goto oom;
    if (from > 0)
        core_set_time(rep, "from", from);
    if (until < (time_t)INT64_MAX)
        core_set_time(rep, "until", until);
    core_set_time(rep, "generated", now);
    *out = rep;
    rc = DAEMON_OK;
    goto out;
oom:
    rc = daemon_fail(err, DAEMON_ENOMEM, "out of memory");
out:
    json_decref(rowsj);
    dims_free(&s);
    dims_free(&r);
    return rc;
}

static void
render_dim(struct doc *doc, const char *title, const json_t *dim)
{
    const json_t *v;
    char n[16];
    size_t i;

    doc_item(doc, "%s", title);
    if (json_array_size(dim) == 0)
        doc_kv(doc, "-", "0");
    json_array_foreach (dim, i, v) {
        masked_text(json_object_get(v, "count"), n, sizeof n);
        doc_kv(doc, s_of(v, "label"), "%s", n);
    }
    doc_item_end(doc);
}

static void
render_figures(struct doc *doc, const json_t *rep)
{
    const int nl = doc->nl;
    const json_t *side;
    char t1[40], t2[40], sub[200], n[16];
    int pass;

    snprintf(sub, sizeof sub, "%s %s %s %s", L(nl, "Periode van", "Period from"),
             json_object_get(rep, "from") ? s_of(rep, "from") : L(nl, "het begin", "the start"),
             L(nl, "tot", "until"),
             json_object_get(rep, "until") ? s_of(rep, "until") : L(nl, "nu", "now"));
    (void)t1;
    (void)t2;
    doc_begin(doc, L(nl, "Stuurinformatie", "Steering figures"), sub);
    doc_p(doc, "%s", s_of(rep, "note"));
    for (pass = 0; pass < 2; pass++) {
        side = json_object_get(rep, pass == 0 ? "sent" : "received");
        masked_text(json_object_get(side, "total"), n, sizeof n);
        doc_h2(doc, "%s: %s",
               pass == 0 ? L(nl, "Verstuurd", "Sent") : L(nl, "Ontvangen", "Received"), n);
        render_dim(doc, L(nl, "Per formulier", "By form"), json_object_get(side, "by_form_type"));
        render_dim(doc, L(nl, "Per route", "By route"), json_object_get(side, "by_route"));
        render_dim(doc,
                   pass == 0 ? L(nl, "Per ontvanger", "By recipient")
                             : L(nl, "Per afzender", "By sender"),
                   json_object_get(side, pass == 0 ? "by_recipient" : "by_sender"));
        render_dim(doc, L(nl, "Per uitkomst", "By outcome"), json_object_get(side, "by_outcome"));
        render_dim(doc, L(nl, "Per maand", "By month"), json_object_get(side, "by_month"));
    }
    doc_end(doc);
}

static void
figures_request(struct daemon *d, const struct http_request *req, const struct opts *o,
                struct http_reply *reply)
{
    char v[REPORTS_PARAM_MAX];
    struct daemon_err err = {0};
    struct doc doc = {0};
    time_t from = 0, until = (time_t)INT64_MAX;
    json_t *rep = NULL;
    int r;

    r = param(req->query, "from", v, sizeof v);
    if (r < 0 || (r == 1 && !parse_date(v, &from))) {
        http_reply_error(reply, 400, "bad-request", "from must be a date YYYY-MM-DD");
        return;
    }
    r = param(req->query, "until", v, sizeof v);
    if (r < 0 || (r == 1 && !parse_date(v, &until))) {
        http_reply_error(reply, 400, "bad-request",
                         "until must be a date YYYY-MM-DD (the last day counted)");
        return;
    }
    if (r == 1)
        until += 86400; /* the whole last day */
    if (until <= from) {
        http_reply_error(reply, 400, "bad-request", "until is before from");
        return;
    }
    if (figures_report(d, from, until, o->nl, &rep, &err) != DAEMON_OK) {
        store_failed(d, reply, &err);
        return;
    }
    if (o->format == FMT_JSON) {
        reply_json_new(reply, rep);
        return;
    }
    doc.html = o->format == FMT_HTML;
    doc.nl = o->nl;
    render_figures(&doc, rep);
    reply_doc(reply, o, &doc, -1);
    free(doc.b.p);
    json_decref(rep);
}

/* ---- 4. anomalies ---- */

static int
add_anomaly(json_t *items, const char *kind, time_t at, const char *packet, const char *peer,
            struct daemon *d, const char *detail)
{
    json_t *a = json_pack("{s:s}", "kind", kind);

    if (a == NULL || json_array_append_new(items, a) != 0)
        return 0;
    core_set_time(a, "at", at);
    core_set_str(a, "packet", packet);
    core_set_str(a, "peer", peer);
    if (peer != NULL)
        core_set_str(a, "peer_name", org_of(d, peer).name);
    core_set_str(a, "detail", detail);
    return 1;
}

static enum daemon_status
anomalies_report(struct daemon *d, long days, int nl, json_t **out, struct daemon_err *err)
{
    json_t *items = json_array(), *r = NULL, *row, *open = NULL, *rep = NULL, *c;
    struct consent_row *cons = NULL;
    enum daemon_status rc = DAEMON_ENOMEM;
    time_t now = time(NULL), since = now - (time_t)days * 86400;
    size_t i, n_cons = 0;
    char rule[64], why[600];

    if (items == NULL)
        goto oom;
    /* refused sends and refused packets */
    rc = rows(d, &r, err,
              "SELECT at, packet, peer, detail, detail LIKE 'send refused%' AS ours FROM audit "
              "WHERE event = 'refused' AND at >= ? ORDER BY seq",
              "I", (long long)since);
    if (rc != DAEMON_OK)
        goto out;
    json_array_foreach (r, i, row) {
        int ours = json_integer_value(json_object_get(row, "ours")) != 0;

        if (!add_anomaly(items, ours ? "refused-send" : "refused-received", t_of(row, "at"),
                         s_of(row, "packet"), s_of(row, "peer"), d, s_of(row, "detail")))
            goto oom;
        rule_of(s_of(row, "detail"), rule, sizeof rule);
        if (rule[0] != '\0')
            core_set_str(json_array_get(items, json_array_size(items) - 1), "rule", rule);
    }
    json_decref(r);
    /* undeliverable packets and notices */
    rc = rows(d, &r, err,
              "SELECT id, kind, answers, to_oin, form_type, created, last_error FROM outbox WHERE "
              "state = 'undeliverable' AND created >= ? ORDER BY created",
              "I", (long long)since);
    if (rc != DAEMON_OK)
        goto out;
    json_array_foreach (r, i, row) {
        int packet = strcmp(s_of(row, "kind") ? s_of(row, "kind") : "", "packet") == 0;

        snprintf(why, sizeof why, "%s%s",
                 packet ? ""
                        : L(nl, "bericht (overname, intrekking) niet afgeleverd: ",
                            "notice (decision, withdrawal) not delivered: "),
                 s_of(row, "last_error") ? s_of(row, "last_error") : "");
        if (!add_anomaly(items, packet ? "undeliverable" : "undeliverable-notice",
                         t_of(row, "created"), packet ? s_of(row, "id") : s_of(row, "answers"),
                         s_of(row, "to_oin"), d, why))
            goto oom;
    }
    json_decref(r);
    r = NULL;
    /* overdue: ours delivered and not decided, and ours to decide */
    if (d->deadline_s > 0) {
        rc = rows(d, &r, err,
                  "SELECT id, to_oin, delivered FROM outbox WHERE kind = 'packet' AND state = "
                  "'delivered' AND delivered < ? ORDER BY delivered",
                  "I", (long long)(now - (time_t)d->deadline_s));
        if (rc != DAEMON_OK)
            goto out;
        json_array_foreach (r, i, row) {
            snprintf(why, sizeof why,
                     L(nl, "afgeleverd op %s en na %ld dagen nog niet overgenomen of afgewezen",
                       "delivered on %s and not accepted or rejected after %ld days"),
                     when_text(t_of(row, "delivered"), rule, sizeof rule), d->deadline_s / 86400);
            if (!add_anomaly(items, "overdue", t_of(row, "delivered"), s_of(row, "id"),
                             s_of(row, "to_oin"), d, why))
                goto oom;
        }
        json_decref(r);
        rc = rows(d, &r, err,
                  "SELECT id, from_oin, received FROM inbox WHERE state = 'new' AND received < ? "
                  "AND id NOT IN (SELECT packet FROM withdrawals_in) ORDER BY received",
                  "I", (long long)(now - (time_t)d->deadline_s));
        if (rc != DAEMON_OK)
            goto out;
        json_array_foreach (r, i, row) {
            snprintf(why, sizeof why,
                     L(nl, "ontvangen op %s; wij hebben na %ld dagen nog niet beslist",
                       "received on %s; we have not decided after %ld days"),
                     when_text(t_of(row, "received"), rule, sizeof rule), d->deadline_s / 86400);
            if (!add_anomaly(items, "overdue-decision", t_of(row, "received"), s_of(row, "id"),
                             s_of(row, "from_oin"), d, why))
                goto oom;
        }
        json_decref(r);
        r = NULL;
    }
    /* consents: ending soon, or ended (expired, withdrawn) while handovers under them are open */
    rc = rows(d, &open, err,
              "SELECT lower(consent_id) AS consent, count(*) AS n FROM outbox WHERE kind = "
              "'packet' AND consent_id IS NOT NULL AND state IN ('queued', 'delivered') GROUP BY 1",
              "");
    if (rc != DAEMON_OK)
        goto out;
    rc = consent_list(d->store, STORE_LIST_MAX, &cons, &n_cons, err);
    if (rc != DAEMON_OK)
        goto out;
    for (i = 0; i < n_cons; i++) {
        json_t *item = consent_item(&cons[i], now, 0);
        const char *state = s_of(item, "state"), *until = s_of(item, "valid_until");
        json_int_t n_open = 0;
        time_t end = 0;
        size_t k;

        json_array_foreach (open, k, c)
            if (s_of(c, "consent") != NULL && strcmp(s_of(c, "consent"), cons[i].id) == 0)
                n_open = json_integer_value(json_object_get(c, "n"));
        if (until != NULL)
            parse_date(until, &end);
        if (state != NULL && strcmp(state, "valid") == 0 && end != 0 &&
            end < now + REPORTS_EXPIRING_DAYS * 86400) {
            snprintf(why, sizeof why,
                     L(nl, "toestemming %s loopt af op %s", "consent %s expires on %s"), cons[i].id,
                     until);
            if (!add_anomaly(items, "consent-expiring", end, NULL, NULL, d, why)) {
                json_decref(item);
                goto oom;
            }
        } else if (state != NULL && strcmp(state, "valid") != 0 && n_open > 0) {
            snprintf(why, sizeof why,
                     L(nl, "toestemming %s is %s, maar %lld overdracht(en) eronder staan nog open",
                       "consent %s is %s, but %lld handover(s) under it are still open"),
                     cons[i].id,
                     strcmp(state, "withdrawn") == 0 ? L(nl, "ingetrokken", "withdrawn")
                                                     : L(nl, "verlopen", "expired"),
                     (long long)n_open);
            if (!add_anomaly(items, "consent-ended-open",
                             cons[i].withdrawn != 0 ? cons[i].withdrawn : end, NULL, NULL, d,
                             why)) {
                json_decref(item);
                goto oom;
            }
        }
        json_decref(item);
    }
    /* withdrawal notices without confirmation */
    rc = rows(d, &r, err,
              "SELECT w.answers AS packet, w.to_oin, w.created FROM outbox w WHERE w.kind = "
              "'notice' AND w.form_type = ? AND w.created < ? AND NOT EXISTS (SELECT 1 FROM "
              "notices_in c WHERE c.packet = w.answers AND c.typ = ?) ORDER BY w.created",
              "sIs", KEYS_TYP_WITHDRAWAL, (long long)(now - REPORTS_CONFIRM_DAYS * 86400),
              KEYS_TYP_WITHDRAWAL_CONFIRMATION);
    if (rc != DAEMON_OK)
        goto out;
    json_array_foreach (r, i, row) {
        snprintf(why, sizeof why,
                 L(nl, "intrekking verstuurd op %s, na %d dagen niet bevestigd",
                   "withdrawal sent on %s, not confirmed after %d days"),
                 when_text(t_of(row, "created"), rule, sizeof rule), REPORTS_CONFIRM_DAYS);
        if (!add_anomaly(items, "withdrawal-unconfirmed", t_of(row, "created"), s_of(row, "packet"),
                         s_of(row, "to_oin"), d, why))
            goto oom;
    }
    json_decref(r);
    /* a peer's checkpoints that contradict each other: its history was rewritten */
    rc = rows(d, &r, err,
              "SELECT at, peer, detail FROM audit WHERE event = 'peer-checkpoint-conflict' ORDER "
              "BY seq DESC LIMIT 100",
              "");
    if (rc != DAEMON_OK)
        goto out;
    json_array_foreach (r, i, row)
        if (!add_anomaly(items, "checkpoint-conflict", t_of(row, "at"), NULL, s_of(row, "peer"), d,
                         s_of(row, "detail")))
            goto oom;
    rep = json_pack("{s:s, s:s, s:I, s:I, s:O}", "report", "anomalies", "lang", nl ? "nl" : "en",
                    "days", (json_int_t)days, "count", (json_int_t)json_array_size(items), "items",
                    items);
    if (rep == NULL)
        goto oom;
    core_set_time(rep, "generated", now);
    *out = rep;
    rc = DAEMON_OK;
    goto out;
oom:
    rc = daemon_fail(err, DAEMON_ENOMEM, "out of memory");
out:
    consent_free_list(cons, n_cons);
    json_decref(items);
    json_decref(r);
    json_decref(open);
    return rc;
}

static const struct word anomaly_words[] = {
    {"refused-send", "Verzendingen die baton tegenhield", "Sends that baton stopped"},
    {"refused-received", "Ontvangen pakketten die baton weigerde",
     "Received packets that baton refused"},
    {"undeliverable", "Niet af te leveren overdrachten", "Undeliverable handovers"},
    {"undeliverable-notice", "Niet af te leveren berichten", "Undeliverable notices"},
    {"overdue", "Te laat: niet overgenomen door de ontvanger",
     "Overdue: not taken over by the recipient"},
    {"overdue-decision", "Te laat: wij moeten nog beslissen", "Overdue: still ours to decide"},
    {"consent-expiring", "Toestemmingen die binnenkort aflopen", "Consents that expire soon"},
    {"consent-ended-open", "Beëindigde toestemmingen met open overdrachten",
     "Ended consents with open handovers"},
    {"withdrawal-unconfirmed", "Intrekkingen zonder bevestiging",
     "Withdrawals without confirmation"},
    {"checkpoint-conflict", "Tegenstrijdige controlepunten van een partner",
     "Conflicting checkpoints of a partner"},
};

static void
render_anomalies(struct doc *doc, const json_t *rep)
{
    const int nl = doc->nl;
    const json_t *a;
    char t[40], sub[200], org[300];
    size_t i, k;

    snprintf(sub, sizeof sub, "%s %s; %s %lld %s", L(nl, "Opgesteld op", "Drawn up on"),
             when_text(jtime(rep, "generated"), t, sizeof t),
             L(nl, "weigeringen en onbestelbare overdrachten van de laatste",
               "refusals and undeliverable handovers of the last"),
             (long long)json_integer_value(json_object_get(rep, "days")), L(nl, "dagen", "days"));
    doc_begin(doc, L(nl, "Afwijkingen", "Anomalies"), sub);
    if (json_array_size(json_object_get(rep, "items")) == 0) {
        doc_p(doc, "%s", L(nl, "Geen afwijkingen.", "No anomalies."));
        doc_end(doc);
        return;
    }
    for (k = 0; k < sizeof anomaly_words / sizeof anomaly_words[0]; k++) {
        int first = 1;

        json_array_foreach (json_object_get(rep, "items"), i, a) {
            if (strcmp(s_of(a, "kind"), anomaly_words[k].code) != 0)
                continue;
            if (first)
                doc_h2(doc, "%s", nl ? anomaly_words[k].nl : anomaly_words[k].en);
            first = 0;
            snprintf(org, sizeof org, "%s%s%s", s_of(a, "peer_name") ? s_of(a, "peer_name") : "",
                     s_of(a, "peer_name") ? " " : "", s_of(a, "peer") ? s_of(a, "peer") : "");
            doc_li(doc, "%s%s%s%s%s: %s%s%s%s", when_text(jtime(a, "at"), t, sizeof t),
                   org[0] ? ", " : "", org,
                   s_of(a, "packet") ? L(nl, ", kenmerk ", ", packet ") : "",
                   s_of(a, "packet") ? s_of(a, "packet") : "",
                   s_of(a, "rule") ? WORD(rule_words, s_of(a, "rule"), nl) : "",
                   s_of(a, "rule") ? L(nl, " (regel ", " (rule ") : "",
                   s_of(a, "rule") ? s_of(a, "rule") : "",
                   s_of(a, "rule")     ? ")"
                   : s_of(a, "detail") ? s_of(a, "detail")
                                       : "");
        }
    }
    doc_end(doc);
}

static void
anomalies_request(struct daemon *d, const struct http_request *req, const struct opts *o,
                  struct http_reply *reply)
{
    char v[REPORTS_PARAM_MAX], *end;
    struct daemon_err err = {0};
    struct doc doc = {0};
    long days = REPORTS_RECENT_DAYS;
    json_t *rep = NULL;
    int r = param(req->query, "days", v, sizeof v);

    if (r == 1) {
        days = strtol(v, &end, 10);
        if (end == v || *end != '\0')
            days = -1;
    }
    if (r < 0 || days < 1 || days > REPORTS_MAX_DAYS) {
        http_reply_error(reply, 400, "bad-request", "days must be a number from 1 to %d",
                         REPORTS_MAX_DAYS);
        return;
    }
    if (anomalies_report(d, days, o->nl, &rep, &err) != DAEMON_OK) {
        store_failed(d, reply, &err);
        return;
    }
    if (o->format == FMT_JSON) {
        reply_json_new(reply, rep);
        return;
    }
    doc.html = o->format == FMT_HTML;
    doc.nl = o->nl;
    render_anomalies(&doc, rep);
    reply_doc(reply, o, &doc, (long)json_array_size(json_object_get(rep, "items")));
    free(doc.b.p);
    json_decref(rep);
}

/* ---- routing ---- */

int
core_reports_admin(struct daemon *d, const struct http_request *req, struct http_reply *reply)
{
    struct opts o;
    const char *path = req->path;

    if (strncmp(path, "/v1/reports", 11) != 0 || (path[11] != '\0' && path[11] != '/'))
        return 0;
    if (strcmp(req->method, "GET") != 0) {
        http_reply_error(reply, 405, "method", "use GET on %s", path);
        return 1;
    }
    if (!common_opts(req, &o, reply))
        return 1;
    if (d->me == NULL) {
        http_reply_error(reply, 503, "keys", "this daemon has no identity loaded");
        return 1;
    }
    if (strcmp(path, "/v1/reports/subject") == 0)
        subject_request(d, req, &o, reply);
    else if (strcmp(path, "/v1/reports/register") == 0)
        register_request(d, &o, reply);
    else if (strcmp(path, "/v1/reports/figures") == 0)
        figures_request(d, req, &o, reply);
    else if (strcmp(path, "/v1/reports/anomalies") == 0)
        anomalies_request(d, req, &o, reply);
    else
        http_reply_error(reply, 404, "not-found",
                         "no such report: %.200s; the reports are /v1/reports/subject, "
                         "/v1/reports/register, /v1/reports/figures and /v1/reports/anomalies",
                         path);
    return 1;
}
