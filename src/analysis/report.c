/* Service indicators (report.h): the dossiers marked overdue before the end of the period are
 * replayed from their events, then one pass over the dossiers, then the once-only refusals and
 * the results issued, each attributed to its dossier's procedure and agency. */
#include "motcua/report.h"

#include "motcua/alloc.h"
#include "motcua/calendar.h"
#include "base/grow.h"
#include "base/json.h"
#include "base/map.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct mc_report_builder {
    const mc_catalogue *cat;
    const mc_calendar *cal;
    int64_t from, to; /* UTC [from, to) */
    mc_date from_day, to_day;
    mc_map procs, agencies; /* name -> index + 1 */
    mc_indicators *p, *a;
    size_t np, na, capp, capa;
    mc_indicators total;
    const mc_procedure *last_p; /* the version of the previous dossier */
    char last_name[72], last_version[16];
    int64_t *late_ids; /* dossiers overdue at the end of the period by their events, sorted */
    size_t nlate, caplate;
    /* mc_report_add: the rows of procedure versions seen, by a hash of the version's address
     * (indexes into p and a, which stay when the arrays move) */
    struct {
        const mc_procedure *proc;
        size_t pi, ai;
    } seen[64];
    int rc;
} builder;

static mc_indicators *slot(builder *b, mc_map *m, mc_indicators **arr, size_t *n, size_t *cap,
                           const char *name)
{
    size_t k = (size_t)mc_map_get(m, name, strlen(name));
    if (k != 0) {
        return &(*arr)[k - 1];
    }
    if (mc_grow(arr, cap, *n + 1, sizeof **arr) != 0) {
        b->rc = MC_ENOMEM;
        return NULL;
    }
    mc_indicators *x = &(*arr)[*n];
    memset(x, 0, sizeof *x);
    /* Names live in the catalogue, or are the literal "-". */
    x->name = name;
    if (mc_map_put(m, name, strlen(name), (void *)(*n + 1)) != 0) {
        b->rc = MC_ENOMEM;
        return NULL;
    }
    (*n)++;
    return x;
}

static const mc_procedure *version_named(const mc_catalogue *cat, const char *procedure,
                                         const char *version)
{
    size_t n;
    const mc_procedure *const *v =
        procedure && version ? mc_catalogue_versions(cat, procedure, &n) : NULL;
    for (size_t i = 0; v != NULL && i < n; i++) {
        char text[11] = "";
        if (v[i]->has_effective) {
            mc_date_format(v[i]->effective, text);
        }
        if (strcmp(text, version) == 0) {
            return v[i];
        }
    }
    return NULL;
}

static const mc_procedure *version_lookup(const mc_catalogue *cat, const mc_dossier_row *row)
{
    return version_named(cat, row->procedure, row->version);
}

/* Dossiers come in runs of one procedure version: remember the last one found. */
static const mc_procedure *version_of(builder *b, const mc_dossier_row *row)
{
    if (b->last_p != NULL && strcmp(b->last_name, row->procedure) == 0 &&
        strcmp(b->last_version, row->version) == 0) {
        return b->last_p;
    }
    const mc_procedure *p = version_lookup(b->cat, row);
    if (p != NULL) {
        snprintf(b->last_name, sizeof b->last_name, "%s", row->procedure);
        snprintf(b->last_version, sizeof b->last_version, "%s", row->version);
        b->last_p = p;
    }
    return p;
}

/* Adds what one dossier contributes to the three rows it counts in. */
static void count(builder *b, mc_indicators **rows, const mc_report_dossier *x)
{
    const mc_procedure *p = x->procedure;
    const mc_calendar *cal = p && p->calendar ? p->calendar : b->cal;
    mc_date sub = mc_calendar_today(b->cal, x->submitted);
    bool received = sub >= b->from_day && sub <= b->to_day;
    bool resolved = x->final && x->finished != MC_NONE && !x->withdrawn && x->finished >= b->from &&
                    x->finished < b->to;
    bool open_at_end = x->submitted < b->to && (!x->final || x->finished >= b->to);
    bool overdue =
        open_at_end && (x->overdue || (x->clock_running && x->due != MC_NONE && x->due < b->to));
    bool apology = x->apology_at != MC_NONE && x->apology_at >= b->from && x->apology_at < b->to;
    bool online = received && x->channel && strcmp(x->channel, "online") == 0;
    mc_fixed lead = !resolved    ? 0
                    : x->has_lead ? x->lead
                                  : mc_report_lead_wd(cal, x->submitted, x->finished);
    for (int k = 0; k < 3; k++) {
        mc_indicators *r = rows[k];
        if (r == NULL) {
            continue;
        }
        r->received += received;
        r->online += online;
        r->full_online += online && p && p->online == MC_ONLINE_FULL;
        r->fetched += received ? x->fetched : 0;
        r->asked += received ? x->asked : 0;
        r->resolved += resolved;
        r->on_time += resolved && x->late != 1;
        r->late += resolved && x->late == 1;
        r->in_progress += open_at_end;
        r->overdue += overdue;
        r->apologies += apology;
        /* One definition of timely, decided when the apology was made (SPEC §4.6; see
         * docs/DEVIATIONS.md). */
        r->apologies_timely += apology && x->apology_timely;
        r->results += x->results;
        r->blocked += x->blocked;
        r->extended += resolved && x->extended;
        if (resolved) {
            r->processing += lead;
        }
    }
}

int mc_report_add(mc_report_builder *b, const mc_report_dossier *x)
{
    /* one of the 64 slots of seen, by the high bits of a multiplicative hash */
    size_t h = (size_t)(((uint64_t)(uintptr_t)x->procedure * UINT64_C(0x9e3779b97f4a7c15)) >> 58);
    if (x->procedure != NULL && b->seen[h].proc == x->procedure && b->rc == 0) {
        mc_indicators *rows[3] = {&b->p[b->seen[h].pi], &b->a[b->seen[h].ai], &b->total};
        count(b, rows, x);
        return 0;
    }
    /* Names live in the catalogue, or are literals. */
    const char *name = x->procedure ? x->procedure->name : "(unknown procedure)";
    const char *agency = x->procedure && x->procedure->agency ? x->procedure->agency : "-";
    mc_indicators *rows[3] = {slot(b, &b->procs, &b->p, &b->np, &b->capp, name), NULL, &b->total};
    size_t pi = rows[0] ? (size_t)(rows[0] - b->p) : 0;
    rows[1] = slot(b, &b->agencies, &b->a, &b->na, &b->capa, agency);
    rows[0] = &b->p[pi]; /* slot() may have moved the array */
    if (b->rc != 0) {
        return b->rc;
    }
    if (x->procedure != NULL) {
        b->seen[h].proc = x->procedure;
        b->seen[h].pi = pi;
        b->seen[h].ai = (size_t)(rows[1] - b->a);
    }
    count(b, rows, x);
    return 0;
}

/* ==== overdue as of the end of the period ================================================= */

/* A dossier's row says whether it is overdue now; §9 asks whether it was at the end of the
 * period. An overdue mark is an event stamped with the due instant that passed, so a mark
 * before the end means the clock ran past its due instant within the period; what happened
 * later (a tick that marked a due instant after the period, a restart, a pause, closing) must
 * not change the answer. The dossiers with such a mark are replayed from their events up to
 * the end of the period; the others are judged from their row (report_dossier). */

typedef struct replay {
    builder *b;
    int64_t to;
    bool overdue;
    int64_t due; /* of the mark */
} replay;

static int collect_mark(void *ud, const mc_event_row *ev)
{
    builder *b = ud;
    if (b->nlate > 0 && b->late_ids[b->nlate - 1] == ev->dossier) {
        return 0;
    }
    if (mc_grow(&b->late_ids, &b->caplate, b->nlate + 1, sizeof *b->late_ids) != 0) {
        return MC_ENOMEM;
    }
    b->late_ids[b->nlate++] = ev->dossier;
    return 0;
}

static int cmp_id(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, c = *(const int64_t *)y;
    return (a > c) - (a < c);
}

/* Whether entering state `to` of the event's procedure version clears an overdue mark (§4.6):
 * a final or stopped state does, and so does a running state whose clock started afresh (its
 * due instant is not the one that passed); a pause keeps it. */
static bool clears_mark(const builder *b, json_t *body, int64_t mark_due)
{
    const char *to = json_string_value(json_object_get(body, "to"));
    json_t *due = json_object_get(body, "due");
    const mc_procedure *p =
        version_named(b->cat, json_string_value(json_object_get(body, "procedure")),
                      json_string_value(json_object_get(body, "version")));
    const mc_state *s = NULL;
    for (size_t i = 0; p != NULL && to != NULL && i < p->machine.nstates; i++) {
        if (strcmp(p->machine.states[i]->name, to) == 0) {
            s = p->machine.states[i];
        }
    }
    if (s != NULL && (s->final || s->clock == MC_CLOCK_STOPPED)) {
        return true;
    }
    if (s != NULL && s->clock == MC_CLOCK_PAUSED) {
        return false;
    }
    /* Running (or a state the catalogue no longer knows): a new due instant is a new clock. */
    if (json_is_integer(due)) {
        return json_integer_value(due) != mark_due;
    }
    return json_is_null(due) && s == NULL; /* no due instant in an unknown state: stopped */
}

static int replay_event(void *ud, const mc_event_row *ev)
{
    replay *r = ud;
    if (ev->at >= r->to) {
        return 0;
    }
    if (strcmp(ev->kind, "overdue") == 0) {
        r->overdue = true;
        r->due = ev->at; /* marks are stamped with the due instant */
        return 0;
    }
    if (!r->overdue || ev->body == NULL || strstr(ev->body, "\"to\":") == NULL) {
        return 0; /* only entering a state changes the clock */
    }
    json_t *body;
    int rc = mc_json_loads(ev->body, 0, &body);
    if (rc != 0) {
        return rc == MC_ENOMEM ? rc : 0; /* an unreadable body changes no clock */
    }
    if (clears_mark(r->b, body, r->due)) {
        r->overdue = false;
    }
    json_decref(body);
    return 0;
}

/* Keeps in b->late_ids the dossiers that were overdue at the end of the period by their
 * events. */
static int find_overdue(mc_store *st, builder *b, mc_error *err)
{
    int rc = mc_store_events_of_kind(st, "overdue", INT64_MIN, b->to, collect_mark, b, err);
    if (rc != 0 || b->nlate == 0) {
        return rc;
    }
    qsort(b->late_ids, b->nlate, sizeof *b->late_ids, cmp_id);
    size_t n = 0;
    for (size_t i = 0; i < b->nlate && rc == 0; i++) {
        if (n > 0 && b->late_ids[n - 1] == b->late_ids[i]) {
            continue;
        }
        replay r = {b, b->to, false, MC_NONE};
        rc = mc_store_event_each(st, b->late_ids[i], replay_event, &r, err);
        if (r.overdue) {
            b->late_ids[n++] = b->late_ids[i];
        }
    }
    b->nlate = n;
    return rc;
}

static bool overdue_by_events(const builder *b, int64_t id)
{
    return b->nlate > 0 && bsearch(&id, b->late_ids, b->nlate, sizeof *b->late_ids, cmp_id) != NULL;
}

/* What a stored dossier contributes; its once-only refusals and results issued are counted
 * from the store's events and records, by their own dates. */
static int per_dossier(void *ud, const mc_dossier_row *row)
{
    builder *b = ud;
    mc_report_dossier x = {
        .procedure = version_of(b, row),
        .channel = row->channel,
        .submitted = row->submitted,
        .final = row->final,
        .withdrawn = row->outcome != NULL && strcmp(row->outcome, "withdrawn") == 0,
        .finished = row->finished,
        .late = row->late,
        /* As of the end of the period, not as the row stands now: a tick after the period
         * may have marked it since, or a restart cleared it. */
        .overdue = overdue_by_events(b, row->id),
        .clock_running = row->clock && strcmp(row->clock, "running") == 0,
        .due = row->due,
        .apology_at = MC_NONE,
    };
    if (row->data != NULL) {
        /* The engine writes this column itself, compact and with sorted keys: counting the
         * statuses needs no parse. Asked of the applicant: still asked, or provided. */
        for (const char *q = row->data; (q = strstr(q, "\"status\":\"")) != NULL; q += 10) {
            x.fetched += strncmp(q + 10, "fetched\"", 8) == 0;
            x.asked += strncmp(q + 10, "asked\"", 6) == 0 || strncmp(q + 10, "provided\"", 9) == 0;
        }
        x.extended = strstr(row->data, "\"extensions\":{") != NULL; /* written only when used */
    }
    if (row->apology != NULL) {
        json_t *ap;
        if (mc_json_loads(row->apology, 0, &ap) == MC_ENOMEM) {
            return MC_ENOMEM; /* not a dossier counted without its apology */
        }
        x.apology_at = json_integer_value(json_object_get(ap, "at"));
        x.apology_timely = json_is_true(json_object_get(ap, "timely"));
        json_decref(ap);
    }
    return mc_report_add(b, &x);
}

/* The rows (procedure, agency, total) of a procedure by name. */
static void rows_of(builder *b, const char *procedure, mc_indicators *rows[3])
{
    size_t k = procedure ? (size_t)mc_map_get(&b->procs, procedure, strlen(procedure)) : 0;
    rows[2] = &b->total;
    rows[0] = k ? &b->p[k - 1] : NULL;
    rows[1] = NULL;
    if (rows[0] != NULL) {
        size_t nv;
        const mc_procedure *const *v = mc_catalogue_versions(b->cat, procedure, &nv);
        const char *agency = nv && v[0]->agency ? v[0]->agency : "-";
        size_t a = (size_t)mc_map_get(&b->agencies, agency, strlen(agency));
        rows[1] = a ? &b->a[a - 1] : NULL;
    }
}

static int per_blocked(void *ud, const mc_event_row *ev)
{
    builder *b = ud;
    json_t *body;
    if (mc_json_loads(ev->body, 0, &body) == MC_ENOMEM) {
        return MC_ENOMEM;
    }
    const char *why = json_string_value(json_object_get(body, "reason"));
    bool once_only = why && strcmp(why, "once-only") == 0;
    if (once_only) {
        mc_indicators *rows[3];
        rows_of(b, json_string_value(json_object_get(body, "procedure")), rows);
        for (int k = 0; k < 3; k++) {
            if (rows[k]) {
                rows[k]->blocked++;
            }
        }
    }
    json_decref(body);
    return 0;
}

static int per_result(void *ud, const mc_record_row *rec)
{
    builder *b = ud;
    mc_indicators *rows[3];
    rows_of(b, rec->registry, rows); /* the store joins the dossier's procedure in here */
    for (int k = 0; k < 3; k++) {
        if (rows[k]) {
            rows[k]->results++;
        }
    }
    return 0;
}

static int by_name(const void *x, const void *y)
{
    return strcmp(((const mc_indicators *)x)->name, ((const mc_indicators *)y)->name);
}

int mc_report_begin(mc_report_builder **out, const mc_catalogue *cat, mc_date from, mc_date to)
{
    builder *b = *out = mc_calloc(1, sizeof *b);
    if (b == NULL) {
        return MC_ENOMEM;
    }
    b->cat = cat;
    b->cal = mc_catalogue_default_calendar(cat) ? mc_catalogue_default_calendar(cat)
                                                : mc_calendar_builtin();
    b->from_day = from;
    b->to_day = to;
    b->from = mc_calendar_to_utc(b->cal, (mc_localtime)from * MC_DAY_SECONDS);
    b->to = mc_calendar_to_utc(b->cal, (mc_localtime)(to + 1) * MC_DAY_SECONDS);
    b->total.name = "total";
    return 0;
}

void mc_report_abandon(mc_report_builder *b)
{
    if (b != NULL) {
        mc_map_free(&b->procs);
        mc_map_free(&b->agencies);
        mc_free(b->late_ids);
        mc_free(b->p);
        mc_free(b->a);
        mc_free(b);
    }
}

/* x += y, every count and sum of a row (its name stays). */
static void add_row(mc_indicators *x, const mc_indicators *y)
{
    /* a field added to mc_indicators must be added here too */
    _Static_assert(sizeof(mc_indicators) == sizeof(const char *) + 16 * sizeof(int64_t),
                   "mc_indicators changed: merge its new fields in add_row");
    x->received += y->received;
    x->resolved += y->resolved;
    x->on_time += y->on_time;
    x->late += y->late;
    x->in_progress += y->in_progress;
    x->overdue += y->overdue;
    x->apologies += y->apologies;
    x->apologies_timely += y->apologies_timely;
    x->online += y->online;
    x->full_online += y->full_online;
    x->results += y->results;
    x->fetched += y->fetched;
    x->asked += y->asked;
    x->blocked += y->blocked;
    x->processing += y->processing;
    x->extended += y->extended;
}

int mc_report_merge(mc_report_builder *into, const mc_report_builder *from)
{
    for (size_t i = 0; i < from->np && into->rc == 0; i++) {
        mc_indicators *x = slot(into, &into->procs, &into->p, &into->np, &into->capp,
                                from->p[i].name);
        if (x != NULL) {
            add_row(x, &from->p[i]);
        }
    }
    for (size_t i = 0; i < from->na && into->rc == 0; i++) {
        mc_indicators *x = slot(into, &into->agencies, &into->a, &into->na, &into->capa,
                                from->a[i].name);
        if (x != NULL) {
            add_row(x, &from->a[i]);
        }
    }
    if (into->rc != 0) {
        return into->rc;
    }
    add_row(&into->total, &from->total);
    return 0;
}

void mc_report_end(mc_report_builder *b, mc_report *out)
{
    if (b->np > 0) {
        qsort(b->p, b->np, sizeof *b->p, by_name);
        qsort(b->a, b->na, sizeof *b->a, by_name);
    }
    out->procedures = b->p;
    out->nprocedures = b->np;
    out->agencies = b->a;
    out->nagencies = b->na;
    out->total = b->total;
    b->p = b->a = NULL;
    mc_report_abandon(b);
}

int mc_report_compute(mc_store *st, const mc_catalogue *cat, mc_date from, mc_date to,
                      mc_report *out, mc_error *err)
{
    memset(out, 0, sizeof *out);
    builder *b;
    if (mc_report_begin(&b, cat, from, to) != 0) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    mc_dossier_filter f = MC_DOSSIER_FILTER_INIT;
    int rc = find_overdue(st, b, err);
    if (rc == 0) {
        rc = mc_store_dossier_each(st, &f, per_dossier, b, err);
    }
    if (rc == 0) {
        rc = mc_store_events_of_kind(st, "blocked", b->from, b->to, per_blocked, b, err);
    }
    char fd[11], td[11];
    mc_date_format(from, fd);
    mc_date_format(to, td);
    if (rc == 0) {
        rc = mc_store_results_issued(st, fd, td, per_result, b, err);
    }
    if (rc != 0) {
        mc_report_abandon(b);
        return rc == MC_ENOMEM ? mc_error_set(err, rc, "out of memory") : rc;
    }
    mc_report_end(b, out);
    return 0;
}

void mc_report_free(mc_report *r)
{
    mc_free(r->procedures);
    mc_free(r->agencies);
    memset(r, 0, sizeof *r);
}

/* part / whole in hundredths of scale (scale 100: a mean; 10000: a percentage), rounded half
 * up; MC_REPORT_NONE when whole is 0. */
static int64_t hundredths(int64_t part, int64_t whole, int64_t scale)
{
    return whole == 0 ? MC_REPORT_NONE : (part * 2 * scale + whole) / (2 * whole);
}

mc_indicator_ratios mc_report_ratios(const mc_indicators *x)
{
    mc_indicator_ratios r;
    r.on_time = hundredths(x->on_time, x->resolved, 10000);
    r.online = hundredths(x->online, x->received, 10000);
    r.full_online = hundredths(x->full_online, x->received, 10000);
    /* hundredths of a working day, half up, in 128 bits (the sum is at scale 10⁶) */
    __extension__ typedef __int128 wide;
    r.mean_wd = x->resolved == 0 ? MC_REPORT_NONE
                                 : (int64_t)(((wide)x->processing * 200 +
                                              (wide)x->resolved * MC_FIXED_ONE) /
                                             ((wide)2 * x->resolved * MC_FIXED_ONE));
    r.not_online = x->received - x->online;
    return r;
}

int64_t mc_report_day_seconds(const mc_calendar *cal)
{
    cal = cal ? cal : mc_calendar_builtin();
    int64_t s = 0;
    for (size_t i = 0; i < cal->nhours; i++) {
        s += (int64_t)(cal->hours[i].to - cal->hours[i].from) * 60;
    }
    return s;
}

mc_fixed mc_report_lead_of(int64_t office, int64_t day)
{
    return office > 0 && day > 0 ? (mc_fixed)((office * MC_FIXED_ONE * 2 + day) / (2 * day)) : 0;
}

mc_fixed mc_report_lead_wd(const mc_calendar *cal, int64_t from, int64_t to)
{
    cal = cal ? cal : mc_calendar_builtin();
    int64_t day = mc_report_day_seconds(cal);
    if (to <= from || day <= 0) {
        return 0;
    }
    return mc_report_lead_of(mc_calendar_office_seconds(cal, mc_calendar_to_local(cal, from),
                                                        mc_calendar_to_local(cal, to)),
                             day);
}

/* ==== per officer (report.h, "per officer") ============================================== */

/* What one officer did on the dossier at hand. */
typedef struct touch {
    size_t officer; /* index in rows */
    bool late;
} touch;

struct mc_officer_builder {
    int64_t from, to; /* UTC [from, to) */
    bool (*keep)(void *ud, const char *agency);
    void *ud;
    mc_map index; /* officer -> its row's index + 1; keys are names[i] */
    char **names; /* owned */
    mc_officer_row *rows;
    size_t n, cap, capnames;
    /* the dossier at hand */
    int64_t dossier;
    bool counted;      /* its agency counts (keep) */
    bool mark_in_step; /* an overdue mark was recorded since the state was entered */
    touch *touched;
    size_t ntouched, captouched;
};

int mc_officers_begin(mc_officer_builder **out, const mc_catalogue *cat, mc_date from, mc_date to,
                      bool (*keep)(void *ud, const char *agency), void *ud)
{
    mc_officer_builder *b = *out = mc_calloc(1, sizeof *b);
    if (b == NULL) {
        return MC_ENOMEM;
    }
    const mc_calendar *cal = mc_catalogue_default_calendar(cat) ? mc_catalogue_default_calendar(cat)
                                                                : mc_calendar_builtin();
    b->from = mc_calendar_to_utc(cal, (mc_localtime)from * MC_DAY_SECONDS);
    b->to = mc_calendar_to_utc(cal, (mc_localtime)(to + 1) * MC_DAY_SECONDS);
    b->keep = keep;
    b->ud = ud;
    return 0;
}

void mc_officers_abandon(mc_officer_builder *b)
{
    if (b == NULL) {
        return;
    }
    for (size_t i = 0; i < b->n; i++) {
        mc_free(b->names[i]);
    }
    mc_free(b->names);
    mc_free(b->rows);
    mc_free(b->touched);
    mc_map_free(&b->index);
    mc_free(b);
}

/* The row of officer user, made when new; NULL when out of memory. */
static mc_officer_row *officer_row(mc_officer_builder *b, const char *user)
{
    size_t k = (size_t)mc_map_get(&b->index, user, strlen(user));
    if (k != 0) {
        return &b->rows[k - 1];
    }
    if (mc_grow(&b->rows, &b->cap, b->n + 1, sizeof *b->rows) != 0 ||
        mc_grow(&b->names, &b->capnames, b->n + 1, sizeof *b->names) != 0) {
        return NULL;
    }
    size_t len = strlen(user);
    char *name = mc_malloc(len + 1);
    if (name == NULL) {
        return NULL;
    }
    memcpy(name, user, len + 1);
    if (mc_map_put(&b->index, name, len, (void *)(b->n + 1)) != 0) {
        mc_free(name);
        return NULL;
    }
    b->names[b->n] = name;
    mc_officer_row *r = &b->rows[b->n];
    memset(r, 0, sizeof *r);
    r->officer = name;
    b->n++;
    return r;
}

/* Counts what the officers did on the dossier at hand, once each: handled, and late or on time. */
static void flush_dossier(mc_officer_builder *b)
{
    for (size_t i = 0; i < b->ntouched; i++) {
        mc_officer_row *r = &b->rows[b->touched[i].officer];
        r->handled++;
        r->late += b->touched[i].late;
        r->on_time += !b->touched[i].late;
    }
    b->ntouched = 0;
    b->mark_in_step = false;
}

/* Records that officer row r fired an event on the dossier at hand; late: its step went late. */
static int touch_dossier(mc_officer_builder *b, const mc_officer_row *r, bool late)
{
    size_t k = (size_t)(r - b->rows);
    for (size_t i = 0; i < b->ntouched; i++) {
        if (b->touched[i].officer == k) {
            b->touched[i].late |= late;
            return 0;
        }
    }
    if (mc_grow(&b->touched, &b->captouched, b->ntouched + 1, sizeof *b->touched) != 0) {
        return MC_ENOMEM;
    }
    b->touched[b->ntouched++] = (touch){k, late};
    return 0;
}

int mc_officers_add(mc_officer_builder *b, const mc_officer_event *ev)
{
    if (ev->dossier != b->dossier) {
        flush_dossier(b);
        b->dossier = ev->dossier;
        b->counted = b->keep == NULL || b->keep(b->ud, ev->agency);
    }
    bool step_late = b->mark_in_step;
    if (ev->kind != NULL && strcmp(ev->kind, "overdue") == 0) {
        b->mark_in_step = true;
    }
    if (ev->enters) {
        b->mark_in_step = false; /* a new step begins */
    }
    bool in_period = ev->at >= b->from && ev->at < b->to;
    if (!b->counted || !in_period || ev->user == NULL || ev->user[0] == '\0' || ev->kind == NULL) {
        return 0;
    }
    bool fire = strcmp(ev->kind, "fire") == 0;
    bool apology = strcmp(ev->kind, "apology") == 0;
    bool refusal = strcmp(ev->kind, "blocked") == 0 && ev->once_only;
    if (!fire && !apology && !refusal) {
        return 0; /* a submission, a refused request of another kind: not a step of the desk */
    }
    mc_officer_row *r = officer_row(b, ev->user);
    if (r == NULL) {
        return MC_ENOMEM;
    }
    r->supplements += fire && ev->asks;
    r->apologies += apology;
    r->once_only_refusals += refusal;
    if (fire || apology) {
        /* Only an event that ends the step (enters a state) can be late at it. */
        return touch_dossier(b, r, fire && ev->enters && step_late);
    }
    return 0;
}

static int by_officer(const void *x, const void *y)
{
    return strcmp(((const mc_officer_row *)x)->officer, ((const mc_officer_row *)y)->officer);
}

typedef struct officer_names {
    char **names;
    size_t n;
} officer_names;

int mc_officers_end(mc_officer_builder *b, mc_officer_report *out)
{
    memset(out, 0, sizeof *out);
    flush_dossier(b);
    officer_names *own = mc_calloc(1, sizeof *own);
    if (own == NULL) {
        mc_officers_abandon(b);
        return MC_ENOMEM;
    }
    if (b->n > 0) {
        qsort(b->rows, b->n, sizeof *b->rows, by_officer);
    }
    own->names = b->names;
    own->n = b->n;
    out->officers = b->rows;
    out->nofficers = b->n;
    out->impl = own;
    b->names = NULL;
    b->rows = NULL;
    b->n = 0;
    mc_officers_abandon(b);
    return 0;
}

void mc_officers_free(mc_officer_report *r)
{
    officer_names *own = r->impl;
    if (own != NULL) {
        for (size_t i = 0; i < own->n; i++) {
            mc_free(own->names[i]);
        }
        mc_free(own->names);
        mc_free(own);
    }
    mc_free(r->officers);
    memset(r, 0, sizeof *r);
}

typedef struct officer_scan {
    mc_officer_builder *b;
    const mc_catalogue *cat;
    int64_t *ids;
    size_t nids, capids;
} officer_scan;

static int collect_id(void *ud, const mc_dossier_row *row)
{
    officer_scan *s = ud;
    if (mc_grow(&s->ids, &s->capids, s->nids + 1, sizeof *s->ids) != 0) {
        return MC_ENOMEM;
    }
    s->ids[s->nids++] = row->id;
    return 0;
}

/* One stored event as the accumulator reads it: the few members it needs, from its body. */
static int officer_event(void *ud, const mc_event_row *ev)
{
    officer_scan *s = ud;
    json_t *body = NULL;
    if (ev->body != NULL && mc_json_loads(ev->body, 0, &body) == MC_ENOMEM) {
        return MC_ENOMEM;
    }
    const char *procedure = json_string_value(json_object_get(body, "procedure"));
    size_t nv = 0;
    const mc_procedure *const *v = procedure ? mc_catalogue_versions(s->cat, procedure, &nv) : NULL;
    json_t *docs = json_object_get(json_object_get(body, "payload"), "documents");
    const char *why = json_string_value(json_object_get(body, "reason"));
    mc_officer_event e = {
        .dossier = ev->dossier,
        .at = ev->at,
        .kind = ev->kind,
        .user = json_string_value(json_object_get(body, "user")),
        .enters = json_is_string(json_object_get(body, "to")),
        .asks = json_array_size(docs) > 0,
        .once_only = why != NULL && strcmp(why, "once-only") == 0,
        .agency = nv ? v[0]->agency : NULL,
    };
    int rc = mc_officers_add(s->b, &e);
    json_decref(body);
    return rc;
}

int mc_officers_compute(mc_store *st, const mc_catalogue *cat, mc_date from, mc_date to,
                        bool (*keep)(void *ud, const char *agency), void *ud,
                        mc_officer_report *out, mc_error *err)
{
    memset(out, 0, sizeof *out);
    officer_scan s = {.cat = cat};
    if (mc_officers_begin(&s.b, cat, from, to, keep, ud) != 0) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    /* The dossiers first, then the events of each in order: a step is read within a dossier. */
    mc_dossier_filter f = MC_DOSSIER_FILTER_INIT;
    int rc = mc_store_dossier_each(st, &f, collect_id, &s, err);
    for (size_t i = 0; rc == 0 && i < s.nids; i++) {
        rc = mc_store_event_each(st, s.ids[i], officer_event, &s, err);
    }
    mc_free(s.ids);
    if (rc != 0) {
        mc_officers_abandon(s.b);
        return rc == MC_ENOMEM ? mc_error_set(err, rc, "out of memory") : rc;
    }
    rc = mc_officers_end(s.b, out);
    return rc != 0 ? mc_error_set(err, rc, "out of memory") : 0;
}
