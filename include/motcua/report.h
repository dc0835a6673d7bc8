/*
 * Service indicators (SPEC §9, after Decision 766/QĐ-TTg as far as the data allow), per
 * procedure, per agency and in total, over a period of a store. A dossier counts as received
 * on its submission date, as resolved on the date it reached a final state other than
 * `withdrawn`; what is in progress and overdue is taken as of the end of the period (overdue
 * from the dossiers' events: a mark recorded after the period for a due instant after it does
 * not count, and a dossier overdue then counts even if it closed or restarted since).
 */
#ifndef MOTCUA_REPORT_H
#define MOTCUA_REPORT_H

#include "motcua/catalogue.h"
#include "motcua/store.h"

typedef struct mc_indicators {
    const char *name; /* procedure or agency; "total" */
    int64_t received, resolved, on_time, late;
    int64_t in_progress, overdue;
    int64_t apologies, apologies_timely; /* timely: at least one working day before the due */
    int64_t online, full_online;         /* received online; and the procedure is full-process */
    int64_t results;                     /* results issued into registries */
    int64_t fetched, asked;              /* documents of the received dossiers */
    int64_t blocked;                     /* requests refused by the once-only rule */
    int64_t processing_wd;               /* working days from submission to resolution, summed */
    int64_t extended; /* resolved dossiers whose time limit was extended (on time or late
                         against the extended due instant, as the law says) */
} mc_indicators;

typedef struct mc_report {
    mc_indicators *procedures; /* by name */
    size_t nprocedures;
    mc_indicators *agencies; /* by name; dossiers of procedures without one under "-" */
    size_t nagencies;
    mc_indicators total;
} mc_report;

/* What one dossier contributes to the indicators, wherever it comes from: a store's row, or a
 * simulated dossier (SPEC §8.2: the same code computes both). */
typedef struct mc_report_dossier {
    const mc_procedure *procedure; /* its version; NULL when the catalogue no longer has it */
    const char *channel;
    int64_t submitted;
    bool final, withdrawn;  /* withdrawn: its final outcome is `withdrawn` */
    int64_t finished;       /* MC_NONE while open */
    int late;               /* -1 open, 0 on time, 1 late */
    bool overdue;           /* marked overdue, and still so, at the end of the period */
    bool clock_running;     /* with due: a clock that runs past due before the end counts too */
    int64_t due;            /* MC_NONE when none */
    int64_t fetched, asked; /* documents fetched, and asked of the applicant */
    int64_t apology_at;     /* MC_NONE without an apology */
    bool apology_timely;
    int64_t results, blocked; /* counted with the dossier (a store counts them by date) */
    bool extended;            /* an extension of its time limit was used */
} mc_report_dossier;

typedef struct mc_report_builder mc_report_builder;

/* Starts indicators for the local dates [from, to] (the default calendar's). */
int mc_report_begin(mc_report_builder **out, const mc_catalogue *cat, mc_date from, mc_date to);
/* Adds one dossier to its procedure's, its agency's and the total rows. */
int mc_report_add(mc_report_builder *b, const mc_report_dossier *x);
/* Hands the rows, sorted by name, to out (free with mc_report_free) and frees b. */
void mc_report_end(mc_report_builder *b, mc_report *out);
void mc_report_abandon(mc_report_builder *b);

/* Computes the indicators of st for the local dates [from, to] (the default calendar's). */
int mc_report_compute(mc_store *st, const mc_catalogue *cat, mc_date from, mc_date to,
                      mc_report *out, mc_error *err);
void mc_report_free(mc_report *r);

enum { MC_REPORT_NONE = -1 }; /* a share or a mean of nothing */

/* What a row's counts come to, as every format shows it: shares in hundredths of a percent
 * (12.50% = 1250) and the mean in hundredths of a working day, each rounded half up, or
 * MC_REPORT_NONE when there is nothing to divide by. */
typedef struct mc_indicator_ratios {
    int64_t on_time;     /* of the resolved */
    int64_t online;      /* of the received */
    int64_t full_online; /* of the received */
    int64_t mean_wd;     /* working days from submission to resolution, over the resolved */
    int64_t not_online;  /* received at the counter or by post (a count) */
} mc_indicator_ratios;

mc_indicator_ratios mc_report_ratios(const mc_indicators *x);

#endif
