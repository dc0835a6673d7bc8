/*
 * Calibration from a store (calibrate.h), and its back-test (issue 23): a store is made by
 * driving the engine, on a real store, with the figures of tests/fixtures/calibrate/truth (over
 * base/) — each dossier's next event drawn by `chance`, fired `takes` after it entered the state,
 * as the simulator draws them — then the figures are estimated from the store against base/
 * alone, whose figures are wrong, and written as a layer. Loaded over base/, the layer must give
 * each state's mean `takes` within 5% of the truth, each `chance` within 2 percentage points and
 * each volume within 2%; simulating it must give an on-time rate within 2 points of the store's.
 * Then the failure paths: too few observations, an empty store, a store of another catalogue,
 * a store mixing procedures the catalogue has and has not.
 *
 * With MC_CALIBRATE_STORE=PATH set, the program only makes the back-test's store, in memory,
 * copies it to PATH (a new SQLite file) and exits: tests/calibrate.sh calibrates that store with
 * `motcua simulate --calibrate-from`.
 */
#include "testutil.h"

#include "motcua/calendar.h"
#include "motcua/calibrate.h"
#include "motcua/engine.h"
#include "motcua/sim.h"
#include "motcua/store.h"

#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#define FIX "tests/fixtures/calibrate"

/* Loads the layers dirs[0..n), lowest first. */
static mc_catalogue *load(const char *const *dirs, size_t n)
{
    mc_layer layers[4];
    const char *paths[4][1];
    for (size_t i = 0; i < n; i++) {
        paths[i][0] = dirs[i];
        layers[i] = (mc_layer){.name = dirs[i], .paths = paths[i], .npaths = 1};
    }
    mc_load_opts opts = MC_LOAD_OPTS_INIT;
    opts.layers = layers;
    opts.nlayers = n;
    mc_diags *d;
    assert_int_equal(mc_diags_new(&d), 0);
    mc_catalogue *cat = NULL;
    mc_error err;
    int rc = mc_catalogue_load(&cat, &opts, d, &err);
    if (rc != 0 || mc_diags_count(d) != 0) {
        char *text = tu_render(d, false);
        fprintf(stderr, "%s", text);
        free(text);
    }
    assert_int_equal(rc, 0);
    mc_diags_free(d);
    return cat;
}

/* ---- the store, made with known figures ---- */

static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double unit(uint64_t *s)
{
    return (double)(next(s) >> 11) * (1.0 / 9007199254740992.0);
}

/* The instant `takes` of st after t, drawn with u, as the simulator spends it: office time for
 * working units (a working day is a day's office hours), wall time for the others. */
static int64_t after_takes(const mc_calendar *cal, const mc_state *st, int64_t t, double u)
{
    if (!st->has_takes) {
        return t;
    }
    double day = (double)mc_report_day_seconds(cal);
    mc_duration lo = st->takes_min, hi = st->takes_max;
    mc_duration *both[2] = {&lo, &hi};
    for (int k = 0; k < 2; k++) {
        mc_duration *d = both[k];
        if (d->unit == MC_DUR_WD) {
            d->amount = (mc_fixed)((double)d->amount * day / 3600.0);
            d->unit = MC_DUR_WH;
        } else if (d->unit == MC_DUR_D) {
            d->amount *= 24;
            d->unit = MC_DUR_H;
        }
    }
    mc_duration d = lo;
    d.amount += (mc_fixed)(u * (double)(hi.amount - lo.amount));
    return mc_calendar_to_utc(cal, mc_calendar_deadline(cal, mc_calendar_to_local(cal, t), d));
}

/* The transition of st drawn with u by chance (those without one share what is left). */
static const mc_transition *draw(const mc_state *st, double u)
{
    double with = 0, without = 0;
    for (size_t i = 0; i < st->non; i++) {
        with += st->on[i].has_chance ? (double)st->on[i].chance : 0;
        without += !st->on[i].has_chance;
    }
    double hundred = 100.0 * (double)MC_FIXED_ONE;
    double share = without > 0 && with < hundred ? (hundred - with) / without : 0;
    double x = u * (with + share * without), at = 0;
    for (size_t i = 0; i < st->non; i++) {
        at += st->on[i].has_chance ? (double)st->on[i].chance : share;
        if (x < at) {
            return &st->on[i];
        }
    }
    return &st->on[st->non - 1];
}

/* Drives limit dossiers at most of each procedure of cat (its volume's, over 2025, evenly
 * spread) through engine e to a final state. */
static void drive(mc_engine *e, const mc_catalogue *cat, int64_t limit, uint64_t seed)
{
    const mc_calendar *cal0 = mc_catalogue_default_calendar(cat);
    int64_t start = mc_calendar_to_utc(cal0, (mc_localtime)mc_date_from_ymd(2025, 1, 1) * 86400);
    int64_t span = 365 * 86400;
    size_t np;
    const mc_procedure *const *ps = mc_catalogue_procedures(cat, &np);
    uint64_t rng = seed;
    mc_error err;
    for (size_t k = 0; k < np; k++) {
        const mc_procedure *p = ps[k];
        int64_t n = p->volume < limit ? p->volume : limit;
        for (int64_t j = 0; j < n; j++) {
            int64_t t = start + span * (2 * j + 1) / (2 * n);
            mc_submit s = MC_SUBMIT_INIT;
            s.procedure = p->name;
            s.now = t;
            mc_result res;
            assert_int_equal(mc_engine_submit(e, &s, &res, &err), 0);
            int64_t id = res.dossier;
            for (int step = 0; step < 200; step++) {
                mc_dossier v;
                assert_int_equal(mc_engine_get(e, id, t, &v, &err), 0);
                const mc_state *st = v.state;
                bool final = v.final;
                mc_dossier_free(&v);
                if (final) {
                    break;
                }
                const mc_transition *tr = draw(st, unit(&rng));
                int64_t at = after_takes(p->calendar, st, t, unit(&rng));
                mc_fire f = MC_FIRE_INIT;
                f.dossier = id;
                f.event = tr->event;
                f.role = tr->roles[0]->name;
                f.now = at;
                int rc = mc_engine_fire(e, &f, &res, &err);
                if (rc != 0) {
                    fprintf(stderr, "fire %s: %s %s\n", tr->event, err.msg, res.message);
                }
                assert_int_equal(rc, 0);
                t = at;
            }
        }
    }
}

/* A store at db made with the figures of the layers dirs. */
static mc_engine *make_store(const char *db, const char *const *dirs, size_t n, int64_t limit,
                             mc_catalogue **cat)
{
    *cat = load(dirs, n);
    mc_engine *e = NULL;
    mc_error err;
    assert_int_equal(mc_engine_open(&e, *cat, NULL, db, &err), 0);
    drive(e, *cat, limit, 42);
    return e;
}

static const mc_calibrate_opts all = MC_CALIBRATE_OPTS_INIT;

static const char *const truth_dirs[] = {FIX "/base", FIX "/truth"};
static const char *const base_dirs[] = {FIX "/base"};

/* Writes text as DIR/procedures/calibrated.proc of a new temporary folder, into dir. */
static void write_layer(const char *text, char dir[64])
{
    snprintf(dir, 64, "/tmp/mc-calibrate-XXXXXX");
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/procedures", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/procedures/calibrated.proc", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void remove_layer(const char *dir)
{
    char path[128];
    snprintf(path, sizeof path, "%s/procedures/calibrated.proc", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/procedures", dir);
    rmdir(path);
    rmdir(dir);
}

/* A duration in hours (working units at the calendar's office hours a day). */
static double hours(const mc_calendar *cal, mc_duration d)
{
    double a = (double)d.amount / (double)MC_FIXED_ONE;
    switch (d.unit) {
    case MC_DUR_WD:
        return a * (double)mc_report_day_seconds(cal) / 3600.0;
    case MC_DUR_D:
        return a * 24;
    case MC_DUR_MIN:
        return a / 60;
    default:
        return a;
    }
}

static double chance_of(const mc_state *s, const char *event)
{
    for (size_t i = 0; i < s->non; i++) {
        if (strcmp(s->on[i].event, event) == 0) {
            assert_true(s->on[i].has_chance);
            return (double)s->on[i].chance / (double)MC_FIXED_ONE;
        }
    }
    fail_msg("no transition %s", event);
    return 0;
}

/* ---- the back-test ---- */

/* The on-time rate of a year of cat simulated from 2025-01-01, the mean over seeds 1..runs. */
static double on_time(const mc_catalogue *cat, int runs)
{
    double sum = 0;
    for (int i = 1; i <= runs; i++) {
        mc_sim_opts o = MC_SIM_OPTS_INIT;
        o.year = true;
        o.seed = (uint64_t)i;
        o.from = mc_date_from_ymd(2025, 1, 1);
        mc_sim_result r;
        mc_error err;
        assert_int_equal(mc_sim_run(cat, NULL, &o, &r, &err), 0);
        sum += mc_sim_figures_of(&r.total).on_time;
        mc_sim_result_free(&r);
    }
    return sum / runs;
}

static void test_calibrate__back_test(void **state)
{
    (void)state;
    mc_catalogue *truth, *base = load(base_dirs, 1);
    mc_engine *e = make_store(":memory:", truth_dirs, 2, INT64_MAX, &truth);
    mc_calibration c;
    mc_error err;
    assert_int_equal(mc_calibrate_measure(&c, base, mc_engine_store(e), &all, &err), 0);
    assert_int_equal(c.nprocs, 2);
    assert_int_equal(c.nunknown, 0);
    assert_int_equal(c.dossiers, 18000);
    char d1[11], d2[11];
    mc_date_format(c.first, d1);
    mc_date_format(c.last, d2);
    assert_string_equal(d1, "2025-01-01");
    assert_string_equal(d2, "2025-12-31");
    char *text;
    assert_int_equal(mc_calibrate_text(&c, "the store store.db", &text, &err), 0);
    assert_non_null(strstr(text, "# 18,000 dossiers submitted from 2025-01-01 to 2025-12-31 (365 "
                                 "days)."));
    assert_non_null(strstr(text, "dossiers left this state (mean"));
    assert_non_null(strstr(text, "    volume 12000 per year    # 12,000 dossiers submitted in "
                                 "365 days\n"));
    char dir[64];
    write_layer(text, dir);
    const char *dirs[] = {FIX "/base", dir};
    mc_catalogue *cal = load(dirs, 2);

    size_t np;
    const mc_procedure *const *tp = mc_catalogue_procedures(truth, &np);
    for (size_t i = 0; i < np; i++) {
        const mc_procedure *t = tp[i];
        const mc_procedure *p = mc_catalogue_procedure(cal, t->name, mc_date_from_ymd(2025, 6, 1));
        assert_non_null(p);
        double vol = (double)p->volume / (double)t->volume;
        printf("# %s: volume %lld (truth %lld)\n", t->name, (long long)p->volume,
               (long long)t->volume);
        assert_true(fabs(vol - 1) <= 0.02);
        assert_false(p->assumed & MC_ASSUMED_VOLUME); /* a statistic now */
        for (size_t s = 0; s < t->machine.nstates; s++) {
            const mc_state *ts = t->machine.states[s], *cs = p->machine.states[s];
            assert_string_equal(ts->name, cs->name);
            if (ts->has_takes) {
                assert_true(cs->has_takes);
                assert_int_equal(cs->takes_min.unit, ts->takes_min.unit);
                double want =
                           (hours(t->calendar, ts->takes_min) + hours(t->calendar, ts->takes_max)) /
                           2,
                       got =
                           (hours(p->calendar, cs->takes_min) + hours(p->calendar, cs->takes_max)) /
                           2;
                printf("# %s %s: mean takes %.3fh (truth %.3fh)\n", t->name, ts->name, got, want);
                assert_true(fabs(got / want - 1) <= 0.05);
            }
            for (size_t k = 0; k < ts->non; k++) {
                if (!ts->on[k].has_chance) {
                    continue;
                }
                double want = (double)ts->on[k].chance / (double)MC_FIXED_ONE,
                       got = chance_of(cs, ts->on[k].event);
                printf("# %s %s %s: chance %.1f%% (truth %.1f%%)\n", t->name, ts->name,
                       ts->on[k].event, got, want);
                assert_true(fabs(got - want) <= 2.0);
            }
        }
    }

    /* the calibrated catalogue simulated (the mean of 5 seeds, so that the store's own
     * sampling error is what is left): the store's on-time rate */
    double stored = 100.0 * (double)c.on_time / (double)c.finished;
    double sim = on_time(cal, 5), wrong = on_time(base, 5);
    printf("# on time: simulated %.2f%%, the store %.2f%% (%lld finished)\n", sim, stored,
           (long long)c.finished);
    assert_true(fabs(sim - stored) <= 2.0);
    /* and base/'s wrong figures do not give it: the test can fail */
    printf("# on time with base/'s wrong figures: %.2f%%\n", wrong);
    assert_true(fabs(wrong - stored) > 2.0);

    remove_layer(dir);
    free(text);
    mc_calibration_free(&c);

    /* a period asked: its dossiers only, scaled from its days */
    mc_calibrate_opts half = MC_CALIBRATE_OPTS_INIT;
    half.has_since = half.has_until = true;
    half.since = mc_date_from_ymd(2025, 7, 1);
    half.until = mc_date_from_ymd(2025, 12, 31);
    assert_int_equal(mc_calibrate_measure(&c, base, mc_engine_store(e), &half, &err), 0);
    assert_int_equal(c.days, 184);
    assert_true(c.dossiers > 8900 && c.dossiers < 9200);
    assert_true(llabs(c.procs[0].volume - 12000) <= 240);
    assert_int_equal(mc_calibrate_text(&c, "the store store.db", &text, &err), 0);
    assert_non_null(strstr(text, "dossiers submitted from 2025-07-01 to 2025-12-31 (184 days).\n"));
    free(text);
    mc_calibration_free(&c);
    half.since = mc_date_from_ymd(2026, 1, 1);
    half.has_until = false;
    assert_int_equal(mc_calibrate_measure(&c, base, mc_engine_store(e), &half, &err), MC_ENOTFOUND);
    assert_string_equal(err.msg, "the store holds no dossier submitted from 2026-01-01 on: "
                                 "nothing to calibrate");
    mc_calibration_free(&c);

    mc_engine_close(e);
    mc_catalogue_free(cal);
    mc_catalogue_free(truth);
    mc_catalogue_free(base);
}

/* ---- too few observations, and the failure paths ---- */

static void test_calibrate__few_observations_left_out(void **state)
{
    (void)state;
    mc_catalogue *truth, *base = load(base_dirs, 1);
    mc_engine *e = make_store(":memory:", truth_dirs, 2, 20, &truth);
    mc_calibration c;
    mc_error err;
    assert_int_equal(mc_calibrate_measure(&c, base, mc_engine_store(e), &all, &err), 0);
    char *text;
    assert_int_equal(mc_calibrate_text(&c, "the store store.db", &text, &err), 0);
    assert_non_null(strstr(text, "    # volume: 20 dossiers submitted, fewer than 30: not "
                                 "estimated\n"));
    assert_non_null(strstr(text, "    # state submitted: "));
    assert_non_null(strstr(text, "fewer than 30: takes and chances not estimated\n"));
    assert_null(strstr(text, "per year"));
    assert_null(strstr(text, "        takes "));
    mc_calibrate_counts k = mc_calibrate_count(&c);
    assert_int_equal(k.procedures, 2);
    assert_int_equal(k.volumes + k.takes + k.chances, 0);
    assert_true(k.left_out >= 4);
    /* the layer loads, and changes nothing */
    char dir[64];
    write_layer(text, dir);
    const char *dirs[] = {FIX "/base", dir};
    mc_catalogue *cal = load(dirs, 2);
    const mc_procedure *p = mc_catalogue_procedure(cal, "permit-a", mc_date_from_ymd(2025, 6, 1));
    assert_int_equal(p->volume, 100);
    assert_true(p->assumed & MC_ASSUMED_VOLUME);
    remove_layer(dir);
    free(text);
    mc_calibration_free(&c);
    mc_engine_close(e);
    mc_catalogue_free(cal);
    mc_catalogue_free(truth);
    mc_catalogue_free(base);
}

static void test_calibrate__empty_store(void **state)
{
    (void)state;
    mc_catalogue *base = load(base_dirs, 1);
    mc_store *st;
    mc_error err;
    assert_int_equal(mc_store_open(&st, ":memory:", &err), 0);
    mc_calibration c;
    assert_int_equal(mc_calibrate_measure(&c, base, st, &all, &err), MC_ENOTFOUND);
    assert_string_equal(err.msg, "the store holds no dossier: nothing to calibrate");
    assert_int_equal(c.nprocs, 0);
    mc_calibration_free(&c);
    mc_calibrate_opts o = MC_CALIBRATE_OPTS_INIT;
    o.min = 0;
    assert_int_equal(mc_calibrate_measure(&c, base, st, &o, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "min must be 1 or more");
    mc_calibration_free(&c);
    o.min = 30;
    o.has_since = o.has_until = true;
    o.since = mc_date_from_ymd(2025, 2, 1);
    o.until = mc_date_from_ymd(2025, 1, 31);
    assert_int_equal(mc_calibrate_measure(&c, base, st, &o, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "the period ends before it begins");
    mc_calibration_free(&c);
    mc_store_close(st);
    mc_catalogue_free(base);
}

static const char *const other_dirs[] = {FIX "/other"};

static void test_calibrate__store_of_another_catalogue(void **state)
{
    (void)state;
    mc_catalogue *other, *base = load(base_dirs, 1);
    mc_engine *e = make_store(":memory:", other_dirs, 1, 5, &other);
    mc_calibration c;
    mc_error err;
    assert_int_equal(mc_calibrate_measure(&c, base, mc_engine_store(e), &all, &err), MC_ENOTFOUND);
    assert_string_equal(err.msg, "none of the store's 2 procedures is in the catalogue (e.g. "
                                 "'licence-x'): nothing to calibrate");
    mc_calibration_free(&c);
    mc_engine_close(e);
    mc_catalogue_free(other);
    mc_catalogue_free(base);
}

/* Procedures of another catalogue in the store are named and counted, never guessed. */
static void test_calibrate__unknown_procedures_noted(void **state)
{
    (void)state;
    char db[] = "/tmp/mc-calibrate-XXXXXX";
    int fd = mkstemp(db);
    assert_true(fd >= 0);
    close(fd);
    unlink(db);
    mc_catalogue *other, *truth, *base = load(base_dirs, 1);
    mc_engine *e = make_store(db, other_dirs, 1, 3, &other);
    mc_engine_close(e);
    e = make_store(db, truth_dirs, 2, 40, &truth);
    mc_calibration c;
    mc_error err;
    assert_int_equal(mc_calibrate_measure(&c, base, mc_engine_store(e), &all, &err), 0);
    assert_int_equal(c.nprocs, 2);
    assert_int_equal(c.nunknown, 2);
    assert_string_equal(c.unknown[0].name, "licence-x");
    assert_int_equal(c.unknown[0].dossiers, 3);
    assert_int_equal(c.dossiers, 86);
    char *text;
    assert_int_equal(mc_calibrate_text(&c, "the store store.db", &text, &err), 0);
    assert_non_null(strstr(text, "# not in the catalogue, not calibrated: licence-x (3 "
                                 "dossiers)\n# not in the catalogue, not calibrated: licence-y "
                                 "(3 dossiers)\n"));
    assert_null(strstr(text, "extend procedure licence"));
    assert_non_null(strstr(text, "extend procedure permit-a {\n    volume "));
    free(text);
    mc_calibration_free(&c);
    mc_engine_close(e);
    char side[64];
    snprintf(side, sizeof side, "%s-wal", db);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", db);
    unlink(side);
    unlink(db);
    mc_catalogue_free(other);
    mc_catalogue_free(truth);
    mc_catalogue_free(base);
}

/* A history that no longer follows the catalogue (a state and an event renamed since): those
 * leavings are counted apart and said, not taken for another state's or event's. */
static void test_calibrate__renamed_states_counted_apart(void **state)
{
    (void)state;
    char dir[64];
    write_layer("replace lifecycle desk {\n"
                "    state submitted { initial; clock stopped; title vi \"Mới nộp\"\n"
                "        on receive -> processing by clerk\n"
                "        on request-supplement -> incomplete by clerk }\n"
                "    state incomplete { clock stopped; title vi \"Chờ bổ sung\"\n"
                "        on supplement -> submitted by applicant\n"
                "        on withdraw -> withdrawn by applicant }\n"
                "    state processing { title vi \"Đang xử lý\"\n"
                "        on approve -> ready by head\n"
                "        on refuse -> refused by head\n"
                "        on ask-fee -> awaiting-fee by specialist }\n"
                "    state awaiting-fee { clock paused; title vi \"Chờ nộp phí\"\n"
                "        on pay -> processing by applicant }\n"
                "    state ready { clock paused; title vi \"Có kết quả\"\n"
                "        on return-result -> returned by clerk }\n"
                "    state returned { title vi \"Đã trả kết quả\"; final; outcome granted }\n"
                "    state refused { title vi \"Từ chối\"; final; outcome refused }\n"
                "    state withdrawn { title vi \"Đã rút\"; final; outcome withdrawn }\n"
                "    event receive { title vi \"Tiếp nhận\" }\n"
                "    event request-supplement { title vi \"Yêu cầu bổ sung\" }\n"
                "    event supplement { title vi \"Bổ sung hồ sơ\" }\n"
                "    event withdraw { title vi \"Rút hồ sơ\" }\n"
                "    event approve { title vi \"Phê duyệt\" }\n"
                "    event refuse { title vi \"Từ chối\" }\n"
                "    event ask-fee { title vi \"Yêu cầu nộp phí\" }\n"
                "    event pay { title vi \"Nộp phí\" }\n"
                "    event return-result { title vi \"Trả kết quả\" }\n"
                "}\n",
                dir);
    const char *dirs[] = {FIX "/base", dir};
    mc_catalogue *renamed = load(dirs, 2), *truth;
    mc_engine *e = make_store(":memory:", truth_dirs, 2, 2000, &truth);
    mc_calibration c;
    mc_error err;
    assert_int_equal(mc_calibrate_measure(&c, renamed, mc_engine_store(e), &all, &err), 0);
    assert_true(c.unknown_states > 0); /* the leavings of awaiting-payment */
    const mc_calibrate_state *p = &c.procs[0].states[2];
    assert_string_equal(p->state->name, "processing");
    assert_true(p->other > 0); /* ask-payment, an event processing no longer has */
    assert_int_equal(p->events[2].n, 0);
    char *text;
    assert_int_equal(mc_calibrate_text(&c, "the store store.db", &text, &err), 0);
    assert_non_null(strstr(text, " leavings of states the procedures no longer have (or of a "
                                 "history that does not follow them): not counted\n"));
    assert_non_null(strstr(text, " more by events it no longer has\n"));
    assert_non_null(strstr(text, "        on ask-fee chance 0.0%    # 0 dossiers\n"));
    free(text);
    mc_calibration_free(&c);
    mc_engine_close(e);
    mc_catalogue_free(truth);
    mc_catalogue_free(renamed);
    remove_layer(dir);
}

/* ---- out of memory ---- */

typedef struct oom_ctx {
    const mc_catalogue *cat;
    mc_store *st;
} oom_ctx;

static int oom_attempt(void *ud)
{
    oom_ctx *x = ud;
    mc_calibration c;
    mc_error err;
    char *text = NULL;
    int rc = mc_calibrate_measure(&c, x->cat, x->st, &all, &err);
    if (rc == 0) {
        rc = mc_calibrate_text(&c, "the store store.db", &text, &err);
    }
    mc_free(text);
    mc_calibration_free(&c);
    return rc;
}

/* Every allocation of a calibration failing in turn: MC_ENOMEM, nothing leaked (ASan). */
static void test_calibrate__out_of_memory(void **state)
{
    (void)state;
    mc_catalogue *truth, *base = load(base_dirs, 1);
    mc_engine *e = make_store(":memory:", truth_dirs, 2, 40, &truth);
    oom_ctx x = {base, mc_engine_store(e)};
    assert_true(tu_oom_sweep(oom_attempt, &x, false) > 10);
    mc_engine_close(e);
    mc_catalogue_free(truth);
    mc_catalogue_free(base);
}

static int oom_load(void *ud)
{
    (void)ud;
    const char *a[] = {FIX "/base"}, *b[] = {FIX "/truth"};
    mc_layer layers[] = {{.name = "base", .paths = a, .npaths = 1},
                         {.name = "truth", .paths = b, .npaths = 1}};
    mc_load_opts opts = MC_LOAD_OPTS_INIT;
    opts.layers = layers;
    opts.nlayers = 2;
    mc_diags *d = NULL;
    mc_catalogue *cat = NULL;
    mc_error err;
    int rc = mc_diags_new(&d);
    if (rc == 0) {
        rc = mc_catalogue_load(&cat, &opts, d, &err);
    }
    mc_catalogue_free(cat);
    mc_diags_free(d);
    return rc;
}

/* The figures' extensions built with every allocation failing in turn. */
static void test_calibrate__extend_out_of_memory(void **state)
{
    (void)state;
    assert_true(tu_oom_sweep(oom_load, NULL, false) > 10);
}

/* ---- the language: what `extend` sets ---- */

static const mc_state *state_of(const mc_machine *m, const char *name)
{
    for (size_t i = 0; i < m->nstates; i++) {
        if (strcmp(m->states[i]->name, name) == 0) {
            return m->states[i];
        }
    }
    fail_msg("no state %s", name);
    return NULL;
}

/* A procedure's figures are its own (the lifecycle's state it shares is copied); a lifecycle's
 * reach every procedure built on it. */
static void test_calibrate__extend_sets_figures_where_written(void **state)
{
    (void)state;
    char dir[64];
    write_layer("extend lifecycle desk { state ready { takes 3wd } }\n"
                "extend procedure permit-a {\n"
                "    volume 500 per year\n"
                "    state processing { takes 2wd 4wd; on approve chance 70%; on refuse chance "
                "10%; on ask-payment chance 20% }\n"
                "}\n",
                dir);
    const char *dirs[] = {FIX "/base", dir};
    mc_catalogue *cat = load(dirs, 2);
    mc_date day = mc_date_from_ymd(2025, 6, 1);
    const mc_procedure *a = mc_catalogue_procedure(cat, "permit-a", day),
                       *b = mc_catalogue_procedure(cat, "permit-b", day);
    const mc_lifecycle *l = mc_catalogue_lifecycle(cat, "desk");
    assert_int_equal(a->volume, 500);
    assert_int_equal(b->volume, 100);
    const mc_state *pa = state_of(&a->machine, "processing"),
                   *pb = state_of(&b->machine, "processing"),
                   *pl = state_of(&l->machine, "processing");
    assert_int_equal(pa->takes_min.amount, 2 * MC_FIXED_ONE);
    assert_int_equal(pa->takes_max.amount, 4 * MC_FIXED_ONE);
    assert_int_equal(pa->on[0].chance, 70 * MC_FIXED_ONE);
    assert_int_equal(pa->on[1].chance, 10 * MC_FIXED_ONE);
    assert_int_equal(pa->on[2].chance, 20 * MC_FIXED_ONE);
    assert_string_equal(pa->on[0].target_name, "ready"); /* the rest of the state as it was */
    assert_ptr_equal(pb, pl);                            /* permit-b keeps the lifecycle's */
    assert_int_equal(pb->takes_min.amount, 1 * MC_FIXED_ONE);
    assert_int_equal(pb->on[0].chance, 40 * MC_FIXED_ONE);
    const mc_state *rl = state_of(&l->machine, "ready");
    assert_int_equal(rl->takes_min.amount, 3 * MC_FIXED_ONE);
    assert_ptr_equal(state_of(&a->machine, "ready"), rl);
    assert_ptr_equal(state_of(&b->machine, "ready"), rl);
    mc_catalogue_free(cat);
    remove_layer(dir);
}

/* A later `replace procedure` takes the extensions of the lower layers with it. */
static void test_calibrate__replace_drops_lower_extensions(void **state)
{
    (void)state;
    char mid[64], top[64];
    write_layer("extend procedure permit-a { volume 500 per year }\n", mid);
    write_layer("replace procedure permit-a { calendar vn; time-limit 2wd; volume 7 per year; "
                "lifecycle desk }\n",
                top);
    const char *dirs[] = {FIX "/base", mid, top};
    mc_catalogue *cat = load(dirs, 3);
    const mc_procedure *a = mc_catalogue_procedure(cat, "permit-a", mc_date_from_ymd(2025, 6, 1));
    assert_int_equal(a->volume, 7);
    size_t n;
    const mc_layer_decl *d = mc_catalogue_layer_decls(cat, &n);
    bool seen = false;
    for (size_t i = 0; i < n; i++) {
        if (d[i].op == MC_LAYER_EXTENDS) {
            assert_string_equal(d[i].name, "permit-a");
            assert_true(d[i].replaced);
            seen = true;
        }
    }
    assert_true(seen);
    mc_catalogue_free(cat);
    remove_layer(mid);
    remove_layer(top);
}

int main(void)
{
    const char *keep = getenv("MC_CALIBRATE_STORE");
    if (keep != NULL) {
        /* only the back-test's store, for tests/calibrate.sh */
        mc_catalogue *truth;
        mc_engine *e = make_store(":memory:", truth_dirs, 2, INT64_MAX, &truth);
        mc_error err;
        int rc = mc_store_backup(mc_engine_store(e), keep, NULL, &err); /* one write, not 90,000 */
        if (rc != 0) {
            fprintf(stderr, "%s\n", err.msg);
        }
        mc_engine_close(e);
        mc_catalogue_free(truth);
        return rc == 0 ? 0 : 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_calibrate__back_test),
        cmocka_unit_test(test_calibrate__few_observations_left_out),
        cmocka_unit_test(test_calibrate__empty_store),
        cmocka_unit_test(test_calibrate__store_of_another_catalogue),
        cmocka_unit_test(test_calibrate__unknown_procedures_noted),
        cmocka_unit_test(test_calibrate__renamed_states_counted_apart),
        cmocka_unit_test(test_calibrate__out_of_memory),
        cmocka_unit_test(test_calibrate__extend_out_of_memory),
        cmocka_unit_test(test_calibrate__extend_sets_figures_where_written),
        cmocka_unit_test(test_calibrate__replace_drops_lower_extensions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
