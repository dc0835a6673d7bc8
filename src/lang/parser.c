/* The block parser of parser.h. */
#include "parser.h"

#include <string.h>

typedef struct parser {
    mc_lexer lex;
    mc_token tok; /* current token */
    bool have_tok;
    mc_arena *arena;
    mc_diags *diags;
    mc_source *src;
    int fatal;
    bool by_indent; /* braces do not balance: let indentation decide where blocks end */
} parser;

static mc_token *peek(parser *p)
{
    if (!p->have_tok) {
        mc_lexer_next(&p->lex, &p->tok);
        p->have_tok = true;
        if (p->lex.fatal) {
            p->fatal = p->lex.fatal;
        }
        if (mc_diags_source_full(p->src)) {
            /* Past the error limit: stop reading this file. */
            p->tok.kind = MC_TOK_EOF;
        }
    }
    return &p->tok;
}

static void take(parser *p)
{
    p->have_tok = false;
}

static void error(parser *p, uint32_t off, uint32_t len, const char *msg)
{
    if (mc_diags_add(p->diags, MC_DIAG_ERROR, p->src, off, len, "%s", msg) != 0) {
        p->fatal = MC_ENOMEM;
    }
}

/* Skips a block whose '{' was just taken, counting braces, without building nodes. Returns at
 * the matching '}' (taken) or at the end of the file. */
static void skip_block(parser *p)
{
    size_t depth = 1;
    while (!p->fatal) {
        mc_token *t = peek(p);
        if (t->kind == MC_TOK_EOF) {
            return;
        }
        take(p);
        if (t->kind == MC_TOK_LBRACE) {
            depth++;
        } else if (t->kind == MC_TOK_RBRACE && --depth == 0) {
            return;
        }
    }
}

/* True when the braces of text balance (strings and comments skipped). A cheap pass that lets
 * the parser know, before it starts, whether it must recover from a missing or extra brace. */
static bool braces_balance(const char *s, size_t n)
{
    long depth = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '#') {
            while (i < n && s[i] != '\n') {
                i++;
            }
        } else if (c == '"') {
            for (i++; i < n && s[i] != '"' && s[i] != '\n'; i++) {
                i += s[i] == '\\' && i + 1 < n && s[i + 1] != '\n';
            }
        } else if (c == '{') {
            depth++;
        } else if (c == '}' && --depth < 0) {
            return false;
        }
    }
    return depth == 0;
}

/* True when some line starts with white space before text: the author indents blocks, so
 * indentation can be trusted to show where a block was meant to end. */
static bool indented(const char *s, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if ((i == 0 || s[i - 1] == '\n') && (s[i] == ' ' || s[i] == '\t')) {
            size_t k = i;
            while (k < n && (s[k] == ' ' || s[k] == '\t')) {
                k++;
            }
            if (k < n && s[k] != '\n' && s[k] != '\r' && s[k] != '#') {
                return true;
            }
        }
    }
    return false;
}

/* Column (bytes from the line start) of offset off, and whether off and other are on one
 * line. Only used when recovering from unbalanced braces. */
static size_t column_of(const parser *p, uint32_t off)
{
    const char *t = mc_source_text(p->src);
    size_t i = off;
    while (i > 0 && t[i - 1] != '\n') {
        i--;
    }
    return off - i;
}

static bool same_line(const parser *p, uint32_t a, uint32_t b)
{
    const char *t = mc_source_text(p->src);
    uint32_t lo = a < b ? a : b, hi = a < b ? b : a;
    return memchr(t + lo, '\n', hi - lo) == NULL;
}

static mc_node *parse_block(parser *p, int depth, uint32_t lbrace, const mc_token *owner);

/* Parses the block of node n, whose '{' at off was just taken. */
static void open_block(parser *p, mc_node *n, int depth, uint32_t off)
{
    n->has_block = true;
    n->lbrace = off;
    if (depth + 1 > MC_PARSE_MAX_DEPTH) {
        error(p, off, 1, "blocks nested too deeply (at most 16 levels)");
        n->broken = true;
        skip_block(p);
        return;
    }
    n->child = parse_block(p, depth + 1, off, n->ntoks > 0 ? &n->toks[0] : NULL);
}

/* Parses directives until the '}' that closes this block (taken) or the end of the file.
 * owner is the first token of the directive that opened the block (NULL at the top). */
static mc_node *parse_block(parser *p, int depth, uint32_t lbrace, const mc_token *owner)
{
    size_t owner_col = owner && p->by_indent ? column_of(p, owner->off) : 0;
    mc_node *first = NULL, **tail = &first, *last = NULL;
    mc_token toks[64];
    while (!p->fatal) {
        mc_token *t = peek(p);
        switch (t->kind) {
        case MC_TOK_NEWLINE:
        case MC_TOK_SEMI:
            take(p);
            continue;
        case MC_TOK_EOF:
            if (depth > 0) {
                error(p, lbrace, 1, "unclosed block: this '{' has no matching '}'");
            }
            return first;
        case MC_TOK_RBRACE:
            if (depth > 0 && p->by_indent && owner != NULL && !same_line(p, owner->off, t->off) &&
                column_of(p, t->off) > owner_col) {
                /* Indented deeper than the block's directive: an extra '}' of an inner line. */
                error(p, t->off, 1, "unmatched '}'");
                take(p);
                continue;
            }
            take(p);
            if (depth > 0) {
                return first;
            }
            error(p, t->off, 1, "unmatched '}'");
            continue;
        case MC_TOK_LBRACE: {
            uint32_t off = t->off;
            take(p);
            error(p, off, 1, "a block's '{' must be on the line of its directive");
            if (last != NULL && !last->has_block) {
                open_block(p, last, depth, off); /* recover: it was meant for that one */
            } else {
                skip_block(p);
            }
            continue;
        }
        default:
            break;
        }
        if (depth > 0 && p->by_indent && owner != NULL && !same_line(p, owner->off, t->off) &&
            column_of(p, t->off) <= owner_col) {
            /* Back at the indentation of the block's directive: its '}' is missing. */
            error(p, lbrace, 1, "unclosed block: this '{' has no matching '}'");
            return first;
        }
        /* A directive: tokens up to a newline, ';', '{', '}' or the end of the file. */
        mc_node *n = mc_arena_alloc(p->arena, sizeof *n);
        if (n == NULL) {
            p->fatal = MC_ENOMEM;
            return first;
        }
        size_t ntoks = 0, cap = sizeof toks / sizeof toks[0];
        mc_token *arr = toks; /* moves into the arena once the directive outgrows toks */
        if (t->kind == MC_TOK_STRING) {
            error(p, t->off, t->len, "a directive starts with a name, not a string");
            n->broken = true;
        }
        for (;;) {
            t = peek(p);
            if (t->kind != MC_TOK_WORD && t->kind != MC_TOK_STRING && t->kind != MC_TOK_ERROR) {
                break;
            }
            if (t->kind == MC_TOK_ERROR) {
                n->broken = true;
            }
            if (mc_arena_grow_array(p->arena, &arr, &cap, ntoks, ntoks + 1, sizeof *arr) != 0) {
                p->fatal = MC_ENOMEM;
                return first;
            }
            arr[ntoks++] = *t;
            take(p);
        }
        n->toks = mc_arena_grow(p->arena, arr, ntoks, ntoks, sizeof *n->toks);
        if (n->toks == NULL) {
            p->fatal = MC_ENOMEM;
            return first;
        }
        n->ntoks = (uint32_t)ntoks;
        *tail = n;
        tail = &n->next;
        last = n;
        if (t->kind == MC_TOK_LBRACE) {
            uint32_t off = t->off;
            take(p);
            open_block(p, n, depth, off);
        }
    }
    return first;
}

int mc_parse(mc_node **out, mc_source *src, mc_diags *diags, mc_arena *arena)
{
    parser p;
    memset(&p, 0, sizeof p);
    mc_lexer_init(&p.lex, src, diags, arena);
    p.arena = arena;
    p.diags = diags;
    p.src = src;
    p.by_indent = !braces_balance(mc_source_text(src), mc_source_len(src)) &&
                  indented(mc_source_text(src), mc_source_len(src));
    *out = parse_block(&p, 0, 0, NULL);
    return p.fatal;
}
