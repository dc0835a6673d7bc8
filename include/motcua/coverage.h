/*
 * Measured coverage of live registries (issue 20): the share of look-ups a live registry
 * answered with a record, over the look-ups made in a period, as the store's proofs count them
 * (mc_store_lookup_counts), to replace the declared `coverage` of a registry in `cost` and
 * `simulate`. A share is a measure only over enough look-ups (MC_COVERAGE_MIN by default):
 * with fewer, with none, or for a registry that is not live, the declared coverage (an
 * assumption) stays, and the table says why, so that a reader never mixes a statistic with an
 * assumption. A registry without a declared coverage counts as covering every dossier (cost.h).
 */
#ifndef MOTCUA_COVERAGE_H
#define MOTCUA_COVERAGE_H

#include "motcua/catalogue.h"
#include "motcua/error.h"
#include "motcua/store.h"

#include <stdbool.h>
#include <stdint.h>

/* The look-ups a measure needs: fewer give a share too uncertain to replace an assumption (30
 * look-ups at 85% give about ±13 points at 95% confidence). */
enum { MC_COVERAGE_MIN = 30 };

/* Where the coverage a registry's row gives comes from. */
typedef enum mc_coverage_source {
    MC_COVERAGE_MEASURED, /* live, at least min look-ups: the measured share */
    MC_COVERAGE_TOO_FEW,  /* live, 1 to min - 1 look-ups: the declared coverage kept */
    MC_COVERAGE_NONE,     /* live, no look-up made in the period (unsent ones aside): the
                             declared coverage kept */
    MC_COVERAGE_NOT_LIVE, /* look-ups recorded, the registry is not live: the declared kept */
    MC_COVERAGE_SET,      /* set for one run (a sensitivity option, mc_coverage_set): that
                             share, in place of the declared one and of a measure */
} mc_coverage_source;

typedef struct mc_coverage_row {
    const char *registry; /* borrowed from the catalogue measured against */
    mc_coverage_source source;
    bool has_declared;   /* the registry declares a `coverage` … */
    mc_fixed declared;   /* … of this many percent (fixed point) */
    int64_t made, found; /* look-ups made (sent) in the period, and answered `found` */
    int64_t unsent;      /* look-ups the client never sent (store.h, mc_lookup_count) */
    int64_t first, last; /* the first and last look-up's asked_at (UTC); MC_NONE without any */
    mc_fixed measured;   /* found / made in percent, rounded half up (fixed point); 0 when
                            made is 0 */
} mc_coverage_row;

/* Every live registry of the catalogue, and every other registry of it that the store holds
 * look-ups of, by name. */
typedef struct mc_coverage {
    mc_coverage_row *rows;
    size_t n;
    int64_t min;               /* the look-ups a measure needed */
    bool has_since, has_until; /* the period asked (local dates of the catalogue's default */
    mc_date since, until;      /* calendar, both included); open ends are not set */
} mc_coverage;

/* Measures the coverage of cat's registries in store st over the local dates [since, until]
 * (both included; has_since/has_until false: open) of cat's default calendar, with min
 * look-ups needed for a measure (min ≥ 1). Look-ups of registries cat does not declare are
 * ignored. *out is the caller's (mc_coverage_free). Errors: MC_EUSAGE (min < 1, until before
 * since), the store's, MC_ENOMEM. */
int mc_coverage_measure(mc_coverage *out, const mc_catalogue *cat, mc_store *st, bool has_since,
                        mc_date since, bool has_until, mc_date until, int64_t min, mc_error *err);

/* The row of registry name, or NULL. */
const mc_coverage_row *mc_coverage_find(const mc_coverage *c, const char *name);

/* The coverage of registry r to count with: the measured share when c (may be NULL) measured it
 * against the coverage r declares (a reform that declares another coverage for r keeps its own
 * assumption), else r's declared one. Returns whether r has one (false: every dossier), the
 * percent in *pct. */
bool mc_coverage_of(const mc_coverage *c, const mc_registry *r, mc_fixed *pct);

/* Whether r's coverage is a measure of c (mc_coverage_of gave the measured share). */
bool mc_coverage_measured(const mc_coverage *c, const mc_registry *r);

/* Sets the coverage of registry r in c to pct (percent, fixed point) for one run, replacing
 * its row (a measure included): mc_coverage_of then gives pct for r in a catalogue that
 * declares r's coverage as it does (a reform that declares another keeps its own). */
int mc_coverage_set(mc_coverage *c, const mc_registry *r, mc_fixed pct, mc_error *err);

/* A copy of from into *out (mc_coverage_free). */
int mc_coverage_copy(mc_coverage *out, const mc_coverage *from, mc_error *err);

void mc_coverage_free(mc_coverage *c);

#endif
