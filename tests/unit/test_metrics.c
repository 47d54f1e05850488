/* SPDX-License-Identifier: EUPL-1.2 */
/* batond's figures: the exposition holds to the Prometheus text format 0.0.4 line by line (HELP
 * and TYPE before the samples, names, label escaping, values, histogram buckets cumulative up to
 * +Inf equal to _count), the handovers by state and the overdue ones are those in the store,
 * counters counted from several threads at once are exact, and /health/ready says why when the
 * store or the directory is not there. The checker itself is shown to refuse broken text. */
#include <math.h>
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

#include "core.h"
#include "metrics.h"
#include "store.h"
#include "store_fixture.h"

#define OIN_US "00000001001234567000"
#define OIN_PEER "00000001812345671000"
#define DAY ((time_t)86400)
#define DEADLINE_DAYS 14

struct fx {
    char dir[64];
    char path[128];
    unsigned char key[STORE_KEY_BYTES];
    struct daemon_config cfg;
    struct daemon d;
};

static void
log_sink(void *ctx, const char *line)
{
    (void)ctx;
    (void)line;
}

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct daemon_err err = {0};

    assert_non_null(f);
    store_tmp_make(f->dir, f->path, f->key, "metrics");
    assert_int_equal(store_open(f->path, OIN_US, f->key, &f->d.store, &err), DAEMON_OK);
    /* The parts of a daemon the figures use: the store and its path, the deadline, the log. */
    snprintf(f->cfg.database, sizeof f->cfg.database, "%s", f->path);
    f->d.cfg = &f->cfg;
    f->d.deadline_s = DEADLINE_DAYS * DAY;
    f->d.log_sink = log_sink;
    pthread_mutex_init(&f->d.log_mu, NULL);
    pthread_mutex_init(&f->d.mu, NULL);
    assert_int_equal(metrics_init(&f->d), 0);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;

    metrics_free(&f->d);
    store_close(f->d.store);
    pthread_mutex_destroy(&f->d.log_mu);
    pthread_mutex_destroy(&f->d.mu);
    store_tmp_remove(f->dir);
    free(f);
    return 0;
}

/* ---- a checker for the text exposition format 0.0.4 ---- */

#define MAX_SAMPLES 256
#define MAX_FAMILIES 64

struct sample {
    char name[128];
    char labels[512]; /* as written between the braces, escapes kept */
    double value;
    size_t family;
};

struct family {
    char name[128];
    char type[16];
    int help, done; /* done: its samples are over (a later sample of it is out of place) */
};

struct parsed {
    struct sample s[MAX_SAMPLES];
    size_t n;
    struct family f[MAX_FAMILIES];
    size_t nf;
};

static int
name_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

static int
name_char(int c)
{
    return name_start(c) || (c >= '0' && c <= '9');
}

/* Reads a metric name at *p into out; 0 when there is none. */
static int
read_name(const char **p, char *out, size_t size, int colon)
{
    size_t n = 0;

    if (!name_start(**p) || (!colon && **p == ':'))
        return 0;
    while (name_char(**p) && (colon || **p != ':')) {
        if (n + 1 >= size)
            return 0;
        out[n++] = *(*p)++;
    }
    out[n] = '\0';
    return 1;
}

/* A value as Go's ParseFloat reads it, or +Inf, -Inf, NaN; the whole of s. */
static int
read_value(const char *s, size_t len, double *v)
{
    char buf[64], *end;

    if (len == 0 || len >= sizeof buf)
        return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (strcmp(buf, "+Inf") == 0 || strcmp(buf, "Inf") == 0) {
        *v = INFINITY;
        return 1;
    }
    if (strcmp(buf, "-Inf") == 0) {
        *v = -INFINITY;
        return 1;
    }
    if (strcmp(buf, "NaN") == 0) {
        *v = NAN;
        return 1;
    }
    if (strspn(buf, "0123456789+-.eE") != len)
        return 0;
    *v = strtod(buf, &end);
    return *end == '\0';
}

static size_t
family_of(struct parsed *ps, const char *name, int create)
{
    size_t i;

    for (i = 0; i < ps->nf; i++)
        if (strcmp(ps->f[i].name, name) == 0)
            return i;
    if (!create || ps->nf == MAX_FAMILIES)
        return (size_t)-1;
    snprintf(ps->f[ps->nf].name, sizeof ps->f[ps->nf].name, "%s", name);
    return ps->nf++;
}

/* The family a sample name belongs to: itself, or for a histogram's _bucket, _sum and _count the
 * name without the suffix. */
static size_t
sample_family(struct parsed *ps, const char *name)
{
    static const char *const suffixes[] = {"_bucket", "_sum", "_count"};
    char base[128];
    size_t i, k, n = strlen(name);

    k = family_of(ps, name, 0);
    if (k != (size_t)-1)
        return k;
    for (i = 0; i < 3; i++) {
        size_t sl = strlen(suffixes[i]);

        if (n > sl && strcmp(name + n - sl, suffixes[i]) == 0) {
            snprintf(base, sizeof base, "%.*s", (int)(n - sl), name);
            k = family_of(ps, base, 0);
            if (k != (size_t)-1 && strcmp(ps->f[k].type, "histogram") == 0)
                return k;
        }
    }
    return (size_t)-1;
}

/* The value of label name in a sample's labels (unescaped) into out; 0 when absent. */
static int
label_value(const char *labels, const char *name, char *out, size_t size)
{
    const char *p = labels;
    size_t ln = strlen(name), n;

    while (*p != '\0') {
        int match = strncmp(p, name, ln) == 0 && p[ln] == '=';

        p = strchr(p, '"') + 1;
        n = 0;
        while (*p != '"') {
            char c = *p++;

            if (c == '\\') {
                c = *p++;
                c = c == 'n' ? '\n' : c;
            }
            if (match && n + 1 < size)
                out[n++] = c;
        }
        p++;
        if (match) {
            out[n] = '\0';
            return 1;
        }
        if (*p == ',')
            p++;
    }
    return 0;
}

/* Checks one sample line; NULL, or what is wrong. */
static const char *
parse_sample(struct parsed *ps, const char *line, size_t len)
{
    const char *p = line, *end = line + len, *vstart, *sp;
    struct sample *s;
    char lname[128];
    size_t k, i;

    if (ps->n == MAX_SAMPLES)
        return "too many samples";
    s = &ps->s[ps->n];
    memset(s, 0, sizeof *s);
    if (!read_name(&p, s->name, sizeof s->name, 1))
        return "a sample does not start with a metric name";
    if (*p == '{') {
        const char *lstart = ++p;

        while (p < end && *p != '}') {
            if (!read_name(&p, lname, sizeof lname, 0))
                return "a label name is not [a-zA-Z_][a-zA-Z0-9_]*";
            if (*p++ != '=' || *p++ != '"')
                return "a label is not name=\"value\"";
            while (p < end && *p != '"') {
                if (*p == '\\') {
                    p++;
                    if (p >= end || (*p != '\\' && *p != '"' && *p != 'n'))
                        return "a label value has an escape other than \\\\, \\\" or \\n";
                }
                p++;
            }
            if (p >= end)
                return "a label value is not closed";
            p++;
            if (*p == ',')
                p++;
            else if (*p != '}')
                return "labels are not separated by commas";
        }
        if (p >= end)
            return "the labels are not closed";
        if ((size_t)(p - lstart) >= sizeof s->labels)
            return "labels too long";
        memcpy(s->labels, lstart, (size_t)(p - lstart));
        p++;
    }
    if (*p != ' ')
        return "no space between the sample's name and its value";
    while (*p == ' ')
        p++;
    vstart = p;
    sp = memchr(vstart, ' ', (size_t)(end - vstart));
    if (!read_value(vstart, (size_t)((sp != NULL ? sp : end) - vstart), &s->value))
        return "a sample's value is not a number";
    if (sp != NULL) { /* a timestamp: an integer of milliseconds */
        for (p = sp + 1; p < end; p++)
            if (!((*p >= '0' && *p <= '9') || (*p == '-' && p == sp + 1)))
                return "a sample's timestamp is not an integer";
    }
    k = sample_family(ps, s->name);
    if (k == (size_t)-1 || ps->f[k].type[0] == '\0')
        return "a sample comes before its family's TYPE line";
    if (ps->f[k].done)
        return "a family's samples are not together";
    for (i = 0; i < ps->nf; i++)
        if (i != k && ps->f[i].type[0] != '\0')
            ps->f[i].done = 1;
    for (i = 0; i < ps->n; i++)
        if (strcmp(ps->s[i].name, s->name) == 0 && strcmp(ps->s[i].labels, s->labels) == 0)
            return "the same sample twice";
    s->family = k;
    ps->n++;
    return NULL;
}

/* Checks a family of type histogram: buckets with increasing le, cumulative counts, the last
 * one +Inf and equal to _count, and a _sum. */
static const char *
check_histogram(struct parsed *ps, size_t k)
{
    double last_le = -INFINITY, last_count = 0, count = -1;
    char name[160], le[64];
    int have_sum = 0, inf = 0;
    size_t i;

    for (i = 0; i < ps->n; i++) {
        const struct sample *s = &ps->s[i];
        double v;

        if (s->family != k)
            continue;
        snprintf(name, sizeof name, "%s_bucket", ps->f[k].name);
        if (strcmp(s->name, name) == 0) {
            if (!label_value(s->labels, "le", le, sizeof le) || !read_value(le, strlen(le), &v))
                return "a histogram bucket has no le";
            if (inf)
                return "a histogram bucket comes after +Inf";
            if (!(v > last_le))
                return "a histogram's buckets are not in increasing order of le";
            if (s->value < last_count)
                return "a histogram's buckets are not cumulative";
            last_le = v;
            last_count = s->value;
            inf = isinf(v) && v > 0;
            continue;
        }
        snprintf(name, sizeof name, "%s_count", ps->f[k].name);
        if (strcmp(s->name, name) == 0) {
            count = s->value;
            continue;
        }
        snprintf(name, sizeof name, "%s_sum", ps->f[k].name);
        if (strcmp(s->name, name) == 0) {
            have_sum = 1;
            continue;
        }
        return "a histogram holds a sample other than _bucket, _sum and _count";
    }
    if (!inf)
        return "a histogram's buckets do not end in le=\"+Inf\"";
    if (count != last_count)
        return "a histogram's +Inf bucket is not its _count";
    if (!have_sum)
        return "a histogram has no _sum";
    return NULL;
}

/* Checks the whole text; NULL, or what is wrong. ps holds the samples. */
static const char *
parse(const char *text, struct parsed *ps)
{
    static const char *const types[] = {"counter", "gauge", "histogram", "summary", "untyped"};
    const char *line = text, *nl, *why;
    char name[128];
    size_t i, k;

    memset(ps, 0, sizeof *ps);
    if (*text == '\0' || text[strlen(text) - 1] != '\n')
        return "the text does not end with a line feed";
    for (; *line != '\0'; line = nl + 1) {
        nl = strchr(line, '\n');
        if (nl == line)
            continue;
        if (strncmp(line, "# HELP ", 7) == 0 || strncmp(line, "# TYPE ", 7) == 0) {
            const char *p = line + 7;
            int help = line[2] == 'H';

            if (!read_name(&p, name, sizeof name, 1) || *p != ' ')
                return help ? "a HELP line without a metric name and text"
                            : "a TYPE line without a metric name and type";
            p++;
            k = family_of(ps, name, 1);
            if (k == (size_t)-1)
                return "too many families";
            if (help) {
                if (ps->f[k].help++)
                    return "two HELP lines for one family";
                for (; p < nl; p++)
                    if (*p == '\\' && p[1] != '\\' && p[1] != 'n')
                        return "a HELP text has an escape other than \\\\ or \\n";
                    else if (*p == '\\')
                        p++;
                continue;
            }
            if (ps->f[k].type[0] != '\0')
                return "two TYPE lines for one family";
            for (i = 0; i < 5; i++)
                if ((size_t)(nl - p) == strlen(types[i]) &&
                    strncmp(p, types[i], (size_t)(nl - p)) == 0)
                    break;
            if (i == 5)
                return "a TYPE line names no type of the format";
            snprintf(ps->f[k].type, sizeof ps->f[k].type, "%s", types[i]);
            for (i = 0; i < ps->n; i++)
                if (ps->s[i].family == k)
                    return "a TYPE line after its family's samples";
            continue;
        }
        if (*line == '#')
            continue; /* a comment */
        why = parse_sample(ps, line, (size_t)(nl - line));
        if (why != NULL)
            return why;
    }
    for (k = 0; k < ps->nf; k++)
        if (strcmp(ps->f[k].type, "histogram") == 0 && (why = check_histogram(ps, k)) != NULL)
            return why;
    return NULL;
}

/* The value of the sample "name" with labels as written ("" for none); fails when absent. */
static double
value_of(const struct parsed *ps, const char *name, const char *labels)
{
    size_t i;

    for (i = 0; i < ps->n; i++)
        if (strcmp(ps->s[i].name, name) == 0 && strcmp(ps->s[i].labels, labels) == 0)
            return ps->s[i].value;
    fail_msg("no sample %s{%s}", name, labels);
    return -1;
}

static int
has_family(const struct parsed *ps, const char *name)
{
    size_t i;

    for (i = 0; i < ps->n; i++)
        if (strcmp(ps->f[ps->s[i].family].name, name) == 0)
            return 1;
    return 0;
}

static void
render(struct fx *f, struct parsed *ps)
{
    const char *why;
    char *text = NULL;
    size_t len = 0;

    assert_int_equal(metrics_render(&f->d, &text, &len), 0);
    assert_non_null(text);
    assert_int_equal(strlen(text), len);
    why = parse(text, ps);
    if (why != NULL)
        fail_msg("the exposition is not in the text format (%s):\n%s", why, text);
    free(text);
}

/* ---- tests ---- */

/* The checker refuses what the format does not allow, so that its passing means something. */
static void
test_checker_refuses_broken_text(void **state)
{
    static const struct {
        const char *text, *why;
    } bad[] = {
        {"# TYPE a counter\na 1", "line feed"},
        {"a 1\n", "before its family's TYPE"},
        {"# TYPE a counter\na{x=\"1\"\"} 1\n", "separated by commas"},
        {"# TYPE a counter\na{x=\"a\\tb\"} 1\n", "escape other than"},
        {"# TYPE a counter\na{x=\"open} 1\n", "not closed"},
        {"# TYPE a counter\na{1x=\"v\"} 1\n", "label name"},
        {"# TYPE a counter\na one\n", "not a number"},
        {"# TYPE a counter\na 1\na 2\n", "same sample twice"},
        {"# TYPE a kounter\na 1\n", "names no type"},
        {"# TYPE a gauge\n# TYPE b gauge\na 1\nb 1\na{x=\"y\"} 2\n", "not together"},
        {"# HELP a bad \\t escape\n# TYPE a gauge\na 1\n", "HELP text"},
        {"# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
         "not cumulative"},
        {"# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n",
         "not its _count"},
        {"# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n", "+Inf"},
        {"# TYPE h histogram\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\n"
         "h_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
         "increasing order"},
    };
    struct parsed *ps = malloc(sizeof *ps);
    const char *why;
    size_t i;

    (void)state;
    assert_non_null(ps);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why = parse(bad[i].text, ps);
        if (why == NULL || strstr(why, bad[i].why) == NULL)
            fail_msg("case %zu: expected a refusal naming \"%s\", got %s", i, bad[i].why,
                     why != NULL ? why : "no refusal");
    }
    /* And takes what it allows: escapes, a timestamp, a trailing comma, comments. */
    why = parse("# a comment\n# HELP a x \\\\ y \\n z\n# TYPE a gauge\n"
                "a{x=\"q\\\"uo\\\\te\\nd\",} 1.5e3 1700000000000\n",
                ps);
    if (why != NULL)
        fail_msg("a valid exposition refused: %s", why);
    assert_int_equal(ps->n, 1);
    {
        char v[32];

        assert_true(label_value(ps->s[0].labels, "x", v, sizeof v));
        assert_string_equal(v, "q\"uo\\te\nd");
    }
    assert_true(ps->s[0].value == 1500.0);
    free(ps);
}

/* Adds an outbox row of kind ('packet' or 'notice') in state, delivered at `delivered` (0: NULL).
 */
static void
outbox_row(struct fx *f, int n, const char *kind, const char *state, time_t created,
           time_t delivered)
{
    char sql[600], dl[32];

    if (delivered != 0)
        snprintf(dl, sizeof dl, "%lld", (long long)delivered);
    else
        snprintf(dl, sizeof dl, "NULL");
    snprintf(sql, sizeof sql,
             "INSERT INTO outbox (id, kind, to_oin, form_type, state, created, delivered, body) "
             "VALUES ('00000000-0000-4000-8000-%012d', '%s', '" OIN_PEER
             "', 'urn:baton:form:school-leaver-handover:1', '%s', %lld, %s, x'00');",
             n, kind, state, (long long)created, dl);
    raw_sql(f->path, sql);
}

static void
inbox_row(struct fx *f, int n, const char *state, time_t received)
{
    char sql[600];

    snprintf(sql, sizeof sql,
             "INSERT INTO inbox (id, from_oin, form_type, purpose, basis, received, packet_sha256, "
             "receipt, state) VALUES ('10000000-0000-4000-8000-%012d', '" OIN_PEER
             "', 'urn:baton:form:school-leaver-handover:1', 'transition', 'consent', %lld, "
             "zeroblob(32), 'r', '%s');",
             n, (long long)received, state);
    raw_sql(f->path, sql);
}

/* The exposition is in the format, and its gauges are what the store holds. */
static void
test_exposition_format_and_store_figures(void **state)
{
    struct fx *f = *state;
    struct parsed *ps = malloc(sizeof *ps);
    const struct store_event ev = {"test", NULL, NULL, "an entry", NULL, NULL};
    struct daemon_err err = {0};
    const time_t now = time(NULL);
    char labels[200];
    int i;

    assert_non_null(ps);
    /* An empty store: every state there, at 0. */
    render(f, ps);
    assert_true(value_of(ps, "batond_up", "") == 1);
    assert_true(value_of(ps, "batond_handovers", "direction=\"out\",state=\"queued\"") == 0);
    assert_true(value_of(ps, "batond_handovers", "direction=\"in\",state=\"new\"") == 0);
    assert_true(value_of(ps, "batond_overdue", "") == 0);
    assert_true(value_of(ps, "batond_delivery_seconds_count", "") == 0);

    /* 3 queued, 4 delivered of which 2 past the deadline, 1 accepted long ago (not overdue),
     * 2 rejected, 1 undeliverable; notices are no handovers. */
    for (i = 0; i < 3; i++)
        outbox_row(f, i, "packet", "queued", now, 0);
    outbox_row(f, 10, "packet", "delivered", now - 20 * DAY, now - (DEADLINE_DAYS + 1) * DAY);
    outbox_row(f, 11, "packet", "delivered", now - 30 * DAY, now - 29 * DAY);
    outbox_row(f, 12, "packet", "delivered", now - DAY, now - DAY);
    outbox_row(f, 13, "packet", "delivered", now, now - DEADLINE_DAYS * DAY + 60);
    outbox_row(f, 20, "packet", "accepted", now - 60 * DAY, now - 59 * DAY);
    outbox_row(f, 30, "packet", "rejected", now, now);
    outbox_row(f, 31, "packet", "rejected", now, now);
    outbox_row(f, 40, "packet", "undeliverable", now - 10 * DAY, 0);
    outbox_row(f, 50, "notice", "queued", now, 0);
    outbox_row(f, 51, "notice", "delivered", now - 40 * DAY, now - 40 * DAY);
    for (i = 0; i < 5; i++)
        inbox_row(f, i, "new", now);
    inbox_row(f, 10, "accepted", now);
    for (i = 0; i < 7; i++)
        assert_int_equal(store_audit_add(f->d.store, now, &ev, &err), DAEMON_OK);
    metrics_count(&f->d, METRICS_SUBMITTED);
    metrics_count(&f->d, METRICS_SUBMITTED);
    metrics_count(&f->d, METRICS_PEER_REFUSED);
    metrics_latency(&f->d, 0.003);
    metrics_latency(&f->d, 0.3);
    metrics_latency(&f->d, 4000);

    render(f, ps);
    assert_true(value_of(ps, "batond_handovers", "direction=\"out\",state=\"queued\"") == 3);
    assert_true(value_of(ps, "batond_handovers", "direction=\"out\",state=\"delivered\"") == 4);
    assert_true(value_of(ps, "batond_handovers", "direction=\"out\",state=\"accepted\"") == 1);
    assert_true(value_of(ps, "batond_handovers", "direction=\"out\",state=\"rejected\"") == 2);
    assert_true(value_of(ps, "batond_handovers", "direction=\"out\",state=\"undeliverable\"") == 1);
    assert_true(value_of(ps, "batond_handovers", "direction=\"in\",state=\"new\"") == 5);
    assert_true(value_of(ps, "batond_handovers", "direction=\"in\",state=\"accepted\"") == 1);
    assert_true(value_of(ps, "batond_handovers", "direction=\"in\",state=\"rejected\"") == 0);
    assert_true(value_of(ps, "batond_overdue", "") == 2);
    assert_true(value_of(ps, "batond_audit_entries", "") ==
                (double)raw_int(f->path, "SELECT count(*) FROM audit"));
    assert_true(value_of(ps, "batond_audit_entries", "") == 7);
    assert_true(value_of(ps, "batond_submitted_total", "") == 2);
    assert_true(value_of(ps, "batond_peer_refused_total", "") == 1);
    assert_true(value_of(ps, "batond_refused_total", "") == 0);
    assert_true(value_of(ps, "batond_delivered_total", "") == 0);
    assert_true(value_of(ps, "batond_delivery_seconds_bucket", "le=\"0.005\"") == 1);
    assert_true(value_of(ps, "batond_delivery_seconds_bucket", "le=\"0.25\"") == 1);
    assert_true(value_of(ps, "batond_delivery_seconds_bucket", "le=\"0.5\"") == 2);
    assert_true(value_of(ps, "batond_delivery_seconds_bucket", "le=\"60\"") == 2);
    assert_true(value_of(ps, "batond_delivery_seconds_bucket", "le=\"+Inf\"") == 3);
    assert_true(value_of(ps, "batond_delivery_seconds_count", "") == 3);
    assert_true(fabs(value_of(ps, "batond_delivery_seconds_sum", "") - 4000.303) < 1e-6);

    /* The version travels as an escaped label value. */
    snprintf(labels, sizeof labels, "version=\"%s\"", daemon_version());
    assert_true(value_of(ps, "batond_build_info", labels) == 1);

    /* No deadline known: nothing is overdue. */
    f->d.deadline_s = 0;
    render(f, ps);
    assert_true(value_of(ps, "batond_overdue", "") == 0);
    free(ps);
}

#define THREADS 8
#define PER_THREAD 50000

static void *
counting(void *arg)
{
    struct daemon *d = arg;
    int i;

    for (i = 0; i < PER_THREAD; i++) {
        metrics_count(d, METRICS_DELIVERED);
        metrics_count(d, (i & 1) ? METRICS_RETRIES : METRICS_RECEIVED);
        metrics_latency(d, (i & 1) ? 0.25 : 3.0);
    }
    return NULL;
}

/* Counts from several threads at once are all there, none lost. */
static void
test_counters_exact_under_threads(void **state)
{
    struct fx *f = *state;
    struct parsed *ps = malloc(sizeof *ps);
    pthread_t t[THREADS];
    const double total = (double)THREADS * PER_THREAD;
    int i;

    assert_non_null(ps);
    for (i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, counting, &f->d), 0);
    for (i = 0; i < THREADS; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    render(f, ps);
    assert_true(value_of(ps, "batond_delivered_total", "") == total);
    assert_true(value_of(ps, "batond_retries_total", "") == total / 2);
    assert_true(value_of(ps, "batond_received_total", "") == total / 2);
    assert_true(value_of(ps, "batond_delivery_seconds_bucket", "le=\"0.1\"") == 0);
    assert_true(value_of(ps, "batond_delivery_seconds_bucket", "le=\"0.25\"") == total / 2);
    assert_true(value_of(ps, "batond_delivery_seconds_bucket", "le=\"2.5\"") == total / 2);
    assert_true(value_of(ps, "batond_delivery_seconds_bucket", "le=\"5\"") == total);
    assert_true(value_of(ps, "batond_delivery_seconds_bucket", "le=\"+Inf\"") == total);
    assert_true(value_of(ps, "batond_delivery_seconds_count", "") == total);
    assert_true(value_of(ps, "batond_delivery_seconds_sum", "") == total / 2 * 3.25);
    free(ps);
}

/* /health/ready names what is wrong: the store's file gone, no store, no directory. */
static void
test_ready_says_why(void **state)
{
    struct fx *f = *state;
    struct parsed *ps = malloc(sizeof *ps);
    struct store *s = f->d.store;
    char why[1000], p[160];

    assert_non_null(ps);
    assert_int_equal(metrics_live(&f->d), 1);

    /* The store is fine, so the next thing is named: no directory. */
    snprintf(f->d.dir_problem, sizeof f->d.dir_problem,
             "the network directory expired on 2020-01-01; ask the regional coordinator for a "
             "new one");
    assert_int_equal(metrics_ready(&f->d, why, sizeof why), 0);
    assert_non_null(strstr(why, "directory expired on 2020-01-01"));
    assert_null(strstr(why, "store"));
    assert_null(strchr(why, '\n'));

    /* The database file removed from under batond. */
    assert_int_equal(unlink(f->path), 0);
    snprintf(p, sizeof p, "%s-wal", f->path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", f->path);
    unlink(p);
    assert_int_equal(metrics_ready(&f->d, why, sizeof why), 0);
    assert_non_null(strstr(why, "store"));
    assert_non_null(strstr(why, "gone"));
    assert_non_null(strstr(why, f->path));
    assert_null(strchr(why, '\n'));
    /* The figures it can give, it still gives. */
    render(f, ps);
    assert_true(value_of(ps, "batond_up", "") == 1);

    /* No store at all. */
    f->d.store = NULL;
    assert_int_equal(metrics_ready(&f->d, why, sizeof why), 0);
    assert_non_null(strstr(why, "store is not open"));
    render(f, ps);
    assert_false(has_family(ps, "batond_handovers"));
    assert_true(value_of(ps, "batond_submitted_total", "") == 0);
    f->d.store = s;

    /* A small buffer gets a cut sentence, never an overflow. */
    assert_int_equal(metrics_ready(&f->d, why, 8), 0);
    assert_true(strlen(why) < 8);
    free(ps);
}

/* Without its state (a daemon not started) counting is a no-op and the text still renders. */
static void
test_without_state(void **state)
{
    struct fx *f = *state;
    struct parsed *ps = malloc(sizeof *ps);

    assert_non_null(ps);
    metrics_free(&f->d);
    assert_null(f->d.metrics);
    metrics_count(&f->d, METRICS_SUBMITTED);
    metrics_latency(&f->d, 1);
    render(f, ps);
    assert_true(value_of(ps, "batond_submitted_total", "") == 0);
    assert_true(value_of(ps, "batond_delivery_seconds_count", "") == 0);
    free(ps);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checker_refuses_broken_text),
        cmocka_unit_test_setup_teardown(test_exposition_format_and_store_figures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counters_exact_under_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ready_says_why, setup, teardown),
        cmocka_unit_test_setup_teardown(test_without_state, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
