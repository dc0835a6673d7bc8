/*
 * The dossier engine (engine.h). An operation runs in one store transaction: load the dossier,
 * let its due timers and overdue marks take effect, decide, then write the dossier row and its
 * events together — or, when refused, only the refusal's event.
 */
#include "motcua/engine.h"

#include "motcua/alloc.h"
#include "motcua/calendar.h"
#include "regex.h"

#include <jansson.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum { MAX_CATCH_UP = 1000, DAY = 86400 };

struct mc_engine {
    const mc_catalogue *cat;
    mc_rules *rules;
    mc_store *st;
};

typedef struct req_state {
    mc_req_status status;
    char *reason, *registry, *record;
} req_state;

/* A dossier being worked on. */
typedef struct dos {
    mc_dossier_row row;
    const mc_procedure *p;
    const mc_calendar *cal;
    uint32_t state;
    char **values;   /* per field, mc_malloc'd, or NULL */
    req_state *reqs; /* per requirement */
    json_t *events;  /* events to append, in order: [{kind, actor, at, body}] */
    json_t *tickets; /* correction tickets to record: [{registry, document, reference, …}] */
} dos;

/* The reason an operation was refused. */
typedef struct refusal {
    mc_refusal why;
    char msg[512];
} refusal;

const char *mc_refusal_name(mc_refusal r)
{
    static const char *const names[] = {"", "state", "role", "guard", "limit", "once-only", ""};
    return (unsigned)r < 7 ? names[r] : "";
}

static int refuse(refusal *rf, mc_refusal why, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int refuse(refusal *rf, mc_refusal why, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rf->msg, sizeof rf->msg, fmt, ap);
    va_end(ap);
    rf->why = why;
    return MC_EREFUSED;
}

/* ==== opening ============================================================================ */

int mc_engine_open(mc_engine **out, const mc_catalogue *cat, mc_rules *rules, const char *db,
                   mc_error *err)
{
    *out = NULL;
    mc_engine *e = mc_calloc(1, sizeof *e);
    if (e == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    e->cat = cat;
    e->rules = rules;
    int rc = mc_store_open(&e->st, db, err);
    if (rc != 0) {
        mc_free(e);
        return rc;
    }
    *out = e;
    return 0;
}

void mc_engine_close(mc_engine *e)
{
    if (e != NULL) {
        mc_store_close(e->st);
        mc_free(e);
    }
}

mc_store *mc_engine_store(mc_engine *e)
{
    return e->st;
}

/* ==== dossier in memory ================================================================== */

static void dos_free(dos *d)
{
    if (d->p != NULL) {
        for (size_t i = 0; d->values && i < d->p->nfields; i++) {
            mc_free(d->values[i]);
        }
        for (size_t i = 0; d->reqs && i < d->p->nrequires; i++) {
            mc_free(d->reqs[i].reason);
            mc_free(d->reqs[i].registry);
            mc_free(d->reqs[i].record);
        }
    }
    mc_free(d->values);
    mc_free(d->reqs);
    mc_dossier_row_clear(&d->row);
    json_decref(d->events);
    json_decref(d->tickets);
    memset(d, 0, sizeof *d);
}

static char *dup(const char *s)
{
    return s ? mc_strndup(s, strlen(s)) : NULL;
}

static int set_str(char **slot, const char *s)
{
    char *p = NULL;
    if (s != NULL && (p = dup(s)) == NULL) {
        return MC_ENOMEM;
    }
    mc_free(*slot);
    *slot = p;
    return 0;
}

static int dos_alloc(dos *d, const mc_procedure *p)
{
    d->p = p;
    d->cal = p->calendar ? p->calendar : mc_calendar_builtin();
    d->values = mc_calloc(p->nfields ? p->nfields : 1, sizeof *d->values);
    d->reqs = mc_calloc(p->nrequires ? p->nrequires : 1, sizeof *d->reqs);
    d->events = json_array();
    d->tickets = json_array();
    return d->values && d->reqs && d->events && d->tickets ? 0 : MC_ENOMEM;
}

static void version_text(const mc_procedure *p, char out[11])
{
    if (p->has_effective) {
        mc_date_format(p->effective, out);
    } else {
        out[0] = '\0';
    }
}

static const mc_procedure *find_version(const mc_catalogue *cat, const char *name,
                                        const char *version)
{
    size_t n;
    const mc_procedure *const *v = mc_catalogue_versions(cat, name, &n);
    for (size_t i = 0; i < n; i++) {
        char text[11];
        version_text(v[i], text);
        if (strcmp(text, version) == 0) {
            return v[i];
        }
    }
    return NULL;
}

static int field_index(const mc_procedure *p, const char *name)
{
    for (size_t i = 0; i < p->nfields; i++) {
        if (strcmp(p->fields[i].name, name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

static int req_index(const mc_procedure *p, const char *doc)
{
    for (size_t i = 0; i < p->nrequires; i++) {
        if (strcmp(p->requires[i].document->name, doc) == 0) {
            return (int)i;
        }
    }
    return -1;
}

static const char *const req_names[] = {"not-required", "asked", "fetched", "provided"};

/* The dossier's data column: field values and requirement states. */
static char *encode_data(const dos *d)
{
    json_t *root = json_object(), *values = json_object(), *reqs = json_object();
    for (size_t i = 0; i < d->p->nfields; i++) {
        if (d->values[i] != NULL) {
            json_object_set_new(values, d->p->fields[i].name, json_string(d->values[i]));
        }
    }
    for (size_t i = 0; i < d->p->nrequires; i++) {
        const req_state *r = &d->reqs[i];
        json_t *o = json_pack("{s:s}", "status", req_names[r->status]);
        if (r->reason) {
            json_object_set_new(o, "reason", json_string(r->reason));
        }
        if (r->registry) {
            json_object_set_new(o, "registry", json_string(r->registry));
        }
        if (r->record) {
            json_object_set_new(o, "record", json_string(r->record));
        }
        json_object_set_new(reqs, d->p->requires[i].document->name, o);
    }
    json_object_set_new(root, "values", values);
    json_object_set_new(root, "requirements", reqs);
    char *text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(root);
    char *out = text ? dup(text) : NULL;
    free(text);
    return out;
}

static int decode_data(dos *d)
{
    json_error_t jerr;
    json_t *root = json_loads(d->row.data ? d->row.data : "{}", 0, &jerr);
    if (root == NULL) {
        return MC_EIO;
    }
    const char *key;
    json_t *v;
    json_object_foreach(json_object_get(root, "values"), key, v)
    {
        int i = field_index(d->p, key);
        if (i >= 0 && json_is_string(v) && set_str(&d->values[i], json_string_value(v)) != 0) {
            json_decref(root);
            return MC_ENOMEM;
        }
    }
    json_object_foreach(json_object_get(root, "requirements"), key, v)
    {
        int i = req_index(d->p, key);
        if (i < 0) {
            continue;
        }
        const char *status = json_string_value(json_object_get(v, "status"));
        for (int k = 0; status && k < 4; k++) {
            if (strcmp(status, req_names[k]) == 0) {
                d->reqs[i].status = (mc_req_status)k;
            }
        }
        if (set_str(&d->reqs[i].reason, json_string_value(json_object_get(v, "reason"))) ||
            set_str(&d->reqs[i].registry, json_string_value(json_object_get(v, "registry"))) ||
            set_str(&d->reqs[i].record, json_string_value(json_object_get(v, "record")))) {
            json_decref(root);
            return MC_ENOMEM;
        }
    }
    json_decref(root);
    return 0;
}

static int load(mc_engine *e, int64_t id, dos *d, mc_error *err)
{
    memset(d, 0, sizeof *d);
    int rc = mc_store_dossier_load(e->st, id, &d->row, err);
    if (rc != 0) {
        return rc == MC_ENOTFOUND
                   ? mc_error_set(err, MC_ENOTFOUND, "unknown dossier %lld", (long long)id)
                   : rc;
    }
    const mc_procedure *p = find_version(e->cat, d->row.procedure, d->row.version);
    if (p == NULL) {
        rc = mc_error_set(err, MC_EIO,
                          "dossier %lld uses procedure '%s' version '%s', which the catalogue no "
                          "longer has",
                          (long long)id, d->row.procedure, d->row.version);
        dos_free(d);
        return rc;
    }
    if (dos_alloc(d, p) != 0 || decode_data(d) != 0) {
        dos_free(d);
        return mc_error_set(err, MC_EIO, "dossier %lld: its stored data cannot be read",
                            (long long)id);
    }
    d->state = UINT32_MAX;
    for (size_t i = 0; i < p->machine.nstates; i++) {
        if (strcmp(p->machine.states[i]->name, d->row.state) == 0) {
            d->state = (uint32_t)i;
        }
    }
    if (d->state == UINT32_MAX) {
        rc = mc_error_set(err, MC_EIO,
                          "dossier %lld is in state '%s', which procedure '%s' no "
                          "longer has",
                          (long long)id, d->row.state, p->name);
        dos_free(d);
        return rc;
    }
    return 0;
}

static const mc_state *cur(const dos *d)
{
    return d->p->machine.states[d->state];
}

/* ==== events ============================================================================= */

/* Queues an event of the dossier; body gets the fields every event records (§11). */
static int add_event(mc_engine *e, dos *d, const char *kind, const char *actor, int64_t at,
                     json_t *body)
{
    if (body == NULL) {
        return MC_ENOMEM;
    }
    char version[11];
    version_text(d->p, version);
    json_t *legal = json_array();
    for (size_t i = 0; i < d->p->legal_basis.n; i++) {
        json_array_append_new(legal, json_string(d->p->legal_basis.items[i]));
    }
    json_object_set_new(body, "procedure", json_string(d->p->name));
    json_object_set_new(body, "version", json_string(version));
    json_object_set_new(body, "legal_basis", legal);
    json_object_set_new(body, "catalogue", json_string(mc_catalogue_hash(e->cat)));
    json_t *ev = json_pack("{s:s, s:s?, s:I, s:o}", "kind", kind, "actor", actor, "at",
                           (json_int_t)at, "body", body);
    return ev && json_array_append_new(d->events, ev) == 0 ? 0 : MC_ENOMEM;
}

static int write_events(mc_engine *e, int64_t dossier, json_t *events, mc_error *err)
{
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev)
    {
        char *body = json_dumps(json_object_get(ev, "body"), JSON_COMPACT | JSON_SORT_KEYS);
        if (body == NULL) {
            return mc_error_set(err, MC_ENOMEM, "out of memory");
        }
        mc_event_row row;
        memset(&row, 0, sizeof row);
        row.dossier = dossier;
        row.at = json_integer_value(json_object_get(ev, "at"));
        row.kind = json_string_value(json_object_get(ev, "kind"));
        row.actor = json_string_value(json_object_get(ev, "actor"));
        row.body = body;
        int rc = mc_store_event_append(e->st, &row, err);
        free(body);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* ==== clock, timers and states =========================================================== */

static mc_localtime loc(const dos *d, int64_t utc)
{
    return mc_calendar_to_local(d->cal, utc);
}

static int64_t utc(const dos *d, mc_localtime t)
{
    return mc_calendar_to_utc(d->cal, t);
}

static int64_t start_clock(const dos *d, int64_t at)
{
    if (!d->p->has_time_limit) {
        return MC_NONE;
    }
    return utc(d, mc_calendar_deadline(d->cal, loc(d, at), d->p->time_limit));
}

/* What is left of the limit when the clock pauses at `at` (§4.6): days for d and wd limits,
 * seconds of office or wall time for the others. */
static int64_t time_left(const dos *d, int64_t at)
{
    mc_localtime a = loc(d, at), due = loc(d, d->row.due);
    mc_date ad = (mc_date)(a / DAY), dd = (mc_date)(due / DAY);
    switch (d->p->time_limit.unit) {
    case MC_DUR_WD:
        return mc_calendar_working_days(d->cal, ad, dd);
    case MC_DUR_D:
        return dd > ad ? dd - ad : 0;
    case MC_DUR_WH:
        return mc_calendar_office_seconds(d->cal, a, due);
    default:
        return due > a ? due - a : 0;
    }
}

static int64_t resume_clock(const dos *d, int64_t at, int64_t left)
{
    mc_duration rest = d->p->time_limit;
    switch (rest.unit) {
    case MC_DUR_WD:
    case MC_DUR_D:
        rest.amount = left * MC_FIXED_ONE;
        break;
    case MC_DUR_WH:
        rest.amount = left * MC_FIXED_ONE / 3600;
        break;
    default:
        return at + left;
    }
    return utc(d, mc_calendar_deadline(d->cal, loc(d, at), rest));
}

/* The instant the earliest timer of the current state fires, and which one. */
static int64_t next_timer(const dos *d, size_t *which)
{
    const mc_state *s = cur(d);
    int64_t best = MC_NONE;
    for (size_t i = 0; !d->row.final && i < s->nafter; i++) {
        int64_t t = utc(d, mc_calendar_deadline(d->cal, loc(d, d->row.entered), s->after[i].after));
        if (best == MC_NONE || t < best) {
            best = t;
            *which = i;
        }
    }
    return best;
}

static bool clock_running(const dos *d)
{
    return d->row.clock != NULL && strcmp(d->row.clock, "running") == 0;
}

static int64_t overdue_at(const dos *d)
{
    return clock_running(d) && d->row.due != MC_NONE && !d->row.overdue ? d->row.due : MC_NONE;
}

static void update_wake(dos *d)
{
    size_t which;
    int64_t t = next_timer(d, &which), o = overdue_at(d);
    d->row.wake = t == MC_NONE ? o : (o == MC_NONE || t < o ? t : o);
}

static int issue_records(mc_engine *e, dos *d, const mc_state *s, int64_t at, mc_error *err)
{
    for (size_t i = 0; i < s->nissues; i++) {
        if (d->row.subject == NULL) {
            continue;
        }
        char ref[64], day[11];
        snprintf(ref, sizeof ref, "MC-%lld", (long long)d->row.id);
        mc_date_format((mc_date)(loc(d, at) / DAY), day);
        mc_record_row rec = {s->issues[i].registry->name, s->issues[i].document->name,
                             d->row.subject, ref, day};
        int rc = mc_store_record_put(e->st, &rec, err);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* Records on the event that caused it the due instant now in force, with the calendar that
 * computed it and a hash of that calendar's content (§4.1.5). */
static void note_due(dos *d)
{
    json_t *last = json_array_get(d->events, json_array_size(d->events) - 1);
    json_t *body = json_object_get(last, "body");
    if (body == NULL) {
        return;
    }
    if (d->row.due == MC_NONE) {
        json_object_set_new(body, "due", json_null());
        return;
    }
    char hash[33];
    mc_calendar_hash(d->cal, hash);
    json_object_set_new(body, "due", json_integer(d->row.due));
    json_object_set_new(body, "calendar", json_string(d->cal->name));
    json_object_set_new(body, "calendar_hash", json_string(hash));
}

/* Moves the dossier into state `to` at `at` (§4.6 clock rules). restart: the transition says
 * restart-clock. */
static int enter(mc_engine *e, dos *d, uint32_t to, bool restart, int64_t at, mc_error *err)
{
    const mc_state *s = d->p->machine.states[to];
    const char *old = d->row.clock ? d->row.clock : "stopped";
    bool was_stopped = strcmp(old, "stopped") == 0, was_paused = strcmp(old, "paused") == 0;
    const char *clock = mc_clock_name(s->clock);
    if (s->final) {
        d->row.final = true;
        d->row.finished = at;
        d->row.late = d->row.overdue || (d->row.due != MC_NONE && at > d->row.due) ? 1 : 0;
        if (!clock_running(d) && !was_paused) {
            d->row.late = d->row.overdue ? 1 : 0;
        }
        if (set_str(&d->row.outcome, mc_outcome_name(s->outcome)) != 0) {
            return mc_error_set(err, MC_ENOMEM, "out of memory");
        }
        d->row.due = MC_NONE;
        d->row.overdue = false; /* overdue only while the clock runs; `late` keeps the story */
    } else if (s->clock == MC_CLOCK_RUNNING) {
        if (restart || was_stopped) {
            d->row.due = start_clock(d, at);
            d->row.overdue = false;
        } else if (was_paused && d->row.left != MC_NONE) {
            d->row.due = resume_clock(d, at, d->row.left);
        }
        d->row.left = MC_NONE;
    } else if (s->clock == MC_CLOCK_PAUSED) {
        if (clock_running(d) && d->row.due != MC_NONE && !d->row.overdue) {
            d->row.left = time_left(d, at);
            d->row.due = MC_NONE;
        }
    } else {
        d->row.due = MC_NONE;
        d->row.left = MC_NONE;
        d->row.overdue = false;
    }
    if (set_str(&d->row.clock, clock) != 0 || set_str(&d->row.state, s->name) != 0) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    d->state = to;
    d->row.entered = at;
    update_wake(d);
    note_due(d);
    return issue_records(e, d, s, at, err);
}

static int catch_up(mc_engine *e, dos *d, int64_t now, mc_error *err)
{
    for (int guard = 0; guard < MAX_CATCH_UP; guard++) {
        size_t which = 0;
        int64_t t = d->row.final ? MC_NONE : next_timer(d, &which);
        int64_t o = overdue_at(d);
        bool timer_due = t != MC_NONE && t < now;
        bool over_due = o != MC_NONE && o < now;
        if (!timer_due && !over_due) {
            update_wake(d);
            return 0;
        }
        if (over_due && (!timer_due || o <= t)) {
            d->row.overdue = true;
            json_t *body = json_pack("{s:s, s:I}", "state", d->row.state, "due", (json_int_t)o);
            int rc = add_event(e, d, "overdue", "system", o, body);
            if (rc != 0) {
                return mc_error_set(err, rc, "out of memory");
            }
            update_wake(d);
            continue;
        }
        const mc_timer *tm = &cur(d)->after[which];
        json_t *body = json_pack("{s:s, s:s, s:s}", "event", "timer", "from", d->row.state, "to",
                                 d->p->machine.states[tm->target]->name);
        int rc = add_event(e, d, "timer", "system", t, body);
        if (rc == 0) {
            rc = enter(e, d, tm->target, false, t, err);
        } else {
            mc_error_set(err, rc, "out of memory");
        }
        if (rc != 0) {
            return rc;
        }
    }
    return mc_error_set(err, MC_EINTERNAL,
                        "dossier %lld: its timers loop without end (state '%s'); check the "
                        "lifecycle's 'after' transitions",
                        (long long)d->row.id, d->row.state);
}

/* ==== fields and conditions ============================================================== */

/* Checks and normalises a value for field f; returns a refusal message or NULL. */
static const char *check_value(const mc_field *f, const char *v, char *msg, size_t msgsz)
{
    size_t n = strlen(v);
    char why[200];
    switch (f->type) {
    case MC_FIELD_INTEGER: {
        int64_t x;
        if (mc_value_integer(v, n, &x, why, sizeof why) != 0) {
            snprintf(msg, msgsz, "field '%s': %s", f->name, why);
            return msg;
        }
        break;
    }
    case MC_FIELD_NUMBER: {
        mc_fixed x;
        if (mc_value_number(v, n, &x, why, sizeof why) != 0) {
            snprintf(msg, msgsz, "field '%s': %s", f->name, why);
            return msg;
        }
        break;
    }
    case MC_FIELD_DATE: {
        mc_date x;
        if (mc_value_date(v, n, &x, why, sizeof why) != 0) {
            snprintf(msg, msgsz, "field '%s': %s", f->name, why);
            return msg;
        }
        break;
    }
    case MC_FIELD_BOOL: {
        bool x;
        if (mc_value_bool(v, n, &x, why, sizeof why) != 0) {
            snprintf(msg, msgsz, "field '%s': %s", f->name, why);
            return msg;
        }
        break;
    }
    case MC_FIELD_MONEY: {
        int64_t x;
        if (mc_value_integer(v, n, &x, why, sizeof why) != 0 || x < 0) {
            snprintf(msg, msgsz, "field '%s': '%s' is not an amount of money (a whole number)",
                     f->name, v);
            return msg;
        }
        break;
    }
    case MC_FIELD_CHOICE: {
        for (size_t i = 0; i < f->options.n; i++) {
            if (strcmp(f->options.items[i], v) == 0) {
                return NULL;
            }
        }
        snprintf(msg, msgsz, "field '%s': '%s' is not one of its options", f->name, v);
        return msg;
    }
    case MC_FIELD_TEXT:
        break;
    }
    if (f->pattern != NULL) {
        char why2[200];
        int m = mc_regex_match(f->pattern, v, n, NULL, NULL, why2, sizeof why2);
        if (m != 1) {
            snprintf(msg, msgsz, "field '%s': '%s' does not match its pattern \"%s\"", f->name, v,
                     f->pattern_source);
            return msg;
        }
    }
    return NULL;
}

/* Applies FIELD=VALUE pairs to d (all checked first: nothing changes on a refusal). */
static int set_fields(dos *d, const mc_kv *kv, size_t n, refusal *rf, mc_error *err)
{
    char msg[400];
    for (size_t i = 0; i < n; i++) {
        int k = field_index(d->p, kv[i].key);
        if (k < 0) {
            return refuse(rf, MC_REFUSED_OTHER, "procedure '%s' has no field '%s'", d->p->name,
                          kv[i].key);
        }
        if (check_value(&d->p->fields[k], kv[i].value, msg, sizeof msg) != NULL) {
            return refuse(rf, MC_REFUSED_OTHER, "%s", msg);
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (set_str(&d->values[field_index(d->p, kv[i].key)], kv[i].value) != 0) {
            return mc_error_set(err, MC_ENOMEM, "out of memory");
        }
    }
    return 0;
}

typedef struct view_buf {
    mc_rule_view view;
    mc_view_field fields[64];
    mc_view_document docs[64];
    char submitted[17], version[11];
    mc_engine *e;
} view_buf;

static bool view_holds(void *ud, const char *registry, const char *document, const char *subject)
{
    view_buf *vb = ud;
    char ref[128];
    return mc_store_record_get(vb->e->st, registry, document, subject, ref, sizeof ref, NULL) == 1;
}

static void make_view(mc_engine *e, const dos *d, view_buf *vb)
{
    memset(vb, 0, sizeof *vb);
    vb->e = e;
    mc_rule_view *v = &vb->view;
    version_text(d->p, vb->version);
    mc_datetime_format((mc_datetime)(loc(d, d->row.submitted) / 60), vb->submitted);
    v->procedure = d->p->name;
    v->version = vb->version;
    v->subject = d->row.subject;
    v->state = d->row.state;
    v->channel = d->row.channel;
    v->submitted = vb->submitted;
    v->calendar = d->cal;
    v->registry_holds = view_holds;
    v->ud = vb;
    for (size_t i = 0; i < d->p->nfields && v->nfields < 64; i++) {
        const char *val = d->values[i];
        if (val == NULL) {
            continue;
        }
        mc_view_field *f = &vb->fields[v->nfields++];
        f->name = d->p->fields[i].name;
        switch (d->p->fields[i].type) {
        case MC_FIELD_INTEGER:
        case MC_FIELD_MONEY:
            f->value.kind = MC_VAL_INTEGER;
            mc_value_integer(val, strlen(val), &f->value.integer, NULL, 0);
            break;
        case MC_FIELD_NUMBER: {
            mc_fixed x = 0;
            mc_value_number(val, strlen(val), &x, NULL, 0);
            f->value.kind = MC_VAL_NUMBER;
            f->value.number = (double)x / (double)MC_FIXED_ONE;
            break;
        }
        case MC_FIELD_BOOL:
            f->value.kind = MC_VAL_BOOL;
            f->value.boolean = strcmp(val, "true") == 0;
            break;
        default:
            f->value.kind = MC_VAL_TEXT;
            f->value.text = val;
            break;
        }
    }
    v->fields = vb->fields;
    for (size_t i = 0; i < d->p->nrequires && v->ndocuments < 64; i++) {
        if (d->reqs[i].status != MC_REQ_NOT_REQUIRED) {
            vb->docs[v->ndocuments].name = d->p->requires[i].document->name;
            vb->docs[v->ndocuments].status = req_names[d->reqs[i].status];
            v->ndocuments++;
        }
    }
    v->documents = vb->docs;
}

/* Evaluates a condition. Returns 0 with *holds set, or MC_EREFUSED (a rule failed: guard or
 * limit, message in rf), or an error. reason gets a guard's reason. */
static int eval(mc_engine *e, const dos *d, const mc_cond *c, bool *holds, refusal *rf,
                char *reason, size_t reasonsz, mc_error *err)
{
    if (reasonsz) {
        reason[0] = '\0';
    }
    int k;
    switch (c->kind) {
    case MC_COND_ALWAYS:
        *holds = true;
        return 0;
    case MC_COND_FIELD:
        k = field_index(d->p, c->field);
        *holds = k >= 0 && d->values[k] && strcmp(d->values[k], "true") == 0;
        return 0;
    case MC_COND_NOT:
        k = field_index(d->p, c->field);
        *holds = !(k >= 0 && d->values[k] && strcmp(d->values[k], "true") == 0);
        return 0;
    case MC_COND_IS:
        k = field_index(d->p, c->field);
        *holds = k >= 0 && d->values[k] && strcmp(d->values[k], c->value) == 0;
        return 0;
    case MC_COND_RULE:
        break;
    }
    const mc_rule *rule;
    mc_error rerr;
    if (e->rules == NULL ||
        mc_rules_resolve(e->rules, c->rule.module, c->rule.function, &rule, &rerr) != 0) {
        return refuse(rf, MC_REFUSED_GUARD, "rule %s.%s is not loaded", c->rule.module,
                      c->rule.function);
    }
    view_buf vb;
    make_view(e, d, &vb);
    int rc = mc_rules_cond(e->rules, rule, &vb.view, holds, reason, reasonsz, &rerr);
    if (rc == MC_ERULE) {
        return refuse(rf, MC_REFUSED_GUARD, "%s", rerr.msg);
    }
    if (rc == MC_ELIMIT) {
        return refuse(rf, MC_REFUSED_LIMIT, "%s", rerr.msg);
    }
    if (rc != 0) {
        return mc_error_set(err, rc, "%s", rerr.msg);
    }
    return 0;
}

/* ==== once-only resolution (§5.1) ======================================================== */

static bool published(const mc_registry *reg, const dos *d)
{
    return !reg->has_published || reg->published <= (mc_date)(loc(d, d->row.submitted) / DAY);
}

static int resolve(mc_engine *e, dos *d, refusal *rf, mc_error *err)
{
    for (size_t i = 0; i < d->p->nrequires; i++) {
        const mc_requirement *r = &d->p->requires[i];
        req_state *s = &d->reqs[i];
        bool holds;
        char reason[200];
        int rc = eval(e, d, &r->when, &holds, rf, reason, sizeof reason, err);
        if (rc != 0) {
            return rc;
        }
        if (s->status == MC_REQ_PROVIDED) {
            continue; /* what the applicant gave stays given */
        }
        if (!holds) {
            s->status = MC_REQ_NOT_REQUIRED;
            continue;
        }
        if (s->status == MC_REQ_FETCHED || s->status == MC_REQ_ASKED) {
            continue;
        }
        const mc_registry *reg = r->document->registry;
        char ref[128] = "";
        int found = 0;
        if (reg != NULL && published(reg, d) && d->row.subject != NULL) {
            found = mc_store_record_get(e->st, reg->name, r->document->name, d->row.subject, ref,
                                        sizeof ref, err);
            if (found < 0) {
                return found;
            }
        }
        char why[160] = "";
        if (reg != NULL && published(reg, d) && !found) {
            snprintf(why, sizeof why, "not found in %s", reg->name);
        }
        s->status = found ? MC_REQ_FETCHED : MC_REQ_ASKED;
        if (set_str(&s->registry, found ? reg->name : NULL) ||
            set_str(&s->record, found ? ref : NULL) || set_str(&s->reason, why[0] ? why : NULL)) {
            return mc_error_set(err, MC_ENOMEM, "out of memory");
        }
    }
    return 0;
}

/* ==== running an operation =============================================================== */

typedef struct op {
    mc_engine *e;
    int (*run)(struct op *o, dos *d, refusal *rf, mc_error *err);
    const void *args;
    int64_t dossier; /* 0: a new dossier */
    int64_t now;
    const char *actor;
    const char *what; /* the operation's name, for the refusal event */
    json_t *refusal_body;
    char warning[256];
    const char *detail; /* the event or procedure: part of what a request id stands for */
} op;

static int store_refusal(mc_engine *e, const op *o, const dos *d, const refusal *rf, mc_error *err)
{
    json_t *body = json_pack("{s:s, s:s, s:s}", "operation", o->what, "reason",
                             mc_refusal_name(rf->why), "message", rf->msg);
    if (body == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    if (o->refusal_body) {
        json_object_update(body, o->refusal_body);
    }
    if (d != NULL && d->p != NULL) {
        char version[11];
        version_text(d->p, version);
        json_t *legal = json_array();
        for (size_t i = 0; i < d->p->legal_basis.n; i++) {
            json_array_append_new(legal, json_string(d->p->legal_basis.items[i]));
        }
        json_object_set_new(body, "state", json_string(d->row.state));
        json_object_set_new(body, "procedure", json_string(d->p->name));
        json_object_set_new(body, "version", json_string(version));
        json_object_set_new(body, "legal_basis", legal);
    }
    json_object_set_new(body, "catalogue", json_string(mc_catalogue_hash(e->cat)));
    char *text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(body);
    if (text == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    mc_event_row ev;
    memset(&ev, 0, sizeof ev);
    ev.dossier = d ? d->row.id : 0;
    ev.at = o->now;
    ev.kind = "blocked";
    ev.actor = o->actor;
    ev.body = text;
    int rc = mc_store_event_append(e->st, &ev, err);
    free(text);
    return rc;
}

static int remember(mc_engine *e, const op *o_, const char *request_id, int rc,
                    const mc_result *res, mc_error *err)
{
    json_t *o = json_pack("{s:i, s:I, s:i, s:s, s:s, s:I, s:s}", "code", rc, "dossier",
                          (json_int_t)res->dossier, "refusal", (int)res->refusal, "message",
                          res->message, "operation", o_->what, "target",
                          (json_int_t)o_->dossier, "detail", o_->detail ? o_->detail : "");
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    if (text == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    int r = mc_store_request_put(e->st, request_id, text, err);
    free(text);
    return r;
}

/* The first result of a request id; MC_EUSAGE when the id was used for another operation. */
static int replay(const op *op_, const char *request_id, const char *stored, mc_result *res,
                  mc_error *err)
{
    json_t *o = json_loads(stored, 0, NULL);
    if (o == NULL) {
        return mc_error_set(err, MC_EIO, "request id '%s': its stored result is unreadable",
                            request_id);
    }
    const char *what = json_string_value(json_object_get(o, "operation"));
    const char *detail = json_string_value(json_object_get(o, "detail"));
    json_int_t target = json_integer_value(json_object_get(o, "target"));
    if (what == NULL || strcmp(what, op_->what) != 0 || target != op_->dossier ||
        detail == NULL || strcmp(detail, op_->detail ? op_->detail : "") != 0) {
        char first[160];
        if (target != 0) {
            snprintf(first, sizeof first, "%s %s of dossier %lld", what ? what : "?",
                     detail ? detail : "", (long long)target);
        } else {
            snprintf(first, sizeof first, "%s %s", what ? what : "?", detail ? detail : "");
        }
        json_decref(o);
        return mc_error_set(err, MC_EUSAGE,
                            "request id '%s' was already used for another operation (%s)",
                            request_id, first);
    }
    res->dossier = json_integer_value(json_object_get(o, "dossier"));
    res->refusal = (mc_refusal)json_integer_value(json_object_get(o, "refusal"));
    snprintf(res->message, sizeof res->message, "%s",
             json_string_value(json_object_get(o, "message"))
                 ? json_string_value(json_object_get(o, "message"))
                 : "");
    int rc = (int)json_integer_value(json_object_get(o, "code"));
    res->replayed = true;
    json_decref(o);
    return rc;
}

static int execute_once(op *o, const char *request_id, mc_result *res, mc_error *err);

/* Runs an operation; the op's refusal_body is consumed whatever happens. */
static int execute(op *o, const char *request_id, mc_result *res, mc_error *err)
{
    int rc = execute_once(o, request_id, res, err);
    json_decref(o->refusal_body);
    o->refusal_body = NULL;
    return rc;
}

static int execute_once(op *o, const char *request_id, mc_result *res, mc_error *err)
{
    mc_engine *e = o->e;
    memset(res, 0, sizeof *res);
    int rc = mc_store_begin(e->st, err);
    if (rc != 0) {
        return rc;
    }
    if (request_id != NULL) {
        char *stored;
        int found = mc_store_request_get(e->st, request_id, &stored, err);
        if (found != 0) {
            mc_store_rollback(e->st);
            if (found < 0) {
                return found;
            }
            rc = replay(o, request_id, stored, res, err);
            mc_free(stored);
            return rc;
        }
    }
    dos d;
    memset(&d, 0, sizeof d);
    refusal rf = {MC_REFUSED_NONE, ""};
    if (o->dossier != 0) {
        rc = load(e, o->dossier, &d, err);
        if (rc == 0) {
            rc = catch_up(e, &d, o->now, err);
        }
    }
    bool caught_up = o->dossier != 0 && rc == 0 && json_array_size(d.events) > 0;
    if (rc == 0) {
        rc = o->run(o, &d, &rf, err);
    }
    if (rc == MC_EREFUSED && caught_up) {
        /* The refused operation changes nothing, but the timers before it did happen. */
        json_t *timers = json_deep_copy(d.events);
        dos_free(&d);
        int r2 = load(e, o->dossier, &d, err);
        if (r2 == 0) {
            json_decref(d.events);
            d.events = json_array();
            r2 = catch_up(e, &d, o->now, err);
        }
        json_decref(timers);
        if (r2 == 0) {
            char *data = encode_data(&d);
            mc_free(d.row.data);
            d.row.data = data;
            r2 = data ? mc_store_dossier_update(e->st, &d.row, err) : MC_ENOMEM;
        }
        if (r2 == 0) {
            r2 = write_events(e, d.row.id, d.events, err);
        }
        if (r2 != 0) {
            rc = r2;
        }
    }
    if (rc == MC_EREFUSED) {
        res->refusal = rf.why;
        snprintf(res->message, sizeof res->message, "%s", rf.msg);
        res->dossier = d.row.id;
        int r2 = store_refusal(e, o, o->dossier ? &d : NULL, &rf, err);
        if (r2 != 0) {
            rc = r2;
        }
    } else if (rc == 0) {
        res->dossier = d.row.id;
        snprintf(res->warning, sizeof res->warning, "%s", o->warning);
    }
    if ((rc == 0 || rc == MC_EREFUSED) && request_id != NULL) {
        int r2 = remember(e, o, request_id, rc, res, err);
        if (r2 != 0) {
            rc = r2;
        }
    }
    if (rc == 0 || rc == MC_EREFUSED) {
        int r2 = mc_store_commit(e->st, err);
        if (r2 != 0) {
            rc = r2;
        }
    }
    if (rc != 0 && rc != MC_EREFUSED) {
        mc_store_rollback(e->st);
    }
    dos_free(&d);
    return rc;
}

/* Saves a worked-on dossier: the row (insert or update) and its queued events. */
static int save(mc_engine *e, dos *d, mc_error *err)
{
    char *data = encode_data(d);
    if (data == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    mc_free(d->row.data);
    d->row.data = data;
    int rc = d->row.id == 0 ? mc_store_dossier_insert(e->st, &d->row, err)
                            : mc_store_dossier_update(e->st, &d->row, err);
    size_t i;
    json_t *t;
    json_array_foreach(d->tickets, i, t)
    {
        if (rc != 0) {
            break;
        }
        mc_ticket_row row = {d->row.id,
                             json_string_value(json_object_get(t, "registry")),
                             json_string_value(json_object_get(t, "document")),
                             d->row.subject,
                             json_string_value(json_object_get(t, "reference")),
                             json_string_value(json_object_get(t, "reason")),
                             json_string_value(json_object_get(t, "actor")),
                             json_integer_value(json_object_get(t, "at"))};
        rc = mc_store_ticket_put(e->st, &row, err);
    }
    return rc != 0 ? rc : write_events(e, d->row.id, d->events, err);
}

/* ==== submit ============================================================================= */

static const mc_calendar *default_cal(const mc_engine *e)
{
    const mc_calendar *c = mc_catalogue_default_calendar(e->cat);
    return c ? c : mc_calendar_builtin();
}

static int run_submit(op *o, dos *d, refusal *rf, mc_error *err)
{
    mc_engine *e = o->e;
    const mc_submit *s = o->args;
    mc_date today = (mc_date)(mc_calendar_to_local(default_cal(e), s->now) / DAY);
    const mc_procedure *p = mc_catalogue_procedure(e->cat, s->procedure, today);
    size_t nv;
    mc_catalogue_versions(e->cat, s->procedure, &nv);
    if (nv == 0) {
        return refuse(rf, MC_REFUSED_OTHER, "unknown procedure '%s'", s->procedure);
    }
    if (p == NULL) {
        char day[11];
        mc_date_format(today, day);
        return refuse(rf, MC_REFUSED_OTHER, "no version of procedure '%s' is in force on %s",
                      s->procedure, day);
    }
    const char *channel = s->channel ? s->channel : "counter";
    if (strcmp(channel, "online") != 0 && strcmp(channel, "counter") != 0 &&
        strcmp(channel, "post") != 0) {
        return refuse(rf, MC_REFUSED_OTHER, "unknown channel '%s' (online, counter or post)",
                      channel);
    }
    if (dos_alloc(d, p) != 0) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    int rc = set_fields(d, s->fields, s->nfields, rf, err);
    if (rc != 0) {
        return rc;
    }
    for (size_t i = 0; i < p->nfields; i++) {
        if (p->fields[i].required && d->values[i] == NULL) {
            return refuse(rf, MC_REFUSED_OTHER, "field '%s' is required", p->fields[i].name);
        }
    }
    for (size_t i = 0; i < s->nattach; i++) {
        if (mc_catalogue_document(e->cat, s->attach[i]) == NULL) {
            return refuse(rf, MC_REFUSED_OTHER, "unknown document '%s'", s->attach[i]);
        }
    }
    char version[11];
    version_text(p, version);
    mc_dossier_row *r = &d->row;
    r->procedure = dup(p->name);
    r->version = dup(version);
    r->agency = dup(p->agency);
    r->subject = p->subject ? dup(d->values[p->subject - p->fields]) : NULL;
    r->channel = dup(channel);
    r->late = -1;
    r->submitted = r->entered = s->now;
    r->due = r->left = r->finished = r->fee = r->wake = MC_NONE;
    if (!r->procedure || !r->version || !r->channel) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    if ((rc = resolve(e, d, rf, err)) != 0) {
        return rc;
    }
    /* What the applicant attached is provided — unless a registry already supplies it:
     * attaching a fetched document is allowed and changes nothing (§5.1). */
    for (size_t i = 0; i < s->nattach; i++) {
        int k = req_index(p, s->attach[i]);
        if (k >= 0 && d->reqs[k].status != MC_REQ_FETCHED) {
            d->reqs[k].status = MC_REQ_PROVIDED;
            if (set_str(&d->reqs[k].reason, NULL) != 0) {
                return mc_error_set(err, MC_ENOMEM, "out of memory");
            }
        }
    }
    if (p->fee_kind == MC_FEE_FIXED) {
        r->fee = p->fee.amount;
    } else if (p->fee_kind == MC_FEE_RULE) {
        const mc_rule *rule;
        mc_error rerr;
        if (e->rules == NULL ||
            mc_rules_resolve(e->rules, p->fee_rule.module, p->fee_rule.function, &rule, &rerr)) {
            return refuse(rf, MC_REFUSED_GUARD, "fee rule %s.%s is not loaded", p->fee_rule.module,
                          p->fee_rule.function);
        }
        view_buf vb;
        make_view(e, d, &vb);
        rc = mc_rules_fee(e->rules, rule, &vb.view, &r->fee, &rerr);
        if (rc == MC_ERULE || rc == MC_ELIMIT) {
            return refuse(rf, rc == MC_ELIMIT ? MC_REFUSED_LIMIT : MC_REFUSED_GUARD, "%s",
                          rerr.msg);
        }
        if (rc != 0) {
            return mc_error_set(err, rc, "%s", rerr.msg);
        }
    }
    json_t *fields = json_object(), *attach = json_array();
    for (size_t i = 0; i < s->nfields; i++) {
        json_object_set_new(fields, s->fields[i].key, json_string(s->fields[i].value));
    }
    for (size_t i = 0; i < s->nattach; i++) {
        json_array_append_new(attach, json_string(s->attach[i]));
    }
    rc = add_event(e, d, "submit", "applicant", s->now,
                   json_pack("{s:s, s:o, s:o, s:s}", "channel", channel, "fields", fields, "attach",
                             attach, "to", p->machine.states[p->machine.initial]->name));
    if (rc != 0) {
        return mc_error_set(err, rc, "out of memory");
    }
    r->clock = dup("stopped");
    r->state = dup(p->machine.states[p->machine.initial]->name);
    if (r->clock == NULL || r->state == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    /* The row must exist before the initial state issues records in its name. */
    r->data = encode_data(d);
    if (r->data == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    if ((rc = mc_store_dossier_insert(e->st, r, err)) != 0) {
        return rc;
    }
    if ((rc = enter(e, d, p->machine.initial, false, s->now, err)) != 0) {
        return rc;
    }
    return save(e, d, err);
}

int mc_engine_submit(mc_engine *e, const mc_submit *s, mc_result *res, mc_error *err)
{
    op o = {e, run_submit, s, 0, s->now, "applicant", "submit", NULL, "", s->procedure};
    o.refusal_body = json_pack("{s:s}", "procedure", s->procedure ? s->procedure : "");
    return execute(&o, s->request_id, res, err);
}

/* ==== fire =============================================================================== */

static bool role_listed(const mc_transition *t, const char *role)
{
    for (size_t i = 0; i < t->nroles; i++) {
        if (strcmp(t->roles[i]->name, role) == 0) {
            return true;
        }
    }
    return false;
}

static void list_names(char *out, size_t outsz, const char *const *names, size_t n)
{
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(out);
        snprintf(out + len, outsz - len, "%s%s", i ? ", " : "", names[i]);
    }
}

enum { MAX_NOTE = 1024 * 1024 };

/* The free text of a note may not ask for a fetched document (§5.3): each fetched document's
 * `match` pattern runs over it, under PCRE2's match limits. A pattern that gives up does not
 * block; it leaves a warning. */
static int check_note(op *o, const dos *d, const char *note, refusal *rf)
{
    size_t len = strlen(note);
    if (len > MAX_NOTE) {
        return refuse(rf, MC_REFUSED_OTHER, "the note is too long (%zu bytes; at most 1 MiB)",
                      len);
    }
    for (size_t i = 0; i < d->p->nrequires; i++) {
        const mc_document *doc = d->p->requires[i].document;
        if (d->reqs[i].status != MC_REQ_FETCHED || doc->match == NULL) {
            continue;
        }
        size_t start = 0, end = 0;
        char why[200];
        int m = mc_regex_match(doc->match, note, len, &start, &end, why, sizeof why);
        if (m == 1) {
            size_t n = end - start > 80 ? 80 : end - start;
            return refuse(rf, MC_REFUSED_ONCE_ONLY,
                          "once-only: %s is held by %s (record %s); it may not be requested "
                          "from the applicant (the note says '%.*s')",
                          doc->name, d->reqs[i].registry ? d->reqs[i].registry : "?",
                          d->reqs[i].record ? d->reqs[i].record : "?", (int)n, note + start);
        }
        if (m == MC_ENOMEM) {
            return MC_ENOMEM;
        }
        if (m != 0) {
            snprintf(o->warning, sizeof o->warning,
                     "the match pattern of %s could not check the note: %s", doc->name, why);
        }
    }
    return 0;
}

static int run_fire(op *o, dos *d, refusal *rf, mc_error *err)
{
    mc_engine *e = o->e;
    const mc_fire *f = o->args;
    const mc_state *s = cur(d);
    if (d->row.final) {
        return refuse(rf, MC_REFUSED_STATE, "dossier %lld is closed (final state '%s')",
                      (long long)d->row.id, s->name);
    }
    const char *events[32] = {0}, *roles[32] = {0};
    size_t nevents = 0, nroles = 0, with_event = 0;
    for (size_t i = 0; i < s->non; i++) {
        if (strcmp(s->on[i].event, f->event) == 0) {
            with_event++;
            for (size_t k = 0; k < s->on[i].nroles && nroles < 32; k++) {
                roles[nroles++] = s->on[i].roles[k]->name;
            }
        } else if (nevents < 32) {
            events[nevents++] = s->on[i].event;
        }
    }
    char list[400];
    if (with_event == 0) {
        list_names(list, sizeof list, events, nevents);
        return refuse(rf, MC_REFUSED_STATE, "'%s' does not leave state '%s'%s%s%s", f->event,
                      s->name, nevents ? " (it can: " : "", list, nevents ? ")" : "");
    }
    bool role_ok = false;
    for (size_t i = 0; i < s->non; i++) {
        role_ok |= strcmp(s->on[i].event, f->event) == 0 && role_listed(&s->on[i], f->role);
    }
    if (!role_ok) {
        list_names(list, sizeof list, roles, nroles);
        return refuse(rf, MC_REFUSED_ROLE, "role '%s' may not fire '%s' in state '%s' (%s may)",
                      f->role, f->event, s->name, list);
    }
    const mc_payload *pl = &f->payload;
    /* Disputes first (§4.6): a record declared wrong makes its document askable again. */
    for (size_t i = 0; i < pl->ndisputes; i++) {
        const char *doc = pl->disputes[i].key, *why = pl->disputes[i].value;
        int k = req_index(d->p, doc);
        if (k < 0 || d->reqs[k].status != MC_REQ_FETCHED) {
            return refuse(rf, MC_REFUSED_OTHER,
                          "cannot dispute %s: it was not fetched from a registry for dossier %lld",
                          doc, (long long)d->row.id);
        }
        if (why == NULL || why[0] == '\0') {
            return refuse(rf, MC_REFUSED_OTHER, "a dispute of %s needs a reason", doc);
        }
        char reason[400];
        snprintf(reason, sizeof reason, "disputed by %s: %s", f->role, why);
        json_t *t = json_pack("{s:s, s:s, s:s?, s:s, s:s, s:I}", "registry", d->reqs[k].registry,
                              "document", doc, "reference", d->reqs[k].record, "reason", why,
                              "actor", f->role, "at", (json_int_t)f->now);
        if (t == NULL || json_array_append_new(d->tickets, t) != 0 ||
            set_str(&d->reqs[k].reason, reason) != 0) {
            return mc_error_set(err, MC_ENOMEM, "out of memory");
        }
        d->reqs[k].status = MC_REQ_ASKED;
    }
    int rc = set_fields(d, pl->set, pl->nset, rf, err);
    if (rc != 0) {
        return rc;
    }
    for (size_t i = 0; i < pl->ndocuments; i++) {
        int k = req_index(d->p, pl->documents[i]);
        if (mc_catalogue_document(e->cat, pl->documents[i]) == NULL) {
            return refuse(rf, MC_REFUSED_OTHER, "unknown document '%s'", pl->documents[i]);
        }
        if (k >= 0 && d->reqs[k].status == MC_REQ_FETCHED) {
            return refuse(rf, MC_REFUSED_ONCE_ONLY,
                          "once-only: %s is held by %s (record %s); it may not be requested "
                          "from the applicant",
                          pl->documents[i], d->reqs[k].registry ? d->reqs[k].registry : "?",
                          d->reqs[k].record ? d->reqs[k].record : "?");
        }
    }
    for (size_t i = 0; i < pl->nattach; i++) {
        int k = req_index(d->p, pl->attach[i]);
        if (mc_catalogue_document(e->cat, pl->attach[i]) == NULL) {
            return refuse(rf, MC_REFUSED_OTHER, "unknown document '%s'", pl->attach[i]);
        }
        if (k >= 0 && d->reqs[k].status != MC_REQ_FETCHED) {
            d->reqs[k].status = MC_REQ_PROVIDED;
            if (set_str(&d->reqs[k].reason, NULL) != 0) {
                return mc_error_set(err, MC_ENOMEM, "out of memory");
            }
        }
    }
    if (pl->nset > 0 && (rc = resolve(e, d, rf, err)) != 0) {
        return rc;
    }
    if (pl->note != NULL && (rc = check_note(o, d, pl->note, rf)) != 0) {
        return rc == MC_ENOMEM ? mc_error_set(err, rc, "out of memory") : rc;
    }
    const mc_transition *taken = NULL;
    char reason[256] = "";
    for (size_t i = 0; i < s->non && taken == NULL; i++) {
        const mc_transition *t = &s->on[i];
        if (strcmp(t->event, f->event) != 0 || !role_listed(t, f->role)) {
            continue;
        }
        bool holds;
        char why[256];
        rc = eval(e, d, &t->when, &holds, rf, why, sizeof why, err);
        if (rc != 0) {
            return rc;
        }
        if (holds) {
            taken = t;
        } else if (why[0] && !reason[0]) {
            snprintf(reason, sizeof reason, "%s", why);
        }
    }
    if (taken == NULL) {
        return refuse(rf, MC_REFUSED_GUARD, "'%s' is not allowed now: %s", f->event,
                      reason[0] ? reason : "its condition does not hold");
    }
    for (size_t i = 0; i < pl->ndocuments; i++) {
        int k = req_index(d->p, pl->documents[i]);
        if (k >= 0 && d->reqs[k].status != MC_REQ_PROVIDED) {
            char why[160];
            snprintf(why, sizeof why, "requested by %s", f->role);
            d->reqs[k].status = MC_REQ_ASKED;
            if (set_str(&d->reqs[k].reason, why) != 0) {
                return mc_error_set(err, MC_ENOMEM, "out of memory");
            }
        }
    }
    json_t *payload = json_object();
    if (pl->note) {
        json_object_set_new(payload, "note", json_string(pl->note));
    }
    json_t *docs = json_array(), *set = json_object();
    for (size_t i = 0; i < pl->ndocuments; i++) {
        json_array_append_new(docs, json_string(pl->documents[i]));
    }
    for (size_t i = 0; i < pl->nset; i++) {
        json_object_set_new(set, pl->set[i].key, json_string(pl->set[i].value));
    }
    json_t *attached = json_array();
    for (size_t i = 0; i < pl->nattach; i++) {
        json_array_append_new(attached, json_string(pl->attach[i]));
    }
    json_object_set_new(payload, "documents", docs);
    json_object_set_new(payload, "set", set);
    json_object_set_new(payload, "attach", attached);
    if (o->warning[0]) {
        json_object_set_new(payload, "warning", json_string(o->warning));
    }
    if (pl->ndisputes > 0) {
        json_t *disputes = json_object();
        for (size_t i = 0; i < pl->ndisputes; i++) {
            json_object_set_new(disputes, pl->disputes[i].key, json_string(pl->disputes[i].value));
        }
        json_object_set_new(payload, "disputes", disputes);
    }
    const char *to = d->p->machine.states[taken->target]->name;
    rc = add_event(e, d, "fire", f->role, f->now,
                   json_pack("{s:s, s:s, s:s, s:o}", "event", f->event, "from", s->name, "to", to,
                             "payload", payload));
    if (rc != 0) {
        return mc_error_set(err, rc, "out of memory");
    }
    rc = enter(e, d, taken->target, taken->restart_clock, f->now, err);
    return rc != 0 ? rc : save(e, d, err);
}

int mc_engine_fire(mc_engine *e, const mc_fire *f, mc_result *res, mc_error *err)
{
    op o = {e, run_fire, f, f->dossier, f->now, f->role, "fire", NULL, "", f->event};
    o.refusal_body = json_pack("{s:s}", "event", f->event);
    return execute(&o, f->request_id, res, err);
}

/* ==== apologize ========================================================================== */

static int run_apologize(op *o, dos *d, refusal *rf, mc_error *err)
{
    mc_engine *e = o->e;
    const mc_apology *a = o->args;
    if (d->row.final) {
        return refuse(rf, MC_REFUSED_STATE, "dossier %lld is closed (final state '%s')",
                      (long long)d->row.id, d->row.state);
    }
    const mc_lifecycle *l = d->p->lifecycle;
    bool allowed = false;
    for (size_t i = 0; l != NULL && i < l->napology_by; i++) {
        allowed |= strcmp(l->apology_by[i]->name, a->role) == 0;
    }
    if (!allowed) {
        return refuse(rf, MC_REFUSED_ROLE, "role '%s' may not apologise for dossiers of '%s'",
                      a->role, d->p->name);
    }
    if (!clock_running(d) || d->row.due == MC_NONE) {
        return refuse(rf, MC_REFUSED_OTHER,
                      "the clock of dossier %lld is not running (state '%s'): there is no "
                      "deadline to apologise for",
                      (long long)d->row.id, d->row.state);
    }
    if (d->row.apology != NULL) {
        return refuse(rf, MC_REFUSED_OTHER,
                      "dossier %lld already has an apology: a new date may be set only once",
                      (long long)d->row.id);
    }
    if (a->reason == NULL || a->reason[0] == '\0') {
        return refuse(rf, MC_REFUSED_OTHER, "an apology needs a reason");
    }
    if (a->new_date < (mc_date)(loc(d, a->now) / DAY)) {
        return refuse(rf, MC_REFUSED_OTHER, "the new date of an apology cannot be in the past");
    }
    /* Timely: issued before office hours open on the due instant's day (§4.6). */
    mc_localtime due = loc(d, d->row.due);
    mc_localtime opening = (due / DAY) * DAY + (d->cal->nhours ? d->cal->hours[0].from * 60 : 0);
    bool timely = loc(d, a->now) < opening;
    char day[11];
    mc_date_format(a->new_date, day);
    json_t *ap = json_pack("{s:I, s:s, s:s, s:b, s:I}", "at", (json_int_t)a->now, "new_date",
                           day, "reason", a->reason, "timely", timely, "due",
                           (json_int_t)d->row.due);
    char *text = ap ? json_dumps(ap, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    if (text == NULL || set_str(&d->row.apology, text) != 0) {
        free(text);
        json_decref(ap);
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    free(text);
    int rc = add_event(e, d, "apology", a->role, a->now, ap);
    if (rc != 0) {
        return mc_error_set(err, rc, "out of memory");
    }
    return save(e, d, err);
}

int mc_engine_apologize(mc_engine *e, const mc_apology *a, mc_result *res, mc_error *err)
{
    op o = {e, run_apologize, a, a->dossier, a->now, a->role, "apologize", NULL, "", ""};
    return execute(&o, a->request_id, res, err);
}

/* ==== tick =============================================================================== */

typedef struct tick_state {
    int64_t *ids;
    size_t n, cap;
} tick_state;

static int collect(void *ud, const mc_dossier_row *row)
{
    tick_state *t = ud;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        int64_t *p = mc_realloc(t->ids, cap * sizeof *p);
        if (p == NULL) {
            return MC_ENOMEM;
        }
        t->ids = p;
        t->cap = cap;
    }
    t->ids[t->n++] = row->id;
    return 0;
}

static int run_nothing(op *o, dos *d, refusal *rf, mc_error *err)
{
    (void)rf;
    if (json_array_size(d->events) == 0) {
        return 0;
    }
    return save(o->e, d, err);
}

int mc_engine_tick(mc_engine *e, int64_t now, size_t *count, mc_error *err)
{
    tick_state t = {NULL, 0, 0};
    mc_dossier_filter f = MC_DOSSIER_FILTER_INIT;
    f.open_only = true;
    f.wake_before = now - 1;
    int rc = mc_store_dossier_each(e->st, &f, collect, &t, err);
    *count = 0;
    for (size_t i = 0; rc == 0 && i < t.n; i++) {
        op o = {e, run_nothing, NULL, t.ids[i], now, "system", "tick", NULL, "", NULL};
        mc_result res;
        rc = execute(&o, NULL, &res, err);
        *count += rc == 0;
    }
    mc_free(t.ids);
    return rc == MC_ENOMEM && t.ids == NULL ? mc_error_set(err, rc, "out of memory") : rc;
}

/* ==== reading ============================================================================ */

typedef struct got {
    dos d;
    mc_dossier_req *reqs;
} got;

static int count_events(void *ud, const mc_event_row *ev)
{
    (void)ev;
    (*(int64_t *)ud)++;
    return 0;
}

int mc_engine_get(mc_engine *e, int64_t id, int64_t now, mc_dossier *out, mc_error *err)
{
    memset(out, 0, sizeof *out);
    op o = {e, run_nothing, NULL, id, now, "system", "show", NULL, "", NULL};
    mc_result res;
    int rc = execute(&o, NULL, &res, err);
    if (rc != 0) {
        return rc;
    }
    got *g = mc_calloc(1, sizeof *g);
    if (g == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    rc = load(e, id, &g->d, err);
    if (rc == 0) {
        g->reqs = mc_calloc(g->d.p->nrequires ? g->d.p->nrequires : 1, sizeof *g->reqs);
        if (g->reqs == NULL) {
            rc = mc_error_set(err, MC_ENOMEM, "out of memory");
        }
    }
    if (rc != 0) {
        dos_free(&g->d);
        mc_free(g);
        return rc;
    }
    const dos *d = &g->d;
    for (size_t i = 0; i < d->p->nrequires; i++) {
        g->reqs[i] = (mc_dossier_req){&d->p->requires[i], d -> reqs[i].status, d->reqs[i].reason,
                                      d->reqs[i].registry, d->reqs[i].record};
    }
    out->id = id;
    out->procedure = d->p;
    out->state = cur(d);
    out->subject = d->row.subject;
    out->channel = d->row.channel;
    out->values = (const char *const *)d->values;
    out->requirements = g->reqs;
    out->final = d->row.final;
    out->overdue = d->row.overdue;
    out->late = d->row.late;
    out->clock = cur(d)->clock;
    out->submitted = d->row.submitted;
    out->due = d->row.due;
    out->finished = d->row.finished;
    out->fee = d->row.fee;
    out->apologized = d->row.apology != NULL;
    out->blocked = mc_store_blocked_count(e->st, id);
    mc_store_event_each(e->st, id, count_events, &out->events, NULL);
    out->impl = g;
    return 0;
}

void mc_dossier_free(mc_dossier *d)
{
    got *g = d->impl;
    if (g != NULL) {
        dos_free(&g->d);
        mc_free(g->reqs);
        mc_free(g);
    }
    memset(d, 0, sizeof *d);
}
