/*
 * PCRE2 patterns of the catalogue (document `match`, field `pattern`), compiled at load in UTF
 * mode with Unicode properties, through the library's allocator. Matching runs under a match
 * context with match, depth and heap limits, so a pathological pattern fails instead of
 * hanging. A compiled pattern may be matched by several threads at once.
 */
#ifndef MOTCUA_REGEX_H
#define MOTCUA_REGEX_H

#include <stdbool.h>
#include <stddef.h>

typedef struct mc_regex mc_regex; /* a compiled PCRE2 pattern (also named in catalogue.h) */

/* Compiles pattern[0..len). whole: the pattern must match the whole subject. On a bad pattern
 * returns MC_ESYNTAX with the reason in msg and the byte offset of the problem in *erroff;
 * MC_ENOMEM when out of memory. */
int mc_regex_compile(mc_regex **out, const char *pattern, size_t len, bool whole, char *msg,
                     size_t msgsz, size_t *erroff);
void mc_regex_free(mc_regex *re);

/* Matches re against subject[0..len), reusing the pattern's match data when no other thread
 * holds it (so a loop over one pattern allocates nothing after its first call). Returns 1 (match; *start and *end set, may be NULL), 0 (no
 * match), MC_ELIMIT-like MC_ESYNTAX when a limit was hit (msg says which), or MC_ENOMEM. */
int mc_regex_match(const mc_regex *re, const char *subject, size_t len, size_t *start, size_t *end,
                   char *msg, size_t msgsz);

#endif
