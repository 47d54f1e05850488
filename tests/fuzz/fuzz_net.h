/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * What the fuzz targets share: a small network whose keys come from fixed seeds (obviously fake
 * test keys, so that the committed seed corpus of packets, notices and signed documents opens
 * and verifies run after run), the built-in catalogue, and the trust callbacks over them.
 */
#ifndef BATON_TESTS_FUZZ_NET_H
#define BATON_TESTS_FUZZ_NET_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "forms.h"
#include "keys.h"

#define FUZZ_OIN_SCHOOL "00000001812345671000"
#define FUZZ_OIN_GEM "00000001001234567000"
/* The moment every target verifies at (2025-09-01T00:00:00Z): inside every key's validity and
 * the example covenant's and directory's periods. */
#define FUZZ_NOW ((time_t)1756684800)

struct fuzz_org {
    const char *oin;
    struct keys_sign_key *sign;
    struct keys_enc_key *enc;
    struct keys_pub sign_pub, enc_pub;
};

struct fuzz_net {
    struct fuzz_org school, gem;
    struct keys_sign_key *coordinator;
    struct keys_pub coordinator_pub;
    struct forms_catalogue *cat;
    struct keys_trust trust; /* as the municipality: opens packets sealed for it */
};

/* The network, made on first use (the process keeps it: fuzz targets run until killed). NULL
 * when it could not be made (then every target returns at once). */
const struct fuzz_net *fuzz_net(void);

#endif
