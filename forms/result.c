/* SPDX-License-Identifier: EUPL-1.2 */
/* Validation results: freeing them, and the specification's "basic" output format. */
#include <stdlib.h>

#include "forms_int.h"

void
forms_error_free(struct forms_error *e)
{
    size_t l;

    free(e->instance_location);
    free(e->keyword_location);
    free(e->absolute_keyword_location);
    for (l = 0; l < FORMS_LANG_COUNT; l++)
        free(e->message[l]);
}

void
forms_result_clear(struct forms_result *res)
{
    size_t i;

    if (res == NULL)
        return;
    for (i = 0; i < res->count; i++)
        forms_error_free(&res->errors[i]);
    free(res->errors);
    res->errors = NULL;
    res->count = 0;
}

json_t *
forms_result_basic(const struct forms_result *res, enum forms_lang lang)
{
    json_t *out = json_object();
    json_t *errors = NULL;
    size_t i;

    if (out == NULL)
        goto fail;
    if (json_object_set_new(out, "valid", json_boolean(res->count == 0)) != 0)
        goto fail;
    if (res->count == 0)
        return out;
    errors = json_array();
    if (errors == NULL || json_object_set(out, "errors", errors) != 0)
        goto fail;
    for (i = 0; i < res->count; i++) {
        const struct forms_error *e = &res->errors[i];
        json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "keywordLocation", e->keyword_location,
                              "absoluteKeywordLocation", e->absolute_keyword_location,
                              "instanceLocation", e->instance_location, "error",
                              e->message[lang < FORMS_LANG_COUNT ? lang : FORMS_LANG_NL]);

        if (o == NULL || json_array_append_new(errors, o) != 0)
            goto fail;
    }
    json_decref(errors);
    return out;
fail:
    json_decref(errors);
    json_decref(out);
    return NULL;
}
