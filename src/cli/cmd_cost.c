/* `motcua cost` (SPEC §8.1, issue 22): one cost study (study.h) of today against the reforms of
 * --reform, applied in order, or one per reform of --compare; printed as text, CSV or JSON, and
 * written as a briefing page (--html) and a workbook (--xlsx). The study decides every figure;
 * this file only lays them out. */
#include "cli.h"
#include "coverage_out.h"
#include "study_args.h"
#include "study_out.h"

#include "front/study_view.h"

#include "base/grow.h"
#include "base/utf8.h"
#include "motcua/alloc.h"
#include "motcua/study.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* One run of the command: the catalogue, and its studies (one, or one per compared reform). */
typedef struct cost_run {
    const mc_catalogue *cat;
    cli_study args;
    cli_coverage cov;
    mc_study *studies;
    const char **labels; /* each study's reforms, joined with " + "; "" without */
    char *label_text;
    size_t n;
    bool compare;
    char day[11];
} cost_run;

/* Hours with two decimals, rounded half up. */
static void hours_text(mc_fixed h, char out[32])
{
    front_hundredths((h + 5000) / 10000, out);
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

static const char *by_name(mc_study_by by)
{
    return by == MC_STUDY_BY_AGENCY ? "agency" : by == MC_STUDY_BY_SECTOR ? "sector" : "procedure";
}

/* ---- text --------------------------------------------------------------------------------- */

/* The figures of one total as "annual | reform annual saving pct", the reform part only when
 * reformed. */
static void total_line(int w, const char *label, const mc_study_total *t, bool reformed)
{
    char b[32], r[32], s[32], pct[32];
    cli_thousands(t->base, b);
    printf("%-*s %9s %14s %18s", w, label, "", "", b);
    if (reformed) {
        cli_thousands(t->reform, r);
        cli_thousands(t->saving, s);
        front_hundredths(t->saving_bp, pct);
        printf(" | %9s %14s %18s %18s %7s%%", "", "", r, s, pct);
    }
    putchar('\n');
}

static int name_width(const mc_study *s)
{
    int w = 34; /* as wide as the longest procedure name */
    for (size_t i = 0; i < s->n; i++) {
        int len = (int)strlen(s->rows[i].procedure);
        w = len > w ? len : w;
    }
    return w;
}

static void print_rows(const mc_study *s, bool reformed, int w)
{
    printf("%-*s %9s %14s %18s", w, "procedure", "hours", "cost/dossier", "annual");
    if (reformed) {
        printf(" | %9s %14s %18s %18s %8s", "hours", "cost/dossier", "annual", "saving", "saving");
    }
    putchar('\n');
    for (size_t i = 0; i < s->n; i++) {
        const mc_study_row *r = &s->rows[i];
        char h[32], c[32], a[32];
        hours_text(r->base.hours, h);
        cli_thousands(r->base.cost, c);
        cli_thousands(r->base.annual, a);
        printf("%-*s %9s %14s %18s", w, r->procedure, h, c, a);
        if (reformed) {
            char rh[32], rc[32], ra[32], sv[32], pct[32];
            hours_text(r->reform.hours, rh);
            cli_thousands(r->reform.cost, rc);
            cli_thousands(r->reform.annual, ra);
            cli_thousands(r->saving, sv);
            front_hundredths(r->saving_bp, pct);
            printf(" | %9s %14s %18s %18s %7s%%", rh, rc, ra, sv, pct);
        }
        printf("%s%s\n", r->abolished ? "  abolished" : "", r->assumed ? "  (assumed)" : "");
    }
}

/* The totals, split by what they rest on. */
static void print_totals(const mc_study *s, bool reformed, int w)
{
    char label[96];
    total_line(w, "total", &s->totals.all, reformed);
    snprintf(label, sizeof label, "  from statistics (%zu)", s->totals.statistics.n);
    total_line(w, label, &s->totals.statistics, reformed);
    snprintf(label, sizeof label, "  from assumptions (%zu)", s->totals.assumed.n);
    total_line(w, label, &s->totals.assumed, reformed);
    printf("(assumed): a procedure whose volume, effort, visits, time limit or fee the catalogue "
           "marks as an assumption (`assumed`), not a statistic\n");
    char b[32], r[32], d[32];
    cli_thousands(s->totals.all.revenue_base, b);
    cli_thousands(s->totals.all.revenue_reform, r);
    cli_thousands(s->totals.all.revenue_reform - s->totals.all.revenue_base, d);
    printf("\nthe state's fee revenue a year: %s", b);
    if (reformed) {
        printf(" today, %s under the reforms (%s)", r, d);
        if (s->totals.all.worse > 0) {
            printf("\nprocedures that cost their applicants more under the reforms: %lld",
                   (long long)s->totals.all.worse);
        }
    }
    putchar('\n');
}

static void print_groups(const mc_study *s, mc_study_by by, bool reformed)
{
    if (s->ngroups == 0) {
        return;
    }
    int w = 24;
    for (size_t g = 0; g < s->ngroups; g++) {
        int len = (int)mc_utf8_count(s->groups[g].key, strlen(s->groups[g].key));
        w = len > w ? len : w;
    }
    printf("\nby %s\n%-*s %10s %18s", by_name(by), w, by_name(by), "procedures", "annual");
    if (reformed) {
        printf(" %18s %18s %8s", "reform annual", "saving", "saving");
    }
    printf(" %18s\n", "of which assumed");
    for (size_t g = 0; g < s->ngroups; g++) {
        const mc_study_group *x = &s->groups[g];
        char b[32], r[32], sv[32], pct[32], as[32];
        cli_thousands(x->t.all.base, b);
        cli_thousands(x->t.assumed.base, as);
        const char *key = x->key[0] ? x->key : "(none)";
        /* padded by characters, not bytes: sectors are Vietnamese */
        int pad = w - (int)mc_utf8_count(key, strlen(key));
        printf("%s%*s %10zu %18s", key, pad > 0 ? pad : 0, "", x->t.all.n, b);
        if (reformed) {
            cli_thousands(x->t.all.reform, r);
            cli_thousands(x->t.all.saving, sv);
            front_hundredths(x->t.all.saving_bp, pct);
            printf(" %18s %18s %7s%%", r, sv, pct);
        }
        printf(" %18s\n", as);
    }
}

/* The reform's own legal basis, its lines joined with "; ", into out. */
static void reform_basis(const mc_reform *r, char *out, size_t size)
{
    mc_strings lb = mc_reform_legal_basis(r);
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < lb.n && used < size; i++) {
        int n = snprintf(out + used, size - used, "%s%s", i ? "; " : "", lb.items[i]);
        used += n > 0 ? (size_t)n : 0;
    }
}

static void print_changes(const mc_study *s, const mc_study_opts *o)
{
    if (s->nchanges == 0) {
        return;
    }
    printf("\nthe reforms' changes and what each is worth a year (alone: applied to today's "
           "catalogue by itself; marginal: added to the changes above it, in order)\n");
    printf("%3s %-72s %18s %8s %18s\n", "", "change", "alone", "", "marginal");
    const char *reform = NULL;
    char basis[1024] = "";
    for (size_t i = 0; i < s->nchanges; i++) {
        const mc_study_change *c = &s->changes[i];
        if (reform == NULL || strcmp(reform, c->change.reform) != 0) {
            reform = c->change.reform;
            const mc_reform *r = NULL;
            for (size_t k = 0; k < o->nreforms && r == NULL; k++) {
                r = strcmp(mc_reform_name(o->reforms[k]), reform) == 0 ? o->reforms[k] : NULL;
            }
            basis[0] = '\0';
            if (r != NULL) {
                reform_basis(r, basis, sizeof basis);
            }
            printf("    reform %s: %s\n", reform, r && mc_reform_title(r) ? mc_reform_title(r) : "");
            if (basis[0]) {
                printf("    legal basis: %s\n", basis);
            }
        }
        char what[300], a[32], ap[32], m[32], mp[32];
        snprintf(what, sizeof what, "%s%s: %s", c->change.registry ? "registry " : "",
                 c->change.target ? c->change.target : "", c->change.text);
        if (!c->counted) {
            printf("%3zu %-72s %18s %8s %18s\n", i + 1, what, "-", "", "-");
        } else {
            cli_thousands(c->alone, a);
            front_hundredths(c->alone_bp, ap);
            cli_thousands(c->marginal, m);
            front_hundredths(c->marginal_bp, mp);
            printf("%3zu %-72s %18s %7s%% %18s %7s%%\n", i + 1, what, a, ap, m, mp);
        }
        if (c->change.legal_basis != NULL && strcmp(c->change.legal_basis, basis) != 0) {
            printf("%3s   %s\n", "", c->change.legal_basis);
        }
    }
    bool uncounted = false;
    for (size_t i = 0; i < s->nchanges; i++) {
        uncounted |= !s->changes[i].counted;
    }
    if (uncounted) {
        printf("-: a change the legal cost does not count (how dossiers move between states, the "
               "calendar): see simulate\n");
    }
}

static void print_lines(const char *heading, char *const *lines, size_t n)
{
    if (n == 0) {
        return;
    }
    printf("\n%s\n", heading);
    for (size_t i = 0; i < n; i++) {
        printf("  %s\n", lines[i]);
    }
}

/* One clause of the notes and the procedures that have it. */
typedef struct clause {
    char text[300];
    const char *first[3];
    size_t n;
} clause;

/* The clauses of the notes of every row, in order of first appearance. */
typedef struct clauses {
    clause *cl;
    size_t n, cap;
} clauses;

/* Gathers the notes of every row into *out, each clause once with how many procedures it
 * concerns (a catalogue of 741 imported procedures gives one line, not 741): 0, or MC_ENOMEM
 * with *out freed. */
static int collect_notes(const mc_study *s, clauses *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < s->n; i++) {
        const char *notes[2] = {s->rows[i].notes, s->rows[i].reform_notes};
        for (int k = 0; k < 2; k++) {
            for (const char *p = notes[k]; p && *p;) {
                size_t len = strcspn(p, ";");
                char text[300];
                snprintf(text, sizeof text, "%s%.*s", k ? "(reform) " : "",
                         (int)(len < 280 ? len : 280), p);
                size_t j = 0;
                while (j < out->n && strcmp(out->cl[j].text, text) != 0) {
                    j++;
                }
                if (j == out->n) {
                    if (mc_grow(&out->cl, &out->cap, out->n + 1, sizeof *out->cl) != 0) {
                        mc_free(out->cl);
                        memset(out, 0, sizeof *out);
                        return MC_ENOMEM;
                    }
                    memset(&out->cl[j], 0, sizeof out->cl[j]);
                    memcpy(out->cl[j].text, text, sizeof text);
                    out->n++;
                }
                clause *c = &out->cl[j];
                if (c->n < 3) {
                    c->first[c->n] = s->rows[i].procedure;
                }
                c->n++;
                p += len;
                p += strspn(p, "; ");
            }
        }
    }
    return 0;
}

static void print_notes(const clauses *x)
{
    if (x->n > 0) {
        printf("\nassumptions (the whole list per procedure: --format csv or json):\n");
    }
    for (size_t j = 0; j < x->n; j++) {
        const clause *c = &x->cl[j];
        if (c->n == 1) {
            printf("  %s: %s\n", c->first[0], c->text);
        } else {
            printf("  %zu procedures (%s, %s%s): %s\n", c->n, c->first[0], c->first[1],
                   c->n > 2 ? ", …" : "", c->text);
        }
    }
}

static void print_head(const cost_run *run, const mc_study *s)
{
    char model[512];
    model_text(&s->model, model, sizeof model);
    printf("%s\n", model);
    printf("versions in force on %s", run->day);
    if (run->compare) {
        printf("; reforms compared, each on today's catalogue: %s", run->labels[0]);
        for (size_t i = 1; i < run->n; i++) {
            printf(", %s", run->labels[i]);
        }
    } else if (run->args.opts.nreforms > 0) {
        printf("; reforms applied in order: %s", run->labels[0]);
    }
    putchar('\n');
    print_lines("changed for this run (sensitivity):", s->sensitivity, s->nsensitivity);
    print_lines("conflicts between the reforms:", s->conflicts, s->nconflicts);
    putchar('\n');
}

/* Interconnected procedures (issue 25): the parts of each one listed, who does what (its line
 * above is the applicant's cost of filing once), and the part procedures left out. */
static void print_parts(const mc_study *s)
{
    bool head = false;
    for (size_t i = 0; i < s->n; i++) {
        const mc_study_row *r = &s->rows[i];
        if (r->nparts == 0) {
            continue;
        }
        if (!head) {
            printf("\ninterconnected procedures, filed once (their line is the applicant's cost; "
                   "each part is one agency's work):\n");
            head = true;
        }
        printf("  %s\n", r->procedure);
        for (size_t k = 0; k < r->nparts; k++) {
            const mc_study_part *x = &r->parts[k];
            char limit[40];
            front_study_duration(x->time_limit, limit);
            printf("    part %-12s %-34s %-26s %s\n", x->name, x->procedure,
                   x->agency ? x->agency : "-", limit[0] ? limit : "no time limit");
        }
    }
    if (s->nas_parts > 0) {
        printf("\nleft out, run as parts of an interconnected procedure (their dossiers are the "
               "group's): %zu\n",
               s->nas_parts);
        for (size_t i = 0; i < s->nas_parts; i++) {
            printf("  %s\n", s->as_parts[i]);
        }
    }
}

/* The study as text: 0, or MC_ENOMEM with nothing printed (its notes are gathered first). */
static int print_text(const cost_run *run)
{
    const mc_study *s = &run->studies[0];
    clauses notes;
    if (collect_notes(s, &notes) != 0) {
        return MC_ENOMEM;
    }
    bool reformed = run->args.opts.nreforms > 0;
    int w = name_width(s);
    print_head(run, s);
    print_rows(s, reformed, w);
    print_totals(s, reformed, w);
    print_groups(s, run->args.opts.by, reformed);
    print_changes(s, &run->args.opts);
    if (s->nsuperseded > 0) {
        printf("\nleft out, superseded by a procedure in force (`supersedes`): %zu\n",
               s->nsuperseded);
        for (size_t i = 0; i < s->nsuperseded; i++) {
            printf("  %s\n", s->superseded[i]);
        }
    }
    print_parts(s);
    cli_coverage_print(stdout, &run->cov, run->cat);
    print_notes(&notes);
    mc_free(notes.cl);
    return 0;
}

/* --compare: today's annual cost, then each reform's annual cost and saving %. */
static void print_compare_text(const cost_run *run)
{
    const mc_study *s0 = &run->studies[0];
    int w = name_width(s0);
    print_head(run, s0);
    printf("%-*s %18s", w, "procedure", "annual");
    for (size_t k = 0; k < run->n; k++) {
        printf(" | %-27.27s", run->labels[k]);
    }
    putchar('\n');
    for (size_t i = 0; i < s0->n; i++) {
        char b[32];
        cli_thousands(s0->rows[i].base.annual, b);
        printf("%-*s %18s", w, s0->rows[i].procedure, b);
        for (size_t k = 0; k < run->n; k++) {
            const mc_study_row *r = &run->studies[k].rows[i];
            char a[32], pct[32];
            cli_thousands(r->reform.annual, a);
            front_hundredths(r->saving_bp, pct);
            printf(" | %18s %7s%%", a, pct);
        }
        putchar('\n');
    }
    const char *labels[] = {"total", "  from statistics", "  from assumptions"};
    for (int t = 0; t < 3; t++) {
        const mc_study_total *x = t == 0   ? &s0->totals.all
                                  : t == 1 ? &s0->totals.statistics
                                           : &s0->totals.assumed;
        char b[32];
        cli_thousands(x->base, b);
        printf("%-*s %18s", w, labels[t], b);
        for (size_t k = 0; k < run->n; k++) {
            const mc_study_split *sp = &run->studies[k].totals;
            const mc_study_total *y = t == 0 ? &sp->all : t == 1 ? &sp->statistics : &sp->assumed;
            char a[32], pct[32];
            cli_thousands(y->reform, a);
            front_hundredths(y->saving_bp, pct);
            printf(" | %18s %7s%%", a, pct);
        }
        putchar('\n');
    }
}

/* ---- CSV ---------------------------------------------------------------------------------- */

static void csv_text(const char *s)
{
    putchar('"');
    for (; s && *s; s++) {
        if (*s == '"') {
            putchar('"');
        }
        putchar(*s);
    }
    putchar('"');
}

static void print_csv(const cost_run *run)
{
    bool reformed = run->args.opts.nreforms > 0 || run->compare;
    printf("procedure,code,agency,sector,basis,hours,cost,volume,annual,fee,revenue");
    for (size_t k = 0; k < run->n; k++) {
        const char *p = run->compare ? run->labels[k] : "reform";
        if (!reformed) {
            break;
        }
        if (run->compare) {
            printf(",%s_hours,%s_cost,%s_annual,%s_fee,%s_revenue,%s_saving,%s_saving_pct", p, p,
                   p, p, p, p, p);
        } else {
            printf(",reform_hours,reform_cost,reform_annual,reform_fee,reform_revenue,saving,"
                   "saving_pct");
        }
    }
    printf(",notes\n");
    const mc_study *s0 = &run->studies[0];
    for (size_t i = 0; i < s0->n; i++) {
        const mc_study_row *r = &s0->rows[i];
        char h[32];
        hours_text(r->base.hours, h);
        printf("%s,%s,%s,", r->procedure, r->code ? r->code : "", r->agency ? r->agency : "");
        csv_text(r->sector);
        printf(",%s,%s,%lld,%lld,%lld,%lld,%lld", r->assumed ? "assumed" : "statistics", h,
               (long long)r->base.cost, (long long)r->base.volume, (long long)r->base.annual,
               (long long)r->base.fee, (long long)r->base.revenue);
        for (size_t k = 0; reformed && k < run->n; k++) {
            const mc_study_row *x = &run->studies[k].rows[i];
            char rh[32], pct[32];
            hours_text(x->reform.hours, rh);
            front_hundredths(x->saving_bp, pct);
            printf(",%s,%lld,%lld,%lld,%lld,%lld,%s", rh, (long long)x->reform.cost,
                   (long long)x->reform.annual, (long long)x->reform.fee,
                   (long long)x->reform.revenue, (long long)x->saving, pct);
        }
        putchar(',');
        csv_text(r->notes);
        putchar('\n');
    }
}

/* ---- the run ------------------------------------------------------------------------------ */

/* The labels of the studies: the reforms of each, joined. */
static int make_labels(cost_run *run, mc_error *err)
{
    size_t size = 1;
    const mc_study_opts *o = &run->args.opts;
    for (size_t i = 0; i < o->nreforms; i++) {
        size += strlen(mc_reform_name(o->reforms[i])) + 3;
    }
    for (size_t i = 0; i < run->args.ncompare; i++) {
        size += strlen(mc_reform_name(run->args.compare[i])) + 1;
    }
    run->label_text = calloc(size, 1);
    run->labels = calloc(run->n ? run->n : 1, sizeof *run->labels);
    if (run->label_text == NULL || run->labels == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    char *p = run->label_text;
    if (!run->compare) {
        run->labels[0] = p;
        for (size_t i = 0; i < o->nreforms; i++) {
            p += sprintf(p, "%s%s", i ? " + " : "", mc_reform_name(o->reforms[i]));
        }
        return 0;
    }
    for (size_t k = 0; k < run->n; k++) {
        run->labels[k] = p;
        p += sprintf(p, "%s", mc_reform_name(run->args.compare[k])) + 1;
    }
    return 0;
}

static int run_studies(cost_run *run, mc_rules *rules, mc_error *err)
{
    run->compare = run->args.ncompare > 0;
    run->n = run->compare ? run->args.ncompare : 1;
    run->studies = calloc(run->n, sizeof *run->studies);
    if (run->studies == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    int rc = make_labels(run, err);
    for (size_t k = 0; rc == 0 && k < run->n; k++) {
        mc_study_opts o = run->args.opts;
        if (run->compare) {
            o.reforms = &run->args.compare[k];
            o.nreforms = 1;
        }
        o.attribute = o.nreforms > 0 && !run->compare;
        rc = mc_study_run(&run->studies[k], run->cat, rules, &o, err);
    }
    return rc;
}

/* The briefing (--html) and the workbook (--xlsx) of the studies (study_out.h), Vietnamese
 * unless --lang says otherwise. */
static int write_outputs(const front_opts *c, const cost_run *run, mc_error *err)
{
    const mc_study **studies = calloc(run->n, sizeof *studies);
    if (studies == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < run->n; k++) {
        studies[k] = &run->studies[k];
    }
    study_out o = {run->cat, studies, (const char *const *)run->labels, run->n, run->day,
                   c->lang_name != NULL ? c->lang : MC_LANG_VI, &run->cov};
    int rc = c->html != NULL ? study_page_write(c->html, &o, err) : 0;
    if (rc == 0 && c->xlsx != NULL) {
        rc = study_xlsx_write(c->xlsx, &o, err);
    }
    free(studies);
    return rc;
}

/* The fee rules that failed in the studies (mc_study_row.fee_failed), each once, on stderr: as
 * warnings with --keep-going (0), else as errors and MC_ECHECK (exit 1, the study not printed:
 * its fees would count 0 where the rule failed). */
static int fee_failures(const front_opts *c, const cost_run *run, mc_error *err)
{
    size_t n = 0;
    const char *seen[64];
    size_t nseen = 0;
    for (size_t k = 0; k < run->n; k++) {
        const mc_study *s = &run->studies[k];
        for (size_t i = 0; i < s->n; i++) {
            const mc_study_row *r = &s->rows[i];
            const char *why[2] = {r->fee_failed, r->reform_fee_failed};
            for (int j = 0; j < 2; j++) {
                if (why[j] == NULL || why[j][0] == '\0') {
                    continue;
                }
                bool again = false;
                for (size_t x = 0; x < nseen && !again; x++) {
                    again = strcmp(seen[x], why[j]) == 0;
                }
                if (again) {
                    continue;
                }
                if (nseen < sizeof seen / sizeof seen[0]) {
                    seen[nseen++] = why[j];
                }
                n++;
                fprintf(stderr, "motcua: %s%s: %s%s\n", c->keep_going ? "warning: " : "",
                        r->procedure, why[j], j == 1 ? " (under the reforms)" : "");
            }
        }
    }
    if (n == 0 || c->keep_going) {
        return 0;
    }
    mc_error_set(err, MC_ECHECK,
                 "%zu fee rule failure%s: those dossiers' fees would count as 0; fix the rule%s, "
                 "or give --keep-going to print the study anyway",
                 n, n == 1 ? "" : "s", n == 1 ? "" : "s");
    return MC_ECHECK;
}

int cmd_cost(front_opts *c)
{
    const char *fmt = c->format ? c->format : "text";
    if (c->nargs != 0) {
        return front_usage_error("cost takes no arguments (see 'motcua help cost')");
    }
    if (cli_coverage_check(c) != EXIT_OK) {
        return EXIT_USAGE;
    }
    if ((c->html != NULL && c->html[0] == '\0') || (c->xlsx != NULL && c->xlsx[0] == '\0')) {
        return front_usage_error("%s needs a file name", c->html ? "--html" : "--xlsx");
    }
    cost_run run;
    memset(&run, 0, sizeof run);
    int status = cli_study_check(c, &run.args);
    if (status != EXIT_OK) {
        cli_study_free(&run.args);
        return status;
    }
    mc_date date = cli_today();
    char msg[200];
    if (c->date != NULL && mc_value_date(c->date, strlen(c->date), &date, msg, sizeof msg) != 0) {
        cli_study_free(&run.args);
        return front_usage_error("--date: %s", msg);
    }
    run.args.opts.date = date;
    mc_date_format(date, run.day);
    mc_catalogue *cat = NULL;
    mc_rules *rules = NULL;
    mc_diags *diags = NULL;
    mc_error err;
    mc_error_clear(&err);
    int rc = front_load(c, NULL, 0, &cat, &rules, &diags, &err);
    run.cat = cat;
    if (rc == 0) {
        rc = cli_study_resolve(c, cat, &run.args, &err);
    }
    if (rc == 0) {
        rc = cli_coverage_load(c, cat, &run.cov, &err);
    }
    if (rc == 0) {
        run.args.opts.measured = run.cov.on ? &run.cov.cov : NULL;
        rc = run_studies(&run, rules, &err);
        run.cov.reformed = run.studies && !run.compare ? run.studies[0].reformed : NULL;
    }
    if (rc == 0) {
        rc = fee_failures(c, &run, &err);
    }
    if (rc == 0) {
        if (strcmp(fmt, "csv") == 0) {
            print_csv(&run);
            cli_coverage_print(stderr, &run.cov, cat); /* the table stays a table */
        } else if (c->json) {
            json_t *j = front_study_json(run.studies, run.labels, run.n, run.compare,
                                         run.args.opts.by, run.day);
            if (j != NULL && run.cov.on) {
                bool ok = true;
                front_jset(j, "coverage", cli_coverage_json(&run.cov, cat), &ok);
                j = front_jdone(j, ok);
            }
            if (cli_print_json(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != EXIT_OK) {
                rc = MC_ENOMEM; /* said, with err.msg left empty: exit 3, no page */
            }
        } else if (run.compare) {
            print_compare_text(&run);
        } else if (print_text(&run) != 0) {
            rc = mc_error_set(&err, MC_ENOMEM, "out of memory");
        }
        fflush(stdout);
        if (rc == 0 && (c->html != NULL || c->xlsx != NULL)) {
            rc = write_outputs(c, &run, &err);
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
    for (size_t k = 0; run.studies != NULL && k < run.n; k++) {
        mc_study_free(&run.studies[k]);
    }
    free(run.studies);
    free(run.labels);
    free(run.label_text);
    cli_study_free(&run.args);
    cli_coverage_free(&run.cov);
    mc_catalogue_free(cat);
    mc_rules_free(rules);
    mc_diags_free(diags);
    return front_exit_for(rc);
}
