/* SPDX-License-Identifier: EUPL-1.2 */
/* Progress of a long operation, drawn on standard error when it is a terminal. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "progress.h"

/* The widest line drawn: what, the counts, the percentage and the ETA fit in far less. */
#define PROGRESS_LINE_MAX 160

static long long
elapsed_ns(const struct timespec *from, const struct timespec *to)
{
    return (long long)(to->tv_sec - from->tv_sec) * 1000000000LL + (to->tv_nsec - from->tv_nsec);
}

/* n bytes or items as people read them. */
static void
amount(const struct progress *p, unsigned long long n, char *out, size_t size)
{
    if (p->unit == PROGRESS_ITEMS)
        snprintf(out, size, "%llu", n);
    else if (n < 1024)
        snprintf(out, size, "%llu B", n);
    else if (n < 1024ull * 1024)
        snprintf(out, size, "%.1f KiB", (double)n / 1024);
    else
        snprintf(out, size, "%.1f MiB", (double)n / (1024.0 * 1024));
}

/* Seconds as M:SS, or H:MM:SS from an hour. */
static void
clock_text(long long s, char *out, size_t size)
{
    if (s >= 3600)
        snprintf(out, size, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(out, size, "%lld:%02lld", s / 60, s % 60);
}

static void
draw(struct progress *p, const struct timespec *now)
{
    static const char spinner[] = "|/-\\";
    char line[PROGRESS_LINE_MAX], a[32], b[32], t[32];
    long long ns = elapsed_ns(&p->start, now);
    int n;

    if (p->total > 0) {
        unsigned long long done = p->done < p->total ? p->done : p->total;

        amount(p, done, a, sizeof a);
        amount(p, p->total, b, sizeof b);
        if (done > 0 && done < p->total)
            clock_text(
                (long long)((double)ns / 1e9 * (double)(p->total - done) / (double)done + 0.5), t,
                sizeof t);
        else if (done == p->total)
            clock_text(0, t, sizeof t);
        else
            snprintf(t, sizeof t, "-:--");
        n = snprintf(line, sizeof line, "%s: %s/%s (%llu%%) ETA %s", p->what, a, b,
                     done * 100 / p->total, t);
    } else {
        clock_text(ns / 1000000000LL, t, sizeof t);
        if (p->done > 0) {
            amount(p, p->done, a, sizeof a);
            n = snprintf(line, sizeof line, "%s: %c %s, %s", p->what, spinner[p->spin % 4], a, t);
        } else {
            n = snprintf(line, sizeof line, "%s: %c waiting %s", p->what, spinner[p->spin % 4], t);
        }
        p->spin++;
    }
    if (n < 0)
        return;
    if (n >= (int)sizeof line)
        n = (int)sizeof line - 1;
    /* Over what was there: spaces where the new line is shorter. */
    fprintf(stderr, "\r%s%*s", line, p->width > n ? p->width - n : 0, "");
    if (p->width > n)
        fprintf(stderr, "\r%s", line);
    fflush(stderr);
    p->width = n;
    p->last = *now;
    p->drawn_once = true;
}

void
progress_start(struct progress *p, const char *what, enum progress_unit unit,
               unsigned long long total, bool quiet)
{
    memset(p, 0, sizeof *p);
    p->what = what;
    p->unit = unit;
    p->total = total;
    p->on = !quiet && isatty(STDERR_FILENO) == 1;
    clock_gettime(CLOCK_MONOTONIC, &p->start);
    if (p->on) {
        /* What goes to standard output before this is on the screen first. */
        fflush(stdout);
        draw(p, &p->start);
    }
}

void
progress_update(struct progress *p, unsigned long long done, unsigned long long total)
{
    struct timespec now;

    if (!p->on)
        return;
    p->done = done;
    if (total > 0)
        p->total = total;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (p->drawn_once && elapsed_ns(&p->last, &now) < PROGRESS_INTERVAL_NS)
        return;
    if (p->width == 0)
        fflush(stdout);
    draw(p, &now);
}

void
progress_clear(struct progress *p)
{
    if (!p->on || p->width == 0)
        return;
    fprintf(stderr, "\r%*s\r", p->width, "");
    fflush(stderr);
    p->width = 0;
}

void
progress_done(struct progress *p)
{
    struct timespec now;

    if (!p->on)
        return;
    if (p->total > 0)
        p->done = p->total > p->done ? p->done : p->total;
    clock_gettime(CLOCK_MONOTONIC, &now);
    fflush(stdout);
    draw(p, &now);
    progress_clear(p);
    p->on = false;
}

int
progress_curl(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
              curl_off_t ulnow)
{
    struct progress *p = clientp;

    (void)ultotal;
    (void)ulnow;
    if (p == NULL || !p->on)
        return 0;
    if (p->unit == PROGRESS_BYTES && dlnow > 0)
        progress_update(p, (unsigned long long)dlnow,
                        dltotal > 0 ? (unsigned long long)dltotal : 0);
    else
        progress_update(p, p->done, 0); /* still waiting: the spinner turns, the time runs */
    return 0;
}
