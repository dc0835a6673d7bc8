/*
 * A growable byte buffer for building text (DOT graphs, messages). Always NUL-terminated once
 * anything was appended. An append that runs out of memory sets oom and does nothing more, so
 * a caller may append freely and check once at the end. mc_format and mc_vformat print into a
 * new string through the same code.
 */
#ifndef MOTCUA_BUF_H
#define MOTCUA_BUF_H

#include <stdarg.h>
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
/* printf into a new string, allocated to its length (free with mc_free): NULL when out of
 * memory or when the format fails (an invalid conversion). mc_vformat leaves ap to the caller
 * (va_end it). */
char *mc_format(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
char *mc_vformat(const char *fmt, va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 0)))
#endif
    ;
/* Hands the data to the caller (free with mc_free) and resets b. NULL when oom. */
char *mc_buf_take(mc_buf *b);
void mc_buf_free(mc_buf *b);

#endif
