/*
 * The options `cost` and `simulate` share (issue 22): the stacked reforms (--reform A --reform
 * B), the reforms compared side by side (--compare A,B,C), the filters (--agency, --sector,
 * --procedure, --code, comma lists of names or globs), the subtotals (--by agency|sector|
 * procedure) and the sensitivity options (--income N, --count-waiting yes|no, --coverage
 * REGISTRY=P%), read into the library's study options (study.h).
 */
#ifndef MOTCUA_CLI_STUDY_ARGS_H
#define MOTCUA_CLI_STUDY_ARGS_H

#include "cli.h"

#include "motcua/study.h"

typedef struct cli_study {
    mc_study_opts opts;      /* date, measured coverage and attribute are the caller's */
    const mc_reform **reforms; /* --reform, in order (opts.reforms points here) */
    const mc_reform **compare; /* --compare, each alone on the baseline */
    size_t ncompare;
    mc_study_coverage *coverage; /* opts.coverage */
    char *lists;                 /* the filters' text, split in place */
    const char **items;          /* the filters' items */
} cli_study;

/* Checks the shared options of c and reads what needs no catalogue into s (zeroed first):
 * EXIT_OK, or EXIT_USAGE after a message (--by of another word, --income not a whole number
 * above 0, --count-waiting not yes or no, --coverage not REGISTRY=P%, an empty filter or
 * --compare with --reform). cli_study_free after either. */
int cli_study_check(const front_opts *c, cli_study *s);

/* Finds the reforms of --reform and --compare in cat: 0, or MC_ENOTFOUND "unknown reform 'x'"
 * (with a suggestion), MC_EUSAGE "reform 'x' is given twice", MC_ENOMEM. */
int cli_study_resolve(const front_opts *c, const mc_catalogue *cat, cli_study *s, mc_error *err);

void cli_study_free(cli_study *s);

#endif
