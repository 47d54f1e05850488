/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * Who may do what on batond's admin API (internal to the daemon library): three roles
 * (caseworker, privacy officer, administrator), one permission table from request to roles, and
 * who the caller is: a local user by uid (the configuration's caseworkers, privacy_officers and
 * administrators) or a client that presents a bearer token from the configuration's tokens file.
 * Every admin request passes roles_admit before it is handled; a refusal is answered 403 with
 * "code": "role", logged and audited ("refused-role").
 */
#ifndef BATON_DAEMON_ROLES_H
#define BATON_DAEMON_ROLES_H

#include <stddef.h>
#include <sys/types.h>

#include "config.h"
#include "daemon.h"
#include "http.h"

/* The roles, as bits so that a rule can name several. Each user or token has exactly one. */
enum roles_role {
    ROLES_CASEWORKER = 1u << 0,      /* sends, reads and decides on forms; consents */
    ROLES_PRIVACY_OFFICER = 1u << 1, /* audit, reports, retention; listings without content */
    ROLES_ADMINISTRATOR = 1u << 2,   /* health, keys, directory, configuration; audit verify */
};
#define ROLES_ALL (ROLES_CASEWORKER | ROLES_PRIVACY_OFFICER | ROLES_ADMINISTRATOR)
/* In a rule: callers without any role too (GET /v1/health). */
#define ROLES_ANYONE (1u << 3)

/* Longest token name in the tokens file, and the tokens file's limits. */
#define ROLES_NAME_MAX 64
#define ROLES_MAX_TOKENS 1000
#define ROLES_TOKENS_MAX_BYTES (256 * 1024) /* 1000 lines of a name, a role and 64 hex digits */
/* Longest token a client may present (RFC 6750 b64token; baton's are 43 characters). */
#define ROLES_TOKEN_MAX 512
/* Room for an actor: "token NAME (uid N), privacy-officer" or "uid N (USER), caseworker". */
#define ROLES_ACTOR_MAX 192

/* The name of one role as the configuration and the audit write it ("caseworker",
 * "privacy-officer", "administrator"); "all roles" for ROLES_ALL, "no role" for 0. Never NULL. */
const char *roles_name(unsigned role);

/* The role named s (one of the three names above) into *out: 1, or 0 when s names none. */
int roles_from_name(const char *s, enum roles_role *out);

/* One line of the permission table: method and path pattern ('*' stands for one path segment),
 * the roles that may make the request, and what it does, for messages ("read a form's
 * content"). */
struct roles_rule {
    const char *method;
    const char *pattern;
    unsigned roles;
    const char *what;
};

/* The rule for method and path (without the query), or NULL when the table has none: then no
 * role may make the request (default deny). */
const struct roles_rule *roles_rule_for(const char *method, const char *path);

/* One line of the tokens file: a client's name, its role and the SHA-256 of its token. */
struct roles_token {
    char name[ROLES_NAME_MAX + 1];
    enum roles_role role;
    unsigned char sha256[32];
};

/*
 * Reads the tokens file at path: lines "NAME ROLE SHA256-HEX" (a name of letters, digits, '.',
 * '_', '@' and '-'; a role as roles_from_name takes it; the SHA-256 of the token in 64 hex
 * digits), blank lines and '#' comments. Refuses (DAEMON_ECONFIG, "PATH:LINE: reason" or "PATH:
 * reason") a file that the group or others may read or write, that is not a regular file, that
 * someone other than the daemon's user or root owns, that is larger than ROLES_TOKENS_MAX_BYTES,
 * a line of another shape, an unknown role, a name or a token given twice, more than
 * ROLES_MAX_TOKENS lines, and a file without tokens. DAEMON_EIO when unreadable, DAEMON_ENOMEM.
 * On success *out (free with roles_tokens_free) and *n; on error both untouched.
 */
enum daemon_status roles_tokens_load(const char *path, struct roles_token **out, size_t *n,
                                     struct daemon_err *err);

/* Wipes and frees what roles_tokens_load returned. NULL is allowed. */
void roles_tokens_free(struct roles_token *t, size_t n);

/* Who is who on one daemon: made from its configuration at start. */
struct roles;

/*
 * The roles of cfg (its caseworkers, privacy_officers, administrators and the tokens file it
 * names, read now) for a daemon running as uid self. When none of those keys is set, self and
 * root have every role and others none (roles_configured says 0). Refusals as
 * roles_tokens_load. On error *out is untouched.
 */
enum daemon_status roles_new(const struct daemon_config *cfg, uid_t self, struct roles **out,
                             struct daemon_err *err);
void roles_free(struct roles *r);

/* 1 when the configuration names roles; 0 in the mode without (self and root have all). */
int roles_configured(const struct roles *r);

/* Who made a request and what was decided. */
struct roles_who {
    unsigned role;               /* the caller's role (ROLES_ALL: self, no roles configured) */
    char actor[ROLES_ACTOR_MAX]; /* for the audit: "uid 1000 (alice), caseworker" */
    char refusal[200];           /* when refused, in short for the audit: "role X may not ..." */
};

/*
 * May the caller (uid on the admin socket, authorization: the Authorization header or NULL) make
 * the request method path? Fills *who either way. 1 when allowed; 0 when refused, with the
 * reason for the caller, in words they can act on ("your role privacy-officer may not read a
 * form's content (GET /v1/inbox/...); ask a caseworker"), in why. A presented token is checked
 * (hashed, compared in constant time) and, when known, is who the caller is; an unknown or
 * malformed one is refused, whatever the uid.
 */
int roles_check(const struct roles *r, const char *method, const char *path, long uid,
                const char *authorization, struct roles_who *who, char *why, size_t size);

/*
 * Is authorization ("Bearer TOKEN") a token of r's tokens file? 1 with the token's name (at most
 * ROLES_NAME_MAX bytes and a NUL) in name and its role in *role; 0 (name empty) when the header is
 * missing, malformed or names no known token. The web page's listener asks this first: a request
 * without a valid token is answered 401 there, before the permission table is looked at.
 */
int roles_token_known(const struct roles *r, const char *authorization,
                      char name[ROLES_NAME_MAX + 1], unsigned *role);

struct daemon;

/* roles_check for an admin request on d: 1 to go on (who filled; who->actor names the caller
 * for the audit); 0 after answering 403 {"error", "code": "role"}, logging and auditing the
 * refusal ("refused-role" with the actor, method and path; never a body or query). */
int roles_admit(struct daemon *d, const struct http_request *req, struct roles_who *who,
                struct http_reply *reply);

#endif
