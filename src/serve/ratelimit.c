/* A per-address rate limit in a fixed table (ratelimit.h): a bucket of a few slots per hash of
 * the address, each slot an address and its window. */
#include "ratelimit.h"

#include <stdio.h>
#include <string.h>

void ratelimit_init(ratelimit *rl, int32_t limit, int64_t window)
{
    memset(rl->slots, 0, sizeof rl->slots);
    rl->limit = limit;
    rl->window = window;
    pthread_mutex_init(&rl->lock, NULL);
}

void ratelimit_free(ratelimit *rl)
{
    pthread_mutex_destroy(&rl->lock);
}

/* FNV-1a: the table is small and its keys are addresses, which a client cannot choose freely
 * (one more address costs them one more machine or prefix). */
static uint32_t hash_of(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s != '\0'; s++) {
        h = (h ^ (unsigned char)*s) * 16777619u;
    }
    return h;
}

bool ratelimit_take(ratelimit *rl, const char *addr, int64_t now, int *retry_after)
{
    char key[RATELIMIT_ADDR];
    snprintf(key, sizeof key, "%s", addr != NULL && addr[0] != '\0' ? addr : "unknown");
    *retry_after = 0;
    pthread_mutex_lock(&rl->lock);
    ratelimit_slot *b = rl->slots[hash_of(key) % RATELIMIT_BUCKETS];
    ratelimit_slot *s = NULL, *free_slot = NULL, *oldest = NULL;
    for (size_t i = 0; i < RATELIMIT_WAYS; i++) {
        ratelimit_slot *x = &b[i];
        if (x->addr[0] != '\0' && strcmp(x->addr, key) == 0) {
            s = x;
            break;
        }
        if (x->addr[0] == '\0' || now - x->start >= rl->window) {
            free_slot = free_slot != NULL ? free_slot : x;
        } else if (oldest == NULL || x->start < oldest->start) {
            oldest = x;
        }
    }
    ratelimit_slot *spare = free_slot != NULL ? free_slot : oldest;
    if (s == NULL) {
        s = spare;
        memcpy(s->addr, key, sizeof key);
        s->start = now;
        s->count = 0;
    } else if (now - s->start >= rl->window) {
        s->start = now;
        s->count = 0;
    }
    bool allowed = s->count < rl->limit;
    if (allowed) {
        s->count++;
    } else {
        int64_t left = s->start + rl->window - now;
        *retry_after = left > 0 ? (int)left : 1;
    }
    pthread_mutex_unlock(&rl->lock);
    return allowed;
}
