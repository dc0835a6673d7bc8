/*
 * A cost study (study.h) for the people who sign it or check it: the briefing a People's
 * Committee reads (one self-contained HTML page, A4 print layout, Vietnamese by default) and the
 * workbook a reviewer recalculates (XLSX laid out like the forms of Circular 02/2017/TT-VPCP,
 * its figures as spreadsheet formulas). `motcua cost --html FILE` and `--xlsx FILE` write them
 * from the studies cmd_cost.c has run: one, or one per reform of --compare.
 */
#ifndef MOTCUA_CLI_STUDY_OUT_H
#define MOTCUA_CLI_STUDY_OUT_H

#include "motcua/catalogue.h"
#include "motcua/error.h"
#include "motcua/msg.h"
#include "motcua/study.h"

#include <stddef.h>

typedef struct study_out {
    const mc_catalogue *cat;
    const mc_study *const *studies; /* one, or one per compared reform (n >= 1) */
    const char *const *labels;      /* the name(s) of each study's reforms ("a + b"), or "" */
    size_t n;
    const char *day;              /* the study date, YYYY-MM-DD */
    mc_lang lang;                 /* MC_LANG_VI by default, MC_LANG_EN with --lang en */
    /* the registries' measured coverage (--coverage-from), its section drawn after the method;
     * NULL: none */
    const struct cli_coverage *coverage;
} study_out;

/* Writes the briefing of o to path (html.h: PATH.tmp renamed when whole). With one study: the
 * headline split into statistics and assumptions, the caveats box, the reform's changes with
 * their legal basis and worth, the saving chart (losses as bars to the left), the state's fee
 * revenue, the subtotals, the procedures whose cost changes; with several, the reforms side by
 * side in one table and one chart. 0, or MC_EUSAGE (n = 0), MC_EIO "cannot write PATH:
 * REASON", MC_ENOMEM; no page is left behind on failure. */
int study_page_write(const char *path, const study_out *o, mc_error *err);

/* Writes the workbook of o to path: a sheet of the procedures (one row each: hours, hourly
 * income, cost per dossier, volume, annual cost, today and under the reforms, saving) whose
 * annual costs, savings, totals and percentages are formulas with their values cached, a sheet
 * of the reforms' changes and their worth, a sheet of the assumptions and, with several
 * studies, one sheet of procedures per study. 0, or MC_EUSAGE (n = 0), MC_EIO "cannot write
 * PATH: REASON" (nothing is left at PATH), MC_ENOMEM. */
int study_xlsx_write(const char *path, const study_out *o, mc_error *err);

#endif
