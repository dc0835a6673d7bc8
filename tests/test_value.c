/* Value words (value.h) and "did you mean" (suggest.h): forms accepted, forms refused with
 * their exact reasons. */
#include "testutil.h"

#include "motcua/value.h"
#include "base/suggest.h"

#define S(x) x, strlen(x)

static void test_value__numbers(void **state)
{
    (void)state;
    mc_fixed v;
    char msg[200];
    assert_int_equal(mc_value_number(S("3"), &v, msg, sizeof msg), 0);
    assert_int_equal(v, 3 * MC_FIXED_ONE);
    assert_int_equal(mc_value_number(S("-0.5"), &v, msg, sizeof msg), 0);
    assert_int_equal(v, -500000);
    assert_int_equal(mc_value_number(S("1.000001"), &v, msg, sizeof msg), 0);
    assert_int_equal(v, 1000001);
    assert_int_equal(mc_value_number(S("1.0000001"), &v, msg, sizeof msg), MC_ESYNTAX);
    assert_string_equal(msg, "number '1.0000001' has more than 6 decimal places");
    assert_int_equal(mc_value_number(S("1."), &v, msg, sizeof msg), MC_ESYNTAX);
    assert_string_equal(msg, "invalid number '1.' (write it like 3 or 0.5)");
    assert_int_equal(mc_value_number(S(".5"), &v, msg, sizeof msg), MC_ESYNTAX);
    assert_int_equal(mc_value_number(S("99999999999999999999"), &v, msg, sizeof msg), MC_ESYNTAX);
    assert_string_equal(msg, "number '99999999999999999999' is too large");
    int64_t i;
    assert_int_equal(mc_value_integer(S("1500000"), &i, msg, sizeof msg), 0);
    assert_int_equal(i, 1500000);
    assert_int_equal(mc_value_integer(S("15a"), &i, msg, sizeof msg), MC_ESYNTAX);
    assert_string_equal(msg, "invalid integer '15a'");
}

static void test_value__percent(void **state)
{
    (void)state;
    mc_fixed v;
    char msg[200];
    assert_int_equal(mc_value_percent(S("15%"), &v, msg, sizeof msg), 0);
    assert_int_equal(v, 15 * MC_FIXED_ONE);
    assert_int_equal(mc_value_percent(S("2.5%"), &v, msg, sizeof msg), 0);
    assert_int_equal(v, 2500000);
    assert_int_equal(mc_value_percent(S("100%"), &v, msg, sizeof msg), 0);
    assert_int_equal(mc_value_percent(S("100.01%"), &v, msg, sizeof msg), MC_ESYNTAX);
    assert_string_equal(msg, "percentage '100.01%' is not between 0% and 100%");
    assert_int_equal(mc_value_percent(S("15"), &v, msg, sizeof msg), MC_ESYNTAX);
    assert_string_equal(msg, "invalid percentage '15' (write it like 15% or 2.5%)");
    assert_int_equal(mc_value_percent(S("-1%"), &v, msg, sizeof msg), MC_ESYNTAX);
    assert_int_equal(mc_value_percent(S("%"), &v, msg, sizeof msg), MC_ESYNTAX);
}

static void test_value__durations(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        mc_dur_unit unit;
        mc_fixed amount;
    } good[] = {{"30min", MC_DUR_MIN, 30 * MC_FIXED_ONE}, {"1.5h", MC_DUR_H, 1500000},
                {"7wd", MC_DUR_WD, 7 * MC_FIXED_ONE},     {"4wh", MC_DUR_WH, 4 * MC_FIXED_ONE},
                {"60d", MC_DUR_D, 60 * MC_FIXED_ONE},     {"0wd", MC_DUR_WD, 0}};
    for (size_t k = 0; k < sizeof good / sizeof good[0]; k++) {
        mc_duration d;
        char msg[200];
        assert_int_equal(mc_value_duration(S(good[k].text), true, &d, msg, sizeof msg), 0);
        assert_int_equal(d.unit, good[k].unit);
        assert_int_equal(d.amount, good[k].amount);
    }
    mc_duration d;
    char msg[200];
    assert_int_equal(mc_value_duration(S("0.5wd"), false, &d, msg, sizeof msg), 0);
    assert_int_equal(mc_value_duration(S("0.5wd"), true, &d, msg, sizeof msg), MC_ESYNTAX);
    assert_string_equal(msg, "duration '0.5wd' must be a whole number of working days");
    assert_int_equal(mc_value_duration(S("7days"), true, &d, msg, sizeof msg), MC_ESYNTAX);
    assert_string_equal(msg, "invalid duration '7days' (a number and a unit: min, h, d, wd or "
                             "wh, as in 7wd)");
    assert_int_equal(mc_value_duration(S("-3wd"), true, &d, msg, sizeof msg), MC_ESYNTAX);
    assert_string_equal(msg, "duration '-3wd' is negative");
    assert_int_equal(mc_value_duration(S("wd"), true, &d, msg, sizeof msg), MC_ESYNTAX);
}

static void test_value__dates_and_times(void **state)
{
    (void)state;
    mc_date d;
    char msg[200], out[17];
    assert_int_equal(mc_value_date(S("1970-01-01"), &d, msg, sizeof msg), 0);
    assert_int_equal(d, 0);
    assert_int_equal(mc_value_date(S("2024-02-29"), &d, msg, sizeof msg), 0);
    mc_date_format(d, out);
    assert_string_equal(out, "2024-02-29");
    assert_int_equal(mc_date_weekday(d), 3); /* a Thursday */
    assert_int_equal(mc_value_date(S("2025-02-29"), &d, msg, sizeof msg), MC_ESYNTAX);
    assert_string_equal(msg, "no such date: '2025-02-29'");
    assert_int_equal(mc_value_date(S("2025/01/01"), &d, msg, sizeof msg), MC_ESYNTAX);
    assert_string_equal(msg, "invalid date '2025/01/01' (write it as YYYY-MM-DD)");
    mc_datetime t;
    assert_int_equal(mc_value_datetime(S("2025-03-03T09:00"), &t, msg, sizeof msg), 0);
    mc_datetime_format(t, out);
    assert_string_equal(out, "2025-03-03T09:00");
    assert_int_equal(mc_value_datetime(S("2025-03-03 09:00"), &t, msg, sizeof msg), MC_ESYNTAX);
    int m;
    assert_int_equal(mc_value_time(S("15:00"), false, &m, msg, sizeof msg), 0);
    assert_int_equal(m, 900);
    assert_int_equal(mc_value_time(S("24:00"), false, &m, msg, sizeof msg), MC_ESYNTAX);
    assert_int_equal(mc_value_time(S("24:00"), true, &m, msg, sizeof msg), 0);
    assert_int_equal(mc_value_time(S("12:60"), true, &m, msg, sizeof msg), MC_ESYNTAX);
    assert_string_equal(msg, "no such time of day: '12:60'");
    int off;
    assert_int_equal(mc_value_utc_offset(S("+07:00"), &off, msg, sizeof msg), 0);
    assert_int_equal(off, 420);
    assert_int_equal(mc_value_utc_offset(S("-03:30"), &off, msg, sizeof msg), 0);
    assert_int_equal(off, -210);
    assert_int_equal(mc_value_utc_offset(S("+15:00"), &off, msg, sizeof msg), MC_ESYNTAX);
}

static void test_value__date_round_trip_over_centuries(void **state)
{
    (void)state;
    for (mc_date d = mc_date_from_ymd(1900, 1, 1); d <= mc_date_from_ymd(2100, 12, 31); d++) {
        int y, m, dd;
        mc_date_to_ymd(d, &y, &m, &dd);
        assert_int_equal(mc_date_from_ymd(y, m, dd), d);
    }
}

static void test_value__names_and_rules(void **state)
{
    (void)state;
    char msg[200];
    assert_int_equal(mc_value_name(S("birth-registration"), msg, sizeof msg), 0);
    assert_int_equal(mc_value_name(S("Birth"), msg, sizeof msg), MC_ESYNTAX);
    assert_string_equal(msg, "invalid name 'Birth' (lower-case letters, digits and '-', "
                             "starting with a letter)");
    assert_int_equal(mc_value_name(S("9lives"), msg, sizeof msg), MC_ESYNTAX);
    char long_name[70];
    memset(long_name, 'a', 65);
    long_name[65] = '\0';
    assert_int_equal(mc_value_name(long_name, 64, msg, sizeof msg), 0);
    assert_int_equal(mc_value_name(long_name, 65, msg, sizeof msg), MC_ESYNTAX);
    assert_string_equal(msg, "name 'aaaaaaaaaaaaaaaaaaaa…' is longer than 64 bytes");
    size_t mod;
    assert_int_equal(mc_value_rule_ref(S("civil.birth_fee"), &mod, msg, sizeof msg), 0);
    assert_int_equal(mod, 5);
    assert_int_equal(mc_value_rule_ref(S("civil"), &mod, msg, sizeof msg), MC_ESYNTAX);
    assert_string_equal(msg, "invalid rule reference 'civil' (write MODULE.FUNCTION, like "
                             "civil.birth_fee)");
    assert_int_equal(mc_value_rule_ref(S("civil.1fee"), &mod, msg, sizeof msg), MC_ESYNTAX);
    assert_int_equal(mc_value_rule_ref(S("Civil.fee"), &mod, msg, sizeof msg), MC_ESYNTAX);
    char cur[4];
    assert_int_equal(mc_value_currency(S("VND"), cur, msg, sizeof msg), 0);
    assert_int_equal(mc_value_currency(S("vnd"), cur, msg, sizeof msg), MC_ESYNTAX);
    bool b;
    assert_int_equal(mc_value_bool(S("yes"), &b, msg, sizeof msg), MC_ESYNTAX);
    assert_string_equal(msg, "expected true or false, got 'yes'");
}

static void test_value__fixed_format(void **state)
{
    (void)state;
    char out[32];
    mc_fixed_format(1500000, out);
    assert_string_equal(out, "1.5");
    mc_fixed_format(-2250000, out);
    assert_string_equal(out, "-2.25");
    mc_fixed_format(30 * MC_FIXED_ONE, out);
    assert_string_equal(out, "30");
    mc_fixed_format(1, out);
    assert_string_equal(out, "0.000001");
}

static void test_suggest__distance(void **state)
{
    (void)state;
    assert_int_equal(mc_edit_distance(S("state"), S("state"), 2), 0);
    assert_int_equal(mc_edit_distance(S("stae"), S("state"), 2), 1);
    assert_int_equal(mc_edit_distance(S("sattе"), S("state"), 2), 3); /* Cyrillic е: far */
    assert_int_equal(mc_edit_distance(S("aproved"), S("approved"), 2), 1);
    assert_int_equal(mc_edit_distance(S("recieve"), S("receive"), 2), 1); /* transposition */
    assert_int_equal(mc_edit_distance(S("abc"), S("xyzabc"), 2), 3);
}

static void test_suggest__ties_go_to_the_alphabetically_first(void **state)
{
    (void)state;
    mc_suggest s;
    mc_suggest_init(&s, S("bat"));
    mc_suggest_offer(&s, "cat");
    mc_suggest_offer(&s, "bar");
    mc_suggest_offer(&s, "hat");
    assert_string_equal(s.best, "bar");
    mc_suggest_init(&s, S("clerk"));
    mc_suggest_offer(&s, "clerk");
    mc_suggest_offer(&s, "head");
    assert_null(s.best);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value__numbers),
        cmocka_unit_test(test_value__percent),
        cmocka_unit_test(test_value__durations),
        cmocka_unit_test(test_value__dates_and_times),
        cmocka_unit_test(test_value__date_round_trip_over_centuries),
        cmocka_unit_test(test_value__names_and_rules),
        cmocka_unit_test(test_value__fixed_format),
        cmocka_unit_test(test_suggest__distance),
        cmocka_unit_test(test_suggest__ties_go_to_the_alphabetically_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
