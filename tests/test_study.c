/* The cost study (study.h): superseded procedures left out, totals split by what they rest on,
 * filters and subtotals, sensitivity, stacked reforms with their conflicts, and what each change
 * is worth (the marginal values add up to the total saving); every allocation failing in turn. */
#include "testutil.h"

#include "motcua/coverage.h"
#include "motcua/study.h"

/* 10,000 VND an hour, 8 hours a day, a visit 2 h and 10,000 VND; waiting counted.
 * alpha: 1 h + 2 h visit + 8 h = 11 h → 140,000 with its 20,000 fee; × 1,000.
 * beta: 2 h + 1 h × 50% + 16 h = 18.5 h → 185,000; × 2,000.
 * gamma (assumed): 1 h + 8 h → 90,000; × 100.
 * twin: alpha's code, superseded by alpha.
 * vault: a registry of no coverage, holding what nobody asks. */
static const char text[] =
    "cost-model m { default; hourly-income 10000 VND; hours-per-day 8; visit 2h 10000 VND;"
    " count-waiting true }\n"
    "role clerk\n"
    "agency district { title \"District\" }\nagency police { title \"Police\" }\n"
    "lifecycle l { state a { initial; on go -> b by clerk }; state b { final } }\n"
    "document form\ndocument paper\ndocument card\n"
    "registry people { holds card; coverage 50% }\n"
    "document spare\nregistry vault { holds spare }\n"
    "procedure alpha { code \"1\"; agency district; sector \"Hộ tịch\"; supersedes twin;"
    " time-limit 1wd; fee 20000 VND; volume 1000 per year; visits 1; lifecycle l;"
    " requires form { effort 1h } }\n"
    "procedure twin { code \"1\"; agency district; time-limit 9wd; volume 1000 per year;"
    " lifecycle l }\n"
    "procedure beta { code \"2\"; agency police; sector \"Cư trú\"; time-limit 2wd;"
    " volume 2000 per year; lifecycle l; requires paper { effort 2h }; requires card { effort 1h } }\n"
    "procedure gamma { code \"3\"; agency district; sector \"Hộ tịch\"; time-limit 1wd;"
    " volume 100 per year; assumed volume; lifecycle l; requires form { effort 1h } }\n"
    "reform quick { procedure alpha { visits 0 }; registry people { coverage 100% };"
    " procedure beta { time-limit 1wd } }\n"
    "reform later { procedure beta { time-limit 3wd }; procedure alpha { fee 50000 VND } }\n";

static mc_catalogue *load(void)
{
    mc_catalogue *cat;
    char *diags;
    assert_int_equal(tu_load(text, &cat, &diags), 0);
    free(diags);
    return cat;
}

static const mc_study_row *row(const mc_study *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++) {
        if (strcmp(s->rows[i].procedure, name) == 0) {
            return &s->rows[i];
        }
    }
    return NULL;
}

static void test_study__superseded_left_out_and_totals_split(void **state)
{
    (void)state;
    mc_catalogue *cat = load();
    mc_study_opts o = MC_STUDY_OPTS_INIT;
    o.date = mc_date_from_ymd(2026, 1, 15);
    mc_study s;
    assert_int_equal(mc_study_run(&s, cat, NULL, &o, NULL), 0);
    assert_int_equal(s.n, 3);
    assert_null(row(&s, "twin"));
    assert_int_equal(s.nsuperseded, 1);
    assert_string_equal(s.superseded[0], "twin: superseded by alpha");
    assert_int_equal(row(&s, "alpha")->base.cost, 140000);
    assert_int_equal(row(&s, "beta")->base.cost, 185000);
    assert_true(row(&s, "gamma")->assumed);
    assert_false(row(&s, "alpha")->assumed);
    assert_int_equal(s.totals.all.base, 519000000);
    assert_int_equal(s.totals.statistics.base, 510000000);
    assert_int_equal(s.totals.assumed.base, 9000000);
    assert_int_equal(s.totals.assumed.n, 1);
    assert_int_equal(s.totals.all.revenue_base, 20000000);
    assert_int_equal(s.nchanges, 0);
    mc_study_free(&s);
    mc_catalogue_free(cat);
}

static void test_study__filters_and_subtotals(void **state)
{
    (void)state;
    mc_catalogue *cat = load();
    mc_study_opts o = MC_STUDY_OPTS_INIT;
    o.date = mc_date_from_ymd(2026, 1, 15);
    const char *sectors[] = {"Hộ*"};
    o.sectors = (mc_study_filter){sectors, 1};
    o.by = MC_STUDY_BY_AGENCY;
    mc_study s;
    assert_int_equal(mc_study_run(&s, cat, NULL, &o, NULL), 0);
    assert_int_equal(s.n, 2); /* alpha and gamma; the twin, superseded, is not listed either */
    assert_int_equal(s.ngroups, 1);
    assert_string_equal(s.groups[0].key, "district");
    assert_int_equal(s.groups[0].t.all.base, 149000000);
    assert_int_equal(s.groups[0].t.assumed.base, 9000000);
    mc_study_free(&s);
    const char *none[] = {"nobody"};
    o.sectors = (mc_study_filter){NULL, 0};
    o.agencies = (mc_study_filter){none, 1};
    mc_error err;
    assert_int_equal(mc_study_run(&s, cat, NULL, &o, &err), MC_ENOTFOUND);
    assert_string_equal(err.msg, "no procedure is in force on 2026-01-15 and passes the filters");
    mc_study_free(&s);
    mc_catalogue_free(cat);
}

static void test_study__sensitivity(void **state)
{
    (void)state;
    mc_catalogue *cat = load();
    mc_study_opts o = MC_STUDY_OPTS_INIT;
    o.date = mc_date_from_ymd(2026, 1, 15);
    o.has_income = true;
    o.income = 20000;
    o.count_waiting = 0;
    mc_study_coverage cov[] = {{"people", 0}};
    o.coverage = cov;
    o.ncoverage = 1;
    const mc_reform *quick = mc_catalogue_reform(cat, "quick");
    o.reforms = &quick;
    o.nreforms = 1;
    mc_study s;
    assert_int_equal(mc_study_run(&s, cat, NULL, &o, NULL), 0);
    /* beta: 2 h + 1 h (no one covered) = 3 h × 20,000; the reform keeps its own 100% */
    assert_int_equal(row(&s, "beta")->base.cost, 60000);
    assert_int_equal(row(&s, "beta")->reform.cost, 40000);
    assert_int_equal(s.nsensitivity, 3);
    assert_string_equal(s.sensitivity[0], "hourly income 20,000 VND (the cost model m says 10,000)");
    assert_string_equal(s.sensitivity[1], "waiting time not counted (the cost model m: counted)");
    assert_string_equal(s.sensitivity[2], "coverage of registry people 0% (the catalogue says 50%)");
    mc_study_free(&s);
    mc_study_coverage unknown[] = {{"nobody", 0}};
    o.coverage = unknown;
    mc_error err;
    assert_int_equal(mc_study_run(&s, cat, NULL, &o, &err), MC_ENOTFOUND);
    assert_string_equal(err.msg, "--coverage: unknown registry 'nobody'");
    mc_study_free(&s);
    mc_catalogue_free(cat);
}

static void test_study__stacked_reforms_and_each_change(void **state)
{
    (void)state;
    mc_catalogue *cat = load();
    mc_study_opts o = MC_STUDY_OPTS_INIT;
    o.date = mc_date_from_ymd(2026, 1, 15);
    const mc_reform *both[] = {mc_catalogue_reform(cat, "quick"), mc_catalogue_reform(cat, "later")};
    o.reforms = both;
    o.nreforms = 2;
    o.attribute = true;
    mc_study s;
    assert_int_equal(mc_study_run(&s, cat, NULL, &o, NULL), 0);
    assert_int_equal(s.nconflicts, 1);
    assert_string_equal(s.conflicts[0], "reforms quick and later both change the time-limit of "
                                        "beta: later's applies (the later one)");
    /* beta at 3 wd: 2 h + 0 + 24 h = 26 h */
    assert_int_equal(row(&s, "beta")->reform.cost, 260000);
    assert_int_equal(row(&s, "alpha")->reform.fee, 50000);
    assert_int_equal(s.totals.all.worse, 1);
    assert_int_equal(s.nchanges, 5);
    int64_t sum = 0;
    for (size_t i = 0; i < s.nchanges; i++) {
        sum += s.changes[i].marginal;
        assert_true(s.changes[i].counted);
    }
    assert_int_equal(sum, s.totals.all.saving);
    assert_int_equal(s.totals.all.saving, -150000000);
    /* beta: time-limit 1wd alone saves 8 h × 2,000 × 10,000; then 3wd after it costs twice */
    assert_string_equal(s.changes[2].change.text, "time-limit 1wd");
    assert_int_equal(s.changes[2].alone, 160000000);
    assert_int_equal(s.changes[3].alone, -160000000);
    assert_int_equal(s.changes[3].marginal, -320000000);
    assert_int_equal(s.changes[3].marginal_bp, -6166);
    mc_study_free(&s);
    /* the same reform twice */
    const mc_reform *twice[] = {both[0], both[0]};
    o.reforms = twice;
    mc_error err;
    assert_int_equal(mc_study_run(&s, cat, NULL, &o, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "reform 'quick' is given twice");
    mc_study_free(&s);
    mc_catalogue_free(cat);
}

/* The study's sentences as messages: a code and its arguments beside each English line, said in
 * English as the line, in Vietnamese with Vietnamese numbers. */
static void said_is(const mc_study_said *s, const char *line, const char *code, size_t nargs,
                    const char *vi)
{
    assert_string_equal(s->code, code);
    assert_int_equal(s->nargs, nargs);
    char out[2048];
    assert_int_equal(mc_study_say(s, MC_LANG_EN, out, sizeof out), (int)strlen(line));
    assert_string_equal(out, line);
    assert_int_equal(mc_study_say(s, MC_LANG_VI, out, sizeof out), (int)strlen(vi));
    assert_string_equal(out, vi);
}

static void test_study__sentences_as_messages(void **state)
{
    (void)state;
    mc_catalogue *cat = load();
    mc_study_opts o = MC_STUDY_OPTS_INIT;
    o.date = mc_date_from_ymd(2026, 1, 15);
    o.has_income = true;
    o.income = 1234567;
    o.count_waiting = 1;
    mc_study_coverage cov[] = {{"people", 12 * MC_FIXED_ONE + MC_FIXED_ONE / 2}, {"vault", 0}};
    o.coverage = cov;
    o.ncoverage = 2;
    const mc_reform *both[] = {mc_catalogue_reform(cat, "quick"), mc_catalogue_reform(cat, "later")};
    o.reforms = both;
    o.nreforms = 2;
    mc_study s;
    assert_int_equal(mc_study_run(&s, cat, NULL, &o, NULL), 0);
    assert_int_equal(s.nsensitivity, 4);
    said_is(&s.sensitivity_said[0], s.sensitivity[0], "study.sensitivity-income", 4,
            "thu nhập một giờ 1.234.567 VND (mô hình chi phí m ghi 10.000)");
    assert_string_equal(s.sensitivity[0],
                        "hourly income 1,234,567 VND (the cost model m says 10,000)");
    assert_string_equal(s.sensitivity_said[0].args[0], "1234567"); /* digits: any language */
    assert_string_equal(s.sensitivity_said[0].args[1], "VND");
    assert_string_equal(s.sensitivity_said[0].args[2], "m");
    assert_string_equal(s.sensitivity_said[0].args[3], "10000");
    assert_int_equal(s.sensitivity_said[0].numbers, 1u | 8u);
    said_is(&s.sensitivity_said[1], s.sensitivity[1], "study.sensitivity-waiting-yes-yes", 1,
            "có tính thời gian chờ (mô hình chi phí m: có tính)");
    assert_string_equal(s.sensitivity[1], "waiting time counted (the cost model m: counted)");
    said_is(&s.sensitivity_said[2], s.sensitivity[2], "study.sensitivity-coverage", 3,
            "tỷ lệ bao phủ của cơ sở dữ liệu people: 12,5% (danh mục ghi 50%)");
    assert_string_equal(s.sensitivity[2],
                        "coverage of registry people 12.5% (the catalogue says 50%)");
    said_is(&s.sensitivity_said[3], s.sensitivity[3], "study.sensitivity-coverage-none", 2,
            "tỷ lệ bao phủ của cơ sở dữ liệu vault: 0% (danh mục không ghi tỷ lệ bao phủ, tức là "
            "mọi đối tượng)");
    assert_string_equal(s.sensitivity[3], "coverage of registry vault 0% (the catalogue says no "
                                          "coverage, every subject)");
    assert_int_equal(s.nsuperseded, 1);
    said_is(&s.superseded_said[0], "twin: superseded by alpha", "study.superseded", 2,
            "twin: đã được thay thế bởi thủ tục alpha");
    assert_string_equal(s.superseded_said[0].args[0], "twin");
    assert_int_equal(s.nconflicts, 1);
    said_is(&s.conflicts_said[0],
            "reforms quick and later both change the time-limit of beta: later's applies (the "
            "later one)",
            "reform.conflict-both", 4,
            "hai phương án quick và later cùng thay đổi time-limit của thủ tục beta: áp dụng "
            "phương án later (phương án sau)");
    mc_study_free(&s);
    /* each waiting sentence, as the run and the model choose */
    static const struct {
        int run;
        bool model;
        const char *code, *en, *vi;
    } waits[] = {
        {0, true, "study.sensitivity-waiting-no-yes",
         "waiting time not counted (the cost model m: counted)",
         "không tính thời gian chờ (mô hình chi phí m: có tính)"},
        {0, false, "study.sensitivity-waiting-no-no",
         "waiting time not counted (the cost model m: not counted)",
         "không tính thời gian chờ (mô hình chi phí m: không tính)"},
        {1, false, "study.sensitivity-waiting-yes-no",
         "waiting time counted (the cost model m: not counted)",
         "có tính thời gian chờ (mô hình chi phí m: không tính)"},
    };
    mc_cost_model declared = *mc_catalogue_default_cost_model(cat);
    for (size_t i = 0; i < 3; i++) {
        mc_study_opts w = MC_STUDY_OPTS_INIT;
        w.count_waiting = waits[i].run;
        declared.count_waiting = waits[i].model;
        mc_study_said *said;
        char **lines;
        size_t n, nl;
        assert_int_equal(mc_study_sensitivity_said(&w, cat, &declared, &said, &n, NULL), 0);
        assert_int_equal(mc_study_sensitivity(&w, cat, &declared, &lines, &nl, NULL), 0);
        assert_int_equal(n, 1);
        assert_int_equal(nl, 1);
        said_is(&said[0], waits[i].en, waits[i].code, 1, waits[i].vi);
        assert_string_equal(lines[0], waits[i].en);
        mc_free(said);
        mc_study_lines_free(lines, nl);
    }
    /* nothing changed: no sentence, nothing allocated */
    mc_study_opts none = MC_STUDY_OPTS_INIT;
    mc_study_said *said = (mc_study_said *)&none;
    size_t n = 9;
    assert_int_equal(mc_study_sensitivity_said(&none, cat, &declared, &said, &n, NULL), 0);
    assert_null(said);
    assert_int_equal(n, 0);
    /* a code the catalogue lacks says itself; a short buffer gets a cut, the whole length */
    mc_study_said bad = {.code = "study.nonesuch", .nargs = 0};
    char out[128];
    assert_int_equal(mc_study_say(&bad, MC_LANG_VI, out, sizeof out), MC_ENOTFOUND);
    assert_string_equal(out, "study.nonesuch");
    mc_study_said big = {.code = "study.sensitivity-coverage", .nargs = 3, .numbers = 2u | 4u};
    strcpy(big.args[0], "people");
    strcpy(big.args[1], "-1234.5");
    strcpy(big.args[2], "1000000");
    assert_int_equal(mc_study_say(&big, MC_LANG_VI, out, 18), 92);
    assert_string_equal(out, "tỷ lệ bao ph"); /* 17 bytes would split 'ủ' */
    assert_int_equal(mc_study_say(&big, MC_LANG_EN, out, sizeof out), 69);
    assert_string_equal(out, "coverage of registry people -1,234.5% (the catalogue says 1,000,000%)");
    assert_int_equal(mc_study_say(&big, MC_LANG_VI, out, sizeof out), 92);
    assert_string_equal(out, "tỷ lệ bao phủ của cơ sở dữ liệu people: -1.234,5% (danh mục ghi "
                             "1.000.000%)");
    mc_catalogue_free(cat);
}

/* Names are at most 64 bytes (the lexer's limit): a conflict between reforms of the longest
 * names fits whole in its message's argument (MC_STUDY_ARGSZ), as every sentence of at most six
 * names does. */
static void test_study__longest_names_fit_in_a_message(void **state)
{
    (void)state;
    char a[65], b[65], buf[2400];
    memset(a, 'a', 64);
    memset(b, 'b', 64);
    a[64] = b[64] = '\0';
    snprintf(buf, sizeof buf,
             "%s"
             "reform %s { procedure beta { time-limit 3wd } }\n"
             "reform %s { procedure beta { time-limit 4wd } }\n",
             text, a, b);
    mc_catalogue *cat;
    char *diags;
    assert_int_equal(tu_load(buf, &cat, &diags), 0);
    free(diags);
    mc_study_opts o = MC_STUDY_OPTS_INIT;
    o.date = mc_date_from_ymd(2026, 1, 15);
    const mc_reform *both[] = {mc_catalogue_reform(cat, a), mc_catalogue_reform(cat, b)};
    o.reforms = both;
    o.nreforms = 2;
    mc_study s;
    assert_int_equal(mc_study_run(&s, cat, NULL, &o, NULL), 0);
    assert_int_equal(s.nconflicts, 1);
    assert_true(strlen(s.conflicts[0]) > 250);
    /* every name whole in the message's arguments, and its English the line */
    assert_string_equal(s.conflicts_said[0].args[0], a);
    assert_string_equal(s.conflicts_said[0].args[1], b);
    char en[600];
    mc_study_say(&s.conflicts_said[0], MC_LANG_EN, en, sizeof en);
    assert_string_equal(en, s.conflicts[0]);
    mc_study_free(&s);
    mc_catalogue_free(cat);
}

/* An interconnected procedure (issue 25): group files once (its own form, its 3 wd, its visit)
 * and its parts are done by the district (reg, 1 wd) and the police (res, 2 wd). reg and res
 * declare no volume: their dossiers are the group's, left out and listed; card, a part that
 * declares a volume of its own, stays. */
static const char parts_text[] =
    "cost-model m { default; hourly-income 10000 VND; hours-per-day 8; visit 2h 10000 VND;"
    " count-waiting true }\n"
    "role clerk\n"
    "agency district { title \"District\" }\nagency police { title \"Police\" }\n"
    "document form\n"
    "lifecycle group { state a { initial; on parts-done -> b by system;"
    " on parts-failed -> c by system }; state b { final; outcome granted };"
    " state c { final; outcome refused } }\n"
    "lifecycle l { state a { initial; on go -> b by clerk }; state b { final; outcome granted } }\n"
    "procedure group { agency district; time-limit 3wd; volume 1000 per year; visits 1;"
    " lifecycle group; requires form { effort 1h }\n"
    "  part birth { procedure reg; title \"Birth\" }\n"
    "  part home { procedure res; after birth }\n"
    "  part card { procedure card; after birth } }\n"
    "procedure reg { agency district; time-limit 1wd; lifecycle l }\n"
    "procedure res { agency police; time-limit 2wd; lifecycle l; requires form { effort 1h } }\n"
    "procedure card { agency police; lifecycle l; volume 10 per year }\n";

static void test_study__interconnected_parts(void **state)
{
    (void)state;
    mc_catalogue *cat;
    char *diags;
    assert_int_equal(tu_load(parts_text, &cat, &diags), 0);
    free(diags);
    mc_study_opts o = MC_STUDY_OPTS_INIT;
    o.date = mc_date_from_ymd(2026, 1, 15);
    mc_study s;
    assert_int_equal(mc_study_run(&s, cat, NULL, &o, NULL), 0);
    /* group and card; reg and res left out, by name */
    assert_int_equal(s.n, 2);
    assert_null(row(&s, "reg"));
    assert_null(row(&s, "res"));
    assert_int_equal(s.nas_parts, 2);
    assert_string_equal(s.as_parts[0], "reg: part birth of group");
    assert_string_equal(s.as_parts[1], "res: part home of group");
    char vi[200];
    assert_true(mc_study_say(&s.as_parts_said[0], MC_LANG_VI, vi, sizeof vi) > 0);
    assert_string_equal(vi, "reg: phần birth của thủ tục liên thông group");
    /* the group's line is the applicant's: 1 h + 2 h visit + 24 h of waiting = 27 h */
    const mc_study_row *g = row(&s, "group");
    assert_int_equal(g->base.cost, 280000);
    assert_int_equal(s.totals.all.base, 280000000 + row(&s, "card")->base.annual);
    /* and it lists its parts: who does what, within which time limit */
    assert_int_equal(g->nparts, 3);
    assert_string_equal(g->parts[0].name, "birth");
    assert_string_equal(g->parts[0].procedure, "reg");
    assert_string_equal(g->parts[0].agency, "district");
    assert_int_equal(g->parts[0].time_limit->amount, MC_FIXED_ONE);
    assert_int_equal(g->parts[0].time_limit->unit, MC_DUR_WD);
    assert_string_equal(g->parts[1].agency, "police");
    assert_int_equal(g->parts[1].time_limit->amount, 2 * MC_FIXED_ONE);
    assert_null(g->parts[2].time_limit); /* card declares none */
    assert_int_equal(row(&s, "card")->nparts, 0);
    mc_study_free(&s);
    /* a filter on a part alone: nothing left, and the error says why */
    const char *only[] = {"reg"};
    o.procedures.items = only;
    o.procedures.n = 1;
    mc_error err;
    assert_int_equal(mc_study_run(&s, cat, NULL, &o, &err), MC_ENOTFOUND);
    assert_string_equal(err.msg, "no procedure is in force on 2026-01-15 and passes the filters "
                                 "(reg: part birth of group: its dossiers are the group's)");
    mc_study_free(&s);
    mc_catalogue_free(cat);
}

static int parts_attempt(void *ud)
{
    const mc_catalogue *cat = ud;
    mc_study_opts o = MC_STUDY_OPTS_INIT;
    o.date = mc_date_from_ymd(2026, 1, 15);
    mc_study s;
    mc_error err;
    int rc = mc_study_run(&s, cat, NULL, &o, &err);
    if (rc == 0) {
        assert_int_equal(s.nas_parts, 2);
        assert_int_equal(row(&s, "group")->nparts, 3);
    } else {
        assert_string_equal(err.msg, "out of memory");
    }
    mc_study_free(&s);
    return rc;
}

static int study_attempt(void *ud)
{
    const mc_catalogue *cat = ud;
    mc_study_opts o = MC_STUDY_OPTS_INIT;
    o.date = mc_date_from_ymd(2026, 1, 15);
    const mc_reform *both[] = {mc_catalogue_reform(cat, "quick"), mc_catalogue_reform(cat, "later")};
    o.reforms = both;
    o.nreforms = 2;
    o.attribute = true;
    o.by = MC_STUDY_BY_SECTOR;
    o.has_income = true;
    o.income = 12000;
    mc_study_coverage cov[] = {{"people", 40 * MC_FIXED_ONE}};
    o.coverage = cov;
    o.ncoverage = 1;
    mc_study s;
    mc_error err;
    int rc = mc_study_run(&s, cat, NULL, &o, &err);
    if (rc == 0) {
        assert_int_equal(s.nchanges, 5);
        assert_int_equal(s.ngroups, 2);
    } else {
        assert_string_equal(err.msg, "out of memory");
    }
    mc_study_free(&s);
    return rc;
}

/* Every allocation of a study with stacked reforms, attribution, subtotals and sensitivity,
 * failing in turn: MC_ENOMEM each time, nothing leaked. */
static void test_study__out_of_memory(void **state)
{
    (void)state;
    mc_catalogue *cat = load();
    assert_true(tu_oom_sweep(study_attempt, cat, false) > 20);
    mc_catalogue_free(cat);
    char *diags;
    assert_int_equal(tu_load(parts_text, &cat, &diags), 0);
    free(diags);
    assert_true(tu_oom_sweep(parts_attempt, cat, false) > 5);
    mc_catalogue_free(cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_study__superseded_left_out_and_totals_split),
        cmocka_unit_test(test_study__filters_and_subtotals),
        cmocka_unit_test(test_study__sensitivity),
        cmocka_unit_test(test_study__stacked_reforms_and_each_change),
        cmocka_unit_test(test_study__sentences_as_messages),
        cmocka_unit_test(test_study__longest_names_fit_in_a_message),
        cmocka_unit_test(test_study__interconnected_parts),
        cmocka_unit_test(test_study__out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
