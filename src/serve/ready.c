/* The readiness probe of serve (ready.h). */
#include "ready.h"

#include "motcua/store.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ready {
    sqlite3 *db;          /* SQLite: the probe's own connection; NULL on PostgreSQL */
    char *conninfo;       /* PostgreSQL: the connection string */
    pthread_mutex_t lock; /* one probe at a time on the connection */
};

int ready_open(ready **out, const char *db, mc_error *err)
{
    *out = NULL;
    ready *r = calloc(1, sizeof *r);
    if (r == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&r->lock, NULL);
    if (mc_store_is_server(db)) {
        r->conninfo = strdup(db);
        if (r->conninfo == NULL) {
            ready_close(r);
            return mc_error_set(err, MC_ENOMEM, "out of memory");
        }
    } else {
        if (sqlite3_open_v2(db, &r->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI, NULL) !=
            SQLITE_OK) {
            ready_close(r);
            return mc_error_set(err, MC_EIO, "cannot open %s for the readiness probe", db);
        }
        sqlite3_busy_timeout(r->db, READY_TIMEOUT_MS);
    }
    *out = r;
    return 0;
}

bool ready_check(ready *r, char *why, size_t n)
{
    if (r->db == NULL) {
        /* PQping makes no session: it asks the server whether it would take one. */
        PGPing p = PQping(r->conninfo);
        if (p == PQPING_OK) {
            return true;
        }
        snprintf(why, n, "%s",
                 p == PQPING_REJECT        ? "the database server rejects connections (starting or "
                                             "shutting down)"
                 : p == PQPING_NO_RESPONSE ? "the database server cannot be reached"
                                           : "the database connection string is not valid");
        return false;
    }
    pthread_mutex_lock(&r->lock);
    int rc = sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    bool ok = rc == SQLITE_OK;
    if (ok) {
        sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
    } else if (rc == SQLITE_BUSY) {
        snprintf(why, n, "the store stayed locked by another writer for %d ms", READY_TIMEOUT_MS);
    } else {
        snprintf(why, n, "the store takes no write: %s", sqlite3_errstr(rc));
    }
    pthread_mutex_unlock(&r->lock);
    return ok;
}

void ready_close(ready *r)
{
    if (r == NULL) {
        return;
    }
    sqlite3_close(r->db);
    free(r->conninfo);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

bool ready_timers(const metrics *m, int64_t now_ms, char *why, size_t n)
{
    metrics *w = (metrics *)(uintptr_t)m; /* C11's atomic_load takes no const object */
    if (!atomic_load(&w->timers)) {
        return true;
    }
    int64_t lag = atomic_load(&w->timer_lag_ms);
    int64_t pass = atomic_load(&w->timer_pass_ms);
    int64_t since = pass > 0 ? pass : atomic_load(&w->timers_since_ms);
    if (lag > (int64_t)READY_TIMER_LAG_S * 1000) {
        snprintf(why, n, "timers fire %lld s late (at most %d s)", (long long)(lag / 1000),
                 READY_TIMER_LAG_S);
        return false;
    }
    if (now_ms - since > (int64_t)READY_TIMER_LAG_S * 1000) {
        snprintf(why, n, "the timer scheduler has completed no pass for %lld s (at most %d s)",
                 (long long)((now_ms - since) / 1000), READY_TIMER_LAG_S);
        return false;
    }
    return true;
}
