/* SPDX-License-Identifier: EUPL-1.2 */
/* Fuzz target: an untrusted batond configuration file, loaded as batond loads one. */
#define _GNU_SOURCE /* memfd_create */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct daemon_config c;
    char path[64];
    int fd = memfd_create("batond.conf", 0);

    /* A file of its own that nothing else sees; config_load refuses group- or world-writable
     * files, and a memfd is 0777: make it the owner's alone. */
    if (fd < 0)
        return 0;
    if (fchmod(fd, 0600) == 0 && write(fd, data, size) == (ssize_t)size) {
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        (void)config_load(path, &c, NULL);
    }
    close(fd);
    return 0;
}
