/* Compliance cost (cost.h): the formula of §8.1 once (mc_cost_sum, which the simulator shares)
 * and the cost of each procedure's average dossier. Shares and hours are exact integers at the
 * scale S³ (S = 10⁶) in 128-bit arithmetic; only the final figures of one dossier are rounded. */
#include "motcua/cost.h"

#include "motcua/alloc.h"
#include "motcua/coverage.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__extension__ typedef __int128 i128;

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
    }
}

void mc_cost_sum_visits(mc_cost_sum *c, int64_t n)
{
    c->minutes += (i128)n * minutes_of(&c->model->visit_time, c->model) * S * S;
    c->money += (i128)n * c->model->visit_cost.amount * S * S;
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

/* ---- fee schedules (issue 16) ---- */

enum { FEE_FIELDS = 3, FEE_VALUES = 16 };

/* The values one field tested by a schedule's categories takes, with their shares (scale S). */
typedef struct fee_axis {
    size_t field; /* index into the procedure's fields */
    const char *value[FEE_VALUES];
    i128 share[FEE_VALUES];
    size_t n;
} fee_axis;

/* The values of field f and their `sample` shares; false when f has no sample (its categories
 * then never apply in the cost). */
static bool axis_of(const mc_field *f, fee_axis *a)
{
    a->n = 0;
    if (f->type == MC_FIELD_BOOL && f->has_sample) {
        a->value[0] = "true";
        a->share[0] = (i128)f->sample / 100;
        a->value[1] = "false";
        a->share[1] = S - a->share[0];
        a->n = 2;
        return true;
    }
    if (f->type != MC_FIELD_CHOICE || f->option_share == NULL || f->options.n >= FEE_VALUES) {
        a->value[0] = NULL;
        a->share[0] = S;
        a->n = 1;
        return false;
    }
    i128 rest = S;
    for (size_t i = 0; i < f->options.n; i++) {
        a->value[a->n] = f->options.items[i];
        a->share[a->n] = (i128)f->option_share[i] / 100;
        rest -= a->share[a->n++];
    }
    if (rest > 0) {
        a->value[a->n] = NULL; /* the share left unset */
        a->share[a->n++] = rest;
    }
    return true;
}

/* The fee of a schedule in a cost study: the amount in force on the study date, charged as the
 * engine charges it (mc_fee_schedule_apply) to every combination of the values of the fields
 * its categories test, weighted by their `sample` shares (drawn independently, as the simulator
 * draws them), rounded half up to the dong, into *fee. At most FEE_FIELDS such fields; with more,
 * the full amount (said in the notes). The form has room for every field of p, however many.
 * 0, or MC_ENOMEM. */
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
    fee_axis axes[FEE_FIELDS];
    size_t naxes = 0;
    bool fits = true;
    for (size_t i = 0; fits && i < fs->nreliefs; i++) {
        const mc_field *f = mc_field_find(p->fields, p->nfields, fs->reliefs[i].when.field);
        size_t k = f != NULL ? (size_t)(f - p->fields) : SIZE_MAX, j = 0;
        while (j < naxes && axes[j].field != k) {
            j++;
        }
        if (f == NULL || j < naxes) {
            continue;
        }
        if (naxes == FEE_FIELDS) {
            fits = false;
            break;
        }
        axes[naxes].field = k;
        if (!axis_of(f, &axes[naxes])) {
            note(l,
                 "fee schedule %s: field '%s' has no sample, its categories counted as never "
                 "applying",
                 fs->name, f->name);
        }
        naxes++;
    }
    if (!fits) {
        note(l,
             "fee schedule %s: the full amount in force on %s (its categories test too many "
             "fields to be weighed)",
             fs->name, day);
        *fee = line->amount.amount;
        return 0;
    }
    /* every combination of the axes' values, as an odometer, in a form of NULLs elsewhere */
    const char **form = mc_calloc(p->nfields ? p->nfields : 1, sizeof *form);
    if (form == NULL) {
        return MC_ENOMEM;
    }
    size_t at[FEE_FIELDS] = {0};
    i128 total = 0, scale = 1;
    for (size_t j = 0; j < naxes; j++) {
        scale *= S;
    }
    for (;;) {
        i128 share = 1;
        for (size_t j = 0; j < naxes; j++) {
            form[axes[j].field] = axes[j].value[at[j]];
            share *= axes[j].share[at[j]];
        }
        mc_fee_basis fb;
        mc_fee_schedule_apply(p, date, form, &fb);
        total += share * fb.amount;
        size_t j = 0;
        while (j < naxes && ++at[j] == axes[j].n) {
            at[j++] = 0;
        }
        if (j == naxes) {
            break;
        }
    }
    mc_free(form);
    *fee = (int64_t)((total + scale / 2) / scale);
    return 0;
}

/* The fee of p in a cost study into *fee: 0, or MC_ENOMEM. */
static int fee_of(const mc_procedure *p, mc_rules *rules, mc_date date, mc_cost_line *l,
                  int64_t *fee)
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
    const mc_rule *rule;
    mc_rule_view view;
    memset(&view, 0, sizeof view);
    view.procedure = p->name;
    view.calendar = p->calendar;
    char submitted[17];
    mc_datetime_format((mc_datetime)date * MC_DAY_MINUTES, submitted);
    view.submitted = submitted; /* fees.amount reads the schedules as of the study date */
    if (rules == NULL ||
        mc_rules_resolve(rules, p->fee_rule.module, p->fee_rule.function, &rule, NULL) != 0 ||
        mc_rules_fee(rules, rule, &view, fee, NULL) != 0) {
        note(l, "fee rule %s.%s failed on an empty dossier: fee counted as 0", p->fee_rule.module,
             p->fee_rule.function);
        *fee = 0;
        return 0;
    }
    note(l, "fee rule %s.%s evaluated on a dossier with no fields", p->fee_rule.module,
         p->fee_rule.function);
    return 0;
}

/* The line of p in a cost study: 0, or MC_ENOMEM. */
static int cost_one(const mc_procedure *p, mc_rules *rules, const mc_cost_model *m, mc_date date,
                    const mc_coverage *cov, mc_cost_line *l)
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
    if (fee_of(p, rules, date, l, &fee) != 0) {
        return MC_ENOMEM;
    }
    mc_cost_sum_fee(&sum, fee);
    l->fee = fee;
    l->assumed = p->assumed;
    mc_cost_sum_finish(&sum, &l->hours, &l->cost);
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
        if (p != NULL && cost_one(p, rules, m, date, cov, l) != 0) {
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
