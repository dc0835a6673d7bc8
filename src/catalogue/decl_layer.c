/*
 * `extend KIND NAME { … }` in a later layer of a catalogue (docs/language.md §1.2): adds to a
 * lower layer's registry (`holds`), calendar (`holiday`, `workday`) or role (`title`) once that
 * declaration is built. The block is built as a declaration of its own with the kind's usual
 * handlers, then merged in; a directive that would change rather than add is an error that says
 * to `replace` the declaration instead. Pass 1 (build.c) has already checked that a lower layer
 * declares NAME.
 */
#include "decl_int.h"

#include "motcua/alloc.h"
#include "base/suggest.h"

#include <stdio.h>
#include <string.h>

/* What each kind's extension may hold, as written in messages. */
static const char *const registry_adds[] = {"holds", NULL};
static const char *const calendar_adds[] = {"holiday", "workday", NULL};
static const char *const role_adds[] = {"title", NULL};

/* Reports every directive of block that is not in adds; true when there was none. */
static bool only_additions(mcb_builder *b, const mc_node *block, const char *const *adds,
                           const char *kind, const char *name)
{
    bool ok = true;
    for (const mc_node *c = block; c != NULL; c = c->next) {
        if (c->broken || c->ntoks == 0 || c->toks[0].kind != MC_TOK_WORD) {
            continue;
        }
        bool found = false;
        mc_suggest s;
        mc_suggest_init(&s, c->toks[0].text, c->toks[0].text_len);
        char list[64] = "";
        for (const char *const *a = adds; *a != NULL; a++) {
            found |= mc_tok_is(&c->toks[0], *a);
            mc_suggest_offer(&s, *a);
            size_t used = strlen(list);
            snprintf(list + used, sizeof list - used, "%s%s",
                     used == 0 ? "" : (a[1] == NULL ? " and " : ", "), *a);
        }
        if (found) {
            continue;
        }
        int shown = c->toks[0].text_len > 64 ? 64 : (int)c->toks[0].text_len;
        if (s.best != NULL) {
            mcb_error(b, &c->toks[0],
                      "unknown directive '%.*s' of 'extend %s' (did you mean '%s'?)", shown,
                      c->toks[0].text, kind, s.best);
        } else {
            mcb_error(b, &c->toks[0],
                      "'extend %s' only adds %s; to change '%.*s' write: replace %s %s { … }", kind,
                      list, shown, c->toks[0].text, kind, name);
        }
        ok = false;
    }
    return ok;
}

/* ==== registry =========================================================================== */

static void extend_registry(mcb_builder *b, mc_registry *r, const mc_node *n)
{
    if (!only_additions(b, n->child, registry_adds, "registry", r->name)) {
        return;
    }
    /* A document the registry holds already: said at the token that names it again. */
    for (const mc_node *c = n->child; c != NULL; c = c->next) {
        for (uint32_t i = 1; !c->broken && i < c->ntoks; i++) {
            const mc_token *t = &c->toks[i];
            const mc_document *d = mc_map_get(&b->cat->document_map, t->text, t->text_len);
            if (t->kind == MC_TOK_WORD && d != NULL && mc_registry_holds(r, d)) {
                char where[300];
                mcb_where(b, r->pos, where, sizeof where);
                mcb_error(b, t, "registry '%s' already holds '%s' (declared at %s)", r->name,
                          d->name, where);
            }
        }
    }
    mc_registry add = {0};
    add.name = r->name;
    add.pos = r->pos;
    mcb_build_registry_block(b, &add, n);
    if (b->fatal) {
        return; /* add may be half built */
    }
    size_t nnew = 0;
    for (size_t i = 0; i < add.nholds; i++) {
        nnew += !mc_registry_holds(r, add.holds[i]);
    }
    if (nnew == 0) {
        return;
    }
    const mc_document **holds = mcb_array(b, r->nholds + nnew, sizeof *holds);
    if (holds == NULL) {
        return;
    }
    if (r->nholds > 0) {
        memcpy(holds, r->holds, r->nholds * sizeof *holds);
    }
    size_t k = r->nholds;
    for (size_t i = 0; i < add.nholds; i++) {
        mc_document *d = (mc_document *)add.holds[i];
        if (!mc_registry_holds(r, d)) {
            holds[k++] = d;
            d->registry = r; /* the registry building `add` left it alone: it is not in the map */
        }
    }
    r->holds = holds;
    r->nholds = k;
}

/* ==== calendar =========================================================================== */

/* The node of the i-th `name` directive of block, or NULL. Recurring holidays (`holiday every`,
 * `holiday lunar`) are not counted: the i-th holiday is the i-th dated one, as built. */
static const mc_node *nth(const mc_node *block, const char *name, size_t i)
{
    for (const mc_node *c = block; c != NULL; c = c->next) {
        bool recurring =
            c->ntoks > 1 && (mc_tok_is(&c->toks[1], "every") || mc_tok_is(&c->toks[1], "lunar"));
        if (c->ntoks > 0 && mc_tok_is(&c->toks[0], name) && !recurring && i-- == 0) {
            return c;
        }
    }
    return NULL;
}

static bool within(mc_date d, const mc_day_note *notes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (d >= notes[i].from && d <= notes[i].to) {
            return true;
        }
    }
    return false;
}

static void extend_calendar(mcb_builder *b, mc_calendar *c, const mc_node *n)
{
    if (!only_additions(b, n->child, calendar_adds, "calendar", c->name)) {
        return;
    }
    mc_calendar add = {0};
    add.name = c->name;
    add.pos = c->pos;
    /* The added days are checked against the years the lower layer's calendar covers. */
    add.first_year = c->first_year;
    add.last_year = c->last_year;
    size_t errors = mc_diags_errors(b->diags);
    mcb_build_calendar(b, &add, n);
    if (b->fatal || mc_diags_errors(b->diags) != errors) {
        return; /* the directives no longer line up with what was built */
    }
    /* The lower layer's days and the added ones must not say opposite things of a day. */
    bool clash = false;
    for (size_t i = 0; i < add.nworkdays; i++) {
        if (within(add.workdays[i].from, c->holidays, c->nholidays)) {
            char day[11];
            mc_date_format(add.workdays[i].from, day);
            mcb_error(b, &nth(n->child, "workday", i)->toks[1],
                      "%s is both a holiday and a working day in calendar '%s'", day, c->name);
            clash = true;
        }
    }
    for (size_t i = 0; i < add.nholidays; i++) {
        for (size_t k = 0; k < c->nworkdays; k++) {
            mc_date d = c->workdays[k].from;
            if (d >= add.holidays[i].from && d <= add.holidays[i].to) {
                char day[11];
                mc_date_format(d, day);
                mcb_error(b, &nth(n->child, "holiday", i)->toks[1],
                          "%s is both a holiday and a working day in calendar '%s'", day, c->name);
                clash = true;
            }
        }
    }
    if (clash) {
        return;
    }
    mc_day_note *h = mcb_array(b, c->nholidays + add.nholidays, sizeof *h);
    mc_day_note *w = mcb_array(b, c->nworkdays + add.nworkdays, sizeof *w);
    if (b->fatal) {
        return;
    }
    if (add.nholidays > 0) {
        if (c->nholidays > 0) {
            memcpy(h, c->holidays, c->nholidays * sizeof *h);
        }
        memcpy(h + c->nholidays, add.holidays, add.nholidays * sizeof *h);
        c->holidays = h;
        c->nholidays += add.nholidays;
    }
    if (add.nworkdays > 0) {
        if (c->nworkdays > 0) {
            memcpy(w, c->workdays, c->nworkdays * sizeof *w);
        }
        memcpy(w + c->nworkdays, add.workdays, add.nworkdays * sizeof *w);
        c->workdays = w;
        c->nworkdays += add.nworkdays;
    }
    if (add.nrecurring > 0) {
        mc_recurring *r = mcb_array(b, c->nrecurring + add.nrecurring, sizeof *r);
        if (r == NULL) {
            return;
        }
        if (c->nrecurring > 0) {
            memcpy(r, c->recurring, c->nrecurring * sizeof *r);
        }
        memcpy(r + c->nrecurring, add.recurring, add.nrecurring * sizeof *r);
        c->recurring = r;
        c->nrecurring += add.nrecurring;
    }
    if (add.nholidays > 0 || add.nworkdays > 0 || add.nrecurring > 0) {
        mcb_calendar_observe(b, c); /* the days off moved off weekends see the added holidays */
    }
}

/* ==== role =============================================================================== */

static bool same_lang(const char *a, const char *b)
{
    return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

static void extend_role(mcb_builder *b, mc_role *r, const mc_node *n)
{
    if (!only_additions(b, n->child, role_adds, "role", r->name)) {
        return;
    }
    mc_role add = {0};
    add.name = r->name;
    add.pos = r->pos;
    size_t errors = mc_diags_errors(b->diags);
    mcb_build_role(b, &add, n);
    if (b->fatal || mc_diags_errors(b->diags) != errors) {
        return;
    }
    for (size_t i = 0; i < add.ntitles; i++) {
        for (size_t k = 0; k < r->ntitles; k++) {
            if (same_lang(add.titles[i].lang, r->titles[k].lang)) {
                char where[300];
                mcb_where(b, r->pos, where, sizeof where);
                mcb_error(b, &nth(n->child, "title", i)->toks[0],
                          "role '%s' already has a title%s%s (declared at %s); to change it "
                          "write: replace role %s { … }",
                          r->name, add.titles[i].lang ? " in " : "",
                          add.titles[i].lang ? add.titles[i].lang : "", where, r->name);
                return;
            }
        }
    }
    mc_text *t = mcb_array(b, r->ntitles + add.ntitles, sizeof *t);
    if (t == NULL) {
        return;
    }
    if (r->ntitles > 0) {
        memcpy(t, r->titles, r->ntitles * sizeof *t);
    }
    memcpy(t + r->ntitles, add.titles, add.ntitles * sizeof *t);
    r->titles = t;
    r->ntitles += add.ntitles;
}

/* ==== pass 2 ============================================================================= */

void mcb_build_extend(mcb_builder *b, const mcb_decl *d)
{
    switch (d->kind) {
    case MCB_K_REGISTRY:
        extend_registry(b, d->obj, d->node);
        break;
    case MCB_K_CALENDAR:
        extend_calendar(b, d->obj, d->node);
        break;
    default:
        extend_role(b, d->obj, d->node);
        break;
    }
}
