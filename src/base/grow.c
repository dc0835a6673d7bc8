/* The growth rule of grow.h, for arrays in the heap. */
#include "grow.h"

#include "motcua/alloc.h"
#include "motcua/error.h"

#include <stdint.h>
#include <string.h>

int mc_grow_cap(size_t cap, size_t need, size_t elem, size_t *out)
{
    if (need <= cap) {
        *out = cap;
        return 0;
    }
    size_t limit = SIZE_MAX / (elem ? elem : 1);
    if (need > limit) {
        return MC_ENOMEM;
    }
    size_t next = cap > limit / 2 ? limit : cap * 2;
    if (next < MC_GROW_MIN) {
        next = MC_GROW_MIN < limit ? MC_GROW_MIN : limit;
    }
    *out = next > need ? next : need;
    return 0;
}

int mc_grow(void *pptr, size_t *cap, size_t need, size_t elem)
{
    size_t next;
    if (mc_grow_cap(*cap, need, elem, &next) != 0) {
        return MC_ENOMEM;
    }
    if (next == *cap) {
        return 0;
    }
    /* The array's pointer is read and written as bytes: it may be any object pointer type,
     * which C does not let a void ** alias. */
    void *old;
    memcpy(&old, pptr, sizeof old);
    void *grown = mc_realloc(old, next * elem);
    if (grown == NULL) {
        return MC_ENOMEM;
    }
    memcpy(pptr, &grown, sizeof grown);
    *cap = next;
    return 0;
}
