/* SPDX-License-Identifier: EUPL-1.2 */
/* The keystore: file round trips with and without a passphrase, the refusals (file modes,
 * damage, a wrong passphrase, overwriting), the public entry against the directory schema,
 * rotation, the TLS certificate and pin checked with GnuTLS and by hand, and RFC 3339 times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <jansson.h>
#include <sodium.h>

#include "forms.h"
#include "keys.h"
#include "keys_int.h"

#define DAY 86400
#define T0 ((time_t)1754006400) /* 2025-08-01T00:00:00Z */
#define PASS "correct horse battery staple"
/* Marks an out-parameter so that a test sees whether a refusal left it untouched. */
#define UNTOUCHED ((struct keys_keystore *)(uintptr_t)0x5eed)

struct fx {
    char dir[64];
    char path[128];
    struct keys_keystore *ks;
};

static const struct keys_identity school = {"00000001812345671000", "Praktijkschool De Brug",
                                            "school", "https://baton.debrug.example"};
static const struct keys_identity local = {"00000001812345682000", "Gemeente Lindeveld",
                                           "municipality", "https://127.0.0.1:8443/peer"};

static int
setup(void **state)
{
    struct keys_err err;
    struct fx *f = calloc(1, sizeof *f);

    if (f == NULL || keys_init(&err) != KEYS_OK)
        return -1;
    snprintf(f->dir, sizeof f->dir, "%s", "/tmp/baton-ks.XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->path, sizeof f->path, "%s/keystore", f->dir);
    if (keys_keystore_create(&school, T0, T0 + 730 * DAY, &f->ks, &err) != KEYS_OK) {
        fprintf(stderr, "create: %s\n", err.text);
        return -1;
    }
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    struct dirent *e;
    char p[512];
    DIR *d;

    keys_keystore_free(f->ks);
    d = opendir(f->dir);
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", f->dir, e->d_name);
        unlink(p);
    }
    if (d != NULL)
        closedir(d);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* ---- helpers ---- */

static char *
slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    char *buf;
    long n;

    assert_non_null(fp);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    n = ftell(fp);
    assert_true(n >= 0);
    rewind(fp);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    buf[n] = '\0';
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

/* Writes data to path with mode 0600, replacing what is there. */
static void
spit(const char *path, const char *data, size_t len)
{
    int fd;

    unlink(path);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
}

static json_t *
entry_of(const struct keys_keystore *ks)
{
    struct keys_err err;
    json_t *e = NULL;

    assert_int_equal(keys_keystore_public_entry(ks, &e, &err), KEYS_OK);
    return e;
}

static void
assert_same_keystore(const struct keys_keystore *a, const struct keys_keystore *b)
{
    json_t *ea = entry_of(a), *eb = entry_of(b);

    assert_true(json_equal(ea, eb));
    assert_string_equal(keys_keystore_tls_pin(a), keys_keystore_tls_pin(b));
    assert_string_equal(keys_keystore_tls_cert_pem(a), keys_keystore_tls_cert_pem(b));
    assert_memory_equal(keys_keystore_identity(a), keys_keystore_identity(b),
                        sizeof(struct keys_identity));
    json_decref(ea);
    json_decref(eb);
}

/* Loads path expecting status want with text containing needle; *out must stay untouched. */
static void
expect_load_fails(const char *path, const char *pass, enum keys_status want, const char *needle)
{
    struct keys_keystore *ks = UNTOUCHED;
    struct keys_err err = {KEYS_OK, ""};
    enum keys_status st = keys_keystore_load(path, pass, &ks, &err);

    if (st != want || strstr(err.text, needle) == NULL)
        fail_msg("load: status %s (%s), expected %s with \"%s\"", keys_status_name(st), err.text,
                 keys_status_name(want), needle);
    assert_ptr_equal(ks, UNTOUCHED);
}

static size_t
files_in(const char *dir)
{
    struct dirent *e;
    size_t n = 0;
    DIR *d = opendir(dir);

    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

/* ---- round trips ---- */

static void
round_trip_plain(void **state)
{
    struct fx *f = *state;
    struct keys_keystore *back = NULL;
    struct keys_err err;
    struct stat sb;
    struct keys_pub enc;
    json_t *entry, *jwk;
    char *text;
    size_t len;

    assert_int_equal(keys_keystore_save(f->ks, f->path, NULL, 0, &err), KEYS_OK);
    assert_int_equal(stat(f->path, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0600);
    assert_int_equal(files_in(f->dir), 1); /* no temporary file left behind */
    text = slurp(f->path, &len);
    assert_true(strncmp(text, "baton-keystore 1\noin 00000001812345671000\n", 42) == 0);
    free(text);

    assert_int_equal(keys_keystore_load(f->path, NULL, &back, &err), KEYS_OK);
    assert_same_keystore(f->ks, back);
    /* The keys themselves came back, not only their public halves. */
    assert_memory_equal(keys_keystore_signer(back, T0 + DAY)->sk,
                        keys_keystore_signer(f->ks, T0 + DAY)->sk, 64);
    jwk =
        json_array_get(json_object_get(json_object_get(entry = entry_of(back), "jwks"), "keys"), 1);
    assert_int_equal(keys_enc_pub_from_jwk(jwk, &enc, &err), KEYS_OK);
    assert_non_null(keys_keystore_enc_key(back, enc.kid));
    assert_memory_equal(keys_keystore_enc_key(back, enc.kid)->sk,
                        keys_keystore_enc_key(f->ks, enc.kid)->sk, 32);
    json_decref(entry);
    keys_keystore_free(back);
    /* A passphrase given for an unencrypted keystore is not needed and does no harm. */
    assert_int_equal(keys_keystore_load(f->path, "unused", &back, &err), KEYS_OK);
    keys_keystore_free(back);
}

static void
round_trip_passphrase(void **state)
{
    struct fx *f = *state;
    struct keys_keystore *back = NULL;
    const struct keys_sign_key *signer;
    unsigned char seed64[64];
    struct keys_err err;
    struct stat sb;
    char *text;
    size_t len;

    assert_int_equal(keys_keystore_save(f->ks, f->path, PASS, 0, &err), KEYS_OK);
    assert_int_equal(stat(f->path, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0600);
    text = slurp(f->path, &len);
    assert_true(strncmp(text, "baton-keystore 1\nencrypted argon2id13 ", 38) == 0);
    /* Neither the identity nor a private key shows in the file. */
    assert_null(strstr(text, "00000001812345671000"));
    assert_null(strstr(text, "BEGIN CERTIFICATE"));
    signer = keys_keystore_signer(f->ks, T0);
    assert_int_equal(keys_b64url_encode(signer->sk, 32, (char *)seed64, sizeof seed64, &err),
                     KEYS_OK);
    assert_null(strstr(text, (char *)seed64));
    free(text);

    expect_load_fails(f->path, NULL, KEYS_EPASSPHRASE, "encrypted: it needs its passphrase");
    expect_load_fails(f->path, "Correct horse battery staple", KEYS_EPASSPHRASE,
                      "the passphrase does not open this keystore");
    expect_load_fails(f->path, "", KEYS_EPASSPHRASE, "does not open");
    assert_int_equal(keys_keystore_load(f->path, PASS, &back, &err), KEYS_OK);
    assert_same_keystore(f->ks, back);
    keys_keystore_free(back);

    /* Saving under an empty passphrase would pretend a protection that is not there. */
    assert_int_equal(keys_keystore_save(f->ks, f->path, "", 1, &err), KEYS_EINVAL);
}

/* ---- refusals ---- */

static void
refuses_open_modes(void **state)
{
    static const mode_t bad[] = {0640, 0604, 0644, 0660, 0620, 0602, 0700 | 0044, 0610};
    struct fx *f = *state;
    struct keys_keystore *ks = NULL;
    struct keys_err err;
    char want[512];
    size_t i;

    assert_int_equal(keys_keystore_save(f->ks, f->path, NULL, 0, &err), KEYS_OK);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(chmod(f->path, bad[i]), 0);
        snprintf(want, sizeof want, "(mode %04o); run chmod 600 %s", (unsigned)bad[i], f->path);
        expect_load_fails(f->path, NULL, KEYS_EPERM, want);
    }
    assert_int_equal(chmod(f->path, 0644), 0);
    snprintf(want, sizeof want,
             "keystore %s is readable by group or others (mode 0644); run "
             "chmod 600 %s",
             f->path, f->path);
    expect_load_fails(f->path, NULL, KEYS_EPERM, want);
    /* The owner's own bits do not matter. */
    assert_int_equal(chmod(f->path, 0400), 0);
    assert_int_equal(keys_keystore_load(f->path, NULL, &ks, &err), KEYS_OK);
    keys_keystore_free(ks);
    /* Not a regular file: a folder, a FIFO (which must not hang the reader), nothing at all. */
    expect_load_fails(f->dir, NULL, KEYS_EPERM, "not a regular file");
    snprintf(want, sizeof want, "%s/fifo", f->dir);
    assert_int_equal(mkfifo(want, 0600), 0);
    expect_load_fails(want, NULL, KEYS_EPERM, "not a regular file");
    snprintf(want, sizeof want, "%s/none", f->dir);
    expect_load_fails(want, NULL, KEYS_EIO, "No such file");
}

/* The saved plain form, for the damage tests to edit. */
static char *
saved_text(struct fx *f, size_t *len)
{
    struct keys_err err;

    unlink(f->path);
    assert_int_equal(keys_keystore_save(f->ks, f->path, NULL, 0, &err), KEYS_OK);
    return slurp(f->path, len);
}

/* Replaces the first occurrence of from in text (a new string). */
static char *
edit(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    char *out;
    size_t n;

    assert_non_null(at);
    n = strlen(text) - strlen(from) + strlen(to);
    out = malloc(n + 1);
    assert_non_null(out);
    memcpy(out, text, (size_t)(at - text));
    strcpy(out + (at - text), to);
    strcat(out, at + strlen(from));
    return out;
}

static void
expect_text_fails(struct fx *f, const char *text, size_t len, enum keys_status want,
                  const char *needle)
{
    spit(f->path, text, len);
    expect_load_fails(f->path, NULL, want, needle);
}

static void
refuses_damaged_files(void **state)
{
    struct fx *f = *state;
    struct keys_keystore *other = NULL;
    struct keys_err err;
    char *text, *t, *line, *other_text;
    const char *sign, *eol, *cert;
    char sign_line[256];
    size_t len, cut, olen;

    text = saved_text(f, &len);

    /* Cut off anywhere: every length short of the whole is refused. */
    for (cut = 0; cut < len; cut += (cut < 300 ? 1 : 7))
        expect_text_fails(f, text, cut, KEYS_EKEYSTORE, "keystore");
    expect_text_fails(f, text, len - 1, KEYS_EKEYSTORE, "cut off");

    t = edit(text, "baton-keystore 1\n", "baton-keystore 2\n");
    expect_text_fails(f, t, strlen(t), KEYS_EKEYSTORE, "is of version 2, which this baton");
    free(t);
    t = edit(text, "baton-keystore 1\n", "baton-keys 1\n");
    expect_text_fails(f, t, strlen(t), KEYS_EKEYSTORE, "is not a baton keystore");
    free(t);
    t = edit(text, "\nrole ", "\ncolour blue\nrole ");
    expect_text_fails(f, t, strlen(t), KEYS_EKEYSTORE, "line 4: unknown line 'colour'");
    free(t);
    t = edit(text, "\nrole ", "\noin 00000001812345682000\nrole ");
    expect_text_fails(f, t, strlen(t), KEYS_EKEYSTORE, "line 4: a second 'oin' line");
    free(t);
    t = edit(text, "\nname ", "\nname Other\nname ");
    expect_text_fails(f, t, strlen(t), KEYS_EKEYSTORE, "a second 'name' line");
    free(t);
    t = edit(text, "role school", "role teacher");
    expect_text_fails(f, t, strlen(t), KEYS_EKEYSTORE, "the role \"teacher\" is not one of");
    free(t);
    t = edit(text, "\n", "\r\n");
    expect_text_fails(f, t, strlen(t), KEYS_EKEYSTORE, "carriage return");
    free(t);

    /* The signing key line: bad base64url, bad time, a key twice, validity backwards. */
    sign = strstr(text, "\nsign ") + 1;
    eol = strchr(sign, '\n');
    snprintf(sign_line, sizeof sign_line, "%.*s", (int)(eol - sign), sign);
    line = strdup(sign_line);
    line[strlen(line) - 1] = '='; /* padding is not base64url */
    t = edit(text, sign_line, line);
    expect_text_fails(f, t, strlen(t), KEYS_EKEYSTORE, "line 6: the key is not 43 characters");
    free(t);
    line[strlen(line) - 1] = '+';
    t = edit(text, sign_line, line);
    expect_text_fails(f, t, strlen(t), KEYS_EKEYSTORE, "line 6: the key is not");
    free(t);
    free(line);
    line = edit(sign_line, "T00:00:00Z ", "T25:00:00Z ");
    t = edit(text, sign_line, line);
    expect_text_fails(f, t, strlen(t), KEYS_EKEYSTORE, "line 6: time \"2025-08-01T25:00:00Z\"");
    free(t);
    free(line);
    line = malloc(strlen(sign_line) + 2);
    sprintf(line, "%s\n", sign_line);
    t = edit(text, line, "");
    expect_text_fails(f, t, strlen(t), KEYS_EKEYSTORE, "lacks a 'sign' line");
    free(t);
    {
        char twice[600];

        snprintf(twice, sizeof twice, "%s%s", line, line);
        t = edit(text, line, twice);
        expect_text_fails(f, t, strlen(t), KEYS_EKEYSTORE, "line 7: the key ");
        expect_text_fails(f, t, strlen(t), KEYS_EKEYSTORE, "appears twice");
        free(t);
    }
    free(line);
    line = edit(sign_line, "sign 2025-08-01T00:00:00Z ", "sign 2030-08-01T00:00:00Z ");
    t = edit(text, sign_line, line);
    expect_text_fails(f, t, strlen(t), KEYS_EKEYSTORE, "must end after it starts");
    free(t);
    free(line);
    t = edit(text, "sign 2025", "sign  2025");
    expect_text_fails(f, t, strlen(t), KEYS_EKEYSTORE, "expected 'sign FROM UNTIL KEY'");
    free(t);

    /* A NUL byte, text after the certificate, a certificate of another key. */
    t = strdup(text);
    t[20] = '\0';
    expect_text_fails(f, t, len, KEYS_EKEYSTORE, "NUL byte");
    free(t);
    t = malloc(len + 8);
    memcpy(t, text, len);
    memcpy(t + len, "extra\n", 7);
    expect_text_fails(f, t, len + 6, KEYS_EKEYSTORE, "text after the certificate");
    free(t);
    assert_int_equal(keys_keystore_create(&school, T0, T0 + DAY, &other, &err), KEYS_OK);
    other_text = strdup(keys_keystore_tls_cert_pem(other));
    keys_keystore_free(other);
    cert = strstr(text, "-----BEGIN CERTIFICATE-----");
    olen = (size_t)(cert - text);
    t = malloc(olen + strlen(other_text) + 1);
    memcpy(t, text, olen);
    strcpy(t + olen, other_text);
    expect_text_fails(f, t, strlen(t), KEYS_EKEYSTORE, "not the certificate of the keystore's");
    free(t);
    free(other_text);
    /* Larger than any keystore. */
    t = calloc(1, 70000);
    memset(t, 'a', 69999);
    expect_text_fails(f, t, 69999, KEYS_EKEYSTORE, "larger than any keystore");
    free(t);

    /* The untouched text still loads: the refusals above were for the damage. */
    spit(f->path, text, len);
    assert_int_equal(keys_keystore_load(f->path, NULL, &other, &err), KEYS_OK);
    keys_keystore_free(other);
    free(text);
}

static void
refuses_damaged_encrypted_files(void **state)
{
    struct fx *f = *state;
    struct keys_err err;
    char *text, *t, *body;
    size_t len, i;

    unlink(f->path);
    assert_int_equal(keys_keystore_save(f->ks, f->path, PASS, 0, &err), KEYS_OK);
    text = slurp(f->path, &len);
    body = strchr(strchr(text, '\n') + 1, '\n') + 1;

    /* One flipped character in the ciphertext: base64url still, but it no longer authenticates. */
    t = strdup(text);
    i = (size_t)(body - text) + 40;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    spit(f->path, t, len);
    expect_load_fails(f->path, PASS, KEYS_EPASSPHRASE, "does not open");
    free(t);
    /* The header is authenticated too: another nonce or salt fails, another cost as well. */
    t = strdup(text);
    i = (size_t)(body - text) - 3;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    spit(f->path, t, len);
    expect_load_fails(f->path, PASS, KEYS_EPASSPHRASE, "does not open");
    free(t);
    t = edit(text, "argon2id13 3 ", "argon2id13 4 ");
    spit(f->path, t, strlen(t));
    expect_load_fails(f->path, PASS, KEYS_EPASSPHRASE, "does not open");
    free(t);
    /* A weakened or absurd cost is refused before any work. */
    t = edit(text, "argon2id13 3 ", "argon2id13 1 ");
    spit(f->path, t, strlen(t));
    expect_load_fails(f->path, PASS, KEYS_EKEYSTORE, "line 2: Argon2id passes outside");
    free(t);
    t = edit(text, " 268435456 ", " 1024 ");
    spit(f->path, t, strlen(t));
    expect_load_fails(f->path, PASS, KEYS_EKEYSTORE, "Argon2id memory outside");
    free(t);
    t = edit(text, "argon2id13", "scrypt");
    spit(f->path, t, strlen(t));
    expect_load_fails(f->path, PASS, KEYS_EKEYSTORE, "unknown key derivation");
    free(t);
    /* Cut off, and a character outside base64url. */
    spit(f->path, text, len - 1);
    expect_load_fails(f->path, PASS, KEYS_EKEYSTORE, "line 3");
    spit(f->path, text, len - 30);
    expect_load_fails(f->path, PASS, KEYS_EKEYSTORE, "line 3");
    spit(f->path, text, (size_t)(body - text));
    expect_load_fails(f->path, PASS, KEYS_EKEYSTORE, "line 3");
    t = strdup(text);
    t[(size_t)(body - text) + 10] = '*';
    spit(f->path, t, len);
    expect_load_fails(f->path, PASS, KEYS_EKEYSTORE, "not base64url");
    free(t);
    free(text);
}

static void
refuses_to_overwrite(void **state)
{
    struct fx *f = *state;
    struct keys_keystore *other = NULL, *back = NULL;
    struct keys_err err;
    char *before, *after;
    size_t blen, alen;

    assert_int_equal(keys_keystore_save(f->ks, f->path, NULL, 0, &err), KEYS_OK);
    before = slurp(f->path, &blen);
    assert_int_equal(keys_keystore_create(&local, T0, T0 + DAY, &other, &err), KEYS_OK);
    assert_int_equal(keys_keystore_save(other, f->path, NULL, 0, &err), KEYS_EIO);
    assert_non_null(strstr(err.text, "already exists; it was left as it was"));
    assert_int_equal(keys_keystore_save(other, f->path, PASS, 0, &err), KEYS_EIO);
    after = slurp(f->path, &alen);
    assert_int_equal(alen, blen);
    assert_memory_equal(before, after, blen);
    assert_int_equal(files_in(f->dir), 1);
    free(after);
    /* With replace, the new keystore takes its place, whole. */
    assert_int_equal(keys_keystore_save(other, f->path, NULL, 1, &err), KEYS_OK);
    assert_int_equal(keys_keystore_load(f->path, NULL, &back, &err), KEYS_OK);
    assert_same_keystore(other, back);
    assert_int_equal(files_in(f->dir), 1);
    keys_keystore_free(back);
    /* A folder that does not exist: an error, and nothing created. */
    assert_int_equal(keys_keystore_save(other, "/nonexistent-baton/keystore", NULL, 0, &err),
                     KEYS_EIO);
    keys_keystore_free(other);
    free(before);
}

/* ---- the public entry ---- */

static void
public_entry_is_a_directory_entry(void **state)
{
    struct fx *f = *state;
    struct forms_options opt = {.format_assertion = true};
    struct forms_catalogue *cat = NULL;
    const struct forms_schema *schema;
    struct keys_keystore *other = NULL;
    struct forms_result res = {0, NULL};
    struct forms_err ferr;
    struct keys_err err;
    json_t *dir, *e1, *e2, *jwk, *bad;
    char kid[KEYS_KID_LEN + 1];
    struct keys_pub pub;
    size_t i;

    assert_int_equal(forms_catalogue_new(&opt, &cat, &ferr), FORMS_OK);
    assert_int_equal(forms_catalogue_add_builtin(cat, &ferr), FORMS_OK);
    assert_int_equal(forms_catalogue_compile(cat, &ferr), FORMS_OK);
    schema = forms_catalogue_find(cat, "urn:baton:directory:1");
    assert_non_null(schema);

    assert_int_equal(keys_keystore_create(&local, T0, T0 + 365 * DAY, &other, &err), KEYS_OK);
    e1 = entry_of(f->ks);
    e2 = entry_of(other);
    assert_string_equal(json_string_value(json_object_get(e1, "oin")), school.oin);
    assert_string_equal(json_string_value(json_object_get(e1, "tls_pin")),
                        keys_keystore_tls_pin(f->ks));
    dir = json_pack("{s:s, s:s, s:i, s:s, s:s, s:[O, O]}", "$schema", "urn:baton:directory:1",
                    "network", "Lindeveld", "version", 1, "issued", "2025-08-01T00:00:00Z",
                    "expires", "2026-08-01T00:00:00Z", "organisations", e1, e2);
    assert_non_null(dir);
    if (forms_validate(schema, dir, &res, &ferr) != FORMS_OK)
        fail_msg("the directory schema refuses the entries: %s at %s",
                 res.count > 0 ? res.errors[0].message[FORMS_LANG_EN] : ferr.text,
                 res.count > 0 ? res.errors[0].instance_location : "");
    forms_result_clear(&res);

    /* Every kid is the RFC 7638 thumbprint of its JWK, and the keys are the keystore's. */
    json_array_foreach (json_object_get(json_object_get(e1, "jwks"), "keys"), i, jwk) {
        assert_int_equal(keys_jwk_thumbprint(jwk, kid, &err), KEYS_OK);
        assert_string_equal(kid, json_string_value(json_object_get(jwk, "kid")));
        assert_null(json_object_get(jwk, "d"));
        if (strcmp(json_string_value(json_object_get(jwk, "use")), "sig") == 0) {
            assert_int_equal(keys_sign_pub_from_jwk(jwk, &pub, &err), KEYS_OK);
            assert_string_equal(pub.kid, keys_keystore_signer(f->ks, T0)->pub.kid);
            assert_string_equal(json_string_value(json_object_get(jwk, "validFrom")),
                                "2025-08-01T00:00:00Z");
            assert_string_equal(json_string_value(json_object_get(jwk, "validUntil")),
                                "2027-08-01T00:00:00Z");
        } else {
            assert_int_equal(keys_enc_pub_from_jwk(jwk, &pub, &err), KEYS_OK);
            assert_non_null(keys_keystore_enc_key(f->ks, pub.kid));
        }
    }
    assert_int_equal(i, 2);

    /* The check can fail: a private key in an entry, or a wrong pin, is refused. */
    bad = json_deep_copy(dir);
    json_object_set_new(
        json_array_get(
            json_object_get(
                json_object_get(json_array_get(json_object_get(bad, "organisations"), 0), "jwks"),
                "keys"),
            0),
        "d", json_string("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"));
    assert_false(forms_valid(schema, bad));
    json_decref(bad);
    bad = json_deep_copy(dir);
    json_object_set_new(json_array_get(json_object_get(bad, "organisations"), 1), "tls_pin",
                        json_string("sha256//abc"));
    assert_false(forms_valid(schema, bad));
    json_decref(bad);

    json_decref(dir);
    json_decref(e1);
    json_decref(e2);
    keys_keystore_free(other);
    forms_catalogue_free(cat);
}

/* ---- rotation ---- */

static int
find_one(void *ctx, const char *kid, struct keys_pub *out)
{
    const struct keys_pub *p = ctx;

    if (strcmp(p->kid, kid) != 0)
        return 0;
    *out = *p;
    return 1;
}

static void
rotation(void **state)
{
    struct fx *f = *state;
    const struct keys_sign_key *old_signer, *new_signer;
    struct keys_keystore *back = NULL;
    struct keys_jwe_opened opened = {NULL, 0, NULL};
    struct keys_jws_verified v = {NULL, 0, NULL, ""};
    struct keys_pub old_sig, old_enc;
    struct keys_sign_lookup lookup = {find_one, &old_sig};
    struct keys_err err;
    json_t *entry, *jwk;
    char *jws = NULL, *jwe = NULL;
    size_t len, i, n_sig = 0, n_enc = 0;
    const time_t later = T0 + 30 * DAY;

    old_signer = keys_keystore_signer(f->ks, T0 + DAY);
    assert_non_null(old_signer);
    keys_sign_key_public(old_signer, &old_sig);
    /* Before its period and after it, no signing key is valid. */
    assert_null(keys_keystore_signer(f->ks, T0 - 1));
    assert_null(keys_keystore_signer(f->ks, T0 + 730 * DAY + 1));
    assert_ptr_equal(keys_keystore_signer(f->ks, T0 + 730 * DAY), old_signer);
    /* Something signed and sealed with the old keys, before the rotation. */
    assert_int_equal(keys_jws_sign(old_signer, "baton-test+jws", (const unsigned char *)"hi", 2,
                                   &jws, &len, &err),
                     KEYS_OK);
    entry = entry_of(f->ks);
    json_array_foreach (json_object_get(json_object_get(entry, "jwks"), "keys"), i, jwk)
        if (strcmp(json_string_value(json_object_get(jwk, "use")), "enc") == 0)
            assert_int_equal(keys_enc_pub_from_jwk(jwk, &old_enc, &err), KEYS_OK);
    json_decref(entry);
    assert_int_equal(
        keys_jwe_encrypt(&old_enc, NULL, (const unsigned char *)"sealed", 6, &jwe, &len, &err),
        KEYS_OK);

    assert_int_equal(keys_keystore_rotate(f->ks, KEYS_USE_SIG, later, later + 730 * DAY, &err),
                     KEYS_OK);
    assert_int_equal(keys_keystore_rotate(f->ks, KEYS_USE_ENC, later, later + 730 * DAY, &err),
                     KEYS_OK);
    /* The signer switches at the new key's validFrom, and not before. */
    assert_ptr_equal(keys_keystore_signer(f->ks, later - 1), old_signer);
    new_signer = keys_keystore_signer(f->ks, later);
    assert_non_null(new_signer);
    assert_ptr_not_equal(new_signer, old_signer);
    assert_ptr_equal(keys_keystore_signer(f->ks, T0 + 731 * DAY), new_signer);

    /* Saved and loaded again, the old keys still verify and open what they made. */
    assert_int_equal(keys_keystore_save(f->ks, f->path, NULL, 1, &err), KEYS_OK);
    assert_int_equal(keys_keystore_load(f->path, NULL, &back, &err), KEYS_OK);
    assert_same_keystore(f->ks, back);
    assert_non_null(keys_keystore_enc_key(back, old_enc.kid));
    assert_int_equal(
        keys_jwe_decrypt(keys_keystore_enc_key(back, old_enc.kid), jwe, strlen(jwe), &opened, &err),
        KEYS_OK);
    assert_memory_equal(opened.plaintext, "sealed", 6);
    keys_jwe_opened_clear(&opened);
    keys_sign_key_public(keys_keystore_signer(back, T0 + DAY), &old_sig);
    assert_int_equal(keys_jws_verify(jws, strlen(jws), "baton-test+jws", &lookup, &v, &err),
                     KEYS_OK);
    keys_jws_verified_clear(&v);
    assert_null(keys_keystore_enc_key(back, "no-such-kid"));

    entry = entry_of(back);
    json_array_foreach (json_object_get(json_object_get(entry, "jwks"), "keys"), i, jwk) {
        if (strcmp(json_string_value(json_object_get(jwk, "use")), "sig") == 0)
            n_sig++;
        else
            n_enc++;
    }
    assert_int_equal(n_sig, 2);
    assert_int_equal(n_enc, 2);
    json_decref(entry);
    keys_keystore_free(back);

    /* A period that ends before it starts, and more keys than a directory entry can list. */
    assert_int_equal(keys_keystore_rotate(f->ks, KEYS_USE_SIG, later, later, &err), KEYS_EINVAL);
    for (i = 2; i < 8; i++)
        assert_int_equal(keys_keystore_rotate(f->ks, KEYS_USE_ENC, later, later + DAY, &err),
                         KEYS_OK);
    assert_int_equal(keys_keystore_rotate(f->ks, KEYS_USE_ENC, later, later + DAY, &err),
                     KEYS_ETOOBIG);
    assert_non_null(strstr(err.text, "8 encryption keys"));
    free(jws);
    free(jwe);
}

/* ---- TLS ---- */

static gnutls_x509_crt_t
cert_of(const struct keys_keystore *ks)
{
    gnutls_x509_crt_t crt;
    gnutls_datum_t d;
    const char *pem = keys_keystore_tls_cert_pem(ks);

    assert_int_equal(gnutls_x509_crt_init(&crt), 0);
    d.data = (unsigned char *)pem;
    d.size = (unsigned)strlen(pem);
    assert_int_equal(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM), 0);
    return crt;
}

/* "sha256//" + base64 of the SHA-256 of der[0..len). */
static void
pin_of(const unsigned char *der, size_t len, char out[KEYS_TLS_PIN_LEN + 1])
{
    unsigned char h[32];

    crypto_hash_sha256(h, der, len);
    memcpy(out, "sha256//", 8);
    sodium_bin2base64(out + 8, 45, h, 32, sodium_base64_VARIANT_ORIGINAL);
}

static void
tls_certificate_and_pin(void **state)
{
    /* RFC 8410 section 4: SubjectPublicKeyInfo of an Ed25519 key, up to the 32 key bytes. */
    static const unsigned char spki_prefix[12] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                                  0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
    struct fx *f = *state;
    struct keys_keystore *ip = NULL;
    gnutls_x509_crt_t crt, other_crt;
    gnutls_pubkey_t pub, other_pub;
    gnutls_privkey_t key;
    gnutls_datum_t d, sig, x, y, msg = {(unsigned char *)"client hello", 12};
    gnutls_ecc_curve_t curve;
    unsigned char spki[44], der[256], seed[32], pk[32], sk[64];
    char pin[KEYS_TLS_PIN_LEN + 1], buf[256];
    size_t der_len = sizeof der, blen, pem_len = 0;
    unsigned critical, ca = 1;
    char *pem = NULL;
    int pathlen;
    struct keys_err err;

    /* The pin is the SHA-256 of the certificate's SubjectPublicKeyInfo, computed here twice
     * without keys: from GnuTLS's DER export, and from RFC 8410's layout by hand. */
    crt = cert_of(f->ks);
    assert_int_equal(gnutls_pubkey_init(&pub), 0);
    assert_int_equal(gnutls_pubkey_import_x509(pub, crt, 0), 0);
    assert_int_equal(gnutls_pubkey_export(pub, GNUTLS_X509_FMT_DER, der, &der_len), 0);
    pin_of(der, der_len, pin);
    assert_string_equal(pin, keys_keystore_tls_pin(f->ks));
    assert_int_equal(strlen(pin), KEYS_TLS_PIN_LEN);
    assert_int_equal(gnutls_pubkey_export_ecc_raw(pub, &curve, &x, &y), 0);
    assert_int_equal(curve, GNUTLS_ECC_CURVE_ED25519);
    assert_int_equal(x.size, 32);
    memcpy(spki, spki_prefix, 12);
    memcpy(spki + 12, x.data, 32);
    assert_int_equal(der_len, sizeof spki);
    assert_memory_equal(der, spki, sizeof spki);
    pin_of(spki, sizeof spki, pin);
    assert_string_equal(pin, keys_keystore_tls_pin(f->ks));

    /* The private key PEM belongs to the certificate: its seed gives the certificate's public
     * key, and what it signs the certificate's key verifies. */
    assert_int_equal(keys_keystore_tls_key_pem(f->ks, &pem, &pem_len, &err), KEYS_OK);
    assert_int_equal(strlen(pem), pem_len);
    assert_true(strncmp(pem, "-----BEGIN PRIVATE KEY-----\n", 28) == 0);
    assert_int_equal(sodium_base642bin((unsigned char *)buf, sizeof buf, pem + 28, 64, NULL, &blen,
                                       NULL, sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_int_equal(blen, 48);
    memcpy(seed, buf + 16, 32);
    assert_int_equal(crypto_sign_seed_keypair(pk, sk, seed), 0);
    assert_memory_equal(pk, x.data, 32);
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(sk, sizeof sk);
    sodium_memzero(buf, sizeof buf);
    gnutls_free(x.data);
    gnutls_free(y.data);
    assert_int_equal(gnutls_privkey_init(&key), 0);
    d.data = (unsigned char *)pem;
    d.size = (unsigned)pem_len;
    assert_int_equal(gnutls_privkey_import_x509_raw(key, &d, GNUTLS_X509_FMT_PEM, NULL, 0), 0);
    assert_int_equal(gnutls_privkey_sign_data2(key, GNUTLS_SIGN_EDDSA_ED25519, 0, &msg, &sig), 0);
    assert_int_equal(gnutls_pubkey_verify_data2(pub, GNUTLS_SIGN_EDDSA_ED25519, 0, &msg, &sig), 0);
    /* ... and another organisation's certificate does not verify it. */
    assert_int_equal(keys_keystore_create(&local, T0, T0 + DAY, &ip, &err), KEYS_OK);
    other_crt = cert_of(ip);
    assert_int_equal(gnutls_pubkey_init(&other_pub), 0);
    assert_int_equal(gnutls_pubkey_import_x509(other_pub, other_crt, 0), 0);
    assert_true(gnutls_pubkey_verify_data2(other_pub, GNUTLS_SIGN_EDDSA_ED25519, 0, &msg, &sig) <
                0);
    assert_string_not_equal(keys_keystore_tls_pin(ip), keys_keystore_tls_pin(f->ks));
    gnutls_free(sig.data);
    gnutls_privkey_deinit(key);
    keys_secret_free(pem);

    /* What the certificate says: v3, CN the name, DNS the host, the key period, a leaf key for
     * signatures (TLS 1.3 handshakes) and nothing else, self-signed by that key. */
    assert_int_equal(gnutls_x509_crt_get_version(crt), 3);
    blen = sizeof buf;
    assert_int_equal(
        gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, buf, &blen), 0);
    assert_string_equal(buf, school.name);
    blen = sizeof buf;
    assert_int_equal(gnutls_x509_crt_get_subject_alt_name(crt, 0, buf, &blen, &critical),
                     GNUTLS_SAN_DNSNAME);
    assert_string_equal(buf, "baton.debrug.example");
    blen = sizeof buf;
    assert_true(gnutls_x509_crt_get_subject_alt_name(crt, 1, buf, &blen, &critical) < 0);
    assert_int_equal(gnutls_x509_crt_get_activation_time(crt), T0);
    assert_int_equal(gnutls_x509_crt_get_expiration_time(crt), T0 + 730 * DAY);
    {
        unsigned usage = 0;

        assert_int_equal(gnutls_x509_crt_get_key_usage(crt, &usage, &critical), 0);
        assert_int_equal(usage, GNUTLS_KEY_DIGITAL_SIGNATURE);
    }
    assert_int_equal(gnutls_x509_crt_get_basic_constraints(crt, &critical, &ca, &pathlen), 0);
    assert_int_equal(ca, 0);
    assert_int_equal(gnutls_x509_crt_get_pk_algorithm(crt, NULL), GNUTLS_PK_EDDSA_ED25519);
    assert_int_equal(gnutls_x509_crt_check_issuer(crt, crt), 1);
    {
        unsigned verify = 0;

        assert_int_equal(gnutls_x509_crt_verify(crt, &crt, 1, 0, &verify), 0);
        assert_int_equal(verify, 0);
    }
    /* An IP endpoint gets a DNS and an IP address entry. */
    blen = sizeof buf;
    assert_int_equal(gnutls_x509_crt_get_subject_alt_name(other_crt, 0, buf, &blen, &critical),
                     GNUTLS_SAN_DNSNAME);
    assert_string_equal(buf, "127.0.0.1");
    blen = sizeof buf;
    assert_int_equal(gnutls_x509_crt_get_subject_alt_name(other_crt, 1, buf, &blen, &critical),
                     GNUTLS_SAN_IPADDRESS);
    assert_int_equal(blen, 4);
    assert_memory_equal(buf, "\x7f\x00\x00\x01", 4);

    gnutls_pubkey_deinit(pub);
    gnutls_pubkey_deinit(other_pub);
    gnutls_x509_crt_deinit(crt);
    gnutls_x509_crt_deinit(other_crt);
    keys_keystore_free(ip);
}

static void
tls_ipv6_endpoint(void **state)
{
    static const struct keys_identity v6 = {"00000001812345693000", "UWV", "uwv",
                                            "https://[::1]:8443"};
    struct keys_keystore *ks = NULL;
    gnutls_x509_crt_t crt;
    struct keys_err err;
    unsigned char want[16] = {0};
    char buf[64];
    size_t blen = sizeof buf;
    unsigned critical;

    (void)state;
    want[15] = 1;
    assert_int_equal(keys_keystore_create(&v6, T0, T0 + DAY, &ks, &err), KEYS_OK);
    crt = cert_of(ks);
    assert_int_equal(gnutls_x509_crt_get_subject_alt_name(crt, 0, buf, &blen, &critical),
                     GNUTLS_SAN_IPADDRESS);
    assert_int_equal(blen, 16);
    assert_memory_equal(buf, want, 16);
    gnutls_x509_crt_deinit(crt);
    keys_keystore_free(ks);
}

static void
tls_long_name_is_cut_for_the_certificate(void **state)
{
    struct keys_identity id = school;
    struct keys_keystore *ks = NULL;
    gnutls_x509_crt_t crt;
    struct keys_err err;
    char want[128], buf[256];
    size_t blen = sizeof buf, i;
    json_t *entry;

    (void)state;
    /* 60 letters and 10 o-umlauts (2 bytes each): 70 characters, 80 bytes. */
    memset(id.name, 'a', 60);
    for (i = 0; i < 10; i++)
        memcpy(id.name + 60 + 2 * i, "\xc3\xb6", 2);
    id.name[80] = '\0';
    assert_int_equal(keys_keystore_create(&id, T0, T0 + DAY, &ks, &err), KEYS_OK);
    crt = cert_of(ks);
    assert_int_equal(
        gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, buf, &blen), 0);
    memcpy(want, id.name, 68); /* 64 characters, none cut in half */
    want[68] = '\0';
    assert_string_equal(buf, want);
    /* The directory entry keeps the whole name. */
    entry = entry_of(ks);
    assert_string_equal(json_string_value(json_object_get(entry, "name")), id.name);
    json_decref(entry);
    gnutls_x509_crt_deinit(crt);
    keys_keystore_free(ks);
}

/* ---- identity ---- */

static void
identity_checks(void **state)
{
    static const struct {
        const char *field, *value, *needle;
    } bad[] = {
        {"oin", "0000000181234567100", "must be exactly 20 digits"},
        {"oin", "0000000181234567100a", "must be exactly 20 digits"},
        {"oin", "", "must be exactly 20 digits"},
        {"name", "", "1 to 127 bytes"},
        {"name", "De Brug\nrole coordinator", "without control characters"},
        {"name", "De\tBrug", "without control characters"},
        {"name", "De Brug \xc2\x9b", "without control characters"},
        {"name", "De Brug \xff", "UTF-8"},
        {"role", "teacher", "the role \"teacher\" is not one of school, municipality"},
        {"role", "School", "is not one of"},
        {"endpoint", "http://baton.example", "must be an https URL"},
        {"endpoint", "https://", "must be an https URL"},
        {"endpoint", "https://baton example", "must be an https URL"},
        {"endpoint", "https://baton.example:0", "must be an https URL"},
        {"endpoint", "https://baton.example:70000", "must be an https URL"},
        {"endpoint", "https://baton.example:", "must be an https URL"},
        {"endpoint", "https://baton..example", "must be an https URL"},
        {"endpoint", "https://-baton.example", "must be an https URL"},
        {"endpoint", "https://baton.example/a?b=c", "must be an https URL"},
        {"endpoint", "https://user@baton.example", "must be an https URL"},
        {"endpoint", "https://[zz::1]/", "must be an https URL"},
        {"endpoint", "https://[1::2::3]", "must be an https URL"},
        {"endpoint", "https://[::1", "must be an https URL"},
    };
    static const char *const good_endpoints[] = {
        "https://baton.example", "https://baton.example:8443", "https://10.0.0.1/peer/v1",
        "https://[2001:db8::1]:443/x", "https://a"};
    struct keys_identity id;
    struct keys_keystore *ks = UNTOUCHED;
    struct keys_err err;
    size_t i;

    (void)state;
    assert_int_equal(keys_identity_check(&school, &err), KEYS_OK);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        id = school;
        if (strcmp(bad[i].field, "oin") == 0)
            snprintf(id.oin, sizeof id.oin, "%s", bad[i].value);
        else if (strcmp(bad[i].field, "name") == 0)
            snprintf(id.name, sizeof id.name, "%s", bad[i].value);
        else if (strcmp(bad[i].field, "role") == 0)
            snprintf(id.role, sizeof id.role, "%s", bad[i].value);
        else
            snprintf(id.endpoint, sizeof id.endpoint, "%s", bad[i].value);
        if (keys_identity_check(&id, &err) != KEYS_EINVAL ||
            strstr(err.text, bad[i].needle) == NULL)
            fail_msg("%s \"%s\": got \"%s\"", bad[i].field, bad[i].value, err.text);
        assert_int_equal(keys_keystore_create(&id, T0, T0 + DAY, &ks, &err), KEYS_EINVAL);
        assert_ptr_equal(ks, UNTOUCHED);
    }
    for (i = 0; i < sizeof good_endpoints / sizeof good_endpoints[0]; i++) {
        id = school;
        snprintf(id.endpoint, sizeof id.endpoint, "%s", good_endpoints[i]);
        if (keys_identity_check(&id, &err) != KEYS_OK)
            fail_msg("%s: %s", good_endpoints[i], err.text);
    }
    /* A name that fills its array without a terminating NUL. */
    id = school;
    memset(id.name, 'a', sizeof id.name);
    assert_int_equal(keys_identity_check(&id, &err), KEYS_EINVAL);
    id = school;
    assert_int_equal(keys_keystore_create(&id, T0, T0, &ks, &err), KEYS_EINVAL);
    assert_ptr_equal(ks, UNTOUCHED);
    /* NULL is allowed where the header says so. */
    keys_keystore_free(NULL);
    keys_secret_free(NULL);
}

/* ---- time ---- */

static void
rfc3339_times(void **state)
{
    static const struct {
        const char *s;
        time_t t;
    } good[] = {
        {"1970-01-01T00:00:00Z", 0},          {"2025-08-01T00:00:00Z", T0},
        {"2025-08-01t00:00:00z", T0},         {"2025-08-01T02:00:00+02:00", T0},
        {"2025-07-31T23:30:00-00:30", T0},    {"2025-08-01T00:00:00.999Z", T0},
        {"2024-02-29T12:00:00Z", 1709208000}, {"2016-12-31T23:59:60Z", 1483228800},
        {"1969-12-31T23:59:59Z", -1},         {"2000-03-01T00:00:00Z", 951868800},
    };
    static const char *const bad[] = {
        "2025-02-29T00:00:00Z",
        "2025-13-01T00:00:00Z",
        "2025-08-01 00:00:00Z",
        "2025-08-01T00:00:00",
        "2025-08-01T24:00:00Z",
        "2025-08-01T00:00:00+2:00",
        "2025-08-01",
        "2025-08-01T00:00:00.Z",
        "2025-08-01T00:00:00Zjunk",
        "2100-02-29T00:00:00Z",
        "",
        "2025-08-01T00:00:00+24:00",
    };
    char out[KEYS_TIME_LEN + 1];
    struct keys_err err;
    time_t t;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        t = 42;
        if (keys_time_parse(good[i].s, &t, "t", &err) != KEYS_OK || t != good[i].t)
            fail_msg("%s: %lld (%s)", good[i].s, (long long)t, err.text);
    }
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        t = 42;
        assert_int_equal(keys_time_parse(bad[i], &t, "validFrom", &err), KEYS_EFORMAT);
        assert_int_equal(t, 42);
        assert_non_null(strstr(err.text, "validFrom"));
    }
    keys_time_format(0, out);
    assert_string_equal(out, "1970-01-01T00:00:00Z");
    keys_time_format(-1, out);
    assert_string_equal(out, "1969-12-31T23:59:59Z");
    keys_time_format(951868800, out);
    assert_string_equal(out, "2000-03-01T00:00:00Z");
    /* Every day of four centuries survives the round trip. */
    for (t = -4 * 365 * DAY; t < (time_t)400 * 366 * DAY; t += DAY + 3671) {
        time_t back = 0;

        keys_time_format(t, out);
        assert_int_equal(keys_time_parse(out, &back, "t", &err), KEYS_OK);
        assert_int_equal(back, t);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(round_trip_plain, setup, teardown),
        cmocka_unit_test_setup_teardown(round_trip_passphrase, setup, teardown),
        cmocka_unit_test_setup_teardown(refuses_open_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(refuses_damaged_files, setup, teardown),
        cmocka_unit_test_setup_teardown(refuses_damaged_encrypted_files, setup, teardown),
        cmocka_unit_test_setup_teardown(refuses_to_overwrite, setup, teardown),
        cmocka_unit_test_setup_teardown(public_entry_is_a_directory_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(rotation, setup, teardown),
        cmocka_unit_test_setup_teardown(tls_certificate_and_pin, setup, teardown),
        cmocka_unit_test(tls_ipv6_endpoint),
        cmocka_unit_test(tls_long_name_is_cut_for_the_certificate),
        cmocka_unit_test(identity_checks),
        cmocka_unit_test(rfc3339_times),
    };
    struct keys_err err;

    if (keys_init(&err) != KEYS_OK) {
        fprintf(stderr, "%s\n", err.text);
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
