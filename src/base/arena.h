/*
 * A bump allocator: many small allocations freed together. The catalogue lives in one, and
 * each parse tree lives in one for as long as its file is being built. Allocations are
 * 16-byte aligned and never freed one by one.
 */
#ifndef MOTCUA_ARENA_H
#define MOTCUA_ARENA_H

#include <stddef.h>

typedef struct mc_arena_block mc_arena_block;
typedef struct mc_arena {
    mc_arena_block *head;
    size_t used;  /* bytes used in head */
    size_t cap;   /* bytes available in head */
    size_t total; /* bytes allocated from the system, for statistics */
} mc_arena;

#define MC_ARENA_INIT                                                                              \
    {                                                                                              \
        NULL, 0, 0, 0                                                                              \
    }

/* Returns size zeroed bytes, or NULL when out of memory. */
void *mc_arena_alloc(mc_arena *a, size_t size);
/* Copies n bytes of s and a terminating NUL. */
char *mc_arena_strndup(mc_arena *a, const char *s, size_t n);
char *mc_arena_strdup(mc_arena *a, const char *s);
/* Grows an arena array: copies old (n * elem bytes) into a new block of cap elements. */
void *mc_arena_grow(mc_arena *a, void *old, size_t n, size_t cap, size_t elem);
/* mc_grow (grow.h) for an array in the arena: makes *pptr (any object pointer, passed by
 * address) hold at least need elements of elem (> 0) bytes, copying its first n elements into
 * a new arena block when it must grow (the old block stays in the arena until it is freed
 * whole; *pptr may also start in memory of the caller's, such as a local array). 0, or
 * MC_ENOMEM with *pptr and *cap unchanged. */
int mc_arena_grow_array(mc_arena *a, void *pptr, size_t *cap, size_t n, size_t need, size_t elem);
/* Frees every block; the arena may be used again. */
void mc_arena_free(mc_arena *a);

#endif
