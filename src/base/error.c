/* mc_error helpers: the one place that formats an error record. */
#include "motcua/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int mc_error_set(mc_error *err, int code, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        err->code = code;
        err->file = NULL;
        err->line = 0;
        err->col = 0;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

void mc_error_clear(mc_error *err)
{
    if (err != NULL) {
        memset(err, 0, sizeof *err);
    }
}

const char *mc_error_name(int code)
{
    switch (code) {
    case MC_OK:
        return "ok";
    case MC_ENOMEM:
        return "out of memory";
    case MC_EIO:
        return "i/o error";
    case MC_ESYNTAX:
        return "syntax error";
    case MC_ECHECK:
        return "the catalogue has errors";
    case MC_EUSAGE:
        return "usage error";
    case MC_ENOTFOUND:
        return "not found";
    default:
        return "internal error";
    }
}
