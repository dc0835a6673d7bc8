/*
 * The catalogue as the officer console needs it (issue 21, `GET /api/procedures`): for each
 * procedure in force, what the intake form is built from (its fields with types, patterns,
 * options and required marks), the documents it may ask for and the registries that may hold
 * them, its states and events, each with its title in English and Vietnamese (a missing title
 * is the name in both); and the roles and registries of the catalogue. A view, as view.h's are:
 * whole or NULL.
 */
#ifndef MOTCUA_FRONT_CATALOGUE_VIEW_H
#define MOTCUA_FRONT_CATALOGUE_VIEW_H

#include "tokfile.h"
#include "motcua/catalogue.h"

#include <jansson.h>

/* {"procedures": […], "roles": […], "registries": […]} (docs/api.md, GET /api/procedures): the
 * version of each procedure in force on date, those of tok's agencies only (every one for a
 * token of every agency, an applicant's token or tok NULL), in load order. The caller owns the
 * result; NULL when memory ran out. */
json_t *front_catalogue_json(const mc_catalogue *cat, mc_date date, const front_token *tok);

#endif
