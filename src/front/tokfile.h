/*
 * The tokens file of `motcua serve` (docs/api.md, "Tokens"): who may call the HTTP API, one
 * token a line, stored hashed, never in clear:
 *
 *   blake2b:HEX  ACTOR  ROLE[,ROLE…]  AGENCY[,AGENCY…]  [SUBJECT]
 *
 * HEX is the BLAKE2b-256 of the token; ACTOR names the person or system in the audit chain;
 * AGENCY the agencies whose dossiers the token may act on (a list, separated by commas), `*`
 * for every agency or `-` for none; SUBJECT is required for, and only allowed with, the role
 * `applicant`. `#` starts a comment. Both front ends use this file: serve reads it (at start and
 * on SIGHUP), and the `token` command edits it. Editing keeps every other line as it was,
 * comments included, and replaces the file in one rename, so a reader sees the old file or the
 * new one, never half of one.
 */
#ifndef MOTCUA_FRONT_TOKFILE_H
#define MOTCUA_FRONT_TOKFILE_H

#include "motcua/error.h"

#include <stdbool.h>
#include <stddef.h>

enum { FRONT_TOKEN_ROLES = 8, FRONT_TOKEN_AGENCIES = 16 };

/* One token line. */
typedef struct front_token {
    unsigned char hash[32]; /* BLAKE2b-256 of the secret */
    char actor[64];
    char roles[FRONT_TOKEN_ROLES][48];
    size_t nroles;
    char agencies[FRONT_TOKEN_AGENCIES][96]; /* none for '-' or '*' */
    size_t nagencies;
    bool every_agency; /* '*' */
    char subject[64];  /* applicants only, else "" */
    size_t index;      /* its place among the file's tokens, from 0 */
} front_token;

/* A tokens file as read: its lines, and the token each holds. */
typedef struct front_tokfile front_tokfile;

enum {
    FRONT_TOKFILE_EDIT = 1, /* hold an exclusive lock until front_tokfile_free, so that two edits
                               do not interleave; a missing file reads as empty */
};

/* Reads path (flags: FRONT_TOKFILE_EDIT or 0). A file group or others can write is refused
 * (MC_EUSAGE, "… chmod 600 FILE"); a malformed line MC_ESYNTAX with err naming path, line and
 * column; an unreadable file MC_EIO; MC_ENOMEM. */
int front_tokfile_read(front_tokfile **out, const char *path, int flags, mc_error *err);
void front_tokfile_free(front_tokfile *f);
/* The tokens of f, in file order (token i has index i); borrowed. */
size_t front_tokfile_count(const front_tokfile *f);
const front_token *front_tokfile_get(const front_tokfile *f, size_t i);

/* Parses the token of one line (without or with its newline) of path's line ln into t: 1 when
 * the line holds a token, 0 for a blank line or a comment, MC_ESYNTAX "PATH:LINE:COL: …". */
int front_token_parse(front_token *t, const char *path, size_t ln, const char *line,
                      mc_error *err);
/* t's line as the file holds it, without a newline, into out (size bytes): 0, or MC_EUSAGE when
 * it does not fit. */
int front_token_format(const front_token *t, char *out, size_t size, mc_error *err);
/* The BLAKE2b-256 of secret into hash; "blake2b:" and its 64 hex digits into text (80 bytes)
 * when text is not NULL. */
void front_token_hash(const char *secret, unsigned char hash[32], char *text);
/* Fills t's roles, agencies and subject from the `token add` options: roles and agencies are
 * lists separated by commas, agencies "*" for every one, NULL or "-" for none; checked as a
 * line would be. MC_EUSAGE naming what is wrong. */
int front_token_fill(front_token *t, const char *actor, const char *roles, const char *agencies,
                     const char *subject, mc_error *err);

/* Appends t (read with FRONT_TOKFILE_EDIT). MC_EEXISTS when its actor already has a token or
 * its hash is on a line; MC_ENOMEM. */
int front_tokfile_add(front_tokfile *f, const front_token *t, mc_error *err);
/* Removes the tokens of actor `who`, or the one whose hash starts with `who` ("blake2b:" and at
 * least 8 hex digits). The number removed in *removed; MC_ENOTFOUND when none, MC_EUSAGE when a
 * prefix is shorter or names several tokens. */
int front_tokfile_revoke(front_tokfile *f, const char *who, size_t *removed, mc_error *err);
/* Replaces the file by f's lines: a temporary file in the same folder, mode 0600 (or the old
 * file's mode, which has no write bit for group or others), the old file's owner kept, fsync,
 * rename, fsync of the folder. MC_EIO, with nothing changed. */
int front_tokfile_write(front_tokfile *f, mc_error *err);

#endif
