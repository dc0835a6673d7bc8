/*
 * Simulation (sim.h) and its synthetic applicants (synth.h): values that match patterns,
 * samples, the split of dossiers by volume, same seed same numbers, chance and takes on the
 * calendar, timers, coverage, applicant cost, indicators, and the bounded outcomes of
 * lifecycles that loop or get stuck; out of memory at every allocation.
 */
#include "testutil.h"

#include "motcua/calendar.h"
#include "motcua/cost.h"
#include "motcua/engine.h"
#include "motcua/reform.h"
#include "motcua/sim.h"
#include "base/regex.h"
#include "analysis/synth.h"

#include <math.h>
#include <stdatomic.h>

/* ==== synthetic values =================================================================== */

static void expect_matching(const char *pattern)
{
    mc_regex *re;
    char msg[200];
    size_t off;
    assert_int_equal(mc_regex_compile(&re, pattern, strlen(pattern), true, msg, sizeof msg, &off),
                     0);
    uint64_t rng = 42;
    for (int i = 0; i < 200; i++) {
        char out[128];
        assert_int_equal(mc_synth_matching(pattern, &rng, out, sizeof out), 0);
        if (mc_regex_match(re, out, strlen(out), NULL, NULL, msg, sizeof msg) != 1) {
            fail_msg("'%s' does not match \"%s\"", out, pattern);
        }
    }
    mc_regex_free(re);
}

static void test_synth__values_match_their_patterns(void **state)
{
    (void)state;
    expect_matching("[0-9]{12}");
    expect_matching("[0-9]{2}[A-Z]{1,2}-?(?:[0-9]{4,5}|[0-9]{3}\\.[0-9]{2})");
    expect_matching("(?i)ab(c|d)+e?\\d\\w\\s[^a-z]x*");
    expect_matching("^(one|two|three)-[a-f0-9]{3,}$");
    expect_matching("Ngày [0-9]{1,2}");
}

static void test_synth__unsupported_patterns_say_so(void **state)
{
    (void)state;
    uint64_t rng = 1;
    char out[16];
    assert_int_equal(mc_synth_matching("\\p{L}+", &rng, out, sizeof out), -1);
    assert_int_equal(mc_synth_matching("(a)\\1", &rng, out, sizeof out), -1);
    assert_int_equal(mc_synth_matching("[0-9]{40}", &rng, out, sizeof out), -1); /* too long */
    assert_int_equal(mc_synth_matching("x{5,2}", &rng, out, sizeof out), -1);
}

/* The draws of patterns with every form of quantifier and class are those of the code before
 * classes were read once per atom and {N,M} without sscanf: a digest of the outputs, return
 * codes and streams' ends, computed with that code (src/analysis/synth.c at 207be64). */
static void test_synth__draws_unchanged(void **state)
{
    (void)state;
    static const char *const patterns[] = {
        "[0-9]{12}", "[0-9]{12}|[A-Z0-9]{8,9}",
        "[0-9]{2}[A-Z]{1,2}-?(?:[0-9]{4,5}|[0-9]{3}\\.[0-9]{2})",
        "(?i)[a-c]{2,}x{3,5}\\d{2}\\w{1,}\\s?", "a{ 3}", "a{+2}", "a{3,x}", "a{,3}", "b{3", "c{0}",
        "[^a-z]{4}", "[a\\-z]{2,3}?", "(ab|c){2}d{1,2}+", "x{0012}", "y{1,}z{2,2}", "[]a]{3}",
        "Ngày [0-9]{1,2}", "[a-f0-9]{3,}$", "(x{2}|[q-s]{1,3}){2,3}", "e{999999999}",
        "e{1234567890}",
    };
    uint64_t h = 0;
    for (size_t i = 0; i < sizeof patterns / sizeof *patterns; i++) {
        for (uint64_t seed = 1; seed <= 40; seed++) {
            uint64_t rng = seed;
            char out[64], line[128];
            int rc = mc_synth_matching(patterns[i], &rng, out, sizeof out);
            snprintf(line, sizeof line, "%d:%s:%llu", rc, out, (unsigned long long)rng);
            h = mc_synth_hash(line, h);
            if (i == 4 && seed == 1) {
                assert_string_equal(out, "aaa"); /* sscanf's reading of "{ 3}" is kept */
            }
        }
    }
    assert_int_equal(h, UINT64_C(0x7c0dc54b63c65461));
}

/* Patterns read once (alternatives of classes and literals with plain counts) draw as the walk
 * over the pattern did, also when the text would not fit: a digest computed with the walk only
 * (every pattern walked), over sizes of out around the longest text. */
static void test_synth__simple_patterns_draw_as_walked(void **state)
{
    (void)state;
    static const char *const patterns[] = {
        "[0-9]{12}", "[0-9]{12}|[0-9]{10}", "a|", "|b[xy]", "x.y", "[0-9]{3}$", "^[A-Z]{2,4}z",
        "[]-]{2}", "[0-9]{12}|[A-Z0-9]{8,9}", "q{2,}r", "[^0-9]{5}", "a{0}b", "[a-c]{1000}",
    };
    static const size_t sizes[] = {1, 2, 12, 13, 14, 64};
    uint64_t h = 0;
    for (int pass = 0; pass < 2; pass++) { /* the second reads the patterns kept by the first */
        for (size_t i = 0; i < sizeof patterns / sizeof *patterns; i++) {
            for (size_t z = 0; z < sizeof sizes / sizeof *sizes; z++) {
                for (uint64_t seed = 1; seed <= 10; seed++) {
                    uint64_t rng = seed;
                    char out[64], line[128];
                    int rc = mc_synth_matching(patterns[i], &rng, out, sizes[z]);
                    snprintf(line, sizeof line, "%d:%.*s:%llu", rc, rc == 0 ? 63 : 0, out,
                             (unsigned long long)rng);
                    h = mc_synth_hash(line, h);
                }
            }
        }
    }
    assert_int_equal(h, UINT64_C(0x86b6184153c10cda));
}

static const char fields_text[] =
    "role clerk\n"
    "lifecycle l { state s { initial; on go -> done by clerk } state done { final; outcome granted "
    "} }\n"
    "procedure p { lifecycle l; subject id\n"
    "  field id { type text; required; pattern \"[0-9]{12}\" }\n"
    "  field never { type bool; sample 0% }\n"
    "  field always { type bool; sample 100% }\n"
    "  field kind { type choice; options a b c; sample a 50% b 50% }\n"
    "  field n { type integer; required }\n"
    "  field when { type date; required }\n"
    "  field free { type text } }\n";

static void test_synth__fields_follow_their_samples(void **state)
{
    (void)state;
    mc_catalogue *cat;
    char *diags;
    assert_int_equal(tu_load(fields_text, &cat, &diags), 0);
    free(diags);
    const mc_procedure *p = mc_catalogue_procedure(cat, "p", 0);
    int a = 0, b = 0, c = 0;
    char first[64] = "";
    for (uint64_t key = 0; key < 1000; key++) {
        char out[64];
        assert_int_equal(mc_synth_field(&p->fields[0], true, key, 20000, out, sizeof out),
                         MC_SYNTH_SAMPLED);
        assert_int_equal(strlen(out), 12);
        assert_string_not_equal(out, first); /* each applicant is a different subject */
        if (key == 0) {
            strcpy(first, out);
        }
        assert_int_equal(mc_synth_field(&p->fields[1], false, key, 0, out, sizeof out),
                         MC_SYNTH_SAMPLED);
        assert_string_equal(out, "false");
        mc_synth_field(&p->fields[2], false, key, 0, out, sizeof out);
        assert_string_equal(out, "true");
        mc_synth_field(&p->fields[3], false, key, 0, out, sizeof out);
        a += strcmp(out, "a") == 0;
        b += strcmp(out, "b") == 0;
        c += strcmp(out, "c") == 0;
    }
    assert_int_equal(a + b, 1000);
    assert_int_equal(c, 0);
    assert_in_range(a, 400, 600);
    char out[64];
    assert_int_equal(mc_synth_field(&p->fields[4], false, 7, 0, out, sizeof out), MC_SYNTH_NEUTRAL);
    assert_string_equal(out, "1");
    assert_int_equal(
        mc_synth_field(&p->fields[5], false, 7, mc_date_from_ymd(2026, 3, 4), out, sizeof out),
        MC_SYNTH_NEUTRAL);
    assert_string_equal(out, "2026-03-04");
    assert_int_equal(mc_synth_field(&p->fields[6], false, 7, 0, out, sizeof out), MC_SYNTH_NONE);
    assert_string_equal(out, "");
    mc_catalogue_free(cat);
}

/* ==== runs =============================================================================== */

static const char sim_text[] =
    "calendar vn { default; hours 08:00-12:00 13:00-17:00 }\n"
    "role clerk\nrole head\nrole applicant-helper\n"
    "document notice\ndocument cert\ndocument id-card\ndocument result\n"
    "registry civil { holds cert result; coverage 50% }\n"
    "registry pop { holds id-card }\n"
    "cost-model m { default; hourly-income 40000 VND; hours-per-day 8; visit 4h 30000 VND\n"
    "  count-waiting false }\n"
    "lifecycle straight {\n"
    "  state received { initial; on start -> working by clerk chance 100%; takes 1wd }\n"
    "  state working { on approve -> done by head chance 100%; takes 2wd }\n"
    "  state done { final; outcome granted; issues result to civil } }\n"
    "procedure big { lifecycle straight; time-limit 10wd; volume 2000 per year; visits 1\n"
    "  subject id; field id { type text; required; pattern \"[0-9]{9}\" }\n"
    "  requires notice { effort 1h; cost 10000 VND }\n"
    "  requires cert { effort 2h }\n"
    "  requires id-card { effort 30min } }\n"
    "procedure small { lifecycle straight; time-limit 1wd; volume 1000 per year\n"
    "  subject id; field id { type text; required } }\n"
    "procedure none { lifecycle straight }\n"
    "reform paperless { registry pop { holds notice } }\n"
    "reform nosmall { drop procedure small }\n"
    "reform halfbig { procedure big { volume 1000 per year } }\n";

static mc_catalogue *load(const char *text)
{
    mc_catalogue *cat;
    char *diags;
    int rc = tu_load(text, &cat, &diags);
    if (rc != 0) {
        fail_msg("%s", diags);
    }
    free(diags);
    return cat;
}

static mc_sim_opts opts(const mc_catalogue *cat, int64_t n, uint64_t seed)
{
    mc_sim_opts o = MC_SIM_OPTS_INIT;
    o.dossiers = n;
    o.seed = seed;
    o.from = mc_date_from_ymd(2026, 1, 5); /* a Monday */
    o.model = mc_catalogue_default_cost_model(cat);
    return o;
}

static const mc_sim_stats *proc(const mc_sim_result *r, const char *name)
{
    for (size_t i = 0; i < r->nprocedures; i++) {
        if (strcmp(r->procedures[i].name, name) == 0) {
            return &r->procedures[i];
        }
    }
    fail_msg("no procedure '%s' in the result", name);
    return NULL;
}

static void test_sim__split_by_volume_and_deterministic(void **state)
{
    (void)state;
    mc_catalogue *cat = load(sim_text);
    mc_sim_opts o = opts(cat, 10, 7);
    mc_sim_result a, b;
    assert_int_equal(mc_sim_run(cat, NULL, &o, &a, NULL), 0);
    /* 10 × 2000/3000 = 6.67 and 10 × 1000/3000 = 3.33: the larger remainder gets the 10th */
    assert_int_equal(a.nprocedures, 2);
    assert_int_equal(proc(&a, "big")->dossiers, 7);
    assert_int_equal(proc(&a, "small")->dossiers, 3);
    assert_int_equal(a.total.dossiers, 10);
    assert_non_null(strstr(a.notes, "none: no volume, not simulated"));
    mc_sim_result_free(&a);

    o.dossiers = 3000;
    assert_int_equal(mc_sim_run(cat, NULL, &o, &a, NULL), 0);
    assert_int_equal(mc_sim_run(cat, NULL, &o, &b, NULL), 0);
    assert_memory_equal(&a.total, &b.total, sizeof a.total);
    assert_int_equal(a.indicators.total.fetched, b.indicators.total.fetched);
    mc_sim_result_free(&b);
    o.seed = 8;
    assert_int_equal(mc_sim_run(cat, NULL, &o, &b, NULL), 0);
    assert_int_not_equal(a.total.fetched, b.total.fetched); /* coverage drawn anew */
    mc_sim_result_free(&a);
    mc_sim_result_free(&b);
    mc_catalogue_free(cat);
}

static void test_sim__takes_chance_coverage_and_cost(void **state)
{
    (void)state;
    mc_catalogue *cat = load(sim_text);
    mc_sim_opts o = opts(cat, 3000, 1);
    mc_sim_result r;
    assert_int_equal(mc_sim_run(cat, NULL, &o, &r, NULL), 0);
    const mc_sim_stats *big = proc(&r, "big");
    assert_int_equal(big->dossiers, 2000);
    assert_int_equal(big->granted, 2000);
    assert_int_equal(big->unfinished, 0);
    /* received → working after 1wd, → done after 2wd more: 3 working days, a quarter-day
     * bin at most above (arrivals outside office hours start at the next opening) */
    assert_true(big->lead_wd / (double)big->lead_n >= 2.99);
    assert_true(big->lead_wd / (double)big->lead_n <= 3.01);
    assert_true(mc_sim_percentile(big, 0.5) >= 3.0 && mc_sim_percentile(big, 0.5) <= 3.25);
    assert_int_equal(big->on_time, 2000); /* 3 wd against a limit of 10 */
    /* small: the clock starts on entering `working`, and a limit of 1wd runs to the end of the
     * next working day. Dossiers that arrive in office hours enter `working` in office hours
     * and finish 2 wd later, after that; those that arrive outside them (about three in four:
     * nights and week-ends) enter it at closing time and finish exactly on the due instant. */
    const mc_sim_stats *small = proc(&r, "small");
    assert_int_equal(small->on_time + small->late, 1000);
    assert_in_range(small->late, 200, 350);
    /* notice has no registry: always asked; id-card: pop has no coverage, always fetched;
     * cert: civil covers half of the subjects */
    assert_in_range(big->fetched, 2000 + 800, 2000 + 1200);
    assert_int_equal(big->asked + big->fetched, 3 * 2000);
    /* cost: 1h (notice) + 2h when cert is asked + 4h visit, at 40,000; + 10,000 + 30,000 */
    int64_t asked_cert = big->asked - 2000;
    assert_int_equal(big->cost, 2000 * (5 * 40000 + 40000) + asked_cert * 2 * 40000);
    assert_int_equal(big->hours, (2000 * 5 + asked_cert * 2) * MC_FIXED_ONE);
    /* indicators: every dossier received and resolved, its result issued */
    assert_int_equal(r.indicators.total.received, 3000);
    assert_int_equal(r.indicators.total.resolved, 3000);
    assert_int_equal(r.indicators.total.results, 3000);
    assert_int_equal(r.indicators.total.late, small->late);
    assert_int_equal(r.indicators.total.fetched, r.total.fetched);
    /* the indicators' processing time is the lead times the simulator counted (every dossier
     * resolved), handed over rather than counted again */
    assert_true(fabs((double)r.indicators.total.processing / MC_FIXED_ONE - r.total.lead_wd) < 1e-6);
    mc_sim_result_free(&r);
    mc_catalogue_free(cat);
}

/* A reform meets the same applicants: what a registry now holds is fetched, not asked. */
static void test_sim__reform_side_by_side(void **state)
{
    (void)state;
    mc_catalogue *cat = load(sim_text), *reformed;
    assert_int_equal(mc_reform_apply(cat, mc_catalogue_reform(cat, "paperless"), &reformed, NULL),
                     0);
    mc_sim_opts o = opts(cat, 3000, 1);
    mc_sim_result base, ref;
    assert_int_equal(mc_sim_run(cat, NULL, &o, &base, NULL), 0);
    assert_int_equal(mc_sim_run(reformed, NULL, &o, &ref, NULL), 0);
    const mc_sim_stats *b = proc(&base, "big"), *r = proc(&ref, "big");
    assert_int_equal(r->asked, b->asked - 2000);
    assert_int_equal(r->fetched, b->fetched + 2000);
    assert_int_equal(b->cost - r->cost, 2000 * (40000 + 10000));
    mc_sim_result_free(&base);
    mc_sim_result_free(&ref);
    mc_catalogue_free(reformed);
    mc_catalogue_free(cat);
}

/* A reform that abolishes a procedure keeps the baseline's split: the other procedures meet the
 * same applicants, and the abolished one's are counted as such. */
static void test_sim__abolished_keeps_the_split(void **state)
{
    (void)state;
    mc_catalogue *cat = load(sim_text), *reformed;
    assert_int_equal(mc_reform_apply(cat, mc_catalogue_reform(cat, "nosmall"), &reformed, NULL), 0);
    mc_sim_opts o = opts(cat, 3000, 1);
    mc_sim_result base, ref;
    assert_int_equal(mc_sim_run(cat, NULL, &o, &base, NULL), 0);
    o.split_by = cat;
    assert_int_equal(mc_sim_run(reformed, NULL, &o, &ref, NULL), 0);
    assert_int_equal(ref.total.dossiers, 3000);
    assert_int_equal(proc(&ref, "small")->abolished, 1000);
    assert_int_equal(proc(&ref, "small")->cost, 0);
    assert_memory_equal(proc(&base, "big"), proc(&ref, "big"), sizeof(mc_sim_stats));
    assert_int_equal(ref.indicators.total.received, 2000);
    mc_sim_result_free(&ref);
    /* without the baseline's split, the 3000 dossiers all go to big */
    o.split_by = NULL;
    assert_int_equal(mc_sim_run(reformed, NULL, &o, &ref, NULL), 0);
    assert_int_equal(proc(&ref, "big")->dossiers, 3000);
    mc_sim_result_free(&base);
    mc_sim_result_free(&ref);
    mc_catalogue_free(reformed);
    mc_catalogue_free(cat);
}

/* A three-hour working day and a five-hour cost-model day: a working hour of waiting is 1/3 wd,
 * i.e. 5/3 h = 100 min, which no binary fraction holds. */
static const char third_text[] =
    "calendar short { default; hours 08:00-11:00 }\n"
    "role clerk\ndocument form\ndocument proof\n"
    "cost-model m { default; hourly-income 30 VND; hours-per-day 5; visit 1h 1000 VND\n"
    "  count-waiting true }\n"
    "lifecycle hour {\n"
    "  state a { initial; on go -> end by clerk chance 100%; takes 1wh }\n"
    "  state end { final; outcome granted } }\n"
    "lifecycle day {\n"
    "  state a { initial; on go -> end by clerk chance 100%; takes 1wd }\n"
    "  state end { final; outcome granted } }\n"
    "procedure waiting { lifecycle hour; volume 10 per year }\n"
    "procedure half { lifecycle hour; volume 10 per year; requires form { effort 1min } }\n"
    "procedure fixed { lifecycle day; time-limit 1wd; volume 10 per year; visits 1\n"
    "  fee 5000 VND\n"
    "  requires form { effort 1min; cost 7 VND }\n"
    "  requires proof { effort 2h } }\n";

/* The applicant's cost is §8.1's formula, summed exactly and rounded once: a third of a working
 * day of waiting is 100 minutes, not the 99.999999 that a binary fraction truncated to. */
static void test_sim__cost_rounds_once_exactly(void **state)
{
    (void)state;
    mc_catalogue *cat = load(third_text);
    mc_sim_opts o = opts(cat, 30, 1);
    mc_sim_result r;
    assert_int_equal(mc_sim_run(cat, NULL, &o, &r, NULL), 0);
    const mc_sim_stats *w = proc(&r, "waiting"), *h = proc(&r, "half");
    /* 101 min: 101 × 30 / 60 = 50.5 dong, rounded half up to 51; 1.683333 h */
    assert_int_equal(h->lead_n, 10);
    assert_int_equal(h->cost, 10 * 51);
    assert_int_equal(h->hours, 10 * 1683333);
    /* 100 min: 100 × 30 / 60 = 50 dong; 5/3 h, rounded (not truncated) to 1.666667 h */
    assert_int_equal(w->lead_n, 10);
    assert_int_equal(w->cost, 10 * 50);
    assert_int_equal(w->hours, 10 * 1666667);
    mc_sim_result_free(&r);
    mc_catalogue_free(cat);
}

/* `motcua cost` and `motcua simulate` use the one formula: for a procedure whose every document
 * is asked and whose lead time is its time limit, the cost of its dossier is the simulated mean. */
static void test_sim__cost_agrees_with_simulation(void **state)
{
    (void)state;
    mc_catalogue *cat = load(third_text);
    mc_sim_opts o = opts(cat, 30, 1);
    mc_sim_result r;
    assert_int_equal(mc_sim_run(cat, NULL, &o, &r, NULL), 0);
    mc_cost_line *l;
    size_t n;
    assert_int_equal(mc_cost_compute(cat, NULL, o.model, o.from, &l, &n, NULL), 0);
    assert_string_equal(l[0].procedure, "fixed");
    /* 1 wd × 5 h + 1 h visit + 2 h + 1 min = 481 min × 30 / 60 = 240.5 → 241; + 5,000 fee
     * + 7 + 1,000 for the visit */
    assert_int_equal(l[0].cost, 6248);
    assert_int_equal(l[0].hours, 8016667);
    const mc_sim_stats *f = proc(&r, "fixed");
    assert_int_equal(f->dossiers, 10);
    assert_int_equal(f->lead_n, 10);
    mc_sim_figures fig = mc_sim_figures_of(f);
    assert_true(fig.cost == (double)l[0].cost);
    assert_int_equal(f->hours, 10 * l[0].hours);
    mc_free(l);
    mc_sim_result_free(&r);
    mc_catalogue_free(cat);
}

/* Parties (issue 16): the spouse's record is looked up under the spouse's identifier, which a
 * share of dossiers does not give; the registry's coverage applies to those that do. */
static const char parties_text[] =
    "role clerk\ndocument death\n"
    "cost-model m { default; hourly-income 30 VND; hours-per-day 8; visit 0min 0 VND }\n"
    "registry sampled { holds death; coverage 50% }\n"
    "lifecycle l { state a { initial; on go -> end by clerk chance 100% }\n"
    "  state end { final; outcome granted } }\n"
    "procedure widow { lifecycle l; volume 10 per year; subject id\n"
    "  field id { type text; required; pattern \"[0-9]{12}\" }\n"
    "  field spouse-id { type text; pattern \"[0-9]{12}\" }\n"
    "  field widowed { type bool; sample 100% }\n"
    "  party spouse { field spouse-id; sample 60% }\n"
    "  requires death of spouse when widowed { effort 10h } }\n";

/* The share of dossiers in which the spouse's record is fetched is the same in the engine-driven
 * simulation and in cost: 60% name the spouse × 50% coverage = 30%, within the sampling error
 * (the old code fetched under the applicant's identifier in cost, 50%, and never in the
 * simulator, which left the optional field empty). */
static void test_sim__parties_cost_agrees_with_simulation(void **state)
{
    (void)state;
    mc_catalogue *cat = load(parties_text);
    mc_sim_opts o = opts(cat, 20000, 3);
    mc_sim_result r;
    assert_int_equal(mc_sim_run(cat, NULL, &o, &r, NULL), 0);
    mc_cost_line *l;
    size_t n;
    assert_int_equal(mc_cost_compute(cat, NULL, o.model, o.from, &l, &n, NULL), 0);
    /* asked in 70% of dossiers, 10 h each */
    assert_int_equal(l[0].hours, 7 * MC_FIXED_ONE);
    double cost_fetched = 1.0 - (double)l[0].hours / (10.0 * MC_FIXED_ONE);
    mc_sim_figures fig = mc_sim_figures_of(proc(&r, "widow"));
    /* three standard errors of a share of 0.3 over 20,000 dossiers: 0.0097 */
    if (fig.fetched < cost_fetched - 0.0097 || fig.fetched > cost_fetched + 0.0097) {
        fail_msg("fetched: simulation %.4f, cost %.4f", fig.fetched, cost_fetched);
    }
    assert_true(fig.asked + fig.fetched == 1.0);
    mc_free(l);
    mc_sim_result_free(&r);
    mc_catalogue_free(cat);
}

/* With shares of 0 and 100%, engine and cost agree exactly: a party named in every dossier
 * (no sample) of a registry without coverage is always fetched, one never named never. */
static void test_sim__parties_exact_shares(void **state)
{
    (void)state;
    static const char text[] =
        "role clerk\ndocument death\n"
        "cost-model m { default; hourly-income 30 VND; hours-per-day 8; visit 0min 0 VND }\n"
        "registry whole { holds death }\n"
        "lifecycle l { state a { initial; on go -> end by clerk chance 100% }\n"
        "  state end { final; outcome granted } }\n"
        "procedure always { lifecycle l; volume 10 per year; subject id\n"
        "  field id { type text; required }\n"
        "  field spouse-id { type text }\n"
        "  party spouse { field spouse-id }\n"
        "  requires death of spouse { effort 10h } }\n"
        "procedure never { lifecycle l; volume 10 per year; subject id\n"
        "  field id { type text; required }\n"
        "  field spouse-id { type text }\n"
        "  party spouse { field spouse-id; sample 0% }\n"
        "  requires death of spouse { effort 10h } }\n";
    mc_catalogue *cat = load(text);
    mc_sim_opts o = opts(cat, 200, 5);
    mc_sim_result r;
    assert_int_equal(mc_sim_run(cat, NULL, &o, &r, NULL), 0);
    mc_cost_line *l;
    size_t n;
    assert_int_equal(mc_cost_compute(cat, NULL, o.model, o.from, &l, &n, NULL), 0);
    assert_string_equal(l[0].procedure, "always");
    assert_int_equal(l[0].hours, 0);
    assert_string_equal(l[1].procedure, "never");
    assert_int_equal(l[1].hours, 10 * MC_FIXED_ONE);
    mc_sim_figures a = mc_sim_figures_of(proc(&r, "always")),
                   z = mc_sim_figures_of(proc(&r, "never"));
    assert_true(a.fetched == 1.0 && a.asked == 0.0);
    assert_true(z.fetched == 0.0 && z.asked == 1.0);
    mc_free(l);
    mc_sim_result_free(&r);
    mc_catalogue_free(cat);
}

static const char loops_text[] =
    "role clerk\n"
    "lifecycle l {\n"
    "  state a { initial; on there -> b by clerk }\n"
    "  state b { on back -> a by clerk }\n"
    "  state end { final; outcome granted } }\n"
    "lifecycle stuck {\n"
    "  state a { initial; on go -> end by clerk when ready }\n"
    "  state end { final; outcome granted } }\n"
    "lifecycle waits {\n"
    "  state a { initial; on go -> end by clerk chance 100%; takes 40d; after 30d -> gone }\n"
    "  state end { final; outcome granted }\n"
    "  state gone { final; outcome withdrawn } }\n"
    "lifecycle coin {\n"
    "  state a { initial; on go -> end by clerk; takes 1d; after 5d -> gone chance 30% }\n"
    "  state end { final; outcome granted }\n"
    "  state gone { final; outcome withdrawn } }\n"
    "procedure cycle { lifecycle l; volume 10 per year }\n"
    "procedure blocked { lifecycle stuck; volume 10 per year; field ready { type bool } }\n"
    "procedure timer { lifecycle waits; volume 10 per year }\n"
    "procedure maybe { lifecycle coin; volume 10 per year }\n"
    "lifecycle greedy {\n"
    "  state a { initial; on go -> end by clerk chance 80%; on stop -> end by clerk chance 70% }\n"
    "  state end { final; outcome granted } }\n"
    "procedure over { lifecycle greedy; volume 10 per year }\n";

/* Loops and dead ends end in a bounded, reported outcome; timers win when they come first. */
static void test_sim__loops_dead_ends_and_timers(void **state)
{
    (void)state;
    mc_catalogue *cat = load(loops_text);
    mc_sim_opts o = opts(cat, 5000, 3);
    o.max_steps = 50;
    mc_sim_result r;
    assert_int_equal(mc_sim_run(cat, NULL, &o, &r, NULL), 0);
    assert_int_equal(proc(&r, "cycle")->unfinished, 1000);
    assert_non_null(strstr(r.notes, "cycle: some dossiers did not reach a final state within 50 "
                                    "transitions"));
    assert_int_equal(proc(&r, "blocked")->unfinished, 1000);
    assert_non_null(strstr(r.notes, "blocked: dossiers get stuck in state 'a'"));
    assert_int_equal(proc(&r, "timer")->withdrawn, 1000); /* 30 days come before 40 */
    const mc_sim_stats *m = proc(&r, "maybe");
    assert_int_equal(m->granted + m->withdrawn, 1000);
    assert_in_range(m->withdrawn, 220, 380);
    assert_int_equal(r.indicators.total.in_progress, 2000);
    /* chances over 100%: drawn in proportion, and said */
    assert_int_equal(proc(&r, "over")->granted, 1000);
    assert_non_null(strstr(r.notes, "state 'a': the chances of the transitions allowed add up to "
                                    "more than 100%; drawn in proportion"));
    /* no cost model: said */
    assert_non_null(strstr(r.notes, "the catalogue has no default cost-model"));
    mc_sim_result_free(&r);
    mc_catalogue_free(cat);
}

static void test_sim__nothing_to_simulate(void **state)
{
    (void)state;
    mc_catalogue *cat = load("role clerk\n"
                             "lifecycle l { state a { initial; on go -> b by clerk }\n"
                             "  state b { final; outcome granted } }\n"
                             "procedure p { lifecycle l }\n");
    mc_sim_opts o = opts(cat, 10, 1);
    mc_sim_result r;
    mc_error err;
    assert_int_equal(mc_sim_run(cat, NULL, &o, &r, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "no procedure declares a volume: nothing to simulate");
    o.dossiers = 0;
    assert_int_equal(mc_sim_run(cat, NULL, &o, &r, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "no dossier to simulate (give --dossiers N, N > 0)");
    assert_null(r.procedures);
    mc_catalogue_free(cat);
}

/* A required field whose pattern the generator cannot satisfy: the engine refuses those
 * applicants, and the run says so. */
static void test_sim__refused_applicants_are_counted(void **state)
{
    (void)state;
    mc_catalogue *cat =
        load("role clerk\n"
             "lifecycle l { state a { initial; on go -> b by clerk }\n"
             "  state b { final; outcome granted } }\n"
             "procedure p { lifecycle l; volume 5 per year\n"
             "  field code { type text; required; pattern \"\\\\p{Lu}[0-9]\" } }\n");
    mc_sim_opts o = opts(cat, 20, 1);
    o.year = true;
    mc_sim_result r;
    assert_int_equal(mc_sim_run(cat, NULL, &o, &r, NULL), 0);
    assert_int_equal(r.total.dossiers, 5);
    assert_int_equal(r.total.refused_at_submission, 5);
    assert_non_null(strstr(r.notes, "p: a synthetic applicant was refused at submission: field "
                                    "'code': 'synthetic' does not match its pattern"));
    mc_sim_result_free(&r);
    mc_catalogue_free(cat);
}

/* Notes say which figures are assumed, and end with a marker when they do not all fit. */
static void test_sim__notes_assumed_and_bounded(void **state)
{
    (void)state;
    size_t cap = 64 * 1024, len = 0;
    char *text = malloc(cap);
    len += (size_t)snprintf(text + len, cap - len,
                            "role clerk\nlifecycle l { state a { initial; on go -> b by clerk }\n"
                            "  state b { final; outcome granted } }\n");
    for (int i = 0; i < 120; i++) {
        len += (size_t)snprintf(text + len, cap - len,
                                "procedure p%03d { lifecycle l; volume 10 per year%s\n"
                                "  field some-long-field-name-%03d { type text; required } }\n",
                                i, i < 3 ? "; assumed volume" : "", i);
    }
    mc_catalogue *cat = load(text);
    free(text);
    mc_sim_opts o = opts(cat, 240, 1);
    mc_sim_result r;
    assert_int_equal(mc_sim_run(cat, NULL, &o, &r, NULL), 0);
    assert_non_null(strstr(r.notes, "3 of the 120 procedures declare figures that are "
                                    "assumptions, not statistics"));
    assert_true(strlen(r.notes) < sizeof r.notes);
    const char *last = strrchr(r.notes, '\n');
    assert_non_null(last);
    assert_string_equal(last + 1, "(more notes left out)");
    /* each procedure's notes made in a shard of its own, on three threads: the same notes */
    mc_sim_result r3;
    o.jobs = 3;
    assert_int_equal(mc_sim_run(cat, NULL, &o, &r3, NULL), 0);
    assert_string_equal(r3.notes, r.notes);
    mc_sim_result_free(&r3);
    mc_sim_result_free(&r);
    mc_catalogue_free(cat);
}

/* A pattern of 70 alternatives: every one is drawn, alone (no cap at 64 that would glue the
 * last ones together, '|' and all). */
static void test_synth__any_number_of_alternatives(void **state)
{
    (void)state;
    char pattern[70 * 4 + 1] = "";
    for (int i = 0; i < 70; i++) {
        snprintf(pattern + strlen(pattern), sizeof pattern - strlen(pattern), "%sa%02d",
                 i ? "|" : "", i);
    }
    bool seen[70] = {false};
    uint64_t rng = 42;
    for (int i = 0; i < 5000; i++) {
        char out[300];
        assert_int_equal(mc_synth_matching(pattern, &rng, out, sizeof out), 0);
        assert_int_equal(strlen(out), 3);
        seen[(out[1] - '0') * 10 + (out[2] - '0')] = true;
    }
    for (int i = 0; i < 70; i++) {
        if (!seen[i]) {
            fail_msg("alternative a%02d never drawn", i);
        }
    }
}

/* A procedure with nfields required fields, whose initial state has ntransitions transitions:
 * all to a refusal but the last, to a grant with all the chance. */
static mc_catalogue *wide(int nfields, int ntransitions)
{
    size_t cap = 16 * 1024, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    len += (size_t)snprintf(text + len, cap - len, "role clerk\nlifecycle l { state a { initial\n");
    for (int i = 0; i + 1 < ntransitions; i++) {
        len += (size_t)snprintf(text + len, cap - len, "    on e%02d -> no by clerk\n", i);
    }
    len += (size_t)snprintf(text + len, cap - len,
                            "    on yes -> done by clerk chance 100%% }\n"
                            "  state no { final; outcome refused }\n"
                            "  state done { final; outcome granted } }\n"
                            "procedure p { lifecycle l; volume 10 per year\n");
    for (int i = 0; i < nfields; i++) {
        len += (size_t)snprintf(text + len, cap - len,
                                "  field f%02d { type text; required; pattern \"v%02d\" }\n", i, i);
    }
    snprintf(text + len, cap - len, "}\n");
    mc_catalogue *cat = load(text);
    free(text);
    return cat;
}

/* Simulates 10 dossiers of cat and expects them all granted. */
static void expect_all_granted(mc_catalogue *cat)
{
    mc_sim_opts o = opts(cat, 10, 1);
    mc_sim_result r;
    assert_int_equal(mc_sim_run(cat, NULL, &o, &r, NULL), 0);
    assert_int_equal(r.total.dossiers, 10);
    assert_int_equal(r.total.refused_at_submission, 0);
    assert_int_equal(r.total.granted, 10);
    mc_sim_result_free(&r);
    mc_catalogue_free(cat);
}

/* 70 required fields: every applicant gets them all (no cap at 64 that refuses them all). */
static void test_sim__no_cap_on_fields(void **state)
{
    (void)state;
    expect_all_granted(wide(70, 1));
}

/* 70 transitions, the 70th with all the chance: it is drawn (no cap at 64 that leaves it out
 * and shares the chance among the first 64). */
static void test_sim__no_cap_on_transitions(void **state)
{
    (void)state;
    expect_all_granted(wide(1, 70));
}

/* The figures a row shows, from the sums of a run: per dossier, percentiles, shares. */
static void test_sim__figures_of_a_row(void **state)
{
    (void)state;
    mc_sim_stats x;
    memset(&x, 0, sizeof x);
    x.dossiers = 4;
    x.granted = 2;
    x.refused = 1;
    x.unfinished = 1;
    x.asked = 6;
    x.fetched = 2;
    x.visits = 4;
    x.hours = 10 * MC_FIXED_ONE;
    x.cost = 100001;
    x.on_time = 2;
    x.late = 1;
    x.lead_n = 3;
    x.lead_wd = 7.5;
    x.hist[1 * MC_SIM_BINS_PER_WD] = 1;     /* 1 wd */
    x.hist_wd[1 * MC_SIM_BINS_PER_WD] = 1;
    x.hist[2 * MC_SIM_BINS_PER_WD + 1] = 1; /* 2.3 wd */
    x.hist_wd[2 * MC_SIM_BINS_PER_WD + 1] = 2.3;
    x.hist[MC_SIM_BINS] = 1; /* 60 wd and more */
    x.hist_wd[MC_SIM_BINS] = 70;
    mc_sim_figures f = mc_sim_figures_of(&x);
    assert_int_equal(f.dossiers, 4);
    assert_int_equal(f.finished, 3);
    assert_int_equal(f.unfinished, 1);
    assert_true(f.asked == 1.5 && f.fetched == 0.5 && f.visits == 1 && f.hours == 2.5);
    assert_true(f.cost == 25000.25);
    assert_true(f.lead_mean == 2.5);
    assert_true(f.p50 == 2.3); /* the value of its bin [2.25, 2.5), not the bin's bound */
    assert_true(f.p90 == MC_SIM_PAST);
    assert_true(f.on_time > 66.66 && f.on_time < 66.67);

    double shares[3];
    mc_sim_lead_shares(&x, shares, 3); /* 0, 1, 2 and more working days */
    assert_true(shares[0] == 0);
    assert_true(shares[1] > 33.33 && shares[1] < 33.34);
    assert_true(shares[2] > 66.66 && shares[2] < 66.67);

    double pct;
    assert_true(mc_sim_change(200, 150, &pct) && pct == -25);
    assert_false(mc_sim_change(0, 150, &pct));
    assert_false(mc_sim_change(200, MC_SIM_NONE, &pct));
    double pts;
    assert_true(mc_sim_change_points(96.12, 94.68, &pts) && pts > -1.4401 && pts < -1.4399);
    assert_false(mc_sim_change_points(MC_SIM_NONE, 94.68, &pts));
    assert_false(mc_sim_change_points(96.12, MC_SIM_NONE, &pts));

    /* who gains: the mean change per applicant, to the hundredth, half away from zero */
    mc_sim_gain g = {.dossiers = 8, .change = -1001}; /* -125.125 */
    assert_true(mc_sim_gain_mean(&g) == -125.13);
    g = (mc_sim_gain){.dossiers = 3, .change = 1000}; /* 333.333… */
    assert_true(mc_sim_gain_mean(&g) == 333.33);
    g = (mc_sim_gain){.dossiers = 8, .change = 1001};
    assert_true(mc_sim_gain_mean(&g) == 125.13);
    g = (mc_sim_gain){.dossiers = 0, .change = 5};
    assert_true(mc_sim_gain_mean(&g) == 0);

    /* the parts of an interconnected procedure: the late share of those started */
    mc_sim_parts_row pr = {.started = 8, .late = 3};
    assert_true(mc_sim_parts_late_pct(&pr) == 37.5);
    pr = (mc_sim_parts_row){.started = 0, .late = 0};
    assert_true(mc_sim_parts_late_pct(&pr) == 0);

    memset(&x, 0, sizeof x);
    f = mc_sim_figures_of(&x); /* nothing: no division by zero, figures of none */
    assert_true(f.asked == 0 && f.cost == 0);
    assert_true(f.lead_mean == MC_SIM_NONE && f.p50 == MC_SIM_NONE && f.p90 == MC_SIM_NONE);
    assert_true(f.on_time == MC_SIM_NONE);
    mc_sim_lead_shares(&x, shares, 3);
    assert_true(shares[0] == 0 && shares[1] == 0 && shares[2] == 0);
}

/* A year of each procedure's volume: the first version's, procedures without one left out. */
static void test_sim__year_dossiers(void **state)
{
    (void)state;
    mc_catalogue *cat = load(sim_text);
    assert_int_equal(mc_sim_year_dossiers(cat), 3000);
    mc_catalogue_free(cat);
}


/* ==== a year, the state's side, who gains (issue 22) ===================================== */

/* A reform's `volume` line is honoured: the same applicants cost the same per dossier, and the
 * year of big halves with its volume (simulate used to say +0.00% where cost saved half). */
static void test_sim__reform_volume_is_honoured(void **state)
{
    (void)state;
    mc_catalogue *cat = load(sim_text), *reformed;
    assert_int_equal(mc_reform_apply(cat, mc_catalogue_reform(cat, "halfbig"), &reformed, NULL), 0);
    mc_sim_opts o = opts(cat, 3000, 1);
    mc_sim_result base, ref;
    assert_int_equal(mc_sim_pair(cat, reformed, NULL, &o, &base, &ref, NULL), 0);
    const mc_sim_stats *b = proc(&base, "big"), *r = proc(&ref, "big");
    assert_int_equal(b->dossiers, 2000);
    assert_int_equal(r->dossiers, 2000);
    assert_int_equal(r->cost, b->cost);
    assert_int_equal(b->volume, 2000);
    assert_int_equal(r->volume, 1000);
    assert_int_equal(b->annual, b->cost); /* 2000 dossiers of a volume of 2000 */
    assert_int_equal(r->annual * 2, b->annual);
    assert_int_equal(ref.total.annual, base.total.annual - b->annual / 2);
    assert_int_equal(base.total.volume, 3000);
    assert_int_equal(ref.total.volume, 2000);
    /* the same applicants: nobody's cost changes */
    assert_int_equal(ref.gains[MC_SIM_ALL].dossiers, 3000);
    assert_int_equal(ref.gains[MC_SIM_ALL].change, 0);
    assert_int_equal(ref.gains[MC_SIM_ALL].rises + ref.gains[MC_SIM_ALL].falls, 0);
    /* the pair is the two runs: the same figures as each alone */
    mc_sim_result alone;
    o.split_by = cat;
    assert_int_equal(mc_sim_run(reformed, NULL, &o, &alone, NULL), 0);
    assert_memory_equal(&alone.total, &ref.total, sizeof alone.total);
    assert_false(alone.paired);
    assert_true(ref.paired);
    mc_sim_result_free(&alone);
    mc_sim_result_free(&base);
    mc_sim_result_free(&ref);
    mc_catalogue_free(reformed);
    mc_catalogue_free(cat);
}

/* Shares, coverage and waiting: the cost of a dossier varies, and the time limit is not the lead
 * time. */
static const char legal_text[] =
    "calendar vn { default; hours 08:00-12:00 13:00-17:00 }\n"
    "role clerk\ndocument form\ndocument cert\ndocument proof\n"
    "registry civil { holds cert; coverage 60% }\n"
    "cost-model m { default; hourly-income 40000 VND; hours-per-day 8; visit 2h 20000 VND\n"
    "  count-waiting true }\n"
    "lifecycle l {\n"
    "  state a { initial; on go -> end by clerk chance 100%; takes 0.5wd 3wd }\n"
    "  state end { final; outcome granted } }\n"
    "procedure one { lifecycle l; time-limit 5wd; volume 70000 per year; visits 1; fee 15000 VND\n"
    "  subject id; field id { type text; required; pattern \"[0-9]{12}\" }\n"
    "  field married { type bool; sample 30% }\n"
    "  requires form { effort 1h }\n"
    "  requires cert when married { effort 3h; cost 25000 VND }\n"
    "  requires proof when not married { effort 30min } }\n"
    "procedure two { lifecycle l; time-limit 2wd; volume 30000 per year; fee 5000 VND\n"
    "  subject id; field id { type text; required }\n"
    "  requires cert { effort 2h } }\n";

/* The legal method on the simulated dossiers (the time limit as waiting) agrees with `motcua
 * cost`'s annual total to within sampling error; the actual lead times give another figure. */
static void test_sim__legal_method_agrees_with_cost(void **state)
{
    (void)state;
    mc_catalogue *cat = load(legal_text);
    mc_sim_opts o = opts(cat, 20000, 1);
    mc_sim_result r;
    assert_int_equal(mc_sim_run(cat, NULL, &o, &r, NULL), 0);
    mc_cost_line *l;
    size_t n;
    assert_int_equal(mc_cost_compute(cat, NULL, o.model, o.from, &l, &n, NULL), 0);
    int64_t cost_total = 0, revenue = 0;
    for (size_t i = 0; i < n; i++) {
        cost_total += l[i].annual;
        revenue += l[i].fee * l[i].volume;
    }
    double gap = (double)(r.total.legal_annual - cost_total) / (double)cost_total;
    /* the cost of a dossier varies by some 120,000 around 800,000: three standard errors of
     * the mean of 14,000 and 6,000 dossiers are well under 1% */
    if (gap < -0.01 || gap > 0.01) {
        fail_msg("legal method %lld, cost %lld: %.3f%%", (long long)r.total.legal_annual,
                 (long long)cost_total, 100 * gap);
    }
    /* fees are fixed: the revenue is exact; the own lead times (1.75 wd on average, against 5
     * and 2) give a lower annual cost */
    assert_int_equal(r.total.revenue, revenue);
    assert_int_equal(r.total.revenue, 70000 * 15000 + 30000 * 5000);
    assert_true(r.total.annual < r.total.legal_annual);
    mc_free(l);
    mc_sim_result_free(&r);

    /* with every share 0 or 100%, a year of dossiers gives cost's total exactly */
    mc_catalogue *third = load(third_text);
    o = opts(third, 30, 1);
    assert_int_equal(mc_sim_run(third, NULL, &o, &r, NULL), 0);
    assert_int_equal(mc_cost_compute(third, NULL, o.model, o.from, &l, &n, NULL), 0);
    assert_string_equal(l[0].procedure, "fixed");
    assert_int_equal(proc(&r, "fixed")->legal_annual, l[0].annual);
    assert_int_equal(proc(&r, "fixed")->revenue, 10 * 5000);
    mc_free(l);
    mc_sim_result_free(&r);
    mc_catalogue_free(third);
    mc_catalogue_free(cat);
}

/* Officer time by hand: 1 wd for the clerk, then 4 wh that clerk and head share, then a day the
 * applicant takes (no one's staff time): 1.25 + 0.25 staff-days a dossier, × 100 a year. */
static void test_sim__staff_days_by_role(void **state)
{
    (void)state;
    mc_catalogue *cat =
        load("calendar c { default; hours 08:00-12:00 13:00-17:00 }\n"
             "role clerk\nrole head\nrole idle\n"
             "lifecycle l {\n"
             "  state a { initial; on go -> b by clerk chance 100%; takes 1wd }\n"
             "  state b { on sign -> w by clerk head chance 100%; takes 4wh }\n"
             "  state w { on supply -> end by applicant chance 100%; takes 1wd }\n"
             "  state end { final; outcome granted } }\n"
             "procedure p { lifecycle l; volume 100 per year }\n");
    mc_sim_opts o = opts(cat, 10, 1);
    mc_sim_result r;
    assert_int_equal(mc_sim_run(cat, NULL, &o, &r, NULL), 0);
    assert_int_equal(r.nroles, 3);
    assert_string_equal(r.roles[0]->name, "clerk");
    assert_string_equal(r.roles[1]->name, "head");
    assert_string_equal(r.roles[2]->name, "idle");
    assert_true(fabs(r.total.staff_wd - 10 * 1.5) < 1e-9);
    assert_true(fabs(r.staff_days[0] - 125) < 1e-9);
    assert_true(fabs(r.staff_days[1] - 25) < 1e-9);
    assert_true(r.staff_days[2] == 0);
    assert_true(fabs(r.total.staff_days - 150) < 1e-9);
    mc_sim_figures f = mc_sim_figures_of(&r.total);
    assert_true(fabs(f.staff_days - 150) < 1e-9);
    /* the lead time counts the applicant's day too: 2.5 wd */
    assert_true(fabs(f.lead_mean - 2.5) < 1e-9);
    mc_sim_result_free(&r);
    mc_catalogue_free(cat);
}

/* Who gains, who loses: a reform that raises the fee of the procedure businesses file raises the
 * cost of exactly its dossiers, and of no citizen's. */
static const char groups_text[] =
    "role clerk\ndocument form\n"
    "registry civil { holds form; coverage 50% }\n"
    "cost-model m { default; hourly-income 40000 VND; hours-per-day 8; visit 0min 0 VND\n"
    "  count-waiting false }\n"
    "lifecycle l { state a { initial; on go -> end by clerk chance 100%; takes 1wd }\n"
    "  state end { final; outcome granted } }\n"
    "procedure firm { lifecycle l; volume 300 per year; online full; fee 0 VND\n"
    "  subject code; field code { type text; required; pattern \"[0-9]{10}(-[0-9]{3})?\" } }\n"
    "procedure person { lifecycle l; volume 700 per year\n"
    "  subject id; field id { type text; required; pattern \"[0-9]{12}\" }\n"
    "  requires form { effort 1h } }\n"
    "reform dearer { procedure firm { fee 50000 VND } }\n"
    "reform papers { procedure person { visits 0 } }\n";

static void test_sim__gains_by_group(void **state)
{
    (void)state;
    assert_int_equal(mc_sim_subject_group("012345678901"), MC_SIM_CITIZEN);
    assert_int_equal(mc_sim_subject_group("0123456789"), MC_SIM_BUSINESS);
    assert_int_equal(mc_sim_subject_group("0123456789012"), MC_SIM_BUSINESS);
    assert_int_equal(mc_sim_subject_group("0123456789-001"), MC_SIM_BUSINESS);
    assert_int_equal(mc_sim_subject_group("01234-56789"), MC_SIM_CITIZEN);
    assert_int_equal(mc_sim_subject_group("synthetic"), MC_SIM_CITIZEN);
    assert_string_equal(mc_sim_group_names[MC_SIM_MISSED], "missed by a registry");

    mc_catalogue *cat = load(groups_text), *reformed;
    assert_int_equal(mc_reform_apply(cat, mc_catalogue_reform(cat, "dearer"), &reformed, NULL), 0);
    mc_sim_opts o = opts(cat, 1000, 4);
    mc_sim_result base, ref;
    assert_int_equal(mc_sim_pair(cat, reformed, NULL, &o, &base, &ref, NULL), 0);
    const mc_sim_gain *g = ref.gains;
    assert_int_equal(g[MC_SIM_ALL].dossiers, 1000);
    assert_int_equal(g[MC_SIM_BUSINESS].dossiers, 300);
    assert_int_equal(g[MC_SIM_BUSINESS].rises, 300);
    assert_int_equal(g[MC_SIM_BUSINESS].change, 300 * 50000);
    assert_int_equal(g[MC_SIM_CITIZEN].dossiers, 700);
    assert_int_equal(g[MC_SIM_CITIZEN].rises + g[MC_SIM_CITIZEN].falls, 0);
    assert_int_equal(g[MC_SIM_ONLINE].rises, 300);
    assert_int_equal(g[MC_SIM_COUNTER].dossiers, 700);
    assert_int_equal(g[MC_SIM_ALL].rises, 300);
    /* the registry covers half of the citizens: those it missed brought the form */
    assert_int_equal(g[MC_SIM_MISSED].dossiers, proc(&ref, "person")->asked);
    assert_in_range(g[MC_SIM_MISSED].dossiers, 300, 400);
    assert_int_equal(g[MC_SIM_FOUND].dossiers + g[MC_SIM_MISSED].dossiers, 1000);
    assert_int_equal(ref.total.revenue - base.total.revenue, 300 * 50000);
    assert_false(base.paired);
    mc_sim_result_free(&base);
    mc_sim_result_free(&ref);
    mc_catalogue_free(reformed);
    mc_catalogue_free(cat);
}

/* --runs: K runs' figures as a mean and a 95% interval (Student's t), which contains the exact
 * figure and narrows as K grows. */
static void test_sim__runs_intervals(void **state)
{
    (void)state;
    double x[5] = {1, 2, 3, 4, 5}, mean, half;
    mc_sim_interval(x, 5, &mean, &half);
    assert_true(mean == 3);
    /* sd √2.5, t(4) 2.776: 2.776 × 1.5811 / √5 */
    assert_true(fabs(half - 2.776 * sqrt(2.5) / sqrt(5)) < 1e-12);
    mc_sim_interval(x, 1, &mean, &half);
    assert_true(mean == 1 && half == 0);
    assert_true(mc_sim_t975(1) == 12.706);
    assert_true(mc_sim_t975(30) == 2.042);
    assert_true(fabs(mc_sim_t975(40) - 2.021) < 1e-9);
    assert_true(fabs(mc_sim_t975(99) - 1.984) < 1e-3);
    assert_true(mc_sim_t975(99) > 1.96 && mc_sim_t975(99) < mc_sim_t975(60));

    mc_catalogue *cat = load(legal_text);
    mc_cost_line *l;
    size_t n;
    mc_sim_opts o = opts(cat, 400, 1);
    assert_int_equal(mc_cost_compute(cat, NULL, o.model, o.from, &l, &n, NULL), 0);
    double exact = (double)(l[0].annual + l[1].annual);
    double runs[20], half5 = 0, half20 = 0;
    for (size_t k = 0; k < 20; k++) {
        mc_sim_result r;
        o.seed = 1 + k;
        assert_int_equal(mc_sim_run(cat, NULL, &o, &r, NULL), 0);
        runs[k] = (double)r.total.legal_annual;
        mc_sim_result_free(&r);
        if (k + 1 == 5) {
            mc_sim_interval(runs, 5, &mean, &half5);
            assert_true(half5 > 0);
            assert_true(mean - half5 <= exact && exact <= mean + half5);
        }
    }
    mc_sim_interval(runs, 20, &mean, &half20);
    assert_true(mean - half20 <= exact && exact <= mean + half20);
    assert_true(half20 < half5);
    mc_free(l);
    mc_catalogue_free(cat);
}

/* One definition of a working-day lead time: dossiers that each spend one working day of office
 * hours give 1.00 as the mean, the median, the 90th percentile and the indicators' mean,
 * whenever they arrive (at night, on a week-end). */
static void test_sim__one_working_day_is_one(void **state)
{
    (void)state;
    mc_catalogue *cat =
        load("calendar c { default; hours 08:00-12:00 13:00-17:00 }\n"
             "role clerk\n"
             "lifecycle l { state a { initial; on go -> end by clerk chance 100%; takes 1wd }\n"
             "  state end { final; outcome granted } }\n"
             "procedure p { lifecycle l; time-limit 2wd; volume 10 per year }\n");
    const mc_calendar *cal = mc_catalogue_default_calendar(cat);
    /* Friday 16:00 → Monday 16:00; Saturday → Monday's closing; a lunch hour is no office time */
    int64_t fri = mc_calendar_to_utc(cal, (mc_localtime)mc_date_from_ymd(2026, 1, 9) * 86400);
    assert_int_equal(mc_report_lead_wd(cal, fri + 16 * 3600, fri + 3 * 86400 + 16 * 3600),
                     MC_FIXED_ONE);
    assert_int_equal(mc_report_lead_wd(cal, fri + 86400 + 10 * 3600, fri + 3 * 86400 + 17 * 3600),
                     MC_FIXED_ONE);
    assert_int_equal(mc_report_lead_wd(cal, fri + 11 * 3600, fri + 14 * 3600), MC_FIXED_ONE / 4);
    assert_int_equal(mc_report_lead_wd(cal, fri, fri), 0);
    assert_int_equal(mc_report_day_seconds(cal), 8 * 3600);

    mc_sim_opts o = opts(cat, 2000, 1);
    mc_sim_result r;
    assert_int_equal(mc_sim_run(cat, NULL, &o, &r, NULL), 0);
    mc_sim_figures f = mc_sim_figures_of(&r.total);
    assert_int_equal(f.finished, 2000);
    assert_true(fabs(f.lead_mean - 1.0) < 1e-9);
    assert_true(fabs(f.p50 - 1.0) < 1e-9);
    assert_true(fabs(f.p90 - 1.0) < 1e-9);
    mc_indicator_ratios q = mc_report_ratios(&r.indicators.total);
    assert_int_equal(q.mean_wd, 100);
    mc_sim_result_free(&r);
    mc_catalogue_free(cat);
}

static bool only_small(void *ud, const mc_procedure *p)
{
    (void)ud;
    return strcmp(p->name, "small") == 0;
}

/* Filters: the dossiers go to the procedures selected; a superseded procedure is not simulated. */
static void test_sim__filters_and_superseded(void **state)
{
    (void)state;
    mc_catalogue *cat = load(sim_text);
    mc_sim_opts o = opts(cat, 300, 1);
    o.selects = only_small;
    mc_sim_result r;
    assert_int_equal(mc_sim_run(cat, NULL, &o, &r, NULL), 0);
    assert_int_equal(r.nprocedures, 1);
    assert_string_equal(r.procedures[0].name, "small");
    assert_int_equal(r.total.dossiers, 300);
    assert_int_equal(r.total.volume, 1000);
    mc_sim_result_free(&r);
    /* big says it supersedes small (as the `supersedes` directive sets it) */
    mc_procedure *big = (mc_procedure *)mc_catalogue_procedure(cat, "big", o.from);
    big->supersedes = "small";
    o.selects = NULL;
    assert_int_equal(mc_sim_run(cat, NULL, &o, &r, NULL), 0);
    assert_int_equal(r.nprocedures, 1);
    assert_string_equal(r.procedures[0].name, "big");
    assert_non_null(strstr(r.notes, "1 procedure superseded by another in force not simulated "
                                    "(small by big)"));
    mc_sim_result_free(&r);
    big->supersedes = NULL;
    /* too few dossiers for every procedure: the volume left out of the year is said */
    o.dossiers = 1;
    assert_int_equal(mc_sim_run(cat, NULL, &o, &r, NULL), 0);
    assert_non_null(strstr(r.notes, "1 procedure with 1000 dossiers a year (33.33% of the volume) "
                                    "got no simulated dossier: not in the annual totals"));
    mc_sim_result_free(&r);
    mc_catalogue_free(cat);
}

/* ==== threads (--jobs) ==================================================================== */

/* Rules in guards and fees, ranges of takes, timers, chances, coverage, a field with no sample and
 * a state whose chances add up past 100% (notes), and a procedure of more dossiers than a shard
 * holds. */
static const char jobs_text[] =
    "calendar vn { default; hours 08:00-12:00 13:00-17:00 }\n"
    "role clerk\nrole head\n"
    "document notice\ndocument cert\n"
    "registry civil { holds cert; coverage 60% }\n"
    "cost-model m { default; hourly-income 40000 VND; hours-per-day 8; visit 4h 30000 VND\n"
    "  count-waiting false }\n"
    "lifecycle l {\n"
    "  state received { initial; on start -> working by clerk chance 90%\n"
    "    on drop -> gone by applicant; takes 1wh 24wh; after 20d -> gone chance 2% }\n"
    "  state working { on approve -> done by head when rule g.ok; on refuse -> no by head chance "
    "30%\n"
    "    takes 2wh 16wh }\n"
    "  state done { final; outcome granted }\n"
    "  state no { final; outcome refused }\n"
    "  state gone { final; outcome withdrawn } }\n"
    "lifecycle greedy {\n"
    "  state a { initial; on go -> end by clerk chance 80%; on stop -> end by head chance 70%\n"
    "    takes 1h 30h }\n"
    "  state end { final; outcome granted } }\n"
    "procedure big { lifecycle l; time-limit 3wd; volume 9000 per year; fee rule g.fee; visits 1\n"
    "  subject id; field id { type text; required; pattern \"[0-9]{12}\" }\n"
    "  field urgent { type bool; sample 30% }\n"
    "  field remark { type text; required }\n"
    "  requires notice { effort 1h }\n"
    "  requires cert { effort 2h } }\n"
    "procedure small { lifecycle l; time-limit 5wd; volume 700 per year; online full\n"
    "  subject id; field id { type text; required; pattern \"[0-9]{10}\" } }\n"
    "procedure odd { lifecycle greedy; volume 300 per year }\n"
    "reform paperless { registry civil { holds notice } }\n";

static const char jobs_lua[] =
    "function ok(d) return not d.fields.urgent or d.fields.id:sub(-1) ~= '7' end\n"
    "function fee(d) if d.fields.urgent then return 50000 end return 10000 end\n";

static mc_rules *jobs_rules(void)
{
    mc_rules *r;
    assert_int_equal(mc_rules_new(&r, NULL, NULL), 0);
    assert_int_equal(
        mc_rules_load_buffer(r, "g", "rules/g.lua", jobs_lua, sizeof jobs_lua - 1, NULL, NULL), 0);
    return r;
}

/* A rule that fails is counted apart from a guard that says no (issue 24): a fee rule that
 * raises at submission, a guard that raises when asked; a guard that answers false is not a
 * failure. `simulate` stops on the count unless --keep-going (tests/cli.sh). */
static void test_sim__rule_failures_are_counted(void **state)
{
    (void)state;
    static const char lua[] =
        "function fee(d) if d.fields.bad then error('boom') end return 1000 end\n"
        "function guard(d) if d.fields.odd then error('bang') end return true end\n"
        "function no(d) return false end\n";
    mc_rules *r;
    assert_int_equal(mc_rules_new(&r, NULL, NULL), 0);
    assert_int_equal(mc_rules_load_buffer(r, "g", "rules/g.lua", lua, sizeof lua - 1, NULL, NULL),
                     0);
    mc_catalogue *cat =
        load("role clerk\n"
             "lifecycle l { state a { initial; on go -> b by clerk when rule g.guard\n"
             "    on stop -> c by clerk when rule g.no; takes 1wh }\n"
             "  state b { final; outcome granted } state c { final; outcome refused } }\n"
             "procedure p { lifecycle l; volume 100 per year; fee rule g.fee\n"
             "  field bad { type bool; sample 10% } field odd { type bool; sample 20% } }\n"
             "procedure q { lifecycle l; volume 100 per year; fee rule g.fee }\n");
    mc_sim_opts o = opts(cat, 1000, 1);
    mc_sim_result res;
    assert_int_equal(mc_sim_run(cat, r, &o, &res, NULL), 0);
    const mc_sim_stats *p = NULL, *q = NULL;
    for (size_t i = 0; i < res.nprocedures; i++) {
        p = strcmp(res.procedures[i].name, "p") == 0 ? &res.procedures[i] : p;
        q = strcmp(res.procedures[i].name, "q") == 0 ? &res.procedures[i] : q;
    }
    assert_non_null(p);
    assert_non_null(q);
    /* p: every refused submission is a fee rule's failure; the others that reach the guard
     * with odd set fail there */
    assert_true(p->refused_at_submission > 0);
    assert_true(p->rule_failures > p->refused_at_submission);
    /* q: the fee rule runs, the guards raise nothing and g.no's false is no failure */
    assert_int_equal(q->rule_failures, 0);
    assert_int_equal(res.total.rule_failures, p->rule_failures);
    assert_non_null(strstr(res.notes, "rules/g.lua:1: boom"));
    assert_non_null(strstr(res.notes, "rules/g.lua:2: bang"));
    mc_sim_result_free(&res);
    mc_catalogue_free(cat);
    mc_rules_free(r);
}

/* mc_sim_opts.open_rules: the rules loaded anew, or an error from call number fail_at on; the
 * calls counted across threads. */
typedef struct rules_opener {
    atomic_int calls;
    int fail_at; /* -1: never */
} rules_opener;

static int open_jobs_rules(void *ud, mc_rules **out, mc_error *err)
{
    rules_opener *x = ud;
    if (atomic_fetch_add(&x->calls, 1) >= x->fail_at && x->fail_at >= 0) {
        return mc_error_set(err, MC_EIO, "rules/g.lua: cannot be read");
    }
    int rc = mc_rules_new(out, NULL, err);
    if (rc == 0) {
        rc = mc_rules_load_buffer(*out, "g", "rules/g.lua", jobs_lua, sizeof jobs_lua - 1, NULL,
                                  err);
    }
    return rc;
}

static void expect_same_indicators(const mc_report *a, const mc_report *b)
{
    assert_memory_equal(&a->total.received, &b->total.received,
                        sizeof a->total - offsetof(mc_indicators, received));
    assert_int_equal(a->nprocedures, b->nprocedures);
    assert_int_equal(a->nagencies, b->nagencies);
    for (size_t i = 0; i < a->nprocedures; i++) {
        assert_string_equal(a->procedures[i].name, b->procedures[i].name);
        assert_memory_equal(&a->procedures[i].received, &b->procedures[i].received,
                            sizeof a->total - offsetof(mc_indicators, received));
    }
    for (size_t i = 0; i < a->nagencies; i++) {
        assert_string_equal(a->agencies[i].name, b->agencies[i].name);
        assert_memory_equal(&a->agencies[i].received, &b->agencies[i].received,
                            sizeof a->total - offsetof(mc_indicators, received));
    }
}

/* Two results the same to the bit: every count and sum (doubles too), the year, the staff-days by
 * role, the gains, the notes, the indicators. */
static void expect_same_result(const mc_sim_result *a, const mc_sim_result *b)
{
    assert_int_equal(a->nprocedures, b->nprocedures);
    for (size_t i = 0; i < a->nprocedures; i++) {
        assert_string_equal(a->procedures[i].name, b->procedures[i].name);
        assert_memory_equal(&a->procedures[i].dossiers, &b->procedures[i].dossiers,
                            sizeof a->total - offsetof(mc_sim_stats, dossiers));
    }
    assert_memory_equal(&a->total.dossiers, &b->total.dossiers,
                        sizeof a->total - offsetof(mc_sim_stats, dossiers));
    assert_int_equal(a->nroles, b->nroles);
    assert_memory_equal(a->staff_days, b->staff_days, a->nroles * sizeof *a->staff_days);
    assert_int_equal(a->paired, b->paired);
    assert_memory_equal(a->gains, b->gains, sizeof a->gains);
    assert_string_equal(a->notes, b->notes);
    expect_same_indicators(&a->indicators, &b->indicators);
}

/* The same result whatever the threads: shards fixed by the plans, added up in their order. */
static void test_sim__jobs_same_result(void **state)
{
    (void)state;
    mc_catalogue *cat = load(jobs_text), *reformed;
    assert_int_equal(
        mc_reform_apply(cat, mc_catalogue_reform(cat, "paperless"), &reformed, NULL), 0);
    mc_rules *rules = jobs_rules();
    rules_opener opener = {.fail_at = -1};
    atomic_init(&opener.calls, 0);
    /* 75,000 dossiers: big gets 67,500, more than one shard */
    mc_sim_opts o = opts(cat, 75000, 3);
    o.open_rules = open_jobs_rules;
    o.rules_ud = &opener;
    mc_sim_result b1, r1, b, r;
    assert_int_equal(mc_sim_pair(cat, reformed, rules, &o, &b1, &r1, NULL), 0);
    assert_true(proc(&b1, "big")->dossiers > MC_SIM_SHARD);
    assert_int_equal(proc(&b1, "big")->dossiers + proc(&b1, "small")->dossiers +
                         proc(&b1, "odd")->dossiers,
                     75000);
    /* what the threads must agree on is there to disagree on */
    assert_true(proc(&b1, "big")->refused > 0 && proc(&b1, "big")->withdrawn > 0);
    assert_true(b1.total.fees > 0 && b1.total.staff_wd > 0 && r1.gains[MC_SIM_ALL].falls > 0);
    assert_non_null(strstr(b1.notes, "big: field 'remark' has no sample"));
    assert_non_null(strstr(b1.notes, "state 'a': the chances of the transitions allowed add up"));
    int jobs[] = {2, 3, 7};
    for (size_t i = 0; i < sizeof jobs / sizeof jobs[0]; i++) {
        o.jobs = jobs[i];
        assert_int_equal(mc_sim_pair(cat, reformed, rules, &o, &b, &r, NULL), 0);
        expect_same_result(&b1, &b);
        expect_same_result(&r1, &r);
        mc_sim_result_free(&b);
        mc_sim_result_free(&r);
    }
    /* each thread but the caller's opened rules of its own: 1 + 2 + 3 (four shards, four
     * threads at most) */
    assert_int_equal(atomic_load(&opener.calls), 6);
    /* one side; and rules without open_rules: one thread, the same result */
    o.jobs = 3;
    mc_sim_result one, alone;
    assert_int_equal(mc_sim_run(cat, rules, &o, &one, NULL), 0);
    expect_same_result(&b1, &one);
    o.open_rules = NULL;
    assert_int_equal(mc_sim_run(cat, rules, &o, &alone, NULL), 0);
    expect_same_result(&one, &alone);
    mc_sim_result_free(&one);
    mc_sim_result_free(&alone);
    mc_sim_result_free(&b1);
    mc_sim_result_free(&r1);
    mc_rules_free(rules);
    mc_catalogue_free(reformed);
    mc_catalogue_free(cat);
}

/* A thread whose rules cannot be opened fails the run with its error, and nothing is left. */
static void test_sim__jobs_failing_worker(void **state)
{
    (void)state;
    mc_catalogue *cat = load(jobs_text), *reformed;
    assert_int_equal(
        mc_reform_apply(cat, mc_catalogue_reform(cat, "paperless"), &reformed, NULL), 0);
    mc_rules *rules = jobs_rules();
    for (int fail_at = 0; fail_at < 2; fail_at++) {
        rules_opener opener = {.fail_at = fail_at};
        atomic_init(&opener.calls, 0);
        mc_sim_opts o = opts(cat, 3000, 1);
        o.jobs = 3;
        o.open_rules = open_jobs_rules;
        o.rules_ud = &opener;
        mc_sim_result b, r;
        mc_error err;
        mc_error_clear(&err);
        assert_int_equal(mc_sim_pair(cat, reformed, rules, &o, &b, &r, &err), MC_EIO);
        assert_string_equal(err.msg, "rules/g.lua: cannot be read");
        assert_null(b.procedures);
        assert_null(r.procedures);
        mc_error_clear(&err);
        assert_int_equal(mc_sim_run(cat, rules, &o, &b, &err), MC_EIO);
        assert_string_equal(err.msg, "rules/g.lua: cannot be read");
        assert_null(b.procedures);
    }
    mc_rules_free(rules);
    mc_catalogue_free(reformed);
    mc_catalogue_free(cat);
}

/* An allocator that fails every allocation from number fail_at on, in any thread. */
typedef struct failing_from {
    atomic_long count;
    long fail_at;
} failing_from;

static void *fail_from_realloc(void *ud, void *ptr, size_t size)
{
    failing_from *f = ud;
    if (size == 0) {
        free(ptr);
        return NULL;
    }
    if (atomic_fetch_add(&f->count, 1) >= f->fail_at) {
        return NULL;
    }
    return realloc(ptr, size);
}

/* Out of memory in any thread: MC_ENOMEM and nothing left (the address sanitizer's leak check
 * sees the rest), or a whole result. */
static void test_sim__jobs_out_of_memory(void **state)
{
    (void)state;
    mc_catalogue *cat = load("role clerk\n"
                             "lifecycle l { state a { initial; on go -> b by clerk; takes 1wh 24wh }\n"
                             "  state b { final; outcome granted } }\n"
                             "procedure p1 { lifecycle l; volume 10 per year }\n"
                             "procedure p2 { lifecycle l; volume 10 per year }\n"
                             "procedure p3 { lifecycle l; volume 10 per year }\n"
                             "procedure p4 { lifecycle l; volume 10 per year }\n"
                             "reform r { drop procedure p2 }\n"),
                *reformed;
    assert_int_equal(mc_reform_apply(cat, mc_catalogue_reform(cat, "r"), &reformed, NULL), 0);
    mc_sim_opts o = opts(cat, 40, 1);
    o.jobs = 3;
    mc_sim_result b0, r0;
    assert_int_equal(mc_sim_pair(cat, reformed, NULL, &o, &b0, &r0, NULL), 0);
    long failed = 0;
    for (long at = 0;; at += at < 400 ? 1 : 7) {
        failing_from f = {.fail_at = at};
        atomic_init(&f.count, 0);
        mc_sim_result b, r;
        mc_alloc_set(fail_from_realloc, &f);
        int rc = mc_sim_pair(cat, reformed, NULL, &o, &b, &r, NULL);
        mc_alloc_set(NULL, NULL);
        if (rc == 0) {
            expect_same_result(&b0, &b);
            expect_same_result(&r0, &r);
            mc_sim_result_free(&b);
            mc_sim_result_free(&r);
            if (atomic_load(&f.count) <= at) {
                break; /* no allocation failed */
            }
            continue;
        }
        assert_int_equal(rc, MC_ENOMEM);
        assert_null(b.procedures);
        assert_null(r.procedures);
        failed++;
    }
    assert_true(failed > 20); /* the sweep reached the allocations of every side and thread */
    mc_sim_result_free(&b0);
    mc_sim_result_free(&r0);
    mc_catalogue_free(reformed);
    mc_catalogue_free(cat);
}

typedef struct oom_ctx {
    mc_catalogue *cat, *reformed;
} oom_ctx;

static int oom_attempt(void *ud)
{
    oom_ctx *c = ud;
    mc_sim_opts o = opts(c->cat, 6, 1);
    mc_sim_result r;
    int rc = mc_sim_run(c->cat, NULL, &o, &r, NULL);
    if (rc == 0) {
        assert_int_equal(r.total.dossiers, 6);
        mc_sim_result_free(&r);
    }
    return rc;
}

/* The pair: both results whole, or MC_ENOMEM and nothing left to free. */
static int oom_pair(void *ud)
{
    oom_ctx *c = ud;
    mc_sim_opts o = opts(c->cat, 6, 1);
    mc_sim_result b, r;
    int rc = mc_sim_pair(c->cat, c->reformed, NULL, &o, &b, &r, NULL);
    if (rc == 0) {
        assert_int_equal(r.total.dossiers, 6);
        assert_int_equal(r.gains[MC_SIM_ALL].dossiers, 6);
        mc_sim_result_free(&b);
        mc_sim_result_free(&r);
    } else {
        assert_null(b.procedures);
        assert_null(r.procedures);
    }
    return rc;
}

static void test_sim__out_of_memory(void **state)
{
    (void)state;
    oom_ctx c = {load(sim_text), NULL};
    assert_true(tu_oom_sweep(oom_attempt, &c, false) > 10);
    assert_int_equal(mc_reform_apply(c.cat, mc_catalogue_reform(c.cat, "nosmall"), &c.reformed,
                                     NULL),
                     0);
    assert_true(tu_oom_sweep(oom_pair, &c, false) > 20);
    mc_catalogue_free(c.reformed);
    mc_catalogue_free(c.cat);
}

/* ==== the model's additions (issue 23): channels, held documents asked, apologies ========== */

static const char channels_text[] =
    "role clerk\n"
    "lifecycle l { state a { initial; on go -> end by clerk chance 100%; takes 1wd 3wd }\n"
    "  state end { final; outcome granted } }\n"
    "procedure p { lifecycle l; volume 1000 per year; visits 2\n"
    "  subject id; field id { type text; required; pattern \"[0-9]{12}\" } }\n"
    "reform mix { procedure p { channels online 30% counter 50% post 20% } }\n"
    "reform all-post { procedure p { channels post 100% } }\n";

/* `channels`: each dossier's channel drawn with the shares (the indicators' online count, the
 * gains' groups, one visit fewer online and by post), the other draws left where they were. */
static void test_sim__channels_drawn_with_their_shares(void **state)
{
    (void)state;
    mc_catalogue *cat = load(channels_text), *mix, *post;
    assert_int_equal(mc_reform_apply(cat, mc_catalogue_reform(cat, "mix"), &mix, NULL), 0);
    assert_int_equal(mc_reform_apply(cat, mc_catalogue_reform(cat, "all-post"), &post, NULL), 0);
    mc_sim_opts o = opts(cat, 1000, 3);
    mc_sim_result base, ref;
    assert_int_equal(mc_sim_pair(cat, mix, NULL, &o, &base, &ref, NULL), 0);
    /* without channels: every dossier at the counter, two visits */
    assert_int_equal(base.indicators.total.online, 0);
    assert_int_equal(base.total.visits, 2000);
    /* with: about 30% online, 20% by post, each one visit fewer */
    int64_t online = ref.indicators.total.online;
    assert_in_range(online, 240, 360);
    int64_t fewer = 2000 - ref.total.visits;
    assert_in_range(fewer - online, 150, 250); /* the dossiers by post */
    /* the gains' groups follow the baseline's channel (the counter) */
    assert_int_equal(ref.gains[MC_SIM_COUNTER].dossiers, 1000);
    /* the takes are drawn as before: the same lead times */
    assert_true(base.total.lead_wd == ref.total.lead_wd);
    assert_memory_equal(base.total.hist, ref.total.hist, sizeof base.total.hist);
    mc_sim_result_free(&base);
    mc_sim_result_free(&ref);
    /* every dossier by post: none online, one visit each */
    assert_int_equal(mc_sim_pair(cat, post, NULL, &o, &base, &ref, NULL), 0);
    assert_int_equal(ref.indicators.total.online, 0);
    assert_int_equal(ref.total.visits, 1000);
    mc_sim_result_free(&base);
    mc_sim_result_free(&ref);
    mc_catalogue_free(post);
    mc_catalogue_free(mix);
    mc_catalogue_free(cat);
}

static const char held_text[] =
    "role clerk\ndocument birth-cert\ndocument photo\n"
    "registry civil { holds birth-cert; coverage 100% }\n"
    "lifecycle l { state a { initial; on request-supplement -> a by clerk chance 0%\n"
    "    on go -> end by clerk chance 100%; takes 1wd }\n"
    "  state end { final; outcome granted } }\n"
    "procedure p { lifecycle l; volume 1000 per year; asks-held 40%\n"
    "  subject id; field id { type text; required; pattern \"[0-9]{12}\" }\n"
    "  requires birth-cert; requires photo }\n"
    "procedure nothing-held { lifecycle l; volume 1000 per year; asks-held 40%\n"
    "  subject id; field id { type text; required; pattern \"[0-9]{12}\" }\n"
    "  requires photo }\n"
    "reform trained { procedure p { asks-held 0% } }\n";

static int held_lookup(void *ud, const char *registry, const char *document, const char *subject,
                       char *ref, size_t refsz)
{
    (void)ud, (void)registry, (void)document, (void)subject;
    snprintf(ref, refsz, "R-1");
    return 1;
}

/* `asks-held`: in that share of the dossiers with a fetched document, an officer asks for it;
 * the engine refuses (once-only.held), and the refusals are counted in the figures and the
 * indicators; a dossier with nothing fetched is never asked, and the dossier goes on as before. */
static void test_sim__held_documents_asked_and_refused(void **state)
{
    (void)state;
    mc_catalogue *cat = load(held_text), *trained;
    /* what the simulator does, by hand: the engine refuses the request, once-only */
    mc_engine *e;
    mc_live *d;
    assert_int_equal(mc_engine_open_volatile(&e, cat, NULL, held_lookup, NULL, NULL), 0);
    assert_int_equal(mc_live_new(&d), 0);
    mc_kv id = {"id", "012345678901"};
    mc_submit sub = {.procedure = "p", .fields = &id, .nfields = 1, .now = 1780000000};
    mc_result res;
    assert_int_equal(mc_live_submit(e, d, &sub, &res, NULL), 0);
    assert_int_equal(mc_live_req_status(d, 0), MC_REQ_FETCHED);
    const char *doc = "birth-cert";
    mc_fire f = MC_FIRE_INIT;
    f.event = "request-supplement";
    f.role = "clerk";
    f.payload.documents = &doc;
    f.payload.ndocuments = 1;
    f.now = 1780000100;
    assert_int_equal(mc_live_fire(e, d, &f, &res, NULL), MC_EREFUSED);
    assert_string_equal(res.code, "once-only.held");
    mc_live_free(d);
    mc_engine_close(e);

    assert_int_equal(mc_reform_apply(cat, mc_catalogue_reform(cat, "trained"), &trained, NULL), 0);
    mc_sim_opts o = opts(cat, 2000, 5);
    mc_sim_result base, ref;
    assert_int_equal(mc_sim_pair(cat, trained, NULL, &o, &base, &ref, NULL), 0);
    const mc_sim_stats *p = proc(&base, "p");
    assert_in_range(p->held_asks, 320, 480);
    assert_int_equal(proc(&base, "nothing-held")->held_asks, 0);
    assert_int_equal(base.total.held_asks, p->held_asks);
    assert_int_equal(base.indicators.total.blocked, p->held_asks);
    assert_null(strstr(base.notes, "held document"));
    /* refused, the request changes nothing: every dossier goes on, as without it */
    assert_int_equal(p->granted, 1000);
    assert_int_equal(proc(&ref, "p")->held_asks, 0);
    assert_int_equal(ref.indicators.total.blocked, 0);
    assert_true(proc(&ref, "p")->lead_wd == p->lead_wd);
    mc_sim_result_free(&base);
    mc_sim_result_free(&ref);
    mc_catalogue_free(trained);
    mc_catalogue_free(cat);
}

static const char apology_text[] =
    "calendar c { default; hours 08:00-12:00 13:00-17:00 }\n"
    "role clerk\nrole head\n"
    "lifecycle l { apology by head clerk\n"
    "  state a { initial; on receive -> b by clerk chance 100% }\n"
    "  state b { on go -> end by clerk chance 100%; takes 1wd 4wd }\n"
    "  state end { final; outcome granted } }\n"
    "lifecycle silent {\n"
    "  state a { initial; on receive -> b by clerk chance 100% }\n"
    "  state b { on go -> end by clerk chance 100%; takes 1wd 4wd }\n"
    "  state end { final; outcome granted } }\n"
    "procedure p { lifecycle l; volume 1000 per year; time-limit 2wd }\n"
    "procedure q { lifecycle silent; volume 1000 per year; time-limit 2wd }\n";

/* Apologies: a dossier whose work ends after its due instant gets its one apology, from the
 * first role the lifecycle names, at the start of that work (timely: well before the due);
 * none for those on time, none where the lifecycle names no one. */
static void test_sim__late_dossiers_apologize(void **state)
{
    (void)state;
    mc_catalogue *cat = load(apology_text);
    mc_sim_opts o = opts(cat, 2000, 2);
    mc_sim_result r;
    assert_int_equal(mc_sim_run(cat, NULL, &o, &r, NULL), 0);
    const mc_indicators *p = NULL, *q = NULL;
    for (size_t i = 0; i < r.indicators.nprocedures; i++) {
        if (strcmp(r.indicators.procedures[i].name, "p") == 0) {
            p = &r.indicators.procedures[i];
        } else if (strcmp(r.indicators.procedures[i].name, "q") == 0) {
            q = &r.indicators.procedures[i];
        }
    }
    assert_non_null(p);
    assert_non_null(q);
    assert_in_range(p->late, 300, 700);
    assert_int_equal(p->apologies, p->late);
    assert_int_equal(p->apologies_timely, p->late);
    assert_int_equal(q->apologies, 0);
    assert_in_range(q->late, 300, 700);
    assert_null(strstr(r.notes, "apology"));
    mc_sim_result_free(&r);
    mc_catalogue_free(cat);
}

/* ==== officers and queues (issue 23) ===================================================== */

/* A desk whose clerk's work is an hour a dossier, deterministic; the clock runs from reception.
 * STAFF is the agency's staff line (or nothing), VOLUME the dossiers a year. */
static mc_catalogue *desk(const char *staff, int volume)
{
    char text[1400];
    snprintf(
        text, sizeof text,
        "calendar c { default; hours 08:00-12:00 13:00-17:00 }\n"
        "role clerk\nrole head\n"
        "agency desk { title \"Desk\"; %s }\n"
        "agency other { title \"Other\"; staff head 1 }\n"
        "lifecycle l {\n"
        "  state a { initial; on receive -> b by clerk chance 100%% }\n"
        "  state b { on go -> end by clerk chance 100%%; takes 1wh }\n"
        "  state end { final; outcome granted } }\n"
        "lifecycle signed {\n"
        "  state a { initial; on receive -> b by head chance 100%% }\n"
        "  state b { on sign -> end by head chance 100%%; takes 0.1wh 0.3wh }\n"
        "  state end { final; outcome granted } }\n"
        "procedure p { agency desk; lifecycle l; volume %d per year; time-limit 4wh; visits 1 }\n"
        "procedure q { agency other; lifecycle signed; volume 500 per year; time-limit 1wd }\n"
        "reform more { staff desk clerk 3 }\n",
        staff, volume);
    return load(text);
}

static const mc_sim_pool *pool_of(const mc_sim_result *r, const char *agency, const char *role)
{
    for (size_t i = 0; i < r->npools; i++) {
        if (strcmp(r->pools[i].agency, agency) == 0 && strcmp(r->pools[i].role->name, role) == 0) {
            return &r->pools[i];
        }
    }
    fail_msg("no pool %s/%s in the result", agency, role);
    return NULL;
}

/* One clerk at high load: a line forms, lead times stretch and deadlines are missed, against the
 * same desk with unlimited officers; three clerks bring it back. */
static void test_sim__one_officer_at_high_load_falls_behind(void **state)
{
    (void)state;
    mc_catalogue *one = desk("staff clerk 1", 1900), *unlimited = desk("staff head 1", 1900);
    mc_catalogue *more;
    assert_int_equal(mc_reform_apply(one, mc_catalogue_reform(one, "more"), &more, NULL), 0);
    mc_sim_opts o = opts(one, 0, 1);
    o.year = true;
    mc_sim_result a, u, m;
    assert_int_equal(mc_sim_run(unlimited, NULL, &o, &u, NULL), 0);
    assert_int_equal(mc_sim_pair(one, more, NULL, &o, &a, &m, NULL), 0);
    assert_true(a.staffed && u.staffed);
    mc_sim_figures fu = mc_sim_figures_of(proc(&u, "p")), fa = mc_sim_figures_of(proc(&a, "p")),
                   fm = mc_sim_figures_of(proc(&m, "p"));
    assert_int_equal(fa.finished, 1900);
    /* unlimited: an hour's work, always within the limit of four office hours */
    assert_true(fu.lead_mean < 0.3);
    assert_true(fu.on_time > 99.9);
    /* one clerk, about 91% busy: days of waiting */
    const mc_sim_pool *x = pool_of(&a, "desk", "clerk");
    assert_int_equal(x->officers, 1);
    assert_int_equal(x->jobs, 1900);
    assert_true(x->utilisation > 0.85 && x->utilisation < 0.97);
    assert_true(x->mean_wait > 0.5);
    assert_true(x->p90_wait > x->mean_wait);
    assert_true(x->max_queue > 10);
    assert_true(fa.lead_mean > fu.lead_mean + 0.5);
    assert_true(fa.on_time < fu.on_time - 20);
    /* the reform's three clerks: back to no wait to speak of */
    x = pool_of(&m, "desk", "clerk");
    assert_int_equal(x->officers, 3);
    assert_true(x->utilisation > 0.25 && x->utilisation < 0.35);
    assert_true(fm.lead_mean < fu.lead_mean + 0.1);
    /* (a week-end's dossiers still wait a little on Monday mornings) */
    assert_true(fm.on_time > 90 && fm.on_time > fa.on_time + 50);
    /* the staff-days are the work, not the wait */
    assert_true(fabs(proc(&a, "p")->staff_wd - proc(&u, "p")->staff_wd) < 1e-6);
    /* the other agency's head, on his own */
    assert_int_equal(pool_of(&a, "other", "head")->jobs, 500);
    assert_int_equal(a.npools, 2);
    assert_int_equal(m.npools, 2);
    /* the gains pair the same applicants: every one of them */
    assert_int_equal(m.gains[MC_SIM_ALL].dossiers, 2400);
    mc_sim_result_free(&a);
    mc_sim_result_free(&u);
    mc_sim_result_free(&m);
    mc_catalogue_free(more);
    mc_catalogue_free(unlimited);
    mc_catalogue_free(one);
}

/* Utilisation is the offered load over the officers: a year of dossiers of an hour each over the
 * year's office hours (261 working days of 8 hours in 2026), within a few points. */
static void test_sim__utilisation_is_the_offered_load(void **state)
{
    (void)state;
    for (int officers = 1; officers <= 2; officers++) {
        char staff[40];
        snprintf(staff, sizeof staff, "staff clerk %d", officers);
        mc_catalogue *cat = desk(staff, 1000);
        mc_sim_opts o = opts(cat, 0, 3);
        o.year = true;
        o.from = mc_date_from_ymd(2026, 1, 1);
        mc_sim_result r;
        assert_int_equal(mc_sim_run(cat, NULL, &o, &r, NULL), 0);
        double offered = 1000.0 / (261 * 8) / officers;
        const mc_sim_pool *x = pool_of(&r, "desk", "clerk");
        if (fabs(x->utilisation - offered) > 0.03) {
            fail_msg("%d officers: utilisation %.3f, offered load %.3f", officers, x->utilisation,
                     offered);
        }
        mc_sim_result_free(&r);
        mc_catalogue_free(cat);
    }
}

/* The same result whatever the threads: each agency's dossiers run by one thread, in time
 * order. */
static void test_sim__staffed_same_whatever_jobs(void **state)
{
    (void)state;
    mc_catalogue *cat = desk("staff clerk 1", 1500), *more;
    assert_int_equal(mc_reform_apply(cat, mc_catalogue_reform(cat, "more"), &more, NULL), 0);
    mc_sim_result b[2], r[2];
    for (int i = 0; i < 2; i++) {
        mc_sim_opts o = opts(cat, 0, 9);
        o.year = true;
        o.jobs = i == 0 ? 1 : 3;
        assert_int_equal(mc_sim_pair(cat, more, NULL, &o, &b[i], &r[i], NULL), 0);
    }
    assert_memory_equal(&b[0].total, &b[1].total, sizeof b[0].total);
    assert_memory_equal(&r[0].total, &r[1].total, sizeof r[0].total);
    for (size_t k = 0; k < b[0].nprocedures; k++) {
        assert_memory_equal(&b[0].procedures[k], &b[1].procedures[k], sizeof b[0].procedures[k]);
    }
    assert_int_equal(b[0].npools, b[1].npools);
    assert_memory_equal(b[0].pools, b[1].pools, b[0].npools * sizeof *b[0].pools);
    assert_memory_equal(r[0].pools, r[1].pools, r[0].npools * sizeof *r[0].pools);
    assert_memory_equal(r[0].gains, r[1].gains, sizeof r[0].gains);
    assert_memory_equal(&b[0].indicators.total, &b[1].indicators.total,
                        sizeof b[0].indicators.total);
    assert_string_equal(b[0].notes, b[1].notes);
    for (int i = 0; i < 2; i++) {
        mc_sim_result_free(&b[i]);
        mc_sim_result_free(&r[i]);
    }
    mc_catalogue_free(more);
    mc_catalogue_free(cat);
}

/* Memory grows with the dossiers under way, not with the dossiers: 200,000 dossiers a year on
 * ample officers keep about 1,450 live dossiers at most (the arrivals of a week-end, 550 a day,
 * wait for Monday morning's officers). */
static void test_sim__staffed_memory_follows_the_dossiers_under_way(void **state)
{
    (void)state;
    mc_catalogue *cat =
        load("calendar c { default; hours 08:00-12:00 13:00-17:00 }\n"
             "role clerk\n"
             "agency desk { title \"Desk\"; staff clerk 40 }\n"
             "lifecycle l {\n"
             "  state a { initial; on go -> end by clerk chance 100%; takes 0.01wh }\n"
             "  state end { final; outcome granted } }\n"
             "procedure p { agency desk; lifecycle l; volume 200000 per year }\n");
    mc_sim_opts o = opts(cat, 0, 1);
    o.year = true;
    mc_sim_result r;
    assert_int_equal(mc_sim_run(cat, NULL, &o, &r, NULL), 0);
    assert_int_equal(r.total.granted, 200000);
    assert_true(r.peak_in_flight > 0);
    if (r.peak_in_flight > 2000) {
        fail_msg("%lld dossiers under way at once", (long long)r.peak_in_flight);
    }
    mc_sim_result_free(&r);
    mc_catalogue_free(cat);
}

/* Arrivals follow the agency's pattern: a month at 0% gets no dossier (counted through a version
 * in force in June only, whose dossiers make 5 visits). */
static void test_sim__arrivals_follow_the_pattern(void **state)
{
    (void)state;
    static const char fmt[] =
        "role clerk\n"
        "agency desk { title \"Desk\"; %s }\n"
        "lifecycle l { state a { initial; on go -> end by clerk chance 100%%; takes 1wd }\n"
        "  state end { final; outcome granted } }\n"
        "procedure p { agency desk; lifecycle l; volume 1200 per year; visits 1 }\n"
        "procedure p { effective 2026-06-01; agency desk; lifecycle l; volume 1200 per year\n"
        "  visits 5 }\n"
        "procedure p { effective 2026-07-01; agency desk; lifecycle l; volume 1200 per year\n"
        "  visits 1 }\n";
    const char *patterns[] = {"arrivals { month 6 0% }", "arrivals { month 6 100% }",
                              "arrivals { month 6 200% }"};
    int64_t june[3];
    for (int i = 0; i < 3; i++) {
        char text[900];
        snprintf(text, sizeof text, fmt, patterns[i]);
        mc_catalogue *cat = load(text);
        mc_sim_opts o = opts(cat, 0, 1);
        o.year = true;
        o.from = mc_date_from_ymd(2026, 1, 1);
        mc_sim_result r;
        assert_int_equal(mc_sim_run(cat, NULL, &o, &r, NULL), 0);
        assert_true(r.staffed);
        assert_int_equal(r.npools, 0); /* no staff: officers unlimited */
        assert_int_equal(r.total.dossiers, 1200);
        june[i] = (r.total.visits - 1200) / 4;
        mc_sim_result_free(&r);
        mc_catalogue_free(cat);
    }
    assert_int_equal(june[0], 0);
    assert_in_range(june[1], 95, 103); /* 30 of 365 days */
    assert_in_range(june[2], 180, 200);
}

/* A timer due before an officer has done the work drops the job: the dossier leaves the line
 * (counted by neither the pool's jobs nor the staff-days), the timer fires as without officers. */
static void test_sim__timer_drops_the_job(void **state)
{
    (void)state;
    mc_catalogue *cat =
        load("calendar c { default; hours 08:00-12:00 13:00-17:00 }\n"
             "role clerk\n"
             "agency desk { title \"Desk\"; staff clerk 1 }\n"
             "lifecycle l {\n"
             "  state a { initial; on receive -> b by clerk chance 100% }\n"
             "  state b { on go -> done by clerk chance 100%; takes 1wh; after 2wd -> gave-up }\n"
             "  state done { final; outcome granted }\n"
             "  state gave-up { final; outcome withdrawn } }\n"
             "procedure p { agency desk; lifecycle l; volume 2300 per year }\n");
    mc_sim_opts o = opts(cat, 0, 1);
    o.year = true;
    mc_sim_result r;
    assert_int_equal(mc_sim_run(cat, NULL, &o, &r, NULL), 0);
    const mc_sim_stats *p = proc(&r, "p");
    const mc_sim_pool *x = pool_of(&r, "desk", "clerk");
    /* more work than a clerk's year: some wait past the timer and leave */
    assert_true(p->withdrawn > 0);
    assert_int_equal(p->granted + p->withdrawn, 2300);
    assert_int_equal(x->jobs, p->granted);
    assert_true(fabs(p->staff_wd - (double)p->granted / 8) < 1e-6);
    assert_true(x->utilisation > 0.9);
    mc_sim_result_free(&r);
    mc_catalogue_free(cat);
}

/* Out of memory anywhere in the officers' loop: both results whole, or MC_ENOMEM and nothing
 * left. */
static void test_sim__staffed_out_of_memory(void **state)
{
    (void)state;
    oom_ctx c = {desk("staff clerk 1", 1900), NULL};
    assert_int_equal(mc_reform_apply(c.cat, mc_catalogue_reform(c.cat, "more"), &c.reformed, NULL),
                     0);
    assert_true(tu_oom_sweep(oom_attempt, &c, false) > 10);
    assert_true(tu_oom_sweep(oom_pair, &c, false) > 20);
    mc_catalogue_free(c.reformed);
    mc_catalogue_free(c.cat);
}

/* ==== interconnected procedures (issue 25) =============================================== */

/* g: part first (quick, 1 wh, desk), then second (slow: 3 wd against a 1 wd limit, police) and
 * third (quick, desk, only when extra holds) side by side; past the group's own limit of 2 wd, so
 * the receiving desk apologizes for the whole dossier. g-missing: its first part requires field
 * code, which the group leaves empty (no sample): refused at submission, so the group is not
 * granted and its second part never starts. g-refused: its first part ends refused, its second
 * never starts. */
static const char parts_text[] =
    "calendar vn { default; hours 08:00-12:00 13:00-17:00 }\n"
    "role clerk\n"
    "role head\n"
    "agency desk { title \"Desk\" }\n"
    "agency police { title \"Police\" }\n"
    "cost-model m { default; hourly-income 40000 VND; hours-per-day 8; visit 4h 30000 VND\n"
    "  count-waiting true }\n"
    "lifecycle group {\n"
    "  apology by clerk\n"
    "  state in-parts { initial; clock running\n"
    "    on parts-done -> ready by system\n"
    "    on parts-failed -> not-granted by system }\n"
    "  state ready { clock paused; on hand-over -> returned by clerk chance 100%; takes 1wh }\n"
    "  state returned { final; outcome granted }\n"
    "  state not-granted { final; outcome refused } }\n"
    "lifecycle quick {\n"
    "  state work { initial; clock running; on approve -> done by head chance 100%; takes 1wh }\n"
    "  state done { final; outcome granted } }\n"
    "lifecycle slow {\n"
    "  state work { initial; clock running; on approve -> done by head chance 100%; takes 3wd }\n"
    "  state done { final; outcome granted } }\n"
    "lifecycle refusing {\n"
    "  state work { initial; clock running; on refuse -> refused by head chance 100%; takes 2wh }\n"
    "  state refused { final; outcome refused } }\n"
    "procedure g { lifecycle group; agency desk; time-limit 2wd; volume 1000 per year; visits 1\n"
    "  subject id; field id { type text; required; pattern \"[0-9]{9}\" }\n"
    "  field extra { type bool; sample 50% }\n"
    "  part first { procedure p-first }\n"
    "  part second { procedure p-slow; after first }\n"
    "  part third { procedure p-extra; after first; when extra } }\n"
    "procedure g-missing { lifecycle group; agency desk; time-limit 10wd; volume 1000 per year\n"
    "  subject id; field id { type text; required; pattern \"[0-9]{9}\" }\n"
    "  field code { type text }\n"
    "  part first { procedure p-code }\n"
    "  part second { procedure p-first; after first } }\n"
    "procedure g-refused { lifecycle group; agency desk; time-limit 10wd; volume 1000 per year\n"
    "  subject id; field id { type text; required; pattern \"[0-9]{9}\" }\n"
    "  part first { procedure p-refusing }\n"
    "  part second { procedure p-first; after first } }\n"
    "procedure p-first { lifecycle quick; agency desk; time-limit 1wd\n"
    "  subject id; field id { type text; required } }\n"
    "procedure p-extra { lifecycle quick; agency desk; time-limit 1wd\n"
    "  subject id; field id { type text; required } }\n"
    "procedure p-slow { lifecycle slow; agency police; time-limit 1wd\n"
    "  subject id; field id { type text; required } }\n"
    "procedure p-code { lifecycle quick; agency police; time-limit 1wd\n"
    "  subject id; field id { type text; required }; field code { type text; required } }\n"
    "procedure p-refusing { lifecycle refusing; agency police; time-limit 1wd\n"
    "  subject id; field id { type text; required } }\n";

static const mc_sim_parts_row *parts_row(const mc_sim_result *r, const char *procedure,
                                         const char *agency)
{
    for (size_t i = 0; i < r->nparts; i++) {
        if (strcmp(r->parts[i].procedure, procedure) == 0 &&
            strcmp(r->parts[i].agency, agency) == 0) {
            return &r->parts[i];
        }
    }
    fail_msg("no parts of '%s' at '%s' in the result", procedure, agency);
    return NULL;
}

/* The parts run as the engine runs them: in order, side by side after the one they follow, a
 * `when` part skipped; the group leaves in-parts when the last one ends and is late when one is;
 * the part procedures are not simulated on their own. */
static void test_sim__interconnected_parts_run(void **state)
{
    (void)state;
    mc_catalogue *cat = load(parts_text);
    mc_sim_opts o = opts(cat, 300, 1);
    mc_sim_result r;
    assert_int_equal(mc_sim_run(cat, NULL, &o, &r, NULL), 0);
    assert_int_equal(r.nprocedures, 3); /* g, g-missing, g-refused: no part procedure */
    assert_int_equal(mc_sim_year_dossiers(cat), 3000);
    assert_non_null(strstr(r.notes, "5 procedures run as parts of an interconnected procedure "
                                    "not simulated on their own: their dossiers are the "
                                    "group's (p-first of g, …)"));
    const mc_sim_stats *g = proc(&r, "g");
    assert_int_equal(g->dossiers, 100);
    assert_int_equal(g->granted, 100);
    assert_int_equal(g->unfinished, 0);
    assert_int_equal(g->late, 100);
    /* its apology, once, as its parts run past its 2 wd: the others end within their 10 wd */
    assert_int_equal(r.indicators.total.apologies, 100);
    /* 1 wh, then 3 wd (the longer of the two side by side), then the group's own 1 wh: the
     * lead time is the group's, from filing to its end */
    assert_true(mc_sim_percentile(g, 0.5) > 3.2 && mc_sim_percentile(g, 0.5) < 3.3);
    const mc_sim_parts_row *desk = parts_row(&r, "g", "desk");
    const mc_sim_parts_row *police = parts_row(&r, "g", "police");
    assert_int_equal(police->started, 100);
    assert_int_equal(police->late, 100);
    assert_int_equal(police->granted, 100);
    /* desk: first for every dossier, third where extra holds (50%); skipped otherwise */
    assert_int_equal(desk->started + desk->not_needed, 200);
    assert_true(desk->not_needed > 30 && desk->not_needed < 70);
    assert_int_equal(desk->granted, desk->started);
    assert_int_equal(desk->late, 0);
    mc_sim_result_free(&r);
    mc_catalogue_free(cat);
}

/* What goes wrong in a part: refused at submission (a required field the group leaves empty) or
 * ended refused: the group is not granted, the parts after it never start, and it says why. */
static void test_sim__interconnected_parts_fail(void **state)
{
    (void)state;
    mc_catalogue *cat = load(parts_text);
    mc_sim_opts o = opts(cat, 300, 1);
    mc_sim_result r;
    assert_int_equal(mc_sim_run(cat, NULL, &o, &r, NULL), 0);
    const mc_sim_stats *m = proc(&r, "g-missing");
    assert_int_equal(m->dossiers, 100);
    assert_int_equal(m->refused_at_submission, 0); /* the group was filed */
    assert_int_equal(m->refused, 100);             /* and not granted */
    assert_int_equal(m->granted, 0);
    assert_int_equal(parts_row(&r, "g-missing", "police")->refused, 100);
    assert_int_equal(parts_row(&r, "g-missing", "police")->started, 0);
    assert_int_equal(parts_row(&r, "g-missing", "desk")->started, 0); /* never started */
    assert_non_null(strstr(r.notes, "g-missing: part 'first' was refused at submission: field "
                                    "'code' is required"));
    const mc_sim_stats *f = proc(&r, "g-refused");
    assert_int_equal(f->refused, 100);
    assert_int_equal(f->granted, 0);
    assert_int_equal(parts_row(&r, "g-refused", "police")->not_granted, 100);
    assert_int_equal(parts_row(&r, "g-refused", "desk")->started, 0);
    /* it ends when its refused part does (2 wh), not before */
    assert_true(mc_sim_percentile(f, 0.5) > 0.2 && mc_sim_percentile(f, 0.5) < 0.3);
    mc_sim_result_free(&r);
    mc_catalogue_free(cat);
}

/* Threads and pairs: the parts' counts are the same whatever the threads; a reform's side runs
 * its parts too. */
static void test_sim__interconnected_parts_jobs_and_pair(void **state)
{
    (void)state;
    mc_catalogue *cat = load(parts_text);
    mc_sim_opts o = opts(cat, 3000, 2);
    mc_sim_result a, b, r;
    assert_int_equal(mc_sim_run(cat, NULL, &o, &a, NULL), 0);
    o.jobs = 3;
    assert_int_equal(mc_sim_run(cat, NULL, &o, &b, NULL), 0);
    assert_int_equal(a.nparts, b.nparts);
    assert_memory_equal(a.parts, b.parts, a.nparts * sizeof *a.parts);
    assert_memory_equal(&a.total, &b.total, sizeof a.total);
    mc_sim_result_free(&b);
    o.jobs = 1;
    assert_int_equal(mc_sim_pair(cat, cat, NULL, &o, &b, &r, NULL), 0);
    assert_memory_equal(a.parts, r.parts, a.nparts * sizeof *a.parts);
    assert_int_equal(r.gains[MC_SIM_ALL].rises + r.gains[MC_SIM_ALL].falls, 0);
    mc_sim_result_free(&a);
    mc_sim_result_free(&b);
    mc_sim_result_free(&r);
    mc_catalogue_free(cat);
}

/* With officers (issue 23) the group waits for its parts before its own steps join the line:
 * its lead time is the same 1 wh + 3 wd + 1 wh, and the lone clerk only does the hand-overs. */
static void test_sim__interconnected_parts_staffed(void **state)
{
    (void)state;
    char text[sizeof parts_text + 32];
    const char *at = strstr(parts_text, "title \"Desk\"");
    assert_non_null(at);
    at += strlen("title \"Desk\"");
    snprintf(text, sizeof text, "%.*s; staff clerk 1%s", (int)(at - parts_text), parts_text, at);
    mc_catalogue *cat = load(text);
    mc_sim_opts o = opts(cat, 300, 1);
    mc_sim_result r;
    assert_int_equal(mc_sim_run(cat, NULL, &o, &r, NULL), 0);
    assert_true(r.staffed);
    const mc_sim_stats *g = proc(&r, "g");
    assert_int_equal(g->granted, 100);
    assert_int_equal(g->late, 100);
    assert_true(mc_sim_percentile(g, 0.5) > 3.2 && mc_sim_percentile(g, 0.5) < 3.4);
    assert_int_equal(r.npools, 1);
    assert_int_equal(r.pools[0].jobs, 100); /* g's hand-overs; the parts are not queued */
    assert_int_equal(parts_row(&r, "g", "police")->late, 100);
    mc_sim_result_free(&r);
    mc_catalogue_free(cat);
}

/* A part's `when` whose rule raises: the part cannot start, a rule failure of the group's (what
 * `simulate` stops on unless --keep-going), and the group is not granted. A `when` rule that
 * says no skips the part. */
static void test_sim__interconnected_when_rule_fails(void **state)
{
    (void)state;
    static const char lua[] = "function boom(d) error('bang') end\n"
                              "function no(d) return false end\n";
    mc_rules *rules;
    assert_int_equal(mc_rules_new(&rules, NULL, NULL), 0);
    assert_int_equal(
        mc_rules_load_buffer(rules, "g", "rules/g.lua", lua, sizeof lua - 1, NULL, NULL), 0);
    mc_catalogue *cat =
        load("role clerk\nrole head\n"
             "lifecycle group { state in-parts { initial\n"
             "    on parts-done -> done by system; on parts-failed -> no by system }\n"
             "  state done { final; outcome granted }\n"
             "  state no { final; outcome refused } }\n"
             "lifecycle l { state a { initial; on go -> b by head; takes 1wh }\n"
             "  state b { final; outcome granted } }\n"
             "procedure g { lifecycle group; volume 100 per year\n"
             "  part one { procedure p; when rule g.no }\n"
             "  part two { procedure p; when rule g.boom } }\n"
             "procedure p { lifecycle l }\n");
    mc_sim_opts o = opts(cat, 50, 1);
    mc_sim_result r;
    assert_int_equal(mc_sim_run(cat, rules, &o, &r, NULL), 0);
    const mc_sim_stats *g = proc(&r, "g");
    assert_int_equal(g->refused, 50);
    assert_int_equal(g->rule_failures, 50);
    assert_int_equal(r.total.rule_failures, 50);
    assert_int_equal(r.nparts, 1);
    assert_int_equal(r.parts[0].not_needed, 50); /* one: g.no said no */
    assert_int_equal(r.parts[0].refused, 50);    /* two: g.boom raised */
    assert_int_equal(r.parts[0].started, 0);
    assert_non_null(strstr(r.notes, "g: part 'two' could not start: "));
    assert_non_null(strstr(r.notes, "rules/g.lua:1: bang"));
    mc_sim_result_free(&r);
    mc_catalogue_free(cat);
    mc_rules_free(rules);
}

static int oom_parts(void *ud)
{
    oom_ctx *c = ud;
    mc_sim_opts o = opts(c->cat, 9, 1);
    mc_sim_result r;
    int rc = mc_sim_run(c->cat, NULL, &o, &r, NULL);
    if (rc == 0) {
        assert_int_equal(r.total.dossiers, 9);
        assert_int_equal(r.nparts, 6);
        mc_sim_result_free(&r);
    }
    return rc;
}

static void test_sim__interconnected_out_of_memory(void **state)
{
    (void)state;
    oom_ctx c = {load(parts_text), NULL};
    assert_true(tu_oom_sweep(oom_parts, &c, false) > 10);
    mc_catalogue_free(c.cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_synth__values_match_their_patterns),
        cmocka_unit_test(test_synth__unsupported_patterns_say_so),
        cmocka_unit_test(test_synth__fields_follow_their_samples),
        cmocka_unit_test(test_synth__any_number_of_alternatives),
        cmocka_unit_test(test_synth__draws_unchanged),
        cmocka_unit_test(test_synth__simple_patterns_draw_as_walked),
        cmocka_unit_test(test_sim__split_by_volume_and_deterministic),
        cmocka_unit_test(test_sim__takes_chance_coverage_and_cost),
        cmocka_unit_test(test_sim__reform_side_by_side),
        cmocka_unit_test(test_sim__abolished_keeps_the_split),
        cmocka_unit_test(test_sim__cost_rounds_once_exactly),
        cmocka_unit_test(test_sim__cost_agrees_with_simulation),
        cmocka_unit_test(test_sim__loops_dead_ends_and_timers),
        cmocka_unit_test(test_sim__nothing_to_simulate),
        cmocka_unit_test(test_sim__refused_applicants_are_counted),
        cmocka_unit_test(test_sim__notes_assumed_and_bounded),
        cmocka_unit_test(test_sim__no_cap_on_fields),
        cmocka_unit_test(test_sim__no_cap_on_transitions),
        cmocka_unit_test(test_sim__figures_of_a_row),
        cmocka_unit_test(test_sim__year_dossiers),
        cmocka_unit_test(test_sim__parties_cost_agrees_with_simulation),
        cmocka_unit_test(test_sim__parties_exact_shares),
        cmocka_unit_test(test_sim__reform_volume_is_honoured),
        cmocka_unit_test(test_sim__legal_method_agrees_with_cost),
        cmocka_unit_test(test_sim__staff_days_by_role),
        cmocka_unit_test(test_sim__gains_by_group),
        cmocka_unit_test(test_sim__runs_intervals),
        cmocka_unit_test(test_sim__one_working_day_is_one),
        cmocka_unit_test(test_sim__filters_and_superseded),
        cmocka_unit_test(test_sim__out_of_memory),
        cmocka_unit_test(test_sim__jobs_same_result),
        cmocka_unit_test(test_sim__jobs_failing_worker),
        cmocka_unit_test(test_sim__jobs_out_of_memory),
        cmocka_unit_test(test_sim__rule_failures_are_counted),
        cmocka_unit_test(test_sim__channels_drawn_with_their_shares),
        cmocka_unit_test(test_sim__held_documents_asked_and_refused),
        cmocka_unit_test(test_sim__late_dossiers_apologize),
        cmocka_unit_test(test_sim__one_officer_at_high_load_falls_behind),
        cmocka_unit_test(test_sim__utilisation_is_the_offered_load),
        cmocka_unit_test(test_sim__staffed_same_whatever_jobs),
        cmocka_unit_test(test_sim__staffed_memory_follows_the_dossiers_under_way),
        cmocka_unit_test(test_sim__arrivals_follow_the_pattern),
        cmocka_unit_test(test_sim__timer_drops_the_job),
        cmocka_unit_test(test_sim__staffed_out_of_memory),
        cmocka_unit_test(test_sim__interconnected_parts_run),
        cmocka_unit_test(test_sim__interconnected_parts_fail),
        cmocka_unit_test(test_sim__interconnected_parts_jobs_and_pair),
        cmocka_unit_test(test_sim__interconnected_parts_staffed),
        cmocka_unit_test(test_sim__interconnected_when_rule_fails),
        cmocka_unit_test(test_sim__interconnected_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
