/* SPDX-License-Identifier: EUPL-1.2 */
/* Signed checkpoints of an organisation's audit chain (PLACEHOLDER: replaced by its owner). */
#include "keys_int.h"

enum keys_status
keys_checkpoint_sign(const struct keys_keystore *ks, const struct keys_checkpoint *cp, char **out,
                     size_t *out_len, struct keys_err *err)
{
    (void)ks;
    (void)cp;
    (void)out;
    (void)out_len;
    return keys_fail(err, KEYS_EINVAL, "checkpoints are not built yet");
}

enum keys_status
keys_checkpoint_verify(const struct keys_trust *trust, const char *jws, size_t len,
                       struct keys_checkpoint *out, struct keys_err *err)
{
    (void)trust;
    (void)jws;
    (void)len;
    (void)out;
    return keys_fail(err, KEYS_EINVAL, "checkpoints are not built yet");
}
