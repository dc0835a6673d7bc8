/*
 * Calibration from real data (issue 23): the simulation figures of a catalogue's procedures —
 * each state's `takes`, each transition's `chance`, the `volume` — estimated from the history
 * of a store (the agency's own dossiers), and written as a catalogue layer of `extend`
 * declarations (docs/language.md §1.2) that loads over the catalogue it was calibrated for.
 *
 * What is measured, per procedure (by name, over all its versions):
 *   - takes: the time from entering a state to leaving it by a person's event (`fire`), in
 *     office time of the procedure's calendar for a state whose `takes` is in working units or
 *     has none (written in `wd`, or `wh` when the catalogue's is; counted, as the simulator
 *     spends a `takes`, from the day a time limit would count from: office time after the
 *     calendar's cutoff is not spent), wall time otherwise (`h`, or `d`); leavings by a timer are
 * counted apart, not as takes. The figure written is the uniform range with the measured mean and
 * standard deviation (MIN = mean − √3·sd, MAX = mean + √3·sd; MIN held at 0 with MAX = 2·mean when
 * that would be negative);
 *   - chance: the share of the leavings by a person's event that each event of the state took
 *     (an event of the state never taken gets 0%); the shares written add up to 100%;
 *   - volume: the submissions of the period scaled to 365 days. The period is the one asked
 *     (local dates of the catalogue's default calendar, both included), or, for an open end, the
 *     first or the last submission's day in the store; only the dossiers submitted in it count.
 * A figure observed fewer than min times is left out, with a note in the file. Procedures of
 * the store that the catalogue does not declare are counted and named, never guessed.
 */
#ifndef MOTCUA_CALIBRATE_H
#define MOTCUA_CALIBRATE_H

#include "motcua/catalogue.h"
#include "motcua/error.h"
#include "motcua/store.h"

#include <stdbool.h>
#include <stdint.h>

/* Observations a figure needs by default: with fewer it stays as the catalogue has it. */
enum { MC_CALIBRATE_MIN = 30 };

/* The leavings of a state by one event. */
typedef struct mc_calibrate_event {
    const char *event; /* the catalogue's (borrowed) */
    int64_t n;
} mc_calibrate_event;

typedef struct mc_calibrate_state {
    const mc_state *state;      /* of the procedure's newest version (borrowed) */
    mc_dur_unit unit;           /* the unit of the figures below: MC_DUR_WD, WH, H or D */
    int64_t left;               /* leavings by a person's event */
    int64_t by_timer;           /* leavings by a timer */
    int64_t other;              /* leavings by an event the state no longer has */
    double sum, sumsq;          /* of the times spent (in unit) of the leavings by a person */
    mc_calibrate_event *events; /* one per event of the state's transitions, in their order */
    size_t nevents;
} mc_calibrate_state;

typedef struct mc_calibrate_proc {
    const mc_procedure *p;      /* its newest version (borrowed) */
    int64_t dossiers;           /* submitted in the period */
    int64_t finished, on_time;  /* of them, in a final state, and not late */
    int64_t volume;             /* dossiers a year, rounded half up */
    mc_calibrate_state *states; /* one per state of p's machine, in its order */
    size_t nstates;
} mc_calibrate_proc;

/* A procedure of the store that the catalogue does not declare. */
typedef struct mc_calibrate_unknown {
    char *name;
    int64_t dossiers;
} mc_calibrate_unknown;

typedef struct mc_calibration {
    mc_calibrate_proc *procs; /* by name */
    size_t nprocs;
    mc_calibrate_unknown *unknown; /* by name */
    size_t nunknown;
    int64_t dossiers;          /* every dossier of the store, known procedures or not */
    int64_t finished, on_time; /* of the known procedures' */
    mc_date first, last;       /* the period: the first and last submission's days */
    int64_t days;              /* last − first + 1 */
    int64_t min;               /* observations a figure needed */
    int64_t unknown_states;    /* stays in states no version of the procedure has now */
} mc_calibration;

/* What to measure: the period (open ends when not set) and the observations a figure needs. */
typedef struct mc_calibrate_opts {
    bool has_since, has_until;
    mc_date since, until; /* local dates of the catalogue's default calendar, both included */
    int64_t min;          /* >= 1 */
} mc_calibrate_opts;

#define MC_CALIBRATE_OPTS_INIT                                                                     \
    {                                                                                              \
        .has_since = false, .has_until = false, .since = 0, .until = 0, .min = MC_CALIBRATE_MIN    \
    }

/* Measures the figures of cat's procedures from the dossiers of st submitted in the period of o,
 * and their events. *out is the caller's (mc_calibration_free), set also on failure. Errors:
 * MC_EUSAGE "min must be 1 or more", "the period ends before it begins"; MC_ENOTFOUND "the
 * store holds no dossier: nothing to calibrate", "the store holds no dossier submitted from
 * SINCE to UNTIL: nothing to calibrate" (either end may be open: "from SINCE on", "up to
 * UNTIL"), and "none of the store's N procedures is in the catalogue (e.g. 'NAME'): nothing to
 * calibrate"; the store's; MC_ENOMEM. */
int mc_calibrate_measure(mc_calibration *out, const mc_catalogue *cat, mc_store *st,
                         const mc_calibrate_opts *o, mc_error *err);

/* The layer of c as .proc text (mc_free it) in *out: a header naming the source (from, as
 * shown after "calibrated from": "the store agency.db"; never a connection string, which may
 * hold a password) and the period, then one `extend procedure` per procedure with at least one
 * figure, each figure with its sample size in a comment, and a note for each figure left out. Pure:
 * the same calibration gives the same text. Errors: MC_ENOMEM. */
int mc_calibrate_text(const mc_calibration *c, const char *from, char **out, mc_error *err);

/* The figures c writes, for a summary: volumes, takes, chances, and those left out. */
typedef struct mc_calibrate_counts {
    size_t procedures, volumes, takes, chances, left_out;
} mc_calibrate_counts;
mc_calibrate_counts mc_calibrate_count(const mc_calibration *c);

void mc_calibration_free(mc_calibration *c);

#endif
