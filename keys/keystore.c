/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * The keystore: an organisation's identity, its signing and encryption key pairs with their
 * validity periods, and its TLS key and certificate, in one small line-based file that only its
 * owner may read, optionally encrypted under a passphrase (Argon2id and XChaCha20-Poly1305).
 *
 * The file, version 1 (keys/PACKETS.md, section "Keystore", describes it for people):
 *
 *   baton-keystore 1
 *   oin 00000001812345671000
 *   name Praktijkschool De Brug
 *   role school
 *   endpoint https://baton.debrug.example
 *   sign 2025-08-01T00:00:00Z 2027-08-01T00:00:00Z <base64url of the Ed25519 seed>
 *   enc 2025-08-01T00:00:00Z 2027-08-01T00:00:00Z <base64url of the X25519 private key>
 *   tls <base64url of the Ed25519 seed of the TLS key>
 *   -----BEGIN CERTIFICATE-----
 *   ...
 *   -----END CERTIFICATE-----
 *
 * and, encrypted, the same text as the ciphertext of
 *
 *   baton-keystore 1
 *   encrypted argon2id13 <opslimit> <memlimit> <base64url salt> <base64url nonce>
 *   <base64url of the XChaCha20-Poly1305 ciphertext; the two lines above are its associated data>
 *
 * Secrets are parsed by hand straight into sodium_malloc memory: no jansson, no stdio.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "keys_int.h"

#define KS_MAGIC "baton-keystore"
#define KS_VERSION 1
/* The plain form of a full keystore (16 key lines, identity, certificate) is under 8 KiB; base64
 * of its ciphertext under 11 KiB. A larger file is not a keystore. */
#define KS_MAX_FILE (64u * 1024u)
/* Signing (or encryption) key pairs per keystore: the directory lists at most 16 keys for one
 * organisation, which two uses share. */
#define KS_MAX_PAIRS 8
/* Longest line of the plain form that baton writes is a certificate line (64) or the endpoint
 * (9 + 255); anything much longer is damage. */
#define KS_MAX_LINE 512u
/* Longest time field: "YYYY-MM-DDTHH:MM:SS" with a fraction and an offset. */
#define KS_MAX_TIME 40
/*
 * Argon2id cost for a new encrypted keystore: libsodium's MODERATE (3 passes over 256 MiB, about
 * 0.7 s). A keystore guards an organisation's identity for two years and is opened rarely (when
 * batond starts, when an operator signs or rotates), so a second per guess for its owner buys a
 * large factor against someone who copied a backup. INTERACTIVE (64 MiB) is meant for logins.
 */
#define KS_OPSLIMIT crypto_pwhash_OPSLIMIT_MODERATE
#define KS_MEMLIMIT crypto_pwhash_MEMLIMIT_MODERATE
#define KS_SALT_BYTES crypto_pwhash_SALTBYTES
#define KS_NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define KS_CERT_BEGIN "-----BEGIN CERTIFICATE-----"
#define KS_CERT_END "-----END CERTIFICATE-----"
/* Attempts at a fresh temporary name before giving up (each name has 64 random bits). */
#define KS_TMP_TRIES 8

struct ks_sign {
    struct keys_sign_key *key;
    time_t from, until;
};

struct ks_enc {
    struct keys_enc_key *key;
    time_t from, until;
};

struct keys_keystore {
    struct keys_identity id;
    struct ks_sign sign[KS_MAX_PAIRS];
    size_t n_sign;
    struct ks_enc enc[KS_MAX_PAIRS];
    size_t n_enc;
    struct keys_sign_key *tls; /* an Ed25519 pair: the seed is the first half of sk */
    char *cert_pem;            /* public: plain malloc */
    size_t cert_len;
    char tls_pin[KEYS_TLS_PIN_LEN + 1];
};

/* ---- the keystore in memory ---- */

void
keys_keystore_free(struct keys_keystore *ks)
{
    size_t i;

    if (ks == NULL)
        return;
    for (i = 0; i < ks->n_sign; i++)
        keys_sign_key_free(ks->sign[i].key);
    for (i = 0; i < ks->n_enc; i++)
        keys_enc_key_free(ks->enc[i].key);
    keys_sign_key_free(ks->tls);
    free(ks->cert_pem);
    free(ks);
}

void
keys_secret_free(void *secret)
{
    if (secret != NULL)
        sodium_free(secret);
}

static enum keys_status
check_period(time_t from, time_t until, struct keys_err *err)
{
    char a[KEYS_TIME_LEN + 1], b[KEYS_TIME_LEN + 1];

    if (from >= until) {
        keys_time_format(from, a);
        keys_time_format(until, b);
        return keys_fail(err, KEYS_EINVAL,
                         "a key's validity must end after it starts (from %s until %s)", a, b);
    }
    return KEYS_OK;
}

/* Refuses a key whose thumbprint another key in ks already has (a damaged or edited file). */
static enum keys_status
check_new_kid(const struct keys_keystore *ks, const char *kid, struct keys_err *err)
{
    size_t i;

    for (i = 0; i < ks->n_sign; i++)
        if (strcmp(ks->sign[i].key->pub.kid, kid) == 0)
            goto dup;
    for (i = 0; i < ks->n_enc; i++)
        if (strcmp(ks->enc[i].key->pub.kid, kid) == 0)
            goto dup;
    if (ks->tls != NULL && strcmp(ks->tls->pub.kid, kid) == 0)
        goto dup;
    return KEYS_OK;
dup:
    return keys_fail(err, KEYS_EKEYSTORE, "the key %s appears twice", kid);
}

/* Adds the pair of use made from secret (borrowed) to ks. */
static enum keys_status
add_pair(struct keys_keystore *ks, enum keys_use use, const unsigned char secret[KEYS_KEY_BYTES],
         time_t from, time_t until, struct keys_err *err)
{
    struct keys_sign_key *s = NULL;
    struct keys_enc_key *e = NULL;
    enum keys_status st;

    st = check_period(from, until, err);
    if (st != KEYS_OK)
        return st;
    if ((use == KEYS_USE_SIG ? ks->n_sign : ks->n_enc) >= KS_MAX_PAIRS)
        return keys_fail(err, KEYS_ETOOBIG,
                         "the keystore already holds %d %s keys, the most that a directory entry "
                         "can list",
                         KS_MAX_PAIRS, use == KEYS_USE_SIG ? "signing" : "encryption");
    st = use == KEYS_USE_SIG ? keys_sign_key_from_seed(secret, &s, err)
                             : keys_enc_key_from_secret(secret, &e, err);
    if (st != KEYS_OK)
        return st;
    st = check_new_kid(ks, use == KEYS_USE_SIG ? s->pub.kid : e->pub.kid, err);
    if (st != KEYS_OK) {
        keys_sign_key_free(s);
        keys_enc_key_free(e);
        return st;
    }
    if (use == KEYS_USE_SIG)
        ks->sign[ks->n_sign++] = (struct ks_sign){s, from, until};
    else
        ks->enc[ks->n_enc++] = (struct ks_enc){e, from, until};
    return KEYS_OK;
}

static enum keys_status
add_random_pair(struct keys_keystore *ks, enum keys_use use, time_t from, time_t until,
                struct keys_err *err)
{
    unsigned char secret[KEYS_KEY_BYTES];
    enum keys_status st;

    randombytes_buf(secret, sizeof secret);
    st = add_pair(ks, use, secret, from, until, err);
    sodium_memzero(secret, sizeof secret);
    return st;
}

enum keys_status
keys_keystore_create(const struct keys_identity *id, time_t valid_from, time_t valid_until,
                     struct keys_keystore **out, struct keys_err *err)
{
    struct keys_keystore *ks = NULL;
    enum keys_status st;

    if (id == NULL || out == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_keystore_create: NULL argument");
    st = keys_identity_check(id, err);
    if (st != KEYS_OK)
        return st;
    st = check_period(valid_from, valid_until, err);
    if (st != KEYS_OK)
        return st;
    ks = calloc(1, sizeof *ks);
    if (ks == NULL)
        return keys_fail(err, KEYS_ENOMEM, "out of memory for a keystore");
    ks->id = *id;
    st = add_random_pair(ks, KEYS_USE_SIG, valid_from, valid_until, err);
    if (st == KEYS_OK)
        st = add_random_pair(ks, KEYS_USE_ENC, valid_from, valid_until, err);
    if (st == KEYS_OK)
        st = keys_sign_key_generate(&ks->tls, err);
    if (st == KEYS_OK)
        st = keys_tls_cert_make(ks->tls, &ks->id, valid_from, valid_until, &ks->cert_pem, err);
    if (st != KEYS_OK)
        goto out;
    ks->cert_len = strlen(ks->cert_pem);
    /* Reads the certificate back as load does: the pin comes from what was written. */
    st = keys_tls_cert_check(ks->cert_pem, ks->cert_len, ks->tls, ks->tls_pin, err);
    if (st != KEYS_OK)
        goto out;
    *out = ks;
    ks = NULL;
out:
    keys_keystore_free(ks);
    return st;
}

const struct keys_identity *
keys_keystore_identity(const struct keys_keystore *ks)
{
    return &ks->id;
}

enum keys_status
keys_keystore_rotate(struct keys_keystore *ks, enum keys_use use, time_t valid_from,
                     time_t valid_until, struct keys_err *err)
{
    if (ks == NULL || (use != KEYS_USE_SIG && use != KEYS_USE_ENC))
        return keys_fail(err, KEYS_EINVAL, "keys_keystore_rotate: bad argument");
    return add_random_pair(ks, use, valid_from, valid_until, err);
}

/* Both ends inclusive, as the directory reads validFrom and validUntil (keys/directory.c). */
static int
valid_at(time_t from, time_t until, time_t now)
{
    return from <= now && now <= until;
}

const struct keys_sign_key *
keys_keystore_signer(const struct keys_keystore *ks, time_t now)
{
    const struct ks_sign *best = NULL;
    size_t i;

    for (i = 0; ks != NULL && i < ks->n_sign; i++)
        if (valid_at(ks->sign[i].from, ks->sign[i].until, now) &&
            (best == NULL || ks->sign[i].from >= best->from))
            best = &ks->sign[i];
    return best != NULL ? best->key : NULL;
}

const struct keys_enc_key *
keys_keystore_enc_key(const struct keys_keystore *ks, const char *kid)
{
    size_t i;

    for (i = 0; ks != NULL && kid != NULL && i < ks->n_enc; i++)
        if (strcmp(ks->enc[i].key->pub.kid, kid) == 0)
            return ks->enc[i].key;
    return NULL;
}

enum keys_status
keys_keystore_derive_key(const struct keys_keystore *ks, const char *purpose,
                         unsigned char out[KEYS_KEY_BYTES], struct keys_err *err)
{
    char ctx[crypto_kdf_CONTEXTBYTES] = {0};
    size_t n = purpose != NULL ? strlen(purpose) : 0;

    if (ks == NULL || out == NULL || n == 0 || n > sizeof ctx)
        return keys_fail(err, KEYS_EINVAL,
                         "keys_keystore_derive_key: NULL argument or a purpose that is not 1 to "
                         "%d characters",
                         (int)sizeof ctx);
    if (ks->n_enc == 0)
        return keys_fail(err, KEYS_EINVAL, "the keystore has no encryption key to derive from");
    /* The context is the purpose, zero-padded: "store" and "store\0\0\0" are one purpose. */
    memcpy(ctx, purpose, n);
    _Static_assert(KEYS_KEY_BYTES == crypto_kdf_KEYBYTES, "an X25519 secret is a KDF master key");
    if (crypto_kdf_derive_from_key(out, KEYS_KEY_BYTES, 1, ctx, ks->enc[0].key->sk) != 0)
        return keys_fail(err, KEYS_ECRYPTO, "libsodium could not derive a key");
    return KEYS_OK;
}

const char *
keys_keystore_tls_cert_pem(const struct keys_keystore *ks)
{
    return ks->cert_pem;
}

const char *
keys_keystore_tls_pin(const struct keys_keystore *ks)
{
    return ks->tls_pin;
}

enum keys_status
keys_keystore_tls_key_pem(const struct keys_keystore *ks, char **pem, size_t *len,
                          struct keys_err *err)
{
    if (ks == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_keystore_tls_key_pem: NULL argument");
    return keys_tls_key_pem(ks->tls, pem, len, err);
}

/* A public JWK with the key's validity period added. */
static enum keys_status
add_jwk(json_t *keys, const struct keys_pub *pub, enum keys_use use, time_t from, time_t until,
        struct keys_err *err)
{
    char a[KEYS_TIME_LEN + 1], b[KEYS_TIME_LEN + 1];
    enum keys_status st;
    json_t *jwk = NULL;

    st = use == KEYS_USE_SIG ? keys_sign_pub_to_jwk(pub, &jwk, err)
                             : keys_enc_pub_to_jwk(pub, &jwk, err);
    if (st != KEYS_OK)
        return st;
    keys_time_format(from, a);
    keys_time_format(until, b);
    if (json_object_set_new(jwk, "validFrom", json_string(a)) != 0 ||
        json_object_set_new(jwk, "validUntil", json_string(b)) != 0 ||
        json_array_append_new(keys, jwk) != 0) {
        json_decref(jwk);
        return keys_fail(err, KEYS_ENOMEM, "out of memory for the public entry");
    }
    return KEYS_OK;
}

enum keys_status
keys_keystore_public_entry(const struct keys_keystore *ks, json_t **out, struct keys_err *err)
{
    enum keys_status st = KEYS_ENOMEM;
    json_t *entry = NULL, *jwks = NULL, *keys = NULL;
    size_t i;

    if (ks == NULL || out == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_keystore_public_entry: NULL argument");
    entry = json_object();
    jwks = json_object();
    keys = json_array();
    if (entry == NULL || jwks == NULL || keys == NULL)
        goto nomem;
    for (i = 0; i < ks->n_sign; i++) {
        st = add_jwk(keys, &ks->sign[i].key->pub, KEYS_USE_SIG, ks->sign[i].from, ks->sign[i].until,
                     err);
        if (st != KEYS_OK)
            goto out;
    }
    for (i = 0; i < ks->n_enc; i++) {
        st = add_jwk(keys, &ks->enc[i].key->pub, KEYS_USE_ENC, ks->enc[i].from, ks->enc[i].until,
                     err);
        if (st != KEYS_OK)
            goto out;
    }
    if (json_object_set_new(entry, "oin", json_string(ks->id.oin)) != 0 ||
        json_object_set_new(entry, "name", json_string(ks->id.name)) != 0 ||
        json_object_set_new(entry, "role", json_string(ks->id.role)) != 0 ||
        json_object_set_new(entry, "endpoint", json_string(ks->id.endpoint)) != 0)
        goto nomem;
    if (json_object_set_new(jwks, "keys", keys) != 0) {
        keys = NULL;
        goto nomem;
    }
    keys = NULL;
    if (json_object_set_new(entry, "jwks", jwks) != 0) {
        jwks = NULL;
        goto nomem;
    }
    jwks = NULL;
    if (json_object_set_new(entry, "tls_pin", json_string(ks->tls_pin)) != 0)
        goto nomem;
    *out = entry;
    entry = NULL;
    st = KEYS_OK;
    goto out;
nomem:
    st = keys_fail(err, KEYS_ENOMEM, "out of memory for the public entry");
out:
    json_decref(keys);
    json_decref(jwks);
    json_decref(entry);
    return st;
}

/* ---- writing ---- */

/* Text built in guarded memory, since it holds private keys. */
struct ks_text {
    char *p;
    size_t len, cap;
};

static int
put(struct ks_text *t, const char *s, size_t n)
{
    if (n > t->cap - t->len)
        return -1;
    memcpy(t->p + t->len, s, n);
    t->len += n;
    return 0;
}

static int
puts_(struct ks_text *t, const char *s)
{
    return put(t, s, strlen(s));
}

/* " <base64url of secret>" */
static int
put_secret(struct ks_text *t, const unsigned char secret[KEYS_KEY_BYTES])
{
    if (put(t, " ", 1) != 0 ||
        keys_b64url_encode(secret, KEYS_KEY_BYTES, t->p + t->len, t->cap - t->len, NULL) != KEYS_OK)
        return -1;
    t->len += keys_b64url_encoded_len(KEYS_KEY_BYTES);
    return 0;
}

static int
put_period(struct ks_text *t, const char *kw, time_t from, time_t until)
{
    char a[KEYS_TIME_LEN + 1], b[KEYS_TIME_LEN + 1];

    keys_time_format(from, a);
    keys_time_format(until, b);
    return puts_(t, kw) || puts_(t, " ") || puts_(t, a) || puts_(t, " ") || puts_(t, b);
}

/* The plain form of ks into t (sodium_malloc'd, caller frees with sodium_free). */
static enum keys_status
serialize(const struct keys_keystore *ks, struct ks_text *t, struct keys_err *err)
{
    size_t i;
    int bad = 0;

    t->cap = 1024 + sizeof ks->id + (ks->n_sign + ks->n_enc + 1) * 128 + ks->cert_len;
    t->len = 0;
    t->p = sodium_malloc(t->cap);
    if (t->p == NULL)
        return keys_fail(err, KEYS_ENOMEM, "no guarded memory to write the keystore");
    bad |= puts_(t, KS_MAGIC " 1\noin ") || puts_(t, ks->id.oin) || puts_(t, "\nname ") ||
           puts_(t, ks->id.name) || puts_(t, "\nrole ") || puts_(t, ks->id.role) ||
           puts_(t, "\nendpoint ") || puts_(t, ks->id.endpoint) || puts_(t, "\n");
    for (i = 0; i < ks->n_sign; i++)
        bad |= put_period(t, "sign", ks->sign[i].from, ks->sign[i].until) ||
               put_secret(t, ks->sign[i].key->sk) || puts_(t, "\n");
    for (i = 0; i < ks->n_enc; i++)
        bad |= put_period(t, "enc", ks->enc[i].from, ks->enc[i].until) ||
               put_secret(t, ks->enc[i].key->sk) || puts_(t, "\n");
    bad |= puts_(t, "tls") || put_secret(t, ks->tls->sk) || puts_(t, "\n") ||
           put(t, ks->cert_pem, ks->cert_len);
    if (!bad && (ks->cert_len == 0 || ks->cert_pem[ks->cert_len - 1] != '\n'))
        bad |= puts_(t, "\n");
    if (bad) {
        sodium_free(t->p);
        t->p = NULL;
        return keys_fail(err, KEYS_EINVAL, "the keystore does not fit its buffer (a bug)");
    }
    return KEYS_OK;
}

/* The encrypted form of plain[0..plain_len) under passphrase: a new malloc'd text (nothing in it
 * is secret) in *out. */
static enum keys_status
encrypt_text(const char *plain, size_t plain_len, const char *passphrase, char **out,
             size_t *out_len, struct keys_err *err)
{
    unsigned char salt[KS_SALT_BYTES], nonce[KS_NONCE_BYTES],
        key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
    char salt64[32], nonce64[40], header[256];
    unsigned char *ct = NULL;
    unsigned long long ct_len;
    enum keys_status st = KEYS_ENOMEM;
    size_t b64_len, header_len;
    char *text = NULL;
    int n;

    randombytes_buf(salt, sizeof salt);
    randombytes_buf(nonce, sizeof nonce);
    if (keys_b64url_encode(salt, sizeof salt, salt64, sizeof salt64, err) != KEYS_OK ||
        keys_b64url_encode(nonce, sizeof nonce, nonce64, sizeof nonce64, err) != KEYS_OK)
        return KEYS_EINVAL;
    n = snprintf(header, sizeof header, "%s %d\nencrypted argon2id13 %llu %zu %s %s\n", KS_MAGIC,
                 KS_VERSION, (unsigned long long)KS_OPSLIMIT, (size_t)KS_MEMLIMIT, salt64, nonce64);
    if (n < 0 || (size_t)n >= sizeof header)
        return keys_fail(err, KEYS_EINVAL, "the keystore header does not fit (a bug)");
    header_len = (size_t)n;
    if (crypto_pwhash(key, sizeof key, passphrase, strlen(passphrase), salt, KS_OPSLIMIT,
                      KS_MEMLIMIT, crypto_pwhash_ALG_ARGON2ID13) != 0) {
        st = keys_fail(err, KEYS_ENOMEM,
                       "Argon2id could not derive the keystore key (it needs %zu MiB of memory)",
                       (size_t)KS_MEMLIMIT >> 20);
        goto out;
    }
    ct = malloc(plain_len + crypto_aead_xchacha20poly1305_ietf_ABYTES);
    if (ct == NULL)
        goto nomem;
    if (crypto_aead_xchacha20poly1305_ietf_encrypt(ct, &ct_len, (const unsigned char *)plain,
                                                   plain_len, (const unsigned char *)header,
                                                   header_len, NULL, nonce, key) != 0) {
        st = keys_fail(err, KEYS_ECRYPTO, "libsodium could not encrypt the keystore");
        goto out;
    }
    b64_len = keys_b64url_encoded_len((size_t)ct_len);
    text = malloc(header_len + b64_len + 2);
    if (text == NULL)
        goto nomem;
    memcpy(text, header, header_len);
    st = keys_b64url_encode(ct, (size_t)ct_len, text + header_len, b64_len + 1, err);
    if (st != KEYS_OK)
        goto out;
    text[header_len + b64_len] = '\n';
    text[header_len + b64_len + 1] = '\0';
    *out = text;
    *out_len = header_len + b64_len + 1;
    text = NULL;
    st = KEYS_OK;
    goto out;
nomem:
    st = keys_fail(err, KEYS_ENOMEM, "out of memory to encrypt the keystore");
out:
    sodium_memzero(key, sizeof key);
    free(ct);
    free(text);
    return st;
}

static enum keys_status
io_fail(struct keys_err *err, const char *what, const char *path)
{
    return keys_fail(err, KEYS_EIO, "could not %s %s: %s", what, path, strerror(errno));
}

static int
write_all(int fd, const char *p, size_t n)
{
    ssize_t w;

    while (n > 0) {
        w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* fsync of the folder that holds path, so that a rename survives a crash; best effort, since the
 * file is in place already and some file systems cannot sync a folder. */
static void
sync_folder(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    int fd;

    dir = slash == NULL ? strdup(".") : strndup(path, slash == path ? 1 : (size_t)(slash - path));
    if (dir == NULL)
        return;
    fd = open(dir, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(dir);
}

/*
 * Puts data at path with mode 0600: a new temporary file next to it (O_EXCL, so that nobody can
 * have opened it first), written and synced, then moved into place. Without replace, link()
 * puts it there only if path does not exist, atomically; with replace, rename() swaps it in.
 * Either way path holds the old file or the complete new one, never a part.
 */
static enum keys_status
write_atomically(const char *path, const char *data, size_t len, int replace, struct keys_err *err)
{
    unsigned char rnd[8];
    enum keys_status st = KEYS_EIO;
    struct stat sb;
    char *tmp = NULL;
    size_t plen = strlen(path);
    int fd = -1, tries, e;

    tmp = malloc(plen + 6 + 16 + 1);
    if (tmp == NULL)
        return keys_fail(err, KEYS_ENOMEM, "out of memory");
    for (tries = 0; tries < KS_TMP_TRIES; tries++) {
        randombytes_buf(rnd, sizeof rnd);
        memcpy(tmp, path, plen);
        memcpy(tmp + plen, ".tmp-", 5);
        sodium_bin2hex(tmp + plen + 5, 17, rnd, sizeof rnd);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd >= 0 || errno != EEXIST)
            break;
    }
    if (fd < 0) {
        st = io_fail(err, "create a file next to", path);
        free(tmp);
        return st;
    }
    /* The umask may have taken bits away; make it exactly 0600. */
    if (fchmod(fd, 0600) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0) {
        st = io_fail(err, "write", tmp);
        close(fd);
        goto out;
    }
    if (close(fd) != 0) {
        st = io_fail(err, "write", tmp);
        goto out;
    }
    if (replace) {
        if (rename(tmp, path) != 0) {
            st = io_fail(err, "put the new keystore in place at", path);
            goto out;
        }
    } else if (link(tmp, path) != 0) {
        e = errno;
        if (e == EEXIST)
            goto exists;
        if (e != EPERM && e != ENOTSUP && e != ENOSYS && e != EOPNOTSUPP) {
            errno = e;
            st = io_fail(err, "put the new keystore in place at", path);
            goto out;
        }
        /* A file system without hard links (some network and FUSE ones): check, then rename;
         * only here can a file that appears in between be replaced. */
        if (lstat(path, &sb) == 0)
            goto exists;
        if (rename(tmp, path) != 0) {
            st = io_fail(err, "put the new keystore in place at", path);
            goto out;
        }
    }
    sync_folder(path);
    st = KEYS_OK;
    goto out;
exists:
    st = keys_fail(err, KEYS_EIO, "%s already exists; it was left as it was", path);
out:
    (void)unlink(tmp); /* after link(), the temporary name; after rename(), nothing */
    free(tmp);
    return st;
}

enum keys_status
keys_keystore_save(const struct keys_keystore *ks, const char *path, const char *passphrase,
                   int replace, struct keys_err *err)
{
    struct ks_text plain = {NULL, 0, 0};
    enum keys_status st;
    struct stat sb;
    char *enc = NULL;
    size_t enc_len = 0;

    if (ks == NULL || path == NULL || path[0] == '\0')
        return keys_fail(err, KEYS_EINVAL, "keys_keystore_save: no keystore or no path");
    if (passphrase != NULL && passphrase[0] == '\0')
        return keys_fail(err, KEYS_EINVAL,
                         "an empty passphrase protects nothing; give a real one, or none to "
                         "rely on the file's mode alone");
    /* Early, to spare the Argon2id work; link() decides for certain. */
    if (!replace && lstat(path, &sb) == 0)
        return keys_fail(err, KEYS_EIO, "%s already exists; it was left as it was", path);
    st = serialize(ks, &plain, err);
    if (st != KEYS_OK)
        return st;
    if (passphrase != NULL) {
        st = encrypt_text(plain.p, plain.len, passphrase, &enc, &enc_len, err);
        if (st == KEYS_OK)
            st = write_atomically(path, enc, enc_len, replace, err);
    } else {
        st = write_atomically(path, plain.p, plain.len, replace, err);
    }
    sodium_free(plain.p);
    free(enc);
    return st;
}

/* ---- reading ---- */

/* Walks the lines of a text; every line ends with '\n' (a missing one means a cut-off file). */
struct ks_reader {
    const char *p, *end;
    const char *path;
    const char *form; /* "" or " (decrypted)": where line numbers count */
    size_t line;
};

static enum keys_status bad_line(const struct ks_reader *r, struct keys_err *err, const char *fmt,
                                 ...) __attribute__((format(printf, 3, 4)));

static enum keys_status
bad_line(const struct ks_reader *r, struct keys_err *err, const char *fmt, ...)
{
    char what[200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return keys_fail(err, KEYS_EKEYSTORE, "keystore %s%s, line %zu: %s", r->path, r->form, r->line,
                     what);
}

/* 1 with the next line in *line, *len (without '\n'); 0 at the end; -1 when the text ends
 * without a final '\n' (err filled). */
static int
next_line(struct ks_reader *r, const char **line, size_t *len, size_t max, struct keys_err *err)
{
    const char *nl;

    if (r->p == r->end)
        return 0;
    r->line++;
    nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
    if (nl == NULL) {
        bad_line(r, err, "the file ends in the middle of this line (is it cut off?)");
        return -1;
    }
    if ((size_t)(nl - r->p) > max) {
        bad_line(r, err, "the line is longer than any line of a keystore");
        return -1;
    }
    *line = r->p;
    *len = (size_t)(nl - r->p);
    r->p = nl + 1;
    return 1;
}

/* Splits line[0..len) at single spaces into at most max fields; -1 for more, or an empty one. */
static int
split(const char *line, size_t len, struct keys_part *f, int max)
{
    const char *p = line, *end = line + len, *sp;
    int n = 0;

    while (p <= end) {
        sp = memchr(p, ' ', (size_t)(end - p));
        if (sp == NULL)
            sp = end;
        if (sp == p || n == max)
            return -1;
        f[n].p = p;
        f[n].len = (size_t)(sp - p);
        n++;
        p = sp + 1;
    }
    return n;
}

static int
is(const struct keys_part *f, const char *s)
{
    return f->len == strlen(s) && memcmp(f->p, s, f->len) == 0;
}

/* A 32-byte secret in base64url from field f into secret (caller wipes). */
static enum keys_status
read_secret(const struct ks_reader *r, const struct keys_part *f,
            unsigned char secret[KEYS_KEY_BYTES], struct keys_err *err)
{
    size_t n = 0;

    if (keys_b64url_decode_secret(f->p, f->len, secret, KEYS_KEY_BYTES, &n, "key", NULL) !=
            KEYS_OK ||
        n != KEYS_KEY_BYTES) {
        sodium_memzero(secret, KEYS_KEY_BYTES);
        return bad_line(r, err, "the key is not 43 characters of base64url (32 bytes)");
    }
    return KEYS_OK;
}

static enum keys_status
read_time(const struct ks_reader *r, const struct keys_part *f, time_t *t, struct keys_err *err)
{
    char s[KS_MAX_TIME + 1];
    struct keys_err e;

    if (f->len > KS_MAX_TIME)
        return bad_line(r, err, "a validity time is too long");
    memcpy(s, f->p, f->len);
    s[f->len] = '\0';
    if (keys_time_parse(s, t, "time", &e) != KEYS_OK)
        return bad_line(r, err, "%s", e.text);
    return KEYS_OK;
}

/* "oin VALUE" and the like: VALUE (the rest of the line) into field[0..size). */
static enum keys_status
read_identity(const struct ks_reader *r, const char *line, size_t len, size_t kw_len, char *field,
              size_t size, struct keys_err *err)
{
    char kw[16];

    memcpy(kw, line, kw_len);
    kw[kw_len] = '\0';
    if (field[0] != '\0')
        return bad_line(r, err, "a second '%s' line (a keystore belongs to one organisation)", kw);
    if (len <= kw_len + 1 || len - kw_len - 1 >= size)
        return bad_line(r, err, "the '%s' value is empty or too long", kw);
    memcpy(field, line + kw_len + 1, len - kw_len - 1);
    field[len - kw_len - 1] = '\0';
    if (memchr(field, '\0', len - kw_len - 1) != NULL)
        return bad_line(r, err, "the '%s' value holds a NUL byte", kw);
    return KEYS_OK;
}

/* Parses the plain form text[0..len) into a new keystore. */
static enum keys_status
parse_plain(const char *path, const char *form, const char *text, size_t len,
            struct keys_keystore **out, struct keys_err *err)
{
    struct ks_reader r = {text, text + len, path, form, 0};
    struct keys_keystore *ks = NULL;
    unsigned char secret[KEYS_KEY_BYTES];
    struct keys_part f[4];
    struct keys_err e;
    const char *line, *cert = NULL;
    enum keys_status st = KEYS_EKEYSTORE;
    time_t from, until;
    size_t n, kw;
    int got, nf, tls_seen = 0, cert_done = 0;

    ks = calloc(1, sizeof *ks);
    if (ks == NULL)
        return keys_fail(err, KEYS_ENOMEM, "out of memory for a keystore");
    got = next_line(&r, &line, &n, KS_MAX_LINE, err);
    if (got <= 0 || n != strlen(KS_MAGIC " 1") || memcmp(line, KS_MAGIC " 1", n) != 0) {
        st = got < 0 ? KEYS_EKEYSTORE
                     : keys_fail(err, KEYS_EKEYSTORE,
                                 "keystore %s%s: not a baton keystore of version 1", path, form);
        goto out;
    }
    while ((got = next_line(&r, &line, &n, KS_MAX_LINE, err)) > 0) {
        if (cert_done) {
            st = bad_line(&r, err, "text after the certificate");
            goto out;
        }
        if (cert != NULL) {
            if (n == strlen(KS_CERT_END) && memcmp(line, KS_CERT_END, n) == 0)
                cert_done = 1;
            continue;
        }
        if (n == strlen(KS_CERT_BEGIN) && memcmp(line, KS_CERT_BEGIN, n) == 0) {
            cert = line;
            continue;
        }
        kw = strcspn(line, " \n");
        if (kw > n)
            kw = n;
        if (kw == 3 && memcmp(line, "oin", 3) == 0) {
            st = read_identity(&r, line, n, kw, ks->id.oin, sizeof ks->id.oin, err);
        } else if (kw == 4 && memcmp(line, "name", 4) == 0) {
            st = read_identity(&r, line, n, kw, ks->id.name, sizeof ks->id.name, err);
        } else if (kw == 4 && memcmp(line, "role", 4) == 0) {
            st = read_identity(&r, line, n, kw, ks->id.role, sizeof ks->id.role, err);
        } else if (kw == 8 && memcmp(line, "endpoint", 8) == 0) {
            st = read_identity(&r, line, n, kw, ks->id.endpoint, sizeof ks->id.endpoint, err);
        } else if ((kw == 4 && memcmp(line, "sign", 4) == 0) ||
                   (kw == 3 && memcmp(line, "enc", 3) == 0)) {
            nf = split(line, n, f, 4);
            if (nf != 4) {
                st = bad_line(&r, err, "expected '%s FROM UNTIL KEY'", kw == 4 ? "sign" : "enc");
                goto out;
            }
            if ((st = read_time(&r, &f[1], &from, err)) != KEYS_OK ||
                (st = read_time(&r, &f[2], &until, err)) != KEYS_OK ||
                (st = read_secret(&r, &f[3], secret, err)) != KEYS_OK)
                goto out;
            st = add_pair(ks, is(&f[0], "sign") ? KEYS_USE_SIG : KEYS_USE_ENC, secret, from, until,
                          &e);
            sodium_memzero(secret, sizeof secret);
            if (st == KEYS_EKEYSTORE || st == KEYS_EINVAL || st == KEYS_ETOOBIG)
                st = bad_line(&r, err, "%s", e.text);
            else if (st != KEYS_OK)
                st = keys_fail(err, st, "%s", e.text);
        } else if (kw == 3 && memcmp(line, "tls", 3) == 0) {
            nf = split(line, n, f, 2);
            if (tls_seen) {
                st = bad_line(&r, err, "a second 'tls' line");
                goto out;
            }
            if (nf != 2) {
                st = bad_line(&r, err, "expected 'tls KEY'");
                goto out;
            }
            tls_seen = 1;
            st = read_secret(&r, &f[1], secret, err);
            if (st == KEYS_OK)
                st = keys_sign_key_from_seed(secret, &ks->tls, err);
            sodium_memzero(secret, sizeof secret);
        } else {
            char q[KEYS_QUOTE_MAX + 4], word[KEYS_QUOTE_MAX + 1];

            memcpy(word, line, kw < KEYS_QUOTE_MAX ? kw : KEYS_QUOTE_MAX);
            word[kw < KEYS_QUOTE_MAX ? kw : KEYS_QUOTE_MAX] = '\0';
            st = bad_line(&r, err, "unknown line '%s'", keys_quote(word, q));
        }
        if (st != KEYS_OK)
            goto out;
    }
    if (got < 0) {
        st = KEYS_EKEYSTORE;
        goto out;
    }
    if (ks->id.oin[0] == '\0' || ks->id.name[0] == '\0' || ks->id.role[0] == '\0' ||
        ks->id.endpoint[0] == '\0' || ks->n_sign == 0 || ks->n_enc == 0 || !tls_seen ||
        !cert_done) {
        st = keys_fail(err, KEYS_EKEYSTORE,
                       "keystore %s%s is incomplete: it lacks %s (is it cut off?)", path, form,
                       ks->id.oin[0] == '\0'        ? "the 'oin' line"
                       : ks->id.name[0] == '\0'     ? "the 'name' line"
                       : ks->id.role[0] == '\0'     ? "the 'role' line"
                       : ks->id.endpoint[0] == '\0' ? "the 'endpoint' line"
                       : ks->n_sign == 0            ? "a 'sign' line"
                       : ks->n_enc == 0             ? "an 'enc' line"
                       : !tls_seen                  ? "the 'tls' line"
                       : cert == NULL               ? "the certificate"
                                                    : "the end of the certificate");
        goto out;
    }
    if (keys_identity_check(&ks->id, &e) != KEYS_OK) {
        st = keys_fail(err, KEYS_EKEYSTORE, "keystore %s%s: %s", path, form, e.text);
        goto out;
    }
    ks->cert_len = (size_t)(r.p - cert);
    ks->cert_pem = malloc(ks->cert_len + 1);
    if (ks->cert_pem == NULL) {
        st = keys_fail(err, KEYS_ENOMEM, "out of memory for a keystore");
        goto out;
    }
    memcpy(ks->cert_pem, cert, ks->cert_len);
    ks->cert_pem[ks->cert_len] = '\0';
    st = keys_tls_cert_check(ks->cert_pem, ks->cert_len, ks->tls, ks->tls_pin, &e);
    if (st != KEYS_OK) {
        st = keys_fail(err, st, "keystore %s%s: %s", path, form, e.text);
        goto out;
    }
    *out = ks;
    ks = NULL;
out:
    sodium_memzero(secret, sizeof secret);
    keys_keystore_free(ks);
    return st;
}

/* Decrypts the encrypted form (its second line is hdr[0..hdr_len), fields split in f) and parses
 * the plain form inside it. */
static enum keys_status
open_encrypted(const char *path, const char *text, size_t len, const struct keys_part *f,
               const char *aad_end, const char *passphrase, struct keys_keystore **out,
               struct keys_err *err)
{
    unsigned char salt[KS_SALT_BYTES], nonce[KS_NONCE_BYTES];
    unsigned char key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
    unsigned char *ct = NULL, *pt = NULL;
    unsigned long long pt_len;
    unsigned long long ops;
    unsigned long mem;
    enum keys_status st = KEYS_EKEYSTORE;
    const char *body = aad_end, *nl;
    char num[24], *end;
    size_t n, ct_len = 0;

    if (!is(&f[1], "argon2id13"))
        return keys_fail(err, KEYS_EKEYSTORE,
                         "keystore %s, line 2: unknown key derivation (only argon2id13)", path);
    /* Only the range that libsodium's presets span: a smaller cost would be a weakened file, a
     * larger one a way to make batond spend minutes or gigabytes. */
    n = f[2].len < sizeof num ? f[2].len : 0;
    memcpy(num, f[2].p, n);
    num[n] = '\0';
    ops = strtoull(num, &end, 10);
    if (*end != '\0' || n == 0 || num[0] < '0' || num[0] > '9' ||
        ops < crypto_pwhash_OPSLIMIT_INTERACTIVE || ops > crypto_pwhash_OPSLIMIT_SENSITIVE)
        return keys_fail(err, KEYS_EKEYSTORE,
                         "keystore %s, line 2: Argon2id passes outside %llu..%llu", path,
                         (unsigned long long)crypto_pwhash_OPSLIMIT_INTERACTIVE,
                         (unsigned long long)crypto_pwhash_OPSLIMIT_SENSITIVE);
    n = f[3].len < sizeof num ? f[3].len : 0;
    memcpy(num, f[3].p, n);
    num[n] = '\0';
    mem = strtoul(num, &end, 10);
    if (*end != '\0' || n == 0 || num[0] < '0' || num[0] > '9' ||
        mem < crypto_pwhash_MEMLIMIT_INTERACTIVE || mem > crypto_pwhash_MEMLIMIT_SENSITIVE)
        return keys_fail(err, KEYS_EKEYSTORE,
                         "keystore %s, line 2: Argon2id memory outside %zu..%zu bytes", path,
                         (size_t)crypto_pwhash_MEMLIMIT_INTERACTIVE,
                         (size_t)crypto_pwhash_MEMLIMIT_SENSITIVE);
    if (keys_b64url_decode(f[4].p, f[4].len, salt, sizeof salt, &n, "salt", NULL) != KEYS_OK ||
        n != sizeof salt ||
        keys_b64url_decode(f[5].p, f[5].len, nonce, sizeof nonce, &n, "nonce", NULL) != KEYS_OK ||
        n != sizeof nonce)
        return keys_fail(err, KEYS_EKEYSTORE,
                         "keystore %s, line 2: the salt or nonce is not base64url of %d and %d "
                         "bytes",
                         path, KS_SALT_BYTES, KS_NONCE_BYTES);
    nl = memchr(body, '\n', (size_t)(text + len - body));
    if (nl == NULL || nl + 1 != text + len || nl == body)
        return keys_fail(err, KEYS_EKEYSTORE,
                         "keystore %s, line 3: the encrypted keys must be one line that ends the "
                         "file (is it cut off?)",
                         path);
    st =
        keys_b64url_decode_alloc(body, (size_t)(nl - body), KS_MAX_FILE, &ct, &ct_len, "keys", err);
    if (st != KEYS_OK || ct_len < crypto_aead_xchacha20poly1305_ietf_ABYTES) {
        st = keys_fail(err, KEYS_EKEYSTORE,
                       "keystore %s, line 3: the encrypted keys are not base64url of a "
                       "ciphertext",
                       path);
        goto out;
    }
    if (passphrase == NULL) {
        st = keys_fail(err, KEYS_EPASSPHRASE, "keystore %s is encrypted: it needs its passphrase",
                       path);
        goto out;
    }
    pt = sodium_malloc(ct_len);
    if (pt == NULL) {
        st = keys_fail(err, KEYS_ENOMEM, "no guarded memory to decrypt the keystore");
        goto out;
    }
    if (crypto_pwhash(key, sizeof key, passphrase, strlen(passphrase), salt, ops, mem,
                      crypto_pwhash_ALG_ARGON2ID13) != 0) {
        st = keys_fail(err, KEYS_ENOMEM,
                       "Argon2id could not derive the keystore key (it needs %lu MiB of memory)",
                       mem >> 20);
        goto out;
    }
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(pt, &pt_len, NULL, ct, ct_len,
                                                   (const unsigned char *)text,
                                                   (size_t)(aad_end - text), nonce, key) != 0) {
        st = keys_fail(err, KEYS_EPASSPHRASE,
                       "the passphrase does not open this keystore (%s): a wrong passphrase, or "
                       "a damaged file",
                       path);
        goto out;
    }
    if (pt_len >= strlen(KS_MAGIC " 1\nencrypted ") &&
        memcmp(pt + strlen(KS_MAGIC " 1\n"), "encrypted ", 10) == 0) {
        st = keys_fail(err, KEYS_EKEYSTORE, "keystore %s: encrypted twice", path);
        goto out;
    }
    st = parse_plain(path, " (decrypted)", (const char *)pt, (size_t)pt_len, out, err);
out:
    sodium_memzero(key, sizeof key);
    free(ct);
    if (pt != NULL)
        sodium_free(pt);
    return st;
}

/* Reads at most KS_MAX_FILE bytes of fd into guarded memory. */
static enum keys_status
read_bounded(int fd, const char *path, char **out, size_t *out_len, struct keys_err *err)
{
    char *buf;
    size_t len = 0;
    ssize_t r;

    buf = sodium_malloc(KS_MAX_FILE + 1);
    if (buf == NULL)
        return keys_fail(err, KEYS_ENOMEM, "no guarded memory to read the keystore");
    for (;;) {
        r = read(fd, buf + len, KS_MAX_FILE + 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            sodium_free(buf);
            return io_fail(err, "read keystore", path);
        }
        if (r == 0)
            break;
        len += (size_t)r;
        if (len > KS_MAX_FILE) {
            sodium_free(buf);
            return keys_fail(err, KEYS_EKEYSTORE,
                             "keystore %s is larger than any keystore (%u KiB): is it the right "
                             "file?",
                             path, KS_MAX_FILE / 1024);
        }
    }
    *out = buf;
    *out_len = len;
    return KEYS_OK;
}

/* ssh's rule: a private key file is the caller's own regular file, closed to everyone else. */
static enum keys_status
check_owner_and_mode(const struct stat *sb, const char *path, struct keys_err *err)
{
    unsigned mode = (unsigned)(sb->st_mode & 07777);

    if (!S_ISREG(sb->st_mode))
        return keys_fail(err, KEYS_EPERM, "keystore %s is not a regular file", path);
    if (sb->st_uid != geteuid())
        return keys_fail(err, KEYS_EPERM,
                         "keystore %s belongs to user id %lu, not to you (user id %lu); a "
                         "keystore must be its user's own file",
                         path, (unsigned long)sb->st_uid, (unsigned long)geteuid());
    if ((mode & 077) != 0)
        return keys_fail(err, KEYS_EPERM,
                         "keystore %s is %s by group or others (mode %04o); run chmod 600 %s", path,
                         (mode & 044) != 0 ? "readable" : "writable", mode, path);
    return KEYS_OK;
}

enum keys_status
keys_keystore_load(const char *path, const char *passphrase, struct keys_keystore **out,
                   struct keys_err *err)
{
    struct keys_part f[6];
    struct ks_reader r;
    enum keys_status st;
    struct stat sb;
    const char *line;
    char *buf = NULL;
    size_t len = 0, n;
    int fd, nf;

    if (path == NULL || out == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_keystore_load: NULL argument");
    /* O_NONBLOCK: a FIFO in its place must not hang us; fstat then refuses it. */
    fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return io_fail(err, "open keystore", path);
    if (fstat(fd, &sb) != 0) {
        st = io_fail(err, "examine keystore", path);
        close(fd);
        return st;
    }
    st = check_owner_and_mode(&sb, path, err);
    if (st == KEYS_OK && sb.st_size > (off_t)KS_MAX_FILE)
        st = keys_fail(err, KEYS_EKEYSTORE,
                       "keystore %s is larger than any keystore (%u KiB): is it the right file?",
                       path, KS_MAX_FILE / 1024);
    if (st == KEYS_OK)
        st = read_bounded(fd, path, &buf, &len, err);
    close(fd);
    if (st != KEYS_OK)
        return st;
    if (memchr(buf, '\0', len) != NULL) {
        st = keys_fail(err, KEYS_EKEYSTORE,
                       "keystore %s holds a NUL byte: it is damaged, or not a keystore", path);
        goto out;
    }
    if (memchr(buf, '\r', len) != NULL) {
        st = keys_fail(err, KEYS_EKEYSTORE,
                       "keystore %s holds a carriage return, which baton never writes: was it "
                       "edited or converted to Windows line ends?",
                       path);
        goto out;
    }
    /* The first two lines tell the forms apart. */
    r = (struct ks_reader){buf, buf + len, path, "", 0};
    if (next_line(&r, &line, &n, KS_MAX_LINE, err) <= 0 || (nf = split(line, n, f, 2)) != 2 ||
        !is(&f[0], KS_MAGIC)) {
        st = keys_fail(err, KEYS_EKEYSTORE,
                       "%s is not a baton keystore (its first line is not '" KS_MAGIC " 1')", path);
        goto out;
    }
    if (!is(&f[1], "1")) {
        char q[KEYS_QUOTE_MAX + 4], v[KEYS_QUOTE_MAX + 1];

        n = f[1].len < KEYS_QUOTE_MAX ? f[1].len : KEYS_QUOTE_MAX;
        memcpy(v, f[1].p, n);
        v[n] = '\0';
        st = keys_fail(err, KEYS_EKEYSTORE,
                       "keystore %s is of version %s, which this baton (version %d) cannot read",
                       path, keys_quote(v, q), KS_VERSION);
        goto out;
    }
    if (r.end - r.p > 10 && memcmp(r.p, "encrypted ", 10) == 0) {
        if (next_line(&r, &line, &n, KS_MAX_LINE, err) <= 0) {
            st = KEYS_EKEYSTORE;
            goto out;
        }
        if (split(line, n, f, 6) != 6) {
            st = keys_fail(err, KEYS_EKEYSTORE,
                           "keystore %s, line 2: expected 'encrypted argon2id13 OPSLIMIT "
                           "MEMLIMIT SALT NONCE'",
                           path);
            goto out;
        }
        st = open_encrypted(path, buf, len, f, r.p, passphrase, out, err);
    } else {
        st = parse_plain(path, "", buf, len, out, err);
    }
out:
    sodium_free(buf);
    return st;
}
