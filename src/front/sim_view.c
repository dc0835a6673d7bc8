/* The JSON of a simulation (sim.h), as `motcua simulate --format json` prints it and POST
 * /api/simulate answers (docs/cli.md, docs/api.md), and the record of several runs' headline
 * figures both front ends keep for its intervals. */
#include "sim_view.h"

#include "view.h"
#include "motcua/error.h"

#include <stdlib.h>
#include <string.h>

const char *const front_sim_fig_keys[FRONT_SIM_NFIG] = {
    "cost_per_dossier", "annual_cost",       "legal_annual_cost",  "fee_revenue", "on_time_pct",
    "lead_mean_wd",     "asked_per_dossier", "visits_per_dossier", "staff_days"};

/* ==== the runs ============================================================================ */

static double fig_value(const mc_sim_figures *f, int i)
{
    const double v[FRONT_SIM_NFIG] = {f->cost,    f->annual,  f->legal_annual,
                                      f->revenue, f->on_time, f->lead_mean,
                                      f->asked,   f->visits,  f->staff_days};
    return v[i];
}

int front_sim_runs_init(front_sim_runs *r, size_t k, uint64_t first_seed)
{
    r->k = k;
    r->first_seed = first_seed;
    r->v[0] = calloc(FRONT_SIM_NFIG * k, sizeof(double));
    r->v[1] = calloc(FRONT_SIM_NFIG * k, sizeof(double));
    if (r->v[0] == NULL || r->v[1] == NULL) {
        front_sim_runs_free(r);
        return MC_ENOMEM;
    }
    return 0;
}

void front_sim_runs_record(front_sim_runs *r, int side, size_t run, const mc_sim_result *x)
{
    mc_sim_figures f = mc_sim_figures_of(&x->total);
    for (int i = 0; i < FRONT_SIM_NFIG; i++) {
        r->v[side][(size_t)i * r->k + run] = fig_value(&f, i);
    }
}

void front_sim_runs_free(front_sim_runs *r)
{
    free(r->v[0]);
    free(r->v[1]);
    r->v[0] = r->v[1] = NULL;
}

/* ==== the views =========================================================================== */

/* Two decimals, as the text shows. */
static double two_decimals(double v)
{
    return (double)(long long)(v * 100 + 0.5) / 100;
}

/* The figures of a run or one of its procedures, whole, or NULL when out of memory (so are the
 * other views below). */
static json_t *figures_json(const char *name, const mc_sim_figures *f)
{
    bool ok = true;
    json_t *o = json_pack(
        "{s:s, s:I, s:I, s:I, s:I, s:I}", "name", name, "dossiers", (json_int_t)f->dossiers,
        "finished", (json_int_t)f->finished, "unfinished", (json_int_t)f->unfinished, "abolished",
        (json_int_t)f->abolished, "refused_at_submission", (json_int_t)f->refused_at_submission);
    struct {
        const char *key;
        double v;
    } reals[] = {{"asked_per_dossier", f->asked},   {"fetched_per_dossier", f->fetched},
                 {"visits_per_dossier", f->visits}, {"hours_per_dossier", f->hours},
                 {"cost_per_dossier", f->cost},     {"lead_mean_wd", f->lead_mean},
                 {"lead_p50_wd", f->p50},           {"lead_p90_wd", f->p90},
                 {"on_time_pct", f->on_time},       {"staff_days", f->staff_days}};
    for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++) {
        double v = reals[i].v;
        /* null for none, and for past the histogram */
        front_jset(o, reals[i].key, v < 0 ? json_null() : json_real(two_decimals(v)), &ok);
    }
    /* a year: whole amounts */
    front_jset(o, "volume", json_integer((json_int_t)f->volume), &ok);
    front_jset(o, "annual_cost", json_integer((json_int_t)f->annual), &ok);
    front_jset(o, "legal_annual_cost", json_integer((json_int_t)f->legal_annual), &ok);
    front_jset(o, "fee_revenue", json_integer((json_int_t)f->revenue), &ok);
    return front_jdone(o, ok);
}

/* The version of procedure name the run dates by (in force on the first day, or its first). */
static const mc_procedure *proc_of(const front_sim *v, const char *name)
{
    const mc_procedure *p = mc_catalogue_procedure(v->cat, name, v->opts->from);
    if (p == NULL) {
        size_t n;
        const mc_procedure *const *all = mc_catalogue_versions(v->cat, name, &n);
        p = n ? all[0] : NULL;
    }
    return p;
}

/* A procedure's row of a run with its agency, sector and official code. */
static json_t *procedure_json(const front_sim *v, const mc_sim_stats *x)
{
    bool ok = true;
    mc_sim_figures f = mc_sim_figures_of(x);
    json_t *o = figures_json(x->name, &f);
    const mc_procedure *p = proc_of(v, x->name);
    front_jset(o, "agency", p && p->agency ? json_string(p->agency) : json_null(), &ok);
    front_jset(o, "sector", p && p->sector ? json_string(p->sector) : json_null(), &ok);
    front_jset(o, "code", p && p->code ? json_string(p->code) : json_null(), &ok);
    front_jset(o, "few_dossiers", json_boolean(x->dossiers < FRONT_SIM_FEW_DOSSIERS), &ok);
    if (x->held_asks > 0) { /* an officer's requests for held documents, refused (asks-held) */
        front_jset(o, "held_asks", json_integer((json_int_t)x->held_asks), &ok);
    }
    return front_jdone(o, ok);
}

/* The lines of notes, one string each. */
static json_t *notes_json(const char *notes)
{
    bool ok = true;
    json_t *a = json_array();
    for (const char *p = notes; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        front_jpush(a, json_stringn(p, n), &ok);
        p += n + (nl != NULL);
    }
    return front_jdone(a, ok);
}

static json_t *gains_json(const mc_sim_result *r)
{
    bool ok = true;
    json_t *a = json_array();
    for (int g = 0; g < MC_SIM_NGROUPS; g++) {
        const mc_sim_gain *x = &r->gains[g];
        front_jpush(a,
                    json_pack("{s:s, s:I, s:f, s:I, s:I}", "group", mc_sim_group_names[g],
                              "dossiers", (json_int_t)x->dossiers, "mean_change_per_dossier",
                              mc_sim_gain_mean(x), "cost_rises", (json_int_t)x->rises, "cost_falls",
                              (json_int_t)x->falls),
                    &ok);
    }
    return front_jdone(a, ok);
}

/* The pools of officers of a staffed run (issue 23): by agency and role, how busy, how long the
 * lines and the waits (working days). */
static json_t *pools_json(const mc_sim_result *r)
{
    bool ok = true;
    json_t *a = json_array();
    for (size_t i = 0; i < r->npools; i++) {
        const mc_sim_pool *x = &r->pools[i];
        front_jpush(a,
                    json_pack("{s:s, s:s, s:I, s:I, s:f, s:f, s:I, s:f, s:f}", "agency", x->agency,
                              "role", x->role->name, "officers", (json_int_t)x->officers, "jobs",
                              (json_int_t)x->jobs, "utilisation_pct",
                              two_decimals(100 * x->utilisation), "mean_queue",
                              two_decimals(x->mean_queue), "max_queue", (json_int_t)x->max_queue,
                              "mean_wait_wd", two_decimals(x->mean_wait), "p90_wait_wd",
                              two_decimals(x->p90_wait)),
                    &ok);
    }
    return front_jdone(a, ok);
}

/* Interconnected procedures (issue 25): what their parts came to, by agency. */
static json_t *parts_json(const mc_sim_result *r)
{
    bool ok = true;
    json_t *a = json_array();
    for (size_t i = 0; i < r->nparts; i++) {
        const mc_sim_parts_row *x = &r->parts[i];
        front_jpush(a,
                    json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "procedure",
                              x->procedure, "agency", x->agency, "started", (json_int_t)x->started,
                              "granted", (json_int_t)x->granted, "not_granted",
                              (json_int_t)x->not_granted, "unfinished", (json_int_t)x->unfinished,
                              "late", (json_int_t)x->late, "refused_at_submission",
                              (json_int_t)x->refused, "not_needed", (json_int_t)x->not_needed),
                    &ok);
    }
    return front_jdone(a, ok);
}

static json_t *run_json(const front_sim *v, const mc_sim_result *r)
{
    bool ok = true;
    json_t *procs = json_array();
    for (size_t i = 0; i < r->nprocedures; i++) {
        front_jpush(procs, procedure_json(v, &r->procedures[i]), &ok);
    }
    mc_sim_figures t = mc_sim_figures_of(&r->total);
    json_t *o = json_object();
    front_jset(o, "total", figures_json("total", &t), &ok);
    json_t *roles = json_object();
    for (size_t i = 0; i < r->nroles; i++) {
        front_jset(roles, r->roles[i]->name, json_real(two_decimals(r->staff_days[i])), &ok);
    }
    front_jset(o, "staff_days_by_role", roles, &ok);
    if (r->total.held_asks > 0) {
        front_jset(o, "held_asks", json_integer((json_int_t)r->total.held_asks), &ok);
    }
    if (r->staffed) {
        front_jset(o, "officers", pools_json(r), &ok);
        front_jset(o, "peak_in_flight", json_integer((json_int_t)r->peak_in_flight), &ok);
    }
    if (r->paired) {
        front_jset(o, "gains", gains_json(r), &ok);
    }
    if (r->nparts > 0) {
        front_jset(o, "parts", parts_json(r), &ok);
    }
    front_jset(o, "procedures", procs, &ok);
    front_jset(o, "indicators", front_indicators_json(&r->indicators.total), &ok);
    front_jset(o, "notes", notes_json(r->notes), &ok);
    return front_jdone(o, ok);
}

static json_t *intervals_json(const front_sim_runs *r, bool two)
{
    bool ok = true;
    json_t *o = json_object();
    front_jset(o, "runs", json_integer((json_int_t)r->k), &ok);
    front_jset(o, "first_seed", json_integer((json_int_t)r->first_seed), &ok);
    front_jset(o, "last_seed", json_integer((json_int_t)(r->first_seed + r->k - 1)), &ok);
    front_jset(o, "t", json_real(mc_sim_t975(r->k - 1)), &ok);
    for (int k = 0; k < (two ? 2 : 1); k++) {
        json_t *side = json_object();
        for (int i = 0; i < FRONT_SIM_NFIG; i++) {
            double mean, half;
            mc_sim_interval(r->v[k] + (size_t)i * r->k, r->k, &mean, &half);
            front_jset(
                side, front_sim_fig_keys[i],
                json_pack("{s:f, s:f, s:f}", "mean", mean, "low", mean - half, "high", mean + half),
                &ok);
        }
        front_jset(o, k ? "reform" : "baseline", side, &ok);
    }
    return front_jdone(o, ok);
}

/* A subtotal of "by": its key, the baseline's and the reform's sums. */
typedef struct by_group {
    const char *key;
    mc_sim_stats b, r;
} by_group;

/* The figures of procedure name in r, abolished or not; NULL when r has none. */
static const mc_sim_stats *raw(const mc_sim_result *r, const char *name)
{
    for (size_t i = 0; r != NULL && i < r->nprocedures; i++) {
        if (strcmp(r->procedures[i].name, name) == 0) {
            return &r->procedures[i];
        }
    }
    return NULL;
}

static const char *by_key(const front_sim *v, const char *name)
{
    const mc_procedure *p = proc_of(v, name);
    const char *k = v->by == MC_STUDY_BY_AGENCY   ? (p ? p->agency : NULL)
                    : v->by == MC_STUDY_BY_SECTOR ? (p ? p->sector : NULL)
                                                  : name;
    return k ? k : "-";
}

static int cmp_group(const void *a, const void *b)
{
    return strcmp(((const by_group *)a)->key, ((const by_group *)b)->key);
}

/* The subtotals of v->by (n of them, sorted by key; free), or NULL when out of memory. */
static by_group *make_groups(const front_sim *v, const mc_sim_result *base,
                             const mc_sim_result *ref, size_t *n)
{
    *n = 0;
    by_group *g = calloc(base->nprocedures ? base->nprocedures : 1, sizeof *g);
    if (g == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < base->nprocedures; i++) {
        const char *k = by_key(v, base->procedures[i].name);
        size_t j = 0;
        while (j < *n && strcmp(g[j].key, k) != 0) {
            j++;
        }
        if (j == *n) {
            g[(*n)++].key = k;
            g[j].b.name = g[j].r.name = k;
        }
        mc_sim_stats_add(&g[j].b, &base->procedures[i]);
        const mc_sim_stats *rs = raw(ref, base->procedures[i].name);
        if (rs != NULL) {
            mc_sim_stats_add(&g[j].r, rs);
        }
    }
    qsort(g, *n, sizeof *g, cmp_group);
    return g;
}

static json_t *by_json(const front_sim *v, const mc_sim_result *base, const mc_sim_result *ref)
{
    static const char *const names[] = {"", "agency", "sector", "procedure"};
    size_t n;
    by_group *g = make_groups(v, base, ref, &n);
    if (g == NULL) {
        return NULL;
    }
    bool ok = true;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        mc_sim_figures b = mc_sim_figures_of(&g[i].b), r = mc_sim_figures_of(&g[i].r);
        json_t *o = json_object();
        front_jset(o, names[v->by], json_string(g[i].key), &ok);
        front_jset(o, "baseline", figures_json(g[i].key, &b), &ok);
        if (ref) {
            front_jset(o, "reform", figures_json(g[i].key, &r), &ok);
        }
        front_jpush(a, front_jdone(o, ok), &ok);
    }
    free(g);
    return front_jdone(a, ok);
}

static json_t *strings_json(char *const *lines, size_t n)
{
    bool ok = true;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        front_jpush(a, json_string(lines[i]), &ok);
    }
    return front_jdone(a, ok);
}

json_t *front_sim_json(const front_sim *v, const mc_sim_result *base, const mc_sim_result *ref)
{
    const mc_sim_opts *o = v->opts;
    bool ok = true;
    json_t *out = json_pack("{s:I, s:b, s:I, s:I, s:s, s:s?, s:s?}", "dossiers",
                            (json_int_t)base->total.dossiers, "year", o->year, "seed",
                            (json_int_t)v->seed, "runs", (json_int_t)v->runs.k, "from", v->day,
                            "cost_model", o->model ? o->model->name : NULL, "reform",
                            v->nreforms ? mc_reform_name(v->reforms[0]) : NULL);
    json_t *rs = json_array();
    for (size_t i = 0; i < v->nreforms; i++) {
        front_jpush(rs, json_string(mc_reform_name(v->reforms[i])), &ok);
    }
    front_jset(out, "reforms", rs, &ok);
    front_jset(out, "changed_for_this_run", strings_json(v->sensitivity, v->nsensitivity), &ok);
    front_jset(out, "baseline", run_json(v, base), &ok);
    if (ref) {
        front_jset(out, "reformed", run_json(v, ref), &ok);
    }
    if (v->has_cost) {
        front_jset(out, "cost_annual",
                   json_pack("{s:I, s:I}", "baseline", (json_int_t)v->cost_base, "reform",
                             (json_int_t)v->cost_reform),
                   &ok);
    }
    if (v->runs.k > 1) {
        front_jset(out, "intervals", intervals_json(&v->runs, ref != NULL), &ok);
    }
    if (v->by != MC_STUDY_BY_NONE) {
        front_jset(out, "by", by_json(v, base, ref), &ok);
    }
    if (v->ncompare > 0) {
        json_t *a = json_array();
        for (size_t i = 0; i < v->ncompare; i++) {
            mc_sim_figures f = mc_sim_figures_of(&v->cmp[i].total);
            front_jpush(a, figures_json(mc_reform_name(v->compare[i]), &f), &ok);
        }
        front_jset(out, "compare", a, &ok);
    }
    return front_jdone(out, ok);
}
