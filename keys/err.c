/* SPDX-License-Identifier: EUPL-1.2 */
/* Statuses and the messages that tell people what was wrong. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "keys_int.h"

enum keys_status
keys_fail(struct keys_err *err, enum keys_status st, const char *fmt, ...)
{
    va_list ap;

    if (err != NULL) {
        err->status = st;
        va_start(ap, fmt);
        vsnprintf(err->text, sizeof err->text, fmt, ap);
        va_end(ap);
    }
    return st;
}

const char *
keys_quote(const char *s, char out[KEYS_QUOTE_MAX + 4])
{
    size_t i;

    for (i = 0; s[i] != '\0' && i < KEYS_QUOTE_MAX; i++)
        out[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    if (s[i] != '\0') {
        memcpy(out + i, "...", 3);
        i += 3;
    }
    out[i] = '\0';
    return out;
}

const char *
keys_status_name(enum keys_status st)
{
    switch (st) {
    case KEYS_OK:
        return "ok";
    case KEYS_EINIT:
        return "libsodium not initialised";
    case KEYS_ENOAES:
        return "no AES-NI";
    case KEYS_ENOMEM:
        return "out of memory";
    case KEYS_EINVAL:
        return "invalid argument";
    case KEYS_ECRYPTO:
        return "cryptography failure";
    case KEYS_ETOOBIG:
        return "too big";
    case KEYS_EBASE64:
        return "invalid base64url";
    case KEYS_EFORMAT:
        return "malformed compact serialization";
    case KEYS_EHEADER:
        return "invalid protected header";
    case KEYS_EALG:
        return "algorithm refused";
    case KEYS_EENC:
        return "content encryption refused";
    case KEYS_ECRIT:
        return "critical extension refused";
    case KEYS_ETYP:
        return "wrong message type";
    case KEYS_EKID:
        return "unknown key";
    case KEYS_EJWK:
        return "invalid key";
    case KEYS_EENCKEY:
        return "unexpected encrypted key";
    case KEYS_ELOWORDER:
        return "low-order public key";
    case KEYS_EBADSIG:
        return "bad signature";
    case KEYS_EDECRYPT:
        return "decryption failed";
    case KEYS_EEXPIRED:
        return "expired or not yet valid";
    case KEYS_ESCHEMA:
        return "refused by its schema";
    case KEYS_EUNSIGNED:
        return "not signed";
    case KEYS_ENOTFORUS:
        return "addressed to another organisation";
    case KEYS_EFROM:
        return "sender does not own the signing key";
    case KEYS_ECLAIMS:
        return "invalid claims";
    case KEYS_EIO:
        return "input/output error";
    case KEYS_EPERM:
        return "keystore readable by others";
    case KEYS_EPASSPHRASE:
        return "wrong passphrase";
    case KEYS_EKEYSTORE:
        return "damaged keystore";
    }
    return "unknown status";
}

int
keys_status_is_refusal(enum keys_status st)
{
    return st >= KEYS_ETOOBIG && st <= KEYS_ECLAIMS;
}
