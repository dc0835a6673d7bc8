/* `motcua cost [--reform NAME] [--date DATE] [--format text|csv|json]` (SPEC §8.1). */
#include "cli.h"

#include "motcua/alloc.h"
#include "motcua/cost.h"
#include "motcua/reform.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* "1,234,567" — thousands separated for people; the CSV and JSON keep plain numbers. */
static void money_text(int64_t v, char out[40])
{
    char digits[32];
    snprintf(digits, sizeof digits, "%lld", (long long)(v < 0 ? -v : v));
    size_t n = strlen(digits), o = 0;
    if (v < 0) {
        out[o++] = '-';
    }
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0) {
            out[o++] = ',';
        }
        out[o++] = digits[i];
    }
    out[o] = '\0';
}

/* Hours with two decimals, rounded half up. */
static void hours_text(mc_fixed h, char out[32])
{
    int64_t c = (h + 5000) / 10000;
    snprintf(out, 32, "%lld.%02lld", (long long)(c / 100), (long long)(c % 100));
}

static void pct_text(int64_t bp, char out[24])
{
    int64_t a = bp < 0 ? -bp : bp;
    snprintf(out, 24, "%s%lld.%02lld", bp < 0 ? "-" : "", (long long)(a / 100),
             (long long)(a % 100));
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

int cmd_cost(cli *c)
{
    const char *fmt = c->format ? c->format : "text";
    bool csv = strcmp(fmt, "csv") == 0;
    if (c->nargs != 0) {
        return cli_usage_error("cost takes no arguments (options: --reform, --date, --format)");
    }
    mc_date date = cli_today();
    char msg[200];
    if (c->date != NULL && mc_value_date(c->date, strlen(c->date), &date, msg, sizeof msg) != 0) {
        return cli_usage_error("--date: %s", msg);
    }
    mc_catalogue *cat = NULL, *reformed = NULL;
    mc_rules *rules = NULL;
    mc_diags *diags = NULL;
    mc_error err;
    mc_error_clear(&err);
    mc_cost_line *base = NULL, *ref = NULL;
    size_t nb = 0, nr = 0;
    int status = EXIT_OK;
    int rc = cli_load(c, NULL, 0, &cat, &rules, &diags, &err);
    const mc_cost_model *m = cat ? mc_catalogue_default_cost_model(cat) : NULL;
    if (rc == 0 && m == NULL) {
        rc = mc_error_set(&err, MC_ENOTFOUND, "the catalogue has no default cost-model");
    }
    const mc_reform *reform = NULL;
    if (rc == 0 && c->reform != NULL) {
        reform = mc_catalogue_reform(cat, c->reform);
        rc = reform ? mc_reform_apply(cat, reform, &reformed, &err)
                    : mc_error_set(&err, MC_ENOTFOUND, "unknown reform '%s'", c->reform);
    }
    if (rc == 0) {
        rc = mc_cost_compute(cat, rules, m, date, &base, &nb, &err);
    }
    if (rc == 0 && reformed != NULL) {
        rc = mc_cost_compute(reformed, rules, m, date, &ref, &nr, &err);
    }
    if (rc != 0) {
        if (diags != NULL && rc == MC_ECHECK) {
            cli_print_diags(stderr, diags);
        }
        if (err.msg[0]) {
            fprintf(stderr, "motcua: %s\n", err.msg);
        }
        status = cli_exit_for(rc);
        goto done;
    }
    bool any = false;
    for (size_t i = 0; i < nb; i++) {
        any |= base[i].in_force;
    }
    char day[11];
    mc_date_format(date, day);
    if (!any) {
        fprintf(stderr, "motcua: no procedure is in force on %s\n", day);
        status = EXIT_FAIL;
        goto done;
    }
    int64_t total_b = 0, total_r = 0;
    json_t *json = c->json ? json_array() : NULL;
    int w = 34; /* the name column: as wide as the longest procedure name */
    for (size_t i = 0; i < nb; i++) {
        int len = (int)strlen(base[i].procedure);
        w = len > w ? len : w;
    }
    if (csv) {
        printf("procedure,hours,cost,volume,annual%s,notes\n",
               reform ? ",reform_hours,reform_cost,reform_annual,saving,saving_pct" : "");
    } else if (!c->json) {
        char inc[40], vis[40];
        money_text(m->hourly_income.amount, inc);
        money_text(m->visit_cost.amount, vis);
        char hpd[32];
        mc_fixed_format(m->hours_per_day, hpd);
        char vt[32];
        mc_fixed_format(m->visit_time.amount, vt);
        printf("cost model %s: %s %s an hour, %s hours a day, a visit %s%s and %s %s; waiting "
               "%s\n",
               m->name, inc, m->hourly_income.currency, hpd, vt,
               mc_dur_unit_name(m->visit_time.unit), vis, m->visit_cost.currency,
               m->count_waiting ? "counted" : "not counted");
        printf("versions in force on %s%s%s\n\n", day, reform ? ", reform " : "",
               reform ? mc_reform_name(reform) : "");
        printf("%-*s %9s %14s %18s", w, "procedure", "hours", "cost/dossier", "annual");
        if (reform) {
            printf(" | %9s %14s %18s %18s %8s", "hours", "cost/dossier", "annual", "saving",
                   "saving");
        }
        putchar('\n');
    }
    for (size_t i = 0; i < nb; i++) {
        const mc_cost_line *b = &base[i];
        if (!b->in_force) {
            continue;
        }
        const mc_cost_line *r = reform ? find(ref, nr, b->procedure) : NULL;
        bool abolished = reform && (r == NULL || !r->in_force);
        int64_t r_cost = r && r->in_force ? r->cost : 0;
        int64_t r_annual = r && r->in_force ? r->annual : 0;
        mc_fixed r_hours = r && r->in_force ? r->hours : 0;
        total_b += b->annual;
        total_r += r_annual;
        int64_t saving = b->annual - r_annual;
        char pct[24], h[32], rh[32], cost_t[40], annual_t[40], rcost_t[40], rannual_t[40],
            saving_t[40];
        pct_text(mc_cost_saving_bp(b->annual, r_annual), pct);
        hours_text(b->hours, h);
        hours_text(r_hours, rh);
        money_text(b->cost, cost_t);
        money_text(b->annual, annual_t);
        money_text(r_cost, rcost_t);
        money_text(r_annual, rannual_t);
        money_text(saving, saving_t);
        if (csv) {
            printf("%s,%s,%lld,%lld,%lld", b->procedure, h, (long long)b->cost,
                   (long long)b->volume, (long long)b->annual);
            if (reform) {
                printf(",%s,%lld,%lld,%lld,%s", rh, (long long)r_cost, (long long)r_annual,
                       (long long)saving, pct);
            }
            printf(",\"%s\"\n", b->notes);
        } else if (json != NULL) {
            json_t *o = json_pack("{s:s, s:{s:s, s:I, s:I, s:I}, s:s}", "procedure", b->procedure,
                                  "baseline", "hours", h, "cost", (json_int_t)b->cost, "volume",
                                  (json_int_t)b->volume, "annual", (json_int_t)b->annual, "notes",
                                  b->notes);
            if (reform) {
                json_object_set_new(o, "reform",
                                    json_pack("{s:s, s:I, s:I, s:b}", "hours", rh, "cost",
                                              (json_int_t)r_cost, "annual", (json_int_t)r_annual,
                                              "abolished", abolished));
                json_object_set_new(o, "saving", json_integer(saving));
                json_object_set_new(o, "saving_pct", json_string(pct));
            }
            json_array_append_new(json, o);
        } else {
            printf("%-*s %9s %14s %18s", w, b->procedure, h, cost_t, annual_t);
            if (reform) {
                printf(" | %9s %14s %18s %18s %7s%%%s", rh, rcost_t, rannual_t, saving_t, pct,
                       abolished ? "  abolished" : "");
            }
            putchar('\n');
        }
    }
    char pct[24], tb[40], tr[40], ts[40];
    pct_text(mc_cost_saving_bp(total_b, total_r), pct);
    money_text(total_b, tb);
    money_text(total_r, tr);
    money_text(total_b - total_r, ts);
    if (json != NULL) {
        json_t *o = json_pack("{s:s, s:s, s:s?, s:o, s:{s:I}}", "date", day, "cost_model", m->name,
                              "reform", reform ? mc_reform_name(reform) : NULL, "procedures", json,
                              "total", "baseline", (json_int_t)total_b);
        if (reform) {
            json_t *t = json_object_get(o, "total");
            json_object_set_new(t, "reform", json_integer(total_r));
            json_object_set_new(t, "saving", json_integer(total_b - total_r));
            json_object_set_new(t, "saving_pct", json_string(pct));
        }
        char *text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        puts(text);
        free(text);
        json_decref(o);
    } else if (!csv) {
        printf("%-*s %9s %14s %18s", w, "total", "", "", tb);
        if (reform) {
            printf(" | %9s %14s %18s %18s %7s%%", "", "", tr, ts, pct);
        }
        putchar('\n');
        bool header = false;
        for (size_t i = 0; i < nb; i++) {
            const mc_cost_line *r = reform ? find(ref, nr, base[i].procedure) : NULL;
            const char *notes[2] = {base[i].in_force ? base[i].notes : "",
                                    r && r->in_force ? r->notes : ""};
            for (int k = 0; k < 2; k++) {
                if (notes[k][0] && (k == 0 || strcmp(notes[0], notes[1]) != 0)) {
                    if (!header) {
                        puts("\nassumptions:");
                        header = true;
                    }
                    printf("  %s%s: %s\n", base[i].procedure, k ? " (reform)" : "", notes[k]);
                }
            }
        }
    }
done:
    mc_free(base);
    mc_free(ref);
    mc_catalogue_free(reformed);
    mc_catalogue_free(cat);
    mc_rules_free(rules);
    mc_diags_free(diags);
    return status;
}
