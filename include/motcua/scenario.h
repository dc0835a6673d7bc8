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

/* ---- coverage (issue 24) ----
 *
 * What the scenarios exercised, gathered over every run given the same coverage: for each
 * procedure a dossier of which was submitted, its states entered (or left), its transitions
 * taken (timers included), its requirements resolved (and how: asked, fetched, provided,
 * waiting); each reform's lines that a scenario or table ran under (a change of a procedure: a
 * dossier of it submitted, or a table called on it, under the reform; a change of a registry: a
 * document it holds asked or fetched under the reform); each rule module's lines that ran (Lua's
 * line hook, mc_rules_trace). Not the descriptive lines of a reform (title, legal basis), nor
 * `staff` lines (they move only the simulation). */
typedef struct mc_scenario_coverage mc_scenario_coverage;

int mc_scenario_coverage_new(mc_scenario_coverage **out, mc_error *err);
void mc_scenario_coverage_free(mc_scenario_coverage *c);

typedef struct mc_scenario_opts {
    const char *filter;             /* run the scenarios whose name contains it; NULL: all */
    mc_lang lang;                   /* of `expect refused` (mc_scenario_run_file_lang) */
    mc_scenario_coverage *coverage; /* gathers what ran; NULL: nothing is gathered */
} mc_scenario_opts;

/* mc_scenario_run_file_lang with o's filter and language, gathering what ran into o->coverage
 * when given (the outcomes are the same with or without it). */
int mc_scenario_run_file_opts(const mc_catalogue *cat, mc_rules *rules, mc_source *src,
                              const mc_scenario_opts *o, mc_diags *diags, mc_scenario_report report,
                              void *ud, mc_error *err);

typedef enum mc_cover_kind {
    MC_COVER_PROCEDURE,   /* owner: the procedure; covered: a scenario submitted a dossier of it */
    MC_COVER_STATE,       /* owner: the procedure; what: the state */
    MC_COVER_TRANSITION,  /* owner: the procedure; what: "FROM -EVENT-> TO" ("timer" for an
                             `after`) */
    MC_COVER_REQUIREMENT, /* owner: the procedure; what: the document; detail: how it was resolved
                             ("asked, fetched"), NULL when never */
    MC_COVER_REFORM_LINE, /* owner: the reform; what: "FILE:LINE: the line as written" */
    MC_COVER_RULE_LINE,   /* owner: the rule file; what: "FILE:LINE" */
} mc_cover_kind;

typedef struct mc_cover_item {
    mc_cover_kind kind;
    const char *owner, *what, *detail; /* borrowed for the call */
    bool covered;
} mc_cover_item;

/* Calls fn for each unit of cat that c can say about, in this order: each procedure (by name,
 * every version's units together), then its states, transitions and requirements when it was
 * submitted; each reform's lines; each line that can run of each rule module of rules (may be
 * NULL: none). fn returning non-zero stops (and is returned). 0, or MC_ENOMEM. */
int mc_scenario_coverage_each(const mc_scenario_coverage *c, const mc_catalogue *cat,
                              mc_rules *rules, int (*fn)(void *ud, const mc_cover_item *it),
                              void *ud, mc_error *err);

#endif
