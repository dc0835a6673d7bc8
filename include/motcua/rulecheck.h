/*
 * Lint's check of what rule modules name (issue 24): a scan of each module's tokens, by Lua
 * 5.4's lexical rules, with the scopes of its locals, finds
 *   - the names a rule passes as constants to the rule API and checks them against the
 *     catalogue, with a "did you mean": registries and documents of `registry.holds("R", "D",
 *     …)`, fee schedules of `fees.amount("S")`, fields of `d.fields["F"]` and `d.fields.F`,
 *     documents of `d.documents[…]`, parties of `d.parties[…]`, and the strings compared with
 *     `d.state`, `d.channel`, `d.procedure` and a document's status (d: the first parameter of
 *     any function of the module);
 *   - `d.fields.exempt-category`, which Lua reads as `d.fields.exempt - category`;
 *   - a read of a global that is neither available to rules (the sandbox, docs/language.md
 *     §12.5) nor defined by the module (a `function NAME` or an assignment to a global).
 * A name is known when the catalogue, or the catalogue as any of its reforms changes it, has
 * it; the names of a module no procedure uses (a rules/ folder shared with other catalogues)
 * are not checked, its globals are. Every mistake is an error at its line and column in the
 * module. What a rule computes (a name built at run time, a table that aliases d.fields) is not
 * followed.
 */
#ifndef MOTCUA_RULECHECK_H
#define MOTCUA_RULECHECK_H

#include "motcua/catalogue.h"
#include "motcua/diag.h"
#include "motcua/error.h"

#include <stddef.h>

typedef struct mc_rulecheck mc_rulecheck;

/* Makes a checker of modules against cat (borrowed: it must outlive the checker). Returns 0 or
 * MC_ENOMEM. */
int mc_rulecheck_new(mc_rulecheck **out, const mc_catalogue *cat, mc_error *err);
void mc_rulecheck_free(mc_rulecheck *rc);

/* Checks one module's source text[0..len); path is the name its diagnostics show. Mistakes are
 * errors in diags. Returns 0 (whatever it found) or MC_ENOMEM. A text Lua cannot read (its
 * loader reported that already) is checked as far as its tokens go. */
int mc_rulecheck_buffer(mc_rulecheck *rc, const char *path, const char *text, size_t len,
                        mc_diags *diags, mc_error *err);
/* Checks every *.lua directly in dir (a missing dir has none), as mc_rules_load_dir loads them.
 * Returns 0, MC_EIO (a file or dir cannot be read) or MC_ENOMEM. */
int mc_rulecheck_dir(mc_rulecheck *rc, const char *dir, mc_diags *diags, mc_error *err);

#endif
