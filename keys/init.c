/* SPDX-License-Identifier: EUPL-1.2 */
/* Process-wide start of the cryptography, with the checks that must pass before any key is used. */
#include <sodium.h>

#include "keys_int.h"

enum keys_status
keys_init(struct keys_err *err)
{
    if (sodium_init() < 0)
        return keys_fail(err, KEYS_EINIT, "libsodium could not be initialised");
    if (!crypto_aead_aes256gcm_is_available())
        return keys_fail(err, KEYS_ENOAES,
                         "this CPU has no AES-NI instructions, which libsodium needs for the "
                         "AES-256-GCM encryption of every baton packet; run baton on a CPU "
                         "with AES-NI (x86-64 from 2010 on)");
    return KEYS_OK;
}
