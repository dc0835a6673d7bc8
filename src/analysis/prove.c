/* Lint's proofs that the guards of one event never hold together (prove.h), with Z3. Each
 * state's event with two or more guarded transitions that share a role is a group; a group is
 * keyed by its content (guards, roles, the fields' types and options), proved once, and its
 * verdicts reported at the positions of every machine that has it. */
#include "motcua/prove.h"

#include "motcua/alloc.h"
#include "base/buf.h"
#include "base/map.h"
#include "base/ptrvec.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <z3.h>

enum { PAIR_DISJOINT, PAIR_OVERLAP, PAIR_RULE, PAIR_UNKNOWN };

typedef struct pair_verdict {
    uint32_t i, j; /* indices into the group's guarded transitions, i < j */
    int verdict;
    char *model; /* PAIR_OVERLAP: "F = V, …" */
} pair_verdict;

typedef struct group {
    char *key;
    pair_verdict *pairs;
    size_t npairs;
} group;

/* The notes of one machine owner (a lifecycle or a procedure): the rules its unproven guards
 * call, and the events they guard. */
typedef struct owner {
    const void *id;
    mc_pos pos;
    mc_buf rules, where;
    mc_map seen; /* items already in rules or where (keys in keys) */
} owner;

typedef struct prover {
    const mc_catalogue *cat;
    mc_diags *diags, *notes;
    mc_prove_stats stats;
    mc_error *err;
    Z3_context ctx;
    Z3_solver solver;
    unsigned sorts; /* names of the sorts made so far */
    mc_map groups;  /* key -> group */
    mc_ptrvec all_groups;
    mc_map said;    /* "file:off:msg" of each diagnostic recorded */
    mc_ptrvec keys; /* owned keys of said and of the owners' seen */
    mc_ptrvec owners;
    mc_source **sources; /* read on the first diagnostic in a file, by file index */
    size_t nsources;
} prover;

static int nomem(prover *pv)
{
    return mc_error_set(pv->err, MC_ENOMEM, "out of memory");
}

/* ---- keys and positions ---- */

static bool share_role(const mc_transition *a, const mc_transition *b)
{
    if (a->nroles == 0 || b->nroles == 0) {
        return true;
    }
    for (size_t i = 0; i < a->nroles; i++) {
        for (size_t k = 0; k < b->nroles; k++) {
            if (a->roles[i] == b->roles[k] || strcmp(a->roles[i]->name, b->roles[k]->name) == 0) {
                return true;
            }
        }
    }
    return false;
}

static bool guarded(const mc_transition *t)
{
    return t->when.kind != MC_COND_ALWAYS;
}

/* Puts a copy of key in m (value v); true when it was not there. *rc set out of memory. */
static bool put_once(prover *pv, mc_map *m, const char *key, size_t len, void *v, int *rc)
{
    if (mc_map_get(m, key, len) != NULL) {
        return false;
    }
    char *copy = mc_malloc(len + 1);
    if (copy == NULL || mc_ptrvec_push(&pv->keys, copy) != 0) {
        mc_free(copy);
        *rc = nomem(pv);
        return false;
    }
    memcpy(copy, key, len);
    copy[len] = '\0';
    if (mc_map_put(m, copy, len, v) != 0) {
        *rc = nomem(pv);
        return false;
    }
    return true;
}

/* Records a warning into d at pos, once per position and text: named `name` (the overlaps), or
 * unnamed (NULL: the notes, which no allow comment accepts). */
static int say(prover *pv, mc_diags *d, const char *name, mc_pos pos, const char *msg)
{
    int rc = 0;
    char *key = mc_format("%p:%u:%u:%s", (void *)d, pos.file, pos.off, msg);
    if (key == NULL) {
        return nomem(pv);
    }
    bool fresh = put_once(pv, &pv->said, key, strlen(key), pv, &rc);
    mc_free(key);
    if (!fresh) {
        return rc;
    }
    if (pos.file < pv->nsources && pv->sources[pos.file] == NULL) {
        mc_error e;
        /* A file that cannot be read again loses its excerpt, not its diagnostic. */
        if (mc_source_read(&pv->sources[pos.file], mc_catalogue_file(pv->cat, pos.file), &e) ==
            MC_ENOMEM) {
            return nomem(pv);
        }
    }
    mc_source *src = pos.file < pv->nsources ? pv->sources[pos.file] : NULL;
    if (src != NULL && pos.off <= mc_source_len(src)) {
        const char *text = mc_source_text(src);
        size_t len = 0;
        while (pos.off + len < mc_source_len(src) &&
               strchr(" \t\r\n", text[pos.off + len]) == NULL) {
            len++;
        }
        rc = name != NULL ? mc_diags_warn(d, name, src, pos.off, len ? len : 1, "%s", msg)
                          : mc_diags_add(d, MC_DIAG_WARNING, src, pos.off, len ? len : 1, "%s", msg);
    } else {
        uint32_t line, col;
        mc_catalogue_position(pv->cat, pos, &line, &col);
        const char *file = mc_catalogue_file(pv->cat, pos.file);
        rc = name != NULL ? mc_diags_warn_at(d, name, file, line, col, "%s", msg)
                          : mc_diags_add_at(d, MC_DIAG_WARNING, file, line, col, "%s", msg);
    }
    return rc != 0 ? nomem(pv) : 0;
}

/* ---- the encoding ---- */

/* A field as the solver sees it: a Bool, or an enumeration of labels (NULL: the empty value
 * for a choice, a value none of the guards names for text). */
typedef struct var {
    const char *name;
    bool is_bool;
    Z3_ast bool_const;
    Z3_ast value;         /* the enumeration's constant */
    const char **labels;  /* nlabels */
    Z3_func_decl *consts; /* the enumeration's elements */
    size_t nlabels;
    bool text; /* NULL label: "another value" rather than "(empty)" */
} var;

static Z3_symbol next_symbol(prover *pv)
{
    return Z3_mk_int_symbol(pv->ctx, (int)pv->sorts++);
}

static bool has_label(const var *v, const char *s)
{
    for (size_t i = 0; i < v->nlabels; i++) {
        if (v->labels[i] != NULL && strcmp(v->labels[i], s) == 0) {
            return true;
        }
    }
    return false;
}

/* Makes the variable of field name (f its declaration in the procedure, or NULL) for the
 * conditions of group g (ng transitions). */
static int make_var(prover *pv, var *v, const char *name, const mc_field *f,
                    const mc_transition *const *g, size_t ng)
{
    memset(v, 0, sizeof *v);
    v->name = name;
    bool is_test = false;
    for (size_t i = 0; i < ng; i++) {
        const mc_cond *c = &g[i]->when;
        if (c->kind == MC_COND_IS && strcmp(c->field, name) == 0) {
            is_test = true;
        }
    }
    if (!is_test || (f != NULL && f->type == MC_FIELD_BOOL)) {
        v->is_bool = true;
        v->bool_const = Z3_mk_const(pv->ctx, next_symbol(pv), Z3_mk_bool_sort(pv->ctx));
        return 0;
    }
    size_t cap = ng + 1 + (f != NULL && f->type == MC_FIELD_CHOICE ? f->options.n : 0);
    v->labels = mc_calloc(cap, sizeof *v->labels);
    v->consts = mc_calloc(cap, sizeof *v->consts);
    Z3_symbol *syms = mc_calloc(cap, sizeof *syms);
    Z3_func_decl *testers = mc_calloc(cap, sizeof *testers);
    if (v->labels == NULL || v->consts == NULL || syms == NULL || testers == NULL) {
        mc_free(syms);
        mc_free(testers);
        return nomem(pv);
    }
    if (f != NULL && f->type == MC_FIELD_CHOICE) {
        for (size_t i = 0; i < f->options.n; i++) {
            v->labels[v->nlabels++] = f->options.items[i];
        }
        if (!f->required) {
            v->labels[v->nlabels++] = NULL; /* the empty value */
        }
    } else {
        v->text = true;
        for (size_t i = 0; i < ng; i++) {
            const mc_cond *c = &g[i]->when;
            if (c->kind == MC_COND_IS && strcmp(c->field, name) == 0 && !has_label(v, c->value)) {
                v->labels[v->nlabels++] = c->value;
            }
        }
        v->labels[v->nlabels++] = NULL; /* any other text, or none */
    }
    for (size_t i = 0; i < v->nlabels; i++) {
        syms[i] = next_symbol(pv);
    }
    Z3_sort sort = Z3_mk_enumeration_sort(pv->ctx, next_symbol(pv), (unsigned)v->nlabels, syms,
                                          v->consts, testers);
    v->value = Z3_mk_const(pv->ctx, next_symbol(pv), sort);
    mc_free(syms);
    mc_free(testers);
    return 0;
}

static void free_var(var *v)
{
    mc_free(v->labels);
    mc_free(v->consts);
}

static var *find_var(var *vars, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(vars[i].name, name) == 0) {
            return &vars[i];
        }
    }
    return NULL;
}

/* The formula of condition c (not a rule), or NULL when its value is none of the field's (the
 * condition never holds: a choice the load would have refused). */
static Z3_ast formula(prover *pv, var *vars, size_t nvars, const mc_cond *c)
{
    var *v = find_var(vars, nvars, c->field);
    if (v->is_bool) {
        if (c->kind == MC_COND_IS) { /* `is` on a bool field: a fact of its own */
            return Z3_mk_const(pv->ctx, next_symbol(pv), Z3_mk_bool_sort(pv->ctx));
        }
        return c->kind == MC_COND_NOT ? Z3_mk_not(pv->ctx, v->bool_const) : v->bool_const;
    }
    if (c->kind != MC_COND_IS) { /* FIELD on a choice or text: not a bool, never true */
        return Z3_mk_false(pv->ctx);
    }
    for (size_t i = 0; i < v->nlabels; i++) {
        if (v->labels[i] != NULL && strcmp(v->labels[i], c->value) == 0) {
            return Z3_mk_eq(pv->ctx, v->value, Z3_mk_app(pv->ctx, v->consts[i], 0, NULL));
        }
    }
    return Z3_mk_false(pv->ctx);
}

/* Appends "F = V" for v's value in model m. */
static void model_value(prover *pv, mc_buf *b, Z3_model m, const var *v)
{
    Z3_ast out = NULL;
    if (v->is_bool) {
        bool t = Z3_model_eval(pv->ctx, m, v->bool_const, true, &out) &&
                 Z3_get_bool_value(pv->ctx, out) == Z3_L_TRUE;
        mc_buf_printf(b, "%s = %s", v->name, t ? "true" : "false");
        return;
    }
    const char *label = NULL;
    bool found = false;
    if (Z3_model_eval(pv->ctx, m, v->value, true, &out)) {
        for (size_t i = 0; i < v->nlabels && !found; i++) {
            Z3_ast e = Z3_mk_app(pv->ctx, v->consts[i], 0, NULL);
            if (Z3_is_eq_ast(pv->ctx, out, e)) {
                label = v->labels[i];
                found = true;
            }
        }
    }
    if (label == NULL) {
        mc_buf_printf(b, "%s %s", v->name, v->text ? "= another value" : "left empty");
    } else if (strpbrk(label, " \t\"") != NULL) {
        mc_buf_printf(b, "%s = \"%s\"", v->name, label);
    } else {
        mc_buf_printf(b, "%s = %s", v->name, label);
    }
}

static int solver_failed(prover *pv)
{
    return mc_error_set(pv->err, MC_EINTERNAL, "z3: %s",
                        Z3_get_error_msg(pv->ctx, Z3_get_error_code(pv->ctx)));
}

static int start_solver(prover *pv)
{
    if (pv->ctx != NULL) {
        return 0;
    }
    Z3_config cfg = Z3_mk_config();
    if (cfg == NULL) {
        return nomem(pv);
    }
    pv->ctx = Z3_mk_context(cfg);
    Z3_del_config(cfg);
    if (pv->ctx == NULL) {
        return nomem(pv);
    }
    Z3_set_error_handler(pv->ctx, NULL); /* errors are read with Z3_get_error_code */
    pv->solver = Z3_mk_simple_solver(pv->ctx);
    Z3_solver_inc_ref(pv->ctx, pv->solver);
    return Z3_get_error_code(pv->ctx) == Z3_OK ? 0 : solver_failed(pv);
}

/* Proves the pairs of g (ng guarded transitions of one event, p the procedure whose fields
 * they read) into gr. */
/* Whether the solver cannot see into condition c: a rule, or the documents' completeness (which
 * depends on the registries and the applicant, not on the fields). */
static bool opaque(const mc_cond *c)
{
    return c->kind == MC_COND_RULE || c->kind == MC_COND_DOCUMENTS_COMPLETE;
}

static int prove_group(prover *pv, group *gr, const mc_procedure *p, const mc_transition *const *g,
                       size_t ng)
{
    int rc = 0;
    var *vars = mc_calloc(ng, sizeof *vars);
    Z3_ast *f = mc_calloc(ng, sizeof *f);
    size_t nvars = 0;
    if (vars == NULL || f == NULL) {
        rc = nomem(pv);
        goto done;
    }
    bool any_field_pair = false;
    for (size_t k = 0; k < gr->npairs; k++) {
        pair_verdict *pr = &gr->pairs[k];
        if (!opaque(&g[pr->i]->when) && !opaque(&g[pr->j]->when)) {
            any_field_pair = true;
        }
    }
    if (any_field_pair && (rc = start_solver(pv)) != 0) {
        goto done;
    }
    pv->stats.proofs += any_field_pair;
    for (size_t i = 0; i < ng && any_field_pair; i++) {
        const mc_cond *c = &g[i]->when;
        if (opaque(c) || find_var(vars, nvars, c->field) != NULL) {
            continue;
        }
        rc = make_var(pv, &vars[nvars], c->field, mc_field_find(p->fields, p->nfields, c->field), g,
                      ng);
        nvars++;
        if (rc != 0) {
            goto done;
        }
    }
    for (size_t i = 0; i < ng && any_field_pair; i++) {
        if (!opaque(&g[i]->when)) {
            f[i] = formula(pv, vars, nvars, &g[i]->when);
        }
    }
    if (any_field_pair && Z3_get_error_code(pv->ctx) != Z3_OK) {
        rc = solver_failed(pv);
        goto done;
    }
    for (size_t k = 0; k < gr->npairs; k++) {
        pair_verdict *pr = &gr->pairs[k];
        if (opaque(&g[pr->i]->when) || opaque(&g[pr->j]->when)) {
            pr->verdict = PAIR_RULE;
            continue;
        }
        Z3_solver_push(pv->ctx, pv->solver);
        Z3_solver_assert(pv->ctx, pv->solver, f[pr->i]);
        Z3_solver_assert(pv->ctx, pv->solver, f[pr->j]);
        Z3_lbool r = Z3_solver_check(pv->ctx, pv->solver);
        pv->stats.checks++;
        if (r == Z3_L_TRUE) {
            pr->verdict = PAIR_OVERLAP;
            Z3_model m = Z3_solver_get_model(pv->ctx, pv->solver);
            Z3_model_inc_ref(pv->ctx, m);
            mc_buf b = MC_BUF_INIT;
            const char *sep = "";
            for (size_t v = 0; v < nvars; v++) { /* the fields of the two guards, in order */
                if (strcmp(vars[v].name, g[pr->i]->when.field) == 0 ||
                    strcmp(vars[v].name, g[pr->j]->when.field) == 0) {
                    mc_buf_puts(&b, sep);
                    model_value(pv, &b, m, &vars[v]);
                    sep = " and ";
                }
            }
            Z3_model_dec_ref(pv->ctx, m);
            pr->model = mc_buf_take(&b);
            if (pr->model == NULL) {
                rc = nomem(pv);
            }
        } else {
            pr->verdict = r == Z3_L_FALSE ? PAIR_DISJOINT : PAIR_UNKNOWN;
        }
        Z3_solver_pop(pv->ctx, pv->solver, 1);
        if (rc == 0 && Z3_get_error_code(pv->ctx) != Z3_OK) {
            rc = solver_failed(pv);
        }
        if (rc != 0) {
            goto done;
        }
    }
done:
    for (size_t i = 0; i < nvars; i++) {
        free_var(&vars[i]);
    }
    mc_free(vars);
    mc_free(f);
    return rc;
}

/* The content key of group g: what its proof depends on. NULL out of memory. */
static char *group_key(const mc_procedure *p, const mc_transition *const *g, size_t ng)
{
    mc_buf b = MC_BUF_INIT;
    for (size_t i = 0; i < ng; i++) {
        const mc_cond *c = &g[i]->when;
        mc_buf_printf(&b, "%d|", (int)c->kind);
        if (c->kind == MC_COND_RULE) {
            mc_buf_printf(&b, "%s.%s", c->rule.module, c->rule.function);
        } else if (c->kind == MC_COND_DOCUMENTS_COMPLETE) {
            mc_buf_puts(&b, "documents complete");
        } else {
            mc_buf_printf(&b, "%s|%s", c->field, c->kind == MC_COND_IS ? c->value : "");
            const mc_field *f = mc_field_find(p->fields, p->nfields, c->field);
            if (f != NULL) {
                mc_buf_printf(&b, "|%d%d", (int)f->type, (int)f->required);
                for (size_t k = 0; k < f->options.n; k++) {
                    mc_buf_printf(&b, ",%s", f->options.items[k]);
                }
            }
        }
        mc_buf_puts(&b, "|by");
        for (size_t k = 0; k < g[i]->nroles; k++) {
            mc_buf_printf(&b, " %s", g[i]->roles[k]->name);
        }
        mc_buf_puts(&b, "\n");
    }
    return mc_buf_take(&b);
}

/* ---- notes ---- */

static owner *owner_of(prover *pv, const void *id, mc_pos pos)
{
    for (size_t i = 0; i < pv->owners.n; i++) {
        owner *o = pv->owners.items[i];
        if (o->id == id) {
            return o;
        }
    }
    owner *o = mc_calloc(1, sizeof *o);
    if (o == NULL || mc_ptrvec_push(&pv->owners, o) != 0) {
        mc_free(o);
        return NULL;
    }
    o->id = id;
    o->pos = pos;
    return o;
}

/* Adds item to list b of o (", " between), once. */
static int note_item(prover *pv, owner *o, mc_buf *b, const char *item)
{
    int rc = 0;
    char *key = mc_format("%c%s", b == &o->rules ? 'r' : 'w', item);
    if (key == NULL) {
        return nomem(pv);
    }
    if (put_once(pv, &o->seen, key, strlen(key), o, &rc)) {
        mc_buf_printf(b, "%s%s", b->len > 0 ? ", " : "", item);
    }
    mc_free(key);
    return b->oom ? nomem(pv) : rc;
}

/* The machine owner of state s in p: its lifecycle when s is one of the lifecycle's. */
static owner *owner_of_state(prover *pv, const mc_procedure *p, const mc_state *s)
{
    const mc_lifecycle *lc = p->lifecycle;
    for (size_t i = 0; lc != NULL && i < lc->machine.nstates; i++) {
        if (lc->machine.states[i] == s) {
            return owner_of(pv, lc, lc->pos);
        }
    }
    return owner_of(pv, p, p->pos);
}

/* ---- the walk ---- */

static int report(prover *pv, const mc_procedure *p, const mc_state *s,
                  const mc_transition *const *g, const group *gr)
{
    int rc = 0;
    for (size_t k = 0; k < gr->npairs && rc == 0; k++) {
        const pair_verdict *pr = &gr->pairs[k];
        const mc_transition *a = g[pr->i], *b = g[pr->j];
        if (pr->verdict == PAIR_OVERLAP) {
            uint32_t line, col;
            mc_catalogue_position(pv->cat, a->pos, &line, &col);
            char *msg =
                mc_format("guards overlap: this transition and the one at line %u both hold "
                          "when %s (the first written is taken)",
                          line, pr->model);
            if (msg == NULL) {
                return nomem(pv);
            }
            rc = say(pv, pv->diags, "guards-overlap", b->when.pos, msg);
            mc_free(msg);
        } else if (pr->verdict == PAIR_RULE || pr->verdict == PAIR_UNKNOWN) {
            pv->stats.unproven++;
            owner *o = owner_of_state(pv, p, s);
            if (o == NULL) {
                return nomem(pv);
            }
            for (int side = 0; side < 2 && rc == 0; side++) {
                const mc_cond *c = side == 0 ? &a->when : &b->when;
                if (opaque(c)) {
                    char *item = c->kind == MC_COND_RULE
                                     ? mc_format("rule %s.%s", c->rule.module, c->rule.function)
                                     : mc_format("documents complete");
                    rc = item == NULL ? nomem(pv) : note_item(pv, o, &o->rules, item);
                    mc_free(item);
                }
            }
            if (rc == 0 && pr->verdict == PAIR_UNKNOWN) {
                rc = note_item(pv, o, &o->rules, "the solver gave up");
            }
            char *item = mc_format("%s in %s", a->event, s->name);
            rc = rc != 0 ? rc : item == NULL ? nomem(pv) : note_item(pv, o, &o->where, item);
            mc_free(item);
        }
    }
    return rc;
}

/* The group of event t->event in s (first: the index of its first transition), if it has two
 * guards sharing a role: proved, or taken from the cache, then reported. */
static int event_group(prover *pv, const mc_procedure *p, const mc_state *s, size_t first)
{
    const char *event = s->on[first].event;
    const mc_transition **g = mc_calloc(s->non, sizeof *g);
    if (g == NULL) {
        return nomem(pv);
    }
    size_t ng = 0;
    for (size_t i = first; i < s->non; i++) {
        if (strcmp(s->on[i].event, event) == 0 && guarded(&s->on[i])) {
            g[ng++] = &s->on[i];
        }
    }
    size_t npairs = 0;
    for (size_t i = 0; i < ng; i++) {
        for (size_t j = i + 1; j < ng; j++) {
            npairs += share_role(g[i], g[j]);
        }
    }
    int rc = 0;
    char *key = NULL;
    if (npairs == 0) {
        goto done;
    }
    pv->stats.groups++;
    key = group_key(p, g, ng);
    if (key == NULL) {
        rc = nomem(pv);
        goto done;
    }
    group *gr = mc_map_get(&pv->groups, key, strlen(key));
    if (gr == NULL) {
        gr = mc_calloc(1, sizeof *gr);
        if (gr == NULL || mc_ptrvec_push(&pv->all_groups, gr) != 0) {
            mc_free(gr);
            rc = nomem(pv);
            goto done;
        }
        gr->pairs = mc_calloc(npairs, sizeof *gr->pairs);
        if (gr->pairs == NULL) {
            rc = nomem(pv);
            goto done;
        }
        for (size_t i = 0; i < ng; i++) {
            for (size_t j = i + 1; j < ng; j++) {
                if (share_role(g[i], g[j])) {
                    gr->pairs[gr->npairs++] = (pair_verdict){(uint32_t)i, (uint32_t)j, 0, NULL};
                }
            }
        }
        gr->key = key;
        key = NULL;
        if (mc_map_put(&pv->groups, gr->key, strlen(gr->key), gr) != 0) {
            rc = nomem(pv);
            goto done;
        }
        rc = prove_group(pv, gr, p, g, ng);
    }
    if (rc == 0) {
        rc = report(pv, p, s, g, gr);
    }
done:
    mc_free(key);
    mc_free(g);
    return rc;
}

static int machine(prover *pv, const mc_procedure *p)
{
    const mc_machine *m = &p->machine;
    for (size_t k = 0; k < m->nstates; k++) {
        const mc_state *s = m->states[k];
        size_t nguarded = 0;
        for (size_t i = 0; i < s->non && nguarded < 2; i++) {
            nguarded += guarded(&s->on[i]);
        }
        for (size_t i = 0; i < s->non && nguarded >= 2; i++) { /* else no group: the usual case */
            bool first = true;
            for (size_t j = 0; j < i && first; j++) {
                first = strcmp(s->on[j].event, s->on[i].event) != 0;
            }
            int rc = first ? event_group(pv, p, s, i) : 0;
            if (rc != 0) {
                return rc;
            }
        }
    }
    return 0;
}

static int write_notes(prover *pv)
{
    for (size_t i = 0; i < pv->owners.n; i++) {
        owner *o = pv->owners.items[i];
        if (o->rules.oom || o->where.oom) {
            return nomem(pv);
        }
        char *msg = mc_format("not proven (calls %s): %s", o->rules.data, o->where.data);
        if (msg == NULL) {
            return nomem(pv);
        }
        int rc = say(pv, pv->notes, NULL, o->pos, msg);
        mc_free(msg);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

int mc_prove_catalogue(const mc_catalogue *cat, mc_diags *diags, mc_diags *notes,
                       mc_prove_stats *stats, mc_error *err)
{
    prover pv;
    memset(&pv, 0, sizeof pv);
    pv.cat = cat;
    pv.diags = diags;
    pv.notes = notes;
    pv.err = err;
    pv.nsources = mc_catalogue_nfiles(cat);
    int rc = 0;
    pv.sources = mc_calloc(pv.nsources + 1, sizeof *pv.sources);
    if (pv.sources == NULL) {
        rc = nomem(&pv);
        goto done;
    }
    size_t n;
    const mc_procedure *const *procs = mc_catalogue_procedures(cat, &n);
    for (size_t i = 0; i < n && rc == 0; i++) {
        rc = machine(&pv, procs[i]);
    }
    if (rc == 0 && notes != NULL) {
        rc = write_notes(&pv);
    }
done:
    if (stats != NULL) {
        *stats = pv.stats;
    }
    for (size_t i = 0; i < pv.all_groups.n; i++) {
        group *gr = pv.all_groups.items[i];
        for (size_t k = 0; k < gr->npairs; k++) {
            mc_free(gr->pairs[k].model);
        }
        mc_free(gr->pairs);
        mc_free(gr->key);
        mc_free(gr);
    }
    for (size_t i = 0; i < pv.owners.n; i++) {
        owner *o = pv.owners.items[i];
        mc_buf_free(&o->rules);
        mc_buf_free(&o->where);
        mc_map_free(&o->seen);
        mc_free(o);
    }
    for (size_t i = 0; i < pv.keys.n; i++) {
        mc_free(pv.keys.items[i]);
    }
    for (size_t i = 0; pv.sources != NULL && i < pv.nsources; i++) {
        mc_source_free(pv.sources[i]);
    }
    mc_free(pv.sources);
    mc_ptrvec_free(&pv.all_groups);
    mc_ptrvec_free(&pv.owners);
    mc_ptrvec_free(&pv.keys);
    mc_map_free(&pv.groups);
    mc_map_free(&pv.said);
    if (pv.ctx != NULL) {
        Z3_solver_dec_ref(pv.ctx, pv.solver);
        Z3_del_context(pv.ctx);
    }
    return rc;
}
