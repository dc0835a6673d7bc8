/*
 * Proofs over a loaded catalogue's state machines (issue 24), with the Z3 SMT solver: in each
 * state, the transitions of one event whose guards are conditions over fields (section 3 of
 * docs/language.md: FIELD, not FIELD, FIELD is VALUE) and that share a role are proved never to
 * hold together. The first written is taken at run time, so two that can both hold are a
 * warning at the second, with a counter-example dossier (the values of the fields the two
 * guards read). Guards that call Lua (`when rule M.F`) cannot be proved: they are reported in
 * one note per machine, never skipped silently. A bool field is a Bool; a choice an enumeration
 * of its options (and the empty value when it is not required); a text field an enumeration of
 * the values the guards name and one value that is none of them.
 *
 * A state's event is proved once per distinct content (its guards and roles, and the types of
 * the fields they read), so a lifecycle shared by hundreds of procedures costs one proof.
 */
#ifndef MOTCUA_PROVE_H
#define MOTCUA_PROVE_H

#include "motcua/catalogue.h"
#include "motcua/diag.h"
#include "motcua/error.h"

#include <stddef.h>

/* What a run did, for tests and benchmarks. groups: events of a state, over all machines, with
 * two or more guards that share a role; proofs: the distinct ones given to the solver (the others
 * came from the cache); checks: calls of the solver (one per pair of guards over fields);
 * unproven: pairs left unproven (a rule guard, or the solver gave up), counted in every machine. */
typedef struct mc_prove_stats {
    size_t groups, proofs, checks, unproven;
} mc_prove_stats;

/* Proves the guards of every machine of cat (each procedure version's; a lifecycle's states
 * through the procedures that use it). Each pair that can hold together is a warning in diags
 * at the second transition's condition: "guards overlap: this transition and the one at line N
 * both hold when F = V, … (the first written is taken)". Each machine with guards that call
 * Lua gets one note in notes (recorded as warnings there; notes may be NULL): "not proven
 * (calls rule M.F): EVENT in STATE, …", at the lifecycle or procedure. A diagnostic is
 * recorded once per position and text. stats may be NULL. Returns 0, MC_ENOMEM, or
 * MC_EINTERNAL when the solver fails (err says how). */
int mc_prove_catalogue(const mc_catalogue *cat, mc_diags *diags, mc_diags *notes,
                       mc_prove_stats *stats, mc_error *err);

#endif
