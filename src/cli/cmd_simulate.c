/* `motcua simulate [--reform NAME] [--dossiers N | --year] [--seed S] [--from DATE]
 * [--format text|csv|json]` (SPEC §8.2): the baseline, and the reform when one is named, on the
 * same synthetic applicants, side by side. */
#include "cli.h"

#include "motcua/reform.h"
#include "motcua/sim.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { MAX_DOSSIERS = 1000000000, PROGRESS_FROM = 200000 };

/* What one row of the comparison shows, per dossier where it says so. */
typedef struct figures {
    int64_t dossiers, finished, unfinished, refused_at_submission;
    double asked, fetched, visits, hours, cost; /* per dossier */
    double lead_mean, p50, p90;                 /* working days; -1 none, -2 past 60 */
    double on_time;                             /* percent of the finished; -1 none */
} figures;

static figures figures_of(const mc_sim_stats *x)
{
    figures f;
    memset(&f, 0, sizeof f);
    double n = x->dossiers > 0 ? (double)x->dossiers : 1;
    f.dossiers = x->dossiers;
    f.finished = x->granted + x->refused + x->withdrawn + x->stopped;
    f.unfinished = x->unfinished;
    f.refused_at_submission = x->refused_at_submission;
    f.asked = (double)x->asked / n;
    f.fetched = (double)x->fetched / n;
    f.visits = (double)x->visits / n;
    f.hours = (double)x->hours / (double)MC_FIXED_ONE / n;
    f.cost = (double)x->cost / n;
    f.lead_mean = x->lead_n ? x->lead_wd / (double)x->lead_n : -1;
    f.p50 = x->lead_n ? mc_sim_percentile(x, 0.5) : -1;
    f.p90 = x->lead_n ? mc_sim_percentile(x, 0.9) : -1;
    f.p50 = x->lead_n && f.p50 < 0 ? -2 : f.p50;
    f.p90 = x->lead_n && f.p90 < 0 ? -2 : f.p90;
    int64_t ended = x->on_time + x->late;
    f.on_time = ended ? 100.0 * (double)x->on_time / (double)ended : -1;
    return f;
}

/* A number with two decimals; "-" for none, ">60" past the histogram. */
static const char *num(double v, char out[32])
{
    if (v == -1) {
        return strcpy(out, "-");
    }
    if (v == -2) {
        return strcpy(out, ">60");
    }
    snprintf(out, 32, "%.2f", v);
    return out;
}

/* Money per dossier, rounded to the unit, thousands separated. */
static const char *money(double v, char out[32])
{
    char digits[32];
    snprintf(digits, sizeof digits, "%.0f", v < 0 ? -v : v);
    size_t n = strlen(digits), o = 0;
    if (v <= -0.5) {
        out[o++] = '-';
    }
    for (size_t i = 0; i < n && o < 30; i++) {
        if (i > 0 && (n - i) % 3 == 0) {
            out[o++] = ',';
        }
        out[o++] = digits[i];
    }
    out[o] = '\0';
    return out;
}

static const char *change(double base, double reform, char out[32])
{
    if (base <= 0 || reform < 0) {
        return strcpy(out, "");
    }
    snprintf(out, 32, "%+.2f%%", 100.0 * (reform - base) / base);
    return out;
}

static json_t *figures_json(const char *name, const figures *f)
{
    json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:I}", "name", name, "dossiers",
                          (json_int_t)f->dossiers, "finished", (json_int_t)f->finished,
                          "unfinished", (json_int_t)f->unfinished, "refused_at_submission",
                          (json_int_t)f->refused_at_submission);
    struct {
        const char *key;
        double v;
    } reals[] = {{"asked_per_dossier", f->asked},     {"fetched_per_dossier", f->fetched},
                 {"visits_per_dossier", f->visits},   {"hours_per_dossier", f->hours},
                 {"cost_per_dossier", f->cost},       {"lead_mean_wd", f->lead_mean},
                 {"lead_p50_wd", f->p50},             {"lead_p90_wd", f->p90},
                 {"on_time_pct", f->on_time}};
    for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++) {
        double v = reals[i].v;
        /* two decimals, as the text shows; null for none, and for past the histogram */
        json_object_set_new(o, reals[i].key,
                            v < 0 ? json_null() : json_real((double)(long long)(v * 100 + 0.5) / 100));
    }
    return o;
}

static json_t *notes_json(const char *notes)
{
    json_t *a = json_array();
    for (const char *p = notes; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        json_array_append_new(a, json_stringn(p, n));
        p += n + (nl != NULL);
    }
    return a;
}

static json_t *run_json(const mc_sim_result *r)
{
    json_t *procs = json_array();
    for (size_t i = 0; i < r->nprocedures; i++) {
        figures f = figures_of(&r->procedures[i]);
        json_array_append_new(procs, figures_json(r->procedures[i].name, &f));
    }
    figures t = figures_of(&r->total);
    return json_pack("{s:o, s:o, s:o, s:o}", "total", figures_json("total", &t), "procedures",
                     procs, "indicators", cli_indicators_json(&r->indicators.total), "notes",
                     notes_json(r->notes));
}

static const mc_sim_stats *find(const mc_sim_result *r, const char *name)
{
    for (size_t i = 0; r != NULL && i < r->nprocedures; i++) {
        if (strcmp(r->procedures[i].name, name) == 0) {
            return &r->procedures[i];
        }
    }
    return NULL;
}

static void csv_figures(const figures *f)
{
    char a[32], b[32], c[32], d[32];
    printf(",%" PRId64 ",%" PRId64 ",%" PRId64 ",%.2f,%.2f,%.2f,%.2f,%.0f,%s,%s,%s,%s",
           f->dossiers, f->finished, f->unfinished, f->asked, f->fetched, f->visits, f->hours,
           f->cost, num(f->lead_mean, a), num(f->p50, b), num(f->p90, c), num(f->on_time, d));
}

static void print_csv(const mc_sim_result *base, const mc_sim_result *ref)
{
    static const char cols[] = "dossiers,finished,unfinished,asked_per_dossier,"
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
        figures fb = figures_of(b);
        printf("%s", b->name);
        csv_figures(&fb);
        if (ref) {
            const mc_sim_stats *r = i < base->nprocedures ? find(ref, b->name) : &ref->total;
            figures fr = figures_of(r ? r : &none);
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

static void print_text(const mc_sim_result *base, const mc_sim_result *ref)
{
    figures b = figures_of(&base->total), r;
    memset(&r, 0, sizeof r);
    if (ref) {
        r = figures_of(&ref->total);
    }
    bool two = ref != NULL;
    char z[32];
    if (two) {
        printf("%-32s %14s %14s %10s\n", "", "baseline", "reform", "change");
    }
    count_line("dossiers", b.dossiers, r.dossiers, two);
    count_line("  reached a final state", b.finished, r.finished, two);
    count_line("  unfinished", b.unfinished, r.unfinished, two);
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
        figures f = figures_of(&base->procedures[i]);
        char a[32], c[32], d[32], e[32], g[32];
        printf("%-34s %9" PRId64 " %8s %8s %12s %7s %7s%%", base->procedures[i].name, f.dossiers,
               num(f.asked, a), num(f.fetched, c), money(f.cost, d), num(f.p50, e),
               num(f.on_time, g));
        if (two) {
            const mc_sim_stats *rs = find(ref, base->procedures[i].name);
            if (rs == NULL) {
                printf(" | abolished");
            } else {
                figures q = figures_of(rs);
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
    const char *notes[2] = {base->notes, ref ? ref->notes : ""};
    bool header = false;
    for (int k = 0; k < 2; k++) {
        for (const char *p = notes[k]; *p;) {
            const char *nl = strchr(p, '\n');
            int n = nl ? (int)(nl - p) : (int)strlen(p);
            if (!header) {
                puts("\nassumptions and warnings:");
                header = true;
            }
            printf("  %s%.*s\n", k ? "(reform) " : "", n, p);
            p += n + (nl != NULL);
        }
    }
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
        return cli_usage_error("%s takes a whole number from 0 to %lld, not '%s'", opt,
                               (long long)max, text);
    }
    *out = v;
    return EXIT_OK;
}

int cmd_simulate(cli *c)
{
    if (c->nargs != 0) {
        return cli_usage_error(
            "simulate takes no arguments (options: --reform, --dossiers, --year, --seed, --from)");
    }
    if (c->year && c->dossiers) {
        return cli_usage_error("give --dossiers N or --year, not both");
    }
    mc_sim_opts o = MC_SIM_OPTS_INIT;
    o.dossiers = 10000;
    o.year = c->year;
    int64_t seed = 1;
    if (c->dossiers && parse_count("--dossiers", c->dossiers, MAX_DOSSIERS, &o.dossiers) != 0) {
        return EXIT_USAGE;
    }
    if (!c->year && o.dossiers == 0) {
        return cli_usage_error("--dossiers must be at least 1");
    }
    if (c->seed && parse_count("--seed", c->seed, INT64_MAX, &seed) != 0) {
        return EXIT_USAGE;
    }
    o.seed = (uint64_t)seed;
    o.from = cli_today();
    char msg[200];
    if (c->from && mc_value_date(c->from, strlen(c->from), &o.from, msg, sizeof msg) != 0) {
        return cli_usage_error("--from: %s", msg);
    }
    bool csv = c->format && strcmp(c->format, "csv") == 0;
    mc_catalogue *cat = NULL, *reformed = NULL;
    mc_rules *rules = NULL;
    mc_diags *diags = NULL;
    mc_error err;
    mc_error_clear(&err);
    mc_sim_result base, ref;
    memset(&base, 0, sizeof base);
    memset(&ref, 0, sizeof ref);
    int rc = cli_load(c, NULL, 0, &cat, &rules, &diags, &err);
    const mc_reform *reform = NULL;
    if (rc == 0 && c->reform != NULL) {
        reform = mc_catalogue_reform(cat, c->reform);
        rc = reform ? mc_reform_apply(cat, reform, &reformed, &err)
                    : mc_error_set(&err, MC_ENOTFOUND, "unknown reform '%s'", c->reform);
    }
    o.model = cat ? mc_catalogue_default_cost_model(cat) : NULL;
    if (rc == 0 && o.year) {
        /* --year: refuse what would take days before it starts */
        size_t n;
        const mc_procedure *const *all = mc_catalogue_procedures(cat, &n);
        int64_t sum = 0;
        for (size_t i = 0; i < n; i++) {
            sum += all[i]->has_volume && (i == 0 || strcmp(all[i]->name, all[i - 1]->name))
                       ? all[i]->volume
                       : 0;
        }
        if (sum > MAX_DOSSIERS) {
            rc = mc_error_set(&err, MC_EUSAGE,
                              "the volumes add up to %lld dossiers a year, more than %d: "
                              "simulate a sample with --dossiers N",
                              (long long)sum, MAX_DOSSIERS);
        }
    }
    progress_ud pb = {"baseline", 0}, pr = {"reform", 0};
    if (rc == 0) {
        o.progress = progress;
        o.ud = &pb;
        rc = mc_sim_run(cat, rules, &o, &base, &err);
    }
    if (rc == 0 && reformed != NULL) {
        o.ud = &pr;
        rc = mc_sim_run(reformed, rules, &o, &ref, &err);
    }
    int status = EXIT_OK;
    if (rc != 0) {
        if (diags != NULL && rc == MC_ECHECK) {
            cli_print_diags(stderr, diags);
        }
        if (err.msg[0]) {
            fprintf(stderr, "motcua: %s\n", err.msg);
        }
        status = rc == MC_EUSAGE ? EXIT_FAIL : cli_exit_for(rc);
        goto done;
    }
    char day[11];
    mc_date_format(o.from, day);
    if (c->json) {
        json_t *out = json_pack("{s:I, s:b, s:I, s:s, s:s?, s:s?, s:o}", "dossiers",
                                (json_int_t)base.total.dossiers, "year", o.year, "seed",
                                (json_int_t)seed, "from", day, "cost_model",
                                o.model ? o.model->name : NULL, "reform",
                                reform ? mc_reform_name(reform) : NULL, "baseline",
                                run_json(&base));
        if (reformed) {
            json_object_set_new(out, "reformed", run_json(&ref));
        }
        char *text = json_dumps(out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
        puts(text);
        free(text);
        json_decref(out);
    } else if (csv) {
        print_csv(&base, reformed ? &ref : NULL);
    } else {
        printf("simulation: %" PRId64 " dossiers (%s), seed %lld, arrivals over 365 days from "
               "%s%s%s\n",
               base.total.dossiers, o.year ? "a year of each procedure's volume"
                                           : "split by volume",
               (long long)seed, day, reform ? "; reform " : "",
               reform ? mc_reform_name(reform) : "");
        printf("applicant cost by cost-model %s\n\n", o.model ? o.model->name : "(none)");
        print_text(&base, reformed ? &ref : NULL);
    }
done:
    mc_sim_result_free(&base);
    mc_sim_result_free(&ref);
    mc_catalogue_free(reformed);
    mc_catalogue_free(cat);
    mc_rules_free(rules);
    mc_diags_free(diags);
    return status;
}
