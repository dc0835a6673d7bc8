/* `motcua report [--from DATE] [--to DATE] [--by officer] [--format text|csv|json] [--html FILE]`
 * (SPEC §9; per officer: issue 21, report.h's "per officer"). */
#include "cli.h"
#include "html.h"

#include "front/desk.h"

#include "motcua/report.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* Hundredths as "12.50", or "-" for MC_REPORT_NONE. */
static void hundredths_text(int64_t v, char out[48])
{
    char t[32];
    if (v == MC_REPORT_NONE) {
        snprintf(out, 48, "-");
        return;
    }
    front_hundredths(v, t);
    snprintf(out, 48, "%s", t);
}

/* The shares and the mean of a row, as every format prints them. */
typedef struct ratios {
    char on[48], online[48], full[48], mean[48];
} ratios;

static ratios ratios_of(const mc_indicators *x)
{
    mc_indicator_ratios v = mc_report_ratios(x);
    ratios r;
    hundredths_text(v.on_time, r.on);
    hundredths_text(v.online, r.online);
    hundredths_text(v.full_online, r.full);
    hundredths_text(v.mean_wd, r.mean);
    return r;
}

/* "12.50%", or "-" for a share of nothing. */
static void with_percent(char s[48])
{
    strcat(s, strcmp(s, "-") ? "%" : "");
}

void cli_indicators_row(const mc_indicators *x, bool csv)
{
    ratios r = ratios_of(x);
    if (csv) {
        /* extended last: the columns before it keep their places for scripts that read them */
        printf("%s,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%s,%s,%lld,%lld,%lld,%lld,%s,%lld\n",
               x->name, (long long)x->received, (long long)x->resolved, (long long)x->on_time,
               (long long)x->late, (long long)x->in_progress, (long long)x->overdue,
               (long long)x->apologies, (long long)x->apologies_timely, r.online, r.full,
               (long long)x->results, (long long)x->fetched, (long long)x->asked,
               (long long)x->blocked, r.mean, (long long)x->extended);
        return;
    }
    with_percent(r.on);
    with_percent(r.online);
    with_percent(r.full);
    printf("%-30s %8lld %8lld %8s %5lld %5lld %8lld %7lld %5lld/%-5lld %8s %8s %7lld "
           "%5lld/%-5lld %7lld %7s\n",
           x->name, (long long)x->received, (long long)x->resolved, r.on, (long long)x->late,
           (long long)x->extended, (long long)x->in_progress, (long long)x->overdue,
           (long long)x->apologies_timely, (long long)x->apologies, r.online, r.full,
           (long long)x->results, (long long)x->fetched, (long long)x->asked, (long long)x->blocked,
           r.mean);
}

/* ---- the page ----------------------------------------------------------------------------- */

static const char *const page_head[] = {"procedure", "received",
                                        "resolved",  "on time",
                                        "late",      "open",
                                        "overdue",   "apologies timely/all",
                                        "online",    "full online",
                                        "results",   "fetched/asked",
                                        "blocked",   "mean working days"};
enum { PAGE_COLS = sizeof page_head / sizeof page_head[0] };

/* One row of the page's tables, name given (a procedure's carries its title). */
static void page_row(html *h, const char *name, const mc_indicators *x, bool total)
{
    ratios r = ratios_of(x);
    with_percent(r.on);
    with_percent(r.online);
    with_percent(r.full);
    char n[7][32], apol[72], fetch[72];
    int64_t v[] = {x->received, x->resolved, x->late,   x->in_progress,
                   x->overdue,  x->results,  x->blocked};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        cli_thousands(v[i], n[i]);
    }
    char a[32], b[32];
    cli_thousands(x->apologies_timely, a);
    cli_thousands(x->apologies, b);
    snprintf(apol, sizeof apol, "%s/%s", a, b);
    cli_thousands(x->fetched, a);
    cli_thousands(x->asked, b);
    snprintf(fetch, sizeof fetch, "%s/%s", a, b);
    const char *cells[PAGE_COLS] = {name, n[0],     n[1],   r.on, n[2],  n[3], n[4],
                                    apol, r.online, r.full, n[5], fetch, n[6], r.mean};
    if (total) {
        html_table_total(h, cells);
    } else {
        html_table_row(h, cells);
    }
}

static void page_tables(html *h, const mc_catalogue *cat, const mc_report *r)
{
    html_table_begin(h, "By procedure", page_head, PAGE_COLS, "lrrrrrrrrrrrrr");
    for (size_t i = 0; i < r->nprocedures; i++) {
        char *name = cli_procedure_cell(cat, r->procedures[i].name);
        page_row(h, name ? name : r->procedures[i].name, &r->procedures[i], false);
        free(name);
    }
    page_row(h, "total", &r->total, true);
    html_table_end(h);
    const char *head[PAGE_COLS];
    memcpy(head, page_head, sizeof head);
    head[0] = "agency";
    html_table_begin(h, "By agency (\"-\": procedures without one)", head, PAGE_COLS,
                     "lrrrrrrrrrrrrr");
    for (size_t i = 0; i < r->nagencies; i++) {
        page_row(h, r->agencies[i].name, &r->agencies[i], false);
    }
    page_row(h, "total", &r->total, true);
    html_table_end(h);
}

static void page_figures(html *h, const mc_indicators *t)
{
    ratios r = ratios_of(t);
    with_percent(r.on);
    with_percent(r.online);
    char received[32], resolved[32], overdue[32];
    cli_thousands(t->received, received);
    cli_thousands(t->resolved, resolved);
    cli_thousands(t->overdue, overdue);
    html_figure f[] = {
        {received, "received"},
        {resolved, "resolved"},
        {r.on, "resolved on time"},
        {r.online, "received online"},
        {r.mean, "mean working days to resolve"},
        {overdue, "open and overdue at the end"},
    };
    html_figures(h, f, sizeof f / sizeof f[0]);
}

static void page_charts(html *h, const mc_report *r)
{
    const mc_indicators *t = &r->total;
    html_share shares[] = {
        {"resolved dossiers", 2, {"on time", "late"}, {(double)t->on_time, (double)t->late}},
        {"documents", 2, {"fetched", "asked"}, {(double)t->fetched, (double)t->asked}},
        {"received dossiers",
         2,
         {"online", "at the counter or by post"},
         {(double)t->online, (double)mc_report_ratios(t).not_online}},
    };
    html_heading(h, "Shares");
    html_share_chart(h, "On time, documents fetched instead of asked, filed online (in total)",
                     shares, sizeof shares / sizeof shares[0]);
    size_t n = r->nprocedures;
    const char **labels = calloc(n ? n : 1, sizeof *labels);
    double *values = calloc(3 * (n ? n : 1), sizeof *values);
    size_t *idx = calloc(n ? n : 1, sizeof *idx);
    if (labels == NULL || values == NULL || idx == NULL) {
        html_set_error(h, ENOMEM);
    } else {
        /* The procedures that received the most (all of them when few). */
        double *keys = values + 2 * n;
        for (size_t i = 0; i < n; i++) {
            keys[i] = (double)r->procedures[i].received;
        }
        size_t shown = cli_top(keys, n, CLI_CHART_MAX, idx);
        for (size_t j = 0; j < shown; j++) {
            labels[j] = r->procedures[idx[j]].name;
            values[j] = (double)r->procedures[idx[j]].received;
            values[n + j] = (double)r->procedures[idx[j]].resolved;
        }
        n = shown;
        html_series series[] = {{"received", values, NULL},
                                {"resolved", values + r->nprocedures, NULL}};
        char title[200] = "Received and resolved in the period, per procedure";
        if (n < r->nprocedures) {
            snprintf(title, sizeof title,
                     "Received and resolved in the period — the %zu procedures that received the "
                     "most, of %zu (the table lists all)",
                     n, r->nprocedures);
        }
        html_heading(h, "Dossiers per procedure");
        html_bar_chart(h, title, labels, n, series, 2);
    }
    free(labels);
    free(values);
    free(idx);
}

/* A page's lines under its title: the period (or every WHAT up to the end), the store and the
 * catalogue. */
static void page_meta(html *h, const front_opts *c, mc_date from, mc_date to, const char *what)
{
    char fd[11], td[11];
    mc_date_format(from, fd);
    mc_date_format(to, td);
    if (c->from != NULL) {
        html_meta(h, "from %s to %s (local dates, both included)", fd, td);
    } else {
        html_meta(h, "every %s up to %s (local dates)", what, td);
    }
    html_meta(h, "store %s, catalogue %s", c->db ? c->db : "motcua.db",
              c->catalogue ? c->catalogue : ".");
}

static int write_page(const front_opts *c, const mc_catalogue *cat, const mc_report *r,
                      mc_date from, mc_date to, mc_error *err)
{
    html *h = NULL;
    int rc = html_open(&h, c->html, "Service indicators (Decision 766/QĐ-TTg)", err);
    if (rc != 0) {
        return rc;
    }
    page_meta(h, c, from, to, "dossier");
    page_figures(h, &r->total);
    html_heading(h, "Indicators");
    page_tables(h, cat, r);
    page_charts(h, r);
    html_heading(h, "How it counts");
    html_para(h, "A dossier counts as received on its submission date, and as resolved on the "
                 "date it reached a final state other than withdrawn; open and overdue are taken "
                 "at the end of the period. On time: resolved by the due instant. Apologies are "
                 "timely when made before office hours opened on the due day. Fetched and asked: "
                 "the documents of the received dossiers as they stand now. A share or a mean "
                 "over nothing is shown as \"-\".");
    return html_close(h, err);
}

void cli_indicators_header(bool csv)
{
    if (csv) {
        puts("name,received,resolved,on_time,late,in_progress,overdue,apologies,"
             "apologies_timely,online_pct,full_online_pct,results,fetched,asked,blocked,"
             "mean_processing_wd,extended");
    } else {
        printf("%-30s %8s %8s %8s %5s %5s %8s %7s %11s %8s %8s %7s %11s %7s %7s\n", "", "received",
               "resolved", "on time", "late", "ext.", "open", "overdue", "apol. ok/all", "online",
               "full", "results", "fetch/ask", "blocked", "mean wd");
    }
}

/* ---- per officer (--by officer) ---------------------------------------------------------- */

static const char *const officer_head[] = {"officer",     "handled",   "on time",           "late",
                                           "supplements", "apologies", "once-only refusals"};
enum { OFFICER_COLS = sizeof officer_head / sizeof officer_head[0] };

/* The figures of an officer's row as text, thousands grouped for the page or not. */
static void officer_cells(const mc_officer_row *x, bool grouped, char n[6][32])
{
    int64_t v[6] = {x->handled,     x->on_time,   x->late,
                    x->supplements, x->apologies, x->once_only_refusals};
    for (size_t i = 0; i < 6; i++) {
        if (grouped) {
            cli_thousands(v[i], n[i]);
        } else {
            snprintf(n[i], 32, "%lld", (long long)v[i]);
        }
    }
}

static int officers_page(const front_opts *c, const mc_officer_report *r, mc_date from, mc_date to,
                         mc_error *err)
{
    html *h = NULL;
    int rc = html_open(&h, c->html, "Service indicators per officer (Decision 766/QĐ-TTg)", err);
    if (rc != 0) {
        return rc;
    }
    page_meta(h, c, from, to, "event");
    html_heading(h, "Per officer");
    html_table_begin(h, "The officers who fired events in the period", officer_head, OFFICER_COLS,
                     "lrrrrrr");
    for (size_t i = 0; i < r->nofficers; i++) {
        char n[6][32];
        officer_cells(&r->officers[i], true, n);
        const char *cells[OFFICER_COLS] = {
            r->officers[i].officer, n[0], n[1], n[2], n[3], n[4], n[5]};
        html_table_row(h, cells);
    }
    html_table_end(h);
    html_heading(h, "How it counts");
    html_para(h, "An officer is the user an event records (the token that fired it through the "
                 "API). Handled: the dossiers on which the officer fired an event in the period. "
                 "Late: of those, the dossiers whose due instant passed while they waited in a "
                 "state the officer then left (the officer's own step); on time: the others. "
                 "Supplements: the officer's events that asked the applicant for documents. "
                 "Apologies: the apologies the officer made. Once-only refusals: the officer's "
                 "requests refused because a registry holds the document.");
    return html_close(h, err);
}

/* report --by officer: the officers' rows of st in the format asked. */
static int report_officers(const front_opts *c, const mc_catalogue *cat, mc_store *st, mc_date from,
                           mc_date to, bool csv)
{
    mc_officer_report r;
    mc_error err;
    mc_error_clear(&err);
    int rc = mc_officers_compute(st, cat, from, to, NULL, NULL, &r, &err);
    if (rc != 0) {
        fprintf(stderr, "motcua: %s\n", err.msg);
        return front_exit_for(rc);
    }
    int status = EXIT_OK;
    if (c->json) {
        char fd[11], td[11];
        mc_date_format(from, fd);
        mc_date_format(to, td);
        json_t *o =
            json_pack("{s:s, s:s, s:o}", "from", fd, "to", td, "officers", front_officers_json(&r));
        status = cli_print_json(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    } else if (csv) {
        puts("officer,handled,on_time,late,supplements,apologies,once_only_refusals");
        for (size_t i = 0; i < r.nofficers; i++) {
            char n[6][32];
            officer_cells(&r.officers[i], false, n);
            printf("%s,%s,%s,%s,%s,%s,%s\n", r.officers[i].officer, n[0], n[1], n[2], n[3], n[4],
                   n[5]);
        }
    } else {
        printf("%-30s %8s %8s %5s %11s %9s %9s\n", "officer", "handled", "on time", "late",
               "supplements", "apologies", "once-only");
        for (size_t i = 0; i < r.nofficers; i++) {
            char n[6][32];
            officer_cells(&r.officers[i], false, n);
            printf("%-30s %8s %8s %5s %11s %9s %9s\n", r.officers[i].officer, n[0], n[1], n[2],
                   n[3], n[4], n[5]);
        }
        if (r.nofficers == 0) {
            puts("(no officer fired an event in the period)");
        }
    }
    if (status == EXIT_OK && c->html != NULL) {
        fflush(stdout);
        rc = officers_page(c, &r, from, to, &err);
        if (rc != 0) {
            fprintf(stderr, "motcua: %s\n", err.msg);
            status = front_exit_for(rc);
        }
    }
    mc_officers_free(&r);
    return status;
}

int cmd_report(front_opts *c)
{
    bool csv = c->format && strcmp(c->format, "csv") == 0;
    if (c->nargs != 0) {
        return front_usage_error(
            "report takes no arguments (options: --from, --to, --by, --format, --html)");
    }
    if (c->html != NULL && c->html[0] == '\0') {
        return front_usage_error("--html needs a file name");
    }
    mc_date from = mc_date_from_ymd(1900, 1, 1), to = cli_today();
    char msg[200];
    if (c->from && mc_value_date(c->from, strlen(c->from), &from, msg, sizeof msg) != 0) {
        return front_usage_error("--from: %s", msg);
    }
    if (c->to && mc_value_date(c->to, strlen(c->to), &to, msg, sizeof msg) != 0) {
        return front_usage_error("--to: %s", msg);
    }
    if (to < from) {
        return front_usage_error("--to is before --from");
    }
    if (c->by != NULL && strcmp(c->by, "officer") != 0) {
        return front_usage_error("--by takes officer, not '%s'", c->by);
    }
    mc_catalogue *cat = NULL;
    mc_rules *rules = NULL;
    mc_diags *diags = NULL;
    mc_store *st = NULL;
    mc_error err;
    mc_error_clear(&err);
    mc_report r;
    memset(&r, 0, sizeof r);
    int rc = front_load(c, NULL, 0, &cat, &rules, &diags, &err);
    if (rc == 0) {
        rc = mc_store_open(&st, c->db ? c->db : "motcua.db", &err);
    }
    if (rc == 0 && c->by != NULL) {
        int status = report_officers(c, cat, st, from, to, csv);
        mc_store_close(st);
        mc_catalogue_free(cat);
        mc_rules_free(rules);
        mc_diags_free(diags);
        return status;
    }
    if (rc == 0) {
        rc = mc_report_compute(st, cat, from, to, &r, &err);
    }
    int status = EXIT_OK;
    if (rc != 0) {
        if (err.msg[0]) {
            fprintf(stderr, "motcua: %s\n", err.msg);
        }
        status = front_exit_for(rc);
    } else if (c->json) {
        char fd[11], td[11];
        mc_date_format(from, fd);
        mc_date_format(to, td);
        bool ok = true;
        json_t *procs = json_array(), *agencies = json_array();
        for (size_t i = 0; i < r.nprocedures; i++) {
            front_jpush(procs, front_indicators_json(&r.procedures[i]), &ok);
        }
        for (size_t i = 0; i < r.nagencies; i++) {
            front_jpush(agencies, front_indicators_json(&r.agencies[i]), &ok);
        }
        json_t *o = json_pack("{s:s, s:s, s:o, s:o, s:o}", "from", fd, "to", td, "procedures",
                              front_jdone(procs, ok), "agencies", front_jdone(agencies, ok),
                              "total", front_indicators_json(&r.total));
        status = cli_print_json(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    } else {
        cli_indicators_header(csv);
        for (size_t i = 0; i < r.nprocedures; i++) {
            cli_indicators_row(&r.procedures[i], csv);
        }
        if (!csv) {
            puts("by agency:");
        }
        for (size_t i = 0; i < r.nagencies; i++) {
            cli_indicators_row(&r.agencies[i], csv);
        }
        cli_indicators_row(&r.total, csv);
    }
    if (status == EXIT_OK && c->html != NULL) {
        fflush(stdout);
        rc = write_page(c, cat, &r, from, to, &err);
        if (rc != 0) {
            fprintf(stderr, "motcua: %s\n", err.msg);
            status = front_exit_for(rc);
        }
    }
    mc_report_free(&r);
    mc_store_close(st);
    mc_catalogue_free(cat);
    mc_rules_free(rules);
    mc_diags_free(diags);
    return status;
}
