/*
 * The simulation's briefing: `motcua simulate --html FILE` as one self-contained page a People's
 * Committee reads, Vietnamese by default (English with --lang en), printed on A4, amounts in
 * triệu / tỷ đồng (brief.h, shared with the cost study's briefing). cmd_simulate.c runs the
 * simulation and hands the page everything it shows in a sim_out; the page decides nothing
 * about the run.
 */
#ifndef MOTCUA_CLI_SIM_PAGE_H
#define MOTCUA_CLI_SIM_PAGE_H

#include "coverage_out.h"
#include "html.h"

#include "motcua/catalogue.h"
#include "motcua/error.h"
#include "motcua/msg.h"
#include "motcua/reform.h"
#include "motcua/sim.h"
#include "motcua/study.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { SIM_PAGE_FEW = 30 }; /* a procedure simulated on fewer dossiers is flagged */

/* What the page shows; every pointer is borrowed for the call. */
typedef struct sim_out {
    mc_lang lang;                    /* MC_LANG_VI by default, MC_LANG_EN with --lang en */
    const mc_catalogue *cat;         /* the simulated baseline catalogue */
    const char *catalogue;           /* its folder as given; NULL: "." */
    const mc_reform *const *reforms; /* applied together, in order (the reform side) */
    size_t nreforms;
    const mc_reform *const *compare; /* --compare: each applied alone, its result cmp[i] */
    const mc_sim_result *cmp;
    size_t ncompare;
    /* the run */
    const mc_sim_result *base; /* the baseline (the first run's, with --runs) */
    const mc_sim_result *ref;  /* the reforms' on the same applicants; NULL: no reform */
    bool year;                 /* --year: a year of each procedure's volume; else split by volume */
    int64_t seed;
    mc_date from;               /* arrivals over the 365 days from this date */
    const mc_cost_model *model; /* the applicant cost's model; NULL: none declared */
    char *const *sensitivity;   /* the assumptions --income, --coverage… changed (study.h) */
    size_t nsensitivity;
    /* the same as messages (mc_study_sensitivity_said), one beside each line above, said in
     * the page's language; NULL: the English lines are shown */
    const mc_study_said *sensitivity_said;
    mc_study_by by; /* --by: subtotals by agency, sector or procedure */
    /* --runs K (K >= 2): the headline figures of run i are runs[0][i] (baseline) and runs[1][i]
     * (reform, when ref), seeds first_seed to first_seed + K - 1 */
    size_t nruns;
    uint64_t first_seed;
    const mc_sim_figures *runs[2];
    /* motcua cost's exact annual totals on the same catalogue and options (has_cost) */
    bool has_cost;
    int64_t cost_base, cost_reform;
    const cli_coverage *cov; /* measured coverage (--coverage-from); NULL or off: none */
} sim_out;

/* Opens the page at path for o (its title names o's reforms or --compare's; only o->lang,
 * o->reforms and o->compare are read): done before the run, so that a path that cannot be
 * written is refused before a simulation that may take minutes. 0 and *out set, or MC_EIO
 * "cannot write PATH: REASON" (nothing left on disk), MC_ENOMEM. */
int sim_page_open(html **out, const char *path, const sim_out *o, mc_error *err);

/* Writes the briefing of o into h and closes it (h is freed in every case, html_close): the
 * headline figures (cost per dossier, a year by the legal method, on-time rate, lead time;
 * today and after the reform), the caveats box (sampling, procedures simulated on fewer than
 * SIM_PAGE_FEW dossiers, dossiers whose cost rises, the gap to `motcua cost`, how many model
 * notes and where they are listed), the simulated dossiers, the year (both methods, motcua cost
 * and the gap, fee revenue, officer staff-days by role), who gains and who loses, the --runs
 * intervals, the --by subtotals, the charts (savings by procedure with losses to the left, lead
 * times, on time and documents), the procedures that change most (flagged under SIM_PAGE_FEW),
 * the Decision 766 indicators and the method; with --compare, the reforms side by side in one
 * table and one chart instead. 0, or MC_EIO "cannot write PATH: REASON", MC_ENOMEM; no page is
 * left behind on failure. */
int sim_page_write(html *h, const sim_out *o, mc_error *err);

#endif
