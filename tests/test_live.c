/*
 * Dossiers in memory (engine.h, "dossiers in memory"): a volatile engine takes the stored
 * operations' decisions — checklist, once-only resolution through its lookup, guards, clock,
 * timers, issued records (counted) — on a dossier the caller holds; a refused event with a
 * payload leaves the dossier as it was; stored and volatile operations refuse each other's
 * engines.
 */
#include "testutil.h"

#include "motcua/calendar.h"
#include "motcua/engine.h"

static const char catalogue_text[] =
    "calendar vn { default; hours 07:30-11:30 13:30-17:00; cutoff 15:00 }\n"
    "role clerk\nrole head\n"
    "document birth-notice\ndocument marriage-certificate\ndocument birth-certificate\n"
    "registry civil-status { holds marriage-certificate birth-certificate }\n"
    "lifecycle one-stop { apology by clerk head\n"
    "  state submitted { initial; on receive -> processing by clerk\n"
    "    on request-supplement -> awaiting-supplement by clerk }\n"
    "  state awaiting-supplement { clock stopped\n"
    "    on supplement -> processing by applicant restart-clock\n"
    "    after 30d -> withdrawn }\n"
    "  state processing {\n"
    "    on approve -> approved by head when rule guards.complete\n"
    "    on spin -> processing by head when rule guards.spin\n"
    "    on toggle -> approved by head when rule guards.flip\n"
    "    on decide -> approved by head when rule guards.broken }\n"
    "  state approved { issues birth-certificate to civil-status\n"
    "    on return-result -> returned by clerk }\n"
    "  state returned { final; outcome granted }\n"
    "  state withdrawn { final; outcome withdrawn }\n"
    "}\n"
    "procedure birth { time-limit 3wd; lifecycle one-stop; subject citizen-id\n"
    "  field citizen-id { type text; required; pattern \"[0-9]{12}\" }\n"
    "  field married { type bool }\n"
    "  requires birth-notice\n"
    "  requires marriage-certificate when married }\n";

static const char guards_lua[] =
    "function complete(d)\n"
    "  for name, status in pairs(d.documents) do\n"
    "    if status == 'asked' then return false, name .. ' is still missing' end\n"
    "  end\n"
    "  return true\n"
    "end\n"
    "function spin(d) while true do end end\n"
    "local calls = 0\n"
    "function flip(d) calls = calls + 1; return calls % 2 == 1 end\n"
    "function broken(d) return d.fields.exempt - category > 0 end\n";

typedef struct fx {
    mc_catalogue *cat;
    mc_rules *rules;
    mc_engine *e;
    mc_live *d;
    const mc_calendar *vn;
    int lookups;
} fx;

/* The registries of these tests: civil-status holds the marriage certificate of subjects
 * ending in 1. */
static int lookup(void *ud, const char *registry, const char *document, const char *subject,
                  char *ref, size_t refsz)
{
    fx *f = ud;
    f->lookups++;
    if (strcmp(registry, "civil-status") == 0 && strcmp(document, "marriage-certificate") == 0 &&
        subject[strlen(subject) - 1] == '1') {
        snprintf(ref, refsz, "MC-%s", subject);
        return 1;
    }
    return 0;
}

static int64_t at(const fx *f, const char *dt)
{
    mc_datetime m;
    assert_int_equal(mc_value_datetime(dt, strlen(dt), &m, NULL, 0), 0);
    return mc_calendar_to_utc(f->vn, (mc_localtime)m * 60);
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    char *diags;
    assert_int_equal(tu_load(catalogue_text, &f->cat, &diags), 0);
    free(diags);
    mc_rules_opts small = {.memory_cap = 1 << 20,
                           .steps = 20000,
                           .time_ms = 60000}; /* a minute: the budget, not the time */
    assert_int_equal(mc_rules_new(&f->rules, &small, NULL), 0);
    assert_int_equal(mc_rules_load_buffer(f->rules, "guards", "rules/guards.lua", guards_lua,
                                          sizeof guards_lua - 1, NULL, NULL),
                     0);
    assert_int_equal(mc_engine_open_volatile(&f->e, f->cat, f->rules, lookup, f, NULL), 0);
    assert_int_equal(mc_live_new(&f->d), 0);
    f->vn = mc_catalogue_calendar(f->cat, "vn");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    mc_live_free(f->d);
    mc_engine_close(f->e);
    mc_rules_free(f->rules);
    mc_catalogue_free(f->cat);
    free(f);
    return 0;
}

static int submit(fx *f, const char *subject, const char *married, mc_result *res)
{
    mc_kv fields[] = {{"citizen-id", subject}, {"married", married}};
    mc_submit s = {.procedure = "birth",
                   .fields = fields,
                   .nfields = 2,
                   .channel = "online",
                   .now = at(f, "2025-07-03T09:00")};
    return mc_live_submit(f->e, f->d, &s, res, NULL);
}

static int fire(fx *f, const char *event, const char *role, const char *when, mc_result *res)
{
    mc_fire x = MC_FIRE_INIT;
    x.event = event;
    x.role = role;
    x.now = at(f, when);
    mc_error err;
    return mc_live_fire(f->e, f->d, &x, res, &err);
}

static mc_req_status status(fx *f, size_t i)
{
    mc_dossier v;
    assert_int_equal(mc_live_view(f->d, &v), 0);
    /* the simulation's shortcut reads the same */
    assert_int_equal(mc_live_req_status(f->d, i), v.requirements[i].status);
    return v.requirements[i].status;
}

static const char *state_name(fx *f)
{
    mc_dossier v;
    assert_int_equal(mc_live_view(f->d, &v), 0);
    bool final = !v.final;
    assert_ptr_equal(mc_live_state(f->d, &final), v.state); /* the simulation's shortcut */
    assert_int_equal(final, v.final);
    assert_int_equal(mc_live_req_status(f->d, v.procedure->nrequires), MC_REQ_NOT_REQUIRED);
    return v.state->name;
}

/* The checklist is resolved through the lookup; the path to `returned` runs the guard and
 * counts the record issued on the way. */
static void test_live__submit_resolve_and_run_to_the_end(void **state)
{
    fx *f = *state;
    mc_result res;
    assert_int_equal(submit(f, "001234567891", "true", &res), 0);
    assert_true(res.dossier > 0);
    assert_true(f->lookups > 0);
    assert_int_equal(status(f, 0), MC_REQ_ASKED);   /* birth-notice: no registry */
    assert_int_equal(status(f, 1), MC_REQ_FETCHED); /* marriage-certificate: found */
    mc_dossier v;
    assert_int_equal(mc_live_view(f->d, &v), 0);
    assert_string_equal(v.requirements[1].registry, "civil-status");
    assert_string_equal(v.requirements[1].record, "MC-001234567891");
    assert_int_equal(fire(f, "receive", "clerk", "2025-07-03T10:00", &res), 0);
    assert_int_equal(mc_live_view(f->d, &v), 0);
    assert_true(v.due != MC_NONE);

    /* The guard refuses while birth-notice is asked; allows once it is provided. */
    const mc_transition *approve = &v.state->on[0];
    bool ok = true;
    assert_int_equal(
        mc_live_allows(f->e, f->d, approve, at(f, "2025-07-03T11:00"), &ok, &res, NULL), 0);
    assert_false(ok);
    assert_int_equal(fire(f, "approve", "head", "2025-07-03T11:00", &res), MC_EREFUSED);
    assert_int_equal(res.refusal, MC_REFUSED_GUARD);
    assert_non_null(strstr(res.message, "birth-notice is still missing"));
    assert_int_equal(mc_live_provide_asked(f->d), 1);
    assert_int_equal(status(f, 0), MC_REQ_PROVIDED);
    assert_int_equal(
        mc_live_allows(f->e, f->d, approve, at(f, "2025-07-04T09:00"), &ok, &res, NULL), 0);
    assert_true(ok);

    assert_int_equal(mc_live_issued(f->d), 0);
    assert_int_equal(fire(f, "approve", "head", "2025-07-04T09:00", &res), 0);
    assert_int_equal(mc_live_issued(f->d), 1);
    assert_int_equal(fire(f, "return-result", "clerk", "2025-07-04T10:00", &res), 0);
    assert_int_equal(mc_live_view(f->d, &v), 0);
    assert_true(v.final);
    assert_int_equal(v.late, 0);
    assert_string_equal(v.state->name, "returned");
    assert_int_equal(mc_live_next_timer(f->d), MC_NONE);
    assert_int_equal(fire(f, "receive", "clerk", "2025-07-05T10:00", &res), MC_EREFUSED);
    assert_int_equal(res.refusal, MC_REFUSED_STATE);
}

/* A subject the registry does not know is asked, with the reason. */
static void test_live__not_found_is_asked(void **state)
{
    fx *f = *state;
    mc_result res;
    assert_int_equal(submit(f, "001234567890", "true", &res), 0);
    mc_dossier v;
    assert_int_equal(mc_live_view(f->d, &v), 0);
    assert_int_equal(v.requirements[1].status, MC_REQ_ASKED);
    assert_string_equal(v.requirements[1].reason, "not found in civil-status");
}

/* Timers: the next one is known, and catching up past it fires it. */
static void test_live__timer_fires_on_catch_up(void **state)
{
    fx *f = *state;
    mc_result res;
    assert_int_equal(submit(f, "001234567890", "false", &res), 0);
    assert_int_equal(mc_live_next_timer(f->d), MC_NONE);
    assert_int_equal(fire(f, "request-supplement", "clerk", "2025-07-03T10:00", &res), 0);
    int64_t t = mc_live_next_timer(f->d);
    mc_duration month = {MC_DUR_D, 30 * MC_FIXED_ONE};
    int64_t asked = at(f, "2025-07-03T10:00");
    assert_int_equal(
        t, mc_calendar_to_utc(
               f->vn, mc_calendar_deadline(f->vn, mc_calendar_to_local(f->vn, asked), month)));
    assert_true(t > asked + 30 * 86400);
    assert_int_equal(mc_live_catch_up(f->e, f->d, t, NULL), 0); /* strictly past: not yet */
    assert_string_equal(state_name(f), "awaiting-supplement");
    assert_int_equal(mc_live_catch_up(f->e, f->d, t + 1, NULL), 0);
    assert_string_equal(state_name(f), "withdrawn");
}

/* A refused event leaves the fields its payload set as they were. */
static void test_live__refusal_undoes_the_payload(void **state)
{
    fx *f = *state;
    mc_result res;
    assert_int_equal(submit(f, "001234567890", "false", &res), 0);
    assert_int_equal(fire(f, "receive", "clerk", "2025-07-03T10:00", &res), 0);
    mc_kv set[] = {{"married", "true"}};
    mc_fire x = MC_FIRE_INIT;
    x.event = "approve";
    x.role = "head";
    x.now = at(f, "2025-07-03T11:00");
    x.payload.set = set;
    x.payload.nset = 1;
    assert_int_equal(mc_live_fire(f->e, f->d, &x, &res, NULL), MC_EREFUSED);
    assert_int_equal(res.refusal, MC_REFUSED_GUARD);
    mc_dossier v;
    assert_int_equal(mc_live_view(f->d, &v), 0);
    assert_string_equal(v.values[1], "false");
    assert_int_equal(v.requirements[1].status, MC_REQ_NOT_REQUIRED);
    assert_string_equal(v.state->name, "processing");
}

/* A rule that runs away is a limit refusal, not a hang. */
static void test_live__runaway_rule_is_a_limit(void **state)
{
    fx *f = *state;
    mc_result res;
    assert_int_equal(submit(f, "001234567890", "false", &res), 0);
    assert_int_equal(fire(f, "receive", "clerk", "2025-07-03T10:00", &res), 0);
    mc_dossier v;
    assert_int_equal(mc_live_view(f->d, &v), 0);
    bool ok = true;
    assert_int_equal(
        mc_live_allows(f->e, f->d, &v.state->on[1], at(f, "2025-07-03T11:00"), &ok, &res, NULL),
        MC_EREFUSED);
    assert_int_equal(res.refusal, MC_REFUSED_LIMIT);
    assert_false(ok);
}

/* A refused submission leaves no dossier; operations on none are usage errors. */
static void test_live__refused_submit_leaves_no_dossier(void **state)
{
    fx *f = *state;
    mc_result res;
    assert_int_equal(submit(f, "12", "false", &res), MC_EREFUSED);
    assert_non_null(strstr(res.message, "does not match its pattern"));
    mc_dossier v;
    assert_int_equal(mc_live_view(f->d, &v), MC_ENOTFOUND);
    bool final = true;
    assert_null(mc_live_state(f->d, &final));
    assert_false(final);
    assert_int_equal(mc_live_req_status(f->d, 0), MC_REQ_NOT_REQUIRED);
    mc_error err;
    mc_fire x = MC_FIRE_INIT;
    x.event = "receive";
    x.role = "clerk";
    assert_int_equal(mc_live_fire(f->e, f->d, &x, &res, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "there is no dossier (submit one first)");
    assert_int_equal(mc_live_provide_asked(f->d), 0);
    assert_int_equal(mc_live_issued(f->d), 0);
}

/* Stored operations refuse a volatile engine, and live ones a stored engine. */
static void test_live__engines_do_not_mix(void **state)
{
    fx *f = *state;
    mc_error err;
    mc_result res;
    mc_kv fields[] = {{"citizen-id", "001234567890"}};
    mc_submit s = {
        .procedure = "birth", .fields = fields, .nfields = 1, .now = at(f, "2025-07-03T09:00")};
    assert_int_equal(mc_engine_submit(f->e, &s, &res, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "submit needs an engine with a store");
    size_t n = 7;
    assert_int_equal(mc_engine_tick(f->e, 0, &n, &err), MC_EUSAGE);
    assert_int_equal(n, 0);
    mc_dossier d;
    assert_int_equal(mc_engine_get(f->e, 1, 0, &d, &err), MC_EUSAGE);

    mc_engine *stored;
    assert_int_equal(mc_engine_open(&stored, f->cat, f->rules, ":memory:", NULL), 0);
    assert_int_equal(mc_live_submit(stored, f->d, &s, &res, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "mc_live_submit needs a volatile engine (this one has a store)");
    mc_engine_close(stored);
}

static int apologize(fx *f, const char *role, const char *when, bool *timely, mc_result *res)
{
    mc_apology a = MC_APOLOGY_INIT;
    a.role = role;
    a.now = at(f, when);
    a.new_date = mc_date_from_ymd(2025, 7, 15);
    a.reason = "many dossiers this week";
    mc_error err;
    return mc_live_apologize(f->e, f->d, &a, timely, res, &err);
}

/* The apology of a simulated late dossier (issue 23): the stored operation's decisions — one
 * apology, by a role the lifecycle names, while the clock runs — and whether it was timely
 * (before office hours open on the due's day). */
static void test_live__apology(void **state)
{
    fx *f = *state;
    mc_result res;
    bool timely = true;
    assert_int_equal(mc_live_due(f->d), MC_NONE); /* no dossier yet */
    assert_int_equal(apologize(f, "clerk", "2025-07-04T09:00", &timely, &res), MC_ENOTFOUND);
    assert_int_equal(submit(f, "001234567891", "true", &res), 0);
    assert_int_equal(fire(f, "receive", "clerk", "2025-07-03T10:00", &res), 0);
    int64_t due = mc_live_due(f->d);
    mc_dossier v;
    assert_int_equal(mc_live_view(f->d, &v), 0);
    assert_int_equal(due, v.due);
    assert_true(due > at(f, "2025-07-07T17:00") && due <= at(f, "2025-07-08T17:00"));
    /* the applicant may not apologize for the agency */
    assert_int_equal(apologize(f, "applicant", "2025-07-04T09:00", &timely, &res), MC_EREFUSED);
    assert_string_equal(res.code, "apology.role");
    /* the day before the due's: timely, once */
    assert_int_equal(apologize(f, "clerk", "2025-07-07T10:00", &timely, &res), 0);
    assert_true(timely);
    assert_int_equal(mc_live_view(f->d, &v), 0);
    assert_true(v.apologized);
    assert_int_equal(apologize(f, "head", "2025-07-07T11:00", &timely, &res), MC_EREFUSED);
    assert_string_equal(res.code, "apology.twice");
    assert_false(timely);
    /* a new dossier: on the due's own day, the apology is late */
    assert_int_equal(submit(f, "001234567892", "false", &res), 0);
    assert_int_equal(fire(f, "receive", "clerk", "2025-07-03T10:00", &res), 0);
    assert_int_equal(apologize(f, "head", "2025-07-08T09:00", &timely, &res), 0);
    assert_false(timely);
    /* the clock stopped: no due, no apology */
    assert_int_equal(submit(f, "001234567893", "false", &res), 0);
    assert_int_equal(fire(f, "request-supplement", "clerk", "2025-07-03T10:00", &res), 0);
    assert_int_equal(mc_live_due(f->d), MC_NONE);
    assert_int_equal(apologize(f, "clerk", "2025-07-04T09:00", &timely, &res), MC_EREFUSED);
    assert_string_equal(res.code, "apology.no-clock");
}

/* The transition with its event and the role named, from the dossier's current state. */
static const mc_transition *transition_of(fx *f, const char *event)
{
    bool final;
    const mc_state *st = mc_live_state(f->d, &final);
    for (size_t i = 0; i < st->non; i++) {
        if (strcmp(st->on[i].event, event) == 0) {
            return &st->on[i];
        }
    }
    fail_msg("no transition '%s'", event);
    return NULL;
}

/* mc_fire.when_held (issue 23): a guard the caller found to hold is not run again at the fire
 * (guards.flip answers true, then false, then true…), unless the payload changes the dossier;
 * without it the engine decides again. */
static void test_live__when_held_spares_the_guard(void **state)
{
    fx *f = *state;
    mc_result res;
    mc_error err;
    assert_int_equal(submit(f, "001234567891", "true", &res), 0);
    assert_int_equal(fire(f, "receive", "clerk", "2025-07-03T10:00", &res), 0);
    const mc_transition *t = transition_of(f, "toggle");
    bool allowed = false;
    /* held: the allow's true stands (the guard would say false now) */
    assert_int_equal(mc_live_allows(f->e, f->d, t, at(f, "2025-07-03T11:00"), &allowed, &res, &err),
                     0);
    assert_true(allowed);
    mc_fire x = MC_FIRE_INIT;
    x.event = "toggle";
    x.role = "head";
    x.now = at(f, "2025-07-03T11:00");
    x.transition = t;
    x.when_held = true;
    assert_int_equal(mc_live_fire(f->e, f->d, &x, &res, &err), 0);
    assert_string_equal(state_name(f), "approved");
    /* not held: the engine runs the guard again, which now says false */
    assert_int_equal(submit(f, "001234567891", "true", &res), 0);
    assert_int_equal(fire(f, "receive", "clerk", "2025-07-03T10:00", &res), 0);
    t = transition_of(f, "toggle");
    assert_int_equal(mc_live_allows(f->e, f->d, t, at(f, "2025-07-03T11:00"), &allowed, &res, &err),
                     0);
    assert_false(allowed); /* the second call */
    assert_int_equal(mc_live_allows(f->e, f->d, t, at(f, "2025-07-03T11:00"), &allowed, &res, &err),
                     0);
    assert_true(allowed); /* the third */
    x.transition = t;
    x.when_held = false; /* the fourth call says false */
    assert_int_equal(mc_live_fire(f->e, f->d, &x, &res, &err), MC_EREFUSED);
    assert_string_equal(res.code, "guard.false");
    assert_string_equal(state_name(f), "processing");
    /* held, but the payload sets a field: decided again (false: the sixth call) */
    assert_int_equal(mc_live_allows(f->e, f->d, t, at(f, "2025-07-03T11:00"), &allowed, &res, &err),
                     0);
    assert_true(allowed); /* the fifth call */
    mc_kv set[] = {{"married", "false"}};
    x.when_held = true;
    x.payload.set = set;
    x.payload.nset = 1;
    assert_int_equal(mc_live_fire(f->e, f->d, &x, &res, &err), MC_EREFUSED);
    assert_string_equal(res.code, "guard.false");
    assert_string_equal(state_name(f), "processing");
    /* held and nothing changed: taken (the seventh call would have said true anyway, the
     * eighth false: held, the guard is not run) */
    assert_int_equal(mc_live_allows(f->e, f->d, t, at(f, "2025-07-03T11:00"), &allowed, &res, &err),
                     0);
    assert_true(allowed);
    x.payload.set = NULL;
    x.payload.nset = 0;
    assert_int_equal(mc_live_fire(f->e, f->d, &x, &res, &err), 0);
    assert_string_equal(state_name(f), "approved");
}

/* A rule that raises is its own refusal, `rule`, with its file and line (issue 24): not a
 * guard's false, which stays `guard`. */
static void test_live__a_rule_error_is_not_a_guard(void **state)
{
    fx *f = *state;
    mc_result res;
    assert_int_equal(submit(f, "001234567891", "true", &res), 0);
    assert_int_equal(fire(f, "receive", "clerk", "2025-07-03T10:00", &res), 0);
    assert_int_equal(fire(f, "decide", "head", "2025-07-03T11:00", &res), MC_EREFUSED);
    assert_int_equal(res.refusal, MC_REFUSED_RULE);
    assert_string_equal(mc_refusal_name(res.refusal), "rule");
    assert_string_equal(res.code, "rule.failed");
    assert_non_null(strstr(res.message, "rule guards.broken: rules/guards.lua:10: "));
    assert_non_null(strstr(res.message, "attempt to perform arithmetic on a nil value"));
    bool allowed = true;
    mc_error err;
    assert_int_equal(mc_live_allows(f->e, f->d, transition_of(f, "decide"),
                                    at(f, "2025-07-03T11:00"), &allowed, &res, &err),
                     MC_EREFUSED);
    assert_int_equal(res.refusal, MC_REFUSED_RULE);
    /* a guard that answers no is a guard */
    assert_int_equal(fire(f, "approve", "head", "2025-07-03T11:00", &res), MC_EREFUSED);
    assert_int_equal(res.refusal, MC_REFUSED_GUARD);
    assert_string_equal(mc_refusal_name(res.refusal), "guard");
}

/* The due instant of a clock started in whole days (at `receive`) is the calendar's, for every
 * dossier of a day: the engine keeps the last one it counted (per calendar, start day and limit), and it
 * must not give one dossier another's. Dossiers on one day before and after the cutoff, of
 * limits in working days and in days, on two calendars (a holiday in the second), and back. */
static void test_live__due_in_days_is_the_calendars(void **state)
{
    (void)state;
    static const char text[] =
        "calendar vn { default; hours 07:30-11:30 13:30-17:00; cutoff 15:00 }\n"
        "calendar south { hours 08:00-17:00; holiday 2025-07-07 \"a day off\" }\n"
        "role clerk\n"
        "lifecycle simple {\n"
        "  state submitted { initial; clock stopped; on receive -> processing by clerk }\n"
        "  state processing { on finish -> done by clerk }\n"
        "  state done { final; outcome granted } }\n"
        "procedure three { time-limit 3wd; lifecycle simple }\n"
        "procedure five { time-limit 5wd; lifecycle simple }\n"
        "procedure ten { time-limit 10d; lifecycle simple }\n"
        "procedure three-south { time-limit 3wd; lifecycle simple; calendar south }\n";
    mc_catalogue *cat;
    char *diags;
    assert_int_equal(tu_load(text, &cat, &diags), 0);
    free(diags);
    mc_engine *e;
    mc_live *d;
    assert_int_equal(mc_engine_open_volatile(&e, cat, NULL, NULL, NULL, NULL), 0);
    assert_int_equal(mc_live_new(&d), 0);
    static const struct {
        const char *procedure, *when;
    } runs[] = {
        {"three", "2025-07-03T09:00"},       {"three", "2025-07-03T10:00"},
        {"three", "2025-07-03T16:00"},       {"three", "2025-07-03T09:30"},
        {"five", "2025-07-03T09:30"},        {"ten", "2025-07-03T09:30"},
        {"three-south", "2025-07-03T09:30"}, {"three", "2025-07-03T09:30"},
        {"three-south", "2025-07-04T09:30"}, {"ten", "2025-07-04T18:00"},
        {"five", "2025-07-05T10:00"},        {"three", "2025-07-05T10:00"},
    };
    int64_t last = MC_NONE;
    size_t moved = 0;
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        const mc_procedure *p = mc_catalogue_procedure(cat, runs[i].procedure, mc_date_from_ymd(2025, 7, 3));
        assert_non_null(p);
        const mc_calendar *cal = p->calendar;
        assert_non_null(cal);
        mc_datetime m;
        assert_int_equal(mc_value_datetime(runs[i].when, strlen(runs[i].when), &m, NULL, 0), 0);
        int64_t now = mc_calendar_to_utc(cal, (mc_localtime)m * 60);
        mc_submit s = {.procedure = runs[i].procedure, .channel = "online", .now = now};
        mc_result res;
        assert_int_equal(mc_live_submit(e, d, &s, &res, NULL), 0);
        mc_fire f = MC_FIRE_INIT;
        f.event = "receive";
        f.role = "clerk";
        f.now = now;
        assert_int_equal(mc_live_fire(e, d, &f, &res, NULL), 0);
        mc_dossier v;
        assert_int_equal(mc_live_view(d, &v), 0);
        int64_t want = mc_calendar_to_utc(
            cal, mc_calendar_deadline(cal, mc_calendar_to_local(cal, now), p->time_limit));
        if (v.due != want) {
            fail_msg("%s at %s: due %lld, not %lld", runs[i].procedure, runs[i].when,
                     (long long)v.due, (long long)want);
        }
        moved += last != MC_NONE && v.due != last;
        last = v.due;
    }
    assert_true(moved >= 7); /* the runs give different instants, one after another */
    mc_live_free(d);
    mc_engine_close(e);
    mc_catalogue_free(cat);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_live__submit_resolve_and_run_to_the_end),
        T(test_live__not_found_is_asked),
        T(test_live__timer_fires_on_catch_up),
        T(test_live__refusal_undoes_the_payload),
        T(test_live__runaway_rule_is_a_limit),
        T(test_live__refused_submit_leaves_no_dossier),
        T(test_live__engines_do_not_mix),
        T(test_live__apology),
        T(test_live__when_held_spares_the_guard),
        T(test_live__a_rule_error_is_not_a_guard),
        cmocka_unit_test(test_live__due_in_days_is_the_calendars),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
