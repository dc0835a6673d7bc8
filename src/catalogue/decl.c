/*
 * The builder's toolkit, which every declaration builder (decl_*.c) and check (check.c) uses:
 * diagnostics, allocation in the catalogue's arena, directive tables in the manner of nginx's
 * configuration modules (name, arguments, block, once, handler), the conversion of arguments
 * (names, strings, durations, dates, money, conditions, patterns), and titles. The two passes
 * that drive the builders are in build.c.
 */
#include "decl_int.h"

#include "motcua/alloc.h"
#include "base/regex.h"
#include "base/suggest.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ==== diagnostics ======================================================================== */

static int vreport(mcb_builder *b, mc_severity sev, const char *name, mc_source *src, size_t off,
                   size_t len, const char *fmt, va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 7, 0)))
#endif
    ;

static int vreport(mcb_builder *b, mc_severity sev, const char *name, mc_source *src, size_t off,
                   size_t len, const char *fmt, va_list ap)
{
    char msg[600];
    vsnprintf(msg, sizeof msg, fmt, ap);
    int rc = sev == MC_DIAG_WARNING ? mc_diags_warn(b->diags, name, src, off, len, "%s", msg)
                                    : mc_diags_add(b->diags, sev, src, off, len, "%s", msg);
    if (rc != 0) {
        b->fatal = MC_ENOMEM;
    }
    return -1;
}

int mcb_error(mcb_builder *b, const mc_token *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(b, MC_DIAG_ERROR, NULL, b->src, t->off, t->len, fmt, ap);
    va_end(ap);
    return -1;
}

int mcb_warn(mcb_builder *b, const char *name, const mc_token *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(b, MC_DIAG_WARNING, name, b->src, t->off, t->len, fmt, ap);
    va_end(ap);
    return -1;
}

int mcb_report_at(mcb_builder *b, mc_severity sev, mc_pos pos, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(b, sev, NULL, b->cat->sources[pos.file], pos.off, len, fmt, ap);
    va_end(ap);
    return -1;
}

int mcb_warn_at(mcb_builder *b, const char *name, mc_pos pos, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(b, MC_DIAG_WARNING, name, b->cat->sources[pos.file], pos.off, len, fmt, ap);
    va_end(ap);
    return -1;
}

void mcb_where(mcb_builder *b, mc_pos pos, char *out, size_t outsz)
{
    uint32_t line, col;
    const mc_source *src = b->cat->sources[pos.file];
    mc_source_position(src, pos.off, &line, &col);
    if (pos.file == b->file) {
        snprintf(out, outsz, "line %u", (unsigned)line);
    } else {
        snprintf(out, outsz, "%s:%u:%u", mc_source_path(src), (unsigned)line, (unsigned)col);
    }
}

void mcb_layer_of(mcb_builder *b, mc_pos pos, char *out, size_t outsz)
{
    const mc_catalogue *cat = b->cat;
    out[0] = '\0';
    if (cat->nlayers > 1 && pos.file < cat->nsources && cat->source_layers[pos.file] != b->layer) {
        snprintf(out, outsz, "in layer '%s' ", cat->layer_names[cat->source_layers[pos.file]]);
    }
}

mc_pos mcb_pos(const mcb_builder *b, const mc_token *t)
{
    mc_pos p = {b->file, t->off};
    return p;
}

/* ==== allocation ========================================================================= */

void *mcb_alloc(mcb_builder *b, size_t size)
{
    void *p = mc_arena_alloc(&b->cat->arena, size);
    if (p == NULL) {
        b->fatal = MC_ENOMEM;
    }
    return p;
}

void *mcb_array(mcb_builder *b, size_t n, size_t elem)
{
    if (n == 0) {
        return NULL;
    }
    if (n > SIZE_MAX / elem) {
        b->fatal = MC_ENOMEM;
        return NULL;
    }
    return mcb_alloc(b, n * elem);
}

char *mcb_strndup(mcb_builder *b, const char *s, size_t n)
{
    char *p = mc_arena_strndup(&b->cat->arena, s, n);
    if (p == NULL) {
        b->fatal = MC_ENOMEM;
    }
    return p;
}

char *mcb_tokdup(mcb_builder *b, const mc_token *t)
{
    return mcb_strndup(b, t->text, t->text_len);
}

int mcb_push(mcb_builder *b, mc_ptrvec *v, void *p)
{
    if (mc_ptrvec_push(v, p) != 0) {
        b->fatal = MC_ENOMEM;
        return -1;
    }
    return 0;
}

/* Copies a vector of pointers into the arena as a const array. */
void *mcb_freeze(mcb_builder *b, const mc_ptrvec *v)
{
    void **arr = mcb_array(b, v->n, sizeof *arr);
    if (arr != NULL) {
        memcpy(arr, v->items, v->n * sizeof *arr);
    }
    return arr;
}

/* ==== tables ============================================================================= */

static void suggest_from_table(mc_suggest *s, const mcb_directive *table, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        mc_suggest_offer(s, table[i].name);
    }
}

int mcb_lookup(mcb_builder *b, const mc_node *n, const mcb_directive *table, size_t ntable,
               const char *ctx)
{
    const mc_token *t = &n->toks[0];
    for (size_t i = 0; i < ntable; i++) {
        if (mc_tok_is(t, table[i].name)) {
            return (int)i;
        }
    }
    mc_suggest s;
    mc_suggest_init(&s, t->text, t->text_len);
    suggest_from_table(&s, table, ntable);
    int shown = t->text_len > 64 ? 64 : (int)t->text_len;
    if (s.best != NULL) {
        mcb_error(b, t, "unknown %s '%.*s' (did you mean '%s'?)", ctx, shown, t->text, s.best);
    } else {
        mcb_error(b, t, "unknown %s '%.*s'", ctx, shown, t->text);
    }
    return -1;
}

int mcb_check_shape(mcb_builder *b, const mc_node *n, const mcb_directive *d)
{
    size_t nargs = n->ntoks - 1;
    if (nargs < d->min || (d->max != MCB_ANY && nargs > d->max)) {
        const mc_token *at = nargs < d->min ? &n->toks[0] : &n->toks[1 + d->max];
        return mcb_error(b, at, "wrong number of arguments to '%s' (write: %s%s%s)", d->name,
                         d->name, d->usage[0] ? " " : "", d->usage);
    }
    if (d->block == MCB_NO_BLOCK && n->has_block) {
        mc_token brace = {MC_TOK_LBRACE, n->lbrace, 1, NULL, 0};
        return mcb_error(b, &brace, "'%s' does not take a block", d->name);
    }
    if (d->block == MCB_NEED_BLOCK && !n->has_block) {
        return mcb_error(b, &n->toks[0], "'%s' needs a block (write: %s%s%s { … })", d->name,
                         d->name, d->usage[0] ? " " : "", d->usage);
    }
    return 0;
}

uint64_t mcb_run(mcb_builder *b, const mc_node *first, const mcb_directive *table, size_t ntable,
                 const char *ctx, void *obj)
{
    uint32_t seen[64] = {0}; /* offset + 1 of the first occurrence of a `once` directive */
    uint64_t mask = 0;
    for (const mc_node *n = first; n != NULL && !b->fatal; n = n->next) {
        if (n->broken || n->ntoks == 0 || n->toks[0].kind != MC_TOK_WORD) {
            continue;
        }
        int i = mcb_lookup(b, n, table, ntable, ctx);
        if (i < 0 || mcb_check_shape(b, n, &table[i]) != 0) {
            continue;
        }
        if (table[i].once && i < 64) {
            if (seen[i] != 0) {
                mc_pos first_pos = {b->file, seen[i] - 1};
                char where[300];
                mcb_where(b, first_pos, where, sizeof where);
                mcb_error(b, &n->toks[0], "'%s' given twice (first at %s)", table[i].name, where);
                continue;
            }
            seen[i] = n->toks[0].off + 1;
        }
        if (i < 64) {
            mask |= UINT64_C(1) << i;
        }
        table[i].fn(b, n, obj);
    }
    return mask;
}

size_t mcb_count(const mc_node *first, const char *name)
{
    size_t k = 0;
    for (const mc_node *n = first; n != NULL; n = n->next) {
        if (!n->broken && n->ntoks > 0 && mc_tok_is(&n->toks[0], name)) {
            k++;
        }
    }
    return k;
}

/* ==== arguments ========================================================================== */

int mcb_name(mcb_builder *b, const mc_token *t, const char **out)
{
    char msg[200];
    if (t->kind != MC_TOK_WORD) {
        return mcb_error(b, t, "expected a name, not a quoted string");
    }
    if (mc_value_name(t->text, t->text_len, msg, sizeof msg) != 0) {
        return mcb_error(b, t, "%s", msg);
    }
    *out = mcb_tokdup(b, t);
    return *out ? 0 : -1;
}

int mcb_string(mcb_builder *b, const mc_token *t, const char *what, const char **out)
{
    if (t->kind != MC_TOK_STRING) {
        return mcb_error(b, t, "%s must be a quoted string", what);
    }
    *out = mcb_strndup(b, t->text, t->text_len);
    return *out ? 0 : -1;
}

/* A value word: the token must be a word, and conv turns its text into the value. */
#define WORD_VALUE(b, t, call)                                                                     \
    do {                                                                                           \
        char msg_[200];                                                                            \
        if ((t)->kind != MC_TOK_WORD) {                                                            \
            return mcb_error(b, t, "expected a value, not a quoted string");                       \
        }                                                                                          \
        if ((call) != 0) {                                                                         \
            return mcb_error(b, t, "%s", msg_);                                                    \
        }                                                                                          \
        return 0;                                                                                  \
    } while (0)

int mcb_duration(mcb_builder *b, const mc_token *t, bool whole, mc_duration *out)
{
    WORD_VALUE(b, t, mc_value_duration(t->text, t->text_len, whole, out, msg_, sizeof msg_));
}

int mcb_date(mcb_builder *b, const mc_token *t, mc_date *out)
{
    WORD_VALUE(b, t, mc_value_date(t->text, t->text_len, out, msg_, sizeof msg_));
}

int mcb_percent(mcb_builder *b, const mc_token *t, mc_fixed *out)
{
    WORD_VALUE(b, t, mc_value_percent(t->text, t->text_len, out, msg_, sizeof msg_));
}

int mcb_number(mcb_builder *b, const mc_token *t, mc_fixed *out)
{
    WORD_VALUE(b, t, mc_value_number(t->text, t->text_len, out, msg_, sizeof msg_));
}

int mcb_integer(mcb_builder *b, const mc_token *t, int64_t *out)
{
    WORD_VALUE(b, t, mc_value_integer(t->text, t->text_len, out, msg_, sizeof msg_));
}

int mcb_bool(mcb_builder *b, const mc_token *t, bool *out)
{
    WORD_VALUE(b, t, mc_value_bool(t->text, t->text_len, out, msg_, sizeof msg_));
}

int mcb_time(mcb_builder *b, const mc_token *t, bool allow_24, int *out)
{
    WORD_VALUE(b, t, mc_value_time(t->text, t->text_len, allow_24, out, msg_, sizeof msg_));
}

int mcb_money(mcb_builder *b, const mc_token *amount, const mc_token *cur, mc_money *out)
{
    char msg[200];
    if (amount->kind != MC_TOK_WORD || cur->kind != MC_TOK_WORD) {
        return mcb_error(b, amount->kind != MC_TOK_WORD ? amount : cur,
                         "expected an amount and a currency, like 50000 VND");
    }
    if (mc_value_integer(amount->text, amount->text_len, &out->amount, msg, sizeof msg) != 0) {
        return mcb_error(b, amount, "invalid amount of money '%.*s' (a whole number, like 50000)",
                         (int)(amount->text_len > 40 ? 40 : amount->text_len), amount->text);
    }
    if (out->amount < 0) {
        return mcb_error(b, amount, "amount of money must not be negative");
    }
    if (mc_value_currency(cur->text, cur->text_len, out->currency, msg, sizeof msg) != 0) {
        return mcb_error(b, cur, "%s", msg);
    }
    return 0;
}

int mcb_titles(mcb_builder *b, const mc_node *n, mc_text *out)
{
    /* title [LANG] "text" */
    const mc_token *last = &n->toks[n->ntoks - 1];
    out->lang = NULL;
    if (n->ntoks == 3) {
        const mc_token *lang = &n->toks[1];
        if (lang->kind != MC_TOK_WORD || lang->text_len != 2 || lang->text[0] < 'a' ||
            lang->text[0] > 'z' || lang->text[1] < 'a' || lang->text[1] > 'z') {
            return mcb_error(b, lang, "invalid language tag (two lower-case letters, like vi)");
        }
        out->lang = mcb_tokdup(b, lang);
    }
    return mcb_string(b, last, "a title", &out->text);
}

/* Resolves a name token against a map, with a suggestion drawn from the map's keys. */
void *mcb_resolve(mcb_builder *b, const mc_token *t, const mc_map *map, const char *kind)
{
    if (t->kind != MC_TOK_WORD) {
        mcb_error(b, t, "expected the name of a %s, not a quoted string", kind);
        return NULL;
    }
    void *v = mc_map_get(map, t->text, t->text_len);
    if (v != NULL) {
        return v;
    }
    mcb_unknown(b, t, map, kind);
    return NULL;
}

void mcb_unknown(mcb_builder *b, const mc_token *t, const mc_map *map, const char *kind)
{
    mc_suggest s;
    mc_suggest_init(&s, t->text, t->text_len);
    for (size_t i = 0; i < map->cap; i++) {
        if (map->slots[i].key != NULL) {
            mc_suggest_offer(&s, map->slots[i].key);
        }
    }
    int shown = t->text_len > 64 ? 64 : (int)t->text_len;
    if (s.best != NULL) {
        mcb_error(b, t, "unknown %s '%.*s' (did you mean '%s'?)", kind, shown, t->text, s.best);
    } else {
        mcb_error(b, t, "unknown %s '%.*s'", kind, shown, t->text);
    }
}

int mcb_rule(mcb_builder *b, const mc_token *t, mc_rule_ref *out)
{
    char msg[200];
    size_t modlen;
    if (t->kind != MC_TOK_WORD) {
        return mcb_error(b, t, "expected a rule reference MODULE.FUNCTION, not a string");
    }
    if (mc_value_rule_ref(t->text, t->text_len, &modlen, msg, sizeof msg) != 0) {
        return mcb_error(b, t, "%s", msg);
    }
    out->module = mcb_strndup(b, t->text, modlen);
    out->function = mcb_strndup(b, t->text + modlen + 1, t->text_len - modlen - 1);
    out->pos = mcb_pos(b, t);
    if (out->module == NULL || out->function == NULL) {
        return -1;
    }
    if (b->rules == NULL) {
        return 0;
    }
    size_t n;
    const char *const *names;
    mc_token part = *t;
    const char *kind;
    mc_suggest s;
    if (b->rules->failed(b->rules->ud, out->module)) {
        return 0; /* its load error is reported: say nothing more */
    }
    if (!b->rules->has_module(b->rules->ud, out->module)) {
        names = b->rules->modules(b->rules->ud, &n);
        mc_suggest_init(&s, out->module, modlen);
        part.len = (uint32_t)modlen;
        kind = "rule module";
    } else if (!b->rules->has(b->rules->ud, out->module, out->function)) {
        names = b->rules->functions(b->rules->ud, out->module, &n);
        mc_suggest_init(&s, out->function, strlen(out->function));
        part.off += (uint32_t)modlen + 1;
        part.len -= (uint32_t)modlen + 1;
        kind = "rule function";
    } else {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        mc_suggest_offer(&s, names[i]);
    }
    char hint[200] = "";
    if (s.best != NULL) {
        snprintf(hint, sizeof hint, "did you mean '%s'?", s.best);
    }
    if (part.off == t->off) {
        return mcb_error(b, &part, "unknown %s '%s' (no rules/%s.lua%s%s)", kind, out->module,
                         out->module, s.best ? "; " : "", hint);
    }
    return mcb_error(b, &part, "unknown %s '%s' in module '%s'%s%s%s", kind, out->function,
                     out->module, s.best ? " (" : "", hint, s.best ? ")" : "");
    return 0;
}

int mcb_cond(mcb_builder *b, const mc_node *n, size_t *i, mc_cond *out)
{
    /* At toks[*i], just after `when`. */
    const mc_token *t = n->toks;
    size_t k = *i;
    memset(out, 0, sizeof *out);
    if (k >= n->ntoks) {
        return mcb_error(b, &t[k - 1],
                         "'when' needs a condition (FIELD, not FIELD, FIELD is VALUE, documents "
                         "complete or rule MODULE.FUNCTION)");
    }
    if (mc_tok_is(&t[k], "documents") && k + 1 < n->ntoks && mc_tok_is(&t[k + 1], "complete")) {
        out->kind = MC_COND_DOCUMENTS_COMPLETE;
        out->pos = mcb_pos(b, &t[k]);
        *i = k + 2;
        return 0;
    }
    if (mc_tok_is(&t[k], "rule")) {
        if (k + 1 >= n->ntoks) {
            return mcb_error(b, &t[k], "'rule' needs a rule reference MODULE.FUNCTION");
        }
        out->kind = MC_COND_RULE;
        out->pos = mcb_pos(b, &t[k + 1]);
        *i = k + 2;
        return mcb_rule(b, &t[k + 1], &out->rule);
    }
    out->kind = MC_COND_FIELD;
    if (mc_tok_is(&t[k], "not")) {
        if (k + 1 >= n->ntoks) {
            return mcb_error(b, &t[k], "'not' needs a field name");
        }
        out->kind = MC_COND_NOT;
        k++;
    }
    out->pos = mcb_pos(b, &t[k]);
    if (mcb_name(b, &t[k], &out->field) != 0) {
        return -1;
    }
    k++;
    if (out->kind == MC_COND_FIELD && k < n->ntoks && mc_tok_is(&t[k], "is")) {
        if (k + 1 >= n->ntoks) {
            return mcb_error(b, &t[k], "'is' needs a value");
        }
        out->kind = MC_COND_IS;
        out->value = mcb_tokdup(b, &t[k + 1]);
        out->value_pos = mcb_pos(b, &t[k + 1]);
        k += 2;
    }
    *i = k;
    return 0;
}

bool mcb_cond_equal(const mc_cond *a, const mc_cond *b)
{
    if (a->kind != b->kind) {
        return false;
    }
    switch (a->kind) {
    case MC_COND_ALWAYS:
    case MC_COND_DOCUMENTS_COMPLETE:
        return true;
    case MC_COND_FIELD:
    case MC_COND_NOT:
        return strcmp(a->field, b->field) == 0;
    case MC_COND_IS:
        return strcmp(a->field, b->field) == 0 && strcmp(a->value, b->value) == 0;
    case MC_COND_RULE:
        return strcmp(a->rule.module, b->rule.module) == 0 &&
               strcmp(a->rule.function, b->rule.function) == 0;
    }
    return false;
}

/* ==== titles ============================================================================= */

int mcb_add_title(mcb_builder *b, const mc_node *n, mcb_titled *t)
{
    mc_text text;
    if (mcb_titles(b, n, &text) != 0) {
        return -1;
    }
    for (size_t i = 0; i < t->n; i++) {
        const char *a = t->titles[i].lang, *c = text.lang;
        if ((a == NULL && c == NULL) || (a != NULL && c != NULL && strcmp(a, c) == 0)) {
            char where[300];
            mcb_where(b, t->pos[i], where, sizeof where);
            if (c == NULL) {
                return mcb_error(b, &n->toks[0], "a second title without a language (first at %s)",
                                 where);
            }
            return mcb_error(b, &n->toks[0], "a second '%s' title (first at %s)", c, where);
        }
    }
    t->pos[t->n] = mcb_pos(b, &n->toks[0]);
    t->titles[t->n++] = text;
    return 0;
}

bool mcb_prepare_titles(mcb_builder *b, mcb_titled *t, const mc_node *block)
{
    size_t k = mcb_count(block, "title");
    t->n = 0;
    t->titles = mcb_array(b, k, sizeof *t->titles);
    t->pos = mcb_array(b, k, sizeof *t->pos);
    return k == 0 || (t->titles != NULL && t->pos != NULL);
}

int mcb_title_handler(mcb_builder *b, const mc_node *n, void *obj)
{
    return mcb_add_title(b, n, obj);
}

const mc_regex *mcb_regex(mcb_builder *b, const mc_token *t, bool whole)
{
    mc_map *cache = &b->regex_cache[whole ? 1 : 0];
    mc_regex *re = mc_map_get(cache, t->text, t->text_len);
    if (re != NULL) {
        return re;
    }
    char msg[300];
    size_t erroff;
    int rc = mc_regex_compile(&re, t->text, t->text_len, whole, msg, sizeof msg, &erroff);
    if (rc == MC_ENOMEM) {
        b->fatal = MC_ENOMEM;
        return NULL;
    }
    if (rc != 0) {
        /* Point at the offending character in the source, escapes counted. */
        mc_token at = *t;
        at.len = 1;
        if (erroff <= t->text_len) {
            at.off = mc_tok_source_offset(b->src, t, erroff);
        }
        mcb_error(b, &at, "invalid pattern: %s", msg);
        return NULL;
    }
    const char *key = mcb_tokdup(b, t);
    if (key == NULL || mc_ptrvec_push(&b->cat->regexes, re) != 0) {
        mc_regex_free(re);
        b->fatal = MC_ENOMEM;
        return NULL;
    }
    if (mc_map_put(cache, key, t->text_len, re) != 0) {
        b->fatal = MC_ENOMEM;
    }
    return re;
}
