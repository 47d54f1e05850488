/* SPDX-License-Identifier: EUPL-1.2 */
/* Tests of the admin API's roles (daemon/roles.c): every request against every role, default
 * deny for requests the table does not know, who the caller is by uid or token, and the tokens
 * file's refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "config.h"
#include "roles.h"

#define UID_CW 4001L
#define UID_PO 4002L
#define UID_AD 4003L
#define UID_NONE 4009L
#define ID "0b7c5a52-3e51-4c55-9d0e-8b1f3c7a9e21"
#define TOKEN_CW "cw-token-0123456789abcdefghijklmnop"
#define TOKEN_PO "po-token-0123456789abcdefghijklmnop"
#define TOKEN_AD "ad-token-0123456789abcdefghijklmnop"

struct fx {
    char dir[64];
    char tokens[128];
};

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);

    if (f == NULL || sodium_init() < 0)
        return -1;
    strcpy(f->dir, "/tmp/baton-roles-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->tokens, sizeof f->tokens, "%s/tokens", f->dir);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;

    unlink(f->tokens);
    rmdir(f->dir);
    free(f);
    return 0;
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
    int fd;

    unlink(path);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    assert_int_equal(fchmod(fd, mode), 0);
    assert_int_equal(close(fd), 0);
}

/* The SHA-256 of token in hex. */
static const char *
hash_hex(const char *token, char out[65])
{
    unsigned char h[32];

    crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
    sodium_bin2hex(out, 65, h, sizeof h);
    return out;
}

/* A tokens file with one token per role. */
static void
write_tokens(struct fx *f)
{
    char text[1024], a[65], b[65], c[65];

    snprintf(text, sizeof text,
             "# baton tokens\n"
             "\n"
             "desk caseworker %s\n"
             "  helpdesk\tprivacy-officer %s\r\n"
             "ops@example administrator %s\n",
             hash_hex(TOKEN_CW, a), hash_hex(TOKEN_PO, b), hash_hex(TOKEN_AD, c));
    write_file(f->tokens, text, 0600);
}

/* Roles with one user per role and, when tokens, the tokens file. */
static struct roles *
make(struct fx *f, int with_users, int tokens)
{
    struct daemon_config c;
    struct daemon_err err = {0};
    struct roles *r = NULL;

    config_defaults(&c);
    if (with_users) {
        c.caseworkers.uid[c.caseworkers.n++] = UID_CW;
        c.privacy_officers.uid[c.privacy_officers.n++] = UID_PO;
        c.administrators.uid[c.administrators.n++] = UID_AD;
    }
    if (tokens) {
        write_tokens(f);
        snprintf(c.tokens, sizeof c.tokens, "%s", f->tokens);
    }
    if (roles_new(&c, (uid_t)getuid(), &r, &err) != DAEMON_OK)
        fail_msg("roles_new: %s", err.text);
    return r;
}

static int
allowed(const struct roles *r, const char *method, const char *path, long uid, const char *auth)
{
    struct roles_who who;
    char why[600];

    return roles_check(r, method, path, uid, auth, &who, why, sizeof why);
}

/* Every request of the admin API, and who may make it. */
static void
test_table(void **state)
{
    static const struct {
        const char *method, *path;
        unsigned roles; /* of CW, PO, AD; ROLES_ANYONE: also a user without a role */
    } cases[] = {
        {"GET", "/v1/health", ROLES_ALL | ROLES_ANYONE},
        {"POST", "/v1/send", ROLES_CASEWORKER},
        {"GET", "/v1/outbox", ROLES_CASEWORKER | ROLES_PRIVACY_OFFICER},
        {"GET", "/v1/outbox/" ID, ROLES_CASEWORKER | ROLES_PRIVACY_OFFICER},
        {"GET", "/v1/outbox/" ID "/packet", ROLES_CASEWORKER},
        {"GET", "/v1/inbox", ROLES_CASEWORKER | ROLES_PRIVACY_OFFICER},
        {"GET", "/v1/inbox/" ID, ROLES_CASEWORKER},
        {"POST", "/v1/inbox/" ID "/accept", ROLES_CASEWORKER},
        {"POST", "/v1/inbox/" ID "/reject", ROLES_CASEWORKER},
        {"POST", "/v1/inbox/" ID "/update", ROLES_CASEWORKER},
        {"GET", "/v1/consents", ROLES_CASEWORKER},
        {"POST", "/v1/consents", ROLES_CASEWORKER},
        {"GET", "/v1/consents/" ID, ROLES_CASEWORKER},
        {"POST", "/v1/consents/" ID "/withdraw", ROLES_CASEWORKER},
        {"GET", "/v1/audit", ROLES_PRIVACY_OFFICER | ROLES_ADMINISTRATOR},
        {"GET", "/v1/audit/verify", ROLES_PRIVACY_OFFICER | ROLES_ADMINISTRATOR},
        {"POST", "/v1/audit/verify", ROLES_PRIVACY_OFFICER | ROLES_ADMINISTRATOR},
        {"GET", "/v1/audit/checkpoints", ROLES_PRIVACY_OFFICER | ROLES_ADMINISTRATOR},
        {"GET", "/v1/reports/subject", ROLES_PRIVACY_OFFICER},
        {"GET", "/v1/reports/register", ROLES_PRIVACY_OFFICER},
        {"GET", "/v1/reports/figures", ROLES_PRIVACY_OFFICER},
        {"GET", "/v1/reports/anomalies", ROLES_PRIVACY_OFFICER},
        {"GET", "/v1/retention", ROLES_PRIVACY_OFFICER},
        /* Default deny: what the table does not name, nobody may do. */
        {"GET", "/v1/nothing", 0},
        {"GET", "/v1/metrics", 0},
        {"GET", "/v1/inbox/", 0},
        {"GET", "/v1/inbox//accept", 0},
        {"GET", "/v1/inbox/" ID "/accept", 0},
        {"POST", "/v1/inbox/" ID "/erase", 0},
        {"DELETE", "/v1/inbox/" ID, 0},
        {"PUT", "/v1/send", 0},
        {"GET", "/v1/send", 0},
        {"POST", "/v1/outbox", 0},
        {"GET", "/v1/audit/", 0},
        {"GET", "/v1/audit/other", 0},
        {"GET", "/v1/reports", 0},
        {"GET", "/v1/reports/subject/x", 0},
        {"POST", "/v1/retention", 0},
        {"GET", "/v1/health/x", 0},
        {"GET", "/V1/health", 0},
        {"GET", "", 0},
    };
    static const long uids[3] = {UID_CW, UID_PO, UID_AD};
    static const unsigned bits[3] = {ROLES_CASEWORKER, ROLES_PRIVACY_OFFICER, ROLES_ADMINISTRATOR};
    static const char *const tokens[3] = {"Bearer " TOKEN_CW, "Bearer " TOKEN_PO,
                                          "Bearer " TOKEN_AD};
    struct roles *r = make(*state, 1, 1);
    size_t i, k;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (k = 0; k < 3; k++) {
            int want = (cases[i].roles & bits[k]) != 0;

            /* The same by uid and by token (from a uid without a role). */
            if (allowed(r, cases[i].method, cases[i].path, uids[k], NULL) != want)
                fail_msg("%s %s by uid as %s: expected %s", cases[i].method, cases[i].path,
                         roles_name(bits[k]), want ? "allowed" : "refused");
            if (allowed(r, cases[i].method, cases[i].path, UID_NONE, tokens[k]) != want)
                fail_msg("%s %s by token as %s: expected %s", cases[i].method, cases[i].path,
                         roles_name(bits[k]), want ? "allowed" : "refused");
        }
        if (allowed(r, cases[i].method, cases[i].path, UID_NONE, NULL) !=
            ((cases[i].roles & ROLES_ANYONE) != 0))
            fail_msg("%s %s by a user without a role", cases[i].method, cases[i].path);
        assert_int_equal(roles_rule_for(cases[i].method, cases[i].path) != NULL,
                         cases[i].roles != 0);
    }
    roles_free(r);
}

/* What the caller is told, and what the audit gets. */
static void
test_messages(void **state)
{
    struct roles *r = make(*state, 1, 1);
    struct roles_who who;
    char why[600];

    assert_false(roles_check(r, "GET", "/v1/inbox/" ID, UID_NONE, "Bearer " TOKEN_PO, &who, why,
                             sizeof why));
    assert_non_null(strstr(why, "your role privacy-officer may not read a form's content"));
    assert_non_null(strstr(why, "GET /v1/inbox/" ID));
    assert_non_null(strstr(why, "ask a caseworker"));
    assert_non_null(strstr(who.actor, "token helpdesk"));
    assert_non_null(strstr(who.actor, "privacy-officer"));
    assert_string_equal(who.refusal, "role privacy-officer may not read a form's content");

    assert_false(roles_check(r, "POST", "/v1/send", UID_AD, NULL, &who, why, sizeof why));
    assert_non_null(strstr(why, "your role administrator may not send a form"));
    assert_int_equal(strncmp(who.actor, "uid 4003", 8), 0);
    assert_non_null(strstr(who.actor, ", administrator"));

    assert_false(roles_check(r, "GET", "/v1/audit", UID_CW, NULL, &who, why, sizeof why));
    assert_non_null(strstr(why, "ask a privacy officer or an administrator"));

    assert_false(roles_check(r, "GET", "/v1/inbox", UID_NONE, NULL, &who, why, sizeof why));
    assert_non_null(strstr(why, "uid 4009 has no role"));
    assert_non_null(strstr(who.actor, "no role"));

    assert_false(roles_check(r, "GET", "/v1/whatever", UID_CW, NULL, &who, why, sizeof why));
    assert_non_null(strstr(why, "not a request of batond's admin API that any role may make"));

    assert_true(roles_check(r, "POST", "/v1/send", UID_CW, NULL, &who, why, sizeof why));
    assert_int_equal(who.role, ROLES_CASEWORKER);
    assert_non_null(strstr(who.actor, "uid 4001"));
    assert_non_null(strstr(who.actor, ", caseworker"));
    roles_free(r);
}

/* A presented token is who the caller is: a wrong or malformed one is refused, whatever the uid;
 * a right one gives its role, not the uid's. */
static void
test_tokens(void **state)
{
    struct roles *r = make(*state, 1, 1);
    struct roles_who who;
    char why[600];

    assert_true(roles_configured(r));
    /* The caseworker's uid with the privacy officer's token: a privacy officer. */
    assert_false(
        roles_check(r, "POST", "/v1/send", UID_CW, "Bearer " TOKEN_PO, &who, why, sizeof why));
    assert_int_equal(who.role, ROLES_PRIVACY_OFFICER);
    assert_true(
        roles_check(r, "GET", "/v1/audit", UID_CW, "bearer " TOKEN_PO, &who, why, sizeof why));
    /* Wrong tokens: one character changed, cut, longer, another scheme, empty, spaces. */
    assert_false(allowed(r, "GET", "/v1/inbox", UID_CW, "Bearer " TOKEN_CW "x"));
    assert_false(
        allowed(r, "GET", "/v1/inbox", UID_CW, "Bearer cw-token-0123456789abcdefghijklmnoP"));
    assert_false(allowed(r, "GET", "/v1/inbox", UID_CW, "Bearer cw-token"));
    assert_false(allowed(r, "GET", "/v1/inbox", UID_CW, "Basic " TOKEN_CW));
    assert_false(allowed(r, "GET", "/v1/inbox", UID_CW, "Bearer "));
    assert_false(allowed(r, "GET", "/v1/inbox", UID_CW, ""));
    assert_false(allowed(r, "GET", "/v1/inbox", UID_CW, "Bearer a b"));
    assert_false(allowed(r, "GET", "/v1/inbox", UID_CW, TOKEN_CW));
    /* The hash is what the file holds: presenting the hash is not presenting the token. */
    {
        char h[65], auth[80];

        snprintf(auth, sizeof auth, "Bearer %s", hash_hex(TOKEN_CW, h));
        assert_false(allowed(r, "GET", "/v1/inbox", UID_CW, auth));
    }
    assert_false(roles_check(r, "GET", "/v1/inbox", UID_CW, "Bearer nope", &who, why, sizeof why));
    assert_non_null(strstr(why, "not one of this batond's tokens"));
    assert_non_null(strstr(who.actor, "unknown token"));
    /* Health needs nobody. */
    assert_true(allowed(r, "GET", "/v1/health", UID_NONE, "Bearer nope"));
    roles_free(r);

    /* Tokens alone configured: uids get nothing. */
    r = make(*state, 0, 1);
    assert_true(roles_configured(r));
    assert_false(allowed(r, "GET", "/v1/inbox", (long)getuid(), NULL));
    assert_false(allowed(r, "GET", "/v1/inbox", 0, NULL));
    assert_true(allowed(r, "GET", "/v1/inbox", (long)getuid(), "Bearer " TOKEN_CW));
    roles_free(r);
}

/* Without any role configured: the daemon's own user and root have every role, others none; the
 * permission table still holds (default deny). */
static void
test_unconfigured(void **state)
{
    struct roles *r = make(*state, 0, 0);
    struct roles_who who;
    char why[600];

    assert_false(roles_configured(r));
    assert_true(roles_check(r, "POST", "/v1/send", (long)getuid(), NULL, &who, why, sizeof why));
    assert_int_equal(who.role, ROLES_ALL);
    assert_true(allowed(r, "GET", "/v1/audit", (long)getuid(), NULL));
    assert_true(allowed(r, "GET", "/v1/inbox/" ID, 0, NULL));
    assert_false(allowed(r, "GET", "/v1/nothing", (long)getuid(), NULL));
    if (getuid() != UID_NONE) {
        assert_false(roles_check(r, "GET", "/v1/inbox", UID_NONE, NULL, &who, why, sizeof why));
        assert_non_null(strstr(why, "no roles are configured"));
        assert_true(allowed(r, "GET", "/v1/health", UID_NONE, NULL));
    }
    /* A token where none are configured is not one of its tokens. */
    assert_false(allowed(r, "GET", "/v1/inbox", (long)getuid(), "Bearer " TOKEN_CW));
    roles_free(r);
}

/* Loads text as the tokens file with mode and expects the refusal to say says. */
static void
tokens_fail(struct fx *f, const char *text, mode_t mode, const char *says)
{
    struct roles_token *t = (struct roles_token *)(uintptr_t)1;
    struct daemon_err err = {0};
    size_t n = 77;

    write_file(f->tokens, text, mode);
    if (roles_tokens_load(f->tokens, &t, &n, &err) != DAEMON_ECONFIG)
        fail_msg("accepted:\n%s", text);
    assert_ptr_equal(t, (struct roles_token *)(uintptr_t)1);
    assert_int_equal(n, 77);
    if (strstr(err.text, says) == NULL)
        fail_msg("message \"%s\" does not say \"%s\"", err.text, says);
}

static void
test_tokens_file(void **state)
{
    struct fx *f = *state;
    struct daemon_err err = {0};
    struct roles_token *t = NULL;
    char text[1024], h1[65], h2[65];
    size_t n = 0;

    write_tokens(f);
    assert_int_equal(roles_tokens_load(f->tokens, &t, &n, &err), DAEMON_OK);
    assert_int_equal(n, 3);
    assert_string_equal(t[0].name, "desk");
    assert_int_equal(t[0].role, ROLES_CASEWORKER);
    assert_string_equal(t[1].name, "helpdesk");
    assert_int_equal(t[1].role, ROLES_PRIVACY_OFFICER);
    assert_string_equal(t[2].name, "ops@example");
    assert_int_equal(t[2].role, ROLES_ADMINISTRATOR);
    roles_tokens_free(t, n);

    hash_hex("one-token-0123456789", h1);
    hash_hex("two-token-0123456789", h2);
    /* Readable or writable by others than the daemon's user. */
    snprintf(text, sizeof text, "a caseworker %s\n", h1);
    tokens_fail(f, text, 0640, "its group may read or change the tokens file (mode 0640)");
    tokens_fail(f, text, 0604, "every user may read or change");
    tokens_fail(f, text, 0620, "chmod 600");
    /* Bad lines: each says which line and why. */
    snprintf(text, sizeof text, "# x\na caseworker %s\nb caseworker\n", h1);
    tokens_fail(f, text, 0600, ":3: expected \"NAME ROLE SHA256-HEX\"");
    snprintf(text, sizeof text, "a caseworker %s extra\n", h1);
    tokens_fail(f, text, 0600,
                ":1: expected \"NAME ROLE SHA256-HEX\" (three fields separated by "
                "spaces), found 4 fields");
    snprintf(text, sizeof text, "a social-worker %s\n", h1);
    tokens_fail(f, text, 0600, ":1: unknown role \"social-worker\"");
    snprintf(text, sizeof text, "a Caseworker %s\n", h1);
    tokens_fail(f, text, 0600, "unknown role");
    tokens_fail(f, "a caseworker one-token-0123456789\n", 0600, "not the token itself");
    snprintf(text, sizeof text, "a caseworker %.63sg\n", h1);
    tokens_fail(f, text, 0600, "must be hex digits");
    snprintf(text, sizeof text, "a/b caseworker %s\n", h1);
    tokens_fail(f, text, 0600, "the name must be");
    /* Twice: a name, a token. */
    snprintf(text, sizeof text, "a caseworker %s\n\nb administrator %s\na privacy-officer %s\n", h1,
             h2, h2);
    tokens_fail(f, text, 0600, ":4: the name a is given twice (first on line 1)");
    snprintf(text, sizeof text, "a caseworker %s\nb administrator %s\n", h1, h1);
    tokens_fail(f, text, 0600, ":2: the token of b is the token of a (line 1)");
    /* Nothing in it. */
    tokens_fail(f, "# only a comment\n\n", 0600, "has no tokens");
    tokens_fail(f, "", 0600, "has no tokens");
    /* Not there. */
    unlink(f->tokens);
    assert_int_equal(roles_tokens_load(f->tokens, &t, &n, &err), DAEMON_ECONFIG);
    assert_non_null(strstr(err.text, "cannot open the tokens file"));
}

/* The daemon refuses to start with a bad tokens file (roles_new passes the refusal on). */
static void
test_new_refuses(void **state)
{
    struct fx *f = *state;
    struct daemon_config c;
    struct daemon_err err = {0};
    struct roles *r = (struct roles *)(uintptr_t)1;
    char text[256], h[65];

    snprintf(text, sizeof text, "a caseworker %s\n", hash_hex("some-token-0123456789", h));
    write_file(f->tokens, text, 0644);
    config_defaults(&c);
    snprintf(c.tokens, sizeof c.tokens, "%s", f->tokens);
    assert_int_equal(roles_new(&c, (uid_t)getuid(), &r, &err), DAEMON_ECONFIG);
    assert_ptr_equal(r, (struct roles *)(uintptr_t)1);
    assert_non_null(strstr(err.text, "chmod 600"));
}

static void
test_names(void **state)
{
    enum roles_role role;

    (void)state;
    assert_true(roles_from_name("caseworker", &role));
    assert_int_equal(role, ROLES_CASEWORKER);
    assert_true(roles_from_name("privacy-officer", &role));
    assert_int_equal(role, ROLES_PRIVACY_OFFICER);
    assert_true(roles_from_name("administrator", &role));
    assert_int_equal(role, ROLES_ADMINISTRATOR);
    assert_false(roles_from_name("privacy_officer", &role));
    assert_false(roles_from_name("root", &role));
    assert_false(roles_from_name("", &role));
    assert_string_equal(roles_name(ROLES_ALL), "all roles");
    assert_string_equal(roles_name(0), "no role");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_messages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unconfigured, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tokens_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_refuses, setup, teardown),
        cmocka_unit_test(test_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
