/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * A small test network for tests/unit/test_packet.c and test_receipt.c, built from the key
 * primitives alone: three organisations with signing and encryption keys, a directory of their
 * signing keys with validity periods (as the trust callbacks see it), the form catalogue, an
 * example form, and helpers that forge packets byte by byte, so that each check of the packet
 * layer can be reached by a packet that every other check accepts.
 */
#ifndef BATON_TESTS_PACKET_FIXTURE_H
#define BATON_TESTS_PACKET_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "forms.h"
#include "keys.h"
#include "keys_int.h"

/* Each test program uses some of the helpers below. */
#define FIXTURE static __attribute__((unused))

#define OIN_A "00000001812345671000" /* a school: the sender */
#define OIN_B "00000001001234567000" /* a municipality: the recipient */
#define OIN_C "00000001234567890000" /* UWV: a third party, sometimes the attacker */
#define CONSENT_ID "6d2f4c1e-8a3b-4f0d-9c7e-1b5a2e3d4f60"
#define COVENANT_ID "netwerk-lindeveld"
/* A fixed "now" (2026-05-28T20:26:40Z), so that validity periods are exact. */
#define NOW ((time_t)1780000000)
#define DAY ((time_t)86400)
#define HANDOVER BATON_SOURCE_DIR "/forms/examples/valid/school-leaver-handover.json"

struct org {
    const char *oin;
    struct keys_sign_key *sign;
    struct keys_enc_key *enc;
    struct keys_pub sign_pub, enc_pub;
    time_t valid_from, valid_until; /* of the signing key, as the directory lists it */
};

struct net {
    struct org a, b, c;
    struct keys_enc_key *b_old; /* B's encryption key before a rotation: still opens */
    struct keys_pub b_old_pub;
    struct forms_catalogue *cat;
    json_t *form;
    unsigned char covenant[KEYS_SHA256_LEN];
    /* the organisation whose keys trust_enc_key hands out: the one opening */
    struct org *us;
    struct keys_trust trust;
};

FIXTURE struct org *
org_by_kid(struct net *n, const char *kid)
{
    struct org *all[3] = {&n->a, &n->b, &n->c};
    size_t i;

    for (i = 0; i < 3; i++)
        if (strcmp(all[i]->sign_pub.kid, kid) == 0)
            return all[i];
    return NULL;
}

FIXTURE const struct keys_enc_key *
trust_enc_key(void *ctx, const char *kid)
{
    struct net *n = ctx;

    if (strcmp(n->us->enc_pub.kid, kid) == 0)
        return n->us->enc;
    if (n->us == &n->b && strcmp(n->b_old_pub.kid, kid) == 0)
        return n->b_old;
    return NULL;
}

/* As keys_directory_signing_key would answer. */
FIXTURE enum keys_status
trust_signing_key(void *ctx, const char *kid, time_t at, char owner[KEYS_OIN_LEN + 1],
                  struct keys_pub *out, struct keys_err *err)
{
    struct org *o = org_by_kid(ctx, kid);

    if (o == NULL)
        return keys_fail(err, KEYS_EKID, "no member of the directory has signing key \"%s\"", kid);
    if (at < o->valid_from || at > o->valid_until)
        return keys_fail(err, KEYS_EEXPIRED, "signing key \"%s\" of %s is not valid at %lld", kid,
                         o->oin, (long long)at);
    memcpy(owner, o->oin, KEYS_OIN_LEN + 1);
    *out = o->sign_pub;
    return KEYS_OK;
}

FIXTURE void
org_init(struct org *o, const char *oin)
{
    o->oin = oin;
    assert_int_equal(keys_sign_key_generate(&o->sign, NULL), KEYS_OK);
    assert_int_equal(keys_enc_key_generate(&o->enc, NULL), KEYS_OK);
    keys_sign_key_public(o->sign, &o->sign_pub);
    keys_enc_key_public(o->enc, &o->enc_pub);
    o->valid_from = NOW - 30 * DAY;
    o->valid_until = NOW + 365 * DAY;
}

FIXTURE int
net_setup(void **state)
{
    const struct forms_options fopt = {.format_assertion = true};
    struct net *n = calloc(1, sizeof *n);

    if (n == NULL || keys_init(NULL) != KEYS_OK)
        return -1;
    org_init(&n->a, OIN_A);
    org_init(&n->b, OIN_B);
    org_init(&n->c, OIN_C);
    if (keys_enc_key_generate(&n->b_old, NULL) != KEYS_OK)
        return -1;
    keys_enc_key_public(n->b_old, &n->b_old_pub);
    if (forms_catalogue_new(&fopt, &n->cat, NULL) != FORMS_OK ||
        forms_catalogue_add_builtin(n->cat, NULL) != FORMS_OK ||
        forms_catalogue_compile(n->cat, NULL) != FORMS_OK ||
        forms_parse_file(HANDOVER, NULL, &n->form, NULL) != FORMS_OK)
        return -1;
    crypto_hash_sha256(n->covenant, (const unsigned char *)"a signed covenant", 17);
    n->us = &n->b;
    n->trust.enc_key = trust_enc_key;
    n->trust.signing_key = trust_signing_key;
    n->trust.ctx = n;
    *state = n;
    return 0;
}

FIXTURE void
org_free(struct org *o)
{
    keys_sign_key_free(o->sign);
    keys_enc_key_free(o->enc);
}

FIXTURE int
net_teardown(void **state)
{
    struct net *n = *state;

    org_free(&n->a);
    org_free(&n->b);
    org_free(&n->c);
    keys_enc_key_free(n->b_old);
    forms_catalogue_free(n->cat);
    json_decref(n->form);
    free(n);
    return 0;
}

/* What A states when it sends the example handover to B on consent. */
FIXTURE struct keys_packet_params
params(struct net *n)
{
    struct keys_packet_params p = {
        .to = OIN_B,
        .purpose = "warme-overdracht",
        .basis = KEYS_BASIS_CONSENT,
        .consent_id = CONSENT_ID,
        .covenant_id = COVENANT_ID,
        .covenant_sha256 = n->covenant,
        .form = n->form,
    };
    return p;
}

/* A sealed for B by A, as baton makes it; *len its length. */
FIXTURE char *
seal_good(struct net *n, size_t *len)
{
    struct keys_packet_params p = params(n);
    struct keys_err err = {0};
    char *out = NULL;

    if (keys_packet_seal(n->a.sign, OIN_A, &n->b.enc_pub, n->cat, &p, NOW, &out, len, NULL, &err) !=
        KEYS_OK)
        fail_msg("seal: %s", err.text);
    return out;
}

/* The claims baton would sign for a packet from 'from' to 'to', as a new object to alter. */
FIXTURE json_t *
claims_for(struct net *n, const char *id, const char *from, const char *to)
{
    char digest[KEYS_SHA256_B64_LEN + 1];
    json_t *c;

    assert_int_equal(keys_b64url_encode(n->covenant, KEYS_SHA256_LEN, digest, sizeof digest, NULL),
                     KEYS_OK);
    c = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:{s:s}, s:{s:s, s:s}, s:O}", "jti", id,
                  "iss", from, "aud", to, "iat", (json_int_t)NOW, "form_type",
                  "urn:baton:form:school-leaver-handover:1", "purpose", "warme-overdracht", "basis",
                  "consent", "consent", "id", CONSENT_ID, "covenant", "id", COVENANT_ID, "sha256",
                  digest, "form", n->form);
    assert_non_null(c);
    return c;
}

#define PACKET_ID "0b7a5b8e-3c2d-4e1f-8a9b-0c1d2e3f4a5b"

/* The usual outer routing for claims c. New object. */
FIXTURE json_t *
routing_for(const json_t *c)
{
    json_t *r = json_pack("{s:s, s:s, s:s, s:s, s:s}", "typ", KEYS_TYP_SEALED, "cty",
                          KEYS_TYP_PACKET, "jti", json_string_value(json_object_get(c, "jti")),
                          "iss", json_string_value(json_object_get(c, "iss")), "aud",
                          json_string_value(json_object_get(c, "aud")));
    assert_non_null(r);
    return r;
}

/* The inner JWS over payload with the given header text (NULL: baton's header for signer and
 * typ), signed by signer. */
FIXTURE char *
jws_raw(const struct org *signer, const char *header, const char *typ, const unsigned char *payload,
        size_t payload_len)
{
    char hdr[512], *out = NULL;
    size_t len = 0;

    if (header == NULL) {
        snprintf(hdr, sizeof hdr, "{\"alg\":\"EdDSA\",\"kid\":\"%s\",\"typ\":\"%s\"}",
                 signer->sign_pub.kid, typ);
        header = hdr;
    }
    assert_int_equal(keys_jws_sign_raw(signer->sign, header, strlen(header), payload, payload_len,
                                       &out, &len, NULL),
                     KEYS_OK);
    return out;
}

/* A packet around any inner text: encrypted for 'to' with the given outer extra members
 * (borrowed) through baton's own JWE code. */
FIXTURE char *
wrap(const struct keys_pub *to, const json_t *extra, const char *inner, size_t *len)
{
    char *out = NULL;
    struct keys_err err = {0};

    if (keys_jwe_encrypt(to, extra, (const unsigned char *)inner, strlen(inner), &out, len, &err) !=
        KEYS_OK)
        fail_msg("wrap: %s", err.text);
    return out;
}

/* A packet from signer over claims c (borrowed; taken as they are), for 'to', with routing
 * (NULL: the usual routing of c). */
FIXTURE char *
seal_claims(const struct org *signer, const json_t *c, const struct keys_pub *to,
            const json_t *routing, size_t *len)
{
    char *text = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS), *inner, *out;
    json_t *r = routing != NULL ? json_incref((json_t *)routing) : routing_for(c);

    assert_non_null(text);
    inner = jws_raw(signer, NULL, KEYS_TYP_PACKET, (const unsigned char *)text, strlen(text));
    out = wrap(to, r, inner, len);
    json_decref(r);
    free(inner);
    free(text);
    return out;
}

/*
 * A JWE for 'to' whose protected header is hdr (borrowed) plus the epk, encrypted as baton does
 * (ECDH-ES, Concat KDF, A256GCM with the header as AAD), so that any header member can be set,
 * including those keys_jwe_encrypt reserves.
 */
FIXTURE char *
forge_jwe(const struct keys_pub *to, const json_t *hdr, const char *pt, size_t *len)
{
    unsigned char esk[32], epk[32], z[32], cek[32], iv[12], tag[16];
    size_t ptlen = strlen(pt), n;
    unsigned char *ct = malloc(ptlen + 1);
    char *htext, *h64, *ct64, iv64[32], tag64[32], *jwe;
    json_t *h = json_deep_copy(hdr), *e;

    assert_non_null(ct);
    assert_non_null(h);
    randombytes_buf(esk, sizeof esk);
    assert_int_equal(crypto_scalarmult_curve25519_base(epk, esk), 0);
    assert_int_equal(keys_x25519(z, esk, to->key, NULL), KEYS_OK);
    assert_int_equal(keys_concat_kdf(cek, 32, z, 32, "A256GCM", NULL, 0, NULL, 0, NULL), KEYS_OK);
    assert_int_equal(keys_okp_jwk(epk, "X25519", &e, NULL), KEYS_OK);
    json_object_set_new(h, "epk", e);
    htext = json_dumps(h, JSON_COMPACT | JSON_SORT_KEYS);
    assert_non_null(htext);
    assert_int_equal(
        keys_b64url_encode_alloc((const unsigned char *)htext, strlen(htext), &h64, NULL, NULL),
        KEYS_OK);
    randombytes_buf(iv, sizeof iv);
    assert_int_equal(keys_aes256gcm_encrypt(ct, tag, (const unsigned char *)pt, ptlen,
                                            (const unsigned char *)h64, strlen(h64), iv, cek, NULL),
                     KEYS_OK);
    assert_int_equal(keys_b64url_encode(iv, sizeof iv, iv64, sizeof iv64, NULL), KEYS_OK);
    assert_int_equal(keys_b64url_encode(tag, sizeof tag, tag64, sizeof tag64, NULL), KEYS_OK);
    assert_int_equal(keys_b64url_encode_alloc(ct, ptlen, &ct64, NULL, NULL), KEYS_OK);
    n = strlen(h64) + strlen(iv64) + strlen(ct64) + strlen(tag64) + 5;
    jwe = malloc(n);
    assert_non_null(jwe);
    snprintf(jwe, n, "%s..%s.%s.%s", h64, iv64, ct64, tag64);
    *len = strlen(jwe);
    free(ct64);
    free(h64);
    free(htext);
    free(ct);
    json_decref(h);
    return jwe;
}

/* The usual outer header of a packet for 'to' with routing of c, without epk, as an object to
 * alter. */
FIXTURE json_t *
outer_header(const struct keys_pub *to, const json_t *c)
{
    json_t *h = routing_for(c);

    json_object_set_new(h, "alg", json_string("ECDH-ES"));
    json_object_set_new(h, "enc", json_string("A256GCM"));
    json_object_set_new(h, "kid", json_string(to->kid));
    return h;
}

/* Fails the test unless st is want and the message says says (may be NULL). */
FIXTURE void
expect_status(enum keys_status st, const struct keys_err *err, enum keys_status want,
              const char *says, const char *what)
{
    if (st != want)
        fail_msg("%s: status %d (%s: %s), expected %d (%s)", what, st, keys_status_name(st),
                 err->text, want, keys_status_name(want));
    if (st != KEYS_OK) {
        assert_true(keys_status_is_refusal(st) || st == KEYS_EINVAL);
        if (says != NULL && strstr(err->text, says) == NULL)
            fail_msg("%s: message \"%s\" does not say \"%s\"", what, err->text, says);
    }
}

#endif
