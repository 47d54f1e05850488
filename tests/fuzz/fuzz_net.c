/* SPDX-License-Identifier: EUPL-1.2 */
/* The fuzz targets' fixed network: keys from fixed seeds, the catalogue, trust callbacks. */
#include <string.h>

#include <sodium.h>

#include "fuzz_net.h"

static struct fuzz_net net;
static int made = 0; /* 1 made, -1 failed */

static const struct keys_enc_key *
enc_key(void *ctx, const char *kid)
{
    const struct fuzz_net *n = ctx;

    return strcmp(n->gem.enc_pub.kid, kid) == 0 ? n->gem.enc : NULL;
}

static enum keys_status
signing_key(void *ctx, const char *kid, time_t at, char owner[KEYS_OIN_LEN + 1],
            struct keys_pub *out, struct keys_err *err)
{
    const struct fuzz_net *n = ctx;
    const struct fuzz_org *o = strcmp(n->school.sign_pub.kid, kid) == 0 ? &n->school
                               : strcmp(n->gem.sign_pub.kid, kid) == 0  ? &n->gem
                                                                        : NULL;

    (void)at;
    if (o == NULL) {
        if (err != NULL) {
            err->status = KEYS_EKID;
            strcpy(err->text, "unknown signing key");
        }
        return KEYS_EKID;
    }
    memcpy(owner, o->oin, KEYS_OIN_LEN + 1);
    *out = o->sign_pub;
    return KEYS_OK;
}

/* Keys of org from the seeds that fill with byte b and b + 1. */
static int
org_make(struct fuzz_org *o, const char *oin, unsigned char b)
{
    unsigned char seed[KEYS_KEY_BYTES];

    o->oin = oin;
    memset(seed, b, sizeof seed);
    if (keys_sign_key_from_seed(seed, &o->sign, NULL) != KEYS_OK)
        return -1;
    memset(seed, b + 1, sizeof seed);
    if (keys_enc_key_from_secret(seed, &o->enc, NULL) != KEYS_OK)
        return -1;
    keys_sign_key_public(o->sign, &o->sign_pub);
    keys_enc_key_public(o->enc, &o->enc_pub);
    return 0;
}

const struct fuzz_net *
fuzz_net(void)
{
    const struct forms_options fopt = {.format_assertion = true};
    unsigned char seed[KEYS_KEY_BYTES];

    if (made != 0)
        return made > 0 ? &net : NULL;
    made = -1;
    if (keys_init(NULL) != KEYS_OK || org_make(&net.school, FUZZ_OIN_SCHOOL, 0x11) != 0 ||
        org_make(&net.gem, FUZZ_OIN_GEM, 0x21) != 0)
        return NULL;
    memset(seed, 0x31, sizeof seed);
    if (keys_sign_key_from_seed(seed, &net.coordinator, NULL) != KEYS_OK)
        return NULL;
    keys_sign_key_public(net.coordinator, &net.coordinator_pub);
    if (forms_catalogue_new(&fopt, &net.cat, NULL) != FORMS_OK ||
        forms_catalogue_add_builtin(net.cat, NULL) != FORMS_OK ||
        forms_catalogue_compile(net.cat, NULL) != FORMS_OK)
        return NULL;
    net.trust.enc_key = enc_key;
    net.trust.signing_key = signing_key;
    net.trust.ctx = &net;
    made = 1;
    return &net;
}
