/*
 * Errors. Every fallible function of the library returns 0 on success or a negative MC_E*
 * code; the details go in a caller-owned mc_error passed last (it may be NULL when the caller
 * only wants the code). Diagnostics about catalogue files are not errors of this kind: they
 * are collected in an mc_diags (diag.h), and the load reports MC_ECHECK once it has any.
 */
#ifndef MOTCUA_ERROR_H
#define MOTCUA_ERROR_H

#include <stddef.h>
#include <stdint.h>

enum {
    MC_OK = 0,
    MC_ENOMEM = -1,  /* out of memory */
    MC_EIO = -2,     /* a file or directory could not be read */
    MC_ESYNTAX = -3, /* malformed input: a value, a token */
    MC_ECHECK = -4,  /* the catalogue has errors: see the diagnostics */
    MC_EUSAGE = -5,  /* the caller passed something invalid */
    MC_ENOTFOUND = -6,
    MC_EINTERNAL = -7,
};

typedef struct mc_error {
    int code;
    const char *file; /* borrowed; may be NULL */
    uint32_t line;    /* 0 when unknown */
    uint32_t col;
    char msg[256];
    /* The sentence of msg in the message catalogue (msg.h), so that a front end says it in
     * another language without parsing msg: its code (static storage; NULL when msg has none)
     * and its nargs arguments, each NUL-terminated, one after another in args. */
    const char *msg_code;
    uint32_t nargs;
    char args[512];
} mc_error;

/* Fills err (when not NULL) with code, no location and the formatted message; returns code. */
int mc_error_set(mc_error *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Fills err (when not NULL) with code, no location, msg_code (a code of the message catalogue,
 * static storage) and its nargs arguments (const char *, NULL read as ""): msg is the
 * catalogue's English sentence with them. Arguments that do not fit in args are cut at a
 * character (the later ones first). Returns code. */
int mc_error_say(mc_error *err, int code, const char *msg_code, size_t nargs, ...);

/* The arguments of err's sentence into args (at most most of them, borrowed from err); returns
 * how many. 0 when err has no msg_code. */
size_t mc_error_args(const mc_error *err, const char **args, size_t most);

/* Clears err to MC_OK with an empty message. */
void mc_error_clear(mc_error *err);

/* A short lower-case name for a code ("out of memory", "i/o error", …). */
const char *mc_error_name(int code);

#endif
