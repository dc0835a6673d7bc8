/* The growable text buffer of buf.h, and the one printf into a new string. */
#include "buf.h"

#include "grow.h"

#include "motcua/alloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static bool reserve(mc_buf *b, size_t extra)
{
    if (b->oom) {
        return false;
    }
    if (extra > SIZE_MAX - b->len - 1) {
        b->oom = true;
        return false;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap) {
        return true; /* the common case: no call */
    }
    /* Text is built a few bytes at a time: start at 256 rather than mc_grow's 4, so that a
     * JSON event body does not pass through seven reallocations on its way to 1 KiB. */
    if (mc_grow(&b->data, &b->cap, need < 256 ? 256 : need, 1) != 0) {
        b->oom = true;
        return false;
    }
    return true;
}

void mc_buf_append(mc_buf *b, const char *s, size_t n)
{
    if (!reserve(b, n)) {
        return;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void mc_buf_puts(mc_buf *b, const char *s)
{
    mc_buf_append(b, s, strlen(s));
}

/* printf at the end of b: false when the format fails or memory runs out (then b->oom). */
static bool buf_vprintf(mc_buf *b, const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    bool ok = n >= 0 && reserve(b, (size_t)n);
    if (ok) {
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
        b->len += (size_t)n;
    }
    va_end(again);
    return ok;
}

void mc_buf_printf(mc_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

char *mc_vformat(const char *fmt, va_list ap)
{
    mc_buf b = MC_BUF_INIT;
    if (!buf_vprintf(&b, fmt, ap)) {
        mc_buf_free(&b);
        return NULL;
    }
    return mc_buf_take(&b);
}

char *mc_format(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = mc_vformat(fmt, ap);
    va_end(ap);
    return s;
}

char *mc_buf_take(mc_buf *b)
{
    char *p = NULL;
    if (!b->oom) {
        if (b->data == NULL) {
            p = mc_strndup("", 0);
        } else {
            p = b->data;
            b->data = NULL;
        }
    }
    mc_buf_free(b);
    return p;
}

void mc_buf_free(mc_buf *b)
{
    mc_free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = false;
}
