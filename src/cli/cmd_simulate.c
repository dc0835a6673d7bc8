/* `motcua simulate [--reform NAME] [--dossiers N | --year] [--seed S] [--from DATE]
 * [--coverage-from STORE [--since DATE] [--until DATE]] [--format text|csv|json]` (SPEC §8.2):
 * the baseline, and the reform when one is named, on the same synthetic applicants, side by
 * side. */
#include "cli.h"

#include "coverage_out.h"
#include "html.h"
#include "motcua/reform.h"
#include "motcua/sim.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { MAX_DOSSIERS = 1000000000, PROGRESS_FROM = 200000 };

/* A number with two decimals; "-" for none, ">60" past the histogram. */
static const char *num(double v, char out[32])
{
    if (v == MC_SIM_NONE) {
        return strcpy(out, "-");
    }
    if (v == MC_SIM_PAST) {
        return strcpy(out, ">60");
    }
    snprintf(out, 32, "%.2f", v);
    return out;
}

/* Hundredths (mc_report_ratios) with two decimals; "-" for none. */
static void hundredths(int64_t v, char out[32])
{
    if (v == MC_REPORT_NONE) {
        strcpy(out, "-");
    } else {
        front_hundredths(v, out);
    }
}

/* Money per dossier, rounded to the unit, thousands separated. */
static const char *money(double v, char out[32])
{
    cli_thousands((int64_t)(v < 0 ? v - 0.5 : v + 0.5), out);
    return out;
}

static const char *change(double base, double reform, char out[32])
{
    double pct;
    if (!mc_sim_change(base, reform, &pct)) {
        return strcpy(out, "");
    }
    snprintf(out, 32, "%+.2f%%", pct);
    return out;
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
                 {"on_time_pct", f->on_time}};
    for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++) {
        double v = reals[i].v;
        /* two decimals, as the text shows; null for none, and for past the histogram */
        front_jset(o, reals[i].key,
                   v < 0 ? json_null() : json_real((double)(long long)(v * 100 + 0.5) / 100), &ok);
    }
    return front_jdone(o, ok);
}

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

static json_t *run_json(const mc_sim_result *r)
{
    bool ok = true;
    json_t *procs = json_array();
    for (size_t i = 0; i < r->nprocedures; i++) {
        mc_sim_figures f = mc_sim_figures_of(&r->procedures[i]);
        front_jpush(procs, figures_json(r->procedures[i].name, &f), &ok);
    }
    mc_sim_figures t = mc_sim_figures_of(&r->total);
    json_t *o = json_object();
    front_jset(o, "total", figures_json("total", &t), &ok);
    front_jset(o, "procedures", procs, &ok);
    front_jset(o, "indicators", front_indicators_json(&r->indicators.total), &ok);
    front_jset(o, "notes", notes_json(r->notes), &ok);
    return front_jdone(o, ok);
}

/* The figures of procedure name in r; NULL when r has none, or abolished it. */
static const mc_sim_stats *find(const mc_sim_result *r, const char *name)
{
    for (size_t i = 0; r != NULL && i < r->nprocedures; i++) {
        const mc_sim_stats *x = &r->procedures[i];
        if (strcmp(x->name, name) == 0) {
            return x->abolished > 0 && x->abolished == x->dossiers ? NULL : x;
        }
    }
    return NULL;
}

static void csv_figures(const mc_sim_figures *f)
{
    char a[32], b[32], c[32], d[32];
    printf(",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%.2f,%.2f,%.2f,%.2f,%.0f,%s,%s,%s,%s",
           f->dossiers, f->finished, f->unfinished, f->abolished, f->asked, f->fetched, f->visits,
           f->hours, f->cost, num(f->lead_mean, a), num(f->p50, b), num(f->p90, c),
           num(f->on_time, d));
}

static void print_csv(const mc_sim_result *base, const mc_sim_result *ref)
{
    static const char cols[] = "dossiers,finished,unfinished,abolished,asked_per_dossier,"
                               "fetched_per_dossier,visits_per_dossier,hours_per_dossier,"
                               "cost_per_dossier,lead_mean_wd,lead_p50_wd,lead_p90_wd,on_time_pct";
    printf("procedure,%s", cols);
    if (ref) {
        printf(",reform_");
        for (const char *p = cols; *p; p++) {
            putchar(*p);
            if (*p == ',') {
                printf("reform_");
            }
        }
    }
    putchar('\n');
    mc_sim_stats none;
    memset(&none, 0, sizeof none);
    for (size_t i = 0; i <= base->nprocedures; i++) {
        const mc_sim_stats *b = i < base->nprocedures ? &base->procedures[i] : &base->total;
        mc_sim_figures fb = mc_sim_figures_of(b);
        printf("%s", b->name);
        csv_figures(&fb);
        if (ref) {
            const mc_sim_stats *r = i < base->nprocedures ? find(ref, b->name) : &ref->total;
            mc_sim_figures fr = mc_sim_figures_of(r ? r : &none);
            csv_figures(&fr);
        }
        putchar('\n');
    }
}

static void text_line(const char *label, const char *b, const char *r, const char *chg, bool two)
{
    if (two) {
        printf("%-32s %14s %14s %10s\n", label, b, r, chg);
    } else {
        printf("%-32s %14s\n", label, b);
    }
}

static void count_line(const char *label, int64_t b, int64_t r, bool two)
{
    char x[32], y[32];
    snprintf(x, sizeof x, "%" PRId64, b);
    snprintf(y, sizeof y, "%" PRId64, r);
    text_line(label, x, y, "", two);
}

/* Calls fn for each line of the notes of base, then of ref's that base does not have. */
static void each_note(const mc_sim_result *base, const mc_sim_result *ref,
                      void (*fn)(void *ud, bool reform, const char *line), void *ud)
{
    const char *notes[2] = {base->notes, ref ? ref->notes : ""};
    for (int k = 0; k < 2; k++) {
        for (const char *p = notes[k]; *p;) {
            const char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p) : strlen(p);
            char line[400];
            snprintf(line, sizeof line, "%.*s", (int)(n < sizeof line ? n : sizeof line - 1), p);
            if (k == 0 || strstr(base->notes, line) == NULL) {
                fn(ud, k == 1, line);
            }
            p += n + (nl != NULL);
        }
    }
}

static void print_note(void *ud, bool reform, const char *line)
{
    bool *header = ud;
    if (!*header) {
        puts("\nassumptions and warnings:");
        *header = true;
    }
    printf("  %s%s\n", reform ? "(reform) " : "", line);
}

static void print_text(const mc_sim_result *base, const mc_sim_result *ref)
{
    mc_sim_figures b = mc_sim_figures_of(&base->total), r;
    memset(&r, 0, sizeof r);
    if (ref) {
        r = mc_sim_figures_of(&ref->total);
    }
    bool two = ref != NULL;
    char z[32];
    if (two) {
        printf("%-32s %14s %14s %10s\n", "", "baseline", "reform", "change");
    }
    count_line("dossiers", b.dossiers, r.dossiers, two);
    count_line("  reached a final state", b.finished, r.finished, two);
    count_line("  unfinished", b.unfinished, r.unfinished, two);
    if (two) {
        count_line("  of an abolished procedure", b.abolished, r.abolished, two);
    }
    count_line("  refused at submission", b.refused_at_submission, r.refused_at_submission, two);
    char u[32], v[32];
    text_line("documents asked per dossier", num(b.asked, u), num(r.asked, v),
              change(b.asked, r.asked, z), two);
    text_line("documents fetched per dossier", num(b.fetched, u), num(r.fetched, v), "", two);
    text_line("visits per dossier", num(b.visits, u), num(r.visits, v),
              change(b.visits, r.visits, z), two);
    text_line("applicant hours per dossier", num(b.hours, u), num(r.hours, v),
              change(b.hours, r.hours, z), two);
    text_line("applicant cost per dossier", money(b.cost, u), money(r.cost, v),
              change(b.cost, r.cost, z), two);
    text_line("lead time, mean (wd)", num(b.lead_mean, u), num(r.lead_mean, v),
              change(b.lead_mean, r.lead_mean, z), two);
    text_line("lead time, p50 (wd)", num(b.p50, u), num(r.p50, v), "", two);
    text_line("lead time, p90 (wd)", num(b.p90, u), num(r.p90, v), "", two);
    char ob[40], orf[40];
    snprintf(ob, sizeof ob, "%s%s", num(b.on_time, u), b.on_time >= 0 ? "%" : "");
    snprintf(orf, sizeof orf, "%s%s", num(r.on_time, v), r.on_time >= 0 ? "%" : "");
    text_line("on time", ob, orf, "", two);

    printf("\n%-34s %9s %8s %8s %12s %7s %8s", "per procedure", "dossiers", "asked/d", "fetch/d",
           "cost/d", "p50 wd", "on time");
    if (two) {
        printf(" | %8s %8s %12s %7s %8s", "asked/d", "fetch/d", "cost/d", "p50 wd", "on time");
    }
    putchar('\n');
    for (size_t i = 0; i < base->nprocedures; i++) {
        mc_sim_figures f = mc_sim_figures_of(&base->procedures[i]);
        char a[32], c[32], d[32], e[32], g[32];
        printf("%-34s %9" PRId64 " %8s %8s %12s %7s %7s%%", base->procedures[i].name, f.dossiers,
               num(f.asked, a), num(f.fetched, c), money(f.cost, d), num(f.p50, e),
               num(f.on_time, g));
        if (two) {
            const mc_sim_stats *rs = find(ref, base->procedures[i].name);
            if (rs == NULL) {
                printf(" | abolished");
            } else {
                mc_sim_figures q = mc_sim_figures_of(rs);
                printf(" | %8s %8s %12s %7s %7s%%", num(q.asked, a), num(q.fetched, c),
                       money(q.cost, d), num(q.p50, e), num(q.on_time, g));
            }
        }
        putchar('\n');
    }
    puts("\nindicators (Decision 766/QĐ-TTg) of the simulated dossiers:");
    cli_indicators_header(false);
    mc_indicators ib = base->indicators.total;
    ib.name = "baseline";
    cli_indicators_row(&ib, false);
    if (two) {
        mc_indicators ir = ref->indicators.total;
        ir.name = "reform";
        cli_indicators_row(&ir, false);
    }
    bool header = false;
    each_note(base, ref, print_note, &header);
}

/* ==== the page (--html) ================================================================== */

enum { WD_BINS = 31 }; /* whole working days 0 … 29, then 30 and more */

static void page_summary(html *h, const mc_sim_result *base, const mc_sim_result *ref)
{
    mc_sim_figures b = mc_sim_figures_of(&base->total),
                   r = ref ? mc_sim_figures_of(&ref->total) : b;
    char cb[48], cr[48], chg[32], ob[40], orf[40], u[32], v[32];
    snprintf(cb, sizeof cb, "%s", money(b.cost, u));
    snprintf(cr, sizeof cr, "%s", money(r.cost, v));
    snprintf(ob, sizeof ob, "%s%s", num(b.on_time, u), b.on_time >= 0 ? "%" : "");
    snprintf(orf, sizeof orf, "%s%s", num(r.on_time, v), r.on_time >= 0 ? "%" : "");
    change(b.cost, r.cost, chg);
    html_figure f[] = {
        {cb, "applicant cost per dossier, baseline"},
        {cr, "applicant cost per dossier, reform"},
        {chg, "change in applicant cost"},
        {ob, "on time, baseline"},
        {orf, "on time, reform"},
    };
    if (ref) {
        html_figures(h, f, 5);
    } else {
        html_figure one[] = {f[0], f[3]};
        one[0].label = "applicant cost per dossier";
        one[1].label = "on time";
        html_figures(h, one, 2);
    }
    static const char *const head[] = {"", "baseline", "reform", "change"};
    html_table_begin(h, "The simulated dossiers", head, ref ? 4 : 2, "lrrr");
    struct {
        const char *label;
        double b, r;
        bool is_money, with_change;
    } rows[] = {
        {"documents asked per dossier", b.asked, r.asked, false, true},
        {"documents fetched per dossier", b.fetched, r.fetched, false, false},
        {"visits per dossier", b.visits, r.visits, false, true},
        {"applicant hours per dossier", b.hours, r.hours, false, true},
        {"applicant cost per dossier", b.cost, r.cost, true, true},
        {"lead time, mean (working days)", b.lead_mean, r.lead_mean, false, true},
        {"lead time, p50 (working days)", b.p50, r.p50, false, false},
        {"lead time, p90 (working days)", b.p90, r.p90, false, false},
        {"on time (%)", b.on_time, r.on_time, false, false},
    };
    char d[32], e[32], g[32];
    snprintf(d, sizeof d, "%" PRId64, b.dossiers);
    snprintf(e, sizeof e, "%" PRId64, r.dossiers);
    const char *first[] = {"dossiers", d, e, ""};
    html_table_row(h, first);
    snprintf(d, sizeof d, "%" PRId64, b.unfinished);
    snprintf(e, sizeof e, "%" PRId64, r.unfinished);
    const char *second[] = {"unfinished", d, e, ""};
    html_table_row(h, second);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *cells[] = {rows[i].label,
                               rows[i].is_money ? money(rows[i].b, d) : num(rows[i].b, d),
                               rows[i].is_money ? money(rows[i].r, e) : num(rows[i].r, e),
                               rows[i].with_change ? change(rows[i].b, rows[i].r, g) : ""};
        html_table_row(h, cells);
    }
    html_table_end(h);
}

static void page_lead_and_shares(html *h, const mc_sim_result *base, const mc_sim_result *ref);

static void page_charts(html *h, const mc_sim_result *base, const mc_sim_result *ref)
{
    size_t n = base->nprocedures;
    /* The procedures with the most dossiers (all of them when few). */
    size_t *idx = calloc(n ? n : 1, sizeof *idx);
    double *keys = calloc(n ? n : 1, sizeof *keys);
    const char **labels = calloc(n ? n : 1, sizeof *labels);
    double *cost = calloc(2 * (n ? n : 1), sizeof *cost);
    char(*texts)[32] = calloc(2 * (n ? n : 1), sizeof *texts);
    const char **tp = calloc(2 * (n ? n : 1), sizeof *tp);
    if (idx == NULL || keys == NULL || labels == NULL || cost == NULL || texts == NULL ||
        tp == NULL) {
        html_set_error(h, ENOMEM);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        keys[i] = (double)base->procedures[i].dossiers;
    }
    size_t shown = cli_top(keys, n, CLI_CHART_MAX, idx);
    for (size_t j = 0; j < shown; j++) {
        size_t i = idx[j];
        labels[j] = base->procedures[i].name;
        cost[j] = mc_sim_figures_of(&base->procedures[i]).cost;
        const mc_sim_stats *r = ref ? find(ref, labels[j]) : NULL;
        cost[n + j] = r ? mc_sim_figures_of(r).cost : 0;
        tp[j] = money(cost[j], texts[j]);
        tp[n + j] = r ? money(cost[n + j], texts[n + j]) : "abolished";
    }
    html_series per_dossier[] = {{"baseline", cost, tp}, {"reform", cost + n, tp + n}};
    char title[200] = "Applicant cost per simulated dossier, by procedure";
    if (shown < n) {
        snprintf(title, sizeof title,
                 "Applicant cost per simulated dossier — the %zu procedures with the most "
                 "dossiers of %zu (the table lists all)",
                 shown, n);
    }
    html_heading(h, "Applicant cost per dossier");
    html_bar_chart(h, title, labels, shown, per_dossier, ref ? 2 : 1);
    page_lead_and_shares(h, base, ref);
done:
    free(idx);
    free(keys);
    free(labels);
    free(cost);
    free(texts);
    free(tp);
}

/* The lead-time distribution and the on-time and documents shares. */
static void page_lead_and_shares(html *h, const mc_sim_result *base, const mc_sim_result *ref)
{

    double lb[WD_BINS], lr[WD_BINS];
    const char *bins[WD_BINS];
    char text[WD_BINS][8];
    for (size_t d = 0; d < WD_BINS; d++) {
        snprintf(text[d], sizeof text[d], d + 1 < WD_BINS ? "%zu" : "%zu+", d);
        bins[d] = text[d];
    }
    mc_sim_lead_shares(&base->total, lb, WD_BINS);
    if (ref) {
        mc_sim_lead_shares(&ref->total, lr, WD_BINS);
    }
    html_series lead[] = {{"baseline", lb, NULL}, {"reform", lr, NULL}};
    html_heading(h, "Lead time");
    html_column_chart(h,
                      "Share of finished dossiers (%) by working days from submission to the "
                      "final state",
                      bins, WD_BINS, lead, ref ? 2 : 1);

    const mc_sim_result *runs[2] = {base, ref};
    const char *names[2] = {"baseline", "reform"};
    html_share on_time[2], docs[2];
    size_t k = ref ? 2 : 1;
    for (size_t i = 0; i < k; i++) {
        const mc_sim_stats *t = &runs[i]->total;
        on_time[i] =
            (html_share){names[i], 2, {"on time", "late"}, {(double)t->on_time, (double)t->late}};
        docs[i] = (html_share){names[i],
                               2,
                               {"fetched from a registry", "asked of the applicant"},
                               {(double)t->fetched, (double)t->asked}};
    }
    html_heading(h, "On time and documents");
    html_share_chart(h, "Dossiers that reached a final state by their due instant", on_time, k);
    html_share_chart(h, "Documents fetched from registries against asked of applicants", docs, k);
}

static void page_procedures(html *h, const mc_sim_result *base, const mc_sim_result *ref)
{
    static const char *const head[] = {"procedure",     "dossiers",       "asked/d",
                                       "fetched/d",     "cost/d",         "p50 wd",
                                       "on time",       "reform asked/d", "reform fetched/d",
                                       "reform cost/d", "reform p50 wd",  "reform on time"};
    html_heading(h, "By procedure");
    html_table_begin(h, NULL, head, ref ? 12 : 7, "lrrrrrrrrrrr");
    for (size_t i = 0; i < base->nprocedures; i++) {
        mc_sim_figures f = mc_sim_figures_of(&base->procedures[i]);
        const mc_sim_stats *rs = ref ? find(ref, base->procedures[i].name) : NULL;
        mc_sim_figures q;
        memset(&q, 0, sizeof q);
        q.lead_mean = q.p50 = q.p90 = q.on_time = MC_SIM_NONE;
        if (rs) {
            q = mc_sim_figures_of(rs);
        }
        char c[12][32];
        snprintf(c[1], 32, "%" PRId64, f.dossiers);
        num(f.asked, c[2]);
        num(f.fetched, c[3]);
        money(f.cost, c[4]);
        num(f.p50, c[5]);
        num(f.on_time, c[6]);
        num(q.asked, c[7]);
        num(q.fetched, c[8]);
        money(q.cost, c[9]);
        num(q.p50, c[10]);
        num(q.on_time, c[11]);
        const char *cells[12] = {base->procedures[i].name,
                                 c[1],
                                 c[2],
                                 c[3],
                                 c[4],
                                 c[5],
                                 c[6],
                                 rs ? c[7] : "abolished",
                                 rs ? c[8] : "",
                                 rs ? c[9] : "",
                                 rs ? c[10] : "",
                                 rs ? c[11] : ""};
        html_table_row(h, cells);
    }
    html_table_end(h);
}

static void page_note(void *ud, bool reform, const char *line)
{
    html_item(ud, reform ? "reform" : NULL, line);
}

static void page_notes(html *h, const mc_sim_result *base, const mc_sim_result *ref)
{
    html_heading(h, "Assumptions and warnings");
    html_para(h, "Synthetic applicants go through the engine's own decisions (rules, once-only "
                 "resolution, statutory clock, timers) without a store; each state lasts its "
                 "takes and the next event is drawn by chance. Lead times are read from a "
                 "histogram of quarter working days. See docs/cli.md and docs/reform.md.");
    html_list_begin(h);
    each_note(base, ref, page_note, h);
    html_list_end(h);
}

/* Opens the page before the run, so that a path that cannot be written fails at once. */
static int open_page(const front_opts *c, const mc_reform *reform, html **h, mc_error *err)
{
    char title[256];
    snprintf(title, sizeof title, "Simulation%s%s", reform ? ": " : "",
             reform ? mc_reform_name(reform) : "");
    return html_open(h, c->html, title, err);
}

static int write_page(html *h, const front_opts *c, const mc_sim_opts *o, const char *day,
                      const mc_reform *reform, const mc_sim_result *base, const mc_sim_result *ref,
                      const cli_coverage *cov, const mc_catalogue *cat, mc_error *err)
{
    html_meta(h,
              "catalogue %s; %" PRId64 " dossiers (%s), seed %llu, arrivals over 365 days from %s",
              c->catalogue ? c->catalogue : ".", base->total.dossiers,
              o->year ? "a year of each procedure's volume" : "split by volume",
              (unsigned long long)o->seed, day);
    if (reform) {
        const char *t = mc_reform_title(reform);
        html_meta(h, "reform %s%s%s", mc_reform_name(reform), t ? ": " : "", t ? t : "");
    }
    html_meta(h, "applicant cost by cost-model %s", o->model ? o->model->name : "(none)");
    page_summary(h, base, ref);
    page_charts(h, base, ref);
    page_procedures(h, base, ref);
    cli_coverage_page(h, cov, cat);
    html_heading(h, "Indicators (Decision 766/QĐ-TTg) of the simulated dossiers");
    static const char *const ihead[] = {"",       "received", "resolved", "on time", "late",
                                        "online", "results",  "fetched",  "asked",   "mean wd"};
    html_table_begin(h, NULL, ihead, 10, "lrrrrrrrrr");
    const mc_sim_result *runs[2] = {base, ref};
    for (int k = 0; k < (ref ? 2 : 1); k++) {
        const mc_indicators *x = &runs[k]->indicators.total;
        mc_indicator_ratios q = mc_report_ratios(x);
        char c1[32], c2[32], c3[32], c4[32], c5[32], c6[32], c7[32], c8[32], c9[32];
        snprintf(c1, 32, "%" PRId64, x->received);
        snprintf(c2, 32, "%" PRId64, x->resolved);
        hundredths(q.on_time, c3);
        snprintf(c4, 32, "%" PRId64, x->late);
        hundredths(q.online, c5);
        snprintf(c6, 32, "%" PRId64, x->results);
        snprintf(c7, 32, "%" PRId64, x->fetched);
        snprintf(c8, 32, "%" PRId64, x->asked);
        hundredths(q.mean_wd, c9);
        const char *cells[] = {k ? "reform" : "baseline", c1, c2, c3, c4, c5, c6, c7, c8, c9};
        html_table_row(h, cells);
    }
    html_table_end(h);
    page_notes(h, base, ref);
    return html_close(h, err);
}

typedef struct progress_ud {
    const char *what;
    int last; /* tenths reported */
} progress_ud;

static void progress(void *ud, int64_t done, int64_t total)
{
    progress_ud *p = ud;
    int tenth = total ? (int)(done * 10 / total) : 10;
    if (total >= PROGRESS_FROM && tenth > p->last) {
        p->last = tenth;
        fprintf(stderr, "simulate: %s %d%% (%" PRId64 " of %" PRId64 " dossiers)\n", p->what,
                tenth * 10, done, total);
    }
}

static int parse_count(const char *opt, const char *text, int64_t max, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (end == text || *end != '\0' || errno != 0 || v < 0 || v > max) {
        return front_usage_error("%s takes a whole number from 0 to %lld, not '%s'", opt,
                                 (long long)max, text);
    }
    *out = v;
    return EXIT_OK;
}

/* Reads the options of c into *o and *seed; EXIT_OK, or EXIT_USAGE (said on stderr). */
static int read_options(const front_opts *c, mc_sim_opts *o, int64_t *seed)
{
    if (c->nargs != 0) {
        return front_usage_error(
            "simulate takes no arguments (options: --reform, --dossiers, --year, --seed, --from, "
            "--coverage-from, --since, --until, --format, --html)");
    }
    if (cli_coverage_check(c) != EXIT_OK) {
        return EXIT_USAGE;
    }
    if (c->html != NULL && c->html[0] == '\0') {
        return front_usage_error("--html needs a file name");
    }
    if (c->year && c->dossiers) {
        return front_usage_error("give --dossiers N or --year, not both");
    }
    o->dossiers = 10000;
    o->year = c->year;
    if (c->dossiers && parse_count("--dossiers", c->dossiers, MAX_DOSSIERS, &o->dossiers) != 0) {
        return EXIT_USAGE;
    }
    if (!c->year && o->dossiers == 0) {
        return front_usage_error("--dossiers must be at least 1");
    }
    if (c->seed && parse_count("--seed", c->seed, INT64_MAX, seed) != 0) {
        return EXIT_USAGE;
    }
    o->seed = (uint64_t)*seed;
    o->from = cli_today();
    char msg[200];
    if (c->from && mc_value_date(c->from, strlen(c->from), &o->from, msg, sizeof msg) != 0) {
        return front_usage_error("--from: %s", msg);
    }
    return EXIT_OK;
}

/* Prints the runs in the format c asks for: EXIT_OK, or cli_out_of_memory() with nothing printed
 * when their JSON could not be made. */
static int print_runs(const front_opts *c, const mc_sim_opts *o, int64_t seed, const char *day,
                      const mc_reform *reform, const mc_sim_result *base, const mc_sim_result *ref,
                      const cli_coverage *cov, const mc_catalogue *cat)
{
    if (c->json) {
        bool ok = true;
        json_t *out = json_pack(
            "{s:I, s:b, s:I, s:s, s:s?, s:s?}", "dossiers", (json_int_t)base->total.dossiers,
            "year", o->year, "seed", (json_int_t)seed, "from", day, "cost_model",
            o->model ? o->model->name : NULL, "reform", reform ? mc_reform_name(reform) : NULL);
        front_jset(out, "baseline", run_json(base), &ok);
        if (ref) {
            front_jset(out, "reformed", run_json(ref), &ok);
        }
        if (cov->on) {
            front_jset(out, "coverage", cli_coverage_json(cov, cat), &ok);
        }
        return cli_print_json(front_jdone(out, ok),
                              JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
    } else if (c->format && strcmp(c->format, "csv") == 0) {
        print_csv(base, ref);
        cli_coverage_print(stderr, cov, cat); /* the table stays a table */
    } else {
        printf("simulation: %" PRId64 " dossiers (%s), seed %lld, arrivals over 365 days from "
               "%s%s%s\n",
               base->total.dossiers,
               o->year ? "a year of each procedure's volume" : "split by volume", (long long)seed,
               day, reform ? "; reform " : "", reform ? mc_reform_name(reform) : "");
        printf("applicant cost by cost-model %s\n\n", o->model ? o->model->name : "(none)");
        print_text(base, ref);
        cli_coverage_print(stdout, cov, cat);
    }
    return EXIT_OK;
}

int cmd_simulate(front_opts *c)
{
    mc_sim_opts o = MC_SIM_OPTS_INIT;
    int64_t seed = 1;
    if (read_options(c, &o, &seed) != EXIT_OK) {
        return EXIT_USAGE;
    }
    mc_catalogue *cat = NULL, *reformed = NULL;
    mc_rules *rules = NULL;
    mc_diags *diags = NULL;
    mc_error err;
    mc_error_clear(&err);
    mc_sim_result base, ref;
    memset(&base, 0, sizeof base);
    memset(&ref, 0, sizeof ref);
    cli_coverage cov;
    memset(&cov, 0, sizeof cov);
    int rc = front_load(c, NULL, 0, &cat, &rules, &diags, &err);
    const mc_reform *reform = NULL;
    if (rc == 0 && c->nreforms > 0) {
        reform = mc_catalogue_reform(cat, c->reforms[0]);
        rc = reform ? mc_reform_apply(cat, reform, &reformed, &err)
                    : mc_error_set(&err, MC_ENOTFOUND, "unknown reform '%s'", c->reforms[0]);
    }
    if (rc == 0) {
        rc = cli_coverage_load(c, cat, &cov, &err);
        cov.reformed = reformed;
        o.coverage = cov.on ? &cov.cov : NULL;
    }
    o.model = cat ? mc_catalogue_default_cost_model(cat) : NULL;
    if (rc == 0 && o.year) {
        /* --year: refuse what would take days before it starts */
        int64_t sum = mc_sim_year_dossiers(cat);
        if (sum > MAX_DOSSIERS) {
            rc = mc_error_set(&err, MC_EUSAGE,
                              "the volumes add up to %lld dossiers a year, more than %d: "
                              "simulate a sample with --dossiers N",
                              (long long)sum, MAX_DOSSIERS);
        }
    }
    html *page = NULL;
    if (rc == 0 && c->html != NULL) {
        rc = open_page(c, reform, &page, &err);
    }
    progress_ud pb = {"baseline", 0}, pr = {"reform", 0};
    if (rc == 0) {
        o.progress = progress;
        o.ud = &pb;
        rc = mc_sim_run(cat, rules, &o, &base, &err);
    }
    if (rc == 0 && reformed != NULL) {
        o.ud = &pr;
        o.split_by = cat; /* the same applicants: the baseline's split */
        rc = mc_sim_run(reformed, rules, &o, &ref, &err);
    }
    int status = EXIT_OK;
    if (rc != 0) {
        if (diags != NULL && rc == MC_ECHECK) {
            front_print_diags(stderr, diags);
        }
        if (err.msg[0]) {
            fprintf(stderr, "motcua: %s\n", err.msg);
        }
        status = rc == MC_EUSAGE ? EXIT_FAIL : front_exit_for(rc);
        goto done;
    }
    char day[11];
    mc_date_format(o.from, day);
    status = print_runs(c, &o, seed, day, reform, &base, reformed ? &ref : NULL, &cov, cat);
    fflush(stdout);
    if (status == EXIT_OK && page != NULL) {
        rc = write_page(page, c, &o, day, reform, &base, reformed ? &ref : NULL, &cov, cat, &err);
        page = NULL; /* closed by write_page */
        if (rc != 0) {
            fprintf(stderr, "motcua: %s\n", err.msg);
            status = front_exit_for(rc);
        }
    }
done:
    html_discard(page);
    cli_coverage_free(&cov);
    mc_sim_result_free(&base);
    mc_sim_result_free(&ref);
    mc_catalogue_free(reformed);
    mc_catalogue_free(cat);
    mc_rules_free(rules);
    mc_diags_free(diags);
    return status;
}
