/* SPDX-License-Identifier: EUPL-1.2 */
/* The daemon library's statuses and the messages that go with them. */
#include <stdarg.h>
#include <stdio.h>

#include "daemon.h"

const char *
daemon_status_name(enum daemon_status st)
{
    switch (st) {
    case DAEMON_OK:
        return "ok";
    case DAEMON_ENOMEM:
        return "out of memory";
    case DAEMON_EINVAL:
        return "invalid argument";
    case DAEMON_ECONFIG:
        return "configuration error";
    case DAEMON_EIO:
        return "input/output error";
    case DAEMON_ETLS:
        return "TLS error";
    case DAEMON_ETIMEOUT:
        return "timed out";
    case DAEMON_EPEER:
        return "peer refused";
    case DAEMON_ESTORE:
        return "store error";
    case DAEMON_EKEYS:
        return "keys refused";
    case DAEMON_EREFUSED:
        return "refused";
    case DAEMON_ENOTFOUND:
        return "not found";
    case DAEMON_ECONFLICT:
        return "conflict";
    }
    return "unknown status";
}

enum daemon_status
daemon_fail(struct daemon_err *err, enum daemon_status st, const char *fmt, ...)
{
    va_list ap;

    if (err != NULL) {
        err->status = st;
        va_start(ap, fmt);
        vsnprintf(err->text, sizeof err->text, fmt, ap);
        va_end(ap);
    }
    return st;
}
