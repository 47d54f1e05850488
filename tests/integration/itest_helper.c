/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * What the integration tests need that the shell cannot do:
 *
 *   itest_helper ports N
 *       N free TCP ports on 127.0.0.1, one a line (the kernel picks them; the directory must name
 *       the daemons' endpoints before they start)
 *   itest_helper json FILE PATH
 *       the value at PATH in the JSON file FILE: PATH is dot-separated member names and array
 *       indexes ("items.0.state"); "#" as the last step gives the size of an array or object.
 *       Strings print as they are, other values as compact JSON. Exit 1 when there is none.
 *   itest_helper post KEYSTORE BASE_URL PATH PIN BODY_FILE REPLY_FILE
 *       POSTs BODY_FILE as application/jose over mutual TLS with the keystore's certificate,
 *       trusting the peer key PIN (batond's own client, daemon/deliver.c); prints the HTTP
 *       status and writes the reply body. Exit 1 when no answer came.
 *   itest_helper admin SOCKET METHOD PATH [BODY_FILE]
 *       one request to a daemon's admin API on its Unix socket, as a client other than baton
 *       would send it (baton checks forms before batond sees them); prints the HTTP status on
 *       the first line and the body after it; with $BATON_TOKEN as a bearer token when set
 *   itest_helper sql DATABASE STATEMENT
 *       runs one SQL statement on a daemon's store, as an operator's sqlite3 shell would (to
 *       move a time back, for the deadline tests); the daemon may be running
 *   itest_helper query DATABASE STATEMENT
 *       as sql, printing the first column of each row (text), one a line
 *   itest_helper audit-fill DATABASE N
 *       appends N entries to the audit chain of a stopped daemon's store, each chained to the one
 *       before as batond chains them (a large trail, for the progress of a verification)
 *   itest_helper reseal KEYSTORE PACKET OUT
 *       decrypts PACKET (addressed to KEYSTORE's organisation) and encrypts its signed content
 *       again to the same key with the same routing header: the same packet id, other bytes
 *
 * Exit status 2 for bad usage or unreadable input.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sqlite3.h>

#include "deliver.h"
#include "keys.h"
#include "store.h"

static int
read_file(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    size_t n = 0, cap = 1 << 16, r;
    char *buf = malloc(cap + 1), *grown;

    if (f == NULL || buf == NULL) {
        fprintf(stderr, "itest_helper: cannot read %s\n", path);
        if (f != NULL)
            fclose(f);
        free(buf);
        return 2;
    }
    while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            cap *= 2;
            grown = realloc(buf, cap + 1);
            if (grown == NULL) {
                fclose(f);
                free(buf);
                return 2;
            }
            buf = grown;
        }
    }
    fclose(f);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

static int
write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    if (f == NULL || fwrite(data, 1, len, f) != len) {
        fprintf(stderr, "itest_helper: cannot write %s\n", path);
        if (f != NULL)
            fclose(f);
        return 2;
    }
    return fclose(f) == 0 ? 0 : 2;
}

static int
ports(int n)
{
    int fds[64], i, rc = 0;
    struct sockaddr_in a;
    socklen_t len;

    if (n < 1 || n > 64)
        return 2;
    /* All bound at once, so that the N ports differ; closed only after printing. */
    for (i = 0; i < n; i++) {
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof a;
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        if (fds[i] < 0 || bind(fds[i], (struct sockaddr *)&a, sizeof a) != 0 ||
            getsockname(fds[i], (struct sockaddr *)&a, &len) != 0) {
            perror("itest_helper: ports");
            rc = 2;
            n = i + 1;
            break;
        }
        printf("%u\n", (unsigned)ntohs(a.sin_port));
    }
    for (i = 0; i < n; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    return rc;
}

static int
json_at(const char *path, const char *where)
{
    json_error_t jerr;
    json_t *doc = json_load_file(path, JSON_DECODE_ANY, &jerr), *cur;
    char *steps = strdup(where), *step, *save = NULL, *s;
    int rc = 1;

    if (doc == NULL || steps == NULL) {
        fprintf(stderr, "itest_helper: %s: %s\n", path, doc == NULL ? jerr.text : "no memory");
        json_decref(doc);
        free(steps);
        return 2;
    }
    cur = doc;
    for (step = strtok_r(steps, ".", &save); step != NULL && cur != NULL;
         step = strtok_r(NULL, ".", &save)) {
        if (strcmp(step, "#") == 0) {
            printf("%zu\n", json_is_array(cur) ? json_array_size(cur) : json_object_size(cur));
            rc = 0;
            goto out;
        }
        if (json_is_array(cur))
            cur = json_array_get(cur, (size_t)strtoul(step, NULL, 10));
        else
            cur = json_object_get(cur, step);
    }
    if (cur != NULL) {
        if (json_is_string(cur)) {
            printf("%s\n", json_string_value(cur));
        } else {
            s = json_dumps(cur, JSON_COMPACT | JSON_ENCODE_ANY);
            printf("%s\n", s != NULL ? s : "");
            free(s);
        }
        rc = 0;
    }
out:
    json_decref(doc);
    free(steps);
    return rc;
}

static int
post(const char *keystore, const char *url, const char *path, const char *pin,
     const char *body_path, const char *reply_path)
{
    struct keys_keystore *ks = NULL;
    struct keys_err kerr = {0};
    struct daemon_err err = {0};
    struct deliver *d = NULL;
    unsigned char *reply = NULL;
    size_t len = 0, reply_len = 0, key_len = 0;
    char *body = NULL, *key = NULL;
    long status = 0;
    int rc = 2;

    if (read_file(body_path, &body, &len) != 0)
        return 2;
    if (keys_keystore_load(keystore, NULL, &ks, &kerr) != KEYS_OK ||
        keys_keystore_tls_key_pem(ks, &key, &key_len, &kerr) != KEYS_OK) {
        fprintf(stderr, "itest_helper: %s: %s\n", keystore, kerr.text);
        goto out;
    }
    if (deliver_new(keys_keystore_tls_cert_pem(ks), key, 5000, 20000, 1 << 20, &d, &err) !=
        DAEMON_OK) {
        fprintf(stderr, "itest_helper: %s\n", err.text);
        goto out;
    }
    if (deliver_post(d, url, path, pin, "application/jose", (const unsigned char *)body, len,
                     &status, &reply, &reply_len, &err) != DAEMON_OK) {
        fprintf(stderr, "itest_helper: %s\n", err.text);
        rc = 1;
        goto out;
    }
    printf("%ld\n", status);
    rc = write_file(reply_path, reply, reply_len);
out:
    deliver_free(d);
    keys_secret_free(key);
    keys_keystore_free(ks);
    free(reply);
    free(body);
    return rc;
}

static size_t
collect(char *data, size_t size, size_t n, void *ctx)
{
    return fwrite(data, size, n, ctx) == n ? size * n : 0;
}

static int
admin(const char *socket, const char *method, const char *path, const char *body_path)
{
    struct curl_slist *hdr = NULL;
    const char *token = getenv("BATON_TOKEN");
    char url[512], auth[600], *body = NULL;
    FILE *out = tmpfile();
    size_t len = 0;
    long status = 0;
    CURL *c = NULL;
    int rc = 2, ch;

    if (out == NULL || (body_path != NULL && read_file(body_path, &body, &len) != 0))
        goto done;
    c = curl_easy_init();
    if (c == NULL)
        goto done;
    snprintf(url, sizeof url, "http://batond%s", path);
    hdr = curl_slist_append(NULL, "Content-Type: application/json");
    if (token != NULL && token[0] != '\0') { /* as baton sends it, for the roles' tests */
        snprintf(auth, sizeof auth, "Authorization: Bearer %.500s", token);
        hdr = curl_slist_append(hdr, auth);
    }
    curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, socket);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    if (body != NULL) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
    }
    if (curl_easy_perform(c) != CURLE_OK) {
        fprintf(stderr, "itest_helper: no answer on %s\n", socket);
        rc = 1;
        goto done;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    printf("%ld\n", status);
    rewind(out);
    while ((ch = fgetc(out)) != EOF)
        putchar(ch);
    putchar('\n');
    rc = 0;
done:
    curl_slist_free_all(hdr);
    if (c != NULL)
        curl_easy_cleanup(c);
    if (out != NULL)
        fclose(out);
    free(body);
    return rc;
}

/* Prints the first column of every row as text, one a line (sqlite3_exec's callback). */
static int
print_row(void *ctx, int n, char **values, char **names)
{
    (void)ctx;
    (void)names;
    if (n > 0)
        printf("%s\n", values[0] != NULL ? values[0] : "");
    return 0;
}

static int
sql(const char *path, const char *statement, int print)
{
    sqlite3 *db = NULL;
    char *msg = NULL;
    int rc = 0;

    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        fprintf(stderr, "itest_helper: %s: %s\n", path, db ? sqlite3_errmsg(db) : "no memory");
        rc = 2;
    } else {
        sqlite3_busy_timeout(db, 5000);
        if (sqlite3_exec(db, statement, print ? print_row : NULL, NULL, &msg) != SQLITE_OK) {
            fprintf(stderr, "itest_helper: %s: %s\n", path, msg != NULL ? msg : "failed");
            rc = 1;
        }
    }
    sqlite3_free(msg);
    sqlite3_close(db);
    return rc;
}

static int
audit_fill(const char *path, const char *count)
{
    unsigned char prev[STORE_HASH_BYTES] = {0}, hash[STORE_HASH_BYTES];
    struct store_audit e = {0};
    sqlite3_stmt *last = NULL, *ins = NULL;
    sqlite3 *db = NULL;
    long long n = atoll(count), i;
    int rc = 1;

    if (n <= 0 || sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
        sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", -1, &last,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO audit (seq, at, event, detail, hash) "
                           "VALUES (?, ?, 'filler', 'an entry of a large trail', ?)",
                           -1, &ins, NULL) != SQLITE_OK) {
        fprintf(stderr, "itest_helper: audit-fill %s %s: %s\n", path, count,
                db != NULL ? sqlite3_errmsg(db) : "no memory");
        goto out;
    }
    if (sqlite3_step(last) == SQLITE_ROW) {
        e.seq = sqlite3_column_int64(last, 0);
        if (sqlite3_column_bytes(last, 1) == STORE_HASH_BYTES)
            memcpy(prev, sqlite3_column_blob(last, 1), STORE_HASH_BYTES);
    }
    e.at = time(NULL);
    e.event = "filler";
    e.detail = "an entry of a large trail";
    for (i = 0; i < n; i++) {
        e.seq++;
        store_audit_hash(prev, &e, hash);
        memcpy(prev, hash, sizeof prev);
        sqlite3_bind_int64(ins, 1, e.seq);
        sqlite3_bind_int64(ins, 2, (sqlite3_int64)e.at);
        sqlite3_bind_blob(ins, 3, hash, STORE_HASH_BYTES, SQLITE_TRANSIENT);
        if (sqlite3_step(ins) != SQLITE_DONE) {
            fprintf(stderr, "itest_helper: audit-fill: %s\n", sqlite3_errmsg(db));
            goto out;
        }
        sqlite3_reset(ins);
    }
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
        rc = 0;
    else
        fprintf(stderr, "itest_helper: audit-fill: %s\n", sqlite3_errmsg(db));
out:
    sqlite3_finalize(last);
    sqlite3_finalize(ins);
    sqlite3_close(db); /* an open transaction is rolled back */
    return rc;
}

static int
reseal(const char *keystore, const char *packet_path, const char *out_path)
{
    static const char *const routing[] = {"typ", "cty", "jti", "iss", "aud"};
    struct keys_packet_header h = {0};
    struct keys_jwe_opened o = {0};
    struct keys_keystore *ks = NULL;
    const struct keys_enc_key *key;
    struct keys_err kerr = {0};
    struct keys_pub pub;
    char *packet = NULL, *out = NULL;
    size_t len = 0, out_len = 0, i;
    json_t *extra = json_object();
    int rc = 2;

    if (read_file(packet_path, &packet, &len) != 0)
        return 2;
    if (keys_keystore_load(keystore, NULL, &ks, &kerr) != KEYS_OK ||
        keys_packet_inspect(packet, len, &h, &kerr) != KEYS_OK) {
        fprintf(stderr, "itest_helper: %s\n", kerr.text);
        goto out;
    }
    key = keys_keystore_enc_key(ks, h.kid);
    if (key == NULL || keys_jwe_decrypt(key, packet, len, &o, &kerr) != KEYS_OK) {
        fprintf(stderr, "itest_helper: cannot decrypt: %s\n", kerr.text);
        goto out;
    }
    for (i = 0; i < sizeof routing / sizeof routing[0]; i++)
        json_object_set(extra, routing[i], json_object_get(o.header, routing[i]));
    keys_enc_key_public(key, &pub);
    if (keys_jwe_encrypt(&pub, extra, o.plaintext, o.plaintext_len, &out, &out_len, &kerr) !=
        KEYS_OK) {
        fprintf(stderr, "itest_helper: cannot encrypt: %s\n", kerr.text);
        goto out;
    }
    rc = write_file(out_path, out, out_len);
out:
    json_decref(extra);
    free(out);
    keys_jwe_opened_clear(&o);
    keys_packet_header_clear(&h);
    keys_keystore_free(ks);
    free(packet);
    return rc;
}

int
main(int argc, char **argv)
{
    struct keys_err kerr = {0};

    if (argc == 3 && strcmp(argv[1], "ports") == 0)
        return ports(atoi(argv[2]));
    if (argc == 4 && strcmp(argv[1], "json") == 0)
        return json_at(argv[2], argv[3]);
    if (argc == 4 && strcmp(argv[1], "sql") == 0)
        return sql(argv[2], argv[3], 0);
    if (argc == 4 && strcmp(argv[1], "query") == 0)
        return sql(argv[2], argv[3], 1);
    if (argc == 4 && strcmp(argv[1], "audit-fill") == 0)
        return audit_fill(argv[2], argv[3]);
    if ((argc == 5 || argc == 6) && strcmp(argv[1], "admin") == 0)
        return admin(argv[2], argv[3], argv[4], argc == 6 ? argv[5] : NULL);
    if (keys_init(&kerr) != KEYS_OK) {
        fprintf(stderr, "itest_helper: %s\n", kerr.text);
        return 2;
    }
    if (argc == 8 && strcmp(argv[1], "post") == 0)
        return post(argv[2], argv[3], argv[4], argv[5], argv[6], argv[7]);
    if (argc == 5 && strcmp(argv[1], "reseal") == 0)
        return reseal(argv[2], argv[3], argv[4]);
    fputs("usage: itest_helper ports N | json FILE PATH | sql|query DATABASE STATEMENT |\n"
          "       audit-fill DATABASE N |\n"
          "       admin SOCKET METHOD PATH [BODY] |\n"
          "       post KEYSTORE URL PATH PIN BODY REPLY | reseal KEYSTORE PACKET OUT\n",
          stderr);
    return 2;
}
