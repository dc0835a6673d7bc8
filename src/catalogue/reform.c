/* Applying a reform (reform.h). The derived catalogue copies what the reform can change —
 * documents (their registry), registries, procedures and, when states change, their machines —
 * into its own arena, and points at the base for everything else. */
#include "motcua/reform.h"

#include "catalogue_int.h"
#include "motcua/alloc.h"

#include <stdlib.h>
#include <string.h>

typedef struct applier {
    const mc_catalogue *base;
    mc_catalogue *c;
    int rc;
    mc_error *err;
} applier;

static void *alloc(applier *a, size_t n, size_t elem)
{
    if (a->rc != 0) {
        return NULL;
    }
    void *p = mc_arena_alloc(&a->c->arena, (n ? n : 1) * elem);
    if (p == NULL) {
        a->rc = mc_error_set(a->err, MC_ENOMEM, "out of memory");
    }
    return p;
}

static void push(applier *a, mc_ptrvec *v, mc_map *m, const char *name, void *obj)
{
    if (a->rc == 0 && (mc_ptrvec_push(v, obj) != 0 ||
                       (m != NULL && mc_map_put(m, name, strlen(name), obj) != 0))) {
        a->rc = mc_error_set(a->err, MC_ENOMEM, "out of memory");
    }
}

static bool has(uint64_t set, int bit)
{
    return (set >> bit) & 1;
}

static bool dropped(const mc_strings *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++) {
        if (strcmp(s->items[i], name) == 0) {
            return true;
        }
    }
    return false;
}

static const mcc_procedure_patch *patch_of(const mc_reform *r, const char *name)
{
    for (size_t i = 0; i < r->nprocedures; i++) {
        if (strcmp(r->procedures[i].name, name) == 0) {
            return &r->procedures[i];
        }
    }
    return NULL;
}

/* The derived catalogue's copy of a base document. */
static const mc_document *doc(applier *a, const mc_document *d)
{
    return d ? mc_map_get(&a->c->document_map, d->name, strlen(d->name)) : NULL;
}

/* A copy of state s whose transition targets are found by name in states[0..n). */
static mc_state *retarget(applier *a, const mc_state *s, const mc_state *const *states, size_t n)
{
    mc_state *copy = alloc(a, 1, sizeof *copy);
    mc_transition *on = alloc(a, s->non, sizeof *on);
    mc_timer *after = alloc(a, s->nafter, sizeof *after);
    if (a->rc != 0) {
        return NULL;
    }
    *copy = *s;
    if (s->non > 0) {
        memcpy(on, s->on, s->non * sizeof *on);
    }
    if (s->nafter > 0) {
        memcpy(after, s->after, s->nafter * sizeof *after);
    }
    for (size_t i = 0; i < s->non + s->nafter; i++) {
        const char *target = i < s->non ? on[i].target_name : after[i - s->non].target_name;
        uint32_t k = 0;
        while (k < n && strcmp(states[k]->name, target) != 0) {
            k++;
        }
        if (k == n) {
            a->rc = mc_error_set(a->err, MC_ECHECK,
                                 "the reformed machine has no state '%s' (state '%s' goes there)",
                                 target, s->name);
            return NULL;
        }
        if (i < s->non) {
            on[i].target = k;
        } else {
            after[i - s->non].target = k;
        }
    }
    copy->on = on;
    copy->after = after;
    return copy;
}

static void patch_machine(applier *a, mc_procedure *p, const mcc_procedure_patch *pp)
{
    const mc_machine *m = &p->machine;
    const mc_state **states = alloc(a, m->nstates + pp->nstates, sizeof *states);
    if (states == NULL) {
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < m->nstates; i++) {
        if (!dropped(&pp->drop_states, m->states[i]->name)) {
            states[n++] = m->states[i];
        }
    }
    for (size_t i = 0; i < pp->nstates; i++) {
        size_t k = 0;
        while (k < n && strcmp(states[k]->name, pp->states[i]->name) != 0) {
            k++;
        }
        states[k] = pp->states[i];
        n += k == n;
    }
    mc_machine out = {NULL, n, UINT32_MAX};
    const mc_state **copies = alloc(a, n, sizeof *copies);
    for (size_t i = 0; a->rc == 0 && i < n; i++) {
        copies[i] = retarget(a, states[i], states, n);
        if (copies[i] != NULL && copies[i]->initial && out.initial == UINT32_MAX) {
            out.initial = (uint32_t)i;
        }
    }
    if (a->rc == 0 && out.initial == UINT32_MAX) {
        a->rc = mc_error_set(a->err, MC_ECHECK, "the reformed procedure '%s' has no initial state",
                             p->name);
    }
    out.states = copies;
    p->machine = out;
}

/* The scalars the patch sets: identity, calendar, time limit, fee, online level, volume,
 * visits, the assumed figures, the lifecycle. */
static void patch_scalars(mc_procedure *p, const mcc_procedure_patch *pp)
{
    const mc_procedure *q = &pp->patch;
    uint64_t set = pp->set;
    if (has(set, MCC_P_CODE)) {
        p->code = q->code;
    }
    if (has(set, MCC_P_TITLE)) {
        p->titles = q->titles;
        p->ntitles = q->ntitles;
    }
    if (has(set, MCC_P_LEGAL)) {
        p->legal_basis = q->legal_basis;
    }
    if (has(set, MCC_P_AGENCY)) {
        p->agency = q->agency;
        p->agency_pos = q->agency_pos;
    }
    if (has(set, MCC_P_CALENDAR)) {
        p->calendar = q->calendar;
    }
    if (has(set, MCC_P_TIME_LIMIT)) {
        p->has_time_limit = q->has_time_limit;
        p->time_limit = q->time_limit;
    }
    if (has(set, MCC_P_FEE)) {
        p->fee_kind = q->fee_kind;
        p->fee = q->fee;
        p->fee_rule = q->fee_rule;
        p->fee_schedule = q->fee_schedule;
    }
    if (has(set, MCC_P_ONLINE)) {
        p->online = q->online;
    }
    if (has(set, MCC_P_VOLUME)) {
        p->has_volume = q->has_volume;
        p->volume = q->volume;
    }
    if (has(set, MCC_P_VISITS)) {
        p->visits = q->visits;
    }
    if (has(set, MCC_P_ASSUMED)) {
        p->assumed = q->assumed;
    }
    if (has(set, MCC_P_LIFECYCLE) && q->lifecycle != NULL) {
        p->lifecycle = q->lifecycle;
        p->machine = q->lifecycle->machine;
    }
}

/* Fields: the version's, less the dropped, each replaced by the patch's of its name; then the
 * patch's new ones. The subject follows its name. */
static void patch_fields(applier *a, mc_procedure *p, const mcc_procedure_patch *pp)
{
    const mc_procedure *q = &pp->patch;
    mc_field *fields = alloc(a, p->nfields + q->nfields, sizeof *fields);
    size_t nf = 0;
    for (size_t i = 0; fields && i < p->nfields; i++) {
        if (!dropped(&pp->drop_fields, p->fields[i].name)) {
            const mc_field *r = mc_field_find(q->fields, q->nfields, p->fields[i].name);
            fields[nf++] = r ? *r : p->fields[i];
        }
    }
    for (size_t i = 0; fields && i < q->nfields; i++) {
        if (mc_field_find(fields, nf, q->fields[i].name) == NULL) {
            fields[nf++] = q->fields[i];
        }
    }
    const char *subject = has(pp->set, MCC_P_SUBJECT) && q->subject ? q->subject->name
                          : p->subject                              ? p->subject->name
                                                                    : NULL;
    p->fields = fields;
    p->nfields = nf;
    p->subject = subject ? mc_field_find(fields, nf, subject) : NULL;
    /* The applicant's name field likewise, by name (a dropped one leaves none). */
    const char *applicant = has(pp->set, MCC_P_APPLICANT) && q->applicant ? q->applicant->name
                            : p->applicant                                ? p->applicant->name
                                                                          : NULL;
    p->applicant = applicant ? mc_field_find(fields, nf, applicant) : NULL;
    /* The parties keep their fields by name (a dropped field leaves its party without one). */
    mc_party *parties = alloc(a, p->nparties, sizeof *parties);
    for (size_t i = 0; parties && i < p->nparties; i++) {
        parties[i] = p->parties[i];
        parties[i].field = i == 0 ? p->subject
                           : p->parties[i].field
                               ? mc_field_find(fields, nf, p->parties[i].field->name)
                               : NULL;
    }
    if (parties != NULL) {
        p->parties = parties;
    }
}

/* Requirements likewise, by document. */
static void patch_requirements(applier *a, mc_procedure *p, const mcc_procedure_patch *pp)
{
    const mc_procedure *q = &pp->patch;
    mc_requirement *reqs = alloc(a, p->nrequires + q->nrequires, sizeof *reqs);
    size_t nr = 0;
    for (size_t i = 0; reqs && i < p->nrequires; i++) {
        const mc_requirement *r = &p->requires[i];
        if (dropped(&pp->drop_requires, r->document->name)) {
            continue;
        }
        const mc_requirement *by = NULL;
        for (size_t k = 0; k < q->nrequires; k++) {
            if (q->requires[k].document == r->document) {
                by = &q->requires[k];
            }
        }
        reqs[nr++] = by ? *by : *r;
    }
    for (size_t k = 0; reqs && k < q->nrequires; k++) {
        bool seen = false;
        for (size_t i = 0; i < nr; i++) {
            seen |= reqs[i].document == q->requires[k].document;
        }
        if (!seen) {
            reqs[nr++] = q->requires[k];
        }
    }
    for (size_t i = 0; reqs && i < nr; i++) {
        /* a reform's `of PARTY` is checked against every version it patches (decl_reform.c) */
        int k = reqs[i].party_name ? mc_party_find(p, reqs[i].party_name) : 0;
        reqs[i].party = k > 0 ? (uint32_t)k : 0;
    }
    p->requires = reqs;
    p->nrequires = nr;
}

static void patch_procedure(applier *a, mc_procedure *p, const mcc_procedure_patch *pp)
{
    patch_scalars(p, pp);
    patch_fields(a, p, pp);
    patch_requirements(a, p, pp);
    if (pp->nstates > 0 || pp->drop_states.n > 0) {
        patch_machine(a, p, pp);
    }
}

static int by_date(const void *x, const void *y)
{
    const mc_procedure *p = *(mc_procedure *const *)x, *q = *(mc_procedure *const *)y;
    if (p->has_effective != q->has_effective) {
        return p->has_effective ? 1 : -1;
    }
    return p->effective < q->effective ? -1 : p->effective > q->effective;
}

/* ==== the derived catalogue, step by step ================================================= */

/* What a reform never changes — calendars, roles, lifecycles, reforms, cost models — shared as
 * it is. */
static void share_unchanged(applier *a)
{
    const mc_catalogue *base = a->base;
    mc_catalogue *c = a->c;
    memcpy(c->hash, base->hash, sizeof c->hash);
    c->default_calendar = base->default_calendar;
    c->default_cost_model = base->default_cost_model;
    c->nnames = 0;
    const mc_ptrvec *shared[] = {&base->calendars,   &base->roles,         &base->lifecycles,
                                 &base->reforms,     &base->cost_models,   &base->fee_schedules,
                                 &base->agencies};
    mc_ptrvec *mine[] = {&c->calendars,   &c->roles,         &c->lifecycles, &c->reforms,
                         &c->cost_models, &c->fee_schedules, &c->agencies};
    mc_map *maps[] = {&c->calendar_map,   &c->role_map,         &c->lifecycle_map,
                      &c->reform_map,     &c->cost_model_map,   &c->fee_schedule_map,
                      &c->agency_map};
    for (size_t k = 0; k < sizeof maps / sizeof maps[0]; k++) {
        for (size_t i = 0; i < shared[k]->n; i++) {
            push(a, mine[k], maps[k], *(const char **)shared[k]->items[i], shared[k]->items[i]);
        }
    }
}

/* Documents are copied: who holds them changes (copy_registries sets their registry). */
static void copy_documents(applier *a)
{
    for (size_t i = 0; i < a->base->documents.n; i++) {
        mc_document *d = alloc(a, 1, sizeof *d);
        if (d != NULL) {
            *d = *(const mc_document *)a->base->documents.items[i];
            d->registry = NULL;
            push(a, &a->c->documents, &a->c->document_map, d->name, d);
        }
    }
}

/* Registry b as the reform leaves it: holding the copied documents and the patch's more, with
 * the patch's publication date and coverage; NULL when out of memory. */
static mc_registry *copy_registry(applier *a, const mc_registry *b, const mc_reform *reform)
{
    mc_registry *r = alloc(a, 1, sizeof *r);
    const mcc_registry_patch *rp = NULL;
    for (size_t k = 0; k < reform->nregistries; k++) {
        if (reform->registries[k].target == b) {
            rp = &reform->registries[k];
        }
    }
    size_t extra = rp ? rp->patch.nholds : 0;
    const mc_document **holds = alloc(a, b->nholds + extra, sizeof *holds);
    if (r == NULL || holds == NULL) {
        return NULL;
    }
    *r = *b;
    size_t n = 0;
    for (size_t k = 0; k < b->nholds; k++) {
        holds[n++] = doc(a, b->holds[k]);
    }
    for (size_t k = 0; k < extra; k++) {
        const mc_document *d = doc(a, rp->patch.holds[k]);
        bool seen = false;
        for (size_t j = 0; j < n; j++) {
            seen |= holds[j] == d;
        }
        if (!seen) {
            holds[n++] = d;
        }
    }
    r->holds = holds;
    r->nholds = n;
    if (rp != NULL && (rp->set & (1u << MCC_R_PUBLISHED))) {
        r->has_published = rp->patch.has_published;
        r->published = rp->patch.published;
    }
    if (rp != NULL && (rp->set & (1u << MCC_R_COVERAGE))) {
        r->has_coverage = rp->patch.has_coverage;
        r->coverage = rp->patch.coverage;
    }
    return r;
}

/* Registries are copied, patched, and made the registry of the documents they hold. */
static void copy_registries(applier *a, const mc_reform *reform)
{
    for (size_t i = 0; a->rc == 0 && i < a->base->registries.n; i++) {
        mc_registry *r = copy_registry(a, a->base->registries.items[i], reform);
        if (r == NULL) {
            break;
        }
        for (size_t k = 0; k < r->nholds; k++) {
            ((mc_document *)r->holds[k])->registry = r;
        }
        push(a, &a->c->registries, &a->c->registry_map, r->name, r);
    }
}

/* Files version p under its name in the derived catalogue's versions. */
static void add_version(applier *a, mc_procedure *p)
{
    mc_catalogue *c = a->c;
    mcc_versions *v = mc_map_get(&c->version_map, p->name, strlen(p->name));
    if (v == NULL) {
        v = alloc(a, 1, sizeof *v);
        if (v == NULL) {
            return;
        }
        c->nnames++;
        if (mc_map_put(&c->version_map, p->name, strlen(p->name), v) != 0) {
            a->rc = mc_error_set(a->err, MC_ENOMEM, "out of memory");
            return;
        }
    }
    if (mc_arena_grow_array(&c->arena, &v->items, &v->cap, v->n, v->n + 1, sizeof *v->items) != 0) {
        a->rc = mc_error_set(a->err, MC_ENOMEM, "out of memory");
        return;
    }
    v->items[v->n++] = p;
    push(a, &c->procedures, NULL, p->name, p);
}

/* Procedures: every version not dropped, patched; requirements point at the copied documents.
 * Base versions are sorted per name by date; walking them in that order keeps it. */
static void copy_procedures(applier *a, const mc_reform *reform)
{
    for (size_t i = 0; a->rc == 0 && i < a->base->procedures.n; i++) {
        const mc_procedure *b = a->base->procedures.items[i];
        if (dropped(&reform->drop_procedures, b->name)) {
            continue;
        }
        mc_procedure *p = alloc(a, 1, sizeof *p);
        if (p == NULL) {
            break;
        }
        *p = *b;
        const mcc_procedure_patch *pp = patch_of(reform, b->name);
        if (pp != NULL) {
            patch_procedure(a, p, pp);
        }
        mc_requirement *reqs = alloc(a, p->nrequires, sizeof *reqs);
        for (size_t k = 0; reqs && k < p->nrequires; k++) {
            reqs[k] = p->requires[k];
            reqs[k].document = doc(a, p->requires[k].document);
        }
        p->requires = reqs;
        if (a->rc != 0) {
            break;
        }
        add_version(a, p);
    }
}

/* Each name's versions by date, as the catalogue's queries expect. */
static void sort_versions(applier *a)
{
    mc_map *m = &a->c->version_map;
    for (size_t i = 0; a->rc == 0 && i < m->cap; i++) {
        mcc_versions *vs = m->slots[i].value;
        if (m->slots[i].key != NULL) {
            qsort(vs->items, vs->n, sizeof *vs->items, by_date);
        }
    }
}

int mc_reform_apply(const mc_catalogue *base, const mc_reform *reform, mc_catalogue **out,
                    mc_error *err)
{
    *out = NULL;
    mc_catalogue *c = mc_calloc(1, sizeof *c);
    if (c == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    applier a = {base, c, 0, err};
    share_unchanged(&a);
    copy_documents(&a);
    copy_registries(&a, reform);
    copy_procedures(&a, reform);
    sort_versions(&a);
    if (a.rc != 0) {
        mc_catalogue_free(c);
        return a.rc;
    }
    *out = c;
    return 0;
}
