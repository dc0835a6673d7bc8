/*
 * A cost study (SPEC §8.1, docs/reform.md): the legal compliance cost of the procedures in force
 * on a date, today against one or more reforms applied one after the other — exact and
 * deterministic, as cost.h computes each procedure. A study adds what a People's Committee needs
 * to sign it:
 *   - every total split into the part computed from declared statistics and the part resting on
 *     assumptions (a procedure whose `assumed` directive names any of its figures);
 *   - procedures another one supersedes (`supersedes NAME`) left out, and listed;
 *   - procedures that run as parts of an interconnected procedure and declare no `volume` left
 *     out (their dossiers are the group's), and listed; an interconnected procedure's row lists
 *     its parts;
 *   - what each change of the reforms is worth: applied alone to today's catalogue, and marginal
 *     in the order applied (the saving it adds to those before it);
 *   - the state's side: fee revenue a year, before and after;
 *   - breakdowns: filters by agency, sector, procedure and official code (globs), and subtotals
 *     by agency, sector or procedure;
 *   - sensitivity: the hourly income, whether waiting counts, and registries' coverage changed
 *     for one run without editing the catalogue, each listed;
 *   - each sentence it says (what a run changed, what it left out, where reforms meet) in
 *     English for the CLI and as a message of the catalogue (msg.h) for a page in Vietnamese;
 *   - each procedure's cost per dossier with its exact parts, for a workbook that redoes it.
 * The study owns everything it points at except the catalogue, the rules and the reforms, which
 * must outlive it.
 */
#ifndef MOTCUA_STUDY_H
#define MOTCUA_STUDY_H

#include "motcua/catalogue.h"
#include "motcua/cost.h"
#include "motcua/msg.h"
#include "motcua/reform.h"
#include "motcua/rules.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mc_coverage;

/* The subtotals a study gives (--by). */
typedef enum mc_study_by {
    MC_STUDY_BY_NONE,
    MC_STUDY_BY_AGENCY,
    MC_STUDY_BY_SECTOR,
    MC_STUDY_BY_PROCEDURE,
} mc_study_by;

/* A registry's coverage set for one run (--coverage REGISTRY=P). */
typedef struct mc_study_coverage {
    const char *registry;
    mc_fixed pct; /* percent, fixed point */
} mc_study_coverage;

/* A list of names or globs (fnmatch); a procedure passes when one of them matches; n = 0: all. */
typedef struct mc_study_filter {
    const char *const *items;
    size_t n;
} mc_study_filter;

typedef struct mc_study_opts {
    mc_date date; /* the versions in force and the registries published on this day */
    const mc_reform *const *reforms; /* applied in this order; n = 0: today only */
    size_t nreforms;
    /* the live registries' measured coverage (coverage.h), or NULL: the declared ones */
    const struct mc_coverage *measured;
    /* sensitivity: each changes one assumption of the cost model or the catalogue, in the
     * baseline and in the reforms (a reform that sets a registry's coverage keeps its own) */
    bool has_income;
    int64_t income;    /* the hourly income, in the model's currency */
    int count_waiting; /* -1: the model's; 0: not counted; 1: counted */
    const mc_study_coverage *coverage;
    size_t ncoverage;
    /* which procedures: by agency name, sector, procedure name, official code */
    mc_study_filter agencies, sectors, procedures, codes;
    mc_study_by by;
    /* what each change is worth: two cost computations per change of the reforms */
    bool attribute;
} mc_study_opts;

#define MC_STUDY_OPTS_INIT                                                                         \
    {                                                                                              \
        .count_waiting = -1                                                                        \
    }

/* One side of a procedure's row: today's or the reforms'. */
typedef struct mc_study_side {
    mc_fixed hours;  /* per dossier (MC_FIXED_ONE = 1 h) */
    int64_t cost;    /* per dossier, to the unit */
    int64_t fee;     /* per dossier: the state's revenue */
    /* cost's parts, exact (mc_cost_line): cost = round half up, once, of minutes / 60 × the
     * study's hourly income + fee + documents + visits */
    mc_cost_int minutes;   /* applicant minutes per dossier × MC_COST_EXACT */
    mc_cost_int documents; /* the asked documents' cost per dossier × MC_COST_EXACT */
    int64_t visits;        /* the visits' cost per dossier */
    int64_t volume;  /* dossiers a year */
    int64_t annual;  /* cost × volume */
    int64_t revenue; /* fee × volume */
} mc_study_side;

/* One part of an interconnected procedure (issue 25) as a study lists it: which agency does
 * what, within which time limit. */
typedef struct mc_study_part {
    const char *name;              /* the part's name */
    const char *procedure;         /* its procedure */
    const char *agency;            /* that procedure's agency (its version in force), or NULL */
    const mc_duration *time_limit; /* that procedure's time limit, or NULL */
} mc_study_part;

typedef struct mc_study_row {
    const mc_procedure *p;   /* today's version in force */
    const char *procedure;   /* its name */
    const char *code;        /* official code, or NULL */
    const char *agency;      /* agency name, or NULL */
    const char *sector;      /* sector, or NULL */
    bool assumed;            /* rests on assumptions: today's or the reformed version names an
                                assumed figure */
    unsigned assumed_bits;   /* the MC_ASSUMED_* bits of both versions */
    mc_study_side base;      /* today */
    mc_study_side reform;    /* under the reforms (= base when there are none) */
    bool abolished;          /* a reform abolished it: reform figures 0 */
    int64_t saving;          /* base.annual − reform.annual (negative: it costs more) */
    int64_t saving_bp;       /* in hundredths of a percent of base.annual */
    const char *notes;       /* what cost assumed today: "" when nothing */
    const char *reform_notes; /* under the reforms, when it differs from notes; else "" */
    /* mc_cost_line.fee_failed today and under the reforms ("" when the fee rule ran) */
    const char *fee_failed, *reform_fee_failed;
    /* An interconnected procedure's parts (nparts 0: an ordinary one), in declaration order:
     * its figures stay the applicant's cost of filing once (its own requirements, visits,
     * overall time limit and fee); the parts say who does the work. */
    const mc_study_part *parts;
    size_t nparts;
} mc_study_row;

typedef struct mc_study_total {
    size_t n;                              /* procedures */
    int64_t base, reform, saving, saving_bp; /* annual applicant cost */
    int64_t revenue_base, revenue_reform;  /* annual fee revenue of the state */
    int64_t worse;                         /* procedures whose annual cost rises */
} mc_study_total;

/* The totals of a set of rows, split: statistics + assumed = all. */
typedef struct mc_study_split {
    mc_study_total all, statistics, assumed;
} mc_study_split;

typedef struct mc_study_group {
    const char *key; /* the agency, sector or procedure; "" for the rows without one */
    mc_study_split t;
} mc_study_group;

/* A sentence of the study as a message of the catalogue (msg.h): a "study.…" code and its
 * arguments, so that a page says it in its reader's language (mc_study_say). Said in English it
 * is, byte for byte, the English line it stands beside. */
/* Room for an argument and its NUL: every sentence of the study names at most six things of at
 * most 64 bytes each and fits; a longer one would be cut before a character. */
enum { MC_STUDY_ARGSZ = 512 };

typedef struct mc_study_said {
    const char *code; /* static storage */
    size_t nargs;
    char args[MC_MSG_MAXARGS][MC_STUDY_ARGSZ]; /* {1}…{5}; a number as its digits ("20000") */
    unsigned numbers; /* bit i: args[i] is a number, to be written as the language writes numbers
                         (English "20,000" and "12.5", Vietnamese "20.000" and "12,5") */
} mc_study_said;

/* The sentence of s in lang into out, NUL-terminated when outsz > 0, its numbers written as
 * lang writes them: as mc_msg_format, whose return it gives (the whole length, or MC_ENOTFOUND
 * for a code the catalogue lacks). */
int mc_study_say(const mc_study_said *s, mc_lang lang, char *out, size_t outsz);

/* One change of a reform (reform.h) and what it is worth in this study. */
typedef struct mc_study_change {
    mc_reform_change change;
    bool counted;     /* the legal cost counts what it changes (MC_CHANGE_COST) */
    int64_t alone;    /* annual saving of this change applied alone to today's catalogue */
    int64_t alone_bp; /* in hundredths of a percent of today's total */
    int64_t marginal; /* annual saving it adds after the changes before it, in order */
    int64_t marginal_bp;
} mc_study_change;

typedef struct mc_study {
    mc_cost_model model;       /* the model counted with, sensitivity applied */
    const mc_cost_model *declared; /* the catalogue's default model */
    mc_study_row *rows;        /* the procedures in force and passing the filters, by name */
    size_t n;
    mc_study_split totals;
    mc_study_group *groups;    /* by opts.by, sorted by key; NULL/0 without */
    size_t ngroups;
    mc_study_change *changes;  /* with opts.attribute: every change of every reform, in order */
    size_t nchanges;
    char **conflicts;          /* between the stacked reforms (reform.h), one sentence each */
    size_t nconflicts;
    char **superseded;         /* "nat-1-001193: superseded by birth-registration", by name */
    size_t nsuperseded;
    /* procedures left out because they run as a part of an interconnected procedure and declare
     * no `volume` (their dossiers are the group's): "ic-birth-registration: part birth of
     * birth-residence-insurance", by name */
    char **as_parts;
    size_t nas_parts;
    char **sensitivity;        /* what this run changed: "hourly income 30,000 VND (the model
                                  says 40,000)", one sentence each, English */
    size_t nsensitivity;
    /* The same sentences as messages, one beside each line above (NULL when there are none):
     * "study.sensitivity-…" (the option and the model's or catalogue's figure),
     * "study.superseded" ({1} superseded by {2}), "study.conflict" ({1} the earlier reform,
     * {2} the later, {3} reform.h's English sentence, which says what they both change). */
    mc_study_said *conflicts_said, *superseded_said, *sensitivity_said;
    mc_study_said *as_parts_said; /* "study.part" ({1} part {2} of {3}) */
    const mc_catalogue *reformed; /* the catalogue under the reforms, or NULL without */
    /* private */
    void *priv;
} mc_study;

/* Runs the study of cat (its rules may be NULL: fee rules then count 0, noted) with o into
 * *out, which the caller frees with mc_study_free (also after a failure). Errors: MC_ENOTFOUND
 * (no default cost model, a --coverage registry the catalogue does not declare, no procedure in
 * force on the date or passing the filters), MC_EUSAGE (a reform given twice), MC_ECHECK (a
 * reform that cannot be applied), MC_ENOMEM. */
int mc_study_run(mc_study *out, const mc_catalogue *cat, mc_rules *rules,
                 const mc_study_opts *o, mc_error *err);
void mc_study_free(mc_study *s);

/* The cost model o counts with: declared, with o's hourly income and count-waiting. */
void mc_study_model(const mc_study_opts *o, const mc_cost_model *declared, mc_cost_model *out);

/* The registries' coverage o counts with, into *out (mc_coverage_free): o's measured coverage
 * (may be NULL) with o's --coverage shares set on top. MC_ENOTFOUND for a registry cat does
 * not declare. */
int mc_study_coverage_of(const mc_study_opts *o, const mc_catalogue *cat,
                         struct mc_coverage *out, mc_error *err);

/* One English sentence per assumption o changes (income, waiting, coverage), into *lines
 * (mc_study_lines_free). */
int mc_study_sensitivity(const mc_study_opts *o, const mc_catalogue *cat,
                         const mc_cost_model *declared, char ***lines, size_t *n,
                         mc_error *err);

/* The same sentences as messages, into *said (*n of them, NULL when none; the caller frees it
 * with mc_free): "study.sensitivity-income" (the income, its currency, the model, the model's
 * income), "study.sensitivity-waiting-{yes,no}-{yes,no}" (this run's choice, then the model's;
 * the model), "study.sensitivity-coverage" (the registry, this run's %, the catalogue's %) or
 * "study.sensitivity-coverage-none" (no coverage declared). 0 or MC_ENOMEM. */
int mc_study_sensitivity_said(const mc_study_opts *o, const mc_catalogue *cat,
                              const mc_cost_model *declared, mc_study_said **said, size_t *n,
                              mc_error *err);
void mc_study_lines_free(char **lines, size_t n);

/* Whether p passes o's filters (agency, sector, procedure name, code). */
bool mc_study_selects(const mc_study_opts *o, const mc_procedure *p);

/* The --by names: "agency", "sector", "procedure"; MC_STUDY_BY_NONE for anything else. */
mc_study_by mc_study_by_parse(const char *name);

#endif
