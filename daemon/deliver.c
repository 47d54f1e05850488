/* SPDX-License-Identifier: EUPL-1.2 */
/* POSTing packets and notices to peers over mutual TLS with libcurl, the peer's key pinned. */
#define _GNU_SOURCE /* memfd_create, MADV_DONTDUMP */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <curl/curl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <sodium.h>

#include "deliver.h"

/* "sha256//" and the base64 (with padding) of a SHA-256: what keys_keystore_tls_pin writes. */
#define PIN_PREFIX "sha256//"
#define PIN_B64_LEN 44
#define PIN_LEN (sizeof PIN_PREFIX - 1 + PIN_B64_LEN)
/* The longest Content-Type accepted ("application/jose" and the like are short). */
#define CONTENT_TYPE_MAX 128
/* A PEM certificate or key larger than this is not one of ours (an Ed25519 certificate is about
 * 700 bytes, its key 119). */
#define PEM_MAX (64 * 1024)

/* A connection kept for one peer: a libcurl easy handle holds it (and reuses it) between calls. */
struct peer {
    char *base; /* base URL without a trailing '/', NULL = unused slot */
    char *pin;  /* the pin the connection was made with */
    CURL *h;
    unsigned long used; /* for least-recently-used replacement */
};

/* The reply being received. */
struct sink {
    unsigned char *buf;
    size_t len, cap, max;
    int too_big;
};

struct deliver {
    int cert_fd, key_fd;
    size_t key_len;
    void *key_map; /* the key file's pages, locked in memory; MAP_FAILED when not mapped */
    char cert_path[32], key_path[32]; /* "/proc/self/fd/N" */
    long connect_ms, total_ms;
    size_t max_reply;
    unsigned long clock;
    long last_connects;
    int curl_ready; /* curl_global_init succeeded */
    struct peer peers[DELIVER_MAX_PEERS];
    struct sink sink;
    char errbuf[CURL_ERROR_SIZE];
};

unsigned
deliver_backoff(unsigned attempt, unsigned initial_s, unsigned max_s, uint32_t random)
{
    unsigned ceiling, i;

    if (initial_s == 0)
        initial_s = 1;
    if (max_s < initial_s)
        max_s = initial_s;
    if (attempt == 0)
        attempt = 1;
    ceiling = initial_s;
    for (i = 1; i < attempt && ceiling < max_s; i++)
        ceiling = ceiling > max_s / 2 ? max_s : ceiling * 2;
    if (ceiling > max_s)
        ceiling = max_s;
    return initial_s + (unsigned)(random % ((uint32_t)(ceiling - initial_s) + 1u));
}

/* A memory file holding text (len bytes), readable through d's /proc/self/fd path. */
static enum daemon_status
memory_file(const char *name, const char *text, size_t len, int *fd_out, char path[32],
            struct daemon_err *err)
{
    size_t done = 0;
    ssize_t n;
    int fd;

    fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0)
        return daemon_fail(err, DAEMON_EIO,
                           "cannot make a memory file for the TLS %s (memfd_create: %s); batond "
                           "does not write it to a disk instead",
                           name, strerror(errno));
    while (done < len) {
        n = write(fd, text + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            daemon_fail(err, DAEMON_EIO, "cannot fill the memory file for the TLS %s: %s", name,
                        n < 0 ? strerror(errno) : "short write");
            close(fd);
            return DAEMON_EIO;
        }
        done += (size_t)n;
    }
    snprintf(path, 32, "/proc/self/fd/%d", fd);
    /* GnuTLS opens the path afresh for each connection: make sure that works now, not at the
     * first delivery (it needs /proc). */
    if (access(path, R_OK) != 0) {
        daemon_fail(err, DAEMON_EIO,
                    "cannot read the TLS %s through %s (%s); is /proc mounted for batond?", name,
                    path, strerror(errno));
        close(fd);
        return DAEMON_EIO;
    }
    *fd_out = fd;
    return DAEMON_OK;
}

/* Overwrites the memory file's len bytes with zeros before it is closed: closing alone returns
 * the pages to the kernel with the key still in them. */
static void
wipe_file(int fd, size_t len)
{
    static const unsigned char zeros[512];
    size_t done = 0;
    ssize_t n;

    while (done < len) {
        n = pwrite(fd, zeros, len - done < sizeof zeros ? len - done : sizeof zeros, (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    if (ftruncate(fd, 0) != 0) {
        /* the zeros are written; nothing more can be done */
    }
}

/* Checks that cert and key are PEM that GnuTLS reads and that they belong together (the same
 * public key), so that a mistake shows at start and not at the first delivery. */
static enum daemon_status
check_pair(const char *cert_pem, size_t cert_len, const char *key_pem, size_t key_len,
           struct daemon_err *err)
{
    gnutls_x509_crt_t crt = NULL;
    gnutls_x509_privkey_t key = NULL;
    gnutls_datum_t c, k;
    unsigned char cert_id[64], key_id[64];
    size_t cert_id_len = sizeof cert_id, key_id_len = sizeof key_id;
    enum daemon_status st = DAEMON_ETLS;
    int ret;

    c.data = (unsigned char *)(uintptr_t)cert_pem;
    c.size = (unsigned)cert_len;
    k.data = (unsigned char *)(uintptr_t)key_pem;
    k.size = (unsigned)key_len;
    if (gnutls_x509_crt_init(&crt) < 0 || gnutls_x509_privkey_init(&key) < 0) {
        st = daemon_fail(err, DAEMON_ENOMEM, "out of memory");
        goto out;
    }
    ret = gnutls_x509_crt_import(crt, &c, GNUTLS_X509_FMT_PEM);
    if (ret >= 0)
        ret = gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA256, cert_id, &cert_id_len);
    if (ret < 0) {
        daemon_fail(err, DAEMON_ETLS, "the TLS certificate for sending cannot be used: %s",
                    gnutls_strerror(ret));
        goto out;
    }
    ret = gnutls_x509_privkey_import(key, &k, GNUTLS_X509_FMT_PEM);
    if (ret >= 0)
        ret = gnutls_x509_privkey_get_key_id(key, GNUTLS_KEYID_USE_SHA256, key_id, &key_id_len);
    if (ret < 0) {
        daemon_fail(err, DAEMON_ETLS, "the TLS key for sending cannot be used: %s",
                    gnutls_strerror(ret));
        goto out;
    }
    if (cert_id_len != key_id_len || memcmp(cert_id, key_id, key_id_len) != 0) {
        daemon_fail(
            err, DAEMON_ETLS,
            "the TLS key for sending is not the key of its certificate (keystore damaged?)");
        goto out;
    }
    st = DAEMON_OK;
out:
    if (key != NULL)
        gnutls_x509_privkey_deinit(key); /* GnuTLS wipes the key's parameters */
    if (crt != NULL)
        gnutls_x509_crt_deinit(crt);
    return st;
}

enum daemon_status
deliver_new(const char *cert_pem, const char *key_pem, long connect_timeout_ms,
            long total_timeout_ms, size_t max_reply, struct deliver **out, struct daemon_err *err)
{
    struct deliver *d = NULL;
    size_t cert_len, key_len;
    const curl_version_info_data *ver;
    enum daemon_status st;

    if (cert_pem == NULL || key_pem == NULL || out == NULL || connect_timeout_ms <= 0 ||
        total_timeout_ms <= 0 || max_reply == 0 || max_reply > SIZE_MAX - 1)
        return daemon_fail(err, DAEMON_EINVAL, "deliver_new: bad argument");
    cert_len = strnlen(cert_pem, PEM_MAX + 1);
    key_len = strnlen(key_pem, PEM_MAX + 1);
    if (cert_len == 0 || cert_len > PEM_MAX || key_len == 0 || key_len > PEM_MAX)
        return daemon_fail(err, DAEMON_ETLS,
                           "the TLS certificate or key for sending is empty or too large");
    st = check_pair(cert_pem, cert_len, key_pem, key_len, err);
    if (st != DAEMON_OK)
        return st;

    d = calloc(1, sizeof *d);
    if (d == NULL)
        return daemon_fail(err, DAEMON_ENOMEM, "out of memory");
    d->cert_fd = d->key_fd = -1;
    d->key_map = MAP_FAILED;
    d->connect_ms = connect_timeout_ms;
    d->total_ms = total_timeout_ms;
    d->max_reply = max_reply;
    /* Reference-counted, and thread-safe since libcurl 7.84; deliver_free balances it. */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        st = daemon_fail(err, DAEMON_ETLS, "libcurl could not start (curl_global_init)");
        goto out;
    }
    d->curl_ready = 1;
    ver = curl_version_info(CURLVERSION_NOW);
    if (ver == NULL || ver->version_num < 0x075500 || (ver->features & CURL_VERSION_SSL) == 0) {
        st = daemon_fail(err, DAEMON_ETLS,
                         "libcurl %s cannot be used: batond needs 7.85 or later with TLS",
                         ver != NULL ? ver->version : "?");
        goto out;
    }
    st = memory_file("certificate", cert_pem, cert_len, &d->cert_fd, d->cert_path, err);
    if (st != DAEMON_OK)
        goto out;
    st = memory_file("key", key_pem, key_len, &d->key_fd, d->key_path, err);
    if (st != DAEMON_OK)
        goto out;
    d->key_len = key_len;
    /* The memory file's pages are ordinary shared memory: lock them against swap and keep them
     * out of core dumps as sodium_malloc does for its memory (best effort: RLIMIT_MEMLOCK may be
     * small; the key stays off disks but for swap then). */
    d->key_map = mmap(NULL, key_len, PROT_READ | PROT_WRITE, MAP_SHARED, d->key_fd, 0);
    if (d->key_map != MAP_FAILED) {
        (void)mlock(d->key_map, key_len);
        (void)madvise(d->key_map, key_len, MADV_DONTDUMP);
    }
    *out = d;
    d = NULL;
    st = DAEMON_OK;
out:
    deliver_free(d);
    return st;
}

static void
peer_clear(struct peer *p)
{
    if (p->h != NULL)
        curl_easy_cleanup(p->h);
    free(p->base);
    free(p->pin);
    memset(p, 0, sizeof *p);
}

void
deliver_free(struct deliver *d)
{
    size_t i;

    if (d == NULL)
        return;
    for (i = 0; i < DELIVER_MAX_PEERS; i++)
        peer_clear(&d->peers[i]);
    if (d->key_map != MAP_FAILED) {
        sodium_memzero(d->key_map, d->key_len);
        munlock(d->key_map, d->key_len);
        munmap(d->key_map, d->key_len);
    }
    if (d->key_fd >= 0) {
        wipe_file(d->key_fd, d->key_len);
        close(d->key_fd);
    }
    if (d->cert_fd >= 0)
        close(d->cert_fd);
    free(d->sink.buf);
    if (d->curl_ready)
        curl_global_cleanup();
    free(d);
}

long
deliver_last_connects(const struct deliver *d)
{
    return d != NULL ? d->last_connects : 0;
}

static size_t
on_data(char *data, size_t size, size_t nmemb, void *ctx)
{
    struct sink *s = ctx;
    size_t n = size * nmemb, cap;
    unsigned char *nb;

    if (n > s->max - s->len) {
        s->too_big = 1;
        return 0; /* libcurl stops with CURLE_WRITE_ERROR */
    }
    if (s->len + n + 1 > s->cap) {
        cap = s->cap == 0 ? 4096 : s->cap;
        while (cap < s->len + n + 1)
            cap *= 2;
        if (cap > s->max + 1)
            cap = s->max + 1;
        nb = realloc(s->buf, cap);
        if (nb == NULL)
            return 0;
        s->buf = nb;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, data, n);
    s->len += n;
    return n;
}

/* Sets an option that must take; libcurl's refusal means this build cannot do what batond needs. */
#define SETOPT(h, opt, val)                                                                        \
    do {                                                                                           \
        CURLcode rc_ = curl_easy_setopt((h), (opt), (val));                                        \
        if (rc_ != CURLE_OK) {                                                                     \
            st = daemon_fail(err, rc_ == CURLE_OUT_OF_MEMORY ? DAEMON_ENOMEM : DAEMON_ETLS,        \
                             "libcurl refused %s: %s", #opt, curl_easy_strerror(rc_));             \
            goto out;                                                                              \
        }                                                                                          \
    } while (0)

/* A new easy handle for one peer, with everything but the request itself set. */
static enum daemon_status
peer_handle(struct deliver *d, const char *pin, CURL **out, struct daemon_err *err)
{
    CURL *h = curl_easy_init();
    enum daemon_status st = DAEMON_ETLS;

    if (h == NULL)
        return daemon_fail(err, DAEMON_ENOMEM, "out of memory (curl_easy_init)");
    SETOPT(h, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for timeouts */
    SETOPT(h, CURLOPT_ERRORBUFFER, d->errbuf);
    SETOPT(h, CURLOPT_PROTOCOLS_STR, "https");
    SETOPT(h, CURLOPT_FOLLOWLOCATION, 0L);
    SETOPT(h, CURLOPT_PROXY, ""); /* "" also ignores https_proxy and the like */
    SETOPT(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    SETOPT(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    /* Trust is the pin, checked by libcurl after the handshake and before any request byte is
     * sent; a self-signed peer certificate has no CA to verify and names no host to check. */
    SETOPT(h, CURLOPT_SSL_VERIFYPEER, 0L);
    SETOPT(h, CURLOPT_SSL_VERIFYHOST, 0L);
    SETOPT(h, CURLOPT_PINNEDPUBLICKEY, pin);
    SETOPT(h, CURLOPT_CAINFO, (char *)NULL); /* no system CA bundle to load per connection */
    SETOPT(h, CURLOPT_CAPATH, (char *)NULL);
    /* Every new connection is a full handshake whose certificate the pin is checked against,
     * rather than a resumed session that may carry no certificate to check. */
    SETOPT(h, CURLOPT_SSL_SESSIONID_CACHE, 0L);
    SETOPT(h, CURLOPT_SSLCERT, d->cert_path);
    SETOPT(h, CURLOPT_SSLCERTTYPE, "PEM");
    SETOPT(h, CURLOPT_SSLKEY, d->key_path);
    SETOPT(h, CURLOPT_SSLKEYTYPE, "PEM");
    SETOPT(h, CURLOPT_CONNECTTIMEOUT_MS, d->connect_ms);
    SETOPT(h, CURLOPT_TIMEOUT_MS, d->total_ms);
    SETOPT(h, CURLOPT_MAXCONNECTS, 1L); /* one peer per handle, used by one thread */
    SETOPT(h, CURLOPT_TCP_KEEPALIVE, 1L);
    SETOPT(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)d->max_reply);
    SETOPT(h, CURLOPT_WRITEFUNCTION, on_data);
    SETOPT(h, CURLOPT_WRITEDATA, &d->sink);
    SETOPT(h, CURLOPT_POST, 1L);
    *out = h;
    h = NULL;
    st = DAEMON_OK;
out:
    if (h != NULL)
        curl_easy_cleanup(h);
    return st;
}

/* The handle for base (with pin): kept from earlier calls, or new in a free or the least recently
 * used slot. A peer whose pin changed (the directory now lists another key) gets a new handle:
 * a connection made under the old pin is never reused under the new one. */
static enum daemon_status
peer_find(struct deliver *d, const char *base, size_t base_len, const char *pin, struct peer **out,
          struct daemon_err *err)
{
    struct peer *p, *victim = NULL;
    enum daemon_status st;
    size_t i;

    for (i = 0; i < DELIVER_MAX_PEERS; i++) {
        p = &d->peers[i];
        if (p->base != NULL && strlen(p->base) == base_len &&
            memcmp(p->base, base, base_len) == 0) {
            if (strcmp(p->pin, pin) == 0) {
                p->used = ++d->clock;
                *out = p;
                return DAEMON_OK;
            }
            peer_clear(p);
            victim = p;
            break;
        }
    }
    for (i = 0; victim == NULL && i < DELIVER_MAX_PEERS; i++) {
        p = &d->peers[i];
        if (p->base == NULL)
            victim = p;
    }
    if (victim == NULL) {
        victim = &d->peers[0];
        for (i = 1; i < DELIVER_MAX_PEERS; i++) {
            if (d->peers[i].used < victim->used)
                victim = &d->peers[i];
        }
        peer_clear(victim);
    }
    victim->base = malloc(base_len + 1);
    victim->pin = strdup(pin);
    if (victim->base == NULL || victim->pin == NULL) {
        peer_clear(victim);
        return daemon_fail(err, DAEMON_ENOMEM, "out of memory");
    }
    memcpy(victim->base, base, base_len);
    victim->base[base_len] = '\0';
    st = peer_handle(d, pin, &victim->h, err);
    if (st != DAEMON_OK) {
        peer_clear(victim);
        return st;
    }
    victim->used = ++d->clock;
    *out = victim;
    return DAEMON_OK;
}

static int
has_control(const char *s)
{
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == ' ')
            return 1;
    }
    return 0;
}

/* A pin as the directory gives it: "sha256//" and 44 characters of base64 (one key only: libcurl
 * would take ';' as "or"). */
static int
pin_ok(const char *pin)
{
    size_t i;

    if (strlen(pin) != PIN_LEN || strncmp(pin, PIN_PREFIX, sizeof PIN_PREFIX - 1) != 0)
        return 0;
    for (i = sizeof PIN_PREFIX - 1; i < PIN_LEN; i++) {
        char ch = pin[i];

        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '+' || ch == '/' || (ch == '=' && i == PIN_LEN - 1)))
            return 0;
    }
    return 1;
}

/* The message for a failed transfer. */
static enum daemon_status
transfer_fail(struct deliver *d, CURL *h, CURLcode rc, const char *base, const char *pin,
              struct daemon_err *err)
{
    const char *detail = d->errbuf[0] != '\0' ? d->errbuf : curl_easy_strerror(rc);
    long os_errno = 0;

    switch (rc) {
    case CURLE_COULDNT_CONNECT:
        curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno);
        return daemon_fail(err, DAEMON_EIO, "could not connect to %s: %s", base,
                           os_errno != 0 ? strerror((int)os_errno) : detail);
    case CURLE_COULDNT_RESOLVE_HOST:
        return daemon_fail(err, DAEMON_EIO, "could not find the host of %s: %s", base, detail);
    case CURLE_OPERATION_TIMEDOUT:
        return daemon_fail(err, DAEMON_ETIMEOUT,
                           "%s did not answer in time (%ld ms to connect, %ld ms in all): %s", base,
                           d->connect_ms, d->total_ms, detail);
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        return daemon_fail(err, DAEMON_ETLS,
                           "the peer's TLS key is not the one the directory lists (pin %s) at %s; "
                           "nothing was sent",
                           pin, base);
    case CURLE_SSL_CERTPROBLEM:
        return daemon_fail(err, DAEMON_ETLS,
                           "this organisation's TLS certificate or key could not be used: %s",
                           detail);
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_USE_SSL_FAILED:
        return daemon_fail(err, DAEMON_ETLS, "TLS with %s failed: %s", base, detail);
    case CURLE_FILESIZE_EXCEEDED:
        return daemon_fail(err, DAEMON_EPEER,
                           "the reply of %s is larger than %zu bytes; it was dropped", base,
                           d->max_reply);
    case CURLE_WRITE_ERROR:
        if (d->sink.too_big)
            return daemon_fail(err, DAEMON_EPEER,
                               "the reply of %s is larger than %zu bytes; it was dropped", base,
                               d->max_reply);
        return daemon_fail(err, DAEMON_ENOMEM, "out of memory for the reply of %s", base);
    case CURLE_OUT_OF_MEMORY:
        return daemon_fail(err, DAEMON_ENOMEM, "out of memory talking to %s", base);
    case CURLE_GOT_NOTHING:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_BAD_CONTENT_ENCODING:
        return daemon_fail(err, DAEMON_EPEER, "%s did not answer with HTTP: %s", base, detail);
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        return daemon_fail(err, DAEMON_EINVAL, "cannot post to %s: %s", base, detail);
    default:
        return daemon_fail(err, DAEMON_EIO, "posting to %s failed: %s", base, detail);
    }
}

enum daemon_status
deliver_post(struct deliver *d, const char *base_url, const char *path, const char *pin,
             const char *content_type, const unsigned char *body, size_t len, long *http_status,
             unsigned char **reply, size_t *reply_len, struct daemon_err *err)
{
    char url[DELIVER_URL_MAX + 1], header[CONTENT_TYPE_MAX + 32];
    struct curl_slist *headers = NULL, *more;
    enum daemon_status st = DAEMON_EINVAL;
    size_t base_len;
    struct peer *p = NULL;
    unsigned char *copy = NULL;
    long status = 0;
    CURLcode rc;

    if (d == NULL || base_url == NULL || path == NULL || content_type == NULL ||
        (body == NULL && len > 0) || http_status == NULL || (reply != NULL && reply_len == NULL))
        return daemon_fail(err, DAEMON_EINVAL, "deliver_post: NULL argument");
    d->last_connects = 0;
    if (strncmp(base_url, "https://", 8) != 0)
        return daemon_fail(err, DAEMON_EINVAL,
                           "refusing to send to \"%.200s\": peers are reached over https:// only",
                           base_url);
    if (has_control(base_url) || has_control(path) || path[0] != '/')
        return daemon_fail(err, DAEMON_EINVAL,
                           "refusing to send to \"%.200s\" \"%.200s\": not a URL and path",
                           base_url, path);
    if (pin == NULL || !pin_ok(pin))
        return daemon_fail(err, DAEMON_EINVAL,
                           "refusing to send to %.200s without a valid key pin (\"sha256//\" and "
                           "44 base64 characters), not \"%.80s\"",
                           base_url, pin != NULL ? pin : "(none)");
    if (strlen(content_type) > CONTENT_TYPE_MAX || content_type[0] == '\0' ||
        strpbrk(content_type, "\r\n") != NULL || has_control(content_type))
        return daemon_fail(err, DAEMON_EINVAL, "deliver_post: bad content type");
    base_len = strlen(base_url);
    while (base_len > 8 && base_url[base_len - 1] == '/')
        base_len--;
    if (base_len + strlen(path) > DELIVER_URL_MAX)
        return daemon_fail(err, DAEMON_EINVAL, "refusing to send to %.200s: URL too long",
                           base_url);
    memcpy(url, base_url, base_len);
    memcpy(url + base_len, path, strlen(path) + 1);

    st = peer_find(d, base_url, base_len, pin, &p, err);
    if (st != DAEMON_OK)
        goto out;
    snprintf(header, sizeof header, "Content-Type: %s", content_type);
    headers = curl_slist_append(NULL, header);
    /* No "Expect: 100-continue" wait for small bodies either way; libcurl sends it for large
     * ones, which lets a peer refuse (403, 413) before the body travels. */
    more = headers != NULL
               ? curl_slist_append(headers, "Accept: application/jose, application/json")
               : NULL;
    if (more == NULL) {
        st = daemon_fail(err, DAEMON_ENOMEM, "out of memory");
        goto out;
    }
    headers = more;
    d->errbuf[0] = '\0';
    d->sink.len = 0;
    d->sink.too_big = 0;
    d->sink.max = d->max_reply;
    st = DAEMON_ETLS;
    SETOPT(p->h, CURLOPT_URL, url);
    SETOPT(p->h, CURLOPT_HTTPHEADER, headers);
    SETOPT(p->h, CURLOPT_POSTFIELDS, len > 0 ? (const char *)body : "");
    SETOPT(p->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    SETOPT(p->h, CURLOPT_USERAGENT, "batond");

    rc = curl_easy_perform(p->h);
    curl_easy_getinfo(p->h, CURLINFO_NUM_CONNECTS, &d->last_connects);
    /* The handle must not keep pointers to the caller's body or the freed headers. */
    curl_easy_setopt(p->h, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
    curl_easy_setopt(p->h, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(p->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
    if (rc != CURLE_OK) {
        st = transfer_fail(d, p->h, rc, url, pin, err);
        goto out;
    }
    curl_easy_getinfo(p->h, CURLINFO_RESPONSE_CODE, &status);
    if (status < 100 || status > 999) {
        st = daemon_fail(err, DAEMON_EPEER, "%s answered without an HTTP status", url);
        goto out;
    }
    if (reply != NULL) {
        copy = malloc(d->sink.len + 1);
        if (copy == NULL) {
            st = daemon_fail(err, DAEMON_ENOMEM, "out of memory");
            goto out;
        }
        if (d->sink.len > 0)
            memcpy(copy, d->sink.buf, d->sink.len);
        copy[d->sink.len] = '\0';
        *reply = copy;
        *reply_len = d->sink.len;
    }
    *http_status = status;
    st = DAEMON_OK;
out:
    d->sink.len = 0;
    curl_slist_free_all(headers);
    return st;
}
