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

/* As keys_b64url_decode, in constant time (libsodium's decoder): for secret keys. */
enum keys_status keys_b64url_decode_secret(const char *b64, size_t b64_len, unsigned char *out,
                                           size_t out_max, size_t *out_len, const char *what,
                                           struct keys_err *err);

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

/* ---- the keystore's TLS key and certificate (keys/tls.c) ---- */

/* "sha256//" and the padded standard base64 of a SHA-256 digest. */
#define KEYS_TLS_PIN_LEN (8 + 44)

/* A self-signed X.509 v3 certificate (PEM, malloc'd NUL-terminated string in *pem) for the
 * Ed25519 TLS key tls: CN the organisation's name, subjectAltName the endpoint's host, valid from
 * valid_from until valid_until, key usage digitalSignature, not a CA. */
enum keys_status keys_tls_cert_make(const struct keys_sign_key *tls, const struct keys_identity *id,
                                    time_t valid_from, time_t valid_until, char **pem,
                                    struct keys_err *err);

/* Checks that pem is one X.509 certificate for the Ed25519 public key of tls, and writes its key
 * pin ("sha256//...") to pin. KEYS_EKEYSTORE when it is not. */
enum keys_status keys_tls_cert_check(const char *pem, size_t pem_len,
                                     const struct keys_sign_key *tls,
                                     char pin[KEYS_TLS_PIN_LEN + 1], struct keys_err *err);

/* The PKCS #8 PEM of the TLS key, in sodium_malloc memory (keys_keystore_tls_key_pem). */
enum keys_status keys_tls_key_pem(const struct keys_sign_key *tls, char **pem, size_t *len,
                                  struct keys_err *err);

/* One base64url part of a compact serialization: borrowed from the input, not NUL-terminated. */
struct keys_part {
    const char *p;
    size_t len;
};

/* Splits s[0..len) at its dots into exactly n parts (3 for a JWS, 5 for a JWE) after checking
 * len against KEYS_MAX_PACKET; kind ("JWS") names it in messages. KEYS_EFORMAT otherwise. */
enum keys_status keys_compact_split(const char *s, size_t len, size_t n, struct keys_part *parts,
                                    const char *kind, struct keys_err *err);

/* The JWE header checks of keys_jwe_decrypt (keys/PACKETS.md 5.3 steps 8 to 11) that come before
 * kid: alg, enc, no crit, zip, apu or apv. The packet layer runs them before it looks for the key
 * that kid names, so that a foreign algorithm is told as such whatever the kid. */
enum keys_status keys_jwe_check_profile(const json_t *hdr, struct keys_err *err);

/* Strictly parses protected header bytes: at most KEYS_MAX_HEADER bytes, valid UTF-8 JSON, no
 * duplicate members, an object. KEYS_EHEADER otherwise. */
enum keys_status keys_header_parse(const unsigned char *buf, size_t len, const char *what,
                                   json_t **out, struct keys_err *err);

/* ---- signed directory and covenant (document.c, directory.c) ---- */

/* Copies s, UTF-8 text of a signed document (a name, a JSON Pointer), into out (max + 4 bytes)
 * for a message: at most max bytes, never cut inside a character, "..." when cut, control
 * characters (C0, DEL, C1) as '?', so that it cannot move a terminal's cursor or forge a log
 * line. Returns out. */
const char *keys_clean_text(const char *s, char *out, size_t max);

/* Checks what the directory schema cannot say about doc (already valid against it): every key
 * a valid public JWK of its "use" whose kid is its thumbprint, validFrom not after validUntil, no
 * OIN, kid or TLS pin listed twice. With out NULL it only checks; else *out is the index, which
 * holds a reference to doc. On error *out is untouched. */
enum keys_status keys_directory_index(const json_t *doc, struct keys_directory **out,
                                      struct keys_err *err);

/* keys_document_verify, also handing out (when dir is not NULL and typ is the directory's) the
 * index made while checking the directory, so that loading does not check it twice. */
enum keys_status keys_document_open(const char *jws, size_t len, const char *typ,
                                    const struct keys_pub *coordinators, size_t n_coordinators,
                                    const struct forms_catalogue *cat, time_t now, json_t **doc,
                                    struct keys_directory **dir, struct keys_err *err);

/* ---- the packet layer's claims (claims.c, shared by packet.c and notice.c) ---- */

/* 1 when s is exactly KEYS_OIN_LEN decimal digits. */
int keys_is_oin(const char *s);

/* 1 when s is a UUID in its canonical text form, 8-4-4-4-12 hex digits; lower-case only when
 * lower is non-zero (the ids baton makes), either case otherwise (ids that others make). */
int keys_is_uuid(const char *s, int lower);

/* A new random (version 4) UUID, lower case, from libuuid. */
enum keys_status keys_new_uuid(char id[KEYS_UUID_LEN + 1], struct keys_err *err);

/* The base64url text of a SHA-256 digest: 43 characters and a NUL. */
#define KEYS_SHA256_B64_LEN 43

/* Signs the compact sorted JSON of claims as a JWS of kind typ; the serialized claims are wiped
 * after use, since they may hold a form. */
enum keys_status keys_claims_sign(const struct keys_sign_key *signer, const char *typ,
                                  const json_t *claims, char **out, size_t *out_len,
                                  struct keys_err *err);

/* What keys_claims_verify found: the claims (owned), their "iat", and the signing key's kid and
 * owner. */
struct keys_signed {
    json_t *claims;
    time_t iat;
    char kid[KEYS_KID_LEN + 1];
    char owner[KEYS_OIN_LEN + 1];
};

/*
 * Verifies a JWS over claims, keys/PACKETS.md 9.5 steps 10 to 12: keys_jws_verify with typ and
 * the signing key that trust knows for the header's kid at the claimed "iat" (read from the payload
 * before the signature is checked, only to pick the key's validity period: the signature covers
 * it; when the payload has no integer "iat", at now); then the payload must be a strict JSON object
 * with an integer "iat" (KEYS_ECLAIMS). On error *out is untouched.
 */
enum keys_status keys_claims_verify(const struct keys_trust *trust, const char *typ,
                                    const char *jws, size_t len, time_t now,
                                    struct keys_signed *out, struct keys_err *err);

/* Releases what keys_claims_verify put in s. */
void keys_signed_clear(struct keys_signed *s);

/* KEYS_ECLAIMS naming the first member of obj that is not in names (NULL-terminated); what
 * names obj in the message ("packet claims"). */
enum keys_status keys_claims_only(const json_t *obj, const char *const *names, const char *what,
                                  struct keys_err *err);

/* The string member name of obj into *out (borrowed): KEYS_ECLAIMS when it is missing (and
 * required), not a string, or holds a NUL. A missing optional member gives *out = NULL. */
enum keys_status keys_claim_string(const json_t *obj, const char *name, int required,
                                   const char *what, const char **out, struct keys_err *err);

/* The member name of obj: a string of strict base64url for exactly KEYS_SHA256_LEN bytes. */
enum keys_status keys_claim_digest(const json_t *obj, const char *name, const char *what,
                                   unsigned char out[KEYS_SHA256_LEN], struct keys_err *err);

/* "jti" (a lower-case UUID), "iss" and "aud" (OINs) of claims, each required, into the
 * pointers (borrowed); what names the claims in messages. */
enum keys_status keys_claims_parties(const json_t *claims, const char *what, const char **jti,
                                     const char **iss, const char **aud, struct keys_err *err);

/* KEYS_ECLAIMS when iat lies more than KEYS_CLOCK_SKEW_S after now. */
enum keys_status keys_claims_not_future(time_t iat, time_t now, const char *what,
                                        struct keys_err *err);

#endif
