/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * The young person's keyed pseudonym in the audit trail: the same person gives the same
 * pseudonym at one organisation (so that a privacy officer can answer "what did you share about
 * me?"), while the pseudonym tells nothing to whoever lacks the organisation's key.
 */
#include <ctype.h>
#include <string.h>

#include <sodium.h>

#include "core.h"

#define PSEUDONYM_LABEL "baton pseudonym v1"
#define PSEUDONYM_BYTES (CORE_PSEUDONYM_LEN / 2)

/* The surname as compared: white space trimmed and runs of it made one space, ASCII letters in
 * lower case (as the consent check compares surnames: case does not matter). */
static size_t
normalise(const char *in, char *out, size_t size)
{
    size_t n = 0;
    int space = 0;

    for (; *in != '\0' && n + 1 < size; in++) {
        unsigned char c = (unsigned char)*in;

        if (isspace(c)) {
            space = n > 0;
            continue;
        }
        if (space && n + 2 < size)
            out[n++] = ' ';
        space = 0;
        out[n++] = (char)(c < 0x80 ? tolower(c) : c);
    }
    out[n] = '\0';
    return n;
}

int
core_pseudonym(const struct daemon *d, const char *last_name, const char *date_of_birth,
               char out[CORE_PSEUDONYM_LEN + 1])
{
    crypto_generichash_state h;
    unsigned char mac[PSEUDONYM_BYTES];
    char name[256];
    size_t n;

    out[0] = '\0';
    if (d == NULL || d->pseudonym_key == NULL || last_name == NULL || date_of_birth == NULL)
        return 0;
    n = normalise(last_name, name, sizeof name);
    if (n == 0 || strlen(date_of_birth) != 10)
        return 0;
    if (crypto_generichash_init(&h, d->pseudonym_key, CORE_PSEUDONYM_KEY_BYTES, sizeof mac) != 0)
        return 0;
    crypto_generichash_update(&h, (const unsigned char *)PSEUDONYM_LABEL,
                              sizeof PSEUDONYM_LABEL); /* with its NUL */
    crypto_generichash_update(&h, (const unsigned char *)name, n + 1);
    crypto_generichash_update(&h, (const unsigned char *)date_of_birth, 10);
    crypto_generichash_final(&h, mac, sizeof mac);
    sodium_bin2hex(out, CORE_PSEUDONYM_LEN + 1, mac, sizeof mac);
    sodium_memzero(name, sizeof name);
    return 1;
}

int
core_form_pseudonym(const struct daemon *d, const json_t *form, char out[CORE_PSEUDONYM_LEN + 1])
{
    const json_t *person = json_object_get(form, "young_person");

    if (person == NULL)
        person = json_object_get(form, "subject"); /* a consent record */
    return core_pseudonym(d, json_string_value(json_object_get(person, "last_name")),
                          json_string_value(json_object_get(person, "date_of_birth")), out);
}
