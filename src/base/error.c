/* mc_error helpers: the one place that formats an error record. */
#include "motcua/error.h"
#include "motcua/msg.h"

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
        err->msg_code = NULL;
        err->nargs = 0;
        err->args[0] = '\0';
    }
    return code;
}

/* How many bytes of s (n of them) fit in room without splitting a UTF-8 character. */
static size_t fit(const char *s, size_t n, size_t room)
{
    if (n <= room) {
        return n;
    }
    while (room > 0 && ((unsigned char)s[room] & 0xC0) == 0x80) {
        room--; /* s[room] continues the character before it: cut before that one */
    }
    return room;
}

int mc_error_say(mc_error *err, int code, const char *msg_code, size_t nargs, ...)
{
    if (err == NULL) {
        return code;
    }
    const char *args[MC_MSG_MAXARGS] = {0};
    va_list ap;
    va_start(ap, nargs);
    nargs = mc_msg_vargs(args, nargs, ap);
    va_end(ap);
    err->code = code;
    err->file = NULL;
    err->line = 0;
    err->col = 0;
    mc_msg_format(MC_LANG_EN, msg_code, args, nargs, err->msg, sizeof err->msg);
    err->msg_code = msg_code;
    err->nargs = (uint32_t)nargs;
    size_t at = 0;
    for (size_t i = 0; i < nargs; i++) {
        size_t room = sizeof err->args - at - (nargs - i); /* a NUL for each one left */
        size_t n = fit(args[i], strlen(args[i]), room);
        memcpy(err->args + at, args[i], n);
        at += n;
        err->args[at++] = '\0';
    }
    if (nargs == 0) {
        err->args[0] = '\0';
    }
    return code;
}

size_t mc_error_args(const mc_error *err, const char **args, size_t most)
{
    size_t n = 0;
    const char *p = err->args;
    for (; err->msg_code != NULL && n < err->nargs && n < most; n++) {
        args[n] = p;
        p += strlen(p) + 1;
    }
    return n;
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
