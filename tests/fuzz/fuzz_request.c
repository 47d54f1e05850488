/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * Fuzz target: batond's request handling in process, without sockets. A real municipality's
 * batond is loaded (daemon_load, not daemon_start: no listener, no delivery worker) from a
 * network made at start in a temporary folder, and each input is one to FUZZ_MAX_REQUESTS
 * requests that go to core_peer_handler or core_admin_handler as daemon/http.c would pass them.
 *
 * An input is text, requests separated by a line "===":
 *
 *     WHO MODE METHOD TARGET\n
 *     [Authorization: VALUE\n]
 *     BODY
 *
 * WHO   's' peer API, TLS client the school; 'm' peer API, the municipality itself (a member
 *       naming us); 'x' peer API without a peer (the server never does this; must be refused);
 *       'a' admin API as batond's own uid; 'r' as root; 'u' as uid 65534, who has no role;
 *       'd' no request: the outbox row TARGET is delivered, as the delivery worker (which does
 *       not run here) records it when the school's receipt comes back (METHOD is not looked at).
 * MODE  '-' the body as it is. '!' seal it first, so that the fuzzer gets past the cryptography:
 *       on POST /v1/packets the body is a send request as for the admin API's POST /v1/send
 *       ({"purpose", "basis", "consent", "law", "form"}; "to" is ignored), sealed by the school
 *       for the municipality now; on POST /v1/notices it is {"typ", "packet", "extra"}: a
 *       notice of that typ signed by the school, about the packet "packet" (its SHA-256 taken
 *       from our outbox when we sent it, from our inbox when we received it) with the members of
 *       the object "extra".
 * TARGET the path and the query after '?', as sent.
 *
 * "@id" in TARGET and BODY becomes the last packet id of this input: the one '!' sealed, or the
 * "id" of the last JSON reply that had one (a send, a consent), so that one input can receive a
 * packet and then accept it, or send one and then read the recipient's notice about it.
 *
 * State: before every input the store is made anew (closed, its files replaced by the empty
 * store's, opened again; the rest of the daemon, loaded once, is read-only to requests), so an
 * input's outcome does not depend on the inputs before it, the store cannot grow across runs, and a
 * crash file reproduces alone. What still differs from run to run: the clock (time(NULL): the
 * daemon checks validity against it, and the network made at start is valid from a day ago for a
 * year) and the random packet ids and keys.
 */
#define _GNU_SOURCE /* asprintf, memmem */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "core.h"
#include "daemon.h"
#include "forms.h"
#include "http.h"
#include "keys.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_REQUESTS 8      /* per input: enough for receive, then decide, then read */
#define FUZZ_SEP "\n===\n"       /* between requests */
#define FUZZ_TARGET_MAX 2048     /* longest path and query: libmicrohttpd's limits are larger */
#define FUZZ_ID_TOKEN "@id"      /* replaced by the last packet id */
#define FUZZ_UID_NOBODY 65534L   /* a user without any role */
#define FUZZ_DAY ((time_t)86400) /* the network is valid around now by days */

#define OIN_COORD "00000001001234567002"
#define OIN_SCHOOL "00000001812345671000"
#define OIN_GEM "00000001001234567000"

struct fuzz_env {
    char dir[64];                 /* the temporary folder */
    char conf[128];               /* the municipality's batond.conf */
    char db[128];                 /* its store */
    struct keys_keystore *school; /* the sender of sealed packets and notices */
    struct keys_directory *dir_doc;
    struct forms_catalogue *cat;
    struct daemon *d;
    unsigned char *image; /* the empty store's file (reset_store) */
    size_t image_len;
    int verbose; /* BATON_FUZZ_LOG set: the daemon's log to stderr */
    int strict;  /* a 500 is a crash, unless BATON_FUZZ_LAX is set */
};

static struct fuzz_env env;
static int made = 0; /* 1 made, -1 failed */

static void
log_stderr(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "%s\n", line);
}

static int
write_file(const char *dir, const char *name, const char *text, size_t len)
{
    char path[256];
    FILE *f;
    int ok;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    ok = fwrite(text, 1, len, f) == len;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static void
remove_env(void)
{
    static const char *const names[] = {"batond.conf",   "gem.keystore", "coord.json",
                                        "directory.jws", "covenant.jws", "store.db",
                                        "store.db-wal",  "store.db-shm", "store.db-journal"};
    char path[256];
    size_t i;

    daemon_free(env.d);
    env.d = NULL;
    keys_keystore_free(env.school);
    env.school = NULL;
    keys_directory_free(env.dir_doc);
    env.dir_doc = NULL;
    forms_catalogue_free(env.cat);
    env.cat = NULL;
    free(env.image);
    env.image = NULL;
    if (env.dir[0] == '\0')
        return;
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", env.dir, names[i]);
        unlink(path);
    }
    rmdir(env.dir);
    env.dir[0] = '\0';
}

static int
make_keystore(const char *oin, const char *name, const char *role, const char *endpoint, time_t now,
              struct keys_keystore **out)
{
    struct keys_identity id = {0};

    snprintf(id.oin, sizeof id.oin, "%s", oin);
    snprintf(id.name, sizeof id.name, "%s", name);
    snprintf(id.role, sizeof id.role, "%s", role);
    snprintf(id.endpoint, sizeof id.endpoint, "%s", endpoint);
    return keys_keystore_create(&id, now - FUZZ_DAY, now + 365 * FUZZ_DAY, out, NULL) == KEYS_OK
               ? 0
               : -1;
}

/* Signs doc with the coordinator's key and writes it to name. */
static int
sign_to_file(const struct keys_keystore *coord, const json_t *doc, time_t now, const char *name)
{
    char *jws = NULL;
    size_t len = 0;
    int rc;

    if (keys_document_sign(keys_keystore_signer(coord, now), env.cat, doc, &jws, &len, NULL) !=
        KEYS_OK)
        return -1;
    rc = write_file(env.dir, name, jws, len);
    free(jws);
    return rc;
}

/* The example covenant, valid from yesterday for a year. */
static json_t *
covenant_now(time_t now)
{
    char from[KEYS_TIME_LEN + 1], until[KEYS_TIME_LEN + 1];
    json_t *cov = json_load_file(BATON_SOURCE_DIR "/forms/examples/valid/covenant.json", 0, NULL);

    if (cov == NULL)
        return NULL;
    keys_time_format(now - FUZZ_DAY, from);
    keys_time_format(now + 365 * FUZZ_DAY, until);
    from[10] = until[10] = '\0'; /* dates */
    json_object_set_new(cov, "valid_from", json_string(from));
    json_object_set_new(cov, "valid_until", json_string(until));
    return cov;
}

/* The municipality's daemon on a new, empty store. */
static int
load_daemon(void)
{
    const struct daemon_options o = {env.conf, env.verbose ? log_stderr : NULL, NULL};
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    struct daemon_err err = {0};
    char path[160];
    size_t i;

    daemon_free(env.d);
    env.d = NULL;
    for (i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(path, sizeof path, "%s%s", env.db, suffixes[i]);
        if (unlink(path) != 0 && errno != ENOENT)
            return -1;
    }
    if (daemon_load(&o, &env.d, &err) != DAEMON_OK) {
        fprintf(stderr, "fuzz_request: daemon_load: %s\n", err.text);
        return -1;
    }
    return 0;
}

/* Reads the whole file at path: the empty store, to write back for every input. */
static int
image_read(const char *path, unsigned char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    long n;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 ||
        fseek(f, 0, SEEK_SET) != 0 || (*out = malloc((size_t)n)) == NULL) {
        if (f != NULL)
            fclose(f);
        return -1;
    }
    *len = fread(*out, 1, (size_t)n, f);
    fclose(f);
    return *len == (size_t)n ? 0 : -1;
}

/* The store anew, under the loaded daemon: the cheap part of load_daemon (which compiles the
 * catalogue and verifies the network's documents: a hundred times slower) for every input. The
 * first time the store is created; its file, closed (so that SQLite folded its journal into it),
 * is kept in memory and written back for every later input, which saves creating the schema.
 * What the daemon keeps outside its store (configuration, keys, directory, covenant, catalogue,
 * roles) no request changes; the audit reader is not open (daemon_start opens it). */
static int
reset_store(void)
{
    static const char *const suffixes[] = {"-wal", "-shm", "-journal", ""};
    struct daemon_err err = {0};
    unsigned char *key = NULL;
    char path[160];
    size_t i;
    int rc = -1;

    store_close(env.d->store);
    env.d->store = NULL;
    env.d->checkpoint_warned = 0;
    if (env.image == NULL && image_read(env.db, &env.image, &env.image_len) != 0) {
        free(env.image);
        env.image = NULL;
        return -1;
    }
    for (i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(path, sizeof path, "%s%s", env.db, suffixes[i]);
        if (unlink(path) != 0 && errno != ENOENT)
            return -1;
    }
    if (write_file(env.dir, "store.db", (const char *)env.image, env.image_len) != 0 ||
        chmod(env.db, 0600) != 0)
        goto out;
    key = sodium_malloc(STORE_KEY_BYTES);
    if (key == NULL)
        goto out;
    if (keys_keystore_derive_key(env.d->ks, "store", key, NULL) == KEYS_OK &&
        store_open(env.db, env.d->me->oin, key, &env.d->store, &err) == DAEMON_OK)
        rc = 0;
    else
        fprintf(stderr, "fuzz_request: store_open: %s\n", err.text);
out:
    sodium_free(key);
    return rc;
}

/* The network: the coordinator, the school and the municipality, the signed directory and
 * covenant, the municipality's keystore and configuration; then its daemon. */
static int
make_env(void)
{
    const struct forms_options fopt = {.format_assertion = true};
    struct keys_keystore *coord = NULL, *gem = NULL;
    json_t *dir = NULL, *orgs = NULL, *entry = NULL, *cov = NULL;
    char issued[KEYS_TIME_LEN + 1], expires[KEYS_TIME_LEN + 1], path[160];
    const char *tmp = getenv("TMPDIR");
    char *text = NULL, *dir_jws = NULL;
    size_t dir_len = 0;
    time_t now = time(NULL);
    int rc = -1;
    struct keys_pub coord_pub;

    env.verbose = getenv("BATON_FUZZ_LOG") != NULL;
    env.strict = getenv("BATON_FUZZ_LAX") == NULL;
    /* Memory (tmpfs) if there is some: SQLite syncs every commit, and a disk makes that the
     * slowest part of a run. */
    if (tmp == NULL || strlen(tmp) >= 30)
        tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(env.dir, sizeof env.dir, "%s/baton-fuzz-request.XXXXXX", tmp);
    if (mkdtemp(env.dir) == NULL) {
        env.dir[0] = '\0';
        return -1;
    }
    atexit(remove_env);
    snprintf(env.conf, sizeof env.conf, "%s/batond.conf", env.dir);
    snprintf(env.db, sizeof env.db, "%s/store.db", env.dir);
    if (keys_init(NULL) != KEYS_OK || forms_catalogue_new(&fopt, &env.cat, NULL) != FORMS_OK ||
        forms_catalogue_add_builtin(env.cat, NULL) != FORMS_OK ||
        forms_catalogue_compile(env.cat, NULL) != FORMS_OK)
        goto out;
    if (make_keystore(OIN_COORD, "Regionaal Coordinatiepunt", "coordinator",
                      "https://127.0.0.1:7443", now, &coord) != 0 ||
        make_keystore(OIN_SCHOOL, "Praktijkschool De Brug", "school", "https://127.0.0.1:9443", now,
                      &env.school) != 0 ||
        make_keystore(OIN_GEM, "Gemeente Lindeveld", "municipality", "https://127.0.0.1:8443", now,
                      &gem) != 0)
        goto out;
    snprintf(path, sizeof path, "%s/gem.keystore", env.dir);
    if (keys_keystore_save(gem, path, NULL, 1, NULL) != KEYS_OK)
        goto out;

    /* The coordinator's public entry is what batond reads its keys from. */
    orgs = json_array();
    if (orgs == NULL || keys_keystore_public_entry(coord, &entry, NULL) != KEYS_OK)
        goto out;
    text = json_dumps(entry, JSON_COMPACT);
    if (text == NULL || write_file(env.dir, "coord.json", text, strlen(text)) != 0 ||
        json_array_append_new(orgs, entry) != 0)
        goto out;
    entry = NULL;
    if (keys_keystore_public_entry(env.school, &entry, NULL) != KEYS_OK ||
        json_array_append_new(orgs, entry) != 0)
        goto out;
    entry = NULL;
    if (keys_keystore_public_entry(gem, &entry, NULL) != KEYS_OK ||
        json_array_append_new(orgs, entry) != 0)
        goto out;
    entry = NULL;
    keys_time_format(now - 2 * FUZZ_DAY, issued);
    keys_time_format(now + 30 * FUZZ_DAY, expires);
    dir = json_pack("{s:s, s:i, s:s, s:s, s:O}", "$schema", "urn:baton:directory:1", "version", 1,
                    "issued", issued, "expires", expires, "organisations", orgs);
    cov = covenant_now(now);
    if (dir == NULL || cov == NULL || sign_to_file(coord, dir, now, "directory.jws") != 0 ||
        sign_to_file(coord, cov, now, "covenant.jws") != 0)
        goto out;

    /* The school seals with the directory as it knows it: the same signed document. */
    keys_sign_key_public(keys_keystore_signer(coord, now), &coord_pub);
    if (keys_document_sign(keys_keystore_signer(coord, now), env.cat, dir, &dir_jws, &dir_len,
                           NULL) != KEYS_OK ||
        keys_directory_load(dir_jws, dir_len, &coord_pub, 1, env.cat, now, &env.dir_doc, NULL) !=
            KEYS_OK)
        goto out;

    free(text);
    text = NULL;
    if (asprintf(&text, "keystore = gem.keystore\n"
                        "directory = directory.jws\n"
                        "coordinator = coord.json\n"
                        "covenant = covenant.jws\n"
                        "database = store.db\n"
                        "listen = 127.0.0.1:0\n"
                        "admin_socket = admin.sock\n"
                        "log_level = debug\n") < 0) {
        text = NULL;
        goto out;
    }
    if (write_file(env.dir, "batond.conf", text, strlen(text)) != 0 || load_daemon() != 0)
        goto out;
    rc = 0;
out:
    free(text);
    free(dir_jws);
    json_decref(entry);
    json_decref(orgs);
    json_decref(dir);
    json_decref(cov);
    keys_keystore_free(coord);
    keys_keystore_free(gem);
    return rc;
}

/* The covenant the daemon works under: its id and the SHA-256 of the signed document, as a
 * sender under it states them. */
static void
covenant_of(const struct daemon *d, const char **id, const unsigned char **sha256)
{
    *id = d->covenant_id;
    *sha256 = d->covenant_sha256;
}

static const char *
str_member(const json_t *o, const char *name)
{
    return json_string_value(json_object_get(o, name));
}

/* '!' on POST /v1/packets: the send request in body sealed by the school for us. NULL when it
 * cannot be sealed (the fuzzer's form is refused by keys_packet_seal: then the request is not
 * made at all). */
static char *
seal_packet(const char *body, size_t len, size_t *out_len, char last_id[KEYS_UUID_LEN + 1])
{
    struct keys_packet_params p = {0};
    json_t *req = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
    char *out = NULL;

    if (!json_is_object(req))
        goto out;
    p.to = OIN_GEM;
    p.purpose = str_member(req, "purpose");
    if (!keys_basis_from_name(str_member(req, "basis") ? str_member(req, "basis") : "", &p.basis))
        p.basis = KEYS_BASIS_CONSENT;
    p.law = str_member(req, "law");
    p.consent_id = str_member(req, "consent");
    covenant_of(env.d, &p.covenant_id, &p.covenant_sha256);
    p.form = json_object_get(req, "form");
    if (p.covenant_id == NULL ||
        keys_packet_seal_local(env.school, env.dir_doc, env.cat, &p, time(NULL), &out, out_len,
                               last_id, NULL) != KEYS_OK)
        out = NULL;
out:
    json_decref(req);
    return out;
}

/* '!' on POST /v1/notices: a notice by the school to us, about a packet of our outbox. */
static char *
sign_notice(const char *body, size_t len, size_t *out_len)
{
    unsigned char sha[KEYS_SHA256_LEN] = {0};
    struct store_out o = {0};
    struct store_in in = {0};
    json_t *req = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
    const json_t *extra;
    const char *typ, *packet;
    char *out = NULL;
    time_t now = time(NULL);

    if (!json_is_object(req))
        goto out;
    typ = str_member(req, "typ");
    packet = str_member(req, "packet");
    extra = json_object_get(req, "extra");
    if (typ == NULL || packet == NULL)
        goto out;
    /* A decision answers a packet we sent; a withdrawal, one we received. */
    if (store_outbox_get(env.d->store, packet, &o, NULL) == DAEMON_OK && o.body != NULL)
        crypto_hash_sha256(sha, (const unsigned char *)o.body, o.body_len);
    else if (store_inbox_get(env.d->store, packet, &in, NULL, NULL, NULL) == DAEMON_OK)
        memcpy(sha, in.sha256, sizeof sha);
    if (keys_notice_sign(keys_keystore_signer(env.school, now), typ, OIN_SCHOOL, OIN_GEM, packet,
                         sha, json_is_object(extra) ? extra : NULL, now, &out, out_len,
                         NULL) != KEYS_OK)
        out = NULL;
out:
    store_out_clear(&o);
    store_in_clear(&in);
    json_decref(req);
    return out;
}

/* 'd': what the delivery worker does when the school answers a delivery with its receipt (the
 * worker does not run here): the school opens the packet and signs the receipt, and the outbox
 * row is marked delivered, so that the school's notices about it are taken. */
static void
deliver(const char *id)
{
    struct keys_packet p = {0};
    struct store_out o = {0};
    struct store_event ev = {"delivered", id,  OIN_SCHOOL, "delivered by the fuzz harness",
                             NULL,        NULL};
    char *receipt = NULL;
    size_t rlen = 0;
    time_t now = time(NULL);

    if (store_outbox_get(env.d->store, id, &o, NULL) != DAEMON_OK)
        return;
    if (o.kind == STORE_PACKET &&
        (keys_packet_open_local(env.school, env.dir_doc, env.cat, now, o.body, o.body_len, &p,
                                NULL) != KEYS_OK ||
         keys_receipt_sign_local(env.school, &p, now, &receipt, &rlen, NULL) != KEYS_OK))
        goto out;
    (void)store_outbox_delivered(env.d->store, o.id, now, receipt, &ev, NULL);
out:
    free(receipt);
    keys_packet_clear(&p);
    store_out_clear(&o);
}

/* s[0..len) with every FUZZ_ID_TOKEN replaced by id; NUL-terminated, malloc'd. */
static char *
with_id(const char *s, size_t len, const char *id, size_t *out_len)
{
    const size_t tl = sizeof FUZZ_ID_TOKEN - 1, il = strlen(id);
    size_t i = 0, o = 0;
    char *out = malloc(len * (il > tl ? il : tl) / tl + 1);

    if (out == NULL)
        return NULL;
    while (i < len) {
        if (il > 0 && len - i >= tl && memcmp(s + i, FUZZ_ID_TOKEN, tl) == 0) {
            memcpy(out + o, id, il);
            o += il;
            i += tl;
        } else {
            out[o++] = s[i++];
        }
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

/* Remembers the "id" of a JSON reply, for "@id" in later requests. */
static void
remember_id(const struct http_reply *reply, char last_id[KEYS_UUID_LEN + 1])
{
    json_t *j;
    const char *id;

    if (reply->body == NULL || reply->content_type == NULL ||
        strcmp(reply->content_type, "application/json") != 0)
        return;
    j = json_loadb(reply->body, reply->body_len, 0, NULL);
    id = str_member(j, "id");
    if (id != NULL && strlen(id) == KEYS_UUID_LEN)
        memcpy(last_id, id, KEYS_UUID_LEN + 1);
    json_decref(j);
}

/* One request: r[0..len), as the header comment says. */
static void
run_request(const char *r, size_t len, char last_id[KEYS_UUID_LEN + 1])
{
    static const unsigned char empty[1] = {0};
    struct http_request req = {0};
    struct http_reply reply = {0, NULL, NULL, 0};
    char method[16], target[FUZZ_TARGET_MAX + 1], auth[1024];
    const char *nl, *sp, *q, *body;
    char *text = NULL, *sealed = NULL;
    size_t n, text_len = 0, body_len, sealed_len = 0;
    char who, mode;

    text = with_id(r, len, last_id, &text_len);
    if (text == NULL || text_len < 4 || text[2] != ' ')
        goto out;
    who = text[0];
    mode = text[1];
    nl = memchr(text, '\n', text_len);
    if (nl == NULL)
        nl = text + text_len;
    if (nl - text < 4) /* "WHO MODE METHOD" needs more */
        goto out;
    sp = memchr(text + 3, ' ', (size_t)(nl - text - 3));
    if (sp == NULL || (size_t)(sp - text - 3) >= sizeof method ||
        (size_t)(nl - sp - 1) > FUZZ_TARGET_MAX)
        goto out;
    memcpy(method, text + 3, (size_t)(sp - text - 3));
    method[sp - text - 3] = '\0';
    n = (size_t)(nl - sp - 1);
    memcpy(target, sp + 1, n);
    target[n] = '\0';
    /* libmicrohttpd hands over a path without NUL bytes (it ends at one) and the query apart. */
    if (memchr(target, '\0', n) != NULL || memchr(method, '\0', strlen(method)) != NULL)
        goto out;
    q = strchr(target, '?');
    req.query = q != NULL ? q + 1 : "";
    if (q != NULL)
        target[q - target] = '\0';
    req.method = method;
    req.path = target;
    body = nl < text + text_len ? nl + 1 : text + text_len;
    body_len = (size_t)(text + text_len - body);
    if (body_len > 15 && memcmp(body, "Authorization: ", 15) == 0 &&
        (nl = memchr(body, '\n', body_len)) != NULL && (size_t)(nl - body - 15) < sizeof auth &&
        memchr(body + 15, '\0', (size_t)(nl - body - 15)) == NULL) {
        memcpy(auth, body + 15, (size_t)(nl - body - 15));
        auth[nl - body - 15] = '\0';
        body_len -= (size_t)(nl + 1 - body);
        body = nl + 1;
    } else {
        auth[0] = '\0';
    }
    if (mode == '!' && strcmp(method, "POST") == 0 && strcmp(target, "/v1/packets") == 0) {
        sealed = seal_packet(body, body_len, &sealed_len, last_id);
        if (sealed == NULL)
            goto out;
        body = sealed;
        body_len = sealed_len;
    } else if (mode == '!' && strcmp(method, "POST") == 0 && strcmp(target, "/v1/notices") == 0) {
        sealed = sign_notice(body, body_len, &sealed_len);
        if (sealed == NULL)
            goto out;
        body = sealed;
        body_len = sealed_len;
    } else if (mode != '-') {
        goto out;
    }
    /* As daemon/http.c fills it: the body (NUL after it), the peer by mode. */
    req.body = body_len > 0 ? (const unsigned char *)body : empty;
    req.body_len = body_len;
    req.content_type = "application/json";
    req.actor = NULL;
    req.peer_uid = -1;
    switch (who) {
    case 's':
    case 'm':
    case 'x':
        req.peer_oin = who == 's' ? OIN_SCHOOL : who == 'm' ? OIN_GEM : NULL;
        req.peer_pin = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
        req.peer_addr = "127.0.0.1:40000";
        if (req.body_len > HTTP_DEFAULT_MAX_BODY)
            goto out; /* the server answers 413 itself */
        core_peer_handler(env.d, &req, &reply);
        break;
    case 'a':
    case 'r':
    case 'u':
        req.peer_uid = who == 'a' ? (long)geteuid() : who == 'r' ? 0 : FUZZ_UID_NOBODY;
        req.authorization = auth[0] != '\0' ? auth : NULL;
        core_admin_handler(env.d, &req, &reply);
        break;
    case 'd':
        deliver(target);
        goto out;
    default:
        goto out;
    }
    /* What every handler promises the server (daemon/http.h); and no 500: here memory and the
     * store do not fail, so a 500 is batond's own bug (an "out of memory" that was an audit
     * entry jansson refused was found so). BATON_FUZZ_LAX lets 500s pass, to look further. */
    if (reply.status < 100 || reply.status > 599 || (reply.body == NULL && reply.body_len != 0) ||
        (env.strict && reply.status == 500))
        abort();
    if (env.verbose)
        fprintf(stderr, "fuzz_request: %c %s %s -> %d %.*s\n", who, method, target, reply.status,
                reply.body != NULL && reply.body_len < 400 ? (int)reply.body_len : 400,
                reply.body != NULL ? reply.body : "");
    remember_id(&reply, last_id);
    if (reply.body != NULL)
        sodium_memzero(reply.body, reply.body_len);
    free(reply.body);
out:
    free(sealed);
    free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size, *sep;
    char last_id[KEYS_UUID_LEN + 1] = "";
    int i;

    /* A harness that cannot set up would pass every input untried: that must fail loudly. */
    if (made == 0)
        made = make_env() == 0 ? 1 : -1;
    if (made < 0 || reset_store() != 0) {
        fprintf(stderr, "fuzz_request: cannot set up the municipality's batond in %s\n", env.dir);
        abort();
    }
    for (i = 0; i < FUZZ_MAX_REQUESTS && p < end; i++) {
        sep = memmem(p, (size_t)(end - p), FUZZ_SEP, sizeof FUZZ_SEP - 1);
        run_request(p, (size_t)((sep != NULL ? sep : end) - p), last_id);
        p = sep != NULL ? sep + sizeof FUZZ_SEP - 1 : end;
    }
    return 0;
}
