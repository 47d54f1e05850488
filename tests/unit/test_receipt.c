/* SPDX-License-Identifier: EUPL-1.2 */
/* Receipts and notices: signed by the organisation that answers, bound to the exact packet bytes,
 * its id and its parties; every forgery of keys/PACKETS.md 9.6 refused. */
#include "packet_fixture.h"

/* A packet from A to B, B's opened view of it and B's receipt for it. */
struct exchange {
    char *packet, *receipt;
    size_t packet_len, receipt_len;
    struct keys_packet opened;
};

static void
exchange(struct net *n, struct exchange *x)
{
    struct keys_err err = {0};

    memset(x, 0, sizeof *x);
    x->packet = seal_good(n, &x->packet_len);
    n->us = &n->b;
    if (keys_packet_open(&n->trust, OIN_B, n->cat, NOW, x->packet, x->packet_len, &x->opened,
                         &err) != KEYS_OK)
        fail_msg("open: %s", err.text);
    if (keys_receipt_sign(n->b.sign, &x->opened, NOW + 5, &x->receipt, &x->receipt_len, &err) !=
        KEYS_OK)
        fail_msg("receipt: %s", err.text);
}

static void
exchange_free(struct exchange *x)
{
    free(x->packet);
    free(x->receipt);
    keys_packet_clear(&x->opened);
}

/* Verifies receipt for packet as A would, and checks the outcome. */
static void
expect_receipt(struct net *n, const char *receipt, size_t len, const char *packet,
               size_t packet_len, enum keys_status want, const char *says, const char *what)
{
    struct keys_notice r;
    struct keys_err err = {0};
    enum keys_status st;

    memset(&r, 0, sizeof r);
    st = keys_receipt_verify(&n->trust, receipt, len, packet, packet_len, NOW + 10, &r, &err);
    expect_status(st, &err, want, says, what);
    if (st != KEYS_OK)
        assert_null(r.claims);
    keys_notice_clear(&r);
}

static void
receipt_round_trip(void **state)
{
    struct net *n = *state;
    struct keys_notice r = {0};
    struct keys_err err = {0};
    struct exchange x;
    unsigned char digest[KEYS_SHA256_LEN];

    exchange(n, &x);
    expect_status(keys_receipt_verify(&n->trust, x.receipt, x.receipt_len, x.packet, x.packet_len,
                                      NOW + 10, &r, &err),
                  &err, KEYS_OK, NULL, "verify");
    assert_string_equal(r.typ, KEYS_TYP_RECEIPT);
    assert_true(keys_is_uuid(r.id, 1));
    assert_string_not_equal(r.id, x.opened.id);
    assert_string_equal(r.from, OIN_B);
    assert_string_equal(r.to, OIN_A);
    assert_int_equal(r.issued_at, NOW + 5);
    assert_string_equal(r.packet_id, x.opened.id);
    crypto_hash_sha256(digest, (const unsigned char *)x.packet, x.packet_len);
    assert_memory_equal(r.packet_sha256, digest, sizeof digest);
    assert_string_equal(r.signer_kid, n->b.sign_pub.kid);
    /* exactly the common members */
    assert_int_equal(json_object_size(r.claims), 5);
    keys_notice_clear(&r);
    assert_null(r.claims);
    keys_notice_clear(NULL);
    exchange_free(&x);
}

/* The receipt binds the exact packet bytes: another packet, or this one changed, does not match. */
static void
receipt_for_other_packet(void **state)
{
    struct net *n = *state;
    struct exchange x;
    char *other;
    size_t len;

    exchange(n, &x);
    other = seal_good(n, &len);
    expect_receipt(n, x.receipt, x.receipt_len, other, len, KEYS_ECLAIMS, "other bytes",
                   "receipt against another packet");
    free(other);
    /* the same packet with one character of its ciphertext changed */
    x.packet[x.packet_len / 2] = x.packet[x.packet_len / 2] == 'A' ? 'B' : 'A';
    expect_receipt(n, x.receipt, x.receipt_len, x.packet, x.packet_len, KEYS_ECLAIMS, "other bytes",
                   "receipt against a changed packet");
    /* not a packet at all */
    expect_receipt(n, x.receipt, x.receipt_len, x.receipt, x.receipt_len, KEYS_EFORMAT, NULL,
                   "receipt against itself");
    exchange_free(&x);
}

/* Receipts that B signed, but whose claims do not fit the packet. */
static void
receipt_wrong_claims(void **state)
{
    struct net *n = *state;
    struct exchange x;
    char *r = NULL, *packet_c;
    size_t len = 0, len_c;
    struct keys_packet_params prm = params(n);

    exchange(n, &x);
    /* the right digest, another packet id */
    assert_int_equal(keys_notice_sign(n->b.sign, KEYS_TYP_RECEIPT, OIN_B, OIN_A, PACKET_ID,
                                      x.opened.sha256, NULL, NOW, &r, &len, NULL),
                     KEYS_OK);
    expect_receipt(n, r, len, x.packet, x.packet_len, KEYS_ECLAIMS, "is about packet",
                   "another packet id");
    free(r);
    /* addressed to C instead of the sender */
    assert_int_equal(keys_notice_sign(n->b.sign, KEYS_TYP_RECEIPT, OIN_B, OIN_C, x.opened.id,
                                      x.opened.sha256, NULL, NOW, &r, &len, NULL),
                     KEYS_OK);
    expect_receipt(n, r, len, x.packet, x.packet_len, KEYS_ECLAIMS, "must go from",
                   "receipt to a third party");
    free(r);
    /* C, who did not receive the packet, confirms it as itself */
    assert_int_equal(keys_notice_sign(n->c.sign, KEYS_TYP_RECEIPT, OIN_C, OIN_A, x.opened.id,
                                      x.opened.sha256, NULL, NOW, &r, &len, NULL),
                     KEYS_OK);
    expect_receipt(n, r, len, x.packet, x.packet_len, KEYS_ECLAIMS, "must go from",
                   "receipt by a third party");
    free(r);
    /* C signs a receipt in B's name */
    assert_int_equal(keys_notice_sign(n->c.sign, KEYS_TYP_RECEIPT, OIN_B, OIN_A, x.opened.id,
                                      x.opened.sha256, NULL, NOW, &r, &len, NULL),
                     KEYS_OK);
    expect_receipt(n, r, len, x.packet, x.packet_len, KEYS_EFROM, "signed with a key of " OIN_C,
                   "receipt forged by C as B");
    free(r);
    /* a receipt for a packet to C, held against the packet to B */
    prm.to = OIN_C;
    assert_int_equal(keys_packet_seal(n->a.sign, OIN_A, &n->c.enc_pub, n->cat, &prm, NOW, &packet_c,
                                      &len_c, NULL, NULL),
                     KEYS_OK);
    expect_receipt(n, x.receipt, x.receipt_len, packet_c, len_c, KEYS_ECLAIMS, "other bytes",
                   "B's receipt against the packet to C");
    free(packet_c);
    exchange_free(&x);
}

/* Receipt headers and kinds that are refused. */
static void
receipt_header_refusals(void **state)
{
    static const struct {
        const char *header; /* $K: B's kid */
        enum keys_status want;
        const char *says;
    } cases[] = {
        {"{\"alg\":\"none\",\"kid\":\"$K\",\"typ\":\"baton-receipt+jws\"}", KEYS_EALG, "none"},
        {"{\"alg\":\"HS256\",\"kid\":\"$K\",\"typ\":\"baton-receipt+jws\"}", KEYS_EALG, "HS256"},
        {"{\"alg\":\"EdDSA\",\"crit\":[\"x\"],\"kid\":\"$K\",\"typ\":\"baton-receipt+jws\"}",
         KEYS_ECRIT, "crit"},
        {"{\"alg\":\"EdDSA\",\"kid\":\"$K\",\"typ\":\"baton-packet+jws\"}", KEYS_ETYP,
         "baton-packet+jws"},
        {"{\"alg\":\"EdDSA\",\"kid\":\"$K\",\"typ\":\"baton-acceptance+jws\"}", KEYS_ETYP,
         "baton-acceptance+jws"},
        {"{\"alg\":\"EdDSA\",\"kid\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"typ\":"
         "\"baton-receipt+jws\"}",
         KEYS_EKID, "no member"},
    };
    struct net *n = *state;
    struct exchange x;
    char header[512], rest[512], *k, *r;
    size_t i;

    exchange(n, &x);
    {
        /* the claims of the good receipt (its second part, decoded), re-signed under each
         * header */
        const char *d1 = strchr(x.receipt, '.'), *d2 = strchr(d1 + 1, '.');
        unsigned char *payload = NULL;
        size_t plen = 0;

        assert_int_equal(keys_b64url_decode_alloc(d1 + 1, (size_t)(d2 - d1 - 1), KEYS_MAX_PACKET,
                                                  &payload, &plen, "payload", NULL),
                         KEYS_OK);
        for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            snprintf(header, sizeof header, "%s", cases[i].header);
            k = strstr(header, "$K");
            if (k != NULL) {
                snprintf(rest, sizeof rest, "%s", k + 2);
                snprintf(k, sizeof header - (size_t)(k - header), "%s%s", n->b.sign_pub.kid, rest);
            }
            r = jws_raw(&n->b, header, NULL, payload, plen);
            expect_receipt(n, r, strlen(r), x.packet, x.packet_len, cases[i].want, cases[i].says,
                           header);
            free(r);
        }
        free(payload);
    }
    /* the packet's own inner JWS is not a receipt */
    {
        struct keys_jwe_opened o = {0};

        assert_int_equal(keys_jwe_decrypt(n->b.enc, x.packet, x.packet_len, &o, NULL), KEYS_OK);
        expect_receipt(n, (const char *)o.plaintext, o.plaintext_len, x.packet, x.packet_len,
                       KEYS_ETYP, "baton-packet+jws", "the packet's JWS as a receipt");
        keys_jwe_opened_clear(&o);
    }
    exchange_free(&x);
}

/* Receipt claims that are refused, validly signed by B. */
static void
receipt_claims_refusals(void **state)
{
    static const struct {
        const char *member, *value_json; /* NULL: delete */
        enum keys_status want;
        const char *says;
    } cases[] = {
        {"jti", NULL, KEYS_ECLAIMS, "jti"},
        {"iss", "\"1234\"", KEYS_ECLAIMS, "not an OIN"},
        {"aud", "[\"" OIN_A "\"]", KEYS_ECLAIMS, "one organisation"},
        {"iat", NULL, KEYS_ECLAIMS, "iat"},
        {"iat", "\"now\"", KEYS_ECLAIMS, "integer"},
        {"iat", "1780003600", KEYS_ECLAIMS, "clock"},
        {"packet", NULL, KEYS_ECLAIMS, "packet"},
        {"packet", "\"" PACKET_ID "\"", KEYS_ECLAIMS, "packet"},
        {"packet", "{\"id\":\"" PACKET_ID "\"}", KEYS_ECLAIMS, "sha256"},
        {"packet", "{\"id\":\"x\",\"sha256\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
         KEYS_ECLAIMS, "UUID"},
        {"packet",
         "{\"id\":\"" PACKET_ID "\",\"sha256\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}",
         KEYS_ECLAIMS, "SHA-256"},
        {"packet",
         "{\"id\":\"" PACKET_ID "\",\"sha256\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
         "\"at\":1}",
         KEYS_ECLAIMS, "\"at\""},
        {"received_at", "1780000000", KEYS_ECLAIMS, "unknown member \"received_at\""},
    };
    struct net *n = *state;
    struct keys_notice r;
    struct keys_err err;
    json_t *c, *v;
    char *text, *jws;
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        c = json_pack("{s:s, s:s, s:s, s:I, s:{s:s, s:s}}", "jti",
                      "7c6b5a49-3827-4615-a4b3-c2d1e0f9a8b7", "iss", OIN_B, "aud", OIN_A, "iat",
                      (json_int_t)NOW, "packet", "id", PACKET_ID, "sha256",
                      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        if (cases[i].value_json == NULL) {
            json_object_del(c, cases[i].member);
        } else {
            v = json_loads(cases[i].value_json, JSON_DECODE_ANY, NULL);
            assert_non_null(v);
            json_object_set_new(c, cases[i].member, v);
        }
        text = json_dumps(c, JSON_COMPACT);
        jws = jws_raw(&n->b, NULL, KEYS_TYP_RECEIPT, (const unsigned char *)text, strlen(text));
        memset(&r, 0, sizeof r);
        memset(&err, 0, sizeof err);
        expect_status(
            keys_notice_verify(&n->trust, KEYS_TYP_RECEIPT, jws, strlen(jws), NOW, &r, &err), &err,
            cases[i].want, cases[i].says, text);
        assert_null(r.claims);
        free(jws);
        free(text);
        json_decref(c);
    }
}

/* Every changed character, every truncation, trailing garbage: refused. */
static void
receipt_tampering(void **state)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    struct net *n = *state;
    struct keys_notice r;
    struct keys_err err;
    enum keys_status st;
    struct exchange x;
    const char *c;
    char *copy;
    size_t i;

    exchange(n, &x);
    copy = malloc(x.receipt_len + 8);
    assert_non_null(copy);
    for (i = 0; i < x.receipt_len; i++) {
        if (x.receipt[i] == '.')
            continue;
        memcpy(copy, x.receipt, x.receipt_len);
        c = strchr(b64, x.receipt[i]);
        copy[i] = b64[((size_t)(c - b64) + 1) % 64];
        memset(&r, 0, sizeof r);
        st = keys_receipt_verify(&n->trust, copy, x.receipt_len, x.packet, x.packet_len, NOW, &r,
                                 &err);
        if (st == KEYS_OK || !keys_status_is_refusal(st))
            fail_msg("character %zu changed: status %d", i, st);
        assert_null(r.claims);
    }
    for (i = 0; i < x.receipt_len; i++) {
        st = keys_receipt_verify(&n->trust, x.receipt, i, x.packet, x.packet_len, NOW, &r, &err);
        if (st == KEYS_OK || !keys_status_is_refusal(st))
            fail_msg("truncated to %zu: status %d", i, st);
    }
    memcpy(copy, x.receipt, x.receipt_len);
    memcpy(copy + x.receipt_len, "\n", 1);
    expect_receipt(n, copy, x.receipt_len + 1, x.packet, x.packet_len, KEYS_EBASE64, NULL,
                   "a newline after it");
    memcpy(copy + x.receipt_len, ".x", 2);
    expect_receipt(n, copy, x.receipt_len + 2, x.packet, x.packet_len, KEYS_EFORMAT, NULL,
                   "a fourth part");
    expect_receipt(n, x.receipt, KEYS_MAX_PACKET + 1, x.packet, x.packet_len, KEYS_ETOOBIG, NULL,
                   "oversized");
    free(copy);
    exchange_free(&x);
}

/* A receipt signed by a key outside its validity period at the receipt's "iat". */
static void
receipt_key_outside_validity(void **state)
{
    struct net *n = *state;
    struct exchange x;

    exchange(n, &x);
    n->b.valid_until = NOW;
    expect_receipt(n, x.receipt, x.receipt_len, x.packet, x.packet_len, KEYS_EEXPIRED, "not valid",
                   "B's key expired before the receipt");
    n->b.valid_until = NOW + 365 * DAY;
    expect_receipt(n, x.receipt, x.receipt_len, x.packet, x.packet_len, KEYS_OK, NULL,
                   "valid again");
    exchange_free(&x);
}

/* The other notices share the format: their own members, their own typ, their direction. */
static void
notices(void **state)
{
    struct net *n = *state;
    struct keys_notice r = {0};
    struct keys_err err = {0};
    struct exchange x;
    char *jws = NULL;
    size_t len = 0;
    json_t *by = json_pack("{s:s}", "accepted_by", "J. de Vries, casemanager");

    exchange(n, &x);
    /* an acceptance from B with its own member */
    assert_int_equal(keys_notice_sign(n->b.sign, KEYS_TYP_ACCEPTANCE, OIN_B, OIN_A, x.opened.id,
                                      x.opened.sha256, by, NOW, &jws, &len, &err),
                     KEYS_OK);
    expect_status(keys_notice_verify(&n->trust, KEYS_TYP_ACCEPTANCE, jws, len, NOW, &r, &err), &err,
                  KEYS_OK, NULL, "acceptance");
    assert_string_equal(json_string_value(json_object_get(r.claims, "accepted_by")),
                        "J. de Vries, casemanager");
    expect_status(keys_notice_answers(&r, x.packet, x.packet_len, &err), &err, KEYS_OK, NULL,
                  "acceptance answers the packet");
    keys_notice_clear(&r);
    /* ... which is neither a receipt nor a rejection */
    expect_status(keys_notice_verify(&n->trust, KEYS_TYP_RECEIPT, jws, len, NOW, &r, &err), &err,
                  KEYS_ETYP, "baton-acceptance+jws", "acceptance as a receipt");
    expect_status(keys_notice_verify(&n->trust, KEYS_TYP_REJECTION, jws, len, NOW, &r, &err), &err,
                  KEYS_ETYP, NULL, "acceptance as a rejection");
    free(jws);

    /* a withdrawal goes the packet's own way, from A to B */
    assert_int_equal(keys_notice_sign(n->a.sign, KEYS_TYP_WITHDRAWAL, OIN_A, OIN_B, x.opened.id,
                                      x.opened.sha256, NULL, NOW, &jws, &len, &err),
                     KEYS_OK);
    expect_status(keys_notice_verify(&n->trust, KEYS_TYP_WITHDRAWAL, jws, len, NOW, &r, &err), &err,
                  KEYS_OK, NULL, "withdrawal");
    expect_status(keys_notice_answers(&r, x.packet, x.packet_len, &err), &err, KEYS_OK, NULL,
                  "withdrawal follows the packet");
    keys_notice_clear(&r);
    free(jws);
    /* a status update the wrong way round */
    assert_int_equal(keys_notice_sign(n->a.sign, KEYS_TYP_STATUS, OIN_A, OIN_B, x.opened.id,
                                      x.opened.sha256, NULL, NOW, &jws, &len, &err),
                     KEYS_OK);
    expect_status(keys_notice_verify(&n->trust, KEYS_TYP_STATUS, jws, len, NOW, &r, &err), &err,
                  KEYS_OK, NULL, "status");
    expect_status(keys_notice_answers(&r, x.packet, x.packet_len, &err), &err, KEYS_ECLAIMS,
                  "must go from " OIN_B " to " OIN_A, "status from the sender");
    keys_notice_clear(&r);
    free(jws);

    /* signing refuses what would make a bad notice */
    jws = NULL;
    json_object_set_new(by, "iss", json_string(OIN_C));
    expect_status(keys_notice_sign(n->b.sign, KEYS_TYP_ACCEPTANCE, OIN_B, OIN_A, x.opened.id,
                                   x.opened.sha256, by, NOW, &jws, &len, &err),
                  &err, KEYS_EINVAL, "every notice has", "extra sets iss");
    expect_status(keys_notice_sign(n->b.sign, KEYS_TYP_RECEIPT, OIN_B, OIN_A, x.opened.id,
                                   x.opened.sha256, by, NOW, &jws, &len, &err),
                  &err, KEYS_EINVAL, "receipt has none", "receipt with extra members");
    expect_status(keys_notice_sign(n->b.sign, KEYS_TYP_PACKET, OIN_B, OIN_A, x.opened.id,
                                   x.opened.sha256, NULL, NOW, &jws, &len, &err),
                  &err, KEYS_EINVAL, "not a kind of notice", "a packet typ");
    expect_status(keys_notice_sign(n->b.sign, KEYS_TYP_RECEIPT, OIN_B, "B", x.opened.id,
                                   x.opened.sha256, NULL, NOW, &jws, &len, &err),
                  &err, KEYS_EINVAL, "OIN", "to not an OIN");
    expect_status(keys_notice_sign(n->b.sign, KEYS_TYP_RECEIPT, OIN_B, OIN_A, "x", x.opened.sha256,
                                   NULL, NOW, &jws, &len, &err),
                  &err, KEYS_EINVAL, "UUID", "packet id not a UUID");
    assert_null(jws);
    json_decref(by);
    exchange_free(&x);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(receipt_round_trip),           cmocka_unit_test(receipt_for_other_packet),
        cmocka_unit_test(receipt_wrong_claims),         cmocka_unit_test(receipt_header_refusals),
        cmocka_unit_test(receipt_claims_refusals),      cmocka_unit_test(receipt_tampering),
        cmocka_unit_test(receipt_key_outside_validity), cmocka_unit_test(notices),
    };

    return cmocka_run_group_tests(tests, net_setup, net_teardown);
}
