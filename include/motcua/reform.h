/*
 * Applying a reform (SPEC §4.8): the catalogue as it would be if the reform were law. Scenarios
 * (`reform NAME`), cost comparison and simulation run against it; production dossiers never do.
 *
 * A reform is also a list of changes, one per directive line a reader sees (`time-limit 2wd`,
 * `drop requires household-book`, `holds marital-status-certificate`, `drop procedure x`…), so
 * that a study can say what each change is worth: a subset of them can be applied, and several
 * reforms can be stacked, each on the catalogue the previous one left.
 */
#ifndef MOTCUA_REFORM_H
#define MOTCUA_REFORM_H

#include "motcua/catalogue.h"
#include "motcua/msg.h"

/* Builds in *out the catalogue base as patched by reform: its registries hold more and take the
 * reform's other directives, every version of a patched procedure gets the patch (scalars
 * replaced; fields, requirements and states replaced by name, added, or dropped), dropped
 * procedures are gone. base may itself be the result of a reform (everything is matched by
 * name): a procedure it no longer has is not patched. *out shares what the reform leaves alone
 * with base, which must outlive it; free it with mc_catalogue_free. MC_ECHECK when the patched
 * machine has a transition to a state it lacks or no initial state; MC_ENOMEM. */
int mc_reform_apply(const mc_catalogue *base, const mc_reform *reform, mc_catalogue **out,
                    mc_error *err);

/* What a change can move: the legal cost formula of SPEC §8.1 (`motcua cost`), the simulation
 * (`motcua simulate`). A change that moves the cost moves the simulation too. */
enum { MC_CHANGE_COST = 1, MC_CHANGE_SIM = 2 };

/* What kind of line a change is (mc_reform_change.kind), so that a front end says it in words
 * without parsing its text. */
typedef enum mc_change_kind {
    MC_CHANGE_DIRECTIVE,        /* a scalar directive of a procedure block ("time-limit 3wd",
                                   "visits 0", "fee …", "online …", "title vi …"): directive, value */
    MC_CHANGE_REQUIRES,         /* a requirement added or replaced: element the document, value the
                                   rest of the line (NULL when none) */
    MC_CHANGE_DROP_REQUIRES,    /* `drop requires DOC`: element the document */
    MC_CHANGE_FIELD,            /* a field added or replaced: element the field (its definition is
                                   its block: value NULL) */
    MC_CHANGE_DROP_FIELD,       /* `drop field F`: element the field */
    MC_CHANGE_STATE,            /* a state added or replaced: element the state (value NULL) */
    MC_CHANGE_DROP_STATE,       /* `drop state S`: element the state */
    MC_CHANGE_HOLDS,            /* a registry now holds a document: element the document */
    MC_CHANGE_COVERAGE,         /* a registry's coverage: value as written ("95%") */
    MC_CHANGE_PUBLISHED,        /* a registry's `published`: value as written */
    MC_CHANGE_REGISTRY_TITLE,   /* a registry's title: value as written */
    MC_CHANGE_ABOLISH,          /* `drop procedure P`: target the procedure */
} mc_change_kind;

/* One change of a reform: one directive line as a reader sees it. */
typedef struct mc_reform_change {
    const char *reform; /* the reform's name */
    mc_pos pos;         /* where the change is written: the directive (`holds`: its document) */
    const char *target; /* the procedure or registry it changes */
    bool registry;      /* target is a registry */
    char text[200];     /* the change as written, on one line, without its block:
                           "time-limit 2wd", "drop requires household-book",
                           "requires electronic-birth-notice", "holds marital-status-certificate",
                           "coverage 95%", "drop procedure x", "state processing", "visits 0" */
    const char *legal_basis; /* the `legal-basis` of its requirement block, else of its procedure
                                block in the reform, else the reform's own (several lines joined
                                with "; "), else NULL */
    unsigned affects;        /* MC_CHANGE_COST and/or MC_CHANGE_SIM; 0: descriptive (title,
                                legal-basis, code, agency, applicant) */
    mc_change_kind kind;     /* what the line is */
    const char *directive;   /* the directive's name as written: "time-limit", "requires",
                                "drop", "holds", "coverage", "published", "title"… */
    const char *element;     /* the document, field or state it adds, replaces, drops or holds;
                                NULL for the other kinds */
    const char *value;       /* what the line sets, as written (strings quoted), without the
                                directive and the element, its block left out: "3wd", "95%",
                                "0", "50 per year", "vi \"…\"", a requirement's "when m"; NULL
                                when the line has nothing more (drops, holds, abolitions, a
                                field or state with its block) */
} mc_reform_change;

/* The reform's own `legal-basis` lines, in the order written (n 0: none); the strings live as
 * long as the catalogue r belongs to. */
mc_strings mc_reform_legal_basis(const mc_reform *r);

/* The number of changes of r (what a keep mask of mc_reform_apply_list counts). */
size_t mc_reform_nchanges(const mc_reform *r);

/* Lists r's changes in *out (*n of them), in the order written in its file: each scalar
 * directive of a procedure block, each `requires`/`field`/`state` (replaced or added), each
 * `drop requires|field|state`, each document of a registry block's `holds`, its `title`,
 * `coverage` and `published`, each `drop procedure`. The strings point into the catalogue r
 * belongs to, which must outlive them; the array is the caller's, freed with mc_free (NULL
 * when r has no change). Returns 0 or MC_ENOMEM. */
int mc_reform_changes(const mc_reform *r, mc_reform_change **out, size_t *n, mc_error *err);

/* Builds in *out base as patched by reforms[0..n), in order: the second applies to what the
 * first left (its scalars replace the first's, it may drop what the first added, and a procedure
 * the first abolished stays abolished), and so on. keep is NULL (every change of every reform)
 * or n masks, each NULL (every change of that reform) or one bool per change of that reform
 * (mc_reform_changes' order, mc_reform_nchanges of them): only the changes marked true are
 * applied. A subset may not stand on its own (a state kept whose transition goes to a state
 * left out): that is MC_ECHECK, with a message naming it. *out owns every intermediate
 * catalogue; free only it, with mc_catalogue_free; it shares the rest with base, which must
 * outlive it. n = 0 gives a copy of base. MC_EUSAGE when a reform is given twice ("reform 'x' is
 * given twice") or is NULL; MC_ECHECK, MC_ENOMEM as mc_reform_apply. */
int mc_reform_apply_list(const mc_catalogue *base, const mc_reform *const *reforms,
                         const bool *const *keep, size_t n, mc_catalogue **out, mc_error *err);

/* The conflicts between reforms r[0..n) stacked in that order, one English sentence each, in
 * *lines (*nlines of them; NULL when none), for instance "reforms data-simplification-2026 and
 * civil-data-2026 both change the time-limit of birth-registration: civil-data-2026's applies
 * (the later one)": both set the same directive of a procedure or registry, replace or drop the
 * same requirement, field or state, put a document in two registries; a later reform changes a
 * procedure an earlier one abolished (its change is not applied), or abolishes one an earlier
 * one changed. Free with mc_reform_conflicts_free. MC_EUSAGE when a reform is given twice or is
 * NULL; MC_ENOMEM. */
int mc_reform_conflicts(const mc_reform *const *r, size_t n, char ***lines, size_t *nlines,
                        mc_error *err);

/* Frees what mc_reform_conflicts gave (lines may be NULL). */
void mc_reform_conflicts_free(char **lines, size_t n);

/* One conflict as a message of the catalogue (msg.h): its code ("reform.conflict-…", static
 * storage) and arguments (names borrowed from the reforms, which must outlive it), so that a
 * front end says it in Vietnamese; mc_msg_format in English gives the sentence of
 * mc_reform_conflicts, byte for byte. */
typedef struct mc_reform_conflict {
    const char *code;
    const char *args[MC_MSG_MAXARGS];
    size_t nargs;
} mc_reform_conflict;

/* The conflicts of mc_reform_conflicts, as messages, in *out (*nout of them; NULL when none;
 * free with mc_free). The same errors. */
int mc_reform_conflicts_said(const mc_reform *const *r, size_t n, mc_reform_conflict **out,
                             size_t *nout, mc_error *err);

#endif
