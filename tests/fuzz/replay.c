/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * A main for a fuzz target without libFuzzer: runs LLVMFuzzerTestOneInput on every file named
 * (a folder: every file in it), so that each build replays the seed corpus and every input that
 * once crashed, as a plain test (under the sanitizers in the sanitizer build).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
run_file(const char *path, unsigned long *n)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long size;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        if (f != NULL)
            fclose(f);
        return -1;
    }
    /* An exact-size copy, so that the sanitizers see a read past the input's end. */
    buf = malloc(size > 0 ? (size_t)size : 1);
    if (buf == NULL || (size > 0 && fread(buf, 1, (size_t)size, f) != (size_t)size)) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, (size_t)size);
    free(buf);
    (*n)++;
    return 0;
}

static int
run_path(const char *path, unsigned long *n)
{
    struct dirent *e;
    struct stat st;
    char sub[4096];
    DIR *dir;
    int rc = 0;

    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: no %s\n", path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return run_file(path, n);
    dir = opendir(path);
    if (dir == NULL)
        return -1;
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        if (run_path(sub, n) != 0)
            rc = -1;
    }
    closedir(dir);
    return rc;
}

int
main(int argc, char **argv)
{
    unsigned long n = 0;
    int i, rc = 0;

    for (i = 1; i < argc; i++)
        if (run_path(argv[i], &n) != 0)
            rc = 1;
    printf("replayed %lu input(s)\n", n);
    return n == 0 ? 1 : rc;
}
