/*
 * The dossier engine (engine.h) on an in-memory or file store: submission and checklist, the
 * statutory clock (start, pause, resume, restart), timers, overdue and late, apologies,
 * refusals that change nothing but their event, request ids, versions, rules in guards and
 * fees, and a process killed in the middle of a stream of transitions.
 */
#include "testutil.h"
#include "pgtest.h"

#include "motcua/calendar.h"
#include "motcua/coverage.h"
#include "motcua/engine.h"
#include "motcua/msg.h"
#include "motcua/access.h"
#include "motcua/registry.h"

#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char catalogue_text[] =
    "calendar vn { default; hours 07:30-11:30 13:30-17:00; cutoff 15:00\n"
    "  holiday 2025-09-01 2025-09-02 \"National Day\" }\n"
    "role clerk\nrole head\nrole cashier\n"
    "document birth-notice\ndocument marriage-certificate { match \"(?i)marriage\" }\n"
    "document citizen-identity\ndocument birth-certificate\n"
    "registry civil-status { holds marriage-certificate birth-certificate; published 2023-01-01 }\n"
    "lifecycle one-stop {\n"
    "  apology by clerk head\n"
    "  state submitted { initial; on receive -> processing by clerk\n"
    "    on request-supplement -> awaiting-supplement by clerk }\n"
    "  state awaiting-supplement { clock stopped\n"
    "    on supplement -> processing by applicant restart-clock\n"
    "    on recheck -> awaiting-supplement by clerk when rule guards.corrected\n"
    "    after 30d -> withdrawn }\n"
    "  state processing {\n"
    "    on approve -> approved by head when rule guards.complete\n"
    "    on ask-fee -> awaiting-payment by cashier\n"
    "    on request-supplement -> awaiting-supplement by clerk\n"
    "    on spin -> processing by head when rule guards.spin }\n"
    "  state awaiting-payment { clock paused; on paid -> processing by cashier }\n"
    "  state approved { issues birth-certificate to civil-status\n"
    "    on return-result -> returned by clerk }\n"
    "  state returned { final; outcome granted }\n"
    "  state withdrawn { final; outcome withdrawn }\n"
    "}\n"
    "procedure birth { effective 2025-07-01; time-limit 3wd; lifecycle one-stop\n"
    "  legal-basis \"Law on Civil Status 2014, art. 16\"\n"
    "  subject citizen-id; fee rule guards.fee\n"
    "  field citizen-id { type text; required; pattern \"[0-9]{12}\" }\n"
    "  field married { type bool }\n"
    "  field late { type bool }\n"
    "  requires birth-notice\n"
    "  requires marriage-certificate when married\n"
    "  requires citizen-identity }\n"
    "document evil { match \"(a+)+$\" }\nregistry slow { holds evil }\n"
    "procedure permit { lifecycle one-stop; subject citizen-id; time-limit 5wd\n"
    "  field citizen-id { type text; required }\n"
    "  requires evil }\n"
    "procedure passport { lifecycle one-stop; subject citizen-id; time-limit 5wd\n"
    "  field citizen-id { type text; required }\n"
    "  requires birth-certificate }\n"
    "document marriage-paper { match \"(?i)giấy kết hôn\" }\n"
    "registry marriages { holds marriage-paper }\n"
    "procedure remarriage { lifecycle one-stop; subject citizen-id; time-limit 5wd\n"
    "  field citizen-id { type text; required }\n"
    "  requires marriage-paper }\n"
    "procedure birth { effective 2026-01-01; time-limit 1wd; lifecycle one-stop\n"
    "  subject citizen-id; fee 0 VND\n"
    "  field citizen-id { type text; required }\n"
    "  field married { type bool }\n"
    "  field late { type bool } }\n";

static const char guards_lua[] =
    "function complete(d)\n"
    "  for name, status in pairs(d.documents) do\n"
    "    if status == 'asked' then return false, name .. ' is still missing' end\n"
    "  end\n"
    "  return true\n"
    "end\n"
    "function spin(d) while true do end end\n"
    "function fee(d) if d.fields.late then return 5000 end return 0 end\n"
    "function corrected(d)\n"
    "  if d.subject == '009876543210' then return true end\n"
    "  return false, 'the subject is ' .. tostring(d.subject)\n"
    "end\n";

typedef struct fx {
    mc_catalogue *cat;
    mc_rules *rules;
    mc_engine *e;
    const mc_calendar *vn;
} fx;

static int64_t at(const fx *f, const char *dt)
{
    mc_datetime m;
    assert_int_equal(mc_value_datetime(dt, strlen(dt), &m, NULL, 0), 0);
    return mc_calendar_to_utc(f->vn, (mc_localtime)m * 60);
}

static void fmt(const fx *f, int64_t t, char out[17])
{
    if (t == MC_NONE) {
        strcpy(out, "none");
        return;
    }
    mc_datetime_format((mc_datetime)(mc_calendar_to_local(f->vn, t) / 60), out);
}

static void open_fx(fx *f, const char *db)
{
    memset(f, 0, sizeof *f);
    char *diags;
    assert_int_equal(tu_load(catalogue_text, &f->cat, &diags), 0);
    free(diags);
    assert_int_equal(mc_rules_new(&f->rules, NULL, NULL), 0);
    mc_rules_opts small = {.memory_cap = 1 << 20,
                           .steps = 20000,
                           .time_ms = 60000}; /* a minute: the budget, not the time */
    mc_rules_free(f->rules);
    assert_int_equal(mc_rules_new(&f->rules, &small, NULL), 0);
    assert_int_equal(mc_rules_load_buffer(f->rules, "guards", "rules/guards.lua", guards_lua,
                                          sizeof guards_lua - 1, NULL, NULL),
                     0);
    assert_int_equal(mc_engine_open(&f->e, f->cat, f->rules, db, NULL), 0);
    f->vn = mc_catalogue_calendar(f->cat, "vn");
}

static void close_fx(fx *f)
{
    mc_engine_close(f->e);
    mc_rules_free(f->rules);
    mc_catalogue_free(f->cat);
}

static int setup(void **state)
{
    fx *f = malloc(sizeof *f);
    open_fx(f, tu_db());
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    close_fx(*state);
    free(*state);
    return 0;
}

/* Submits a birth dossier at time t with optional married/late flags; returns its id. */
static int64_t submit(fx *f, const char *t, const char *married, const char *request_id)
{
    mc_kv fields[] = {{"citizen-id", "001234567890"}, {"married", married}};
    const char *attach[] = {"birth-notice", "citizen-identity"};
    mc_submit s = {.procedure = "birth",
                   .fields = fields,
                   .nfields = married ? 2 : 1,
                   .attach = attach,
                   .nattach = 2,
                   .channel = "online",
                   .now = at(f, t),
                   .request_id = request_id};
    mc_result res;
    mc_error err;
    int rc = mc_engine_submit(f->e, &s, &res, &err);
    if (rc != 0) {
        fail_msg("submit: %d %s %s", rc, res.message, err.msg);
    }
    return res.dossier;
}

static int fire(fx *f, int64_t id, const char *event, const char *role, const char *t,
                mc_result *res)
{
    mc_fire fi = MC_FIRE_INIT;
    fi.dossier = id;
    fi.event = event;
    fi.role = role;
    fi.now = at(f, t);
    mc_error err;
    int rc = mc_engine_fire(f->e, &fi, res, &err);
    if (rc != 0 && rc != MC_EREFUSED) {
        fail_msg("fire %s: %s", event, err.msg);
    }
    return rc;
}

static void expect(fx *f, int64_t id, const char *t, const char *state, const char *due,
                   bool overdue)
{
    mc_dossier d;
    mc_error err;
    if (mc_engine_get(f->e, id, at(f, t), &d, &err) != 0) {
        fail_msg("get: %s", err.msg);
    }
    char got[17];
    fmt(f, d.due, got);
    if (strcmp(d.state->name, state) != 0 || strcmp(got, due) != 0 || d.overdue != overdue) {
        fail_msg("at %s: expected %s due %s%s, got %s due %s%s", t, state, due,
                 overdue ? " overdue" : "", d.state->name, got, d.overdue ? " overdue" : "");
    }
    mc_dossier_free(&d);
}

static void test_engine__submission_and_checklist(void **state)
{
    fx *f = *state;
    mc_record_row rec = {"civil-status", "marriage-certificate", "001234567890", "CS-2019-0042",
                         "2019-05-01"};
    assert_int_equal(mc_store_record_put(mc_engine_store(f->e), &rec, NULL), 0);
    int64_t id = submit(f, "2025-07-03T09:00", "true", NULL);
    mc_dossier d;
    assert_int_equal(mc_engine_get(f->e, id, at(f, "2025-07-03T09:00"), &d, NULL), 0);
    assert_string_equal(d.state->name, "submitted");
    assert_int_equal(d.clock, MC_CLOCK_STOPPED);
    assert_int_equal(d.due, MC_NONE);
    assert_int_equal(d.fee, 0);
    assert_int_equal(d.requirements[0].status, MC_REQ_PROVIDED);
    assert_int_equal(d.requirements[1].status, MC_REQ_FETCHED);
    assert_string_equal(d.requirements[1].registry, "civil-status");
    assert_string_equal(d.requirements[1].record, "CS-2019-0042");
    assert_int_equal(d.requirements[2].status, MC_REQ_PROVIDED);
    assert_int_equal(d.events, 1);
    mc_dossier_free(&d);
    /* Without the record, the certificate is asked, with the reason. */
    int64_t other = submit(f, "2025-07-03T09:00", "true", NULL);
    mc_store_record_put(
        mc_engine_store(f->e),
        &(mc_record_row){"civil-status", "marriage-certificate", "999", "x", "2019-01-01"}, NULL);
    assert_int_equal(mc_engine_get(f->e, other, at(f, "2025-07-03T09:00"), &d, NULL), 0);
    assert_int_equal(d.requirements[1].status, MC_REQ_FETCHED); /* same subject: fetched */
    mc_dossier_free(&d);
}

struct last_body {
    char *body;
};

static int keep_last_body(void *ud, const mc_event_row *ev)
{
    struct last_body *lb = ud;
    free(lb->body);
    lb->body = strdup(ev->body);
    return 0;
}

static void test_engine__clock_runs_from_reception_to_the_result(void **state)
{
    fx *f = *state;
    int64_t id = submit(f, "2025-07-03T09:00", NULL, NULL);
    mc_result res;
    assert_int_equal(fire(f, id, "receive", "clerk", "2025-07-03T16:00", &res), 0);
    /* Received after the 15:00 cutoff: counted from Friday; 3 working days: Wednesday. */
    expect(f, id, "2025-07-03T16:00", "processing", "2025-07-09T17:00", false);
    /* The event that set the due instant records the calendar and its content hash. */
    char hash[33];
    mc_calendar_hash(f->vn, hash);
    struct last_body lb = {0};
    mc_store_event_each(mc_engine_store(f->e), id, keep_last_body, &lb, NULL);
    char want[120];
    snprintf(want, sizeof want, "\"calendar\":\"vn\",\"calendar_hash\":\"%s\"", hash);
    assert_non_null(strstr(lb.body, want));
    free(lb.body);
    assert_int_equal(fire(f, id, "approve", "head", "2025-07-08T10:00", &res), 0);
    assert_int_equal(fire(f, id, "return-result", "clerk", "2025-07-08T11:00", &res), 0);
    mc_dossier d;
    assert_int_equal(mc_engine_get(f->e, id, at(f, "2025-07-08T11:00"), &d, NULL), 0);
    assert_true(d.final);
    assert_int_equal(d.late, 0);
    assert_int_equal(d.events, 4);
    mc_dossier_free(&d);
    /* The approved state issued the birth certificate to the registry. */
    char ref[64];
    assert_int_equal(mc_store_record_get(mc_engine_store(f->e), "civil-status", "birth-certificate",
                                         "001234567890", ref, sizeof ref, NULL),
                     1);
}

static void test_engine__overdue_then_late(void **state)
{
    fx *f = *state;
    int64_t id = submit(f, "2025-07-03T09:00", NULL, NULL);
    mc_result res;
    assert_int_equal(fire(f, id, "receive", "clerk", "2025-07-03T10:00", &res), 0);
    expect(f, id, "2025-07-08T17:00", "processing", "2025-07-08T17:00", false); /* not past */
    expect(f, id, "2025-07-08T17:01", "processing", "2025-07-08T17:00", true);
    assert_int_equal(fire(f, id, "approve", "head", "2025-07-09T09:00", &res), 0);
    assert_int_equal(fire(f, id, "return-result", "clerk", "2025-07-09T10:00", &res), 0);
    mc_dossier d;
    assert_int_equal(mc_engine_get(f->e, id, at(f, "2025-07-09T10:00"), &d, NULL), 0);
    assert_int_equal(d.late, 1);
    assert_int_equal(d.events, 5); /* submit, receive, overdue, approve, return */
    mc_dossier_free(&d);
}

static void test_engine__pause_keeps_the_days_left(void **state)
{
    fx *f = *state;
    int64_t id = submit(f, "2025-07-03T09:00", NULL, NULL);
    mc_result res;
    assert_int_equal(fire(f, id, "receive", "clerk", "2025-07-03T10:00", &res), 0);
    expect(f, id, "2025-07-03T10:00", "processing", "2025-07-08T17:00", false);
    /* Paused on Friday 4 July: 2 working days after it to the due day (Mon 7, Tue 8). */
    assert_int_equal(fire(f, id, "ask-fee", "cashier", "2025-07-04T10:00", &res), 0);
    expect(f, id, "2025-07-20T10:00", "awaiting-payment", "none", false);
    /* Paid on Monday 21 July at 10:00: 2 working days from then. */
    assert_int_equal(fire(f, id, "paid", "cashier", "2025-07-21T10:00", &res), 0);
    expect(f, id, "2025-07-21T10:00", "processing", "2025-07-23T17:00", false);
}

/* §4.6: while paused a dossier has no due instant, even an overdue one; on resume an overdue
 * dossier regains its past due instant (it has no time left to resume with). */
static void test_engine__an_overdue_pause_has_no_due_instant(void **state)
{
    fx *f = *state;
    int64_t id = submit(f, "2025-07-03T09:00", NULL, NULL);
    mc_result res;
    assert_int_equal(fire(f, id, "receive", "clerk", "2025-07-03T10:00", &res), 0);
    assert_int_equal(fire(f, id, "ask-fee", "cashier", "2025-07-09T10:00", &res), 0);
    expect(f, id, "2025-07-09T10:00", "awaiting-payment", "none", true);
    expect(f, id, "2025-07-20T10:00", "awaiting-payment", "none", true);
    assert_int_equal(fire(f, id, "paid", "cashier", "2025-07-21T10:00", &res), 0);
    expect(f, id, "2025-07-21T10:00", "processing", "2025-07-08T17:00", true);
    /* The pause's event says the dossier had no due instant and which one it keeps. */
    struct last_body lb = {0};
    assert_int_equal(fire(f, id, "ask-fee", "cashier", "2025-07-22T10:00", &res), 0);
    mc_store_event_each(mc_engine_store(f->e), id, keep_last_body, &lb, NULL);
    char want[64];
    snprintf(want, sizeof want, "\"due\":null,");
    assert_non_null(strstr(lb.body, want));
    snprintf(want, sizeof want, "\"paused_due\":%lld", (long long)at(f, "2025-07-08T17:00"));
    assert_non_null(strstr(lb.body, want));
    free(lb.body);
    /* It finishes late, with no second overdue mark. */
    assert_int_equal(fire(f, id, "paid", "cashier", "2025-07-23T10:00", &res), 0);
    assert_int_equal(fire(f, id, "approve", "head", "2025-07-23T11:00", &res), 0);
    assert_int_equal(fire(f, id, "return-result", "clerk", "2025-07-23T12:00", &res), 0);
    mc_dossier d;
    assert_int_equal(mc_engine_get(f->e, id, at(f, "2025-07-23T12:00"), &d, NULL), 0);
    assert_int_equal(d.late, 1);
    assert_int_equal(d.events, 9); /* submit, receive, overdue, fee, paid, fee, paid, 2 more */
    mc_dossier_free(&d);
}

static void test_engine__supplement_restarts_the_clock(void **state)
{
    fx *f = *state;
    int64_t id = submit(f, "2025-07-03T09:00", NULL, NULL);
    mc_result res;
    assert_int_equal(fire(f, id, "receive", "clerk", "2025-07-03T10:00", &res), 0);
    assert_int_equal(fire(f, id, "request-supplement", "clerk", "2025-07-07T10:00", &res), 0);
    expect(f, id, "2025-07-07T10:00", "awaiting-supplement", "none", false);
    assert_int_equal(fire(f, id, "supplement", "applicant", "2025-07-10T09:00", &res), 0);
    expect(f, id, "2025-07-10T09:00", "processing", "2025-07-15T17:00", false);
}

static void test_engine__timer_withdraws_after_thirty_days(void **state)
{
    fx *f = *state;
    int64_t id = submit(f, "2025-07-03T09:00", NULL, NULL);
    mc_result res;
    assert_int_equal(fire(f, id, "request-supplement", "clerk", "2025-07-03T10:00", &res), 0);
    /* 30 days after Thursday 3 July is Saturday 2 August: moved to Monday 4 August, 17:00. */
    expect(f, id, "2025-08-04T17:00", "awaiting-supplement", "none", false);
    expect(f, id, "2025-08-04T17:01", "withdrawn", "none", false);
    size_t n;
    assert_int_equal(mc_engine_tick(f->e, at(f, "2025-09-01T00:00"), &n, NULL), 0);
    assert_int_equal(n, 0); /* already withdrawn, nothing left to do */
}

static void test_engine__tick_fires_due_timers(void **state)
{
    fx *f = *state;
    int64_t a = submit(f, "2025-07-03T09:00", NULL, NULL);
    int64_t b = submit(f, "2025-07-03T09:00", NULL, NULL);
    mc_result res;
    assert_int_equal(fire(f, a, "request-supplement", "clerk", "2025-07-03T10:00", &res), 0);
    assert_int_equal(fire(f, b, "receive", "clerk", "2025-07-03T10:00", &res), 0);
    size_t n;
    assert_int_equal(mc_engine_tick(f->e, at(f, "2025-08-05T09:00"), &n, NULL), 0);
    assert_int_equal(n, 2); /* a withdrawn, b marked overdue */
    assert_int_equal(mc_engine_tick(f->e, at(f, "2025-08-05T09:00"), &n, NULL), 0);
    assert_int_equal(n, 0);
}

static void test_engine__refusals_change_nothing_but_their_event(void **state)
{
    fx *f = *state;
    int64_t id = submit(f, "2025-07-03T09:00", "true", NULL);
    mc_result res;
    assert_int_equal(fire(f, id, "approve", "head", "2025-07-03T10:00", &res), MC_EREFUSED);
    assert_int_equal(res.refusal, MC_REFUSED_STATE);
    assert_string_equal(res.message, "'approve' does not leave state 'submitted' (it can: "
                                     "receive, request-supplement)");
    assert_int_equal(fire(f, id, "receive", "head", "2025-07-03T10:00", &res), MC_EREFUSED);
    assert_int_equal(res.refusal, MC_REFUSED_ROLE);
    assert_string_equal(res.message, "role 'head' may not fire 'receive' in state 'submitted' "
                                     "(clerk may)");
    assert_int_equal(fire(f, id, "receive", "clerk", "2025-07-03T10:00", &res), 0);
    /* The marriage certificate is asked (no record): the guard says so. */
    assert_int_equal(fire(f, id, "approve", "head", "2025-07-03T11:00", &res), MC_EREFUSED);
    assert_int_equal(res.refusal, MC_REFUSED_GUARD);
    assert_string_equal(res.message, "'approve' is not allowed now: marriage-certificate is still "
                                     "missing");
    assert_int_equal(fire(f, id, "spin", "head", "2025-07-03T11:00", &res), MC_EREFUSED);
    assert_int_equal(res.refusal, MC_REFUSED_LIMIT);
    assert_string_equal(res.message, "rule guards.spin: rules/guards.lua:7: instruction budget "
                                     "exceeded (20000 steps)");
    expect(f, id, "2025-07-03T11:00", "processing", "2025-07-08T17:00", false);
    mc_dossier d;
    assert_int_equal(mc_engine_get(f->e, id, at(f, "2025-07-03T11:00"), &d, NULL), 0);
    assert_int_equal(d.events, 6); /* submit, 2 refusals, receive, 2 refusals */
    mc_dossier_free(&d);
    mc_error err;
    assert_int_equal(mc_engine_get(f->e, 999, at(f, "2025-07-03T11:00"), &d, &err), MC_ENOTFOUND);
    assert_string_equal(err.msg, "unknown dossier 999");
}

static void test_engine__invalid_submissions_are_refused(void **state)
{
    fx *f = *state;
    static const struct {
        const char *key, *value, *message;
    } bad[] = {
        {"citizen-id", "12AB",
         "field 'citizen-id': '12AB' does not match its pattern "
         "\"[0-9]{12}\""},
        {"married", "yes", "field 'married': expected true or false, got 'yes'"},
        {"nickname", "x", "procedure 'birth' has no field 'nickname'"},
        {"citizen-id", "", "field 'citizen-id' is required (an empty value is none)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mc_kv fields[] = {{"citizen-id", "001234567890"}, {bad[i].key, bad[i].value}};
        mc_submit s = {
            .procedure = "birth", .fields = fields, .nfields = 2, .now = at(f, "2025-07-03T09:00")};
        mc_result res;
        assert_int_equal(mc_engine_submit(f->e, &s, &res, NULL), MC_EREFUSED);
        assert_string_equal(res.message, bad[i].message);
    }
    mc_submit none = {.procedure = "birth", .now = at(f, "2025-07-03T09:00")};
    mc_result res;
    assert_int_equal(mc_engine_submit(f->e, &none, &res, NULL), MC_EREFUSED);
    assert_string_equal(res.message, "field 'citizen-id' is required");
    none.now = at(f, "2025-06-30T09:00");
    assert_int_equal(mc_engine_submit(f->e, &none, &res, NULL), MC_EREFUSED);
    assert_string_equal(res.message, "no version of procedure 'birth' is in force on 2025-06-30");
    none.procedure = "death";
    assert_int_equal(mc_engine_submit(f->e, &none, &res, NULL), MC_EREFUSED);
    assert_string_equal(res.message, "unknown procedure 'death'");
}

static void test_engine__versions_and_fee_rules(void **state)
{
    fx *f = *state;
    mc_kv fields[] = {{"citizen-id", "001234567890"}, {"late", "true"}};
    mc_submit s = {
        .procedure = "birth", .fields = fields, .nfields = 2, .now = at(f, "2025-12-31T09:00")};
    mc_result res;
    assert_int_equal(mc_engine_submit(f->e, &s, &res, NULL), 0);
    mc_dossier d;
    assert_int_equal(mc_engine_get(f->e, res.dossier, s.now, &d, NULL), 0);
    assert_int_equal(d.fee, 5000); /* the 2025 version's fee rule */
    assert_true(d.procedure->has_effective);
    mc_dossier_free(&d);
    s.now = at(f, "2026-01-02T09:00");
    assert_int_equal(mc_engine_submit(f->e, &s, &res, NULL), 0);
    assert_int_equal(mc_engine_get(f->e, res.dossier, s.now, &d, NULL), 0);
    assert_int_equal(d.fee, 0); /* the 2026 version: fixed fee */
    assert_int_equal(d.procedure->time_limit.amount, MC_FIXED_ONE);
    mc_dossier_free(&d);
}

static void test_engine__apology(void **state)
{
    fx *f = *state;
    int64_t id = submit(f, "2025-07-03T09:00", NULL, NULL);
    mc_apology a = {.dossier = id,
                    .role = "clerk",
                    .new_date = mc_date_from_ymd(2025, 7, 15),
                    .reason = "waiting for the archive",
                    .now = at(f, "2025-07-03T09:30")};
    mc_result res;
    assert_int_equal(mc_engine_apologize(f->e, &a, &res, NULL), MC_EREFUSED);
    assert_string_equal(res.message, "the clock of dossier 1 is not running (state 'submitted'): "
                                     "there is no deadline to apologise for");
    assert_int_equal(fire(f, id, "receive", "clerk", "2025-07-03T10:00", &res), 0);
    a.role = "cashier";
    assert_int_equal(mc_engine_apologize(f->e, &a, &res, NULL), MC_EREFUSED);
    assert_int_equal(res.refusal, MC_REFUSED_ROLE);
    a.role = "head";
    a.now = at(f, "2025-07-08T07:00");
    assert_int_equal(mc_engine_apologize(f->e, &a, &res, NULL), 0);
    assert_int_equal(mc_engine_apologize(f->e, &a, &res, NULL), MC_EREFUSED);
    assert_string_equal(res.message, "dossier 1 already has an apology: a new date may be set "
                                     "only once");
    /* The statutory due instant does not move. */
    expect(f, id, "2025-07-08T08:00", "processing", "2025-07-08T17:00", false);
    /* Timely: before office hours open on the due day (07:30); later that day it is not. */
    int64_t late = submit(f, "2025-07-03T09:00", NULL, NULL);
    assert_int_equal(fire(f, late, "receive", "clerk", "2025-07-03T10:00", &res), 0);
    a.dossier = late;
    a.now = at(f, "2025-07-08T08:00");
    assert_int_equal(mc_engine_apologize(f->e, &a, &res, NULL), 0);
    const int64_t ids[] = {id, late};
    const char *const want[] = {"\"timely\":true", "\"timely\":false"};
    for (int k = 0; k < 2; k++) {
        mc_dossier_row row;
        memset(&row, 0, sizeof row);
        assert_int_equal(mc_store_dossier_load(mc_engine_store(f->e), ids[k], &row, NULL), 0);
        assert_non_null(row.apology);
        assert_non_null(strstr(row.apology, want[k]));
        mc_dossier_row_clear(&row);
    }
}

static void test_engine__once_only_refuses_asking_for_a_fetched_document(void **state)
{
    fx *f = *state;
    mc_record_row rec = {"civil-status", "marriage-certificate", "001234567890", "CS-2019-0042",
                         "2019-05-01"};
    assert_int_equal(mc_store_record_put(mc_engine_store(f->e), &rec, NULL), 0);
    int64_t id = submit(f, "2025-07-03T09:00", "true", NULL);
    const char *docs[] = {"marriage-certificate"};
    mc_fire fi = MC_FIRE_INIT;
    fi.dossier = id;
    fi.event = "request-supplement";
    fi.role = "clerk";
    fi.payload.documents = docs;
    fi.payload.ndocuments = 1;
    fi.now = at(f, "2025-07-03T10:00");
    mc_result res;
    mc_engine_stats before, after;
    mc_engine_stats_get(f->e, &before);
    assert_int_equal(mc_engine_fire(f->e, &fi, &res, NULL), MC_EREFUSED);
    assert_int_equal(res.refusal, MC_REFUSED_ONCE_ONLY);
    assert_string_equal(res.message, "once-only: marriage-certificate is held by civil-status "
                                     "(record CS-2019-0042); it may not be requested from the "
                                     "applicant");
    /* What serve's /metrics counts as motcua_onceonly_refusals_total. */
    mc_engine_stats_get(f->e, &after);
    assert_int_equal(after.refusals[MC_REFUSED_ONCE_ONLY],
                     before.refusals[MC_REFUSED_ONCE_ONLY] + 1);
    assert_int_equal(after.refusals[MC_REFUSED_STATE], before.refusals[MC_REFUSED_STATE]);
    expect(f, id, "2025-07-03T10:00", "submitted", "none", false);
}

/* Each asked document says why its registry could not supply it. */
static void test_engine__asked_documents_say_why(void **state)
{
    (void)state;
    static const char text[] =
        "role clerk\ndocument a\ndocument b\ndocument c\n"
        "registry early { holds a; published 2020-01-01 }\n"
        "registry later { holds b; published 2026-01-01 }\n"
        "lifecycle l { state s { initial; on go -> t by clerk }\n state t { final } }\n"
        "procedure p { effective 2025-01-01; time-limit 1wd; lifecycle l; subject id\n"
        "  field id { type text }\n requires a\n requires b\n requires c }\n";
    mc_catalogue *cat;
    char *diags;
    assert_int_equal(tu_load(text, &cat, &diags), 0);
    free(diags);
    mc_rules *rules;
    assert_int_equal(mc_rules_new(&rules, NULL, NULL), 0);
    mc_engine *e;
    assert_int_equal(mc_engine_open(&e, cat, rules, tu_db(), NULL), 0);
    mc_datetime m;
    assert_int_equal(mc_value_datetime("2025-07-03T09:00", 16, &m, NULL, 0), 0);
    int64_t now = mc_calendar_to_utc(mc_catalogue_default_calendar(cat), (mc_localtime)m * 60);
    mc_kv with[] = {{"id", "001"}};
    const char *expect_with[] = {
        "not found in early", "later is in use only for dossiers submitted from 2026-01-01", NULL};
    const char *expect_without[] = {"the dossier has no subject to look up in early",
                                    "later is in use only for dossiers submitted from 2026-01-01",
                                    NULL};
    for (int k = 0; k < 2; k++) {
        mc_submit sub = {.procedure = "p", .fields = with, .nfields = k == 0 ? 1 : 0, .now = now};
        mc_result res;
        assert_int_equal(mc_engine_submit(e, &sub, &res, NULL), 0);
        mc_dossier d;
        assert_int_equal(mc_engine_get(e, res.dossier, now, &d, NULL), 0);
        const char *const *want = k == 0 ? expect_with : expect_without;
        for (int i = 0; i < 3; i++) {
            assert_int_equal(d.requirements[i].status, MC_REQ_ASKED);
            if (want[i] == NULL) {
                assert_null(d.requirements[i].reason); /* no registry holds c */
            } else {
                assert_string_equal(d.requirements[i].reason, want[i]);
            }
        }
        mc_dossier_free(&d);
    }
    mc_engine_close(e);
    mc_rules_free(rules);
    mc_catalogue_free(cat);
}

static int count_event(void *ud, const mc_event_row *ev)
{
    (void)ev;
    ++*(int *)ud;
    return 0;
}

/* A registry import is an event at the instant it is given; a file with problems adds none. */
static void test_engine__registry_import_is_an_event_at_its_instant(void **state)
{
    fx *f = *state;
    static const char good[] = "document,subject,reference,issued\n"
                               "marriage-certificate,001234567890,CS-1,2019-05-01\n";
    static const char bad[] = "document,subject,reference,issued\n"
                              "marriage-certificat,001234567890,CS-2,2019-05-01\n";
    int64_t t = at(f, "2025-07-01T08:00");
    mc_store *st = mc_engine_store(f->e);
    for (int k = 0; k < 2; k++) {
        mc_source *src;
        const char *text = k == 0 ? good : bad;
        assert_int_equal(mc_source_new(&src, "r.csv", text, strlen(text), NULL), 0);
        mc_diags *d;
        mc_diags_new(&d);
        size_t n = 0;
        assert_int_equal(mc_registry_import(st, f->cat, "civil-status", src, t + k, d, &n, NULL),
                         k == 0 ? 0 : MC_ECHECK);
        assert_int_equal(n, k == 0 ? 1 : 0);
        mc_diags_free(d);
        mc_source_free(src);
    }
    int at_t = 0, later = 0;
    assert_int_equal(
        mc_store_events_of_kind(st, "registry-import", t, t + 1, count_event, &at_t, NULL), 0);
    assert_int_equal(
        mc_store_events_of_kind(st, "registry-import", t + 1, t + 86400, count_event, &later, NULL),
        0);
    assert_int_equal(at_t, 1);
    assert_int_equal(later, 0);
}

static void test_engine__hostile_notes_are_bounded(void **state)
{
    fx *f = *state;
    mc_record_row rec = {"slow", "evil", "001234567890", "S-1", "2020-01-01"};
    assert_int_equal(mc_store_record_put(mc_engine_store(f->e), &rec, NULL), 0);
    mc_kv fields[] = {{"citizen-id", "001234567890"}};
    mc_submit s = {
        .procedure = "permit", .fields = fields, .nfields = 1, .now = at(f, "2025-07-03T09:00")};
    mc_result res;
    assert_int_equal(mc_engine_submit(f->e, &s, &res, NULL), 0);
    /* A note that makes the pattern backtrack catastrophically: the match gives up, and the
     * note, which could not be checked, is refused: nothing changes but the refusal. */
    char note[64];
    memset(note, 'a', 40);
    strcpy(note + 40, "!");
    mc_fire fi = MC_FIRE_INIT;
    fi.dossier = res.dossier;
    fi.event = "receive";
    fi.role = "clerk";
    fi.payload.note = note;
    fi.now = at(f, "2025-07-03T10:00");
    assert_int_equal(mc_engine_fire(f->e, &fi, &res, NULL), MC_EREFUSED);
    assert_int_equal(res.refusal, MC_REFUSED_LIMIT);
    assert_string_equal(res.message, "the note could not be checked against the match pattern of "
                                     "evil (pattern gave up: match limit exceeded); shorten or "
                                     "rephrase it");
    mc_dossier d;
    assert_int_equal(mc_engine_get(f->e, res.dossier, fi.now, &d, NULL), 0);
    assert_string_equal(d.state->name, "submitted");
    assert_int_equal(d.events, 2); /* the submission and the refusal */
    mc_dossier_free(&d);
    /* A note that is not UTF-8 cannot be checked either. */
    fi.payload.note = "caf\xe9";
    assert_int_equal(mc_engine_fire(f->e, &fi, &res, NULL), MC_EREFUSED);
    assert_string_equal(res.message, "the note is not valid UTF-8 (byte 4)");
    fi.payload.note = "received";
    assert_int_equal(mc_engine_fire(f->e, &fi, &res, NULL), 0);
    /* A note over 1 MiB is refused; one just under it is checked. */
    size_t big = 1024 * 1024 + 1;
    char *text = malloc(big + 1);
    memset(text, 'x', big);
    text[big] = '\0';
    fi.payload.note = text;
    fi.event = "request-supplement";
    assert_int_equal(mc_engine_fire(f->e, &fi, &res, NULL), MC_EREFUSED);
    assert_string_equal(res.message, "the note is too long (1048577 bytes; at most 1 MiB)");
    text[big - 1] = '\0';
    assert_int_equal(mc_engine_fire(f->e, &fi, &res, NULL), 0);
    free(text);
}

/* A note is matched in Unicode's composed form (NFC): typed with combining marks, as some
 * keyboards and systems send Vietnamese, it is blocked like its composed twin. */
static void test_engine__notes_are_matched_after_normalisation(void **state)
{
    fx *f = *state;
    mc_record_row rec = {"marriages", "marriage-paper", "001234567890", "KH-7", "2020-01-01"};
    assert_int_equal(mc_store_record_put(mc_engine_store(f->e), &rec, NULL), 0);
    mc_kv fields[] = {{"citizen-id", "001234567890"}};
    mc_submit s = {.procedure = "remarriage",
                   .fields = fields,
                   .nfields = 1,
                   .now = at(f, "2025-07-03T09:00")};
    mc_result res;
    assert_int_equal(mc_engine_submit(f->e, &s, &res, NULL), 0);
    mc_fire fi = MC_FIRE_INIT;
    fi.dossier = res.dossier;
    fi.event = "request-supplement";
    fi.role = "clerk";
    fi.now = at(f, "2025-07-03T10:00");
    static const char *const notes[] = {
        "Mang theo Giấy kết hôn",                                         /* composed */
        "Mang theo Gia\xcc\x82\xcc\x81y ke\xcc\x82\xcc\x81t ho\xcc\x82n", /* decomposed */
    };
    for (size_t i = 0; i < 2; i++) {
        fi.payload.note = notes[i];
        assert_int_equal(mc_engine_fire(f->e, &fi, &res, NULL), MC_EREFUSED);
        assert_int_equal(res.refusal, MC_REFUSED_ONCE_ONLY);
        assert_string_equal(res.message, "once-only: marriage-paper is held by marriages (record "
                                         "KH-7); it may not be requested from the applicant (the "
                                         "note says 'Giấy kết hôn')");
    }
    fi.payload.note = "Mang theo giấy khai sinh";
    assert_int_equal(mc_engine_fire(f->e, &fi, &res, NULL), 0);
}

static void test_engine__request_ids_make_operations_idempotent(void **state)
{
    fx *f = *state;
    int64_t a = submit(f, "2025-07-03T09:00", NULL, "req-1");
    int64_t b = submit(f, "2025-07-03T09:05", NULL, "req-1");
    assert_int_equal(a, b);
    mc_fire fi = MC_FIRE_INIT;
    fi.dossier = a;
    fi.event = "receive";
    fi.role = "clerk";
    fi.now = at(f, "2025-07-03T10:00");
    fi.request_id = "req-2";
    mc_result res;
    assert_int_equal(mc_engine_fire(f->e, &fi, &res, NULL), 0);
    assert_false(res.replayed);
    assert_int_equal(mc_engine_fire(f->e, &fi, &res, NULL), 0);
    assert_true(res.replayed);
    mc_dossier d;
    assert_int_equal(mc_engine_get(f->e, a, fi.now, &d, NULL), 0);
    assert_int_equal(d.events, 2);
    mc_dossier_free(&d);
    /* The same id for another operation is a conflict, not a replay. */
    fi.event = "request-supplement";
    mc_error err;
    assert_int_equal(mc_engine_fire(f->e, &fi, &res, &err), MC_ECONFLICT);
    assert_string_equal(err.msg, "request id 'req-2' was already used for another request "
                                 "(fire receive of dossier 1)");
    /* So is the same operation with another input: here a note. */
    fi.event = "receive";
    fi.payload.note = "received at the counter";
    assert_int_equal(mc_engine_fire(f->e, &fi, &res, &err), MC_ECONFLICT);
    assert_string_equal(err.msg, "request id 'req-2' was already used for another request "
                                 "(another fire receive of dossier 1)");
    /* Its sentence of the message catalogue, for a front end to say in Vietnamese. */
    const char *args[MC_MSG_MAXARGS];
    assert_string_equal(err.msg_code, "request-id.used");
    assert_int_equal(mc_error_args(&err, args, MC_MSG_MAXARGS), 2);
    assert_string_equal(args[0], "req-2");
    assert_string_equal(args[1], "another fire receive of dossier 1");
    int64_t n;
    assert_int_equal(mc_store_verify(mc_engine_store(f->e), &n, NULL), 0);
}

static int keep_bodies(void *ud, const mc_event_row *ev)
{
    char *all = ud;
    size_t n = strlen(all);
    snprintf(all + n, 8192 - n, "%s %s\n", ev->kind, ev->body);
    return 0;
}

/* The subject decides whose registry records a dossier reads: the applicant may not change it;
 * an officer's correction is recorded and the requirements are resolved for the new subject. */
static void test_engine__the_subject_is_corrected_by_officers_only(void **state)
{
    fx *f = *state;
    mc_store *st = mc_engine_store(f->e);
    mc_record_row a = {"civil-status", "marriage-certificate", "001234567890", "CS-A",
                       "2019-05-01"};
    mc_record_row b = {"civil-status", "marriage-certificate", "009876543210", "CS-B",
                       "2019-05-01"};
    assert_int_equal(mc_store_record_put(st, &a, NULL), 0);
    assert_int_equal(mc_store_record_put(st, &b, NULL), 0);
    int64_t id = submit(f, "2025-07-03T09:00", "true", NULL);
    mc_result res;
    assert_int_equal(fire(f, id, "request-supplement", "clerk", "2025-07-03T09:10", &res), 0);
    /* The applicant names another person: refused, recorded, nothing changed. */
    mc_kv other[] = {{"citizen-id", "009876543210"}};
    mc_fire fi = MC_FIRE_INIT;
    fi.dossier = id;
    fi.event = "supplement";
    fi.role = "applicant";
    fi.now = at(f, "2025-07-03T09:20");
    fi.payload.set = other;
    fi.payload.nset = 1;
    assert_int_equal(mc_engine_fire(f->e, &fi, &res, NULL), MC_EREFUSED);
    assert_int_equal(res.refusal, MC_REFUSED_ROLE);
    assert_string_equal(res.message, "role 'applicant' may not change the subject of dossier 1 "
                                     "(field 'citizen-id'); an officer may correct it");
    mc_dossier d;
    assert_int_equal(mc_engine_get(f->e, id, fi.now, &d, NULL), 0);
    assert_string_equal(d.subject, "001234567890");
    assert_string_equal(d.state->name, "awaiting-supplement");
    assert_string_equal(d.requirements[1].record, "CS-A");
    mc_dossier_free(&d);
    /* Setting it to what it is changes nothing and is allowed. */
    mc_kv same[] = {{"citizen-id", "001234567890"}};
    fi.payload.set = same;
    assert_int_equal(mc_engine_fire(f->e, &fi, &res, NULL), 0);
    /* A clerk corrects it: the new subject's record is fetched, the former one's is gone. */
    fi.event = "request-supplement";
    fi.role = "clerk";
    fi.now = at(f, "2025-07-03T09:30");
    fi.payload.set = other;
    assert_int_equal(mc_engine_fire(f->e, &fi, &res, NULL), 0);
    assert_int_equal(mc_engine_get(f->e, id, fi.now, &d, NULL), 0);
    assert_string_equal(d.subject, "009876543210");
    assert_int_equal(d.requirements[1].status, MC_REQ_FETCHED);
    assert_string_equal(d.requirements[1].record, "CS-B");
    mc_dossier_free(&d);
    /* Rules see the new subject. */
    assert_int_equal(fire(f, id, "recheck", "clerk", "2025-07-03T09:30", &res), 0);
    /* Corrected again to a subject no registry knows: asked, with the reason. */
    mc_kv unknown[] = {{"citizen-id", "005555555555"}};
    fi.event = "supplement";
    fi.role = "applicant";
    fi.payload.set = NULL;
    fi.payload.nset = 0;
    assert_int_equal(mc_engine_fire(f->e, &fi, &res, NULL), 0);
    fi.event = "request-supplement";
    fi.role = "clerk";
    fi.payload.set = unknown;
    fi.payload.nset = 1;
    assert_int_equal(mc_engine_fire(f->e, &fi, &res, NULL), 0);
    assert_int_equal(mc_engine_get(f->e, id, fi.now, &d, NULL), 0);
    assert_int_equal(d.requirements[1].status, MC_REQ_ASKED);
    assert_string_equal(d.requirements[1].reason, "not found in civil-status");
    assert_null(d.requirements[1].record);
    mc_dossier_free(&d);
    /* The events say who changed the subject from what to what; the refusal is there too. */
    char *all = calloc(1, 8192);
    assert_int_equal(mc_store_event_each(st, id, keep_bodies, all, NULL), 0);
    /* the refusal's sentence by its code and arguments, for a reader in another language */
    assert_non_null(strstr(all, "blocked {\"args\":[\"1\",\"citizen-id\"],\"catalogue\""));
    assert_non_null(strstr(all, "\"code\":\"subject.applicant\""));
    assert_non_null(strstr(all, "\"reason\":\"role\""));
    assert_non_null(strstr(all, "\"subject\":{\"from\":\"001234567890\",\"to\":\"009876543210\"}"));
    assert_non_null(strstr(all, "\"subject\":{\"from\":\"009876543210\",\"to\":\"005555555555\"}"));
    free(all);
}

/* §4.6: the documents a transition names become asked, also one the applicant provided; a
 * document the procedure does not require is refused, since no checklist would show it. */
static void test_engine__requested_documents_become_asked(void **state)
{
    fx *f = *state;
    int64_t id = submit(f, "2025-07-03T09:00", NULL, NULL);
    const char *unknown[] = {"evil"};
    mc_fire fi = MC_FIRE_INIT;
    fi.dossier = id;
    fi.event = "request-supplement";
    fi.role = "clerk";
    fi.now = at(f, "2025-07-03T10:00");
    fi.payload.documents = unknown;
    fi.payload.ndocuments = 1;
    mc_result res;
    assert_int_equal(mc_engine_fire(f->e, &fi, &res, NULL), MC_EREFUSED);
    assert_int_equal(res.refusal, MC_REFUSED_OTHER);
    assert_string_equal(res.message, "procedure 'birth' does not require evil: only the documents "
                                     "it requires may be asked of the applicant");
    const char *again[] = {"birth-notice"};
    fi.payload.documents = again;
    assert_int_equal(mc_engine_fire(f->e, &fi, &res, NULL), 0);
    mc_dossier d;
    assert_int_equal(mc_engine_get(f->e, id, fi.now, &d, NULL), 0);
    assert_string_equal(d.state->name, "awaiting-supplement");
    assert_int_equal(d.requirements[0].status, MC_REQ_ASKED);
    assert_string_equal(d.requirements[0].reason, "requested by clerk");
    assert_int_equal(d.requirements[2].status, MC_REQ_PROVIDED); /* not named: unchanged */
    mc_dossier_free(&d);
}

/* res carries code with the arguments args (nargs of them), and formatting them in English gives
 * res->message again, byte for byte. */
static void expect_code(const mc_result *res, const char *code, const char *const *args,
                        size_t nargs)
{
    assert_string_equal(res->code, code);
    assert_int_equal(res->nargs, nargs);
    const char *got[MC_MSG_MAXARGS];
    for (size_t i = 0; i < nargs; i++) {
        assert_string_equal(res->args[i], args[i]);
        got[i] = res->args[i];
    }
    char en[512];
    assert_true(mc_msg_format(MC_LANG_EN, res->code, got, res->nargs, en, sizeof en) >= 0);
    assert_string_equal(en, res->message);
}

/* Every refusal says what made it (a message code and its arguments) besides its English text,
 * so that a front end can say it in Vietnamese without asking the engine again. */
static void test_engine__refusals_carry_their_message_code(void **state)
{
    fx *f = *state;
    int64_t id = submit(f, "2025-07-03T09:00", "true", NULL);
    mc_result res;
    assert_int_equal(fire(f, id, "approve", "head", "2025-07-03T10:00", &res), MC_EREFUSED);
    expect_code(&res, "state.no-event-but",
                (const char *[]){"approve", "submitted", "receive, request-supplement"}, 3);
    assert_int_equal(fire(f, id, "receive", "head", "2025-07-03T10:00", &res), MC_EREFUSED);
    expect_code(&res, "role.not-allowed", (const char *[]){"head", "receive", "submitted", "clerk"},
                4);
    char vi[512];
    const char *args[] = {res.args[0], res.args[1], res.args[2], res.args[3]};
    mc_msg_format(MC_LANG_VI, res.code, args, res.nargs, vi, sizeof vi);
    assert_string_equal(vi, "vai trò 'head' không được thực hiện 'receive' ở trạng thái "
                            "'submitted' (vai trò được phép: clerk)");
    assert_int_equal(fire(f, id, "receive", "clerk", "2025-07-03T10:00", &res), 0);
    assert_string_equal(res.code, ""); /* done: no refusal, no code */
    assert_int_equal(res.nargs, 0);
    assert_int_equal(fire(f, id, "approve", "head", "2025-07-03T11:00", &res), MC_EREFUSED);
    expect_code(&res, "guard.false-reason",
                (const char *[]){"approve", "marriage-certificate is still missing"}, 2);
    assert_int_equal(fire(f, id, "spin", "head", "2025-07-03T11:00", &res), MC_EREFUSED);
    expect_code(&res, "rule.limit",
                (const char *[]){"rule guards.spin: rules/guards.lua:7: instruction budget "
                                 "exceeded (20000 steps)"},
                1);
    /* A number is an argument as text; a sentence without arguments has none. */
    mc_apology ap = MC_APOLOGY_INIT;
    ap.dossier = id;
    ap.role = "clerk";
    ap.new_date = 20300;
    ap.now = at(f, "2025-07-03T11:00");
    assert_int_equal(mc_engine_apologize(f->e, &ap, &res, NULL), MC_EREFUSED);
    expect_code(&res, "apology.no-reason", NULL, 0);
    /* Submissions: an argument longer than a result holds is cut at a character, while the
     * English message keeps the whole value. */
    char value[1 + 100 * 3 + 1] = "a";
    for (int i = 0; i < 100; i++) {
        strcat(value, "ễ");
    }
    mc_kv fields[] = {{"citizen-id", value}};
    mc_submit s = {.procedure = "birth", .fields = fields, .nfields = 1, .now = ap.now};
    assert_int_equal(mc_engine_submit(f->e, &s, &res, NULL), MC_EREFUSED);
    assert_string_equal(res.code, "field.pattern");
    assert_int_equal(res.nargs, 3);
    assert_string_equal(res.args[0], "citizen-id");
    assert_int_equal(strlen(res.args[1]), 253); /* 255 bytes would split the 85th "ễ" */
    assert_memory_equal(res.args[1], value, 253);
    assert_string_equal(res.args[2], "[0-9]{12}");
    assert_non_null(strstr(res.message, value));
    s.procedure = "death";
    assert_int_equal(mc_engine_submit(f->e, &s, &res, NULL), MC_EREFUSED);
    expect_code(&res, "procedure.unknown", (const char *[]){"death"}, 1);
}

/* A refusal replayed under its request id carries its code and arguments again. */
static void test_engine__a_replayed_refusal_keeps_its_code(void **state)
{
    fx *f = *state;
    int64_t id = submit(f, "2025-07-03T09:00", NULL, NULL);
    mc_fire fi = MC_FIRE_INIT;
    fi.dossier = id;
    fi.event = "approve";
    fi.role = "head";
    fi.now = at(f, "2025-07-03T10:00");
    fi.request_id = "once";
    mc_result res;
    mc_engine_stats before, after;
    mc_engine_stats_get(f->e, &before);
    assert_int_equal(mc_engine_fire(f->e, &fi, &res, NULL), MC_EREFUSED);
    assert_false(res.replayed);
    memset(&res, 0xA5, sizeof res);
    assert_int_equal(mc_engine_fire(f->e, &fi, &res, NULL), MC_EREFUSED);
    assert_true(res.replayed);
    /* Counted once: the replay is the same refusal. */
    mc_engine_stats_get(f->e, &after);
    assert_int_equal(after.refusals[MC_REFUSED_STATE], before.refusals[MC_REFUSED_STATE] + 1);
    expect_code(&res, "state.no-event-but",
                (const char *[]){"approve", "submitted", "receive, request-supplement"}, 3);
}

/* The reasons a document is asked carry their code too, kept with the dossier. */
static void test_engine__asked_reasons_carry_their_message_code(void **state)
{
    fx *f = *state;
    int64_t id = submit(f, "2025-07-03T09:00", "true", NULL);
    mc_dossier d;
    assert_int_equal(mc_engine_get(f->e, id, at(f, "2025-07-03T09:00"), &d, NULL), 0);
    assert_int_equal(d.requirements[1].status, MC_REQ_ASKED);
    assert_string_equal(d.requirements[1].reason, "not found in civil-status");
    assert_string_equal(d.requirements[1].reason_code, "once-only.not-found");
    assert_int_equal(d.requirements[1].nreason_args, 1);
    assert_string_equal(d.requirements[1].reason_args[0], "civil-status");
    char vi[200];
    mc_msg_format(MC_LANG_VI, d.requirements[1].reason_code, d.requirements[1].reason_args,
                  d.requirements[1].nreason_args, vi, sizeof vi);
    assert_string_equal(vi, "không tìm thấy trong civil-status");
    assert_null(d.requirements[0].reason_code); /* provided: no reason */
    mc_dossier_free(&d);
    const char *docs[] = {"birth-notice"};
    mc_fire fi = MC_FIRE_INIT;
    fi.dossier = id;
    fi.event = "request-supplement";
    fi.role = "clerk";
    fi.now = at(f, "2025-07-03T10:00");
    fi.payload.documents = docs;
    fi.payload.ndocuments = 1;
    mc_result res;
    assert_int_equal(mc_engine_fire(f->e, &fi, &res, NULL), 0);
    assert_int_equal(mc_engine_get(f->e, id, fi.now, &d, NULL), 0);
    assert_string_equal(d.requirements[0].reason, "requested by clerk");
    assert_string_equal(d.requirements[0].reason_code, "once-only.requested");
    assert_int_equal(d.requirements[0].nreason_args, 1);
    assert_string_equal(d.requirements[0].reason_args[0], "clerk");
    mc_dossier_free(&d);
}

/* Out of memory at every allocation of a submission and a transition that use what can
 * allocate: a request id, a note to normalise and match, a subject corrected, documents asked.
 * Each step ends in a clean MC_ENOMEM (or succeeds), never a refusal or another error. */
typedef struct oom_ctx {
    fx *f;
    int round; /* each attempt uses request ids of its own */
} oom_ctx;

static int oom_operations(void *ud)
{
    oom_ctx *c = ud;
    fx *f = c->f;
    mc_engine *e = f->e;
    char key[4][32];
    c->round++;
    for (int i = 0; i < 4; i++) {
        snprintf(key[i], sizeof key[i], "r-%d-%d", c->round, i);
    }
    mc_kv fields[] = {{"citizen-id", "001234567890"}};
    mc_submit s = {.procedure = "remarriage",
                   .fields = fields,
                   .nfields = 1,
                   .now = at(f, "2025-07-03T09:00"),
                   .request_id = key[0],
                   .user = "lan"};
    mc_result res;
    int rc = mc_engine_submit(e, &s, &res, NULL);
    mc_kv set[] = {{"citizen-id", "009876543210"}};
    const char *docs[] = {"marriage-paper"};
    mc_fire fi = MC_FIRE_INIT;
    fi.dossier = res.dossier;
    fi.event = "request-supplement";
    fi.role = "clerk";
    fi.now = at(f, "2025-07-03T10:00");
    fi.request_id = key[1];
    fi.user = "hoa";
    fi.payload.note = "Gia\xcc\x82\xcc\x81y khai sinh";
    fi.payload.documents = docs;
    fi.payload.ndocuments = 1;
    if (rc == 0) {
        /* Before the correction the paper is asked: the note is checked against nothing. */
        rc = mc_engine_fire(e, &fi, &res, NULL);
    }
    fi.event = "supplement";
    fi.role = "applicant";
    fi.request_id = key[2];
    fi.payload.documents = NULL;
    fi.payload.ndocuments = 0;
    if (rc == 0) {
        rc = mc_engine_fire(e, &fi, &res, NULL);
    }
    fi.event = "request-supplement";
    fi.role = "clerk";
    fi.request_id = key[3];
    fi.payload.set = set;
    fi.payload.nset = 1;
    if (rc == 0) {
        /* The correction fetches the paper of the new subject; the note is then matched. */
        rc = mc_engine_fire(e, &fi, &res, NULL);
    }
    return rc;
}

/* A result is never filed under a subject its registry does not use: the event says why. */
static void test_engine__a_result_is_not_issued_under_a_foreign_subject(void **state)
{
    (void)state;
    static const char text[] =
        "role clerk\ndocument licence\nregistry licences { holds licence; subjects \"[0-9]{12}\" "
        "}\n"
        "lifecycle l { state s { initial; on grant -> granted by clerk }\n"
        "  state granted { final; outcome granted; issues licence to licences } }\n"
        "procedure p { lifecycle l; subject id; time-limit 5wd\n"
        "  field id { type text; required } }\n";
    mc_catalogue *cat;
    char *diags;
    assert_int_equal(tu_load(text, &cat, &diags), 0);
    free(diags);
    mc_engine *e;
    assert_int_equal(mc_engine_open(&e, cat, NULL, tu_db(), NULL), 0);
    const char *ids[] = {"B-12", "001234567890"};
    for (int i = 0; i < 2; i++) {
        mc_kv fields[] = {{"id", ids[i]}};
        mc_submit s = {.procedure = "p",
                       .fields = fields,
                       .nfields = 1,
                       .channel = "online",
                       .now = 1750000000};
        mc_result res;
        assert_int_equal(mc_engine_submit(e, &s, &res, NULL), 0);
        mc_fire fi = MC_FIRE_INIT;
        fi.dossier = res.dossier;
        fi.event = "grant";
        fi.role = "clerk";
        fi.now = 1750000100;
        assert_int_equal(mc_engine_fire(e, &fi, &res, NULL), 0);
        char ref[64];
        int found = mc_store_record_get(mc_engine_store(e), "licences", "licence", ids[i], ref,
                                        sizeof ref, NULL);
        struct last_body lb = {NULL};
        mc_store_event_each(mc_engine_store(e), res.dossier, keep_last_body, &lb, NULL);
        if (i == 0) {
            assert_int_equal(found, 0);
            assert_non_null(strstr(lb.body, "\"not-issued\":[{\"document\":\"licence\","
                                            "\"reason\":\"subject 'B-12' is not a subject of "
                                            "registry 'licences'"));
        } else {
            assert_int_equal(found, 1);
            assert_null(strstr(lb.body, "not-issued"));
        }
        free(lb.body);
    }
    mc_engine_close(e);
    mc_catalogue_free(cat);
}

static void test_engine__out_of_memory_sweep(void **state)
{
    fx *f = *state;
    mc_record_row rec = {"marriages", "marriage-paper", "009876543210", "KH-9", "2020-01-01"};
    assert_int_equal(mc_store_record_put(mc_engine_store(f->e), &rec, NULL), 0);
    oom_ctx c = {f, 0};
    assert_int_equal(oom_operations(&c), 0);
    assert_true(tu_oom_sweep(oom_operations, &c, false) > 20);
}

/* Submits a birth dossier for subject with request id key, on behalf of user. */
static int submit_as(fx *f, const char *user, const char *subject, const char *key, mc_result *res,
                     mc_error *err)
{
    mc_kv fields[] = {{"citizen-id", subject}};
    mc_submit s = {.procedure = "birth",
                   .fields = fields,
                   .nfields = 1,
                   .channel = "online",
                   .now = at(f, "2025-07-03T09:00"),
                   .request_id = key,
                   .user = user};
    return mc_engine_submit(f->e, &s, res, err);
}

static const char *subject_of(fx *f, int64_t id, char out[16])
{
    mc_dossier d;
    assert_int_equal(mc_engine_get(f->e, id, at(f, "2025-07-03T09:00"), &d, NULL), 0);
    snprintf(out, 16, "%s", d.subject);
    mc_dossier_free(&d);
    return out;
}

/* A request id belongs to whoever asked: another user's same key files its own dossier, and
 * the same user's key with another subject is a conflict — never someone else's dossier. */
static void test_engine__request_ids_are_scoped_to_their_user(void **state)
{
    fx *f = *state;
    mc_result res;
    mc_error err;
    char subj[16];
    assert_int_equal(submit_as(f, "portal-a", "001234567890", "portal-0001", &res, &err), 0);
    int64_t a = res.dossier;
    assert_int_equal(submit_as(f, "portal-b", "009999999999", "portal-0001", &res, &err), 0);
    assert_false(res.replayed);
    assert_int_not_equal(res.dossier, a);
    assert_string_equal(subject_of(f, res.dossier, subj), "009999999999");
    /* The same user again with the same key and the same inputs: the first result. */
    assert_int_equal(submit_as(f, "portal-a", "001234567890", "portal-0001", &res, &err), 0);
    assert_true(res.replayed);
    assert_int_equal(res.dossier, a);
    /* The same user and key for another subject: a conflict, and nothing filed. */
    assert_int_equal(submit_as(f, "portal-a", "005555555555", "portal-0001", &res, &err),
                     MC_ECONFLICT);
    assert_string_equal(err.msg, "request id 'portal-0001' was already used for another request "
                                 "(another submit birth)");
    assert_int_equal(res.dossier, 0);
    assert_false(res.replayed);
    /* Without a user (the command line), the acting role owns the key. */
    mc_fire fi = MC_FIRE_INIT;
    fi.dossier = a;
    fi.event = "receive";
    fi.role = "clerk";
    fi.now = at(f, "2025-07-03T10:00");
    fi.request_id = "portal-0001";
    assert_int_equal(mc_engine_fire(f->e, &fi, &res, &err), 0);
    assert_false(res.replayed);
    /* A user whose name looks like a role does not share the role's keys. */
    fi.user = "clerk";
    assert_int_equal(mc_engine_fire(f->e, &fi, &res, &err), MC_EREFUSED);
    assert_false(res.replayed);
    int64_t n;
    assert_int_equal(mc_store_verify(mc_engine_store(f->e), &n, NULL), 0);
    assert_int_equal(n, 4); /* two submissions, the receive, the refused second receive */
}

/* Two processes on one store submit for one user with one key and different subjects, at the
 * same moment, many times over: each time one dossier is filed and the other caller gets the
 * conflict — never the other's dossier, never a silent loss. */
static void test_engine__concurrent_reuse_of_a_request_id(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "/tmp/motcua-idem-%d.db", (int)getpid());
    unlink(path);
    fx f;
    open_fx(&f, path);
    close_fx(&f);
    enum { ROUNDS = 20 };
    static const char *const subjects[2] = {"001111111111", "002222222222"};
    int go[2][2], back[2][2];
    pid_t pids[2];
    for (int c = 0; c < 2; c++) {
        assert_int_equal(pipe(go[c]), 0);
        assert_int_equal(pipe(back[c]), 0);
        pids[c] = fork();
        assert_true(pids[c] >= 0);
        if (pids[c] == 0) {
            close(go[c][1]);
            close(back[c][0]);
            fx g;
            open_fx(&g, path);
            for (int i = 0; i < ROUNDS; i++) {
                char b, key[32];
                if (read(go[c][0], &b, 1) != 1) {
                    _exit(3);
                }
                snprintf(key, sizeof key, "portal-%04d", i);
                mc_result r;
                mc_error err;
                int64_t out[3] = {submit_as(&g, "portal", subjects[c], key, &r, &err), 0, 0};
                out[1] = r.dossier;
                out[2] = r.replayed;
                if (write(back[c][1], out, sizeof out) != sizeof out) {
                    _exit(4);
                }
            }
            close_fx(&g);
            _exit(0);
        }
        close(back[c][1]);
        close(go[c][0]);
    }
    open_fx(&f, path);
    for (int i = 0; i < ROUNDS; i++) {
        for (int c = 0; c < 2; c++) {
            assert_int_equal(write(go[c][1], "x", 1), 1); /* both children start at once */
        }
        int64_t out[2][3];
        int filed = -1;
        for (int c = 0; c < 2; c++) {
            assert_int_equal(read(back[c][0], out[c], sizeof out[c]), sizeof out[c]);
            assert_false(out[c][2]); /* never a replay of the other's dossier */
            if (out[c][0] == 0) {
                assert_int_equal(filed, -1);
                filed = c;
            } else {
                assert_int_equal(out[c][0], MC_ECONFLICT);
            }
        }
        assert_int_not_equal(filed, -1);
        char subj[16];
        assert_string_equal(subject_of(&f, out[filed][1], subj), subjects[filed]);
    }
    for (int c = 0; c < 2; c++) {
        int status;
        close(go[c][1]);
        close(back[c][0]);
        waitpid(pids[c], &status, 0);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    int64_t n;
    assert_int_equal(mc_store_verify(mc_engine_store(f.e), &n, NULL), 0);
    assert_int_equal(n, ROUNDS); /* one submission a round, nothing else */
    close_fx(&f);
    unlink(path);
    char extra[160];
    snprintf(extra, sizeof extra, "%s-wal", path);
    unlink(extra);
    snprintf(extra, sizeof extra, "%s-shm", path);
    unlink(extra);
}

/* The issue's reproduction: ten submissions at once under one key, for ten subjects. From ten
 * applicants (ten users), ten dossiers, each caller its own; from one portal user, one dossier
 * and nine conflicts. Never a replay of someone else's dossier. */
static void ten_at_once(const char *path, bool one_user, int64_t *filed, int64_t *conflicts)
{
    enum { N = 10 };
    int go[2], back[N][2];
    pid_t pids[N];
    assert_int_equal(pipe(go), 0);
    for (int c = 0; c < N; c++) {
        assert_int_equal(pipe(back[c]), 0);
        pids[c] = fork();
        assert_true(pids[c] >= 0);
        if (pids[c] == 0) {
            close(go[1]);
            close(back[c][0]);
            fx g;
            open_fx(&g, path);
            char b, user[16], subject[16];
            snprintf(user, sizeof user, one_user ? "portal" : "citizen-%d", c);
            snprintf(subject, sizeof subject, "00%010d", c);
            if (read(go[0], &b, 1) != 0) { /* the parent closes the pipe: all start at once */
                _exit(3);
            }
            mc_result r;
            int64_t out[3] = {submit_as(&g, user, subject, "portal-0001", &r, NULL), 0, 0};
            out[1] = r.dossier;
            out[2] = r.replayed;
            if (out[0] == 0) {
                char got[16];
                out[2] |= strcmp(subject_of(&g, r.dossier, got), subject) != 0;
            }
            if (write(back[c][1], out, sizeof out) != sizeof out) {
                _exit(4);
            }
            close_fx(&g);
            _exit(0);
        }
        close(back[c][1]);
    }
    close(go[0]);
    close(go[1]);
    *filed = *conflicts = 0;
    for (int c = 0; c < N; c++) {
        int64_t out[3];
        int status;
        assert_int_equal(read(back[c][0], out, sizeof out), sizeof out);
        close(back[c][0]);
        waitpid(pids[c], &status, 0);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        assert_false(out[2]); /* neither a replay nor another subject's dossier */
        if (out[0] == 0) {
            (*filed)++;
        } else {
            assert_int_equal(out[0], MC_ECONFLICT);
            (*conflicts)++;
        }
    }
}

static void test_engine__ten_submissions_under_one_key(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "/tmp/motcua-ten-%d.db", (int)getpid());
    unlink(path);
    fx f;
    open_fx(&f, path);
    close_fx(&f);
    int64_t filed, conflicts;
    ten_at_once(path, false, &filed, &conflicts);
    assert_int_equal(filed, 10);
    assert_int_equal(conflicts, 0);
    ten_at_once(path, true, &filed, &conflicts);
    assert_int_equal(filed, 1);
    assert_int_equal(conflicts, 9);
    open_fx(&f, path);
    int64_t n;
    assert_int_equal(mc_store_verify(mc_engine_store(f.e), &n, NULL), 0);
    assert_int_equal(n, 11); /* every dossier filed, nothing else */
    close_fx(&f);
    unlink(path);
    char extra[160];
    snprintf(extra, sizeof extra, "%s-wal", path);
    unlink(extra);
    snprintf(extra, sizeof extra, "%s-shm", path);
    unlink(extra);
}

/* A child fires transitions on a file store as fast as it can and reports each acknowledged
 * one on a pipe; it is killed with SIGKILL; every acknowledged transition must be there. */
typedef struct users_seen {
    char kinds_users[8][64]; /* "kind:user" of each event */
    size_t n;
} users_seen;

static int collect_user(void *ud, const mc_event_row *ev)
{
    users_seen *u = ud;
    const char *p = strstr(ev->body, "\"user\":\"");
    char who[32] = "-";
    if (p != NULL) {
        sscanf(p + 8, "%31[^\"]", who);
    }
    if (u->n < 8) {
        snprintf(u->kinds_users[u->n++], 64, "%s:%s", ev->kind, who);
    }
    return 0;
}

/* Who asked is recorded with the events of an operation (and of its refusal); the timers that
 * take effect before it are the system's. */
static void test_engine__operations_record_their_user(void **state)
{
    fx *f = *state;
    mc_kv fields[] = {{"citizen-id", "001234567890"}};
    mc_submit s = {.procedure = "birth",
                   .fields = fields,
                   .nfields = 1,
                   .now = at(f, "2025-07-03T09:00"),
                   .user = "lan"};
    mc_result res;
    assert_int_equal(mc_engine_submit(f->e, &s, &res, NULL), 0);
    int64_t id = res.dossier;
    mc_fire fi = MC_FIRE_INIT;
    fi.dossier = id;
    fi.event = "request-supplement";
    fi.role = "clerk";
    fi.now = at(f, "2025-07-03T10:00");
    fi.user = "hoa";
    assert_int_equal(mc_engine_fire(f->e, &fi, &res, NULL), 0);
    /* 30 days later the timer withdraws the dossier before minh's refused request. */
    fi.event = "supplement";
    fi.role = "applicant";
    fi.now = at(f, "2025-09-10T10:00");
    fi.user = "minh";
    assert_int_equal(mc_engine_fire(f->e, &fi, &res, NULL), MC_EREFUSED);
    users_seen u;
    memset(&u, 0, sizeof u);
    assert_int_equal(mc_store_event_each(mc_engine_store(f->e), id, collect_user, &u, NULL), 0);
    assert_int_equal(u.n, 4);
    assert_string_equal(u.kinds_users[0], "submit:lan");
    assert_string_equal(u.kinds_users[1], "fire:hoa");
    assert_string_equal(u.kinds_users[2], "timer:-");
    assert_string_equal(u.kinds_users[3], "blocked:minh");
}

/* The read that follows a fire at its instant is answered from the dossier the fire committed
 * (struct mc_engine, kept): it must say what a load from the store says, field by field. */
static void assert_same_dossier(const mc_dossier *a, const mc_dossier *b)
{
    assert_int_equal(a->id, b->id);
    assert_string_equal(a->state->name, b->state->name);
    assert_string_equal(a->subject, b->subject);
    assert_int_equal(a->final, b->final);
    assert_int_equal(a->overdue, b->overdue);
    assert_int_equal(a->late, b->late);
    assert_int_equal(a->clock, b->clock);
    assert_int_equal(a->submitted, b->submitted);
    assert_int_equal(a->due, b->due);
    assert_int_equal(a->fee, b->fee);
    assert_int_equal(a->events, b->events);
    assert_int_equal(a->blocked, b->blocked);
    assert_int_equal(a->apologized, b->apologized);
    for (size_t i = 0; i < a->procedure->nrequires; i++) {
        assert_int_equal(a->requirements[i].status, b->requirements[i].status);
    }
    for (size_t i = 0; i < a->procedure->nfields; i++) {
        assert_true((a->values[i] == NULL) == (b->values[i] == NULL));
        if (a->values[i] != NULL) {
            assert_string_equal(a->values[i], b->values[i]);
        }
    }
}

static void test_engine__the_answer_of_a_fire_is_what_a_load_reads(void **state)
{
    fx *f = *state;
    /* The second fire asks for a document a registry holds: refused once-only, a refusal the
     * third's answer counts (blocked, counted in the fire's transaction). */
    mc_record_row rec = {"civil-status", "marriage-certificate", "001234567890", "CS-2019-0042",
                         "2019-05-01"};
    assert_int_equal(mc_store_record_put(mc_engine_store(f->e), &rec, NULL), 0);
    int64_t id = submit(f, "2025-07-03T09:00", "true", NULL);
    mc_result res;
    const char *held[] = {"marriage-certificate"};
    const char *events[] = {"receive", "request-supplement", "request-supplement"};
    int64_t first = 0;
    for (size_t k = 0; k < sizeof events / sizeof events[0]; k++) {
        mc_fire fi = MC_FIRE_INIT;
        fi.dossier = id;
        fi.event = events[k];
        fi.role = "clerk";
        fi.now = at(f, "2025-07-03T10:00") + (int64_t)k * 60;
        fi.payload.documents = k == 1 ? held : NULL;
        fi.payload.ndocuments = k == 1 ? 1 : 0;
        fi.answered = k > 0; /* counted by the fire (as for serve's answer), or by the read */
        assert_int_equal(mc_engine_fire(f->e, &fi, &res, NULL), k == 1 ? MC_EREFUSED : 0);
        mc_dossier kept, loaded;
        assert_int_equal(mc_engine_get(f->e, id, fi.now, &kept, NULL), 0); /* the fire's own */
        assert_int_equal(mc_engine_get(f->e, id, fi.now, &loaded, NULL), 0); /* from the store */
        assert_same_dossier(&kept, &loaded);
        first = k == 0 ? kept.events : first;
        assert_int_equal(kept.blocked, k == 0 ? 0 : 1);
        assert_int_equal(kept.events, first + (int64_t)k); /* one event a fire, or a refusal */
        mc_dossier_free(&kept);
        mc_dossier_free(&loaded);
    }
    /* Kept for its own dossier and instant only: another read loads. */
    mc_fire fi = MC_FIRE_INIT;
    fi.dossier = id;
    fi.event = "supplement";
    fi.role = "applicant";
    fi.now = at(f, "2025-07-04T10:00");
    mc_engine_fire(f->e, &fi, &res, NULL);
    mc_dossier later;
    assert_int_equal(mc_engine_get(f->e, id, at(f, "2025-07-05T10:00"), &later, NULL), 0);
    mc_dossier_free(&later);
    assert_int_equal(mc_engine_get(f->e, id + 1000, fi.now, &later, NULL), MC_ENOTFOUND);
}

static void test_engine__crash_loses_nothing_acknowledged(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "/tmp/motcua-crash-%d.db", (int)getpid());
    unlink(path);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        fx f;
        open_fx(&f, path);
        static const char *const loop[][2] = {{"request-supplement", "clerk"},
                                              {"supplement", "applicant"}};
        int64_t id = submit(&f, "2025-07-03T09:00", NULL, NULL);
        int64_t t = at(&f, "2025-07-03T10:00");
        for (int i = 0;; i++) {
            mc_fire fi = MC_FIRE_INIT;
            fi.dossier = id;
            fi.event = loop[(i + 1) % 2][0];
            fi.role = loop[(i + 1) % 2][1];
            fi.now = t + i;
            mc_result res;
            if (i == 0) {
                fi.event = "receive";
                fi.role = "clerk";
            }
            if (mc_engine_fire(f.e, &fi, &res, NULL) != 0) {
                _exit(3);
            }
            int32_t done = i + 1;
            if (write(fds[1], &done, sizeof done) != sizeof done) {
                _exit(4);
            }
        }
    }
    close(fds[1]);
    int32_t acked = 0, v;
    while (acked < 40 && read(fds[0], &v, sizeof v) == sizeof v) {
        acked = v;
    }
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL); /* it was still going */
    assert_true(acked >= 40);
    while (read(fds[0], &v, sizeof v) == sizeof v) {
        acked = v; /* acknowledged before the kill landed */
    }
    close(fds[0]);
    fx f;
    open_fx(&f, path);
    int64_t n;
    assert_int_equal(mc_store_verify(mc_engine_store(f.e), &n, NULL), 0);
    assert_true(n >= 1 + acked); /* the submission and every acknowledged transition */
    mc_dossier d;
    assert_int_equal(mc_engine_get(f.e, 1, at(&f, "2025-07-03T10:00"), &d, NULL), 0);
    assert_int_equal(d.events, n);
    /* None half-applied: the state matches the last transition in the chain. */
    int64_t fired = n - 1; /* receive, then request-supplement and supplement in turn */
    assert_string_equal(d.state->name, fired % 2 == 1 ? "processing" : "awaiting-supplement");
    mc_dossier_free(&d);
    close_fx(&f);
    unlink(path);
    char extra[160];
    snprintf(extra, sizeof extra, "%s-wal", path);
    unlink(extra);
    snprintf(extra, sizeof extra, "%s-shm", path);
    unlink(extra);
}

/* Two processes work on one store at once: each submits dossiers and fires on a shared one.
 * Every acknowledged operation (done or refused) is in the chain exactly once, and the shared
 * dossier's state is the one its recorded transitions lead to. */
static int count_kind(void *ud, const mc_event_row *ev)
{
    int64_t *n = ud;
    n[0]++;
    n[1] += strcmp(ev->kind, "fire") == 0;
    return 0;
}

typedef struct gate_count {
    int entered, left;
} gate_count;

static void count_enter(void *ud)
{
    ((gate_count *)ud)->entered++;
}

static void count_leave(void *ud)
{
    ((gate_count *)ud)->left++;
}

/* Two processes on one store push one dossier back and forth; optimistic: their engines decide
 * before they take the write lock, and run again when the other wrote meanwhile. */
static void two_processes(bool optimistic)
{
    char path[128];
    snprintf(path, sizeof path, "/tmp/motcua-conc-%d.db", (int)getpid());
    unlink(path);
    fx f;
    open_fx(&f, path);
    int64_t shared = submit(&f, "2025-07-03T09:00", NULL, NULL);
    mc_result res;
    assert_int_equal(fire(&f, shared, "receive", "clerk", "2025-07-03T09:30", &res), 0);
    close_fx(&f);
    enum { OPS = 60 };
    int fds[2][2];
    pid_t pids[2];
    for (int c = 0; c < 2; c++) {
        assert_int_equal(pipe(fds[c]), 0);
        pids[c] = fork();
        if (pids[c] == 0) {
            close(fds[c][0]);
            fx g;
            open_fx(&g, path);
            gate_count gc = {0, 0};
            if (optimistic) {
                mc_engine_set_gate(g.e, count_enter, count_leave, &gc);
            }
            int32_t acked = 0;
            for (int i = 0; i < OPS; i++) {
                if (i % 3 == 0) {
                    submit(&g, "2025-07-03T10:00", NULL, NULL);
                } else {
                    /* Both children push the shared dossier back and forth: many refusals. */
                    const char *ev = (i + c) % 2 ? "request-supplement" : "supplement";
                    const char *role = (i + c) % 2 ? "clerk" : "applicant";
                    mc_result r;
                    int rc = fire(&g, shared, ev, role, "2025-07-03T10:00", &r);
                    if (rc != 0 && rc != MC_EREFUSED) {
                        _exit(3);
                    }
                }
                acked++;
            }
            close_fx(&g);
            if (gc.entered != gc.left || (optimistic && gc.entered < OPS)) {
                _exit(5); /* every write went through the gate, and left it */
            }
            if (write(fds[c][1], &acked, sizeof acked) != sizeof acked) {
                _exit(4);
            }
            _exit(0);
        }
        close(fds[c][1]);
    }
    int32_t total = 0;
    for (int c = 0; c < 2; c++) {
        int status;
        int32_t acked = 0;
        assert_int_equal(read(fds[c][0], &acked, sizeof acked), sizeof acked);
        close(fds[c][0]);
        waitpid(pids[c], &status, 0);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        assert_int_equal(acked, OPS);
        total += acked;
    }
    open_fx(&f, path);
    int64_t n;
    assert_int_equal(mc_store_verify(mc_engine_store(f.e), &n, NULL), 0);
    assert_int_equal(n, 2 + total); /* the first submission and receive, then every operation */
    int64_t counts[2] = {0, 0};
    mc_store_event_each(mc_engine_store(f.e), shared, count_kind, counts, NULL);
    mc_dossier d;
    assert_int_equal(mc_engine_get(f.e, shared, at(&f, "2025-07-03T10:00"), &d, NULL), 0);
    /* After receive, each successful fire toggles processing <-> awaiting-supplement. */
    assert_string_equal(d.state->name,
                        (counts[1] - 1) % 2 == 0 ? "processing" : "awaiting-supplement");
    mc_dossier_free(&d);
    close_fx(&f);
    unlink(path);
    char extra[160];
    snprintf(extra, sizeof extra, "%s-wal", path);
    unlink(extra);
    snprintf(extra, sizeof extra, "%s-shm", path);
    unlink(extra);
}

static void test_engine__two_processes_lose_nothing(void **state)
{
    (void)state;
    two_processes(false);
}

static void test_engine__two_optimistic_processes_lose_nothing(void **state)
{
    (void)state;
    two_processes(true);
}

/* A procedure of many fields and documents: MANY of each, past the 64 a rule once saw. */
enum { MANY = 70 };

typedef struct many_fx {
    mc_catalogue *cat;
    mc_rules *rules;
} many_fx;

static void open_many(many_fx *m)
{
    char *text = malloc(64 * 1024), *at_ = text;
    at_ += sprintf(at_, "role clerk\nlifecycle l { state s { initial\n"
                        "  on go -> done by clerk when rule big.seen }\n"
                        "  state done { final; outcome granted } }\n");
    for (int i = 1; i <= MANY; i++) {
        at_ += sprintf(at_, "document d%d\n", i);
    }
    at_ +=
        sprintf(at_, "procedure p { lifecycle l; subject f1; time-limit 5wd; fee rule big.fee\n");
    for (int i = 1; i <= MANY; i++) {
        at_ += sprintf(at_, "  field f%d { type text }\n  requires d%d\n", i, i);
    }
    sprintf(at_, "}\n");
    char *diags;
    assert_int_equal(tu_load(text, &m->cat, &diags), 0);
    free(diags);
    free(text);
    static const char big_lua[] =
        "function seen(d)\n"
        "  if d.fields.f70 ~= 'x' then return false, 'f70 is ' .. tostring(d.fields.f70) end\n"
        "  if d.documents.d70 ~= 'asked' then return false, 'd70 is ' .. tostring(d.documents.d70) "
        "end\n"
        "  return true\n"
        "end\n"
        "function fee(d) if d.fields.f70 == 'x' then return 700 end return 0 end\n";
    assert_int_equal(mc_rules_new(&m->rules, NULL, NULL), 0);
    assert_int_equal(mc_rules_load_buffer(m->rules, "big", "rules/big.lua", big_lua,
                                          sizeof big_lua - 1, NULL, NULL),
                     0);
}

/* Submits with f1 and f70 set, then fires `go`; 0, or the first error. */
static int many_operations(void *ud)
{
    many_fx *m = ud;
    mc_engine *e;
    /* The sweep is about the engine's allocations: SQLite in memory on every pass. */
    int rc = mc_engine_open(&e, m->cat, m->rules, ":memory:", NULL);
    if (rc != 0) {
        return rc;
    }
    mc_kv fields[] = {{"f1", "001234567890"}, {"f70", "x"}};
    mc_submit s = {.procedure = "p", .fields = fields, .nfields = 2, .now = 1751508000};
    mc_result res;
    rc = mc_engine_submit(e, &s, &res, NULL);
    mc_dossier d;
    if (rc == 0 && (rc = mc_engine_get(e, res.dossier, s.now, &d, NULL)) == 0) {
        assert_int_equal(d.fee, 700); /* the fee rule saw field 70 */
        mc_dossier_free(&d);
    }
    mc_fire fi = MC_FIRE_INIT;
    fi.dossier = res.dossier;
    fi.event = "go";
    fi.role = "clerk";
    fi.now = s.now + 3600;
    if (rc == 0) {
        rc = mc_engine_fire(e, &fi, &res, NULL);
    }
    if (rc == 0) {
        /* The guard saw field 70 and document 70: the dossier moved. */
        assert_int_equal(res.refusal, MC_REFUSED_NONE);
        assert_string_equal(res.message, "");
    }
    mc_engine_close(e);
    return rc;
}

/* Rules see every field and document of a procedure, however many it has (there was a silent
 * cap at 64: field 70 was nil and the guard refused). */
static void test_engine__rules_see_every_field_and_document(void **state)
{
    (void)state;
    many_fx m;
    open_many(&m);
    assert_int_equal(many_operations(&m), 0);
    assert_true(tu_oom_sweep(many_operations, &m, false) > 10);
    mc_rules_free(m.rules);
    mc_catalogue_free(m.cat);
}

/* ==== extensions of a time limit ========================================================= */

/* Two encodings of "3 working days, plus at most 5 when verification is needed" (Law on Civil
 * Status 2014, art. 25(2)): the old workaround, a paused state left by a timer, and the
 * extension. Both on a calendar with the 15:00 cutoff. */
static const char ext_catalogue_text[] =
    "calendar vn { default; hours 07:30-11:30 13:30-17:00; cutoff 15:00\n"
    "  holiday 2025-09-01 2025-09-02 \"National Day\" }\n"
    "role clerk\nrole head\n"
    "procedure workaround { time-limit 3wd\n"
    "  state submitted { initial; on receive -> processing by clerk }\n"
    "  state processing { on verify -> verifying by head; on approve -> done by head }\n"
    "  state verifying { clock paused; after 5wd -> processing }\n"
    "  state done { final; outcome granted } }\n"
    "procedure recognition { time-limit 3wd\n"
    "  field needs { type bool }\n"
    "  extension verification { by 5wd; at-most 2; on verify by head\n"
    "    legal-basis \"Law on Civil Status 2014, art. 25(2)\" }\n"
    "  extension pause { by 2wd; on suspend }\n"
    "  extension hold { by 1wd; on hold }\n"
    "  extension conditional { by 1wd; on check; when needs }\n"
    "  state submitted { initial; on receive -> processing by clerk }\n"
    "  state processing { on verify -> verifying by clerk head; on approve -> done by head\n"
    "    on suspend -> suspended by head; on hold -> held by head\n"
    "    on check -> processing by head }\n"
    "  state verifying { on verify -> verifying by head; on approve -> done by head }\n"
    "  state suspended { clock paused; on resume -> processing by head }\n"
    "  state held { clock stopped; on resume -> processing by head }\n"
    "  state done { final; outcome granted } }\n";

typedef struct ext_fx {
    fx f; /* first: the helpers above take it */
} ext_fx;

static int ext_setup(void **state)
{
    ext_fx *x = calloc(1, sizeof *x);
    char *diags;
    if (tu_load(ext_catalogue_text, &x->f.cat, &diags) != 0) {
        fail_msg("%s", diags);
    }
    free(diags);
    assert_int_equal(mc_engine_open(&x->f.e, x->f.cat, NULL, tu_db(), NULL), 0);
    x->f.vn = mc_catalogue_calendar(x->f.cat, "vn");
    *state = x;
    return 0;
}

static int ext_teardown(void **state)
{
    ext_fx *x = *state;
    mc_engine_close(x->f.e);
    mc_catalogue_free(x->f.cat);
    free(x);
    return 0;
}

/* A dossier of procedure p received on Monday 14 July 2025 at 10:00 (due Thursday 17 July). */
static int64_t ext_received(fx *f, const char *p, const char *needs)
{
    mc_kv fields[] = {{"needs", needs}};
    mc_submit s = {.procedure = p,
                   .fields = fields,
                   .nfields = needs ? 1 : 0,
                   .now = at(f, "2025-07-14T09:00")};
    mc_result res;
    mc_error err;
    if (mc_engine_submit(f->e, &s, &res, &err) != 0) {
        fail_msg("submit: %s %s", res.message, err.msg);
    }
    assert_int_equal(fire(f, res.dossier, "receive", "clerk", "2025-07-14T10:00", &res), 0);
    expect(f, res.dossier, "2025-07-14T10:00", "processing", "2025-07-17T17:00", false);
    return res.dossier;
}

static void test_engine__an_extension_lands_on_the_nth_working_day_after_the_due_day(void **state)
{
    fx *f = *state;
    mc_result res;
    /* The workaround of issue 16: paused on the due day with 0 days left, the timer fires at
     * the end of Thursday 24 July, and the resumed clock counts from the next working day. */
    int64_t old = ext_received(f, "workaround", NULL);
    assert_int_equal(fire(f, old, "verify", "head", "2025-07-17T09:00", &res), 0);
    expect(f, old, "2025-07-25T08:00", "processing", "2025-07-25T17:00", false);
    /* The extension: the 5th working day after Thursday 17 July, weekend skipped. */
    int64_t id = ext_received(f, "recognition", NULL);
    assert_int_equal(fire(f, id, "verify", "head", "2025-07-17T09:00", &res), 0);
    expect(f, id, "2025-07-17T09:00", "verifying", "2025-07-24T17:00", false);
    mc_dossier d;
    assert_int_equal(mc_engine_get(f->e, id, at(f, "2025-07-17T09:00"), &d, NULL), 0);
    char t[17];
    fmt(f, d.original_due, t);
    assert_string_equal(t, "2025-07-17T17:00");
    assert_int_equal(d.extensions_used[0], 1);
    assert_int_equal(d.extensions_used[1], 0);
    mc_dossier_free(&d);
    /* The event records the extension with the old and new due instants. */
    struct last_body lb = {NULL};
    mc_store_event_each(mc_engine_store(f->e), id, keep_last_body, &lb, NULL);
    char want[300];
    snprintf(want, sizeof want,
             "\"extension\":{\"at_most\":2,\"days\":5,\"legal_basis\":[\"Law on Civil Status "
             "2014, art. 25(2)\"],\"name\":\"verification\",\"new_due\":%lld,\"old_due\":%lld,"
             "\"time\":1}",
             (long long)at(f, "2025-07-24T17:00"), (long long)at(f, "2025-07-17T17:00"));
    if (strstr(lb.body, want) == NULL) {
        fail_msg("event body %s lacks %s", lb.body, want);
    }
    free(lb.body);
    /* On time against the extended date. */
    assert_int_equal(fire(f, id, "approve", "head", "2025-07-24T16:59", &res), 0);
    assert_int_equal(mc_engine_get(f->e, id, at(f, "2025-07-25T09:00"), &d, NULL), 0);
    assert_int_equal(d.late, 0);
    mc_dossier_free(&d);
}

static void test_engine__an_extension_is_refused_when_not_allowed(void **state)
{
    fx *f = *state;
    mc_result res;
    int64_t id = ext_received(f, "recognition", NULL);
    /* The transition allows the clerk; the extension does not. */
    assert_int_equal(fire(f, id, "verify", "clerk", "2025-07-15T09:00", &res), MC_EREFUSED);
    assert_int_equal(res.refusal, MC_REFUSED_ROLE);
    assert_string_equal(res.message, "role 'clerk' may not extend the time limit ('verify' fires "
                                     "extension 'verification': head may)");
    assert_int_equal(fire(f, id, "verify", "head", "2025-07-15T09:00", &res), 0);
    assert_int_equal(fire(f, id, "verify", "head", "2025-07-15T10:00", &res), 0);
    expect(f, id, "2025-07-15T10:00", "verifying", "2025-07-31T17:00", false);
    assert_int_equal(fire(f, id, "verify", "head", "2025-07-15T11:00", &res), MC_EREFUSED);
    assert_int_equal(res.refusal, MC_REFUSED_GUARD);
    assert_string_equal(res.message,
                        "extension 'verification' was used 2 times already: at most 2");
    /* A condition that does not hold. */
    int64_t c = ext_received(f, "recognition", "false");
    assert_int_equal(fire(f, c, "check", "head", "2025-07-15T09:00", &res), MC_EREFUSED);
    assert_int_equal(res.refusal, MC_REFUSED_GUARD);
    assert_string_equal(res.message,
                        "extension 'conditional' is not allowed now: its condition does not hold");
    /* No running deadline after the transition. */
    int64_t h = ext_received(f, "recognition", NULL);
    assert_int_equal(fire(f, h, "hold", "head", "2025-07-15T09:00", &res), MC_EREFUSED);
    assert_int_equal(res.refusal, MC_REFUSED_GUARD);
    char want[200];
    snprintf(want, sizeof want,
             "extension 'hold' needs a running deadline, and dossier %lld would have none in "
             "state 'held'",
             (long long)h);
    assert_string_equal(res.message, want);
    /* Past the due instant: too late to extend. */
    int64_t o = ext_received(f, "recognition", NULL);
    assert_int_equal(fire(f, o, "verify", "head", "2025-07-18T09:00", &res), MC_EREFUSED);
    assert_int_equal(res.refusal, MC_REFUSED_GUARD);
    snprintf(want, sizeof want,
             "dossier %lld is overdue since 2025-07-17T17:00: a time limit is extended only "
             "before it expires",
             (long long)o);
    assert_string_equal(res.message, want);
    expect(f, o, "2025-07-18T09:00", "processing", "2025-07-17T17:00", true);
    /* A closed dossier. */
    assert_int_equal(fire(f, id, "approve", "head", "2025-07-16T09:00", &res), 0);
    assert_int_equal(fire(f, id, "verify", "head", "2025-07-16T10:00", &res), MC_EREFUSED);
    assert_int_equal(res.refusal, MC_REFUSED_STATE);
}

static void test_engine__an_extension_while_paused_adds_working_days_left(void **state)
{
    fx *f = *state;
    mc_result res;
    int64_t id = ext_received(f, "recognition", NULL);
    /* Paused on Monday 14 July: 3 working days left, 5 with the extension. */
    assert_int_equal(fire(f, id, "suspend", "head", "2025-07-14T11:00", &res), 0);
    expect(f, id, "2025-07-14T11:00", "suspended", "none", false);
    assert_int_equal(fire(f, id, "resume", "head", "2025-07-21T09:00", &res), 0);
    /* Resumed Monday 21 July: 5 working days, Monday 28 July; alone it was Thursday 24. */
    expect(f, id, "2025-07-21T09:00", "processing", "2025-07-28T17:00", false);
    mc_dossier d;
    assert_int_equal(mc_engine_get(f->e, id, at(f, "2025-07-21T09:00"), &d, NULL), 0);
    char t[17];
    fmt(f, d.original_due, t);
    assert_string_equal(t, "2025-07-24T17:00");
    mc_dossier_free(&d);
}

static void test_engine__an_extension_with_a_request_id_is_fired_once(void **state)
{
    fx *f = *state;
    int64_t id = ext_received(f, "recognition", NULL);
    mc_fire fi = MC_FIRE_INIT;
    fi.dossier = id;
    fi.event = "verify";
    fi.role = "head";
    fi.now = at(f, "2025-07-15T09:00");
    fi.request_id = "verify-1";
    mc_result res;
    assert_int_equal(mc_engine_fire(f->e, &fi, &res, NULL), 0);
    assert_false(res.replayed);
    fi.now = at(f, "2025-07-15T09:05");
    assert_int_equal(mc_engine_fire(f->e, &fi, &res, NULL), 0);
    assert_true(res.replayed);
    expect(f, id, "2025-07-15T10:00", "verifying", "2025-07-24T17:00", false);
    mc_dossier d;
    assert_int_equal(mc_engine_get(f->e, id, at(f, "2025-07-15T10:00"), &d, NULL), 0);
    assert_int_equal(d.extensions_used[0], 1);
    mc_dossier_free(&d);
}

/* Submits, receives and extends a dossier of `recognition` on a fresh engine, then reads it;
 * 0, or the first error. */
static int extend_operations(void *ud)
{
    fx *f = ud;
    mc_engine *e;
    /* The sweep is about the engine's allocations: SQLite in memory on every pass. */
    int rc = mc_engine_open(&e, f->cat, NULL, ":memory:", NULL);
    if (rc != 0) {
        return rc;
    }
    mc_submit s = {.procedure = "recognition", .now = at(f, "2025-07-14T09:00")};
    mc_result res;
    rc = mc_engine_submit(e, &s, &res, NULL);
    const char *const steps[][3] = {{"receive", "clerk", "2025-07-14T10:00"},
                                    {"verify", "head", "2025-07-15T09:00"}};
    for (size_t i = 0; rc == 0 && i < 2; i++) {
        mc_fire fi = MC_FIRE_INIT;
        fi.dossier = res.dossier;
        fi.event = steps[i][0];
        fi.role = steps[i][1];
        fi.now = at(f, steps[i][2]);
        rc = mc_engine_fire(e, &fi, &res, NULL);
        if (rc == 0) {
            assert_int_equal(res.refusal, MC_REFUSED_NONE);
        }
    }
    mc_dossier d;
    if (rc == 0 && (rc = mc_engine_get(e, res.dossier, at(f, "2025-07-15T10:00"), &d, NULL)) == 0) {
        char t[17];
        fmt(f, d.due, t);
        assert_string_equal(t, "2025-07-24T17:00");
        assert_int_equal(d.extensions_used[0], 1);
        mc_dossier_free(&d);
    }
    mc_engine_close(e);
    return rc;
}

static void test_engine__an_extension_out_of_memory_sweep(void **state)
{
    ext_fx *x = *state;
    assert_true(tu_oom_sweep(extend_operations, &x->f, false) > 10);
}

static int no_records(void *ud, const char *registry, const char *document, const char *subject,
                      char *ref, size_t refsz)
{
    (void)ud, (void)registry, (void)document, (void)subject, (void)ref, (void)refsz;
    return 0;
}

/* The simulator asks mc_live_allows before it fires: an event whose extension the dossier may
 * not have (past its due instant) is not allowed, one it may have is; and an event decided
 * before the due instant but fired after it (the time spent in the state) is not allowed
 * either, since the engine would refuse the extension of an overdue dossier then. */
static void test_engine__a_live_dossier_allows_an_extension_only_before_the_due(void **state)
{
    ext_fx *x = *state;
    fx *f = &x->f;
    mc_engine *e;
    assert_int_equal(mc_engine_open_volatile(&e, f->cat, NULL, no_records, NULL, NULL), 0);
    mc_live *lv;
    assert_int_equal(mc_live_new(&lv), 0);
    mc_submit s = {.procedure = "recognition", .now = at(f, "2025-07-14T09:00")};
    mc_result res;
    assert_int_equal(mc_live_submit(e, lv, &s, &res, NULL), 0);
    mc_fire fi = MC_FIRE_INIT;
    fi.event = "receive";
    fi.role = "clerk";
    fi.now = at(f, "2025-07-14T10:00");
    assert_int_equal(mc_live_fire(e, lv, &fi, &res, NULL), 0);
    const mc_procedure *p = mc_catalogue_procedure(f->cat, "recognition", 0);
    const mc_state *processing = p->machine.states[1];
    assert_string_equal(processing->on[0].event, "verify");
    bool allowed;
    const mc_transition *verify = &processing->on[0], *approve = &processing->on[1];
    /* Due 2025-07-17T17:00: fired on the due instant, the extension is still allowed. */
    assert_int_equal(mc_live_allows(e, lv, verify, at(f, "2025-07-15T09:00"), &allowed, &res, NULL),
                     0);
    assert_true(allowed);
    assert_int_equal(mc_live_allows(e, lv, verify, at(f, "2025-07-17T17:00"), &allowed, &res, NULL),
                     0);
    assert_true(allowed);
    /* Decided on the 15th, fired on the 18th: overdue by then, so not allowed; and the engine
     * does refuse it then (what the simulator used to warn about). */
    assert_int_equal(mc_live_allows(e, lv, verify, at(f, "2025-07-18T09:00"), &allowed, &res, NULL),
                     0);
    assert_false(allowed);
    assert_int_equal(
        mc_live_allows(e, lv, approve, at(f, "2025-07-18T09:00"), &allowed, &res, NULL), 0);
    assert_true(allowed); /* approve fires no extension */
    fi.event = "verify";
    fi.role = "head";
    fi.now = at(f, "2025-07-18T09:00");
    assert_int_equal(mc_live_fire(e, lv, &fi, &res, NULL), MC_EREFUSED);
    assert_int_equal(res.refusal, MC_REFUSED_GUARD);
    /* Once overdue, not allowed whenever it would fire. */
    assert_int_equal(mc_live_allows(e, lv, verify, at(f, "2025-07-18T09:00"), &allowed, &res, NULL),
                     0);
    assert_false(allowed);
    mc_live_free(lv);
    mc_engine_close(e);
}

/* ==== fee schedules and validity (issue 16) =============================================== */

static const char fees_text[] =
    "calendar vn { default; holiday 2027-01-01 \"New Year\" }\n"
    "role clerk\n"
    "document form\ndocument status-certificate { valid 6 months }\n"
    "registry civil { holds status-certificate }\n"
    "fee-schedule copy-fee {\n"
    "  amount 8000 VND from 2025-01-01 legal-basis \"Resolution 12/2024\"\n"
    "  amount 10000 VND from 2027-01-01 legal-basis \"Resolution 30/2026\"\n"
    "  exempt when poor\n"
    "  reduced 50% when kind is student }\n"
    "procedure copy { time-limit 3wd; subject id; fee schedule copy-fee\n"
    "  field id { type text; required }\n"
    "  field poor { type bool }\n"
    "  field kind { type choice; options student other }\n"
    "  requires form\n"
    "  requires status-certificate\n"
    "  state open { initial; on close -> closed by clerk }\n"
    "  state closed { final; outcome granted } }\n"
    "procedure by-rule { time-limit 3wd; fee rule fees.copies\n"
    "  field copies { type integer }\n"
    "  state open { initial; on close -> closed by clerk }\n"
    "  state closed { final; outcome granted } }\n"
    "procedure by-bad-rule { time-limit 3wd; fee rule fees.unknown\n"
    "  state open { initial; on close -> closed by clerk }\n"
    "  state closed { final; outcome granted } }\n";

static const char fees_lua[] =
    "function copies(d) return (d.fields.copies or 1) * fees.amount('copy-fee') end\n"
    "function unknown(d) return fees.amount('no-such-fee') end\n";

typedef struct fee_fx {
    mc_catalogue *cat;
    mc_rules *rules;
    mc_engine *e;
} fee_fx;

static void open_fees(fee_fx *f)
{
    char *diags;
    assert_int_equal(tu_load(fees_text, &f->cat, &diags), 0);
    free(diags);
    assert_int_equal(mc_rules_new(&f->rules, NULL, NULL), 0);
    assert_int_equal(mc_rules_load_buffer(f->rules, "fees", "rules/fees.lua", fees_lua,
                                          sizeof fees_lua - 1, NULL, NULL),
                     0);
    assert_int_equal(mc_engine_open(&f->e, f->cat, f->rules, tu_db(), NULL), 0);
}

static void close_fees(fee_fx *f)
{
    mc_engine_close(f->e);
    mc_rules_free(f->rules);
    mc_catalogue_free(f->cat);
}

/* Submits procedure with fields at local time t (calendar vn, UTC+7); returns the result. */
static int submit_fee(fee_fx *f, const char *procedure, const mc_kv *fields, size_t n,
                      const char *t, mc_result *res)
{
    mc_datetime m;
    assert_int_equal(mc_value_datetime(t, strlen(t), &m, NULL, 0), 0);
    const char *attach[] = {"form"};
    mc_submit s = {.procedure = procedure,
                   .fields = fields,
                   .nfields = n,
                   .attach = attach,
                   .nattach = strcmp(procedure, "copy") == 0,
                   .channel = "online",
                   .now = (int64_t)m * 60 - 7 * 3600};
    mc_error err;
    return mc_engine_submit(f->e, &s, res, &err);
}

static int64_t fee_of_dossier(fee_fx *f, int64_t id)
{
    mc_dossier d;
    mc_error err;
    assert_int_equal(mc_engine_get(f->e, id, INT64_MAX / 2, &d, &err), 0);
    int64_t fee = d.fee;
    mc_dossier_free(&d);
    return fee;
}

static void test_engine__fee_schedule_charges_the_amount_in_force(void **state)
{
    (void)state;
    fee_fx f;
    open_fees(&f);
    mc_result res;
    mc_kv plain[] = {{"id", "001"}}, student[] = {{"id", "002"}, {"kind", "student"}},
          poor[] = {{"id", "003"}, {"poor", "true"}, {"kind", "student"}};
    /* the day before the change, in local time (UTC+7: 16:59 UTC on 31 December) */
    assert_int_equal(submit_fee(&f, "copy", plain, 1, "2026-12-31T23:59", &res), 0);
    assert_int_equal(fee_of_dossier(&f, res.dossier), 8000);
    assert_int_equal(submit_fee(&f, "copy", plain, 1, "2027-01-01T00:00", &res), 0);
    assert_int_equal(fee_of_dossier(&f, res.dossier), 10000);
    assert_int_equal(submit_fee(&f, "copy", student, 2, "2027-01-01T08:00", &res), 0);
    assert_int_equal(fee_of_dossier(&f, res.dossier), 5000);
    assert_int_equal(submit_fee(&f, "copy", poor, 3, "2027-01-01T08:00", &res), 0);
    assert_int_equal(fee_of_dossier(&f, res.dossier), 0);
    /* before the first amount: nothing in force, 0 */
    assert_int_equal(submit_fee(&f, "copy", plain, 1, "2024-12-31T08:00", &res), 0);
    assert_int_equal(fee_of_dossier(&f, res.dossier), 0);
    /* a fee rule reads the schedule on the day of submission */
    mc_kv three[] = {{"copies", "3"}};
    assert_int_equal(submit_fee(&f, "by-rule", three, 1, "2026-06-01T08:00", &res), 0);
    assert_int_equal(fee_of_dossier(&f, res.dossier), 24000);
    assert_int_equal(submit_fee(&f, "by-rule", three, 1, "2027-06-01T08:00", &res), 0);
    assert_int_equal(fee_of_dossier(&f, res.dossier), 30000);
    /* an unknown schedule, or none in force, raises: the submission is refused */
    assert_int_equal(submit_fee(&f, "by-bad-rule", NULL, 0, "2026-06-01T08:00", &res), MC_EREFUSED);
    assert_int_equal(res.refusal, MC_REFUSED_RULE); /* the rule raised: not a guard's "no" */
    assert_string_equal(mc_refusal_name(res.refusal), "rule");
    assert_string_equal(res.code, "rule.failed");
    assert_non_null(strstr(res.message, "fees.amount: unknown fee schedule 'no-such-fee'"));
    assert_int_equal(submit_fee(&f, "by-rule", three, 1, "2024-06-01T08:00", &res), MC_EREFUSED);
    assert_non_null(strstr(res.message,
                           "fees.amount: fee schedule 'copy-fee' has no amount in force on "
                           "2024-06-01"));
    close_fees(&f);
}

/* ==== parties (issue 16) ================================================================== */

static const char parties_text[] =
    "role clerk\n"
    "document form\ndocument death-certificate\ndocument extract\n"
    "registry civil { holds death-certificate extract; subjects \"[0-9]{3}\" }\n"
    "procedure status { time-limit 3wd; subject id\n"
    "  field id { type text; required }\n"
    "  field widowed { type bool }\n"
    "  field spouse-id { type text }\n"
    "  field child-id { type text }\n"
    "  party spouse { field spouse-id }\n"
    "  party child { field child-id }\n"
    "  requires form\n"
    "  requires death-certificate of spouse when widowed\n"
    "  state open { initial; on close -> closed by clerk when rule parties.named\n"
    "    on note -> open by clerk applicant }\n"
    "  state closed { final; outcome granted; issues extract to civil for applicant child } }\n";

static const char parties_lua[] =
    "function named(d)\n"
    "  local seen = ''\n"
    "  for name, id in pairs(d.parties) do seen = seen .. name .. '=' .. id .. ' ' end\n"
    "  if d.parties.spouse == nil then return false, 'no spouse: ' .. seen end\n"
    "  return true\n"
    "end\n";

static void open_parties(fee_fx *f)
{
    char *diags;
    assert_int_equal(tu_load(parties_text, &f->cat, &diags), 0);
    free(diags);
    assert_int_equal(mc_rules_new(&f->rules, NULL, NULL), 0);
    assert_int_equal(mc_rules_load_buffer(f->rules, "parties", "rules/parties.lua", parties_lua,
                                          sizeof parties_lua - 1, NULL, NULL),
                     0);
    assert_int_equal(mc_engine_open(&f->e, f->cat, f->rules, ":memory:", NULL), 0);
    mc_record_row rec = {"civil", "death-certificate", "222", "KT-1", NULL};
    assert_int_equal(mc_store_record_put(mc_engine_store(f->e), &rec, NULL), 0);
    mc_record_row mine = {"civil", "death-certificate", "111", "KT-0", NULL};
    assert_int_equal(mc_store_record_put(mc_engine_store(f->e), &mine, NULL), 0);
}

static int64_t submit_party(fee_fx *f, const mc_kv *fields, size_t n)
{
    const char *attach[] = {"form"};
    mc_submit s = {.procedure = "status",
                   .fields = fields,
                   .nfields = n,
                   .attach = attach,
                   .nattach = 1,
                   .channel = "counter",
                   .now = 1752458400}; /* 2025-07-14T09:00+07:00 */
    mc_result res;
    assert_int_equal(mc_engine_submit(f->e, &s, &res, NULL), 0);
    return res.dossier;
}

/* The requirement of death-certificate (the second) of dossier id. */
static void expect_death(fee_fx *f, int64_t id, mc_req_status want, const char *reason,
                         const char *record)
{
    mc_dossier d;
    assert_int_equal(mc_engine_get(f->e, id, 1752458400, &d, NULL), 0);
    assert_int_equal(d.requirements[1].status, want);
    if (reason == NULL) {
        assert_null(d.requirements[1].reason);
    } else {
        assert_string_equal(d.requirements[1].reason, reason);
    }
    if (record == NULL) {
        assert_null(d.requirements[1].record);
    } else {
        assert_string_equal(d.requirements[1].record, record);
    }
    mc_dossier_free(&d);
}

/* A requirement `of spouse` is looked up under the spouse's identifier, never the applicant's;
 * a dossier that names no spouse is asked it, with the reason and its message code. */
static void test_engine__a_party_record_is_looked_up_under_the_party(void **state)
{
    (void)state;
    fee_fx f;
    open_parties(&f);
    mc_kv named[] = {{"id", "111"}, {"widowed", "true"}, {"spouse-id", "222"}};
    expect_death(&f, submit_party(&f, named, 3), MC_REQ_FETCHED, NULL, "KT-1");
    /* the applicant's own record (KT-0) is not the spouse's */
    mc_kv other[] = {{"id", "111"}, {"widowed", "true"}, {"spouse-id", "333"}};
    expect_death(&f, submit_party(&f, other, 3), MC_REQ_ASKED, "not found in civil", NULL);
    mc_kv none[] = {{"id", "111"}, {"widowed", "true"}};
    int64_t id = submit_party(&f, none, 2);
    expect_death(&f, id, MC_REQ_ASKED, "the dossier names no spouse to look up in civil", NULL);
    mc_dossier d;
    assert_int_equal(mc_engine_get(f.e, id, 1752458400, &d, NULL), 0);
    assert_string_equal(d.requirements[1].reason_code, "once-only.no-party");
    assert_int_equal(d.requirements[1].nreason_args, 2);
    assert_string_equal(d.requirements[1].reason_args[0], "spouse");
    assert_string_equal(d.requirements[1].reason_args[1], "civil");
    mc_dossier_free(&d);
    /* an empty identifier names no one either */
    mc_kv empty[] = {{"id", "111"}, {"widowed", "true"}, {"spouse-id", ""}};
    expect_death(&f, submit_party(&f, empty, 3), MC_REQ_ASKED,
                 "the dossier names no spouse to look up in civil", NULL);
    mc_kv alive[] = {{"id", "111"}, {"spouse-id", "222"}};
    expect_death(&f, submit_party(&f, alive, 2), MC_REQ_NOT_REQUIRED, NULL, NULL);
    close_fees(&f);
}

/* Another party's identifier is the applicant's to give, not to change: an officer corrects
 * it, and the record is looked up again under the new one. */
static void test_engine__a_party_is_corrected_by_officers_only(void **state)
{
    (void)state;
    fee_fx f;
    open_parties(&f);
    mc_kv wrong[] = {{"id", "111"}, {"widowed", "true"}, {"spouse-id", "333"}};
    int64_t id = submit_party(&f, wrong, 3);
    mc_kv fix[] = {{"spouse-id", "222"}};
    mc_fire fi = MC_FIRE_INIT;
    fi.dossier = id;
    fi.event = "note";
    fi.role = "applicant";
    fi.now = 1752462000;
    fi.payload.set = fix;
    fi.payload.nset = 1;
    mc_result res;
    assert_int_equal(mc_engine_fire(f.e, &fi, &res, NULL), MC_EREFUSED);
    assert_int_equal(res.refusal, MC_REFUSED_ROLE);
    assert_string_equal(res.message, "role 'applicant' may not change the spouse of dossier 1 "
                                     "(field 'spouse-id'); an officer may correct it");
    assert_string_equal(res.code, "party.applicant");
    expect_death(&f, id, MC_REQ_ASKED, "not found in civil", NULL);
    fi.role = "clerk";
    assert_int_equal(mc_engine_fire(f.e, &fi, &res, NULL), 0);
    expect_death(&f, id, MC_REQ_FETCHED, NULL, "KT-1");
    /* corrected again: what was fetched for the former spouse is looked up anew */
    mc_kv back[] = {{"spouse-id", "333"}};
    fi.payload.set = back;
    assert_int_equal(mc_engine_fire(f.e, &fi, &res, NULL), 0);
    expect_death(&f, id, MC_REQ_ASKED, "not found in civil", NULL);
    close_fees(&f);
}

static int count_result(void *ud, const mc_record_row *rec)
{
    (void)rec;
    (*(int64_t *)ud)++;
    return 0;
}

/* `issues … for applicant child` files the record under each party the dossier names (and
 * whose identifier the registry's `subjects` takes); rules read d.parties. */
static void test_engine__a_result_is_issued_under_each_party(void **state)
{
    (void)state;
    fee_fx f;
    open_parties(&f);
    mc_store *st = mc_engine_store(f.e);
    mc_kv both[] = {{"id", "444"}, {"spouse-id", "555"}, {"child-id", "666"}};
    int64_t id = submit_party(&f, both, 3);
    mc_fire fi = MC_FIRE_INIT;
    fi.dossier = id;
    fi.event = "close";
    fi.role = "clerk";
    fi.now = 1752462000;
    mc_result res;
    assert_int_equal(mc_engine_fire(f.e, &fi, &res, NULL), 0);
    char ref[32];
    assert_int_equal(mc_store_record_get(st, "civil", "extract", "444", ref, sizeof ref, NULL), 1);
    assert_string_equal(ref, "MC-1");
    assert_int_equal(mc_store_record_get(st, "civil", "extract", "666", ref, sizeof ref, NULL), 1);
    assert_int_equal(mc_store_record_get(st, "civil", "extract", "555", ref, sizeof ref, NULL), 0);
    /* one result, filed under two persons: the indicators count it once */
    int64_t results = 0;
    assert_int_equal(
        mc_store_results_issued(st, "2025-07-14", "2025-07-14", count_result, &results, NULL), 0);
    assert_int_equal(results, 1);
    /* no child named; a child the registry's subjects refuse */
    mc_kv alone[] = {{"id", "777"}, {"spouse-id", "555"}};
    fi.dossier = submit_party(&f, alone, 2);
    assert_int_equal(mc_engine_fire(f.e, &fi, &res, NULL), 0);
    assert_int_equal(mc_store_record_get(st, "civil", "extract", "777", ref, sizeof ref, NULL), 1);
    mc_kv odd[] = {{"id", "888"}, {"spouse-id", "555"}, {"child-id", "12"}};
    fi.dossier = submit_party(&f, odd, 3);
    assert_int_equal(mc_engine_fire(f.e, &fi, &res, NULL), 0);
    assert_int_equal(mc_store_record_get(st, "civil", "extract", "888", ref, sizeof ref, NULL), 1);
    assert_int_equal(mc_store_record_get(st, "civil", "extract", "12", ref, sizeof ref, NULL), 0);
    /* the guard reads d.parties: pairs lists the named ones, a missing one is nil */
    mc_kv nobody[] = {{"id", "999"}, {"child-id", "123"}};
    fi.dossier = submit_party(&f, nobody, 2);
    assert_int_equal(mc_engine_fire(f.e, &fi, &res, NULL), MC_EREFUSED);
    assert_int_equal(res.refusal, MC_REFUSED_GUARD);
    assert_non_null(strstr(res.message, "no spouse: applicant=999 child=123 "));
    close_fees(&f);
}

/* Out of memory at every allocation of a submission that reads another party's record, an
 * officer's correction of that party, and a logged read of the dossier. */
static int party_operations(void *ud)
{
    fee_fx *f = ud;
    mc_kv named[] = {{"id", "111"}, {"widowed", "true"}, {"spouse-id", "333"}};
    const char *attach[] = {"form"};
    mc_submit s = {.procedure = "status",
                   .fields = named,
                   .nfields = 3,
                   .attach = attach,
                   .nattach = 1,
                   .now = 1752458400};
    mc_result res;
    int rc = mc_engine_submit(f->e, &s, &res, NULL);
    mc_kv fix[] = {{"spouse-id", "222"}};
    mc_fire fi = MC_FIRE_INIT;
    fi.dossier = res.dossier;
    fi.event = "note";
    fi.role = "clerk";
    fi.now = 1752462000;
    fi.payload.set = fix;
    fi.payload.nset = 1;
    if (rc == 0) {
        rc = mc_engine_fire(f->e, &fi, &res, NULL);
    }
    mc_access a = {1752462000, "officer-1", "cli show", res.dossier, NULL, NULL, NULL, NULL, NULL};
    if (rc == 0) {
        rc = mc_engine_log_access(f->e, &a, NULL);
    }
    return rc;
}

static void test_engine__parties_out_of_memory_sweep(void **state)
{
    (void)state;
    fee_fx f;
    open_parties(&f);
    assert_true(tu_oom_sweep(party_operations, &f, false) > 20);
    close_fees(&f);
}

typedef struct party_reads {
    char text[1024];
} party_reads;

static int collect_read(void *ud, int64_t seq, const mc_access *a)
{
    party_reads *r = ud;
    size_t n = strlen(r->text);
    snprintf(r->text + n, sizeof r->text - n, "%lld %s %s %lld %s %s\n", (long long)seq, a->actor,
             a->route, (long long)a->dossier, a->registry ? a->registry : "-",
             a->party ? a->party : "-");
    return 0;
}

/* The access log names the party of a read: the look-up of the spouse's record by the once-only
 * rule, and a read of the dossier, which holds the spouse's identifier too. */
static void test_engine__the_access_log_names_the_party(void **state)
{
    (void)state;
    fee_fx f;
    open_parties(&f);
    mc_kv named[] = {{"id", "111"}, {"widowed", "true"}, {"spouse-id", "222"}};
    int64_t id = submit_party(&f, named, 3);
    mc_access a = {1752462000, "officer-1", "cli show", id, NULL, NULL, NULL, NULL, NULL};
    assert_int_equal(mc_engine_log_access(f.e, &a, NULL), 0);
    party_reads spouse = {""}, applicant = {""}, child = {""};
    mc_store *st = mc_engine_store(f.e);
    assert_int_equal(mc_access_each(st, "222", collect_read, &spouse, NULL), 0);
    assert_string_equal(spouse.text, "1 applicant once-only 1 civil spouse\n"
                                     "2 officer-1 cli show 1 - spouse\n");
    assert_int_equal(mc_access_each(st, "111", collect_read, &applicant, NULL), 0);
    assert_string_equal(applicant.text, "1 officer-1 cli show 1 - -\n");
    assert_int_equal(mc_access_each(st, "666", collect_read, &child, NULL), 0);
    assert_string_equal(child.text, ""); /* no child named: no read of anyone's */
    close_fees(&f);
}

/* A read of a dossier the caller holds already (the API's GET) logs the same entries from the
 * loaded dossier, without loading it again; a read that names another dossier is refused. */
static void test_engine__a_loaded_dossier_logs_its_parties(void **state)
{
    (void)state;
    fee_fx f;
    open_parties(&f);
    mc_kv named[] = {{"id", "111"}, {"widowed", "true"}, {"spouse-id", "222"}};
    int64_t id = submit_party(&f, named, 3);
    mc_dossier d;
    mc_error err;
    assert_int_equal(mc_engine_get(f.e, id, 1752462000, &d, &err), 0);
    mc_access a = {1752462000, "officer-1", "GET /api/dossiers/{id}", id, NULL, NULL, NULL,
                   NULL,       NULL};
    assert_int_equal(mc_engine_log_read(f.e, &a, &d, &err), 0);
    mc_access other = a;
    other.dossier = id + 1;
    assert_int_equal(mc_engine_log_read(f.e, &other, &d, &err), MC_EUSAGE);
    mc_dossier_free(&d);
    party_reads spouse = {""}, applicant = {""};
    mc_store *st = mc_engine_store(f.e);
    assert_int_equal(mc_access_each(st, "222", collect_read, &spouse, NULL), 0);
    assert_string_equal(spouse.text, "1 applicant once-only 1 civil spouse\n"
                                     "2 officer-1 GET /api/dossiers/{id} 1 - spouse\n");
    assert_int_equal(mc_access_each(st, "111", collect_read, &applicant, NULL), 0);
    assert_string_equal(applicant.text, "1 officer-1 GET /api/dossiers/{id} 1 - -\n");
    close_fees(&f);
}

static void put_record(fee_fx *f, const char *subject, const char *issued)
{
    mc_record_row rec = {"civil", "status-certificate", subject, "XN-1", issued};
    mc_error err;
    assert_int_equal(mc_store_record_put(mc_engine_store(f->e), &rec, &err), 0);
}

/* The status and reason of the status certificate of a dossier submitted at t. */
static void expect_certificate(fee_fx *f, const char *subject, const char *t, mc_req_status want,
                               const char *reason)
{
    mc_kv fields[] = {{"id", subject}};
    mc_result res;
    assert_int_equal(submit_fee(f, "copy", fields, 1, t, &res), 0);
    mc_dossier d;
    mc_error err;
    assert_int_equal(mc_engine_get(f->e, res.dossier, INT64_MAX / 2, &d, &err), 0);
    assert_int_equal(d.requirements[1].status, want);
    if (reason == NULL) {
        assert_null(d.requirements[1].reason);
    } else {
        assert_string_equal(d.requirements[1].reason, reason);
    }
    mc_dossier_free(&d);
}

static void test_engine__an_expired_record_is_asked_with_the_reason(void **state)
{
    (void)state;
    fee_fx f;
    open_fees(&f);
    put_record(&f, "001", "2026-01-15");
    expect_certificate(&f, "001", "2026-07-14T16:00", MC_REQ_FETCHED, NULL);
    expect_certificate(&f, "001", "2026-07-15T08:00", MC_REQ_ASKED,
                       "the record XN-1 in civil expired on 2026-07-15 (issued 2026-01-15, valid "
                       "6 months)");
    /* a record without an issue date, or with a malformed one, stays valid */
    put_record(&f, "002", NULL);
    expect_certificate(&f, "002", "2040-01-01T08:00", MC_REQ_FETCHED, NULL);
    put_record(&f, "003", "15/01/2026");
    expect_certificate(&f, "003", "2040-01-01T08:00", MC_REQ_FETCHED, NULL);
    /* a record missing altogether keeps its reason */
    expect_certificate(&f, "004", "2026-07-15T08:00", MC_REQ_ASKED, "not found in civil");
    close_fees(&f);
}

/* ---- deployments (issue 19) ---- */

/* A catalogue of one procedure in two versions over a shared lifecycle; the new catalogues of
 * the deployment tests change it. */
static const char deploy_v1[] =
    "role clerk\n"
    "lifecycle l { state s { initial; on go -> t by clerk; on end -> z by clerk }\n"
    "  state t { on end -> z by clerk }\n state z { final } }\n"
    "procedure p { effective 2025-01-01; time-limit 1wd; lifecycle l; subject id\n"
    "  field id { type text } }\n";

typedef struct deploy_seen {
    int n, nbreaking;
    int64_t dossier[4];
    mc_deploy_kind kind[4];
    char message[4][400];
    int stop_at; /* return non-zero at this call (1-based); 0 never */
} deploy_seen;

static int deploy_collect(void *ud, const mc_deploy_problem *p)
{
    deploy_seen *s = ud;
    s->nbreaking += p->breaking;
    if (s->n < 4) {
        s->dossier[s->n] = p->dossier;
        s->kind[s->n] = p->kind;
        snprintf(s->message[s->n], sizeof s->message[0], "%s", p->message);
    }
    s->n++;
    return s->n == s->stop_at ? 7 : 0;
}

static mc_catalogue *deploy_load(const char *text)
{
    mc_catalogue *cat;
    char *diags;
    if (tu_load(text, &cat, &diags) != 0) {
        fail_msg("load: %s", diags);
    }
    free(diags);
    return cat;
}

/* Three dossiers on version 2025-01-01: one in s, one in t, one final, each submitted with its
 * procedure text stored (schema version 8). A catalogue whose version moved on, or whose shared
 * lifecycle lost state t, breaks neither open one: each is listed, not breaking, and runs on
 * its stored text (the engine on that catalogue answers it, and fires the transition the old
 * lifecycle has); one whose roles no longer let the stored text compile breaks both; the
 * catalogue in use names none; a callback's non-zero stops the walk and is returned. */
static void test_engine__deploy_check_names_the_dossiers_a_catalogue_breaks(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "/tmp/motcua-deploy-%d.db", (int)getpid());
    unlink(path);
    mc_catalogue *v1 = deploy_load(deploy_v1);
    mc_engine *e;
    assert_int_equal(mc_engine_open(&e, v1, NULL, path, NULL), 0);
    mc_datetime m;
    assert_int_equal(mc_value_datetime("2025-07-03T09:00", 16, &m, NULL, 0), 0);
    int64_t now = mc_calendar_to_utc(mc_catalogue_default_calendar(v1), (mc_localtime)m * 60);
    mc_kv id[] = {{"id", "001"}};
    int64_t ids[3];
    for (int i = 0; i < 3; i++) {
        mc_submit sub = {.procedure = "p", .fields = id, .nfields = 1, .now = now};
        mc_result res;
        assert_int_equal(mc_engine_submit(e, &sub, &res, NULL), 0);
        ids[i] = res.dossier;
    }
    const char *events[3] = {NULL, "go", "end"};
    for (int i = 1; i < 3; i++) {
        mc_fire fi = MC_FIRE_INIT;
        fi.dossier = ids[i];
        fi.event = events[i];
        fi.role = "clerk";
        fi.now = now + 60;
        mc_result res;
        assert_int_equal(mc_engine_fire(e, &fi, &res, NULL), 0);
    }

    deploy_seen seen = {0};
    int64_t nopen = -1;
    mc_error err;
    assert_int_equal(
        mc_engine_deploy_check(mc_engine_store(e), v1, NULL, deploy_collect, &seen, &nopen, &err),
        0);
    assert_int_equal(seen.n, 0);
    assert_int_equal(nopen, 2);

    mc_catalogue *moved = deploy_load(
        "role clerk\n"
        "lifecycle l { state s { initial; on go -> t by clerk; on end -> z by clerk }\n"
        "  state t { on end -> z by clerk }\n state z { final } }\n"
        "procedure p { effective 2025-06-01; time-limit 1wd; lifecycle l; subject id\n"
        "  field id { type text } }\n");
    assert_int_equal(
        mc_engine_deploy_check(mc_engine_store(e), moved, NULL, deploy_collect, &seen, NULL, &err),
        0);
    assert_int_equal(seen.n, 2);
    assert_int_equal(seen.nbreaking, 0);
    assert_int_equal(seen.dossier[0], ids[0]);
    assert_int_equal(seen.dossier[1], ids[1]);
    assert_int_equal(seen.kind[0], MC_DEPLOY_VERSION_KEPT);
    assert_string_equal(seen.message[1], "dossier 2: procedure 'p' version '2025-01-01' is not "
                                         "in the catalogue: the dossier runs on its stored text "
                                         "(state 't')");

    mc_catalogue *lost = deploy_load(
        "role clerk\n"
        "lifecycle l { state s { initial; on end -> z by clerk }\n state z { final } }\n"
        "procedure p { effective 2025-01-01; time-limit 1wd; lifecycle l; subject id\n"
        "  field id { type text } }\n");
    memset(&seen, 0, sizeof seen);
    assert_int_equal(
        mc_engine_deploy_check(mc_engine_store(e), lost, NULL, deploy_collect, &seen, NULL, &err),
        0);
    assert_int_equal(seen.n, 2);
    assert_int_equal(seen.nbreaking, 0);
    assert_int_equal(seen.kind[1], MC_DEPLOY_TEXT_KEPT);
    assert_string_equal(seen.message[1], "dossier 2: procedure 'p' version '2025-01-01' changed "
                                         "in the catalogue: the dossier runs on its stored text "
                                         "(state 't')");

    /* The stored text says `by clerk`: without the role it no longer compiles. */
    mc_catalogue *norole = deploy_load(
        "role officer\n"
        "lifecycle l { state s { initial; on end -> z by officer }\n state z { final } }\n"
        "procedure p { effective 2025-06-01; time-limit 1wd; lifecycle l; subject id\n"
        "  field id { type text } }\n");
    memset(&seen, 0, sizeof seen);
    assert_int_equal(
        mc_engine_deploy_check(mc_engine_store(e), norole, NULL, deploy_collect, &seen, NULL, &err),
        0);
    assert_int_equal(seen.n, 2);
    assert_int_equal(seen.nbreaking, 2);
    assert_int_equal(seen.kind[0], MC_DEPLOY_TEXT_BROKEN);
    assert_non_null(strstr(seen.message[0], "dossier 1: procedure 'p' version '2025-01-01': the "
                                            "text the dossier runs on no longer compiles against "
                                            "the catalogue (stored text "));
    assert_non_null(strstr(seen.message[0], "unknown role 'clerk'"));

    memset(&seen, 0, sizeof seen);
    seen.stop_at = 1;
    assert_int_equal(
        mc_engine_deploy_check(mc_engine_store(e), moved, NULL, deploy_collect, &seen, NULL, &err),
        7);
    assert_int_equal(seen.n, 1);

    /* The engines on the new catalogues run the dossiers on their stored text. */
    mc_engine *e2;
    assert_int_equal(mc_engine_open(&e2, moved, NULL, path, NULL), 0);
    mc_dossier d;
    assert_int_equal(mc_engine_get(e2, ids[0], now + 120, &d, &err), 0);
    assert_string_equal(d.state->name, "s");
    mc_dossier_free(&d);
    mc_engine_close(e2);
    assert_int_equal(mc_engine_open(&e2, lost, NULL, path, NULL), 0);
    assert_int_equal(mc_engine_get(e2, ids[1], now + 120, &d, &err), 0);
    mc_dossier_free(&d);
    mc_fire fi = MC_FIRE_INIT;
    fi.dossier = ids[0];
    fi.event = "go"; /* gone from the catalogue's lifecycle, not from the dossier's */
    fi.role = "clerk";
    fi.now = now + 180;
    mc_result res;
    assert_int_equal(mc_engine_fire(e2, &fi, &res, &err), 0);

    mc_engine_close(e2);
    assert_int_equal(mc_engine_open(&e2, norole, NULL, path, NULL), 0);
    assert_int_equal(mc_engine_get(e2, ids[1], now + 120, &d, &err), MC_EGONE);
    assert_non_null(strstr(err.msg, "dossier 2 uses procedure 'p' version '2025-01-01', which "
                                    "the catalogue can no longer run: its procedure text no "
                                    "longer compiles: "));
    assert_string_equal(err.msg_code, "dossier.procedure-broken");
    const char *args[MC_MSG_MAXARGS];
    assert_int_equal(mc_error_args(&err, args, MC_MSG_MAXARGS), 4);
    assert_non_null(strstr(args[3], "its procedure text no longer compiles: "));
    mc_engine_close(e2);

    mc_engine_close(e);
    mc_catalogue_free(norole);
    mc_catalogue_free(lost);
    mc_catalogue_free(moved);
    mc_catalogue_free(v1);
    unlink(path);
}

/* A dossier from before schema version 8 (its data names no text) runs on the catalogue as
 * before: a catalogue without its version, or its state, breaks it, and the engine answers
 * MC_EGONE with a sentence (it was MC_EIO, the API's 500). */
static void test_engine__deploy_check_without_stored_texts(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "/tmp/motcua-deploy7-%d.db", (int)getpid());
    unlink(path);
    mc_catalogue *v1 = deploy_load(deploy_v1);
    mc_engine *e;
    assert_int_equal(mc_engine_open(&e, v1, NULL, path, NULL), 0);
    mc_datetime m;
    assert_int_equal(mc_value_datetime("2025-07-03T09:00", 16, &m, NULL, 0), 0);
    int64_t now = mc_calendar_to_utc(mc_catalogue_default_calendar(v1), (mc_localtime)m * 60);
    mc_kv id[] = {{"id", "001"}};
    int64_t ids[2];
    for (int i = 0; i < 2; i++) {
        mc_submit sub = {.procedure = "p", .fields = id, .nfields = 1, .now = now};
        mc_result res;
        assert_int_equal(mc_engine_submit(e, &sub, &res, NULL), 0);
        ids[i] = res.dossier;
    }
    mc_fire fi = MC_FIRE_INIT;
    fi.dossier = ids[1];
    fi.event = "go";
    fi.role = "clerk";
    fi.now = now + 60;
    mc_result res;
    assert_int_equal(mc_engine_fire(e, &fi, &res, NULL), 0);

    mc_engine_close(e);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "UPDATE dossier SET data = json_remove(data, '$.text_hash')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(mc_engine_open(&e, v1, NULL, path, NULL), 0);

    mc_catalogue *moved =
        deploy_load("role clerk\n"
                    "lifecycle l { state s { initial; on go -> t by clerk; on end -> z by clerk }\n"
                    "  state t { on end -> z by clerk }\n state z { final } }\n"
                    "procedure p { effective 2025-06-01; time-limit 1wd; lifecycle l; subject id\n"
                    "  field id { type text } }\n");
    deploy_seen seen = {0};
    mc_error err;
    assert_int_equal(
        mc_engine_deploy_check(mc_engine_store(e), moved, NULL, deploy_collect, &seen, NULL, &err),
        0);
    assert_int_equal(seen.n, 2);
    assert_int_equal(seen.nbreaking, 2);
    assert_int_equal(seen.kind[0], MC_DEPLOY_VERSION_GONE);
    assert_string_equal(seen.message[1], "dossier 2: procedure 'p' version '2025-01-01' is not "
                                         "in the catalogue (the dossier is open in state 't')");

    mc_catalogue *lost = deploy_load(
        "role clerk\n"
        "lifecycle l { state s { initial; on end -> z by clerk }\n state z { final } }\n"
        "procedure p { effective 2025-01-01; time-limit 1wd; lifecycle l; subject id\n"
        "  field id { type text } }\n");
    memset(&seen, 0, sizeof seen);
    assert_int_equal(
        mc_engine_deploy_check(mc_engine_store(e), lost, NULL, deploy_collect, &seen, NULL, &err),
        0);
    assert_int_equal(seen.n, 1);
    assert_int_equal(seen.kind[0], MC_DEPLOY_STATE_GONE);
    assert_string_equal(seen.message[0], "dossier 2: procedure 'p' version '2025-01-01' has no "
                                         "state 't', which the dossier is in");

    mc_engine *e2;
    assert_int_equal(mc_engine_open(&e2, moved, NULL, path, NULL), 0);
    mc_dossier d;
    assert_int_equal(mc_engine_get(e2, ids[0], now + 120, &d, &err), MC_EGONE);
    assert_string_equal(err.msg, "dossier 1 uses procedure 'p' version '2025-01-01', which the "
                                 "catalogue no longer has");
    const char *args[MC_MSG_MAXARGS];
    assert_string_equal(err.msg_code, "dossier.procedure-gone");
    assert_int_equal(mc_error_args(&err, args, MC_MSG_MAXARGS), 3);
    assert_string_equal(args[0], "1");
    assert_string_equal(args[2], "2025-01-01");
    mc_engine_close(e2);
    assert_int_equal(mc_engine_open(&e2, lost, NULL, path, NULL), 0);
    assert_int_equal(mc_engine_get(e2, ids[1], now + 120, &d, &err), MC_EGONE);
    assert_string_equal(err.msg, "dossier 2 is in state 't', which procedure 'p' no longer has");
    assert_string_equal(err.msg_code, "dossier.state-gone");
    assert_int_equal(mc_error_args(&err, args, MC_MSG_MAXARGS), 3);
    assert_string_equal(args[1], "t");
    assert_int_equal(mc_engine_get(e2, ids[0], now + 120, &d, &err), 0);
    mc_dossier_free(&d);
    mc_engine_close(e2);

    mc_engine_close(e);
    mc_catalogue_free(lost);
    mc_catalogue_free(moved);
    mc_catalogue_free(v1);
    unlink(path);
}

/* A holiday added to the calendar moves the due instant of a running clock (issue 19): the
 * deployment check lists it with the old and new instants, not breaking; an engine on the new
 * catalogue counts it again when the dossier is read, with a due-moved event; a clock that
 * started on the new calendar is not listed. */
static void test_engine__a_new_holiday_moves_running_due_instants(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "/tmp/motcua-due-%d.db", (int)getpid());
    unlink(path);
    static const char before[] =
        "role clerk\n"
        "calendar vn { default; hours 08:00-17:00 }\n"
        "lifecycle l { state s { initial; on go -> t by clerk }\n"
        "  state t { on end -> z by clerk }\n state z { final } }\n"
        "procedure p { effective 2025-01-01; time-limit 3wd; lifecycle l; subject id\n"
        "  field id { type text } }\n";
    mc_catalogue *v1 = deploy_load(before);
    mc_engine *e;
    assert_int_equal(mc_engine_open(&e, v1, NULL, path, NULL), 0);
    mc_datetime m;
    assert_int_equal(mc_value_datetime("2025-07-03T09:00", 16, &m, NULL, 0), 0);
    int64_t now = mc_calendar_to_utc(mc_catalogue_default_calendar(v1), (mc_localtime)m * 60);
    mc_kv id[] = {{"id", "001"}};
    mc_submit sub = {.procedure = "p", .fields = id, .nfields = 1, .now = now};
    mc_result res;
    assert_int_equal(mc_engine_submit(e, &sub, &res, NULL), 0);
    int64_t one = res.dossier;
    mc_fire fi = MC_FIRE_INIT;
    fi.dossier = one;
    fi.event = "go";
    fi.role = "clerk";
    fi.now = now + 3600;
    assert_int_equal(mc_engine_fire(e, &fi, &res, NULL), 0);
    mc_dossier d;
    mc_error err;
    assert_int_equal(mc_engine_get(e, one, now + 7200, &d, &err), 0);
    int64_t due = d.due; /* Tue 8 July, 17:00 */
    mc_dossier_free(&d);

    mc_catalogue *v2 =
        deploy_load("role clerk\n"
                    "calendar vn { default; hours 08:00-17:00; holiday 2025-07-07 \"a day off\" }\n"
                    "lifecycle l { state s { initial; on go -> t by clerk }\n"
                    "  state t { on end -> z by clerk }\n state z { final } }\n"
                    "procedure p { effective 2025-01-01; time-limit 3wd; lifecycle l; subject id\n"
                    "  field id { type text } }\n");
    deploy_seen seen = {0};
    assert_int_equal(
        mc_engine_deploy_check(mc_engine_store(e), v2, NULL, deploy_collect, &seen, NULL, &err), 0);
    assert_int_equal(seen.n, 1);
    assert_int_equal(seen.nbreaking, 0);
    assert_int_equal(seen.kind[0], MC_DEPLOY_DUE_MOVES);
    assert_string_equal(seen.message[0], "dossier 1: its due instant moves from 2025-07-08T17:00 "
                                         "to 2025-07-09T17:00 (calendar 'vn' changed)");
    /* The same catalogue again: nothing moves. */
    memset(&seen, 0, sizeof seen);
    assert_int_equal(
        mc_engine_deploy_check(mc_engine_store(e), v1, NULL, deploy_collect, &seen, NULL, &err), 0);
    assert_int_equal(seen.n, 0);

    mc_engine *e2;
    assert_int_equal(mc_engine_open(&e2, v2, NULL, path, NULL), 0);
    assert_int_equal(mc_engine_get(e2, one, now + 7200, &d, &err), 0);
    assert_int_equal(d.due, due + 86400);
    mc_dossier_free(&d);
    assert_int_equal(mc_store_event_count(mc_engine_store(e2), one, NULL), 3);
    memset(&seen, 0, sizeof seen);
    assert_int_equal(
        mc_engine_deploy_check(mc_engine_store(e2), v2, NULL, deploy_collect, &seen, NULL, &err),
        0);
    assert_int_equal(seen.n, 0);
    /* A second read records nothing more. */
    assert_int_equal(mc_engine_get(e2, one, now + 7300, &d, &err), 0);
    mc_dossier_free(&d);
    assert_int_equal(mc_store_event_count(mc_engine_store(e2), one, NULL), 3);
    mc_engine_close(e2);

    mc_engine_close(e);
    mc_catalogue_free(v2);
    mc_catalogue_free(v1);
    unlink(path);
}

/* The text of a procedure version is its declaration and its lifecycle's as written, the same
 * (and of the same hash) when the same files are loaded again; a comment outside them changes
 * neither; an edit of the lifecycle changes the hash. A stored text compiles against another
 * catalogue with its own lifecycle, the other procedures keeping the catalogue's. */
static void test_engine__procedure_texts_and_their_hashes(void **state)
{
    (void)state;
    mc_catalogue *a = deploy_load(deploy_v1);
    mc_catalogue *b =
        deploy_load("# a comment before\n"
                    "role clerk\n"
                    "lifecycle l { state s { initial; on go -> t by clerk; on end -> z by clerk }\n"
                    "  state t { on end -> z by clerk }\n state z { final } }\n"
                    "procedure p { effective 2025-01-01; time-limit 1wd; lifecycle l; subject id\n"
                    "  field id { type text } }\n# and after\n");
    mc_catalogue *c = deploy_load(
        "role clerk\n"
        "lifecycle l { state s { initial; on end -> z by clerk }\n state z { final } }\n"
        "procedure p { effective 2025-01-01; time-limit 1wd; lifecycle l; subject id\n"
        "  field id { type text } }\n"
        "procedure q { effective 2025-01-01; lifecycle l }\n");
    size_t n;
    const mc_procedure *pa = mc_catalogue_versions(a, "p", &n)[0];
    const mc_procedure *pb = mc_catalogue_versions(b, "p", &n)[0];
    const mc_procedure *pc = mc_catalogue_versions(c, "p", &n)[0];
    char *text;
    size_t len;
    assert_int_equal(mc_procedure_text(a, pa, &text, &len), 0);
    assert_string_equal(
        text, "procedure p { effective 2025-01-01; time-limit 1wd; lifecycle l; subject id\n"
              "  field id { type text } }\n"
              "lifecycle l { state s { initial; on go -> t by clerk; on end -> z by clerk }\n"
              "  state t { on end -> z by clerk }\n state z { final } }\n");
    assert_int_equal(strlen(text), len);
    assert_int_equal(strlen(pa->text_hash), 64);
    assert_string_equal(pa->text_hash, pb->text_hash);
    assert_string_not_equal(pa->text_hash, pc->text_hash);

    mc_catalogue *pinned = NULL;
    mc_diags *diags;
    assert_int_equal(mc_diags_new(&diags), 0);
    mc_error err;
    assert_int_equal(mc_catalogue_load_pinned(&pinned, c, pa->text_hash, text, NULL, diags, &err),
                     0);
    const mc_procedure *pp = mc_catalogue_versions(pinned, "p", &n)[0];
    assert_int_equal(n, 1);
    assert_int_equal(pp->machine.nstates, 3); /* s, t, z: the stored lifecycle */
    const mc_procedure *q = mc_catalogue_versions(pinned, "q", &n)[0];
    assert_int_equal(q->machine.nstates, 2); /* the catalogue's */
    mc_catalogue_free(pinned);

    /* A text that declares no procedure, and one that no longer compiles: MC_ECHECK. */
    assert_int_equal(mc_catalogue_load_pinned(&pinned, c, "00", "role x\n", NULL, diags, &err),
                     MC_ECHECK);
    assert_null(pinned);
    assert_string_equal(err.msg, "the stored text 00 declares no procedure");
    assert_int_equal(mc_catalogue_load_pinned(
                         &pinned, c, "00", "procedure p { effective 2025-01-01; lifecycle gone }\n",
                         NULL, diags, &err),
                     MC_ECHECK);
    assert_null(pinned);
    assert_true(mc_diags_errors(diags) > 0);
    mc_diags_free(diags);
    mc_free(text);
    mc_catalogue_free(c);
    mc_catalogue_free(b);
    mc_catalogue_free(a);
}

/* ==== live registries (issue 20) ======================================================== */

enum { MCE_TEST_PASSES = 3 }; /* MCE_LOOKUP_PASSES, the engine's bound */

static const char live_text[] =
    "role clerk\n"
    "document form\ndocument birth-certificate { valid 6 months }\ndocument residence\n"
    "document marriage\n"
    "registry civil-status { live; holds birth-certificate marriage; subjects \"[0-9]{3}\" }\n"
    "registry population { live; reuse 1d; holds residence }\n"
    "procedure family { time-limit 3wd; subject id\n"
    "  field id { type text; required }\n"
    "  field spouse-id { type text }\n"
    "  field remark { type text }\n"
    "  party spouse { field spouse-id }\n"
    "  requires form\n"
    "  requires birth-certificate\n"
    "  requires residence\n"
    "  requires marriage of spouse\n"
    "  state open { initial; on note -> open by clerk applicant; on close -> closed by clerk }\n"
    "  state closed { final; outcome granted } }\n";

/* A registry service in the test's process: answers by subject. 1xx found (a birth certificate
 * issued on 2025-06-01; 199's issued 2024-01-01, expired), 2xx not found, 3xx no answer in time,
 * 4xx an answer about another subject, 5xx incomplete data, 6xx found without a reference. */
typedef struct fake_client {
    mc_store *st;       /* whose transaction the client must never run inside */
    int calls;          /* calls of the client */
    int questions;      /* look-ups asked, over every call */
    int in_transaction; /* calls made inside a transaction of st: must stay 0 */
    char last[512];     /* the last call's look-ups: "registry/document/subject/party " */
    int fail;           /* non-zero: the client itself fails with this */
    const char *db;     /* on its first call, another engine on db sets spouse-id of */
    int64_t change;     /* this dossier to 555 (the dossier changes under the look-up) */
    bool always;        /* change the spouse on every call: 555, 566, … */
    const mc_catalogue *cat;
} fake_client;

static int fake_lookup(void *ud, mc_lookup *q, size_t n, mc_error *err)
{
    fake_client *c = ud;
    c->calls++;
    c->in_transaction += mc_store_in_transaction(c->st);
    c->last[0] = '\0';
    if (c->fail != 0) {
        return mc_error_set(err, c->fail, "the client could not start");
    }
    if (c->change != 0 && (c->calls == 1 || c->always)) {
        mc_engine *other;
        assert_int_equal(mc_engine_open(&other, c->cat, NULL, c->db, NULL), 0);
        char spouse[16];
        snprintf(spouse, sizeof spouse, "%d", 544 + 11 * c->calls);
        mc_kv set[] = {{"spouse-id", spouse}};
        mc_fire fi = MC_FIRE_INIT;
        fi.dossier = c->change;
        fi.event = "note";
        fi.role = "clerk";
        fi.now = 1752462000;
        fi.payload.set = set;
        fi.payload.nset = 1;
        mc_result res;
        assert_int_equal(mc_engine_fire(other, &fi, &res, NULL), 0);
        mc_engine_close(other);
    }
    for (size_t i = 0; i < n; i++) {
        c->questions++;
        size_t used = strlen(c->last);
        snprintf(c->last + used, sizeof c->last - used, "%s/%s/%s/%s ", q[i].registry,
                 q[i].document, q[i].subject, q[i].party);
        snprintf(q[i].request_id, sizeof q[i].request_id, "R-%d", c->questions);
        snprintf(q[i].answer_hash, sizeof q[i].answer_hash, "%064d", c->questions);
        q[i].answered_at = 1752458403; /* 09:00:03 in Hanoi */
        switch (q[i].subject[0]) {
        case '1':
            q[i].outcome = MC_LOOKUP_FOUND;
            snprintf(q[i].reference, sizeof q[i].reference, "CS-%s", q[i].subject);
            snprintf(q[i].issued, sizeof q[i].issued, "%s",
                     strcmp(q[i].subject, "199") == 0 ? "2024-01-01" : "2025-06-01");
            break;
        case '2':
            q[i].outcome = MC_LOOKUP_NOT_FOUND;
            break;
        case '3':
            q[i].outcome = MC_LOOKUP_UNAVAILABLE;
            q[i].answered_at = 0;
            snprintf(q[i].reason, sizeof q[i].reason, "no answer within 2000 ms");
            break;
        case '4':
            q[i].outcome = MC_LOOKUP_INVALID;
            snprintf(q[i].reason, sizeof q[i].reason, "the answer is about subject 999");
            break;
        case '5':
            q[i].outcome = MC_LOOKUP_INCOMPLETE;
            break;
        default:
            q[i].outcome = MC_LOOKUP_FOUND; /* and no reference */
            break;
        }
    }
    return 0;
}

typedef struct live_fx {
    mc_catalogue *cat;
    mc_engine *e;
    fake_client client;
    char path[128];
} live_fx;

/* with_client: the engine asks its live registries through the fake client; else it has none. */
static void open_live(live_fx *f, bool with_client, bool file)
{
    memset(f, 0, sizeof *f);
    char *diags;
    assert_int_equal(tu_load(live_text, &f->cat, &diags), 0);
    free(diags);
    const char *db = tu_db();
    if (file && !tu_pg()) {
        snprintf(f->path, sizeof f->path, "/tmp/motcua-live-%d.db", (int)getpid());
        unlink(f->path);
        db = f->path;
    }
    assert_int_equal(mc_engine_open(&f->e, f->cat, NULL, db, NULL), 0);
    f->client.st = mc_engine_store(f->e);
    f->client.cat = f->cat;
    f->client.db = db;
    if (with_client) {
        mc_registry_client c = {.lookup = fake_lookup, .ud = &f->client};
        mc_engine_set_registry_client(f->e, &c);
    }
}

static void close_live(live_fx *f)
{
    int64_t n;
    assert_int_equal(mc_store_verify(mc_engine_store(f->e), &n, NULL), 0);
    mc_engine_close(f->e);
    mc_catalogue_free(f->cat);
    if (f->path[0] != '\0') {
        unlink(f->path);
    }
}

static int live_submit(live_fx *f, const char *id, const char *spouse, mc_result *res,
                       mc_error *err)
{
    mc_kv fields[] = {{"id", id}, {"spouse-id", spouse}};
    const char *attach[] = {"form"};
    mc_submit s = {.procedure = "family",
                   .fields = fields,
                   .nfields = spouse ? 2 : 1,
                   .attach = attach,
                   .nattach = 1,
                   .now = 1752458400}; /* 2025-07-14T09:00+07:00 */
    return mc_engine_submit(f->e, &s, res, err);
}

/* Requirement k of dossier id: its status, reason, record and look-up's outcome (NULL: none). */
static void expect_req(live_fx *f, int64_t id, size_t k, mc_req_status status, const char *reason,
                       const char *record, const char *outcome)
{
    mc_dossier d;
    assert_int_equal(mc_engine_get(f->e, id, 1752458400, &d, NULL), 0);
    const mc_dossier_req *r = &d.requirements[k];
    assert_int_equal(r->status, status);
    if (reason == NULL) {
        assert_null(r->reason);
    } else {
        assert_string_equal(r->reason, reason);
    }
    if (record == NULL) {
        assert_null(r->record);
    } else {
        assert_string_equal(r->record, record);
    }
    if (outcome == NULL) {
        assert_null(r->lookup_outcome);
    } else {
        assert_string_equal(r->lookup_outcome, outcome);
    }
    mc_dossier_free(&d);
}

/* Found, not found and no answer, for the applicant and the spouse, in one call of the client,
 * outside the transaction; the requirements carry the proof. */
static void test_live__found_and_asked_in_one_call(void **state)
{
    (void)state;
    live_fx f;
    open_live(&f, true, false);
    mc_result res;
    mc_error err;
    assert_int_equal(live_submit(&f, "111", "322", &res, &err), 0);
    assert_int_equal(f.client.calls, 1);
    assert_int_equal(f.client.in_transaction, 0);
    assert_string_equal(f.client.last, "civil-status/birth-certificate/111/applicant "
                                       "population/residence/111/applicant "
                                       "civil-status/marriage/322/spouse ");
    expect_req(&f, res.dossier, 0, MC_REQ_PROVIDED, NULL, NULL, NULL);
    expect_req(&f, res.dossier, 1, MC_REQ_FETCHED, NULL, "CS-111", "found");
    expect_req(&f, res.dossier, 2, MC_REQ_FETCHED, NULL, "CS-111", "found");
    expect_req(&f, res.dossier, 3, MC_REQ_ASKED,
               "civil-status did not answer (no answer within 2000 ms): asked of the applicant "
               "(Resolution 66.7/2025/NQ-CP)",
               NULL, "unavailable");
    mc_dossier d;
    assert_int_equal(mc_engine_get(f.e, res.dossier, 1752458400, &d, NULL), 0);
    assert_string_equal(d.requirements[1].lookup_request, "R-1");
    assert_int_equal(d.requirements[1].lookup_answered_at, 1752458403);
    assert_string_equal(d.requirements[3].reason_code, "once-only.live-unavailable");
    char vi[300];
    assert_true(mc_msg_format(MC_LANG_VI, d.requirements[3].reason_code,
                              d.requirements[3].reason_args, d.requirements[3].nreason_args, vi,
                              sizeof vi) > 0);
    assert_string_equal(vi, "civil-status không phản hồi (no answer within 2000 ms): đề nghị "
                            "người nộp hồ sơ cung cấp (Nghị quyết 66.7/2025/NQ-CP)");
    mc_dossier_free(&d);
    close_live(&f);
}

/* Not found, incomplete, an answer about another subject, a record without a reference and an
 * expired record: each asked of the applicant with its reason, never fetched. */
static void test_live__failed_answers_are_asked_with_the_reason(void **state)
{
    (void)state;
    live_fx f;
    open_live(&f, true, false);
    mc_result res;
    assert_int_equal(live_submit(&f, "222", "455", &res, NULL), 0);
    expect_req(&f, res.dossier, 1, MC_REQ_ASKED, "not found in civil-status", NULL, "not-found");
    expect_req(&f, res.dossier, 3, MC_REQ_ASKED,
               "civil-status gave an answer that cannot be used (the answer is about subject "
               "999): asked of the applicant (Resolution 66.7/2025/NQ-CP)",
               NULL, "invalid");
    assert_int_equal(live_submit(&f, "555", "600", &res, NULL), 0);
    expect_req(&f, res.dossier, 2, MC_REQ_ASKED,
               "population says its data are incomplete (no detail given): asked of the "
               "applicant (Resolution 66.7/2025/NQ-CP)",
               NULL, "incomplete");
    expect_req(&f, res.dossier, 3, MC_REQ_ASKED,
               "civil-status gave an answer that cannot be used (the answer names no record): "
               "asked of the applicant (Resolution 66.7/2025/NQ-CP)",
               NULL, "invalid");
    assert_int_equal(live_submit(&f, "199", NULL, &res, NULL), 0);
    expect_req(&f, res.dossier, 1, MC_REQ_ASKED,
               "the record CS-199 in civil-status expired on 2024-07-01 (issued 2024-01-01, "
               "valid 6 months)",
               NULL, "found");
    expect_req(&f, res.dossier, 2, MC_REQ_FETCHED, NULL, "CS-199", "found");
    /* no spouse named: nothing asked about a spouse */
    assert_string_equal(f.client.last, "civil-status/birth-certificate/199/applicant "
                                       "population/residence/199/applicant ");
    assert_int_equal(f.client.calls, 3);
    assert_int_equal(f.client.in_transaction, 0);
    close_live(&f);
}

/* No client: the live registries' records in the store serve, as a snapshot's do; the client is
 * never asked and no look-up is recorded. */
static void test_live__without_a_client_the_store_serves(void **state)
{
    (void)state;
    live_fx f;
    open_live(&f, false, false);
    /* what the client checks: a transaction is seen as one */
    mc_store *st = mc_engine_store(f.e);
    assert_false(mc_store_in_transaction(st));
    assert_int_equal(mc_store_begin(st, NULL), 0);
    assert_true(mc_store_in_transaction(st));
    mc_store_rollback(st);
    assert_false(mc_store_in_transaction(st));
    mc_record_row rec = {"civil-status", "birth-certificate", "111", "SN-1", "2025-05-01"};
    assert_int_equal(mc_store_record_put(mc_engine_store(f.e), &rec, NULL), 0);
    mc_result res;
    assert_int_equal(live_submit(&f, "111", "322", &res, NULL), 0);
    assert_int_equal(f.client.calls, 0);
    expect_req(&f, res.dossier, 1, MC_REQ_FETCHED, NULL, "SN-1", NULL);
    expect_req(&f, res.dossier, 2, MC_REQ_ASKED, "not found in population", NULL, NULL);
    expect_req(&f, res.dossier, 3, MC_REQ_ASKED, "not found in civil-status", NULL, NULL);
    close_live(&f);
}

static int live_event(void *ud, const mc_event_row *ev)
{
    char *text = ud;
    size_t n = strlen(text);
    snprintf(text + n, 8192 - n, "%s %s\n", ev->kind, ev->body);
    return 0;
}

typedef struct live_reads {
    char text[1024];
} live_reads;

static int collect_live_read(void *ud, int64_t seq, const mc_access *a)
{
    live_reads *r = ud;
    size_t n = strlen(r->text);
    snprintf(r->text + n, sizeof r->text - n, "%lld %s %lld %s %s %s %s\n", (long long)seq,
             a->route, (long long)a->dossier, a->registry ? a->registry : "-",
             a->party ? a->party : "-", a->request ? a->request : "-",
             a->outcome ? a->outcome : "-");
    return 0;
}

/* The proof of every look-up is in the operation's event (no event more) and in the access
 * log, under the person looked up: the applicant's look-ups too. */
static void test_live__the_event_and_the_access_log_keep_the_proof(void **state)
{
    (void)state;
    live_fx f;
    open_live(&f, true, false);
    mc_result res;
    assert_int_equal(live_submit(&f, "111", "222", &res, NULL), 0);
    char events[8192] = "";
    mc_store *st = mc_engine_store(f.e);
    assert_int_equal(mc_store_event_each(st, res.dossier, live_event, events, NULL), 0);
    assert_non_null(strstr(events, "submit "));
    assert_null(strstr(strchr(events, '\n') + 1, "\n")); /* one event: the submission */
    assert_non_null(
        strstr(events, "\"lookups\":[{\"answered_at\":1752458403,\"asked_at\":1752458400,"
                       "\"document\":\"birth-certificate\",\"dossier\":0,\"hash\":"
                       "\"000000000000000000000000000000000"
                       "0000000000000000000000000000001\",\"issued\":\"2025-06-01\",\"outcome\":"
                       "\"found\",\"party\":\"applicant\",\"procedure\":\"family\",\"reference\":"
                       "\"CS-111\",\"registry\":\"civil-status\",\"request\":\"R-1\",\"subject\":"
                       "\"111\"},"));
    assert_non_null(strstr(events, "\"outcome\":\"not-found\",\"party\":\"spouse\""));
    live_reads mine = {""}, spouse = {""};
    assert_int_equal(mc_access_each(st, "111", collect_live_read, &mine, NULL), 0);
    assert_string_equal(mine.text, "1 live-registry 1 civil-status - R-1 found\n"
                                   "2 live-registry 1 population - R-2 found\n");
    assert_int_equal(mc_access_each(st, "222", collect_live_read, &spouse, NULL), 0);
    assert_string_equal(spouse.text, "1 live-registry 1 civil-status spouse R-3 not-found\n");
    close_live(&f);
}

/* A dossier changed by another operation while its look-ups were being answered is decided
 * again on what it is then: the new spouse is looked up, the former one's answer is unused. */
static void test_live__a_dossier_changed_during_the_look_up_is_decided_again(void **state)
{
    (void)state;
    live_fx f;
    open_live(&f, true, true);
    mc_result res;
    assert_int_equal(live_submit(&f, "111", "322", &res, NULL), 0);
    int64_t id = res.dossier;
    f.client.calls = 0;
    f.client.change = id; /* the next call sees spouse-id set to 555 meanwhile */
    mc_kv set[] = {{"remark", "checked"}};
    mc_fire fi = MC_FIRE_INIT;
    fi.dossier = id;
    fi.event = "note";
    fi.role = "clerk";
    fi.now = 1752462600;
    fi.payload.set = set;
    fi.payload.nset = 1;
    assert_int_equal(mc_engine_fire(f.e, &fi, &res, NULL), 0);
    assert_int_equal(f.client.calls, 2);
    assert_string_equal(f.client.last, "civil-status/marriage/555/spouse ");
    assert_int_equal(f.client.in_transaction, 0);
    expect_req(&f, id, 3, MC_REQ_ASKED,
               "civil-status says its data are incomplete (no detail given): asked of the "
               "applicant (Resolution 66.7/2025/NQ-CP)",
               NULL, "incomplete");
    close_live(&f);
}

/* A dossier that changes under every look-up is decided at the third run with what it has: the
 * look-up it never made is unavailable, and no read of that person is logged. */
static void test_live__look_ups_are_bounded(void **state)
{
    (void)state;
    live_fx f;
    open_live(&f, true, true);
    mc_result res;
    assert_int_equal(live_submit(&f, "111", "322", &res, NULL), 0);
    int64_t id = res.dossier;
    f.client.calls = 0;
    f.client.change = id;
    f.client.always = true;
    mc_kv set[] = {{"remark", "checked"}};
    mc_fire fi = MC_FIRE_INIT;
    fi.dossier = id;
    fi.event = "note";
    fi.role = "clerk";
    fi.now = 1752462600;
    fi.payload.set = set;
    fi.payload.nset = 1;
    assert_int_equal(mc_engine_fire(f.e, &fi, &res, NULL), 0);
    assert_int_equal(f.client.calls, MCE_TEST_PASSES - 1);
    expect_req(&f, id, 3, MC_REQ_ASKED,
               "civil-status did not answer (no answer after 3 runs): asked of the applicant "
               "(Resolution 66.7/2025/NQ-CP)",
               NULL, "unavailable");
    live_reads last = {""};
    assert_int_equal(mc_access_each(mc_engine_store(f.e), "566", collect_live_read, &last, NULL),
                     0);
    /* the other engine's (it has no client) read of the store; no live look-up of 566 */
    assert_string_equal(last.text, "1 once-only 1 civil-status spouse - -\n");
    close_live(&f);
}

/* `reuse 1d`: population's answer serves the dossier's later operations for a day; civil-status
 * (no reuse) is asked again by each operation that resolves. */
static void test_live__an_answer_is_reused_for_as_long_as_the_registry_says(void **state)
{
    (void)state;
    live_fx f;
    open_live(&f, true, false);
    mc_result res;
    assert_int_equal(live_submit(&f, "222", NULL, &res, NULL), 0);
    assert_int_equal(f.client.questions, 2);
    mc_kv set[] = {{"remark", "checked"}};
    mc_fire fi = MC_FIRE_INIT;
    fi.dossier = res.dossier;
    fi.event = "note";
    fi.role = "clerk";
    fi.now = 1752458400 + 3600;
    fi.payload.set = set;
    fi.payload.nset = 1;
    assert_int_equal(mc_engine_fire(f.e, &fi, &res, NULL), 0);
    assert_string_equal(f.client.last, "civil-status/birth-certificate/222/applicant ");
    expect_req(&f, fi.dossier, 2, MC_REQ_ASKED, "not found in population", NULL, "not-found");
    fi.now = 1752458400 + 86400;
    assert_int_equal(mc_engine_fire(f.e, &fi, &res, NULL), 0);
    assert_string_equal(f.client.last, "civil-status/birth-certificate/222/applicant "
                                       "population/residence/222/applicant ");
    assert_int_equal(f.client.calls, 3);
    close_live(&f);
}

typedef struct counted_lookups {
    char text[256];
    int64_t made;
} counted_lookups;

static int add_lookups(void *ud, const mc_lookup_count *c)
{
    counted_lookups *k = ud;
    size_t n = strlen(k->text);
    snprintf(k->text + n, sizeof k->text - n, "%s/%s %lld %lld\n", c->registry, c->document,
             (long long)c->made, (long long)c->found);
    k->made += c->made;
    return 0;
}

/* What the store counts for measured coverage (coverage.h) is what the registries were asked:
 * every look-up the client made, none of the answers reused under `reuse`. */
static void test_live__the_store_counts_the_lookups_made_not_the_reused(void **state)
{
    (void)state;
    live_fx f;
    open_live(&f, true, false);
    mc_result res;
    assert_int_equal(live_submit(&f, "222", NULL, &res, NULL), 0);
    mc_kv set[] = {{"remark", "checked"}};
    mc_fire fi = MC_FIRE_INIT;
    fi.dossier = res.dossier;
    fi.event = "note";
    fi.role = "clerk";
    fi.now = 1752458400 + 3600; /* population's answer reused */
    fi.payload.set = set;
    fi.payload.nset = 1;
    assert_int_equal(mc_engine_fire(f.e, &fi, &res, NULL), 0);
    fi.now = 1752458400 + 86400; /* past its reuse: asked again */
    assert_int_equal(mc_engine_fire(f.e, &fi, &res, NULL), 0);
    assert_int_equal(live_submit(&f, "111", NULL, &res, NULL), 0);
    assert_int_equal(f.client.questions, 7);
    counted_lookups k = {"", 0};
    mc_store *st = mc_engine_store(f.e);
    assert_int_equal(mc_store_lookup_counts(st, INT64_MIN, INT64_MAX, add_lookups, &k, NULL), 0);
    assert_string_equal(k.text, "civil-status/birth-certificate 4 1\n"
                                "population/residence 3 1\n");
    assert_int_equal(k.made, f.client.questions);
    /* the day after the submission: the last note's look-ups only (asked_at in [from, to)) */
    memset(&k, 0, sizeof k);
    assert_int_equal(
        mc_store_lookup_counts(st, 1752458400 + 3601, INT64_MAX, add_lookups, &k, NULL), 0);
    assert_string_equal(k.text, "civil-status/birth-certificate 1 0\n"
                                "population/residence 1 0\n");
    /* the share measured: 1 of 4 for civil-status, with one look-up enough for a measure */
    mc_coverage c;
    assert_int_equal(mc_coverage_measure(&c, f.cat, st, false, 0, false, 0, 1, NULL), 0);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.rows[0].registry, "civil-status");
    assert_int_equal(c.rows[0].source, MC_COVERAGE_MEASURED);
    assert_int_equal(c.rows[0].measured, 25 * MC_FIXED_ONE);
    assert_int_equal(c.rows[1].measured, 33333333);
    mc_coverage_free(&c);
    close_live(&f);
}

/* Out of memory at every allocation of a submission whose look-ups are asked, found and not, an
 * officer's note that asks again, and a read of the dossier with its proofs. */
static int live_operations(void *ud)
{
    live_fx *f = ud;
    mc_result res;
    int rc = live_submit(f, "111", "322", &res, NULL);
    mc_kv set[] = {{"remark", "checked"}};
    mc_fire fi = MC_FIRE_INIT;
    fi.dossier = res.dossier;
    fi.event = "note";
    fi.role = "clerk";
    fi.now = 1752462000;
    fi.payload.set = set;
    fi.payload.nset = 1;
    if (rc == 0) {
        rc = mc_engine_fire(f->e, &fi, &res, NULL);
    }
    mc_dossier d;
    if (rc == 0 && (rc = mc_engine_get(f->e, fi.dossier, 1752462000, &d, NULL)) == 0) {
        mc_dossier_free(&d);
    }
    return rc;
}

static void test_live__out_of_memory_sweep(void **state)
{
    (void)state;
    live_fx f;
    open_live(&f, true, false);
    assert_true(tu_oom_sweep(live_operations, &f, false) > 50);
    assert_int_equal(f.client.in_transaction, 0);
    close_live(&f);
}

/* A client that cannot try fails the operation: nothing is written. */
static void test_live__a_failed_client_writes_nothing(void **state)
{
    (void)state;
    live_fx f;
    open_live(&f, true, false);
    f.client.fail = MC_ENOMEM;
    mc_result res;
    mc_error err;
    assert_int_equal(live_submit(&f, "111", NULL, &res, &err), MC_ENOMEM);
    assert_string_equal(err.msg, "the client could not start");
    mc_dossier d;
    assert_int_equal(mc_engine_get(f.e, 1, 1752458400, &d, NULL), MC_ENOTFOUND);
    close_live(&f);
}

/* ---- waiting for a registry that is down (issue 20: a registry's `wait`) ---- */

static const char wait_text[] =
    "role clerk\n"
    "document form\ndocument deed\ndocument permit\n"
    "registry land { live; wait 3h; holds deed }\n"
    "registry permits { live; holds permit }\n"
    "procedure plot { time-limit 3wd; subject id\n"
    "  field id { type text; required }\n"
    "  field remark { type text }\n"
    "  requires form\n"
    "  requires deed\n"
    "  requires permit\n"
    "  state open { initial; on note -> open by clerk; on close -> closed by clerk }\n"
    "  state closed { final; outcome granted } }\n";

/* The registries as a test sets them: down (no answer, with the connector's code), up (found),
 * or incomplete; the client itself may fail. */
typedef struct wait_client {
    mc_store *st;
    enum { W_DOWN, W_UP, W_INCOMPLETE } mode;
    int calls, questions, in_transaction, fail;
    char last[256]; /* the registries asked in the last call */
} wait_client;

static int wait_lookup(void *ud, mc_lookup *q, size_t n, mc_error *err)
{
    wait_client *c = ud;
    c->calls++;
    c->in_transaction += mc_store_in_transaction(c->st);
    c->last[0] = '\0';
    if (c->fail != 0) {
        return mc_error_set(err, c->fail, "the client could not start");
    }
    for (size_t i = 0; i < n; i++) {
        c->questions++;
        size_t used = strlen(c->last);
        snprintf(c->last + used, sizeof c->last - used, "%s ", q[i].registry);
        snprintf(q[i].request_id, sizeof q[i].request_id, "W-%d", c->questions);
        if (c->mode == W_DOWN) {
            q[i].outcome = MC_LOOKUP_UNAVAILABLE;
            snprintf(q[i].reason, sizeof q[i].reason, "%s could not be reached: Connection refused",
                     q[i].registry);
            snprintf(q[i].reason_code, sizeof q[i].reason_code, "lookup.unreachable");
            snprintf(q[i].reason_args[0], sizeof q[i].reason_args[0], "%s", q[i].registry);
            snprintf(q[i].reason_args[1], sizeof q[i].reason_args[1], "Connection refused");
            q[i].nreason_args = 2;
        } else if (c->mode == W_INCOMPLETE) {
            q[i].outcome = MC_LOOKUP_INCOMPLETE;
            q[i].answered_at = 1752458401;
            snprintf(q[i].reason, sizeof q[i].reason,
                     "%s says its data on the subject are incomplete", q[i].registry);
            snprintf(q[i].reason_code, sizeof q[i].reason_code, "lookup.incomplete");
            snprintf(q[i].reason_args[0], sizeof q[i].reason_args[0], "%s", q[i].registry);
            q[i].nreason_args = 1;
        } else {
            q[i].outcome = MC_LOOKUP_FOUND;
            q[i].answered_at = 1752458401;
            snprintf(q[i].reference, sizeof q[i].reference, "%s-%s", q[i].registry, q[i].subject);
        }
    }
    return 0;
}

typedef struct wait_fx {
    mc_catalogue *cat;
    mc_engine *e;
    wait_client client;
} wait_fx;

enum { T0 = 1752458400 }; /* 2025-07-14T09:00+07:00, the submission */

static void open_wait(wait_fx *f)
{
    memset(f, 0, sizeof *f);
    char *diags;
    assert_int_equal(tu_load(wait_text, &f->cat, &diags), 0);
    assert_string_equal(diags, "");
    free(diags);
    assert_int_equal(mc_engine_open(&f->e, f->cat, NULL, tu_db(), NULL), 0);
    f->client.st = mc_engine_store(f->e);
    mc_registry_client c = {.lookup = wait_lookup, .ud = &f->client};
    mc_engine_set_registry_client(f->e, &c);
}

static void close_wait(wait_fx *f)
{
    int64_t n;
    assert_int_equal(mc_store_verify(mc_engine_store(f->e), &n, NULL), 0);
    mc_engine_close(f->e);
    mc_catalogue_free(f->cat);
}

static int wait_submit(wait_fx *f, mc_result *res, mc_error *err)
{
    mc_kv fields[] = {{"id", "700"}};
    const char *attach[] = {"form"};
    mc_submit s = {.procedure = "plot",
                   .fields = fields,
                   .nfields = 1,
                   .attach = attach,
                   .nattach = 1,
                   .now = T0};
    return mc_engine_submit(f->e, &s, res, err);
}

/* The dossier's wake instant as stored (the store's next-timer column). */
static int64_t stored_wake(wait_fx *f, int64_t id)
{
    mc_dossier_row row;
    memset(&row, 0, sizeof row);
    assert_int_equal(mc_store_dossier_load(mc_engine_store(f->e), id, &row, NULL), 0);
    int64_t wake = row.wake;
    mc_dossier_row_clear(&row);
    return wake;
}

/* The deed's requirement (1) of dossier id as read at now, without bringing it up to now: at a
 * now before its wake. */
static void expect_wait(wait_fx *f, int64_t id, int64_t now, mc_req_status status,
                        const char *reason, int tries, int64_t next, int64_t until)
{
    mc_dossier d;
    assert_int_equal(mc_engine_get(f->e, id, now, &d, NULL), 0);
    const mc_dossier_req *r = &d.requirements[1];
    assert_int_equal(r->status, status);
    if (reason == NULL) {
        assert_null(r->reason);
    } else {
        assert_string_equal(r->reason, reason);
    }
    assert_int_equal(r->wait_tries, tries);
    assert_int_equal(r->wait_next, next);
    assert_int_equal(r->wait_until, until);
    mc_dossier_free(&d);
}

/* Down at the submission: the deed waits (neither fetched nor asked), with the reason, the next
 * try a minute later and the end of the wait; the dossier wakes at the next try. The permit's
 * registry declares no wait: asked at once. Both reasons carry the connector's code. */
static void test_wait__a_registry_down_makes_the_requirement_wait(void **state)
{
    (void)state;
    wait_fx f;
    open_wait(&f);
    mc_result res;
    assert_int_equal(wait_submit(&f, &res, NULL), 0);
    assert_int_equal(f.client.calls, 1);
    assert_string_equal(f.client.last, "land permits ");
    expect_wait(&f, res.dossier, T0, MC_REQ_WAITING,
                "land could not be reached: Connection refused: the dossier waits for land until "
                "2025-07-14T12:00 (next try at 2025-07-14T09:01)",
                1, T0 + 60, T0 + 3 * 3600);
    assert_int_equal(stored_wake(&f, res.dossier), T0 + 60);
    mc_dossier d;
    assert_int_equal(mc_engine_get(f.e, res.dossier, T0, &d, NULL), 0);
    const mc_dossier_req *deed = &d.requirements[1], *permit = &d.requirements[2];
    assert_string_equal(deed->lookup_outcome, "unavailable");
    assert_string_equal(deed->lookup_request, "W-1");
    assert_int_equal(deed->wait_since, T0);
    /* the connector's code and arguments: the reason in Vietnamese */
    char vi[300];
    assert_string_equal(deed->reason_code, "lookup.unreachable");
    assert_int_equal(deed->nreason_args, 2);
    assert_true(mc_msg_format(MC_LANG_VI, deed->reason_code, deed->reason_args, deed->nreason_args,
                              vi, sizeof vi) > 0);
    assert_string_equal(vi, "không kết nối được với land: Connection refused");
    assert_int_equal(permit->status, MC_REQ_ASKED);
    assert_string_equal(permit->reason, "permits could not be reached: Connection refused: asked "
                                        "of the applicant (Resolution 66.7/2025/NQ-CP)");
    assert_string_equal(permit->reason_code, "lookup.unreachable");
    assert_string_equal(permit->reason_args[0], "permits");
    assert_int_equal(permit->wait_tries, 0);
    assert_int_equal(permit->wait_next, MC_NONE);
    mc_dossier_free(&d);
    /* Before the next try nothing is asked: the dossier is not due. */
    mc_wake w = MC_WAKE_INIT;
    w.now = T0 + 59;
    assert_int_equal(mc_engine_wake(f.e, &w, NULL), 0);
    assert_int_equal(w.seen, 0);
    assert_int_equal(f.client.calls, 1);
    assert_int_equal(f.client.in_transaction, 0);
    close_wait(&f);
}

/* The timer pass asks again at the next try, outside its transaction; the registry is back:
 * fetched, the wait over, the answer's proof in an event of the system's; the dossier no longer
 * wakes for it. */
static void test_wait__retried_at_the_wake_then_fetched(void **state)
{
    (void)state;
    wait_fx f;
    open_wait(&f);
    mc_result res;
    assert_int_equal(wait_submit(&f, &res, NULL), 0);
    f.client.mode = W_UP;
    mc_wake w = MC_WAKE_INIT;
    w.now = T0 + 61;
    assert_int_equal(mc_engine_wake(f.e, &w, NULL), 0);
    assert_int_equal(w.seen, 1);
    assert_int_equal(w.changed, 1);
    assert_int_equal(f.client.calls, 2);
    assert_int_equal(f.client.in_transaction, 0);
    assert_string_equal(f.client.last, "land permits "); /* the asked permit is asked again */
    mc_dossier d;
    assert_int_equal(mc_engine_get(f.e, res.dossier, T0 + 61, &d, NULL), 0);
    assert_int_equal(d.requirements[1].status, MC_REQ_FETCHED);
    assert_string_equal(d.requirements[1].record, "land-700");
    assert_null(d.requirements[1].reason);
    assert_int_equal(d.requirements[1].wait_tries, 0);
    assert_int_equal(d.requirements[2].status, MC_REQ_FETCHED);
    mc_dossier_free(&d);
    assert_int_equal(stored_wake(&f, res.dossier), MC_NONE);
    char events[8192] = "";
    assert_int_equal(
        mc_store_event_each(mc_engine_store(f.e), res.dossier, live_event, events, NULL), 0);
    const char *retry = strstr(events, "registry-retry ");
    assert_non_null(retry);
    assert_non_null(strstr(retry, "\"outcome\":\"found\",\"party\":\"applicant\",\"procedure\":"
                                  "\"plot\",\"reference\":\"land-700\",\"registry\":\"land\","
                                  "\"request\":\"W-3\""));
    /* A second pass has nothing to do: no call. */
    w = (mc_wake)MC_WAKE_INIT;
    w.now = T0 + 3600;
    assert_int_equal(mc_engine_wake(f.e, &w, NULL), 0);
    assert_int_equal(w.seen, 0);
    assert_int_equal(f.client.calls, 2);
    close_wait(&f);
}

/* Down all along: asked again a minute after, then twice as long each time, at most an hour
 * apart and never past the wait's end; then asked of the applicant, saying how long it waited.
 * Each try goes under a request id of its own. */
static void test_wait__backoff_grows_is_capped_then_the_wait_ends(void **state)
{
    (void)state;
    wait_fx f;
    open_wait(&f);
    mc_result res;
    assert_int_equal(wait_submit(&f, &res, NULL), 0);
    static const int64_t delays[] = {120, 240, 480, 960, 1920, 3600};
    int64_t now = T0 + 60, until = T0 + 3 * 3600;
    for (size_t k = 0; k < sizeof delays / sizeof delays[0]; k++) {
        now += 1; /* a try takes effect once its instant is past, as a timer */
        size_t count;
        assert_int_equal(mc_engine_tick(f.e, now, &count, NULL), 0);
        assert_int_equal(count, 1);
        assert_int_equal(f.client.calls, (int)k + 2);
        mc_dossier d;
        assert_int_equal(mc_engine_get(f.e, res.dossier, now, &d, NULL), 0);
        assert_int_equal(d.requirements[1].status, MC_REQ_WAITING);
        assert_int_equal(d.requirements[1].wait_tries, (int)k + 2);
        assert_int_equal(d.requirements[1].wait_next, now + delays[k]);
        assert_int_equal(d.requirements[1].wait_since, T0);
        char request[8];
        snprintf(request, sizeof request, "W-%d", 2 * (int)k + 3);
        assert_string_equal(d.requirements[1].lookup_request, request);
        mc_dossier_free(&d);
        assert_int_equal(stored_wake(&f, res.dossier), now + delays[k]);
        now += delays[k];
    }
    /* The next hour would pass the wait's end: the last try is at the end. */
    now += 1;
    size_t count;
    assert_int_equal(mc_engine_tick(f.e, now, &count, NULL), 0);
    expect_wait(&f, res.dossier, now, MC_REQ_WAITING,
                "land could not be reached: Connection refused: the dossier waits for land until "
                "2025-07-14T12:00 (next try at 2025-07-14T12:00)",
                8, until, until);
    assert_int_equal(mc_engine_tick(f.e, until + 1, &count, NULL), 0);
    assert_int_equal(count, 1);
    expect_wait(&f, res.dossier, until + 1, MC_REQ_ASKED,
                "land did not answer in 3 h of waiting (land could not be reached: Connection "
                "refused): asked of the applicant (Resolution 66.7/2025/NQ-CP)",
                0, MC_NONE, MC_NONE);
    mc_dossier d;
    assert_int_equal(mc_engine_get(f.e, res.dossier, until + 1, &d, NULL), 0);
    assert_string_equal(d.requirements[1].reason_code, "once-only.live-waited-h");
    char vi[400];
    assert_true(mc_msg_format(MC_LANG_VI, d.requirements[1].reason_code,
                              d.requirements[1].reason_args, d.requirements[1].nreason_args, vi,
                              sizeof vi) > 0);
    assert_string_equal(vi, "land không phản hồi sau 3 giờ chờ (land could not be reached: "
                            "Connection refused): đề nghị người nộp hồ sơ cung cấp (Nghị quyết "
                            "66.7/2025/NQ-CP)");
    mc_dossier_free(&d);
    assert_int_equal(stored_wake(&f, res.dossier), MC_NONE);
    int calls = f.client.calls;
    assert_int_equal(mc_engine_tick(f.e, until + 7200, &count, NULL), 0);
    assert_int_equal(f.client.calls, calls); /* asked: never retried */
    assert_int_equal(f.client.in_transaction, 0);
    close_wait(&f);
}

/* Incomplete data is an answer: asked at once, never waited for; so is a dossier whose registry
 * answers. */
static void test_wait__incomplete_never_waits(void **state)
{
    (void)state;
    wait_fx f;
    open_wait(&f);
    f.client.mode = W_INCOMPLETE;
    mc_result res;
    assert_int_equal(wait_submit(&f, &res, NULL), 0);
    expect_wait(&f, res.dossier, T0, MC_REQ_ASKED,
                "land says its data on the subject are incomplete: asked of the applicant "
                "(Resolution 66.7/2025/NQ-CP)",
                0, MC_NONE, MC_NONE);
    assert_int_equal(stored_wake(&f, res.dossier), MC_NONE);
    close_wait(&f);
}

/* Without a client (a command line on serve's database) a waiting requirement is left waiting,
 * never read from the store's snapshot; the applicant attaching the document ends the wait. */
static void test_wait__without_a_client_the_wait_stays(void **state)
{
    (void)state;
    wait_fx f;
    open_wait(&f);
    mc_result res;
    assert_int_equal(wait_submit(&f, &res, NULL), 0);
    mc_engine_set_registry_client(f.e, NULL);
    size_t count;
    assert_int_equal(mc_engine_tick(f.e, T0 + 120, &count, NULL), 0);
    mc_kv set[] = {{"remark", "seen"}};
    mc_fire fi = MC_FIRE_INIT;
    fi.dossier = res.dossier;
    fi.event = "note";
    fi.role = "clerk";
    fi.now = T0 + 130;
    fi.payload.set = set;
    fi.payload.nset = 1;
    assert_int_equal(mc_engine_fire(f.e, &fi, &res, NULL), 0);
    expect_wait(&f, res.dossier, T0 + 130, MC_REQ_WAITING,
                "land could not be reached: Connection refused: the dossier waits for land until "
                "2025-07-14T12:00 (next try at 2025-07-14T09:01)",
                1, T0 + 60, T0 + 3 * 3600);
    const char *docs[] = {"deed"};
    fi.payload.set = NULL;
    fi.payload.nset = 0;
    fi.payload.attach = docs;
    fi.payload.nattach = 1;
    fi.now = T0 + 140;
    assert_int_equal(mc_engine_fire(f.e, &fi, &res, NULL), 0);
    expect_wait(&f, res.dossier, T0 + 140, MC_REQ_PROVIDED, NULL, 0, MC_NONE, MC_NONE);
    assert_int_equal(stored_wake(&f, res.dossier), MC_NONE);
    close_wait(&f);
}

/* A client that cannot try at a retry fails it: the dossier stays as it was, waiting. */
static void test_wait__a_failed_client_at_a_retry_changes_nothing(void **state)
{
    (void)state;
    wait_fx f;
    open_wait(&f);
    mc_result res;
    assert_int_equal(wait_submit(&f, &res, NULL), 0);
    f.client.fail = MC_ENOMEM;
    mc_wake w = MC_WAKE_INIT;
    w.now = T0 + 61;
    mc_error err;
    assert_int_equal(mc_engine_wake(f.e, &w, &err), MC_ENOMEM);
    assert_string_equal(err.msg, "the client could not start");
    assert_int_equal(w.failed, 0);
    f.client.fail = 0;
    expect_wait(&f, res.dossier, T0 + 30, MC_REQ_WAITING,
                "land could not be reached: Connection refused: the dossier waits for land until "
                "2025-07-14T12:00 (next try at 2025-07-14T09:01)",
                1, T0 + 60, T0 + 3 * 3600);
    close_wait(&f);
}

static int wait_operations(void *ud)
{
    wait_fx *f = ud;
    /* The sweep is about the engine's allocations: a store of its own in memory on every pass,
     * so that the timer passes meet this pass's dossier only. */
    mc_engine *e;
    int rc = mc_engine_open(&e, f->cat, NULL, ":memory:", NULL);
    if (rc != 0) {
        return rc;
    }
    f->client.st = mc_engine_store(e);
    mc_registry_client c = {.lookup = wait_lookup, .ud = &f->client};
    mc_engine_set_registry_client(e, &c);
    f->client.mode = W_DOWN;
    mc_kv fields[] = {{"id", "700"}};
    mc_submit s = {.procedure = "plot", .fields = fields, .nfields = 1, .now = T0};
    mc_result res;
    rc = mc_engine_submit(e, &s, &res, NULL);
    size_t count;
    if (rc == 0) {
        rc = mc_engine_tick(e, T0 + 61, &count, NULL); /* waits again */
    }
    mc_wake w = MC_WAKE_INIT;
    w.now = T0 + 182;
    f->client.mode = W_UP;
    if (rc == 0) {
        rc = mc_engine_wake(e, &w, NULL); /* fetched */
    }
    mc_dossier d;
    if (rc == 0 && (rc = mc_engine_get(e, res.dossier, T0 + 200, &d, NULL)) == 0) {
        assert_int_equal(d.requirements[1].status, MC_REQ_FETCHED);
        mc_dossier_free(&d);
    }
    mc_engine_close(e);
    f->client.st = mc_engine_store(f->e);
    return rc;
}

static void test_wait__out_of_memory_sweep(void **state)
{
    (void)state;
    wait_fx f;
    open_wait(&f);
    assert_true(tu_oom_sweep(wait_operations, &f, false) > 50);
    assert_int_equal(f.client.in_transaction, 0);
    close_wait(&f);
}

/* ==== results sent back to live registries (issue 20, "Results go back") ================== */

static const char issue_text[] = "role clerk\n"
                                 "document marriage\ndocument receipt\n"
                                 "registry civil-status { live; holds marriage }\n"
                                 "registry archive { holds receipt }\n"
                                 "procedure marry { time-limit 3wd; subject id; agency ubnd-xa\n"
                                 "  field id { type text; required }\n"
                                 "  field spouse-id { type text }\n"
                                 "  party spouse { field spouse-id }\n"
                                 "  state open { initial; on approve -> done by clerk }\n"
                                 "  state done { final; outcome granted\n"
                                 "    issues marriage to civil-status for applicant spouse\n"
                                 "    issues receipt to archive } }\n";

typedef struct deliveries_seen {
    int n;
    char text[512];
} deliveries_seen;

static int note_delivery(void *ud, const mc_delivery_row *d)
{
    deliveries_seen *s = ud;
    s->n++;
    size_t used = strlen(s->text);
    snprintf(s->text + used, sizeof s->text - used, "%s/%s/%s/%s/%s/%s/%lld/%s/%s/%lld/%zu;",
             d->registry, d->document, d->subject, d->party ? d->party : "-", d->reference,
             d->issued, (long long)d->dossier, d->procedure ? d->procedure : "-",
             d->agency ? d->agency : "-", (long long)d->attempts, strlen(d->request_id));
    return 0;
}

/* A result issued to a live registry goes into the outbox with its record, in the same
 * transaction, once per party it is filed for; one issued to a registry of snapshots does not;
 * a refused operation leaves none. */
static void test_engine__a_result_for_a_live_registry_goes_into_the_outbox(void **state)
{
    (void)state;
    mc_catalogue *cat;
    char *diags;
    assert_int_equal(tu_load(issue_text, &cat, &diags), 0);
    free(diags);
    mc_engine *e;
    assert_int_equal(mc_engine_open(&e, cat, NULL, tu_db(), NULL), 0);
    mc_kv fields[] = {{"id", "001"}, {"spouse-id", "002"}};
    mc_submit sub = {.procedure = "marry", .fields = fields, .nfields = 2, .now = 1752458400};
    mc_result res;
    assert_int_equal(mc_engine_submit(e, &sub, &res, NULL), 0);
    mc_store *st = mc_engine_store(e);
    mc_fire fi = MC_FIRE_INIT;
    fi.dossier = res.dossier;
    fi.event = "approve";
    fi.role = "applicant"; /* refused: not the clerk's */
    fi.now = 1752462000;
    assert_int_equal(mc_engine_fire(e, &fi, &res, NULL), MC_EREFUSED);
    deliveries_seen seen = {0, ""};
    assert_int_equal(mc_store_delivery_due(st, INT64_MAX, 0, note_delivery, &seen, NULL), 0);
    assert_int_equal(seen.n, 0);
    fi.role = "clerk";
    assert_int_equal(mc_engine_fire(e, &fi, &res, NULL), 0);
    assert_int_equal(mc_store_delivery_due(st, INT64_MAX, 0, note_delivery, &seen, NULL), 0);
    assert_string_equal(seen.text,
                        "civil-status/marriage/001/applicant/MC-1/2025-07-14/1/marry/ubnd-xa/0/32;"
                        "civil-status/marriage/002/spouse/MC-1/2025-07-14/1/marry/ubnd-xa/0/32;");
    assert_int_equal(mc_store_verify(st, NULL, NULL), 0);
    mc_engine_close(e);
    mc_catalogue_free(cat);
}

/* ==== previews (issue 21: the one-stop desk) ============================================= */

static int count_row(void *ud, const mc_dossier_row *row)
{
    (void)row;
    (*(int *)ud)++;
    return 0;
}

static int preview_live(live_fx *f, const char *id, const char *spouse, mc_dossier *d,
                        mc_result *res, mc_error *err)
{
    mc_kv fields[] = {{"id", id}, {"spouse-id", spouse}};
    const char *attach[] = {"form"};
    mc_submit s = {.procedure = "family",
                   .fields = fields,
                   .nfields = spouse ? 2 : 1,
                   .attach = attach,
                   .nattach = 1,
                   .now = 1752458400,
                   .request_id = "ignored"};
    mc_access as = {.at = 1752458400, .actor = "lan", .route = "POST /api/dossiers/preview"};
    return mc_engine_preview(f->e, &s, &as, d, res, err);
}

/* A preview resolves as a submission does — the live registries asked in one call, outside any
 * transaction — and stores nothing: no dossier, no event, no request id; its reads are in the
 * access log, the applicant's under the subject and each look-up with its party. */
static void test_preview__resolves_as_submit_and_stores_nothing(void **state)
{
    (void)state;
    live_fx f;
    open_live(&f, true, false);
    mc_dossier d;
    mc_result res;
    mc_error err;
    assert_int_equal(preview_live(&f, "111", "322", &d, &res, &err), 0);
    assert_int_equal(f.client.calls, 1);
    assert_int_equal(f.client.in_transaction, 0);
    assert_int_equal(d.id, 0);
    assert_string_equal(d.subject, "111");
    assert_string_equal(d.state->name, "open");
    assert_int_equal(d.requirements[0].status, MC_REQ_PROVIDED);
    assert_int_equal(d.requirements[1].status, MC_REQ_FETCHED);
    assert_string_equal(d.requirements[1].record, "CS-111");
    assert_int_equal(d.requirements[3].status, MC_REQ_ASKED);
    assert_string_equal(d.requirements[3].reason,
                        "civil-status did not answer (no answer within 2000 ms): asked of the "
                        "applicant (Resolution 66.7/2025/NQ-CP)");
    assert_string_equal(d.requirements[3].reason_code, "once-only.live-unavailable");
    mc_dossier_free(&d);
    mc_store *st = mc_engine_store(f.e);
    int events = 0, rows = 0;
    assert_int_equal(mc_store_event_each(st, 0, count_event, &events, NULL), 0);
    mc_dossier_filter all = MC_DOSSIER_FILTER_INIT;
    assert_int_equal(mc_store_dossier_each(st, &all, count_row, &rows, NULL), 0);
    assert_int_equal(events, 0);
    assert_int_equal(rows, 0);
    party_reads applicant = {""}, spouse = {""};
    assert_int_equal(mc_access_each(st, "111", collect_read, &applicant, NULL), 0);
    assert_string_equal(applicant.text, "1 lan POST /api/dossiers/preview 0 - -\n"
                                        "2 lan live-registry 0 civil-status -\n"
                                        "3 lan live-registry 0 population -\n");
    assert_int_equal(mc_access_each(st, "322", collect_read, &spouse, NULL), 0);
    assert_string_equal(spouse.text, "1 lan live-registry 0 civil-status spouse\n");
    /* The same preview again asks again (nothing was kept), and still files nothing. */
    assert_int_equal(preview_live(&f, "111", "322", &d, &res, &err), 0);
    mc_dossier_free(&d);
    assert_int_equal(f.client.calls, 2);
    rows = 0;
    assert_int_equal(mc_store_dossier_each(st, &all, count_row, &rows, NULL), 0);
    assert_int_equal(rows, 0);
    close_live(&f);
}

/* What a submission refuses a preview refuses with the same reason, and logs nothing; a preview
 * needs a store, an actor and a route. */
static void test_preview__refusals_and_misuse(void **state)
{
    (void)state;
    live_fx f;
    open_live(&f, true, false);
    mc_kv fields[] = {{"id", "111"}};
    mc_submit s = {.procedure = "nope", .fields = fields, .nfields = 1, .now = 1752458400};
    mc_access as = {.at = 1752458400, .actor = "lan", .route = "POST /api/dossiers/preview"};
    mc_dossier d;
    mc_result res;
    mc_error err;
    assert_int_equal(mc_engine_preview(f.e, &s, &as, &d, &res, &err), MC_EREFUSED);
    assert_string_equal(res.code, "procedure.unknown");
    assert_string_equal(res.message, "unknown procedure 'nope'");
    s.procedure = "family";
    s.channel = "fax";
    assert_int_equal(mc_engine_preview(f.e, &s, &as, &d, &res, &err), MC_EREFUSED);
    assert_string_equal(res.code, "channel.unknown");
    s.channel = NULL;
    mc_kv unknown[] = {{"id", "111"}, {"colour", "blue"}};
    s.fields = unknown;
    s.nfields = 2;
    assert_int_equal(mc_engine_preview(f.e, &s, &as, &d, &res, &err), MC_EREFUSED);
    assert_int_equal(res.refusal, MC_REFUSED_OTHER);
    assert_int_equal(f.client.calls, 0); /* refused before any look-up */
    party_reads reads = {""};
    assert_int_equal(mc_access_each(mc_engine_store(f.e), NULL, collect_read, &reads, NULL), 0);
    assert_string_equal(reads.text, "");
    s.fields = fields;
    s.nfields = 1;
    mc_access nobody = {1752458400, NULL, "x", 0, NULL, NULL, NULL, NULL, NULL};
    assert_int_equal(mc_engine_preview(f.e, &s, &nobody, &d, &res, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "a preview needs an actor and a route to log");
    assert_int_equal(mc_engine_preview(f.e, &s, NULL, &d, &res, &err), MC_EUSAGE);
    mc_engine *v;
    assert_int_equal(mc_engine_open_volatile(&v, f.cat, NULL, NULL, NULL, NULL), 0);
    assert_int_equal(mc_engine_preview(v, &s, &as, &d, &res, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "a preview needs an engine with a store");
    mc_engine_close(v);
    close_live(&f);
}

/* A live registry down: the requirement of one that declares `wait` is WAITING with the reason
 * and the wait's times, as the submission would record it; one without is asked with the
 * reason. Nothing is stored, so nothing waits afterwards. */
static void test_preview__a_registry_down_waits_or_is_asked(void **state)
{
    (void)state;
    wait_fx f;
    open_wait(&f);
    mc_kv fields[] = {{"id", "700"}};
    const char *attach[] = {"form"};
    mc_submit s = {.procedure = "plot",
                   .fields = fields,
                   .nfields = 1,
                   .attach = attach,
                   .nattach = 1,
                   .now = T0};
    mc_access as = {T0, "lan", "POST /api/dossiers/preview", 0, NULL, NULL, NULL, NULL, NULL};
    mc_dossier d;
    mc_result res;
    assert_int_equal(mc_engine_preview(f.e, &s, &as, &d, &res, NULL), 0);
    const mc_dossier_req *deed = &d.requirements[1], *permit = &d.requirements[2];
    assert_int_equal(deed->status, MC_REQ_WAITING);
    assert_string_equal(deed->reason,
                        "land could not be reached: Connection refused: the dossier waits for "
                        "land until 2025-07-14T12:00 (next try at 2025-07-14T09:01)");
    assert_int_equal(deed->wait_next, T0 + 60);
    assert_int_equal(deed->wait_until, T0 + 3 * 3600);
    assert_int_equal(permit->status, MC_REQ_ASKED);
    assert_string_equal(permit->reason_code, "lookup.unreachable");
    mc_dossier_free(&d);
    int rows = 0;
    mc_dossier_filter all = MC_DOSSIER_FILTER_INIT;
    assert_int_equal(mc_store_dossier_each(mc_engine_store(f.e), &all, count_row, &rows, NULL), 0);
    assert_int_equal(rows, 0);
    close_wait(&f);
}

/* Every allocation failing in turn: a clean MC_ENOMEM and no dossier, then the same checklist. */
static int preview_once(void *ctx)
{
    live_fx *f = ctx;
    mc_dossier d;
    mc_result res;
    mc_error err;
    int rc = preview_live(f, "111", "222", &d, &res, &err);
    if (rc == 0) {
        assert_int_equal(d.requirements[1].status, MC_REQ_FETCHED);
        assert_int_equal(d.requirements[3].status, MC_REQ_ASKED);
        mc_dossier_free(&d);
    }
    return rc;
}

static void test_preview__out_of_memory_sweep(void **state)
{
    (void)state;
    live_fx f;
    open_live(&f, true, false);
    assert_true(tu_oom_sweep(preview_once, &f, false) > 20);
    close_live(&f);
}

/* ==== the queue's applicant's name (mc_engine_row_applicant, issue 21) ===================== */

static const char names_v1[] =
    "role clerk\n"
    "lifecycle l { state s { initial; on end -> z by clerk }\n state z { final } }\n"
    "procedure named { effective 2025-01-01; time-limit 1wd; lifecycle l; subject id\n"
    "  applicant name\n"
    "  field id { type text }\n  field name { type text } }\n"
    "procedure anon { effective 2025-01-01; time-limit 1wd; lifecycle l; subject id\n"
    "  field id { type text }\n  field name { type text } }\n";

typedef struct names_seen {
    mc_engine *e;
    char *name[8];
    size_t n;
} names_seen;

static int names_one(void *ud, const mc_dossier_row *row)
{
    names_seen *s = ud;
    char *name = (char *)"?";
    int rc = mc_engine_row_applicant(s->e, row, &name, NULL);
    if (rc == 0 && s->n < 8) {
        s->name[s->n++] = name;
    }
    return rc;
}

/* The names of the queue's rows (by id) read by e; each NULL or the name. */
static void names_of(mc_engine *e, names_seen *s)
{
    memset(s, 0, sizeof *s);
    s->e = e;
    mc_dossier_filter f = MC_DOSSIER_FILTER_INIT;
    assert_int_equal(mc_store_dossier_each(mc_engine_store(e), &f, names_one, s, NULL), 0);
}

static void names_free(names_seen *s)
{
    for (size_t i = 0; i < s->n; i++) {
        mc_free(s->name[i]);
    }
}

/* A row's applicant is the value of its procedure's `applicant FIELD`: the name as written
 * (accents and case kept, where the store keeps it folded); none (NULL) when the field is unset
 * or empty, when the procedure declares no applicant field (even with a field of that name), or
 * when the catalogue no longer has the procedure; a dossier on a text the catalogue changed is
 * read by that text's field; data that is not JSON gives no name, not an error. */
static void test_engine__a_row_names_its_applicant(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "/tmp/motcua-names-%d.db", (int)getpid());
    unlink(path);
    mc_catalogue *v1 = deploy_load(names_v1);
    mc_engine *e;
    assert_int_equal(mc_engine_open(&e, v1, NULL, path, NULL), 0);
    mc_kv an[] = {{"id", "001"}, {"name", "Nguyễn Văn An"}};
    mc_kv empty[] = {{"id", "002"}, {"name", ""}};
    mc_kv unset[] = {{"id", "003"}};
    mc_submit subs[] = {{.procedure = "named", .fields = an, .nfields = 2, .now = 1752458400},
                        {.procedure = "named", .fields = empty, .nfields = 2, .now = 1752458400},
                        {.procedure = "named", .fields = unset, .nfields = 1, .now = 1752458400},
                        {.procedure = "anon", .fields = an, .nfields = 2, .now = 1752458400}};
    for (size_t i = 0; i < 4; i++) {
        mc_result res;
        assert_int_equal(mc_engine_submit(e, &subs[i], &res, NULL), 0);
    }
    names_seen s;
    names_of(e, &s);
    assert_int_equal(s.n, 4);
    assert_string_equal(s.name[0], "Nguyễn Văn An");
    assert_null(s.name[1]);
    assert_null(s.name[2]);
    assert_null(s.name[3]);
    names_free(&s);

    /* The same version, its field renamed: dossier 1 runs on its stored text, whose field is
     * `name`; the catalogue's `full-name` would give none. */
    mc_catalogue *renamed = deploy_load(
        "role clerk\n"
        "lifecycle l { state s { initial; on end -> z by clerk }\n state z { final } }\n"
        "procedure named { effective 2025-01-01; time-limit 1wd; lifecycle l; subject id\n"
        "  applicant full-name\n"
        "  field id { type text }\n  field full-name { type text } }\n");
    mc_engine *e2;
    assert_int_equal(mc_engine_open(&e2, renamed, NULL, path, NULL), 0);
    names_of(e2, &s);
    assert_int_equal(s.n, 4);
    assert_string_equal(s.name[0], "Nguyễn Văn An");
    assert_null(s.name[3]); /* anon: no longer in the catalogue, nor in its text's */
    names_free(&s);

    /* A row whose data is not JSON, or has no values, or names no version: no name. */
    mc_dossier_row row = {
        .procedure = (char *)"named", .version = (char *)"2025-01-01", .data = (char *)"{not json"};
    char *name = (char *)"?";
    mc_error err;
    assert_int_equal(mc_engine_row_applicant(e, &row, &name, &err), 0);
    assert_null(name);
    row.data = (char *)"{}";
    name = (char *)"?";
    assert_int_equal(mc_engine_row_applicant(e, &row, &name, &err), 0);
    assert_null(name);
    row.data = (char *)"{\"values\":{\"name\":\"Trần Thị Bình\"}}";
    assert_int_equal(mc_engine_row_applicant(e, &row, &name, &err), 0);
    assert_string_equal(name, "Trần Thị Bình");
    mc_free(name);
    row.version = NULL;
    name = (char *)"?";
    assert_int_equal(mc_engine_row_applicant(e, &row, &name, &err), 0);
    assert_null(name);

    mc_engine_close(e2);
    mc_catalogue_free(renamed);
    mc_engine_close(e);
    mc_catalogue_free(v1);
    unlink(path);
}

typedef struct names_oom {
    mc_engine *e;
    mc_dossier_row row;
} names_oom;

static int names_attempt(void *ctx)
{
    names_oom *o = ctx;
    char *name = NULL;
    mc_error err;
    int rc = mc_engine_row_applicant(o->e, &o->row, &name, &err);
    if (rc == 0) {
        assert_string_equal(name, "Nguyễn Văn An");
    }
    mc_free(name);
    return rc;
}

/* Under memory pressure: the name, or MC_ENOMEM; no leak (ASan). */
static void test_engine__a_row_names_its_applicant_out_of_memory(void **state)
{
    (void)state;
    mc_catalogue *v1 = deploy_load(names_v1);
    names_oom o = {
        .row = {.procedure = (char *)"named",
                .version = (char *)"2025-01-01",
                .data = (char *)"{\"values\":{\"id\":\"001\",\"name\":\"Nguyễn Văn An\"}}"}};
    assert_int_equal(mc_engine_open(&o.e, v1, NULL, ":memory:", NULL), 0);
    assert_true(tu_oom_sweep(names_attempt, &o, false) > 0);
    mc_engine_close(o.e);
    mc_catalogue_free(v1);
}

/* ==== the transitions an event may take, and the rules that guard them ==================== */

static const char same_event_text[] =
    "role clerk\nrole head\n"
    "lifecycle l {\n"
    "  state a { initial\n"
    "    on go -> b by head when rule g.no\n"
    "    on go -> c by clerk when rule g.no\n"
    "    on go -> d by clerk head when rule g.yes\n"
    "    on go -> e by clerk\n"
    "    on stay -> a by clerk\n"
    "    on show -> a by clerk when rule g.show }\n"
    "  state b { final } state c { final } state d { final } state e { final }\n"
    "}\n"
    "procedure p { lifecycle l; time-limit 5wd; effective 2025-07-01; field x { type text } }\n";

static mc_rules *rules_of(const char *lua)
{
    mc_rules *r;
    assert_int_equal(mc_rules_new(&r, NULL, NULL), 0);
    if (lua != NULL) {
        assert_int_equal(mc_rules_load_buffer(r, "g", "rules/g.lua", lua, strlen(lua), NULL, NULL),
                         0);
    }
    return r;
}

/* Submits a dossier of p into lv and fires event as role: the state it ends in, or the refusal
 * in *res. */
static const char *go(mc_engine *e, mc_live *lv, const char *event, const char *role,
                      mc_result *res)
{
    mc_submit s = {.procedure = "p", .channel = "online", .now = 1751508000};
    mc_error err;
    assert_int_equal(mc_live_submit(e, lv, &s, res, &err), 0);
    mc_fire f = MC_FIRE_INIT;
    f.dossier = res->dossier;
    f.event = event;
    f.role = role;
    f.now = s.now + 60;
    int rc = mc_live_fire(e, lv, &f, res, &err);
    if (rc != 0 && rc != MC_EREFUSED) {
        fail_msg("fire %s: %s", event, err.msg);
    }
    mc_dossier dv;
    assert_int_equal(mc_live_view(lv, &dv), 0);
    return rc == 0 ? dv.state->name : NULL;
}

static void test_engine__an_event_takes_its_roles_first_transition_whose_guard_holds(void **state)
{
    (void)state;
    mc_catalogue *cat;
    char *diags;
    assert_int_equal(tu_load(same_event_text, &cat, &diags), 0);
    free(diags);
    mc_rules *yes = rules_of("function yes(d) return true end\n"
                             "function no(d) return false, 'no says no' end\n"
                             "function show(d) return false, d.submitted .. ' ' .. d.version end\n");
    mc_engine *e;
    mc_live *lv;
    assert_int_equal(mc_engine_open_volatile(&e, cat, yes, NULL, NULL, NULL), 0);
    assert_int_equal(mc_live_new(&lv), 0);
    mc_result res;
    /* clerk: c's guard is false, d's holds; head: b's is false, d's holds */
    assert_string_equal(go(e, lv, "go", "clerk", &res), "d");
    assert_string_equal(go(e, lv, "go", "head", &res), "d");
    assert_string_equal(go(e, lv, "stay", "clerk", &res), "a");
    /* the role is checked against every transition of the event, the state's other events
     * are named when the event is not the state's */
    assert_null(go(e, lv, "go", "applicant", &res));
    assert_int_equal(res.refusal, MC_REFUSED_ROLE);
    assert_string_equal(res.code, "role.not-allowed");
    assert_string_equal(res.message, "role 'applicant' may not fire 'go' in state 'a' "
                                     "(head, clerk, clerk, head, clerk may)");
    assert_null(go(e, lv, "gone", "clerk", &res));
    assert_int_equal(res.refusal, MC_REFUSED_STATE);
    assert_string_equal(res.code, "state.no-event-but");
    assert_null(go(e, lv, "stay", "head", &res));
    assert_int_equal(res.refusal, MC_REFUSED_ROLE);
    /* what rules see of the submission, at every event of the dossier */
    assert_null(go(e, lv, "show", "clerk", &res));
    assert_string_equal(res.message, "'show' is not allowed now: 2025-07-03T09:00 2025-07-01");
    mc_fire again = MC_FIRE_INIT;
    again.dossier = res.dossier;
    again.event = "show";
    again.role = "clerk";
    again.now = 1751508000 + 3600;
    mc_kv set[] = {{"x", "y"}}; /* a payload: the refused event is undone on a copy */
    again.payload.set = set;
    again.payload.nset = 1;
    for (int i = 0; i < 2; i++) {
        assert_int_equal(mc_live_fire(e, lv, &again, &res, NULL), MC_EREFUSED);
        assert_string_equal(res.message,
                            "'show' is not allowed now: 2025-07-03T09:00 2025-07-01");
    }

    /* Other rules in the same engine: what was resolved from the first is forgotten. */
    mc_rules *no = rules_of("function yes(d) return false, 'yes says no' end\n"
                            "function no(d) return false, 'no says no' end\n");
    mc_engine_set_catalogue(e, cat, no);
    assert_string_equal(go(e, lv, "go", "clerk", &res), "e");
    assert_null(go(e, lv, "go", "head", &res));
    assert_int_equal(res.refusal, MC_REFUSED_GUARD);
    assert_string_equal(res.message, "'go' is not allowed now: no says no");

    /* Rules without the module: refused each time, never taken from the rules before. */
    mc_rules *none = rules_of(NULL);
    mc_engine_set_catalogue(e, cat, none);
    for (int i = 0; i < 2; i++) {
        assert_null(go(e, lv, "go", "clerk", &res));
        assert_int_equal(res.refusal, MC_REFUSED_RULE); /* the catalogue's fault, not a no */
        assert_string_equal(res.code, "rule.not-loaded");
        assert_string_equal(res.message, "rule g.no is not loaded");
    }
    mc_engine_set_catalogue(e, cat, yes);
    assert_string_equal(go(e, lv, "go", "clerk", &res), "d");

    mc_live_free(lv);
    mc_engine_close(e);
    mc_rules_free(yes);
    mc_rules_free(no);
    mc_rules_free(none);
    mc_catalogue_free(cat);
}

/* Submits a dossier of p into lv and fires event as role, given the transition t (or NULL): the
 * state it ends in, or the refusal in *res. */
static const char *go_via(mc_engine *e, mc_live *lv, const char *event, const char *role,
                          const mc_transition *t, mc_result *res)
{
    mc_submit s = {.procedure = "p", .channel = "online", .now = 1751508000};
    assert_int_equal(mc_live_submit(e, lv, &s, res, NULL), 0);
    mc_fire f = MC_FIRE_INIT;
    f.event = event;
    f.role = role;
    f.now = s.now + 60;
    f.transition = t;
    int rc = mc_live_fire(e, lv, &f, res, NULL);
    assert_true(rc == 0 || rc == MC_EREFUSED);
    mc_dossier dv;
    assert_int_equal(mc_live_view(lv, &dv), 0);
    return rc == 0 ? dv.state->name : NULL;
}

/* Events are interned per state when it is built (the transitions of one event share an id,
 * the id of its first); a fire given the transition its caller chose takes what the names
 * would (the first transition of the event open to the role whose guard holds), and one of
 * another event or outside the state is ignored. */
static void test_engine__a_fire_given_its_transition_chooses_as_the_names_do(void **state)
{
    (void)state;
    mc_catalogue *cat;
    char *diags;
    assert_int_equal(tu_load(same_event_text, &cat, &diags), 0);
    free(diags);
    const mc_procedure *p = mc_catalogue_procedure(cat, "p", mc_date_from_ymd(2025, 7, 3));
    assert_non_null(p);
    const mc_state *a = p->machine.states[p->machine.initial];
    assert_int_equal(a->non, 6);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(a->on[i].event_id, 1); /* go */
    }
    assert_int_equal(a->on[4].event_id, 5); /* stay */
    assert_int_equal(a->on[5].event_id, 6); /* show */
    mc_rules *yes = rules_of("function yes(d) return true end\n"
                             "function no(d) return false, 'no says no' end\n"
                             "function show(d) return false, d.submitted .. ' ' .. d.version end\n");
    mc_engine *e;
    mc_live *lv;
    assert_int_equal(mc_engine_open_volatile(&e, cat, yes, NULL, NULL, NULL), 0);
    assert_int_equal(mc_live_new(&lv), 0);
    mc_result res;
    /* e's transition given, d's guard holds first: d, as by names */
    assert_string_equal(go_via(e, lv, "go", "clerk", &a->on[3], &res), "d");
    assert_string_equal(go_via(e, lv, "go", "head", &a->on[0], &res), "d");
    assert_string_equal(go_via(e, lv, "stay", "clerk", &a->on[4], &res), "a");
    /* a transition of another event, or one outside the state: the names decide */
    assert_string_equal(go_via(e, lv, "go", "clerk", &a->on[4], &res), "d");
    mc_transition elsewhere = a->on[4];
    assert_string_equal(go_via(e, lv, "stay", "clerk", &elsewhere, &res), "a");
    /* refusals say what they say by names */
    assert_null(go_via(e, lv, "go", "applicant", &a->on[3], &res));
    assert_int_equal(res.refusal, MC_REFUSED_ROLE);
    assert_string_equal(res.message, "role 'applicant' may not fire 'go' in state 'a' "
                                     "(head, clerk, clerk, head, clerk may)");
    assert_null(go_via(e, lv, "stay", "head", &a->on[4], &res));
    assert_int_equal(res.refusal, MC_REFUSED_ROLE);
    assert_null(go_via(e, lv, "show", "clerk", &a->on[5], &res));
    assert_string_equal(res.message, "'show' is not allowed now: 2025-07-03T09:00 2025-07-01");
    mc_live_free(lv);
    mc_engine_close(e);
    mc_rules_free(yes);
    mc_catalogue_free(cat);
}

/* An mc_live reuses what its dossier held for the next one: nothing of a dossier is seen in
 * the next (its fields, its state), and a refused submission leaves no dossier. */
static void test_engine__a_live_dossier_starts_afresh_in_reused_room(void **state)
{
    (void)state;
    mc_catalogue *cat;
    char *diags;
    assert_int_equal(tu_load(same_event_text, &cat, &diags), 0);
    free(diags);
    mc_rules *yes = rules_of("function yes(d) return true end\n"
                             "function no(d) return false end\n"
                             "function show(d) return false, d.fields.x or 'none' end\n");
    mc_engine *e;
    mc_live *lv;
    assert_int_equal(mc_engine_open_volatile(&e, cat, yes, NULL, NULL, NULL), 0);
    assert_int_equal(mc_live_new(&lv), 0);
    mc_kv fields[] = {{"x", "a value longer than the next one"}};
    mc_submit s = {.procedure = "p", .fields = fields, .nfields = 1, .now = 1751508000};
    mc_result res;
    mc_dossier dv;
    for (int round = 0; round < 3; round++) {
        s.nfields = round == 1 ? 0 : 1;
        fields[0].value = round == 2 ? "short" : "a value longer than the next one";
        assert_int_equal(mc_live_submit(e, lv, &s, &res, NULL), 0);
        assert_int_equal(mc_live_view(lv, &dv), 0);
        assert_string_equal(dv.state->name, "a");
        assert_string_equal(dv.channel, "counter");
        if (round == 1) {
            assert_null(dv.values[0]);
        } else {
            assert_string_equal(dv.values[0], fields[0].value);
        }
        mc_fire f = MC_FIRE_INIT;
        f.event = "show";
        f.role = "clerk";
        f.now = s.now + 60;
        assert_int_equal(mc_live_fire(e, lv, &f, &res, NULL), MC_EREFUSED);
        assert_string_equal(res.message, round == 1   ? "'show' is not allowed now: none"
                                         : round == 2 ? "'show' is not allowed now: short"
                                                      : "'show' is not allowed now: a value "
                                                        "longer than the next one");
        f.event = "go";
        assert_int_equal(mc_live_fire(e, lv, &f, &res, NULL), 0);
        assert_int_equal(mc_live_view(lv, &dv), 0);
        assert_string_equal(dv.state->name, "d");
        assert_true(dv.final);
    }
    s.channel = "pigeon";
    assert_int_equal(mc_live_submit(e, lv, &s, &res, NULL), MC_EREFUSED);
    assert_string_equal(res.code, "channel.unknown");
    assert_int_equal(mc_live_view(lv, &dv), MC_ENOTFOUND);
    s.channel = "post";
    assert_int_equal(mc_live_submit(e, lv, &s, &res, NULL), 0);
    assert_int_equal(mc_live_view(lv, &dv), 0);
    assert_string_equal(dv.channel, "post");
    assert_false(dv.final);
    mc_live_free(lv);
    mc_engine_close(e);
    mc_rules_free(yes);
    mc_catalogue_free(cat);
}

/* More rules than the engine remembers, each resolved again when its turn comes. */
static void test_engine__more_rules_than_the_engine_remembers(void **state)
{
    (void)state;
    char text[4096] = "role clerk\nlifecycle l {\n  state a { initial\n";
    char lua[4096] = "";
    for (int i = 0; i < 12; i++) {
        char line[200];
        snprintf(line, sizeof line, "    on go%d -> a by clerk when rule g.r%d\n", i, i);
        strcat(text, line);
        snprintf(line, sizeof line, "function r%d(d) return %s, 'r%d' end\n", i,
                 i % 3 == 0 ? "false" : "true", i);
        strcat(lua, line);
    }
    strcat(text, "    on end -> z by clerk }\n  state z { final }\n}\n"
                 "procedure p { lifecycle l; time-limit 5wd; field x { type text } }\n");
    mc_catalogue *cat;
    char *diags;
    assert_int_equal(tu_load(text, &cat, &diags), 0);
    free(diags);
    mc_rules *r = rules_of(lua);
    mc_engine *e;
    mc_live *lv;
    assert_int_equal(mc_engine_open_volatile(&e, cat, r, NULL, NULL, NULL), 0);
    assert_int_equal(mc_live_new(&lv), 0);
    mc_result res;
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 12; i++) {
            char ev[16], why[64];
            snprintf(ev, sizeof ev, "go%d", i);
            const char *got = go(e, lv, ev, "clerk", &res);
            if (i % 3 == 0) {
                assert_null(got);
                snprintf(why, sizeof why, "'go%d' is not allowed now: r%d", i, i);
                assert_string_equal(res.message, why);
            } else {
                assert_string_equal(got, "a");
            }
        }
    }
    mc_live_free(lv);
    mc_engine_close(e);
    mc_rules_free(r);
    mc_catalogue_free(cat);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_engine__submission_and_checklist),
        T(test_engine__clock_runs_from_reception_to_the_result),
        T(test_engine__overdue_then_late),
        T(test_engine__pause_keeps_the_days_left),
        T(test_engine__an_overdue_pause_has_no_due_instant),
        T(test_engine__supplement_restarts_the_clock),
        T(test_engine__timer_withdraws_after_thirty_days),
        T(test_engine__tick_fires_due_timers),
        T(test_engine__refusals_change_nothing_but_their_event),
        T(test_engine__invalid_submissions_are_refused),
        T(test_engine__versions_and_fee_rules),
        T(test_engine__apology),
        T(test_engine__once_only_refuses_asking_for_a_fetched_document),
        T(test_engine__asked_documents_say_why),
        T(test_engine__registry_import_is_an_event_at_its_instant),
        T(test_engine__hostile_notes_are_bounded),
        T(test_engine__notes_are_matched_after_normalisation),
        T(test_engine__request_ids_make_operations_idempotent),
        T(test_engine__request_ids_are_scoped_to_their_user),
        T(test_engine__the_subject_is_corrected_by_officers_only),
        T(test_engine__requested_documents_become_asked),
        T(test_engine__refusals_carry_their_message_code),
        T(test_engine__a_replayed_refusal_keeps_its_code),
        T(test_engine__asked_reasons_carry_their_message_code),
        cmocka_unit_test(test_engine__a_result_is_not_issued_under_a_foreign_subject),
        T(test_engine__out_of_memory_sweep),
        cmocka_unit_test(test_engine__concurrent_reuse_of_a_request_id),
        cmocka_unit_test(test_engine__ten_submissions_under_one_key),
        T(test_engine__operations_record_their_user),
        T(test_engine__the_answer_of_a_fire_is_what_a_load_reads),
        cmocka_unit_test(test_engine__crash_loses_nothing_acknowledged),
        cmocka_unit_test(test_engine__two_processes_lose_nothing),
        cmocka_unit_test(test_engine__two_optimistic_processes_lose_nothing),
        cmocka_unit_test(test_engine__rules_see_every_field_and_document),
#define X(name) cmocka_unit_test_setup_teardown(name, ext_setup, ext_teardown)
        X(test_engine__an_extension_lands_on_the_nth_working_day_after_the_due_day),
        X(test_engine__an_extension_is_refused_when_not_allowed),
        X(test_engine__an_extension_while_paused_adds_working_days_left),
        X(test_engine__an_extension_with_a_request_id_is_fired_once),
        X(test_engine__an_extension_out_of_memory_sweep),
        X(test_engine__a_live_dossier_allows_an_extension_only_before_the_due),
        cmocka_unit_test(test_engine__fee_schedule_charges_the_amount_in_force),
        cmocka_unit_test(test_engine__a_party_record_is_looked_up_under_the_party),
        cmocka_unit_test(test_engine__a_party_is_corrected_by_officers_only),
        cmocka_unit_test(test_engine__a_result_is_issued_under_each_party),
        cmocka_unit_test(test_engine__the_access_log_names_the_party),
        cmocka_unit_test(test_engine__a_loaded_dossier_logs_its_parties),
        cmocka_unit_test(test_engine__parties_out_of_memory_sweep),
        cmocka_unit_test(test_engine__an_expired_record_is_asked_with_the_reason),
        cmocka_unit_test(test_engine__deploy_check_names_the_dossiers_a_catalogue_breaks),
        cmocka_unit_test(test_engine__deploy_check_without_stored_texts),
        cmocka_unit_test(test_engine__procedure_texts_and_their_hashes),
        cmocka_unit_test(test_engine__a_new_holiday_moves_running_due_instants),
        cmocka_unit_test(test_live__found_and_asked_in_one_call),
        cmocka_unit_test(test_preview__resolves_as_submit_and_stores_nothing),
        cmocka_unit_test(test_preview__refusals_and_misuse),
        cmocka_unit_test(test_preview__a_registry_down_waits_or_is_asked),
        cmocka_unit_test(test_preview__out_of_memory_sweep),
        cmocka_unit_test(test_live__failed_answers_are_asked_with_the_reason),
        cmocka_unit_test(test_live__without_a_client_the_store_serves),
        cmocka_unit_test(test_live__the_event_and_the_access_log_keep_the_proof),
        cmocka_unit_test(test_live__a_dossier_changed_during_the_look_up_is_decided_again),
        cmocka_unit_test(test_live__look_ups_are_bounded),
        cmocka_unit_test(test_live__an_answer_is_reused_for_as_long_as_the_registry_says),
        cmocka_unit_test(test_live__the_store_counts_the_lookups_made_not_the_reused),
        cmocka_unit_test(test_live__a_failed_client_writes_nothing),
        cmocka_unit_test(test_live__out_of_memory_sweep),
        cmocka_unit_test(test_wait__a_registry_down_makes_the_requirement_wait),
        cmocka_unit_test(test_wait__retried_at_the_wake_then_fetched),
        cmocka_unit_test(test_wait__backoff_grows_is_capped_then_the_wait_ends),
        cmocka_unit_test(test_wait__incomplete_never_waits),
        cmocka_unit_test(test_wait__without_a_client_the_wait_stays),
        cmocka_unit_test(test_wait__a_failed_client_at_a_retry_changes_nothing),
        cmocka_unit_test(test_wait__out_of_memory_sweep),
        cmocka_unit_test(test_engine__a_result_for_a_live_registry_goes_into_the_outbox),
        cmocka_unit_test(test_engine__a_row_names_its_applicant),
        cmocka_unit_test(test_engine__a_row_names_its_applicant_out_of_memory),
        cmocka_unit_test(test_engine__an_event_takes_its_roles_first_transition_whose_guard_holds),
        cmocka_unit_test(test_engine__a_fire_given_its_transition_chooses_as_the_names_do),
        cmocka_unit_test(test_engine__a_live_dossier_starts_afresh_in_reused_room),
        cmocka_unit_test(test_engine__more_rules_than_the_engine_remembers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
