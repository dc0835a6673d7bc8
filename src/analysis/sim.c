/* Simulation (sim.h): one dossier at a time through a volatile engine, its aggregates kept per
 * shard (a run of one procedure's dossiers), its indicators added to the report's accumulator;
 * shards shared out among threads, each with its own engines, and added up in shard order. */
#include "motcua/sim.h"

#include "base/grow.h"
#include "motcua/alloc.h"
#include "motcua/calendar.h"
#include "motcua/cost.h"
#include "motcua/coverage.h"
#include "motcua/engine.h"
#include "queue.h"
#include "sim_parts.h"
#include "synth.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__extension__ typedef __int128 i128;

enum {
    YEAR_DAYS = 365,
    FIELD_TEXT = 128,
    /* The bytes of notes a shard keeps: twice what a result holds. Its notes that are not in the
     * result's already then fill the result before the shard's run out, so that the result's
     * notes are what one thread would have written (unless a shard's notes were, in bulk, parts
     * of other notes), and a run of many shards stays small. */
    SHARD_NOTES = 2 * sizeof(((mc_sim_result *)0)->notes),
    PROGRESS_BATCH = 1 << 10 /* dossiers a worker counts before it says so */
};

/* A procedure to simulate: its name, its dossiers, and its version on the first day in the
 * simulated catalogue (NULL: the reform abolished it). */
typedef struct plan {
    const char *name;
    const mc_procedure *p;
    int64_t n;
    int64_t volume; /* of p (0: abolished, or none): the year's weight */
    /* its versions in the simulated catalogue (mc_catalogue_versions), found once */
    const mc_procedure *const *versions;
    size_t nversions;
    uint64_t seed; /* of its dossiers' draws: mc_synth_hash(name, the run's seed) */
} plan;

/* What the pairing needs of one dossier (mc_sim_pair). */
typedef struct dossier_info {
    int64_t cost;
    bool business, online, missed;
} dossier_info;

/* A dossier in flight: everything of it that lives from its arrival to its end, so that many
 * may be under way at once (the officers' queues) or one after another (without staffing). */
typedef struct flight {
    mc_live *d;
    size_t k; /* its plan */
    const plan *pl;
    int64_t j;
    const mc_procedure *p; /* the version it was submitted under */
    const mc_calendar *cal;
    uint64_t key, rng;
    int64_t t;  /* its present: when it entered the state it is in, or the last timer */
    int steps;  /* transitions and timers so far (steps_allowed) */
    bool stuck; /* left with no way out */
    bool apology_tried;
    int64_t apology_at; /* MC_NONE without an apology */
    bool apology_timely;
    /* the step it waits on (flight_advance returned 1): tr, drawn at t, fires at when (with
     * unlimited officers) after office seconds of work (-1: wall time; 0: no takes); the
     * earliest timer of the state (MC_NONE: none), which comes after when */
    const mc_state *st;
    const mc_transition *tr;
    int64_t when, office, timer;
    dossier_info info;
    /* the officers' queues (sim.c's staffed loop) */
    int side;
    int wait; /* what it waits on: W_STEP, W_JOB or W_TIMER */
    mc_queue_job job;
    /* kept when the flight is reused: */
    struct flight *next_free;
    uint32_t slot, gen; /* its number; of its wake-ups (an older one is stale) */
    mc_sim_stats one;   /* its counts and sums, zeroed up to the histogram (not a dossier's) */
} flight;

/* What a shard adds up on one side: its dossiers' counts, sums and histogram, their officer
 * working days by role, the notes they made (each once, each followed by '\0'; full: some were
 * left out), and on the reform's side of a pair who gains. */
typedef struct shard_sums {
    mc_sim_stats st;
    double *role_wd;
    char *notes;
    size_t notes_len, notes_cap;
    bool notes_full, oom;
    mc_sim_gain gains[MC_SIM_NGROUPS];
} shard_sums;

/* A shard: the dossiers [j0, j1) of plan k, and their sums on each side. */
typedef struct shard {
    size_t k;
    int64_t j0, j1;
    shard_sums sums[2];
} shard;

typedef struct sim {
    const mc_catalogue *cat;
    const mc_sim_opts *o;
    mc_engine *e;
    mc_live *d;
    mc_report_builder *rb;
    mc_sim_result *out; /* the side's result: only its roles are read while shards run */
    uint64_t seed;
    int64_t total;
    const mc_calendar *cal0;   /* the default calendar, which dates the arrivals */
    int64_t start;             /* the first instant of the simulated year */
    const mc_calendar *wd_cal; /* the calendar of wd_seconds */
    double wd_seconds;         /* office seconds in a working day of wd_cal */
    int64_t day_seconds;       /* the same as the report counts it (mc_report_day_seconds) */
    /* Room for one dossier's fields and one state's allowed transitions, grown to the largest
     * procedure and state met (no cap: a procedure may have any number of either). */
    char (*field_text)[FIELD_TEXT];
    size_t text_cap;
    mc_kv *fields;
    size_t fields_cap;
    const mc_transition **ok;
    size_t ok_cap;
    /* the plans, and the dossier at hand */
    plan *plans;
    size_t np;
    int subject;  /* index in field_text of the subject's value, or -1 */
    mc_fixed lead; /* the lead time of the dossier at hand (count_ending) */
    const mc_calendar *lead_cal; /* the calendar it was counted on */
    bool missed; /* a registry's coverage missed the applicant of the dossier at hand */
    shard_sums *sink; /* the sums of the shard at hand; NULL: notes go to the result */
    /* the registries looked up so far (lookup), each with its coverage and the seed of its
     * draws; a few, replaced in turn */
    struct {
        const mc_registry *r;
        bool covered; /* mc_coverage_of */
        mc_fixed pct;
        uint64_t seed; /* mc_synth_hash(its name, seed) */
    } regs[8];
    size_t nregs, next_reg;
    /* the result's roles by address (role_of): an open-addressed table of role_cap slots (a
     * power of two), made by the side, shared by its threads */
    struct role_slot {
        const mc_role *role;
        size_t index; /* in out->roles */
    } *role_slots;
    size_t role_cap;
    flight one;   /* the dossier at hand, without staffing */
    mc_live *part_d; /* the part at hand of an interconnected dossier (sim_parts.c) */
    bool staffed; /* the officers' loop runs the side (run_group) */
} sim;

static void note(sim *s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static const char more_notes[] = "(more notes left out)";

/* Adds text to the notes of a result (size bytes), once: not when it is part of a note already,
 * nor once they are full (said by a last line, more_notes). */
static void notes_put(char *notes, size_t size, const char *text)
{
    if (strstr(notes, text) != NULL || strstr(notes, more_notes) != NULL) {
        return;
    }
    size_t n = strlen(notes), room = size - n;
    if (strlen(text) + 2 + sizeof more_notes + 1 < room) {
        snprintf(notes + n, room, "%s%s", n ? "\n" : "", text);
    } else {
        snprintf(notes + n, room, "%s%s", n ? "\n" : "", more_notes);
    }
}

/* Keeps text among the notes of shard x, once: not when it is part of one it keeps (it would be
 * part of the result's notes then too, or they would be full). Past SHARD_NOTES bytes x is full
 * and keeps no more; out of memory, x->oom. */
static void shard_note(shard_sums *x, const char *text)
{
    if (x->notes_full) {
        return;
    }
    for (size_t at = 0; at < x->notes_len; at += strlen(x->notes + at) + 1) {
        if (strstr(x->notes + at, text) != NULL) {
            return;
        }
    }
    size_t len = strlen(text) + 1;
    if (x->notes_len + len > SHARD_NOTES) {
        x->notes_full = true;
        return;
    }
    if (mc_grow(&x->notes, &x->notes_cap, x->notes_len + len, 1) != 0) {
        x->oom = true;
        return;
    }
    memcpy(x->notes + x->notes_len, text, len);
    x->notes_len += len;
}

/* Adds a note, once: to the shard at hand, whose notes go into the result's in shard order when
 * the run ends (as if they had been added in turn), or to the result before the shards run. */
static void note(sim *s, const char *fmt, ...)
{
    char text[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (s->sink != NULL) {
        shard_note(s->sink, text);
    } else {
        notes_put(s->out->notes, sizeof s->out->notes, text);
    }
}

/* ==== registries: coverage drawn once per subject and registry =========================== */

static int lookup(void *ud, const char *registry, const char *document, const char *subject,
                  char *ref, size_t refsz)
{
    sim *s = ud;
    (void)document;
    size_t i = 0;
    while (i < s->nregs && s->regs[i].r->name != registry &&
           strcmp(s->regs[i].r->name, registry) != 0) {
        i++;
    }
    if (i == s->nregs) {
        const mc_registry *r = mc_catalogue_registry(s->cat, registry);
        if (r == NULL) {
            return 0;
        }
        size_t n = sizeof s->regs / sizeof s->regs[0];
        i = s->nregs < n ? s->nregs++ : s->next_reg++ % n;
        s->regs[i].r = r;
        s->regs[i].covered = mc_coverage_of(s->o->coverage, r, &s->regs[i].pct);
        s->regs[i].seed = mc_synth_hash(registry, s->seed);
    }
    if (s->regs[i].covered) {
        uint64_t h = mc_synth_hash(subject, s->regs[i].seed);
        if (mc_synth_unit(h) * 100.0 * (double)MC_FIXED_ONE >= (double)s->regs[i].pct) {
            s->missed = true;
            return 0;
        }
    }
    /* "SIM-" and the subject, cut to refsz */
    size_t len = strlen(subject);
    if (refsz > 4) {
        len = len < refsz - 5 ? len : refsz - 5;
        memcpy(ref, "SIM-", 4);
        memcpy(ref + 4, subject, len);
        ref[4 + len] = '\0';
    } else if (refsz > 0) {
        memcpy(ref, "SIM-", refsz - 1);
        ref[refsz - 1] = '\0';
    }
    return 1;
}

/* ==== planning: dossiers per procedure ==================================================== */

static const mc_procedure *version_on(const mc_catalogue *cat, const char *name, mc_date day)
{
    const mc_procedure *p = mc_catalogue_procedure(cat, name, day);
    if (p == NULL) {
        size_t n;
        const mc_procedure *const *v = mc_catalogue_versions(cat, name, &n);
        p = n ? v[0] : NULL; /* not yet in force: its first version's volume */
    }
    return p;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const plan *)a)->name, ((const plan *)b)->name);
}

/* One plan per procedure name with a volume; the dossiers split by volume, largest remainders
 * first (ties by name order), so that they add up to o->dossiers exactly. */
static int make_plans(sim *s, plan **out, size_t *nout, mc_error *err)
{
    size_t n;
    const mc_catalogue *split = s->o->split_by ? s->o->split_by : s->cat;
    const mc_procedure *const *all = mc_catalogue_procedures(split, &n);
    plan *pl = mc_calloc(n ? n : 1, sizeof *pl);
    int64_t *rem = mc_calloc(n ? n : 1, sizeof *rem);
    if (pl == NULL || rem == NULL) {
        mc_free(pl);
        mc_free(rem);
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    size_t np = 0, superseded = 0, filtered = 0, parts = 0;
    const char *example = NULL, *by = NULL, *part = NULL, *group = NULL;
    i128 volume = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(all[i]->name, all[i - 1]->name) == 0) {
            continue; /* versions are grouped by name */
        }
        const mc_procedure *p = version_on(split, all[i]->name, s->o->from);
        if (s->o->selects != NULL && !s->o->selects(s->o->selects_ud, p)) {
            filtered++;
            continue;
        }
        const mc_procedure *sup = mc_catalogue_superseded(split, p->name, s->o->from);
        if (sup != NULL) {
            superseded++;
            example = example ? example : p->name;
            by = by ? by : sup->name;
            continue;
        }
        const mc_procedure *of =
            p->has_volume ? NULL : mc_cost_group_of(split, p->name, s->o->from);
        if (of != NULL) { /* its dossiers are the group's (sim_parts.c) */
            parts++;
            part = part ? part : p->name;
            group = group ? group : of->name;
            continue;
        }
        if (!p->has_volume || p->volume <= 0) {
            note(s, "%s: no volume, not simulated", p->name);
            continue;
        }
        const mc_procedure *here = split == s->cat ? p : version_on(s->cat, p->name, s->o->from);
        int64_t vol = here != NULL && here->has_volume ? here->volume : 0;
        pl[np] = (plan){p->name, here, p->volume, vol, NULL, 0, mc_synth_hash(p->name, s->seed)};
        pl[np].versions = mc_catalogue_versions(s->cat, p->name, &pl[np].nversions);
        np++;
        volume += p->volume;
    }
    if (superseded > 0) {
        note(s, "%zu procedure%s superseded by another in force not simulated (%s by %s%s)",
             superseded, superseded == 1 ? "" : "s", example, by,
             superseded > 1 ? ", …" : "");
    }
    if (parts > 0) {
        note(s,
             "%zu procedure%s run as parts of an interconnected procedure not simulated on "
             "their own: their dossiers are the group's (%s of %s%s)",
             parts, parts == 1 ? "" : "s", part, group, parts > 1 ? ", …" : "");
    }
    size_t assumed = 0;
    for (size_t i = 0; i < np; i++) {
        assumed += pl[i].p != NULL && pl[i].p->assumed != 0;
    }
    if (assumed > 0) {
        note(s,
             "%zu of the %zu procedures declare figures that are assumptions, not statistics "
             "(`assumed`: volume, effort, visits, time limit or fee; `motcua cost` lists them)",
             assumed, np);
    }
    if (!s->o->year && volume > 0) {
        int64_t given = 0;
        for (size_t i = 0; i < np; i++) {
            i128 share = (i128)s->o->dossiers * pl[i].n;
            rem[i] = (int64_t)(share % volume * 1000000 / volume);
            pl[i].n = (int64_t)(share / volume);
            given += pl[i].n;
        }
        while (given < s->o->dossiers) {
            size_t best = 0;
            for (size_t i = 1; i < np; i++) {
                if (rem[i] > rem[best]) {
                    best = i;
                }
            }
            pl[best].n++;
            rem[best] = -1;
            given++;
        }
    }
    mc_free(rem);
    qsort(pl, np, sizeof *pl, by_name);
    int64_t total = 0, left_vol = 0;
    size_t left = 0;
    for (size_t i = 0; i < np; i++) {
        total += pl[i].n;
        left += pl[i].n == 0;
        left_vol += pl[i].n == 0 ? pl[i].volume : 0;
    }
    if (left > 0 && volume > 0) {
        note(s,
             "%zu procedure%s with %lld dossiers a year (%.2f%% of the volume) got no simulated "
             "dossier: not in the annual totals (simulate more --dossiers, or --year)",
             left, left == 1 ? "" : "s", (long long)left_vol,
             100.0 * (double)left_vol / (double)volume);
    }
    if (total == 0) {
        mc_free(pl);
        return mc_error_set(err, MC_EUSAGE,
                            np == 0 && filtered > 0
                                ? "no procedure with a volume passes the filters: nothing to "
                                  "simulate"
                            : np == 0 ? "no procedure declares a volume: nothing to simulate"
                                      : "no dossier to simulate (give --dossiers N, N > 0)");
    }
    s->total = total;
    *out = pl;
    *nout = np;
    return 0;
}

/* ==== one dossier ========================================================================= */

/* Office seconds in a working day of cal (mc_report_day_seconds, as the lead times count). */
static double wd_seconds(sim *s, const mc_calendar *cal)
{
    if (cal != s->wd_cal) {
        int64_t sec = mc_report_day_seconds(cal);
        s->wd_cal = cal;
        s->wd_seconds = sec > 0 ? (double)sec : MC_DAY_SECONDS;
        s->day_seconds = sec;
    }
    return s->wd_seconds;
}

/* A lead time as office time: office seconds, of working days of day office seconds each. */
typedef struct office_time {
    int64_t office, day;
} office_time;

/* Office time from `from` to `to` on cal. */
static office_time office_between(sim *s, const mc_calendar *cal, int64_t from, int64_t to)
{
    office_time t = {
        mc_calendar_office_seconds(cal, mc_calendar_to_local(cal, from),
                                   mc_calendar_to_local(cal, to)),
        (int64_t)wd_seconds(s, cal),
    };
    return t;
}

/* The instant `takes` after t in state st, drawn with u. Time spent is office time for
 * working units (a working day is a day's office hours, not "by the end of the next working
 * day" as a time limit reads) and wall time for the others. *office: the office seconds of the
 * drawn takes for working units, -1 for the others (the caller measures them on the calendar
 * when it needs them), 0 without takes. */
static int64_t after_takes(sim *s, const mc_calendar *cal, const mc_state *st, int64_t t, double u,
                           int64_t *office)
{
    *office = 0;
    if (!st->has_takes) {
        return t;
    }
    mc_duration lo = st->takes_min, hi = st->takes_max;
    mc_duration *both[2] = {&lo, &hi};
    for (int k = 0; k < 2; k++) {
        mc_duration *d = both[k];
        if (d->unit == MC_DUR_WD) {
            d->amount = (mc_fixed)((double)d->amount * wd_seconds(s, cal) / 3600.0);
            d->unit = MC_DUR_WH;
        } else if (d->unit == MC_DUR_D) {
            d->amount *= 24;
            d->unit = MC_DUR_H;
        } else if (d->unit == MC_DUR_MIN) {
            d->amount /= 60;
            d->unit = MC_DUR_H;
        }
    }
    mc_duration d = lo;
    if (hi.unit == lo.unit && hi.amount > lo.amount) {
        d.amount += (mc_fixed)(u * (double)(hi.amount - lo.amount));
    }
    /* the seconds mc_calendar_deadline adds (rounded to the nearest one) */
    *office = d.unit == MC_DUR_WH ? (d.amount * 3600 + MC_FIXED_ONE / 2) / MC_FIXED_ONE : -1;
    return mc_calendar_to_utc(cal, mc_calendar_deadline(cal, mc_calendar_to_local(cal, t), d));
}

/* Whether a refusal was a rule's failure (it raised, is not loaded, ran past its limits), not
 * the model's (a guard that said no, a state the event does not leave). */
static bool rule_failed(const mc_result *res)
{
    return res->refusal == MC_REFUSED_RULE || res->refusal == MC_REFUSED_LIMIT;
}

/* Draws the next transition of the current state among those allowed now and fired at
 * fire_at, by chance; NULL when none is. */
static const mc_transition *draw(sim *s, const mc_procedure *p, const mc_state *st, int64_t fire_at,
                                 double u, int *rc, mc_error *err)
{
    if (mc_grow(&s->ok, &s->ok_cap, st->non, sizeof *s->ok) != 0) {
        *rc = mc_error_set(err, MC_ENOMEM, "out of memory");
        return NULL;
    }
    const mc_transition **ok = s->ok;
    size_t n = 0, without = 0;
    double with = 0;
    for (size_t i = 0; i < st->non; i++) {
        bool allowed = true;
        mc_result res;
        /* without `when` and without an extension of the time limit there is nothing to ask */
        int r = st->on[i].when.kind == MC_COND_ALWAYS && p->nextensions == 0
                    ? 0
                    : mc_live_allows(s->e, s->d, &st->on[i], fire_at, &allowed, &res, err);
        if (r == MC_EREFUSED) {
            note(s, "a rule failed in state '%s': %s", st->name, res.message);
            if (s->sink != NULL && rule_failed(&res)) {
                s->sink->st.rule_failures++;
            }
            continue;
        }
        if (r != 0) {
            *rc = r;
            return NULL;
        }
        if (allowed && st->on[i].nroles > 0) {
            ok[n++] = &st->on[i];
            without += !st->on[i].has_chance;
            with += st->on[i].has_chance ? (double)st->on[i].chance : 0;
        }
    }
    if (n == 0) {
        return NULL;
    }
    double hundred = 100.0 * (double)MC_FIXED_ONE;
    if (with > hundred) {
        note(s,
             "state '%s': the chances of the transitions allowed add up to more than 100%%; "
             "drawn in proportion",
             st->name);
    }
    double share = without ? (with < hundred ? (hundred - with) / (double)without : 0) : 0;
    double total = with + share * (double)without;
    if (total <= 0) {
        return ok[(size_t)(u * (double)n)];
    }
    double at = 0, x = u * total;
    for (size_t i = 0; i < n; i++) {
        at += ok[i]->has_chance ? (double)ok[i]->chance : share;
        if (x < at) {
            return ok[i];
        }
    }
    return ok[n - 1];
}

/* A timer of the state whose own chance is drawn: it fires before any event. */
static bool timer_forced(const mc_state *st, uint64_t *rng)
{
    bool forced = false;
    for (size_t i = 0; i < st->nafter; i++) {
        if (st->after[i].has_chance) {
            double u = mc_synth_unit(mc_synth_next(rng));
            forced |= u * 100.0 * (double)MC_FIXED_ONE < (double)st->after[i].chance;
        }
    }
    return forced;
}

/* Adds the counts and sums of one into x, not the histogram (a dossier's lead time goes into
 * the histograms as it ends: count_ending). */
static void add(mc_sim_stats *x, const mc_sim_stats *one)
{
    x->dossiers += one->dossiers;
    x->refused_at_submission += one->refused_at_submission;
    x->granted += one->granted;
    x->refused += one->refused;
    x->withdrawn += one->withdrawn;
    x->stopped += one->stopped;
    x->unfinished += one->unfinished;
    x->abolished += one->abolished;
    x->on_time += one->on_time;
    x->late += one->late;
    x->asked += one->asked;
    x->fetched += one->fetched;
    x->visits += one->visits;
    x->held_asks += one->held_asks;
    x->rule_failures += one->rule_failures;
    x->hours += one->hours;
    x->cost += one->cost;
    x->lead_n += one->lead_n;
    x->lead_wd += one->lead_wd;
    x->fees += one->fees;
    x->legal_cost += one->legal_cost;
    x->staff_wd += one->staff_wd;
    x->volume += one->volume;
    x->annual += one->annual;
    x->legal_annual += one->legal_annual;
    x->revenue += one->revenue;
    x->staff_days += one->staff_days;
}

void mc_sim_stats_add(mc_sim_stats *x, const mc_sim_stats *one)
{
    add(x, one);
    for (size_t i = 0; i <= MC_SIM_BINS; i++) {
        x->hist[i] += one->hist[i];
        x->hist_wd[i] += one->hist_wd[i];
    }
}

/* The applicant's hours and cost for one dossier (§8.1's formula, with the dossier's own
 * documents, fee and lead time as waiting), its fee, and its cost by the legal method (the
 * statutory time limit as waiting, as mc_cost_compute counts it). */
static void applicant_cost(sim *s, const mc_dossier *v, office_time lead, mc_sim_stats *one)
{
    one->fees = v->fee != MC_NONE ? v->fee : 0;
    const mc_cost_model *m = s->o->model;
    if (m == NULL) {
        return;
    }
    const mc_procedure *p = v->procedure;
    mc_cost_sum sum = MC_COST_SUM_INIT(m);
    if (v->fee != MC_NONE) {
        mc_cost_sum_fee(&sum, v->fee);
    }
    for (size_t i = 0; i < p->nrequires; i++) {
        if (v->requirements[i].status == MC_REQ_PROVIDED ||
            v->requirements[i].status == MC_REQ_ASKED) {
            mc_cost_sum_document(&sum, &p->requires[i], MC_FIXED_ONE, MC_FIXED_ONE);
        }
    }
    mc_cost_sum_visits(&sum, one->visits);
    mc_cost_sum legal = sum; /* the same sums so far, then the time limit as waiting */
    if (p->has_time_limit) {
        mc_cost_sum_wait(&legal, &p->time_limit);
    }
    mc_fixed legal_hours;
    mc_cost_sum_finish(&legal, &legal_hours, &one->legal_cost);
    if (lead.office > 0) {
        mc_cost_sum_wait_office(&sum, lead.office, lead.day);
    }
    mc_cost_sum_finish(&sum, &one->hours, &one->cost);
}

/* The slot of role in s->role_slots: its own, or the empty one where it would go. */
static struct role_slot *role_slot(const sim *s, const mc_role *role)
{
    size_t i = (size_t)(((uint64_t)(uintptr_t)role * UINT64_C(0x9e3779b97f4a7c15)) >> 32);
    for (;; i++) {
        struct role_slot *x = &s->role_slots[i & (s->role_cap - 1)];
        if (x->role == role || x->role == NULL) {
            return x;
        }
    }
}

/* Makes the table of the result's roles by address. */
static int role_table(sim *s, mc_error *err)
{
    size_t cap = 8;
    while (cap < 2 * s->out->nroles) {
        cap *= 2;
    }
    s->role_slots = mc_calloc(cap, sizeof *s->role_slots);
    if (s->role_slots == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    s->role_cap = cap;
    for (size_t r = 0; r < s->out->nroles; r++) {
        struct role_slot *x = role_slot(s, s->out->roles[r]);
        if (x->role == NULL) { /* a role listed twice keeps its first place, as a scan finds it */
            x->role = s->out->roles[r];
            x->index = r;
        }
    }
    return 0;
}

/* Counts the officer time of a step: office seconds spent in a state before tr fired, split
 * equally among the roles that may fire it that are not built in; none when only the applicant
 * or the system may. */
static void count_staff(sim *s, const mc_transition *tr, double wd, mc_sim_stats *one)
{
    size_t officers = 0;
    for (size_t i = 0; i < tr->nroles; i++) {
        officers += !tr->roles[i]->builtin;
    }
    if (officers == 0 || wd <= 0) {
        return;
    }
    one->staff_wd += wd;
    double each = wd / (double)officers;
    for (size_t i = 0; i < tr->nroles; i++) {
        const struct role_slot *x = tr->roles[i]->builtin ? NULL : role_slot(s, tr->roles[i]);
        if (x != NULL && x->role != NULL) {
            s->sink->role_wd[x->index] += each;
        }
    }
}

/* The transitions a dossier may take before it is abandoned. */
static int steps_allowed(const sim *s)
{
    return s->o->max_steps > 0 ? s->o->max_steps : 1000;
}

/* The party other than the applicant that field f identifies, or NULL (a few parties at most:
 * looked for in place, nothing allocated per dossier). */
static const mc_party *party_of(const mc_procedure *p, const mc_field *f)
{
    for (size_t k = 1; k < p->nparties; k++) {
        if (p->parties[k].field == f) {
            return &p->parties[k];
        }
    }
    return NULL;
}

/* The channel a dossier with key is filed by: drawn with p's `channels` shares from a key of its
 * own (the dossier's other draws stay put), or as mc_cost_channel says by the `online` level
 * when p declares none. */
static const char *channel_of(const mc_procedure *p, uint64_t key, bool *drawn)
{
    double sum = 0;
    for (int c = 0; c < MC_CHANNELS; c++) {
        sum += (double)p->channels[c];
    }
    *drawn = sum > 0;
    if (sum <= 0) {
        return mc_cost_channel(p);
    }
    double x = mc_synth_unit(mc_synth_hash("channel", key)) * sum, at = 0;
    int last = 0;
    for (int c = 0; c < MC_CHANNELS; c++) {
        if (p->channels[c] > 0) {
            last = c;
            at += (double)p->channels[c];
            if (x < at) {
                return mc_channel_names[c];
            }
        }
    }
    return mc_channel_names[last];
}

/* Submits dossier j of procedure p at t by channel, its fields drawn from key (day: the local
 * date of t) into d; notes, for the first dossier, the fields left empty or given neutral
 * values. Returns mc_live_submit's code (MC_EREFUSED with res filled when the engine refused
 * it). */
static int submit_synthetic(sim *s, mc_live *d, const mc_procedure *p, int64_t j, uint64_t key,
                            mc_date day, int64_t t, const char *channel, mc_result *res,
                            mc_error *err)
{
    size_t nf = 0;
    s->subject = -1;
    s->missed = false;
    if (mc_grow(&s->fields, &s->fields_cap, p->nfields, sizeof *s->fields) != 0 ||
        mc_grow(&s->field_text, &s->text_cap, p->nfields, sizeof *s->field_text) != 0) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < p->nfields; i++) {
        const mc_field *f = &p->fields[i];
        const mc_party *y = party_of(p, f);
        if (y != NULL && y->has_sample &&
            mc_synth_unit(mc_synth_hash("party", mc_synth_hash(f->name, key))) * 100.0 *
                    (double)MC_FIXED_ONE >=
                (double)y->sample) {
            continue; /* a dossier that does not name this party */
        }
        /* A party's identifier is drawn as the subject's is: its own person for each dossier. */
        mc_synth_kind kind = mc_synth_field(f, f == p->subject || y != NULL, key, day,
                                            s->field_text[nf], sizeof s->field_text[nf]);
        if (kind == MC_SYNTH_NONE) {
            if (j == 0) {
                note(s, "%s: field '%s' has no sample and is optional; dossiers leave it empty",
                     p->name, f->name);
            }
            continue;
        }
        if (f == p->subject) {
            s->subject = (int)nf;
        }
        if (kind == MC_SYNTH_NEUTRAL && j == 0) {
            note(s, "%s: field '%s' has no sample; dossiers get %s '%s'", p->name, f->name,
                 f->type == MC_FIELD_TEXT && f->pattern ? "values matching its pattern, such as"
                                                        : "the value",
                 s->field_text[nf]);
        }
        s->fields[nf] = (mc_kv){f->name, s->field_text[nf]};
        nf++;
    }
    mc_submit sub = {
        .procedure = p->name,
        .fields = s->fields,
        .nfields = nf,
        .channel = channel,
        .now = t,
    };
    return mc_live_submit(s->e, d, &sub, res, err);
}

/* The officer's request for a held document (`asks-held`): in a share of the dossiers of p that
 * have a fetched requirement (drawn from the dossier's key), the first role that is not built in
 * of the first transition of the initial state an officer fires, fires it at the dossier's
 * present asking for the first fetched document; the once-only rule refuses it, and the refusal
 * is counted (one.held_asks). A request the engine took is noted (the catalogue's model then
 * lets an officer ask for data the state holds). */
static int ask_held(sim *s, flight *x, mc_error *err)
{
    const mc_procedure *p = x->p;
    if (p->asks_held <= 0 ||
        mc_synth_unit(mc_synth_hash("asks-held", x->key)) * 100.0 * (double)MC_FIXED_ONE >=
            (double)p->asks_held) {
        return 0;
    }
    const char *doc = NULL;
    for (size_t i = 0; i < p->nrequires && doc == NULL; i++) {
        if (mc_live_req_status(x->d, i) == MC_REQ_FETCHED) {
            doc = p->requires[i].document->name;
        }
    }
    if (doc == NULL || p->machine.nstates == 0) {
        return 0;
    }
    const mc_state *st = p->machine.states[p->machine.initial];
    const mc_transition *tr = NULL;
    const mc_role *role = NULL;
    for (size_t i = 0; i < st->non && tr == NULL; i++) {
        for (size_t r = 0; r < st->on[i].nroles && role == NULL; r++) {
            if (!st->on[i].roles[r]->builtin) {
                tr = &st->on[i];
                role = st->on[i].roles[r];
            }
        }
    }
    if (tr == NULL) {
        note(s, "%s: no officer acts in state '%s': no request for a held document is simulated",
             p->name, st->name);
        return 0;
    }
    mc_fire f;
    memset(&f, 0, sizeof f);
    f.event = tr->event;
    f.role = role->name;
    f.payload.documents = &doc;
    f.payload.ndocuments = 1;
    f.now = x->t;
    mc_result res;
    int rc = mc_live_fire(s->e, x->d, &f, &res, err);
    if (rc == MC_EREFUSED) {
        x->one.held_asks++;
        if (strncmp(res.code, "once-only.", 10) != 0) {
            note(s, "%s: an officer's request for a held document was refused otherwise: %s",
                 p->name, res.message);
        }
        return 0;
    }
    if (rc == 0) {
        note(s, "%s: an officer's request for a held document was not refused (event '%s')",
             p->name, tr->event);
    }
    return rc;
}

static int run_parts(sim *s, flight *x, mc_error *err);

/* Dossier number j of the plan pl (number k) arrives at t into x (x->d its live dossier) and is
 * submitted; what the asks left the applicant brings along. 1: it is under way
 * (flight_advance); 0: refused at submission, counted into the shard at hand; or an error. */
static int flight_start(sim *s, flight *x, size_t k, const plan *pl, int64_t j, int64_t t,
                        mc_error *err)
{
    mc_live *d = x->d;
    memset(x, 0, offsetof(flight, next_free));
    memset(&x->one, 0, offsetof(mc_sim_stats, hist));
    x->d = d;
    x->k = k;
    x->pl = pl;
    x->j = j;
    x->apology_at = MC_NONE;
    const mc_procedure *p0 = pl->p;
    x->key = mc_synth_mix(pl->seed ^ (uint64_t)j);
    x->rng = x->key;
    x->t = t;
    mc_date day = mc_calendar_today(s->cal0, t);
    const mc_procedure *p = NULL; /* the version in force that day (mc_catalogue_procedure) */
    for (size_t i = 0; i < pl->nversions; i++) {
        if (!pl->versions[i]->has_effective || pl->versions[i]->effective <= day) {
            p = pl->versions[i];
        }
    }
    p = p ? p : p0;
    x->p = p;
    x->cal = p->calendar ? p->calendar : mc_calendar_builtin();

    mc_sim_stats *one = &x->one;
    one->dossiers = 1;
    bool drawn;
    const char *channel = channel_of(p, x->key, &drawn);
    mc_result res;
    int rc = submit_synthetic(s, d, p, j, x->key, day, t, channel, &res, err);
    if (s->subject >= 0) {
        x->info.business = mc_sim_subject_group(s->field_text[s->subject]) == MC_SIM_BUSINESS;
    }
    x->info.online = strcmp(channel, "online") == 0; /* the channel it files by */
    x->info.missed = s->missed;
    if (rc == MC_EREFUSED) {
        note(s, "%s: a synthetic applicant was refused at submission: %s", p->name, res.message);
        one->refused_at_submission = 1;
        one->rule_failures = rule_failed(&res);
        add(&s->sink->st, one);
        return 0;
    }
    if (rc != 0) {
        return rc;
    }
    for (size_t i = 0; i < p->nrequires; i++) {
        mc_req_status st = mc_live_req_status(d, i);
        one->asked += st == MC_REQ_ASKED;
        one->fetched += st == MC_REQ_FETCHED;
    }
    mc_live_provide_asked(d);
    /* filed online or by post: no trip to file it */
    one->visits =
        drawn && strcmp(channel, "counter") != 0 && p->visits > 0 ? p->visits - 1 : p->visits;
    rc = ask_held(s, x, err);
    if (rc == 0 && p->nparts > 0) {
        rc = run_parts(s, x, err);
    }
    return rc != 0 ? rc : 1;
}

/* Moves x on from its present until it ends (0) or waits on a drawn step (1: x->tr, when, office
 * and timer set; the step counted), catching up with the timers that come first (in the
 * officers' loop, s->staffed: returns 2 instead, x->timer set, for the loop to catch up at
 * x->timer + 1); an error code. */
static int flight_advance(sim *s, flight *x, mc_error *err)
{
    int max_steps = steps_allowed(s);
    int rc = 0;
    for (; x->steps < max_steps; x->steps++) {
        bool final;
        const mc_state *st = mc_live_state(x->d, &final); /* not the whole view: a step's cost */
        if (st == NULL) {
            return mc_error_set(err, MC_ENOTFOUND, "the simulated dossier is gone");
        }
        if (final) {
            return 0;
        }
        int64_t timer = mc_live_next_timer(x->d);
        bool forced = timer_forced(st, &x->rng);
        double u = mc_synth_unit(mc_synth_next(&x->rng)), w = mc_synth_unit(mc_synth_next(&x->rng));
        int64_t office;
        s->d = x->d; /* the dossier draw asks about */
        /* when one drawn now fires */
        int64_t at = after_takes(s, x->cal, st, x->t, w, &office);
        const mc_transition *tr = forced ? NULL : draw(s, x->p, st, at, u, &rc, err);
        if (rc != 0) {
            return rc;
        }
        int64_t when = tr ? at : MC_NONE;
        if (timer != MC_NONE && (tr == NULL || timer < when)) {
            if (s->staffed) { /* the officers' loop lets the timer fire in its turn */
                x->timer = timer;
                x->steps++;
                return 2;
            }
            if ((rc = mc_live_catch_up(s->e, x->d, timer + 1, err)) != 0) {
                return rc;
            }
            x->t = timer + 1;
            continue;
        }
        if (tr == NULL) {
            note(s, "%s: dossiers get stuck in state '%s' (no transition allowed, no timer)",
                 x->p->name, st->name);
            x->stuck = true;
            return 0;
        }
        x->st = st;
        x->tr = tr;
        x->when = when;
        x->office = office;
        x->timer = timer;
        x->steps++;
        return 1;
    }
    return 0;
}

/* The apology of a dossier that will be late (issue 23): when the step that started at the
 * dossier's present ends at `end`, after its due instant, and its lifecycle names who apologizes,
 * the first of those roles apologizes at the step's start, once, with the local date of `end` as
 * the new date. A refusal is noted, and no other apology is tried. */
static int apologize(sim *s, flight *x, int64_t end, mc_error *err)
{
    const mc_lifecycle *lc = x->p->lifecycle;
    if (x->apology_tried || lc == NULL || lc->napology_by == 0) {
        return 0;
    }
    int64_t due = mc_live_due(x->d);
    if (due == MC_NONE || end <= due) {
        return 0;
    }
    x->apology_tried = true;
    mc_apology a;
    memset(&a, 0, sizeof a);
    a.role = lc->apology_by[0]->name;
    a.new_date = mc_calendar_today(x->cal, end);
    a.reason = "simulated: the work ends after the due date";
    a.now = x->t;
    bool timely;
    mc_result res;
    int rc = mc_live_apologize(s->e, x->d, &a, &timely, &res, err);
    if (rc == MC_EREFUSED) {
        note(s, "%s: an apology for a late dossier was refused: %s", x->p->name, res.message);
        return 0;
    }
    if (rc != 0) {
        return rc;
    }
    x->apology_at = x->t;
    x->apology_timely = timely;
    return 0;
}

/* Fires the step x waits on at when (its apology first, when the step makes it late), counts the
 * officer time of its work (office seconds: x->office, measured now for wall-time takes), and
 * moves x's present to when. A refusal is noted. */
static int flight_fire(sim *s, flight *x, int64_t when, mc_error *err)
{
    const mc_transition *tr = x->tr;
    int rc = apologize(s, x, when, err);
    if (rc != 0) {
        return rc;
    }
    mc_fire f;
    memset(&f, 0, sizeof f);
    f.event = tr->event;
    f.role = tr->roles[0]->name;
    f.transition = tr;
    f.when_held = true; /* draw found its `when` to hold on the dossier as it stands */
    f.now = when;
    mc_result res;
    rc = mc_live_fire(s->e, x->d, &f, &res, err);
    if (rc == MC_EREFUSED) {
        note(s, "%s: '%s' was refused in state '%s': %s", x->p->name, tr->event, x->st->name,
             res.message);
        x->one.rule_failures += rule_failed(&res);
        rc = 0;
    } else if (rc != 0) {
        return rc;
    } else if (x->office != 0) {
        int64_t office = x->office;
        if (office < 0) {
            office = mc_calendar_office_seconds(x->cal, mc_calendar_to_local(x->cal, x->t),
                                                mc_calendar_to_local(x->cal, when));
        }
        count_staff(s, tr, (double)office / wd_seconds(s, x->cal), &x->one);
    }
    x->t = when;
    return 0;
}

/* Counts the dossier as it ended (v) into one, and its lead time into the histogram of x; notes
 * it when it did not finish. Returns its lead time (none when unfinished). */
static office_time count_ending(sim *s, const mc_procedure *p, const mc_dossier *v, bool stuck,
                                mc_sim_stats *x, mc_sim_stats *one)
{
    if (!v->final) {
        one->unfinished = 1;
        if (!stuck) {
            note(s, "%s: some dossiers did not reach a final state within %d transitions", p->name,
                 steps_allowed(s));
        }
        return (office_time){0, 0};
    }
    const mc_calendar *cal = p->calendar ? p->calendar : mc_calendar_builtin();
    office_time t = office_between(s, cal, v->submitted, v->finished);
    /* the one definition of a working-day lead time (report.h), as the indicators count it:
     * mc_report_lead_wd, from the office seconds just counted */
    s->lead = mc_report_lead_of(v->finished > v->submitted ? t.office : 0, s->day_seconds);
    s->lead_cal = cal;
    double lead = (double)s->lead / MC_FIXED_ONE;
    mc_outcome oc = v->state->outcome;
    one->granted += oc == MC_OUTCOME_GRANTED;
    one->refused += oc == MC_OUTCOME_REFUSED;
    one->withdrawn += oc == MC_OUTCOME_WITHDRAWN;
    one->stopped += oc == MC_OUTCOME_STOPPED;
    one->on_time += v->late != 1;
    one->late += v->late == 1;
    one->lead_n = 1;
    one->lead_wd = lead;
    size_t bin = (size_t)(lead * MC_SIM_BINS_PER_WD);
    bin = bin > MC_SIM_BINS ? MC_SIM_BINS : bin;
    x->hist[bin]++;
    x->hist_wd[bin] += lead;
    return t;
}

/* Whether v's time limit was extended (as the store's row says when its "extensions" are
 * written: once one is used). */
static bool extended(const mc_dossier *v)
{
    for (size_t i = 0; v->extensions_used != NULL && i < v->procedure->nextensions; i++) {
        if (v->extensions_used[i] > 0) {
            return true;
        }
    }
    return false;
}

/* Adds the ended dossier v to the indicators (SPEC §9), as a store's row would be. */
static int report_dossier(sim *s, const flight *x, const mc_dossier *v, mc_error *err)
{
    const mc_sim_stats *one = &x->one;
    mc_report_dossier facts = {
        .procedure = v->procedure,
        .channel = v->channel,
        .submitted = v->submitted,
        .final = v->final,
        .withdrawn = v->final && v->state->outcome == MC_OUTCOME_WITHDRAWN,
        .finished = v->final ? v->finished : MC_NONE,
        .late = v->late,
        .overdue = v->overdue,
        .clock_running = v->clock == MC_CLOCK_RUNNING,
        .due = v->due,
        .fetched = one->fetched,
        .asked = one->asked,
        .apology_at = x->apology_at,
        .apology_timely = x->apology_timely,
        .results = mc_live_issued(x->d),
        .blocked = one->held_asks,
        .extended = extended(v),
        /* the lead time count_ending counted, on the calendar the report counts it on */
        .has_lead = v->final && v->procedure->calendar == s->lead_cal,
        .lead = s->lead,
    };
    int rc = mc_report_add(s->rb, &facts);
    return rc != 0 ? mc_error_set(err, rc, "out of memory") : 0;
}

/* Counts the ended dossier x into the shard at hand (its figures, its lead time, the
 * indicators) and frees its place for the next. */
static int flight_end(sim *s, flight *x, mc_error *err)
{
    mc_dossier v;
    int rc = mc_live_view(x->d, &v);
    if (rc != 0) {
        return mc_error_set(err, rc, "out of memory");
    }
    mc_sim_stats *one = &x->one;
    office_time lead = count_ending(s, x->p, &v, x->stuck, &s->sink->st, one);
    applicant_cost(s, &v, lead, one);
    add(&s->sink->st, one);
    x->info.cost = one->cost;
    return report_dossier(s, x, &v, err);
}

/* Dossier number j of the plan pl: arrives, is submitted, driven to its end, and counted into
 * the shard at hand; what the pairing needs of it into *info. */
static int one_dossier(sim *s, const plan *pl, int64_t j, dossier_info *info, mc_error *err)
{
    int64_t span = (int64_t)YEAR_DAYS * MC_DAY_SECONDS;
    int64_t t = s->start + (int64_t)(((i128)span * (2 * j + 1)) / (2 * pl->n));
    flight *x = &s->one;
    x->d = s->d;
    int rc = flight_start(s, x, (size_t)(pl - s->plans), pl, j, t, err);
    while (rc == 1 && (rc = flight_advance(s, x, err)) == 1) {
        rc = flight_fire(s, x, x->when, err);
        rc = rc == 0 ? 1 : rc;
    }
    if (rc == 0 && x->one.refused_at_submission == 0) {
        rc = flight_end(s, x, err);
    }
    *info = x->info;
    return rc;
}

/* A part of an interconnected dossier (sim_parts.h): a flight of its own on d, submitted with
 * what the group gives it, driven to its end without officers' queues (docs/reform.md, "model
 * limits"); its rule failures count as the group's. */
static int drive_part(void *ud, mc_live *d, const mc_procedure *q, const mc_submit *sub,
                      uint64_t key, mc_result *res, double *staff_wd, int64_t *end, mc_error *err)
{
    sim *s = ud;
    int rc = mc_live_submit(s->e, d, sub, res, err);
    if (rc != 0) {
        s->sink->st.rule_failures += rc == MC_EREFUSED && rule_failed(res);
        return rc;
    }
    mc_live_provide_asked(d);
    flight x;
    memset(&x, 0, offsetof(flight, next_free));
    memset(&x.one, 0, offsetof(mc_sim_stats, hist));
    x.d = d;
    x.p = q;
    x.cal = q->calendar ? q->calendar : mc_calendar_builtin();
    x.key = x.rng = key;
    x.t = sub->now;
    x.apology_at = MC_NONE;
    bool staffed = s->staffed;
    mc_live *at_hand = s->d; /* flight_advance points s->d at the part */
    s->staffed = false;
    while ((rc = flight_advance(s, &x, err)) == 1 && (rc = flight_fire(s, &x, x.when, err)) == 0) {
    }
    s->staffed = staffed;
    s->d = at_hand;
    *staff_wd += x.one.staff_wd;
    s->sink->st.rule_failures += x.one.rule_failures;
    *end = x.t;
    return rc;
}

static void note_text(void *ud, const char *text)
{
    note(ud, "%s", text);
}

static void part_refused(void *ud, const mc_result *res)
{
    sim *s = ud;
    s->sink->st.rule_failures += rule_failed(res);
}

/* Runs the parts of the interconnected dossier x has just submitted (sim_parts.c), as one step
 * of x (its apology when they end after its due instant) that ends with the last part: x goes on
 * from there. */
static int run_parts(sim *s, flight *x, mc_error *err)
{
    mc_sim_parts_driver dr = {drive_part, part_refused, s};
    mc_sim_parts_end end;
    int rc = mc_sim_parts_run(s->e, s->cat, x->d, s->part_d, x->key, x->t, &dr, note_text, s->out,
                              &x->one.staff_wd, &end, err);
    if (rc == 0) {
        rc = apologize(s, x, end.at, err);
    }
    if (rc == 0) {
        rc = mc_live_end_parts(s->e, x->d, end.granted, end.late, end.at, err);
    }
    x->t = end.at;
    return rc;
}

/* ==== one side ========================================================================== */

/* sum × volume / n, rounded half up (n > 0). */
static int64_t per_year(int64_t sum, int64_t volume, int64_t n)
{
    i128 v = (i128)sum * volume;
    return (int64_t)(v >= 0 ? (v + n / 2) / n : -((-v + n / 2) / n));
}

/* Opens s's engine, live dossier and indicators on s->cat with rules. */
static int sim_engines(sim *s, mc_rules *rules, mc_error *err)
{
    mc_date from = s->o->from;
    int rc = mc_engine_open_volatile(&s->e, s->cat, rules, lookup, s, err);
    if (rc == 0 && (mc_live_new(&s->d) != 0 || mc_live_new(&s->part_d) != 0 ||
                    mc_report_begin(&s->rb, s->cat, from, from + 100 * YEAR_DAYS) != 0)) {
        rc = mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    return rc;
}

/* Frees what sim_engines opened and the room for a dossier. */
static void sim_engines_close(sim *s)
{
    mc_report_abandon(s->rb);
    s->rb = NULL;
    mc_live_free(s->d);
    mc_live_free(s->part_d);
    mc_engine_close(s->e);
    mc_free(s->field_text);
    mc_free(s->fields);
    mc_free(s->ok);
}

/* Opens one side of a run: cat simulated with o into out (zeroed first), its plans made, the
 * caller's thread's engines opened with rules. */
static int side_open(sim *s, const mc_catalogue *cat, mc_rules *rules, const mc_sim_opts *o,
                     mc_sim_result *out, mc_error *err)
{
    memset(out, 0, sizeof *out);
    memset(s, 0, sizeof *s);
    if (!o->year && o->dossiers <= 0) {
        return mc_error_set(err, MC_EUSAGE, "no dossier to simulate (give --dossiers N, N > 0)");
    }
    s->cat = cat;
    s->o = o;
    s->out = out;
    s->seed = mc_synth_mix(o->seed ^ UINT64_C(0x6d6f74637561));
    s->cal0 = mc_catalogue_default_calendar(cat) ? mc_catalogue_default_calendar(cat)
                                                 : mc_calendar_builtin();
    s->start = mc_calendar_to_utc(s->cal0, (mc_localtime)o->from * MC_DAY_SECONDS);
    out->total.name = "total";
    if (o->model == NULL) {
        note(s, "the catalogue has no default cost-model: applicant hours and cost are not "
                "computed (shown as 0)");
    }
    int rc = make_plans(s, &s->plans, &s->np, err);
    if (rc != 0) {
        return rc;
    }
    size_t nr;
    const mc_role *const *roles = mc_catalogue_roles(cat, &nr);
    out->procedures = mc_calloc(s->np, sizeof *out->procedures);
    out->roles = mc_calloc(nr ? nr : 1, sizeof *out->roles);
    out->staff_days = mc_calloc(nr ? nr : 1, sizeof *out->staff_days);
    if (out->procedures == NULL || out->roles == NULL || out->staff_days == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < nr; i++) {
        if (!roles[i]->builtin) {
            out->roles[out->nroles++] = roles[i];
        }
    }
    rc = role_table(s, err);
    for (size_t k = 0; rc == 0 && k < s->np; k++) {
        rc = mc_sim_parts_plan(out, cat, s->plans[k].p, o->from, err);
    }
    return rc == 0 ? sim_engines(s, rules, err) : rc;
}

/* Opens into w the engines of another thread for the side of from, with rules: the same
 * catalogue, options, plans and result (whose roles only it reads). */
static int side_worker(sim *w, const sim *from, mc_rules *rules, mc_error *err)
{
    memset(w, 0, sizeof *w);
    w->cat = from->cat;
    w->o = from->o;
    w->out = from->out;
    w->seed = from->seed;
    w->cal0 = from->cal0;
    w->start = from->start;
    w->plans = from->plans;
    w->np = from->np;
    w->total = from->total;
    w->role_slots = from->role_slots;
    w->role_cap = from->role_cap;
    return sim_engines(w, rules, err);
}

/* Closes one side: the indicators handed over when rc is 0, everything else freed; the result
 * too when rc is not 0. */
static int side_close(sim *s, int rc)
{
    if (s->out == NULL) {
        return rc;
    }
    if (rc == 0) {
        mc_report_end(s->rb, &s->out->indicators);
        s->rb = NULL;
    }
    sim_engines_close(s);
    mc_free(s->plans);
    mc_free(s->role_slots);
    if (rc != 0) {
        mc_sim_result_free(s->out);
    }
    return rc;
}

/* Adds one applicant's pair of dossiers to the groups of gains. */
static void count_gain(mc_sim_gain *g, const dossier_info *b, const dossier_info *r)
{
    mc_sim_group in[4] = {MC_SIM_ALL, b->business ? MC_SIM_BUSINESS : MC_SIM_CITIZEN,
                          b->online ? MC_SIM_ONLINE : MC_SIM_COUNTER,
                          r->missed ? MC_SIM_MISSED : MC_SIM_FOUND};
    int64_t change = r->cost - b->cost;
    for (int i = 0; i < 4; i++) {
        g[in[i]].dossiers++;
        g[in[i]].change += change;
        g[in[i]].rises += change > 0;
        g[in[i]].falls += change < 0;
    }
}

/* ==== the run: shards among threads ====================================================== */

typedef struct worker worker;

/* A run of one side or two in lockstep: its shards, in plan order and then by dossier number,
 * taken by the workers largest first; the progress said so far. */
/* An agency's dossiers: its plans (their numbers, in order), and what the run found. */
typedef struct group {
    const char *agency; /* NULL: procedures without one */
    const size_t *plans;
    size_t n;
    int64_t dossiers;
    mc_sim_pool *pools[2];
    size_t npools[2];
    int64_t peak[2];
} group;

typedef struct run {
    sim *sides[2]; /* the caller's: the baseline (or the one side), and the reform or NULL */
    mc_rules *rules;
    const mc_sim_opts *o;
    shard *shards;
    size_t nshards;
    size_t *order;      /* the shards largest first, ties in shard order */
    double *role_wd;    /* the shards' role_wd, and one row per side to add them up */
    atomic_size_t next; /* the place in order of the next shard to take */
    /* officers and queues: the shards are the plans, run by agency (run_group), in groups taken
     * in order */
    bool staffed;
    group *groups;
    size_t ngroups;
    size_t *group_plans;
    atomic_bool stop;   /* a worker failed: the others take no more */
    pthread_mutex_t lock; /* over done and the progress calls */
    int64_t done;
} run;

/* A thread's share: its sides (worker 0: the caller's; the others: own[], on rules of their own),
 * and how it failed (in shard failed; SIZE_MAX: before its first). */
struct worker {
    run *u;
    sim *s[2];
    sim own[2];
    mc_rules *rules;
    bool started; /* a thread of its own runs it */
    pthread_t thread;
    int rc;
    size_t failed;
    mc_error err;
};

/* The agency whose officers serve plan k of u (the baseline's version), or NULL. */
static const char *agency_of(const run *u, size_t k)
{
    const mc_procedure *p = u->sides[0]->plans[k].p;
    return p != NULL ? p->agency : NULL;
}

/* By agency (none last), then plan. */
static int by_agency(const void *a, const void *b, void *ud)
{
    const run *u = ud;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    const char *ax = agency_of(u, x), *ay = agency_of(u, y);
    int c = ax == NULL || ay == NULL ? (ax == NULL) - (ay == NULL) : strcmp(ax, ay);
    return c != 0 ? c : (x > y) - (x < y);
}

/* The groups of a staffed run (one shard per plan): the plans by agency, and the order the
 * workers take the groups in, most dossiers first (ties: in agency order). */
static int make_groups(run *u, mc_error *err)
{
    size_t n = u->nshards;
    u->group_plans = mc_calloc(n ? n : 1, sizeof *u->group_plans);
    u->groups = mc_calloc(n ? n : 1, sizeof *u->groups);
    if (u->group_plans == NULL || u->groups == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < n; k++) {
        u->group_plans[k] = k;
    }
    /* an insertion sort: a few hundred plans at most, and qsort_r is not standard C */
    for (size_t i = 1; i < n; i++) {
        size_t v = u->group_plans[i], at = i;
        while (at > 0 && by_agency(&u->group_plans[at - 1], &v, u) > 0) {
            u->group_plans[at] = u->group_plans[at - 1];
            at--;
        }
        u->group_plans[at] = v;
    }
    for (size_t i = 0; i < n; i++) {
        size_t k = u->group_plans[i];
        const char *a = agency_of(u, k);
        group *g = u->ngroups > 0 ? &u->groups[u->ngroups - 1] : NULL;
        if (g == NULL || (g->agency == NULL) != (a == NULL) ||
            (a != NULL && strcmp(g->agency, a) != 0)) {
            g = &u->groups[u->ngroups++];
            g->agency = a;
            g->plans = &u->group_plans[i];
        }
        g->n++;
        g->dossiers += u->sides[0]->plans[k].n;
    }
    for (size_t i = 0; i < u->ngroups; i++) {
        size_t at = i;
        while (at > 0 && u->groups[u->order[at - 1]].dossiers < u->groups[i].dossiers) {
            u->order[at] = u->order[at - 1];
            at--;
        }
        u->order[at] = i;
    }
    return 0;
}

/* The shards of u's plans: each plan's dossiers in runs of MC_SIM_SHARD (staffed: one shard a
 * plan, and the groups by agency), and the order the workers take them in. */
static int make_shards(run *u, mc_error *err)
{
    const sim *b = u->sides[0], *r = u->sides[1];
    size_t n = 0;
    for (size_t k = 0; k < b->np; k++) {
        n += u->staffed ? 1 : (size_t)((b->plans[k].n + MC_SIM_SHARD - 1) / MC_SIM_SHARD);
    }
    size_t nrb = b->out->nroles, nrr = r != NULL ? r->out->nroles : 0;
    u->shards = mc_calloc(n ? n : 1, sizeof *u->shards);
    u->order = mc_calloc(n ? n : 1, sizeof *u->order);
    u->role_wd = mc_calloc((n + 1) * (nrb + nrr) + 1, sizeof *u->role_wd);
    if (u->shards == NULL || u->order == NULL || u->role_wd == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    double *wd = u->role_wd;
    for (size_t k = 0; k < b->np; k++) {
        int64_t size = u->staffed ? b->plans[k].n : MC_SIM_SHARD;
        for (int64_t j = 0; j < b->plans[k].n || (u->staffed && j == 0); j += size) {
            shard *x = &u->shards[u->nshards++];
            x->k = k;
            x->j0 = j;
            x->j1 = b->plans[k].n - j > size ? j + size : b->plans[k].n;
            x->sums[0].role_wd = wd;
            x->sums[1].role_wd = wd + nrb;
            wd += nrb + nrr;
        }
    }
    if (u->staffed) {
        return make_groups(u, err);
    }
    /* largest first (a stable insertion: shards of one size keep their order) */
    for (size_t i = 0; i < u->nshards; i++) {
        size_t at = i;
        int64_t size = u->shards[i].j1 - u->shards[i].j0;
        while (at > 0 && u->shards[u->order[at - 1]].j1 - u->shards[u->order[at - 1]].j0 < size) {
            u->order[at] = u->order[at - 1];
            at--;
        }
        u->order[at] = i;
    }
    return 0;
}

/* Counts n more dossiers done, and says progress at each MC_SIM_PROGRESS passed. */
static void progress_add(run *u, int64_t n)
{
    if (n == 0) {
        return;
    }
    pthread_mutex_lock(&u->lock);
    int64_t before = u->done;
    u->done += n;
    for (int64_t at = (before / MC_SIM_PROGRESS + 1) * MC_SIM_PROGRESS;
         u->o->progress != NULL && at <= u->done; at += MC_SIM_PROGRESS) {
        u->o->progress(u->o->ud, at, u->sides[0]->total);
    }
    pthread_mutex_unlock(&u->lock);
}

/* Simulates the dossiers of shard x on w's sides, into its sums; *pending counts them for
 * progress. 0, 1 when another worker failed meanwhile, or an error code. */
static int run_shard(worker *w, shard *x, int64_t *pending, mc_error *err)
{
    sim *b = w->s[0], *r = w->s[1];
    const plan *pb = &b->plans[x->k], *pr = r != NULL ? &r->plans[x->k] : NULL;
    bool bk = pb->p != NULL, rk = pr != NULL && pr->p != NULL;
    b->sink = &x->sums[0];
    if (r != NULL) {
        r->sink = &x->sums[1];
    }
    int rc = 0;
    for (int64_t j = x->j0; rc == 0 && j < x->j1; j++) {
        dossier_info ib, ir;
        memset(&ir, 0, sizeof ir);
        rc = bk ? one_dossier(b, pb, j, &ib, err) : 0;
        if (rc == 0 && rk) {
            rc = one_dossier(r, pr, j, &ir, err);
        }
        if (rc == 0 && r != NULL && bk) {
            count_gain(x->sums[1].gains, &ib, &ir);
        }
        if (++*pending == PROGRESS_BATCH) {
            progress_add(w->u, *pending);
            *pending = 0;
            if (atomic_load(&w->u->stop)) {
                return 1;
            }
        }
    }
    if (rc == 0 && (x->sums[0].oom || x->sums[1].oom)) {
        rc = mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    return rc;
}

/* ==== officers and queues (issue 23) ======================================================
 *
 * When a catalogue staffs an agency (or gives one an arrivals pattern), a shard is a whole
 * agency's dossiers (every plan whose procedure the agency handles; those without an agency
 * make one more), simulated by one thread in time order: the dossiers arrive by the agency's
 * pattern (mc_arrivals_year_offset), many are under way at once, each on a live dossier of its
 * own from a pool of reusable ones, and a step whose transition is fired by a role the agency
 * staffs, with `takes` in working units, is a job of that role's officers (queue.h): it fires
 * when an officer has done it. Everything else waits as without staffing. Both sides of a pair
 * run in the same loop, so that a dossier's figures wait for its twin only while one of the two
 * is under way. The run is a function of the plans alone: the same whatever the threads. */

/* What a tag of the queue says: a flight's wake-up or job (its number and generation), or the
 * next arrival. */
#define TAG_ARRIVAL UINT64_MAX
static uint64_t flight_tag(uint32_t slot, uint32_t gen)
{
    return (uint64_t)gen << 32 | slot;
}

enum { W_STEP = 1, W_JOB, W_TIMER };

/* One side of a group under way. */
typedef struct loop {
    sim *s;
    run *u;
    group *g;
    int side;
    mc_queue *q;
    const mc_agency *agency; /* in the side's catalogue; NULL: none staffed */
    const mc_calendar *cal;  /* the pools' */
    uint32_t *pool_of;       /* by staff line: the pool's id */
    mc_arrivals_year year;
    int64_t *next_j; /* by plan of the group: its next dossier to arrive */
    int64_t next_at; /* the next arrival's instant (INT64_MAX: none left), of plan next_k */
    size_t next_k;
    flight **flights; /* by slot */
    size_t nflights, cap_flights;
    flight *free_flights;
    int64_t in_flight;
} loop;

/* The twins' figures waiting for each other (mc_sim_pair): an open-addressed table by plan and
 * dossier number. */
typedef struct twin {
    uint64_t key; /* 0: empty */
    int side;
    dossier_info info;
} twin;

typedef struct twins {
    twin *slots;
    size_t cap, n;
} twins;

static size_t twin_home(const twins *t, uint64_t key)
{
    return (size_t)((key * UINT64_C(0x9e3779b97f4a7c15)) >> 20) & (t->cap - 1);
}

/* Rehashes t into a table of twice the slots (grow.h's rule, from MC_GROW_MIN: a power of two,
 * as twin_home needs): 0, or MC_ENOMEM with t unchanged. */
static int twins_grow(twins *t)
{
    size_t cap;
    if (mc_grow_cap(t->cap, t->cap + 1, sizeof(twin), &cap) != 0) {
        return MC_ENOMEM;
    }
    twin *slots = mc_calloc(cap, sizeof *slots);
    if (slots == NULL) {
        return MC_ENOMEM;
    }
    twins old = *t;
    t->slots = slots;
    t->cap = cap;
    for (size_t i = 0; i < old.cap; i++) {
        if (old.slots[i].key != 0) {
            size_t h = twin_home(t, old.slots[i].key);
            while (t->slots[h].key != 0) {
                h = (h + 1) & (cap - 1);
            }
            t->slots[h] = old.slots[i];
        }
    }
    mc_free(old.slots);
    return 0;
}

/* The ended dossier j of plan k on side (its info) meets its twin: the pair counts into the gains
 * of the plan's shard when the twin ended already (or will never come: abolished by the reform),
 * else it waits for it. 0, or MC_ENOMEM. */
static int twins_meet(run *u, twins *t, size_t k, int64_t j, int side, const dossier_info *info)
{
    shard *x = &u->shards[k];
    const plan *pr = &u->sides[1]->plans[k];
    if (side == 0 && pr->p == NULL) {
        dossier_info none;
        memset(&none, 0, sizeof none);
        count_gain(x->sums[1].gains, info, &none);
        return 0;
    }
    uint64_t key = ((uint64_t)k << 40 | (uint64_t)j) + 1;
    if (t->cap == 0 && twins_grow(t) != 0) {
        return MC_ENOMEM;
    }
    size_t h = twin_home(t, key);
    while (t->slots[h].key != 0 && t->slots[h].key != key) {
        h = (h + 1) & (t->cap - 1);
    }
    if (t->slots[h].key == 0) {
        if (2 * (t->n + 1) > t->cap) {
            if (twins_grow(t) != 0) {
                return MC_ENOMEM;
            }
            return twins_meet(u, t, k, j, side, info);
        }
        t->slots[h] = (twin){key, side, *info};
        t->n++;
        return 0;
    }
    const dossier_info *b = side == 0 ? info : &t->slots[h].info;
    const dossier_info *r = side == 0 ? &t->slots[h].info : info;
    count_gain(x->sums[1].gains, b, r);
    /* removed, the entries after it moved back into the hole (linear probing) */
    size_t hole = h;
    for (size_t i = (h + 1) & (t->cap - 1); t->slots[i].key != 0; i = (i + 1) & (t->cap - 1)) {
        size_t home = twin_home(t, t->slots[i].key);
        if (((i - home) & (t->cap - 1)) >= ((i - hole) & (t->cap - 1))) {
            t->slots[hole] = t->slots[i];
            hole = i;
        }
    }
    t->slots[hole].key = 0;
    t->n--;
    return 0;
}

/* The instant dossier j of plan k (of the group's) arrives on l's side. */
static int64_t arrival_at(const loop *l, size_t k, int64_t j)
{
    return l->s->start + mc_arrivals_year_offset(&l->year, j, l->s->plans[k].n);
}

/* Finds the next arrival of l (the earliest; ties: the first plan) and asks the queue to wake
 * for it. */
static int next_arrival(loop *l, mc_error *err)
{
    const group *g = l->g;
    l->next_at = INT64_MAX;
    for (size_t i = 0; i < g->n; i++) {
        size_t k = g->plans[i];
        const plan *pl = &l->s->plans[k];
        if (pl->p == NULL || l->next_j[i] >= pl->n) {
            continue;
        }
        int64_t at = arrival_at(l, k, l->next_j[i]);
        if (at < l->next_at) {
            l->next_at = at;
            l->next_k = i;
        }
    }
    if (l->next_at == INT64_MAX) {
        return 0;
    }
    int64_t now = mc_queue_now(l->q);
    return mc_queue_wake(l->q, l->next_at > now ? l->next_at : now, TAG_ARRIVAL, err);
}

/* A flight for a new dossier: a free one, or a new one with its live dossier. NULL: out of
 * memory. */
static flight *flight_take(loop *l)
{
    if (l->free_flights == NULL) {
        if (mc_grow(&l->flights, &l->cap_flights, l->nflights + 1, sizeof *l->flights) != 0) {
            return NULL;
        }
        flight *x = mc_calloc(1, sizeof *x);
        if (x == NULL) {
            return NULL;
        }
        if (mc_live_new(&x->d) != 0) {
            mc_free(x);
            return NULL;
        }
        x->slot = (uint32_t)l->nflights;
        l->flights[l->nflights++] = x;
        l->free_flights = x;
    }
    flight *x = l->free_flights;
    l->free_flights = x->next_free;
    x->next_free = NULL;
    l->in_flight++;
    l->g->peak[l->side] = l->in_flight > l->g->peak[l->side] ? l->in_flight : l->g->peak[l->side];
    return x;
}

static void flight_give_back(loop *l, flight *x)
{
    x->gen++; /* its pending wake-ups are stale */
    x->next_free = l->free_flights;
    l->free_flights = x;
    l->in_flight--;
}

/* The pool of the officers who do the work of tr at l's agency, or -1 (not staffed: no queue). */
static int64_t pool_for(const loop *l, const mc_transition *tr)
{
    if (l->agency == NULL || tr->nroles == 0 || tr->roles[0]->builtin) {
        return -1;
    }
    for (size_t i = 0; i < l->agency->nstaff; i++) {
        const mc_role *r = l->agency->staff[i].role;
        if (r == tr->roles[0] || strcmp(r->name, tr->roles[0]->name) == 0) {
            return l->pool_of[i];
        }
    }
    return -1;
}

/* Moves flight x on from the loop's present (it arrived, or its step fired, or a timer caught up)
 * until it waits: on an officer's job, on its drawn step, or on a timer; or it ends, counted and
 * met with its twin. */
static int flight_go(loop *l, twins *tw, flight *x, mc_error *err)
{
    sim *s = l->s;
    int rc = flight_advance(s, x, err);
    if (rc < 0) {
        return rc;
    }
    uint64_t tag = flight_tag(x->slot, x->gen);
    if (rc == 0) {
        rc = flight_end(s, x, err);
        if (rc == 0 && l->u->sides[1] != NULL && l->u->sides[0]->plans[x->k].p != NULL) {
            if (twins_meet(l->u, tw, x->k, x->j, l->side, &x->info) != 0) {
                rc = mc_error_set(err, MC_ENOMEM, "out of memory");
            }
        }
        flight_give_back(l, x);
        return rc;
    }
    if (rc == 2) {
        x->wait = W_TIMER;
        return mc_queue_wake(l->q, x->timer + 1, tag, err);
    }
    int64_t pool = x->st->has_takes && x->office >= 0 ? pool_for(l, x->tr) : -1;
    if (pool < 0) {
        x->wait = W_STEP;
        return mc_queue_wake(l->q, x->when, tag, err);
    }
    x->wait = W_JOB;
    rc = mc_queue_arrive(l->q, (uint32_t)pool, mc_queue_now(l->q), x->office, tag, &x->job, err);
    if (rc == 0 && x->timer != MC_NONE) {
        rc = mc_queue_wake(l->q, x->timer + 1, tag, err);
    }
    return rc;
}

/* Handles ev, the next event of l's queue: an arrival, a step's end, a job done, a timer. */
static int loop_event(loop *l, twins *tw, const mc_queue_event *ev, int64_t *pending, mc_error *err)
{
    sim *s = l->s;
    int rc;
    if (ev->kind == MC_QUEUE_WAKE && ev->tag == TAG_ARRIVAL) {
        size_t k = l->g->plans[l->next_k];
        int64_t j = l->next_j[l->next_k]++;
        flight *x = flight_take(l);
        if (x == NULL) {
            return mc_error_set(err, MC_ENOMEM, "out of memory");
        }
        s->sink = &l->u->shards[k].sums[l->side];
        rc = flight_start(s, x, k, &s->plans[k], j, ev->at, err);
        x->side = l->side;
        if (rc == 1 && x->t > ev->at) { /* an interconnected dossier waits for its parts */
            x->wait = W_TIMER;
            rc = mc_queue_wake(l->q, x->t, flight_tag(x->slot, x->gen), err);
        } else if (rc == 1) {
            rc = flight_go(l, tw, x, err);
        } else {
            if (rc == 0 && l->u->sides[1] != NULL && l->u->sides[0]->plans[k].p != NULL &&
                twins_meet(l->u, tw, k, j, l->side, &x->info) != 0) {
                rc = mc_error_set(err, MC_ENOMEM, "out of memory");
            }
            flight_give_back(l, x);
        }
        if (rc == 0 && l->side == 0) {
            ++*pending;
        }
        return rc != 0 ? rc : next_arrival(l, err);
    }
    uint32_t slot = (uint32_t)ev->tag, gen = (uint32_t)(ev->tag >> 32);
    flight *x = slot < l->nflights ? l->flights[slot] : NULL;
    if (x == NULL || x->gen != gen) {
        return 0; /* stale: a timer's wake-up after the job was done, or the reverse */
    }
    s->sink = &l->u->shards[x->k].sums[l->side];
    x->gen++; /* its other wake-up, if any, is stale */
    /* the work is done, or the drawn time has passed: the step fires */
    if (ev->kind == MC_QUEUE_DONE || x->wait == W_STEP) {
        rc = flight_fire(s, x, ev->at, err);
        return rc != 0 ? rc : flight_go(l, tw, x, err);
    }
    /* a timer, due before the step's end (W_TIMER) or before an officer finished it (W_JOB: the
     * job is dropped) */
    if (x->wait == W_JOB && (rc = mc_queue_cancel(l->q, x->job, err)) != 0) {
        return rc;
    }
    if ((rc = mc_live_catch_up(s->e, x->d, ev->at, err)) != 0) {
        return rc;
    }
    x->t = ev->at;
    return flight_go(l, tw, x, err);
}

/* Opens l, side of group g of run u on s: its queue, a pool per `staff` line of the agency in the
 * side's catalogue (on the calendar of the group's first procedure that names one), its
 * arrivals, and the wake-up for the first. */
static int loop_open(loop *l, run *u, sim *s, int side, group *g, mc_error *err)
{
    memset(l, 0, sizeof *l);
    l->s = s;
    l->u = u;
    l->g = g;
    l->side = side;
    int rc = mc_queue_new(&l->q, err);
    if (rc != 0) {
        return rc;
    }
    l->next_j = mc_calloc(g->n ? g->n : 1, sizeof *l->next_j);
    if (l->next_j == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    const mc_calendar *cal = NULL;
    for (size_t i = 0; i < g->n && cal == NULL; i++) {
        const plan *pl = &s->plans[g->plans[i]];
        cal = pl->p != NULL ? pl->p->calendar : NULL;
    }
    l->cal = cal != NULL ? cal : mc_calendar_builtin();
    l->agency = g->agency != NULL ? mc_catalogue_agency(s->cat, g->agency) : NULL;
    mc_arrivals_year_init(&l->year, l->agency != NULL ? l->agency->arrivals : NULL, s->o->from,
                          YEAR_DAYS);
    if (l->agency != NULL && l->agency->nstaff > 0) {
        l->pool_of = mc_calloc(l->agency->nstaff, sizeof *l->pool_of);
        if (l->pool_of == NULL) {
            return mc_error_set(err, MC_ENOMEM, "out of memory");
        }
        for (size_t i = 0; i < l->agency->nstaff; i++) {
            rc = mc_queue_add_pool(l->q, l->agency->staff[i].officers, l->cal, &l->pool_of[i], err);
            if (rc != 0) {
                return rc;
            }
        }
    }
    return next_arrival(l, err);
}

/* Closes l: its pools' figures into its group when rc is 0; everything freed. */
static int loop_close(loop *l, int rc, mc_error *err)
{
    group *g = l->g;
    if (rc == 0 && l->pool_of != NULL) {
        size_t n = l->agency->nstaff;
        g->pools[l->side] = mc_calloc(n, sizeof *g->pools[l->side]);
        if (g->pools[l->side] == NULL) {
            rc = mc_error_set(err, MC_ENOMEM, "out of memory");
        } else {
            int64_t sec = mc_report_day_seconds(l->cal);
            double wd = sec > 0 ? (double)sec : MC_DAY_SECONDS;
            for (size_t i = 0; i < n; i++) {
                mc_queue_stats st;
                mc_queue_stats_of(l->q, l->pool_of[i], &st);
                g->pools[l->side][i] = (mc_sim_pool){
                    .agency = l->agency->name,
                    .role = l->agency->staff[i].role,
                    .officers = l->agency->staff[i].officers,
                    .jobs = st.served,
                    .utilisation = st.utilisation,
                    .mean_queue = st.mean_queue,
                    .max_queue = st.max_queue,
                    .mean_wait = st.mean_wait / wd,
                    .p90_wait = (double)mc_queue_wait_quantile(l->q, l->pool_of[i], 0.9) / wd,
                };
            }
            g->npools[l->side] = n;
        }
    }
    for (size_t i = 0; i < l->nflights; i++) {
        mc_live_free(l->flights[i]->d);
        mc_free(l->flights[i]);
    }
    mc_free(l->flights);
    mc_free(l->next_j);
    mc_free(l->pool_of);
    mc_queue_free(l->q);
    return rc;
}

/* Simulates group g on w's sides in one loop, in time order (ties: the baseline's first), into
 * its plans' shards; *pending counts the dossiers for progress. 0, 1 when another worker failed
 * meanwhile, or an error code. */
static int run_group(worker *w, group *g, int64_t *pending, mc_error *err)
{
    run *u = w->u;
    loop l[2];
    memset(l, 0, sizeof l);
    twins tw = {NULL, 0, 0};
    int nside = w->s[1] != NULL ? 2 : 1, opened = 0, rc = 0;
    mc_live *kept[2] = {NULL, NULL};
    for (int k = 0; k < nside && rc == 0; k++) {
        kept[k] = w->s[k]->d;
        w->s[k]->staffed = true;
        rc = loop_open(&l[k], u, w->s[k], k, g, err);
        opened++;
    }
    while (rc == 0) {
        int k = 0;
        int64_t at = mc_queue_peek(l[0].q);
        if (nside == 2 && mc_queue_peek(l[1].q) < at) {
            k = 1;
            at = mc_queue_peek(l[1].q);
        }
        if (at == INT64_MAX) {
            break;
        }
        mc_queue_event ev;
        int r = mc_queue_next(l[k].q, &ev, err);
        if (r < 0) {
            rc = r;
        } else if (r == 1) {
            rc = loop_event(&l[k], &tw, &ev, pending, err);
        }
        if (*pending >= PROGRESS_BATCH) {
            progress_add(u, *pending);
            *pending = 0;
            if (atomic_load(&u->stop)) {
                rc = rc != 0 ? rc : 1;
            }
        }
    }
    for (int k = 0; k < opened; k++) {
        w->s[k]->d = kept[k];
        w->s[k]->staffed = false;
        rc = loop_close(&l[k], rc, err);
    }
    mc_free(tw.slots);
    for (size_t i = 0; rc == 0 && i < g->n; i++) {
        const shard *x = &u->shards[g->plans[i]];
        if (x->sums[0].oom || x->sums[1].oom) {
            rc = mc_error_set(err, MC_ENOMEM, "out of memory");
        }
    }
    return rc;
}

/* Takes shards until there are none left or a worker failed. */
static void work(worker *w)
{
    run *u = w->u;
    int64_t pending = 0;
    while (!atomic_load(&u->stop)) {
        size_t i = atomic_fetch_add(&u->next, 1);
        if (i >= (u->staffed ? u->ngroups : u->nshards)) {
            break;
        }
        int rc = u->staffed ? run_group(w, &u->groups[u->order[i]], &pending, &w->err)
                            : run_shard(w, &u->shards[u->order[i]], &pending, &w->err);
        if (rc < 0) {
            w->rc = rc;
            w->failed = u->order[i];
            atomic_store(&u->stop, true);
        }
    }
    progress_add(u, pending);
}

/* A thread of its own: its rules and engines, then shards. */
static void *worker_main(void *arg)
{
    worker *w = arg;
    run *u = w->u;
    const mc_sim_opts *o = u->o;
    int rc = u->rules != NULL ? o->open_rules(o->rules_ud, &w->rules, &w->err) : 0;
    for (int k = 0; k < 2 && rc == 0 && u->sides[k] != NULL; k++) {
        w->s[k] = &w->own[k];
        rc = side_worker(&w->own[k], u->sides[k], w->rules, &w->err);
    }
    if (rc != 0) {
        w->rc = rc < 0 ? rc : MC_EINTERNAL;
        atomic_store(&u->stop, true);
        return NULL;
    }
    work(w);
    return NULL;
}

/* Adds the shards' sums of one side (0: the baseline, 1: the reform) into its result, in shard
 * order: the procedures, their year, the total, the staff-days by role, the notes, the gains. */
static void merge_side(run *u, int side)
{
    sim *s = u->sides[side];
    mc_sim_result *out = s->out;
    size_t nr = out->nroles;
    double *role_wd = u->role_wd + u->nshards * (u->sides[0]->out->nroles +
                                                (u->sides[1] ? u->sides[1]->out->nroles : 0));
    size_t i = 0;
    for (size_t k = 0; k < s->np; k++) {
        mc_sim_stats *x = &out->procedures[k];
        memset(role_wd, 0, (nr ? nr : 1) * sizeof *role_wd);
        for (; i < u->nshards && u->shards[i].k == k; i++) {
            const shard_sums *y = &u->shards[i].sums[side];
            mc_sim_stats_add(x, &y->st);
            for (size_t r = 0; r < nr; r++) {
                role_wd[r] += y->role_wd[r];
            }
            for (size_t at = 0; at < y->notes_len; at += strlen(y->notes + at) + 1) {
                notes_put(out->notes, sizeof out->notes, y->notes + at);
            }
            if (y->notes_full) {
                notes_put(out->notes, sizeof out->notes, more_notes);
            }
            for (int g = 0; g < MC_SIM_NGROUPS; g++) {
                out->gains[g].dossiers += y->gains[g].dossiers;
                out->gains[g].change += y->gains[g].change;
                out->gains[g].rises += y->gains[g].rises;
                out->gains[g].falls += y->gains[g].falls;
            }
        }
        x->name = s->plans[k].name;
        int64_t n = s->plans[k].n;
        if (s->plans[k].p == NULL) {
            /* abolished: its applicants need no procedure any more */
            x->dossiers = x->abolished = n;
        } else if (x->dossiers > 0) {
            int64_t vol = s->plans[k].volume;
            n = x->dossiers;
            x->volume = vol;
            x->annual = per_year(x->cost, vol, n);
            x->legal_annual = per_year(x->legal_cost, vol, n);
            x->revenue = per_year(x->fees, vol, n);
            x->staff_days = x->staff_wd * (double)vol / (double)n;
            for (size_t r = 0; r < nr; r++) {
                out->staff_days[r] += role_wd[r] * (double)vol / (double)n;
            }
        }
        mc_sim_stats_add(&out->total, x);
    }
    out->nprocedures = s->np;
    if (u->staffed) {
        out->staffed = true;
        for (size_t gi = 0; gi < u->ngroups; gi++) {
            const group *g = &u->groups[gi];
            if (g->npools[side] > 0) {
                memcpy(out->pools + out->npools, g->pools[side],
                       g->npools[side] * sizeof *out->pools);
                out->npools += g->npools[side];
            }
            out->peak_in_flight =
                g->peak[side] > out->peak_in_flight ? g->peak[side] : out->peak_in_flight;
        }
    }
}

/* Room in each side's result for the pools the groups found. 0, or MC_ENOMEM. */
static int pools_room(run *u, mc_error *err)
{
    for (int side = 0; side < 2 && u->sides[side] != NULL; side++) {
        size_t n = 0;
        for (size_t i = 0; i < u->ngroups; i++) {
            n += u->groups[i].npools[side];
        }
        mc_sim_result *out = u->sides[side]->out;
        out->pools = mc_calloc(n ? n : 1, sizeof *out->pools);
        if (out->pools == NULL) {
            return mc_error_set(err, MC_ENOMEM, "out of memory");
        }
    }
    return 0;
}

/* Whether cat staffs an agency or gives one an arrivals pattern: the officers' loop runs it. */
static bool staffed(const mc_catalogue *cat)
{
    if (cat == NULL) {
        return false;
    }
    if (mc_catalogue_staffed(cat)) {
        return true;
    }
    size_t n;
    const mc_agency *const *a = mc_catalogue_agencies(cat, &n);
    for (size_t i = 0; i < n; i++) {
        if (a[i]->arrivals != NULL) {
            return true;
        }
    }
    return false;
}

/* The error of the run: the first failed shard's (in shard order), else a worker's that could
 * not start; 0 when none failed. */
static int run_error(worker *ws, size_t n, mc_error *err)
{
    worker *first = NULL;
    for (size_t i = 0; i < n; i++) {
        if (ws[i].rc != 0 && (first == NULL || ws[i].failed < first->failed)) {
            first = &ws[i];
        }
    }
    if (first != NULL && err != NULL) {
        *err = first->err;
    }
    return first != NULL ? first->rc : 0;
}

/* Runs one side (r NULL) or two in lockstep, shard by shard, on o->jobs threads (rules: the
 * caller's thread's; the others open their own), then adds the shards up. */
static int run_sides(sim *b, sim *r, mc_rules *rules, mc_error *err)
{
    const mc_sim_opts *o = b->o;
    run u;
    memset(&u, 0, sizeof u);
    u.sides[0] = b;
    u.sides[1] = r;
    u.rules = rules;
    u.o = o;
    atomic_init(&u.next, 0);
    atomic_init(&u.stop, false);
    u.staffed = staffed(b->cat) || (r != NULL && staffed(r->cat));
    int rc = make_shards(&u, err);
    size_t nw = o->jobs > 1 && (rules == NULL || o->open_rules != NULL) ? (size_t)o->jobs : 1;
    size_t units = u.staffed ? u.ngroups : u.nshards;
    nw = nw < units ? nw : (units ? units : 1);
    worker *ws = rc == 0 ? mc_calloc(nw, sizeof *ws) : NULL;
    if (rc == 0 && ws == NULL) {
        rc = mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    if (rc == 0 && pthread_mutex_init(&u.lock, NULL) != 0) {
        rc = mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    if (rc == 0) {
        for (size_t i = 0; i < nw; i++) {
            ws[i].u = &u;
            ws[i].failed = SIZE_MAX;
            mc_error_clear(&ws[i].err);
        }
        ws[0].s[0] = b;
        ws[0].s[1] = r;
        /* a thread that cannot start leaves its share to the others */
        for (size_t i = 1; i < nw; i++) {
            ws[i].started = pthread_create(&ws[i].thread, NULL, worker_main, &ws[i]) == 0;
        }
        work(&ws[0]);
        for (size_t i = 1; i < nw; i++) {
            if (ws[i].started) {
                pthread_join(ws[i].thread, NULL);
            }
        }
        pthread_mutex_destroy(&u.lock);
        rc = run_error(ws, nw, err);
    }
    /* the indicators of the other threads into the caller's */
    for (size_t i = 1; rc == 0 && i < nw; i++) {
        for (int k = 0; rc == 0 && k < 2 && ws[i].s[k] != NULL; k++) {
            if (mc_report_merge(u.sides[k]->rb, ws[i].s[k]->rb) != 0) {
                rc = mc_error_set(err, MC_ENOMEM, "out of memory");
            }
        }
    }
    if (rc == 0 && u.staffed) {
        rc = pools_room(&u, err);
    }
    if (rc == 0) {
        merge_side(&u, 0);
        if (r != NULL) {
            merge_side(&u, 1);
        }
        if (o->progress) {
            o->progress(o->ud, u.done, b->total);
        }
    }
    for (size_t i = 1; ws != NULL && i < nw; i++) {
        for (int k = 0; k < 2; k++) {
            if (ws[i].s[k] != NULL) {
                sim_engines_close(ws[i].s[k]);
            }
        }
        mc_rules_free(ws[i].rules);
    }
    mc_free(ws);
    for (size_t i = 0; i < u.nshards; i++) {
        mc_free(u.shards[i].sums[0].notes);
        mc_free(u.shards[i].sums[1].notes);
    }
    for (size_t i = 0; i < u.ngroups; i++) {
        mc_free(u.groups[i].pools[0]);
        mc_free(u.groups[i].pools[1]);
    }
    mc_free(u.groups);
    mc_free(u.group_plans);
    mc_free(u.shards);
    mc_free(u.order);
    mc_free(u.role_wd);
    b->sink = NULL;
    if (r != NULL) {
        r->sink = NULL;
    }
    return rc;
}

int mc_sim_run(const mc_catalogue *cat, mc_rules *rules, const mc_sim_opts *o, mc_sim_result *out,
               mc_error *err)
{
    sim s;
    int rc = side_open(&s, cat, rules, o, out, err);
    if (rc == 0) {
        rc = run_sides(&s, NULL, rules, err);
    }
    return side_close(&s, rc);
}

int mc_sim_pair(const mc_catalogue *base, const mc_catalogue *reformed, mc_rules *rules,
                const mc_sim_opts *o, mc_sim_result *b, mc_sim_result *r, mc_error *err)
{
    mc_sim_opts ob = *o, or = *o;
    ob.split_by = NULL;
    or.split_by = base; /* the same applicants: the baseline's split */
    sim sb, sr;
    memset(&sr, 0, sizeof sr);
    memset(r, 0, sizeof *r);
    int rc = side_open(&sb, base, rules, &ob, b, err);
    if (rc == 0) {
        rc = side_open(&sr, reformed, rules, &or, r, err);
    }
    if (rc == 0 && sr.np != sb.np) {
        rc = mc_error_set(err, MC_EUSAGE, "the reform's plan differs from the baseline's");
    }
    if (rc == 0) {
        r->paired = true;
        rc = run_sides(&sb, &sr, rules, err);
    }
    side_close(&sb, rc);
    return side_close(&sr, rc);
}

void mc_sim_result_free(mc_sim_result *r)
{
    mc_free(r->procedures);
    mc_free(r->roles);
    mc_free(r->staff_days);
    mc_free(r->pools);
    mc_sim_parts_free(r);
    mc_report_free(&r->indicators);
    memset(r, 0, sizeof *r);
}

double mc_sim_percentile(const mc_sim_stats *s, double q)
{
    int64_t n = 0;
    for (size_t i = 0; i <= MC_SIM_BINS; i++) {
        n += s->hist[i];
    }
    if (n == 0) {
        return -1;
    }
    double want = q * (double)n;
    int64_t seen = 0;
    for (size_t i = 0; i < MC_SIM_BINS; i++) {
        seen += s->hist[i];
        if ((double)seen >= want && seen > 0) {
            /* the mean of the bin: a value inside it, exact when its dossiers agree */
            return s->hist_wd[i] / (double)s->hist[i];
        }
    }
    return -1;
}

mc_sim_figures mc_sim_figures_of(const mc_sim_stats *x)
{
    mc_sim_figures f;
    memset(&f, 0, sizeof f);
    double n = x->dossiers > 0 ? (double)x->dossiers : 1;
    f.dossiers = x->dossiers;
    f.finished = x->granted + x->refused + x->withdrawn + x->stopped;
    f.unfinished = x->unfinished;
    f.abolished = x->abolished;
    f.refused_at_submission = x->refused_at_submission;
    f.asked = (double)x->asked / n;
    f.fetched = (double)x->fetched / n;
    f.visits = (double)x->visits / n;
    f.hours = (double)x->hours / (double)MC_FIXED_ONE / n;
    f.cost = (double)x->cost / n;
    f.lead_mean = x->lead_n ? x->lead_wd / (double)x->lead_n : MC_SIM_NONE;
    f.p50 = x->lead_n ? mc_sim_percentile(x, 0.5) : MC_SIM_NONE;
    f.p90 = x->lead_n ? mc_sim_percentile(x, 0.9) : MC_SIM_NONE;
    f.p50 = x->lead_n && f.p50 < 0 ? MC_SIM_PAST : f.p50;
    f.p90 = x->lead_n && f.p90 < 0 ? MC_SIM_PAST : f.p90;
    int64_t ended = x->on_time + x->late;
    f.on_time = ended ? 100.0 * (double)x->on_time / (double)ended : MC_SIM_NONE;
    f.annual = (double)x->annual;
    f.legal_annual = (double)x->legal_annual;
    f.revenue = (double)x->revenue;
    f.staff_days = x->staff_days;
    f.volume = x->volume;
    return f;
}

bool mc_sim_change(double base, double reform, double *pct)
{
    if (base <= 0 || reform < 0) {
        return false;
    }
    *pct = 100.0 * (reform - base) / base;
    return true;
}

bool mc_sim_change_points(double base, double reform, double *pts)
{
    if (base == MC_SIM_NONE || reform == MC_SIM_NONE) {
        return false;
    }
    *pts = reform - base;
    return true;
}

double mc_sim_gain_mean(const mc_sim_gain *x)
{
    if (x->dossiers == 0) {
        return 0;
    }
    double m = (double)x->change / (double)x->dossiers;
    return (double)(long long)(m * 100 + (m < 0 ? -0.5 : 0.5)) / 100;
}

double mc_sim_parts_late_pct(const mc_sim_parts_row *x)
{
    return x->started > 0 ? 100.0 * (double)x->late / (double)x->started : 0.0;
}

void mc_sim_lead_shares(const mc_sim_stats *x, double *out, size_t n)
{
    int64_t finished = 0;
    memset(out, 0, n * sizeof *out);
    for (size_t i = 0; i <= MC_SIM_BINS; i++) {
        size_t day = i / MC_SIM_BINS_PER_WD;
        out[day < n - 1 ? day : n - 1] += (double)x->hist[i];
        finished += x->hist[i];
    }
    for (size_t d = 0; d < n; d++) {
        out[d] = finished ? 100.0 * out[d] / (double)finished : 0;
    }
}

int64_t mc_sim_year_dossiers(const mc_catalogue *cat)
{
    size_t n;
    const mc_procedure *const *all = mc_catalogue_procedures(cat, &n);
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        sum += all[i]->has_volume && (i == 0 || strcmp(all[i]->name, all[i - 1]->name))
                   ? all[i]->volume
                   : 0;
    }
    return sum;
}

const char *const mc_sim_group_names[MC_SIM_NGROUPS] = {
    "all", "citizen", "business", "online", "counter", "found in registries", "missed by a registry",
};

mc_sim_group mc_sim_subject_group(const char *subject)
{
    size_t digits = 0, n = strlen(subject);
    for (size_t i = 0; i < n; i++) {
        if (subject[i] >= '0' && subject[i] <= '9') {
            digits++;
        } else if (!(subject[i] == '-' && i == 10 && n == 14)) {
            return MC_SIM_CITIZEN; /* not an enterprise code (a dash only as 0123456789-001) */
        }
    }
    return digits == 10 || digits == 13 ? MC_SIM_BUSINESS : MC_SIM_CITIZEN;
}

double mc_sim_t975(size_t df)
{
    static const double t[31] = {0,      12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365,
                                 2.306,  2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
                                 2.120,  2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069,
                                 2.064,  2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
    /* beyond 30: between the tabled 30, 40, 60, 120 and infinity, linear in 1/df */
    static const struct {
        double df, t;
    } far[] = {{30, 2.042}, {40, 2.021}, {60, 2.000}, {120, 1.980}, {INFINITY, 1.960}};
    if (df == 0) {
        return INFINITY;
    }
    if (df <= 30) {
        return t[df];
    }
    double x = 1.0 / (double)df;
    for (size_t i = 0; i + 1 < sizeof far / sizeof far[0]; i++) {
        double a = 1.0 / far[i].df, b = 1.0 / far[i + 1].df;
        if (x <= a && x >= b) {
            return far[i + 1].t + (far[i].t - far[i + 1].t) * (x - b) / (a - b);
        }
    }
    return 1.960;
}

void mc_sim_interval(const double *x, size_t k, double *mean, double *half)
{
    double sum = 0;
    for (size_t i = 0; i < k; i++) {
        sum += x[i];
    }
    *mean = k ? sum / (double)k : 0;
    *half = 0;
    if (k < 2) {
        return;
    }
    double ss = 0;
    for (size_t i = 0; i < k; i++) {
        ss += (x[i] - *mean) * (x[i] - *mean);
    }
    double sd = sqrt(ss / (double)(k - 1));
    *half = mc_sim_t975(k - 1) * sd / sqrt((double)k);
}
