/*
 * An RFC 4180 reader for the tabular data motcua imports (the annexes of resolutions). Fields
 * are separated by commas, records by LF or CRLF; a field may be quoted, and a quoted field may
 * hold commas, newlines and doubled quotes. The text must be UTF-8.
 *
 * The reader never stops at the first problem: each malformed record is reported as an error
 * at FILE:LINE:COL (the column in code points) and left out, and reading goes on at the next
 * line. Blank lines are skipped.
 */
#ifndef MOTCUA_CSV_H
#define MOTCUA_CSV_H

#include "motcua/diag.h"

#include <stddef.h>
#include <stdint.h>

typedef struct mc_csv_record {
    uint32_t line; /* line of the record's first character, from 1 */
    size_t nfields;
    char **fields;  /* NUL-terminated, unquoted copies */
    uint32_t *cols; /* column of each field's first character (inside its quotes), from 1 */
} mc_csv_record;

typedef struct mc_csv {
    mc_csv_record *records;
    size_t n;
} mc_csv;

#define MC_CSV_INIT                                                                                \
    {                                                                                              \
        NULL, 0                                                                                    \
    }

/* Reads text[0..len), named file in diagnostics, into *csv (which the caller frees with
 * mc_csv_free, also after a failure). Problems become errors in d: invalid UTF-8, a quote inside
 * an unquoted field, text after a closing quote, a quoted field never closed. Returns 0 (check
 * mc_diags_errors for problems) or MC_ENOMEM. */
int mc_csv_parse(mc_csv *csv, const char *file, const char *text, size_t len, mc_diags *d);

void mc_csv_free(mc_csv *csv);

#endif
