/*
 * What the catalogue's modules share privately: the catalogue object itself, the reform
 * patches, and the builder that turns parse trees into declarations (decl.c) on behalf of the
 * loader (catalogue.c).
 */
#ifndef MOTCUA_CATALOGUE_INT_H
#define MOTCUA_CATALOGUE_INT_H

#include "base/arena.h"
#include "base/map.h"
#include "base/ptrvec.h"
#include "lang/parser.h"
#include "motcua/catalogue.h"

typedef struct mc_versions {
    mc_procedure **items; /* sorted by effective date, undated first */
    size_t n, cap;
} mc_versions;

/* The directives of a registry block, in the order of the builder's registry table: bit MC_R_X of
 * a registry patch's `set` says that directive X was written. */
enum { MC_R_TITLE, MC_R_HOLDS, MC_R_PUBLISHED, MC_R_COVERAGE, MC_R_SUBJECTS };

/* The directives of a procedure block, in the order of the builder's procedure table: bit
 * MC_P_X of a procedure patch's `set` says that directive X was written. */
enum {
    MC_P_CODE,
    MC_P_TITLE,
    MC_P_LEGAL,
    MC_P_AGENCY,
    MC_P_EFFECTIVE,
    MC_P_CALENDAR,
    MC_P_TIME_LIMIT,
    MC_P_FEE,
    MC_P_ONLINE,
    MC_P_VOLUME,
    MC_P_VISITS,
    MC_P_SUBJECT,
    MC_P_LIFECYCLE,
    MC_P_FIELD,
    MC_P_REQUIRES,
    MC_P_STATE,
    MC_P_DROP,
    MC_P_ASSUMED,
};

/* A registry block of a reform: holds are added, the other directives replace. */
typedef struct mc_registry_patch {
    const mc_registry *target;
    mc_registry patch;
    uint32_t set; /* bit i: directive i of the registry table was given */
} mc_registry_patch;

/* A procedure block of a reform: every version of the procedure gets it. */
typedef struct mc_procedure_patch {
    const char *name;
    mc_pos pos;
    mc_procedure patch; /* only what was written */
    uint64_t set;       /* bit i: directive i of the procedure table was given */
    mc_strings drop_requires, drop_fields, drop_states;
    const mc_state *const *states; /* states the patch adds or replaces */
    size_t nstates;
} mc_procedure_patch;

struct mc_reform {
    const char *name;
    mc_pos pos;
    const char *title;
    mc_registry_patch *registries;
    size_t nregistries;
    mc_procedure_patch *procedures;
    size_t nprocedures;
    mc_strings drop_procedures;
};

enum { MC_KINDS = 8 };

struct mc_catalogue {
    mc_arena arena;
    mc_source **sources;
    size_t nsources, sources_cap;
    mc_ptrvec calendars, roles, documents, registries, lifecycles, procedures, reforms, cost_models;
    mc_map calendar_map, role_map, document_map, registry_map, lifecycle_map, version_map,
        reform_map, cost_model_map;
    size_t nnames;           /* distinct procedure names */
    mc_ptrvec regexes;       /* every compiled pattern, freed with the catalogue */
    mc_ptrvec version_lists; /* every mc_versions, freed with the catalogue */
    char hash[65];
    const mc_calendar *default_calendar;
    const mc_cost_model *default_cost_model;
};

/* Builds declarations from parse trees into cat. The loader calls mc_build_file() for each
 * parsed file (declaring names), then mc_build_finish() once (bodies, references, checks).
 * rules holds the rule modules (NULL: rule references are not checked). */
typedef struct mc_builder mc_builder;
int mc_builder_new(mc_builder **out, mc_catalogue *cat, mc_diags *diags,
                   const mc_rule_names *rules);
int mc_build_file(mc_builder *b, mc_source *src, uint32_t file, const mc_node *tree);
int mc_build_finish(mc_builder *b);
void mc_builder_free(mc_builder *b);

#endif
