/* SPDX-License-Identifier: EUPL-1.2 */
/* Signed audit checkpoints (keys/PACKETS.md 9.10) and the "checkpoint" claim of receipts and
 * notices: round trips, and every forgery, other kind, wrong claim and key outside its validity
 * refused with its reason; and batond's side (daemon/peerckpt.c): our latest checkpoint read for
 * sending, a peer's kept once, a contradicting one audited as a conflict, bad ones refused,
 * audited and not kept. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "audit.h"
#include "core.h"
#include "keys.h"
#include "keys_int.h"
#include "keys_test_util.h"
#include "store.h"
#include "store_fixture.h"

#define OIN_A "00000001812345671000" /* whose audit chain it is */
#define OIN_B "00000001001234567000" /* a peer */
#define PACKET_ID "0b7e2a7c-4f3d-4e51-9a2b-6c1d8e9f0a1b"
/* A fixed "now" (2026-05-28T20:26:40Z), so that validity periods are exact. */
#define NOW ((time_t)1780000000)
#define DAY ((time_t)86400)

static const struct keys_identity id_a = {OIN_A, "Praktijkschool De Brug", "school",
                                          "https://brug.example"};
static const struct keys_identity id_b = {OIN_B, "Gemeente Lindeveld", "municipality",
                                          "https://lindeveld.example"};

/* One organisation: its keystore and its signing key as the directory lists it. */
struct org {
    struct keys_keystore *ks;
    const struct keys_sign_key *sign; /* borrowed from ks */
    struct keys_pub pub;
    const char *oin;
    time_t valid_from, valid_until; /* as the trust (the directory) sees the key */
};

struct fix {
    struct org a, b;
    struct keys_trust trust;
};

static enum keys_status
trust_signing_key(void *ctx, const char *kid, time_t at, char owner[KEYS_OIN_LEN + 1],
                  struct keys_pub *out, struct keys_err *err)
{
    struct fix *f = ctx;
    struct org *o = strcmp(kid, f->a.pub.kid) == 0   ? &f->a
                    : strcmp(kid, f->b.pub.kid) == 0 ? &f->b
                                                     : NULL;

    if (o == NULL)
        return keys_fail(err, KEYS_EKID, "no member of the directory has signing key \"%s\"", kid);
    if (at < o->valid_from || at > o->valid_until)
        return keys_fail(err, KEYS_EEXPIRED, "signing key \"%s\" of %s is not valid at %lld", kid,
                         o->oin, (long long)at);
    memcpy(owner, o->oin, KEYS_OIN_LEN + 1);
    *out = o->pub;
    return KEYS_OK;
}

static void
org_init(struct org *o, const struct keys_identity *id)
{
    struct keys_err err = {0};

    if (keys_keystore_create(id, NOW - 30 * DAY, NOW + 365 * DAY, &o->ks, &err) != KEYS_OK)
        fail_msg("keystore: %s", err.text);
    o->sign = keys_keystore_signer(o->ks, NOW);
    assert_non_null(o->sign);
    keys_sign_key_public(o->sign, &o->pub);
    o->oin = id->oin;
    o->valid_from = NOW - 30 * DAY;
    o->valid_until = NOW + 365 * DAY;
}

static int
setup(void **state)
{
    struct fix *f = calloc(1, sizeof *f);

    if (f == NULL || keys_init(NULL) != KEYS_OK)
        return -1;
    org_init(&f->a, &id_a);
    org_init(&f->b, &id_b);
    f->trust.signing_key = trust_signing_key;
    f->trust.ctx = f;
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fix *f = *state;

    keys_keystore_free(f->a.ks);
    keys_keystore_free(f->b.ks);
    free(f);
    return 0;
}

static void
expect(enum keys_status st, const struct keys_err *err, enum keys_status want, const char *says,
       const char *what)
{
    if (st != want)
        fail_msg("%s: status %d (%s: %s), expected %d (%s)", what, st, keys_status_name(st),
                 err->text, want, keys_status_name(want));
    if (st != KEYS_OK && says != NULL && strstr(err->text, says) == NULL)
        fail_msg("%s: message \"%s\" does not say \"%s\"", what, err->text, says);
}

static struct keys_checkpoint
good_cp(time_t at)
{
    struct keys_checkpoint cp = {.size = 7, .at = at};
    size_t i;

    memcpy(cp.iss, OIN_A, sizeof cp.iss);
    for (i = 0; i < sizeof cp.head; i++)
        cp.head[i] = (unsigned char)(i * 7 + 1);
    return cp;
}

static char *
sign_good(struct fix *f, time_t at, size_t *len)
{
    struct keys_checkpoint cp = good_cp(at);
    struct keys_err err = {0};
    char *jws = NULL;

    expect(keys_checkpoint_sign(f->a.ks, &cp, &jws, len, &err), &err, KEYS_OK, NULL, "sign");
    return jws;
}

/* A JWS of kind typ by signer over the claims text as given. */
static char *
sign_raw(const struct org *signer, const char *typ, const char *claims)
{
    struct keys_err err = {0};
    char *out = NULL;
    size_t len = 0;

    expect(keys_jws_sign(signer->sign, typ, (const unsigned char *)claims, strlen(claims), &out,
                         &len, &err),
           &err, KEYS_OK, NULL, "raw signature");
    return out;
}

/* Verifies jws as a checkpoint; out must stay untouched on a refusal. */
static void
expect_verify(struct fix *f, const char *jws, size_t len, enum keys_status want, const char *says,
              const char *what)
{
    struct keys_checkpoint out, untouched;
    struct keys_err err = {0};
    enum keys_status st;

    memset(&out, 0xa5, sizeof out);
    untouched = out;
    st = keys_checkpoint_verify(&f->trust, jws, len, &out, &err);
    expect(st, &err, want, says, what);
    if (st != KEYS_OK) {
        assert_true(keys_status_is_refusal(st));
        assert_memory_equal(&out, &untouched, sizeof out);
    }
}

static void
round_trip(void **state)
{
    struct fix *f = *state;
    struct keys_checkpoint cp = good_cp(NOW), got = {0};
    struct keys_err err = {0};
    char *jws = NULL, *big = NULL;
    size_t len = 0;
    json_t *claims;

    expect(keys_checkpoint_sign(f->a.ks, &cp, &jws, &len, &err), &err, KEYS_OK, NULL, "sign");
    assert_int_equal(strlen(jws), len);
    assert_true(len <= KEYS_MAX_CHECKPOINT);
    expect(keys_checkpoint_verify(&f->trust, jws, len, &got, &err), &err, KEYS_OK, NULL, "verify");
    assert_string_equal(got.iss, OIN_A);
    assert_int_equal(got.size, 7);
    assert_memory_equal(got.head, cp.head, sizeof got.head);
    assert_int_equal(got.at, NOW);

    /* The claims are exactly the four, readable by anyone. */
    {
        const char *a = strchr(jws, '.'), *b = strrchr(jws, '.');
        unsigned char *payload = NULL;
        size_t plen = 0;

        assert_int_equal(keys_b64url_decode_alloc(a + 1, (size_t)(b - a - 1), 4096, &payload, &plen,
                                                  "payload", NULL),
                         KEYS_OK);
        claims = json_loadb((const char *)payload, plen, JSON_REJECT_DUPLICATES, NULL);
        assert_non_null(claims);
        assert_int_equal(json_object_size(claims), 4);
        assert_string_equal(json_string_value(json_object_get(claims, "iss")), OIN_A);
        assert_int_equal(json_integer_value(json_object_get(claims, "size")), 7);
        assert_int_equal(json_integer_value(json_object_get(claims, "iat")), NOW);
        assert_int_equal(strlen(json_string_value(json_object_get(claims, "head"))), 43);
        json_decref(claims);
        free(payload);
    }
    free(jws);

    /* A large chain, and a checkpoint signed long ago while the key was valid. */
    cp.size = 1LL << 40;
    cp.at = NOW - 20 * DAY;
    expect(keys_checkpoint_sign(f->a.ks, &cp, &big, &len, &err), &err, KEYS_OK, NULL, "sign big");
    expect(keys_checkpoint_verify(&f->trust, big, len, &got, &err), &err, KEYS_OK, NULL,
           "verify big");
    assert_int_equal(got.size, 1LL << 40);
    assert_int_equal(got.at, NOW - 20 * DAY);
    free(big);
}

static bool
accepts(void *ctx, const char *input, size_t len)
{
    struct fix *f = ctx;
    struct keys_checkpoint out;

    return keys_checkpoint_verify(&f->trust, input, len, &out, NULL) == KEYS_OK;
}

static void
forgeries(void **state)
{
    static const char *const parts[] = {"header", "payload", "signature"};
    struct fix *f = *state;
    struct keys_checkpoint cp = good_cp(NOW);
    struct keys_err err = {0};
    char *jws, *copy, *other, claims[256];
    size_t len = 0, other_len = 0;
    char head[KEYS_SHA256_B64_LEN + 1];

    jws = sign_good(f, NOW, &len);
    refuses_every_changed_character(jws, len, parts, 3, accepts, f);
    refuses_every_prefix(jws, len, accepts, f, "checkpoint");
    assert_true(refuses_every_flipped_byte(jws, len, 3, 0x01, accepts, f, "checkpoint") > 0);

    /* Another head or size under the same signature: the signature of the one pasted onto the
     * claims of the other. */
    cp.head[0] ^= 1;
    expect(keys_checkpoint_sign(f->a.ks, &cp, &other, &other_len, &err), &err, KEYS_OK, NULL,
           "sign other");
    copy = malloc(len + other_len + 1);
    assert_non_null(copy);
    snprintf(copy, len + other_len + 1, "%.*s%s", (int)(strrchr(other, '.') - other), other,
             strrchr(jws, '.'));
    expect_verify(f, copy, strlen(copy), KEYS_EBADSIG, NULL, "signature of another checkpoint");
    free(copy);
    free(other);

    /* B signs a checkpoint of A's chain: a key that is not A's. */
    assert_int_equal(keys_b64url_encode(cp.head, sizeof cp.head, head, sizeof head, NULL), KEYS_OK);
    snprintf(claims, sizeof claims, "{\"head\":\"%s\",\"iat\":%lld,\"iss\":\"%s\",\"size\":7}",
             head, (long long)NOW, OIN_A);
    other = sign_raw(&f->b, KEYS_TYP_CHECKPOINT, claims);
    expect_verify(f, other, strlen(other), KEYS_EFROM, "signed with a key of " OIN_B,
                  "iss not the key's owner");
    free(other);

    /* A key that no one in the directory has. */
    {
        struct keys_sign_key *stranger = NULL;
        char *out = NULL;
        size_t n = 0;

        assert_int_equal(keys_sign_key_generate(&stranger, NULL), KEYS_OK);
        assert_int_equal(keys_jws_sign(stranger, KEYS_TYP_CHECKPOINT, (const unsigned char *)claims,
                                       strlen(claims), &out, &n, NULL),
                         KEYS_OK);
        expect_verify(f, out, n, KEYS_EKID, "no member", "unknown key");
        free(out);
        keys_sign_key_free(stranger);
    }

    /* Larger than a checkpoint can be. */
    copy = malloc(KEYS_MAX_CHECKPOINT + 2);
    assert_non_null(copy);
    memset(copy, 'A', KEYS_MAX_CHECKPOINT + 1);
    copy[KEYS_MAX_CHECKPOINT + 1] = '\0';
    expect_verify(f, copy, KEYS_MAX_CHECKPOINT + 1, KEYS_ETOOBIG, "larger", "too big");
    free(copy);
    free(jws);
}

/* One kind can never pass for another. */
static void
other_kinds(void **state)
{
    struct fix *f = *state;
    unsigned char digest[KEYS_SHA256_LEN] = {1, 2, 3};
    struct keys_notice n;
    struct keys_err err = {0};
    char *cp, *receipt = NULL, *raw, claims[256];
    size_t cp_len = 0, len = 0;

    cp = sign_good(f, NOW, &cp_len);
    assert_int_equal(keys_notice_sign(f->a.sign, KEYS_TYP_RECEIPT, OIN_A, OIN_B, PACKET_ID, digest,
                                      NULL, NOW, &receipt, &len, &err),
                     KEYS_OK);
    expect_verify(f, receipt, len, KEYS_ETYP, NULL, "a receipt as a checkpoint");
    memset(&n, 0, sizeof n);
    expect(keys_notice_verify(&f->trust, KEYS_TYP_RECEIPT, cp, cp_len, NOW, &n, &err), &err,
           KEYS_ETYP, NULL, "a checkpoint as a receipt");
    assert_null(n.claims);
    expect(keys_notice_verify(&f->trust, KEYS_TYP_ACCEPTANCE, cp, cp_len, NOW, &n, &err), &err,
           KEYS_ETYP, NULL, "a checkpoint as an acceptance");

    /* Checkpoint claims under another typ, and the directory's typ. */
    snprintf(
        claims, sizeof claims,
        "{\"head\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"iat\":%lld,\"iss\":\"%s\","
        "\"size\":7}",
        (long long)NOW, OIN_A);
    raw = sign_raw(&f->a, KEYS_TYP_RECEIPT, claims);
    expect_verify(f, raw, strlen(raw), KEYS_ETYP, NULL, "checkpoint claims as a receipt typ");
    free(raw);
    raw = sign_raw(&f->a, KEYS_TYP_DIRECTORY, claims);
    expect_verify(f, raw, strlen(raw), KEYS_ETYP, NULL, "directory typ");
    free(raw);
    raw = sign_raw(&f->a, KEYS_TYP_CHECKPOINT, claims);
    expect_verify(f, raw, strlen(raw), KEYS_OK, NULL, "the same claims as a checkpoint");
    free(raw);
    free(receipt);
    free(cp);
}

static void
claim_refusals(void **state)
{
    static const struct {
        const char *claims; /* $O: the OIN of A, $I: NOW */
        const char *says;
        enum keys_status want;
    } cases[] = {
        {"{\"head\":\""
         "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
         "\",\"iat\":$I,\"iss\":\"$O\","
         "\"size\":7,\"aud\":\"00000001001234567000\"}",
         "unknown member \"aud\"", KEYS_ECLAIMS},
        {"{\"head\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"iat\":$I,\"iss\":\"$O\","
         "\"size\":7,\"jti\":\"0b7e2a7c-4f3d-4e51-9a2b-6c1d8e9f0a1b\"}",
         "unknown member \"jti\"", KEYS_ECLAIMS},
        {"{\"head\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"iat\":$I,\"iss\":\"$O\"}",
         "lack \"size\"", KEYS_ECLAIMS},
        {"{\"iat\":$I,\"iss\":\"$O\",\"size\":7}", "lack \"head\"", KEYS_ECLAIMS},
        {"{\"head\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"iat\":$I,\"size\":7}",
         "lack \"iss\"", KEYS_ECLAIMS},
        {"{\"head\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"iss\":\"$O\",\"size\":7}",
         "no \"iat\"", KEYS_ECLAIMS},
        {"{\"head\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"iat\":$I,\"iss\":\"$O\","
         "\"size\":0}",
         "at least one", KEYS_ECLAIMS},
        {"{\"head\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"iat\":$I,\"iss\":\"$O\","
         "\"size\":-3}",
         "at least one", KEYS_ECLAIMS},
        {"{\"head\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"iat\":$I,\"iss\":\"$O\","
         "\"size\":\"7\"}",
         "integer", KEYS_ECLAIMS},
        {"{\"head\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"iat\":$I,\"iss\":\"$O\","
         "\"size\":7.5}",
         "integer", KEYS_ECLAIMS},
        /* 31 and 33 bytes, not base64url, not a string */
        {"{\"head\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"iat\":$I,\"iss\":\"$O\","
         "\"size\":7}",
         "SHA-256", KEYS_ECLAIMS},
        {"{\"head\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"iat\":$I,\"iss\":\"$O\","
         "\"size\":7}",
         "SHA-256", KEYS_ECLAIMS},
        {"{\"head\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\",\"iat\":$I,\"iss\":\"$O\","
         "\"size\":7}",
         "SHA-256", KEYS_ECLAIMS},
        {"{\"head\":42,\"iat\":$I,\"iss\":\"$O\",\"size\":7}", "must be a string", KEYS_ECLAIMS},
        {"{\"head\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"iat\":\"$I\",\"iss\":\"$O\","
         "\"size\":7}",
         "\"iat\" must be an integer", KEYS_ECLAIMS},
        {"{\"head\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"iat\":$I,\"iss\":"
         "\"0000000181234567100\","
         "\"size\":7}",
         "not an OIN", KEYS_ECLAIMS},
        {"[$I, \"$O\"]", "not a JSON object", KEYS_ECLAIMS},
        /* the well-formed claims themselves: accepted */
        {"{\"head\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"iat\":$I,\"iss\":\"$O\","
         "\"size\":1}",
         NULL, KEYS_OK},
    };
    static const char *const with[] = {"1780000000", OIN_A};
    struct fix *f = *state;
    char text[512], *jws;
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fill_template(text, sizeof text, cases[i].claims, "IO", with);
        jws = sign_raw(&f->a, KEYS_TYP_CHECKPOINT, text);
        expect_verify(f, jws, strlen(jws), cases[i].want, cases[i].says, text);
        free(jws);
    }
}

static void
sign_refusals(void **state)
{
    struct fix *f = *state;
    struct keys_checkpoint cp;
    struct keys_err err = {0};
    char *out = NULL;
    size_t len = 99;

    cp = good_cp(NOW);
    memcpy(cp.iss, OIN_B, sizeof cp.iss);
    expect(keys_checkpoint_sign(f->a.ks, &cp, &out, &len, &err), &err, KEYS_EINVAL, OIN_A,
           "another organisation's chain");
    cp = good_cp(NOW);
    cp.size = 0;
    expect(keys_checkpoint_sign(f->a.ks, &cp, &out, &len, &err), &err, KEYS_EINVAL, "at least one",
           "size 0");
    cp.size = -1;
    expect(keys_checkpoint_sign(f->a.ks, &cp, &out, &len, &err), &err, KEYS_EINVAL, "at least one",
           "size -1");
    cp = good_cp(NOW + 400 * DAY);
    expect(keys_checkpoint_sign(f->a.ks, &cp, &out, &len, &err), &err, KEYS_EKID,
           "no signing key valid", "after the keystore's keys expired");
    cp = good_cp(NOW - 31 * DAY);
    expect(keys_checkpoint_sign(f->a.ks, &cp, &out, &len, &err), &err, KEYS_EKID,
           "no signing key valid", "before the keystore's keys");
    cp = good_cp(-5);
    expect(keys_checkpoint_sign(f->a.ks, &cp, &out, &len, &err), &err, KEYS_EINVAL, NULL,
           "before 1970");
    cp = good_cp(NOW);
    expect(keys_checkpoint_sign(NULL, &cp, &out, &len, &err), &err, KEYS_EINVAL, NULL, "no ks");
    expect(keys_checkpoint_sign(f->a.ks, NULL, &out, &len, &err), &err, KEYS_EINVAL, NULL, "no cp");
    assert_null(out);
    assert_int_equal(len, 99);
}

/* The key must have been valid when the checkpoint says it was signed. */
static void
key_validity(void **state)
{
    struct fix *f = *state;
    char *jws, *old;
    size_t len = 0, old_len = 0;

    jws = sign_good(f, NOW, &len);
    old = sign_good(f, NOW - 10 * DAY, &old_len);
    f->a.valid_until = NOW - DAY; /* the directory ended A's key yesterday */
    expect_verify(f, jws, len, KEYS_EEXPIRED, "not valid", "signed after the key's end");
    expect_verify(f, old, old_len, KEYS_OK, NULL, "signed while the key was valid");
    f->a.valid_until = NOW + 365 * DAY;
    f->a.valid_from = NOW + DAY; /* ... or starts tomorrow */
    expect_verify(f, jws, len, KEYS_EEXPIRED, "not valid", "signed before the key's start");
    f->a.valid_from = NOW - 30 * DAY;
    expect_verify(f, jws, len, KEYS_OK, NULL, "valid again");
    free(jws);
    free(old);
}

/* Receipts and notices carry the issuer's latest checkpoint in "checkpoint". */
static void
notices_carry_checkpoints(void **state)
{
    struct fix *f = *state;
    unsigned char digest[KEYS_SHA256_LEN] = {9, 8, 7};
    struct keys_packet p = {0};
    struct keys_notice n;
    struct keys_err err = {0};
    char *cp, *jws = NULL, claims[1024];
    size_t cp_len = 0, len = 0;
    json_t *extra;

    cp = sign_good(f, NOW, &cp_len);

    /* a receipt for an opened packet from B to A, signed by A with A's checkpoint */
    p.claims = json_object();
    p.id = PACKET_ID;
    p.from = OIN_B;
    p.to = OIN_A;
    memcpy(p.sha256, digest, sizeof digest);
    expect(keys_receipt_sign_with(f->a.sign, &p, cp, NOW, &jws, &len, &err), &err, KEYS_OK, NULL,
           "receipt with checkpoint");
    memset(&n, 0, sizeof n);
    expect(keys_notice_verify(&f->trust, KEYS_TYP_RECEIPT, jws, len, NOW, &n, &err), &err, KEYS_OK,
           NULL, "verify receipt");
    assert_non_null(n.checkpoint);
    assert_string_equal(n.checkpoint, cp);
    keys_notice_clear(&n);
    free(jws);
    jws = NULL;
    expect(keys_receipt_sign_local_with(f->a.ks, &p, cp, NOW, &jws, &len, &err), &err, KEYS_OK,
           NULL, "local receipt with checkpoint");
    expect(keys_notice_verify(&f->trust, KEYS_TYP_RECEIPT, jws, len, NOW, &n, &err), &err, KEYS_OK,
           NULL, "verify local receipt");
    assert_string_equal(n.checkpoint, cp);
    keys_notice_clear(&n);
    free(jws);
    jws = NULL;

    /* none: NULL */
    expect(keys_receipt_sign_with(f->a.sign, &p, NULL, NOW, &jws, &len, &err), &err, KEYS_OK, NULL,
           "receipt without checkpoint");
    expect(keys_notice_verify(&f->trust, KEYS_TYP_RECEIPT, jws, len, NOW, &n, &err), &err, KEYS_OK,
           NULL, "verify receipt without");
    assert_null(n.checkpoint);
    keys_notice_clear(&n);
    free(jws);
    jws = NULL;

    /* something that is not a checkpoint is not signed */
    expect(keys_receipt_sign_with(f->a.sign, &p, "not.a checkpoint.x", NOW, &jws, &len, &err), &err,
           KEYS_EINVAL, "compact JWS", "malformed checkpoint");
    expect(keys_receipt_sign_with(f->a.sign, &p, "a.b", NOW, &jws, &len, &err), &err, KEYS_EINVAL,
           "compact JWS", "two parts");
    expect(keys_receipt_sign_with(f->a.sign, &p, "", NOW, &jws, &len, &err), &err, KEYS_EINVAL,
           "compact JWS", "empty");
    assert_null(jws);
    json_decref(p.claims);

    /* an acceptance with its own member and the checkpoint */
    extra = json_pack("{s:s, s:s}", "accepted_by", "J. de Vries, jobcoach", "checkpoint", cp);
    expect(keys_notice_sign(f->a.sign, KEYS_TYP_ACCEPTANCE, OIN_A, OIN_B, PACKET_ID, digest, extra,
                            NOW, &jws, &len, &err),
           &err, KEYS_OK, NULL, "acceptance with checkpoint");
    expect(keys_notice_verify(&f->trust, KEYS_TYP_ACCEPTANCE, jws, len, NOW, &n, &err), &err,
           KEYS_OK, NULL, "verify acceptance");
    assert_string_equal(n.checkpoint, cp);
    keys_notice_clear(&n);
    free(jws);
    jws = NULL;
    /* a receipt still has no other member */
    json_object_del(extra, "accepted_by");
    json_object_set_new(extra, "reason", json_string("x"));
    expect(keys_notice_sign(f->a.sign, KEYS_TYP_RECEIPT, OIN_A, OIN_B, PACKET_ID, digest, extra,
                            NOW, &jws, &len, &err),
           &err, KEYS_EINVAL, "receipt has none", "receipt with another member");
    json_object_set_new(extra, "checkpoint", json_integer(5));
    expect(keys_notice_sign(f->a.sign, KEYS_TYP_ACCEPTANCE, OIN_A, OIN_B, PACKET_ID, digest, extra,
                            NOW, &jws, &len, &err),
           &err, KEYS_EINVAL, "compact JWS", "checkpoint not a string");
    assert_null(jws);
    json_decref(extra);

    /* a verifier: "checkpoint" must be a string; a receipt has nothing else */
    snprintf(claims, sizeof claims,
             "{\"aud\":\"%s\",\"checkpoint\":7,\"iat\":%lld,\"iss\":\"%s\",\"jti\":"
             "\"7c6b5a49-3827-4615-a4b3-c2d1e0f9a8b7\",\"packet\":{\"id\":\"%s\",\"sha256\":"
             "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}}",
             OIN_B, (long long)NOW, OIN_A, PACKET_ID);
    jws = sign_raw(&f->a, KEYS_TYP_RECEIPT, claims);
    expect(keys_notice_verify(&f->trust, KEYS_TYP_RECEIPT, jws, strlen(jws), NOW, &n, &err), &err,
           KEYS_ECLAIMS, "\"checkpoint\" of the receipt's claims must be a string",
           "checkpoint a number");
    assert_null(n.claims);
    free(jws);
    snprintf(claims, sizeof claims,
             "{\"aud\":\"%s\",\"checkpoint\":\"x\",\"extra\":1,\"iat\":%lld,\"iss\":\"%s\",\"jti\":"
             "\"7c6b5a49-3827-4615-a4b3-c2d1e0f9a8b7\",\"packet\":{\"id\":\"%s\",\"sha256\":"
             "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}}",
             OIN_B, (long long)NOW, OIN_A, PACKET_ID);
    jws = sign_raw(&f->a, KEYS_TYP_RECEIPT, claims);
    expect(keys_notice_verify(&f->trust, KEYS_TYP_RECEIPT, jws, strlen(jws), NOW, &n, &err), &err,
           KEYS_ECLAIMS, "unknown member \"extra\"", "receipt with another member");
    free(jws);
    /* a checkpoint that does not verify still lets the notice verify: the receiver judges it */
    snprintf(claims, sizeof claims,
             "{\"aud\":\"%s\",\"checkpoint\":\"x.y.z\",\"iat\":%lld,\"iss\":\"%s\",\"jti\":"
             "\"7c6b5a49-3827-4615-a4b3-c2d1e0f9a8b7\",\"packet\":{\"id\":\"%s\",\"sha256\":"
             "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}}",
             OIN_B, (long long)NOW, OIN_A, PACKET_ID);
    jws = sign_raw(&f->a, KEYS_TYP_RECEIPT, claims);
    expect(keys_notice_verify(&f->trust, KEYS_TYP_RECEIPT, jws, strlen(jws), NOW, &n, &err), &err,
           KEYS_OK, NULL, "receipt with a bad checkpoint");
    assert_string_equal(n.checkpoint, "x.y.z");
    expect_verify(f, n.checkpoint, strlen(n.checkpoint), KEYS_EBASE64, NULL,
                  "the bad checkpoint itself");
    keys_notice_clear(&n);
    free(jws);
    free(cp);
}

/* ---- batond's side: daemon/peerckpt.c on a real store and a signed directory ---- */

/* The parts of a daemon that peerckpt.c uses: the store, the directory (core_trust) and the
 * log. We are B; A is the peer whose checkpoints come along with its receipts. */
struct dfix {
    struct fix *keys;
    char dir[64], path[128];
    unsigned char store_key[STORE_KEY_BYTES];
    struct forms_catalogue *cat;
    struct keys_sign_key *coordinator;
    struct daemon d;
    char log[16384];
};

static void
log_sink(void *ctx, const char *line)
{
    struct dfix *f = ctx;
    size_t n = strlen(f->log);

    snprintf(f->log + n, sizeof f->log - n, "%s\n", line);
}

static int
dsetup(void **state)
{
    const struct forms_options fopt = {.format_assertion = true};
    struct dfix *f = calloc(1, sizeof *f);
    struct daemon_err err = {0};
    struct keys_err kerr = {0};
    struct keys_pub coord;
    char issued[KEYS_TIME_LEN + 1], expires[KEYS_TIME_LEN + 1], *jws = NULL;
    json_t *doc, *a = NULL, *b = NULL;
    size_t len = 0;
    void *keys = NULL;

    assert_non_null(f);
    assert_int_equal(setup(&keys), 0);
    f->keys = keys;
    assert_int_equal(forms_catalogue_new(&fopt, &f->cat, NULL), FORMS_OK);
    assert_int_equal(forms_catalogue_add_builtin(f->cat, NULL), FORMS_OK);
    assert_int_equal(forms_catalogue_compile(f->cat, NULL), FORMS_OK);
    assert_int_equal(keys_sign_key_generate(&f->coordinator, NULL), KEYS_OK);
    keys_sign_key_public(f->coordinator, &coord);
    assert_int_equal(keys_keystore_public_entry(f->keys->a.ks, &a, NULL), KEYS_OK);
    assert_int_equal(keys_keystore_public_entry(f->keys->b.ks, &b, NULL), KEYS_OK);
    keys_time_format(NOW - DAY, issued);
    keys_time_format(NOW + 300 * DAY, expires);
    doc = json_pack("{s:s, s:i, s:s, s:s, s:[o, o]}", "$schema", "urn:baton:directory:1", "version",
                    1, "issued", issued, "expires", expires, "organisations", a, b);
    assert_non_null(doc);
    if (keys_document_sign(f->coordinator, f->cat, doc, &jws, &len, &kerr) != KEYS_OK ||
        keys_directory_load(jws, len, &coord, 1, f->cat, NOW, &f->d.dir, &kerr) != KEYS_OK)
        fail_msg("directory: %s", kerr.text);
    json_decref(doc);
    free(jws);

    store_tmp_make(f->dir, f->path, f->store_key, "checkpoint");
    assert_int_equal(store_open(f->path, OIN_B, f->store_key, &f->d.store, &err), DAEMON_OK);
    f->d.log_sink = log_sink;
    f->d.log_ctx = f;
    pthread_mutex_init(&f->d.log_mu, NULL);
    pthread_mutex_init(&f->d.ckpt_mu, NULL);
    *state = f;
    return 0;
}

static int
dteardown(void **state)
{
    struct dfix *f = *state;
    void *keys = f->keys;

    store_close(f->d.store);
    keys_directory_free(f->d.dir);
    pthread_mutex_destroy(&f->d.log_mu);
    core_audit_forget_checkpoint(&f->d);
    pthread_mutex_destroy(&f->d.ckpt_mu);
    keys_sign_key_free(f->coordinator);
    forms_catalogue_free(f->cat);
    teardown(&keys);
    store_tmp_remove(f->dir);
    free(f);
    return 0;
}

/* A checkpoint of o's chain at size whose head is 32 bytes fill, signed at at. */
static char *
cp_of(struct org *o, long long size, unsigned char fill, time_t at)
{
    struct keys_checkpoint cp = {.size = size, .at = at};
    struct keys_err err = {0};
    char *jws = NULL;
    size_t len = 0;

    memcpy(cp.iss, o->oin, sizeof cp.iss);
    memset(cp.head, fill, sizeof cp.head);
    expect(keys_checkpoint_sign(o->ks, &cp, &jws, &len, &err), &err, KEYS_OK, NULL, "sign");
    return jws;
}

static long long
audited(const struct dfix *f, const char *event)
{
    char sql[200];

    snprintf(sql, sizeof sql, "SELECT count(*) FROM audit WHERE event = '%s'", event);
    return raw_int(f->path, sql);
}

static void
latest_own(void **state)
{
    struct dfix *f = *state;
    char *got;

    /* The table is changed here behind the daemon's back: each time, it is told to read it again,
     * as it does itself after it signs a checkpoint. */
    raw_sql(f->path, "DELETE FROM checkpoints");
    core_audit_forget_checkpoint(&f->d);
    assert_null(peerckpt_latest(&f->d)); /* none yet: receipts go without */
    raw_sql(f->path, "INSERT INTO checkpoints (size, head, at, jws) VALUES "
                     "(3, zeroblob(32), 1, 'aaa.bbb.ccc'), (12, zeroblob(32), 3, 'ddd.eee.fff'), "
                     "(5, zeroblob(32), 2, 'ggg.hhh.iii')");
    /* Until then the one read before still goes along. */
    assert_null(peerckpt_latest(&f->d));
    core_audit_forget_checkpoint(&f->d);
    got = peerckpt_latest(&f->d);
    assert_non_null(got);
    assert_string_equal(got, "ddd.eee.fff"); /* the largest size */
    free(got);
    /* what is not shaped as a checkpoint does not go along (signing would refuse it) */
    raw_sql(f->path, "INSERT INTO checkpoints (size, head, at, jws) VALUES (13, zeroblob(32), 4, "
                     "'not a checkpoint')");
    core_audit_forget_checkpoint(&f->d);
    assert_null(peerckpt_latest(&f->d));
    assert_non_null(strstr(f->log, "checkpoint-unread"));
    raw_sql(f->path, "DELETE FROM checkpoints");
    core_audit_forget_checkpoint(&f->d);
}

static void
keep_and_conflict(void **state)
{
    struct dfix *f = *state;
    char *cp5 = cp_of(&f->keys->a, 5, 0x11, NOW), *cp9 = cp_of(&f->keys->a, 9, 0x22, NOW + 60);
    char *forged5 = cp_of(&f->keys->a, 5, 0x33, NOW + 120);
    long long conflicts = audited(f, "peer-checkpoint-conflict");

    peerckpt_keep(&f->d, OIN_A, PACKET_ID, "receipt", NULL); /* nothing came along */
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM peer_checkpoints"), 0);
    peerckpt_keep(&f->d, OIN_A, PACKET_ID, "receipt", cp5);
    peerckpt_keep(&f->d, OIN_A, PACKET_ID, "acceptance", cp9);
    peerckpt_keep(&f->d, OIN_A, PACKET_ID, "receipt", cp5); /* the same again: kept once */
    assert_int_equal(
        raw_int(f->path, "SELECT count(*) FROM peer_checkpoints WHERE peer = '" OIN_A "'"), 2);
    assert_int_equal(raw_int(f->path, "SELECT at FROM peer_checkpoints WHERE size = 5"), NOW);
    assert_int_equal(raw_int(f->path,
                             "SELECT count(*) FROM peer_checkpoints WHERE size = 9 AND head = "
                             "x'22222222222222222222222222222222"
                             "22222222222222222222222222222222'"),
                     1);
    assert_int_equal(audited(f, "peer-checkpoint-conflict"), conflicts);
    assert_null(strstr(f->log, "peer-checkpoint-conflict"));

    /* A signed a checkpoint of size 5 with another head: its history was rewritten. */
    peerckpt_keep(&f->d, OIN_A, PACKET_ID, "receipt", forged5);
    assert_int_equal(audited(f, "peer-checkpoint-conflict"), conflicts + 1);
    assert_int_equal(raw_int(f->path,
                             "SELECT count(*) FROM audit WHERE event = "
                             "'peer-checkpoint-conflict' AND peer = '" OIN_A
                             "' AND packet = '" PACKET_ID "' AND instr(detail, 'rewritten') > 0"),
                     1);
    assert_non_null(strstr(f->log, "error peer-checkpoint-conflict"));
    /* the one held stays */
    assert_int_equal(raw_int(f->path,
                             "SELECT count(*) FROM peer_checkpoints WHERE size = 5 AND head = "
                             "x'11111111111111111111111111111111"
                             "11111111111111111111111111111111'"),
                     1);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM peer_checkpoints"), 2);
    free(cp5);
    free(cp9);
    free(forged5);
}

static void
keep_refusals(void **state)
{
    struct dfix *f = *state;
    char *of_b = cp_of(&f->keys->b, 4, 0x44, NOW), *good = cp_of(&f->keys->a, 77, 0x55, NOW);
    long long refused = audited(f, "peer-checkpoint-refused");
    long long rows = raw_int(f->path, "SELECT count(*) FROM peer_checkpoints");
    char *copy;

    /* A's receipt carrying B's checkpoint: not the issuer's chain */
    peerckpt_keep(&f->d, OIN_A, PACKET_ID, "receipt", of_b);
    assert_int_equal(audited(f, "peer-checkpoint-refused"), refused + 1);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit WHERE event = "
                                      "'peer-checkpoint-refused' AND instr(detail, 'not of its "
                                      "issuer') > 0"),
                     1);
    /* not a checkpoint at all; a changed signature */
    peerckpt_keep(&f->d, OIN_A, PACKET_ID, "receipt", "x.y.z");
    assert_int_equal(audited(f, "peer-checkpoint-refused"), refused + 2);
    copy = strdup(good);
    assert_non_null(copy);
    copy[strlen(copy) - 2] = copy[strlen(copy) - 2] == 'A' ? 'B' : 'A';
    peerckpt_keep(&f->d, OIN_A, PACKET_ID, "acceptance", copy);
    assert_int_equal(audited(f, "peer-checkpoint-refused"), refused + 3);
    assert_non_null(strstr(f->log, "warning peer-checkpoint-refused"));
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM peer_checkpoints"), rows);
    /* the good one is kept */
    peerckpt_keep(&f->d, OIN_A, PACKET_ID, "acceptance", good);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM peer_checkpoints"), rows + 1);
    assert_int_equal(audited(f, "peer-checkpoint-refused"), refused + 3);
    free(copy);
    free(of_b);
    free(good);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(forgeries),
        cmocka_unit_test(other_kinds),
        cmocka_unit_test(claim_refusals),
        cmocka_unit_test(sign_refusals),
        cmocka_unit_test(key_validity),
        cmocka_unit_test(notices_carry_checkpoints),
    };
    const struct CMUnitTest daemon_tests[] = {
        cmocka_unit_test(latest_own),
        cmocka_unit_test(keep_and_conflict),
        cmocka_unit_test(keep_refusals),
    };
    int failed = cmocka_run_group_tests(tests, setup, teardown);

    return failed + cmocka_run_group_tests(daemon_tests, dsetup, dteardown);
}
