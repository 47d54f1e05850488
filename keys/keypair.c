/* SPDX-License-Identifier: EUPL-1.2 */
/* Ed25519 and X25519 key pairs whose private halves live in guarded, read-only memory. */
#include <string.h>

#include <sodium.h>

#include "keys_int.h"

/* The whole key pair sits in sodium_malloc memory (guard pages, mlock, wiped by sodium_free):
 * its members are byte arrays, so the unaligned address sodium_malloc may give is fine. */
_Static_assert(_Alignof(struct keys_sign_key) == 1 && _Alignof(struct keys_enc_key) == 1,
               "key pairs must hold only bytes: sodium_malloc does not align");

/* A key pair type: how its public key follows from the private one, and its curve. */
struct pair_kind {
    size_t size;
    /* Fills the pair p from secret; returns its public part, or NULL when libsodium fails. */
    struct keys_pub *(*derive)(void *p, const unsigned char secret[KEYS_KEY_BYTES]);
    const char *crv;     /* for the thumbprint */
    const char *failure; /* the message when derive fails */
};

/* Builds a key pair of the given kind from secret in guarded memory, with its thumbprint,
 * read-only. */
static enum keys_status
new_pair(const struct pair_kind *kind, const unsigned char secret[KEYS_KEY_BYTES], void **out,
         struct keys_err *err)
{
    enum keys_status st;
    struct keys_pub *pub;
    void *k;

    k = sodium_malloc(kind->size);
    if (k == NULL)
        return keys_fail(err, KEYS_ENOMEM, "no guarded memory for a private key");
    pub = kind->derive(k, secret);
    if (pub == NULL) {
        st = keys_fail(err, KEYS_ECRYPTO, "%s", kind->failure);
        goto out;
    }
    st = keys_okp_thumbprint(pub->key, kind->crv, pub->kid, err);
    if (st != KEYS_OK)
        goto out;
    if (sodium_mprotect_readonly(k) != 0) {
        st = keys_fail(err, KEYS_ECRYPTO, "could not make the private key memory read-only");
        goto out;
    }
    *out = k;
    return KEYS_OK;
out:
    sodium_free(k); /* wipes whatever derive wrote */
    return st;
}

static struct keys_pub *
derive_sign(void *p, const unsigned char seed[KEYS_KEY_BYTES])
{
    struct keys_sign_key *k = p;

    return crypto_sign_ed25519_seed_keypair(k->pub.key, k->sk, seed) == 0 ? &k->pub : NULL;
}

static struct keys_pub *
derive_enc(void *p, const unsigned char secret[KEYS_KEY_BYTES])
{
    struct keys_enc_key *k = p;

    memcpy(k->sk, secret, sizeof k->sk);
    return crypto_scalarmult_curve25519_base(k->pub.key, k->sk) == 0 ? &k->pub : NULL;
}

static const struct pair_kind sign_kind = {sizeof(struct keys_sign_key), derive_sign, "Ed25519",
                                           "libsodium could not derive an Ed25519 key pair"};
static const struct pair_kind enc_kind = {sizeof(struct keys_enc_key), derive_enc, "X25519",
                                          "libsodium could not derive an X25519 public key"};

enum keys_status
keys_sign_key_from_seed(const unsigned char seed[KEYS_KEY_BYTES], struct keys_sign_key **out,
                        struct keys_err *err)
{
    void *k;
    enum keys_status st;

    if (seed == NULL || out == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_sign_key_from_seed: NULL argument");
    st = new_pair(&sign_kind, seed, &k, err);
    if (st == KEYS_OK)
        *out = k;
    return st;
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
    void *k;
    enum keys_status st;

    if (secret == NULL || out == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_enc_key_from_secret: NULL argument");
    st = new_pair(&enc_kind, secret, &k, err);
    if (st == KEYS_OK)
        *out = k;
    return st;
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
