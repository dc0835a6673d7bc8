/* The name map of map.h. */
#include "map.h"

#include "motcua/alloc.h"
#include "motcua/error.h"

#include <string.h>

static uint64_t hash_bytes(const char *s, size_t n)
{
    /* FNV-1a: names are short and this map is not exposed to hostile keys at scale (a
     * catalogue is trusted input, and its size is bounded by lint). */
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

void *mc_map_get(const mc_map *m, const char *key, size_t klen)
{
    if (m->cap == 0) {
        return NULL;
    }
    uint64_t h = hash_bytes(key, klen);
    for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        const mc_map_slot *s = &m->slots[i];
        if (s->key == NULL) {
            return NULL;
        }
        if (s->hash == h && s->klen == klen && memcmp(s->key, key, klen) == 0) {
            return s->value;
        }
    }
}

static int grow(mc_map *m)
{
    size_t cap = m->cap ? m->cap * 2 : 16;
    mc_map_slot *slots = mc_calloc(cap, sizeof *slots);
    if (slots == NULL) {
        return MC_ENOMEM;
    }
    for (size_t i = 0; i < m->cap; i++) {
        mc_map_slot *s = &m->slots[i];
        if (s->key != NULL) {
            size_t j = s->hash & (cap - 1);
            while (slots[j].key != NULL) {
                j = (j + 1) & (cap - 1);
            }
            slots[j] = *s;
        }
    }
    mc_free(m->slots);
    m->slots = slots;
    m->cap = cap;
    return 0;
}

int mc_map_put(mc_map *m, const char *key, size_t klen, void *value)
{
    if ((m->n + 1) * 4 > m->cap * 3 && grow(m) != 0) {
        return MC_ENOMEM;
    }
    uint64_t h = hash_bytes(key, klen);
    size_t i = h & (m->cap - 1);
    for (;; i = (i + 1) & (m->cap - 1)) {
        mc_map_slot *s = &m->slots[i];
        if (s->key == NULL) {
            break;
        }
        if (s->hash == h && s->klen == klen && memcmp(s->key, key, klen) == 0) {
            s->value = value;
            return 0;
        }
    }
    m->slots[i] = (mc_map_slot){key, klen, h, value};
    m->n++;
    return 0;
}

void mc_map_free(mc_map *m)
{
    mc_free(m->slots);
    m->slots = NULL;
    m->cap = m->n = 0;
}
