/*
 * Service indicators (SPEC §9, after Decision 766/QĐ-TTg as far as the data allow), per
 * procedure, per agency and in total, over a period of a store. A dossier counts as received
 * on its submission date, as resolved on the date it reached a final state other than
 * `withdrawn`; what is in progress and overdue is taken as of the end of the period.
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
} mc_indicators;

typedef struct mc_report {
    mc_indicators *procedures; /* by name */
    size_t nprocedures;
    mc_indicators *agencies; /* by name; dossiers of procedures without one under "-" */
    size_t nagencies;
    mc_indicators total;
} mc_report;

/* Computes the indicators of st for the local dates [from, to] (the default calendar's). */
int mc_report_compute(mc_store *st, const mc_catalogue *cat, mc_date from, mc_date to,
                      mc_report *out, mc_error *err);
void mc_report_free(mc_report *r);

#endif
