/*
 * Helpers shared by the cmocka suites: loading a catalogue from text, rendering diagnostics
 * as lines ("FILE:LINE:COL: error: MESSAGE") for exact comparison, and a failing allocator
 * for out-of-memory sweeps. Everything is static so each suite is one translation unit.
 */
#ifndef MOTCUA_TESTUTIL_H
#define MOTCUA_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "motcua/alloc.h"
#include "motcua/catalogue.h"

#include <execinfo.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Renders every diagnostic's first line, one per line ("FILE:LINE:COL: warning[NAME]: MESSAGE"
 * for a named warning); the caller frees. With strip set, the
 * directory part of file names is dropped. */
static inline char *tu_render(const mc_diags *d, bool strip)
{
    size_t cap = 256, len = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    out[0] = '\0';
    for (size_t i = 0; i < mc_diags_count(d); i++) {
        const mc_diag *x = mc_diags_get(d, i);
        const char *file = x->file;
        if (strip && strrchr(file, '/') != NULL) {
            file = strrchr(file, '/') + 1;
        }
        char line[1200];
        int n = snprintf(line, sizeof line, "%s:%u:%u: %s%s%s%s: %s\n", file, (unsigned)x->line,
                         (unsigned)x->col, x->severity == MC_DIAG_ERROR ? "error" : "warning",
                         x->name ? "[" : "", x->name ? x->name : "", x->name ? "]" : "", x->msg);
        if (n < 0) {
            n = 0;
        }
        if ((size_t)n >= sizeof line) {
            n = sizeof line - 1;
        }
        while (len + (size_t)n + 1 > cap) {
            cap *= 2;
            out = realloc(out, cap);
            assert_non_null(out);
        }
        memcpy(out + len, line, (size_t)n + 1);
        len += (size_t)n;
    }
    return out;
}

/* Loads one in-memory file named "t.proc"; returns the load's code and the rendered
 * diagnostics in *diag_text (caller frees). *cat is set on success (caller frees). */
static inline int tu_load(const char *text, mc_catalogue **cat, char **diag_text)
{
    mc_diags *d;
    assert_int_equal(mc_diags_new(&d), 0);
    const char *names[] = {"t.proc"};
    const char *texts[] = {text};
    size_t lens[] = {strlen(text)};
    mc_error err;
    int rc = mc_catalogue_load_buffers(cat, names, texts, lens, 1, d, &err);
    *diag_text = tu_render(d, false);
    mc_diags_free(d);
    return rc;
}

/* Loads text, which must load (its diagnostics are the failure's message otherwise). */
static inline mc_catalogue *tu_load_ok(const char *text)
{
    mc_catalogue *cat = NULL;
    char *diags;
    int rc = tu_load(text, &cat, &diags);
    if (rc != 0) {
        fail_msg("load: %d\n%s", rc, diags);
    }
    free(diags);
    return cat;
}

/* Loads text and asserts that the diagnostics are exactly expected. */
static inline void tu_expect(const char *text, const char *expected)
{
    mc_catalogue *cat = NULL;
    char *got;
    tu_load(text, &cat, &got);
    assert_string_equal(got, expected);
    free(got);
    mc_catalogue_free(cat);
}

/* A failing allocator: fails the allocation numbered fail_at (0-based), counts the rest. With
 * paths set, it fails instead the first allocation numbered from `from` on whose call path is not
 * in paths yet (fail_at then says which), and adds that path to paths. */
typedef struct tu_failing {
    long count;
    long fail_at; /* -1: never */
    bool failed;
    uint64_t *paths; /* an open-addressed set of call paths (tu_paths_new), or NULL */
    long from;
} tu_failing;

enum { TU_PATHS = 1 << 16 }; /* slots of a set of call paths: far more than a sweep meets */

/* The bounds of the test program's own code (motcua's and the test's), from GNU ld. */
extern const char __executable_start[], etext[];

/* A hash of the return addresses of the calling code (its call path), counting only the frames
 * in motcua's code: the paths inside SQLite, Lua or libc that lead to an allocation are theirs
 * to test, and every way motcua calls into them is one path here. */
static inline uint64_t tu_call_path(void)
{
    void *frames[32];
    int n = backtrace(frames, 32);
    uint64_t h = 1469598103934665603u;
    for (int i = 0; i < n; i++) {
        const char *at = frames[i];
        if (at >= __executable_start && at < etext) {
            h = (h ^ (uint64_t)(uintptr_t)at) * 1099511628211u;
        }
    }
    return h;
}

/* SQLite marks the allocations whose failure it absorbs (a page cache or lookaside it can do
 * without) as benign; as in its own fault tests, the sweep does not fail those, so that a call
 * that returns 0 after a failed allocation is always a swallowed error. */
static int tu_benign_depth;

static inline void tu_benign_begin(void)
{
    tu_benign_depth++;
}

static inline void tu_benign_end(void)
{
    tu_benign_depth--;
}

/* Adds the call path h to the open-addressed set (mask + 1 slots, 0 free); whether it was
 * there already. */
static inline bool tu_seen(uint64_t *set, size_t mask, uint64_t h)
{
    h |= 1; /* 0 marks a free slot */
    for (size_t i = (size_t)(h >> 7) & mask;; i = (i + 1) & mask) {
        if (set[i] == h) {
            return true;
        }
        if (set[i] == 0) {
            set[i] = h;
            return false;
        }
    }
}

/* Where the failed allocation was made: printed when a call swallowed its failure, so that an
 * intermittent one (a run whose allocations differ) is found from the log of the run alone. */
static void *tu_failed_at[24];
static int tu_nfailed_at;

static inline void *tu_failing_realloc(void *ud, void *ptr, size_t size)
{
    tu_failing *f = ud;
    if (size == 0) {
        free(ptr);
        return NULL;
    }
    if (tu_benign_depth > 0) {
        return realloc(ptr, size);
    }
    if (f->paths != NULL && !f->failed && f->fail_at < 0 && f->count >= f->from &&
        !tu_seen(f->paths, TU_PATHS - 1, tu_call_path())) {
        f->fail_at = f->count;
    }
    if (f->count++ == f->fail_at) {
        f->failed = true;
        tu_nfailed_at = backtrace(tu_failed_at, 24);
        return NULL;
    }
    return realloc(ptr, size);
}

/* A new empty set of call paths for tu_failing (free it with free()). */
static inline uint64_t *tu_paths_new(void)
{
    uint64_t *set = calloc(TU_PATHS, sizeof *set);
    assert_non_null(set);
    return set;
}

/* The out-of-memory sweep: runs attempt(ctx) with one allocation failing, the first of a call
 * path (in motcua's code) that has not failed yet, from the allocation after the last one failed,
 * until a run meets no new call path: that complete run comes last, as in every turn the state
 * before it is what the failed runs left. A call path met again (the next turn of a loop, the
 * next row) fails the same way; MC_OOM_FULL in the environment fails every allocation in turn
 * instead, for a hunt. A run that saw a failure must end in MC_ENOMEM — or in success when
 * absorb is set (Lua collects garbage and retries a failed allocation). After each run,
 * check(ctx, rc), when given, inspects with the ordinary allocator what the run left behind.
 * Returns the number of allocations of the complete run; MC_OOM_STATS in the environment prints
 * how many runs failed one. */
static inline long tu_oom_sweep_checked(int (*attempt)(void *ctx), void (*check)(void *ctx, int rc),
                                        void *ctx, bool absorb)
{
    /* Static: a failed assertion inside attempt leaves the hook installed, and the suites' later
     * cases then meet a counter that has passed its failure, not a dead stack frame. */
    static tu_failing f;
    bool full = getenv("MC_OOM_FULL") != NULL;
    uint64_t *paths = full ? NULL : tu_paths_new();
    tu_nfailed_at = backtrace(tu_failed_at, 1); /* loads what backtrace needs, before the sweep */
    assert_int_equal(mc_init(), 0);
    sqlite3_test_control(SQLITE_TESTCTRL_BENIGN_MALLOC_HOOKS, tu_benign_begin, tu_benign_end);
    for (long from = 0, runs = 0;; runs++) {
        f = (tu_failing){.fail_at = full ? from : -1, .paths = paths, .from = from};
        mc_alloc_set(tu_failing_realloc, &f);
        int rc = attempt(ctx);
        mc_alloc_set(NULL, NULL);
        if (f.failed && rc != MC_ENOMEM && !(absorb && rc == 0)) {
            fprintf(stderr, "# the allocation that failed was made at:\n");
            backtrace_symbols_fd(tu_failed_at, tu_nfailed_at, 2);
            free(paths);
            fail_msg("allocation %ld failed but the call returned %d", f.fail_at, rc);
        }
        if (check != NULL) {
            check(ctx, rc);
        }
        if (!f.failed) {
            free(paths);
            assert_int_equal(rc, 0);
            if (getenv("MC_OOM_STATS") != NULL) {
                fprintf(stderr, "# out-of-memory sweep: %ld allocations, %ld failed in turn\n",
                        f.count, runs);
            }
            return f.count;
        }
        from = f.fail_at + 1;
    }
}

static inline long tu_oom_sweep(int (*attempt)(void *ctx), void *ctx, bool absorb)
{
    return tu_oom_sweep_checked(attempt, NULL, ctx, absorb);
}

#endif
