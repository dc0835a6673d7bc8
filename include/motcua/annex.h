/*
 * Import of a resolution's annex of replaced documents (Resolution 66.7/2025/NQ-CP, annex I)
 * into catalogue files. The annex is a CSV of rows `row, procedure_code, procedure_name,
 * replaced_documents, database, database_ministry, legal_document, legal_provision, sector`.
 *
 * Two data files steer the import, so that no spelling is a branch in code:
 * - the tables (data/annex-66-7/tables.tsv): how the annex spells each database, document and
 *   sector, and which registry, document and agency each spelling stands for;
 * - the assumptions (data/annex-66-7/assumptions.tsv): the cost-model inputs the annex lacks
 *   (volume, effort, visits, time limit per sector; coverage of the new registries).
 *
 * Problems go into an mc_diags, never to the screen: a malformed file (CSV structure, invalid
 * UTF-8, wrong column count, empty code, a bad table line) is an error and nothing is written;
 * a row or a spelling that maps nowhere is a warning at FILE:LINE:COL naming the annex row, and
 * the rest of the row is imported. The output is deterministic: the same inputs give the same
 * bytes.
 */
#ifndef MOTCUA_ANNEX_H
#define MOTCUA_ANNEX_H

#include "motcua/diag.h"
#include "motcua/error.h"

#include <stddef.h>

typedef struct mc_annex mc_annex;

/* What an import produced. */
typedef struct mc_annex_stats {
    size_t rows;           /* records read (header excluded) */
    size_t mapped;         /* rows whose every spelling mapped and every document was replaced */
    size_t partial;        /* rows imported with a warning (some spelling or document left out) */
    size_t unmapped;       /* rows with no replaced document: left out, with a warning */
    size_t skipped;        /* exact repeats of an earlier row: left out, with a warning */
    size_t procedures;     /* procedures written (rows sharing a code are merged) */
    size_t documents;      /* documents written */
    size_t registries;     /* registries holding documents under the reform (bundled or new) */
    size_t new_registries; /* of which declared by the import */
} mc_annex_stats;

/* One generated file: its path under the output folder and its text. */
typedef struct mc_annex_file {
    const char *path; /* e.g. "registries.proc", "ministry-of-justice.proc" */
    const char *text;
    size_t len;
} mc_annex_file;

/* Reads the tables and the assumptions (paths also name them in diagnostics). Problems in
 * either are errors in d; the call then returns MC_ECHECK and *out is NULL. MC_EIO when a file
 * cannot be read, MC_ENOMEM. The caller frees *out with mc_annex_free. */
int mc_annex_new(mc_annex **out, const char *tables, const char *assumptions, mc_diags *d,
                 mc_error *err);
void mc_annex_free(mc_annex *a);

/* Imports the annex text[0..len), named file in diagnostics, and renders the catalogue files.
 * Returns 0 (warnings may be in d), MC_ECHECK when the input is malformed (errors in d; no file
 * is rendered), MC_ENOMEM. Call it once per mc_annex. */
int mc_annex_import(mc_annex *a, const char *file, const char *text, size_t len, mc_diags *d,
                    mc_error *err);

/* The rendered files, sorted by path; borrowed from a. */
const mc_annex_file *mc_annex_files(const mc_annex *a, size_t *n);
/* The counts of the last import. */
mc_annex_stats mc_annex_stats_of(const mc_annex *a);

/* Writes the rendered files into dir (created if missing; files of the same names are
 * replaced, nothing else is touched). MC_EIO with the path in err on failure. */
int mc_annex_write(const mc_annex *a, const char *dir, mc_error *err);

#endif
