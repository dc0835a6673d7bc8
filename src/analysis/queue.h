/*
 * Officers and their queues (issue 23): pools of c officers — in the simulation one per agency
 * and role that a catalogue staffs — serving jobs first come first served, only in the office
 * hours of a calendar, driven by one event list. A job arrives at an instant with a service need
 * in office seconds; when an officer is free it starts at once, otherwise it waits in its pool's
 * line; its service pauses outside office hours, so its end is the instant `need` office seconds
 * after its start on the pool's calendar (mc_calendar_deadline in working hours, the calendar's
 * cutoff left out: a cutoff dates the receipt of a dossier, not an officer's work).
 *
 * Time: instants are UTC seconds (int64_t), as the simulator's. A pool without a calendar is
 * always open: its instants and needs may then be in any unit (the Erlang C test uses
 * microseconds), and its office time is plain time.
 *
 * The event list is a binary heap keyed by (instant, sequence number): two events of one instant
 * come out in the order they were put in, so that a run is a function of its inputs. It holds the
 * caller's wake-ups (mc_queue_wake), arrivals announced ahead (mc_queue_arrive at a later
 * instant) and the end of each job in service. The caller drives everything through
 * mc_queue_next, which hands out its wake-ups and the jobs that end, in time order; the queue's
 * own bookkeeping (an officer taking the next job) happens inside. Memory grows with the jobs in
 * the queue at one time (waiting, in service, announced) and the wake-ups pending, by amortised
 * doubling: never per job served.
 *
 * Statistics per pool are kept in office time (the pool's calendar's office seconds; plain time
 * without a calendar), so that a night or a holiday is no wait: a job that arrives at 17:30 and
 * is taken at 08:00 the next working day has waited 0 office seconds. Little's law then holds on
 * that clock: mean_queue = (started / span) × mean_wait, up to the jobs still waiting at the end.
 *
 * After any error but MC_EUSAGE the queue is only good for mc_queue_stats and mc_queue_free.
 */
#ifndef MOTCUA_ANALYSIS_QUEUE_H
#define MOTCUA_ANALYSIS_QUEUE_H

#include "motcua/calendar.h"
#include "motcua/catalogue.h"
#include "motcua/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mc_queue mc_queue;

/* A job's handle, as mc_queue_arrive gives it: valid until its end is handed out by
 * mc_queue_next or it is cancelled. */
typedef uint64_t mc_queue_job;

typedef enum mc_queue_kind {
    MC_QUEUE_WAKE = 1, /* a wake-up the caller asked for (mc_queue_wake) */
    MC_QUEUE_DONE = 2, /* a job whose service ended */
} mc_queue_kind;

typedef struct mc_queue_event {
    mc_queue_kind kind;
    int64_t at;   /* the instant: of the wake-up, or of the job's end */
    uint64_t tag; /* the caller's, as given to mc_queue_wake or mc_queue_arrive */
    /* DONE only: */
    uint32_t pool;
    mc_queue_job job;
    int64_t arrived; /* when the job arrived */
    int64_t started; /* when an officer took it (office hours may start later) */
    int64_t wait;    /* office seconds from its arrival to its start */
    int64_t need;    /* office seconds of service, as given */
} mc_queue_event;

/* What a pool did, in office seconds of its calendar (plain time without one). */
typedef struct mc_queue_stats {
    uint32_t servers;
    int64_t arrived;    /* jobs that arrived */
    int64_t started;    /* jobs an officer took: the waits below are theirs */
    int64_t served;     /* jobs whose service ended (handed out as MC_QUEUE_DONE) */
    int64_t cancelled;  /* jobs cancelled, waiting or in service */
    int64_t delayed;    /* jobs started after a wait of more than 0 office seconds */
    int64_t busy;       /* office seconds of service given: a job's need when it ends, the part
                           given when it is cancelled in service */
    int64_t span;       /* office seconds from the pool's first arrival to its last event */
    double utilisation; /* busy / (servers × span); 0 when span is 0 */
    double mean_queue;  /* jobs waiting (not in service), averaged over span */
    int64_t max_queue;  /* the most jobs waiting at one time */
    double mean_wait;   /* office seconds from arrival to start, over the started jobs */
    int64_t p90_wait;   /* the wait under which 90% of the started jobs fall (to within 1/64) */
    int64_t waiting, in_service; /* at the pool's last event */
} mc_queue_stats;

/* A new queue with no pool, at instant INT64_MIN (the first event sets the clock). *out is the
 * caller's (mc_queue_free). 0, or MC_ENOMEM. */
int mc_queue_new(mc_queue **out, mc_error *err);
void mc_queue_free(mc_queue *q);

/* Adds a pool of servers (≥ 1) officers working the office hours of cal, or always (cal NULL:
 * plain time — not calendar.h's built-in weekdays, pass mc_calendar_builtin() for those); cal is
 * borrowed and must outlive q. *id is the pool's number (0, 1, … in the order added). 0;
 * MC_EUSAGE when servers is 0 or cal has no office hours; MC_ENOMEM. */
int mc_queue_add_pool(mc_queue *q, uint32_t servers, const mc_calendar *cal, uint32_t *id,
                      mc_error *err);
/* The number of pools. */
size_t mc_queue_npools(const mc_queue *q);

/* The queue's present: the instant of the last event handed out or processed (INT64_MIN
 * before any). */
int64_t mc_queue_now(const mc_queue *q);

/* Asks for a wake-up: mc_queue_next hands out an MC_QUEUE_WAKE event with tag at instant at
 * (≥ mc_queue_now). 0; MC_EUSAGE when at is in the past; MC_ENOMEM. */
int mc_queue_wake(mc_queue *q, int64_t at, uint64_t tag, mc_error *err);

/* A job with tag arrives in pool at instant at (≥ mc_queue_now; later: announced, it joins the
 * line then) needing need (≥ 0) office seconds of one officer. Arriving now, it is taken at once
 * when an officer is free, else it waits behind the jobs already waiting. Its end is handed out
 * by mc_queue_next. *job (may be NULL) is its handle, for mc_queue_cancel. 0; MC_EUSAGE (an
 * unknown pool, a past instant, a negative need); MC_ENOMEM. */
int mc_queue_arrive(mc_queue *q, uint32_t pool, int64_t at, int64_t need, uint64_t tag,
                    mc_queue_job *job, mc_error *err);

/* Takes job out of its pool now (mc_queue_now): out of the line when it waits (the jobs behind
 * it move up), off its officer when in service (the officer takes the next job now, and the
 * office seconds given count as busy), or before it arrives when announced. Its end is never
 * handed out. 0; MC_ENOTFOUND when job has ended or was cancelled already; MC_ENOMEM. */
int mc_queue_cancel(mc_queue *q, mc_queue_job job, mc_error *err);

/* The next event in time order (ties: in the order they were put in) into *ev: a wake-up or the
 * end of a job; officers take the next waiting jobs as they come free, inside. Returns 1 with
 * *ev set, 0 when nothing is left (no job in the queue and no wake-up pending), MC_ENOMEM. */
int mc_queue_next(mc_queue *q, mc_queue_event *ev, mc_error *err);

/* The instant of the next event in the list (internal ones included), or INT64_MAX when it is
 * empty: what a caller with events of its own compares against. */
int64_t mc_queue_peek(const mc_queue *q);

/* The statistics of pool (< mc_queue_npools) into *out, as of the pool's last event. */
void mc_queue_stats_of(const mc_queue *q, uint32_t pool, mc_queue_stats *out);

/* The wait (office seconds) under which a share (0..1] of pool's started jobs fall, to within
 * 1/64 of it (exact below 32): the midpoint of its bucket of a log-linear histogram; 0 when none
 * started. */
int64_t mc_queue_wait_quantile(const mc_queue *q, uint32_t pool, double share);

/* ==== arrivals over a year ================================================================
 *
 * When dossier j of n arrives (issue 23): spread over days days from a date, evenly (as the
 * simulator has always spread them: at (j + ½) × span / n) or, under a declared pattern
 * (catalogue.h, mc_arrivals), so that each day's share of the n dossiers is its weight
 * (mc_arrivals_weight) over the weights of all the days, spread evenly within the day. No draw:
 * the same j, n and pattern give the same instant, and a baseline and a reform meet the same
 * applicants at the same instants. */

enum { MC_ARRIVALS_MAX_DAYS = 366 };

typedef struct mc_arrivals_year {
    const mc_arrivals *pattern; /* NULL: even */
    int days;
    double cum[MC_ARRIVALS_MAX_DAYS + 1]; /* cum[d]: the weights of days 0 … d−1, summed */
} mc_arrivals_year;

/* Prepares *y for days (1 … MC_ARRIVALS_MAX_DAYS) days from the date from under pattern (NULL:
 * even; a pattern whose weights are 0 on every one of those days is read as even). */
void mc_arrivals_year_init(mc_arrivals_year *y, const mc_arrivals *pattern, mc_date from, int days);

/* The instant dossier j (0 ≤ j < n) arrives, in seconds after the start of the first day (local
 * midnight: add it to the first day's instant). Even: exactly (days × 86400 × (2j + 1)) / (2n),
 * rounded down, what the simulator computed before patterns. */
int64_t mc_arrivals_year_offset(const mc_arrivals_year *y, int64_t j, int64_t n);

#endif
