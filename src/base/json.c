/* JSON text that is whole or absent (json.h). */
#include "base/json.h"

#include "motcua/alloc.h"
#include "motcua/error.h"
#include "base/buf.h"
#include "base/utf8.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_SPARE = 32 };

/* The thread's state: whether an allocation Jansson asked for failed since the last clear,
 * and, while a guarded call runs, the blocks served from the C library in place of failed
 * ones (all freed before the call returns: Jansson frees its buffers, the caller the value). */
static _Thread_local struct {
    bool failed;
    bool guarded;
    int nspare;
    void *spare[MAX_SPARE];
} t;

void *mc_json_alloc(size_t size)
{
    void *p = mc_malloc(size);
    if (p == NULL) {
        t.failed = true;
        if (t.guarded && t.nspare < MAX_SPARE && (p = malloc(size)) != NULL) {
            t.spare[t.nspare++] = p;
        }
    }
    return p;
}

void mc_json_free(void *ptr)
{
    for (int i = 0; i < t.nspare; i++) {
        if (t.spare[i] == ptr) {
            free(ptr);
            t.spare[i] = t.spare[--t.nspare];
            return;
        }
    }
    mc_free(ptr);
}

static void guard(void)
{
    t.failed = false;
    t.guarded = true;
}

static int append(const char *text, size_t n, void *ud)
{
    mc_buf *b = ud;
    mc_buf_append(b, text, n);
    return b->oom ? -1 : 0;
}

char *mc_json_dumps(const json_t *j, size_t flags)
{
    if (j == NULL) {
        return NULL;
    }
    mc_buf b = MC_BUF_INIT;
    mc_buf_append(&b, "", 0); /* an empty text is still a text */
    guard();
    int rc = json_dump_callback(j, append, &b, flags);
    t.guarded = false;
    if (rc != 0 || b.oom || t.failed) {
        mc_buf_free(&b);
        return NULL;
    }
    return mc_buf_take(&b);
}

json_t *mc_json_text(const char *text)
{
    size_t n = strlen(text), i = 0, bad;
    if (mc_utf8_invalid_at(text, n) == SIZE_MAX) {
        return json_stringn(text, n);
    }
    mc_buf b = MC_BUF_INIT;
    while ((bad = mc_utf8_invalid_at(text + i, n - i)) != SIZE_MAX) {
        mc_buf_append(&b, text + i, bad);
        mc_buf_append(&b, "\xef\xbf\xbd", 3); /* U+FFFD REPLACEMENT CHARACTER */
        i += bad + 1;
    }
    mc_buf_append(&b, text + i, n - i);
    json_t *j = b.oom ? NULL : json_stringn(b.data, b.len);
    mc_buf_free(&b);
    return j;
}

int mc_json_loads(const char *text, size_t flags, json_t **out)
{
    json_error_t jerr;
    guard();
    *out = json_loads(text, flags, &jerr);
    if (t.failed) {
        json_decref(*out);
        *out = NULL;
    }
    t.guarded = false;
    if (t.failed) {
        return MC_ENOMEM;
    }
    return *out != NULL ? 0 : MC_ESYNTAX;
}
