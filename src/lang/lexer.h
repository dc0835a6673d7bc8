/*
 * The lexer of the .proc and .scenario languages (SPEC §2). It turns a source into words,
 * strings, braces, semicolons and newlines. Tokens keep byte offsets into the source; a string
 * token also carries its unescaped text, allocated in the arena the lexer was given. Errors
 * (invalid UTF-8, NUL bytes, bad escapes, unterminated strings) are recorded in the diagnostics
 * and come back as MC_TOK_ERROR tokens that span the bad input, so the parser can recover.
 */
#ifndef MOTCUA_LEXER_H
#define MOTCUA_LEXER_H

#include "base/arena.h"
#include "motcua/diag.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    MC_TOK_EOF,
    MC_TOK_NEWLINE,
    MC_TOK_SEMI,
    MC_TOK_LBRACE,
    MC_TOK_RBRACE,
    MC_TOK_WORD,
    MC_TOK_STRING,
    MC_TOK_ERROR,
} mc_tok_kind;

typedef struct mc_token {
    mc_tok_kind kind;
    uint32_t off;     /* byte offset in the source */
    uint32_t len;     /* bytes of source text, quotes included for strings */
    const char *text; /* word: into the source (not NUL-terminated); string: unescaped, NUL-
                         terminated, in the arena */
    uint32_t text_len;
} mc_token;

typedef struct mc_lexer {
    mc_source *src;
    const char *s;
    size_t len;
    size_t pos;
    mc_diags *diags;
    mc_arena *arena;
    int fatal;            /* MC_ENOMEM once an allocation failed */
    size_t bad_utf8_line; /* 1 + start offset of the last line with invalid UTF-8 reported */
} mc_lexer;

/* Prepares lex to read src from the start (after a BOM). Sources longer than 4 GiB are cut:
 * callers refuse them before. */
void mc_lexer_init(mc_lexer *lex, mc_source *src, mc_diags *diags, mc_arena *arena);
/* Reads the next token into tok. After MC_TOK_EOF it keeps returning MC_TOK_EOF. On out of
 * memory it returns MC_TOK_EOF and sets lex->fatal. */
void mc_lexer_next(mc_lexer *lex, mc_token *tok);

/* The source offset of byte k of a string token's unescaped text (for placing a caret inside
 * a string with escapes). */
uint32_t mc_tok_source_offset(const mc_source *src, const mc_token *tok, size_t k);

/* True when the word token equals the NUL-terminated s. */
bool mc_tok_is(const mc_token *tok, const char *s);

#endif
