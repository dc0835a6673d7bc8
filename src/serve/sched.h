/*
 * The timer scheduler of `motcua serve` (docs/operations.md, "Timers"): a thread that fires every
 * due timer and overdue mark within a second of the moment it comes due, through an engine of
 * its own (mc_engine_wake: batches leased in the store, so that several servers on one
 * PostgreSQL store fire each timer once, and servers on one SQLite file one at a time). serve.c
 * starts it once the server listens and stops it before the engines close.
 */
#ifndef MOTCUA_SERVE_SCHED_H
#define MOTCUA_SERVE_SCHED_H

#include "api.h"

#include "motcua/engine.h"
#include "motcua/rules.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct sched_skip sched_skip;

typedef struct sched {
    api *api;          /* borrowed: its clock (fixed_now), its write lock, whether it is stopping */
    mc_engine *engine; /* owned, with its rules */
    mc_rules *rules;
    pthread_t thread;
    pthread_mutex_t lock; /* stop, and the wait between passes */
    pthread_cond_t wake;
    bool stop, started;
    int stall_ms; /* a test's pause inside each batch (MOTCUA_TEST_TIMERS_STALL_MS), or 0 */
    /* Dossiers left alone: those whose timers failed (logged once) or that had nothing to fire,
     * each until a time when it is tried again. */
    sched_skip *skips;
    size_t nskips, capskips;
    int64_t now; /* the pass's now, for the skip list */
    /* A reloaded catalogue and rules for the engine, taken before the next pass (under lock). */
    const mc_catalogue *next_cat;
    mc_rules *next_rules;
} sched;

/* Starts s's thread on engine e and its rules (owned by s from now on, closed by sched_stop,
 * also when the start fails) for the server's api a. false when the thread cannot start. */
bool sched_start(sched *s, api *a, mc_engine *e, mc_rules *rules);
/* Makes s's engine run on cat (borrowed: the API keeps it) and rules (owned by s from now on)
 * from its next pass: a catalogue reload; the pass running ends on the catalogue it began with.
 * A no-op (rules freed) on a scheduler not started. */
void sched_set_catalogue(sched *s, const mc_catalogue *cat, mc_rules *rules);
/* Stops s's thread, waiting for the batch it is running, and closes its engine. A no-op on a
 * zeroed s. */
void sched_stop(sched *s);

#endif
