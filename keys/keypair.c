/* SPDX-License-Identifier: EUPL-1.2 */
/* Ed25519 and X25519 key pairs whose private halves live in guarded, read-only memory. */
#include <string.h>

#include <sodium.h>

#include "keys_int.h"

/* The whole key pair sits in sodium_malloc memory (guard pages, mlock, wiped by sodium_free):
 * its members are byte arrays, so the unaligned address sodium_malloc may give is fine. */
_Static_assert(_Alignof(struct keys_sign_key) == 1 && _Alignof(struct keys_enc_key) == 1,
               "key pairs must hold only bytes: sodium_malloc does not align");
static enum keys_status
seal_readonly(void *k, struct keys_err *err)
{
    if (sodium_mprotect_readonly(k) != 0) {
        sodium_free(k);
        return keys_fail(err, KEYS_ECRYPTO, "could not make the private key memory read-only");
    }
    return KEYS_OK;
}

enum keys_status
keys_sign_key_from_seed(const unsigned char seed[KEYS_KEY_BYTES], struct keys_sign_key **out,
                        struct keys_err *err)
{
    enum keys_status st;
    struct keys_sign_key *k;

    if (seed == NULL || out == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_sign_key_from_seed: NULL argument");
    k = sodium_malloc(sizeof *k);
    if (k == NULL)
        return keys_fail(err, KEYS_ENOMEM, "no guarded memory for a private key");
    if (crypto_sign_ed25519_seed_keypair(k->pub.key, k->sk, seed) != 0) {
        sodium_free(k);
        return keys_fail(err, KEYS_ECRYPTO, "libsodium could not derive an Ed25519 key pair");
    }
    st = keys_okp_thumbprint(k->pub.key, "Ed25519", k->pub.kid, err);
    if (st != KEYS_OK) {
        sodium_free(k);
        return st;
    }
    st = seal_readonly(k, err);
    if (st != KEYS_OK)
        return st;
    *out = k;
    return KEYS_OK;
}

enum keys_status
keys_sign_key_generate(struct keys_sign_key **out, struct keys_err *err)
{
    unsigned char seed[KEYS_KEY_BYTES];
    enum keys_status st;

    randombytes_buf(seed, sizeof seed);
    st = keys_sign_key_from_seed(seed, out, err);
    sodium_memzero(seed, sizeof seed);
    return st;
}

void
keys_sign_key_public(const struct keys_sign_key *key, struct keys_pub *out)
{
    *out = key->pub;
}

void
keys_sign_key_free(struct keys_sign_key *key)
{
    if (key != NULL)
        sodium_free(key); /* makes it writable, wipes it, unmaps it */
}

enum keys_status
keys_enc_key_from_secret(const unsigned char secret[KEYS_KEY_BYTES], struct keys_enc_key **out,
                         struct keys_err *err)
{
    enum keys_status st;
    struct keys_enc_key *k;

    if (secret == NULL || out == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_enc_key_from_secret: NULL argument");
    k = sodium_malloc(sizeof *k);
    if (k == NULL)
        return keys_fail(err, KEYS_ENOMEM, "no guarded memory for a private key");
    memcpy(k->sk, secret, sizeof k->sk);
    if (crypto_scalarmult_curve25519_base(k->pub.key, k->sk) != 0) {
        sodium_free(k);
        return keys_fail(err, KEYS_ECRYPTO, "libsodium could not derive an X25519 public key");
    }
    st = keys_okp_thumbprint(k->pub.key, "X25519", k->pub.kid, err);
    if (st != KEYS_OK) {
        sodium_free(k);
        return st;
    }
    st = seal_readonly(k, err);
    if (st != KEYS_OK)
        return st;
    *out = k;
    return KEYS_OK;
}

enum keys_status
keys_enc_key_generate(struct keys_enc_key **out, struct keys_err *err)
{
    unsigned char secret[KEYS_KEY_BYTES];
    enum keys_status st;

    randombytes_buf(secret, sizeof secret);
    st = keys_enc_key_from_secret(secret, out, err);
    sodium_memzero(secret, sizeof secret);
    return st;
}

void
keys_enc_key_public(const struct keys_enc_key *key, struct keys_pub *out)
{
    *out = key->pub;
}

void
keys_enc_key_free(struct keys_enc_key *key)
{
    if (key != NULL)
        sodium_free(key);
}
