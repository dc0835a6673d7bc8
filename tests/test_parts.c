/*
 * Interconnected procedures (issue 25): lint's checks of `part` blocks, and the engine running
 * the parts as dossiers of their agencies on a store (SQLite, or PostgreSQL with MC_TEST_PG):
 * started when the parts before them are granted, skipped when their condition does not hold,
 * refused at their submission, the engine's own events refused to people, the dossier late when
 * a part is, the once-only rule between the parts.
 */
#include "testutil.h"
#include "pgtest.h"

#include "motcua/calendar.h"
#include "motcua/engine.h"
#include "motcua/registry.h"

#include <string.h>

#define BASE                                                                                       \
    "calendar vn { default; hours 07:30-11:30 13:30-17:00; cutoff 15:00 }\n"                      \
    "role clerk\nrole head\n"                                                                      \
    "document form\ndocument notice\ndocument birth-certificate\ndocument card\n"                 \
    "registry civil-status { holds birth-certificate; published 2023-01-01 }\n"                  \
    "registry insurance { holds card; published 2023-01-01 }\n"                                   \
    "lifecycle whole {\n"                                                                          \
    "  state in-parts { initial; clock running\n"                                                 \
    "    on parts-done -> ready by system\n"                                                       \
    "    on parts-failed -> not-granted by system }\n"                                            \
    "  state ready { clock paused; on return-result -> returned by clerk }\n"                     \
    "  state returned { final; outcome granted }\n"                                               \
    "  state not-granted { final; outcome refused } }\n"                                          \
    "lifecycle part {\n"                                                                           \
    "  state processing { initial; clock running\n"                                               \
    "    on approve -> done by head\n"                                                             \
    "    on refuse -> refused by head }\n"                                                         \
    "  state done { final; outcome granted }\n"                                                   \
    "  state refused { final; outcome refused } }\n"

/* The group: `first` registers a birth, then `second` (which fetches the certificate) and
 * `third` (only when `card` is asked) in parallel. */
static const char group_text[] =
    BASE "procedure p1 { agency a1; time-limit 1wd; lifecycle part; subject id\n"
         "  field id { type text; required }\n"
         "  requires form\n"
         "  requires notice\n"
         "  state done { final; outcome granted; issues birth-certificate to civil-status } }\n"
         "procedure p2 { agency a2; time-limit 2wd; lifecycle part; subject id\n"
         "  field id { type text; required; pattern \"[0-9]{3}\" }\n"
         "  requires form\n"
         "  requires birth-certificate }\n"
         "procedure p3 { agency a3; time-limit 2wd; lifecycle part; subject id\n"
         "  field id { type text; required }\n"
         "  field card { type bool }\n"
         "  requires birth-certificate\n"
         "  state done { final; outcome granted; issues card to insurance } }\n"
         "procedure group { agency desk; time-limit 3wd; lifecycle whole; subject id\n"
         "  field id { type text; required }\n"
         "  field card { type bool }\n"
         "  requires form\n"
         "  requires notice\n"
         "  part first { procedure p1 }\n"
         "  part second { procedure p2; after first }\n"
         "  part third { procedure p3; after first; when card } }\n";

/* ==== lint ================================================================================ */

static void test_parts__lint_accepts_the_group(void **state)
{
    (void)state;
    mc_catalogue *cat = tu_load_ok(group_text);
    const mc_procedure *p = mc_catalogue_procedure(cat, "group", 0);
    assert_non_null(p);
    assert_int_equal(p->nparts, 3);
    assert_string_equal(p->parts[1].procedure, "p2");
    assert_int_equal(p->parts[1].nafter, 1);
    assert_int_equal(p->parts[1].after[0], 0);
    assert_int_equal(p->parts[2].when.kind, MC_COND_FIELD);
    assert_ptr_equal(mc_procedure_part(p, "third"), &p->parts[2]);
    assert_null(mc_procedure_part(p, "fourth"));
    mc_catalogue_free(cat);
}

/* The diagnostics of BASE + text, which must have errors or warnings. */
static char *diags_of(const char *text)
{
    size_t n = strlen(BASE) + strlen(text) + 1;
    char *all = malloc(n);
    assert_non_null(all);
    snprintf(all, n, "%s%s", BASE, text);
    mc_catalogue *cat = NULL;
    char *got;
    tu_load(all, &cat, &got);
    mc_catalogue_free(cat);
    free(all);
    return got;
}

static void expect_diag(const char *text, const char *needle)
{
    char *got = diags_of(text);
    if (strstr(got, needle) == NULL) {
        fail_msg("expected '%s' in:\n%s", needle, got);
    }
    free(got);
}

static void test_parts__lint_errors(void **state)
{
    (void)state;
    const char *p1 = "procedure p1 { agency a1; time-limit 1wd; lifecycle part; subject id\n"
                     "  field id { type text; required } }\n";
    char text[4096];
    /* an unknown procedure, with a suggestion */
    snprintf(text, sizeof text,
             "%sprocedure g { lifecycle whole; subject id; field id { type text; required }\n"
             "  part a { procedure p2 } }\n",
             p1);
    expect_diag(text, "part 'a' of 'g': unknown procedure 'p2' (did you mean 'p1'?)");
    /* no procedure */
    snprintf(text, sizeof text,
             "%sprocedure g { lifecycle whole; subject id; field id { type text; required }\n"
             "  part a { after b } }\n",
             p1);
    expect_diag(text, "part 'a' needs 'procedure PROCEDURE'");
    /* after a part declared later, after an unknown part, a duplicate part */
    snprintf(text, sizeof text,
             "%sprocedure g { lifecycle whole; subject id; field id { type text; required }\n"
             "  part a { procedure p1; after b }\n  part b { procedure p1 } }\n",
             p1);
    expect_diag(text, "part 'a' comes after 'b', which is not declared before it");
    snprintf(text, sizeof text,
             "%sprocedure g { lifecycle whole; subject id; field id { type text; required }\n"
             "  part a { procedure p1 }\n  part b { procedure p1; after aa } }\n",
             p1);
    expect_diag(text, "unknown part 'aa' (did you mean 'a'?)");
    snprintf(text, sizeof text,
             "%sprocedure g { lifecycle whole; subject id; field id { type text; required }\n"
             "  part a { procedure p1 }\n  part a { procedure p1 } }\n",
             p1);
    expect_diag(text, "duplicate part 'a' (first declared at line");
    /* a part that is itself interconnected, or the procedure itself */
    snprintf(text, sizeof text,
             "%sprocedure g { lifecycle whole; subject id; field id { type text; required }\n"
             "  part a { procedure p1 } }\n"
             "procedure h { lifecycle whole; subject id; field id { type text; required }\n"
             "  part x { procedure g }\n  part y { procedure h } }\n",
             p1);
    expect_diag(text, "part 'x' of 'h' is procedure 'g', which is interconnected itself");
    expect_diag(text, "part 'y' of 'h' cannot be the procedure itself");
    /* the dossier's initial state must answer the engine's events */
    snprintf(text, sizeof text,
             "%sprocedure g { lifecycle part; subject id; field id { type text; required }\n"
             "  part a { procedure p1 } }\n",
             p1);
    expect_diag(text, "waits in its initial state 'processing' while its parts run: the state "
                      "needs 'on parts-done -> STATE by system'");
    /* a field the part requires that the dossier does not declare, or declares otherwise */
    snprintf(text, sizeof text,
             "%sprocedure g { lifecycle whole; subject who; field who { type text; required }\n"
             "  part a { procedure p1 } }\n",
             p1);
    expect_diag(text, "part 'a' (procedure 'p1') requires field 'id', which 'g' does not declare");
    snprintf(text, sizeof text,
             "%sprocedure g { lifecycle whole; subject id; field id { type text; required }\n"
             "  field n { type date }\n"
             "  part a { procedure p3 } }\n"
             "procedure p3 { lifecycle part; subject id; field id { type text; required }\n"
             "  field n { type bool } }\n",
             p1);
    expect_diag(text, "has field 'n' of type bool, but 'g' declares it as date");
    /* a condition on a field the dossier does not declare */
    snprintf(text, sizeof text,
             "%sprocedure g { lifecycle whole; subject id; field id { type text; required }\n"
             "  part a { procedure p1; when missing } }\n",
             p1);
    expect_diag(text, "part 'a' of 'g' is needed when field 'missing', which 'g' does not declare");
    /* a reform cannot change parts */
    snprintf(text, sizeof text,
             "%sprocedure g { lifecycle whole; subject id; field id { type text; required }\n"
             "  part a { procedure p1 } }\n"
             "reform r { procedure g { part b { procedure p1 } } }\n",
             p1);
    expect_diag(text, "a reform cannot change the parts of an interconnected procedure");
}

static void test_parts__lint_once_only_between_parts(void **state)
{
    (void)state;
    /* The dossier asks for what its first part issues: an error. */
    char *got = diags_of("procedure p1 { lifecycle part; subject id; field id { type text; required }\n"
                         "  state done { final; outcome granted; issues birth-certificate to civil-status } }\n"
                         "procedure g { lifecycle whole; subject id; field id { type text; required }\n"
                         "  requires birth-certificate\n"
                         "  part a { procedure p1 } }\n");
    assert_non_null(strstr(got, "'g' asks the applicant for 'birth-certificate', which its part "
                                "'a' issues"));
    free(got);
    /* A part's document that nobody files, issues or holds: its agency would ask again. */
    got = diags_of("procedure p1 { lifecycle part; subject id; field id { type text; required }\n"
                   "  requires notice }\n"
                   "procedure g { lifecycle whole; subject id; field id { type text; required }\n"
                   "  part a { procedure p1 } }\n");
    assert_non_null(strstr(got, "warning[part-asks-again]: part 'a' (procedure 'p1') requires "
                                "'notice', which 'g' does not ask for"));
    free(got);
    /* The same document issued by an earlier part is fine; held by a registry too. */
    got = diags_of("procedure p1 { lifecycle part; subject id; field id { type text; required }\n"
                   "  state done { final; outcome granted; issues card to insurance } }\n"
                   "procedure p2 { lifecycle part; subject id; field id { type text; required }\n"
                   "  requires card\n  requires birth-certificate }\n"
                   "procedure g { lifecycle whole; subject id; field id { type text; required }\n"
                   "  part a { procedure p1 }\n  part b { procedure p2; after a } }\n");
    assert_null(strstr(got, "part-asks-again"));
    assert_null(strstr(got, "error"));
    free(got);
}

/* ==== the engine ========================================================================== */

typedef struct fixture {
    mc_catalogue *cat;
    mc_engine *e;
    int64_t now;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->cat = tu_load_ok(group_text);
    assert_int_equal(mc_engine_open(&f->e, f->cat, NULL, tu_db(), NULL), 0);
    /* Tuesday 15 July 2025, 09:00 in UTC+7 */
    f->now = mc_calendar_to_utc(mc_catalogue_default_calendar(f->cat),
                                    (int64_t)mc_date_from_ymd(2025, 7, 15) * 86400 + 9 * 3600);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    mc_engine_close(f->e);
    mc_catalogue_free(f->cat);
    free(f);
    return 0;
}

static int64_t submit(fixture *f, const char *id, bool card, const char *notice)
{
    mc_kv fields[] = {{"id", id}, {"card", card ? "true" : "false"}};
    const char *attach[] = {"form", notice};
    mc_submit s = {.procedure = "group",
                   .fields = fields,
                   .nfields = 2,
                   .attach = attach,
                   .nattach = notice ? 2 : 1,
                   .now = f->now};
    mc_result res;
    mc_error err;
    int rc = mc_engine_submit(f->e, &s, &res, &err);
    if (rc != 0) {
        fail_msg("submit: %d %s %s", rc, err.msg, res.message);
    }
    return res.dossier;
}

static int fire(fixture *f, int64_t id, const char *event, const char *role, mc_result *res)
{
    mc_fire x = {.dossier = id, .event = event, .role = role, .now = f->now};
    mc_error err;
    return mc_engine_fire(f->e, &x, res, &err);
}

static void get(fixture *f, int64_t id, mc_dossier *d)
{
    mc_error err;
    assert_int_equal(mc_engine_get(f->e, id, f->now, d, &err), 0);
}

/* The dossier of part i of interconnected dossier id (0: none yet). */
static int64_t part_dossier(fixture *f, int64_t id, size_t i)
{
    mc_dossier d;
    get(f, id, &d);
    assert_true(i < d.nparts);
    int64_t part = d.parts[i].dossier;
    mc_dossier_free(&d);
    return part;
}

static void test_parts__run_in_order_and_fetch_what_earlier_parts_issued(void **state)
{
    fixture *f = *state;
    int64_t id = submit(f, "123", true, "notice");
    mc_dossier d;
    get(f, id, &d);
    assert_string_equal(d.state->name, "in-parts");
    assert_int_equal(d.nparts, 3);
    assert_int_equal(d.parts[0].status, MC_PART_RUNNING);
    assert_string_equal(d.parts[0].agency, "a1");
    assert_int_equal(d.parts[1].status, MC_PART_WAITING);
    assert_int_equal(d.parts[1].dossier, 0);
    int64_t first = d.parts[0].dossier;
    mc_dossier_free(&d);
    /* the part's dossier: its procedure, the dossier's values and documents, its link */
    get(f, first, &d);
    assert_string_equal(d.procedure->name, "p1");
    assert_int_equal(d.parent, id);
    assert_string_equal(d.part, "first");
    assert_string_equal(d.subject, "123");
    assert_int_equal(d.requirements[1].status, MC_REQ_PROVIDED); /* notice, filed once */
    mc_dossier_free(&d);
    mc_result res;
    assert_int_equal(fire(f, first, "approve", "head", &res), 0);
    get(f, id, &d);
    assert_int_equal(d.parts[0].status, MC_PART_ENDED);
    assert_string_equal(d.parts[0].outcome, "granted");
    assert_int_equal(d.parts[1].status, MC_PART_RUNNING);
    assert_int_equal(d.parts[2].status, MC_PART_RUNNING);
    int64_t second = d.parts[1].dossier, third = d.parts[2].dossier;
    mc_dossier_free(&d);
    /* the once-only rule between the parts: the certificate part `first` issued is fetched */
    get(f, second, &d);
    assert_int_equal(d.requirements[1].status, MC_REQ_FETCHED);
    assert_string_equal(d.requirements[1].registry, "civil-status");
    mc_dossier_free(&d);
    assert_int_equal(fire(f, second, "approve", "head", &res), 0);
    get(f, id, &d);
    assert_string_equal(d.state->name, "in-parts"); /* `third` still runs */
    mc_dossier_free(&d);
    assert_int_equal(fire(f, third, "approve", "head", &res), 0);
    get(f, id, &d);
    assert_string_equal(d.state->name, "ready");
    mc_dossier_free(&d);
    assert_int_equal(fire(f, id, "return-result", "clerk", &res), 0);
    get(f, id, &d);
    assert_true(d.final);
    assert_int_equal(d.late, 0);
    mc_dossier_free(&d);
}

static void test_parts__a_part_not_needed_and_a_part_refused(void **state)
{
    fixture *f = *state;
    int64_t id = submit(f, "124", false, "notice");
    mc_dossier d;
    int64_t first = part_dossier(f, id, 0);
    mc_result res;
    assert_int_equal(fire(f, first, "approve", "head", &res), 0);
    get(f, id, &d);
    assert_int_equal(d.parts[2].status, MC_PART_NOT_NEEDED);
    assert_int_equal(d.parts[2].dossier, 0);
    int64_t second = d.parts[1].dossier;
    mc_dossier_free(&d);
    assert_int_equal(fire(f, second, "refuse", "head", &res), 0);
    get(f, id, &d);
    assert_true(d.final);
    assert_string_equal(d.state->name, "not-granted");
    mc_dossier_free(&d);
}

static void test_parts__a_part_refused_at_submission_fails_the_dossier(void **state)
{
    fixture *f = *state;
    /* p2's id must be three digits: "1234" is refused when the part starts */
    int64_t id = submit(f, "1234", false, "notice");
    mc_dossier d;
    int64_t first = part_dossier(f, id, 0);
    mc_result res;
    assert_int_equal(fire(f, first, "approve", "head", &res), 0);
    get(f, id, &d);
    assert_int_equal(d.parts[1].status, MC_PART_REFUSED);
    assert_string_equal(d.state->name, "not-granted");
    mc_dossier_free(&d);
}

static void test_parts__nobody_fires_the_engine_events(void **state)
{
    fixture *f = *state;
    int64_t id = submit(f, "125", false, "notice");
    mc_result res;
    assert_int_equal(fire(f, id, "parts-done", "system", &res), MC_EREFUSED);
    assert_string_equal(res.code, "parts.engine-event");
    assert_int_equal(fire(f, id, "parts-failed", "clerk", &res), MC_EREFUSED);
    mc_dossier d;
    get(f, id, &d);
    assert_string_equal(d.state->name, "in-parts");
    mc_dossier_free(&d);
}

static void test_parts__a_late_part_makes_the_dossier_late(void **state)
{
    fixture *f = *state;
    int64_t id = submit(f, "126", false, "notice");
    mc_dossier d;
    int64_t first = part_dossier(f, id, 0);
    mc_result res;
    /* p1's limit is 1 working day: Wednesday 16 July, 17:00; approved on Thursday morning,
     * within the whole's 3 working days */
    f->now += 2 * 86400;
    assert_int_equal(fire(f, first, "approve", "head", &res), 0);
    get(f, first, &d);
    assert_int_equal(d.late, 1);
    int64_t second = 0;
    mc_dossier_free(&d);
    get(f, id, &d);
    second = d.parts[1].dossier;
    assert_int_equal(d.parts[0].late, 1);
    mc_dossier_free(&d);
    assert_int_equal(fire(f, second, "approve", "head", &res), 0);
    assert_int_equal(fire(f, id, "return-result", "clerk", &res), 0);
    get(f, id, &d);
    assert_true(d.final);
    assert_int_equal(d.late, 1);
    mc_dossier_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parts__lint_accepts_the_group),
        cmocka_unit_test(test_parts__lint_errors),
        cmocka_unit_test(test_parts__lint_once_only_between_parts),
        cmocka_unit_test_setup_teardown(test_parts__run_in_order_and_fetch_what_earlier_parts_issued,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_parts__a_part_not_needed_and_a_part_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_parts__a_part_refused_at_submission_fails_the_dossier,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_parts__nobody_fires_the_engine_events, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_parts__a_late_part_makes_the_dossier_late, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
