/* PCRE2 wrapper (regex.h). */
#include "regex.h"

#include "motcua/alloc.h"
#include "motcua/error.h"
#include "utf8.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stdatomic.h>
#include <stdio.h>

/* The match context (limits) is made once at compile and only read by pcre2_match, so threads
 * share it. Match data is written by a match: one spare block is kept per pattern and taken by
 * an atomic exchange, so one thread reuses it call after call (with PCRE2's heap frames in it)
 * while a second thread matching at the same moment makes and frees its own. */
struct mc_regex {
    pcre2_code *code;
    pcre2_general_context *gc;
    pcre2_match_context *mc;
    _Atomic(pcre2_match_data *) spare;
    bool whole;
    /* A whole-value pattern (a field's) matched again and again is compiled to machine code
     * once it has been used JIT_AFTER times: a copy of code, published once and only read
     * after; NULL until then, or when the JIT is not available (the interpreter serves) */
    _Atomic(pcre2_code *) jit;
    atomic_uint uses;
};

enum { JIT_AFTER = 64 };

/* Limits for one match: generous for real patterns, small enough to stop catastrophic
 * backtracking within milliseconds. */
enum { MATCH_LIMIT = 1000000, DEPTH_LIMIT = 10000, HEAP_LIMIT_KIB = 8192 };

static void *pcre_malloc(PCRE2_SIZE size, void *ud)
{
    (void)ud;
    return mc_malloc(size);
}

static void pcre_free(void *p, void *ud)
{
    (void)ud;
    mc_free(p);
}

int mc_regex_compile(mc_regex **out, const char *pattern, size_t len, bool whole, char *msg,
                     size_t msgsz, size_t *erroff)
{
    *out = NULL;
    *erroff = 0;
    int rc = 0;
    pcre2_general_context *gc = pcre2_general_context_create(pcre_malloc, pcre_free, NULL);
    pcre2_compile_context *cc = gc ? pcre2_compile_context_create(gc) : NULL;
    mc_regex *re = mc_calloc(1, sizeof *re);
    if (gc == NULL || cc == NULL || re == NULL) {
        rc = MC_ENOMEM;
        goto done;
    }
    uint32_t opts = PCRE2_UTF | PCRE2_UCP;
    if (whole) {
        opts |= PCRE2_ANCHORED | PCRE2_ENDANCHORED;
    }
    int code;
    PCRE2_SIZE off;
    re->code = pcre2_compile((PCRE2_SPTR)pattern, len, opts, &code, &off, cc);
    if (re->code == NULL) {
        if (code == PCRE2_ERROR_NOMEMORY || code == PCRE2_ERROR_HEAP_FAILED) {
            rc = MC_ENOMEM;
            goto done;
        }
        PCRE2_UCHAR buf[256];
        if (pcre2_get_error_message(code, buf, sizeof buf) < 0) {
            snprintf((char *)buf, sizeof buf, "error %d", code);
        }
        snprintf(msg, msgsz, "%s", (const char *)buf);
        *erroff = off;
        rc = MC_ESYNTAX;
        goto done;
    }
    re->gc = pcre2_general_context_create(pcre_malloc, pcre_free, NULL);
    re->mc = re->gc ? pcre2_match_context_create(re->gc) : NULL;
    if (re->mc == NULL) {
        rc = MC_ENOMEM;
        goto done;
    }
    pcre2_set_match_limit(re->mc, MATCH_LIMIT);
    pcre2_set_depth_limit(re->mc, DEPTH_LIMIT);
    pcre2_set_heap_limit(re->mc, HEAP_LIMIT_KIB);
    atomic_init(&re->spare, NULL);
    atomic_init(&re->jit, NULL);
    atomic_init(&re->uses, 0);
    re->whole = whole;
    *out = re;
    re = NULL;
done:
    mc_regex_free(re);
    pcre2_compile_context_free(cc);
    pcre2_general_context_free(gc);
    return rc;
}

void mc_regex_free(mc_regex *re)
{
    if (re != NULL) {
        pcre2_match_data_free(atomic_load(&re->spare));
        pcre2_code_free(atomic_load(&re->jit));
        pcre2_match_context_free(re->mc);
        pcre2_general_context_free(re->gc);
        pcre2_code_free(re->code);
        mc_free(re);
    }
}

/* The JIT-compiled copy of a whole-value pattern once it is used often, or NULL (interpret).
 * Two threads may compile at the same moment: the first to publish wins, the other frees its
 * copy. A copy that fails to compile (no JIT, no memory) leaves the interpreter in charge. */
static pcre2_code *jit_of(const mc_regex *re)
{
    _Atomic(pcre2_code *) *slot = (_Atomic(pcre2_code *) *)&re->jit;
    pcre2_code *code = atomic_load_explicit(slot, memory_order_acquire);
    if (code != NULL || !re->whole) {
        return code;
    }
    if (atomic_fetch_add_explicit((atomic_uint *)&re->uses, 1, memory_order_relaxed) !=
        JIT_AFTER) {
        return NULL;
    }
    pcre2_code *copy = pcre2_code_copy(re->code);
    if (copy == NULL || pcre2_jit_compile(copy, PCRE2_JIT_COMPLETE) != 0) {
        pcre2_code_free(copy);
        return NULL;
    }
    pcre2_code *none = NULL;
    if (!atomic_compare_exchange_strong(slot, &none, copy)) {
        pcre2_code_free(copy);
        return none;
    }
    return copy;
}

int mc_regex_match(const mc_regex *re, const char *subject, size_t len, size_t *start, size_t *end,
                   char *msg, size_t msgsz)
{
    /* the spare slot is the one field a match writes; the object itself is never const */
    _Atomic(pcre2_match_data *) *slot = (_Atomic(pcre2_match_data *) *)&re->spare;
    pcre2_match_data *md = atomic_exchange(slot, NULL);
    if (md == NULL) {
        md = pcre2_match_data_create_from_pattern(re->code, re->gc);
        if (md == NULL) {
            return MC_ENOMEM;
        }
    }
    int rc;
    pcre2_code *jit = jit_of(re);
    /* The machine code is entered directly, without pcre2_match's checks, when the subject
     * is valid UTF-8 (libunistring's check is as strict as PCRE2's: no overlong forms, no
     * surrogates, nothing past U+10FFFF); an invalid one goes to pcre2_match, which refuses
     * it as it always did. */
    int r = jit != NULL && mc_utf8_invalid_at(subject, len) == SIZE_MAX
                ? pcre2_jit_match(jit, (PCRE2_SPTR)subject, len, 0, 0, md, re->mc)
            : jit != NULL ? pcre2_match(jit, (PCRE2_SPTR)subject, len, 0, 0, md, re->mc)
                          : PCRE2_ERROR_JIT_STACKLIMIT;
    if (r == PCRE2_ERROR_JIT_STACKLIMIT) { /* not compiled, or past the JIT's stack: interpret */
        r = pcre2_match(re->code, (PCRE2_SPTR)subject, len, 0, 0, md, re->mc);
    }
    if (r >= 0) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        if (start != NULL) {
            *start = ov[0];
        }
        if (end != NULL) {
            *end = ov[1];
        }
        rc = 1;
    } else if (r == PCRE2_ERROR_NOMATCH) {
        rc = 0;
    } else if (r == PCRE2_ERROR_NOMEMORY) {
        rc = MC_ENOMEM;
    } else {
        PCRE2_UCHAR buf[256];
        if (pcre2_get_error_message(r, buf, sizeof buf) < 0) {
            snprintf((char *)buf, sizeof buf, "error %d", r);
        }
        snprintf(msg, msgsz, "pattern gave up: %s", (const char *)buf);
        rc = MC_ESYNTAX;
    }
    pcre2_match_data *none = NULL;
    if (!atomic_compare_exchange_strong(slot, &none, md)) {
        pcre2_match_data_free(md);
    }
    return rc;
}
