/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * The keystore's TLS identity: a self-signed X.509 certificate for an Ed25519 key (TLS 1.3, RFC
 * 8446 and RFC 8410), its key pin as libcurl and batond compare it, and the private key as PEM
 * for the HTTPS server. Peers trust the pin from the signed directory, not a CA, so the
 * certificate only has to carry the key in a form that TLS libraries accept.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <sodium.h>

#include "keys_int.h"

/* A positive serial number of 16 random bytes: RFC 5280 section 4.1.2.2 allows up to 20 octets,
 * and a random one keeps two certificates of one organisation apart. */
#define TLS_SERIAL_BYTES 16
/* Longest host name of a DNS subjectAltName (RFC 1035: 253 characters in text form). */
#define TLS_HOST_MAX 253

/* PKCS #8 OneAsymmetricKey for an Ed25519 private key, up to the 32-byte seed (RFC 8410 section
 * 7): SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING (32) } }. */
static const unsigned char pkcs8_ed25519_prefix[16] = {
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};
#define PEM_KEY_BEGIN "-----BEGIN PRIVATE KEY-----\n"
#define PEM_KEY_END "-----END PRIVATE KEY-----\n"

/* RFC 5280 appendix A.1: ub-common-name, in characters. */
#define TLS_CN_MAX_CHARS 64

/* Bytes of name (UTF-8, checked by keys_identity_check) that hold its first TLS_CN_MAX_CHARS
 * characters: a longer organisation name is cut for the certificate, which peers never match by
 * name anyway (they pin the key). */
static size_t
common_name_len(const char *name)
{
    size_t i, chars = 0;

    for (i = 0; name[i] != '\0'; i++) {
        if (((unsigned char)name[i] & 0xc0) == 0x80)
            continue; /* a continuation byte */
        if (chars == TLS_CN_MAX_CHARS)
            break;
        chars++;
    }
    return i;
}

static enum keys_status
tls_fail(struct keys_err *err, enum keys_status st, const char *what, int ret)
{
    return keys_fail(err, st, "%s: %s", what, gnutls_strerror(ret));
}

/* The host of an endpoint that keys_identity_check accepted: "https://HOST[:PORT][/PATH]", HOST
 * a name, an IPv4 address or "[IPv6]". *bracketed is 1 for the last. */
static enum keys_status
endpoint_host(const char *endpoint, char host[TLS_HOST_MAX + 1], int *bracketed,
              struct keys_err *err)
{
    const char *p = endpoint + strlen("https://"), *end;

    if (strncmp(endpoint, "https://", 8) != 0)
        return keys_fail(err, KEYS_EINVAL, "the endpoint is not an https URL");
    *bracketed = *p == '[';
    if (*bracketed) {
        p++;
        end = strchr(p, ']');
    } else {
        end = p + strcspn(p, ":/");
    }
    if (end == NULL || end == p || (size_t)(end - p) > TLS_HOST_MAX)
        return keys_fail(err, KEYS_EINVAL, "the endpoint has no usable host");
    memcpy(host, p, (size_t)(end - p));
    host[end - p] = '\0';
    return KEYS_OK;
}

/* The subjectAltName entries: the host as a DNS name (also an IPv4 literal, which some clients
 * match against DNS names), and an IP address entry for an address literal. */
static enum keys_status
set_alt_names(gnutls_x509_crt_t crt, const char *endpoint, struct keys_err *err)
{
    char host[TLS_HOST_MAX + 1];
    unsigned char ip[16];
    enum keys_status st;
    int bracketed = 0, ret;

    st = endpoint_host(endpoint, host, &bracketed, err);
    if (st != KEYS_OK)
        return st;
    if (bracketed) {
        if (inet_pton(AF_INET6, host, ip) != 1)
            return keys_fail(err, KEYS_EINVAL, "the endpoint's IPv6 address is not valid");
        ret = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip, 16,
                                                   GNUTLS_FSAN_APPEND);
        return ret < 0 ? tls_fail(err, KEYS_ECRYPTO, "GnuTLS refused the IPv6 address", ret)
                       : KEYS_OK;
    }
    ret = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, host,
                                               (unsigned)strlen(host), GNUTLS_FSAN_APPEND);
    if (ret < 0)
        return tls_fail(err, KEYS_ECRYPTO, "GnuTLS refused the host name", ret);
    if (inet_pton(AF_INET, host, ip) == 1) {
        ret = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip, 4,
                                                   GNUTLS_FSAN_APPEND);
        if (ret < 0)
            return tls_fail(err, KEYS_ECRYPTO, "GnuTLS refused the IPv4 address", ret);
    }
    return KEYS_OK;
}

enum keys_status
keys_tls_cert_make(const struct keys_sign_key *tls, const struct keys_identity *id,
                   time_t valid_from, time_t valid_until, char **pem, struct keys_err *err)
{
    enum keys_status st = KEYS_ECRYPTO;
    gnutls_x509_crt_t crt = NULL;
    gnutls_privkey_t key = NULL;
    gnutls_pubkey_t pub = NULL;
    gnutls_datum_t x, k, out = {NULL, 0};
    unsigned char serial[TLS_SERIAL_BYTES];
    gnutls_digest_algorithm_t hash = GNUTLS_DIG_UNKNOWN;
    char *copy;
    int ret;

    if (tls == NULL || id == NULL || pem == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_tls_cert_make: NULL argument");
    x.data = (unsigned char *)tls->pub.key;
    x.size = KEYS_KEY_BYTES;
    k.data = (unsigned char *)tls->sk; /* the seed: the first half of libsodium's secret key */
    k.size = KEYS_KEY_BYTES;
    if ((ret = gnutls_privkey_init(&key)) < 0 ||
        (ret = gnutls_privkey_import_ecc_raw(key, GNUTLS_ECC_CURVE_ED25519, &x, NULL, &k)) < 0) {
        st = tls_fail(err, KEYS_ECRYPTO, "GnuTLS could not import the TLS key", ret);
        goto out;
    }
    if ((ret = gnutls_pubkey_init(&pub)) < 0 ||
        (ret = gnutls_pubkey_import_ecc_raw(pub, GNUTLS_ECC_CURVE_ED25519, &x, NULL)) < 0 ||
        (ret = gnutls_pubkey_get_preferred_hash_algorithm(pub, &hash, NULL)) < 0) {
        st = tls_fail(err, KEYS_ECRYPTO, "GnuTLS could not import the TLS public key", ret);
        goto out;
    }
    randombytes_buf(serial, sizeof serial);
    serial[0] = (unsigned char)((serial[0] & 0x7f) | 0x40); /* positive, no leading zero byte */
    if ((ret = gnutls_x509_crt_init(&crt)) < 0 || (ret = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
        (ret = gnutls_x509_crt_set_serial(crt, serial, sizeof serial)) < 0 ||
        (ret = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, id->name,
                                             (unsigned)common_name_len(id->name))) < 0 ||
        (ret = gnutls_x509_crt_set_activation_time(crt, valid_from)) < 0 ||
        (ret = gnutls_x509_crt_set_expiration_time(crt, valid_until)) < 0 ||
        (ret = gnutls_x509_crt_set_pubkey(crt, pub)) < 0 ||
        (ret = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
        (ret = gnutls_x509_crt_set_basic_constraints(crt, 0, -1)) < 0 ||
        /* batond serves with it and presents it as a client: both purposes. */
        (ret = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0 ||
        (ret = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_CLIENT, 0)) < 0) {
        st = tls_fail(err, KEYS_ECRYPTO, "GnuTLS could not build the TLS certificate", ret);
        goto out;
    }
    st = set_alt_names(crt, id->endpoint, err);
    if (st != KEYS_OK)
        goto out;
    if ((ret = gnutls_x509_crt_privkey_sign(crt, crt, key, hash, 0)) < 0 ||
        (ret = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &out)) < 0) {
        st = tls_fail(err, KEYS_ECRYPTO, "GnuTLS could not sign the TLS certificate", ret);
        goto out;
    }
    copy = malloc((size_t)out.size + 1);
    if (copy == NULL) {
        st = keys_fail(err, KEYS_ENOMEM, "out of memory for the TLS certificate");
        goto out;
    }
    memcpy(copy, out.data, out.size);
    copy[out.size] = '\0';
    *pem = copy;
    st = KEYS_OK;
out:
    gnutls_free(out.data);
    gnutls_x509_crt_deinit(crt);
    gnutls_pubkey_deinit(pub);
    gnutls_privkey_deinit(key); /* wipes GnuTLS's copy (gnutls_pk_params_clear) */
    return st;
}

enum keys_status
keys_tls_cert_check(const char *pem, size_t pem_len, const struct keys_sign_key *tls,
                    char pin[KEYS_TLS_PIN_LEN + 1], struct keys_err *err)
{
    enum keys_status st = KEYS_EKEYSTORE;
    gnutls_x509_crt_t crt = NULL;
    gnutls_datum_t in, x = {NULL, 0};
    gnutls_ecc_curve_t curve;
    unsigned char id[64];
    size_t id_len = sizeof id;
    int ret;

    if (pem == NULL || tls == NULL || pin == NULL || pem_len > UINT32_MAX)
        return keys_fail(err, KEYS_EINVAL, "keys_tls_cert_check: bad argument");
    in.data = (unsigned char *)pem;
    in.size = (unsigned)pem_len;
    if ((ret = gnutls_x509_crt_init(&crt)) < 0) {
        st = tls_fail(err, KEYS_ENOMEM, "GnuTLS could not make a certificate", ret);
        goto out;
    }
    if ((ret = gnutls_x509_crt_import(crt, &in, GNUTLS_X509_FMT_PEM)) < 0) {
        st = tls_fail(err, KEYS_EKEYSTORE, "the TLS certificate does not parse", ret);
        goto out;
    }
    if (gnutls_x509_crt_get_pk_algorithm(crt, NULL) != GNUTLS_PK_EDDSA_ED25519 ||
        gnutls_x509_crt_get_pk_ecc_raw(crt, &curve, &x, NULL) < 0 ||
        curve != GNUTLS_ECC_CURVE_ED25519 || x.size != KEYS_KEY_BYTES ||
        memcmp(x.data, tls->pub.key, KEYS_KEY_BYTES) != 0) {
        st = keys_fail(err, KEYS_EKEYSTORE,
                       "the TLS certificate is not the certificate of the keystore's TLS key");
        goto out;
    }
    ret = gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA256, id, &id_len);
    if (ret < 0 || id_len != crypto_hash_sha256_BYTES) {
        st = tls_fail(err, KEYS_ECRYPTO, "GnuTLS could not compute the TLS key pin", ret);
        goto out;
    }
    memcpy(pin, "sha256//", 8);
    sodium_bin2base64(pin + 8, KEYS_TLS_PIN_LEN - 8 + 1, id, id_len,
                      sodium_base64_VARIANT_ORIGINAL);
    st = KEYS_OK;
out:
    gnutls_free(x.data);
    gnutls_x509_crt_deinit(crt);
    return st;
}

enum keys_status
keys_tls_key_pem(const struct keys_sign_key *tls, char **pem, size_t *len, struct keys_err *err)
{
    unsigned char der[sizeof pkcs8_ed25519_prefix + KEYS_KEY_BYTES];
    /* 48 bytes of DER are exactly 64 base64 characters: one PEM line, no padding. */
    const size_t b64_len = sodium_base64_ENCODED_LEN(sizeof der, sodium_base64_VARIANT_ORIGINAL);
    const size_t total = strlen(PEM_KEY_BEGIN) + (b64_len - 1) + 1 + strlen(PEM_KEY_END);
    char *p, *buf;

    if (tls == NULL || pem == NULL || len == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_keystore_tls_key_pem: NULL argument");
    buf = sodium_malloc(total + 1);
    if (buf == NULL)
        return keys_fail(err, KEYS_ENOMEM, "no guarded memory for the TLS private key");
    memcpy(der, pkcs8_ed25519_prefix, sizeof pkcs8_ed25519_prefix);
    memcpy(der + sizeof pkcs8_ed25519_prefix, tls->sk, KEYS_KEY_BYTES);
    p = buf;
    memcpy(p, PEM_KEY_BEGIN, strlen(PEM_KEY_BEGIN));
    p += strlen(PEM_KEY_BEGIN);
    sodium_bin2base64(p, b64_len, der, sizeof der, sodium_base64_VARIANT_ORIGINAL);
    p += b64_len - 1;
    *p++ = '\n';
    memcpy(p, PEM_KEY_END, strlen(PEM_KEY_END) + 1);
    sodium_memzero(der, sizeof der);
    *pem = buf;
    *len = total;
    return KEYS_OK;
}
