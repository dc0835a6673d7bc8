/* The counters of serve (metrics.h) and their Prometheus text exposition (format 0.0.4). */
#include "metrics.h"

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
