/* Working-day arithmetic (calendar.h), following the counting rules of SPEC §4.1. */
#include "motcua/calendar.h"

#include "motcua/alloc.h"

#include <sodium.h>
#include <string.h>

static const mc_hours weekday_hours[] = {{8 * 60, 12 * 60}, {13 * 60, 17 * 60}};
static const mc_calendar builtin = {
    .name = "weekdays",
    .pos = {UINT32_MAX, 0},
    .utc_offset = 7 * 60,
    .week = 0x1F,
    .hours = weekday_hours,
    .nhours = 2,
    .cutoff = -1,
};

enum { MAX_SCAN_DAYS = 366 * 20 };

const mc_calendar *mc_calendar_builtin(void)
{
    return &builtin;
}

static const mc_calendar *cal_or_builtin(const mc_calendar *cal)
{
    return cal != NULL ? cal : &builtin;
}

bool mc_calendar_is_working(const mc_calendar *cal, mc_date date)
{
    cal = cal_or_builtin(cal);
    if (cal->working != NULL && date >= cal->working_from && date < cal->working_to) {
        uint64_t k = (uint64_t)(date - cal->working_from);
        return (cal->working[k >> 6] >> (k & 63)) & 1;
    }
    return mc_calendar_is_working_by_rule(cal, date);
}

bool mc_calendar_is_working_by_rule(const mc_calendar *cal, mc_date date)
{
    cal = cal_or_builtin(cal);
    for (size_t i = 0; i < cal->nworkdays; i++) {
        if (cal->workdays[i].from == date) {
            return true;
        }
    }
    for (size_t i = 0; i < cal->nholidays; i++) {
        if (date >= cal->holidays[i].from && date <= cal->holidays[i].to) {
            return false;
        }
    }
    if (mc_calendar_observes(cal, date)) {
        return false;
    }
    return (cal->week >> mc_date_weekday(date)) & 1;
}

bool mc_calendar_observes(const mc_calendar *cal, mc_date date)
{
    cal = cal_or_builtin(cal);
    size_t lo = 0, hi = cal->nobserved;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cal->observed[mid] == date) {
            return true;
        }
        if (cal->observed[mid] < date) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return false;
}

int mc_calendar_uncovered(const mc_calendar *cal, mc_date from, mc_date to)
{
    cal = cal_or_builtin(cal);
    if (cal->first_year == 0 || to < from) {
        return 0;
    }
    int y1, y2, m, d;
    mc_date_to_ymd(from, &y1, &m, &d);
    mc_date_to_ymd(to, &y2, &m, &d);
    if (y1 < cal->first_year) {
        return y1;
    }
    return y2 > cal->last_year ? cal->last_year + 1 : 0;
}

mc_date mc_calendar_next_working(const mc_calendar *cal, mc_date date)
{
    /* A calendar with no working day at all would loop forever: give up after twenty years
     * (lint guarantees `week` is never empty, so this only guards against misuse). */
    for (int i = 0; i < MAX_SCAN_DAYS; i++) {
        date++;
        if (mc_calendar_is_working(cal, date)) {
            return date;
        }
    }
    return date;
}

static int64_t closing(const mc_calendar *cal)
{
    return cal->nhours > 0 ? (int64_t)cal->hours[cal->nhours - 1].to * 60 : MC_DAY_SECONDS;
}

static int64_t opening(const mc_calendar *cal)
{
    return cal->nhours > 0 ? (int64_t)cal->hours[0].from * 60 : 0;
}

mc_date mc_calendar_start_day(const mc_calendar *cal, mc_localtime t)
{
    cal = cal_or_builtin(cal);
    mc_date day = mc_calendar_date(t);
    int64_t tod = t - (int64_t)day * MC_DAY_SECONDS;
    int64_t limit = cal->cutoff >= 0 ? (int64_t)cal->cutoff * 60 : closing(cal);
    if (!mc_calendar_is_working(cal, day) || tod >= limit) {
        day = mc_calendar_next_working(cal, day);
    }
    return day;
}

static mc_localtime end_of_day(const mc_calendar *cal, mc_date day)
{
    return (int64_t)day * MC_DAY_SECONDS + closing(cal);
}

/* Adds `seconds` of office time from t on (t is within or before office hours of day). */
static mc_localtime add_office_time(const mc_calendar *cal, mc_date day, mc_localtime t,
                                    int64_t seconds)
{
    for (int guard = 0; guard < MAX_SCAN_DAYS * 2; guard++) {
        int64_t base = (int64_t)day * MC_DAY_SECONDS;
        for (size_t i = 0; i < cal->nhours; i++) {
            int64_t from = base + (int64_t)cal->hours[i].from * 60;
            int64_t to = base + (int64_t)cal->hours[i].to * 60;
            if (t < from) {
                t = from;
            }
            if (t >= to) {
                continue;
            }
            if (t + seconds <= to) {
                return t + seconds;
            }
            seconds -= to - t;
            t = to;
        }
        day = mc_calendar_next_working(cal, day);
        t = (int64_t)day * MC_DAY_SECONDS;
    }
    return t;
}

mc_localtime mc_calendar_deadline(const mc_calendar *cal, mc_localtime t, mc_duration limit)
{
    cal = cal_or_builtin(cal);
    int64_t whole = limit.amount / MC_FIXED_ONE;
    /* Fractional amounts become seconds, rounded to the nearest second. */
    int64_t secs_per_unit = limit.unit == MC_DUR_MIN ? 60 : 3600;
    int64_t seconds = (limit.amount * secs_per_unit + MC_FIXED_ONE / 2) / MC_FIXED_ONE;
    switch (limit.unit) {
    case MC_DUR_MIN:
    case MC_DUR_H:
        return t + seconds;
    case MC_DUR_WD: {
        mc_date day = mc_calendar_start_day(cal, t);
        for (int64_t i = 0; i < whole; i++) {
            day = mc_calendar_next_working(cal, day);
        }
        return end_of_day(cal, day);
    }
    case MC_DUR_D: {
        mc_date day = mc_calendar_start_day(cal, t) + (mc_date)whole;
        if (!mc_calendar_is_working(cal, day)) {
            day = mc_calendar_next_working(cal, day);
        }
        return end_of_day(cal, day);
    }
    case MC_DUR_WH: {
        mc_date day = mc_calendar_start_day(cal, t);
        mc_localtime from = (int64_t)day * MC_DAY_SECONDS + opening(cal);
        if (t > from) {
            from = t;
        }
        return add_office_time(cal, day, from, seconds);
    }
    }
    return t;
}

/* Working days among the dates a..b (inclusive; 0 when b < a): the set bits of the calendar's
 * table where it covers them, the others one by one (what mc_calendar_is_working says of each). */
static int64_t count_working(const mc_calendar *cal, mc_date a, mc_date b)
{
    int64_t n = 0;
    mc_date lo = a, hi = b;
    if (cal->working != NULL) {
        lo = a > cal->working_from ? a : cal->working_from;
        hi = b < cal->working_to - 1 ? b : cal->working_to - 1;
    }
    if (cal->working == NULL || lo > hi) {
        for (mc_date d = a; d <= b; d++) {
            n += mc_calendar_is_working(cal, d);
        }
        return n;
    }
    for (mc_date d = a; d < lo; d++) {
        n += mc_calendar_is_working(cal, d);
    }
    for (mc_date d = hi + 1; d <= b; d++) {
        n += mc_calendar_is_working(cal, d);
    }
    uint64_t k0 = (uint64_t)(lo - cal->working_from), k1 = (uint64_t)(hi - cal->working_from);
    for (uint64_t w = k0 >> 6; w <= k1 >> 6; w++) {
        uint64_t bits = cal->working[w];
        if (w == k0 >> 6) {
            bits &= ~UINT64_C(0) << (k0 & 63);
        }
        if (w == k1 >> 6 && (k1 & 63) != 63) {
            bits &= (UINT64_C(1) << ((k1 & 63) + 1)) - 1;
        }
        n += __builtin_popcountll(bits);
    }
    return n;
}

/* Office seconds of day (a working day) between from and to. */
static int64_t office_of_day(const mc_calendar *cal, mc_date day, mc_localtime from,
                             mc_localtime to)
{
    int64_t total = 0, base = (int64_t)day * MC_DAY_SECONDS;
    for (size_t i = 0; i < cal->nhours; i++) {
        int64_t a = base + (int64_t)cal->hours[i].from * 60;
        int64_t b = base + (int64_t)cal->hours[i].to * 60;
        a = a > from ? a : from;
        b = b < to ? b : to;
        total += b > a ? b - a : 0;
    }
    return total;
}

int64_t mc_calendar_office_seconds(const mc_calendar *cal, mc_localtime from, mc_localtime to)
{
    cal = cal_or_builtin(cal);
    mc_date first = mc_calendar_date(from), last = mc_calendar_date(to);
    int64_t total = 0;
    if (last - first < 2) {
        for (mc_date day = first; day <= last; day++) {
            total += mc_calendar_is_working(cal, day) ? office_of_day(cal, day, from, to) : 0;
        }
        return total;
    }
    /* The first and last days in part; the days between whole, each a whole day's hours. */
    total += mc_calendar_is_working(cal, first) ? office_of_day(cal, first, from, to) : 0;
    total += mc_calendar_is_working(cal, last) ? office_of_day(cal, last, from, to) : 0;
    int64_t day_seconds = 0;
    for (size_t i = 0; i < cal->nhours; i++) {
        int64_t span = ((int64_t)cal->hours[i].to - cal->hours[i].from) * 60;
        day_seconds += span > 0 ? span : 0;
    }
    return total + count_working(cal, first + 1, last - 1) * day_seconds;
}

int64_t mc_calendar_working_days(const mc_calendar *cal, mc_date from, mc_date to)
{
    return to > from ? count_working(cal_or_builtin(cal), from + 1, to) : 0;
}

static void hash_int(crypto_generichash_state *h, int64_t v)
{
    unsigned char b[8];
    for (int k = 0; k < 8; k++) {
        b[k] = (unsigned char)((uint64_t)v >> (8 * k));
    }
    crypto_generichash_update(h, b, sizeof b);
}

void mc_calendar_hash(const mc_calendar *cal, char out[33])
{
    cal = cal_or_builtin(cal);
    unsigned char h[16];
    crypto_generichash_state st;
    if (mc_init() < 0) {
        memcpy(out, "unavailable", 12);
        return;
    }
    crypto_generichash_init(&st, NULL, 0, sizeof h);
    hash_int(&st, cal->utc_offset);
    hash_int(&st, cal->week);
    hash_int(&st, cal->cutoff);
    hash_int(&st, (int64_t)cal->nhours);
    for (size_t i = 0; i < cal->nhours; i++) {
        hash_int(&st, cal->hours[i].from);
        hash_int(&st, cal->hours[i].to);
    }
    hash_int(&st, (int64_t)cal->nholidays);
    for (size_t i = 0; i < cal->nholidays; i++) {
        hash_int(&st, cal->holidays[i].from);
        hash_int(&st, cal->holidays[i].to);
    }
    hash_int(&st, (int64_t)cal->nworkdays);
    for (size_t i = 0; i < cal->nworkdays; i++) {
        hash_int(&st, cal->workdays[i].from);
    }
    /* Only when present, so that a calendar written without recurring holidays keeps the
     * hash it had before `holiday every` and `holiday lunar` existed. */
    if (cal->nrecurring > 0) {
        hash_int(&st, (int64_t)cal->nrecurring);
        for (size_t i = 0; i < cal->nrecurring; i++) {
            const mc_recurring *r = &cal->recurring[i];
            hash_int(&st, r->lunar);
            hash_int(&st, r->from_month * 100 + r->from_day);
            hash_int(&st, r->to_month * 100 + r->to_day);
        }
    }
    crypto_generichash_final(&st, h, sizeof h);
    sodium_bin2hex(out, 33, h, sizeof h);
}

mc_localtime mc_calendar_to_local(const mc_calendar *cal, int64_t utc)
{
    return utc + (int64_t)cal_or_builtin(cal)->utc_offset * 60;
}

mc_date mc_calendar_date(mc_localtime t)
{
    return (mc_date)(t >= 0 ? t / MC_DAY_SECONDS : (t - MC_DAY_SECONDS + 1) / MC_DAY_SECONDS);
}

mc_date mc_calendar_today(const mc_calendar *cal, int64_t utc)
{
    return mc_calendar_date(mc_calendar_to_local(cal, utc));
}

int64_t mc_calendar_to_utc(const mc_calendar *cal, mc_localtime t)
{
    return t - (int64_t)cal_or_builtin(cal)->utc_offset * 60;
}
