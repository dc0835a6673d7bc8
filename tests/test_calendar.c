/* Deadline arithmetic of SPEC §4.1, table-driven: cutoffs, weekends, holidays, swapped working
 * days, working hours across breaks, year ends, and the built-in weekdays calendar. */
#include "testutil.h"

#include "motcua/calendar.h"
#include "motcua/lunar.h"

#include <stdio.h>

static const char *const vn_text =
    "calendar vn { default; utc-offset +07:00; week mon tue wed thu fri\n"
    "  hours 07:30-11:30 13:30-17:00; cutoff 15:00\n"
    "  holiday 2025-01-01 \"New Year\"\n"
    "  holiday 2025-01-25 2025-02-02 \"Tet\"\n"
    "  holiday 2025-04-07 \"Hung Kings\"\n"
    "  holiday 2025-04-30 2025-05-02 \"Reunification and Labour Day\"\n"
    "  holiday 2025-09-01 2025-09-02 \"National Day\"\n"
    "  holiday 2025-12-31 2026-01-01 \"New Year\"\n"
    "  workday 2025-04-26 \"swapped for 2 May\" }\n";

static mc_localtime at(const char *dt)
{
    mc_datetime m;
    char msg[100];
    assert_int_equal(mc_value_datetime(dt, strlen(dt), &m, msg, sizeof msg), 0);
    return (mc_localtime)m * 60;
}

static mc_duration dur(const char *s)
{
    mc_duration d;
    char msg[100];
    assert_int_equal(mc_value_duration(s, strlen(s), false, &d, msg, sizeof msg), 0);
    return d;
}

static void fmt(mc_localtime t, char out[20])
{
    char dt[17];
    mc_datetime_format((mc_datetime)((t - ((t % 60) + 60) % 60) / 60), dt);
    int sec = (int)(((t % 60) + 60) % 60);
    if (sec != 0) {
        snprintf(out, 20, "%s:%02d", dt, sec);
    } else {
        snprintf(out, 20, "%s", dt);
    }
}

static int setup(void **state)
{
    mc_catalogue *cat = NULL;
    char *diags;
    assert_int_equal(tu_load(vn_text, &cat, &diags), 0);
    free(diags);
    *state = cat;
    return 0;
}

static int teardown(void **state)
{
    mc_catalogue_free(*state);
    return 0;
}

static const struct {
    const char *received, *limit, *due;
} vn_cases[] = {
    /* 0wd: the same day before the cutoff, the next working day from the cutoff on. */
    {"2025-03-03T10:00", "0wd", "2025-03-03T17:00"},
    {"2025-03-03T14:59", "0wd", "2025-03-03T17:00"},
    {"2025-03-03T15:00", "0wd", "2025-03-04T17:00"},
    {"2025-03-03T16:00", "0wd", "2025-03-04T17:00"},
    {"2025-03-03T06:00", "0wd", "2025-03-03T17:00"},
    {"2025-03-08T09:00", "0wd", "2025-03-10T17:00"}, /* Saturday */
    {"2025-03-07T16:00", "0wd", "2025-03-10T17:00"}, /* Friday after the cutoff */
    {"2025-03-03T16:00", "3wd", "2025-03-07T17:00"},
    {"2025-03-03T10:00", "5wd", "2025-03-10T17:00"}, /* over a weekend */
    /* 7wd over the swapped Saturday and the 30 April – 2 May holidays. */
    {"2025-04-25T10:00", "7wd", "2025-05-08T17:00"},
    /* Tet: received the Friday before, 3 working days. */
    {"2025-01-24T09:00", "3wd", "2025-02-05T17:00"},
    {"2025-01-27T09:00", "0wd", "2025-02-03T17:00"}, /* during Tet */
    /* Year end: 31 Dec and 1 Jan are holidays. */
    {"2025-12-30T16:00", "1wd", "2026-01-05T17:00"},
    /* Calendar days: landing on a Sunday, then on the Hung Kings holiday. */
    {"2025-03-07T09:00", "30d", "2025-04-08T17:00"},
    {"2025-03-03T09:00", "7d", "2025-03-10T17:00"},
    {"2025-03-03T09:00", "0d", "2025-03-03T17:00"},
    {"2025-03-03T16:00", "1d", "2025-03-05T17:00"}, /* start Tue, +1 = Wed */
    /* Working hours: across lunch, ending exactly at a break, after the cutoff. */
    {"2025-03-03T10:00", "4wh", "2025-03-03T16:00"},
    {"2025-03-03T09:30", "2wh", "2025-03-03T11:30"},
    {"2025-03-03T07:00", "4wh", "2025-03-03T11:30"},
    {"2025-03-03T12:00", "1wh", "2025-03-03T14:30"}, /* received at lunch */
    {"2025-03-03T15:30", "4wh", "2025-03-04T11:30"},
    {"2025-03-03T14:00", "4wh", "2025-03-04T08:30"}, /* 3h today, 1h tomorrow */
    {"2025-03-07T14:00", "8wh", "2025-03-10T14:30"}, /* over the weekend */
    {"2025-03-03T10:00", "0.5wh", "2025-03-03T10:30"},
    /* Wall-clock hours and minutes ignore office hours and the cutoff. */
    {"2025-03-03T16:00", "2h", "2025-03-03T18:00"},
    {"2025-03-08T23:30", "45min", "2025-03-09T00:15"},
    {"2025-03-03T10:00", "1.5h", "2025-03-03T11:30"},
};

static void test_calendar__vn_deadlines(void **state)
{
    const mc_calendar *vn = mc_catalogue_calendar(*state, "vn");
    for (size_t i = 0; i < sizeof vn_cases / sizeof vn_cases[0]; i++) {
        char got[20];
        fmt(mc_calendar_deadline(vn, at(vn_cases[i].received), dur(vn_cases[i].limit)), got);
        if (strcmp(got, vn_cases[i].due) != 0) {
            fail_msg("%s + %s: expected %s, got %s", vn_cases[i].received, vn_cases[i].limit,
                     vn_cases[i].due, got);
        }
    }
}

static void test_calendar__builtin_weekdays(void **state)
{
    (void)state;
    const mc_calendar *w = mc_calendar_builtin();
    char got[20];
    /* No cutoff: the end of office hours (17:00) moves the start day. */
    fmt(mc_calendar_deadline(NULL, at("2025-03-03T16:59"), dur("0wd")), got);
    assert_string_equal(got, "2025-03-03T17:00");
    fmt(mc_calendar_deadline(w, at("2025-03-03T17:00"), dur("0wd")), got);
    assert_string_equal(got, "2025-03-04T17:00");
    fmt(mc_calendar_deadline(w, at("2025-01-01T09:00"), dur("0wd")), got);
    assert_string_equal(got, "2025-01-01T17:00"); /* no holidays at all */
    fmt(mc_calendar_deadline(w, at("2025-03-03T11:00"), dur("2wh")), got);
    assert_string_equal(got, "2025-03-03T14:00");
    assert_int_equal(mc_calendar_to_local(w, 0), 7 * 3600);
    assert_int_equal(mc_calendar_to_utc(w, 7 * 3600), 0);
}

static void test_calendar__working_days(void **state)
{
    const mc_calendar *vn = mc_catalogue_calendar(*state, "vn");
    mc_date mon = mc_date_from_ymd(2025, 3, 3);
    assert_int_equal(mc_calendar_working_days(vn, mon, mon), 0);
    assert_int_equal(mc_calendar_working_days(vn, mon, mon + 7), 5);
    assert_int_equal(mc_calendar_working_days(vn, mon + 7, mon), 0);
    /* (Fri 25 Apr, Fri 2 May]: Sat 26 (swapped), Mon 28, Tue 29. */
    assert_int_equal(
        mc_calendar_working_days(vn, mc_date_from_ymd(2025, 4, 25), mc_date_from_ymd(2025, 5, 2)),
        3);
    assert_true(mc_calendar_is_working(vn, mc_date_from_ymd(2025, 4, 26)));
    assert_false(mc_calendar_is_working(vn, mc_date_from_ymd(2025, 4, 27)));
    assert_false(mc_calendar_is_working(vn, mc_date_from_ymd(2025, 2, 2)));
    assert_int_equal(mc_calendar_start_day(vn, at("2025-01-24T15:00")),
                     mc_date_from_ymd(2025, 2, 3));
}

/* One "today": the local date of an instant, rounded down, so that instants before 1970 fall on
 * their own day (a truncating division put 1969-12-31T23:59:59 on 1970-01-01). */
static void test_calendar__today_rounds_down_before_1970(void **state)
{
    (void)state;
    assert_int_equal(mc_calendar_date(0), 0);
    assert_int_equal(mc_calendar_date(MC_DAY_SECONDS - 1), 0);
    assert_int_equal(mc_calendar_date(-1), -1);
    assert_int_equal(mc_calendar_date(-MC_DAY_SECONDS), -1);
    assert_int_equal(mc_calendar_date(-MC_DAY_SECONDS - 1), -2);
    /* The built-in calendar is UTC+07:00: 17:00 UTC is midnight of the next day. */
    assert_int_equal(mc_calendar_today(NULL, 17 * 3600 - 1), 0);
    assert_int_equal(mc_calendar_today(NULL, 17 * 3600), 1);
    assert_int_equal(mc_calendar_today(NULL, -7 * 3600), 0);
    assert_int_equal(mc_calendar_today(NULL, -7 * 3600 - 1), -1);
    assert_int_equal(mc_calendar_today(mc_calendar_builtin(), -7 * 3600 - 1), -1);
    assert_int_equal(mc_datetime_date(-1), -1);
    assert_int_equal(mc_datetime_date(-MC_DAY_MINUTES), -1);
    assert_int_equal(mc_datetime_date(-MC_DAY_MINUTES - 1), -2);
    assert_int_equal(mc_datetime_date(MC_DAY_MINUTES - 1), 0);
}

/* ---- the lunar calendar ---------------------------------------------------------------- */

/* The first day of the lunar year (Tết Nguyên đán) as published in Vietnam, 1980–2030: the
 * yearly tables of the Vietnamese calendar (Hồ Ngọc Đức, "Âm lịch Việt Nam", and the printed
 * "lịch vạn niên" year tables; the same dates as Wikipedia's "Tết" article lists), written down
 * here without network access and checked against the Chinese New Year where the two agree.
 * Where they differ (the new moon falls between 16:00 and 17:00 UTC, before midnight at UTC+7
 * but after it at UTC+8) the Chinese date is the second column. */
static const struct {
    int year;
    const char *vietnam, *china;
} tet[] = {
    {1980, "1980-02-16", NULL},
    {1981, "1981-02-05", NULL},
    {1982, "1982-01-25", NULL},
    {1983, "1983-02-13", NULL},
    {1984, "1984-02-02", NULL},
    {1985, "1985-01-21", "1985-02-20"},
    {1986, "1986-02-09", NULL},
    {1987, "1987-01-29", NULL},
    {1988, "1988-02-17", NULL},
    {1989, "1989-02-06", NULL},
    {1990, "1990-01-27", NULL},
    {1991, "1991-02-15", NULL},
    {1992, "1992-02-04", NULL},
    {1993, "1993-01-23", NULL},
    {1994, "1994-02-10", NULL},
    {1995, "1995-01-31", NULL},
    {1996, "1996-02-19", NULL},
    {1997, "1997-02-07", NULL},
    {1998, "1998-01-28", NULL},
    {1999, "1999-02-16", NULL},
    {2000, "2000-02-05", NULL},
    {2001, "2001-01-24", NULL},
    {2002, "2002-02-12", NULL},
    {2003, "2003-02-01", NULL},
    {2004, "2004-01-22", NULL},
    {2005, "2005-02-09", NULL},
    {2006, "2006-01-29", NULL},
    {2007, "2007-02-17", "2007-02-18"},
    {2008, "2008-02-07", NULL},
    {2009, "2009-01-26", NULL},
    {2010, "2010-02-14", NULL},
    {2011, "2011-02-03", NULL},
    {2012, "2012-01-23", NULL},
    {2013, "2013-02-10", NULL},
    {2014, "2014-01-31", NULL},
    {2015, "2015-02-19", NULL},
    {2016, "2016-02-08", NULL},
    {2017, "2017-01-28", NULL},
    {2018, "2018-02-16", NULL},
    {2019, "2019-02-05", NULL},
    {2020, "2020-01-25", NULL},
    {2021, "2021-02-12", NULL},
    {2022, "2022-02-01", NULL},
    {2023, "2023-01-22", NULL},
    {2024, "2024-02-10", NULL},
    {2025, "2025-01-29", NULL},
    {2026, "2026-02-17", NULL},
    {2027, "2027-02-06", NULL},
    {2028, "2028-01-26", NULL},
    {2029, "2029-02-13", NULL},
    /* Vietnam a day before China again (the 23-year cycle after 2007): scienceinfo.net, "Why is
     * the Vietnamese and Chinese New Year a day different?" (after Hoàng Xuân Hãn). */
    {2030, "2030-02-02", "2030-02-03"},
};

static void test_calendar__lunar_new_year_1980_to_2030(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof tet / sizeof tet[0]; i++) {
        char vn[11], cn[11];
        mc_date_format(mc_lunar_to_date(tet[i].year, 1, 1, MC_LUNAR_VIETNAM), vn);
        mc_date_format(mc_lunar_to_date(tet[i].year, 1, 1, 8 * 60), cn);
        if (strcmp(vn, tet[i].vietnam) != 0) {
            fail_msg("Tết %d: expected %s, got %s", tet[i].year, tet[i].vietnam, vn);
        }
        const char *china = tet[i].china ? tet[i].china : tet[i].vietnam;
        if (strcmp(cn, china) != 0) {
            fail_msg("Chinese New Year %d: expected %s, got %s", tet[i].year, china, cn);
        }
        /* And back: the day is 1/1 of that lunar year, the day before is in month 12. */
        mc_date d = mc_lunar_to_date(tet[i].year, 1, 1, MC_LUNAR_VIETNAM);
        mc_lunar_date l = mc_lunar_from_date(d, MC_LUNAR_VIETNAM);
        assert_int_equal(l.year, tet[i].year);
        assert_int_equal(l.month, 1);
        assert_int_equal(l.day, 1);
        assert_false(l.leap);
        l = mc_lunar_from_date(d - 1, MC_LUNAR_VIETNAM);
        assert_int_equal(l.year, tet[i].year - 1);
        assert_int_equal(l.month, 12);
    }
}

/* The Hùng Kings Commemoration (10/3 lunar) as the government announced its days, and the
 * lunar leap months around it: 2020 had a leap 4th month, 2023 a leap 2nd month (so 10/3 came
 * late, on 29 April). A 30th day in a 29-day month gives its 29th. */
static void test_calendar__lunar_dates(void **state)
{
    (void)state;
    static const struct {
        int year;
        const char *date;
    } hung[] = {{2012, "2012-03-31"}, {2020, "2020-04-02"}, {2023, "2023-04-29"},
                {2024, "2024-04-18"}, {2025, "2025-04-07"}, {2026, "2026-04-26"},
                {2027, "2027-04-16"}};
    for (size_t i = 0; i < sizeof hung / sizeof hung[0]; i++) {
        char got[11];
        mc_date_format(mc_lunar_to_date(hung[i].year, 3, 10, MC_LUNAR_VIETNAM), got);
        assert_string_equal(got, hung[i].date);
    }
    mc_lunar_date l = mc_lunar_from_date(mc_date_from_ymd(2023, 4, 1), MC_LUNAR_VIETNAM);
    assert_int_equal(l.month, 2);
    assert_true(l.leap); /* 2023-03-22 to 2023-04-19 is the leap 2nd month */
    /* Month 12 of Ất Tỵ (2025–26) has 29 days: "12-30" is its 29th, the eve of Tết 2026. */
    char eve[11];
    mc_date_format(mc_lunar_to_date(2025, 12, 30, MC_LUNAR_VIETNAM), eve);
    assert_string_equal(eve, "2026-02-16");
}

/* ---- recurring holidays and coverage ---------------------------------------------------- */

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* The bundled calendar: the reported bug (received Wednesday 30 December 2026, 3 working days
 * came out as Monday 4 January because 1 January 2027 was no holiday), the days recurring
 * holidays move to, and its coverage. */
static void test_calendar__bundled_2027(void **state)
{
    (void)state;
    mc_catalogue *cat = NULL;
    char *diags;
    assert_int_equal(tu_load(read_text("procedures/common/calendar.proc"), &cat, &diags), 0);
    assert_string_equal(diags, "");
    free(diags);
    const mc_calendar *vn = mc_catalogue_calendar(cat, "vn");
    char got[20];
    fmt(mc_calendar_deadline(vn, at("2026-12-30T10:00"), dur("3wd")), got);
    assert_string_equal(got, "2027-01-05T17:00");
    /* Hùng Kings 2026 falls on a Sunday: Monday 27 April is off. 2027: 1 May is a Saturday,
     * Monday 3 May is off; 16 April (10/3 lunar) is a Friday. */
    assert_false(mc_calendar_is_working(vn, mc_date_from_ymd(2026, 4, 27)));
    assert_true(mc_calendar_is_working(vn, mc_date_from_ymd(2026, 4, 28)));
    assert_false(mc_calendar_is_working(vn, mc_date_from_ymd(2027, 5, 3)));
    assert_true(mc_calendar_is_working(vn, mc_date_from_ymd(2027, 5, 4)));
    assert_false(mc_calendar_is_working(vn, mc_date_from_ymd(2027, 4, 16)));
    assert_true(mc_calendar_observes(vn, mc_date_from_ymd(2027, 4, 16)));
    assert_false(mc_calendar_observes(vn, mc_date_from_ymd(2027, 2, 4))); /* dated, not recurring */
    /* The swapped Saturday of 2025 is worked. */
    assert_true(mc_calendar_is_working(vn, mc_date_from_ymd(2025, 4, 26)));
    /* Coverage: 2025–2027. */
    assert_int_equal(
        mc_calendar_uncovered(vn, mc_date_from_ymd(2026, 12, 30), mc_date_from_ymd(2027, 1, 5)), 0);
    assert_int_equal(
        mc_calendar_uncovered(vn, mc_date_from_ymd(2027, 12, 30), mc_date_from_ymd(2028, 1, 5)),
        2028);
    assert_int_equal(
        mc_calendar_uncovered(vn, mc_date_from_ymd(2024, 12, 30), mc_date_from_ymd(2025, 1, 5)),
        2024);
    /* Past coverage the recurring holidays still count: 1 January 2028 is a Saturday, taken on
     * Monday 3 January. */
    fmt(mc_calendar_deadline(vn, at("2027-12-30T10:00"), dur("2wd")), got);
    assert_string_equal(got, "2028-01-04T17:00");
    mc_catalogue_free(cat);
}

/* The table of working days a built calendar carries says, for every day of its 300 years and
 * the days around them, what the calendar's rules say: the bundled calendar (dated holidays, a
 * swapped Saturday, recurring and lunar holidays moved off weekends) and one whose week is
 * unusual. */
static void test_calendar__working_table_agrees_with_the_rules(void **state)
{
    (void)state;
    const char *texts[] = {
        read_text("procedures/common/calendar.proc"),
        "calendar c { covers 2030\n  week tue wed thu sat sun\n"
        "  holiday every 12-31 01-01 \"New Year's Eve and Day\"\n"
        "  holiday lunar 12-30 01-03 \"Tết\"\n  holiday 2030-05-02 2030-05-04 \"Days off\"\n"
        "  workday 2030-05-06 \"a Monday worked\" }\n",
    };
    for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
        mc_catalogue *cat = NULL;
        char *diags;
        int rc = tu_load(texts[t], &cat, &diags);
        free(diags);
        assert_true(rc == 0 || rc == MC_ECHECK);
        assert_non_null(cat);
        size_t ncal;
        const mc_calendar *c = mc_catalogue_calendars(cat, &ncal)[0];
        assert_non_null(c->working);
        mc_date from = mc_date_from_ymd(MC_CALENDAR_FIRST_YEAR, 1, 1) - 10;
        mc_date to = mc_date_from_ymd(MC_CALENDAR_LAST_YEAR + 1, 1, 1) + 10;
        size_t off = 0;
        for (mc_date d = from; d < to; d++) {
            bool table = mc_calendar_is_working(c, d), rule = mc_calendar_is_working_by_rule(c, d);
            if (table != rule) {
                char day[11];
                mc_date_format(d, day);
                fail_msg("%s: the table says %d, the rules %d", day, table, rule);
            }
            off += !rule;
        }
        assert_true(off > 300 * 104); /* the weekly days off at least */
        mc_catalogue_free(cat);
    }
}

/* A seeded stream of numbers (the instants within a day these tests start and end at). */
static uint64_t next_rand(uint64_t *x)
{
    *x = *x * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
    return *x >> 17;
}

/* Office seconds and working days day by day, as mc_calendar_office_seconds and
 * mc_calendar_working_days counted before they read the table a word at a time. */
static int64_t office_day_by_day(const mc_calendar *cal, mc_localtime from, mc_localtime to)
{
    int64_t total = 0;
    for (mc_date day = mc_calendar_date(from); day <= mc_calendar_date(to); day++) {
        if (!mc_calendar_is_working_by_rule(cal, day)) {
            continue;
        }
        int64_t base = (int64_t)day * MC_DAY_SECONDS;
        for (size_t i = 0; i < cal->nhours; i++) {
            int64_t a = base + (int64_t)cal->hours[i].from * 60;
            int64_t b = base + (int64_t)cal->hours[i].to * 60;
            a = a > from ? a : from;
            b = b < to ? b : to;
            total += b > a ? b - a : 0;
        }
    }
    return total;
}

static int64_t working_day_by_day(const mc_calendar *cal, mc_date from, mc_date to)
{
    int64_t n = 0;
    for (mc_date d = from + 1; d <= to; d++) {
        n += mc_calendar_is_working_by_rule(cal, d);
    }
    return n;
}

/* Counting whole days from the table gives what counting day by day by the rules gives: spans
 * of every length from a few hours to years, starting anywhere (holidays, year ends, the ends
 * of the table and the undeclared years past them), on the bundled calendar, one with an
 * unusual week and hours, and the built-in one (no table). */
static void test_calendar__counts_agree_day_by_day(void **state)
{
    (void)state;
    const char *texts[] = {
        read_text("procedures/common/calendar.proc"),
        "calendar c { covers 2030\n  week tue wed thu sat sun\n  hours 07:00-11:00 12:30-16:15 "
        "20:00-24:00\n"
        "  holiday every 12-31 01-01 \"New Year's Eve and Day\"\n"
        "  holiday lunar 12-30 01-03 \"Tết\"\n  holiday 2030-05-02 2030-05-04 \"Days off\"\n"
        "  workday 2030-05-06 \"a Monday worked\" }\n",
        NULL,
    };
    const int spans[] = {0, 1, 2, 3, 5, 13, 40, 63, 64, 65, 127, 200, 366, 800, 3000};
    uint64_t rng = 7;
    for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
        mc_catalogue *cat = NULL;
        const mc_calendar *c = mc_calendar_builtin();
        if (texts[t] != NULL) {
            char *diags;
            int rc = tu_load(texts[t], &cat, &diags);
            free(diags);
            assert_true(rc == 0 || rc == MC_ECHECK);
            size_t ncal;
            c = mc_catalogue_calendars(cat, &ncal)[0];
            assert_non_null(c->working);
        }
        mc_date starts[] = {
            mc_date_from_ymd(2026, 12, 28),
            mc_date_from_ymd(2027, 1, 1),
            mc_date_from_ymd(2030, 4, 29),
            mc_date_from_ymd(2024, 2, 1),
            mc_date_from_ymd(MC_CALENDAR_FIRST_YEAR, 1, 1) - 70,
            mc_date_from_ymd(MC_CALENDAR_FIRST_YEAR, 1, 1) - 3,
            mc_date_from_ymd(MC_CALENDAR_LAST_YEAR, 12, 20),
            mc_date_from_ymd(MC_CALENDAR_LAST_YEAR + 1, 1, 1) + 5,
        };
        for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++) {
            for (size_t k = 0; k < sizeof spans / sizeof spans[0]; k++) {
                for (int shift = 0; shift < 9; shift++) {
                    mc_date a = starts[i] + shift * 7 + shift / 3, b = a + spans[k];
                    assert_int_equal(mc_calendar_working_days(c, a, b), working_day_by_day(c, a, b));
                    assert_int_equal(mc_calendar_working_days(c, b, a), 0);
                    mc_localtime from = (int64_t)a * MC_DAY_SECONDS +
                                        (int64_t)(next_rand(&rng) % MC_DAY_SECONDS);
                    mc_localtime to = (int64_t)b * MC_DAY_SECONDS +
                                      (int64_t)(next_rand(&rng) % MC_DAY_SECONDS);
                    int64_t want = office_day_by_day(c, from, to);
                    if (mc_calendar_office_seconds(c, from, to) != want) {
                        char day[11];
                        mc_date_format(a, day);
                        fail_msg("calendar %zu, from %s, %d days: %lld office seconds, not %lld",
                                 t, day, spans[k], (long long)mc_calendar_office_seconds(c, from, to),
                                 (long long)want);
                    }
                    assert_int_equal(mc_calendar_office_seconds(c, to, from), office_day_by_day(c, to, from));
                }
            }
        }
        mc_catalogue_free(cat);
    }
}

static void test_calendar__recurring_rules(void **state)
{
    (void)state;
    mc_catalogue *cat = NULL;
    char *diags;
    assert_int_equal(tu_load("calendar c { covers 2030-2031\n"
                             "  holiday every 12-31 01-01 \"New Year's Eve and Day\"\n"
                             "  holiday every 02-29 \"Leap day\"\n"
                             "  holiday every 06-06 \"Weekend day\"\n"
                             "  holiday every 06-08 \"Monday holiday\"\n"
                             "  workday 2031-06-09 \"the government's swap wins\" }\n",
                             &cat, &diags),
                     0);
    assert_string_equal(diags, "");
    free(diags);
    const mc_calendar *c = mc_catalogue_calendar(cat, "c");
    /* 31 Dec 2030 Tue and 1 Jan 2031 Wed: a range over the year end. */
    assert_false(mc_calendar_is_working(c, mc_date_from_ymd(2030, 12, 31)));
    assert_false(mc_calendar_is_working(c, mc_date_from_ymd(2031, 1, 1)));
    assert_true(mc_calendar_is_working(c, mc_date_from_ymd(2031, 1, 2)));
    /* 02-29 only in leap years: 2032 (a Sunday, so Monday 1 March is off). */
    assert_true(mc_calendar_observes(c, mc_date_from_ymd(2032, 3, 1)));
    assert_true(mc_calendar_is_working(c, mc_date_from_ymd(2031, 3, 3)));
    /* 6 June 2031 is a Friday, 8 June a Sunday: moved to Monday 9 June, where the workday
     * wins; 6 June 2032 is a Sunday, and 8 June a Tuesday: Monday 7 June is taken for it. */
    assert_false(mc_calendar_is_working(c, mc_date_from_ymd(2031, 6, 6)));
    assert_true(mc_calendar_is_working(c, mc_date_from_ymd(2031, 6, 9)));
    assert_false(mc_calendar_is_working(c, mc_date_from_ymd(2032, 6, 7)));
    assert_false(mc_calendar_is_working(c, mc_date_from_ymd(2032, 6, 8)));
    assert_true(mc_calendar_is_working(c, mc_date_from_ymd(2032, 6, 9)));
    /* Two holidays on one weekend are taken on two days: Sat 30 Apr and Sun 1 May 2033. */
    mc_catalogue_free(cat);
    assert_int_equal(
        tu_load("calendar d { holiday every 04-30 \"A\"; holiday every 05-01 \"B\" }\n", &cat,
                &diags),
        0);
    assert_string_equal(diags, "");
    free(diags);
    const mc_calendar *d = mc_catalogue_calendar(cat, "d");
    assert_false(mc_calendar_is_working(d, mc_date_from_ymd(2033, 5, 2)));
    assert_false(mc_calendar_is_working(d, mc_date_from_ymd(2033, 5, 3)));
    assert_true(mc_calendar_is_working(d, mc_date_from_ymd(2033, 5, 4)));
    /* Without `covers` nothing is uncovered. */
    assert_int_equal(mc_calendar_uncovered(d, 0, mc_date_from_ymd(2100, 1, 1)), 0);
    assert_int_equal(mc_calendar_uncovered(NULL, 0, mc_date_from_ymd(2100, 1, 1)), 0);
    mc_catalogue_free(cat);
}

/* The hash of a calendar without recurring holidays is the one it had before they existed;
 * adding one changes it. */
static void test_calendar__hash_of_recurring(void **state)
{
    mc_catalogue *cat = NULL;
    char *diags;
    char before[33], after[33];
    mc_calendar_hash(mc_catalogue_calendar(*state, "vn"), before);
    assert_int_equal(tu_load("calendar vn { holiday every 01-01 \"New Year\" }\n", &cat, &diags),
                     0);
    free(diags);
    mc_calendar_hash(mc_catalogue_calendar(cat, "vn"), after);
    assert_string_not_equal(before, after);
    mc_catalogue_free(cat);
    char builtin[33];
    mc_calendar_hash(NULL, builtin);
    assert_string_equal(builtin, "4d0f28e02d9ee034d5e606e7d51bec8c");
}

static void test_calendar__lint(void **state)
{
    (void)state;
    tu_expect("calendar c { covers 2025-2027; covers 2028 }\n",
              "t.proc:1:32: error: 'covers' given twice (first at line 1)\n");
    tu_expect("calendar c { covers 2025..2027 }\n",
              "t.proc:1:21: error: invalid years (write `covers 2025-2027` or `covers 2026`)\n");
    tu_expect("calendar c { covers 2027-2025 }\n",
              "t.proc:1:21: error: the last year covered is before the first\n");
    tu_expect("calendar c { covers 1850-2025 }\n",
              "t.proc:1:21: error: a calendar covers years from 1900 to 2199\n");
    tu_expect("calendar c { holiday every 02-30 \"x\" }\n",
              "t.proc:1:28: error: no such date 02-30 in any year\n");
    tu_expect("calendar c { holiday every 2025-01-01 \"x\" }\n",
              "t.proc:1:28: error: invalid date (write the month and day like 01-01)\n");
    tu_expect("calendar c { holiday lunar 13-01 \"x\" }\n",
              "t.proc:1:28: error: no such lunar date 13-01 (a lunar month is 01 to 12, a day 01 "
              "to 30)\n");
    tu_expect("calendar c { holiday lunar 01-31 \"x\" }\n",
              "t.proc:1:28: error: no such lunar date 01-31 (a lunar month is 01 to 12, a day 01 "
              "to 30)\n");
    tu_expect("calendar c { holiday every 01-01 03-01 \"x\" }\n",
              "t.proc:1:34: error: a recurring holiday lasts at most 31 days\n");
    tu_expect("calendar c { holiday every 01-01 }\n",
              "t.proc:1:28: error: a recurring holiday needs a date and a name\n");
    tu_expect("calendar c { holiday 2025-01-01 2025-01-02 \"x\" \"y\" }\n",
              "t.proc:1:48: error: a holiday takes a date, an optional last date and a name\n");
    tu_expect("calendar c { covers 2025-2026; holiday 2027-01-01 \"x\"; workday 2024-12-28 }\n",
              "t.proc:1:40: warning[day-outside-covers]: holiday 2027-01-01 is not within the "
              "years calendar 'c' covers "
              "(2025-2026)\n"
              "t.proc:1:56: warning[day-outside-covers]: workday 2024-12-28 is not within the "
              "years calendar 'c' covers "
              "(2025-2026)\n");
    tu_expect("calendar c { holiday 2025-01-01 \"x\" }\n",
              "t.proc:1:22: warning[calendar-without-covers]: calendar 'c' lists the holidays of "
              "particular years but does "
              "not say which years it covers (add `covers FIRST-LAST`)\n");
    /* A workday on a recurring holiday is an override, not a clash. */
    tu_expect("calendar c { covers 2027; holiday every 05-03 \"x\"; workday 2027-05-03 }\n", "");
}

/* Working out the recurring holidays' days grows a buffer year by year: a failed allocation
 * anywhere in loading such a calendar ends in MC_ENOMEM. */
static int load_recurring_once(void *ctx)
{
    (void)ctx;
    static const char text[] = "calendar vn { covers 2025-2027\n"
                               "  holiday every 01-01 \"New Year\"\n"
                               "  holiday every 04-30 05-01 \"30 April and 1 May\"\n"
                               "  holiday lunar 03-10 \"Hung Kings\"\n"
                               "  holiday lunar 12-30 01-04 \"Tet\"\n"
                               "  holiday 2026-02-14 2026-02-22 \"Tet 2026\" }\n";
    const char *names[] = {"t.proc"};
    const char *texts[] = {text};
    size_t lens[] = {sizeof text - 1};
    mc_diags *d = NULL;
    mc_catalogue *cat = NULL;
    int rc = mc_diags_new(&d);
    if (rc == 0) {
        rc = mc_catalogue_load_buffers(&cat, names, texts, lens, 1, d, NULL);
    }
    if (rc == 0 && mc_catalogue_calendar(cat, "vn")->nobserved == 0) {
        rc = MC_EINTERNAL; /* loaded without its recurring holidays */
    }
    mc_catalogue_free(cat);
    mc_diags_free(d);
    return rc;
}

static void test_calendar__out_of_memory_sweep(void **state)
{
    (void)state;
    assert_true(tu_oom_sweep(load_recurring_once, NULL, false) > 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_calendar__vn_deadlines, setup, teardown),
        cmocka_unit_test(test_calendar__builtin_weekdays),
        cmocka_unit_test_setup_teardown(test_calendar__working_days, setup, teardown),
        cmocka_unit_test(test_calendar__today_rounds_down_before_1970),
        cmocka_unit_test(test_calendar__lunar_new_year_1980_to_2030),
        cmocka_unit_test(test_calendar__lunar_dates),
        cmocka_unit_test(test_calendar__bundled_2027),
        cmocka_unit_test(test_calendar__recurring_rules),
        cmocka_unit_test(test_calendar__working_table_agrees_with_the_rules),
        cmocka_unit_test(test_calendar__counts_agree_day_by_day),
        cmocka_unit_test_setup_teardown(test_calendar__hash_of_recurring, setup, teardown),
        cmocka_unit_test(test_calendar__lint),
        cmocka_unit_test(test_calendar__out_of_memory_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
