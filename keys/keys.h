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
#include <time.h>

#include <jansson.h>

#include "forms.h"

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
    KEYS_EEXPIRED,  /* a key or document outside its validity period */
    KEYS_ESCHEMA,   /* a document (directory, covenant, claims, form) that its schema refuses */
    KEYS_EUNSIGNED, /* a document that must be signed is not a JWS at all */
    KEYS_ENOTFORUS, /* addressed to another organisation */
    KEYS_EFROM,     /* the "from" claim is not the organisation that owns the signing key */
    KEYS_ECLAIMS,   /* claims missing, of the wrong kind, or inconsistent with the header */

    /* Local trouble that the user can fix; nothing was changed. */
    KEYS_EIO,         /* a file could not be read or written */
    KEYS_EPERM,       /* a keystore that group or others may read, as ssh refuses */
    KEYS_EPASSPHRASE, /* the keystore's passphrase is wrong or missing */
    KEYS_EKEYSTORE,   /* a keystore file that is damaged or of an unknown version */
};

struct keys_err {
    enum keys_status status;
    char text[256];
};

/* A short English name for a status ("bad signature", ...). Never NULL. */
const char *keys_status_name(enum keys_status st);

/* 1 when st refuses input from outside (KEYS_ETOOBIG .. KEYS_ECLAIMS), else 0. */
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
 * Table-driven, for what is public or travels encrypted (packets, signatures, ciphertexts, public
 * keys): its time depends on the characters. Secret keys are decoded in constant time
 * (keys_b64url_decode_secret in keys_int.h).
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

/* ---- time: RFC 3339 date-times, as the directory, covenant and keystore write them ---- */

/* Characters of the UTC form "YYYY-MM-DDTHH:MM:SSZ" that keys_time_format writes. */
#define KEYS_TIME_LEN 20

/* Writes t as "YYYY-MM-DDTHH:MM:SSZ" (UTC) and a NUL to out. Years outside 0000..9999 are
 * clamped to the first or last second of that range. */
void keys_time_format(time_t t, char out[KEYS_TIME_LEN + 1]);

/*
 * Reads an RFC 3339 date-time "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)" (T and Z in
 * either case; the fraction is dropped; a leap second :60 counts as the next second) into *out,
 * seconds since the epoch. what names the field in messages ("validFrom"). KEYS_EFORMAT (*out
 * untouched) for anything else, including a date that does not exist (2025-02-29).
 */
enum keys_status keys_time_parse(const char *s, time_t *out, const char *what,
                                 struct keys_err *err);

/* ---- identity and keystore ---- */

#define KEYS_OIN_LEN 20 /* Organisatie-identificatienummer: 20 digits */

/* Who an organisation is, as the directory lists it. Plain data. */
struct keys_identity {
    char oin[KEYS_OIN_LEN + 1];
    char name[128];
    char role[16];      /* school, municipality, uwv, rmc, jobcoach or coordinator */
    char endpoint[256]; /* https URL of its batond peer endpoint */
};

/*
 * Checks id as the directory schema will: oin exactly 20 digits; name 1 to 127 bytes of UTF-8
 * without control characters; role one of the six; endpoint "https://HOST[:PORT][/PATH]" with
 * HOST a DNS name, an IPv4 address or a bracketed IPv6 address (the schema's pattern). KEYS_EINVAL
 * with a message that names the field and what it must be.
 */
enum keys_status keys_identity_check(const struct keys_identity *id, struct keys_err *err);

/* Which job a key does: signing (JWK "use": "sig") or encryption (key agreement, "enc"). */
enum keys_use {
    KEYS_USE_SIG = 0,
    KEYS_USE_ENC = 1,
};

/*
 * An organisation's private keys: one or more Ed25519 signing and X25519 encryption key pairs,
 * each with a validity period (more than one during a rotation, so that old packets still open),
 * and the TLS key with its self-signed certificate. Opaque; private parts in sodium_malloc memory.
 */
struct keys_keystore;

/*
 * A new keystore for id (borrowed, copied): one signing and one encryption key pair valid from
 * valid_from until valid_until, and a TLS key (Ed25519) with a self-signed X.509 certificate
 * for the endpoint's host name. On error *out is untouched.
 */
enum keys_status keys_keystore_create(const struct keys_identity *id, time_t valid_from,
                                      time_t valid_until, struct keys_keystore **out,
                                      struct keys_err *err);

/*
 * Writes ks to path with mode 0600, atomically (a temporary file in the same folder, fsync,
 * rename). passphrase NULL writes it unencrypted; otherwise (not empty: KEYS_EINVAL) it is
 * encrypted with XChaCha20-Poly1305 under a key derived by Argon2id (crypto_pwhash, libsodium's
 * MODERATE cost). An existing file is replaced only when replace is non-zero (else KEYS_EIO,
 * "already exists"). On error no file at path was changed. keys/PACKETS.md gives the format.
 */
enum keys_status keys_keystore_save(const struct keys_keystore *ks, const char *path,
                                    const char *passphrase, int replace, struct keys_err *err);

/*
 * Reads the keystore at path. Refuses (KEYS_EPERM) a file that group or others may read or
 * write, or that is not a regular file owned by the caller; KEYS_EPASSPHRASE when it is encrypted
 * and passphrase is NULL or wrong (or the encrypted text was altered: the two cannot be told
 * apart); KEYS_EKEYSTORE when it is damaged; KEYS_EIO when it cannot be read. A passphrase given
 * for an unencrypted keystore is not needed and ignored. On error *out is untouched.
 */
enum keys_status keys_keystore_load(const char *path, const char *passphrase,
                                    struct keys_keystore **out, struct keys_err *err);

/* Wipes and frees ks. NULL is allowed. */
void keys_keystore_free(struct keys_keystore *ks);

/* The organisation the keystore belongs to (borrowed from ks). */
const struct keys_identity *keys_keystore_identity(const struct keys_keystore *ks);

/*
 * Key rotation: adds a new key pair for use, valid from valid_from until valid_until. The
 * existing pairs stay, so that what was sealed to or signed with them still opens and verifies.
 * KEYS_EINVAL when the period ends before it starts; KEYS_ETOOBIG when ks holds 8 pairs for use
 * already (two uses fill the 16 keys that a directory entry may list).
 */
enum keys_status keys_keystore_rotate(struct keys_keystore *ks, enum keys_use use,
                                      time_t valid_from, time_t valid_until, struct keys_err *err);

/* The signing key to sign with at time now: of those valid at now (validFrom <= now <=
 * validUntil), the one that became valid last. NULL when none is valid at now. Borrowed from ks. */
const struct keys_sign_key *keys_keystore_signer(const struct keys_keystore *ks, time_t now);

/* The encryption key pair whose thumbprint is kid, whatever its validity (old packets must still
 * open). NULL when ks has none. Borrowed from ks. */
const struct keys_enc_key *keys_keystore_enc_key(const struct keys_keystore *ks, const char *kid);

/*
 * The organisation's public entry for the network directory, as the directory schema
 * (urn:baton:directory:1) describes one organisation: oin, name, role, endpoint, jwks (every key
 * as a public JWK with kid, use, alg and its validFrom/validUntil) and tls_pin. New reference.
 */
enum keys_status keys_keystore_public_entry(const struct keys_keystore *ks, json_t **out,
                                            struct keys_err *err);

/* The TLS certificate (PEM, borrowed) and its key pin "sha256//<base64 of the SHA-256 of the
 * SubjectPublicKeyInfo>", the value libcurl's CURLOPT_PINNEDPUBLICKEY takes (borrowed). */
const char *keys_keystore_tls_cert_pem(const struct keys_keystore *ks);
const char *keys_keystore_tls_pin(const struct keys_keystore *ks);

/*
 * The TLS private key as PEM ("-----BEGIN PRIVATE KEY-----", PKCS #8 of RFC 8410), for
 * libmicrohttpd's MHD_OPTION_HTTPS_MEM_KEY and GnuTLS: *pem is a NUL-terminated string of *len
 * characters in sodium_malloc memory, which the caller releases with keys_secret_free. On error
 * *pem and *len are untouched.
 */
enum keys_status keys_keystore_tls_key_pem(const struct keys_keystore *ks, char **pem, size_t *len,
                                           struct keys_err *err);

/*
 * A 32-byte key for one local purpose (1 to 8 characters, e.g. "store": batond's store key),
 * derived with crypto_kdf_derive_from_key (BLAKE2b) from the keystore's FIRST encryption key,
 * the one it was made with: rotation adds keys and keeps the old ones (packets sealed to them
 * must still open), so the derived key stays the same for the keystore's life. Another keystore
 * (not a rotation of this one) derives another key. out should be guarded memory; the caller wipes
 * it. KEYS_EINVAL for a bad purpose or a keystore without encryption key; out untouched on error.
 */
enum keys_status keys_keystore_derive_key(const struct keys_keystore *ks, const char *purpose,
                                          unsigned char out[KEYS_KEY_BYTES], struct keys_err *err);

/* Wipes and frees a secret that keys handed out in sodium_malloc memory. NULL is allowed. */
void keys_secret_free(void *secret);

/* ---- signed network documents: the directory and the covenant ---- */

/* The JWS "typ" of each signed document and message kind; every verifier checks it. */
#define KEYS_TYP_DIRECTORY "baton-directory+jws"
#define KEYS_TYP_COVENANT "baton-covenant+jws"
#define KEYS_TYP_PACKET "baton-packet+jws"         /* the signed claims inside a packet */
#define KEYS_TYP_RECEIPT "baton-receipt+jws"       /* "your packet arrived" */
#define KEYS_TYP_ACCEPTANCE "baton-acceptance+jws" /* "we have taken the young person over" */
#define KEYS_TYP_REJECTION "baton-rejection+jws"   /* "we do not take over, because ..." */
#define KEYS_TYP_STATUS "baton-status+jws"         /* follow-up status on a handover */
#define KEYS_TYP_WITHDRAWAL "baton-withdrawal+jws" /* consent withdrawn: erase what you got */
/* "we restricted what we got under the withdrawn consent and will erase it" */
#define KEYS_TYP_WITHDRAWAL_CONFIRMATION "baton-withdrawal-confirmation+jws"
/* The outer JWE of a packet: its "typ", and "cty" (what it encrypts) is KEYS_TYP_PACKET. */
#define KEYS_TYP_SEALED "baton-packet+jwe"

/*
 * Signs doc (borrowed), a directory or covenant (which one its "$schema" member says), with the
 * regional coordinator's signing key, after validating it against its schema in cat: the result
 * is a compact JWS with typ KEYS_TYP_DIRECTORY or KEYS_TYP_COVENANT. *out: new string, free().
 */
enum keys_status keys_document_sign(const struct keys_sign_key *coordinator,
                                    const struct forms_catalogue *cat, const json_t *doc,
                                    char **out, size_t *out_len, struct keys_err *err);

/*
 * Verifies a signed directory or covenant jws[0..len) of the kind typ names: KEYS_EUNSIGNED when
 * it is not a JWS at all (a plain JSON document), the JWS checks of keys_jws_verify against the
 * coordinator's keys coordinators[0..n_coordinators) (any of them: more than one while the
 * coordinator rotates its key; KEYS_EKID when signed by another key, KEYS_EBADSIG when altered),
 * then the payload against its schema in cat (KEYS_ESCHEMA with the first error), then its
 * validity period at time now (KEYS_EEXPIRED). A directory must also be loadable (as
 * keys_directory_load). White space around jws is ignored. On success *out is the document (new
 * reference); on error *out is untouched. keys/PACKETS.md ("Signed directory and covenant")
 * lists the checks in order.
 */
enum keys_status keys_document_verify(const char *jws, size_t len, const char *typ,
                                      const struct keys_pub *coordinators, size_t n_coordinators,
                                      const struct forms_catalogue *cat, time_t now, json_t **out,
                                      struct keys_err *err);

/*
 * The validity check of keys_document_verify alone, on a document it returned earlier (typ as
 * given to it): KEYS_EEXPIRED with the same explanation when now is outside its period. For a
 * daemon that verified the signature once at load and asks again for every form.
 */
enum keys_status keys_document_within(const json_t *doc, const char *typ, time_t now,
                                      struct keys_err *err);

/*
 * Reads the regional coordinator's public signing keys from the file at path: one public JWK, a
 * JWK Set {"keys": [...]}, or an organisation's directory entry (what 'baton keygen' writes as
 * entry.json, whose "jwks" holds its keys). The Ed25519 signing keys of a set are taken (each
 * read as keys_sign_pub_from_jwk; validFrom/validUntil are not looked at), encryption keys
 * skipped. Refuses a file with a private key (member "d") anywhere (KEYS_EJWK), with no signing
 * key (KEYS_EJWK) or with more than max (KEYS_ETOOBIG); KEYS_EIO when it cannot be read. On
 * success out[0..*n) holds the keys; on error *n is untouched.
 */
enum keys_status keys_sign_pub_read_file(const char *path, struct keys_pub *out, size_t max,
                                         size_t *n, struct keys_err *err);

/* A verified network directory, indexed for look-ups. Opaque. */
struct keys_directory;

/* One member organisation of the directory; strings borrowed from the directory. */
struct keys_member {
    const char *oin;
    const char *name;
    const char *role;
    const char *endpoint;
    const char *tls_pin;
};

/*
 * Loads a signed directory: keys_document_verify with typ KEYS_TYP_DIRECTORY, then indexes its
 * members and keys (each key's JWK read with keys_sign_pub_from_jwk / keys_enc_pub_from_jwk;
 * KEYS_ESCHEMA when an OIN, a kid or a TLS pin is listed twice, or a key's validUntil is before
 * its validFrom). On error *out is untouched and err says which check refused it. The directory
 * is read-only once loaded: look-ups may run in any number of threads at once.
 */
enum keys_status keys_directory_load(const char *jws, size_t len,
                                     const struct keys_pub *coordinators, size_t n_coordinators,
                                     const struct forms_catalogue *cat, time_t now,
                                     struct keys_directory **out, struct keys_err *err);

void keys_directory_free(struct keys_directory *dir);

/* The member with that OIN, or NULL. */
const struct keys_member *keys_directory_member(const struct keys_directory *dir, const char *oin);

/* The member and public signing key whose thumbprint is kid: KEYS_EKID when no member has it,
 * KEYS_EEXPIRED when the key is not valid at time at. *owner and *out untouched on error. */
enum keys_status keys_directory_signing_key(const struct keys_directory *dir, const char *kid,
                                            time_t at, const struct keys_member **owner,
                                            struct keys_pub *out, struct keys_err *err);

/* The encryption key to seal for member oin at time at: of its encryption keys valid at at, the
 * one that became valid last. KEYS_EKID when oin is unknown or has none valid at at. */
enum keys_status keys_directory_encryption_key(const struct keys_directory *dir, const char *oin,
                                               time_t at, struct keys_pub *out,
                                               struct keys_err *err);

/* ---- packets: signed claims encrypted for one recipient; receipts and notices ---- */

/* keys/PACKETS.md section 9 specifies every member and every check. A packet is a compact JWE
 * (typ KEYS_TYP_SEALED) for the recipient's encryption key whose plaintext is a compact JWS
 * (typ KEYS_TYP_PACKET) by the sender over the claims, the form among them. */

#define KEYS_UUID_LEN 36   /* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", lower-case hex */
#define KEYS_SHA256_LEN 32 /* bytes of a SHA-256 digest; in claims, 43 base64url characters */
/* How far a sender's clock may run ahead of ours: an "iat" later than now plus this is refused. */
#define KEYS_CLOCK_SKEW_S 300

/* The legal basis for sharing (GDPR article 6(1)(a), (c), (e)); the claim is its name. */
enum keys_basis {
    KEYS_BASIS_CONSENT = 1,          /* "consent": needs a consent reference */
    KEYS_BASIS_LEGAL_OBLIGATION = 2, /* "legal-obligation": needs the law */
    KEYS_BASIS_PUBLIC_TASK = 3,      /* "public-task": needs the law that gives the task */
};

/* "consent", "legal-obligation", "public-task"; NULL for anything else. */
const char *keys_basis_name(enum keys_basis b);

/* The basis named name; 0 (with *out untouched) when name is none of the three. */
int keys_basis_from_name(const char *name, enum keys_basis *out);

/* What a sender states when it seals a form. Everything borrowed. */
struct keys_packet_params {
    const char *to;          /* the recipient's OIN */
    const char *purpose;     /* a covenant purpose code, ^[a-z][a-z0-9-]{1,63}$ */
    enum keys_basis basis;   /* the legal basis */
    const char *law;         /* legal-obligation, public-task: the law (article) or task,
                                1 to 500 bytes; consent: NULL */
    const char *consent_id;  /* consent: the consent record's record_id (a UUID); else NULL */
    const char *covenant_id; /* the covenant the sender works under: its "id" ... */
    const unsigned char *covenant_sha256; /* ... and the SHA-256 of its signed JWS (32 bytes) */
    const json_t *form;                   /* the (minimised) form, with its "$schema" */
};

/* How the packet layer finds keys. Both callbacks are the caller's; ctx is passed to them. */
struct keys_trust {
    /* Our encryption key pair whose thumbprint is kid, whatever its validity, or NULL. Only
     * keys_packet_open needs it; may be NULL elsewhere. */
    const struct keys_enc_key *(*enc_key)(void *ctx, const char *kid);
    /* The public signing key whose thumbprint is kid into *out and its owner's OIN into owner,
     * if valid at time at: KEYS_OK, or KEYS_EKID (unknown) or KEYS_EEXPIRED (outside its
     * validity) with err saying so; out and owner untouched then. */
    enum keys_status (*signing_key)(void *ctx, const char *kid, time_t at,
                                    char owner[KEYS_OIN_LEN + 1], struct keys_pub *out,
                                    struct keys_err *err);
    void *ctx;
};

/* An opened packet: its verified claims. Release with keys_packet_clear. */
struct keys_packet {
    json_t *claims;          /* the claims object; owned. Every pointer below borrows it. */
    const char *id;          /* "jti": the packet id (a UUID) */
    const char *from;        /* "iss": the sender's OIN, owner of the signing key */
    const char *to;          /* "aud": the recipient's OIN, ours */
    time_t issued_at;        /* "iat" */
    const char *form_type;   /* "form_type": the form's "$schema", e.g. ...handover:1 */
    const char *purpose;     /* "purpose" */
    enum keys_basis basis;   /* "basis" */
    const char *law;         /* "law", or NULL (basis consent) */
    const char *consent_id;  /* "consent"."id", or NULL (other bases) */
    const char *covenant_id; /* "covenant"."id" */
    unsigned char covenant_sha256[KEYS_SHA256_LEN]; /* "covenant"."sha256", decoded */
    const json_t *form;                             /* "form" */
    char signer_kid[KEYS_KID_LEN + 1];              /* the sender's signing key */
    char enc_kid[KEYS_KID_LEN + 1];                 /* our encryption key that opened it */
    unsigned char sha256[KEYS_SHA256_LEN]; /* SHA-256 of the packet's bytes, for the receipt */
};

/* Releases what keys_packet_open put in p and zeroes p. NULL is allowed. */
void keys_packet_clear(struct keys_packet *p);

/*
 * Seals a form: checks the parameters and validates the form against its schema in cat (the one
 * its "$schema" names, a catalogue form "urn:baton:form:..."), builds the claims with a new
 * random packet id (UUID v4) and iat = now, signs them with signer as the organisation from
 * (OIN), and encrypts the JWS for the recipient's encryption key to_key (whose kid the outer header
 * carries), with the packet id, from and to replicated in the protected header. *out is a new
 * NUL-terminated string (free()) of *out_len characters and id (may be NULL) the packet id. On
 * error nothing is written: KEYS_EINVAL names a bad parameter, KEYS_ESCHEMA the form's first
 * error (the caller that wants them all runs forms_validate first), KEYS_ETOOBIG a form too big.
 */
enum keys_status keys_packet_seal(const struct keys_sign_key *signer, const char *from,
                                  const struct keys_pub *to_key, const struct forms_catalogue *cat,
                                  const struct keys_packet_params *p, time_t now, char **out,
                                  size_t *out_len, char id[KEYS_UUID_LEN + 1],
                                  struct keys_err *err);

/*
 * Opens packet[0..len) for the organisation us (OIN) at time now and, only if every check passes,
 * fills *out (release with keys_packet_clear). The checks, in the order of keys/PACKETS.md 9.5:
 * the outer JWE's form and profile, its kid one of ours (trust->enc_key), its typ, cty and
 * routing members, "aud" us; decryption; the inner JWS with typ KEYS_TYP_PACKET signed by a key
 * that trust->signing_key knows and that was valid at the claimed "iat"; the claims' members and
 * types; "iss" the key's owner (KEYS_EFROM); inner "aud" us (KEYS_ENOTFORUS, also for a packet
 * re-encrypted for us by someone who opened it); outer routing equal to the claims
 * (KEYS_ECLAIMS); "iat" not later than now + KEYS_CLOCK_SKEW_S; the form valid against its schema
 * in cat (KEYS_ESCHEMA). On error *out is untouched and err names the first check that failed.
 */
enum keys_status keys_packet_open(const struct keys_trust *trust, const char *us,
                                  const struct forms_catalogue *cat, time_t now, const char *packet,
                                  size_t len, struct keys_packet *out, struct keys_err *err);

/* keys_packet_seal as the keystore's organisation, with its signing key valid at now, for the
 * directory's member p->to and its encryption key valid at now. Refuses (KEYS_EKID) when the
 * keystore has no signing key valid now, the directory does not list it as ours, or does not know
 * the recipient. */
enum keys_status keys_packet_seal_local(const struct keys_keystore *ks,
                                        const struct keys_directory *dir,
                                        const struct forms_catalogue *cat,
                                        const struct keys_packet_params *p, time_t now, char **out,
                                        size_t *out_len, char id[KEYS_UUID_LEN + 1],
                                        struct keys_err *err);

/* keys_packet_open for the keystore's organisation: its encryption keys, the directory's
 * signing keys. */
enum keys_status keys_packet_open_local(const struct keys_keystore *ks,
                                        const struct keys_directory *dir,
                                        const struct forms_catalogue *cat, time_t now,
                                        const char *packet, size_t len, struct keys_packet *out,
                                        struct keys_err *err);

/* What anyone can read of a packet without a key: its protected header. */
struct keys_packet_header {
    json_t *header;             /* the outer protected header; owned */
    const char *id, *from, *to; /* its "jti", "iss", "aud" (borrowed from header) */
    const char *kid;            /* the recipient's encryption key */
    size_t ciphertext_len;      /* bytes of encrypted content */
};

/*
 * Reads the outer header of packet[0..len) without decrypting: the form, the profile (alg, enc,
 * no crit ...), typ, cty, kid, and the routing members jti, iss and aud as a packet must have
 * them. Nothing is authenticated: the recipient's keys_packet_open decides. On error *out is
 * untouched.
 */
enum keys_status keys_packet_inspect(const char *packet, size_t len, struct keys_packet_header *out,
                                     struct keys_err *err);

/* Releases what keys_packet_inspect put in h and zeroes h. NULL is allowed. */
void keys_packet_header_clear(struct keys_packet_header *h);

/* A verified receipt or notice (acceptance, rejection, status, withdrawal): a JWS by its issuer
 * over claims that name the packet it is about by id and digest. Release with
 * keys_notice_clear. */
struct keys_notice {
    json_t *claims;        /* owned; the pointers below borrow it */
    const char *typ;       /* which kind (KEYS_TYP_RECEIPT ...): static storage */
    const char *id;        /* "jti": this notice's own id */
    const char *from;      /* "iss": the issuer's OIN, owner of the signing key */
    const char *to;        /* "aud": the OIN it is addressed to */
    time_t issued_at;      /* "iat": for a receipt, when the packet was received */
    const char *packet_id; /* "packet"."id" */
    unsigned char packet_sha256[KEYS_SHA256_LEN]; /* "packet"."sha256", decoded */
    char signer_kid[KEYS_KID_LEN + 1];
    /* "checkpoint": the issuer's latest signed audit checkpoint (a compact JWS, not verified
     * here: keys_checkpoint_verify), or NULL when the notice carries none */
    const char *checkpoint;
};

void keys_notice_clear(struct keys_notice *n);

/*
 * Signs a notice of kind typ (KEYS_TYP_RECEIPT, _ACCEPTANCE, _REJECTION, _STATUS or _WITHDRAWAL)
 * from organisation from to organisation to about the packet packet_id whose bytes have the
 * SHA-256 packet_sha256, with a new random id and iat = now. extra (borrowed, may be NULL) holds
 * the kind's own members, which may not be jti, iss, aud, iat or packet (KEYS_EINVAL); a receipt
 * has none but "checkpoint". Every kind may carry "checkpoint", the issuer's latest audit
 * checkpoint (a string of the form of a compact JWS of at most KEYS_MAX_CHECKPOINT characters:
 * KEYS_EINVAL otherwise). *out: a new string (free()) of *out_len characters; untouched on error.
 */
enum keys_status keys_notice_sign(const struct keys_sign_key *signer, const char *typ,
                                  const char *from, const char *to, const char *packet_id,
                                  const unsigned char packet_sha256[KEYS_SHA256_LEN],
                                  const json_t *extra, time_t now, char **out, size_t *out_len,
                                  struct keys_err *err);

/*
 * Verifies a notice jws[0..len) of kind typ: the JWS checks with typ, a key that
 * trust->signing_key knows and that was valid at the claimed "iat"; the common members and their
 * types (a receipt has no others but "checkpoint": KEYS_ECLAIMS); "checkpoint", when present, a
 * string (KEYS_ECLAIMS otherwise), handed out in out->checkpoint unverified; "iss" the key's owner
 * (KEYS_EFROM); "iat" not later than now + KEYS_CLOCK_SKEW_S. The kind's own members are left to
 * the caller. On error *out is untouched.
 */
enum keys_status keys_notice_verify(const struct keys_trust *trust, const char *typ,
                                    const char *jws, size_t len, time_t now,
                                    struct keys_notice *out, struct keys_err *err);

/*
 * Checks that the verified notice n is about packet[0..len): its digest is the SHA-256 of those
 * exact bytes (KEYS_ECLAIMS otherwise), its packet id is the packet's "jti", and its parties are
 * the packet's: a withdrawal goes the packet's way (from its sender to its recipient), every other
 * kind answers it (from its recipient to its sender). The packet's outer header is read as
 * keys_packet_inspect does, so the sender, who cannot decrypt its own packet, can check.
 */
enum keys_status keys_notice_answers(const struct keys_notice *n, const char *packet, size_t len,
                                     struct keys_err *err);

/* The receipt for an opened packet: keys_notice_sign with KEYS_TYP_RECEIPT from the packet's
 * recipient to its sender, over its id and digest. */
enum keys_status keys_receipt_sign(const struct keys_sign_key *signer, const struct keys_packet *p,
                                   time_t now, char **out, size_t *out_len, struct keys_err *err);

/* As keys_receipt_sign with the keystore's signing key valid at now (KEYS_EKID when none is). */
enum keys_status keys_receipt_sign_local(const struct keys_keystore *ks,
                                         const struct keys_packet *p, time_t now, char **out,
                                         size_t *out_len, struct keys_err *err);

/* As keys_receipt_sign, carrying checkpoint (borrowed; NULL: none), the issuer's latest signed
 * audit checkpoint, in the claim "checkpoint" (keys_notice_sign says what it must look like). */
enum keys_status keys_receipt_sign_with(const struct keys_sign_key *signer,
                                        const struct keys_packet *p, const char *checkpoint,
                                        time_t now, char **out, size_t *out_len,
                                        struct keys_err *err);

/* As keys_receipt_sign_local, carrying checkpoint as keys_receipt_sign_with does. */
enum keys_status keys_receipt_sign_local_with(const struct keys_keystore *ks,
                                              const struct keys_packet *p, const char *checkpoint,
                                              time_t now, char **out, size_t *out_len,
                                              struct keys_err *err);

/* keys_notice_verify with KEYS_TYP_RECEIPT, then keys_notice_answers for packet[0..len). */
enum keys_status keys_receipt_verify(const struct keys_trust *trust, const char *jws, size_t len,
                                     const char *packet, size_t packet_len, time_t now,
                                     struct keys_notice *out, struct keys_err *err);

/* keys_receipt_verify with the directory's signing keys. */
enum keys_status keys_receipt_verify_local(const struct keys_directory *dir, const char *jws,
                                           size_t len, const char *packet, size_t packet_len,
                                           time_t now, struct keys_notice *out,
                                           struct keys_err *err);

/* ---- audit checkpoints ---- */

#define KEYS_TYP_CHECKPOINT "baton-checkpoint+jws" /* "my audit chain held this" */
/* Size of a checkpoint JWS: its header and four claims make about 380 characters; what is larger
 * is not one. */
#define KEYS_MAX_CHECKPOINT 2048u

/* A signed checkpoint of an organisation's audit chain: after size entries its head hash was
 * head (daemon/store.h, store_audit_hash), at time at. Plain data. */
struct keys_checkpoint {
    char iss[KEYS_OIN_LEN + 1];          /* "iss": the organisation whose chain it is */
    long long size;                      /* "size": the number of entries, at least 1 */
    unsigned char head[KEYS_SHA256_LEN]; /* "head" (base64url): the chain hash of entry size */
    time_t at;                           /* "iat": when it was signed */
};

/*
 * Signs cp (borrowed; cp->iss must be the keystore's organisation) with the keystore's signing
 * key valid at cp->at: a JWS compact with typ KEYS_TYP_CHECKPOINT and the claims "iss", "size",
 * "head" and "iat", nothing else. *out: a new malloc'd NUL-terminated string of *out_len
 * characters. KEYS_EINVAL for a bad cp, KEYS_EKID when no signing key is valid then; on error
 * *out is untouched.
 */
enum keys_status keys_checkpoint_sign(const struct keys_keystore *ks,
                                      const struct keys_checkpoint *cp, char **out, size_t *out_len,
                                      struct keys_err *err);

/*
 * Verifies a checkpoint jws[0..len): at most KEYS_MAX_CHECKPOINT characters (KEYS_ETOOBIG), typ
 * KEYS_TYP_CHECKPOINT (KEYS_ETYP), signed by a signing key of the organisation "iss" names
 * (trust->signing_key; the key must be valid at "iat": KEYS_EEXPIRED; another owner: KEYS_EFROM),
 * exactly the four claims with size >= 1 and a 32-byte head (KEYS_ECLAIMS). There is no "now": a
 * checkpoint signed while its key was valid verifies later too (keys/PACKETS.md 9.10). On success
 * *out is filled; untouched on error.
 */
enum keys_status keys_checkpoint_verify(const struct keys_trust *trust, const char *jws, size_t len,
                                        struct keys_checkpoint *out, struct keys_err *err);

#endif
