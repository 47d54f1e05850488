/* SPDX-License-Identifier: EUPL-1.2 */
/* The "format" checks baton asserts: RFC 3339 dates and times, RFC 5321 e-mail addresses, UUIDs,
 * and the Dutch identifiers on handover forms (BSN, OIN, postcode). */
#include <arpa/inet.h>
#include <string.h>

#include "forms_int.h"

static const struct {
    const char *name;
    enum forms_format f;
} formats[] = {
    {"date", FMT_DATE},   {"date-time", FMT_DATE_TIME}, {"time", FMT_TIME},
    {"email", FMT_EMAIL}, {"uuid", FMT_UUID},           {"bsn", FMT_BSN},
    {"oin", FMT_OIN},     {"postcode", FMT_POSTCODE},
};

enum forms_format
forms_format_lookup(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (strcmp(formats[i].name, name) == 0)
            return formats[i].f;
    return FMT_NONE;
}

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool
digits(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!is_digit(s[i]))
            return false;
    return true;
}

static int
num(const char *s, size_t n)
{
    int v = 0;
    size_t i;

    for (i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

static int
days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 && leap ? 29 : days[m - 1];
}

/* RFC 3339 full-date = date-fullyear "-" date-month "-" date-mday (exactly 10 bytes) */
static int
check_date(const char *s, size_t n)
{
    int y, m, d;

    if (n != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4) || !digits(s + 5, 2) ||
        !digits(s + 8, 2))
        return WHY_SHAPE;
    y = num(s, 4);
    m = num(s + 5, 2);
    d = num(s + 8, 2);
    if (m < 1 || m > 12 || d < 1)
        return WHY_NO_DATE;
    if (d > days_in_month(y, m))
        return WHY_NO_DATE;
    return 0;
}

/* RFC 3339 full-time = partial-time time-offset. A leap second (:60) is only real at 23:59 UTC,
 * so the local time is shifted by the offset before that is checked. */
static int
check_time(const char *s, size_t n)
{
    int h, m, sec, oh = 0, om = 0, sign = 0;
    size_t i = 8;

    if (n < 9 || s[2] != ':' || s[5] != ':' || !digits(s, 2) || !digits(s + 3, 2) ||
        !digits(s + 6, 2))
        return WHY_SHAPE;
    h = num(s, 2);
    m = num(s + 3, 2);
    sec = num(s + 6, 2);
    if (s[i] == '.') {
        size_t start = ++i;

        while (i < n && is_digit(s[i]))
            i++;
        if (i == start)
            return WHY_SHAPE;
    }
    if (i >= n)
        return WHY_SHAPE;
    if (s[i] == 'Z' || s[i] == 'z') {
        if (i + 1 != n)
            return WHY_SHAPE;
    } else if (s[i] == '+' || s[i] == '-') {
        if (n - i != 6 || s[i + 3] != ':' || !digits(s + i + 1, 2) || !digits(s + i + 4, 2))
            return WHY_SHAPE;
        sign = s[i] == '+' ? 1 : -1;
        oh = num(s + i + 1, 2);
        om = num(s + i + 4, 2);
        if (oh > 23 || om > 59)
            return WHY_SHAPE;
    } else {
        return WHY_SHAPE;
    }
    if (h > 23 || m > 59 || sec > 60)
        return WHY_SHAPE;
    if (sec == 60) {
        int utc = ((h * 60 + m - sign * (oh * 60 + om)) % 1440 + 1440) % 1440;

        if (utc != 23 * 60 + 59)
            return WHY_SHAPE;
    }
    return 0;
}

static int
check_date_time(const char *s, size_t n)
{
    int r;

    if (n < 11 || (s[10] != 'T' && s[10] != 't'))
        return WHY_SHAPE;
    r = check_date(s, 10);
    if (r != 0)
        return r;
    return check_time(s + 11, n - 11);
}

/* RFC 5321 atext */
static bool
atext(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c))
        return true;
    return c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static bool
let_dig(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c);
}

/* Domain = sub-domain *("." sub-domain); sub-domain = Let-dig [Ldh-str] */
static bool
domain(const char *s, size_t n)
{
    size_t i = 0;

    if (n == 0 || n > 255)
        return false;
    while (i < n) {
        size_t start = i;

        if (!let_dig(s[i]))
            return false;
        while (i < n && (let_dig(s[i]) || s[i] == '-'))
            i++;
        if (s[i - 1] == '-' || i - start > 63)
            return false;
        if (i == n)
            return true;
        if (s[i] != '.')
            return false;
        i++;
        if (i == n)
            return false;
    }
    return true;
}

/* address-literal = "[" ( IPv4-address-literal / IPv6-address-literal ) "]" */
static bool
address_literal(const char *s, size_t n)
{
    char buf[64];
    unsigned char addr[16];
    const char *in = s + 1;
    size_t len = n - 2;
    int af = AF_INET;

    if (n < 3 || s[0] != '[' || s[n - 1] != ']')
        return false;
    if (len > 5 && memcmp(in, "IPv6:", 5) == 0) {
        af = AF_INET6;
        in += 5;
        len -= 5;
    }
    if (len == 0 || len >= sizeof buf || memchr(in, '\0', len) != NULL)
        return false;
    memcpy(buf, in, len);
    buf[len] = '\0';
    return inet_pton(af, buf, addr) == 1;
}

/* Mailbox = Local-part "@" ( Domain / address-literal ) */
static int
check_email(const char *s, size_t n)
{
    size_t i = 0, at;

    if (n == 0)
        return WHY_SHAPE;
    if (s[0] == '"') {
        /* Quoted-string = DQUOTE *QcontentSMTP DQUOTE */
        for (i = 1; i < n && s[i] != '"'; i++) {
            unsigned char c = (unsigned char)s[i];

            if (c == '\\') {
                if (i + 1 >= n || (unsigned char)s[i + 1] < 32 || (unsigned char)s[i + 1] > 126)
                    return WHY_SHAPE;
                i++;
            } else if (c < 32 || c > 126) {
                return WHY_SHAPE;
            }
        }
        if (i >= n)
            return WHY_SHAPE;
        i++;
    } else {
        /* Dot-string = Atom *("." Atom) */
        for (;;) {
            size_t start = i;

            while (i < n && atext(s[i]))
                i++;
            if (i == start)
                return WHY_SHAPE;
            if (i < n && s[i] == '.') {
                i++;
                continue;
            }
            break;
        }
    }
    at = i;
    if (at == 0 || at > 64 || at >= n || s[at] != '@')
        return WHY_SHAPE;
    if (s[at + 1] == '[')
        return address_literal(s + at + 1, n - at - 1) ? 0 : WHY_SHAPE;
    return domain(s + at + 1, n - at - 1) ? 0 : WHY_SHAPE;
}

static bool
hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int
check_uuid(const char *s, size_t n)
{
    size_t i;

    if (n != 36)
        return WHY_SHAPE;
    for (i = 0; i < n; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return WHY_SHAPE;
        } else if (!hex(s[i])) {
            return WHY_SHAPE;
        }
    }
    return 0;
}

/* The BSN eleven-test: 9*d1 + 8*d2 + ... + 2*d8 - 1*d9 must be divisible by 11. */
static int
check_bsn(const char *s, size_t n)
{
    int sum = 0, i;

    if (n != 9 || !digits(s, 9))
        return WHY_SHAPE;
    if (memcmp(s, "000000000", 9) == 0)
        return WHY_ALL_ZEROS;
    for (i = 0; i < 8; i++)
        sum += (9 - i) * (s[i] - '0');
    sum -= s[8] - '0';
    return sum % 11 == 0 ? 0 : WHY_ELEVEN_TEST;
}

/* Dutch postcode: 1234 AB; the first digit is never 0, and SA, SD and SS are never issued. */
static int
check_postcode(const char *s, size_t n)
{
    const char *l;

    if (n != 6 && n != 7)
        return WHY_SHAPE;
    if (!digits(s, 4) || s[0] == '0')
        return WHY_SHAPE;
    if (n == 7 && s[4] != ' ')
        return WHY_SHAPE;
    l = s + n - 2;
    if (l[0] < 'A' || l[0] > 'Z' || l[1] < 'A' || l[1] > 'Z')
        return WHY_SHAPE;
    if (l[0] == 'S' && (l[1] == 'A' || l[1] == 'D' || l[1] == 'S'))
        return WHY_POSTCODE_SSX;
    return 0;
}

int
forms_format_check(enum forms_format f, const char *s, size_t n)
{
    switch (f) {
    case FMT_NONE:
        return 0;
    case FMT_DATE:
        return check_date(s, n);
    case FMT_DATE_TIME:
        return check_date_time(s, n);
    case FMT_TIME:
        return check_time(s, n);
    case FMT_EMAIL:
        return check_email(s, n);
    case FMT_UUID:
        return check_uuid(s, n);
    case FMT_BSN:
        return check_bsn(s, n);
    case FMT_OIN:
        return n == 20 && digits(s, 20) ? 0 : WHY_SHAPE;
    case FMT_POSTCODE:
        return check_postcode(s, n);
    }
    return 0;
}
