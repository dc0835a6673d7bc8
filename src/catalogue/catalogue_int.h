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
#include "motcua/reform.h"

typedef struct mcc_versions {
    mc_procedure **items; /* sorted by effective date, undated first */
    size_t n, cap;
} mcc_versions;

/* The directives of a registry block, in the order of the builder's registry table: bit MCC_R_X of
 * a registry patch's `set` says that directive X was written. */
enum {
    MCC_R_TITLE,
    MCC_R_HOLDS,
    MCC_R_PUBLISHED,
    MCC_R_COVERAGE,
    MCC_R_SUBJECTS,
    MCC_R_LIVE,
    MCC_R_REUSE,
    MCC_R_WAIT
};

/* The directives of a procedure block, in the order of the builder's procedure table: bit
 * MCC_P_X of a procedure patch's `set` says that directive X was written. */
enum {
    MCC_P_CODE,
    MCC_P_TITLE,
    MCC_P_LEGAL,
    MCC_P_AGENCY,
    MCC_P_EFFECTIVE,
    MCC_P_CALENDAR,
    MCC_P_TIME_LIMIT,
    MCC_P_FEE,
    MCC_P_ONLINE,
    MCC_P_VOLUME,
    MCC_P_VISITS,
    MCC_P_SUBJECT,
    MCC_P_LIFECYCLE,
    MCC_P_FIELD,
    MCC_P_REQUIRES,
    MCC_P_STATE,
    MCC_P_DROP,
    MCC_P_ASSUMED,
    MCC_P_EXTENSION,
    MCC_P_PARTY,
    MCC_P_APPLICANT,
    MCC_P_EVENT,
    MCC_P_SECTOR,
    MCC_P_SUPERSEDES,
    MCC_P_CHANNELS,
    MCC_P_ASKS_HELD,
    MCC_P_PART,
};

/* A registry block of a reform: holds are added, the other directives replace. */
typedef struct mcc_registry_patch {
    const mc_registry *target;
    mc_registry patch;
    uint32_t set; /* bit i: directive i of the registry table was given */
} mcc_registry_patch;

/* A procedure block of a reform: every version of the procedure gets it. */
typedef struct mcc_procedure_patch {
    const char *name;
    mc_pos pos;
    mc_procedure patch; /* only what was written */
    uint64_t set;       /* bit i: directive i of the procedure table was given */
    mc_strings drop_requires, drop_fields, drop_states;
    const mc_state *const *states; /* states the patch adds or replaces */
    size_t nstates;
} mcc_procedure_patch;

/* What a change of a reform touches (mcc_change.kind). */
enum {
    MCC_C_DROP_PROCEDURE, /* `drop procedure NAME` */
    MCC_C_REGISTRY,       /* a directive of a registry block (`holds`: one per document) */
    MCC_C_PROCEDURE,      /* a directive of a procedure block */
    MCC_C_STAFF,          /* `staff AGENCY ROLE N` (issue 23) */
};

/* `staff AGENCY ROLE N` of a reform (issue 23): the agency's officers of that role become N. */
typedef struct mcc_staff_patch {
    const char *agency;
    mc_staff staff;
} mcc_staff_patch;

/* One change of a reform (reform.h), with what applying it alone needs: its block, the directive
 * of the block's table, and the name or line it concerns. */
typedef struct mcc_change {
    mc_reform_change pub;
    uint8_t kind;      /* MCC_C_* */
    uint8_t directive; /* MCC_R_* or MCC_P_* */
    uint8_t list;      /* MCC_P_DROP: 0 requires, 1 field, 2 state */
    uint32_t block;    /* index into the reform's registries or procedures */
    uint32_t item;     /* MCC_P_TITLE, MCC_P_LEGAL, MCC_R_TITLE: the line among those of its
                          block */
    const char *name;  /* the requirement's document, field, state, held or dropped name, the
                          procedure dropped; NULL for a scalar */
    const char *what;  /* the directive's name as written ("time-limit") */
} mcc_change;

struct mc_reform {
    const char *name;
    mc_pos pos;
    const char *title;     /* the default title, else the English, else the Vietnamese one */
    const mc_text *titles; /* every `title [LANG]` line */
    size_t ntitles;
    mcc_registry_patch *registries;
    size_t nregistries;
    mcc_procedure_patch *procedures;
    size_t nprocedures;
    mc_strings drop_procedures;
    mc_strings legal_basis; /* its own `legal-basis` lines */
    mcc_change *changes;    /* in the order written */
    size_t nchanges;
    mcc_staff_patch *staff; /* its `staff` lines, in the order written (issue 23) */
    size_t nstaff;
};

enum { MCC_KINDS = 10 };

struct mc_catalogue {
    mc_arena arena;
    mc_source **sources;
    size_t nsources, sources_cap;
    uint32_t *source_layers; /* the layer of each source, lowest 0 */
    char **layer_names;      /* nlayers names, owned */
    size_t nlayers, layers_cap;
    mc_ptrvec calendars, roles, documents, registries, lifecycles, procedures, reforms, cost_models;
    mc_map calendar_map, role_map, document_map, registry_map, lifecycle_map, version_map,
        reform_map, cost_model_map;
    size_t nnames;           /* distinct procedure names */
    mc_ptrvec regexes;       /* every compiled pattern, freed with the catalogue */
    mc_ptrvec version_lists; /* every mcc_versions, freed with the catalogue */
    char hash[65];
    const mc_calendar *default_calendar;
    const mc_cost_model *default_cost_model;
    mc_ptrvec fee_schedules; /* decl_fee.c */
    mc_map fee_schedule_map;
    mc_ptrvec agencies; /* decl_basic.c */
    mc_map agency_map;
    mc_layer_decl *layer_decls; /* in the arena; one for each declaration build.c reads */
    size_t nlayer_decls, layer_decls_cap;
    /* reform.c: the intermediate catalogue a stacked application (mc_reform_apply_list) was
       derived from, owned by this one and freed with it; or NULL */
    mc_catalogue *owned_base;
};

/* Builds declarations from parse trees into cat. The loader calls mcb_build_file() for each
 * parsed file (declaring names), then mcb_build_finish() once (bodies, references, checks).
 * rules holds the rule modules (NULL: rule references are not checked). */
typedef struct mcb_builder mcb_builder;
int mcb_builder_new(mcb_builder **out, mc_catalogue *cat, mc_diags *diags,
                    const mc_rule_names *rules);
int mcb_build_file(mcb_builder *b, mc_source *src, uint32_t file, const mc_node *tree);
int mcb_build_finish(mcb_builder *b);
void mcb_builder_free(mcb_builder *b);

#endif
