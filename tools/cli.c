/* SPDX-License-Identifier: EUPL-1.2 */
/* Option parsing, usage errors and safe printing shared by all of baton's commands. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void
cli_args_init(struct cli_args *a, const char *command, int argc, char **argv)
{
    a->command = command;
    a->argc = argc;
    a->argv = argv;
    a->i = 1;
    a->options_done = false;
}

static const struct cli_option *
find_long(const struct cli_option *opts, const char *arg, size_t len)
{
    for (; opts->name != NULL; opts++)
        if (strlen(opts->name) == len && strncmp(opts->name, arg, len) == 0)
            return opts;
    return NULL;
}

static const struct cli_option *
find_alias(const struct cli_option *opts, char c)
{
    for (; opts->name != NULL; opts++)
        if (opts->alias != 0 && opts->alias == c)
            return opts;
    return NULL;
}

int
cli_next(struct cli_args *a, const struct cli_option *opts, const char **value)
{
    const struct cli_option *o;
    const char *arg, *eq;
    size_t len;

    *value = NULL;
    if (a->i >= a->argc)
        return CLI_END;
    arg = a->argv[a->i++];

    /* "-" is standard input, and anything not starting with '-' is an operand. */
    if (a->options_done || arg[0] != '-' || arg[1] == '\0') {
        *value = arg;
        return CLI_OPERAND;
    }
    if (strcmp(arg, "--") == 0) {
        a->options_done = true;
        return cli_next(a, opts, value);
    }

    if (arg[1] != '-') {
        /* Only single-letter aliases; bundling ("-hj") is not worth the ambiguity. */
        o = arg[2] == '\0' ? find_alias(opts, arg[1]) : NULL;
        if (o == NULL) {
            cli_usage(a->command, "unknown option '%s'", arg);
            return CLI_BAD;
        }
        eq = NULL;
    } else {
        eq = strchr(arg, '=');
        len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
        o = find_long(opts, arg, len);
        if (o == NULL) {
            cli_usage(a->command, "unknown option '%.*s'", (int)len, arg);
            return CLI_BAD;
        }
    }

    if (!o->has_value) {
        if (eq != NULL) {
            cli_usage(a->command, "option '%s' takes no value", o->name);
            return CLI_BAD;
        }
        return o->id;
    }
    if (eq != NULL) {
        *value = eq + 1;
        return o->id;
    }
    if (a->i >= a->argc) {
        cli_usage(a->command, "option '%s' needs a value", o->name);
        return CLI_BAD;
    }
    *value = a->argv[a->i++];
    return o->id;
}

int
cli_usage(const char *command, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "baton %s: ", command);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nSee 'baton help %s'.\n", command);
    return CLI_UNUSABLE;
}

void
cli_put_safe(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    for (; *p != '\0'; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            fprintf(out, "\\x%02x", *p);
        } else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
            /* U+0080..U+009F in UTF-8: C1 controls, which some terminals obey (CSI is 0x9b). */
            fprintf(out, "\\u%04x", p[1]);
            p++;
        } else {
            fputc(*p, out);
        }
    }
}

/* The first set of the locale variables, in the order POSIX gives them precedence. */
static const char *
locale_messages(void)
{
    static const char *const vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
    const char *v;
    size_t i;

    for (i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        v = getenv(vars[i]);
        if (v != NULL && v[0] != '\0')
            return v;
    }
    return "";
}

bool
cli_lang(const char *value, enum forms_lang *out)
{
    if (value != NULL) {
        if (strcmp(value, "nl") == 0)
            *out = FORMS_LANG_NL;
        else if (strcmp(value, "en") == 0)
            *out = FORMS_LANG_EN;
        else
            return false;
        return true;
    }
    /* Dutch is the default: baton's users work in Dutch, and a C or POSIX locale says nothing
     * about a person's language. Only an explicit English locale switches. */
    *out = strncmp(locale_messages(), "en", 2) == 0 ? FORMS_LANG_EN : FORMS_LANG_NL;
    return true;
}

void
cli_form_invalid(const char *command, const char *name, const char *done,
                 const struct forms_result *res, enum forms_lang lang)
{
    const struct forms_error *e;
    const char *msg;
    size_t i;

    fflush(stdout);
    fprintf(stderr, "baton %s: ", command);
    cli_put_safe(stderr, name);
    fprintf(stderr, ": the form is invalid, nothing was %s (%zu error%s):\n", done, res->count,
            res->count == 1 ? "" : "s");
    for (i = 0; i < res->count; i++) {
        e = &res->errors[i];
        msg = e->message[lang] != NULL ? e->message[lang] : e->message[FORMS_LANG_NL];
        fputs("  ", stderr);
        cli_put_safe(stderr,
                     e->instance_location[0] != '\0' ? e->instance_location : "(top level)");
        fputs(": ", stderr);
        cli_put_safe(stderr, msg != NULL ? msg : e->keyword);
        fputc('\n', stderr);
    }
}
