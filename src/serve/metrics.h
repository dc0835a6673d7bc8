/*
 * The counters of `motcua serve` for Prometheus (docs/operations.md, "Metrics and health"):
 * requests by route pattern and status, and a histogram of their durations; the timer
 * scheduler's lag; and the text of what api.c gathers at scrape time (the open dossiers, the
 * engines' refusals, the rules' failures, the store's waits and size). Counting is lock-free
 * (C11 atomics) so that the hot path of every request pays a few atomic adds; the text
 * exposition format (version 0.0.4) is made only when /metrics is scraped.
 */
#ifndef MOTCUA_SERVE_METRICS_H
#define MOTCUA_SERVE_METRICS_H

#include "base/buf.h"

#include "motcua/connect.h"
#include "motcua/engine.h"
#include "motcua/rules.h"
#include "motcua/store.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    METRICS_ROUTES = 32,   /* route patterns at most; index 0 is "unmatched" */
    METRICS_STATUSES = 16, /* the statuses the API answers, and one for any other */
    METRICS_BUCKETS = 11,  /* latency buckets, +Inf included */
    /* The open dossiers are counted at most this often, whatever the number of scrapers. */
    METRICS_DOSSIERS_TTL_MS = 5000,
};

typedef struct metrics {
    char routes[METRICS_ROUTES][96]; /* the patterns: "GET /api/dossiers/{id}" */
    size_t nroutes;
    atomic_uint_fast64_t requests[METRICS_ROUTES][METRICS_STATUSES];
    atomic_uint_fast64_t buckets[METRICS_BUCKETS]; /* not cumulative: the exposition sums them */
    atomic_uint_fast64_t duration_us;              /* sum of all requests' durations */
    atomic_uint_fast64_t count;
    /* The timer scheduler's (sched.c), when it runs: the lag of its last pass in ms, the dossiers
     * its timers changed, and when its last pass ended (ms since the epoch, 0: none yet). */
    atomic_bool timers;
    atomic_int_fast64_t timer_lag_ms, timer_pass_ms;
    atomic_int_fast64_t timers_since_ms; /* when it started (realtime ms) */
    atomic_uint_fast64_t timers_fired;
    /* The scheduler's engine and rules, as of its last pass: api_metrics adds them to the
     * pool's. */
    atomic_uint_fast64_t timer_refusals[MC_REFUSED_OTHER + 1], timer_reruns;
    atomic_uint_fast64_t timer_rule_errors, timer_rule_steps, timer_rule_memory, timer_rule_time;
    /* The last text of the open dossiers (metrics_dossiers), made at dossiers_ms. */
    pthread_mutex_t dossiers_lock;
    char *dossiers_text;
    int64_t dossiers_ms;
} metrics;

/* What api.c reads at scrape time, summed over the engines (metrics_render_ops). */
typedef struct metrics_ops {
    mc_engine_stats engine;
    mc_rules_stats rules;
    mc_store_waits waits;
    int64_t store_bytes; /* -1: not known */
} metrics_ops;

/* An open dossiers' count of the store (mc_store_dossier_counts), and those of them whose due
 * instant falls after the years their procedure's calendar covers (mc_store_dossier_due_from;
 * counted by procedure, so given on the procedure's first pair, 0 on the others). */
typedef struct metrics_dossier_count {
    const char *procedure, *state;
    int64_t open, overdue, uncovered;
} metrics_dossier_count;

/* Zeroes m, with route 0 named "unmatched". */
void metrics_init(metrics *m);
/* Frees what m holds (its dossiers' text). */
void metrics_free(metrics *m);
/* Adds the route "METHOD PATH" and returns its index, or 0 when the table is full. */
size_t metrics_route(metrics *m, const char *method, const char *path);
/* Counts one request of route (0: matched none) answered status after duration_us. */
void metrics_request(metrics *m, size_t route, int status, uint64_t duration_us);

/* Appends value to t as a label value of the exposition format: \, " and newline escaped. */
void metrics_label(mc_buf *t, const char *value);
/* Appends the requests' counters and histogram to t, with HELP and TYPE lines. */
void metrics_render(const metrics *m, mc_buf *t);

/* The timer scheduler: it runs (from now on), and a pass that ended at end_ms (the realtime
 * clock) and whose latest firing was lag_ms behind its instant (0: none late or none fired),
 * firing fired dossiers. */
void metrics_timers_on(metrics *m, int64_t now_ms);
void metrics_timer_pass(metrics *m, int64_t end_ms, int64_t lag_ms, uint64_t fired);
/* Or, for a pass that failed, only the dossiers its committed batches changed. */
void metrics_timers_fired(metrics *m, uint64_t fired);
/* The scheduler's engine and rules counts as they stand (added to the pool's at scrape time). */
void metrics_timer_stats(metrics *m, const mc_engine_stats *e, const mc_rules_stats *r);
/* Adds the scheduler's engine and rules counts to o. */
void metrics_timer_stats_add(const metrics *m, metrics_ops *o);

/* Appends o to t: refusals, rule failures, the store's waits and size; and, when the scheduler
 * runs, its lag, its firings and the age of its last pass. */
void metrics_render_ops(const metrics *m, const metrics_ops *o, mc_buf *t);

/* The registries /metrics shows at most (a configuration names a few). */
enum { METRICS_REGISTRIES_MAX = 64 };

/* Appends the live registries' counters s[0..n) to t: motcua_registry_lookups_total{registry,
 * outcome} (every outcome, 0 included, so that a rate exists from the first scrape) and
 * motcua_registry_breaker_open{registry} (1 while the breaker is open). */
void metrics_render_registries(const mc_connect_stat *s, size_t n, mc_buf *t);

/* Appends the gauges of open dossiers c[0..n) (in the order of procedure, then state) to t:
 * motcua_dossiers{procedure,state}, motcua_dossiers_overdue{procedure} and
 * motcua_dossiers_calendar_uncovered{procedure}. */
void metrics_render_dossiers(const metrics_dossier_count *c, size_t n, mc_buf *t);

/* Appends to t the text of the open dossiers: the one made less than METRICS_DOSSIERS_TTL_MS
 * before now_ms, or a new one by make(ud, &text) (metrics_render_dossiers; 0 or an error code),
 * made by one scraper at a time while the others wait for it and take its text. A failed make
 * appends nothing and keeps nothing. Returns make's code, or 0. */
int metrics_dossiers(metrics *m, int64_t now_ms, int (*make)(void *ud, mc_buf *text), void *ud,
                     mc_buf *t);

#endif
