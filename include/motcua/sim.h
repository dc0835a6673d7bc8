/*
 * Simulation (SPEC §8.2): synthetic applicants submitted through the engine — a volatile
 * engine, so the same checks, rules, once-only resolution, clock and timers as production, with
 * no store — and driven by each state's `takes` and its transitions' `chance` on the
 * procedure's calendar until a final state.
 *
 * The model, in order, for dossier number j of a procedure:
 *   - it arrives at from + (j + ½) × 365 days / n (n: the procedure's dossiers), filed online
 *     when the procedure is `online full`, at the counter otherwise;
 *   - its fields are drawn from their `sample` (synth.h); registry coverage is drawn once per
 *     subject and registry; what is asked of the applicant is provided at submission;
 *   - in each state, the next event is drawn among the transitions whose condition holds now,
 *     by `chance` (those without share what the others leave, equally), and happens `takes`
 *     after entering the state (uniform between its bounds; at once without `takes`); a timer
 *     fires instead when it comes first, or when its own `chance` is drawn, or when no
 *     transition is possible;
 *   - a dossier that takes more than max_steps transitions, or is left with no way out, is
 *     abandoned and counted as unfinished.
 * Every draw is a function of the seed, the procedure's name and j: the same seed gives the
 * same numbers, and a baseline and a reform meet the same applicants.
 *
 * Only aggregates are kept (memory does not grow with the number of dossiers): lead times go
 * into a fixed histogram of MC_SIM_BINS bins of a quarter of a working day each (0 to 60
 * working days; longer ones in one more bin), from which the percentiles are read to that
 * resolution. The mean is exact.
 */
#ifndef MOTCUA_SIM_H
#define MOTCUA_SIM_H

#include "motcua/catalogue.h"
#include "motcua/error.h"
#include "motcua/report.h"
#include "motcua/rules.h"

#include <stdbool.h>
#include <stdint.h>

enum { MC_SIM_BINS = 240, MC_SIM_BINS_PER_WD = 4 };

typedef struct mc_sim_opts {
    int64_t dossiers; /* split among procedures in proportion to `volume` (when !year) */
    bool year;        /* each procedure's `volume` */
    uint64_t seed;
    mc_date from; /* arrivals over the 365 days from this date */
    /* The catalogue whose volumes split the dossiers (NULL: the simulated one). A reform run
     * passes the baseline, so that both meet the same applicants; a procedure the reform
     * abolished keeps its dossiers, counted as abolished (no cost, no lead time). */
    const mc_catalogue *split_by;
    const mc_cost_model *model; /* applicant hours and cost; NULL: none computed */
    int max_steps;              /* 0: 1000 */
    /* The registries' coverage (coverage.h, mc_coverage_of): a live registry's measured share in
     * place of its declared coverage; NULL: the declared ones. */
    const struct mc_coverage *coverage;
    /* Called every so often with the dossiers done so far, and at the end. */
    void (*progress)(void *ud, int64_t done, int64_t total);
    void *ud;
} mc_sim_opts;

/* The defaults: seed 1, everything else zero (dossiers must then be set, or year). */
#define MC_SIM_OPTS_INIT                                                                           \
    {                                                                                              \
        .seed = 1                                                                                  \
    }

typedef struct mc_sim_stats {
    const char *name; /* procedure; "total" */
    int64_t dossiers; /* submitted */
    int64_t refused_at_submission;
    int64_t granted, refused, withdrawn, stopped; /* final outcomes */
    int64_t unfinished;                           /* abandoned: see the model */
    int64_t abolished;                            /* of a procedure the reform abolished */
    int64_t on_time, late;                        /* of the finished */
    int64_t asked, fetched;                       /* documents, summed over dossiers */
    int64_t visits;
    mc_fixed hours; /* applicant hours, summed (fixed point; each dossier's by mc_cost_sum) */
    int64_t cost;   /* applicant cost, summed (each dossier's by mc_cost_sum, to the unit) */
    int64_t lead_n;
    double lead_wd;                /* summed working days from submission to final */
    int64_t hist[MC_SIM_BINS + 1]; /* lead times; the last bin: 60 wd and more */
} mc_sim_stats;

typedef struct mc_sim_result {
    mc_sim_stats *procedures; /* by name; procedures with no dossier are left out */
    size_t nprocedures;
    mc_sim_stats total;
    mc_report indicators; /* SPEC §9 over the simulated dossiers (no apologies, no blocks) */
    char notes[4096]; /* what the model assumed: fields given neutral values, …; one a line, the
                         last "(more notes left out)" when they did not fit */
} mc_sim_result;

/* Simulates cat (a baseline, or a catalogue with a reform applied) with rules (may be NULL when
 * no procedure uses rules). Fails with MC_EUSAGE when nothing can be simulated (no dossier,
 * no procedure with a volume). */
int mc_sim_run(const mc_catalogue *cat, mc_rules *rules, const mc_sim_opts *o, mc_sim_result *out,
               mc_error *err);
void mc_sim_result_free(mc_sim_result *r);

/* The lead time under which a share q (0..1) of the finished dossiers fall, in working days, to
 * the histogram's resolution (a bin's upper bound); -1 when none finished or it lies past the
 * histogram. */
double mc_sim_percentile(const mc_sim_stats *s, double q);

enum { MC_SIM_NONE = -1, MC_SIM_PAST = -2 }; /* a figure of none; past the histogram */

/* What one row of a comparison shows (per dossier where it says so), as every format of
 * `motcua simulate` prints it. */
typedef struct mc_sim_figures {
    int64_t dossiers, finished, unfinished, abolished, refused_at_submission;
    double asked, fetched, visits, hours, cost; /* per dossier (of all, 0 when none) */
    double lead_mean, p50, p90;                 /* working days; MC_SIM_NONE when none finished; the
                                                   percentiles MC_SIM_PAST past the histogram */
    double on_time;                             /* percent of the finished; MC_SIM_NONE when none */
} mc_sim_figures;

mc_sim_figures mc_sim_figures_of(const mc_sim_stats *s);

/* The change from base to reform, in percent, into *pct; false (nothing to show) when base is 0
 * or less or reform is less than 0 (a figure of none). */
bool mc_sim_change(double base, double reform, double *pct);

/* The lead times of the finished dossiers of s as shares (%) by whole working days: out[d] for
 * d = 0 … n - 2 working days, out[n - 1] for n - 1 and more; all 0 when none finished. n ≥ 1. */
void mc_sim_lead_shares(const mc_sim_stats *s, double *out, size_t n);

/* The dossiers of a year of each procedure's `volume`, what a run with `year` simulates (the
 * first version's volume of each procedure name). */
int64_t mc_sim_year_dossiers(const mc_catalogue *cat);

#endif
