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

/* The category of a relief as written: "poor-household", "not resident", "kind is student". */
static void relief_text(const mc_cond *c, char *out, size_t outsz)
{
    if (c->kind == MC_COND_NOT) {
        snprintf(out, outsz, "not %s", c->field);
    } else if (c->kind == MC_COND_IS) {
        snprintf(out, outsz, "%s is %s", c->field, c->value);
    } else {
        snprintf(out, outsz, "%s", c->field);
    }
}

json_t *cli_fee_json(const mc_dossier *d)
{
    const mc_procedure *p = d->procedure;
    if (d->fee == MC_NONE || p->fee_kind == MC_FEE_NONE) {
        return NULL;
    }
    const char *cur = p->fee_kind == MC_FEE_FIXED && p->fee.currency[0] ? p->fee.currency : "VND";
    char story[600];
    if (p->fee_kind == MC_FEE_FIXED) {
        snprintf(story, sizeof story, "%lld %s: the procedure's fixed fee", (long long)d->fee, cur);
        return json_pack("{s:I, s:s, s:s, s:s}", "amount", (json_int_t)d->fee, "currency", cur,
                         "kind", "fixed", "story", story);
    }
    if (p->fee_kind == MC_FEE_RULE) {
        char rule[2 * MC_NAME_MAX + 2];
        snprintf(rule, sizeof rule, "%s.%s", p->fee_rule.module, p->fee_rule.function);
        snprintf(story, sizeof story, "%lld %s: computed by fee rule %s", (long long)d->fee, cur,
                 rule);
        return json_pack("{s:I, s:s, s:s, s:s, s:s}", "amount", (json_int_t)d->fee, "currency", cur,
                         "kind", "rule", "rule", rule, "story", story);
    }
    mc_fee_basis fb;
    mc_date day = mc_calendar_date(mc_calendar_to_local(p->calendar, d->submitted));
    char received[11], from[11] = "", share[32] = "", category[200] = "";
    mc_date_format(day, received);
    mc_fee_schedule_apply(p, day, d->values, &fb);
    const mc_fee_schedule *s = p->fee_schedule;
    if (fb.line == NULL) {
        snprintf(story, sizeof story,
                 "%lld VND: fee schedule %s has no amount in force on %s, the day of reception",
                 (long long)d->fee, s->name, received);
    } else {
        cur = fb.line->amount.currency;
        mc_date_format(fb.line->from, from);
        int n =
            snprintf(story, sizeof story, "%lld %s: fee schedule %s, %lld %s in force from %s",
                     (long long)d->fee, cur, s->name, (long long)fb.line->amount.amount, cur, from);
        if (fb.line->legal_basis != NULL && n > 0 && (size_t)n < sizeof story) {
            n += snprintf(story + n, sizeof story - (size_t)n, " (%s)", fb.line->legal_basis);
        }
        if (fb.relief != NULL && n > 0 && (size_t)n < sizeof story) {
            relief_text(&fb.relief->when, category, sizeof category);
            mc_fixed_format(fb.relief->share, share);
            if (fb.relief->kind == MC_RELIEF_EXEMPT) {
                n += snprintf(story + n, sizeof story - (size_t)n, "; exempt: %s", category);
            } else {
                n += snprintf(story + n, sizeof story - (size_t)n, "; reduced by %s%%: %s", share,
                              category);
            }
            if (fb.relief->legal_basis != NULL && n > 0 && (size_t)n < sizeof story) {
                snprintf(story + n, sizeof story - (size_t)n, " (%s)", fb.relief->legal_basis);
            }
        }
    }
    if (share[0] != '\0') {
        strcat(share, "%");
    }
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s?, s:o?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s}",
                     "amount", (json_int_t)d->fee, "currency", cur, "kind", "schedule", "schedule",
                     s->name, "received", received, "from", from[0] ? from : NULL,
                     "schedule_amount", fb.line ? json_integer(fb.line->amount.amount) : NULL,
                     "legal_basis", fb.line ? fb.line->legal_basis : NULL, "relief",
                     fb.relief == NULL                     ? NULL
                     : fb.relief->kind == MC_RELIEF_EXEMPT ? "exempt"
                                                           : "reduced",
                     "relief_share", share[0] ? share : NULL, "category",
                     category[0] ? category : NULL, "relief_legal_basis",
                     fb.relief ? fb.relief->legal_basis : NULL, "story", story);
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
