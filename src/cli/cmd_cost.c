/* `motcua cost [--reform NAME] [--date DATE] [--coverage-from STORE [--since DATE]
 * [--until DATE]] [--format text|csv|json] [--html FILE]` (SPEC §8.1). The figures are computed
 * once into a table; each format prints that table. */
#include "cli.h"
#include "coverage_out.h"
#include "html.h"

#include "motcua/alloc.h"
#include "motcua/cost.h"
#include "motcua/reform.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* One procedure in force on the date, with its figures as people read them. */
typedef struct cost_row {
    const mc_cost_line *b;
    bool abolished; /* a reform is given and the procedure is not in force under it */
    mc_fixed r_hours;
    int64_t r_cost, r_annual, saving;
    char hours[32], cost[32], annual[32];                           /* baseline */
    char r_hours_t[32], r_cost_t[32], r_annual_t[32], saving_t[32]; /* reform */
    char pct[32];                                                   /* saving % */
} cost_row;

/* An assumption printed under the table: the baseline's notes, or the reform's when different. */
typedef struct cost_note {
    const char *procedure;
    bool reform;
    const char *text;
} cost_note;

typedef struct cost_table {
    const mc_catalogue *cat;
    const mc_cost_model *m;
    const mc_reform *reform; /* or NULL */
    const cli_coverage *cov; /* the registries' coverage and where it comes from */
    char day[11];
    cost_row *rows;
    size_t n;
    cost_note *notes;
    size_t nnotes;
    mc_cost_comparison cmp; /* the figures; the rows below hold them as text */
    int64_t total_b, total_r, total_s;
    char total_b_t[32], total_r_t[32], total_s_t[32], total_pct[32];
} cost_table;

/* Hours with two decimals, rounded half up. */
static void hours_text(mc_fixed h, char out[32])
{
    front_hundredths((h + 5000) / 10000, out);
}

static const mc_cost_line *find(const mc_cost_line *l, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(l[i].procedure, name) == 0) {
            return &l[i];
        }
    }
    return NULL;
}

/* Fills t from the baseline lines and the reform's (ref is NULL without a reform). */
static int table_build(cost_table *t, const mc_cost_line *base, size_t nb, const mc_cost_line *ref,
                       size_t nr, mc_error *err)
{
    t->notes = calloc(2 * nb + 1, sizeof *t->notes);
    if (t->notes == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < nb; i++) {
        const mc_cost_line *b = &base[i];
        const mc_cost_line *r = t->reform ? find(ref, nr, b->procedure) : NULL;
        const char *notes[2] = {b->in_force ? b->notes : "", r && r->in_force ? r->notes : ""};
        for (int k = 0; k < 2; k++) {
            if (notes[k][0] && (k == 0 || strcmp(notes[0], notes[1]) != 0)) {
                t->notes[t->nnotes++] = (cost_note){b->procedure, k == 1, notes[k]};
            }
        }
    }
    int rc = mc_cost_compare(base, nb, t->reform ? ref : NULL, nr, &t->cmp, err);
    if (rc != 0) {
        return rc;
    }
    t->rows = calloc(t->cmp.n ? t->cmp.n : 1, sizeof *t->rows);
    if (t->rows == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < t->cmp.n; i++) {
        const mc_cost_row *c = &t->cmp.rows[i];
        cost_row *row = &t->rows[t->n++];
        row->b = c->base;
        row->abolished = c->abolished;
        row->r_hours = c->reform_hours;
        row->r_cost = c->reform_cost;
        row->r_annual = c->reform_annual;
        row->saving = c->saving;
        hours_text(c->base->hours, row->hours);
        cli_thousands(c->base->cost, row->cost);
        cli_thousands(c->base->annual, row->annual);
        hours_text(row->r_hours, row->r_hours_t);
        cli_thousands(row->r_cost, row->r_cost_t);
        cli_thousands(row->r_annual, row->r_annual_t);
        cli_thousands(row->saving, row->saving_t);
        front_hundredths(c->saving_bp, row->pct);
    }
    t->total_b = t->cmp.total_base;
    t->total_r = t->cmp.total_reform;
    t->total_s = t->cmp.total_saving;
    cli_thousands(t->total_b, t->total_b_t);
    cli_thousands(t->total_r, t->total_r_t);
    cli_thousands(t->total_s, t->total_s_t);
    front_hundredths(t->cmp.total_saving_bp, t->total_pct);
    return 0;
}

/* "cost model vn-2024: 40,000 VND an hour, …; waiting counted" */
static void model_text(const mc_cost_model *m, char *out, size_t size)
{
    char inc[32], vis[32], hpd[32], vt[32];
    cli_thousands(m->hourly_income.amount, inc);
    cli_thousands(m->visit_cost.amount, vis);
    mc_fixed_format(m->hours_per_day, hpd);
    mc_fixed_format(m->visit_time.amount, vt);
    snprintf(out, size,
             "cost model %s: %s %s an hour, %s hours a day, a visit %s%s and %s %s; "
             "waiting %s",
             m->name, inc, m->hourly_income.currency, hpd, vt, mc_dur_unit_name(m->visit_time.unit),
             vis, m->visit_cost.currency, m->count_waiting ? "counted" : "not counted");
}

static void print_text(const cost_table *t)
{
    int w = 34; /* the name column: as wide as the longest procedure name */
    for (size_t i = 0; i < t->n; i++) {
        int len = (int)strlen(t->rows[i].b->procedure);
        w = len > w ? len : w;
    }
    char model[512];
    model_text(t->m, model, sizeof model);
    printf("%s\n", model);
    printf("versions in force on %s%s%s\n\n", t->day, t->reform ? ", reform " : "",
           t->reform ? mc_reform_name(t->reform) : "");
    printf("%-*s %9s %14s %18s", w, "procedure", "hours", "cost/dossier", "annual");
    if (t->reform) {
        printf(" | %9s %14s %18s %18s %8s", "hours", "cost/dossier", "annual", "saving", "saving");
    }
    putchar('\n');
    for (size_t i = 0; i < t->n; i++) {
        const cost_row *r = &t->rows[i];
        printf("%-*s %9s %14s %18s", w, r->b->procedure, r->hours, r->cost, r->annual);
        if (t->reform) {
            printf(" | %9s %14s %18s %18s %7s%%%s", r->r_hours_t, r->r_cost_t, r->r_annual_t,
                   r->saving_t, r->pct, r->abolished ? "  abolished" : "");
        }
        putchar('\n');
    }
    printf("%-*s %9s %14s %18s", w, "total", "", "", t->total_b_t);
    if (t->reform) {
        printf(" | %9s %14s %18s %18s %7s%%", "", "", t->total_r_t, t->total_s_t, t->total_pct);
    }
    putchar('\n');
    cli_coverage_print(stdout, t->cov, t->cat);
    if (t->nnotes > 0) {
        puts("\nassumptions:");
    }
    for (size_t i = 0; i < t->nnotes; i++) {
        const cost_note *nt = &t->notes[i];
        printf("  %s%s: %s\n", nt->procedure, nt->reform ? " (reform)" : "", nt->text);
    }
}

static void print_csv(const cost_table *t)
{
    printf("procedure,hours,cost,volume,annual%s,notes\n",
           t->reform ? ",reform_hours,reform_cost,reform_annual,saving,saving_pct" : "");
    for (size_t i = 0; i < t->n; i++) {
        const cost_row *r = &t->rows[i];
        const mc_cost_line *b = r->b;
        printf("%s,%s,%lld,%lld,%lld", b->procedure, r->hours, (long long)b->cost,
               (long long)b->volume, (long long)b->annual);
        if (t->reform) {
            printf(",%s,%lld,%lld,%lld,%s", r->r_hours_t, (long long)r->r_cost,
                   (long long)r->r_annual, (long long)r->saving, r->pct);
        }
        printf(",\"%s\"\n", b->notes);
    }
}

/* The table as the JSON of docs/cli.md, whole, or NULL when out of memory. */
static json_t *table_json(const cost_table *t)
{
    bool ok = true;
    json_t *procs = json_array();
    for (size_t i = 0; i < t->n; i++) {
        const cost_row *r = &t->rows[i];
        const mc_cost_line *b = r->b;
        json_t *o =
            json_pack("{s:s, s:{s:s, s:I, s:I, s:I}, s:s}", "procedure", b->procedure, "baseline",
                      "hours", r->hours, "cost", (json_int_t)b->cost, "volume",
                      (json_int_t)b->volume, "annual", (json_int_t)b->annual, "notes", b->notes);
        if (t->reform) {
            front_jset(o, "reform",
                       json_pack("{s:s, s:I, s:I, s:b}", "hours", r->r_hours_t, "cost",
                                 (json_int_t)r->r_cost, "annual", (json_int_t)r->r_annual,
                                 "abolished", r->abolished),
                       &ok);
            front_jset(o, "saving", json_integer(r->saving), &ok);
            front_jset(o, "saving_pct", json_string(r->pct), &ok);
        }
        front_jpush(procs, o, &ok);
    }
    json_t *total = json_pack("{s:I}", "baseline", (json_int_t)t->total_b);
    if (t->reform) {
        front_jset(total, "reform", json_integer(t->total_r), &ok);
        front_jset(total, "saving", json_integer(t->total_s), &ok);
        front_jset(total, "saving_pct", json_string(t->total_pct), &ok);
    }
    json_t *o = json_pack("{s:s, s:s, s:s?}", "date", t->day, "cost_model", t->m->name, "reform",
                          t->reform ? mc_reform_name(t->reform) : NULL);
    front_jset(o, "procedures", procs, &ok);
    front_jset(o, "total", total, &ok);
    if (t->cov->on) {
        front_jset(o, "coverage", cli_coverage_json(t->cov, t->cat), &ok);
    }
    return front_jdone(o, ok);
}

/* ---- the page ----------------------------------------------------------------------------- */

static void page_meta(html *h, const front_opts *c, const cost_table *t)
{
    html_meta(h, "catalogue %s, versions in force on %s", c->catalogue ? c->catalogue : ".",
              t->day);
    if (t->reform) {
        const char *title = mc_reform_title(t->reform);
        html_meta(h, "reform %s%s%s", mc_reform_name(t->reform), title ? ": " : "",
                  title ? title : "");
    }
    char model[512];
    model_text(t->m, model, sizeof model);
    html_meta(h, "%s", model);
}

static void page_figures(html *h, const cost_table *t)
{
    const char *cur = t->m->hourly_income.currency;
    char b[64], r[64], s[64], p[40];
    snprintf(b, sizeof b, "%s %s", t->total_b_t, cur);
    snprintf(r, sizeof r, "%s %s", t->total_r_t, cur);
    snprintf(s, sizeof s, "%s %s", t->total_s_t, cur);
    snprintf(p, sizeof p, "%s%%", t->total_pct);
    html_figure f[] = {
        {b, "annual cost, baseline"},
        {r, "annual cost, reform"},
        {s, "annual saving"},
        {p, "saving"},
    };
    html_figures(h, f, t->reform ? 4 : 1);
}

static void page_table(html *h, const cost_table *t)
{
    static const char *const head[] = {
        "procedure",           "hours",         "cost/dossier", "volume",  "annual", "reform hours",
        "reform cost/dossier", "reform annual", "saving",       "saving %"};
    size_t ncols = t->reform ? 10 : 5;
    char caption[128];
    snprintf(caption, sizeof caption, "Compliance cost per procedure, in %s",
             t->m->hourly_income.currency);
    html_table_begin(h, caption, head, ncols, "lrrrrrrrrr");
    for (size_t i = 0; i < t->n; i++) {
        const cost_row *r = &t->rows[i];
        char volume[32], pct[40], r_annual[48];
        char *name = cli_procedure_cell(t->cat, r->b->procedure);
        cli_thousands(r->b->volume, volume);
        snprintf(pct, sizeof pct, "%s%%", r->pct);
        snprintf(r_annual, sizeof r_annual, "%s%s", r->r_annual_t,
                 r->abolished ? " (abolished)" : "");
        const char *cells[] = {name ? name : r->b->procedure,
                               r->hours,
                               r->cost,
                               volume,
                               r->annual,
                               r->r_hours_t,
                               r->r_cost_t,
                               r_annual,
                               r->saving_t,
                               pct};
        html_table_row(h, cells);
        free(name);
    }
    char pct[40];
    snprintf(pct, sizeof pct, "%s%%", t->total_pct);
    const char *total[] = {"total", "", "",           "",           t->total_b_t,
                           "",      "", t->total_r_t, t->total_s_t, pct};
    html_table_total(h, total);
    html_table_end(h);
}

/* A bar chart of the procedures with the largest keys (all of them when few). */
static void chart_top(html *h, const cost_table *t, const double *keys, const char *title,
                      const html_series *series, size_t nseries, const char *const *labels)
{
    size_t n = t->n;
    size_t *idx = calloc(n ? n : 1, sizeof *idx);
    const char **lab = calloc(n ? n : 1, sizeof *lab);
    const char **texts = calloc(HTML_MAX_SERIES * (n ? n : 1), sizeof *texts);
    double *values = calloc(HTML_MAX_SERIES * (n ? n : 1), sizeof *values);
    if (idx == NULL || lab == NULL || texts == NULL || values == NULL) {
        html_set_error(h, ENOMEM);
        goto done;
    }
    size_t k = cli_top(keys, n, CLI_CHART_MAX, idx);
    html_series picked[HTML_MAX_SERIES];
    for (size_t s = 0; s < nseries; s++) {
        for (size_t i = 0; i < k; i++) {
            values[s * n + i] = series[s].values[idx[i]];
            texts[s * n + i] = series[s].texts[idx[i]];
        }
        picked[s] = (html_series){series[s].name, values + s * n, texts + s * n};
    }
    for (size_t i = 0; i < k; i++) {
        lab[i] = labels[idx[i]];
    }
    char full[300];
    if (k < n) {
        snprintf(full, sizeof full, "%s — the %zu largest of %zu procedures (the table lists all)",
                 title, k, n);
    } else {
        snprintf(full, sizeof full, "%s", title);
    }
    html_bar_chart(h, full, lab, k, picked, nseries);
done:
    free(idx);
    free(lab);
    free(texts);
    free(values);
}

static void page_charts(html *h, const cost_table *t)
{
    size_t n = t->n;
    const char **labels = calloc(n ? n : 1, sizeof *labels);
    const char **texts = calloc(3 * (n ? n : 1), sizeof *texts);
    double *values = calloc(4 * (n ? n : 1), sizeof *values);
    if (labels == NULL || texts == NULL || values == NULL) {
        html_set_error(h, ENOMEM);
        goto done;
    }
    double *annual = values + 3 * n;
    for (size_t i = 0; i < n; i++) {
        const cost_row *r = &t->rows[i];
        labels[i] = r->b->procedure;
        values[i] = (double)r->b->cost;
        texts[i] = r->cost;
        values[n + i] = (double)r->r_cost;
        texts[n + i] = r->r_cost_t;
        values[2 * n + i] = (double)r->saving;
        texts[2 * n + i] = r->saving_t;
        annual[i] = (double)r->b->annual;
    }
    html_series per_dossier[] = {
        {"baseline", values, texts},
        {"reform", values + n, texts + n},
    };
    html_heading(h, "Cost per dossier");
    chart_top(h, t, annual,
              t->reform
                  ? "Cost of one dossier to its applicant, baseline and reform, by annual cost"
                  : "Cost of one dossier to its applicant, by annual cost",
              per_dossier, t->reform ? 2 : 1, labels);
    if (t->reform) {
        html_series saving[] = {{"annual saving", values + 2 * n, texts + 2 * n}};
        html_heading(h, "Annual saving");
        chart_top(h, t, values + 2 * n,
                  "Annual saving per procedure (baseline annual cost minus reform)", saving, 1,
                  labels);
    }
done:
    free(labels);
    free(texts);
    free(values);
}

static int write_page(const front_opts *c, const cost_table *t, mc_error *err)
{
    html *h = NULL;
    char title[512];
    snprintf(title, sizeof title, "Compliance cost%s%s", t->reform ? ": " : "",
             t->reform ? mc_reform_name(t->reform) : "");
    int rc = html_open(&h, c->html, title, err);
    if (rc != 0) {
        return rc;
    }
    page_meta(h, c, t);
    page_figures(h, t);
    page_charts(h, t); /* before the table, which may list hundreds of procedures */
    page_table(h, t);
    cli_coverage_page(h, t->cov, t->cat);
    html_heading(h, "Assumptions");
    html_para(h, "Method of Circular 02/2017/TT-VPCP: hours × hourly income, plus the fee, the "
                 "cost of asked documents and of visits; fetched documents cost nothing. "
                 "Annual figures are the cost of one dossier × the yearly volume.");
    if (t->nnotes > 0) {
        html_list_begin(h);
        for (size_t i = 0; i < t->nnotes; i++) {
            char term[256];
            snprintf(term, sizeof term, "%s%s", t->notes[i].procedure,
                     t->notes[i].reform ? " (reform)" : "");
            html_item(h, term, t->notes[i].text);
        }
        html_list_end(h);
    }
    return html_close(h, err);
}

int cmd_cost(front_opts *c)
{
    const char *fmt = c->format ? c->format : "text";
    if (c->nargs != 0) {
        return front_usage_error("cost takes no arguments (options: --reform, --date, "
                                 "--coverage-from, --since, --until, --format, --html)");
    }
    if (cli_coverage_check(c) != EXIT_OK) {
        return EXIT_USAGE;
    }
    if (c->html != NULL && c->html[0] == '\0') {
        return front_usage_error("--html needs a file name");
    }
    mc_date date = cli_today();
    char msg[200];
    if (c->date != NULL && mc_value_date(c->date, strlen(c->date), &date, msg, sizeof msg) != 0) {
        return front_usage_error("--date: %s", msg);
    }
    mc_catalogue *cat = NULL, *reformed = NULL;
    mc_rules *rules = NULL;
    mc_diags *diags = NULL;
    mc_error err;
    mc_error_clear(&err);
    mc_cost_line *base = NULL, *ref = NULL;
    size_t nb = 0, nr = 0;
    cost_table t;
    memset(&t, 0, sizeof t);
    cli_coverage cov;
    memset(&cov, 0, sizeof cov);
    t.cov = &cov;
    int rc = front_load(c, NULL, 0, &cat, &rules, &diags, &err);
    t.cat = cat;
    t.m = cat ? mc_catalogue_default_cost_model(cat) : NULL;
    if (rc == 0 && t.m == NULL) {
        rc = mc_error_set(&err, MC_ENOTFOUND, "the catalogue has no default cost-model");
    }
    if (rc == 0 && c->nreforms > 0) {
        t.reform = mc_catalogue_reform(cat, c->reforms[0]);
        rc = t.reform ? mc_reform_apply(cat, t.reform, &reformed, &err)
                      : mc_error_set(&err, MC_ENOTFOUND, "unknown reform '%s'", c->reforms[0]);
    }
    if (rc == 0) {
        rc = cli_coverage_load(c, cat, &cov, &err);
        cov.reformed = reformed;
    }
    const mc_coverage *measured = cov.on ? &cov.cov : NULL;
    if (rc == 0) {
        rc = mc_cost_compute_with(cat, rules, t.m, date, measured, &base, &nb, &err);
    }
    if (rc == 0 && reformed != NULL) {
        rc = mc_cost_compute_with(reformed, rules, t.m, date, measured, &ref, &nr, &err);
    }
    mc_date_format(date, t.day);
    if (rc == 0) {
        rc = table_build(&t, base, nb, ref, nr, &err);
    }
    if (rc == 0 && t.n == 0) {
        rc = mc_error_set(&err, MC_ENOTFOUND, "no procedure is in force on %s", t.day);
    }
    if (rc == 0) {
        if (strcmp(fmt, "csv") == 0) {
            print_csv(&t);
            cli_coverage_print(stderr, &cov, cat); /* the table stays a table */
        } else if (c->json) {
            if (cli_print_json(table_json(&t), JSON_INDENT(2) | JSON_PRESERVE_ORDER) != EXIT_OK) {
                rc = MC_ENOMEM; /* said, with err.msg left empty: exit 3, no page */
            }
        } else {
            print_text(&t);
        }
        fflush(stdout);
        if (rc == 0 && c->html != NULL) {
            rc = write_page(c, &t, &err);
        }
    }
    if (rc != 0) {
        if (diags != NULL && rc == MC_ECHECK) {
            front_print_diags(stderr, diags);
        }
        if (err.msg[0]) {
            fprintf(stderr, "motcua: %s\n", err.msg);
        }
    }
    free(t.rows);
    cli_coverage_free(&cov);
    mc_cost_comparison_free(&t.cmp);
    free(t.notes);
    mc_free(base);
    mc_free(ref);
    mc_catalogue_free(reformed);
    mc_catalogue_free(cat);
    mc_rules_free(rules);
    mc_diags_free(diags);
    return front_exit_for(rc);
}
