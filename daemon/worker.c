/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * The delivery workers: delivery_workers threads, each with its own connections, that POST what
 * the outbox holds when it is due (packets to /v1/packets, where the recipient answers with a
 * signed receipt that is verified against the exact bytes sent and stored; notices to
 * /v1/notices), back off with jitter after a failure, and give up after the retry window. No
 * two take the same row, and the rows about one packet (the packet, its notices) go one after
 * the other in the order they were queued. Its state is all in the store, so a restart (or a crash)
 * picks up where it was; the receiver is idempotent on the packet id, so a packet sent again
 * after a crash between the POST and its commit is stored once and answered with the same
 * receipt.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "audit.h"
#include "core.h"
#include "deliver.h"
#include "metrics.h"
#include "withdrawal.h"

/* Due rows looked at per round (without their bodies): enough to see past the rows of a peer
 * that does not answer to those of the others. */
#define WORKER_BATCH 64
/* The worker looks at the outbox at least this often (and the clock for the directory). */
#define WORKER_TICK_S 1
/* A peer's receipt or error: a receipt is under 1 KiB; error bodies are cut. */
#define WORKER_MAX_REPLY (64u * 1024u)
/* The part of a peer's error message kept in last_error and the log. */
#define WORKER_PEER_TEXT 300

static void
text_of_reply(const unsigned char *reply, size_t len, char *out, size_t size)
{
    json_t *j = reply != NULL ? json_loadb((const char *)reply, len, 0, NULL) : NULL;
    const char *e = json_string_value(json_object_get(j, "error"));

    snprintf(out, size, "%.*s", WORKER_PEER_TEXT, e != NULL ? e : "(no explanation)");
    json_decref(j);
}

/* A failed attempt: the next one after a back-off, or undeliverable past the retry window.
 * Returns when the next attempt is (0: none). */
static time_t
failed(struct daemon *d, const struct store_out *o, const char *why)
{
    const char *what = o->kind == STORE_PACKET ? "packet" : "notice";
    struct daemon_err err = {0};
    struct store_event ev;
    char detail[600];
    time_t now = time(NULL);
    unsigned wait;

    if (now >= o->created + (time_t)d->cfg->retry_window) {
        snprintf(detail, sizeof detail, "%s not delivered after %ld attempts in %u s; last: %s",
                 what, o->attempts + 1, d->cfg->retry_window, why);
        ev = (struct store_event){"undeliverable",
                                  o->kind == STORE_PACKET ? o->id : o->answers,
                                  o->to,
                                  detail,
                                  NULL,
                                  NULL};
        if (store_outbox_undeliverable(d->store, o->id, now, why, &ev, &err) != DAEMON_OK)
            core_log(d, CONFIG_LOG_ERROR, "store-failed", o->id, o->to, "%s", err.text);
        core_log(d, CONFIG_LOG_ERROR, "undeliverable", o->id, o->to, "%s", detail);
        metrics_count(d, METRICS_UNDELIVERABLE);
        return 0;
    }
    wait = deliver_backoff((unsigned)(o->attempts + 1), d->cfg->retry_initial, d->cfg->retry_max,
                           randombytes_random());
    if (store_outbox_retry(d->store, o->id, now + (time_t)wait, why, &err) != DAEMON_OK)
        core_log(d, CONFIG_LOG_ERROR, "store-failed", o->id, o->to, "%s", err.text);
    metrics_count(d, METRICS_RETRIES);
    core_log(d, CONFIG_LOG_WARNING, "delivery-failed", o->id, o->to,
             "%s, attempt %ld: %s; next attempt in %u s", what, o->attempts + 1, why, wait);
    return now + (time_t)wait;
}

/* A packet's answer: the receipt, verified against the exact bytes sent. */
static void
packet_delivered(struct daemon *d, const struct store_out *o, const unsigned char *reply,
                 size_t len)
{
    struct keys_notice n = {0};
    struct daemon_err err = {0};
    struct keys_err kerr = {0};
    struct store_event ev;
    char detail[300], why[600], t[KEYS_TIME_LEN + 1];
    time_t now = time(NULL);
    char *receipt = NULL;

    /* The receipt is stored as text: one JWS, no line feed. */
    while (len > 0 && (reply[len - 1] == '\n' || reply[len - 1] == '\r'))
        len--;
    receipt = malloc(len + 1);
    if (receipt == NULL) {
        failed(d, o, "out of memory reading the receipt");
        return;
    }
    memcpy(receipt, reply, len);
    receipt[len] = '\0';
    if (keys_receipt_verify_local(d->dir, receipt, len, o->body, o->body_len, now, &n, &kerr) !=
        KEYS_OK) {
        snprintf(why, sizeof why, "the recipient's receipt does not verify: %s", kerr.text);
        failed(d, o, why);
        goto out;
    }
    snprintf(detail, sizeof detail, "receipt %s verified (received at the recipient at %s)", n.id,
             core_time(n.issued_at, t));
    ev = (struct store_event){"delivered", o->id, o->to, detail, NULL, NULL};
    if (store_outbox_delivered(d->store, o->id, now, receipt, &ev, &err) != DAEMON_OK) {
        core_log(d, CONFIG_LOG_ERROR, "store-failed", o->id, o->to, "%s", err.text);
        goto out;
    }
    core_log(d, CONFIG_LOG_INFO, "delivered", o->id, o->to, "%s", detail);
    metrics_count(d, METRICS_DELIVERED);
    metrics_latency(d, o->created_ms > 0 ? (double)(metrics_now_ms() - o->created_ms) / 1000
                                         : difftime(now, o->created));
    /* The recipient's audit checkpoint that came along (keys_notice_answers made sure that the
     * receipt is from the recipient, o->to). */
    peerckpt_keep(d, o->to, o->id, "receipt", n.checkpoint);
out:
    keys_notice_clear(&n);
    free(receipt);
}

static void
notice_delivered(struct daemon *d, const struct store_out *o)
{
    struct daemon_err err = {0};
    struct store_event ev;
    char detail[200];

    snprintf(detail, sizeof detail, "%s notice %s delivered",
             strcmp(o->form_type, KEYS_TYP_ACCEPTANCE) == 0   ? "acceptance"
             : strcmp(o->form_type, KEYS_TYP_REJECTION) == 0  ? "rejection"
             : strcmp(o->form_type, KEYS_TYP_WITHDRAWAL) == 0 ? "withdrawal"
             : strcmp(o->form_type, KEYS_TYP_WITHDRAWAL_CONFIRMATION) == 0
                 ? "withdrawal confirmation"
                 : "status",
             o->id);
    ev = (struct store_event){"notice-delivered", o->answers, o->to, detail, NULL, NULL};
    if (store_outbox_delivered(d->store, o->id, time(NULL), NULL, &ev, &err) != DAEMON_OK) {
        core_log(d, CONFIG_LOG_ERROR, "store-failed", o->id, o->to, "%s", err.text);
        return;
    }
    core_log(d, CONFIG_LOG_INFO, "notice-delivered", o->answers, o->to, "%s", detail);
}

/* A peer that did not answer: the other rows for it wait until then too, instead of each
 * waiting out its own connection timeout. The slot of that peer, an empty one, or the one whose
 * wait ends first. */
static void
mark_down(struct daemon *d, const char *oin, time_t until)
{
    size_t i, slot = 0;

    if (until == 0)
        return;
    pthread_mutex_lock(&d->mu);
    for (i = 0; i < CONFIG_MAX_WORKERS; i++) {
        if (strcmp(d->down[i].oin, oin) == 0) {
            slot = i;
            break;
        }
        if (d->down[i].until < d->down[slot].until)
            slot = i;
    }
    snprintf(d->down[slot].oin, sizeof d->down[slot].oin, "%s", oin);
    d->down[slot].until = until;
    pthread_mutex_unlock(&d->mu);
}

/* Until when the peer oin is down (0: it is not). Under d->mu. */
static time_t
down_until(const struct daemon *d, const char *oin, time_t now)
{
    size_t i;

    for (i = 0; i < CONFIG_MAX_WORKERS; i++)
        if (d->down[i].until > now && strcmp(d->down[i].oin, oin) == 0)
            return d->down[i].until;
    return 0;
}

/* The packet a row is about: a packet itself, or the one a notice answers. */
static const char *
about(const struct store_out *o)
{
    return o->kind == STORE_PACKET || o->answers == NULL ? o->id : o->answers;
}

/* Whether a worker is delivering row o or another row about its packet, or as many rows to its
 * peer as one peer may take: half the workers (at least one), so that a peer that accepts
 * connections and never answers holds at most half of them until their timeout, and the other
 * peers still get theirs. Under d->mu. */
static int
in_flight(const struct daemon *d, const struct store_out *o)
{
    const size_t per_peer = d->n_workers / 2 > 0 ? d->n_workers / 2 : 1;
    size_t i, to_peer = 0;

    for (i = 0; i < d->n_workers; i++) {
        if (strcmp(d->flight[i].id, o->id) == 0 || strcmp(d->flight[i].about, about(o)) == 0)
            return 1;
        to_peer += d->flight[i].id[0] != '\0' && strcmp(d->flight[i].to, o->to) == 0;
    }
    return to_peer >= per_peer;
}

/* What one worker does with the due rows items[0..n) (in the order they are due). */
struct pick {
    size_t take;                /* the row it delivers; n: none */
    size_t defer[WORKER_BATCH]; /* rows of a peer that is down: put off until... */
    time_t until[WORKER_BATCH]; /* ...then */
    size_t n_defer;
    int more; /* rows are left that another worker may take */
};

/*
 * Takes, for worker me, the first row that no worker is delivering, about a packet that no
 * worker is busy with and no earlier due row is about (so that the rows about one packet go one
 * after the other, in order), for a peer that answered last time. The rows of a peer that is
 * down are put off. Under d->mu.
 */
static void
pick_row(struct daemon *d, size_t me, const struct store_out *items, size_t n, time_t now,
         struct pick *p)
{
    time_t until;
    size_t i, j;
    int earlier;

    memset(p, 0, sizeof *p);
    p->take = n;
    for (i = 0; i < n; i++) {
        until = down_until(d, items[i].to, now);
        if (until != 0) {
            p->defer[p->n_defer] = i;
            p->until[p->n_defer++] = until;
            continue;
        }
        if (in_flight(d, &items[i]))
            continue;
        earlier = 0;
        for (j = 0; j < i && !earlier; j++)
            earlier = strcmp(about(&items[j]), about(&items[i])) == 0;
        if (earlier)
            continue;
        if (p->take == n) {
            p->take = i;
            snprintf(d->flight[me].id, sizeof d->flight[me].id, "%s", items[i].id);
            snprintf(d->flight[me].about, sizeof d->flight[me].about, "%s", about(&items[i]));
            snprintf(d->flight[me].to, sizeof d->flight[me].to, "%s", items[i].to);
        } else {
            p->more = 1;
        }
    }
}

static void
deliver_one(struct daemon *d, struct deliver *dl, const struct store_out *o)
{
    const int packet = o->kind == STORE_PACKET;
    const struct keys_member *m;
    struct daemon_err err = {0};
    unsigned char *reply = NULL;
    size_t reply_len = 0;
    long status = 0;
    char why[800], text[WORKER_PEER_TEXT + 1];

    if (!core_directory_usable(d, time(NULL), why, sizeof why)) {
        failed(d, o, why);
        return;
    }
    m = keys_directory_member(d->dir, o->to);
    if (m == NULL) {
        snprintf(why, sizeof why, "OIN %s is not in the network directory (any more)", o->to);
        failed(d, o, why);
        return;
    }
    if (deliver_post(dl, m->endpoint, packet ? "/v1/packets" : "/v1/notices", m->tls_pin,
                     "application/jose", (const unsigned char *)o->body, o->body_len, &status,
                     &reply, &reply_len, &err) != DAEMON_OK) {
        mark_down(d, o->to, failed(d, o, err.text));
        return;
    }
    if (status == 200) {
        if (packet)
            packet_delivered(d, o, reply, reply_len);
        else
            notice_delivered(d, o);
    } else {
        text_of_reply(reply, reply_len, text, sizeof text);
        snprintf(why, sizeof why, "%s (%s) answered HTTP %ld: %s", m->name, m->endpoint, status,
                 text);
        failed(d, o, why);
    }
    free(reply);
}

/* What a worker thread is given: its daemon and its number (0 also resumes withdrawals and
 * sweeps them). */
struct worker_arg {
    struct daemon *d;
    size_t me;
};

/* Puts off the rows of a peer that is down (outside d->mu: the store has its own lock). */
static void
defer_rows(struct daemon *d, const struct store_out *items, const struct pick *p)
{
    struct daemon_err err = {0};
    size_t k;

    for (k = 0; k < p->n_defer; k++) {
        const struct store_out *o = &items[p->defer[k]];

        if (store_outbox_defer(d->store, o->id, p->until[k], &err) != DAEMON_OK)
            core_log(d, CONFIG_LOG_ERROR, "store-failed", o->id, o->to, "%s", err.text);
        core_log(d, CONFIG_LOG_DEBUG, "delivery-deferred", o->id, o->to,
                 "not tried: the peer did not answer another delivery just now");
    }
}

static void *
worker_main(void *arg)
{
    struct worker_arg *wa = arg;
    struct daemon *d = wa->d;
    const size_t me = wa->me;
    struct store_out *items = NULL;
    struct daemon_err err = {0};
    struct deliver *dl = NULL;
    struct timespec until;
    struct keys_err kerr = {0};
    struct pick p;
    char *key_pem = NULL;
    size_t key_len = 0, n = 0;
    time_t next = 0, now, swept = 0, retained = 0;
    unsigned long seen;

    free(wa);
    if (keys_keystore_tls_key_pem(d->ks, &key_pem, &key_len, &kerr) != KEYS_OK) {
        core_log(d, CONFIG_LOG_ERROR, "worker-failed", NULL, NULL, "%s", kerr.text);
        return NULL;
    }
    if (deliver_new(keys_keystore_tls_cert_pem(d->ks), key_pem, 10000L,
                    (long)d->cfg->send_timeout * 1000L, WORKER_MAX_REPLY, &dl, &err) != DAEMON_OK) {
        keys_secret_free(key_pem);
        core_log(d, CONFIG_LOG_ERROR, "worker-failed", NULL, NULL, "%s", err.text);
        return NULL;
    }
    keys_secret_free(key_pem);
    /* Withdrawal notices a crash kept from being queued go out now. */
    if (me == 0)
        withdrawal_resume(d);

    pthread_mutex_lock(&d->mu);
    while (!d->stopping) {
        seen = d->kicks;
        /* The due rows are read and one taken under d->mu: a row another worker finished and
         * let go of was committed before, so it is not read as due any more. */
        now = time(NULL);
        n = 0;
        if (store_outbox_due(d->store, now, WORKER_BATCH, 0, &items, &n, &next, &err) !=
            DAEMON_OK) {
            core_log(d, CONFIG_LOG_ERROR, "store-failed", NULL, NULL, "%s", err.text);
            next = now + WORKER_TICK_S;
            items = NULL;
            n = 0;
        }
        pick_row(d, me, items, n, now, &p);
        if (p.more)
            pthread_cond_broadcast(&d->wake); /* an idle worker takes the next one */
        pthread_mutex_unlock(&d->mu);
        defer_rows(d, items, &p);
        if (p.take < n) {
            struct store_out o = {0};

            /* The body of the one row taken; it is still queued (the row is ours in flight). */
            if (store_outbox_get(d->store, items[p.take].id, &o, &err) != DAEMON_OK)
                core_log(d, CONFIG_LOG_ERROR, "store-failed", items[p.take].id, items[p.take].to,
                         "%s", err.text);
            else if (o.state == STORE_QUEUED)
                deliver_one(d, dl, &o);
            store_out_clear(&o);
            pthread_mutex_lock(&d->mu);
            d->flight[me].id[0] = '\0';
            d->flight[me].about[0] = '\0';
            d->flight[me].to[0] = '\0';
            pthread_mutex_unlock(&d->mu);
        }
        store_out_free_list(items, n);
        items = NULL;
        if (me == 0 && now != swept) { /* at most once a second */
            withdrawal_sweep(d, now);
            core_audit_tick(d, now); /* a checkpoint when due (audit.c) */
            swept = now;
        }
        if (me == 0 && now >= retained + RETENTION_SWEEP_S) {
            retention_sweep(d, now);
            retained = now;
        }

        pthread_mutex_lock(&d->mu);
        if (d->stopping || d->kicks != seen || p.take < n || p.n_defer > 0)
            continue; /* another round at once: more may be due */
        /* Nothing this worker could take: wait for a kick, the next due row or the tick. */
        now = time(NULL);
        until.tv_sec = next > now && next < now + WORKER_TICK_S ? next : now + WORKER_TICK_S;
        until.tv_nsec = 0;
        pthread_cond_timedwait(&d->wake, &d->mu, &until);
    }
    pthread_mutex_unlock(&d->mu);
    deliver_free(dl);
    return NULL;
}

enum daemon_status
core_worker_start(struct daemon *d, struct daemon_err *err)
{
    struct worker_arg *wa;
    size_t i;
    int e;

    pthread_mutex_lock(&d->mu);
    d->stopping = 0;
    memset(d->flight, 0, sizeof d->flight);
    memset(d->down, 0, sizeof d->down);
    pthread_mutex_unlock(&d->mu);
    d->n_workers = 0;
    for (i = 0; i < d->cfg->delivery_workers && i < CONFIG_MAX_WORKERS; i++) {
        wa = malloc(sizeof *wa);
        if (wa == NULL) {
            core_worker_stop(d);
            return daemon_fail(err, DAEMON_ENOMEM, "cannot start the delivery workers");
        }
        *wa = (struct worker_arg){d, i};
        e = pthread_create(&d->workers[i], NULL, worker_main, wa);
        if (e != 0) {
            free(wa);
            core_worker_stop(d);
            return daemon_fail(err, DAEMON_EIO, "cannot start the delivery workers: %s",
                               strerror(e));
        }
        d->n_workers = i + 1;
        d->worker_running = 1;
    }
    return DAEMON_OK;
}

void
core_worker_kick(struct daemon *d)
{
    pthread_mutex_lock(&d->mu);
    d->kicks++;
    pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->mu);
}

void
core_worker_stop(struct daemon *d)
{
    size_t i;

    if (d->n_workers == 0)
        return;
    pthread_mutex_lock(&d->mu);
    d->stopping = 1;
    pthread_cond_broadcast(&d->wake);
    pthread_mutex_unlock(&d->mu);
    for (i = 0; i < d->n_workers; i++)
        pthread_join(d->workers[i], NULL);
    d->n_workers = 0;
    d->worker_running = 0;
}
