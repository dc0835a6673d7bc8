/* The growable text buffer of buf.h. */
#include "buf.h"

#include "motcua/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static bool reserve(mc_buf *b, size_t extra)
{
    if (b->oom) {
        return false;
    }
    if (b->len + extra + 1 <= b->cap) {
        return true;
    }
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) {
        cap *= 2;
    }
    char *p = mc_realloc(b->data, cap);
    if (p == NULL) {
        b->oom = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
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

void mc_buf_printf(mc_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !reserve(b, (size_t)n)) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
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
