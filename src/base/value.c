/* Value words (value.h). */
#include "motcua/value.h"

#include "motcua/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int fail(char *msg, size_t msgsz, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int fail(char *msg, size_t msgsz, const char *fmt, ...)
{
    if (msg != NULL && msgsz > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, msgsz, fmt, ap);
        va_end(ap);
    }
    return MC_ESYNTAX;
}

static bool digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Parses exactly `-?[0-9]+(\.[0-9]+)?` in s[0..n); false when the form is wrong, true with
 * *over set when it does not fit. */
static bool parse_fixed(const char *s, size_t n, mc_fixed *out, bool *over, int *decimals)
{
    size_t i = 0;
    bool neg = false;
    *over = false;
    *decimals = 0;
    if (i < n && s[i] == '-') {
        neg = true;
        i++;
    }
    if (i >= n || !digit(s[i])) {
        return false;
    }
    int64_t ip = 0;
    while (i < n && digit(s[i])) {
        if (ip > (INT64_MAX / MC_FIXED_ONE - 9) / 10) {
            *over = true;
        } else {
            ip = ip * 10 + (s[i] - '0');
        }
        i++;
    }
    int64_t frac = 0, scale = MC_FIXED_ONE;
    if (i < n && s[i] == '.') {
        i++;
        if (i >= n || !digit(s[i])) {
            return false;
        }
        while (i < n && digit(s[i])) {
            (*decimals)++;
            if (*decimals <= 6) {
                scale /= 10;
                frac += (s[i] - '0') * scale;
            }
            i++;
        }
    }
    if (i != n) {
        return false;
    }
    int64_t v = ip * MC_FIXED_ONE + frac;
    *out = neg ? -v : v;
    return true;
}

int mc_value_number(const char *s, size_t n, mc_fixed *out, char *msg, size_t msgsz)
{
    bool over;
    int dec;
    if (!parse_fixed(s, n, out, &over, &dec)) {
        return fail(msg, msgsz, "invalid number '%.*s' (write it like 3 or 0.5)", (int)n, s);
    }
    if (over) {
        return fail(msg, msgsz, "number '%.*s' is too large", (int)n, s);
    }
    if (dec > 6) {
        return fail(msg, msgsz, "number '%.*s' has more than 6 decimal places", (int)n, s);
    }
    return 0;
}

int mc_value_integer(const char *s, size_t n, int64_t *out, char *msg, size_t msgsz)
{
    size_t i = 0;
    bool neg = false;
    if (i < n && s[i] == '-') {
        neg = true;
        i++;
    }
    if (i >= n) {
        return fail(msg, msgsz, "invalid integer '%.*s'", (int)n, s);
    }
    int64_t v = 0;
    for (; i < n; i++) {
        if (!digit(s[i])) {
            return fail(msg, msgsz, "invalid integer '%.*s'", (int)n, s);
        }
        if (v > (INT64_MAX - 9) / 10) {
            return fail(msg, msgsz, "integer '%.*s' is too large", (int)n, s);
        }
        v = v * 10 + (s[i] - '0');
    }
    *out = neg ? -v : v;
    return 0;
}

int mc_value_percent(const char *s, size_t n, mc_fixed *out, char *msg, size_t msgsz)
{
    mc_fixed v;
    bool over;
    int dec;
    if (n < 2 || s[n - 1] != '%' || !parse_fixed(s, n - 1, &v, &over, &dec) || dec > 6) {
        return fail(msg, msgsz, "invalid percentage '%.*s' (write it like 15%% or 2.5%%)", (int)n,
                    s);
    }
    if (over || v < 0 || v > 100 * MC_FIXED_ONE) {
        return fail(msg, msgsz, "percentage '%.*s' is not between 0%% and 100%%", (int)n, s);
    }
    *out = v;
    return 0;
}

static const char *const dur_units[] = {"min", "h", "d", "wd", "wh"};

const char *mc_dur_unit_name(mc_dur_unit unit)
{
    return (unsigned)unit < 5 ? dur_units[unit] : "?";
}

int mc_value_duration(const char *s, size_t n, bool whole, mc_duration *out, char *msg,
                      size_t msgsz)
{
    size_t i = 0;
    while (i < n && (digit(s[i]) || s[i] == '.' || s[i] == '-')) {
        i++;
    }
    const char *unit = s + i;
    size_t ulen = n - i;
    int u = -1;
    for (int k = 0; k < 5; k++) {
        if (strlen(dur_units[k]) == ulen && memcmp(unit, dur_units[k], ulen) == 0) {
            u = k;
        }
    }
    mc_fixed v;
    bool over;
    int dec;
    if (u < 0 || i == 0 || !parse_fixed(s, i, &v, &over, &dec) || dec > 6) {
        return fail(msg, msgsz,
                    "invalid duration '%.*s' (a number and a unit: min, h, d, wd or wh, as in "
                    "7wd)",
                    (int)n, s);
    }
    if (v < 0) {
        return fail(msg, msgsz, "duration '%.*s' is negative", (int)n, s);
    }
    if (over || v > INT64_C(1000000) * MC_FIXED_ONE) {
        return fail(msg, msgsz, "duration '%.*s' is too long", (int)n, s);
    }
    if (whole && (u == MC_DUR_D || u == MC_DUR_WD) && v % MC_FIXED_ONE != 0) {
        return fail(msg, msgsz, "duration '%.*s' must be a whole number of %s", (int)n, s,
                    u == MC_DUR_D ? "days" : "working days");
    }
    out->unit = (mc_dur_unit)u;
    out->amount = v;
    return 0;
}

/* Days from civil, after Howard Hinnant's algorithm. */
mc_date mc_date_from_ymd(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (mc_date)(era * 146097 + doe - 719468);
}

void mc_date_to_ymd(mc_date date, int *y, int *m, int *d)
{
    int z = date + 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int yy = yoe + era * 400;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yy + (*m <= 2);
}

int mc_date_weekday(mc_date date)
{
    /* 1970-01-01 was a Thursday (3). */
    int w = (int)((date % 7 + 7 + 3) % 7);
    return w;
}

static int days_in_month(int y, int m)
{
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) {
        return 29;
    }
    return dim[m - 1];
}

static int num2(const char *s)
{
    return digit(s[0]) && digit(s[1]) ? (s[0] - '0') * 10 + (s[1] - '0') : -1;
}

static bool parse_ymd(const char *s, size_t n, int *y, int *m, int *d)
{
    if (n != 10 || s[4] != '-' || s[7] != '-') {
        return false;
    }
    int a = num2(s), b = num2(s + 2);
    *m = num2(s + 5);
    *d = num2(s + 8);
    if (a < 0 || b < 0 || *m < 0 || *d < 0) {
        return false;
    }
    *y = a * 100 + b;
    return true;
}

int mc_value_date(const char *s, size_t n, mc_date *out, char *msg, size_t msgsz)
{
    int y, m, d;
    if (!parse_ymd(s, n, &y, &m, &d)) {
        return fail(msg, msgsz, "invalid date '%.*s' (write it as YYYY-MM-DD)", (int)n, s);
    }
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) {
        return fail(msg, msgsz, "no such date: '%.*s'", (int)n, s);
    }
    if (y < 1900 || y > 2999) {
        return fail(msg, msgsz, "date '%.*s' is outside 1900-2999", (int)n, s);
    }
    *out = mc_date_from_ymd(y, m, d);
    return 0;
}

int mc_value_time(const char *s, size_t n, bool allow_24, int *out, char *msg, size_t msgsz)
{
    int h = n == 5 && s[2] == ':' ? num2(s) : -1;
    int mi = h >= 0 ? num2(s + 3) : -1;
    if (h < 0 || mi < 0) {
        return fail(msg, msgsz, "invalid time '%.*s' (write it as HH:MM)", (int)n, s);
    }
    if (mi > 59 || h > 24 || (h == 24 && (mi != 0 || !allow_24))) {
        return fail(msg, msgsz, "no such time of day: '%.*s'", (int)n, s);
    }
    *out = h * 60 + mi;
    return 0;
}

int mc_value_datetime(const char *s, size_t n, mc_datetime *out, char *msg, size_t msgsz)
{
    mc_date d;
    int t;
    if (n != 16 || s[10] != 'T') {
        return fail(msg, msgsz, "invalid date and time '%.*s' (write it as YYYY-MM-DDTHH:MM)",
                    (int)n, s);
    }
    if (mc_value_date(s, 10, &d, msg, msgsz) != 0 ||
        mc_value_time(s + 11, 5, false, &t, msg, msgsz) != 0) {
        return fail(msg, msgsz, "no such date and time: '%.*s'", (int)n, s);
    }
    *out = (mc_datetime)d * 1440 + t;
    return 0;
}

int mc_value_utc_offset(const char *s, size_t n, int *out, char *msg, size_t msgsz)
{
    int t;
    if (n != 6 || (s[0] != '+' && s[0] != '-') ||
        mc_value_time(s + 1, 5, false, &t, NULL, 0) != 0) {
        return fail(msg, msgsz, "invalid UTC offset '%.*s' (write it like +07:00)", (int)n, s);
    }
    if (t > 14 * 60) {
        return fail(msg, msgsz, "UTC offset '%.*s' is beyond 14 hours", (int)n, s);
    }
    *out = s[0] == '-' ? -t : t;
    return 0;
}

int mc_value_bool(const char *s, size_t n, bool *out, char *msg, size_t msgsz)
{
    if (n == 4 && memcmp(s, "true", 4) == 0) {
        *out = true;
        return 0;
    }
    if (n == 5 && memcmp(s, "false", 5) == 0) {
        *out = false;
        return 0;
    }
    return fail(msg, msgsz, "expected true or false, got '%.*s'", (int)n, s);
}

int mc_value_currency(const char *s, size_t n, char out[4], char *msg, size_t msgsz)
{
    if (n != 3 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' || s[2] < 'A' ||
        s[2] > 'Z') {
        return fail(msg, msgsz, "invalid currency '%.*s' (three capital letters, like VND)", (int)n,
                    s);
    }
    memcpy(out, s, 3);
    out[3] = '\0';
    return 0;
}

int mc_value_name(const char *s, size_t n, char *msg, size_t msgsz)
{
    bool ok = n > 0 && s[0] >= 'a' && s[0] <= 'z';
    for (size_t i = 1; ok && i < n; i++) {
        ok = (s[i] >= 'a' && s[i] <= 'z') || digit(s[i]) || s[i] == '-';
    }
    if (!ok) {
        return fail(msg, msgsz,
                    "invalid name '%.*s' (lower-case letters, digits and '-', starting with a "
                    "letter)",
                    n > 80 ? 80 : (int)n, s);
    }
    if (n > MC_NAME_MAX) {
        return fail(msg, msgsz, "name '%.20s…' is longer than 64 bytes", s);
    }
    return 0;
}

int mc_value_rule_ref(const char *s, size_t n, size_t *modlen, char *msg, size_t msgsz)
{
    const char *dot = memchr(s, '.', n);
    bool ok = dot != NULL && dot > s && dot < s + n - 1 && s[0] >= 'a' && s[0] <= 'z';
    size_t m = ok ? (size_t)(dot - s) : 0;
    for (size_t i = 1; ok && i < m; i++) {
        ok = (s[i] >= 'a' && s[i] <= 'z') || digit(s[i]) || s[i] == '_';
    }
    for (size_t i = m + 1; ok && i < n; i++) {
        char c = s[i];
        ok =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > m + 1 && digit(c));
    }
    if (!ok || n > 2 * MC_NAME_MAX) {
        return fail(msg, msgsz,
                    "invalid rule reference '%.*s' (write MODULE.FUNCTION, like civil.birth_fee)",
                    n > 80 ? 80 : (int)n, s);
    }
    *modlen = m;
    return 0;
}

static void put_digits(char *out, unsigned v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        out[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

void mc_date_format(mc_date date, char out[11])
{
    int y, m, d;
    mc_date_to_ymd(date, &y, &m, &d);
    put_digits(out, (unsigned)(y < 0 ? 0 : y), 4);
    out[4] = '-';
    put_digits(out + 5, (unsigned)m, 2);
    out[7] = '-';
    put_digits(out + 8, (unsigned)d, 2);
    out[10] = '\0';
}

mc_date mc_datetime_date(mc_datetime t)
{
    return (mc_date)(t >= 0 ? t / MC_DAY_MINUTES : (t - MC_DAY_MINUTES + 1) / MC_DAY_MINUTES);
}

void mc_datetime_format(mc_datetime t, char out[17])
{
    mc_date d = mc_datetime_date(t);
    int min = (int)(t - (mc_datetime)d * MC_DAY_MINUTES);
    mc_date_format(d, out);
    out[10] = 'T';
    put_digits(out + 11, (unsigned)(min / 60), 2);
    out[13] = ':';
    put_digits(out + 14, (unsigned)(min % 60), 2);
    out[16] = '\0';
}

void mc_fixed_format(mc_fixed v, char out[32])
{
    bool neg = v < 0;
    uint64_t a = neg ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    uint64_t ip = a / (uint64_t)MC_FIXED_ONE, fp = a % (uint64_t)MC_FIXED_ONE;
    int n = snprintf(out, 32, "%s%llu", neg ? "-" : "", (unsigned long long)ip);
    if (fp != 0) {
        char frac[8];
        snprintf(frac, sizeof frac, "%06llu", (unsigned long long)fp);
        size_t k = 6;
        while (k > 0 && frac[k - 1] == '0') {
            k--;
        }
        frac[k] = '\0';
        snprintf(out + n, 32 - (size_t)n, ".%s", frac);
    }
}

int64_t mc_duration_seconds(const mc_duration *d)
{
    static const int64_t unit[] = {
        [MC_DUR_MIN] = 60, [MC_DUR_H] = 3600, [MC_DUR_D] = MC_DAY_SECONDS};
    if (d->unit != MC_DUR_MIN && d->unit != MC_DUR_H && d->unit != MC_DUR_D) {
        return -1;
    }
    return (int64_t)(d->amount / MC_FIXED_ONE) * unit[d->unit] +
           (int64_t)(d->amount % MC_FIXED_ONE) * unit[d->unit] / MC_FIXED_ONE;
}
