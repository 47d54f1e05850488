/* SPDX-License-Identifier: EUPL-1.2 */
/* The forms validator: what it refuses to compile, baton's own formats, messages that a school
 * employee can act on, the basic output shape, and references across catalogue documents. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "forms.h"

static void
assert_contains(const char *text, const char *want)
{
    if (text == NULL || strstr(text, want) == NULL)
        fail_msg("\"%s\" does not contain \"%s\"", text != NULL ? text : "(null)", want);
}

static json_t *
j(const char *text)
{
    json_error_t je;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &je);

    if (v == NULL)
        fail_msg("bad JSON in the test: %s: %s", text, je.text);
    return v;
}

/* A catalogue holding one schema (base URI urn:baton:test:1 unless it has an "$id"), compiled. */
static enum forms_status
compile(const char *schema, bool assert_formats, struct forms_catalogue **cat,
        struct forms_err *err)
{
    struct forms_options opt = {.format_assertion = assert_formats};
    json_t *doc = j(schema);
    enum forms_status st;

    memset(err, 0, sizeof *err);
    assert_int_equal(forms_catalogue_new(&opt, cat, err), FORMS_OK);
    st = forms_catalogue_add(*cat, doc, "urn:baton:test:1", err);
    if (st == FORMS_OK)
        st = forms_catalogue_compile(*cat, err);
    json_decref(doc);
    return st;
}

static void
assert_refused(const char *schema, bool assert_formats, const char *want1, const char *want2)
{
    struct forms_catalogue *cat;
    struct forms_err err;

    assert_int_equal(compile(schema, assert_formats, &cat, &err), FORMS_ESCHEMA);
    assert_int_equal(err.status, FORMS_ESCHEMA);
    assert_contains(err.text, want1);
    if (want2 != NULL)
        assert_contains(err.text, want2);
    forms_catalogue_free(cat);
}

static const struct forms_schema *
schema_of(struct forms_catalogue *cat)
{
    const struct forms_schema *s = forms_catalogue_find(cat, forms_catalogue_id(cat, 0));

    assert_non_null(s);
    return s;
}

/* Validates with both entry points, checks that they agree, and returns the verdict; *res (when
 * given) keeps forms_validate's errors. */
static bool
check(const struct forms_schema *s, const char *instance, struct forms_result *res)
{
    json_t *v = j(instance);
    struct forms_result local;
    struct forms_result *r = res != NULL ? res : &local;
    struct forms_err err;
    bool fast = forms_valid(s, v);
    enum forms_status st = forms_validate(s, v, r, &err);

    json_decref(v);
    assert_true(st == FORMS_OK || st == FORMS_EINVALID);
    if (fast != (st == FORMS_OK))
        fail_msg("forms_valid and forms_validate disagree on %s", instance);
    assert_int_equal(r->count == 0, st == FORMS_OK);
    if (res == NULL)
        forms_result_clear(&local);
    return fast;
}

static bool
valid_under(const char *schema, bool assert_formats, const char *instance)
{
    struct forms_catalogue *cat;
    struct forms_err err;
    bool ok;

    if (compile(schema, assert_formats, &cat, &err) != FORMS_OK)
        fail_msg("schema refused: %s", err.text);
    ok = check(schema_of(cat), instance, NULL);
    forms_catalogue_free(cat);
    return ok;
}

static void
refuses_dynamic_references(void **state)
{
    (void)state;
    assert_refused("{\"properties\": {\"a\": {\"$dynamicRef\": \"#x\"}}}", false, "$dynamicRef",
                   "urn:baton:test:1#/properties/a");
    assert_refused("{\"$dynamicAnchor\": \"x\"}", false, "$dynamicAnchor", "not supported");
    assert_refused("{\"$defs\": {\"n\": {\"$recursiveRef\": \"#\"}}}", false, "$recursiveRef",
                   "#/$defs/n");
    assert_refused("{\"$recursiveAnchor\": true}", false, "$recursiveAnchor", NULL);
}

static void
refuses_unresolved_references(void **state)
{
    (void)state;
    /* the metaschema is not in the catalogue, and baton never fetches */
    assert_refused("{\"$ref\": \"https://json-schema.org/draft/2020-12/schema\"}", false,
                   "https://json-schema.org/draft/2020-12/schema", "no schema with the URI");
    assert_refused("{\"$ref\": \"#/$defs/missing\", \"$defs\": {\"there\": true}}", false,
                   "#/$defs/missing", "has nothing at /$defs/missing");
    assert_refused("{\"$ref\": \"#nowhere\"}", false, "$anchor", "nowhere");
    assert_refused("{\"$ref\": \"urn:baton:form:unknown:1#/$defs/x\"}", false,
                   "urn:baton:form:unknown:1", NULL);
    /* even in a definition nothing uses: a dangling reference is a broken catalogue */
    assert_refused("{\"$defs\": {\"unused\": {\"$ref\": \"other.json\"}}}", false, "other.json",
                   "#/$defs/unused");
}

static void
refuses_bad_patterns(void **state)
{
    (void)state;
    assert_refused("{\"properties\": {\"pc\": {\"pattern\": \"^([0-9]{4}\"}}}", false,
                   "\"pattern\" \"^([0-9]{4}\" does not compile", "missing closing parenthesis");
    assert_refused("{\"patternProperties\": {\"[a-\": true}}", false, "patternProperties",
                   "does not compile");
}

static void
refuses_unknown_formats_when_asserting(void **state)
{
    struct forms_catalogue *cat;
    struct forms_err err;

    (void)state;
    assert_refused("{\"format\": \"ipv4\"}", true, "ipv4", "does not know");
    /* as an annotation an unknown format is harmless */
    assert_int_equal(compile("{\"format\": \"ipv4\"}", false, &cat, &err), FORMS_OK);
    forms_catalogue_free(cat);
}

static void
refuses_wrong_keyword_values(void **state)
{
    (void)state;
    assert_refused("{\"minLength\": -1}", false, "\"minLength\" must be a whole number", "-1");
    assert_refused("{\"maxItems\": 1.5}", false, "maxItems", "1.5");
    assert_refused("{\"required\": 5}", false, "\"required\" must be an array", "5");
    assert_refused("{\"required\": [\"a\", \"a\"]}", false, "required", "twice");
    assert_refused("{\"required\": [1]}", false, "required", "strings");
    assert_refused("{\"type\": \"strin\"}", false, "type", "strin");
    assert_refused("{\"type\": []}", false, "type", NULL);
    assert_refused("{\"items\": [{}]}", false, "items", "prefixItems");
    assert_refused("{\"multipleOf\": 0}", false, "multipleOf", "greater than 0");
    assert_refused("{\"minimum\": \"5\"}", false, "minimum", "must be a number");
    assert_refused("{\"properties\": []}", false, "properties", "object");
    assert_refused("{\"properties\": {\"a\": 3}}", false, "properties", "\"a\" must be a schema");
    assert_refused("{\"enum\": {}}", false, "enum", "array");
    assert_refused("{\"allOf\": []}", false, "allOf", "non-empty");
    assert_refused("{\"not\": 1}", false, "not", "schema");
    assert_refused("{\"uniqueItems\": 1}", false, "uniqueItems", "true or false");
    assert_refused("{\"dependentRequired\": {\"a\": \"b\"}}", false, "dependentRequired", NULL);
    assert_refused("{\"$ref\": 5}", false, "$ref", NULL);
    assert_refused("{\"format\": 5}", false, "format", NULL);
    assert_refused("{\"$anchor\": \"1abc\"}", false, "$anchor", NULL);
}

static void
refuses_endless_loops(void **state)
{
    (void)state;
    /* in place, without descending into the instance: would never finish */
    assert_refused("{\"$defs\": {\"a\": {\"$ref\": \"#/$defs/b\"}, \"b\": {\"allOf\": [{\"$ref\": "
                   "\"#/$defs/a\"}]}}, \"$ref\": \"#/$defs/a\"}",
                   false, "would never finish", NULL);
    assert_refused("{\"anyOf\": [{\"type\": \"string\"}, {\"$ref\": \"#\"}]}", false,
                   "would never finish", NULL);
    /* recursion through a property is fine: the instance gets smaller each time */
    assert_true(valid_under("{\"properties\": {\"child\": {\"$ref\": \"#\"}}, \"required\": "
                            "[\"name\"]}",
                            false,
                            "{\"name\": 1, \"child\": {\"name\": 2, \"child\": {\"name\": 3}}}"));
    assert_false(valid_under("{\"properties\": {\"child\": {\"$ref\": \"#\"}}, \"required\": "
                             "[\"name\"]}",
                             false, "{\"name\": 1, \"child\": {\"child\": {\"name\": 3}}}"));
}

static void
failed_compile_changes_nothing(void **state)
{
    struct forms_catalogue *cat;
    struct forms_err err;
    const struct forms_schema *before, *after;
    json_t *bad = j("{\"$id\": \"urn:baton:test:bad\", \"minLength\": -1}");
    json_t *good = j("{\"$id\": \"urn:baton:test:good\", \"$ref\": \"urn:baton:test:1\"}");

    (void)state;
    assert_int_equal(compile("{\"type\": \"string\"}", false, &cat, &err), FORMS_OK);
    before = schema_of(cat);
    assert_true(check(before, "\"x\"", NULL));

    assert_int_equal(forms_catalogue_add(cat, bad, NULL, &err), FORMS_OK);
    assert_int_equal(forms_catalogue_compile(cat, &err), FORMS_ESCHEMA);
    assert_contains(err.text, "urn:baton:test:bad");
    after = forms_catalogue_find(cat, "urn:baton:test:1");
    assert_ptr_equal(before, after);
    assert_null(forms_catalogue_find(cat, "urn:baton:test:bad"));
    assert_false(check(before, "1", NULL));
    forms_catalogue_free(cat);

    /* and a second compile after more adds keeps the first round's schemas */
    assert_int_equal(compile("{\"type\": \"string\"}", false, &cat, &err), FORMS_OK);
    before = schema_of(cat);
    assert_int_equal(forms_catalogue_add(cat, good, NULL, &err), FORMS_OK);
    assert_null(forms_catalogue_find(cat, "urn:baton:test:good")); /* not compiled yet */
    assert_int_equal(forms_catalogue_compile(cat, &err), FORMS_OK);
    assert_ptr_equal(forms_catalogue_find(cat, "urn:baton:test:1"), before);
    assert_false(check(forms_catalogue_find(cat, "urn:baton:test:good"), "1", NULL));
    assert_int_equal(forms_catalogue_count(cat), 2);
    forms_catalogue_free(cat);
    json_decref(bad);
    json_decref(good);
}

static void
refuses_bad_documents_on_add(void **state)
{
    struct forms_catalogue *cat;
    struct forms_err err;
    json_t *noid = j("{\"type\": \"string\"}");
    json_t *arr = j("[1]");
    json_t *a = j("{\"$id\": \"urn:baton:dup:1\"}");
    json_t *frag = j("{\"$id\": \"urn:baton:x:1#frag\"}");

    (void)state;
    assert_int_equal(forms_catalogue_new(NULL, &cat, &err), FORMS_OK);
    assert_int_equal(forms_catalogue_add(cat, noid, NULL, &err), FORMS_ESCHEMA);
    assert_contains(err.text, "no \"$id\"");
    assert_int_equal(forms_catalogue_add(cat, noid, "relative/base", &err), FORMS_ESCHEMA);
    assert_int_equal(forms_catalogue_add(cat, arr, "urn:x", &err), FORMS_ESCHEMA);
    assert_int_equal(forms_catalogue_add(cat, frag, NULL, &err), FORMS_ESCHEMA);
    assert_int_equal(forms_catalogue_add(cat, a, NULL, &err), FORMS_OK);
    assert_int_equal(forms_catalogue_add(cat, a, NULL, &err), FORMS_ESCHEMA);
    assert_contains(err.text, "urn:baton:dup:1");
    assert_int_equal(forms_catalogue_count(cat), 1);
    forms_catalogue_free(cat);
    json_decref(noid);
    json_decref(arr);
    json_decref(a);
    json_decref(frag);
}

static const char bsn_schema[] = "{\"type\": \"string\", \"format\": \"bsn\"}";

static void
bsn_eleven_test(void **state)
{
    (void)state;
    /* 9*1 + 8*1 + 7*1 + 6*2 + 5*2 + 4*2 + 3*3 + 2*3 - 3 = 66 = 6 * 11 */
    assert_true(valid_under(bsn_schema, true, "\"111222333\""));
    /* 9*1 + 8*2 + ... + 2*8 - 9 = 147 = 13 * 11 + 4 */
    assert_false(valid_under(bsn_schema, true, "\"123456789\""));
    assert_true(valid_under(bsn_schema, true, "\"123456782\""));
    assert_false(valid_under(bsn_schema, true, "\"000000000\""));
    assert_false(valid_under(bsn_schema, true, "\"11122233\""));
    assert_false(valid_under(bsn_schema, true, "\"1112223333\""));
    assert_false(valid_under(bsn_schema, true, "\"11122233a\""));
    assert_false(valid_under(bsn_schema, true, "\" 111222333\""));
    /* without assertion, format is only an annotation */
    assert_true(valid_under(bsn_schema, false, "\"123456789\""));
    /* formats apply to strings only */
    assert_true(valid_under("{\"format\": \"bsn\"}", true, "123456789"));
}

static void
oin_and_postcode(void **state)
{
    const char *oin = "{\"format\": \"oin\"}";
    const char *pc = "{\"format\": \"postcode\"}";

    (void)state;
    assert_true(valid_under(oin, true, "\"00000001234567890000\""));
    assert_false(valid_under(oin, true, "\"0000000123456789000\""));
    assert_false(valid_under(oin, true, "\"000000012345678900001\""));
    assert_false(valid_under(oin, true, "\"0000000123456789000a\""));

    assert_true(valid_under(pc, true, "\"1234 AB\""));
    assert_true(valid_under(pc, true, "\"1234AB\""));
    assert_true(valid_under(pc, true, "\"9999 ZZ\""));
    assert_false(valid_under(pc, true, "\"0123 AB\""));
    assert_false(valid_under(pc, true, "\"1234 ab\""));
    assert_false(valid_under(pc, true, "\"1234  AB\""));
    assert_false(valid_under(pc, true, "\"123 AB\""));
    assert_false(valid_under(pc, true, "\"1234 ABC\""));
    assert_false(valid_under(pc, true, "\"1234 SA\""));
    assert_false(valid_under(pc, true, "\"1234 SD\""));
    assert_false(valid_under(pc, true, "\"1234SS\""));
    assert_true(valid_under(pc, true, "\"1234 SB\""));
}

static void
dates_and_others(void **state)
{
    (void)state;
    assert_true(valid_under("{\"format\": \"date\"}", true, "\"2024-02-29\""));
    assert_false(valid_under("{\"format\": \"date\"}", true, "\"2023-02-29\""));
    assert_false(valid_under("{\"format\": \"date\"}", true, "\"01-07-2026\""));
    assert_true(valid_under("{\"format\": \"date-time\"}", true, "\"2026-07-01T09:30:00+02:00\""));
    assert_false(valid_under("{\"format\": \"date-time\"}", true, "\"2026-07-01 09:30:00\""));
    assert_true(valid_under("{\"format\": \"time\"}", true, "\"23:59:60Z\""));
    assert_true(valid_under("{\"format\": \"email\"}", true, "\"mentor@school.nl\""));
    assert_false(valid_under("{\"format\": \"email\"}", true, "\"mentor@@school.nl\""));
    assert_true(
        valid_under("{\"format\": \"uuid\"}", true, "\"2eb8aa08-aa98-11ea-b4aa-73b441d16380\""));
}

static void
patterns_are_ecma_like(void **state)
{
    (void)state;
    /* unanchored search, as RegExp.prototype.test */
    assert_true(valid_under("{\"pattern\": \"[0-9]{4}\"}", false, "\"postcode 1234 AB\""));
    /* $ is the very end, not before a final newline */
    assert_false(valid_under("{\"pattern\": \"^[0-9]{4}$\"}", false, "\"1234\\n\""));
    /* \d is ASCII only, as in ECMA-262: no Bengali digits in a postcode */
    assert_false(valid_under("{\"pattern\": \"^\\\\d{4}$\"}", false,
                             "\"\xe0\xa7\xa7\xe0\xa7\xa8\xe0\xa7\xa9\xe0\xa7\xaa\""));
    assert_true(valid_under("{\"pattern\": \"^\\\\p{Letter}+$\"}", false, "\"\xc3\xa9t\xc3\xa9\""));
    assert_true(valid_under("{\"pattern\": \"^\\\\u0041$\"}", false, "\"A\""));
    /* a literal backslash before p{...} is text, not a property */
    assert_true(valid_under("{\"pattern\": \"^\\\\\\\\p\\\\{L\\\\}$\"}", false, "\"\\\\p{L}\""));
}

/* A small form with Dutch titles and English ones in "x-en". */
static const char form[] =
    "{\"$id\": \"urn:baton:form:test:1\", \"title\": \"Testformulier\","
    " \"x-en\": {\"title\": \"Test form\"},"
    " \"type\": \"object\", \"additionalProperties\": false,"
    " \"required\": [\"geboortedatum\", \"bsn\"],"
    " \"properties\": {"
    "  \"geboortedatum\": {\"title\": \"Geboortedatum\", \"x-en\": {\"title\": \"Date of birth\"},"
    "                    \"type\": \"string\", \"format\": \"date\"},"
    "  \"uitstroomdatum\": {\"title\": \"Uitstroomdatum\", \"x-en\": {\"title\": \"Leaving date\"},"
    "                     \"type\": \"string\", \"format\": \"date\"},"
    "  \"bsn\": {\"$ref\": \"#/$defs/bsn\"},"
    "  \"bestemming\": {\"title\": \"Bestemming\", \"x-en\": {\"title\": \"Destination\"},"
    "                 \"enum\": [\"werk\", \"dagbesteding\", \"opleiding\"]},"
    "  \"uren\": {\"type\": \"integer\", \"minimum\": 0, \"maximum\": 40},"
    "  \"adres\": {\"title\": \"Adres\", \"x-en\": {\"title\": \"Address\"}, \"type\": \"object\","
    "            \"required\": [\"postcode\"],"
    "            \"properties\": {\"postcode\": {\"title\": \"Postcode\", \"format\": "
    "\"postcode\"}}},"
    "  \"diplomas\": {\"title\": \"Diploma's\", \"x-en\": {\"title\": \"Diplomas\"},"
    "               \"type\": \"array\","
    "               \"items\": {\"type\": \"object\", \"properties\": {"
    "                 \"naam\": {\"title\": \"Naam\", \"x-en\": {\"title\": \"Name\"},"
    "                          \"type\": \"string\", \"minLength\": 1}}}}"
    " },"
    " \"$defs\": {\"bsn\": {\"title\": \"BSN\", \"type\": \"string\", \"format\": \"bsn\"}}"
    "}";

static struct forms_catalogue *
form_catalogue(void)
{
    struct forms_catalogue *cat;
    struct forms_err err;

    if (compile(form, true, &cat, &err) != FORMS_OK)
        fail_msg("form refused: %s", err.text);
    return cat;
}

static const struct forms_error *
error_at(const struct forms_result *res, const char *instance_location, const char *keyword)
{
    size_t i;

    for (i = 0; i < res->count; i++)
        if (strcmp(res->errors[i].instance_location, instance_location) == 0 &&
            strcmp(res->errors[i].keyword, keyword) == 0)
            return &res->errors[i];
    fail_msg("no \"%s\" error at \"%s\" among %zu", keyword, instance_location, res->count);
    return NULL;
}

static void
messages_use_labels(void **state)
{
    struct forms_catalogue *cat = form_catalogue();
    const struct forms_schema *s = schema_of(cat);
    struct forms_result res;
    const struct forms_error *e;

    (void)state;
    assert_false(check(s,
                       "{\"uitstroomdatum\": \"01-07-2026\", \"bsn\": \"123456789\","
                       " \"bestemming\": \"vakantie\", \"uren\": 41, \"foo\": 1,"
                       " \"adres\": {\"postcode\": \"1234 SA\"},"
                       " \"diplomas\": [{\"naam\": \"Entree\"}, {\"naam\": \"\"}]}",
                       &res));

    e = error_at(&res, "", "required");
    assert_string_equal(e->message[FORMS_LANG_NL],
                        "\"Geboortedatum\" ontbreekt; dit veld is verplicht.");
    assert_string_equal(e->message[FORMS_LANG_EN], "\"Date of birth\" is missing; it is required.");
    assert_string_equal(e->keyword_location, "/required");
    assert_string_equal(e->absolute_keyword_location, "urn:baton:form:test:1#/required");

    e = error_at(&res, "/bsn", "format");
    assert_string_equal(
        e->message[FORMS_LANG_EN],
        "\"BSN\" is not a valid citizen service number (it fails the eleven-test).");
    assert_string_equal(e->message[FORMS_LANG_NL],
                        "\"BSN\" is geen geldig burgerservicenummer (de elfproef klopt niet).");
    /* through the $ref, as evaluated; and where the keyword really is */
    assert_string_equal(e->keyword_location, "/properties/bsn/$ref/format");
    assert_string_equal(e->absolute_keyword_location, "urn:baton:form:test:1#/$defs/bsn/format");

    e = error_at(&res, "/uitstroomdatum", "format");
    assert_string_equal(e->message[FORMS_LANG_EN],
                        "\"Leaving date\" must be a date written as YYYY-MM-DD, e.g. 2026-07-01.");
    assert_string_equal(e->message[FORMS_LANG_NL],
                        "\"Uitstroomdatum\" moet een datum zijn in de vorm JJJJ-MM-DD, "
                        "bijvoorbeeld 2026-07-01.");

    e = error_at(&res, "/bestemming", "enum");
    assert_string_equal(
        e->message[FORMS_LANG_EN],
        "\"Destination\" must be one of: \"werk\", \"dagbesteding\", \"opleiding\".");

    e = error_at(&res, "/foo", "additionalProperties");
    assert_string_equal(e->message[FORMS_LANG_EN], "The field \"foo\" is not part of this form.");
    assert_string_equal(e->message[FORMS_LANG_NL],
                        "Het veld \"foo\" hoort niet bij dit formulier.");

    /* no title: the JSON Pointer names the field */
    e = error_at(&res, "/uren", "maximum");
    assert_string_equal(e->message[FORMS_LANG_EN], "\"/uren\" must be at most 40.");

    /* nested fields say where they are */
    e = error_at(&res, "/adres/postcode", "format");
    assert_string_equal(e->message[FORMS_LANG_EN],
                        "\"Postcode\" (in \"Address\") is not an existing postcode: the letters "
                        "SA, SD and SS are not used.");
    e = error_at(&res, "/diplomas/1/naam", "minLength");
    assert_string_equal(e->message[FORMS_LANG_EN],
                        "\"Name\" (entry 2 of \"Diplomas\") must not be empty.");
    assert_string_equal(e->message[FORMS_LANG_NL],
                        "\"Naam\" (item 2 van \"Diploma's\") mag niet leeg zijn.");

    /* the value itself (a BSN, say) never appears in a message */
    {
        size_t i;

        for (i = 0; i < res.count; i++) {
            assert_null(strstr(res.errors[i].message[FORMS_LANG_NL], "123456789"));
            assert_null(strstr(res.errors[i].message[FORMS_LANG_EN], "01-07-2026"));
        }
    }
    forms_result_clear(&res);
    forms_catalogue_free(cat);
}

static void
required_label_comes_from_the_declaration(void **state)
{
    struct forms_catalogue *cat;
    struct forms_err err;
    struct forms_result res;
    const struct forms_error *e;

    (void)state;
    /* the rule lives in then/required; the label where the form declares the field */
    assert_int_equal(
        compile("{\"properties\": {\"bestemming\": {\"enum\": [\"werk\", \"school\"]},"
                " \"werkgever\": {\"$ref\": \"#/$defs/org\"}},"
                " \"if\": {\"properties\": {\"bestemming\": {\"const\": \"werk\"}},"
                "         \"required\": [\"bestemming\"]},"
                " \"then\": {\"required\": [\"werkgever\"]},"
                " \"$defs\": {\"org\": {\"title\": \"Werkgever\", \"x-en\": {\"title\": "
                "\"Employer\"}}}}",
                false, &cat, &err),
        FORMS_OK);
    assert_false(check(schema_of(cat), "{\"bestemming\": \"werk\"}", &res));
    e = error_at(&res, "", "required");
    assert_string_equal(e->message[FORMS_LANG_EN], "\"Employer\" is missing; it is required.");
    assert_string_equal(e->keyword_location, "/then/required");
    /* the condition's own error comes first */
    assert_string_equal(res.errors[0].keyword, "then");
    forms_result_clear(&res);
    assert_true(check(schema_of(cat), "{\"bestemming\": \"school\"}", NULL));
    forms_catalogue_free(cat);
}

static void
basic_output_shape(void **state)
{
    struct forms_catalogue *cat = form_catalogue();
    const struct forms_schema *s = schema_of(cat);
    struct forms_result res;
    json_t *basic, *e;

    (void)state;
    assert_false(check(s, "{\"geboortedatum\": \"2010-02-30\", \"bsn\": \"111222333\"}", &res));
    assert_int_equal(res.count, 1);
    basic = forms_result_basic(&res, FORMS_LANG_EN);
    assert_non_null(basic);
    assert_true(json_is_false(json_object_get(basic, "valid")));
    assert_int_equal(json_array_size(json_object_get(basic, "errors")), 1);
    e = json_array_get(json_object_get(basic, "errors"), 0);
    assert_string_equal(json_string_value(json_object_get(e, "keywordLocation")),
                        "/properties/geboortedatum/format");
    assert_string_equal(json_string_value(json_object_get(e, "absoluteKeywordLocation")),
                        "urn:baton:form:test:1#/properties/geboortedatum/format");
    assert_string_equal(json_string_value(json_object_get(e, "instanceLocation")),
                        "/geboortedatum");
    assert_string_equal(json_string_value(json_object_get(e, "error")),
                        "\"Date of birth\" must be a date that exists; check the day and the "
                        "month.");
    assert_int_equal(json_object_size(e), 4);
    json_decref(basic);
    forms_result_clear(&res);
    assert_int_equal(res.count, 0);
    assert_null(res.errors);

    assert_true(check(s, "{\"geboortedatum\": \"2010-02-28\", \"bsn\": \"111222333\"}", &res));
    basic = forms_result_basic(&res, FORMS_LANG_NL);
    assert_true(json_is_true(json_object_get(basic, "valid")));
    assert_null(json_object_get(basic, "errors"));
    json_decref(basic);
    forms_result_clear(&res);
    forms_result_clear(NULL);
    forms_catalogue_free(cat);
}

static void
valid_and_validate_agree(void **state)
{
    static const char *const instances[] = {
        "{}",
        "[]",
        "null",
        "{\"geboortedatum\": \"2010-01-01\", \"bsn\": \"111222333\"}",
        "{\"geboortedatum\": \"2010-01-01\", \"bsn\": \"111222333\", \"uren\": 40}",
        "{\"geboortedatum\": \"2010-01-01\", \"bsn\": \"111222333\", \"uren\": 40.0}",
        "{\"geboortedatum\": \"2010-01-01\", \"bsn\": \"111222333\", \"uren\": 40.5}",
        "{\"geboortedatum\": \"2010-01-01\", \"bsn\": 111222333}",
        "{\"geboortedatum\": \"2010-01-01\", \"bsn\": \"111222333\", \"diplomas\": []}",
        "{\"geboortedatum\": \"2010-01-01\", \"bsn\": \"111222333\", \"diplomas\": [{}, {\"naam\": "
        "1}]}",
        "{\"geboortedatum\": \"2010-01-01\", \"bsn\": \"111222333\", \"adres\": {}}",
        "{\"geboortedatum\": \"2010-01-01\", \"bsn\": \"111222333\", \"bestemming\": \"werk\"}",
    };
    static const bool expect[] = {false, false, false, true,  true,  true,
                                  false, false, true,  false, false, true};
    struct forms_catalogue *cat = form_catalogue();
    size_t i;

    (void)state;
    for (i = 0; i < sizeof instances / sizeof instances[0]; i++)
        if (check(schema_of(cat), instances[i], NULL) != expect[i])
            fail_msg("%s: expected %s", instances[i], expect[i] ? "valid" : "invalid");
    forms_catalogue_free(cat);
}

static void
cross_document_references_by_urn(void **state)
{
    struct forms_catalogue *cat;
    struct forms_err err;
    json_t *defs =
        j("{\"$id\": \"urn:baton:defs:test:1\", \"$defs\": {"
          " \"bsn\": {\"title\": \"BSN\", \"type\": \"string\", \"format\": \"bsn\"},"
          " \"naam\": {\"$anchor\": \"naam\", \"type\": \"string\", \"minLength\": 1}}}");
    json_t *doc = j("{\"$id\": \"urn:baton:form:x:1\", \"type\": \"object\","
                    " \"properties\": {\"bsn\": {\"$ref\": \"urn:baton:defs:test:1#/$defs/bsn\"},"
                    "  \"naam\": {\"$ref\": \"urn:baton:defs:test:1#naam\"}},"
                    " \"required\": [\"bsn\"]}");
    json_t *form_ok =
        j("{\"$schema\": \"urn:baton:form:x:1\", \"bsn\": \"111222333\", \"naam\": \"Sam\"}");
    json_t *form_bad =
        j("{\"$schema\": \"urn:baton:form:x:1\", \"bsn\": \"123456789\", \"naam\": \"\"}");
    json_t *unknown = j("{\"$schema\": \"urn:baton:form:y:1\"}");
    json_t *noschema = j("{\"bsn\": \"111222333\"}");
    json_t *notobj = j("[1]");
    json_t *badtype = j("{\"$schema\": 1}");
    const struct forms_schema *s = (const struct forms_schema *)&err; /* must stay untouched */
    struct forms_options opt = {.format_assertion = true};
    struct forms_result res;

    (void)state;
    assert_int_equal(forms_catalogue_new(&opt, &cat, &err), FORMS_OK);
    /* the form first: references resolve at compile time, not when added */
    assert_int_equal(forms_catalogue_add(cat, doc, NULL, &err), FORMS_OK);
    assert_int_equal(forms_catalogue_add(cat, defs, NULL, &err), FORMS_OK);
    assert_int_equal(forms_catalogue_compile(cat, &err), FORMS_OK);
    assert_int_equal(forms_catalogue_count(cat), 2);
    assert_string_equal(forms_catalogue_id(cat, 0), "urn:baton:form:x:1");
    assert_null(forms_catalogue_id(cat, 2));

    assert_non_null(forms_catalogue_find(cat, "urn:baton:defs:test:1#/$defs/bsn"));
    assert_non_null(forms_catalogue_find(cat, "urn:baton:defs:test:1#naam"));
    assert_non_null(forms_catalogue_find(cat, "urn:baton:form:x:1#"));
    assert_null(forms_catalogue_find(cat, "urn:baton:defs:test:1#/$defs/nope"));
    assert_string_equal(
        forms_schema_uri(forms_catalogue_find(cat, "urn:baton:defs:test:1#/$defs/bsn")),
        "urn:baton:defs:test:1#/$defs/bsn");

    assert_int_equal(forms_schema_for(cat, unknown, &s, &err), FORMS_ENOTFOUND);
    assert_contains(err.text, "urn:baton:form:y:1");
    assert_int_equal(forms_schema_for(cat, noschema, &s, &err), FORMS_EINVALID);
    assert_contains(err.text, "$schema");
    assert_int_equal(forms_schema_for(cat, notobj, &s, &err), FORMS_EINVALID);
    assert_int_equal(forms_schema_for(cat, badtype, &s, &err), FORMS_EINVALID);
    assert_ptr_equal(s, (const struct forms_schema *)&err);

    assert_int_equal(forms_schema_for(cat, form_ok, &s, &err), FORMS_OK);
    assert_string_equal(forms_schema_uri(s), "urn:baton:form:x:1");
    assert_true(json_is_object(forms_schema_json(s)));
    assert_true(forms_valid(s, form_ok));
    assert_false(forms_valid(s, form_bad));
    assert_int_equal(forms_validate(s, form_bad, &res, &err), FORMS_EINVALID);
    assert_int_equal(res.count, 2);
    assert_string_equal(error_at(&res, "/bsn", "format")->absolute_keyword_location,
                        "urn:baton:defs:test:1#/$defs/bsn/format");
    assert_string_equal(error_at(&res, "/naam", "minLength")->keyword_location,
                        "/properties/naam/$ref/minLength");
    forms_result_clear(&res);
    forms_catalogue_free(cat);
    json_decref(defs);
    json_decref(doc);
    json_decref(form_ok);
    json_decref(form_bad);
    json_decref(unknown);
    json_decref(noschema);
    json_decref(notobj);
    json_decref(badtype);
}

static void
unevaluated_properties_with_composition(void **state)
{
    const char *schema =
        "{\"allOf\": [{\"$ref\": \"#/$defs/base\"}],"
        " \"properties\": {\"extra\": true},"
        " \"unevaluatedProperties\": false,"
        " \"$defs\": {\"base\": {\"properties\": {\"naam\": {\"type\": \"string\"}}}}}";

    (void)state;
    assert_true(valid_under(schema, false, "{\"naam\": \"Sam\", \"extra\": 1}"));
    assert_false(valid_under(schema, false, "{\"naam\": \"Sam\", \"typo\": 1}"));
}

static void
large_arrays_and_objects(void **state)
{
    struct forms_catalogue *cat;
    struct forms_err err;
    struct forms_result res;
    json_t *arr = json_array(), *obj = json_object();
    const struct forms_schema *s;
    size_t i;

    (void)state;
    assert_int_equal(compile("{\"uniqueItems\": true, \"unevaluatedProperties\": {\"type\": "
                             "\"integer\"}, \"unevaluatedItems\": {\"type\": \"integer\"}}",
                             false, &cat, &err),
                     FORMS_OK);
    s = schema_of(cat);
    for (i = 0; i < 5000; i++) {
        char key[32];

        json_array_append_new(arr, json_integer((json_int_t)i));
        snprintf(key, sizeof key, "k%zu", i);
        json_object_set_new(obj, key, json_integer((json_int_t)i));
    }
    assert_true(forms_valid(s, arr));
    assert_true(forms_valid(s, obj));
    /* 4321.0 equals the integer 4321: a duplicate */
    json_array_append_new(arr, json_real(4321.0));
    assert_false(forms_valid(s, arr));
    assert_int_equal(forms_validate(s, arr, &res, &err), FORMS_EINVALID);
    assert_int_equal(res.count, 1);
    assert_string_equal(res.errors[0].keyword, "uniqueItems");
    assert_contains(res.errors[0].message[FORMS_LANG_EN], "entries 4322 and 5001");
    forms_result_clear(&res);
    json_object_set_new(obj, "last", json_string("x"));
    assert_false(forms_valid(s, obj));
    forms_catalogue_free(cat);
    json_decref(arr);
    json_decref(obj);
}

static void
deep_instances_are_refused_not_crashed(void **state)
{
    struct forms_catalogue *cat;
    struct forms_err err;
    struct forms_result res;
    json_t *v = json_array(), *inner = v;
    size_t i;

    (void)state;
    assert_int_equal(compile("{\"items\": {\"$ref\": \"#\"}}", false, &cat, &err), FORMS_OK);
    /* built by hand, so no parser limit protects it */
    for (i = 0; i < 2000; i++) {
        json_t *n = json_array();

        json_array_append_new(inner, n);
        inner = n;
    }
    assert_false(forms_valid(schema_of(cat), v));
    assert_int_equal(forms_validate(schema_of(cat), v, &res, &err), FORMS_EINVALID);
    assert_int_equal(res.count, 1);
    assert_string_equal(res.errors[0].keyword, "depth");
    forms_result_clear(&res);
    forms_catalogue_free(cat);
    json_decref(v);
}

static void
nul_in_strings_is_data(void **state)
{
    struct forms_catalogue *cat;
    struct forms_err err;
    json_t *doc = json_loads("{\"const\": \"a\\u0000b\", \"maxLength\": 3}", JSON_ALLOW_NUL, NULL);
    json_t *same = json_stringn("a\0b", 3), *cut = json_string("a");

    (void)state;
    assert_int_equal(forms_catalogue_new(NULL, &cat, &err), FORMS_OK);
    assert_int_equal(forms_catalogue_add(cat, doc, "urn:baton:test:nul", &err), FORMS_OK);
    assert_int_equal(forms_catalogue_compile(cat, &err), FORMS_OK);
    assert_true(forms_valid(schema_of(cat), same));
    assert_false(forms_valid(schema_of(cat), cut));
    forms_catalogue_free(cat);
    json_decref(doc);
    json_decref(same);
    json_decref(cut);
}

struct worker {
    const struct forms_schema *s;
    json_t *good, *bad;
    int mismatches;
};

static void *
work(void *arg)
{
    struct worker *w = arg;
    int i;

    for (i = 0; i < 2000; i++) {
        struct forms_result res;
        struct forms_err err;

        if (!forms_valid(w->s, w->good) || forms_valid(w->s, w->bad))
            w->mismatches++;
        if (forms_validate(w->s, w->bad, &res, &err) != FORMS_EINVALID || res.count == 0)
            w->mismatches++;
        forms_result_clear(&res);
    }
    return NULL;
}

static void
concurrent_validation(void **state)
{
    struct forms_catalogue *cat;
    struct forms_err err;
    struct worker w[4];
    pthread_t t[4];
    size_t i;
    json_t *good = j("{\"id\": \"AB-123\", \"bsn\": \"111222333\", \"tags\": [\"x\", \"y\"]}");
    json_t *bad = j("{\"id\": \"ab-123\", \"bsn\": \"123456789\", \"tags\": [\"x\", \"x\"]}");

    (void)state;
    assert_int_equal(
        compile("{\"properties\": {\"id\": {\"pattern\": \"^[A-Z]{2}-[0-9]+$\"},"
                " \"bsn\": {\"format\": \"bsn\"},"
                " \"tags\": {\"uniqueItems\": true, \"items\": {\"pattern\": \"^.$\"}}}}",
                true, &cat, &err),
        FORMS_OK);
    for (i = 0; i < 4; i++) {
        w[i] = (struct worker){.s = schema_of(cat), .good = good, .bad = bad};
        assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(w[i].mismatches, 0);
    }
    forms_catalogue_free(cat);
    json_decref(good);
    json_decref(bad);
}

static void
builtin_catalogue_compiles(void **state)
{
    struct forms_options opt = {.format_assertion = true};
    struct forms_catalogue *cat;
    struct forms_err err;
    size_t i;

    (void)state;
    assert_int_equal(forms_catalogue_new(&opt, &cat, &err), FORMS_OK);
    if (forms_catalogue_add_builtin(cat, &err) != FORMS_OK)
        fail_msg("%s", err.text);
    if (forms_catalogue_compile(cat, &err) != FORMS_OK)
        fail_msg("%s", err.text);
    for (i = 0; i < forms_catalogue_count(cat); i++)
        assert_non_null(forms_catalogue_find(cat, forms_catalogue_id(cat, i)));
    forms_catalogue_free(cat);
}

static void
status_names(void **state)
{
    (void)state;
    assert_string_equal(forms_status_name(FORMS_OK), "ok");
    assert_string_equal(forms_status_name(FORMS_EINVALID), "invalid");
    assert_string_equal(forms_status_name(FORMS_ESCHEMA), "unusable schema");
    assert_non_null(forms_status_name((enum forms_status)99));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(refuses_dynamic_references),
        cmocka_unit_test(refuses_unresolved_references),
        cmocka_unit_test(refuses_bad_patterns),
        cmocka_unit_test(refuses_unknown_formats_when_asserting),
        cmocka_unit_test(refuses_wrong_keyword_values),
        cmocka_unit_test(refuses_endless_loops),
        cmocka_unit_test(failed_compile_changes_nothing),
        cmocka_unit_test(refuses_bad_documents_on_add),
        cmocka_unit_test(bsn_eleven_test),
        cmocka_unit_test(oin_and_postcode),
        cmocka_unit_test(dates_and_others),
        cmocka_unit_test(patterns_are_ecma_like),
        cmocka_unit_test(messages_use_labels),
        cmocka_unit_test(required_label_comes_from_the_declaration),
        cmocka_unit_test(basic_output_shape),
        cmocka_unit_test(valid_and_validate_agree),
        cmocka_unit_test(cross_document_references_by_urn),
        cmocka_unit_test(unevaluated_properties_with_composition),
        cmocka_unit_test(large_arrays_and_objects),
        cmocka_unit_test(deep_instances_are_refused_not_crashed),
        cmocka_unit_test(nul_in_strings_is_data),
        cmocka_unit_test(concurrent_validation),
        cmocka_unit_test(builtin_catalogue_compiles),
        cmocka_unit_test(status_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
