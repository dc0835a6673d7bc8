/*
 * The process-wide allocation hook (alloc.h), and the one-time setup that routes the libraries'
 * allocations through it: SQLite's and Jansson's, so that an embedder's cap and the tests'
 * failing allocator see every byte, and libsodium's start, done here and nowhere else.
 */
#include "motcua/alloc.h"

#include "motcua/error.h"
#include "base/json.h"

#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
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

/* ---- SQLite through the hook ------------------------------------------------------------ */

/* SQLite asks an allocator for the size of a block (xSize); the hook does not know it, so each
 * block carries its size in a header as wide as the strictest alignment. */
enum { SQ_HEAD = sizeof(max_align_t) };

static void *sq_malloc(int n)
{
    if (n <= 0) {
        return NULL;
    }
    unsigned char *p = mc_malloc((size_t)n + SQ_HEAD);
    if (p == NULL) {
        return NULL;
    }
    memcpy(p, &n, sizeof n);
    return p + SQ_HEAD;
}

static void sq_free(void *p)
{
    if (p != NULL) {
        mc_free((unsigned char *)p - SQ_HEAD);
    }
}

static void *sq_realloc(void *p, int n)
{
    if (p == NULL) {
        return sq_malloc(n);
    }
    if (n <= 0) {
        sq_free(p);
        return NULL;
    }
    unsigned char *q = mc_realloc((unsigned char *)p - SQ_HEAD, (size_t)n + SQ_HEAD);
    if (q == NULL) {
        return NULL;
    }
    memcpy(q, &n, sizeof n);
    return q + SQ_HEAD;
}

static int sq_size(void *p)
{
    int n = 0;
    if (p != NULL) {
        memcpy(&n, (unsigned char *)p - SQ_HEAD, sizeof n);
    }
    return n;
}

static int sq_roundup(int n)
{
    return (n + 7) & ~7;
}

static int sq_init(void *ud)
{
    (void)ud;
    return SQLITE_OK;
}

static void sq_shutdown(void *ud)
{
    (void)ud;
}

/* ---- Once per process ------------------------------------------------------------------- */

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_rc;

static void init_once(void)
{
    static const sqlite3_mem_methods mem = {sq_malloc,  sq_free, sq_realloc,  sq_size,
                                            sq_roundup, sq_init, sq_shutdown, NULL};
    /* SQLITE_MISUSE: the process started SQLite before the library; its allocations then stay
     * with SQLite's own allocator, which is correct, only invisible to the hook. */
    sqlite3_config(SQLITE_CONFIG_MALLOC, &mem);
    json_set_alloc_funcs(mc_json_alloc, mc_json_free);
    if (sodium_init() < 0) {
        init_rc = MC_EINTERNAL;
    }
}

int mc_init(void)
{
    pthread_once(&once, init_once);
    return init_rc;
}
