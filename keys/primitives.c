/* SPDX-License-Identifier: EUPL-1.2 */
/* The libsodium calls under the packet layer, each with its return code checked and its
 * temporaries wiped: Ed25519, X25519, the Concat KDF and AES-256-GCM. */
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "keys_int.h"

enum keys_status
keys_ed25519_verify(const unsigned char pk[KEYS_KEY_BYTES], const unsigned char *msg,
                    size_t msg_len, const unsigned char *sig, size_t sig_len, struct keys_err *err)
{
    static const unsigned char none[1];

    if (sig_len != KEYS_ED25519_SIG_BYTES)
        return keys_fail(err, KEYS_EBADSIG, "the signature is %zu bytes; Ed25519 needs %d", sig_len,
                         KEYS_ED25519_SIG_BYTES);
    if (crypto_sign_ed25519_verify_detached(sig, msg != NULL ? msg : none, msg_len, pk) != 0)
        return keys_fail(err, KEYS_EBADSIG,
                         "the Ed25519 signature does not verify: the message was changed or "
                         "was not signed by this key");
    return KEYS_OK;
}

enum keys_status
keys_ed25519_sign(const struct keys_sign_key *key, const unsigned char *msg, size_t msg_len,
                  unsigned char sig[KEYS_ED25519_SIG_BYTES], struct keys_err *err)
{
    static const unsigned char none[1];
    unsigned long long sig_len = 0;

    if (crypto_sign_ed25519_detached(sig, &sig_len, msg != NULL ? msg : none, msg_len, key->sk) !=
            0 ||
        sig_len != KEYS_ED25519_SIG_BYTES) {
        sodium_memzero(sig, KEYS_ED25519_SIG_BYTES);
        return keys_fail(err, KEYS_ECRYPTO, "libsodium could not make an Ed25519 signature");
    }
    return KEYS_OK;
}

enum keys_status
keys_x25519(unsigned char z[KEYS_KEY_BYTES], const unsigned char sk[KEYS_KEY_BYTES],
            const unsigned char pk[KEYS_KEY_BYTES], struct keys_err *err)
{
    /* libsodium returns -1 for the low-order points it knows and for an all-zero result (RFC
     * 7748 section 6.1); the second test keeps that promise whatever implementation runs. */
    if (crypto_scalarmult_curve25519(z, sk, pk) != 0 || sodium_is_zero(z, KEYS_KEY_BYTES)) {
        sodium_memzero(z, KEYS_KEY_BYTES);
        return keys_fail(err, KEYS_ELOWORDER,
                         "the X25519 public key is a low-order point: the shared secret would "
                         "be all zero, known to anyone");
    }
    return KEYS_OK;
}

static void
be32(unsigned char out[4], uint32_t v)
{
    out[0] = (unsigned char)(v >> 24);
    out[1] = (unsigned char)(v >> 16);
    out[2] = (unsigned char)(v >> 8);
    out[3] = (unsigned char)v;
}

enum keys_status
keys_concat_kdf(unsigned char *out, size_t out_len, const unsigned char *z, size_t z_len,
                const char *alg, const unsigned char *apu, size_t apu_len, const unsigned char *apv,
                size_t apv_len, struct keys_err *err)
{
    enum keys_status st = KEYS_ECRYPTO;
    crypto_hash_sha256_state h;
    unsigned char digest[crypto_hash_sha256_BYTES];
    unsigned char n[4];
    size_t alg_len;
    int rc = 0;

    if (out == NULL || z == NULL || alg == NULL || out_len == 0 ||
        out_len > crypto_hash_sha256_BYTES || apu_len > UINT32_MAX || apv_len > UINT32_MAX ||
        (apu == NULL && apu_len != 0) || (apv == NULL && apv_len != 0))
        return keys_fail(err, KEYS_EINVAL,
                         "keys_concat_kdf: one round of SHA-256 gives 1 to 32 bytes");
    alg_len = strlen(alg);
    rc |= crypto_hash_sha256_init(&h);
    be32(n, 1); /* round counter: keydatalen <= hashlen, so round 1 is the only one */
    rc |= crypto_hash_sha256_update(&h, n, sizeof n);
    rc |= crypto_hash_sha256_update(&h, z, z_len);
    be32(n, (uint32_t)alg_len); /* AlgorithmID: the "enc" value for direct key agreement */
    rc |= crypto_hash_sha256_update(&h, n, sizeof n);
    rc |= crypto_hash_sha256_update(&h, (const unsigned char *)alg, alg_len);
    be32(n, (uint32_t)apu_len); /* PartyUInfo */
    rc |= crypto_hash_sha256_update(&h, n, sizeof n);
    if (apu_len != 0)
        rc |= crypto_hash_sha256_update(&h, apu, apu_len);
    be32(n, (uint32_t)apv_len); /* PartyVInfo */
    rc |= crypto_hash_sha256_update(&h, n, sizeof n);
    if (apv_len != 0)
        rc |= crypto_hash_sha256_update(&h, apv, apv_len);
    be32(n, (uint32_t)(out_len * 8)); /* SuppPubInfo: keydatalen in bits */
    rc |= crypto_hash_sha256_update(&h, n, sizeof n);
    rc |= crypto_hash_sha256_final(&h, digest);
    if (rc != 0) {
        keys_fail(err, KEYS_ECRYPTO, "libsodium could not compute SHA-256");
        goto out;
    }
    memcpy(out, digest, out_len);
    st = KEYS_OK;
out:
    sodium_memzero(&h, sizeof h);
    sodium_memzero(digest, sizeof digest);
    return st;
}

enum keys_status
keys_aes256gcm_encrypt(unsigned char *ct, unsigned char tag[KEYS_GCM_TAG_BYTES],
                       const unsigned char *pt, size_t pt_len, const unsigned char *aad,
                       size_t aad_len, const unsigned char iv[KEYS_GCM_IV_BYTES],
                       const unsigned char key[KEYS_GCM_KEY_BYTES], struct keys_err *err)
{
    static const unsigned char none[1];
    unsigned char sink[1];
    unsigned long long tag_len = 0;

    if (!crypto_aead_aes256gcm_is_available())
        return keys_fail(err, KEYS_ENOAES, "AES-256-GCM needs AES-NI, which this CPU lacks");
    if (pt_len > crypto_aead_aes256gcm_MESSAGEBYTES_MAX)
        return keys_fail(err, KEYS_ETOOBIG, "%zu bytes are too many for AES-256-GCM", pt_len);
    if (crypto_aead_aes256gcm_encrypt_detached(
            pt_len != 0 ? ct : sink, tag, &tag_len, pt_len != 0 ? pt : none, pt_len,
            aad_len != 0 ? aad : none, aad_len, NULL, iv, key) != 0 ||
        tag_len != KEYS_GCM_TAG_BYTES) {
        if (pt_len != 0)
            sodium_memzero(ct, pt_len);
        return keys_fail(err, KEYS_ECRYPTO, "libsodium could not encrypt with AES-256-GCM");
    }
    return KEYS_OK;
}

enum keys_status
keys_aes256gcm_decrypt(unsigned char *pt, const unsigned char *ct, size_t ct_len,
                       const unsigned char tag[KEYS_GCM_TAG_BYTES], const unsigned char *aad,
                       size_t aad_len, const unsigned char iv[KEYS_GCM_IV_BYTES],
                       const unsigned char key[KEYS_GCM_KEY_BYTES], struct keys_err *err)
{
    static const unsigned char none[1];
    unsigned char sink[1];

    if (!crypto_aead_aes256gcm_is_available())
        return keys_fail(err, KEYS_ENOAES, "AES-256-GCM needs AES-NI, which this CPU lacks");
    if (crypto_aead_aes256gcm_decrypt_detached(ct_len != 0 ? pt : sink, NULL,
                                               ct_len != 0 ? ct : none, ct_len, tag,
                                               aad_len != 0 ? aad : none, aad_len, iv, key) != 0) {
        if (ct_len != 0)
            sodium_memzero(pt, ct_len);
        return keys_fail(err, KEYS_EDECRYPT,
                         "AES-256-GCM authentication failed: the packet was changed, or is not "
                         "for this key");
    }
    return KEYS_OK;
}
