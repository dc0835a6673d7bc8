/*
 * The procedure builder, shared by procedures and reform procedure blocks (decl_procedure.c,
 * decl_reform.c). The MC_P_* constants index mc_procedure_table: bit MC_P_X of a patch's `set`
 * says that directive X was written.
 */
#ifndef MOTCUA_DECL_PROCEDURE_H
#define MOTCUA_DECL_PROCEDURE_H

#include "decl_int.h"

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

typedef struct mc_proc_build {
    mc_ptrvec states; /* first: mc_state_handler works on it */
    mc_procedure *p;
    bool patch; /* a reform's procedure block */
    mc_titled titles;
    mc_ptrvec fields;   /* mc_field * */
    mc_ptrvec requires; /* mc_requirement * */
    const mc_token *subject, *lifecycle_tok;
    mc_ptrvec drop_requires, drop_fields, drop_states; /* const mc_token * (the names) */
} mc_proc_build;

void mc_proc_build_init(mc_builder *b, mc_proc_build *pb, mc_procedure *p, const mc_node *n);
/* Copies fields and requirements into arrays, checks duplicates, resolves the subject. */
void mc_proc_build_freeze(mc_builder *b, mc_proc_build *pb);
void mc_proc_build_free(mc_proc_build *pb);

#endif
