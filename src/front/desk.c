/* The JSON of the one-stop desk (desk.h): the preview, the tracking answer, the officers' rows. */
#include "desk.h"
#include "base/json.h"
#include "view.h"

#include <string.h>

json_t *front_preview_json(const mc_calendar *cal, const mc_dossier *d, mc_lang lang)
{
    bool ok = true;
    json_t *o = json_object();
    front_jset(o, "procedure", json_string(d->procedure->name), &ok);
    front_jset(o, "subject", d->subject ? json_string(d->subject) : json_null(), &ok);
    front_jset(o, "checklist", front_checklist_json(cal, d, lang), &ok);
    return front_jdone(o, ok);
}

/* What the applicant is asked to bring, with why (in lang) and the message catalogue's terms. */
static json_t *asked_json(const mc_dossier *d, mc_lang lang)
{
    bool ok = true;
    json_t *list = json_array();
    for (size_t i = 0; list != NULL && i < d->procedure->nrequires; i++) {
        const mc_dossier_req *r = &d->requirements[i];
        if (r->status != MC_REQ_ASKED) {
            continue;
        }
        const mc_document *doc = r->requirement->document;
        json_t *args = json_array();
        for (size_t k = 0; k < r->nreason_args; k++) {
            front_jpush(args, json_string(r->reason_args[k]), &ok);
        }
        json_t *item = json_object();
        front_jset(item, "document", json_string(doc->name), &ok);
        front_jset(item, "title", front_title_json(doc->titles, doc->ntitles, doc->name), &ok);
        char said[600];
        const char *reason = front_reason_text(r, lang, said, sizeof said);
        front_jset(item, "reason", reason != NULL ? mc_json_text(reason) : json_null(), &ok);
        front_jset(item, "code", r->reason_code ? json_string(r->reason_code) : json_null(), &ok);
        front_jset(item, "args", args, &ok);
        front_jpush(list, item, &ok);
    }
    return front_jdone(list, ok);
}

/* What the citizen reads of an interconnected dossier's parts (issue 25): each part's title, the
 * agency that does it and how it stands ("waiting", "running", "ended", "refused",
 * "not-needed", with the state's title once it has a dossier). No officer, no internal number. */
static json_t *track_parts_json(const mc_dossier *d)
{
    bool ok = true;
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < d->nparts; i++) {
        const mc_dossier_part *v = &d->parts[i];
        json_t *o = json_object();
        front_jset(o, "part", json_string(v->part->name), &ok);
        front_jset(o, "title", front_title_json(v->part->titles, v->part->ntitles, v->part->name),
                   &ok);
        front_jset(o, "status", json_string(mc_part_status_name(v->status)), &ok);
        if (v->dossier != 0) {
            const mc_agency *ag = v->agency_decl;
            const mc_state *st = v->state_decl;
            front_jset(o, "agency_title",
                       ag ? front_title_json(ag->titles, ag->ntitles, ag->name)
                          : front_title_json(NULL, 0, v->agency),
                       &ok);
            front_jset(o, "state_title",
                       st ? front_title_json(st->titles, st->ntitles, st->name)
                          : front_title_json(NULL, 0, v->state),
                       &ok);
            front_jset(o, "late", json_boolean(v->late == 1 || v->overdue), &ok);
        }
        front_jpush(a, front_jdone(o, ok), &ok);
    }
    return front_jdone(a, ok);
}

json_t *front_track_json(const mc_calendar *cal, const mc_dossier *d, const char *apology_new_date,
                         mc_lang lang)
{
    const mc_procedure *p = d->procedure;
    char submitted[17], due[17], finished[17];
    front_time_text(cal, d->submitted, submitted);
    if (d->due != MC_NONE) {
        front_time_text(cal, d->due, due);
    }
    if (d->final && d->finished != MC_NONE) {
        front_time_text(cal, d->finished, finished);
    }
    bool ok = true;
    json_t *o = json_object();
    front_jset(o, "code", json_integer(d->id), &ok);
    front_jset(o, "procedure", json_string(p->name), &ok);
    front_jset(o, "procedure_title", front_title_json(p->titles, p->ntitles, p->name), &ok);
    front_jset(o, "state", json_string(d->state->name), &ok);
    front_jset(o, "state_title",
               front_title_json(d->state->titles, d->state->ntitles, d->state->name), &ok);
    front_jset(o, "final", json_boolean(d->final), &ok);
    front_jset(o, "submitted", json_string(submitted), &ok);
    front_jset(o, "due", d->due != MC_NONE ? json_string(due) : json_null(), &ok);
    /* Why there is no appointment: the time limit not counted yet, or paused (a supplement
     * asked, a result waiting to be handed back); and when a closed dossier ended. */
    front_jset(o, "clock", json_string(mc_clock_name(d->clock)), &ok);
    front_jset(o, "finished",
               d->final && d->finished != MC_NONE ? json_string(finished) : json_null(), &ok);
    front_jset(o, "apology_new_date",
               apology_new_date != NULL ? json_string(apology_new_date) : json_null(), &ok);
    front_jset(o, "asked", asked_json(d, lang), &ok);
    if (d->nparts > 0) {
        front_jset(o, "parts", track_parts_json(d), &ok);
    }
    return front_jdone(o, ok);
}

json_t *front_officers_json(const mc_officer_report *r)
{
    bool ok = true;
    json_t *list = json_array();
    for (size_t i = 0; list != NULL && i < r->nofficers; i++) {
        const mc_officer_row *x = &r->officers[i];
        front_jpush(list,
                    json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "officer", x->officer,
                              "handled", (json_int_t)x->handled, "on_time", (json_int_t)x->on_time,
                              "late", (json_int_t)x->late, "supplements",
                              (json_int_t)x->supplements, "apologies", (json_int_t)x->apologies,
                              "once_only_refusals", (json_int_t)x->once_only_refusals),
                    &ok);
    }
    return front_jdone(list, ok);
}
