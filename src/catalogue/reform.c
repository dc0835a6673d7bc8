/* Applying a reform (reform.h). The derived catalogue copies what the reform can change —
 * documents (their registry), registries, procedures and, when states change, their machines —
 * into its own arena, and points at the base for everything else. The base may itself be
 * derived (stacked reforms), so everything the reform names is found by name, never by pointer:
 * a derived catalogue's registries and documents are copies. Applying some changes only is
 * applying a reform filtered to them (kept()); the change lists themselves are built with the
 * reform (decl_reform.c). */
#include "motcua/reform.h"

#include "catalogue_int.h"
#include "motcua/alloc.h"

#include <stdarg.h>
#include <stdio.h>
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
    if (has(set, MCC_P_CHANNELS)) {
        memcpy(p->channels, q->channels, sizeof p->channels);
    }
    if (has(set, MCC_P_ASKS_HELD)) {
        p->asks_held = q->asks_held;
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

/* Requirements likewise, by the document's name (the base's documents may be copies). */
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
            if (strcmp(q->requires[k].document->name, r->document->name) == 0) {
                by = &q->requires[k];
            }
        }
        reqs[nr++] = by ? *by : *r;
    }
    for (size_t k = 0; reqs && k < q->nrequires; k++) {
        bool seen = false;
        for (size_t i = 0; i < nr; i++) {
            seen |= strcmp(reqs[i].document->name, q->requires[k].document->name) == 0;
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
    const mc_ptrvec *shared[] = {&base->calendars, &base->roles,       &base->lifecycles,
                                 &base->reforms,   &base->cost_models, &base->fee_schedules,
                                 &base->agencies};
    mc_ptrvec *mine[] = {&c->calendars,   &c->roles,         &c->lifecycles, &c->reforms,
                         &c->cost_models, &c->fee_schedules, &c->agencies};
    mc_map *maps[] = {&c->calendar_map,   &c->role_map,         &c->lifecycle_map, &c->reform_map,
                      &c->cost_model_map, &c->fee_schedule_map, &c->agency_map};
    for (size_t k = 0; k < sizeof maps / sizeof maps[0]; k++) {
        for (size_t i = 0; i < shared[k]->n; i++) {
            push(a, mine[k], maps[k], *(const char **)shared[k]->items[i], shared[k]->items[i]);
        }
    }
}

/* An agency whose staffing the reform changes (`staff AGENCY ROLE N`, issue 23) is copied with
 * its own list of officers: the role's count replaced, or added after the others. The base's
 * agency is left as it is. */
static void copy_staffing(applier *a, const mc_reform *reform)
{
    for (size_t i = 0; a->rc == 0 && i < reform->nstaff; i++) {
        const mcc_staff_patch *sp = &reform->staff[i];
        const mc_agency *old = mc_map_get(&a->c->agency_map, sp->agency, strlen(sp->agency));
        if (old == NULL) {
            continue; /* checked at load: only a derived catalogue could lack it */
        }
        mc_agency *ag = alloc(a, 1, sizeof *ag);
        mc_staff *staff = alloc(a, old->nstaff + 1, sizeof *staff);
        if (a->rc != 0) {
            return;
        }
        *ag = *old;
        size_t n = 0;
        bool replaced = false;
        for (size_t k = 0; k < old->nstaff; k++) {
            staff[n] = old->staff[k];
            if (strcmp(staff[n].role->name, sp->staff.role->name) == 0) {
                staff[n].officers = sp->staff.officers;
                replaced = true;
            }
            n++;
        }
        if (!replaced) {
            staff[n++] = sp->staff;
        }
        ag->staff = staff;
        ag->nstaff = n;
        for (size_t k = 0; k < a->c->agencies.n; k++) {
            if (a->c->agencies.items[k] == old) {
                a->c->agencies.items[k] = ag;
            }
        }
        if (mc_map_put(&a->c->agency_map, ag->name, strlen(ag->name), ag) != 0) {
            a->rc = mc_error_set(a->err, MC_ENOMEM, "out of memory");
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

/* Whether the reform puts the document named name in another registry than the one named reg
 * (a stacked reform moving what an earlier one put elsewhere: a document has one registry). */
static bool moved(const mc_reform *reform, const char *reg, const char *name)
{
    for (size_t k = 0; k < reform->nregistries; k++) {
        const mc_registry *p = &reform->registries[k].patch;
        for (size_t j = 0; strcmp(p->name, reg) != 0 && j < p->nholds; j++) {
            if (strcmp(p->holds[j]->name, name) == 0) {
                return true;
            }
        }
    }
    return false;
}

/* Registry b as the reform leaves it: holding the copied documents and the patch's more, with
 * the patch's title, publication date and coverage; NULL when out of memory. */
static mc_registry *copy_registry(applier *a, const mc_registry *b, const mc_reform *reform)
{
    mc_registry *r = alloc(a, 1, sizeof *r);
    const mcc_registry_patch *rp = NULL;
    for (size_t k = 0; k < reform->nregistries; k++) {
        if (strcmp(reform->registries[k].patch.name, b->name) == 0) {
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
        if (!moved(reform, b->name, b->holds[k]->name)) {
            holds[n++] = doc(a, b->holds[k]);
        }
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
    if (rp != NULL && (rp->set & (1u << MCC_R_TITLE))) {
        r->titles = rp->patch.titles;
        r->ntitles = rp->patch.ntitles;
    }
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

/* ==== some changes only ================================================================== */

static bool kept_name(const mc_reform *r, const bool *keep, uint32_t block, int kind, int directive,
                      int list, const char *name)
{
    for (size_t i = 0; i < r->nchanges; i++) {
        const mcc_change *c = &r->changes[i];
        if (keep[i] && c->block == block && c->kind == kind && c->directive == directive &&
            c->list == list && c->name != NULL && strcmp(c->name, name) == 0) {
            return true;
        }
    }
    return false;
}

static bool kept_line(const mc_reform *r, const bool *keep, uint32_t block, int kind, int directive,
                      size_t item)
{
    for (size_t i = 0; i < r->nchanges; i++) {
        const mcc_change *c = &r->changes[i];
        if (keep[i] && c->block == block && c->kind == kind && c->directive == directive &&
            c->item == item) {
            return true;
        }
    }
    return false;
}

/* The names of s that the changes keep marks (drop lists), in the derived arena. */
static mc_strings kept_strings(applier *a, const mc_reform *r, const bool *keep, uint32_t block,
                               int directive, int list, const mc_strings *s)
{
    mc_strings out = {NULL, 0};
    const char **items = alloc(a, s->n, sizeof *items);
    for (size_t i = 0; items != NULL && i < s->n; i++) {
        if (kept_name(r, keep, block, MCC_C_PROCEDURE, directive, list, s->items[i])) {
            items[out.n++] = s->items[i];
        }
    }
    out.items = items;
    return out;
}

/* A registry block with the changes keep marks. */
static void kept_registry(applier *a, const mc_reform *r, const bool *keep, uint32_t k,
                          mcc_registry_patch *out)
{
    const mcc_registry_patch *rp = &r->registries[k];
    *out = *rp;
    out->set = 0;
    const mc_document **holds = alloc(a, rp->patch.nholds, sizeof *holds);
    mc_text *titles = alloc(a, rp->patch.ntitles, sizeof *titles);
    if (a->rc != 0) {
        return;
    }
    out->patch.nholds = 0;
    for (size_t i = 0; i < rp->patch.nholds; i++) {
        if (kept_name(r, keep, k, MCC_C_REGISTRY, MCC_R_HOLDS, 0, rp->patch.holds[i]->name)) {
            holds[out->patch.nholds++] = rp->patch.holds[i];
        }
    }
    out->patch.holds = holds;
    out->patch.ntitles = 0;
    for (size_t i = 0; i < rp->patch.ntitles; i++) {
        if (kept_line(r, keep, k, MCC_C_REGISTRY, MCC_R_TITLE, i)) {
            titles[out->patch.ntitles++] = rp->patch.titles[i];
        }
    }
    out->patch.titles = titles;
    for (size_t i = 0; i < r->nchanges; i++) {
        const mcc_change *c = &r->changes[i];
        if (keep[i] && c->kind == MCC_C_REGISTRY && c->block == k) {
            out->set |= 1u << c->directive;
        }
    }
    if (out->patch.ntitles == 0) {
        out->set &= ~(1u << MCC_R_TITLE);
    }
}

/* A procedure block with the changes keep marks: its scalars, and the fields, requirements,
 * states, titles and legal bases of the kept lines. */
static void kept_procedure(applier *a, const mc_reform *r, const bool *keep, uint32_t k,
                           mcc_procedure_patch *out)
{
    const mcc_procedure_patch *pp = &r->procedures[k];
    const mc_procedure *q = &pp->patch;
    *out = *pp;
    out->set = 0;
    mc_field *fields = alloc(a, q->nfields, sizeof *fields);
    mc_requirement *reqs = alloc(a, q->nrequires, sizeof *reqs);
    const mc_state **states = alloc(a, pp->nstates, sizeof *states);
    mc_text *titles = alloc(a, q->ntitles, sizeof *titles);
    const char **legal = alloc(a, q->legal_basis.n, sizeof *legal);
    if (a->rc != 0) {
        return;
    }
    mc_procedure *o = &out->patch;
    o->nfields = o->nrequires = out->nstates = o->ntitles = o->legal_basis.n = 0;
    for (size_t i = 0; i < q->nfields; i++) {
        if (kept_name(r, keep, k, MCC_C_PROCEDURE, MCC_P_FIELD, 0, q->fields[i].name)) {
            fields[o->nfields++] = q->fields[i];
        }
    }
    for (size_t i = 0; i < q->nrequires; i++) {
        if (kept_name(r, keep, k, MCC_C_PROCEDURE, MCC_P_REQUIRES, 0,
                      q->requires[i].document->name)) {
            reqs[o->nrequires++] = q->requires[i];
        }
    }
    for (size_t i = 0; i < pp->nstates; i++) {
        if (kept_name(r, keep, k, MCC_C_PROCEDURE, MCC_P_STATE, 0, pp->states[i]->name)) {
            states[out->nstates++] = pp->states[i];
        }
    }
    for (size_t i = 0; i < q->ntitles; i++) {
        if (kept_line(r, keep, k, MCC_C_PROCEDURE, MCC_P_TITLE, i)) {
            titles[o->ntitles++] = q->titles[i];
        }
    }
    for (size_t i = 0; i < q->legal_basis.n; i++) {
        if (kept_line(r, keep, k, MCC_C_PROCEDURE, MCC_P_LEGAL, i)) {
            legal[o->legal_basis.n++] = q->legal_basis.items[i];
        }
    }
    o->fields = fields;
    o->requires = reqs;
    out->states = states;
    o->titles = titles;
    o->legal_basis.items = legal;
    out->drop_requires = kept_strings(a, r, keep, k, MCC_P_DROP, 0, &pp->drop_requires);
    out->drop_fields = kept_strings(a, r, keep, k, MCC_P_DROP, 1, &pp->drop_fields);
    out->drop_states = kept_strings(a, r, keep, k, MCC_P_DROP, 2, &pp->drop_states);
    for (size_t i = 0; i < r->nchanges; i++) {
        const mcc_change *c = &r->changes[i];
        if (keep[i] && c->kind == MCC_C_PROCEDURE && c->block == k) {
            out->set |= UINT64_C(1) << c->directive;
        }
    }
    if (o->ntitles == 0) {
        out->set &= ~(UINT64_C(1) << MCC_P_TITLE);
    }
    if (o->legal_basis.n == 0) {
        out->set &= ~(UINT64_C(1) << MCC_P_LEGAL);
    }
}

/* The reform r with only the changes keep marks (one per change), in the derived catalogue's
 * arena: applied, it does what those changes do. */
static const mc_reform *kept(applier *a, const mc_reform *r, const bool *keep)
{
    mc_reform *f = alloc(a, 1, sizeof *f);
    mcc_registry_patch *regs = alloc(a, r->nregistries, sizeof *regs);
    mcc_procedure_patch *procs = alloc(a, r->nprocedures, sizeof *procs);
    const char **drops = alloc(a, r->drop_procedures.n, sizeof *drops);
    if (a->rc != 0) {
        return NULL;
    }
    *f = *r;
    for (uint32_t k = 0; a->rc == 0 && k < r->nregistries; k++) {
        kept_registry(a, r, keep, k, &regs[k]);
    }
    for (uint32_t k = 0; a->rc == 0 && k < r->nprocedures; k++) {
        kept_procedure(a, r, keep, k, &procs[k]);
    }
    f->registries = regs;
    f->procedures = procs;
    f->drop_procedures.n = 0;
    for (size_t i = 0; i < r->drop_procedures.n; i++) {
        const char *name = r->drop_procedures.items[i];
        for (size_t c = 0; c < r->nchanges; c++) {
            if (keep[c] && r->changes[c].kind == MCC_C_DROP_PROCEDURE &&
                strcmp(r->changes[c].name, name) == 0) {
                drops[f->drop_procedures.n++] = name;
                break;
            }
        }
    }
    f->drop_procedures.items = drops;
    mcc_staff_patch *staff = alloc(a, r->nstaff, sizeof *staff);
    f->nstaff = 0;
    for (size_t c = 0; staff != NULL && c < r->nchanges; c++) {
        if (keep[c] && r->changes[c].kind == MCC_C_STAFF) {
            staff[f->nstaff++] = r->staff[r->changes[c].block];
        }
    }
    f->staff = staff;
    return a->rc == 0 ? f : NULL;
}

/* ==== applying ============================================================================ */

/* Applies reform to base, only the changes keep marks (NULL: all of them). */
static int apply(const mc_catalogue *base, const mc_reform *reform, const bool *keep,
                 mc_catalogue **out, mc_error *err)
{
    *out = NULL;
    mc_catalogue *c = mc_calloc(1, sizeof *c);
    if (c == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    applier a = {base, c, 0, err};
    if (keep != NULL) {
        reform = kept(&a, reform, keep);
    }
    share_unchanged(&a);
    copy_staffing(&a, reform);
    copy_documents(&a);
    if (a.rc == 0) {
        copy_registries(&a, reform);
        copy_procedures(&a, reform);
    }
    sort_versions(&a);
    if (a.rc != 0) {
        mc_catalogue_free(c);
        return a.rc;
    }
    *out = c;
    return 0;
}

int mc_reform_apply(const mc_catalogue *base, const mc_reform *reform, mc_catalogue **out,
                    mc_error *err)
{
    return apply(base, reform, NULL, out, err);
}

/* MC_EUSAGE when one of r[0..n) is NULL or given twice. */
static int check_list(const mc_reform *const *r, size_t n, mc_error *err)
{
    for (size_t i = 0; i < n; i++) {
        if (r[i] == NULL) {
            return mc_error_set(err, MC_EUSAGE, "reform %zu of %zu is missing", i + 1, n);
        }
        for (size_t k = 0; k < i; k++) {
            if (r[k] == r[i] || strcmp(r[k]->name, r[i]->name) == 0) {
                return mc_error_set(err, MC_EUSAGE, "reform '%s' is given twice", r[i]->name);
            }
        }
    }
    return 0;
}

int mc_reform_apply_list(const mc_catalogue *base, const mc_reform *const *reforms,
                         const bool *const *keep, size_t n, mc_catalogue **out, mc_error *err)
{
    *out = NULL;
    int rc = check_list(reforms, n, err);
    if (rc != 0) {
        return rc;
    }
    static const mc_reform nothing; /* n = 0: a plain copy */
    if (n == 0) {
        return apply(base, &nothing, NULL, out, err);
    }
    mc_catalogue *cur = NULL;
    for (size_t i = 0; i < n; i++) {
        mc_catalogue *next;
        rc = apply(cur ? cur : base, reforms[i], keep ? keep[i] : NULL, &next, err);
        if (rc != 0) {
            mc_catalogue_free(cur);
            return rc;
        }
        next->owned_base = cur;
        cur = next;
    }
    *out = cur;
    return 0;
}

/* ==== the changes ========================================================================= */

mc_strings mc_reform_legal_basis(const mc_reform *r)
{
    return r->legal_basis;
}

size_t mc_reform_nchanges(const mc_reform *r)
{
    return r->nchanges;
}

int mc_reform_changes(const mc_reform *r, mc_reform_change **out, size_t *n, mc_error *err)
{
    *out = NULL;
    *n = 0;
    if (r->nchanges == 0) {
        return 0;
    }
    mc_reform_change *list = mc_malloc(r->nchanges * sizeof *list);
    if (list == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < r->nchanges; i++) {
        list[i] = r->changes[i].pub;
    }
    *out = list;
    *n = r->nchanges;
    return 0;
}

/* ==== conflicts =========================================================================== */

typedef struct said {
    mc_reform_conflict *items;
    size_t n, cap;
    mc_error *err;
} said;

/* Appends one conflict: message code and its nargs arguments. */
static int say(said *s, const char *code, size_t nargs, ...)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 8;
        mc_reform_conflict *items = mc_realloc(s->items, cap * sizeof *items);
        if (items == NULL) {
            return mc_error_set(s->err, MC_ENOMEM, "out of memory");
        }
        s->items = items;
        s->cap = cap;
    }
    mc_reform_conflict *c = &s->items[s->n++];
    memset(c, 0, sizeof *c);
    c->code = code;
    va_list ap;
    va_start(ap, nargs);
    c->nargs = mc_msg_vargs(c->args, nargs, ap);
    va_end(ap);
    return 0;
}

/* The requirement (0), field (1) or state (2) a procedure change replaces, adds or drops; -1
 * for a scalar directive or a change of another kind. */
static int element(const mcc_change *c)
{
    if (c->kind != MCC_C_PROCEDURE) {
        return -1;
    }
    switch (c->directive) {
    case MCC_P_REQUIRES:
        return 0;
    case MCC_P_FIELD:
        return 1;
    case MCC_P_STATE:
        return 2;
    case MCC_P_DROP:
        return c->list;
    default:
        return -1;
    }
}

static bool is_drop(const mcc_change *c)
{
    return c->kind == MCC_C_PROCEDURE && c->directive == MCC_P_DROP;
}

/* Whether x and y change the same thing: the same directive of one procedure or registry, or
 * the same requirement, field or state of one procedure (replaced, added or dropped). Holds and
 * abolitions are compared apart. */
static bool same_thing(const mcc_change *x, const mcc_change *y)
{
    if (x->kind != y->kind || x->kind == MCC_C_DROP_PROCEDURE || x->kind == MCC_C_STAFF ||
        strcmp(x->pub.target, y->pub.target) != 0) {
        return false;
    }
    if (x->kind == MCC_C_REGISTRY) {
        return x->directive == y->directive && x->directive != MCC_R_HOLDS;
    }
    int ex = element(x), ey = element(y);
    if (ex >= 0 || ey >= 0) {
        return ex == ey && strcmp(x->name, y->name) == 0;
    }
    return x->directive == y->directive;
}

static bool holds_doc(const mcc_change *c)
{
    return c->kind == MCC_C_REGISTRY && c->directive == MCC_R_HOLDS;
}

/* The sentence, if any, for change m of later (with every earlier change of later seen already)
 * against earlier. */
static int conflict(said *s, const mc_reform *earlier, const mc_reform *later, size_t m)
{
    /* one code per kind of element: a sentence is never assembled from translated words */
    static const char *const both[] = {"reform.conflict-both-requirement",
                                       "reform.conflict-both-field", "reform.conflict-both-state"};
    static const char *const drops[] = {"reform.conflict-drops-requirement",
                                        "reform.conflict-drops-field",
                                        "reform.conflict-drops-state"};
    static const char *const changes_dropped[] = {"reform.conflict-revives-requirement",
                                                  "reform.conflict-revives-field",
                                                  "reform.conflict-revives-state"};
    const mcc_change *y = &later->changes[m];
    const char *a = earlier->name, *b = later->name;
    /* a procedure abolished before, changed after (said once per procedure) */
    if (y->kind == MCC_C_PROCEDURE && dropped(&earlier->drop_procedures, y->pub.target)) {
        for (size_t k = 0; k < m; k++) {
            if (later->changes[k].kind == MCC_C_PROCEDURE &&
                strcmp(later->changes[k].pub.target, y->pub.target) == 0) {
                return 0;
            }
        }
        return say(s, "reform.conflict-changes-abolished", 3, b, y->pub.target, a);
    }
    /* a procedure changed before, abolished after */
    if (y->kind == MCC_C_DROP_PROCEDURE) {
        for (size_t k = 0; k < earlier->nchanges; k++) {
            const mcc_change *x = &earlier->changes[k];
            if (x->kind == MCC_C_PROCEDURE && strcmp(x->pub.target, y->name) == 0) {
                return say(s, "reform.conflict-abolishes-changed", 3, b, y->name, a);
            }
        }
        return 0;
    }
    /* one role of one agency staffed by both (issue 23) */
    if (y->kind == MCC_C_STAFF) {
        for (size_t k = 0; k < earlier->nchanges; k++) {
            const mcc_change *x = &earlier->changes[k];
            if (x->kind == MCC_C_STAFF && strcmp(x->pub.target, y->pub.target) == 0 &&
                strcmp(x->name, y->name) == 0) {
                return say(s, "reform.conflict-both-staff", 5, a, b, y->name, y->pub.target,
                           y->pub.value);
            }
        }
        return 0;
    }
    /* a document put in two registries */
    if (holds_doc(y)) {
        for (size_t k = 0; k < earlier->nchanges; k++) {
            const mcc_change *x = &earlier->changes[k];
            if (holds_doc(x) && strcmp(x->name, y->name) == 0 &&
                strcmp(x->pub.target, y->pub.target) != 0) {
                return say(s, "reform.conflict-two-registries", 5, a, b, y->name, x->pub.target,
                           y->pub.target);
            }
        }
        return 0;
    }
    for (size_t k = 0; k < m; k++) {
        if (same_thing(&later->changes[k], y)) {
            return 0; /* said at the first line of the same directive */
        }
    }
    for (size_t k = 0; k < earlier->nchanges; k++) {
        const mcc_change *x = &earlier->changes[k];
        if (!same_thing(x, y)) {
            continue;
        }
        int e = element(y);
        if (e < 0) {
            return say(s,
                       y->kind == MCC_C_REGISTRY ? "reform.conflict-both-registry"
                                                 : "reform.conflict-both",
                       4, a, b, y->what, y->pub.target);
        }
        bool dx = is_drop(x), dy = is_drop(y);
        if (dx && dy) {
            return 0; /* the same drop twice */
        }
        if (dy) {
            return say(s, drops[e], 4, b, y->name, y->pub.target, a);
        }
        if (dx) {
            return say(s, changes_dropped[e], 4, b, y->name, y->pub.target, a);
        }
        return say(s, both[e], 4, a, b, y->name, y->pub.target);
    }
    return 0;
}

int mc_reform_conflicts_said(const mc_reform *const *r, size_t n, mc_reform_conflict **out,
                             size_t *nout, mc_error *err)
{
    *out = NULL;
    *nout = 0;
    int rc = check_list(r, n, err);
    said s = {NULL, 0, 0, err};
    for (size_t j = 1; rc == 0 && j < n; j++) {
        for (size_t i = 0; rc == 0 && i < j; i++) {
            for (size_t m = 0; rc == 0 && m < r[j]->nchanges; m++) {
                rc = conflict(&s, r[i], r[j], m);
            }
        }
    }
    if (rc != 0) {
        mc_free(s.items);
        return rc;
    }
    *out = s.items;
    *nout = s.n;
    return 0;
}

int mc_reform_conflicts(const mc_reform *const *r, size_t n, char ***lines, size_t *nlines,
                        mc_error *err)
{
    *lines = NULL;
    *nlines = 0;
    mc_reform_conflict *c;
    size_t nc;
    int rc = mc_reform_conflicts_said(r, n, &c, &nc, err);
    char **out = rc == 0 && nc > 0 ? mc_calloc(nc, sizeof *out) : NULL;
    if (rc == 0 && nc > 0 && out == NULL) {
        rc = mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    for (size_t i = 0; rc == 0 && i < nc; i++) {
        int len = mc_msg_format(MC_LANG_EN, c[i].code, c[i].args, c[i].nargs, NULL, 0);
        out[i] = len >= 0 ? mc_malloc((size_t)len + 1) : NULL;
        if (out[i] == NULL) {
            rc = mc_error_set(err, MC_ENOMEM, "out of memory");
            break;
        }
        mc_msg_format(MC_LANG_EN, c[i].code, c[i].args, c[i].nargs, out[i], (size_t)len + 1);
    }
    mc_free(c);
    if (rc != 0) {
        mc_reform_conflicts_free(out, nc);
        return rc;
    }
    *lines = out;
    *nlines = nc;
    return 0;
}

void mc_reform_conflicts_free(char **lines, size_t n)
{
    for (size_t i = 0; lines != NULL && i < n; i++) {
        mc_free(lines[i]);
    }
    mc_free(lines);
}
