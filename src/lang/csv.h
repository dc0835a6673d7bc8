/*
 * The one reader of the tabular data motcua imports: registry records (registry.h), the annexes
 * of resolutions and the annex importer's TAB-separated tables (annex.h). By default it reads
 * RFC 4180: fields separated by commas, records by LF or CRLF; a field may be quoted, and a
 * quoted field may hold commas, newlines and doubled quotes. Options make it read TAB-separated
 * data files (no quoting, `#` comment lines). The text must be UTF-8; a UTF-8 byte order mark
 * at the start is skipped. Cells have no size limit: every field is read whole, through the
 * project's allocator.
 *
 * The reader never stops at the first problem: each malformed record is reported as an error
 * at FILE:LINE:COL (the column in code points) and left out, and reading goes on at the next
 * line. Blank lines are skipped. Each record keeps its line and each field its column and byte
 * offset, so that callers report their own problems at the right place.
 */
#ifndef MOTCUA_CSV_H
#define MOTCUA_CSV_H

#include "motcua/diag.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mc_csv_record {
    uint32_t line; /* line of the record's first character, from 1 */
    size_t nfields;
    char **fields;  /* NUL-terminated, unquoted copies */
    uint32_t *cols; /* column of each field's first character (inside its quotes), from 1 */
    size_t *offs;   /* byte offset in the text of each field's first character (idem) */
} mc_csv_record;

typedef struct mc_csv {
    mc_csv_record *records;
    size_t n;
} mc_csv;

#define MC_CSV_INIT                                                                                \
    {                                                                                              \
        NULL, 0                                                                                    \
    }

/* How to read: the separator, whether a field may be quoted, whether a line starting with `#`
 * is a comment (skipped). */
typedef struct mc_csv_opts {
    char sep;
    bool quotes;
    bool comments;
} mc_csv_opts;

/* RFC 4180: commas, quotes, no comments. */
#define MC_CSV_OPTS_INIT                                                                           \
    {                                                                                              \
        .sep = ',', .quotes = true, .comments = false                                              \
    }

/* A TAB-separated data file: one TAB between fields, no quoting, `#` starts a comment line. */
#define MC_CSV_OPTS_TSV                                                                            \
    {                                                                                              \
        .sep = '\t', .quotes = false, .comments = true                                             \
    }

/* Reads text[0..len), named file in diagnostics, into *csv (which the caller frees with
 * mc_csv_free, also after a failure). Problems become errors in d: invalid UTF-8, a quote inside
 * an unquoted field, text after a closing quote, a quoted field never closed. Returns 0 (check
 * mc_diags_errors for problems) or MC_ENOMEM. */
int mc_csv_parse(mc_csv *csv, const char *file, const char *text, size_t len, mc_diags *d);
/* mc_csv_parse read as opts say. */
int mc_csv_read(mc_csv *csv, const mc_csv_opts *opts, const char *file, const char *text,
                size_t len, mc_diags *d);

void mc_csv_free(mc_csv *csv);

#endif
