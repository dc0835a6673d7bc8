/*
 * A per-address rate limit for the public endpoints that need one (GET /api/track, the citizen's
 * tracking; docs/security.md, "The tracking page"): at most `limit` requests in a window of
 * `window` seconds from one client address, counted in a table of fixed size (bounded memory,
 * whatever the number of addresses). Thread-safe.
 */
#ifndef MOTCUA_SERVE_RATELIMIT_H
#define MOTCUA_SERVE_RATELIMIT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

enum {
    RATELIMIT_ADDR = 64,     /* bytes of an address kept, with its NUL (IPv6 text is 46 at most) */
    RATELIMIT_WAYS = 8,      /* slots an address may take: its bucket */
    RATELIMIT_BUCKETS = 512, /* 4096 addresses at once, about 330 KiB (allocated) */
};

typedef struct ratelimit_slot {
    char addr[RATELIMIT_ADDR]; /* "" : free */
    int64_t start;             /* the window's first second */
    int32_t count;             /* requests in it */
} ratelimit_slot;

typedef struct ratelimit {
    int32_t limit;
    int64_t window;
    pthread_mutex_t lock;
    ratelimit_slot slots[RATELIMIT_BUCKETS][RATELIMIT_WAYS];
} ratelimit;

/* Prepares rl for limit requests a window of seconds (both > 0), empty. */
void ratelimit_init(ratelimit *rl, int32_t limit, int64_t window);
void ratelimit_free(ratelimit *rl);

/* Counts a request from addr (a client address as text, cut to RATELIMIT_ADDR - 1 bytes) at now
 * (seconds of a clock that does not go back): true when it is within the limit; false when it is
 * one too many, with *retry_after the seconds until its window ends (at least 1). A window starts
 * at an address's first request and lasts window seconds (a fixed window, not a sliding one: at
 * most 2 * limit requests in any window-long span across two windows). An address not seen in
 * its bucket takes a free slot or one whose window is over; when every slot of the bucket is in a
 * window, it takes the one whose window began first (its count starts again: a client
 * spreading requests over many addresses is not held back by this table — nginx's `limit_req`
 * is the wall for that). */
bool ratelimit_take(ratelimit *rl, const char *addr, int64_t now, int *retry_after);

#endif
