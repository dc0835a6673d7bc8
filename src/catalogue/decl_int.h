/*
 * What the declaration builders share privately (build.c, the two passes; decl.c, the toolkit;
 * decl_basic.c for calendars, roles, documents, registries and cost models; decl_machine.c for
 * lifecycles and states; decl_procedure.c for procedures, fields and requirements; decl_reform.c
 * for reforms; check.c for the checks that span a whole machine or every version of a procedure).
 *
 * Handlers report problems themselves (mc_b_error and friends return -1 after recording the
 * diagnostic) and go on; out of memory sets b->fatal, which stops everything.
 */
#ifndef MOTCUA_DECL_INT_H
#define MOTCUA_DECL_INT_H

#include "catalogue_int.h"

enum { MC_NO_BLOCK, MC_OPT_BLOCK, MC_NEED_BLOCK };
#define MC_ANY 255

typedef int (*mc_handler)(mc_builder *b, const mc_node *n, void *obj);

typedef struct mc_directive {
    const char *name;
    uint8_t min, max; /* arguments after the name; max MC_ANY: no limit */
    uint8_t block;    /* MC_NO_BLOCK, MC_OPT_BLOCK, MC_NEED_BLOCK */
    bool once;        /* a second occurrence in one block is an error */
    mc_handler fn;
    const char *usage; /* the arguments, as shown in messages */
} mc_directive;

enum {
    MC_K_CALENDAR,
    MC_K_ROLE,
    MC_K_DOCUMENT,
    MC_K_REGISTRY,
    MC_K_LIFECYCLE,
    MC_K_PROCEDURE,
    MC_K_REFORM,
    MC_K_COST_MODEL,
};

typedef struct mc_decl {
    const mc_node *node;
    int kind;
    void *obj;
    uint32_t file;
} mc_decl;

struct mc_builder {
    mc_catalogue *cat;
    mc_diags *diags;
    const mc_rule_names *rules; /* rule modules, or NULL */
    mc_source *src;             /* the file being built */
    uint32_t file;
    int fatal;
    mc_decl *decls;
    size_t ndecls, cap;
    mc_map regex_cache[2]; /* pattern text -> mc_regex, [0] search, [1] whole-value */
    mc_ptrvec broken;      /* states whose block had errors (few: only on errors) */
};

/* ---- diagnostics (decl.c) ---- */
int mc_b_error(mc_builder *b, const mc_token *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
int mc_b_warn(mc_builder *b, const mc_token *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
int mc_b_report_at(mc_builder *b, mc_severity sev, mc_pos pos, size_t len, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
/* "line N" when pos is in the file being built, else "FILE:LINE:COL". */
void mc_b_where(mc_builder *b, mc_pos pos, char *out, size_t outsz);
mc_pos mc_b_pos(const mc_builder *b, const mc_token *t);

/* ---- allocation (decl.c) ---- */
void *mc_b_alloc(mc_builder *b, size_t size);
void *mc_b_array(mc_builder *b, size_t n, size_t elem);
char *mc_b_strndup(mc_builder *b, const char *s, size_t n);
char *mc_b_tokdup(mc_builder *b, const mc_token *t);
int mc_b_push(mc_builder *b, mc_ptrvec *v, void *p);
void *mc_b_freeze(mc_builder *b, const mc_ptrvec *v);

/* ---- tables (decl.c) ---- */
int mc_b_lookup(mc_builder *b, const mc_node *n, const mc_directive *table, size_t ntable,
                const char *ctx);
int mc_b_check_shape(mc_builder *b, const mc_node *n, const mc_directive *d);
/* Runs the directives of a block through table; returns the set of table indexes seen. */
uint64_t mc_b_run(mc_builder *b, const mc_node *first, const mc_directive *table, size_t ntable,
                  const char *ctx, void *obj);
size_t mc_b_count(const mc_node *first, const char *name);

/* ---- arguments (decl.c): each returns 0, or -1 after reporting ---- */
int mc_b_name(mc_builder *b, const mc_token *t, const char **out);
int mc_b_string(mc_builder *b, const mc_token *t, const char *what, const char **out);
int mc_b_duration(mc_builder *b, const mc_token *t, bool whole, mc_duration *out);
int mc_b_date(mc_builder *b, const mc_token *t, mc_date *out);
int mc_b_percent(mc_builder *b, const mc_token *t, mc_fixed *out);
int mc_b_number(mc_builder *b, const mc_token *t, mc_fixed *out);
int mc_b_integer(mc_builder *b, const mc_token *t, int64_t *out);
int mc_b_bool(mc_builder *b, const mc_token *t, bool *out);
int mc_b_time(mc_builder *b, const mc_token *t, bool allow_24, int *out);
int mc_b_money(mc_builder *b, const mc_token *amount, const mc_token *cur, mc_money *out);
/* `title [LANG] "text"` */
int mc_b_titles(mc_builder *b, const mc_node *n, mc_text *out);
int mc_b_rule(mc_builder *b, const mc_token *t, mc_rule_ref *out);
/* Parses a condition starting at toks[*i] (after `when`); *i moves past it. */
int mc_b_cond(mc_builder *b, const mc_node *n, size_t *i, mc_cond *out);
bool mc_cond_equal(const mc_cond *a, const mc_cond *b);
void *mc_b_resolve(mc_builder *b, const mc_token *t, const mc_map *map, const char *kind);
void mc_b_unknown(mc_builder *b, const mc_token *t, const mc_map *map, const char *kind);
/* Compiles (or reuses) the pattern of a string token; NULL after reporting. */
const mc_regex *mc_b_regex(mc_builder *b, const mc_token *t, bool whole);

/* ---- titles (decl.c) ---- */
/* A declaration's titles while its block runs (first member of the handler's object when the
 * table uses mc_title_handler). */
typedef struct mc_titled {
    mc_text *titles;
    size_t n;
    mc_pos *pos; /* of each title, for "first at" */
} mc_titled;
bool mc_b_prepare_titles(mc_builder *b, mc_titled *t, const mc_node *block);
int mc_b_add_title(mc_builder *b, const mc_node *n, mc_titled *t);
int mc_title_handler(mc_builder *b, const mc_node *n, void *obj);

/* ---- declarations ---- */
/* Pass 2 (build.c) builds the body of each declaration with one of these. */
void mc_build_calendar(mc_builder *b, mc_calendar *c, const mc_node *n);
void mc_build_role(mc_builder *b, mc_role *r, const mc_node *n);
void mc_build_document(mc_builder *b, mc_document *d, const mc_node *n);
void mc_build_registry(mc_builder *b, mc_registry *r, const mc_node *n);
void mc_build_cost_model(mc_builder *b, mc_cost_model *m, const mc_node *n);
void mc_build_lifecycle(mc_builder *b, mc_lifecycle *l, const mc_node *n);
void mc_build_procedure(mc_builder *b, mc_procedure *p, const mc_node *n);
void mc_build_reform(mc_builder *b, mc_reform *r, const mc_node *n);

/* Registry directives, shared by registries and reform registry blocks. */
extern const mc_directive mc_registry_table[];
extern const size_t mc_registry_table_n;
/* Procedure directives, shared by procedures and reform procedure blocks. */
extern const mc_directive mc_procedure_table[];
extern const size_t mc_procedure_table_n;

/* ---- states and machines (decl_machine.c, check.c) ---- */
/* Builds one state from `state NAME { … }`; NULL after reporting. */
mc_state *mc_build_state(mc_builder *b, const mc_node *n);
/* Resolves the transition targets of states[from..n) against states[0..n). */
void mc_resolve_targets(mc_builder *b, mc_state **states, size_t n, size_t from);
/* Resolves the targets of the states of list against states[0..n). */
void mc_resolve_list(mc_builder *b, mc_state **list, size_t nlist, mc_state **states, size_t n);
/* The `state` handler: obj starts with an mc_ptrvec of states. */
int mc_state_handler(mc_builder *b, const mc_node *n, void *obj);
/* Builds a registry block into r; returns the set of registry-table indexes seen. */
uint32_t mc_build_registry_block(mc_builder *b, mc_registry *r, const mc_node *n);
/* Checks a whole machine: one initial state, a final state, reachability. what names it
 * ("lifecycle 'x'"), at pos. base (or NULL) is the lifecycle m was made from: its states
 * already reported unreachable there are not reported again. */
void mc_check_machine(mc_builder *b, mc_machine *m, const mc_machine *base, const char *what,
                      mc_pos pos);
/* Checks duplicate state names among states[0..n). */
void mc_check_state_names(mc_builder *b, mc_state **states, size_t n);
/* Procedure versions: sorts them and reports duplicate effective dates. */
void mc_check_versions(mc_builder *b);
/* Checks a condition against a procedure's fields. */
void mc_check_cond(mc_builder *b, const mc_cond *c, const mc_field *fields, size_t nfields,
                   const char *what);
/* Once-only warnings (§5): a document's match pattern that also matches another document's
 * title; a registry that holds a document no procedure requires. */
void mc_check_once_only(mc_builder *b);
/* Warns at t (a document's `match` string, compiled as re) when the pattern exhausts PCRE2's
 * limits on one of a few adversarial notes: such a note could not be checked (§5.3). */
void mc_check_match_probe(mc_builder *b, const mc_token *t, const mc_regex *re);

#endif
