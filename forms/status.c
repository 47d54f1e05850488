/* SPDX-License-Identifier: EUPL-1.2 */
/* Status names and the one helper that fills a struct forms_err. */
#include <stdio.h>
#include <string.h>

#include "forms_int.h"

const char *
forms_status_name(enum forms_status st)
{
    switch (st) {
    case FORMS_OK:
        return "ok";
    case FORMS_EINVALID:
        return "invalid";
    case FORMS_EPARSE:
        return "parse error";
    case FORMS_EUTF8:
        return "invalid UTF-8";
    case FORMS_EDUPKEY:
        return "duplicate key";
    case FORMS_EDEPTH:
        return "nested too deeply";
    case FORMS_ETOOBIG:
        return "too big";
    case FORMS_EIO:
        return "read error";
    case FORMS_ESCHEMA:
        return "unusable schema";
    case FORMS_ENOTFOUND:
        return "schema not found";
    case FORMS_ENOMEM:
        return "out of memory";
    }
    return "unknown status";
}

enum forms_status
forms_vfail(struct forms_err *err, enum forms_status st, int line, int column, const char *fmt,
            va_list ap)
{
    if (err == NULL)
        return st;
    err->status = st;
    err->line = line;
    err->column = column;
    vsnprintf(err->text, sizeof err->text, fmt, ap);
    return st;
}

enum forms_status
forms_fail(struct forms_err *err, enum forms_status st, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    st = forms_vfail(err, st, 0, 0, fmt, ap);
    va_end(ap);
    return st;
}
