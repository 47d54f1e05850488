/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * Internal to keys/: the primitives under the packet layer, shared by its files and exposed to
 * the unit tests (tests/unit/test_wycheproof.c runs the Wycheproof vectors through exactly these
 * wrappers). Not part of the library's interface.
 */
#ifndef BATON_KEYS_INT_H
#define BATON_KEYS_INT_H

#include <stddef.h>

#include "keys.h"

#define KEYS_ED25519_SIG_BYTES 64
#define KEYS_GCM_KEY_BYTES 32
#define KEYS_GCM_IV_BYTES 12 /* the 96-bit IV that RFC 7518 section 5.3 requires */
#define KEYS_GCM_TAG_BYTES 16
/* Longest text of a peer's value quoted in a message, so that a hostile header cannot fill (or
 * inject lines into) a log. */
#define KEYS_QUOTE_MAX 48

struct keys_sign_key {
    unsigned char sk[64]; /* libsodium's Ed25519 secret key: seed || public key */
    struct keys_pub pub;
};

struct keys_enc_key {
    unsigned char sk[KEYS_KEY_BYTES];
    struct keys_pub pub;
};

/* Fills err (when not NULL) and returns st. */
enum keys_status keys_fail(struct keys_err *err, enum keys_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Copies up to KEYS_QUOTE_MAX characters of s into out (KEYS_QUOTE_MAX + 4 bytes), printable
 * ASCII only (others become '?'), with "..." when cut; for quoting a peer's values. */
const char *keys_quote(const char *s, char out[KEYS_QUOTE_MAX + 4]);

/* As keys_b64url_decode into a new malloc'd buffer of *out_len bytes plus a NUL (so that text
 * can be used as a C string); max bounds the decoded length. */
enum keys_status keys_b64url_decode_alloc(const char *b64, size_t b64_len, size_t max,
                                          unsigned char **out, size_t *out_len, const char *what,
                                          struct keys_err *err);

/* A new malloc'd NUL-terminated base64url encoding of bin, length in *out_len (may be NULL). */
enum keys_status keys_b64url_encode_alloc(const unsigned char *bin, size_t bin_len, char **out,
                                          size_t *out_len, struct keys_err *err);

/* Ed25519 (RFC 8032) verification of sig[0..sig_len) over msg: KEYS_OK or KEYS_EBADSIG (also
 * for a signature that is not 64 bytes). libsodium refuses non-canonical S, small-order R and A. */
enum keys_status keys_ed25519_verify(const unsigned char pk[KEYS_KEY_BYTES],
                                     const unsigned char *msg, size_t msg_len,
                                     const unsigned char *sig, size_t sig_len,
                                     struct keys_err *err);

/* Ed25519 signature of msg with key into sig. */
enum keys_status keys_ed25519_sign(const struct keys_sign_key *key, const unsigned char *msg,
                                   size_t msg_len, unsigned char sig[KEYS_ED25519_SIG_BYTES],
                                   struct keys_err *err);

/* X25519 (RFC 7748) of the private scalar sk and the peer's public u-coordinate pk into z.
 * KEYS_ELOWORDER (z wiped) when pk is a low-order point, i.e. the result would be all zero. */
enum keys_status keys_x25519(unsigned char z[KEYS_KEY_BYTES],
                             const unsigned char sk[KEYS_KEY_BYTES],
                             const unsigned char pk[KEYS_KEY_BYTES], struct keys_err *err);

/*
 * The Concat KDF of NIST SP 800-56A as RFC 7518 section 4.6.2 uses it, for keydatalen <= 256
 * bits (one round): the first out_len bytes of SHA-256(00000001 || Z || len32(alg) || alg ||
 * len32(apu) || apu || len32(apv) || apv || keydatalen32), keydatalen = 8 * out_len.
 */
enum keys_status keys_concat_kdf(unsigned char *out, size_t out_len, const unsigned char *z,
                                 size_t z_len, const char *alg, const unsigned char *apu,
                                 size_t apu_len, const unsigned char *apv, size_t apv_len,
                                 struct keys_err *err);

/* AES-256-GCM with a 96-bit IV and 128-bit tag, detached: ct has pt_len bytes. */
enum keys_status keys_aes256gcm_encrypt(unsigned char *ct, unsigned char tag[KEYS_GCM_TAG_BYTES],
                                        const unsigned char *pt, size_t pt_len,
                                        const unsigned char *aad, size_t aad_len,
                                        const unsigned char iv[KEYS_GCM_IV_BYTES],
                                        const unsigned char key[KEYS_GCM_KEY_BYTES],
                                        struct keys_err *err);

/* The inverse: KEYS_EDECRYPT (pt wiped) when the tag does not authenticate ct and aad. */
enum keys_status keys_aes256gcm_decrypt(unsigned char *pt, const unsigned char *ct, size_t ct_len,
                                        const unsigned char tag[KEYS_GCM_TAG_BYTES],
                                        const unsigned char *aad, size_t aad_len,
                                        const unsigned char iv[KEYS_GCM_IV_BYTES],
                                        const unsigned char key[KEYS_GCM_KEY_BYTES],
                                        struct keys_err *err);

/*
 * A compact JWS over the given protected header text (used as is, not re-serialized) and
 * payload: BASE64URL(header) '.' BASE64URL(payload) '.' BASE64URL(signature). keys_jws_sign
 * builds its header and calls this; the tests reproduce RFC 8037 A.4 with it.
 */
enum keys_status keys_jws_sign_raw(const struct keys_sign_key *key, const char *header,
                                   size_t header_len, const unsigned char *payload,
                                   size_t payload_len, char **out, size_t *out_len,
                                   struct keys_err *err);

/* The RFC 7638 thumbprint of the OKP public key x on curve crv ("Ed25519", "X25519"). */
enum keys_status keys_okp_thumbprint(const unsigned char x[KEYS_KEY_BYTES], const char *crv,
                                     char kid[KEYS_KID_LEN + 1], struct keys_err *err);

/* A new public OKP JWK {"crv":crv,"kty":"OKP","x":..} without kid, alg or use (for "epk"). */
enum keys_status keys_okp_jwk(const unsigned char x[KEYS_KEY_BYTES], const char *crv, json_t **out,
                              struct keys_err *err);

/* Reads an OKP public key of curve crv from jwk: kty, crv, a 32-byte x, no d. KEYS_EJWK names
 * what is wrong, prefixed by what ("epk"). Does not look at kid, alg, use. */
enum keys_status keys_okp_from_jwk(const json_t *jwk, const char *crv, const char *what,
                                   unsigned char x[KEYS_KEY_BYTES], struct keys_err *err);

/* One base64url part of a compact serialization: borrowed from the input, not NUL-terminated. */
struct keys_part {
    const char *p;
    size_t len;
};

/* Splits s[0..len) at its dots into exactly n parts (3 for a JWS, 5 for a JWE) after checking
 * len against KEYS_MAX_PACKET; kind ("JWS") names it in messages. KEYS_EFORMAT otherwise. */
enum keys_status keys_compact_split(const char *s, size_t len, size_t n, struct keys_part *parts,
                                    const char *kind, struct keys_err *err);

/* Strictly parses protected header bytes: at most KEYS_MAX_HEADER bytes, valid UTF-8 JSON, no
 * duplicate members, an object. KEYS_EHEADER otherwise. */
enum keys_status keys_header_parse(const unsigned char *buf, size_t len, const char *what,
                                   json_t **out, struct keys_err *err);

#endif
