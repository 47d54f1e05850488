/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * Measures how many packets per second baton seals and opens (keys_packet_seal, then
 * keys_packet_open with every check, the form validated on both sides), for the example
 * school-leaver handover, and in the same run the bare libsodium operations that one seal and one
 * open cannot do without, on the same sizes: Ed25519 sign and verify of the JWS signing input,
 * three X25519 (the sender's ephemeral key and shared secret, the recipient's shared secret),
 * AES-256-GCM encryption and decryption of the inner JWS, and SHA-256 (the Concat KDF on both
 * sides and the digest of the packet for its receipt). The ratio says what baton's JSON,
 * base64url, validation and checks cost on top of the cryptography.
 *
 * usage: bench_packets SOURCE_DIR [SECONDS]
 * Not a test: 'cmake --build BUILD --target bench-packets' runs it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "forms.h"
#include "keys.h"

#define OIN_A "00000001812345671000"
#define OIN_B "00000001001234567000"
/* Warm caches and the allocator before the clock starts. */
#define WARMUP_SECONDS 0.2
/* Cut the time in slices; the best slice is the code's own speed on a shared machine. */
#define SLICES 10

struct bench {
    struct keys_sign_key *a_sign;
    struct keys_enc_key *b_enc;
    struct keys_pub a_pub, b_pub;
    struct forms_catalogue *cat;
    json_t *form;
    unsigned char covenant[32];
    time_t now;
    /* sizes of one packet, for the baseline */
    size_t signing_input, jws_len, packet_len;
};

static double
clock_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const struct keys_enc_key *
find_enc(void *ctx, const char *kid)
{
    struct bench *b = ctx;

    return strcmp(kid, b->b_pub.kid) == 0 ? b->b_enc : NULL;
}

static enum keys_status
find_sign(void *ctx, const char *kid, time_t at, char owner[KEYS_OIN_LEN + 1], struct keys_pub *out,
          struct keys_err *err)
{
    struct bench *b = ctx;

    (void)at;
    (void)err;
    if (strcmp(kid, b->a_pub.kid) != 0)
        return KEYS_EKID;
    memcpy(owner, OIN_A, KEYS_OIN_LEN + 1);
    *out = b->a_pub;
    return KEYS_OK;
}

/* One seal and one open; 0 when both succeed. */
static int
seal_open(struct bench *b)
{
    const struct keys_trust trust = {find_enc, find_sign, b};
    const struct keys_packet_params p = {
        .to = OIN_B,
        .purpose = "warme-overdracht",
        .basis = KEYS_BASIS_CONSENT,
        .consent_id = "6d2f4c1e-8a3b-4f0d-9c7e-1b5a2e3d4f60",
        .covenant_id = "netwerk-lindeveld",
        .covenant_sha256 = b->covenant,
        .form = b->form,
    };
    struct keys_packet opened = {0};
    struct keys_err err = {0};
    char *packet = NULL;
    size_t len = 0;
    int rc = -1;

    if (keys_packet_seal(b->a_sign, OIN_A, &b->b_pub, b->cat, &p, b->now, &packet, &len, NULL,
                         &err) != KEYS_OK ||
        keys_packet_open(&trust, OIN_B, b->cat, b->now, packet, len, &opened, &err) != KEYS_OK) {
        fprintf(stderr, "bench_packets: %s\n", err.text);
        goto out;
    }
    if (b->packet_len == 0) {
        /* The sizes of this packet, for the baseline: its inner JWS and its signing input. */
        struct keys_jwe_opened o = {0};
        const char *dot;

        if (keys_jwe_decrypt(b->b_enc, packet, len, &o, &err) != KEYS_OK)
            goto out;
        b->jws_len = o.plaintext_len;
        dot = strrchr((const char *)o.plaintext, '.');
        b->signing_input = dot != NULL ? (size_t)(dot - (const char *)o.plaintext) : 0;
        keys_jwe_opened_clear(&o);
    }
    b->packet_len = len;
    rc = 0;
out:
    keys_packet_clear(&opened);
    free(packet);
    return rc;
}

/* The bare operations of one seal and one open, on buffers of the same sizes. */
struct bare {
    unsigned char sk[64], pk[32], sig[64], esk[32], epk[32], bsk[32], bpk[32], z[32], cek[32];
    unsigned char iv[12], tag[16], kdf_in[59], digest[32];
    unsigned char *msg, *pt, *ct, *packet;
    size_t msg_len, pt_len, packet_len;
};

static int
bare_op(struct bare *x)
{
    int bad = 0;

    /* sender: sign, ephemeral key, shared secret, KDF, encrypt */
    bad |= crypto_sign_ed25519_detached(x->sig, NULL, x->msg, x->msg_len, x->sk);
    bad |= crypto_scalarmult_curve25519_base(x->epk, x->esk);
    bad |= crypto_scalarmult_curve25519(x->z, x->esk, x->bpk);
    bad |= crypto_hash_sha256(x->cek, x->kdf_in, sizeof x->kdf_in);
    bad |= crypto_aead_aes256gcm_encrypt_detached(x->ct, x->tag, NULL, x->pt, x->pt_len, x->iv, 12,
                                                  NULL, x->iv, x->cek);
    /* recipient: shared secret, KDF, decrypt, verify, digest for the receipt */
    bad |= crypto_scalarmult_curve25519(x->z, x->bsk, x->epk);
    bad |= crypto_hash_sha256(x->cek, x->kdf_in, sizeof x->kdf_in);
    bad |= crypto_aead_aes256gcm_decrypt_detached(x->pt, NULL, x->ct, x->pt_len, x->tag, x->iv, 12,
                                                  x->iv, x->cek);
    bad |= crypto_sign_ed25519_verify_detached(x->sig, x->msg, x->msg_len, x->pk);
    bad |= crypto_hash_sha256(x->digest, x->packet, x->packet_len);
    return bad;
}

struct rate {
    double best, mean;
};

/* Runs op over and over for seconds in SLICES slices: operations per second. */
static int
measure(int (*op)(void *), void *ctx, double seconds, struct rate *out)
{
    double t0, start, slice = seconds / SLICES, rate;
    long n, total = 0;
    int s;

    for (t0 = clock_s(); clock_s() - t0 < WARMUP_SECONDS;)
        if (op(ctx) != 0)
            return -1;
    out->best = 0;
    t0 = clock_s();
    for (s = 0; s < SLICES; s++) {
        start = clock_s();
        n = 0;
        do {
            if (op(ctx) != 0)
                return -1;
            n++;
        } while (clock_s() - start < slice);
        rate = (double)n / (clock_s() - start);
        if (rate > out->best)
            out->best = rate;
        total += n;
    }
    out->mean = (double)total / (clock_s() - t0);
    return 0;
}

static int
op_seal_open(void *ctx)
{
    return seal_open(ctx);
}

static int
op_bare(void *ctx)
{
    return bare_op(ctx);
}

int
main(int argc, char **argv)
{
    const struct forms_options fopt = {.format_assertion = true};
    struct bench b = {0};
    struct bare x = {0};
    struct rate packets, bare;
    char path[4096];
    double seconds = argc > 2 ? atof(argv[2]) : 2.5;
    int rc = 1;

    if (argc < 2 || seconds <= 0) {
        fprintf(stderr, "usage: bench_packets SOURCE_DIR [SECONDS]\n");
        return 2;
    }
    snprintf(path, sizeof path, "%s/forms/examples/valid/school-leaver-handover.json", argv[1]);
    if (keys_init(NULL) != KEYS_OK || keys_sign_key_generate(&b.a_sign, NULL) != KEYS_OK ||
        keys_enc_key_generate(&b.b_enc, NULL) != KEYS_OK ||
        forms_catalogue_new(&fopt, &b.cat, NULL) != FORMS_OK ||
        forms_catalogue_add_builtin(b.cat, NULL) != FORMS_OK ||
        forms_catalogue_compile(b.cat, NULL) != FORMS_OK ||
        forms_parse_file(path, NULL, &b.form, NULL) != FORMS_OK) {
        fprintf(stderr, "bench_packets: cannot set up (is %s there?)\n", path);
        goto out;
    }
    keys_sign_key_public(b.a_sign, &b.a_pub);
    keys_enc_key_public(b.b_enc, &b.b_pub);
    b.now = time(NULL);
    if (seal_open(&b) != 0)
        goto out;

    x.msg_len = b.signing_input;
    x.pt_len = b.jws_len;
    x.packet_len = b.packet_len;
    x.msg = calloc(1, x.msg_len);
    x.pt = calloc(1, x.pt_len);
    x.ct = calloc(1, x.pt_len);
    x.packet = calloc(1, x.packet_len);
    if (x.msg == NULL || x.pt == NULL || x.ct == NULL || x.packet == NULL)
        goto out;
    randombytes_buf(x.esk, sizeof x.esk);
    randombytes_buf(x.bsk, sizeof x.bsk);
    if (crypto_sign_ed25519_keypair(x.pk, x.sk) != 0 ||
        crypto_scalarmult_curve25519_base(x.bpk, x.bsk) != 0)
        goto out;

    printf("Packet: the example school-leaver handover, %zu bytes sealed, inner JWS %zu bytes\n",
           b.packet_len, b.jws_len);
    printf("Measuring %.1f s each, in %d slices...\n", seconds, SLICES);
    if (measure(op_seal_open, &b, seconds, &packets) != 0 ||
        measure(op_bare, &x, seconds, &bare) != 0) {
        fprintf(stderr, "bench_packets: an operation failed while measuring\n");
        goto out;
    }
    printf("\n%-52s %12s %12s\n", "per second", "best slice", "mean");
    printf("%-52s %12.0f %12.0f\n", "baton: seal + open (keys_packet_seal, _open)", packets.best,
           packets.mean);
    printf("%-52s %12.0f %12.0f\n", "libsodium alone: the same cryptography", bare.best, bare.mean);
    printf("%-52s %12.2f %12.2f\n", "ratio baton / libsodium", packets.best / bare.best,
           packets.mean / bare.mean);
    printf("\nThe libsodium baseline is Ed25519 sign + verify, 3 X25519, AES-256-GCM encrypt +\n"
           "decrypt and SHA-256 (KDF twice, the packet digest) on the same sizes. The rest of a\n"
           "seal + open is JSON, base64url, two validations of the form and the checks.\n");
    rc = 0;
out:
    free(x.msg);
    free(x.pt);
    free(x.ct);
    free(x.packet);
    json_decref(b.form);
    forms_catalogue_free(b.cat);
    keys_sign_key_free(b.a_sign);
    keys_enc_key_free(b.b_enc);
    return rc;
}
