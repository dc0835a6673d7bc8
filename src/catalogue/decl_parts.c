/*
 * Interconnected procedures (issue 25): the `part NAME { procedure PROC; after PART… }` blocks of
 * a procedure, built into its parts, and lint's checks of them once every procedure is built —
 * the part's procedure exists and is not interconnected itself, the dossier's initial state
 * answers the engine's `parts-done` and `parts-failed`, the applicant files once (every field a
 * part requires is the interconnected procedure's), and the once-only rule between the parts
 * (the dossier never asks for a document a part issues; a part's document that the dossier does
 * not ask for is issued by an earlier part or held by a registry).
 */
#include "decl_int.h"
#include "decl_procedure.h"
#include "base/suggest.h"

#include <stdio.h>
#include <string.h>

typedef struct part_decl {
    mcb_titled t; /* first: mcb_title_handler works on it */
    mc_part part;
    const mc_token *name, *procedure;
    mc_ptrvec after; /* const mc_token * (the names, resolved at freeze) */
} part_decl;

static int pt_procedure(mcb_builder *b, const mc_node *n, void *obj)
{
    part_decl *pd = obj;
    const char *name;
    if (mcb_name(b, &n->toks[1], &name) != 0) {
        return -1;
    }
    pd->procedure = &n->toks[1];
    pd->part.procedure = name;
    pd->part.procedure_pos = mcb_pos(b, &n->toks[1]);
    return 0;
}

static int pt_after(mcb_builder *b, const mc_node *n, void *obj)
{
    part_decl *pd = obj;
    for (size_t i = 1; i < n->ntoks; i++) {
        const char *name;
        if (mcb_name(b, &n->toks[i], &name) != 0 || mcb_push(b, &pd->after, (void *)&n->toks[i])) {
            return -1;
        }
    }
    return 0;
}

static int pt_when(mcb_builder *b, const mc_node *n, void *obj)
{
    part_decl *pd = obj;
    size_t i = 1;
    if (mcb_cond(b, n, &i, &pd->part.when) != 0) {
        return -1;
    }
    if (pd->part.when.kind == MC_COND_DOCUMENTS_COMPLETE) {
        return mcb_error(b, &n->toks[1],
                         "a part is needed on the dossier's fields, not on whether its documents "
                         "are complete");
    }
    if (i < n->ntoks) {
        return mcb_error(b, &n->toks[i], "unexpected '%.*s' after the condition",
                         (int)(n->toks[i].text_len > 40 ? 40 : n->toks[i].text_len),
                         n->toks[i].text);
    }
    return 0;
}

static const mcb_directive part_table[] = {
    {"procedure", 1, 1, MCB_NO_BLOCK, true, pt_procedure, "PROCEDURE"},
    {"after", 1, MCB_ANY, MCB_NO_BLOCK, true, pt_after, "PART…"},
    {"when", 1, MCB_ANY, MCB_NO_BLOCK, true, pt_when, "COND"},
    {"title", 1, 2, MCB_NO_BLOCK, false, mcb_title_handler, "[LANG] \"text\""},
};

int mcb_part_handler(mcb_builder *b, const mc_node *n, void *obj)
{
    mcb_proc_build *pb = obj;
    if (pb->patch) {
        return mcb_error(b, &n->toks[0],
                         "a reform cannot change the parts of an interconnected procedure "
                         "(declare them in the procedure)");
    }
    part_decl *pd = mcb_alloc(b, sizeof *pd);
    if (pd == NULL || mcb_name(b, &n->toks[1], &pd->part.name) != 0) {
        return -1;
    }
    pd->name = &n->toks[1];
    pd->part.pos = mcb_pos(b, &n->toks[1]);
    if (!mcb_prepare_titles(b, &pd->t, n->child)) {
        return -1;
    }
    mcb_run(b, n->child, part_table, sizeof part_table / sizeof part_table[0], "part directive",
            pd);
    pd->part.titles = pd->t.titles;
    pd->part.ntitles = pd->t.n;
    if (pd->procedure == NULL) {
        mc_ptrvec_free(&pd->after);
        return mcb_error(b, &n->toks[1],
                         "part '%s' needs 'procedure PROCEDURE' (the procedure its agency runs)",
                         pd->part.name);
    }
    return mcb_push(b, &pb->parts, pd);
}

/* The index of the part named t among parts[0..n), or -1. */
static int part_index(const mc_part *parts, size_t n, const mc_token *t)
{
    for (size_t i = 0; i < n; i++) {
        if (mc_tok_is(t, parts[i].name)) {
            return (int)i;
        }
    }
    return -1;
}

void mcb_parts_freeze(mcb_builder *b, mcb_proc_build *pb)
{
    mc_procedure *p = pb->p;
    size_t n = pb->parts.n;
    if (n == 0) {
        return;
    }
    mc_part *parts = mcb_array(b, n, sizeof *parts);
    if (parts == NULL) {
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        part_decl *pd = pb->parts.items[i];
        parts[i] = pd->part;
        int twin = part_index(parts, i, pd->name);
        if (twin >= 0) {
            char where[300];
            mcb_where(b, parts[twin].pos, where, sizeof where);
            mcb_error(b, pd->name, "duplicate part '%s' (first declared at %s)", parts[i].name,
                      where);
            continue;
        }
        if (i == MC_MAX_PARTS) {
            mcb_error(b, pd->name, "procedure '%s' declares more than %d parts", p->name,
                      MC_MAX_PARTS);
        }
        uint32_t *after = mcb_array(b, pd->after.n, sizeof *after);
        size_t nafter = 0;
        for (size_t k = 0; after != NULL && k < pd->after.n; k++) {
            const mc_token *t = pd->after.items[k];
            int j = part_index(parts, i, t);
            if (j < 0) {
                bool later = mc_tok_is(t, parts[i].name);
                for (size_t m = i + 1; m < n && !later; m++) {
                    later = mc_tok_is(t, ((part_decl *)pb->parts.items[m])->part.name);
                }
                if (later) {
                    mcb_error(b, t,
                              "part '%s' comes after '%.*s', which is not declared before it: "
                              "declare the parts in the order they start",
                              parts[i].name, (int)t->text_len, t->text);
                    continue;
                }
                mc_suggest s;
                mc_suggest_init(&s, t->text, t->text_len);
                for (size_t m = 0; m < i; m++) {
                    mc_suggest_offer(&s, parts[m].name);
                }
                mcb_error(b, t, "unknown part '%.*s'%s%s%s", (int)t->text_len, t->text,
                          s.best ? " (did you mean '" : "", s.best ? s.best : "",
                          s.best ? "'?)" : "");
                continue;
            }
            bool dup = false;
            for (size_t m = 0; m < nafter && !dup; m++) {
                dup = after[m] == (uint32_t)j;
            }
            if (dup) {
                mcb_error(b, t, "part '%s' names '%s' twice after 'after'", parts[i].name,
                          parts[j].name);
                continue;
            }
            after[nafter++] = (uint32_t)j;
        }
        parts[i].after = after;
        parts[i].nafter = nafter;
    }
    p->parts = parts;
    p->nparts = n;
done:
    for (size_t i = 0; i < n; i++) {
        mc_ptrvec_free(&((part_decl *)pb->parts.items[i])->after);
    }
}

/* ==== checks, once every procedure is built ============================================== */

/* Bit k of the result: part k comes, directly or through others, before part i. */
static uint32_t ancestors(const mc_procedure *p, size_t i)
{
    uint32_t set = 0;
    const mc_part *x = &p->parts[i];
    for (size_t k = 0; k < x->nafter; k++) {
        set |= 1u << x->after[k];
        set |= ancestors(p, x->after[k]);
    }
    return set;
}

/* Whether some state of some version of procedure name issues doc. */
static bool issues_doc(const mc_catalogue *cat, const char *name, const mc_document *doc)
{
    size_t nv;
    const mc_procedure *const *v = mc_catalogue_versions(cat, name, &nv);
    for (size_t i = 0; i < nv; i++) {
        const mc_machine *m = &v[i]->machine;
        for (size_t s = 0; s < m->nstates; s++) {
            const mc_state *st = m->states[s];
            for (size_t k = 0; k < st->nissues; k++) {
                if (st->issues[k].document == doc) {
                    return true;
                }
            }
        }
    }
    return false;
}

static bool held_somewhere(const mc_catalogue *cat, const mc_document *doc)
{
    size_t n;
    const mc_registry *const *regs = mc_catalogue_registries(cat, &n);
    for (size_t i = 0; i < n; i++) {
        if (mc_registry_holds(regs[i], doc)) {
            return true;
        }
    }
    return false;
}

static bool requires_doc(const mc_procedure *p, const mc_document *doc)
{
    for (size_t i = 0; i < p->nrequires; i++) {
        if (p->requires[i].document == doc) {
            return true;
        }
    }
    return false;
}

/* The parent's initial state must answer the events the engine fires when the parts end. */
static void check_waiting_state(mcb_builder *b, const mc_procedure *p)
{
    if (p->machine.nstates > 0 && p->machine.initial >= p->machine.nstates) {
        return; /* no initial state: reported with the machine */
    }
    if (p->machine.nstates == 0) {
        mcb_report_at(b, MC_DIAG_ERROR, p->pos, strlen(p->name),
                      "interconnected procedure '%s' needs states (a lifecycle, such as "
                      "'interconnected'): its dossier waits in its initial state while the parts "
                      "run",
                      p->name);
        return;
    }
    const mc_state *s = p->machine.states[p->machine.initial];
    static const char *const events[] = {MC_EVENT_PARTS_DONE, MC_EVENT_PARTS_FAILED};
    for (size_t e = 0; e < 2; e++) {
        bool found = false;
        for (size_t k = 0; k < s->non && !found; k++) {
            found = strcmp(s->on[k].event, events[e]) == 0;
        }
        if (!found) {
            mcb_report_at(b, MC_DIAG_ERROR, p->pos, strlen(p->name),
                          "interconnected procedure '%s' waits in its initial state '%s' while "
                          "its parts run: the state needs 'on %s -> STATE by system', which the "
                          "engine fires when %s",
                          p->name, s->name, events[e],
                          e == 0 ? "every part is granted" : "a part ends otherwise");
        }
    }
}

static void check_part(mcb_builder *b, const mc_procedure *p, size_t i)
{
    const mc_catalogue *cat = b->cat;
    const mc_part *x = &p->parts[i];
    size_t len = strlen(x->procedure);
    const mcc_versions *v = mc_map_get(&cat->version_map, x->procedure, len);
    if (v == NULL || v->n == 0) {
        mc_suggest s;
        mc_suggest_init(&s, x->procedure, len);
        const mc_ptrvec *all = &cat->procedures;
        for (size_t k = 0; k < all->n; k++) {
            const mc_procedure *q = all->items[k];
            if (q != NULL) {
                mc_suggest_offer(&s, q->name);
            }
        }
        mcb_report_at(b, MC_DIAG_ERROR, x->procedure_pos, len,
                      "part '%s' of '%s': unknown procedure '%s'%s%s%s", x->name, p->name,
                      x->procedure, s.best ? " (did you mean '" : "", s.best ? s.best : "",
                      s.best ? "'?)" : "");
        return;
    }
    const mc_cond *c = &x->when;
    if (c->kind == MC_COND_FIELD || c->kind == MC_COND_NOT || c->kind == MC_COND_IS) {
        const mc_field *f = mc_field_find(p->fields, p->nfields, c->field);
        if (f == NULL) {
            mcb_report_at(b, MC_DIAG_ERROR, c->pos, strlen(c->field),
                          "part '%s' of '%s' is needed when field '%s', which '%s' does not "
                          "declare",
                          x->name, p->name, c->field, p->name);
        }
    }
    uint32_t before = ancestors(p, i);
    for (size_t vi = 0; vi < v->n; vi++) {
        const mc_procedure *q = v->items[vi];
        if (strcmp(q->name, p->name) == 0) {
            mcb_report_at(b, MC_DIAG_ERROR, x->procedure_pos, len,
                          "part '%s' of '%s' cannot be the procedure itself", x->name, p->name);
            return;
        }
        if (q->nparts > 0) {
            mcb_report_at(b, MC_DIAG_ERROR, x->procedure_pos, len,
                          "part '%s' of '%s' is procedure '%s', which is interconnected itself: "
                          "a part is one agency's procedure",
                          x->name, p->name, q->name);
            return;
        }
        for (size_t f = 0; f < q->nfields; f++) {
            const mc_field *qf = &q->fields[f];
            const mc_field *pf = mc_field_find(p->fields, p->nfields, qf->name);
            if (pf != NULL && pf->type != qf->type) {
                mcb_report_at(b, MC_DIAG_ERROR, x->procedure_pos, len,
                              "part '%s' (procedure '%s') has field '%s' of type %s, but '%s' "
                              "declares it as %s: a part takes its fields from the dossier",
                              x->name, q->name, qf->name, mc_field_type_name(qf->type), p->name,
                              mc_field_type_name(pf->type));
                return;
            }
            if (pf == NULL && qf->required) {
                mcb_report_at(b, MC_DIAG_ERROR, x->procedure_pos, len,
                              "part '%s' (procedure '%s') requires field '%s', which '%s' does "
                              "not declare: the applicant files once, in the interconnected "
                              "dossier",
                              x->name, q->name, qf->name, p->name);
                return;
            }
        }
        for (size_t r = 0; r < q->nrequires; r++) {
            const mc_document *doc = q->requires[r].document;
            bool issued = false;
            for (size_t k = 0; k < p->nparts && !issued; k++) {
                issued = ((before >> k) & 1u) && issues_doc(cat, p->parts[k].procedure, doc);
            }
            if (!issued && !requires_doc(p, doc) && !held_somewhere(cat, doc)) {
                mcb_warn_at(b, "part-asks-again", x->procedure_pos, len,
                            "part '%s' (procedure '%s') requires '%s', which '%s' does not ask "
                            "for, no earlier part issues and no registry holds: its agency "
                            "would ask the applicant a second time",
                            x->name, q->name, doc->name, p->name);
            }
        }
    }
}

/* The dossier must not ask the applicant for what one of its parts issues. */
static void check_asks_issued(mcb_builder *b, const mc_procedure *p)
{
    for (size_t r = 0; r < p->nrequires; r++) {
        const mc_document *doc = p->requires[r].document;
        for (size_t k = 0; k < p->nparts; k++) {
            if (issues_doc(b->cat, p->parts[k].procedure, doc)) {
                mcb_report_at(b, MC_DIAG_ERROR, p->requires[r].pos, strlen(doc->name),
                              "'%s' asks the applicant for '%s', which its part '%s' issues: "
                              "the once-only rule holds between the parts (a later part "
                              "fetches it from the registry)",
                              p->name, doc->name, p->parts[k].name);
                break;
            }
        }
    }
}

void mcb_check_parts(mcb_builder *b)
{
    for (size_t j = 0; j < b->ndecls && !b->fatal; j++) {
        const mcb_decl *d = &b->decls[j];
        const mc_procedure *p = d->obj;
        if (d->kind != MCB_K_PROCEDURE || d->op == MCB_OP_DROPPED || d->op == MCB_OP_EXTEND ||
            p->nparts == 0) {
            continue;
        }
        b->file = d->file;
        b->src = b->cat->sources[d->file];
        b->layer = b->cat->source_layers[d->file];
        check_waiting_state(b, p);
        for (size_t i = 0; i < p->nparts; i++) {
            check_part(b, p, i);
        }
        check_asks_issued(b, p);
    }
}

const mc_part *mc_procedure_part(const mc_procedure *p, const char *name)
{
    for (size_t i = 0; p != NULL && name != NULL && i < p->nparts; i++) {
        if (strcmp(p->parts[i].name, name) == 0) {
            return &p->parts[i];
        }
    }
    return NULL;
}
