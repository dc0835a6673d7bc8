/*
 * Reforms (SPEC §4.8): named patches over the catalogue. Here they are built and checked —
 * everything they name must exist — and kept as patches, with the list of their changes (one
 * per directive line a reader sees, mc_reform_changes); reform.c applies them.
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
    /* the block or line each of the three was built from (const mc_node *), for the changes */
    mc_ptrvec registry_nodes, procedure_nodes, drop_nodes;
    mc_ptrvec changes; /* mcc_change * */
    mcb_titled t;      /* its `title [LANG] "…"` lines */
    /* its `staff` lines (mcc_staff_patch *) and the node of each (issue 23) */
    mc_ptrvec staff, staff_nodes;
} reform_build;

/* `title "…"` or `title vi "…"`: one per language, as a procedure's. */
static int rf_title(mcb_builder *b, const mc_node *n, void *obj)
{
    reform_build *rb = obj;
    return mcb_add_title(b, n, &rb->t);
}

/* `legal-basis "…"` of the reform itself: the basis of each change whose block names none. */
static int rf_legal(mcb_builder *b, const mc_node *n, void *obj)
{
    reform_build *rb = obj;
    const char *s;
    if (mcb_string(b, &n->toks[1], "a legal basis", &s) != 0) {
        return -1;
    }
    mc_strings *l = &rb->r->legal_basis;
    ((const char **)l->items)[l->n++] = s;
    return 0;
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
    if (mcb_push(b, &rb->registry_nodes, (void *)n) != 0) {
        return -1;
    }
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
    if (mcb_push(b, &rb->procedure_nodes, (void *)n) != 0) {
        return -1;
    }
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
    if (mcb_push(b, &rb->drop_nodes, (void *)n) != 0) {
        return -1;
    }
    return mcb_push(b, &rb->drops, (void *)v->items[0]->name);
}

/* `staff AGENCY ROLE N` (issue 23): the agency, declared, gets N officers of the role. */
static int rf_staff(mcb_builder *b, const mc_node *n, void *obj)
{
    reform_build *rb = obj;
    const mc_agency *a = mcb_resolve(b, &n->toks[1], &b->cat->agency_map, "agency");
    mcc_staff_patch *sp = mcb_alloc(b, sizeof *sp);
    if (a == NULL || sp == NULL || mcb_staff_parse(b, &n->toks[2], &n->toks[3], &sp->staff) != 0) {
        return -1;
    }
    for (size_t i = 0; i < rb->staff.n; i++) {
        const mcc_staff_patch *prev = rb->staff.items[i];
        if (strcmp(prev->agency, a->name) == 0 && prev->staff.role == sp->staff.role) {
            char where[300];
            mcb_where(b, prev->staff.pos, where, sizeof where);
            return mcb_error(b, &n->toks[2],
                             "role '%s' of agency '%s' is staffed twice (first at %s)",
                             sp->staff.role->name, a->name, where);
        }
    }
    sp->agency = a->name;
    if (mcb_push(b, &rb->staff_nodes, (void *)n) != 0) {
        return -1;
    }
    return mcb_push(b, &rb->staff, sp);
}

/* ==== the changes ========================================================================= */

/* A change's text, built in a fixed buffer: cut at a character boundary, with "…", when the
 * line is longer. */
typedef struct line_buf {
    char *s;
    size_t cap, len;
    bool cut;
} line_buf;

static void put(line_buf *t, const char *p, size_t n)
{
    if (t->cut) {
        return;
    }
    if (t->len + n + 1 > t->cap) {
        n = t->cap - 1 - t->len;
        t->cut = true;
    }
    memcpy(t->s + t->len, p, n);
    t->len += n;
    t->s[t->len] = '\0';
}

static void put_tok(line_buf *t, const mc_token *k)
{
    if (t->len > 0) {
        put(t, " ", 1);
    }
    bool quoted = k->kind == MC_TOK_STRING;
    if (quoted) {
        put(t, "\"", 1);
    }
    put(t, k->text, k->text_len);
    if (quoted) {
        put(t, "\"", 1);
    }
}

static void finish(line_buf *t)
{
    if (!t->cut) {
        return;
    }
    static const char ellipsis[] = "\xe2\x80\xa6";
    size_t len = t->cap - sizeof ellipsis;
    while (len > 0 && ((unsigned char)t->s[len] & 0xC0) == 0x80) {
        len--; /* t->s[len] starts a character: what is before it is whole */
    }
    memcpy(t->s + len, ellipsis, sizeof ellipsis);
    t->len = len + sizeof ellipsis - 1;
}

/* The legal bases of s joined with "; " (in the arena), or NULL when there is none. */
static const char *joined(mcb_builder *b, const mc_strings *s)
{
    if (s->n <= 1) {
        return s->n ? s->items[0] : NULL;
    }
    size_t len = 0;
    for (size_t i = 0; i < s->n; i++) {
        len += strlen(s->items[i]) + 2;
    }
    char *out = mcb_alloc(b, len);
    if (out == NULL) {
        return NULL;
    }
    size_t at = 0;
    for (size_t i = 0; i < s->n; i++) {
        size_t k = strlen(s->items[i]);
        if (i > 0) {
            memcpy(out + at, "; ", 2);
            at += 2;
        }
        memcpy(out + at, s->items[i], k);
        at += k;
    }
    out[at] = '\0';
    return out;
}

/* What a procedure directive can move (reform.h): the cost formula of SPEC §8.1 counts the time
 * limit, the fee (`online` too: a fee rule may charge by channel), the volume, the visits, the
 * requirements and the fields whose samples give their shares, the assumed figures; the
 * simulation counts all of those and the machine, the calendar, the subject (whose records the
 * registries are asked for). The rest is descriptive. */
static unsigned procedure_affects(int d, int list)
{
    const unsigned both = MC_CHANGE_COST | MC_CHANGE_SIM;
    switch (d) {
    case MCC_P_TIME_LIMIT:
    case MCC_P_FEE:
    case MCC_P_ONLINE:
    case MCC_P_VOLUME:
    case MCC_P_VISITS:
    case MCC_P_FIELD:
    case MCC_P_REQUIRES:
    case MCC_P_ASSUMED:
        return both;
    case MCC_P_DROP:
        return list == 2 ? MC_CHANGE_SIM : both;
    case MCC_P_CALENDAR:
    case MCC_P_SUBJECT:
    case MCC_P_CHANNELS:
    case MCC_P_ASKS_HELD:
    case MCC_P_LIFECYCLE:
    case MCC_P_STATE:
    case MCC_P_EXTENSION:
    case MCC_P_PARTY:
        return MC_CHANGE_SIM;
    default:
        return 0;
    }
}

/* Records one change: toks[from..to) of n (and toks[0] first when from > 0) as its text. */
static mcc_change *add_change(mcb_builder *b, reform_build *rb, const mc_node *n, size_t from,
                              size_t to, const char *target, bool registry, const char *basis)
{
    mcc_change *c = mcb_alloc(b, sizeof *c);
    if (c == NULL || mcb_push(b, &rb->changes, c) != 0) {
        return NULL;
    }
    c->pub.reform = rb->r->name;
    c->pub.pos = mcb_pos(b, &n->toks[from]);
    c->pub.target = target;
    c->pub.registry = registry;
    c->pub.legal_basis = basis;
    line_buf t = {c->pub.text, sizeof c->pub.text, 0, false};
    if (from > 0) {
        put_tok(&t, &n->toks[0]);
    }
    for (size_t i = from; i < to; i++) {
        put_tok(&t, &n->toks[i]);
    }
    finish(&t);
    return c; /* the caller says what it is */
}

/* The tokens of n from first on, as written and joined by spaces, in the arena (the value of a
 * change); NULL when there is none. */
static const char *value_of(mcb_builder *b, const mc_node *n, size_t first)
{
    if (first >= n->ntoks) {
        return NULL;
    }
    char buf[sizeof ((mc_reform_change *)0)->text];
    line_buf t = {buf, sizeof buf, 0, false};
    buf[0] = '\0';
    for (size_t i = first; i < n->ntoks; i++) {
        put_tok(&t, &n->toks[i]);
    }
    finish(&t);
    return mcb_strndup(b, buf, t.len);
}

static int directive_of(const mc_node *n, const mcb_directive *table, size_t ntable)
{
    for (size_t d = 0; d < ntable; d++) {
        if (mc_tok_is(&n->toks[0], table[d].name)) {
            return (int)d;
        }
    }
    return -1;
}

/* One change per document of each `holds`, one for each other directive of a registry block. */
static void registry_changes(mcb_builder *b, reform_build *rb, const mc_node *n, uint32_t k,
                             const char *basis)
{
    const mcc_registry_patch *rp = rb->registries.items[k];
    uint32_t titles = 0;
    for (const mc_node *c = n->child; c != NULL && !b->fatal; c = c->next) {
        int d = c->broken || c->ntoks == 0
                    ? -1
                    : directive_of(c, mcb_registry_table, mcb_registry_table_n);
        if (d != MCC_R_TITLE && d != MCC_R_HOLDS && d != MCC_R_PUBLISHED && d != MCC_R_COVERAGE) {
            continue; /* unknown, or not allowed in a reform: reported */
        }
        for (size_t i = 1; i < (d == MCC_R_HOLDS ? c->ntoks : 2); i++) {
            const char *doc = NULL;
            for (size_t j = 0; d == MCC_R_HOLDS && j < rp->patch.nholds; j++) {
                if (mc_tok_is(&c->toks[i], rp->patch.holds[j]->name)) {
                    doc = rp->patch.holds[j]->name;
                }
            }
            if (d == MCC_R_HOLDS && doc == NULL) {
                continue; /* unknown or held already: reported */
            }
            mcc_change *ch = d == MCC_R_HOLDS
                                 ? add_change(b, rb, c, i, i + 1, rp->patch.name, true, basis)
                                 : add_change(b, rb, c, 0, c->ntoks, rp->patch.name, true, basis);
            if (ch == NULL) {
                return;
            }
            ch->kind = MCC_C_REGISTRY;
            ch->directive = (uint8_t)d;
            ch->block = k;
            ch->item = d == MCC_R_TITLE ? titles++ : 0;
            ch->name = doc;
            ch->what = mcb_registry_table[d].name;
            ch->pub.directive = ch->what;
            ch->pub.element = doc;
            ch->pub.value = d == MCC_R_HOLDS ? NULL : value_of(b, c, 1);
            ch->pub.kind = d == MCC_R_HOLDS       ? MC_CHANGE_HOLDS
                           : d == MCC_R_COVERAGE  ? MC_CHANGE_COVERAGE
                           : d == MCC_R_PUBLISHED ? MC_CHANGE_PUBLISHED
                                                  : MC_CHANGE_REGISTRY_TITLE;
            ch->pub.affects = d == MCC_R_TITLE ? 0 : MC_CHANGE_COST | MC_CHANGE_SIM;
        }
    }
}

/* One change for each directive of a procedure block. */
static void procedure_changes(mcb_builder *b, reform_build *rb, const mc_node *n, uint32_t k,
                              const char *basis)
{
    const mcc_procedure_patch *pp = rb->procedures.items[k];
    const char *own = joined(b, &pp->patch.legal_basis);
    uint32_t titles = 0, legal = 0;
    for (const mc_node *c = n->child; c != NULL && !b->fatal; c = c->next) {
        int d = c->broken || c->ntoks == 0
                    ? -1
                    : directive_of(c, mcb_procedure_table, mcb_procedure_table_n);
        if (d < 0 || d == MCC_P_PARTY || d == MCC_P_EXTENSION || d == MCC_P_EVENT) {
            continue; /* unknown, or not allowed in a reform: reported */
        }
        if (d == MCC_P_EFFECTIVE) {
            /* every version gets the patch: a date would say nothing (and was ignored) */
            mcb_error(b, &c->toks[0],
                      "a reform cannot change when a procedure takes effect: it patches every "
                      "version (declare a new version of the procedure instead)");
            continue;
        }
        int list = 0;
        const char *name = NULL, *why = own ? own : basis;
        if (d == MCC_P_DROP && c->ntoks == 3) {
            list = mc_tok_is(&c->toks[1], "requires") ? 0 : mc_tok_is(&c->toks[1], "field") ? 1 : 2;
            name = mcb_tokdup(b, &c->toks[2]);
        } else if ((d == MCC_P_FIELD || d == MCC_P_REQUIRES || d == MCC_P_STATE) && c->ntoks > 1) {
            name = mcb_tokdup(b, &c->toks[1]);
        } else if (d == MCC_P_DROP || d == MCC_P_FIELD || d == MCC_P_REQUIRES || d == MCC_P_STATE) {
            continue; /* malformed: reported */
        }
        for (size_t i = 0; d == MCC_P_REQUIRES && name != NULL && i < pp->patch.nrequires; i++) {
            const mc_requirement *r = &pp->patch.requires[i];
            if (strcmp(r->document->name, name) == 0 && r->legal_basis.n > 0) {
                why = joined(b, &r->legal_basis);
            }
        }
        mcc_change *ch = add_change(b, rb, c, 0, c->ntoks, pp->name, false, why);
        if (ch == NULL) {
            return;
        }
        ch->kind = MCC_C_PROCEDURE;
        ch->directive = (uint8_t)d;
        ch->list = (uint8_t)list;
        ch->block = k;
        ch->item = d == MCC_P_TITLE ? titles++ : d == MCC_P_LEGAL ? legal++ : 0;
        ch->name = name;
        ch->what = mcb_procedure_table[d].name;
        ch->pub.affects = procedure_affects(d, list);
        ch->pub.directive = ch->what;
        ch->pub.element = name;
        static const mc_change_kind drops[] = {MC_CHANGE_DROP_REQUIRES, MC_CHANGE_DROP_FIELD,
                                               MC_CHANGE_DROP_STATE};
        switch (d) {
        case MCC_P_DROP:
            ch->pub.kind = drops[list];
            break;
        case MCC_P_REQUIRES:
            ch->pub.kind = MC_CHANGE_REQUIRES;
            break;
        case MCC_P_FIELD:
            ch->pub.kind = MC_CHANGE_FIELD;
            break;
        case MCC_P_STATE:
            ch->pub.kind = MC_CHANGE_STATE;
            break;
        default:
            ch->pub.kind = MC_CHANGE_DIRECTIVE;
            break;
        }
        ch->pub.value = d == MCC_P_DROP ? NULL : value_of(b, c, name != NULL ? 2 : 1);
    }
}

static uint32_t index_of(const mc_ptrvec *v, const mc_node *n)
{
    uint32_t i = 0;
    while (i < v->n && v->items[i] != n) {
        i++;
    }
    return i;
}

/* The reform's changes in the order written: its blocks and `drop procedure` lines in file
 * order, each block's directives in theirs. */
static void list_changes(mcb_builder *b, reform_build *rb, const mc_node *first)
{
    const char *basis = joined(b, &rb->r->legal_basis);
    for (const mc_node *n = first; n != NULL && !b->fatal; n = n->next) {
        uint32_t k;
        if ((k = index_of(&rb->registry_nodes, n)) < rb->registry_nodes.n) {
            registry_changes(b, rb, n, k, basis);
        } else if ((k = index_of(&rb->procedure_nodes, n)) < rb->procedure_nodes.n) {
            procedure_changes(b, rb, n, k, basis);
        } else if ((k = index_of(&rb->staff_nodes, n)) < rb->staff_nodes.n) {
            const mcc_staff_patch *sp = rb->staff.items[k];
            mcc_change *ch = add_change(b, rb, n, 0, n->ntoks, sp->agency, false, basis);
            if (ch != NULL) {
                ch->kind = MCC_C_STAFF;
                ch->block = k;
                ch->name = sp->staff.role->name;
                ch->what = "staff";
                ch->pub.affects = MC_CHANGE_SIM;
                ch->pub.kind = MC_CHANGE_DIRECTIVE;
                ch->pub.directive = ch->what;
                ch->pub.element = ch->name;
                ch->pub.value = value_of(b, n, 3);
            }
        } else if ((k = index_of(&rb->drop_nodes, n)) < rb->drop_nodes.n) {
            mcc_change *ch = add_change(b, rb, n, 0, n->ntoks, rb->drops.items[k], false, basis);
            if (ch != NULL) {
                ch->kind = MCC_C_DROP_PROCEDURE;
                ch->block = k;
                ch->name = rb->drops.items[k];
                ch->what = "drop";
                ch->pub.affects = MC_CHANGE_COST | MC_CHANGE_SIM;
                ch->pub.kind = MC_CHANGE_ABOLISH;
                ch->pub.directive = ch->what;
            }
        }
    }
}

static const mcb_directive reform_table[] = {
    {"title", 1, 2, MCB_NO_BLOCK, false, rf_title, "[LANG] \"text\""},
    {"legal-basis", 1, 1, MCB_NO_BLOCK, false, rf_legal, "\"text\""},
    {"registry", 1, 1, MCB_NEED_BLOCK, false, rf_registry, "NAME"},
    {"procedure", 1, 1, MCB_NEED_BLOCK, false, rf_procedure, "NAME"},
    {"drop", 2, 2, MCB_NO_BLOCK, false, rf_drop, "procedure NAME"},
    {"staff", 3, 3, MCB_NO_BLOCK, false, rf_staff, "AGENCY ROLE N"},
};

void mcb_build_reform(mcb_builder *b, mc_reform *r, const mc_node *n)
{
    reform_build rb;
    memset(&rb, 0, sizeof rb);
    rb.r = r;
    r->legal_basis.items = mcb_array(b, mcb_count(n->child, "legal-basis"), sizeof(char *));
    if (!mcb_prepare_titles(b, &rb.t, n->child)) {
        return;
    }
    mcb_run(b, n->child, reform_table, sizeof reform_table / sizeof reform_table[0],
            "reform directive", &rb);
    r->titles = rb.t.titles;
    r->ntitles = rb.t.n;
    r->title = mc_title(r->titles, r->ntitles, NULL, NULL);
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
        mcc_staff_patch *staff = mcb_array(b, rb.staff.n, sizeof *staff);
        for (size_t i = 0; staff != NULL && i < rb.staff.n; i++) {
            staff[i] = *(mcc_staff_patch *)rb.staff.items[i];
        }
        r->staff = staff;
        r->nstaff = staff != NULL ? rb.staff.n : 0;
        list_changes(b, &rb, n->child);
    }
    mcc_change *changes = mcb_array(b, rb.changes.n, sizeof *changes);
    for (size_t i = 0; changes != NULL && i < rb.changes.n; i++) {
        changes[i] = *(mcc_change *)rb.changes.items[i];
    }
    r->changes = changes;
    r->nchanges = changes ? rb.changes.n : 0;
    mc_ptrvec *vecs[] = {&rb.registry_nodes, &rb.procedure_nodes, &rb.drop_nodes,
                         &rb.changes,        &rb.staff,           &rb.staff_nodes};
    for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++) {
        mc_ptrvec_free(vecs[i]);
    }
    mc_ptrvec_free(&rb.registries);
    mc_ptrvec_free(&rb.procedures);
    mc_ptrvec_free(&rb.drops);
}
