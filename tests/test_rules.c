/*
 * The Lua sandbox (rules.h): the rule API through the read-only dossier view, and an attack
 * suite — every attack ends its call with a clear error naming the rule and its location, and
 * the next rule still runs.
 */
#include "testutil.h"

#include "motcua/rules.h"
#include "base/buf.h"

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static const char civil_lua[] =
    "-- civil-status rules\n"
    "function parents_married(d) return d.fields['parents-married'] == true end\n"
    "function birth_fee(d)\n"
    "  if d.fields['late-registration'] then return 5000 end\n"
    "  return 0\n"
    "end\n"
    "function three(d) return d.fields.a + d.fields.b + d.fields.c end\n"
    "function complete(d)\n"
    "  for name, status in pairs(d.documents) do\n"
    "    if status == 'asked' then return false, 'document ' .. name .. ' is still missing' end\n"
    "  end\n"
    "  return true\n"
    "end\n"
    "function info(d) return d.procedure == 'birth' and d.version == '2025-07-01' and\n"
    "  d.subject == '001234567890' and d.state == 'submitted' and d.channel == 'online' and\n"
    "  d.submitted == '2025-03-03T09:00' and d.nothing == nil end\n"
    "function holds(d) return registry.holds('civil-status', 'marriage-certificate', d.subject) "
    "end\n"
    "function due(d) return calendar.add(d.submitted, '3wd') == '2025-03-06T17:00' end\n"
    "function wdays(d) return calendar.working_days('2025-03-03', '2025-03-10T08:00') == 5 and\n"
    "  calendar.working_days('1969-12-29T12:00', '1970-01-05') == 5 end\n"
    "function count_fields(d) local n = 0; for k, v in pairs(d.fields) do n = n + 1 end; "
    "return n end\n"
    "function nested_fields(d) local o, n = 0, 0; for k in pairs(d.fields) do o = o + 1; "
    "for k2 in pairs(d.fields) do n = n + 1 end end; return o * 100 + n end\n"
    "function broken_then_again(d) for k in pairs(d.fields) do break end; local n = 0; "
    "for k in pairs(d.fields) do n = n + 1; for j in pairs(d.fields) do break end end; "
    "return n end\n"
    "function rand(d) return math.random(1, 1000000) end\n"
    "local cache = {}\n"
    "function remember(d) cache[#cache + 1] = d.subject; return #cache end\n"
    "function methods(d) return ('abc'):upper() == 'ABC' and string.format('%d', 3) == '3' and "
    "utf8.len('Đăng') == 4 and table.concat({1, 2}, ',') == '1,2' end\n";

static const char attack_lua[] =
    "function loop(d) while true do end end\n" /* 1 */
    "function loop_pcall(d) while true do pcall(function() while true do end end) end end\n"
    "function loop_coroutine(d) local co = coroutine.wrap(function() while true do end end) "
    "co() end\n"
    "function many_coroutines(d) for i = 1, 1e9 do coroutine.wrap(function() for j = 1, 20 "
    "do end end)() end end\n"
    "function concat(d) local s = 'x' while true do s = s .. s end end\n" /* 5 */
    "function grow_table(d) local t = {} for i = 1, 1e9 do t[i] = {i, i, i, i, i, i, i, i} end "
    "end\n"
    "function rep(d) return string.rep('x', 1e12) == '' end\n"
    "function call_load(d) return load('return 1') end\n"
    "function call_loadstring(d) return loadstring('return 1') end\n"
    "function call_dofile(d) return dofile('/etc/passwd') end\n" /* 10 */
    "function call_require(d) return require('os') end\n"
    "function io_open(d) return io.open('/etc/passwd') end\n"
    "function os_execute(d) return os.execute('true') end\n"
    "function os_exit(d) return os.exit(1) end\n"
    "function debug_sethook(d) return debug.sethook() end\n" /* 15 */
    "function gc(d) return collectgarbage('count') end\n"
    "function set_G(d) setmetatable(_G, {}) end\n"
    "function string_mt(d) getmetatable('').__index = {} end\n"
    "function string_lib(d) string.upper = nil end\n"
    "function write_d(d) d.state = 'approved' end\n" /* 20 */
    "function write_fields(d) d.fields.x = 1 end\n"
    "function new_global(d) x = 1 end\n"
    "function overwrite_global(d) loop = nil end\n"
    "function return_table(d) return {} end\n"
    "function raise_table(d) error({}) end\n" /* 25 */
    "function raise_nil(d) error(nil) end\n"
    "function recurse(d) local function f(n) return f(n + 1) + 1 end return f(1) end\n"
    "function pcall_swallow(d) local ok = pcall(function() while true do end end) return true "
    "end\n"
    "function setmetatable_d(d) setmetatable(d, {}) end\n"
    "function rawset_env(d) rawset(_ENV, 'x', 1) end\n" /* 30 */
    "function env_write(d) _ENV.y = 2 end\n"
    "function meta_env(d) return setmetatable(_ENV, {}) end\n"
    "function print_it(d) print('x') end\n"
    "function reseed(d) math.randomseed(1) end\n"
    "function dump(d) return string.dump(loop) end\n" /* 35 */
    "function fee_fraction(d) return 1.5 end\n"
    "function fee_negative(d) return -1 end\n"
    "function fee_string(d) return '10' end\n"
    "function library_write(d) math.pi = 3 end\n"
    "function big_table(d) local t = {} for i = 1, 1e7 do t[i] = {} end end\n" /* 40 */
    "function rep_100mb(d) return #string.rep('x', 1e8) end\n"
    "function gc_bomb(d) setmetatable({}, {__gc = function() while true do end end}) end\n";

/* The deadline is wall-clock time: tests that assert another outcome (a result, the budget's
 * message) give it a minute, so that a loaded machine pausing the test cannot change it. The
 * deadline's own tests use 50 ms or less. */
enum { CALM_MS = 60000 };
static const mc_rules_opts calm = {(size_t)8 << 20, 1000000, CALM_MS};

typedef struct fixture {
    mc_rules *rules;
    mc_view_field fields[6];
    mc_view_document docs[2];
    mc_rule_view view;
    const mc_calendar *cal;
} fixture;

static bool holds_cb(void *ud, const char *reg, const char *doc, const char *subject)
{
    (void)ud;
    return strcmp(reg, "civil-status") == 0 && strcmp(doc, "marriage-certificate") == 0 &&
           strcmp(subject, "001234567890") == 0;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    mc_rules_opts opts = {1 << 20, 100000, CALM_MS};
    assert_int_equal(mc_rules_new(&f->rules, &opts, NULL), 0);
    mc_diags *d;
    assert_int_equal(mc_diags_new(&d), 0);
    assert_int_equal(mc_rules_load_buffer(f->rules, "civil", "rules/civil.lua", civil_lua,
                                          sizeof civil_lua - 1, d, NULL),
                     0);
    assert_int_equal(mc_rules_load_buffer(f->rules, "attack", "rules/attack.lua", attack_lua,
                                          sizeof attack_lua - 1, d, NULL),
                     0);
    assert_int_equal(mc_diags_count(d), 0);
    mc_diags_free(d);
    f->fields[0] = (mc_view_field){"parents-married", {MC_VAL_BOOL, NULL, 0, 0, true}};
    f->fields[1] = (mc_view_field){"a", {MC_VAL_INTEGER, NULL, 1, 0, false}};
    f->fields[2] = (mc_view_field){"b", {MC_VAL_INTEGER, NULL, 2, 0, false}};
    f->fields[3] = (mc_view_field){"c", {MC_VAL_NUMBER, NULL, 0, 0.5, false}};
    f->fields[4] = (mc_view_field){"citizen-id", {MC_VAL_TEXT, "001234567890", 0, 0, false}};
    f->docs[0] = (mc_view_document){"birth-notice", "provided"};
    f->docs[1] = (mc_view_document){"marriage-certificate", "fetched"};
    f->view = (mc_rule_view){.procedure = "birth",
                             .version = "2025-07-01",
                             .subject = "001234567890",
                             .state = "submitted",
                             .channel = "online",
                             .submitted = "2025-03-03T09:00",
                             .fields = f->fields,
                             .nfields = 5,
                             .documents = f->docs,
                             .ndocuments = 2,
                             .calendar = NULL,
                             .registry_holds = holds_cb,
                             .ud = NULL};
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    mc_rules_free(f->rules);
    free(f);
    return 0;
}

static const mc_rule *rule(fixture *f, const char *module, const char *function)
{
    const mc_rule *r;
    mc_error err;
    if (mc_rules_resolve(f->rules, module, function, &r, &err) != 0) {
        fail_msg("cannot resolve %s.%s: %s", module, function, err.msg);
    }
    return r;
}

static bool cond(fixture *f, const char *function)
{
    bool ok = false;
    char reason[100];
    mc_error err;
    int rc = mc_rules_cond(f->rules, rule(f, "civil", function), &f->view, &ok, reason,
                           sizeof reason, &err);
    if (rc != 0) {
        fail_msg("civil.%s: %s", function, err.msg);
    }
    return ok;
}

static void test_rules__the_dossier_view(void **state)
{
    fixture *f = *state;
    assert_true(cond(f, "parents_married"));
    assert_true(cond(f, "info"));
    assert_true(cond(f, "holds"));
    assert_true(cond(f, "due"));
    /* (Mon 1969-12-29, Mon 1970-01-05] has five week days: noon of the 29th is on the 29th,
     * where a truncating division of minutes before 1970 put it on the 30th and counted four. */
    assert_true(cond(f, "wdays"));
    assert_true(cond(f, "methods"));
    f->fields[0].value.boolean = false;
    assert_false(cond(f, "parents_married"));
    int64_t fee;
    assert_int_equal(mc_rules_fee(f->rules, rule(f, "civil", "birth_fee"), &f->view, &fee, NULL),
                     0);
    assert_int_equal(fee, 0);
    f->fields[5] = (mc_view_field){"late-registration", {MC_VAL_BOOL, NULL, 0, 0, true}};
    f->view.nfields = 6;
    assert_int_equal(mc_rules_fee(f->rules, rule(f, "civil", "birth_fee"), &f->view, &fee, NULL),
                     0);
    assert_int_equal(fee, 5000);
    assert_int_equal(mc_rules_fee(f->rules, rule(f, "civil", "count_fields"), &f->view, &fee, NULL),
                     0);
    assert_int_equal(fee, 6);
    /* one iterator per list, shared by every loop: a loop inside a loop over the same list, and
     * a loop after one that broke, each see every field once */
    assert_int_equal(
        mc_rules_fee(f->rules, rule(f, "civil", "nested_fields"), &f->view, &fee, NULL), 0);
    assert_int_equal(fee, 636);
    assert_int_equal(
        mc_rules_fee(f->rules, rule(f, "civil", "broken_then_again"), &f->view, &fee, NULL), 0);
    assert_int_equal(fee, 6);
}

static void test_rules__guard_reason(void **state)
{
    fixture *f = *state;
    assert_true(cond(f, "complete"));
    f->docs[0].status = "asked";
    bool ok = true;
    char reason[100];
    assert_int_equal(mc_rules_cond(f->rules, rule(f, "civil", "complete"), &f->view, &ok, reason,
                                   sizeof reason, NULL),
                     0);
    assert_false(ok);
    assert_string_equal(reason, "document birth-notice is still missing");
}

static void test_rules__fee_from_three_fields_is_exact(void **state)
{
    fixture *f = *state;
    int64_t fee;
    mc_error err;
    /* 1 + 2 + 0.5 is not whole: refused. */
    assert_int_equal(mc_rules_fee(f->rules, rule(f, "civil", "three"), &f->view, &fee, &err),
                     MC_ERULE);
    assert_string_equal(err.msg, "rule civil.three: rules/civil.lua:7: returned a number that is "
                                 "not a whole amount of 0 or more; a fee rule returns a whole "
                                 "amount");
    f->fields[3].value.number = 1.0;
    assert_int_equal(mc_rules_fee(f->rules, rule(f, "civil", "three"), &f->view, &fee, &err), 0);
    assert_int_equal(fee, 4);
}

static void test_rules__random_is_deterministic(void **state)
{
    fixture *f = *state;
    mc_rules *other;
    assert_int_equal(mc_rules_new(&other, &calm, NULL), 0);
    assert_int_equal(mc_rules_load_buffer(other, "civil", "rules/civil.lua", civil_lua,
                                          sizeof civil_lua - 1, NULL, NULL),
                     0);
    const mc_rule *r2;
    assert_int_equal(mc_rules_resolve(other, "civil", "rand", &r2, NULL), 0);
    for (int i = 0; i < 5; i++) {
        int64_t a, b;
        assert_int_equal(mc_rules_fee(f->rules, rule(f, "civil", "rand"), &f->view, &a, NULL), 0);
        assert_int_equal(mc_rules_fee(other, r2, &f->view, &b, NULL), 0);
        assert_int_equal(a, b);
    }
    mc_rules_free(other);
}

static void test_rules__module_state_is_allowed_but_globals_are_not(void **state)
{
    fixture *f = *state;
    int64_t n;
    assert_int_equal(mc_rules_fee(f->rules, rule(f, "civil", "remember"), &f->view, &n, NULL), 0);
    assert_int_equal(mc_rules_fee(f->rules, rule(f, "civil", "remember"), &f->view, &n, NULL), 0);
    assert_int_equal(n, 2);
}

static const struct attack {
    const char *function;
    int code;
    const char *message; /* the whole error message */
} attacks[] = {
    {"loop", MC_ELIMIT,
     "rule attack.loop: rules/attack.lua:1: instruction budget exceeded (100000 steps)"},
    {"loop_pcall", MC_ELIMIT,
     "rule attack.loop_pcall: rules/attack.lua:2: instruction budget exceeded (100000 steps)"},
    {"loop_coroutine", MC_ELIMIT,
     "rule attack.loop_coroutine: rules/attack.lua:3: instruction budget exceeded (100000 "
     "steps)"},
    {"many_coroutines", MC_ELIMIT, NULL},
    {"concat", MC_ELIMIT,
     "rule attack.concat: rules/attack.lua:5: memory cap exceeded (1048576 bytes)"},
    {"grow_table", MC_ELIMIT,
     "rule attack.grow_table: rules/attack.lua:6: memory cap exceeded (1048576 bytes)"},
    {"rep", MC_ERULE, "rule attack.rep: rules/attack.lua:7: resulting string too large"},
    {"rep_100mb", MC_ELIMIT,
     "rule attack.rep_100mb: rules/attack.lua:41: memory cap exceeded (1048576 bytes)"},
    {"call_load", MC_ERULE,
     "rule attack.call_load: rules/attack.lua:8: attempt to call a nil value (global 'load')"},
    {"call_loadstring", MC_ERULE,
     "rule attack.call_loadstring: rules/attack.lua:9: attempt to call a nil value (global "
     "'loadstring')"},
    {"call_dofile", MC_ERULE,
     "rule attack.call_dofile: rules/attack.lua:10: attempt to call a nil value (global "
     "'dofile')"},
    {"call_require", MC_ERULE,
     "rule attack.call_require: rules/attack.lua:11: attempt to call a nil value (global "
     "'require')"},
    {"io_open", MC_ERULE,
     "rule attack.io_open: rules/attack.lua:12: attempt to index a nil value (global 'io')"},
    {"os_execute", MC_ERULE,
     "rule attack.os_execute: rules/attack.lua:13: attempt to index a nil value (global 'os')"},
    {"os_exit", MC_ERULE,
     "rule attack.os_exit: rules/attack.lua:14: attempt to index a nil value (global 'os')"},
    {"debug_sethook", MC_ERULE,
     "rule attack.debug_sethook: rules/attack.lua:15: attempt to index a nil value (global "
     "'debug')"},
    {"gc", MC_ERULE,
     "rule attack.gc: rules/attack.lua:16: attempt to call a nil value (global "
     "'collectgarbage')"},
    {"set_G", MC_ERULE,
     "rule attack.set_G: rules/attack.lua:17: bad argument #1 to 'setmetatable' (table "
     "expected, got nil)"},
    {"string_mt", MC_ERULE,
     "rule attack.string_mt: rules/attack.lua:18: the string metatable is read-only (cannot set "
     "'__index')"},
    {"string_lib", MC_ERULE,
     "rule attack.string_lib: rules/attack.lua:19: string is read-only (cannot set 'upper')"},
    {"write_d", MC_ERULE,
     "rule attack.write_d: rules/attack.lua:20: the dossier is read-only (cannot set 'state')"},
    {"write_fields", MC_ERULE,
     "rule attack.write_fields: rules/attack.lua:21: d.fields is read-only (cannot set 'x')"},
    {"new_global", MC_ERULE,
     "rule attack.new_global: rules/attack.lua:22: the rule environment (rules may not assign "
     "globals at run time) is read-only (cannot set 'x')"},
    {"overwrite_global", MC_ERULE,
     "rule attack.overwrite_global: rules/attack.lua:23: the rule environment (rules may not "
     "assign globals at run time) is read-only (cannot set 'loop')"},
    {"return_table", MC_ERULE,
     "rule attack.return_table: rules/attack.lua:24: returned a table; a condition returns true "
     "or false"},
    {"raise_table", MC_ERULE,
     "rule attack.raise_table: rules/attack.lua:25: the rule raised a table instead of an error "
     "message"},
    {"raise_nil", MC_ERULE,
     "rule attack.raise_nil: rules/attack.lua:26: the rule raised a nil instead of an error "
     "message"},
    {"recurse", MC_ELIMIT, NULL},
    {"pcall_swallow", MC_ELIMIT, NULL},
    {"setmetatable_d", MC_ERULE,
     "rule attack.setmetatable_d: rules/attack.lua:29: bad argument #1 to 'setmetatable' (table "
     "expected, got userdata)"},
    {"rawset_env", MC_ERULE,
     "rule attack.rawset_env: rules/attack.lua:30: attempt to call a nil value (global "
     "'rawset')"},
    {"env_write", MC_ERULE,
     "rule attack.env_write: rules/attack.lua:31: the rule environment (rules may not assign "
     "globals at run time) is read-only (cannot set 'y')"},
    {"meta_env", MC_ERULE,
     "rule attack.meta_env: rules/attack.lua:32: cannot change a protected metatable"},
    {"print_it", MC_ERULE,
     "rule attack.print_it: rules/attack.lua:33: attempt to call a nil value (global 'print')"},
    {"reseed", MC_ERULE,
     "rule attack.reseed: rules/attack.lua:34: attempt to call a nil value (field "
     "'randomseed')"},
    {"dump", MC_ERULE,
     "rule attack.dump: rules/attack.lua:35: attempt to call a nil value (field 'dump')"},
    {"library_write", MC_ERULE,
     "rule attack.library_write: rules/attack.lua:39: math is read-only (cannot set 'pi')"},
    {"big_table", MC_ELIMIT, NULL},
    {"gc_bomb", MC_ERULE,
     "rule attack.gc_bomb: rules/attack.lua:42: __gc metamethods are not allowed in rules"},
};

static void test_rules__attacks(void **state)
{
    fixture *f = *state;
    size_t baseline = mc_rules_memory(f->rules);
    mc_rules_stats before, after, want = {0};
    mc_rules_stats_get(f->rules, &before);
    for (size_t i = 0; i < sizeof attacks / sizeof attacks[0]; i++) {
        const struct attack *a = &attacks[i];
        mc_error err;
        bool ok;
        char reason[64];
        int rc = mc_rules_cond(f->rules, rule(f, "attack", a->function), &f->view, &ok, reason,
                               sizeof reason, &err);
        if (rc != a->code) {
            fail_msg("attack.%s: expected code %d, got %d (%s)", a->function, a->code, rc,
                     rc ? err.msg : "no error");
        }
        if (a->message != NULL && strcmp(err.msg, a->message) != 0) {
            fail_msg("attack.%s:\n expected: %s\n      got: %s", a->function, a->message, err.msg);
        }
        char prefix[100];
        snprintf(prefix, sizeof prefix, "rule attack.%s: rules/attack.lua:", a->function);
        if (strncmp(err.msg, prefix, strlen(prefix)) != 0) {
            fail_msg("attack.%s: the error does not name the rule and its file: %s", a->function,
                     err.msg);
        }
        /* What /metrics counts: each failed call once, by how it failed. */
        want.errors += rc == MC_ERULE;
        want.steps += rc == MC_ELIMIT && strstr(err.msg, "instruction budget") != NULL;
        want.memory += rc == MC_ELIMIT && strstr(err.msg, "memory cap") != NULL;
        /* The runtime still works, and memory comes back. */
        assert_true(cond(f, "info"));
        assert_true(mc_rules_memory(f->rules) < baseline + (2u << 20));
    }
    mc_rules_stats_get(f->rules, &after);
    assert_int_equal(after.errors - before.errors, want.errors);
    assert_int_equal(after.steps - before.steps, want.steps);
    assert_int_equal(after.memory - before.memory, want.memory);
    assert_int_equal(after.time, before.time);
    assert_true(want.errors > 20 && want.steps >= 3 && want.memory >= 3);
    assert_int_equal(want.errors + want.steps + want.memory, sizeof attacks / sizeof attacks[0]);
}

static void test_rules__fee_results(void **state)
{
    fixture *f = *state;
    static const char *const bad[][2] = {
        {"fee_fraction", "rule attack.fee_fraction: rules/attack.lua:36: returned a number that "
                         "is not a whole amount of 0 or more; a fee rule returns a whole amount"},
        {"fee_negative", "rule attack.fee_negative: rules/attack.lua:37: returned a number that "
                         "is not a whole amount of 0 or more; a fee rule returns a whole amount"},
        {"fee_string", "rule attack.fee_string: rules/attack.lua:38: returned a string; a fee "
                       "rule returns a whole amount"},
    };
    for (size_t i = 0; i < 3; i++) {
        int64_t fee;
        mc_error err;
        mc_rules_stats before, after;
        mc_rules_stats_get(f->rules, &before);
        assert_int_equal(mc_rules_fee(f->rules, rule(f, "attack", bad[i][0]), &f->view, &fee, &err),
                         MC_ERULE);
        assert_string_equal(err.msg, bad[i][1]);
        /* A result of the wrong kind is a rule error too. */
        mc_rules_stats_get(f->rules, &after);
        assert_int_equal(after.errors, before.errors + 1);
    }
}

/* A rule resolved again is found by the addresses of its names, then checked by the names: a
 * buffer reused for another name finds the other rule, a copy of a name the same one. */
static void test_rules__resolve_again(void **state)
{
    fixture *f = *state;
    const mc_rule *a, *b, *c, *d;
    char module[16] = "civil", function[32] = "birth_fee";
    assert_int_equal(mc_rules_resolve(f->rules, module, function, &a, NULL), 0);
    assert_int_equal(mc_rules_resolve(f->rules, module, function, &b, NULL), 0);
    assert_ptr_equal(a, b);
    strcpy(function, "three");
    assert_int_equal(mc_rules_resolve(f->rules, module, function, &c, NULL), 0);
    assert_ptr_not_equal(c, a);
    assert_int_equal(mc_rules_resolve(f->rules, "civil", "three", &d, NULL), 0);
    assert_ptr_equal(c, d);
    strcpy(function, "nope");
    mc_error err;
    assert_int_equal(mc_rules_resolve(f->rules, module, function, &c, &err), MC_ENOTFOUND);
    assert_null(c);
    char copy[] = "birth_fee";
    assert_int_equal(mc_rules_resolve(f->rules, "civil", copy, &b, NULL), 0);
    assert_ptr_equal(a, b);
}

static void test_rules__names(void **state)
{
    fixture *f = *state;
    assert_true(mc_rules_has_module(f->rules, "civil"));
    assert_false(mc_rules_has_module(f->rules, "civl"));
    assert_true(mc_rules_has(f->rules, "civil", "birth_fee"));
    assert_false(mc_rules_has(f->rules, "civil", "cache")); /* a local, not a function */
    assert_false(mc_rules_has(f->rules, "civil", "birth_fees"));
    const mc_rule *r;
    mc_error err;
    assert_int_equal(mc_rules_resolve(f->rules, "civil", "nope", &r, &err), MC_ENOTFOUND);
    size_t n;
    const char *const *fns = mc_rules_functions(f->rules, "civil", &n);
    assert_int_equal(n, 14);
    assert_string_equal(fns[0], "birth_fee"); /* sorted */
}

static void test_rules__load_errors_are_diagnostics(void **state)
{
    (void)state;
    mc_rules *r;
    assert_int_equal(mc_rules_new(&r, &calm, NULL), 0);
    mc_diags *d;
    assert_int_equal(mc_diags_new(&d), 0);
    const char syntax[] = "function f(d)\n  return d.x +\nend\n";
    assert_int_equal(
        mc_rules_load_buffer(r, "bad", "rules/bad.lua", syntax, sizeof syntax - 1, d, NULL),
        MC_ECHECK);
    const char binary[] = "\x1bLua\x54\x00";
    assert_int_equal(
        mc_rules_load_buffer(r, "bin", "rules/bin.lua", binary, sizeof binary - 1, d, NULL),
        MC_ECHECK);
    const char raises[] = "x = 1\nerror('boom')\n";
    assert_int_equal(
        mc_rules_load_buffer(r, "raises", "rules/raises.lua", raises, sizeof raises - 1, d, NULL),
        MC_ECHECK);
    const char loops[] = "while true do end\n";
    assert_int_equal(
        mc_rules_load_buffer(r, "loops", "rules/loops.lua", loops, sizeof loops - 1, d, NULL),
        MC_ECHECK);
    assert_int_equal(mc_rules_load_buffer(r, "Bad-Name", "rules/Bad-Name.lua", "", 0, d, NULL),
                     MC_ECHECK);
    char *got = tu_render(d, false);
    assert_string_equal(got,
                        "rules/bad.lua:3:1: error: unexpected symbol near 'end'\n"
                        "rules/bin.lua:0:0: error: attempt to load a binary chunk (mode is 't')\n"
                        "rules/raises.lua:2:1: error: boom\n"
                        "rules/loops.lua:1:1: error: instruction budget exceeded (1000000 "
                        "steps)\n"
                        "rules/Bad-Name.lua:0:0: error: invalid rule module name 'Bad-Name' "
                        "(lower-case letters, digits and '_', starting with a letter)\n");
    free(got);
    assert_false(mc_rules_has_module(r, "bad"));
    mc_diags_free(d);
    mc_rules_free(r);
}

/* ==== Lua's patterns, matched by the bounded matcher ====================================== */

/* Each expression is run by a rule, its results written as Lua's %q/tostring would; an error
 * is "error: MESSAGE" without its location. The expected values are Lua 5.4's own (checked
 * against liblua5.4's string library, except string.rep('', 1 << 62), which Lua runs for
 * ever); LINE stands for the line of the rule. */
static const struct pattern_case {
    const char *expr, *want;
} pattern_cases[] = {
    {"string.find('hello world', 'o w')", "5 7"},
    {"string.find('hello', 'l+')", "3 4"},
    {"string.find('hello', 'xyz')", "nil"},
    {"string.find('a.b', '.', 1, true)", "2 2"},
    {"string.find('a.b', '.')", "1 1"},
    {"string.find('abc', 'b', -1)", "nil"},
    {"string.find('abc', 'b', -2)", "2 2"},
    {"string.find('abc', 'b', -10)", "2 2"},
    {"string.find('abc', '', 10)", "nil"},
    {"string.find('abc', '', 4)", "4 3"},
    {"string.find('abc', '^b')", "nil"},
    {"string.find('abc', '^b', 2)", "2 2"},
    {"string.find('aaab', 'a-b')", "1 4"},
    {"('key = value'):find('(%w+)%s*=%s*(%w+)')", "1 11 \"key\" \"value\""},
    {"string.find('abc', 'b()')", "2 2 3"},
    {"string.find('a+b', '+', 1, true)", "2 2"},
    {"string.find('a\\0b', '\\0')", "2 2"},
    {"string.find('a\\0b', '%z')", "2 2"},
    {"string.find('x', 'x', 0)", "1 1"},
    {"string.match('  trim me  ', '^%s*(.-)%s*$')", "\"trim me\""},
    {"string.match('2024-03-05', '(%d+)-(%d+)-(%d+)')", "\"2024\" \"03\" \"05\""},
    {"string.match('hello', '()ll()')", "3 5"},
    {"string.match('THE (quick) fox', '%((%a+)%)')", "\"quick\""},
    {"string.match('f(a(b)c)d', '%b()')", "\"(a(b)c)\""},
    {"string.match('f(a(b c', '%b()')", "nil"},
    {"string.match('THE (quick) fox', '%f[%a]%a+', 5)", "\"quick\""},
    {"string.match('hello', '.-(l+)(.*)')", "\"ll\" \"o\""},
    {"string.match('abcabc', '(abc)%1')", "\"abc\""},
    {"string.match([[x = 'a' .. \"b\"]], [[([\"'])(.-)%1]])", "\"'\" \"a\""},
    {"string.match('[]', '[]]')", "\"]\""},
    {"string.match('a-b', '[a%-]+')", "\"a-\""},
    {"string.match('abc123', '[^%d]+')", "\"abc\""},
    {"string.match('a-z', '[a-]+')", "\"a-\""},
    {"string.match('hello', '^(h?)ello$')", "\"h\""},
    {"string.match('a', 'a?a?a')", "\"a\""},
    {"string.match('', '.*')", "\"\""},
    {"string.match('abc', '$')", "\"\""},
    {"string.match('a$b', 'a$b')", "\"a$b\""},
    {"string.match('hello', 'l*', 3)", "\"ll\""},
    {"string.match('HeLLo', '%u+')", "\"H\""},
    {"string.match('HeLLo', '%U+')", "\"e\""},
    {"string.match('x1_ y', '[%w_]+')", "\"x1_\""},
    {"string.match('tab\\there', '%c')", "\"\\9\""},
    {"string.match('0x1F!', '%x+', 3)", "\"1F\""},
    {"string.match('a.b', '%.')", "\".\""},
    {"string.match('a', '()')", "1"},
    {"string.match('abc', '((a)(b))')", "\"ab\" \"a\" \"b\""},
    {"string.match('THE END', '%f[%w]%w+$')", "\"END\""},
    {"string.match('08:30', '^(%d%d):(%d%d)$')", "\"08\" \"30\""},
    {"string.match('Đăng', '^[\\1-\\127\\194-\\244][\\128-\\191]*')", "\"Đ\""},
    {"(function() local t = {} for w in ('one two  three'):gmatch('%a+') do t[#t + 1] = w "
     "end return table.concat(t, '|') end)()",
     "\"one|two|three\""},
    {"(function() local t = {} for k, v in string.gmatch('a=1, b=2', '(%w+)=(%w+)') do "
     "t[#t + 1] = k .. ':' .. v end return table.concat(t, '|') end)()",
     "\"a:1|b:2\""},
    {"(function() local n = 0 for _ in string.gmatch('abcabc', 'a', 2) do n = n + 1 end "
     "return n end)()",
     "1"},
    {"(function() local t = {} for w in string.gmatch('abc', 'x*') do t[#t + 1] = w end "
     "return #t end)()",
     "4"},
    {"(function() local t = {} for p in string.gmatch('hello world', '()o') do t[#t + 1] = p "
     "end return table.concat(t, '|') end)()",
     "\"5|8\""},
    {"(function() local t = {} for w in string.gmatch('^a^b', '^%a') do t[#t + 1] = w end "
     "return table.concat(t, '|') end)()",
     "\"^a|^b\""},
    {"(function() local t = {} for w in string.gmatch('abc', '.', -1) do t[#t + 1] = w end "
     "return table.concat(t, '|') end)()",
     "\"c\""},
    {"(function() local t = {} for w in string.gmatch('abc', '.', 10) do t[#t + 1] = w end "
     "return #t end)()",
     "0"},
    {"string.gsub('hello world', 'o', '0')", "\"hell0 w0rld\" 2"},
    {"string.gsub('hello world', '(%w+)', '<%1>')", "\"<hello> <world>\" 2"},
    {"string.gsub('hello', '', '-')", "\"-h-e-l-l-o-\" 6"},
    {"string.gsub('abc', '%w', '%0%0')", "\"aabbcc\" 3"},
    {"string.gsub('hello world', '%w+', '%0 %0', 1)", "\"hello hello world\" 1"},
    {"string.gsub('$name is $age', '%$(%w+)', {name = 'Lan', age = 30})", "\"Lan is 30\" 2"},
    {"string.gsub('abc', '%w', function(c) return c:upper() .. '.' end)", "\"A.B.C.\" 3"},
    {"string.gsub('abc', '%w', {a = false})", "\"abc\" 3"},
    {"string.gsub('abc', '%w', function() end)", "\"abc\" 3"},
    {"string.gsub('abc', 'b', '%%')", "\"a%c\" 1"},
    {"string.gsub('hello world', '^h', 'H')", "\"Hello world\" 1"},
    {"string.gsub('hello hello', '^hello', 'x')", "\"x hello\" 1"},
    {"string.gsub('abc', '.', {a = 1})", "\"1bc\" 3"},
    {"string.gsub('abc', 'b', 5)", "\"a5c\" 1"},
    {"string.gsub('abc', 'x', 'y')", "\"abc\" 0"},
    {"string.gsub('abc', '', '-', 2)", "\"-a-bc\" 2"},
    {"string.gsub('abc', '.', '%1')", "\"abc\" 3"},
    {"string.gsub('a b', '()', '%1')", "\"1a2 3b4\" 4"},
    {"string.gsub('abc', '(b)', function(x) return x, 'ignored' end)", "\"abc\" 1"},
    {"string.gsub('abc', '%w', '%0', 0)", "\"abc\" 0"},
    {"string.gsub('abc', '%w', '%0', -1)", "\"abc\" 0"},
    {"string.find('a', '%')", "error: malformed pattern (ends with '%')"},
    {"string.find('a', '[a')", "error: malformed pattern (missing ']')"},
    {"string.find('a', '[a%')", "error: malformed pattern (missing ']')"},
    {"string.match('a', '(a')", "error: unfinished capture"},
    {"string.match('a', 'a)')", "error: invalid pattern capture"},
    {"string.match('a', '%1')", "error: invalid capture index %1"},
    {"string.match('a', '(a%1)')", "error: invalid capture index %1"},
    {"string.match('a', '%fa')", "error: missing '[' after '%f' in pattern"},
    {"string.match('a', '%b')", "error: malformed pattern (missing arguments to '%b')"},
    {"string.match('a', string.rep('()', 33))", "error: too many captures"},
    {"string.match(string.rep('a', 300), string.rep('a?', 300))", "error: pattern too complex"},
    {"string.gsub('x', 'x', '%2')", "error: invalid capture index %2"},
    {"string.gsub('x', 'x', '%x')", "error: invalid use of '%' in replacement string"},
    {"string.gsub('abc', 'b', true)",
     "error: bad argument #3 to 'gsub' (string/function/table expected, got boolean)"},
    {"string.gsub('abc', '(b)', function() return {} end)",
     "error: invalid replacement value (a table)"},
    {"string.find(nil, 'x')", "error: bad argument #1 to 'find' (string expected, got nil)"},
    {"('x'):match()", "error: bad argument #1 to 'match' (string expected, got no value)"},
    {"string.gmatch('x')", "error: bad argument #2 to 'gmatch' (string expected, got no value)"},
    {"string.find('abc', 'b', 'x')",
     "error: bad argument #3 to 'find' (number expected, got string)"},
    {"string.rep('ab', 3, ',')", "\"ab,ab,ab\""},
    {"string.rep('', 1 << 62)", "\"\""},
    {"string.rep('x', 0)", "\"\""},
    {"string.rep('x', 1e12)", "error: resulting string too large"},
    {"(function() local t = {3, 1, 2} table.sort(t) return table.concat(t, ',') end)()",
     "\"1,2,3\""},
    {"(function() local t = {'b', 'c', 'a'} table.sort(t, function(a, b) return a > b end) "
     "return table.concat(t, ',') end)()",
     "\"c,b,a\""},
    {"table.sort({1, 'x'})", "error: attempt to compare string with number"},
    {"table.sort(nil)", "error: bad argument #1 to 'sort' (table expected, got nil)"},
    {"(function() local t = {1, 2} table.insert(t, 1, 0) table.insert(t, 9) return "
     "table.concat(t, ',') end)()",
     "\"0,1,2,9\""},
    {"(function() local t = {1, 2, 3} local x = table.remove(t, 1) return x, table.concat(t, "
     "',') end)()",
     "1 \"2,3\""},
    {"table.remove({})", "nil"},
    {"table.insert({}, 5, 1)", "error: bad argument #2 to 'insert' (position out of bounds)"},
    {"table.insert({}, 1, 2, 3)", "error: wrong number of arguments to 'insert'"},
    {"table.concat(table.move({1, 2, 3}, 1, 3, 2), ',')", "\"1,1,2,3\""},
    {"table.concat(table.move({1, 2, 3}, 2, 3, 1), ',')", "\"2,3,3\""},
    {"table.concat(table.move({1, 2}, 1, 2, 1, {9}), ',')", "\"1,2\""},
    {"xpcall(error, function(e) return 'handled: ' .. e end, 'boom')", "false \"handled: boom\""},
    {"xpcall(function(a, b) return a + b, 'ok' end, error, 1, 2)", "true 3 \"ok\""},
    {"xpcall(error, function(e) error('again') end, 'x')", "false \"error in error handling\""},
    {"xpcall(error)", "error: bad argument #2 to 'xpcall' (function expected, got no value)"},
    {"select(2, xpcall(error, function(e) return type(e) end, {}))", "\"table\""},
    {"(function() local co = coroutine.wrap(function(a) local b = coroutine.yield(a + 1) "
     "return b * 2 end) return co(1), co(5) end)()",
     "2 10"},
    {"(function() local co = coroutine.wrap(function() return xpcall(function() "
     "coroutine.yield(1) error('e', 0) end, function(e) return e .. '!' end) end) "
     "return co(), co() end)()",
     "1 false \"e!\""},
    {"pcall(coroutine.wrap(function() error('inside', 0) end))", "false \"inside\""},
    {"(function() local co = coroutine.create(function() coroutine.yield() end) "
     "coroutine.resume(co) return coroutine.close(co), coroutine.status(co) end)()",
     "true \"dead\""},
    {"xpcall(error, function(e) if type(e) == 'table' then error('second') end return e .. '!' "
     "end, {})",
     "false \"rules/pat.lua:LINE: second!\""},
};

static const char ser_lua[] =
    "local function ser(...) local t = {} for i = 1, select('#', ...) do local v = select(i, "
    "...) t[i] = type(v) == 'string' and string.format('%q', v) or tostring(v) end return "
    "table.concat(t, ' ') end\n";

static void test_rules__patterns_follow_lua(void **state)
{
    (void)state;
    enum { N = sizeof pattern_cases / sizeof pattern_cases[0] };
    mc_buf src = MC_BUF_INIT;
    mc_buf_append(&src, ser_lua, sizeof ser_lua - 1);
    for (size_t i = 0; i < N; i++) {
        mc_buf_printf(&src, "function c%zu(d) return false, ser(%s) end\n", i,
                      pattern_cases[i].expr);
    }
    assert_false(src.oom);
    mc_rules *r;
    assert_int_equal(mc_rules_new(&r, &calm, NULL), 0);
    mc_error err;
    int rc = mc_rules_load_buffer(r, "pat", "rules/pat.lua", src.data, src.len, NULL, &err);
    assert_int_equal(rc, 0);
    mc_rule_view view = {0};
    for (size_t i = 0; i < N; i++) {
        char fn[16], reason[512], want[512], got[512];
        snprintf(fn, sizeof fn, "c%zu", i);
        const mc_rule *rule_p;
        assert_int_equal(mc_rules_resolve(r, "pat", fn, &rule_p, NULL), 0);
        bool ok = true;
        rc = mc_rules_cond(r, rule_p, &view, &ok, reason, sizeof reason, &err);
        char where[64];
        int wl = snprintf(where, sizeof where, "rules/pat.lua:%zu: ", i + 2);
        if (rc == 0) {
            snprintf(got, sizeof got, "%s", reason);
        } else {
            /* Errors raised inside C (table.sort's comparison) have no location, as in Lua. */
            const char *at = strstr(err.msg, where);
            const char *msg = at ? at + wl : strstr(err.msg, ": ") + 2;
            snprintf(got, sizeof got, "error: %s", msg);
        }
        /* LINE in the expected text is the case's own line. */
        const char *line = strstr(pattern_cases[i].want, "LINE");
        if (line != NULL) {
            snprintf(want, sizeof want, "%.*s%zu%s", (int)(line - pattern_cases[i].want),
                     pattern_cases[i].want, i + 2, line + 4);
        } else {
            snprintf(want, sizeof want, "%s", pattern_cases[i].want);
        }
        if (strcmp(got, want) != 0) {
            fail_msg("%s\n expected: %s\n      got: %s", pattern_cases[i].expr, want, got);
        }
    }
    mc_buf_free(&src);
    mc_rules_free(r);
}

/* Random patterns and subjects, matched by the sandbox and by liblua5.4's own string library
 * in a plain state: the results (or error messages) must be the same. */
static const char diff_lua[] =
    "local function ser(...) local t = {} for i = 1, select('#', ...) do local v = select(i, "
    "...) t[i] = type(v) == 'string' and string.format('%q', v) or tostring(v) end return "
    "table.concat(t, ' ') end\n"
    "function run(d)\n"
    "  local s, p = d.fields.s, d.fields.p\n"
    "  local g = {}\n"
    "  local ok, e = pcall(function() for a, b in string.gmatch(s, p) do g[#g + 1] = "
    "tostring(a) .. '/' .. tostring(b) end end)\n"
    "  return false, ser(pcall(string.find, s, p)) .. ' | ' .. ser(pcall(string.find, s, p, 3)) "
    ".. ' | ' .. ser(pcall(string.match, s, p)) .. ' | ' .. ser(pcall(string.gsub, s, p, "
    "'<%0>')) .. ' | ' .. ser(pcall(string.gsub, s, p, {a = 'A', b = false})) .. ' | ' .. "
    "(ok and table.concat(g, ',') or e)\n"
    "end\n";

static void test_rules__patterns_agree_with_lua_on_random_input(void **state)
{
    (void)state;
    static const char *const atoms[] = {"a",  "b",     ".",     "%a", "[ab]", "[^a]", "%b()", "(",
                                        ")",  "()",    "*",     "+",  "-",    "?",    "^",    "$",
                                        "%1", "%f[a]", "[%a-]", "%",  "[",    "%s",   "x",    "%2"};
    static const char subject_chars[] = "ab() x-";
    mc_rules *r;
    assert_int_equal(mc_rules_new(&r, &calm, NULL), 0);
    assert_int_equal(mc_rules_load_buffer(r, "diff", "rules/diff.lua", diff_lua,
                                          sizeof diff_lua - 1, NULL, NULL),
                     0);
    const mc_rule *run;
    assert_int_equal(mc_rules_resolve(r, "diff", "run", &run, NULL), 0);
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    assert_int_equal(luaL_loadbufferx(L, diff_lua, sizeof diff_lua - 1, "@rules/diff.lua", "t"),
                     LUA_OK);
    lua_call(L, 0, 0);
    unsigned seed = 20261206;
    int matched = 0, refused = 0;
    for (int i = 0; i < 3000; i++) {
        char subject[16], pattern[64];
        size_t ns = (size_t)(rand_r(&seed) % 12);
        for (size_t k = 0; k < ns; k++) {
            subject[k] = subject_chars[rand_r(&seed) % (sizeof subject_chars - 1)];
        }
        subject[ns] = '\0';
        pattern[0] = '\0';
        int na = 1 + rand_r(&seed) % 6;
        for (int k = 0; k < na; k++) {
            strcat(pattern, atoms[rand_r(&seed) % (sizeof atoms / sizeof atoms[0])]);
        }
        mc_view_field fields[2] = {{"s", {MC_VAL_TEXT, subject, 0, 0, false}},
                                   {"p", {MC_VAL_TEXT, pattern, 0, 0, false}}};
        mc_rule_view view = {0};
        view.fields = fields;
        view.nfields = 2;
        char got[2048];
        bool ok = true;
        mc_error err;
        int rc = mc_rules_cond(r, run, &view, &ok, got, sizeof got, &err);
        if (rc != 0) {
            fail_msg("'%s' on '%s': %s", pattern, subject, err.msg);
        }
        lua_getglobal(L, "run");
        lua_createtable(L, 0, 1);
        lua_createtable(L, 0, 2);
        lua_pushstring(L, subject);
        lua_setfield(L, -2, "s");
        lua_pushstring(L, pattern);
        lua_setfield(L, -2, "p");
        lua_setfield(L, -2, "fields");
        lua_call(L, 1, 2);
        const char *want = lua_tostring(L, -1);
        if (strcmp(got, want) != 0) {
            fail_msg("'%s' on '%s':\n lua: %s\n got: %s", pattern, subject, want, got);
        }
        matched += strncmp(got, "true 1", 6) == 0;
        refused += strstr(got, "malformed pattern") != NULL;
        lua_settop(L, 0);
    }
    /* The input is varied enough to find matches and to make errors. */
    assert_true(matched > 150 && refused > 100);
    lua_close(L);
    mc_rules_free(r);
}

/* ==== time: every call ends by its deadline =============================================== */

static const char slow_lua[] =
    "function backtrack(d) return string.find(string.rep('a', 3000), '.-.-.-.-.-.-.-.-b') end\n"
    "function trim(d) local s = 'x' .. string.rep(' ', 60000) .. 'y' return "
    "s:match('^%s*(.-)%s*$') end\n"
    "function plain(d) local s = string.rep('a', 3000000) return s:find(string.rep('a', "
    "1500000) .. 'b', 1, true) end\n"
    "function gmatch(d) for x in string.gmatch(string.rep('a', 3000), '.-.-.-.-.-.-.-b') do "
    "end end\n"
    "function gsub(d) return string.gsub(string.rep('a', 3000), '.-.-.-.-.-.-.-b', '') end\n"
    "function balance(d) return string.find(string.rep('(', 200000), '%b()') end\n"
    "function empty_repl(d) return string.gsub(string.rep('x', 100000), '(x-)', "
    "string.rep('%1', 100000)) end\n"
    "function insert_len(d) table.insert(setmetatable({}, {__len = function() return 1e15 end, "
    "__index = {}, __newindex = {}}), 1, 1) end\n"
    "function remove_len(d) table.remove(setmetatable({}, {__len = function() return 1e15 end, "
    "__index = {}, __newindex = {}}), 1) end\n"
    "function move_far(d) table.move({}, 1, 1e15, 2) end\n" /* 10 */
    "function sort_long(d) local s = string.rep('x', 4000000) local t = {} for i = 1, 2000 do "
    "t[i] = s end table.sort(t) end\n"
    "function pcall_time(d) while true do pcall(string.find, string.rep('a', 3000), "
    "'.-.-.-.-.-.-.-.-b') end end\n"
    "function co_time(d) return coroutine.wrap(function() return string.find(string.rep('a', "
    "3000), '.-.-.-.-.-.-.-.-b') end)() end\n"
    "function rep_empty(d) return string.rep('', 1 << 62) == '' and string.rep('', 1 << 62, '') "
    "== '' end\n"
    "function quick(d) return ('abc'):find('b') == 2 end\n";

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_rules__calls_end_by_their_deadline(void **state)
{
    (void)state;
    static const struct {
        const char *function;
        int line;
    } slow[] = {
        {"backtrack", 1},  {"trim", 2},      {"plain", 3},      {"gmatch", 4},
        {"gsub", 5},       {"balance", 6},   {"empty_repl", 7}, {"insert_len", 8},
        {"remove_len", 9}, {"move_far", 10}, {"sort_long", 11}, {"pcall_time", 12},
        {"co_time", 13},
    };
    mc_rules *r;
    mc_rules_opts opts = MC_RULES_OPTS_INIT;
    opts.steps = 1000000000; /* time, not the budget, stops these */
    assert_int_equal(mc_rules_new(&r, &opts, NULL), 0);
    assert_int_equal(mc_rules_load_buffer(r, "slow", "rules/slow.lua", slow_lua,
                                          sizeof slow_lua - 1, NULL, NULL),
                     0);
    mc_rule_view view = {0};
    for (size_t i = 0; i < sizeof slow / sizeof slow[0]; i++) {
        const mc_rule *rule_p;
        assert_int_equal(mc_rules_resolve(r, "slow", slow[i].function, &rule_p, NULL), 0);
        bool ok;
        char want[200];
        mc_error err;
        double t0 = seconds();
        int rc = mc_rules_cond(r, rule_p, &view, &ok, NULL, 0, &err);
        double took = seconds() - t0;
        snprintf(want, sizeof want, "rule slow.%s: rules/slow.lua:%d: time limit exceeded (50 ms)",
                 slow[i].function, slow[i].line);
        if (rc != MC_ELIMIT || strcmp(err.msg, want) != 0) {
            fail_msg("slow.%s: expected %s, got %d: %s", slow[i].function, want, rc,
                     rc ? err.msg : "no error");
        }
        if (took > 2.0) { /* generous: the deadline is 50 ms, and sanitizers are slow */
            fail_msg("slow.%s took %.2f s", slow[i].function, took);
        }
        mc_rules_stats st;
        mc_rules_stats_get(r, &st);
        assert_int_equal(st.time, i + 1); /* an overrun of the time limit, nothing else */
        assert_int_equal(st.steps + st.memory + st.errors, 0);
        /* The next call has a deadline of its own. */
        const mc_rule *q;
        assert_int_equal(mc_rules_resolve(r, "slow", "quick", &q, NULL), 0);
        assert_int_equal(mc_rules_cond(r, q, &view, &ok, NULL, 0, NULL), 0);
        assert_true(ok);
    }
    const mc_rule *rep;
    assert_int_equal(mc_rules_resolve(r, "slow", "rep_empty", &rep, NULL), 0);
    bool ok = false;
    assert_int_equal(mc_rules_cond(r, rep, &view, &ok, NULL, 0, NULL), 0);
    assert_true(ok);
    mc_rules_free(r);
}

static void test_rules__module_first_run_has_a_deadline(void **state)
{
    (void)state;
    mc_rules *r;
    mc_rules_opts opts = MC_RULES_OPTS_INIT;
    opts.steps = 1000000000;
    opts.time_ms = 20;
    assert_int_equal(mc_rules_new(&r, &opts, NULL), 0);
    mc_diags *d;
    assert_int_equal(mc_diags_new(&d), 0);
    const char text[] = "local n = 0\nwhile true do n = n + 1 end\n";
    double t0 = seconds();
    assert_int_equal(
        mc_rules_load_buffer(r, "spin", "rules/spin.lua", text, sizeof text - 1, d, NULL),
        MC_ECHECK);
    assert_true(seconds() - t0 < 2.0);
    char *got = tu_render(d, false);
    assert_string_equal(got, "rules/spin.lua:2:1: error: time limit exceeded (20 ms)\n");
    free(got);
    mc_diags_free(d);
    mc_rules_free(r);
}

static void *interrupt_later(void *arg)
{
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
    mc_rules_interrupt(arg);
    return NULL;
}

/* A server that stops ends the rule running in another thread, whatever its limits. */
static void test_rules__interrupt_ends_a_running_call(void **state)
{
    (void)state;
    static const char stop_lua[] =
        "function spin(d) while true do pcall(function() while true do end end) end end\n"
        "function match(d) return string.find(string.rep('a', 3000), '.-.-.-.-.-.-.-.-b') end\n";
    mc_rules *r;
    mc_rules_opts opts = {1 << 20, (uint64_t)1 << 50, 60000};
    assert_int_equal(mc_rules_new(&r, &opts, NULL), 0);
    assert_int_equal(mc_rules_load_buffer(r, "stop", "rules/stop.lua", stop_lua,
                                          sizeof stop_lua - 1, NULL, NULL),
                     0);
    const mc_rule *spin, *match;
    assert_int_equal(mc_rules_resolve(r, "stop", "spin", &spin, NULL), 0);
    assert_int_equal(mc_rules_resolve(r, "stop", "match", &match, NULL), 0);
    mc_rule_view view = {0};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, interrupt_later, r), 0);
    bool ok;
    mc_error err;
    double t0 = seconds();
    assert_int_equal(mc_rules_cond(r, spin, &view, &ok, NULL, 0, &err), MC_ELIMIT);
    assert_true(seconds() - t0 < 2.0);
    assert_string_equal(err.msg, "rule stop.spin: rules/stop.lua:1: interrupted");
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_int_equal(mc_rules_cond(r, match, &view, &ok, NULL, 0, &err), MC_ELIMIT);
    assert_string_equal(err.msg, "rule stop.match: rules/stop.lua:2: interrupted");
    mc_rules_free(r);
}

/* ==== message handlers, to-be-closed variables, coroutines ================================= */

static const char handlers_lua[] =
    "function xp_loop(d) return xpcall(function() error('x') end, function() while true do end "
    "end) end\n"
    "local ran = 0\n"
    "function xp_count(d) return xpcall(function() while true do end end, function() for i = 1, "
    "5e7 do ran = i end end) end\n"
    "function xp_ran(d) return ran end\n"
    "function xp_catch(d) while true do xpcall(function() while true do end end, function(e) "
    "return e end) end end\n" /* 5 */
    "function close_loop(d) local x <close> = setmetatable({}, {__close = function() while true "
    "do end end}) while true do end end\n"
    "function wrap_close(d) coroutine.wrap(function() local x <close> = setmetatable({}, "
    "{__close = function() while true do end end}) while true do end end)() end\n"
    "local co\n"
    "function co_kill(d) co = coroutine.create(function() local x <close> = setmetatable({}, "
    "{__close = function() while true do end end}) while true do end end) coroutine.resume(co) "
    "end\n"
    "function co_close_later(d) local ok, e = coroutine.close(co) return ok, e end\n" /* 10 */
    "function index_loop(d) local t = setmetatable({}, {__index = function() while true do end "
    "end}) return t.x end\n"
    "function tostring_loop(d) return tostring(setmetatable({}, {__tostring = function() while "
    "true do end end})) end\n"
    "function error_object(d) error(setmetatable({}, {__tostring = function() while true do end "
    "end, __index = function() while true do end end})) end\n"
    "function xp_in_coroutine(d) return coroutine.wrap(function() return xpcall(function() "
    "error('x') end, function() while true do end end) end)() end\n"
    "function xp_handler_close(d) return xpcall(function() local x <close> = setmetatable({}, "
    "{__close = function() while true do end end}) error('x') end, function(e) return e end) "
    "end\n" /* 15 */
    "function xp_resume(d) local co = coroutine.create(function() while true do end end) return "
    "xpcall(coroutine.resume, function() while true do end end, co) end\n";

static void test_rules__handlers_and_closers_stay_in_the_budget(void **state)
{
    fixture *f = *state;
    (void)f;
    static const struct {
        const char *function;
        int line;
    } cases[] = {
        {"xp_loop", 1},           {"xp_count", 3},       {"xp_catch", 5},
        {"close_loop", 6},        {"wrap_close", 7},     {"co_kill", 9},
        {"index_loop", 11},       {"tostring_loop", 12}, {"xp_in_coroutine", 14},
        {"xp_handler_close", 15}, {"xp_resume", 16},
    };
    mc_rules *r;
    mc_rules_opts opts = {1 << 20, 1000, CALM_MS};
    assert_int_equal(mc_rules_new(&r, &opts, NULL), 0);
    assert_int_equal(mc_rules_load_buffer(r, "h", "rules/h.lua", handlers_lua,
                                          sizeof handlers_lua - 1, NULL, NULL),
                     0);
    mc_rule_view view = {0};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const mc_rule *rule_p;
        assert_int_equal(mc_rules_resolve(r, "h", cases[i].function, &rule_p, NULL), 0);
        bool ok;
        mc_error err;
        char prefix[100];
        double t0 = seconds();
        int rc = mc_rules_cond(r, rule_p, &view, &ok, NULL, 0, &err);
        double took = seconds() - t0;
        snprintf(prefix, sizeof prefix, "rule h.%s: rules/h.lua:%d: ", cases[i].function,
                 cases[i].line);
        if (rc != MC_ELIMIT || strncmp(err.msg, prefix, strlen(prefix)) != 0 ||
            strstr(err.msg, "instruction budget exceeded (1000 steps)") == NULL) {
            fail_msg("h.%s: expected MC_ELIMIT '%s… instruction budget exceeded', got %d: %s",
                     cases[i].function, prefix, rc, rc ? err.msg : "no error");
        }
        if (took > 2.0) {
            fail_msg("h.%s took %.2f s", cases[i].function, took);
        }
    }
    /* The handler of xp_count never ran past the budget. */
    int64_t ran;
    const mc_rule *rp;
    assert_int_equal(mc_rules_resolve(r, "h", "xp_ran", &rp, NULL), 0);
    assert_int_equal(mc_rules_fee(r, rp, &view, &ran, NULL), 0);
    assert_true(ran < 1000);
    /* A coroutine killed in an earlier call is not closed later (its __close would run without
     * the count hook): close reports it instead. */
    assert_int_equal(mc_rules_resolve(r, "h", "co_close_later", &rp, NULL), 0);
    bool ok = true;
    char reason[100];
    double t0 = seconds();
    assert_int_equal(mc_rules_cond(r, rp, &view, &ok, reason, sizeof reason, NULL), 0);
    assert_true(seconds() - t0 < 2.0);
    assert_false(ok);
    assert_string_equal(reason, "the coroutine was stopped by a rule limit");
    /* An error object with looping metamethods is named, not run. */
    mc_error err;
    assert_int_equal(mc_rules_resolve(r, "h", "error_object", &rp, NULL), 0);
    assert_int_equal(mc_rules_cond(r, rp, &view, &ok, NULL, 0, &err), MC_ERULE);
    assert_string_equal(err.msg, "rule h.error_object: rules/h.lua:13: the rule raised a table "
                                 "instead of an error message");
    mc_rules_free(r);
}

/* ==== module isolation ===================================================================== */

/* A module that attacks what other modules see, while it loads; every attempt is caught and
 * written down, and the module still loads. */
static const char evil_lua[] =
    "local results = {}\n"
    "local function try(name, f) local ok, e = pcall(f) results[#results + 1] = name .. ': ' .. "
    "(ok and 'done' or tostring(e)) end\n"
    "try('env pairs', function() getmetatable(_ENV).__index.pairs = function() return next, {}, "
    "nil end end)\n"
    "try('env index', function() getmetatable(_ENV).__index = {} end)\n"
    "try('setmetatable env', function() setmetatable(_ENV, {__index = function() return "
    "print end}) end)\n" /* 5 */
    "try('string.find', function() string.find = function() return 1 end end)\n"
    "try('string method', function() ('').find = nil end)\n"
    "try('string mt index', function() getmetatable('').__index.find = function() return 1 end "
    "end)\n"
    "try('string mt', function() getmetatable('').__index = {} end)\n"
    "try('string lib mt', function() return getmetatable(string).__index end)\n" /* 10 */
    "try('setmetatable string', function() setmetatable(string, {}) end)\n"
    "try('registry', function() registry.holds = function() return true end end)\n"
    "try('calendar mt', function() getmetatable(calendar).__index.add = nil end)\n"
    "try('rawset', function() rawset(string, 'find', nil) end)\n"
    "try('next', function() local k = next(string) return k end)\n" /* 15 */
    "try('coroutine', function() coroutine.wrap = nil end)\n"
    "try('table.sort', function() table.sort = nil end)\n"
    "pairs = function() return next, {}, nil end\n"
    "next = function() return nil end\n"
    "type = function() return 'nil' end\n" /* 20 */
    "tostring = function() return '' end\n"
    "function report(d) return false, table.concat(results, '\\n') end\n"
    "function own_pairs(d) local n = 0 for _ in pairs({1, 2, 3}) do n = n + 1 end return n == "
    "0 end\n";

static const char victim_lua[] =
    "function check(d)\n"
    "  local n = 0\n"
    "  for _ in pairs({1, 2, 3}) do n = n + 1 end\n"
    "  return n == 3 and next({}) == nil and type(1) == 'number' and tostring(1) == '1' and\n"
    "    string.find('abc', 'b') == 2 and ('abc'):find('c') == 3 and\n"
    "    registry.holds('r', 'x', 's') == false and calendar.add ~= nil and\n"
    "    coroutine.wrap ~= nil and table.sort ~= nil and getmetatable('').__index.find ~= nil\n"
    "end\n"
    "function d_meta(d) return getmetatable(d) == false and getmetatable(d.fields) == false "
    "end\n";

static void test_rules__modules_cannot_change_what_others_see(void **state)
{
    fixture *f = *state;
    mc_diags *d;
    assert_int_equal(mc_diags_new(&d), 0);
    assert_int_equal(mc_rules_load_buffer(f->rules, "evil", "rules/evil.lua", evil_lua,
                                          sizeof evil_lua - 1, d, NULL),
                     0);
    assert_int_equal(mc_rules_load_buffer(f->rules, "victim", "rules/victim.lua", victim_lua,
                                          sizeof victim_lua - 1, d, NULL),
                     0);
    assert_int_equal(mc_diags_count(d), 0);
    mc_diags_free(d);
    char reason[2048];
    bool ok = true;
    assert_int_equal(mc_rules_cond(f->rules, rule(f, "evil", "report"), &f->view, &ok, reason,
                                   sizeof reason, NULL),
                     0);
    assert_string_equal(
        reason,
        "env pairs: rules/evil.lua:3: attempt to index a boolean value\n"
        "env index: rules/evil.lua:4: attempt to index a boolean value\n"
        "setmetatable env: rules/evil.lua:5: cannot change a protected metatable\n"
        "string.find: rules/evil.lua:6: string is read-only (cannot set 'find')\n"
        "string method: rules/evil.lua:7: attempt to index a string value (constant '')\n"
        "string mt index: rules/evil.lua:8: string is read-only (cannot set 'find')\n"
        "string mt: rules/evil.lua:9: the string metatable is read-only (cannot set '__index')\n"
        "string lib mt: rules/evil.lua:10: attempt to index a boolean value\n"
        "setmetatable string: rules/evil.lua:11: cannot change a protected metatable\n"
        "registry: rules/evil.lua:12: registry is read-only (cannot set 'holds')\n"
        "calendar mt: rules/evil.lua:13: attempt to index a boolean value\n"
        "rawset: rules/evil.lua:14: attempt to call a nil value (global 'rawset')\n"
        "next: done\n"
        "coroutine: rules/evil.lua:16: coroutine is read-only (cannot set 'wrap')\n"
        "table.sort: rules/evil.lua:17: table is read-only (cannot set 'sort')");
    /* The module's own globals are its own… */
    assert_true(
        mc_rules_cond(f->rules, rule(f, "evil", "own_pairs"), &f->view, &ok, NULL, 0, NULL) == 0 &&
        ok);
    /* …and every other module, loaded before or after, sees the real functions. */
    assert_true(mc_rules_cond(f->rules, rule(f, "victim", "check"), &f->view, &ok, NULL, 0, NULL) ==
                    0 &&
                ok);
    assert_true(
        mc_rules_cond(f->rules, rule(f, "victim", "d_meta"), &f->view, &ok, NULL, 0, NULL) == 0 &&
        ok);
    f->docs[0].status = "asked";
    assert_int_equal(mc_rules_cond(f->rules, rule(f, "civil", "complete"), &f->view, &ok, reason,
                                   sizeof reason, NULL),
                     0);
    assert_false(ok);
    assert_string_equal(reason, "document birth-notice is still missing");
}

static const char library_lua[] =
    "function all(d)\n"
    "  local s = string.gsub('a=1, b=2', '(%w+)=(%w+)', function(k, v) return v .. k end)\n"
    "  local t = {}\n"
    "  for k in string.gmatch(s, '%w+') do table.insert(t, 1, k) end\n"
    "  table.sort(t)\n"
    "  table.move(t, 1, #t, 2)\n"
    "  table.remove(t, 1)\n"
    "  local ok = xpcall(error, function(e) return e end, {})\n"
    "  local co = coroutine.wrap(function() coroutine.yield(string.rep('x', 3, ',')) end)\n"
    "  local c = coroutine.create(function() coroutine.yield() end)\n"
    "  coroutine.resume(c)\n"
    "  coroutine.close(c)\n"
    "  return s == '1a, 2b' and #t == 2 and t[2] == '2b' and not ok and co() == 'x,x,x' and\n"
    "    string.find(s, 'b', 1, true) == 6 and string.match(s, '(%d)(%a)') == '1'\n"
    "end\n";

static int run_library_once(void *ctx)
{
    (void)ctx;
    mc_rules *r = NULL;
    const mc_rule *rule_p = NULL;
    mc_rule_view view = {0};
    bool ok = false;
    int rc = mc_rules_new(&r, &calm, NULL);
    if (rc == 0) {
        rc = mc_rules_load_buffer(r, "lib", "rules/lib.lua", library_lua, sizeof library_lua - 1,
                                  NULL, NULL);
    }
    if (rc == 0) {
        rc = mc_rules_resolve(r, "lib", "all", &rule_p, NULL);
    }
    if (rc == 0) {
        rc = mc_rules_cond(r, rule_p, &view, &ok, NULL, 0, NULL);
    }
    mc_rules_free(r);
    return rc;
}

/* The bounded library functions (matcher, table functions, xpcall, coroutines) end in a clean
 * MC_ENOMEM, or succeed, whichever allocation fails. */
static void test_rules__bounded_library_out_of_memory_sweep(void **state)
{
    (void)state;
    assert_int_equal(run_library_once(NULL), 0);
    mc_rules *r;
    const mc_rule *rule_p;
    bool ok = false;
    mc_rule_view view = {0};
    assert_int_equal(mc_rules_new(&r, &calm, NULL), 0);
    assert_int_equal(mc_rules_load_buffer(r, "lib", "rules/lib.lua", library_lua,
                                          sizeof library_lua - 1, NULL, NULL),
                     0);
    assert_int_equal(mc_rules_resolve(r, "lib", "all", &rule_p, NULL), 0);
    assert_int_equal(mc_rules_cond(r, rule_p, &view, &ok, NULL, 0, NULL), 0);
    assert_true(ok);
    mc_rules_free(r);
    assert_true(tu_oom_sweep(run_library_once, NULL, true) > 50);
}

static int load_rules_once(void *ctx)
{
    (void)ctx;
    mc_rules *r = NULL;
    const mc_rule *rule_p = NULL;
    int rc = mc_rules_new(&r, &calm, NULL);
    if (rc == 0) {
        rc = mc_rules_load_buffer(r, "civil", "rules/civil.lua", civil_lua, sizeof civil_lua - 1,
                                  NULL, NULL);
    }
    if (rc == 0) {
        rc = mc_rules_resolve(r, "civil", "parents_married", &rule_p, NULL);
    }
    mc_rules_free(r);
    return rc;
}

static void test_rules__out_of_memory_sweep(void **state)
{
    (void)state;
    assert_true(tu_oom_sweep(load_rules_once, NULL, true) > 50);
}

/* A module that does not load is remembered as failed (mc_rules_failed), or the load ends in
 * MC_ENOMEM: never an MC_ECHECK that forgot which module failed (out of memory growing the list
 * of failed modules was once dropped in silence). ctx: the rules folder. */
static int load_broken_dir_once(void *ctx)
{
    mc_rules *r = NULL;
    mc_diags *d = NULL;
    int rc = mc_rules_new(&r, &calm, NULL);
    if (rc == 0) {
        rc = mc_diags_new(&d);
    }
    if (rc == 0) {
        rc = mc_rules_load_dir(r, ctx, d, NULL);
        if (rc == MC_ECHECK && mc_rules_failed(r, "bad") && mc_rules_has_module(r, "good")) {
            rc = 0;
        }
    }
    mc_diags_free(d);
    mc_rules_free(r);
    return rc;
}

static void test_rules__failed_module_out_of_memory_sweep(void **state)
{
    (void)state;
    char dir[64], bad[96], good[96];
    snprintf(dir, sizeof dir, "/tmp/test_rules.XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(bad, sizeof bad, "%s/bad.lua", dir);
    snprintf(good, sizeof good, "%s/good.lua", dir);
    FILE *f = fopen(bad, "w");
    assert_non_null(f);
    fputs("function broken(d\n", f);
    fclose(f);
    f = fopen(good, "w");
    assert_non_null(f);
    fputs("function ok(d) return true end\n", f);
    fclose(f);
    assert_int_equal(load_broken_dir_once(dir), 0);
    assert_true(tu_oom_sweep(load_broken_dir_once, dir, true) > 10);
    remove(bad);
    remove(good);
    rmdir(dir);
}

/* fees.amount (issue 16): the amount of a fee schedule in force on the dossier's day, or on a
 * given one; the view's catalogue first, else the one set on the rules; every failure raises. */
static const char fees_lua[] =
    "function today(d) return fees.amount('copy-fee') end\n"
    "function on(d) return fees.amount('copy-fee', '2027-01-01T08:00') end\n"
    "function typo(d) return fees.amount('copy-fe') end\n"
    "function early(d) return fees.amount('copy-fee', '2024-12-31') end\n"
    "function bad_date(d) return fees.amount('copy-fee', '31/12/2026') end\n"
    "function write(d) fees.amount = nil return 0 end\n";

static const char parties_lua[] =
    "function spouse(d) return d.parties.spouse == '222', tostring(d.parties.spouse) end\n"
    "function listed(d)\n"
    "  local s = ''\n"
    "  for name, id in pairs(d.parties) do s = s .. name .. '=' .. id .. ';' end\n"
    "  return false, s\n"
    "end\n"
    "function unknown(d) return d.parties.nobody == nil and d.parties[1] == nil end\n"
    "function write(d) d.parties.spouse = '333' return true end\n";

/* d.parties (issue 16): each party's identifier, nil for one the dossier does not name; pairs
 * lists the named ones; it cannot be written. */
static void test_rules__parties_are_read_only_identifiers(void **state)
{
    fixture *f = *state;
    assert_int_equal(mc_rules_load_buffer(f->rules, "parties", "rules/parties.lua", parties_lua,
                                          sizeof parties_lua - 1, NULL, NULL),
                     0);
    mc_view_party parties[] = {{"applicant", "111"}, {"child", NULL}, {"spouse", "222"}};
    f->view.parties = parties;
    f->view.nparties = 3;
    bool ok = false;
    char reason[200];
    mc_error err;
    assert_int_equal(
        mc_rules_cond(f->rules, rule(f, "parties", "spouse"), &f->view, &ok, reason, 200, &err), 0);
    assert_true(ok);
    assert_int_equal(
        mc_rules_cond(f->rules, rule(f, "parties", "listed"), &f->view, &ok, reason, 200, &err), 0);
    assert_string_equal(reason, "applicant=111;spouse=222;");
    assert_int_equal(
        mc_rules_cond(f->rules, rule(f, "parties", "unknown"), &f->view, &ok, reason, 200, &err),
        0);
    assert_true(ok);
    assert_int_equal(
        mc_rules_cond(f->rules, rule(f, "parties", "write"), &f->view, &ok, reason, 200, &err),
        MC_ERULE);
    assert_non_null(strstr(err.msg, "d.parties is read-only"));
    /* a view without parties (a caller that fills none) reads nil */
    f->view.parties = NULL;
    f->view.nparties = 0;
    assert_int_equal(
        mc_rules_cond(f->rules, rule(f, "parties", "spouse"), &f->view, &ok, reason, 200, &err), 0);
    assert_false(ok);
    assert_string_equal(reason, "nil");
}

static void test_rules__fees_amount_reads_the_schedule_in_force(void **state)
{
    fixture *f = *state;
    assert_int_equal(mc_rules_load_buffer(f->rules, "fees", "rules/fees.lua", fees_lua,
                                          sizeof fees_lua - 1, NULL, NULL),
                     0);
    int64_t amount = -1;
    mc_error err;
    /* no catalogue anywhere: no schedule is known */
    assert_int_equal(mc_rules_fee(f->rules, rule(f, "fees", "today"), &f->view, &amount, &err),
                     MC_ERULE);
    assert_string_equal(err.msg, "rule fees.today: rules/fees.lua:1: fees.amount: unknown fee "
                                 "schedule 'copy-fee'");
    mc_catalogue *cat;
    char *diags;
    assert_int_equal(tu_load("fee-schedule copy-fee {\n"
                             "  amount 8000 VND from 2025-01-01\n"
                             "  amount 10000 VND from 2027-01-01 }\n",
                             &cat, &diags),
                     0);
    free(diags);
    mc_rules_set_catalogue(f->rules, cat);
    assert_int_equal(mc_rules_fee(f->rules, rule(f, "fees", "today"), &f->view, &amount, &err), 0);
    assert_int_equal(amount, 8000); /* submitted 2025-03-03 */
    assert_int_equal(mc_rules_fee(f->rules, rule(f, "fees", "on"), &f->view, &amount, &err), 0);
    assert_int_equal(amount, 10000);
    assert_int_equal(mc_rules_fee(f->rules, rule(f, "fees", "typo"), &f->view, &amount, &err),
                     MC_ERULE);
    assert_string_equal(err.msg, "rule fees.typo: rules/fees.lua:3: fees.amount: unknown fee "
                                 "schedule 'copy-fe' (did you mean 'copy-fee'?)");
    assert_int_equal(mc_rules_fee(f->rules, rule(f, "fees", "early"), &f->view, &amount, &err),
                     MC_ERULE);
    assert_string_equal(err.msg, "rule fees.early: rules/fees.lua:4: fees.amount: fee schedule "
                                 "'copy-fee' has no amount in force on 2024-12-31");
    assert_int_equal(mc_rules_fee(f->rules, rule(f, "fees", "bad_date"), &f->view, &amount, &err),
                     MC_ERULE);
    assert_string_equal(err.msg, "rule fees.bad_date: rules/fees.lua:5: bad argument #2 to "
                                 "'amount' (invalid date and time '31/12/2026' (write it as "
                                 "YYYY-MM-DDTHH:MM))");
    assert_int_equal(mc_rules_fee(f->rules, rule(f, "fees", "write"), &f->view, &amount, &err),
                     MC_ERULE);
    assert_string_equal(
        err.msg, "rule fees.write: rules/fees.lua:6: fees is read-only (cannot set 'amount')");
    /* a view that names its catalogue wins over the one set on the rules */
    mc_rules_set_catalogue(f->rules, NULL);
    f->view.catalogue = cat;
    assert_int_equal(mc_rules_fee(f->rules, rule(f, "fees", "today"), &f->view, &amount, &err), 0);
    assert_int_equal(amount, 8000);
    f->view.catalogue = NULL;
    mc_catalogue_free(cat);
}

/* What a call read (mc_rule_view.reads): only the fields a rule looked up on its way, by name
 * whether the view sets them or not, or by position in the view; the channel; pairs over the
 * fields; nothing recorded without reads. */
static const char reads_lua[] =
    "function fee(d)\n"
    "  if d.fields.reduced then return d.fields['share'] or 7 end\n"
    "  return 10\n"
    "end\n"
    "function online(d) return d.channel == 'online' end\n"
    "function all(d) local n = 0; for k in pairs(d.fields) do n = n + 1 end; return n end\n"
    "function docs(d) for k in pairs(d.documents) do end; return d.fields[1] == nil end\n"
    "function stranger(d) return d.fields.nobody == nil end\n";

static void test_rules__reads_report_what_a_call_read(void **state)
{
    (void)state;
    mc_rules *r;
    assert_int_equal(mc_rules_new(&r, &calm, NULL), 0);
    assert_int_equal(
        mc_rules_load_buffer(r, "rd", "rules/rd.lua", reads_lua, sizeof reads_lua - 1, NULL, NULL),
        0);
    const mc_rule *fee, *online, *all, *docs, *stranger;
    assert_int_equal(mc_rules_resolve(r, "rd", "fee", &fee, NULL), 0);
    assert_int_equal(mc_rules_resolve(r, "rd", "online", &online, NULL), 0);
    assert_int_equal(mc_rules_resolve(r, "rd", "all", &all, NULL), 0);
    assert_int_equal(mc_rules_resolve(r, "rd", "docs", &docs, NULL), 0);
    assert_int_equal(mc_rules_resolve(r, "rd", "stranger", &stranger, NULL), 0);
    static const char *const names[] = {"other", "reduced", "share"};
    bool flags[3] = {false, false, false};
    mc_rule_reads rd = {.names = names, .nnames = 3, .field = flags};
    mc_view_field fields[2] = {{"share", {.kind = MC_VAL_INTEGER, .integer = 3}},
                               {"reduced", {.kind = MC_VAL_BOOL, .boolean = false}}};
    mc_rule_view view = {.fields = fields, .nfields = 2, .channel = "counter", .reads = &rd};
    int64_t amount = 0;
    /* reduced false: share is not read */
    assert_int_equal(mc_rules_fee(r, fee, &view, &amount, NULL), 0);
    assert_int_equal(amount, 10);
    assert_false(flags[0]);
    assert_true(flags[1]);
    assert_false(flags[2]);
    assert_false(rd.channel || rd.all_fields || rd.other);
    /* reduced true: share read too */
    fields[1].value.boolean = true;
    assert_int_equal(mc_rules_fee(r, fee, &view, &amount, NULL), 0);
    assert_int_equal(amount, 3);
    assert_true(flags[1] && flags[2]);
    assert_false(flags[0]);
    /* a watched field the view does not set is recorded by its name */
    memset(flags, 0, sizeof flags);
    view.nfields = 0;
    assert_int_equal(mc_rules_fee(r, fee, &view, &amount, NULL), 0);
    assert_int_equal(amount, 10);
    assert_true(flags[1]);
    assert_false(flags[0] || flags[2] || rd.other);
    /* the channel, pairs over the fields (not over the documents), fields nobody watches */
    bool ok = false;
    assert_int_equal(mc_rules_cond(r, online, &view, &ok, NULL, 0, NULL), 0);
    assert_true(rd.channel);
    assert_false(rd.all_fields);
    assert_int_equal(mc_rules_cond(r, docs, &view, &ok, NULL, 0, NULL), 0);
    assert_false(rd.all_fields);
    assert_true(rd.other); /* d.fields[1] */
    rd.other = false;
    assert_int_equal(mc_rules_cond(r, stranger, &view, &ok, NULL, 0, NULL), 0);
    assert_true(rd.other);
    view.nfields = 2;
    assert_int_equal(mc_rules_fee(r, all, &view, &amount, NULL), 0);
    assert_int_equal(amount, 2);
    assert_true(rd.all_fields);
    /* by position in the view: share is fields[0], reduced fields[1] */
    bool at[2] = {false, false};
    mc_rule_reads pos = {.field = at};
    view.reads = &pos;
    fields[1].value.boolean = false;
    assert_int_equal(mc_rules_fee(r, fee, &view, &amount, NULL), 0);
    assert_false(at[0]);
    assert_true(at[1]);
    assert_false(pos.other || pos.channel);
    assert_int_equal(mc_rules_cond(r, stranger, &view, &ok, NULL, 0, NULL), 0);
    assert_true(pos.other);
    /* without reads: the same answers, nothing written */
    view.reads = NULL;
    memset(at, 0, sizeof at);
    fields[1].value.boolean = true;
    assert_int_equal(mc_rules_fee(r, fee, &view, &amount, NULL), 0);
    assert_int_equal(amount, 3);
    assert_false(at[0] || at[1]);
    mc_rules_free(r);
}

/* pairs over the view allocates no iterator: its iterator is stateless, as next is (the entry
 * after a key; nothing after the last or after a key the list has not), nested loops over one
 * list each see it whole; and d.version and d.submitted are asked of the view's texts, only
 * when a rule reads them. */
static const char iter_lua[] =
    "function steps(d)\n"
    "  local f, s, c = pairs(d.documents)\n"
    "  local k1, v1 = f(s, c)\n"
    "  local k2, v2 = f(s, k1)\n"
    "  local k3 = f(s, k2)\n"
    "  local k4 = f(s, 'nobody')\n"
    "  local n = 0\n"
    "  for a in pairs(d.documents) do for b in pairs(d.documents) do n = n + 1 end end\n"
    "  return false, k1 .. '=' .. v1 .. ' ' .. k2 .. '=' .. v2 .. ' ' .. tostring(k3) .. ' '\n"
    "    .. tostring(k4) .. ' ' .. n\n"
    "end\n"
    "function plain(d) return d.procedure == 'p' end\n"
    "function texts(d) return false, d.version .. ' ' .. d.submitted end\n";

static int texts_asked;

static void texts_of(void *ud, const char **version, const char **submitted)
{
    (void)ud;
    texts_asked++;
    *version = "2025-07-01";
    *submitted = "2025-07-03T09:00";
}

static void test_rules__view_iterators_and_texts(void **state)
{
    (void)state;
    mc_rules *r;
    assert_int_equal(mc_rules_new(&r, &calm, NULL), 0);
    assert_int_equal(
        mc_rules_load_buffer(r, "it", "rules/it.lua", iter_lua, sizeof iter_lua - 1, NULL, NULL),
        0);
    const mc_rule *steps, *plain, *texts;
    assert_int_equal(mc_rules_resolve(r, "it", "steps", &steps, NULL), 0);
    assert_int_equal(mc_rules_resolve(r, "it", "plain", &plain, NULL), 0);
    assert_int_equal(mc_rules_resolve(r, "it", "texts", &texts, NULL), 0);
    mc_view_document docs[] = {{"birth-notice", "provided"}, {"marriage-certificate", "asked"}};
    mc_rule_view view = {.procedure = "p", .documents = docs, .ndocuments = 2};
    bool ok = true;
    char why[200];
    assert_int_equal(mc_rules_cond(r, steps, &view, &ok, why, sizeof why, NULL), 0);
    assert_false(ok);
    assert_string_equal(why, "birth-notice=provided marriage-certificate=asked nil nil 4");
    view.texts = texts_of;
    texts_asked = 0;
    assert_int_equal(mc_rules_cond(r, plain, &view, &ok, why, sizeof why, NULL), 0);
    assert_true(ok);
    assert_int_equal(texts_asked, 0);
    assert_int_equal(mc_rules_cond(r, texts, &view, &ok, why, sizeof why, NULL), 0);
    assert_string_equal(why, "2025-07-01 2025-07-03T09:00");
    assert_int_equal(texts_asked, 2);
    mc_rules_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rules__the_dossier_view, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rules__guard_reason, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rules__fee_from_three_fields_is_exact, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rules__random_is_deterministic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rules__module_state_is_allowed_but_globals_are_not,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_rules__attacks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rules__fee_results, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rules__names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rules__resolve_again, setup, teardown),
        cmocka_unit_test(test_rules__load_errors_are_diagnostics),
        cmocka_unit_test(test_rules__out_of_memory_sweep),
        cmocka_unit_test(test_rules__failed_module_out_of_memory_sweep),
        cmocka_unit_test(test_rules__bounded_library_out_of_memory_sweep),
        cmocka_unit_test(test_rules__patterns_follow_lua),
        cmocka_unit_test(test_rules__patterns_agree_with_lua_on_random_input),
        cmocka_unit_test(test_rules__calls_end_by_their_deadline),
        cmocka_unit_test(test_rules__module_first_run_has_a_deadline),
        cmocka_unit_test(test_rules__interrupt_ends_a_running_call),
        cmocka_unit_test_setup_teardown(test_rules__handlers_and_closers_stay_in_the_budget, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rules__modules_cannot_change_what_others_see, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rules__parties_are_read_only_identifiers, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rules__fees_amount_reads_the_schedule_in_force, setup,
                                        teardown),
        cmocka_unit_test(test_rules__reads_report_what_a_call_read),
        cmocka_unit_test(test_rules__view_iterators_and_texts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
