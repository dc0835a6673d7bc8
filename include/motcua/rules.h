/*
 * Lua rules (SPEC §6): one sandboxed Lua 5.4 state holding every rule module of a catalogue,
 * and the calls the engine makes into it (conditions, guards, fees).
 *
 * Each module (rules/NAME.lua) is loaded as text only, runs once in an environment of its own,
 * and is then sealed: from then on assigning a global raises an error. Rules see only the
 * libraries string, table, math (seeded, deterministic), utf8 and coroutine, a short list of
 * base functions, `registry.holds`, `calendar.add` and `calendar.working_days`, and the
 * read-only dossier view `d`. Every call (and every module's first run) is bounded by an
 * instruction budget and a wall-clock deadline that neither pcall nor xpcall (nor its message
 * handler) inside the rule can escape, the deadline also checked inside pattern matching, and
 * by a memory cap enforced by the allocator. Each module's environment is its own; the base
 * and the libraries every module reads are read-only. A failed call changes nothing outside
 * the Lua state and leaves it usable.
 *
 * Errors of a call come back in mc_error as "rule MODULE.FUNCTION: FILE:LINE: MESSAGE", with
 * file and line set.
 */
#ifndef MOTCUA_RULES_H
#define MOTCUA_RULES_H

#include "motcua/calendar.h"
#include "motcua/catalogue.h"
#include "motcua/diag.h"
#include "motcua/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Error codes of rule calls (next to those of error.h). */
enum {
    MC_ERULE = -20,  /* the rule raised an error or returned the wrong kind of value */
    MC_ELIMIT = -21, /* the rule exceeded its instruction budget, deadline or memory cap */
};

enum { MC_RULES_TIME_MS = 50 }; /* the default deadline of one call */

typedef struct mc_rules_opts {
    size_t memory_cap; /* bytes a call may add to the state; default 8 MiB */
    uint64_t steps;    /* VM instructions a call may run; default 1,000,000 */
    uint32_t time_ms;  /* milliseconds of wall-clock time a call may run; 0: the default, 50 */
} mc_rules_opts;

#define MC_RULES_OPTS_INIT                                                                         \
    {                                                                                              \
        (size_t)8 << 20, 1000000, MC_RULES_TIME_MS                                                 \
    }

typedef struct mc_rules mc_rules;
typedef struct mc_rule mc_rule; /* a resolved MODULE.FUNCTION, owned by its mc_rules */

/* Creates an empty sandbox. opts may be NULL (defaults). */
int mc_rules_new(mc_rules **out, const mc_rules_opts *opts, mc_error *err);
void mc_rules_free(mc_rules *r);

/* Loads every *.lua of dir (sorted by name) as a module named after the file's stem. A missing
 * dir loads nothing. Syntax errors, errors raised while a module first runs, and invalid
 * module names are diagnostics at the file's line; the function returns MC_ECHECK when there
 * were any, MC_EIO when dir cannot be read, MC_ENOMEM. */
int mc_rules_load_dir(mc_rules *r, const char *dir, mc_diags *diags, mc_error *err);
/* Loads one module from text; path is the name shown in errors. diags may be NULL when only the
 * outcome matters. */
int mc_rules_load_buffer(mc_rules *r, const char *module, const char *path, const char *text,
                         size_t len, mc_diags *diags, mc_error *err);

/* Module and function names, for lint: true when MODULE is loaded / MODULE.FUNCTION is a
 * function. */
bool mc_rules_has_module(const mc_rules *r, const char *module);
/* True when rules/MODULE.lua was there but failed to load (its error is already reported). */
bool mc_rules_failed(const mc_rules *r, const char *module);
bool mc_rules_has(const mc_rules *r, const char *module, const char *function);
/* The names of the loaded modules, or of the functions of module (borrowed; *n set). */
const char *const *mc_rules_modules(const mc_rules *r, size_t *n);
const char *const *mc_rules_functions(const mc_rules *r, const char *module, size_t *n);
/* Coverage (issue 24): calls fn with the file and line of each line of Lua a call (or a
 * module's first run) runs from now on, through Lua's line hook; fn NULL stops it. fn must not
 * call into r. Slower while set: for tests, not for production. */
void mc_rules_trace(mc_rules *r, void (*fn)(void *ud, const char *file, int line), void *ud);
/* Calls fn with the file and line of each line that can run of module's functions: the active
 * lines (Lua's) of each function the module defines and of the Lua functions those hold as
 * upvalues (its local helpers), each function once, in no order; not the line of a function's
 * closing `end` (run only when the function falls off its end). A function made only inside
 * another one's body is not reached. 0, MC_ENOTFOUND (no such module), or MC_ENOMEM. */
int mc_rules_lines(mc_rules *r, const char *module,
                   void (*fn)(void *ud, const char *file, int line), void *ud, mc_error *err);

/* Fills names with the table through which the catalogue checks rule references against r
 * (catalogue.h, mc_load_opts.rules); r is borrowed and must outlive the load. */
void mc_rules_names(const mc_rules *r, mc_rule_names *names);

/* Resolves MODULE.FUNCTION once; later calls go through the cached reference. MC_ENOTFOUND when
 * there is no such function. */
int mc_rules_resolve(mc_rules *r, const char *module, const char *function, const mc_rule **out,
                     mc_error *err);

/* ---- the dossier as rules see it ---- */

typedef enum { MC_VAL_NIL, MC_VAL_TEXT, MC_VAL_INTEGER, MC_VAL_NUMBER, MC_VAL_BOOL } mc_val_kind;

typedef struct mc_val {
    mc_val_kind kind;
    const char *text; /* TEXT: also dates, choices */
    int64_t integer;  /* INTEGER: also money */
    double number;    /* NUMBER */
    bool boolean;     /* BOOL */
} mc_val;

typedef struct mc_view_field {
    const char *name;
    mc_val value;
} mc_view_field;

typedef struct mc_view_document {
    const char *name;
    const char *status; /* "asked", "fetched" or "provided" */
} mc_view_document;

/* A party of the dossier (issue 16) and its identifier (NULL: the dossier names none). */
typedef struct mc_view_party {
    const char *name;
    const char *id;
} mc_view_party;

/* What calls read of the dossier (mc_rule_view.reads), for a caller that weighs a rule over the
 * values it depends on (cost.h). A call only sets flags, never clears them: clear them before
 * the calls whose reads are wanted. Fields are watched by name when names is given (nnames
 * names, field has nnames flags: names[i] was looked up, whether the view sets it or not), else
 * by position in the view (field has view->nfields flags). */
typedef struct mc_rule_reads {
    const char *const *names; /* the fields to watch; NULL: the view's own fields */
    size_t nnames;
    bool *field;     /* d.fields[NAME] was looked up, one flag a watched field */
    bool other;      /* a field that is not watched was looked up */
    bool channel;    /* d.channel was read */
    bool all_fields; /* pairs(d.fields) was called: the rule may read every field */
} mc_rule_reads;

typedef struct mc_rule_view {
    const char *procedure, *version, *subject, *state, *channel, *submitted;
    const mc_view_field *fields;
    size_t nfields;
    const mc_view_document *documents;
    size_t ndocuments;
    const mc_view_party *parties; /* d.parties: the applicant first; NULL/0: none */
    size_t nparties;
    const mc_calendar *calendar; /* for calendar.add / working_days; NULL: built-in */
    /* registry.holds(registry, document, subject); NULL: always false */
    bool (*registry_holds)(void *ud, const char *registry, const char *document,
                           const char *subject);
    void *ud;
    /* the catalogue whose fee schedules fees.amount reads; NULL: the one given to
     * mc_rules_set_catalogue */
    const mc_catalogue *catalogue;
    /* what the calls read; NULL (the default): nothing is recorded, at no cost */
    mc_rule_reads *reads;
    /* NULL (the default): d.version and d.submitted are version and submitted. Else they are
     * asked of texts(ud, &version, &submitted) when a call reads one of them, for a caller
     * that writes them only when a rule reads them; the pointers set live as long as the
     * view. */
    void (*texts)(void *ud, const char **version, const char **submitted);
} mc_rule_view;

/* Runs a condition or guard: *result is its truth; a guard returning false, "reason" puts the
 * reason in reason (empty otherwise). A rule must return a boolean (or nil, meaning false).
 * Returns 0, MC_ERULE, MC_ELIMIT or MC_ENOMEM. */
int mc_rules_cond(mc_rules *r, const mc_rule *rule, const mc_rule_view *d, bool *result,
                  char *reason, size_t reasonsz, mc_error *err);
/* Runs a fee rule: a whole amount, 0 or more, in the procedure's currency. */
int mc_rules_fee(mc_rules *r, const mc_rule *rule, const mc_rule_view *d, int64_t *amount,
                 mc_error *err);

/* Ends the call running now, and every later call, at its next check of the deadline (within
 * about a hundred Lua instructions or a few thousand steps of a library function), as
 * MC_ELIMIT "rule M.F: FILE:LINE: interrupted"; module loads likewise. For a server that stops.
 * Safe to call from another thread or from a signal handler; there is no way back. */
void mc_rules_interrupt(mc_rules *r);

/* The catalogue whose fee schedules `fees.amount(NAME [, DATE])` reads (issue 16) when the
 * view of the call names none (an engine's views name its own); with neither, every call of it
 * raises. The catalogue is borrowed: it must outlive the calls. The command line's loader sets
 * it once the catalogue checked against these rules is loaded. */
void mc_rules_set_catalogue(mc_rules *r, const mc_catalogue *cat);

/* The calls of r that failed since it was made, for a server's metrics: errors (a rule raised,
 * or returned a value of the wrong kind: MC_ERULE), and overruns (MC_ELIMIT) of the instruction
 * budget, the memory cap and the time limit. An interrupt is none of these. */
typedef struct mc_rules_stats {
    uint64_t errors, steps, memory, time;
} mc_rules_stats;

/* Thread-safe: another thread may read them while r runs a rule. */
void mc_rules_stats_get(const mc_rules *r, mc_rules_stats *out);

/* Bytes the Lua state holds now (for tests and benchmarks). */
size_t mc_rules_memory(const mc_rules *r);

#endif
