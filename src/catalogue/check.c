/*
 * Checks that span more than one directive (SPEC §4.6): transition targets, one initial state,
 * a final state, reachability, duplicate state names, conditions against fields, and the
 * effective dates of a procedure's versions; and the once-only checks of `match` patterns
 * (§5.3): one that matches another document's title, one that gives up on long notes.
 */
#include "decl_int.h"
#include "decl_procedure.h"

#include "motcua/alloc.h"
#include "base/buf.h"
#include "base/regex.h"
#include "base/suggest.h"
#include "base/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t find_state(mc_state **states, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(states[i]->name, name) == 0) {
            return (uint32_t)i;
        }
    }
    return UINT32_MAX;
}

/* Machines are small; a generated one may not be. Past this many states, names go through a
 * map so that checks stay linear. */
enum { MAP_FROM = 32 };

static int index_states(mc_map *m, mc_state **states, size_t n)
{
    for (size_t i = n; i-- > 0;) { /* first declaration wins */
        if (mc_map_put(m, states[i]->name, strlen(states[i]->name), (void *)(i + 1)) != 0) {
            return MC_ENOMEM;
        }
    }
    return 0;
}

static uint32_t lookup_state(const mc_map *m, mc_state **states, size_t n, const char *name)
{
    if (m->cap == 0) {
        return find_state(states, n, name);
    }
    size_t v = (size_t)mc_map_get(m, name, strlen(name));
    return v ? (uint32_t)(v - 1) : UINT32_MAX;
}

static void unknown_state(mcb_builder *b, mc_pos pos, const char *name, mc_state **states, size_t n)
{
    mc_suggest s;
    mc_suggest_init(&s, name, strlen(name));
    for (size_t i = 0; i < n; i++) {
        mc_suggest_offer(&s, states[i]->name);
    }
    if (s.best != NULL) {
        mcb_report_at(b, MC_DIAG_ERROR, pos, strlen(name),
                      "unknown state '%s' (did you mean '%s'?)", name, s.best);
    } else {
        mcb_report_at(b, MC_DIAG_ERROR, pos, strlen(name), "unknown state '%s'", name);
    }
}

static void resolve_with(mcb_builder *b, const mc_map *m, mc_state *s, mc_state **states, size_t n)
{
    for (size_t k = 0; k < s->non; k++) {
        mc_transition *t = (mc_transition *)&s->on[k];
        t->target = lookup_state(m, states, n, t->target_name);
        if (t->target == UINT32_MAX) {
            unknown_state(b, t->target_pos, t->target_name, states, n);
        }
    }
    for (size_t k = 0; k < s->nafter; k++) {
        mc_timer *t = (mc_timer *)&s->after[k];
        t->target = lookup_state(m, states, n, t->target_name);
        if (t->target == UINT32_MAX) {
            unknown_state(b, t->target_pos, t->target_name, states, n);
        }
    }
}

void mcb_resolve_list(mcb_builder *b, mc_state **list, size_t nlist, mc_state **states, size_t n)
{
    mc_map m = MC_MAP_INIT;
    if (n > MAP_FROM && index_states(&m, states, n) != 0) {
        b->fatal = MC_ENOMEM;
    }
    for (size_t i = 0; i < nlist && !b->fatal; i++) {
        resolve_with(b, &m, list[i], states, n);
    }
    mc_map_free(&m);
}

void mcb_resolve_targets(mcb_builder *b, mc_state **states, size_t n, size_t from)
{
    if (from < n) { /* states is NULL when a lifecycle has none */
        mcb_resolve_list(b, states + from, n - from, states, n);
    }
}

void mcb_check_state_names(mcb_builder *b, mc_state **states, size_t n)
{
    mc_map m = MC_MAP_INIT;
    if (n > MAP_FROM && index_states(&m, states, n) != 0) {
        b->fatal = MC_ENOMEM;
        return;
    }
    for (size_t j = 1; j < n; j++) {
        uint32_t first = lookup_state(&m, states, j, states[j]->name);
        if (first != UINT32_MAX && first < j) {
            char where[300];
            mcb_where(b, states[first]->pos, where, sizeof where);
            mcb_report_at(b, MC_DIAG_ERROR, states[j]->pos, strlen(states[j]->name),
                          "duplicate state '%s' (first declared at %s)", states[j]->name, where);
        }
    }
    mc_map_free(&m);
}

/* Marks in seen[] the states reachable from m's initial state; false when out of memory. */
static bool reachable(const mc_machine *m, bool *seen)
{
    uint32_t *stack = mc_calloc(m->nstates, sizeof *stack);
    if (stack == NULL) {
        return false;
    }
    size_t top = 0;
    stack[top++] = m->initial;
    seen[m->initial] = true;
    while (top > 0) {
        const mc_state *s = m->states[stack[--top]];
        for (size_t k = 0; k < s->non + s->nafter; k++) {
            uint32_t to = k < s->non ? s->on[k].target : s->after[k - s->non].target;
            if (to < m->nstates && !seen[to]) {
                seen[to] = true;
                stack[top++] = to;
            }
        }
    }
    mc_free(stack);
    return true;
}

/* True when state s of the lifecycle base was already reported unreachable there. */
static bool unreachable_in_base(const mc_machine *base, const mc_state *s, const bool *base_seen)
{
    for (size_t i = 0; base != NULL && i < base->nstates; i++) {
        if (base->states[i] == s) {
            return !base_seen[i];
        }
    }
    return false;
}

static int cmp_state_name(const void *a, const void *c)
{
    return strcmp((*(const mc_state *const *)a)->name, (*(const mc_state *const *)c)->name);
}

/* True when a machine's whole-machine checks would only echo errors already reported: a state
 * lost a directive to an error, or two states share a name. */
static bool suspect(mcb_builder *b, const mc_machine *m)
{
    for (size_t i = 0; i < m->nstates; i++) {
        for (size_t k = 0; k < b->broken.n; k++) {
            if (b->broken.items[k] == m->states[i]) {
                return true;
            }
        }
    }
    const mc_state **sorted = mc_calloc(m->nstates ? m->nstates : 1, sizeof *sorted);
    if (sorted == NULL) {
        b->fatal = MC_ENOMEM;
        return true;
    }
    if (m->nstates > 0) {
        memcpy(sorted, m->states, m->nstates * sizeof *sorted);
    }
    qsort(sorted, m->nstates, sizeof *sorted, cmp_state_name);
    bool dup = false;
    for (size_t i = 1; i < m->nstates && !dup; i++) {
        dup = strcmp(sorted[i - 1]->name, sorted[i]->name) == 0;
    }
    mc_free(sorted);
    return dup;
}

void mcb_check_machine(mcb_builder *b, mc_machine *m, const mc_machine *base, const char *what,
                       mc_pos pos)
{
    bool echo = suspect(b, m);
    size_t ninitial = 0, nfinal = 0;
    const char *first_initial = NULL;
    m->initial = UINT32_MAX;
    for (size_t i = 0; i < m->nstates; i++) {
        const mc_state *s = m->states[i];
        nfinal += s->final;
        if (s->initial) {
            if (ninitial++ == 0) {
                m->initial = (uint32_t)i;
                first_initial = s->name;
            } else {
                mcb_report_at(b, MC_DIAG_ERROR, s->pos, strlen(s->name),
                              "second initial state '%s' in %s (the first is '%s')", s->name, what,
                              first_initial);
            }
        }
    }
    if (m->nstates == 0) {
        mcb_report_at(b, MC_DIAG_ERROR, pos, 1, "%s has no states", what);
        return;
    }
    if (echo) {
        return;
    }
    if (ninitial == 0) {
        mcb_report_at(b, MC_DIAG_ERROR, pos, 1,
                      "%s has no initial state (mark one state 'initial')", what);
    }
    if (nfinal == 0) {
        mcb_report_at(b, MC_DIAG_ERROR, pos, 1,
                      "%s has no final state (mark at least one state 'final')", what);
    }
    if (m->initial == UINT32_MAX || ninitial > 1) {
        return;
    }
    /* With a target already reported unknown, reachability would only repeat that error. */
    for (size_t i = 0; i < m->nstates; i++) {
        const mc_state *s = m->states[i];
        for (size_t k = 0; k < s->non + s->nafter; k++) {
            if ((k < s->non ? s->on[k].target : s->after[k - s->non].target) >= m->nstates) {
                return;
            }
        }
    }
    /* Reachability from the initial state, over transitions and timers. */
    bool *seen = mc_calloc(m->nstates, sizeof *seen);
    bool *base_seen = base ? mc_calloc(base->nstates + 1, sizeof *base_seen) : NULL;
    if (seen == NULL || (base != NULL && base_seen == NULL) || !reachable(m, seen) ||
        (base != NULL && base->initial < base->nstates && !reachable(base, base_seen))) {
        b->fatal = MC_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < m->nstates; i++) {
        const mc_state *s = m->states[i];
        if (!seen[i] && !unreachable_in_base(base, s, base_seen)) {
            mcb_warn_at(b, "unreachable-state", s->pos, strlen(s->name),
                        "state '%s' is unreachable from the initial state '%s' in %s", s->name,
                        first_initial, what);
        }
    }
done:
    mc_free(seen);
    mc_free(base_seen);
}

void mcb_check_cond(mcb_builder *b, const mc_cond *c, const mc_field *fields, size_t nfields,
                    const char *what)
{
    if (c->kind == MC_COND_ALWAYS || c->kind == MC_COND_RULE ||
        c->kind == MC_COND_DOCUMENTS_COMPLETE) {
        return;
    }
    size_t len = strlen(c->field);
    const mc_field *f = mc_field_find(fields, nfields, c->field);
    if (f == NULL) {
        mc_suggest s;
        mc_suggest_init(&s, c->field, len);
        for (size_t i = 0; i < nfields; i++) {
            mc_suggest_offer(&s, fields[i].name);
        }
        if (s.best != NULL) {
            mcb_report_at(b, MC_DIAG_ERROR, c->pos, len,
                          "unknown field '%s'%s%s (did you mean '%s'?)", c->field,
                          what ? " in " : "", what ? what : "", s.best);
        } else {
            mcb_report_at(b, MC_DIAG_ERROR, c->pos, len, "unknown field '%s'%s%s", c->field,
                          what ? " in " : "", what ? what : "");
        }
        return;
    }
    if ((c->kind == MC_COND_FIELD || c->kind == MC_COND_NOT) && f->type != MC_FIELD_BOOL) {
        mcb_report_at(b, MC_DIAG_ERROR, c->pos, len,
                      "field '%s' is %s, not bool: write 'when %s is VALUE'", c->field,
                      mc_field_type_name(f->type), c->field);
        return;
    }
    if (c->kind == MC_COND_IS) {
        if (f->type == MC_FIELD_CHOICE) {
            for (size_t i = 0; i < f->options.n; i++) {
                if (strcmp(f->options.items[i], c->value) == 0) {
                    return;
                }
            }
            mc_suggest s;
            mc_suggest_init(&s, c->value, strlen(c->value));
            for (size_t i = 0; i < f->options.n; i++) {
                mc_suggest_offer(&s, f->options.items[i]);
            }
            mcb_report_at(b, MC_DIAG_ERROR, c->value_pos, strlen(c->value),
                          "'%s' is not an option of field '%s'%s%s%s", c->value, c->field,
                          s.best ? " (did you mean '" : "", s.best ? s.best : "",
                          s.best ? "'?)" : "");
        } else if (f->type != MC_FIELD_TEXT) {
            mcb_report_at(b, MC_DIAG_ERROR, c->pos, len,
                          "'when %s is …' needs a choice or text field; '%s' is %s", c->field,
                          c->field, mc_field_type_name(f->type));
        }
    }
}

static int cmp_version(const void *a, const void *c)
{
    const mc_procedure *x = *(mc_procedure *const *)a, *y = *(mc_procedure *const *)c;
    if (x->has_effective != y->has_effective) {
        return x->has_effective ? 1 : -1;
    }
    if (x->has_effective && x->effective != y->effective) {
        return x->effective < y->effective ? -1 : 1;
    }
    /* Equal dates: keep declaration order (file, then offset) so reports are stable. */
    if (x->pos.file != y->pos.file) {
        return x->pos.file < y->pos.file ? -1 : 1;
    }
    return x->pos.off < y->pos.off ? -1 : (x->pos.off > y->pos.off);
}

void mcb_check_versions(mcb_builder *b)
{
    mc_map *m = &b->cat->version_map;
    for (size_t i = 0; i < m->cap; i++) {
        mcc_versions *v = m->slots[i].value;
        if (m->slots[i].key == NULL || v->n < 2) {
            continue;
        }
        qsort(v->items, v->n, sizeof *v->items, cmp_version);
        for (size_t k = 1; k < v->n; k++) {
            const mc_procedure *p = v->items[k - 1], *q = v->items[k];
            if (p->has_effective == q->has_effective &&
                (!p->has_effective || p->effective == q->effective)) {
                char where[300], date[11] = "";
                b->file = UINT32_MAX; /* always print the full location */
                mcb_where(b, p->pos, where, sizeof where);
                if (q->has_effective) {
                    mc_date_format(q->effective, date);
                }
                mcb_report_at(b, MC_DIAG_ERROR, q->pos, strlen(q->name),
                              "procedure '%s' has two versions %s%s (the other at %s); give "
                              "each version its own 'effective' date",
                              q->name,
                              q->has_effective ? "effective " : "without an effective date", date,
                              where);
            }
        }
    }
}

/* ==== procedures with the same official code ============================================ */

/* The token of the `code` directive of a procedure's declaration, or NULL. */
static const mc_token *code_token(const mc_node *decl)
{
    for (const mc_node *c = decl->child; c != NULL; c = c->next) {
        if (!c->broken && c->ntoks >= 2 && mc_tok_is(&c->toks[0], "code")) {
            return &c->toks[1];
        }
    }
    return NULL;
}

/* Whether a version of procedure name says `supersedes target`. */
static bool supersedes_name(const mc_catalogue *cat, const char *name, const char *target)
{
    const mcc_versions *v = mc_map_get(&cat->version_map, name, strlen(name));
    for (size_t i = 0; v != NULL && i < v->n; i++) {
        if (v->items[i]->supersedes != NULL && strcmp(v->items[i]->supersedes, target) == 0) {
            return true;
        }
    }
    return false;
}

void mcb_check_codes(mcb_builder *b)
{
    const mc_catalogue *cat = b->cat;
    mc_ptrvec warned = MC_PTRVEC_INIT; /* pairs of names, two items each */
    for (size_t j = 0; j < b->ndecls && !b->fatal; j++) {
        const mcb_decl *dq = &b->decls[j];
        const mc_procedure *q = dq->obj;
        if (dq->kind != MCB_K_PROCEDURE || dq->op == MCB_OP_DROPPED || dq->op == MCB_OP_EXTEND ||
            q->code == NULL) {
            continue;
        }
        for (size_t i = 0; i < j; i++) {
            const mcb_decl *dp = &b->decls[i];
            const mc_procedure *p = dp->obj;
            if (dp->kind != MCB_K_PROCEDURE || dp->op == MCB_OP_DROPPED ||
                dp->op == MCB_OP_EXTEND || p->code == NULL || strcmp(p->code, q->code) != 0 ||
                strcmp(p->name, q->name) == 0 || supersedes_name(cat, p->name, q->name) ||
                supersedes_name(cat, q->name, p->name)) {
                continue;
            }
            bool seen = false;
            for (size_t k = 0; k + 1 < warned.n && !seen; k += 2) {
                seen = (strcmp(warned.items[k], p->name) == 0 &&
                        strcmp(warned.items[k + 1], q->name) == 0) ||
                       (strcmp(warned.items[k], q->name) == 0 &&
                        strcmp(warned.items[k + 1], p->name) == 0);
            }
            if (seen) {
                continue;
            }
            if (mcb_push(b, &warned, (void *)p->name) != 0 ||
                mcb_push(b, &warned, (void *)q->name) != 0) {
                break;
            }
            const mc_token *tq = code_token(dq->node), *tp = code_token(dp->node);
            mc_pos at = tq != NULL ? (mc_pos){dq->file, tq->off} : q->pos;
            mc_pos other = tp != NULL ? (mc_pos){dp->file, tp->off} : p->pos;
            char where[300];
            b->file = dq->file;
            mcb_where(b, other, where, sizeof where);
            mcb_warn_at(b, "same-code", at, tq != NULL ? tq->len : strlen(q->name),
                        "procedures '%s' and '%s' have the same code \"%s\" (the other at %s), "
                        "so cost studies count it twice: write 'supersedes %s' in '%s', or "
                        "'supersedes %s' in '%s'",
                        q->name, p->name, q->code, where, p->name, q->name, q->name, p->name);
        }
    }
    mc_ptrvec_free(&warned);
}

/* ==== once-only warnings ================================================================= */

/* Notes are matched against `match` patterns under PCRE2's limits (regex.c); a pattern that
 * backtracks without bound exhausts them on a long enough note, and the note then cannot be
 * checked. Lint runs each pattern over a few adversarial notes — runs of one character, of
 * spaces, of a Vietnamese letter, of the pattern's own first word and of its literal text, each
 * alone or followed by a break and that literal text (so that PCRE2's required-character
 * shortcut does not end the search at once) — and warns at the first that gives up. Only
 * patterns with an unbounded or counted repeat can backtrack that far; the others (plain
 * alternatives of words, the usual case) are not probed, so loading stays fast. */
enum { PROBE_SHORT = 32, PROBE_MIDDLE = 256, PROBE_LONG = 8192, PROBE_TEXT = 64 };

static bool may_backtrack(const char *pattern, size_t len)
{
    return memchr(pattern, '*', len) || memchr(pattern, '+', len) || memchr(pattern, '{', len);
}

/* Copies the literal text of pattern p into literal (metacharacters, escapes such as \s and
 * flags such as (?i) dropped) and its first run of letters into first; both end on a whole
 * character. */
static void pattern_text(const char *p, size_t len, char *literal, char *first, size_t outsz)
{
    size_t n = 0, nf = 0;
    bool in_first = false, first_done = false;
    for (size_t i = 0; i < len && n + 1 < outsz; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\\') {
            i++; /* an escape: a class or a quoted metacharacter, not text */
            first_done |= in_first;
            continue;
        }
        if (c == '(' && i + 1 < len && p[i + 1] == '?') {
            i += 2;
            while (i < len &&
                   (((unsigned char)p[i] | 0x20) >= 'a' && ((unsigned char)p[i] | 0x20) <= 'z')) {
                i++; /* flags */
            }
            i--;
            first_done |= in_first;
            continue;
        }
        if (strchr("^$.|?*+()[]{}", c) != NULL) {
            first_done |= in_first;
            continue;
        }
        bool letter = ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c >= 0x80;
        literal[n++] = (char)c;
        if (letter && !first_done) {
            first[nf++] = (char)c;
            in_first = true;
        } else {
            first_done |= in_first;
        }
    }
    /* Never end inside a character: drop a cut multi-byte sequence. */
    while (n > 0 && ((unsigned char)literal[n - 1] & 0xC0) == 0x80) {
        n--;
    }
    if (n > 0 && (unsigned char)literal[n - 1] >= 0xC0) {
        n--;
    }
    literal[n] = '\0';
    nf = nf > n ? n : nf;
    first[nf] = '\0';
}

/* Builds unit repeated to chars characters, then tail. */
static void probe_text(mc_buf *buf, const char *unit, size_t chars, const char *tail)
{
    buf->len = 0;
    size_t per = mc_utf8_count(unit, strlen(unit));
    for (size_t k = 0; k < chars; k += per) {
        mc_buf_puts(buf, unit);
    }
    mc_buf_puts(buf, tail);
}

void mcb_check_match_probe(mcb_builder *b, const mc_token *t, const mc_regex *re)
{
    if (re == NULL || !may_backtrack(t->text, t->text_len)) {
        return;
    }
    char literal[PROBE_TEXT + 1], first[PROBE_TEXT + 1], spaced[PROBE_TEXT + 2],
        broken[PROBE_TEXT + 2];
    pattern_text(t->text, t->text_len, literal, first, sizeof literal);
    snprintf(spaced, sizeof spaced, "%s ", literal);
    snprintf(broken, sizeof broken, "!%s", literal);
    const char *units[] = {"a", " ", "ệ", "a ệ ", first, spaced};
    const char *tails[] = {"", broken};
    static const size_t lengths[] = {PROBE_SHORT, PROBE_MIDDLE, PROBE_LONG};
    mc_buf buf = MC_BUF_INIT;
    for (size_t l = 0; l < sizeof lengths / sizeof *lengths; l++) {
        for (size_t u = 0; u < sizeof units / sizeof *units; u++) {
            if (units[u][0] == '\0' || (units[u] == spaced && literal[0] == '\0')) {
                continue; /* a pattern without literal text */
            }
            for (size_t k = 0; k < sizeof tails / sizeof *tails; k++) {
                probe_text(&buf, units[u], lengths[l], tails[k]);
                if (buf.oom) {
                    b->fatal = MC_ENOMEM;
                    goto done;
                }
                char why[200];
                int m = mc_regex_match(re, buf.data, buf.len, NULL, NULL, why, sizeof why);
                if (m == MC_ENOMEM) {
                    b->fatal = MC_ENOMEM;
                    goto done;
                }
                if (m < 0) {
                    const char *reason =
                        strncmp(why, "pattern gave up: ", 17) == 0 ? why + 17 : why;
                    mcb_warn(b, "match-may-give-up", t,
                             "match pattern may give up on long notes (it exhausted the match "
                             "limit on a probe of %zu characters: %s)",
                             mc_utf8_count(buf.data, buf.len), reason);
                    goto done;
                }
            }
        }
    }
done:
    mc_buf_free(&buf);
}

/* ==== title matches ====================================================================== */

/* Whether one registry holds both documents, in the catalogue or under one of its reforms:
 * then they are the same data under two names (a catalogue generated from a resolution's list
 * beside the hand-written one), and a note naming either asks for what the registry holds. */
static bool held_together(const mc_catalogue *cat, const mc_document *x, const mc_document *y)
{
    mc_registry **regs = (mc_registry **)cat->registries.items;
    mc_reform **reforms = (mc_reform **)cat->reforms.items;
    for (size_t i = 0; i < cat->registries.n; i++) {
        bool hx = mc_registry_holds(regs[i], x), hy = mc_registry_holds(regs[i], y);
        if (hx && hy) {
            return true;
        }
        for (size_t k = 0; k < cat->reforms.n; k++) {
            for (size_t j = 0; j < reforms[k]->nregistries; j++) {
                const mcc_registry_patch *rp = &reforms[k]->registries[j];
                if (rp->target == regs[i] && (hx || mc_registry_holds(&rp->patch, x)) &&
                    (hy || mc_registry_holds(&rp->patch, y))) {
                    return true;
                }
            }
        }
    }
    return false;
}

/* Whether a state of some procedure (its lifecycle's included) or of a reform's procedure
 * issues d into r: a registry holds the results that feed it though no procedure requires them
 * (docs/language.md §15.4). */
static bool issued_into(const mc_catalogue *cat, const mc_registry *r, const mc_document *d)
{
    mc_procedure **procs = (mc_procedure **)cat->procedures.items;
    for (size_t i = 0; i < cat->procedures.n; i++) {
        const mc_machine *m = &procs[i]->machine;
        for (size_t k = 0; k < m->nstates; k++) {
            for (size_t j = 0; j < m->states[k]->nissues; j++) {
                const mc_issue *is = &m->states[k]->issues[j];
                if (is->registry == r && is->document == d) {
                    return true;
                }
            }
        }
    }
    mc_reform **reforms = (mc_reform **)cat->reforms.items;
    for (size_t i = 0; i < cat->reforms.n; i++) {
        for (size_t k = 0; k < reforms[i]->nprocedures; k++) {
            const mcc_procedure_patch *pp = &reforms[i]->procedures[k];
            for (size_t s = 0; s < pp->nstates; s++) {
                for (size_t j = 0; j < pp->states[s]->nissues; j++) {
                    const mc_issue *is = &pp->states[s]->issues[j];
                    if (is->registry == r && is->document == d) {
                        return true;
                    }
                }
            }
        }
    }
    return false;
}

const mc_token *mcb_decl_arg(const mcb_builder *b, int kind, const void *obj, const char *word,
                             uint32_t arg, uint32_t *file)
{
    for (size_t i = 0; i < b->ndecls; i++) {
        const mcb_decl *dc = &b->decls[i];
        if (dc->kind != kind || dc->op == MCB_OP_DROPPED || dc->obj != obj) {
            continue;
        }
        for (const mc_node *c = dc->node->child; c != NULL; c = c->next) {
            if (!c->broken && c->ntoks > arg && mc_tok_is(&c->toks[0], word)) {
                *file = dc->file;
                return &c->toks[arg];
            }
        }
    }
    return NULL;
}

/* The token naming d in a `holds` line of r's declaration, replacement or extension (the line to
 * change), with its file in *file; or NULL. */
static const mc_token *holds_token(const mcb_builder *b, const mc_registry *r, const mc_document *d,
                                   uint32_t *file)
{
    for (size_t i = 0; i < b->ndecls; i++) {
        const mcb_decl *dc = &b->decls[i];
        if (dc->kind != MCB_K_REGISTRY || dc->op == MCB_OP_DROPPED || dc->obj != r) {
            continue;
        }
        for (const mc_node *c = dc->node->child; c != NULL; c = c->next) {
            if (c->broken || c->ntoks < 2 || !mc_tok_is(&c->toks[0], "holds")) {
                continue;
            }
            for (uint32_t k = 1; k < c->ntoks; k++) {
                if (mc_tok_is(&c->toks[k], d->name)) {
                    *file = dc->file;
                    return &c->toks[k];
                }
            }
        }
    }
    return NULL;
}

void mcb_check_once_only(mcb_builder *b)
{
    mc_catalogue *cat = b->cat;
    mc_document **docs = (mc_document **)cat->documents.items;
    size_t ndocs = cat->documents.n;
    for (size_t i = 0; i < ndocs && !b->fatal; i++) {
        const mc_document *d = docs[i];
        if (d->match == NULL) {
            continue;
        }
        for (size_t k = 0; k < ndocs; k++) {
            const mc_document *o = docs[k];
            for (size_t t = 0; k != i && t < o->ntitles; t++) {
                const char *title = o->titles[t].text;
                char why[200];
                int m = mc_regex_match(d->match, title, strlen(title), NULL, NULL, why, sizeof why);
                if (m == MC_ENOMEM) {
                    b->fatal = MC_ENOMEM;
                    return;
                }
                if (m == 1 && !held_together(cat, d, o)) {
                    mc_pos at = d->pos; /* at the pattern: the line to change */
                    size_t len = strlen(d->name);
                    const mc_token *tm = mcb_decl_arg(b, MCB_K_DOCUMENT, d, "match", 1, &at.file);
                    if (tm != NULL) {
                        at.off = tm->off;
                        len = tm->len;
                    }
                    mcb_warn_at(b, "match-overlap", at, len,
                                "the match pattern of '%s' also matches the title of '%s' "
                                "(\"%s\"): a note naming '%s' would be taken for '%s'",
                                d->name, o->name, title, o->name, d->name);
                    t = o->ntitles; /* one warning per pair */
                }
            }
        }
    }
    /* Which documents some version of some procedure, or some reform, requires. */
    mc_map required = MC_MAP_INIT;
    mc_procedure **procs = (mc_procedure **)cat->procedures.items;
    for (size_t i = 0; i < cat->procedures.n && !b->fatal; i++) {
        for (size_t k = 0; k < procs[i]->nrequires; k++) {
            const char *name = procs[i]->requires[k].document->name;
            if (mc_map_put(&required, name, strlen(name), (void *)name) != 0) {
                b->fatal = MC_ENOMEM;
            }
        }
    }
    mc_reform **reforms = (mc_reform **)cat->reforms.items;
    for (size_t i = 0; i < cat->reforms.n && !b->fatal; i++) {
        for (size_t k = 0; k < reforms[i]->nprocedures; k++) {
            const mc_procedure *p = &reforms[i]->procedures[k].patch;
            for (size_t j = 0; j < p->nrequires; j++) {
                const char *name = p->requires[j].document->name;
                if (mc_map_put(&required, name, strlen(name), (void *)name) != 0) {
                    b->fatal = MC_ENOMEM;
                }
            }
        }
    }
    mc_registry **regs = (mc_registry **)cat->registries.items;
    for (size_t i = 0; i < cat->registries.n && !b->fatal; i++) {
        for (size_t k = 0; k < regs[i]->nholds; k++) {
            const mc_document *d = regs[i]->holds[k];
            if (mc_map_get(&required, d->name, strlen(d->name)) != NULL ||
                issued_into(cat, regs[i], d)) {
                continue;
            }
            mc_pos at = regs[i]->pos;
            size_t len = strlen(regs[i]->name);
            const mc_token *t = holds_token(b, regs[i], d, &at.file);
            if (t != NULL) {
                at.off = t->off;
                len = t->len;
            }
            if (cat->source_layers[at.file] + 1 < cat->nlayers) {
                continue; /* shared by a lower layer: its own lint says it */
            }
            mcb_warn_at(b, "held-not-required", at, len,
                        "registry '%s' holds '%s', which no procedure requires", regs[i]->name,
                        d->name);
        }
    }
    mc_map_free(&required);
}
