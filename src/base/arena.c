/* The bump allocator of arena.h. */
#include "arena.h"

#include "grow.h"

#include "motcua/alloc.h"
#include "motcua/error.h"

#include <stdint.h>
#include <string.h>

struct mc_arena_block {
    mc_arena_block *next;
    size_t size;
    _Alignas(16) unsigned char data[];
};

enum { BLOCK_MIN = 64 * 1024 };

void *mc_arena_alloc(mc_arena *a, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    if (size == 0) {
        size = 16;
    }
    if (a->head == NULL || a->cap - a->used < size) {
        size_t want = size > BLOCK_MIN ? size : BLOCK_MIN;
        if (want > SIZE_MAX - sizeof(mc_arena_block)) {
            return NULL;
        }
        mc_arena_block *b = mc_malloc(sizeof *b + want);
        if (b == NULL) {
            return NULL;
        }
        b->size = want;
        if (a->head != NULL && size > BLOCK_MIN) {
            /* A large allocation gets a block of its own, behind the current one, so the
             * free space of the current block is not wasted. */
            b->next = a->head->next;
            a->head->next = b;
            a->total += want;
            memset(b->data, 0, size);
            return b->data;
        }
        b->next = a->head;
        a->head = b;
        a->used = 0;
        a->cap = want;
        a->total += want;
    }
    void *p = a->head->data + a->used;
    a->used += size;
    memset(p, 0, size);
    return p;
}

char *mc_arena_strndup(mc_arena *a, const char *s, size_t n)
{
    char *p = mc_arena_alloc(a, n + 1);
    if (p != NULL) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

char *mc_arena_strdup(mc_arena *a, const char *s)
{
    return mc_arena_strndup(a, s, strlen(s));
}

void *mc_arena_grow(mc_arena *a, void *old, size_t n, size_t cap, size_t elem)
{
    if (elem != 0 && cap > SIZE_MAX / elem) {
        return NULL;
    }
    void *p = mc_arena_alloc(a, cap * elem);
    if (p != NULL && n > 0) {
        memcpy(p, old, n * elem);
    }
    return p;
}

int mc_arena_grow_array(mc_arena *a, void *pptr, size_t *cap, size_t n, size_t need, size_t elem)
{
    size_t next;
    if (mc_grow_cap(*cap, need, elem, &next) != 0) {
        return MC_ENOMEM;
    }
    if (next == *cap) {
        return 0;
    }
    void *old; /* as bytes, as in mc_grow: *pptr may be any object pointer */
    memcpy(&old, pptr, sizeof old);
    void *grown = mc_arena_grow(a, old, n, next, elem);
    if (grown == NULL) {
        return MC_ENOMEM;
    }
    memcpy(pptr, &grown, sizeof grown);
    *cap = next;
    return 0;
}

void mc_arena_free(mc_arena *a)
{
    mc_arena_block *b = a->head;
    while (b != NULL) {
        mc_arena_block *next = b->next;
        mc_free(b);
        b = next;
    }
    a->head = NULL;
    a->used = a->cap = a->total = 0;
}
