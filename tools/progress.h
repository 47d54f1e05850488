/* SPDX-License-Identifier: EUPL-1.2 */
/* Progress of a long operation on the terminal: "what: N/TOTAL (P%) ETA M:SS" on standard error,
 * redrawn in place, only when standard error is a terminal, so that pipes and logs stay clean. */
#ifndef BATON_TOOLS_PROGRESS_H
#define BATON_TOOLS_PROGRESS_H

#include <stdbool.h>
#include <time.h>

#include <curl/curl.h>

/* Redraws at most this often: ten times a second is smooth enough and costs nothing. */
#define PROGRESS_INTERVAL_NS 100000000L

enum progress_unit {
    PROGRESS_ITEMS, /* N/TOTAL of things (forms) */
    PROGRESS_BYTES, /* a download: KiB and MiB */
};

struct progress {
    const char *what; /* borrowed: "send", "export" */
    enum progress_unit unit;
    bool on;                  /* drawing: a terminal, and not quiet */
    unsigned long long done;  /* so far */
    unsigned long long total; /* 0: unknown, a spinner with the time waited */
    struct timespec start, last;
    bool drawn_once;
    int width; /* characters on the line now; 0: nothing drawn */
    unsigned spin;
};

/* Starts p for what (borrowed) with total (0: unknown). It draws only when standard error is a
 * terminal and quiet is false (--json, --quiet); otherwise every call below does nothing. The
 * first state is drawn at once. */
void progress_start(struct progress *p, const char *what, enum progress_unit unit,
                    unsigned long long total, bool quiet);

/* done so far of total (0 keeps the one given before). Redrawn at most ten times a second. */
void progress_update(struct progress *p, unsigned long long done, unsigned long long total);

/* Takes the line off the terminal, so that other output can be written; the next update draws
 * it again (within the ten a second). */
void progress_clear(struct progress *p);

/* The end: the final state drawn, then the line cleared. p may be started again. */
void progress_done(struct progress *p);

/* For libcurl's CURLOPT_XFERINFOFUNCTION with CURLOPT_XFERINFODATA a struct progress: the
 * download's bytes when their total is known, else the time waited for the answer. Always 0
 * (never aborts the transfer). */
int progress_curl(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                  curl_off_t ulnow);

#endif
