/* Calibration from a store's history (calibrate.h): each procedure's takes, chances and volume
 * measured from its dossiers' events, and written as a catalogue layer of `extend`s. */
#include "motcua/calibrate.h"

#include "base/buf.h"
#include "base/json.h"
#include "motcua/alloc.h"
#include "motcua/calendar.h"
#include "motcua/report.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { YEAR_DAYS = 365, MAX_VOLUME = 1000000000 };

/* What the measure keeps of a stored dossier. */
typedef struct lite {
    int64_t id, submitted;
    char *procedure;
    bool final;
    int late;
} lite;

typedef struct rows {
    lite *v;
    size_t n, cap;
} rows;

static int keep_row(void *ud, const mc_dossier_row *row)
{
    rows *r = ud;
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 256;
        lite *v = mc_realloc(r->v, cap * sizeof *v);
        if (v == NULL) {
            return MC_ENOMEM;
        }
        r->v = v;
        r->cap = cap;
    }
    const char *proc = row->procedure ? row->procedure : "";
    char *name = mc_strndup(proc, strlen(proc));
    if (name == NULL) {
        return MC_ENOMEM;
    }
    r->v[r->n++] = (lite){row->id, row->submitted, name, row->final, row->late};
    return 0;
}

static int by_procedure(const void *a, const void *b)
{
    const lite *x = a, *y = b;
    int c = strcmp(x->procedure, y->procedure);
    return c != 0 ? c : (x->id > y->id) - (x->id < y->id);
}

/* The unit a state's figures are measured and written in: its own `takes` unit, working days
 * when it has none. */
static mc_dur_unit unit_of(const mc_state *s)
{
    if (!s->has_takes) {
        return MC_DUR_WD;
    }
    switch (s->takes_min.unit) {
    case MC_DUR_WH:
        return MC_DUR_WH;
    case MC_DUR_MIN:
    case MC_DUR_H:
        return MC_DUR_H;
    case MC_DUR_D:
        return MC_DUR_D;
    default:
        return MC_DUR_WD;
    }
}

/* Sets up the per-state tallies of procedure p. */
static int proc_init(mc_calibrate_proc *x, const mc_procedure *p)
{
    x->p = p;
    x->states = mc_calloc(p->machine.nstates ? p->machine.nstates : 1, sizeof *x->states);
    if (x->states == NULL) {
        return MC_ENOMEM;
    }
    x->nstates = p->machine.nstates;
    for (size_t i = 0; i < x->nstates; i++) {
        const mc_state *s = p->machine.states[i];
        mc_calibrate_state *cs = &x->states[i];
        cs->state = s;
        cs->unit = unit_of(s);
        cs->events = mc_calloc(s->non ? s->non : 1, sizeof *cs->events);
        if (cs->events == NULL) {
            return MC_ENOMEM;
        }
        for (size_t k = 0; k < s->non; k++) {
            bool seen = false;
            for (size_t j = 0; j < cs->nevents && !seen; j++) {
                seen = strcmp(cs->events[j].event, s->on[k].event) == 0;
            }
            if (!seen) {
                cs->events[cs->nevents++].event = s->on[k].event;
            }
        }
    }
    return 0;
}

/* The replay of one dossier's events. */
typedef struct replay {
    mc_calibration *c;
    mc_calibrate_proc *x;
    const mc_calendar *cal;
    double day_seconds;
    long cur; /* the state's index, -1 unknown or none */
    int64_t entered;
} replay;

static long state_index(const mc_calibrate_proc *x, const char *name)
{
    for (size_t i = 0; name != NULL && i < x->nstates; i++) {
        if (strcmp(x->states[i].state->name, name) == 0) {
            return (long)i;
        }
    }
    return -1;
}

/* The time from..to in unit u, as the simulator spends a `takes` (office time for working
 * units, on the procedure's calendar). */
static double spent(const replay *r, mc_dur_unit u, int64_t from, int64_t to)
{
    if (u == MC_DUR_WD || u == MC_DUR_WH) {
        /* A takes counts from the day a time limit would (after the cutoff: the next working
         * day), so the office time left of the day of entry after the cutoff is not spent. */
        mc_localtime a = mc_calendar_to_local(r->cal, from), b = mc_calendar_to_local(r->cal, to);
        mc_localtime start = (mc_localtime)mc_calendar_start_day(r->cal, a) * MC_DAY_SECONDS;
        int64_t office =
            mc_calendar_office_seconds(r->cal, a, b) -
            (start > a ? mc_calendar_office_seconds(r->cal, a, start < b ? start : b) : 0);
        return (double)office / (u == MC_DUR_WD ? r->day_seconds : 3600.0);
    }
    double s = to > from ? (double)(to - from) : 0.0;
    return s / (u == MC_DUR_D ? (double)MC_DAY_SECONDS : 3600.0);
}

static const char *field(json_t *body, const char *key)
{
    json_t *v = json_object_get(body, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int replay_event(void *ud, const mc_event_row *ev)
{
    replay *r = ud;
    bool submit = strcmp(ev->kind, "submit") == 0, fire = strcmp(ev->kind, "fire") == 0,
         timer = strcmp(ev->kind, "timer") == 0;
    if ((!submit && !fire && !timer) || ev->body == NULL) {
        return 0; /* overdue marks, apologies, …: no state is left */
    }
    json_t *body;
    int rc = mc_json_loads(ev->body, 0, &body);
    if (rc != 0) {
        return rc == MC_ENOMEM ? rc : 0; /* an unreadable body: nothing measured */
    }
    long to = state_index(r->x, field(body, "to"));
    if (!submit) {
        long from = state_index(r->x, field(body, "from"));
        if (from < 0 || from != r->cur || r->entered == MC_NONE) {
            r->c->unknown_states++;
        } else if (timer) {
            r->x->states[from].by_timer++;
        } else {
            mc_calibrate_state *cs = &r->x->states[from];
            const char *event = field(body, "event");
            size_t k = 0;
            while (event != NULL && k < cs->nevents && strcmp(cs->events[k].event, event) != 0) {
                k++;
            }
            if (event == NULL || k == cs->nevents) {
                cs->other++;
            } else {
                double t = spent(r, cs->unit, r->entered, ev->at);
                cs->events[k].n++;
                cs->left++;
                cs->sum += t;
                cs->sumsq += t * t;
            }
        }
    }
    json_decref(body);
    r->cur = to;
    r->entered = ev->at;
    return 0;
}

static int add_unknown(mc_calibration *c, const char *name, int64_t n)
{
    mc_calibrate_unknown *u = mc_realloc(c->unknown, (c->nunknown + 1) * sizeof *u);
    if (u == NULL) {
        return MC_ENOMEM;
    }
    c->unknown = u;
    char *copy = mc_strndup(name, strlen(name));
    if (copy == NULL) {
        return MC_ENOMEM;
    }
    c->unknown[c->nunknown++] = (mc_calibrate_unknown){copy, n};
    return 0;
}

/* Groups the rows (sorted by procedure) into procedures of cat and unknown names. */
static int group(mc_calibration *c, const mc_catalogue *cat, const rows *r)
{
    c->procs = mc_calloc(r->n, sizeof *c->procs);
    if (c->procs == NULL) {
        return MC_ENOMEM;
    }
    for (size_t i = 0; i < r->n;) {
        size_t j = i;
        while (j < r->n && strcmp(r->v[j].procedure, r->v[i].procedure) == 0) {
            j++;
        }
        size_t nv;
        const mc_procedure *const *v = mc_catalogue_versions(cat, r->v[i].procedure, &nv);
        int rc;
        if (nv == 0) {
            rc = add_unknown(c, r->v[i].procedure, (int64_t)(j - i));
        } else {
            mc_calibrate_proc *x = &c->procs[c->nprocs++];
            rc = proc_init(x, v[nv - 1]);
            x->dossiers = (int64_t)(j - i);
        }
        if (rc != 0) {
            return rc;
        }
        i = j;
    }
    return 0;
}

/* Keeps in r only the dossiers submitted in the period of o (local days of cal0). */
static void in_period(rows *r, const mc_calendar *cal0, const mc_calibrate_opts *o)
{
    size_t k = 0;
    for (size_t i = 0; i < r->n; i++) {
        mc_date day = mc_calendar_today(cal0, r->v[i].submitted);
        if ((o->has_since && day < o->since) || (o->has_until && day > o->until) ||
            r->v[i].submitted == MC_NONE) {
            mc_free(r->v[i].procedure);
        } else {
            r->v[k++] = r->v[i];
        }
    }
    r->n = k;
}

static int no_dossier(const mc_calibrate_opts *o, mc_error *err)
{
    char a[11], b[11];
    mc_date_format(o->since, a);
    mc_date_format(o->until, b);
    if (o->has_since && o->has_until) {
        return mc_error_set(err, MC_ENOTFOUND,
                            "the store holds no dossier submitted from %s to %s: nothing to "
                            "calibrate",
                            a, b);
    }
    if (o->has_since) {
        return mc_error_set(err, MC_ENOTFOUND,
                            "the store holds no dossier submitted from %s on: nothing to "
                            "calibrate",
                            a);
    }
    if (o->has_until) {
        return mc_error_set(err, MC_ENOTFOUND,
                            "the store holds no dossier submitted up to %s: nothing to calibrate",
                            b);
    }
    return mc_error_set(err, MC_ENOTFOUND, "the store holds no dossier: nothing to calibrate");
}

int mc_calibrate_measure(mc_calibration *out, const mc_catalogue *cat, mc_store *st,
                         const mc_calibrate_opts *o, mc_error *err)
{
    memset(out, 0, sizeof *out);
    out->min = o->min;
    if (o->min < 1) {
        return mc_error_set(err, MC_EUSAGE, "min must be 1 or more");
    }
    if (o->has_since && o->has_until && o->until < o->since) {
        return mc_error_set(err, MC_EUSAGE, "the period ends before it begins");
    }
    const mc_calendar *cal0 = mc_catalogue_default_calendar(cat);
    cal0 = cal0 ? cal0 : mc_calendar_builtin();
    rows r = {NULL, 0, 0};
    mc_dossier_filter f = MC_DOSSIER_FILTER_INIT;
    int rc = mc_store_dossier_each(st, &f, keep_row, &r, err);
    if (rc == MC_ENOMEM) {
        mc_error_set(err, rc, "out of memory");
    }
    if (rc == 0) {
        in_period(&r, cal0, o);
    }
    if (rc == 0 && r.n == 0) {
        rc = no_dossier(o, err);
    }
    if (rc == 0) {
        qsort(r.v, r.n, sizeof *r.v, by_procedure);
        rc = group(out, cat, &r);
        if (rc != 0) {
            mc_error_set(err, rc, "out of memory");
        }
    }
    if (rc == 0 && out->nprocs == 0) {
        rc = mc_error_set(err, MC_ENOTFOUND,
                          "none of the store's %zu procedure%s is in the catalogue (e.g. '%s'): "
                          "nothing to calibrate",
                          out->nunknown, out->nunknown == 1 ? "" : "s", out->unknown[0].name);
    }
    if (rc == 0) {
        int64_t first = INT64_MAX, last = INT64_MIN;
        for (size_t i = 0; i < r.n; i++) {
            first = r.v[i].submitted < first ? r.v[i].submitted : first;
            last = r.v[i].submitted > last ? r.v[i].submitted : last;
        }
        out->dossiers = (int64_t)r.n;
        out->first = o->has_since ? o->since : mc_calendar_today(cal0, first);
        out->last = o->has_until ? o->until : mc_calendar_today(cal0, last);
        out->days = (int64_t)out->last - out->first + 1;
    }
    /* the events of each dossier of a known procedure, procedure by procedure */
    size_t k = 0;
    for (size_t i = 0; rc == 0 && i < r.n; i++) {
        while (k < out->nprocs && strcmp(out->procs[k].p->name, r.v[i].procedure) < 0) {
            k++;
        }
        if (k == out->nprocs || strcmp(out->procs[k].p->name, r.v[i].procedure) != 0) {
            continue; /* not in the catalogue */
        }
        mc_calibrate_proc *x = &out->procs[k];
        const mc_calendar *cal = x->p->calendar ? x->p->calendar : mc_calendar_builtin();
        int64_t day = mc_report_day_seconds(cal);
        replay rp = {out, x, cal, day > 0 ? (double)day : (double)MC_DAY_SECONDS, -1, MC_NONE};
        rc = mc_store_event_each(st, r.v[i].id, replay_event, &rp, err);
        if (rc == MC_ENOMEM) {
            mc_error_set(err, rc, "out of memory");
        }
        x->finished += r.v[i].final;
        x->on_time += r.v[i].final && r.v[i].late == 0;
    }
    for (size_t i = 0; rc == 0 && i < out->nprocs; i++) {
        mc_calibrate_proc *x = &out->procs[i];
        x->volume = (x->dossiers * YEAR_DAYS * 2 + out->days) / (2 * out->days);
        x->volume = x->volume > MAX_VOLUME ? MAX_VOLUME : x->volume; /* what `volume` takes */
        out->finished += x->finished;
        out->on_time += x->on_time;
    }
    for (size_t i = 0; i < r.n; i++) {
        mc_free(r.v[i].procedure);
    }
    mc_free(r.v);
    return rc;
}

/* ==== the layer's text ==================================================================== */

/* n with thousands separators. */
static const char *count(int64_t n, char out[32])
{
    char digits[24];
    snprintf(digits, sizeof digits, "%lld", (long long)(n < 0 ? -n : n));
    size_t len = strlen(digits), k = 0;
    if (n < 0) {
        out[k++] = '-';
    }
    for (size_t i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0) {
            out[k++] = ',';
        }
        out[k++] = digits[i];
    }
    out[k] = '\0';
    return out;
}

/* v with at most two decimals, trailing zeros dropped, and the unit. */
static const char *amount(double v, mc_dur_unit u, char out[40])
{
    static const char *const units[] = {[MC_DUR_MIN] = "min",
                                        [MC_DUR_H] = "h",
                                        [MC_DUR_D] = "d",
                                        [MC_DUR_WD] = "wd",
                                        [MC_DUR_WH] = "wh"};
    long long c = llround(v * 100.0);
    c = c < 0 ? 0 : c;
    if (c % 100 == 0) {
        snprintf(out, 40, "%lld%s", c / 100, units[u]);
    } else if (c % 10 == 0) {
        snprintf(out, 40, "%lld.%lld%s", c / 100, c % 100 / 10, units[u]);
    } else {
        snprintf(out, 40, "%lld.%02lld%s", c / 100, c % 100, units[u]);
    }
    return out;
}

/* Each event's share of the leavings in tenths of a percent, adding up to 1000 (largest
 * remainders, ties to the first). */
static void shares(const mc_calibrate_state *s, int *tenths)
{
    int given = 0;
    double rem[64];
    size_t n = s->nevents < 64 ? s->nevents : 64;
    for (size_t i = 0; i < n; i++) {
        double exact = 1000.0 * (double)s->events[i].n / (double)s->left;
        tenths[i] = (int)floor(exact);
        rem[i] = exact - tenths[i];
        given += tenths[i];
    }
    while (given < 1000 && n > 0) {
        size_t best = 0;
        for (size_t i = 1; i < n; i++) {
            best = rem[i] > rem[best] ? i : best;
        }
        tenths[best]++;
        rem[best] = -1;
        given++;
    }
}

static void write_state(mc_buf *b, const mc_calibration *c, const mc_calibrate_state *s)
{
    char n1[32], n2[32], a1[40], a2[40], a3[40], a4[40];
    if (s->left == 0) {
        if (s->by_timer > 0) {
            mc_buf_printf(
                b, "    # state %s: left by a timer only (%s dossiers): nothing to estimate\n",
                s->state->name, count(s->by_timer, n1));
        }
        return;
    }
    if (s->left < c->min) {
        mc_buf_printf(b,
                      "    # state %s: %s dossier%s left it, fewer than %lld: takes and chances "
                      "not estimated\n",
                      s->state->name, count(s->left, n1), s->left == 1 ? "" : "s",
                      (long long)c->min);
        return;
    }
    double n = (double)s->left, mean = s->sum / n;
    double var = n > 1 ? (s->sumsq - n * mean * mean) / (n - 1) : 0;
    double sd = var > 0 ? sqrt(var) : 0;
    double lo = mean - sqrt(3.0) * sd, hi = mean + sqrt(3.0) * sd;
    if (lo < 0) {
        lo = 0;
        hi = 2 * mean;
    }
    mc_buf_printf(b, "    state %s {\n", s->state->name);
    mc_buf_printf(b, "        # %s dossiers left this state (mean %s, sd %s)", count(s->left, n1),
                  amount(mean, s->unit, a3), amount(sd, s->unit, a4));
    if (s->by_timer > 0) {
        mc_buf_printf(b, "; %s more by a timer", count(s->by_timer, n2));
    }
    if (s->other > 0) {
        mc_buf_printf(b, "; %s more by events it no longer has", count(s->other, n2));
    }
    mc_buf_puts(b, "\n");
    amount(lo, s->unit, a1);
    amount(hi, s->unit, a2);
    if (strcmp(a1, a2) == 0) {
        mc_buf_printf(b, "        takes %s\n", a1);
    } else {
        mc_buf_printf(b, "        takes %s %s\n", a1, a2);
    }
    int tenths[64];
    shares(s, tenths);
    for (size_t i = 0; i < s->nevents && i < 64; i++) {
        mc_buf_printf(b, "        on %s chance %d.%d%%    # %s dossier%s\n", s->events[i].event,
                      tenths[i] / 10, tenths[i] % 10, count(s->events[i].n, n1),
                      s->events[i].n == 1 ? "" : "s");
    }
    mc_buf_puts(b, "    }\n");
}

int mc_calibrate_text(const mc_calibration *c, const char *from, char **out, mc_error *err)
{
    mc_buf b = MC_BUF_INIT;
    char d1[11], d2[11], n1[32], n2[32];
    mc_date_format(c->first, d1);
    mc_date_format(c->last, d2);
    mc_buf_printf(&b,
                  "# Simulation figures calibrated from %s (motcua simulate "
                  "--calibrate-from):\n"
                  "# %s dossiers submitted from %s to %s (%s days).\n",
                  from, count(c->dossiers, n1), d1, d2, count(c->days, n2));
    mc_buf_printf(&b,
                  "# takes: the time from entering a state to leaving it by a person's event, in "
                  "office time of\n"
                  "# the procedure's calendar for working units (wd, wh); chance: the share of "
                  "those leavings\n"
                  "# taken by each event; volume: the period's submissions scaled to 365 days. "
                  "Estimates, not\n"
                  "# law: load this folder as a later --catalogue layer; a figure observed fewer "
                  "than %lld times\n"
                  "# is left out.\n",
                  (long long)c->min);
    if (c->unknown_states > 0) {
        mc_buf_printf(&b,
                      "# %s leaving%s of states the procedures no longer have (or of a history "
                      "that does not follow them): not counted\n",
                      count(c->unknown_states, n1), c->unknown_states == 1 ? "" : "s");
    }
    for (size_t i = 0; i < c->nunknown; i++) {
        mc_buf_printf(&b, "# not in the catalogue, not calibrated: %s (%s dossier%s)\n",
                      c->unknown[i].name, count(c->unknown[i].dossiers, n1),
                      c->unknown[i].dossiers == 1 ? "" : "s");
    }
    for (size_t i = 0; i < c->nprocs; i++) {
        const mc_calibrate_proc *x = &c->procs[i];
        mc_buf_printf(&b, "\nextend procedure %s {\n", x->p->name);
        if (x->dossiers >= c->min) {
            mc_buf_printf(&b, "    volume %lld per year    # %s dossiers submitted in %s days\n",
                          (long long)x->volume, count(x->dossiers, n1), count(c->days, n2));
        } else {
            mc_buf_printf(&b,
                          "    # volume: %s dossier%s submitted, fewer than %lld: not "
                          "estimated\n",
                          count(x->dossiers, n1), x->dossiers == 1 ? "" : "s", (long long)c->min);
        }
        for (size_t k = 0; k < x->nstates; k++) {
            write_state(&b, c, &x->states[k]);
        }
        mc_buf_puts(&b, "}\n");
    }
    *out = mc_buf_take(&b);
    return *out == NULL ? mc_error_set(err, MC_ENOMEM, "out of memory") : 0;
}

mc_calibrate_counts mc_calibrate_count(const mc_calibration *c)
{
    mc_calibrate_counts k = {0, 0, 0, 0, 0};
    for (size_t i = 0; i < c->nprocs; i++) {
        const mc_calibrate_proc *x = &c->procs[i];
        k.procedures++;
        k.volumes += x->dossiers >= c->min;
        k.left_out += x->dossiers < c->min;
        for (size_t s = 0; s < x->nstates; s++) {
            const mc_calibrate_state *cs = &x->states[s];
            if (cs->left >= c->min) {
                k.takes++;
                k.chances += cs->nevents;
            } else if (cs->left > 0) {
                k.left_out++;
            }
        }
    }
    return k;
}

void mc_calibration_free(mc_calibration *c)
{
    for (size_t i = 0; i < c->nprocs; i++) {
        for (size_t k = 0; k < c->procs[i].nstates; k++) {
            mc_free(c->procs[i].states[k].events);
        }
        mc_free(c->procs[i].states);
    }
    mc_free(c->procs);
    for (size_t i = 0; i < c->nunknown; i++) {
        mc_free(c->unknown[i].name);
    }
    mc_free(c->unknown);
    memset(c, 0, sizeof *c);
}
