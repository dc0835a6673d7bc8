/* The HTTP API without the HTTP (api.h): authenticate, route, check who may ask, call the
 * engine, answer in JSON. */
#include "api.h"
#include "deliver.h"
#include "ready.h"

#include "base/grow.h"
#include "base/json.h"
#include "base/utf8.h"
#include "front/catalogue_view.h"
#include "front/cursor.h"
#include "front/desk.h"
#include "front/sim_view.h"
#include "front/study_view.h"
#include "front/view.h"
#include "motcua/access.h"
#include "motcua/alloc.h"
#include "motcua/calendar.h"
#include "motcua/coverage.h"
#include "motcua/reform.h"
#include "motcua/registry.h"
#include "motcua/report.h"
#include "motcua/sim.h"
#include "motcua/study.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

void api_error(api_response *out, int status, const char *code, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    out->status = status;
    out->body = json_pack("{s:s, s:s}", "error", code, "message", msg);
}

void api_error_msg(api_response *out, int status, const char *error, const char *code, size_t nargs,
                   ...)
{
    const char *args[MC_MSG_MAXARGS] = {0};
    va_list ap;
    va_start(ap, nargs);
    nargs = mc_msg_vargs(args, nargs, ap);
    va_end(ap);
    char msg[600];
    mc_msg_format(MC_LANG_EN, code, args, nargs, msg, sizeof msg);
    out->status = status;
    json_t *list = json_array();
    bool ok = list != NULL;
    for (size_t i = 0; i < nargs; i++) {
        front_jpush(list, mc_json_text(args[i]), &ok);
    }
    list = front_jdone(list, ok); /* NULL: the pack fails, api_handle answers 500 */
    out->body = json_pack("{s:s, s:s, s:s, s:o}", "error", error, "message", msg, "code", code,
                          "args", list);
}

void api_localize(api_response *out, mc_lang lang)
{
    json_t *code = json_object_get(out->body, "code"), *list = json_object_get(out->body, "args");
    if (lang == MC_LANG_EN || !json_is_string(code) || !json_is_array(list) ||
        !json_is_string(json_object_get(out->body, "message"))) {
        return;
    }
    const char *args[MC_MSG_MAXARGS] = {0};
    size_t nargs = json_array_size(list) < MC_MSG_MAXARGS ? json_array_size(list) : MC_MSG_MAXARGS;
    for (size_t i = 0; i < nargs; i++) {
        const char *v = json_string_value(json_array_get(list, i));
        args[i] = v ? v : "";
    }
    char msg[1200];
    if (mc_msg_format(lang, json_string_value(code), args, nargs, msg, sizeof msg) < 0) {
        return; /* a code the catalogue does not know (a result replayed from before codes) */
    }
    json_t *m = mc_json_text(msg);
    if (m == NULL || json_object_set_new(out->body, "message", m) != 0) {
        json_decref(out->body); /* out of memory: api_handle answers 500 */
        out->body = NULL;
    }
}

/* One request being answered: the API and the engine it took from the pool. */
typedef struct job {
    api *api;
    mc_engine *engine;
    mc_rules *rules; /* the engine's rules (the same slot of the pool) */
    const mc_catalogue *cat;
    const mc_calendar *cal;
    const char *key; /* the Idempotency-Key scoped to the caller (scope_key), or NULL */
    char scoped[64 + 64 + API_MAX_KEY + 3];
    mc_lang lang; /* of the request's Accept-Language: the words of the answer */
} job;

static int64_t now_of(const job *a)
{
    return a->api->fixed_now != MC_NONE ? a->api->fixed_now : (int64_t)time(NULL);
}

/* ==== writing ============================================================================ */

/* Before an engine call that writes: false with a 503 when the server began to stop (it starts
 * no transaction the stop would cut short). The writers of the pool queue on the process's write
 * lock through their stores' gate (gate_enter), held only while a transaction writes: an
 * operation reads and decides — its rules included — before it queues. */
static bool accepting_writes(job *a, api_response *out)
{
    if (atomic_load(&a->api->stopping)) {
        api_error_msg(out, 503, "unavailable", "api.stopping", 0);
        out->retry_after = API_RETRY_AFTER_S;
        return false;
    }
    return true;
}

static void gate_enter(void *ud)
{
    pthread_mutex_lock(&((api *)ud)->write_lock);
}

static void gate_leave(void *ud)
{
    pthread_mutex_unlock(&((api *)ud)->write_lock);
}

/* ==== who is asking ======================================================================= */

/* A set of tokens in use: the current one, or one a reload replaced while requests that
 * started with it still run. Its refs and running counts are under the pool lock. */
struct api_tokens {
    tokens *tokens;
    unsigned *running; /* requests running per token (principal.index) */
    size_t refs;       /* one while current, and one per request that authenticated with it */
};

static void tokens_release(api_tokens *ts)
{
    if (ts != NULL && --ts->refs == 0) {
        tokens_free(ts->tokens);
        free(ts->running);
        free(ts);
    }
}

int api_set_tokens(api *a, tokens *t, mc_error *err)
{
    api_tokens *ts = calloc(1, sizeof *ts);
    if (ts != NULL) {
        ts->running = calloc(tokens_count(t) + 1, sizeof *ts->running);
    }
    if (ts == NULL || ts->running == NULL) {
        free(ts);
        tokens_free(t);
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    ts->tokens = t;
    ts->refs = 1;
    pthread_mutex_lock(&a->pool_lock);
    api_tokens *old = a->tokens;
    a->tokens = ts;
    tokens_release(old);
    pthread_mutex_unlock(&a->pool_lock);
    return 0;
}

/* The principal of the request's bearer token in ts; NULL with a 401 in out. */
static const principal *authenticate(const api_tokens *ts, const api_request *rq,
                                     api_response *out)
{
    const char *h = rq->authorization;
    if (h == NULL || strncmp(h, "Bearer ", 7) != 0 || h[7] == '\0') {
        api_error_msg(out, 401, "unauthorized", "api.no-token", 0);
        return NULL;
    }
    const principal *p = tokens_find(ts->tokens, h + 7);
    if (p == NULL) {
        api_error_msg(out, 401, "unauthorized", "api.token-unknown", 0);
    }
    return p;
}

static bool is_applicant(const principal *p)
{
    return principal_has_role(p, "applicant");
}

/* Whether p may see and act on a dossier of agency (may be NULL) about subject. */
static bool may_access(const principal *p, const char *agency, const char *subject)
{
    if (is_applicant(p)) {
        return subject != NULL && strcmp(subject, p->subject) == 0;
    }
    return principal_in_agency(p, agency);
}

/* The role a request acts as: the body's "as", or the token's only role. NULL with a 403. */
static const char *acting_role(const principal *p, json_t *body, api_response *out)
{
    const char *as = json_string_value(json_object_get(body, "as"));
    if (as == NULL && p->nroles == 1) {
        return p->roles[0];
    }
    if (as == NULL) {
        api_error_msg(out, 400, "bad-request", "api.as-needed", 0);
        return NULL;
    }
    if (!principal_has_role(p, as)) {
        api_error_msg(out, 403, "role", "api.role-missing", 1, as);
        return NULL;
    }
    return as;
}

/* Checks the request's Idempotency-Key and scopes it to the caller: the engine sees
 * "ACTOR<US>SUBJECT<US>KEY" (US, 0x1f, cannot be in a header), so that two callers using the
 * same key never meet. false with a 400 in out. */
static bool scope_key(job *a, const principal *p, const api_request *rq, api_response *out)
{
    const char *k = rq->idempotency_key;
    a->key = NULL;
    if (k == NULL) {
        return true;
    }
    size_t n = strlen(k);
    bool printable = n > 0 && n <= API_MAX_KEY;
    for (size_t i = 0; printable && i < n; i++) {
        printable = k[i] > 0x20 && k[i] < 0x7f;
    }
    if (!printable) {
        char most[16];
        snprintf(most, sizeof most, "%d", API_MAX_KEY);
        api_error_msg(out, 400, "bad-request", "api.idempotency-key", 1, most);
        return false;
    }
    snprintf(a->scoped, sizeof a->scoped, "%s\x1f%s\x1f%s", p->actor, p->subject, k);
    a->key = a->scoped;
    return true;
}

/* ==== answers ============================================================================= */

/* Adds to the error body in out what made the refusal res, as the message catalogue has it
 * (msg.h): "code" and "args", for a client that says it in another language. Out of memory drops
 * the body (the API then answers 500). */
static void refusal_code(api_response *out, const mc_result *res)
{
    json_t *args = json_array();
    int bad = args == NULL;
    for (size_t i = 0; i < res->nargs; i++) {
        bad |= json_array_append_new(args, mc_json_text(res->args[i]));
    }
    bad |= json_object_set_new(out->body, "code", json_string(res->code));
    bad |= json_object_set_new(out->body, "args", args);
    if (bad) {
        json_decref(out->body);
        out->body = NULL;
    }
}

/* An error whose words come from below the API (the engine, the store): its message is err's
 * English as it was, with err's code and arguments when it has them (mc_error_say), else the
 * API's code for that kind of error (fallback: "{1}" in English) with that English as {1}, so
 * that api_localize says every one of them in Vietnamese too. */
static void said_below(api_response *out, int status, const char *error, const char *fallback,
                       const mc_error *err)
{
    const char *args[MC_MSG_MAXARGS];
    size_t n = mc_error_args(err, args, MC_MSG_MAXARGS);
    const char *code = err->msg_code != NULL && mc_msg_text(MC_LANG_EN, err->msg_code) != NULL
                           ? err->msg_code
                           : fallback;
    if (code == fallback) {
        args[0] = err->msg;
        n = 1;
    }
    api_error(out, status, error, "%s", err->msg);
    json_t *list = json_array();
    bool ok = list != NULL;
    for (size_t i = 0; i < n; i++) {
        front_jpush(list, mc_json_text(args[i]), &ok);
    }
    list = front_jdone(list, ok);
    front_jset(out->body, "code", json_string(code), &ok);
    front_jset(out->body, "args", list, &ok);
    out->body = front_jdone(out->body, ok); /* NULL: out of memory, api_handle answers 500 */
}

/* The answer to a refused or failed engine operation. */
static void engine_failure(api_response *out, int rc, const mc_result *res, const mc_error *err)
{
    if (rc == MC_EREFUSED) {
        static const struct {
            mc_refusal why;
            int status;
            const char *code;
        } map[] = {
            {MC_REFUSED_STATE, 409, "state"},         {MC_REFUSED_ROLE, 403, "role"},
            {MC_REFUSED_GUARD, 409, "guard"},         {MC_REFUSED_LIMIT, 422, "limit"},
            {MC_REFUSED_ONCE_ONLY, 409, "once-only"}, {MC_REFUSED_RULE, 422, "rule"},
            {MC_REFUSED_OTHER, 422, "invalid-field"},
        };
        for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
            if (map[i].why == res->refusal) {
                api_error(out, map[i].status, map[i].code, "%s", res->message);
                refusal_code(out, res);
                out->status = map[i].status;
                bool ok = true;
                front_jset(out->body, "dossier",
                           res->dossier ? json_integer(res->dossier) : json_null(), &ok);
                out->body = front_jdone(out->body, ok);
                return;
            }
        }
        api_error(out, 422, "invalid-field", "%s", res->message);
        refusal_code(out, res);
        return;
    }
    switch (rc) {
    case MC_ENOTFOUND: {
        long long id;
        char tail, n[24];
        /* the engine's "unknown dossier N" (dossier.c, access.c), said by the catalogue */
        if (sscanf(err->msg, "unknown dossier %lld%c", &id, &tail) == 1) {
            snprintf(n, sizeof n, "%lld", id);
            api_error_msg(out, 404, "not-found", "api.dossier-unknown", 1, n);
        } else {
            api_error(out, 404, "not-found", "%s", err->msg);
        }
        return;
    }
    case MC_ECONFLICT:
    case MC_EBUSY:
        said_below(out, 409, "conflict", "api.conflict", err);
        return;
    case MC_EUSAGE:
        said_below(out, 409, "conflict", "api.conflict", err);
        return;
    case MC_EGONE:
        /* deploy-check names these */
        said_below(out, 409, "procedure-gone", "api.procedure-gone", err);
        return;
    case MC_EDOWN:
        said_below(out, 503, "unavailable", "api.unavailable", err); /* nothing saved: try again */
        out->retry_after = API_RETRY_AFTER_S;
        return;
    default:
        said_below(out, 500, "internal", "api.internal", err);
    }
}

/* The answer to a failed operation that may carry the caller's Idempotency-Key: the engine's
 * message names the key as the caller sent it, not as scope_key made it. */
static void op_failure(const job *a, const api_request *rq, api_response *out, int rc,
                       const mc_result *res, mc_error *err)
{
    if (rc == MC_EREFUSED) {
        engine_failure(out, rc, res, err); /* a refusal's words are res's: err was not set */
        return;
    }
    if (a->key != NULL && err->msg_code != NULL) {
        /* The sentence said again with the key as the caller sent it in place of its argument */
        mc_error was = *err;
        const char *args[MC_MSG_MAXARGS] = {0};
        size_t n = mc_error_args(&was, args, MC_MSG_MAXARGS);
        for (size_t i = 0; i < n; i++) {
            args[i] = strcmp(args[i], a->key) == 0 ? rq->idempotency_key : args[i];
        }
        mc_error_say(err, was.code, was.msg_code, n, args[0], args[1], args[2], args[3], args[4]);
        engine_failure(out, rc, res, err);
        return;
    }
    char *at = a->key ? strstr(err->msg, a->key) : NULL;
    if (at != NULL) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%.*s%s%s", (int)(at - err->msg), err->msg, rq->idempotency_key,
                 at + strlen(a->key));
        memcpy(err->msg, msg, sizeof msg);
    }
    engine_failure(out, rc, res, err);
}

typedef struct history_ctx {
    const job *a;
    json_t *list;
    bool ok; /* false once memory ran out: the list is not whole */
} history_ctx;

static int history_one(void *ud, const mc_event_row *ev)
{
    history_ctx *h = ud;
    front_jpush(h->list, front_event_json_lang(h->a->cal, ev, h->a->lang), &h->ok);
    return h->ok ? 0 : MC_ENOMEM;
}

/* Records in the access log (access.h) that p read a dossier or a subject's data through
 * route, before anything of it is answered: true, or false with 503 in out when the read cannot
 * be recorded (then nothing is shown: the log fails closed). A write: it takes the write lock. */
static bool log_read(job *a, const principal *p, const char *route, const mc_dossier *d,
                     const char *subject, api_response *out)
{
    if (!accepting_writes(a, out)) {
        return false;
    }
    mc_access acc = {now_of(a), p->actor, route, d ? d->id : 0, subject, NULL, NULL, NULL, NULL};
    mc_error err;
    /* A dossier already loaded gives its subject and parties: no second load to log it. */
    int rc = d != NULL ? mc_engine_log_read(a->engine, &acc, d, &err)
                       : mc_engine_log_access(a->engine, &acc, &err);
    if (rc != 0) {
        api_error_msg(out, 503, "unavailable", "api.access-log", 1, err.msg);
        out->retry_after = API_RETRY_AFTER_S;
        return false;
    }
    return true;
}

/* Loads dossier id as of now for p: 0, or an answer in out (404, 403, 503). A read through
 * route (not NULL) is recorded in the access log after the permission check, before anything is
 * answered; an operation's answer (route NULL) is not a read: the operation's event names its
 * actor. */
static int load_for(job *a, const principal *p, int64_t id, const char *route, mc_dossier *d,
                    api_response *out)
{
    mc_error err;
    int rc = mc_engine_get(a->engine, id, now_of(a), d, &err);
    if (rc != 0) {
        engine_failure(out, rc, NULL, &err);
        return -1;
    }
    if (!may_access(p, d->procedure->agency, d->subject)) {
        mc_dossier_free(d);
        /* An applicant learns nothing of others' dossiers, not even that they exist. */
        char n[24];
        snprintf(n, sizeof n, "%lld", (long long)id);
        if (is_applicant(p)) {
            api_error_msg(out, 404, "not-found", "api.dossier-unknown", 1, n);
        } else {
            api_error_msg(out, 403, "forbidden", "api.dossier-other-agency", 1, n);
        }
        return -1;
    }
    if (route != NULL && !log_read(a, p, route, d, NULL, out)) {
        mc_dossier_free(d);
        return -1;
    }
    return 0;
}

/* An operation's access check (mc_fire.may): the engine runs it on the dossier's stored agency
 * and subject inside the operation's transaction, so that the check costs no read of its own. */
static bool may_operate(void *ud, const char *agency, const char *subject)
{
    return may_access(ud, agency, subject);
}

/* The answer to an operation the engine refused on that check (MC_EDENIED): exactly what a read
 * of the dossier answers p (load_for: another agency's, or another person's, which is "no such
 * dossier"); when the dossier has become p's meanwhile (its subject corrected), a conflict to
 * try again. */
static void denied(job *a, const principal *p, int64_t id, api_response *out)
{
    mc_dossier d;
    if (load_for(a, p, id, NULL, &d, out) == 0) {
        mc_dossier_free(&d);
        char n[24];
        snprintf(n, sizeof n, "%lld", (long long)id);
        api_error_msg(out, 409, "conflict", "store.changed", 1, n);
    }
}

/* The events of d's state, each with the role p would fire it as (allowed), or the roles that
 * may (not allowed). */
static json_t *actions_of(const mc_dossier *d, const principal *p)
{
    bool ok = true;
    json_t *list = json_array();
    for (size_t i = 0; !d->final && i < d->state->non; i++) {
        const mc_transition *t = &d->state->on[i];
        bool seen = false;
        for (size_t k = 0; k < i; k++) {
            seen |= strcmp(d->state->on[k].event, t->event) == 0;
        }
        if (seen) {
            continue;
        }
        const char *as = NULL;
        json_t *roles = json_array();
        for (size_t k = 0; k < d->state->non; k++) {
            const mc_transition *u = &d->state->on[k];
            for (size_t r = 0; strcmp(u->event, t->event) == 0 && r < u->nroles; r++) {
                front_jpush(roles, json_string(u->roles[r]->name), &ok);
                if (as == NULL && principal_has_role(p, u->roles[r]->name)) {
                    as = u->roles[r]->name;
                }
            }
        }
        front_jpush(list,
                    json_pack("{s:s, s:o, s:b, s:s?}", "event", t->event, "roles", roles, "allowed",
                              as != NULL, "as", as),
                    &ok);
    }
    return front_jdone(list, ok);
}

/* The dossier as it stands, with what p may do, and its history when asked (a GET; the answer
 * of an operation leaves it out, to stay small). */
static void answer_dossier(job *a, const principal *p, int64_t id, int status, bool replayed,
                           bool with_history, api_response *out)
{
    mc_dossier d;
    mc_error err;
    int rc = mc_engine_get(a->engine, id, now_of(a), &d, &err);
    if (rc != 0) {
        engine_failure(out, rc, NULL, &err);
        return;
    }
    bool ok = true;
    json_t *o = front_dossier_json_lang(a->cal, &d, a->lang);
    front_jset(o, "actions", actions_of(&d, p), &ok);
    mc_dossier_free(&d);
    if (with_history) {
        history_ctx h = {a, json_array(), true};
        rc = mc_store_event_each(mc_engine_store(a->engine), id, history_one, &h, &err);
        ok &= h.ok;
        front_jset(o, "history", h.list, &ok);
    }
    if (replayed) {
        front_jset(o, "replayed", json_true(), &ok);
    }
    out->status = rc == 0 ? status : 500;
    out->body = front_jdone(o, ok); /* NULL: out of memory (api_handle) */
}

/* ==== reading a request's body ============================================================ */

static json_t *parse_body(const api_request *rq, api_response *out)
{
    if (rq->body == NULL || rq->body_len == 0) {
        api_error_msg(out, 400, "bad-request", "api.body-json", 0);
        return NULL;
    }
    /* Through mc_json_loads, which is whole or MC_ENOMEM: Jansson alone may drop a character of a
     * string when an allocation fails, and the request would be acted upon changed. The body ends
     * in a NUL (serve.c); one inside it is malformed JSON, as json_loadb says. */
    json_t *o = NULL;
    int rc = memchr(rq->body, '\0', rq->body_len) != NULL
                 ? MC_ESYNTAX
                 : mc_json_loads(rq->body, JSON_REJECT_DUPLICATES, &o);
    if (rc == MC_ENOMEM) {
        return NULL; /* no body: out of memory (api_handle) */
    }
    if (rc != 0) {
        json_error_t jerr; /* parsed again, on this error path only, for the place and the reason */
        json_t *again = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &jerr);
        if (again != NULL) {
            json_decref(again);
            return NULL; /* the two parses disagree: only out of memory can do that */
        }
        char line[16], column[16];
        snprintf(line, sizeof line, "%d", jerr.line);
        snprintf(column, sizeof column, "%d", jerr.column);
        api_error_msg(out, 400, "bad-request", "api.json-malformed", 3, line, column, jerr.text);
        return NULL;
    }
    if (!json_is_object(o)) {
        json_decref(o);
        api_error_msg(out, 400, "bad-request", "api.body-not-object", 0);
        return NULL;
    }
    return o;
}

/* A member that must be a string when present. false with a 400 in out. */
static bool opt_string(json_t *body, const char *key, const char **val, api_response *out)
{
    json_t *v = json_object_get(body, key);
    *val = NULL;
    if (v == NULL || json_is_null(v)) {
        return true;
    }
    if (!json_is_string(v)) {
        api_error_msg(out, 400, "bad-request", "api.member-string", 1, key);
        return false;
    }
    *val = json_string_value(v);
    return true;
}

/* An array of strings into list (borrowed from body); *n its size. */
static bool opt_strings(json_t *body, const char *key, const char ***list, size_t *n,
                        api_response *out)
{
    json_t *v = json_object_get(body, key);
    *list = NULL;
    *n = 0;
    if (v == NULL || json_is_null(v)) {
        return true;
    }
    if (!json_is_array(v) || json_array_size(v) > 256) {
        api_error_msg(out, 400, "bad-request", "api.member-strings-256", 1, key);
        return false;
    }
    *list = calloc(json_array_size(v) + 1, sizeof **list);
    for (size_t i = 0; i < json_array_size(v); i++) {
        const char *s = json_string_value(json_array_get(v, i));
        if (s == NULL || *list == NULL) {
            free(*list);
            *list = NULL;
            api_error_msg(out, 400, "bad-request", "api.member-strings", 1, key);
            return false;
        }
        (*list)[(*n)++] = s;
    }
    return true;
}

/* An object of KEY: value into pairs; values are strings, or booleans and integers given as
 * text (kept in texts, which the caller frees). */
static bool opt_pairs(json_t *body, const char *key, mc_kv **pairs, size_t *n, char **texts,
                      api_response *out)
{
    json_t *v = json_object_get(body, key);
    *pairs = NULL;
    *texts = NULL;
    *n = 0;
    if (v == NULL || json_is_null(v)) {
        return true;
    }
    if (!json_is_object(v) || json_object_size(v) > 256) {
        api_error_msg(out, 400, "bad-request", "api.member-object", 1, key);
        return false;
    }
    size_t cap = json_object_size(v);
    *pairs = calloc(cap + 1, sizeof **pairs);
    *texts = calloc(cap + 1, 24);
    if (*pairs == NULL || *texts == NULL) {
        api_error_msg(out, 500, "internal", "api.oom", 0);
        return false;
    }
    const char *k;
    json_t *x;
    json_object_foreach(v, k, x)
    {
        char *text = *texts + 24 * *n;
        const char *val = json_string_value(x);
        if (json_is_boolean(x)) {
            val = json_is_true(x) ? "true" : "false";
        } else if (json_is_integer(x)) {
            snprintf(text, 24, "%lld", (long long)json_integer_value(x));
            val = text;
        }
        if (val == NULL) {
            api_error_msg(out, 400, "bad-request", "api.member-value", 2, key, k);
            return false;
        }
        (*pairs)[*n].key = k;
        (*pairs)[(*n)++].value = val;
    }
    return true;
}

/* ==== the operations ====================================================================== */

/* A submission's body as POST /api/dossiers and its preview read it, and the procedure in force
 * it names. */
typedef struct submission {
    json_t *body;
    const char *procedure, *channel, **attach;
    mc_kv *fields;
    char *texts;
    size_t nfields, nattach;
    int64_t now;
    const mc_procedure *proc;
} submission;

/* Reads rq's body into sb and finds its procedure in force now: true, or false with the error in
 * out. Free sb with submission_free either way. */
static bool read_submission(job *a, const api_request *rq, submission *sb, api_response *out)
{
    memset(sb, 0, sizeof *sb);
    if ((sb->body = parse_body(rq, out)) == NULL ||
        !opt_string(sb->body, "procedure", &sb->procedure, out) ||
        !opt_string(sb->body, "channel", &sb->channel, out) ||
        !opt_pairs(sb->body, "fields", &sb->fields, &sb->nfields, &sb->texts, out) ||
        !opt_strings(sb->body, "attach", &sb->attach, &sb->nattach, out)) {
        return false;
    }
    if (sb->procedure == NULL) {
        api_error_msg(out, 400, "bad-request", "api.required", 1, "procedure");
        return false;
    }
    sb->now = now_of(a);
    sb->proc = mc_catalogue_procedure(a->cat, sb->procedure, mc_calendar_today(a->cal, sb->now));
    if (sb->proc == NULL) {
        api_error_msg(out, 404, "not-found", "api.procedure-not-in-force", 1, sb->procedure);
        return false;
    }
    return true;
}

static void submission_free(submission *sb)
{
    free(sb->fields);
    free(sb->texts);
    free(sb->attach);
    json_decref(sb->body);
}

static void post_dossier(job *a, const principal *p, const api_request *rq, api_response *out)
{
    submission sb;
    if (!read_submission(a, rq, &sb, out)) {
        goto done;
    }
    const char *procedure = sb.procedure, *channel = sb.channel;
    const mc_procedure *proc = sb.proc;
    const mc_kv *fields = sb.fields;
    size_t nfields = sb.nfields;
    if (is_applicant(p)) {
        /* An applicant files online, about itself. */
        const char *subject = NULL;
        for (size_t i = 0; proc->subject && i < nfields; i++) {
            if (strcmp(fields[i].key, proc->subject->name) == 0) {
                subject = fields[i].value;
            }
        }
        if (subject == NULL || strcmp(subject, p->subject) != 0) {
            api_error_msg(out, 403, "forbidden", "api.applicant-own-subject", 0);
            goto done;
        }
        channel = "online";
    } else if (!may_access(p, proc->agency, NULL)) {
        api_error_msg(out, 403, "forbidden", "api.procedure-other-agency", 1, procedure);
        goto done;
    }
    mc_submit s = {.procedure = procedure,
                   .fields = sb.fields,
                   .nfields = nfields,
                   .attach = sb.attach,
                   .nattach = sb.nattach,
                   .channel = channel,
                   .now = sb.now,
                   .request_id = a->key,
                   .user = p->actor};
    mc_result res;
    mc_error err;
    if (!accepting_writes(a, out)) {
        goto done;
    }
    int rc = mc_engine_submit(a->engine, &s, &res, &err);
    if (rc != 0) {
        op_failure(a, rq, out, rc, &res, &err);
    } else if (res.replayed) {
        /* The first request's dossier, to a caller who may read it, and to no one else. */
        mc_dossier d;
        if (load_for(a, p, res.dossier, NULL, &d, out) != 0) {
            json_decref(out->body);
            api_error_msg(out, 404, "not-found", "api.idempotency-other", 0);
            goto done;
        }
        mc_dossier_free(&d);
        answer_dossier(a, p, res.dossier, 200, true, false, out);
    } else {
        answer_dossier(a, p, res.dossier, 201, false, false, out);
    }
done:
    submission_free(&sb);
}

static void post_event(job *a, const principal *p, int64_t id, const api_request *rq,
                       api_response *out)
{
    json_t *body = parse_body(rq, out);
    if (body == NULL) {
        return;
    }
    const char *event, *note, *role, **docs = NULL, **attach = NULL;
    mc_kv *set = NULL, *disputes = NULL;
    char *set_texts = NULL, *dispute_texts = NULL;
    size_t ndocs = 0, nattach = 0, nset = 0, ndisputes = 0;
    if (!opt_string(body, "event", &event, out) || !opt_string(body, "note", &note, out) ||
        !opt_strings(body, "documents", &docs, &ndocs, out) ||
        !opt_strings(body, "attach", &attach, &nattach, out) ||
        !opt_pairs(body, "set", &set, &nset, &set_texts, out) ||
        !opt_pairs(body, "disputes", &disputes, &ndisputes, &dispute_texts, out)) {
        goto done;
    }
    if (event == NULL) {
        api_error_msg(out, 400, "bad-request", "api.required", 1, "event");
        goto done;
    }
    if ((role = acting_role(p, body, out)) == NULL) {
        goto done;
    }
    mc_fire f = {.dossier = id,
                 .event = event,
                 .role = role,
                 .payload = {.note = note,
                             .documents = docs,
                             .ndocuments = ndocs,
                             .disputes = disputes,
                             .ndisputes = ndisputes,
                             .set = set,
                             .nset = nset,
                             .attach = attach,
                             .nattach = nattach},
                 .now = now_of(a),
                 .request_id = a->key,
                 .user = p->actor,
                 .may = may_operate,
                 .may_ud = (void *)p,
                 .answered = true};
    mc_result res;
    mc_error err;
    if (!accepting_writes(a, out)) {
        goto done;
    }
    int rc = mc_engine_fire(a->engine, &f, &res, &err);
    if (rc == MC_EDENIED) {
        denied(a, p, id, out);
    } else if (rc != 0) {
        op_failure(a, rq, out, rc, &res, &err);
    } else {
        answer_dossier(a, p, id, 200, res.replayed, false, out);
    }
done:
    free(docs);
    free(attach);
    free(set);
    free(disputes);
    free(set_texts);
    free(dispute_texts);
    json_decref(body);
}

static void post_apology(job *a, const principal *p, int64_t id, const api_request *rq,
                         api_response *out)
{
    json_t *body = parse_body(rq, out);
    if (body == NULL) {
        return;
    }
    const char *new_date, *reason, *role;
    mc_date date;
    char why[200];
    if (!opt_string(body, "new_date", &new_date, out) ||
        !opt_string(body, "reason", &reason, out)) {
        goto done;
    }
    if (new_date == NULL || mc_value_date(new_date, strlen(new_date), &date, why, sizeof why)) {
        api_error_msg(out, 400, "bad-request", "api.new-date", 0);
        goto done;
    }
    if ((role = acting_role(p, body, out)) == NULL) {
        goto done;
    }
    mc_apology ap = {.dossier = id,
                     .role = role,
                     .new_date = date,
                     .reason = reason,
                     .now = now_of(a),
                     .request_id = a->key,
                     .user = p->actor,
                     .may = may_operate,
                     .may_ud = (void *)p,
                     .answered = true};
    mc_result res;
    mc_error err;
    if (!accepting_writes(a, out)) {
        goto done;
    }
    int rc = mc_engine_apologize(a->engine, &ap, &res, &err);
    if (rc == MC_EDENIED) {
        denied(a, p, id, out);
    } else if (rc != 0) {
        op_failure(a, rq, out, rc, &res, &err);
    } else {
        answer_dossier(a, p, id, 200, res.replayed, false, out);
    }
done:
    json_decref(body);
}

static bool parse_id(const char *s, size_t n, int64_t *id);

/* ---- the queue: GET /api/dossiers ---------------------------------------------------------- */

enum { LIST_LIMIT = 50, LIST_LIMIT_MAX = 500 };

/* The filters of a listing and where it stands: what a cursor is bound to. */
typedef struct list_query {
    mc_dossier_page page;
    const char *overdue; /* as sent, for the cursor's check */
    const char *agency;  /* ?agency=, or NULL */
} list_query;

/* The filters a cursor of the list is made for (front/cursor.h), into room. */
static size_t list_filters(const list_query *q, char before[24], const char *out[8])
{
    snprintf(before, 24, "%lld", (long long)q->page.due_before);
    const char *f[] = {q->page.state ? q->page.state : "",
                       q->page.procedure ? q->page.procedure : "",
                       q->agency ? q->agency : "",
                       q->page.overdue_only ? "overdue" : "",
                       q->page.search ? q->page.search : "",
                       q->page.final == MC_FINAL_INCLUDE ? "include"
                       : q->page.final == MC_FINAL_ONLY  ? "only"
                                                         : "exclude",
                       before};
    memcpy(out, f, sizeof f);
    return sizeof f / sizeof f[0];
}

/* The query of rq: its filters, limit and position. false with a 400 in out. */
static bool list_query_of(job *a, const api_request *rq, list_query *q, api_response *out)
{
    mc_dossier_page init = MC_DOSSIER_PAGE_INIT;
    q->page = init;
    q->page.state = rq->q_state;
    q->page.procedure = rq->q_procedure;
    q->agency = rq->q_agency;
    /* The search is never repeated in a message: it may be a citizen's identifier. */
    if (rq->q_search != NULL && (rq->q_search[0] == '\0' || strlen(rq->q_search) > 200)) {
        api_error_msg(out, 400, "bad-request", "api.q-length", 0);
        return false;
    }
    if (rq->q_search != NULL &&
        mc_utf8_invalid_at(rq->q_search, strlen(rq->q_search)) != SIZE_MAX) {
        api_error_msg(out, 400, "bad-request", "api.q-utf8", 0);
        return false;
    }
    q->page.search = rq->q_search;
    q->overdue = rq->q_overdue;
    if (rq->q_limit != NULL) {
        int64_t n;
        if (!parse_id(rq->q_limit, strlen(rq->q_limit), &n) || n > LIST_LIMIT_MAX) {
            char most[16];
            snprintf(most, sizeof most, "%d", LIST_LIMIT_MAX);
            api_error_msg(out, 400, "bad-request", "api.limit", 1, most);
            return false;
        }
        q->page.limit = (size_t)n;
    }
    if (rq->q_overdue != NULL) {
        const char *o = rq->q_overdue;
        if (strcmp(o, "1") != 0 && strcmp(o, "true") != 0 && strcmp(o, "0") != 0 &&
            strcmp(o, "false") != 0) {
            api_error_msg(out, 400, "bad-request", "api.overdue", 0);
            return false;
        }
        q->page.overdue_only = strcmp(o, "1") == 0 || strcmp(o, "true") == 0;
    }
    if (rq->q_final != NULL) {
        if (strcmp(rq->q_final, "exclude") == 0) {
            q->page.final = MC_FINAL_EXCLUDE;
        } else if (strcmp(rq->q_final, "include") == 0) {
            q->page.final = MC_FINAL_INCLUDE;
        } else if (strcmp(rq->q_final, "only") == 0) {
            q->page.final = MC_FINAL_ONLY;
        } else {
            api_error_msg(out, 400, "bad-request", "api.final", 0);
            return false;
        }
    }
    if (rq->q_due_before != NULL) {
        const char *d = rq->q_due_before;
        size_t n = strlen(d);
        char why[200];
        mc_date day;
        mc_datetime t;
        if (n == 10 && mc_value_date(d, n, &day, why, sizeof why) == 0) {
            t = (mc_datetime)day * MC_DAY_MINUTES;
        } else if (n != 16 || mc_value_datetime(d, n, &t, why, sizeof why) != 0) {
            api_error_msg(out, 400, "bad-request", "api.due-before", 0);
            return false;
        }
        q->page.due_before = mc_calendar_to_utc(a->cal, (mc_localtime)t * 60);
    }
    char before[24];
    const char *filters[8];
    size_t nfilters = list_filters(q, before, filters);
    if (rq->q_cursor != NULL && !front_cursor_read(rq->q_cursor, filters, nfilters, &q->page)) {
        api_error_msg(out, 400, "bad-request", "api.cursor", 0);
        return false;
    }
    return true;
}

typedef struct list_ctx {
    const job *a;
    const principal *p;
    const list_query *q;
    json_t *list;
    size_t shown;        /* rows in list */
    size_t read;         /* rows the store gave in this batch */
    mc_dossier_row last; /* the last row the store gave (where the next batch starts) */
    char next[96];       /* the cursor after the last row shown */
    bool more;           /* a row the token may see follows the page */
    bool ok;             /* false once memory ran out: the list is not whole */
    mc_error *err;       /* where an applicant's name that could not be read says why */
} list_ctx;

static int list_one(void *ud, const mc_dossier_row *row)
{
    list_ctx *l = ud;
    l->read++;
    l->last.overdue = row->overdue;
    l->last.due = row->due;
    l->last.id = row->id;
    if (!may_access(l->p, row->agency, row->subject)) {
        return 0;
    }
    if (l->shown == l->q->page.limit) {
        l->more = true;
        return 1; /* stop: the page is full and another row follows it */
    }
    char *name = NULL;
    int rc = mc_engine_row_applicant(l->a->engine, row, &name, l->err);
    if (rc != 0) {
        return rc;
    }
    front_jpush(l->list, front_row_json(l->a->cal, row, name), &l->ok);
    mc_free(name);
    l->shown++;
    char before[24];
    const char *filters[8];
    front_cursor_make(row, filters, list_filters(l->q, before, filters), l->next);
    return l->ok ? 0 : MC_ENOMEM;
}

/* The rows of the page that p may see. The store filters and orders; rows of others (another
 * agency, another applicant) are skipped here, reading on in batches until the page is full or
 * the queue ends, so that a page is never short while more rows follow. */
static int list_rows(job *a, list_ctx *l, mc_error *err)
{
    mc_dossier_page page = l->q->page;
    page.agency = l->q->agency;
    /* One more row than the page, to know whether another follows. */
    page.limit = l->q->page.limit + 1;
    for (;;) {
        l->read = 0;
        int rc = mc_store_dossier_page(mc_engine_store(a->engine), &page, list_one, l, err);
        if (rc == 1) {
            return 0;
        }
        if (rc != 0 || l->read < page.limit) {
            return rc; /* an error, or the queue ended */
        }
        page.after_overdue = l->last.overdue;
        page.after_due = l->last.due;
        page.after_id = l->last.id;
    }
}

typedef struct counts_ctx {
    json_t *states; /* {"STATE": count} */
    int64_t total, overdue;
    bool ok;
    bool broad; /* a search too broad to count */
} counts_ctx;

static int count_one(void *ud, const char *state, int64_t count, int64_t overdue)
{
    counts_ctx *c = ud;
    json_t *was = json_object_get(c->states, state);
    int64_t sum = count + (was ? (int64_t)json_integer_value(was) : 0);
    if (json_object_set_new(c->states, state, json_integer((json_int_t)sum)) != 0) {
        c->ok = false;
        return MC_ENOMEM;
    }
    c->total += count;
    c->overdue += overdue;
    return 0;
}

/* The counts of the first page: the dossiers matching the filters that p may see, by state,
 * with how many are overdue. The store counts what the token's rules allow (an applicant's
 * own subject, each of the token's agencies in turn), so that a count never tells a clerk
 * about another agency's dossiers. */
static int list_counts(job *a, const principal *p, const list_query *q, counts_ctx *c,
                       mc_error *err)
{
    mc_store *st = mc_engine_store(a->engine);
    mc_dossier_page page = q->page;
    page.agency = q->agency;
    if (is_applicant(p)) {
        page.subject = p->subject;
        return mc_store_page_counts(st, &page, count_one, c, &c->broad, err);
    }
    if (p->every_agency) {
        return mc_store_page_counts(st, &page, count_one, c, &c->broad, err);
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < p->nagencies; i++) {
        if (q->agency == NULL || strcmp(q->agency, p->agencies[i]) == 0) {
            page.agency = p->agencies[i];
            rc = mc_store_page_counts(st, &page, count_one, c, &c->broad, err);
        }
    }
    return rc;
}

static void get_list(job *a, const principal *p, const api_request *rq, api_response *out)
{
    size_t changed;
    mc_error err;
    list_query q;
    if (!list_query_of(a, rq, &q, out)) {
        return;
    }
    /* Due timers and overdue marks first, so that the list is true as of now. */
    if (!accepting_writes(a, out)) {
        return;
    }
    int rc = mc_engine_tick(a->engine, now_of(a), &changed, &err);
    list_ctx l = {.a = a, .p = p, .q = &q, .list = json_array(), .ok = true, .err = &err};
    if (rc == 0) {
        rc = list_rows(a, &l, &err);
    }
    /* The first page says how many there are in all. */
    counts_ctx c = {.states = NULL, .ok = true};
    if (rc == 0 && rq->q_cursor == NULL) {
        c.states = json_object();
        c.ok = c.states != NULL;
        rc = c.ok ? list_counts(a, p, &q, &c, &err) : MC_ENOMEM;
    }
    if (!l.ok || !c.ok) {
        json_decref(l.list);
        json_decref(c.states);
        return; /* no body: out of memory (api_handle) */
    }
    if (rc != 0) {
        json_decref(l.list);
        json_decref(c.states);
        engine_failure(out, rc, NULL, &err);
        return;
    }
    /* The page is a read: one entry of the access log, under the applicant's subject when an
     * applicant lists its own dossiers; an officer's page once, under no subject, though its
     * rows name who each dossier is about (subject, applicant's name), as the queue shows them. */
    if (!log_read(a, p, "GET /api/dossiers", NULL, is_applicant(p) ? p->subject : NULL, out)) {
        json_decref(l.list);
        json_decref(c.states);
        return;
    }
    out->status = 200;
    out->body = json_pack("{s:o, s:s?}", "dossiers", front_jdone(l.list, l.ok), "next",
                          l.more ? l.next : NULL);
    if (out->body != NULL && c.states != NULL && c.broad) {
        /* too many to count quickly: the clerk types more of the name */
        if (json_object_set_new(out->body, "counts", json_null()) != 0) {
            json_decref(out->body);
            out->body = NULL;
        }
    } else if (out->body != NULL && c.states != NULL) {
        json_t *counts = json_pack("{s:o, s:I, s:I}", "states", c.states, "total",
                                   (json_int_t)c.total, "overdue", (json_int_t)c.overdue);
        c.states = NULL; /* json_pack took it, even on failure */
        if (counts == NULL || json_object_set_new(out->body, "counts", counts) != 0) {
            json_decref(out->body);
            out->body = NULL; /* out of memory (api_handle) */
        }
    }
    json_decref(c.states); /* NULL once taken */
}

static void get_explain(job *a, const principal *p, int64_t id, const api_request *rq,
                        api_response *out)
{
    mc_dossier d;
    if (load_for(a, p, id, "GET /api/dossiers/{id}/explain", &d, out) != 0) {
        return;
    }
    json_t *list;
    int rc = front_explain_json_lang(&d, rq->q_document, a->lang, &list);
    if (rc == MC_ENOTFOUND) {
        api_error_msg(out, 404, "not-found", "api.document-not-required", 2, d.procedure->name,
                      rq->q_document);
    } else if (rc == 0) {
        out->status = 200;
        out->body = json_pack("{s:I, s:s, s:s, s:o, s:o?}", "dossier", (json_int_t)id, "procedure",
                              d.procedure->name, "state", d.state->name, "documents", list, "fee",
                              front_fee_json_lang(&d, a->lang)); /* null: no fee */
    }
    mc_dossier_free(&d);
}

/* The diagnostics of a refused import, one line each. */
static json_t *diag_lines(const mc_diags *diags)
{
    bool ok = true;
    json_t *list = json_array();
    for (size_t i = 0; i < mc_diags_count(diags); i++) {
        const mc_diag *x = mc_diags_get(diags, i);
        front_jpush(list,
                    json_pack("{s:i, s:i, s:s}", "line", (int)x->line, "column", (int)x->col,
                              "message", x->msg),
                    &ok);
    }
    return front_jdone(list, ok);
}

/* POST /api/registries/NAME/records: a CSV body, as `motcua registry import` reads. */
static void post_records(job *a, const principal *p, const char *registry, const api_request *rq,
                         api_response *out)
{
    if (!principal_has_role(p, "registrar")) {
        api_error_msg(out, 403, "role", "api.registrar", 0);
        return;
    }
    if (rq->body == NULL || rq->body_len == 0) {
        api_error_msg(out, 400, "bad-request", "api.csv-body", 0);
        return;
    }
    char name[160];
    snprintf(name, sizeof name, "%s.csv", registry);
    mc_source *src = NULL;
    mc_diags *diags = NULL;
    mc_error err;
    mc_error_clear(&err);
    size_t count = 0;
    int rc = mc_source_new(&src, name, rq->body, rq->body_len, &err);
    if (rc == 0) {
        rc = mc_diags_new(&diags);
    }
    if (rc == 0) {
        if (!accepting_writes(a, out)) {
            goto done;
        }
        rc = mc_registry_import(mc_engine_store(a->engine), a->cat, registry, src, now_of(a), diags,
                                &count, &err);
    }
    if (rc == MC_ECHECK) {
        api_error_msg(out, 422, "invalid-field", "api.nothing-imported", 1, name);
        bool ok = true;
        front_jset(out->body, "problems", diag_lines(diags), &ok);
        out->body = front_jdone(out->body, ok);
    } else if (rc == MC_ENOTFOUND) {
        api_error(out, 404, "not-found", "%s", err.msg);
    } else if (rc != 0) {
        engine_failure(out, rc, NULL, &err);
    } else {
        out->status = 200;
        out->body = json_pack("{s:s, s:I}", "registry", registry, "imported", (json_int_t)count);
    }
done:
    mc_diags_free(diags);
    mc_source_free(src);
}

typedef struct records_ctx {
    json_t *list;
    bool ok; /* false once memory ran out: the list is not whole */
} records_ctx;

static int record_one(void *ud, const mc_record_row *rec)
{
    records_ctx *r = ud;
    front_jpush(r->list,
                json_pack("{s:s, s:s, s:s, s:s?}", "registry", rec->registry, "document",
                          rec->document, "reference", rec->reference, "issued", rec->issued),
                &r->ok);
    return r->ok ? 0 : MC_ENOMEM;
}

typedef struct about_ctx {
    const principal *p;
    const char *subject;
} about_ctx;

static int about_one(void *ud, const mc_dossier_row *row)
{
    const about_ctx *x = ud;
    return row->agency != NULL && row->subject != NULL && principal_in_agency(x->p, row->agency) &&
           strcmp(row->subject, x->subject) == 0;
}

/* GET /api/registries/records?subject=S: a citizen's records are personal data. The registrar
 * (who imports them) and an agency-wide token may read any; an officer only a subject of one of
 * its agency's dossiers; an applicant only its own. */
static void get_records(job *a, const principal *p, const char *subject, api_response *out)
{
    if (subject == NULL || subject[0] == '\0') {
        api_error_msg(out, 400, "bad-request", "api.subject-needed", 0);
        return;
    }
    mc_error err;
    if (is_applicant(p)) {
        if (strcmp(subject, p->subject) != 0) {
            api_error_msg(out, 403, "forbidden", "api.applicant-own-records", 0);
            return;
        }
    } else if (!principal_has_role(p, "registrar") && !p->every_agency) {
        about_ctx x = {p, subject};
        mc_dossier_filter f = MC_DOSSIER_FILTER_INIT;
        int found = p->nagencies > 0
                        ? mc_store_dossier_each(mc_engine_store(a->engine), &f, about_one, &x, &err)
                        : 0;
        if (found < 0) {
            engine_failure(out, found, NULL, &err);
            return;
        }
        if (found == 0) {
            api_error_msg(out, 403, "forbidden", "api.officer-records", 0);
            return;
        }
    }
    if (!log_read(a, p, "GET /api/registries/records", NULL, subject, out)) {
        return;
    }
    records_ctx r = {json_array(), true};
    int rc = mc_store_records_of(mc_engine_store(a->engine), subject, record_one, &r, &err);
    if (!r.ok || rc != 0) {
        json_decref(r.list);
        if (r.ok) {
            engine_failure(out, rc, NULL, &err);
        }
        return; /* out of memory: no body (api_handle) */
    }
    out->status = 200;
    out->body = json_pack("{s:s, s:o}", "subject", subject, "records", r.list);
}

static bool officer_agency(void *ud, const char *agency)
{
    return principal_in_agency(ud, agency);
}

/* The "officers" of GET /api/indicators?by=officer (report.h, "per officer"): the events on the
 * dossiers of p's agencies. */
static int officers_of(job *a, const principal *p, mc_date from, mc_date to, json_t **out,
                       mc_error *err)
{
    mc_officer_report o;
    int rc = mc_officers_compute(mc_engine_store(a->engine), a->cat, from, to, officer_agency,
                                 (void *)(uintptr_t)p, &o, err);
    if (rc != 0) {
        return rc;
    }
    *out = front_officers_json(&o);
    mc_officers_free(&o);
    return *out != NULL ? 0 : mc_error_set(err, MC_ENOMEM, "out of memory");
}

/* GET /api/indicators?from=DATE&to=DATE[&by=officer]: SPEC §9, the rows the token's agency may
 * see; with by=officer, the officers' rows too (issue 21). */
static void get_indicators(job *a, const principal *p, const api_request *rq, api_response *out)
{
    if (is_applicant(p)) {
        api_error_msg(out, 403, "forbidden", "api.indicators-officers", 0);
        return;
    }
    mc_date today = mc_calendar_today(a->cal, now_of(a));
    mc_date from = mc_date_from_ymd(1900, 1, 1), to = today;
    char why[200];
    if ((rq->q_from && mc_value_date(rq->q_from, strlen(rq->q_from), &from, why, sizeof why)) ||
        (rq->q_to && mc_value_date(rq->q_to, strlen(rq->q_to), &to, why, sizeof why)) ||
        to < from) {
        api_error_msg(out, 400, "bad-request", "api.from-to", 0);
        return;
    }
    bool by_officer = rq->q_by != NULL && strcmp(rq->q_by, "officer") == 0;
    if (rq->q_by != NULL && !by_officer) {
        api_error_msg(out, 400, "bad-request", "api.by", 0);
        return;
    }
    mc_report r;
    mc_error err;
    int rc = mc_report_compute(mc_engine_store(a->engine), a->cat, from, to, &r, &err);
    if (rc != 0) {
        engine_failure(out, rc, NULL, &err);
        return;
    }
    json_t *officers = NULL;
    if (by_officer && (rc = officers_of(a, p, from, to, &officers, &err)) != 0) {
        mc_report_free(&r);
        engine_failure(out, rc, NULL, &err);
        return;
    }
    bool all = p->every_agency, ok = true;
    json_t *procs = json_array(), *agencies = json_array();
    for (size_t i = 0; i < r.nprocedures; i++) {
        size_t nv;
        const mc_procedure *const *v = mc_catalogue_versions(a->cat, r.procedures[i].name, &nv);
        const char *agency = nv ? v[0]->agency : NULL;
        if (principal_in_agency(p, agency)) {
            front_jpush(procs, front_indicators_json(&r.procedures[i]), &ok);
        }
    }
    for (size_t i = 0; i < r.nagencies; i++) {
        if (principal_in_agency(p, r.agencies[i].name)) {
            front_jpush(agencies, front_indicators_json(&r.agencies[i]), &ok);
        }
    }
    char fd[11], td[11];
    mc_date_format(from, fd);
    mc_date_format(to, td);
    out->status = 200;
    out->body = json_pack("{s:s, s:s, s:o, s:o}", "from", fd, "to", td, "procedures", procs,
                          "agencies", agencies);
    if (all) {
        front_jset(out->body, "total", front_indicators_json(&r.total), &ok);
    }
    if (by_officer) {
        front_jset(out->body, "officers", officers, &ok);
    }
    out->body = front_jdone(out->body, ok); /* NULL: out of memory (api_handle) */
    mc_report_free(&r);
}

/* ==== the one-stop desk (issue 21) ======================================================= */

/* POST /api/dossiers/preview: the checklist a submission would have now, nothing stored
 * (mc_engine_preview); the registry reads it makes are in the access log. For officers of the
 * procedure's agency. */
static void post_preview(job *a, const principal *p, const api_request *rq, api_response *out)
{
    submission sb;
    memset(&sb, 0, sizeof sb);
    if (is_applicant(p)) {
        api_error_msg(out, 403, "forbidden", "api.preview-officers", 0);
        goto done;
    }
    if (!read_submission(a, rq, &sb, out)) {
        goto done;
    }
    const char *procedure = sb.procedure;
    const mc_procedure *proc = sb.proc;
    int64_t now = sb.now;
    if (!may_access(p, proc->agency, NULL)) {
        api_error_msg(out, 403, "forbidden", "api.procedure-other-agency", 1, procedure);
        goto done;
    }
    if (!accepting_writes(a, out)) { /* the reads are written to the access log */
        goto done;
    }
    mc_submit s = {.procedure = procedure,
                   .fields = sb.fields,
                   .nfields = sb.nfields,
                   .attach = sb.attach,
                   .nattach = sb.nattach,
                   .channel = sb.channel,
                   .now = now,
                   .user = p->actor};
    mc_access as = {now, p->actor, "POST /api/dossiers/preview", 0, NULL, NULL, NULL, NULL, NULL};
    mc_dossier d;
    mc_result res;
    mc_error err;
    int rc = mc_engine_preview(a->engine, &s, &as, &d, &res, &err);
    if (rc == MC_EREFUSED) {
        engine_failure(out, rc, &res, &err);
        /* nothing was filed: no dossier to name */
        if (out->body != NULL) {
            json_object_del(out->body, "dossier");
        }
    } else if (rc != 0) {
        engine_failure(out, rc, NULL, &err);
    } else {
        out->status = 200;
        out->body = front_preview_json(a->cal, &d, a->lang); /* NULL: out of memory (api_handle) */
        mc_dossier_free(&d);
    }
done:
    submission_free(&sb);
}

/* Takes a free engine of the pool into j, as api_handle does for a request with a token (a
 * public endpoint that reads the store); give it back with pool_give. */
static size_t pool_take(api *a, job *j)
{
    pthread_mutex_lock(&a->pool_lock);
    size_t slot;
    while (true) {
        for (slot = 0; !a->swapping && slot < a->nengines && a->taken[slot]; slot++) {
        }
        if (!a->swapping && slot < a->nengines) {
            break;
        }
        pthread_cond_wait(&a->pool_free, &a->pool_lock);
    }
    a->taken[slot] = true;
    j->cat = a->cat;
    j->cal = a->cal;
    j->engine = a->engines[slot];
    j->rules = a->rules[slot];
    pthread_mutex_unlock(&a->pool_lock);
    return slot;
}

static void pool_give(api *a, size_t slot)
{
    pthread_mutex_lock(&a->pool_lock);
    a->taken[slot] = false;
    pthread_cond_broadcast(&a->pool_free);
    pthread_mutex_unlock(&a->pool_lock);
}

/* Whether the NUL-terminated x and y are equal, in a time that depends on their lengths only. */
static bool same_text(const char *x, const char *y)
{
    size_t nx = strlen(x), ny = strlen(y);
    unsigned char diff = nx != ny;
    for (size_t i = 0; i < nx; i++) {
        diff |= (unsigned char)(x[i] ^ y[i % (ny ? ny : 1)]);
    }
    return diff == 0;
}

typedef struct apology_ctx {
    char new_date[11];
} apology_ctx;

/* The new date of the dossier's apology (its last apology event). */
static int apology_one(void *ud, const mc_event_row *ev)
{
    apology_ctx *c = ud;
    if (strcmp(ev->kind, "apology") != 0 || ev->body == NULL) {
        return 0;
    }
    json_t *body;
    int rc = mc_json_loads(ev->body, 0, &body);
    if (rc != 0) {
        return rc == MC_ENOMEM ? rc : 0;
    }
    const char *day = json_string_value(json_object_get(body, "new_date"));
    if (day != NULL) {
        snprintf(c->new_date, sizeof c->new_date, "%s", day);
    }
    json_decref(body);
    return 0;
}

static int64_t monotonic_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec;
}

/* The one answer to a code and an identifier that do not name a dossier together, whichever is
 * wrong: the same status and the same bytes. */
static void track_absent(api_response *out)
{
    api_error_msg(out, 404, "not-found", "api.track-absent", 0);
}

/* The store cannot answer now: nothing of the reason is shown to the public. */
static void track_unavailable(api_response *out)
{
    api_error_msg(out, 503, "unavailable", "api.track-unavailable", 0);
    out->retry_after = API_RETRY_AFTER_S;
}

/* The answer of the tracking for dossier id and subject, on j's engine: 200, the same 404 for
 * a wrong pair and an absent dossier, or 503. */
static void track_answer(job *j, int64_t id, const char *subject, api_response *out)
{
    /* One indexed read whether the dossier exists or not, and the identifiers compared in a
     * time that does not say where they differ: a wrong pair and an absent dossier take the same
     * path to the same answer. Nothing is loaded, no timer fires, nothing is logged before the
     * pair is known to be right. */
    mc_store *st = mc_engine_store(j->engine);
    char stored[256];
    mc_error err;
    int found = mc_store_dossier_subject(st, id, stored, sizeof stored, &err);
    if (found < 0) {
        track_unavailable(out);
        return;
    }
    if (found == 0 || stored[0] == '\0' || !same_text(stored, subject)) {
        track_absent(out);
        return;
    }
    mc_dossier d;
    int rc = mc_engine_get(j->engine, id, now_of(j), &d, &err);
    if (rc != 0) {
        if (rc == MC_ENOTFOUND) {
            track_absent(out);
        } else {
            track_unavailable(out);
        }
        return;
    }
    mc_access acc = {now_of(j), "tra-cuu", "GET /api/track", d.id, NULL, NULL, NULL, NULL, NULL};
    apology_ctx ap = {""};
    if (!accepting_writes(j, out)) {
        /* 503 in out */
    } else if (mc_engine_log_read(j->engine, &acc, &d, &err) != 0) {
        track_unavailable(out); /* the access log could not record the read: nothing shown */
    } else if (d.apologized && mc_store_event_each(st, id, apology_one, &ap, &err) != 0) {
        track_unavailable(out);
    } else {
        out->status = 200;
        out->body = front_track_json(j->cal, &d, ap.new_date[0] ? ap.new_date : NULL, j->lang);
        if (out->body == NULL) {
            api_error_msg(out, 500, "internal", "api.oom", 0);
        }
    }
    mc_dossier_free(&d);
}

/* GET /api/track?code=N&subject=S: the citizen's tracking (docs/api.md), without a
 * token, limited per client address; a read in the access log under the subject. */
static void get_track(job *pub, const api_request *rq, api_response *out)
{
    api *a = pub->api;
    int retry;
    if (!ratelimit_take(a->track_limit, rq->client, monotonic_s(), &retry)) {
        char secs[16];
        snprintf(secs, sizeof secs, "%d", retry);
        api_error_msg(out, 429, "too-many-requests", "api.track-limit", 1, secs);
        out->retry_after = retry;
        return;
    }
    int64_t id;
    const char *code = rq->q_code, *subject = rq->q_subject;
    if (code == NULL || subject == NULL || subject[0] == '\0') {
        api_error_msg(out, 400, "bad-request", "api.track-required", 0);
        return;
    }
    if (!parse_id(code, strlen(code), &id) || strlen(subject) > 255) {
        track_absent(out);
        return;
    }
    if (atomic_load(&a->stopping)) {
        api_error_msg(out, 503, "unavailable", "api.stopping", 0);
        out->retry_after = API_RETRY_AFTER_S;
        return;
    }
    job j = {a, NULL, NULL, NULL, NULL, NULL, "", pub->lang};
    size_t slot = pool_take(a, &j);
    track_answer(&j, id, subject, out);
    pool_give(a, slot);
}

/* ==== routing ============================================================================= */

/* What a path's parameters hold: the dossier of "{id}", the registry of "{registry}". */
typedef struct route_args {
    int64_t id;
    char registry[128];
} route_args;

/* An endpoint: a method, a path pattern whose "{id}" and "{registry}" segments fill route_args,
 * and what answers it. A public endpoint answers without a token (and before a stop). */
typedef struct endpoint {
    const char *method;
    const char *path;
    void (*run)(job *a, const principal *p, const api_request *rq, const route_args *arg,
                api_response *out);
    bool public;
} endpoint;

static void ep_health(job *a, const principal *p, const api_request *rq, const route_args *arg,
                      api_response *out)
{
    (void)p, (void)rq, (void)arg;
    out->status = 200;
    out->body = json_pack("{s:s, s:s, s:I}", "status", "ok", "catalogue", mc_catalogue_hash(a->cat),
                          "procedures", (json_int_t)mc_catalogue_procedure_names(a->cat));
    if (a->api->group != NULL && out->body != NULL) {
        /* Group commit at work: operations committed, in how many COMMITs (docs/api.md). */
        mc_store_group_stats g;
        mc_store_group_stats_get(a->api->group, &g);
        json_t *gc = json_pack("{s:I, s:I, s:I}", "commits", (json_int_t)g.commits, "operations",
                               (json_int_t)g.operations, "failed", (json_int_t)g.failed);
        bool ok = true;
        front_jset(out->body, "group_commit", gc, &ok);
        out->body = front_jdone(out->body, ok);
    }
}

static void ep_live(job *a, const principal *p, const api_request *rq, const route_args *arg,
                    api_response *out)
{
    (void)a, (void)p, (void)rq, (void)arg;
    out->status = 200;
    out->body = json_pack("{s:s}", "status", "live"); /* NULL: out of memory (api_handle) */
}

static int64_t realtime_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether this server should get requests: the store takes a write within a short timeout, and
 * the timers keep up (ready.h). */
static void ep_ready(job *a, const principal *p, const api_request *rq, const route_args *arg,
                     api_response *out)
{
    (void)p, (void)rq, (void)arg;
    char why[200] = "";
    if (atomic_load(&a->api->stopping)) {
        api_error_msg(out, 503, "not-ready", "api.stopped", 0);
    } else if ((a->api->ready != NULL && !a->api->ready(a->api->ready_ud, why, sizeof why)) ||
               !ready_timers(&a->api->metrics, realtime_ms(), why, sizeof why)) {
        api_error_msg(out, 503, "not-ready", "api.not-ready", 1, why); /* the probe's English */
    } else {
        out->status = 200;
        out->body = json_pack("{s:s}", "status", "ready"); /* NULL: out of memory (api_handle) */
    }
}

static void metrics_with(api *a, mc_engine *e, mc_buf *t);

/* /metrics: a token with the operator role (or --metrics-listen, serve.c, without one). */
static void ep_metrics(job *a, const principal *p, const api_request *rq, const route_args *arg,
                       api_response *out)
{
    (void)rq, (void)arg;
    if (!principal_has_role(p, "operator")) {
        api_error_msg(out, 403, "forbidden", "api.metrics-operator", 0);
        return;
    }
    mc_buf t = MC_BUF_INIT;
    metrics_with(a->api, a->engine, &t);
    if (t.oom) {
        mc_buf_free(&t);
        return; /* body NULL: out of memory (api_handle) */
    }
    out->status = 200;
    out->text_len = t.len; /* before mc_buf_take resets t */
    out->text = mc_buf_take(&t);
    out->content_type = "text/plain; version=0.0.4; charset=utf-8";
    out->body = json_null(); /* not sent: the text is */
}

static void ep_whoami(job *a, const principal *p, const api_request *rq, const route_args *arg,
                      api_response *out)
{
    (void)a, (void)rq, (void)arg;
    bool ok = true;
    json_t *roles = json_array(), *agencies = json_array();
    for (size_t i = 0; i < p->nroles; i++) {
        front_jpush(roles, json_string(p->roles[i]), &ok);
    }
    for (size_t i = 0; i < p->nagencies; i++) {
        front_jpush(agencies, json_string(p->agencies[i]), &ok);
    }
    if (p->every_agency) {
        front_jpush(agencies, json_string("*"), &ok);
    }
    /* "agency" as before for a token of one agency (or "*"), null for none or several. */
    const char *one = p->every_agency ? "*" : p->nagencies == 1 ? p->agencies[0] : NULL;
    out->status = 200;
    out->body = json_pack("{s:s, s:o, s:s?, s:o, s:s?}", "actor", p->actor, "roles",
                          front_jdone(roles, ok), "agency", one, "agencies",
                          front_jdone(agencies, ok), "subject", p->subject[0] ? p->subject : NULL);
    /* NULL: out of memory (api_handle) */
}

/* GET /api/procedures (issue 21): the catalogue as the console needs it (catalogue_view.h). */
static void ep_procedures(job *a, const principal *p, const api_request *rq, const route_args *arg,
                          api_response *out)
{
    (void)rq, (void)arg;
    out->status = 200;
    out->body = front_catalogue_json(a->cat, mc_calendar_today(a->cal, now_of(a)), p);
    /* NULL: out of memory (api_handle) */
}

static void ep_post_dossier(job *a, const principal *p, const api_request *rq,
                            const route_args *arg, api_response *out)
{
    (void)arg;
    post_dossier(a, p, rq, out);
}

static void ep_get_list(job *a, const principal *p, const api_request *rq, const route_args *arg,
                        api_response *out)
{
    (void)arg;
    get_list(a, p, rq, out);
}

static void ep_get_dossier(job *a, const principal *p, const api_request *rq, const route_args *arg,
                           api_response *out)
{
    (void)rq;
    mc_dossier d;
    if (load_for(a, p, arg->id, "GET /api/dossiers/{id}", &d, out) == 0) {
        mc_dossier_free(&d);
        answer_dossier(a, p, arg->id, 200, false, true, out);
    }
}

static void ep_post_event(job *a, const principal *p, const api_request *rq, const route_args *arg,
                          api_response *out)
{
    post_event(a, p, arg->id, rq, out);
}

static void ep_post_apology(job *a, const principal *p, const api_request *rq,
                            const route_args *arg, api_response *out)
{
    post_apology(a, p, arg->id, rq, out);
}

static void ep_get_explain(job *a, const principal *p, const api_request *rq, const route_args *arg,
                           api_response *out)
{
    get_explain(a, p, arg->id, rq, out);
}

static void ep_get_records(job *a, const principal *p, const api_request *rq, const route_args *arg,
                           api_response *out)
{
    (void)arg;
    get_records(a, p, rq->q_subject, out);
}

static void ep_post_records(job *a, const principal *p, const api_request *rq,
                            const route_args *arg, api_response *out)
{
    post_records(a, p, arg->registry, rq, out);
}

static void ep_post_preview(job *a, const principal *p, const api_request *rq,
                            const route_args *arg, api_response *out)
{
    (void)arg;
    post_preview(a, p, rq, out);
}

static void ep_track(job *a, const principal *p, const api_request *rq, const route_args *arg,
                     api_response *out)
{
    (void)p, (void)arg;
    get_track(a, rq, out);
}

static void ep_get_indicators(job *a, const principal *p, const api_request *rq,
                              const route_args *arg, api_response *out)
{
    (void)arg;
    get_indicators(a, p, rq, out);
}

/* ==== cost studies (issue 22) ============================================================= */

/* At most this many changes are valued one by one (two cost computations each). */
enum { API_STUDY_MAX_CHANGES = 64 };

/* The members of a study's body. */
static const char *const study_keys[] = {"date",   "reforms", "reform", "agency",        "sector",
                                         "procedure", "code", "by",     "income",
                                         "count_waiting", "coverage", "attribute"};

/* The diagnostics of a sent reform as the body of a 422. */
static void reform_errors(api_response *out, const mc_diags *d)
{
    api_error_msg(out, 422, "unprocessable", "api.study-reform-errors", 0);
    json_t *list = json_array();
    bool ok = out->body != NULL && list != NULL;
    for (size_t i = 0; ok && i < mc_diags_count(d); i++) {
        const mc_diag *x = mc_diags_get(d, i);
        front_jpush(list,
                    json_pack("{s:s, s:i, s:i, s:s, s:s}", "file", x->file, "line", (int)x->line,
                              "column", (int)x->col, "severity",
                              x->severity == MC_DIAG_ERROR ? "error" : "warning", "message",
                              x->msg),
                    &ok);
    }
    if (out->body != NULL) {
        front_jset(out->body, "diagnostics", list, &ok);
    } else {
        json_decref(list);
    }
}

/* The filters and sensitivity options of body into o (borrowed from body; the lists and the
 * coverage allocated into *owned, which the caller frees). */
static bool study_options(json_t *body, const mc_catalogue *cat, mc_study_opts *o,
                          mc_study_coverage **coverage, api_response *out)
{
    const char *by = NULL;
    const char *names[] = {"agency", "sector", "procedure", "code"};
    mc_study_filter *f[] = {&o->agencies, &o->sectors, &o->procedures, &o->codes};
    for (int i = 0; i < 4; i++) {
        const char **list;
        if (!opt_strings(body, names[i], &list, &f[i]->n, out)) {
            return false;
        }
        f[i]->items = list;
    }
    if (!opt_string(body, "by", &by, out)) {
        return false;
    }
    if (by != NULL && (o->by = mc_study_by_parse(by)) == MC_STUDY_BY_NONE) {
        api_error_msg(out, 400, "bad-request", "api.study-by", 0);
        return false;
    }
    json_t *v = json_object_get(body, "income");
    if (v != NULL && (!json_is_integer(v) || json_integer_value(v) <= 0)) {
        api_error_msg(out, 400, "bad-request", "api.study-income", 0);
        return false;
    }
    o->has_income = v != NULL;
    o->income = v != NULL ? json_integer_value(v) : 0;
    v = json_object_get(body, "count_waiting");
    if (v != NULL && !json_is_boolean(v)) {
        api_error_msg(out, 400, "bad-request", "api.member-boolean", 1, "count_waiting");
        return false;
    }
    o->count_waiting = v == NULL ? -1 : json_is_true(v);
    v = json_object_get(body, "coverage");
    if (v != NULL && (!json_is_object(v) || json_object_size(v) > 256)) {
        api_error_msg(out, 400, "bad-request", "api.member-object", 1, "coverage");
        return false;
    }
    *coverage = calloc(v ? json_object_size(v) + 1 : 1, sizeof **coverage);
    if (*coverage == NULL) {
        api_error_msg(out, 500, "internal", "api.oom", 0);
        return false;
    }
    const char *k;
    json_t *x;
    json_object_foreach(v, k, x)
    {
        double pct = json_is_number(x) ? json_number_value(x) : -1;
        const mc_registry *r = mc_catalogue_registry(cat, k);
        if (pct < 0 || pct > 100) {
            api_error_msg(out, 400, "bad-request", "api.study-coverage", 1, k);
            return false;
        }
        if (r == NULL) {
            api_error_msg(out, 422, "unprocessable", "api.study-registry", 1, k);
            return false;
        }
        (*coverage)[o->ncoverage++] =
            (mc_study_coverage){r->name, (mc_fixed)(pct * MC_FIXED_ONE + 0.5)};
    }
    o->coverage = *coverage;
    return true;
}

/* The reform sent as text (member "reform", NULL for none) loaded over the served catalogue into
 * *sent (NULL without one; *diags holds its diagnostics): true, or false with the answer in out
 * (422 with the diagnostics, 500 out of memory). The caller frees both. */
static bool sent_reform(job *a, const char *text, mc_catalogue **sent, mc_diags **diags,
                        api_response *out)
{
    if (text == NULL) {
        return true;
    }
    mc_rule_names rn;
    mc_rules_names(a->rules, &rn);
    if (mc_diags_new(diags) != 0) {
        api_error_msg(out, 500, "internal", "api.oom", 0);
        return false;
    }
    mc_error err;
    mc_error_clear(&err);
    int rc =
        mc_catalogue_load_reform(sent, a->cat, "reform", text, strlen(text), &rn, *diags, &err);
    if (rc == MC_ECHECK) {
        reform_errors(out, *diags);
        return false;
    }
    if (rc != 0) {
        api_error_msg(out, 500, "internal", "api.oom", 0);
        return false;
    }
    return true;
}

/* The reforms a study applies, in order, into *reforms (the caller frees it), *n of them: those
 * named (names[0..nnames), found in the catalogue served or sent), then the one sent declared.
 * false with the answer in out (422 for a name no catalogue has, 500). */
static bool study_reforms(job *a, const mc_catalogue *sent, const char **names, size_t nnames,
                          const mc_reform ***reforms, size_t *n, api_response *out)
{
    const mc_catalogue *cat = sent != NULL ? sent : a->cat;
    *n = 0;
    *reforms = calloc(nnames + 2, sizeof **reforms);
    if (*reforms == NULL) {
        api_error_msg(out, 500, "internal", "api.oom", 0);
        return false;
    }
    for (size_t i = 0; i < nnames; i++) {
        if (((*reforms)[(*n)++] = mc_catalogue_reform(cat, names[i])) == NULL) {
            api_error_msg(out, 422, "unprocessable", "api.study-unknown-reform", 1, names[i]);
            return false;
        }
    }
    if (sent != NULL) { /* the one reform the text declared, after the named ones */
        size_t nr;
        const mc_reform *const *all = mc_catalogue_reforms(sent, &nr);
        for (size_t i = 0; i < nr; i++) {
            if (mc_catalogue_reform(a->cat, mc_reform_name(all[i])) == NULL) {
                (*reforms)[(*n)++] = all[i];
            }
        }
    }
    return true;
}

/* Whether every member of body is one of keys; false with a 400 of code (its {1} the first
 * unknown member) in out. */
static bool known_keys(json_t *body, const char *const *keys, size_t n, const char *code,
                       api_response *out)
{
    const char *k;
    json_t *x;
    json_object_foreach(body, k, x)
    {
        size_t i = 0;
        while (i < n && strcmp(keys[i], k) != 0) {
            i++;
        }
        if (i == n) {
            api_error_msg(out, 400, "bad-request", code, 1, k);
            return false;
        }
    }
    return true;
}

/* Frees the filter lists study_options made in o. */
static void study_filters_free(mc_study_opts *o)
{
    const mc_study_filter *f[] = {&o->agencies, &o->sectors, &o->procedures, &o->codes};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        free((void *)f[i]->items);
    }
}

/* POST /api/cost: a cost study (study.h) of the catalogue served, with the reforms named in
 * "reforms" and, applied after them, the one declared in "reform" (the language's text); the
 * answer is the JSON of `motcua cost --format json` (docs/api.md). */
static void post_cost(job *a, const api_request *rq, api_response *out)
{
    json_t *body = parse_body(rq, out);
    mc_study_opts o = MC_STUDY_OPTS_INIT;
    mc_study_coverage *coverage = NULL;
    const char **names = NULL;
    size_t nnames = 0;
    const char *text = NULL, *date = NULL;
    mc_catalogue *sent = NULL;
    mc_diags *diags = NULL;
    const mc_reform **reforms = NULL;
    mc_study st;
    memset(&st, 0, sizeof st);
    mc_error err;
    mc_error_clear(&err);
    if (body == NULL) {
        goto done;
    }
    if (!known_keys(body, study_keys, sizeof study_keys / sizeof study_keys[0], "api.study-key",
                    out)) {
        goto done;
    }
    if (!opt_strings(body, "reforms", &names, &nnames, out) ||
        !opt_string(body, "reform", &text, out) || !opt_string(body, "date", &date, out)) {
        goto done;
    }
    json_t *attribute = json_object_get(body, "attribute");
    if (attribute != NULL && !json_is_boolean(attribute)) {
        api_error_msg(out, 400, "bad-request", "api.member-boolean", 1, "attribute");
        goto done;
    }
    char why[200];
    o.date = mc_calendar_today(a->cal, now_of(a));
    if (date != NULL && mc_value_date(date, strlen(date), &o.date, why, sizeof why) != 0) {
        api_error_msg(out, 400, "bad-request", "api.study-date", 0);
        goto done;
    }
    if (!sent_reform(a, text, &sent, &diags, out)) {
        goto done;
    }
    const mc_catalogue *cat = sent != NULL ? sent : a->cat;
    if (!study_options(body, cat, &o, &coverage, out) ||
        !study_reforms(a, sent, names, nnames, &reforms, &o.nreforms, out)) {
        goto done;
    }
    o.reforms = reforms;
    o.attribute = o.nreforms > 0 && (attribute == NULL || json_is_true(attribute));
    int rc = mc_study_run(&st, cat, a->rules, &o, &err);
    if (rc == 0 && o.attribute && st.nchanges > API_STUDY_MAX_CHANGES) {
        char most[16];
        snprintf(most, sizeof most, "%d", API_STUDY_MAX_CHANGES);
        api_error_msg(out, 422, "unprocessable", "api.study-changes", 1, most);
        goto done;
    }
    if (rc == MC_ENOMEM) {
        api_error_msg(out, 500, "internal", "api.oom", 0);
        goto done;
    }
    if (rc != 0) {
        api_error_msg(out, 422, "unprocessable", "api.study-failed", 1, err.msg);
        goto done;
    }
    char day[11], *label = NULL;
    mc_date_format(o.date, day);
    size_t size = 1;
    for (size_t i = 0; i < o.nreforms; i++) {
        size += strlen(mc_reform_name(o.reforms[i])) + 3;
    }
    label = calloc(size, 1);
    for (size_t i = 0; label != NULL && i < o.nreforms; i++) {
        strcat(strcat(label, i ? " + " : ""), mc_reform_name(o.reforms[i]));
    }
    const char *labels[] = {label ? label : ""};
    out->body = label ? front_study_json(&st, labels, 1, false, o.by, day) : NULL;
    free(label);
    if (out->body == NULL) {
        api_error_msg(out, 500, "internal", "api.oom", 0);
        goto done;
    }
    out->status = 200;
done:
    mc_study_free(&st);
    free(reforms);
    free(coverage);
    free(names);
    study_filters_free(&o);
    mc_catalogue_free(sent);
    mc_diags_free(diags);
    json_decref(body);
}

static void ep_post_cost(job *a, const principal *p, const api_request *rq, const route_args *arg,
                         api_response *out)
{
    (void)p, (void)arg;
    post_cost(a, rq, out);
}

/* ==== simulations (issue 22) ============================================================== */

/* The bounds of a simulation (docs/api.md, "POST /api/simulate"): the dossiers of one run, the
 * runs, and the dossiers of all runs together, which the time a request holds its engine grows
 * with: a request holds one of the 16 engines all along, and a token may run 4 at once (on the
 * bundled catalogue with three reforms stacked, about 25 µs a dossier and 40 ms a run: 50,000 in
 * all took 0.6 to 1.5 s on a busy machine of 2 cores). A seed is at most what a JavaScript number
 * holds exactly. */
enum {
    API_SIM_DEFAULT_DOSSIERS = 10000,
    API_SIM_MAX_DOSSIERS = 20000,
    API_SIM_MAX_RUNS = 20,
    API_SIM_MAX_WORK = 50000
};
#define API_SIM_MAX_SEED INT64_C(9007199254740991)

/* The members of a simulation's body. */
static const char *const simulate_keys[] = {
    "reforms", "reform", "agency",        "sector",   "procedure", "code", "by",
    "income",  "from",   "count_waiting", "coverage", "dossiers",  "seed", "runs"};

/* Member key of body as a whole number from lo to hi into *v (def when absent): false with a 400
 * of code (its {1} hi) in out. */
static bool opt_count(json_t *body, const char *key, int64_t lo, int64_t hi, int64_t def,
                      int64_t *v, const char *code, api_response *out)
{
    json_t *x = json_object_get(body, key);
    *v = def;
    if (x == NULL) {
        return true;
    }
    if (!json_is_integer(x) || json_integer_value(x) < lo || json_integer_value(x) > hi) {
        char most[24];
        snprintf(most, sizeof most, "%lld", (long long)hi);
        api_error_msg(out, 400, "bad-request", code, 1, most);
        return false;
    }
    *v = json_integer_value(x);
    return true;
}

static bool sim_selects(void *ud, const mc_procedure *p)
{
    return mc_study_selects(ud, p);
}

/* POST /api/simulate: `motcua simulate` of the catalogue served (sim.h), with the reforms named
 * in "reforms" and, applied after them, the one declared in "reform", bounded in dossiers and
 * runs; the answer is the JSON of `motcua simulate --format json` (docs/api.md). */
static void post_simulate(job *a, const api_request *rq, api_response *out)
{
    json_t *body = parse_body(rq, out);
    mc_study_opts so = MC_STUDY_OPTS_INIT;
    mc_sim_opts o = MC_SIM_OPTS_INIT;
    mc_study_coverage *coverage = NULL;
    const char **names = NULL;
    size_t nnames = 0;
    const char *text = NULL, *from = NULL;
    mc_catalogue *sent = NULL, *reformed = NULL;
    mc_diags *diags = NULL;
    const mc_reform **reforms = NULL;
    mc_coverage scov;
    memset(&scov, 0, sizeof scov);
    mc_cost_model model;
    char **sensitivity = NULL;
    size_t nsensitivity = 0;
    front_sim_runs runs = {0, 0, {NULL, NULL}};
    mc_sim_result base, ref;
    memset(&base, 0, sizeof base);
    memset(&ref, 0, sizeof ref);
    mc_study st;
    memset(&st, 0, sizeof st);
    mc_error err;
    mc_error_clear(&err);
    int rc = 0;
    if (body == NULL) {
        goto done;
    }
    if (!known_keys(body, simulate_keys, sizeof simulate_keys / sizeof simulate_keys[0],
                    "api.simulate-key", out)) {
        goto done;
    }
    int64_t dossiers, seed, nruns;
    if (!opt_strings(body, "reforms", &names, &nnames, out) ||
        !opt_string(body, "reform", &text, out) || !opt_string(body, "from", &from, out) ||
        !opt_count(body, "dossiers", 1, API_SIM_MAX_DOSSIERS, API_SIM_DEFAULT_DOSSIERS, &dossiers,
                   "api.simulate-dossiers", out) ||
        !opt_count(body, "runs", 1, API_SIM_MAX_RUNS, 1, &nruns, "api.simulate-runs", out) ||
        !opt_count(body, "seed", 0, API_SIM_MAX_SEED, 1, &seed, "api.simulate-seed", out)) {
        goto done;
    }
    if (dossiers * nruns > API_SIM_MAX_WORK) {
        char asked[24], most[24];
        snprintf(asked, sizeof asked, "%lld", (long long)(dossiers * nruns));
        snprintf(most, sizeof most, "%d", API_SIM_MAX_WORK);
        api_error_msg(out, 400, "bad-request", "api.simulate-work", 2, asked, most);
        goto done;
    }
    char why[200];
    o.from = mc_calendar_today(a->cal, now_of(a));
    if (from != NULL && mc_value_date(from, strlen(from), &o.from, why, sizeof why) != 0) {
        api_error_msg(out, 400, "bad-request", "api.simulate-from", 0);
        goto done;
    }
    if (!sent_reform(a, text, &sent, &diags, out)) {
        goto done;
    }
    const mc_catalogue *cat = sent != NULL ? sent : a->cat;
    if (!study_options(body, cat, &so, &coverage, out) ||
        !study_reforms(a, sent, names, nnames, &reforms, &so.nreforms, out)) {
        goto done;
    }
    so.reforms = reforms;
    so.date = o.from;
    const mc_cost_model *declared = mc_catalogue_default_cost_model(cat);
    if (declared == NULL && (so.has_income || so.count_waiting >= 0)) {
        api_error_msg(out, 422, "unprocessable", "api.simulate-no-model", 0);
        goto done;
    }
    /* as cmd_simulate.c: the reforms stacked, the coverage and cost model of the options, what
     * they changed said */
    rc = so.nreforms ? mc_reform_apply_list(cat, reforms, NULL, so.nreforms, &reformed, &err) : 0;
    if (rc == 0) {
        rc = mc_study_coverage_of(&so, cat, &scov, &err);
        o.coverage = so.ncoverage > 0 ? &scov : NULL;
    }
    if (rc == 0 && declared != NULL) {
        mc_study_model(&so, declared, &model);
        o.model = &model;
        rc = mc_study_sensitivity(&so, cat, declared, &sensitivity, &nsensitivity, &err);
    }
    if (rc == 0) {
        rc = front_sim_runs_init(&runs, (size_t)nruns, (uint64_t)seed);
    }
    o.dossiers = dossiers;
    o.selects = sim_selects;
    o.selects_ud = &so;
    for (int64_t i = 0; rc == 0 && i < nruns; i++) {
        mc_sim_result b1, r1, *bp = i == 0 ? &base : &b1, *rp = i == 0 ? &ref : &r1;
        o.seed = (uint64_t)(seed + i);
        rc = reformed ? mc_sim_pair(cat, reformed, a->rules, &o, bp, rp, &err)
                      : mc_sim_run(cat, a->rules, &o, bp, &err);
        if (rc == 0) {
            front_sim_runs_record(&runs, 0, (size_t)i, bp);
            if (reformed) {
                front_sim_runs_record(&runs, 1, (size_t)i, rp);
            }
        }
        if (rc == 0 && i > 0) {
            mc_sim_result_free(&b1);
            if (reformed) {
                mc_sim_result_free(&r1);
            }
        }
    }
    o.seed = (uint64_t)seed;
    if (rc == MC_ENOMEM) {
        api_error_msg(out, 500, "internal", "api.oom", 0);
        goto done;
    }
    if (rc != 0) {
        api_error_msg(out, 422, "unprocessable", "api.simulate-failed", 1, err.msg);
        goto done;
    }
    bool has_cost = false;
    if (declared != NULL) {
        /* motcua cost's exact annual totals on the same catalogue, options and date */
        mc_error quiet;
        rc = mc_study_run(&st, cat, a->rules, &so, &quiet);
        if (rc == MC_ENOMEM) {
            api_error_msg(out, 500, "internal", "api.oom", 0);
            goto done;
        }
        has_cost = rc == 0;
    }
    char day[11];
    mc_date_format(o.from, day);
    const front_sim v = {
        .opts = &o,
        .seed = seed,
        .day = day,
        .cat = cat,
        .reforms = reforms,
        .nreforms = so.nreforms,
        .runs = runs,
        .sensitivity = sensitivity,
        .nsensitivity = nsensitivity,
        .by = so.by,
        .has_cost = has_cost,
        .cost_base = has_cost ? st.totals.all.base : 0,
        .cost_reform = has_cost ? st.totals.all.reform : 0,
    };
    out->body = front_sim_json(&v, &base, reformed ? &ref : NULL);
    if (out->body == NULL) {
        api_error_msg(out, 500, "internal", "api.oom", 0);
        goto done;
    }
    out->status = 200;
done:
    mc_study_free(&st);
    mc_sim_result_free(&base);
    mc_sim_result_free(&ref);
    front_sim_runs_free(&runs);
    mc_study_lines_free(sensitivity, nsensitivity);
    mc_coverage_free(&scov);
    mc_catalogue_free(reformed);
    free(reforms);
    free(coverage);
    free(names);
    study_filters_free(&so);
    mc_catalogue_free(sent);
    mc_diags_free(diags);
    json_decref(body);
}

static void ep_post_simulate(job *a, const principal *p, const api_request *rq,
                             const route_args *arg, api_response *out)
{
    (void)p, (void)arg;
    post_simulate(a, rq, out);
}

/* The endpoints of docs/api.md. A path that matches one of them with another method is 405; a
 * path whose "{id}" segment is not a dossier id is 404 naming it; any other is 404. */
static const endpoint endpoints[] = {
    {"GET", "/api/health", ep_health, true},
    {"GET", "/api/health/live", ep_live, true},
    {"GET", "/api/health/ready", ep_ready, true},
    {"GET", "/metrics", ep_metrics, false},
    {"GET", "/api/whoami", ep_whoami, false},
    {"GET", "/api/procedures", ep_procedures, false},
    {"POST", "/api/dossiers", ep_post_dossier, false},
    {"POST", "/api/dossiers/preview", ep_post_preview, false},
    {"GET", "/api/dossiers", ep_get_list, false},
    {"GET", "/api/dossiers/{id}", ep_get_dossier, false},
    {"POST", "/api/dossiers/{id}/events", ep_post_event, false},
    {"POST", "/api/dossiers/{id}/apology", ep_post_apology, false},
    {"GET", "/api/dossiers/{id}/explain", ep_get_explain, false},
    {"GET", "/api/registries/records", ep_get_records, false},
    {"POST", "/api/registries/{registry}/records", ep_post_records, false},
    {"GET", "/api/indicators", ep_get_indicators, false},
    {"POST", "/api/cost", ep_post_cost, false},
    {"POST", "/api/simulate", ep_post_simulate, false},
    {"GET", "/api/track", ep_track, true},
};
enum { NENDPOINTS = sizeof endpoints / sizeof endpoints[0] };

/* Reads s[0..n) as a dossier id: digits only, no leading zero, at most INT64_MAX. */
static bool parse_id(const char *s, size_t n, int64_t *id)
{
    int64_t v = 0;
    if (n == 0 || s[0] == '0') {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        int digit = s[i] - '0';
        if (v > (INT64_MAX - digit) / 10) {
            return false;
        }
        v = v * 10 + digit;
    }
    *id = v;
    return true;
}

enum { MATCH_NO, MATCH_YES, MATCH_BAD_ID };

/* Whether path (as sent: nothing decoded) matches pattern, filling arg: MATCH_BAD_ID when it
 * matches up to an "{id}" segment that is not a dossier id. A parameter is one whole segment. */
static int path_match(const char *pattern, const char *path, route_args *arg)
{
    const char *p = pattern, *s = path;
    while (*p != '\0') {
        size_t n = strcspn(s, "/");
        if (strncmp(p, "{id}", 4) == 0) {
            if (!parse_id(s, n, &arg->id)) {
                return MATCH_BAD_ID;
            }
            p += 4;
            s += n;
        } else if (strncmp(p, "{registry}", 10) == 0) {
            if (n == 0 || n >= sizeof arg->registry) {
                return MATCH_NO;
            }
            memcpy(arg->registry, s, n);
            arg->registry[n] = '\0';
            p += 10;
            s += n;
        } else if (*p == *s) {
            p++;
            s++;
        } else {
            return MATCH_NO;
        }
    }
    return *s == '\0' ? MATCH_YES : MATCH_NO;
}

/* The methods of HTTP (RFC 9110, and PATCH): one of them on an endpoint that does not take it
 * is 405; a method HTTP does not define is 404 like an unknown path. */
static bool http_method(const char *method)
{
    static const char *const known[] = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                        "CONNECT", "OPTIONS", "TRACE", "PATCH"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (strcmp(method, known[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* The endpoint of rq, with its parameters in *arg; NULL after a 404 or 405 in out. */
static const endpoint *find_endpoint(const api_request *rq, route_args *arg, api_response *out)
{
    bool path_known = false, bad_id = false;
    for (size_t i = 0; i < NENDPOINTS; i++) {
        int m = path_match(endpoints[i].path, rq->path, arg);
        if (m == MATCH_YES && strcmp(endpoints[i].method, rq->method) == 0) {
            return &endpoints[i];
        }
        path_known = path_known || m == MATCH_YES;
        bad_id = bad_id || m == MATCH_BAD_ID;
    }
    if (bad_id && !path_known) {
        api_error_msg(out, 404, "not-found", "api.not-a-dossier", 1, rq->path);
    } else if (path_known && http_method(rq->method)) {
        api_error_msg(out, 405, "method", "api.method", 2, rq->method, rq->path);
    } else {
        api_error_msg(out, 404, "not-found", "api.no-endpoint", 2, rq->method, rq->path);
    }
    return NULL;
}

/* The index in a->metrics of endpoint e: the endpoints are its routes 1 to NENDPOINTS, in order
 * (api_init). */
static size_t route_of(const endpoint *e)
{
    return e != NULL ? (size_t)(e - endpoints) + 1 : 0;
}

/* A public endpoint that rq names, or NULL. */
static const endpoint *find_public(const api_request *rq, route_args *arg)
{
    for (size_t i = 0; i < NENDPOINTS; i++) {
        if (endpoints[i].public && strcmp(endpoints[i].method, rq->method) == 0 &&
            path_match(endpoints[i].path, rq->path, arg) == MATCH_YES) {
            return &endpoints[i];
        }
    }
    return NULL;
}

/* The console's files and the citizen's tracking page (console/, compiled in by tools/embed.c). */
extern const unsigned char console_html[], console_css[], console_js[];
extern const size_t console_html_len, console_css_len, console_js_len;
extern const unsigned char track_html[], track_css[], track_js[];
extern const size_t track_html_len, track_css_len, track_js_len;

static bool console_file(const char *path, api_response *out)
{
    static const struct {
        const char *path;
        const unsigned char *data;
        const size_t *len;
        const char *type;
    } files[] = {
        {"/", console_html, &console_html_len, "text/html; charset=utf-8"},
        {"/index.html", console_html, &console_html_len, "text/html; charset=utf-8"},
        {"/console.css", console_css, &console_css_len, "text/css; charset=utf-8"},
        {"/console.js", console_js, &console_js_len, "text/javascript; charset=utf-8"},
        {"/tra-cuu", track_html, &track_html_len, "text/html; charset=utf-8"},
        {"/tra-cuu/", track_html, &track_html_len, "text/html; charset=utf-8"},
        {"/tra-cuu.css", track_css, &track_css_len, "text/css; charset=utf-8"},
        {"/tra-cuu.js", track_js, &track_js_len, "text/javascript; charset=utf-8"},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        if (strcmp(path, files[i].path) == 0) {
            out->status = 200;
            out->raw = files[i].data;
            out->raw_len = *files[i].len;
            out->content_type = files[i].type;
            return true;
        }
    }
    return false;
}

/* Answers rq in lang (api_handle). */
static void handle(api *a, const api_request *rq, mc_lang lang, api_response *out)
{
    memset(out, 0, sizeof *out);
    out->status = 500;
    bool get = strcmp(rq->method, "GET") == 0;
    if (get && console_file(rq->path, out)) {
        return;
    }
    route_args arg;
    const endpoint *public = find_public(rq, &arg);
    if (public != NULL) {
        out->route = route_of(public);
        pthread_mutex_lock(&a->pool_lock); /* a reload may be swapping the catalogue */
        job pub = {.api = a, .cat = a->cat, .cal = a->cal, .lang = lang};
        pthread_mutex_unlock(&a->pool_lock);
        public->run(&pub, NULL, rq, &arg, out);
        return;
    }
    if (strncmp(rq->path, "/api/", 5) != 0 && strcmp(rq->path, "/metrics") != 0) {
        api_error_msg(out, 404, "not-found", "api.no-path", 1, rq->path);
        return;
    }
    if (atomic_load(&a->stopping)) {
        api_error_msg(out, 503, "unavailable", "api.stopping", 0);
        out->retry_after = API_RETRY_AFTER_S;
        return;
    }
    /* The request keeps the tokens it authenticated with to its end, whatever a reload does
     * meanwhile: its principal lives in them. */
    pthread_mutex_lock(&a->pool_lock);
    api_tokens *ts = a->tokens;
    ts->refs++;
    pthread_mutex_unlock(&a->pool_lock);
    const principal *p = authenticate(ts, rq, out);
    if (p != NULL) {
        snprintf(out->actor, sizeof out->actor, "%s", p->actor);
    }
    job j = {a, NULL, NULL, NULL, NULL, NULL, "", lang}; /* cat, cal, rules with the engine */
    if (p == NULL || !scope_key(&j, p, rq, out)) {
        pthread_mutex_lock(&a->pool_lock);
        tokens_release(ts);
        pthread_mutex_unlock(&a->pool_lock);
        return;
    }
    /* A token may have a few requests running at once; one engine per request. */
    pthread_mutex_lock(&a->pool_lock);
    bool over = ts->running[p->index] >= API_TOKEN_CONCURRENCY;
    size_t slot = 0;
    if (over) {
        tokens_release(ts);
    } else {
        ts->running[p->index]++;
        while (true) {
            for (slot = 0; !a->swapping && slot < a->nengines && a->taken[slot]; slot++) {
            }
            if (!a->swapping && slot < a->nengines) {
                break;
            }
            pthread_cond_wait(&a->pool_free, &a->pool_lock);
        }
        a->taken[slot] = true;
        /* The catalogue of the engine taken: a reload swaps both while no engine is taken. */
        j.cat = a->cat;
        j.cal = a->cal;
    }
    pthread_mutex_unlock(&a->pool_lock);
    if (over) {
        char most[16];
        snprintf(most, sizeof most, "%d", API_TOKEN_CONCURRENCY);
        api_error_msg(out, 429, "too-many-requests", "api.token-busy", 1, most);
        out->retry_after = API_RETRY_AFTER_S;
        return;
    }
    j.engine = a->engines[slot];
    j.rules = a->rules[slot];
    const endpoint *e = find_endpoint(rq, &arg, out);
    out->route = route_of(e);
    if (e != NULL) {
        e->run(&j, p, rq, &arg, out);
    }
    pthread_mutex_lock(&a->pool_lock);
    a->taken[slot] = false;
    ts->running[p->index]--;
    tokens_release(ts);
    /* Every waiter: a reload waits for all the engines, a request for one. */
    pthread_cond_broadcast(&a->pool_free);
    pthread_mutex_unlock(&a->pool_lock);
    if (out->body == NULL) {
        api_error_msg(out, 500, "internal", "api.oom", 0);
    }
}

void api_handle(api *a, const api_request *rq, api_response *out)
{
    mc_lang lang = mc_msg_accept_language(rq->accept_language);
    handle(a, rq, lang, out);
    if (out->body != NULL && out->status >= 400) {
        api_localize(out, lang);
        if (out->body == NULL) {
            api_error_msg(out, 500, "internal", "api.oom", 0);
        }
    }
}

/* ==== the API's state ===================================================================== */

int api_init(api *a, size_t n, mc_error *err)
{
    a->nengines = n;
    a->engines = calloc(n, sizeof *a->engines);
    a->rules = calloc(n, sizeof *a->rules);
    a->taken = calloc(n, sizeof *a->taken);
    atomic_init(&a->stopping, false);
    pthread_mutex_init(&a->pool_lock, NULL);
    pthread_cond_init(&a->pool_free, NULL);
    pthread_mutex_init(&a->write_lock, NULL);
    metrics_init(&a->metrics);
    for (size_t i = 0; i < NENDPOINTS; i++) {
        metrics_route(&a->metrics, endpoints[i].method, endpoints[i].path);
    }
    a->track_limit = malloc(sizeof *a->track_limit);
    if (a->track_limit != NULL) {
        ratelimit_init(a->track_limit, API_TRACK_LIMIT, API_TRACK_WINDOW_S);
    }
    if (a->engines == NULL || a->rules == NULL || a->taken == NULL || a->track_limit == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    return 0;
}

void api_give_registries(const api *a, mc_engine *e)
{
    if (a->registries == NULL) {
        return;
    }
    mc_registry_client rc = mc_connect_client(a->registries);
    /* Tests shorten the minute before a waiting registry is asked again (1 to 60 s). */
    const char *first = getenv("MOTCUA_TEST_REGISTRY_RETRY_S");
    long v = first != NULL ? atol(first) : 0;
    rc.retry_first_s = v >= 1 && v <= 60 ? v : 0;
    mc_engine_set_registry_client(e, &rc);
}

void api_set_engine(api *a, size_t i, mc_engine *e, mc_rules *rules)
{
    mc_engine_set_gate(e, gate_enter, gate_leave, a);
    api_give_registries(a, e);
    a->engines[i] = e;
    a->rules[i] = rules;
}

void api_set_group(api *a, mc_store_group *g)
{
    a->group = g;
    for (size_t i = 0; i < a->nengines; i++) {
        mc_store_set_group(mc_engine_store(a->engines[i]), g);
    }
}

int api_swap_catalogue(api *a, mc_catalogue *cat, mc_rules **rules, mc_error *err)
{
    pthread_mutex_lock(&a->pool_lock);
    /* Room for the catalogue a reload loaded before, kept to the end (the first is serve's). */
    mc_catalogue **old = a->owned_cat == NULL
                             ? a->old_cats
                             : realloc(a->old_cats, (a->nold_cats + 1) * sizeof *a->old_cats);
    if (old == NULL && a->owned_cat != NULL) {
        pthread_mutex_unlock(&a->pool_lock);
        for (size_t i = 0; i < a->nengines; i++) {
            mc_rules_free(rules[i]);
        }
        mc_catalogue_free(cat);
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    a->old_cats = old;
    /* New requests wait from now on; those running finish on the catalogue they started with. */
    a->swapping = true;
    while (true) {
        size_t busy = 0;
        for (size_t i = 0; i < a->nengines; i++) {
            busy += a->taken[i];
        }
        if (busy == 0) {
            break;
        }
        pthread_cond_wait(&a->pool_free, &a->pool_lock);
    }
    for (size_t i = 0; i < a->nengines; i++) {
        mc_engine_set_catalogue(a->engines[i], cat, rules[i]);
        mc_rules_free(a->rules[i]);
        a->rules[i] = rules[i];
    }
    if (a->owned_cat != NULL) {
        a->old_cats[a->nold_cats++] = a->owned_cat;
    }
    a->owned_cat = cat;
    a->cat = cat;
    a->cal = mc_catalogue_default_calendar(cat) ? mc_catalogue_default_calendar(cat)
                                                : mc_calendar_builtin();
    a->swapping = false;
    pthread_cond_broadcast(&a->pool_free);
    pthread_mutex_unlock(&a->pool_lock);
    return 0;
}

void api_stop(api *a)
{
    atomic_store(&a->stopping, true);
    /* A running rule ends at its next check instead of at its deadline. */
    for (size_t i = 0; a->rules != NULL && i < a->nengines; i++) {
        if (a->rules[i] != NULL) {
            mc_rules_interrupt(a->rules[i]);
        }
    }
}

void api_free(api *a)
{
    for (size_t i = 0; a->engines != NULL && i < a->nengines; i++) {
        mc_engine_close(a->engines[i]);
        mc_rules_free(a->rules ? a->rules[i] : NULL);
    }
    mc_store_group_close(a->group);
    mc_connect_free(a->registries);
    a->registries = NULL;
    free(a->engines);
    free(a->rules);
    free(a->taken);
    tokens_release(a->tokens);
    a->tokens = NULL;
    for (size_t i = 0; i < a->nold_cats; i++) {
        mc_catalogue_free(a->old_cats[i]);
    }
    free(a->old_cats);
    mc_catalogue_free(a->owned_cat);
    pthread_mutex_destroy(&a->pool_lock);
    pthread_cond_destroy(&a->pool_free);
    pthread_mutex_destroy(&a->write_lock);
    metrics_free(&a->metrics);
    if (a->track_limit != NULL) {
        ratelimit_free(a->track_limit);
        free(a->track_limit);
        a->track_limit = NULL;
    }
}

/* ==== metrics ============================================================================= */

/* The counts of open dossiers, as they come from the store (mc_store_dossier_counts). */
typedef struct dossier_counts {
    metrics_dossier_count *c;
    size_t n, cap;
} dossier_counts;

static int keep_count(void *ud, const char *procedure, const char *state, int64_t open,
                      int64_t overdue)
{
    dossier_counts *d = ud;
    if (mc_grow(&d->c, &d->cap, d->n + 1, sizeof *d->c) != 0) {
        return MC_ENOMEM;
    }
    metrics_dossier_count *c = &d->c[d->n];
    c->procedure = strdup(procedure);
    c->state = strdup(state);
    c->open = open;
    c->overdue = overdue;
    c->uncovered = 0;
    d->n++;
    return c->procedure == NULL || c->state == NULL ? MC_ENOMEM : 0;
}

/* The first instant after the years cal covers (UTC), or MC_NONE when it does not say which
 * years it covers (the built-in calendar never does): a due instant from then on is flagged
 * uncovered, as `show` and the API flag it (mc_dossier.uncovered). */
static int64_t uncovered_from(const mc_calendar *cal)
{
    if (cal == NULL || cal->first_year == 0) {
        return MC_NONE;
    }
    return mc_calendar_to_utc(cal, (mc_localtime)mc_date_from_ymd(cal->last_year + 1, 1, 1) *
                                       MC_DAY_SECONDS);
}

/* The open dossiers' counts, and the catalogue and date that tell each procedure's calendar,
 * while the dossiers due past their calendar's years are counted (keep_uncovered). */
typedef struct uncovered_count {
    dossier_counts *d;
    const mc_catalogue *cat;
    mc_date today;
    int64_t from; /* the instant of this query: only procedures whose calendar ends there count */
} uncovered_count;

static int64_t procedure_uncovered_from(const uncovered_count *u, const char *procedure)
{
    const mc_procedure *p = mc_catalogue_procedure(u->cat, procedure, u->today);
    return p == NULL ? MC_NONE : uncovered_from(p->calendar);
}

static int keep_uncovered(void *ud, const char *procedure, int64_t open)
{
    uncovered_count *u = ud;
    if (procedure_uncovered_from(u, procedure) != u->from) {
        return 0; /* another calendar's: counted by the query of its own instant */
    }
    for (size_t i = 0; i < u->d->n; i++) {
        if (strcmp(u->d->c[i].procedure, procedure) == 0) {
            u->d->c[i].uncovered = open; /* on the procedure's first pair */
            break;
        }
    }
    return 0;
}

/* The dossiers due past their calendar's years: one query of the store per distinct instant
 * at which the procedures' calendars stop covering (a catalogue has a few calendars), each a
 * range of an index that reads only the dossiers due from then on. */
static int count_uncovered(mc_engine *e, const mc_catalogue *cat, mc_date today, dossier_counts *d,
                           mc_error *err)
{
    int64_t done[16];
    size_t ndone = 0;
    uncovered_count u = {d, cat, today, MC_NONE};
    for (size_t i = 0; i < d->n; i++) {
        u.from = procedure_uncovered_from(&u, d->c[i].procedure);
        bool seen = u.from == MC_NONE;
        for (size_t k = 0; k < ndone && !seen; k++) {
            seen = done[k] == u.from;
        }
        if (seen) {
            continue;
        }
        if (ndone < sizeof done / sizeof done[0]) {
            done[ndone++] = u.from;
        }
        int rc = mc_store_dossier_due_from(mc_engine_store(e), u.from, keep_uncovered, &u, err);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* What count_dossiers counts with: the API (its catalogue and clock) and an engine of its pool
 * (its store). */
typedef struct dossier_source {
    api *a;
    mc_engine *e;
} dossier_source;

/* metrics_dossiers' make: one grouped query on the engine's store, and the few of
 * count_uncovered. */
static int count_dossiers(void *ud, mc_buf *text)
{
    api *a = ((dossier_source *)ud)->a;
    mc_engine *e = ((dossier_source *)ud)->e;
    dossier_counts d = {NULL, 0, 0};
    mc_error err;
    int rc = mc_store_dossier_counts(mc_engine_store(e), keep_count, &d, &err);
    if (rc == 0) {
        int64_t now = a->fixed_now != MC_NONE ? a->fixed_now : (int64_t)time(NULL);
        rc = count_uncovered(e, a->cat, mc_calendar_today(a->cal, now), &d, &err);
    }
    if (rc == 0) {
        metrics_render_dossiers(d.c, d.n, text);
    }
    for (size_t i = 0; i < d.n; i++) {
        free((char *)(uintptr_t)d.c[i].procedure);
        free((char *)(uintptr_t)d.c[i].state);
    }
    mc_free(d.c);
    return rc;
}

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The text of /metrics, with e (an engine of the pool the caller holds) for the store's
 * queries. */
static void metrics_with(api *a, mc_engine *e, mc_buf *t)
{
    metrics_render(&a->metrics, t);
    if (a->registries != NULL) {
        mc_connect_stat st[METRICS_REGISTRIES_MAX];
        size_t n = mc_connect_stats(a->registries, st, METRICS_REGISTRIES_MAX);
        metrics_render_registries(st, n < METRICS_REGISTRIES_MAX ? n : METRICS_REGISTRIES_MAX, t);
        deliver_render_pending(a->deliver, st,
                               n < METRICS_REGISTRIES_MAX ? n : METRICS_REGISTRIES_MAX, t);
    }
    if (a->group != NULL) {
        mc_store_group_stats g;
        mc_store_group_stats_get(a->group, &g);
        mc_buf_printf(t,
                      "# HELP motcua_store_commits_total Group commits of the SQLite store.\n"
                      "# TYPE motcua_store_commits_total counter\n"
                      "motcua_store_commits_total %llu\n"
                      "# HELP motcua_store_operations_total Operations those commits carried.\n"
                      "# TYPE motcua_store_operations_total counter\n"
                      "motcua_store_operations_total %llu\n"
                      "# HELP motcua_store_failed_total Operations failed by their batch.\n"
                      "# TYPE motcua_store_failed_total counter\n"
                      "motcua_store_failed_total %llu\n"
                      "# HELP motcua_store_queued Operations waiting for the writer now.\n"
                      "# TYPE motcua_store_queued gauge\n"
                      "motcua_store_queued %u\n",
                      (unsigned long long)g.commits, (unsigned long long)g.operations,
                      (unsigned long long)g.failed, g.queued);
    }
    /* The counters of every engine and rules sandbox of the pool, and the scheduler's. */
    metrics_ops o;
    memset(&o, 0, sizeof o);
    for (size_t i = 0; i < a->nengines; i++) {
        mc_engine_stats es;
        mc_engine_stats_get(a->engines[i], &es);
        for (size_t k = 0; k <= MC_REFUSED_OTHER; k++) {
            o.engine.refusals[k] += es.refusals[k];
        }
        o.engine.reruns += es.reruns;
        if (a->rules[i] != NULL) {
            mc_rules_stats rs;
            mc_rules_stats_get(a->rules[i], &rs);
            o.rules.errors += rs.errors;
            o.rules.steps += rs.steps;
            o.rules.memory += rs.memory;
            o.rules.time += rs.time;
        }
    }
    metrics_timer_stats_add(&a->metrics, &o);
    mc_store_waits_get(&o.waits);
    o.store_bytes = -1;
    struct stat sb;
    if (a->store_path != NULL && stat(a->store_path, &sb) == 0) {
        /* The file and its write-ahead log: what the disk holds for it. */
        o.store_bytes = (int64_t)sb.st_size;
        char wal[4096];
        if ((size_t)snprintf(wal, sizeof wal, "%s-wal", a->store_path) < sizeof wal &&
            stat(wal, &sb) == 0) {
            o.store_bytes += (int64_t)sb.st_size;
        }
    } else if (a->store_path == NULL && e != NULL) {
        int64_t bytes;
        if (mc_store_size(mc_engine_store(e), &bytes, NULL) == 0) {
            o.store_bytes = bytes;
        }
    }
    metrics_render_ops(&a->metrics, &o, t);
    /* A store that does not answer leaves the dossiers out: their absence, not a zero, is
     * what an alert on them sees. */
    if (e != NULL) {
        dossier_source src = {a, e};
        metrics_dossiers(&a->metrics, monotonic_ms(), count_dossiers, &src, t);
    }
    mc_buf_printf(t, "# HELP motcua_up Whether the server answers (always 1).\n"
                     "# TYPE motcua_up gauge\n"
                     "motcua_up 1\n");
}

void api_metrics(api *a, mc_buf *t)
{
    /* --metrics-listen's requests hold no engine: this one takes one of the pool, as a request
     * would, for the store's queries. */
    pthread_mutex_lock(&a->pool_lock);
    size_t slot = 0;
    while (true) {
        for (slot = 0; slot < a->nengines && a->taken[slot]; slot++) {
        }
        if (slot < a->nengines) {
            break;
        }
        pthread_cond_wait(&a->pool_free, &a->pool_lock);
    }
    a->taken[slot] = true;
    pthread_mutex_unlock(&a->pool_lock);
    metrics_with(a, a->engines[slot], t);
    pthread_mutex_lock(&a->pool_lock);
    a->taken[slot] = false;
    pthread_cond_signal(&a->pool_free);
    pthread_mutex_unlock(&a->pool_lock);
}
