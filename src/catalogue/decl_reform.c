/*
 * Reforms (SPEC §4.8): named patches over the catalogue. Here they are built and checked —
 * everything they name must exist — and kept as patches; the cost and simulation modules apply
 * them.
 */
#include "decl_int.h"
#include "decl_procedure.h"

#include "motcua/alloc.h"
#include "base/suggest.h"

#include <stdio.h>
#include <string.h>

typedef struct reform_build {
    mc_reform *r;
    mc_ptrvec registries; /* mcc_registry_patch * */
    mc_ptrvec procedures; /* mcc_procedure_patch * */
    mc_ptrvec drops;      /* const char * */
} reform_build;

static int rf_title(mcb_builder *b, const mc_node *n, void *obj)
{
    reform_build *rb = obj;
    return mcb_string(b, &n->toks[1], "a title", &rb->r->title);
}

static int rf_registry(mcb_builder *b, const mc_node *n, void *obj)
{
    reform_build *rb = obj;
    const mc_registry *target = mcb_resolve(b, &n->toks[1], &b->cat->registry_map, "registry");
    if (target == NULL) {
        return -1;
    }
    mcc_registry_patch *rp = mcb_alloc(b, sizeof *rp);
    if (rp == NULL) {
        return -1;
    }
    rp->target = target;
    rp->patch.name = target->name;
    rp->patch.pos = mcb_pos(b, &n->toks[1]);
    rp->set = mcb_build_registry_block(b, &rp->patch, n);
    return mcb_push(b, &rb->registries, rp);
}

/* Offers every requirement, field or state name of every version to s; true when t is one. */
static bool versions_have(const mcc_versions *v, int what, const mc_token *t, mc_suggest *s)
{
    bool found = false;
    for (size_t i = 0; i < v->n; i++) {
        const mc_procedure *p = v->items[i];
        size_t n = what == 0 ? p->nrequires : what == 1 ? p->nfields : p->machine.nstates;
        for (size_t k = 0; k < n; k++) {
            const char *name = what == 0   ? p->requires[k].document->name
                               : what == 1 ? p->fields[k].name
                                           : p->machine.states[k]->name;
            found |= mc_tok_is(t, name);
            mc_suggest_offer(s, name);
        }
    }
    return found;
}

static void check_drops(mcb_builder *b, const mcc_versions *v, const mc_ptrvec *drops, int what,
                        const char *name)
{
    static const char *const kinds[] = {"requirement", "field", "state"};
    for (size_t i = 0; i < drops->n; i++) {
        const mc_token *t = drops->items[i];
        mc_suggest s;
        mc_suggest_init(&s, t->text, t->text_len);
        if (!versions_have(v, what, t, &s)) {
            mcb_error(b, t, "procedure '%s' has no %s '%.*s' to drop%s%s%s", name, kinds[what],
                      (int)t->text_len, t->text, s.best ? " (did you mean '" : "",
                      s.best ? s.best : "", s.best ? "'?)" : "");
        }
    }
}

static mc_strings names_of(mcb_builder *b, const mc_ptrvec *drops)
{
    mc_strings s = {NULL, 0};
    const char **items = mcb_array(b, drops->n, sizeof *items);
    for (size_t i = 0; items != NULL && i < drops->n; i++) {
        items[i] = mcb_tokdup(b, drops->items[i]);
    }
    s.items = items;
    s.n = items ? drops->n : 0;
    return s;
}

/* Checks a patch's conditions and states against every version it applies to. */
static void check_patch(mcb_builder *b, mcc_procedure_patch *pp, const mcc_versions *v)
{
    mc_procedure *patch = &pp->patch;
    char what[120];
    snprintf(what, sizeof what, "reform of procedure '%s'", pp->name);
    for (size_t i = 0; i < v->n; i++) {
        const mc_procedure *base = v->items[i];
        /* Fields visible to the patch: the patch's own, then the version's. */
        size_t nf = patch->nfields + base->nfields;
        mc_field *fields = mc_calloc(nf ? nf : 1, sizeof *fields);
        mc_state **states = mc_calloc(base->machine.nstates + pp->nstates + 1, sizeof *states);
        if (fields == NULL || states == NULL) {
            mc_free(fields);
            mc_free(states);
            b->fatal = MC_ENOMEM;
            return;
        }
        if (patch->nfields > 0) {
            memcpy(fields, patch->fields, patch->nfields * sizeof *fields);
        }
        if (base->nfields > 0) {
            memcpy(fields + patch->nfields, base->fields, base->nfields * sizeof *fields);
        }
        size_t ns = 0;
        for (size_t k = 0; k < pp->nstates; k++) {
            states[ns++] = (mc_state *)pp->states[k];
        }
        for (size_t k = 0; k < base->machine.nstates; k++) {
            states[ns++] = (mc_state *)base->machine.states[k];
        }
        size_t before = mc_diags_errors(b->diags);
        for (size_t k = 0; k < patch->nrequires; k++) {
            const mc_requirement *r = &patch->requires[k];
            mcb_check_cond(b, &r->when, fields, nf, what);
            if (r->party_name != NULL && mc_party_find(base, r->party_name) < 0) {
                mcb_report_at(b, MC_DIAG_ERROR, r->party_pos, strlen(r->party_name),
                              "unknown party '%s' in procedure '%s'", r->party_name, base->name);
            }
        }
        const mc_fee_schedule *fs = patch->fee_kind == MC_FEE_SCHEDULE ? patch->fee_schedule : NULL;
        for (size_t k = 0; fs != NULL && k < fs->nreliefs; k++) {
            mcb_check_cond(b, &fs->reliefs[k].when, fields, nf, what);
        }
        mcb_resolve_list(b, states, pp->nstates, states, ns);
        for (size_t k = 0; k < pp->nstates; k++) {
            for (size_t t = 0; t < pp->states[k]->non; t++) {
                mcb_check_cond(b, &pp->states[k]->on[t].when, fields, nf, what);
            }
        }
        mc_free(fields);
        mc_free(states);
        if (mc_diags_errors(b->diags) != before) {
            break; /* one report per problem, not one per version */
        }
    }
}

static const mc_token *dropped(const mc_ptrvec *drops, const char *name)
{
    for (size_t i = 0; i < drops->n; i++) {
        if (mc_tok_is(drops->items[i], name)) {
            return drops->items[i];
        }
    }
    return NULL;
}

static bool cond_fits(const mc_cond *c, const mc_field *f)
{
    if (c->kind == MC_COND_IS) {
        if (f->type == MC_FIELD_TEXT) {
            return true;
        }
        for (size_t i = 0; f->type == MC_FIELD_CHOICE && i < f->options.n; i++) {
            if (strcmp(f->options.items[i], c->value) == 0) {
                return true;
            }
        }
        return false;
    }
    return f->type == MC_FIELD_BOOL;
}

/* A condition of the version that the reform keeps must still find its field: not dropped,
 * and not redefined with a type (or options) it cannot test. what says where it stands. */
static void check_kept_cond(mcb_builder *b, const mc_cond *c, const mcb_proc_build *pb,
                            const char *what)
{
    if (c->kind != MC_COND_FIELD && c->kind != MC_COND_NOT && c->kind != MC_COND_IS) {
        return;
    }
    char where[300];
    mcb_where(b, c->pos, where, sizeof where); /* "line N" within the reform's file */
    const mc_token *drop = dropped(&pb->drop_fields, c->field);
    const mc_field *redefined = mc_field_find(pb->p->fields, pb->p->nfields, c->field);
    if (redefined != NULL && !cond_fits(c, redefined)) {
        mcb_report_at(b, MC_DIAG_ERROR, redefined->pos, strlen(redefined->name),
                      "%s at %s tests field '%s', which the reform makes %s%s", what, where,
                      c->field, mc_field_type_name(redefined->type),
                      redefined->type == MC_FIELD_CHOICE && c->kind == MC_COND_IS
                          ? " without that option"
                          : "");
    } else if (redefined == NULL && drop != NULL) {
        mcb_error(b, drop, "field '%s' is still used by %s at %s", c->field, what, where);
    }
}

/* What a reform removes must not leave references behind in any version: a dropped or
 * retyped field still tested or used as the subject, a dropped state still a target. */
static void check_dangling(mcb_builder *b, const mcc_procedure_patch *pp, const mcc_versions *v,
                           const mcb_proc_build *pb)
{
    for (size_t i = 0; i < v->n && !b->fatal; i++) {
        const mc_procedure *base = v->items[i];
        size_t before = mc_diags_errors(b->diags);
        for (size_t k = 0; k < base->nrequires; k++) {
            const mc_requirement *r = &base->requires[k];
            bool replaced = false;
            for (size_t j = 0; j < pp->patch.nrequires; j++) {
                replaced |= pp->patch.requires[j].document == r->document;
            }
            if (!replaced && dropped(&pb->drop_requires, r->document->name) == NULL) {
                char what[200];
                snprintf(what, sizeof what, "'requires %s'", r->document->name);
                check_kept_cond(b, &r->when, pb, what);
            }
        }
        for (size_t k = 0; k < base->machine.nstates; k++) {
            const mc_state *s = base->machine.states[k];
            bool gone = dropped(&pb->drop_states, s->name) != NULL;
            for (size_t j = 0; j < pp->nstates && !gone; j++) {
                gone = strcmp(pp->states[j]->name, s->name) == 0;
            }
            if (gone) {
                continue;
            }
            for (size_t t = 0; t < s->non; t++) {
                char what[200];
                snprintf(what, sizeof what, "the transition '%s' of state '%s'", s->on[t].event,
                         s->name);
                check_kept_cond(b, &s->on[t].when, pb, what);
                const mc_token *drop = dropped(&pb->drop_states, s->on[t].target_name);
                if (drop != NULL) {
                    mcb_error(b, drop, "state '%s' is still the target of %s", s->on[t].target_name,
                              what);
                }
            }
            for (size_t t = 0; t < s->nafter; t++) {
                const mc_token *drop = dropped(&pb->drop_states, s->after[t].target_name);
                if (drop != NULL) {
                    mcb_error(b, drop, "state '%s' is still the target of a timer of state '%s'",
                              s->after[t].target_name, s->name);
                }
            }
        }
        if (base->machine.initial < base->machine.nstates) {
            const mc_token *drop =
                dropped(&pb->drop_states, base->machine.states[base->machine.initial]->name);
            if (drop != NULL) {
                mcb_error(b, drop, "state '%.*s' is the initial state; a reform cannot drop it",
                          (int)drop->text_len, drop->text);
            }
        }
        if (base->subject != NULL && !(pp->set & (UINT64_C(1) << MCC_P_SUBJECT))) {
            const mc_token *drop = dropped(&pb->drop_fields, base->subject->name);
            if (drop != NULL &&
                mc_field_find(pp->patch.fields, pp->patch.nfields, base->subject->name) == NULL) {
                mcb_error(b, drop,
                          "field '%s' is the subject of procedure '%s'; name another "
                          "subject or keep it",
                          base->subject->name, base->name);
            }
        }
        if (mc_diags_errors(b->diags) != before) {
            break; /* one report per problem, not one per version */
        }
    }
}

static int rf_procedure(mcb_builder *b, const mc_node *n, void *obj)
{
    reform_build *rb = obj;
    const mcc_versions *v = mcb_resolve(b, &n->toks[1], &b->cat->version_map, "procedure");
    if (v == NULL) {
        return -1;
    }
    mcc_procedure_patch *pp = mcb_alloc(b, sizeof *pp);
    if (pp == NULL) {
        return -1;
    }
    pp->name = v->items[0]->name;
    pp->pos = mcb_pos(b, &n->toks[1]);
    pp->patch.name = pp->name;
    pp->patch.pos = pp->pos;
    mcb_proc_build pb;
    mcb_proc_build_init(b, &pb, &pp->patch, n);
    pb.patch = true;
    if (!b->fatal) {
        pp->set = mcb_run(b, n->child, mcb_procedure_table, mcb_procedure_table_n,
                          "procedure directive", &pb);
        mcb_proc_build_freeze(b, &pb);
        pp->states = mcb_freeze(b, &pb.states);
        pp->nstates = pb.states.n;
        check_drops(b, v, &pb.drop_requires, 0, pp->name);
        check_drops(b, v, &pb.drop_fields, 1, pp->name);
        check_drops(b, v, &pb.drop_states, 2, pp->name);
        pp->drop_requires = names_of(b, &pb.drop_requires);
        pp->drop_fields = names_of(b, &pb.drop_fields);
        pp->drop_states = names_of(b, &pb.drop_states);
        if (!b->fatal) {
            check_patch(b, pp, v);
            check_dangling(b, pp, v, &pb);
        }
    }
    mcb_proc_build_free(&pb);
    return mcb_push(b, &rb->procedures, pp);
}

static int rf_drop(mcb_builder *b, const mc_node *n, void *obj)
{
    reform_build *rb = obj;
    if (!mc_tok_is(&n->toks[1], "procedure")) {
        return mcb_error(b, &n->toks[1],
                         "a reform drops a whole procedure here (write: drop procedure NAME); "
                         "drop a requirement, field or state inside the procedure's block");
    }
    const mcc_versions *v = mcb_resolve(b, &n->toks[2], &b->cat->version_map, "procedure");
    if (v == NULL) {
        return -1;
    }
    return mcb_push(b, &rb->drops, (void *)v->items[0]->name);
}

static const mcb_directive reform_table[] = {
    {"title", 1, 1, MCB_NO_BLOCK, true, rf_title, "\"text\""},
    {"registry", 1, 1, MCB_NEED_BLOCK, false, rf_registry, "NAME"},
    {"procedure", 1, 1, MCB_NEED_BLOCK, false, rf_procedure, "NAME"},
    {"drop", 2, 2, MCB_NO_BLOCK, false, rf_drop, "procedure NAME"},
};

void mcb_build_reform(mcb_builder *b, mc_reform *r, const mc_node *n)
{
    reform_build rb;
    memset(&rb, 0, sizeof rb);
    rb.r = r;
    mcb_run(b, n->child, reform_table, sizeof reform_table / sizeof reform_table[0],
            "reform directive", &rb);
    mcc_registry_patch *regs = mcb_array(b, rb.registries.n, sizeof *regs);
    mcc_procedure_patch *procs = mcb_array(b, rb.procedures.n, sizeof *procs);
    if (!b->fatal) {
        for (size_t i = 0; i < rb.registries.n; i++) {
            regs[i] = *(mcc_registry_patch *)rb.registries.items[i];
        }
        for (size_t i = 0; i < rb.procedures.n; i++) {
            procs[i] = *(mcc_procedure_patch *)rb.procedures.items[i];
        }
        r->registries = regs;
        r->nregistries = rb.registries.n;
        r->procedures = procs;
        r->nprocedures = rb.procedures.n;
        r->drop_procedures.items = mcb_freeze(b, &rb.drops);
        r->drop_procedures.n = rb.drops.n;
    }
    mc_ptrvec_free(&rb.registries);
    mc_ptrvec_free(&rb.procedures);
    mc_ptrvec_free(&rb.drops);
}
