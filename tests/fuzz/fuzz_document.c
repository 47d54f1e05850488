/* SPDX-License-Identifier: EUPL-1.2 */
/* Fuzz target: an untrusted signed directory or covenant, verified against the coordinator's
 * key as each kind, and loaded as the directory batond indexes. */
#include "fuzz_net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct fuzz_net *n = fuzz_net();
    struct keys_directory *dir = NULL;
    json_t *doc = NULL;

    if (n == NULL)
        return 0;
    if (keys_document_verify((const char *)data, size, KEYS_TYP_DIRECTORY, &n->coordinator_pub, 1,
                             n->cat, FUZZ_NOW, &doc, NULL) == KEYS_OK)
        json_decref(doc);
    doc = NULL;
    if (keys_document_verify((const char *)data, size, KEYS_TYP_COVENANT, &n->coordinator_pub, 1,
                             n->cat, FUZZ_NOW, &doc, NULL) == KEYS_OK) {
        (void)keys_document_within(doc, KEYS_TYP_COVENANT, FUZZ_NOW, NULL);
        json_decref(doc);
    }
    if (keys_directory_load((const char *)data, size, &n->coordinator_pub, 1, n->cat, FUZZ_NOW,
                            &dir, NULL) == KEYS_OK)
        keys_directory_free(dir);
    return 0;
}
