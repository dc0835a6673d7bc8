/* Reforms (reform.h): stacked application (A then B, matched by name: the chained-pointer bug),
 * some changes only (keep masks), the list of a reform's changes with their legal bases, the
 * conflicts between stacked reforms, the bundled reforms, and out-of-memory sweeps. */
#include "testutil.h"

#include "motcua/reform.h"

#include <stdio.h>

static mc_date june(void)
{
    return mc_date_from_ymd(2025, 6, 1);
}

/* Loads text, which must have no diagnostic. */
static mc_catalogue *load(const char *text)
{
    mc_catalogue *cat = NULL;
    char *diags;
    int rc = tu_load(text, &cat, &diags);
    if (rc != 0 || diags[0] != '\0') {
        fail_msg("load: %d\n%s", rc, diags);
    }
    free(diags);
    return cat;
}

/* ==== comparing catalogues ================================================================ */

typedef struct diff {
    char text[600];
} diff;

static void differ(diff *d, const char *what, const char *name)
{
    char key[200];
    snprintf(key, sizeof key, "%s:%s", name, what);
    /* one mention of each figure, however many versions differ */
    const char *at = strstr(d->text, key);
    size_t n = strlen(key);
    if (at != NULL && (at[n] == '\0' || at[n] == ' ')) {
        return;
    }
    size_t len = strlen(d->text);
    snprintf(d->text + len, sizeof d->text - len, "%s%s", len ? " " : "", key);
}

static bool same_duration(mc_duration x, mc_duration y)
{
    return x.unit == y.unit && x.amount == y.amount;
}

static bool same_requirements(const mc_procedure *p, const mc_procedure *q)
{
    if (p->nrequires != q->nrequires) {
        return false;
    }
    for (size_t i = 0; i < p->nrequires; i++) {
        const mc_requirement *r = &p->requires[i], *s = &q->requires[i];
        if (strcmp(r->document->name, s->document->name) != 0 || r->has_effort != s->has_effort ||
            !same_duration(r->effort, s->effort) || r->when.kind != s->when.kind ||
            r->cost.amount != s->cost.amount) {
            return false;
        }
    }
    return true;
}

static bool same_fields(const mc_procedure *p, const mc_procedure *q)
{
    if (p->nfields != q->nfields) {
        return false;
    }
    for (size_t i = 0; i < p->nfields; i++) {
        if (strcmp(p->fields[i].name, q->fields[i].name) != 0 ||
            p->fields[i].sample != q->fields[i].sample) {
            return false;
        }
    }
    return true;
}

static bool same_states(const mc_procedure *p, const mc_procedure *q)
{
    if (p->machine.nstates != q->machine.nstates) {
        return false;
    }
    for (size_t i = 0; i < p->machine.nstates; i++) {
        if (strcmp(p->machine.states[i]->name, q->machine.states[i]->name) != 0 ||
            p->machine.states[i]->non != q->machine.states[i]->non) {
            return false;
        }
    }
    return true;
}

/* The figures of x that y has otherwise, as "NAME:FIGURE" words (the procedures' time limits,
 * visits, volumes, fees, online level, requirements, fields, states; the registries' coverage,
 * publication and holds; "NAME:abolished" for a procedure y lacks). */
static void compare(const mc_catalogue *x, const mc_catalogue *y, diff *d)
{
    d->text[0] = '\0';
    size_t n;
    const mc_procedure *const *ps = mc_catalogue_procedures(x, &n);
    for (size_t i = 0; i < n; i++) {
        const mc_procedure *p = ps[i];
        size_t nv;
        const mc_procedure *const *vs = mc_catalogue_versions(y, p->name, &nv);
        const mc_procedure *q = NULL;
        for (size_t k = 0; k < nv; k++) {
            if (vs[k]->has_effective == p->has_effective && vs[k]->effective == p->effective) {
                q = vs[k];
            }
        }
        if (q == NULL) {
            differ(d, "abolished", p->name);
            continue;
        }
        if (p->has_time_limit != q->has_time_limit ||
            !same_duration(p->time_limit, q->time_limit)) {
            differ(d, "time-limit", p->name);
        }
        if (p->visits != q->visits) {
            differ(d, "visits", p->name);
        }
        if (p->volume != q->volume) {
            differ(d, "volume", p->name);
        }
        if (p->fee_kind != q->fee_kind || p->fee.amount != q->fee.amount) {
            differ(d, "fee", p->name);
        }
        if (p->online != q->online) {
            differ(d, "online", p->name);
        }
        if (!same_requirements(p, q)) {
            differ(d, "requires", p->name);
        }
        if (!same_fields(p, q)) {
            differ(d, "fields", p->name);
        }
        if (!same_states(p, q)) {
            differ(d, "states", p->name);
        }
        if (p->calendar != q->calendar) {
            differ(d, "calendar", p->name);
        }
    }
    const mc_registry *const *rs = mc_catalogue_registries(x, &n);
    for (size_t i = 0; i < n; i++) {
        const mc_registry *r = rs[i], *s = mc_catalogue_registry(y, r->name);
        if (r->has_coverage != s->has_coverage || r->coverage != s->coverage) {
            differ(d, "coverage", r->name);
        }
        if (r->has_published != s->has_published || r->published != s->published) {
            differ(d, "published", r->name);
        }
        bool holds = r->nholds == s->nholds;
        for (size_t k = 0; holds && k < r->nholds; k++) {
            holds = strcmp(r->holds[k]->name, s->holds[k]->name) == 0;
        }
        if (!holds) {
            differ(d, "holds", r->name);
        }
    }
}

/* ==== stacking ============================================================================ */

static const char chain[] =
    "role clerk\n"
    "document a\ndocument b\ndocument c\n"
    "registry civil { holds a }\n"
    "lifecycle l { state s { initial; on go -> t by clerk }; state t { final } }\n"
    "procedure p { time-limit 5wd; volume 100 per year; visits 2; lifecycle l\n"
    "  requires a { effort 1h }\n"
    "  requires b { effort 2h }\n"
    "  requires c { effort 3h } }\n"
    "reform ra { registry civil { coverage 50% }\n"
    "  procedure p { time-limit 3wd; requires b { effort 1h } } }\n"
    "reform rb { registry civil { holds c; coverage 90% }\n"
    "  procedure p { requires b { effort 30min } } }\n";

/* The bug: B applied on A's catalogue matched its registry and its replaced requirement by
 * pointer, and A's catalogue holds copies: B's coverage and holds were lost and b was required
 * twice. */
static void test_reform__chained_apply_matches_by_name(void **state)
{
    (void)state;
    mc_catalogue *cat = load(chain), *a, *ab;
    assert_int_equal(mc_reform_apply(cat, mc_catalogue_reform(cat, "ra"), &a, NULL), 0);
    assert_int_equal(mc_reform_apply(a, mc_catalogue_reform(cat, "rb"), &ab, NULL), 0);
    const mc_registry *civil = mc_catalogue_registry(ab, "civil");
    assert_int_equal(civil->coverage, 90 * MC_FIXED_ONE);
    assert_int_equal(civil->nholds, 2);
    assert_string_equal(civil->holds[1]->name, "c");
    assert_ptr_equal(mc_catalogue_document(ab, "c")->registry, civil);
    const mc_procedure *p = mc_catalogue_procedure(ab, "p", june());
    assert_int_equal(p->time_limit.amount, 3 * MC_FIXED_ONE);
    assert_int_equal(p->nrequires, 3);
    assert_string_equal(p->requires[1].document->name, "b");
    assert_int_equal(p->requires[1].effort.amount, 30 * MC_FIXED_ONE);
    assert_ptr_equal(p->requires[2].document, mc_catalogue_document(ab, "c"));
    mc_catalogue_free(ab);
    mc_catalogue_free(a);
    mc_catalogue_free(cat);
}

/* Two versions of p: x is required by the first only, so that a reform may add it (to the
 * second) and a later one drop it. */
static const char stack[] =
    "role clerk\n"
    "document a\ndocument b\ndocument x\n"
    "registry civil { holds a }\n"
    "registry pop { }\n"
    "lifecycle l { state s { initial; on go -> t by clerk }; state t { final } }\n"
    "procedure p { effective 2025-01-01; time-limit 10wd; visits 3; volume 100 per year\n"
    "  lifecycle l\n"
    "  requires a { effort 1h }\n"
    "  requires x { effort 4h } }\n"
    "procedure p { effective 2026-01-01; time-limit 10wd; visits 3; volume 100 per year\n"
    "  lifecycle l\n"
    "  requires a { effort 1h } }\n"
    "procedure q { time-limit 5wd; lifecycle l }\n"
    "reform ra { registry civil { coverage 50% }\n"
    "  procedure p { time-limit 5wd; visits 1; requires x { effort 2h } }\n"
    "  drop procedure q }\n"
    "reform rb { registry civil { holds b; coverage 80% }\n"
    "  procedure p { time-limit 3wd; drop requires x }\n"
    "  procedure q { time-limit 1wd } }\n"
    "reform rc { registry pop { holds b }\n"
    "  procedure p { requires x { effort 1h } } }\n";

static const mc_reform *const *reforms_of(const mc_catalogue *cat, const char *a, const char *b,
                                          const mc_reform **out)
{
    out[0] = mc_catalogue_reform(cat, a);
    out[1] = b ? mc_catalogue_reform(cat, b) : NULL;
    return out;
}

/* A then B: B's scalar replaces A's, B drops what A added, A's other changes stay, B's coverage
 * applies, the procedure A abolished stays abolished (B's change of it is not applied). Only the
 * last catalogue is freed: it owns the one in between. */
static void test_reform__stacked_a_then_b(void **state)
{
    (void)state;
    mc_catalogue *cat = load(stack), *out;
    const mc_reform *r[2];
    mc_error err;
    assert_int_equal(mc_reform_apply_list(cat, reforms_of(cat, "ra", "rb", r), NULL, 2, &out, &err),
                     0);
    for (int year = 2025; year <= 2026; year++) {
        const mc_procedure *p = mc_catalogue_procedure(out, "p", mc_date_from_ymd(year, 6, 1));
        assert_int_equal(p->time_limit.amount, 3 * MC_FIXED_ONE); /* B's */
        assert_int_equal(p->visits, 1);                           /* A's */
        assert_int_equal(p->nrequires, 1);                        /* x: A added, B dropped */
        assert_string_equal(p->requires[0].document->name, "a");
    }
    const mc_registry *civil = mc_catalogue_registry(out, "civil");
    assert_int_equal(civil->coverage, 80 * MC_FIXED_ONE);
    assert_int_equal(civil->nholds, 2);
    assert_null(mc_catalogue_procedure(out, "q", june()));
    mc_catalogue_free(out);

    /* B then A: A's scalars and requirement win, x comes back */
    assert_int_equal(mc_reform_apply_list(cat, reforms_of(cat, "rb", "ra", r), NULL, 2, &out, &err),
                     0);
    const mc_procedure *p = mc_catalogue_procedure(out, "p", june());
    assert_int_equal(p->time_limit.amount, 5 * MC_FIXED_ONE);
    assert_int_equal(p->nrequires, 2);
    assert_string_equal(p->requires[1].document->name, "x");
    assert_int_equal(p->requires[1].effort.amount, 2 * MC_FIXED_ONE);
    assert_int_equal(mc_catalogue_registry(out, "civil")->coverage, 50 * MC_FIXED_ONE);
    assert_null(mc_catalogue_procedure(out, "q", june()));
    mc_catalogue_free(out);

    /* a document a later reform puts in another registry moves there */
    assert_int_equal(mc_reform_apply_list(cat, reforms_of(cat, "rb", "rc", r), NULL, 2, &out, &err),
                     0);
    const mc_registry *pop = mc_catalogue_registry(out, "pop");
    assert_int_equal(mc_catalogue_registry(out, "civil")->nholds, 1);
    assert_int_equal(pop->nholds, 1);
    assert_ptr_equal(mc_catalogue_document(out, "b")->registry, pop);
    mc_catalogue_free(out);
    mc_catalogue_free(cat);
}

/* n = 0 is a copy of the base; one reform through the list is mc_reform_apply. */
static void test_reform__list_of_none_or_one(void **state)
{
    (void)state;
    mc_catalogue *cat = load(stack), *out, *one;
    diff d;
    assert_int_equal(mc_reform_apply_list(cat, NULL, NULL, 0, &out, NULL), 0);
    compare(cat, out, &d);
    assert_string_equal(d.text, "");
    compare(out, cat, &d);
    assert_string_equal(d.text, "");
    mc_catalogue_free(out);
    const mc_reform *r[2];
    assert_int_equal(mc_reform_apply_list(cat, reforms_of(cat, "ra", NULL, r), NULL, 1, &out, NULL),
                     0);
    assert_int_equal(mc_reform_apply(cat, r[0], &one, NULL), 0);
    compare(one, out, &d);
    assert_string_equal(d.text, "");
    compare(cat, out, &d);
    assert_string_equal(d.text, "p:time-limit p:visits p:requires q:abolished civil:coverage");
    mc_catalogue_free(one);
    mc_catalogue_free(out);
    mc_catalogue_free(cat);
}

/* A reform given twice, or missing, is the caller's mistake. */
static void test_reform__given_twice(void **state)
{
    (void)state;
    mc_catalogue *cat = load(stack), *out = (mc_catalogue *)1;
    const mc_reform *r[3] = {mc_catalogue_reform(cat, "ra"), mc_catalogue_reform(cat, "rb"),
                             mc_catalogue_reform(cat, "ra")};
    mc_error err;
    assert_int_equal(mc_reform_apply_list(cat, r, NULL, 3, &out, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "reform 'ra' is given twice");
    assert_null(out);
    char **lines = (char **)1;
    size_t n = 1;
    assert_int_equal(mc_reform_conflicts(r, 3, &lines, &n, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "reform 'ra' is given twice");
    assert_null(lines);
    assert_int_equal(n, 0);
    r[1] = NULL;
    assert_int_equal(mc_reform_apply_list(cat, r, NULL, 2, &out, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "reform 2 of 2 is missing");
    mc_catalogue_free(cat);
}

/* ==== some changes only =================================================================== */

static const char masks[] =
    "role clerk\n"
    "document a\ndocument b\ndocument x\n"
    "registry civil { holds a }\n"
    "lifecycle l { state s { initial; on go -> t by clerk }; state t { final } }\n"
    "procedure p { time-limit 10wd; visits 3; volume 100 per year; lifecycle l\n"
    "  field married { type bool; sample 50% }\n"
    "  requires a { effort 1h }\n"
    "  requires x when married { effort 4h } }\n"
    "procedure q { time-limit 5wd; lifecycle l }\n"
    "reform rk {\n"
    "  registry civil { holds b; coverage 90% }\n"
    "  procedure p { time-limit 2wd; visits 0; drop requires x; requires b { effort 30min }\n"
    "    field married { type bool; sample 10% }\n"
    "    volume 50 per year; fee 100 VND; online full\n"
    "    state s { initial; on go -> t by clerk; on back -> s by clerk } }\n"
    "  drop procedure q }\n";

/* Each change alone moves exactly its figure; all of them make mc_reform_apply's catalogue; none
 * leaves the base. */
static void test_reform__keep_masks(void **state)
{
    (void)state;
    mc_catalogue *cat = load(masks), *out, *whole;
    const mc_reform *r = mc_catalogue_reform(cat, "rk");
    static const char *const figures[] = {
        "civil:holds", "civil:coverage", "p:time-limit", "p:visits", "p:requires", "p:requires",
        "p:fields",    "p:volume",       "p:fee",        "p:online", "p:states",   "q:abolished",
    };
    size_t n = sizeof figures / sizeof figures[0];
    assert_int_equal(mc_reform_nchanges(r), n);
    bool keep[sizeof figures / sizeof figures[0]];
    const bool *masks_[1] = {keep};
    diff d;
    for (size_t i = 0; i < n; i++) {
        memset(keep, 0, sizeof keep);
        keep[i] = true;
        assert_int_equal(mc_reform_apply_list(cat, &r, masks_, 1, &out, NULL), 0);
        compare(cat, out, &d);
        assert_string_equal(d.text, figures[i]);
        mc_catalogue_free(out);
    }
    memset(keep, 0, sizeof keep);
    assert_int_equal(mc_reform_apply_list(cat, &r, masks_, 1, &out, NULL), 0);
    compare(cat, out, &d);
    assert_string_equal(d.text, "");
    mc_catalogue_free(out);
    memset(keep, 1, sizeof keep);
    assert_int_equal(mc_reform_apply_list(cat, &r, masks_, 1, &out, NULL), 0);
    assert_int_equal(mc_reform_apply(cat, r, &whole, NULL), 0);
    compare(whole, out, &d);
    assert_string_equal(d.text, "");
    compare(out, whole, &d);
    assert_string_equal(d.text, "");
    /* the whole reform, for the record */
    const mc_procedure *p = mc_catalogue_procedure(out, "p", june());
    assert_int_equal(p->nrequires, 2);
    assert_string_equal(p->requires[1].document->name, "b");
    assert_int_equal(p->fields[0].sample, 10 * MC_FIXED_ONE);
    assert_int_equal(p->machine.states[0]->non, 2);
    mc_catalogue_free(whole);
    mc_catalogue_free(out);
    mc_catalogue_free(cat);
}

/* A subset that cannot stand alone is refused, naming why. */
static void test_reform__keep_mask_that_cannot_stand(void **state)
{
    (void)state;
    mc_catalogue *cat = load("role clerk\n"
                             "lifecycle l { state s { initial; on go -> t by clerk }; "
                             "state t { final } }\n"
                             "procedure p { lifecycle l }\n"
                             "reform r { procedure p {\n"
                             "  state s { initial; on go -> u by clerk }\n"
                             "  state u { on go -> t by clerk } } }\n"),
                 *out = (mc_catalogue *)1;
    const mc_reform *r = mc_catalogue_reform(cat, "r");
    bool keep[] = {true, false};
    const bool *k[] = {keep};
    mc_error err;
    assert_int_equal(mc_reform_apply_list(cat, &r, k, 1, &out, &err), MC_ECHECK);
    assert_string_equal(err.msg, "the reformed machine has no state 'u' (state 's' goes there)");
    assert_null(out);
    keep[1] = true;
    assert_int_equal(mc_reform_apply_list(cat, &r, k, 1, &out, &err), 0);
    assert_int_equal(mc_catalogue_procedure(out, "p", june())->machine.nstates, 3);
    mc_catalogue_free(out);
    mc_catalogue_free(cat);
}

/* ==== the changes ========================================================================= */

static const char every[] =
    "calendar c2 { week mon tue wed thu fri sat }\n"
    "role clerk\n"
    "agency commune { title \"Commune\" }\n"
    "document a\n"
    "document b\n"
    "document e\n"
    "registry civil { holds a }\n"
    "lifecycle l { state s { initial; on go -> t by clerk }; state t { final } }\n"
    "procedure p { time-limit 5wd; volume 100 per year; visits 2\n"
    "    field id { type text }\n"
    "    field name { type text }\n"
    "    field married { type bool; sample 50% }\n"
    "    field old { type text }\n"
    "    requires a { effort 1h }\n"
    "    requires b when married { effort 2h }\n"
    "    state s { initial; on go -> t by clerk; on side -> u by clerk }\n"
    "    state t { final }\n"
    "    state u { final } }\n"
    "procedure q { lifecycle l }\n"
    "procedure gone { lifecycle l }\n"
    "reform every {\n"
    "    title \"Everything\"\n"
    "    legal-basis \"Resolution 1/2026\"\n"
    "    legal-basis \"Decree 2/2026\"\n"
    "    registry civil { title \"Civil\"; holds b e; published 2025-01-01; coverage 90% }\n"
    "    procedure p {\n"
    "        title vi \"Thủ tục\"\n"
    "        legal-basis \"Decree 3/2026\"\n"
    "        code \"1.000001\"\n"
    "        agency commune\n"
    "        calendar c2\n"
    "        time-limit 2wd\n"
    "        fee 1000 VND\n"
    "        online full\n"
    "        volume 50 per year\n"
    "        visits 0\n"
    "        subject id\n"
    "        assumed volume\n"
    "        field id { type text }\n"
    "        field married { type bool; sample 80% }\n"
    "        requires e { effort 10min; legal-basis \"Decree 4/2026\" }\n"
    "        requires a { effort 30min }\n"
    "        state s { initial; on go -> t by clerk }\n"
    "        drop requires b\n"
    "        drop field old\n"
    "        drop state u\n"
    "    }\n"
    "    procedure q { lifecycle l; visits 1 }\n"
    "    drop procedure gone\n"
    "}\n";

typedef struct expect_change {
    const char *at; /* LINE:COL */
    const char *target;
    bool registry;
    const char *text;
    const char *basis;
    unsigned affects;
} expect_change;

typedef struct expect_said {
    mc_change_kind kind;
    const char *directive, *element, *value;
} expect_said;

#define R1 "Resolution 1/2026; Decree 2/2026"
#define D3 "Decree 3/2026"
enum { C = MC_CHANGE_COST | MC_CHANGE_SIM, S = MC_CHANGE_SIM };

/* Every kind of line: its exact text, position, legal basis and what it moves. */
static void test_reform__changes_of_every_kind(void **state)
{
    (void)state;
    static const expect_change want[] = {
        {"25:22", "civil", true, "title \"Civil\"", R1, 0},
        {"25:43", "civil", true, "holds b", R1, C},
        {"25:45", "civil", true, "holds e", R1, C},
        {"25:48", "civil", true, "published 2025-01-01", R1, C},
        {"25:70", "civil", true, "coverage 90%", R1, C},
        {"27:9", "p", false, "title vi \"Thủ tục\"", D3, 0},
        {"28:9", "p", false, "legal-basis \"Decree 3/2026\"", D3, 0},
        {"29:9", "p", false, "code \"1.000001\"", D3, 0},
        {"30:9", "p", false, "agency commune", D3, 0},
        {"31:9", "p", false, "calendar c2", D3, S},
        {"32:9", "p", false, "time-limit 2wd", D3, C},
        {"33:9", "p", false, "fee 1000 VND", D3, C},
        {"34:9", "p", false, "online full", D3, C},
        {"35:9", "p", false, "volume 50 per year", D3, C},
        {"36:9", "p", false, "visits 0", D3, C},
        {"37:9", "p", false, "subject id", D3, S},
        {"38:9", "p", false, "assumed volume", D3, C},
        {"39:9", "p", false, "field id", D3, C},
        {"40:9", "p", false, "field married", D3, C},
        {"41:9", "p", false, "requires e", "Decree 4/2026", C},
        {"42:9", "p", false, "requires a", D3, C},
        {"43:9", "p", false, "state s", D3, S},
        {"44:9", "p", false, "drop requires b", D3, C},
        {"45:9", "p", false, "drop field old", D3, C},
        {"46:9", "p", false, "drop state u", D3, S},
        {"48:19", "q", false, "lifecycle l", R1, S},
        {"48:32", "q", false, "visits 1", R1, C},
        {"49:5", "gone", false, "drop procedure gone", R1, C},
    };
    static const expect_said said[] = {
        {MC_CHANGE_REGISTRY_TITLE, "title", NULL, "\"Civil\""},
        {MC_CHANGE_HOLDS, "holds", "b", NULL},
        {MC_CHANGE_HOLDS, "holds", "e", NULL},
        {MC_CHANGE_PUBLISHED, "published", NULL, "2025-01-01"},
        {MC_CHANGE_COVERAGE, "coverage", NULL, "90%"},
        {MC_CHANGE_DIRECTIVE, "title", NULL, "vi \"Thủ tục\""},
        {MC_CHANGE_DIRECTIVE, "legal-basis", NULL, "\"Decree 3/2026\""},
        {MC_CHANGE_DIRECTIVE, "code", NULL, "\"1.000001\""},
        {MC_CHANGE_DIRECTIVE, "agency", NULL, "commune"},
        {MC_CHANGE_DIRECTIVE, "calendar", NULL, "c2"},
        {MC_CHANGE_DIRECTIVE, "time-limit", NULL, "2wd"},
        {MC_CHANGE_DIRECTIVE, "fee", NULL, "1000 VND"},
        {MC_CHANGE_DIRECTIVE, "online", NULL, "full"},
        {MC_CHANGE_DIRECTIVE, "volume", NULL, "50 per year"},
        {MC_CHANGE_DIRECTIVE, "visits", NULL, "0"},
        {MC_CHANGE_DIRECTIVE, "subject", NULL, "id"},
        {MC_CHANGE_DIRECTIVE, "assumed", NULL, "volume"},
        {MC_CHANGE_FIELD, "field", "id", NULL},
        {MC_CHANGE_FIELD, "field", "married", NULL},
        {MC_CHANGE_REQUIRES, "requires", "e", NULL},
        {MC_CHANGE_REQUIRES, "requires", "a", NULL},
        {MC_CHANGE_STATE, "state", "s", NULL},
        {MC_CHANGE_DROP_REQUIRES, "drop", "b", NULL},
        {MC_CHANGE_DROP_FIELD, "drop", "old", NULL},
        {MC_CHANGE_DROP_STATE, "drop", "u", NULL},
        {MC_CHANGE_DIRECTIVE, "lifecycle", NULL, "l"},
        {MC_CHANGE_DIRECTIVE, "visits", NULL, "1"},
        {MC_CHANGE_ABOLISH, "drop", NULL, NULL},
    };
    assert_int_equal(sizeof said / sizeof said[0], sizeof want / sizeof want[0]);
    mc_catalogue *cat = load(every);
    const mc_reform *r = mc_catalogue_reform(cat, "every");
    mc_reform_change *ch;
    size_t n;
    assert_int_equal(mc_reform_changes(r, &ch, &n, NULL), 0);
    assert_int_equal(n, sizeof want / sizeof want[0]);
    assert_int_equal(mc_reform_nchanges(r), n);
    for (size_t i = 0; i < n; i++) {
        uint32_t line, col;
        mc_catalogue_position(cat, ch[i].pos, &line, &col);
        char at[40];
        snprintf(at, sizeof at, "%u:%u", (unsigned)line, (unsigned)col);
        assert_string_equal(at, want[i].at);
        assert_string_equal(ch[i].reform, "every");
        assert_string_equal(ch[i].target, want[i].target);
        assert_int_equal(ch[i].registry, want[i].registry);
        assert_string_equal(ch[i].text, want[i].text);
        assert_string_equal(ch[i].legal_basis, want[i].basis);
        assert_int_equal(ch[i].affects, want[i].affects);
        /* what a front end says it with: kind, directive, element, value */
        assert_int_equal(ch[i].kind, said[i].kind);
        assert_string_equal(ch[i].directive, said[i].directive);
        if (said[i].element == NULL) {
            assert_null(ch[i].element);
        } else {
            assert_string_equal(ch[i].element, said[i].element);
        }
        if (said[i].value == NULL) {
            assert_null(ch[i].value);
        } else {
            assert_string_equal(ch[i].value, said[i].value);
        }
    }
    mc_free(ch);
    mc_strings basis = mc_reform_legal_basis(r);
    assert_int_equal(basis.n, 2);
    assert_string_equal(basis.items[0], "Resolution 1/2026");
    assert_string_equal(basis.items[1], "Decree 2/2026");

    /* applied: what the base says, and the registry's title too */
    mc_catalogue *out;
    assert_int_equal(mc_reform_apply(cat, r, &out, NULL), 0);
    const mc_procedure *p = mc_catalogue_procedure(out, "p", june());
    assert_string_equal(p->subject->name, "id");
    assert_ptr_equal(p->calendar, mc_catalogue_calendar(cat, "c2"));
    assert_string_equal(p->code, "1.000001");
    assert_int_equal(p->machine.nstates, 2);
    const mc_registry *civil = mc_catalogue_registry(out, "civil");
    assert_string_equal(civil->titles[0].text, "Civil");
    assert_int_equal(civil->nholds, 3);
    assert_null(mc_catalogue_procedure(out, "gone", june()));
    mc_catalogue_free(out);

    /* a reform without any legal basis gives none; one with no change lists none */
    mc_catalogue *bare = load("role clerk\nlifecycle l { state s { initial; final } }\n"
                              "procedure p { lifecycle l }\n"
                              "reform r { title \"t\"; procedure p { visits 0 } }\n"
                              "reform empty { title \"nothing\" }\n");
    assert_int_equal(mc_reform_changes(mc_catalogue_reform(bare, "r"), &ch, &n, NULL), 0);
    assert_int_equal(n, 1);
    assert_null(ch[0].legal_basis);
    assert_int_equal(mc_reform_legal_basis(mc_catalogue_reform(bare, "r")).n, 0);
    mc_free(ch);
    assert_int_equal(mc_reform_changes(mc_catalogue_reform(bare, "empty"), &ch, &n, NULL), 0);
    assert_int_equal(n, 0);
    assert_null(ch);
    mc_catalogue_free(bare);

    /* a requirement's condition and a field's type written on the line are its value */
    mc_catalogue *inline_ = load("role clerk\nlifecycle l { state s { initial; final } }\n"
                                 "document a\n"
                                 "procedure p { lifecycle l; field m { type bool } }\n"
                                 "reform r { procedure p { requires a when m } } \n");
    assert_int_equal(mc_reform_changes(mc_catalogue_reform(inline_, "r"), &ch, &n, NULL), 0);
    assert_int_equal(n, 1);
    assert_int_equal(ch[0].kind, MC_CHANGE_REQUIRES);
    assert_string_equal(ch[0].element, "a");
    assert_string_equal(ch[0].value, "when m");
    mc_free(ch);
    mc_catalogue_free(inline_);

    /* a reform's title in Vietnamese beside its default one */
    mc_catalogue *titled = load("reform t { title \"Data first\"; title vi \"Dữ liệu trước\" }\n"
                                "reform v { title vi \"Chỉ tiếng Việt\" }\n"
                                "reform none { }\n");
    const mc_reform *t = mc_catalogue_reform(titled, "t");
    assert_string_equal(mc_reform_title(t), "Data first");
    assert_string_equal(mc_reform_title_in(t, "vi"), "Dữ liệu trước");
    assert_string_equal(mc_reform_title_in(t, "en"), "Data first");
    assert_string_equal(mc_reform_title(mc_catalogue_reform(titled, "v")), "Chỉ tiếng Việt");
    assert_null(mc_reform_title(mc_catalogue_reform(titled, "none")));
    assert_null(mc_reform_title_in(mc_catalogue_reform(titled, "none"), "vi"));
    mc_catalogue_free(titled);
    mc_catalogue_free(cat);
}

/* A line longer than the text's room is cut at a character, with "…". */
static void test_reform__long_line_is_cut(void **state)
{
    (void)state;
    char text[2000];
    char title[400] = "";
    for (int i = 0; i < 32; i++) {
        strcat(title, "Thủ tục "); /* 10 bytes, 8 characters */
    }
    snprintf(text, sizeof text,
             "role clerk\nlifecycle l { state s { initial; final } }\n"
             "procedure p { lifecycle l }\n"
             "reform r { procedure p { title \"%s\" } }\n",
             title);
    mc_catalogue *cat = load(text);
    mc_reform_change *ch;
    size_t n;
    assert_int_equal(mc_reform_changes(mc_catalogue_reform(cat, "r"), &ch, &n, NULL), 0);
    assert_int_equal(n, 1);
    size_t len = strlen(ch[0].text);
    assert_true(len < sizeof ch[0].text);
    assert_true(len > sizeof ch[0].text - 8);
    assert_string_equal(ch[0].text + len - 3, "…");
    assert_memory_equal(ch[0].text, "title \"Thủ tục Thủ tục", 27);
    /* what is before the ellipsis is whole characters: "ủ" (2 bytes) or "ụ" (3) never cut */
    const char *end = ch[0].text + len - 3;
    assert_true(strncmp(end - 1, " ", 1) == 0 || (unsigned char)end[-1] < 0x80 ||
                strncmp(end - 2, "ủ", 2) == 0 || strncmp(end - 3, "ụ", 3) == 0);
    mc_free(ch);
    mc_catalogue_free(cat);
}

/* `effective` in a reform's procedure block was silently ignored: it is refused. The reform's
 * own legal-basis must be a string. */
static void test_reform__refused_lines(void **state)
{
    (void)state;
    tu_expect("role clerk\nlifecycle l { state s { initial; final } }\n"
              "procedure p { lifecycle l }\n"
              "reform r { legal-basis \"Decree 1\"\n"
              "  procedure p { effective 2026-01-01; visits 0 } }\n",
              "t.proc:5:17: error: a reform cannot change when a procedure takes effect: it "
              "patches every version (declare a new version of the procedure instead)\n");
    tu_expect("role clerk\nlifecycle l { state s { initial; final } }\n"
              "procedure p { lifecycle l }\n"
              "reform r { legal-basis Decree }\n",
              "t.proc:4:24: error: a legal basis must be a quoted string\n");
    /* a reform's titles: one per language, a valid tag */
    tu_expect("reform r { title vi \"Một\"; title vi \"Hai\" }\n",
              "t.proc:1:28: error: a second 'vi' title (first at line 1)\n");
    tu_expect("reform r { title VI \"Một\" }\n",
              "t.proc:1:18: error: invalid language tag (two lower-case letters, like vi)\n");
}

/* ==== conflicts =========================================================================== */

static char *conflicts_of(const mc_catalogue *cat, const char *const *names, size_t n)
{
    const mc_reform *r[8];
    for (size_t i = 0; i < n; i++) {
        r[i] = mc_catalogue_reform(cat, names[i]);
        assert_non_null(r[i]);
    }
    char **lines;
    size_t nl;
    assert_int_equal(mc_reform_conflicts(r, n, &lines, &nl, NULL), 0);
    char *out = calloc(1, 4096);
    for (size_t i = 0; i < nl; i++) {
        strcat(out, lines[i]);
        strcat(out, "\n");
    }
    mc_reform_conflicts_free(lines, nl);
    return out;
}

static const char clashes[] =
    "role clerk\n"
    "document a\ndocument b\ndocument x\n"
    "registry civil { holds a }\n"
    "registry pop { }\n"
    "lifecycle l { state s { initial; on go -> t by clerk }; state t { final } }\n"
    "procedure p { time-limit 10wd; visits 3; lifecycle l\n"
    "  field f { type bool }\n"
    "  requires a { effort 1h }\n"
    "  requires x { effort 4h } }\n"
    "procedure q { time-limit 5wd; lifecycle l }\n"
    "reform ra { registry civil { coverage 50%; published 2025-01-01 }\n"
    "  procedure p { title \"P\"; title vi \"Pê\"; time-limit 5wd; requires x { effort 2h }\n"
    "    drop requires a; field f { type bool; sample 5% } }\n"
    "  drop procedure q }\n"
    "reform rb { registry civil { holds b; coverage 80% }\n"
    "  procedure p { title \"P2\"; title vi \"Pê 2\"; time-limit 3wd; drop requires x\n"
    "    drop requires a; requires b; field f { type bool; sample 50% } }\n"
    "  procedure q { time-limit 1wd; visits 0 } }\n"
    "reform rc { registry pop { holds b }\n"
    "  procedure p { requires a { effort 1h }; time-limit 1wd }\n"
    "  drop procedure p }\n";

static void test_reform__conflicts(void **state)
{
    (void)state;
    mc_catalogue *cat = load(clashes);
    const char *abc[] = {"ra", "rb", "rc"};
    char *got = conflicts_of(cat, abc, 3);
    assert_string_equal(
        got,
        "reforms ra and rb both change the coverage of registry civil: rb's applies (the later "
        "one)\n"
        "reforms ra and rb both change the title of p: rb's applies (the later one)\n"
        "reforms ra and rb both change the time-limit of p: rb's applies (the later one)\n"
        "reform rb drops the requirement x of p, which ra changes: it is dropped (the later "
        "one)\n"
        "reforms ra and rb both change the field f of p: rb's applies (the later one)\n"
        "reform rb changes q, which ra abolished: its change is not applied\n"
        "reform rc changes the requirement a of p, which ra drops: rc's applies (the later one)\n"
        "reforms ra and rc both change the time-limit of p: rc's applies (the later one)\n"
        "reform rc abolishes p, which ra changes: the procedure is abolished (the later one)\n"
        "reforms rb and rc put document b in registries civil and pop: pop holds it (the later "
        "one)\n"
        "reform rc changes the requirement a of p, which rb drops: rc's applies (the later one)\n"
        "reforms rb and rc both change the time-limit of p: rc's applies (the later one)\n"
        "reform rc abolishes p, which rb changes: the procedure is abolished (the later one)\n");
    free(got);
    /* one reform, or none: nothing to say */
    got = conflicts_of(cat, abc, 1);
    assert_string_equal(got, "");
    free(got);
    const mc_reform *none = NULL;
    char **lines = (char **)1;
    size_t n = 1;
    assert_int_equal(mc_reform_conflicts(&none, 0, &lines, &n, NULL), 0);
    assert_null(lines);
    assert_int_equal(n, 0);
    mc_reform_conflicts_free(NULL, 0);
    mc_catalogue_free(cat);
}

/* Two reforms staffing one role of one agency (issue 23): a conflict, said once per pair, in
 * English and in Vietnamese; the later one's officers apply. Another role, another agency, the
 * same reform's own lines: none. */
static const char staff_clashes[] =
    "role clerk\nrole head\n"
    "agency a { staff clerk 2 }\nagency b { }\n"
    "reform ra { staff a clerk 4; staff b head 1 }\n"
    "reform rb { staff a clerk 6; staff a head 2; staff b clerk 3 }\n"
    "reform rc { staff a head 1; staff b head 5; staff a clerk 7 }\n";

static void test_reform__conflicts_staff(void **state)
{
    (void)state;
    mc_catalogue *cat = load(staff_clashes);
    const char *abc[] = {"ra", "rb", "rc"};
    char *got = conflicts_of(cat, abc, 3);
    assert_string_equal(got,
                        "reforms ra and rb both set the officers of role clerk at agency a: rb's "
                        "number applies (6, the later one)\n"
                        "reforms ra and rc both set the officers of role head at agency b: rc's "
                        "number applies (5, the later one)\n"
                        "reforms ra and rc both set the officers of role clerk at agency a: rc's "
                        "number applies (7, the later one)\n"
                        "reforms rb and rc both set the officers of role head at agency a: rc's "
                        "number applies (1, the later one)\n"
                        "reforms rb and rc both set the officers of role clerk at agency a: rc's "
                        "number applies (7, the later one)\n");
    free(got);
    const char *ab[] = {"rb", "ra"}; /* the other order: ra's applies */
    got = conflicts_of(cat, ab, 2);
    assert_string_equal(got,
                        "reforms rb and ra both set the officers of role clerk at agency a: ra's "
                        "number applies (4, the later one)\n");
    free(got);

    const mc_reform *r[3];
    for (size_t i = 0; i < 3; i++) {
        r[i] = mc_catalogue_reform(cat, abc[i]);
    }
    mc_reform_conflict *c;
    size_t n;
    assert_int_equal(mc_reform_conflicts_said(r, 2, &c, &n, NULL), 0);
    assert_int_equal(n, 1);
    assert_string_equal(c[0].code, "reform.conflict-both-staff");
    char vi[300];
    assert_true(mc_msg_format(MC_LANG_VI, c[0].code, c[0].args, c[0].nargs, vi, sizeof vi) > 0);
    assert_string_equal(vi, "hai phương án ra và rb cùng bố trí cán bộ vai trò clerk tại cơ quan "
                            "a: áp dụng phương án rb (6 cán bộ, phương án sau)");
    mc_free(c);
    /* what the sentence says happens: the later one's officers */
    mc_catalogue *out;
    assert_int_equal(mc_reform_apply_list(cat, r, NULL, 3, &out, NULL), 0);
    assert_int_equal(mc_catalogue_staff(out, "a", "clerk"), 7);
    assert_int_equal(mc_catalogue_staff(out, "a", "head"), 1);
    assert_int_equal(mc_catalogue_staff(out, "b", "head"), 5);
    assert_int_equal(mc_catalogue_staff(out, "b", "clerk"), 3);
    mc_catalogue_free(out);
    mc_catalogue_free(cat);
}

/* ==== the bundled reforms ================================================================= */

static mc_catalogue *bundled(void)
{
    mc_diags *d;
    assert_int_equal(mc_diags_new(&d), 0);
    const char *paths[] = {"procedures"};
    mc_load_opts o = MC_LOAD_OPTS_INIT;
    o.paths = paths;
    o.npaths = 1;
    mc_catalogue *cat = NULL;
    mc_error err;
    int rc = mc_catalogue_load(&cat, &o, d, &err);
    if (rc != 0) {
        char *text = tu_render(d, false);
        fail_msg("the bundled catalogue: %d %s\n%s", rc, err.msg, text);
    }
    mc_diags_free(d);
    return cat;
}

static char *file_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* Every change of every bundled reform is listed where it is written (the source at its position
 * starts with its text, or for `holds`, with its document); applying all of them through a keep
 * mask is mc_reform_apply; and the three of procedures/reforms stack. */
static void test_reform__bundled_reforms(void **state)
{
    (void)state;
    mc_catalogue *cat = bundled();
    size_t nr;
    const mc_reform *const *rs = mc_catalogue_reforms(cat, &nr);
    assert_true(nr >= 4);
    for (size_t i = 0; i < nr; i++) {
        mc_reform_change *ch;
        size_t n;
        assert_int_equal(mc_reform_changes(rs[i], &ch, &n, NULL), 0);
        assert_true(n > 0);
        for (size_t k = 0; k < n; k++) {
            const char *src = file_text(mc_catalogue_file(cat, ch[k].pos.file)) + ch[k].pos.off;
            const char *text = strncmp(ch[k].text, "holds ", 6) == 0 ? ch[k].text + 6 : ch[k].text;
            size_t word = strcspn(text, " ");
            if (strncmp(src, text, word) != 0) {
                fail_msg("%s: change '%s' is not at its position", mc_reform_name(rs[i]),
                         ch[k].text);
            }
            if (k > 0 && ch[k].pos.file == ch[k - 1].pos.file) {
                assert_true(ch[k].pos.off > ch[k - 1].pos.off); /* in the order written */
            }
        }
        bool *keep = malloc(n);
        memset(keep, 1, n);
        const bool *masks_[] = {keep};
        mc_catalogue *all, *whole;
        assert_int_equal(mc_reform_apply_list(cat, &rs[i], masks_, 1, &all, NULL), 0);
        assert_int_equal(mc_reform_apply(cat, rs[i], &whole, NULL), 0);
        diff d;
        compare(whole, all, &d);
        assert_string_equal(d.text, "");
        compare(all, whole, &d);
        assert_string_equal(d.text, "");
        compare(cat, whole, &d);
        assert_string_not_equal(d.text, "");
        mc_catalogue_free(all);
        mc_catalogue_free(whole);
        free(keep);
        mc_free(ch);
    }
    const mc_reform *civil = mc_catalogue_reform(cat, "civil-data-2026");
    mc_reform_change *ch;
    size_t n;
    assert_int_equal(mc_reform_changes(civil, &ch, &n, NULL), 0);
    static const char *const texts[] = {"holds marriage-certificate", "coverage 95%",
                                        "time-limit 0wd", "drop requires birth-notice",
                                        "requires electronic-birth-notice"};
    assert_int_equal(n, sizeof texts / sizeof texts[0]);
    for (size_t k = 0; k < n; k++) {
        assert_string_equal(ch[k].text, texts[k]);
    }
    mc_free(ch);

    const char *names[] = {"data-simplification-2026", "civil-data-2026", "abolish-extract-copies"};
    char *got = conflicts_of(cat, names, 3);
    assert_string_equal(got, "reforms data-simplification-2026 and civil-data-2026 both change the "
                             "coverage of registry civil-status: civil-data-2026's applies (the "
                             "later one)\n"
                             "reforms data-simplification-2026 and civil-data-2026 both change the "
                             "requirement electronic-birth-notice of birth-registration: "
                             "civil-data-2026's applies (the later one)\n");
    free(got);
    const mc_reform *r[3];
    for (size_t i = 0; i < 3; i++) {
        r[i] = mc_catalogue_reform(cat, names[i]);
    }
    mc_catalogue *out;
    assert_int_equal(mc_reform_apply_list(cat, r, NULL, 3, &out, NULL), 0);
    mc_date d2026 = mc_date_from_ymd(2026, 6, 1);
    const mc_procedure *birth = mc_catalogue_procedure(out, "birth-registration", d2026);
    assert_int_equal(birth->time_limit.amount, 0); /* civil-data's */
    assert_int_equal(birth->visits, 0);            /* data-simplification's */
    assert_int_equal(mc_catalogue_procedure(out, "marriage-registration", d2026)->time_limit.amount,
                     3 * MC_FIXED_ONE);
    assert_null(mc_catalogue_procedure(out, "civil-status-extract-copy", d2026));
    const mc_registry *cs = mc_catalogue_registry(out, "civil-status");
    assert_true(mc_registry_holds(cs, mc_catalogue_document(out, "marriage-certificate")));
    assert_true(mc_registry_holds(cs, mc_catalogue_document(out, "marital-status-certificate")));
    mc_catalogue_free(out);
    mc_catalogue_free(cat);
}

/* ==== out of memory ======================================================================= */

static int stack_attempt(void *ud)
{
    const mc_catalogue *cat = ud;
    const mc_reform *r[2] = {mc_catalogue_reform(cat, "ra"), mc_catalogue_reform(cat, "rb")};
    bool keep0[8], keep1[8];
    memset(keep0, 1, sizeof keep0);
    memset(keep1, 1, sizeof keep1);
    keep1[0] = false; /* civil holds b */
    const bool *keep[2] = {keep0, keep1};
    mc_catalogue *out = NULL;
    mc_error err;
    int rc = mc_reform_apply_list(cat, r, keep, 2, &out, &err);
    if (rc == 0) {
        const mc_procedure *p = mc_catalogue_procedure(out, "p", june());
        assert_int_equal(p->time_limit.amount, 3 * MC_FIXED_ONE);
        assert_int_equal(p->nrequires, 1);
        assert_int_equal(mc_catalogue_registry(out, "civil")->nholds, 1);
    } else {
        assert_null(out);
        assert_string_equal(err.msg, "out of memory");
    }
    mc_catalogue_free(out);
    return rc;
}

static int lists_attempt(void *ud)
{
    const mc_catalogue *cat = ud;
    const mc_reform *r[3] = {mc_catalogue_reform(cat, "ra"), mc_catalogue_reform(cat, "rb"),
                             mc_catalogue_reform(cat, "rc")};
    mc_reform_change *ch = NULL;
    size_t n;
    char **lines = NULL;
    size_t nl = 0;
    int rc = mc_reform_changes(r[1], &ch, &n, NULL);
    if (rc == 0) {
        rc = mc_reform_conflicts(r, 3, &lines, &nl, NULL);
    }
    if (rc == 0) {
        assert_int_equal(n, 11);
        assert_int_equal(nl, 13);
    } else {
        assert_null(lines);
    }
    mc_free(ch);
    mc_reform_conflicts_free(lines, nl);
    return rc;
}

static int load_attempt(void *ud)
{
    mc_diags *d;
    int rc = mc_diags_new(&d);
    if (rc != 0) {
        return rc;
    }
    const char *names[] = {"t.proc"};
    const char *texts[] = {ud};
    size_t lens[] = {strlen(ud)};
    mc_catalogue *cat = NULL;
    rc = mc_catalogue_load_buffers(&cat, names, texts, lens, 1, d, NULL);
    if (rc == 0) {
        assert_int_equal(mc_reform_nchanges(mc_catalogue_reform(cat, "every")), 28);
    }
    mc_catalogue_free(cat);
    mc_diags_free(d);
    return rc;
}

/* Stacking with masks, the change list, the conflicts and loading a reform's changes, under
 * every failing allocation: a clean MC_ENOMEM each time, nothing leaked. */
static void test_reform__out_of_memory(void **state)
{
    (void)state;
    mc_catalogue *cat = load(stack);
    assert_true(tu_oom_sweep(stack_attempt, cat, false) > 10);
    mc_catalogue_free(cat);
    cat = load(clashes);
    assert_true(tu_oom_sweep(lists_attempt, cat, false) > 10);
    mc_catalogue_free(cat);
    assert_true(tu_oom_sweep(load_attempt, (void *)every, false) > 50);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reform__chained_apply_matches_by_name),
        cmocka_unit_test(test_reform__stacked_a_then_b),
        cmocka_unit_test(test_reform__list_of_none_or_one),
        cmocka_unit_test(test_reform__given_twice),
        cmocka_unit_test(test_reform__keep_masks),
        cmocka_unit_test(test_reform__keep_mask_that_cannot_stand),
        cmocka_unit_test(test_reform__changes_of_every_kind),
        cmocka_unit_test(test_reform__long_line_is_cut),
        cmocka_unit_test(test_reform__refused_lines),
        cmocka_unit_test(test_reform__conflicts),
        cmocka_unit_test(test_reform__conflicts_staff),
        cmocka_unit_test(test_reform__bundled_reforms),
        cmocka_unit_test(test_reform__out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
