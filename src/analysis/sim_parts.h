/* The parts of a simulated interconnected dossier (sim.h, issue 25): what sim.c shares with
 * sim_parts.c, private to the analysis layer. */
#ifndef MOTCUA_SIM_PARTS_H
#define MOTCUA_SIM_PARTS_H

#include "motcua/engine.h"
#include "motcua/sim.h"

/* How the simulator drives one part's dossier (sim.c): submits sub on d and drives it to its
 * end as any simulated dossier (takes, chances, timers, apologies), its draws from key; adds the
 * officer working days of its steps to *staff_wd, and sets *end to its present when it stopped
 * (its final instant, or where it was abandoned). 0, MC_EREFUSED at submission (res says why),
 * or an error. */
typedef struct mc_sim_parts_driver {
    int (*drive)(void *ud, mc_live *d, const mc_procedure *q, const mc_submit *sub, uint64_t key,
                 mc_result *res, double *staff_wd, int64_t *end, mc_error *err);
    /* Counts a refusal of the engine where a part's `when` was decided: a rule's failure counts
     * as the dossier's (mc_sim_stats.rule_failures). */
    void (*refused)(void *ud, const mc_result *res);
    void *ud;
} mc_sim_parts_driver;

/* Adds to out->parts the rows of interconnected procedure p (NULL or not interconnected:
 * nothing): one per agency of its parts' procedures (their versions on day), in the order of
 * the parts. 0 or MC_ENOMEM. */
int mc_sim_parts_plan(mc_sim_result *out, const mc_catalogue *cat, const mc_procedure *p,
                      mc_date day, mc_error *err);

/* How the parts of a dossier ended: when the last one did (filed when none ran), whether every
 * one was granted or not needed, and which ended late (bit i: part i) — what
 * mc_live_end_parts takes. */
typedef struct mc_sim_parts_end {
    int64_t at;
    bool granted;
    uint32_t late;
} mc_sim_parts_end;

/* Runs the parts of the interconnected dossier in parent, just submitted at filed, as the
 * engine does with a store: each part on the dossier part (reused) as a dossier of its
 * procedure in force that day, given parent's field values by name and the documents provided
 * to it, started when the parts it comes after have ended granted (at filing those after none);
 * a part whose `when` does not hold on parent is not needed. How they ended goes into *end, for
 * the caller to move parent on (mc_live_end_parts). Counts what the parts came to into
 * out->parts (one atomic add each: the same whatever the threads), their officer time into
 * *staff_wd, and notes what went wrong through note(ud, text). 0 or an error. */
int mc_sim_parts_run(mc_engine *e, const mc_catalogue *cat, mc_live *parent, mc_live *part,
                     uint64_t key, int64_t filed, const mc_sim_parts_driver *dr,
                     void (*note)(void *ud, const char *text), mc_sim_result *out, double *staff_wd,
                     mc_sim_parts_end *end, mc_error *err);

/* Frees out->parts. */
void mc_sim_parts_free(mc_sim_result *out);

#endif
