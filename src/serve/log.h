/*
 * The error log of `motcua serve` (docs/operations.md, "Logs"): the server's own messages once
 * it runs — reloads, the timer scheduler, a store that fails, a stop — one line each,
 * `TIME LEVEL MESSAGE`, to stderr or to the end of `--error-log FILE`, those below
 * `--log-level` dropped. The access log of requests is apart (serve.c). One logger for the
 * process, written whole lines at a time under a lock: the connection threads and the
 * scheduler share it. A message never holds a token, a secret, an identifier or a personal
 * field's value; the callers pass only names, counts and the library's error texts.
 */
#ifndef MOTCUA_SERVE_LOG_H
#define MOTCUA_SERVE_LOG_H

#include "front/config.h"
#include "motcua/error.h"

#include <stdbool.h>

/* Opens the log: level a name front_log_level takes (NULL: info), file a path opened for
 * appending (NULL: stderr). MC_EUSAGE for an unknown level, MC_EIO when the file cannot be
 * opened; the log then stays on stderr at info. */
int log_open(const char *level, const char *file, mc_error *err);
/* Closes the file of log_open, if any; the log goes to stderr again. */
void log_close(void);
/* Writes "TIME LEVEL MESSAGE\n" when lv is at or above the log's level. Thread-safe. */
void log_msg(front_log_level lv, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
#endif
