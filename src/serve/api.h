/*
 * The HTTP API of `motcua serve` (docs/api.md), without the HTTP: a request is a method, a
 * path, its query, its Authorization and Idempotency-Key headers and its body; the answer is a
 * status and a JSON body. serve.c puts it on a socket; tests can call it directly. Everything
 * it decides is the engine's (engine.h); what it adds is who may ask: the token's roles, its
 * agency, an applicant's subject.
 */
#ifndef MOTCUA_CLI_API_H
#define MOTCUA_CLI_API_H

#include "motcua/catalogue.h"
#include "motcua/connect.h"
#include "motcua/engine.h"
#include "motcua/msg.h"
#include "motcua/rules.h"
#include "metrics.h"
#include "tokens.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>

enum {
    API_MAX_BODY = 64 * 1024,
    API_MAX_KEY = 200,         /* bytes of an Idempotency-Key */
    API_TOKEN_CONCURRENCY = 4, /* requests one token may have running at once */
    API_RETRY_AFTER_S = 1,     /* what a 429 or 503 tells the client to wait */
};

/* The tokens a request authenticates with: the current set, or one a reload replaced while the
 * request ran (api.c). */
typedef struct api_tokens api_tokens;

/* The API's state, shared by the server's threads. The caller sets cat, cal and fixed_now, then
 * api_init, api_set_tokens and api_set_engine for each engine; api_free undoes it all. */
typedef struct api {
    const mc_catalogue *cat;
    const mc_calendar *cal;
    int64_t fixed_now; /* MC_NONE: the computer's clock */
    api_tokens *tokens; /* the current set (api_set_tokens), under pool_lock */

    /* A pool of engines on the same store, each with its own rules sandbox (a Lua state serves
     * one thread at a time): a request takes one for its duration, so that requests on
     * different dossiers run side by side. SQLite's WAL lets reads go on while one writes. */
    mc_engine **engines;
    mc_rules **rules;
    bool *taken;
    size_t nengines;
    pthread_mutex_t pool_lock;
    pthread_cond_t pool_free;
    /* The engines' write gate (mc_engine_set_gate), held while a transaction writes: this
     * process's writers queue here and are woken at once, instead of polling in SQLite's busy
     * back-off. Reads, and the decisions before an operation's first write, take no lock. */
    pthread_mutex_t write_lock;
    /* On SQLite, group commit (store.h, mc_store_group): the engines' transactions share one
     * writer connection and, when they come together, one COMMIT; the group is their gate, in
     * place of write_lock. NULL on PostgreSQL, whose own group commit serves. */
    mc_store_group *group;
    atomic_bool stopping; /* set by api_stop: new requests are answered 503 */
    /* A catalogue reload (api_swap_catalogue) waiting for the engines to be free: no request
     * takes one meanwhile. The catalogues reloads replaced, kept to the end (a public request
     * may still read the one it started with). Under pool_lock. */
    bool swapping;
    mc_catalogue **old_cats;
    size_t nold_cats;
    mc_catalogue *owned_cat; /* the current one when a reload loaded it (else the caller's) */
    /* The counters of /metrics (metrics.h): serve.c counts each request under out->route. */
    metrics metrics;
    const char *store_path; /* a SQLite store's file, for its size in /metrics, or NULL */
    /* /api/health/ready: whether the store takes a write now (ready.h), or NULL (always). */
    bool (*ready)(void *ud, char *why, size_t n);
    void *ready_ud;
    /* The live registries' connector (connect.h), shared by every engine, or NULL when the
     * configuration names no endpoint: api_set_engine gives it to each engine, api_free frees
     * it, /metrics shows its counters. */
    mc_connect *registries;
    /* The sender of results to those registries (deliver.h), for the pending counts in
     * /metrics, or NULL. Set by serve.c while it runs. */
    struct deliverer *deliver;
} api;

/* Prepares a for n engines. MC_ENOMEM. */
int api_init(api *a, size_t n, mc_error *err);
/* Makes t the tokens that requests from now on authenticate with (owned by a from now on, also
 * when it fails); requests running with the set it replaces finish with it, and the last of
 * them frees it. MC_ENOMEM, with the current set kept. */
int api_set_tokens(api *a, tokens *t, mc_error *err);
/* Gives e the client of a's live registries (nothing when a has none). */
void api_give_registries(const api *a, mc_engine *e);
/* Gives a engine i and the rules it runs (both owned by a from now on). */
void api_set_engine(api *a, size_t i, mc_engine *e, mc_rules *rules);
/* Makes every engine's transactions join g (owned by a from now on), after api_set_engine. */
void api_set_group(api *a, mc_store_group *g);
/* Makes cat (owned by a from now on) the catalogue of the requests that start from now on, and
 * rules[i] (owned) engine i's rules: waits for the requests running to finish (they end on the
 * catalogue they started with; new ones wait meanwhile), then swaps each engine. MC_ENOMEM
 * (nothing swapped, cat and rules freed). */
int api_swap_catalogue(api *a, mc_catalogue *cat, mc_rules **rules, mc_error *err);
/* From now on, requests not yet at the store are answered 503 (the server is stopping), and
 * every rule running or still to run ends at its next check (mc_rules_interrupt). */
void api_stop(api *a);
/* Closes the engines and frees what api_init made and the tokens (not cat or cal). */
void api_free(api *a);

typedef struct api_request {
    const char *method;
    const char *path;            /* as sent, not percent-decoded, without the query */
    const char *authorization;   /* the header, or NULL */
    const char *idempotency_key; /* or NULL */
    const char *accept_language; /* the header, or NULL: the language of the answer's words */
    const char *body;            /* NUL-terminated, or NULL */
    size_t body_len;
    /* query parameters used by the API (NULL when absent) */
    const char *q_state, *q_overdue, *q_document, *q_from, *q_to, *q_subject, *q_agency;
    /* the queue's (GET /api/dossiers) */
    const char *q_limit, *q_cursor, *q_final, *q_procedure, *q_due_before, *q_search;
} api_request;

typedef struct api_response {
    int status;
    json_t *body;    /* owned by the caller */
    int retry_after; /* seconds for a Retry-After header, or 0 */
    /* or a file of the console, served as it is */
    const unsigned char *raw;
    size_t raw_len;
    const char *content_type;
    /* or a text made for this answer (/metrics), owned by the caller: mc_free() */
    char *text;
    size_t text_len;
    /* For the access log and the metrics: the route pattern matched (an index of a->metrics,
     * 0 for none), and the actor of the token (never the token), "" when none. */
    size_t route;
    char actor[64];
} api_response;

/* Answers rq, its error message and the checklist's reasons in the language of rq's
 * Accept-Language (api_localize). Thread-safe: the server calls it from all its threads at
 * once. */
void api_handle(api *a, const api_request *rq, api_response *out);

/* Appends the text of /metrics for a (Prometheus exposition format 0.0.4) to t; t->oom when out
 * of memory. */
void api_metrics(api *a, mc_buf *t);

/* The answer of an error: {"error": code, "message": msg}, msg as written (no code: it stays in
 * English whatever the request's language). An error said to people belongs in the message
 * catalogue: api_error_msg. */
void api_error(api_response *out, int status, const char *code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* The answer of an error said through the message catalogue (msg.h): {"error": error,
 * "message": the English sentence of code with the nargs arguments that follow (const char *),
 * "code": code, "args": [...]}; api_handle then says message in the request's language. */
void api_error_msg(api_response *out, int status, const char *error, const char *code, size_t nargs,
                   ...);

/* Says the message of the error answer in out again in lang, from its "code" and "args" (the
 * catalogue's); an answer without them, or in English, stays as it is. serve.c calls it for the
 * answers it makes itself, api_handle for its own. */
void api_localize(api_response *out, mc_lang lang);

#endif
