/*
 * What the declaration builders share privately (build.c, the two passes; decl.c, the toolkit;
 * decl_basic.c for calendars, roles, documents, registries and cost models; decl_machine.c for
 * lifecycles and states; decl_procedure.c for procedures, fields and requirements; decl_reform.c
 * for reforms; check.c for the checks that span a whole machine or every version of a procedure).
 *
 * Handlers report problems themselves (mcb_error and friends return -1 after recording the
 * diagnostic) and go on; out of memory sets b->fatal, which stops everything.
 *
 * The builder's private names start with mcb_ (MCB_ for constants), as Lua's lexer's start with
 * luaX_; what the catalogue's modules share besides (catalogue_int.h) starts with mcc_ (MCC_);
 * mc_ is for the public API.
 */
#ifndef MOTCUA_DECL_INT_H
#define MOTCUA_DECL_INT_H

#include "catalogue_int.h"

enum { MCB_NO_BLOCK, MCB_OPT_BLOCK, MCB_NEED_BLOCK };
#define MCB_ANY 255

typedef int (*mcb_handler)(mcb_builder *b, const mc_node *n, void *obj);

typedef struct mcb_directive {
    const char *name;
    uint8_t min, max; /* arguments after the name; max MCB_ANY: no limit */
    uint8_t block;    /* MCB_NO_BLOCK, MCB_OPT_BLOCK, MCB_NEED_BLOCK */
    bool once;        /* a second occurrence in one block is an error */
    mcb_handler fn;
    const char *usage; /* the arguments, as shown in messages */
} mcb_directive;

enum {
    MCB_K_CALENDAR,
    MCB_K_ROLE,
    MCB_K_DOCUMENT,
    MCB_K_REGISTRY,
    MCB_K_LIFECYCLE,
    MCB_K_PROCEDURE,
    MCB_K_REFORM,
    MCB_K_COST_MODEL,
    MCB_K_FEE_SCHEDULE,
    MCB_K_AGENCY,
};

/* What a top-level declaration does to the catalogue of lower layers (docs/language.md §1). */
enum {
    MCB_OP_DECLARE, /* KIND NAME { … }: a new name (or a new version of a procedure) */
    MCB_OP_EXTEND,  /* extend KIND NAME { … }: adds to a lower layer's declaration */
    MCB_OP_REPLACE, /* replace KIND NAME { … }: takes the place of a lower layer's declaration */
    MCB_OP_DROPPED, /* a declaration a later layer replaced: not built */
};

typedef struct mcb_decl {
    const mc_node *node; /* for extend and replace, a view that starts at the kind's word */
    int kind;
    int op;
    void *obj; /* the declaration built, or (extend) the lower layer's one it adds to */
    uint32_t file;
} mcb_decl;

struct mcb_builder {
    mc_catalogue *cat;
    mc_diags *diags;
    const mc_rule_names *rules; /* rule modules, or NULL */
    mc_source *src;             /* the file being built */
    uint32_t file;
    uint32_t layer; /* the layer of file */
    int fatal;
    mcb_decl *decls;
    size_t ndecls, cap;
    mc_map regex_cache[2]; /* pattern text -> mc_regex, [0] search, [1] whole-value */
    mc_ptrvec broken;      /* states whose block had errors (few: only on errors) */
};

/* ---- diagnostics (decl.c) ---- */
int mcb_error(mcb_builder *b, const mc_token *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* A warning named name (diag.h, mc_diag_warning_names) at token t of the file being built. */
int mcb_warn(mcb_builder *b, const char *name, const mc_token *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* A warning named name at pos, underlining len bytes. */
int mcb_warn_at(mcb_builder *b, const char *name, mc_pos pos, size_t len, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
int mcb_report_at(mcb_builder *b, mc_severity sev, mc_pos pos, size_t len, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
/* "line N" when pos is in the file being built, else "FILE:LINE:COL". */
void mcb_where(mcb_builder *b, mc_pos pos, char *out, size_t outsz);
mc_pos mcb_pos(const mcb_builder *b, const mc_token *t);

/* ---- allocation (decl.c) ---- */
void *mcb_alloc(mcb_builder *b, size_t size);
void *mcb_array(mcb_builder *b, size_t n, size_t elem);
char *mcb_strndup(mcb_builder *b, const char *s, size_t n);
char *mcb_tokdup(mcb_builder *b, const mc_token *t);
int mcb_push(mcb_builder *b, mc_ptrvec *v, void *p);
void *mcb_freeze(mcb_builder *b, const mc_ptrvec *v);

/* ---- tables (decl.c) ---- */
int mcb_lookup(mcb_builder *b, const mc_node *n, const mcb_directive *table, size_t ntable,
               const char *ctx);
int mcb_check_shape(mcb_builder *b, const mc_node *n, const mcb_directive *d);
/* Runs the directives of a block through table; returns the set of table indexes seen. */
uint64_t mcb_run(mcb_builder *b, const mc_node *first, const mcb_directive *table, size_t ntable,
                 const char *ctx, void *obj);
size_t mcb_count(const mc_node *first, const char *name);

/* ---- arguments (decl.c): each returns 0, or -1 after reporting ---- */
int mcb_name(mcb_builder *b, const mc_token *t, const char **out);
int mcb_string(mcb_builder *b, const mc_token *t, const char *what, const char **out);
int mcb_duration(mcb_builder *b, const mc_token *t, bool whole, mc_duration *out);
int mcb_date(mcb_builder *b, const mc_token *t, mc_date *out);
int mcb_percent(mcb_builder *b, const mc_token *t, mc_fixed *out);
int mcb_number(mcb_builder *b, const mc_token *t, mc_fixed *out);
int mcb_integer(mcb_builder *b, const mc_token *t, int64_t *out);
int mcb_bool(mcb_builder *b, const mc_token *t, bool *out);
int mcb_time(mcb_builder *b, const mc_token *t, bool allow_24, int *out);
int mcb_money(mcb_builder *b, const mc_token *amount, const mc_token *cur, mc_money *out);
/* `title [LANG] "text"` */
int mcb_titles(mcb_builder *b, const mc_node *n, mc_text *out);
int mcb_rule(mcb_builder *b, const mc_token *t, mc_rule_ref *out);
/* Parses a condition starting at toks[*i] (after `when`); *i moves past it. */
int mcb_cond(mcb_builder *b, const mc_node *n, size_t *i, mc_cond *out);
bool mcb_cond_equal(const mc_cond *a, const mc_cond *b);
void *mcb_resolve(mcb_builder *b, const mc_token *t, const mc_map *map, const char *kind);
void mcb_unknown(mcb_builder *b, const mc_token *t, const mc_map *map, const char *kind);
/* Compiles (or reuses) the pattern of a string token; NULL after reporting. */
const mc_regex *mcb_regex(mcb_builder *b, const mc_token *t, bool whole);

/* ---- titles (decl.c) ---- */
/* A declaration's titles while its block runs (first member of the handler's object when the
 * table uses mcb_title_handler). */
typedef struct mcb_titled {
    mc_text *titles;
    size_t n;
    mc_pos *pos; /* of each title, for "first at" */
} mcb_titled;
bool mcb_prepare_titles(mcb_builder *b, mcb_titled *t, const mc_node *block);
int mcb_add_title(mcb_builder *b, const mc_node *n, mcb_titled *t);
int mcb_title_handler(mcb_builder *b, const mc_node *n, void *obj);

/* ---- declarations ---- */
/* Pass 2 (build.c) builds the body of each declaration with one of these. */
void mcb_build_calendar(mcb_builder *b, mc_calendar *c, const mc_node *n);
/* Works out c's days off of its recurring holidays (c->observed) from c->recurring. */
void mcb_calendar_observe(mcb_builder *b, mc_calendar *c);
void mcb_build_role(mcb_builder *b, mc_role *r, const mc_node *n);
void mcb_build_document(mcb_builder *b, mc_document *d, const mc_node *n);
void mcb_build_registry(mcb_builder *b, mc_registry *r, const mc_node *n);
void mcb_build_cost_model(mcb_builder *b, mc_cost_model *m, const mc_node *n);
void mcb_build_lifecycle(mcb_builder *b, mc_lifecycle *l, const mc_node *n);
void mcb_build_procedure(mcb_builder *b, mc_procedure *p, const mc_node *n);
void mcb_build_reform(mcb_builder *b, mc_reform *r, const mc_node *n);
void mcb_build_fee_schedule(mcb_builder *b, mc_fee_schedule *s, const mc_node *n);
/* `event NAME { title … }` of a lifecycle or a procedure, pushed on events (mc_event *); a
 * second of the same name in one block is an error. */
int mcb_build_event(mcb_builder *b, const mc_node *n, mc_ptrvec *events);
/* The events as one array in the arena (NULL when there are none or out of memory). */
const mc_event *mcb_freeze_events(mcb_builder *b, const mc_ptrvec *events);
/* Reports each of events[0..n) that no transition of m fires (what: "lifecycle 'x'"). */
void mcb_check_events(mcb_builder *b, const mc_event *events, size_t n, const mc_machine *m,
                      const char *what);
void mcb_build_agency(mcb_builder *b, mc_agency *a, const mc_node *n);

/* ---- officers and arrivals (decl_staffing.c, issue 23) ---- */
/* An agency's block while it runs: titles first (mcb_title_handler works on them). */
typedef struct mcb_agency_build {
    mcb_titled t;
    mc_agency *a;
    mc_ptrvec staff; /* mc_staff *, in the arena */
} mcb_agency_build;
/* `staff ROLE N` and `arrivals { … }` of an agency block (obj: mcb_agency_build). */
int mcb_staff_handler(mcb_builder *b, const mc_node *n, void *obj);
int mcb_arrivals_handler(mcb_builder *b, const mc_node *n, void *obj);
/* Sets ab->a's staff from what the block said and frees the build's own memory. */
void mcb_agency_finish(mcb_builder *b, mcb_agency_build *ab);
/* Reads ROLE N (a staffed role, a number of officers) into *out; -1 after reporting. */
int mcb_staff_parse(mcb_builder *b, const mc_token *role, const mc_token *count, mc_staff *out);
/* Checks the reliefs of p's fee schedule against p's fields (decl_fee.c). */
void mcb_check_fee_schedule(mcb_builder *b, const mc_procedure *p);

/* Pass 2 of `extend KIND NAME { … }` (decl_layer.c): adds the block to d->obj, the lower
 * layer's registry, calendar or role, already built. */
void mcb_build_extend(mcb_builder *b, const mcb_decl *d);
/* "in layer 'NAME' " for a position in another layer than the file being built, when the
 * catalogue has more than one layer; "" otherwise (decl.c). */
void mcb_layer_of(mcb_builder *b, mc_pos pos, char *out, size_t outsz);

/* Registry directives, shared by registries and reform registry blocks. */
extern const mcb_directive mcb_registry_table[];
extern const size_t mcb_registry_table_n;
/* Procedure directives, shared by procedures and reform procedure blocks. */
extern const mcb_directive mcb_procedure_table[];
extern const size_t mcb_procedure_table_n;

/* ---- states and machines (decl_machine.c, check.c) ---- */
/* Builds one state from `state NAME { … }`; NULL after reporting. */
mc_state *mcb_build_state(mcb_builder *b, const mc_node *n);
/* Resolves the transition targets of states[from..n) against states[0..n). */
void mcb_resolve_targets(mcb_builder *b, mc_state **states, size_t n, size_t from);
/* Resolves the targets of the states of list against states[0..n). */
void mcb_resolve_list(mcb_builder *b, mc_state **list, size_t nlist, mc_state **states, size_t n);
/* The `state` handler: obj starts with an mc_ptrvec of states. */
int mcb_state_handler(mcb_builder *b, const mc_node *n, void *obj);
/* Builds a registry block into r; returns the set of registry-table indexes seen. */
uint32_t mcb_build_registry_block(mcb_builder *b, mc_registry *r, const mc_node *n);
/* Checks a whole machine: one initial state, a final state, reachability. what names it
 * ("lifecycle 'x'"), at pos. base (or NULL) is the lifecycle m was made from: its states
 * already reported unreachable there are not reported again. */
void mcb_check_machine(mcb_builder *b, mc_machine *m, const mc_machine *base, const char *what,
                       mc_pos pos);
/* Checks duplicate state names among states[0..n). */
void mcb_check_state_names(mcb_builder *b, mc_state **states, size_t n);
/* Procedure versions: sorts them and reports duplicate effective dates. */
void mcb_check_versions(mcb_builder *b);
/* Checks a condition against a procedure's fields. */
void mcb_check_cond(mcb_builder *b, const mc_cond *c, const mc_field *fields, size_t nfields,
                    const char *what);
/* Once-only warnings (§5): a document's match pattern that also matches another document's
 * title; a registry that holds a document no procedure requires. */
void mcb_check_once_only(mcb_builder *b);
/* Token arg of the first `word …` line in the block of the declaration of kind (MCB_K_*) that
 * built obj, with its file in *file: where a warning about that line points; or NULL. */
const mc_token *mcb_decl_arg(const mcb_builder *b, int kind, const void *obj, const char *word,
                             uint32_t arg, uint32_t *file);
/* Warns at t (a document's `match` string, compiled as re) when the pattern exhausts PCRE2's
 * limits on one of a few adversarial notes: such a note could not be checked (§5.3). */
void mcb_check_match_probe(mcb_builder *b, const mc_token *t, const mc_regex *re);

#endif
