/*
 * The parser of SPEC §2: it turns a source into a tree of directives, without knowing what any
 * directive means (the catalogue and the scenario reader give them meaning through their
 * tables). A directive is its tokens (words and strings) and, when it opened one, a block of
 * child directives. Syntax errors are recorded in the diagnostics; the parser recovers at the
 * next directive, and a directive that held a lexical error is kept but marked broken so that
 * nobody reports it twice.
 */
#ifndef MOTCUA_PARSER_H
#define MOTCUA_PARSER_H

#include "base/arena.h"
#include "lexer.h"

/* Blocks nest at most this deep; deeper input is reported and skipped. */
#define MC_PARSE_MAX_DEPTH 16

typedef struct mc_node mc_node;
struct mc_node {
    mc_token *toks; /* toks[0] is the directive name (a word unless broken) */
    uint32_t ntoks;
    bool broken; /* a lexical or syntax error inside: already reported */
    bool has_block;
    uint32_t lbrace; /* offset of '{' when has_block */
    mc_node *child;  /* first directive of the block */
    mc_node *next;   /* next sibling */
};

/* Parses src into *out (a list of top-level directives, allocated in arena; NULL when empty).
 * Returns 0, or MC_ENOMEM. Syntax errors do not make it fail: they are in diags. */
int mc_parse(mc_node **out, mc_source *src, mc_diags *diags, mc_arena *arena);

#endif
