/*
 * The builder's two passes, which make declarations out of parse trees for the loader (load.c).
 * Order across files does not matter: mcb_build_file() declares the names of a file's top-level
 * declarations (pass 1), and mcb_build_finish() builds the bodies kind by kind (calendars, roles,
 * documents and cost models, then registries, lifecycles, procedures and reforms: decl_*.c),
 * then runs the checks that span procedures (check.c).
 */
#include "decl_int.h"

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
};

/* ==== pass 1 ============================================================================= */

static const char *const kind_names[MCC_KINDS] = {
    "calendar",  "role",   "document",   "registry",     "lifecycle",
    "procedure", "reform", "cost model", "fee schedule",
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
    default:
        return sizeof(mc_cost_model);
    }
}

static mc_map *kind_map(mc_catalogue *cat, int kind)
{
    mc_map *maps[MCC_KINDS] = {&cat->calendar_map, &cat->role_map,       &cat->document_map,
                               &cat->registry_map, &cat->lifecycle_map,  &cat->version_map,
                               &cat->reform_map,   &cat->cost_model_map, &cat->fee_schedule_map};
    return maps[kind];
}

static mc_ptrvec *kind_vec(mc_catalogue *cat, int kind)
{
    mc_ptrvec *vecs[MCC_KINDS] = {&cat->calendars,  &cat->roles,       &cat->documents,
                                  &cat->registries, &cat->lifecycles,  &cat->procedures,
                                  &cat->reforms,    &cat->cost_models, &cat->fee_schedules};
    return vecs[kind];
}

/* Every declaration starts with its name and position, so they are set through this view. */
typedef struct head {
    const char *name;
    mc_pos pos;
} head;

static void declare(mcb_builder *b, const mc_node *n, int kind)
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
        mcb_error(b, t, "'%s' is a built-in role and cannot be declared again", name);
        return;
    }
    if (kind == MCB_K_ROLE && (strcmp(name, "when") == 0 || strcmp(name, "by") == 0 ||
                               strcmp(name, "chance") == 0 || strcmp(name, "restart-clock") == 0)) {
        mcb_error(b, t, "'%s' is a reserved word of transitions and cannot name a role", name);
        return;
    }
    if (prev != NULL && kind != MCB_K_PROCEDURE) {
        char where[300];
        mcb_where(b, ((head *)prev)->pos, where, sizeof where);
        mcb_error(b, t, "duplicate %s '%s' (first declared at %s)", kind_names[kind], name, where);
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
        }
        if (v->n == v->cap) {
            size_t cap = v->cap ? v->cap * 2 : 2;
            mc_procedure **items = mc_arena_grow(&cat->arena, v->items, v->n, cap, sizeof *items);
            if (items == NULL) {
                b->fatal = MC_ENOMEM;
                return;
            }
            v->items = items;
            v->cap = cap;
        }
        v->items[v->n++] = (mc_procedure *)obj;
    } else if (mc_map_put(map, name, strlen(name), obj) != 0) {
        b->fatal = MC_ENOMEM;
        return;
    }
    if (mcb_push(b, kind_vec(cat, kind), obj) != 0) {
        return;
    }
    if (b->ndecls == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        mcb_decl *d = mc_realloc(b->decls, cap * sizeof *d);
        if (d == NULL) {
            b->fatal = MC_ENOMEM;
            return;
        }
        b->decls = d;
        b->cap = cap;
    }
    b->decls[b->ndecls++] = (mcb_decl){n, kind, obj, b->file};
}

static void build_body(mcb_builder *b, mcb_decl *d)
{
    const mc_node *n = d->node;
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

int mcb_build_file(mcb_builder *b, mc_source *src, uint32_t file, const mc_node *tree)
{
    b->src = src;
    b->file = file;
    for (const mc_node *n = tree; n != NULL && !b->fatal; n = n->next) {
        if (n->broken || n->ntoks == 0 || n->toks[0].kind != MC_TOK_WORD) {
            continue;
        }
        if (misplaced(b, n)) {
            continue;
        }
        int k = mcb_lookup(b, n, top_table, MCC_KINDS, "declaration");
        if (k < 0 || mcb_check_shape(b, n, &top_table[k]) != 0) {
            continue;
        }
        declare(b, n, k);
    }
    return b->fatal;
}

int mcb_build_finish(mcb_builder *b)
{
    static const int order[MCC_KINDS] = {MCB_K_CALENDAR,   MCB_K_ROLE,         MCB_K_DOCUMENT,
                                         MCB_K_COST_MODEL, MCB_K_FEE_SCHEDULE, MCB_K_REGISTRY,
                                         MCB_K_LIFECYCLE,  MCB_K_PROCEDURE,    MCB_K_REFORM};
    for (int k = 0; k < MCC_KINDS && !b->fatal; k++) {
        for (size_t i = 0; i < b->ndecls && !b->fatal; i++) {
            mcb_decl *d = &b->decls[i];
            if (d->kind != order[k]) {
                continue;
            }
            b->src = b->cat->sources[d->file];
            b->file = d->file;
            build_body(b, d);
        }
        if (order[k] == MCB_K_PROCEDURE && !b->fatal) {
            mcb_check_versions(b);
        }
    }
    if (!b->fatal) {
        mcb_check_once_only(b);
    }
    return b->fatal;
}
