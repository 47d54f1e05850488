/* SPDX-License-Identifier: EUPL-1.2 */
/* Fuzz target: an untrusted schema document compiled into a catalogue of its own, then a few
 * instances validated against it. The input is "SCHEMA" or "SCHEMA\nINSTANCE". */
#include <string.h>

#include "fuzz_net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const struct forms_schema *s, const char *text, size_t len)
{
    struct forms_result res = {0};
    json_t *inst = NULL;

    if (forms_parse(text, len, NULL, &inst, NULL) != FORMS_OK)
        return;
    (void)forms_valid(s, inst);
    (void)forms_validate(s, inst, &res, NULL);
    forms_result_clear(&res);
    json_decref(inst);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const fixed[] = {"null", "{}", "[]", "\"x\"", "1.5", "{\"a\":[1,\"b\"]}"};
    const struct forms_options fopt = {.format_assertion = true};
    const char *text = (const char *)data, *nl = memchr(data, '\n', size);
    struct forms_catalogue *cat = NULL;
    const struct forms_schema *s;
    size_t schema_len = nl != NULL ? (size_t)(nl - text) : size, i;
    json_t *doc = NULL;

    if (forms_parse(text, schema_len, NULL, &doc, NULL) != FORMS_OK)
        return 0;
    if (forms_catalogue_new(&fopt, &cat, NULL) != FORMS_OK)
        goto out;
    if (forms_catalogue_add(cat, doc, "urn:fuzz:schema", NULL) != FORMS_OK ||
        forms_catalogue_compile(cat, NULL) != FORMS_OK || forms_catalogue_count(cat) == 0)
        goto out;
    /* The document's own "$id" names it when it has one. */
    s = forms_catalogue_find(cat, forms_catalogue_id(cat, 0));
    if (s == NULL)
        goto out;
    for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        check(s, fixed[i], strlen(fixed[i]));
    if (nl != NULL)
        check(s, nl + 1, size - schema_len - 1);
out:
    json_decref(doc);
    forms_catalogue_free(cat);
    return 0;
}
