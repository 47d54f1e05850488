/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * Measures how many forms per second baton's validator checks, on the example forms: parsed
 * once, then validated over and over for a fixed wall time. tests/bench/run.sh runs it beside
 * the same measurement with Ajv and prints the ratio.
 *
 * usage: bench_validate EXAMPLES_DIR [SECONDS]
 * Prints two lines, "baton verdict BEST MEAN FORMS SECONDS" (forms_valid over every example) and
 * "baton errors BEST MEAN FORMS SECONDS" (forms_validate, collecting every error, over the
 * invalid examples): forms per second in the best of SLICES equal slices of the time, and over
 * all of it. Exits 1 when an example's verdict is not the one its folder promises: a fast wrong
 * answer is not worth timing.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "forms.h"

/* The corpus is small; a hundred example forms is far more than the catalogue will ship. */
#define MAX_FORMS 256
/* A short run first, so that caches and the allocator are warm before the clock starts. */
#define WARMUP_SECONDS 0.2
/* The time is cut in slices and the best slice counts as well as the mean: on a shared machine
 * another process steals whole slices, and the best slice is the validator's own speed. */
#define SLICES 10

struct corpus {
    json_t *form[MAX_FORMS];
    const struct forms_schema *schema[MAX_FORMS];
    bool valid[MAX_FORMS]; /* what the folder promises */
    size_t count;
};

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
name_order(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Loads every *.json in dir except expected.json, in name order. */
static int
load_dir(struct corpus *c, const struct forms_catalogue *cat, const char *dir, bool valid)
{
    char *names[MAX_FORMS], path[4096];
    struct forms_err err = {0};
    struct dirent *d;
    size_t n = 0, i, len;
    DIR *dh;
    int rc = -1;

    dh = opendir(dir);
    if (dh == NULL) {
        fprintf(stderr, "bench_validate: cannot open %s\n", dir);
        return -1;
    }
    while ((d = readdir(dh)) != NULL) {
        len = strlen(d->d_name);
        if (len < 6 || strcmp(d->d_name + len - 5, ".json") != 0 ||
            strcmp(d->d_name, "expected.json") == 0)
            continue;
        if (n == MAX_FORMS || c->count + n >= MAX_FORMS) {
            fprintf(stderr, "bench_validate: more than %d forms\n", MAX_FORMS);
            goto out;
        }
        names[n] = strdup(d->d_name);
        if (names[n] == NULL)
            goto out;
        n++;
    }
    qsort(names, n, sizeof names[0], name_order);
    for (i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (forms_parse_file(path, NULL, &c->form[c->count], &err) != FORMS_OK ||
            forms_schema_for(cat, c->form[c->count], &c->schema[c->count], &err) != FORMS_OK) {
            fprintf(stderr, "bench_validate: %s: %s\n", path, err.text);
            goto out;
        }
        c->valid[c->count] = valid;
        c->count++;
        if (forms_valid(c->schema[c->count - 1], c->form[c->count - 1]) != valid) {
            fprintf(stderr, "bench_validate: %s: expected %s, baton says otherwise\n", path,
                    valid ? "valid" : "invalid");
            goto out;
        }
    }
    rc = 0;
out:
    for (i = 0; i < n; i++)
        free(names[i]);
    closedir(dh);
    return rc;
}

/* forms_valid over every form, one pass; returns the number of wrong verdicts. */
static unsigned
pass_verdict(const struct corpus *c, unsigned long *done)
{
    unsigned wrong = 0;
    size_t i;

    for (i = 0; i < c->count; i++)
        wrong += forms_valid(c->schema[i], c->form[i]) != c->valid[i];
    *done += c->count;
    return wrong;
}

/* forms_validate over the invalid forms, one pass, collecting every error with its messages;
 * returns the number of forms that did not come out invalid with errors. */
static unsigned
pass_errors(const struct corpus *c, unsigned long *done)
{
    struct forms_result res = {0, NULL};
    unsigned wrong = 0;
    size_t i;

    for (i = 0; i < c->count; i++) {
        if (c->valid[i])
            continue;
        if (forms_validate(c->schema[i], c->form[i], &res, NULL) != FORMS_EINVALID ||
            res.count == 0)
            wrong++;
        forms_result_clear(&res);
        (*done)++;
    }
    return wrong;
}

struct rate {
    double best, mean, seconds;
};

/* Runs pass over and over for seconds, in SLICES slices; false when a verdict came out wrong
 * (which also keeps the compiler from dropping the calls). */
static bool
measure(const struct corpus *c, unsigned (*pass)(const struct corpus *, unsigned long *),
        double seconds, struct rate *r)
{
    unsigned long done, total = 0;
    double start = now(), slice_start, t = 0;
    unsigned wrong = 0;
    int i;

    r->best = 0;
    for (i = 0; i < SLICES; i++) {
        done = 0;
        slice_start = now();
        do {
            wrong += pass(c, &done);
            t = now() - slice_start;
        } while (t < seconds / SLICES);
        if ((double)done / t > r->best)
            r->best = (double)done / t;
        total += done;
    }
    r->seconds = now() - start;
    r->mean = (double)total / r->seconds;
    return wrong == 0;
}

int
main(int argc, char **argv)
{
    const struct forms_options fopt = {.format_assertion = true};
    struct forms_catalogue *cat = NULL;
    struct forms_err err = {0};
    struct corpus c = {0};
    char dir[4096];
    double seconds = 2.5;
    struct rate r;
    size_t i, invalid = 0;
    int rc = 1;

    if (argc < 2 || argc > 3) {
        fputs("usage: bench_validate EXAMPLES_DIR [SECONDS]\n", stderr);
        return 2;
    }
    if (argc == 3)
        seconds = strtod(argv[2], NULL);
    if (!(seconds > 0 && seconds < 600)) {
        fputs("bench_validate: SECONDS must be between 0 and 600\n", stderr);
        return 2;
    }
    if (forms_catalogue_new(&fopt, &cat, &err) != FORMS_OK ||
        forms_catalogue_add_builtin(cat, &err) != FORMS_OK ||
        forms_catalogue_compile(cat, &err) != FORMS_OK) {
        fprintf(stderr, "bench_validate: catalogue: %s\n", err.text);
        goto out;
    }
    snprintf(dir, sizeof dir, "%s/valid", argv[1]);
    if (load_dir(&c, cat, dir, true) != 0)
        goto out;
    snprintf(dir, sizeof dir, "%s/invalid", argv[1]);
    if (load_dir(&c, cat, dir, false) != 0)
        goto out;
    for (i = 0; i < c.count; i++)
        invalid += !c.valid[i];
    if (c.count == 0 || invalid == 0) {
        fprintf(stderr, "bench_validate: no valid or no invalid forms in %s\n", argv[1]);
        goto out;
    }

    if (!measure(&c, pass_verdict, WARMUP_SECONDS, &r) || !measure(&c, pass_verdict, seconds, &r)) {
        fputs("bench_validate: forms_valid changed its verdict between runs\n", stderr);
        goto out;
    }
    printf("baton verdict %.1f %.1f %zu %.3f\n", r.best, r.mean, c.count, r.seconds);
    if (!measure(&c, pass_errors, WARMUP_SECONDS, &r) || !measure(&c, pass_errors, seconds, &r)) {
        fputs("bench_validate: forms_validate found no errors in an invalid form\n", stderr);
        goto out;
    }
    printf("baton errors %.1f %.1f %zu %.3f\n", r.best, r.mean, invalid, r.seconds);
    rc = 0;
out:
    for (i = 0; i < c.count; i++)
        json_decref(c.form[i]);
    forms_catalogue_free(cat);
    return rc;
}
