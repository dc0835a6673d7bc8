/*
 * The builder's two passes, which make declarations out of parse trees for the loader (load.c).
 * Order across files does not matter: mcb_build_file() declares the names of a file's top-level
 * declarations (pass 1), and mcb_build_finish() builds the bodies kind by kind (calendars, roles,
 * documents and cost models, then registries, lifecycles, procedures and reforms: decl_*.c),
 * then runs the checks that span procedures (check.c).
 */
#include "decl_int.h"
#include "decl_procedure.h"

#include "base/grow.h"
#include "base/suggest.h"

#include "motcua/alloc.h"

#include <string.h>

/* ==== builder ============================================================================ */

int mcb_builder_new(mcb_builder **out, mc_catalogue *cat, mc_diags *diags,
                    const mc_rule_names *rules)
{
    mcb_builder *b = mc_calloc(1, sizeof *b);
    if (b == NULL) {
        return MC_ENOMEM;
    }
    b->cat = cat;
    b->diags = diags;
    b->rules = rules;
    *out = b;
    return 0;
}

void mcb_builder_free(mcb_builder *b)
{
    if (b != NULL) {
        mc_free(b->decls);
        mc_ptrvec_free(&b->broken);
        mc_map_free(&b->regex_cache[0]);
        mc_map_free(&b->regex_cache[1]);
        mc_free(b);
    }
}

static const mcb_directive top_table[MCC_KINDS] = {
    [MCB_K_CALENDAR] = {"calendar", 1, 1, MCB_NEED_BLOCK, false, NULL, "NAME"},
    [MCB_K_ROLE] = {"role", 1, 1, MCB_OPT_BLOCK, false, NULL, "NAME"},
    [MCB_K_DOCUMENT] = {"document", 1, 1, MCB_OPT_BLOCK, false, NULL, "NAME"},
    [MCB_K_REGISTRY] = {"registry", 1, 1, MCB_OPT_BLOCK, false, NULL, "NAME"},
    [MCB_K_LIFECYCLE] = {"lifecycle", 1, 1, MCB_NEED_BLOCK, false, NULL, "NAME"},
    [MCB_K_PROCEDURE] = {"procedure", 1, 1, MCB_NEED_BLOCK, false, NULL, "NAME"},
    [MCB_K_REFORM] = {"reform", 1, 1, MCB_NEED_BLOCK, false, NULL, "NAME"},
    [MCB_K_COST_MODEL] = {"cost-model", 1, 1, MCB_NEED_BLOCK, false, NULL, "NAME"},
    [MCB_K_FEE_SCHEDULE] = {"fee-schedule", 1, 1, MCB_NEED_BLOCK, false, NULL, "NAME"},
    [MCB_K_AGENCY] = {"agency", 1, 1, MCB_NEED_BLOCK, false, NULL, "NAME"},
};

/* ==== pass 1 ============================================================================= */

static const char *const kind_names[MCC_KINDS] = {
    "calendar",  "role",   "document",   "registry",     "lifecycle",
    "procedure", "reform", "cost model", "fee schedule", "agency",
};

static size_t kind_size(int kind)
{
    switch (kind) {
    case MCB_K_CALENDAR:
        return sizeof(mc_calendar);
    case MCB_K_ROLE:
        return sizeof(mc_role);
    case MCB_K_DOCUMENT:
        return sizeof(mc_document);
    case MCB_K_REGISTRY:
        return sizeof(mc_registry);
    case MCB_K_LIFECYCLE:
        return sizeof(mc_lifecycle);
    case MCB_K_PROCEDURE:
        return sizeof(mc_procedure);
    case MCB_K_REFORM:
        return sizeof(mc_reform);
    case MCB_K_FEE_SCHEDULE:
        return sizeof(mc_fee_schedule);
    case MCB_K_AGENCY:
        return sizeof(mc_agency);
    default:
        return sizeof(mc_cost_model);
    }
}

static mc_map *kind_map(mc_catalogue *cat, int kind)
{
    mc_map *maps[MCC_KINDS] = {&cat->calendar_map, &cat->role_map,       &cat->document_map,
                               &cat->registry_map, &cat->lifecycle_map,  &cat->version_map,
                               &cat->reform_map,   &cat->cost_model_map, &cat->fee_schedule_map,
                               &cat->agency_map};
    return maps[kind];
}

static mc_ptrvec *kind_vec(mc_catalogue *cat, int kind)
{
    mc_ptrvec *vecs[MCC_KINDS] = {&cat->calendars,  &cat->roles,       &cat->documents,
                                  &cat->registries, &cat->lifecycles,  &cat->procedures,
                                  &cat->reforms,    &cat->cost_models, &cat->fee_schedules,
                                  &cat->agencies};
    return vecs[kind];
}

/* Every declaration starts with its name and position, so they are set through this view. */
typedef struct head {
    const char *name;
    mc_pos pos;
} head;

/* ---- layers ---- */

static const char *const op_words[] = {"", "extend", "replace"};

static bool extendable(int kind)
{
    return kind == MCB_K_CALENDAR || kind == MCB_K_ROLE || kind == MCB_K_REGISTRY;
}

/* Where the declaration prev (of kind) was written: a procedure's first version. */
static mc_pos prev_pos(const void *prev, int kind)
{
    if (kind == MCB_K_PROCEDURE) {
        const mcc_versions *v = prev;
        return v->items[0]->pos;
    }
    return ((const head *)prev)->pos;
}

static uint32_t layer_at(const mc_catalogue *cat, mc_pos pos)
{
    return pos.file < cat->nsources ? cat->source_layers[pos.file] : 0;
}

/* Marks every declaration of pass 2 that builds or extends obj as dropped. */
static void drop_decls(mcb_builder *b, const void *obj)
{
    for (size_t i = 0; i < b->ndecls; i++) {
        if (b->decls[i].obj == obj) {
            b->decls[i].op = MCB_OP_DROPPED;
            b->cat->layer_decls[i].replaced = true; /* recorded with decls[i] (push_decl) */
        }
    }
}

/* Puts repl in the place of old in v, or removes old (keeping the order) when repl is NULL. */
static void vec_replace(mc_ptrvec *v, const void *old, void *repl)
{
    for (size_t i = 0; i < v->n; i++) {
        if (v->items[i] != old) {
            continue;
        }
        if (repl != NULL) {
            v->items[i] = repl;
        } else {
            memmove(&v->items[i], &v->items[i + 1], (v->n - i - 1) * sizeof *v->items);
            v->n--;
        }
        return;
    }
}

/* `extend KIND NAME` or `replace KIND NAME` where no lower layer declares NAME. */
static void unknown_below(mcb_builder *b, const mc_token *t, const mc_map *map, int kind, int op)
{
    mc_suggest s;
    mc_suggest_init(&s, t->text, t->text_len);
    for (size_t i = 0; i < map->cap; i++) {
        if (map->slots[i].key != NULL) {
            mc_suggest_offer(&s, map->slots[i].key);
        }
    }
    int shown = t->text_len > 64 ? 64 : (int)t->text_len;
    if (s.best != NULL) {
        mcb_error(b, t, "no lower layer declares %s '%.*s' to %s (did you mean '%s'?)",
                  kind_names[kind], shown, t->text, op_words[op], s.best);
    } else {
        mcb_error(b, t, "no lower layer declares %s '%.*s' to %s", kind_names[kind], shown, t->text,
                  op_words[op]);
    }
}

/* A name declared again: in the same layer as its first declaration, or over a lower layer's
 * without `replace`. */
static void duplicate(mcb_builder *b, const mc_token *t, int kind, const char *name,
                      const void *prev)
{
    char where[300], layer[200];
    mc_pos pos = prev_pos(prev, kind);
    mcb_where(b, pos, where, sizeof where);
    if (layer_at(b->cat, pos) == b->layer) {
        mcb_error(b, t, "duplicate %s '%s' (first declared at %s)", kind_names[kind], name, where);
        return;
    }
    mcb_layer_of(b, pos, layer, sizeof layer);
    if (extendable(kind)) {
        mcb_error(b, t,
                  "duplicate %s '%s' (first declared %sat %s; write 'extend %s %s' to add to it "
                  "or 'replace %s %s' to replace it)",
                  kind_names[kind], name, layer, where, top_table[kind].name, name,
                  top_table[kind].name, name);
    } else {
        mcb_error(b, t,
                  "duplicate %s '%s' (first declared %sat %s; write 'replace %s %s' to replace "
                  "it)",
                  kind_names[kind], name, layer, where, top_table[kind].name, name);
    }
}

/* Checks that `extend`/`replace` (op) names a declaration of a lower layer: prev. */
static bool below(mcb_builder *b, const mc_token *t, int kind, int op, const char *name,
                  const void *prev)
{
    if (prev == NULL) {
        unknown_below(b, t, kind_map(b->cat, kind), kind, op);
        return false;
    }
    mc_pos pos = prev_pos(prev, kind);
    if (layer_at(b->cat, pos) != b->layer) {
        return true;
    }
    char where[300];
    mcb_where(b, pos, where, sizeof where);
    if (op == MCB_OP_EXTEND) {
        mcb_error(b, t,
                  "%s '%s' is declared in this layer (at %s): write what 'extend' adds in that "
                  "declaration",
                  kind_names[kind], name, where);
    } else {
        mcb_error(b, t,
                  "%s '%s' is declared in this layer (at %s): change that declaration instead "
                  "of replacing it",
                  kind_names[kind], name, where);
    }
    return false;
}

/* The end of node n in text (len bytes): past its last token, or past the `}` of its block
 * (blanks, `;` and comments skipped after its last directive). */
static uint32_t node_end(const char *text, size_t len, const mc_node *n)
{
    uint32_t end = n->ntoks > 0 ? n->toks[n->ntoks - 1].off + n->toks[n->ntoks - 1].len : 0;
    if (!n->has_block) {
        return end;
    }
    end = n->lbrace + 1;
    for (const mc_node *c = n->child; c != NULL; c = c->next) {
        uint32_t e = node_end(text, len, c);
        end = e > end ? e : end;
    }
    for (size_t i = end; i < len; i++) {
        if (text[i] == '#') {
            while (i + 1 < len && text[i + 1] != '\n') {
                i++;
            }
        } else if (text[i] == '}') {
            return (uint32_t)i + 1;
        }
    }
    return (uint32_t)len;
}

/* Records where a procedure's or a lifecycle's declaration is written, for its stored text
 * (mc_procedure_text); n is the view from the kind's word (`replace` left out). */
static void keep_span(mcb_builder *b, const mc_node *n, int kind, void *obj)
{
    const char *text = mc_source_text(b->src);
    size_t len = mc_source_len(b->src);
    uint32_t start = n->toks[0].off, end = node_end(text, len, n);
    if (kind == MCB_K_PROCEDURE) {
        mc_procedure *p = obj;
        p->text_file = b->file;
        p->text_start = start;
        p->text_end = end;
    } else if (kind == MCB_K_LIFECYCLE) {
        mc_lifecycle *l = obj;
        l->text_file = b->file;
        l->text_start = start;
        l->text_end = end;
    }
}

/* Records a declaration for pass 2, and as written for mc_catalogue_layer_decls (the two lists
 * keep the same indexes). */
static void push_decl(mcb_builder *b, const mc_node *n, int kind, int op, void *obj)
{
    mc_catalogue *cat = b->cat;
    if (mc_grow(&b->decls, &b->cap, b->ndecls + 1, sizeof *b->decls) != 0 ||
        mc_arena_grow_array(&cat->arena, &cat->layer_decls, &cat->layer_decls_cap,
                            cat->nlayer_decls, cat->nlayer_decls + 1,
                            sizeof *cat->layer_decls) != 0) {
        b->fatal = MC_ENOMEM;
        return;
    }
    static const mc_layer_op ops[] = {[MCB_OP_DECLARE] = MC_LAYER_DECLARES,
                                      [MCB_OP_EXTEND] = MC_LAYER_EXTENDS,
                                      [MCB_OP_REPLACE] = MC_LAYER_REPLACES};
    cat->layer_decls[cat->nlayer_decls++] = (mc_layer_decl){
        .op = ops[op],
        .kind = top_table[kind].name,
        /* extend's obj for a procedure is the list of its versions */
        .name = op == MCB_OP_EXTEND && kind == MCB_K_PROCEDURE
                    ? ((const mcc_versions *)obj)->items[0]->name
                    : ((const head *)obj)->name,
        .pos = mcb_pos(b, &n->toks[1]),
        .replaced = false,
    };
    b->decls[b->ndecls++] = (mcb_decl){n, kind, op, obj, b->file};
    if (op != MCB_OP_EXTEND) {
        keep_span(b, n, kind, obj);
    }
}

/* Drops every version of procedure list v (a lower layer's) before a `replace procedure`. */
static void drop_versions(mcb_builder *b, mcc_versions *v)
{
    drop_decls(b, v); /* the extensions of the lower layers go with them */
    for (size_t i = 0; i < v->n; i++) {
        drop_decls(b, v->items[i]);
        vec_replace(&b->cat->procedures, v->items[i], NULL);
    }
    v->n = 0;
}

/* Pass 1 of a top-level declaration: n starts at the kind's word (for extend and replace, a
 * view past the first word), toks[1] is the name. */
static void declare(mcb_builder *b, const mc_node *n, int kind, int op)
{
    const mc_token *t = &n->toks[1];
    const char *name;
    if (mcb_name(b, t, &name) != 0) {
        return;
    }
    mc_catalogue *cat = b->cat;
    mc_map *map = kind_map(cat, kind);
    void *prev = mc_map_get(map, t->text, t->text_len);
    if (kind == MCB_K_ROLE && (strcmp(name, "applicant") == 0 || strcmp(name, "system") == 0)) {
        if (op == MCB_OP_DECLARE) {
            mcb_error(b, t, "'%s' is a built-in role and cannot be declared again", name);
        } else {
            mcb_error(b, t, "'%s' is a built-in role and cannot be %s", name,
                      op == MCB_OP_EXTEND ? "extended" : "replaced");
        }
        return;
    }
    if (kind == MCB_K_ROLE && (strcmp(name, "when") == 0 || strcmp(name, "by") == 0 ||
                               strcmp(name, "chance") == 0 || strcmp(name, "restart-clock") == 0)) {
        mcb_error(b, t, "'%s' is a reserved word of transitions and cannot name a role", name);
        return;
    }
    if (op != MCB_OP_DECLARE && !below(b, t, kind, op, name, prev)) {
        return;
    }
    if (op == MCB_OP_EXTEND) {
        push_decl(b, n, kind, op, prev);
        return;
    }
    if (op == MCB_OP_DECLARE && prev != NULL &&
        (kind != MCB_K_PROCEDURE || layer_at(cat, prev_pos(prev, kind)) != b->layer)) {
        duplicate(b, t, kind, name, prev);
        return;
    }
    head *obj = mcb_alloc(b, kind_size(kind));
    if (obj == NULL) {
        return;
    }
    obj->name = name;
    obj->pos = mcb_pos(b, t);
    if (kind == MCB_K_PROCEDURE) {
        mcc_versions *v = prev;
        if (v == NULL) {
            v = mcb_alloc(b, sizeof *v);
            if (v == NULL || mc_map_put(map, name, strlen(name), v) != 0) {
                b->fatal = MC_ENOMEM;
                return;
            }
            cat->nnames++;
        } else if (op == MCB_OP_REPLACE) {
            drop_versions(b, v);
        }
        if (mc_arena_grow_array(&cat->arena, &v->items, &v->cap, v->n, v->n + 1,
                                sizeof *v->items) != 0) {
            b->fatal = MC_ENOMEM;
            return;
        }
        v->items[v->n++] = (mc_procedure *)obj;
    } else if (mc_map_put(map, name, strlen(name), obj) != 0) {
        b->fatal = MC_ENOMEM;
        return;
    }
    if (op == MCB_OP_REPLACE && kind != MCB_K_PROCEDURE) {
        /* In the lower layer's place, so that listings keep their order. */
        drop_decls(b, prev);
        vec_replace(kind_vec(cat, kind), prev, obj);
    } else if (mcb_push(b, kind_vec(cat, kind), obj) != 0) {
        return;
    }
    push_decl(b, n, kind, op, obj);
}

static void build_body(mcb_builder *b, mcb_decl *d)
{
    const mc_node *n = d->node;
    if (d->op == MCB_OP_DROPPED) {
        return;
    }
    if (d->op == MCB_OP_EXTEND) {
        mcb_build_extend(b, d);
        return;
    }
    switch (d->kind) {
    case MCB_K_CALENDAR:
        mcb_build_calendar(b, d->obj, n);
        break;
    case MCB_K_ROLE:
        mcb_build_role(b, d->obj, n);
        break;
    case MCB_K_DOCUMENT:
        mcb_build_document(b, d->obj, n);
        break;
    case MCB_K_REGISTRY:
        mcb_build_registry(b, d->obj, n);
        break;
    case MCB_K_LIFECYCLE:
        mcb_build_lifecycle(b, d->obj, n);
        break;
    case MCB_K_PROCEDURE:
        mcb_build_procedure(b, d->obj, n);
        break;
    case MCB_K_REFORM:
        mcb_build_reform(b, d->obj, n);
        break;
    case MCB_K_FEE_SCHEDULE:
        mcb_build_fee_schedule(b, d->obj, n);
        break;
    case MCB_K_AGENCY:
        mcb_build_agency(b, d->obj, n);
        break;
    default:
        mcb_build_cost_model(b, d->obj, n);
        break;
    }
}

/* ==== pass 2 ============================================================================= */

/* Directives that only make sense inside a block, written at the top level by mistake. */
static bool misplaced(mcb_builder *b, const mc_node *n)
{
    static const char *const where[][2] = {
        {"drop", "a reform (write: reform NAME { drop procedure … })"},
        {"state", "a lifecycle or a procedure"},
        {"event", "a lifecycle or a procedure (it titles the event its transitions fire)"},
        {"field", "a procedure"},
        {"requires", "a procedure"},
        {"on", "a state"},
        {"after", "a state"},
        {"holds", "a registry"},
        {"holiday", "a calendar"},
        {"title", "a declaration's block"},
    };
    for (size_t i = 0; i < sizeof where / sizeof where[0]; i++) {
        if (mc_tok_is(&n->toks[0], where[i][0])) {
            mcb_error(b, &n->toks[0], "'%s' is only allowed inside %s", where[i][0], where[i][1]);
            return true;
        }
    }
    return false;
}

/* `extend KIND NAME { … }` and `replace KIND NAME { … }`: the kind's word and what follows,
 * as a node of its own (copied into the arena: pass 2 keeps it). NULL after reporting. */
static const mc_node *layered(mcb_builder *b, const mc_node *n, int op, int *kind)
{
    if (n->ntoks < 2) {
        mcb_error(b, &n->toks[0], "'%s' needs the kind and name of a declaration (write: %s %s)",
                  op_words[op], op_words[op],
                  op == MCB_OP_EXTEND ? "registry NAME { holds … }" : "procedure NAME { … }");
        return NULL;
    }
    mc_node *view = mcb_alloc(b, sizeof *view);
    if (view == NULL) {
        return NULL;
    }
    *view = *n;
    view->toks = n->toks + 1;
    view->ntoks = n->ntoks - 1;
    *kind = mcb_lookup(b, view, top_table, MCC_KINDS, "declaration");
    if (*kind < 0 || mcb_check_shape(b, view, &top_table[*kind]) != 0) {
        return NULL;
    }
    if (op == MCB_OP_EXTEND && !extendable(*kind) && *kind != MCB_K_LIFECYCLE &&
        *kind != MCB_K_PROCEDURE) {
        mcb_error(b, &view->toks[0],
                  "only registries, calendars and roles can be extended, and lifecycles and "
                  "procedures for their simulation figures (write: replace %s %.*s { … })",
                  top_table[*kind].name,
                  view->toks[1].text_len > 64 ? 64 : (int)view->toks[1].text_len,
                  view->toks[1].text);
        return NULL;
    }
    if (op == MCB_OP_EXTEND && !view->has_block) {
        mcb_error(b, &view->toks[1], "'extend %s' needs a block of what it adds",
                  top_table[*kind].name);
        return NULL;
    }
    return view;
}

int mcb_build_file(mcb_builder *b, mc_source *src, uint32_t file, const mc_node *tree)
{
    b->src = src;
    b->file = file;
    b->layer = b->cat->source_layers[file];
    for (const mc_node *n = tree; n != NULL && !b->fatal; n = n->next) {
        if (n->broken || n->ntoks == 0 || n->toks[0].kind != MC_TOK_WORD) {
            continue;
        }
        if (misplaced(b, n)) {
            continue;
        }
        int op = mc_tok_is(&n->toks[0], "extend")    ? MCB_OP_EXTEND
                 : mc_tok_is(&n->toks[0], "replace") ? MCB_OP_REPLACE
                                                     : MCB_OP_DECLARE;
        int k;
        const mc_node *d = n;
        if (op != MCB_OP_DECLARE) {
            d = layered(b, n, op, &k);
            if (d == NULL) {
                continue;
            }
        } else {
            k = mcb_lookup(b, n, top_table, MCC_KINDS, "declaration");
            if (k < 0 || mcb_check_shape(b, n, &top_table[k]) != 0) {
                continue;
            }
        }
        declare(b, d, k, op);
    }
    return b->fatal;
}

int mcb_build_finish(mcb_builder *b)
{
    static const int order[MCC_KINDS] = {
        MCB_K_CALENDAR,  MCB_K_ROLE,      MCB_K_AGENCY,   MCB_K_DOCUMENT, MCB_K_COST_MODEL,
        MCB_K_FEE_SCHEDULE, MCB_K_REGISTRY, MCB_K_LIFECYCLE, MCB_K_PROCEDURE, MCB_K_REFORM};
    for (int k = 0; k < MCC_KINDS && !b->fatal; k++) {
        for (size_t i = 0; i < b->ndecls && !b->fatal; i++) {
            mcb_decl *d = &b->decls[i];
            if (d->kind != order[k]) {
                continue;
            }
            b->src = b->cat->sources[d->file];
            b->file = d->file;
            b->layer = b->cat->source_layers[d->file];
            build_body(b, d);
        }
        if (order[k] == MCB_K_PROCEDURE && !b->fatal) {
            mcb_check_versions(b);
            mcb_check_codes(b);
            mcb_check_parts(b);
        }
    }
    if (!b->fatal) {
        mcb_check_once_only(b);
    }
    return b->fatal;
}
