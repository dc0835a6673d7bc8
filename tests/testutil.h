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

/* Renders every diagnostic's first line, one per line; the caller frees. With strip set, the
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
        int n =
            snprintf(line, sizeof line, "%s:%u:%u: %s: %s\n", file, (unsigned)x->line,
                     (unsigned)x->col, x->severity == MC_DIAG_ERROR ? "error" : "warning", x->msg);
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
 * sites set, it also records for each allocation a hash of the call path that made it. */
typedef struct tu_failing {
    long count;
    long fail_at; /* -1: never */
    bool failed;
    uint64_t *sites; /* NULL: not recorded */
    long nsites, capsites;
} tu_failing;

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
    if (f->sites != NULL) {
        if (f->nsites == f->capsites) {
            long cap = f->capsites * 2;
            uint64_t *grown = realloc(f->sites, (size_t)cap * sizeof *grown);
            if (grown == NULL) {
                return NULL;
            }
            f->sites = grown;
            f->capsites = cap;
        }
        f->sites[f->nsites++] = tu_call_path();
    }
    if (f->count++ == f->fail_at) {
        f->failed = true;
        tu_nfailed_at = backtrace(tu_failed_at, 24);
        return NULL;
    }
    return realloc(ptr, size);
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

/* Starts a recording run: f counts allocations, fails none, and records their call paths. */
static inline void tu_failing_record(tu_failing *f)
{
    *f = (tu_failing){.fail_at = -1, .sites = malloc(1024 * sizeof(uint64_t)), .capsites = 1024};
    assert_non_null(f->sites);
}

/* Which allocations of f's recording run (allocation from on) a sweep fails: plan[n] for the
 * first allocation of each call path met from `from` (for every n when MC_OOM_FULL is set in the
 * environment: the exhaustive sweep, for a hunt). A call path met again, in the next turn of a
 * loop or for the next row, fails the same way. Frees f's record; the caller frees the array
 * (f->count entries). */
static inline bool *tu_failing_plan(tu_failing *f, long from)
{
    bool full = getenv("MC_OOM_FULL") != NULL;
    size_t slots = 64;
    while (slots < 2 * (size_t)f->nsites) {
        slots *= 2;
    }
    uint64_t *set = calloc(slots, sizeof *set);
    bool *plan = calloc((size_t)f->count + 1, sizeof *plan);
    assert_true(set != NULL && plan != NULL);
    for (long n = from; n < f->count; n++) {
        plan[n] = full || n >= f->nsites || !tu_seen(set, slots - 1, f->sites[n]);
    }
    free(set);
    free(f->sites);
    f->sites = NULL;
    return plan;
}

/* The out-of-memory sweep: runs attempt(ctx) once without failure (recording the call path of
 * each allocation), then with allocation n failing for each n of tu_failing_plan. A run that saw
 * a failure must end in MC_ENOMEM — or in success when absorb is set (Lua collects garbage and
 * retries a failed allocation). After each run, check(ctx, rc), when given, inspects with the
 * ordinary allocator what the run left behind (attempt then works on state of its own: the
 * complete run comes first). Returns the number of allocations of the complete run;
 * MC_OOM_STATS in the environment prints how many were failed. */
static inline long tu_oom_sweep_checked(int (*attempt)(void *ctx), void (*check)(void *ctx, int rc),
                                        void *ctx, bool absorb)
{
    /* Static: a failed assertion inside attempt leaves the hook installed, and the suites' later
     * cases then meet a counter that has passed its failure, not a dead stack frame. */
    static tu_failing f;
    tu_nfailed_at = backtrace(tu_failed_at, 1); /* loads what backtrace needs, before the sweep */
    assert_int_equal(mc_init(), 0);
    sqlite3_test_control(SQLITE_TESTCTRL_BENIGN_MALLOC_HOOKS, tu_benign_begin, tu_benign_end);
    tu_failing_record(&f);
    mc_alloc_set(tu_failing_realloc, &f);
    int rc = attempt(ctx);
    mc_alloc_set(NULL, NULL);
    if (check != NULL) {
        check(ctx, rc);
    }
    assert_int_equal(rc, 0);
    long total = f.count, tried = 0;
    bool *plan = tu_failing_plan(&f, 0);
    for (long n = 0; n < total; n++) {
        if (!plan[n]) {
            continue;
        }
        tried++;
        f = (tu_failing){.fail_at = n};
        mc_alloc_set(tu_failing_realloc, &f);
        rc = attempt(ctx);
        mc_alloc_set(NULL, NULL);
        if (f.failed && rc != MC_ENOMEM && !(absorb && rc == 0)) {
            fprintf(stderr, "# the allocation that failed was made at:\n");
            backtrace_symbols_fd(tu_failed_at, tu_nfailed_at, 2);
            free(plan);
            fail_msg("allocation %ld failed but the call returned %d", n, rc);
        }
        if (check != NULL) {
            check(ctx, rc);
        }
        if (!f.failed && rc != 0) { /* this run made fewer allocations: it must have succeeded */
            free(plan);
            fail_msg("allocation %ld was never made, yet the call returned %d", n, rc);
        }
    }
    if (getenv("MC_OOM_STATS") != NULL) {
        fprintf(stderr, "# out-of-memory sweep: %ld allocations, %ld call paths failed\n", total,
                tried);
    }
    free(plan);
    return total;
}

static inline long tu_oom_sweep(int (*attempt)(void *ctx), void *ctx, bool absorb)
{
    return tu_oom_sweep_checked(attempt, NULL, ctx, absorb);
}

#endif
