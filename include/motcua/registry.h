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

/* Imports src (a CSV file) into registry of cat, recording a `registry-import` event at instant
 * at (seconds since the epoch); a record issued after at's local date (the catalogue's default
 * calendar) is refused. Returns 0 and sets *count, MC_ECHECK when the file has problems
 * (in diags; nothing imported), or a store error. */
int mc_registry_import(mc_store *st, const mc_catalogue *cat, const char *registry, mc_source *src,
                       int64_t at, mc_diags *diags, size_t *count, mc_error *err);

#endif
