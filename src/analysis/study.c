/* A cost study (study.h): the lines of cost.h for today and under the stacked reforms, with the
 * sensitivity options applied to the model and the registries' coverage, kept to the procedures
 * in force that no other one supersedes and that pass the filters; totals split by what rests on
 * assumptions; subtotals; and, on request, what each change of the reforms is worth. Its
 * sentences are messages of the catalogue (msg.h, "study.…") said in English for the CLI. */
#include "motcua/study.h"

#include "motcua/alloc.h"
#include "motcua/coverage.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct study_priv {
    mc_cost_line *base, *reform;
    size_t nbase, nreform;
    mc_catalogue *reformed;
    mc_coverage cov;
    bool has_cov;
    mc_study_part *parts; /* the rows' parts (mc_study_row.parts point into it) */
} study_priv;

/* Appends a sentence to a list of them; MC_ENOMEM. */
static int push_line(char ***lines, size_t *n, char *line)
{
    char **grown = line ? mc_realloc(*lines, (*n + 1) * sizeof *grown) : NULL;
    if (grown == NULL) {
        mc_free(line);
        return MC_ENOMEM;
    }
    grown[(*n)++] = line;
    *lines = grown;
    return 0;
}

/* ---- sentences as messages ---------------------------------------------------------------- */

/* Sets s to code with its nargs arguments (const char *, NULL read as ""), each cut at a whole
 * UTF-8 character to fit; bit i of numbers: args[i] is a number. */
static void said_set(mc_study_said *s, const char *code, unsigned numbers, size_t nargs, ...)
{
    memset(s, 0, sizeof *s);
    s->code = code;
    s->numbers = numbers;
    va_list ap;
    va_start(ap, nargs);
    for (size_t i = 0; i < nargs; i++) {
        const char *a = va_arg(ap, const char *);
        if (i >= MC_MSG_MAXARGS) {
            continue;
        }
        a = a ? a : "";
        size_t n = strlen(a);
        if (n >= MC_STUDY_ARGSZ) {
            n = MC_STUDY_ARGSZ - 1;
            while (n > 0 && ((unsigned char)a[n] & 0xC0) == 0x80) {
                n--; /* a[n] continues a character: cut before the character */
            }
        }
        memcpy(s->args[i], a, n);
        s->args[i][n] = '\0';
        s->nargs = i + 1;
    }
    va_end(ap);
}

/* The digits of a number ("-20000.5") as lang writes it ("-20,000.5", "-20.000,5") into out. */
static void number_in(mc_lang lang, const char *digits, char *out, size_t outsz)
{
    char group = lang == MC_LANG_VI ? '.' : ',', point = lang == MC_LANG_VI ? ',' : '.';
    size_t k = 0;
    const char *p = digits;
    if (*p == '-' && k + 1 < outsz) {
        out[k++] = *p++;
    }
    size_t whole = strspn(p, "0123456789");
    for (size_t i = 0; i < whole && k + 2 < outsz; i++) {
        if (i > 0 && (whole - i) % 3 == 0) {
            out[k++] = group;
        }
        out[k++] = p[i];
    }
    p += whole;
    if (*p == '.' && k + 1 < outsz) {
        out[k++] = point;
        p++;
    }
    while (*p != '\0' && k + 1 < outsz) {
        out[k++] = *p++;
    }
    out[k] = '\0';
}

int mc_study_say(const mc_study_said *s, mc_lang lang, char *out, size_t outsz)
{
    const char *args[MC_MSG_MAXARGS];
    char numbers[MC_MSG_MAXARGS][MC_STUDY_ARGSZ + MC_STUDY_ARGSZ / 3 + 1];
    size_t n = s->nargs < MC_MSG_MAXARGS ? s->nargs : MC_MSG_MAXARGS;
    for (size_t i = 0; i < n; i++) {
        args[i] = s->args[i];
        if (s->numbers & (1u << i)) {
            number_in(lang, s->args[i], numbers[i], sizeof numbers[i]);
            args[i] = numbers[i];
        }
    }
    return mc_msg_format(lang, s->code, args, n, out, outsz);
}

/* The English sentence of s, allocated (NULL: out of memory). */
static char *said_english(const mc_study_said *s)
{
    int n = mc_study_say(s, MC_LANG_EN, NULL, 0);
    char *line = n >= 0 ? mc_malloc((size_t)n + 1) : NULL;
    if (line != NULL) {
        mc_study_say(s, MC_LANG_EN, line, (size_t)n + 1);
    }
    return line;
}

/* Appends one to said and a line to lines (both *n long before): line, or one said in English
 * when line is NULL; line is the list's (freed on failure). MC_ENOMEM. */
static int push_said(char ***lines, mc_study_said **said, size_t *n, const mc_study_said *one,
                     char *line)
{
    mc_study_said *grown = mc_realloc(*said, (*n + 1) * sizeof *grown);
    if (grown == NULL) {
        mc_free(line);
        return MC_ENOMEM;
    }
    *said = grown;
    grown[*n] = *one;
    return push_line(lines, n, line ? line : said_english(one));
}

void mc_study_lines_free(char **lines, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        mc_free(lines[i]);
    }
    mc_free(lines);
}

mc_study_by mc_study_by_parse(const char *name)
{
    static const char *const names[] = {"agency", "sector", "procedure"};
    for (size_t i = 0; name != NULL && i < 3; i++) {
        if (strcmp(name, names[i]) == 0) {
            return (mc_study_by)(i + 1);
        }
    }
    return MC_STUDY_BY_NONE;
}

void mc_study_model(const mc_study_opts *o, const mc_cost_model *declared, mc_cost_model *out)
{
    *out = *declared;
    if (o->has_income) {
        out->hourly_income.amount = o->income;
    }
    if (o->count_waiting >= 0) {
        out->count_waiting = o->count_waiting == 1;
    }
}

int mc_study_coverage_of(const mc_study_opts *o, const mc_catalogue *cat, mc_coverage *out,
                         mc_error *err)
{
    memset(out, 0, sizeof *out);
    if (o->measured != NULL) {
        int rc = mc_coverage_copy(out, o->measured, err);
        if (rc != 0) {
            return rc;
        }
    }
    for (size_t i = 0; i < o->ncoverage; i++) {
        const mc_registry *r = mc_catalogue_registry(cat, o->coverage[i].registry);
        if (r == NULL) {
            mc_coverage_free(out);
            return mc_error_set(err, MC_ENOTFOUND, "--coverage: unknown registry '%s'",
                                o->coverage[i].registry);
        }
        int rc = mc_coverage_set(out, r, o->coverage[i].pct, err);
        if (rc != 0) {
            mc_coverage_free(out);
            return rc;
        }
    }
    return 0;
}

int mc_study_sensitivity_said(const mc_study_opts *o, const mc_catalogue *cat,
                              const mc_cost_model *declared, mc_study_said **said, size_t *n,
                              mc_error *err)
{
    *said = NULL;
    *n = 0;
    size_t most = (o->has_income ? 1 : 0) + (o->count_waiting >= 0 ? 1 : 0) + o->ncoverage;
    if (most == 0) {
        return 0;
    }
    mc_study_said *out = mc_calloc(most, sizeof *out);
    if (out == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    size_t k = 0;
    if (o->has_income) {
        char now[32], was[32];
        snprintf(now, sizeof now, "%lld", (long long)o->income);
        snprintf(was, sizeof was, "%lld", (long long)declared->hourly_income.amount);
        said_set(&out[k++], "study.sensitivity-income", 1u | 8u, 4, now,
                 declared->hourly_income.currency, declared->name, was);
    }
    if (o->count_waiting >= 0) {
        static const char *const codes[2][2] = {
            {"study.sensitivity-waiting-no-no", "study.sensitivity-waiting-no-yes"},
            {"study.sensitivity-waiting-yes-no", "study.sensitivity-waiting-yes-yes"}};
        said_set(&out[k++], codes[o->count_waiting == 1][declared->count_waiting ? 1 : 0], 0, 1,
                 declared->name);
    }
    for (size_t i = 0; i < o->ncoverage; i++) {
        const mc_registry *r = mc_catalogue_registry(cat, o->coverage[i].registry);
        char now[32], was[32];
        mc_fixed_format(o->coverage[i].pct, now);
        if (r != NULL && r->has_coverage) {
            mc_fixed_format(r->coverage, was);
            said_set(&out[k++], "study.sensitivity-coverage", 2u | 4u, 3, o->coverage[i].registry,
                     now, was);
        } else {
            said_set(&out[k++], "study.sensitivity-coverage-none", 2u, 2, o->coverage[i].registry,
                     now);
        }
    }
    *said = out;
    *n = k;
    return 0;
}

int mc_study_sensitivity(const mc_study_opts *o, const mc_catalogue *cat,
                         const mc_cost_model *declared, char ***lines, size_t *n, mc_error *err)
{
    *lines = NULL;
    *n = 0;
    mc_study_said *said;
    size_t ns;
    int rc = mc_study_sensitivity_said(o, cat, declared, &said, &ns, err);
    for (size_t i = 0; rc == 0 && i < ns; i++) {
        rc = push_line(lines, n, said_english(&said[i]));
    }
    mc_free(said);
    if (rc != 0) {
        mc_study_lines_free(*lines, *n);
        *lines = NULL;
        *n = 0;
        return rc == MC_ENOMEM ? mc_error_set(err, MC_ENOMEM, "out of memory") : rc;
    }
    return 0;
}

static bool matches(const mc_study_filter *f, const char *value)
{
    if (f->n == 0) {
        return true;
    }
    for (size_t i = 0; value != NULL && i < f->n; i++) {
        if (fnmatch(f->items[i], value, 0) == 0) {
            return true;
        }
    }
    return false;
}

bool mc_study_selects(const mc_study_opts *o, const mc_procedure *p)
{
    return matches(&o->agencies, p->agency) && matches(&o->sectors, p->sector) &&
           matches(&o->procedures, p->name) && matches(&o->codes, p->code);
}

static const mc_cost_line *line_named(const mc_cost_line *l, size_t n, const char *name)
{
    size_t lo = 0, hi = n; /* the lines are sorted by name (mc_cost_compute) */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int d = strcmp(name, l[mid].procedure);
        if (d == 0) {
            return &l[mid];
        }
        if (d < 0) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return NULL;
}

static void side_of(mc_study_side *s, const mc_cost_line *l)
{
    s->hours = l->hours;
    s->cost = l->cost;
    s->fee = l->fee;
    s->minutes = l->minutes;
    s->documents = l->documents;
    s->visits = l->visits;
    s->volume = l->volume;
    s->annual = l->annual;
    s->revenue = l->fee * l->volume;
}

static void total_add(mc_study_total *t, const mc_study_row *r)
{
    t->n++;
    t->base += r->base.annual;
    t->reform += r->reform.annual;
    t->revenue_base += r->base.revenue;
    t->revenue_reform += r->reform.revenue;
    t->worse += r->saving < 0;
}

static void total_finish(mc_study_total *t)
{
    t->saving = t->base - t->reform;
    t->saving_bp = mc_cost_saving_bp(t->base, t->reform);
}

static void split_add(mc_study_split *s, const mc_study_row *r)
{
    total_add(&s->all, r);
    total_add(r->assumed ? &s->assumed : &s->statistics, r);
}

static void split_finish(mc_study_split *s)
{
    total_finish(&s->all);
    total_finish(&s->statistics);
    total_finish(&s->assumed);
}

static const char *group_key(const mc_study_row *r, mc_study_by by)
{
    const char *k = by == MC_STUDY_BY_AGENCY   ? r->agency
                    : by == MC_STUDY_BY_SECTOR ? r->sector
                                               : r->procedure;
    return k ? k : "";
}

static int cmp_group(const void *a, const void *b)
{
    return strcmp(((const mc_study_group *)a)->key, ((const mc_study_group *)b)->key);
}

static int make_groups(mc_study *s, mc_study_by by, mc_error *err)
{
    if (by == MC_STUDY_BY_NONE) {
        return 0;
    }
    s->groups = mc_calloc(s->n ? s->n : 1, sizeof *s->groups);
    if (s->groups == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < s->n; i++) {
        const char *k = group_key(&s->rows[i], by);
        size_t g = 0;
        while (g < s->ngroups && strcmp(s->groups[g].key, k) != 0) {
            g++;
        }
        if (g == s->ngroups) {
            s->groups[s->ngroups++].key = k;
        }
        split_add(&s->groups[g].t, &s->rows[i]);
    }
    for (size_t g = 0; g < s->ngroups; g++) {
        split_finish(&s->groups[g].t);
    }
    qsort(s->groups, s->ngroups, sizeof *s->groups, cmp_group);
    return 0;
}

/* The parts of the interconnected procedures among the rows of s: each part's procedure in force
 * on the date (or its first version), its agency and time limit. */
static int row_parts(mc_study *s, const mc_catalogue *cat, const mc_study_opts *o, mc_error *err)
{
    study_priv *pv = s->priv;
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++) {
        n += s->rows[i].p->nparts;
    }
    if (n == 0) {
        return 0;
    }
    pv->parts = mc_calloc(n, sizeof *pv->parts);
    if (pv->parts == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    mc_study_part *at = pv->parts;
    for (size_t i = 0; i < s->n; i++) {
        mc_study_row *r = &s->rows[i];
        r->parts = at;
        r->nparts = r->p->nparts;
        for (size_t k = 0; k < r->p->nparts; k++, at++) {
            const mc_part *x = &r->p->parts[k];
            const mc_procedure *q = mc_catalogue_procedure(cat, x->procedure, o->date);
            size_t nv;
            const mc_procedure *const *v = mc_catalogue_versions(cat, x->procedure, &nv);
            q = q != NULL ? q : nv > 0 ? v[0] : NULL;
            at->name = x->name;
            at->procedure = x->procedure;
            at->agency = q != NULL ? q->agency : NULL;
            at->time_limit = q != NULL && q->has_time_limit ? &q->time_limit : NULL;
        }
    }
    return 0;
}

/* The rows of s from the priv lines. */
static int make_rows(mc_study *s, const mc_catalogue *cat, const mc_study_opts *o, mc_error *err)
{
    study_priv *pv = s->priv;
    s->rows = mc_calloc(pv->nbase ? pv->nbase : 1, sizeof *s->rows);
    if (s->rows == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < pv->nbase; i++) {
        const mc_cost_line *b = &pv->base[i];
        const mc_procedure *p = b->in_force ? mc_catalogue_procedure(cat, b->procedure, o->date)
                                            : NULL;
        if (p == NULL || !mc_study_selects(o, p)) {
            continue;
        }
        const mc_procedure *by = mc_catalogue_superseded(cat, p->name, o->date);
        if (by != NULL) {
            mc_study_said one;
            said_set(&one, "study.superseded", 0, 2, p->name, by->name);
            if (push_said(&s->superseded, &s->superseded_said, &s->nsuperseded, &one, NULL) != 0) {
                return mc_error_set(err, MC_ENOMEM, "out of memory");
            }
            continue;
        }
        const mc_procedure *of = p->has_volume ? NULL : mc_cost_group_of(cat, p->name, o->date);
        if (of != NULL) { /* its dossiers are the group's */
            const char *part = "";
            for (size_t k = 0; k < of->nparts; k++) {
                part = strcmp(of->parts[k].procedure, p->name) == 0 ? of->parts[k].name : part;
            }
            mc_study_said one;
            said_set(&one, "study.part", 0, 3, p->name, part, of->name);
            if (push_said(&s->as_parts, &s->as_parts_said, &s->nas_parts, &one, NULL) != 0) {
                return mc_error_set(err, MC_ENOMEM, "out of memory");
            }
            continue;
        }
        mc_study_row *r = &s->rows[s->n++];
        r->p = p;
        r->procedure = p->name;
        r->code = p->code;
        r->agency = p->agency;
        r->sector = p->sector;
        side_of(&r->base, b);
        r->notes = b->notes;
        r->reform_notes = "";
        r->fee_failed = b->fee_failed;
        r->reform_fee_failed = "";
        r->assumed_bits = b->assumed;
        if (o->nreforms == 0) {
            r->reform = r->base;
        } else {
            const mc_cost_line *l = line_named(pv->reform, pv->nreform, p->name);
            r->abolished = l == NULL || !l->in_force;
            if (!r->abolished) {
                side_of(&r->reform, l);
                r->reform_fee_failed = l->fee_failed;
                r->assumed_bits |= l->assumed;
                if (strcmp(l->notes, b->notes) != 0) {
                    r->reform_notes = l->notes;
                }
            }
        }
        r->assumed = r->assumed_bits != 0;
        r->saving = r->base.annual - r->reform.annual;
        r->saving_bp = mc_cost_saving_bp(r->base.annual, r->reform.annual);
        split_add(&s->totals, r);
    }
    split_finish(&s->totals);
    return row_parts(s, cat, o, err);
}

/* ---- what each change is worth ---------------------------------------------------------- */

/* The annual cost of the rows of s in catalogue c (a procedure not in force there counts 0). */
static int total_in(const mc_study *s, const mc_catalogue *c, mc_rules *rules,
                    const mc_study_opts *o, const mc_coverage *cov, int64_t *total, mc_error *err)
{
    mc_cost_line *lines = NULL;
    size_t n = 0;
    int rc = mc_cost_compute_with(c, rules, &s->model, o->date, cov, &lines, &n, err);
    *total = 0;
    for (size_t i = 0; rc == 0 && i < s->n; i++) {
        const mc_cost_line *l = line_named(lines, n, s->rows[i].procedure);
        *total += l != NULL && l->in_force ? l->annual : 0;
    }
    mc_free(lines);
    return rc;
}

/* The total of s with the changes of the reforms kept as keep says. */
static int total_kept(const mc_study *s, const mc_catalogue *cat, mc_rules *rules,
                      const mc_study_opts *o, const mc_coverage *cov, const bool *const *keep,
                      int64_t *total, mc_error *err)
{
    mc_catalogue *c = NULL;
    int rc = mc_reform_apply_list(cat, o->reforms, keep, o->nreforms, &c, err);
    if (rc == 0) {
        rc = total_in(s, c, rules, o, cov, total, err);
    }
    mc_catalogue_free(c);
    return rc;
}

/* Fills s->changes: every change of the reforms in order, alone and marginal. */
static int attribute(mc_study *s, const mc_catalogue *cat, mc_rules *rules,
                     const mc_study_opts *o, const mc_coverage *cov, mc_error *err)
{
    size_t nr = o->nreforms, total_changes = 0;
    mc_reform_change **lists = mc_calloc(nr, sizeof *lists);
    size_t *counts = mc_calloc(nr, sizeof *counts);
    bool **keep = mc_calloc(nr, sizeof *keep);
    int rc = lists && counts && keep ? 0 : mc_error_set(err, MC_ENOMEM, "out of memory");
    for (size_t i = 0; rc == 0 && i < nr; i++) {
        rc = mc_reform_changes(o->reforms[i], &lists[i], &counts[i], err);
        if (rc == 0) {
            keep[i] = mc_calloc(counts[i] ? counts[i] : 1, sizeof **keep);
            rc = keep[i] ? 0 : mc_error_set(err, MC_ENOMEM, "out of memory");
        }
        total_changes += counts[i];
    }
    if (rc == 0) {
        s->changes = mc_calloc(total_changes ? total_changes : 1, sizeof *s->changes);
        rc = s->changes ? 0 : mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    int64_t base = s->totals.all.base, before = base;
    for (size_t i = 0; rc == 0 && i < nr; i++) {
        for (size_t k = 0; rc == 0 && k < counts[i]; k++) {
            mc_study_change *c = &s->changes[s->nchanges++];
            c->change = lists[i][k];
            c->counted = (c->change.affects & MC_CHANGE_COST) != 0;
            /* alone: only this change, of every reform */
            bool **only = mc_calloc(nr, sizeof *only);
            rc = only ? 0 : mc_error_set(err, MC_ENOMEM, "out of memory");
            for (size_t j = 0; rc == 0 && j < nr; j++) {
                only[j] = mc_calloc(counts[j] ? counts[j] : 1, sizeof **only);
                rc = only[j] ? 0 : mc_error_set(err, MC_ENOMEM, "out of memory");
            }
            int64_t alone = base, prefix = before;
            if (rc == 0) {
                only[i][k] = true;
                rc = total_kept(s, cat, rules, o, cov, (const bool *const *)only, &alone, err);
            }
            for (size_t j = 0; only != NULL && j < nr; j++) {
                mc_free(only[j]);
            }
            mc_free(only);
            /* marginal: the changes before it and it */
            keep[i][k] = true;
            if (rc == 0) {
                rc = total_kept(s, cat, rules, o, cov, (const bool *const *)keep, &prefix, err);
            }
            c->alone = base - alone;
            c->alone_bp = mc_cost_saving_bp(base, alone);
            c->marginal = before - prefix;
            c->marginal_bp = base ? mc_cost_saving_bp(base, base - c->marginal) : 0;
            before = prefix;
        }
    }
    for (size_t i = 0; i < nr; i++) {
        if (lists) {
            mc_free(lists[i]);
        }
        if (keep) {
            mc_free(keep[i]);
        }
    }
    mc_free(lists);
    mc_free(counts);
    mc_free(keep);
    return rc;
}

/* The sentences of what o changes for this run, into s. */
static int sensitivity(mc_study *s, const mc_study_opts *o, const mc_catalogue *cat, mc_error *err)
{
    mc_study_said *said;
    size_t n;
    int rc = mc_study_sensitivity_said(o, cat, s->declared, &said, &n, err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = push_said(&s->sensitivity, &s->sensitivity_said, &s->nsensitivity, &said[i], NULL);
    }
    mc_free(said);
    return rc == MC_ENOMEM ? mc_error_set(err, MC_ENOMEM, "out of memory") : rc;
}

/* The conflicts between the stacked reforms of o into s: reform.h's messages (code and
 * arguments), each with its English sentence. */
static int conflicts(mc_study *s, const mc_study_opts *o, mc_error *err)
{
    if (o->nreforms < 2) {
        return 0;
    }
    mc_reform_conflict *c;
    size_t n;
    int rc = mc_reform_conflicts_said(o->reforms, o->nreforms, &c, &n, err);
    for (size_t k = 0; rc == 0 && k < n; k++) {
        mc_study_said one;
        said_set(&one, c[k].code, 0, c[k].nargs, c[k].args[0], c[k].args[1], c[k].args[2],
                 c[k].args[3], c[k].args[4]);
        rc = push_said(&s->conflicts, &s->conflicts_said, &s->nconflicts, &one, NULL);
        if (rc != 0) {
            rc = mc_error_set(err, MC_ENOMEM, "out of memory");
        }
    }
    mc_free(c);
    return rc;
}

/* The catalogue under the reforms of o, into *out. */
static int apply_reforms(const mc_catalogue *cat, const mc_study_opts *o, mc_catalogue **out,
                         mc_error *err)
{
    *out = NULL;
    if (o->nreforms == 0) {
        return 0;
    }
    return mc_reform_apply_list(cat, o->reforms, NULL, o->nreforms, out, err);
}

int mc_study_run(mc_study *out, const mc_catalogue *cat, mc_rules *rules,
                 const mc_study_opts *o, mc_error *err)
{
    memset(out, 0, sizeof *out);
    study_priv *pv = mc_calloc(1, sizeof *pv);
    if (pv == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    out->priv = pv;
    out->declared = mc_catalogue_default_cost_model(cat);
    if (out->declared == NULL) {
        return mc_error_set(err, MC_ENOTFOUND, "the catalogue has no default cost-model");
    }
    mc_study_model(o, out->declared, &out->model);
    int rc = mc_study_coverage_of(o, cat, &pv->cov, err);
    if (rc != 0) {
        return rc;
    }
    pv->has_cov = o->measured != NULL || o->ncoverage > 0;
    const mc_coverage *cov = pv->has_cov ? &pv->cov : NULL;
    rc = sensitivity(out, o, cat, err);
    if (rc == 0) {
        rc = conflicts(out, o, err);
    }
    if (rc == 0) {
        rc = apply_reforms(cat, o, &pv->reformed, err);
        out->reformed = pv->reformed;
    }
    if (rc == 0) {
        rc = mc_cost_compute_with(cat, rules, &out->model, o->date, cov, &pv->base, &pv->nbase,
                                  err);
    }
    if (rc == 0 && pv->reformed != NULL) {
        rc = mc_cost_compute_with(pv->reformed, rules, &out->model, o->date, cov, &pv->reform,
                                  &pv->nreform, err);
    }
    if (rc == 0) {
        rc = make_rows(out, cat, o, err);
    }
    if (rc == 0 && out->n == 0) {
        char day[11];
        mc_date_format(o->date, day);
        rc =
            mc_error_set(err, MC_ENOTFOUND, "no procedure is in force on %s%s%s%s%s", day,
                         o->agencies.n || o->sectors.n || o->procedures.n || o->codes.n
                             ? " and passes the filters"
                             : "",
                         out->nas_parts > 0 ? " (" : "", out->nas_parts > 0 ? out->as_parts[0] : "",
                         out->nas_parts > 0 ? ": its dossiers are the group's)" : "");
    }
    if (rc == 0) {
        rc = make_groups(out, o->by, err);
    }
    if (rc == 0 && o->attribute && o->nreforms > 0) {
        rc = attribute(out, cat, rules, o, cov, err);
    }
    return rc;
}

void mc_study_free(mc_study *s)
{
    if (s == NULL) {
        return;
    }
    study_priv *pv = s->priv;
    if (pv != NULL) {
        mc_free(pv->base);
        mc_free(pv->reform);
        mc_catalogue_free(pv->reformed);
        mc_coverage_free(&pv->cov);
        mc_free(pv->parts);
        mc_free(pv);
    }
    mc_free(s->rows);
    mc_free(s->groups);
    mc_free(s->changes);
    mc_study_lines_free(s->conflicts, s->nconflicts);
    mc_study_lines_free(s->superseded, s->nsuperseded);
    mc_study_lines_free(s->as_parts, s->nas_parts);
    mc_study_lines_free(s->sensitivity, s->nsensitivity);
    mc_free(s->conflicts_said);
    mc_free(s->superseded_said);
    mc_free(s->as_parts_said);
    mc_free(s->sensitivity_said);
    memset(s, 0, sizeof *s);
}
