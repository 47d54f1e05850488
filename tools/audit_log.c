/* SPDX-License-Identifier: EUPL-1.2 */
/* 'baton audit log', 'baton audit verify' and 'baton audit checkpoints': the local batond's
 * hash-chained audit trail, listed with filters, verified, and its signed checkpoints. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "admin.h"
#include "audit.h"
#include "progress.h"

/* Longest query string a listing sends: a handful of filters and up to 32 events. */
#define LOG_QUERY_MAX 4096
/* Most events one listing filters on (daemon/audit.c takes as many). */
#define LOG_MAX_EVENTS 32
/* A checkpoints file: JWS strings of about 400 characters, one a line. */
#define CHECKPOINTS_FILE_MAX (4u * 1024u * 1024u)

enum {
    OPT_SOCKET = 1,
    OPT_JSON,
    OPT_CSV,
    OPT_JWS,
    OPT_FROM,
    OPT_UNTIL,
    OPT_PEER,
    OPT_ACTION,
    OPT_SUBJECT,
    OPT_PACKET,
    OPT_LIMIT,
    OPT_CHECKPOINTS,
    OPT_HELP,
};

static const struct cli_option log_options[] = {
    {"--socket", 0, true, OPT_SOCKET}, ADMIN_TOKEN_OPTION,
    {"--json", 0, false, OPT_JSON},    {"--csv", 0, false, OPT_CSV},
    {"--from", 0, true, OPT_FROM},     {"--until", 0, true, OPT_UNTIL},
    {"--peer", 0, true, OPT_PEER},     {"--action", 0, true, OPT_ACTION},
    {"--event", 0, true, OPT_ACTION},  {"--subject", 0, true, OPT_SUBJECT},
    {"--packet", 0, true, OPT_PACKET}, {"--limit", 0, true, OPT_LIMIT},
    {"--help", 'h', false, OPT_HELP},  {NULL, 0, false, 0},
};

static const struct cli_option verify_options[] = {
    {"--socket", 0, true, OPT_SOCKET}, ADMIN_TOKEN_OPTION,
    {"--json", 0, false, OPT_JSON},    {"--checkpoints", 0, true, OPT_CHECKPOINTS},
    {"--help", 'h', false, OPT_HELP},  {NULL, 0, false, 0},
};

static const struct cli_option checkpoints_options[] = {
    {"--socket", 0, true, OPT_SOCKET},
    ADMIN_TOKEN_OPTION,
    {"--json", 0, false, OPT_JSON},
    {"--jws", 0, false, OPT_JWS},
    {"--peer", 0, true, OPT_PEER},
    {"--help", 'h', false, OPT_HELP},
    {NULL, 0, false, 0},
};

void
audit_log_help(FILE *out)
{
    fputs("The audit trail (each entry holds the hash of the one before it, and batond signs a\n"
          "checkpoint of the chain every minute while it grows, at start and at stop; peers\n"
          "keep the checkpoints they receive with receipts and notices):\n"
          "\n"
          "  baton audit log [--from T] [--until T] [--peer OIN] [--action EVENT]...\n"
          "                  [--subject PSEUDONYM] [--packet ID] [--limit N] [--json | --csv]\n"
          "      the entries that match every filter given, oldest first; the newest N (default\n"
          "      100, at most 10000) when more match. T is a date (YYYY-MM-DD, UTC; --until\n"
          "      includes that whole day) or an RFC 3339 time. --action (or --event) may be\n"
          "      given several times or as a comma-separated list: received, delivered,\n"
          "      accepted, refused, viewed, started, ... --subject: the young person's pseudonym\n"
          "      (as 'baton audit subject' shows it). Text: a table (ids shortened); --csv: RFC\n"
          "      4180 with a header row (a text that starts with = + - or @ gets a leading ' so\n"
          "      that spreadsheets do not run it); --json: batond's answer as it is.\n"
          "\n"
          "  baton audit verify [--checkpoints FILE] [--json]\n"
          "      walks the whole chain and checks every hash, then every signed checkpoint\n"
          "      (batond's own and those in FILE: one JWS a line, as a peer exports ours with\n"
          "      'baton audit checkpoints --peer OUR_OIN --jws') against it. Names the first bad\n"
          "      entry and what is wrong with it: changed, missing, out of order, inserted, the\n"
          "      log cut back or rewritten behind a checkpoint, a checkpoint that does not\n"
          "      verify. Exit status 0 only when intact, 1 when not.\n"
          "\n"
          "  baton audit checkpoints [--peer OIN] [--json | --jws]\n"
          "      batond's own signed checkpoints (size, time, head hash), or with --peer those\n"
          "      that peer sent us; --jws prints the signed checkpoints only, one a line (the\n"
          "      FILE of 'baton audit verify --checkpoints' on the peer's side).\n"
          "\n"
          "Common options:\n" ADMIN_COMMON_HELP ADMIN_TOKEN_HELP "\n",
          out);
}

/* ---- small helpers ---- */

/* Appends "&name=value" (value percent-encoded) to q; false when it does not fit. */
static bool
query_add(char *q, size_t size, const char *name, const char *value)
{
    static const char hexd[] = "0123456789ABCDEF";
    size_t n = strlen(q);
    const unsigned char *p;

    if (n + strlen(name) + 2 >= size)
        return false;
    n += (size_t)snprintf(q + n, size - n, "%s%s=", n > 0 ? "&" : "", name);
    for (p = (const unsigned char *)value; *p != '\0'; p++) {
        if (n + 4 >= size)
            return false;
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.' || *p == '~') {
            q[n++] = (char)*p;
        } else {
            q[n++] = '%';
            q[n++] = hexd[*p >> 4];
            q[n++] = hexd[*p & 15];
        }
    }
    q[n] = '\0';
    return true;
}

static bool
only(const char *s, const char *set, size_t min, size_t max)
{
    size_t n = strlen(s);

    return n >= min && n <= max && strspn(s, set) == n;
}

/* A date (YYYY-MM-DD) or an RFC 3339 time, as batond takes them. */
static bool
is_when(const char *s)
{
    char buf[40];
    time_t t;

    if (strlen(s) == 10 && only(s, "0123456789-", 10, 10)) {
        snprintf(buf, sizeof buf, "%sT00:00:00Z", s);
        return keys_time_parse(buf, &t, "date", NULL) == KEYS_OK;
    }
    return keys_time_parse(s, &t, "time", NULL) == KEYS_OK;
}

/* One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF; a text that a
 * spreadsheet would take for a formula gets a leading '. */
static void
csv_field(FILE *out, const char *s, bool text, bool last)
{
    bool quote = s != NULL && strpbrk(s, ",\"\r\n") != NULL;
    const char *p;

    if (s != NULL) {
        if (quote)
            fputc('"', out);
        if (text && strchr("=+-@\t\r", s[0]) != NULL && s[0] != '\0')
            fputc('\'', out);
        for (p = s; *p != '\0'; p++) {
            if (*p == '"')
                fputc('"', out);
            fputc(*p, out);
        }
        if (quote)
            fputc('"', out);
    }
    fputs(last ? "\r\n" : ",", out);
}

/* The first n characters of s into buf (for ids in a table). */
static const char *
shorten(const char *s, size_t n, char *buf, size_t size)
{
    if (s == NULL)
        return NULL;
    snprintf(buf, size, "%.*s", (int)n, s);
    return buf;
}

/* Asks batond; CLI_OK with a 2xx answer in *r, else the exit status after saying why. */
static int
ask(const char *command, const char *socket, const char *method, const char *path,
    const json_t *body, bool json, struct admin_reply *r)
{
    int rc = admin_request(command, admin_socket(socket), method, path, body, r);

    if (rc != CLI_OK)
        return rc;
    if (!admin_ok(r)) {
        rc = admin_refused(command, r, json);
        admin_reply_clear(r);
        return rc;
    }
    return CLI_OK;
}

/* ---- baton audit log ---- */

static void
print_entries_text(const json_t *entries)
{
    static const char *const head[] = {"SEQ",  "AT",      "EVENT", "PACKET",
                                       "PEER", "SUBJECT", "ACTOR", "DETAIL"};
    static const size_t max[] = {10, 20, 24, 8, 20, 8, 30, 70};
    struct admin_table t = {8, head, max, 0, 0, NULL};
    char seq[24], packet[16], subject[16];
    const char *cells[8];
    const json_t *e;
    size_t i;

    if (json_array_size(entries) == 0) {
        puts("No audit entries match.");
        return;
    }
    json_array_foreach (entries, i, e) {
        snprintf(seq, sizeof seq, "%lld", (long long)json_integer_value(json_object_get(e, "seq")));
        cells[0] = seq;
        cells[1] = admin_str(e, "at");
        cells[2] = admin_str(e, "event");
        cells[3] = shorten(admin_str(e, "packet"), 8, packet, sizeof packet);
        cells[4] = admin_str(e, "peer");
        cells[5] = shorten(admin_str(e, "subject"), 8, subject, sizeof subject);
        cells[6] = admin_str(e, "actor");
        cells[7] = admin_str(e, "detail");
        if (admin_table_add(&t, cells) != CLI_OK)
            break;
    }
    admin_table_print(stdout, &t);
    admin_table_free(&t);
}

static void
print_entries_csv(const json_t *entries)
{
    static const char *const cols[] = {"seq",     "at",    "event",  "packet", "peer",
                                       "subject", "actor", "detail", "hash"};
    char seq[24];
    const json_t *e;
    size_t i, k;

    for (k = 0; k < 9; k++)
        csv_field(stdout, cols[k], false, k == 8);
    json_array_foreach (entries, i, e) {
        snprintf(seq, sizeof seq, "%lld", (long long)json_integer_value(json_object_get(e, "seq")));
        csv_field(stdout, seq, false, false);
        for (k = 1; k < 9; k++)
            csv_field(stdout, admin_str(e, cols[k]), k != 1 && k != 8, k == 8);
    }
}

int
audit_log(int argc, char **argv)
{
    const char *socket = NULL, *value;
    struct admin_reply r = {0};
    struct cli_args args;
    char query[LOG_QUERY_MAX] = "", path[LOG_QUERY_MAX + 32];
    bool json = false, csv = false, fits = true;
    size_t n_events = 0;
    int opt, rc;

    cli_args_init(&args, "audit log", argc, argv);
    while ((opt = cli_next(&args, log_options, &value)) != CLI_END) {
        switch (opt) {
        case CLI_BAD:
            return CLI_UNUSABLE;
        case CLI_OPERAND:
            return cli_usage("audit log", "unexpected argument '%s'", value);
        case ADMIN_OPT_TOKEN_FILE:
            admin_set_token_file(value);
            break;
        case OPT_SOCKET:
            socket = value;
            break;
        case OPT_JSON:
            json = true;
            break;
        case OPT_CSV:
            csv = true;
            break;
        case OPT_FROM:
        case OPT_UNTIL:
            if (!is_when(value))
                return cli_usage("audit log",
                                 "%s must be a date (YYYY-MM-DD) or an RFC 3339 time "
                                 "(2026-05-28T09:00:00Z), not '%s'",
                                 opt == OPT_FROM ? "--from" : "--until", value);
            fits =
                fits && query_add(query, sizeof query, opt == OPT_FROM ? "from" : "until", value);
            break;
        case OPT_PEER:
            if (!only(value, "0123456789", KEYS_OIN_LEN, KEYS_OIN_LEN))
                return cli_usage("audit log", "--peer must be an OIN (20 digits), not '%s'", value);
            fits = fits && query_add(query, sizeof query, "peer", value);
            break;
        case OPT_ACTION:
            if (!only(value, "abcdefghijklmnopqrstuvwxyz0123456789-_,", 1, 1000))
                return cli_usage("audit log",
                                 "--action must be an event name such as received or refused "
                                 "(or several, comma-separated), not '%s'",
                                 value);
            if (++n_events > LOG_MAX_EVENTS)
                return cli_usage("audit log", "at most %d --action options", LOG_MAX_EVENTS);
            fits = fits && query_add(query, sizeof query, "event", value);
            break;
        case OPT_SUBJECT:
            if (!only(value, "0123456789abcdef", 32, 32))
                return cli_usage("audit log",
                                 "--subject must be a pseudonym: 32 lower-case hexadecimal "
                                 "digits, not '%s'",
                                 value);
            fits = fits && query_add(query, sizeof query, "subject", value);
            break;
        case OPT_PACKET:
            if (!admin_is_uuid(value))
                return cli_usage("audit log", "--packet must be a packet id (a UUID), not '%s'",
                                 value);
            {
                char lower[KEYS_UUID_LEN + 1];
                size_t i;

                for (i = 0; i <= KEYS_UUID_LEN; i++)
                    lower[i] =
                        (char)(value[i] >= 'A' && value[i] <= 'F' ? value[i] + 32 : value[i]);
                fits = fits && query_add(query, sizeof query, "packet", lower);
            }
            break;
        case OPT_LIMIT: {
            char *end;
            long n = strtol(value, &end, 10);

            if (*end != '\0' || end == value || n < 1 || n > 10000)
                return cli_usage("audit log", "--limit must be a number from 1 to 10000, not '%s'",
                                 value);
            fits = fits && query_add(query, sizeof query, "limit", value);
            break;
        }
        case OPT_HELP:
            cmd_audit_help(stdout);
            return CLI_OK;
        }
    }
    if (json && csv)
        return cli_usage("audit log", "give --json or --csv, not both");
    if (!fits)
        return cli_usage("audit log", "the filters are too long");
    snprintf(path, sizeof path, "/v1/audit%s%s", query[0] != '\0' ? "?" : "", query);
    rc = ask("audit log", socket, "GET", path, NULL, json, &r);
    if (rc != CLI_OK)
        return rc;
    if (json)
        admin_print_body(&r);
    else if (csv)
        print_entries_csv(json_object_get(r.json, "entries"));
    else
        print_entries_text(json_object_get(r.json, "entries"));
    if (!json && json_is_true(json_object_get(r.json, "more"))) {
        fflush(stdout);
        fputs("baton audit log: more entries match than were shown (the newest are): narrow the "
              "filters or raise --limit\n",
              stderr);
    }
    admin_reply_clear(&r);
    return CLI_OK;
}

/* ---- baton audit verify ---- */

/* The JWS lines of the file at path (blank lines and '#' comments skipped) into a new array. */
static int
read_checkpoints(const char *path, json_t **out)
{
    char *text = NULL, *line, *save = NULL;
    size_t len = 0, no = 0;
    json_t *list;
    int rc = cli_read_file("audit verify", path, CHECKPOINTS_FILE_MAX, &text, &len);

    if (rc == CLI_NO) {
        fprintf(stderr, "baton audit verify: %s: larger than %u bytes\n", path,
                CHECKPOINTS_FILE_MAX);
        return CLI_UNUSABLE;
    }
    if (rc != CLI_OK)
        return rc;
    if (strlen(text) != len) {
        free(text);
        fprintf(stderr, "baton audit verify: %s: not a text file (it holds a NUL byte)\n", path);
        return CLI_UNUSABLE;
    }
    list = json_array();
    for (line = strtok_r(text, "\n", &save); list != NULL && line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        size_t n = strlen(line);

        no++;
        while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
            line[--n] = '\0';
        while (*line == ' ' || *line == '\t')
            line++;
        if (*line == '\0' || *line == '#')
            continue;
        if (!only(line, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.", 1,
                  KEYS_MAX_CHECKPOINT)) {
            fprintf(stderr,
                    "baton audit verify: %s: line %zu is not a checkpoint (a compact JWS of at "
                    "most %u characters)\n",
                    path, no, KEYS_MAX_CHECKPOINT);
            json_decref(list);
            free(text);
            return CLI_UNUSABLE;
        }
        if (json_array_append_new(list, json_string(line)) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
    free(text);
    if (list == NULL) {
        fputs("baton audit verify: out of memory\n", stderr);
        return CLI_UNUSABLE;
    }
    *out = list;
    return CLI_OK;
}

/* Asking batond how far a verification got, while the verification's own request waits: a
 * thread that asks and draws the line (the only one drawing it while it runs). */
struct verify_poll {
    const char *socket;
    char query[96]; /* "?progress=ID" for the verification */
    char path[128]; /* GET /v1/audit/verify/progress?id=ID */
    atomic_bool stop;
    struct progress *progress;
    pthread_t thread;
    bool running;
};

/* How often: five times a second, as the line is redrawn at most ten times a second. */
#define VERIFY_POLL_NS 200000000L

static void *
verify_poll(void *arg)
{
    struct verify_poll *vp = arg;
    struct progress *p = vp->progress;
    const struct timespec step = {0, VERIFY_POLL_NS / 4};
    unsigned long long done = 0, total = 0;
    struct admin_reply r;
    bool asking = true;
    int i;

    for (;;) {
        for (i = 0; i < 4 && !atomic_load(&vp->stop); i++)
            nanosleep(&step, NULL);
        if (atomic_load(&vp->stop))
            break;
        if (asking) {
            if (admin_request("audit verify", vp->socket, "GET", vp->path, NULL, &r) != CLI_OK) {
                asking = false;
            } else {
                if (r.status == 200) {
                    total =
                        (unsigned long long)json_integer_value(json_object_get(r.json, "total"));
                    done = (unsigned long long)json_integer_value(json_object_get(r.json, "done"));
                }
                /* 404: not begun yet; anything else (a batond without progress, a refusal):
                 * the time waited. */
                asking = r.status == 200 || r.status == 404;
                admin_reply_clear(&r);
            }
        }
        if (total > 0)
            progress_update(p, done, total);
        else
            progress_update(p, 0, 0); /* the spinner turns, the time runs */
    }
    return NULL;
}

/* On a terminal: a progress id for the verification, and a thread that asks batond how far it
 * got and draws it. 0 when started; -1 when not (then the request's own wait is drawn). */
static int
verify_poll_start(struct verify_poll *vp, const char *socket, struct progress *p)
{
    unsigned char raw[16];
    char id[2 * sizeof raw + 1];

    memset(vp, 0, sizeof *vp);
    if (!p->on || sodium_init() < 0)
        return -1;
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(id, sizeof id, raw, sizeof raw);
    snprintf(vp->query, sizeof vp->query, "?progress=%s", id);
    snprintf(vp->path, sizeof vp->path, "/v1/audit/verify/progress?id=%s", id);
    vp->socket = admin_socket(socket);
    vp->progress = p;
    atomic_init(&vp->stop, false);
    /* libcurl's global state made here, in one thread, before two use it. */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        vp->query[0] = '\0';
        return -1;
    }
    if (pthread_create(&vp->thread, NULL, verify_poll, vp) != 0) {
        curl_global_cleanup();
        vp->query[0] = '\0';
        return -1;
    }
    vp->running = true;
    return 0;
}

static void
verify_poll_stop(struct verify_poll *vp)
{
    if (!vp->running)
        return;
    atomic_store(&vp->stop, true);
    pthread_join(vp->thread, NULL);
    vp->running = false;
    curl_global_cleanup();
}

int
audit_verify(int argc, char **argv)
{
    const char *socket = NULL, *file = NULL, *value;
    struct admin_reply r = {0};
    struct progress progress;
    struct verify_poll poll;
    struct cli_args args;
    char path[160];
    json_t *body = NULL, *list = NULL;
    const json_t *bad, *last;
    bool json = false;
    int opt, rc;

    cli_args_init(&args, "audit verify", argc, argv);
    while ((opt = cli_next(&args, verify_options, &value)) != CLI_END) {
        switch (opt) {
        case CLI_BAD:
            return CLI_UNUSABLE;
        case CLI_OPERAND:
            return cli_usage("audit verify", "unexpected argument '%s'", value);
        case ADMIN_OPT_TOKEN_FILE:
            admin_set_token_file(value);
            break;
        case OPT_SOCKET:
            socket = value;
            break;
        case OPT_JSON:
            json = true;
            break;
        case OPT_CHECKPOINTS:
            file = value;
            break;
        case OPT_HELP:
            cmd_audit_help(stdout);
            return CLI_OK;
        }
    }
    if (file != NULL) {
        rc = read_checkpoints(file, &list);
        if (rc != CLI_OK)
            return rc;
    }
    body = json_pack("{s:o}", "checkpoints", list != NULL ? list : json_array());
    if (body == NULL) {
        fputs("baton audit verify: out of memory\n", stderr);
        return CLI_UNUSABLE;
    }
    /* batond verifies the whole chain before it answers: on a terminal, the entries it walked
     * so far (asked under a progress id of this verification's own), and at the end all of
     * them as its answer counts them. */
    progress_start(&progress, "audit verify", PROGRESS_ITEMS, 0, json);
    if (verify_poll_start(&poll, socket, &progress) != 0)
        admin_set_progress(&progress);
    snprintf(path, sizeof path, "/v1/audit/verify%s", poll.query);
    rc = admin_request("audit verify", admin_socket(socket), "POST", path, body, &r);
    admin_set_progress(NULL);
    verify_poll_stop(&poll);
    if (rc == CLI_OK && admin_ok(&r) &&
        json_integer_value(json_object_get(r.json, "entries")) > 0) {
        unsigned long long n =
            (unsigned long long)json_integer_value(json_object_get(r.json, "entries"));

        progress_update(&progress, n, n);
    }
    progress_done(&progress); /* off the line before anything is said */
    if (rc == CLI_OK && !admin_ok(&r)) {
        rc = admin_refused("audit verify", &r, json);
        admin_reply_clear(&r);
    }
    json_decref(body);
    if (rc != CLI_OK)
        return CLI_UNUSABLE; /* batond could not answer the question, or the input was bad */
    if (json)
        admin_print_body(&r);
    if (json_is_true(json_object_get(r.json, "intact"))) {
        if (!json) {
            last = json_object_get(r.json, "last_checkpoint");
            long long entries = (long long)json_integer_value(json_object_get(r.json, "entries")),
                      cps = (long long)json_integer_value(json_object_get(r.json, "checkpoints"));

            printf("The audit trail is intact: %lld %s, each chained to the one before; %lld "
                   "signed %s match%s",
                   entries, entries == 1 ? "entry" : "entries", cps,
                   cps == 1 ? "checkpoint" : "checkpoints", cps == 1 ? "es" : "");
            if (last != NULL)
                printf(" (the latest covers entries 1 to %lld, signed %s)",
                       (long long)json_integer_value(json_object_get(last, "size")),
                       admin_str(last, "at") != NULL ? admin_str(last, "at") : "?");
            puts(".");
        }
        admin_reply_clear(&r);
        return CLI_OK;
    }
    bad = json_object_get(r.json, "first_bad");
    fflush(stdout);
    fprintf(stderr, "baton audit verify: the audit trail is NOT intact: entry %lld (%s): ",
            (long long)json_integer_value(json_object_get(bad, "seq")),
            admin_str(bad, "kind") != NULL ? admin_str(bad, "kind") : "?");
    cli_put_safe(stderr, admin_str(bad, "problem") != NULL ? admin_str(bad, "problem") : "?");
    fputc('\n', stderr);
    admin_reply_clear(&r);
    return CLI_NO;
}

/* ---- baton audit checkpoints ---- */

int
audit_checkpoints(int argc, char **argv)
{
    static const char *const head[] = {"SIZE", "SIGNED", "HEAD", "RECEIVED"};
    static const size_t max[] = {12, 20, 16, 20};
    const char *socket = NULL, *peer = NULL, *value;
    struct admin_reply r = {0};
    struct cli_args args;
    struct admin_table t = {4, head, max, 0, 0, NULL};
    const json_t *list, *c;
    const char *cells[4];
    char path[128], size[24];
    bool json = false, jws = false;
    size_t i;
    int opt, rc;

    cli_args_init(&args, "audit checkpoints", argc, argv);
    while ((opt = cli_next(&args, checkpoints_options, &value)) != CLI_END) {
        switch (opt) {
        case CLI_BAD:
            return CLI_UNUSABLE;
        case CLI_OPERAND:
            return cli_usage("audit checkpoints", "unexpected argument '%s'", value);
        case ADMIN_OPT_TOKEN_FILE:
            admin_set_token_file(value);
            break;
        case OPT_SOCKET:
            socket = value;
            break;
        case OPT_JSON:
            json = true;
            break;
        case OPT_JWS:
            jws = true;
            break;
        case OPT_PEER:
            if (!only(value, "0123456789", KEYS_OIN_LEN, KEYS_OIN_LEN))
                return cli_usage("audit checkpoints", "--peer must be an OIN (20 digits), not '%s'",
                                 value);
            peer = value;
            break;
        case OPT_HELP:
            cmd_audit_help(stdout);
            return CLI_OK;
        }
    }
    if (json && jws)
        return cli_usage("audit checkpoints", "give --json or --jws, not both");
    snprintf(path, sizeof path, "/v1/audit/checkpoints%s%s", peer != NULL ? "?peer=" : "",
             peer != NULL ? peer : "");
    rc = ask("audit checkpoints", socket, "GET", path, NULL, json, &r);
    if (rc != CLI_OK)
        return rc;
    list = json_object_get(r.json, "checkpoints");
    if (json) {
        admin_print_body(&r);
    } else if (jws) {
        json_array_foreach (list, i, c)
            if (admin_str(c, "jws") != NULL)
                printf("%s\n", admin_str(c, "jws"));
    } else if (json_array_size(list) == 0) {
        puts(peer != NULL ? "That peer has sent us no checkpoints." : "No checkpoints yet.");
    } else {
        json_array_foreach (list, i, c) {
            snprintf(size, sizeof size, "%lld",
                     (long long)json_integer_value(json_object_get(c, "size")));
            cells[0] = size;
            cells[1] = admin_str(c, "at");
            cells[2] = admin_str(c, "head");
            cells[3] = admin_str(c, "received");
            if (admin_table_add(&t, cells) != CLI_OK)
                break;
        }
        admin_table_print(stdout, &t);
        admin_table_free(&t);
    }
    admin_reply_clear(&r);
    return CLI_OK;
}
