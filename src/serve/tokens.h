/*
 * Who may call the HTTP API: the tokens file of `motcua serve --tokens FILE`, whose format
 * (front/tokfile.h, docs/api.md "Tokens") the `token` command shares, held in memory and looked
 * up by hash on every request. A set of tokens is immutable once loaded; serve loads a new one
 * on SIGHUP and the API swaps it in (api_set_tokens), while requests that started with the old
 * one finish with it.
 */
#ifndef MOTCUA_CLI_TOKENS_H
#define MOTCUA_CLI_TOKENS_H

#include "front/tokfile.h"
#include "motcua/error.h"

#include <stdbool.h>
#include <stddef.h>

/* Who a request is: its token's line (index: its place among the tokens, 0 to tokens_count - 1). */
typedef front_token principal;

typedef struct tokens tokens;

/* Reads path. A malformed line is MC_ESYNTAX with err naming path, line and column; a file group
 * or others can write MC_EUSAGE; an unreadable file MC_EIO. */
int tokens_load(tokens **out, const char *path, mc_error *err);
void tokens_free(tokens *t);
/* How many tokens t holds (principal.index is below it). */
size_t tokens_count(const tokens *t);
/* The principal of token, or NULL when no line has its hash (compared in constant time). */
const principal *tokens_find(const tokens *t, const char *token);
/* "blake2b:" and the 64 hex digits of token's BLAKE2b-256. */
void tokens_hash(const char *token, char out[80]);
bool principal_has_role(const principal *p, const char *role);
/* Whether p may act on dossiers of agency (NULL: a dossier of no agency): p's agency is `*`, or
 * agency is one of p's list. */
bool principal_in_agency(const principal *p, const char *agency);

#endif
