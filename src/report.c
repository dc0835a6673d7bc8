/* Service indicators (report.h): one pass over the dossiers, then the once-only refusals and
 * the results issued, each attributed to its dossier's procedure and agency. */
#include "motcua/report.h"

#include "motcua/alloc.h"
#include "motcua/calendar.h"
#include "map.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

enum { DAY = 86400 };

typedef struct builder {
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
    int rc;
} builder;

static mc_indicators *slot(builder *b, mc_map *m, mc_indicators **arr, size_t *n, size_t *cap,
                           const char *name)
{
    size_t k = (size_t)mc_map_get(m, name, strlen(name));
    if (k != 0) {
        return &(*arr)[k - 1];
    }
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 32;
        mc_indicators *p = mc_realloc(*arr, c * sizeof *p);
        if (p == NULL) {
            b->rc = MC_ENOMEM;
            return NULL;
        }
        *arr = p;
        *cap = c;
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

static mc_date day_of(const builder *b, int64_t t)
{
    mc_localtime l = mc_calendar_to_local(b->cal, t);
    return (mc_date)(l >= 0 ? l / DAY : (l - DAY + 1) / DAY);
}

static const mc_procedure *version_lookup(const mc_catalogue *cat, const mc_dossier_row *row)
{
    size_t n;
    const mc_procedure *const *v = mc_catalogue_versions(cat, row->procedure, &n);
    for (size_t i = 0; i < n; i++) {
        char text[11] = "";
        if (v[i]->has_effective) {
            mc_date_format(v[i]->effective, text);
        }
        if (strcmp(text, row->version) == 0) {
            return v[i];
        }
    }
    return NULL;
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
static void count(builder *b, mc_indicators **rows, const mc_dossier_row *row,
                  const mc_procedure *p)
{
    const mc_calendar *cal = p && p->calendar ? p->calendar : b->cal;
    mc_date sub = day_of(b, row->submitted);
    bool received = sub >= b->from_day && sub <= b->to_day;
    bool resolved = row->final && row->finished != MC_NONE && row->outcome != NULL &&
                    strcmp(row->outcome, "withdrawn") != 0 && row->finished >= b->from &&
                    row->finished < b->to;
    bool open_at_end = row->submitted < b->to && (!row->final || row->finished >= b->to);
    bool overdue = open_at_end && (row->overdue || (row->clock && !strcmp(row->clock, "running") &&
                                                    row->due != MC_NONE && row->due < b->to));
    int64_t fetched = 0, asked = 0;
    if (received && row->data != NULL) {
        /* The engine writes this column itself, compact and with sorted keys: counting the
         * statuses needs no parse. */
        for (const char *q = row->data; (q = strstr(q, "\"status\":\"")) != NULL; q += 10) {
            fetched += strncmp(q + 10, "fetched\"", 8) == 0;
            asked += strncmp(q + 10, "asked\"", 6) == 0;
        }
    }
    int64_t apologies = 0, timely = 0;
    if (row->apology != NULL) {
        json_t *ap = json_loads(row->apology, 0, NULL);
        int64_t at = json_integer_value(json_object_get(ap, "at"));
        if (at >= b->from && at < b->to) {
            /* One definition of timely, decided when the apology was made (SPEC §4.6; see
             * docs/DEVIATIONS.md). */
            apologies = 1;
            timely = json_is_true(json_object_get(ap, "timely"));
        }
        json_decref(ap);
    }
    for (int k = 0; k < 3; k++) {
        mc_indicators *x = rows[k];
        if (x == NULL) {
            continue;
        }
        x->received += received;
        x->online += received && row->channel && strcmp(row->channel, "online") == 0;
        x->full_online += received && row->channel && strcmp(row->channel, "online") == 0 && p &&
                          p->online == MC_ONLINE_FULL;
        x->fetched += fetched;
        x->asked += asked;
        x->resolved += resolved;
        x->on_time += resolved && row->late != 1;
        x->late += resolved && row->late == 1;
        x->in_progress += open_at_end && row->submitted < b->to;
        x->overdue += overdue;
        x->apologies += apologies;
        x->apologies_timely += timely;
        if (resolved) {
            x->processing_wd += mc_calendar_working_days(cal, sub, day_of(b, row->finished));
        }
    }
}

static int per_dossier(void *ud, const mc_dossier_row *row)
{
    builder *b = ud;
    const mc_procedure *p = version_of(b, row);
    const char *agency = p && p->agency ? p->agency : "-";
    mc_indicators *rows[3] = {
        slot(b, &b->procs, &b->p, &b->np, &b->capp, p ? p->name : "(unknown procedure)"), NULL,
        &b->total};
    size_t pi = rows[0] ? (size_t)(rows[0] - b->p) : 0;
    rows[1] = slot(b, &b->agencies, &b->a, &b->na, &b->capa, agency);
    rows[0] = &b->p[pi]; /* slot() may have moved the array */
    if (b->rc != 0) {
        return b->rc;
    }
    count(b, rows, row, p);
    return 0;
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
    json_t *body = json_loads(ev->body, 0, NULL);
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

int mc_report_compute(mc_store *st, const mc_catalogue *cat, mc_date from, mc_date to,
                      mc_report *out, mc_error *err)
{
    memset(out, 0, sizeof *out);
    builder b;
    memset(&b, 0, sizeof b);
    b.cat = cat;
    b.cal = mc_catalogue_default_calendar(cat) ? mc_catalogue_default_calendar(cat)
                                               : mc_calendar_builtin();
    b.from_day = from;
    b.to_day = to;
    b.from = mc_calendar_to_utc(b.cal, (mc_localtime)from * DAY);
    b.to = mc_calendar_to_utc(b.cal, (mc_localtime)(to + 1) * DAY);
    b.total.name = "total";
    mc_dossier_filter f = MC_DOSSIER_FILTER_INIT;
    int rc = mc_store_dossier_each(st, &f, per_dossier, &b, err);
    if (rc == 0) {
        rc = mc_store_events_of_kind(st, "blocked", b.from, b.to, per_blocked, &b, err);
    }
    char fd[11], td[11];
    mc_date_format(from, fd);
    mc_date_format(to, td);
    if (rc == 0) {
        rc = mc_store_results_issued(st, fd, td, per_result, &b, err);
    }
    mc_map_free(&b.procs);
    mc_map_free(&b.agencies);
    if (rc != 0) {
        mc_free(b.p);
        mc_free(b.a);
        return rc == MC_ENOMEM ? mc_error_set(err, rc, "out of memory") : rc;
    }
    /* An empty store has no arrays at all, and qsort must not be given NULL. */
    if (b.np > 1) {
        qsort(b.p, b.np, sizeof *b.p, by_name);
    }
    if (b.na > 1) {
        qsort(b.a, b.na, sizeof *b.a, by_name);
    }
    out->procedures = b.p;
    out->nprocedures = b.np;
    out->agencies = b.a;
    out->nagencies = b.na;
    out->total = b.total;
    return 0;
}

void mc_report_free(mc_report *r)
{
    mc_free(r->procedures);
    mc_free(r->agencies);
    memset(r, 0, sizeof *r);
}
