/* SPDX-License-Identifier: EUPL-1.2 */
/* The client of batond's admin API: JSON over HTTP on its Unix socket, with libcurl, and the
 * tables and times that the daemon commands show people. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "admin.h"
#include "progress.h"

#define SUN_PATH_MAX (sizeof(((struct sockaddr_un *)0)->sun_path))

const char *
admin_socket(const char *value)
{
    const char *v = cli_option_or_env(value, ADMIN_SOCKET_ENV);

    return v != NULL ? v : ADMIN_SOCKET_DEFAULT;
}

/* "baton COMMAND: " and the rest, formatted; path, when not NULL, replaces the first %s made
 * safe. Used for every message about the connection. */
static void
say_socket(const char *command, const char *before, const char *path, const char *after)
{
    fflush(stdout);
    fprintf(stderr, "baton %s: %s", command, before);
    if (path != NULL)
        cli_put_safe(stderr, path);
    fputs(after, stderr);
    fputc('\n', stderr);
}

static void
say_errno(const char *command, const char *before, const char *path, int e)
{
    char text[160];

    snprintf(text, sizeof text, ": %s", strerror(e));
    say_socket(command, before, path, text);
}

static void
say_permission(const char *command, const char *path, const struct stat *st)
{
    struct group *g = st != NULL ? getgrgid(st->st_gid) : NULL;
    char group[64];

    if (g != NULL)
        snprintf(group, sizeof group, " ('%.40s')", g->gr_name);
    else if (st != NULL)
        snprintf(group, sizeof group, " (group %lu)", (unsigned long)st->st_gid);
    else
        group[0] = '\0';
    fflush(stdout);
    fprintf(stderr, "baton %s: permission denied on the socket ", command);
    cli_put_safe(stderr, path);
    fprintf(stderr,
            ": add yourself to the group that owns it%s, batond's admin_group, then log in "
            "again\n",
            group);
}

static void
say_not_running(const char *command, const char *path)
{
    say_socket(command, "batond is not running (no socket at ", path,
               ")\n  Start it, or name its admin_socket with --socket or " ADMIN_SOCKET_ENV ".");
}

/* What can be told about the socket before connecting. st is filled when it exists. */
static int
check_socket(const char *command, const char *path, struct stat *st, bool *have_st)
{
    *have_st = false;
    if (path[0] == '\0')
        return cli_usage(command, "--socket needs a path");
    if (strlen(path) >= SUN_PATH_MAX) {
        say_socket(command, "the socket path ", path, " is too long for a Unix socket");
        return CLI_UNUSABLE;
    }
    if (stat(path, st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            say_not_running(command, path);
        else if (errno == EACCES)
            say_permission(command, path, NULL);
        else
            say_errno(command, "cannot use the socket ", path, errno);
        return CLI_UNUSABLE;
    }
    *have_st = true;
    if (!S_ISSOCK(st->st_mode)) {
        say_socket(command, "", path,
                   S_ISDIR(st->st_mode)
                       ? " is a folder, not batond's socket: give batond's admin_socket with "
                         "--socket or " ADMIN_SOCKET_ENV
                       : " is not a socket, so not batond's: give batond's admin_socket with "
                         "--socket or " ADMIN_SOCKET_ENV);
        return CLI_UNUSABLE;
    }
    return CLI_OK;
}

struct sink {
    char *p;
    size_t len, cap;
    bool too_big, no_memory;
};

static size_t
sink_write(char *data, size_t size, size_t n, void *userdata)
{
    struct sink *s = userdata;
    size_t more = size * n, cap;
    char *p;

    if (more > ADMIN_MAX_REPLY - s->len) {
        s->too_big = true;
        return 0;
    }
    if (s->len + more + 1 > s->cap) {
        cap = s->cap == 0 ? 4096 : s->cap;
        while (cap < s->len + more + 1)
            cap *= 2;
        p = realloc(s->p, cap);
        if (p == NULL) {
            s->no_memory = true;
            return 0;
        }
        s->p = p;
        s->cap = cap;
    }
    memcpy(s->p + s->len, data, more);
    s->len += more;
    s->p[s->len] = '\0';
    return more;
}

/* Says why talking to batond failed. */
static void
say_failure(const char *command, const char *path, CURLcode code, long os_errno,
            const struct sink *s, const char *errbuf, const struct stat *st)
{
    char text[CURL_ERROR_SIZE + 128];

    if (code == CURLE_COULDNT_CONNECT && (os_errno == EACCES || os_errno == EPERM)) {
        say_permission(command, path, st);
        return;
    }
    if (code == CURLE_COULDNT_CONNECT && (os_errno == ECONNREFUSED || os_errno == ENOENT)) {
        say_socket(command, "batond is not running (nothing listens on ", path,
                   "; the socket was left by a daemon that stopped)\n  Start it, or name its "
                   "admin_socket with --socket or " ADMIN_SOCKET_ENV ".");
        return;
    }
    if (code == CURLE_OPERATION_TIMEDOUT) {
        snprintf(text, sizeof text, " did not answer within %ld seconds", ADMIN_TIMEOUT_S);
        say_socket(command, "batond at ", path, text);
        return;
    }
    if (s->too_big) {
        snprintf(text, sizeof text, " is larger than %u MiB; nothing was shown",
                 ADMIN_MAX_REPLY / 1024u / 1024u);
        say_socket(command, "the answer of batond at ", path, text);
        return;
    }
    if (s->no_memory) {
        say_socket(command, "out of memory reading the answer of batond at ", path, "");
        return;
    }
    if (code == CURLE_GOT_NOTHING || code == CURLE_RECV_ERROR) {
        say_socket(command, "batond at ", path,
                   " closed the connection without an answer (did it stop? see its log)");
        return;
    }
    snprintf(text, sizeof text, ": %s", errbuf[0] != '\0' ? errbuf : curl_easy_strerror(code));
    say_socket(command, "could not talk to batond at ", path, text);
}

void
admin_reply_clear(struct admin_reply *r)
{
    if (r == NULL)
        return;
    free(r->body);
    json_decref(r->json);
    memset(r, 0, sizeof *r);
}

bool
admin_ok(const struct admin_reply *r)
{
    return r->status >= 200 && r->status < 300;
}

/* --token-file's value: the command's own choice for its requests (NULL: $BATON_TOKEN). */
static const char *token_file;

void
admin_set_token_file(const char *path)
{
    token_file = path;
}

/* Where the requests of this thread show their progress (NULL: nowhere). */
static _Thread_local struct progress *request_progress;

void
admin_set_progress(struct progress *p)
{
    request_progress = p;
}

/* The header "Authorization: Bearer TOKEN" with the token of --token-file or $BATON_TOKEN into
 * *out (guarded memory, sodium_free), or NULL when there is no token. CLI_UNUSABLE after saying
 * why for a token file others may read or that cannot be read, and for a token that is empty,
 * too long or has spaces or control characters (which would end the header). */
static int
token_header(const char *command, char **out)
{
    static const char prefix[] = "Authorization: Bearer ";
    const char *env = getenv(ADMIN_TOKEN_ENV), *from = token_file;
    char *h = NULL, *t;
    size_t len = 0, i;
    struct stat st;
    ssize_t n;
    int fd = -1, rc = CLI_UNUSABLE;

    *out = NULL;
    if (from == NULL && (env == NULL || env[0] == '\0'))
        return CLI_OK;
    if (sodium_init() < 0) {
        fprintf(stderr, "baton %s: libsodium could not start\n", command);
        return CLI_UNUSABLE;
    }
    h = sodium_malloc(sizeof prefix + ADMIN_TOKEN_MAX + 2);
    if (h == NULL) {
        fprintf(stderr, "baton %s: no guarded memory for the token\n", command);
        return CLI_UNUSABLE;
    }
    memcpy(h, prefix, sizeof prefix - 1);
    t = h + sizeof prefix - 1;
    if (from != NULL) {
        fd = open(from, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0 || fstat(fd, &st) != 0) {
            say_errno(command, "cannot read the token file ", from, errno);
            goto out;
        }
        if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
            say_socket(command, "the token file ", from,
                       S_ISREG(st.st_mode) ? " may be read by others: run chmod 600 on it"
                                           : " is not a regular file");
            goto out;
        }
        do {
            n = read(fd, t + len, ADMIN_TOKEN_MAX + 1 - len);
            if (n > 0)
                len += (size_t)n;
        } while ((n > 0 && len <= ADMIN_TOKEN_MAX) || (n < 0 && errno == EINTR));
        if (n < 0) {
            say_errno(command, "cannot read the token file ", from, errno);
            goto out;
        }
        t[len] = '\0';
        len = strcspn(t, "\r\n");
        t[len] = '\0';
    } else {
        len = strlen(env);
        if (len > ADMIN_TOKEN_MAX)
            len = ADMIN_TOKEN_MAX + 1;
        memcpy(t, env, len);
        t[len] = '\0';
    }
    for (i = 0; i < len; i++)
        if ((unsigned char)t[i] <= 0x20 || (unsigned char)t[i] >= 0x7f)
            break;
    if (len == 0 || len > ADMIN_TOKEN_MAX || i < len) {
        fprintf(stderr,
                "baton %s: the token (%s) must be 1 to %d visible characters without spaces\n",
                command, from != NULL ? "--token-file" : "$" ADMIN_TOKEN_ENV, ADMIN_TOKEN_MAX);
        goto out;
    }
    *out = h;
    h = NULL;
    rc = CLI_OK;
out:
    if (fd >= 0)
        close(fd);
    sodium_free(h);
    return rc;
}

int
admin_request(const char *command, const char *socket, const char *method, const char *path,
              const json_t *body, struct admin_reply *reply)
{
    char errbuf[CURL_ERROR_SIZE] = "", url[512], agent[64], *auth = NULL;
    struct curl_slist *headers = NULL, *h;
    struct sink sink = {0};
    struct stat st;
    json_error_t jerr;
    bool have_st;
    char *request = NULL;
    CURL *curl = NULL;
    CURLcode code;
    long os_errno = 0;
    int rc = CLI_UNUSABLE;

    memset(reply, 0, sizeof *reply);
    rc = check_socket(command, socket, &st, &have_st);
    if (rc == CLI_OK)
        rc = token_header(command, &auth);
    if (rc != CLI_OK)
        return rc;
    rc = CLI_UNUSABLE;
    if ((size_t)snprintf(url, sizeof url, "http://localhost%s", path) >= sizeof url) {
        fprintf(stderr, "baton %s: the request path is too long\n", command);
        goto out_free;
    }
    if (body != NULL) {
        request = json_dumps(body, JSON_COMPACT);
        if (request == NULL) {
            fprintf(stderr, "baton %s: out of memory\n", command);
            goto out_free;
        }
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "baton %s: libcurl could not start\n", command);
        goto out_free;
    }
    curl = curl_easy_init();
    if (curl == NULL) {
        fprintf(stderr, "baton %s: libcurl could not start\n", command);
        goto out;
    }
    h = curl_slist_append(headers, "Accept: application/json");
    if (h != NULL)
        headers = h;
    /* No "Expect: 100-continue" round trip: the daemon is local and answers at once. */
    h = h != NULL ? curl_slist_append(headers, "Expect:") : NULL;
    if (h != NULL && request != NULL)
        h = curl_slist_append(headers, "Content-Type: application/json");
    if (h != NULL && auth != NULL)
        h = curl_slist_append(headers, auth);
    if (h == NULL) {
        fprintf(stderr, "baton %s: out of memory\n", command);
        goto out;
    }
    snprintf(agent, sizeof agent, "baton/%s", BATON_VERSION);

    /* Every option is checked: one that did not take could send the request elsewhere. */
    code = curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    if (code == CURLE_OK)
        code = curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, socket);
    if (code == CURLE_OK)
        code = curl_easy_setopt(curl, CURLOPT_URL, url);
    if (code == CURLE_OK)
        code = curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http");
    if (code == CURLE_OK) /* http_proxy and the like must not take the request elsewhere */
        code = curl_easy_setopt(curl, CURLOPT_PROXY, "");
    if (code == CURLE_OK)
        code = curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    if (code == CURLE_OK)
        code = curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, ADMIN_CONNECT_TIMEOUT_S);
    if (code == CURLE_OK)
        code = curl_easy_setopt(curl, CURLOPT_TIMEOUT, ADMIN_TIMEOUT_S);
    if (code == CURLE_OK)
        code = curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    if (code == CURLE_OK)
        code = curl_easy_setopt(curl, CURLOPT_USERAGENT, agent);
    if (code == CURLE_OK)
        code = curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sink_write);
    if (code == CURLE_OK)
        code = curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
    if (code == CURLE_OK && request_progress != NULL) {
        code = curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, progress_curl);
        if (code == CURLE_OK)
            code = curl_easy_setopt(curl, CURLOPT_XFERINFODATA, request_progress);
        if (code == CURLE_OK)
            code = curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    }
    if (code == CURLE_OK && strcmp(method, "POST") == 0) {
        code = curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request != NULL ? request : "");
        if (code == CURLE_OK)
            code = curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                                    (curl_off_t)(request != NULL ? strlen(request) : 0));
    } else if (code == CURLE_OK && strcmp(method, "GET") != 0) {
        code = curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    }
    if (code != CURLE_OK) {
        fprintf(stderr, "baton %s: libcurl refused an option: %s\n", command,
                curl_easy_strerror(code));
        goto out;
    }

    code = curl_easy_perform(curl);
    if (request_progress != NULL) /* what is said next starts on a clean line */
        progress_clear(request_progress);
    if (code != CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno);
        say_failure(command, socket, code, os_errno, &sink, errbuf, have_st ? &st : NULL);
        goto out;
    }
    if (curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply->status) != CURLE_OK)
        reply->status = 0;
    if (sink.p == NULL) {
        sink.p = calloc(1, 1);
        if (sink.p == NULL) {
            fprintf(stderr, "baton %s: out of memory\n", command);
            goto out;
        }
    }
    reply->body = sink.p;
    reply->len = sink.len;
    sink.p = NULL;
    reply->json = json_loadb(reply->body, reply->len, JSON_REJECT_DUPLICATES, &jerr);
    if (admin_ok(reply) && !json_is_object(reply->json)) {
        say_socket(command, "the answer of batond at ", socket,
                   reply->json == NULL ? " is not JSON: is it batond that listens there?"
                                       : " is JSON but not an object: is it batond that listens "
                                         "there?");
        admin_reply_clear(reply);
        goto out;
    }
    rc = CLI_OK;
out:
    curl_easy_cleanup(curl);
    curl_slist_free_all(headers);
    curl_global_cleanup();
out_free:
    sodium_free(auth);
    free(sink.p);
    free(request);
    return rc;
}

const char *
admin_str(const json_t *o, const char *name)
{
    return json_string_value(json_object_get(o, name));
}

/* One entry of an error's "details": the basic output format's instanceLocation and error, or
 * a string. */
static void
say_detail(const json_t *d)
{
    const char *loc = admin_str(d, "instanceLocation"), *text = admin_str(d, "error");

    if (json_is_string(d))
        text = json_string_value(d);
    if (text == NULL)
        text = admin_str(d, "message");
    fputs("  ", stderr);
    if (loc != NULL) {
        cli_put_safe(stderr, loc[0] != '\0' ? loc : "(top level)");
        fputs(": ", stderr);
    }
    cli_put_safe(stderr, text != NULL ? text : "(no message)");
    fputc('\n', stderr);
}

int
admin_refused(const char *command, const struct admin_reply *r, bool json)
{
    const char *error = admin_str(r->json, "error"), *code = admin_str(r->json, "code");
    const json_t *details = json_object_get(r->json, "details"), *d;
    bool refusal = r->status >= 400 && r->status < 500;
    char snippet[201];
    size_t i;

    if (json)
        admin_print_body(r);
    fflush(stdout);
    /* 503: batond explains what keeps it from doing this (an expired directory, a recipient
     * that is not in it); anything else is a fault that its log tells more about. */
    fprintf(stderr, "baton %s: %s: ", command,
            refusal            ? "batond refused"
            : r->status == 503 ? "batond cannot do this"
                               : "batond failed");
    if (error != NULL) {
        cli_put_safe(stderr, error);
    } else {
        snprintf(snippet, sizeof snippet, "%s", r->body != NULL ? r->body : "");
        fprintf(stderr, "HTTP status %ld without an explanation", r->status);
        if (snippet[0] != '\0') {
            fputs(" (it said: ", stderr);
            cli_put_safe(stderr, snippet);
            fputc(')', stderr);
        }
    }
    if (code != NULL) {
        fputs(" [", stderr);
        cli_put_safe(stderr, code);
        fputc(']', stderr);
    }
    fputc('\n', stderr);
    if (json_is_array(details)) {
        json_array_foreach (details, i, d)
            say_detail(d);
    }
    if (!refusal && r->status != 503)
        fputs("  See batond's log for more.\n", stderr);
    return refusal ? CLI_NO : CLI_UNUSABLE;
}

void
admin_print_body(const struct admin_reply *r)
{
    if (r->body == NULL)
        return;
    fwrite(r->body, 1, r->len, stdout);
    if (r->len == 0 || r->body[r->len - 1] != '\n')
        fputc('\n', stdout);
}

bool
admin_is_uuid(const char *s)
{
    size_t i;

    if (strlen(s) != ADMIN_ID_LEN)
        return false;
    for (i = 0; i < ADMIN_ID_LEN; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return false;
        } else if (strchr("0123456789abcdefABCDEF", s[i]) == NULL || s[i] == '\0') {
            return false;
        }
    }
    return true;
}

int
admin_resolve_id(const char *command, const char *socket, const char *list_path, const char *id,
                 char out[ADMIN_ID_LEN + 1])
{
    struct admin_reply r = {0};
    const json_t *items, *item;
    const char *item_id, *found = NULL;
    char want[ADMIN_ID_LEN + 1];
    size_t i, len = strlen(id), matches = 0;
    int rc;

    for (i = 0; i < len; i++)
        if (strchr("0123456789abcdefABCDEF-", id[i]) == NULL)
            return cli_usage(command,
                             "'%s' is not an id: ids are UUIDs, hexadecimal digits and '-' (or "
                             "their first characters)",
                             id);
    if (len > ADMIN_ID_LEN)
        return cli_usage(command, "'%s' is not an id: it is longer than a UUID", id);
    for (i = 0; i <= len; i++)
        want[i] = (char)(id[i] >= 'A' && id[i] <= 'F' ? id[i] - 'A' + 'a' : id[i]);
    if (admin_is_uuid(want)) {
        memcpy(out, want, ADMIN_ID_LEN + 1);
        return CLI_OK;
    }
    if (len < 4)
        return cli_usage(command, "give the id, or at least its first 4 characters");

    rc = admin_request(command, socket, "GET", list_path, NULL, &r);
    if (rc != CLI_OK)
        return rc;
    if (!admin_ok(&r)) {
        rc = admin_refused(command, &r, false);
        goto out;
    }
    items = json_object_get(r.json, "items");
    json_array_foreach (items, i, item) {
        item_id = admin_str(item, "id");
        if (item_id != NULL && strncmp(item_id, want, len) == 0 && admin_is_uuid(item_id)) {
            found = item_id;
            matches++;
        }
    }
    if (matches == 0) {
        fflush(stdout);
        fprintf(stderr, "baton %s: nothing in the %s has an id that starts with '%s'\n", command,
                strcmp(list_path, "/v1/inbox") == 0 ? "inbox" : "outbox", want);
        rc = CLI_NO;
    } else if (matches > 1) {
        fflush(stdout);
        fprintf(stderr, "baton %s: %zu ids start with '%s': give more of the id\n", command,
                matches, want);
        rc = CLI_UNUSABLE;
    } else {
        memcpy(out, found, ADMIN_ID_LEN + 1);
        rc = CLI_OK;
    }
out:
    admin_reply_clear(&r);
    return rc;
}

/* ---- people's views ---- */

const char *
admin_short_form(const char *form_type, char *buf, size_t size)
{
    static const char prefix[] = "urn:baton:form:";
    const char *name, *colon;
    size_t n;

    if (form_type == NULL)
        return "-";
    if (strncmp(form_type, prefix, sizeof prefix - 1) != 0)
        return form_type;
    name = form_type + sizeof prefix - 1;
    colon = strrchr(name, ':');
    n = colon != NULL && strcmp(colon, ":1") == 0 ? (size_t)(colon - name) : strlen(name);
    snprintf(buf, size, "%.*s", (int)n, name);
    return buf;
}

time_t
admin_time(const char *s)
{
    struct keys_err err = {0};
    time_t t;

    if (s == NULL || keys_time_parse(s, &t, "time", &err) != KEYS_OK)
        return (time_t)-1;
    return t;
}

static void
span(long long d, char *buf, size_t size)
{
    if (d < 60)
        snprintf(buf, size, "%llds", d);
    else if (d < 3600)
        snprintf(buf, size, "%lldm", d / 60);
    else if (d < 86400)
        snprintf(buf, size, "%lldh", d / 3600);
    else
        snprintf(buf, size, "%lldd", d / 86400);
}

const char *
admin_age(time_t t, time_t now, char *buf, size_t size)
{
    char s[32];

    if (t == (time_t)-1)
        return "-";
    if (now - t < 60)
        return "now";
    span((long long)(now - t), s, sizeof s);
    snprintf(buf, size, "%s ago", s);
    return buf;
}

const char *
admin_due(time_t t, time_t now, char *buf, size_t size)
{
    char s[32];

    if (t == (time_t)-1)
        return "-";
    if (t >= now) {
        span((long long)(t - now), s, sizeof s);
        snprintf(buf, size, "in %s", s);
    } else {
        span((long long)(now - t), s, sizeof s);
        snprintf(buf, size, "%s late", s);
    }
    return buf;
}

/* The code point at s (UTF-8) and its length in *n; -1 with *n = 1 for a bad sequence. */
static long
next_code_point(const unsigned char *s, size_t *n)
{
    long cp;
    size_t len, i;

    if (s[0] < 0x80) {
        *n = 1;
        return s[0];
    }
    if ((s[0] & 0xe0) == 0xc0) {
        len = 2;
        cp = s[0] & 0x1f;
    } else if ((s[0] & 0xf0) == 0xe0) {
        len = 3;
        cp = s[0] & 0x0f;
    } else if ((s[0] & 0xf8) == 0xf0) {
        len = 4;
        cp = s[0] & 0x07;
    } else {
        *n = 1;
        return -1;
    }
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *n = 1;
            return -1;
        }
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    *n = len;
    return cp;
}

/* Characters that would move the cursor, hide text or turn it around on a terminal. */
static bool
unsafe(long cp)
{
    return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp == 0x200e || cp == 0x200f ||
           (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* A sanitised copy of s, cut to max characters (0: no limit). */
static char *
cell(const char *s, size_t max)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s), n, chars = 0, cut = 0, o = 0;
    char *out = malloc(len + 4);
    long cp;

    if (out == NULL)
        return NULL;
    while (*p != '\0') {
        cp = next_code_point(p, &n);
        if (max > 0 && chars == max - 1)
            cut = o;
        if (max > 0 && chars == max) {
            memcpy(out + cut, "\xe2\x80\xa6", 3); /* … */
            o = cut + 3;
            break;
        }
        if (cp < 0 || unsafe(cp)) {
            out[o++] = '?';
        } else {
            memcpy(out + o, p, n);
            o += n;
        }
        chars++;
        p += n;
    }
    out[o] = '\0';
    return out;
}

/* Characters (code points) in a sanitised cell. */
static size_t
width(const char *s)
{
    size_t w = 0;

    for (; *s != '\0'; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            w++;
    return w;
}

int
admin_table_add(struct admin_table *t, const char *const *cells)
{
    char **grown;
    size_t i, cap;

    if (t->rows == t->cap) {
        cap = t->cap == 0 ? 16 : t->cap * 2;
        grown = realloc(t->cells, cap * t->ncols * sizeof *grown);
        if (grown == NULL)
            goto nomem;
        t->cells = grown;
        t->cap = cap;
    }
    for (i = 0; i < t->ncols; i++) {
        t->cells[t->rows * t->ncols + i] =
            cell(cells[i] != NULL ? cells[i] : "-", t->max != NULL ? t->max[i] : 0);
        if (t->cells[t->rows * t->ncols + i] == NULL) {
            while (i-- > 0)
                free(t->cells[t->rows * t->ncols + i]);
            goto nomem;
        }
    }
    t->rows++;
    return CLI_OK;
nomem:
    fputs("baton: out of memory\n", stderr);
    return CLI_UNUSABLE;
}

void
admin_table_print(FILE *out, const struct admin_table *t)
{
    size_t widths[16] = {0}, r, c, w, pad;
    const char *s;

    for (c = 0; c < t->ncols && c < 16; c++) {
        widths[c] = width(t->head[c]);
        for (r = 0; r < t->rows; r++) {
            w = width(t->cells[r * t->ncols + c]);
            if (w > widths[c])
                widths[c] = w;
        }
    }
    for (r = 0; r <= t->rows; r++) {
        for (c = 0; c < t->ncols && c < 16; c++) {
            s = r == 0 ? t->head[c] : t->cells[(r - 1) * t->ncols + c];
            fputs(s, out);
            if (c + 1 < t->ncols)
                for (pad = width(s); pad < widths[c] + 2; pad++)
                    fputc(' ', out);
        }
        fputc('\n', out);
    }
}

void
admin_table_free(struct admin_table *t)
{
    size_t i;

    for (i = 0; i < t->rows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    t->cells = NULL;
    t->rows = t->cap = 0;
}

void
admin_field(int w, const char *label, const char *value)
{
    if (value == NULL)
        return;
    fputs(label, stdout);
    for (size_t pad = width(label); pad < (size_t)w; pad++)
        fputc(' ', stdout);
    fputc(' ', stdout);
    cli_put_safe(stdout, value);
    fputc('\n', stdout);
}
