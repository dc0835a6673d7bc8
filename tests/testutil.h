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

/* A failing allocator: fails the allocation numbered fail_at (0-based), counts the rest. */
typedef struct tu_failing {
    long count;
    long fail_at; /* -1: never */
    bool failed;
} tu_failing;

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
    if (f->count++ == f->fail_at) {
        f->failed = true;
        tu_nfailed_at = backtrace(tu_failed_at, 24);
        return NULL;
    }
    return realloc(ptr, size);
}

/* The out-of-memory sweep: runs attempt(ctx) with allocation n failing, for n = 0, 1, 2…
 * until a run sees no failure. A run that saw a failure must end in MC_ENOMEM — or in success
 * when absorb is set (Lua collects garbage and retries a failed allocation). After each run,
 * check(ctx, rc), when given, inspects with the ordinary allocator what the run left behind.
 * Returns the number of allocations of the complete run. */
static inline long tu_oom_sweep_checked(int (*attempt)(void *ctx), void (*check)(void *ctx, int rc),
                                        void *ctx, bool absorb)
{
    /* Static: a failed assertion inside attempt leaves the hook installed, and the suites' later
     * cases then meet a counter that has passed its failure, not a dead stack frame. */
    static tu_failing f;
    f = (tu_failing){0, 0, false};
    tu_nfailed_at = backtrace(tu_failed_at, 1); /* loads what backtrace needs, before the sweep */
    assert_int_equal(mc_init(), 0);
    sqlite3_test_control(SQLITE_TESTCTRL_BENIGN_MALLOC_HOOKS, tu_benign_begin, tu_benign_end);
    for (long n = 0;; n++) {
        f.count = 0;
        f.fail_at = n;
        f.failed = false;
        mc_alloc_set(tu_failing_realloc, &f);
        int rc = attempt(ctx);
        mc_alloc_set(NULL, NULL);
        if (f.failed && rc != MC_ENOMEM && !(absorb && rc == 0)) {
            fprintf(stderr, "# the allocation that failed was made at:\n");
            backtrace_symbols_fd(tu_failed_at, tu_nfailed_at, 2);
            fail_msg("allocation %ld failed but the call returned %d", n, rc);
        }
        if (check != NULL) {
            check(ctx, rc);
        }
        if (!f.failed) {
            assert_int_equal(rc, 0);
            return f.count;
        }
    }
}

static inline long tu_oom_sweep(int (*attempt)(void *ctx), void *ctx, bool absorb)
{
    return tu_oom_sweep_checked(attempt, NULL, ctx, absorb);
}

#endif
