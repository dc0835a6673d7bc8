/*
 * Lint's title check (issue 21): whatever a loaded catalogue shows to people — procedures,
 * agencies, documents, registries, roles, fields and their options, states and events — should
 * have a title in the language of the desk; this finds those that lack one and warns at their
 * name. It runs on a frozen catalogue, after the load, so that only `motcua lint` says it
 * (every command loads the catalogue; an officer starting `serve` is not the one who writes
 * titles).
 */
#include "catalogue_int.h"

#include <stdio.h>
#include <string.h>

typedef struct checker {
    const mc_catalogue *cat;
    const char *lang;
    mc_diags *diags;
    mc_map seen;     /* positions already warned */
    mc_map agencies; /* names of undeclared agencies already warned */
    int rc;
} checker;

static bool has_title(const mc_text *titles, size_t n, const char *lang)
{
    for (size_t i = 0; i < n; i++) {
        if (titles[i].lang != NULL && strcmp(titles[i].lang, lang) == 0) {
            return true;
        }
    }
    return false;
}

/* True the first time key is put in m. */
static bool first_time(checker *c, mc_map *m, const void *key, size_t len)
{
    if (c->rc != 0 || mc_map_get(m, key, len) != NULL) {
        return false;
    }
    if (mc_map_put(m, key, len, (void *)c) != 0) {
        c->rc = MC_ENOMEM;
        return false;
    }
    return true;
}

/* Warns at pos (the name, of len bytes) that `what 'name'` lacks a title in the language;
 * declare: it has no declaration to add the title to (an event, an agency), so the fix is one.
 * Once per position. */
static void warn(checker *c, mc_pos pos, const char *what, const char *name, bool declare)
{
    if (pos.file >= c->cat->nsources || !first_time(c, &c->seen, &pos, sizeof pos)) {
        return;
    }
    char lang[40];
    if (strcmp(c->lang, "vi") == 0) {
        snprintf(lang, sizeof lang, "Vietnamese");
    } else {
        snprintf(lang, sizeof lang, "'%.20s'", c->lang);
    }
    int rc;
    if (declare) {
        rc = mc_diags_warn(c->diags, "missing-title", c->cat->sources[pos.file], pos.off,
                           strlen(name),
                           "%s '%s' has no %s title (declare: %s %s { title %s \"…\" })", what,
                           name, lang, what, name, c->lang);
    } else {
        rc = mc_diags_warn(c->diags, "missing-title", c->cat->sources[pos.file], pos.off,
                           strlen(name), "%s '%s' has no %s title (add: title %s \"…\")", what,
                           name, lang, c->lang);
    }
    if (rc != 0) {
        c->rc = MC_ENOMEM;
    }
}

static void check_state(checker *c, const mc_state *s)
{
    if (!has_title(s->titles, s->ntitles, c->lang)) {
        warn(c, s->pos, "state", s->name, false);
    }
}

/* The first transition of m firing event in a state that is not one of skip's (NULL: none
 * skipped), or NULL. */
static const mc_transition *first_firing(const mc_machine *m, const char *event,
                                         const mc_machine *skip)
{
    for (size_t i = 0; i < m->nstates; i++) {
        bool shared = false;
        for (size_t k = 0; skip != NULL && k < skip->nstates && !shared; k++) {
            shared = skip->states[k] == m->states[i];
        }
        for (size_t j = 0; !shared && j < m->states[i]->non; j++) {
            if (strcmp(m->states[i]->on[j].event, event) == 0) {
                return &m->states[i]->on[j];
            }
        }
    }
    return NULL;
}

/* Each event of m: titled by decl (found with find), else warned at its declaration, or at the
 * first transition firing it outside the states of skip (those are the lifecycle's, which its
 * own check warns). */
static void check_events(checker *c, const mc_machine *m, const mc_lifecycle *l,
                         const mc_procedure *p, const mc_machine *skip)
{
    for (size_t i = 0; i < m->nstates; i++) {
        for (size_t j = 0; j < m->states[i]->non; j++) {
            const char *ev = m->states[i]->on[j].event;
            if (first_firing(m, ev, NULL) != &m->states[i]->on[j]) {
                continue; /* each event once, at its first transition */
            }
            const mc_event *e = NULL;
            if (p != NULL) {
                e = mc_procedure_event(p, ev);
            }
            for (size_t k = 0; l != NULL && e == NULL && k < l->nevents; k++) {
                e = strcmp(l->events[k].name, ev) == 0 ? &l->events[k] : NULL;
            }
            if (e != NULL) {
                if (!has_title(e->titles, e->ntitles, c->lang)) {
                    warn(c, e->pos, "event", e->name, false);
                }
                continue;
            }
            const mc_transition *t = first_firing(m, ev, skip);
            if (t != NULL) {
                warn(c, t->pos, "event", ev, true);
            }
        }
    }
}

static void check_procedure(checker *c, const mc_procedure *p)
{
    if (!has_title(p->titles, p->ntitles, c->lang)) {
        warn(c, p->pos, "procedure", p->name, false);
    }
    if (p->agency != NULL) {
        const mc_agency *a = mc_catalogue_agency(c->cat, p->agency);
        if (a == NULL && first_time(c, &c->agencies, p->agency, strlen(p->agency))) {
            warn(c, p->agency_pos, "agency", p->agency, true);
        }
    }
    for (size_t i = 0; i < p->nfields; i++) {
        const mc_field *f = &p->fields[i];
        if (!has_title(f->titles, f->ntitles, c->lang)) {
            warn(c, f->pos, "field", f->name, false);
        }
        for (size_t k = 0; f->option_info != NULL && k < f->options.n; k++) {
            const mc_option *o = &f->option_info[k];
            if (o->declared && !has_title(o->titles, o->ntitles, c->lang)) {
                warn(c, o->block_pos, "option", o->name, false);
            } else if (!o->declared) {
                warn(c, o->pos, "option", o->name, true);
            }
        }
    }
    for (size_t i = 1; i < p->nparties; i++) { /* parties[0] is the built-in applicant */
        const mc_party *y = &p->parties[i];
        if (!has_title(y->titles, y->ntitles, c->lang)) {
            warn(c, y->pos, "party", y->name, false);
        }
    }
    for (size_t i = 0; i < p->machine.nstates; i++) {
        check_state(c, p->machine.states[i]);
    }
    check_events(c, &p->machine, p->lifecycle, p,
                 p->lifecycle != NULL ? &p->lifecycle->machine : NULL);
}

int mc_catalogue_check_titles(const mc_catalogue *cat, const char *lang, mc_diags *diags)
{
    checker c = {cat, lang, diags, MC_MAP_INIT, MC_MAP_INIT, 0};
    size_t n;
    const mc_agency *const *agencies = mc_catalogue_agencies(cat, &n);
    for (size_t i = 0; i < n; i++) {
        if (!has_title(agencies[i]->titles, agencies[i]->ntitles, lang)) {
            warn(&c, agencies[i]->pos, "agency", agencies[i]->name, false);
        }
    }
    const mc_role *const *roles = mc_catalogue_roles(cat, &n);
    for (size_t i = 0; i < n; i++) {
        if (!roles[i]->builtin && !has_title(roles[i]->titles, roles[i]->ntitles, lang)) {
            warn(&c, roles[i]->pos, "role", roles[i]->name, false);
        }
    }
    const mc_document *const *docs = mc_catalogue_documents(cat, &n);
    for (size_t i = 0; i < n; i++) {
        if (!has_title(docs[i]->titles, docs[i]->ntitles, lang)) {
            warn(&c, docs[i]->pos, "document", docs[i]->name, false);
        }
    }
    const mc_registry *const *regs = mc_catalogue_registries(cat, &n);
    for (size_t i = 0; i < n; i++) {
        if (!has_title(regs[i]->titles, regs[i]->ntitles, lang)) {
            warn(&c, regs[i]->pos, "registry", regs[i]->name, false);
        }
    }
    const mc_lifecycle *const *lcs = mc_catalogue_lifecycles(cat, &n);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < lcs[i]->machine.nstates; k++) {
            check_state(&c, lcs[i]->machine.states[k]);
        }
        check_events(&c, &lcs[i]->machine, lcs[i], NULL, NULL);
    }
    const mc_procedure *const *procs = mc_catalogue_procedures(cat, &n);
    for (size_t i = 0; i < n; i++) {
        check_procedure(&c, procs[i]);
    }
    mc_map_free(&c.seen);
    mc_map_free(&c.agencies);
    return c.rc;
}
