/*
 * Sources and diagnostics. An mc_source is a file's text kept in memory while it is parsed and
 * checked. Tokens refer to it by byte offset only; a diagnostic turns an offset into a line, a
 * column (in code points) and an excerpt of the source line when it is recorded, so a
 * diagnostic stands on its own after the source is gone. A warning has a stable name; the allow
 * comments of the sources (`# lint: allow NAME — why`) are kept here and remove the warnings they
 * accept (docs/language.md §13.2).
 */
#ifndef MOTCUA_DIAG_H
#define MOTCUA_DIAG_H

#include "motcua/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* At most this many errors are recorded for one file; the parser stops after it. */
#define MC_DIAG_MAX_ERRORS_PER_FILE 50

typedef struct mc_source mc_source;

/* Reads the file at path; path is also the name diagnostics show. */
int mc_source_read(mc_source **out, const char *path, mc_error *err);
/* Makes a source of a copy of text[0..len) named path. */
int mc_source_new(mc_source **out, const char *path, const char *text, size_t len, mc_error *err);
void mc_source_free(mc_source *src);
const char *mc_source_path(const mc_source *src);
const char *mc_source_text(const mc_source *src);
size_t mc_source_len(const mc_source *src);
/* Line and column (both from 1; the column counts code points) of byte offset off. */
void mc_source_position(const mc_source *src, size_t off, uint32_t *line, uint32_t *col);

typedef enum { MC_DIAG_ERROR, MC_DIAG_WARNING } mc_severity;

typedef struct mc_diag {
    mc_severity severity;
    const char *file;    /* owned by the mc_diags */
    uint32_t line, col;  /* from 1; 0 when the diagnostic is about a whole file */
    const char *msg;     /* one line, lower case, no trailing period */
    const char *excerpt; /* the source line (possibly cut around the column), or NULL */
    uint32_t caret;      /* column of the caret within excerpt, from 1 */
    uint32_t width;      /* code points to underline, at least 1 */
    const char *name;    /* a warning's stable name (docs/language.md §13.2), a static string;
                          * NULL for errors and for a warning recorded without one */
} mc_diag;

typedef struct mc_diags mc_diags;

int mc_diags_new(mc_diags **out);
void mc_diags_free(mc_diags *d);
size_t mc_diags_count(const mc_diags *d);
const mc_diag *mc_diags_get(const mc_diags *d, size_t i);
size_t mc_diags_errors(const mc_diags *d);
size_t mc_diags_warnings(const mc_diags *d);
/* Sorts by file, line, column (stable), as lint prints them. */
void mc_diags_sort(mc_diags *d);

/* Records a diagnostic at byte offset off of src, underlining len bytes. Returns 0, or
 * MC_ENOMEM. Past MC_DIAG_MAX_ERRORS_PER_FILE errors of one source, errors are dropped (and
 * mc_diags_source_full() turns true). */
int mc_diags_add(mc_diags *d, mc_severity sev, mc_source *src, size_t off, size_t len,
                 const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;
/* Records a diagnostic with an explicit location (line 0: about the whole file). */
int mc_diags_add_at(mc_diags *d, mc_severity sev, const char *file, uint32_t line, uint32_t col,
                    const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;
/* Records a warning named name (one of mc_diag_warning_names(), kept as a pointer: a static
 * string) at byte offset off of src, as mc_diags_add does; one that an allow comment already
 * read (mc_diags_scan_allows) accepts is not recorded, and marks that allow used. Returns 0, or
 * MC_ENOMEM. */
int mc_diags_warn(mc_diags *d, const char *name, mc_source *src, size_t off, size_t len,
                  const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;
/* Records a warning named name with an explicit location, as mc_diags_add_at does (and as
 * mc_diags_warn, not when an allow accepts it). */
int mc_diags_warn_at(mc_diags *d, const char *name, const char *file, uint32_t line, uint32_t col,
                     const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;
/* True once src has reached its error limit. */
bool mc_diags_source_full(const mc_source *src);

/* ---- warning names and allow comments (docs/language.md §13.2) ---- */

/* The names of the warnings an allow comment may name, sorted; *n gets their number. */
const char *const *mc_diag_warning_names(size_t *n);
/* The static name equal to the n bytes at name, or NULL when no warning has it. */
const char *mc_diag_warning_name(const char *name, size_t n);

/* Finds the allow comments of src (`# lint: allow NAME[, NAME…] — why`, or `-- why`) and keeps
 * them in d. An allow at the end of a line covers that line; an allow on a line of its own covers
 * the next line that is not a comment. Records at once a warning for an unknown NAME (with a
 * did-you-mean; that name then allows nothing), an allow without a reason (which still allows)
 * and a `# lint:` comment that is not an allow. Returns 0, or MC_ENOMEM. */
int mc_diags_scan_allows(mc_diags *d, mc_source *src);
/* Removes each warning that an allow comment of its file names on its line, and marks that
 * allow used. With report set (lint, once every check has run), adds a warning for each allow
 * that has allowed nothing so far (stale). Returns 0, or MC_ENOMEM. */
int mc_diags_apply_allows(mc_diags *d, bool report);
/* Makes every warning an error (lint --strict); their names stay. */
void mc_diags_strict(mc_diags *d);

#endif
