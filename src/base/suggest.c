/* "Did you mean" (suggest.h). */
#include "suggest.h"

#include <string.h>

enum { MAXLEN = 128 };

size_t mc_edit_distance(const char *a, size_t na, const char *b, size_t nb, size_t max)
{
    if ((na > nb ? na - nb : nb - na) > max) {
        return max + 1;
    }
    if (na >= MAXLEN || nb >= MAXLEN) {
        return max + 1;
    }
    /* Three rows of the optimal string alignment table. */
    size_t r0[MAXLEN], r1[MAXLEN], r2[MAXLEN];
    size_t *prev2 = r0, *prev = r1, *cur = r2;
    for (size_t j = 0; j <= nb; j++) {
        prev[j] = j;
    }
    for (size_t i = 1; i <= na; i++) {
        cur[0] = i;
        size_t rowmin = cur[0];
        for (size_t j = 1; j <= nb; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t v = prev[j] + 1;
            if (cur[j - 1] + 1 < v) {
                v = cur[j - 1] + 1;
            }
            if (prev[j - 1] + cost < v) {
                v = prev[j - 1] + cost;
            }
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                prev2[j - 2] + 1 < v) {
                v = prev2[j - 2] + 1;
            }
            cur[j] = v;
            if (v < rowmin) {
                rowmin = v;
            }
        }
        if (rowmin > max) {
            return max + 1;
        }
        size_t *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[nb] > max ? max + 1 : prev[nb];
}

void mc_suggest_init(mc_suggest *s, const char *word, size_t wlen)
{
    s->word = word;
    s->wlen = wlen;
    s->best = NULL;
    s->best_dist = MC_SUGGEST_MAX_DISTANCE + 1;
}

void mc_suggest_offer(mc_suggest *s, const char *candidate)
{
    size_t n = strlen(candidate);
    if (n == s->wlen && memcmp(candidate, s->word, n) == 0) {
        return;
    }
    size_t d = mc_edit_distance(s->word, s->wlen, candidate, n, MC_SUGGEST_MAX_DISTANCE);
    if (d > MC_SUGGEST_MAX_DISTANCE) {
        return;
    }
    if (s->best == NULL || d < s->best_dist ||
        (d == s->best_dist && strcmp(candidate, s->best) < 0)) {
        s->best = candidate;
        s->best_dist = d;
    }
}
