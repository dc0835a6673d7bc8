/* The process-wide allocation hook (alloc.h). */
#include "motcua/alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void *std_realloc(void *ud, void *ptr, size_t size)
{
    (void)ud;
    if (size == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, size);
}

static mc_realloc_fn hook = std_realloc;
static void *hook_ud;

void mc_alloc_set(mc_realloc_fn fn, void *ud)
{
    hook = fn != NULL ? fn : std_realloc;
    hook_ud = fn != NULL ? ud : NULL;
}

void *mc_malloc(size_t size)
{
    return hook(hook_ud, NULL, size == 0 ? 1 : size);
}

void *mc_calloc(size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size) {
        return NULL;
    }
    void *p = mc_malloc(n * size);
    if (p != NULL) {
        memset(p, 0, n * size);
    }
    return p;
}

void *mc_realloc(void *ptr, size_t size)
{
    return hook(hook_ud, ptr, size == 0 ? 1 : size);
}

void mc_free(void *ptr)
{
    if (ptr != NULL) {
        hook(hook_ud, ptr, 0);
    }
}

char *mc_strndup(const char *s, size_t n)
{
    char *p = mc_malloc(n + 1);
    if (p != NULL) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}
