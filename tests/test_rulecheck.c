/*
 * Tests of lint's check of rule modules (src/rules/rulecheck.c): each mistake of issue 24 as an
 * error, word for word at its line and column, with its "did you mean" — a misspelt registry,
 * document, field, party, state, channel, fee schedule or document status, `d.fields.a-b`
 * without brackets, a read of an unknown global or of one the sandbox withholds, a misspelt
 * member of d; what is not a mistake (locals that shadow, table keys, methods, comments and
 * strings, repeat … until, a field a reform adds, the dossier under another name); the fixture
 * tests/fixtures/lint/rulecheck/mistakes against its .expect; the bundled rules check clean; out
 * of memory.
 */
#include "testutil.h"

#include "motcua/rulecheck.h"
#include "motcua/rules.h"

static const char catalogue[] = "role clerk\n"
                                "document marriage-certificate\n"
                                "registry civil-status { holds marriage-certificate }\n"
                                "fee-schedule extract-copy { amount 8000 VND from 2025-01-01 }\n"
                                "procedure single-status {\n"
                                "    field exempt-category { type choice; options veteran poor }\n"
                                "    field copies { type integer }\n"
                                "    field spouse-id { type text }\n"
                                "    party spouse { field spouse-id }\n"
                                "    requires marriage-certificate of spouse\n"
                                "    fee rule m.fee\n"
                                "    state submitted { initial; on approve -> approved by clerk }\n"
                                "    state approved { final }\n"
                                "}\n"
                                "reform digital-2026 {\n"
                                "    procedure single-status { field online-ref { type text } }\n"
                                "}\n";

/* The diagnostics of checking module text (named rules/m.lua) against the test catalogue. */
static char *check(const char *text)
{
    mc_catalogue *cat = tu_load_ok(catalogue);
    mc_rulecheck *rc;
    mc_error err;
    assert_int_equal(mc_rulecheck_new(&rc, cat, &err), 0);
    mc_diags *d;
    assert_int_equal(mc_diags_new(&d), 0);
    assert_int_equal(mc_rulecheck_buffer(rc, "rules/m.lua", text, strlen(text), d, &err), 0);
    char *got = tu_render(d, false);
    mc_diags_free(d);
    mc_rulecheck_free(rc);
    mc_catalogue_free(cat);
    return got;
}

static void expect(const char *text, const char *expected)
{
    char *got = check(text);
    assert_string_equal(got, expected);
    free(got);
}

static void test_rulecheck__misspelt_registry_and_document(void **state)
{
    (void)state;
    expect("function f(d)\n"
           "  return registry.holds(\"civil_status\", \"marriage-certificate\", d.subject)\n"
           "end\n",
           "rules/m.lua:2:25: error: unknown registry 'civil_status' (did you mean "
           "'civil-status'?)\n");
    expect("function f(d)\n"
           "  return registry.holds('civil-status', 'marriage-certifcate', d.subject)\n"
           "end\n",
           "rules/m.lua:2:41: error: unknown document 'marriage-certifcate' (did you mean "
           "'marriage-certificate'?)\n");
    /* Far from every name: no suggestion. */
    expect("function f(d) return registry.holds(\"land\", \"x\", d.subject) end\n",
           "rules/m.lua:1:37: error: unknown registry 'land'\n"
           "rules/m.lua:1:45: error: unknown document 'x'\n");
}

static void test_rulecheck__field_without_brackets(void **state)
{
    (void)state;
    expect("function f(d)\n"
           "  return d.fields.exempt-category == \"veteran\"\n"
           "end\n",
           "rules/m.lua:2:19: error: d.fields.exempt-category reads as d.fields.exempt - "
           "category: write d.fields[\"exempt-category\"]\n");
    /* Under another name, several dashes, in documents */
    expect("function f(dossier)\n"
           "  return dossier.documents.marriage-certificate-copy\n"
           "end\n",
           "rules/m.lua:2:28: error: dossier.documents.marriage-certificate-copy reads as "
           "dossier.documents.marriage - certificate - copy: write "
           "dossier.documents[\"marriage-certificate-copy\"]\n");
    expect("local function h(d) return d.fields.copis end\n",
           "rules/m.lua:1:37: error: unknown field 'copis' (did you mean 'copies'?)\n");
    /* A subtraction written with spaces is one */
    expect("function f(d) return d.fields.copies - 1 > 0 end\n", "");
}

static void test_rulecheck__names_of_the_dossier(void **state)
{
    (void)state;
    expect("function f(d)\n"
           "  if d.fields[\"exempt-categry\"] then return true end\n"
           "  if d.fields.copis then return true end\n"
           "  if d.documents[\"mariage-certificate\"] == \"askd\" then return true end\n"
           "  if d.parties.spuse == nil then return false end\n"
           "  if d.state == \"aproved\" or \"submited\" == d.state then return false end\n"
           "  if d.channel ~= \"onlin\" and d.procedure == \"single-statu\" then return true end\n"
           "  return d.feilds ~= nil or d.whatever\n"
           "end\n",
           "rules/m.lua:2:15: error: unknown field 'exempt-categry' (did you mean "
           "'exempt-category'?)\n"
           "rules/m.lua:3:15: error: unknown field 'copis' (did you mean 'copies'?)\n"
           "rules/m.lua:4:18: error: unknown document 'mariage-certificate' (did you mean "
           "'marriage-certificate'?)\n"
           "rules/m.lua:4:44: error: unknown document status 'askd' (did you mean 'asked'?)\n"
           "rules/m.lua:5:16: error: unknown party 'spuse' (did you mean 'spouse'?)\n"
           "rules/m.lua:6:17: error: unknown state 'aproved' (did you mean 'approved'?)\n"
           "rules/m.lua:6:30: error: unknown state 'submited' (did you mean 'submitted'?)\n"
           "rules/m.lua:7:19: error: unknown channel 'onlin' (did you mean 'online'?)\n"
           "rules/m.lua:7:46: error: unknown procedure 'single-statu' (did you mean "
           "'single-status'?)\n"
           "rules/m.lua:8:12: error: the dossier has no 'feilds' (did you mean 'fields'?)\n"
           "rules/m.lua:8:31: error: the dossier has no 'whatever' (it has procedure, version, "
           "subject, state, channel, submitted, fields, documents and parties)\n");
    expect("function f(d) return d.channel == \"fax\" end\n",
           "rules/m.lua:1:35: error: unknown channel 'fax' (online, counter or post)\n");
}

static void test_rulecheck__fee_schedule(void **state)
{
    (void)state;
    expect("function fee(d) return fees.amount(\"extract-copie\") end\n",
           "rules/m.lua:1:36: error: unknown fee schedule 'extract-copie' (did you mean "
           "'extract-copy'?)\n");
}

static void test_rulecheck__globals(void **state)
{
    (void)state;
    expect("local function helper(x) return x end\n"
           "function is_married(d) return true end\n"
           "function f(d)\n"
           "  print(d.subject)\n"
           "  local t = io.open(\"x\")\n"
           "  return is_maried(d) and helpr(1) and RATE and tostrin(1)\n"
           "end\n",
           "rules/m.lua:4:3: error: 'print' is not available to rules (see the sandbox, "
           "docs/language.md 12.5)\n"
           "rules/m.lua:5:13: error: 'io' is not available to rules (see the sandbox, "
           "docs/language.md 12.5)\n"
           "rules/m.lua:6:10: error: unknown global 'is_maried': neither the module nor the "
           "sandbox defines it (did you mean 'is_married'?)\n"
           "rules/m.lua:6:27: error: unknown global 'helpr': neither the module nor the sandbox "
           "defines it (did you mean 'helper'?)\n"
           "rules/m.lua:6:40: error: unknown global 'RATE': neither the module nor the sandbox "
           "defines it\n"
           "rules/m.lua:6:49: error: unknown global 'tostrin': neither the module nor the "
           "sandbox defines it (did you mean 'tostring'?)\n");
    /* A local in scope ends where its block ends. */
    expect("function f(d)\n"
           "  if d.fields.copies then local n = 1 end\n"
           "  return n\n"
           "end\n",
           "rules/m.lua:3:10: error: unknown global 'n': neither the module nor the sandbox "
           "defines it\n");
}

static void test_rulecheck__unused_module_checks_globals_only(void **state)
{
    (void)state;
    /* No procedure of the catalogue names a rule of module 'other': the names it gives belong
     * to procedures this catalogue does not have (a shared rules/ folder), its globals not. */
    mc_catalogue *cat = tu_load_ok(catalogue);
    mc_rulecheck *rc;
    mc_error err;
    assert_int_equal(mc_rulecheck_new(&rc, cat, &err), 0);
    mc_diags *d;
    assert_int_equal(mc_diags_new(&d), 0);
    const char *text = "function f(d)\n"
                       "  return d.fields[\"elsewhere\"] and registry.holds(\"land\", \"x\", 1)\n"
                       "    and d.channel == \"fax\" and nowhere_defined\n"
                       "end\n";
    assert_int_equal(mc_rulecheck_buffer(rc, "rules/other.lua", text, strlen(text), d, &err), 0);
    char *got = tu_render(d, false);
    assert_string_equal(
        got, "rules/other.lua:3:22: error: unknown channel 'fax' (online, counter or "
             "post)\n"
             "rules/other.lua:3:32: error: unknown global 'nowhere_defined': neither the "
             "module nor the sandbox defines it\n");
    free(got);
    mc_diags_free(d);
    mc_rulecheck_free(rc);
    mc_catalogue_free(cat);
}

static void test_rulecheck__what_is_not_a_mistake(void **state)
{
    (void)state;
    expect("--[==[ d.fields.bogus-name and print() in a comment ]==]\n", "");
    expect("#!/usr/bin/lua\n"
           "-- print(d.fields.x-y)\n"
           "local RATE <const> = 8000\n"
           "local cache = {}\n"
           "local t = { fields = 1, state = \"x\", [1] = 2; nested = { a = RATE } }\n"
           "BASE, EXTRA = 10, 2\n"
           "Table = {}\n"
           "function Table.get(self, k) return self[k] end\n"
           "function Table:put(k, v) self[k] = v end\n"
           "local function helper(x, y)\n"
           "  local s = \"tab\\there \\\"q\\\" \\u{1EA1} \\x41 \\65 \\z\n"
           "             more\"\n"
           "  local long = [[\nregistry.holds(\"nope\")]]\n"
           "  return x + y + #s + #long\n"
           "end\n"
           "function married(d)\n"
           "  for name, status in pairs(d.documents) do\n"
           "    if status == \"asked\" then return false, name end\n"
           "  end\n"
           "  for i = 1, 3 do cache[i] = i end\n"
           "  local k = 0\n"
           "  repeat local more = k < 2; k = k + 1 until not more\n"
           "  while k > 0 do k = k - 1 end\n"
           "  do local inner = 1; k = inner end\n"
           "  goto done\n"
           "  ::done::\n"
           "  local obj = setmetatable({}, { __index = function(_, key) return key end })\n"
           "  local up = (\"x\"):upper()\n"
           "  local string = \"shadowed\"\n"
           "  if d.state == \"approved\" and d.channel ~= \"post\" then\n"
           "    return registry.holds(\"civil-status\", \"marriage-certificate\", "
           "d.parties[\"spouse\"])\n"
           "  end\n"
           "  return d.fields[\"exempt-category\"] == \"poor\" and helper(RATE, BASE) > 0\n"
           "    and obj.x ~= up and other(d) and d.fields.copies == EXTRA and string\n"
           "    and d.fields[\"online-ref\"] ~= nil\n" /* a field its reform adds */
           "end\n"
           "function other(x) return math.floor(x.fields.copies) == x.fields.copies end\n"
           /* a helper's table is not the dossier, unless it is called d */
           "local function label(item) return item.state == \"draft\" and item.kind end\n"
           "local t2 = { f = function(row) return row.fields.anything end }\n"
           "function uses_pairs(d) local pairs = 1; return pairs end\n",
           "");
    /* A string that does not end stops the scan (the loader reports it) */
    expect("function f(d) return d.fields[\"x\n", "");
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 16);
    assert_non_null(buf);
    size_t n = fread(buf, 1, (1 << 16) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* The diagnostics of the modules of root/rules against the catalogue root/procedures. */
static char *check_folder(const char *root)
{
    char procs[512], rules_dir[512];
    snprintf(procs, sizeof procs, "%s/procedures", root);
    snprintf(rules_dir, sizeof rules_dir, "%s/rules", root);
    mc_diags *d;
    assert_int_equal(mc_diags_new(&d), 0);
    mc_rules *rules;
    assert_int_equal(mc_rules_new(&rules, NULL, NULL), 0);
    assert_int_equal(mc_rules_load_dir(rules, rules_dir, d, NULL), 0);
    mc_rule_names names;
    mc_rules_names(rules, &names);
    const char *paths[] = {procs};
    mc_load_opts opts = MC_LOAD_OPTS_INIT;
    opts.paths = paths;
    opts.npaths = 1;
    opts.rules = &names;
    mc_catalogue *cat = NULL;
    mc_error err;
    assert_int_equal(mc_catalogue_load(&cat, &opts, d, &err), 0);
    mc_diags_free(d);
    assert_int_equal(mc_diags_new(&d), 0);
    mc_rulecheck *rc;
    assert_int_equal(mc_rulecheck_new(&rc, cat, &err), 0);
    assert_int_equal(mc_rulecheck_dir(rc, rules_dir, d, &err), 0);
    char *got = tu_render(d, true);
    mc_rulecheck_free(rc);
    mc_catalogue_free(cat);
    mc_rules_free(rules);
    mc_diags_free(d);
    return got;
}

static void test_rulecheck__fixture(void **state)
{
    (void)state;
    char *got = check_folder("tests/fixtures/lint/rulecheck/mistakes");
    char *expected = read_all("tests/fixtures/lint/rulecheck/mistakes.expect");
    if (strcmp(got, expected) != 0) {
        print_error("--- expected\n%s--- got\n%s", expected, got);
    }
    assert_string_equal(got, expected);
    free(got);
    free(expected);
}

static void test_rulecheck__bundled_rules_are_clean(void **state)
{
    (void)state;
    char *got = check_folder(".");
    assert_string_equal(got, "");
    free(got);
}

static void test_rulecheck__missing_dir(void **state)
{
    (void)state;
    mc_catalogue *cat = tu_load_ok(catalogue);
    mc_rulecheck *rc;
    mc_error err;
    assert_int_equal(mc_rulecheck_new(&rc, cat, &err), 0);
    mc_diags *d;
    assert_int_equal(mc_diags_new(&d), 0);
    assert_int_equal(mc_rulecheck_dir(rc, "tests/fixtures/no-such-folder/rules", d, &err), 0);
    assert_int_equal(mc_diags_count(d), 0);
    mc_diags_free(d);
    mc_rulecheck_free(rc);
    mc_catalogue_free(cat);
}

typedef struct oom_ctx {
    const mc_catalogue *cat;
    const char *text;
} oom_ctx;

static int check_attempt(void *p)
{
    oom_ctx *c = p;
    mc_rulecheck *rc = NULL;
    mc_diags *d = NULL;
    mc_error err;
    int r = mc_diags_new(&d);
    if (r == 0) {
        r = mc_rulecheck_new(&rc, c->cat, &err);
    }
    if (r == 0) {
        r = mc_rulecheck_buffer(rc, "rules/m.lua", c->text, strlen(c->text), d, &err);
        if (r == MC_ENOMEM) {
            assert_string_equal(err.msg, "out of memory");
        }
    }
    if (r == 0) {
        assert_int_equal(mc_diags_errors(d), 6);
    }
    mc_rulecheck_free(rc);
    mc_diags_free(d);
    return r;
}

static void test_rulecheck__out_of_memory(void **state)
{
    (void)state;
    mc_catalogue *cat = tu_load_ok(catalogue);
    oom_ctx c = {cat, "local function h(x) return \"a\\65\" .. [[b]] end\n"
                      "function f(d)\n"
                      "  if d.fields.exempt-category then return print end\n"
                      "  return registry.holds(\"civil_status\", \"x\", d.subject) and h(1)\n"
                      "    and d.fields[\"online-ref\"] and d.state == \"aproved\" and nope\n"
                      "end\n"};
    tu_oom_sweep(check_attempt, &c, false);
    mc_catalogue_free(cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rulecheck__misspelt_registry_and_document),
        cmocka_unit_test(test_rulecheck__field_without_brackets),
        cmocka_unit_test(test_rulecheck__names_of_the_dossier),
        cmocka_unit_test(test_rulecheck__fee_schedule),
        cmocka_unit_test(test_rulecheck__globals),
        cmocka_unit_test(test_rulecheck__unused_module_checks_globals_only),
        cmocka_unit_test(test_rulecheck__what_is_not_a_mistake),
        cmocka_unit_test(test_rulecheck__fixture),
        cmocka_unit_test(test_rulecheck__bundled_rules_are_clean),
        cmocka_unit_test(test_rulecheck__missing_dir),
        cmocka_unit_test(test_rulecheck__out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
