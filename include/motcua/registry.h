/*
 * Registry records from outside (SPEC §5.4): `motcua registry import REGISTRY FILE.csv` loads
 * rows `document,subject,reference,issued` into the store. The whole file is checked first —
 * header, UTF-8, known documents held by that registry, subjects (and the registry's `subjects`
 * pattern), one row per document and subject, unique references, dates not after the import —
 * and every problem is a diagnostic at its line and column; only a file without any is
 * imported, in one transaction.
 */
#ifndef MOTCUA_REGISTRY_H
#define MOTCUA_REGISTRY_H

#include "motcua/catalogue.h"
#include "motcua/diag.h"
#include "motcua/store.h"

/* Checks subject[0..len) against reg's `subjects` pattern (any subject passes a registry without
 * one). Returns 0 when a record of reg may be filed under it; MC_ESYNTAX with the reason in err
 * when it does not match, or when the pattern gave up (an unchecked subject is never filed);
 * MC_ENOMEM. Every route that files a record for reg calls it. */
int mc_registry_check_subject(const mc_registry *reg, const char *subject, size_t len,
                              mc_error *err);

/* Imports src (a CSV file) into registry of cat, recording a `registry-import` event at instant
 * at (seconds since the epoch); a record issued after at's local date (the catalogue's default
 * calendar) is refused. Returns 0 and sets *count, MC_ECHECK when the file has problems
 * (in diags; nothing imported), or a store error. */
int mc_registry_import(mc_store *st, const mc_catalogue *cat, const char *registry, mc_source *src,
                       int64_t at, mc_diags *diags, size_t *count, mc_error *err);

#endif
