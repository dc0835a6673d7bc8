/*
 * Scenarios (SPEC §7): analysts' acceptance tests, in the syntax of §2, that drive the real
 * engine through time. Each scenario runs on a fresh in-memory store. A file is first checked
 * whole against the catalogue — unknown procedures, events, roles, fields, documents, registries,
 * time going backwards — and only a file without problems runs.
 */
#ifndef MOTCUA_SCENARIO_H
#define MOTCUA_SCENARIO_H

#include "motcua/catalogue.h"
#include "motcua/diag.h"
#include "motcua/msg.h"
#include "motcua/rules.h"

#include <stdbool.h>

typedef struct mc_scenario_result {
    const char *file;
    const char *name;
    bool passed;        /* its steps all passed */
    char failure[1024]; /* "FILE:LINE: expected …, got …" when it failed */
    /* The reason of a scenario marked `known-failure "REASON"`, or NULL. Such a scenario is
     * never a pass: failing (passed false) it is a known failure, and passing it is to be
     * reported as fixed (the mark is then out of date). */
    const char *known;
} mc_scenario_result;

typedef void (*mc_scenario_report)(void *ud, const mc_scenario_result *r);

/* Runs the scenarios of src whose name contains filter (NULL: all), calling report for each.
 * Problems found before running are diagnostics (MC_ECHECK; nothing ran). rules may be NULL.
 * Returns 0 (whatever the scenarios' outcomes), MC_ECHECK, or an error. */
int mc_scenario_run_file(const mc_catalogue *cat, mc_rules *rules, mc_source *src,
                         const char *filter, mc_diags *diags, mc_scenario_report report, void *ud,
                         mc_error *err);
/* The same, a refusal's sentence in lang (msg.h, from its code and arguments): `expect refused
 * "TEXT"` is matched against it, and a failure quotes it. mc_scenario_run_file is this in
 * English, the language of scenarios by default (SPEC §5.2). */
int mc_scenario_run_file_lang(const mc_catalogue *cat, mc_rules *rules, mc_source *src,
                              const char *filter, mc_lang lang, mc_diags *diags,
                              mc_scenario_report report, void *ud, mc_error *err);

#endif
