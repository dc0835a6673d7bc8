/* Compliance cost (cost.h): the formula of §8.1 once (mc_cost_sum, which the simulator shares)
 * and the cost of each procedure's average dossier. Shares and hours are exact integers at the
 * scale S³ (S = 10⁶) in 128-bit arithmetic; only the final figures of one dossier are rounded.
 * A fee rule or schedule is weighed over the values synth.c draws for the fields it reads. */
#include "motcua/cost.h"

#include "motcua/alloc.h"
#include "motcua/coverage.h"
#include "motcua/value.h"
#include "synth.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

#define S ((i128)MC_FIXED_ONE)

static void note(mc_cost_line *l, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void note(mc_cost_line *l, const char *fmt, ...)
{
    size_t n = strlen(l->notes);
    if (n + 4 >= sizeof l->notes) {
        return;
    }
    snprintf(l->notes + n, sizeof l->notes - n, "%s", n ? "; " : "");
    n = strlen(l->notes);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->notes + n, sizeof l->notes - n, fmt, ap);
    va_end(ap);
}

static void fee_failed(mc_cost_line *l, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Says why the fee rule failed (mc_cost_line.fee_failed), cut to the room there is. */
static void fee_failed(mc_cost_line *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->fee_failed, sizeof l->fee_failed, fmt, ap);
    va_end(ap);
}

mc_fixed mc_cost_minutes(const mc_duration *d, const mc_cost_model *m)
{
    switch (d->unit) {
    case MC_DUR_MIN:
        return d->amount;
    case MC_DUR_H:
    case MC_DUR_WH:
        return d->amount * 60;
    case MC_DUR_D:
    case MC_DUR_WD:
        return (mc_fixed)((i128)d->amount * m->hours_per_day * 60 / S);
    }
    return 0;
}

static i128 minutes_of(const mc_duration *d, const mc_cost_model *m)
{
    return mc_cost_minutes(d, m);
}

/* The share (scale S) of dossiers in which condition c holds. */
static i128 share_of(const mc_cond *c, const mc_procedure *p, mc_cost_line *l, const char *doc)
{
    if (c->kind == MC_COND_ALWAYS) {
        return S;
    }
    if (c->kind == MC_COND_RULE) {
        note(l, "%s: required by a rule, counted as always required", doc);
        return S;
    }
    if (c->kind == MC_COND_DOCUMENTS_COMPLETE) {
        return S; /* lint refuses it on a requirement */
    }
    const mc_field *f = mc_field_find(p->fields, p->nfields, c->field);
    if (f == NULL || !f->has_sample) {
        note(l, "%s: field '%s' has no sample, counted as always required", doc, c->field);
        return S;
    }
    if (c->kind == MC_COND_IS) {
        for (size_t i = 0; f->option_share && i < f->options.n; i++) {
            if (strcmp(f->options.items[i], c->value) == 0) {
                return (i128)f->option_share[i] / 100;
            }
        }
        note(l, "%s: field '%s' has no sample share for this option, counted as always required",
             doc, c->field);
        return S;
    }
    i128 yes = (i128)f->sample / 100; /* percent fixed -> share at scale S */
    return c->kind == MC_COND_NOT ? S - yes : yes;
}

static int64_t round_half_up(i128 v, i128 scale)
{
    if (v >= 0) {
        return (int64_t)((v + scale / 2) / scale);
    }
    return -(int64_t)((-v + scale / 2) / scale);
}

/* ==== the formula, once ================================================================== */

/* Minutes are summed at the scale S³ (a share of dossiers at S² × minutes at S), money at S²;
 * a waiting time in office seconds stays a fraction (wait_office / wait_day working days) until
 * mc_cost_sum_finish puts everything over one denominator and divides, once per figure. */

void mc_cost_sum_document(mc_cost_sum *c, const mc_requirement *r, mc_fixed required,
                          mc_fixed asked)
{
    i128 share = (i128)required * asked;
    if (r->has_effort) {
        c->minutes += share * minutes_of(&r->effort, c->model);
    }
    if (r->has_cost) {
        c->money += share * r->cost.amount;
        c->documents += share * r->cost.amount;
    }
}

void mc_cost_sum_visits(mc_cost_sum *c, int64_t n)
{
    c->minutes += (i128)n * minutes_of(&c->model->visit_time, c->model) * S * S;
    c->money += (i128)n * c->model->visit_cost.amount * S * S;
    c->visits += n * c->model->visit_cost.amount;
}

void mc_cost_sum_fee(mc_cost_sum *c, int64_t fee)
{
    c->money += (i128)fee * S * S;
}

void mc_cost_sum_wait(mc_cost_sum *c, const mc_duration *d)
{
    if (c->model->count_waiting) {
        c->minutes += minutes_of(d, c->model) * S * S;
    }
}

void mc_cost_sum_wait_office(mc_cost_sum *c, int64_t office, int64_t day)
{
    if (c->model->count_waiting) {
        c->wait_office = office;
        c->wait_day = day;
    }
}

void mc_cost_sum_finish(const mc_cost_sum *c, mc_fixed *hours, int64_t *cost)
{
    i128 den = c->wait_day > 0 ? c->wait_day : 1;
    /* minutes × S³ × den: a working day of waiting is hours-per-day (at S) × 60 minutes */
    i128 minutes = c->minutes * den;
    if (c->wait_day > 0) {
        minutes += (i128)c->wait_office * c->model->hours_per_day * 60 * S * S;
    }
    /* cost × 60 S³ den = minutes × income + money × 60 S den */
    i128 total = minutes * c->model->hourly_income.amount + c->money * 60 * S * den;
    *hours = round_half_up(minutes, 60 * S * S * den);
    *cost = round_half_up(total, 60 * S * S * S * den);
}

void mc_cost_sum_parts(const mc_cost_sum *c, mc_cost_int *minutes, mc_cost_int *documents,
                       int64_t *visits)
{
    *minutes = c->minutes;
    if (c->wait_day > 0) {
        /* office / day working days of hours-per-day (at S) × 60 minutes, at S³ */
        i128 wait = (i128)c->wait_office * c->model->hours_per_day * 60 * S * S;
        i128 q = wait / c->wait_day, rem = wait % c->wait_day;
        *minutes += q + (2 * rem >= c->wait_day ? 1 : 0); /* office ≥ 0: half up */
    }
    *documents = c->documents * S;
    *visits = c->visits;
}

void mc_cost_exact_format(mc_cost_int v, char *out, size_t outsz)
{
    char digits[48];
    size_t n = 0;
    u128 u = v < 0 ? (u128)0 - (u128)v : (u128)v;
    do { /* at least the 18 decimals and one unit */
        digits[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u > 0 || n < 19);
    size_t decimals = 18, skip = 0;
    while (decimals > 0 && digits[skip] == '0') {
        skip++;
        decimals--;
    }
    char text[48];
    size_t k = 0;
    if (v < 0) {
        text[k++] = '-';
    }
    for (size_t i = n; i-- > skip;) {
        text[k++] = digits[i];
        if (i == 18 && decimals > 0) {
            text[k++] = '.';
        }
    }
    text[k] = '\0';
    snprintf(out, outsz, "%s", text);
}

/* ==== the fee of a dossier, weighed over the values the simulator draws ================== */

/* Shares of dossiers here are kept at the scale of a `sample` (PCT = 100%, exact for every
 * share the simulator draws, a choice's remainder spread over its options included). */
#define PCT ((int64_t)100 * MC_FIXED_ONE)

/* The most the product of the shares' denominators may be: a fee (at most 10¹⁵) times it stays
 * well inside 128 bits. */
#define DEN_MAX ((i128)10000000000 * 1000000000000)

const mc_procedure *mc_cost_group_of(const mc_catalogue *cat, const char *name, mc_date day)
{
    size_t n;
    const mc_procedure *const *all = mc_catalogue_procedures(cat, &n);
    for (size_t i = 0, j; i < n; i = j) {
        bool parts = false; /* versions are grouped by name: all[i..j) are one procedure's */
        for (j = i; j < n && strcmp(all[j]->name, all[i]->name) == 0; j++) {
            parts = parts || all[j]->nparts > 0;
        }
        if (!parts) {
            continue;
        }
        const mc_procedure *p = mc_catalogue_procedure(cat, all[i]->name, day);
        p = p != NULL ? p : all[i];
        for (size_t k = 0; k < p->nparts; k++) {
            if (strcmp(p->parts[k].procedure, name) == 0) {
                return p;
            }
        }
    }
    return NULL;
}

const char *mc_cost_channel(const mc_procedure *p)
{
    return p->online == MC_ONLINE_FULL ? "online" : "counter";
}

enum { VALUE_TEXT = 128 }; /* as much text as the simulator gives a field */

/* How the simulator fills a field. */
typedef enum {
    FILL_SAMPLED,    /* drawn from its `sample` (or a party's share): several values, weighed */
    FILL_NEUTRAL,    /* required, no sample: one neutral value */
    FILL_EMPTY,      /* optional, no sample: left empty */
    FILL_IDENTIFIER, /* the subject or a party's identifier: a new one each dossier */
} fill_kind;

typedef struct fvalue {
    char text[VALUE_TEXT];
    bool set;      /* false: the field is left empty */
    int64_t share; /* of all dossiers, at PCT */
} fvalue;

/* The values one field takes in the simulation, with their shares. */
typedef struct axis {
    size_t field; /* index into the procedure's fields */
    fill_kind fill;
    fvalue *v;
    size_t n;
    int64_t den; /* the shares are v[i].share / (PCT / den): den divides PCT */
} axis;

/* The party other than the applicant that field f identifies, or NULL (as the simulator finds
 * it). */
static const mc_party *party_of(const mc_procedure *p, const mc_field *f)
{
    for (size_t k = 1; k < p->nparties; k++) {
        if (p->parties[k].field == f) {
            return &p->parties[k];
        }
    }
    return NULL;
}

static int64_t gcd64(int64_t a, int64_t b)
{
    while (b != 0) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a < 0 ? -a : a;
}

/* The key whose synthetic values cost takes for the one value of an identifier or a pattern:
 * any dossier's would do. */
enum { COST_KEY = 0 };

/* Fills a with the values field i of p takes in the simulation (synth.c, mc_synth_field, and
 * sim.c's submit_synthetic: a party named in a share of dossiers, the subject and parties'
 * identifiers, a bool's sample, a choice's shares with what they leave spread over every
 * option, a neutral value for a required field without sample, nothing for an optional one);
 * a date is day. 0, or MC_ENOMEM. */
static int field_values(const mc_procedure *p, size_t i, mc_date day, axis *a)
{
    const mc_field *f = &p->fields[i];
    const mc_party *y = party_of(p, f);
    size_t cap = f->type == MC_FIELD_CHOICE && f->options.n > 2 ? f->options.n : 2;
    a->field = i;
    a->n = 0;
    a->v = mc_calloc(cap, sizeof *a->v);
    if (a->v == NULL) {
        return MC_ENOMEM;
    }
    if (f == p->subject || y != NULL) {
        a->fill = FILL_IDENTIFIER;
        mc_synth_field(f, true, COST_KEY, day, a->v[0].text, sizeof a->v[0].text);
        a->v[0].set = true;
        a->v[0].share = PCT;
        a->n = 1;
        if (y != NULL && y->has_sample && y->sample < PCT) {
            a->fill = FILL_SAMPLED; /* named in a share of the dossiers, left empty in the rest */
            a->v[0].share = y->sample > 0 ? y->sample : 0;
            a->v[1].share = PCT - a->v[0].share;
            a->n = 2;
        }
    } else if (f->has_sample && f->type == MC_FIELD_BOOL) {
        a->fill = FILL_SAMPLED;
        snprintf(a->v[0].text, sizeof a->v[0].text, "true");
        snprintf(a->v[1].text, sizeof a->v[1].text, "false");
        a->v[0].set = a->v[1].set = true;
        a->v[0].share = f->sample < 0 ? 0 : f->sample > PCT ? PCT : f->sample;
        a->v[1].share = PCT - a->v[0].share;
        a->n = 2;
    } else if (f->has_sample && f->type == MC_FIELD_CHOICE && f->options.n > 0) {
        /* As synth.c draws it: option k when u × PCT < at_k, at_k the options' shares so far,
         * each with an equal part of what the shares leave; the last option otherwise. */
        a->fill = FILL_SAMPLED;
        mc_fixed total = 0, at = 0, below = 0;
        for (size_t k = 0; k < f->options.n; k++) {
            total += f->option_share ? f->option_share[k] : 0;
        }
        mc_fixed rest = (100 * MC_FIXED_ONE - total) / (mc_fixed)f->options.n;
        for (size_t k = 0; k < f->options.n; k++) {
            at += (f->option_share ? f->option_share[k] : 0) + rest;
            mc_fixed upto = k + 1 == f->options.n ? PCT : at < 0 ? 0 : at > PCT ? PCT : at;
            snprintf(a->v[k].text, sizeof a->v[k].text, "%s", f->options.items[k]);
            a->v[k].set = true;
            a->v[k].share = upto > below ? upto - below : 0;
            below = upto > below ? upto : below;
        }
        a->n = f->options.n;
    } else {
        mc_synth_kind how =
            mc_synth_field(f, false, COST_KEY, day, a->v[0].text, sizeof a->v[0].text);
        a->fill = how == MC_SYNTH_NONE ? FILL_EMPTY : FILL_NEUTRAL;
        a->v[0].set = how != MC_SYNTH_NONE;
        a->v[0].share = PCT;
        a->n = 1;
    }
    int64_t g = PCT;
    for (size_t k = 0; k < a->n; k++) {
        g = gcd64(g, a->v[k].share);
    }
    a->den = PCT / g;
    return 0;
}

static void axes_free(axis *axes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        mc_free(axes[i].v);
    }
}

/* Says in l's notes how who (a fee rule or schedule) counts a field of p that it reads (verb)
 * and that has no sample: the one value the simulation gives it. */
static void note_unsampled(mc_cost_line *l, const char *who, const char *verb,
                           const mc_procedure *p, const axis *a)
{
    const char *name = p->fields[a->field].name;
    if (a->fill == FILL_EMPTY) {
        note(l, "%s %s %s, which has no sample: counted empty, as the simulation leaves it", who,
             verb, name);
    } else if (a->fill == FILL_IDENTIFIER) {
        note(l, "%s %s %s, an identifier: counted as one synthetic value ('%s')", who, verb, name,
             a->v[0].text);
    } else if (a->fill == FILL_NEUTRAL) {
        note(l, "%s %s %s, which has no sample: counted '%s', as the simulation gives it", who,
             verb, name, a->v[0].text);
    }
}

/* What charges one combination of field values: form holds a value per field of the procedure
 * (NULL: empty). Returns 0 with *fee set; MC_ERULE (that combination counts 0, the weighing goes
 * on), MC_ELIMIT or MC_ENOMEM (the weighing stops). */
typedef int (*charge_fn)(void *ud, const char *const *form, int64_t *fee);

typedef struct weighing {
    i128 total;          /* Σ fee × share over the combinations, the shares over den */
    i128 den;            /* the product of the axes' denominators */
    i128 failed;         /* the share (over den) of the combinations that failed */
    size_t nfailed;      /* how many did */
    char where[200];     /* the values of the first that failed, or of the one that stopped */
    size_t combinations; /* how many there were */
} weighing;

/* "a=true, b empty" for the values at of the axes of more than one value (at most the room of
 * out; "" when there are none). */
static void describe(const mc_procedure *p, const axis *axes, size_t naxes, const size_t *at,
                     char *out, size_t outsz)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t j = 0; j < naxes && n + 1 < outsz; j++) {
        if (axes[j].n < 2) {
            continue;
        }
        const fvalue *v = &axes[j].v[at[j]];
        const char *name = p->fields[axes[j].field].name;
        int k = v->set ? snprintf(out + n, outsz - n, "%s%s=%s", n ? ", " : "", name, v->text)
                       : snprintf(out + n, outsz - n, "%s%s empty", n ? ", " : "", name);
        n = k < 0 || (size_t)k >= outsz - n ? outsz - 1 : n + (size_t)k;
    }
}

enum { WEIGH_TOO_MANY = 1 }; /* weigh's answer when the combinations are past the cap */

/* Charges fn every combination of the values of axes (the other fields of form left as they
 * are), each weighed by the product of its values' shares, summed exactly into *w. Returns 0;
 * WEIGH_TOO_MANY when there are more than MC_COST_COMBINATIONS combinations or their shares are
 * too fine to sum exactly (nothing charged); fn's MC_ELIMIT or MC_ENOMEM, which stop it. */
static int weigh(const mc_procedure *p, const axis *axes, size_t naxes, const char **form,
                 charge_fn fn, void *ud, weighing *w)
{
    memset(w, 0, sizeof *w);
    w->den = 1;
    size_t combos = 1;
    for (size_t j = 0; j < naxes; j++) {
        if (axes[j].n > MC_COST_COMBINATIONS / combos || w->den > DEN_MAX / axes[j].den) {
            return WEIGH_TOO_MANY;
        }
        combos *= axes[j].n;
        w->den *= axes[j].den;
    }
    w->combinations = combos;
    size_t *at = mc_calloc(naxes ? naxes : 1, sizeof *at);
    if (at == NULL) {
        return MC_ENOMEM;
    }
    int rc = 0;
    for (;;) {
        i128 share = 1;
        for (size_t j = 0; j < naxes; j++) {
            const fvalue *v = &axes[j].v[at[j]];
            form[axes[j].field] = v->set ? v->text : NULL;
            share *= v->share / (PCT / axes[j].den);
        }
        if (share > 0) {
            int64_t fee = 0;
            rc = fn(ud, form, &fee);
            if (rc == MC_ENOMEM || rc == MC_ELIMIT) {
                describe(p, axes, naxes, at, w->where, sizeof w->where);
                break;
            }
            if (rc != 0 && w->nfailed++ == 0) {
                describe(p, axes, naxes, at, w->where, sizeof w->where);
            }
            if (rc != 0) {
                w->failed += share;
            } else {
                w->total += share * fee;
            }
            rc = 0;
        }
        size_t j = 0;
        while (j < naxes && ++at[j] == axes[j].n) {
            at[j++] = 0;
        }
        if (j == naxes) {
            break;
        }
    }
    mc_free(at);
    return rc;
}

/* ---- fee schedules (issue 16) ---- */

typedef struct schedule_charge {
    const mc_procedure *p;
    mc_date date;
} schedule_charge;

static int charge_schedule(void *ud, const char *const *form, int64_t *fee)
{
    const schedule_charge *c = ud;
    mc_fee_basis fb;
    mc_fee_schedule_apply(c->p, c->date, form, &fb);
    *fee = fb.amount;
    return 0;
}

/* The fee of a schedule in a cost study: the amount in force on the study date, charged as the
 * engine charges it (mc_fee_schedule_apply) to every combination of the values the simulator
 * gives the fields its categories test (field_values), weighted by their shares, rounded half
 * up to the dong, into *fee. Past MC_COST_COMBINATIONS combinations, the full amount (said in
 * the notes). The form has room for every field of p, however many. 0, or MC_ENOMEM. */
static int schedule_fee(const mc_procedure *p, mc_date date, mc_cost_line *l, int64_t *fee)
{
    const mc_fee_schedule *fs = p->fee_schedule;
    char day[11];
    mc_date_format(date, day);
    const mc_fee_amount *line = mc_fee_schedule_line(fs, date);
    if (line == NULL) {
        note(l, "fee schedule %s has no amount in force on %s: fee counted as 0", fs->name, day);
        *fee = 0;
        return 0;
    }
    size_t nf = p->nfields ? p->nfields : 1;
    axis *axes = mc_calloc(nf, sizeof *axes);
    const char **form = mc_calloc(nf, sizeof *form);
    size_t naxes = 0;
    int rc = axes == NULL || form == NULL ? MC_ENOMEM : 0;
    char who[200];
    snprintf(who, sizeof who, "fee schedule %s", fs->name);
    for (size_t i = 0; rc == 0 && i < fs->nreliefs; i++) {
        const mc_field *f = mc_field_find(p->fields, p->nfields, fs->reliefs[i].when.field);
        size_t k = f != NULL ? (size_t)(f - p->fields) : SIZE_MAX, j = 0;
        while (j < naxes && axes[j].field != k) {
            j++;
        }
        if (f == NULL || j < naxes) {
            continue;
        }
        if ((rc = field_values(p, k, date, &axes[naxes])) == 0) {
            note_unsampled(l, who, "tests", p, &axes[naxes++]);
        }
    }
    weighing w;
    schedule_charge c = {p, date};
    if (rc == 0 && (rc = weigh(p, axes, naxes, form, charge_schedule, &c, &w)) == 0) {
        *fee = round_half_up(w.total, w.den);
    } else if (rc == WEIGH_TOO_MANY) {
        note(l,
             "fee schedule %s: the full amount in force on %s (its categories test too many "
             "values to be weighed)",
             fs->name, day);
        *fee = line->amount.amount;
        rc = 0;
    }
    axes_free(axes, naxes);
    mc_free(axes);
    mc_free(form);
    return rc;
}

/* ---- fee rules ---- */

/* A fee rule's calls over the combinations: the view they share, the reads they leave. */
typedef struct rule_charge {
    const mc_procedure *p;
    mc_rules *rules;
    const mc_rule *rule;
    mc_rule_view view;
    mc_view_field *fields; /* room for every field of p */
    char first_error[200]; /* the first failure's message */
} rule_charge;

/* The value of field f written as text, as the engine gives it to rules (typed). */
static void typed_value(const mc_field *f, const char *text, mc_val *out)
{
    memset(out, 0, sizeof *out);
    switch (f->type) {
    case MC_FIELD_INTEGER:
    case MC_FIELD_MONEY:
        out->kind = MC_VAL_INTEGER;
        mc_value_integer(text, strlen(text), &out->integer, NULL, 0);
        break;
    case MC_FIELD_NUMBER: {
        mc_fixed x = 0;
        mc_value_number(text, strlen(text), &x, NULL, 0);
        out->kind = MC_VAL_NUMBER;
        out->number = (double)x / (double)MC_FIXED_ONE;
        break;
    }
    case MC_FIELD_BOOL:
        out->kind = MC_VAL_BOOL;
        out->boolean = strcmp(text, "true") == 0;
        break;
    default:
        out->kind = MC_VAL_TEXT;
        out->text = text;
        break;
    }
}

static int charge_rule(void *ud, const char *const *form, int64_t *fee)
{
    rule_charge *c = ud;
    c->view.nfields = 0;
    for (size_t i = 0; i < c->p->nfields; i++) {
        if (form[i] != NULL) {
            mc_view_field *v = &c->fields[c->view.nfields++];
            v->name = c->p->fields[i].name;
            typed_value(&c->p->fields[i], form[i], &v->value);
        }
    }
    c->view.fields = c->fields;
    mc_error err;
    int rc = mc_rules_fee(c->rules, c->rule, &c->view, fee, &err);
    if (rc != 0 && c->first_error[0] == '\0') {
        snprintf(c->first_error, sizeof c->first_error, "%.199s", rc == MC_ENOMEM ? "" : err.msg);
    }
    return rc;
}

/* "a, b and c" of the sampled axes (and the channel when read) into out. */
static void weighed_over(const mc_procedure *p, const axis *axes, size_t naxes, const char *channel,
                         char *out, size_t outsz)
{
    size_t items = channel != NULL, n = 0;
    for (size_t j = 0; j < naxes; j++) {
        items += axes[j].fill == FILL_SAMPLED;
    }
    out[0] = '\0';
    size_t k = 0;
    for (size_t j = 0; j <= naxes && n + 1 < outsz; j++) {
        const char *name;
        char chan[64];
        if (j == naxes) {
            if (channel == NULL) {
                break;
            }
            snprintf(chan, sizeof chan, "the channel (%s)", channel);
            name = chan;
        } else if (axes[j].fill == FILL_SAMPLED) {
            name = p->fields[axes[j].field].name;
        } else {
            continue;
        }
        const char *sep = k == 0 ? "" : k + 1 == items ? " and " : ", ";
        int w = snprintf(out + n, outsz - n, "%s%s", sep, name);
        n = w < 0 || (size_t)w >= outsz - n ? outsz - 1 : n + (size_t)w;
        k++;
    }
}

/* A share over den as a percentage with two decimals ("12.50"). */
static void percent_of(i128 share, i128 den, char *out, size_t outsz)
{
    int64_t bp = round_half_up(share * 10000, den);
    snprintf(out, outsz, "%lld.%02lld", (long long)(bp / 100), (long long)(bp % 100));
}

/* The fee of a fee rule in a cost study into *fee, weighed as the simulator draws the dossiers
 * it charges: the rule runs on the channel the simulator files them through
 * (mc_cost_channel), on the study date, first with every field empty; the fields it reads are
 * given the values the simulator gives them (field_values), and it runs again on every
 * combination of them, until no combination reads a field not yet given its values (a fixed
 * point); the fees are weighed by the combinations' shares and rounded half up once. A
 * combination on which the rule fails counts 0 (noted); a rule past its limits counts 0;
 * past MC_COST_COMBINATIONS combinations, the rule's fee on a dossier with no fields (noted).
 * 0, or MC_ENOMEM. */
static int rule_fee(const mc_catalogue *cat, const mc_procedure *p, mc_rules *rules, mc_date date,
                    mc_cost_line *l, int64_t *fee)
{
    *fee = 0;
    char who[200];
    snprintf(who, sizeof who, "fee rule %s.%s", p->fee_rule.module, p->fee_rule.function);
    const mc_rule *rule;
    if (rules == NULL) {
        note(l, "%s not run (no rules loaded): fee counted as 0", who);
        return 0;
    }
    if (mc_rules_resolve(rules, p->fee_rule.module, p->fee_rule.function, &rule, NULL) != 0) {
        note(l, "%s is not loaded: fee counted as 0", who);
        fee_failed(l, "%s is not loaded", who);
        return 0;
    }
    size_t nf = p->nfields ? p->nfields : 1;
    rule_charge c;
    memset(&c, 0, sizeof c);
    c.p = p;
    c.rules = rules;
    c.rule = rule;
    axis *axes = mc_calloc(nf, sizeof *axes);
    const char **form = mc_calloc(nf, sizeof *form);
    const char **names = mc_calloc(nf, sizeof *names);
    bool *read = mc_calloc(nf, sizeof *read);
    bool *given = mc_calloc(nf, sizeof *given); /* the field has its axis */
    c.fields = mc_calloc(nf, sizeof *c.fields);
    int rc = axes && form && names && read && given && c.fields ? 0 : MC_ENOMEM;
    for (size_t i = 0; rc == 0 && i < p->nfields; i++) {
        names[i] = p->fields[i].name;
    }
    mc_rule_reads reads = {.names = names, .nnames = p->nfields, .field = read};
    char submitted[17];
    mc_datetime_format((mc_datetime)date * MC_DAY_MINUTES, submitted);
    /* d as the engine shows it to a fee rule at submission: the version, the subject (one
     * synthetic identifier, as for the field), the channel; no state yet */
    char version[11] = "", subject[VALUE_TEXT];
    if (p->has_effective) {
        mc_date_format(p->effective, version);
    }
    if (p->subject != NULL) {
        mc_synth_field(p->subject, true, COST_KEY, date, subject, sizeof subject);
        c.view.subject = subject;
    }
    c.view.procedure = p->name;
    c.view.version = version;
    c.view.calendar = p->calendar;
    c.view.channel = mc_cost_channel(p);
    c.view.submitted = submitted; /* fees.amount reads the schedules as of the study date */
    c.view.reads = &reads;
    c.view.catalogue = cat; /* fees.amount reads the schedules of the catalogue costed */
    size_t naxes = 0;
    weighing w;
    memset(&w, 0, sizeof w);
    while (rc == 0) {
        c.first_error[0] = '\0';
        rc = weigh(p, axes, naxes, form, charge_rule, &c, &w);
        if (rc != 0) {
            break;
        }
        size_t before = naxes;
        for (size_t i = 0; rc == 0 && i < p->nfields; i++) {
            if ((read[i] || reads.all_fields) && !given[i]) {
                given[i] = true;
                rc = field_values(p, i, date, &axes[naxes]);
                naxes += rc == 0;
            }
        }
        if (naxes == before) {
            break; /* the fixed point: no combination read a field not yet weighed */
        }
    }
    if (rc == MC_ENOMEM) {
        goto done;
    }
    if (rc == WEIGH_TOO_MANY) {
        /* the old way: once, on a dossier with no fields */
        c.view.reads = NULL;
        c.view.nfields = 0;
        mc_error err;
        int64_t once = 0;
        rc = mc_rules_fee(rules, rule, &c.view, &once, &err);
        if (rc == MC_ENOMEM) {
            goto done;
        }
        note(l,
             "%s reads too many fields to be weighed (more than %d combinations of their "
             "values): %s",
             who, MC_COST_COMBINATIONS,
             rc == 0 ? "evaluated once on a dossier with no fields"
                     : "it fails on a dossier with no fields, fee counted as 0");
        *fee = rc == 0 ? once : 0;
        if (rc != 0) {
            fee_failed(l, "%s fails on a dossier with no fields",
                     who);
        }
        rc = 0;
        goto done;
    }
    if (rc == MC_ELIMIT) {
        note(l, "%s ran past its limits%s%s: fee counted as 0 (%s)", who,
             w.where[0] ? " where " : "", w.where, c.first_error);
        fee_failed(l, "%s ran past its limits%s%s (%s)", who,
                 w.where[0] ? " where " : "", w.where, c.first_error);
        rc = 0;
        goto done;
    }
    *fee = round_half_up(w.total, w.den);
    char over[300];
    weighed_over(p, axes, naxes, reads.channel ? c.view.channel : NULL, over, sizeof over);
    if (over[0] != '\0') {
        note(l, "%s weighed over %s", who, over);
    }
    for (size_t j = 0; j < naxes; j++) {
        note_unsampled(l, who, "reads", p, &axes[j]);
    }
    if (w.nfailed > 0) {
        char pct[32], more[64] = "";
        percent_of(w.failed, w.den, pct, sizeof pct);
        if (w.nfailed > 1) {
            snprintf(more, sizeof more, " and %zu more combinations", w.nfailed - 1);
        }
        note(l, "%s fails%s%s%s (%s%% of dossiers): fee counted as 0 there (%s)", who,
             w.where[0] ? " where " : "", w.where, more, pct, c.first_error);
        fee_failed(l, "%s fails%s%s%s (%s%% of dossiers): %s",
                 who, w.where[0] ? " where " : "", w.where, more, pct, c.first_error);
    }
done:
    axes_free(axes, naxes);
    mc_free(axes);
    mc_free(form);
    mc_free(names);
    mc_free(read);
    mc_free(given);
    mc_free(c.fields);
    return rc == MC_ENOMEM ? MC_ENOMEM : 0;
}

/* The fee of p (of cat) in a cost study into *fee: 0, or MC_ENOMEM. */
static int fee_of(const mc_catalogue *cat, const mc_procedure *p, mc_rules *rules, mc_date date,
                  mc_cost_line *l, int64_t *fee)
{
    *fee = 0;
    if (p->fee_kind == MC_FEE_FIXED) {
        *fee = p->fee.amount;
        return 0;
    }
    if (p->fee_kind == MC_FEE_SCHEDULE) {
        return schedule_fee(p, date, l, fee);
    }
    if (p->fee_kind != MC_FEE_RULE) {
        return 0;
    }
    return rule_fee(cat, p, rules, date, l, fee);
}

/* The line of p in a cost study: 0, or MC_ENOMEM. */
static int cost_one(const mc_catalogue *cat, const mc_procedure *p, mc_rules *rules,
                    const mc_cost_model *m, mc_date date, const mc_coverage *cov, mc_cost_line *l)
{
    mc_cost_sum sum = MC_COST_SUM_INIT(m);
    if (p->assumed != 0) {
        char list[100] = "";
        for (int k = 0; k < MC_ASSUMED_COUNT; k++) {
            if (p->assumed & (1u << k)) {
                size_t n = strlen(list);
                snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "", mc_assumed_names[k]);
            }
        }
        note(l, "assumed figures (not statistics): %s", list);
    }
    for (size_t i = 0; i < p->nrequires; i++) {
        const mc_requirement *r = &p->requires[i];
        i128 required = share_of(&r->when, p, l, r->document->name);
        const mc_registry *reg = r->document->registry;
        i128 fetched = 0;
        if (reg != NULL && (!reg->has_published || reg->published <= date)) {
            mc_fixed pct;
            fetched = mc_coverage_of(cov, reg, &pct) ? (i128)pct / 100 : S;
            /* Another party's record is looked up only in the dossiers that name the party:
             * the registry's coverage applies to that share (the simulator draws both). */
            const mc_party *y =
                r->party > 0 && r->party < p->nparties ? &p->parties[r->party] : NULL;
            if (y != NULL && y->field == NULL) {
                fetched = 0;
            } else if (y != NULL && y->has_sample) {
                fetched = fetched * ((i128)y->sample / 100) / S;
            }
        }
        mc_cost_sum_document(&sum, r, (mc_fixed)required, (mc_fixed)(S - fetched));
    }
    mc_cost_sum_visits(&sum, p->visits);
    if (p->has_time_limit) {
        mc_cost_sum_wait(&sum, &p->time_limit);
    }
    int64_t fee;
    if (fee_of(cat, p, rules, date, l, &fee) != 0) {
        return MC_ENOMEM;
    }
    mc_cost_sum_fee(&sum, fee);
    l->fee = fee;
    l->assumed = p->assumed;
    mc_cost_sum_finish(&sum, &l->hours, &l->cost);
    mc_cost_sum_parts(&sum, &l->minutes, &l->documents, &l->visits);
    l->volume = p->has_volume ? p->volume : 0;
    l->annual = l->cost * l->volume;
    return 0;
}

static int cmp_line(const void *a, const void *b)
{
    return strcmp(((const mc_cost_line *)a)->procedure, ((const mc_cost_line *)b)->procedure);
}

int mc_cost_compute(const mc_catalogue *cat, mc_rules *rules, const mc_cost_model *m, mc_date date,
                    mc_cost_line **lines, size_t *n, mc_error *err)
{
    return mc_cost_compute_with(cat, rules, m, date, NULL, lines, n, err);
}

int mc_cost_compute_with(const mc_catalogue *cat, mc_rules *rules, const mc_cost_model *m,
                         mc_date date, const mc_coverage *cov, mc_cost_line **lines, size_t *n,
                         mc_error *err)
{
    *lines = NULL;
    *n = 0;
    size_t np;
    const mc_procedure *const *procs = mc_catalogue_procedures(cat, &np);
    mc_cost_line *out = mc_calloc(np ? np : 1, sizeof *out);
    if (out == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    size_t k = 0;
    for (size_t i = 0; i < np; i++) {
        const char *name = procs[i]->name;
        bool seen = false;
        for (size_t j = 0; j < k && !seen; j++) {
            seen = strcmp(out[j].procedure, name) == 0;
        }
        if (seen) {
            continue;
        }
        mc_cost_line *l = &out[k++];
        l->procedure = name;
        const mc_procedure *p = mc_catalogue_procedure(cat, name, date);
        l->in_force = p != NULL;
        if (p != NULL && cost_one(cat, p, rules, m, date, cov, l) != 0) {
            mc_free(out);
            return mc_error_set(err, MC_ENOMEM, "out of memory");
        }
    }
    qsort(out, k, sizeof *out, cmp_line);
    *lines = out;
    *n = k;
    return 0;
}

int64_t mc_cost_saving_bp(int64_t base, int64_t reformed)
{
    if (base == 0) {
        return 0;
    }
    i128 num = (i128)(base - reformed) * 10000;
    return round_half_up(num * 1000, (i128)base * 1000);
}

/* ==== baseline against reform ============================================================ */

static const mc_cost_line *line_named(const mc_cost_line *l, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(l[i].procedure, name) == 0) {
            return &l[i];
        }
    }
    return NULL;
}

int mc_cost_compare(const mc_cost_line *base, size_t nb, const mc_cost_line *reformed, size_t nr,
                    mc_cost_comparison *out, mc_error *err)
{
    memset(out, 0, sizeof *out);
    out->rows = mc_calloc(nb ? nb : 1, sizeof *out->rows);
    if (out->rows == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < nb; i++) {
        const mc_cost_line *b = &base[i];
        if (!b->in_force) {
            continue;
        }
        const mc_cost_line *r = reformed ? line_named(reformed, nr, b->procedure) : NULL;
        bool in_force = r != NULL && r->in_force;
        mc_cost_row *row = &out->rows[out->n++];
        row->base = b;
        row->reform = in_force ? r : NULL;
        row->abolished = reformed != NULL && !in_force;
        row->reform_hours = in_force ? r->hours : 0;
        row->reform_cost = in_force ? r->cost : 0;
        row->reform_annual = in_force ? r->annual : 0;
        row->saving = b->annual - row->reform_annual;
        row->saving_bp = mc_cost_saving_bp(b->annual, row->reform_annual);
        out->total_base += b->annual;
        out->total_reform += row->reform_annual;
    }
    out->total_saving = out->total_base - out->total_reform;
    out->total_saving_bp = mc_cost_saving_bp(out->total_base, out->total_reform);
    return 0;
}

void mc_cost_comparison_free(mc_cost_comparison *c)
{
    mc_free(c->rows);
    memset(c, 0, sizeof *c);
}
