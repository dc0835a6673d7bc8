/*
 * The JSON of the one-stop desk's endpoints (issue 21, docs/api.md): a preview of a submission's
 * checklist, the citizen's tracking answer, and the indicators per officer. Each is whole or NULL
 * (out of memory), built with view.h's checked builder; the caller owns what is returned.
 */
#ifndef MOTCUA_FRONT_DESK_H
#define MOTCUA_FRONT_DESK_H

#include "motcua/catalogue.h"
#include "motcua/engine.h"
#include "motcua/msg.h"
#include "motcua/report.h"

#include <jansson.h>

/* The answer of POST /api/dossiers/preview for the preview d (mc_engine_preview):
 * {"procedure", "subject" (or null), "checklist": [as a dossier's, its reasons in lang]}. */
json_t *front_preview_json(const mc_calendar *cal, const mc_dossier *d, mc_lang lang);

/* The answer of GET /api/track for dossier d, and nothing else of it: {"code", "procedure",
 * "procedure_title", "state", "state_title", "final", "submitted", "due" (the appointment, or
 * null), "apology_new_date" (apology_new_date, or null), "asked": [{"document", "title",
 * "reason" (in lang), "code", "args"} for each document asked of the applicant]}. */
json_t *front_track_json(const mc_calendar *cal, const mc_dossier *d, const char *apology_new_date,
                         mc_lang lang);

/* The "officers" of GET /api/indicators?by=officer and `report --by officer --format json`:
 * [{"officer", "handled", "on_time", "late", "supplements", "apologies",
 * "once_only_refusals"}], in r's order. */
json_t *front_officers_json(const mc_officer_report *r);

#endif
