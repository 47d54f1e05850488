/* SPDX-License-Identifier: EUPL-1.2 */
/* Shows a form for people: each member with its Dutch or English label from the catalogue, as
 * forms_render lays it out, one "label: value" line each. */
#include <jansson.h>

#include "cli.h"

/* A text member of an entry, "?" when it is missing (out of memory). */
static const char *
text_of(const json_t *e, const char *name)
{
    const char *t = json_string_value(json_object_get(e, name));

    return t != NULL ? t : "?";
}

static void
print_fields(FILE *out, const json_t *fields, int depth)
{
    const json_t *e;
    size_t i;
    int d;

    json_array_foreach (fields, i, e) {
        for (d = 0; d < depth; d++)
            fputs("  ", out);
        cli_put_safe(out, text_of(e, "label"));
        fputc(':', out);
        if (json_object_get(e, "fields") != NULL) {
            fputc('\n', out);
            print_fields(out, json_object_get(e, "fields"), depth + 1);
        } else {
            fputc(' ', out);
            cli_put_safe(out, text_of(e, "value"));
            fputc('\n', out);
        }
    }
}

void
cli_render_form(FILE *out, const struct forms_catalogue *cat, const char *form_type,
                const json_t *form, enum forms_lang lang, int depth)
{
    json_t *fields = forms_render(cat, form_type, form, lang);

    if (fields == NULL)
        fputs("(out of memory)\n", out);
    print_fields(out, fields, depth);
    json_decref(fields);
}
