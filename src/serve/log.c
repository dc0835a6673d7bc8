/* The error log of serve (log.h): one process-wide logger, since the scheduler's thread and
 * every connection thread write to it, and a line must come out whole. */
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static struct {
    pthread_mutex_t lock;
    FILE *file; /* NULL: stderr */
    front_log_level level;
} logger = {PTHREAD_MUTEX_INITIALIZER, NULL, FRONT_LOG_INFO};

static const char *const level_names[] = {"error", "warn", "info", "debug"};

int log_open(const char *level, const char *file, mc_error *err)
{
    int lv = FRONT_LOG_INFO;
    if (level != NULL && (lv = front_log_level_of(level)) < 0) {
        return mc_error_set(err, MC_EUSAGE, "--log-level takes error, warn, info or debug, not '%s'",
                            level);
    }
    FILE *f = NULL;
    if (file != NULL && (f = fopen(file, "a")) == NULL) {
        return mc_error_set(err, MC_EIO, "cannot open the error log %s: %s", file,
                            strerror(errno));
    }
    pthread_mutex_lock(&logger.lock);
    if (logger.file != NULL) {
        fclose(logger.file);
    }
    logger.file = f;
    logger.level = (front_log_level)lv;
    pthread_mutex_unlock(&logger.lock);
    return 0;
}

void log_close(void)
{
    pthread_mutex_lock(&logger.lock);
    if (logger.file != NULL) {
        fclose(logger.file);
    }
    logger.file = NULL;
    logger.level = FRONT_LOG_INFO;
    pthread_mutex_unlock(&logger.lock);
}

void log_msg(front_log_level lv, const char *fmt, ...)
{
    /* The line is made first, then written with one call under the lock: lines of two threads
     * never mix, and a long message is cut rather than split. */
    char line[1024];
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    int n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, now.tv_nsec / 1000000, level_names[lv]);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    len = len > sizeof line - 2 ? sizeof line - 2 : len;
    /* A message is one line whatever the library's text held. */
    for (size_t i = (size_t)n; i < len; i++) {
        line[i] = line[i] == '\n' || line[i] == '\r' ? ' ' : line[i];
    }
    line[len++] = '\n';
    line[len] = '\0';
    pthread_mutex_lock(&logger.lock);
    if (lv <= logger.level) {
        FILE *f = logger.file != NULL ? logger.file : stderr;
        fputs(line, f);
        fflush(f);
    }
    pthread_mutex_unlock(&logger.lock);
}
