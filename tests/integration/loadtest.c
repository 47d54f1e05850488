/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * The load test's client (tests/integration/load.sh starts the daemon): CONNECTIONS mutual-TLS
 * connections to the municipality's batond, each POSTing a handover sealed by the school every
 * PERIOD_MS for SECONDS, while SLOW slow-loris clients hold connections open by sending a byte
 * every second. Checks: every POST answered 200 with a receipt that verifies (no error), every
 * form stored once (the caller compares the inbox), no request held up (see below) and
 * the daemon's memory is flat after warm-up (RSS at the end at most 10% + 2 MiB above RSS after
 * warm-up: the first third of the run, and every connection's first request answered, so that a
 * slow start on a busy machine is not taken for growth). No request may wait 15 s or more: a slow
 * client must not hold up the others. (How fast is the benchmark's business, tests/bench: p50 and
 * p99 are printed, not judged.) Prints one line of counts and exits 0 when all holds, 1 when not, 2
 * for bad usage.
 *
 * usage: loadtest NETWORK_DIR FORM PID CONNECTIONS SECONDS PERIOD_MS SLOW IDS_FILE
 *   NETWORK_DIR as tests/integration/lib.sh makes it (coord/, school/, gemeente/, directory.jws,
 *   covenant.jws); PID the municipality's batond; IDS_FILE gets the id of every form answered.
 */
#define _GNU_SOURCE /* pthread names, clock */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "deliver.h"
#include "forms.h"
#include "keys.h"

#define PURPOSE "warme-overdracht"
#define CONSENT "6d2f4c1e-8a3b-4f0d-9c7e-1b5a2e3d4f60"
#define MAX_LAT 1000000 /* latency samples kept */

struct load {
    const char *dir;
    struct forms_catalogue *cat;
    json_t *form;
    struct keys_directory *directory;
    struct keys_keystore *school;
    const struct keys_member *gem;
    char covenant_id[128];
    unsigned char covenant_sha256[KEYS_SHA256_LEN];
    char *cert_pem, *key_pem;
    int connections, seconds, period_ms, slow;
    double t0, t_end;
    pthread_mutex_t mu;
    FILE *ids;
    double *lat;
    atomic_long n_lat, ok, errors;
    atomic_int warmed; /* connections whose first request was answered (or failed) */
    char first_error[600];
};

static double
now_s(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static char *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
        goto out;
    buf = malloc((size_t)n + 1);
    if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf != NULL) {
        buf[n] = '\0';
        *len = (size_t)n;
    }
out:
    if (f != NULL)
        fclose(f);
    return buf;
}

/* Counts an error; the first one's what and why are kept for the report. */
static void
error(struct load *l, const char *what, const char *why)
{
    pthread_mutex_lock(&l->mu);
    if (l->errors++ == 0)
        snprintf(l->first_error, sizeof l->first_error, "%s: %s", what, why);
    pthread_mutex_unlock(&l->mu);
}

/* The network as the school sees it: its keystore, the directory, the covenant's id and hash. */
static int
load_network(struct load *l, const char *form_path)
{
    const struct forms_options fopt = {.format_assertion = true};
    struct keys_pub coord[8];
    struct keys_err kerr = {0};
    char path[4096], *text = NULL;
    size_t n = 0, len = 0, kl = 0, s, e;
    json_t *cov = NULL;
    int rc = -1;

    if (forms_catalogue_new(&fopt, &l->cat, NULL) != FORMS_OK ||
        forms_catalogue_add_builtin(l->cat, NULL) != FORMS_OK ||
        forms_catalogue_compile(l->cat, NULL) != FORMS_OK ||
        forms_parse_file(form_path, NULL, &l->form, NULL) != FORMS_OK) {
        fprintf(stderr, "loadtest: cannot read the catalogue or %s\n", form_path);
        return -1;
    }
    snprintf(path, sizeof path, "%s/coord/entry.json", l->dir);
    if (keys_sign_pub_read_file(path, coord, 8, &n, &kerr) != KEYS_OK)
        goto fail;
    snprintf(path, sizeof path, "%s/directory.jws", l->dir);
    if ((text = slurp(path, &len)) == NULL ||
        keys_directory_load(text, len, coord, n, l->cat, time(NULL), &l->directory, &kerr) !=
            KEYS_OK)
        goto fail;
    free(text);
    snprintf(path, sizeof path, "%s/covenant.jws", l->dir);
    if ((text = slurp(path, &len)) == NULL ||
        keys_document_verify(text, len, KEYS_TYP_COVENANT, coord, n, l->cat, time(NULL), &cov,
                             &kerr) != KEYS_OK)
        goto fail;
    snprintf(l->covenant_id, sizeof l->covenant_id, "%s",
             json_string_value(json_object_get(cov, "id")));
    /* As batond hashes it: the signed covenant without the white space around it. */
    for (s = 0; s < len && strchr(" \t\r\n", text[s]) != NULL; s++)
        ;
    for (e = len; e > s && strchr(" \t\r\n", text[e - 1]) != NULL; e--)
        ;
    crypto_hash_sha256(l->covenant_sha256, (const unsigned char *)text + s, e - s);
    snprintf(path, sizeof path, "%s/school/keystore", l->dir);
    if (keys_keystore_load(path, NULL, &l->school, &kerr) != KEYS_OK)
        goto fail;
    l->gem = keys_directory_member(l->directory, "00000001001234567000");
    l->cert_pem = strdup(keys_keystore_tls_cert_pem(l->school));
    if (l->gem == NULL || l->cert_pem == NULL ||
        keys_keystore_tls_key_pem(l->school, &l->key_pem, &kl, &kerr) != KEYS_OK)
        goto fail;
    rc = 0;
    goto out;
fail:
    fprintf(stderr, "loadtest: %s: %s\n", path, kerr.text[0] ? kerr.text : "cannot read");
out:
    json_decref(cov);
    free(text);
    return rc;
}

/* One connection: a sealed handover every period until the end, each answered with a receipt
 * that must verify against the exact bytes sent. */
static void *
client(void *arg)
{
    struct load *l = arg;
    const struct keys_packet_params p = {
        .to = l->gem->oin,
        .purpose = PURPOSE,
        .basis = KEYS_BASIS_CONSENT,
        .consent_id = CONSENT,
        .covenant_id = l->covenant_id,
        .covenant_sha256 = l->covenant_sha256,
        .form = l->form,
    };
    struct deliver *d = NULL;
    struct daemon_err err = {0};
    struct keys_err kerr = {0};
    /* Each client starts at a random point of its period, so that they do not all send at once. */
    double next = l->t0 + (double)randombytes_uniform((uint32_t)l->period_ms) / 1000.0;
    const double first = next;

    if (deliver_new(l->cert_pem, l->key_pem, 10000, 30000, 64 * 1024, &d, &err) != DAEMON_OK) {
        error(l, "client", err.text);
        return NULL;
    }
    while (next < l->t_end) {
        char id[KEYS_UUID_LEN + 1], *packet = NULL;
        unsigned char *reply = NULL;
        size_t len = 0, rlen = 0;
        long status = 0;
        struct keys_notice n = {0};
        double t, wait = next - now_s();

        if (wait > 0)
            usleep((useconds_t)(wait * 1e6));
        if (keys_packet_seal_local(l->school, l->directory, l->cat, &p, time(NULL), &packet, &len,
                                   id, &kerr) != KEYS_OK) {
            error(l, "seal", kerr.text);
            break;
        }
        t = now_s();
        if (deliver_post(d, l->gem->endpoint, "/v1/packets", l->gem->tls_pin, "application/jose",
                         (const unsigned char *)packet, len, &status, &reply, &rlen,
                         &err) != DAEMON_OK) {
            error(l, "POST /v1/packets", err.text);
        } else if (status != 200) {
            char text[300];

            snprintf(text, sizeof text, "HTTP %ld: %.*s", status, (int)(rlen < 200 ? rlen : 200),
                     reply != NULL ? (const char *)reply : "");
            error(l, "POST /v1/packets answered", text);
        } else if (keys_receipt_verify_local(l->directory, (const char *)reply, rlen, packet, len,
                                             time(NULL), &n, &kerr) != KEYS_OK) {
            error(l, "the receipt does not verify", kerr.text);
        } else {
            long k = atomic_fetch_add(&l->n_lat, 1);

            if (k < MAX_LAT)
                l->lat[k] = now_s() - t;
            l->ok++;
            pthread_mutex_lock(&l->mu);
            fprintf(l->ids, "%s\n", id);
            pthread_mutex_unlock(&l->mu);
        }
        keys_notice_clear(&n);
        free(reply);
        free(packet);
        if (next == first)
            atomic_fetch_add(&l->warmed, 1);
        next += (double)l->period_ms / 1000.0;
    }
    deliver_free(d);
    return NULL;
}

/* A slow-loris client: a TCP connection that sends one byte of a TLS record a second. */
static void *
slowloris(void *arg)
{
    struct load *l = arg;
    struct sockaddr_in a = {0};
    const char *ep = strrchr(l->gem->endpoint, ':');
    static const unsigned char hello[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc};
    size_t i = 0;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)atoi(ep != NULL ? ep + 1 : "0"));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    while (now_s() < l->t_end) {
        if (send(fd, &hello[i++ % sizeof hello], 1, MSG_NOSIGNAL) != 1)
            break; /* the daemon closed it: its timeout works */
        sleep(1);
    }
    close(fd);
    return NULL;
}

static long
rss_kib(const char *pid)
{
    char path[64], line[256];
    long v = -1;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%s/status", pid);
    f = fopen(path, "r");
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "VmRSS: %ld", &v) == 1)
            break;
    if (f != NULL)
        fclose(f);
    return v;
}

static int
cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
    struct load l = {0};
    pthread_t *th = NULL;
    long rss_warm = -1, rss_end = -1, n;
    double p50 = 0, p99 = 0, warm_at;
    int i, bad = 0;

    if (argc != 9) {
        fprintf(stderr, "usage: loadtest NETWORK_DIR FORM PID CONNECTIONS SECONDS PERIOD_MS SLOW "
                        "IDS_FILE\n");
        return 2;
    }
    l.dir = argv[1];
    l.connections = atoi(argv[4]);
    l.seconds = atoi(argv[5]);
    l.period_ms = atoi(argv[6]);
    l.slow = atoi(argv[7]);
    if (l.connections < 1 || l.seconds < 3 || l.period_ms < 1 || l.slow < 0 || sodium_init() < 0 ||
        keys_init(NULL) != KEYS_OK)
        return 2;
    l.ids = fopen(argv[8], "w");
    l.lat = calloc(MAX_LAT, sizeof *l.lat);
    th = calloc((size_t)(l.connections + l.slow), sizeof *th);
    if (l.ids == NULL || l.lat == NULL || th == NULL || load_network(&l, argv[2]) != 0)
        return 2;
    pthread_mutex_init(&l.mu, NULL);
    l.t0 = now_s() + 0.5;
    l.t_end = l.t0 + l.seconds;
    for (i = 0; i < l.slow; i++)
        pthread_create(&th[l.connections + i], NULL, slowloris, &l);
    for (i = 0; i < l.connections; i++)
        if (pthread_create(&th[i], NULL, client, &l) != 0)
            return 2;
    /* Memory after warm-up: the first third, and every connection made and answered once (caches
     * filled); on a machine too busy for that, at two thirds at the latest. */
    usleep((useconds_t)((0.5 + l.seconds / 3.0) * 1e6));
    while (atomic_load(&l.warmed) < l.connections && now_s() < l.t0 + l.seconds * 2.0 / 3.0)
        usleep(50000);
    warm_at = now_s() - l.t0;
    rss_warm = rss_kib(argv[3]);
    for (i = 0; i < l.connections + l.slow; i++)
        pthread_join(th[i], NULL);
    rss_end = rss_kib(argv[3]);
    fclose(l.ids);
    n = l.n_lat < MAX_LAT ? l.n_lat : MAX_LAT;
    if (n > 0) {
        qsort(l.lat, (size_t)n, sizeof *l.lat, cmp);
        p50 = l.lat[(size_t)(0.5 * (double)(n - 1))];
        p99 = l.lat[(size_t)(0.99 * (double)(n - 1))];
    }
    printf("load: %d connections (+%d slow-loris) for %d s, a form each per %d ms: %ld answered "
           "with a verified receipt, %ld errors; p50 %.1f ms, p99 %.1f ms; batond RSS %.1f MiB "
           "after warm-up (at %.1f s), %.1f MiB at the end\n",
           l.connections, l.slow, l.seconds, l.period_ms, (long)l.ok, (long)l.errors, p50 * 1e3,
           p99 * 1e3, (double)rss_warm / 1024.0, warm_at, (double)rss_end / 1024.0);
    if (l.errors > 0) {
        printf("FAIL - errors; the first: %s\n", l.first_error);
        bad = 1;
    }
    if (n > 0 && l.lat[n - 1] >= 15.0) {
        printf("FAIL - a request waited %.1f s: something held it up\n", l.lat[n - 1]);
        bad = 1;
    }
    if (rss_warm < 0 || rss_end > rss_warm + rss_warm / 10 + 2048) {
        printf("FAIL - memory grew after warm-up: %ld KiB -> %ld KiB\n", rss_warm, rss_end);
        bad = 1;
    }
    free(l.lat);
    free(th);
    free(l.cert_pem);
    keys_secret_free(l.key_pem);
    keys_keystore_free(l.school);
    keys_directory_free(l.directory);
    json_decref(l.form);
    forms_catalogue_free(l.cat);
    pthread_mutex_destroy(&l.mu);
    return bad;
}
