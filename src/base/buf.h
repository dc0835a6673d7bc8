/*
 * A growable byte buffer for building text (DOT graphs, messages). Always NUL-terminated once
 * anything was appended. An append that runs out of memory sets oom and does nothing more, so
 * a caller may append freely and check once at the end.
 */
#ifndef MOTCUA_BUF_H
#define MOTCUA_BUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct mc_buf {
    char *data;
    size_t len;
    size_t cap;
    bool oom;
} mc_buf;

#define MC_BUF_INIT                                                                                \
    {                                                                                              \
        NULL, 0, 0, false                                                                          \
    }

void mc_buf_append(mc_buf *b, const char *s, size_t n);
void mc_buf_puts(mc_buf *b, const char *s);
void mc_buf_printf(mc_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Hands the data to the caller (free with mc_free) and resets b. NULL when oom. */
char *mc_buf_take(mc_buf *b);
void mc_buf_free(mc_buf *b);

#endif
