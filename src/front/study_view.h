/*
 * The JSON of cost studies (study.h): one study, or several side by side (--compare), with the
 * study date, the cost model and what the run changed; the same for the command line and the
 * HTTP API.
 */
#ifndef MOTCUA_FRONT_STUDY_VIEW_H
#define MOTCUA_FRONT_STUDY_VIEW_H

#include "motcua/study.h"

#include <jansson.h>
#include <stdbool.h>

/* studies[0..n): one study (compare false; labels[0] its reforms joined with " + ", "" for
 * none), or one per compared reform (labels: their names); by is the subtotals' kind; day the
 * study date (YYYY-MM-DD). NULL when out of memory. */
json_t *front_study_json(const mc_study *studies, const char *const *labels, size_t n,
                         bool compare, mc_study_by by, const char *day);

/* A part's time limit as the catalogue writes it ("2wd", "0.5d") into out; "" for none. */
void front_study_duration(const mc_duration *d, char out[40]);

#endif
