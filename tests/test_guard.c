/*
 * The built-in guard `when documents complete` (language §3): holds when no document the dossier
 * requires is still asked of the applicant; refused with the first asked document in the order
 * of the requirements; a field named `documents` is still a field; lint refuses it where it is
 * not a guard (a requirement, a fee category, a part); the graph and the proof notes name it.
 */
#include "testutil.h"
#include "pgtest.h"

#include "motcua/engine.h"
#include "motcua/graph.h"

#include <string.h>

static const char text[] =
    "role clerk\nrole head\n"
    "document form\ndocument notice\ndocument card\n"
    "registry cards { holds card; published 2023-01-01 }\n"
    "lifecycle l {\n"
    "  state processing { initial; clock running\n"
    "    on approve -> done by head when documents complete\n"
    "    on flag -> processing by clerk when documents\n"
    "    on supplement -> processing by clerk }\n"
    "  state done { final; outcome granted } }\n"
    "procedure p { lifecycle l; subject id; time-limit 3wd\n"
    "  field id { type text; required }\n"
    "  field documents { type bool }\n"
    "  requires form\n"
    "  requires notice\n"
    "  requires card }\n";

static void test_guard__holds_only_when_nothing_is_asked(void **state)
{
    (void)state;
    mc_catalogue *cat = tu_load_ok(text);
    const mc_procedure *p = mc_catalogue_procedure(cat, "p", 0);
    const mc_state *s = p->machine.states[p->machine.initial];
    assert_int_equal(s->on[0].when.kind, MC_COND_DOCUMENTS_COMPLETE);
    assert_int_equal(s->on[1].when.kind, MC_COND_FIELD); /* `when documents`: the field */
    assert_string_equal(s->on[1].when.field, "documents");
    mc_engine *e;
    assert_int_equal(mc_engine_open(&e, cat, NULL, tu_db(), NULL), 0);
    mc_kv fields[] = {{"id", "1"}};
    mc_submit sub = {.procedure = "p", .fields = fields, .nfields = 1, .now = 1750000000};
    mc_result res;
    mc_error err;
    assert_int_equal(mc_engine_submit(e, &sub, &res, &err), 0);
    int64_t id = res.dossier;
    /* form, notice and card are all asked: the first, in the order written, is named */
    mc_fire f = MC_FIRE_INIT;
    f.dossier = id;
    f.event = "approve";
    f.role = "head";
    f.now = 1750000100;
    assert_int_equal(mc_engine_fire(e, &f, &res, &err), MC_EREFUSED);
    assert_int_equal(res.refusal, MC_REFUSED_GUARD);
    assert_string_equal(res.message, "'approve' is not allowed now: document form is still missing");
    /* two provided: the one left is named */
    const char *two[] = {"form", "card"};
    mc_fire g = MC_FIRE_INIT;
    g.dossier = id;
    g.event = "supplement";
    g.role = "clerk";
    g.now = 1750000200;
    g.payload.attach = two;
    g.payload.nattach = 2;
    assert_int_equal(mc_engine_fire(e, &g, &res, &err), 0);
    f.now = 1750000300;
    assert_int_equal(mc_engine_fire(e, &f, &res, &err), MC_EREFUSED);
    assert_string_equal(res.message, "'approve' is not allowed now: document notice is still missing");
    const char *last[] = {"notice"};
    g.payload.attach = last;
    g.payload.nattach = 1;
    g.now = 1750000400;
    assert_int_equal(mc_engine_fire(e, &g, &res, &err), 0);
    f.now = 1750000500;
    assert_int_equal(mc_engine_fire(e, &f, &res, &err), 0);
    mc_dossier d;
    assert_int_equal(mc_engine_get(e, id, f.now, &d, &err), 0);
    assert_string_equal(d.state->name, "done");
    mc_dossier_free(&d);
    mc_engine_close(e);
    mc_catalogue_free(cat);
}

static void expect_error(const char *src, const char *needle)
{
    mc_catalogue *cat = NULL;
    char *got;
    assert_int_not_equal(tu_load(src, &cat, &got), 0);
    if (strstr(got, needle) == NULL) {
        fail_msg("expected '%s' in:\n%s", needle, got);
    }
    free(got);
    mc_catalogue_free(cat);
}

static void test_guard__lint_refuses_it_where_it_is_not_a_guard(void **state)
{
    (void)state;
    expect_error("document d\nlifecycle l { state a { initial; final } }\n"
                 "procedure p { lifecycle l; requires d when documents complete }\n",
                 "error: 'documents complete' guards a transition: whether a document is "
                 "required cannot depend on whether the documents are complete");
    expect_error("fee-schedule s { amount 1 VND from 2025-01-01; exempt when documents complete }\n",
                 "error: a fee category tests a field, not whether the documents are complete");
    expect_error("role r\nlifecycle w { state a { initial; on parts-done -> b by system\n"
                 "  on parts-failed -> b by system } state b { final } }\n"
                 "lifecycle l { state a { initial; final } }\n"
                 "procedure q { lifecycle l }\n"
                 "procedure p { lifecycle w; part x { procedure q; when documents complete } }\n",
                 "error: a part is needed on the dossier's fields, not on whether its documents "
                 "are complete");
    expect_error("role r\nlifecycle l { state a { initial; on go -> b by r when } state b { final } }\n",
                 "'when' needs a condition (FIELD, not FIELD, FIELD is VALUE, documents complete "
                 "or rule MODULE.FUNCTION)");
}

static void test_guard__the_graph_names_it(void **state)
{
    (void)state;
    mc_catalogue *cat = tu_load_ok(text);
    char *dot = NULL;
    mc_error err;
    assert_int_equal(mc_graph_dot(&dot, mc_catalogue_procedure(cat, "p", 0), &err), 0);
    assert_non_null(strstr(dot, "approve\\nby head\\n[when documents complete]"));
    mc_free(dot);
    mc_catalogue_free(cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guard__holds_only_when_nothing_is_asked),
        cmocka_unit_test(test_guard__lint_refuses_it_where_it_is_not_a_guard),
        cmocka_unit_test(test_guard__the_graph_names_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
