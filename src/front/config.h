/*
 * The configuration file of `motcua serve` (`--config FILE`; docs/operations.md,
 * "Configuration"): the serve options as `KEY VALUE` lines, read with the lexer of the
 * catalogue's language (src/lang), so that words, "quoted strings" with their escapes, `#`
 * comments and the FILE:LINE:COL of an error are the ones analysts already know. A key is an
 * option's name without its dashes; `catalogue` may be repeated (a layer each, lowest first);
 * any other key is written once. The options of the command line win over the file's. The keys
 * are in a table (name, kind, the field of front_opts it fills, the check of its value), as
 * nginx describes its directives.
 */
#ifndef MOTCUA_FRONT_CONFIG_H
#define MOTCUA_FRONT_CONFIG_H

#include "front.h"

#include "motcua/diag.h"
#include "motcua/error.h"

/* The levels of serve's error log (--log-level), most severe first: a log at a level writes
 * the messages of that level and those above it. */
typedef enum { FRONT_LOG_ERROR, FRONT_LOG_WARN, FRONT_LOG_INFO, FRONT_LOG_DEBUG } front_log_level;

/* The level named s ("error", "warn", "info", "debug"), or -1. */
int front_log_level_of(const char *s);

typedef struct front_config front_config;

/* Reads the configuration file at path and sets each option of o that the command line left
 * unset (a NULL value, a false flag, no --catalogue at all) to the file's value; a relative
 * path in the file is taken relative to the file's folder. The file must be a regular file that
 * neither its group nor others can write.
 *
 * Returns 0 with *out owning the values o now points to (free it after the last use of o);
 * MC_ECHECK when the file has errors, each in diags at its FILE:LINE:COL (an unknown key, with
 * the nearest known one; a key without a value or with two; a key other than catalogue given
 * twice; a value its option does not take); MC_EUSAGE when group or others can write the file;
 * MC_EIO when it cannot be read; MC_ENOMEM. On any error o is unchanged and *out is NULL. */
int front_config_read(front_config **out, const char *path, front_opts *o, mc_diags *diags,
                      mc_error *err);
/* NULL: no-op. */
void front_config_free(front_config *cfg);

#endif
