/* `motcua simulate [--reform NAME]... [--compare A,B,...] [--dossiers N | --year] [--seed S]
 * [--runs K] [--jobs N] [--from DATE] [filters] [--by agency|sector|procedure] [sensitivity options]
 * [--coverage-from STORE [--since DATE] [--until DATE]] [--format text|csv|json] [--html FILE]`
 * (SPEC §8.2, issue 22): the baseline, and the reforms when named, on the same synthetic
 * applicants side by side: per dossier, a year (annual cost by the simulated lead times and by
 * the legal method, fee revenue, officer staff-days), who gains and who loses, subtotals, and
 * with --runs each headline figure as a mean and a 95% interval; --compare puts several reforms,
 * each alone, in one table; --jobs N runs on N threads (the machine's cores by default), with
 * the same output whatever N. */
#include "cli.h"

#include "calibrate_out.h"
#include "coverage_out.h"
#include "html.h"
#include "sim_page.h"
#include "study_args.h"

#include "front/sim_view.h"
#include "motcua/coverage.h"
#include "motcua/reform.h"
#include "motcua/sim.h"
#include "motcua/alloc.h"
#include "motcua/study.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    MAX_DOSSIERS = 1000000000,
    PROGRESS_FROM = 200000,
    MAX_RUNS = 100,
    FEW_DOSSIERS = 30,
    MAX_JOBS = 256
};

/* ==== the headline figures (--runs gives each as a mean and a 95% interval) =============== */

enum { FIG_COST, FIG_ANNUAL, FIG_LEGAL, FIG_REVENUE, FIG_ON_TIME, FIG_LEAD, FIG_ASKED, FIG_VISITS,
       FIG_STAFF, NFIG };

static const struct {
    const char *key, *label, *vi;
    bool money;
} figs[NFIG] = {
    {"cost_per_dossier", "applicant cost per dossier", "Chi phí tuân thủ mỗi hồ sơ", true},
    {"annual_cost", "applicant cost a year", "Chi phí tuân thủ một năm", true},
    {"legal_annual_cost", "applicant cost a year, legal method",
     "Chi phí một năm theo thời hạn luật định", true},
    {"fee_revenue", "fee revenue a year", "Thu phí, lệ phí một năm", true},
    {"on_time_pct", "on time (%)", "Đúng hạn (%)", false},
    {"lead_mean_wd", "lead time, mean (wd)", "Thời gian giải quyết trung bình (ngày làm việc)",
     false},
    {"asked_per_dossier", "documents asked per dossier", "Giấy tờ phải nộp mỗi hồ sơ", false},
    {"visits_per_dossier", "visits per dossier", "Số lần đi lại mỗi hồ sơ", false},
    {"staff_days", "officer staff-days a year", "Ngày công cán bộ một năm", false},
};

static double fig_value(const mc_sim_figures *f, int i)
{
    switch (i) {
    case FIG_COST:
        return f->cost;
    case FIG_ANNUAL:
        return f->annual;
    case FIG_LEGAL:
        return f->legal_annual;
    case FIG_REVENUE:
        return f->revenue;
    case FIG_ON_TIME:
        return f->on_time;
    case FIG_LEAD:
        return f->lead_mean;
    case FIG_ASKED:
        return f->asked;
    case FIG_VISITS:
        return f->visits;
    default:
        return f->staff_days;
    }
}

/* Figure i's value as text: amounts and staff-days whole with thousands separated, the others
 * with two decimals. */
static const char *fig_text(int i, double v, char out[32]);

/* The headline figures of k runs, per side (0 baseline, 1 reform): v[side][fig * k + run]. */
typedef struct sim_runs {
    size_t k;
    uint64_t first_seed;
    double *v[2];
} sim_runs;

static void runs_record(sim_runs *r, int side, size_t run, const mc_sim_result *x)
{
    mc_sim_figures f = mc_sim_figures_of(&x->total);
    for (int i = 0; i < NFIG; i++) {
        r->v[side][(size_t)i * r->k + run] = fig_value(&f, i);
    }
}

/* The mean and half-width of figure i of a side over the runs. */
static void runs_interval(const sim_runs *r, int side, int i, double *mean, double *half)
{
    mc_sim_interval(r->v[side] + (size_t)i * r->k, r->k, mean, half);
}

static void reform_names(const mc_reform *const *r, size_t n, char *out, size_t outsz);

/* Everything a format prints besides the two runs. */
typedef struct sim_view {
    const front_opts *c;
    const mc_sim_opts *o;
    int64_t seed;
    const char *day;
    const mc_catalogue *cat;
    const mc_reform *const *reforms; /* applied, in order */
    size_t nreforms;
    const mc_reform *const *compare; /* --compare: each alone, results cmp[i] */
    size_t ncompare;
    const mc_sim_result *cmp;
    sim_runs runs;
    char **sensitivity;
    size_t nsensitivity;
    mc_study_said *sensitivity_said; /* the same as messages, for the page */
    size_t nsaid;
    const mc_study_opts *study;
    bool has_cost; /* motcua cost's exact annual totals on the same catalogue and options */
    int64_t cost_base, cost_reform;
    const cli_coverage *cov;
} sim_view;

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

/* The version of procedure name the run dates by (in force on the first day, or its first). */
static const mc_procedure *proc_of(const sim_view *v, const char *name)
{
    const mc_procedure *p = mc_catalogue_procedure(v->cat, name, v->o->from);
    if (p == NULL) {
        size_t n;
        const mc_procedure *const *all = mc_catalogue_versions(v->cat, name, &n);
        p = n ? all[0] : NULL;
    }
    return p;
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
    printf(",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%.2f,%.2f,%.2f,%.2f,%.0f,%s,%s,%s,%s"
           ",%" PRId64 ",%.0f,%.0f,%.0f,%.2f",
           f->dossiers, f->finished, f->unfinished, f->abolished, f->asked, f->fetched, f->visits,
           f->hours, f->cost, num(f->lead_mean, a), num(f->p50, b), num(f->p90, c),
           num(f->on_time, d), f->volume, f->annual, f->legal_annual, f->revenue, f->staff_days);
}

/* A CSV cell: quoted when it holds a comma or a quote. */
static void csv_cell(const char *text)
{
    if (text == NULL) {
        return;
    }
    if (strpbrk(text, ",\"\n") == NULL) {
        fputs(text, stdout);
        return;
    }
    putchar('"');
    for (const char *p = text; *p; p++) {
        if (*p == '"') {
            putchar('"');
        }
        putchar(*p);
    }
    putchar('"');
}

/* The officers and their queues (issue 23), when the catalogue staffs its agencies: a second
 * table after an empty line, one row per pool and side. */
static void print_csv_pools(const mc_sim_result *base, const mc_sim_result *ref)
{
    if (!base->staffed && (ref == NULL || !ref->staffed)) {
        return;
    }
    printf("\nside,agency,role,officers,jobs,utilisation_pct,mean_queue,max_queue,mean_wait_wd,"
           "p90_wait_wd\n");
    for (int k = 0; k < (ref ? 2 : 1); k++) {
        const mc_sim_result *r = k ? ref : base;
        for (size_t i = 0; i < r->npools; i++) {
            const mc_sim_pool *x = &r->pools[i];
            printf("%s,", k ? "reform" : "baseline");
            csv_cell(x->agency);
            putchar(',');
            csv_cell(x->role->name);
            printf(",%u,%" PRId64 ",%.2f,%.2f,%" PRId64 ",%.2f,%.2f\n", x->officers, x->jobs,
                   100 * x->utilisation, x->mean_queue, x->max_queue, x->mean_wait, x->p90_wait);
        }
    }
}

/* The parts of interconnected procedures (issue 25), by agency: a table after an empty line,
 * one row per interconnected procedure, agency and side. */
static void print_csv_parts(const mc_sim_result *base, const mc_sim_result *ref)
{
    if (base->nparts == 0 && (ref == NULL || ref->nparts == 0)) {
        return;
    }
    printf("\nside,procedure,agency,parts_started,parts_granted,parts_not_granted,"
           "parts_unfinished,parts_late,parts_refused_at_submission,parts_not_needed\n");
    for (int k = 0; k < (ref ? 2 : 1); k++) {
        const mc_sim_result *r = k ? ref : base;
        for (size_t i = 0; i < r->nparts; i++) {
            const mc_sim_parts_row *x = &r->parts[i];
            printf("%s,", k ? "reform" : "baseline");
            csv_cell(x->procedure);
            putchar(',');
            csv_cell(x->agency);
            printf(",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64
                   ",%" PRId64 "\n",
                   x->started, x->granted, x->not_granted, x->unfinished, x->late, x->refused,
                   x->not_needed);
        }
    }
}

/* The table of procedures, then the total row; with --runs, the total row also carries each
 * headline figure's 95% interval (columns FIG_lo95 and FIG_hi95, empty on the procedures'
 * rows). */
static void print_csv(const sim_view *v, const mc_sim_result *base, const mc_sim_result *ref)
{
    static const char cols[] = "dossiers,finished,unfinished,abolished,asked_per_dossier,"
                               "fetched_per_dossier,visits_per_dossier,hours_per_dossier,"
                               "cost_per_dossier,lead_mean_wd,lead_p50_wd,lead_p90_wd,on_time_pct,"
                               "volume,annual_cost,legal_annual_cost,fee_revenue,staff_days";
    printf("procedure,agency,sector,code,%s", cols);
    if (ref) {
        printf(",reform_");
        for (const char *p = cols; *p; p++) {
            putchar(*p);
            if (*p == ',') {
                printf("reform_");
            }
        }
    }
    int sides = ref ? 2 : 1;
    for (int k = 0; v->runs.k > 1 && k < sides; k++) {
        for (int i = 0; i < NFIG; i++) {
            printf(",%s%s_lo95,%s%s_hi95", k ? "reform_" : "", figs[i].key, k ? "reform_" : "",
                   figs[i].key);
        }
    }
    /* an officer's requests for held documents, refused: only when some were simulated */
    bool held = base->total.held_asks > 0 || (ref && ref->total.held_asks > 0);
    if (held) {
        printf(",held_asks%s", ref ? ",reform_held_asks" : "");
    }
    putchar('\n');
    mc_sim_stats none;
    memset(&none, 0, sizeof none);
    for (size_t i = 0; i <= base->nprocedures; i++) {
        const mc_sim_stats *b = i < base->nprocedures ? &base->procedures[i] : &base->total;
        mc_sim_figures fb = mc_sim_figures_of(b);
        const mc_procedure *p = i < base->nprocedures ? proc_of(v, b->name) : NULL;
        csv_cell(b->name);
        putchar(',');
        csv_cell(p ? p->agency : NULL);
        putchar(',');
        csv_cell(p ? p->sector : NULL);
        putchar(',');
        csv_cell(p ? p->code : NULL);
        csv_figures(&fb);
        if (ref) {
            const mc_sim_stats *r = i < base->nprocedures ? find(ref, b->name) : &ref->total;
            mc_sim_figures fr = mc_sim_figures_of(r ? r : &none);
            csv_figures(&fr);
        }
        for (int k = 0; v->runs.k > 1 && k < sides; k++) {
            for (int f = 0; f < NFIG; f++) {
                double mean, half;
                runs_interval(&v->runs, k, f, &mean, &half);
                if (i < base->nprocedures) {
                    printf(",,");
                } else {
                    printf(",%.2f,%.2f", mean - half, mean + half);
                }
            }
        }
        if (held) {
            printf(",%" PRId64, b->held_asks);
            if (ref) {
                const mc_sim_stats *r = i < base->nprocedures ? find(ref, b->name) : &ref->total;
                printf(",%" PRId64, r ? r->held_asks : 0);
            }
        }
        putchar('\n');
    }
    print_csv_pools(base, ref);
    print_csv_parts(base, ref);
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

/* ==== a year, who gains, subtotals, intervals (text) ===================================== */

/* A whole amount of money with thousands separators. */
static const char *amount(double v, char out[32])
{
    return money(v, out);
}

/* A line of the year: amounts of up to a million billion, thousands separated. */
static void year_text(const char *label, const char *b, const char *r, const char *chg, bool two)
{
    if (two) {
        printf("%-34s %22s %22s %10s\n", label, b, r, chg);
    } else {
        printf("%-34s %22s\n", label, b);
    }
}

static void year_line(const char *label, double b, double r, bool two)
{
    char x[32], y[32], z[32];
    year_text(label, amount(b, x), amount(r, y), change(b, r, z), two);
}

/* The year: volume, applicant cost by both methods, motcua cost's exact total, fee revenue and
 * officer staff-days by role. */
static void print_year(const sim_view *v, const mc_sim_result *base, const mc_sim_result *ref)
{
    bool two = ref != NULL;
    mc_sim_figures b = mc_sim_figures_of(&base->total), r = b;
    if (ref) {
        r = mc_sim_figures_of(&ref->total);
    }
    printf("\na year (each procedure's volume in the simulated catalogue):\n");
    if (two) {
        printf("%-34s %22s %22s %10s\n", "", "baseline", "reform", "change");
    }
    year_line("dossiers a year (volume)", (double)b.volume, (double)r.volume, two);
    year_line("applicant cost, own lead times", b.annual, r.annual, two);
    year_line("applicant cost, legal method", b.legal_annual, r.legal_annual, two);
    if (v->has_cost) {
        year_line("  motcua cost (exact, §8.1)", (double)v->cost_base, (double)v->cost_reform,
                  two);
        char gb[32] = "", gr[32] = "";
        double pct;
        if (mc_sim_change((double)v->cost_base, b.legal_annual, &pct)) {
            snprintf(gb, sizeof gb, "%+.2f%%", pct);
        }
        if (two && mc_sim_change((double)v->cost_reform, r.legal_annual, &pct)) {
            snprintf(gr, sizeof gr, "%+.2f%%", pct);
        }
        year_text("  legal method against cost", gb, gr, "", two);
    }
    year_line("fee revenue of the state", b.revenue, r.revenue, two);
    year_line("officer staff-days", b.staff_days, r.staff_days, two);
    for (size_t i = 0; i < base->nroles; i++) {
        char label[64];
        double rs = 0;
        for (size_t k = 0; ref != NULL && k < ref->nroles; k++) {
            rs = strcmp(ref->roles[k]->name, base->roles[i]->name) == 0 ? ref->staff_days[k] : rs;
        }
        snprintf(label, sizeof label, "  %s", base->roles[i]->name);
        year_line(label, base->staff_days[i], rs, two);
    }
}

/* Who gains, who loses: the reform's change per applicant, by group. */
static void print_gains(const mc_sim_result *ref)
{
    if (ref == NULL || !ref->paired) {
        return;
    }
    printf("\nwho gains, who loses (the same applicants, reform against baseline):\n");
    printf("%-24s %10s %18s %12s %12s\n", "group", "dossiers", "change/dossier", "cost rises",
           "cost falls");
    for (int g = 0; g < MC_SIM_NGROUPS; g++) {
        const mc_sim_gain *x = &ref->gains[g];
        char c[32];
        printf("%-24s %10" PRId64 " %18s %12" PRId64 " %12" PRId64 "\n", mc_sim_group_names[g],
               x->dossiers, money(mc_sim_gain_mean(x), c), x->rises, x->falls);
    }
}

/* A subtotal of --by: its key, the baseline's and the reform's sums. */
typedef struct by_group {
    const char *key;
    mc_sim_stats b, r;
} by_group;

static const mc_sim_stats *raw(const mc_sim_result *r, const char *name)
{
    for (size_t i = 0; r != NULL && i < r->nprocedures; i++) {
        if (strcmp(r->procedures[i].name, name) == 0) {
            return &r->procedures[i];
        }
    }
    return NULL;
}

static const char *by_key(const sim_view *v, const char *name)
{
    const mc_procedure *p = proc_of(v, name);
    const char *k = v->study->by == MC_STUDY_BY_AGENCY   ? (p ? p->agency : NULL)
                    : v->study->by == MC_STUDY_BY_SECTOR ? (p ? p->sector : NULL)
                                                         : name;
    return k ? k : "-";
}

static int cmp_group(const void *a, const void *b)
{
    return strcmp(((const by_group *)a)->key, ((const by_group *)b)->key);
}

/* The subtotals of --by into *out (n of them, sorted by key; free); NULL when none asked or out
 * of memory (said). */
static by_group *make_groups(const sim_view *v, const mc_sim_result *base,
                             const mc_sim_result *ref, size_t *n)
{
    *n = 0;
    if (v->study->by == MC_STUDY_BY_NONE) {
        return NULL;
    }
    by_group *g = calloc(base->nprocedures ? base->nprocedures : 1, sizeof *g);
    if (g == NULL) {
        cli_out_of_memory();
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

static const char *by_name(const sim_view *v)
{
    static const char *const names[] = {"", "agency", "sector", "procedure"};
    return names[v->study->by];
}

static void print_by(const sim_view *v, const mc_sim_result *base, const mc_sim_result *ref)
{
    size_t n;
    by_group *g = make_groups(v, base, ref, &n);
    if (g == NULL) {
        return;
    }
    printf("\nby %s:\n%-40s %9s %12s %17s", by_name(v), by_name(v), "dossiers", "cost/d",
           "cost a year");
    if (ref) {
        printf(" | %12s %17s %10s", "cost/d", "cost a year", "change");
    }
    putchar('\n');
    for (size_t i = 0; i < n; i++) {
        mc_sim_figures b = mc_sim_figures_of(&g[i].b), r = mc_sim_figures_of(&g[i].r);
        char c1[32], c2[32], c3[32], c4[32], c5[32];
        printf("%-40s %9" PRId64 " %12s %17s", g[i].key, b.dossiers, money(b.cost, c1),
               money(b.annual, c2));
        if (ref) {
            printf(" | %12s %17s %10s", money(r.cost, c3), money(r.annual, c4),
                   change(b.annual, r.annual, c5));
        }
        putchar('\n');
    }
    free(g);
}

/* A figure's mean and interval as text: "1,684,103 [1,680,000, 1,688,000]". */
static void interval_text(const sim_runs *r, int side, int i, char *out, size_t outsz)
{
    double mean, half;
    runs_interval(r, side, i, &mean, &half);
    char a[32], b[32], c[32];
    if (figs[i].money || i == FIG_STAFF) {
        snprintf(out, outsz, "%s [%s, %s]", money(mean, a), money(mean - half, b),
                 money(mean + half, c));
    } else {
        snprintf(out, outsz, "%.2f [%.2f, %.2f]", mean, mean - half, mean + half);
    }
}

static void print_runs_block(const sim_view *v, bool two)
{
    if (v->runs.k < 2) {
        return;
    }
    printf("\nover %zu runs (seeds %llu to %llu): mean [95%% interval, Student's t, %zu degrees "
           "of freedom]:\n",
           v->runs.k, (unsigned long long)v->runs.first_seed,
           (unsigned long long)(v->runs.first_seed + v->runs.k - 1), v->runs.k - 1);
    for (int i = 0; i < NFIG; i++) {
        char b[120], r[120] = "";
        interval_text(&v->runs, 0, i, b, sizeof b);
        if (two) {
            interval_text(&v->runs, 1, i, r, sizeof r);
        }
        if (two) {
            printf("%-36s %-60s %s\n", figs[i].label, b, r);
        } else {
            printf("%-36s %s\n", figs[i].label, b);
        }
    }
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

/* One side's pool of officers as a line. */
static void pool_line(const char *side, const mc_sim_pool *x)
{
    printf("%-9s %-24s %-16s %8u %8" PRId64 " %7.1f%% %7.2f %6" PRId64 " %9.2f %7.2f\n", side,
           x->agency, x->role->name, x->officers, x->jobs, 100 * x->utilisation, x->mean_queue,
           x->max_queue, x->mean_wait, x->p90_wait);
}

/* The officers and their queues (issue 23), when the catalogue staffs its agencies: each pool of
 * the baseline, and the reform's below it. */
static void print_pools(const mc_sim_result *base, const mc_sim_result *ref)
{
    if (!base->staffed && (ref == NULL || !ref->staffed)) {
        return;
    }
    printf("\nofficers and queues (a dossier waits for a free officer of the role that acts; "
           "waits in working days):\n");
    printf("%-9s %-24s %-16s %8s %8s %8s %7s %6s %9s %7s\n", "", "agency", "role", "officers",
           "jobs", "busy", "queue", "max", "wait", "p90");
    for (size_t i = 0; i < base->npools; i++) {
        pool_line("baseline", &base->pools[i]);
    }
    for (size_t i = 0; ref != NULL && i < ref->npools; i++) {
        pool_line("reform", &ref->pools[i]);
    }
    if (base->npools == 0 && (ref == NULL || ref->npools == 0)) {
        printf("(no agency staffed: officers unlimited; arrivals by the declared pattern)\n");
    }
}

/* One side's parts of an interconnected procedure at one agency as a line. */
static void parts_line(const char *side, const mc_sim_parts_row *x)
{
    char late[32];
    snprintf(late, sizeof late, "%.2f%%", mc_sim_parts_late_pct(x));
    printf("%-9s %-28s %-26s %8" PRId64 " %8" PRId64 " %8s %8" PRId64 " %8" PRId64 " %8" PRId64
           "\n",
           side, x->procedure, x->agency[0] ? x->agency : "-", x->started, x->late, late,
           x->not_granted + x->unfinished, x->refused, x->not_needed);
}

/* The parts of interconnected procedures (issue 25): by agency, how many ran and how many were
 * late (a late part makes its dossier late), the baseline's and the reform's below. */
static void print_parts(const mc_sim_result *base, const mc_sim_result *ref)
{
    if (base->nparts == 0 && (ref == NULL || ref->nparts == 0)) {
        return;
    }
    printf("\ninterconnected procedures, their parts by agency (a late part makes the dossier "
           "late):\n");
    printf("%-9s %-28s %-26s %8s %8s %8s %8s %8s %8s\n", "", "procedure", "agency", "parts", "late",
           "late %", "failed", "refused", "skipped");
    for (size_t i = 0; i < base->nparts; i++) {
        parts_line("baseline", &base->parts[i]);
    }
    for (size_t i = 0; ref != NULL && i < ref->nparts; i++) {
        parts_line("reform", &ref->parts[i]);
    }
}

static void print_text(const sim_view *v, const mc_sim_result *base, const mc_sim_result *ref)
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
    char u[32], w[32];
    text_line("documents asked per dossier", num(b.asked, u), num(r.asked, w),
              change(b.asked, r.asked, z), two);
    text_line("documents fetched per dossier", num(b.fetched, u), num(r.fetched, w), "", two);
    text_line("visits per dossier", num(b.visits, u), num(r.visits, w),
              change(b.visits, r.visits, z), two);
    text_line("applicant hours per dossier", num(b.hours, u), num(r.hours, w),
              change(b.hours, r.hours, z), two);
    text_line("applicant cost per dossier", money(b.cost, u), money(r.cost, w),
              change(b.cost, r.cost, z), two);
    text_line("lead time, mean (wd)", num(b.lead_mean, u), num(r.lead_mean, w),
              change(b.lead_mean, r.lead_mean, z), two);
    text_line("lead time, p50 (wd)", num(b.p50, u), num(r.p50, w), "", two);
    text_line("lead time, p90 (wd)", num(b.p90, u), num(r.p90, w), "", two);
    char ob[40], orf[40];
    snprintf(ob, sizeof ob, "%s%s", num(b.on_time, u), b.on_time >= 0 ? "%" : "");
    snprintf(orf, sizeof orf, "%s%s", num(r.on_time, w), r.on_time >= 0 ? "%" : "");
    text_line("on time", ob, orf, "", two);
    if (base->total.held_asks > 0 || (ref && ref->total.held_asks > 0)) {
        count_line("held documents asked (refused)", base->total.held_asks,
                   ref ? ref->total.held_asks : 0, two);
    }

    print_year(v, base, ref);
    printf("\n%-34s %9s %8s %8s %12s %17s %7s %8s", "per procedure", "dossiers", "asked/d",
           "fetch/d", "cost/d", "cost a year", "p50 wd", "on time");
    if (two) {
        printf(" | %8s %8s %12s %17s %7s %8s", "asked/d", "fetch/d", "cost/d", "cost a year",
               "p50 wd", "on time");
    }
    putchar('\n');
    size_t few = 0;
    for (size_t i = 0; i < base->nprocedures; i++) {
        mc_sim_figures f = mc_sim_figures_of(&base->procedures[i]);
        char a[32], c[32], d[32], e[32], g[32], y[32];
        few += f.dossiers < FEW_DOSSIERS;
        printf("%-34s %8" PRId64 "%s %8s %8s %12s %17s %7s %7s%%", base->procedures[i].name,
               f.dossiers, f.dossiers < FEW_DOSSIERS ? "*" : " ", num(f.asked, a),
               num(f.fetched, c), money(f.cost, d), money(f.annual, y), num(f.p50, e),
               num(f.on_time, g));
        if (two) {
            const mc_sim_stats *rs = find(ref, base->procedures[i].name);
            if (rs == NULL) {
                printf(" | abolished");
            } else {
                mc_sim_figures q = mc_sim_figures_of(rs);
                printf(" | %8s %8s %12s %17s %7s %7s%%", num(q.asked, a), num(q.fetched, c),
                       money(q.cost, d), money(q.annual, y), num(q.p50, e), num(q.on_time, g));
            }
        }
        putchar('\n');
    }
    if (few > 0) {
        printf("* %zu procedure%s simulated on fewer than %d dossiers: rough figures\n", few,
               few == 1 ? "" : "s", FEW_DOSSIERS);
    }
    print_pools(base, ref);
    print_parts(base, ref);
    print_gains(ref);
    print_by(v, base, ref);
    print_runs_block(v, two);
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

/* --jobs N into *jobs: the machine's cores without it (at most MAX_JOBS); EXIT_OK, or
 * EXIT_USAGE (said on stderr in one line). */
static int read_jobs(const front_opts *c, int *jobs)
{
    if (c->jobs == NULL) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        *jobs = cores < 1 ? 1 : cores > MAX_JOBS ? MAX_JOBS : (int)cores;
        return EXIT_OK;
    }
    char *end;
    errno = 0;
    long long n = strtoll(c->jobs, &end, 10);
    if (end == c->jobs || *end != '\0' || errno != 0 || n < 1 || n > MAX_JOBS) {
        return front_usage_error("--jobs takes a whole number from 1 to %d, not '%s'", MAX_JOBS,
                                 c->jobs);
    }
    *jobs = (int)n;
    return EXIT_OK;
}

/* --jobs: the rules of a thread other than the first, loaded again from the catalogue folders as
 * front_load loaded the first's (mc_sim_opts.open_rules). */
static int open_rules(void *ud, mc_rules **out, mc_error *err)
{
    const front_opts *c = ud;
    mc_rules_opts ropts;
    mc_diags *diags = NULL;
    *out = NULL;
    if (front_rule_opts(c, &ropts) != 0) {
        return mc_error_set(err, MC_EUSAGE, "the rule options are wrong");
    }
    int rc = mc_diags_new(&diags) != 0 ? mc_error_set(err, MC_ENOMEM, "out of memory")
                                        : mc_rules_new(out, &ropts, err);
    if (rc == 0) {
        rc = front_rules_load(c, *out, diags, err);
    }
    if (rc != 0) {
        mc_rules_free(*out);
        *out = NULL;
    }
    mc_diags_free(diags);
    return rc;
}

/* Reads the options of c into *o, *seed and *runs; EXIT_OK, or EXIT_USAGE (said on stderr). */
static int read_options(const front_opts *c, mc_sim_opts *o, int64_t *seed, size_t *runs)
{
    if (c->nargs != 0) {
        return front_usage_error("simulate takes no arguments (see motcua help simulate)");
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
    if (c->seed && parse_count("--seed", c->seed, INT64_MAX - MAX_RUNS, seed) != 0) {
        return EXIT_USAGE;
    }
    *runs = 1;
    if (c->runs != NULL) {
        char *end;
        errno = 0;
        long long k = strtoll(c->runs, &end, 10);
        if (end == c->runs || *end != '\0' || errno != 0 || k < 2 || k > MAX_RUNS) {
            return front_usage_error("--runs takes a whole number from 2 to %d, not '%s'",
                                     MAX_RUNS, c->runs);
        }
        if (c->compare != NULL) {
            return front_usage_error("--runs gives intervals of one baseline and its reforms: "
                                     "not with --compare");
        }
        *runs = (size_t)k;
    }
    o->seed = (uint64_t)*seed;
    if (read_jobs(c, &o->jobs) != EXIT_OK) {
        return EXIT_USAGE;
    }
    o->from = cli_today();
    char msg[200];
    if (c->from && mc_value_date(c->from, strlen(c->from), &o->from, msg, sizeof msg) != 0) {
        return front_usage_error("--from: %s", msg);
    }
    return EXIT_OK;
}

/* The reforms of --reform applied to cat in order into *out (NULL when none). The one place
 * that applies them: stacking waits for mc_reform_apply_list (reform.h), so two or more are
 * refused here, by name. */
static int apply_reforms(const mc_catalogue *cat, const mc_reform *const *reforms, size_t n,
                         mc_catalogue **out, mc_error *err)
{
    *out = NULL;
    return n == 0 ? 0 : mc_reform_apply_list(cat, reforms, NULL, n, out, err);
}

static bool selects(void *ud, const mc_procedure *p)
{
    return mc_study_selects(ud, p);
}

/* The names of the reforms, "a, b" (as the output names every reform applied). */
static void reform_names(const mc_reform *const *r, size_t n, char *out, size_t outsz)
{
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(out);
        snprintf(out + len, outsz - len, "%s%s", i ? ", " : "", mc_reform_name(r[i]));
    }
}

/* --compare: the baseline and each reform alone, one column each. */
static const char *fig_text(int i, double v, char out[32])
{
    return figs[i].money || i == FIG_STAFF ? money(v, out) : num(v, out);
}

static void print_compare(const sim_view *v, const mc_sim_result *base)
{
    printf("%-36s %22s", "", "baseline");
    for (size_t i = 0; i < v->ncompare; i++) {
        printf(" %32.32s", mc_reform_name(v->compare[i]));
    }
    putchar('\n');
    mc_sim_figures b = mc_sim_figures_of(&base->total);
    for (int f = 0; f < NFIG; f++) {
        char x[32];
        double bv = fig_value(&b, f);
        printf("%-36s %22s", figs[f].label, fig_text(f, bv, x));
        for (size_t i = 0; i < v->ncompare; i++) {
            mc_sim_figures r = mc_sim_figures_of(&v->cmp[i].total);
            double rv = fig_value(&r, f);
            char y[32], z[32], cell[80];
            double pts;
            if (f == FIG_ON_TIME) { /* a rate moves by points */
                if (mc_sim_change_points(bv, rv, &pts)) {
                    snprintf(z, sizeof z, "%+.2f pt", pts);
                } else {
                    z[0] = '\0';
                }
            } else {
                change(bv, rv, z);
            }
            snprintf(cell, sizeof cell, "%s%s%s%s", fig_text(f, rv, y), z[0] ? " (" : "", z,
                     z[0] ? ")" : "");
            printf(" %32s", cell);
        }
        putchar('\n');
    }
}

/* The JSON of the runs (front_sim_json, as POST /api/simulate answers) with the measured
 * coverage of --coverage-from: EXIT_OK, or cli_out_of_memory() with nothing printed. */
static int print_json(const sim_view *v, const mc_sim_result *base, const mc_sim_result *ref)
{
    _Static_assert((int)NFIG == (int)FRONT_SIM_NFIG, "the headline figures of front_sim_runs");
    const front_sim fv = {
        .opts = v->o,
        .seed = v->seed,
        .day = v->day,
        .cat = v->cat,
        .reforms = v->reforms,
        .nreforms = v->nreforms,
        .compare = v->compare,
        .ncompare = v->ncompare,
        .cmp = v->cmp,
        .runs = {v->runs.k, v->runs.first_seed, {v->runs.v[0], v->runs.v[1]}},
        .sensitivity = v->sensitivity,
        .nsensitivity = v->nsensitivity,
        .by = v->study->by,
        .has_cost = v->has_cost,
        .cost_base = v->cost_base,
        .cost_reform = v->cost_reform,
    };
    json_t *out = front_sim_json(&fv, base, ref);
    bool ok = out != NULL;
    if (v->cov->on) {
        front_jset(out, "coverage", cli_coverage_json(v->cov, v->cat), &ok);
    }
    return cli_print_json(front_jdone(out, ok),
                          JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
}

/* Prints the runs in the format c asks for: EXIT_OK, or cli_out_of_memory() with nothing printed
 * when their JSON could not be made. */
static int print_runs(const sim_view *v, const mc_sim_result *base, const mc_sim_result *ref)
{
    const front_opts *c = v->c;
    const mc_sim_opts *o = v->o;
    char names[1024];
    reform_names(v->reforms, v->nreforms, names, sizeof names);
    if (c->json) {
        return print_json(v, base, ref);
    } else if (c->format && strcmp(c->format, "csv") == 0) {
        print_csv(v, base, ref);
        cli_coverage_print(stderr, v->cov, v->cat); /* the table stays a table */
    } else {
        printf("simulation: %" PRId64 " dossiers (%s), seed %lld%s, arrivals over 365 days from "
               "%s%s%s\n",
               base->total.dossiers,
               o->year ? "a year of each procedure's volume" : "split by volume",
               (long long)v->seed, v->runs.k > 1 ? " (the first of the runs)" : "", v->day,
               v->nreforms ? (v->nreforms > 1 ? "; reforms " : "; reform ") : "", names);
        printf("applicant cost by cost-model %s\n", o->model ? o->model->name : "(none)");
        if (v->nsensitivity > 0) {
            puts("changed for this run:");
            for (size_t i = 0; i < v->nsensitivity; i++) {
                printf("  %s\n", v->sensitivity[i]);
            }
        }
        putchar('\n');
        if (v->ncompare > 0) {
            print_compare(v, base);
            bool header = false;
            each_note(base, NULL, print_note, &header);
        } else {
            print_text(v, base, ref);
        }
        cli_coverage_print(stdout, v->cov, v->cat);
    }
    return EXIT_OK;
}

static void progress_off(void *ud, int64_t done, int64_t total)
{
    (void)ud;
    (void)done;
    (void)total;
}

/* What one `motcua simulate` holds from its options to its output; sim_cmd_free frees it. */
typedef struct sim_cmd {
    front_opts *c;
    mc_sim_opts o;
    int64_t seed;
    size_t nruns;
    cli_study st;
    mc_catalogue *cat, *reformed; /* reformed: the reforms of --reform applied in order */
    mc_rules *rules;
    mc_diags *diags;
    mc_error err;
    mc_sim_result base, ref, *cmp; /* cmp[i]: the reform --compare names i, alone */
    cli_coverage cov;
    mc_coverage scov;
    mc_cost_model model;
    const mc_cost_model *declared; /* the catalogue's default cost-model, NULL: none */
    mc_study study;
    sim_view v;
    html *page; /* --html, open from the start so that a file that cannot be written fails first */
    sim_out so; /* the page's */
    mc_sim_figures *runfig[2];
    progress_ud progress;
} sim_cmd;

/* Loads the catalogue, resolves the study's options (filters, reforms, coverage, the cost
 * model and what the sensitivity options change) into s and opens the page of --html: 0, or an
 * MC_E* code with s->err set. */
static int sim_prepare(sim_cmd *s)
{
    front_opts *c = s->c;
    int rc = front_load(c, NULL, 0, &s->cat, &s->rules, &s->diags, &s->err);
    if (rc == 0) {
        rc = cli_study_resolve(c, s->cat, &s->st, &s->err);
    }
    if (rc == 0) {
        rc = apply_reforms(s->cat, s->st.opts.reforms, s->st.opts.nreforms, &s->reformed,
                           &s->err);
    }
    if (rc == 0) {
        rc = cli_coverage_load(c, s->cat, &s->cov, &s->err);
        s->cov.reformed = s->reformed;
        s->st.opts.measured = s->cov.on ? &s->cov.cov : NULL;
    }
    if (rc == 0) {
        rc = mc_study_coverage_of(&s->st.opts, s->cat, &s->scov, &s->err);
        s->o.coverage = s->cov.on || s->st.opts.ncoverage > 0 ? &s->scov : NULL;
    }
    s->declared = s->cat ? mc_catalogue_default_cost_model(s->cat) : NULL;
    if (s->declared != NULL) {
        mc_study_model(&s->st.opts, s->declared, &s->model);
        s->o.model = &s->model;
    }
    if (rc == 0 && s->declared == NULL &&
        (s->st.opts.has_income || s->st.opts.count_waiting >= 0)) {
        rc = mc_error_set(&s->err, MC_ENOTFOUND, "the catalogue has no default cost-model: "
                                                 "--income and --count-waiting change nothing");
    }
    if (rc == 0 && s->declared != NULL) {
        rc = mc_study_sensitivity(&s->st.opts, s->cat, s->declared, &s->v.sensitivity,
                                  &s->v.nsensitivity, &s->err);
    }
    if (rc == 0 && s->declared != NULL) {
        rc = mc_study_sensitivity_said(&s->st.opts, s->cat, s->declared, &s->v.sensitivity_said,
                                       &s->v.nsaid, &s->err);
    }
    s->o.selects = selects;
    s->o.selects_ud = &s->st.opts;
    s->o.open_rules = open_rules;
    s->o.rules_ud = c;
    if (rc == 0 && s->o.year) {
        /* --year: refuse what would take days before it starts */
        int64_t sum = mc_sim_year_dossiers(s->cat);
        if (sum > MAX_DOSSIERS) {
            rc = mc_error_set(&s->err, MC_EUSAGE,
                              "the volumes add up to %lld dossiers a year, more than %d: "
                              "simulate a sample with --dossiers N",
                              (long long)sum, MAX_DOSSIERS);
        }
    }
    if (rc == 0 && c->html != NULL) {
        s->so.lang = c->lang_name != NULL ? c->lang : MC_LANG_VI;
        s->so.reforms = s->st.opts.reforms;
        s->so.nreforms = s->st.opts.nreforms;
        s->so.compare = s->st.compare;
        s->so.ncompare = s->st.ncompare;
        rc = sim_page_open(&s->page, c->html, &s->so, &s->err);
    }
    return rc;
}

/* The runs of --runs (one without it), seeds seed, seed + 1, …: the first's results in s->base
 * and s->ref (with a reform), every run's headline figures in s->v.runs and s->runfig. 0, or an
 * MC_E* code with s->err set. */
static int simulate_runs(sim_cmd *s)
{
    size_t nruns = s->nruns;
    s->v.runs.k = nruns;
    s->v.runs.first_seed = (uint64_t)s->seed;
    s->v.runs.v[0] = mc_calloc(NFIG * nruns, sizeof(double));
    s->v.runs.v[1] = mc_calloc(NFIG * nruns, sizeof(double));
    s->runfig[0] = mc_calloc(nruns, sizeof *s->runfig[0]);
    s->runfig[1] = mc_calloc(nruns, sizeof *s->runfig[1]);
    if (s->v.runs.v[0] == NULL || s->v.runs.v[1] == NULL || s->runfig[0] == NULL ||
        s->runfig[1] == NULL) {
        return mc_error_set(&s->err, MC_ENOMEM, "out of memory");
    }
    mc_sim_opts *o = &s->o;
    s->progress = (progress_ud){s->reformed ? "baseline and reform" : "baseline", 0};
    o->progress = progress;
    o->ud = &s->progress;
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < nruns; k++) {
        mc_sim_result b1, r1, *bp = k == 0 ? &s->base : &b1, *rp = k == 0 ? &s->ref : &r1;
        o->seed = (uint64_t)s->seed + k;
        if (k > 0) {
            o->progress = progress_off;
        }
        rc = s->reformed ? mc_sim_pair(s->cat, s->reformed, s->rules, o, bp, rp, &s->err)
                         : mc_sim_run(s->cat, s->rules, o, bp, &s->err);
        if (rc == 0) {
            runs_record(&s->v.runs, 0, k, bp);
            s->runfig[0][k] = mc_sim_figures_of(&bp->total);
            if (s->reformed) {
                runs_record(&s->v.runs, 1, k, rp);
                s->runfig[1][k] = mc_sim_figures_of(&rp->total);
            }
        }
        if (rc == 0 && k > 0) {
            mc_sim_result_free(&b1);
            if (s->reformed) {
                mc_sim_result_free(&r1);
            }
        }
    }
    o->seed = (uint64_t)s->seed;
    return rc;
}

/* --compare: each reform alone on the baseline's applicants, into s->cmp. 0, or an MC_E* code
 * with s->err set. */
static int simulate_compare(sim_cmd *s)
{
    s->cmp = mc_calloc(s->st.ncompare, sizeof *s->cmp);
    if (s->cmp == NULL) {
        return mc_error_set(&s->err, MC_ENOMEM, "out of memory");
    }
    int rc = 0;
    s->o.split_by = s->cat; /* the same applicants: the baseline's split */
    s->o.progress = progress_off;
    for (size_t i = 0; rc == 0 && i < s->st.ncompare; i++) {
        mc_catalogue *one = NULL;
        rc = mc_reform_apply(s->cat, s->st.compare[i], &one, &s->err);
        if (rc == 0) {
            rc = mc_sim_run(one, s->rules, &s->o, &s->cmp[i], &s->err);
        }
        mc_catalogue_free(one);
    }
    s->o.split_by = NULL;
    return rc;
}

/* motcua cost's exact annual totals on the same catalogue, options and date, into s->v when
 * the study runs (a study that fails leaves them out: the simulation's own totals stand). */
static void sim_cost_totals(sim_cmd *s)
{
    s->st.opts.date = s->o.from;
    mc_error quiet;
    if (mc_study_run(&s->study, s->cat, s->rules, &s->st.opts, &quiet) == 0) {
        s->v.has_cost = true;
        s->v.cost_base = s->study.totals.all.base;
        s->v.cost_reform = s->study.totals.all.reform;
    }
}

/* The rule failures of the runs, said on stderr with the notes that name them (issue 24):
 * EXIT_OK when none or --keep-going (then as warnings), else EXIT_FAIL. */
static int sim_rule_failures(const sim_cmd *s)
{
    const front_opts *c = s->c;
    int64_t failures = s->base.total.rule_failures + (s->reformed ? s->ref.total.rule_failures : 0);
    if (failures == 0) {
        return EXIT_OK;
    }
    const char *notes[2] = {s->base.notes, s->reformed ? s->ref.notes : ""};
    for (int side = 0; side < 2; side++) {
        for (const char *at = notes[side]; *at != '\0';) {
            const char *end = strchr(at, '\n');
            size_t n = end ? (size_t)(end - at) : strlen(at);
            char line[512];
            snprintf(line, sizeof line, "%.*s", (int)n, at);
            if (strstr(line, "rule") != NULL) {
                fprintf(stderr, "motcua: %s%s%s\n", c->keep_going ? "warning: " : "",
                        side ? "reform: " : "", line);
            }
            at += n + (end != NULL);
        }
    }
    if (c->keep_going) {
        return EXIT_OK;
    }
    fprintf(stderr,
            "motcua: %lld rule failure%s in the simulation: the dossiers they touched are not "
            "what the catalogue means; fix the rule%s, or give --keep-going to print the figures "
            "anyway\n",
            (long long)failures, failures == 1 ? "" : "s", failures == 1 ? "" : "s");
    return EXIT_FAIL;
}

/* Writes the page of --html (which it closes): EXIT_OK, or the exit status of its error, said. */
static int sim_write_page(sim_cmd *s)
{
    sim_out *so = &s->so;
    const mc_sim_result *ref = s->reformed ? &s->ref : NULL;
    so->cat = s->cat;
    so->catalogue = s->c->catalogue;
    so->cmp = s->cmp;
    so->base = &s->base;
    so->ref = ref;
    so->year = s->o.year;
    so->seed = s->seed;
    so->from = s->o.from;
    so->model = s->o.model;
    so->sensitivity = s->v.sensitivity;
    so->nsensitivity = s->v.nsensitivity;
    so->sensitivity_said = s->v.nsaid == s->v.nsensitivity ? s->v.sensitivity_said : NULL;
    so->by = s->st.opts.by;
    so->nruns = s->nruns;
    so->first_seed = (uint64_t)s->seed;
    so->runs[0] = s->runfig[0];
    so->runs[1] = ref != NULL ? s->runfig[1] : NULL;
    so->has_cost = s->v.has_cost;
    so->cost_base = s->v.cost_base;
    so->cost_reform = s->v.cost_reform;
    so->cov = &s->cov;
    int rc = sim_page_write(s->page, so, &s->err);
    s->page = NULL; /* closed by sim_page_write */
    if (rc != 0) {
        fprintf(stderr, "motcua: %s\n", s->err.msg);
        return front_exit_for(rc);
    }
    return EXIT_OK;
}

static void sim_cmd_free(sim_cmd *s)
{
    html_discard(s->page);
    for (size_t i = 0; s->cmp != NULL && i < s->st.ncompare; i++) {
        mc_sim_result_free(&s->cmp[i]);
    }
    mc_free(s->cmp);
    mc_free(s->v.runs.v[0]);
    mc_free(s->v.runs.v[1]);
    mc_free(s->runfig[0]);
    mc_free(s->runfig[1]);
    mc_study_lines_free(s->v.sensitivity, s->v.nsensitivity);
    mc_free(s->v.sensitivity_said);
    mc_study_free(&s->study);
    mc_coverage_free(&s->scov);
    cli_coverage_free(&s->cov);
    cli_study_free(&s->st);
    mc_sim_result_free(&s->base);
    mc_sim_result_free(&s->ref);
    mc_catalogue_free(s->reformed);
    mc_catalogue_free(s->cat);
    mc_rules_free(s->rules);
    mc_diags_free(s->diags);
}

int cmd_simulate(front_opts *c)
{
    if (c->calibrate_from != NULL) {
        return cli_calibrate(c); /* estimates figures from a store: no simulation */
    }
    sim_cmd s;
    memset(&s, 0, sizeof s);
    s.c = c;
    s.o = (mc_sim_opts)MC_SIM_OPTS_INIT;
    s.seed = 1;
    s.nruns = 1;
    mc_error_clear(&s.err);
    if (read_options(c, &s.o, &s.seed, &s.nruns) != EXIT_OK ||
        cli_study_check(c, &s.st) != EXIT_OK) {
        cli_study_free(&s.st);
        return EXIT_USAGE;
    }
    int rc = sim_prepare(&s);
    if (rc == 0) {
        rc = simulate_runs(&s);
    }
    if (rc == 0 && s.st.ncompare > 0) {
        rc = simulate_compare(&s);
    }
    if (rc == 0 && s.declared != NULL && s.st.ncompare == 0) {
        sim_cost_totals(&s);
    }
    int status = EXIT_OK;
    if (rc != 0) {
        if (s.diags != NULL && rc == MC_ECHECK) {
            front_print_diags(stderr, s.diags);
        }
        if (s.err.msg[0]) {
            fprintf(stderr, "motcua: %s\n", s.err.msg);
        }
        status = rc == MC_EUSAGE ? EXIT_FAIL : front_exit_for(rc);
    }
    if (status == EXIT_OK) {
        status = sim_rule_failures(&s);
    }
    if (status == EXIT_OK) {
        char day[11];
        mc_date_format(s.o.from, day);
        sim_view *v = &s.v;
        v->c = c;
        v->o = &s.o;
        v->seed = s.seed;
        v->day = day;
        v->cat = s.cat;
        v->reforms = s.st.opts.reforms;
        v->nreforms = s.st.opts.nreforms;
        v->compare = s.st.compare;
        v->ncompare = s.st.ncompare;
        v->cmp = s.cmp;
        v->study = &s.st.opts;
        v->cov = &s.cov;
        status = print_runs(v, &s.base, s.reformed ? &s.ref : NULL);
        fflush(stdout);
    }
    if (status == EXIT_OK && s.page != NULL) {
        status = sim_write_page(&s);
    }
    sim_cmd_free(&s);
    return status;
}
