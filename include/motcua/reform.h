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

#endif
