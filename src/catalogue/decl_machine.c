/*
 * Lifecycles and states (SPEC §4.6): the state directives, transitions and timers, and the
 * checks that concern one state (a final state with transitions, duplicate transitions,
 * chances above 100%). Whole-machine checks are in check.c.
 */
#include "decl_int.h"

#include "base/suggest.h"

#include <stdio.h>
#include <string.h>

typedef struct state_build {
    mcb_titled t; /* first: mcb_title_handler works on it */
    mc_state *s;
    bool broken; /* a directive of the block had an error */
    bool clock_given;
    mc_pos clock_pos, outcome_pos, takes_pos;
} state_build;

static int st_initial(mcb_builder *b, const mc_node *n, void *obj)
{
    (void)b, (void)n;
    ((state_build *)obj)->s->initial = true;
    return 0;
}

static int st_final(mcb_builder *b, const mc_node *n, void *obj)
{
    (void)b, (void)n;
    ((state_build *)obj)->s->final = true;
    return 0;
}

static int st_clock(mcb_builder *b, const mc_node *n, void *obj)
{
    state_build *sb = obj;
    const mc_token *t = &n->toks[1];
    static const char *const modes[] = {"running", "paused", "stopped"};
    for (int k = 0; k < 3; k++) {
        if (mc_tok_is(t, modes[k])) {
            sb->s->clock = (mc_clock)k;
            sb->clock_given = true;
            sb->clock_pos = mcb_pos(b, t);
            return 0;
        }
    }
    return mcb_error(b, t, "unknown clock mode (running, paused or stopped)");
}

/* `chance P%` at toks[*i]. */
static int opt_chance(mcb_builder *b, const mc_node *n, size_t *i, bool *has, mc_fixed *out)
{
    if (*has) {
        return mcb_error(b, &n->toks[*i], "'chance' given twice");
    }
    if (*i + 1 >= n->ntoks) {
        return mcb_error(b, &n->toks[*i], "'chance' needs a percentage, like chance 90%%");
    }
    if (mcb_percent(b, &n->toks[*i + 1], out) != 0) {
        return -1;
    }
    *has = true;
    *i += 2;
    return 0;
}

static bool is_keyword(const mc_token *t)
{
    return mc_tok_is(t, "when") || mc_tok_is(t, "restart-clock") || mc_tok_is(t, "chance");
}

static int st_on(mcb_builder *b, const mc_node *n, void *obj)
{
    /* on EVENT -> STATE by ROLE… [when COND] [restart-clock] [chance P%] */
    state_build *sb = obj;
    const mc_token *t = n->toks;
    mc_transition tr;
    memset(&tr, 0, sizeof tr);
    tr.pos = mcb_pos(b, &t[1]);
    if (mcb_name(b, &t[1], &tr.event) != 0) {
        return -1;
    }
    if (!mc_tok_is(&t[2], "->")) {
        return mcb_error(b, &t[2],
                         "expected '->' after the event (write: on EVENT -> STATE by "
                         "ROLE…)");
    }
    if (mcb_name(b, &t[3], &tr.target_name) != 0) {
        return -1;
    }
    tr.target = UINT32_MAX;
    tr.target_pos = mcb_pos(b, &t[3]);
    if (n->ntoks < 5 || !mc_tok_is(&t[4], "by")) {
        return mcb_error(b, n->ntoks < 5 ? &t[3] : &t[4],
                         "expected 'by ROLE…' after the target state (who may fire it)");
    }
    size_t i = 5, first_role = 5;
    while (i < n->ntoks && !is_keyword(&t[i])) {
        i++;
    }
    if (i == first_role) {
        return mcb_error(b, &t[4], "'by' needs at least one role");
    }
    const mc_role **roles = mcb_array(b, i - first_role, sizeof *roles);
    if (roles == NULL) {
        return -1;
    }
    int rc = 0;
    for (size_t k = first_role; k < i; k++) {
        const mc_role *r = mcb_resolve(b, &t[k], &b->cat->role_map, "role");
        if (r == NULL) {
            rc = -1;
        }
        roles[tr.nroles++] = r;
    }
    if (rc != 0) {
        return -1;
    }
    tr.roles = roles;
    bool has_when = false;
    while (i < n->ntoks) {
        if (mc_tok_is(&t[i], "when")) {
            if (has_when) {
                return mcb_error(b, &t[i], "'when' given twice");
            }
            has_when = true;
            i++;
            if (mcb_cond(b, n, &i, &tr.when) != 0) {
                return -1;
            }
        } else if (mc_tok_is(&t[i], "restart-clock")) {
            if (tr.restart_clock) {
                return mcb_error(b, &t[i], "'restart-clock' given twice");
            }
            tr.restart_clock = true;
            i++;
        } else if (mc_tok_is(&t[i], "chance")) {
            if (opt_chance(b, n, &i, &tr.has_chance, &tr.chance) != 0) {
                return -1;
            }
        } else {
            return mcb_error(b, &t[i],
                             "unexpected '%.*s' (after the roles: when COND, restart-clock, "
                             "chance P%%)",
                             (int)(t[i].text_len > 40 ? 40 : t[i].text_len), t[i].text);
        }
    }
    ((mc_transition *)sb->s->on)[sb->s->non++] = tr;
    return 0;
}

static int st_after(mcb_builder *b, const mc_node *n, void *obj)
{
    /* after DURATION -> STATE [chance P%] */
    state_build *sb = obj;
    const mc_token *t = n->toks;
    mc_timer tm;
    memset(&tm, 0, sizeof tm);
    tm.pos = mcb_pos(b, &t[1]);
    if (mcb_duration(b, &t[1], true, &tm.after) != 0) {
        return -1;
    }
    if (!mc_tok_is(&t[2], "->")) {
        return mcb_error(b, &t[2],
                         "expected '->' after the duration (write: after DURATION -> "
                         "STATE)");
    }
    if (n->ntoks < 4) {
        return mcb_error(b, &t[2], "expected the target state after '->'");
    }
    if (mcb_name(b, &t[3], &tm.target_name) != 0) {
        return -1;
    }
    tm.target = UINT32_MAX;
    tm.target_pos = mcb_pos(b, &t[3]);
    size_t i = 4;
    while (i < n->ntoks) {
        if (!mc_tok_is(&t[i], "chance")) {
            return mcb_error(b, &t[i], "unexpected '%.*s' (after the target: chance P%%)",
                             (int)(t[i].text_len > 40 ? 40 : t[i].text_len), t[i].text);
        }
        if (opt_chance(b, n, &i, &tm.has_chance, &tm.chance) != 0) {
            return -1;
        }
    }
    ((mc_timer *)sb->s->after)[sb->s->nafter++] = tm;
    return 0;
}

static int st_issues(mcb_builder *b, const mc_node *n, void *obj)
{
    /* issues DOCUMENT to REGISTRY [for PARTY…] */
    state_build *sb = obj;
    const mc_token *t = n->toks;
    mc_issue is;
    memset(&is, 0, sizeof is);
    is.pos = mcb_pos(b, &t[1]);
    if (!mc_tok_is(&t[2], "to")) {
        return mcb_error(b, &t[2], "expected 'to' (write: issues DOCUMENT to REGISTRY)");
    }
    if (n->ntoks > 4) {
        if (!mc_tok_is(&t[4], "for") || n->ntoks < 6) {
            return mcb_error(b, &t[4],
                             "expected 'for PARTY…' after the registry (write: issues DOCUMENT "
                             "to REGISTRY [for PARTY…])");
        }
        const char **names = mcb_array(b, n->ntoks - 5, sizeof *names);
        mc_pos *pos = mcb_array(b, n->ntoks - 5, sizeof *pos);
        if (names == NULL || pos == NULL) {
            return -1;
        }
        for (size_t i = 5; i < n->ntoks; i++) {
            if (mcb_name(b, &t[i], &names[is.nparties]) != 0) {
                return -1;
            }
            for (size_t k = 0; k < is.nparties; k++) {
                if (strcmp(names[k], names[is.nparties]) == 0) {
                    return mcb_error(b, &t[i], "party '%s' named twice", names[k]);
                }
            }
            pos[is.nparties++] = mcb_pos(b, &t[i]);
        }
        is.parties = names;
        is.party_pos = pos;
    }
    is.document = mcb_resolve(b, &t[1], &b->cat->document_map, "document");
    is.registry = mcb_resolve(b, &t[3], &b->cat->registry_map, "registry");
    if (is.document == NULL || is.registry == NULL) {
        return -1;
    }
    if (!mc_registry_holds(is.registry, is.document)) {
        mcb_warn(b, "issue-not-held", &t[3],
                 "registry '%s' does not hold '%s': later dossiers will never fetch this record",
                 is.registry->name, is.document->name);
    }
    ((mc_issue *)sb->s->issues)[sb->s->nissues++] = is;
    return 0;
}

static int st_outcome(mcb_builder *b, const mc_node *n, void *obj)
{
    static const char *const names[] = {"granted", "refused", "withdrawn", "stopped"};
    state_build *sb = obj;
    const mc_token *t = &n->toks[1];
    for (int k = 0; k < 4; k++) {
        if (mc_tok_is(t, names[k])) {
            sb->s->outcome = (mc_outcome)(k + 1);
            sb->outcome_pos = mcb_pos(b, &n->toks[0]);
            return 0;
        }
    }
    return mcb_error(b, t, "unknown outcome (granted, refused, withdrawn or stopped)");
}

static int st_takes(mcb_builder *b, const mc_node *n, void *obj)
{
    state_build *sb = obj;
    mc_state *s = sb->s;
    if (mcb_duration(b, &n->toks[1], false, &s->takes_min) != 0) {
        return -1;
    }
    s->takes_max = s->takes_min;
    if (n->ntoks == 3) {
        if (mcb_duration(b, &n->toks[2], false, &s->takes_max) != 0) {
            return -1;
        }
        if (s->takes_max.unit != s->takes_min.unit) {
            return mcb_error(b, &n->toks[2], "'takes' needs the same unit for MIN and MAX");
        }
        if (s->takes_max.amount < s->takes_min.amount) {
            return mcb_error(b, &n->toks[2], "'takes' MAX is less than MIN");
        }
    }
    s->has_takes = true;
    return 0;
}

static const mcb_directive state_table[] = {
    {"initial", 0, 0, MCB_NO_BLOCK, true, st_initial, ""},
    {"final", 0, 0, MCB_NO_BLOCK, true, st_final, ""},
    {"clock", 1, 1, MCB_NO_BLOCK, true, st_clock, "running|paused|stopped"},
    {"on", 4, MCB_ANY, MCB_NO_BLOCK, false, st_on,
     "EVENT -> STATE by ROLE… [when COND] [restart-clock] [chance P%]"},
    {"after", 3, 5, MCB_NO_BLOCK, false, st_after, "DURATION -> STATE [chance P%]"},
    {"issues", 3, MCB_ANY, MCB_NO_BLOCK, false, st_issues, "DOCUMENT to REGISTRY [for PARTY…]"},
    {"outcome", 1, 1, MCB_NO_BLOCK, true, st_outcome, "granted|refused|withdrawn|stopped"},
    {"takes", 1, 2, MCB_NO_BLOCK, true, st_takes, "MIN [MAX]"},
    {"title", 1, 2, MCB_NO_BLOCK, false, mcb_title_handler, "[LANG] \"text\""},
};

static bool roles_overlap(const mc_transition *a, const mc_transition *c)
{
    for (size_t i = 0; i < a->nroles; i++) {
        for (size_t k = 0; k < c->nroles; k++) {
            if (a->roles[i] == c->roles[k]) {
                return true;
            }
        }
    }
    return false;
}

/* The checks that concern one state alone. */
static void check_state(mcb_builder *b, state_build *sb)
{
    mc_state *s = sb->s;
    size_t nlen = strlen(s->name);
    if (s->final && (s->non > 0 || s->nafter > 0)) {
        mc_pos at = s->non > 0 ? s->on[0].pos : s->after[0].pos;
        mcb_report_at(b, MC_DIAG_ERROR, at, 1,
                      "final state '%s' has transitions (a dossier stops in a final state)",
                      s->name);
    }
    if (s->outcome != MC_OUTCOME_NONE && !s->final && !sb->broken) {
        mcb_report_at(b, MC_DIAG_ERROR, sb->outcome_pos, 7,
                      "'outcome' is only for final states (add 'final' to state '%s')", s->name);
    }
    if (s->final && sb->clock_given && s->clock != MC_CLOCK_STOPPED) {
        mcb_report_at(b, MC_DIAG_ERROR, sb->clock_pos, 7,
                      "a final state's clock is stopped; remove 'clock %s'",
                      mc_clock_name(s->clock));
    }
    if (!sb->clock_given) {
        s->clock = s->initial || s->final ? MC_CLOCK_STOPPED : MC_CLOCK_RUNNING;
    }
    if (s->final) {
        s->clock = MC_CLOCK_STOPPED;
    }
    if (!s->final && s->non == 0 && s->nafter == 0 && !sb->broken) {
        mcb_warn_at(b, "stuck-state", s->pos, nlen,
                    "state '%s' is not final and has no way out (no 'on' or 'after')", s->name);
    }
    for (size_t j = 1; j < s->non; j++) {
        const mc_transition *tj = &s->on[j];
        for (size_t i = 0; i < j; i++) {
            const mc_transition *ti = &s->on[i];
            if (strcmp(ti->event, tj->event) == 0 && mcb_cond_equal(&ti->when, &tj->when) &&
                roles_overlap(ti, tj)) {
                char where[300];
                mcb_where(b, ti->pos, where, sizeof where);
                mcb_report_at(b, MC_DIAG_ERROR, tj->pos, strlen(tj->event),
                              "duplicate transition: '%s' already leaves state '%s' for the same "
                              "role and condition (at %s)",
                              tj->event, s->name, where);
                break;
            }
        }
    }
    mc_fixed total = 0;
    for (size_t i = 0; i < s->non; i++) {
        total += s->on[i].has_chance ? s->on[i].chance : 0;
    }
    for (size_t i = 0; i < s->nafter; i++) {
        total += s->after[i].has_chance ? s->after[i].chance : 0;
    }
    if (total > 100 * MC_FIXED_ONE && !sb->broken) {
        char pct[32];
        mc_fixed_format(total, pct);
        mcb_warn_at(b, "chances-above-100", s->pos, nlen,
                    "the chances of state '%s' add up to %s%%, more than 100%%", s->name, pct);
    }
}

/* Gives each transition of s its event's id in s (mc_transition.event_id), once, when the state
 * is built: the names are compared here so that firing compares integers. */
static void intern_events(mc_state *s)
{
    mc_transition *on = (mc_transition *)s->on;
    for (size_t i = 0; i < s->non; i++) {
        on[i].event_id = (uint32_t)i + 1;
        for (size_t k = 0; k < i; k++) {
            if (strcmp(on[k].event, on[i].event) == 0) {
                on[i].event_id = on[k].event_id;
                break;
            }
        }
    }
}

mc_state *mcb_build_state(mcb_builder *b, const mc_node *n)
{
    const mc_token *t = &n->toks[1];
    mc_state *s = mcb_alloc(b, sizeof *s);
    if (s == NULL || mcb_name(b, t, &s->name) != 0) {
        return NULL;
    }
    s->pos = mcb_pos(b, t);
    s->on = mcb_array(b, mcb_count(n->child, "on"), sizeof(mc_transition));
    s->after = mcb_array(b, mcb_count(n->child, "after"), sizeof(mc_timer));
    s->issues = mcb_array(b, mcb_count(n->child, "issues"), sizeof(mc_issue));
    if (b->fatal) {
        return NULL;
    }
    state_build sb;
    memset(&sb, 0, sizeof sb);
    sb.s = s;
    if (!mcb_prepare_titles(b, &sb.t, n->child)) {
        return NULL;
    }
    size_t errors = mc_diags_errors(b->diags);
    mcb_run(b, n->child, state_table, sizeof state_table / sizeof state_table[0], "state directive",
            &sb);
    s->titles = sb.t.titles;
    s->ntitles = sb.t.n;
    /* A directive dropped for an error would make the checks below report its absence. */
    sb.broken = n->broken || mc_diags_errors(b->diags) != errors;
    if (sb.broken) {
        mcb_push(b, &b->broken, s);
    }
    check_state(b, &sb);
    intern_events(s);
    return s;
}

/* ==== lifecycle ========================================================================== */

typedef struct life_build {
    mc_ptrvec states; /* first: the `state` handler of procedures shares this layout */
    mc_lifecycle *l;
    mc_ptrvec events; /* mc_event * */
} life_build;

/* ---- events (issue 21) ---- */

static const mcb_directive event_table[] = {
    {"title", 1, 2, MCB_NO_BLOCK, false, mcb_title_handler, "[LANG] \"text\""},
};

int mcb_build_event(mcb_builder *b, const mc_node *n, mc_ptrvec *events)
{
    mc_event *e = mcb_alloc(b, sizeof *e);
    if (e == NULL || mcb_name(b, &n->toks[1], &e->name) != 0) {
        return -1;
    }
    e->pos = mcb_pos(b, &n->toks[1]);
    for (size_t i = 0; i < events->n; i++) {
        const mc_event *o = events->items[i];
        if (strcmp(o->name, e->name) == 0) {
            char where[300];
            mcb_where(b, o->pos, where, sizeof where);
            return mcb_error(b, &n->toks[1], "duplicate event '%s' (first declared at %s)",
                             e->name, where);
        }
    }
    mcb_titled t;
    if (!mcb_prepare_titles(b, &t, n->child)) {
        return -1;
    }
    mcb_run(b, n->child, event_table, 1, "event directive", &t);
    e->titles = t.titles;
    e->ntitles = t.n;
    return mcb_push(b, events, e);
}

const mc_event *mcb_freeze_events(mcb_builder *b, const mc_ptrvec *events)
{
    mc_event *out = mcb_array(b, events->n, sizeof *out);
    for (size_t i = 0; out != NULL && i < events->n; i++) {
        out[i] = *(const mc_event *)events->items[i];
    }
    return out;
}

void mcb_check_events(mcb_builder *b, const mc_event *events, size_t n, const mc_machine *m,
                      const char *what)
{
    for (size_t i = 0; i < n; i++) {
        const mc_event *e = &events[i];
        bool fired = false;
        mc_suggest s;
        mc_suggest_init(&s, e->name, strlen(e->name));
        for (size_t k = 0; k < m->nstates && !fired; k++) {
            for (size_t j = 0; j < m->states[k]->non && !fired; j++) {
                fired = strcmp(m->states[k]->on[j].event, e->name) == 0;
                mc_suggest_offer(&s, m->states[k]->on[j].event);
            }
        }
        if (!fired) {
            /* A warning: removing a transition (a layer, a procedure's own state, an edit) must
             * not break the catalogue over the title left behind. */
            mcb_warn_at(b, "unused-event", e->pos, strlen(e->name),
                        "event '%s' is declared but no transition of %s fires it%s%s%s", e->name,
                        what, s.best ? " (did you mean '" : "", s.best ? s.best : "",
                        s.best ? "'?)" : "");
        }
    }
}

static int lc_event(mcb_builder *b, const mc_node *n, void *obj)
{
    return mcb_build_event(b, n, &((life_build *)obj)->events);
}

int mcb_state_handler(mcb_builder *b, const mc_node *n, void *obj)
{
    mc_ptrvec *states = obj;
    mc_state *s = mcb_build_state(b, n);
    return s != NULL ? mcb_push(b, states, s) : -1;
}

static int lc_apology(mcb_builder *b, const mc_node *n, void *obj)
{
    life_build *lb = obj;
    if (!mc_tok_is(&n->toks[1], "by")) {
        return mcb_error(b, &n->toks[1], "expected 'by' (write: apology by ROLE…)");
    }
    const mc_role **roles = mcb_array(b, n->ntoks - 2, sizeof *roles);
    if (roles == NULL) {
        return -1;
    }
    size_t k = 0;
    for (size_t i = 2; i < n->ntoks; i++) {
        const mc_role *r = mcb_resolve(b, &n->toks[i], &b->cat->role_map, "role");
        if (r != NULL) {
            roles[k++] = r;
        }
    }
    lb->l->apology_by = roles;
    lb->l->napology_by = k;
    return 0;
}

static int lc_title(mcb_builder *b, const mc_node *n, void *obj)
{
    (void)obj;
    mc_text text;
    return mcb_titles(b, n, &text); /* checked, kept for documentation only */
}

static const mcb_directive lifecycle_table[] = {
    {"apology", 2, MCB_ANY, MCB_NO_BLOCK, true, lc_apology, "by ROLE…"},
    {"state", 1, 1, MCB_NEED_BLOCK, false, mcb_state_handler, "NAME"},
    {"title", 1, 2, MCB_NO_BLOCK, false, lc_title, "[LANG] \"text\""},
    {"event", 1, 1, MCB_NEED_BLOCK, false, lc_event, "NAME"},
};

void mcb_build_lifecycle(mcb_builder *b, mc_lifecycle *l, const mc_node *n)
{
    life_build lb = {{NULL, 0, 0}, l, {NULL, 0, 0}};
    mcb_run(b, n->child, lifecycle_table, sizeof lifecycle_table / sizeof lifecycle_table[0],
            "lifecycle directive", &lb);
    mc_state **states = (mc_state **)lb.states.items;
    size_t ns = lb.states.n;
    mcb_check_state_names(b, states, ns);
    mcb_resolve_targets(b, states, ns, 0);
    l->machine.states = mcb_freeze(b, &lb.states);
    l->machine.nstates = ns;
    mc_ptrvec_free(&lb.states);
    l->events = mcb_freeze_events(b, &lb.events);
    l->nevents = lb.events.n;
    mc_ptrvec_free(&lb.events);
    if (!b->fatal) {
        char what[100];
        snprintf(what, sizeof what, "lifecycle '%s'", l->name);
        mcb_check_machine(b, &l->machine, NULL, what, l->pos);
        mcb_check_events(b, l->events, l->nevents, &l->machine, what);
    }
}
