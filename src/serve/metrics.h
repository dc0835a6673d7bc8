/*
 * The counters of `motcua serve` for Prometheus (docs/operations.md, "Metrics and health"):
 * requests by route pattern and status, and a histogram of their durations. Counting is
 * lock-free (C11 atomics) so that the hot path of every request pays a few atomic adds; the text
 * exposition format (version 0.0.4) is made only when /metrics is scraped.
 */
#ifndef MOTCUA_SERVE_METRICS_H
#define MOTCUA_SERVE_METRICS_H

#include "base/buf.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

enum {
    METRICS_ROUTES = 32,   /* route patterns at most; index 0 is "unmatched" */
    METRICS_STATUSES = 16, /* the statuses the API answers, and one for any other */
    METRICS_BUCKETS = 11,  /* latency buckets, +Inf included */
};

typedef struct metrics {
    char routes[METRICS_ROUTES][96]; /* the patterns: "GET /api/dossiers/{id}" */
    size_t nroutes;
    atomic_uint_fast64_t requests[METRICS_ROUTES][METRICS_STATUSES];
    atomic_uint_fast64_t buckets[METRICS_BUCKETS]; /* not cumulative: the exposition sums them */
    atomic_uint_fast64_t duration_us;              /* sum of all requests' durations */
    atomic_uint_fast64_t count;
} metrics;

/* Zeroes m, with route 0 named "unmatched". */
void metrics_init(metrics *m);
/* Adds the route "METHOD PATH" and returns its index, or 0 when the table is full. */
size_t metrics_route(metrics *m, const char *method, const char *path);
/* Counts one request of route (0: matched none) answered status after duration_us. */
void metrics_request(metrics *m, size_t route, int status, uint64_t duration_us);

/* Appends value to t as a label value of the exposition format: \, " and newline escaped. */
void metrics_label(mc_buf *t, const char *value);
/* Appends the requests' counters and histogram to t, with HELP and TYPE lines. */
void metrics_render(const metrics *m, mc_buf *t);

#endif
