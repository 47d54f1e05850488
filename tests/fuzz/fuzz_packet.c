/* SPDX-License-Identifier: EUPL-1.2 */
/* Fuzz target: an untrusted packet as the municipality's batond reads one: the routing header
 * (keys_packet_inspect), then opened (decrypted, signature and claims checked, form validated). */
#include "fuzz_net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct fuzz_net *n = fuzz_net();
    struct keys_packet_header h = {0};
    struct keys_packet p = {0};

    if (n == NULL)
        return 0;
    if (keys_packet_inspect((const char *)data, size, &h, NULL) == KEYS_OK)
        keys_packet_header_clear(&h);
    if (keys_packet_open(&n->trust, FUZZ_OIN_GEM, n->cat, FUZZ_NOW, (const char *)data, size, &p,
                         NULL) == KEYS_OK)
        keys_packet_clear(&p);
    return 0;
}
