/* Lint's check of the names rule modules use (rulecheck.h): Lua 5.4's tokens (llex.c's rules:
 * names, keywords, short and long strings with their escapes, long comments, numbers), then two
 * walks over them that follow the scopes of locals: the first collects the globals the module
 * defines, the second checks every read of a global and every constant given to the rule API.
 * A token scan rather than luac's listing: it needs no external program at run time nor Lua's
 * internal headers, and it knows columns, which a listing has not. */
#include "motcua/rulecheck.h"

#include "motcua/alloc.h"
#include "motcua/reform.h"
#include "base/buf.h"
#include "base/grow.h"
#include "base/dir.h"
#include "base/map.h"
#include "base/ptrvec.h"
#include "base/suggest.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* ---- the names of the catalogue ---- */

enum { K_FIELD, K_DOCUMENT, K_REGISTRY, K_STATE, K_PARTY, K_SCHEDULE, K_PROCEDURE, NKINDS };

static const char *const kind_names[NKINDS] = {
    "field", "document", "registry", "state", "party", "fee schedule", "procedure",
};

struct mc_rulecheck {
    const mc_catalogue *cat;
    mc_map names[NKINDS];
    bool built[NKINDS];        /* names[kind] holds the catalogue's names of kind */
    bool reform_names[NKINDS]; /* … and those of the catalogue as each reform changes it */
    bool reforms_applied;      /* derived holds those catalogues */
    mc_map used;               /* modules whose rules the catalogue names */
    bool uses_built, reform_uses;
    mc_ptrvec derived;
};

static int put(mc_map *m, const char *name)
{
    if (name == NULL || mc_map_get(m, name, strlen(name)) != NULL) {
        return 0;
    }
    return mc_map_put(m, name, strlen(name), (void *)name);
}

/* Adds the names of one kind cat declares. */
static int add_names(mc_rulecheck *rc, const mc_catalogue *cat, int kind)
{
    int r = 0;
    mc_map *m = &rc->names[kind];
    size_t n;
    if (kind == K_FIELD || kind == K_PARTY || kind == K_STATE || kind == K_PROCEDURE) {
        const mc_procedure *const *procs = mc_catalogue_procedures(cat, &n);
        const mc_lifecycle *lc = NULL;
        for (size_t i = 0; i < n && r == 0; i++) {
            const mc_procedure *p = procs[i];
            r = kind == K_PROCEDURE ? put(m, p->name) : 0;
            for (size_t k = 0; kind == K_FIELD && k < p->nfields && r == 0; k++) {
                r = put(m, p->fields[k].name);
            }
            for (size_t k = 0; kind == K_PARTY && k < p->nparties && r == 0; k++) {
                r = put(m, p->parties[k].name);
            }
            if (kind == K_STATE && (p->lifecycle != lc || p->lifecycle == NULL)) {
                lc = p->lifecycle; /* procedures of one lifecycle mostly share its states */
                for (size_t k = 0; k < p->machine.nstates && r == 0; k++) {
                    r = put(m, p->machine.states[k]->name);
                }
            }
        }
    }
    if (kind == K_STATE) { /* also every state of a lifecycle (a procedure may replace one) */
        const mc_lifecycle *const *lcs = mc_catalogue_lifecycles(cat, &n);
        for (size_t i = 0; i < n && r == 0; i++) {
            for (size_t k = 0; k < lcs[i]->machine.nstates && r == 0; k++) {
                r = put(m, lcs[i]->machine.states[k]->name);
            }
        }
        const mc_procedure *const *procs = mc_catalogue_procedures(cat, &n);
        for (size_t i = 0; i < n && r == 0; i++) { /* the procedures' own states */
            const mc_procedure *p = procs[i];
            for (size_t k = 0; k < p->machine.nstates && r == 0 && p->lifecycle != NULL; k++) {
                bool own = true;
                for (size_t j = 0; j < p->lifecycle->machine.nstates && own; j++) {
                    own = p->lifecycle->machine.states[j] != p->machine.states[k];
                }
                r = own ? put(m, p->machine.states[k]->name) : 0;
            }
        }
    }
    if (kind == K_DOCUMENT) {
        const mc_document *const *docs = mc_catalogue_documents(cat, &n);
        for (size_t i = 0; i < n && r == 0; i++) {
            r = put(m, docs[i]->name);
        }
    }
    if (kind == K_REGISTRY) {
        const mc_registry *const *regs = mc_catalogue_registries(cat, &n);
        for (size_t i = 0; i < n && r == 0; i++) {
            r = put(m, regs[i]->name);
        }
    }
    if (kind == K_SCHEDULE) {
        const mc_fee_schedule *const *fs = mc_catalogue_fee_schedules(cat, &n);
        for (size_t i = 0; i < n && r == 0; i++) {
            r = put(m, fs[i]->name);
        }
    }
    return r;
}

/* Applies each reform of the catalogue into derived, once. */
static int apply_reforms(mc_rulecheck *rc)
{
    if (rc->reforms_applied) {
        return 0;
    }
    size_t n;
    const mc_reform *const *reforms = mc_catalogue_reforms(rc->cat, &n);
    for (size_t i = 0; i < n; i++) {
        mc_catalogue *d = NULL;
        mc_error e;
        int r = mc_reform_apply(rc->cat, reforms[i], &d, &e);
        if (r == 0 && mc_ptrvec_push(&rc->derived, d) != 0) {
            mc_catalogue_free(d);
            r = MC_ENOMEM;
        }
        if (r == MC_ENOMEM) { /* tried again from the start on the next name */
            for (size_t k = 0; k < rc->derived.n; k++) {
                mc_catalogue_free(rc->derived.items[k]);
            }
            rc->derived.n = 0;
            return r;
        }
        /* a reform that does not apply adds no names */
    }
    rc->reforms_applied = true;
    return 0;
}

/* Adds the names of kind of the catalogue as each of its reforms changes it (a reform may add
 * fields, documents, states), once, when a name is not found without them. */
static int add_reform_names(mc_rulecheck *rc, int kind)
{
    if (rc->reform_names[kind]) {
        return 0;
    }
    int r = apply_reforms(rc);
    for (size_t i = 0; i < rc->derived.n && r == 0; i++) {
        r = add_names(rc, rc->derived.items[i], kind);
    }
    rc->reform_names[kind] = r == 0;
    return r;
}

static int use_cond(mc_map *m, const mc_cond *c)
{
    return c->kind == MC_COND_RULE ? put(m, c->rule.module) : 0;
}

/* Adds the modules whose rules cat's procedures name (guards, conditions, fee rules). */
static int add_uses(mc_map *m, const mc_catalogue *cat)
{
    size_t n;
    int r = 0;
    const mc_procedure *const *procs = mc_catalogue_procedures(cat, &n);
    for (size_t i = 0; i < n && r == 0; i++) {
        const mc_procedure *p = procs[i];
        r = p->fee_kind == MC_FEE_RULE ? put(m, p->fee_rule.module) : 0;
        for (size_t k = 0; k < p->nrequires && r == 0; k++) {
            r = use_cond(m, &p->requires[k].when);
        }
        for (size_t k = 0; k < p->nextensions && r == 0; k++) {
            r = use_cond(m, &p->extensions[k].when);
        }
        for (size_t k = 0; k < p->machine.nstates && r == 0; k++) {
            const mc_state *st = p->machine.states[k];
            for (size_t t = 0; t < st->non && r == 0; t++) {
                r = use_cond(m, &st->on[t].when);
            }
        }
    }
    return r;
}

/* Whether a procedure of the catalogue, or of the catalogue as a reform changes it, names a
 * rule of module. */
static int module_used(mc_rulecheck *rc, const char *module, size_t len, bool *used)
{
    int r = 0;
    if (!rc->uses_built) {
        r = add_uses(&rc->used, rc->cat);
        rc->uses_built = r == 0;
    }
    if (r == 0 && mc_map_get(&rc->used, module, len) == NULL && !rc->reform_uses) {
        r = apply_reforms(rc);
        for (size_t i = 0; i < rc->derived.n && r == 0; i++) {
            r = add_uses(&rc->used, rc->derived.items[i]);
        }
        rc->reform_uses = r == 0;
    }
    *used = r == 0 && mc_map_get(&rc->used, module, len) != NULL;
    return r;
}

/* The names of kind, those of the catalogue itself made on first use. */
static const mc_map *names_of(mc_rulecheck *rc, int kind, int *err)
{
    if (!rc->built[kind]) {
        *err = add_names(rc, rc->cat, kind);
        if (*err != 0) {
            return NULL;
        }
        rc->built[kind] = true;
    }
    return &rc->names[kind];
}

int mc_rulecheck_new(mc_rulecheck **out, const mc_catalogue *cat, mc_error *err)
{
    *out = NULL;
    mc_rulecheck *rc = mc_calloc(1, sizeof *rc);
    if (rc == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    rc->cat = cat; /* the names are gathered when a module first needs them */
    *out = rc;
    return 0;
}

void mc_rulecheck_free(mc_rulecheck *rc)
{
    if (rc == NULL) {
        return;
    }
    for (int k = 0; k < NKINDS; k++) {
        mc_map_free(&rc->names[k]);
    }
    mc_map_free(&rc->used);
    for (size_t i = 0; i < rc->derived.n; i++) {
        mc_catalogue_free(rc->derived.items[i]);
    }
    mc_ptrvec_free(&rc->derived);
    mc_free(rc);
}

/* ---- tokens ---- */

typedef enum { T_EOF, T_NAME, T_KEYWORD, T_STRING, T_NUMBER, T_OP } tkind;

typedef struct tok {
    tkind kind;
    uint32_t off, len; /* in the source, quotes included */
    bool space;        /* white space or a comment right before it */
    char *str;         /* T_STRING: its value (mc_malloc'd); NUL-terminated */
    size_t slen;
} tok;

typedef struct lexer {
    const char *s;
    size_t n, i;
    tok *toks;
    size_t ntoks, cap;
    bool oom;
} lexer;

static const char *const keywords[] = {
    "and",      "break",  "do",   "else", "elseif", "end",   "false", "for",
    "function", "goto",   "if",   "in",   "local",  "nil",   "not",   "or",
    "repeat",   "return", "then", "true", "until",  "while",
};

static bool is_keyword(const char *s, size_t n)
{
    for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++) {
        if (strlen(keywords[k]) == n && memcmp(keywords[k], s, n) == 0) {
            return true;
        }
    }
    return false;
}

static bool name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool name_char(char c)
{
    return name_start(c) || (c >= '0' && c <= '9');
}

/* The level of a long bracket opening at s[i] ('[' then '='s then '['), or -1. */
static int long_level(const lexer *lx, size_t i)
{
    if (i >= lx->n || lx->s[i] != '[') {
        return -1;
    }
    size_t k = i + 1;
    while (k < lx->n && lx->s[k] == '=') {
        k++;
    }
    return k < lx->n && lx->s[k] == '[' ? (int)(k - i - 1) : -1;
}

/* Skips the long bracket of level lvl opening at lx->i; its contents are [*from, *to). False
 * when it does not close. */
static bool skip_long(lexer *lx, int lvl, size_t *from, size_t *to)
{
    size_t i = lx->i + (size_t)lvl + 2;
    *from = i;
    for (; i < lx->n; i++) {
        if (lx->s[i] != ']') {
            continue;
        }
        size_t k = i + 1;
        while (k < lx->n && lx->s[k] == '=') {
            k++;
        }
        if (k < lx->n && lx->s[k] == ']' && (int)(k - i - 1) == lvl) {
            *to = i;
            lx->i = k + 1;
            return true;
        }
    }
    return false;
}

static void push_tok(lexer *lx, tok t)
{
    if (mc_grow(&lx->toks, &lx->cap, lx->ntoks + 1, sizeof *lx->toks) != 0) {
        mc_free(t.str);
        lx->oom = true;
        return;
    }
    lx->toks[lx->ntoks++] = t;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

static void put_utf8(mc_buf *b, unsigned long cp)
{
    char u[6];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | ((cp >> 18) & 0x07));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    mc_buf_append(b, u, n);
}

/* A short string opening at lx->i with quote q: its value in *t. False when it does not end on
 * its line. */
static bool short_string(lexer *lx, tok *t)
{
    char q = lx->s[lx->i];
    size_t i = lx->i + 1;
    mc_buf b = MC_BUF_INIT;
    mc_buf_append(&b, "", 0);
    while (i < lx->n && lx->s[i] != q) {
        char c = lx->s[i];
        if (c == '\n' || c == '\r') {
            mc_buf_free(&b);
            return false;
        }
        if (c != '\\' || i + 1 >= lx->n) {
            mc_buf_append(&b, &c, 1);
            i++;
            continue;
        }
        char e = lx->s[i + 1];
        i += 2;
        const char *simple = strchr("abfnrtv\\\"'\n", e);
        if (simple != NULL && e != '\0') {
            static const char vals[] = "\a\b\f\n\r\t\v\\\"'\n";
            mc_buf_append(&b, &vals[simple - "abfnrtv\\\"'\n"], 1);
        } else if (e == 'x' && i + 1 < lx->n && hexval(lx->s[i]) >= 0 &&
                   hexval(lx->s[i + 1]) >= 0) {
            char v = (char)(hexval(lx->s[i]) * 16 + hexval(lx->s[i + 1]));
            mc_buf_append(&b, &v, 1);
            i += 2;
        } else if (e == 'z') {
            while (i < lx->n && strchr(" \t\r\n\f\v", lx->s[i]) != NULL) {
                i++;
            }
        } else if (e >= '0' && e <= '9') {
            unsigned v = (unsigned)(e - '0');
            for (int k = 0; k < 2 && i < lx->n && lx->s[i] >= '0' && lx->s[i] <= '9'; k++) {
                v = v * 10 + (unsigned)(lx->s[i++] - '0');
            }
            char ch = (char)v;
            mc_buf_append(&b, &ch, 1);
        } else if (e == 'u' && i < lx->n && lx->s[i] == '{') {
            unsigned long cp = 0;
            for (i++; i < lx->n && hexval(lx->s[i]) >= 0; i++) {
                cp = cp * 16 + (unsigned long)hexval(lx->s[i]);
                if (cp > 0x7FFFFFFFUL) {
                    break;
                }
            }
            i += i < lx->n && lx->s[i] == '}';
            put_utf8(&b, cp);
        }
    }
    if (i >= lx->n) {
        mc_buf_free(&b);
        return false;
    }
    if (b.oom) {
        lx->oom = true;
        mc_buf_free(&b);
        return false;
    }
    t->slen = b.len;
    t->str = mc_buf_take(&b);
    lx->i = i + 1;
    return true;
}

static const char *const ops3[] = {"..."};
static const char *const ops2[] = {"==", "~=", "<=", ">=", "//", "::", "<<", ">>", ".."};

/* Splits text into tokens; stops at the end or at what Lua could not read (already reported
 * by the loader). */
static void lex(lexer *lx)
{
    bool space = true;
    while (lx->i < lx->n && !lx->oom) {
        char c = lx->s[lx->i];
        if (strchr(" \t\r\n\f\v", c) != NULL) {
            lx->i++;
            space = true;
            continue;
        }
        if (c == '-' && lx->i + 1 < lx->n && lx->s[lx->i + 1] == '-') {
            lx->i += 2;
            int lvl = long_level(lx, lx->i);
            size_t from, to;
            if (lvl >= 0) {
                if (!skip_long(lx, lvl, &from, &to)) {
                    return;
                }
            } else {
                while (lx->i < lx->n && lx->s[lx->i] != '\n') {
                    lx->i++;
                }
            }
            space = true;
            continue;
        }
        if (lx->i == 0 && c == '#') { /* a first line "#!…" is skipped, as Lua does */
            while (lx->i < lx->n && lx->s[lx->i] != '\n') {
                lx->i++;
            }
            continue;
        }
        tok t = {.kind = T_OP, .off = (uint32_t)lx->i, .len = 1, .space = space};
        space = false;
        if (name_start(c)) {
            size_t k = lx->i;
            while (k < lx->n && name_char(lx->s[k])) {
                k++;
            }
            t.len = (uint32_t)(k - lx->i);
            t.kind = is_keyword(lx->s + lx->i, t.len) ? T_KEYWORD : T_NAME;
            lx->i = k;
        } else if ((c >= '0' && c <= '9') || (c == '.' && lx->i + 1 < lx->n &&
                                              lx->s[lx->i + 1] >= '0' && lx->s[lx->i + 1] <= '9')) {
            size_t k = lx->i;
            while (k < lx->n && (name_char(lx->s[k]) || lx->s[k] == '.' ||
                                 ((lx->s[k] == '+' || lx->s[k] == '-') &&
                                  strchr("eEpP", lx->s[k - 1]) != NULL))) {
                k++;
            }
            t.kind = T_NUMBER;
            t.len = (uint32_t)(k - lx->i);
            lx->i = k;
        } else if (c == '"' || c == '\'') {
            t.kind = T_STRING;
            size_t start = lx->i;
            if (!short_string(lx, &t)) {
                return;
            }
            t.len = (uint32_t)(lx->i - start);
        } else if (long_level(lx, lx->i) >= 0) {
            size_t start = lx->i, from, to;
            if (!skip_long(lx, long_level(lx, lx->i), &from, &to)) {
                return;
            }
            if (from < to && lx->s[from] == '\n') { /* a first newline is skipped */
                from++;
            }
            t.kind = T_STRING;
            t.len = (uint32_t)(lx->i - start);
            t.str = mc_malloc(to - from + 1);
            if (t.str == NULL) {
                lx->oom = true;
                return;
            }
            memcpy(t.str, lx->s + from, to - from);
            t.str[to - from] = '\0';
            t.slen = to - from;
        } else {
            size_t rest = lx->n - lx->i;
            if (rest >= 3 && memcmp(lx->s + lx->i, ops3[0], 3) == 0) {
                t.len = 3;
            } else {
                for (size_t k = 0; k < sizeof ops2 / sizeof ops2[0] && rest >= 2; k++) {
                    if (memcmp(lx->s + lx->i, ops2[k], 2) == 0) {
                        t.len = 2;
                    }
                }
            }
            lx->i += t.len;
        }
        push_tok(lx, t);
    }
    push_tok(lx, (tok){.kind = T_EOF, .off = (uint32_t)lx->n, .space = true});
}

/* ---- the walks ---- */

typedef struct local {
    const char *name;
    uint32_t len;
    bool dossier; /* the first parameter of a function: a rule's d */
} local;

enum { S_FUNC, S_BLOCK, S_REPEAT };

typedef struct scope {
    size_t base; /* locals[base..] are its own */
    int kind;
    bool await_do;   /* while/for: its `do` opens no other block */
    size_t brackets; /* S_FUNC: the bracket depth at its start */
} scope;

/* The sandbox (docs/language.md §12.5; rules.c's base_names and libraries). */
static const char *const sandbox[] = {
    "assert",       "error",        "ipairs",   "next",   "pairs",    "pcall",  "xpcall",
    "select",       "tonumber",     "tostring", "type",   "rawequal", "rawlen", "rawget",
    "getmetatable", "setmetatable", "_VERSION", "string", "table",    "math",   "utf8",
    "coroutine",    "registry",     "calendar", "fees",   "_ENV",
};

/* What Lua has and rules do not. */
static const char *const withheld[] = {
    "io",       "os",     "package",        "debug", "require", "load", "loadstring",
    "loadfile", "dofile", "collectgarbage", "print", "rawset",  "_G",
};

static bool in_list(const char *const *list, size_t n, const char *s, size_t len)
{
    for (size_t k = 0; k < n; k++) {
        if (strlen(list[k]) == len && memcmp(list[k], s, len) == 0) {
            return true;
        }
    }
    return false;
}

#define IN_LIST(list, s, len) in_list(list, sizeof list / sizeof list[0], s, len)

typedef struct walker {
    mc_rulecheck *rc;
    const char *text;
    mc_source *src;
    mc_diags *diags;
    tok *t;
    size_t nt;
    int pass;           /* 1: collect the module's globals; 2: check */
    const char *module; /* the module's name (module_len bytes), from its path */
    size_t module_len;
    bool used, used_known; /* a procedure names a rule of it: its names are the catalogue's */
    mc_map defined;        /* globals the module defines (keys in text) */
    bool *skip;            /* tokens already reported as part of a mistake */
    local *locals;
    size_t nlocals, lcap;
    scope *scopes;
    size_t nscopes, scap;
    char *brackets;
    size_t nbrackets, bcap;
    bool until_pending;
    int err; /* MC_ENOMEM once out of memory */
} walker;

static bool tok_is(const walker *w, const tok *t, tkind kind, const char *s)
{
    return t->kind == kind && t->len == strlen(s) && memcmp(w->text + t->off, s, t->len) == 0;
}

static bool op(const walker *w, size_t i, const char *s)
{
    return i < w->nt && tok_is(w, &w->t[i], T_OP, s);
}

static bool kw(const walker *w, size_t i, const char *s)
{
    return i < w->nt && tok_is(w, &w->t[i], T_KEYWORD, s);
}

static bool name_at(const walker *w, size_t i)
{
    return i < w->nt && w->t[i].kind == T_NAME;
}

static bool str_at(const walker *w, size_t i)
{
    return i < w->nt && w->t[i].kind == T_STRING;
}

static bool name_is(const walker *w, size_t i, const char *s)
{
    return i < w->nt && tok_is(w, &w->t[i], T_NAME, s);
}

/* Room in the array *items (any object pointer, by address; n held, *cap of room, size bytes
 * each) for one more, by grow.h's rule: true, or false with w->err set (MC_ENOMEM here). */
static bool room(walker *w, void *items, size_t *cap, size_t n, size_t size)
{
    if (mc_grow(items, cap, n + 1, size) != 0) {
        w->err = MC_ENOMEM;
    }
    return w->err == 0;
}

static void declare(walker *w, size_t i, bool dossier)
{
    if (room(w, &w->locals, &w->lcap, w->nlocals, sizeof *w->locals)) {
        w->locals[w->nlocals++] = (local){w->text + w->t[i].off, w->t[i].len, dossier};
    }
}

static void push_scope(walker *w, int kind, bool await_do)
{
    if (room(w, &w->scopes, &w->scap, w->nscopes, sizeof *w->scopes)) {
        w->scopes[w->nscopes++] = (scope){w->nlocals, kind, await_do, w->nbrackets};
    }
}

static void pop_scope(walker *w)
{
    if (w->nscopes == 0) {
        return;
    }
    scope *s = &w->scopes[--w->nscopes];
    w->nlocals = s->base;
    if (s->kind == S_FUNC && w->nbrackets > s->brackets) {
        w->nbrackets = s->brackets;
    }
}

static void push_bracket(walker *w, char c)
{
    if (room(w, &w->brackets, &w->bcap, w->nbrackets, 1)) {
        w->brackets[w->nbrackets++] = c;
    }
}

/* The innermost bracket of the current function ('\0': none). */
static char bracket(const walker *w)
{
    size_t floor = 0;
    for (size_t k = w->nscopes; k-- > 0;) {
        if (w->scopes[k].kind == S_FUNC) {
            floor = w->scopes[k].brackets;
            break;
        }
    }
    return w->nbrackets > floor ? w->brackets[w->nbrackets - 1] : '\0';
}

static const local *find_local(const walker *w, size_t i)
{
    const char *s = w->text + w->t[i].off;
    for (size_t k = w->nlocals; k-- > 0;) {
        if (w->locals[k].len == w->t[i].len && memcmp(w->locals[k].name, s, w->t[i].len) == 0) {
            return &w->locals[k];
        }
    }
    return NULL;
}

static void error_at(walker *w, size_t i, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Records the error fmt at token i (the second walk only). */
static void error_at(walker *w, size_t i, const char *fmt, ...)
{
    if (w->err != 0 || w->pass != 2) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    char *msg = mc_vformat(fmt, ap);
    va_end(ap);
    if (msg == NULL || mc_diags_add(w->diags, MC_DIAG_ERROR, w->src, w->t[i].off,
                                    w->t[i].len ? w->t[i].len : 1, "%s", msg) != 0) {
        w->err = MC_ENOMEM;
    }
    mc_free(msg);
}

/* Checks that name (a string constant or a name, at token i) is a kind the catalogue has. */
static void check_name(walker *w, size_t i, int kind, const char *name, size_t len)
{
    if (w->pass != 2 || w->err != 0) {
        return;
    }
    mc_rulecheck *rc = w->rc;
    int r = 0;
    const mc_map *known = names_of(rc, kind, &r);
    if (r != 0) {
        w->err = MC_ENOMEM;
        return;
    }
    if (mc_map_get(known, name, len) != NULL) {
        return;
    }
    if (!w->used_known) { /* asked on the first name not found: it may apply the reforms */
        if (module_used(rc, w->module, w->module_len, &w->used) != 0) {
            w->err = MC_ENOMEM;
            return;
        }
        w->used_known = true;
    }
    if (!w->used) { /* the names of a module no procedure uses belong to other catalogues */
        return;
    }
    if (add_reform_names(rc, kind) != 0) {
        w->err = MC_ENOMEM;
        return;
    }
    if (mc_map_get(&rc->names[kind], name, len) != NULL) {
        return;
    }
    char *word = mc_malloc(len + 1);
    if (word == NULL) {
        w->err = MC_ENOMEM;
        return;
    }
    memcpy(word, name, len);
    word[len] = '\0';
    mc_suggest s;
    mc_suggest_init(&s, word, len);
    const mc_map *m = &rc->names[kind];
    for (size_t k = 0; k < m->cap; k++) {
        if (m->slots[k].key != NULL) {
            mc_suggest_offer(&s, m->slots[k].key);
        }
    }
    if (s.best != NULL) {
        error_at(w, i, "unknown %s '%s' (did you mean '%s'?)", kind_names[kind], word, s.best);
    } else {
        error_at(w, i, "unknown %s '%s'", kind_names[kind], word);
    }
    mc_free(word);
}

/* Checks that string token i is one of a fixed list of values (what: "channel"). */
static void check_value(walker *w, size_t i, const char *what, const char *const *values, size_t n,
                        const char *hint)
{
    const tok *t = &w->t[i];
    if (w->pass != 2 || in_list(values, n, t->str, t->slen)) {
        return;
    }
    mc_suggest s;
    mc_suggest_init(&s, t->str, t->slen);
    for (size_t k = 0; k < n; k++) {
        mc_suggest_offer(&s, values[k]);
    }
    char *h = s.best != NULL ? mc_format("did you mean '%s'?", s.best) : NULL;
    if (s.best != NULL && h == NULL) {
        w->err = MC_ENOMEM;
    }
    error_at(w, i, "unknown %s '%s' (%s)", what, t->str, h != NULL ? h : hint);
    mc_free(h);
}

/* The string compared with the expression that ends at token `last` (which starts at `first`):
 * `EXPR == "S"` or `"S" == EXPR` (also ~=); its token index, or 0. */
static size_t compared(const walker *w, size_t first, size_t last)
{
    if ((op(w, last + 1, "==") || op(w, last + 1, "~=")) && str_at(w, last + 2)) {
        return last + 2;
    }
    if (first >= 2 && (op(w, first - 1, "==") || op(w, first - 1, "~=")) && str_at(w, first - 2)) {
        return first - 2;
    }
    return 0;
}

static const char *const channels[] = {"online", "counter", "post"};
static const char *const statuses[] = {"asked", "fetched", "provided", "waiting"};
static const char *const members[] = {"procedure", "version", "subject",   "state",  "channel",
                                      "submitted", "fields",  "documents", "parties"};

/* d.fields.a-b…: the error that says to write the brackets (tokens name_i to end). */
static void dashed(walker *w, size_t var_i, size_t name_i, size_t end, const char *list)
{
    mc_buf whole = MC_BUF_INIT, minus = MC_BUF_INIT;
    for (size_t k = name_i; k <= end; k += 2) {
        const char *sep = k == name_i ? "" : "-";
        mc_buf_printf(&whole, "%s%.*s", sep, (int)w->t[k].len, w->text + w->t[k].off);
        mc_buf_printf(&minus, "%s%.*s", k == name_i ? "" : " - ", (int)w->t[k].len,
                      w->text + w->t[k].off);
    }
    char *a = mc_buf_take(&whole), *b = mc_buf_take(&minus);
    if (a == NULL || b == NULL) {
        w->err = MC_ENOMEM;
    } else {
        size_t len = w->t[end].off + w->t[end].len - w->t[name_i].off;
        /* error_at underlines one token; this underlines the whole dashed name */
        int vl = (int)w->t[var_i].len;
        const char *v = w->text + w->t[var_i].off;
        char *msg = mc_format("%.*s.%s.%s reads as %.*s.%s.%s: write %.*s.%s[\"%s\"]", vl, v, list,
                              a, vl, v, list, b, vl, v, list, a);
        if (msg == NULL || (w->pass == 2 && mc_diags_add(w->diags, MC_DIAG_ERROR, w->src,
                                                         w->t[name_i].off, len, "%s", msg) != 0)) {
            w->err = MC_ENOMEM;
        }
        mc_free(msg);
    }
    for (size_t k = name_i; k <= end; k++) {
        w->skip[k] = true;
    }
    mc_free(a);
    mc_free(b);
}

/* A use of the dossier variable at token i. */
static void dossier_use(walker *w, size_t i)
{
    if (!op(w, i + 1, ".") || !name_at(w, i + 2)) {
        return;
    }
    const tok *m = &w->t[i + 2];
    const char *mname = w->text + m->off;
    if (!IN_LIST(members, mname, m->len)) {
        mc_suggest s;
        char *word = mc_format("%.*s", (int)m->len, mname);
        if (word == NULL) {
            w->err = MC_ENOMEM;
            return;
        }
        mc_suggest_init(&s, word, m->len);
        for (size_t k = 0; k < sizeof members / sizeof members[0]; k++) {
            mc_suggest_offer(&s, members[k]);
        }
        if (s.best != NULL) {
            error_at(w, i + 2, "the dossier has no '%s' (did you mean '%s'?)", word, s.best);
        } else {
            error_at(w, i + 2,
                     "the dossier has no '%s' (it has procedure, version, subject, state, "
                     "channel, submitted, fields, documents and parties)",
                     word);
        }
        mc_free(word);
        return;
    }
    int kind = tok_is(w, m, T_NAME, "fields")      ? K_FIELD
               : tok_is(w, m, T_NAME, "documents") ? K_DOCUMENT
               : tok_is(w, m, T_NAME, "parties")   ? K_PARTY
                                                   : -1;
    if (kind >= 0) {
        const char *list = kind == K_FIELD      ? "fields"
                           : kind == K_DOCUMENT ? "documents"
                                                : "parties";
        size_t last = 0;
        if (op(w, i + 3, "[") && str_at(w, i + 4) && op(w, i + 5, "]")) {
            check_name(w, i + 4, kind, w->t[i + 4].str, w->t[i + 4].slen);
            last = i + 5;
        } else if (op(w, i + 3, ".") && name_at(w, i + 4)) {
            size_t end = i + 4;
            while (op(w, end + 1, "-") && !w->t[end + 1].space && name_at(w, end + 2) &&
                   !w->t[end + 2].space) {
                end += 2;
            }
            if (end > i + 4) {
                dashed(w, i, i + 4, end, list);
                return;
            }
            check_name(w, i + 4, kind, w->text + w->t[i + 4].off, w->t[i + 4].len);
            last = i + 4;
        }
        size_t s = last != 0 && kind == K_DOCUMENT ? compared(w, i, last) : 0;
        if (s != 0) {
            check_value(w, s, "document status", statuses, 4,
                        "asked, fetched, provided or waiting");
        }
        return;
    }
    size_t s = compared(w, i, i + 2);
    if (s == 0) {
        return;
    }
    if (tok_is(w, m, T_NAME, "state")) {
        check_name(w, s, K_STATE, w->t[s].str, w->t[s].slen);
    } else if (tok_is(w, m, T_NAME, "procedure")) {
        check_name(w, s, K_PROCEDURE, w->t[s].str, w->t[s].slen);
    } else if (tok_is(w, m, T_NAME, "channel")) {
        check_value(w, s, "channel", channels, 3, "online, counter or post");
    }
}

/* A read of global name i (not a local, not assigned here). */
static void global_read(walker *w, size_t i)
{
    const tok *t = &w->t[i];
    const char *s = w->text + t->off;
    if (IN_LIST(sandbox, s, t->len)) {
        if (name_is(w, i, "registry") && op(w, i + 1, ".") && name_is(w, i + 2, "holds") &&
            op(w, i + 3, "(")) {
            if (str_at(w, i + 4)) {
                check_name(w, i + 4, K_REGISTRY, w->t[i + 4].str, w->t[i + 4].slen);
                if (op(w, i + 5, ",") && str_at(w, i + 6)) {
                    check_name(w, i + 6, K_DOCUMENT, w->t[i + 6].str, w->t[i + 6].slen);
                }
            }
        } else if (name_is(w, i, "fees") && op(w, i + 1, ".") && name_is(w, i + 2, "amount") &&
                   op(w, i + 3, "(") && str_at(w, i + 4)) {
            check_name(w, i + 4, K_SCHEDULE, w->t[i + 4].str, w->t[i + 4].slen);
        }
        return;
    }
    if (mc_map_get(&w->defined, s, t->len) != NULL) {
        return;
    }
    char *word = mc_format("%.*s", (int)t->len, s);
    if (word == NULL) {
        w->err = MC_ENOMEM;
        return;
    }
    if (IN_LIST(withheld, s, t->len)) {
        error_at(w, i, "'%s' is not available to rules (see the sandbox, docs/language.md 12.5)",
                 word);
        mc_free(word);
        return;
    }
    mc_suggest sg;
    mc_suggest_init(&sg, word, t->len);
    for (size_t k = 0; k < sizeof sandbox / sizeof sandbox[0]; k++) {
        mc_suggest_offer(&sg, sandbox[k]);
    }
    for (size_t k = 0; k < w->defined.cap; k++) {
        if (w->defined.slots[k].key != NULL) {
            char *d = mc_format("%.*s", (int)w->defined.slots[k].klen, w->defined.slots[k].key);
            if (d == NULL) {
                w->err = MC_ENOMEM;
                break;
            }
            mc_suggest_offer(&sg, d);
            if (sg.best == d) { /* keep what it points to */
                sg.best = w->defined.slots[k].key;
                mc_free(d);
                continue;
            }
            mc_free(d);
        }
    }
    char *best = NULL;
    bool want = t->len >= 3 && sg.best != NULL; /* 'n' is not a misspelt 'f' */
    if (want) {
        size_t n = 0; /* a key of defined runs on into the text after the name */
        while (name_char(sg.best[n])) {
            n++;
        }
        best = mc_format("%.*s", (int)n, sg.best);
    }
    for (size_t k = w->nlocals; k-- > 0 && !want && t->len >= 3;) { /* a local, misspelt */
        if (mc_edit_distance(word, t->len, w->locals[k].name, w->locals[k].len,
                             MC_SUGGEST_MAX_DISTANCE) <= MC_SUGGEST_MAX_DISTANCE) {
            best = mc_format("%.*s", (int)w->locals[k].len, w->locals[k].name);
            want = true;
        }
    }
    if (want && best == NULL) {
        w->err = MC_ENOMEM;
    }
    if (best != NULL) {
        error_at(w, i,
                 "unknown global '%s': neither the module nor the sandbox defines it (did you "
                 "mean '%s'?)",
                 word, best);
    } else {
        error_at(w, i, "unknown global '%s': neither the module nor the sandbox defines it", word);
    }
    mc_free(best);
    mc_free(word);
}

static void define(walker *w, size_t i)
{
    if (w->pass == 1 && mc_map_get(&w->defined, w->text + w->t[i].off, w->t[i].len) == NULL &&
        mc_map_put(&w->defined, w->text + w->t[i].off, w->t[i].len, w) != 0) {
        w->err = MC_ENOMEM;
    }
}

/* Declares the parameters of the function whose '(' is token i; returns the index of ')'. The
 * first is the dossier in a global function (a rule, or a helper rules call with d), and in
 * any function when it is called d. */
static size_t params(walker *w, size_t i, bool method, bool global)
{
    push_scope(w, S_FUNC, false);
    if (method) {
        /* self is a local, not the dossier */
        if (room(w, &w->locals, &w->lcap, w->nlocals, sizeof *w->locals)) {
            w->locals[w->nlocals++] = (local){"self", 4, false};
        }
    }
    if (!op(w, i, "(")) {
        return i - 1;
    }
    bool first = !method;
    size_t k = i + 1;
    for (; k < w->nt && !op(w, k, ")") && w->t[k].kind != T_EOF; k++) {
        if (name_at(w, k)) {
            declare(w, k, first && (global || name_is(w, k, "d")));
            first = false;
        }
    }
    return k;
}

/* Whether the names from token i on (NAME {, NAME}) are followed by '=': an assignment. */
static bool assignment(const walker *w, size_t i)
{
    size_t k = i + 1;
    while (op(w, k, ",") && name_at(w, k + 1)) {
        k += 2;
    }
    return op(w, k, "=");
}

static void walk(walker *w)
{
    for (size_t i = 0; i < w->nt && w->err == 0; i++) {
        const tok *t = &w->t[i];
        if (w->until_pending && (t->kind == T_KEYWORD || op(w, i, ";") || t->kind == T_EOF) &&
            !kw(w, i, "and") && !kw(w, i, "or") && !kw(w, i, "not") && !kw(w, i, "nil") &&
            !kw(w, i, "true") && !kw(w, i, "false") && !kw(w, i, "function")) {
            pop_scope(w);
            w->until_pending = false;
        }
        if (t->kind == T_KEYWORD) {
            if (kw(w, i, "function")) {
                bool method = false, global = false;
                size_t k = i + 1;
                if (name_at(w, k)) {
                    if (op(w, k + 1, ".") || op(w, k + 1, ":")) {
                        if (find_local(w, k) == NULL && w->pass == 2 && !w->skip[k]) {
                            global_read(w, k);
                        }
                        while ((op(w, k + 1, ".") || op(w, k + 1, ":")) && name_at(w, k + 2)) {
                            method |= op(w, k + 1, ":");
                            k += 2;
                        }
                    } else if (find_local(w, k) == NULL) {
                        define(w, k);
                        global = true;
                    }
                    k++;
                }
                i = params(w, k, method, global);
            } else if (kw(w, i, "local")) {
                if (kw(w, i + 1, "function") && name_at(w, i + 2)) {
                    declare(w, i + 2, false);
                    i = params(w, i + 3, false, false);
                    continue;
                }
                size_t k = i + 1;
                while (name_at(w, k)) {
                    declare(w, k, false);
                    k++;
                    if (op(w, k, "<") && name_at(w, k + 1) && op(w, k + 2, ">")) {
                        k += 3;
                    }
                    if (!op(w, k, ",")) {
                        break;
                    }
                    k++;
                }
                i = k - 1;
            } else if (kw(w, i, "for")) {
                push_scope(w, S_BLOCK, true);
                size_t k = i + 1;
                while (name_at(w, k)) {
                    declare(w, k, false);
                    k += op(w, k + 1, ",") ? 2 : 1;
                }
                i = k - 1;
            } else if (kw(w, i, "while")) {
                push_scope(w, S_BLOCK, true);
            } else if (kw(w, i, "do")) {
                if (w->nscopes > 0 && w->scopes[w->nscopes - 1].await_do) {
                    w->scopes[w->nscopes - 1].await_do = false;
                } else {
                    push_scope(w, S_BLOCK, false);
                }
            } else if (kw(w, i, "if")) {
                push_scope(w, S_BLOCK, false);
            } else if (kw(w, i, "elseif") || kw(w, i, "else")) {
                if (w->nscopes > 0) {
                    w->nlocals = w->scopes[w->nscopes - 1].base;
                }
            } else if (kw(w, i, "repeat")) {
                push_scope(w, S_REPEAT, false);
            } else if (kw(w, i, "until")) {
                w->until_pending = true;
            } else if (kw(w, i, "end")) {
                pop_scope(w);
            } else if (kw(w, i, "goto")) {
                i++;
            }
            continue;
        }
        if (t->kind == T_OP) {
            if (op(w, i, "::")) {
                i += 2;
            } else if (op(w, i, "(") || op(w, i, "[") || op(w, i, "{")) {
                push_bracket(w, w->text[t->off]);
            } else if ((op(w, i, ")") || op(w, i, "]") || op(w, i, "}")) && w->nbrackets > 0) {
                w->nbrackets--;
            }
            continue;
        }
        if (t->kind != T_NAME || w->skip[i]) {
            continue;
        }
        if (i > 0 && (op(w, i - 1, ".") || op(w, i - 1, ":"))) {
            continue; /* a field or a method, not a variable */
        }
        if (bracket(w) == '{' && op(w, i + 1, "=") &&
            (op(w, i - 1, "{") || op(w, i - 1, ",") || op(w, i - 1, ";"))) {
            continue; /* a key of a table constructor */
        }
        const local *l = find_local(w, i);
        if (l != NULL) {
            if (l->dossier && w->pass == 2) {
                dossier_use(w, i);
            }
            continue;
        }
        char b = bracket(w);
        if ((b == '\0') && assignment(w, i)) {
            define(w, i);
            continue;
        }
        if (w->pass == 2) {
            global_read(w, i);
        }
    }
}

int mc_rulecheck_buffer(mc_rulecheck *rc, const char *path, const char *text, size_t len,
                        mc_diags *diags, mc_error *err)
{
    lexer lx = {.s = text, .n = len};
    walker w;
    memset(&w, 0, sizeof w);
    int r = mc_source_new(&w.src, path, text, len, err);
    if (r != 0) {
        return r;
    }
    lex(&lx);
    if (lx.oom) {
        r = mc_error_set(err, MC_ENOMEM, "out of memory");
        goto done;
    }
    w.rc = rc;
    const char *base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
    size_t stem = strlen(base) > 4 && strcmp(base + strlen(base) - 4, ".lua") == 0
                      ? strlen(base) - 4
                      : strlen(base);
    w.module = base;
    w.module_len = stem;
    w.text = mc_source_text(w.src);
    w.diags = diags;
    w.t = lx.toks;
    w.nt = lx.ntoks;
    w.skip = mc_calloc(lx.ntoks + 1, sizeof *w.skip);
    if (w.skip == NULL) {
        r = mc_error_set(err, MC_ENOMEM, "out of memory");
        goto done;
    }
    for (w.pass = 1; w.pass <= 2 && w.err == 0; w.pass++) {
        w.nlocals = w.nscopes = w.nbrackets = 0;
        w.until_pending = false;
        walk(&w);
    }
    if (w.err != 0) {
        r = mc_error_set(err, MC_ENOMEM, "out of memory");
    }
done:
    for (size_t i = 0; i < lx.ntoks; i++) {
        mc_free(lx.toks[i].str);
    }
    mc_free(lx.toks);
    mc_free(w.skip);
    mc_free(w.locals);
    mc_free(w.scopes);
    mc_free(w.brackets);
    mc_map_free(&w.defined);
    mc_source_free(w.src);
    return r;
}

int mc_rulecheck_dir(mc_rulecheck *rc, const char *dir, mc_diags *diags, mc_error *err)
{
    mc_ptrvec paths = MC_PTRVEC_INIT;
    int r = mc_dir_walk(&paths, dir, ".lua", MC_DIR_MISSING_OK, err);
    for (size_t i = 0; i < paths.n && r == 0; i++) {
        mc_source *src;
        r = mc_source_read(&src, paths.items[i], err);
        if (r == 0) {
            r = mc_rulecheck_buffer(rc, paths.items[i], mc_source_text(src), mc_source_len(src),
                                    diags, err);
            mc_source_free(src);
        }
    }
    for (size_t i = 0; i < paths.n; i++) {
        mc_free(paths.items[i]);
    }
    mc_ptrvec_free(&paths);
    return r;
}
