/* SPDX-License-Identifier: EUPL-1.2 */
/* A form made readable for people: its members with the catalogue's labels, in Dutch or
 * English (forms_render), for the command line and the web page alike. */
#include <stdio.h>
#include <string.h>

#include "forms.h"

/* A form nests about 8 levels; deeper nesting is not rendered further. */
#define RENDER_MAX_DEPTH 32

const char *
forms_form_title(const struct forms_catalogue *cat, const char *form_type, enum forms_lang lang)
{
    const struct forms_schema *s = form_type != NULL ? forms_catalogue_find(cat, form_type) : NULL;

    return forms_schema_label(cat, s != NULL ? forms_schema_json(s) : NULL, lang,
                              form_type != NULL ? form_type : "-");
}

static json_t *render_value(const struct forms_catalogue *cat, const json_t *v,
                            const json_t *schema, enum forms_lang lang, int depth);

/* A scalar as text. */
static json_t *
scalar_text(const json_t *v, enum forms_lang lang)
{
    char num[64];

    switch (json_typeof(v)) {
    case JSON_STRING:
        return json_string(json_string_value(v));
    case JSON_INTEGER:
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return json_string(num);
    case JSON_REAL:
        snprintf(num, sizeof num, "%g", json_real_value(v));
        return json_string(num);
    case JSON_TRUE:
        return json_string(lang == FORMS_LANG_EN ? "yes" : "ja");
    case JSON_FALSE:
        return json_string(lang == FORMS_LANG_EN ? "no" : "nee");
    default:
        return json_string("-");
    }
}

/* One member or item. */
static json_t *
render_entry(const struct forms_catalogue *cat, const char *key, const char *lbl, const json_t *v,
             const json_t *schema, enum forms_lang lang, int depth)
{
    json_t *e = json_pack("{s:s, s:s}", "key", key, "label", lbl);

    if (e == NULL)
        return NULL;
    if (json_is_object(v) || json_is_array(v))
        json_object_set_new(e, "fields", render_value(cat, v, schema, lang, depth + 1));
    else
        json_object_set_new(e, "value", scalar_text(v, lang));
    return e;
}

static json_t *
render_value(const struct forms_catalogue *cat, const json_t *v, const json_t *schema,
             enum forms_lang lang, int depth)
{
    const json_t *props = forms_schema_keyword(cat, schema, "properties"),
                 *items = forms_schema_keyword(cat, schema, "items"), *member;
    json_t *list = json_array();
    const char *name;
    char num[32];
    size_t i;

    if (list == NULL || depth > RENDER_MAX_DEPTH)
        return list;
    if (json_is_object(v)) {
        json_object_foreach ((json_t *)props, name, member) {
            if (json_object_get(v, name) != NULL && strcmp(name, "$schema") != 0)
                json_array_append_new(
                    list, render_entry(cat, name, forms_schema_label(cat, member, lang, name),
                                       json_object_get(v, name), member, lang, depth));
        }
        json_object_foreach ((json_t *)v, name, member) {
            if (json_object_get(props, name) == NULL && strcmp(name, "$schema") != 0)
                json_array_append_new(list,
                                      render_entry(cat, name, name, member, NULL, lang, depth));
        }
    } else if (json_is_array(v)) {
        json_array_foreach (v, i, member) {
            snprintf(num, sizeof num, "%zu", i + 1);
            json_array_append_new(list,
                                  render_entry(cat, num, num, member,
                                               json_is_object(items) ? items : NULL, lang, depth));
        }
    }
    return list;
}

json_t *
forms_render(const struct forms_catalogue *cat, const char *form_type, const json_t *form,
             enum forms_lang lang)
{
    const struct forms_schema *s = form_type != NULL ? forms_catalogue_find(cat, form_type) : NULL;

    return render_value(cat, form, s != NULL ? forms_schema_json(s) : NULL, lang, 0);
}
