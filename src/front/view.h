/*
 * The JSON views the two front ends give, in one place, so that `motcua show --format json`
 * and the HTTP API agree: a dossier, an explanation of its checklist, an event of its audit
 * chain, a dossier as a line of a list, and a row of indicators (SPEC §9). Each view is whole
 * or absent: out of memory gives NULL (or MC_ENOMEM), never an object with a key missing.
 * The caller owns what a view returns. A small checked builder (front_jset, front_jpush,
 * front_jdone) builds them, and the front ends' own objects, the same way; front_title_json
 * gives every name's titles in both languages.
 */
#ifndef MOTCUA_FRONT_VIEW_H
#define MOTCUA_FRONT_VIEW_H

#include "motcua/engine.h"
#include "motcua/msg.h"
#include "motcua/report.h"

#include <jansson.h>

#include <stdbool.h>

/* Sets key of object o to v, taking v (json_object_set_new). When v is NULL, o is not an
 * object or the set fails, v is freed and *ok becomes false; *ok never becomes true again, so
 * one check after many calls tells whether all of them succeeded. */
void front_jset(json_t *o, const char *key, json_t *v, bool *ok);
/* Appends v to array a, taking v (json_array_append_new), as front_jset does. */
void front_jpush(json_t *a, json_t *v, bool *ok);
/* j when ok, else NULL after freeing j: the end of a build with front_jset and front_jpush. */
json_t *front_jdone(json_t *j, bool ok);
/* {"en": …, "vi": …} of a thing called name with titles[0..n): mc_title in each language, so
 * a missing title is the name. NULL when memory ran out. */
json_t *front_title_json(const mc_text *titles, size_t n, const char *name);

/* The local time t of calendar cal as "YYYY-MM-DDTHH:MM". */
void front_time_text(const mc_calendar *cal, int64_t t, char out[17]);
/* The names of requirement statuses, indexed by mc_req_status. */
extern const char *const front_status_names[];

/* A dossier as `show --format json` and the HTTP API give it, its times as local
 * "YYYY-MM-DDTHH:MM" of calendar cal. NULL when memory ran out. */
json_t *front_dossier_json(const mc_calendar *cal, const mc_dossier *d);
/* Why requirement r is asked (or waits), in lang: its reason's code and arguments said by the
 * message catalogue into out (cut at a character to outsz), or the text as recorded when the
 * reason has no code the catalogue knows (one recorded before codes existed), or lang is
 * English. NULL when r has no reason. The checklist's `reason`, for every view that shows it. */
const char *front_reason_text(const mc_dossier_req *r, mc_lang lang, char *out, size_t outsz);
/* The same, the checklist's reasons said in lang from their codes (msg.h); a reason recorded
 * without a code stays as recorded. front_dossier_json is this in English. */
json_t *front_dossier_json_lang(const mc_calendar *cal, const mc_dossier *d, mc_lang lang);
/* The checklist of d as front_dossier_json_lang gives it (its "checklist"): the documents
 * required, each with its status, and its party, reason (in lang), registry and record, wait when
 * it has them. NULL when memory ran out. */
json_t *front_checklist_json(const mc_calendar *cal, const mc_dossier *d, mc_lang lang);
/* Why each document of d is asked, fetched, provided or not required (its condition, its
 * story, its registry and record, its legal basis), or only document `only`, as an array into
 * *out. Returns 0, MC_ENOTFOUND when the procedure does not require `only`, or MC_ENOMEM;
 * *out is NULL unless 0. */
int front_explain_json(const mc_dossier *d, const char *only, json_t **out);
/* The same, its sentences ("required", "story") in lang: front_explain_json is this in
 * English. */
int front_explain_json_lang(const mc_dossier *d, const char *only, mc_lang lang, json_t **out);
/* Why d pays its fee (issue 16): the amount charged; for a fee schedule, the line in force on
 * the day of reception, its legal basis, and the reduced or exempt category applied with its
 * basis; a `story` sentence that says it all. NULL when the procedure charges no fee, or out of
 * memory. */
json_t *front_fee_json(const mc_dossier *d);
/* The same, its story in lang (amounts "4.000 đ" and dates dd/mm/yyyy in Vietnamese); the
 * members other than story are the same. front_fee_json is this in English. */
json_t *front_fee_json_lang(const mc_dossier *d, mc_lang lang);
/* An event of the audit chain, as `history --format json` and the HTTP API give it: its body
 * parsed, or left out when the stored body is not JSON. NULL when memory ran out. */
json_t *front_event_json(const mc_calendar *cal, const mc_event_row *ev);
/* The same, a refusal's (`blocked`) "message" said in lang from the "code" and "args" it
 * recorded; front_event_json is this in English (the message as recorded). */
json_t *front_event_json_lang(const mc_calendar *cal, const mc_event_row *ev, mc_lang lang);
/* A dossier as a line of a list (`list --format json`, the API's lists): who it is about too,
 * its subject and applicant, the applicant's name (mc_engine_row_applicant) or NULL, both null
 * when absent. NULL when memory ran out. */
json_t *front_row_json(const mc_calendar *cal, const mc_dossier_row *row, const char *applicant);
/* A row of the indicators of SPEC §9 (`report --format json`, the API's report): the counts,
 * and the library's shares and mean (mc_report_ratios) as "12.50", or "-" for a share of
 * nothing. NULL when memory ran out. */
json_t *front_indicators_json(const mc_indicators *x);

#endif
