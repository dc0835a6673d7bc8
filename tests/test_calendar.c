/* Deadline arithmetic of SPEC §4.1, table-driven: cutoffs, weekends, holidays, swapped working
 * days, working hours across breaks, year ends, and the built-in weekdays calendar. */
#include "testutil.h"

#include "motcua/calendar.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_calendar__vn_deadlines, setup, teardown),
        cmocka_unit_test(test_calendar__builtin_weekdays),
        cmocka_unit_test_setup_teardown(test_calendar__working_days, setup, teardown),
        cmocka_unit_test(test_calendar__today_rounds_down_before_1970),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
