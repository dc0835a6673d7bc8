/*
 * A string-keyed hash map (open addressing, linear probing) from names to pointers. Keys are
 * borrowed: they must outlive the map (they live in the catalogue's arena).
 */
#ifndef MOTCUA_MAP_H
#define MOTCUA_MAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct mc_map_slot {
    const char *key;
    size_t klen;
    uint64_t hash;
    void *value;
} mc_map_slot;

typedef struct mc_map {
    mc_map_slot *slots;
    size_t cap; /* a power of two, or 0 */
    size_t n;
} mc_map;

#define MC_MAP_INIT                                                                                \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

/* The value stored under key[0..klen), or NULL. */
void *mc_map_get(const mc_map *m, const char *key, size_t klen);
/* Stores value under key (replacing any). Returns 0 or MC_ENOMEM. */
int mc_map_put(mc_map *m, const char *key, size_t klen, void *value);
void mc_map_free(mc_map *m);

#endif
