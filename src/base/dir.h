/*
 * The one directory walker: the catalogue's .proc files, the rules' .lua modules and the
 * scenarios of `motcua test` are all found by it, so that every platform loads files in the
 * same order (bytewise by name, whatever order the file system lists them in) and skips the
 * same names.
 */
#ifndef MOTCUA_DIR_H
#define MOTCUA_DIR_H

#include "ptrvec.h"

#include "motcua/error.h"

enum {
    MC_DIR_RECURSE = 1 << 0,    /* search subfolders too (otherwise they are passed over) */
    MC_DIR_MISSING_OK = 1 << 1, /* a dir that does not exist has no files: not an error */
};

/* Folders deeper than this below the starting one are refused (a link may loop). */
enum { MC_DIR_MAX_DEPTH = 32 };

/* Appends to paths (mc_malloc'd strings that become the caller's) the regular files under dir
 * whose names end in suffix and are longer than it, following links and skipping dangling
 * ones and every name that starts with a dot. Names are taken in bytewise order, folder by
 * folder: with MC_DIR_RECURSE a subfolder's files come where its name sorts. A path is
 * dir/name, or name alone when dir is "." (a dir that ends in '/' gets no second one).
 * 0, or: MC_EIO "DIR: REASON" when a folder cannot be opened (a missing dir is not an error
 * with MC_DIR_MISSING_OK), MC_EIO "DIR: folders nested too deeply", MC_ENOMEM "out of
 * memory"; after an error paths holds what was appended before it. */
int mc_dir_walk(mc_ptrvec *paths, const char *dir, const char *suffix, unsigned flags,
                mc_error *err);

#endif
