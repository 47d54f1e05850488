/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * Writes the seed corpus of the fuzz targets that need signed or sealed input, made with the
 * fuzz network's fixed keys: tests/fuzz/corpus/packet (a sealed handover and contact notice),
 * notice (a receipt and an acceptance for it) and document (the example directory and covenant
 * signed by the fuzz coordinator). Run when the packet format changes:
 *   fuzz_seeds SOURCE_DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "fuzz_net.h"

static int
put(const char *src, const char *sub, const char *name, const char *text, size_t len)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof path, "%s/tests/fuzz/corpus/%s/%s", src, sub, name);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "fuzz_seeds: cannot write %s\n", path);
        return -1;
    }
    return 0;
}

static json_t *
example(const char *src, const char *name)
{
    char path[4096];
    json_t *doc = NULL;

    snprintf(path, sizeof path, "%s/forms/examples/valid/%s", src, name);
    if (forms_parse_file(path, NULL, &doc, NULL) != FORMS_OK)
        fprintf(stderr, "fuzz_seeds: cannot read %s\n", path);
    return doc;
}

static int
seal(const char *src, const struct fuzz_net *n, const char *form_name, const char *out_name,
     char **packet, size_t *len)
{
    unsigned char covenant[KEYS_SHA256_LEN];
    struct keys_err err = {0};
    struct keys_packet_params p = {0};
    json_t *form = example(src, form_name);
    int rc = -1;

    crypto_hash_sha256(covenant, (const unsigned char *)"a signed covenant", 17);
    p.to = FUZZ_OIN_GEM;
    p.purpose = "warme-overdracht";
    p.basis = KEYS_BASIS_CONSENT;
    p.consent_id = "6d2f4c1e-8a3b-4f0d-9c7e-1b5a2e3d4f60";
    p.covenant_id = "netwerk-lindeveld";
    p.covenant_sha256 = covenant;
    p.form = form;
    if (form != NULL && keys_packet_seal(n->school.sign, FUZZ_OIN_SCHOOL, &n->gem.enc_pub, n->cat,
                                         &p, FUZZ_NOW, packet, len, NULL, &err) == KEYS_OK)
        rc = put(src, "packet", out_name, *packet, *len);
    else
        fprintf(stderr, "fuzz_seeds: sealing %s: %s\n", form_name, err.text);
    json_decref(form);
    return rc;
}

static int
sign_doc(const char *src, const struct fuzz_net *n, const char *name)
{
    struct keys_err err = {0};
    json_t *doc = example(src, name);
    char *jws = NULL, out[64];
    size_t len = 0;
    int rc = -1;

    if (doc != NULL &&
        keys_document_sign(n->coordinator, n->cat, doc, &jws, &len, &err) == KEYS_OK) {
        snprintf(out, sizeof out, "%.*s.jws", (int)(strlen(name) - 5), name);
        rc = put(src, "document", out, jws, len);
    } else {
        fprintf(stderr, "fuzz_seeds: signing %s: %s\n", name, err.text);
    }
    free(jws);
    json_decref(doc);
    return rc;
}

int
main(int argc, char **argv)
{
    const struct fuzz_net *n = fuzz_net();
    struct keys_packet opened = {0};
    struct keys_err err = {0};
    char *packet = NULL, *contact = NULL, *receipt = NULL, *accept = NULL;
    size_t len = 0, clen = 0, rlen = 0, alen = 0;
    json_t *extra = NULL;
    int rc = 1;

    if (argc != 2 || n == NULL) {
        fprintf(stderr, "usage: fuzz_seeds SOURCE_DIR\n");
        return 2;
    }
    if (seal(argv[1], n, "school-leaver-handover.json", "handover.jwe", &packet, &len) != 0 ||
        seal(argv[1], n, "contact-notice.json", "contact-notice.jwe", &contact, &clen) != 0)
        goto out;
    if (keys_packet_open(&n->trust, FUZZ_OIN_GEM, n->cat, FUZZ_NOW, packet, len, &opened, &err) !=
            KEYS_OK ||
        keys_receipt_sign(n->gem.sign, &opened, FUZZ_NOW, &receipt, &rlen, &err) != KEYS_OK) {
        fprintf(stderr, "fuzz_seeds: the receipt: %s\n", err.text);
        goto out;
    }
    extra = json_pack("{s:s}", "accepted_by", "J. de Vries, consulent");
    if (extra == NULL ||
        keys_notice_sign(n->gem.sign, KEYS_TYP_ACCEPTANCE, FUZZ_OIN_GEM, FUZZ_OIN_SCHOOL, opened.id,
                         opened.sha256, extra, FUZZ_NOW, &accept, &alen, &err) != KEYS_OK) {
        fprintf(stderr, "fuzz_seeds: the acceptance: %s\n", err.text);
        goto out;
    }
    if (put(argv[1], "notice", "receipt.jws", receipt, rlen) != 0 ||
        put(argv[1], "notice", "acceptance.jws", accept, alen) != 0 ||
        sign_doc(argv[1], n, "directory.json") != 0 || sign_doc(argv[1], n, "covenant.json") != 0)
        goto out;
    rc = 0;
out:
    keys_packet_clear(&opened);
    json_decref(extra);
    free(packet);
    free(contact);
    free(receipt);
    free(accept);
    return rc;
}
