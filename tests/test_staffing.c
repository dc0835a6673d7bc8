/*
 * Tests of officers and arrivals in the catalogue (issue 23, src/catalogue/decl_staffing.c):
 * `staff ROLE N` and `arrivals { … }` in an agency block, read back through catalogue.h's
 * accessors; every lint error they can give, word for word at its position; a reform's
 * `staff AGENCY ROLE N` (the reformed catalogue changes, the base does not; applying some changes
 * only); a catalogue without staffing; out of memory.
 */
#include "testutil.h"

#include "motcua/reform.h"

#include <math.h>

#define ROLES                                                                                      \
    "role clerk { title \"One-stop officer\" }\n"                                                  \
    "role head { title \"Chair\" }\n"

static const char staffed[] =
    ROLES "agency commune-committee {\n"
          "    title \"Commune People's Committee\"\n"
          "    staff clerk 4\n"
          "    staff head 1\n"
          "    arrivals { month 1 80%; month 2 60%; weekday mon 130%; weekday sun 0% }\n"
          "}\n"
          "agency district-committee { title \"District People's Committee\" }\n"
          "reform more-clerks {\n"
          "    title \"Two more clerks, a deputy who signs\"\n"
          "    staff commune-committee clerk 6\n"
          "    staff district-committee head 2\n"
          "}\n";

static mc_date day(const char *s)
{
    mc_date d;
    char msg[100];
    assert_int_equal(mc_value_date(s, strlen(s), &d, msg, sizeof msg), 0);
    return d;
}

static void test_staffing__read_back(void **state)
{
    (void)state;
    mc_catalogue *cat = tu_load_ok(staffed);
    assert_true(mc_catalogue_staffed(cat));
    assert_int_equal(mc_catalogue_staff(cat, "commune-committee", "clerk"), 4);
    assert_int_equal(mc_catalogue_staff(cat, "commune-committee", "head"), 1);
    /* not staffed, unknown: 0, unlimited */
    assert_int_equal(mc_catalogue_staff(cat, "district-committee", "clerk"), 0);
    assert_int_equal(mc_catalogue_staff(cat, "nowhere", "clerk"), 0);
    assert_int_equal(mc_catalogue_staff(cat, "commune-committee", "applicant"), 0);
    assert_int_equal(mc_catalogue_staff(cat, NULL, "clerk"), 0);
    const mc_agency *a = mc_catalogue_agency(cat, "commune-committee");
    assert_int_equal(a->nstaff, 2);
    assert_string_equal(a->staff[0].role->name, "clerk");
    assert_string_equal(a->staff[1].role->name, "head");
    uint32_t line, col;
    mc_catalogue_position(cat, a->staff[1].pos, &line, &col);
    assert_int_equal(line, 6);
    assert_int_equal(col, 11);

    const mc_arrivals *arr = mc_catalogue_arrivals(cat, "commune-committee");
    assert_non_null(arr);
    assert_int_equal(arr->month[0], 80 * MC_FIXED_ONE);
    assert_int_equal(arr->month[1], 60 * MC_FIXED_ONE);
    assert_int_equal(arr->month[2], 100 * MC_FIXED_ONE); /* not said: 100% */
    assert_int_equal(arr->weekday[0], 130 * MC_FIXED_ONE);
    assert_int_equal(arr->weekday[6], 0);
    /* Monday 5 January 2026: 80% × 130%; Sunday 4 January: 0; Tuesday 3 March: 100% × 100% */
    assert_true(fabs(mc_arrivals_weight(arr, day("2026-01-05")) - 1.04) < 1e-12);
    assert_true(mc_arrivals_weight(arr, day("2026-01-04")) == 0.0);
    assert_true(fabs(mc_arrivals_weight(arr, day("2026-03-03")) - 1.0) < 1e-12);
    assert_null(mc_catalogue_arrivals(cat, "district-committee"));
    assert_true(mc_arrivals_weight(NULL, day("2026-01-05")) == 1.0);
    mc_catalogue_free(cat);
}

/* Without `staff` nothing is staffed: the simulator keeps today's unlimited officers. */
static void test_staffing__none(void **state)
{
    (void)state;
    mc_catalogue *cat = tu_load_ok(ROLES "agency commune-committee { title \"Commune\" }\n");
    assert_false(mc_catalogue_staffed(cat));
    assert_int_equal(mc_catalogue_staff(cat, "commune-committee", "clerk"), 0);
    assert_null(mc_catalogue_arrivals(cat, "commune-committee"));
    assert_null(mc_catalogue_agency(cat, "commune-committee")->staff);
    mc_catalogue_free(cat);
}

static void test_staffing__staff_errors(void **state)
{
    (void)state;
    tu_expect(ROLES "agency a {\n"
                    "    staff clerk 4\n"
                    "    staff head 0\n"
                    "    staff clerck 2\n"
                    "    staff applicant 3\n"
                    "    staff clerk 5\n"
                    "    staff head\n"
                    "    staff head four\n"
                    "    staff head 1000001\n"
                    "    staff \"head\" 1\n"
                    "}\n",
              "t.proc:5:16: error: the number of officers must be between 1 and 1000000 (leave "
              "'staff' out for no limit)\n"
              "t.proc:6:11: error: unknown role 'clerck' (did you mean 'clerk'?)\n"
              "t.proc:7:11: error: 'applicant' is a built-in role, not an agency's officers: "
              "staff the roles that act on dossiers\n"
              "t.proc:8:11: error: role 'clerk' is staffed twice (first at line 4)\n"
              "t.proc:9:5: error: wrong number of arguments to 'staff' (write: staff ROLE N)\n"
              "t.proc:10:16: error: invalid integer 'four'\n"
              "t.proc:11:16: error: the number of officers must be between 1 and 1000000 (leave "
              "'staff' out for no limit)\n"
              "t.proc:12:11: error: expected the name of a role, not a quoted string\n");
}

static void test_staffing__arrivals_errors(void **state)
{
    (void)state;
    tu_expect("agency a {\n"
              "    arrivals {\n"
              "        month 1 80%\n"
              "        month 13 90%\n"
              "        month 2 -5%\n"
              "        month 3 60\n"
              "        month 1 70%\n"
              "        weekday mun 130%\n"
              "        weekday sat\n"
              "        weekday sat 10%\n"
              "        weekday sat 20%\n"
              "        week mon 10%\n"
              "        month jan 10%\n"
              "    }\n"
              "}\n"
              "agency b {\n"
              "    arrivals { month 1 0%; month 2 0%; month 3 0%; month 4 0%; month 5 0%; month 6 "
              "0%; month 7 0%; month 8 0%; month 9 0%; month 10 0%; month 11 0%; month 12 0% }\n"
              "    arrivals { weekday mon 100% }\n"
              "}\n"
              "agency c { arrivals { weekday mon 0%; weekday tue 0%; weekday wed 0%; weekday thu "
              "0%; weekday fri 0%; weekday sat 0%; weekday sun 0% } }\n"
              "agency d { arrivals }\n",
              "t.proc:4:15: error: unknown month '13' (1 to 12)\n"
              "t.proc:5:17: error: a weight must not be negative\n"
              "t.proc:6:17: error: a weight is a percentage, like 80%\n"
              "t.proc:7:9: error: month 1 given twice (first at line 3)\n"
              "t.proc:8:17: error: unknown day 'mun' (mon tue wed thu fri sat sun)\n"
              "t.proc:9:9: error: wrong number of arguments to 'weekday' (write: weekday DAY "
              "WEIGHT%)\n"
              "t.proc:11:9: error: weekday sat given twice (first at line 10)\n"
              "t.proc:12:9: error: unknown arrivals directive 'week'\n"
              "t.proc:13:15: error: unknown month 'jan' (1 to 12)\n"
              "t.proc:17:5: error: every month weighs 0%: no dossier would arrive\n"
              "t.proc:18:5: error: 'arrivals' given twice (first at line 17)\n"
              "t.proc:20:12: error: every weekday weighs 0%: no dossier would arrive\n"
              "t.proc:21:12: error: 'arrivals' needs a block (write: arrivals { … })\n");
}

/* A reform's `staff AGENCY ROLE N`: the reformed catalogue's officers change (a count replaced,
 * a role added), the base's do not; the change is listed as one line; applied without it, the
 * staffing is the base's. */
static void test_staffing__reform(void **state)
{
    (void)state;
    mc_catalogue *base = tu_load_ok(staffed);
    const mc_reform *r = mc_catalogue_reform(base, "more-clerks");
    assert_non_null(r);
    mc_catalogue *reformed;
    mc_error err;
    assert_int_equal(mc_reform_apply(base, r, &reformed, &err), 0);
    assert_int_equal(mc_catalogue_staff(reformed, "commune-committee", "clerk"), 6);
    assert_int_equal(mc_catalogue_staff(reformed, "commune-committee", "head"), 1);
    assert_int_equal(mc_catalogue_staff(reformed, "district-committee", "head"), 2);
    assert_int_equal(mc_catalogue_staff(base, "commune-committee", "clerk"), 4);
    assert_int_equal(mc_catalogue_staff(base, "district-committee", "head"), 0);
    /* what is not staffing is shared: titles, arrivals */
    const mc_agency *a = mc_catalogue_agency(reformed, "commune-committee");
    assert_string_equal(a->titles[0].text, "Commune People's Committee");
    assert_ptr_equal(a->arrivals, mc_catalogue_arrivals(base, "commune-committee"));
    size_t n;
    const mc_agency *const *all = mc_catalogue_agencies(reformed, &n);
    assert_int_equal(n, 2);
    assert_ptr_equal(all[0], a);

    mc_reform_change *changes;
    size_t nchanges;
    assert_int_equal(mc_reform_changes(r, &changes, &nchanges, &err), 0);
    assert_int_equal(nchanges, 2);
    assert_string_equal(changes[0].text, "staff commune-committee clerk 6");
    assert_string_equal(changes[0].directive, "staff");
    assert_string_equal(changes[0].target, "commune-committee");
    assert_string_equal(changes[0].element, "clerk");
    assert_string_equal(changes[0].value, "6");
    assert_int_equal(changes[0].affects, MC_CHANGE_SIM);
    mc_free(changes);

    /* the first change only */
    bool keep[2] = {true, false};
    const bool *keeps[] = {keep};
    const mc_reform *list[] = {r};
    mc_catalogue *some;
    assert_int_equal(mc_reform_apply_list(base, list, keeps, 1, &some, &err), 0);
    assert_int_equal(mc_catalogue_staff(some, "commune-committee", "clerk"), 6);
    assert_int_equal(mc_catalogue_staff(some, "district-committee", "head"), 0);
    mc_catalogue_free(some);
    /* stacked on itself through a derived catalogue: counts replaced again, never added twice */
    mc_catalogue *twice;
    assert_int_equal(mc_reform_apply(reformed, r, &twice, &err), 0);
    assert_int_equal(mc_catalogue_agency(twice, "commune-committee")->nstaff, 2);
    assert_int_equal(mc_catalogue_staff(twice, "district-committee", "head"), 2);
    mc_catalogue_free(twice);
    mc_catalogue_free(reformed);
    mc_catalogue_free(base);
}

static void test_staffing__reform_errors(void **state)
{
    (void)state;
    tu_expect(ROLES "agency a { title \"A\" }\n"
                    "reform r {\n"
                    "    staff b clerk 2\n"
                    "    staff a clerck 2\n"
                    "    staff a clerk 0\n"
                    "    staff a clerk 2\n"
                    "    staff a clerk 3\n"
                    "    staff a system 1\n"
                    "    staff a clerk\n"
                    "}\n",
              "t.proc:5:11: error: unknown agency 'b' (did you mean 'a'?)\n"
              "t.proc:6:13: error: unknown role 'clerck' (did you mean 'clerk'?)\n"
              "t.proc:7:19: error: the number of officers must be between 1 and 1000000 (leave "
              "'staff' out for no limit)\n"
              "t.proc:9:13: error: role 'clerk' of agency 'a' is staffed twice (first at line "
              "8)\n"
              "t.proc:10:13: error: 'system' is a built-in role, not an agency's officers: staff "
              "the roles that act on dossiers\n"
              "t.proc:11:5: error: wrong number of arguments to 'staff' (write: staff AGENCY "
              "ROLE N)\n");
}

/* Lint's staffing check (mc_catalogue_check_staffing) of text: its warnings, sorted. */
static char *check_staffing(const char *text)
{
    mc_catalogue *cat = tu_load_ok(text);
    mc_diags *d;
    assert_int_equal(mc_diags_new(&d), 0);
    assert_int_equal(mc_catalogue_check_staffing(cat, d), 0);
    mc_diags_sort(d);
    char *out = tu_render(d, false);
    mc_diags_free(d);
    mc_catalogue_free(cat);
    return out;
}

static const char idle_text[] =
    ROLES "role archivist\n"
          "lifecycle l { state s { initial; on go -> t by clerk }; state t { final } }\n"
          "agency commune { staff clerk 2; staff head 1; staff archivist 3 }\n"
          "agency empty { staff archivist 1; arrivals { month 1 50% } }\n"
          "agency quiet { arrivals { weekday mon 120% } }\n"
          "procedure p { agency commune; time-limit 5wd\n"
          "    state s { initial; on go -> t by clerk }\n"
          "    state t { on sign -> v by head }\n"
          "    state v { final } }\n"
          "procedure q { agency quiet; time-limit 5wd; lifecycle l }\n"
          "reform r { staff empty head 2; staff commune clerk 5 }\n"
          "reform moves { procedure q { agency empty }; staff empty clerk 4 }\n"
          "reform away { procedure p { agency quiet }; staff commune head 2 }\n";

/* Officers who would sit idle: a role no transition of the agency's procedures is fired by (the
 * procedure's own states and its lifecycle's), an agency with no procedure, an arrivals pattern
 * no dossier follows; a reform's lines against the catalogue as that reform leaves it (moving
 * a procedure to the agency puts its officers to work, moving it away idles them). */
static void test_staffing__lint_idle(void **state)
{
    (void)state;
    char *got = check_staffing(idle_text);
    assert_string_equal(got, "t.proc:5:53: warning[idle-staff]: no procedure of agency 'commune' "
                             "has a transition by role "
                             "'archivist': its 3 officers would sit idle\n"
                             "t.proc:6:22: warning[idle-staff]: agency 'empty' handles no "
                             "procedure: its 1 officer would sit idle\n"
                             "t.proc:6:35: warning[idle-arrivals]: agency 'empty' handles no "
                             "procedure: its arrivals pattern shapes no "
                             "dossier\n"
                             "t.proc:13:24: warning[idle-staff]: agency 'empty' handles no "
                             "procedure: its 2 officers would sit "
                             "idle\n"
                             "t.proc:15:59: warning[idle-staff]: agency 'commune' handles no "
                             "procedure: its 2 officers would sit "
                             "idle\n");
    free(got);
    /* every role at work, no pattern astray, no staffing at all: nothing to say */
    got =
        check_staffing(ROLES "lifecycle l { state s { initial; on go -> t by clerk; on sign -> t "
                             "by head }; state t { final } }\n"
                             "agency a { staff clerk 2; staff head 1; arrivals { month 1 50% } }\n"
                             "agency b { }\n"
                             "procedure p { agency a; time-limit 5wd; lifecycle l }\n");
    assert_string_equal(got, "");
    free(got);
    got = check_staffing(ROLES);
    assert_string_equal(got, "");
    free(got);
}

/* Loading, reforming and linting a staffed catalogue with every allocation failing in turn. */
static int load_and_reform(void *ctx)
{
    (void)ctx;
    mc_diags *d;
    int rc = mc_diags_new(&d);
    if (rc != 0) {
        return rc;
    }
    const char *names[] = {"t.proc"};
    const char *texts[] = {staffed};
    size_t lens[] = {strlen(staffed)};
    mc_catalogue *cat = NULL, *reformed = NULL;
    rc = mc_catalogue_load_buffers(&cat, names, texts, lens, 1, d, NULL);
    if (rc == 0) {
        rc = mc_reform_apply(cat, mc_catalogue_reform(cat, "more-clerks"), &reformed, NULL);
    }
    if (rc == 0) {
        rc = mc_catalogue_check_staffing(cat, d); /* its reform applied once more, inside */
    }
    if (rc == 0 && mc_diags_warnings(d) != 5) {
        rc = MC_EINTERNAL;
    }
    if (rc == 0 && mc_catalogue_staff(reformed, "commune-committee", "clerk") != 6) {
        rc = MC_EINTERNAL;
    }
    mc_catalogue_free(reformed);
    mc_catalogue_free(cat);
    mc_diags_free(d);
    return rc;
}

static void test_staffing__out_of_memory(void **state)
{
    (void)state;
    tu_oom_sweep(load_and_reform, NULL, false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_staffing__read_back),
        cmocka_unit_test(test_staffing__none),
        cmocka_unit_test(test_staffing__staff_errors),
        cmocka_unit_test(test_staffing__arrivals_errors),
        cmocka_unit_test(test_staffing__reform),
        cmocka_unit_test(test_staffing__reform_errors),
        cmocka_unit_test(test_staffing__lint_idle),
        cmocka_unit_test(test_staffing__out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
