/* SPDX-License-Identifier: EUPL-1.2 */
/* Shows a form for people: each member with its Dutch or English label from the catalogue. */
#include <string.h>

#include <jansson.h>

#include "cli.h"

/* A form nests about 8 levels; deeper $ref chains or nesting are not rendered further. */
#define RENDER_MAX_DEPTH 32

struct render {
    FILE *out;
    const struct forms_catalogue *cat;
    enum forms_lang lang;
};

static void
indent(const struct render *r, int depth)
{
    int i;

    for (i = 0; i < depth; i++)
        fputs("  ", r->out);
}

static void render_value(const struct render *r, const json_t *v, const json_t *schema, int depth);

static void
render_scalar(const struct render *r, const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        cli_put_safe(r->out, json_string_value(v));
        break;
    case JSON_INTEGER:
        fprintf(r->out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        fprintf(r->out, "%g", json_real_value(v));
        break;
    case JSON_TRUE:
        fputs(r->lang == FORMS_LANG_EN ? "yes" : "ja", r->out);
        break;
    case JSON_FALSE:
        fputs(r->lang == FORMS_LANG_EN ? "no" : "nee", r->out);
        break;
    default:
        fputs("-", r->out);
        break;
    }
}

/* One member or item: "label: value" for a scalar, "label:" and the nested lines otherwise. */
static void
render_entry(const struct render *r, const char *lbl, const json_t *v, const json_t *schema,
             int depth)
{
    indent(r, depth);
    cli_put_safe(r->out, lbl);
    fputc(':', r->out);
    if (json_is_object(v) || json_is_array(v)) {
        fputc('\n', r->out);
        render_value(r, v, schema, depth + 1);
    } else {
        fputc(' ', r->out);
        render_scalar(r, v);
        fputc('\n', r->out);
    }
}

static void
render_value(const struct render *r, const json_t *v, const json_t *schema, int depth)
{
    const json_t *props = forms_schema_keyword(r->cat, schema, "properties"),
                 *items = forms_schema_keyword(r->cat, schema, "items");
    const json_t *member;
    const char *name;
    char num[32];
    size_t i;

    if (depth > RENDER_MAX_DEPTH)
        return;
    if (json_is_object(v)) {
        /* In the schema's order, which groups what belongs together; then anything else. */
        json_object_foreach ((json_t *)props, name, member) {
            if (json_object_get(v, name) != NULL && strcmp(name, "$schema") != 0)
                render_entry(r, forms_schema_label(r->cat, member, r->lang, name),
                             json_object_get(v, name), member, depth);
        }
        json_object_foreach ((json_t *)v, name, member) {
            if (json_object_get(props, name) == NULL && strcmp(name, "$schema") != 0)
                render_entry(r, name, member, NULL, depth);
        }
    } else if (json_is_array(v)) {
        json_array_foreach (v, i, member) {
            snprintf(num, sizeof num, "%zu", i + 1);
            render_entry(r, num, member, json_is_object(items) ? items : NULL, depth);
        }
    }
}

const char *
cli_form_title(const struct forms_catalogue *cat, const char *form_type, enum forms_lang lang)
{
    const struct forms_schema *s = form_type != NULL ? forms_catalogue_find(cat, form_type) : NULL;

    return forms_schema_label(cat, s != NULL ? forms_schema_json(s) : NULL, lang,
                              form_type != NULL ? form_type : "-");
}

void
cli_render_form(FILE *out, const struct forms_catalogue *cat, const char *form_type,
                const json_t *form, enum forms_lang lang, int depth)
{
    const struct forms_schema *s = form_type != NULL ? forms_catalogue_find(cat, form_type) : NULL;
    struct render r = {out, cat, lang};

    render_value(&r, form, s != NULL ? forms_schema_json(s) : NULL, depth);
}
