/* The JSON views of the two front ends (view.h): what `motcua show`, `list`, `history`,
 * `explain` and `report --format json` print and the HTTP API answers, in one place, whole or
 * absent under memory pressure. */
#include "view.h"
#include "front.h"

#include "base/json.h"
#include "motcua/calendar.h"
#include "motcua/msg.h"

#include <stdio.h>
#include <string.h>

/* ---- the checked builder ------------------------------------------------------------------ */

void front_jset(json_t *o, const char *key, json_t *v, bool *ok)
{
    /* json_object_set_new takes v even when it fails, and refuses a NULL v. */
    if (json_object_set_new(o, key, v) != 0) {
        *ok = false;
    }
}

void front_jpush(json_t *a, json_t *v, bool *ok)
{
    if (json_array_append_new(a, v) != 0) {
        *ok = false;
    }
}

json_t *front_jdone(json_t *j, bool ok)
{
    if (!ok || j == NULL) {
        json_decref(j);
        return NULL;
    }
    return j;
}

json_t *front_title_json(const mc_text *titles, size_t n, const char *name)
{
    return json_pack("{s:s, s:s}", "en", mc_title(titles, n, NULL, name), "vi",
                     mc_title(titles, n, "vi", name));
}

/* ---- dossiers ----------------------------------------------------------------------------- */

const char *const front_status_names[] = {"not required", "asked", "fetched", "provided",
                                          "waiting"};

void front_time_text(const mc_calendar *cal, int64_t t, char out[17])
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
        front_time_text(cal, d->original_due, t);
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

/* A requirement waiting for its live registry (issue 20): the registry, since when it waits, the
 * next try and when the wait ends (local times), and the look-ups left unanswered so far. */
static json_t *wait_json(const mc_calendar *cal, const mc_dossier_req *r)
{
    char since[17], next[17], until[17];
    front_time_text(cal, r->wait_since, since);
    front_time_text(cal, r->wait_next, next);
    front_time_text(cal, r->wait_until, until);
    const mc_registry *reg = r->requirement->document->registry;
    return json_pack("{s:s, s:s, s:s, s:s, s:i}", "registry", reg ? reg->name : "", "since", since,
                     "next_try", next, "until", until, "tries", r->wait_tries);
}

const char *front_reason_text(const mc_dossier_req *r, mc_lang lang, char *out, size_t outsz)
{
    if (r->reason == NULL) {
        return NULL;
    }
    if (lang == MC_LANG_EN || r->reason_code == NULL) {
        return r->reason;
    }
    /* A date or time among the arguments (an expiry, the end of a wait) is data the engine
     * wrote as YYYY-MM-DD[THH:MM]: people read it as their language writes dates. */
    enum { N = 8 };
    char dates[N][20];
    const char *args[N];
    size_t n = r->nreason_args < N ? r->nreason_args : N;
    for (size_t i = 0; i < n; i++) {
        const char *a = r->reason_args[i] ? r->reason_args[i] : "";
        mc_msg_time(lang, a, dates[i], sizeof dates[i]);
        args[i] = strlen(a) < sizeof dates[i] ? dates[i] : a;
    }
    if (mc_msg_format(lang, r->reason_code, args, n, out, outsz) < 0) {
        return r->reason;
    }
    return out;
}

json_t *front_checklist_json(const mc_calendar *cal, const mc_dossier *d, mc_lang lang)
{
    bool ok = true;
    json_t *list = json_array();
    for (size_t i = 0; list != NULL && i < d->procedure->nrequires; i++) {
        const mc_dossier_req *r = &d->requirements[i];
        if (r->status == MC_REQ_NOT_REQUIRED) {
            continue;
        }
        json_t *item = json_pack("{s:s, s:s}", "document", r->requirement->document->name, "status",
                                 front_status_names[r->status]);
        if (r->requirement->party != 0) {
            front_jset(item, "party",
                       json_string(d->procedure->parties[r->requirement->party].name), &ok);
        }
        char said[600];
        const char *reason = front_reason_text(r, lang, said, sizeof said);
        if (reason != NULL) {
            front_jset(item, "reason", mc_json_text(reason), &ok);
        }
        if (r->registry) {
            front_jset(item, "registry", json_string(r->registry), &ok);
            front_jset(item, "record", json_string(r->record ? r->record : ""), &ok);
        }
        if (r->status == MC_REQ_WAITING) {
            front_jset(item, "wait", wait_json(cal, r), &ok);
        }
        front_jpush(list, item, &ok);
    }
    return front_jdone(list, ok);
}

/* An interconnected dossier's parts (issue 25): each with its title, procedure, its dossier and
 * how it stands — "waiting", "running", "ended", "refused" (could not start), "not-needed". */
static json_t *parts_json(const mc_calendar *cal, const mc_dossier *d, mc_lang lang)
{
    bool ok = true;
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < d->nparts; i++) {
        const mc_dossier_part *v = &d->parts[i];
        json_t *o = json_object();
        front_jset(o, "part", json_string(v->part->name), &ok);
        front_jset(o, "title", front_title_json(v->part->titles, v->part->ntitles, v->part->name),
                   &ok);
        front_jset(o, "procedure", json_string(v->part->procedure), &ok);
        front_jset(o, "status", json_string(mc_part_status_name(v->status)), &ok);
        front_jset(o, "dossier", v->dossier ? json_integer(v->dossier) : json_null(), &ok);
        if (v->dossier != 0) {
            char t[17];
            front_jset(o, "agency", json_string(v->agency), &ok);
            front_jset(o, "state", json_string(v->state), &ok);
            front_jset(o, "overdue", json_boolean(v->overdue), &ok);
            if (v->late >= 0) {
                front_jset(o, "outcome", json_string(v->outcome), &ok);
                front_jset(o, "late", json_boolean(v->late == 1), &ok);
            }
            if (v->due != MC_NONE) {
                front_time_text(cal, v->due, t);
                front_jset(o, "due", json_string(t), &ok);
            } else {
                front_jset(o, "due", json_null(), &ok);
            }
        }
        (void)lang;
        front_jpush(a, front_jdone(o, ok), &ok);
    }
    return front_jdone(a, ok);
}

json_t *front_dossier_json(const mc_calendar *cal, const mc_dossier *d)
{
    return front_dossier_json_lang(cal, d, MC_LANG_EN);
}

json_t *front_dossier_json_lang(const mc_calendar *cal, const mc_dossier *d, mc_lang lang)
{
    char t[17];
    bool ok = true;
    json_t *o = json_object();
    front_jset(o, "id", json_integer(d->id), &ok);
    front_jset(o, "procedure", json_string(d->procedure->name), &ok);
    if (d->procedure->has_effective) {
        char v[11];
        mc_date_format(d->procedure->effective, v);
        front_jset(o, "version", json_string(v), &ok);
    }
    front_jset(o, "state", json_string(d->state->name), &ok);
    front_jset(o, "final", json_boolean(d->final), &ok);
    if (d->final) {
        front_jset(o, "outcome", json_string(mc_outcome_name(d->state->outcome)), &ok);
        front_jset(o, "late", json_boolean(d->late == 1), &ok);
    }
    front_jset(o, "clock", json_string(mc_clock_name(d->clock)), &ok);
    if (d->due != MC_NONE) {
        front_time_text(cal, d->due, t);
        front_jset(o, "due", json_string(t), &ok);
    } else {
        front_jset(o, "due", json_null(), &ok);
    }
    front_jset(o, "overdue", json_boolean(d->overdue), &ok);
    if (d->uncovered != 0) {
        front_jset(o, "calendar_uncovered", json_true(), &ok);
        front_jset(o, "uncovered_year", json_integer(d->uncovered), &ok);
    }
    if (ok && extensions_json(cal, d, o) != 0) {
        ok = false;
    }
    front_time_text(cal, d->submitted, t);
    front_jset(o, "submitted", json_string(t), &ok);
    front_jset(o, "channel", json_string(d->channel), &ok);
    front_jset(o, "subject", d->subject ? json_string(d->subject) : json_null(), &ok);
    if (d->procedure->nparties > 1) {
        /* each party's identifier, the applicant's being the subject (null: not named) */
        json_t *parties = json_object();
        for (size_t k = 0; parties != NULL && k < d->procedure->nparties; k++) {
            const char *id = k == 0 ? d->subject : mc_party_value(d->procedure, k, d->values);
            front_jset(parties, d->procedure->parties[k].name, id ? json_string(id) : json_null(),
                       &ok);
        }
        front_jset(o, "parties", parties, &ok);
    }
    if (d->parent != 0) { /* a part of an interconnected dossier (issue 25) */
        front_jset(o, "parent", json_integer(d->parent), &ok);
        front_jset(o, "part", json_string(d->part), &ok);
        if (d->part_decl != NULL) {
            front_jset(o, "part_title",
                       front_title_json(d->part_decl->titles, d->part_decl->ntitles, d->part),
                       &ok);
        }
    }
    if (d->nparts > 0) {
        front_jset(o, "parts", parts_json(cal, d, lang), &ok);
    }
    front_jset(o, "fee", d->fee != MC_NONE ? json_integer(d->fee) : json_null(), &ok);
    front_jset(o, "apologized", json_boolean(d->apologized), &ok);
    front_jset(o, "events", json_integer(d->events), &ok);
    front_jset(o, "blocked", json_integer(d->blocked), &ok);
    front_jset(o, "checklist", front_checklist_json(cal, d, lang), &ok);
    return front_jdone(o, ok);
}

/* Says code of the catalogue in lang with up to two arguments into out. */
static void say(mc_lang lang, const char *code, const char *a1, const char *a2, char *out,
                size_t outsz)
{
    const char *args[] = {a1, a2};
    mc_msg_format(lang, code, args, a2 ? 2 : a1 ? 1 : 0, out, outsz);
}

static void cond_text(const mc_cond *c, mc_lang lang, char *out, size_t outsz)
{
    switch (c->kind) {
    case MC_COND_ALWAYS:
        say(lang, "explain.always", NULL, NULL, out, outsz);
        break;
    case MC_COND_FIELD:
        say(lang, "explain.when", c->field, NULL, out, outsz);
        break;
    case MC_COND_NOT:
        say(lang, "explain.when-not", c->field, NULL, out, outsz);
        break;
    case MC_COND_IS:
        say(lang, "explain.when-is", c->field, c->value, out, outsz);
        break;
    case MC_COND_RULE:
        say(lang, "explain.when-rule", c->rule.module, c->rule.function, out, outsz);
        break;
    case MC_COND_DOCUMENTS_COMPLETE: /* a guard only: lint refuses it on a requirement */
        say(lang, "explain.always", NULL, NULL, out, outsz);
        break;
    }
}

/* A live registry's look-up of requirement r (issue 20): what was asked of which registry, what
 * came back and when (the dossier's local time, to the second), and, when a record was fetched,
 * the sentence that says so, in English (said_en) and Vietnamese (said_vi, and its message code
 * and arguments as "message"). NULL: out of memory. */
static json_t *lookup_json(const mc_dossier *d, const mc_dossier_req *r, char said_en[300],
                           char said_vi[300])
{
    const mc_calendar *cal =
        d->procedure->calendar != NULL ? d->procedure->calendar : mc_calendar_builtin();
    char when[24] = "", clock[9] = "-";
    if (r->lookup_answered_at > 0) {
        mc_localtime l = mc_calendar_to_local(cal, r->lookup_answered_at);
        int64_t secs = ((l % MC_DAY_SECONDS) + MC_DAY_SECONDS) % MC_DAY_SECONDS;
        char minute[17];
        front_time_text(cal, r->lookup_answered_at, minute);
        snprintf(clock, sizeof clock, "%02d:%02d:%02d", (int)(secs / 3600), (int)(secs / 60 % 60),
                 (int)(secs % 60));
        snprintf(when, sizeof when, "%.10sT%s", minute, clock);
    }
    const mc_registry *reg = r->requirement->document->registry;
    bool ok = true;
    json_t *o = json_pack("{s:s, s:s, s:s?, s:s?, s:s?}", "registry", reg->name, "outcome",
                          r->lookup_outcome, "request", r->lookup_request, "answered",
                          when[0] ? when : NULL, "hash", r->lookup_hash);
    if (r->status == MC_REQ_FETCHED && strcmp(r->lookup_outcome, "found") == 0) {
        const char *args[] = {r->registry ? r->registry : reg->name, r->record ? r->record : "",
                              clock, r->lookup_request ? r->lookup_request : "-"};
        mc_msg_format(MC_LANG_EN, "once-only.live-fetched", args, 4, said_en, 300);
        mc_msg_format(MC_LANG_VI, "once-only.live-fetched", args, 4, said_vi, 300);
        json_t *msg = json_pack("[s, s, s, s, s]", "once-only.live-fetched", args[0], args[1],
                                args[2], args[3]);
        front_jset(o, "message", msg, &ok);
        front_jset(o, "text", json_string(said_en), &ok);
        front_jset(o, "text_vi", json_string(said_vi), &ok);
    }
    return front_jdone(o, ok);
}

/* Why one requirement of d is as it is. */
static json_t *explain_one(const mc_dossier *d, const mc_dossier_req *r, mc_lang lang)
{
    const mc_requirement *q = r->requirement;
    char why[200], story[400], said[600];
    cond_text(&q->when, lang, why, sizeof why);
    const char *reason = front_reason_text(r, lang, said, sizeof said);
    const mc_registry *reg = q->document->registry;
    char said_en[300] = "", said_vi[300] = "";
    json_t *live =
        r->lookup_outcome != NULL && reg != NULL ? lookup_json(d, r, said_en, said_vi) : NULL;
    if (r->lookup_outcome != NULL && reg != NULL && live == NULL) {
        return NULL;
    }
    switch (r->status) {
    case MC_REQ_NOT_REQUIRED:
        say(lang, "explain.not-required", NULL, NULL, story, sizeof story);
        break;
    case MC_REQ_FETCHED:
        if (live != NULL) {
            say(lang, "explain.fetched-live", lang == MC_LANG_VI ? said_vi : said_en, NULL, story,
                sizeof story);
        } else {
            say(lang, "explain.fetched", r->registry, r->record ? r->record : "", story,
                sizeof story);
        }
        break;
    case MC_REQ_PROVIDED:
        say(lang, "explain.provided", NULL, NULL, story, sizeof story);
        break;
    case MC_REQ_WAITING:
        /* neither fetched nor asked: the reason says until when, and the next try */
        say(lang, "explain.waiting", reason ? reason : "", NULL, story, sizeof story);
        break;
    case MC_REQ_ASKED:
    default:
        if (reason != NULL) {
            say(lang, "explain.asked", reason, NULL, story, sizeof story);
        } else if (reg == NULL) {
            say(lang, "explain.no-registry", q->document->name, NULL, story, sizeof story);
        } else {
            say(lang, "explain.not-usable", reg->name, NULL, story, sizeof story);
        }
        break;
    }
    const char *legal = q->legal_basis.n              ? q->legal_basis.items[0]
                        : d->procedure->legal_basis.n ? d->procedure->legal_basis.items[0]
                                                      : NULL;
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?}", "document", q->document->name,
                          "status", front_status_names[r->status], "required", why, "story", story,
                          "registry", r->registry, "record", r->record, "legal_basis", legal);
    if (live != NULL) {
        bool ok = o != NULL;
        front_jset(o, "lookup", live, &ok); /* takes live, even when o is NULL */
        o = ok ? o : front_jdone(o, false);
    }
    if (o != NULL && q->party != 0) {
        /* whose record satisfies it: the party, and the identifier it is looked up under */
        const char *id = mc_party_value(d->procedure, q->party, d->values);
        bool ok = true;
        front_jset(o, "party", json_string(d->procedure->parties[q->party].name), &ok);
        front_jset(o, "party_id", id ? json_string(id) : json_null(), &ok);
        o = front_jdone(o, ok);
    }
    return o;
}

int front_explain_json(const mc_dossier *d, const char *only, json_t **out)
{
    return front_explain_json_lang(d, only, MC_LANG_EN, out);
}

int front_explain_json_lang(const mc_dossier *d, const char *only, mc_lang lang, json_t **out)
{
    *out = NULL;
    bool ok = true, found = only == NULL;
    json_t *list = json_array();
    for (size_t i = 0; i < d->procedure->nrequires; i++) {
        const mc_dossier_req *r = &d->requirements[i];
        if (only != NULL && strcmp(r->requirement->document->name, only) != 0) {
            continue;
        }
        found = true;
        front_jpush(list, explain_one(d, r, lang), &ok);
    }
    list = front_jdone(list, ok);
    if (list == NULL) {
        return MC_ENOMEM;
    }
    if (!found) {
        json_decref(list);
        return MC_ENOTFOUND;
    }
    *out = list;
    return 0;
}

/* ---- events and lists --------------------------------------------------------------------- */

/* A refusal's "message" in body said again in lang from its "code" and "args" (a refusal
 * recorded before codes, or with a code the catalogue does not know, keeps its text). Returns
 * false when memory ran out. */
static bool say_refusal(json_t *body, mc_lang lang)
{
    json_t *code = json_object_get(body, "code"), *list = json_object_get(body, "args");
    if (lang == MC_LANG_EN || !json_is_string(code) || !json_is_array(list) ||
        !json_is_string(json_object_get(body, "message"))) {
        return true;
    }
    const char *args[MC_MSG_MAXARGS] = {0};
    size_t n = json_array_size(list) < MC_MSG_MAXARGS ? json_array_size(list) : MC_MSG_MAXARGS;
    for (size_t i = 0; i < n; i++) {
        const char *a = json_string_value(json_array_get(list, i));
        args[i] = a != NULL ? a : "";
    }
    char said[600];
    if (mc_msg_format(lang, json_string_value(code), args, n, said, sizeof said) < 0) {
        return true;
    }
    return json_object_set_new(body, "message", mc_json_text(said)) == 0;
}

json_t *front_event_json(const mc_calendar *cal, const mc_event_row *ev)
{
    return front_event_json_lang(cal, ev, MC_LANG_EN);
}

json_t *front_event_json_lang(const mc_calendar *cal, const mc_event_row *ev, mc_lang lang)
{
    char t[17];
    front_time_text(cal, ev->at, t);
    json_t *body = NULL;
    if (mc_json_loads(ev->body, 0, &body) == MC_ENOMEM) {
        return NULL;
    }
    if (body != NULL && strcmp(ev->kind, "blocked") == 0 && !say_refusal(body, lang)) {
        json_decref(body);
        return NULL;
    }
    return json_pack("{s:I, s:s, s:s, s:s?, s:o?}", "seq", (json_int_t)ev->seq, "at", t, "kind",
                     ev->kind, "actor", ev->actor, "body", body);
}

json_t *front_row_json(const mc_calendar *cal, const mc_dossier_row *row, const char *applicant)
{
    char due[17] = "";
    if (row->due != MC_NONE) {
        front_time_text(cal, row->due, due);
    }
    return json_pack("{s:I, s:s, s:s?, s:s?, s:s?, s:s, s:s?, s:b, s:b}", "id", (json_int_t)row->id,
                     "procedure", row->procedure, "agency", row->agency, "subject", row->subject,
                     "applicant", applicant, "state", row->state, "due",
                     row->due != MC_NONE ? due : NULL, "overdue", row->overdue, "final",
                     row->final);
}

/* ---- indicators --------------------------------------------------------------------------- */

/* Hundredths as "12.50", or "-" for MC_REPORT_NONE. */
static void hundredths_text(int64_t v, char out[32])
{
    if (v == MC_REPORT_NONE) {
        snprintf(out, 32, "-");
        return;
    }
    front_hundredths(v, out);
}

json_t *front_indicators_json(const mc_indicators *x)
{
    mc_indicator_ratios v = mc_report_ratios(x);
    char on[32], online[32], full[32], mean[32];
    hundredths_text(v.on_time, on);
    hundredths_text(v.online, online);
    hundredths_text(v.full_online, full);
    hundredths_text(v.mean_wd, mean);
    bool ok = true;
    json_t *o =
        json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
                  "s:I, s:s, s:s, s:s, s:s}",
                  "name", x->name, "received", (json_int_t)x->received, "resolved",
                  (json_int_t)x->resolved, "on_time", (json_int_t)x->on_time, "late",
                  (json_int_t)x->late, "in_progress", (json_int_t)x->in_progress, "overdue",
                  (json_int_t)x->overdue, "apologies", (json_int_t)x->apologies, "apologies_timely",
                  (json_int_t)x->apologies_timely, "online", (json_int_t)x->online, "full_online",
                  (json_int_t)x->full_online, "results", (json_int_t)x->results, "fetched",
                  (json_int_t)x->fetched, "asked", (json_int_t)x->asked, "on_time_pct", on,
                  "online_pct", online, "full_online_pct", full, "mean_processing_wd", mean);
    front_jset(o, "blocked", json_integer(x->blocked), &ok);
    front_jset(o, "extended", json_integer(x->extended), &ok);
    return front_jdone(o, ok);
}

/* The category of a relief as written: "poor-household", "not resident", "kind is student". */
static void relief_text(const mc_cond *c, mc_lang lang, char *out, size_t outsz)
{
    if (c->kind == MC_COND_NOT) {
        say(lang, "fee.category-not", c->field, NULL, out, outsz);
    } else if (c->kind == MC_COND_IS) {
        say(lang, "fee.category-is", c->field, c->value, out, outsz);
    } else {
        snprintf(out, outsz, "%s", c->field);
    }
}

json_t *front_fee_json(const mc_dossier *d)
{
    return front_fee_json_lang(d, MC_LANG_EN);
}

json_t *front_fee_json_lang(const mc_dossier *d, mc_lang lang)
{
    const mc_procedure *p = d->procedure;
    if (d->fee == MC_NONE || p->fee_kind == MC_FEE_NONE) {
        return NULL;
    }
    const char *cur = p->fee_kind == MC_FEE_FIXED && p->fee.currency[0] ? p->fee.currency : "VND";
    char story[600], amount[48];
    mc_msg_money(lang, (long long)d->fee, cur, amount, sizeof amount);
    if (p->fee_kind == MC_FEE_FIXED) {
        say(lang, "fee.fixed", amount, NULL, story, sizeof story);
        return json_pack("{s:I, s:s, s:s, s:s}", "amount", (json_int_t)d->fee, "currency", cur,
                         "kind", "fixed", "story", story);
    }
    if (p->fee_kind == MC_FEE_RULE) {
        char rule[2 * MC_NAME_MAX + 2];
        snprintf(rule, sizeof rule, "%s.%s", p->fee_rule.module, p->fee_rule.function);
        say(lang, "fee.rule", amount, rule, story, sizeof story);
        return json_pack("{s:I, s:s, s:s, s:s, s:s}", "amount", (json_int_t)d->fee, "currency", cur,
                         "kind", "rule", "rule", rule, "story", story);
    }
    mc_fee_basis fb;
    mc_date day = mc_calendar_date(mc_calendar_to_local(p->calendar, d->submitted));
    char received[11], from[11] = "", share[32] = "", category[200] = "", said_day[20];
    mc_date_format(day, received);
    mc_fee_schedule_apply(p, day, d->values, &fb);
    const mc_fee_schedule *s = p->fee_schedule;
    if (fb.line == NULL) {
        const char *args[] = {NULL, s->name, said_day};
        mc_msg_money(lang, (long long)d->fee, "VND", amount, sizeof amount);
        mc_msg_time(lang, received, said_day, sizeof said_day);
        args[0] = amount;
        mc_msg_format(lang, "fee.schedule-none", args, 3, story, sizeof story);
    } else {
        cur = fb.line->amount.currency;
        mc_date_format(fb.line->from, from);
        char line[48];
        mc_msg_money(lang, (long long)d->fee, cur, amount, sizeof amount);
        mc_msg_money(lang, (long long)fb.line->amount.amount, cur, line, sizeof line);
        mc_msg_time(lang, from, said_day, sizeof said_day);
        const char *args[] = {amount, s->name, line, said_day};
        int n = mc_msg_format(lang, "fee.schedule", args, 4, story, sizeof story);
        if (fb.line->legal_basis != NULL && n > 0 && (size_t)n < sizeof story) {
            n += snprintf(story + n, sizeof story - (size_t)n, " (%s)", fb.line->legal_basis);
        }
        if (fb.relief != NULL && n > 0 && (size_t)n < sizeof story) {
            char said_category[200], clause[300], pct[40];
            relief_text(&fb.relief->when, MC_LANG_EN, category, sizeof category);
            relief_text(&fb.relief->when, lang, said_category, sizeof said_category);
            mc_fixed_format(fb.relief->share, share);
            snprintf(pct, sizeof pct, "%s%%", share);
            if (fb.relief->kind == MC_RELIEF_EXEMPT) {
                say(lang, "fee.exempt", said_category, NULL, clause, sizeof clause);
            } else {
                say(lang, "fee.reduced", pct, said_category, clause, sizeof clause);
            }
            n += snprintf(story + n, sizeof story - (size_t)n, "; %s", clause);
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
