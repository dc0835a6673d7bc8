/*
 * The catalogue as the officer console reads it (`GET /api/procedures`, catalogue_view.h): the
 * procedures in force with their intake form, documents, states and events, and the roles and
 * registries, every name (a choice field's options too) with its titles in English and
 * Vietnamese.
 */
#include "catalogue_view.h"
#include "view.h"

#include <stdio.h>
#include <string.h>

/* The names the language writes, but "int" for integer as the console's contract says. */
static const char *type_name(mc_field_type t)
{
    return t == MC_FIELD_INTEGER ? "int" : mc_field_type_name(t);
}

static json_t *field_json(const mc_field *f)
{
    bool ok = true;
    json_t *o = json_object();
    front_jset(o, "name", json_string(f->name), &ok);
    front_jset(o, "type", json_string(type_name(f->type)), &ok);
    front_jset(o, "required", json_boolean(f->required), &ok);
    front_jset(o, "pattern", f->pattern_source ? json_string(f->pattern_source) : json_null(), &ok);
    json_t *opts = json_null(), *titles = json_null();
    if (f->type == MC_FIELD_CHOICE) {
        opts = json_array();
        titles = json_object();
        for (size_t i = 0; i < f->options.n; i++) {
            const mc_option *info = f->option_info ? &f->option_info[i] : NULL;
            front_jpush(opts, json_string(f->options.items[i]), &ok);
            front_jset(titles, f->options.items[i],
                       front_title_json(info ? info->titles : NULL, info ? info->ntitles : 0,
                                        f->options.items[i]),
                       &ok);
        }
    }
    front_jset(o, "options", opts, &ok);
    front_jset(o, "option_titles", titles, &ok);
    front_jset(o, "title", front_title_json(f->titles, f->ntitles, f->name), &ok);
    return front_jdone(o, ok);
}

/* The condition of a requirement as written after `when`, or NULL for always. */
static json_t *when_json(const mc_cond *c)
{
    char text[300];
    switch (c->kind) {
    case MC_COND_FIELD:
        snprintf(text, sizeof text, "%s", c->field);
        break;
    case MC_COND_NOT:
        snprintf(text, sizeof text, "not %s", c->field);
        break;
    case MC_COND_IS:
        snprintf(text, sizeof text, "%s is %s", c->field, c->value);
        break;
    case MC_COND_RULE:
        snprintf(text, sizeof text, "rule %s.%s", c->rule.module, c->rule.function);
        break;
    case MC_COND_DOCUMENTS_COMPLETE:
        snprintf(text, sizeof text, "documents complete");
        break;
    default:
        return json_null();
    }
    return json_string(text);
}

static json_t *document_json(const mc_catalogue *cat, const mc_requirement *r)
{
    bool ok = true;
    const mc_document *d = r->document;
    json_t *o = json_object();
    front_jset(o, "name", json_string(d->name), &ok);
    front_jset(o, "title", front_title_json(d->titles, d->ntitles, d->name), &ok);
    front_jset(o, "when", when_json(&r->when), &ok);
    json_t *regs = json_array();
    size_t n;
    const mc_registry *const *all = mc_catalogue_registries(cat, &n);
    for (size_t i = 0; i < n; i++) {
        if (mc_registry_holds(all[i], d)) {
            front_jpush(regs, json_string(all[i]->name), &ok);
        }
    }
    front_jset(o, "registries", regs, &ok);
    return front_jdone(o, ok);
}

/* The fee in VND a dossier received on date pays before any relief, or null when a rule
 * computes it; 0 for none. */
static json_t *fee_json(const mc_procedure *p, mc_date date)
{
    switch (p->fee_kind) {
    case MC_FEE_FIXED:
        return json_integer((json_int_t)p->fee.amount);
    case MC_FEE_SCHEDULE: {
        const mc_fee_amount *line = mc_fee_schedule_line(p->fee_schedule, date);
        return json_integer(line ? (json_int_t)line->amount.amount : 0);
    }
    case MC_FEE_RULE:
        return json_null();
    default:
        return json_integer(0);
    }
}

static json_t *time_limit_json(const mc_procedure *p)
{
    if (!p->has_time_limit) {
        return json_null();
    }
    char num[32], text[48];
    mc_fixed_format(p->time_limit.amount, num);
    snprintf(text, sizeof text, "%s%s", num, mc_dur_unit_name(p->time_limit.unit));
    return json_string(text);
}

/* The events of p's machine, each once, in the order their first transition is written. */
static json_t *events_json(const mc_procedure *p)
{
    bool ok = true;
    json_t *list = json_array();
    const mc_machine *m = &p->machine;
    for (size_t i = 0; i < m->nstates; i++) {
        for (size_t j = 0; j < m->states[i]->non; j++) {
            const char *ev = m->states[i]->on[j].event;
            bool seen = false;
            for (size_t k = 0; k <= i && !seen; k++) {
                size_t end = k == i ? j : m->states[k]->non;
                for (size_t t = 0; t < end && !seen; t++) {
                    seen = strcmp(m->states[k]->on[t].event, ev) == 0;
                }
            }
            if (seen) {
                continue;
            }
            const mc_event *e = mc_procedure_event(p, ev);
            front_jpush(list,
                        json_pack("{s:s, s:o}", "name", ev, "title",
                                  e ? front_title_json(e->titles, e->ntitles, ev)
                                    : front_title_json(NULL, 0, ev)),
                        &ok);
        }
    }
    return front_jdone(list, ok);
}

static json_t *procedure_json(const mc_catalogue *cat, const mc_procedure *p, mc_date date)
{
    bool ok = true;
    json_t *o = json_object();
    front_jset(o, "name", json_string(p->name), &ok);
    front_jset(o, "code", p->code ? json_string(p->code) : json_null(), &ok);
    front_jset(o, "title", front_title_json(p->titles, p->ntitles, p->name), &ok);
    front_jset(o, "agency", p->agency ? json_string(p->agency) : json_null(), &ok);
    const mc_agency *ag = p->agency ? mc_catalogue_agency(cat, p->agency) : NULL;
    front_jset(o, "agency_title",
               p->agency == NULL ? json_null()
               : ag != NULL      ? front_title_json(ag->titles, ag->ntitles, ag->name)
                                 : front_title_json(NULL, 0, p->agency),
               &ok);
    front_jset(o, "subject", p->subject ? json_string(p->subject->name) : json_null(), &ok);
    front_jset(o, "fee", fee_json(p, date), &ok);
    front_jset(o, "time_limit", time_limit_json(p), &ok);
    json_t *fields = json_array(), *docs = json_array(), *states = json_array();
    for (size_t i = 0; i < p->nfields; i++) {
        front_jpush(fields, field_json(&p->fields[i]), &ok);
    }
    for (size_t i = 0; i < p->nrequires; i++) {
        front_jpush(docs, document_json(cat, &p->requires[i]), &ok);
    }
    for (size_t i = 0; i < p->machine.nstates; i++) {
        const mc_state *s = p->machine.states[i];
        front_jpush(states,
                    json_pack("{s:s, s:o, s:b}", "name", s->name, "title",
                              front_title_json(s->titles, s->ntitles, s->name), "final",
                              (int)s->final),
                    &ok);
    }
    front_jset(o, "fields", fields, &ok);
    front_jset(o, "documents", docs, &ok);
    front_jset(o, "states", states, &ok);
    front_jset(o, "events", events_json(p), &ok);
    return front_jdone(o, ok);
}

static bool sees(const front_token *tok, const char *agency)
{
    if (tok == NULL || tok->every_agency) {
        return true;
    }
    for (size_t i = 0; i < tok->nroles; i++) {
        if (strcmp(tok->roles[i], "applicant") == 0) {
            return true; /* an applicant may file any procedure online */
        }
    }
    for (size_t i = 0; agency != NULL && i < tok->nagencies; i++) {
        if (strcmp(tok->agencies[i], agency) == 0) {
            return true;
        }
    }
    return false;
}

json_t *front_catalogue_json(const mc_catalogue *cat, mc_date date, const front_token *tok)
{
    bool ok = true;
    json_t *procs = json_array(), *roles = json_array(), *regs = json_array();
    size_t n;
    const mc_procedure *const *all = mc_catalogue_procedures(cat, &n);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(all[i - 1]->name, all[i]->name) == 0) {
            continue; /* versions are grouped by name: the name once */
        }
        const mc_procedure *p = mc_catalogue_procedure(cat, all[i]->name, date);
        if (p != NULL && sees(tok, p->agency)) {
            front_jpush(procs, procedure_json(cat, p, date), &ok);
        }
    }
    const mc_role *const *rs = mc_catalogue_roles(cat, &n);
    for (size_t i = 0; i < n; i++) {
        front_jpush(roles,
                    json_pack("{s:s, s:o}", "name", rs[i]->name, "title",
                              front_title_json(rs[i]->titles, rs[i]->ntitles, rs[i]->name)),
                    &ok);
    }
    const mc_registry *const *gs = mc_catalogue_registries(cat, &n);
    for (size_t i = 0; i < n; i++) {
        front_jpush(regs,
                    json_pack("{s:s, s:o}", "name", gs[i]->name, "title",
                              front_title_json(gs[i]->titles, gs[i]->ntitles, gs[i]->name)),
                    &ok);
    }
    /* Every agency's name and title: a part of an interconnected dossier is done by an agency
     * whose procedures the token may not see, and the console names it (issue 25). */
    json_t *ags = json_array();
    const mc_agency *const *as = mc_catalogue_agencies(cat, &n);
    for (size_t i = 0; i < n; i++) {
        front_jpush(ags,
                    json_pack("{s:s, s:o}", "name", as[i]->name, "title",
                              front_title_json(as[i]->titles, as[i]->ntitles, as[i]->name)),
                    &ok);
    }
    json_t *o = json_object();
    front_jset(o, "procedures", procs, &ok);
    front_jset(o, "roles", roles, &ok);
    front_jset(o, "registries", regs, &ok);
    front_jset(o, "agencies", ags, &ok);
    return front_jdone(o, ok);
}
