/* The counters of serve (metrics.h) and their Prometheus text exposition (format 0.0.4). */
#include "metrics.h"

#include "motcua/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The statuses the API answers; anything else is counted under "other". */
static const int statuses[METRICS_STATUSES - 1] = {200, 201, 400, 401, 403, 404, 405, 409,
                                                   413, 414, 422, 429, 500, 503, 504};
/* Upper bounds of the latency buckets, in microseconds and as Prometheus writes them. */
static const uint64_t bound_us[METRICS_BUCKETS - 1] = {1000,   5000,   10000,  25000,   50000,
                                                       100000, 250000, 500000, 1000000, 5000000};
static const char *const bound_text[METRICS_BUCKETS] = {
    "0.001", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "5", "+Inf"};

void metrics_init(metrics *m)
{
    memset(m, 0, sizeof *m);
    snprintf(m->routes[0], sizeof m->routes[0], "unmatched");
    m->nroutes = 1;
    pthread_mutex_init(&m->dossiers_lock, NULL);
}

void metrics_free(metrics *m)
{
    pthread_mutex_destroy(&m->dossiers_lock);
    mc_free(m->dossiers_text);
    m->dossiers_text = NULL;
}

size_t metrics_route(metrics *m, const char *method, const char *path)
{
    if (m->nroutes == METRICS_ROUTES) {
        return 0;
    }
    snprintf(m->routes[m->nroutes], sizeof m->routes[0], "%s %s", method, path);
    return m->nroutes++;
}

static size_t status_index(int status)
{
    for (size_t i = 0; i < METRICS_STATUSES - 1; i++) {
        if (statuses[i] == status) {
            return i;
        }
    }
    return METRICS_STATUSES - 1;
}

void metrics_request(metrics *m, size_t route, int status, uint64_t duration_us)
{
    route = route < m->nroutes ? route : 0;
    atomic_fetch_add_explicit(&m->requests[route][status_index(status)], 1, memory_order_relaxed);
    size_t b = 0;
    while (b < METRICS_BUCKETS - 1 && duration_us > bound_us[b]) {
        b++;
    }
    atomic_fetch_add_explicit(&m->buckets[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->duration_us, duration_us, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->count, 1, memory_order_relaxed);
}

void metrics_label(mc_buf *t, const char *value)
{
    for (const char *p = value; *p != '\0'; p++) {
        if (*p == '\\' || *p == '"') {
            mc_buf_printf(t, "\\%c", *p);
        } else if (*p == '\n') {
            mc_buf_printf(t, "\\n");
        } else {
            mc_buf_printf(t, "%c", *p);
        }
    }
}

static uint64_t load(const atomic_uint_fast64_t *v)
{
    return atomic_load_explicit((atomic_uint_fast64_t *)(uintptr_t)v, memory_order_relaxed);
}

void metrics_render(const metrics *m, mc_buf *t)
{
    mc_buf_printf(t, "# HELP motcua_http_requests_total HTTP requests answered, by route "
                     "pattern and status.\n"
                     "# TYPE motcua_http_requests_total counter\n");
    for (size_t r = 0; r < m->nroutes; r++) {
        for (size_t s = 0; s < METRICS_STATUSES; s++) {
            uint64_t n = load(&m->requests[r][s]);
            if (n == 0) {
                continue;
            }
            mc_buf_printf(t, "motcua_http_requests_total{route=\"");
            metrics_label(t, m->routes[r]);
            if (s < METRICS_STATUSES - 1) {
                mc_buf_printf(t, "\",status=\"%d\"} %llu\n", statuses[s], (unsigned long long)n);
            } else {
                mc_buf_printf(t, "\",status=\"other\"} %llu\n", (unsigned long long)n);
            }
        }
    }
    mc_buf_printf(t, "# HELP motcua_http_request_duration_seconds Time from a request's last "
                     "byte to its answer.\n"
                     "# TYPE motcua_http_request_duration_seconds histogram\n");
    uint64_t cumulative = 0;
    for (size_t b = 0; b < METRICS_BUCKETS; b++) {
        cumulative += load(&m->buckets[b]);
        mc_buf_printf(t, "motcua_http_request_duration_seconds_bucket{le=\"%s\"} %llu\n",
                      bound_text[b], (unsigned long long)cumulative);
    }
    uint64_t us = load(&m->duration_us);
    mc_buf_printf(t,
                  "motcua_http_request_duration_seconds_sum %llu.%06llu\n"
                  "motcua_http_request_duration_seconds_count %llu\n",
                  (unsigned long long)(us / 1000000), (unsigned long long)(us % 1000000),
                  (unsigned long long)cumulative);
}

/* ==== the timer scheduler ================================================================ */

void metrics_timers_on(metrics *m, int64_t now_ms)
{
    atomic_store(&m->timers_since_ms, now_ms);
    atomic_store(&m->timers, true);
}

void metrics_timer_pass(metrics *m, int64_t end_ms, int64_t lag_ms, uint64_t fired)
{
    atomic_store_explicit(&m->timer_lag_ms, lag_ms > 0 ? lag_ms : 0, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->timers_fired, fired, memory_order_relaxed);
    atomic_store_explicit(&m->timer_pass_ms, end_ms, memory_order_relaxed);
}

void metrics_timers_fired(metrics *m, uint64_t fired)
{
    atomic_fetch_add_explicit(&m->timers_fired, fired, memory_order_relaxed);
}

static void store64(atomic_uint_fast64_t *v, uint64_t x)
{
    atomic_store_explicit(v, x, memory_order_relaxed);
}

void metrics_timer_stats(metrics *m, const mc_engine_stats *e, const mc_rules_stats *r)
{
    for (size_t i = 0; i <= MC_REFUSED_OTHER; i++) {
        store64(&m->timer_refusals[i], e->refusals[i]);
    }
    store64(&m->timer_reruns, e->reruns);
    store64(&m->timer_rule_errors, r->errors);
    store64(&m->timer_rule_steps, r->steps);
    store64(&m->timer_rule_memory, r->memory);
    store64(&m->timer_rule_time, r->time);
}

void metrics_timer_stats_add(const metrics *m, metrics_ops *o)
{
    for (size_t i = 0; i <= MC_REFUSED_OTHER; i++) {
        o->engine.refusals[i] += load(&m->timer_refusals[i]);
    }
    o->engine.reruns += load(&m->timer_reruns);
    o->rules.errors += load(&m->timer_rule_errors);
    o->rules.steps += load(&m->timer_rule_steps);
    o->rules.memory += load(&m->timer_rule_memory);
    o->rules.time += load(&m->timer_rule_time);
}

/* ==== what api.c gathers at scrape time ================================================== */

/* One metric without labels, with its HELP and TYPE lines. */
static void single(mc_buf *t, const char *name, const char *type, const char *help, uint64_t v)
{
    mc_buf_printf(t, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, name,
                  (unsigned long long)v);
}

/* Seconds from milliseconds, as Prometheus reads them: "1.250". */
static void seconds(mc_buf *t, int64_t ms)
{
    mc_buf_printf(t, "%s%lld.%03lld\n", ms < 0 ? "-" : "", (long long)(ms < 0 ? -ms : ms) / 1000,
                  (long long)(ms < 0 ? -ms : ms) % 1000);
}

void metrics_render_ops(const metrics *m, const metrics_ops *o, mc_buf *t)
{
    /* The names of mc_refusal in order, as scenarios write them; "other" for the rest. */
    static const char *const reasons[MC_REFUSED_OTHER + 1] = {
        "", "state", "role", "guard", "limit", "once-only", "rule", "other"};
    mc_buf_printf(t, "# HELP motcua_refusals_total Operations refused (nothing changed but the "
                     "refusal's record), by reason.\n"
                     "# TYPE motcua_refusals_total counter\n");
    for (size_t i = 1; i <= MC_REFUSED_OTHER; i++) {
        mc_buf_printf(t, "motcua_refusals_total{reason=\"%s\"} %llu\n", reasons[i],
                      (unsigned long long)o->engine.refusals[i]);
    }
    single(t, "motcua_onceonly_refusals_total", "counter",
           "Operations refused because they would ask for a document a registry holds "
           "(once-only).",
           o->engine.refusals[MC_REFUSED_ONCE_ONLY]);
    single(t, "motcua_rule_errors_total", "counter",
           "Rule calls that raised an error or returned a value of the wrong kind.",
           o->rules.errors);
    mc_buf_printf(t,
                  "# HELP motcua_rule_overruns_total Rule calls stopped by a limit: the "
                  "instruction budget (steps), the memory cap, the time limit.\n"
                  "# TYPE motcua_rule_overruns_total counter\n"
                  "motcua_rule_overruns_total{limit=\"steps\"} %llu\n"
                  "motcua_rule_overruns_total{limit=\"memory\"} %llu\n"
                  "motcua_rule_overruns_total{limit=\"time\"} %llu\n",
                  (unsigned long long)o->rules.steps, (unsigned long long)o->rules.memory,
                  (unsigned long long)o->rules.time);
    single(t, "motcua_operation_reruns_total", "counter",
           "Operations run again after losing their transaction to a concurrent writer.",
           o->engine.reruns);
    single(t, "motcua_store_busy_total", "counter",
           "Waits begun for a write lock another connection held (SQLite's busy handler).",
           o->waits.busy);
    single(t, "motcua_store_lock_timeouts_total", "counter",
           "Operations that waited for a lock past the store's timeout and failed.",
           o->waits.timeouts);
    single(t, "motcua_store_conflicts_total", "counter",
           "PostgreSQL transactions lost to a concurrent writer (serialization failure, "
           "deadlock, a key taken).",
           o->waits.conflicts);
    single(t, "motcua_store_reconnects_total", "counter",
           "PostgreSQL sessions made again after their connection was lost (a restart, a "
           "failover).",
           o->waits.reconnects);
    if (o->store_bytes >= 0) {
        single(t, "motcua_store_size_bytes", "gauge",
               "Bytes of the store: a SQLite file and its write-ahead log, or the PostgreSQL "
               "database.",
               (uint64_t)o->store_bytes);
    }
    if (!atomic_load(&((metrics *)(uintptr_t)m)->timers)) {
        return; /* --no-timers: no figure is better than a zero that looks healthy */
    }
    mc_buf_printf(t, "# HELP motcua_timer_lag_seconds How late the scheduler's last pass fired "
                     "timers: the most, from the second one came due to its commit.\n"
                     "# TYPE motcua_timer_lag_seconds gauge\n"
                     "motcua_timer_lag_seconds ");
    seconds(t, atomic_load_explicit((atomic_int_fast64_t *)(uintptr_t)&m->timer_lag_ms,
                                    memory_order_relaxed));
    single(t, "motcua_timers_fired_total", "counter",
           "Dossiers whose timers or overdue marks the scheduler brought into effect.",
           load(&m->timers_fired));
    int64_t pass = atomic_load_explicit((atomic_int_fast64_t *)(uintptr_t)&m->timer_pass_ms,
                                        memory_order_relaxed);
    if (pass > 0) {
        mc_buf_printf(t, "# HELP motcua_timer_last_pass_timestamp_seconds When the scheduler "
                         "last completed a pass (Unix time).\n"
                         "# TYPE motcua_timer_last_pass_timestamp_seconds gauge\n"
                         "motcua_timer_last_pass_timestamp_seconds ");
        seconds(t, pass);
    }
}

/* ==== open dossiers ====================================================================== */

/* One sample of name{procedure} per procedure of c[0..n): the sum of its pairs' overdue, or
 * uncovered, counts. The pairs come by procedure, then state: a procedure's are consecutive. */
static void per_procedure(const metrics_dossier_count *c, size_t n, bool uncovered,
                          const char *name, mc_buf *t)
{
    for (size_t i = 0; i < n;) {
        int64_t sum = 0;
        size_t j = i;
        for (; j < n && strcmp(c[j].procedure, c[i].procedure) == 0; j++) {
            sum += uncovered ? c[j].uncovered : c[j].overdue;
        }
        mc_buf_printf(t, "%s{procedure=\"", name);
        metrics_label(t, c[i].procedure);
        mc_buf_printf(t, "\"} %lld\n", (long long)sum);
        i = j;
    }
}

void metrics_render_dossiers(const metrics_dossier_count *c, size_t n, mc_buf *t)
{
    mc_buf_printf(t, "# HELP motcua_dossiers Open dossiers (not final), by procedure and state.\n"
                     "# TYPE motcua_dossiers gauge\n");
    for (size_t i = 0; i < n; i++) {
        mc_buf_printf(t, "motcua_dossiers{procedure=\"");
        metrics_label(t, c[i].procedure);
        mc_buf_printf(t, "\",state=\"");
        metrics_label(t, c[i].state);
        mc_buf_printf(t, "\"} %lld\n", (long long)c[i].open);
    }
    mc_buf_printf(t, "# HELP motcua_dossiers_overdue Open dossiers past their due instant, by "
                     "procedure.\n"
                     "# TYPE motcua_dossiers_overdue gauge\n");
    per_procedure(c, n, false, "motcua_dossiers_overdue", t);
    mc_buf_printf(t, "# HELP motcua_dossiers_calendar_uncovered Open dossiers due after the "
                     "last year their procedure's calendar covers (its holidays there are not "
                     "declared), by procedure.\n"
                     "# TYPE motcua_dossiers_calendar_uncovered gauge\n");
    per_procedure(c, n, true, "motcua_dossiers_calendar_uncovered", t);
}

int metrics_dossiers(metrics *m, int64_t now_ms, int (*make)(void *ud, mc_buf *text), void *ud,
                     mc_buf *t)
{
    int rc = 0;
    pthread_mutex_lock(&m->dossiers_lock);
    if (m->dossiers_text == NULL || now_ms - m->dossiers_ms >= METRICS_DOSSIERS_TTL_MS ||
        now_ms < m->dossiers_ms) {
        mc_buf text = MC_BUF_INIT;
        rc = make(ud, &text);
        if (rc == 0 && text.oom) {
            rc = MC_ENOMEM;
        }
        if (rc == 0) {
            mc_free(m->dossiers_text);
            m->dossiers_text = mc_buf_take(&text);
            m->dossiers_ms = now_ms;
        }
        mc_buf_free(&text);
    }
    if (rc == 0 && m->dossiers_text != NULL) {
        mc_buf_printf(t, "%s", m->dossiers_text);
    }
    pthread_mutex_unlock(&m->dossiers_lock);
    return rc;
}

void metrics_render_registries(const mc_connect_stat *s, size_t n, mc_buf *t)
{
    if (n == 0) {
        return;
    }
    mc_buf_printf(t, "# HELP motcua_registry_lookups_total Look-ups of live registries, by "
                     "registry and outcome.\n"
                     "# TYPE motcua_registry_lookups_total counter\n");
    for (size_t i = 0; i < n; i++) {
        for (int o = 0; o < MC_LOOKUP_OUTCOMES; o++) {
            mc_buf_printf(t, "motcua_registry_lookups_total{registry=\"");
            metrics_label(t, s[i].registry);
            mc_buf_printf(t, "\",outcome=\"%s\"} %llu\n",
                          mc_lookup_outcome_name((mc_lookup_outcome)o),
                          (unsigned long long)s[i].lookups[o]);
        }
    }
    mc_buf_printf(t, "# HELP motcua_registry_breaker_open Whether a live registry's circuit "
                     "breaker is open (look-ups not sent).\n"
                     "# TYPE motcua_registry_breaker_open gauge\n");
    for (size_t i = 0; i < n; i++) {
        mc_buf_printf(t, "motcua_registry_breaker_open{registry=\"");
        metrics_label(t, s[i].registry);
        mc_buf_printf(t, "\"} %d\n", s[i].open ? 1 : 0);
    }
    mc_buf_printf(t, "# HELP motcua_registry_deliveries_total Results sent to live registries, "
                     "by registry and outcome (delivered: acknowledged; failed: an attempt "
                     "that failed).\n"
                     "# TYPE motcua_registry_deliveries_total counter\n");
    for (size_t i = 0; i < n; i++) {
        mc_buf_printf(t, "motcua_registry_deliveries_total{registry=\"");
        metrics_label(t, s[i].registry);
        mc_buf_printf(t, "\",outcome=\"delivered\"} %llu\n", (unsigned long long)s[i].delivered);
        mc_buf_printf(t, "motcua_registry_deliveries_total{registry=\"");
        metrics_label(t, s[i].registry);
        mc_buf_printf(t, "\",outcome=\"failed\"} %llu\n", (unsigned long long)s[i].failed);
    }
}
