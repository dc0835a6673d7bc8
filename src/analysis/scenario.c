/*
 * Scenarios (scenario.h). A file is parsed with the .proc parser; each `scenario "NAME" { … }`
 * is a list of steps described in one table. Every step handler works in two modes: checking
 * (names against the catalogue, time order) before anything runs, and running (on a fresh
 * engine with an in-memory store).
 */
#include "motcua/scenario.h"

#include "motcua/alloc.h"
#include "motcua/calendar.h"
#include "motcua/engine.h"
#include "motcua/reform.h"
#include "lang/parser.h"
#include "base/json.h"
#include "base/map.h"
#include "base/suggest.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum { MAX_DOWN = 16 };

typedef struct runner {
    const mc_catalogue *base, *cat;
    mc_catalogue *reformed;
    mc_rules *rules;
    mc_source *src;
    mc_diags *diags;
    mc_arena *arena;
    const mc_calendar *cal;
    bool check;
    int fatal;
    /* checking */
    const char *procedure; /* of the latest submit; NULL when that submit is itself wrong (its
                              problem is reported once: the names of the steps after it that
                              depend on its procedure are not checked) */
    int64_t clock;         /* MC_NONE before `now` */
    bool clock_said;       /* a `now` was written, even a wrong one (reported at itself) */
    bool submitted;        /* a `submit` was written, even a wrong one */
    bool first;            /* the step is the scenario's first */
    /* running */
    mc_engine *e;
    int64_t dossier;
    bool refused; /* the last step that is not an expect was refused */
    mc_refusal reason;
    mc_lang lang;       /* of message: `expect refused "TEXT"` is matched in it */
    char message[1024]; /* the refusal's sentence, in lang when its code is the catalogue's */
    const mc_node *refused_at; /* a refusal not yet expected */
    bool failed;
    char failure[1024];
    /* `registry R down`: the live registries the scenario's own client says do not answer
     * (names borrowed from the catalogue), and whether the engine was given that client */
    const char *down[MAX_DOWN];
    size_t ndown;
    bool client;
    int asked; /* look-ups the client answered, for their request ids */
    /* coverage (mc_scenario_opts.coverage), or NULL; the reform the scenario runs under (NULL:
     * none), and the highest dossier id it filed */
    mc_scenario_coverage *cov;
    const char *reform_name;
    int64_t max_id;
    /* interconnected dossiers (issue 25): the dossier of the latest submit, and its procedure
     * (checking), which `whole` goes back to after `part NAME` */
    int64_t whole;
    const char *whole_procedure;
} runner;

/* ==== coverage =========================================================================== */

struct mc_scenario_coverage {
    mc_arena arena; /* the keys */
    mc_map seen;    /* key -> (void *)1: "KIND\x1fA\x1fB…" */
};

int mc_scenario_coverage_new(mc_scenario_coverage **out, mc_error *err)
{
    *out = mc_calloc(1, sizeof **out);
    if (*out == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    mc_arena a = MC_ARENA_INIT;
    mc_map m = MC_MAP_INIT;
    (*out)->arena = a;
    (*out)->seen = m;
    return 0;
}

void mc_scenario_coverage_free(mc_scenario_coverage *c)
{
    if (c != NULL) {
        mc_map_free(&c->seen);
        mc_arena_free(&c->arena);
        mc_free(c);
    }
}

/* The key of parts (NULL-terminated) into key: kind and names joined by \x1f. */
static size_t cov_key(char *key, size_t keysz, const char *const *parts)
{
    size_t n = 0;
    for (size_t i = 0; parts[i] != NULL && n < keysz; i++) {
        int k = snprintf(key + n, keysz - n, "%s%s", i ? "\x1f" : "", parts[i]);
        n += k > 0 ? (size_t)k : 0;
    }
    return n < keysz ? n : keysz - 1;
}

static bool cov_has(const mc_scenario_coverage *c, const char *const *parts)
{
    char key[768];
    size_t n = cov_key(key, sizeof key, parts);
    return mc_map_get(&c->seen, key, n) != NULL;
}

/* Records parts as seen; r->fatal on out of memory. */
static void cov_mark(runner *r, const char *const *parts)
{
    if (r->cov == NULL) {
        return;
    }
    char key[768];
    size_t n = cov_key(key, sizeof key, parts);
    if (mc_map_get(&r->cov->seen, key, n) != NULL) {
        return;
    }
    char *k = mc_arena_strndup(&r->cov->arena, key, n);
    if (k == NULL || mc_map_put(&r->cov->seen, k, n, (void *)1) != 0) {
        r->fatal = MC_ENOMEM;
    }
}

#define MARK(r, ...) cov_mark((r), (const char *const[]){__VA_ARGS__, NULL})
#define HAS(c, ...) cov_has((c), (const char *const[]){__VA_ARGS__, NULL})

static const char *const req_words[] = {"not required", "asked", "fetched", "provided", "waiting"};

/* After a step: how the dossier's requirements stand (and, under a reform, the documents asked
 * of or fetched from registries). */
static void cov_snapshot(runner *r)
{
    mc_dossier d;
    mc_error err;
    int rc = mc_engine_get(r->e, r->dossier, r->clock, &d, &err);
    if (rc != 0) {
        r->fatal = rc == MC_ENOMEM ? MC_ENOMEM : r->fatal;
        return; /* a dossier the scenario fails on: its expectation says so */
    }
    for (size_t i = 0; i < d.procedure->nrequires; i++) {
        mc_req_status st = d.requirements[i].status;
        const char *doc = d.procedure->requires[i].document->name;
        if (st == MC_REQ_NOT_REQUIRED) {
            continue;
        }
        MARK(r, "q", d.procedure->name, doc, req_words[st]);
        if (r->reform_name != NULL && st != MC_REQ_PROVIDED) {
            MARK(r, "g", r->reform_name, doc);
        }
    }
    mc_dossier_free(&d);
}

typedef struct cov_walk {
    runner *r;
    const char *procedure;
} cov_walk;

static int cov_event(void *ud, const mc_event_row *ev)
{
    cov_walk *w = ud;
    bool fire = strcmp(ev->kind, "fire") == 0, timer = strcmp(ev->kind, "timer") == 0;
    if (!fire && !timer && strcmp(ev->kind, "submit") != 0) {
        return 0;
    }
    json_t *b = NULL;
    if (mc_json_loads(ev->body, 0, &b) == MC_ENOMEM) {
        return MC_ENOMEM;
    }
    const char *from = json_string_value(json_object_get(b, "from"));
    const char *to = json_string_value(json_object_get(b, "to"));
    const char *event = timer ? "timer" : json_string_value(json_object_get(b, "event"));
    if (to != NULL) {
        MARK(w->r, "s", w->procedure, to);
    }
    if (from != NULL && to != NULL && event != NULL) {
        MARK(w->r, "s", w->procedure, from);
        MARK(w->r, "t", w->procedure, from, event, to);
    }
    json_decref(b);
    return w->r->fatal;
}

/* mc_rules_trace: a line of a rule ran. */
static void cov_line(void *ud, const char *file, int line)
{
    char at[16];
    snprintf(at, sizeof at, "%d", line);
    MARK((runner *)ud, "l", file, at);
}

/* At a scenario's end: the states and transitions of its dossiers, from their events. */
static void cov_events(runner *r)
{
    for (int64_t id = 1; r->cov != NULL && id <= r->max_id && !r->fatal; id++) {
        mc_dossier d;
        mc_error err;
        int rc = mc_engine_get(r->e, id, r->clock, &d, &err);
        if (rc != 0) {
            r->fatal = rc == MC_ENOMEM ? MC_ENOMEM : r->fatal;
            continue;
        }
        cov_walk w = {r, d.procedure->name};
        if (mc_store_event_each(mc_engine_store(r->e), id, cov_event, &w, &err) == MC_ENOMEM) {
            r->fatal = MC_ENOMEM;
        }
        mc_dossier_free(&d);
    }
}

/* ==== reporting ========================================================================== */

static int problem(runner *r, const mc_token *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int problem(runner *r, const mc_token *t, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (mc_diags_add(r->diags, MC_DIAG_ERROR, r->src, t->off, t->len, "%s", msg) != 0) {
        r->fatal = MC_ENOMEM;
    }
    return -1;
}

/* Fails the running scenario at node n: "FILE:LINE: MESSAGE". */
static int fail(runner *r, const mc_node *n, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int fail(runner *r, const mc_node *n, const char *fmt, ...)
{
    if (r->failed) {
        return -1;
    }
    uint32_t line, col;
    mc_source_position(r->src, n->toks[0].off, &line, &col);
    int k =
        snprintf(r->failure, sizeof r->failure, "%s:%u: ", mc_source_path(r->src), (unsigned)line);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->failure + k, sizeof r->failure - (size_t)k, fmt, ap);
    va_end(ap);
    r->failed = true;
    return -1;
}

/* Memory that runs out ends the whole run with MC_ENOMEM, never as one scenario's failure:
 * true (r->fatal set) when rc says so. */
static bool out_of_memory(runner *r, int rc)
{
    if (rc == MC_ENOMEM) {
        r->fatal = MC_ENOMEM;
        return true;
    }
    return false;
}

static const char *text(runner *r, const mc_token *t)
{
    char *p = mc_arena_strndup(r->arena, t->text, t->text_len);
    if (p == NULL) {
        r->fatal = MC_ENOMEM;
        return "";
    }
    return p;
}

/* Room for n elements of size elem (at least one) in the scenario's arena; NULL, with r->fatal
 * set, when memory runs out. A step's words bound what it lists, so there is no other cap. */
static void *arena_array(runner *r, size_t n, size_t elem)
{
    void *p = n > SIZE_MAX / elem ? NULL : mc_arena_alloc(r->arena, (n ? n : 1) * elem);
    if (p == NULL) {
        r->fatal = MC_ENOMEM;
    }
    return p;
}

static const char *const month_names[] = {"January",   "February", "March",    "April",
                                          "May",       "June",     "July",     "August",
                                          "September", "October",  "November", "December"};

static int digits(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* Why the word t, which did not read as a date (YYYY-MM-DD; with_time: YYYY-MM-DDTHH:MM), is
 * none, as one problem at t: a day or a time of day that does not exist says so (2025-02-29:
 * February 2025 has 28 days), anything else is a problem of form. */
static int bad_date(runner *r, const mc_token *t, bool with_time)
{
    const char *s = t->text;
    size_t n = t->text_len;
    bool shaped = t->kind == MC_TOK_WORD && n == (with_time ? 16u : 10u) && s[4] == '-' &&
                  s[7] == '-' && (!with_time || (s[10] == 'T' && s[13] == ':'));
    int y = shaped ? digits(s, 4) : -1, m = shaped ? digits(s + 5, 2) : -1;
    int d = shaped ? digits(s + 8, 2) : -1;
    int h = shaped && with_time ? digits(s + 11, 2) : 0;
    int mi = shaped && with_time ? digits(s + 14, 2) : 0;
    if (y < 0 || m < 0 || d < 0 || h < 0 || mi < 0) {
        return problem(r, t,
                       with_time ? "expected a date and time like 2025-03-03T09:00"
                                 : "expected a date like 2025-03-03");
    }
    if (m < 1 || m > 12) {
        return problem(r, t, "%.*s does not exist: there is no month %02d", (int)n, s, m);
    }
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int in_month = mdays[m - 1] + (m == 2 && leap);
    if (d < 1 || d > in_month) {
        return problem(r, t, "%.*s does not exist: %s %d has %d days", (int)n, s,
                       month_names[m - 1], y, in_month);
    }
    if (h > 23 || mi > 59) {
        return problem(r, t, "%.*s does not exist: there is no time of day %.5s", (int)n, s,
                       s + 11);
    }
    return problem(r, t, "%.*s is outside the years 1900 to 2999", (int)n, s);
}

static int datetime(runner *r, const mc_token *t, int64_t *out)
{
    mc_datetime m;
    char msg[160];
    if (t->kind != MC_TOK_WORD || mc_value_datetime(t->text, t->text_len, &m, msg, sizeof msg)) {
        return bad_date(r, t, true);
    }
    *out = mc_calendar_to_utc(r->cal, (mc_localtime)m * 60);
    return 0;
}

/* The date t says into *out, or a problem at t (bad_date). */
static int date_word(runner *r, const mc_token *t, mc_date *out)
{
    char msg[160];
    if (t->kind != MC_TOK_WORD || mc_value_date(t->text, t->text_len, out, msg, sizeof msg)) {
        return bad_date(r, t, false);
    }
    return 0;
}

static void fmt_time(runner *r, int64_t t, char out[17])
{
    mc_datetime_format((mc_datetime)(mc_calendar_to_local(r->cal, t) / 60), out);
}

/* ==== checks of names ==================================================================== */

/* Reports "unknown KIND 'NAME'WHERE", with a suggestion among names; where may be "". */
static int known_in(runner *r, const mc_token *t, bool found, const char *kind, const char *where,
                    const char *const *names, size_t n)
{
    if (found) {
        return 0;
    }
    mc_suggest s;
    mc_suggest_init(&s, t->text, t->text_len);
    for (size_t i = 0; i < n; i++) {
        mc_suggest_offer(&s, names[i]);
    }
    if (s.best != NULL) {
        return problem(r, t, "unknown %s '%.*s'%s (did you mean '%s'?)", kind, (int)t->text_len,
                       t->text, where, s.best);
    }
    return problem(r, t, "unknown %s '%.*s'%s", kind, (int)t->text_len, t->text, where);
}

static int known(runner *r, const mc_token *t, bool found, const char *kind,
                 const char *const *names, size_t n)
{
    return known_in(r, t, found, kind, "", names, n);
}

/* Collects names from an array of pointers to structs that start with their name. */
static const char **names_of(runner *r, const void *const *items, size_t n)
{
    const char **names = mc_arena_alloc(r->arena, (n ? n : 1) * sizeof *names);
    for (size_t i = 0; names && i < n; i++) {
        names[i] = *(const char *const *)items[i];
    }
    if (names == NULL) {
        r->fatal = MC_ENOMEM;
    }
    return names;
}

static int check_document(runner *r, const mc_token *t)
{
    size_t n;
    const mc_document *const *docs = mc_catalogue_documents(r->cat, &n);
    return known(r, t, mc_catalogue_document(r->cat, text(r, t)) != NULL, "document",
                 names_of(r, (const void *const *)docs, n), n);
}

static int check_role(runner *r, const mc_token *t)
{
    size_t n;
    const mc_role *const *roles = mc_catalogue_roles(r->cat, &n);
    return known(r, t, mc_catalogue_role(r->cat, text(r, t)) != NULL, "role",
                 names_of(r, (const void *const *)roles, n), n);
}

static int check_registry(runner *r, const mc_token *t)
{
    size_t n;
    const mc_registry *const *regs = mc_catalogue_registries(r->cat, &n);
    return known(r, t, mc_catalogue_registry(r->cat, text(r, t)) != NULL, "registry",
                 names_of(r, (const void *const *)regs, n), n);
}

/* Needs a procedure: a step that acts on the dossier before any submit. */
static int need_dossier(runner *r, const mc_token *t)
{
    if (!r->submitted) {
        return problem(r, t, "'%.*s' needs a dossier: 'submit' one first", (int)t->text_len,
                       t->text);
    }
    return 0;
}

typedef enum name_kind { NAME_EVENT, NAME_STATE, NAME_FIELD } name_kind;

/* Event, state and field names of every version of the current procedure. */
static int check_in_procedure(runner *r, const mc_token *t, name_kind what)
{
    static const char *const kinds[] = {
        [NAME_EVENT] = "event", [NAME_STATE] = "state", [NAME_FIELD] = "field"};
    if (r->procedure == NULL) {
        return 0; /* the submit is wrong, and said so: no second problem for what follows */
    }
    size_t nv;
    const mc_procedure *const *v = mc_catalogue_versions(r->cat, r->procedure, &nv);
    if (nv == 0) { /* abolished by the scenario's reform: check against the baseline */
        v = mc_catalogue_versions(r->base, r->procedure, &nv);
    }
    size_t total = 0;
    for (size_t i = 0; i < nv; i++) {
        const mc_machine *m = &v[i]->machine;
        total += what == NAME_FIELD ? v[i]->nfields : what == NAME_STATE ? m->nstates : 0;
        for (size_t s = 0; what == NAME_EVENT && s < m->nstates; s++) {
            total += m->states[s]->non;
        }
    }
    const char **names = arena_array(r, total, sizeof *names);
    if (names == NULL) {
        return -1; /* r->fatal is set */
    }
    size_t n = 0;
    bool found = false;
    for (size_t i = 0; i < nv; i++) {
        const mc_machine *m = &v[i]->machine;
        if (what == NAME_FIELD) {
            for (size_t k = 0; k < v[i]->nfields; k++) {
                names[n++] = v[i]->fields[k].name;
                found |= mc_tok_is(t, v[i]->fields[k].name);
            }
            continue;
        }
        for (size_t s = 0; s < m->nstates; s++) {
            if (what == NAME_STATE) {
                names[n++] = m->states[s]->name;
                found |= mc_tok_is(t, m->states[s]->name);
            }
            for (size_t k = 0; what == NAME_EVENT && k < m->states[s]->non; k++) {
                names[n++] = m->states[s]->on[k].event;
                found |= mc_tok_is(t, m->states[s]->on[k].event);
            }
        }
    }
    if (found) {
        return 0;
    }
    char where[100];
    snprintf(where, sizeof where, " of procedure '%s'", r->procedure);
    return known_in(r, t, false, kinds[what], where, names, n);
}

/* ==== steps ============================================================================== */

typedef int (*step_fn)(runner *r, const mc_node *n);

/* ==== the scenario's registry client (`registry R down`) ================================ */

/* Answers the live registries' look-ups as the scenario says: a registry it said is down does
 * not answer; the others answer from the records in the scenario's store, as without a client. */
static int scenario_lookup(void *ud, mc_lookup *q, size_t n, mc_error *err)
{
    runner *r = ud;
    for (size_t i = 0; i < n; i++) {
        bool down = false;
        for (size_t k = 0; k < r->ndown; k++) {
            down = down || strcmp(r->down[k], q[i].registry) == 0;
        }
        snprintf(q[i].request_id, sizeof q[i].request_id, "scenario-%d", ++r->asked);
        if (down) {
            q[i].outcome = MC_LOOKUP_UNAVAILABLE;
            snprintf(q[i].reason, sizeof q[i].reason, "the scenario says %s is down",
                     q[i].registry);
            continue;
        }
        q[i].answered_at = r->clock;
        int found =
            mc_store_record_find(mc_engine_store(r->e), q[i].registry, q[i].document, q[i].subject,
                                 q[i].reference, sizeof q[i].reference, q[i].issued, err);
        if (found < 0) {
            return found;
        }
        q[i].outcome = found ? MC_LOOKUP_FOUND : MC_LOOKUP_NOT_FOUND;
    }
    return 0;
}

static void give_client(runner *r)
{
    mc_registry_client c = {.lookup = scenario_lookup, .ud = r};
    mc_engine_set_registry_client(r->e, &c);
    r->client = true;
}

/* `registry R down` and `registry R up`: from then on the scenario's live registries are asked
 * through its own client, R not answering (down) or answering from the store again (up). */
static int step_registry_state(runner *r, const mc_node *n)
{
    const mc_token *t = n->toks;
    bool down = mc_tok_is(&t[2], "down");
    if (r->check) {
        if (!down && !mc_tok_is(&t[2], "up")) {
            return problem(r, &t[2], "write: registry REGISTRY down, or registry REGISTRY up");
        }
        if (check_registry(r, &t[1]) != 0) {
            return -1;
        }
        const mc_registry *reg = mc_catalogue_registry(r->cat, text(r, &t[1]));
        if (!reg->live) {
            return problem(r, &t[1],
                           "registry %s is not live: it is never asked, so it cannot be "
                           "down",
                           reg->name);
        }
        return 0;
    }
    const mc_registry *reg = mc_catalogue_registry(r->cat, text(r, &t[1]));
    size_t k = 0;
    while (k < r->ndown && strcmp(r->down[k], reg->name) != 0) {
        k++;
    }
    if (down && k == r->ndown && r->ndown < MAX_DOWN) {
        r->down[r->ndown++] = reg->name;
    } else if (!down && k < r->ndown) {
        r->down[k] = r->down[--r->ndown];
    }
    if (!r->client) {
        give_client(r);
    }
    return 0;
}

/* The reform named t is one of the catalogue's: a problem at t when not. */
static int step_reform_check_name(runner *r, const mc_token *t)
{
    size_t k;
    const mc_reform *const *all = mc_catalogue_reforms(r->base, &k);
    const char **names = arena_array(r, k, sizeof *names);
    for (size_t i = 0; names && i < k; i++) {
        names[i] = mc_reform_name(all[i]);
    }
    return names ? known(r, t, mc_catalogue_reform(r->base, text(r, t)) != NULL, "reform", names, k)
                 : -1;
}

static int step_reform(runner *r, const mc_node *n)
{
    if (r->check) {
        if (!r->first) {
            return problem(r, &n->toks[0], "'reform' must be the first step of a scenario");
        }
        size_t k;
        const mc_reform *const *all = mc_catalogue_reforms(r->base, &k);
        const char **names = mc_arena_alloc(r->arena, (k ? k : 1) * sizeof *names);
        for (size_t i = 0; names && i < k; i++) {
            names[i] = mc_reform_name(all[i]);
        }
        return known(r, &n->toks[1], mc_catalogue_reform(r->base, text(r, &n->toks[1])) != NULL,
                     "reform", names, k);
    }
    mc_error err;
    const mc_reform *rf = mc_catalogue_reform(r->base, text(r, &n->toks[1]));
    int rc = mc_reform_apply(r->base, rf, &r->reformed, &err);
    if (rc != 0) {
        return out_of_memory(r, rc) ? -1 : fail(r, n, "the reform cannot be applied: %s", err.msg);
    }
    r->cat = r->reformed;
    r->reform_name = mc_reform_name(rf);
    mc_engine *e;
    if (mc_engine_open(&e, r->cat, r->rules, ":memory:", &err) != 0) {
        r->fatal = err.code;
        return -1;
    }
    mc_engine_close(r->e);
    r->e = e;
    if (r->client) {
        give_client(r);
    }
    return 0;
}

static int step_now(runner *r, const mc_node *n)
{
    int64_t t = 0;
    if (r->check) {
        if (r->submitted) {
            return problem(r, &n->toks[0],
                           "'now' sets the clock before the first 'submit'; "
                           "move time on with 'at'");
        }
        r->clock_said = true;
        if (datetime(r, &n->toks[1], &t) == 0) {
            r->clock = t;
        }
        return 0;
    }
    if (datetime(r, &n->toks[1], &t) == 0) {
        r->clock = t;
    }
    return 0;
}

static int step_at(runner *r, const mc_node *n)
{
    int64_t t = 0;
    if (datetime(r, &n->toks[1], &t) != 0) {
        return -1;
    }
    if (r->check) {
        if (r->clock != MC_NONE && t < r->clock) {
            char before[17];
            fmt_time(r, r->clock, before);
            return problem(r, &n->toks[1], "time goes backwards: %.*s is before %s",
                           (int)n->toks[1].text_len, n->toks[1].text, before);
        }
        r->clock = t;
        return 0;
    }
    r->clock = t;
    size_t changed;
    mc_error err;
    int rc = mc_engine_tick(r->e, t, &changed, &err);
    if (rc != 0) {
        return out_of_memory(r, rc) ? -1 : fail(r, n, "%s", err.msg);
    }
    return 0;
}

static int step_registry(runner *r, const mc_node *n)
{
    if (n->ntoks == 3) {
        return step_registry_state(r, n);
    }
    /* registry R holds D for SUBJECT [ref STRING] [issued DATE] */
    const mc_token *t = n->toks;
    size_t ref_at = 0, issued_at = 0; /* token index of the value, 0: not given */
    for (size_t i = 6; i + 1 < n->ntoks; i += 2) {
        if (mc_tok_is(&t[i], "ref") && ref_at == 0) {
            ref_at = i + 1;
        } else if (mc_tok_is(&t[i], "issued") && issued_at == 0) {
            issued_at = i + 1;
        }
    }
    if (r->check) {
        if (n->ntoks < 6 || n->ntoks % 2 != 0 || n->ntoks > 10 ||
            (n->ntoks - 6) / 2 != (size_t)(ref_at != 0) + (issued_at != 0)) {
            return problem(r, &t[0],
                           "write: registry REGISTRY holds DOCUMENT for SUBJECT "
                           "[ref \"REFERENCE\"] [issued DATE]");
        }
        if (!mc_tok_is(&t[2], "holds") || !mc_tok_is(&t[4], "for")) {
            return problem(r, &t[0],
                           "write: registry REGISTRY holds DOCUMENT for SUBJECT "
                           "[ref \"REFERENCE\"] [issued DATE]");
        }
        mc_date day;
        if (issued_at != 0 && date_word(r, &t[issued_at], &day) != 0) {
            return -1;
        }
        if (check_registry(r, &t[1]) == 0 && check_document(r, &t[3]) == 0) {
            const mc_registry *reg = mc_catalogue_registry(r->cat, text(r, &t[1]));
            const mc_document *doc = mc_catalogue_document(r->cat, text(r, &t[3]));
            if (!mc_registry_holds(reg, doc)) {
                return problem(r, &t[3], "registry %s does not hold %s", reg->name, doc->name);
            }
        }
        return 0;
    }
    const char *ref = ref_at ? text(r, &t[ref_at]) : "SCENARIO";
    char issued[11] = "";
    if (issued_at != 0) {
        snprintf(issued, sizeof issued, "%.*s", (int)t[issued_at].text_len, t[issued_at].text);
    }
    mc_record_row rec = {text(r, &t[1]), text(r, &t[3]), text(r, &t[5]), ref,
                         issued[0] ? issued : NULL};
    mc_error err;
    int rc = mc_store_record_put(mc_engine_store(r->e), &rec, &err);
    if (rc != 0) {
        return out_of_memory(r, rc) ? -1 : fail(r, n, "%s", err.msg);
    }
    return 0;
}

/* Records the outcome of a step that may be refused. */
static int outcome(runner *r, const mc_node *n, int rc, const mc_result *res, const mc_error *err)
{
    r->refused = rc == MC_EREFUSED;
    if (rc == MC_EREFUSED) {
        r->reason = res->refusal;
        snprintf(r->message, sizeof r->message, "%s", res->message);
        if (r->lang != MC_LANG_EN && res->code[0] != '\0') {
            const char *args[MC_MSG_MAXARGS];
            for (size_t i = 0; i < res->nargs && i < MC_MSG_MAXARGS; i++) {
                args[i] = res->args[i];
            }
            char said[sizeof r->message];
            if (mc_msg_format(r->lang, res->code, args, res->nargs, said, sizeof said) >= 0) {
                memcpy(r->message, said, sizeof said);
            }
        }
        r->refused_at = n;
        return 0;
    }
    if (rc != 0) {
        return out_of_memory(r, rc) ? -1 : fail(r, n, "%s", err->msg);
    }
    return 0;
}

static int step_submit(runner *r, const mc_node *n)
{
    /* submit PROCEDURE [channel C] { FIELD VALUE…; attach DOCUMENT… } */
    const mc_token *t = n->toks;
    if (r->check) {
        /* Whatever is wrong with it, the steps after it act on its dossier: they are not told
         * again that they need one (one problem per mistake). */
        r->submitted = true;
        r->procedure = NULL;
        r->whole_procedure = NULL;
        if (n->ntoks != 2 && !(n->ntoks == 4 && mc_tok_is(&t[2], "channel"))) {
            return problem(r, &t[0],
                           "write: submit PROCEDURE [channel online|counter|post] "
                           "{ FIELD VALUE… }");
        }
        if (r->clock == MC_NONE && !r->clock_said) {
            return problem(r, &t[0], "set the clock with 'now' before the first 'submit'");
        }
        size_t np;
        /* Known in the reformed catalogue or the baseline: a reform may abolish the
         * procedure, and a scenario may want to see that refusal. */
        const mc_procedure *const *procs = mc_catalogue_procedures(r->base, &np);
        const char *name = text(r, &t[1]);
        size_t nv, nb;
        mc_catalogue_versions(r->base, name, &nb);
        mc_catalogue_versions(r->cat, name, &nv);
        nv += nb;
        if (known(r, &t[1], nv > 0, "procedure", names_of(r, (const void *const *)procs, np), np) !=
            0) {
            return -1;
        }
        if (n->ntoks == 4 && !mc_tok_is(&t[3], "online") && !mc_tok_is(&t[3], "counter") &&
            !mc_tok_is(&t[3], "post")) {
            problem(r, &t[3], "unknown channel '%.*s' (online, counter or post)",
                    (int)t[3].text_len, t[3].text);
        }
        r->procedure = name;
        r->whole_procedure = name;
        for (const mc_node *c = n->child; c != NULL; c = c->next) {
            if (c->broken || c->ntoks == 0) {
                continue;
            }
            if (mc_tok_is(&c->toks[0], "attach")) {
                for (size_t i = 1; i < c->ntoks; i++) {
                    check_document(r, &c->toks[i]);
                }
            } else if (c->ntoks != 2) {
                problem(r, &c->toks[0], "write each field as: FIELD VALUE");
            } else {
                check_in_procedure(r, &c->toks[0], NAME_FIELD);
            }
        }
        return 0;
    }
    size_t nf = 0, na = 0, words = 0;
    for (const mc_node *c = n->child; c != NULL; c = c->next) {
        words += c->ntoks;
    }
    mc_kv *fields = arena_array(r, words, sizeof *fields);
    const char **attach = arena_array(r, words, sizeof *attach);
    if (fields == NULL || attach == NULL) {
        return -1; /* r->fatal is set */
    }
    for (const mc_node *c = n->child; c != NULL; c = c->next) {
        if (mc_tok_is(&c->toks[0], "attach")) {
            for (size_t i = 1; i < c->ntoks; i++) {
                attach[na++] = text(r, &c->toks[i]);
            }
        } else {
            fields[nf].key = text(r, &c->toks[0]);
            fields[nf++].value = text(r, &c->toks[1]);
        }
    }
    mc_submit s = {
        .procedure = text(r, &t[1]),
        .fields = fields,
        .nfields = nf,
        .attach = attach,
        .nattach = na,
        .channel = n->ntoks == 4 ? text(r, &t[3]) : NULL,
        .now = r->clock,
    };
    mc_result res;
    mc_error err;
    int rc = mc_engine_submit(r->e, &s, &res, &err);
    r->dossier = rc == 0 ? res.dossier : 0; /* what follows a refused submit has no dossier */
    r->whole = r->dossier;
    if (rc == 0) {
        MARK(r, "p", s.procedure);
        r->max_id = res.dossier > r->max_id ? res.dossier : r->max_id;
    }
    if ((rc == 0 || rc == MC_EREFUSED) && r->reform_name != NULL) {
        MARK(r, "f", r->reform_name, s.procedure);
    }
    return outcome(r, n, rc, &res, &err);
}

static int step_fire(runner *r, const mc_node *n)
{
    /* fire EVENT by ROLE [{ documents D…; note S; dispute D S; set FIELD VALUE; attach D… }] */
    const mc_token *t = n->toks;
    if (r->check) {
        if (n->ntoks != 4 || !mc_tok_is(&t[2], "by")) {
            return problem(r, &t[0], "write: fire EVENT by ROLE [{ … }]");
        }
        if (need_dossier(r, &t[0]) != 0) {
            return -1;
        }
        check_in_procedure(r, &t[1], NAME_EVENT);
        check_role(r, &t[3]);
        for (const mc_node *c = n->child; c != NULL; c = c->next) {
            if (c->broken || c->ntoks == 0) {
                continue;
            }
            const mc_token *k = &c->toks[0];
            if (mc_tok_is(k, "documents") || mc_tok_is(k, "attach")) {
                for (size_t i = 1; i < c->ntoks; i++) {
                    check_document(r, &c->toks[i]);
                }
            } else if (mc_tok_is(k, "note") && c->ntoks == 2) {
            } else if (mc_tok_is(k, "dispute") && c->ntoks == 3) {
                check_document(r, &c->toks[1]);
            } else if (mc_tok_is(k, "set") && c->ntoks == 3) {
                check_in_procedure(r, &c->toks[1], NAME_FIELD);
            } else {
                problem(r, k,
                        "unknown payload '%.*s' (documents D…, note S, dispute D S, set "
                        "FIELD VALUE, attach D…)",
                        (int)k->text_len, k->text);
            }
        }
        return 0;
    }
    mc_fire f;
    if (r->dossier == 0) {
        return fail(r, n, "there is no dossier: the submission was refused (%s)", r->message);
    }
    size_t words = 0;
    for (const mc_node *c = n->child; c != NULL; c = c->next) {
        words += c->ntoks;
    }
    const char **docs = arena_array(r, words, sizeof *docs);
    const char **attach = arena_array(r, words, sizeof *attach);
    mc_kv *disputes = arena_array(r, words, sizeof *disputes);
    mc_kv *set = arena_array(r, words, sizeof *set);
    if (docs == NULL || attach == NULL || disputes == NULL || set == NULL) {
        return -1; /* r->fatal is set */
    }
    memset(&f, 0, sizeof f);
    for (const mc_node *c = n->child; c != NULL; c = c->next) {
        const mc_token *k = &c->toks[0];
        if (mc_tok_is(k, "documents")) {
            for (size_t i = 1; i < c->ntoks; i++) {
                docs[f.payload.ndocuments++] = text(r, &c->toks[i]);
            }
        } else if (mc_tok_is(k, "attach")) {
            for (size_t i = 1; i < c->ntoks; i++) {
                attach[f.payload.nattach++] = text(r, &c->toks[i]);
            }
        } else if (mc_tok_is(k, "note")) {
            f.payload.note = text(r, &c->toks[1]);
        } else if (mc_tok_is(k, "dispute")) {
            disputes[f.payload.ndisputes].key = text(r, &c->toks[1]);
            disputes[f.payload.ndisputes++].value = text(r, &c->toks[2]);
        } else if (mc_tok_is(k, "set")) {
            set[f.payload.nset].key = text(r, &c->toks[1]);
            set[f.payload.nset++].value = text(r, &c->toks[2]);
        }
    }
    f.payload.documents = docs;
    f.payload.attach = attach;
    f.payload.disputes = disputes;
    f.payload.set = set;
    f.dossier = r->dossier;
    f.event = text(r, &t[1]);
    f.role = text(r, &t[3]);
    f.now = r->clock;
    mc_result res;
    mc_error err;
    return outcome(r, n, mc_engine_fire(r->e, &f, &res, &err), &res, &err);
}

static int step_apologize(runner *r, const mc_node *n)
{
    /* apologize by ROLE { new-date DATE; reason S } */
    const mc_token *t = n->toks;
    const char *reason = NULL;
    mc_date date = 0;
    bool has_date = false;
    const mc_token *bad = NULL; /* a new-date that is no date */
    for (const mc_node *c = n->child; c != NULL; c = c->next) {
        if (c->broken || c->ntoks != 2) {
            continue;
        }
        if (mc_tok_is(&c->toks[0], "new-date")) {
            char msg[100];
            has_date =
                mc_value_date(c->toks[1].text, c->toks[1].text_len, &date, msg, sizeof msg) == 0;
            bad = has_date ? NULL : &c->toks[1];
        } else if (mc_tok_is(&c->toks[0], "reason")) {
            reason = text(r, &c->toks[1]);
        }
    }
    if (r->check) {
        if (n->ntoks != 3 || !mc_tok_is(&t[1], "by")) {
            return problem(r, &t[0], "write: apologize by ROLE { new-date DATE; reason \"…\" }");
        }
        if (need_dossier(r, &t[0]) != 0 || check_role(r, &t[2]) != 0) {
            return -1;
        }
        if (bad != NULL) {
            return bad_date(r, bad, false);
        }
        if (!has_date || reason == NULL) {
            return problem(r, &t[0], "an apology needs 'new-date DATE' and 'reason \"…\"'");
        }
        return 0;
    }
    if (r->dossier == 0) {
        return fail(r, n, "there is no dossier: the submission was refused (%s)", r->message);
    }
    mc_apology a = {
        .dossier = r->dossier,
        .role = text(r, &t[2]),
        .new_date = date,
        .reason = reason,
        .now = r->clock,
    };
    mc_result res;
    mc_error err;
    return outcome(r, n, mc_engine_apologize(r->e, &a, &res, &err), &res, &err);
}

/* ==== expectations ======================================================================= */

static int expect_refusal(runner *r, const mc_node *n)
{
    const mc_token *t = n->toks;
    bool blocked = mc_tok_is(&t[1], "blocked");
    if (r->check) {
        if (blocked && n->ntoks == 3) {
            static const char *const reasons[] = {"once-only", "role", "guard", "state", "limit"};
            bool ok = false;
            for (int i = 0; i < 5; i++) {
                ok |= mc_tok_is(&t[2], reasons[i]);
            }
            return ok ? 0 : known(r, &t[2], false, "refusal reason", reasons, 5);
        }
        if ((blocked && n->ntoks != 2) || (!blocked && n->ntoks != 3)) {
            return problem(r, &t[0], "write: expect blocked [REASON] or expect refused \"TEXT\"");
        }
        return 0;
    }
    r->refused_at = NULL;
    if (!r->refused) {
        return fail(r, n, "expected a refusal, got: the step was done");
    }
    if (blocked && n->ntoks == 3 && !mc_tok_is(&t[2], mc_refusal_name(r->reason))) {
        const char *got = mc_refusal_name(r->reason);
        return fail(r, n, "expected blocked %.*s, got blocked %s: %s", (int)t[2].text_len,
                    t[2].text, got[0] ? got : "(no reason word)", r->message);
    }
    if (!blocked && strstr(r->message, text(r, &t[2])) == NULL) {
        return fail(r, n, "expected a refusal containing \"%.*s\", got: %s", (int)t[2].text_len,
                    t[2].text, r->message);
    }
    return 0;
}

/* The expectations on a dossier (and on a registry), one row each in the table below: the word
 * after `expect`, the number of words the step has, and a function that checks the step's words
 * against the catalogue before anything runs and one that checks the dossier while running. */

/* What a running expectation looks at: the dossier now, and the requirement of the document
 * the step names (NULL when it names none, or the procedure does not require it). */
typedef struct expect_ctx {
    const mc_dossier *d;
    const mc_dossier_req *req;
    const char *status; /* req's word, or "not required by the procedure" */
} expect_ctx;

typedef int (*expect_check_fn)(runner *r, const mc_node *n);
typedef int (*expect_run_fn)(runner *r, const mc_node *n, const expect_ctx *x);

static int check_state(runner *r, const mc_node *n)
{
    return check_in_procedure(r, &n->toks[2], NAME_STATE);
}

static int run_state(runner *r, const mc_node *n, const expect_ctx *x)
{
    if (!mc_tok_is(&n->toks[2], x->d->state->name)) {
        return fail(r, n, "expected state %s, got state %s", text(r, &n->toks[2]),
                    x->d->state->name);
    }
    return 0;
}

static int check_due(runner *r, const mc_node *n)
{
    int64_t when;
    return datetime(r, &n->toks[2], &when);
}

/* A deadline counted into a year the calendar does not cover: a warning at the step (the
 * scenario still passes or fails on its expectation), since the due instant holds only until
 * that year's announced days off are declared (§4.1). */
static void warn_uncovered(runner *r, const mc_node *n, const expect_ctx *x)
{
    const mc_calendar *cal = x->d->procedure->calendar ? x->d->procedure->calendar : r->cal;
    const mc_token *t = &n->toks[1];
    if (x->d->uncovered != 0 &&
        mc_diags_warn(r->diags, "due-uncovered-year", r->src, t->off, t->len,
                      "the deadline is counted into %d, which calendar '%s' does not cover (its "
                      "announced days off are not declared)",
                      x->d->uncovered, cal->name) != 0) {
        r->fatal = MC_ENOMEM;
    }
}

static int check_uncovered(runner *r, const mc_node *n)
{
    int64_t year;
    char msg[100];
    const mc_token *t = &n->toks[2];
    if (mc_value_integer(t->text, t->text_len, &year, msg, sizeof msg) != 0 || year < 1 ||
        year > 9999) {
        return problem(r, t, "write: expect uncovered YEAR");
    }
    return 0;
}

/* `expect uncovered YEAR`: the dossier's deadline is flagged as counted into YEAR, a year its
 * calendar does not cover. */
static int run_uncovered(runner *r, const mc_node *n, const expect_ctx *x)
{
    int64_t want = 0;
    char msg[100];
    mc_value_integer(n->toks[2].text, n->toks[2].text_len, &want, msg, sizeof msg);
    if (x->d->uncovered != want) {
        if (x->d->uncovered == 0) {
            return fail(r, n, "expected uncovered %lld, got a deadline within the calendar's years",
                        (long long)want);
        }
        return fail(r, n, "expected uncovered %lld, got uncovered %d", (long long)want,
                    x->d->uncovered);
    }
    return 0;
}

static int run_due(runner *r, const mc_node *n, const expect_ctx *x)
{
    int64_t when = 0;
    char got[17], want[17];
    warn_uncovered(r, n, x);
    datetime(r, &n->toks[2], &when);
    fmt_time(r, when, want);
    if (x->d->due == MC_NONE) {
        return fail(r, n, "expected due %s, got no due (clock %s)", want,
                    mc_clock_name(x->d->clock));
    }
    if (x->d->due != when) {
        fmt_time(r, x->d->due, got);
        return fail(r, n, "expected due %s, got due %s", want, got);
    }
    return 0;
}

static int check_no_due(runner *r, const mc_node *n)
{
    return mc_tok_is(&n->toks[2], "due") ? 0 : problem(r, &n->toks[2], "write: expect no due");
}

static int run_no_due(runner *r, const mc_node *n, const expect_ctx *x)
{
    char got[17];
    if (x->d->due != MC_NONE) {
        fmt_time(r, x->d->due, got);
        return fail(r, n, "expected no due, got due %s", got);
    }
    return 0;
}

static int check_nothing(runner *r, const mc_node *n)
{
    (void)r;
    (void)n;
    return 0;
}

static int run_overdue(runner *r, const mc_node *n, const expect_ctx *x)
{
    if (!x->d->overdue) {
        return fail(r, n, "expected overdue, got %s",
                    x->d->final ? "a closed dossier" : "not overdue");
    }
    return 0;
}

/* `expect on-time` and `expect late`: the word is the step's second. */
static int run_ending(runner *r, const mc_node *n, const expect_ctx *x)
{
    bool late = mc_tok_is(&n->toks[1], "late");
    if (!x->d->final) {
        return fail(r, n, "expected %s, got a dossier still open (state %s)",
                    late ? "late" : "on-time", x->d->state->name);
    }
    if ((x->d->late == 1) != late) {
        return fail(r, n, "expected %s, got %s", late ? "late" : "on-time",
                    late ? "on-time" : "late");
    }
    return 0;
}

/* ---- expectations about a document: `expect asked|fetched|provided|waiting D`, `expect not
 * asked D`, each with clauses after D: `of PARTY` (the requirement of that party's record),
 * `from R` and `record "REF"` (fetched only: the registry and the record's reference),
 * `because "TEXT"` (asked and waiting: the reason recorded contains TEXT). ---- */

typedef struct doc_words {
    size_t doc;                                      /* the word naming the document */
    const mc_token *party, *from, *record, *because; /* the clauses' values, or NULL */
} doc_words;

/* Reads the clauses of n (a document expectation) into w; report: say what is wrong (check).
 * Returns 0, or -1 with the problem reported. */
static int doc_clauses(runner *r, const mc_node *n, doc_words *w, bool report)
{
    const mc_token *t = n->toks;
    memset(w, 0, sizeof *w);
    bool not_asked = mc_tok_is(&t[1], "not");
    w->doc = not_asked ? 3 : 2;
    if (not_asked && (n->ntoks < 4 || !mc_tok_is(&t[2], "asked"))) {
        return report ? problem(r, &t[n->ntoks > 2 ? 2 : 1], "write: expect not asked D") : -1;
    }
    if (n->ntoks <= w->doc) {
        return report ? problem(r, &t[0], "wrong form of 'expect %.*s' (see docs/scenarios.md)",
                                (int)t[1].text_len, t[1].text)
                      : -1;
    }
    bool fetched = mc_tok_is(&t[1], "fetched");
    bool reasoned = mc_tok_is(&t[1], "asked") || mc_tok_is(&t[1], "waiting");
    for (size_t i = w->doc + 1; i < n->ntoks; i += 2) {
        const mc_token *k = &t[i];
        const mc_token *v = i + 1 < n->ntoks ? &t[i + 1] : NULL;
        const mc_token **slot = mc_tok_is(k, "of")        ? &w->party
                                : mc_tok_is(k, "from")    ? &w->from
                                : mc_tok_is(k, "record")  ? &w->record
                                : mc_tok_is(k, "because") ? &w->because
                                                          : NULL;
        if (slot == NULL || *slot != NULL) {
            return report ? problem(r, k, "write: expect %.*s%s D [of PARTY]%s%s",
                                    (int)t[1].text_len, t[1].text, not_asked ? " asked" : "",
                                    fetched ? " [from REGISTRY] [record \"REFERENCE\"]" : "",
                                    reasoned ? " [because \"TEXT\"]" : "")
                          : -1;
        }
        if (v == NULL) {
            return report
                       ? problem(r, k, "'%.*s' needs a value after it", (int)k->text_len, k->text)
                       : -1;
        }
        bool is_string = slot == &w->record || slot == &w->because;
        if (is_string != (v->kind == MC_TOK_STRING)) {
            const char *what = slot == &w->party    ? "the party's name without quotes"
                               : slot == &w->from   ? "the registry's name without quotes"
                               : slot == &w->record ? "the record's reference in quotes"
                                                    : "the reason in quotes";
            return report ? problem(r, v, "write %s", what) : -1;
        }
        if ((slot == &w->from || slot == &w->record) && !fetched) {
            return report ? problem(r, k,
                                    "'%.*s' is said of a fetched document: expect fetched D "
                                    "%.*s …",
                                    (int)k->text_len, k->text, (int)k->text_len, k->text)
                          : -1;
        }
        if (slot == &w->because && !reasoned) {
            return report ? problem(r, k,
                                    "'because' is said of an asked or waiting document: "
                                    "expect asked D because \"TEXT\"")
                          : -1;
        }
        *slot = v;
    }
    return 0;
}

/* The parties of every version of the current procedure: a problem at t when none is named so. */
static int check_party(runner *r, const mc_token *t)
{
    if (r->procedure == NULL) {
        return 0;
    }
    size_t nv;
    const mc_procedure *const *v = mc_catalogue_versions(r->cat, r->procedure, &nv);
    if (nv == 0) {
        v = mc_catalogue_versions(r->base, r->procedure, &nv);
    }
    size_t total = 0;
    for (size_t i = 0; i < nv; i++) {
        total += v[i]->nparties;
    }
    const char **names = arena_array(r, total, sizeof *names);
    if (names == NULL) {
        return -1;
    }
    size_t k = 0;
    bool found = false;
    for (size_t i = 0; i < nv; i++) {
        for (size_t p = 0; p < v[i]->nparties; p++) {
            names[k++] = v[i]->parties[p].name;
            found |= mc_tok_is(t, v[i]->parties[p].name);
        }
    }
    char where[100];
    snprintf(where, sizeof where, " of procedure '%s'", r->procedure);
    return known_in(r, t, found, "party", where, names, k);
}

static int check_doc(runner *r, const mc_node *n)
{
    doc_words w;
    if (doc_clauses(r, n, &w, true) != 0) {
        return -1;
    }
    int rc = check_document(r, &n->toks[w.doc]);
    if (w.party != NULL) {
        rc |= check_party(r, w.party);
    }
    if (w.from != NULL) {
        rc |= check_registry(r, w.from);
    }
    return rc;
}

/* "STATUS D[ of PARTY]", what a failure says was expected, into out. */
static const char *doc_expected(runner *r, const mc_node *n, const doc_words *w, char *out,
                                size_t outsz)
{
    const mc_token *t = n->toks;
    snprintf(out, outsz, "%s%s %s%s%s", text(r, &t[1]), w->doc == 3 ? " asked" : "",
             text(r, &t[w->doc]), w->party ? " of " : "", w->party ? text(r, w->party) : "");
    return out;
}

static int run_doc(runner *r, const mc_node *n, const expect_ctx *x)
{
    static const struct {
        const char *word;
        mc_req_status status;
    } words[] = {{"asked", MC_REQ_ASKED},
                 {"fetched", MC_REQ_FETCHED},
                 {"provided", MC_REQ_PROVIDED},
                 {"waiting", MC_REQ_WAITING}};
    doc_words w;
    doc_clauses(r, n, &w, false);
    char what[300];
    doc_expected(r, n, &w, what, sizeof what);
    const mc_dossier_req *q = x->req;
    const char *why = q && q->reason ? q->reason : NULL;
    if (w.doc == 3) { /* expect not asked D */
        if (q != NULL && q->status == MC_REQ_ASKED) {
            return fail(r, n, "expected %s, got asked%s%s", what, why ? ": " : "", why ? why : "");
        }
        return 0;
    }
    mc_req_status want = MC_REQ_ASKED;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        want = mc_tok_is(&n->toks[1], words[i].word) ? words[i].status : want;
    }
    if (q == NULL || q->status != want) {
        bool say_why = (want == MC_REQ_WAITING || w.because != NULL) && why != NULL;
        return fail(r, n, "expected %s, got %s%s%s", what, x->status, say_why ? ": " : "",
                    say_why ? why : "");
    }
    if (w.from != NULL && !mc_tok_is(w.from, q->registry)) {
        return fail(r, n, "expected %s from %s, got fetched from %s", what, text(r, w.from),
                    q->registry);
    }
    if (w.record != NULL && (q->record == NULL || strcmp(q->record, w.record->text) != 0)) {
        return q->record ? fail(r, n, "expected %s record \"%s\", got record \"%s\"", what,
                                w.record->text, q->record)
                         : fail(r, n, "expected %s record \"%s\", got a record without a reference",
                                what, w.record->text);
    }
    if (w.because != NULL && (why == NULL || strstr(why, w.because->text) == NULL)) {
        return fail(r, n, "expected %s because \"%s\", got %s", what, w.because->text,
                    why ? why : "no reason");
    }
    return 0;
}

static int check_fee(runner *r, const mc_node *n)
{
    const mc_token *t = n->toks;
    int64_t amount;
    char cur[4], msg[120];
    if (mc_value_integer(t[2].text, t[2].text_len, &amount, msg, sizeof msg) != 0 || amount < 0) {
        return problem(r, &t[2], "write the fee as a whole amount, like 50000 VND");
    }
    if (mc_value_currency(t[3].text, t[3].text_len, cur, msg, sizeof msg) != 0) {
        return problem(r, &t[3], "%s", msg);
    }
    return 0;
}

static int run_fee(runner *r, const mc_node *n, const expect_ctx *x)
{
    const mc_token *t = n->toks;
    int64_t amount = 0;
    char msg[100];
    mc_value_integer(t[2].text, t[2].text_len, &amount, msg, sizeof msg);
    /* A fixed fee has its own currency; a fee rule's amount, and no fee, are in VND. */
    const mc_procedure *p = x->d->procedure;
    const char *cur = p->fee_kind == MC_FEE_FIXED ? p->fee.currency : "VND";
    int64_t fee = x->d->fee == MC_NONE ? 0 : x->d->fee;
    if (fee != amount || !mc_tok_is(&t[3], cur)) {
        return fail(r, n, "expected fee %lld %s, got %lld %s", (long long)amount, text(r, &t[3]),
                    (long long)fee, cur);
    }
    return 0;
}

/* ---- `expect apology timely|late`: the dossier's apology was made before office hours opened
 * on its due day (§4.6), or not. ---- */

static int check_apology(runner *r, const mc_node *n)
{
    const mc_token *t = &n->toks[2];
    return mc_tok_is(t, "timely") || mc_tok_is(t, "late")
               ? 0
               : problem(r, t, "write: expect apology timely, or expect apology late");
}

static int run_apology(runner *r, const mc_node *n, const expect_ctx *x)
{
    bool want = mc_tok_is(&n->toks[2], "timely");
    const char *word = want ? "timely" : "late";
    mc_dossier_row row;
    memset(&row, 0, sizeof row);
    mc_error err;
    int rc = mc_store_dossier_load(mc_engine_store(r->e), x->d->id, &row, &err);
    if (rc != 0) {
        return out_of_memory(r, rc) ? -1 : fail(r, n, "%s", err.msg);
    }
    json_t *ap = NULL;
    rc = row.apology ? mc_json_loads(row.apology, 0, &ap) : 0;
    mc_dossier_row_clear(&row);
    if (out_of_memory(r, rc)) {
        return -1;
    }
    if (ap == NULL) {
        return fail(r, n, "expected apology %s, got no apology", word);
    }
    bool timely = json_is_true(json_object_get(ap, "timely"));
    json_int_t at = json_integer_value(json_object_get(ap, "at"));
    json_int_t due = json_integer_value(json_object_get(ap, "due"));
    json_decref(ap);
    if (timely != want) {
        char made[17], by[17];
        fmt_time(r, at, made);
        fmt_time(r, due, by);
        return fail(r, n, "expected apology %s, got apology %s: made %s, due %s", word,
                    timely ? "timely" : "late", made, by);
    }
    return 0;
}

/* ---- `expect ticket D [to R] [because "TEXT"]`: the dossier recorded a correction ticket for
 * its fetched record of D (a `dispute`), to registry R, with a reason containing TEXT. ---- */

static int check_ticket(runner *r, const mc_node *n)
{
    const mc_token *t = n->toks;
    if (n->ntoks < 3) {
        return problem(r, &t[0], "write: expect ticket D [to REGISTRY] [because \"TEXT\"]");
    }
    int rc = check_document(r, &t[2]);
    for (size_t i = 3; i < n->ntoks; i += 2) {
        bool to = mc_tok_is(&t[i], "to"), because = mc_tok_is(&t[i], "because");
        if ((!to && !because) || i + 1 >= n->ntoks || (t[i + 1].kind == MC_TOK_STRING) != because) {
            return problem(r, &t[i], "write: expect ticket D [to REGISTRY] [because \"TEXT\"]");
        }
        rc |= to ? check_registry(r, &t[i + 1]) : 0;
    }
    return rc;
}

typedef struct ticket_seek {
    runner *r;
    int64_t dossier;
    const char *document;
    json_t *found; /* the dossier's last ticket for the document, or NULL */
    int fatal;
} ticket_seek;

static int ticket_of(void *ud, int64_t seq, const char *body)
{
    (void)seq;
    ticket_seek *k = ud;
    json_t *o;
    int rc = mc_json_loads(body, 0, &o);
    if (rc == MC_ENOMEM) {
        k->fatal = rc;
        return rc;
    }
    const char *doc = o ? json_string_value(json_object_get(o, "document")) : NULL;
    if (doc != NULL && json_integer_value(json_object_get(o, "dossier")) == k->dossier &&
        strcmp(doc, k->document) == 0) {
        json_decref(k->found);
        k->found = o;
        return 0;
    }
    json_decref(o);
    return 0;
}

static int run_ticket(runner *r, const mc_node *n, const expect_ctx *x)
{
    const mc_token *t = n->toks;
    const mc_token *to = NULL, *because = NULL;
    for (size_t i = 3; i + 1 < n->ntoks; i += 2) {
        *(mc_tok_is(&t[i], "to") ? &to : &because) = &t[i + 1];
    }
    ticket_seek k = {r, x->d->id, text(r, &t[2]), NULL, 0};
    mc_error err;
    int rc =
        mc_store_ledger_each(mc_engine_store(r->e), "tickets", x->d->subject, ticket_of, &k, &err);
    if (k.fatal || rc == MC_ENOMEM) {
        json_decref(k.found);
        r->fatal = MC_ENOMEM;
        return -1;
    }
    if (rc != 0) {
        json_decref(k.found);
        return fail(r, n, "%s", err.msg);
    }
    if (k.found == NULL) {
        return fail(r, n, "expected ticket %s, got no correction ticket for %s", k.document,
                    k.document);
    }
    const char *reg = json_string_value(json_object_get(k.found, "registry"));
    const char *why = json_string_value(json_object_get(k.found, "reason"));
    reg = reg ? reg : "";
    why = why ? why : "";
    if (to != NULL && !mc_tok_is(to, reg)) {
        rc = fail(r, n, "expected ticket %s to %s, got a ticket to %s", k.document, text(r, to),
                  reg);
    } else if (because != NULL && strstr(why, because->text) == NULL) {
        rc = fail(r, n, "expected ticket %s because \"%s\", got a ticket because \"%s\"",
                  k.document, because->text, why);
    }
    json_decref(k.found);
    return rc;
}

/* ---- `expect fee-basis full|reduced|exempt|none [legal-basis "TEXT"]`: how the procedure's fee
 * schedule charged the dossier on its day of submission — the amount in force in full, reduced,
 * exempt, or no amount in force — and the legal basis of that line or relief. ---- */

static const char *const basis_words[] = {"full", "reduced", "exempt", "none"};

static int check_fee_basis(runner *r, const mc_node *n)
{
    const mc_token *t = n->toks;
    bool ok = false;
    for (size_t i = 0; i < 4; i++) {
        ok |= mc_tok_is(&t[2], basis_words[i]);
    }
    if (!ok) {
        return known(r, &t[2], false, "fee basis", basis_words, 4);
    }
    if (n->ntoks == 5 && (!mc_tok_is(&t[3], "legal-basis") || t[4].kind != MC_TOK_STRING)) {
        return problem(r, &t[3], "write: expect fee-basis %.*s legal-basis \"TEXT\"",
                       (int)t[2].text_len, t[2].text);
    }
    return 0;
}

static int run_fee_basis(runner *r, const mc_node *n, const expect_ctx *x)
{
    const mc_token *t = n->toks;
    const mc_procedure *p = x->d->procedure;
    static const char *const kinds[] = {
        [MC_FEE_NONE] = "no fee", [MC_FEE_FIXED] = "a fixed fee", [MC_FEE_RULE] = "a fee rule"};
    if (p->fee_kind != MC_FEE_SCHEDULE) {
        return fail(r, n, "expected fee-basis %s, got %s, not a fee schedule", text(r, &t[2]),
                    kinds[p->fee_kind]);
    }
    const mc_calendar *cal = p->calendar ? p->calendar : r->cal;
    mc_fee_basis fb;
    mc_fee_schedule_apply(p, mc_calendar_date(mc_calendar_to_local(cal, x->d->submitted)),
                          x->d->values, &fb);
    const char *got = fb.line == NULL                       ? "none"
                      : fb.relief == NULL                   ? "full"
                      : fb.relief->kind == MC_RELIEF_EXEMPT ? "exempt"
                                                            : "reduced";
    const char *law = fb.relief ? fb.relief->legal_basis : fb.line ? fb.line->legal_basis : NULL;
    if (!mc_tok_is(&t[2], got)) {
        return fail(r, n, "expected fee-basis %s, got fee-basis %s (%lld %s)", text(r, &t[2]), got,
                    (long long)fb.amount, fb.line ? fb.line->amount.currency : "VND");
    }
    if (n->ntoks == 5 && (law == NULL || strstr(law, t[4].text) == NULL)) {
        return law ? fail(r, n, "expected fee-basis %s legal-basis \"%s\", got legal-basis \"%s\"",
                          got, t[4].text, law)
                   : fail(r, n, "expected fee-basis %s legal-basis \"%s\", got no legal basis", got,
                          t[4].text);
    }
    return 0;
}

static int check_holds(runner *r, const mc_node *n)
{
    const mc_token *t = n->toks;
    if (!mc_tok_is(&t[3], "holds") || !mc_tok_is(&t[5], "for")) {
        return problem(r, &t[0], "write: expect registry R holds D for SUBJECT");
    }
    return check_registry(r, &t[2]) | check_document(r, &t[4]);
}

/* `expect registry R holds D for SUBJECT`: on the store, with or without a dossier (x is NULL). */
static int run_holds(runner *r, const mc_node *n, const expect_ctx *x)
{
    (void)x;
    const mc_token *t = n->toks;
    char ref[128];
    int found = mc_store_record_get(mc_engine_store(r->e), text(r, &t[2]), text(r, &t[4]),
                                    text(r, &t[6]), ref, sizeof ref, NULL);
    return found == 1 ? 0
                      : fail(r, n, "expected registry %s holds %s for %s, got: no such record",
                             text(r, &t[2]), text(r, &t[4]), text(r, &t[6]));
}

static int run_events(runner *r, const mc_node *n, const expect_ctx *x)
{
    int64_t want = 0;
    char msg[100];
    mc_value_integer(n->toks[2].text, n->toks[2].text_len, &want, msg, sizeof msg);
    if (x->d->events != want) {
        return fail(r, n, "expected events %lld, got %lld", (long long)want,
                    (long long)x->d->events);
    }
    return 0;
}

static const struct expectation {
    const char *name;
    size_t ntoks, or_ntoks; /* the words of the step, `expect` included (or_ntoks: 0, or another
                               count it may have); ntoks 0: checked by check alone */
    bool on_dossier;        /* needs a dossier (all but `registry`) */
    size_t document;        /* the word naming the requirement looked at; 0: none */
    expect_check_fn check;
    expect_run_fn run;
} expectations[] = {
    {"state", 3, 0, true, 0, check_state, run_state},
    {"due", 3, 0, true, 0, check_due, run_due},
    {"no", 3, 0, true, 0, check_no_due, run_no_due},
    {"overdue", 2, 0, true, 0, check_nothing, run_overdue},
    {"on-time", 2, 0, true, 0, check_nothing, run_ending},
    {"late", 2, 0, true, 0, check_nothing, run_ending},
    {"asked", 0, 0, true, 2, check_doc, run_doc},
    {"not", 0, 0, true, 3, check_doc, run_doc},
    {"fetched", 0, 0, true, 2, check_doc, run_doc},
    {"provided", 0, 0, true, 2, check_doc, run_doc},
    {"waiting", 0, 0, true, 2, check_doc, run_doc},
    {"fee", 4, 0, true, 0, check_fee, run_fee},
    {"registry", 7, 0, false, 0, check_holds, run_holds},
    {"events", 3, 0, true, 0, check_nothing, run_events},
    {"uncovered", 3, 0, true, 0, check_uncovered, run_uncovered},
    {"apology", 3, 0, true, 0, check_apology, run_apology},
    {"ticket", 0, 0, true, 0, check_ticket, run_ticket},
    {"fee-basis", 3, 5, true, 0, check_fee_basis, run_fee_basis},
};
enum { NEXPECTATIONS = sizeof expectations / sizeof expectations[0] };

/* Checks the shape and the names of an expectation (r->check). */
static int check_expectation(runner *r, const mc_node *n, const struct expectation *x)
{
    const mc_token *t = n->toks;
    if (x == NULL) {
        const char *names[NEXPECTATIONS];
        for (size_t i = 0; i < NEXPECTATIONS; i++) {
            names[i] = expectations[i].name;
        }
        return known(r, &t[1], false, "expectation", names, NEXPECTATIONS);
    }
    if (x->on_dossier && need_dossier(r, &t[0]) != 0) {
        return -1;
    }
    if (x->ntoks != 0 && n->ntoks != x->ntoks && (x->or_ntoks == 0 || n->ntoks != x->or_ntoks)) {
        return problem(r, &t[0], "wrong form of 'expect %.*s' (see docs/scenarios.md)",
                       (int)t[1].text_len, t[1].text);
    }
    return x->check(r, n);
}

static int step_expect(runner *r, const mc_node *n)
{
    const mc_token *t = n->toks;
    if (n->ntoks < 2) {
        return r->check ? problem(r, &t[0], "expect what? (state, due, asked, blocked, …)") : 0;
    }
    if (mc_tok_is(&t[1], "blocked") || mc_tok_is(&t[1], "refused")) {
        return expect_refusal(r, n);
    }
    const struct expectation *x = NULL;
    for (size_t i = 0; i < NEXPECTATIONS; i++) {
        if (mc_tok_is(&t[1], expectations[i].name)) {
            x = &expectations[i];
        }
    }
    if (r->check) {
        return check_expectation(r, n, x);
    }
    if (x == NULL) {
        return 0; /* checked before running: not reached */
    }
    if (!x->on_dossier) {
        return x->run(r, n, NULL);
    }
    if (r->dossier == 0) {
        return fail(r, n, "there is no dossier: the submission was refused (%s)", r->message);
    }
    mc_dossier d;
    mc_error err;
    int rc = mc_engine_get(r->e, r->dossier, r->clock, &d, &err);
    if (rc != 0) {
        return out_of_memory(r, rc) ? -1 : fail(r, n, "%s", err.msg);
    }
    expect_ctx c = {&d, NULL, "not required by the procedure"};
    /* The requirement of D: of the party named (`of PARTY`), else the applicant's, else the
     * last of D. */
    doc_words w = {0, NULL, NULL, NULL, NULL};
    if (x->document != 0) {
        doc_clauses(r, n, &w, false);
    }
    const mc_dossier_req *any = NULL, *own = NULL;
    for (size_t i = 0; x->document != 0 && i < d.procedure->nrequires; i++) {
        const mc_requirement *q = &d.procedure->requires[i];
        if (!mc_tok_is(&t[x->document], q->document->name)) {
            continue;
        }
        if (w.party != NULL) {
            own =
                mc_tok_is(w.party, d.procedure->parties[q->party].name) ? &d.requirements[i] : own;
            continue;
        }
        any = &d.requirements[i];
        own = q->party == 0 ? any : own;
    }
    c.req = own != NULL ? own : w.party == NULL ? any : NULL;
    if (c.req == NULL && w.party != NULL && any == NULL) {
        c.status = "not required of that party by the procedure";
    }
    if (c.req != NULL) {
        c.status = req_words[c.req->status];
    }
    rc = x->run(r, n, &c);
    mc_dossier_free(&d);
    return rc;
}

/* `known-failure "REASON"`: the scenario is known to fail, for REASON (a rule not yet written, a
 * bug reported); the first step, before a `reform`. It changes nothing when running: the
 * result carries the reason (mc_scenario_result.known). */
static int step_known(runner *r, const mc_node *n)
{
    if (!r->check) {
        return 0;
    }
    if (!r->first) {
        return problem(r, &n->toks[0], "'known-failure' must be the first step of a scenario");
    }
    if (n->ntoks != 2 || n->toks[1].kind != MC_TOK_STRING || n->toks[1].text_len == 0) {
        return problem(r, &n->toks[0],
                       "write: known-failure \"REASON\" (why it fails, and "
                       "what would make it pass)");
    }
    return 0;
}

/* The part called name of the latest submit's procedure (checking), or NULL. */
static const mc_part *part_of_whole(const runner *r, const char *name)
{
    size_t nv;
    const mc_procedure *const *v = mc_catalogue_versions(r->cat, r->whole_procedure, &nv);
    if (nv == 0) {
        v = mc_catalogue_versions(r->base, r->whole_procedure, &nv);
    }
    return nv > 0 ? mc_procedure_part(v[nv - 1], name) : NULL;
}

/* part NAME: the steps after it act on that part's dossier of the interconnected dossier the
 * scenario submitted, until `whole` or the next `submit`. */
static int step_part(runner *r, const mc_node *n)
{
    const mc_token *t = &n->toks[1];
    const char *name = text(r, t);
    if (r->check) {
        if (!r->submitted) {
            return problem(r, &n->toks[0], "'part' needs an interconnected dossier: 'submit' one first");
        }
        if (r->whole_procedure == NULL) {
            return 0; /* its submit is wrong, and reported */
        }
        size_t nv;
        const mc_procedure *const *v = mc_catalogue_versions(r->cat, r->whole_procedure, &nv);
        if (nv == 0) {
            v = mc_catalogue_versions(r->base, r->whole_procedure, &nv);
        }
        const mc_procedure *p = nv > 0 ? v[nv - 1] : NULL;
        if (p != NULL && p->nparts == 0) {
            return problem(r, &n->toks[0], "procedure '%s' is not interconnected: it has no parts",
                           r->whole_procedure);
        }
        const char *names[MC_MAX_PARTS];
        size_t np = 0;
        for (size_t i = 0; p != NULL && i < p->nparts && i < MC_MAX_PARTS; i++) {
            names[np++] = p->parts[i].name;
        }
        const mc_part *x = part_of_whole(r, name);
        if (known(r, t, x != NULL, "part", names, np) != 0) {
            r->procedure = NULL;
            return -1;
        }
        r->procedure = x->procedure;
        return 0;
    }
    if (r->whole == 0) {
        return fail(r, n, "'part' needs a dossier, and the submit was refused");
    }
    mc_dossier d;
    mc_error err;
    int rc = mc_engine_get(r->e, r->whole, r->clock, &d, &err);
    if (rc != 0) {
        return out_of_memory(r, rc) ? -1 : fail(r, n, "%s", err.msg);
    }
    int result = 0;
    const mc_dossier_part *v = NULL;
    for (size_t i = 0; i < d.nparts && v == NULL; i++) {
        v = strcmp(d.parts[i].part->name, name) == 0 ? &d.parts[i] : NULL;
    }
    static const char *const why[] = {"has not started: the parts before it are not all granted",
                                      "", "", "could not start: its submission was refused",
                                      "is not needed: its condition does not hold"};
    if (v == NULL) {
        result = fail(r, n, "dossier %lld has no part '%s'", (long long)r->whole, name);
    } else if (v->dossier == 0) {
        result = fail(r, n, "part '%s' %s", name, why[v->status]);
    } else {
        r->dossier = v->dossier;
    }
    mc_dossier_free(&d);
    return result;
}

/* whole: back to the interconnected dossier after `part NAME`. */
static int step_whole(runner *r, const mc_node *n)
{
    if (r->check) {
        if (!r->submitted) {
            return problem(r, &n->toks[0], "'whole' needs a dossier: 'submit' one first");
        }
        r->procedure = r->whole_procedure;
        return 0;
    }
    r->dossier = r->whole;
    return 0;
}

static const struct {
    const char *name;
    size_t min, max;
    step_fn fn;
} steps[] = {
    {"part", 2, 2, step_part},
    {"whole", 1, 1, step_whole},
    {"known-failure", 2, 2, step_known},
    {"reform", 2, 2, step_reform},
    {"now", 2, 2, step_now},
    {"registry", 3, 10, step_registry},
    {"submit", 2, 4, step_submit},
    {"at", 2, 2, step_at},
    {"fire", 4, 4, step_fire},
    {"apologize", 3, 3, step_apologize},
    {"expect", 2, 8, step_expect},
};
enum { NSTEPS = sizeof steps / sizeof steps[0] };

/* ==== running ============================================================================ */

static int find_step(runner *r, const mc_node *n)
{
    for (int i = 0; i < NSTEPS; i++) {
        if (mc_tok_is(&n->toks[0], steps[i].name)) {
            return i;
        }
    }
    if (r->check) {
        const char *names[NSTEPS];
        for (int i = 0; i < NSTEPS; i++) {
            names[i] = steps[i].name;
        }
        known(r, &n->toks[0], false, "step", names, NSTEPS);
    }
    return -1;
}

static const char *bare_message(const runner *r);

/* Checks (r->check) or runs one scenario's steps. */
static void walk(runner *r, const mc_node *scenario)
{
    r->first = true;
    for (const mc_node *n = scenario->child; n != NULL && !r->fatal && !r->failed; n = n->next) {
        if (n->broken && r->check && n->ntoks > 0) {
            /* Its syntax is reported: what it would have set up is taken as set up, so the
             * steps after it say nothing more about it. */
            r->submitted |= mc_tok_is(&n->toks[0], "submit");
            r->procedure = mc_tok_is(&n->toks[0], "submit") ? NULL : r->procedure;
            r->whole_procedure = mc_tok_is(&n->toks[0], "submit") ? NULL : r->whole_procedure;
            r->clock_said |= mc_tok_is(&n->toks[0], "now");
        }
        if (n->broken || n->ntoks == 0) {
            continue;
        }
        int k = find_step(r, n);
        if (k < 0) {
            r->first = false;
            continue;
        }
        bool is_expect = mc_tok_is(&n->toks[0], "expect");
        bool expects_refusal =
            is_expect && n->ntoks >= 2 &&
            (mc_tok_is(&n->toks[1], "blocked") || mc_tok_is(&n->toks[1], "refused"));
        if (!r->check && r->refused_at != NULL && !expects_refusal) {
            fail(r, r->refused_at,
                 "the step was refused (%s%s%s) and no 'expect blocked' or "
                 "'expect refused' follows",
                 mc_refusal_name(r->reason), mc_refusal_name(r->reason)[0] ? ": " : "", r->message);
            break;
        }
        steps[k].fn(r, n);
        r->first = steps[k].fn == step_known && r->first; /* a `reform` may follow it */
        if (!r->check && r->cov != NULL && !is_expect && r->dossier != 0 && !r->fatal) {
            cov_snapshot(r);
        }
    }
    if (!r->check && !r->failed && r->refused_at != NULL) {
        fail(r, r->refused_at,
             "the step was refused (%s%s%s) and no 'expect blocked' or "
             "'expect refused' follows",
             mc_refusal_name(r->reason), mc_refusal_name(r->reason)[0] ? ": " : "",
             bare_message(r));
    }
}

/* The refusal message without a leading "REASON: " that repeats the reason word. */
static const char *bare_message(const runner *r)
{
    const char *why = mc_refusal_name(r->reason);
    size_t n = strlen(why);
    if (n > 0 && strncmp(r->message, why, n) == 0 && r->message[n] == ':' &&
        r->message[n + 1] == ' ') {
        return r->message + n + 2;
    }
    return r->message;
}

/* ==== rule tables ========================================================================= */

/* `table "NAME" { … }` (issue 24, docs/scenarios.md §11): one rule called on rows of inputs,
 * each row's outputs compared with what the rule gives — OpenFisca's table tests:
 *
 *     table "NAME" {
 *         rule MODULE.FUNCTION of PROCEDURE      (or: fee of PROCEDURE)
 *         [reform REFORM]
 *         [registry R holds D for SUBJECT]…
 *         columns INPUT… -> OUTPUT…
 *         row VALUE… -> VALUE…
 *     }
 *
 * INPUT: a field of the procedure, a document it requires (asked, fetched, provided), submitted
 * (a date, or a date and time), channel, reform; `-` leaves it unset. OUTPUT: fee (a whole
 * amount), holds (true or false) and reason (in quotes, after holds). */

typedef enum { COL_FIELD, COL_DOC, COL_SUBMITTED, COL_CHANNEL, COL_REFORM } col_kind;
typedef enum { OUT_FEE, OUT_HOLDS, OUT_REASON } out_kind;

typedef struct table {
    const mc_node *call, *reform, *columns; /* their lines (reform may be NULL) */
    bool fee_of;                            /* `fee of P`, else `rule M.F of P` */
    const char *procedure;
    char module[MC_NAME_MAX + 1], function[MC_NAME_MAX + 1];
    size_t nin, nout; /* the columns: toks[1..nin] of columns, then toks[nin + 2 …] */
} table;

static bool table_node(const mc_node *n)
{
    return !n->broken && n->ntoks == 2 && mc_tok_is(&n->toks[0], "table") &&
           n->toks[1].kind == MC_TOK_STRING && n->has_block;
}

static const char *const out_names[] = {"fee", "holds", "reason"};

static int out_of(const mc_token *t)
{
    for (int i = 0; i < 3; i++) {
        if (mc_tok_is(t, out_names[i])) {
            return i;
        }
    }
    return -1;
}

/* The versions of the table's procedure in c (a catalogue, reformed or not). */
static const mc_procedure *const *table_versions(const mc_catalogue *c, const table *tb, size_t *n)
{
    return mc_catalogue_versions(c, tb->procedure, n);
}

/* The kind of input column t, or -1 when the procedure (any version, in the base or reformed
 * catalogue) has no such field or requirement. */
static int col_of(runner *r, const table *tb, const mc_token *t)
{
    if (mc_tok_is(t, "submitted")) {
        return COL_SUBMITTED;
    }
    if (mc_tok_is(t, "channel")) {
        return COL_CHANNEL;
    }
    if (mc_tok_is(t, "reform")) {
        return COL_REFORM;
    }
    const mc_catalogue *cats[2] = {r->base, r->cat};
    for (int c = 0; c < 2; c++) {
        size_t nv;
        const mc_procedure *const *v = table_versions(cats[c], tb, &nv);
        for (size_t i = 0; i < nv; i++) {
            for (size_t k = 0; k < v[i]->nfields; k++) {
                if (mc_tok_is(t, v[i]->fields[k].name)) {
                    return COL_FIELD;
                }
            }
            for (size_t k = 0; k < v[i]->nrequires; k++) {
                if (mc_tok_is(t, v[i]->requires[k].document->name)) {
                    return COL_DOC;
                }
            }
        }
    }
    return -1;
}

/* The field of the procedure's versions called like t (the first found), or NULL. */
static const mc_field *table_field(runner *r, const table *tb, const mc_token *t)
{
    const mc_catalogue *cats[2] = {r->base, r->cat};
    for (int c = 0; c < 2; c++) {
        size_t nv;
        const mc_procedure *const *v = table_versions(cats[c], tb, &nv);
        for (size_t i = 0; i < nv; i++) {
            for (size_t k = 0; k < v[i]->nfields; k++) {
                if (mc_tok_is(t, v[i]->fields[k].name)) {
                    return &v[i]->fields[k];
                }
            }
        }
    }
    return NULL;
}

/* Checks value v of a row in column c (its kind k) as the column wants it. */
static int check_cell(runner *r, const table *tb, const mc_token *c, int k, const mc_token *v)
{
    char msg[200];
    if (v->kind == MC_TOK_WORD && v->text_len == 1 && v->text[0] == '-') {
        return 0; /* unset */
    }
    switch ((col_kind)k) {
    case COL_SUBMITTED: {
        mc_date day;
        int64_t at;
        return v->text_len == 10 ? date_word(r, v, &day) : datetime(r, v, &at);
    }
    case COL_CHANNEL:
        return mc_tok_is(v, "online") || mc_tok_is(v, "counter") || mc_tok_is(v, "post")
                   ? 0
                   : problem(r, v, "unknown channel '%.*s' (online, counter or post)",
                             (int)v->text_len, v->text);
    case COL_REFORM: {
        size_t n;
        const mc_reform *const *all = mc_catalogue_reforms(r->base, &n);
        const char **names = arena_array(r, n, sizeof *names);
        for (size_t i = 0; names && i < n; i++) {
            names[i] = mc_reform_name(all[i]);
        }
        return names ? known(r, v, mc_catalogue_reform(r->base, text(r, v)) != NULL, "reform",
                             names, n)
                     : -1;
    }
    case COL_DOC:
        return mc_tok_is(v, "asked") || mc_tok_is(v, "fetched") || mc_tok_is(v, "provided")
                   ? 0
                   : problem(r, v, "write the document's status: asked, fetched, provided, or -");
    case COL_FIELD:
        break;
    }
    const mc_field *f = table_field(r, tb, c);
    int bad = 0;
    mc_fixed x;
    int64_t i;
    mc_date d;
    bool b;
    switch (f->type) {
    case MC_FIELD_INTEGER:
    case MC_FIELD_MONEY:
        bad = mc_value_integer(v->text, v->text_len, &i, msg, sizeof msg);
        break;
    case MC_FIELD_NUMBER:
        bad = mc_value_number(v->text, v->text_len, &x, msg, sizeof msg);
        break;
    case MC_FIELD_DATE:
        return date_word(r, v, &d);
    case MC_FIELD_BOOL:
        bad = mc_value_bool(v->text, v->text_len, &b, msg, sizeof msg);
        break;
    case MC_FIELD_CHOICE:
        bad = 1;
        for (size_t o = 0; o < f->options.n; o++) {
            bad &= !mc_tok_is(v, f->options.items[o]);
        }
        snprintf(msg, sizeof msg, "'%.*s' is not an option of field '%s'", (int)v->text_len,
                 v->text, f->name);
        break;
    default:
        break;
    }
    return bad ? problem(r, v, "%s", msg) : 0;
}

/* Checks `MODULE.FUNCTION` at t against the rules loaded (a problem when it is none), and
 * writes its parts into tb. */
static int check_rule_name(runner *r, const mc_token *t, table *tb)
{
    const char *dot = memchr(t->text, '.', t->text_len);
    size_t ml = dot ? (size_t)(dot - t->text) : 0;
    size_t fl = dot ? t->text_len - ml - 1 : 0;
    if (dot == NULL || ml == 0 || fl == 0 || ml > MC_NAME_MAX || fl > MC_NAME_MAX) {
        return problem(r, t, "write the rule as MODULE.FUNCTION, like civil.birth_fee");
    }
    memcpy(tb->module, t->text, ml);
    memcpy(tb->function, dot + 1, fl);
    if (r->rules != NULL && mc_rules_has(r->rules, tb->module, tb->function)) {
        return 0;
    }
    size_t nf = 0;
    const char *const *fns = r->rules && mc_rules_has_module(r->rules, tb->module)
                                 ? mc_rules_functions(r->rules, tb->module, &nf)
                                 : NULL;
    mc_suggest sg;
    mc_suggest_init(&sg, tb->function, fl);
    for (size_t i = 0; i < nf; i++) {
        mc_suggest_offer(&sg, fns[i]);
    }
    if (sg.best != NULL) {
        return problem(r, t, "no rule %s.%s (did you mean '%s.%s'?)", tb->module, tb->function,
                       tb->module, sg.best);
    }
    return problem(r, t, "no rule %s.%s%s", tb->module, tb->function,
                   r->rules == NULL                             ? ": no rules are loaded"
                   : !mc_rules_has_module(r->rules, tb->module) ? ": no such module"
                                                                : "");
}

/* Checks a table whole (r->check); fills tb. */
static int check_table(runner *r, const mc_node *t, table *tb)
{
    memset(tb, 0, sizeof *tb);
    r->cat = r->base;
    const mc_node *rows = NULL;
    for (const mc_node *n = t->child; n != NULL; n = n->next) {
        if (n->broken || n->ntoks == 0) {
            continue;
        }
        const mc_token *w = n->toks;
        if (mc_tok_is(w, "rule") || mc_tok_is(w, "fee")) {
            bool fee = mc_tok_is(w, "fee");
            if (tb->call != NULL) {
                problem(r, w, "a table calls one rule: its first line says which");
                continue;
            }
            tb->call = n;
            tb->fee_of = fee;
            if (fee ? n->ntoks != 3 || !mc_tok_is(&w[1], "of")
                    : n->ntoks != 4 || !mc_tok_is(&w[2], "of")) {
                problem(r, w, "write: rule MODULE.FUNCTION of PROCEDURE, or fee of PROCEDURE");
                continue;
            }
            const mc_token *pt = &w[n->ntoks - 1];
            if (!fee) {
                check_rule_name(r, &w[1], tb);
            }
            size_t np, nv;
            const mc_procedure *const *procs = mc_catalogue_procedures(r->base, &np);
            mc_catalogue_versions(r->base, text(r, pt), &nv);
            if (known(r, pt, nv > 0, "procedure", names_of(r, (const void *const *)procs, np),
                      np) == 0) {
                tb->procedure = text(r, pt);
            }
        } else if (mc_tok_is(w, "reform")) {
            if (n->ntoks != 2 || tb->call == NULL || tb->columns != NULL || tb->reform != NULL) {
                problem(r, w, "write: reform NAME, once, after the rule's line");
                continue;
            }
            step_reform_check_name(r, &w[1]);
            tb->reform = n;
        } else if (mc_tok_is(w, "registry")) {
            if (n->ntoks != 6 || !mc_tok_is(&w[2], "holds") || !mc_tok_is(&w[4], "for")) {
                problem(r, w, "write: registry REGISTRY holds DOCUMENT for SUBJECT");
                continue;
            }
            check_registry(r, &w[1]);
            check_document(r, &w[3]);
        } else if (mc_tok_is(w, "columns")) {
            if (tb->columns != NULL || tb->call == NULL) {
                problem(r, w, "the columns are said once, after the rule's line");
                continue;
            }
            tb->columns = n;
        } else if (mc_tok_is(w, "row")) {
            rows = rows ? rows : n;
        } else {
            const char *names[] = {"rule", "fee", "reform", "registry", "columns", "row"};
            known(r, w, false, "line of a table", names, 6);
        }
    }
    if (tb->call == NULL) {
        return problem(r, &t->toks[0],
                       "a table needs a line: rule MODULE.FUNCTION of PROCEDURE, "
                       "or fee of PROCEDURE");
    }
    if (tb->procedure == NULL) {
        return -1; /* said at the rule's line */
    }
    if (tb->reform != NULL) {
        const mc_reform *rf = mc_catalogue_reform(r->base, text(r, &tb->reform->toks[1]));
        int ar = rf != NULL ? mc_reform_apply(r->base, rf, &r->reformed, NULL) : -1;
        if (ar == 0) {
            r->cat = r->reformed;
        }
        if (ar == MC_ENOMEM) {
            r->fatal = MC_ENOMEM;
            return -1;
        }
    }
    if (tb->columns == NULL) {
        return problem(r, &t->toks[0], "a table needs a line: columns INPUT… -> OUTPUT…");
    }
    /* columns INPUT… -> OUTPUT… */
    const mc_node *c = tb->columns;
    size_t arrow = 0;
    for (size_t i = 1; i < c->ntoks && arrow == 0; i++) {
        arrow = mc_tok_is(&c->toks[i], "->") ? i : 0;
    }
    if (arrow == 0 || arrow + 1 >= c->ntoks) {
        return problem(r, &c->toks[0], "write: columns INPUT… -> OUTPUT… (fee, holds, reason)");
    }
    tb->nin = arrow - 1;
    tb->nout = c->ntoks - arrow - 1;
    int bad = 0;
    for (size_t i = 1; i < arrow; i++) {
        if (col_of(r, tb, &c->toks[i]) < 0) {
            bad = problem(r, &c->toks[i],
                          "'%.*s' is neither a field nor a document of procedure '%s', nor "
                          "submitted, channel or reform",
                          (int)c->toks[i].text_len, c->toks[i].text, tb->procedure);
        }
    }
    bool seen[3] = {false, false, false};
    for (size_t i = arrow + 1; i < c->ntoks; i++) {
        int o = out_of(&c->toks[i]);
        if (o < 0) {
            bad = known(r, &c->toks[i], false, "output", out_names, 3);
        } else if (seen[o]) {
            bad = problem(r, &c->toks[i], "output '%s' is given twice", out_names[o]);
        } else {
            seen[o] = true;
        }
    }
    if (bad == 0 && seen[OUT_FEE] && (seen[OUT_HOLDS] || seen[OUT_REASON])) {
        bad =
            problem(r, &c->toks[arrow + 1], "a rule gives a fee, or holds and a reason: not both");
    }
    if (bad == 0 && seen[OUT_REASON] && !seen[OUT_HOLDS]) {
        bad = problem(r, &c->toks[arrow + 1], "'reason' goes with 'holds'");
    }
    if (bad == 0 && tb->fee_of && !seen[OUT_FEE]) {
        bad = problem(r, &c->toks[arrow + 1], "'fee of PROCEDURE' gives a fee: write -> fee");
    }
    if (bad != 0) {
        return -1;
    }
    if (rows == NULL) {
        return problem(r, &t->toks[0], "a table needs rows: row VALUE… -> VALUE…");
    }
    for (const mc_node *n = rows; n != NULL; n = n->next) {
        if (n->broken || n->ntoks == 0 || !mc_tok_is(&n->toks[0], "row")) {
            continue;
        }
        if (n->ntoks != tb->nin + tb->nout + 2 || !mc_tok_is(&n->toks[tb->nin + 1], "->")) {
            problem(r, &n->toks[0], "a row has %zu value%s, then ->, then %zu (as its columns)",
                    tb->nin, tb->nin == 1 ? "" : "s", tb->nout);
            continue;
        }
        for (size_t i = 0; i < tb->nin; i++) {
            const mc_token *col = &c->toks[1 + i];
            check_cell(r, tb, col, col_of(r, tb, col), &n->toks[1 + i]);
        }
        for (size_t i = 0; i < tb->nout; i++) {
            const mc_token *v = &n->toks[tb->nin + 2 + i];
            int64_t amount;
            bool b;
            char msg[120];
            switch ((out_kind)out_of(&c->toks[arrow + 1 + i])) {
            case OUT_FEE:
                if (mc_value_integer(v->text, v->text_len, &amount, msg, sizeof msg) != 0 ||
                    amount < 0 || v->kind != MC_TOK_WORD) {
                    problem(r, v, "write the fee as a whole amount, like 5000");
                }
                break;
            case OUT_HOLDS:
                if (v->kind != MC_TOK_WORD ||
                    mc_value_bool(v->text, v->text_len, &b, msg, sizeof msg) != 0) {
                    problem(r, v, "write holds as true or false");
                }
                break;
            case OUT_REASON:
                if (v->kind != MC_TOK_STRING) {
                    problem(r, v, "write the reason in quotes (\"\" for none)");
                }
                break;
            }
        }
    }
    return 0;
}

/* registry.holds in a table's rule: the table's `registry` lines. */
typedef struct table_call {
    runner *r;
    const mc_node *table;
} table_call;

static bool table_holds(void *ud, const char *registry, const char *document, const char *subject)
{
    const table_call *tc = ud;
    for (const mc_node *n = tc->table->child; n != NULL; n = n->next) {
        if (!n->broken && n->ntoks == 6 && mc_tok_is(&n->toks[0], "registry") &&
            mc_tok_is(&n->toks[1], registry) && mc_tok_is(&n->toks[3], document) &&
            mc_tok_is(&n->toks[5], subject)) {
            return true;
        }
    }
    return false;
}

/* Appends line to out (a failure's lines, joined by a new line and the indentation of
 * `motcua test`), or counts it in *more when out is full. */
static void add_line(char *out, size_t outsz, const char *line, size_t *more)
{
    size_t n = strlen(out);
    const char *sep = n ? "\n     " : "";
    size_t ls = strlen(sep), ll = strlen(line);
    if (n + ls + ll + 40 >= outsz) { /* room kept for the closing "… and N more rows" */
        (*more)++;
        return;
    }
    memcpy(out + n, sep, ls);
    memcpy(out + n + ls, line, ll);
    out[n + ls + ll] = '\0';
}

/* What a row of a table runs: the procedure's version, the view the rule sees, what it gave. */
typedef struct row_run {
    const mc_catalogue *cat; /* the base, or the row's reform applied to it */
    const mc_procedure *p;   /* the version in force on the day of submission, or the newest */
    char when[17];           /* the submission's instant, "" when the row gives none */
    char version[11];
    const char **values; /* the fields given, by the version's field index (NULL: not given) */
    mc_rule_view view;
    table_call tc; /* the view's registry look-ups */
    int64_t fee;
    bool holds;
    char reason[512];
} row_run;

/* The version of tb's procedure in x->cat that the row runs, by submitted (NULL: the newest),
 * into x->p and x->when: 0, or 1 with the reason in say. */
static int row_version(runner *r, const table *tb, const mc_token *submitted,
                       const mc_token *reform, row_run *x, char *say, size_t saysz)
{
    size_t nv;
    const mc_procedure *const *vs = mc_catalogue_versions(x->cat, tb->procedure, &nv);
    const mc_procedure *p = nv ? vs[nv - 1] : NULL;
    if (submitted != NULL) {
        snprintf(x->when, sizeof x->when, "%.*s%s", (int)submitted->text_len, submitted->text,
                 submitted->text_len == 10 ? "T00:00" : "");
        mc_date day = 0;
        char msg[120];
        mc_value_date(x->when, 10, &day, msg, sizeof msg);
        p = mc_catalogue_procedure(x->cat, tb->procedure, day);
    } else if (p != NULL && p->has_effective) {
        mc_date_format(p->effective, x->when);
        snprintf(x->when + 10, sizeof x->when - 10, "T00:00");
    }
    if (p == NULL) {
        if (nv == 0) {
            snprintf(say, saysz, "procedure %s is abolished under reform %s", tb->procedure,
                     reform ? text(r, reform) : "(none)");
        } else {
            snprintf(say, saysz, "no version of procedure %s is in force on %.10s", tb->procedure,
                     x->when);
        }
        return 1;
    }
    x->p = p;
    return 0;
}

/* The view of row n for x->p: the fields given, typed as the version declares them; the
 * documents given; the parties; the channel (NULL: counter). 0, or -1 when out of memory. */
static int row_view(runner *r, const mc_node *t, const table *tb, const mc_node *n,
                    const mc_token *channel, row_run *x)
{
    const mc_node *c = tb->columns;
    const mc_token *v = n->toks;
    const mc_procedure *p = x->p;
    const char **values = arena_array(r, p->nfields, sizeof *values);
    mc_view_field *fields = arena_array(r, p->nfields, sizeof *fields);
    mc_view_document *docs = arena_array(r, tb->nin, sizeof *docs);
    mc_view_party *parties = arena_array(r, p->nparties, sizeof *parties);
    if (values == NULL || fields == NULL || docs == NULL || parties == NULL) {
        return -1;
    }
    memset(values, 0, (p->nfields ? p->nfields : 1) * sizeof *values);
    mc_rule_view *view = &x->view;
    memset(view, 0, sizeof *view);
    for (size_t i = 0; i < tb->nin; i++) {
        const mc_token *name = &c->toks[1 + i], *cell = &v[1 + i];
        if (cell->kind == MC_TOK_WORD && cell->text_len == 1 && cell->text[0] == '-') {
            continue;
        }
        if (col_of(r, tb, name) == COL_DOC) {
            docs[view->ndocuments].name = text(r, name);
            docs[view->ndocuments++].status = text(r, cell);
            continue;
        }
        for (size_t f = 0; f < p->nfields; f++) {
            if (mc_tok_is(name, p->fields[f].name)) {
                values[f] = text(r, cell);
            }
        }
    }
    for (size_t f = 0; f < p->nfields; f++) {
        const char *val = values[f];
        if (val == NULL) {
            continue;
        }
        mc_view_field *vf = &fields[view->nfields++];
        vf->name = p->fields[f].name;
        vf->value = (mc_val){.kind = MC_VAL_TEXT, .text = val};
        mc_fixed fx = 0;
        switch (p->fields[f].type) {
        case MC_FIELD_INTEGER:
        case MC_FIELD_MONEY:
            vf->value.kind = MC_VAL_INTEGER;
            mc_value_integer(val, strlen(val), &vf->value.integer, NULL, 0);
            break;
        case MC_FIELD_NUMBER:
            mc_value_number(val, strlen(val), &fx, NULL, 0);
            vf->value.kind = MC_VAL_NUMBER;
            vf->value.number = (double)fx / (double)MC_FIXED_ONE;
            break;
        case MC_FIELD_BOOL:
            vf->value.kind = MC_VAL_BOOL;
            vf->value.boolean = strcmp(val, "true") == 0;
            break;
        default:
            break;
        }
    }
    for (size_t k2 = 0; k2 < p->nparties; k2++) {
        const mc_field *pf = p->parties[k2].field;
        int fi = pf ? (int)(pf - p->fields) : -1;
        parties[k2] = (mc_view_party){p->parties[k2].name, fi >= 0 ? values[fi] : NULL};
    }
    if (p->has_effective) {
        mc_date_format(p->effective, x->version);
    }
    x->values = values;
    x->tc = (table_call){r, t};
    view->procedure = p->name;
    view->version = x->version;
    view->subject = p->subject ? values[p->subject - p->fields] : NULL;
    view->state = p->machine.nstates ? p->machine.states[p->machine.initial]->name : NULL;
    view->channel = channel ? text(r, channel) : "counter";
    view->submitted = x->when;
    view->fields = fields;
    view->documents = docs;
    view->parties = parties;
    view->nparties = p->nparties;
    view->calendar = p->calendar ? p->calendar : r->cal;
    view->registry_holds = table_holds;
    view->ud = &x->tc;
    view->catalogue = x->cat;
    return 0;
}

/* Calls what the row tests on x->view: the rule of the table (a condition, or a fee when an
 * output is the fee), or with `fee-of` the version's fee (fixed, by schedule, or its rule).
 * Into x->fee, x->holds and x->reason: 0, or the rule's error code with err set. */
static int row_call(runner *r, const table *tb, row_run *x, mc_error *err)
{
    const mc_procedure *p = x->p;
    const mc_node *c = tb->columns;
    int rc = 0;
    const char *module = tb->module, *function = tb->function;
    bool call_fee = tb->fee_of;
    if (tb->fee_of && p->fee_kind == MC_FEE_FIXED) {
        x->fee = p->fee.amount;
        call_fee = false;
    } else if (tb->fee_of && p->fee_kind == MC_FEE_SCHEDULE) {
        mc_fee_basis fb;
        mc_date day = 0;
        char msg[120];
        mc_value_date(x->when, 10, &day, msg, sizeof msg);
        mc_fee_schedule_apply(p, day, x->values, &fb);
        x->fee = fb.amount;
        call_fee = false;
    } else if (tb->fee_of && p->fee_kind == MC_FEE_RULE) {
        module = p->fee_rule.module;
        function = p->fee_rule.function;
    } else if (tb->fee_of) {
        call_fee = false; /* no fee */
    }
    bool wants_fee = false;
    for (size_t i = 0; i < tb->nout; i++) {
        wants_fee |= out_of(&c->toks[tb->nin + 2 + i]) == OUT_FEE;
    }
    if (call_fee || !tb->fee_of) {
        const mc_rule *rule = NULL;
        rc = r->rules ? mc_rules_resolve(r->rules, module, function, &rule, err) : MC_ENOTFOUND;
        if (rc == 0 && wants_fee) {
            rc = mc_rules_fee(r->rules, rule, &x->view, &x->fee, err);
        } else if (rc == 0) {
            rc = mc_rules_cond(r->rules, rule, &x->view, &x->holds, x->reason, sizeof x->reason,
                               err);
        } else if (r->rules == NULL) {
            snprintf(err->msg, sizeof err->msg, "rule %s.%s: no rules are loaded", module,
                     function);
        }
    }
    return rc;
}

/* Every output of row n against what x gave, each mismatch said in say: 0 when all match,
 * else 1. */
static int row_compare(const table *tb, const mc_node *n, const row_run *x, char *say,
                       size_t saysz)
{
    const mc_node *c = tb->columns;
    const mc_token *v = n->toks;
    char got[600] = "";
    size_t gk = 0;
    for (size_t i = 0; i < tb->nout; i++) {
        const mc_token *want = &v[tb->nin + 2 + i];
        char one[560] = "";
        switch ((out_kind)out_of(&c->toks[tb->nin + 2 + i])) {
        case OUT_FEE: {
            int64_t amount = 0;
            mc_value_integer(want->text, want->text_len, &amount, NULL, 0);
            if (amount != x->fee) {
                snprintf(one, sizeof one, "fee %lld, got %lld", (long long)amount,
                         (long long)x->fee);
            }
            break;
        }
        case OUT_HOLDS:
            if (mc_tok_is(want, "true") != x->holds) {
                snprintf(one, sizeof one, "holds %.*s, got %s", (int)want->text_len, want->text,
                         x->holds ? "true" : "false");
            }
            break;
        case OUT_REASON:
            if (strcmp(want->text, x->reason) != 0) {
                snprintf(one, sizeof one, "reason \"%s\", got \"%s\"", want->text, x->reason);
            }
            break;
        }
        if (one[0] != '\0') {
            gk += (size_t)snprintf(got + gk, gk < sizeof got ? sizeof got - gk : 0, "%s%s",
                                   gk ? "; expected " : "", one);
            gk = gk < sizeof got ? gk : sizeof got - 1;
        }
    }
    if (got[0] == '\0') {
        return 0;
    }
    snprintf(say, saysz, "expected %s", got);
    return 1;
}

/* Runs row n of table tb; a line into why when it fails (0: it passed, 1: it failed, or an
 * error that ends the run, r->fatal set). */
static int run_row(runner *r, const mc_node *t, const table *tb, const mc_node *n, char *why,
                   size_t whysz)
{
    const mc_node *c = tb->columns;
    const mc_token *v = n->toks;
    uint32_t line, col;
    mc_source_position(r->src, v[0].off, &line, &col);
    int k = snprintf(why, whysz, "%s:%u: ", mc_source_path(r->src), (unsigned)line);
    char *say = why + k;
    size_t saysz = whysz - (size_t)k;
    /* The catalogue of the row: its reform, else the table's, else the base. */
    const mc_token *reform = tb->reform ? &tb->reform->toks[1] : NULL;
    const mc_token *submitted = NULL, *channel = NULL;
    for (size_t i = 0; i < tb->nin; i++) {
        const mc_token *cell = &v[1 + i];
        bool unset = cell->text_len == 1 && cell->text[0] == '-' && cell->kind == MC_TOK_WORD;
        switch (col_of(r, tb, &c->toks[1 + i])) {
        case COL_REFORM:
            reform = unset ? NULL : cell;
            break;
        case COL_SUBMITTED:
            submitted = unset ? NULL : cell;
            break;
        case COL_CHANNEL:
            channel = unset ? NULL : cell;
            break;
        default:
            break;
        }
    }
    row_run x;
    memset(&x, 0, sizeof x);
    x.cat = r->base;
    mc_catalogue *reformed = NULL;
    if (reform != NULL) {
        mc_error err;
        int rc = mc_reform_apply(r->base, mc_catalogue_reform(r->base, text(r, reform)), &reformed,
                                 &err);
        if (rc != 0) {
            if (out_of_memory(r, rc)) {
                return -1;
            }
            snprintf(say, saysz, "the reform cannot be applied: %s", err.msg);
            return 1;
        }
        x.cat = reformed;
        MARK(r, "f", mc_reform_name(mc_catalogue_reform(r->base, text(r, reform))), tb->procedure);
    }
    if (row_version(r, tb, submitted, reform, &x, say, saysz) != 0) {
        mc_catalogue_free(reformed);
        return 1;
    }
    if (row_view(r, t, tb, n, channel, &x) != 0) {
        mc_catalogue_free(reformed);
        return -1;
    }
    mc_error err;
    mc_error_clear(&err);
    int rc = row_call(r, tb, &x, &err);
    mc_catalogue_free(reformed);
    if (rc == MC_ENOMEM) {
        r->fatal = MC_ENOMEM;
        return -1;
    }
    if (rc != 0) {
        snprintf(say, saysz, "the rule failed: %s", err.msg);
        return 1;
    }
    return row_compare(tb, n, &x, say, saysz);
}

/* Runs every row of table t (checked): one result, failing with a line per failing row. */
static void run_table(runner *r, const mc_node *t, const table *tb, mc_scenario_result *res)
{
    res->passed = true;
    res->failure[0] = '\0';
    size_t more = 0;
    for (const mc_node *n = t->child; n != NULL && !r->fatal; n = n->next) {
        if (n->broken || n->ntoks == 0 || !mc_tok_is(&n->toks[0], "row")) {
            continue;
        }
        char why[1024];
        int rc = run_row(r, t, tb, n, why, sizeof why);
        if (rc == 1) {
            res->passed = false;
            add_line(res->failure, sizeof res->failure, why, &more);
        }
    }
    if (more > 0) {
        size_t n = strlen(res->failure);
        snprintf(res->failure + n, sizeof res->failure - n, "\n     … and %zu more row%s", more,
                 more == 1 ? "" : "s");
    }
}

static bool scenario_node(const mc_node *n)
{
    return !n->broken && n->ntoks == 2 && mc_tok_is(&n->toks[0], "scenario") &&
           n->toks[1].kind == MC_TOK_STRING && n->has_block;
}

int mc_scenario_run_file(const mc_catalogue *cat, mc_rules *rules, mc_source *src,
                         const char *filter, mc_diags *diags, mc_scenario_report report, void *ud,
                         mc_error *err)
{
    return mc_scenario_run_file_lang(cat, rules, src, filter, MC_LANG_EN, diags, report, ud, err);
}

int mc_scenario_run_file_lang(const mc_catalogue *cat, mc_rules *rules, mc_source *src,
                              const char *filter, mc_lang lang, mc_diags *diags,
                              mc_scenario_report report, void *ud, mc_error *err)
{
    mc_scenario_opts o = {filter, lang, NULL};
    return mc_scenario_run_file_opts(cat, rules, src, &o, diags, report, ud, err);
}

int mc_scenario_run_file_opts(const mc_catalogue *cat, mc_rules *rules, mc_source *src,
                              const mc_scenario_opts *o, mc_diags *diags, mc_scenario_report report,
                              void *ud, mc_error *err)
{
    const char *filter = o->filter;
    mc_lang lang = o->lang;
    mc_arena arena = MC_ARENA_INIT;
    mc_node *tree;
    size_t errors = mc_diags_errors(diags);
    int rc = mc_parse(&tree, src, diags, &arena);
    if (rc != 0) { /* mc_parse fails only when out of memory, and says nothing */
        rc = mc_error_set(err, rc, "out of memory");
    }
    runner r;
    memset(&r, 0, sizeof r);
    r.base = cat;
    r.rules = rules;
    r.src = src;
    r.diags = diags;
    r.lang = lang;
    r.cov = o->coverage;
    r.arena = &arena;
    r.cal = mc_catalogue_default_calendar(cat) ? mc_catalogue_default_calendar(cat)
                                               : mc_calendar_builtin();
    /* First pass: check every scenario of the file. */
    r.check = true;
    for (const mc_node *s = tree; rc == 0 && s != NULL && !r.fatal; s = s->next) {
        if (s->broken) {
            continue;
        }
        if (table_node(s)) {
            table tb;
            check_table(&r, s, &tb);
            mc_catalogue_free(r.reformed);
            r.reformed = NULL;
            continue;
        }
        if (!scenario_node(s)) {
            problem(&r, &s->toks[0],
                    "expected: scenario \"NAME\" { STEPS }, or table \"NAME\" { ROWS }");
            continue;
        }
        r.cat = cat;
        r.clock = MC_NONE;
        r.clock_said = false;
        r.submitted = false;
        r.procedure = NULL;
        const mc_node *first = s->child;
        if (first != NULL && first->ntoks > 0 && mc_tok_is(&first->toks[0], "known-failure")) {
            first = first->next;
        }
        for (const mc_node *n = s->child; n != NULL; n = n->next) {
            if (!n->broken && n->ntoks == 2 && mc_tok_is(&n->toks[0], "reform") && n == first) {
                mc_catalogue *reformed = NULL;
                const mc_reform *rf = mc_catalogue_reform(cat, text(&r, &n->toks[1]));
                int ar = rf != NULL ? mc_reform_apply(cat, rf, &reformed, NULL) : -1;
                if (ar == 0) {
                    r.cat = reformed;
                    r.reformed = reformed;
                }
                r.fatal = ar == MC_ENOMEM ? MC_ENOMEM : r.fatal;
            }
        }
        walk(&r, s);
        mc_catalogue_free(r.reformed);
        r.reformed = NULL;
    }
    if (rc == 0 && r.fatal) {
        rc = mc_error_set(err, r.fatal, "out of memory");
    }
    if (rc == 0 && mc_diags_errors(diags) != errors) {
        rc = mc_error_set(err, MC_ECHECK, "%s: the scenarios have errors; none ran",
                          mc_source_path(src));
    }
    /* Second pass: run them, each on a fresh engine; the rules' lines traced for coverage. */
    r.check = false;
    if (r.cov != NULL && rules != NULL) {
        mc_rules_trace(rules, cov_line, &r);
    }
    for (const mc_node *s = tree; rc == 0 && s != NULL; s = s->next) {
        const char *name = s->toks[1].text;
        if (filter != NULL && strstr(name, filter) == NULL) {
            continue;
        }
        if (table_node(s)) {
            table tb;
            mc_scenario_result res = {mc_source_path(src), name, true, "", NULL};
            if (check_table(&r, s, &tb) == 0) { /* checked: it fills tb, and says nothing */
                run_table(&r, s, &tb, &res);
            }
            mc_catalogue_free(r.reformed);
            r.reformed = NULL;
            if (r.fatal) {
                rc = mc_error_set(err, r.fatal, "out of memory");
                break;
            }
            report(ud, &res);
            continue;
        }
        r.cat = cat;
        r.clock = MC_NONE;
        r.dossier = 0;
        r.refused = false;
        r.refused_at = NULL;
        r.failed = false;
        r.failure[0] = '\0';
        r.ndown = 0;
        r.client = false;
        r.asked = 0;
        r.reform_name = NULL;
        r.max_id = 0;
        for (const mc_node *n = s->child; n != NULL; n = n->next) {
            if (mc_tok_is(&n->toks[0], "now")) {
                datetime(&r, &n->toks[1], &r.clock);
                break;
            }
        }
        if ((rc = mc_engine_open(&r.e, cat, rules, ":memory:", err)) != 0) {
            break;
        }
        walk(&r, s);
        cov_events(&r);
        mc_engine_close(r.e);
        r.e = NULL;
        mc_catalogue_free(r.reformed);
        r.reformed = NULL;
        if (r.fatal) {
            rc = mc_error_set(err, r.fatal, "out of memory");
            break;
        }
        mc_scenario_result res;
        res.file = mc_source_path(src);
        res.name = name;
        res.passed = !r.failed;
        res.known = NULL;
        const mc_node *k = s->child;
        if (k != NULL && k->ntoks == 2 && mc_tok_is(&k->toks[0], "known-failure")) {
            res.known = k->toks[1].text;
        }
        snprintf(res.failure, sizeof res.failure, "%s", r.failure);
        report(ud, &res);
    }
    if (r.cov != NULL && rules != NULL) {
        mc_rules_trace(rules, NULL, NULL);
    }
    mc_arena_free(&arena);
    return rc;
}

/* ==== the coverage's units =============================================================== */

typedef struct cover_out {
    const mc_scenario_coverage *c;
    int (*fn)(void *ud, const mc_cover_item *it);
    void *ud;
    mc_map once; /* the units of a procedure already given (its versions share most) */
    mc_arena arena;
    int rc;
} cover_out;

/* Gives item (kind, owner, what, detail, covered) to fn once per (kind, owner, what). */
static int cover_give(cover_out *o, mc_cover_kind kind, const char *owner, const char *what,
                      const char *detail, bool covered)
{
    char key[768];
    int n = snprintf(key, sizeof key, "%d\x1f%s\x1f%s", (int)kind, owner, what);
    size_t len = n < (int)sizeof key ? (size_t)n : sizeof key - 1;
    if (mc_map_get(&o->once, key, len) != NULL) {
        return 0;
    }
    char *k = mc_arena_strndup(&o->arena, key, len);
    if (k == NULL || mc_map_put(&o->once, k, len, (void *)1) != 0) {
        return MC_ENOMEM;
    }
    mc_cover_item it = {kind, owner, what, detail, covered};
    return o->fn(o->ud, &it);
}

static int cover_procedure(cover_out *o, const mc_catalogue *cat, const char *name)
{
    const mc_scenario_coverage *c = o->c;
    bool submitted = HAS(c, "p", name);
    int rc = cover_give(o, MC_COVER_PROCEDURE, name, name, NULL, submitted);
    if (rc != 0 || !submitted) {
        return rc;
    }
    size_t nv;
    const mc_procedure *const *v = mc_catalogue_versions(cat, name, &nv);
    for (size_t i = 0; rc == 0 && i < nv; i++) {
        const mc_machine *m = &v[i]->machine;
        for (size_t k = 0; rc == 0 && k < m->nstates; k++) {
            rc = cover_give(o, MC_COVER_STATE, name, m->states[k]->name, NULL,
                            HAS(c, "s", name, m->states[k]->name));
        }
    }
    for (size_t i = 0; rc == 0 && i < nv; i++) {
        const mc_machine *m = &v[i]->machine;
        for (size_t k = 0; rc == 0 && k < m->nstates; k++) {
            const mc_state *st = m->states[k];
            for (size_t t = 0; rc == 0 && t < st->non + st->nafter; t++) {
                bool timer = t >= st->non;
                const char *event = timer ? "timer" : st->on[t].event;
                const char *to = timer ? st->after[t - st->non].target_name : st->on[t].target_name;
                char what[300];
                snprintf(what, sizeof what, "%s -%s-> %s", st->name, event, to);
                rc = cover_give(o, MC_COVER_TRANSITION, name, what, NULL,
                                HAS(c, "t", name, st->name, event, to));
            }
        }
    }
    for (size_t i = 0; rc == 0 && i < nv; i++) {
        for (size_t k = 0; rc == 0 && k < v[i]->nrequires; k++) {
            const char *doc = v[i]->requires[k].document->name;
            char how[64] = "";
            size_t n = 0;
            for (int st = MC_REQ_ASKED; st <= MC_REQ_WAITING; st++) {
                if (HAS(c, "q", name, doc, req_words[st])) {
                    n += (size_t)snprintf(how + n, sizeof how - n, "%s%s", n ? ", " : "",
                                          req_words[st]);
                }
            }
            rc = cover_give(o, MC_COVER_REQUIREMENT, name, doc, n ? how : NULL, n > 0);
        }
    }
    return rc;
}

/* Whether a change of registry reg in reform rf was exercised: a document it holds (in the
 * catalogue, or by a `holds` line of the reform) asked or fetched under the reform. */
static bool cover_registry(const mc_scenario_coverage *c, const mc_catalogue *cat,
                           const char *reform, const mc_reform_change *ch,
                           const mc_reform_change *all, size_t n)
{
    if (ch->kind == MC_CHANGE_HOLDS) {
        return HAS(c, "g", reform, ch->element);
    }
    const mc_registry *reg = mc_catalogue_registry(cat, ch->target);
    size_t nd;
    const mc_document *const *docs = mc_catalogue_documents(cat, &nd);
    for (size_t i = 0; reg != NULL && i < nd; i++) {
        if (mc_registry_holds(reg, docs[i]) && HAS(c, "g", reform, docs[i]->name)) {
            return true;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (all[i].kind == MC_CHANGE_HOLDS && all[i].registry &&
            strcmp(all[i].target, ch->target) == 0 && HAS(c, "g", reform, all[i].element)) {
            return true;
        }
    }
    return false;
}

static int cover_reform(cover_out *o, const mc_catalogue *cat, const mc_reform *rf, mc_error *err)
{
    mc_reform_change *ch;
    size_t n;
    if (mc_reform_changes(rf, &ch, &n, err) != 0) {
        return MC_ENOMEM;
    }
    const char *name = mc_reform_name(rf);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        size_t nv;
        mc_catalogue_versions(cat, ch[i].target, &nv);
        if (ch[i].affects == 0 || (!ch[i].registry && nv == 0)) {
            continue; /* descriptive, or not about a procedure or registry (staff) */
        }
        uint32_t line, col;
        mc_catalogue_position(cat, ch[i].pos, &line, &col);
        char what[600];
        snprintf(what, sizeof what, "%s:%u: %s", mc_catalogue_file(cat, ch[i].pos.file),
                 (unsigned)line, ch[i].text);
        bool covered = ch[i].registry ? cover_registry(o->c, cat, name, &ch[i], ch, n)
                                      : HAS(o->c, "f", name, ch[i].target);
        rc = cover_give(o, MC_COVER_REFORM_LINE, name, what, NULL, covered);
    }
    mc_free(ch);
    return rc;
}

/* The lines that can run of one rule module, gathered to be given in order. */
typedef struct rule_line {
    const char *file; /* in the coverage's arena */
    int line;
} rule_line;

typedef struct line_list {
    cover_out *o;
    rule_line *v;
    size_t n, cap;
    int rc;
} line_list;

static void add_rule_line(void *ud, const char *file, int line)
{
    line_list *l = ud;
    if (l->rc != 0) {
        return;
    }
    char *f = mc_arena_strdup(&l->o->arena, file);
    if (f == NULL ||
        mc_arena_grow_array(&l->o->arena, &l->v, &l->cap, l->n, l->n + 1, sizeof *l->v) != 0) {
        l->rc = MC_ENOMEM;
        return;
    }
    l->v[l->n++] = (rule_line){f, line};
}

static int by_file_line(const void *a, const void *b)
{
    const rule_line *x = a, *y = b;
    int c = strcmp(x->file, y->file);
    return c != 0 ? c : (x->line > y->line) - (x->line < y->line);
}

static int cover_rules(cover_out *o, mc_rules *rules, mc_error *err)
{
    size_t nm;
    const char *const *modules = mc_rules_modules(rules, &nm);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < nm; i++) {
        line_list l = {o, NULL, 0, 0, 0};
        rc = mc_rules_lines(rules, modules[i], add_rule_line, &l, err);
        rc = rc != 0 ? rc : l.rc;
        if (rc == 0 && l.n > 0) {
            qsort(l.v, l.n, sizeof *l.v, by_file_line);
        }
        for (size_t k = 0; rc == 0 && k < l.n; k++) {
            char at[16], what[600];
            snprintf(at, sizeof at, "%d", l.v[k].line);
            snprintf(what, sizeof what, "%s:%d", l.v[k].file, l.v[k].line);
            rc = cover_give(o, MC_COVER_RULE_LINE, l.v[k].file, what, NULL,
                            HAS(o->c, "l", l.v[k].file, at));
        }
    }
    return rc;
}

int mc_scenario_coverage_each(const mc_scenario_coverage *c, const mc_catalogue *cat,
                              mc_rules *rules, int (*fn)(void *ud, const mc_cover_item *it),
                              void *ud, mc_error *err)
{
    cover_out o = {c, fn, ud, MC_MAP_INIT, MC_ARENA_INIT, 0};
    size_t np;
    const mc_procedure *const *procs = mc_catalogue_procedures(cat, &np);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < np; i++) {
        if (i == 0 || strcmp(procs[i]->name, procs[i - 1]->name) != 0) {
            rc = cover_procedure(&o, cat, procs[i]->name);
        }
    }
    size_t nr;
    const mc_reform *const *reforms = mc_catalogue_reforms(cat, &nr);
    for (size_t i = 0; rc == 0 && i < nr; i++) {
        rc = cover_reform(&o, cat, reforms[i], err);
    }
    if (rc == 0 && rules != NULL) {
        rc = cover_rules(&o, rules, err);
    }
    mc_map_free(&o.once);
    mc_arena_free(&o.arena);
    if (rc == MC_ENOMEM) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    return rc;
}
