/*
 * Officers and arrivals (issue 23): the `staff ROLE N` lines and the `arrivals { … }` block of an
 * agency, checked and built (the agency's block itself is decl_basic.c's), what a reform's
 * `staff AGENCY ROLE N` reads, the catalogue's read-only accessors (catalogue.h), and lint's
 * check of them (officers who would sit idle). A catalogue without them behaves as before:
 * officers unlimited, dossiers arriving evenly.
 */
#include "decl_int.h"
#include "motcua/reform.h"

#include <stdio.h>
#include <string.h>

/* ==== staff ROLE N ======================================================================= */

int mcb_staff_parse(mcb_builder *b, const mc_token *role, const mc_token *count, mc_staff *out)
{
    if (role->kind == MC_TOK_WORD && (mc_tok_is(role, "applicant") || mc_tok_is(role, "system"))) {
        return mcb_error(b, role,
                         "'%.*s' is a built-in role, not an agency's officers: staff the roles "
                         "that act on dossiers",
                         (int)role->text_len, role->text);
    }
    const mc_role *r = mcb_resolve(b, role, &b->cat->role_map, "role");
    if (r == NULL) {
        return -1;
    }
    int64_t n;
    if (mcb_integer(b, count, &n) != 0) {
        return -1;
    }
    if (n < 1 || n > MC_STAFF_MAX) {
        return mcb_error(b, count,
                         "the number of officers must be between 1 and %d (leave 'staff' out for "
                         "no limit)",
                         MC_STAFF_MAX);
    }
    out->role = r;
    out->officers = (uint32_t)n;
    out->pos = mcb_pos(b, role);
    return 0;
}

int mcb_staff_handler(mcb_builder *b, const mc_node *n, void *obj)
{
    mcb_agency_build *ab = obj;
    mc_staff s;
    if (mcb_staff_parse(b, &n->toks[1], &n->toks[2], &s) != 0) {
        return -1;
    }
    for (size_t i = 0; i < ab->staff.n; i++) {
        const mc_staff *prev = ab->staff.items[i];
        if (prev->role == s.role) {
            char where[300];
            mcb_where(b, prev->pos, where, sizeof where);
            return mcb_error(b, &n->toks[1], "role '%s' is staffed twice (first at %s)",
                             s.role->name, where);
        }
    }
    mc_staff *keep = mcb_alloc(b, sizeof *keep);
    if (keep == NULL) {
        return -1;
    }
    *keep = s;
    return mcb_push(b, &ab->staff, keep);
}

void mcb_agency_finish(mcb_builder *b, mcb_agency_build *ab)
{
    mc_staff *staff = mcb_array(b, ab->staff.n, sizeof *staff);
    for (size_t i = 0; staff != NULL && i < ab->staff.n; i++) {
        staff[i] = *(const mc_staff *)ab->staff.items[i];
    }
    ab->a->staff = staff;
    ab->a->nstaff = staff != NULL ? ab->staff.n : 0;
    mc_ptrvec_free(&ab->staff);
}

/* ==== arrivals { month M W%; weekday D W% } ============================================== */

static const char *const days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

typedef struct arrivals_build {
    mc_arrivals *a;
    uint32_t month_at[12], day_at[7]; /* offset + 1 of the line that set each, 0: none */
} arrivals_build;

/* `N%`, N a number ≥ 0: a relative weight. */
static int weight(mcb_builder *b, const mc_token *t, mc_fixed *out)
{
    char msg[200];
    if (t->kind != MC_TOK_WORD || t->text_len < 2 || t->text[t->text_len - 1] != '%') {
        return mcb_error(b, t, "a weight is a percentage, like 80%%");
    }
    if (mc_value_number(t->text, t->text_len - 1, out, msg, sizeof msg) != 0) {
        return mcb_error(b, t, "%s", msg);
    }
    if (*out < 0) {
        return mcb_error(b, t, "a weight must not be negative");
    }
    return 0;
}

/* Reports a month or weekday set twice: at is the first line's offset + 1. */
static int twice(mcb_builder *b, const mc_token *t, const char *what, uint32_t at)
{
    char where[300];
    mc_pos first = {b->file, at - 1};
    mcb_where(b, first, where, sizeof where);
    return mcb_error(b, t, "%s given twice (first at %s)", what, where);
}

static int arr_month(mcb_builder *b, const mc_node *n, void *obj)
{
    arrivals_build *ab = obj;
    const mc_token *t = &n->toks[1];
    int m = 0;
    for (size_t i = 0; t->kind == MC_TOK_WORD && i < t->text_len && i < 3; i++) {
        m = t->text[i] >= '0' && t->text[i] <= '9' ? m * 10 + (t->text[i] - '0') : 99;
    }
    if (t->kind != MC_TOK_WORD || t->text_len == 0 || t->text_len > 2 || m < 1 || m > 12) {
        return mcb_error(b, t, "unknown month '%.*s' (1 to 12)",
                         (int)(t->text_len > 20 ? 20 : t->text_len), t->text);
    }
    mc_fixed w;
    if (weight(b, &n->toks[2], &w) != 0) {
        return -1;
    }
    if (ab->month_at[m - 1] != 0) {
        char what[40];
        snprintf(what, sizeof what, "month %d", m);
        return twice(b, &n->toks[0], what, ab->month_at[m - 1]);
    }
    ab->month_at[m - 1] = n->toks[0].off + 1;
    ab->a->month[m - 1] = w;
    return 0;
}

static int arr_weekday(mcb_builder *b, const mc_node *n, void *obj)
{
    arrivals_build *ab = obj;
    const mc_token *t = &n->toks[1];
    int d = -1;
    for (int k = 0; k < 7; k++) {
        if (t->kind == MC_TOK_WORD && mc_tok_is(t, days[k])) {
            d = k;
        }
    }
    if (d < 0) {
        return mcb_error(b, t, "unknown day '%.*s' (mon tue wed thu fri sat sun)",
                         (int)(t->text_len > 20 ? 20 : t->text_len), t->text);
    }
    mc_fixed w;
    if (weight(b, &n->toks[2], &w) != 0) {
        return -1;
    }
    if (ab->day_at[d] != 0) {
        char what[40];
        snprintf(what, sizeof what, "weekday %s", days[d]);
        return twice(b, &n->toks[0], what, ab->day_at[d]);
    }
    ab->day_at[d] = n->toks[0].off + 1;
    ab->a->weekday[d] = w;
    return 0;
}

static const mcb_directive arrivals_table[] = {
    {"month", 2, 2, MCB_NO_BLOCK, false, arr_month, "MONTH WEIGHT%"},
    {"weekday", 2, 2, MCB_NO_BLOCK, false, arr_weekday, "DAY WEIGHT%"},
};

int mcb_arrivals_handler(mcb_builder *b, const mc_node *n, void *obj)
{
    mcb_agency_build *agb = obj;
    mc_arrivals *a = mcb_alloc(b, sizeof *a);
    if (a == NULL) {
        return -1;
    }
    memset(a, 0, sizeof *a);
    for (int i = 0; i < 12; i++) {
        a->month[i] = 100 * MC_FIXED_ONE;
    }
    for (int i = 0; i < 7; i++) {
        a->weekday[i] = 100 * MC_FIXED_ONE;
    }
    a->pos = mcb_pos(b, &n->toks[0]);
    arrivals_build ab;
    memset(&ab, 0, sizeof ab);
    ab.a = a;
    size_t before = mc_diags_errors(b->diags);
    mcb_run(b, n->child, arrivals_table, sizeof arrivals_table / sizeof arrivals_table[0],
            "arrivals directive", &ab);
    mc_fixed months = 0, weekdays = 0;
    for (int i = 0; i < 12; i++) {
        months += a->month[i];
    }
    for (int i = 0; i < 7; i++) {
        weekdays += a->weekday[i];
    }
    if (months == 0 || weekdays == 0) {
        return mcb_error(b, &n->toks[0], "every %s weighs 0%%: no dossier would arrive",
                         months == 0 ? "month" : "weekday");
    }
    if (mc_diags_errors(b->diags) != before) {
        return -1;
    }
    agb->a->arrivals = a;
    return 0;
}

/* ==== accessors ========================================================================== */

uint32_t mc_catalogue_staff(const mc_catalogue *cat, const char *agency, const char *role)
{
    const mc_agency *a = agency ? mc_catalogue_agency(cat, agency) : NULL;
    for (size_t i = 0; a != NULL && role != NULL && i < a->nstaff; i++) {
        if (strcmp(a->staff[i].role->name, role) == 0) {
            return a->staff[i].officers;
        }
    }
    return 0;
}

bool mc_catalogue_staffed(const mc_catalogue *cat)
{
    size_t n;
    const mc_agency *const *agencies = mc_catalogue_agencies(cat, &n);
    for (size_t i = 0; i < n; i++) {
        if (agencies[i]->nstaff > 0) {
            return true;
        }
    }
    return false;
}

const mc_arrivals *mc_catalogue_arrivals(const mc_catalogue *cat, const char *agency)
{
    const mc_agency *a = agency ? mc_catalogue_agency(cat, agency) : NULL;
    return a != NULL ? a->arrivals : NULL;
}

double mc_arrivals_weight(const mc_arrivals *a, mc_date date)
{
    if (a == NULL) {
        return 1.0;
    }
    int y, m, d;
    mc_date_to_ymd(date, &y, &m, &d);
    double hundred = 100.0 * (double)MC_FIXED_ONE;
    return (double)a->month[m - 1] / hundred *
           ((double)a->weekday[mc_date_weekday(date)] / hundred);
}

/* ==== lint: officers who would sit idle, arrivals nobody receives ======================== */

/* Whether a procedure of cat handled by agency (by name) has a transition by role (by name):
 * in its machine, where its lifecycle's states are. *any: whether the agency has a procedure. */
static bool role_acts(const mc_catalogue *cat, const char *agency, const char *role, bool *any)
{
    size_t n;
    const mc_procedure *const *procs = mc_catalogue_procedures(cat, &n);
    *any = false;
    for (size_t i = 0; i < n; i++) {
        const mc_procedure *p = procs[i];
        if (p->agency == NULL || strcmp(p->agency, agency) != 0) {
            continue;
        }
        *any = true;
        for (size_t s = 0; role != NULL && s < p->machine.nstates; s++) {
            const mc_state *st = p->machine.states[s];
            for (size_t t = 0; t < st->non; t++) {
                for (size_t r = 0; r < st->on[t].nroles; r++) {
                    if (strcmp(st->on[t].roles[r]->name, role) == 0) {
                        return true;
                    }
                }
            }
        }
    }
    return false;
}

/* Warns at s (a `staff` line of base's sources) when no procedure of agency in cat has a
 * transition by its role. MC_ENOMEM or 0. */
static int idle(const mc_catalogue *base, const mc_catalogue *cat, const char *agency,
                const mc_staff *s, mc_diags *diags)
{
    bool any;
    if (s->pos.file >= base->nsources || role_acts(cat, agency, s->role->name, &any)) {
        return 0;
    }
    char why[200];
    if (any) {
        snprintf(why, sizeof why, "no procedure of agency '%s' has a transition by role '%s'",
                 agency, s->role->name);
    } else {
        snprintf(why, sizeof why, "agency '%s' handles no procedure", agency);
    }
    return mc_diags_warn(diags, "idle-staff", base->sources[s->pos.file], s->pos.off,
                         strlen(s->role->name), "%s: its %u %s would sit idle", why,
                         (unsigned)s->officers, s->officers == 1 ? "officer" : "officers");
}

int mc_catalogue_check_staffing(const mc_catalogue *cat, mc_diags *diags)
{
    size_t n;
    const mc_agency *const *agencies = mc_catalogue_agencies(cat, &n);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const mc_agency *a = agencies[i];
        for (size_t k = 0; rc == 0 && k < a->nstaff; k++) {
            rc = idle(cat, cat, a->name, &a->staff[k], diags);
        }
        bool any;
        role_acts(cat, a->name, NULL, &any);
        if (rc == 0 && a->arrivals != NULL && !any && a->arrivals->pos.file < cat->nsources) {
            rc = mc_diags_warn(diags, "idle-arrivals", cat->sources[a->arrivals->pos.file],
                               a->arrivals->pos.off, strlen("arrivals"),
                               "agency '%s' handles no procedure: its arrivals pattern shapes no "
                               "dossier",
                               a->name);
        }
    }
    /* a reform's `staff AGENCY ROLE N`, against the catalogue as the reform leaves it (it may
     * give the agency procedures, or take them away) */
    const mc_reform *const *reforms = (const mc_reform *const *)cat->reforms.items;
    for (size_t i = 0; rc == 0 && i < cat->reforms.n; i++) {
        if (reforms[i]->nstaff == 0) {
            continue;
        }
        mc_catalogue *reformed = NULL;
        int ar = mc_reform_apply(cat, reforms[i], &reformed, NULL);
        if (ar == MC_ENOMEM) {
            rc = ar;
        }
        for (size_t k = 0; ar == 0 && rc == 0 && k < reforms[i]->nstaff; k++) {
            const mcc_staff_patch *sp = &reforms[i]->staff[k];
            rc = idle(cat, reformed, sp->agency, &sp->staff, diags);
        }
        mc_catalogue_free(reformed);
    }
    return rc != 0 ? MC_ENOMEM : 0;
}
