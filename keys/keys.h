/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * keys: identity keys, the JOSE packet layer (sign, encrypt, open, receipts), and the loading of
 * the network directory and covenant. All cryptography comes from libsodium.
 *
 * keys/PACKETS.md specifies, byte by byte, what this library reads and writes.
 *
 * Library code: never prints, never exits. Every function that can fail returns an
 * enum keys_status and, when given a struct keys_err, fills it with a message for people.
 * Input from outside is refused with a status for which keys_status_is_refusal() is true ("the
 * peer sent garbage": log it, answer 4xx); the other statuses mean a bug, a broken machine or
 * no memory.
 */
#ifndef BATON_KEYS_H
#define BATON_KEYS_H

#include <stddef.h>

#include <jansson.h>

/* Size of one compact JWS or JWE that baton reads or writes. A handover form is a few KiB (forms
 * refuses more than 1 MiB); sealed, it grows by 4/3 twice (JWS inside JWE), so 4 MiB holds the
 * largest form with room to spare and stops a memory exhaustion attempt before any decoding. */
#define KEYS_MAX_PACKET (4u * 1024u * 1024u)
/* Size of a decoded protected header: alg, enc, kid, epk and a few routing fields need < 1 KiB. */
#define KEYS_MAX_HEADER (8u * 1024u)
/* A key id is the RFC 7638 thumbprint: base64url of a SHA-256 digest, 43 characters. */
#define KEYS_KID_LEN 43
/* Both Ed25519 and X25519 public keys, and both private keys (the Ed25519 seed), are 32 bytes. */
#define KEYS_KEY_BYTES 32

enum keys_status {
    KEYS_OK = 0,
    KEYS_EINIT,   /* libsodium could not be initialised */
    KEYS_ENOAES,  /* this CPU has no AES-NI: libsodium's AES-256-GCM is not available */
    KEYS_ENOMEM,  /* out of memory */
    KEYS_EINVAL,  /* the caller broke a function's contract (a bug in baton) */
    KEYS_ECRYPTO, /* libsodium failed where it cannot fail (a broken machine or build) */

    /* Refusals of input from outside; nothing was changed. */
    KEYS_ETOOBIG,   /* larger than a limit (KEYS_MAX_PACKET, KEYS_MAX_HEADER, a buffer) */
    KEYS_EBASE64,   /* not strict unpadded base64url (RFC 7515 section 2) */
    KEYS_EFORMAT,   /* not a compact serialization: wrong number of parts, wrong part lengths */
    KEYS_EHEADER,   /* protected header: not a JSON object, duplicate member, bad member */
    KEYS_EALG,      /* "alg" missing or not the one baton accepts ("none", "HS256" ...) */
    KEYS_EENC,      /* "enc" missing or not A256GCM */
    KEYS_ECRIT,     /* a "crit" header: baton understands no extension */
    KEYS_ETYP,      /* "typ" missing or not the kind of message the caller expects */
    KEYS_EKID,      /* "kid" missing, unknown, or not the recipient's key */
    KEYS_EJWK,      /* a JWK (or "epk") that is not a valid OKP key of the expected curve */
    KEYS_EENCKEY,   /* a JWE with a non-empty encrypted key part: ECDH-ES has none */
    KEYS_ELOWORDER, /* X25519 with a low-order point: the shared secret would be all zero */
    KEYS_EBADSIG,   /* the Ed25519 signature does not verify */
    KEYS_EDECRYPT,  /* AES-256-GCM authentication failed: wrong key or tampered packet */
};

struct keys_err {
    enum keys_status status;
    char text[256];
};

/* A short English name for a status ("bad signature", ...). Never NULL. */
const char *keys_status_name(enum keys_status st);

/* 1 when st refuses input from outside (KEYS_ETOOBIG .. KEYS_EDECRYPT), else 0. */
int keys_status_is_refusal(enum keys_status st);

/*
 * Initialises the cryptography once per process, before any other keys_ function: libsodium,
 * and the check that AES-256-GCM (needed by every packet, RFC 7518 "A256GCM") runs on this CPU.
 * Safe to call more than once. On error err says why; nothing else in keys may be used then.
 */
enum keys_status keys_init(struct keys_err *err);

/* ---- base64url without padding (RFC 7515 section 2) ---- */

/* Number of characters (without the NUL) that keys_b64url_encode writes for bin_len bytes. */
size_t keys_b64url_encoded_len(size_t bin_len);

/*
 * Writes the unpadded base64url encoding of bin[0..bin_len) and a NUL to out, which has room
 * for out_size bytes (at least keys_b64url_encoded_len(bin_len) + 1). KEYS_ETOOBIG (out
 * untouched) when it does not fit or bin_len exceeds KEYS_MAX_PACKET. bin may be NULL when
 * bin_len is 0.
 */
enum keys_status keys_b64url_encode(const unsigned char *bin, size_t bin_len, char *out,
                                    size_t out_size, struct keys_err *err);

/*
 * Decodes b64[0..b64_len) strictly: only the 64 characters A-Z a-z 0-9 - _, no padding '=', no
 * whitespace, no length of the form 4k+1, and the unused low bits of the last character zero, so
 * that every byte string has exactly one accepted encoding. what names the field in messages
 * ("JWS payload"). The result goes to out[0..out_max) and its length to *out_len.
 * KEYS_ETOOBIG when the result would exceed out_max or b64_len exceeds KEYS_MAX_PACKET,
 * KEYS_EBASE64 when not strict base64url; on error *out_len is untouched and out holds no data.
 */
enum keys_status keys_b64url_decode(const char *b64, size_t b64_len, unsigned char *out,
                                    size_t out_max, size_t *out_len, const char *what,
                                    struct keys_err *err);

/* ---- keys ---- */

/* A public key of either kind, with its RFC 7638 thumbprint as NUL-terminated kid. Plain data:
 * copy it freely. */
struct keys_pub {
    unsigned char key[KEYS_KEY_BYTES];
    char kid[KEYS_KID_LEN + 1];
};

/* An Ed25519 signing key pair. Its private part lives in sodium_malloc memory, read-only from
 * creation to keys_sign_key_free(). Opaque. */
struct keys_sign_key;

/* An X25519 encryption (key agreement) key pair, kept as keys_sign_key is. Opaque. */
struct keys_enc_key;

/* A new random signing key pair in *out (the caller frees it with keys_sign_key_free). On error
 * *out is untouched. */
enum keys_status keys_sign_key_generate(struct keys_sign_key **out, struct keys_err *err);

/* The signing key pair whose RFC 8032 private key (the 32-byte seed, JWK "d") is seed. The seed
 * is borrowed and not kept: the caller wipes its copy. On error *out is untouched. */
enum keys_status keys_sign_key_from_seed(const unsigned char seed[KEYS_KEY_BYTES],
                                         struct keys_sign_key **out, struct keys_err *err);

/* Copies the public key and kid of key into *out. */
void keys_sign_key_public(const struct keys_sign_key *key, struct keys_pub *out);

/* Wipes and frees key. NULL is allowed. */
void keys_sign_key_free(struct keys_sign_key *key);

/* A new random encryption key pair in *out (freed with keys_enc_key_free). On error *out is
 * untouched. */
enum keys_status keys_enc_key_generate(struct keys_enc_key **out, struct keys_err *err);

/* The encryption key pair whose X25519 private key (RFC 7748 scalar, JWK "d") is secret;
 * borrowed, not kept. On error *out is untouched. */
enum keys_status keys_enc_key_from_secret(const unsigned char secret[KEYS_KEY_BYTES],
                                          struct keys_enc_key **out, struct keys_err *err);

void keys_enc_key_public(const struct keys_enc_key *key, struct keys_pub *out);

/* Wipes and frees key. NULL is allowed. */
void keys_enc_key_free(struct keys_enc_key *key);

/* ---- JWK (RFC 7517, OKP keys of RFC 8037) and thumbprints (RFC 7638) ---- */

/*
 * The RFC 7638 thumbprint of jwk (borrowed): base64url(SHA-256(the required members of its kty,
 * sorted, as JSON without whitespace)), NUL-terminated in out. Knows the required members of
 * kty "OKP" (crv, kty, x), "EC" (crv, kty, x, y), "RSA" (e, kty, n) and "oct" (k, kty).
 * KEYS_EJWK when jwk is not an object, kty is unknown or a required member is missing or not a
 * string; out is untouched then.
 */
enum keys_status keys_jwk_thumbprint(const json_t *jwk, char out[KEYS_KID_LEN + 1],
                                     struct keys_err *err);

/*
 * A new public JWK for a signing key: {"alg":"EdDSA","crv":"Ed25519","kid":..,"kty":"OKP",
 * "use":"sig","x":..}. The caller owns *out (json_decref). On error *out is untouched.
 */
enum keys_status keys_sign_pub_to_jwk(const struct keys_pub *pub, json_t **out,
                                      struct keys_err *err);

/* As keys_sign_pub_to_jwk for an encryption key: alg "ECDH-ES", crv "X25519", use "enc". */
enum keys_status keys_enc_pub_to_jwk(const struct keys_pub *pub, json_t **out,
                                     struct keys_err *err);

/*
 * Reads a public signing key from jwk (borrowed): kty "OKP", crv "Ed25519", x the base64url of
 * 32 bytes that are a valid Ed25519 point of the prime-order subgroup. Members "alg" and "use",
 * when present, must be "EdDSA" and "sig"; "kid", when present, must equal the thumbprint.
 * A private key ("d") is refused. Other members are ignored. The kid of *out is the
 * thumbprint. KEYS_EJWK names the wrong member; *out is untouched on error.
 */
enum keys_status keys_sign_pub_from_jwk(const json_t *jwk, struct keys_pub *out,
                                        struct keys_err *err);

/* As keys_sign_pub_from_jwk for an encryption key: crv "X25519", alg "ECDH-ES", use "enc", and
 * x not one of the low-order points (KEYS_ELOWORDER). */
enum keys_status keys_enc_pub_from_jwk(const json_t *jwk, struct keys_pub *out,
                                       struct keys_err *err);

/* ---- JWS compact, alg EdDSA (RFC 7515, RFC 8037) ---- */

/*
 * Signs payload[0..payload_len) (payload may be NULL when payload_len is 0) with key. The
 * protected header is {"alg":"EdDSA","kid":<key's thumbprint>,"typ":typ}. typ names the kind of
 * message, so that one kind can never pass for another: 1 to 64 printable ASCII characters.
 * *out is a new NUL-terminated string (free()) of *out_len characters. On error *out and
 * *out_len are untouched; KEYS_ETOOBIG when the result would exceed KEYS_MAX_PACKET.
 */
enum keys_status keys_jws_sign(const struct keys_sign_key *key, const char *typ,
                               const unsigned char *payload, size_t payload_len, char **out,
                               size_t *out_len, struct keys_err *err);

/* How keys_jws_verify finds the signer's public key. */
struct keys_sign_lookup {
    /* Copies the public signing key whose thumbprint is kid into *out and returns 1, or returns
     * 0 when no such key is trusted. kid is NUL-terminated, at most KEYS_KID_LEN characters. */
    int (*find)(void *ctx, const char *kid, struct keys_pub *out);
    void *ctx;
};

struct keys_jws_verified {
    unsigned char *payload; /* payload_len bytes and a NUL after them; owned */
    size_t payload_len;
    json_t *header; /* the whole protected header; owned (one reference) */
    char kid[KEYS_KID_LEN + 1];
};

/*
 * Verifies the compact JWS jws[0..len) and, only if it is valid, fills *out (release it with
 * keys_jws_verified_clear). In order: len <= KEYS_MAX_PACKET; exactly three parts; each part
 * strict base64url; the header a JSON object (no duplicate members, valid UTF-8) of at most
 * KEYS_MAX_HEADER bytes; alg exactly "EdDSA"; no "crit" and no "b64"; typ exactly expected_typ;
 * kid a string that lookup knows; a 64-byte signature that Ed25519 verifies over the ASCII of
 * the first two parts with their dot. On error *out is untouched and err names what was wrong.
 */
enum keys_status keys_jws_verify(const char *jws, size_t len, const char *expected_typ,
                                 const struct keys_sign_lookup *lookup,
                                 struct keys_jws_verified *out, struct keys_err *err);

/* Wipes and frees what keys_jws_verify put in v, and zeroes v. NULL is allowed. */
void keys_jws_verified_clear(struct keys_jws_verified *v);

/* ---- JWE compact, alg ECDH-ES, enc A256GCM, epk X25519 (RFC 7516, 7518, 8037) ---- */

/*
 * Encrypts plaintext[0..plaintext_len) for the holder of the encryption key to: a fresh
 * ephemeral X25519 key pair, the Concat KDF of RFC 7518 section 4.6 over the shared secret, and
 * AES-256-GCM with a random 96-bit IV and the protected header as associated data. The header
 * holds alg, enc, kid (to's thumbprint), epk, and every member of extra (borrowed, may be NULL),
 * which must be a JSON object none of whose member names is one that JOSE or baton reserves
 * (alg enc kid epk crit zip apu apv jku jwk x5u x5c x5t x5t#S256 iv tag p2s p2c b64): routing
 * fields such as packet id, from, to, typ and cty. *out is a new NUL-terminated string (free())
 * of *out_len characters. On error *out and *out_len are untouched: KEYS_EINVAL for a bad extra,
 * KEYS_ETOOBIG when header or packet would exceed its limit, KEYS_ELOWORDER when to's key is a
 * low-order point.
 */
enum keys_status keys_jwe_encrypt(const struct keys_pub *to, const json_t *extra,
                                  const unsigned char *plaintext, size_t plaintext_len, char **out,
                                  size_t *out_len, struct keys_err *err);

struct keys_jwe_opened {
    unsigned char *plaintext; /* plaintext_len bytes and a NUL after them; owned */
    size_t plaintext_len;
    json_t *header; /* the whole protected header, routing fields included; owned */
};

/*
 * Decrypts the compact JWE jwe[0..len) with key and, only if it authenticates, fills *out
 * (release with keys_jwe_opened_clear). In order: len <= KEYS_MAX_PACKET; exactly five parts;
 * the encrypted key part empty; each part strict base64url; the header a JSON object of at most
 * KEYS_MAX_HEADER bytes; alg exactly "ECDH-ES"; enc exactly "A256GCM"; no crit, zip, apu or apv;
 * kid equal to key's thumbprint; epk an OKP X25519 public JWK with a 32-byte x and no d; IV 12
 * and tag 16 bytes; epk not low-order; the tag verifies. On error *out is untouched.
 */
enum keys_status keys_jwe_decrypt(const struct keys_enc_key *key, const char *jwe, size_t len,
                                  struct keys_jwe_opened *out, struct keys_err *err);

/* Wipes and frees what keys_jwe_decrypt put in o, and zeroes o. NULL is allowed. */
void keys_jwe_opened_clear(struct keys_jwe_opened *o);

#endif
