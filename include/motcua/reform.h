/*
 * Applying a reform (SPEC §4.8): the catalogue as it would be if the reform were law. Scenarios
 * (`reform NAME`), cost comparison and simulation run against it; production dossiers never do.
 */
#ifndef MOTCUA_REFORM_H
#define MOTCUA_REFORM_H

#include "motcua/catalogue.h"

/* Builds in *out the catalogue base as patched by reform: its registries hold more and take the
 * reform's other directives, every version of a patched procedure gets the patch (scalars
 * replaced; fields, requirements and states replaced by name, added, or dropped), dropped
 * procedures are gone. *out shares what the reform leaves alone with base, which must outlive
 * it; free it with mc_catalogue_free. */
int mc_reform_apply(const mc_catalogue *base, const mc_reform *reform, mc_catalogue **out,
                    mc_error *err);

/* ---- a reform as a list of changes (issue 22; defined with the stacked application) ---- */

enum { MC_CHANGE_COST = 1, MC_CHANGE_SIM = 2 }; /* what a change can move */

typedef struct mc_reform_change {
    const char *reform;      /* the reform's name */
    mc_pos pos;              /* where the change is written */
    const char *target;      /* the procedure or registry it changes */
    bool registry;           /* target is a registry */
    char text[200];          /* the change as written, one line: "time-limit 2wd" */
    const char *legal_basis; /* its legal basis, or NULL */
    unsigned affects;        /* MC_CHANGE_COST and/or MC_CHANGE_SIM */
} mc_reform_change;

#endif
