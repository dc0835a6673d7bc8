/*
 * Whether `motcua serve` should get requests, for /api/health/ready (docs/api.md): its timers
 * keep up (ready_timers, on the figures of /metrics), and its store takes writes now:
 * on SQLite, a connection of its own begins a write transaction (BEGIN IMMEDIATE) with a short
 * busy timeout and rolls it back; on PostgreSQL, the server is asked whether it accepts
 * connections (PQping). The probe talks to the database directly rather than through the
 * store's API, which has no operation that may fail fast: a store's begin waits up to its busy
 * timeout, seconds, where a load balancer's check wants an answer in a fraction of one.
 */
#ifndef MOTCUA_SERVE_READY_H
#define MOTCUA_SERVE_READY_H

#include "metrics.h"

#include "motcua/error.h"

#include <stdbool.h>
#include <stddef.h>

enum {
    READY_TIMEOUT_MS = 200, /* how long the probe waits for SQLite's write lock */
    /* Timers may fire this late, and the scheduler go this long without completing a pass,
     * before the server says it is not ready: the scheduler passes every second, so a minute
     * is a stuck scheduler or a store too slow for it, not a busy moment. */
    READY_TIMER_LAG_S = 60,
};

typedef struct ready ready;

/* A probe of the store db (a SQLite file or a PostgreSQL connection string). MC_EIO when the
 * SQLite file cannot be opened, MC_ENOMEM. */
int ready_open(ready **out, const char *db, mc_error *err);
/* Whether the store takes a write now; when not, why in why[0..n) (one line, without the
 * connection string). Thread-safe. */
bool ready_check(ready *r, char *why, size_t n);
/* NULL: no-op. */
void ready_close(ready *r);

/* Whether the timer scheduler keeps up, by the figures of /metrics (m, metrics.h) at now_ms
 * (the realtime clock): its last pass fired no timer more than READY_TIMER_LAG_S late, and it
 * completed a pass (or started) less than READY_TIMER_LAG_S ago. When not, why in why[0..n).
 * true when the scheduler does not run (--no-timers). Thread-safe. */
bool ready_timers(const metrics *m, int64_t now_ms, char *why, size_t n);

#endif
