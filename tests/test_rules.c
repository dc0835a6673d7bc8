/*
 * The Lua sandbox (rules.h): the rule API through the read-only dossier view, and an attack
 * suite — every attack ends its call with a clear error naming the rule and its location, and
 * the next rule still runs.
 */
#include "testutil.h"

#include "motcua/rules.h"

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
    "function wdays(d) return calendar.working_days('2025-03-03', '2025-03-10T08:00') == 5 end\n"
    "function count_fields(d) local n = 0; for k, v in pairs(d.fields) do n = n + 1 end; "
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
    mc_rules_opts opts = {1 << 20, 100000, MC_RULES_TIME_MS};
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
    f->view = (mc_rule_view){"birth",
                             "2025-07-01",
                             "001234567890",
                             "submitted",
                             "online",
                             "2025-03-03T09:00",
                             f->fields,
                             5,
                             f->docs,
                             2,
                             NULL,
                             holds_cb,
                             NULL};
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
    assert_int_equal(mc_rules_new(&other, NULL, NULL), 0);
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
        /* The runtime still works, and memory comes back. */
        assert_true(cond(f, "info"));
        assert_true(mc_rules_memory(f->rules) < baseline + (2u << 20));
    }
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
        assert_int_equal(mc_rules_fee(f->rules, rule(f, "attack", bad[i][0]), &f->view, &fee, &err),
                         MC_ERULE);
        assert_string_equal(err.msg, bad[i][1]);
    }
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
    assert_int_equal(n, 12);
    assert_string_equal(fns[0], "birth_fee"); /* sorted */
}

static void test_rules__load_errors_are_diagnostics(void **state)
{
    (void)state;
    mc_rules *r;
    assert_int_equal(mc_rules_new(&r, NULL, NULL), 0);
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

static int load_rules_once(void *ctx)
{
    (void)ctx;
    mc_rules *r = NULL;
    const mc_rule *rule_p = NULL;
    int rc = mc_rules_new(&r, NULL, NULL);
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
        cmocka_unit_test(test_rules__load_errors_are_diagnostics),
        cmocka_unit_test(test_rules__out_of_memory_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
