/*
 * The annex importer's model (annex.h, annex_int.h): the small helpers its three steps share —
 * reading the tables and assumptions (annex_read.c), normalising the annex's rows
 * (annex_normalise.c), rendering and writing the catalogue files (annex_write.c) — and freeing
 * and reading a finished import. The lowest of the importer's files: it calls none of the
 * steps; annex_import.c, the highest, drives them.
 */
#include "annex_int.h"

#include "base/grow.h"
#include "motcua/alloc.h"

#include <stddef.h>
#include <string.h>

void *annex_push(void **items, size_t *n, size_t *cap, size_t size)
{
    if (mc_grow(items, cap, *n + 1, size) != 0) {
        return NULL;
    }
    void *it = (char *)*items + (*n)++ * size;
    memset(it, 0, size);
    return it;
}

char *annex_dup(const char *s)
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

void annex_sector_free(a_sector *s)
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
        annex_sector_free(&a->agencies.items[i]);
    }
    mc_free(a->agencies.items);
    annex_sector_free(&a->fallback);
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

long annex_find_named(const void *items, size_t n, size_t size, size_t off, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        const char *const *it = (const void *)((const char *)items + i * size + off);
        if (strcmp(*it, name) == 0) {
            return (long)i;
        }
    }
    return -1;
}

long annex_find_registry(const mc_annex *a, const char *name)
{
    return annex_find_named(a->registries.items, a->registries.n, sizeof(a_registry),
                            offsetof(a_registry, name), name);
}

long annex_find_document(const mc_annex *a, const char *name)
{
    return annex_find_named(a->documents.items, a->documents.n, sizeof(a_document),
                            offsetof(a_document, name), name);
}

long annex_find_agency(const mc_annex *a, const char *name)
{
    return annex_find_named(a->agencies.items, a->agencies.n, sizeof(a_sector),
                            offsetof(a_sector, agency), name);
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
