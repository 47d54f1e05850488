/* SPDX-License-Identifier: EUPL-1.2 */
/* Receipts and the other notices about a packet (acceptance, rejection, status, withdrawal): one
 * signed-claims format over the packet's id and digest (keys/PACKETS.md 9.6). */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "keys_int.h"

/* The kinds of notice, and whether each answers the packet (goes back from its recipient to its
 * sender) or follows it up (goes the packet's own way, from its sender to its recipient). */
static const struct kind {
    const char *typ;
    const char *name;
    int answers;
} kinds[] = {
    {KEYS_TYP_RECEIPT, "receipt", 1},
    {KEYS_TYP_ACCEPTANCE, "acceptance", 1},
    {KEYS_TYP_REJECTION, "rejection", 1},
    {KEYS_TYP_STATUS, "status update", 1},
    {KEYS_TYP_WITHDRAWAL, "withdrawal notice", 0},
    {KEYS_TYP_WITHDRAWAL_CONFIRMATION, "withdrawal confirmation", 1},
};

/* The members every notice has, which extra may not set. */
static const char *const common_members[] = {"iat", "iss", "aud", "jti", "packet", NULL};
/* What a receipt may hold: the common members and the issuer's latest audit checkpoint. */
static const char *const receipt_members[] = {"iat",    "iss",        "aud", "jti",
                                              "packet", "checkpoint", NULL};
static const char *const packet_ref_members[] = {"id", "sha256", NULL};

/* 1 when v is a string shaped as a checkpoint travels: a compact JWS (three non-empty base64url
 * parts) of at most KEYS_MAX_CHECKPOINT characters. Whether it verifies is the receiver's
 * business (keys_checkpoint_verify). */
static int
checkpoint_shaped(const json_t *v)
{
    const char *s = json_string_value(v);
    size_t i, len, dots = 0, run = 0;
    char c;

    if (s == NULL || (len = json_string_length(v)) == 0 || len > KEYS_MAX_CHECKPOINT ||
        strlen(s) != len)
        return 0;
    for (i = 0; i < len; i++) {
        c = s[i];
        if (c == '.') {
            if (run == 0)
                return 0;
            dots++;
            run = 0;
        } else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '_') {
            run++;
        } else {
            return 0;
        }
    }
    return dots == 2 && run > 0;
}

static const struct kind *
find_kind(const char *typ)
{
    size_t i;

    for (i = 0; typ != NULL && i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(typ, kinds[i].typ) == 0)
            return &kinds[i];
    return NULL;
}

enum keys_status
keys_notice_sign(const struct keys_sign_key *signer, const char *typ, const char *from,
                 const char *to, const char *packet_id,
                 const unsigned char packet_sha256[KEYS_SHA256_LEN], const json_t *extra,
                 time_t now, char **out, size_t *out_len, struct keys_err *err)
{
    const struct kind *k = find_kind(typ);
    char id[KEYS_UUID_LEN + 1], digest[KEYS_SHA256_B64_LEN + 1];
    enum keys_status st;
    const char *name;
    json_t *claims = NULL, *value;
    size_t i;

    if (signer == NULL || from == NULL || to == NULL || packet_id == NULL ||
        packet_sha256 == NULL || out == NULL || out_len == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_notice_sign: NULL argument");
    if (k == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_notice_sign: \"%s\" is not a kind of notice",
                         typ != NULL ? typ : "(null)");
    if (!keys_is_oin(from) || !keys_is_oin(to))
        return keys_fail(err, KEYS_EINVAL, "a %s's parties must be OINs of 20 digits", k->name);
    if (!keys_is_uuid(packet_id, 1))
        return keys_fail(err, KEYS_EINVAL, "a %s names the packet by its id, a lower-case UUID",
                         k->name);
    if (now < 0)
        return keys_fail(err, KEYS_EINVAL, "keys_notice_sign: time before 1970");
    if (extra != NULL && !json_is_object(extra))
        return keys_fail(err, KEYS_EINVAL, "a %s's own members must be an object", k->name);
    if (extra != NULL && strcmp(typ, KEYS_TYP_RECEIPT) == 0 &&
        json_object_size(extra) != (json_object_get(extra, "checkpoint") != NULL ? 1u : 0u))
        return keys_fail(err, KEYS_EINVAL,
                         "a receipt has none of its own members but \"checkpoint\"");
    if (extra != NULL && json_object_get(extra, "checkpoint") != NULL &&
        !checkpoint_shaped(json_object_get(extra, "checkpoint")))
        return keys_fail(err, KEYS_EINVAL,
                         "a %s's \"checkpoint\" must be a signed checkpoint: a compact JWS of at "
                         "most %u characters",
                         k->name, KEYS_MAX_CHECKPOINT);
    st = keys_b64url_encode(packet_sha256, KEYS_SHA256_LEN, digest, sizeof digest, err);
    if (st == KEYS_OK)
        st = keys_new_uuid(id, err);
    if (st != KEYS_OK)
        return st;
    claims = json_pack("{s:s, s:s, s:s, s:I, s:{s:s, s:s}}", "jti", id, "iss", from, "aud", to,
                       "iat", (json_int_t)now, "packet", "id", packet_id, "sha256", digest);
    if (claims == NULL)
        return keys_fail(err, KEYS_ENOMEM, "out of memory for a %s", k->name);
    if (extra != NULL) {
        json_object_foreach ((json_t *)extra, name, value) {
            for (i = 0; common_members[i] != NULL; i++)
                if (strcmp(name, common_members[i]) == 0) {
                    st = keys_fail(err, KEYS_EINVAL,
                                   "\"%s\" is a member every notice has; a %s cannot set it", name,
                                   k->name);
                    goto out;
                }
            if (json_object_set(claims, name, value) != 0) {
                st = keys_fail(err, KEYS_ENOMEM, "out of memory for a %s", k->name);
                goto out;
            }
        }
    }
    st = keys_claims_sign(signer, typ, claims, out, out_len, err);
out:
    json_decref(claims);
    return st;
}

enum keys_status
keys_notice_verify(const struct keys_trust *trust, const char *typ, const char *jws, size_t len,
                   time_t now, struct keys_notice *out, struct keys_err *err)
{
    const struct kind *k = find_kind(typ);
    char q[KEYS_QUOTE_MAX + 4], q2[KEYS_QUOTE_MAX + 4], what[64];
    struct keys_signed sg = {0};
    struct keys_notice n = {0};
    enum keys_status st;
    const json_t *ref;

    if (trust == NULL || trust->signing_key == NULL || out == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_notice_verify: NULL argument");
    if (k == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_notice_verify: \"%s\" is not a kind of notice",
                         typ != NULL ? typ : "(null)");
    snprintf(what, sizeof what, "%s's claims", k->name);
    st = keys_claims_verify(trust, k->typ, jws, len, now, &sg, err);
    if (st != KEYS_OK)
        return st;
    n.claims = sg.claims;
    sg.claims = NULL;
    n.typ = k->typ;
    n.issued_at = sg.iat;
    /* A receipt is exactly the common members and perhaps a checkpoint; other kinds add their
     * own, which their callers read. */
    if (strcmp(k->typ, KEYS_TYP_RECEIPT) == 0) {
        st = keys_claims_only(n.claims, receipt_members, what, err);
        if (st != KEYS_OK)
            goto out;
    }
    /* Only its type: a checkpoint that does not verify is the receiver's to report, and does
     * not undo what the notice says (keys/PACKETS.md 9.10). */
    st = keys_claim_string(n.claims, "checkpoint", 0, what, &n.checkpoint, err);
    if (st != KEYS_OK)
        goto out;
    st = keys_claims_parties(n.claims, what, &n.id, &n.from, &n.to, err);
    if (st != KEYS_OK)
        goto out;
    ref = json_object_get(n.claims, "packet");
    if (!json_is_object(ref)) {
        st = keys_fail(err, KEYS_ECLAIMS,
                       "the %s lack \"packet\", the object naming the packet (id, sha256)", what);
        goto out;
    }
    st = keys_claims_only(ref, packet_ref_members, "packet reference", err);
    if (st == KEYS_OK)
        st = keys_claim_string(ref, "id", 1, "packet reference", &n.packet_id, err);
    if (st == KEYS_OK && !keys_is_uuid(n.packet_id, 1))
        st = keys_fail(err, KEYS_ECLAIMS,
                       "the packet reference's \"id\" \"%s\" is not a "
                       "lower-case UUID",
                       keys_quote(n.packet_id, q));
    if (st == KEYS_OK)
        st = keys_claim_digest(ref, "sha256", "packet reference", n.packet_sha256, err);
    if (st != KEYS_OK)
        goto out;
    if (strcmp(n.from, sg.owner) != 0) {
        st = keys_fail(err, KEYS_EFROM,
                       "the %s says it is from %s, but it was signed with a key "
                       "of %s",
                       k->name, keys_quote(n.from, q), keys_quote(sg.owner, q2));
        goto out;
    }
    st = keys_claims_not_future(n.issued_at, now, k->name, err);
    if (st != KEYS_OK)
        goto out;
    memcpy(n.signer_kid, sg.kid, sizeof n.signer_kid);
    *out = n;
    memset(&n, 0, sizeof n);
out:
    keys_notice_clear(&n);
    keys_signed_clear(&sg);
    return st;
}

void
keys_notice_clear(struct keys_notice *n)
{
    if (n == NULL)
        return;
    json_decref(n->claims);
    memset(n, 0, sizeof *n);
}

enum keys_status
keys_notice_answers(const struct keys_notice *n, const char *packet, size_t len,
                    struct keys_err *err)
{
    const struct kind *k;
    unsigned char digest[KEYS_SHA256_LEN];
    char want[KEYS_SHA256_B64_LEN + 1], got[KEYS_SHA256_B64_LEN + 1];
    char q[KEYS_QUOTE_MAX + 4], q2[KEYS_QUOTE_MAX + 4];
    struct keys_packet_header h = {0};
    const char *from, *to;
    enum keys_status st;

    if (n == NULL || n->claims == NULL || (k = find_kind(n->typ)) == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_notice_answers: not a verified notice");
    st = keys_packet_inspect(packet, len, &h, err);
    if (st != KEYS_OK)
        return st;
    crypto_hash_sha256(digest, (const unsigned char *)packet, len);
    if (memcmp(digest, n->packet_sha256, sizeof digest) != 0) {
        keys_b64url_encode(n->packet_sha256, KEYS_SHA256_LEN, want, sizeof want, NULL);
        keys_b64url_encode(digest, sizeof digest, got, sizeof got, NULL);
        st = keys_fail(err, KEYS_ECLAIMS,
                       "the %s is about other bytes (SHA-256 %s) than this packet (SHA-256 %s): "
                       "the packet was changed, or it is another packet",
                       k->name, want, got);
        goto out;
    }
    if (strcmp(n->packet_id, h.id) != 0) {
        st = keys_fail(err, KEYS_ECLAIMS, "the %s is about packet %s, but this packet is %s",
                       k->name, n->packet_id, keys_quote(h.id, q));
        goto out;
    }
    from = k->answers ? h.to : h.from;
    to = k->answers ? h.from : h.to;
    if (strcmp(n->from, from) != 0 || strcmp(n->to, to) != 0) {
        st = keys_fail(err, KEYS_ECLAIMS,
                       "the %s goes from %s to %s; for this packet it must go from %s to %s",
                       k->name, n->from, n->to, keys_quote(from, q), keys_quote(to, q2));
        goto out;
    }
out:
    keys_packet_header_clear(&h);
    return st;
}

enum keys_status
keys_receipt_sign(const struct keys_sign_key *signer, const struct keys_packet *p, time_t now,
                  char **out, size_t *out_len, struct keys_err *err)
{
    return keys_receipt_sign_with(signer, p, NULL, now, out, out_len, err);
}

enum keys_status
keys_receipt_sign_with(const struct keys_sign_key *signer, const struct keys_packet *p,
                       const char *checkpoint, time_t now, char **out, size_t *out_len,
                       struct keys_err *err)
{
    enum keys_status st;
    json_t *extra = NULL;

    if (p == NULL || p->claims == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_receipt_sign: not an opened packet");
    if (checkpoint != NULL) {
        extra = json_pack("{s:s}", "checkpoint", checkpoint);
        if (extra == NULL)
            return keys_fail(err, KEYS_EINVAL,
                             "a receipt's \"checkpoint\" must be a signed checkpoint: a compact "
                             "JWS");
    }
    st = keys_notice_sign(signer, KEYS_TYP_RECEIPT, p->to, p->from, p->id, p->sha256, extra, now,
                          out, out_len, err);
    json_decref(extra);
    return st;
}

enum keys_status
keys_receipt_verify(const struct keys_trust *trust, const char *jws, size_t len, const char *packet,
                    size_t packet_len, time_t now, struct keys_notice *out, struct keys_err *err)
{
    struct keys_notice n = {0};
    enum keys_status st;

    if (out == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_receipt_verify: NULL argument");
    st = keys_notice_verify(trust, KEYS_TYP_RECEIPT, jws, len, now, &n, err);
    if (st != KEYS_OK)
        return st;
    st = keys_notice_answers(&n, packet, packet_len, err);
    if (st != KEYS_OK) {
        keys_notice_clear(&n);
        return st;
    }
    *out = n;
    return KEYS_OK;
}
