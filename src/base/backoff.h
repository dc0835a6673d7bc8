/* The doubling backoff shared by the engine's retries of a live registry and serve's deliveries
 * of results: how long to wait after the n-th failure in a row. */
#ifndef MC_BASE_BACKOFF_H
#define MC_BASE_BACKOFF_H

#include <stdint.h>

/* first after the first failure, doubled at each further one, at most most (n < 1 counts as
 * 1; first <= most, both > 0). */
static inline int64_t mc_backoff(int64_t first, int64_t most, int64_t n)
{
    int64_t delay = first;
    for (int64_t k = 1; k < n && delay < most; k++) {
        delay *= 2;
    }
    return delay < most ? delay : most;
}

#endif
