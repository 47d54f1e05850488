/* SPDX-License-Identifier: EUPL-1.2 */
/* Small open-addressing hash maps: URIs to schema documents, and schema objects to locations. */
#include <stdlib.h>
#include <string.h>

#include "forms_int.h"

/* Eight bytes at a time with a multiply-xorshift mix: property names and enum strings are
 * hashed on every validation, so this is on the hot path. Not for adversarial keys: forms only
 * look keys up, they never fill these tables. */
uint32_t
forms_hash(const void *s, size_t n)
{
    const unsigned char *p = s;
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ n;

    while (n >= 8) {
        uint64_t w;

        memcpy(&w, p, 8);
        h = (h ^ w) * 0xBF58476D1CE4E5B9ULL;
        h ^= h >> 31;
        p += 8;
        n -= 8;
    }
    if (n > 0) {
        uint64_t w = 0;

        memcpy(&w, p, n);
        h = (h ^ w) * 0x94D049BB133111EBULL;
        h ^= h >> 29;
    }
    h *= 0xBF58476D1CE4E5B9ULL;
    return (uint32_t)(h ^ (h >> 32));
}

static uint32_t
key_hash(const struct map *m, const void *key)
{
    if (m->strings)
        return forms_hash(key, strlen(key));
    return forms_hash(&key, sizeof key);
}

static bool
key_eq(const struct map *m, const struct map_entry *e, const void *key, uint32_t h)
{
    if (e->hash != h)
        return false;
    return m->strings ? strcmp(e->key, key) == 0 : e->key == key;
}

void *
forms_map_get(const struct map *m, const void *key)
{
    uint32_t h;
    size_t i;

    if (m->cap == 0)
        return NULL;
    h = key_hash(m, key);
    for (i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        const struct map_entry *e = &m->slots[i];

        if (e->key == NULL)
            return NULL;
        if (key_eq(m, e, key, h))
            return e->value;
    }
}

static int
rehash(struct map *m, size_t cap)
{
    struct map_entry *slots = calloc(cap, sizeof *slots);
    size_t i;

    if (slots == NULL)
        return -1;
    for (i = 0; i < m->cap; i++) {
        struct map_entry *e = &m->slots[i];
        size_t j;

        if (e->key == NULL)
            continue;
        for (j = e->hash & (cap - 1); slots[j].key != NULL; j = (j + 1) & (cap - 1))
            ;
        slots[j] = *e;
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    return 0;
}

int
forms_map_put(struct map *m, const void *key, void *value)
{
    uint32_t h;
    size_t i;

    /* Keep the load under one half so that probes stay short. */
    if ((m->count + 1) * 2 > m->cap && rehash(m, m->cap ? m->cap * 2 : 16) != 0)
        return -1;
    h = key_hash(m, key);
    for (i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        struct map_entry *e = &m->slots[i];

        if (e->key == NULL) {
            e->key = key;
            e->hash = h;
            e->value = value;
            m->count++;
            return 0;
        }
        if (key_eq(m, e, key, h)) {
            e->value = value;
            return 0;
        }
    }
}

void
forms_map_free(struct map *m)
{
    free(m->slots);
    m->slots = NULL;
    m->cap = m->count = 0;
}
