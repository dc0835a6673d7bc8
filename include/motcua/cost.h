/*
 * Compliance cost (SPEC §8.1, Circular 02/2017/TT-VPCP art. 27): what one dossier of each
 * procedure costs its applicant, and what that comes to in a year — exact and deterministic.
 *
 *   hours = Σ effort of asked documents + visits × visit time + waiting (when the model counts it)
 *   cost  = hours × hourly income + fee + Σ cost of asked documents + visits × visit cost
 *
 * A document is asked in the share of dossiers where its condition holds (a field's `sample`)
 * and no published registry supplies it (a registry's `coverage`). Shares are kept exact; the
 * cost of one dossier is rounded half up to the dong, and the annual cost is that × volume.
 */
#ifndef MOTCUA_COST_H
#define MOTCUA_COST_H

#include "motcua/catalogue.h"
#include "motcua/rules.h"

typedef struct mc_cost_line {
    const char *procedure;
    bool in_force;   /* a version is in force on the date */
    mc_fixed hours;  /* per dossier, fixed-point (MC_FIXED_ONE = 1 h), rounded to 1e-6 */
    int64_t cost;    /* per dossier, in the currency's smallest unit */
    int64_t volume;  /* dossiers a year (0 when the procedure declares none) */
    int64_t annual;  /* cost × volume */
    char notes[512]; /* what was assumed: rules counted as always true, fee rules, … */
} mc_cost_line;

/* One line per procedure name (sorted by name) of cat, with the version in force on date and
 * the cost model m. The caller frees *lines with mc_free. rules may be NULL (fee rules are then
 * counted as 0, noted). */
int mc_cost_compute(const mc_catalogue *cat, mc_rules *rules, const mc_cost_model *m, mc_date date,
                    mc_cost_line **lines, size_t *n, mc_error *err);

/* A duration as applicant time in minutes (fixed point, exact for every unit); days and working
 * days count the model's hours-per-day. */
mc_fixed mc_cost_minutes(const mc_duration *d, const mc_cost_model *m);

/* saving % of base → reformed, in hundredths of a percent, rounded half up (10.00% = 1000);
 * 0 when base is 0. */
int64_t mc_cost_saving_bp(int64_t base, int64_t reformed);

#endif
