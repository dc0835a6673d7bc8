/* `motcua report [--from DATE] [--to DATE] [--format text|csv|json]` (SPEC §9). */
#include "cli.h"

#include "motcua/report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* part / whole as a percentage with two decimals ("-" when whole is 0). */
static void pct(int64_t part, int64_t whole, char out[48])
{
    if (whole == 0) {
        snprintf(out, 48, "-");
        return;
    }
    int64_t bp = (part * 20000 + whole) / (2 * whole);
    snprintf(out, 48, "%lld.%02lld", (long long)(bp / 100), (long long)(bp % 100));
}

static void mean(int64_t sum, int64_t n, char out[48])
{
    if (n == 0) {
        snprintf(out, 48, "-");
        return;
    }
    int64_t c = (sum * 200 + n) / (2 * n);
    snprintf(out, 48, "%lld.%02lld", (long long)(c / 100), (long long)(c % 100));
}

json_t *cli_indicators_json(const mc_indicators *x)
{
    char on[48], onl[48], full[48], m[48];
    pct(x->on_time, x->resolved, on);
    pct(x->online, x->received, onl);
    pct(x->full_online, x->received, full);
    mean(x->processing_wd, x->resolved, m);
    json_t *o = json_pack(
        "{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
        "s:I, s:s, s:s, s:s, s:s}",
        "name", x->name, "received", (json_int_t)x->received, "resolved", (json_int_t)x->resolved,
        "on_time", (json_int_t)x->on_time, "late", (json_int_t)x->late, "in_progress",
        (json_int_t)x->in_progress, "overdue", (json_int_t)x->overdue, "apologies",
        (json_int_t)x->apologies, "apologies_timely", (json_int_t)x->apologies_timely, "online",
        (json_int_t)x->online, "full_online", (json_int_t)x->full_online, "results",
        (json_int_t)x->results, "fetched", (json_int_t)x->fetched, "asked", (json_int_t)x->asked,
        "on_time_pct", on, "online_pct", onl, "full_online_pct", full, "mean_processing_wd", m);
    json_object_set_new(o, "blocked", json_integer(x->blocked));
    return o;
}

void cli_indicators_row(const mc_indicators *x, bool csv)
{
    char on[48], onl[48], full[48], m[48];
    pct(x->on_time, x->resolved, on);
    pct(x->online, x->received, onl);
    pct(x->full_online, x->received, full);
    mean(x->processing_wd, x->resolved, m);
    if (csv) {
        printf("%s,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%s,%s,%lld,%lld,%lld,%lld,%s\n", x->name,
               (long long)x->received, (long long)x->resolved, (long long)x->on_time,
               (long long)x->late, (long long)x->in_progress, (long long)x->overdue,
               (long long)x->apologies, (long long)x->apologies_timely, onl, full,
               (long long)x->results, (long long)x->fetched, (long long)x->asked,
               (long long)x->blocked, m);
        return;
    }
    strcat(on, strcmp(on, "-") ? "%" : "");
    strcat(onl, strcmp(onl, "-") ? "%" : "");
    strcat(full, strcmp(full, "-") ? "%" : "");
    printf("%-30s %8lld %8lld %8s %5lld %8lld %7lld %5lld/%-5lld %8s %8s %7lld "
           "%5lld/%-5lld %7lld %7s\n",
           x->name, (long long)x->received, (long long)x->resolved, on, (long long)x->late,
           (long long)x->in_progress, (long long)x->overdue, (long long)x->apologies_timely,
           (long long)x->apologies, onl, full, (long long)x->results, (long long)x->fetched,
           (long long)x->asked, (long long)x->blocked, m);
}

void cli_indicators_header(bool csv)
{
    if (csv) {
        puts("name,received,resolved,on_time,late,in_progress,overdue,apologies,"
             "apologies_timely,online_pct,full_online_pct,results,fetched,asked,blocked,"
             "mean_processing_wd");
    } else {
        printf("%-30s %8s %8s %8s %5s %8s %7s %11s %8s %8s %7s %11s %7s %7s\n", "", "received",
               "resolved", "on time", "late", "open", "overdue", "apol. ok/all", "online", "full",
               "results", "fetch/ask", "blocked", "mean wd");
    }
}

int cmd_report(cli *c)
{
    bool csv = c->format && strcmp(c->format, "csv") == 0;
    mc_date from = mc_date_from_ymd(1900, 1, 1), to = cli_today();
    char msg[200];
    if (c->from && mc_value_date(c->from, strlen(c->from), &from, msg, sizeof msg) != 0) {
        return cli_usage_error("--from: %s", msg);
    }
    if (c->to && mc_value_date(c->to, strlen(c->to), &to, msg, sizeof msg) != 0) {
        return cli_usage_error("--to: %s", msg);
    }
    if (to < from) {
        return cli_usage_error("--to is before --from");
    }
    mc_catalogue *cat = NULL;
    mc_rules *rules = NULL;
    mc_diags *diags = NULL;
    mc_store *st = NULL;
    mc_error err;
    mc_error_clear(&err);
    mc_report r;
    memset(&r, 0, sizeof r);
    int rc = cli_load(c, NULL, 0, &cat, &rules, &diags, &err);
    if (rc == 0) {
        rc = mc_store_open(&st, c->db ? c->db : "motcua.db", &err);
    }
    if (rc == 0) {
        rc = mc_report_compute(st, cat, from, to, &r, &err);
    }
    int status = EXIT_OK;
    if (rc != 0) {
        if (err.msg[0]) {
            fprintf(stderr, "motcua: %s\n", err.msg);
        }
        status = cli_exit_for(rc);
    } else if (c->json) {
        char fd[11], td[11];
        mc_date_format(from, fd);
        mc_date_format(to, td);
        json_t *procs = json_array(), *agencies = json_array();
        for (size_t i = 0; i < r.nprocedures; i++) {
            json_array_append_new(procs, cli_indicators_json(&r.procedures[i]));
        }
        for (size_t i = 0; i < r.nagencies; i++) {
            json_array_append_new(agencies, cli_indicators_json(&r.agencies[i]));
        }
        json_t *o = json_pack("{s:s, s:s, s:o, s:o, s:o}", "from", fd, "to", td, "procedures",
                              procs, "agencies", agencies, "total", cli_indicators_json(&r.total));
        char *text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        puts(text);
        free(text);
        json_decref(o);
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
    mc_report_free(&r);
    mc_store_close(st);
    mc_catalogue_free(cat);
    mc_rules_free(rules);
    mc_diags_free(diags);
    return status;
}
