/* The Prometheus text of serve's /metrics (src/serve/metrics.c): label values escaped, the open
 * dossiers by procedure and state with the overdue summed by procedure, the operator's counters
 * with HELP and TYPE, the timer figures only when the scheduler runs, the dossiers' text made
 * once per 5 s whatever the scrapers and not kept when the store fails; and readiness on the
 * timer figures (src/serve/ready.c). */
#include "testutil.h"

#include "serve/metrics.h"
#include "serve/ready.h"

static char *text_of(mc_buf *t)
{
    assert_false(t->oom);
    char *s = mc_buf_take(t);
    assert_non_null(s);
    return s;
}

static void test_metrics__label_values_are_escaped(void **state)
{
    (void)state;
    mc_buf t = MC_BUF_INIT;
    metrics_label(&t, "a\"b\\c\nd");
    char *s = text_of(&t);
    assert_string_equal(s, "a\\\"b\\\\c\\nd");
    mc_free(s);
}

static void test_metrics__dossiers_by_procedure_and_state(void **state)
{
    (void)state;
    const metrics_dossier_count c[] = {
        {"birth-registration", "processing", 2, 1, 1},
        {"birth-registration", "submitted", 5, 2, 0},
        {"odd \"name\"", "x", 1, 0, 0},
    };
    mc_buf t = MC_BUF_INIT;
    metrics_render_dossiers(c, 3, &t);
    char *s = text_of(&t);
    assert_string_equal(
        s, "# HELP motcua_dossiers Open dossiers (not final), by procedure and state.\n"
           "# TYPE motcua_dossiers gauge\n"
           "motcua_dossiers{procedure=\"birth-registration\",state=\"processing\"} 2\n"
           "motcua_dossiers{procedure=\"birth-registration\",state=\"submitted\"} 5\n"
           "motcua_dossiers{procedure=\"odd \\\"name\\\"\",state=\"x\"} 1\n"
           "# HELP motcua_dossiers_overdue Open dossiers past their due instant, by procedure.\n"
           "# TYPE motcua_dossiers_overdue gauge\n"
           "motcua_dossiers_overdue{procedure=\"birth-registration\"} 3\n"
           "motcua_dossiers_overdue{procedure=\"odd \\\"name\\\"\"} 0\n"
           "# HELP motcua_dossiers_calendar_uncovered Open dossiers due after the last year "
           "their procedure's calendar covers (its holidays there are not declared), by "
           "procedure.\n"
           "# TYPE motcua_dossiers_calendar_uncovered gauge\n"
           "motcua_dossiers_calendar_uncovered{procedure=\"birth-registration\"} 1\n"
           "motcua_dossiers_calendar_uncovered{procedure=\"odd \\\"name\\\"\"} 0\n");
    mc_free(s);
    /* No open dossier: the families are declared, with no sample (not a zero per pair). */
    metrics_render_dossiers(NULL, 0, &t);
    s = text_of(&t);
    assert_null(strstr(s, "motcua_dossiers{"));
    assert_non_null(strstr(s, "# TYPE motcua_dossiers_overdue gauge\n"));
    assert_non_null(strstr(s, "# TYPE motcua_dossiers_calendar_uncovered gauge\n"));
    assert_null(strstr(s, "motcua_dossiers_calendar_uncovered{"));
    mc_free(s);
}

/* The line of a metric in s ("name{labels} value"), or "" */
static const char *line_of(const char *s, const char *prefix, char *out, size_t n)
{
    out[0] = '\0';
    size_t len = strlen(prefix);
    for (const char *p = s; p != NULL && *p != '\0';
         p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, prefix, len) == 0 && (p[len] == ' ' || p[len] == '{')) {
            const char *end = strchr(p, '\n');
            size_t k = end ? (size_t)(end - p) : strlen(p);
            snprintf(out, n, "%.*s", (int)k, p);
            return out;
        }
    }
    return out;
}

static void test_metrics__operator_counters(void **state)
{
    (void)state;
    metrics m;
    metrics_init(&m);
    metrics_ops o;
    memset(&o, 0, sizeof o);
    o.engine.refusals[MC_REFUSED_ONCE_ONLY] = 3;
    o.engine.refusals[MC_REFUSED_STATE] = 1;
    o.engine.reruns = 4;
    o.rules.errors = 5;
    o.rules.steps = 6;
    o.rules.memory = 7;
    o.rules.time = 8;
    o.waits.busy = 9;
    o.waits.timeouts = 10;
    o.waits.conflicts = 11;
    o.waits.reconnects = 12;
    o.store_bytes = -1;
    /* The scheduler's engine adds to the pool's. */
    mc_engine_stats es;
    memset(&es, 0, sizeof es);
    es.refusals[MC_REFUSED_ONCE_ONLY] = 1;
    mc_rules_stats rs = {1, 0, 0, 2};
    metrics_timer_stats(&m, &es, &rs);
    metrics_timer_stats_add(&m, &o);
    mc_buf t = MC_BUF_INIT;
    metrics_render_ops(&m, &o, &t);
    char *s = text_of(&t);
    char l[200];
    assert_string_equal(line_of(s, "motcua_onceonly_refusals_total", l, sizeof l),
                        "motcua_onceonly_refusals_total 4");
    assert_non_null(strstr(s, "motcua_refusals_total{reason=\"once-only\"} 4\n"));
    assert_non_null(strstr(s, "motcua_refusals_total{reason=\"state\"} 1\n"));
    assert_non_null(strstr(s, "motcua_refusals_total{reason=\"other\"} 0\n"));
    assert_string_equal(line_of(s, "motcua_rule_errors_total", l, sizeof l),
                        "motcua_rule_errors_total 6");
    assert_non_null(strstr(s, "motcua_rule_overruns_total{limit=\"steps\"} 6\n"
                              "motcua_rule_overruns_total{limit=\"memory\"} 7\n"
                              "motcua_rule_overruns_total{limit=\"time\"} 10\n"));
    assert_string_equal(line_of(s, "motcua_operation_reruns_total", l, sizeof l),
                        "motcua_operation_reruns_total 4");
    assert_string_equal(line_of(s, "motcua_store_busy_total", l, sizeof l),
                        "motcua_store_busy_total 9");
    assert_string_equal(line_of(s, "motcua_store_lock_timeouts_total", l, sizeof l),
                        "motcua_store_lock_timeouts_total 10");
    assert_string_equal(line_of(s, "motcua_store_conflicts_total", l, sizeof l),
                        "motcua_store_conflicts_total 11");
    assert_string_equal(line_of(s, "motcua_store_reconnects_total", l, sizeof l),
                        "motcua_store_reconnects_total 12");
    /* An unknown size, and no scheduler: no line rather than a zero that looks healthy. */
    assert_null(strstr(s, "motcua_store_size_bytes"));
    assert_null(strstr(s, "motcua_timer"));
    /* Every sample's family has its HELP and TYPE before it. */
    assert_non_null(strstr(s, "# HELP motcua_store_busy_total "));
    assert_non_null(strstr(s, "# TYPE motcua_rule_overruns_total counter\n"));
    mc_free(s);

    o.store_bytes = 123456;
    metrics_timers_on(&m, 1000);
    metrics_render_ops(&m, &o, &t);
    s = text_of(&t);
    assert_string_equal(line_of(s, "motcua_store_size_bytes", l, sizeof l),
                        "motcua_store_size_bytes 123456");
    assert_string_equal(line_of(s, "motcua_timer_lag_seconds", l, sizeof l),
                        "motcua_timer_lag_seconds 0.000");
    assert_string_equal(line_of(s, "motcua_timers_fired_total", l, sizeof l),
                        "motcua_timers_fired_total 0");
    assert_null(strstr(s, "motcua_timer_last_pass_timestamp_seconds")); /* no pass yet */
    mc_free(s);
    metrics_timer_pass(&m, 1765000000250, 1250, 3);
    metrics_timer_pass(&m, 1765000001250, 40, 2);
    metrics_timers_fired(&m, 4); /* a pass that failed after a batch: its time and lag are not */
    metrics_render_ops(&m, &o, &t);
    s = text_of(&t);
    assert_string_equal(line_of(s, "motcua_timer_lag_seconds", l, sizeof l),
                        "motcua_timer_lag_seconds 0.040"); /* the last pass's */
    assert_string_equal(line_of(s, "motcua_timers_fired_total", l, sizeof l),
                        "motcua_timers_fired_total 9");
    assert_string_equal(line_of(s, "motcua_timer_last_pass_timestamp_seconds", l, sizeof l),
                        "motcua_timer_last_pass_timestamp_seconds 1765000001.250");
    mc_free(s);
    metrics_free(&m);
}

typedef struct maker {
    int calls;
    int fail; /* the code the next make returns */
    int open;
} maker;

static int make_text(void *ud, mc_buf *text)
{
    maker *k = ud;
    k->calls++;
    if (k->fail != 0) {
        mc_buf_printf(text, "half a text\n");
        return k->fail;
    }
    metrics_dossier_count c = {"p", "s", k->open, 0, 0};
    metrics_render_dossiers(&c, 1, text);
    return 0;
}

static void test_metrics__dossiers_are_counted_once_per_interval(void **state)
{
    (void)state;
    metrics m;
    metrics_init(&m);
    maker k = {0, 0, 1};
    mc_buf t = MC_BUF_INIT;
    /* A failing count appends nothing and keeps nothing. */
    k.fail = MC_EIO;
    assert_int_equal(metrics_dossiers(&m, 1000, make_text, &k, &t), MC_EIO);
    assert_int_equal(t.len, 0);
    k.fail = 0;
    assert_int_equal(metrics_dossiers(&m, 1000, make_text, &k, &t), 0);
    k.open = 2;
    assert_int_equal(metrics_dossiers(&m, 1000 + METRICS_DOSSIERS_TTL_MS - 1, make_text, &k, &t),
                     0);
    assert_int_equal(k.calls, 2); /* the second scrape took the first's text */
    char *s = text_of(&t);
    assert_non_null(strstr(s, "motcua_dossiers{procedure=\"p\",state=\"s\"} 1\n"));
    assert_null(strstr(s, "} 2\n"));
    mc_free(s);
    assert_int_equal(metrics_dossiers(&m, 1000 + METRICS_DOSSIERS_TTL_MS, make_text, &k, &t), 0);
    assert_int_equal(k.calls, 3);
    s = text_of(&t);
    assert_non_null(strstr(s, "motcua_dossiers{procedure=\"p\",state=\"s\"} 2\n"));
    mc_free(s);
    /* Once the store fails, the old text is not shown as if it were current. */
    k.fail = MC_EIO;
    assert_int_equal(metrics_dossiers(&m, 1000 + 3 * METRICS_DOSSIERS_TTL_MS, make_text, &k, &t),
                     MC_EIO);
    assert_int_equal(t.len, 0);
    metrics_free(&m);
}

static void test_metrics__ready_on_the_timer_figures(void **state)
{
    (void)state;
    metrics m;
    metrics_init(&m);
    char why[200] = "";
    const int64_t t0 = 1765000000000;
    /* --no-timers: nothing to say. */
    assert_true(ready_timers(&m, t0, why, sizeof why));
    metrics_timers_on(&m, t0);
    /* Started, no pass yet: ready for a minute, then not. */
    assert_true(ready_timers(&m, t0 + 59000, why, sizeof why));
    assert_false(ready_timers(&m, t0 + 61000, why, sizeof why));
    assert_string_equal(why, "the timer scheduler has completed no pass for 61 s (at most 60 s)");
    metrics_timer_pass(&m, t0 + 61000, 800, 1);
    assert_true(ready_timers(&m, t0 + 61500, why, sizeof why));
    /* A pass that fired a timer 61 s late. */
    metrics_timer_pass(&m, t0 + 62000, 61000, 1);
    assert_false(ready_timers(&m, t0 + 62000, why, sizeof why));
    assert_string_equal(why, "timers fire 61 s late (at most 60 s)");
    /* The next pass caught up. */
    metrics_timer_pass(&m, t0 + 63000, 0, 0);
    assert_true(ready_timers(&m, t0 + 63000, why, sizeof why));
    metrics_free(&m);
}

static void test_metrics__live_registries(void **state)
{
    (void)state;
    mc_buf t = MC_BUF_INIT;
    metrics_render_registries(NULL, 0, &t); /* no registry configured: nothing */
    assert_int_equal(t.len, 0);
    mc_connect_stat st[2] = {{"civil-status", {3, 1, 7, 0, 2}, true, 4, 2},
                             {"pop\"ulation", {0, 0, 0, 0, 0}, false, 0, 0}};
    metrics_render_registries(st, 2, &t);
    char *s = text_of(&t);
    assert_string_equal(
        s, "# HELP motcua_registry_lookups_total Look-ups of live registries, by registry and "
           "outcome.\n"
           "# TYPE motcua_registry_lookups_total counter\n"
           "motcua_registry_lookups_total{registry=\"civil-status\",outcome=\"found\"} 3\n"
           "motcua_registry_lookups_total{registry=\"civil-status\",outcome=\"not_found\"} 1\n"
           "motcua_registry_lookups_total{registry=\"civil-status\",outcome=\"unavailable\"} 7\n"
           "motcua_registry_lookups_total{registry=\"civil-status\",outcome=\"incomplete\"} 0\n"
           "motcua_registry_lookups_total{registry=\"civil-status\",outcome=\"invalid\"} 2\n"
           "motcua_registry_lookups_total{registry=\"pop\\\"ulation\",outcome=\"found\"} 0\n"
           "motcua_registry_lookups_total{registry=\"pop\\\"ulation\",outcome=\"not_found\"} 0\n"
           "motcua_registry_lookups_total{registry=\"pop\\\"ulation\",outcome=\"unavailable\"} "
           "0\n"
           "motcua_registry_lookups_total{registry=\"pop\\\"ulation\",outcome=\"incomplete\"} "
           "0\n"
           "motcua_registry_lookups_total{registry=\"pop\\\"ulation\",outcome=\"invalid\"} 0\n"
           "# HELP motcua_registry_breaker_open Whether a live registry's circuit breaker is open "
           "(look-ups not sent).\n"
           "# TYPE motcua_registry_breaker_open gauge\n"
           "motcua_registry_breaker_open{registry=\"civil-status\"} 1\n"
           "motcua_registry_breaker_open{registry=\"pop\\\"ulation\"} 0\n"
           "# HELP motcua_registry_deliveries_total Results sent to live registries, by registry "
           "and outcome (delivered: acknowledged; failed: an attempt that failed).\n"
           "# TYPE motcua_registry_deliveries_total counter\n"
           "motcua_registry_deliveries_total{registry=\"civil-status\",outcome=\"delivered\"} 4\n"
           "motcua_registry_deliveries_total{registry=\"civil-status\",outcome=\"failed\"} 2\n"
           "motcua_registry_deliveries_total{registry=\"pop\\\"ulation\",outcome=\"delivered\"} "
           "0\n"
           "motcua_registry_deliveries_total{registry=\"pop\\\"ulation\",outcome=\"failed\"} "
           "0\n");
    mc_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metrics__label_values_are_escaped),
        cmocka_unit_test(test_metrics__dossiers_by_procedure_and_state),
        cmocka_unit_test(test_metrics__operator_counters),
        cmocka_unit_test(test_metrics__dossiers_are_counted_once_per_interval),
        cmocka_unit_test(test_metrics__ready_on_the_timer_figures),
        cmocka_unit_test(test_metrics__live_registries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
