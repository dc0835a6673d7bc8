/* Import of a resolution's annex of replaced documents (annex.h). */
#include "motcua/annex.h"

#include "base/buf.h"
#include "lang/csv.h"
#include "base/regex.h"
#include "base/utf8.h"

#include "motcua/alloc.h"
#include "motcua/value.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ==== the model ============================================================================ */

enum { NCOLS = 9 };
enum { C_ROW, C_CODE, C_NAME, C_DOCS, C_DB, C_DB_MINISTRY, C_LEGAL_DOC, C_LEGAL_PROV, C_SECTOR };
static const char *const header[NCOLS] = {
    "row",      "procedure_code",    "procedure_name", "replaced_documents",
    "database", "database_ministry", "legal_document", "legal_provision",
    "sector"};

typedef struct a_registry {
    char *name, *title, *title_vi, *coverage;
    bool bundled;
    bool used; /* holds a document under the reform */
} a_registry;

typedef struct a_pattern {
    size_t target; /* registry, document or sector index */
    char *text;
    mc_regex *re;
    bool used;
} a_pattern;

typedef struct a_document {
    char *name, *title, *title_vi; /* titles NULL for a bundled document */
    size_t registry;
    bool used;
    bool bundled; /* declared by the bundled catalogue, held by no registry before the reform */
} a_document;

typedef struct a_sector {
    char *agency;
    char *volume, *effort, *visits, *time_limit; /* NULL: the default's */
} a_sector;

typedef struct a_require {
    size_t document;
    char *legal;
} a_require;

typedef struct a_procedure {
    char *code, *name, *title, *agency, *sector;
    size_t sector_index;
    char **legal;
    size_t nlegal;
    a_require *requires;
    size_t nrequires;
    char *rows; /* "1, 7, 12" */
} a_procedure;

/* What the tables say of the resolution itself (`resolution KEY VALUE` lines): every name,
 * date and prefix the generated files carry that is not a row of the annex. */
enum {
    R_NAME,         /* "Resolution 66.7/2025/NQ-CP" */
    R_ANNEX,        /* "annex I" */
    R_IN_FORCE,     /* "1 Jan 2026 - 28 Feb 2027", for a comment */
    R_PUBLISHED,    /* the day it comes into force: registries' `published`, `effective` */
    R_CALENDAR,     /* the procedures' calendar */
    R_CODE_PREFIX,  /* the prefix of a procedure's name before its code ("nat-") */
    R_REFORM,       /* the reform's name, also its file's */
    R_REFORM_TITLE, /* the reform's title after "NAME, ANNEX: " */
    R_DATA,         /* the folder of the tables, named in the banner */
    NRESOLUTION
};
static const char *const resolution_keys[NRESOLUTION] = {"name",      "annex",        "in-force",
                                                         "published", "calendar",     "code-prefix",
                                                         "reform",    "reform-title", "data"};

#define VEC(T)                                                                                     \
    struct {                                                                                       \
        T *items;                                                                                  \
        size_t n, cap;                                                                             \
    }

struct mc_annex {
    VEC(a_registry) registries;
    VEC(a_document) documents;
    VEC(a_pattern) databases;  /* target: registry */
    VEC(a_pattern) spellings;  /* target: document */
    VEC(a_pattern) sectors;    /* target: sector */
    VEC(a_pattern) ignores[2]; /* 0 database, 1 document */
    VEC(a_sector) agencies;
    mc_regex *split[2];
    a_sector fallback; /* the `*` line */
    VEC(a_procedure) procedures;
    VEC(mc_annex_file) files;
    mc_annex_stats stats;
    char *resolution[NRESOLUTION];
    char *banner; /* the generated files' first lines, made by the import */
    bool imported;
};

/* Grows a VEC by one zeroed item; returns it or NULL when out of memory. */
static void *vec_push(void **items, size_t *n, size_t *cap, size_t size)
{
    if (*n == *cap) {
        size_t ncap = *cap ? 2 * *cap : 16;
        void *p = mc_realloc(*items, ncap * size);
        if (p == NULL) {
            return NULL;
        }
        *items = p;
        *cap = ncap;
    }
    void *it = (char *)*items + (*n)++ * size;
    memset(it, 0, size);
    return it;
}
#define PUSH(v) vec_push((void **)&(v).items, &(v).n, &(v).cap, sizeof *(v).items)

static char *dup(const char *s)
{
    return mc_strndup(s, strlen(s));
}

static void patterns_free(a_pattern *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        mc_free(p[i].text);
        mc_regex_free(p[i].re);
    }
    mc_free(p);
}

static void sector_free(a_sector *s)
{
    mc_free(s->agency);
    mc_free(s->volume);
    mc_free(s->effort);
    mc_free(s->visits);
    mc_free(s->time_limit);
}

void mc_annex_free(mc_annex *a)
{
    if (a == NULL) {
        return;
    }
    for (size_t i = 0; i < a->registries.n; i++) {
        a_registry *r = &a->registries.items[i];
        mc_free(r->name);
        mc_free(r->title);
        mc_free(r->title_vi);
        mc_free(r->coverage);
    }
    mc_free(a->registries.items);
    for (size_t i = 0; i < a->documents.n; i++) {
        a_document *d = &a->documents.items[i];
        mc_free(d->name);
        mc_free(d->title);
        mc_free(d->title_vi);
    }
    mc_free(a->documents.items);
    patterns_free(a->databases.items, a->databases.n);
    patterns_free(a->spellings.items, a->spellings.n);
    patterns_free(a->sectors.items, a->sectors.n);
    patterns_free(a->ignores[0].items, a->ignores[0].n);
    patterns_free(a->ignores[1].items, a->ignores[1].n);
    for (size_t i = 0; i < a->agencies.n; i++) {
        sector_free(&a->agencies.items[i]);
    }
    mc_free(a->agencies.items);
    sector_free(&a->fallback);
    mc_regex_free(a->split[0]);
    mc_regex_free(a->split[1]);
    for (size_t i = 0; i < a->procedures.n; i++) {
        a_procedure *p = &a->procedures.items[i];
        mc_free(p->code);
        mc_free(p->name);
        mc_free(p->title);
        mc_free(p->agency);
        mc_free(p->sector);
        mc_free(p->rows);
        for (size_t k = 0; k < p->nlegal; k++) {
            mc_free(p->legal[k]);
        }
        mc_free(p->legal);
        for (size_t k = 0; k < p->nrequires; k++) {
            mc_free(p->requires[k].legal);
        }
        mc_free(p->requires);
    }
    mc_free(a->procedures.items);
    for (size_t i = 0; i < a->files.n; i++) {
        mc_free((char *)a->files.items[i].path);
        mc_free((char *)a->files.items[i].text);
    }
    mc_free(a->files.items);
    for (int k = 0; k < NRESOLUTION; k++) {
        mc_free(a->resolution[k]);
    }
    mc_free(a->banner);
    mc_free(a);
}

/* ==== reading the tables and the assumptions =============================================== */

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

/* The index of the item of items[0..n) (each size bytes) whose name, a char * at byte offset
 * off, is name; -1 when none is. */
static long find_named(const void *items, size_t n, size_t size, size_t off, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        const char *const *it = (const void *)((const char *)items + i * size + off);
        if (strcmp(*it, name) == 0) {
            return (long)i;
        }
    }
    return -1;
}
static long find_registry(const mc_annex *a, const char *name)
{
    return find_named(a->registries.items, a->registries.n, sizeof(a_registry),
                      offsetof(a_registry, name), name);
}

static long find_document(const mc_annex *a, const char *name)
{
    return find_named(a->documents.items, a->documents.n, sizeof(a_document),
                      offsetof(a_document, name), name);
}

static long find_agency(const mc_annex *a, const char *name)
{
    return find_named(a->agencies.items, a->agencies.n, sizeof(a_sector),
                      offsetof(a_sector, agency), name);
}

/* Adds a pattern of field k targeting target to v. */
static int add_pattern(tsv *t, size_t k, size_t target, a_pattern **items, size_t *n, size_t *cap)
{
    mc_regex *re = NULL;
    int rc = tsv_pattern(t, k, &re);
    if (rc != 0 || re == NULL) {
        return rc;
    }
    a_pattern *p = vec_push((void **)items, n, cap, sizeof **items);
    char *text = dup(t->f[k]);
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
                         "calendar, code-prefix, reform, reform-title or data)",
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
    return (a->resolution[k] = dup(v)) != NULL ? 0 : MC_ENOMEM;
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
        if (find_registry(a, t->f[1]) >= 0) {
            return tsv_error(t, 1, "registry '%s' is declared twice", t->f[1]);
        }
        a_registry *r = PUSH(a->registries);
        if (r == NULL || (r->name = dup(t->f[1])) == NULL) {
            return MC_ENOMEM;
        }
        r->bundled = bundled;
        if (!bundled &&
            ((r->title = dup(t->f[2])) == NULL || (r->title_vi = dup(t->f[3])) == NULL)) {
            return MC_ENOMEM;
        }
        return 0;
    }
    if (strcmp(kind, "database") == 0) {
        if (!want(t, 3, "'database REGISTRY PATTERN'", &rc)) {
            return rc;
        }
        long r = find_registry(a, t->f[1]);
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
        long r = find_registry(a, t->f[2]);
        if (r < 0) {
            return tsv_error(
                t, 2, "unknown registry '%s' (declare it with a 'registry' line first)", t->f[2]);
        }
        if (find_document(a, t->f[1]) >= 0) {
            return tsv_error(t, 1, "document '%s' is declared twice", t->f[1]);
        }
        a_document *d = PUSH(a->documents);
        if (d == NULL || (d->name = dup(t->f[1])) == NULL ||
            (!bundled &&
             ((d->title = dup(t->f[3])) == NULL || (d->title_vi = dup(t->f[4])) == NULL))) {
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
        long d = find_document(a, t->f[1]);
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
        long s = find_agency(a, t->f[1]);
        if (s < 0) {
            a_sector *sec = PUSH(a->agencies);
            if (sec == NULL || (sec->agency = dup(t->f[1])) == NULL) {
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
        long r = find_registry(a, t->f[1]);
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
        return (a->registries.items[r].coverage = dup(t->f[2])) ? 0 : MC_ENOMEM;
    }
    if (strcmp(t->f[0], "sector") != 0) {
        return tsv_error(t, 0, "unknown entry '%s' (expected sector or coverage)", t->f[0]);
    }
    if (!want(t, 6, "'sector AGENCY|* VOLUME EFFORT VISITS TIME-LIMIT'", &rc)) {
        return rc;
    }
    a_sector *s = &a->fallback;
    if (strcmp(t->f[1], "*") != 0) {
        long k = find_agency(a, t->f[1]);
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
    sector_free(s);
    char *agency = s == &a->fallback ? NULL : dup(t->f[1]);
    s->agency = agency;
    s->volume = dup(t->f[2]);
    s->effort = dup(t->f[3]);
    s->visits = dup(t->f[4]);
    s->time_limit = dup(t->f[5]);
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

/* ==== normalising the rows ================================================================= */

/* The context of one annex row while it is normalised. */
typedef struct row_ctx {
    mc_annex *a;
    mc_diags *d;
    const char *file;
    const mc_csv_record *rec;
    const char *row; /* the annex's own row number */
    bool warned;
    int rc; /* MC_ENOMEM once out of memory */
} row_ctx;

static void warn(row_ctx *c, size_t field, size_t off, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* A warning at the row's field (off: bytes into the field) naming the annex row. */
static void warn(row_ctx *c, size_t field, size_t off, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* exact while the field holds no newline before off */
    uint32_t col = c->rec->cols[field] + (uint32_t)mc_utf8_count(c->rec->fields[field], off);
    if (mc_diags_add_at(c->d, MC_DIAG_WARNING, c->file, c->rec->line, col, "row %s: %s", c->row,
                        msg) != 0) {
        c->rc = MC_ENOMEM;
    }
    c->warned = true;
}

/* Whether re matches s; running out of memory sets *rc (a match that hits PCRE2's limits is
 * no match). */
static int match(const mc_regex *re, const char *s, size_t len, size_t *start, size_t *end, int *rc)
{
    char why[200];
    int m = mc_regex_match(re, s, len, start, end, why, sizeof why);
    if (m == MC_ENOMEM) {
        *rc = MC_ENOMEM;
    }
    return m == 1;
}

static bool matches_any(const a_pattern *p, size_t n, const char *s, size_t len, int *rc)
{
    for (size_t i = 0; i < n; i++) {
        if (match(p[i].re, s, len, NULL, NULL, rc)) {
            return true;
        }
    }
    return false;
}

static bool is_trim(unsigned char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '*' || ch == '-' ||
           ch == '.' || ch == ',' || ch == ';' || ch == ':' || ch == '(' || ch == ')';
}

/* Calls each(c, field, off, len) for every piece of field k split by re (trimmed, not empty). */
static void split_field(row_ctx *c, size_t k, const mc_regex *re,
                        void (*each)(row_ctx *, size_t, size_t, size_t, void *), void *ud)
{
    const char *s = c->rec->fields[k];
    size_t len = strlen(s), piece = 0, search = 0;
    for (;;) {
        size_t st, en;
        size_t cut = len, next = len;
        if (search <= len && match(re, s + search, len - search, &st, &en, &c->rc)) {
            cut = search + st;
            next = search + en;
        }
        if (cut == len) {
            next = len;
        }
        if (cut > piece || cut == len) {
            size_t b = piece, e = cut;
            while (b < e && is_trim((unsigned char)s[b])) {
                b++;
            }
            while (e > b && is_trim((unsigned char)s[e - 1])) {
                e--;
            }
            if (e > b) {
                each(c, k, b, e - b, ud);
            }
            piece = next;
        }
        if (cut == len) {
            break;
        }
        search = next > cut ? next : cut + 1;
        while (search < len && ((unsigned char)s[search] & 0xC0) == 0x80) {
            search++;
        }
        if (next == cut) {
            piece = cut;
        }
    }
}

/* The registries a row names (flags indexed like a->registries). */
typedef struct db_set {
    bool *has;
} db_set;

static void each_database(row_ctx *c, size_t k, size_t off, size_t len, void *ud)
{
    db_set *set = ud;
    const char *s = c->rec->fields[k] + off;
    bool found = false;
    for (size_t i = 0; i < c->a->databases.n; i++) {
        a_pattern *p = &c->a->databases.items[i];
        if (match(p->re, s, len, NULL, NULL, &c->rc)) {
            set->has[p->target] = true;
            p->used = true;
            found = true;
        }
    }
    if (!found && !matches_any(c->a->ignores[0].items, c->a->ignores[0].n, s, len, &c->rc)) {
        warn(c, k, off, "database '%.*s' names no registry of the tables", (int)len, s);
    }
}

/* The documents a row names, in the order of the tables (flags indexed like a->documents),
 * with the byte offset of the first mention of each. */
typedef struct doc_set {
    bool *has;
    size_t *off;
} doc_set;

static void each_document(row_ctx *c, size_t k, size_t off, size_t len, void *ud)
{
    doc_set *set = ud;
    const char *s = c->rec->fields[k] + off;
    bool found = false;
    for (size_t i = 0; i < c->a->spellings.n; i++) {
        a_pattern *p = &c->a->spellings.items[i];
        if (match(p->re, s, len, NULL, NULL, &c->rc)) {
            if (!set->has[p->target]) {
                set->has[p->target] = true;
                set->off[p->target] = off;
            }
            p->used = true;
            found = true;
        }
    }
    if (!found && !matches_any(c->a->ignores[1].items, c->a->ignores[1].n, s, len, &c->rc)) {
        warn(c, k, off, "'%.*s' names no document of the tables", (int)len, s);
    }
}

/* Collapses runs of white space (newlines included) into one space, trimmed. */
static char *clean(const char *s)
{
    mc_buf b = MC_BUF_INIT;
    bool space = false;
    for (; *s; s++) {
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
            space = b.len > 0;
            continue;
        }
        if (space) {
            mc_buf_append(&b, " ", 1);
            space = false;
        }
        mc_buf_append(&b, s, 1);
    }
    return mc_buf_take(&b);
}

static long find_procedure(const mc_annex *a, const char *code)
{
    return find_named(a->procedures.items, a->procedures.n, sizeof(a_procedure),
                      offsetof(a_procedure, code), code);
}

/* The code prefix and the code with its dots as dashes ("nat-1-000002"); NULL when the code has
 * other characters. */
static char *procedure_name(const char *prefix, const char *code)
{
    mc_buf b = MC_BUF_INIT;
    mc_buf_puts(&b, prefix);
    for (const char *p = code; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            mc_buf_append(&b, p, 1);
        } else if (*p == '.' || *p == '-') {
            mc_buf_append(&b, "-", 1);
        } else {
            mc_buf_free(&b);
            return NULL;
        }
    }
    return mc_buf_take(&b);
}

static int push_string(char ***v, size_t *n, char *s)
{
    if (s == NULL) {
        return MC_ENOMEM;
    }
    for (size_t i = 0; i < *n; i++) {
        if (strcmp((*v)[i], s) == 0) {
            mc_free(s);
            return 0;
        }
    }
    char **nv = mc_realloc(*v, (*n + 1) * sizeof *nv);
    if (nv == NULL) {
        mc_free(s);
        return MC_ENOMEM;
    }
    *v = nv;
    nv[(*n)++] = s;
    return 0;
}

/* The procedure of the row's code (created on its first row). */
static a_procedure *procedure_for(row_ctx *c, const char *agency)
{
    const char *const *f = (const char *const *)c->rec->fields;
    long i = find_procedure(c->a, f[C_CODE]);
    if (i >= 0) {
        a_procedure *p = &c->a->procedures.items[i];
        char *title = clean(f[C_NAME]);
        if (title == NULL) {
            c->rc = MC_ENOMEM;
            return NULL;
        }
        if (strcmp(title, p->title) != 0) {
            warn(c, C_CODE, 0,
                 "procedure %s is also at row %s under another name; its documents are merged "
                 "into %s (titled as there)",
                 p->code, p->rows, p->name);
        }
        mc_free(title);
        if (strcmp(agency, p->agency) != 0) {
            warn(c, C_SECTOR, 0, "procedure %s is also at row %s under another sector; kept %s",
                 p->code, p->rows, p->agency);
        }
        mc_buf b = MC_BUF_INIT;
        mc_buf_printf(&b, "%s, %s", p->rows, c->row);
        char *rows = mc_buf_take(&b);
        if (rows == NULL) {
            c->rc = MC_ENOMEM;
            return NULL;
        }
        mc_free(p->rows);
        p->rows = rows;
        return p;
    }
    a_procedure *p = PUSH(c->a->procedures);
    if (p == NULL) {
        c->rc = MC_ENOMEM;
        return NULL;
    }
    p->code = dup(f[C_CODE]);
    p->name = procedure_name(c->a->resolution[R_CODE_PREFIX], f[C_CODE]);
    p->title = clean(f[C_NAME]);
    p->agency = dup(agency);
    p->sector = clean(f[C_SECTOR]);
    p->rows = dup(c->row);
    if (!p->code || !p->name || !p->title || !p->agency || !p->sector || !p->rows) {
        c->rc = MC_ENOMEM;
        return NULL;
    }
    return p;
}

/* The legal basis of a row: "DOCUMENT, PROVISION" (either may be empty). */
static char *legal_of(const mc_csv_record *rec)
{
    char *doc = clean(rec->fields[C_LEGAL_DOC]), *prov = clean(rec->fields[C_LEGAL_PROV]);
    if (doc == NULL || prov == NULL) {
        mc_free(doc);
        mc_free(prov);
        return NULL;
    }
    mc_buf b = MC_BUF_INIT;
    mc_buf_printf(&b, "%s%s%s", doc, *doc && *prov ? ", " : "", prov);
    mc_free(doc);
    mc_free(prov);
    if (!b.oom && b.len == 0) {
        mc_buf_puts(&b, "not given in the annex");
    }
    return mc_buf_take(&b);
}

/* Normalises one data row into its procedure. */
static void import_row(row_ctx *c)
{
    mc_annex *a = c->a;
    const char *const *f = (const char *const *)c->rec->fields;
    long agency = -1;
    for (size_t i = 0; i < a->sectors.n && agency < 0; i++) {
        if (match(a->sectors.items[i].re, f[C_SECTOR], strlen(f[C_SECTOR]), NULL, NULL, &c->rc)) {
            agency = (long)a->sectors.items[i].target;
        }
    }
    db_set dbs = {mc_calloc(a->registries.n + 1, sizeof(bool))};
    doc_set docs = {mc_calloc(a->documents.n + 1, sizeof(bool)),
                    mc_calloc(a->documents.n + 1, sizeof(size_t))};
    if (dbs.has == NULL || docs.has == NULL || docs.off == NULL) {
        c->rc = MC_ENOMEM;
        goto done;
    }
    split_field(c, C_DB, a->split[0], each_database, &dbs);
    split_field(c, C_DOCS, a->split[1], each_document, &docs);
    if (agency < 0) {
        warn(c, C_SECTOR, 0, "sector '%s' names no agency of the tables; the row is left out",
             f[C_SECTOR]);
        a->stats.unmapped++;
        goto done;
    }
    size_t replaced = 0;
    for (size_t i = 0; i < a->documents.n; i++) {
        if (!docs.has[i]) {
            continue;
        }
        const a_document *doc = &a->documents.items[i];
        if (!dbs.has[doc->registry]) {
            warn(c, C_DOCS, docs.off[i],
                 "%s is held by %s, which the row's databases do not include; not replaced",
                 doc->name, a->registries.items[doc->registry].name);
            docs.has[i] = false;
            continue;
        }
        replaced++;
    }
    if (replaced == 0) {
        warn(c, C_DOCS, 0, "no replaced document could be mapped; the row is left out");
        a->stats.unmapped++;
        goto done;
    }
    a_procedure *p = procedure_for(c, a->agencies.items[agency].agency);
    char *legal = p ? legal_of(c->rec) : NULL;
    if (p == NULL || legal == NULL || push_string(&p->legal, &p->nlegal, legal) != 0) {
        c->rc = MC_ENOMEM;
        goto done;
    }
    p->sector_index = (size_t)agency;
    for (size_t i = 0; i < a->documents.n; i++) {
        bool known = false;
        for (size_t k = 0; k < p->nrequires && docs.has[i]; k++) {
            known |= p->requires[k].document == i;
        }
        if (!docs.has[i] || known) {
            continue;
        }
        a_require *nr = mc_realloc(p->requires, (p->nrequires + 1) * sizeof *nr);
        if (nr == NULL) {
            c->rc = MC_ENOMEM;
            goto done;
        }
        p->requires = nr;
        mc_buf b = MC_BUF_INIT;
        mc_buf_printf(&b, "%s (%s, %s, row %s)", p->legal[p->nlegal - 1], a->resolution[R_NAME],
                      a->resolution[R_ANNEX], c->row);
        char *text = mc_buf_take(&b);
        if (text == NULL) {
            c->rc = MC_ENOMEM;
            goto done;
        }
        nr[p->nrequires++] = (a_require){i, text};
        a->documents.items[i].used = true;
        a->registries.items[a->documents.items[i].registry].used = true;
    }
    if (c->warned) {
        a->stats.partial++;
    } else {
        a->stats.mapped++;
    }
done:
    mc_free(dbs.has);
    mc_free(docs.has);
    mc_free(docs.off);
}

/* Checks a record's shape; reports and returns false when it cannot be imported. */
static bool record_ok(mc_annex *a, const char *file, const mc_csv_record *rec, mc_diags *d, int *rc)
{
    (void)a;
    if (rec->nfields != NCOLS) {
        *rc = mc_diags_add_at(d, MC_DIAG_ERROR, file, rec->line, 1,
                              "expected %d fields, found %zu (quote a field that holds a comma)",
                              NCOLS, rec->nfields);
        return false;
    }
    if (rec->fields[C_CODE][0] == '\0') {
        *rc = mc_diags_add_at(d, MC_DIAG_ERROR, file, rec->line, rec->cols[C_CODE],
                              "row %s has an empty procedure code", rec->fields[C_ROW]);
        return false;
    }
    if (strspn(rec->fields[C_CODE], "0123456789.-") != strlen(rec->fields[C_CODE])) {
        *rc = mc_diags_add_at(d, MC_DIAG_ERROR, file, rec->line, rec->cols[C_CODE],
                              "row %s: procedure code '%s' is not digits and dots",
                              rec->fields[C_ROW], rec->fields[C_CODE]);
        return false;
    }
    return true;
}

static bool same_record(const mc_csv_record *x, const mc_csv_record *y)
{
    for (size_t i = 0; i < NCOLS; i++) {
        if (strcmp(x->fields[i], y->fields[i]) != 0) {
            return false;
        }
    }
    return true;
}

/* ==== rendering ============================================================================ */

/* Appends s as the inside of a string of the language. */
static void quoted(mc_buf *b, const char *s)
{
    mc_buf_append(b, "\"", 1);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') {
            mc_buf_append(b, "\\", 1);
        }
        mc_buf_append(b, s, 1);
    }
    mc_buf_append(b, "\"", 1);
}

/* The first lines of every generated file, into a->banner. */
static int make_banner(mc_annex *a)
{
    const char *const *r = (const char *const *)a->resolution;
    mc_buf b = MC_BUF_INIT;
    mc_buf_printf(&b,
                  "# Generated by `motcua import annex` from %s, %s, with\n"
                  "# %s/tables.tsv and %s/assumptions.tsv: do not edit, run\n"
                  "# `make national` (docs/national.md).\n",
                  r[R_NAME], r[R_ANNEX], r[R_DATA], r[R_DATA]);
    a->banner = mc_buf_take(&b);
    return a->banner != NULL ? 0 : MC_ENOMEM;
}

static int add_file(mc_annex *a, const char *path, mc_buf *b)
{
    char *text = mc_buf_take(b);
    char *p = dup(path);
    mc_annex_file *f = (text && p) ? PUSH(a->files) : NULL;
    if (f == NULL) {
        mc_free(text);
        mc_free(p);
        return MC_ENOMEM;
    }
    *f = (mc_annex_file){p, text, strlen(text)};
    return 0;
}

static int cmp_name(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static int render_registries(mc_annex *a)
{
    mc_buf b = MC_BUF_INIT;
    mc_buf_printf(&b,
                  "%s#\n# The databases the annex names that the bundled catalogue does not "
                  "declare. `published`: the\n# day the resolution comes into force; "
                  "`coverage`: %s/assumptions.tsv (assumption).\n",
                  a->banner, a->resolution[R_DATA]);
    for (size_t i = 0; i < a->registries.n; i++) {
        const a_registry *r = &a->registries.items[i];
        bool named = false;
        for (size_t k = 0; k < a->databases.n; k++) {
            named |= a->databases.items[k].target == i && a->databases.items[k].used;
        }
        if (r->bundled || !named) {
            continue;
        }
        a->stats.new_registries++;
        mc_buf_printf(&b, "\nregistry %s {\n    title ", r->name);
        quoted(&b, r->title);
        mc_buf_puts(&b, "\n    title vi ");
        quoted(&b, r->title_vi);
        mc_buf_printf(&b, "\n    published %s\n", a->resolution[R_PUBLISHED]);
        if (r->coverage) {
            mc_buf_printf(&b, "    coverage %s   # assumption\n", r->coverage);
        }
        mc_buf_puts(&b, "}\n");
    }
    return add_file(a, "registries.proc", &b);
}

static int render_documents(mc_annex *a)
{
    mc_buf b = MC_BUF_INIT;
    mc_buf_printf(&b,
                  "%s#\n# The documents %s replaces, under names of their own: no registry "
                  "holds them before the\n# resolution (reform %s). `match` "
                  "joins the spellings of the tables found in the annex.\n",
                  a->banner, a->resolution[R_ANNEX], a->resolution[R_REFORM]);
    const char **names = mc_calloc(a->documents.n + 1, sizeof *names);
    if (names == NULL) {
        mc_buf_free(&b);
        return MC_ENOMEM;
    }
    size_t n = 0;
    size_t bundled = 0;
    for (size_t i = 0; i < a->documents.n; i++) {
        if (a->documents.items[i].used && !a->documents.items[i].bundled) {
            names[n++] = a->documents.items[i].name;
        }
        bundled += a->documents.items[i].used && a->documents.items[i].bundled;
    }
    qsort(names, n, sizeof *names, cmp_name);
    for (size_t k = 0; k < n; k++) {
        size_t i = (size_t)find_document(a, names[k]);
        const a_document *d = &a->documents.items[i];
        mc_buf_printf(&b, "\ndocument %s {\n    title ", d->name);
        quoted(&b, d->title);
        mc_buf_puts(&b, "\n    title vi ");
        quoted(&b, d->title_vi);
        mc_buf b2 = MC_BUF_INIT;
        mc_buf_puts(&b2, "(?i)");
        bool first = true;
        for (size_t s = 0; s < a->spellings.n; s++) {
            const a_pattern *p = &a->spellings.items[s];
            if (p->target == i && p->used) {
                mc_buf_printf(&b2, "%s%s", first ? "" : "|", p->text);
                first = false;
            }
        }
        char *pattern = mc_buf_take(&b2);
        if (pattern == NULL) {
            mc_free(names);
            mc_buf_free(&b);
            return MC_ENOMEM;
        }
        mc_buf_puts(&b, "\n    match ");
        quoted(&b, pattern);
        mc_free(pattern);
        mc_buf_puts(&b, "\n}\n");
    }
    a->stats.documents = n + bundled;
    mc_free(names);
    return add_file(a, "documents.proc", &b);
}

static int render_reform(mc_annex *a)
{
    const char *const *res = (const char *const *)a->resolution;
    mc_buf b = MC_BUF_INIT;
    mc_buf_printf(
        &b,
        "%s#\n# %s (in force %s), %s: the documents that\n# these registries now supply in place "
        "of the applicant. Compare with `motcua cost --reform\n# %s`.\n\nreform %s {\n    title ",
        a->banner, res[R_NAME], res[R_IN_FORCE], res[R_ANNEX], res[R_REFORM], res[R_REFORM]);
    mc_buf title = MC_BUF_INIT;
    mc_buf_printf(&title, "%s, %s: %s", res[R_NAME], res[R_ANNEX], res[R_REFORM_TITLE]);
    if (title.oom) {
        mc_buf_free(&b);
        return MC_ENOMEM;
    }
    quoted(&b, title.data);
    mc_buf_free(&title);
    mc_buf_puts(&b, "\n");
    const char **names = mc_calloc(a->registries.n + 1, sizeof *names);
    if (names == NULL) {
        mc_buf_free(&b);
        return MC_ENOMEM;
    }
    size_t n = 0;
    for (size_t i = 0; i < a->registries.n; i++) {
        if (a->registries.items[i].used) {
            names[n++] = a->registries.items[i].name;
        }
    }
    qsort(names, n, sizeof *names, cmp_name);
    for (size_t k = 0; k < n; k++) {
        size_t r = (size_t)find_registry(a, names[k]);
        const char **docs = mc_calloc(a->documents.n + 1, sizeof *docs);
        if (docs == NULL) {
            mc_free(names);
            mc_buf_free(&b);
            return MC_ENOMEM;
        }
        size_t nd = 0;
        for (size_t i = 0; i < a->documents.n; i++) {
            if (a->documents.items[i].used && a->documents.items[i].registry == r) {
                docs[nd++] = a->documents.items[i].name;
            }
        }
        qsort(docs, nd, sizeof *docs, cmp_name);
        mc_buf_printf(&b, "    registry %s { holds", names[k]);
        for (size_t i = 0; i < nd; i++) {
            mc_buf_printf(&b, " %s", docs[i]);
        }
        mc_buf_puts(&b, " }\n");
        mc_free(docs);
    }
    a->stats.registries = n;
    mc_free(names);
    mc_buf_puts(&b, "}\n");
    char path[200];
    snprintf(path, sizeof path, "%s.proc", res[R_REFORM]);
    return add_file(a, path, &b);
}

static const char *figure(const char *own, const char *fallback)
{
    return own ? own : fallback;
}

static void render_procedure(const mc_annex *a, const a_procedure *p, mc_buf *b)
{
    const a_sector *s = &a->agencies.items[p->sector_index];
    const a_sector *z = &a->fallback;
    const char *annex = a->resolution[R_ANNEX];
    /* the annex's name opens a sentence: "Annex I, row 7." */
    mc_buf_printf(b, "\n# %c%s, row%s %s.\nprocedure %s {\n    code ",
                  annex[0] >= 'a' && annex[0] <= 'z' ? annex[0] - 'a' + 'A' : annex[0], annex + 1,
                  strchr(p->rows, ',') ? "s" : "", p->rows, p->name);
    quoted(b, p->code);
    mc_buf_puts(b, "\n    title vi ");
    quoted(b, p->title);
    for (size_t i = 0; i < p->nlegal; i++) {
        mc_buf_puts(b, "\n    legal-basis ");
        quoted(b, p->legal[i]);
    }
    mc_buf_printf(b,
                  "\n    agency %s\n    effective %s\n    calendar %s\n"
                  "    time-limit %s\n    volume %s per year\n    visits %s\n"
                  "    assumed volume visits time-limit effort\n"
                  "    subject applicant-id\n    lifecycle one-stop\n\n"
                  "    field applicant-id {\n        type text\n        required\n"
                  "        title \"Personal identification number or enterprise code of the "
                  "applicant\"\n        title vi \"Số định danh cá nhân hoặc mã số doanh "
                  "nghiệp của người nộp hồ sơ\"\n    }\n\n",
                  p->agency, a->resolution[R_PUBLISHED], a->resolution[R_CALENDAR],
                  figure(s->time_limit, z->time_limit), figure(s->volume, z->volume),
                  figure(s->visits, z->visits));
    for (size_t i = 0; i < p->nrequires; i++) {
        mc_buf_printf(b, "    requires %s { effort %s; legal-basis ",
                      a->documents.items[p->requires[i].document].name,
                      figure(s->effort, z->effort));
        quoted(b, p->requires[i].legal);
        mc_buf_puts(b, " }\n");
    }
    mc_buf_puts(b, "}\n");
}

static int cmp_code(const void *x, const void *y)
{
    const a_procedure *const *p = x, *const *q = y;
    return strcmp((*p)->code, (*q)->code);
}

static int render_procedures(mc_annex *a)
{
    const a_procedure **procs = mc_calloc(a->procedures.n + 1, sizeof *procs);
    if (procs == NULL) {
        return MC_ENOMEM;
    }
    for (size_t i = 0; i < a->procedures.n; i++) {
        procs[i] = &a->procedures.items[i];
    }
    qsort(procs, a->procedures.n, sizeof *procs, cmp_code);
    int rc = 0;
    for (size_t g = 0; g < a->agencies.n && rc == 0; g++) {
        const char *agency = a->agencies.items[g].agency;
        mc_buf b = MC_BUF_INIT;
        size_t n = 0;
        for (size_t i = 0; i < a->procedures.n; i++) {
            if (strcmp(procs[i]->agency, agency) != 0) {
                continue;
            }
            if (n++ == 0) {
                mc_buf_printf(&b, "%s#\n# %s: procedures of %s (sector \"%s\").\n", a->banner,
                              agency, a->resolution[R_ANNEX], procs[i]->sector);
            }
            render_procedure(a, procs[i], &b);
        }
        if (n == 0) {
            mc_buf_free(&b);
            continue;
        }
        char path[200];
        snprintf(path, sizeof path, "%s.proc", agency);
        rc = add_file(a, path, &b);
    }
    a->stats.procedures = a->procedures.n;
    mc_free(procs);
    return rc;
}

static int cmp_file(const void *x, const void *y)
{
    return strcmp(((const mc_annex_file *)x)->path, ((const mc_annex_file *)y)->path);
}

/* ==== the import =========================================================================== */

int mc_annex_import(mc_annex *a, const char *file, const char *text, size_t len, mc_diags *d,
                    mc_error *err)
{
    if (a->imported) {
        return mc_error_set(err, MC_EUSAGE, "an mc_annex imports one annex");
    }
    a->imported = true;
    size_t errors = mc_diags_errors(d);
    mc_csv csv = MC_CSV_INIT;
    int rc = mc_csv_parse(&csv, file, text, len, d);
    if (rc != 0) {
        goto done;
    }
    size_t first = 0;
    if (csv.n > 0) {
        const mc_csv_record *h = &csv.records[0];
        bool ok = h->nfields == NCOLS;
        for (size_t i = 0; ok && i < NCOLS; i++) {
            ok = strcmp(h->fields[i], header[i]) == 0;
        }
        if (!ok) {
            rc = mc_diags_add_at(d, MC_DIAG_ERROR, file, h->line, 1,
                                 "expected the header row,procedure_code,procedure_name,"
                                 "replaced_documents,database,database_ministry,legal_document,"
                                 "legal_provision,sector");
        }
        first = 1;
    }
    for (size_t i = first; i < csv.n && rc == 0; i++) {
        (void)record_ok(a, file, &csv.records[i], d, &rc);
    }
    if (rc == 0 && mc_diags_errors(d) != errors) {
        rc = mc_error_set(err, MC_ECHECK, "%s is malformed", file);
        goto done;
    }
    for (size_t i = first; i < csv.n && rc == 0; i++) {
        const mc_csv_record *rec = &csv.records[i];
        a->stats.rows++;
        size_t same = 0, number = 0;
        for (size_t k = first; k < i && !same; k++) {
            if (same_record(rec, &csv.records[k])) {
                same = k + 1;
            } else if (!number && strcmp(rec->fields[C_ROW], csv.records[k].fields[C_ROW]) == 0) {
                number = k + 1;
            }
        }
        if (same) {
            a->stats.skipped++;
            rc = mc_diags_add_at(d, MC_DIAG_WARNING, file, rec->line, 1,
                                 "row %s repeats line %u word for word; left out",
                                 rec->fields[C_ROW], (unsigned)csv.records[same - 1].line);
            continue;
        }
        if (number) {
            rc = mc_diags_add_at(d, MC_DIAG_WARNING, file, rec->line, rec->cols[C_ROW],
                                 "row number %s is also used at line %u; both rows are imported",
                                 rec->fields[C_ROW], (unsigned)csv.records[number - 1].line);
        }
        row_ctx c = {a, d, file, rec, rec->fields[C_ROW], number != 0, 0};
        if (rc == 0) {
            import_row(&c);
            rc = c.rc;
        }
    }
    if (rc == 0) {
        rc = make_banner(a);
    }
    if (rc == 0) {
        rc = render_registries(a);
    }
    if (rc == 0) {
        rc = render_documents(a);
    }
    if (rc == 0) {
        rc = render_reform(a);
    }
    if (rc == 0) {
        rc = render_procedures(a);
    }
    if (rc == 0) {
        qsort(a->files.items, a->files.n, sizeof *a->files.items, cmp_file);
    }
    if (rc == MC_ENOMEM) {
        mc_error_set(err, rc, "out of memory");
    }
done:
    mc_csv_free(&csv);
    return rc;
}

const mc_annex_file *mc_annex_files(const mc_annex *a, size_t *n)
{
    *n = a->files.n;
    return a->files.items;
}

mc_annex_stats mc_annex_stats_of(const mc_annex *a)
{
    return a->stats;
}

int mc_annex_write(const mc_annex *a, const char *dir, mc_error *err)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        return mc_error_set(err, MC_EIO, "cannot create %s: %s", dir, strerror(errno));
    }
    for (size_t i = 0; i < a->files.n; i++) {
        const mc_annex_file *f = &a->files.items[i];
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, f->path);
        FILE *out = fopen(path, "wb");
        if (out == NULL) {
            return mc_error_set(err, MC_EIO, "cannot write %s: %s", path, strerror(errno));
        }
        bool ok = fwrite(f->text, 1, f->len, out) == f->len;
        ok = (fclose(out) == 0) && ok;
        if (!ok) {
            return mc_error_set(err, MC_EIO, "cannot write %s", path);
        }
    }
    return 0;
}
