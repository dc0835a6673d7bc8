/* The sender of results to live registries (deliver.h; docs/registries.md, "Results go back").
 *
 * A pass reads up to BATCH deliveries due from the store (a read, no transaction held), sends
 * them one by one through the connector, and records each answer in a short transaction of its
 * own: acknowledged (the answer's hash chained) or failed (its reason, and the next attempt
 * after a backoff doubling from BACKOFF_MIN_S to BACKOFF_MAX_S). A delivery keeps its request
 * id for every attempt, and the registry records a request id once: a result sent twice (an
 * acknowledgement lost, two servers on one PostgreSQL store) is recorded once. Passes run every
 * PASS_MS, at once again while a batch was full. Every failure is logged as one warning; the
 * store failing is logged once until it answers again. */
#include "deliver.h"
#include "log.h"

#include "base/backoff.h"
#include "motcua/alloc.h"
#include "motcua/connect.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
    BATCH = 16,
    PASS_MS = 1000,
    BACKOFF_MIN_S = 60,
    BACKOFF_MAX_S = 3600,
};

/* One delivery read from the store, its strings owned (the store's are borrowed). */
typedef struct owned {
    mc_delivery_row row;
    char *s[8];
} owned;

static char *dup_of(const char *s, bool *oom)
{
    if (s == NULL) {
        return NULL;
    }
    char *d = mc_strndup(s, strlen(s));
    *oom |= d == NULL;
    return d;
}

typedef struct batch {
    owned items[BATCH];
    size_t n;
    bool oom;
} batch;

static int take(void *ud, const mc_delivery_row *d)
{
    batch *b = ud;
    if (b->n == BATCH) {
        return 1;
    }
    owned *o = &b->items[b->n++];
    o->row = *d;
    const char *const from[8] = {d->registry,  d->document, d->subject,   d->party,
                                 d->reference, d->issued,   d->procedure, d->agency};
    for (int i = 0; i < 8; i++) {
        o->s[i] = dup_of(from[i], &b->oom);
    }
    o->row.registry = o->s[0];
    o->row.document = o->s[1];
    o->row.subject = o->s[2];
    o->row.party = o->s[3];
    o->row.reference = o->s[4];
    o->row.issued = o->s[5];
    o->row.procedure = o->s[6];
    o->row.agency = o->s[7];
    o->row.answer_hash = NULL;
    o->row.last_error = NULL;
    return 0;
}

static void batch_free(batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        for (int k = 0; k < 8; k++) {
            mc_free(b->items[i].s[k]);
        }
    }
    b->n = 0;
}

static bool stopping(deliverer *d)
{
    pthread_mutex_lock(&d->lock);
    bool s = d->stop;
    pthread_mutex_unlock(&d->lock);
    return s;
}

/* The wait before attempt attempts + 1, after attempts failed ones (1 or more). */
static int64_t backoff_s(const deliverer *d, int64_t attempts)
{
    return mc_backoff(d->backoff_min_s, d->backoff_max_s, attempts);
}

static int count_pending(void *ud, const char *registry, int64_t n)
{
    deliverer *d = ud;
    if (d->npending < METRICS_REGISTRIES_MAX) {
        deliver_pending *p = &d->pending[d->npending++];
        snprintf(p->registry, sizeof p->registry, "%s", registry ? registry : "");
        p->pending = n;
    }
    return 0;
}

/* Sends one delivery and records its answer. Returns the store's error, or 0. */
static int send_one(deliverer *d, const mc_delivery_row *row, mc_error *err)
{
    mc_delivery_answer ans;
    mc_error cerr;
    mc_error_clear(&cerr);
    mc_connect_deliver(d->api->registries, row, &ans, &cerr); /* MC_ENOMEM: a failed attempt */
    int64_t now = (int64_t)time(NULL);
    if (ans.accepted) {
        int rc = mc_store_delivery_done(d->store, row->id, now, ans.answer_hash, err);
        if (rc == 1) {
            log_msg(FRONT_LOG_INFO,
                    "delivery %" PRId64
                    ": %s of %s acknowledged by %s (request %s, attempt %" PRId64 ")",
                    row->id, row->document, row->subject, row->registry, row->request_id,
                    row->attempts + 1);
        }
        return rc < 0 ? rc : 0;
    }
    int64_t wait = backoff_s(d, row->attempts + 1);
    log_msg(FRONT_LOG_WARN,
            "delivery %" PRId64 ": %s to %s (request %s) failed: %s; attempt %" PRId64
            ", next in %" PRId64 " s",
            row->id, row->document, row->registry, row->request_id,
            ans.reason[0] ? ans.reason : "out of memory", row->attempts + 1, wait);
    int rc = mc_store_delivery_failed(
        d->store, row->id, ans.reason[0] ? ans.reason : "out of memory", now + wait, err);
    return rc < 0 ? rc : 0;
}

/* One pass: the due deliveries in batches, then the pending counts. Returns the store's error
 * or 0; *full when the last batch was full (more may be due). */
static int pass(deliverer *d, bool *full, mc_error *err)
{
    *full = false;
    batch b;
    memset(&b, 0, sizeof b);
    int64_t now = (int64_t)time(NULL);
    int rc = mc_store_delivery_due(d->store, now, BATCH, take, &b, err);
    if (rc == 1) {
        rc = 0;
    }
    *full = rc == 0 && b.n == BATCH;
    for (size_t i = 0; rc == 0 && i < b.n && !stopping(d); i++) {
        if (b.items[i].s[0] == NULL || b.items[i].s[1] == NULL || b.items[i].s[2] == NULL) {
            continue; /* out of memory copying it: the next pass takes it */
        }
        rc = send_one(d, &b.items[i].row, err);
    }
    batch_free(&b);
    if (rc == 0) {
        pthread_mutex_lock(&d->lock);
        d->npending = 0;
        rc = mc_store_delivery_pending(d->store, count_pending, d, err);
        d->counted = rc == 0;
        pthread_mutex_unlock(&d->lock);
    }
    return rc;
}

/* Waits ms or until a stop; true when stopping. */
static bool wait_ms(deliverer *d, int64_t ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)(ms / 1000);
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    pthread_mutex_lock(&d->lock);
    while (!d->stop && pthread_cond_timedwait(&d->wake, &d->lock, &until) != ETIMEDOUT) {
    }
    bool s = d->stop;
    pthread_mutex_unlock(&d->lock);
    return s;
}

static void *run(void *arg)
{
    deliverer *d = arg;
    while (!stopping(d)) {
        mc_error err;
        mc_error_clear(&err);
        bool full = false;
        int rc = pass(d, &full, &err);
        if (rc != 0 && !d->down) {
            log_msg(FRONT_LOG_ERROR, "deliveries: %s (trying again in the background)",
                    err.msg[0] ? err.msg : mc_error_name(rc));
            d->down = true;
        } else if (rc == 0 && d->down) {
            log_msg(FRONT_LOG_INFO, "deliveries: the store answers again");
            d->down = false;
        }
        if (wait_ms(d, rc == 0 && full ? 0 : d->pass_ms)) {
            break;
        }
    }
    return NULL;
}

static void gate_enter(void *ud)
{
    pthread_mutex_lock(&((api *)ud)->write_lock);
}

static void gate_leave(void *ud)
{
    pthread_mutex_unlock(&((api *)ud)->write_lock);
}

/* A number from the environment within [lo, hi], or def. */
static int64_t env_num(const char *name, int64_t def, int64_t lo, int64_t hi)
{
    const char *s = getenv(name);
    if (s == NULL || *s == '\0') {
        return def;
    }
    long long v = atoll(s);
    return v < lo || v > hi ? def : (int64_t)v;
}

bool deliver_start(deliverer *d, api *a, const char *db, mc_error *err)
{
    memset(d, 0, sizeof *d);
    if (a->registries == NULL) {
        mc_error_set(err, MC_EUSAGE, "no live registry is configured");
        return false;
    }
    if (mc_store_open(&d->store, db, err) != 0) {
        memset(d, 0, sizeof *d);
        return false;
    }
    d->api = a;
    /* Tests shorten the clock: the wait between passes and the first backoff. */
    d->pass_ms = env_num("MOTCUA_TEST_DELIVERY_PASS_MS", PASS_MS, 10, 60000);
    d->backoff_min_s = env_num("MOTCUA_TEST_DELIVERY_BACKOFF_S", BACKOFF_MIN_S, 1, BACKOFF_MIN_S);
    d->backoff_max_s = d->backoff_min_s * (BACKOFF_MAX_S / BACKOFF_MIN_S);
    /* Its writes queue with the API's on the process's write lock, and on SQLite join the
     * engines' group commit, as the timer scheduler's do. */
    mc_store_set_gate(d->store, gate_enter, gate_leave, a);
    if (a->group != NULL) {
        mc_store_set_group(d->store, a->group);
    }
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->wake, NULL);
    /* The first count before the thread: /metrics has it from the server's first request. */
    mc_error cerr;
    mc_error_clear(&cerr);
    d->counted = mc_store_delivery_pending(d->store, count_pending, d, &cerr) == 0;
    d->started = pthread_create(&d->thread, NULL, run, d) == 0;
    if (!d->started) {
        mc_error_set(err, MC_EINTERNAL, "cannot start a thread");
        deliver_stop(d);
        return false;
    }
    return true;
}

void deliver_stop(deliverer *d)
{
    if (d->api == NULL) {
        return;
    }
    if (d->started) {
        pthread_mutex_lock(&d->lock);
        d->stop = true;
        pthread_cond_signal(&d->wake);
        pthread_mutex_unlock(&d->lock);
        pthread_join(d->thread, NULL);
    }
    pthread_mutex_destroy(&d->lock);
    pthread_cond_destroy(&d->wake);
    mc_store_close(d->store);
    memset(d, 0, sizeof *d);
}

void deliver_render_pending(deliverer *d, const mc_connect_stat *s, size_t n, mc_buf *t)
{
    if (d == NULL || d->api == NULL || n == 0) {
        return;
    }
    pthread_mutex_lock(&d->lock);
    if (d->counted) {
        mc_buf_printf(t, "# HELP motcua_registry_deliveries_pending Results issued to a live "
                         "registry not acknowledged yet, by registry (from the store).\n"
                         "# TYPE motcua_registry_deliveries_pending gauge\n");
        for (size_t i = 0; i < n; i++) {
            int64_t v = 0;
            for (size_t k = 0; k < d->npending; k++) {
                if (strcmp(d->pending[k].registry, s[i].registry) == 0) {
                    v = d->pending[k].pending;
                }
            }
            mc_buf_printf(t, "motcua_registry_deliveries_pending{registry=\"");
            metrics_label(t, s[i].registry);
            mc_buf_printf(t, "\"} %lld\n", (long long)v);
        }
    }
    pthread_mutex_unlock(&d->lock);
}
