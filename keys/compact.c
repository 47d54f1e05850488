/* SPDX-License-Identifier: EUPL-1.2 */
/* The shared first steps of reading a compact JWS or JWE: limits, parts, protected header. */
#include <string.h>

#include "keys_int.h"

enum keys_status
keys_compact_split(const char *s, size_t len, size_t n, struct keys_part *parts, const char *kind,
                   struct keys_err *err)
{
    const char *end, *dot;
    size_t count = 1, i;

    if (s == NULL)
        return keys_fail(err, KEYS_EINVAL, "%s: no input", kind);
    if (len > KEYS_MAX_PACKET)
        return keys_fail(err, KEYS_ETOOBIG, "%s of %zu bytes exceeds the limit of %u", kind, len,
                         KEYS_MAX_PACKET);
    end = s + len;
    for (dot = s; (dot = memchr(dot, '.', (size_t)(end - dot))) != NULL; dot++)
        count++;
    if (count != n)
        return keys_fail(err, KEYS_EFORMAT,
                         "%s has %zu dot-separated parts; its compact serialization has %zu", kind,
                         count, n);
    for (i = 0; i < n; i++) {
        dot = i + 1 < n ? memchr(s, '.', (size_t)(end - s)) : end;
        parts[i].p = s;
        parts[i].len = (size_t)(dot - s);
        if (i + 1 < n)
            s = dot + 1;
    }
    return KEYS_OK;
}

enum keys_status
keys_header_parse(const unsigned char *buf, size_t len, const char *what, json_t **out,
                  struct keys_err *err)
{
    char q[KEYS_QUOTE_MAX + 4];
    json_error_t jerr;
    json_t *hdr;

    if (len > KEYS_MAX_HEADER)
        return keys_fail(err, KEYS_ETOOBIG, "%s of %zu bytes exceeds the limit of %u", what, len,
                         KEYS_MAX_HEADER);
    /* jansson refuses invalid UTF-8, "\u0000" in strings and text after the value by default. */
    hdr = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (hdr == NULL)
        return keys_fail(err, KEYS_EHEADER, "%s is not strict JSON: %s (at byte %d)", what,
                         keys_quote(jerr.text, q), jerr.position);
    if (!json_is_object(hdr)) {
        json_decref(hdr);
        return keys_fail(err, KEYS_EHEADER, "%s must be a JSON object", what);
    }
    *out = hdr;
    return KEYS_OK;
}
