/* What the commands and the service show of a dossier, in one place (render.h in cli.h): its
 * JSON form and its times, so that `motcua show --format json` and the HTTP API agree. */
#include "cli.h"

#include "motcua/calendar.h"

#include <stdio.h>
#include <string.h>

const char *const cli_status_names[] = {"not required", "asked", "fetched", "provided"};

void cli_time_text(const mc_calendar *cal, int64_t t, char out[17])
{
    mc_localtime l = mc_calendar_to_local(cal, t);
    mc_datetime_format((mc_datetime)((l - ((l % 60) + 60) % 60) / 60), out);
}

/* The extensions of the time limit, for a procedure that declares some: "original_due" (the due
 * instant before them, while an extended clock runs) and "extensions" (each with its times
 * used and its legal basis). 0, or MC_ENOMEM. */
static int extensions_json(const mc_calendar *cal, const mc_dossier *d, json_t *o)
{
    const mc_procedure *p = d->procedure;
    if (p->nextensions == 0) {
        return 0;
    }
    int bad = 0;
    if (d->original_due != MC_NONE) {
        char t[17];
        cli_time_text(cal, d->original_due, t);
        bad |= json_object_set_new(o, "original_due", json_string(t));
    }
    json_t *list = json_array();
    bad |= list == NULL;
    for (size_t i = 0; list != NULL && i < p->nextensions; i++) {
        const mc_extension *x = &p->extensions[i];
        json_t *legal = json_array();
        bad |= legal == NULL;
        for (size_t k = 0; legal != NULL && k < x->legal_basis.n; k++) {
            bad |= json_array_append_new(legal, json_string(x->legal_basis.items[k]));
        }
        json_t *item = json_pack(
            "{s:s, s:s, s:I, s:I, s:I, s:o*}", "name", x->name, "event", x->event, "days",
            (json_int_t)(x->by.amount / MC_FIXED_ONE), "used",
            (json_int_t)(d->extensions_used && i < MC_MAX_EXTENSIONS ? d->extensions_used[i] : 0),
            "at_most", (json_int_t)x->at_most, "legal_basis", legal);
        bad |= item == NULL || json_array_append_new(list, item) != 0;
    }
    bad |= json_object_set_new(o, "extensions", list);
    return bad ? MC_ENOMEM : 0;
}

json_t *cli_dossier_json(const mc_calendar *cal, const mc_dossier *d)
{
    char t[17];
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(d->id));
    json_object_set_new(o, "procedure", json_string(d->procedure->name));
    if (d->procedure->has_effective) {
        char v[11];
        mc_date_format(d->procedure->effective, v);
        json_object_set_new(o, "version", json_string(v));
    }
    json_object_set_new(o, "state", json_string(d->state->name));
    json_object_set_new(o, "final", json_boolean(d->final));
    if (d->final) {
        json_object_set_new(o, "outcome", json_string(mc_outcome_name(d->state->outcome)));
        json_object_set_new(o, "late", json_boolean(d->late == 1));
    }
    json_object_set_new(o, "clock", json_string(mc_clock_name(d->clock)));
    if (d->due != MC_NONE) {
        cli_time_text(cal, d->due, t);
        json_object_set_new(o, "due", json_string(t));
    } else {
        json_object_set_new(o, "due", json_null());
    }
    json_object_set_new(o, "overdue", json_boolean(d->overdue));
    if (d->uncovered != 0) {
        json_object_set_new(o, "calendar_uncovered", json_true());
        json_object_set_new(o, "uncovered_year", json_integer(d->uncovered));
    }
    if (extensions_json(cal, d, o) != 0) {
        json_decref(o);
        return NULL;
    }
    cli_time_text(cal, d->submitted, t);
    json_object_set_new(o, "submitted", json_string(t));
    json_object_set_new(o, "channel", json_string(d->channel));
    json_object_set_new(o, "subject", d->subject ? json_string(d->subject) : json_null());
    json_object_set_new(o, "fee", d->fee != MC_NONE ? json_integer(d->fee) : json_null());
    json_object_set_new(o, "apologized", json_boolean(d->apologized));
    json_object_set_new(o, "events", json_integer(d->events));
    json_object_set_new(o, "blocked", json_integer(d->blocked));
    json_t *list = json_array();
    for (size_t i = 0; i < d->procedure->nrequires; i++) {
        const mc_dossier_req *r = &d->requirements[i];
        if (r->status == MC_REQ_NOT_REQUIRED) {
            continue;
        }
        json_t *item = json_pack("{s:s, s:s}", "document", r->requirement->document->name, "status",
                                 cli_status_names[r->status]);
        if (r->reason) {
            json_object_set_new(item, "reason", json_string(r->reason));
        }
        if (r->registry) {
            json_object_set_new(item, "registry", json_string(r->registry));
            json_object_set_new(item, "record", json_string(r->record ? r->record : ""));
        }
        json_array_append_new(list, item);
    }
    json_object_set_new(o, "checklist", list);
    return o;
}

static void cond_text(const mc_cond *c, char *out, size_t outsz)
{
    switch (c->kind) {
    case MC_COND_ALWAYS:
        snprintf(out, outsz, "always required");
        break;
    case MC_COND_FIELD:
        snprintf(out, outsz, "required when %s", c->field);
        break;
    case MC_COND_NOT:
        snprintf(out, outsz, "required when not %s", c->field);
        break;
    case MC_COND_IS:
        snprintf(out, outsz, "required when %s is %s", c->field, c->value);
        break;
    case MC_COND_RULE:
        snprintf(out, outsz, "required when rule %s.%s holds", c->rule.module, c->rule.function);
        break;
    }
}

/* Why one requirement of d is as it is. */
static json_t *explain_one(const mc_dossier *d, const mc_dossier_req *r)
{
    const mc_requirement *q = r->requirement;
    char why[200], story[400];
    cond_text(&q->when, why, sizeof why);
    const mc_registry *reg = q->document->registry;
    switch (r->status) {
    case MC_REQ_NOT_REQUIRED:
        snprintf(story, sizeof story, "not required: its condition does not hold");
        break;
    case MC_REQ_FETCHED:
        snprintf(story, sizeof story, "fetched from %s, record %s: never asked of the applicant",
                 r->registry, r->record ? r->record : "");
        break;
    case MC_REQ_PROVIDED:
        snprintf(story, sizeof story, "provided by the applicant");
        break;
    case MC_REQ_ASKED:
    default:
        if (r->reason != NULL) {
            snprintf(story, sizeof story, "asked: %s", r->reason);
        } else if (reg == NULL) {
            snprintf(story, sizeof story, "asked: no registry holds %s", q->document->name);
        } else {
            snprintf(story, sizeof story, "asked: registry %s is not usable for this dossier",
                     reg->name);
        }
        break;
    }
    const char *legal = q->legal_basis.n              ? q->legal_basis.items[0]
                        : d->procedure->legal_basis.n ? d->procedure->legal_basis.items[0]
                                                      : NULL;
    return json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?}", "document", q->document->name,
                     "status", cli_status_names[r->status], "required", why, "story", story,
                     "registry", r->registry, "record", r->record, "legal_basis", legal);
}

json_t *cli_explain_json(const mc_dossier *d, const char *only)
{
    json_t *list = json_array();
    bool found = only == NULL;
    for (size_t i = 0; i < d->procedure->nrequires; i++) {
        const mc_dossier_req *r = &d->requirements[i];
        if (only != NULL && strcmp(r->requirement->document->name, only) != 0) {
            continue;
        }
        found = true;
        json_array_append_new(list, explain_one(d, r));
    }
    if (!found) {
        json_decref(list);
        return NULL;
    }
    return list;
}

json_t *cli_event_json(const mc_calendar *cal, const mc_event_row *ev)
{
    char t[17];
    cli_time_text(cal, ev->at, t);
    return json_pack("{s:I, s:s, s:s, s:s?, s:o?}", "seq", (json_int_t)ev->seq, "at", t, "kind",
                     ev->kind, "actor", ev->actor, "body", json_loads(ev->body, 0, NULL));
}

json_t *cli_row_json(const mc_calendar *cal, const mc_dossier_row *row)
{
    char due[17] = "";
    if (row->due != MC_NONE) {
        cli_time_text(cal, row->due, due);
    }
    return json_pack("{s:I, s:s, s:s?, s:s, s:s?, s:b, s:b}", "id", (json_int_t)row->id,
                     "procedure", row->procedure, "agency", row->agency, "state", row->state, "due",
                     row->due != MC_NONE ? due : NULL, "overdue", row->overdue, "final",
                     row->final);
}
