/* SPDX-License-Identifier: EUPL-1.2 */
/* Roles on the admin API: the permission table, who the caller is (uid or bearer token), and the
 * refusal of everything else. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "core.h"
#include "metrics.h"
#include "roles.h"

#define CW ROLES_CASEWORKER
#define PO ROLES_PRIVACY_OFFICER
#define AD ROLES_ADMINISTRATOR

/*
 * The permission table: every request of the admin API, once. A request that is not here is
 * refused for every role (default deny), so that an endpoint added later without its line here
 * is refused until someone decides who may use it. '*' is one path segment. Form content
 * (GET /v1/inbox/ID) and consent records are for caseworkers only; the privacy officer sees
 * listings and the audit without content; the administrator neither sends nor reads forms.
 */
static const struct roles_rule rules[] = {
    {"GET", "/v1/health", ROLES_ANYONE | ROLES_ALL, "see whether batond runs"},
    {"GET", "/v1/config", AD, "read batond's configuration"},
    {"GET", "/v1/directory", AD, "read the network directory and covenant in force"},
    {"GET", "/v1/keys", AD, "read this organisation's public keys"},
    {"POST", "/v1/send", CW, "send a form"},
    {"GET", "/v1/outbox", CW | PO, "list the outbox"},
    {"GET", "/v1/outbox/*", CW | PO, "see how far a handover got"},
    {"GET", "/v1/outbox/*/packet", CW, "export a sealed packet"},
    {"GET", "/v1/inbox", CW | PO, "list the inbox"},
    {"GET", "/v1/inbox/*", CW, "read a form's content"},
    {"POST", "/v1/inbox/*/accept", CW, "accept a handover"},
    {"POST", "/v1/inbox/*/reject", CW, "reject a handover"},
    {"POST", "/v1/inbox/*/update", CW, "send a status update"},
    {"GET", "/v1/consents", CW, "list the consent register"},
    {"POST", "/v1/consents", CW, "register a consent"},
    {"GET", "/v1/consents/*", CW, "read a consent record"},
    {"POST", "/v1/consents/*/withdraw", CW, "withdraw a consent"},
    {"GET", "/v1/audit", PO | AD, "read the audit trail"},
    {"GET", "/v1/audit/verify", PO | AD, "verify the audit trail"},
    {"POST", "/v1/audit/verify", PO | AD, "verify the audit trail"},
    {"GET", "/v1/audit/verify/progress", PO | AD, "see how far a verification of the audit got"},
    {"GET", "/v1/audit/checkpoints", PO | AD, "read the audit checkpoints"},
    {"GET", "/v1/reports/subject", PO, "make an access report about a young person"},
    {"GET", "/v1/reports/register", PO, "read the processing register"},
    {"GET", "/v1/reports/figures", PO, "read the steering figures"},
    {"GET", "/v1/reports/anomalies", PO, "read the anomalies"},
    {"GET", "/v1/retention", PO, "see what retention erases"},
};
#define N_RULES (sizeof rules / sizeof rules[0])

struct roles {
    int configured;
    long self;
    struct config_users users[3]; /* caseworkers, privacy officers, administrators */
    struct roles_token *tokens;
    size_t n_tokens;
};

static const unsigned user_roles[3] = {CW, PO, AD};

const char *
roles_name(unsigned role)
{
    switch (role) {
    case CW:
        return "caseworker";
    case PO:
        return "privacy-officer";
    case AD:
        return "administrator";
    case ROLES_ALL:
        return "all roles";
    case 0:
        return "no role";
    default:
        return "several roles";
    }
}

int
roles_from_name(const char *s, enum roles_role *out)
{
    static const enum roles_role all[] = {ROLES_CASEWORKER, ROLES_PRIVACY_OFFICER,
                                          ROLES_ADMINISTRATOR};
    size_t i;

    for (i = 0; s != NULL && i < sizeof all / sizeof all[0]; i++) {
        if (strcmp(s, roles_name(all[i])) == 0) {
            *out = all[i];
            return 1;
        }
    }
    return 0;
}

/* 1 when path matches pattern segment by segment; '*' matches one non-empty segment. */
static int
match(const char *pattern, const char *path)
{
    while (*pattern != '\0') {
        if (*pattern == '*') {
            const char *end = strchr(path, '/');
            size_t len = end != NULL ? (size_t)(end - path) : strlen(path);

            if (len == 0)
                return 0;
            pattern++;
            path += len;
            continue;
        }
        if (*pattern != *path)
            return 0;
        pattern++;
        path++;
    }
    return *path == '\0';
}

const struct roles_rule *
roles_rule_for(const char *method, const char *path)
{
    size_t i;

    if (method == NULL || path == NULL)
        return NULL;
    for (i = 0; i < N_RULES; i++)
        if (strcmp(rules[i].method, method) == 0 && match(rules[i].pattern, path))
            return &rules[i];
    return NULL;
}

/* ---- the tokens file ---- */

static int
hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int
good_name(const char *s)
{
    size_t len = strlen(s), i;

    if (len == 0 || len > ROLES_NAME_MAX)
        return 0;
    for (i = 0; i < len; i++) {
        char c = s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '@' || c == '-'))
            return 0;
    }
    return 1;
}

/* Whoever may change it may give themselves a role; whoever may read it learns who has one. */
static const struct config_owned tokens_file = {
    "tokens file",
    ROLES_TOKENS_MAX_BYTES,
    077,
    "may read or change the tokens file",
    ", which decides who may use the admin API; run chmod 600 on it",
    1};

/* Reads path whole (NUL-terminated) after checking who may read and change it. */
static enum daemon_status
read_tokens_file(const char *path, char **text, size_t *len, struct daemon_err *err)
{
    enum daemon_status st = config_read_owned(path, &tokens_file, text, len, err);

    if (st == DAEMON_OK && memchr(*text, '\0', *len) != NULL) {
        free(*text);
        *text = NULL;
        return daemon_fail(err, DAEMON_ECONFIG, "%s: contains a NUL byte; is it a text file?",
                           path);
    }
    return st;
}

/* One line "NAME ROLE HEX" into *t; 0 and why when it is not one. The line may be changed. */
static int
parse_token_line(char *line, struct roles_token *t, char *why, size_t size)
{
    char *f[3] = {NULL, NULL, NULL}, *save = NULL, *tok;
    size_t n = 0, i;

    for (tok = strtok_r(line, " \t", &save); tok != NULL; tok = strtok_r(NULL, " \t", &save)) {
        if (n < 3)
            f[n] = tok;
        n++;
    }
    if (n != 3) {
        snprintf(why, size,
                 "expected \"NAME ROLE SHA256-HEX\" (three fields separated by spaces), found %zu "
                 "field%s",
                 n, n == 1 ? "" : "s");
        return 0;
    }
    if (!good_name(f[0])) {
        snprintf(why, size,
                 "the name must be 1 to %d letters, digits, '.', '_', '@' or '-' (no spaces)",
                 ROLES_NAME_MAX);
        return 0;
    }
    if (!roles_from_name(f[1], &t->role)) {
        snprintf(why, size,
                 "unknown role \"%.40s\": the roles are caseworker, privacy-officer and "
                 "administrator",
                 f[1]);
        return 0;
    }
    if (strlen(f[2]) != 2 * sizeof t->sha256) {
        snprintf(why, size,
                 "the third field must be the SHA-256 of the token in 64 hex digits (printf %%s "
                 "TOKEN | sha256sum), not the token itself");
        return 0;
    }
    for (i = 0; i < sizeof t->sha256; i++) {
        int hi = hex_value(f[2][2 * i]), lo = hex_value(f[2][2 * i + 1]);

        if (hi < 0 || lo < 0) {
            snprintf(why, size, "the SHA-256 of the token must be hex digits (0-9, a-f)");
            return 0;
        }
        t->sha256[i] = (unsigned char)(hi * 16 + lo);
    }
    memcpy(t->name, f[0], strlen(f[0]) + 1);
    return 1;
}

enum daemon_status
roles_tokens_load(const char *path, struct roles_token **out, size_t *n_out, struct daemon_err *err)
{
    struct roles_token *t = NULL;
    enum daemon_status st;
    char *text = NULL, *p, *nl, why[300];
    unsigned line = 0, *lines = NULL;
    size_t len = 0, n = 0, i;

    if (path == NULL || out == NULL || n_out == NULL)
        return daemon_fail(err, DAEMON_EINVAL, "roles_tokens_load: NULL argument");
    st = read_tokens_file(path, &text, &len, err);
    if (st != DAEMON_OK)
        return st;
    t = calloc(ROLES_MAX_TOKENS, sizeof *t);
    lines = calloc(ROLES_MAX_TOKENS, sizeof *lines);
    if (t == NULL || lines == NULL) {
        st = daemon_fail(err, DAEMON_ENOMEM, "out of memory");
        goto out;
    }
    for (p = text; p != NULL && *p != '\0'; p = nl != NULL ? nl + 1 : NULL) {
        line++;
        nl = strchr(p, '\n');
        if (nl != NULL)
            *nl = '\0';
        if (nl != NULL ? nl > p && nl[-1] == '\r' : p[0] != '\0' && p[strlen(p) - 1] == '\r')
            p[strlen(p) - 1] = '\0';
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0' || *p == '#')
            continue;
        if (n == ROLES_MAX_TOKENS) {
            st = daemon_fail(err, DAEMON_ECONFIG, "%s:%u: more than %d tokens", path, line,
                             ROLES_MAX_TOKENS);
            goto out;
        }
        if (!parse_token_line(p, &t[n], why, sizeof why)) {
            st = daemon_fail(err, DAEMON_ECONFIG, "%s:%u: %s", path, line, why);
            goto out;
        }
        for (i = 0; i < n; i++) {
            if (strcmp(t[i].name, t[n].name) == 0) {
                st = daemon_fail(err, DAEMON_ECONFIG,
                                 "%s:%u: the name %s is given twice (first on line %u); each "
                                 "token has its own name",
                                 path, line, t[n].name, lines[i]);
                goto out;
            }
            if (sodium_memcmp(t[i].sha256, t[n].sha256, sizeof t[n].sha256) == 0) {
                st = daemon_fail(err, DAEMON_ECONFIG,
                                 "%s:%u: the token of %s is the token of %s (line %u) too; give "
                                 "each its own token",
                                 path, line, t[n].name, t[i].name, lines[i]);
                goto out;
            }
        }
        lines[n++] = line;
    }
    if (n == 0) {
        st =
            daemon_fail(err, DAEMON_ECONFIG,
                        "%s: the tokens file has no tokens (lines \"NAME ROLE SHA256-HEX\"); leave "
                        "tokens out of the configuration when there are none",
                        path);
        goto out;
    }
    *out = t;
    *n_out = n;
    t = NULL;
    st = DAEMON_OK;
out:
    if (t != NULL)
        roles_tokens_free(t, ROLES_MAX_TOKENS);
    free(lines);
    sodium_memzero(text, len);
    free(text);
    return st;
}

void
roles_tokens_free(struct roles_token *t, size_t n)
{
    if (t == NULL)
        return;
    sodium_memzero(t, n * sizeof *t);
    free(t);
}

/* ---- who is who ---- */

enum daemon_status
roles_new(const struct daemon_config *cfg, uid_t self, struct roles **out, struct daemon_err *err)
{
    struct roles *r;
    enum daemon_status st;

    if (cfg == NULL || out == NULL)
        return daemon_fail(err, DAEMON_EINVAL, "roles_new: NULL argument");
    r = calloc(1, sizeof *r);
    if (r == NULL)
        return daemon_fail(err, DAEMON_ENOMEM, "out of memory");
    r->self = (long)self;
    r->users[0] = cfg->caseworkers;
    r->users[1] = cfg->privacy_officers;
    r->users[2] = cfg->administrators;
    r->configured = cfg->caseworkers.n > 0 || cfg->privacy_officers.n > 0 ||
                    cfg->administrators.n > 0 || cfg->tokens[0] != '\0';
    if (cfg->tokens[0] != '\0') {
        st = roles_tokens_load(cfg->tokens, &r->tokens, &r->n_tokens, err);
        if (st != DAEMON_OK) {
            free(r);
            return st;
        }
    }
    *out = r;
    return DAEMON_OK;
}

void
roles_free(struct roles *r)
{
    if (r == NULL)
        return;
    roles_tokens_free(r->tokens, r->n_tokens);
    free(r);
}

int
roles_configured(const struct roles *r)
{
    return r != NULL && r->configured;
}

/* "uid 1000 (alice)" into out; "web" for a request without a uid (the web page's listener). */
static void
uid_text(long uid, char *out, size_t size)
{
    struct passwd pw, *found = NULL;
    char buf[4096];

    if (uid < 0)
        snprintf(out, size, "web");
    else if (getpwuid_r((uid_t)uid, &pw, buf, sizeof buf, &found) == 0 && found != NULL)
        snprintf(out, size, "uid %ld (%.40s)", uid, found->pw_name);
    else
        snprintf(out, size, "uid %ld", uid);
}

/* The token of an Authorization header "Bearer TOKEN" (scheme in any case) into *token and its
 * length; 0 when the header is not of that shape. */
static int
bearer(const char *h, const char **token, size_t *len)
{
    size_t i;

    if (strncasecmp(h, "Bearer ", 7) != 0)
        return 0;
    h += 7;
    while (*h == ' ')
        h++;
    *len = strlen(h);
    while (*len > 0 && h[*len - 1] == ' ')
        (*len)--;
    if (*len == 0 || *len > ROLES_TOKEN_MAX)
        return 0;
    for (i = 0; i < *len; i++)
        if ((unsigned char)h[i] <= 0x20 || (unsigned char)h[i] >= 0x7f)
            return 0;
    *token = h;
    return 1;
}

/* The token whose hash is the hash of token, or NULL; every entry is compared (in constant time
 * each), so that the time taken says nothing about which. */
static const struct roles_token *
find_token(const struct roles *r, const char *token, size_t len)
{
    const struct roles_token *found = NULL;
    unsigned char h[crypto_hash_sha256_BYTES];
    size_t i;

    crypto_hash_sha256(h, (const unsigned char *)token, len);
    for (i = 0; i < r->n_tokens; i++)
        if (sodium_memcmp(h, r->tokens[i].sha256, sizeof h) == 0 && found == NULL)
            found = &r->tokens[i];
    sodium_memzero(h, sizeof h);
    return found;
}

int
roles_token_known(const struct roles *r, const char *authorization, char name[ROLES_NAME_MAX + 1],
                  unsigned *role)
{
    const struct roles_token *tok;
    const char *token = NULL;
    size_t len = 0;

    name[0] = '\0';
    *role = 0;
    if (r == NULL || authorization == NULL || !bearer(authorization, &token, &len))
        return 0;
    tok = find_token(r, token, len);
    if (tok == NULL)
        return 0;
    memcpy(name, tok->name, strlen(tok->name) + 1);
    *role = tok->role;
    return 1;
}

/* "a caseworker", "a privacy officer or an administrator": whom to ask for a request. */
static void
ask_text(unsigned roles, char *out, size_t size)
{
    static const char *const names[3] = {"a caseworker", "a privacy officer", "an administrator"};
    size_t o = 0, i, k = 0, total = 0;

    for (i = 0; i < 3; i++)
        total += (roles & user_roles[i]) != 0;
    out[0] = '\0';
    for (i = 0; i < 3 && o < size; i++) {
        if ((roles & user_roles[i]) == 0)
            continue;
        k++;
        o += (size_t)snprintf(out + o, size - o, "%s%s",
                              k == 1       ? ""
                              : k == total ? " or "
                                           : ", ",
                              names[i]);
    }
}

int
roles_check(const struct roles *r, const char *method, const char *path, long uid,
            const char *authorization, struct roles_who *who, char *why, size_t size)
{
    const struct roles_rule *rule = roles_rule_for(method, path);
    const struct roles_token *tok = NULL;
    struct roles unconfigured = {0};
    const char *token = NULL;
    char user[80], ask[80];
    size_t len = 0, i, j;

    memset(who, 0, sizeof *who);
    if (r == NULL) /* a daemon made without roles: as if none were configured */
        r = &unconfigured;
    unconfigured.self = (long)geteuid();
    uid_text(uid, user, sizeof user);
    /* A request without a uid (the web page's TCP listener) is only ever who its token says: it
     * can be neither batond's own user nor root, nor anyone by the uid lists. */
    if (uid < 0 && authorization == NULL) {
        snprintf(who->actor, sizeof who->actor, "%s, no token", user);
        snprintf(who->refusal, sizeof who->refusal, "no token on a request without a user");
        snprintf(why, size,
                 "log in with your token: a request without a local user must present "
                 "\"Authorization: Bearer TOKEN\"");
        return 0;
    }
    if (rule != NULL && (rule->roles & ROLES_ANYONE) != 0) {
        snprintf(who->actor, sizeof who->actor, "%s", user);
        return 1;
    }
    if (authorization != NULL) {
        if (!bearer(authorization, &token, &len)) {
            snprintf(who->actor, sizeof who->actor, "%s, malformed token", user);
            snprintf(who->refusal, sizeof who->refusal, "the Authorization header is malformed");
            snprintf(why, size,
                     "the Authorization header must be \"Bearer TOKEN\" with a token of 1 to %d "
                     "visible characters",
                     ROLES_TOKEN_MAX);
            return 0;
        }
        tok = find_token(r, token, len);
        if (tok == NULL) {
            snprintf(who->actor, sizeof who->actor, "%s, unknown token", user);
            snprintf(who->refusal, sizeof who->refusal, "the token is not one of this batond's");
            snprintf(why, size,
                     "the token presented is not one of this batond's tokens; check $BATON_TOKEN "
                     "or --token-file, or ask its administrator for one");
            return 0;
        }
        who->role = tok->role;
        snprintf(who->actor, sizeof who->actor, "token %s (%s), %s", tok->name, user,
                 roles_name(tok->role));
    } else if (!r->configured) {
        /* No roles configured: the daemon's own user and root have all of them. */
        if (uid == r->self || uid == 0)
            who->role = ROLES_ALL;
        snprintf(who->actor, sizeof who->actor, "%s, %s", user, roles_name(who->role));
        if (who->role == 0) {
            snprintf(who->refusal, sizeof who->refusal, "no roles configured; not batond's user");
            snprintf(why, size,
                     "no roles are configured on this batond, so only its own user (uid %ld) and "
                     "root may use the admin API; ask its administrator to give you a role "
                     "(caseworkers, privacy_officers, administrators or tokens in batond.conf)",
                     r->self);
            return 0;
        }
    } else {
        for (i = 0; i < 3 && who->role == 0; i++)
            for (j = 0; j < r->users[i].n; j++)
                if (r->users[i].uid[j] == uid)
                    who->role = user_roles[i];
        snprintf(who->actor, sizeof who->actor, "%s, %s", user, roles_name(who->role));
        if (who->role == 0) {
            snprintf(who->refusal, sizeof who->refusal, "the user has no role");
            snprintf(why, size,
                     "%s has no role on this batond; ask its administrator for one (caseworkers, "
                     "privacy_officers or administrators in batond.conf) or for a token "
                     "($BATON_TOKEN)",
                     user);
            return 0;
        }
    }
    if (rule == NULL) {
        snprintf(who->refusal, sizeof who->refusal, "not a request of the permission table");
        snprintf(why, size,
                 "%s %.200s is not a request of batond's admin API that any role may make (see "
                 "daemon/admin.c)",
                 method, path);
        return 0;
    }
    if ((rule->roles & who->role) == 0) {
        ask_text(rule->roles, ask, sizeof ask);
        snprintf(who->refusal, sizeof who->refusal, "role %s may not %s", roles_name(who->role),
                 rule->what);
        snprintf(why, size, "your role %s may not %s (%s %.200s); ask %s", roles_name(who->role),
                 rule->what, method, path, ask);
        return 0;
    }
    return 1;
}

/* The packet id in /v1/inbox/ID... or /v1/outbox/ID, for the audit of a refusal; NULL. */
static const char *
path_packet(const char *path, char out[KEYS_UUID_LEN + 1])
{
    const char *p = NULL;

    if (strncmp(path, "/v1/inbox/", 10) == 0)
        p = path + 10;
    else if (strncmp(path, "/v1/outbox/", 11) == 0)
        p = path + 11;
    if (p == NULL || strlen(p) < KEYS_UUID_LEN ||
        (p[KEYS_UUID_LEN] != '\0' && p[KEYS_UUID_LEN] != '/'))
        return NULL;
    memcpy(out, p, KEYS_UUID_LEN);
    out[KEYS_UUID_LEN] = '\0';
    for (p = out; *p != '\0'; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || *p == '-'))
            return NULL;
    return out;
}

int
roles_admit(struct daemon *d, const struct http_request *req, struct roles_who *who,
            struct http_reply *reply)
{
    char why[600], id[KEYS_UUID_LEN + 1];
    const char *packet;

    if (roles_check(d->roles, req->method, req->path, req->peer_uid, req->authorization, who, why,
                    sizeof why))
        return 1;
    packet = path_packet(req->path, id);
    metrics_count(d, METRICS_ROLE_REFUSED);
    http_reply_error(reply, 403, "role", "%s", why);
    core_log(d, CONFIG_LOG_WARNING, "refused-role", packet, NULL, "%s: %s", who->actor, why);
    core_audit_about(d, time(NULL), "refused-role", packet, NULL, NULL, who->actor,
                     "%s %.200s refused: %s", req->method, req->path, who->refusal);
    return 0;
}
