/*
 * The JSON of a simulation (sim.h), as `motcua simulate --format json` prints it and POST
 * /api/simulate answers (docs/cli.md, docs/api.md): the baseline, and the reforms when named, on
 * the same synthetic applicants; a year, who gains and who loses, subtotals, and over several
 * runs each headline figure with a 95% interval. Also the record of those runs, which both front
 * ends fill the same way.
 */
#ifndef MOTCUA_FRONT_SIM_VIEW_H
#define MOTCUA_FRONT_SIM_VIEW_H

#include "motcua/reform.h"
#include "motcua/sim.h"
#include "motcua/study.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The headline figures a run of several seeds gives with an interval (in this order: cost per
 * dossier, annual cost, legal annual cost, fee revenue, on time, mean lead time, documents
 * asked, visits, staff-days), and the number of dossiers below which a procedure's figures are
 * flagged as rough. */
enum { FRONT_SIM_NFIG = 9, FRONT_SIM_FEW_DOSSIERS = 30 };

/* The JSON keys of the headline figures, in the order above. */
extern const char *const front_sim_fig_keys[FRONT_SIM_NFIG];

/* The headline figures of k runs, per side (0 baseline, 1 reform): v[side][fig * k + run]. */
typedef struct front_sim_runs {
    size_t k;
    uint64_t first_seed;
    double *v[2];
} front_sim_runs;

/* Makes r ready for k (at least 1) runs, the first of seed first_seed: 0, or MC_ENOMEM (r then
 * holds nothing to free but front_sim_runs_free is still safe). */
int front_sim_runs_init(front_sim_runs *r, size_t k, uint64_t first_seed);
/* Records the headline figures of x's total as run `run` (below r->k) of side (0 or 1). */
void front_sim_runs_record(front_sim_runs *r, int side, size_t run, const mc_sim_result *x);
/* Frees what front_sim_runs_init allocated; a zeroed r is a no-op. */
void front_sim_runs_free(front_sim_runs *r);

/* Everything the JSON shows besides the two runs; every pointer borrowed. */
typedef struct front_sim {
    const mc_sim_opts *opts;         /* year, model */
    int64_t seed;                    /* the first run's */
    const char *day;                 /* opts->from, YYYY-MM-DD */
    const mc_catalogue *cat;         /* the baseline: each procedure's agency, sector and code */
    const mc_reform *const *reforms; /* applied, in order */
    size_t nreforms;
    const mc_reform *const *compare; /* --compare: each alone, its result cmp[i] */
    size_t ncompare;
    const mc_sim_result *cmp;
    front_sim_runs runs;      /* k 1: no intervals */
    char *const *sensitivity; /* what the run changed, one sentence each */
    size_t nsensitivity;
    mc_study_by by; /* subtotals, MC_STUDY_BY_NONE for none */
    bool has_cost;  /* motcua cost's exact annual totals on the same catalogue */
    int64_t cost_base, cost_reform;
} front_sim;

/* The JSON of base and, when not NULL, ref (the reformed run of the same applicants), with what
 * v says; the caller owns it. NULL when out of memory: never an object with a member missing. */
json_t *front_sim_json(const front_sim *v, const mc_sim_result *base, const mc_sim_result *ref);

#endif
