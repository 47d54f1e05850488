/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * batond's operational figures: counters kept as things happen, the Prometheus text exposition
 * served at /metrics, and the answers of /health/live and /health/ready. No figure holds a
 * person, a form's content or an id: counts and durations only.
 */
#ifndef BATON_METRICS_H
#define BATON_METRICS_H

#include <stddef.h>

struct daemon;

/* What is counted (batond_..._total in the exposition). */
enum metrics_counter {
    METRICS_SUBMITTED,     /* forms and status updates queued by a local user */
    METRICS_REFUSED,       /* submits refused (validation, covenant, consent, directory) */
    METRICS_DELIVERED,     /* packets answered with a verified receipt */
    METRICS_RETRIES,       /* delivery attempts that failed and will be tried again */
    METRICS_UNDELIVERABLE, /* handovers given up after the retry window */
    METRICS_RECEIVED,      /* packets and notices from peers answered with 200 (stored) */
    METRICS_PEER_REFUSED,  /* packets and notices from peers refused */
    METRICS_ROLE_REFUSED,  /* admin API and web page requests refused for the asker's role */
    METRICS_COUNTERS
};

/* Makes the figures' state (d->metrics); 0, or -1 when out of memory. */
int metrics_init(struct daemon *d);
void metrics_free(struct daemon *d);

/* Adds one to counter c. Thread-safe and lock-free; a no-op when d->metrics is NULL. */
void metrics_count(struct daemon *d, enum metrics_counter c);

/* The real-time clock in milliseconds since the epoch (a submit's created_ms). */
long long metrics_now_ms(void);

/* Records the time from a submit to its verified receipt, in seconds (the latency histogram). */
void metrics_latency(struct daemon *d, double seconds);

/* The exposition (text/plain; version=0.0.4): the counters, handovers by state from the store,
 * overdue handovers, the latency histogram and the audit trail's size. *out is malloc'd. 0, or
 * -1 with nothing allocated. */
int metrics_render(struct daemon *d, char **out, size_t *len);

/* /health/live: 1 while the process serves requests. */
int metrics_live(struct daemon *d);

/* /health/ready: 1 when batond can do its work now (store readable and writable, the network
 * directory and covenant valid, the delivery workers running); else 0 with why[] saying what
 * is wrong in one sentence. */
int metrics_ready(struct daemon *d, char *why, size_t size);

#endif
