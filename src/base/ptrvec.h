/*
 * A growable array of pointers, backed by mc_realloc. Zero-initialised ({0} or
 * MC_PTRVEC_INIT) it is empty; mc_ptrvec_free() frees the array, not what the pointers point
 * to.
 */
#ifndef MOTCUA_PTRVEC_H
#define MOTCUA_PTRVEC_H

#include <stddef.h>

typedef struct mc_ptrvec {
    void **items;
    size_t n, cap;
} mc_ptrvec;

#define MC_PTRVEC_INIT                                                                             \
    {                                                                                              \
        .items = NULL, .n = 0, .cap = 0                                                            \
    }

/* Appends p: 0, or MC_ENOMEM (v unchanged). */
int mc_ptrvec_push(mc_ptrvec *v, void *p);
/* Frees the array and empties v; the pointers it held are the caller's. */
void mc_ptrvec_free(mc_ptrvec *v);

#endif
