/* SPDX-License-Identifier: EUPL-1.2 */
/* Signed checkpoints of an organisation's audit chain (keys/PACKETS.md 9.10): "after size entries
 * my chain's head was head", signed so that peers can keep them and catch a rewritten history. */
#include <string.h>

#include "keys_int.h"

/* The claims of a checkpoint, all required and no other. */
static const char *const checkpoint_members[] = {"iss", "size", "head", "iat", NULL};

enum keys_status
keys_checkpoint_sign(const struct keys_keystore *ks, const struct keys_checkpoint *cp, char **out,
                     size_t *out_len, struct keys_err *err)
{
    char head[KEYS_SHA256_B64_LEN + 1], at[KEYS_TIME_LEN + 1];
    const struct keys_identity *id;
    const struct keys_sign_key *signer;
    enum keys_status st;
    json_t *claims;

    if (ks == NULL || cp == NULL || out == NULL || out_len == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_checkpoint_sign: NULL argument");
    id = keys_keystore_identity(ks);
    if (memchr(cp->iss, '\0', sizeof cp->iss) == NULL || strcmp(cp->iss, id->oin) != 0)
        return keys_fail(err, KEYS_EINVAL,
                         "a checkpoint is signed by the organisation whose audit chain it is "
                         "(%s), not for another",
                         id->oin);
    if (cp->size < 1)
        return keys_fail(err, KEYS_EINVAL,
                         "a checkpoint covers at least one audit entry (size %lld given)",
                         cp->size);
    if (cp->at < 0)
        return keys_fail(err, KEYS_EINVAL, "keys_checkpoint_sign: time before 1970");
    signer = keys_keystore_signer(ks, cp->at);
    if (signer == NULL) {
        keys_time_format(cp->at, at);
        return keys_fail(err, KEYS_EKID,
                         "the keystore has no signing key valid at %s to sign the audit "
                         "checkpoint: add one with key rotation",
                         at);
    }
    st = keys_b64url_encode(cp->head, sizeof cp->head, head, sizeof head, err);
    if (st != KEYS_OK)
        return st;
    claims = json_pack("{s:s, s:I, s:s, s:I}", "iss", cp->iss, "size", (json_int_t)cp->size, "head",
                       head, "iat", (json_int_t)cp->at);
    if (claims == NULL)
        return keys_fail(err, KEYS_ENOMEM, "out of memory for a checkpoint");
    st = keys_claims_sign(signer, KEYS_TYP_CHECKPOINT, claims, out, out_len, err);
    json_decref(claims);
    return st;
}

enum keys_status
keys_checkpoint_verify(const struct keys_trust *trust, const char *jws, size_t len,
                       struct keys_checkpoint *out, struct keys_err *err)
{
    char q[KEYS_QUOTE_MAX + 4], q2[KEYS_QUOTE_MAX + 4];
    struct keys_checkpoint cp = {0};
    struct keys_signed sg = {0};
    enum keys_status st;
    const json_t *size;
    const char *iss;

    if (trust == NULL || trust->signing_key == NULL || jws == NULL || out == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_checkpoint_verify: NULL argument");
    if (len > KEYS_MAX_CHECKPOINT)
        return keys_fail(err, KEYS_ETOOBIG,
                         "a checkpoint of %zu bytes is larger than the %u bytes one can be", len,
                         KEYS_MAX_CHECKPOINT);
    /* A checkpoint has no "now" to be checked against: the key must have been valid at its own
     * "iat" (keys_claims_verify only falls back to now when "iat" cannot be read, and refuses
     * the claims then). */
    st = keys_claims_verify(trust, KEYS_TYP_CHECKPOINT, jws, len, time(NULL), &sg, err);
    if (st != KEYS_OK)
        return st;
    st = keys_claims_only(sg.claims, checkpoint_members, "checkpoint's claims", err);
    if (st == KEYS_OK)
        st = keys_claim_string(sg.claims, "iss", 1, "checkpoint's claims", &iss, err);
    if (st != KEYS_OK)
        goto out;
    if (!keys_is_oin(iss)) {
        st = keys_fail(err, KEYS_ECLAIMS, "\"iss\" of the checkpoint, \"%s\", is not an OIN",
                       keys_quote(iss, q));
        goto out;
    }
    size = json_object_get(sg.claims, "size");
    if (size == NULL || !json_is_integer(size)) {
        st = keys_fail(err, KEYS_ECLAIMS,
                       "the checkpoint's claims %s \"size\", the number of audit entries (an "
                       "integer)",
                       size == NULL ? "lack" : "need an integer");
        goto out;
    }
    if (json_integer_value(size) < 1) {
        st = keys_fail(err, KEYS_ECLAIMS,
                       "the checkpoint's \"size\" is %lld; a checkpoint covers at least one "
                       "audit entry",
                       (long long)json_integer_value(size));
        goto out;
    }
    st = keys_claim_digest(sg.claims, "head", "checkpoint's claims", cp.head, err);
    if (st != KEYS_OK)
        goto out;
    if (strcmp(iss, sg.owner) != 0) {
        st = keys_fail(err, KEYS_EFROM,
                       "the checkpoint says it is the audit chain of %s, but it was signed with "
                       "a key of %s",
                       keys_quote(iss, q), keys_quote(sg.owner, q2));
        goto out;
    }
    memcpy(cp.iss, iss, sizeof cp.iss);
    cp.size = (long long)json_integer_value(size);
    cp.at = sg.iat;
    *out = cp;
out:
    keys_signed_clear(&sg);
    return st;
}
