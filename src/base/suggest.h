/*
 * "Did you mean" suggestions: the candidate nearest to a misspelt word by optimal string
 * alignment distance (an adjacent transposition counts as one edit), within distance 2; ties go
 * to the alphabetically first candidate.
 */
#ifndef MOTCUA_SUGGEST_H
#define MOTCUA_SUGGEST_H

#include <stddef.h>

enum { MC_SUGGEST_MAX_DISTANCE = 2 };

typedef struct mc_suggest {
    const char *word;
    size_t wlen;
    const char *best; /* NULL until a candidate is within distance */
    size_t best_dist;
} mc_suggest;

void mc_suggest_init(mc_suggest *s, const char *word, size_t wlen);
/* Considers candidate (NUL-terminated); the word itself is never suggested. */
void mc_suggest_offer(mc_suggest *s, const char *candidate);
/* Distance between a and b, or max + 1 when it exceeds max. */
size_t mc_edit_distance(const char *a, size_t na, const char *b, size_t nb, size_t max);

#endif
