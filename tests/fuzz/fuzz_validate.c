/* SPDX-License-Identifier: EUPL-1.2 */
/* Fuzz target: untrusted JSON text parsed with baton's limits, then validated against every
 * schema of the built-in catalogue, both the verdict alone and every error with its messages. */
#include "fuzz_net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct fuzz_net *n = fuzz_net();
    struct forms_result res = {0};
    json_t *doc = NULL;
    size_t i;

    if (n == NULL || forms_parse((const char *)data, size, NULL, &doc, NULL) != FORMS_OK)
        return 0;
    for (i = 0; i < forms_catalogue_count(n->cat); i++) {
        const struct forms_schema *s = forms_catalogue_find(n->cat, forms_catalogue_id(n->cat, i));

        if (s == NULL)
            continue;
        (void)forms_valid(s, doc);
        (void)forms_validate(s, doc, &res, NULL);
        forms_result_clear(&res);
    }
    json_decref(doc);
    return 0;
}
