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
    /* working days from submission to resolution (mc_report_lead_wd), summed, fixed point
     * (MC_FIXED_ONE = one working day) */
    mc_fixed processing;
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
    /* Its lead time when the caller has it (mc_report_lead_wd from submitted to finished on the
     * procedure's calendar, which must be set), so that it is not counted again; has_lead false:
     * counted here. */
    bool has_lead;
    mc_fixed lead;
} mc_report_dossier;

typedef struct mc_report_builder mc_report_builder;

/* Starts indicators for the local dates [from, to] (the default calendar's). */
int mc_report_begin(mc_report_builder **out, const mc_catalogue *cat, mc_date from, mc_date to);
/* Adds one dossier to its procedure's, its agency's and the total rows. */
int mc_report_add(mc_report_builder *b, const mc_report_dossier *x);
/* Hands the rows, sorted by name, to out (free with mc_report_free) and frees b. */
void mc_report_end(mc_report_builder *b, mc_report *out);
void mc_report_abandon(mc_report_builder *b);
/* Adds every row of from (another builder of the same catalogue and period) into into: the
 * rows of a simulation's workers made one (the counts are sums, so the order does not matter).
 * from is left as it was. 0, or MC_ENOMEM with into unusable (abandon it). */
int mc_report_merge(mc_report_builder *into, const mc_report_builder *from);

/* Computes the indicators of st for the local dates [from, to] (the default calendar's). */
int mc_report_compute(mc_store *st, const mc_catalogue *cat, mc_date from, mc_date to,
                      mc_report *out, mc_error *err);
void mc_report_free(mc_report *r);

/* ---- per officer (issue 21: the one-stop desk; docs/cli.md, "report --by officer") ----
 *
 * An officer is the `user` an event records: the token's actor that fired it through the API
 * (events without one — the command line's, the timers' — count for no officer). Over a period,
 * from the dossiers' events:
 *
 * - handled: the dossiers on which the officer fired at least one event in the period;
 * - late: of those, the dossiers that went late at the officer's own step. A step is a stay in
 *   a state, from the event that entered it to the one that left it, and it is the step of the
 *   officer who fired the event that left it. It is late when the dossier's overdue mark (the
 *   event the engine records, stamped with the due instant that passed) was recorded during it:
 *   the statutory time ran out while the dossier waited for that officer. A dossier already
 *   overdue when the step began is not the officer's lateness; one still waiting at the end of
 *   the period is no one's yet; on_time = handled - late;
 * - supplements: the officer's events that asked the applicant for documents (a `fire` whose
 *   payload names documents);
 * - apologies: the apologies the officer made;
 * - once_only_refusals: the officer's requests refused by the once-only rule.
 *
 * Events count when they are in the period ([from, to) of the local dates, as the rest of the
 * report); a late step counts in the period of the event that ended it. */

typedef struct mc_officer_row {
    const char *officer; /* owned by the report */
    int64_t handled, on_time, late, supplements, apologies, once_only_refusals;
} mc_officer_row;

typedef struct mc_officer_report {
    mc_officer_row *officers; /* sorted by officer, in byte order */
    size_t nofficers;
    void *impl;
} mc_officer_report;

/* One event of a dossier, as the officers' accumulator reads it (the events of one dossier are
 * given in their order; dossiers one after the other or interleaved). */
typedef struct mc_officer_event {
    int64_t dossier;
    int64_t at;
    const char *kind;   /* "submit", "fire", "timer", "overdue", "apology", "blocked", … */
    const char *user;   /* the body's user, or NULL */
    bool enters;        /* it entered a state (the body has "to"): a step ends and one begins */
    bool asks;          /* a fire whose payload asks documents of the applicant */
    bool once_only;     /* a blocked event refused by the once-only rule */
    const char *agency; /* the agency of the dossier's procedure, or NULL */
} mc_officer_event;

typedef struct mc_officer_builder mc_officer_builder;

/* Starts the per-officer indicators for the local dates [from, to] (the default calendar's of
 * cat). keep (or NULL: all) says whether the dossiers of an agency count (a token's agencies).
 * MC_ENOMEM. */
int mc_officers_begin(mc_officer_builder **out, const mc_catalogue *cat, mc_date from, mc_date to,
                      bool (*keep)(void *ud, const char *agency), void *ud);
/* Adds one event. MC_ENOMEM (the builder is then to be abandoned). */
int mc_officers_add(mc_officer_builder *b, const mc_officer_event *ev);
/* Hands the rows to out (free with mc_officers_free) and frees b. MC_ENOMEM (b freed too). */
int mc_officers_end(mc_officer_builder *b, mc_officer_report *out);
void mc_officers_abandon(mc_officer_builder *b);
/* Computes the per-officer indicators of st's events (keep as for mc_officers_begin). */
int mc_officers_compute(mc_store *st, const mc_catalogue *cat, mc_date from, mc_date to,
                        bool (*keep)(void *ud, const char *agency), void *ud,
                        mc_officer_report *out, mc_error *err);
void mc_officers_free(mc_officer_report *r);

enum { MC_REPORT_NONE = -1 }; /* a share or a mean of nothing */

/* A lead time in working days, the one definition every figure that prints one uses (the
 * report's mean processing time, the simulator's mean and percentiles): the office time between
 * the instants from and to (UTC) on cal (NULL: the built-in calendar), divided by the office
 * time of one of its working days (every working day has the calendar's hours), in fixed point
 * (MC_FIXED_ONE = one working day) rounded half up; 0 when to <= from or the calendar has no
 * office hours. A dossier that spends exactly one working day of office hours, whenever it
 * arrives (at night, on a week-end), counts 1.00. */
mc_fixed mc_report_lead_wd(const mc_calendar *cal, int64_t from, int64_t to);
/* The same from the office seconds between the instants and the office seconds of one working
 * day (0 when either is 0 or less): what mc_report_lead_wd computes from them. */
mc_fixed mc_report_lead_of(int64_t office, int64_t day);

/* The office seconds of one working day of cal (NULL: the built-in calendar). */
int64_t mc_report_day_seconds(const mc_calendar *cal);

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
