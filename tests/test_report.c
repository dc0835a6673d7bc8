/* Service indicators (report.h) over a store filled through the engine: received, resolved on
 * time and late, open and overdue, apologies, online shares, results issued, reuse and
 * once-only refusals, mean processing time — per procedure, per agency and in total, and only
 * within the period. */
#include "testutil.h"

#include "motcua/calendar.h"
#include "motcua/engine.h"
#include "motcua/report.h"

static const char text[] =
    "calendar vn { default; hours 07:30-11:30 13:30-17:00; cutoff 15:00 }\n"
    "role clerk\nrole head\n"
    "document notice\ndocument cert { match \"(?i)marriage\" }\ndocument result\n"
    "registry civil { holds cert result }\n"
    "lifecycle l { apology by head\n"
    "  state submitted { initial; on receive -> processing by clerk; on withdraw -> gone by "
    "applicant }\n"
    "  state processing { on approve -> done by head; on ask -> processing by clerk }\n"
    "  state done { final; outcome granted; issues result to civil }\n"
    "  state gone { final; outcome withdrawn } }\n"
    "procedure birth { time-limit 2wd; lifecycle l; agency commune; online full; subject id\n"
    "  field id { type text; required }\n  requires notice\n  requires cert }\n"
    "procedure death { time-limit 2wd; lifecycle l; agency commune; online partial; subject id\n"
    "  field id { type text; required } }\n";

static int64_t at(const mc_calendar *vn, const char *dt)
{
    mc_datetime m;
    assert_int_equal(mc_value_datetime(dt, strlen(dt), &m, NULL, 0), 0);
    return mc_calendar_to_utc(vn, (mc_localtime)m * 60);
}

static int64_t submit(mc_engine *e, const char *proc, const char *id, const char *channel,
                      int64_t now)
{
    mc_kv fields[] = {{"id", id}};
    mc_submit s = {
        .procedure = proc, .fields = fields, .nfields = 1, .channel = channel, .now = now};
    mc_result res;
    assert_int_equal(mc_engine_submit(e, &s, &res, NULL), 0);
    return res.dossier;
}

static int fire(mc_engine *e, int64_t id, const char *event, const char *role, int64_t now,
                const char *const *docs, size_t ndocs)
{
    mc_fire f;
    memset(&f, 0, sizeof f);
    f.dossier = id;
    f.event = event;
    f.role = role;
    f.now = now;
    f.payload.documents = docs;
    f.payload.ndocuments = ndocs;
    mc_result res;
    return mc_engine_fire(e, &f, &res, NULL);
}

struct report_run {
    mc_engine *e;
    const mc_catalogue *cat;
    const mc_report *first;
};

/* Computes the report of test_report__indicators again: the same figures or MC_ENOMEM. */
static int report_again(void *ctx)
{
    struct report_run *run = ctx;
    mc_report r;
    mc_error err;
    int rc = mc_report_compute(mc_engine_store(run->e), run->cat, mc_date_from_ymd(2025, 7, 1),
                               mc_date_from_ymd(2025, 7, 31), &r, &err);
    if (rc == MC_ENOMEM) {
        assert_string_equal(err.msg, "out of memory");
    } else if (rc == 0) {
        assert_memory_equal(&r.total, &run->first->total, sizeof r.total);
        assert_int_equal(r.nprocedures, run->first->nprocedures);
        mc_report_free(&r);
    }
    return rc;
}

/* Fills a store with five dossiers and checks their indicators; sweep: then computes them again
 * with each allocation failing in turn. */
static void indicators(bool sweep)
{
    mc_catalogue *cat;
    char *diags;
    assert_int_equal(tu_load(text, &cat, &diags), 0);
    free(diags);
    const mc_calendar *vn = mc_catalogue_calendar(cat, "vn");
    mc_engine *e;
    assert_int_equal(mc_engine_open(&e, cat, NULL, ":memory:", NULL), 0);
    mc_record_row rec = {"civil", "cert", "A", "C-1", "2020-01-01"};
    assert_int_equal(mc_store_record_put(mc_engine_store(e), &rec, NULL), 0);
    /* A: online, on time, its certificate fetched, one once-only refusal. */
    int64_t a = submit(e, "birth", "A", "online", at(vn, "2025-07-07T09:00"));
    const char *cert[] = {"cert"};
    assert_int_equal(fire(e, a, "receive", "clerk", at(vn, "2025-07-07T10:00"), NULL, 0), 0);
    assert_int_equal(fire(e, a, "ask", "clerk", at(vn, "2025-07-07T10:30"), cert, 1), MC_EREFUSED);
    assert_int_equal(fire(e, a, "approve", "head", at(vn, "2025-07-08T10:00"), NULL, 0), 0);
    /* B: at the counter, late, with a timely apology. */
    int64_t b = submit(e, "birth", "B", NULL, at(vn, "2025-07-07T09:00"));
    assert_int_equal(fire(e, b, "receive", "clerk", at(vn, "2025-07-07T10:00"), NULL, 0), 0);
    mc_apology ap = {.dossier = b,
                     .role = "head",
                     .new_date = mc_date_from_ymd(2025, 7, 15),
                     .reason = "archives",
                     .now = at(vn, "2025-07-08T09:00")};
    mc_result res;
    assert_int_equal(mc_engine_apologize(e, &ap, &res, NULL), 0);
    assert_int_equal(fire(e, b, "approve", "head", at(vn, "2025-07-11T10:00"), NULL, 0), 0);
    /* C: still open and overdue at the end of the period. */
    int64_t c = submit(e, "death", "C", "online", at(vn, "2025-07-08T09:00"));
    assert_int_equal(fire(e, c, "receive", "clerk", at(vn, "2025-07-08T10:00"), NULL, 0), 0);
    /* D: withdrawn — received, never resolved. E: outside the period. */
    int64_t d = submit(e, "death", "D", NULL, at(vn, "2025-07-09T09:00"));
    assert_int_equal(fire(e, d, "withdraw", "applicant", at(vn, "2025-07-09T10:00"), NULL, 0), 0);
    submit(e, "birth", "E", NULL, at(vn, "2025-08-04T09:00"));

    mc_report r;
    assert_int_equal(mc_report_compute(mc_engine_store(e), cat, mc_date_from_ymd(2025, 7, 1),
                                       mc_date_from_ymd(2025, 7, 31), &r, NULL),
                     0);
    if (sweep) {
        /* The sweep: every failed allocation ends in MC_ENOMEM, never in a report with an
         * apology, a refusal or an overdue mark left uncounted; then the same figures. */
        struct report_run run = {e, cat, &r};
        assert_true(tu_oom_sweep(report_again, &run, false) > 20);
    }
    const mc_indicators *t = &r.total;
    assert_int_equal(t->received, 4);
    assert_int_equal(t->resolved, 2);
    assert_int_equal(t->on_time, 1);
    assert_int_equal(t->late, 1);
    assert_int_equal(t->in_progress, 1);
    assert_int_equal(t->overdue, 1);
    assert_int_equal(t->apologies, 1);
    assert_int_equal(t->apologies_timely, 1); /* 8 July, due 9 July: one working day before */
    assert_int_equal(t->online, 2);
    assert_int_equal(t->full_online, 1); /* death is only partial online */
    assert_int_equal(t->results, 2);     /* A and B issued their results */
    assert_int_equal(t->fetched, 1);
    assert_int_equal(t->asked, 3); /* A's notice, B's notice and certificate */
    assert_int_equal(t->blocked, 1);
    /* office time over a working day of 7.5 office hours (mc_report_lead_wd): A, 7 July 09:00
     * → 8 July 10:00, 8.5 h; B → 11 July 10:00, 31 h */
    assert_int_equal(t->processing, 1133333 + 4133333);
    assert_int_equal(r.nprocedures, 2);
    assert_string_equal(r.procedures[0].name, "birth");
    assert_int_equal(r.procedures[0].received, 2);
    assert_int_equal(r.procedures[1].received, 2);
    assert_int_equal(r.nagencies, 1);
    assert_string_equal(r.agencies[0].name, "commune");
    assert_int_equal(r.agencies[0].received, 4);
    mc_report_free(&r);
    mc_engine_close(e);
    mc_catalogue_free(cat);
}

static void test_report__indicators(void **state)
{
    (void)state;
    indicators(false);
}

static void test_report__out_of_memory_sweep(void **state)
{
    (void)state;
    indicators(true);
}

static const char clock_text[] =
    "calendar vn { default; hours 07:30-11:30 13:30-17:00 }\n"
    "role clerk\n"
    "lifecycle l {\n"
    "  state submitted { initial; on receive -> processing by clerk }\n"
    "  state processing { on approve -> done by clerk; on redo -> processing by clerk "
    "restart-clock\n"
    "                     on wait -> waiting by clerk }\n"
    "  state waiting { clock paused; on resume -> processing by clerk }\n"
    "  state done { final; outcome granted } }\n"
    "procedure p { time-limit 2wd; lifecycle l; agency commune; subject id\n"
    "  field id { type text; required } }\n";

/* The overdue indicator of the period ending on local date to (from 1 July 2025). */
static int64_t overdue_until(mc_engine *e, const mc_catalogue *cat, mc_date to)
{
    mc_report r;
    assert_int_equal(
        mc_report_compute(mc_engine_store(e), cat, mc_date_from_ymd(2025, 7, 1), to, &r, NULL), 0);
    int64_t n = r.total.overdue;
    mc_report_free(&r);
    return n;
}

/* SPEC §9: overdue is taken as of --to. A tick after the period marks a dossier whose due
 * instant also falls after it: the report of the period must not count it (it did). A dossier
 * overdue at the end of the period stays overdue in that report when it closes, restarts its
 * clock or pauses later (it was not counted when it closed). */
static void test_report__overdue_as_of_the_end_of_the_period(void **state)
{
    (void)state;
    mc_catalogue *cat;
    char *diags;
    assert_int_equal(tu_load(clock_text, &cat, &diags), 0);
    free(diags);
    const mc_calendar *vn = mc_catalogue_calendar(cat, "vn");
    mc_engine *e;
    assert_int_equal(mc_engine_open(&e, cat, NULL, ":memory:", NULL), 0);
    /* Received Monday 28 July: due at the end of office hours on Wednesday 30 July. */
    int64_t a = submit(e, "p", "A", NULL, at(vn, "2025-07-28T09:00"));
    assert_int_equal(fire(e, a, "receive", "clerk", at(vn, "2025-07-28T10:00"), NULL, 0), 0);
    size_t n;
    assert_int_equal(mc_engine_tick(e, at(vn, "2025-08-04T09:00"), &n, NULL), 0);
    assert_int_equal(n, 1); /* marked overdue now, as of 30 July 17:00 */
    assert_int_equal(overdue_until(e, cat, mc_date_from_ymd(2025, 7, 29)), 0);
    assert_int_equal(overdue_until(e, cat, mc_date_from_ymd(2025, 7, 30)), 1);

    /* Overdue on 31 July, then approved on 5 August: still overdue in July's report. */
    assert_int_equal(fire(e, a, "approve", "clerk", at(vn, "2025-08-05T09:00"), NULL, 0), 0);
    assert_int_equal(overdue_until(e, cat, mc_date_from_ymd(2025, 7, 31)), 1);
    assert_int_equal(overdue_until(e, cat, mc_date_from_ymd(2025, 8, 4)), 1);
    assert_int_equal(overdue_until(e, cat, mc_date_from_ymd(2025, 8, 5)), 0); /* closed */

    /* B: overdue on 31 July, its clock restarted on 4 August; C: overdue, then paused. */
    int64_t b = submit(e, "p", "B", NULL, at(vn, "2025-07-28T09:00"));
    assert_int_equal(fire(e, b, "receive", "clerk", at(vn, "2025-07-28T10:00"), NULL, 0), 0);
    assert_int_equal(fire(e, b, "redo", "clerk", at(vn, "2025-08-04T09:00"), NULL, 0), 0);
    int64_t c = submit(e, "p", "C", NULL, at(vn, "2025-07-28T09:00"));
    assert_int_equal(fire(e, c, "receive", "clerk", at(vn, "2025-07-28T10:00"), NULL, 0), 0);
    assert_int_equal(fire(e, c, "wait", "clerk", at(vn, "2025-08-04T09:00"), NULL, 0), 0);
    assert_int_equal(overdue_until(e, cat, mc_date_from_ymd(2025, 7, 29)), 0);
    assert_int_equal(overdue_until(e, cat, mc_date_from_ymd(2025, 7, 31)), 3);
    /* After the restart B is on time again (due 6 August); C stays overdue while paused. */
    assert_int_equal(overdue_until(e, cat, mc_date_from_ymd(2025, 8, 4)), 2);
    assert_int_equal(overdue_until(e, cat, mc_date_from_ymd(2025, 8, 5)), 1);
    mc_engine_close(e);
    mc_catalogue_free(cat);
}

/* The shares and the mean every format prints: hundredths, rounded half up, none of nothing. */
static void test_report__ratios(void **state)
{
    (void)state;
    mc_indicators x;
    memset(&x, 0, sizeof x);
    x.received = 8;
    x.online = 1;      /* 12.5% */
    x.full_online = 0; /* 0% */
    x.resolved = 3;
    x.on_time = 2;        /* 66.666…% → 66.67 */
    x.processing = 10 * MC_FIXED_ONE; /* 3.333… → 3.33 */
    mc_indicator_ratios r = mc_report_ratios(&x);
    assert_int_equal(r.online, 1250);
    assert_int_equal(r.full_online, 0);
    assert_int_equal(r.on_time, 6667);
    assert_int_equal(r.mean_wd, 333);
    assert_int_equal(r.not_online, 7);
    x.resolved = 8;
    x.on_time = 1;        /* 12.5% exactly */
    x.processing = 13 * MC_FIXED_ONE; /* 1.625 → 1.63, half up */
    x.online = 2;
    x.received = 40000; /* 0.005% → 0.01, half up */
    r = mc_report_ratios(&x);
    assert_int_equal(r.on_time, 1250);
    assert_int_equal(r.mean_wd, 163);
    assert_int_equal(r.online, 1);
    memset(&x, 0, sizeof x);
    r = mc_report_ratios(&x);
    assert_int_equal(r.on_time, MC_REPORT_NONE);
    assert_int_equal(r.online, MC_REPORT_NONE);
    assert_int_equal(r.full_online, MC_REPORT_NONE);
    assert_int_equal(r.mean_wd, MC_REPORT_NONE);
    assert_int_equal(r.not_online, 0);
}

/* ==== per officer (report.h, "per officer") ============================================== */

static bool only_commune(void *ud, const char *agency)
{
    (void)ud;
    return agency != NULL && strcmp(agency, "commune") == 0;
}

static const mc_officer_row *officer(const mc_officer_report *r, const char *name)
{
    for (size_t i = 0; i < r->nofficers; i++) {
        if (strcmp(r->officers[i].officer, name) == 0) {
            return &r->officers[i];
        }
    }
    fail_msg("no row for officer %s", name);
    return NULL;
}

/* The accumulator on events given by hand: who handled which dossier, whose step went late,
 * supplements, apologies and once-only refusals, in the period and the agencies kept only. */
static void test_report__officers_accumulator(void **state)
{
    (void)state;
    mc_catalogue *cat;
    char *diags;
    assert_int_equal(tu_load(text, &cat, &diags), 0);
    free(diags);
    const mc_calendar *vn = mc_catalogue_calendar(cat, "vn");
    mc_officer_builder *b;
    assert_int_equal(mc_officers_begin(&b, cat, mc_date_from_ymd(2025, 7, 1),
                                       mc_date_from_ymd(2025, 7, 31), only_commune, NULL),
                     0);
    int64_t t = at(vn, "2025-07-07T09:00"), late_t = at(vn, "2025-08-04T09:00");
    const char *c = "commune";
    const mc_officer_event ev[] = {
        /* 1: lan receives it on time; it goes overdue while it waits for hoa, who approves. */
        {1, t, "submit", "lan", true, false, false, c},
        {1, t + 60, "fire", "lan", true, false, false, c},
        {1, t + 120, "overdue", NULL, false, false, false, c},
        {1, t + 180, "fire", "hoa", true, false, false, c},
        /* 2: overdue before lan's step began: not lan's lateness. lan asks for documents (a
         * supplement), is refused once by the once-only rule; hoa apologises. */
        {2, t, "submit", NULL, true, false, false, c},
        {2, t + 10, "overdue", NULL, false, false, false, c},
        {2, t + 20, "fire", "system", true, false, false, c}, /* a timer's: a new step */
        {2, t + 30, "fire", "lan", true, true, false, c},
        {2, t + 40, "blocked", "lan", false, false, true, c},
        {2, t + 45, "blocked", "lan", false, false, false, c}, /* refused, not once-only */
        {2, t + 50, "apology", "hoa", false, false, false, c},
        /* 3: another agency's: not counted. 4: outside the period; an event without a user. */
        {3, t, "fire", "lan", true, true, false, "other"},
        {4, late_t, "fire", "lan", true, false, false, c},
        {4, t, "fire", NULL, true, false, false, c},
        /* 5: the overdue mark and the late fire in one step that lan ends */
        {5, t, "fire", "minh", true, false, false, c},
        {5, t + 5, "overdue", NULL, false, false, false, c},
        {5, t + 6, "fire", "minh", false, false, false, c}, /* a fire that stays: no new step */
        {5, t + 7, "fire", "lan", true, false, false, c},
    };
    for (size_t i = 0; i < sizeof ev / sizeof ev[0]; i++) {
        assert_int_equal(mc_officers_add(b, &ev[i]), 0);
    }
    mc_officer_report r;
    assert_int_equal(mc_officers_end(b, &r), 0);
    assert_int_equal(r.nofficers, 4); /* sorted: hoa, lan, minh, system */
    assert_string_equal(r.officers[0].officer, "hoa");
    assert_string_equal(r.officers[1].officer, "lan");
    assert_string_equal(r.officers[2].officer, "minh");
    const mc_officer_row *hoa = officer(&r, "hoa"), *lan = officer(&r, "lan"),
                         *minh = officer(&r, "minh");
    assert_int_equal(hoa->handled, 2);
    assert_int_equal(hoa->late, 1); /* dossier 1 */
    assert_int_equal(hoa->on_time, 1);
    assert_int_equal(hoa->apologies, 1);
    assert_int_equal(hoa->supplements, 0);
    assert_int_equal(lan->handled, 3); /* 1, 2 and 5 */
    assert_int_equal(lan->late, 1);    /* 5: the mark came in the step lan ended */
    assert_int_equal(lan->on_time, 2);
    assert_int_equal(lan->supplements, 1);
    assert_int_equal(lan->once_only_refusals, 1);
    assert_int_equal(lan->apologies, 0);
    assert_int_equal(minh->handled, 1);
    assert_int_equal(minh->late, 0); /* minh's fire at t + 6 left no state */
    mc_officers_free(&r);
    mc_officers_free(&r); /* freed twice: a no-op */
    mc_catalogue_free(cat);
}

struct officers_run {
    mc_store *st;
    const mc_catalogue *cat;
};

static int officers_again(void *ctx)
{
    struct officers_run *run = ctx;
    mc_officer_report r;
    mc_error err;
    int rc = mc_officers_compute(run->st, run->cat, mc_date_from_ymd(2025, 7, 1),
                                 mc_date_from_ymd(2025, 8, 31), NULL, NULL, &r, &err);
    if (rc == MC_ENOMEM) {
        assert_string_equal(err.msg, "out of memory");
    } else if (rc == 0) {
        assert_int_equal(r.nofficers, 2);
        mc_officers_free(&r);
    }
    return rc;
}

static int fire_as(mc_engine *e, int64_t id, const char *event, const char *user, int64_t now,
                   const char *const *docs, size_t ndocs)
{
    mc_fire f;
    memset(&f, 0, sizeof f);
    f.dossier = id;
    f.event = event;
    f.role = "clerk";
    f.user = user;
    f.now = now;
    f.payload.documents = docs;
    f.payload.ndocuments = ndocs;
    mc_result res;
    return mc_engine_fire(e, &f, &res, NULL);
}

/* From a store filled through the engine: lan receives A on time; A goes overdue on 30 July
 * while it waits for hoa, who approves it on 5 August: hoa's step was late. Per period; and the
 * sweep of out of memory. */
static void test_report__officers_from_the_store(void **state)
{
    (void)state;
    mc_catalogue *cat;
    char *diags;
    assert_int_equal(tu_load(clock_text, &cat, &diags), 0);
    free(diags);
    const mc_calendar *vn = mc_catalogue_calendar(cat, "vn");
    mc_engine *e;
    assert_int_equal(mc_engine_open(&e, cat, NULL, ":memory:", NULL), 0);
    int64_t a = submit(e, "p", "A", NULL, at(vn, "2025-07-28T09:00"));
    assert_int_equal(fire_as(e, a, "receive", "lan", at(vn, "2025-07-28T10:00"), NULL, 0), 0);
    assert_int_equal(fire_as(e, a, "approve", "hoa", at(vn, "2025-08-05T09:00"), NULL, 0), 0);
    int64_t b = submit(e, "p", "B", NULL, at(vn, "2025-07-28T09:00"));
    assert_int_equal(fire_as(e, b, "receive", "lan", at(vn, "2025-07-28T10:00"), NULL, 0), 0);
    assert_int_equal(fire_as(e, b, "approve", "lan", at(vn, "2025-07-29T10:00"), NULL, 0), 0);
    mc_officer_report r;
    mc_error err;
    assert_int_equal(mc_officers_compute(mc_engine_store(e), cat, mc_date_from_ymd(2025, 7, 1),
                                         mc_date_from_ymd(2025, 8, 31), NULL, NULL, &r, &err),
                     0);
    assert_int_equal(r.nofficers, 2);
    assert_string_equal(r.officers[0].officer, "hoa");
    assert_int_equal(r.officers[0].handled, 1);
    assert_int_equal(r.officers[0].late, 1);
    assert_int_equal(r.officers[0].on_time, 0);
    assert_string_equal(r.officers[1].officer, "lan");
    assert_int_equal(r.officers[1].handled, 2);
    assert_int_equal(r.officers[1].late, 0);
    assert_int_equal(r.officers[1].on_time, 2);
    mc_officers_free(&r);
    /* July only: hoa's approval is in August. */
    assert_int_equal(mc_officers_compute(mc_engine_store(e), cat, mc_date_from_ymd(2025, 7, 1),
                                         mc_date_from_ymd(2025, 7, 31), NULL, NULL, &r, &err),
                     0);
    assert_int_equal(r.nofficers, 1);
    assert_string_equal(r.officers[0].officer, "lan");
    mc_officers_free(&r);
    /* Every allocation failing in turn: a clean MC_ENOMEM, then the same rows. */
    struct officers_run run = {mc_engine_store(e), cat};
    assert_true(tu_oom_sweep(officers_again, &run, false) > 5);
    mc_engine_close(e);
    mc_catalogue_free(cat);
}

/* mc_report_add keeps the rows of the versions it has seen: dossiers of two procedures, of a
 * second version of one of them (another address, the same name) and of none, interleaved, each
 * land in their procedure's and agency's rows. */
static void test_report__rows_of_versions_seen(void **state)
{
    (void)state;
    mc_catalogue *cat;
    char *diags;
    assert_int_equal(tu_load(text, &cat, &diags), 0);
    free(diags);
    const mc_calendar *vn = mc_catalogue_calendar(cat, "vn");
    const mc_procedure *birth = mc_catalogue_procedure(cat, "birth", mc_date_from_ymd(2025, 7, 7));
    const mc_procedure *death = mc_catalogue_procedure(cat, "death", mc_date_from_ymd(2025, 7, 7));
    assert_non_null(birth);
    assert_non_null(death);
    mc_procedure birth2 = *birth;
    const mc_procedure *versions[] = {birth, death, NULL, &birth2, death};
    mc_date day = mc_date_from_ymd(2025, 7, 7);
    mc_report_builder *b;
    assert_int_equal(mc_report_begin(&b, cat, day, day + 6), 0);
    for (int i = 0; i < 500; i++) {
        mc_report_dossier x = {.procedure = versions[i % 5],
                               .channel = "online",
                               .submitted = at(vn, "2025-07-08T09:00"),
                               .finished = MC_NONE,
                               .late = -1,
                               .due = MC_NONE,
                               .apology_at = MC_NONE};
        assert_int_equal(mc_report_add(b, &x), 0);
    }
    mc_report r;
    mc_report_end(b, &r);
    assert_int_equal(r.nprocedures, 3);
    assert_string_equal(r.procedures[0].name, "(unknown procedure)");
    assert_int_equal(r.procedures[0].received, 100);
    assert_string_equal(r.procedures[1].name, "birth");
    assert_int_equal(r.procedures[1].received, 200);
    assert_int_equal(r.procedures[1].full_online, 200);
    assert_string_equal(r.procedures[2].name, "death");
    assert_int_equal(r.procedures[2].received, 200);
    assert_int_equal(r.nagencies, 2);
    assert_string_equal(r.agencies[0].name, "-");
    assert_int_equal(r.agencies[0].received, 100);
    assert_string_equal(r.agencies[1].name, "commune");
    assert_int_equal(r.agencies[1].received, 400);
    assert_int_equal(r.total.received, 500);
    mc_report_free(&r);
    mc_catalogue_free(cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report__indicators),
        cmocka_unit_test(test_report__rows_of_versions_seen),
        cmocka_unit_test(test_report__out_of_memory_sweep),
        cmocka_unit_test(test_report__overdue_as_of_the_end_of_the_period),
        cmocka_unit_test(test_report__ratios),
        cmocka_unit_test(test_report__officers_accumulator),
        cmocka_unit_test(test_report__officers_from_the_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
