/* PCRE2 wrapper (regex.h). */
#include "regex.h"

#include "motcua/alloc.h"
#include "motcua/error.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stdio.h>

struct mc_regex {
    pcre2_code *code;
    bool whole;
};

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
        pcre2_code_free(re->code);
        mc_free(re);
    }
}

int mc_regex_match(const mc_regex *re, const char *subject, size_t len, size_t *start, size_t *end,
                   char *msg, size_t msgsz)
{
    int rc;
    pcre2_general_context *gc = pcre2_general_context_create(pcre_malloc, pcre_free, NULL);
    pcre2_match_context *mc = gc ? pcre2_match_context_create(gc) : NULL;
    pcre2_match_data *md = gc ? pcre2_match_data_create_from_pattern(re->code, gc) : NULL;
    if (gc == NULL || mc == NULL || md == NULL) {
        rc = MC_ENOMEM;
        goto done;
    }
    pcre2_set_match_limit(mc, MATCH_LIMIT);
    pcre2_set_depth_limit(mc, DEPTH_LIMIT);
    pcre2_set_heap_limit(mc, HEAP_LIMIT_KIB);
    int r = pcre2_match(re->code, (PCRE2_SPTR)subject, len, 0, 0, md, mc);
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
done:
    pcre2_match_data_free(md);
    pcre2_match_context_free(mc);
    pcre2_general_context_free(gc);
    return rc;
}
