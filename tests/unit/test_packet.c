/* SPDX-License-Identifier: EUPL-1.2 */
/* Packets: sealing and opening a form, and every refusal of keys/PACKETS.md 9.5, each reached by a
 * packet that all the other checks accept. */
#include "packet_fixture.h"

/* Opens packet as B (or n->us) and checks the outcome; on refusal *out stays empty. */
static void
expect_open(struct net *n, const char *packet, size_t len, enum keys_status want, const char *says,
            const char *what)
{
    struct keys_packet p;
    struct keys_err err = {0};
    enum keys_status st;

    memset(&p, 0, sizeof p);
    st = keys_packet_open(&n->trust, n->us->oin, n->cat, NOW, packet, len, &p, &err);
    expect_status(st, &err, want, says, what);
    if (st != KEYS_OK)
        assert_null(p.claims);
    keys_packet_clear(&p);
}

static void
round_trip(void **state)
{
    struct net *n = *state;
    struct keys_packet_params prm = params(n);
    struct keys_packet p = {0};
    struct keys_err err = {0};
    unsigned char digest[KEYS_SHA256_LEN];
    char id[KEYS_UUID_LEN + 1], *packet = NULL;
    size_t len = 0;

    assert_int_equal(keys_packet_seal(n->a.sign, OIN_A, &n->b.enc_pub, n->cat, &prm, NOW, &packet,
                                      &len, id, &err),
                     KEYS_OK);
    assert_int_equal(strlen(packet), len);
    assert_true(keys_is_uuid(id, 1));
    assert_int_equal(id[14], '4'); /* version 4 */
    expect_status(keys_packet_open(&n->trust, OIN_B, n->cat, NOW, packet, len, &p, &err), &err,
                  KEYS_OK, NULL, "open");
    assert_string_equal(p.id, id);
    assert_string_equal(p.from, OIN_A);
    assert_string_equal(p.to, OIN_B);
    assert_int_equal(p.issued_at, NOW);
    assert_string_equal(p.form_type, "urn:baton:form:school-leaver-handover:1");
    assert_string_equal(p.purpose, "warme-overdracht");
    assert_int_equal(p.basis, KEYS_BASIS_CONSENT);
    assert_null(p.law);
    assert_string_equal(p.consent_id, CONSENT_ID);
    assert_string_equal(p.covenant_id, COVENANT_ID);
    assert_memory_equal(p.covenant_sha256, n->covenant, KEYS_SHA256_LEN);
    assert_true(json_equal((json_t *)p.form, n->form));
    assert_string_equal(p.signer_kid, n->a.sign_pub.kid);
    assert_string_equal(p.enc_kid, n->b.enc_pub.kid);
    crypto_hash_sha256(digest, (const unsigned char *)packet, len);
    assert_memory_equal(p.sha256, digest, sizeof digest);
    keys_packet_clear(&p);
    assert_null(p.claims);
    keys_packet_clear(NULL);

    /* A second seal of the same form is another packet: new id, new ephemeral key. */
    {
        char id2[KEYS_UUID_LEN + 1], *again = NULL;
        size_t len2 = 0;

        assert_int_equal(keys_packet_seal(n->a.sign, OIN_A, &n->b.enc_pub, n->cat, &prm, NOW,
                                          &again, &len2, id2, NULL),
                         KEYS_OK);
        assert_string_not_equal(id, id2);
        assert_false(len == len2 && memcmp(packet, again, len) == 0);
        free(again);
    }
    free(packet);
}

/* The legal-obligation basis carries the law, and no consent. */
static void
legal_obligation(void **state)
{
    struct net *n = *state;
    struct keys_packet_params prm = params(n);
    struct keys_packet p = {0};
    struct keys_err err = {0};
    char *packet = NULL;
    size_t len = 0;

    prm.basis = KEYS_BASIS_LEGAL_OBLIGATION;
    prm.consent_id = NULL;
    prm.law = "Leerplichtwet 1969, artikel 8, en Wet RMC-functie";
    assert_int_equal(keys_packet_seal(n->a.sign, OIN_A, &n->b.enc_pub, n->cat, &prm, NOW, &packet,
                                      &len, NULL, &err),
                     KEYS_OK);
    expect_status(keys_packet_open(&n->trust, OIN_B, n->cat, NOW, packet, len, &p, &err), &err,
                  KEYS_OK, NULL, "open");
    assert_int_equal(p.basis, KEYS_BASIS_LEGAL_OBLIGATION);
    assert_string_equal(p.law, prm.law);
    assert_null(p.consent_id);
    assert_null(json_object_get(p.claims, "consent"));
    keys_packet_clear(&p);
    free(packet);
}

/* After a rotation, a packet sealed to the old encryption key still opens. */
static void
rotation_old_key_opens(void **state)
{
    struct net *n = *state;
    struct keys_packet_params prm = params(n);
    struct keys_packet p = {0};
    struct keys_err err = {0};
    char *packet = NULL;
    size_t len = 0;

    assert_int_equal(keys_packet_seal(n->a.sign, OIN_A, &n->b_old_pub, n->cat, &prm, NOW, &packet,
                                      &len, NULL, &err),
                     KEYS_OK);
    expect_status(keys_packet_open(&n->trust, OIN_B, n->cat, NOW, packet, len, &p, &err), &err,
                  KEYS_OK, NULL, "open with the old key");
    assert_string_equal(p.enc_kid, n->b_old_pub.kid);
    keys_packet_clear(&p);
    free(packet);
}

static void
expect_seal(struct net *n, const struct keys_packet_params *prm, enum keys_status want,
            const char *says, const char *what)
{
    struct keys_err err = {0};
    char *out = NULL;
    size_t len = 0;

    expect_status(
        keys_packet_seal(n->a.sign, OIN_A, &n->b.enc_pub, n->cat, prm, NOW, &out, &len, NULL, &err),
        &err, want, says, what);
    assert_null(out);
    assert_int_equal(len, 0);
}

static void
seal_refusals(void **state)
{
    struct net *n = *state;
    struct keys_packet_params p;
    json_t *form = json_deep_copy(n->form), *dir = NULL;

    p = params(n);
    p.to = "0000000100123456700"; /* 19 digits */
    expect_seal(n, &p, KEYS_EINVAL, "OIN", "short recipient OIN");
    p = params(n);
    p.purpose = "Warme overdracht";
    expect_seal(n, &p, KEYS_EINVAL, "purpose", "purpose not a code");
    p = params(n);
    p.basis = (enum keys_basis)7;
    expect_seal(n, &p, KEYS_EINVAL, "legal basis", "unknown basis");
    p = params(n);
    p.consent_id = NULL;
    expect_seal(n, &p, KEYS_EINVAL, "consent", "consent without its id");
    p = params(n);
    p.consent_id = "not-a-uuid";
    expect_seal(n, &p, KEYS_EINVAL, "UUID", "consent id not a UUID");
    p = params(n);
    p.law = "Leerplichtwet";
    expect_seal(n, &p, KEYS_EINVAL, "law", "a law with consent");
    p = params(n);
    p.basis = KEYS_BASIS_PUBLIC_TASK;
    p.consent_id = NULL;
    expect_seal(n, &p, KEYS_EINVAL, "law", "public task without its law");
    p.law = "a line\nbreak";
    expect_seal(n, &p, KEYS_EINVAL, "control", "law with a control character");
    p = params(n);
    p.basis = KEYS_BASIS_LEGAL_OBLIGATION;
    p.law = "Leerplichtwet";
    expect_seal(n, &p, KEYS_EINVAL, "consent", "a consent with a legal obligation");
    p = params(n);
    p.covenant_sha256 = NULL;
    expect_seal(n, &p, KEYS_EINVAL, "covenant", "no covenant digest");
    p = params(n);
    p.covenant_id = "Netwerk Lindeveld";
    expect_seal(n, &p, KEYS_EINVAL, "covenant", "covenant id not an id");

    /* The form: it must name a form type of the catalogue, and be valid. */
    p = params(n);
    p.form = form;
    json_object_del(form, "$schema");
    expect_seal(n, &p, KEYS_EINVAL, "$schema", "form without $schema");
    json_object_set_new(form, "$schema", json_string("urn:baton:directory:1"));
    expect_seal(n, &p, KEYS_EINVAL, "not a form type", "the directory as a form");
    json_object_set_new(form, "$schema", json_string("urn:baton:form:no-such-form:1"));
    expect_seal(n, &p, KEYS_ESCHEMA, "not in the form catalogue", "unknown form type");
    json_object_set_new(form, "$schema", json_string("urn:baton:form:school-leaver-handover:1"));
    json_object_set_new(form, "remarks", json_string("free text that does not belong"));
    expect_seal(n, &p, KEYS_ESCHEMA, "/remarks", "a field the form does not have");
    json_object_del(form, "remarks");
    json_object_del(form, "leaving_date");
    expect_seal(n, &p, KEYS_ESCHEMA, "not a valid", "a required field missing");
    dir = json_array();
    p.form = dir;
    expect_seal(n, &p, KEYS_EINVAL, "object", "form not an object");
    json_decref(dir);
    json_decref(form);
}

/* Every outer header that baton's profile refuses, validly encrypted for B around a valid inner
 * JWS, so that only the header check can refuse. */
static void
outer_header_refusals(void **state)
{
    static const struct {
        const char *member, *value_json; /* value NULL: delete the member */
        enum keys_status want;
        const char *says;
    } cases[] = {
        {"alg", "\"none\"", KEYS_EALG, "\"none\""},
        {"alg", "\"RSA-OAEP\"", KEYS_EALG, "RSA-OAEP"},
        {"alg", "\"ECDH-ES+A256KW\"", KEYS_EALG, "ECDH-ES+A256KW"},
        {"alg", "\"dir\"", KEYS_EALG, "dir"},
        {"alg", NULL, KEYS_EALG, "no alg"},
        {"enc", "\"A128GCM\"", KEYS_EENC, "A128GCM"},
        {"enc", "\"A256CBC-HS512\"", KEYS_EENC, "A256CBC-HS512"},
        {"enc", NULL, KEYS_EENC, "no enc"},
        {"crit", "[\"exp\"]", KEYS_ECRIT, "crit"},
        {"zip", "\"DEF\"", KEYS_EHEADER, "zip"},
        {"apu", "\"QWxpY2U\"", KEYS_EHEADER, "apu"},
        {"kid", "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"", KEYS_EKID, "none of this"},
        {"kid", NULL, KEYS_EKID, "kid"},
        {"typ", "\"baton-receipt+jws\"", KEYS_ETYP, "not a packet"},
        {"typ", "\"JWT\"", KEYS_ETYP, "not a packet"},
        {"typ", NULL, KEYS_ETYP, "(none)"},
        {"cty", "\"JWT\"", KEYS_ETYP, "cty"},
        {"cty", NULL, KEYS_ETYP, "cty"},
        {"jti", NULL, KEYS_EHEADER, "jti"},
        {"jti", "\"not-a-uuid\"", KEYS_EHEADER, "UUID"},
        {"iss", NULL, KEYS_EHEADER, "iss"},
        {"aud", NULL, KEYS_EHEADER, "aud"},
        {"aud", "[\"" OIN_B "\"]", KEYS_EHEADER, "one organisation"},
        {"aud", "\"" OIN_C "\"", KEYS_ENOTFORUS, "not to this organisation"},
        {"jti", "\"" PACKET_ID "\"", KEYS_ECLAIMS, "re-addressed"},
        {"iss", "\"" OIN_C "\"", KEYS_ECLAIMS, "re-addressed"},
    };
    struct net *n = *state;
    json_t *c = claims_for(n, "5e1c8f0a-2b3d-4c5e-9f60-718293a4b5c6", OIN_A, OIN_B), *h, *v;
    char *text = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS), *inner, *packet, what[128];
    size_t i, len;

    inner = jws_raw(&n->a, NULL, KEYS_TYP_PACKET, (const unsigned char *)text, strlen(text));
    /* the forge itself makes good packets */
    h = outer_header(&n->b.enc_pub, c);
    packet = forge_jwe(&n->b.enc_pub, h, inner, &len);
    expect_open(n, packet, len, KEYS_OK, NULL, "forged but good");
    free(packet);
    json_decref(h);

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        h = outer_header(&n->b.enc_pub, c);
        if (cases[i].value_json == NULL) {
            json_object_del(h, cases[i].member);
        } else {
            v = json_loads(cases[i].value_json, JSON_DECODE_ANY, NULL);
            assert_non_null(v);
            json_object_set_new(h, cases[i].member, v);
        }
        packet = forge_jwe(&n->b.enc_pub, h, inner, &len);
        snprintf(what, sizeof what, "outer %s = %s", cases[i].member,
                 cases[i].value_json != NULL ? cases[i].value_json : "(deleted)");
        expect_open(n, packet, len, cases[i].want, cases[i].says, what);
        free(packet);
        json_decref(h);
    }
    free(inner);
    free(text);
    json_decref(c);
}

/* Inner JWS headers that are refused, inside a packet that is otherwise right. */
static void
inner_header_refusals(void **state)
{
    static const struct {
        const char *header; /* $K: A's kid */
        enum keys_status want;
        const char *says;
    } cases[] = {
        {"{\"alg\":\"none\",\"kid\":\"$K\",\"typ\":\"baton-packet+jws\"}", KEYS_EALG, "none"},
        {"{\"alg\":\"HS256\",\"kid\":\"$K\",\"typ\":\"baton-packet+jws\"}", KEYS_EALG, "HS256"},
        {"{\"alg\":\"ES256\",\"kid\":\"$K\",\"typ\":\"baton-packet+jws\"}", KEYS_EALG, "ES256"},
        {"{\"kid\":\"$K\",\"typ\":\"baton-packet+jws\"}", KEYS_EALG, "no alg"},
        {"{\"alg\":\"EdDSA\",\"crit\":[\"b64\"],\"b64\":false,\"kid\":\"$K\",\"typ\":\"baton-"
         "packet+"
         "jws\"}",
         KEYS_ECRIT, "crit"},
        {"{\"alg\":\"EdDSA\",\"kid\":\"$K\",\"typ\":\"baton-receipt+jws\"}", KEYS_ETYP,
         "baton-receipt+jws"},
        {"{\"alg\":\"EdDSA\",\"kid\":\"$K\",\"typ\":\"baton-directory+jws\"}", KEYS_ETYP,
         "baton-directory+jws"},
        {"{\"alg\":\"EdDSA\",\"kid\":\"$K\"}", KEYS_ETYP, "no typ"},
        {"{\"alg\":\"EdDSA\",\"kid\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"typ\":"
         "\"baton-packet+jws\"}",
         KEYS_EKID, "no member of the directory"},
        {"{\"alg\":\"EdDSA\",\"typ\":\"baton-packet+jws\"}", KEYS_EKID, "kid"},
        {"{\"alg\":\"EdDSA\",\"alg\":\"EdDSA\",\"kid\":\"$K\",\"typ\":\"baton-packet+jws\"}",
         KEYS_EHEADER, "duplicate"},
    };
    struct net *n = *state;
    json_t *c = claims_for(n, PACKET_ID, OIN_A, OIN_B), *r = routing_for(c);
    char *text = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS), *inner, *packet;
    char header[512], *k;
    size_t i, len;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(header, sizeof header, "%s", cases[i].header);
        k = strstr(header, "$K");
        if (k != NULL) {
            char rest[512];

            snprintf(rest, sizeof rest, "%s", k + 2);
            snprintf(k, sizeof header - (size_t)(k - header), "%s%s", n->a.sign_pub.kid, rest);
        }
        inner = jws_raw(&n->a, header, NULL, (const unsigned char *)text, strlen(text));
        packet = wrap(&n->b.enc_pub, r, inner, &len);
        expect_open(n, packet, len, cases[i].want, cases[i].says, header);
        free(packet);
        free(inner);
    }
    free(text);
    json_decref(r);
    json_decref(c);
}

/* A receipt (or any other signed message of baton's) encrypted as a packet is not a packet. */
static void
receipt_as_packet(void **state)
{
    struct net *n = *state;
    unsigned char digest[KEYS_SHA256_LEN] = {1};
    json_t *c = claims_for(n, PACKET_ID, OIN_A, OIN_B), *r = routing_for(c);
    char *receipt = NULL, *packet;
    size_t len = 0;

    assert_int_equal(keys_notice_sign(n->a.sign, KEYS_TYP_RECEIPT, OIN_A, OIN_B, PACKET_ID, digest,
                                      NULL, NOW, &receipt, &len, NULL),
                     KEYS_OK);
    packet = wrap(&n->b.enc_pub, r, receipt, &len);
    expect_open(n, packet, len, KEYS_ETYP, "not the expected \"baton-packet+jws\"",
                "a receipt in a packet");
    free(packet);
    /* and a bare JWS is not a packet at all */
    expect_open(n, receipt, strlen(receipt), KEYS_EFORMAT, "3 dot-separated parts",
                "a bare receipt");
    free(receipt);
    json_decref(r);
    json_decref(c);
}

/* A signature by a key outside its validity period, at the time the claims give. */
static void
key_outside_validity(void **state)
{
    struct net *n = *state;
    char *packet;
    size_t len;

    /* A's key expired before the packet says it was issued */
    n->a.valid_until = NOW - DAY;
    packet = seal_good(n, &len);
    expect_open(n, packet, len, KEYS_EEXPIRED, "not valid", "expired signing key");
    free(packet);
    /* not yet valid */
    n->a.valid_until = NOW + 365 * DAY;
    n->a.valid_from = NOW + DAY;
    packet = seal_good(n, &len);
    expect_open(n, packet, len, KEYS_EEXPIRED, "not valid", "signing key not yet valid");
    free(packet);
    n->a.valid_from = NOW - 30 * DAY;
    /* Back-dating into the validity period is the signer's own claim, covered by its
     * signature: only the signer can do it. The same packet with its iat altered fails. */
    packet = seal_good(n, &len);
    expect_open(n, packet, len, KEYS_OK, NULL, "valid again");
    free(packet);
}

/* Each of the five parts of the JWE: any changed character makes the packet refused. */
static void
tampered_parts(void **state)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    struct net *n = *state;
    struct keys_packet p;
    struct keys_err err;
    enum keys_status st;
    size_t len, i, part, changed = 0;
    char *packet = seal_good(n, &len), *copy = malloc(len + 2);
    const char *c;

    assert_non_null(copy);
    for (i = 0, part = 0; i < len; i++) {
        if (packet[i] == '.') {
            part++;
            continue;
        }
        /* every character of the header, IV and tag; every 7th of the long ciphertext */
        if (part == 3 && i % 7 != 0)
            continue;
        memcpy(copy, packet, len);
        c = strchr(b64, packet[i]);
        assert_non_null(c);
        copy[i] = b64[((size_t)(c - b64) + 1) % 64];
        memset(&p, 0, sizeof p);
        memset(&err, 0, sizeof err);
        st = keys_packet_open(&n->trust, OIN_B, n->cat, NOW, copy, len, &p, &err);
        if (st == KEYS_OK || !keys_status_is_refusal(st))
            fail_msg("character %zu (part %zu) changed: status %d %s", i, part + 1, st, err.text);
        assert_null(p.claims);
        /* outside the header every change is a failed authentication (or a bad last
         * character of a part) */
        if (part >= 2 && st != KEYS_EDECRYPT && st != KEYS_EBASE64 && st != KEYS_EFORMAT)
            fail_msg("part %zu: status %s", part + 1, keys_status_name(st));
        changed++;
    }
    assert_int_equal(part, 4);
    assert_true(changed > 100);

    /* part 2, the encrypted key, must stay empty */
    {
        const char *dots = strstr(packet, "..");
        size_t at = (size_t)(dots - packet) + 1;

        memcpy(copy, packet, at);
        copy[at] = 'A';
        memcpy(copy + at + 1, packet + at, len - at);
        expect_open(n, copy, len + 1, KEYS_EENCKEY, "encrypted key", "encrypted key part");
    }
    free(copy);
    free(packet);
}

static void
malformed_input(void **state)
{
    struct net *n = *state;
    size_t len, i;
    char *packet = seal_good(n, &len), *copy = malloc(len + 8), *big;
    struct keys_packet p;
    struct keys_err err;
    enum keys_status st;

    assert_non_null(copy);
    /* every truncation */
    for (i = 0; i < len; i++) {
        memset(&p, 0, sizeof p);
        st = keys_packet_open(&n->trust, OIN_B, n->cat, NOW, packet, i, &p, &err);
        if (st == KEYS_OK || !keys_status_is_refusal(st))
            fail_msg("truncated to %zu of %zu: status %d", i, len, st);
        assert_null(p.claims);
    }
    /* trailing garbage */
    memcpy(copy, packet, len);
    memcpy(copy + len, "\n", 1);
    expect_open(n, copy, len + 1, KEYS_EBASE64, "authentication tag", "a newline after it");
    memcpy(copy + len, "A", 1);
    expect_open(n, copy, len + 1, KEYS_EFORMAT, "16 bytes", "one character more");
    memcpy(copy + len, ".AAAA", 5);
    expect_open(n, copy, len + 5, KEYS_EFORMAT, "6 dot-separated parts", "a sixth part");
    memcpy(copy + len, "\0xyz", 4);
    expect_open(n, copy, len + 4, KEYS_EBASE64, NULL, "a NUL and more after it");
    /* invalid base64url: standard base64's '+', padding, a space */
    memcpy(copy, packet, len);
    copy[len - 3] = '+';
    expect_open(n, copy, len, KEYS_EBASE64, "'+'", "a '+' in the tag");
    memcpy(copy, packet, len);
    copy[5] = '=';
    expect_open(n, copy, len, KEYS_EBASE64, "'='", "padding in the header");
    memcpy(copy, packet, len);
    copy[len / 2] = ' ';
    expect_open(n, copy, len, KEYS_EBASE64, NULL, "a space in the ciphertext");
    /* oversized: refused on its length, before anything is read */
    big = malloc(KEYS_MAX_PACKET + 1);
    assert_non_null(big);
    memset(big, 'A', KEYS_MAX_PACKET + 1);
    memcpy(big, packet, len);
    expect_open(n, big, KEYS_MAX_PACKET + 1, KEYS_ETOOBIG, "exceeds", "oversized");
    free(big);
    /* empty, and nonsense */
    expect_open(n, "", 0, KEYS_EFORMAT, NULL, "empty");
    expect_open(n, "....", 4, KEYS_EHEADER, NULL, "only dots");
    expect_open(n, "{\"alg\":\"none\"}", 14, KEYS_EFORMAT, NULL, "JSON instead of JWE");
    free(copy);
    free(packet);
}

/* A packet for another organisation: we have no key for it; and one that its recipient opened
 * and re-encrypted for us is refused on its signed "aud". */
static void
addressed_to_another(void **state)
{
    struct net *n = *state;
    struct keys_packet_params prm = params(n);
    struct keys_packet opened = {0};
    struct keys_err err = {0};
    struct keys_jwe_opened o = {0};
    char *packet = NULL, *again;
    size_t len = 0;
    json_t *r;

    prm.to = OIN_C;
    assert_int_equal(keys_packet_seal(n->a.sign, OIN_A, &n->c.enc_pub, n->cat, &prm, NOW, &packet,
                                      &len, NULL, &err),
                     KEYS_OK);
    expect_open(n, packet, len, KEYS_EKID, "none of this organisation's", "a packet for C, at B");

    /* C opens it as it should ... */
    n->us = &n->c;
    expect_status(keys_packet_open(&n->trust, OIN_C, n->cat, NOW, packet, len, &opened, &err), &err,
                  KEYS_OK, NULL, "C opens its packet");
    keys_packet_clear(&opened);
    /* ... then takes the signed inner JWS and encrypts it for B, with a header for B */
    assert_int_equal(keys_jwe_decrypt(n->c.enc, packet, len, &o, NULL), KEYS_OK);
    r = json_pack("{s:s, s:s, s:s, s:s, s:s}", "typ", KEYS_TYP_SEALED, "cty", KEYS_TYP_PACKET,
                  "jti", json_string_value(json_object_get(o.header, "jti")), "iss", OIN_A, "aud",
                  OIN_B);
    again = wrap(&n->b.enc_pub, r, (const char *)o.plaintext, &len);
    n->us = &n->b;
    expect_open(n, again, len, KEYS_ENOTFORUS, "re-encrypted", "re-encrypted for B");
    /* B's own OIN is what is compared: the same packet opened by "C's OIN" with B's keys is
     * refused on the outer header */
    expect_status(keys_packet_open(&n->trust, OIN_C, n->cat, NOW, again, len, &opened, &err), &err,
                  KEYS_ENOTFORUS, "not to this organisation", "outer aud");
    free(again);
    json_decref(r);
    keys_jwe_opened_clear(&o);
    free(packet);
}

/* Claims that say they are from A, signed by C: C cannot speak for A. */
static void
from_not_signer(void **state)
{
    struct net *n = *state;
    json_t *c = claims_for(n, PACKET_ID, OIN_A, OIN_B);
    char *packet;
    size_t len;

    packet = seal_claims(&n->c, c, &n->b.enc_pub, NULL, &len);
    expect_open(n, packet, len, KEYS_EFROM, "signed with a key of " OIN_C, "C signs as A");
    free(packet);
    json_decref(c);
}

/* Claims of the right signer that are refused for what they say. */
static void
claims_refusals(void **state)
{
    static const struct {
        const char *member, *value_json; /* NULL: delete */
        enum keys_status want;
        const char *says;
    } cases[] = {
        {"jti", NULL, KEYS_ECLAIMS, "lack \"jti\""},
        {"jti", "\"0B7A5B8E-3C2D-4E1F-8A9B-0C1D2E3F4A5B\"", KEYS_ECLAIMS, "lower-case UUID"},
        {"jti", "42", KEYS_ECLAIMS, "must be a string"},
        {"iss", NULL, KEYS_ECLAIMS, "lack \"iss\""},
        {"aud", NULL, KEYS_ECLAIMS, "lack \"aud\""},
        {"aud", "[\"" OIN_B "\"]", KEYS_ECLAIMS, "one organisation"},
        {"aud", "\"" OIN_C "\"", KEYS_ENOTFORUS, "re-encrypted"},
        {"iat", NULL, KEYS_ECLAIMS, "no \"iat\""},
        {"iat", "\"2026-05-28T20:26:40Z\"", KEYS_ECLAIMS, "integer"},
        {"iat", "1780000000.5", KEYS_ECLAIMS, "integer"},
        {"iat", "-1", KEYS_ECLAIMS, "out of range"},
        {"iat", "1780000301", KEYS_ECLAIMS, "clock"},
        {"form_type", NULL, KEYS_ECLAIMS, "form_type"},
        {"form_type", "\"urn:baton:form:status-update:1\"", KEYS_ECLAIMS, "$schema"},
        {"purpose", NULL, KEYS_ECLAIMS, "purpose"},
        {"purpose", "\"Warme overdracht\"", KEYS_ECLAIMS, "purpose code"},
        {"basis", NULL, KEYS_ECLAIMS, "basis"},
        {"basis", "\"legitimate-interest\"", KEYS_ECLAIMS, "legitimate-interest"},
        {"law", "\"Leerplichtwet\"", KEYS_ECLAIMS, "not with consent"},
        {"consent", NULL, KEYS_ECLAIMS, "do not name the consent"},
        {"consent", "{\"id\":\"x\"}", KEYS_ECLAIMS, "not a UUID"},
        {"consent", "{\"id\":\"" CONSENT_ID "\",\"scope\":1}", KEYS_ECLAIMS, "\"scope\""},
        {"consent", "\"" CONSENT_ID "\"", KEYS_ECLAIMS, "object"},
        {"covenant", NULL, KEYS_ECLAIMS, "covenant"},
        {"covenant", "{\"id\":\"" COVENANT_ID "\"}", KEYS_ECLAIMS, "sha256"},
        {"covenant", "{\"id\":\"" COVENANT_ID "\",\"sha256\":\"abc\"}", KEYS_ECLAIMS, "SHA-256"},
        {"covenant",
         "{\"id\":\"" COVENANT_ID "\",\"sha256\":"
         "\"d585561ef8744328fd2e66041251108252e4f61b1c124d37fe425eee659ac719\"}",
         KEYS_ECLAIMS, "SHA-256"},
        {"form", NULL, KEYS_ECLAIMS, "form"},
        {"form", "[]", KEYS_ECLAIMS, "form"},
        {"extra", "true", KEYS_ECLAIMS, "unknown member \"extra\""},
        {"nbf", "1780000000", KEYS_ECLAIMS, "unknown member \"nbf\""},
    };
    struct net *n = *state;
    json_t *c, *v;
    char *packet, what[160];
    size_t i, len;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        c = claims_for(n, PACKET_ID, OIN_A, OIN_B);
        if (cases[i].value_json == NULL) {
            json_object_del(c, cases[i].member);
        } else {
            v = json_loads(cases[i].value_json, JSON_DECODE_ANY, NULL);
            assert_non_null(v);
            json_object_set_new(c, cases[i].member, v);
        }
        /* the outer routing is the usual one, so that only the claims check refuses */
        {
            json_t *r = json_pack("{s:s, s:s, s:s, s:s, s:s}", "typ", KEYS_TYP_SEALED, "cty",
                                  KEYS_TYP_PACKET, "jti", PACKET_ID, "iss", OIN_A, "aud", OIN_B);

            packet = seal_claims(&n->a, c, &n->b.enc_pub, r, &len);
            json_decref(r);
        }
        snprintf(what, sizeof what, "claim %s = %s", cases[i].member,
                 cases[i].value_json != NULL ? cases[i].value_json : "(deleted)");
        expect_open(n, packet, len, cases[i].want, cases[i].says, what);
        free(packet);
        json_decref(c);
    }

    /* basis legal-obligation without its law */
    c = claims_for(n, PACKET_ID, OIN_A, OIN_B);
    json_object_set_new(c, "basis", json_string("legal-obligation"));
    json_object_del(c, "consent");
    packet = seal_claims(&n->a, c, &n->b.enc_pub, NULL, &len);
    expect_open(n, packet, len, KEYS_ECLAIMS, "do not name the law", "no law");
    free(packet);
    /* with a consent */
    json_object_set_new(c, "law", json_string("Leerplichtwet 1969"));
    json_object_set_new(c, "consent", json_pack("{s:s}", "id", CONSENT_ID));
    packet = seal_claims(&n->a, c, &n->b.enc_pub, NULL, &len);
    expect_open(n, packet, len, KEYS_ECLAIMS, "belongs with basis consent", "law and consent");
    free(packet);
    json_decref(c);

    /* claims that are not a JSON object, or not strict JSON, signed all the same */
    {
        static const char *const bodies[] = {"[1,2]", "{\"jti\":1,\"jti\":2,\"iat\":1}",
                                             "{\"iat\":1780000000", "\"text\""};
        json_t *c0 = claims_for(n, PACKET_ID, OIN_A, OIN_B), *r = routing_for(c0);
        char *inner;

        for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
            inner = jws_raw(&n->a, NULL, KEYS_TYP_PACKET, (const unsigned char *)bodies[i],
                            strlen(bodies[i]));
            packet = wrap(&n->b.enc_pub, r, inner, &len);
            expect_open(n, packet, len, KEYS_ECLAIMS, "claims of the packet", bodies[i]);
            free(packet);
            free(inner);
        }
        json_decref(r);
        json_decref(c0);
    }
}

/* A signed, well-addressed packet whose form the recipient's catalogue refuses. */
static void
form_refusals(void **state)
{
    struct net *n = *state;
    json_t *c = claims_for(n, PACKET_ID, OIN_A, OIN_B), *form;
    char *packet;
    size_t len;

    form = json_deep_copy(n->form);
    json_object_set_new(form, "remarks", json_string("free text"));
    json_object_set_new(c, "form", form);
    packet = seal_claims(&n->a, c, &n->b.enc_pub, NULL, &len);
    expect_open(n, packet, len, KEYS_ESCHEMA, "/remarks", "a field the form does not have");
    free(packet);

    form = json_deep_copy(n->form);
    json_object_set_new(json_object_get(form, "young_person"), "bsn", json_string("123456789"));
    json_object_set_new(c, "form", form);
    packet = seal_claims(&n->a, c, &n->b.enc_pub, NULL, &len);
    expect_open(n, packet, len, KEYS_ESCHEMA, "/young_person/bsn", "a BSN that fails the 11-test");
    free(packet);

    form = json_deep_copy(n->form);
    json_object_set_new(form, "$schema", json_string("urn:baton:form:no-such-form:1"));
    json_object_set_new(c, "form", form);
    json_object_set_new(c, "form_type", json_string("urn:baton:form:no-such-form:1"));
    packet = seal_claims(&n->a, c, &n->b.enc_pub, NULL, &len);
    expect_open(n, packet, len, KEYS_ESCHEMA, "not in the form catalogue", "unknown form type");
    free(packet);

    form = json_deep_copy(n->form);
    json_object_set_new(form, "$schema", json_string("urn:baton:covenant:1"));
    json_object_set_new(c, "form", form);
    json_object_set_new(c, "form_type", json_string("urn:baton:covenant:1"));
    packet = seal_claims(&n->a, c, &n->b.enc_pub, NULL, &len);
    expect_open(n, packet, len, KEYS_ECLAIMS, "not a form type", "the covenant as a form");
    free(packet);
    json_decref(c);
}

static void
inspect(void **state)
{
    struct net *n = *state;
    struct keys_packet_header h = {0};
    struct keys_err err = {0};
    size_t len;
    char *packet = seal_good(n, &len), *receipt = NULL;
    unsigned char digest[KEYS_SHA256_LEN] = {0};

    expect_status(keys_packet_inspect(packet, len, &h, &err), &err, KEYS_OK, NULL, "inspect");
    assert_true(keys_is_uuid(h.id, 1));
    assert_string_equal(h.from, OIN_A);
    assert_string_equal(h.to, OIN_B);
    assert_string_equal(h.kid, n->b.enc_pub.kid);
    assert_true(h.ciphertext_len > json_dumpb(n->form, NULL, 0, JSON_COMPACT));
    keys_packet_header_clear(&h);
    assert_null(h.header);

    packet[len - 1] = '+';
    expect_status(keys_packet_inspect(packet, len, &h, &err), &err, KEYS_EBASE64, NULL, "bad tag");
    assert_null(h.header);
    assert_int_equal(keys_notice_sign(n->a.sign, KEYS_TYP_RECEIPT, OIN_A, OIN_B, PACKET_ID, digest,
                                      NULL, NOW, &receipt, &len, NULL),
                     KEYS_OK);
    expect_status(keys_packet_inspect(receipt, len, &h, &err), &err, KEYS_EFORMAT, NULL,
                  "a receipt");
    free(receipt);
    free(packet);
}

static void
basis_names(void **state)
{
    enum keys_basis b = KEYS_BASIS_CONSENT;

    (void)state;
    assert_string_equal(keys_basis_name(KEYS_BASIS_PUBLIC_TASK), "public-task");
    assert_null(keys_basis_name((enum keys_basis)0));
    assert_true(keys_basis_from_name("legal-obligation", &b));
    assert_int_equal(b, KEYS_BASIS_LEGAL_OBLIGATION);
    assert_false(keys_basis_from_name("Consent", &b));
    assert_false(keys_basis_from_name(NULL, &b));
    assert_int_equal(b, KEYS_BASIS_LEGAL_OBLIGATION);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(legal_obligation),
        cmocka_unit_test(rotation_old_key_opens),
        cmocka_unit_test(seal_refusals),
        cmocka_unit_test(outer_header_refusals),
        cmocka_unit_test(inner_header_refusals),
        cmocka_unit_test(receipt_as_packet),
        cmocka_unit_test(key_outside_validity),
        cmocka_unit_test(tampered_parts),
        cmocka_unit_test(malformed_input),
        cmocka_unit_test(addressed_to_another),
        cmocka_unit_test(from_not_signer),
        cmocka_unit_test(claims_refusals),
        cmocka_unit_test(form_refusals),
        cmocka_unit_test(inspect),
        cmocka_unit_test(basis_names),
    };

    return cmocka_run_group_tests(tests, net_setup, net_teardown);
}
