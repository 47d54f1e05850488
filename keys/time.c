/* SPDX-License-Identifier: EUPL-1.2 */
/* RFC 3339 date-times to and from seconds since the epoch, without the locale or time zone. */
#include <stdint.h>
#include <string.h>

#include "keys_int.h"

/* The proleptic Gregorian calendar, with days counted from 1970-01-01 (Howard Hinnant's
 * days_from_civil): timegm() is not POSIX, and mktime() would read the local time zone. */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era;
    unsigned doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int
leap_year(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned
days_in_month(int64_t y, unsigned m)
{
    static const unsigned char days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    return m == 2 && leap_year(y) ? 29 : days[m - 1];
}

void
keys_time_format(time_t t, char out[KEYS_TIME_LEN + 1])
{
    /* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range four year digits can show. */
    static const int64_t first = -62167219200, last = 253402300799;
    int64_t s = (int64_t)t, days, rem, y;
    unsigned m, d;

    if (s < first)
        s = first;
    if (s > last)
        s = last;
    days = s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
    rem = s - days * 86400;
    civil_from_days(days, &y, &m, &d);
    /* Every field is bounded above, so the result is always exactly KEYS_TIME_LEN characters. */
    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + d / 10);
    out[9] = (char)('0' + d % 10);
    out[10] = 'T';
    out[11] = (char)('0' + rem / 36000);
    out[12] = (char)('0' + rem / 3600 % 10);
    out[13] = ':';
    out[14] = (char)('0' + rem % 3600 / 600);
    out[15] = (char)('0' + rem % 3600 / 60 % 10);
    out[16] = ':';
    out[17] = (char)('0' + rem % 60 / 10);
    out[18] = (char)('0' + rem % 10);
    out[19] = 'Z';
    out[20] = '\0';
}

/* n decimal digits at s into *v; 0 when one of them is not a digit. */
static int
digits(const char *s, size_t n, unsigned *v)
{
    size_t i;

    *v = 0;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        *v = *v * 10 + (unsigned)(s[i] - '0');
    }
    return 1;
}

enum keys_status
keys_time_parse(const char *s, time_t *out, const char *what, struct keys_err *err)
{
    char q[KEYS_QUOTE_MAX + 4];
    unsigned y, mo, d, h, mi, sec, oh = 0, om = 0;
    const char *p;
    int64_t t;
    int sign = 0;

    if (s == NULL || out == NULL || what == NULL)
        return keys_fail(err, KEYS_EINVAL, "keys_time_parse: NULL argument");
    if (strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
        s[7] != '-' || !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
        !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
        !digits(s + 17, 2, &sec))
        goto bad;
    p = s + 19;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            goto bad;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
        sign = 0;
    } else if ((*p == '+' || *p == '-') && strlen(p) == 6 && digits(p + 1, 2, &oh) && p[3] == ':' &&
               digits(p + 4, 2, &om)) {
        sign = *p == '+' ? 1 : -1;
    } else {
        goto bad;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60 ||
        oh > 23 || om > 59)
        goto bad;
    t = days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 + (int64_t)mi * 60 + sec;
    t -= sign * ((int64_t)oh * 3600 + (int64_t)om * 60);
    if (sizeof(time_t) < sizeof(int64_t) && (t < INT32_MIN || t > INT32_MAX))
        return keys_fail(err, KEYS_EFORMAT,
                         "%s \"%s\" lies outside what this system's clock can "
                         "count",
                         what, keys_quote(s, q));
    *out = (time_t)t;
    return KEYS_OK;
bad:
    return keys_fail(err, KEYS_EFORMAT,
                     "%s \"%s\" is not an RFC 3339 date-time such as 2025-08-01T00:00:00Z", what,
                     keys_quote(s, q));
}
