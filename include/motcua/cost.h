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
 *
 * A fee rule or a fee schedule is charged over the values the simulator gives the fields it
 * reads (each field's `sample`, a neutral value or none without one) and on the channel the
 * simulator files the dossiers through, every combination weighed exactly by its share: the fee
 * the simulator charges on average, without sampling.
 */
#ifndef MOTCUA_COST_H
#define MOTCUA_COST_H

#include "motcua/catalogue.h"
#include "motcua/rules.h"

/* The 128-bit integer of the exact sums (a GCC and Clang extension). */
__extension__ typedef __int128 mc_cost_int;

/* The scale of an exact part of a dossier's cost (mc_cost_line): 10¹⁸, a millionth of a
 * millionth of a millionth, at which the shares of dossiers (each to a millionth, two of them
 * multiplied) times minutes or money (to a millionth) are whole numbers. */
#define MC_COST_EXACT ((mc_cost_int)1000000000000000000)

typedef struct mc_cost_line {
    const char *procedure;
    bool in_force;    /* a version is in force on the date */
    mc_fixed hours;   /* per dossier, fixed-point (MC_FIXED_ONE = 1 h), rounded to 1e-6 */
    int64_t cost;     /* per dossier, in the currency's smallest unit */
    int64_t volume;   /* dossiers a year (0 when the procedure declares none) */
    int64_t annual;   /* cost × volume */
    int64_t fee;      /* the fee counted in cost, per dossier (the state's revenue per dossier) */
    /* The parts of cost, exact as the sums keep them, so that a reader can redo the formula:
     * cost = round half up, once, of minutes / 60 × hourly income + fee + documents + visits
     * (minutes and documents over MC_COST_EXACT; hours is minutes / 60 rounded to 1e-6). */
    mc_cost_int minutes;   /* applicant minutes per dossier × MC_COST_EXACT */
    mc_cost_int documents; /* Σ cost of the asked documents per dossier × MC_COST_EXACT */
    int64_t visits;        /* visits × the model's visit cost, per dossier */
    unsigned assumed; /* the version's MC_ASSUMED_* bits: which of its figures are assumptions */
    char notes[512];  /* what was assumed: rules counted as always true, what a fee was weighed
                         over, … */
    /* The fee rule failed (raised, is not loaded, or ran past its limits) on some or all of the
     * dossiers weighed, whose fee was then counted as 0: one line saying which and why; "" when
     * it ran on all of them (or there is none). A front end refuses such a study unless asked
     * to go on (`cost --keep-going`). */
    char fee_failed[300];
} mc_cost_line;

/* An exact part of a dossier's cost (v over MC_COST_EXACT) as a decimal number into out: every
 * digit it has, none it lacks ("26.19", "-0.5", "3"); exact, for v has at most 18 decimals.
 * out of at least 48 bytes holds every value. */
void mc_cost_exact_format(mc_cost_int v, char *out, size_t outsz);

/* The interconnected procedure of cat (its version in force on day, or its first version when
 * none is) one of whose parts is a dossier of procedure name (issue 25), or NULL. A part that
 * declares no `volume` has no dossiers of its own: they are its group's, so cost studies and the
 * simulation leave it out and say so. */
const mc_procedure *mc_cost_group_of(const mc_catalogue *cat, const char *name, mc_date day);

/* ==== the formula, once ================================================================== */

/* One dossier's applicant time and money by §8.1's formula, summed exactly and rounded once by
 * mc_cost_sum_finish: `motcua cost` sums a procedure's average dossier (documents in the share
 * of dossiers that are asked them, the statutory time limit as waiting), the simulator each
 * dossier it drove (every share whole, its own lead time as waiting), so both give the same
 * figure for the same dossier. Adding neither allocates nor divides. Fill it with
 * MC_COST_SUM_INIT(model); the fields are the sums' private state. */
typedef struct mc_cost_sum {
    const mc_cost_model *model;
    mc_cost_int minutes; /* applicant minutes × MC_FIXED_ONE³ */
    mc_cost_int money;   /* dong × MC_FIXED_ONE² */
    mc_cost_int documents; /* of which the documents' cost, dong × MC_FIXED_ONE² */
    int64_t visits;        /* of which the visits' cost, dong */
    int64_t wait_office; /* waiting as office seconds … */
    int64_t wait_day;    /* … of working days of this many office seconds (0: none) */
} mc_cost_sum;

#define MC_COST_SUM_INIT(m)                                                                        \
    {                                                                                              \
        .model = (m)                                                                               \
    }

/* Adds document requirement r (its effort and cost; what it leaves out counts 0) for the share
 * of dossiers in which it is asked: required × asked, each a fixed-point share (MC_FIXED_ONE =
 * all dossiers), e.g. the share in which its condition holds and the share in which no registry
 * supplies it. */
void mc_cost_sum_document(mc_cost_sum *c, const mc_requirement *r, mc_fixed required,
                          mc_fixed asked);

/* Adds n visits at the model's visit time and cost. */
void mc_cost_sum_visits(mc_cost_sum *c, int64_t n);

/* Adds fee (in the currency's smallest unit). */
void mc_cost_sum_fee(mc_cost_sum *c, int64_t fee);

/* Adds d as waiting time (a statutory time limit), when the model counts waiting; days and
 * working days count the model's hours-per-day. */
void mc_cost_sum_wait(mc_cost_sum *c, const mc_duration *d);

/* Sets the waiting time, when the model counts waiting, to office seconds of a calendar whose
 * working day has day office seconds (office / day working days, each of the model's
 * hours-per-day), kept exact; a later call replaces it. day must be > 0. */
void mc_cost_sum_wait_office(mc_cost_sum *c, int64_t office, int64_t day);

/* The dossier's applicant hours (fixed point, rounded half up to 1e-6 h) into *hours, and its
 * cost (rounded half up to the unit) into *cost: the one rounding of the formula. */
void mc_cost_sum_finish(const mc_cost_sum *c, mc_fixed *hours, int64_t *cost);

/* The parts of the dossier's cost that mc_cost_sum_finish rounds, exact (mc_cost_line): the
 * applicant minutes and the documents' cost × MC_COST_EXACT, the visits' cost to the unit (the
 * fee is what was added with mc_cost_sum_fee). A waiting time of mc_cost_sum_wait_office that
 * is not a whole number of 10⁻¹⁸ minutes is rounded half up to one: the sums of `motcua cost`
 * never are. */
void mc_cost_sum_parts(const mc_cost_sum *c, mc_cost_int *minutes, mc_cost_int *documents,
                       int64_t *visits);

/* ==== the fee of a dossier ============================================================== */

/* The channel through which the simulator files every dossier of p, and on which cost runs its
 * fee rule: "online" when p is `online full`, else "counter". */
const char *mc_cost_channel(const mc_procedure *p);

/* The most combinations of field values a fee rule or a fee schedule is weighed over: a rule
 * whose reads go past them is evaluated once on a dossier with no fields, a schedule counts its
 * full amount (both noted). */
enum { MC_COST_COMBINATIONS = 4096 };

/* One line per procedure name (sorted by name) of cat, with the version in force on date and
 * the cost model m. The caller frees *lines with mc_free. rules may be NULL (fee rules are then
 * counted as 0, noted). */
int mc_cost_compute(const mc_catalogue *cat, mc_rules *rules, const mc_cost_model *m, mc_date date,
                    mc_cost_line **lines, size_t *n, mc_error *err);

/* As mc_cost_compute, with the registries' coverage of cov (coverage.h, mc_coverage_of: a live
 * registry's measured share in place of its declared coverage); cov NULL: the declared ones. */
struct mc_coverage;
int mc_cost_compute_with(const mc_catalogue *cat, mc_rules *rules, const mc_cost_model *m,
                         mc_date date, const struct mc_coverage *cov, mc_cost_line **lines,
                         size_t *n, mc_error *err);

/* A duration as applicant time in minutes (fixed point, exact for every unit); days and working
 * days count the model's hours-per-day. */
mc_fixed mc_cost_minutes(const mc_duration *d, const mc_cost_model *m);

/* saving % of base → reformed, in hundredths of a percent, rounded half up (10.00% = 1000);
 * 0 when base is 0. */
int64_t mc_cost_saving_bp(int64_t base, int64_t reformed);

/* One procedure in force in a baseline, against a reform (SPEC §8.1). */
typedef struct mc_cost_row {
    const mc_cost_line *base;
    const mc_cost_line *reform; /* the reform's line; NULL without a reform, or abolished */
    bool abolished;             /* a reform is given and the procedure is not in force under it */
    mc_fixed reform_hours;      /* the reform's figures; 0 when abolished or no reform */
    int64_t reform_cost, reform_annual;
    int64_t saving;    /* base annual − reform annual */
    int64_t saving_bp; /* mc_cost_saving_bp of the annual costs */
} mc_cost_row;

typedef struct mc_cost_comparison {
    mc_cost_row *rows; /* the baseline's lines in force, in their order */
    size_t n;
    int64_t total_base, total_reform, total_saving, total_saving_bp; /* annual, summed */
} mc_cost_comparison;

/* Compares the baseline's lines with the reform's (reformed NULL, nr 0: no reform; every row
 * then saves its whole annual cost, as mc_cost_saving_bp against 0 says). The lines must
 * outlive *out; free it with mc_cost_comparison_free. Fails only with MC_ENOMEM. */
int mc_cost_compare(const mc_cost_line *base, size_t nb, const mc_cost_line *reformed, size_t nr,
                    mc_cost_comparison *out, mc_error *err);
void mc_cost_comparison_free(mc_cost_comparison *c);

#endif
