/* SPDX-License-Identifier: EUPL-1.2 */
/* Who an organisation is: the checks of its OIN, name, role and endpoint that the directory
 * schema makes, done before keys are made for it or a keystore is read. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keys_int.h"

static const char *const roles[] = {"school", "municipality", "uwv",
                                    "rmc",    "jobcoach",     "coordinator"};

/* Length of s when it ends within size bytes, else size (not a C string in its array). */
static size_t
bounded_len(const char *s, size_t size)
{
    const char *nul = memchr(s, '\0', size);

    return nul != NULL ? (size_t)(nul - s) : size;
}

/* 1 when s[0..n) is UTF-8 (RFC 3629: shortest forms, no surrogates, at most U+10FFFF) with no
 * control characters (C0, DEL, C1), which could break a line of the keystore or a terminal. */
static int
printable_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0, k, len;
    uint32_t c, min;

    while (i < n) {
        c = s[i];
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f)
                return 0;
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2, c &= 0x1f, min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3, c &= 0x0f, min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4, c &= 0x07, min = 0x10000;
        } else {
            return 0;
        }
        if (n - i < len)
            return 0;
        for (k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
            c = c << 6 | (s[i + k] & 0x3f);
        }
        if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) || (c >= 0x80 && c <= 0x9f))
            return 0;
        i += len;
    }
    return 1;
}

/* The directory schema's endpoint pattern, and a little more: no empty label, no leading '-', an
 * IPv6 literal that parses, a port from 1 to 65535. */
static int
endpoint_ok(const char *e)
{
    const char *p, *h;
    unsigned char addr[16];
    unsigned long port;
    char *end, v6[40];

    if (strncmp(e, "https://", 8) != 0)
        return 0;
    p = e + 8;
    if (*p == '[') {
        h = ++p;
        while ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F') ||
               *p == ':')
            p++;
        if (p == h || *p != ']' || p - h > 39)
            return 0;
        memcpy(v6, h, (size_t)(p - h));
        v6[p - h] = '\0';
        if (inet_pton(AF_INET6, v6, addr) != 1)
            return 0;
        p++;
    } else {
        h = p;
        while ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
               *p == '.' || *p == '-') {
            if (*p == '.' && (p == h || p[-1] == '.'))
                return 0;
            p++;
        }
        if (p == h || *h == '-' || p[-1] == '.' || p - h > 253)
            return 0;
    }
    if (*p == ':') {
        if (p[1] < '0' || p[1] > '9')
            return 0;
        port = strtoul(p + 1, &end, 10);
        if (end - (p + 1) > 5 || port == 0 || port > 65535)
            return 0;
        p = end;
    }
    if (*p == '/') {
        for (p++; *p != '\0'; p++)
            if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
                  (*p >= 'A' && *p <= 'Z') || strchr("._~/-", *p) != NULL))
                return 0;
    }
    return *p == '\0';
}

enum keys_status
keys_identity_check(const struct keys_identity *id, struct keys_err *err)
{
    char q[KEYS_QUOTE_MAX + 4];
    size_t n, i;

    if (id == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_identity_check: NULL argument");
    n = bounded_len(id->oin, sizeof id->oin);
    if (n == sizeof id->oin)
        return keys_fail(err, KEYS_EINVAL, "the OIN is longer than 20 digits");
    for (i = 0; i < n && id->oin[i] >= '0' && id->oin[i] <= '9'; i++)
        ;
    if (n != KEYS_OIN_LEN || i != n)
        return keys_fail(err, KEYS_EINVAL,
                         "the OIN \"%s\" must be exactly 20 digits: the organisation "
                         "identification number that Logius issued",
                         keys_quote(id->oin, q));
    n = bounded_len(id->name, sizeof id->name);
    if (n == 0 || n == sizeof id->name)
        return keys_fail(err, KEYS_EINVAL, "the name must be 1 to %zu bytes long",
                         sizeof id->name - 1);
    if (!printable_utf8((const unsigned char *)id->name, n))
        return keys_fail(err, KEYS_EINVAL,
                         "the name must be UTF-8 text without control characters (such as a "
                         "line break or a tab)");
    n = bounded_len(id->role, sizeof id->role);
    for (i = 0; n < sizeof id->role && i < sizeof roles / sizeof roles[0]; i++)
        if (strcmp(id->role, roles[i]) == 0)
            break;
    if (n == sizeof id->role || i == sizeof roles / sizeof roles[0])
        return keys_fail(err, KEYS_EINVAL,
                         "the role \"%s\" is not one of school, municipality, uwv, rmc, jobcoach, "
                         "coordinator",
                         n < sizeof id->role ? keys_quote(id->role, q) : "(too long)");
    n = bounded_len(id->endpoint, sizeof id->endpoint);
    if (n == sizeof id->endpoint || !endpoint_ok(id->endpoint))
        return keys_fail(err, KEYS_EINVAL,
                         "the endpoint \"%s\" must be an https URL https://HOST[:PORT][/PATH], "
                         "HOST a DNS name, an IPv4 address or an [IPv6] address, PATH of letters, "
                         "digits and . _ ~ / -",
                         n < sizeof id->endpoint ? keys_quote(id->endpoint, q) : "(too long)");
    return KEYS_OK;
}
