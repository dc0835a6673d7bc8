/*
 * Growable arrays, in the manner of Lua's luaM_growvector: one rule for how an array grows
 * (double its capacity, at least MC_GROW_MIN elements, at least what is needed) and one place
 * that checks the size for overflow, so that an array held as a pointer, a count and a
 * capacity needs no growth code of its own. An array in the heap grows with mc_grow, one in
 * an arena with mc_arena_grow_array (arena.h), by the same rule.
 */
#ifndef MOTCUA_GROW_H
#define MOTCUA_GROW_H

#include <stddef.h>

/* The first capacity of an array (Lua's MINSIZEARRAY): most of a catalogue's arrays stay
 * small (a name with one procedure, a registry holding a few documents). */
enum { MC_GROW_MIN = 4 };

/* The capacity an array of elem-byte elements with capacity cap grows to so that it holds
 * need elements: cap itself when it already does, else the larger of need and twice cap (at
 * least MC_GROW_MIN), kept below SIZE_MAX / elem. 0 and *out set, or MC_ENOMEM when need
 * elements do not fit in SIZE_MAX bytes. */
int mc_grow_cap(size_t cap, size_t need, size_t elem, size_t *out);

/* Makes the heap array *pptr (any object pointer, passed by address: mc_grow(&v->items,
 * &v->cap, v->n + 1, sizeof *v->items)) hold at least need elements of elem (> 0) bytes, moving it
 * with mc_realloc when it must grow. 0, or MC_ENOMEM with *pptr and *cap unchanged, so that
 * the array stays valid and its owner frees it as before. */
int mc_grow(void *pptr, size_t *cap, size_t need, size_t elem);

#endif
