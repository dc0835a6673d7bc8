/* The catalogue's public API (catalogue.h, graph.h): what a loaded catalogue holds, versions by
 * date, machines merged from lifecycles, reforms kept as patches, DOT output, I/O errors, and
 * an out-of-memory sweep over the whole load; and registry imports (registry.h): every refusal
 * names its line and leaves the store untouched. */
#include "testutil.h"

#include "catalogue/catalogue_int.h"
#include "motcua/calendar.h"
#include "motcua/graph.h"
#include "motcua/reform.h"
#include "motcua/registry.h"

static const char *const base_files[] = {
    "common.proc",
    "calendar vn { default; hours 07:30-11:30 13:30-17:00; cutoff 15:00; covers 2025\n"
    "  holiday 2025-01-25 2025-02-02 \"Tet\"; workday 2025-04-26 }\n"
    "role clerk { title \"One-stop officer\"; title vi \"Cán bộ một cửa\" }\n"
    "role head\n"
    "document birth-notice { title \"Birth notice\"; match \"(?i)birth notice|giấy chứng sinh\" }\n"
    "document marriage-certificate { match \"(?i)marriage|kết\\\\s+hôn\" }\n"
    "document birth-certificate\n"
    "registry civil-status { holds birth-certificate; published 2023-01-01; coverage 85% }\n"
    "cost-model vn { default; hourly-income 40000 VND; hours-per-day 8; visit 4h 30000 VND; "
    "count-waiting true }\n"
    "lifecycle one-stop {\n"
    "  apology by clerk head\n"
    "  state submitted { initial; on receive -> processing by clerk }\n"
    "  state processing { on approve -> approved by head when married chance 90%\n"
    "                     after 30d -> withdrawn }\n"
    "  state approved { on return-result -> returned by clerk }\n"
    "  state returned { final; outcome granted }\n"
    "  state withdrawn { final; outcome withdrawn }\n"
    "}\n",
    "birth.proc",
    "procedure birth { effective 2025-07-01; time-limit 0wd; fee 0 VND; lifecycle one-stop\n"
    "  subject citizen-id; volume 1500000 per year; visits 1; online full\n"
    "  field citizen-id { type text; required; pattern \"[0-9]{12}\" }\n"
    "  field married { type bool; sample 80% }\n"
    "  field kind { type choice; options a b; sample a 60% b 40% }\n"
    "  requires birth-notice { effort 1h; cost 0 VND; legal-basis \"art. 16\" }\n"
    "  requires marriage-certificate when married\n"
    "  state approved { issues birth-certificate to civil-status\n"
    "                   on return-result -> returned by clerk\n"
    "                   on archive -> archived by clerk }\n"
    "  state archived { final; outcome granted }\n"
    "}\n"
    "procedure birth { effective 2026-01-01; time-limit 1wd; lifecycle one-stop\n"
    "  field married { type bool } }\n"
    "reform data { title \"Data\"; registry civil-status { holds marriage-certificate }\n"
    "  procedure birth { time-limit 0wd; drop requires birth-notice; requires birth-certificate "
    "{ effort 0min } }\n"
    "  drop procedure birth }\n",
};

static mc_catalogue *load_base(void)
{
    const char *names[2] = {base_files[0], base_files[2]};
    const char *texts[2] = {base_files[1], base_files[3]};
    size_t lens[2] = {strlen(texts[0]), strlen(texts[1])};
    mc_diags *d;
    assert_int_equal(mc_diags_new(&d), 0);
    mc_catalogue *cat = NULL;
    int rc = mc_catalogue_load_buffers(&cat, names, texts, lens, 2, d, NULL);
    char *got = tu_render(d, false);
    assert_string_equal(got, "");
    free(got);
    assert_int_equal(rc, 0);
    mc_diags_free(d);
    return cat;
}

static int setup(void **state)
{
    *state = load_base();
    return 0;
}

static int teardown(void **state)
{
    mc_catalogue_free(*state);
    return 0;
}

static void test_catalogue__versions_by_date(void **state)
{
    const mc_catalogue *cat = *state;
    size_t n;
    const mc_procedure *const *v = mc_catalogue_versions(cat, "birth", &n);
    assert_int_equal(n, 2);
    assert_true(v[0]->effective < v[1]->effective);
    assert_null(mc_catalogue_procedure(cat, "birth", mc_date_from_ymd(2025, 6, 30)));
    assert_ptr_equal(mc_catalogue_procedure(cat, "birth", mc_date_from_ymd(2025, 7, 1)), v[0]);
    assert_ptr_equal(mc_catalogue_procedure(cat, "birth", mc_date_from_ymd(2025, 12, 31)), v[0]);
    assert_ptr_equal(mc_catalogue_procedure(cat, "birth", mc_date_from_ymd(2026, 1, 1)), v[1]);
    assert_null(mc_catalogue_procedure(cat, "death", mc_date_from_ymd(2026, 1, 1)));
    assert_int_equal(mc_catalogue_procedure_names(cat), 1);
    mc_catalogue_procedures(cat, &n);
    assert_int_equal(n, 2);
}

static void test_catalogue__declarations(void **state)
{
    const mc_catalogue *cat = *state;
    const mc_calendar *c = mc_catalogue_default_calendar(cat);
    assert_non_null(c);
    assert_string_equal(c->name, "vn");
    assert_int_equal(c->utc_offset, 420);
    assert_int_equal(c->week, 0x1F);
    assert_int_equal(c->nhours, 2);
    assert_int_equal(c->hours[1].from, 13 * 60 + 30);
    assert_int_equal(c->cutoff, 15 * 60);
    assert_int_equal(c->nholidays, 1);
    assert_int_equal(c->holidays[0].to - c->holidays[0].from, 8);
    assert_int_equal(c->nworkdays, 1);
    assert_null(c->workdays[0].title);
    const mc_role *clerk = mc_catalogue_role(cat, "clerk");
    assert_string_equal(mc_text_pick(clerk->titles, clerk->ntitles, "vi"), "Cán bộ một cửa");
    assert_string_equal(mc_text_pick(clerk->titles, clerk->ntitles, "fr"), "One-stop officer");
    assert_true(mc_catalogue_role(cat, "applicant")->builtin);
    const mc_document *bc = mc_catalogue_document(cat, "birth-certificate");
    const mc_registry *cs = mc_catalogue_registry(cat, "civil-status");
    assert_ptr_equal(bc->registry, cs);
    assert_null(mc_catalogue_document(cat, "marriage-certificate")->registry);
    assert_true(cs->has_published);
    assert_int_equal(cs->coverage, 85 * MC_FIXED_ONE);
    const mc_cost_model *m = mc_catalogue_default_cost_model(cat);
    assert_int_equal(m->hourly_income.amount, 40000);
    assert_string_equal(m->hourly_income.currency, "VND");
    assert_int_equal(m->visit_time.unit, MC_DUR_H);
    assert_true(m->count_waiting);
}

static void test_catalogue__procedure_fields_and_requirements(void **state)
{
    const mc_procedure *p = mc_catalogue_procedure(*state, "birth", mc_date_from_ymd(2025, 7, 1));
    assert_int_equal(p->nfields, 3);
    assert_ptr_equal(p->subject, &p->fields[0]);
    assert_true(p->fields[0].required);
    assert_non_null(p->fields[0].pattern);
    assert_int_equal(p->fields[1].sample, 80 * MC_FIXED_ONE);
    assert_int_equal(p->fields[2].options.n, 2);
    assert_int_equal(p->fields[2].option_share[1], 40 * MC_FIXED_ONE);
    assert_int_equal(p->nrequires, 2);
    assert_true(p->requires[0].has_effort);
    assert_int_equal(p->requires[0].legal_basis.n, 1);
    assert_int_equal(p->requires[1].when.kind, MC_COND_FIELD);
    assert_string_equal(p->requires[1].when.field, "married");
    assert_int_equal(p->fee_kind, MC_FEE_FIXED);
    assert_int_equal(p->volume, 1500000);
    assert_int_equal(p->online, MC_ONLINE_FULL);
    assert_string_equal(p->calendar->name, "vn");
}

static void test_catalogue__machine_merges_lifecycle_and_own_states(void **state)
{
    const mc_catalogue *cat = *state;
    const mc_procedure *p = mc_catalogue_procedure(cat, "birth", mc_date_from_ymd(2025, 7, 1));
    const mc_lifecycle *l = mc_catalogue_lifecycle(cat, "one-stop");
    assert_int_equal(l->machine.nstates, 5);
    assert_int_equal(l->napology_by, 2);
    const mc_machine *m = &p->machine;
    assert_int_equal(m->nstates, 6);
    assert_int_equal(m->initial, 0);
    /* approved is replaced in place; archived is appended. */
    assert_string_equal(m->states[2]->name, "approved");
    assert_ptr_not_equal(m->states[2], l->machine.states[2]);
    assert_int_equal(m->states[2]->nissues, 1);
    assert_string_equal(m->states[5]->name, "archived");
    assert_int_equal(m->states[2]->on[1].target, 5);
    assert_ptr_equal(m->states[0], l->machine.states[0]);
    const mc_state *proc = m->states[1];
    assert_int_equal(proc->clock, MC_CLOCK_RUNNING);
    assert_int_equal(m->states[0]->clock, MC_CLOCK_STOPPED);
    assert_true(proc->on[0].has_chance);
    assert_int_equal(proc->on[0].roles[0], mc_catalogue_role(cat, "head"));
    assert_int_equal(proc->after[0].after.unit, MC_DUR_D);
    assert_int_equal(proc->after[0].target, 4);
    /* The 2026 version has no own states: the lifecycle's machine as it is. */
    const mc_procedure *p2 = mc_catalogue_procedure(cat, "birth", mc_date_from_ymd(2026, 1, 1));
    assert_int_equal(p2->machine.nstates, 5);
    assert_ptr_equal(p2->machine.states[2], l->machine.states[2]);
}

static void test_catalogue__reform_is_kept_as_a_patch(void **state)
{
    const mc_reform *r = mc_catalogue_reform(*state, "data");
    assert_non_null(r);
    assert_string_equal(mc_reform_title(r), "Data");
    assert_int_equal(r->nregistries, 1);
    assert_int_equal(r->registries[0].patch.nholds, 1);
    assert_int_equal(r->nprocedures, 1);
    assert_int_equal(r->procedures[0].drop_requires.n, 1);
    assert_string_equal(r->procedures[0].drop_requires.items[0], "birth-notice");
    assert_int_equal(r->procedures[0].patch.nrequires, 1);
    assert_true(r->procedures[0].patch.has_time_limit);
    assert_int_equal(r->drop_procedures.n, 1);
}

static void test_graph__dot(void **state)
{
    (void)state;
    mc_catalogue *cat = NULL;
    char *diags;
    assert_int_equal(tu_load("role clerk\nprocedure p { state a { initial\n"
                             "  on go -> b by clerk applicant when rule m.f restart-clock\n"
                             "  after 2wd -> c }\n state b { final; outcome granted }\n"
                             " state c { final } }\n",
                             &cat, &diags),
                     0);
    free(diags);
    char *dot;
    const mc_procedure *p = mc_catalogue_procedure(cat, "p", 0);
    assert_int_equal(mc_graph_dot(&dot, p, NULL), 0);
    assert_string_equal(dot, "digraph \"p\" {\n"
                             "    rankdir=LR;\n"
                             "    node [shape=box, style=rounded, fontname=\"Helvetica\"];\n"
                             "    edge [fontname=\"Helvetica\", fontsize=10];\n"
                             "    __start [shape=point, width=0.15];\n"
                             "    __start -> \"a\";\n"
                             "    \"a\";\n"
                             "    \"b\" [peripheries=2, label=\"b\\n(granted)\"];\n"
                             "    \"c\" [peripheries=2, label=\"c\"];\n"
                             "    \"a\" -> \"b\" [label=\"go\\nby clerk, applicant\\n[when rule "
                             "m.f]\\n(restart clock)\"];\n"
                             "    \"a\" -> \"c\" [style=dashed, label=\"after 2wd\"];\n"
                             "}\n");
    mc_free(dot);
    mc_catalogue_free(cat);
}

static void test_reform__apply(void **state)
{
    (void)state;
    mc_catalogue *cat = NULL;
    char *diags;
    int rc = tu_load("role clerk\n"
                     "document notice\ndocument e-notice\ndocument cert { match \"(?i)cert\" }\n"
                     "registry civil { holds notice }\n"
                     "procedure birth { time-limit 5wd; effective 2025-01-01\n"
                     "  field married { type bool }\n"
                     "  requires notice\n  requires cert when married\n"
                     "  state a { initial; on go -> b by clerk }\n"
                     "  state b { on done -> c by clerk }\n  state c { final } }\n"
                     "procedure birth { time-limit 4wd; effective 2026-01-01\n"
                     "  requires notice\n"
                     "  state a { initial; on go -> c by clerk }\n  state c { final } }\n"
                     "procedure death { state a { initial; final } }\n"
                     "reform r { registry civil { holds cert; coverage 95% }\n"
                     "  procedure birth { time-limit 0wd; drop requires notice\n"
                     "    requires e-notice\n"
                     "    state a { initial; on go -> c by clerk } }\n"
                     "  drop procedure death }\n",
                     &cat, &diags);
    assert_string_equal(diags, "");
    assert_int_equal(rc, 0);
    free(diags);
    mc_catalogue *reformed;
    assert_int_equal(mc_reform_apply(cat, mc_catalogue_reform(cat, "r"), &reformed, NULL), 0);
    /* The registry now holds the certificate, with the reform's coverage. */
    const mc_registry *civil = mc_catalogue_registry(reformed, "civil");
    assert_int_equal(civil->nholds, 2);
    assert_int_equal(civil->coverage, 95 * MC_FIXED_ONE);
    assert_ptr_equal(mc_catalogue_document(reformed, "cert")->registry, civil);
    assert_null(mc_catalogue_document(cat, "cert")->registry); /* the base is untouched */
    /* Every version is patched; each keeps its date. */
    size_t n;
    const mc_procedure *const *v = mc_catalogue_versions(reformed, "birth", &n);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(v[i]->time_limit.amount, 0);
        assert_string_equal(v[i]->requires[v[i]->nrequires - 1].document->name, "e-notice");
        for (size_t k = 0; k < v[i]->nrequires; k++) {
            assert_string_not_equal(v[i]->requires[k].document->name, "notice");
        }
    }
    assert_int_equal(v[0]->nrequires, 2); /* cert when married, e-notice */
    assert_ptr_equal(v[0]->requires[0].document, mc_catalogue_document(reformed, "cert"));
    /* The replaced state goes straight to c, found by name in the new machine. */
    const mc_machine *m = &v[0]->machine;
    assert_int_equal(m->nstates, 3);
    assert_string_equal(m->states[m->states[0]->on[0].target]->name, "c");
    assert_int_equal(mc_catalogue_versions(reformed, "death", &n), NULL);
    assert_ptr_equal(mc_catalogue_procedure(reformed, "birth", mc_date_from_ymd(2025, 6, 1)), v[0]);
    assert_ptr_equal(mc_catalogue_procedure(reformed, "birth", mc_date_from_ymd(2026, 6, 1)), v[1]);
    /* The base still has its old limits. */
    assert_int_equal(
        mc_catalogue_procedure(cat, "birth", mc_date_from_ymd(2025, 6, 1))->time_limit.amount,
        5 * MC_FIXED_ONE);
    mc_catalogue_free(reformed);
    mc_catalogue_free(cat);
}

static void test_catalogue__missing_path_is_an_io_error(void **state)
{
    (void)state;
    const char *paths[] = {"tests/fixtures/no-such-folder"};
    mc_load_opts opts = MC_LOAD_OPTS_INIT;
    opts.paths = paths;
    opts.npaths = 1;
    mc_diags *d;
    assert_int_equal(mc_diags_new(&d), 0);
    mc_catalogue *cat = (mc_catalogue *)1;
    mc_error err;
    assert_int_equal(mc_catalogue_load(&cat, &opts, d, &err), MC_EIO);
    assert_null(cat);
    assert_string_equal(err.msg, "tests/fixtures/no-such-folder: No such file or directory");
    mc_diags_free(d);
}

static int load_base_once(void *ctx)
{
    (void)ctx;
    const char *names[2] = {base_files[0], base_files[2]};
    const char *texts[2] = {base_files[1], base_files[3]};
    size_t lens[2] = {strlen(texts[0]), strlen(texts[1])};
    mc_diags *d = NULL;
    mc_catalogue *cat = NULL;
    int rc = mc_diags_new(&d);
    if (rc == 0) {
        rc = mc_catalogue_load_buffers(&cat, names, texts, lens, 2, d, NULL);
    }
    mc_catalogue_free(cat);
    mc_diags_free(d);
    return rc;
}

static void test_catalogue__out_of_memory_sweep(void **state)
{
    (void)state;
    /* A failed allocation may only end in MC_ENOMEM, never in a wrong diagnostic. The match
     * pattern of marriage-certificate repeats (\\s+), so lint's probe of it is swept too. */
    assert_true(tu_oom_sweep(load_base_once, NULL, false) > 50);
}

/* ==== registry imports ==================================================================== */

static const char registry_text[] =
    "calendar vn { default; hours 07:30-11:30 13:30-17:00 }\n"
    "document birth-certificate\ndocument marriage-certificate\n"
    "registry civil-status { holds birth-certificate marriage-certificate\n"
    "  subjects \"[0-9]{12}\" }\n"
    "document land-title\nregistry land { holds land-title }\n"
    "role clerk\nprocedure p { time-limit 1wd; subject id; field id { type text }\n"
    "  requires birth-certificate\n  requires marriage-certificate\n  requires land-title\n"
    "  state a { initial; on close -> b by clerk }\n  state b { final; outcome granted } }\n";

typedef struct import_run {
    int rc;
    size_t count;
    char *diags; /* rendered, caller frees */
    mc_error err;
} import_run;

/* Imports csv (named r.csv) into registry of cat on st, at 10:00 on local date now. */
static import_run import_csv(mc_store *st, const mc_catalogue *cat, const char *registry,
                             const char *csv, const char *now)
{
    import_run r;
    mc_error_clear(&r.err);
    mc_source *src;
    assert_int_equal(mc_source_new(&src, "r.csv", csv, strlen(csv), NULL), 0);
    mc_diags *d;
    assert_int_equal(mc_diags_new(&d), 0);
    mc_datetime m;
    char dt[32];
    snprintf(dt, sizeof dt, "%sT10:00", now);
    assert_int_equal(mc_value_datetime(dt, strlen(dt), &m, NULL, 0), 0);
    int64_t at = mc_calendar_to_utc(mc_catalogue_default_calendar(cat), (mc_localtime)m * 60);
    r.rc = mc_registry_import(st, cat, registry, src, at, d, &r.count, &r.err);
    r.diags = tu_render(d, false);
    mc_diags_free(d);
    mc_source_free(src);
    return r;
}

static bool holds_record(mc_store *st, const char *registry, const char *document,
                         const char *subject)
{
    char ref[64];
    int rc = mc_store_record_get(st, registry, document, subject, ref, sizeof ref, NULL);
    assert_true(rc == 0 || rc == 1);
    return rc == 1;
}

static int registry_setup(void **state)
{
    mc_catalogue *cat;
    char *diags;
    assert_int_equal(tu_load(registry_text, &cat, &diags), 0);
    assert_string_equal(diags, "");
    free(diags);
    *state = cat;
    return 0;
}

static void test_registry__imports_a_clean_file(void **state)
{
    mc_catalogue *cat = *state;
    mc_store *st;
    assert_int_equal(mc_store_open(&st, ":memory:", NULL), 0);
    import_run r = import_csv(st, cat, "civil-status",
                              "document,subject,reference,issued\n"
                              "birth-certificate,001234567890,CS-1,2020-05-01\n"
                              "marriage-certificate,001234567890,CS-2,2025-07-10\n"
                              "birth-certificate,009876543210,CS-3,2025-07-10\n",
                              "2025-07-10");
    assert_string_equal(r.diags, "");
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.count, 3);
    assert_true(holds_record(st, "civil-status", "marriage-certificate", "001234567890"));
    free(r.diags);
    mc_store_close(st);
}

static void test_registry__duplicate_record_refuses_the_file(void **state)
{
    mc_catalogue *cat = *state;
    mc_store *st;
    assert_int_equal(mc_store_open(&st, ":memory:", NULL), 0);
    /* Two rows for one (document, subject): before, "2 records" and the last one kept. */
    import_run r = import_csv(st, cat, "civil-status",
                              "document,subject,reference,issued\n"
                              "birth-certificate,001234567890,CS-1,2020-05-01\n"
                              "marriage-certificate,001234567890,CS-2,2021-01-01\n"
                              "birth-certificate,001234567890,CS-3,2022-05-01\n",
                              "2025-07-10");
    assert_string_equal(r.diags, "r.csv:4:1: error: duplicate record: 'birth-certificate' of "
                                 "subject '001234567890' is also at line 2 (one record per "
                                 "document and subject)\n");
    assert_int_equal(r.rc, MC_ECHECK);
    assert_string_equal(r.err.msg, "r.csv: nothing imported");
    assert_int_equal(r.count, 0);
    assert_false(holds_record(st, "civil-status", "birth-certificate", "001234567890"));
    assert_false(holds_record(st, "civil-status", "marriage-certificate", "001234567890"));
    free(r.diags);
    mc_store_close(st);
}

static void test_registry__issued_after_today_is_refused(void **state)
{
    mc_catalogue *cat = *state;
    mc_store *st;
    assert_int_equal(mc_store_open(&st, ":memory:", NULL), 0);
    /* Issued on the import's own day is fine; the day after is not. */
    import_run r = import_csv(st, cat, "civil-status",
                              "document,subject,reference,issued\n"
                              "birth-certificate,001234567890,CS-1,2025-07-10\n"
                              "marriage-certificate,001234567890,CS-2,2025-07-11\n",
                              "2025-07-10");
    assert_string_equal(r.diags, "r.csv:3:40: error: issued date 2025-07-11 is after today "
                                 "(2025-07-10): a record cannot be issued in the future\n");
    assert_int_equal(r.rc, MC_ECHECK);
    assert_int_equal(r.count, 0);
    assert_false(holds_record(st, "civil-status", "birth-certificate", "001234567890"));
    free(r.diags);
    mc_store_close(st);
}

static void test_registry__subjects_pattern_is_checked(void **state)
{
    mc_catalogue *cat = *state;
    mc_store *st;
    assert_int_equal(mc_store_open(&st, ":memory:", NULL), 0);
    import_run r = import_csv(st, cat, "civil-status",
                              "document,subject,reference,issued\n"
                              "birth-certificate,001234567890,CS-1,2020-05-01\n"
                              "birth-certificate,00123456789,CS-2,2020-05-01\n"
                              "marriage-certificate,0012345678901,CS-3,2020-05-01\n",
                              "2025-07-10");
    assert_string_equal(r.diags,
                        "r.csv:3:19: error: subject '00123456789' is not a subject of registry "
                        "'civil-status' (subjects match \"[0-9]{12}\")\n"
                        "r.csv:4:22: error: subject '0012345678901' is not a subject of registry "
                        "'civil-status' (subjects match \"[0-9]{12}\")\n");
    assert_int_equal(r.rc, MC_ECHECK);
    assert_int_equal(r.count, 0);
    assert_false(holds_record(st, "civil-status", "birth-certificate", "001234567890"));
    free(r.diags);
    /* A registry without the directive takes any well-formed identifier. */
    r = import_csv(st, cat, "land",
                   "document,subject,reference,issued\nland-title,parcel-17/3,LT-1,2020-05-01\n",
                   "2025-07-10");
    assert_string_equal(r.diags, "");
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.count, 1);
    free(r.diags);
    mc_store_close(st);
}

static void test_registry__check_subject(void **state)
{
    mc_catalogue *cat = *state;
    const mc_registry *cs = mc_catalogue_registry(cat, "civil-status");
    mc_error err;
    assert_int_equal(mc_registry_check_subject(cs, "001234567890", 12, &err), 0);
    assert_int_equal(mc_registry_check_subject(cs, "00123456789x", 12, &err), MC_ESYNTAX);
    assert_string_equal(err.msg, "subject '00123456789x' is not a subject of registry "
                                 "'civil-status' (subjects match \"[0-9]{12}\")");
    /* The pattern matches the whole subject, not a part of it. */
    assert_int_equal(mc_registry_check_subject(cs, "A001234567890", 13, &err), MC_ESYNTAX);
    const mc_registry *land = mc_catalogue_registry(cat, "land");
    assert_null(land->subjects);
    assert_int_equal(mc_registry_check_subject(land, "anything", 8, &err), 0);
}

static void test_registry__subject_the_pattern_gives_up_on_is_refused(void **state)
{
    (void)state;
    mc_catalogue *cat;
    char *diags;
    assert_int_equal(
        tu_load("document a\nregistry r { holds a; subjects \"(x|x)+\" }\n", &cat, &diags), 0);
    free(diags);
    const mc_registry *r = mc_catalogue_registry(cat, "r");
    mc_error err;
    static const char subject[] = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx!";
    assert_int_equal(mc_registry_check_subject(r, subject, strlen(subject), &err), MC_ESYNTAX);
    assert_string_equal(err.msg, "subject 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx!' could not be "
                                 "checked against the subjects of registry 'r' (pattern gave up: "
                                 "match limit exceeded)");
    mc_catalogue_free(cat);
}

static void test_registry__long_cells_are_read_whole(void **state)
{
    /* The reader has no cell size: a 300-byte document name is named whole in its message
     * (the old reader cut it at 256 bytes), and the 256-byte rule of a value still refuses it,
     * as it refuses a 300-byte reference. */
    mc_catalogue *cat = *state;
    mc_store *st;
    assert_int_equal(mc_store_open(&st, ":memory:", NULL), 0);
    char name[301], ref[301];
    memset(name, 'd', 300);
    name[300] = '\0';
    memset(ref, 'R', 300);
    ref[300] = '\0';
    char csv[1024];
    snprintf(csv, sizeof csv,
             "document,subject,reference,issued\n%s,001234567890,CS-1,2020-05-01\n"
             "birth-certificate,001234567890,\"%s\",2020-05-01\n",
             name, ref);
    import_run r = import_csv(st, cat, "civil-status", csv, "2025-07-10");
    char want[2048];
    snprintf(want, sizeof want,
             "r.csv:2:1: error: this value is longer than 256 bytes\n"
             "r.csv:2:1: error: unknown document '%s'\n"
             "r.csv:3:32: error: this value is longer than 256 bytes\n",
             name);
    assert_string_equal(r.diags, want);
    assert_int_equal(r.rc, MC_ECHECK);
    assert_int_equal(r.count, 0);
    free(r.diags);
    /* 256 bytes is within the rule: the row is imported, its reference whole. */
    ref[256] = '\0';
    snprintf(csv, sizeof csv,
             "document,subject,reference,issued\nbirth-certificate,001234567890,%s,2020-05-01\n",
             ref);
    r = import_csv(st, cat, "civil-status", csv, "2025-07-10");
    assert_string_equal(r.diags, "");
    assert_int_equal(r.rc, 0);
    char got[400];
    assert_int_equal(mc_store_record_get(st, "civil-status", "birth-certificate", "001234567890",
                                         got, sizeof got, NULL),
                     1);
    assert_string_equal(got, ref);
    free(r.diags);
    mc_store_close(st);
}

static void test_registry__malformed_quotes_bom_and_crlf(void **state)
{
    /* The one reader's diagnostics for broken quoting; every other row is still checked and
     * nothing is imported. */
    mc_catalogue *cat = *state;
    mc_store *st;
    assert_int_equal(mc_store_open(&st, ":memory:", NULL), 0);
    import_run r = import_csv(st, cat, "civil-status",
                              "document,subject,reference,issued\n"
                              "birth-certificate,00123\"4567890,CS-1,2020-05-01\n"
                              "land-title,001234567890,CS-2,2020-05-01\n"
                              "\"birth-certificate\"x,001234567890,CS-3,2020-05-01\n",
                              "2025-07-10");
    assert_string_equal(r.diags,
                        "r.csv:2:24: error: quote inside an unquoted field (quote the whole field "
                        "and write the quote as \"\")\n"
                        "r.csv:4:20: error: text after the closing quote of a field (write a quote "
                        "inside a quoted field as \"\")\n"
                        "r.csv:3:1: error: registry 'civil-status' does not hold 'land-title'\n");
    assert_int_equal(r.rc, MC_ECHECK);
    assert_int_equal(r.count, 0);
    free(r.diags);
    /* A byte order mark and CRLF line ends, as spreadsheets save them, are read. */
    r = import_csv(st, cat, "civil-status",
                   "\xEF\xBB\xBF"
                   "document,subject,reference,issued\r\n"
                   "\"birth-certificate\",001234567890,\"CS-1\",2020-05-01\r\n",
                   "2025-07-10");
    assert_string_equal(r.diags, "");
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.count, 1);
    free(r.diags);
    mc_store_close(st);
}

typedef struct import_ctx {
    mc_store *st;
    const mc_catalogue *cat;
    mc_source *src;
} import_ctx;

static int import_once(void *ctx)
{
    import_ctx *x = ctx;
    mc_diags *d = NULL;
    size_t count = 0;
    int rc = mc_diags_new(&d);
    if (rc == 0) {
        rc = mc_registry_import(x->st, x->cat, "civil-status", x->src, 1752116400, d, &count, NULL);
    }
    mc_diags_free(d);
    return rc;
}

/* Each registry-import event's body is the first one's, whole (ud: the first, malloc'd). */
static int same_import_body(void *ud, const mc_event_row *ev)
{
    char **first = ud;
    if (*first == NULL) {
        *first = strdup(ev->body);
        assert_non_null(*first);
    }
    assert_string_equal(ev->body, *first);
    return 0;
}

static void test_registry__out_of_memory_sweep(void **state)
{
    /* Every allocation of a clean import (the subjects pattern, the duplicate keys, the rows)
     * may fail: the import then ends in MC_ENOMEM, never in a diagnostic or a partial import. */
    import_ctx x = {NULL, *state, NULL};
    static const char csv[] = "document,subject,reference,issued\n"
                              "birth-certificate,001234567890,CS-1,2020-05-01\n"
                              "marriage-certificate,001234567890,CS-2,2021-01-01\n"
                              "birth-certificate,009876543210,CS-3,2022-05-01\n";
    assert_int_equal(mc_store_open(&x.st, ":memory:", NULL), 0);
    assert_int_equal(mc_source_new(&x.src, "r.csv", csv, sizeof csv - 1, NULL), 0);
    assert_true(tu_oom_sweep(import_once, &x, false) > 3);
    assert_true(holds_record(x.st, "civil-status", "birth-certificate", "009876543210"));
    /* and every import that succeeded wrote its event whole in the audit chain */
    char *first = NULL;
    assert_int_equal(mc_store_events_of_kind(x.st, "registry-import", 0, INT64_MAX,
                                             same_import_body, &first, NULL),
                     0);
    assert_non_null(first);
    assert_non_null(strstr(first, "\"records\":3,\"registry\":\"civil-status\"}"));
    free(first);
    mc_source_free(x.src);
    mc_store_close(x.st);
}

static void test_registry__subjects_directive_errors(void **state)
{
    (void)state;
    tu_expect("document a\nregistry r { holds a; subjects \"[0-9\" }\n",
              "t.proc:2:20: warning[held-not-required]: registry 'r' holds 'a', which no procedure "
              "requires\n"
              "t.proc:2:37: error: invalid pattern: missing terminating ] for character class\n");
    tu_expect("document a\nregistry r { holds a; subjects \"[0-9]+\"; subjects \"[a-z]+\" }\n",
              "t.proc:2:20: warning[held-not-required]: registry 'r' holds 'a', which no procedure "
              "requires\n"
              "t.proc:2:42: error: 'subjects' given twice (first at line 2)\n");
    tu_expect("document a\nregistry r { holds a }\n"
              "reform x { registry r { subjects \"[0-9]+\" } }\n",
              "t.proc:2:20: warning[held-not-required]: registry 'r' holds 'a', which no procedure "
              "requires\n"
              "t.proc:3:25: error: a reform cannot change the subjects of registry 'r' (declare "
              "them in the registry)\n");
}

/* ---- live registries (issue 20) ---- */

static void test_registry__live_and_reuse_are_read(void **state)
{
    (void)state;
    mc_catalogue *cat = NULL;
    char *diags;
    assert_int_equal(tu_load("document a\ndocument b\n"
                             "registry r { live; reuse 1.5h; holds a }\n"
                             "registry s { holds b }\n"
                             "procedure p { time-limit 1wd; requires a; requires b\n"
                             "  state s { initial; final } }\n",
                             &cat, &diags),
                     0);
    assert_string_equal(diags, "");
    free(diags);
    const mc_registry *r = mc_catalogue_registry(cat, "r");
    assert_true(r->live);
    assert_true(r->has_reuse);
    assert_int_equal(r->reuse.unit, MC_DUR_H);
    assert_int_equal(r->reuse.amount, 1500000);
    const mc_registry *s = mc_catalogue_registry(cat, "s");
    assert_false(s->live);
    assert_false(s->has_reuse);
    mc_catalogue_free(cat);
}

static void test_registry__live_directive_errors(void **state)
{
    (void)state;
    tu_expect("document a\nregistry r { holds a; reuse 1d }\n",
              "t.proc:2:20: warning[held-not-required]: registry 'r' holds 'a', which no procedure "
              "requires\n"
              "t.proc:2:23: error: registry 'r' is not live: its records are imported, there is "
              "no answer to reuse (add: live)\n");
    tu_expect("document a\nregistry r { holds a; live; reuse 2wd }\n",
              "t.proc:2:20: warning[held-not-required]: registry 'r' holds 'a', which no procedure "
              "requires\n"
              "t.proc:2:35: error: reuse is elapsed time in minutes, hours or days (like 1d), not "
              "working time\n");
    tu_expect("document a\nregistry r { holds a; live; reuse 0h }\n",
              "t.proc:2:20: warning[held-not-required]: registry 'r' holds 'a', which no procedure "
              "requires\n"
              "t.proc:2:35: error: reuse must be more than 0 (leave it out: an answer then serves "
              "only the operation that asked)\n");
    tu_expect("document a\nregistry r { holds a; live; reuse -1d }\n",
              "t.proc:2:20: warning[held-not-required]: registry 'r' holds 'a', which no procedure "
              "requires\n"
              "t.proc:2:35: error: duration '-1d' is negative\n");
    tu_expect("document a\nregistry r { holds a; live; live }\n",
              "t.proc:2:20: warning[held-not-required]: registry 'r' holds 'a', which no procedure "
              "requires\n"
              "t.proc:2:29: error: 'live' given twice (first at line 2)\n");
    tu_expect("document a\nregistry r { holds a }\n"
              "reform x { registry r { live; reuse 1d } }\n",
              "t.proc:2:20: warning[held-not-required]: registry 'r' holds 'a', which no procedure "
              "requires\n"
              "t.proc:3:25: error: a reform cannot make registry 'r' live (declare it in the "
              "registry)\n"
              "t.proc:3:31: error: a reform cannot change how long the answers of registry 'r' "
              "are reused (declare it in the registry)\n");
}

static void test_registry__wait_is_read_and_checked(void **state)
{
    (void)state;
    mc_catalogue *cat = NULL;
    char *diags;
    assert_int_equal(tu_load("document a\n"
                             "registry r { live; reuse 1d; wait 2d; holds a }\n"
                             "procedure p { time-limit 1wd; requires a\n"
                             "  state s { initial; final } }\n",
                             &cat, &diags),
                     0);
    assert_string_equal(diags, "");
    free(diags);
    const mc_registry *r = mc_catalogue_registry(cat, "r");
    assert_true(r->has_wait);
    assert_int_equal(r->wait.unit, MC_DUR_D);
    assert_int_equal(mc_duration_seconds(&r->wait), 2 * 86400);
    mc_catalogue_free(cat);
    tu_expect("document a\nregistry r { holds a; wait 2d }\n",
              "t.proc:2:20: warning[held-not-required]: registry 'r' holds 'a', which no procedure "
              "requires\n"
              "t.proc:2:23: error: registry 'r' is not live: it is never asked, so no dossier "
              "waits for it (add: live)\n");
    tu_expect("document a\nregistry r { holds a; live; wait 2wd }\n",
              "t.proc:2:20: warning[held-not-required]: registry 'r' holds 'a', which no procedure "
              "requires\n"
              "t.proc:2:34: error: wait is elapsed time in minutes, hours or days (like 2d), not "
              "working time\n");
    tu_expect("document a\nregistry r { holds a; live; wait 0min }\n",
              "t.proc:2:20: warning[held-not-required]: registry 'r' holds 'a', which no procedure "
              "requires\n"
              "t.proc:2:34: error: wait must be more than 0 (leave it out: a registry that does "
              "not answer is then asked of the applicant at once)\n");
    tu_expect("document a\nregistry r { holds a; live; wait 31d }\n",
              "t.proc:2:20: warning[held-not-required]: registry 'r' holds 'a', which no procedure "
              "requires\n"
              "t.proc:2:34: error: wait is at most 30d: a dossier whose registry is down longer "
              "is asked of the applicant\n");
    tu_expect("document a\nregistry r { holds a; live; wait soon }\n",
              "t.proc:2:20: warning[held-not-required]: registry 'r' holds 'a', which no procedure "
              "requires\n"
              "t.proc:2:34: error: invalid duration 'soon' (a number and a unit: min, h, d, wd or "
              "wh, as in 7wd)\n");
    tu_expect("document a\nregistry r { holds a; live; wait }\n",
              "t.proc:2:20: warning[held-not-required]: registry 'r' holds 'a', which no procedure "
              "requires\n"
              "t.proc:2:29: error: wrong number of arguments to 'wait' (write: wait DURATION)\n");
    tu_expect("document a\nregistry r { holds a; live }\n"
              "reform x { registry r { wait 1h } }\n",
              "t.proc:2:20: warning[held-not-required]: registry 'r' holds 'a', which no procedure "
              "requires\n"
              "t.proc:3:25: error: a reform cannot change how long dossiers wait for registry "
              "'r' (declare it in the registry)\n");
}

/* ---- extensions of a time limit ---- */

static void test_catalogue__extension_is_read_whole(void **state)
{
    (void)state;
    static const char text[] =
        "role clerk\nrole head\n"
        "procedure p { time-limit 3wd\n"
        "  field disputed { type bool }\n"
        "  extension verification { title vi \"Xác minh\"; by 5wd; at-most 2; on verify by head "
        "clerk\n"
        "    when disputed; legal-basis \"Law on Civil Status 2014, art. 25(2)\" }\n"
        "  extension other { by 1wd; on close }\n"
        "  state open { initial; on verify -> open by head; on close -> done by head }\n"
        "  state done { final; outcome granted } }\n";
    mc_catalogue *cat;
    char *diags;
    assert_int_equal(tu_load(text, &cat, &diags), 0);
    free(diags);
    const mc_procedure *p = mc_catalogue_procedure(cat, "p", 0);
    assert_int_equal(p->nextensions, 2);
    const mc_extension *x = &p->extensions[0];
    assert_string_equal(x->name, "verification");
    assert_int_equal(x->by.unit, MC_DUR_WD);
    assert_int_equal(x->by.amount, 5 * MC_FIXED_ONE);
    assert_int_equal(x->at_most, 2);
    assert_string_equal(x->event, "verify");
    assert_int_equal(x->nroles, 2);
    assert_string_equal(x->roles[1]->name, "clerk");
    assert_int_equal(x->when.kind, MC_COND_FIELD);
    assert_int_equal(x->legal_basis.n, 1);
    assert_string_equal(x->legal_basis.items[0], "Law on Civil Status 2014, art. 25(2)");
    assert_string_equal(mc_text_pick(x->titles, x->ntitles, "vi"), "Xác minh");
    assert_int_equal(p->extensions[1].at_most, 1); /* the default */
    assert_int_equal(p->extensions[1].nroles, 0);
    assert_ptr_equal(mc_extension_for_event(p, "close"), &p->extensions[1]);
    assert_null(mc_extension_for_event(p, "open"));
    mc_catalogue_free(cat);
}

static void test_catalogue__too_many_extensions(void **state)
{
    (void)state;
    char text[4096] = "role head\nprocedure p { time-limit 3wd\n";
    for (int i = 0; i <= MC_MAX_EXTENSIONS; i++) {
        char line[120];
        snprintf(line, sizeof line, "  extension x%d { by 1wd; on e%d }\n", i, i);
        strcat(text, line);
    }
    strcat(text, "  state open { initial");
    for (int i = 0; i <= MC_MAX_EXTENSIONS; i++) {
        char line[60];
        snprintf(line, sizeof line, "; on e%d -> open by head", i);
        strcat(text, line);
    }
    strcat(text, "; on close -> done by head }\n  state done { final; outcome granted } }\n");
    mc_catalogue *cat;
    char *diags;
    assert_int_equal(tu_load(text, &cat, &diags), MC_ECHECK);
    assert_non_null(strstr(diags, ":11:13: error: procedure 'p' declares more than 8 extensions"));
    free(diags);
}

/* ==== layers ============================================================================== */

#define LAYERS "tests/fixtures/lint/layers-clean.layers"

/* Loads the two layers of the clean fixture (the base and a province over it). */
static int load_layers(mc_catalogue **cat, mc_diags *d, mc_error *err)
{
    const char *base[] = {LAYERS "/1-base"}, *province[] = {LAYERS "/2-province"};
    mc_layer layers[] = {{.name = "base", .paths = base, .npaths = 1},
                         {.name = "province", .paths = province, .npaths = 1}};
    mc_load_opts opts = MC_LOAD_OPTS_INIT;
    opts.layers = layers;
    opts.nlayers = 2;
    return mc_catalogue_load(cat, &opts, d, err);
}

static void test_catalogue__layers_extend_and_replace(void **state)
{
    (void)state;
    mc_diags *d;
    assert_int_equal(mc_diags_new(&d), 0);
    mc_catalogue *cat = NULL;
    mc_error err;
    assert_int_equal(load_layers(&cat, d, &err), 0);
    assert_int_equal(mc_diags_count(d), 0);
    assert_int_equal(mc_catalogue_nlayers(cat), 2);
    assert_string_equal(mc_catalogue_layer_name(cat, 0), "base");
    assert_string_equal(mc_catalogue_layer_name(cat, 1), "province");
    assert_null(mc_catalogue_layer_name(cat, 2));

    /* extend registry: the province's document is held, and knows its registry. */
    const mc_registry *reg = mc_catalogue_registry(cat, "civil-status");
    const mc_document *poor = mc_catalogue_document(cat, "poor-household-certificate");
    assert_int_equal(reg->nholds, 2);
    assert_string_equal(reg->holds[0]->name, "birth-certificate");
    assert_ptr_equal(reg->holds[1], poor);
    assert_ptr_equal(poor->registry, reg);
    assert_int_equal(mc_catalogue_file_layer(cat, reg->pos.file), 0);
    assert_int_equal(mc_catalogue_file_layer(cat, poor->pos.file), 1);

    /* extend calendar: the provincial holiday and swapped Saturday count. */
    const mc_calendar *vn = mc_catalogue_calendar(cat, "vn");
    assert_ptr_equal(mc_catalogue_default_calendar(cat), vn);
    assert_int_equal(vn->nholidays, 2);
    assert_int_equal(vn->nworkdays, 2);
    assert_false(mc_calendar_is_working(vn, mc_date_from_ymd(2025, 9, 26)));
    assert_true(mc_calendar_is_working(vn, mc_date_from_ymd(2025, 9, 27)));
    assert_false(mc_calendar_is_working(vn, mc_date_from_ymd(2025, 9, 2)));

    /* extend role: a title in a language the base did not give. */
    const mc_role *clerk = mc_catalogue_role(cat, "clerk");
    assert_int_equal(clerk->ntitles, 2);
    assert_string_equal(mc_text_pick(clerk->titles, clerk->ntitles, "vi"),
                        "Cán bộ Bộ phận Một cửa");
    assert_string_equal(mc_text_pick(clerk->titles, clerk->ntitles, NULL), "One-stop officer");

    /* replace document: the province's, in the base's place in the listing. */
    size_t n;
    const mc_document *const *docs = mc_catalogue_documents(cat, &n);
    assert_int_equal(n, 3);
    assert_ptr_equal(docs[0], mc_catalogue_document(cat, "birth-notice"));
    assert_int_equal(mc_catalogue_file_layer(cat, docs[0]->pos.file), 1);
    assert_string_equal(mc_text_pick(docs[0]->titles, docs[0]->ntitles, NULL),
                        "Birth notice (provincial form)");

    /* replace procedure: the base's version is gone; the province's two versions remain. */
    const mc_procedure *const *v = mc_catalogue_versions(cat, "birth-registration", &n);
    assert_int_equal(n, 2);
    assert_int_equal(v[0]->fee.amount, 5000);
    assert_int_equal(v[1]->fee.amount, 4000);
    assert_int_equal(mc_catalogue_file_layer(cat, v[0]->pos.file), 1);
    assert_ptr_equal(v[0]->requires[0].document, docs[0]);
    const mc_procedure *const *all = mc_catalogue_procedures(cat, &n);
    assert_int_equal(n, 4);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(all[i]->fee.amount == 8000, false);
    }
    assert_int_equal(mc_catalogue_procedure_names(cat), 3);
    mc_catalogue_free(cat);
    mc_diags_free(d);
}

/* What lint --layers reads: every declaration as written, with its layer, what it does to the
 * lower layers, and whether a later layer replaced it. */
static void test_catalogue__layer_decls(void **state)
{
    (void)state;
    mc_diags *d;
    assert_int_equal(mc_diags_new(&d), 0);
    mc_catalogue *cat = NULL;
    mc_error err;
    assert_int_equal(load_layers(&cat, d, &err), 0);
    size_t n;
    const mc_layer_decl *all = mc_catalogue_layer_decls(cat, &n);
    static const struct {
        size_t layer;
        mc_layer_op op;
        const char *kind, *name;
        bool replaced;
        uint32_t line, col;
    } want[] = {
        {0, MC_LAYER_DECLARES, "calendar", "vn", false, 2, 10},
        {0, MC_LAYER_DECLARES, "role", "clerk", false, 7, 6},
        {0, MC_LAYER_DECLARES, "document", "birth-notice", true, 8, 10},
        {0, MC_LAYER_DECLARES, "document", "birth-certificate", false, 9, 10},
        {0, MC_LAYER_DECLARES, "registry", "civil-status", false, 10, 10},
        {0, MC_LAYER_DECLARES, "lifecycle", "tiny", false, 11, 11},
        {0, MC_LAYER_DECLARES, "procedure", "birth-registration", true, 15, 11},
        {0, MC_LAYER_DECLARES, "procedure", "extract-copy", false, 21, 11},
        {1, MC_LAYER_EXTENDS, "calendar", "vn", false, 2, 17},
        {1, MC_LAYER_EXTENDS, "role", "clerk", false, 6, 13},
        {1, MC_LAYER_DECLARES, "document", "poor-household-certificate", false, 7, 10},
        {1, MC_LAYER_EXTENDS, "registry", "civil-status", false, 8, 17},
        {1, MC_LAYER_REPLACES, "document", "birth-notice", false, 9, 18},
        {1, MC_LAYER_REPLACES, "procedure", "birth-registration", false, 10, 19},
        {1, MC_LAYER_DECLARES, "procedure", "birth-registration", false, 16, 11},
        {1, MC_LAYER_DECLARES, "procedure", "study-support", false, 23, 11},
    };
    assert_int_equal(n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < n; i++) {
        uint32_t line, col;
        mc_catalogue_position(cat, all[i].pos, &line, &col);
        assert_int_equal(mc_catalogue_file_layer(cat, all[i].pos.file), want[i].layer);
        assert_int_equal(all[i].op, want[i].op);
        assert_string_equal(all[i].kind, want[i].kind);
        assert_string_equal(all[i].name, want[i].name);
        assert_int_equal(all[i].replaced, want[i].replaced);
        assert_int_equal(line, want[i].line);
        assert_int_equal(col, want[i].col);
    }
    mc_catalogue_free(cat);
    mc_diags_free(d);
}

/* `extend calendar` with recurring holidays: the days off of the added civil and lunar dates,
 * moved off the weekend, count with the lower layer's; a swapped working day still wins. */
static void test_catalogue__layers_extend_recurring_holidays(void **state)
{
    (void)state;
    const char *base[] = {"tests/fixtures/lint/layers-calendar-recurring.layers/1-base"},
               *province[] = {"tests/fixtures/lint/layers-calendar-recurring.layers/2-province"};
    mc_layer layers[] = {{.name = "base", .paths = base, .npaths = 1},
                         {.name = "province", .paths = province, .npaths = 1}};
    mc_load_opts opts = MC_LOAD_OPTS_INIT;
    opts.layers = layers;
    opts.nlayers = 2;
    mc_diags *d;
    assert_int_equal(mc_diags_new(&d), 0);
    mc_catalogue *cat = NULL;
    mc_error err;
    assert_int_equal(mc_catalogue_load(&cat, &opts, d, &err), 0);
    assert_int_equal(mc_diags_count(d), 0);
    const mc_calendar *vn = mc_catalogue_calendar(cat, "vn");
    assert_int_equal(vn->nrecurring, 4);
    /* every 12-26: Friday 26 December 2025; Saturday 26 December 2026 gives Monday 28. */
    assert_false(mc_calendar_is_working(vn, mc_date_from_ymd(2025, 12, 26)));
    assert_true(mc_calendar_is_working(vn, mc_date_from_ymd(2026, 12, 25)));
    assert_false(mc_calendar_is_working(vn, mc_date_from_ymd(2026, 12, 28)));
    assert_true(mc_calendar_is_working(vn, mc_date_from_ymd(2026, 12, 29)));
    /* lunar 01-15: Wednesday 12 February 2025, Tuesday 3 March 2026 (Tết: 29 January 2025,
     * 17 February 2026); the announced day the day before it. */
    assert_false(mc_calendar_is_working(vn, mc_date_from_ymd(2025, 2, 12)));
    assert_false(mc_calendar_is_working(vn, mc_date_from_ymd(2026, 3, 3)));
    assert_false(mc_calendar_is_working(vn, mc_date_from_ymd(2026, 3, 2)));
    assert_true(mc_calendar_is_working(vn, mc_date_from_ymd(2026, 3, 4)));
    /* The lower layer's own: New Year, and the working Saturday the province added. */
    assert_false(mc_calendar_is_working(vn, mc_date_from_ymd(2026, 1, 1)));
    assert_true(mc_calendar_is_working(vn, mc_date_from_ymd(2025, 12, 27)));
    mc_catalogue_free(cat);
    mc_diags_free(d);
}

static void test_catalogue__layers_without_a_lower_layer(void **state)
{
    (void)state;
    /* The province layer alone: everything it extends or replaces is unknown. */
    const char *province[] = {LAYERS "/2-province"};
    mc_layer layer = {.name = "province", .paths = province, .npaths = 1};
    mc_load_opts opts = MC_LOAD_OPTS_INIT;
    opts.layers = &layer;
    opts.nlayers = 1;
    mc_diags *d;
    assert_int_equal(mc_diags_new(&d), 0);
    mc_catalogue *cat = (mc_catalogue *)1;
    mc_error err;
    assert_int_equal(mc_catalogue_load(&cat, &opts, d, &err), MC_ECHECK);
    assert_null(cat);
    assert_string_equal(err.msg, "the catalogue has errors");
    const mc_diag *first = mc_diags_get(d, 0);
    assert_int_equal(first->line, 2);
    assert_int_equal(first->col, 17);
    assert_string_equal(first->msg, "no lower layer declares calendar 'vn' to extend");
    mc_diags_free(d);
}

static void test_catalogue__layers_replace_drops_lower_extensions(void **state)
{
    (void)state;
    const char *one[] = {"tests/fixtures/lint/layers-three.layers/1-base"},
               *two[] = {"tests/fixtures/lint/layers-three.layers/2-mid"},
               *three[] = {"tests/fixtures/lint/layers-three.layers/3-top"};
    mc_layer layers[] = {{.name = "base", .paths = one, .npaths = 1},
                         {.name = "mid", .paths = two, .npaths = 1},
                         {.name = "top", .paths = three, .npaths = 1}};
    mc_load_opts opts = MC_LOAD_OPTS_INIT;
    opts.layers = layers;
    opts.nlayers = 3;
    mc_diags *d;
    assert_int_equal(mc_diags_new(&d), 0);
    mc_catalogue *cat = NULL;
    mc_error err;
    assert_int_equal(mc_catalogue_load(&cat, &opts, d, &err), 0);
    assert_int_equal(mc_diags_count(d), 0);
    /* The top layer's registry, holding only what it says: not the middle layer's c, nor a. */
    const mc_registry *r = mc_catalogue_registry(cat, "r");
    assert_int_equal(mc_catalogue_file_layer(cat, r->pos.file), 2);
    assert_int_equal(r->nholds, 1);
    assert_ptr_equal(r->holds[0], mc_catalogue_document(cat, "b"));
    assert_ptr_equal(mc_catalogue_document(cat, "b")->registry, r);
    assert_null(mc_catalogue_document(cat, "a")->registry);
    assert_null(mc_catalogue_document(cat, "c")->registry);
    size_t n;
    assert_ptr_equal(mc_catalogue_registries(cat, &n)[0], r);
    assert_int_equal(n, 1);
    /* The replaced calendar was the default; its replacement does not say so, so none is. */
    const mc_calendar *vn = mc_catalogue_calendar(cat, "vn");
    assert_null(mc_catalogue_default_calendar(cat));
    assert_int_equal(vn->nholidays, 1);
    assert_true(mc_calendar_is_working(vn, mc_date_from_ymd(2025, 9, 2)));
    assert_false(mc_calendar_is_working(vn, mc_date_from_ymd(2025, 9, 3)));
    mc_catalogue_free(cat);
    mc_diags_free(d);
}

static int load_layers_once(void *ctx)
{
    (void)ctx;
    mc_diags *d = NULL;
    mc_catalogue *cat = NULL;
    mc_error err;
    int rc = mc_diags_new(&d);
    if (rc == 0) {
        rc = load_layers(&cat, d, &err);
    }
    mc_catalogue_free(cat);
    mc_diags_free(d);
    return rc;
}

static void test_catalogue__layers_out_of_memory_sweep(void **state)
{
    (void)state;
    /* Every allocation of a two-layer load fails in turn: reading both layers, the extensions
     * merged and the replaced declarations dropped. */
    assert_true(tu_oom_sweep(load_layers_once, NULL, false) > 40);
}

/* ==== fee schedules and validity (issue 16) =============================================== */

static const char fee_text[] =
    "role clerk\n"
    "fee-schedule copy-fee {\n"
    "    amount 8000 VND from 2025-01-01 legal-basis \"Resolution 12/2024, art. 2\"\n"
    "    amount 10000 VND from 2027-01-01\n"
    "    reduced 50% when kind is student legal-basis \"art. 3(b)\"\n"
    "    exempt when poor\n"
    "    reduced 33.333333% when kind is veteran\n"
    "}\n"
    "procedure copy {\n"
    "    fee schedule copy-fee\n"
    "    field poor { type bool }\n"
    "    field kind { type choice; options student veteran other }\n"
    "    state open { initial; on close -> closed by clerk }\n"
    "    state closed { final; outcome granted }\n"
    "}\n";

static void test_catalogue__fee_schedule_amount_in_force_and_reliefs(void **state)
{
    (void)state;
    mc_catalogue *cat;
    char *diag;
    assert_int_equal(tu_load(fee_text, &cat, &diag), 0);
    assert_string_equal(diag, "");
    free(diag);
    const mc_fee_schedule *s = mc_catalogue_fee_schedule(cat, "copy-fee");
    assert_non_null(s);
    assert_int_equal(s->namounts, 2);
    assert_string_equal(s->amounts[0].legal_basis, "Resolution 12/2024, art. 2");
    assert_null(s->amounts[1].legal_basis);
    size_t n;
    assert_ptr_equal(mc_catalogue_fee_schedules(cat, &n)[0], s);
    assert_int_equal(n, 1);
    /* the line in force: none before the first date, the old one the day before the change */
    assert_null(mc_fee_schedule_line(s, mc_date_from_ymd(2024, 12, 31)));
    assert_ptr_equal(mc_fee_schedule_line(s, mc_date_from_ymd(2026, 12, 31)), &s->amounts[0]);
    assert_ptr_equal(mc_fee_schedule_line(s, mc_date_from_ymd(2027, 1, 1)), &s->amounts[1]);

    const mc_procedure *p = mc_catalogue_procedure(cat, "copy", mc_date_from_ymd(2026, 1, 1));
    assert_int_equal(p->fee_kind, MC_FEE_SCHEDULE);
    assert_ptr_equal(p->fee_schedule, s);
    mc_fee_basis fb;
    const char *none[2] = {NULL, NULL};
    assert_int_equal(mc_fee_schedule_apply(p, mc_date_from_ymd(2026, 6, 1), none, &fb), 0);
    assert_int_equal(fb.amount, 8000);
    assert_null(fb.relief);
    const char *student[2] = {"false", "student"};
    mc_fee_schedule_apply(p, mc_date_from_ymd(2027, 6, 1), student, &fb);
    assert_int_equal(fb.amount, 5000);
    assert_ptr_equal(fb.relief, &s->reliefs[0]);
    /* an exemption wins over a reduction written before it */
    const char *poor_student[2] = {"true", "student"};
    mc_fee_schedule_apply(p, mc_date_from_ymd(2027, 6, 1), poor_student, &fb);
    assert_int_equal(fb.amount, 0);
    assert_int_equal(fb.relief->kind, MC_RELIEF_EXEMPT);
    /* rounded half up to the dong: 8000 × 66.666667% = 5333.33336 */
    const char *veteran[2] = {NULL, "veteran"};
    mc_fee_schedule_apply(p, mc_date_from_ymd(2026, 6, 1), veteran, &fb);
    assert_int_equal(fb.amount, 5333);
    /* before the first line: nothing in force, 0 */
    mc_fee_schedule_apply(p, mc_date_from_ymd(2024, 6, 1), student, &fb);
    assert_null(fb.line);
    assert_int_equal(fb.amount, 0);
    mc_catalogue_free(cat);
}

static void test_catalogue__fee_schedule_errors(void **state)
{
    (void)state;
    tu_expect("fee-schedule f { amount 1 VND from 2025-01-01; amount 2 VND from 2025-01-01 }\n",
              "t.proc:1:66: error: two amounts from 2025-01-01 in fee schedule 'f' (first at line "
              "1)\n");
    tu_expect("fee-schedule f { amount 2 VND from 2026-01-01; amount 1 VND from 2025-01-01 }\n",
              "t.proc:1:66: error: amounts out of order: 2025-01-01 comes after 2026-01-01 (at "
              "line 1); list them oldest first\n");
    tu_expect("fee-schedule f { amount 1 VND from 2025-01-01; reduced 101% when x }\n",
              "t.proc:1:56: error: percentage '101%' is not between 0% and 100%\n");
    tu_expect("fee-schedule f { title \"x\" }\n",
              "t.proc:1:14: error: fee schedule 'f' has no amount (write: amount 8000 VND from "
              "2025-01-01)\n");
    tu_expect("role c\nfee-schedule f { amount 1 VND from 2025-01-01; exempt when x is y }\n"
              "procedure p { fee schedule g; state a { initial; on e -> b by c }\n"
              "state b { final; outcome granted } }\n",
              "t.proc:3:28: error: unknown fee schedule 'g' (did you mean 'f'?)\n");
    tu_expect("role c\nfee-schedule f { amount 1 VND from 2025-01-01; exempt when x is y }\n"
              "procedure p { fee schedule f; field x { type choice; options a b }\n"
              "state a { initial; on e -> b by c }\nstate b { final; outcome granted } }\n",
              "t.proc:2:65: error: 'y' is not an option of field 'x' (did you mean 'a'?)\n");
    /* a reform that gives a procedure a schedule: its categories are checked against the
     * procedure's fields too */
    tu_expect("role c\nfee-schedule f { amount 1 VND from 2025-01-01; exempt when not poor }\n"
              "procedure p { fee 0 VND; field x { type bool }\n"
              "state a { initial; on e -> b by c }\nstate b { final; outcome granted } }\n"
              "reform r { procedure p { fee schedule f } }\n",
              "t.proc:2:64: error: unknown field 'poor' in reform of procedure 'p'\n");
}

static void test_catalogue__validity(void **state)
{
    (void)state;
    mc_catalogue *cat;
    char *diag;
    assert_int_equal(tu_load("document a { valid 6 months }\ndocument b { valid 1 year }\n"
                             "document c { valid 30 days }\ndocument d\n",
                             &cat, &diag),
                     0);
    free(diag);
    const mc_document *a = mc_catalogue_document(cat, "a");
    const mc_document *b = mc_catalogue_document(cat, "b");
    const mc_document *c = mc_catalogue_document(cat, "c");
    assert_int_equal(a->valid.n, 6);
    assert_int_equal(a->valid.unit, MC_VALID_MONTHS);
    assert_int_equal(mc_catalogue_document(cat, "d")->valid.n, 0);
    char day[11], text[32];
    mc_date_format(mc_validity_expiry(&a->valid, mc_date_from_ymd(2026, 1, 15)), day);
    assert_string_equal(day, "2026-07-15");
    /* the end of a shorter month; a leap day */
    mc_date_format(mc_validity_expiry(&a->valid, mc_date_from_ymd(2026, 8, 31)), day);
    assert_string_equal(day, "2027-02-28");
    mc_date_format(mc_validity_expiry(&a->valid, mc_date_from_ymd(2027, 8, 31)), day);
    assert_string_equal(day, "2028-02-29");
    mc_date_format(mc_validity_expiry(&b->valid, mc_date_from_ymd(2024, 2, 29)), day);
    assert_string_equal(day, "2025-02-28");
    mc_date_format(mc_validity_expiry(&c->valid, mc_date_from_ymd(2026, 12, 15)), day);
    assert_string_equal(day, "2027-01-14");
    mc_validity_text(&a->valid, text, sizeof text);
    assert_string_equal(text, "6 months");
    mc_validity_text(&b->valid, text, sizeof text);
    assert_string_equal(text, "1 year");
    mc_catalogue_free(cat);
    tu_expect("document a { valid 0 days }\n",
              "t.proc:1:20: error: a validity is 1 to 36500 days, not 0\n");
    tu_expect(
        "document a { valid 2 fortnights }\n",
        "t.proc:1:22: error: unknown unit of validity 'fortnights' (days, months or years)\n");
}

static int load_fees_once(void *ctx)
{
    (void)ctx;
    const char *names[1] = {"t.proc"};
    const char *texts[1] = {fee_text};
    size_t lens[1] = {strlen(fee_text)};
    mc_diags *d = NULL;
    mc_catalogue *cat = NULL;
    int rc = mc_diags_new(&d);
    if (rc == 0) {
        rc = mc_catalogue_load_buffers(&cat, names, texts, lens, 1, d, NULL);
    }
    mc_catalogue_free(cat);
    mc_diags_free(d);
    return rc;
}

static void test_catalogue__fee_schedule_out_of_memory_sweep(void **state)
{
    (void)state;
    assert_true(tu_oom_sweep(load_fees_once, NULL, false) > 10);
}

/* ==== parties (issue 16) ================================================================== */

static const char parties_text[] =
    "role clerk\n"
    "document form\ndocument death { title \"Death certificate\" }\n"
    "document extract { title \"Extract\" }\n"
    "registry civil { holds death extract }\n"
    "procedure status { subject id\n"
    "  field id { type text; required }\n"
    "  field widowed { type bool; sample 10% }\n"
    "  field spouse-id { type text }\n"
    "  field child-id { type text }\n"
    "  party spouse { title \"Spouse\"; title vi \"Vợ hoặc chồng\"; field spouse-id; sample 90% }\n"
    "  party child { field child-id }\n"
    "  requires form\n"
    "  requires death of spouse when widowed\n"
    "  requires extract of applicant\n"
    "  state open { initial; on close -> done by clerk }\n"
    "  state done { final; outcome granted; issues extract to civil for applicant child } }\n"
    "reform r {\n"
    "  procedure status {\n"
    "    drop field child-id\n"
    "    field spouse-id { type text; pattern \"[0-9]{12}\" }\n"
    "    requires death of spouse { effort 1h } } }\n";

static void test_catalogue__parties_are_read_whole(void **state)
{
    (void)state;
    mc_catalogue *cat;
    char *diags;
    assert_int_equal(tu_load(parties_text, &cat, &diags), 0);
    free(diags);
    const mc_procedure *p = mc_catalogue_procedure(cat, "status", 0);
    assert_int_equal(p->nparties, 3);
    assert_string_equal(p->parties[0].name, "applicant");
    assert_ptr_equal(p->parties[0].field, p->subject);
    const mc_party *y = &p->parties[1];
    assert_string_equal(y->name, "spouse");
    assert_ptr_equal(y->field, mc_field_find(p->fields, p->nfields, "spouse-id"));
    assert_true(y->has_sample);
    assert_int_equal(y->sample, 90 * MC_FIXED_ONE);
    assert_string_equal(mc_text_pick(y->titles, y->ntitles, "vi"), "Vợ hoặc chồng");
    assert_false(p->parties[2].has_sample);
    assert_int_equal(mc_party_find(p, "applicant"), 0);
    assert_int_equal(mc_party_find(p, "child"), 2);
    assert_int_equal(mc_party_find(p, "nobody"), -1);
    assert_int_equal(p->requires[0].party, 0);
    assert_null(p->requires[0].party_name);
    assert_int_equal(p->requires[1].party, 1);
    assert_int_equal(p->requires[2].party, 0); /* `of applicant`: the applicant, named */
    assert_string_equal(p->requires[2].party_name, "applicant");
    const mc_state *done = p->machine.states[1];
    assert_int_equal(done->issues[0].nparties, 2);
    assert_string_equal(done->issues[0].parties[1], "child");
    /* the identifier of each party among the values; an empty one names no one */
    const char *values[] = {"111", NULL, "222", ""};
    assert_string_equal(mc_party_value(p, 0, values), "111");
    assert_string_equal(mc_party_value(p, 1, values), "222");
    assert_null(mc_party_value(p, 2, values));
    assert_null(mc_party_value(p, 3, values));
    /* a reform keeps the parties, on its own fields: a dropped field leaves its party without
     * one; a requirement it replaces keeps its `of` */
    mc_catalogue *reformed;
    assert_int_equal(mc_reform_apply(cat, mc_catalogue_reform(cat, "r"), &reformed, NULL), 0);
    const mc_procedure *q = mc_catalogue_procedure(reformed, "status", 0);
    assert_int_equal(q->nparties, 3);
    assert_ptr_equal(q->parties[1].field, mc_field_find(q->fields, q->nfields, "spouse-id"));
    assert_non_null(q->parties[1].field->pattern);
    assert_null(q->parties[2].field);
    assert_ptr_equal(q->parties[0].field, q->subject);
    assert_int_equal(q->requires[1].party, 1);
    assert_int_equal(q->requires[1].when.kind, MC_COND_ALWAYS);
    mc_catalogue_free(reformed);
    mc_catalogue_free(cat);
}

static void test_catalogue__too_many_parties(void **state)
{
    (void)state;
    char text[4096] = "role head\ndocument form\n"
                      "procedure p { subject id\n  field id { type text; required }\n";
    for (int i = 0; i <= MC_MAX_PARTIES; i++) {
        char line[120];
        snprintf(line, sizeof line, "  field f%d { type text }\n  party p%d { field f%d }\n", i, i,
                 i);
        strcat(text, line);
        snprintf(line, sizeof line, "  requires form of p%d\n", i);
        if (i == 0) {
            strcat(text, line);
        }
    }
    strcat(text, "  state open { initial; on close -> done by head }\n"
                 "  state done { final; outcome granted; issues form to r for p1 p2 p3 p4 p5 p6 p7 "
                 "} }\nregistry r { holds form }\n");
    mc_catalogue *cat;
    char *diags;
    assert_int_equal(tu_load(text, &cat, &diags), MC_ECHECK);
    assert_non_null(strstr(diags, ":23:9: error: procedure 'p' declares more than 8 parties"));
    free(diags);
}

/* `applicant FIELD` names the text field the queue searches dossiers by. */
static void test_catalogue__applicant_names_a_text_field(void **state)
{
    (void)state;
    const char *pre = "role head\n"
                      "procedure p { effective 2025-01-01; subject id; applicant ";
    const char *head = "\n"
                       "  field id { type text; required }\n"
                       "  field full-name { type text }\n"
                       "  field born { type date }\n"
                       "  state open { initial; on close -> done by head }\n"
                       "  state done { final; outcome granted } }\n";
    char text[1024];
    mc_catalogue *cat;
    char *diags;
    snprintf(text, sizeof text, "%s%s%s", pre, "full-name", head);
    assert_int_equal(tu_load(text, &cat, &diags), 0);
    const mc_procedure *p = mc_catalogue_procedure(cat, "p", 20250101);
    assert_non_null(p);
    assert_non_null(p->applicant);
    assert_string_equal(p->applicant->name, "full-name");
    free(diags);
    mc_catalogue_free(cat);

    snprintf(text, sizeof text, "%s%s%s", pre, "full-nme", head);
    assert_int_equal(tu_load(text, &cat, &diags), MC_ECHECK);
    assert_non_null(strstr(diags, ":2:59: error: unknown field 'full-nme' for the applicant's "
                                  "name (did you mean 'full-name'?)"));
    free(diags);

    snprintf(text, sizeof text, "%s%s%s", pre, "born", head);
    assert_int_equal(tu_load(text, &cat, &diags), MC_ECHECK);
    assert_non_null(
        strstr(diags, ":2:59: error: field 'born' is date: the applicant's name is a text field"));
    free(diags);

    /* Once only, as the subject. */
    snprintf(text, sizeof text, "%s%s%s", pre, "full-name; applicant id", head);
    assert_int_equal(tu_load(text, &cat, &diags), MC_ECHECK);
    assert_non_null(strstr(diags, ":2:70: error: 'applicant' given twice (first at line 2)"));
    free(diags);
}

static int load_parties_once(void *ctx)
{
    (void)ctx;
    const char *names[1] = {"t.proc"};
    const char *texts[1] = {parties_text};
    size_t lens[1] = {strlen(parties_text)};
    mc_diags *d = NULL;
    mc_catalogue *cat = NULL, *reformed = NULL;
    int rc = mc_diags_new(&d);
    if (rc == 0) {
        rc = mc_catalogue_load_buffers(&cat, names, texts, lens, 1, d, NULL);
    }
    if (rc == 0) {
        rc = mc_reform_apply(cat, mc_catalogue_reform(cat, "r"), &reformed, NULL);
    }
    mc_catalogue_free(reformed);
    mc_catalogue_free(cat);
    mc_diags_free(d);
    return rc;
}

static void test_catalogue__parties_out_of_memory_sweep(void **state)
{
    (void)state;
    assert_true(tu_oom_sweep(load_parties_once, NULL, false) > 10);
}

/* ==== titles of what people see (issue 21) ================================================ */

static const char titles_text[] =
    "role clerk { title \"One-stop officer\"; title vi \"Cán bộ một cửa\" }\n"
    "role head\n"
    "agency commune { title \"Commune committee\"; title vi \"Ủy ban nhân dân xã\" }\n"
    "agency district { title \"District\" }\n"
    "document notice { title vi \"Giấy chứng sinh\" }\n"
    "document photo\n"
    "registry civil { holds notice }\n"
    "lifecycle l {\n"
    "  event receive { title \"Receive\"; title vi \"Tiếp nhận hồ sơ\" }\n"
    "  event approve { title \"Approve\" }\n"
    "  state submitted { initial; title \"New\"; title vi \"Mới đăng ký\"\n"
    "    on receive -> processing by clerk }\n"
    "  state processing { title vi \"Đang xử lý\"; on approve -> done by head\n"
    "    on refuse -> done by head }\n"
    "  state done { final; outcome granted } }\n"
    "procedure birth { agency commune; lifecycle l; subject id\n"
    "  event refuse { title vi \"Từ chối giải quyết\" }\n"
    "  field id { type text; title vi \"Số định danh cá nhân\" }\n"
    "  requires notice\n"
    "  state processing { on approve -> done by head\n"
    "    on refuse -> done by head\n    on verify -> checking by head }\n"
    "  state checking { on approve -> done by head } }\n"
    "procedure land { agency district; title \"Land\"; lifecycle l; subject id\n"
    "  field id { type text }\n  requires photo }\n"
    "procedure fishing { agency nowhere; title vi \"Cấp phép khai thác\"; lifecycle l }\n"
    "procedure boating { agency nowhere; title vi \"Đăng ký tàu\"; lifecycle l }\n";

static void test_catalogue__titles_of_states_events_and_agencies(void **state)
{
    (void)state;
    mc_catalogue *cat;
    char *diags;
    assert_int_equal(tu_load(titles_text, &cat, &diags), 0);
    free(diags);
    const mc_procedure *p = mc_catalogue_procedure(cat, "birth", 0);
    const mc_lifecycle *l = mc_catalogue_lifecycle(cat, "l");
    /* A state's titles; a procedure's state of a lifecycle's name keeps its titles. */
    const mc_state *s0 = l->machine.states[0];
    assert_string_equal(mc_title(s0->titles, s0->ntitles, "vi", s0->name), "Mới đăng ký");
    assert_string_equal(mc_title(s0->titles, s0->ntitles, NULL, s0->name), "New");
    const mc_state *own = p->machine.states[1];
    assert_ptr_not_equal(own, l->machine.states[1]);
    assert_string_equal(mc_title(own->titles, own->ntitles, "vi", own->name), "Đang xử lý");
    assert_string_equal(mc_title(own->titles, own->ntitles, NULL, own->name), "Đang xử lý");
    const mc_state *checking = p->machine.states[3];
    assert_string_equal(mc_title(checking->titles, checking->ntitles, "vi", "checking"), "checking");
    /* Events: the procedure's own declaration, else the lifecycle's, else none. */
    assert_int_equal(l->nevents, 2);
    assert_int_equal(p->nevents, 1);
    const mc_event *e = mc_procedure_event(p, "receive");
    assert_string_equal(mc_title(e->titles, e->ntitles, "vi", e->name), "Tiếp nhận hồ sơ");
    e = mc_procedure_event(p, "approve");
    assert_string_equal(mc_title(e->titles, e->ntitles, "vi", e->name), "Approve");
    e = mc_procedure_event(p, "refuse");
    assert_string_equal(mc_title(e->titles, e->ntitles, NULL, e->name), "Từ chối giải quyết");
    assert_null(mc_procedure_event(p, "verify"));
    /* Agencies: declared ones by name, in load order; an undeclared one is only a name. */
    size_t n;
    const mc_agency *const *ag = mc_catalogue_agencies(cat, &n);
    assert_int_equal(n, 2);
    assert_string_equal(ag[0]->name, "commune");
    assert_string_equal(mc_title(ag[0]->titles, ag[0]->ntitles, "vi", "commune"),
                        "Ủy ban nhân dân xã");
    assert_ptr_equal(mc_catalogue_agency(cat, "district"), ag[1]);
    assert_null(mc_catalogue_agency(cat, "nowhere"));
    /* mc_title: the language asked, else the default, English, Vietnamese; else the name. */
    static const mc_text en_vi[] = {{"en", "English"}, {"vi", "Tiếng Việt"}};
    assert_string_equal(mc_title(en_vi, 2, NULL, "x"), "English");
    assert_string_equal(mc_title(en_vi + 1, 1, NULL, "x"), "Tiếng Việt");
    assert_string_equal(mc_title(en_vi, 1, "vi", "x"), "English");
    assert_string_equal(mc_title(NULL, 0, "vi", "x"), "x");
    /* The built-in roles have titles. */
    const mc_role *r = mc_catalogue_role(cat, "applicant");
    assert_string_equal(mc_title(r->titles, r->ntitles, "vi", r->name), "Người nộp hồ sơ");
    mc_catalogue_free(cat);
}

static char *check_titles(const char *text, const char *lang)
{
    mc_catalogue *cat;
    char *diags;
    assert_int_equal(tu_load(text, &cat, &diags), 0);
    free(diags);
    mc_diags *d;
    assert_int_equal(mc_diags_new(&d), 0);
    assert_int_equal(mc_catalogue_check_titles(cat, lang, d), 0);
    mc_diags_sort(d);
    char *out = tu_render(d, false);
    mc_diags_free(d);
    mc_catalogue_free(cat);
    return out;
}

static void test_catalogue__lint_warns_of_what_lacks_a_vietnamese_title(void **state)
{
    (void)state;
    char *got = check_titles(titles_text, "vi");
    assert_string_equal(got, "t.proc:2:6: warning[missing-title]: role 'head' has no Vietnamese "
                             "title (add: title vi \"…\")\n"
                             "t.proc:4:8: warning[missing-title]: agency 'district' has no "
                             "Vietnamese title (add: title vi \"…\")\n"
                             "t.proc:6:10: warning[missing-title]: document 'photo' has no "
                             "Vietnamese title (add: title vi \"…\")\n"
                             "t.proc:7:10: warning[missing-title]: registry 'civil' has no "
                             "Vietnamese title (add: title vi \"…\")\n"
                             "t.proc:10:9: warning[missing-title]: event 'approve' has no "
                             "Vietnamese title (add: title vi \"…\")\n"
                             "t.proc:14:8: warning[missing-title]: event 'refuse' has no "
                             "Vietnamese title (declare: event refuse { "
                             "title vi \"…\" })\n"
                             "t.proc:15:9: warning[missing-title]: state 'done' has no Vietnamese "
                             "title (add: title vi \"…\")\n"
                             "t.proc:16:11: warning[missing-title]: procedure 'birth' has no "
                             "Vietnamese title (add: title vi \"…\")\n"
                             "t.proc:22:8: warning[missing-title]: event 'verify' has no "
                             "Vietnamese title (declare: event verify { "
                             "title vi \"…\" })\n"
                             "t.proc:23:9: warning[missing-title]: state 'checking' has no "
                             "Vietnamese title (add: title vi \"…\")\n"
                             "t.proc:24:11: warning[missing-title]: procedure 'land' has no "
                             "Vietnamese title (add: title vi \"…\")\n"
                             "t.proc:25:9: warning[missing-title]: field 'id' has no Vietnamese "
                             "title (add: title vi \"…\")\n"
                             "t.proc:27:28: warning[missing-title]: agency 'nowhere' has no "
                             "Vietnamese title (declare: agency nowhere "
                             "{ title vi \"…\" })\n");
    free(got);
    /* Another language is named by its tag; a catalogue titled in it is quiet. */
    got = check_titles("role clerk { title vi \"Cán bộ\" }\n", "en");
    assert_string_equal(
        got, "t.proc:1:6: warning[missing-title]: role 'clerk' has no 'en' title (add: title en "
             "\"…\")\n");
    free(got);
    got = check_titles("role clerk { title vi \"Cán bộ\" }\n", "vi");
    assert_string_equal(got, "");
    free(got);
    /* A party the checklist names (section 9.8 of docs/language.md). */
    got = check_titles("role clerk { title vi \"Cán bộ\" }\ndocument d { title vi \"Giấy\" }\n"
                       "procedure p { title vi \"Thủ tục\"; subject id\n"
                       "  field id { type text; title vi \"Số định danh\" }\n"
                       "  field sid { type text; title vi \"Số định danh của bên kia\" }\n"
                       "  party spouse { field sid; title \"Spouse\" }\n  requires d of spouse\n"
                       "  state a { initial; title vi \"Mới\"; on go -> b by clerk }\n"
                       "  state b { final; outcome granted; title vi \"Xong\" }\n"
                       "  event go { title vi \"Đi\" } }\n",
                       "vi");
    assert_string_equal(
        got, "t.proc:6:9: warning[missing-title]: party 'spouse' has no Vietnamese title (add: "
             "title vi \"…\")\n");
    free(got);
}

/* A choice field's options (section 9.2 of docs/language.md): their titles, in the order of
 * `options`; lint warns at an option block without a Vietnamese title, and at the option in
 * `options` of one without a block. */
static void test_catalogue__titles_of_a_choice_fields_options(void **state)
{
    (void)state;
    static const char text[] =
        "role clerk { title vi \"Cán bộ\" }\n"
        "procedure p { title vi \"Thủ tục\"\n"
        "  state a { initial; title vi \"Mới\"; on go -> b by clerk }\n"
        "  state b { final; outcome granted; title vi \"Xong\" }\n"
        "  event go { title vi \"Đi\" }\n"
        "  field status { type choice; title vi \"Tình trạng hôn nhân\"\n"
        "    options never-married divorced widowed\n"
        "    option divorced { title \"Divorced\" }\n"
        "    option never-married { title \"Never married\"; title vi \"Chưa đăng ký kết hôn\" } }\n"
        "  field copies { type integer; title vi \"Số bản sao\" } }\n";
    mc_catalogue *cat;
    char *diags;
    assert_int_equal(tu_load(text, &cat, &diags), 0);
    free(diags);
    const mc_procedure *p = mc_catalogue_procedure(cat, "p", 0);
    const mc_field *f = mc_field_find(p->fields, p->nfields, "status");
    assert_non_null(f->option_info);
    const mc_option *o = f->option_info;
    assert_string_equal(o[0].name, "never-married");
    assert_true(o[0].declared);
    assert_string_equal(mc_title(o[0].titles, o[0].ntitles, "vi", o[0].name),
                        "Chưa đăng ký kết hôn");
    assert_string_equal(mc_title(o[0].titles, o[0].ntitles, NULL, o[0].name), "Never married");
    assert_string_equal(mc_title(o[1].titles, o[1].ntitles, "vi", o[1].name), "Divorced");
    assert_false(o[2].declared);
    assert_string_equal(mc_title(o[2].titles, o[2].ntitles, "vi", o[2].name), "widowed");
    assert_null(mc_field_find(p->fields, p->nfields, "copies")->option_info);
    mc_catalogue_free(cat);
    char *got = check_titles(text, "vi");
    assert_string_equal(got, "t.proc:7:36: warning[missing-title]: option 'widowed' has no "
                             "Vietnamese title (declare: option widowed { title vi \"…\" })\n"
                             "t.proc:8:12: warning[missing-title]: option 'divorced' has no "
                             "Vietnamese title (add: title vi \"…\")\n");
    free(got);
}

static int check_titles_once(void *ctx)
{
    mc_catalogue *cat = ctx;
    mc_diags *d;
    if (mc_diags_new(&d) != 0) {
        return MC_ENOMEM;
    }
    int rc = mc_catalogue_check_titles(cat, "vi", d);
    mc_diags_free(d);
    return rc;
}

static void test_catalogue__title_check_out_of_memory(void **state)
{
    (void)state;
    mc_catalogue *cat;
    char *diags;
    assert_int_equal(tu_load(titles_text, &cat, &diags), 0);
    free(diags);
    assert_true(tu_oom_sweep(check_titles_once, cat, false) > 5);
    mc_catalogue_free(cat);
}

static void test_catalogue__event_and_agency_errors(void **state)
{
    (void)state;
    static const char head[] = "role clerk\n";
    char text[1024];
    snprintf(text, sizeof text, "%s%s", head,
             "lifecycle l { event go { title \"Go\" }\n  event go { title \"Again\" }\n"
             "  state a { initial; on go -> b by clerk }\n  state b { final; outcome granted } }\n");
    tu_expect(text, "t.proc:3:9: error: duplicate event 'go' (first declared at line 2)\n");
    snprintf(text, sizeof text, "%s%s", head,
             "lifecycle l { event og { title \"Go\" }\n"
             "  state a { initial; on go -> b by clerk }\n  state b { final; outcome granted } }\n");
    tu_expect(
        text,
        "t.proc:2:21: warning[unused-event]: event 'og' is declared but no transition of lifecycle "
        "'l' fires it (did you mean 'go'?)\n");
    snprintf(text, sizeof text, "%s%s", head,
             "procedure p { event stop { title \"Stop\" }\n"
             "  state a { initial; on go -> b by clerk }\n  state b { final; outcome granted } }\n");
    tu_expect(text, "t.proc:2:21: warning[unused-event]: event 'stop' is declared but no "
                    "transition of procedure "
                    "'p' fires it\n");
    snprintf(text, sizeof text, "%s%s", head,
             "procedure p { state a { initial; on go -> b by clerk }\n"
             "  state b { final; outcome granted } }\n"
             "reform r { procedure p { event go { title \"Go\" } } }\n");
    tu_expect(text, "t.proc:4:26: error: a reform cannot change the titles of events (declare "
                    "them in the procedure or its lifecycle)\n");
    tu_expect("event go { title \"Go\" }\n",
              "t.proc:1:1: error: 'event' is only allowed inside a lifecycle or a procedure (it "
              "titles the event its transitions fire)\n");
    tu_expect("agency a\n", "t.proc:1:1: error: 'agency' needs a block (write: agency NAME { … })\n");
    tu_expect("agency a { title vi \"A\" }\nagency a { title vi \"B\" }\n",
              "t.proc:2:8: error: duplicate agency 'a' (first declared at line 1)\n");
    tu_expect("agency a { holds x }\n",
              "t.proc:1:12: error: unknown agency directive 'holds'\n");
    tu_expect("role clerk\nlifecycle l { state a { initial; title \"A\"; title \"B\"\n"
              "  on go -> b by clerk }\n  state b { final; outcome granted } }\n",
              "t.proc:2:45: error: a second title without a language (first at line 2)\n");
}

/* ==== sectors, supersedes and official codes (issue 22) =================================== */

#define SUPERSEDES_HEAD                                                                            \
    "role clerk\n"                                                                                 \
    "lifecycle l { state a { initial; on go -> b by clerk }\n"                                     \
    "  state b { final; outcome granted } }\n"

static void test_catalogue__sector_and_supersedes_are_read(void **state)
{
    (void)state;
    static const char text[] = SUPERSEDES_HEAD
        "procedure nat-1 { code \"1.001193\"; sector \"LĨNH VỰC QUẢN LÝ NHÀ NƯỚC CỦA BỘ TƯ PHÁP\"; "
        "lifecycle l }\n"
        "procedure birth { effective 2025-07-01; code \"1.001193\"; sector \"Hộ tịch\"; "
        "lifecycle l }\n"
        "procedure birth { effective 2026-01-01; code \"1.001193\"; supersedes nat-1; "
        "lifecycle l }\n";
    mc_catalogue *cat;
    char *diags;
    assert_int_equal(tu_load(text, &cat, &diags), 0);
    assert_string_equal(diags, ""); /* same code, but one supersedes the other */
    free(diags);
    const mc_procedure *nat = mc_catalogue_procedure(cat, "nat-1", 0);
    assert_string_equal(nat->sector, "LĨNH VỰC QUẢN LÝ NHÀ NƯỚC CỦA BỘ TƯ PHÁP");
    assert_null(nat->supersedes);
    size_t n;
    const mc_procedure *const *v = mc_catalogue_versions(cat, "birth", &n);
    assert_int_equal(n, 2);
    assert_string_equal(v[0]->sector, "Hộ tịch");
    assert_null(v[0]->supersedes);
    assert_null(v[1]->sector);
    assert_string_equal(v[1]->supersedes, "nat-1");
    /* by date: the version that supersedes is not in force yet in 2025 */
    assert_null(mc_catalogue_superseded(cat, "nat-1", mc_date_from_ymd(2025, 6, 1)));
    assert_null(mc_catalogue_superseded(cat, "nat-1", mc_date_from_ymd(2025, 8, 1)));
    assert_ptr_equal(mc_catalogue_superseded(cat, "nat-1", mc_date_from_ymd(2026, 1, 1)), v[1]);
    assert_null(mc_catalogue_superseded(cat, "birth", mc_date_from_ymd(2026, 1, 1)));
    assert_null(mc_catalogue_superseded(cat, "nobody", mc_date_from_ymd(2026, 1, 1)));
    /* a reform keeps both */
    static const char reform_text[] =
        SUPERSEDES_HEAD "procedure nat-1 { lifecycle l }\n"
                        "procedure birth { sector \"Hộ tịch\"; supersedes nat-1; lifecycle l }\n"
                        "reform r { procedure birth { visits 0 } }\n";
    mc_catalogue_free(cat);
    assert_int_equal(tu_load(reform_text, &cat, &diags), 0);
    free(diags);
    mc_catalogue *reformed;
    assert_int_equal(mc_reform_apply(cat, mc_catalogue_reform(cat, "r"), &reformed, NULL), 0);
    const mc_procedure *q = mc_catalogue_procedure(reformed, "birth", 0);
    assert_string_equal(q->sector, "Hộ tịch");
    assert_string_equal(q->supersedes, "nat-1");
    assert_ptr_equal(mc_catalogue_superseded(reformed, "nat-1", 0), q);
    mc_catalogue_free(reformed);
    mc_catalogue_free(cat);
}

/* `channels` and `asks-held` (issue 23): read, patched by a reform, and each mistake told. */
static void test_catalogue__channels_and_asks_held(void **state)
{
    (void)state;
    static const char text[] =
        SUPERSEDES_HEAD "procedure a { lifecycle l; channels online 60% counter 30% post 10%\n"
                        "  asks-held 5% }\n"
                        "procedure b { lifecycle l; channels counter 100% }\n"
                        "procedure c { lifecycle l }\n"
                        "reform r { procedure a { channels online 90% post 10%; asks-held 0% } }\n";
    mc_catalogue *cat;
    char *diags;
    assert_int_equal(tu_load(text, &cat, &diags), 0);
    assert_string_equal(diags, "");
    free(diags);
    const mc_procedure *a = mc_catalogue_procedure(cat, "a", 0);
    assert_int_equal(a->channels[MC_CHANNEL_ONLINE], 60 * MC_FIXED_ONE);
    assert_int_equal(a->channels[MC_CHANNEL_COUNTER], 30 * MC_FIXED_ONE);
    assert_int_equal(a->channels[MC_CHANNEL_POST], 10 * MC_FIXED_ONE);
    assert_int_equal(a->asks_held, 5 * MC_FIXED_ONE);
    const mc_procedure *b = mc_catalogue_procedure(cat, "b", 0);
    assert_int_equal(b->channels[MC_CHANNEL_COUNTER], 100 * MC_FIXED_ONE);
    assert_int_equal(b->channels[MC_CHANNEL_ONLINE], 0);
    const mc_procedure *c = mc_catalogue_procedure(cat, "c", 0);
    for (int k = 0; k < MC_CHANNELS; k++) {
        assert_int_equal(c->channels[k], 0); /* not declared: filed by the `online` level */
    }
    assert_int_equal(c->asks_held, 0);
    mc_catalogue *reformed;
    assert_int_equal(mc_reform_apply(cat, mc_catalogue_reform(cat, "r"), &reformed, NULL), 0);
    const mc_procedure *ra = mc_catalogue_procedure(reformed, "a", 0);
    assert_int_equal(ra->channels[MC_CHANNEL_ONLINE], 90 * MC_FIXED_ONE);
    assert_int_equal(ra->channels[MC_CHANNEL_COUNTER], 0);
    assert_int_equal(ra->asks_held, 0);
    assert_int_equal(a->channels[MC_CHANNEL_ONLINE], 60 * MC_FIXED_ONE); /* the base unchanged */
    assert_int_equal(a->asks_held, 5 * MC_FIXED_ONE);
    mc_catalogue_free(reformed);
    mc_catalogue_free(cat);
    tu_expect(SUPERSEDES_HEAD "procedure a { lifecycle l; channels online 60% counter 30% }\n",
              "t.proc:4:37: error: the channels' shares must add up to 100%\n");
    tu_expect(SUPERSEDES_HEAD "procedure a { lifecycle l; channels online 60% fax 40% }\n",
              "t.proc:4:48: error: unknown channel (online, counter or post)\n");
    tu_expect(SUPERSEDES_HEAD "procedure a { lifecycle l; channels post 60% post 40% }\n",
              "t.proc:4:46: error: channel 'post' given twice\n");
    tu_expect(SUPERSEDES_HEAD "procedure a { lifecycle l; channels online 60% counter }\n",
              "t.proc:4:48: error: write the channels as: channels online P% counter P% post P%\n");
    tu_expect(SUPERSEDES_HEAD "procedure a { lifecycle l; asks-held 140% }\n",
              "t.proc:4:38: error: percentage '140%' is not between 0% and 100%\n");
}

static void test_catalogue__supersedes_errors(void **state)
{
    (void)state;
    /* unknown, with a suggestion */
    tu_expect(SUPERSEDES_HEAD "procedure nat-1 { lifecycle l }\n"
                              "procedure birth { supersedes nat-2; lifecycle l }\n",
              "t.proc:5:30: error: unknown procedure 'nat-2' (did you mean 'nat-1'?)\n");
    /* itself */
    tu_expect(SUPERSEDES_HEAD "procedure birth { supersedes birth; lifecycle l }\n",
              "t.proc:4:30: error: procedure 'birth' cannot supersede itself (a new version of it "
              "is a new 'effective' date)\n");
    /* superseded by two procedures: the later one is told */
    tu_expect(SUPERSEDES_HEAD "procedure nat-1 { lifecycle l }\n"
                              "procedure a { supersedes nat-1; lifecycle l }\n"
                              "procedure b { supersedes nat-1; lifecycle l }\n",
              "t.proc:6:26: error: procedure 'nat-1' is superseded by 'a' already (at line 5): one "
              "procedure takes its place in cost studies\n");
    /* two versions of one name may both supersede it */
    tu_expect(SUPERSEDES_HEAD
              "procedure nat-1 { lifecycle l }\n"
              "procedure a { effective 2025-01-01; supersedes nat-1; lifecycle l }\n"
              "procedure a { effective 2026-01-01; supersedes nat-1; lifecycle l }\n",
              "");
    /* each other */
    tu_expect(SUPERSEDES_HEAD "procedure a { supersedes b; lifecycle l }\n"
                              "procedure b { supersedes a; lifecycle l }\n",
              "t.proc:5:26: error: procedures 'b' and 'a' cannot supersede each other ('a' at "
              "line 4 supersedes 'b')\n");
    /* twice in one procedure */
    tu_expect(SUPERSEDES_HEAD "procedure a { lifecycle l }\nprocedure c { lifecycle l }\n"
                              "procedure b { supersedes a; supersedes c; lifecycle l }\n",
              "t.proc:6:29: error: 'supersedes' given twice (first at line 6)\n");
    /* in a reform */
    tu_expect(SUPERSEDES_HEAD "procedure a { lifecycle l }\nprocedure b { lifecycle l }\n"
                              "reform r { procedure b { supersedes a } }\n",
              "t.proc:6:26: error: a reform cannot change what a procedure supersedes (write "
              "'supersedes' in the procedure)\n");
    /* a quoted name */
    tu_expect(SUPERSEDES_HEAD "procedure a { lifecycle l }\n"
                              "procedure b { supersedes \"a\"; lifecycle l }\n",
              "t.proc:5:26: error: expected the name of a procedure, not a quoted string\n");
}

static void test_catalogue__sector_errors(void **state)
{
    (void)state;
    tu_expect(SUPERSEDES_HEAD "procedure a { sector Hộ-tịch; lifecycle l }\n",
              "t.proc:4:22: error: a sector must be a quoted string\n");
    tu_expect(SUPERSEDES_HEAD "procedure a { sector \"\"; lifecycle l }\n",
              "t.proc:4:22: error: a sector is a name: write it, as in sector \"Hộ tịch\"\n");
    tu_expect(SUPERSEDES_HEAD "procedure a { sector \"A\"; sector \"B\"; lifecycle l }\n",
              "t.proc:4:27: error: 'sector' given twice (first at line 4)\n");
    tu_expect(SUPERSEDES_HEAD "procedure a { lifecycle l }\n"
                              "reform r { procedure a { sector \"Hộ tịch\" } }\n",
              "t.proc:5:26: error: a reform cannot change the sector of a procedure (write "
              "'sector' in the procedure)\n");
}

/* Two names with one official code are counted twice by cost studies: lint warns at the later
 * `code`, unless one supersedes the other. */
static void test_catalogue__same_code_warning(void **state)
{
    (void)state;
    tu_expect(SUPERSEDES_HEAD "procedure nat-1-001193 { code \"1.001193\"; lifecycle l }\n"
                              "procedure birth-registration {\n"
                              "  code \"1.001193\"; lifecycle l }\n",
              "t.proc:6:8: warning[same-code]: procedures 'birth-registration' and 'nat-1-001193' "
              "have the "
              "same code \"1.001193\" (the other at line 4), so cost studies count it twice: "
              "write 'supersedes nat-1-001193' in 'birth-registration', or 'supersedes "
              "birth-registration' in 'nat-1-001193'\n");
    /* once per pair of names, whatever their versions */
    tu_expect(SUPERSEDES_HEAD "procedure a { effective 2025-01-01; code \"1.1\"; lifecycle l }\n"
                              "procedure a { effective 2026-01-01; code \"1.1\"; lifecycle l }\n"
                              "procedure b { effective 2025-01-01; code \"1.1\"; lifecycle l }\n"
                              "procedure b { effective 2026-01-01; code \"1.1\"; lifecycle l }\n",
              "t.proc:6:42: warning[same-code]: procedures 'b' and 'a' have the same code \"1.1\" "
              "(the other "
              "at line 4), so cost studies count it twice: write 'supersedes a' in 'b', or "
              "'supersedes b' in 'a'\n");
    /* silenced by supersedes, either way, and in any version */
    tu_expect(SUPERSEDES_HEAD "procedure a { code \"1.1\"; supersedes b; lifecycle l }\n"
                              "procedure b { code \"1.1\"; lifecycle l }\n",
              "");
    tu_expect(SUPERSEDES_HEAD "procedure a { code \"1.1\"; lifecycle l }\n"
                              "procedure b { effective 2025-01-01; code \"1.1\"; lifecycle l }\n"
                              "procedure b { effective 2026-01-01; code \"1.1\"; supersedes a; "
                              "lifecycle l }\n",
              "");
    /* versions of one name share their code; other codes are not compared */
    tu_expect(SUPERSEDES_HEAD "procedure a { effective 2025-01-01; code \"1.1\"; lifecycle l }\n"
                              "procedure a { effective 2026-01-01; code \"1.1\"; lifecycle l }\n"
                              "procedure b { code \"1.2\"; lifecycle l }\n",
              "");
    /* a third name with the code is its own pair */
    mc_catalogue *cat;
    char *diags;
    tu_load(SUPERSEDES_HEAD "procedure a { code \"1.1\"; lifecycle l }\n"
                            "procedure b { code \"1.1\"; supersedes a; lifecycle l }\n"
                            "procedure c { code \"1.1\"; lifecycle l }\n",
            &cat, &diags);
    assert_non_null(strstr(diags,
                           "t.proc:6:20: warning[same-code]: procedures 'c' and 'a' have the same "
                           "code"));
    assert_non_null(strstr(diags,
                           "t.proc:6:20: warning[same-code]: procedures 'c' and 'b' have the same "
                           "code"));
    free(diags);
    mc_catalogue_free(cat);
}

/* Out of memory anywhere in loading procedures that supersede others and share codes (the
 * warnings' list of pairs included): MC_ENOMEM, nothing leaks. */
static int load_codes_once(void *ctx)
{
    (void)ctx;
    static const char text[] =
        SUPERSEDES_HEAD "procedure a { code \"1.1\"; sector \"Hộ tịch\"; lifecycle l }\n"
                        "procedure b { code \"1.1\"; supersedes a; lifecycle l }\n"
                        "procedure c { code \"1.1\"; lifecycle l }\n"
                        "procedure d { code \"1.1\"; lifecycle l }\n";
    const char *names[1] = {"t.proc"};
    const char *texts[1] = {text};
    size_t lens[1] = {sizeof text - 1};
    mc_diags *d = NULL;
    mc_catalogue *cat = NULL;
    int rc = mc_diags_new(&d);
    if (rc == 0) {
        rc = mc_catalogue_load_buffers(&cat, names, texts, lens, 1, d, NULL);
    }
    if (rc == 0 && mc_diags_warnings(d) != 5) {
        rc = -1000; /* a-c, a-d, b-c, b-d, c-d */
    }
    mc_catalogue_free(cat);
    mc_diags_free(d);
    return rc;
}

static void test_catalogue__codes_out_of_memory_sweep(void **state)
{
    (void)state;
    assert_int_equal(load_codes_once(NULL), 0);
    assert_true(tu_oom_sweep(load_codes_once, NULL, false) > 10);
}

/* A later layer's `replace procedure` gives its own sector and supersedes. */
static void test_catalogue__sector_in_a_layer_replace(void **state)
{
    (void)state;
    const char *base[] = {"tests/fixtures/sector.layers/1-base"},
               *province[] = {"tests/fixtures/sector.layers/2-province"};
    mc_layer layers[] = {{.name = "base", .paths = base, .npaths = 1},
                         {.name = "province", .paths = province, .npaths = 1}};
    mc_load_opts opts = MC_LOAD_OPTS_INIT;
    opts.layers = layers;
    opts.nlayers = 2;
    mc_diags *d;
    assert_int_equal(mc_diags_new(&d), 0);
    mc_catalogue *cat = NULL;
    mc_error err;
    assert_int_equal(mc_catalogue_load(&cat, &opts, d, &err), 0);
    char *got = tu_render(d, false);
    assert_string_equal(got, "");
    free(got);
    const mc_procedure *p = mc_catalogue_procedure(cat, "birth-registration", 0);
    assert_string_equal(p->sector, "Hộ tịch (tỉnh)");
    assert_string_equal(p->supersedes, "nat-1-001193");
    assert_int_equal(mc_catalogue_file_layer(cat, p->pos.file), 1);
    assert_ptr_equal(mc_catalogue_superseded(cat, "nat-1-001193", 0), p);
    assert_string_equal(mc_catalogue_procedure(cat, "nat-1-001193", 0)->sector,
                        "LĨNH VỰC QUẢN LÝ NHÀ NƯỚC CỦA BỘ TƯ PHÁP");
    mc_catalogue_free(cat);
    mc_diags_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_catalogue__versions_by_date, setup, teardown),
        cmocka_unit_test_setup_teardown(test_catalogue__declarations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_catalogue__procedure_fields_and_requirements, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_catalogue__machine_merges_lifecycle_and_own_states,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_catalogue__reform_is_kept_as_a_patch, setup, teardown),
        cmocka_unit_test(test_graph__dot),
        cmocka_unit_test(test_reform__apply),
        cmocka_unit_test(test_catalogue__missing_path_is_an_io_error),
        cmocka_unit_test(test_catalogue__out_of_memory_sweep),
        cmocka_unit_test_setup_teardown(test_registry__imports_a_clean_file, registry_setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_registry__duplicate_record_refuses_the_file,
                                        registry_setup, teardown),
        cmocka_unit_test_setup_teardown(test_registry__issued_after_today_is_refused,
                                        registry_setup, teardown),
        cmocka_unit_test_setup_teardown(test_registry__subjects_pattern_is_checked, registry_setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_registry__check_subject, registry_setup, teardown),
        cmocka_unit_test_setup_teardown(test_registry__out_of_memory_sweep, registry_setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_registry__long_cells_are_read_whole, registry_setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_registry__malformed_quotes_bom_and_crlf,
                                        registry_setup, teardown),
        cmocka_unit_test(test_registry__subject_the_pattern_gives_up_on_is_refused),
        cmocka_unit_test(test_registry__subjects_directive_errors),
        cmocka_unit_test(test_catalogue__extension_is_read_whole),
        cmocka_unit_test(test_catalogue__too_many_extensions),
        cmocka_unit_test(test_catalogue__layers_extend_and_replace),
        cmocka_unit_test(test_catalogue__layer_decls),
        cmocka_unit_test(test_catalogue__layers_extend_recurring_holidays),
        cmocka_unit_test(test_catalogue__layers_without_a_lower_layer),
        cmocka_unit_test(test_catalogue__layers_replace_drops_lower_extensions),
        cmocka_unit_test(test_catalogue__layers_out_of_memory_sweep),
        cmocka_unit_test(test_catalogue__fee_schedule_amount_in_force_and_reliefs),
        cmocka_unit_test(test_catalogue__fee_schedule_errors),
        cmocka_unit_test(test_catalogue__validity),
        cmocka_unit_test(test_catalogue__fee_schedule_out_of_memory_sweep),
        cmocka_unit_test(test_catalogue__parties_are_read_whole),
        cmocka_unit_test(test_catalogue__parties_out_of_memory_sweep),
        cmocka_unit_test(test_catalogue__too_many_parties),
        cmocka_unit_test(test_catalogue__applicant_names_a_text_field),
        cmocka_unit_test(test_registry__live_and_reuse_are_read),
        cmocka_unit_test(test_registry__live_directive_errors),
        cmocka_unit_test(test_registry__wait_is_read_and_checked),
        cmocka_unit_test(test_catalogue__titles_of_states_events_and_agencies),
        cmocka_unit_test(test_catalogue__lint_warns_of_what_lacks_a_vietnamese_title),
        cmocka_unit_test(test_catalogue__titles_of_a_choice_fields_options),
        cmocka_unit_test(test_catalogue__title_check_out_of_memory),
        cmocka_unit_test(test_catalogue__event_and_agency_errors),
        cmocka_unit_test(test_catalogue__sector_and_supersedes_are_read),
        cmocka_unit_test(test_catalogue__supersedes_errors),
        cmocka_unit_test(test_catalogue__channels_and_asks_held),
        cmocka_unit_test(test_catalogue__sector_errors),
        cmocka_unit_test(test_catalogue__same_code_warning),
        cmocka_unit_test(test_catalogue__sector_in_a_layer_replace),
        cmocka_unit_test(test_catalogue__codes_out_of_memory_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
