/* SPDX-License-Identifier: EUPL-1.2 */
/* The network directory, once verified: its members and their keys, indexed for the look-ups
 * that every packet needs (who signed this, which key do I seal to). */
#include <stdlib.h>
#include <string.h>

#include "keys_int.h"

/* One key of a member, as the directory lists it. */
struct dir_key {
    struct keys_pub pub;
    enum keys_use use;
    time_t from, until;                 /* valid from .. until, both inclusive */
    const char *from_text, *until_text; /* as written, borrowed from the document */
    const struct dir_member *owner;
};

/* A member; pub comes first, so that a pointer to it is a pointer to the member. */
struct dir_member {
    struct keys_member pub;
    size_t first_key, n_keys; /* its keys: keys[first_key .. first_key + n_keys) */
};

struct keys_directory {
    json_t *doc;                /* owns every string the members point to */
    struct dir_member *members; /* in the document's order */
    size_t n_members;
    const struct dir_member **by_oin; /* sorted by OIN, for bsearch */
    struct dir_key *keys;             /* grouped by member, in the document's order */
    size_t n_keys;
    const struct dir_key **by_kid; /* sorted by kid */
};

void
keys_directory_free(struct keys_directory *dir)
{
    if (dir == NULL)
        return;
    free(dir->by_kid);
    free(dir->keys);
    free(dir->by_oin);
    free(dir->members);
    json_decref(dir->doc);
    free(dir);
}

static int
cmp_oin(const void *a, const void *b)
{
    const struct dir_member *const *x = a, *const *y = b;

    return strcmp((*x)->pub.oin, (*y)->pub.oin);
}

static int
cmp_kid(const void *a, const void *b)
{
    const struct dir_key *const *x = a, *const *y = b;

    return strcmp((*x)->pub.kid, (*y)->pub.kid);
}

static int
cmp_pin(const void *a, const void *b)
{
    const struct dir_member *const *x = a, *const *y = b;

    return strcmp((*x)->pub.tls_pin, (*y)->pub.tls_pin);
}

/* Longest part of a member's name quoted in a message. */
#define NAME_MAX_BYTES 80
/* Room for who(): the name, its OIN and its place. */
#define WHO_LEN (NAME_MAX_BYTES + 80)

/* Where a member is in the document, for messages: "Gemeente Lindeveld (OIN ..., organisation
 * 4)". Names come from a document the coordinator signed; still, no control character of them
 * reaches a message. */
static const char *
who(const struct dir_member *m, const struct dir_member *first, char *buf, size_t size)
{
    char name[NAME_MAX_BYTES + 4];

    snprintf(buf, size, "%s (OIN %s, organisation %zu)",
             keys_clean_text(m->pub.name, name, NAME_MAX_BYTES), m->pub.oin,
             (size_t)(m - first) + 1);
    return buf;
}

/* Reads one key of member m: its JWK by its use, and its validity period. */
static enum keys_status
read_key(const json_t *jwk, size_t index, const struct dir_member *m,
         const struct dir_member *first, struct dir_key *out, struct keys_err *err)
{
    const char *use = json_string_value(json_object_get(jwk, "use"));
    char w[WHO_LEN];
    struct keys_err e = {0};
    enum keys_status st;

    out->owner = m;
    out->from_text = json_string_value(json_object_get(jwk, "validFrom"));
    out->until_text = json_string_value(json_object_get(jwk, "validUntil"));
    if (use == NULL || out->from_text == NULL || out->until_text == NULL)
        return keys_fail(err, KEYS_ESCHEMA, "%s: key %zu lacks use, validFrom or validUntil",
                         who(m, first, w, sizeof w), index + 1);
    if (strcmp(use, "sig") == 0) {
        out->use = KEYS_USE_SIG;
        st = keys_sign_pub_from_jwk(jwk, &out->pub, &e);
    } else if (strcmp(use, "enc") == 0) {
        out->use = KEYS_USE_ENC;
        st = keys_enc_pub_from_jwk(jwk, &out->pub, &e);
    } else {
        char q[KEYS_QUOTE_MAX + 4];

        return keys_fail(err, KEYS_ESCHEMA, "%s: key %zu has use \"%s\", not \"sig\" or \"enc\"",
                         who(m, first, w, sizeof w), index + 1, keys_quote(use, q));
    }
    if (st != KEYS_OK)
        return keys_fail(err, st, "%s: key %zu: %s", who(m, first, w, sizeof w), index + 1, e.text);
    if (keys_time_parse(out->from_text, &out->from, "validFrom", &e) != KEYS_OK ||
        keys_time_parse(out->until_text, &out->until, "validUntil", &e) != KEYS_OK)
        return keys_fail(err, KEYS_ESCHEMA, "%s: key %s: %s", who(m, first, w, sizeof w),
                         out->pub.kid, e.text);
    if (out->from > out->until)
        return keys_fail(err, KEYS_ESCHEMA,
                         "%s: key %s is valid until %s, before it becomes valid (%s)",
                         who(m, first, w, sizeof w), out->pub.kid, out->until_text, out->from_text);
    return KEYS_OK;
}

/* Reads the members and keys of doc into dir (members, keys; not yet sorted). */
static enum keys_status
read_members(const json_t *doc, struct keys_directory *dir, struct keys_err *err)
{
    const json_t *orgs = json_object_get(doc, "organisations"), *org, *jwks, *jwk;
    struct dir_member *m;
    enum keys_status st;
    size_t i, j, total = 0;

    if (!json_is_array(orgs) || json_array_size(orgs) == 0)
        return keys_fail(err, KEYS_ESCHEMA, "the directory lists no organisations");
    json_array_foreach (orgs, i, org)
        total += json_array_size(json_object_get(json_object_get(org, "jwks"), "keys"));
    dir->members = calloc(json_array_size(orgs), sizeof *dir->members);
    dir->keys = calloc(total > 0 ? total : 1, sizeof *dir->keys);
    if (dir->members == NULL || dir->keys == NULL)
        return keys_fail(err, KEYS_ENOMEM, "out of memory indexing the directory");
    json_array_foreach (orgs, i, org) {
        m = &dir->members[i];
        m->pub.oin = json_string_value(json_object_get(org, "oin"));
        m->pub.name = json_string_value(json_object_get(org, "name"));
        m->pub.role = json_string_value(json_object_get(org, "role"));
        m->pub.endpoint = json_string_value(json_object_get(org, "endpoint"));
        m->pub.tls_pin = json_string_value(json_object_get(org, "tls_pin"));
        if (m->pub.oin == NULL || m->pub.name == NULL || m->pub.role == NULL ||
            m->pub.endpoint == NULL || m->pub.tls_pin == NULL)
            return keys_fail(err, KEYS_ESCHEMA,
                             "organisation %zu of the directory lacks oin, name, role, endpoint "
                             "or tls_pin",
                             i + 1);
        dir->n_members = i + 1;
        jwks = json_object_get(json_object_get(org, "jwks"), "keys");
        m->first_key = dir->n_keys;
        json_array_foreach (jwks, j, jwk) {
            st = read_key(jwk, j, m, dir->members, &dir->keys[dir->n_keys], err);
            if (st != KEYS_OK)
                return st;
            dir->n_keys++;
            m->n_keys++;
        }
    }
    return KEYS_OK;
}

/* x and y (members, pointers to their pub) in the document's order. */
static void
order_members(const struct keys_member *x, const struct keys_member *y,
              const struct dir_member **first, const struct dir_member **second)
{
    const struct dir_member *a = (const struct dir_member *)x, *b = (const struct dir_member *)y;

    *first = a < b ? a : b;
    *second = a < b ? b : a;
}

/* Sorts the indexes, and refuses what would make a look-up ambiguous: an OIN, a key, or a TLS
 * pin (which names the peer of a TLS connection) listed twice. */
static enum keys_status
sort_and_check(struct keys_directory *dir, struct keys_err *err)
{
    char a[WHO_LEN], b[WHO_LEN];
    const struct dir_member **by_pin = NULL, *m1, *m2;
    enum keys_status st = KEYS_OK;
    size_t i;

    dir->by_oin = malloc(dir->n_members * sizeof *dir->by_oin);
    dir->by_kid = malloc((dir->n_keys > 0 ? dir->n_keys : 1) * sizeof *dir->by_kid);
    by_pin = malloc(dir->n_members * sizeof *by_pin);
    if (dir->by_oin == NULL || dir->by_kid == NULL || by_pin == NULL) {
        st = keys_fail(err, KEYS_ENOMEM, "out of memory indexing the directory");
        goto out;
    }
    for (i = 0; i < dir->n_members; i++)
        dir->by_oin[i] = by_pin[i] = &dir->members[i];
    for (i = 0; i < dir->n_keys; i++)
        dir->by_kid[i] = &dir->keys[i];
    qsort(dir->by_oin, dir->n_members, sizeof *dir->by_oin, cmp_oin);
    qsort(by_pin, dir->n_members, sizeof *by_pin, cmp_pin);
    qsort(dir->by_kid, dir->n_keys, sizeof *dir->by_kid, cmp_kid);
    /* Equal entries are next to each other after sorting; messages name them in the
     * document's order, which qsort does not keep. */
    for (i = 1; i < dir->n_members; i++) {
        if (strcmp(dir->by_oin[i - 1]->pub.oin, dir->by_oin[i]->pub.oin) == 0) {
            order_members(&dir->by_oin[i - 1]->pub, &dir->by_oin[i]->pub, &m1, &m2);
            st = keys_fail(err, KEYS_ESCHEMA,
                           "OIN %s is listed twice in the directory: %s and %s; each "
                           "organisation may be listed once",
                           m1->pub.oin, who(m1, dir->members, a, sizeof a),
                           who(m2, dir->members, b, sizeof b));
            goto out;
        }
    }
    for (i = 1; i < dir->n_keys; i++) {
        if (strcmp(dir->by_kid[i - 1]->pub.kid, dir->by_kid[i]->pub.kid) != 0)
            continue;
        order_members(&dir->by_kid[i - 1]->owner->pub, &dir->by_kid[i]->owner->pub, &m1, &m2);
        if (m1 == m2)
            st = keys_fail(err, KEYS_ESCHEMA, "key %s is listed twice by %s; list each key once",
                           dir->by_kid[i]->pub.kid, who(m1, dir->members, a, sizeof a));
        else
            st = keys_fail(err, KEYS_ESCHEMA,
                           "key %s is listed twice in the directory: by %s and by %s; a key "
                           "belongs to one organisation",
                           dir->by_kid[i]->pub.kid, who(m1, dir->members, a, sizeof a),
                           who(m2, dir->members, b, sizeof b));
        goto out;
    }
    for (i = 1; i < dir->n_members; i++) {
        if (strcmp(by_pin[i - 1]->pub.tls_pin, by_pin[i]->pub.tls_pin) == 0) {
            order_members(&by_pin[i - 1]->pub, &by_pin[i]->pub, &m1, &m2);
            st = keys_fail(err, KEYS_ESCHEMA,
                           "%s and %s have the same TLS pin %s; a TLS key must name one "
                           "organisation",
                           who(m1, dir->members, a, sizeof a), who(m2, dir->members, b, sizeof b),
                           m1->pub.tls_pin);
            goto out;
        }
    }
out:
    free(by_pin);
    return st;
}

enum keys_status
keys_directory_index(const json_t *doc, struct keys_directory **out, struct keys_err *err)
{
    struct keys_directory *dir;
    enum keys_status st;

    if (doc == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_directory_index: NULL argument");
    dir = calloc(1, sizeof *dir);
    if (dir == NULL)
        return keys_fail(err, KEYS_ENOMEM, "out of memory indexing the directory");
    st = read_members(doc, dir, err);
    if (st == KEYS_OK)
        st = sort_and_check(dir, err);
    if (st == KEYS_OK && out != NULL) {
        /* The index only reads the document; the reference keeps its strings alive. */
        dir->doc = json_incref((json_t *)doc);
        *out = dir;
        dir = NULL;
    }
    keys_directory_free(dir);
    return st;
}

enum keys_status
keys_directory_load(const char *jws, size_t len, const struct keys_pub *coordinators,
                    size_t n_coordinators, const struct forms_catalogue *cat, time_t now,
                    struct keys_directory **out, struct keys_err *err)
{
    struct keys_directory *dir = NULL;
    enum keys_status st;
    json_t *doc = NULL;

    if (out == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_directory_load: NULL argument");
    st = keys_document_open(jws, len, KEYS_TYP_DIRECTORY, coordinators, n_coordinators, cat, now,
                            &doc, &dir, err);
    json_decref(doc); /* dir keeps its own reference */
    if (st == KEYS_OK)
        *out = dir;
    return st;
}

static const struct dir_member *
find_member(const struct keys_directory *dir, const char *oin)
{
    struct dir_member key;
    const struct dir_member *kp = &key, *const * found;

    key.pub.oin = oin;
    found = bsearch(&kp, dir->by_oin, dir->n_members, sizeof *dir->by_oin, cmp_oin);
    return found != NULL ? *found : NULL;
}

const struct keys_member *
keys_directory_member(const struct keys_directory *dir, const char *oin)
{
    const struct dir_member *m;

    if (dir == NULL || oin == NULL)
        return NULL;
    m = find_member(dir, oin);
    return m != NULL ? &m->pub : NULL;
}

/* "valid from .. until .., not at ..": why a key cannot be used at time at. */
static enum keys_status
not_valid(const struct keys_directory *dir, const struct dir_key *k, const char *what, time_t at,
          struct keys_err *err)
{
    char w[WHO_LEN], t[KEYS_TIME_LEN + 1];

    keys_time_format(at, t);
    return keys_fail(err, KEYS_EEXPIRED, "%s %s of %s is valid from %s until %s, not at %s", what,
                     k->pub.kid, who(k->owner, dir->members, w, sizeof w), k->from_text,
                     k->until_text, t);
}

enum keys_status
keys_directory_signing_key(const struct keys_directory *dir, const char *kid, time_t at,
                           const struct keys_member **owner, struct keys_pub *out,
                           struct keys_err *err)
{
    char q[KEYS_QUOTE_MAX + 4], w[WHO_LEN];
    struct dir_key key;
    const struct dir_key *kp = &key, *const * found, *k;

    if (dir == NULL || kid == NULL || owner == NULL || out == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_directory_signing_key: NULL argument");
    if (strlen(kid) != KEYS_KID_LEN)
        return keys_fail(err, KEYS_EKID, "kid \"%s\" is not a key thumbprint (%d characters)",
                         keys_quote(kid, q), KEYS_KID_LEN);
    memcpy(key.pub.kid, kid, KEYS_KID_LEN + 1);
    found = bsearch(&kp, dir->by_kid, dir->n_keys, sizeof *dir->by_kid, cmp_kid);
    if (found == NULL)
        return keys_fail(err, KEYS_EKID,
                         "no organisation in the directory has a key with kid %s; the signer is "
                         "not a member, or its key is not (or no longer) listed",
                         kid);
    k = *found;
    if (k->use != KEYS_USE_SIG)
        return keys_fail(err, KEYS_EKID, "key %s of %s is an encryption key, not a signing key",
                         kid, who(k->owner, dir->members, w, sizeof w));
    if (at < k->from || at > k->until)
        return not_valid(dir, k, "signing key", at, err);
    *owner = &k->owner->pub;
    *out = k->pub;
    return KEYS_OK;
}

enum keys_status
keys_directory_encryption_key(const struct keys_directory *dir, const char *oin, time_t at,
                              struct keys_pub *out, struct keys_err *err)
{
    char q[KEYS_QUOTE_MAX + 4], w[WHO_LEN], t[KEYS_TIME_LEN + 1];
    const struct dir_key *k, *best = NULL, *any = NULL;
    const struct dir_member *m;
    size_t i;

    if (dir == NULL || oin == NULL || out == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_directory_encryption_key: NULL argument");
    m = find_member(dir, oin);
    if (m == NULL)
        return keys_fail(err, KEYS_EKID, "no organisation with OIN %s in the directory",
                         keys_quote(oin, q));
    for (i = 0; i < m->n_keys; i++) {
        k = &dir->keys[m->first_key + i];
        if (k->use != KEYS_USE_ENC)
            continue;
        if (any == NULL || k->from > any->from)
            any = k;
        /* Of the valid ones the newest: during a rotation, senders move to the new key as soon
         * as it is valid, and the old one still opens what was sealed before. */
        if (at >= k->from && at <= k->until && (best == NULL || k->from > best->from))
            best = k;
    }
    if (best == NULL) {
        keys_time_format(at, t);
        if (any == NULL)
            return keys_fail(err, KEYS_EKID, "%s has no encryption key in the directory",
                             who(m, dir->members, w, sizeof w));
        return keys_fail(err, KEYS_EKID,
                         "%s has no encryption key valid at %s (its newest, %s, is valid from "
                         "%s until %s)",
                         who(m, dir->members, w, sizeof w), t, any->pub.kid, any->from_text,
                         any->until_text);
    }
    *out = best->pub;
    return KEYS_OK;
}
