/*
 * What the annex importer's files share (annex.h): the model an import builds — the tables
 * and assumptions as read (annex_read.c), the procedures the rows normalise into
 * (annex_normalise.c), the files rendered from them (annex_write.c) — and the small helpers
 * over it (annex.c). Private to src/import: functions here are `annex_`, the public ones
 * `mc_annex_`.
 */
#ifndef MOTCUA_ANNEX_INT_H
#define MOTCUA_ANNEX_INT_H

#include "motcua/annex.h"

#include "base/regex.h"
#include "lang/csv.h"

#include <stdbool.h>
#include <stddef.h>

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
    size_t nlegal, legal_cap;
    a_require *requires;
    size_t nrequires, requires_cap;
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
    R_REFORM_TITLE_VI, /* the reform's whole title in Vietnamese (its `title vi`) */
    R_DATA,         /* the folder of the tables, named in the banner */
    NRESOLUTION
};
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
void *annex_push(void **items, size_t *n, size_t *cap, size_t size);
#define PUSH(v) annex_push((void **)&(v).items, &(v).n, &(v).cap, sizeof *(v).items)

/* A copy of s through the project's allocator; NULL when out of memory. */
char *annex_dup(const char *s);

/* Frees what s owns (not s itself). */
void annex_sector_free(a_sector *s);

/* The index of the item of items[0..n) (each size bytes) whose name, a char * at byte offset
 * off, is name; -1 when none is. */
long annex_find_named(const void *items, size_t n, size_t size, size_t off, const char *name);
long annex_find_registry(const mc_annex *a, const char *name);
long annex_find_document(const mc_annex *a, const char *name);
long annex_find_agency(const mc_annex *a, const char *name);

/* Checks the annex's header and the shape of every record: problems are errors in d (the
 * annex is then malformed and nothing is normalised). Returns 0 or MC_ENOMEM. */
int annex_check(const char *file, const mc_csv *csv, mc_diags *d);

/* Normalises each data row of a checked annex into a's procedures (warnings in d). Returns 0
 * or MC_ENOMEM. */
int annex_normalise(mc_annex *a, const char *file, const mc_csv *csv, mc_diags *d);

/* Renders a's files from its normalised procedures, sorted by path. 0 or MC_ENOMEM. */
int annex_render(mc_annex *a);

#endif
