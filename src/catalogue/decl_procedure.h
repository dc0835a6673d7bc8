/*
 * The procedure builder, shared by procedures and reform procedure blocks (decl_procedure.c,
 * decl_reform.c). The indexes of its directive table (MC_P_*) are in catalogue_int.h, since the
 * reform applier (reform.c) reads a patch's `set` by them.
 */
#ifndef MOTCUA_DECL_PROCEDURE_H
#define MOTCUA_DECL_PROCEDURE_H

#include "decl_int.h"

typedef struct mcb_proc_build {
    mc_ptrvec states; /* first: mcb_state_handler works on it */
    mc_procedure *p;
    bool patch; /* a reform's procedure block */
    mcb_titled titles;
    mc_ptrvec fields;   /* mc_field * */
    mc_ptrvec requires; /* mc_requirement * */
    mc_ptrvec parties;  /* party_decl * (decl_procedure.c), the declared ones */
    const mc_token *subject, *lifecycle_tok, *applicant;
    mc_ptrvec drop_requires, drop_fields, drop_states; /* const mc_token * (the names) */
    mc_ptrvec events;                                  /* mc_event * */
    mc_ptrvec parts;                                   /* part_decl * (decl_parts.c) */
} mcb_proc_build;

void mcb_proc_build_init(mcb_builder *b, mcb_proc_build *pb, mc_procedure *p, const mc_node *n);
/* Copies fields and requirements into arrays, checks duplicates, resolves the subject and the
 * parties, and the party of each requirement. */
void mcb_proc_build_freeze(mcb_builder *b, mcb_proc_build *pb);
void mcb_proc_build_free(mcb_proc_build *pb);
/* Warns at the `code` of the later of two procedure names whose versions declare the same
 * official code, unless a version of one says `supersedes` the other (the cost studies would
 * count the procedure twice). Runs once every procedure is built. */
void mcb_check_codes(mcb_builder *b);

/* ---- interconnected procedures (decl_parts.c, issue 25) ---- */
/* `part NAME { procedure PROC; after PART…; title … }` of a procedure (obj: mcb_proc_build). */
int mcb_part_handler(mcb_builder *b, const mc_node *n, void *obj);
/* Lays the declared parts out in pb->p, resolving `after`, and frees the build's own memory. */
void mcb_parts_freeze(mcb_builder *b, mcb_proc_build *pb);
/* Checks every interconnected procedure's parts against their procedures. Runs once every
 * procedure is built. */
void mcb_check_parts(mcb_builder *b);

#endif
