/*
 * Whether the store of `motcua serve` takes writes now, for /api/health/ready (docs/api.md):
 * on SQLite, a connection of its own begins a write transaction (BEGIN IMMEDIATE) with a short
 * busy timeout and rolls it back; on PostgreSQL, the server is asked whether it accepts
 * connections (PQping). The probe talks to the database directly rather than through the
 * store's API, which has no operation that may fail fast: a store's begin waits up to its busy
 * timeout, seconds, where a load balancer's check wants an answer in a fraction of one.
 */
#ifndef MOTCUA_SERVE_READY_H
#define MOTCUA_SERVE_READY_H

#include "motcua/error.h"

#include <stdbool.h>
#include <stddef.h>

enum { READY_TIMEOUT_MS = 200 }; /* how long the probe waits for SQLite's write lock */

typedef struct ready ready;

/* A probe of the store db (a SQLite file or a PostgreSQL connection string). MC_EIO when the
 * SQLite file cannot be opened, MC_ENOMEM. */
int ready_open(ready **out, const char *db, mc_error *err);
/* Whether the store takes a write now; when not, why in why[0..n) (one line, without the
 * connection string). Thread-safe. */
bool ready_check(ready *r, char *why, size_t n);
/* NULL: no-op. */
void ready_close(ready *r);

#endif
