/*
 * Tests of the queueing core (src/analysis/queue.c): the very pools and event list the simulator
 * uses, driven with Poisson arrivals and exponential service and checked against an M/M/c
 * queue's closed form (Erlang C: the mean wait, the share delayed, the 90th percentile of the
 * wait), utilisation and Little's law; then office hours on the bundled calendar, cancelling,
 * ties, misuse, the memory it takes and out of memory.
 */
#include "testutil.h"

#include "motcua/calendar.h"
#include "motcua/sim.h"
#include "analysis/queue.h"
#include "analysis/synth.h"

#include <math.h>

/* ==== M/M/c against Erlang C ============================================================= */

/* Erlang C: the probability that a job waits in an M/M/c queue offered a = λ/μ erlangs (a < c),
 * by the Erlang B recurrence B(k) = a B(k−1) / (k + a B(k−1)), B(0) = 1, which never forms a
 * factorial or a power; then C = c B / (c − a (1 − B)). */
static double erlang_c(int c, double a)
{
    double b = 1.0;
    for (int k = 1; k <= c; k++) {
        b = a * b / (k + a * b);
    }
    return c * b / (c - a * (1.0 - b));
}

/* An exponential draw of mean `mean` from the stream *rng, in whole units. */
static int64_t expo(uint64_t *rng, double mean)
{
    double u = mc_synth_unit(mc_synth_next(rng));
    return (int64_t)llround(-log1p(-u) * mean);
}

enum { TAG_ARRIVAL = 1 };
enum { BATCHES = 20 };

typedef struct mmc_run {
    double wq_exact, c_exact, p90_exact; /* closed form */
    double wq, half;                     /* simulated mean wait, 95% half-width (batch means) */
    double delayed, utilisation, lq;
    double lq_identity; /* started / span × mean wait: the same path's own Little */
    int64_t p90;
    mc_queue_stats st;
} mmc_run;

/* Runs n jobs through one pool of c officers, always open, at load rho = λ / (cμ) with a mean
 * service of 10⁶ units (microseconds, say: rounding a draw to a unit changes nothing visible),
 * arrivals by wake-ups as the simulator makes them (the next one drawn when one comes). The
 * waits of the jobs, in the order they end, make BATCHES batches; the first is left out of the
 * interval as the warm-up. */
static void run_mmc(int c, double rho, int64_t n, uint64_t seed, mmc_run *out)
{
    const double mean_service = 1e6;
    const double mu = 1.0 / mean_service, lambda = rho * c * mu;
    double a = lambda / mu;
    memset(out, 0, sizeof *out);
    out->c_exact = erlang_c(c, a);
    out->wq_exact = out->c_exact / (c * mu - lambda);
    /* P(W > t) = C e^{−(cμ − λ) t}: the 90th percentile, when more than 10% wait */
    out->p90_exact = out->c_exact > 0.1 ? log(out->c_exact / 0.1) / (c * mu - lambda) : 0;

    mc_queue *q;
    uint32_t pool;
    assert_int_equal(mc_queue_new(&q, NULL), 0);
    assert_int_equal(mc_queue_add_pool(q, (uint32_t)c, NULL, &pool, NULL), 0);
    uint64_t arrivals = mc_synth_mix(seed), service = mc_synth_mix(seed ^ 0x5eed);
    assert_int_equal(mc_queue_wake(q, expo(&arrivals, 1.0 / lambda), TAG_ARRIVAL, NULL), 0);
    int64_t arrived = 0, done = 0, per_batch = n / BATCHES;
    double batch[BATCHES] = {0};
    mc_queue_event ev;
    int rc;
    while ((rc = mc_queue_next(q, &ev, NULL)) == 1) {
        if (ev.kind == MC_QUEUE_WAKE) {
            assert_int_equal(
                mc_queue_arrive(q, pool, ev.at, expo(&service, mean_service), 0, NULL, NULL), 0);
            if (++arrived < n) {
                assert_int_equal(
                    mc_queue_wake(q, ev.at + expo(&arrivals, 1.0 / lambda), TAG_ARRIVAL, NULL), 0);
            }
            continue;
        }
        int64_t b = done++ / per_batch;
        if (b < BATCHES) {
            batch[b] += (double)ev.wait / (double)per_batch;
        }
    }
    assert_int_equal(rc, 0);
    assert_int_equal(done, n);
    mc_sim_interval(batch + 1, BATCHES - 1, &out->wq, &out->half);
    mc_queue_stats_of(q, pool, &out->st);
    out->delayed = (double)out->st.delayed / (double)out->st.started;
    out->utilisation = out->st.utilisation;
    out->lq = out->st.mean_queue;
    out->lq_identity = (double)out->st.started / (double)out->st.span * out->st.mean_wait;
    out->p90 = out->st.p90_wait;
    mc_queue_free(q);
}

/* One load: the simulated mean wait within 4 half-widths of Erlang C's and within rel of it; the
 * share delayed within 1.5 points of C; utilisation within 1 point of ρ; Little's law on the
 * path itself (exact but for rounding: every job ended) and with the true λ (Lq = λ Wq, within
 * rel); the 90th percentile within rel. */
static void check_mmc(int c, double rho, double rel)
{
    mmc_run r;
    run_mmc(c, rho, 1000000, (uint64_t)(c * 1000 + (int)(rho * 100)), &r);
    double lambda = rho * c / 1e6;
    fprintf(stderr,
            "# M/M/%d rho %.2f: Wq exact %9.0f simulated %9.0f ± %7.0f (%+.1f%%), C %.4f/%.4f, "
            "util %.4f, Lq %.4f λWq %.4f, p90 %.0f/%lld\n",
            c, rho, r.wq_exact, r.wq, r.half, 100 * (r.wq - r.wq_exact) / r.wq_exact, r.c_exact,
            r.delayed, r.utilisation, r.lq, lambda * r.wq_exact, r.p90_exact, (long long)r.p90);
    assert_true(fabs(r.wq - r.wq_exact) < 4 * r.half);
    assert_true(fabs(r.wq - r.wq_exact) < rel * r.wq_exact);
    assert_true(fabs(r.delayed - r.c_exact) < 0.015);
    assert_true(fabs(r.utilisation - rho) < 0.01);
    assert_true(fabs(r.lq - r.lq_identity) < 1e-9 * r.lq + 1e-9);
    assert_true(fabs(r.lq - lambda * r.wq_exact) < rel * lambda * r.wq_exact);
    if (r.p90_exact > 0) {
        assert_true(fabs((double)r.p90 - r.p90_exact) < rel * r.p90_exact);
    }
}

static void test_queue__erlang_c_one_officer(void **state)
{
    (void)state;
    check_mmc(1, 0.5, 0.04);
    check_mmc(1, 0.8, 0.06);
    check_mmc(1, 0.9, 0.08);
}

static void test_queue__erlang_c_two_officers(void **state)
{
    (void)state;
    check_mmc(2, 0.5, 0.04);
    check_mmc(2, 0.8, 0.06);
    check_mmc(2, 0.9, 0.08);
}

static void test_queue__erlang_c_five_officers(void **state)
{
    (void)state;
    check_mmc(5, 0.5, 0.04);
    check_mmc(5, 0.8, 0.06);
    check_mmc(5, 0.9, 0.08);
}

/* The recurrence itself against values worked by hand: C(1, a) = a; C(2, 1) = 1/3. */
static void test_queue__erlang_c_closed_form(void **state)
{
    (void)state;
    assert_true(fabs(erlang_c(1, 0.8) - 0.8) < 1e-12);
    assert_true(fabs(erlang_c(2, 1.0) - 1.0 / 3.0) < 1e-12);
    /* 100 officers at 95%: a factorial form overflows long before, the recurrence does not */
    double c100 = erlang_c(100, 95.0);
    assert_true(c100 > 0 && c100 < 1);
}

/* ==== office hours ======================================================================= */

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

typedef struct fixture {
    mc_catalogue *cat;
    const mc_calendar *vn; /* the bundled calendar: 07:30-11:30 13:30-17:00, cutoff 15:00 */
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    char *diags;
    assert_int_equal(tu_load(read_text("procedures/common/calendar.proc"), &f->cat, &diags), 0);
    free(diags);
    f->vn = mc_catalogue_calendar(f->cat, "vn");
    assert_non_null(f->vn);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    mc_catalogue_free(f->cat);
    free(f);
    return 0;
}

/* UTC seconds of a local date and time on cal. */
static int64_t at(const mc_calendar *cal, const char *date, int h, int m)
{
    mc_date d;
    char msg[100];
    assert_int_equal(mc_value_date(date, strlen(date), &d, msg, sizeof msg), 0);
    return mc_calendar_to_utc(cal, (int64_t)d * MC_DAY_SECONDS + h * 3600 + m * 60);
}

static void next_done(mc_queue *q, mc_queue_event *ev, uint64_t tag)
{
    assert_int_equal(mc_queue_next(q, ev, NULL), 1);
    assert_int_equal(ev->kind, MC_QUEUE_DONE);
    assert_int_equal(ev->tag, tag);
}

/* A job that arrives on Friday at 16:00 (after the 15:00 cutoff, which dates receipts, not an
 * officer's work) needing 2 office hours is served 16:00–17:00 and 07:30–08:30 on Monday; one
 * that arrives at 16:30 behind it waits for the officer until Monday 08:30 (30 office minutes on
 * Friday and an hour on Monday: 5400 office seconds, the weekend counts none) and ends at 09:30.
 * The pool worked all the office time from 16:00 Friday to 09:30 Monday: utilisation 1. */
static void test_queue__office_hours_over_a_weekend(void **state)
{
    fixture *f = *state;
    mc_queue *q;
    uint32_t pool;
    assert_int_equal(mc_queue_new(&q, NULL), 0);
    assert_int_equal(mc_queue_add_pool(q, 1, f->vn, &pool, NULL), 0);
    assert_int_equal(mc_queue_arrive(q, pool, at(f->vn, "2026-03-06", 16, 0), 7200, 1, NULL, NULL),
                     0);
    assert_int_equal(mc_queue_arrive(q, pool, at(f->vn, "2026-03-06", 16, 30), 3600, 2, NULL, NULL),
                     0);
    mc_queue_event ev;
    next_done(q, &ev, 1);
    assert_int_equal(ev.at, at(f->vn, "2026-03-09", 8, 30));
    assert_int_equal(ev.started, at(f->vn, "2026-03-06", 16, 0));
    assert_int_equal(ev.wait, 0);
    next_done(q, &ev, 2);
    assert_int_equal(ev.started, at(f->vn, "2026-03-09", 8, 30));
    assert_int_equal(ev.at, at(f->vn, "2026-03-09", 9, 30));
    assert_int_equal(ev.wait, 5400);
    assert_int_equal(mc_queue_next(q, &ev, NULL), 0);
    mc_queue_stats st;
    mc_queue_stats_of(q, pool, &st);
    assert_int_equal(st.busy, 3 * 3600);
    assert_int_equal(st.span, 3 * 3600);
    assert_true(fabs(st.utilisation - 1.0) < 1e-12);
    assert_int_equal(st.max_queue, 1);
    assert_true(fabs(st.mean_queue - 5400.0 / 10800.0) < 1e-12);
    assert_true(fabs(st.mean_wait - 2700.0) < 1e-9);
    assert_int_equal(st.delayed, 1);
    mc_queue_free(q);
}

/* Work pauses over the lunch break, holidays and nights: 3 hours from 10:30 on Wednesday 29 April
 * 2026 are 10:30–11:30 and 13:30–15:30; 3 hours from 16:00 that day are 16:00–17:00, then
 * (Reunification Day on Thursday 30 April, Labour Day on Friday 1 May, the weekend) 07:30–09:30
 * on Monday 4 May. A job that arrives on Saturday night, an officer free, waits no office second
 * and is served 07:30–08:30 on Monday. */
static void test_queue__office_hours_lunch_holidays_nights(void **state)
{
    fixture *f = *state;
    mc_queue *q;
    uint32_t pool;
    assert_int_equal(mc_queue_new(&q, NULL), 0);
    assert_int_equal(mc_queue_add_pool(q, 2, f->vn, &pool, NULL), 0);
    /* Wednesday 29 April 10:30, 3 h: 1 h before lunch, 2 h after: 15:30 */
    assert_int_equal(
        mc_queue_arrive(q, pool, at(f->vn, "2026-04-29", 10, 30), 3 * 3600, 1, NULL, NULL), 0);
    /* Wednesday 29 April 16:00, 3 h: 1 h, then 30 April and 1 May off, the weekend, Monday
     * 4 May 07:30–09:30 */
    assert_int_equal(
        mc_queue_arrive(q, pool, at(f->vn, "2026-04-29", 16, 0), 3 * 3600, 2, NULL, NULL), 0);
    /* Saturday 2 May 22:00, 1 h: an officer is free; it starts Monday 07:30, ends 08:30 */
    assert_int_equal(mc_queue_arrive(q, pool, at(f->vn, "2026-05-02", 22, 0), 3600, 3, NULL, NULL),
                     0);
    mc_queue_event ev;
    next_done(q, &ev, 1);
    assert_int_equal(ev.at, at(f->vn, "2026-04-29", 15, 30));
    next_done(q, &ev, 3);
    assert_int_equal(ev.at, at(f->vn, "2026-05-04", 8, 30));
    assert_int_equal(ev.wait, 0);
    next_done(q, &ev, 2);
    assert_int_equal(ev.at, at(f->vn, "2026-05-04", 9, 30));
    assert_int_equal(mc_queue_next(q, &ev, NULL), 0);
    mc_queue_free(q);
}

/* ==== cancelling, ties, misuse =========================================================== */

/* One officer, always open; jobs 1 (10 s), 2, 3, 4 (10 s each) arrive at 0. Cancelling 2 while
 * it waits lets 3 move up; cancelling 3 in service at 15 gives the officer to 4 at 15, and the
 * 5 seconds given count as busy. A cancelled or ended job cannot be cancelled again. */
static void test_queue__cancel(void **state)
{
    (void)state;
    mc_queue *q;
    uint32_t pool;
    mc_queue_job h[5];
    assert_int_equal(mc_queue_new(&q, NULL), 0);
    assert_int_equal(mc_queue_add_pool(q, 1, NULL, &pool, NULL), 0);
    assert_int_equal(mc_queue_wake(q, 0, 99, NULL), 0);
    mc_queue_event ev;
    assert_int_equal(mc_queue_next(q, &ev, NULL), 1);
    assert_int_equal(ev.kind, MC_QUEUE_WAKE);
    for (uint64_t k = 1; k <= 4; k++) {
        assert_int_equal(mc_queue_arrive(q, pool, 0, 10, k, &h[k], NULL), 0);
    }
    assert_int_equal(mc_queue_cancel(q, h[2], NULL), 0);
    assert_int_equal(mc_queue_cancel(q, h[2], NULL), MC_ENOTFOUND);
    assert_int_equal(mc_queue_wake(q, 15, 98, NULL), 0);
    next_done(q, &ev, 1);
    assert_int_equal(ev.at, 10);
    assert_int_equal(mc_queue_cancel(q, h[1], NULL), MC_ENOTFOUND); /* ended */
    assert_int_equal(mc_queue_next(q, &ev, NULL), 1);
    assert_int_equal(ev.kind, MC_QUEUE_WAKE);
    assert_int_equal(ev.at, 15);
    assert_int_equal(mc_queue_cancel(q, h[3], NULL), 0); /* in service since 10 */
    next_done(q, &ev, 4);
    assert_int_equal(ev.started, 15);
    assert_int_equal(ev.at, 25);
    assert_int_equal(ev.wait, 15);
    assert_int_equal(mc_queue_next(q, &ev, NULL), 0);
    mc_queue_stats st;
    mc_queue_stats_of(q, pool, &st);
    assert_int_equal(st.arrived, 4);
    assert_int_equal(st.served, 2);
    assert_int_equal(st.cancelled, 2);
    assert_int_equal(st.busy, 10 + 5 + 10);
    assert_int_equal(st.waiting, 0);
    assert_int_equal(st.in_service, 0);
    /* an announced arrival cancelled before it comes never arrives */
    assert_int_equal(mc_queue_arrive(q, pool, 100, 10, 7, &h[0], NULL), 0);
    assert_int_equal(mc_queue_cancel(q, h[0], NULL), 0);
    assert_int_equal(mc_queue_next(q, &ev, NULL), 0);
    mc_queue_free(q);
}

/* Events of one instant come out in the order they were put in, and jobs arriving at one instant
 * are taken in that order (first come, first served). */
static void test_queue__ties_in_order(void **state)
{
    (void)state;
    mc_queue *q;
    uint32_t pool;
    assert_int_equal(mc_queue_new(&q, NULL), 0);
    assert_int_equal(mc_queue_add_pool(q, 1, NULL, &pool, NULL), 0);
    for (uint64_t k = 0; k < 50; k++) {
        assert_int_equal(mc_queue_wake(q, 7, 1000 + (k * 37) % 50, NULL), 0);
        assert_int_equal(mc_queue_arrive(q, pool, 5, 0, k, NULL, NULL), 0);
    }
    mc_queue_event ev;
    for (uint64_t k = 0; k < 50; k++) {
        next_done(q, &ev, k);
        assert_int_equal(ev.at, 5);
    }
    for (uint64_t k = 0; k < 50; k++) {
        assert_int_equal(mc_queue_next(q, &ev, NULL), 1);
        assert_int_equal(ev.tag, 1000 + (k * 37) % 50);
    }
    assert_int_equal(mc_queue_next(q, &ev, NULL), 0);
    assert_int_equal(mc_queue_peek(q), INT64_MAX);
    mc_queue_free(q);
}

/* The line is a ring that grows: jobs keep their order when it wraps round and doubles. */
static void test_queue__ring_wraps_and_grows(void **state)
{
    (void)state;
    mc_queue *q;
    uint32_t pool;
    assert_int_equal(mc_queue_new(&q, NULL), 0);
    assert_int_equal(mc_queue_add_pool(q, 1, NULL, &pool, NULL), 0);
    assert_int_equal(mc_queue_wake(q, 0, 0, NULL), 0);
    mc_queue_event ev;
    assert_int_equal(mc_queue_next(q, &ev, NULL), 1);
    uint64_t next_tag = 0, expect = 0;
    for (int round = 0; round < 40; round++) {
        /* 3 arrive, 2 end: the line grows by one a round, its head moving on */
        for (int k = 0; k < 3; k++) {
            assert_int_equal(mc_queue_arrive(q, pool, mc_queue_now(q), 10, next_tag++, NULL, NULL),
                             0);
        }
        for (int k = 0; k < 2; k++) {
            next_done(q, &ev, expect++);
        }
    }
    while (mc_queue_next(q, &ev, NULL) == 1) {
        assert_int_equal(ev.tag, expect++);
    }
    assert_int_equal(expect, next_tag);
    mc_queue_stats st;
    mc_queue_stats_of(q, pool, &st);
    assert_int_equal(st.max_queue, 40 + 1);
    mc_queue_free(q);
}

static void test_queue__misuse(void **state)
{
    fixture *f = *state;
    mc_queue *q;
    uint32_t pool;
    mc_error err;
    assert_int_equal(mc_queue_new(&q, NULL), 0);
    assert_int_equal(mc_queue_add_pool(q, 0, NULL, &pool, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "a pool needs at least one officer");
    mc_calendar closed = *f->vn;
    closed.nhours = 0;
    assert_int_equal(mc_queue_add_pool(q, 1, &closed, &pool, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "calendar 'vn' has no office hours");
    assert_int_equal(mc_queue_add_pool(q, 3, NULL, &pool, NULL), 0);
    assert_int_equal(pool, 0);
    assert_int_equal(mc_queue_npools(q), 1);
    assert_int_equal(mc_queue_arrive(q, 1, 0, 1, 0, NULL, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "no pool 1");
    assert_int_equal(mc_queue_arrive(q, 0, 0, -1, 0, NULL, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "a negative need of service");
    assert_int_equal(mc_queue_wake(q, 100, 0, NULL), 0);
    mc_queue_event ev;
    assert_int_equal(mc_queue_next(q, &ev, NULL), 1);
    assert_int_equal(mc_queue_now(q), 100);
    assert_int_equal(mc_queue_arrive(q, 0, 99, 1, 0, NULL, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "an arrival before the queue's present");
    assert_int_equal(mc_queue_wake(q, 99, 0, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "a wake-up before the queue's present");
    assert_int_equal(mc_queue_cancel(q, 12345, &err), MC_ENOTFOUND);
    mc_queue_free(q);
    mc_queue_free(NULL);
}

/* ==== arrivals over a year =============================================================== */

static mc_date date_of(const char *s)
{
    mc_date d;
    char msg[100];
    assert_int_equal(mc_value_date(s, strlen(s), &d, msg, sizeof msg), 0);
    return d;
}

/* Without a pattern, exactly the simulator's even spread: (span × (2j + 1)) / (2n). */
static void test_queue__arrivals_even(void **state)
{
    (void)state;
    mc_arrivals_year y;
    mc_arrivals_year_init(&y, NULL, date_of("2026-01-15"), 365);
    const int64_t ns[] = {1, 7, 1876, 1000000, 15000000};
    for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++) {
        int64_t n = ns[k];
        for (int64_t j = 0; j < n; j += 1 + n / 1000) {
            __extension__ __int128 span = (__int128)365 * 86400;
            assert_int_equal(mc_arrivals_year_offset(&y, j, n),
                             (int64_t)((span * (2 * j + 1)) / (2 * n)));
        }
    }
}

/* Under a pattern each day gets its weight's share: January at 200% (others 100%) takes
 * 62/396 of a year from 1 January 2026; Sundays at 0% get none; the instants never go back. */
static void test_queue__arrivals_pattern(void **state)
{
    (void)state;
    mc_arrivals a;
    memset(&a, 0, sizeof a);
    for (int i = 0; i < 12; i++) {
        a.month[i] = 100 * MC_FIXED_ONE;
    }
    for (int i = 0; i < 7; i++) {
        a.weekday[i] = 100 * MC_FIXED_ONE;
    }
    a.month[0] = 200 * MC_FIXED_ONE;
    mc_date from = date_of("2026-01-01");
    mc_arrivals_year y;
    mc_arrivals_year_init(&y, &a, from, 365);
    const int64_t n = 396000;
    int64_t january = 0, prev = -1;
    for (int64_t j = 0; j < n; j++) {
        int64_t t = mc_arrivals_year_offset(&y, j, n);
        assert_true(t >= prev && t < 365 * 86400);
        prev = t;
        january += t < 31 * 86400;
    }
    assert_true(llabs(january - 62000) <= 1);

    a.month[0] = 100 * MC_FIXED_ONE;
    a.weekday[6] = 0;
    mc_arrivals_year_init(&y, &a, from, 365);
    int64_t sundays = 0, mondays = 0;
    for (int64_t j = 0; j < 36500; j++) {
        mc_date d = from + (mc_date)(mc_arrivals_year_offset(&y, j, 36500) / 86400);
        sundays += mc_date_weekday(d) == 6;
        mondays += mc_date_weekday(d) == 0;
    }
    assert_int_equal(sundays, 0);
    assert_true(llabs(mondays - 36500 * 52 / 313) <= 2); /* 52 Mondays of 313 weekdays */

    /* one day, a Sunday: nothing weighs, read as even */
    mc_arrivals_year_init(&y, &a, date_of("2026-01-04"), 1);
    assert_int_equal(mc_arrivals_year_offset(&y, 0, 2), 86400 / 4);
}

/* ==== memory ============================================================================= */

typedef struct counting {
    long allocations;
} counting;

static void *counting_realloc(void *ud, void *ptr, size_t size)
{
    counting *c = ud;
    if (size == 0) {
        free(ptr);
        return NULL;
    }
    c->allocations++;
    return realloc(ptr, size);
}

/* No allocation per job: 200,000 jobs through M/M/1 at ρ = 0.5 make a few dozen allocations
 * (arrays doubling up to the most jobs in the queue at one time), not one per job. */
static void test_queue__no_allocation_per_job(void **state)
{
    (void)state;
    counting c = {0};
    mc_alloc_set(counting_realloc, &c);
    mmc_run r;
    run_mmc(1, 0.5, 200000, 7, &r);
    mc_alloc_set(NULL, NULL);
    fprintf(stderr, "# 200000 jobs, at most %lld waiting: %ld allocations\n",
            (long long)r.st.max_queue, c.allocations);
    assert_true(c.allocations < 64);
}

/* A small run with every allocation failing in turn: each ends in MC_ENOMEM, nothing leaks. */
static int small_run(void *ctx)
{
    const mc_calendar *cal = ctx;
    mc_queue *q = NULL;
    uint32_t pool;
    int rc = mc_queue_new(&q, NULL);
    if (rc == 0) {
        rc = mc_queue_add_pool(q, 2, cal, &pool, NULL);
    }
    uint64_t rng = 42;
    for (int k = 0; rc == 0 && k < 40; k++) {
        rc = mc_queue_arrive(q, pool, at(cal, "2026-03-06", 9, 0) + k * 600, expo(&rng, 5000),
                             (uint64_t)k, NULL, NULL);
    }
    mc_queue_event ev;
    int n = 0;
    while (rc == 0 && (rc = mc_queue_next(q, &ev, NULL)) == 1) {
        n++;
        rc = 0;
    }
    if (rc == 0 && n != 40) {
        rc = MC_EINTERNAL;
    }
    mc_queue_free(q);
    return rc;
}

static void test_queue__out_of_memory(void **state)
{
    fixture *f = *state;
    tu_oom_sweep(small_run, (void *)f->vn, false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_queue__erlang_c_closed_form),
        cmocka_unit_test(test_queue__erlang_c_one_officer),
        cmocka_unit_test(test_queue__erlang_c_two_officers),
        cmocka_unit_test(test_queue__erlang_c_five_officers),
        cmocka_unit_test_setup_teardown(test_queue__office_hours_over_a_weekend, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue__office_hours_lunch_holidays_nights, setup,
                                        teardown),
        cmocka_unit_test(test_queue__cancel),
        cmocka_unit_test(test_queue__ties_in_order),
        cmocka_unit_test_setup_teardown(test_queue__misuse, setup, teardown),
        cmocka_unit_test(test_queue__arrivals_even),
        cmocka_unit_test(test_queue__arrivals_pattern),
        cmocka_unit_test(test_queue__ring_wraps_and_grows),
        cmocka_unit_test(test_queue__no_allocation_per_job),
        cmocka_unit_test_setup_teardown(test_queue__out_of_memory, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
