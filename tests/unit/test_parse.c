/* SPDX-License-Identifier: EUPL-1.2 */
/* forms_parse: hostile input is refused with the right status and a message that names what is
 * wrong and where; good input still parses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "forms.h"

/* A value no parse can produce: *out must still hold it after a refusal. */
static json_t untouched_sentinel;
#define UNTOUCHED (&untouched_sentinel)

static enum forms_status
parse(const char *text, struct forms_err *err)
{
    json_t *out = UNTOUCHED;
    enum forms_status st;

    memset(err, 0, sizeof *err);
    st = forms_parse(text, strlen(text), NULL, &out, err);
    if (st == FORMS_OK) {
        assert_non_null(out);
        assert_ptr_not_equal(out, UNTOUCHED);
        json_decref(out);
    } else {
        assert_ptr_equal(out, UNTOUCHED);
        assert_int_equal(err->status, st);
    }
    return st;
}

static void
assert_contains(const char *text, const char *want)
{
    if (strstr(text, want) == NULL)
        fail_msg("\"%s\" does not contain \"%s\"", text, want);
}

static void
good_input_parses(void **state)
{
    struct forms_err err;
    json_t *out = NULL;

    (void)state;
    assert_int_equal(forms_parse("{\"a\": [1, 2.5, \"x\", null, true]}", 32, NULL, &out, &err),
                     FORMS_OK);
    assert_true(json_is_object(out));
    assert_int_equal(json_array_size(json_object_get(out, "a")), 5);
    json_decref(out);
    /* any JSON value at the top, as forms carry objects but tests and tools pass scalars */
    assert_int_equal(parse("42", &err), FORMS_OK);
    assert_int_equal(parse("\"Utrecht\"", &err), FORMS_OK);
    assert_int_equal(parse("\"Gr\xc3\xa9"
                           "goire \xe2\x82\xac \xf0\x9f\x98\x80\"",
                           &err),
                     FORMS_OK);
}

static void
syntax_error_has_line_and_column(void **state)
{
    struct forms_err err;

    (void)state;
    assert_int_equal(parse("{\n  \"a\": 1,\n  \"b\": }", &err), FORMS_EPARSE);
    assert_int_equal(err.line, 3);
    assert_true(err.column > 0);
    assert_contains(err.text, "line 3, column");
}

static void
invalid_utf8_names_the_byte(void **state)
{
    struct forms_err err;

    (void)state;
    assert_int_equal(parse("{\"a\": \"ab\xff\"}", &err), FORMS_EUTF8);
    assert_contains(err.text, "invalid UTF-8 at byte offset 9");
    assert_int_equal(err.line, 1);
    assert_int_equal(err.column, 10);

    /* an overlong encoding of '/', a UTF-16 surrogate, a truncated sequence, beyond U+10FFFF */
    assert_int_equal(parse("[\"\xc0\xaf\"]", &err), FORMS_EUTF8);
    assert_contains(err.text, "byte offset 2");
    assert_int_equal(parse("[\"\xed\xa0\x80\"]", &err), FORMS_EUTF8);
    assert_int_equal(parse("[\"\xe2\x82\"]", &err), FORMS_EUTF8);
    assert_int_equal(parse("[\"\xf4\x90\x80\x80\"]", &err), FORMS_EUTF8);
    /* line and column count characters, not bytes */
    assert_int_equal(parse("{\n \"\xc3\xa9\xc3\xa9\": \"\x80\"}", &err), FORMS_EUTF8);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 9);
}

static void
duplicate_key_is_named(void **state)
{
    struct forms_err err;

    (void)state;
    assert_int_equal(
        parse("{\"bsn\": \"111222333\",\n \"naam\": \"Sam\",\n   \"bsn\": \"1\"}", &err),
        FORMS_EDUPKEY);
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column, 4);
    assert_contains(err.text, "line 3, column 4: duplicate key \"bsn\"");

    /* nested, and with an escaped quote in the key */
    assert_int_equal(parse("{\"a\": {\"x\\\"y\": 1, \"x\\\"y\": 2}}", &err), FORMS_EDUPKEY);
    assert_contains(err.text, "duplicate key \"x\\\"y\"");
    /* the same key in different objects is fine */
    assert_int_equal(parse("[{\"a\": 1}, {\"a\": 2}]", &err), FORMS_OK);
}

static char *
nested(size_t depth, const char *inner)
{
    size_t n = strlen(inner);
    char *s = malloc(depth * 2 + n + 1);
    size_t i;

    assert_non_null(s);
    for (i = 0; i < depth; i++)
        s[i] = '[';
    memcpy(s + depth, inner, n);
    for (i = 0; i < depth; i++)
        s[depth + n + i] = ']';
    s[depth * 2 + n] = '\0';
    return s;
}

static void
depth_limit_is_exact(void **state)
{
    struct forms_err err;
    char *at = nested(FORMS_MAX_DEPTH_DEFAULT, "1");
    char *over = nested(FORMS_MAX_DEPTH_DEFAULT + 1, "1");
    char *deep = nested(100000, "1");

    (void)state;
    assert_int_equal(parse(at, &err), FORMS_OK);
    assert_int_equal(parse(over, &err), FORMS_EDEPTH);
    assert_contains(err.text, "nesting deeper than 64 levels at line 1");
    /* refused by the scan, before jansson's recursive descent sees it */
    assert_int_equal(parse(deep, &err), FORMS_EDEPTH);
    /* brackets inside strings are text, not nesting */
    assert_int_equal(
        parse("[\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"]",
              &err),
        FORMS_OK);
    free(at);
    free(over);
    free(deep);
}

static void
custom_limits_apply(void **state)
{
    const struct forms_limits lim = {.max_bytes = 10, .max_depth = 2};
    struct forms_err err;
    json_t *out = UNTOUCHED;

    (void)state;
    assert_int_equal(forms_parse("[[1]]", 5, &lim, &out, &err), FORMS_OK);
    json_decref(out);
    out = UNTOUCHED;
    assert_int_equal(forms_parse("[[[1]]]", 7, &lim, &out, &err), FORMS_EDEPTH);
    assert_contains(err.text, "deeper than 2 levels");
    assert_int_equal(forms_parse("[1,2,3,4,5,6]", 13, &lim, &out, &err), FORMS_ETOOBIG);
    assert_contains(err.text, "13 bytes; the limit is 10");
    assert_ptr_equal(out, UNTOUCHED);
}

static void
oversize_is_refused_before_parsing(void **state)
{
    struct forms_err err;
    size_t n = 2000000;
    char *big = malloc(n);
    json_t *out = UNTOUCHED;

    (void)state;
    assert_non_null(big);
    /* not even JSON: the size alone decides */
    memset(big, '[', n);
    assert_int_equal(forms_parse(big, n, NULL, &out, &err), FORMS_ETOOBIG);
    assert_contains(err.text, "2000000 bytes; the limit is 1048576");
    assert_ptr_equal(out, UNTOUCHED);
    free(big);
}

static void
nul_character_is_refused(void **state)
{
    struct forms_err err;

    (void)state;
    assert_int_equal(parse("{\"naam\": \"Sam\\u0000Evil\"}", &err), FORMS_EPARSE);
    assert_contains(err.text, "NUL");
    assert_int_equal(err.line, 1);
    assert_int_equal(parse("{\"na\\u0000am\": 1}", &err), FORMS_EPARSE);
    assert_contains(err.text, "NUL");
    /* a raw NUL byte in the text is no better */
    {
        json_t *out = UNTOUCHED;

        assert_int_equal(forms_parse("[\"a\0b\"]", 7, NULL, &out, &err), FORMS_EPARSE);
        assert_ptr_equal(out, UNTOUCHED);
    }
}

static void
trailing_garbage_is_refused(void **state)
{
    struct forms_err err;

    (void)state;
    assert_int_equal(parse("{\"a\": 1} x", &err), FORMS_EPARSE);
    assert_contains(err.text, "after the end of the JSON value");
    assert_int_equal(parse("{\"a\": 1}{}", &err), FORMS_EPARSE);
    assert_int_equal(parse("{\"a\": 1}\n\n", &err), FORMS_OK);
}

static void
empty_input_is_refused(void **state)
{
    struct forms_err err;
    json_t *out = UNTOUCHED;

    (void)state;
    assert_int_equal(parse("", &err), FORMS_EPARSE);
    assert_contains(err.text, "empty");
    assert_int_equal(parse(" \n\t \r\n", &err), FORMS_EPARSE);
    assert_contains(err.text, "empty");
    assert_int_equal(forms_parse(NULL, 0, NULL, &out, &err), FORMS_EPARSE);
    assert_ptr_equal(out, UNTOUCHED);
}

static void
other_syntax_errors(void **state)
{
    struct forms_err err;

    (void)state;
    assert_int_equal(parse("[1, 2,", &err), FORMS_EPARSE);
    assert_contains(err.text, "line 1");
    assert_int_equal(parse("{'a': 1}", &err), FORMS_EPARSE);
    assert_int_equal(parse("[01]", &err), FORMS_EPARSE);
    assert_int_equal(parse("[1e999]", &err), FORMS_EPARSE);
    assert_contains(err.text, "number too large");
    assert_int_equal(parse("[123456789012345678901234567890]", &err), FORMS_EPARSE);
    assert_int_equal(parse("[\"a\tb\"]", &err), FORMS_EPARSE);
    assert_int_equal(parse("[\"\\ud800\"]", &err), FORMS_EPARSE);
}

static char *
temp_file(const char *content, size_t n)
{
    char *path = strdup("/tmp/baton-test-parse-XXXXXX");
    int fd;

    assert_non_null(path);
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, n), (ssize_t)n);
    close(fd);
    return path;
}

static void
files_and_stdin(void **state)
{
    struct forms_err err;
    json_t *out = UNTOUCHED;
    char *good = temp_file("{\"a\": 1}", 8);
    char *dupkeys = temp_file("{\"a\": 1, \"a\": 2}", 16);
    char *big;
    char *mem = malloc(2000000);
    int fds[2], saved;

    (void)state;
    assert_int_equal(forms_parse_file(good, NULL, &out, &err), FORMS_OK);
    assert_int_equal(json_integer_value(json_object_get(out, "a")), 1);
    json_decref(out);
    out = UNTOUCHED;

    assert_int_equal(forms_parse_file(dupkeys, NULL, &out, &err), FORMS_EDUPKEY);
    assert_contains(err.text, "duplicate key \"a\"");

    assert_int_equal(forms_parse_file("/nonexistent/baton/form.json", NULL, &out, &err), FORMS_EIO);
    assert_contains(err.text, "/nonexistent/baton/form.json");
    assert_int_equal(forms_parse_file("/tmp", NULL, &out, &err), FORMS_EIO);
    assert_contains(err.text, "directory");

    assert_non_null(mem);
    memset(mem, ' ', 2000000);
    big = temp_file(mem, 2000000);
    assert_int_equal(forms_parse_file(big, NULL, &out, &err), FORMS_ETOOBIG);
    assert_contains(err.text, "file is 2000000 bytes; the limit is 1048576");
    assert_ptr_equal(out, UNTOUCHED);

    /* "-" is standard input, read only up to the limit */
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], "[true]", 6), 6);
    close(fds[1]);
    saved = dup(STDIN_FILENO);
    assert_int_equal(dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
    close(fds[0]);
    assert_int_equal(forms_parse_file("-", NULL, &out, &err), FORMS_OK);
    assert_true(json_is_true(json_array_get(out, 0)));
    json_decref(out);
    out = UNTOUCHED;
    assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
    close(saved);

    {
        const struct forms_limits lim = {.max_bytes = 100, .max_depth = 0};

        assert_int_equal(pipe(fds), 0);
        assert_int_equal(write(fds[1], mem, 1000), 1000);
        close(fds[1]);
        saved = dup(STDIN_FILENO);
        assert_int_equal(dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
        close(fds[0]);
        assert_int_equal(forms_parse_file("-", &lim, &out, &err), FORMS_ETOOBIG);
        assert_contains(err.text, "standard input is more than 100 bytes");
        assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
        close(saved);
    }

    unlink(good);
    unlink(dupkeys);
    unlink(big);
    free(good);
    free(dupkeys);
    free(big);
    free(mem);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_input_parses),
        cmocka_unit_test(syntax_error_has_line_and_column),
        cmocka_unit_test(invalid_utf8_names_the_byte),
        cmocka_unit_test(duplicate_key_is_named),
        cmocka_unit_test(depth_limit_is_exact),
        cmocka_unit_test(custom_limits_apply),
        cmocka_unit_test(oversize_is_refused_before_parsing),
        cmocka_unit_test(nul_character_is_refused),
        cmocka_unit_test(trailing_garbage_is_refused),
        cmocka_unit_test(empty_input_is_refused),
        cmocka_unit_test(other_syntax_errors),
        cmocka_unit_test(files_and_stdin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
