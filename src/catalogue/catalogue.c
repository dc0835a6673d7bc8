/*
 * The catalogue and its queries: what a loaded (frozen) catalogue answers, the names of its
 * enumerations, and freeing it. The loader is load.c; the builder it drives, build.c.
 */
#include "catalogue_int.h"

#include "motcua/alloc.h"
#include "base/regex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ==== the catalogue ====================================================================== */

const char *mc_catalogue_hash(const mc_catalogue *cat)
{
    return cat->hash;
}

void mc_catalogue_free(mc_catalogue *cat)
{
    if (cat == NULL) {
        return;
    }
    for (size_t i = 0; i < cat->regexes.n; i++) {
        mc_regex_free(cat->regexes.items[i]);
    }
    for (size_t i = 0; i < cat->nsources; i++) {
        mc_source_free(cat->sources[i]);
    }
    mc_free(cat->sources);
    mc_free(cat->source_layers);
    for (size_t i = 0; i < cat->nlayers; i++) {
        mc_free(cat->layer_names[i]);
    }
    mc_free(cat->layer_names);
    mc_ptrvec *vecs[] = {&cat->calendars,     &cat->roles,        &cat->documents,
                         &cat->registries,    &cat->lifecycles,   &cat->procedures,
                         &cat->reforms,       &cat->cost_models,  &cat->regexes,
                         &cat->version_lists, &cat->fee_schedules, &cat->agencies};
    for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++) {
        mc_ptrvec_free(vecs[i]);
    }
    mc_map *maps[] = {&cat->calendar_map, &cat->role_map,       &cat->document_map,
                      &cat->registry_map, &cat->lifecycle_map,  &cat->version_map,
                      &cat->reform_map,   &cat->cost_model_map, &cat->fee_schedule_map,
                      &cat->agency_map};
    for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++) {
        mc_map_free(maps[i]);
    }
    mc_catalogue_free(cat->owned_base);
    mc_arena_free(&cat->arena);
    mc_free(cat);
}

/* ==== queries ============================================================================ */

const mc_field *mc_field_find(const mc_field *fields, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(fields[i].name, name) == 0) {
            return &fields[i];
        }
    }
    return NULL;
}

int mc_party_find(const mc_procedure *p, const char *name)
{
    if (strcmp(name, "applicant") == 0) {
        return 0;
    }
    for (size_t i = 1; i < p->nparties; i++) {
        if (strcmp(p->parties[i].name, name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

const char *mc_party_value(const mc_procedure *p, size_t k, const char *const *values)
{
    const mc_field *f = k == 0 ? p->subject : k < p->nparties ? p->parties[k].field : NULL;
    if (f == NULL || values == NULL) {
        return NULL;
    }
    const char *v = values[f - p->fields];
    return v != NULL && v[0] != '\0' ? v : NULL;
}

const mc_procedure *const *mc_catalogue_versions(const mc_catalogue *cat, const char *name,
                                                 size_t *n)
{
    const mcc_versions *v = mc_map_get(&cat->version_map, name, strlen(name));
    *n = v ? v->n : 0;
    return v ? (const mc_procedure *const *)v->items : NULL;
}

const mc_procedure *mc_catalogue_procedure(const mc_catalogue *cat, const char *name, mc_date date)
{
    size_t n;
    const mc_procedure *const *v = mc_catalogue_versions(cat, name, &n);
    const mc_procedure *found = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!v[i]->has_effective || v[i]->effective <= date) {
            found = v[i];
        }
    }
    return found;
}

const mc_procedure *mc_catalogue_superseded(const mc_catalogue *cat, const char *name,
                                            mc_date date)
{
    for (size_t i = 0; i < cat->procedures.n; i++) {
        const mc_procedure *p = cat->procedures.items[i];
        if (p->supersedes != NULL && strcmp(p->supersedes, name) == 0 &&
            mc_catalogue_procedure(cat, p->name, date) == p) {
            return p;
        }
    }
    return NULL;
}

#define LOOKUP(fn, type, map)                                                                      \
    const type *fn(const mc_catalogue *cat, const char *name)                                      \
    {                                                                                              \
        return mc_map_get(&cat->map, name, strlen(name));                                          \
    }

LOOKUP(mc_catalogue_document, mc_document, document_map)
LOOKUP(mc_catalogue_registry, mc_registry, registry_map)
LOOKUP(mc_catalogue_role, mc_role, role_map)
LOOKUP(mc_catalogue_calendar, mc_calendar, calendar_map)
LOOKUP(mc_catalogue_lifecycle, mc_lifecycle, lifecycle_map)
LOOKUP(mc_catalogue_reform, mc_reform, reform_map)
LOOKUP(mc_catalogue_cost_model, mc_cost_model, cost_model_map)
LOOKUP(mc_catalogue_fee_schedule, mc_fee_schedule, fee_schedule_map)
LOOKUP(mc_catalogue_agency, mc_agency, agency_map)

const mc_event *mc_procedure_event(const mc_procedure *p, const char *name)
{
    for (size_t i = 0; i < p->nevents; i++) {
        if (strcmp(p->events[i].name, name) == 0) {
            return &p->events[i];
        }
    }
    const mc_lifecycle *l = p->lifecycle;
    for (size_t i = 0; l != NULL && i < l->nevents; i++) {
        if (strcmp(l->events[i].name, name) == 0) {
            return &l->events[i];
        }
    }
    return NULL;
}

bool mc_registry_holds(const mc_registry *reg, const mc_document *doc)
{
    for (size_t i = 0; i < reg->nholds; i++) {
        if (reg->holds[i] == doc) {
            return true;
        }
    }
    return false;
}

int mc_registry_check_subject(const mc_registry *reg, const char *subject, size_t len,
                              mc_error *err)
{
    if (reg->subjects == NULL) {
        return 0;
    }
    char why[200];
    int m = mc_regex_match(reg->subjects, subject, len, NULL, NULL, why, sizeof why);
    if (m == 1) {
        return 0;
    }
    if (m == MC_ENOMEM) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    if (m != 0) {
        /* An unchecked subject is not filed: the pattern failing is no licence to pass. */
        return mc_error_set(err, MC_ESYNTAX,
                            "subject '%.*s' could not be checked against the subjects of registry "
                            "'%s' (%s)",
                            (int)len, subject, reg->name, why);
    }
    return mc_error_set(err, MC_ESYNTAX,
                        "subject '%.*s' is not a subject of registry '%s' (subjects match \"%s\")",
                        (int)len, subject, reg->name, reg->subjects_source);
}

#define LIST(fn, type, vec)                                                                        \
    const type *const *fn(const mc_catalogue *cat, size_t *n)                                      \
    {                                                                                              \
        *n = cat->vec.n;                                                                           \
        return (const type *const *)cat->vec.items;                                                \
    }

LIST(mc_catalogue_procedures, mc_procedure, procedures)
LIST(mc_catalogue_documents, mc_document, documents)
LIST(mc_catalogue_registries, mc_registry, registries)
LIST(mc_catalogue_roles, mc_role, roles)
LIST(mc_catalogue_calendars, mc_calendar, calendars)
LIST(mc_catalogue_lifecycles, mc_lifecycle, lifecycles)
LIST(mc_catalogue_reforms, mc_reform, reforms)
LIST(mc_catalogue_cost_models, mc_cost_model, cost_models)
LIST(mc_catalogue_fee_schedules, mc_fee_schedule, fee_schedules)
LIST(mc_catalogue_agencies, mc_agency, agencies)

const mc_calendar *mc_catalogue_default_calendar(const mc_catalogue *cat)
{
    return cat->default_calendar;
}

const mc_cost_model *mc_catalogue_default_cost_model(const mc_catalogue *cat)
{
    return cat->default_cost_model;
}

size_t mc_catalogue_procedure_names(const mc_catalogue *cat)
{
    return cat->nnames;
}

const char *mc_catalogue_file(const mc_catalogue *cat, uint32_t i)
{
    return i < cat->nsources ? mc_source_path(cat->sources[i]) : NULL;
}

size_t mc_catalogue_nfiles(const mc_catalogue *cat)
{
    return cat->nsources;
}

size_t mc_catalogue_nlayers(const mc_catalogue *cat)
{
    return cat->nlayers;
}

const char *mc_catalogue_layer_name(const mc_catalogue *cat, size_t i)
{
    return i < cat->nlayers ? cat->layer_names[i] : NULL;
}

size_t mc_catalogue_file_layer(const mc_catalogue *cat, uint32_t file)
{
    return file < cat->nsources ? cat->source_layers[file] : 0;
}

const mc_layer_decl *mc_catalogue_layer_decls(const mc_catalogue *cat, size_t *n)
{
    *n = cat->nlayer_decls;
    return cat->layer_decls;
}

void mc_catalogue_position(const mc_catalogue *cat, mc_pos pos, uint32_t *line, uint32_t *col)
{
    if (pos.file >= cat->nsources) {
        *line = *col = 0;
        return;
    }
    mc_source_position(cat->sources[pos.file], pos.off, line, col);
}

const char *mc_reform_name(const mc_reform *r)
{
    return r->name;
}

const char *mc_reform_title(const mc_reform *r)
{
    return r->title;
}

const char *mc_reform_title_in(const mc_reform *r, const char *lang)
{
    return mc_title(r->titles, r->ntitles, lang, NULL);
}

const char *const mc_assumed_names[MC_ASSUMED_COUNT] = {"volume", "effort", "visits", "time-limit",
                                                        "fee"};

const char *mc_clock_name(mc_clock c)
{
    static const char *const names[] = {"running", "paused", "stopped"};
    return (unsigned)c < 3 ? names[c] : "?";
}

const char *mc_outcome_name(mc_outcome o)
{
    static const char *const names[] = {"none", "granted", "refused", "withdrawn", "stopped"};
    return (unsigned)o < 5 ? names[o] : "?";
}

const char *mc_field_type_name(mc_field_type t)
{
    static const char *const names[] = {"text", "integer", "number", "date",
                                        "bool", "choice",  "money"};
    return (unsigned)t < 7 ? names[t] : "?";
}

const char *const mc_channel_names[MC_CHANNELS] = {"online", "counter", "post"};

const char *mc_online_name(mc_online o)
{
    static const char *const names[] = {"none", "partial", "full"};
    return (unsigned)o < 3 ? names[o] : "?";
}

const char *mc_title(const mc_text *titles, size_t n, const char *lang, const char *name)
{
    static const char *const order[] = {NULL, "en", "vi"};
    const char *exact = NULL, *found[3] = {NULL, NULL, NULL};
    for (size_t i = 0; i < n; i++) {
        const char *l = titles[i].lang;
        if (l == NULL ? lang == NULL : lang != NULL && strcmp(l, lang) == 0) {
            exact = exact ? exact : titles[i].text;
        }
        for (int k = 0; k < 3; k++) {
            bool same = l == NULL ? order[k] == NULL : order[k] != NULL && strcmp(l, order[k]) == 0;
            if (same && found[k] == NULL) {
                found[k] = titles[i].text;
            }
        }
    }
    for (int k = 0; exact == NULL && k < 3; k++) {
        exact = found[k];
    }
    return exact != NULL ? exact : name;
}

const char *mc_text_pick(const mc_text *titles, size_t n, const char *lang)
{
    const char *dflt = NULL;
    for (size_t i = 0; i < n; i++) {
        if (lang != NULL && titles[i].lang != NULL && strcmp(titles[i].lang, lang) == 0) {
            return titles[i].text;
        }
        if (titles[i].lang == NULL && dflt == NULL) {
            dflt = titles[i].text;
        }
    }
    return dflt ? dflt : (n > 0 ? titles[0].text : NULL);
}
