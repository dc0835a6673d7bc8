/*
 * The library's allocator. Every allocation the library makes for its own data, and those
 * PCRE2, SQLite and Jansson make for it (after mc_init), goes through one process-wide hook,
 * in the manner of sqlite3_config(SQLITE_CONFIG_MALLOC): an embedding server can cap memory,
 * and the tests fail the n-th allocation to prove that every path ends in a clean MC_ENOMEM.
 */
#ifndef MOTCUA_ALLOC_H
#define MOTCUA_ALLOC_H

#include <stddef.h>

/* realloc-like: fn(ud, NULL, n) allocates, fn(ud, p, 0) frees and returns NULL. */
typedef void *(*mc_realloc_fn)(void *ud, void *ptr, size_t size);

/* Installs fn (NULL restores the C library's). Call it before any other motcua function, and
 * never while a store is open or a JSON value lives: SQLite and Jansson free through the hook
 * what they allocated through it, so a block must meet the same allocator twice (a hook over
 * the C library's realloc and free, as the tests' failing one, may come and go). It is not
 * thread-safe. */
void mc_alloc_set(mc_realloc_fn fn, void *ud);

void *mc_malloc(size_t size);
void *mc_calloc(size_t n, size_t size); /* zeroed; NULL on overflow */
void *mc_realloc(void *ptr, size_t size);
void mc_free(void *ptr);
char *mc_strndup(const char *s, size_t n);

/* The library's one-time setup, run once per process however many threads call it
 * (pthread_once): routes SQLite's allocations (SQLITE_CONFIG_MALLOC, which must precede
 * SQLite's start) and Jansson's (json_set_alloc_funcs) through the hook above, and starts
 * libsodium. Every entry point that opens a store, loads a catalogue or hashes calls it first;
 * an embedder that uses SQLite or Jansson itself calls it before them. Strings Jansson returns
 * (json_dumps) are then freed with mc_free. Returns 0, or MC_EINTERNAL when libsodium cannot
 * start (every later call returns the same). */
int mc_init(void);

#endif
