/*
 * Simulation (SPEC §8.2): synthetic applicants submitted through the engine — a volatile
 * engine, so the same checks, rules, once-only resolution, clock and timers as production, with
 * no store — and driven by each state's `takes` and its transitions' `chance` on the
 * procedure's calendar until a final state.
 *
 * The model, in order, for dossier number j of a procedure:
 *   - it arrives at from + (j + ½) × 365 days / n (n: the procedure's dossiers), filed by the
 *     channel drawn with the procedure's `channels` shares (from a key of its own, so that the
 *     other draws stay put; online and by post it makes one visit fewer than `visits`), or,
 *     without `channels`, online when the procedure is `online full`, at the counter otherwise;
 *   - in a share `asks-held` of the dossiers with a fetched document, an officer (the first role
 *     that is not built in of the first such transition of the initial state) asks for it right
 *     after submission: the engine refuses it (once-only), counted as held_asks and as a
 *     once-only refusal of the indicators, and the dossier goes on as before;
 *   - its fields are drawn from their `sample` (synth.h); registry coverage is drawn once per
 *     subject and registry; what is asked of the applicant is provided at submission;
 *   - in each state, the next event is drawn among the transitions whose condition holds now,
 *     by `chance` (those without share what the others leave, equally), and happens `takes`
 *     after entering the state (uniform between its bounds; at once without `takes`); a timer
 *     fires instead when it comes first, or when its own `chance` is drawn, or when no
 *     transition is possible;
 *   - when the drawn end of a step lies after the dossier's due instant, the first role of its
 *     lifecycle's `apology by` apologizes at the step's start, once (the new date: the step's
 *     end), through the engine (mc_live_apologize): the indicators count it as a store would;
 *   - a dossier that takes more than max_steps transitions, or is left with no way out, is
 *     abandoned and counted as unfinished.
 * Every draw is a function of the seed, the procedure's name and j: the same seed gives the
 * same numbers, and a baseline and a reform meet the same applicants.
 *
 * Threads (mc_sim_opts.jobs): the dossiers split into shards fixed by the plans alone (each
 * procedure's dossiers in runs of MC_SIM_SHARD numbers); a thread simulates whole shards on
 * engines of its own, each shard adds up its own figures, and the shards' figures are added up in
 * shard order when all are done, so a result is the same, to the bit, whatever the threads. A
 * procedure's sums of working days (doubles) are its shards' sums added in order, which for a
 * procedure of more than MC_SIM_SHARD dossiers differs in the last bits from one running sum; the
 * total's histogram is its procedures' added in order.
 *
 * Officers and queues (issue 23): when a catalogue of the run staffs an agency (`staff`) or
 * gives one an arrivals pattern, the run changes shape. A shard is then a whole agency's
 * dossiers (every procedure it handles, by the baseline's version; those without an agency make
 * one more), run by one thread in time order through the event list of queue.h, both sides of a
 * pair in the same loop (ties: the baseline's first, then in the order the events were put in):
 *   - dossier j of a procedure arrives at mc_arrivals_year_offset under its agency's pattern
 *     (without one, exactly at the instant above);
 *   - many dossiers are under way at once, each on a live dossier of its own taken from a pool of
 *     reusable ones, with its own draws (the same as above, from its key);
 *   - a step whose drawn transition is fired by (its first role) a role the agency staffs, and
 *     whose state's `takes` is in working units, is the work of one of those officers: it joins
 *     the line of the agency's pool for the role (the office hours of the calendar of the
 *     agency's first procedure that names one) with the drawn office time as its need, and the
 *     transition fires when an officer has done it; a timer of the state due first drops the job
 *     and fires as without staffing. Every other step waits its drawn time, as above;
 *   - a dossier's figures wait for its twin's (the gains) only while the twin is under way;
 *   - the result gains the pools (mc_sim_result.pools) and the most dossiers under way at once.
 * The result is the same whatever the threads; a catalogue without `staff` and `arrivals` runs
 * exactly as described above.
 *
 * Only aggregates are kept (memory does not grow with the number of dossiers; with officers, it
 * grows with the dossiers under way at once). A lead time is
 * mc_report_lead_wd's, the one definition of a working-day lead time (report.h): office time
 * from submission to the final state on the procedure's calendar over a working day's office
 * time. Lead times go into a fixed histogram of MC_SIM_BINS bins of a quarter of a working day
 * each (0 to 60 working days; longer ones in one more bin) that also sums the lead times of
 * each bin: a percentile is the mean lead time of the bin it falls in, a value within a quarter
 * of a working day of the true one, exact when that bin's dossiers share one lead time (every
 * dossier of one working day gives 1.00, not the bin's upper bound 1.25). The mean is exact.
 *
 * A year (issue 22): each procedure's figures per dossier times its `volume` in the simulated
 * catalogue (a reform that changes a volume changes the year, on the same applicants):
 *   - annual applicant cost, with each dossier's own lead time as waiting;
 *   - the same by the legal method: each simulated dossier's cost with the statutory time limit
 *     as waiting (as `motcua cost` counts it, mc_cost_sum_wait), which agrees with
 *     mc_cost_compute's annual total to within sampling error;
 *   - the state's fee revenue: fees charged × volume;
 *   - officer time: the office time a dossier spends in a state before a transition fires (its
 *     drawn `takes`: exactly the drawn office hours for working units, the office time between
 *     entering and leaving for the others), counted for the roles that may fire that transition,
 *     split equally among them (the built-in applicant and system roles count none; a timer
 *     that fires first counts for no one), in working days of the procedure's calendar (its
 *     office hours of one day): staff-days. It is the time the dossier waits on those roles, an
 *     upper bound of their effort, not a time-and-motion measure.
 * A procedure that got no simulated dossier (too few --dossiers for its volume) adds nothing to
 * the year, and the notes say how much volume that leaves out.
 *
 * Interconnected procedures (issue 25): a procedure that runs as a part of one and declares no
 * `volume` is not simulated on its own (its dossiers are the group's; the notes say so). A
 * group's dossier runs its parts right after its submission, as the engine does with a store:
 * each part a dossier of its procedure in force, given the group's field values by name and the
 * documents provided to it, drawn and driven as any dossier (from a key of the part's name and
 * the group's key) but never queued for officers; the parts after none start at filing, the
 * others when the parts they come after have ended granted; a part whose `when` does not hold
 * is not needed. The group's dossier then leaves its initial state by parts-done or
 * parts-failed (mc_live_end_parts) at the instant its last part ended, late when a part was,
 * after the apology of its lifecycle when that instant is past its due one, and goes on. Its
 * figures are the group's alone, but for the officer time of its parts, counted with it; what
 * the parts came to, by procedure and agency, is in mc_sim_result.parts.
 */
#ifndef MOTCUA_SIM_H
#define MOTCUA_SIM_H

#include "motcua/catalogue.h"
#include "motcua/error.h"
#include "motcua/report.h"
#include "motcua/rules.h"

#include <stdbool.h>
#include <stdint.h>

enum { MC_SIM_BINS = 240, MC_SIM_BINS_PER_WD = 4 };
/* A shard's dossiers at most (mc_sim_opts.jobs), and how often progress is said. */
enum { MC_SIM_SHARD = 1 << 16, MC_SIM_PROGRESS = 1 << 16 };

typedef struct mc_sim_opts {
    int64_t dossiers; /* split among procedures in proportion to `volume` (when !year) */
    bool year;        /* each procedure's `volume` */
    uint64_t seed;
    mc_date from; /* arrivals over the 365 days from this date */
    /* The catalogue whose volumes split the dossiers (NULL: the simulated one). A reform run
     * passes the baseline, so that both meet the same applicants; a procedure the reform
     * abolished keeps its dossiers, counted as abolished (no cost, no lead time). */
    const mc_catalogue *split_by;
    const mc_cost_model *model; /* applicant hours and cost; NULL: none computed */
    int max_steps;              /* 0: 1000 */
    /* The registries' coverage (coverage.h, mc_coverage_of): a live registry's measured share in
     * place of its declared coverage; NULL: the declared ones. */
    const struct mc_coverage *coverage;
    /* Which procedures to simulate (the dossiers split among them), as the baseline's version
     * reads; NULL: all. Procedures another one supersedes (mc_catalogue_superseded) are never
     * simulated. */
    bool (*selects)(void *ud, const mc_procedure *p);
    void *selects_ud;
    /* Called every so often with the dossiers done so far (every MC_SIM_PROGRESS, in order), and
     * at the end; with jobs > 1 from the worker that got there, one call at a time. */
    void (*progress)(void *ud, int64_t done, int64_t total);
    void *ud;
    /* Threads to run on (0 or 1: the caller's alone). The dossiers split into shards fixed by
     * the plans alone, never by jobs: each procedure's dossiers, in runs of MC_SIM_SHARD dossier
     * numbers. Each thread simulates whole shards on its own engines; the shards' sums are then
     * added up in shard order, so that a result is the same whatever jobs. */
    int jobs;
    /* Rules of its own for each thread but the caller's (a Lua state serves one thread): a copy
     * of the rules passed to the run, loaded anew, into *out (the run frees it with
     * mc_rules_free); 0, or an error code with err set, which the run then returns. Called from
     * those threads, several at once. NULL with rules passed: one thread. */
    int (*open_rules)(void *ud, mc_rules **out, mc_error *err);
    void *rules_ud;
} mc_sim_opts;

/* The defaults: seed 1, everything else zero (dossiers must then be set, or year). */
#define MC_SIM_OPTS_INIT                                                                           \
    {                                                                                              \
        .seed = 1                                                                                  \
    }

typedef struct mc_sim_stats {
    const char *name; /* procedure; "total" */
    int64_t dossiers; /* submitted */
    int64_t refused_at_submission;
    int64_t granted, refused, withdrawn, stopped; /* final outcomes */
    int64_t unfinished;                           /* abandoned: see the model */
    int64_t abolished;                            /* of a procedure the reform abolished */
    int64_t on_time, late;                        /* of the finished */
    int64_t asked, fetched;                       /* documents, summed over dossiers */
    int64_t visits;
    int64_t held_asks; /* an officer's requests for a held document, refused (`asks-held`) */
    /* rules that failed (raised, were not loaded, ran past their limits) on a submission, a
     * guard asked or an event fired: the notes say which; `simulate` stops on them unless told
     * to go on (--keep-going) */
    int64_t rule_failures;
    mc_fixed hours; /* applicant hours, summed (fixed point; each dossier's by mc_cost_sum) */
    int64_t cost;   /* applicant cost, summed (each dossier's by mc_cost_sum, to the unit) */
    int64_t lead_n;
    double lead_wd;                /* summed working days from submission to final */
    int64_t fees;                  /* fees charged, summed */
    int64_t legal_cost;            /* cost with the statutory time limit as waiting, summed */
    double staff_wd;               /* officer working days, summed */
    /* A year (see above): the procedure's volume in the simulated catalogue (0: abolished, or
     * none), and the sums per dossier × that volume, each rounded to the unit; summed over the
     * procedures in the total. */
    int64_t volume;
    int64_t annual, legal_annual, revenue;
    double staff_days;
    /* the histogram last (a dossier's own sums leave it out) */
    int64_t hist[MC_SIM_BINS + 1];   /* lead times; the last bin: 60 wd and more */
    double hist_wd[MC_SIM_BINS + 1]; /* the lead times of each bin, summed */
} mc_sim_stats;

/* Who gains, who loses (mc_sim_pair): the applicants by group. Citizen or business: by the
 * subject's value the dossier was filed with, a business when it is an enterprise code (10 or
 * 13 digits, a dash allowed before the last 3), a citizen otherwise (a 12-digit personal ID,
 * or anything else). Online or at the counter: the channel of the baseline's dossier.
 * Registries: whether every registry the reformed dossier looked a document up in found the
 * applicant ("found", also when no look-up was made) or at least one did not (its coverage
 * missed the applicant, who brought the paper). */
typedef enum mc_sim_group {
    MC_SIM_ALL,
    MC_SIM_CITIZEN,
    MC_SIM_BUSINESS,
    MC_SIM_ONLINE,
    MC_SIM_COUNTER,
    MC_SIM_FOUND,
    MC_SIM_MISSED,
    MC_SIM_NGROUPS
} mc_sim_group;

/* "all", "citizen", "business", "online", "counter", "found in registries", "missed by a
 * registry" */
extern const char *const mc_sim_group_names[MC_SIM_NGROUPS];

typedef struct mc_sim_gain {
    int64_t dossiers;    /* applicants met by both runs */
    int64_t change;      /* reform cost − baseline cost, summed (negative: they gain) */
    int64_t rises, falls; /* dossiers whose cost rises, falls */
} mc_sim_gain;

/* The mean change of an applicant's cost in group x (reform − baseline; negative: they gain),
 * rounded half away from zero to a hundredth of the currency's unit, as every format of `motcua
 * simulate` gives it; 0 when the group met no applicant. */
double mc_sim_gain_mean(const mc_sim_gain *x);

/* A pool of officers (issue 23): the officers of one role at one agency that `staff` declares,
 * as the run used them (the reform's side: the reformed catalogue's numbers). Waits and queue
 * lengths are on the pool's office clock (its agency's first procedure's calendar): a night is
 * no wait. */
typedef struct mc_sim_pool {
    const char *agency;
    const mc_role *role;
    uint32_t officers;
    int64_t jobs;       /* pieces of work done (a step's `takes` of a dossier) */
    double utilisation; /* office time busy over the officers' office time, 0 … 1 */
    double mean_queue;  /* dossiers waiting, averaged over the office time */
    int64_t max_queue;  /* the most dossiers waiting at one time */
    double mean_wait;   /* working days from joining the line to an officer taking it */
    double p90_wait;    /* the wait under which 90% fall (to within 1/64), working days */
} mc_sim_pool;

/* Interconnected procedures (issue 25): what the parts of one interconnected procedure's
 * simulated dossiers came to at one agency (the agency of the parts' procedures; "" for those
 * without one). A part that is late makes its dossier late; which agencies' parts are late is
 * what a reform team asks of a late group. */
typedef struct mc_sim_parts_row {
    const char *procedure; /* the interconnected procedure */
    const char *agency;
    int64_t started;     /* parts submitted at this agency */
    int64_t granted;     /* of those, ended granted */
    int64_t not_granted; /* ended otherwise (refused, withdrawn, stopped) */
    int64_t unfinished;  /* abandoned (see the model) */
    int64_t late;        /* ended late */
    int64_t refused;     /* refused at submission (e.g. a required field the group does not give) */
    int64_t not_needed;  /* skipped: the part's `when` did not hold */
} mc_sim_parts_row;

/* The share of the parts of x that ended late, in percent of those started (0 … 100); 0 when
 * none started. */
double mc_sim_parts_late_pct(const mc_sim_parts_row *x);

typedef struct mc_sim_result {
    mc_sim_stats *procedures; /* by name; procedures with no dossier are left out */
    size_t nprocedures;
    mc_sim_stats total;
    mc_report indicators; /* SPEC §9 over the simulated dossiers */
    /* Staff-days a year by role: roles[i] (the simulated catalogue's roles that are not built
     * in, in its order), staff_days[i]; summed, total.staff_days. */
    const mc_role **roles;
    double *staff_days;
    size_t nroles;
    /* Officers and queues (issue 23): set when the catalogue staffs an agency or gives it an
     * arrivals pattern (staffed true): the pools by agency (in name order) and `staff` line, and
     * the most dossiers under way at once in one agency (what the run's memory grows with). */
    bool staffed;
    mc_sim_pool *pools;
    size_t npools;
    int64_t peak_in_flight;
    /* Who gains, who loses: set on the reform's result by mc_sim_pair (paired true). */
    bool paired;
    mc_sim_gain gains[MC_SIM_NGROUPS];
    /* Interconnected procedures simulated (issue 25): their parts by agency, in name order of
     * the procedures and then in the order of their parts (NULL/0: none). */
    mc_sim_parts_row *parts;
    size_t nparts;
    char notes[4096]; /* what the model assumed: fields given neutral values, …; one a line, the
                         last "(more notes left out)" when they did not fit */
} mc_sim_result;

/* Simulates cat (a baseline, or a catalogue with a reform applied) with rules (may be NULL when
 * no procedure uses rules). Fails with MC_EUSAGE when nothing can be simulated (no dossier,
 * no procedure with a volume). */
int mc_sim_run(const mc_catalogue *cat, mc_rules *rules, const mc_sim_opts *o, mc_sim_result *out,
               mc_error *err);
void mc_sim_result_free(mc_sim_result *r);

/* Simulates base and reformed in lockstep on the same applicants (dossier j of each procedure
 * submitted to both, the reform on the baseline's split, as mc_sim_run with split_by = base):
 * into *b and *r as mc_sim_run would, and the change of each applicant's cost, by group, into
 * r->gains (memory does not grow with the number of dossiers). o->split_by is ignored; progress
 * counts the pairs. Errors as mc_sim_run; both results are freed on failure. */
int mc_sim_pair(const mc_catalogue *base, const mc_catalogue *reformed, mc_rules *rules,
                const mc_sim_opts *o, mc_sim_result *b, mc_sim_result *r, mc_error *err);

/* The group of an applicant by its subject's value (citizen or business, as above). */
mc_sim_group mc_sim_subject_group(const char *subject);

/* Adds the sums of one (a procedure's row) into x (a subtotal): counts, sums, histogram, the
 * year. */
void mc_sim_stats_add(mc_sim_stats *x, const mc_sim_stats *one);

/* The mean of x[0..k) into *mean and the half-width of its 95% confidence interval (Student's t
 * with k − 1 degrees of freedom × the standard error) into *half: the interval is mean ± half.
 * k < 2: *half is 0. */
void mc_sim_interval(const double *x, size_t k, double *mean, double *half);

/* The 97.5% quantile of Student's t with df ≥ 1 degrees of freedom (a table to 30, then
 * interpolated in 1/df; to 10⁻³). */
double mc_sim_t975(size_t df);

/* The lead time under which a share q (0..1) of the finished dossiers fall, in working days: the
 * mean lead time of the quarter-day bin it falls in (see above); -1 when none finished or it
 * lies past the histogram. */
double mc_sim_percentile(const mc_sim_stats *s, double q);

enum { MC_SIM_NONE = -1, MC_SIM_PAST = -2 }; /* a figure of none; past the histogram */

/* What one row of a comparison shows (per dossier where it says so), as every format of
 * `motcua simulate` prints it. */
typedef struct mc_sim_figures {
    int64_t dossiers, finished, unfinished, abolished, refused_at_submission;
    double asked, fetched, visits, hours, cost; /* per dossier (of all, 0 when none) */
    double lead_mean, p50, p90;                 /* working days; MC_SIM_NONE when none finished; the
                                                   percentiles MC_SIM_PAST past the histogram */
    double on_time;                             /* percent of the finished; MC_SIM_NONE when none */
    /* a year: applicant cost (own lead time as waiting), by the legal method, fee revenue,
     * staff-days */
    double annual, legal_annual, revenue, staff_days;
    int64_t volume;
} mc_sim_figures;

mc_sim_figures mc_sim_figures_of(const mc_sim_stats *s);

/* The change from base to reform, in percent, into *pct; false (nothing to show) when base is 0
 * or less or reform is less than 0 (a figure of none). */
bool mc_sim_change(double base, double reform, double *pct);

/* The change from base to reform of a rate that is itself a percentage (on_time), in points
 * (96.12 → 94.68 is −1.44 points, not −1.50%), into *pts; false when either is a figure of none
 * (MC_SIM_NONE). */
bool mc_sim_change_points(double base, double reform, double *pts);

/* The lead times of the finished dossiers of s as shares (%) by whole working days: out[d] for
 * d = 0 … n - 2 working days, out[n - 1] for n - 1 and more; all 0 when none finished. n ≥ 1. */
void mc_sim_lead_shares(const mc_sim_stats *s, double *out, size_t n);

/* The dossiers of a year of each procedure's `volume`, what a run with `year` simulates (the
 * first version's volume of each procedure name). */
int64_t mc_sim_year_dossiers(const mc_catalogue *cat);

#endif
