/*
 * Tests of lint's proofs (src/analysis/prove.c): guards that can hold together give a warning
 * with the counter-example, word for word, at the second transition; disjoint guards (a bool
 * and its negation, two values of one choice, guards of roles that differ) give nothing; a guard
 * that calls Lua is a note, once per machine; a lifecycle shared by procedures, and identical
 * machines, are proved once (the solver's calls counted); a field's type changes the proof; the
 * fixture tests/fixtures/lint/prove/overlap.d against its .expect; the bundled catalogue proves
 * clean; out of memory.
 */
#include "testutil.h"

#include "motcua/prove.h"
#include "motcua/rules.h"

#define ROLES                                                                                      \
    "role clerk { title \"One-stop officer\" }\n"                                                  \
    "role head { title \"Chair\" }\n"

/* The proofs' warnings, then their notes (as "note"), one line each. */
static char *prove(const mc_catalogue *cat, mc_prove_stats *stats)
{
    mc_diags *d, *notes;
    assert_int_equal(mc_diags_new(&d), 0);
    assert_int_equal(mc_diags_new(&notes), 0);
    mc_error err;
    mc_error_clear(&err);
    assert_int_equal(mc_prove_catalogue(cat, d, notes, stats, &err), 0);
    assert_int_equal(mc_diags_errors(d), 0); /* overlaps are warnings */
    mc_diags_sort(d);
    char *w = tu_render(d, true);
    char *n = tu_render(notes, true);
    size_t len = strlen(w) + strlen(n) + 1;
    char *out = malloc(len);
    assert_non_null(out);
    snprintf(out, len, "%s", w);
    /* "FILE:L:C: warning: …" of a note reads "FILE:L:C: note: …" */
    for (char *line = n; *line != '\0';) {
        char *end = strchr(line, '\n');
        char *sev = strstr(line, ": warning: ");
        assert_non_null(sev);
        size_t at = strlen(out);
        snprintf(out + at, len - at, "%.*s: note: %.*s\n", (int)(sev - line), line,
                 (int)(end - sev - 11), sev + 11);
        line = end + 1;
    }
    free(w);
    free(n);
    mc_diags_free(d);
    mc_diags_free(notes);
    return out;
}

static void expect_proof(const char *text, const char *expected, mc_prove_stats *stats)
{
    mc_catalogue *cat = tu_load_ok(text);
    mc_prove_stats s;
    char *got = prove(cat, stats != NULL ? stats : &s);
    assert_string_equal(got, expected);
    free(got);
    mc_catalogue_free(cat);
}

static void test_prove__overlap_has_a_counter_example(void **state)
{
    (void)state;
    mc_prove_stats s;
    expect_proof(ROLES "procedure p {\n"
                       "    field married { type bool }\n"
                       "    field urgent { type bool }\n"
                       "    state a {\n"
                       "        initial\n"
                       "        on approve -> b by head when married\n"
                       "        on approve -> c by head when not urgent\n"
                       "    }\n"
                       "    state b { final }\n"
                       "    state c { final }\n"
                       "}\n",
                 "t.proc:9:42: warning[guards-overlap]: guards overlap: this transition and the one at line 8 "
                 "both hold when married = true and urgent = false (the first written is "
                 "taken)\n",
                 &s);
    assert_int_equal(s.groups, 1);
    assert_int_equal(s.proofs, 1);
    assert_int_equal(s.checks, 1);
    assert_int_equal(s.unproven, 0);
}

static void test_prove__choice_and_text_values(void **state)
{
    (void)state;
    /* A choice against a bool, a text against a choice (its value quoted when it has a space);
     * a choice field that is not required may be left empty. */
    expect_proof(ROLES "procedure p {\n"
                       "    field purpose { type choice; options personal visa }\n"
                       "    field nationality { type text }\n"
                       "    field married { type bool }\n"
                       "    state a {\n"
                       "        initial\n"
                       "        on approve -> b by head when purpose is visa\n"
                       "        on approve -> c by head when not married\n"
                       "        on refuse -> b by head when nationality is \"Việt Nam\"\n"
                       "        on refuse -> c by head when purpose is personal\n"
                       "    }\n"
                       "    state b { final }\n"
                       "    state c { final }\n"
                       "}\n",
                 "t.proc:10:42: warning[guards-overlap]: guards overlap: this transition and the one at line 9 "
                 "both hold when purpose = visa and married = false (the first written is "
                 "taken)\n"
                 "t.proc:12:37: warning[guards-overlap]: guards overlap: this transition and the one at line 11 "
                 "both hold when nationality = \"Việt Nam\" and purpose = personal (the first "
                 "written is taken)\n",
                 NULL);
}

static void test_prove__disjoint_guards_are_proven(void **state)
{
    (void)state;
    mc_prove_stats s;
    expect_proof(ROLES "procedure p {\n"
                       "    field married { type bool }\n"
                       "    field purpose { type choice; options personal employment visa }\n"
                       "    field nationality { type text }\n"
                       "    state a {\n"
                       "        initial\n"
                       "        on approve -> b by head when married\n"
                       "        on approve -> c by head when not married\n"
                       "        on approve -> c by head\n" /* the default: never a warning */
                       "        on refuse -> b by head when purpose is visa\n"
                       "        on refuse -> c by head when purpose is employment\n"
                       "        on refuse -> c by clerk when purpose is visa\n" /* other role */
                       "        on send -> b by head when nationality is Lào\n"
                       "        on send -> c by head when nationality is \"Việt Nam\"\n"
                       "    }\n"
                       "    state b { final }\n"
                       "    state c { final }\n"
                       "}\n",
                 "", &s);
    assert_int_equal(s.groups, 3);
    assert_int_equal(s.checks, 3); /* approve, refuse (head's pair), send */
}

static void test_prove__rule_guard_is_not_proven(void **state)
{
    (void)state;
    mc_prove_stats s;
    /* One note for the machine, naming each rule and each event once, at the procedure. */
    expect_proof(ROLES "procedure p {\n"
                       "    field married { type bool }\n"
                       "    state a {\n"
                       "        initial\n"
                       "        on approve -> b by head when rule civil.complete\n"
                       "        on approve -> c by head when married\n"
                       "        on approve -> c by head when rule civil.other\n"
                       "        on refuse -> b by head when rule civil.complete\n"
                       "        on refuse -> c by head when rule civil.other\n"
                       "    }\n"
                       "    state b { final }\n"
                       "    state c { final }\n"
                       "}\n",
                 "t.proc:3:11: note: not proven (calls rule civil.complete, rule civil.other): "
                 "approve in a, refuse in a\n",
                 &s);
    assert_int_equal(s.unproven, 4);
    assert_int_equal(s.checks, 0); /* no pair of field guards: the solver is not even started */
}

/* A lifecycle shared by n procedures whose fields are declared alike (and one whose purpose
 * has other options, when odd is set). */
static char *shared(int n, bool odd)
{
    char *text = malloc(8192);
    assert_non_null(text);
    int at = snprintf(text, 8192, "%s",
                      ROLES "lifecycle l {\n"
                            "    state a {\n"
                            "        initial\n"
                            "        on approve -> b by head when married\n"
                            "        on approve -> b by head when purpose is visa\n"
                            "    }\n"
                            "    state b { final }\n"
                            "}\n");
    for (int i = 0; i < n; i++) {
        at += snprintf(text + at, (size_t)(8192 - at),
                       "procedure p%d {\n"
                       "    lifecycle l\n"
                       "    field married { type bool }\n"
                       "    field purpose { type choice; options %s }\n"
                       "}\n",
                       i, odd && i == n - 1 ? "visa work" : "personal visa");
    }
    return text;
}

static void test_prove__each_distinct_machine_once(void **state)
{
    (void)state;
    const char *expected = "t.proc:7:38: warning[guards-overlap]: guards overlap: this transition and the one at "
                           "line 6 both hold when married = true and purpose = visa (the first "
                           "written is taken)\n";
    mc_prove_stats one, many, odd;
    char *text = shared(1, false);
    expect_proof(text, expected, &one);
    free(text);
    text = shared(40, false);
    expect_proof(text, expected, &many); /* one warning, not forty */
    free(text);
    assert_int_equal(one.checks, 1);
    assert_int_equal(many.groups, 40);
    assert_int_equal(many.proofs, 1);
    assert_int_equal(many.checks, 1);
    /* A procedure whose choice has other options is another machine: proved on its own. */
    text = shared(40, true);
    expect_proof(text, expected, &odd);
    free(text);
    assert_int_equal(odd.proofs, 2);
    assert_int_equal(odd.checks, 2);
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

/* Loads the catalogue folder (its .proc files) with the rules of rules_dir. */
static mc_catalogue *load_dir(const char *dir, const char *rules_dir)
{
    mc_diags *d;
    assert_int_equal(mc_diags_new(&d), 0);
    mc_rules *rules;
    assert_int_equal(mc_rules_new(&rules, NULL, NULL), 0);
    assert_int_equal(mc_rules_load_dir(rules, rules_dir, d, NULL), 0);
    mc_rule_names names;
    mc_rules_names(rules, &names);
    const char *paths[] = {dir};
    mc_load_opts opts = MC_LOAD_OPTS_INIT;
    opts.paths = paths;
    opts.npaths = 1;
    opts.rules = &names;
    mc_catalogue *cat = NULL;
    mc_error err;
    if (mc_catalogue_load(&cat, &opts, d, &err) != 0) {
        char *text = tu_render(d, false);
        fail_msg("%s: %s\n%s", dir, err.msg, text);
    }
    mc_rules_free(rules);
    mc_diags_free(d);
    return cat;
}

static void test_prove__fixture(void **state)
{
    (void)state;
    mc_catalogue *cat = load_dir("tests/fixtures/lint/prove/overlap.d", "tests/fixtures/rules");
    mc_prove_stats s;
    char *got = prove(cat, &s);
    char *expected = read_all("tests/fixtures/lint/prove/overlap.expect");
    if (strcmp(got, expected) != 0) {
        print_error("--- expected\n%s--- got\n%s", expected, got);
    }
    assert_string_equal(got, expected);
    assert_int_equal(s.proofs, 3); /* two procedures share the lifecycle: proved once */
    free(got);
    free(expected);
    mc_catalogue_free(cat);
}

static void test_prove__bundled_catalogue_is_clean(void **state)
{
    (void)state;
    mc_catalogue *cat = load_dir("procedures", "rules");
    mc_prove_stats s;
    char *got = prove(cat, &s);
    assert_string_equal(got, "");
    free(got);
    mc_catalogue_free(cat);
}

typedef struct oom_ctx {
    const mc_catalogue *cat;
} oom_ctx;

static int prove_attempt(void *p)
{
    oom_ctx *c = p;
    mc_diags *d = NULL, *notes = NULL;
    mc_error err;
    int rc = mc_diags_new(&d);
    if (rc == 0) {
        rc = mc_diags_new(&notes);
    }
    if (rc == 0) {
        rc = mc_prove_catalogue(c->cat, d, notes, NULL, &err);
        if (rc == MC_ENOMEM) {
            assert_string_equal(err.msg, "out of memory");
        }
    }
    if (rc == 0) {
        assert_int_equal(mc_diags_count(d), 1);
        assert_int_equal(mc_diags_count(notes), 1);
    }
    mc_diags_free(d);
    mc_diags_free(notes);
    return rc;
}

static void test_prove__out_of_memory(void **state)
{
    (void)state;
    mc_catalogue *cat = tu_load_ok(ROLES "procedure p {\n"
                                      "    field married { type bool }\n"
                                      "    field purpose { type choice; options a b }\n"
                                      "    state a {\n"
                                      "        initial\n"
                                      "        on approve -> b by head when married\n"
                                      "        on approve -> b by head when purpose is a\n"
                                      "        on approve -> b by head when rule civil.x\n"
                                      "    }\n"
                                      "    state b { final }\n"
                                      "}\n");
    oom_ctx c = {cat};
    tu_oom_sweep(prove_attempt, &c, false);
    mc_catalogue_free(cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prove__overlap_has_a_counter_example),
        cmocka_unit_test(test_prove__choice_and_text_values),
        cmocka_unit_test(test_prove__disjoint_guards_are_proven),
        cmocka_unit_test(test_prove__rule_guard_is_not_proven),
        cmocka_unit_test(test_prove__each_distinct_machine_once),
        cmocka_unit_test(test_prove__fixture),
        cmocka_unit_test(test_prove__bundled_catalogue_is_clean),
        cmocka_unit_test(test_prove__out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
