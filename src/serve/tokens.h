/*
 * The service's tokens file: who may call the HTTP API (`motcua serve --tokens FILE`). One
 * token a line, stored hashed, never in clear:
 *
 *   blake2b:HEX  ACTOR  ROLE[,ROLE…]  AGENCY  [SUBJECT]
 *
 * HEX is the BLAKE2b-256 of the token (`motcua hash-token TOKEN` prints it); ACTOR names the
 * person or system in the audit chain; AGENCY is the agency whose dossiers the token may act
 * on, or `-` for none; SUBJECT is required for, and only allowed with, the role `applicant`:
 * an applicant token sees only the dossiers of its own subject. `#` starts a comment.
 */
#ifndef MOTCUA_CLI_TOKENS_H
#define MOTCUA_CLI_TOKENS_H

#include "motcua/error.h"

#include <stdbool.h>
#include <stddef.h>

enum { TOKEN_MAX_ROLES = 8 };

typedef struct principal {
    char actor[64];
    char roles[TOKEN_MAX_ROLES][48];
    size_t nroles;
    char agency[96];  /* "" for none */
    char subject[64]; /* applicants only */
    size_t index;     /* its line among the tokens, 0 to tokens_count - 1 */
} principal;

typedef struct tokens tokens;

/* Reads path. A malformed line is MC_ESYNTAX with err naming path, line and column; an
 * unreadable file MC_EIO. */
int tokens_load(tokens **out, const char *path, mc_error *err);
void tokens_free(tokens *t);
/* How many tokens t holds (principal.index is below it). */
size_t tokens_count(const tokens *t);
/* The principal of token, or NULL when no line has its hash (compared in constant time). */
const principal *tokens_find(const tokens *t, const char *token);
/* "blake2b:" and the 64 hex digits of token's BLAKE2b-256. */
void tokens_hash(const char *token, char out[80]);
bool principal_has_role(const principal *p, const char *role);

#endif
