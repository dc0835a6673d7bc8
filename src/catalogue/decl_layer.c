/*
 * `extend KIND NAME { … }` in a later layer of a catalogue (docs/language.md §1.2): adds to a
 * lower layer's registry (`holds`), calendar (`holiday`, `workday`) or role (`title`) once that
 * declaration is built. The block is built as a declaration of its own with the kind's usual
 * handlers, then merged in; a directive that would change rather than add is an error that says
 * to `replace` the declaration instead. Pass 1 (build.c) has already checked that a lower layer
 * declares NAME. A lifecycle's and a procedure's simulation figures (`takes`, `chance`, a
 * procedure's `volume`: estimates, not law, such as `simulate --calibrate-from` writes) may be
 * set over too; the states so changed are copies, so that another procedure sharing a
 * lifecycle's state keeps its figures.
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

/* Reports every directive of block that is not in adds; true when there was none. in: where
 * the block is, for messages ("" for the extension's own block, else e.g. "a state of "). */
static bool only_additions_in(mcb_builder *b, const mc_node *block, const char *const *adds,
                              const char *kind, const char *name, const char *in)
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
                      "unknown directive '%.*s' of %s'extend %s' (did you mean '%s'?)", shown,
                      c->toks[0].text, in, kind, s.best);
        } else {
            mcb_error(b, &c->toks[0],
                      "%s'extend %s' only %s %s; to change '%.*s' write: replace %s %s { … }", in,
                      kind, in[0] ? "sets" : "adds", list, shown, c->toks[0].text, kind, name);
        }
        ok = false;
    }
    return ok;
}

static bool only_additions(mcb_builder *b, const mc_node *block, const char *const *adds,
                           const char *kind, const char *name)
{
    return only_additions_in(b, block, adds, kind, name, "");
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

/* ==== simulation figures of a lifecycle or a procedure ==================================== */

static const char *const lifecycle_adds[] = {"state", NULL};
static const char *const procedure_adds[] = {"volume", "state", NULL};
static const char *const state_adds[] = {"takes", "on", NULL};

/* The index of state name (token t) in m, or reports it and returns SIZE_MAX. */
static size_t figure_state(mcb_builder *b, const mc_machine *m, const mc_token *t, const char *what)
{
    mc_suggest s;
    mc_suggest_init(&s, t->text, t->text_len);
    for (size_t i = 0; i < m->nstates; i++) {
        if (mc_tok_is(t, m->states[i]->name)) {
            return i;
        }
        mc_suggest_offer(&s, m->states[i]->name);
    }
    int shown = t->text_len > 64 ? 64 : (int)t->text_len;
    if (s.best != NULL) {
        mcb_error(b, t, "%s has no state '%.*s' (did you mean '%s'?)", what, shown, t->text,
                  s.best);
    } else {
        mcb_error(b, t, "%s has no state '%.*s'", what, shown, t->text);
    }
    return SIZE_MAX;
}

/* `takes MIN [MAX]` of an extension into *st (as a state's own `takes`). */
static int figure_takes(mcb_builder *b, const mc_node *c, mc_state *st)
{
    if (c->ntoks < 2 || c->ntoks > 3) {
        return mcb_error(b, &c->toks[0], "write: takes MIN [MAX]");
    }
    mc_duration lo, hi;
    if (mcb_duration(b, &c->toks[1], false, &lo) != 0) {
        return -1;
    }
    hi = lo;
    if (c->ntoks == 3) {
        if (mcb_duration(b, &c->toks[2], false, &hi) != 0) {
            return -1;
        }
        if (hi.unit != lo.unit) {
            return mcb_error(b, &c->toks[2], "'takes' needs the same unit for MIN and MAX");
        }
        if (hi.amount < lo.amount) {
            return mcb_error(b, &c->toks[2], "'takes' MAX is less than MIN");
        }
    }
    st->has_takes = true;
    st->takes_min = lo;
    st->takes_max = hi;
    return 0;
}

/* `on EVENT chance P%` of an extension: the chance of every transition of st (whose `on` is
 * the copy on) that EVENT fires. */
static int figure_chance(mcb_builder *b, const mc_node *c, const mc_state *st, mc_transition *on,
                         const char *kind, const char *owner)
{
    if (c->ntoks != 4 || !mc_tok_is(&c->toks[2], "chance")) {
        return mcb_error(b, &c->toks[c->ntoks > 2 ? 2 : 0],
                         "an extension sets only the chance of a transition (write: on EVENT "
                         "chance P%%); to change the transition write: replace %s %s { … }",
                         kind, owner);
    }
    mc_fixed pct;
    if (mcb_percent(b, &c->toks[3], &pct) != 0) {
        return -1;
    }
    bool found = false;
    mc_suggest s;
    mc_suggest_init(&s, c->toks[1].text, c->toks[1].text_len);
    for (size_t i = 0; i < st->non; i++) {
        mc_suggest_offer(&s, on[i].event);
        if (mc_tok_is(&c->toks[1], on[i].event)) {
            on[i].has_chance = true;
            on[i].chance = pct;
            found = true;
        }
    }
    if (found) {
        return 0;
    }
    int shown = c->toks[1].text_len > 64 ? 64 : (int)c->toks[1].text_len;
    if (s.best != NULL) {
        return mcb_error(b, &c->toks[1], "state '%s' has no transition '%.*s' (did you mean '%s'?)",
                         st->name, shown, c->toks[1].text, s.best);
    }
    return mcb_error(b, &c->toks[1], "state '%s' has no transition '%.*s'", st->name, shown,
                     c->toks[1].text);
}

/* `state NAME { takes …; on EVENT chance P% }` over machine m (its states array is the
 * declaration's own): the state is copied with the figures set, in its place. */
static void figure_block(mcb_builder *b, mc_machine *m, const mc_node *c, const char *kind,
                         const char *owner)
{
    char what[200];
    snprintf(what, sizeof what, "%s '%s'", kind, owner);
    if (c->ntoks != 2 || !c->has_block) {
        mcb_error(b, &c->toks[0], "write: state NAME { takes MIN [MAX]; on EVENT chance P%% }");
        return;
    }
    size_t at = figure_state(b, m, &c->toks[1], what);
    if (at == SIZE_MAX) {
        return;
    }
    const mc_state *old = m->states[at];
    if (!only_additions_in(b, c->child, state_adds, kind, owner, "a state of ")) {
        return;
    }
    mc_state *st = mcb_alloc(b, sizeof *st);
    mc_transition *on = old->non > 0 ? mcb_array(b, old->non, sizeof *on) : NULL;
    if (b->fatal) {
        return;
    }
    *st = *old;
    if (old->non > 0) {
        memcpy(on, old->on, old->non * sizeof *on);
    }
    st->on = on;
    bool bad = false;
    bool takes = false;
    for (const mc_node *d = c->child; d != NULL; d = d->next) {
        if (d->broken || d->ntoks == 0 || d->toks[0].kind != MC_TOK_WORD) {
            continue; /* said by the parser */
        }
        if (d->has_block) {
            mcb_error(b, &d->toks[0], "'%.*s' takes no block here", (int)d->toks[0].text_len,
                      d->toks[0].text);
            bad = true;
        } else if (mc_tok_is(&d->toks[0], "takes") && takes) {
            mcb_error(b, &d->toks[0], "'takes' given twice");
            bad = true;
        } else if (mc_tok_is(&d->toks[0], "takes")) {
            takes = true;
            bad |= figure_takes(b, d, st) != 0;
        } else {
            bad |= figure_chance(b, d, st, on, kind, owner) != 0;
        }
    }
    if (bad) {
        return;
    }
    mc_fixed sum = 0;
    for (size_t i = 0; i < st->non; i++) {
        sum += st->on[i].has_chance ? st->on[i].chance : 0;
    }
    for (size_t i = 0; i < st->nafter; i++) {
        sum += st->after[i].has_chance ? st->after[i].chance : 0;
    }
    if (sum > 100 * MC_FIXED_ONE) {
        mcb_warn(b, "chances-above-100", &c->toks[1],
                 "the chances of state '%s' add up to more than 100%%", st->name);
    }
    ((const mc_state **)m->states)[at] = st;
}

/* The machine m of a copy: its own array of state pointers (a procedure's may be its
 * lifecycle's). */
static bool own_states(mcb_builder *b, mc_machine *m)
{
    const mc_state **states = mcb_array(b, m->nstates > 0 ? m->nstates : 1, sizeof *states);
    if (states == NULL) {
        return false;
    }
    if (m->nstates > 0) {
        memcpy(states, m->states, m->nstates * sizeof *states);
    }
    m->states = (const mc_state *const *)states;
    return true;
}

/* Applies the `state` blocks of n to m. */
static void figure_states(mcb_builder *b, mc_machine *m, const mc_node *n, const char *kind,
                          const char *owner)
{
    for (const mc_node *c = n->child; c != NULL && !b->fatal; c = c->next) {
        if (!c->broken && c->ntoks > 0 && mc_tok_is(&c->toks[0], "state")) {
            figure_block(b, m, c, kind, owner);
        }
    }
}

static void extend_lifecycle(mcb_builder *b, mc_lifecycle *l, const mc_node *n)
{
    if (!only_additions(b, n->child, lifecycle_adds, "lifecycle", l->name) ||
        !own_states(b, &l->machine)) {
        return;
    }
    figure_states(b, &l->machine, n, "lifecycle", l->name);
}

/* `volume N per year` of an extension, or -1 after reporting. */
static int64_t figure_volume(mcb_builder *b, const mc_node *c)
{
    int64_t v;
    if (c->ntoks != 4 || !mc_tok_is(&c->toks[2], "per") || !mc_tok_is(&c->toks[3], "year")) {
        mcb_error(b, &c->toks[c->ntoks > 2 ? 2 : 0], "write the volume as: volume N per year");
        return -1;
    }
    if (mcb_integer(b, &c->toks[1], &v) != 0) {
        return -1;
    }
    if (v < 0 || v > 1000000000) {
        mcb_error(b, &c->toks[1], "volume must be between 0 and 1000000000 per year");
        return -1;
    }
    return v;
}

/* Every version of the procedure (the lower layers') gets the figures; a calibrated volume is
 * no longer an assumption. */
static void extend_procedure(mcb_builder *b, mcc_versions *v, const mc_node *n)
{
    const char *name = v->items[0]->name;
    if (!only_additions(b, n->child, procedure_adds, "procedure", name)) {
        return;
    }
    int64_t volume = -2; /* none given; -1 after an error (the states are still checked) */
    for (const mc_node *c = n->child; c != NULL; c = c->next) {
        if (!c->broken && c->ntoks > 0 && mc_tok_is(&c->toks[0], "volume")) {
            if (volume != -2) {
                mcb_error(b, &c->toks[0], "'volume' given twice");
                volume = -1;
            } else {
                volume = figure_volume(b, c);
            }
        }
    }
    for (size_t i = 0; i < v->n && !b->fatal; i++) {
        mc_procedure *p = v->items[i];
        if (volume >= 0) {
            p->has_volume = true;
            p->volume = volume;
            p->assumed &= ~(unsigned)MC_ASSUMED_VOLUME;
        }
        size_t errors = mc_diags_errors(b->diags);
        if (!own_states(b, &p->machine)) {
            return;
        }
        figure_states(b, &p->machine, n, "procedure", name);
        if (mc_diags_errors(b->diags) != errors) {
            return; /* said once, not for every version */
        }
    }
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
    case MCB_K_LIFECYCLE:
        extend_lifecycle(b, d->obj, d->node);
        break;
    case MCB_K_PROCEDURE:
        extend_procedure(b, d->obj, d->node);
        break;
    default:
        extend_role(b, d->obj, d->node);
        break;
    }
}
