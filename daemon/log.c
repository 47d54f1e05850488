/* SPDX-License-Identifier: EUPL-1.2 */
/* The daemon's log (one line per event: time, level, event, packet id, peer, never form content)
 * and the audit entries that go with the flows. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core.h"

/* A log line is for people and for grep: a few hundred bytes; a longer message is cut. */
#define LOG_LINE_MAX 1024

static const char *const level_names[] = {"error", "warning", "info", "debug"};

/* Replaces control characters (a peer's text may hold them: forged log lines, terminal escapes)
 * with '?', and makes the text valid UTF-8: a request path is any bytes once percent-decoded, and
 * vsnprintf may cut a character in two; an audit entry that is not UTF-8 cannot be shown as JSON,
 * which made every later listing of the audit trail fail. UTF-8 above 0x9f stays. */
static void
clean(char *s)
{
    unsigned char *p;

    for (p = (unsigned char *)s; *p != '\0'; p++)
        if (*p < 0x20 || *p == 0x7f)
            *p = '?';
    http_utf8_clean(s);
}

void
core_log(struct daemon *d, enum config_log_level level, const char *event, const char *packet,
         const char *peer, const char *fmt, ...)
{
    char line[LOG_LINE_MAX + 200], msg[LOG_LINE_MAX], t[KEYS_TIME_LEN + 1];
    va_list ap;

    if (d == NULL || d->log_sink == NULL)
        return;
    if (d->cfg != NULL && level > d->cfg->log_level)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    clean(msg);
    keys_time_format(time(NULL), t);
    snprintf(line, sizeof line, "%s %s %.40s%s%.40s%s%.40s %s", t,
             (unsigned)level < 4 ? level_names[level] : "info", event,
             packet != NULL ? " packet=" : "", packet != NULL ? packet : "",
             peer != NULL ? " peer=" : "", peer != NULL ? peer : "", msg);
    clean(line);
    pthread_mutex_lock(&d->log_mu);
    d->log_sink(d->log_ctx, line);
    pthread_mutex_unlock(&d->log_mu);
}

static void audit_v(struct daemon *d, time_t now, const char *event, const char *packet,
                    const char *peer, const char *subject, const char *actor, const char *fmt,
                    va_list ap) __attribute__((format(printf, 8, 0)));

static void
audit_v(struct daemon *d, time_t now, const char *event, const char *packet, const char *peer,
        const char *subject, const char *actor, const char *fmt, va_list ap)
{
    struct daemon_err err = {0};
    struct store_event ev = {0};
    char detail[600];

    vsnprintf(detail, sizeof detail, fmt, ap);
    clean(detail);
    ev.event = event;
    ev.packet = packet;
    ev.peer = peer;
    ev.detail = detail;
    ev.subject = subject != NULL && subject[0] != '\0' ? subject : NULL;
    ev.actor = actor;
    if (store_audit_add(d->store, now, &ev, &err) != DAEMON_OK)
        core_log(d, CONFIG_LOG_ERROR, "audit-failed", packet, peer,
                 "could not write the audit entry \"%s\": %s", event, err.text);
}

void
core_audit(struct daemon *d, time_t now, const char *event, const char *packet, const char *peer,
           const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    audit_v(d, now, event, packet, peer, NULL, NULL, fmt, ap);
    va_end(ap);
}

void
core_audit_about(struct daemon *d, time_t now, const char *event, const char *packet,
                 const char *peer, const char *subject, const char *actor, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    audit_v(d, now, event, packet, peer, subject, actor, fmt, ap);
    va_end(ap);
}
