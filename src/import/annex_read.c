/*
 * Reading the annex importer's data (annex.h): the normalisation tables and the cost-model
 * assumptions, TAB-separated files read by the one reader (lang/csv.h), each line checked and
 * turned into the model (annex_int.h). Every problem is an error at FILE:LINE:COL; the
 * resolution's own names, dates and prefixes are `resolution` lines, so that no spelling of a
 * resolution is a string in code.
 */
#include "annex_int.h"

#include "base/buf.h"

#include "motcua/alloc.h"
#include "motcua/value.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const resolution_keys[NRESOLUTION] = {"name",      "annex",        "in-force",
                                                         "published", "calendar",     "code-prefix",
                                                         "reform",    "reform-title", "reform-title-vi",
                                                         "data"};

/* A line of a TAB-separated data file, as the one reader (lang/csv.h) read it. */
typedef struct tsv {
    const char *path;
    uint32_t line;
    char **f;
    size_t nf;
    const uint32_t *cols;
    mc_diags *d;
} tsv;

/* Reads path with the one reader in its TSV mode; its problems (invalid UTF-8) are errors in
 * d. MC_EIO with the path when it cannot be read, MC_ENOMEM. */
static int tsv_read(mc_csv *csv, const char *path, mc_diags *d, mc_error *err)
{
    mc_source *src = NULL;
    mc_error why;
    mc_error_clear(&why);
    int rc = mc_source_read(&src, path, &why);
    if (rc == MC_EIO) {
        return mc_error_set(err, MC_EIO, "cannot read %s", why.msg); /* "PATH: reason" */
    }
    if (rc != 0) {
        return mc_error_set(err, rc, "out of memory");
    }
    static const mc_csv_opts opts = MC_CSV_OPTS_TSV;
    rc = mc_csv_read(csv, &opts, path, mc_source_text(src), mc_source_len(src), d);
    mc_source_free(src);
    return rc;
}

/* The column (in code points) of field k of the current line. */
static uint32_t tsv_col(const tsv *t, size_t k)
{
    return t->cols[k];
}

static int tsv_error(tsv *t, size_t k, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* An error at field k of the current line. */
static int tsv_error(tsv *t, size_t k, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (mc_diags_add_at(t->d, MC_DIAG_ERROR, t->path, t->line, tsv_col(t, k), "%s", msg) != 0) {
        return MC_ENOMEM;
    }
    return 0;
}

/* Compiles field k as a case-insensitive pattern into *re; reports a bad one. */
static int tsv_pattern(tsv *t, size_t k, mc_regex **re)
{
    mc_buf b = MC_BUF_INIT;
    mc_buf_printf(&b, "(?i)%s", t->f[k]);
    if (b.oom) {
        return MC_ENOMEM;
    }
    char msg[200];
    size_t off;
    int rc = mc_regex_compile(re, b.data, b.len, false, msg, sizeof msg, &off);
    mc_buf_free(&b);
    if (rc == MC_ESYNTAX) {
        return tsv_error(t, k, "bad pattern: %s", msg);
    }
    return rc;
}

static bool want(tsv *t, size_t n, const char *usage, int *rc)
{
    if (t->nf == n) {
        return true;
    }
    *rc = tsv_error(t, 0, "expected %s", usage);
    return false;
}

/* Adds a pattern of field k targeting target to v. */
static int add_pattern(tsv *t, size_t k, size_t target, a_pattern **items, size_t *n, size_t *cap)
{
    mc_regex *re = NULL;
    int rc = tsv_pattern(t, k, &re);
    if (rc != 0 || re == NULL) {
        return rc;
    }
    a_pattern *p = annex_push((void **)items, n, cap, sizeof **items);
    char *text = annex_dup(t->f[k]);
    if (p == NULL || text == NULL) {
        mc_regex_free(re);
        mc_free(text);
        if (p != NULL) {
            (*n)--;
        }
        return MC_ENOMEM;
    }
    *p = (a_pattern){target, text, re, false};
    return 0;
}
#define ADD_PATTERN(t, k, target, v) add_pattern(t, k, target, &(v).items, &(v).n, &(v).cap)

static int kind_index(tsv *t, int *rc)
{
    if (strcmp(t->f[1], "database") == 0) {
        return 0;
    }
    if (strcmp(t->f[1], "document") == 0) {
        return 1;
    }
    *rc = tsv_error(t, 1, "expected 'database' or 'document', found '%s'", t->f[1]);
    return -1;
}

/* Whether s is a name of the language's words: lower-case letters, digits and dashes. */
static bool is_word(const char *s)
{
    return *s != '\0' && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen(s);
}

/* A `resolution KEY VALUE` line of the tables. */
static int resolution_line(mc_annex *a, tsv *t)
{
    int rc = 0;
    if (!want(t, 3, "'resolution KEY VALUE'", &rc)) {
        return rc;
    }
    int k = 0;
    while (k < NRESOLUTION && strcmp(resolution_keys[k], t->f[1]) != 0) {
        k++;
    }
    if (k == NRESOLUTION) {
        return tsv_error(t, 1,
                         "unknown resolution key '%s' (expected name, annex, in-force, published, "
                         "calendar, code-prefix, reform, reform-title, reform-title-vi or "
                         "data)",
                         t->f[1]);
    }
    if (a->resolution[k] != NULL) {
        return tsv_error(t, 1, "resolution %s is given twice", t->f[1]);
    }
    const char *v = t->f[2];
    mc_date date;
    if (k == R_PUBLISHED && mc_value_date(v, strlen(v), &date, NULL, 0) != 0) {
        return tsv_error(t, 2, "published '%s' is not a date (YYYY-MM-DD)", v);
    }
    if ((k == R_CALENDAR || k == R_CODE_PREFIX || k == R_REFORM) && !is_word(v)) {
        return tsv_error(t, 2, "%s '%s' is not a name (lower-case letters, digits and dashes)",
                         t->f[1], v);
    }
    if (v[0] == '\0') {
        return tsv_error(t, 2, "resolution %s is empty", t->f[1]);
    }
    return (a->resolution[k] = annex_dup(v)) != NULL ? 0 : MC_ENOMEM;
}

/* One line of the tables. */
static int tables_line(mc_annex *a, tsv *t)
{
    int rc = 0;
    const char *kind = t->f[0];
    if (strcmp(kind, "split") == 0 || strcmp(kind, "ignore") == 0) {
        if (!want(t, 3, "'split|ignore database|document PATTERN'", &rc)) {
            return rc;
        }
        int k = kind_index(t, &rc);
        if (k < 0) {
            return rc;
        }
        if (kind[0] == 'i') {
            return ADD_PATTERN(t, 2, 0, a->ignores[k]);
        }
        mc_regex_free(a->split[k]);
        a->split[k] = NULL;
        return tsv_pattern(t, 2, &a->split[k]);
    }
    if (strcmp(kind, "registry") == 0) {
        bool bundled = t->nf == 3 && strcmp(t->f[2], "bundled") == 0;
        if (!bundled &&
            !want(t, 4, "'registry NAME bundled' or 'registry NAME TITLE TITLE-VI'", &rc)) {
            return rc;
        }
        if (annex_find_registry(a, t->f[1]) >= 0) {
            return tsv_error(t, 1, "registry '%s' is declared twice", t->f[1]);
        }
        a_registry *r = PUSH(a->registries);
        if (r == NULL || (r->name = annex_dup(t->f[1])) == NULL) {
            return MC_ENOMEM;
        }
        r->bundled = bundled;
        if (!bundled && ((r->title = annex_dup(t->f[2])) == NULL ||
                         (r->title_vi = annex_dup(t->f[3])) == NULL)) {
            return MC_ENOMEM;
        }
        return 0;
    }
    if (strcmp(kind, "database") == 0) {
        if (!want(t, 3, "'database REGISTRY PATTERN'", &rc)) {
            return rc;
        }
        long r = annex_find_registry(a, t->f[1]);
        if (r < 0) {
            return tsv_error(
                t, 1, "unknown registry '%s' (declare it with a 'registry' line first)", t->f[1]);
        }
        return ADD_PATTERN(t, 2, (size_t)r, a->databases);
    }
    if (strcmp(kind, "document") == 0) {
        bool bundled = t->nf == 4 && strcmp(t->f[3], "bundled") == 0;
        if (!bundled && !want(t, 5,
                              "'document NAME REGISTRY bundled' or 'document NAME REGISTRY TITLE "
                              "TITLE-VI'",
                              &rc)) {
            return rc;
        }
        long r = annex_find_registry(a, t->f[2]);
        if (r < 0) {
            return tsv_error(
                t, 2, "unknown registry '%s' (declare it with a 'registry' line first)", t->f[2]);
        }
        if (annex_find_document(a, t->f[1]) >= 0) {
            return tsv_error(t, 1, "document '%s' is declared twice", t->f[1]);
        }
        a_document *d = PUSH(a->documents);
        if (d == NULL || (d->name = annex_dup(t->f[1])) == NULL ||
            (!bundled && ((d->title = annex_dup(t->f[3])) == NULL ||
                          (d->title_vi = annex_dup(t->f[4])) == NULL))) {
            return MC_ENOMEM;
        }
        d->registry = (size_t)r;
        d->bundled = bundled;
        return 0;
    }
    if (strcmp(kind, "spelling") == 0) {
        if (!want(t, 3, "'spelling DOCUMENT PATTERN'", &rc)) {
            return rc;
        }
        long d = annex_find_document(a, t->f[1]);
        if (d < 0) {
            return tsv_error(
                t, 1, "unknown document '%s' (declare it with a 'document' line first)", t->f[1]);
        }
        return ADD_PATTERN(t, 2, (size_t)d, a->spellings);
    }
    if (strcmp(kind, "sector") == 0) {
        if (!want(t, 3, "'sector AGENCY PATTERN'", &rc)) {
            return rc;
        }
        long s = annex_find_agency(a, t->f[1]);
        if (s < 0) {
            a_sector *sec = PUSH(a->agencies);
            if (sec == NULL || (sec->agency = annex_dup(t->f[1])) == NULL) {
                return MC_ENOMEM;
            }
            s = (long)a->agencies.n - 1;
        }
        return ADD_PATTERN(t, 2, (size_t)s, a->sectors);
    }
    if (strcmp(kind, "resolution") == 0) {
        return resolution_line(a, t);
    }
    return tsv_error(t, 0,
                     "unknown entry '%s' (expected resolution, split, ignore, registry, database, "
                     "document, spelling or sector)",
                     kind);
}

/* A duration word of the language: a number and min, h, d, wd or wh. */
static bool is_duration(const char *s)
{
    char *end;
    if (strtod(s, &end) < 0 || end == s) {
        return false;
    }
    return strcmp(end, "min") == 0 || strcmp(end, "h") == 0 || strcmp(end, "d") == 0 ||
           strcmp(end, "wd") == 0 || strcmp(end, "wh") == 0;
}

static bool is_count(const char *s)
{
    return *s != '\0' && strspn(s, "0123456789") == strlen(s) && strlen(s) < 12;
}

/* One line of the assumptions. */
static int assumptions_line(mc_annex *a, tsv *t)
{
    int rc = 0;
    if (strcmp(t->f[0], "coverage") == 0) {
        if (!want(t, 3, "'coverage REGISTRY P%'", &rc)) {
            return rc;
        }
        long r = annex_find_registry(a, t->f[1]);
        if (r < 0 || a->registries.items[r].bundled) {
            return tsv_error(t, 1, "'%s' is not a registry the tables declare", t->f[1]);
        }
        size_t len = strlen(t->f[2]);
        char *end;
        double v = strtod(t->f[2], &end);
        if (len == 0 || end != t->f[2] + len - 1 || *end != '%' || v < 0 || v > 100) {
            return tsv_error(t, 2, "coverage '%s' is not a percentage from 0%% to 100%%", t->f[2]);
        }
        mc_free(a->registries.items[r].coverage);
        return (a->registries.items[r].coverage = annex_dup(t->f[2])) ? 0 : MC_ENOMEM;
    }
    if (strcmp(t->f[0], "sector") != 0) {
        return tsv_error(t, 0, "unknown entry '%s' (expected sector or coverage)", t->f[0]);
    }
    if (!want(t, 6, "'sector AGENCY|* VOLUME EFFORT VISITS TIME-LIMIT'", &rc)) {
        return rc;
    }
    a_sector *s = &a->fallback;
    if (strcmp(t->f[1], "*") != 0) {
        long k = annex_find_agency(a, t->f[1]);
        if (k < 0) {
            return tsv_error(t, 1, "unknown agency '%s' (the tables' sector lines name them)",
                             t->f[1]);
        }
        s = &a->agencies.items[k];
    }
    if (!is_count(t->f[2])) {
        return tsv_error(t, 2, "volume '%s' is not a whole number", t->f[2]);
    }
    if (!is_duration(t->f[3])) {
        return tsv_error(t, 3, "effort '%s' is not a duration (e.g. 30min, 1h)", t->f[3]);
    }
    if (!is_count(t->f[4])) {
        return tsv_error(t, 4, "visits '%s' is not a whole number", t->f[4]);
    }
    if (!is_duration(t->f[5])) {
        return tsv_error(t, 5, "time limit '%s' is not a duration (e.g. 10wd, 15d)", t->f[5]);
    }
    annex_sector_free(s);
    char *agency = s == &a->fallback ? NULL : annex_dup(t->f[1]);
    s->agency = agency;
    s->volume = annex_dup(t->f[2]);
    s->effort = annex_dup(t->f[3]);
    s->visits = annex_dup(t->f[4]);
    s->time_limit = annex_dup(t->f[5]);
    if ((s != &a->fallback && agency == NULL) || !s->volume || !s->effort || !s->visits ||
        !s->time_limit) {
        return MC_ENOMEM;
    }
    return 0;
}

static int read_file(mc_annex *a, const char *path, int (*line)(mc_annex *, tsv *), mc_diags *d,
                     mc_error *err)
{
    mc_csv csv = MC_CSV_INIT;
    int rc = tsv_read(&csv, path, d, err);
    for (size_t i = 0; rc == 0 && i < csv.n; i++) {
        const mc_csv_record *rec = &csv.records[i];
        tsv t = {path, rec->line, rec->fields, rec->nfields, rec->cols, d};
        rc = line(a, &t);
    }
    mc_csv_free(&csv);
    if (rc == MC_ENOMEM) {
        mc_error_set(err, rc, "out of memory");
    }
    return rc;
}

int mc_annex_new(mc_annex **out, const char *tables, const char *assumptions, mc_diags *d,
                 mc_error *err)
{
    *out = NULL;
    size_t errors = mc_diags_errors(d);
    mc_annex *a = mc_calloc(1, sizeof *a);
    if (a == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    int rc = read_file(a, tables, tables_line, d, err);
    if (rc == 0 && mc_diags_errors(d) == errors) {
        for (int k = 0; k < 2; k++) {
            if (a->split[k] == NULL &&
                mc_diags_add_at(d, MC_DIAG_ERROR, tables, 0, 0, "no 'split %s' line",
                                k ? "document" : "database") != 0) {
                rc = mc_error_set(err, MC_ENOMEM, "out of memory");
            }
        }
        for (int k = 0; rc == 0 && k < NRESOLUTION; k++) {
            if (a->resolution[k] == NULL &&
                mc_diags_add_at(d, MC_DIAG_ERROR, tables, 0, 0, "no 'resolution %s' line",
                                resolution_keys[k]) != 0) {
                rc = mc_error_set(err, MC_ENOMEM, "out of memory");
            }
        }
    }
    if (rc == 0 && mc_diags_errors(d) == errors) {
        rc = read_file(a, assumptions, assumptions_line, d, err);
    }
    if (rc == 0 && mc_diags_errors(d) == errors && a->fallback.volume == NULL &&
        mc_diags_add_at(d, MC_DIAG_ERROR, assumptions, 0, 0,
                        "no default line 'sector * VOLUME EFFORT VISITS TIME-LIMIT'") != 0) {
        rc = mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    if (rc == 0 && mc_diags_errors(d) != errors) {
        rc = mc_error_set(err, MC_ECHECK, "the tables or the assumptions have errors");
    }
    if (rc != 0) {
        mc_annex_free(a);
        return rc;
    }
    *out = a;
    return 0;
}
