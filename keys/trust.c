/* SPDX-License-Identifier: EUPL-1.2 */
/* The packet layer over an organisation's own keystore and the network directory: the key
 * look-ups that seal, open and check receipts as that organisation. */
#include <string.h>

#include "keys_int.h"

struct local {
    const struct keys_keystore *ks;
    const struct keys_directory *dir;
};

static const struct keys_enc_key *
local_enc_key(void *ctx, const char *kid)
{
    const struct local *l = ctx;

    return keys_keystore_enc_key(l->ks, kid);
}

static enum keys_status
local_signing_key(void *ctx, const char *kid, time_t at, char owner[KEYS_OIN_LEN + 1],
                  struct keys_pub *out, struct keys_err *err)
{
    const struct local *l = ctx;
    const struct keys_member *m = NULL;
    struct keys_pub pub;
    enum keys_status st;

    st = keys_directory_signing_key(l->dir, kid, at, &m, &pub, err);
    if (st != KEYS_OK)
        return st;
    if (m == NULL || m->oin == NULL || !keys_is_oin(m->oin))
        return keys_fail(err, KEYS_EKID, "the directory's owner of key \"%s\" has no valid OIN",
                         kid);
    memcpy(owner, m->oin, KEYS_OIN_LEN + 1);
    *out = pub;
    return KEYS_OK;
}

static void
local_trust(struct keys_trust *t, struct local *l, const struct keys_keystore *ks,
            const struct keys_directory *dir)
{
    l->ks = ks;
    l->dir = dir;
    t->enc_key = ks != NULL ? local_enc_key : NULL;
    t->signing_key = local_signing_key;
    t->ctx = l;
}

/* Our signing key valid at now, which the directory must list as ours: a packet or receipt
 * signed with a key the recipients do not know would only be refused there. */
static enum keys_status
local_signer(const struct keys_keystore *ks, const struct keys_directory *dir, time_t now,
             const struct keys_sign_key **out, struct keys_err *err)
{
    const struct keys_identity *id = keys_keystore_identity(ks);
    const struct keys_sign_key *signer = keys_keystore_signer(ks, now);
    const struct keys_member *m = NULL;
    struct keys_pub pub, listed;
    struct keys_err why = {0};
    enum keys_status st;

    if (signer == NULL)
        return keys_fail(err, KEYS_EKID,
                         "the keystore has no signing key valid now: add one with key rotation "
                         "and have the coordinator publish it in the directory");
    if (dir != NULL) {
        keys_sign_key_public(signer, &pub);
        st = keys_directory_signing_key(dir, pub.kid, now, &m, &listed, &why);
        if (st != KEYS_OK)
            return keys_fail(err, st,
                             "the directory does not list our signing key %s as valid now: ask the "
                             "regional coordinator to publish the keystore's entry (%s)",
                             pub.kid, why.text);
        if (strcmp(m->oin, id->oin) != 0)
            return keys_fail(err, KEYS_EKID,
                             "the directory lists our signing key %s under %s, not under our "
                             "OIN %s",
                             pub.kid, m->oin, id->oin);
    }
    *out = signer;
    return KEYS_OK;
}

enum keys_status
keys_packet_seal_local(const struct keys_keystore *ks, const struct keys_directory *dir,
                       const struct forms_catalogue *cat, const struct keys_packet_params *p,
                       time_t now, char **out, size_t *out_len, char id[KEYS_UUID_LEN + 1],
                       struct keys_err *err)
{
    const struct keys_sign_key *signer = NULL;
    struct keys_pub to_key;
    enum keys_status st;

    if (ks == NULL || dir == NULL || p == NULL || p->to == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_packet_seal_local: NULL argument");
    st = local_signer(ks, dir, now, &signer, err);
    if (st != KEYS_OK)
        return st;
    if (keys_directory_member(dir, p->to) == NULL)
        return keys_fail(err, KEYS_EKID, "the directory has no organisation with OIN %s",
                         keys_is_oin(p->to) ? p->to : "(not an OIN)");
    st = keys_directory_encryption_key(dir, p->to, now, &to_key, err);
    if (st != KEYS_OK)
        return st;
    return keys_packet_seal(signer, keys_keystore_identity(ks)->oin, &to_key, cat, p, now, out,
                            out_len, id, err);
}

enum keys_status
keys_packet_open_local(const struct keys_keystore *ks, const struct keys_directory *dir,
                       const struct forms_catalogue *cat, time_t now, const char *packet,
                       size_t len, struct keys_packet *out, struct keys_err *err)
{
    struct keys_trust t;
    struct local l;

    if (ks == NULL || dir == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_packet_open_local: NULL argument");
    local_trust(&t, &l, ks, dir);
    return keys_packet_open(&t, keys_keystore_identity(ks)->oin, cat, now, packet, len, out, err);
}

enum keys_status
keys_receipt_sign_local(const struct keys_keystore *ks, const struct keys_packet *p, time_t now,
                        char **out, size_t *out_len, struct keys_err *err)
{
    return keys_receipt_sign_local_with(ks, p, NULL, now, out, out_len, err);
}

enum keys_status
keys_receipt_sign_local_with(const struct keys_keystore *ks, const struct keys_packet *p,
                             const char *checkpoint, time_t now, char **out, size_t *out_len,
                             struct keys_err *err)
{
    const struct keys_sign_key *signer = NULL;
    enum keys_status st;

    if (ks == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_receipt_sign_local: NULL argument");
    st = local_signer(ks, NULL, now, &signer, err);
    if (st != KEYS_OK)
        return st;
    return keys_receipt_sign_with(signer, p, checkpoint, now, out, out_len, err);
}

enum keys_status
keys_receipt_verify_local(const struct keys_directory *dir, const char *jws, size_t len,
                          const char *packet, size_t packet_len, time_t now,
                          struct keys_notice *out, struct keys_err *err)
{
    struct keys_trust t;
    struct local l;

    if (dir == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_receipt_verify_local: NULL argument");
    local_trust(&t, &l, NULL, dir);
    return keys_receipt_verify(&t, jws, len, packet, packet_len, now, out, err);
}
