/*
 * The sender of results to live registries in `motcua serve` (docs/registries.md, "Results go
 * back"): a thread of its own that takes the deliveries due from the store's outbox
 * (mc_store_delivery_due), sends each outside any store transaction (mc_connect_deliver) and
 * marks it acknowledged or failed with a backoff, so that neither the API nor the timer
 * scheduler ever waits for a registry. It also keeps the count of deliveries pending by registry
 * for /metrics. serve.c starts it when live registries are configured and stops it before the
 * connector is freed.
 */
#ifndef MOTCUA_SERVE_DELIVER_H
#define MOTCUA_SERVE_DELIVER_H

#include "api.h"
#include "metrics.h"

#include "base/buf.h"
#include "motcua/store.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct deliver_pending {
    char registry[64];
    int64_t pending;
} deliver_pending;

typedef struct deliverer {
    api *api;        /* borrowed: its connector (registries), its write lock */
    mc_store *store; /* owned: a connection of its own */
    pthread_t thread;
    pthread_mutex_t lock; /* stop, the wait between passes, and the counts below */
    pthread_cond_t wake;
    bool stop, started;
    int64_t pass_ms;                      /* between passes (MOTCUA_TEST_DELIVERY_PASS_MS) */
    int64_t backoff_min_s, backoff_max_s; /* after a failure: doubling from min up to max */
    bool down;                            /* the store failed: logged once */
    deliver_pending pending[METRICS_REGISTRIES_MAX];
    size_t npending;
    bool counted; /* pending[] holds a count */
} deliverer;

/* Starts d's thread on the store at db (opened here) for the server's api a, whose connector
 * must be set. false (logged by the caller) when the store cannot be opened or the thread not
 * started; d is then as zeroed. */
bool deliver_start(deliverer *d, api *a, const char *db, mc_error *err);
/* Stops d's thread, waiting for the delivery it is sending (at most the registry's timeout),
 * and closes its store. A no-op on a zeroed d. */
void deliver_stop(deliverer *d);
/* Appends motcua_registry_deliveries_pending{registry} for every registry of s[0..n) (0 where
 * none is pending) to t, from d's last count; nothing when d has not counted yet. */
void deliver_render_pending(deliverer *d, const mc_connect_stat *s, size_t n, mc_buf *t);

#endif
