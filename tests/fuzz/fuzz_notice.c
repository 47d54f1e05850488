/* SPDX-License-Identifier: EUPL-1.2 */
/* Fuzz target: an untrusted receipt or notice (acceptance, rejection, status, withdrawal,
 * withdrawal confirmation), verified as each kind in turn, and as an audit checkpoint. */
#include "fuzz_net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const typs[] = {KEYS_TYP_RECEIPT,    KEYS_TYP_ACCEPTANCE,
                                       KEYS_TYP_REJECTION,  KEYS_TYP_STATUS,
                                       KEYS_TYP_WITHDRAWAL, KEYS_TYP_WITHDRAWAL_CONFIRMATION};
    const struct fuzz_net *n = fuzz_net();
    struct keys_checkpoint cp;
    struct keys_notice note;
    size_t i;

    if (n == NULL)
        return 0;
    for (i = 0; i < sizeof typs / sizeof typs[0]; i++) {
        struct keys_notice none = {0};

        note = none;
        if (keys_notice_verify(&n->trust, typs[i], (const char *)data, size, FUZZ_NOW, &note,
                               NULL) == KEYS_OK)
            keys_notice_clear(&note);
    }
    (void)keys_checkpoint_verify(&n->trust, (const char *)data, size, &cp, NULL);
    return 0;
}
