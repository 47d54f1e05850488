/* SPDX-License-Identifier: EUPL-1.2 */
/* The signed directory and covenant: signing, verifying, loading and looking up, and every
 * refusal (unsigned, another signer, altered, wrong kind, schema-invalid, out of date, ambiguous)
 * with the status and the words that tell an operator what was wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "forms.h"
#include "keys.h"
#include "keys_int.h"

#define EXAMPLES BATON_SOURCE_DIR "/forms/examples/valid/"
#define NORGS 8 /* organisations in the example directory */

/* Inside the example directory's period (2025-06-01T00:00:00+02:00 .. 2025-12-31T23:59:59+01:00)
 * and the covenant's (2025-01-01 .. 2026-12-31). */
#define NOW "2025-09-01T12:00:00Z"

struct fixture {
    struct forms_catalogue *cat;
    struct keys_sign_key *coordinator, *stranger;
    struct keys_pub coord_pub, stranger_pub;
    struct keys_pub sig[NORGS], enc[NORGS]; /* the members' keys, made here */
    json_t *directory, *covenant;           /* the examples, with the members' keys replaced */
    time_t now;
};

static struct fixture *F;

static time_t
at(const char *text)
{
    time_t t = 0;

    assert_int_equal(keys_time_parse(text, &t, "test time", NULL), KEYS_OK);
    return t;
}

static json_t *
load_example(const char *name)
{
    char path[512];
    json_error_t jerr;
    json_t *doc;

    snprintf(path, sizeof path, EXAMPLES "%s", name);
    doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL)
        fail_msg("%s: %s", path, jerr.text);
    return doc;
}

/* A directory JWK for pub, with a validity period. */
static json_t *
dir_jwk(const struct keys_pub *pub, enum keys_use use, const char *from, const char *until)
{
    json_t *jwk = NULL;

    if (use == KEYS_USE_SIG)
        assert_int_equal(keys_sign_pub_to_jwk(pub, &jwk, NULL), KEYS_OK);
    else
        assert_int_equal(keys_enc_pub_to_jwk(pub, &jwk, NULL), KEYS_OK);
    json_object_set_new(jwk, "validFrom", json_string(from));
    json_object_set_new(jwk, "validUntil", json_string(until));
    return jwk;
}

static int
setup(void **state)
{
    const struct forms_options opt = {.format_assertion = true};
    struct keys_sign_key *s;
    struct keys_enc_key *e;
    struct fixture *f;
    json_t *orgs, *org, *keys;
    size_t i;

    (void)state;
    assert_int_equal(keys_init(NULL), KEYS_OK);
    f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(forms_catalogue_new(&opt, &f->cat, NULL), FORMS_OK);
    assert_int_equal(forms_catalogue_add_builtin(f->cat, NULL), FORMS_OK);
    assert_int_equal(forms_catalogue_compile(f->cat, NULL), FORMS_OK);
    assert_int_equal(keys_sign_key_generate(&f->coordinator, NULL), KEYS_OK);
    assert_int_equal(keys_sign_key_generate(&f->stranger, NULL), KEYS_OK);
    keys_sign_key_public(f->coordinator, &f->coord_pub);
    keys_sign_key_public(f->stranger, &f->stranger_pub);
    for (i = 0; i < NORGS; i++) {
        assert_int_equal(keys_sign_key_generate(&s, NULL), KEYS_OK);
        assert_int_equal(keys_enc_key_generate(&e, NULL), KEYS_OK);
        keys_sign_key_public(s, &f->sig[i]);
        keys_enc_key_public(e, &f->enc[i]);
        keys_sign_key_free(s);
        keys_enc_key_free(e);
    }
    f->directory = load_example("directory.json");
    f->covenant = load_example("covenant.json");
    orgs = json_object_get(f->directory, "organisations");
    assert_int_equal(json_array_size(orgs), NORGS);
    json_array_foreach (orgs, i, org) {
        keys = json_object_get(json_object_get(org, "jwks"), "keys");
        json_array_clear(keys);
        json_array_append_new(keys, dir_jwk(&f->sig[i], KEYS_USE_SIG, "2025-01-01T00:00:00+01:00",
                                            "2026-01-31T23:59:59+01:00"));
        json_array_append_new(keys, dir_jwk(&f->enc[i], KEYS_USE_ENC, "2025-01-01T00:00:00+01:00",
                                            "2026-01-31T23:59:59+01:00"));
    }
    f->now = at(NOW);
    F = f;
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    json_decref(F->directory);
    json_decref(F->covenant);
    keys_sign_key_free(F->coordinator);
    keys_sign_key_free(F->stranger);
    forms_catalogue_free(F->cat);
    free(F);
    return 0;
}

static json_t *
directory(void)
{
    return json_deep_copy(F->directory);
}

static json_t *
covenant(void)
{
    return json_deep_copy(F->covenant);
}

static json_t *
org(json_t *dir, size_t i)
{
    return json_array_get(json_object_get(dir, "organisations"), i);
}

static json_t *
org_key(json_t *dir, size_t i, size_t k)
{
    return json_array_get(json_object_get(json_object_get(org(dir, i), "jwks"), "keys"), k);
}

/* Signs doc as the coordinator does; the test fails if that is refused. Takes doc. */
static char *
sign(json_t *doc)
{
    struct keys_err err = {0};
    char *jws = NULL;
    size_t len = 0;

    if (keys_document_sign(F->coordinator, F->cat, doc, &jws, &len, &err) != KEYS_OK)
        fail_msg("signing refused: %s", err.text);
    assert_int_equal(strlen(jws), len);
    json_decref(doc);
    return jws;
}

/* A JWS of any payload with any key and typ, as a forger (or a buggy coordinator tool) could
 * make it: keys_document_sign's own checks bypassed. Takes doc. */
static char *
raw_sign(const struct keys_sign_key *key, const char *typ, json_t *doc)
{
    char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS), *jws = NULL;
    size_t len;

    assert_non_null(text);
    assert_int_equal(
        keys_jws_sign(key, typ, (const unsigned char *)text, strlen(text), &jws, &len, NULL),
        KEYS_OK);
    free(text);
    json_decref(doc);
    return jws;
}

static enum keys_status
verify(const char *jws, const char *typ, time_t now, struct keys_err *err)
{
    json_t *out = NULL;
    enum keys_status st;

    st = keys_document_verify(jws, strlen(jws), typ, &F->coord_pub, 1, F->cat, now, &out, err);
    if (st == KEYS_OK)
        assert_non_null(out);
    else
        assert_null(out); /* untouched on error */
    json_decref(out);
    return st;
}

/* A refusal with its status and the words that say why. */
static void
assert_refused(enum keys_status st, const struct keys_err *err, enum keys_status expected,
               const char *fragment)
{
    if (st != expected || strstr(err->text, fragment) == NULL)
        fail_msg("expected %s with \"%s\", got %s: %s", keys_status_name(expected), fragment,
                 keys_status_name(st), err->text);
    assert_true(keys_status_is_refusal(st));
}

/* Signing must refuse doc (taken) with status and fragment. */
static void
assert_sign_refused(json_t *doc, enum keys_status expected, const char *fragment)
{
    struct keys_err err = {0};
    char *jws = (char *)"untouched";
    size_t len = 12345;

    assert_refused(keys_document_sign(F->coordinator, F->cat, doc, &jws, &len, &err), &err,
                   expected, fragment);
    assert_string_equal(jws, "untouched");
    assert_int_equal(len, 12345);
    json_decref(doc);
}

/* Verifying a JWS (freed) of doc signed by the real coordinator, bypassing the signing checks,
 * must refuse it with status and fragment; so must loading it. */
static void
assert_verify_refused(char *jws, const char *typ, enum keys_status expected, const char *fragment)
{
    struct keys_directory *dir = (struct keys_directory *)&dir;
    struct keys_err err = {0};

    assert_refused(verify(jws, typ, F->now, &err), &err, expected, fragment);
    if (strcmp(typ, KEYS_TYP_DIRECTORY) == 0) {
        memset(&err, 0, sizeof err);
        assert_refused(
            keys_directory_load(jws, strlen(jws), &F->coord_pub, 1, F->cat, F->now, &dir, &err),
            &err, expected, fragment);
        assert_ptr_equal(dir, (struct keys_directory *)&dir);
    }
    free(jws);
}

/* Decodes one base64url part of a compact JWS into a new string. */
static char *
part(const char *jws, int n)
{
    const char *p = jws, *end;
    unsigned char *out = NULL;
    size_t len = 0;

    while (n-- > 0)
        p = strchr(p, '.') + 1;
    end = strchr(p, '.');
    if (end == NULL)
        end = p + strlen(p);
    assert_int_equal(
        keys_b64url_decode_alloc(p, (size_t)(end - p), KEYS_MAX_PACKET, &out, &len, "part", NULL),
        KEYS_OK);
    return (char *)out;
}

/* ---- what must work ---- */

static void
test_directory_round_trip(void **state)
{
    json_t *doc = directory(), *out = NULL, *hdr;
    struct keys_err err = {0};
    char *jws, *h, *payload, *canon;

    (void)state;
    jws = sign(json_incref(doc));
    if (keys_document_verify(jws, strlen(jws), KEYS_TYP_DIRECTORY, &F->coord_pub, 1, F->cat, F->now,
                             &out, &err) != KEYS_OK)
        fail_msg("%s", err.text);
    assert_true(json_equal(out, doc));

    /* The header names the coordinator's key and the kind; the payload is compact, sorted JSON. */
    h = part(jws, 0);
    hdr = json_loads(h, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(hdr, "typ")), "baton-directory+jws");
    assert_string_equal(json_string_value(json_object_get(hdr, "kid")), F->coord_pub.kid);
    assert_string_equal(json_string_value(json_object_get(hdr, "alg")), "EdDSA");
    payload = part(jws, 1);
    canon = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(payload, canon);

    /* The same document signs to the same bytes (Ed25519 is deterministic, the JSON canonical). */
    {
        char *again = sign(json_incref(doc));

        assert_string_equal(again, jws);
        free(again);
    }
    free(canon);
    free(payload);
    json_decref(hdr);
    free(h);
    free(jws);
    json_decref(out);
    json_decref(doc);
}

static void
test_covenant_round_trip(void **state)
{
    json_t *doc = covenant(), *out = NULL, *hdr;
    struct keys_err err = {0};
    char *jws, *h;

    (void)state;
    jws = sign(json_incref(doc));
    if (keys_document_verify(jws, strlen(jws), KEYS_TYP_COVENANT, &F->coord_pub, 1, F->cat, F->now,
                             &out, &err) != KEYS_OK)
        fail_msg("%s", err.text);
    assert_true(json_equal(out, doc));
    h = part(jws, 0);
    hdr = json_loads(h, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(hdr, "typ")), "baton-covenant+jws");
    json_decref(hdr);
    free(h);
    free(jws);
    json_decref(out);
    json_decref(doc);
}

static void
test_white_space_around(void **state)
{
    struct keys_err err = {0};
    char *jws = sign(directory()), *padded;

    (void)state;
    padded = malloc(strlen(jws) + 8);
    sprintf(padded, " \n%s\r\n", jws);
    assert_int_equal(verify(padded, KEYS_TYP_DIRECTORY, F->now, &err), KEYS_OK);
    free(padded);
    free(jws);
}

static void
test_coordinator_rotation(void **state)
{
    struct keys_pub both[2] = {F->stranger_pub, F->coord_pub};
    struct keys_err err = {0};
    json_t *out = NULL;
    char *jws = sign(directory());

    (void)state;
    /* During a rotation daemons trust the old and the new key: either may sign. */
    assert_int_equal(keys_document_verify(jws, strlen(jws), KEYS_TYP_DIRECTORY, both, 2, F->cat,
                                          F->now, &out, &err),
                     KEYS_OK);
    json_decref(out);
    out = NULL;
    assert_int_equal(keys_document_verify(jws, strlen(jws), KEYS_TYP_DIRECTORY, both, 1, F->cat,
                                          F->now, &out, &err),
                     KEYS_EKID);
    assert_null(out);
    free(jws);
}

static void
test_load_and_look_up(void **state)
{
    struct keys_directory *dir = NULL;
    const struct keys_member *m = NULL;
    struct keys_err err = {0};
    struct keys_pub pub;
    json_t *doc = directory();
    char *jws;
    size_t i;

    (void)state;
    jws = sign(json_incref(doc));
    if (keys_directory_load(jws, strlen(jws), &F->coord_pub, 1, F->cat, F->now, &dir, &err) !=
        KEYS_OK)
        fail_msg("%s", err.text);
    free(jws);
    for (i = 0; i < NORGS; i++) {
        const char *oin = json_string_value(json_object_get(org(doc, i), "oin"));

        m = keys_directory_member(dir, oin);
        assert_non_null(m);
        assert_string_equal(m->oin, oin);
        assert_string_equal(m->name, json_string_value(json_object_get(org(doc, i), "name")));
        assert_string_equal(m->role, json_string_value(json_object_get(org(doc, i), "role")));
        assert_string_equal(m->endpoint,
                            json_string_value(json_object_get(org(doc, i), "endpoint")));
        assert_string_equal(m->tls_pin, json_string_value(json_object_get(org(doc, i), "tls_pin")));

        m = NULL;
        assert_int_equal(keys_directory_signing_key(dir, F->sig[i].kid, F->now, &m, &pub, &err),
                         KEYS_OK);
        assert_string_equal(m->oin, oin);
        assert_memory_equal(pub.key, F->sig[i].key, KEYS_KEY_BYTES);
        assert_string_equal(pub.kid, F->sig[i].kid);

        assert_int_equal(keys_directory_encryption_key(dir, oin, F->now, &pub, &err), KEYS_OK);
        assert_memory_equal(pub.key, F->enc[i].key, KEYS_KEY_BYTES);
        assert_string_equal(pub.kid, F->enc[i].kid);
    }
    assert_null(keys_directory_member(dir, "00000000000000000000"));
    assert_null(keys_directory_member(dir, NULL));
    assert_null(keys_directory_member(NULL, "00000001812345671000"));

    /* Refused look-ups leave the outputs alone. */
    m = (const struct keys_member *)&m;
    memset(&pub, 0x5a, sizeof pub);
    assert_refused(keys_directory_signing_key(dir, F->stranger_pub.kid, F->now, &m, &pub, &err),
                   &err, KEYS_EKID, "no organisation in the directory has a key with kid");
    assert_refused(keys_directory_signing_key(dir, F->enc[3].kid, F->now, &m, &pub, &err), &err,
                   KEYS_EKID, "is an encryption key, not a signing key");
    assert_refused(keys_directory_signing_key(dir, "short", F->now, &m, &pub, &err), &err,
                   KEYS_EKID, "not a key thumbprint");
    assert_refused(keys_directory_encryption_key(dir, "00000000000000000000", F->now, &pub, &err),
                   &err, KEYS_EKID, "no organisation with OIN 00000000000000000000");
    assert_ptr_equal(m, (const struct keys_member *)&m);
    assert_int_equal(pub.key[0], 0x5a);
    keys_directory_free(dir);
    keys_directory_free(NULL);
    json_decref(doc);
}

/* ---- refusals: signatures ---- */

static void
test_unsigned(void **state)
{
    struct keys_err err = {0};
    char *text = json_dumps(F->directory, JSON_INDENT(2)), *padded;

    (void)state;
    assert_refused(verify(text, KEYS_TYP_DIRECTORY, F->now, &err), &err, KEYS_EUNSIGNED,
                   "is plain JSON, not signed: a directory must be signed by the regional "
                   "coordinator (baton directory sign)");
    padded = malloc(strlen(text) + 4);
    sprintf(padded, "\n  %s", text);
    assert_refused(verify(padded, KEYS_TYP_COVENANT, F->now, &err), &err, KEYS_EUNSIGNED,
                   "a covenant must be signed by the regional coordinator (baton covenant sign)");
    free(padded);
    free(text);
    /* Neither JSON nor a JWS. */
    assert_refused(verify("directory", KEYS_TYP_DIRECTORY, F->now, &err), &err, KEYS_EFORMAT,
                   "parts");
    assert_refused(verify("", KEYS_TYP_DIRECTORY, F->now, &err), &err, KEYS_EFORMAT, "parts");
}

static void
test_signed_by_another_key(void **state)
{
    struct keys_err err = {0};
    struct keys_directory *dir = NULL;
    char *jws;
    char expect[128];

    (void)state;
    /* A valid document, validly signed, but by someone else: a school, or an attacker. */
    jws = raw_sign(F->stranger, KEYS_TYP_DIRECTORY, directory());
    snprintf(expect, sizeof expect,
             "is signed by a key that is not the regional coordinator's (kid %s)",
             F->stranger_pub.kid);
    assert_refused(verify(jws, KEYS_TYP_DIRECTORY, F->now, &err), &err, KEYS_EKID, expect);
    assert_refused(
        keys_directory_load(jws, strlen(jws), &F->coord_pub, 1, F->cat, F->now, &dir, &err), &err,
        KEYS_EKID, expect);
    assert_null(dir);
    free(jws);

    /* keys_document_sign with another key makes a JWS that the coordinator's key refuses. */
    {
        char *other = NULL;
        size_t len;
        json_t *doc = covenant();

        assert_int_equal(keys_document_sign(F->stranger, F->cat, doc, &other, &len, &err), KEYS_OK);
        assert_refused(verify(other, KEYS_TYP_COVENANT, F->now, &err), &err, KEYS_EKID,
                       F->stranger_pub.kid);
        free(other);
        json_decref(doc);
    }
}

/* Every character of the JWS changed, one at a time, to another base64url character: refused,
 * each time, and never as anything but a refusal of input. */
static void
test_every_byte_changed(void **state)
{
    struct keys_err err = {0};
    char *jws = sign(directory());
    size_t i, len = strlen(jws), n_sig = 0, n_other = 0;
    char was;
    enum keys_status st;

    (void)state;
    for (i = 0; i < len; i++) {
        was = jws[i];
        jws[i] = was == 'A' ? 'B' : 'A';
        if (was == '.')
            jws[i] = 'A';
        st = verify(jws, KEYS_TYP_DIRECTORY, F->now, &err);
        if (st == KEYS_OK)
            fail_msg("changing character %zu ('%c') of %zu was not noticed", i, was, len);
        assert_true(keys_status_is_refusal(st));
        if (st == KEYS_EBADSIG)
            n_sig++;
        else
            n_other++;
        jws[i] = was;
    }
    /* Most changes reach the signature check; some break the header's JSON, the base64 or the
     * number of parts first. */
    assert_true(n_sig > len / 2);
    assert_int_equal(verify(jws, KEYS_TYP_DIRECTORY, F->now, &err), KEYS_OK);
    free(jws);
}

static void
test_one_byte_each_part(void **state)
{
    struct keys_err err = {0};
    char *jws = sign(covenant());
    char *dot1 = strchr(jws, '.'), *dot2 = strchr(dot1 + 1, '.');
    char was;

    (void)state;
    /* The payload: a character in the middle, changed to another base64url character. */
    was = dot1[(dot2 - dot1) / 2];
    dot1[(dot2 - dot1) / 2] = was == 'x' ? 'y' : 'x';
    assert_refused(verify(jws, KEYS_TYP_COVENANT, F->now, &err), &err, KEYS_EBADSIG,
                   "the covenant's signature does not verify: it was changed after the "
                   "coordinator signed it");
    dot1[(dot2 - dot1) / 2] = was;
    assert_int_equal(verify(jws, KEYS_TYP_COVENANT, F->now, &err), KEYS_OK);
    /* The signature. */
    dot2[10] = dot2[10] == 'x' ? 'y' : 'x';
    assert_refused(verify(jws, KEYS_TYP_COVENANT, F->now, &err), &err, KEYS_EBADSIG,
                   "signature does not verify");
    free(jws);

    /* The header: the same members, re-encoded with a space, no longer the signed bytes. */
    {
        char *good = sign(covenant()), *h = part(good, 0), *spaced, *forged, *enc;
        size_t n;

        spaced = malloc(strlen(h) + 2);
        sprintf(spaced, " %s", h);
        assert_int_equal(
            keys_b64url_encode_alloc((unsigned char *)spaced, strlen(spaced), &enc, &n, NULL),
            KEYS_OK);
        forged = malloc(strlen(good) + 8);
        sprintf(forged, "%s%s", enc, strchr(good, '.'));
        assert_refused(verify(forged, KEYS_TYP_COVENANT, F->now, &err), &err, KEYS_EBADSIG,
                       "signature does not verify");
        free(forged);
        free(enc);
        free(spaced);
        free(h);
        free(good);
    }
}

static void
test_typ_swapped(void **state)
{
    char *cov = sign(covenant()), *dir = sign(directory());

    (void)state;
    assert_verify_refused(cov, KEYS_TYP_DIRECTORY, KEYS_ETYP,
                          "this is a signed covenant, not a directory");
    assert_verify_refused(dir, KEYS_TYP_COVENANT, KEYS_ETYP,
                          "this is a signed directory, not a covenant");
    /* A covenant's content signed as a directory by the coordinator's own key (a tool's bug):
     * the content's "$schema" and the typ disagree. */
    assert_verify_refused(raw_sign(F->coordinator, KEYS_TYP_DIRECTORY, covenant()),
                          KEYS_TYP_DIRECTORY, KEYS_ETYP,
                          "says it is a covenant (\"$schema\": \"urn:baton:covenant:1\") but is "
                          "signed as a directory");
    /* Another typ altogether, e.g. a packet. */
    assert_verify_refused(raw_sign(F->coordinator, "baton-form+jws", directory()),
                          KEYS_TYP_DIRECTORY, KEYS_ETYP, "baton-form+jws");
}

/* ---- refusals: content ---- */

static void
test_schema_invalid(void **state)
{
    json_t *doc;

    (void)state;
    /* An endpoint over plain HTTP: refused when signing, and when a JWS of it turns up signed
     * with the real coordinator's key. */
    doc = directory();
    json_object_set_new(org(doc, 0), "endpoint", json_string("http://baton.debrug.example"));
    assert_sign_refused(json_incref(doc), KEYS_ESCHEMA,
                        "the directory does not conform to its schema urn:baton:directory:1: at "
                        "/organisations/0/endpoint: ");
    assert_verify_refused(raw_sign(F->coordinator, KEYS_TYP_DIRECTORY, doc), KEYS_TYP_DIRECTORY,
                          KEYS_ESCHEMA,
                          "the signed directory does not conform to its schema "
                          "urn:baton:directory:1: at /organisations/0/endpoint: ");

    /* A private key published in the directory. */
    doc = directory();
    json_object_set_new(org_key(doc, 2, 0), "d",
                        json_string("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"));
    assert_sign_refused(json_incref(doc), KEYS_ESCHEMA, "/organisations/2/jwks/keys/0");
    assert_verify_refused(raw_sign(F->coordinator, KEYS_TYP_DIRECTORY, doc), KEYS_TYP_DIRECTORY,
                          KEYS_ESCHEMA, "/organisations/2/jwks/keys/0");

    /* A covenant whose BSN may travel on consent alone. */
    doc = covenant();
    json_array_append_new(
        json_object_get(json_array_get(json_object_get(doc, "purposes"), 0), "bsn_allowed_for"),
        json_string("consent"));
    assert_sign_refused(json_incref(doc), KEYS_ESCHEMA,
                        "the covenant does not conform to its schema urn:baton:covenant:1: at "
                        "/purposes/0/bsn_allowed_for/0");
    assert_verify_refused(raw_sign(F->coordinator, KEYS_TYP_COVENANT, doc), KEYS_TYP_COVENANT,
                          KEYS_ESCHEMA, "/purposes/0/bsn_allowed_for/0");

    /* Several errors: the first is named, and the count. */
    doc = directory();
    json_object_del(doc, "expires");
    json_object_set_new(doc, "version", json_integer(0));
    assert_sign_refused(doc, KEYS_ESCHEMA, "errors)");
}

static void
test_what_it_is(void **state)
{
    json_t *doc;

    (void)state;
    doc = directory();
    json_object_del(doc, "$schema");
    assert_sign_refused(json_incref(doc), KEYS_ESCHEMA, "has no \"$schema\"");
    assert_verify_refused(raw_sign(F->coordinator, KEYS_TYP_DIRECTORY, doc), KEYS_TYP_DIRECTORY,
                          KEYS_ESCHEMA, "\"$schema\" is missing");
    doc = directory();
    json_object_set_new(doc, "$schema", json_string("urn:baton:form:school-leaver-handover:1"));
    assert_sign_refused(json_incref(doc), KEYS_ESCHEMA, "is neither a directory's");
    assert_verify_refused(raw_sign(F->coordinator, KEYS_TYP_DIRECTORY, doc), KEYS_TYP_DIRECTORY,
                          KEYS_ESCHEMA, "urn:baton:form:school-leaver-handover:1");
    assert_sign_refused(json_array(), KEYS_ESCHEMA, "must be a JSON object");

    /* Content that is not strict JSON, signed by the coordinator's key. */
    {
        struct keys_err err = {0};
        const char *bad[] = {"not json",
                             "{\"$schema\":\"urn:baton:directory:1\",\"version\":1,"
                             "\"version\":2}",
                             "[]", "{\"a\":\"\\u0000\"}"};
        char *jws;
        size_t i, len;

        for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            assert_int_equal(keys_jws_sign(F->coordinator, KEYS_TYP_DIRECTORY,
                                           (const unsigned char *)bad[i], strlen(bad[i]), &jws,
                                           &len, NULL),
                             KEYS_OK);
            assert_refused(verify(jws, KEYS_TYP_DIRECTORY, F->now, &err), &err, KEYS_ESCHEMA,
                           "the signed directory's content is not");
            free(jws);
        }
    }
}

static void
test_directory_period(void **state)
{
    struct keys_err err = {0};
    char *jws = sign(directory());

    (void)state;
    /* issued 2025-06-01T00:00:00+02:00 = 2025-05-31T22:00:00Z; expires
     * 2025-12-31T23:59:59+01:00 = 2025-12-31T22:59:59Z; both ends included. */
    assert_int_equal(verify(jws, KEYS_TYP_DIRECTORY, at("2025-05-31T22:00:00Z"), &err), KEYS_OK);
    assert_int_equal(verify(jws, KEYS_TYP_DIRECTORY, at("2025-12-31T22:59:59Z"), &err), KEYS_OK);
    assert_refused(verify(jws, KEYS_TYP_DIRECTORY, at("2025-12-31T23:00:00Z"), &err), &err,
                   KEYS_EEXPIRED,
                   "the directory expired on 2025-12-31T23:59:59+01:00; ask the regional "
                   "coordinator for a new one");
    assert_refused(verify(jws, KEYS_TYP_DIRECTORY, at("2030-01-01T00:00:00Z"), &err), &err,
                   KEYS_EEXPIRED, "expired on 2025-12-31T23:59:59+01:00");
    assert_refused(verify(jws, KEYS_TYP_DIRECTORY, at("2025-05-31T21:59:59Z"), &err), &err,
                   KEYS_EEXPIRED,
                   "the directory is not valid yet: it is issued for 2025-06-01T00:00:00+02:00 "
                   "and it is now 2025-05-31T21:59:59Z; check this computer's clock");
    free(jws);

    /* Loading applies the same period. */
    {
        struct keys_directory *dir = NULL;

        jws = sign(directory());
        assert_refused(keys_directory_load(jws, strlen(jws), &F->coord_pub, 1, F->cat,
                                           at("2026-06-01T00:00:00Z"), &dir, &err),
                       &err, KEYS_EEXPIRED, "expired on");
        assert_null(dir);
        free(jws);
    }

    /* A period that ends before it begins: refused at signing and at verifying. */
    {
        json_t *doc = directory();

        json_object_set_new(doc, "expires", json_string("2025-05-01T00:00:00Z"));
        assert_sign_refused(json_incref(doc), KEYS_ESCHEMA,
                            "the directory ends (expires 2025-05-01T00:00:00Z) before it begins");
        assert_verify_refused(raw_sign(F->coordinator, KEYS_TYP_DIRECTORY, doc), KEYS_TYP_DIRECTORY,
                              KEYS_ESCHEMA, "before it begins");
    }
}

/* A covenant signed with the given valid_from and valid_until. */
static char *
covenant_for(const char *from, const char *until)
{
    json_t *doc = covenant();

    json_object_set_new(doc, "valid_from", json_string(from));
    json_object_set_new(doc, "valid_until", json_string(until));
    return sign(doc);
}

static void
assert_covenant_starts(const char *from, const char *first_second)
{
    struct keys_err err = {0};
    char *jws = covenant_for(from, "2030-12-31");
    time_t t = at(first_second);

    if (verify(jws, KEYS_TYP_COVENANT, t, &err) != KEYS_OK)
        fail_msg("valid_from %s at %s: %s", from, first_second, err.text);
    assert_refused(verify(jws, KEYS_TYP_COVENANT, t - 1, &err), &err, KEYS_EEXPIRED,
                   "the covenant takes effect on");
    assert_non_null(strstr(err.text, from));
    free(jws);
}

static void
test_covenant_period(void **state)
{
    struct keys_err err = {0};
    char *jws;

    (void)state;
    /* Dutch days: midnight in Amsterdam, UTC+1 in winter, UTC+2 in summer. */
    assert_covenant_starts("2025-01-01", "2024-12-31T23:00:00Z");
    assert_covenant_starts("2025-07-01", "2025-06-30T22:00:00Z");
    /* 2025's summer time runs from Sunday 30 March to Sunday 26 October. */
    assert_covenant_starts("2025-03-30", "2025-03-29T23:00:00Z");
    assert_covenant_starts("2025-03-31", "2025-03-30T22:00:00Z");
    assert_covenant_starts("2025-10-26", "2025-10-25T22:00:00Z");
    assert_covenant_starts("2025-10-27", "2025-10-26T23:00:00Z");
    assert_covenant_starts("2024-03-31", "2024-03-30T23:00:00Z"); /* itself the last Sunday */
    assert_covenant_starts("2024-04-01", "2024-03-31T22:00:00Z");

    /* valid_until is the last day, included: until the next Dutch midnight. */
    jws = covenant_for("2025-01-01", "2026-12-31");
    assert_int_equal(verify(jws, KEYS_TYP_COVENANT, at("2026-12-31T22:59:59Z"), &err), KEYS_OK);
    assert_refused(verify(jws, KEYS_TYP_COVENANT, at("2026-12-31T23:00:00Z"), &err), &err,
                   KEYS_EEXPIRED,
                   "the covenant ended on 2026-12-31 (its last day, Dutch time); ask the "
                   "regional coordinator for the new covenant");
    free(jws);
    jws = covenant_for("2025-01-01", "2025-08-31");
    assert_int_equal(verify(jws, KEYS_TYP_COVENANT, at("2025-08-31T21:59:59Z"), &err), KEYS_OK);
    assert_refused(verify(jws, KEYS_TYP_COVENANT, at("2025-08-31T22:00:00Z"), &err), &err,
                   KEYS_EEXPIRED, "ended on 2025-08-31");
    free(jws);
    /* keys_document_within on a covenant verified once: the same period and explanation. */
    {
        json_t *doc = NULL;

        jws = covenant_for("2025-01-01", "2026-12-31");
        assert_int_equal(keys_document_verify(jws, strlen(jws), KEYS_TYP_COVENANT, &F->coord_pub, 1,
                                              F->cat, at("2025-06-01T00:00:00Z"), &doc, &err),
                         KEYS_OK);
        assert_int_equal(
            keys_document_within(doc, KEYS_TYP_COVENANT, at("2026-12-31T22:59:59Z"), &err),
            KEYS_OK);
        assert_refused(
            keys_document_within(doc, KEYS_TYP_COVENANT, at("2026-12-31T23:00:00Z"), &err), &err,
            KEYS_EEXPIRED, "the covenant ended on 2026-12-31 (its last day, Dutch time)");
        assert_refused(
            keys_document_within(doc, KEYS_TYP_COVENANT, at("2024-12-31T22:59:59Z"), &err), &err,
            KEYS_EEXPIRED, "the covenant takes effect on 2025-01-01");
        assert_int_equal(keys_document_within(doc, "JWT", at("2025-06-01T00:00:00Z"), &err),
                         KEYS_EINVAL);
        json_decref(doc);
        free(jws);
    }
    /* One day is a valid covenant; ending before it begins is not. */
    jws = covenant_for("2025-09-01", "2025-09-01");
    assert_int_equal(verify(jws, KEYS_TYP_COVENANT, at("2025-09-01T12:00:00Z"), &err), KEYS_OK);
    free(jws);
    {
        json_t *doc = covenant();

        json_object_set_new(doc, "valid_until", json_string("2024-12-31"));
        assert_sign_refused(json_incref(doc), KEYS_ESCHEMA,
                            "the covenant ends (valid_until 2024-12-31) before it begins "
                            "(valid_from 2025-01-01)");
        assert_verify_refused(raw_sign(F->coordinator, KEYS_TYP_COVENANT, doc), KEYS_TYP_COVENANT,
                              KEYS_ESCHEMA, "before it begins");
    }
}

static void
test_duplicates(void **state)
{
    json_t *doc;
    char oin[64];

    (void)state;
    /* The same OIN twice: which of the two is the sender? */
    doc = directory();
    snprintf(oin, sizeof oin, "%s", json_string_value(json_object_get(org(doc, 0), "oin")));
    json_object_set_new(org(doc, 5), "oin", json_string(oin));
    assert_sign_refused(json_incref(doc), KEYS_ESCHEMA, "is listed twice in the directory");
    assert_verify_refused(raw_sign(F->coordinator, KEYS_TYP_DIRECTORY, doc), KEYS_TYP_DIRECTORY,
                          KEYS_ESCHEMA, "OIN 00000001812345671000 is listed twice");

    /* One key listed by two organisations: whose signature is it? */
    doc = directory();
    json_array_append(json_object_get(json_object_get(org(doc, 1), "jwks"), "keys"),
                      org_key(doc, 0, 0));
    assert_sign_refused(json_incref(doc), KEYS_ESCHEMA, F->sig[0].kid);
    assert_verify_refused(raw_sign(F->coordinator, KEYS_TYP_DIRECTORY, doc), KEYS_TYP_DIRECTORY,
                          KEYS_ESCHEMA,
                          "is listed twice in the directory: by Praktijkschool De Brug");

    /* The same key twice in one organisation's set. */
    doc = directory();
    json_array_append(json_object_get(json_object_get(org(doc, 2), "jwks"), "keys"),
                      org_key(doc, 2, 1));
    assert_sign_refused(doc, KEYS_ESCHEMA, F->enc[2].kid);

    /* The same TLS pin: a TLS peer must name one organisation. */
    doc = directory();
    json_object_set(org(doc, 3), "tls_pin", json_object_get(org(doc, 4), "tls_pin"));
    assert_sign_refused(json_incref(doc), KEYS_ESCHEMA, "have the same TLS pin");
    assert_verify_refused(raw_sign(F->coordinator, KEYS_TYP_DIRECTORY, doc), KEYS_TYP_DIRECTORY,
                          KEYS_ESCHEMA, "have the same TLS pin");
}

static void
test_bad_member_keys(void **state)
{
    json_t *doc;

    (void)state;
    /* A kid that is not the key's thumbprint (the example's, from another key). */
    doc = directory();
    json_object_set_new(org_key(doc, 1, 0), "kid",
                        json_string("wtX6bOitn6vMzIs6TY4mRNGqJgLgemRqwK0sAKccHTY"));
    assert_sign_refused(json_incref(doc), KEYS_EJWK, "is not the key's RFC 7638 thumbprint");
    assert_verify_refused(raw_sign(F->coordinator, KEYS_TYP_DIRECTORY, doc), KEYS_TYP_DIRECTORY,
                          KEYS_EJWK,
                          "Vso De Horizon (OIN 00000001812345682000, organisation 2): key 1");

    /* An encryption key listed (as well) as a signing key: not a valid Ed25519 key, or its kid
     * not the thumbprint of one. */
    doc = directory();
    {
        json_t *k = json_deep_copy(org_key(doc, 1, 1));

        json_object_set_new(k, "use", json_string("sig"));
        json_object_set_new(k, "alg", json_string("EdDSA"));
        json_object_set_new(k, "crv", json_string("Ed25519"));
        json_array_append_new(json_object_get(json_object_get(org(doc, 1), "jwks"), "keys"), k);
    }
    assert_sign_refused(doc, KEYS_EJWK, "organisation 2): key 3: ");

    /* A low-order X25519 key (all zero): anyone could read what is sealed to it. */
    doc = directory();
    json_object_set_new(org_key(doc, 6, 1), "x",
                        json_string("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
    json_object_set_new(org_key(doc, 6, 1), "kid",
                        json_string("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
    assert_verify_refused(raw_sign(F->coordinator, KEYS_TYP_DIRECTORY, doc), KEYS_TYP_DIRECTORY,
                          KEYS_ELOWORDER, "organisation 7): key 2");

    /* Valid until before valid from. */
    doc = directory();
    json_object_set_new(org_key(doc, 0, 0), "validUntil", json_string("2024-01-01T00:00:00Z"));
    assert_sign_refused(doc, KEYS_ESCHEMA,
                        "is valid until 2024-01-01T00:00:00Z, before it becomes valid");
}

static void
test_member_key_validity(void **state)
{
    struct keys_directory *dir = NULL;
    const struct keys_member *m = NULL;
    struct keys_err err = {0};
    struct keys_pub pub;
    json_t *doc = directory(), *keys;
    struct keys_enc_key *e;
    struct keys_pub newer;
    char *jws;

    (void)state;
    /* Gemeente Lindeveld's signing key ran out before the directory's period ended. */
    json_object_set_new(org_key(doc, 3, 0), "validFrom", json_string("2025-01-01T00:00:00+01:00"));
    json_object_set_new(org_key(doc, 3, 0), "validUntil", json_string("2025-06-30T23:59:59+02:00"));
    /* RMC-regio Lindeveld rotates its encryption key on 1 October. */
    assert_int_equal(keys_enc_key_generate(&e, NULL), KEYS_OK);
    keys_enc_key_public(e, &newer);
    keys_enc_key_free(e);
    keys = json_object_get(json_object_get(org(doc, 4), "jwks"), "keys");
    json_array_append_new(keys, dir_jwk(&newer, KEYS_USE_ENC, "2025-10-01T00:00:00+02:00",
                                        "2026-12-31T23:59:59+01:00"));
    jws = sign(doc);
    if (keys_directory_load(jws, strlen(jws), &F->coord_pub, 1, F->cat, F->now, &dir, &err) !=
        KEYS_OK)
        fail_msg("%s", err.text);
    free(jws);

    assert_refused(keys_directory_signing_key(dir, F->sig[3].kid, F->now, &m, &pub, &err), &err,
                   KEYS_EEXPIRED,
                   "of Gemeente Lindeveld (OIN 00000001001234567000, organisation 4)");
    assert_non_null(strstr(err.text, "is valid from 2025-01-01T00:00:00+01:00 until "
                                     "2025-06-30T23:59:59+02:00, not at 2025-09-01T12:00:00Z"));
    assert_non_null(strstr(err.text, F->sig[3].kid));
    assert_null(m);
    /* Still good for what it signed while it was valid. */
    assert_int_equal(
        keys_directory_signing_key(dir, F->sig[3].kid, at("2025-06-30T21:59:59Z"), &m, &pub, &err),
        KEYS_OK);
    assert_refused(
        keys_directory_signing_key(dir, F->sig[3].kid, at("2025-06-30T22:00:00Z"), &m, &pub, &err),
        &err, KEYS_EEXPIRED, "not at 2025-06-30T22:00:00Z");
    assert_refused(
        keys_directory_signing_key(dir, F->sig[3].kid, at("2024-12-31T22:59:59Z"), &m, &pub, &err),
        &err, KEYS_EEXPIRED, "is valid from 2025-01-01T00:00:00+01:00");

    /* Before the rotation the old key, from its first second the new one, after the old one's
     * end only the new one, and after both none. */
    assert_int_equal(keys_directory_encryption_key(dir, "00000001001234567001",
                                                   at("2025-09-30T21:59:59Z"), &pub, &err),
                     KEYS_OK);
    assert_string_equal(pub.kid, F->enc[4].kid);
    assert_int_equal(keys_directory_encryption_key(dir, "00000001001234567001",
                                                   at("2025-09-30T22:00:00Z"), &pub, &err),
                     KEYS_OK);
    assert_string_equal(pub.kid, newer.kid);
    assert_int_equal(keys_directory_encryption_key(dir, "00000001001234567001",
                                                   at("2026-06-01T00:00:00Z"), &pub, &err),
                     KEYS_OK);
    assert_string_equal(pub.kid, newer.kid);
    assert_refused(keys_directory_encryption_key(dir, "00000001001234567001",
                                                 at("2027-01-01T00:00:00Z"), &pub, &err),
                   &err, KEYS_EKID, "has no encryption key valid at 2027-01-01T00:00:00Z");
    assert_non_null(strstr(err.text, newer.kid));
    keys_directory_free(dir);
}

static void
test_bad_arguments(void **state)
{
    struct keys_err err = {0};
    json_t *out = NULL;
    char *jws = sign(directory()), *s = NULL;
    size_t len;

    (void)state;
    assert_int_equal(keys_document_verify(jws, strlen(jws), "baton-form+jws", &F->coord_pub, 1,
                                          F->cat, F->now, &out, &err),
                     KEYS_EINVAL);
    assert_int_equal(keys_document_verify(jws, strlen(jws), KEYS_TYP_DIRECTORY, &F->coord_pub, 0,
                                          F->cat, F->now, &out, &err),
                     KEYS_EINVAL);
    assert_int_equal(keys_document_verify(jws, strlen(jws), KEYS_TYP_DIRECTORY, NULL, 1, F->cat,
                                          F->now, &out, &err),
                     KEYS_EINVAL);
    assert_int_equal(keys_document_sign(NULL, F->cat, F->directory, &s, &len, &err), KEYS_EINVAL);
    assert_null(out);
    assert_null(s);
    /* A catalogue without the directory schema is the caller's mistake, not the document's. */
    {
        struct forms_catalogue *empty = NULL;

        assert_int_equal(forms_catalogue_new(NULL, &empty, NULL), FORMS_OK);
        assert_int_equal(forms_catalogue_compile(empty, NULL), FORMS_OK);
        assert_int_equal(keys_document_sign(F->coordinator, empty, F->directory, &s, &len, &err),
                         KEYS_EINVAL);
        assert_non_null(strstr(err.text, "forms_catalogue_add_builtin"));
        forms_catalogue_free(empty);
    }
    free(jws);
}

/* ---- the coordinator's key file ---- */

static char tmpdir[] = "/tmp/baton-test-directory.XXXXXX";

static const char *
write_file(const char *name, const char *text)
{
    static char path[256];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static const char *
write_json(const char *name, json_t *doc)
{
    char *text = json_dumps(doc, JSON_INDENT(2));
    const char *path = write_file(name, text);

    free(text);
    json_decref(doc);
    return path;
}

static void
test_key_file(void **state)
{
    struct keys_pub keys[4];
    struct keys_err err = {0};
    json_t *jwk, *jwks, *entry;
    const char *path;
    size_t n = 99;

    (void)state;
    assert_non_null(mkdtemp(tmpdir));

    /* One JWK. */
    assert_int_equal(keys_sign_pub_to_jwk(&F->coord_pub, &jwk, NULL), KEYS_OK);
    path = write_json("one.jwk", json_incref(jwk));
    assert_int_equal(keys_sign_pub_read_file(path, keys, 4, &n, &err), KEYS_OK);
    assert_int_equal(n, 1);
    assert_string_equal(keys[0].kid, F->coord_pub.kid);
    assert_memory_equal(keys[0].key, F->coord_pub.key, KEYS_KEY_BYTES);

    /* A JWK Set during a rotation, with an encryption key that is skipped and a key twice. */
    jwks = json_pack("{s:[o,o,o,o]}", "keys", json_deep_copy(jwk),
                     dir_jwk(&F->enc[0], KEYS_USE_ENC, "a", "b"),
                     dir_jwk(&F->stranger_pub, KEYS_USE_SIG, "a", "b"), json_deep_copy(jwk));
    path = write_json("set.jwks", json_incref(jwks));
    n = 99;
    assert_int_equal(keys_sign_pub_read_file(path, keys, 4, &n, &err), KEYS_OK);
    assert_int_equal(n, 2);
    assert_string_equal(keys[0].kid, F->coord_pub.kid);
    assert_string_equal(keys[1].kid, F->stranger_pub.kid);
    n = 99;
    assert_refused(keys_sign_pub_read_file(path, keys, 1, &n, &err), &err, KEYS_ETOOBIG,
                   "more than 1 signing keys");
    assert_int_equal(n, 99);

    /* A directory entry, as keygen writes it (entry.json). */
    entry = json_deep_copy(org(F->directory, 7));
    path = write_json("entry.json", entry);
    assert_int_equal(keys_sign_pub_read_file(path, keys, 4, &n, &err), KEYS_OK);
    assert_int_equal(n, 1);
    assert_string_equal(keys[0].kid, F->sig[7].kid);

    /* Refusals. */
    n = 99;
    json_object_set_new(jwk, "d", json_string("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"));
    path = write_json("private.jwk", json_incref(jwk));
    assert_refused(keys_sign_pub_read_file(path, keys, 4, &n, &err), &err, KEYS_EJWK,
                   "key 1 is a private key (member d)");
    json_array_append(json_object_get(jwks, "keys"), jwk);
    path = write_json("private.jwks", json_incref(jwks));
    assert_refused(keys_sign_pub_read_file(path, keys, 4, &n, &err), &err, KEYS_EJWK,
                   "key 5 is a private key");
    path = write_json("enc-only.jwks",
                      json_pack("{s:[o]}", "keys", dir_jwk(&F->enc[1], KEYS_USE_ENC, "a", "b")));
    assert_refused(keys_sign_pub_read_file(path, keys, 4, &n, &err), &err, KEYS_EJWK,
                   "holds no Ed25519 signing key");
    path = write_file("garbage.jwk", "{\"kty\": \"OKP\",");
    assert_refused(keys_sign_pub_read_file(path, keys, 4, &n, &err), &err, KEYS_EJWK,
                   "is not JSON");
    path = write_file("other.json", "{\"hello\": 1}");
    assert_refused(keys_sign_pub_read_file(path, keys, 4, &n, &err), &err, KEYS_EJWK,
                   "holds neither a JWK");
    path = write_file("bad-x.jwk", "{\"kty\": \"OKP\", \"crv\": \"Ed25519\", \"x\": \"AAAA\"}");
    assert_refused(keys_sign_pub_read_file(path, keys, 4, &n, &err), &err, KEYS_EJWK,
                   "key 1: signing key: x must be");
    assert_int_equal(n, 99);
    {
        char missing[300];

        snprintf(missing, sizeof missing, "%s/missing.jwk", tmpdir);
        assert_int_equal(keys_sign_pub_read_file(missing, keys, 4, &n, &err), KEYS_EIO);
        assert_non_null(strstr(err.text, "missing.jwk"));
        assert_false(keys_status_is_refusal(KEYS_EIO));
    }
    json_decref(jwk);
    json_decref(jwks);
    {
        char cmd[300];

        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        assert_int_equal(system(cmd), 0);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_directory_round_trip),
        cmocka_unit_test(test_covenant_round_trip),
        cmocka_unit_test(test_white_space_around),
        cmocka_unit_test(test_coordinator_rotation),
        cmocka_unit_test(test_load_and_look_up),
        cmocka_unit_test(test_unsigned),
        cmocka_unit_test(test_signed_by_another_key),
        cmocka_unit_test(test_every_byte_changed),
        cmocka_unit_test(test_one_byte_each_part),
        cmocka_unit_test(test_typ_swapped),
        cmocka_unit_test(test_schema_invalid),
        cmocka_unit_test(test_what_it_is),
        cmocka_unit_test(test_directory_period),
        cmocka_unit_test(test_covenant_period),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_bad_member_keys),
        cmocka_unit_test(test_member_key_validity),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_key_file),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
