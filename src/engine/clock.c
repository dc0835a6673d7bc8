/* The statutory clock of a dossier (SPEC §4.6): starting, pausing and resuming it, timers,
 * overdue marks, and entering a state. */
#include "engine_int.h"

#include <stdio.h>
#include <string.h>

/* ==== clock, timers and states =========================================================== */


/* The due instant of a clock started at `at`. A limit in whole days counts from the day
 * mc_calendar_start_day gives and ends at that day's close, whatever the instant: with an
 * engine (e not NULL) the answer for the day is kept, and the dossiers started on it after the
 * first are not counted again. */
static int64_t start_clock(mc_engine *e, const mce_dos *d, int64_t at)
{
    if (!d->p->has_time_limit) {
        return MC_NONE;
    }
    mc_duration limit = d->p->time_limit;
    mc_localtime t = mce_loc(d, at);
    if (e == NULL || (limit.unit != MC_DUR_WD && limit.unit != MC_DUR_D) ||
        limit.amount % MC_FIXED_ONE != 0) {
        return mce_utc(d, mc_calendar_deadline(d->cal, t, limit));
    }
    const mc_calendar *cal = d->cal != NULL ? d->cal : mc_calendar_builtin();
    mc_date from = mc_calendar_start_day(cal, t);
    if (e->due_cal != cal || e->due_from != from || e->due_limit.unit != limit.unit ||
        e->due_limit.amount != limit.amount) {
        e->due_at = mc_calendar_deadline(cal, t, limit);
        e->due_cal = cal;
        e->due_from = from;
        e->due_limit = limit;
    }
    return mce_utc(d, e->due_at);
}

/* What is left of the limit when the clock pauses at `at` (§4.6): days for d and wd limits,
 * seconds of office or wall time for the others. */
static int64_t time_left(const mce_dos *d, int64_t at)
{
    mc_localtime a = mce_loc(d, at), due = mce_loc(d, d->row.due);
    mc_date ad = mc_calendar_date(a), dd = mc_calendar_date(due);
    switch (d->p->time_limit.unit) {
    case MC_DUR_WD:
        return mc_calendar_working_days(d->cal, ad, dd);
    case MC_DUR_D:
        return dd > ad ? dd - ad : 0;
    case MC_DUR_WH:
        return mc_calendar_office_seconds(d->cal, a, due);
    default:
        return due > a ? due - a : 0;
    }
}

static int64_t resume_clock(const mce_dos *d, int64_t at, int64_t left)
{
    mc_duration rest = d->p->time_limit;
    switch (rest.unit) {
    case MC_DUR_WD:
    case MC_DUR_D:
        rest.amount = left * MC_FIXED_ONE;
        break;
    case MC_DUR_WH:
        rest.amount = left * MC_FIXED_ONE / 3600;
        break;
    default:
        return at + left;
    }
    return mce_utc(d, mc_calendar_deadline(d->cal, mce_loc(d, at), rest));
}

int64_t mce_due_on(const mce_dos *d, const mc_calendar *cal)
{
    if (!d->has_basis || d->clk != MC_CLOCK_RUNNING || d->row.due == MC_NONE || d->row.overdue) {
        return MC_NONE;
    }
    mce_dos t = *d; /* a view on cal: the counting reads p, cal and the row only */
    t.cal = cal != NULL ? cal : mc_calendar_builtin();
    return d->due_left == MC_NONE ? start_clock(NULL, &t, d->due_from)
                                  : resume_clock(&t, d->due_from, d->due_left);
}

/* The instant the earliest timer of the current state fires, and which one. */
int64_t mce_next_timer(const mce_dos *d, size_t *which)
{
    const mc_state *s = mce_cur(d);
    int64_t best = MC_NONE;
    for (size_t i = 0; !d->row.final && i < s->nafter; i++) {
        int64_t t =
            mce_utc(d, mc_calendar_deadline(d->cal, mce_loc(d, d->row.entered), s->after[i].after));
        if (best == MC_NONE || t < best) {
            best = t;
            *which = i;
        }
    }
    return best;
}

int mce_uncovered(const mce_dos *d)
{
    size_t which;
    if (d->cal->first_year == 0) {
        return 0; /* the calendar does not say which years it covers: nothing to flag */
    }
    int64_t timer = mce_next_timer(d, &which), last = d->row.due;
    if (last == MC_NONE || (timer != MC_NONE && timer > last)) {
        last = timer;
    }
    if (last == MC_NONE || d->row.submitted == MC_NONE) {
        return 0;
    }
    return mc_calendar_uncovered(d->cal, mc_calendar_date(mce_loc(d, d->row.submitted)),
                                 mc_calendar_date(mce_loc(d, last)));
}


static int64_t overdue_at(const mce_dos *d)
{
    return mce_clock_running(d) && d->row.due != MC_NONE && !d->row.overdue ? d->row.due : MC_NONE;
}

/* The earliest next try of a requirement waiting for its live registry, or MC_NONE. */
static int64_t next_try(const mce_dos *d)
{
    int64_t t = MC_NONE;
    for (size_t i = 0; !d->row.final && i < d->p->nrequires; i++) {
        if (mce_waiting(&d->reqs[i]) && (t == MC_NONE || d->reqs[i].wait_next < t)) {
            t = d->reqs[i].wait_next;
        }
    }
    return t;
}

/* The row's wake instant from the next timer t and the instant o it becomes overdue, as
 * mce_next_timer and overdue_at say now: the earliest of them and of the next try. */
static void set_wake(mce_dos *d, int64_t t, int64_t o)
{
    if (d->events == NULL) {
        return; /* a volatile dossier: no store schedules its wake */
    }
    int64_t r = next_try(d);
    int64_t w = t == MC_NONE ? o : (o == MC_NONE || t < o ? t : o);
    d->row.wake = w == MC_NONE ? r : (r == MC_NONE || w < r ? w : r);
}

void mce_update_wake(mce_dos *d)
{
    if (d->events == NULL) {
        return; /* as set_wake */
    }
    size_t which;
    set_wake(d, mce_next_timer(d, &which), overdue_at(d));
}

bool mce_retry_due(const mce_dos *d, int64_t now)
{
    int64_t r = next_try(d);
    return r != MC_NONE && r < now;
}

/* Adds {registry, document, reason} to the "not-issued" list of the last queued event. */
static int not_issued(mce_dos *d, const char *registry, const char *document, const char *reason)
{
    json_t *last = d->events ? json_array_get(d->events, json_array_size(d->events) - 1) : NULL;
    json_t *body = json_object_get(last, "body");
    if (body == NULL) {
        return 0;
    }
    json_t *list = json_object_get(body, "not-issued");
    if (list == NULL) {
        list = json_array();
        if (list == NULL || json_object_set_new(body, "not-issued", list) != 0) {
            return MC_ENOMEM;
        }
    }
    json_t *item =
        json_pack("{s:s, s:s, s:s}", "registry", registry, "document", document, "reason", reason);
    return item != NULL && json_array_append_new(list, item) == 0 ? 0 : MC_ENOMEM;
}

/* Files the record of issue `is` under the identifier `who` of one of its parties: 1 when it
 * is filed (a volatile engine only counts it), 0 when the registry's `subjects` refuse `who`
 * (the event says why), or an error. */
static int issue_one(mc_engine *e, mce_dos *d, const mc_issue *is, const char *party,
                     const char *who, int64_t at, mc_error *err)
{
    if (e->st == NULL) {
        return 1; /* a volatile engine keeps no issued record (§8.2) */
    }
    const mc_registry *reg = is->registry;
    mc_error serr;
    mc_error_clear(&serr);
    int check = mc_registry_check_subject(reg, who, strlen(who), &serr);
    if (check == MC_ENOMEM) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    if (check != 0) {
        /* A result is never filed under an identifier its registry does not use; the event
         * that entered the state says why it was not. */
        int rc = not_issued(d, reg->name, is->document->name, serr.msg);
        return rc != 0 ? mc_error_set(err, rc, "out of memory") : 0;
    }
    char ref[64], day[11];
    snprintf(ref, sizeof ref, "MC-%lld", (long long)d->row.id);
    mc_date_format(mc_calendar_date(mce_loc(d, at)), day);
    mc_record_row rec = {reg->name, is->document->name, who, ref, day};
    int rc = mc_store_record_put(e->st, &rec, err);
    if (rc == 0 && reg->live) {
        /* A live registry gets the result too: an outbox row in the same transaction as the
         * record and the event, sent by serve (docs/registries.md, "Results go back"). */
        mc_delivery_row del = {0};
        del.registry = reg->name;
        del.document = is->document->name;
        del.subject = who;
        del.party = party;
        del.reference = ref;
        del.issued = day;
        del.dossier = d->row.id;
        del.procedure = d->row.procedure;
        del.agency = d->row.agency;
        del.created = at;
        rc = mc_store_delivery_add(e->st, &del, err);
    }
    return rc != 0 ? rc : 1;
}

/* Files each result s issues under the identifier of each party it is `for` (the applicant when
 * it names none); a party the dossier does not name gets none. A result counts once in
 * d->issued however many parties it is filed under (a marriage certificate is one result). */
static int issue_records(mc_engine *e, mce_dos *d, const mc_state *s, int64_t at, mc_error *err)
{
    for (size_t i = 0; i < s->nissues; i++) {
        const mc_issue *is = &s->issues[i];
        size_t n = is->nparties ? is->nparties : 1;
        bool filed = false;
        for (size_t j = 0; j < n; j++) {
            int k = is->nparties ? mc_party_find(d->p, is->parties[j]) : 0;
            const char *who = k >= 0 ? mce_party_id(d, (uint32_t)k) : NULL;
            const char *party = is->nparties ? is->parties[j] : "applicant";
            int rc = who != NULL ? issue_one(e, d, is, party, who, at, err) : 0;
            if (rc < 0) {
                return rc;
            }
            filed = filed || rc == 1;
        }
        d->issued += filed;
    }
    return 0;
}

/* Records on the event that caused it the due instant now in force, with the calendar that
 * computed it and a hash of that calendar's content (§4.1.5). */
static int note_due(mce_dos *d)
{
    if (d->events == NULL) {
        return 0;
    }
    json_t *last = json_array_get(d->events, json_array_size(d->events) - 1);
    json_t *body = json_object_get(last, "body");
    if (body == NULL) {
        return 0;
    }
    int bad = 0; /* a failed set: the event would be saved without its due instant */
    if (d->row.due == MC_NONE) {
        bad |= json_object_set_new(body, "due", json_null());
        if (d->paused_due != MC_NONE) {
            bad |= json_object_set_new(body, "paused_due", json_integer(d->paused_due));
        }
        return bad ? MC_ENOMEM : 0;
    }
    char hash[33];
    mc_calendar_hash(d->cal, hash);
    bad |= json_object_set_new(body, "due", json_integer(d->row.due));
    bad |= json_object_set_new(body, "calendar", json_string(d->cal->name));
    bad |= json_object_set_new(body, "calendar_hash", json_string(hash));
    return bad ? MC_ENOMEM : 0;
}

/* Moves the dossier into state `to` at `at` (§4.6 clock rules). restart: the transition says
 * restart-clock. */
int mce_enter(mc_engine *e, mce_dos *d, uint32_t to, bool restart, int64_t at, mc_error *err)
{
    const mc_state *s = d->p->machine.states[to];
    bool was_stopped = d->clk == MC_CLOCK_STOPPED, was_paused = d->clk == MC_CLOCK_PAUSED;
    const char *clock = mc_clock_name(s->clock);
    if (s->final) {
        d->row.final = true;
        d->row.finished = at;
        d->row.late = d->row.overdue || (d->row.due != MC_NONE && at > d->row.due) ? 1 : 0;
        if (!mce_clock_running(d) && !was_paused) {
            d->row.late = d->row.overdue ? 1 : 0;
        }
        if (d->parts_late != 0) {
            d->row.late = 1; /* an interconnected dossier is late when one of its parts is */
        }
        if (mce_row_name(d, &d->row.outcome, mc_outcome_name(s->outcome)) != 0) {
            return mc_error_set(err, MC_ENOMEM, "out of memory");
        }
        d->row.due = MC_NONE;
        d->paused_due = MC_NONE;
        d->has_basis = false;
        d->row.overdue = false; /* overdue only while the clock runs; `late` keeps the story */
    } else if (s->clock == MC_CLOCK_RUNNING) {
        if (restart || was_stopped) {
            d->row.due = start_clock(e, d, at);
            d->has_basis = d->row.due != MC_NONE;
            d->due_from = at;
            d->due_left = MC_NONE;
            d->row.overdue = false;
            d->original_due = MC_NONE; /* a fresh clock: its extensions start anew */
            d->ext_days = 0;
        } else if (was_paused && d->row.left != MC_NONE) {
            d->row.due = resume_clock(d, at, d->row.left);
            /* Extended while paused: the extension's days are in left, as a resumed clock
             * counts them (mce_extend). */
            d->has_basis = true;
            d->due_from = at;
            d->due_left = d->row.left;
            if (d->ext_days > 0 && d->row.left >= d->ext_days) {
                /* What the resumed clock would say without the extensions, for `show`. */
                d->original_due = resume_clock(d, at, d->row.left - d->ext_days);
            }
        } else if (was_paused && d->paused_due != MC_NONE) {
            d->row.due = d->paused_due; /* overdue when paused: the same past instant */
            d->has_basis = false;
        }
        d->row.left = MC_NONE;
        d->paused_due = MC_NONE;
    } else if (s->clock == MC_CLOCK_PAUSED) {
        if (mce_clock_running(d) && d->row.due != MC_NONE) {
            /* No due instant while paused (§4.6). Time left is kept for resuming; an overdue
             * dossier has none left and keeps its past instant instead. */
            if (d->row.overdue) {
                d->paused_due = d->row.due;
            } else {
                d->row.left = time_left(d, at);
            }
            d->row.due = MC_NONE;
            d->has_basis = false;
        }
    } else {
        d->row.due = MC_NONE;
        d->row.left = MC_NONE;
        d->paused_due = MC_NONE;
        d->has_basis = false;
        d->row.overdue = false;
        d->original_due = MC_NONE;
        d->ext_days = 0;
    }
    if (mce_row_name(d, &d->row.clock, clock) != 0 || mce_row_name(d, &d->row.state, s->name) != 0) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    d->state = to;
    d->clk = s->clock;
    d->row.entered = at;
    mce_update_wake(d);
    if (note_due(d) != 0) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    return issue_records(e, d, s, at, err);
}

/* ==== extensions of the time limit ======================================================= */

int mce_check_extension(const mce_dos *d, const mc_extension *x, uint32_t to, bool restart,
                        mce_refusal *rf)
{
    const mc_state *s = d->p->machine.states[to];
    size_t i = (size_t)(x - d->p->extensions);
    if (i < MC_MAX_EXTENSIONS && d->ext_used[i] >= x->at_most) {
        char used[24], most[24];
        snprintf(used, sizeof used, "%d", (int)d->ext_used[i]);
        snprintf(most, sizeof most, "%lld", (long long)x->at_most);
        return mce_refuse(rf, MC_REFUSED_GUARD,
                          d->ext_used[i] == 1 ? "extension.used-once" : "extension.used", 3,
                          x->name, used, most);
    }
    if (d->row.overdue || d->paused_due != MC_NONE) {
        char due[17];
        mc_localtime l = mce_loc(d, d->paused_due != MC_NONE ? d->paused_due : d->row.due);
        mc_datetime_format((mc_datetime)((l - ((l % 60) + 60) % 60) / 60), due); /* minutes */
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)d->row.id);
        return mce_refuse(rf, MC_REFUSED_GUARD, "extension.overdue", 2, id, due);
    }
    bool fresh = restart || d->clk == MC_CLOCK_STOPPED;
    bool running =
        s->clock == MC_CLOCK_RUNNING && (fresh || d->row.due != MC_NONE || d->row.left != MC_NONE);
    bool paused =
        s->clock == MC_CLOCK_PAUSED && !fresh && (d->row.due != MC_NONE || d->row.left != MC_NONE);
    if (s->final || !d->p->has_time_limit || (!running && !paused)) {
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)d->row.id);
        return mce_refuse(rf, MC_REFUSED_GUARD, "extension.no-deadline", 3, x->name, id, s->name);
    }
    if (paused && d->p->time_limit.unit != MC_DUR_WD) {
        return mce_refuse(rf, MC_REFUSED_GUARD, "extension.paused", 1, x->name);
    }
    return 0;
}

/* The end of office hours of the days-th working day after the local day of utc (§4.1's
 * calendar, no cutoff). */
static int64_t after_working_days(const mce_dos *d, int64_t utc, int64_t days)
{
    mc_date day = mc_calendar_date(mce_loc(d, utc));
    for (int64_t k = 0; k < days; k++) {
        day = mc_calendar_next_working(d->cal, day);
    }
    mc_duration same_day = {.unit = MC_DUR_WD, .amount = 0};
    return mce_utc(d, mc_calendar_deadline(d->cal, (mc_localtime)day * MC_DAY_SECONDS, same_day));
}

int mce_extend(mce_dos *d, const mc_extension *x, mc_error *err)
{
    size_t i = (size_t)(x - d->p->extensions);
    int64_t days = x->by.amount / MC_FIXED_ONE;
    int64_t old = d->row.due, left = d->row.left;
    if (d->row.due != MC_NONE) {
        if (d->original_due == MC_NONE) {
            d->original_due = d->row.due;
        }
        d->row.due = after_working_days(d, d->row.due, days);
        d->has_basis = false; /* counted from the due instant now, not from the clock's start */
    } else {
        d->row.left += days; /* paused: resumes with that many more working days */
    }
    d->ext_days += days;
    if (i < MC_MAX_EXTENSIONS) {
        d->ext_used[i]++;
    }
    mce_update_wake(d);
    if (d->events == NULL) {
        return 0;
    }
    json_t *last = json_array_get(d->events, json_array_size(d->events) - 1);
    json_t *body = json_object_get(last, "body");
    if (body == NULL) {
        return 0;
    }
    json_t *legal = json_array();
    int bad = legal == NULL;
    for (size_t k = 0; legal != NULL && k < x->legal_basis.n; k++) {
        bad |= json_array_append_new(legal, json_string(x->legal_basis.items[k]));
    }
    json_t *ext = json_pack("{s:s, s:I, s:I, s:I, s:o}", "name", x->name, "days", (json_int_t)days,
                            "time", (json_int_t)d->ext_used[i < MC_MAX_EXTENSIONS ? i : 0],
                            "at_most", (json_int_t)x->at_most, "legal_basis", legal);
    if (ext == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    if (old != MC_NONE) {
        bad |= json_object_set_new(ext, "old_due", json_integer(old));
        bad |= json_object_set_new(ext, "new_due", json_integer(d->row.due));
        bad |= json_object_set_new(body, "due", json_integer(d->row.due));
    } else {
        bad |= json_object_set_new(ext, "old_left", json_integer(left));
        bad |= json_object_set_new(ext, "new_left", json_integer(d->row.left));
    }
    bad |= json_object_set_new(body, "extension", ext);
    return bad ? mc_error_set(err, MC_ENOMEM, "out of memory") : 0;
}

/* A due instant counted on a calendar the catalogue has changed since (a deployment added a
 * holiday): counted again on the calendar in force, with an event saying from what to what
 * (issue 19). A volatile engine's calendar never changes under its dossiers. */
static int recount_due(mc_engine *e, mce_dos *d, int64_t now)
{
    if (e->st == NULL) {
        return 0;
    }
    int64_t due = mce_due_on(d, d->cal);
    if (due == MC_NONE || due == d->row.due) {
        return 0;
    }
    json_t *body = NULL;
    if (d->events != NULL) {
        char hash[33];
        mc_calendar_hash(d->cal, hash);
        body = json_pack("{s:s, s:I, s:I, s:s, s:s}", "state", d->row.state, "old_due",
                         (json_int_t)d->row.due, "due", (json_int_t)due, "calendar",
                         d->cal->name ? d->cal->name : "", "calendar_hash", hash);
    }
    d->row.due = due;
    mce_update_wake(d);
    return mce_add_event(e, d, "due-moved", "system", now, body);
}

int mce_catch_up(mc_engine *e, mce_dos *d, int64_t now, mc_error *err)
{
    int rc0 = recount_due(e, d, now);
    if (rc0 != 0) {
        return mc_error_set(err, rc0, "out of memory");
    }
    for (int guard = 0; guard < MAX_CATCH_UP; guard++) {
        size_t which = 0;
        int64_t t = d->row.final ? MC_NONE : mce_next_timer(d, &which);
        int64_t o = overdue_at(d);
        bool timer_due = t != MC_NONE && t < now;
        bool over_due = o != MC_NONE && o < now;
        if (!timer_due && !over_due) {
            set_wake(d, t, o); /* t and o are the dossier's as it stands: not counted again */
            return 0;
        }
        if (over_due && (!timer_due || o <= t)) {
            d->row.overdue = true;
            json_t *body =
                d->events ? json_pack("{s:s, s:I}", "state", d->row.state, "due", (json_int_t)o)
                          : NULL;
            int rc = mce_add_event(e, d, "overdue", "system", o, body);
            if (rc != 0) {
                return mc_error_set(err, rc, "out of memory");
            }
            mce_update_wake(d);
            continue;
        }
        const mc_timer *tm = &mce_cur(d)->after[which];
        json_t *body = d->events
                           ? json_pack("{s:s, s:s, s:s}", "event", "timer", "from", d->row.state,
                                       "to", d->p->machine.states[tm->target]->name)
                           : NULL;
        int rc = mce_add_event(e, d, "timer", "system", t, body);
        if (rc == 0) {
            rc = mce_enter(e, d, tm->target, false, t, err);
        } else {
            mc_error_set(err, rc, "out of memory");
        }
        if (rc != 0) {
            return rc;
        }
    }
    return mc_error_set(err, MC_EINTERNAL,
                        "dossier %lld: its timers loop without end (state '%s'); check the "
                        "lifecycle's 'after' transitions",
                        (long long)d->row.id, d->row.state);
}
