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
#include "motcua/engine.h"
#include "tokens.h"

#include <jansson.h>
#include <pthread.h>

enum { API_MAX_BODY = 64 * 1024 };

typedef struct api {
    const mc_catalogue *cat;
    mc_engine *engine; /* one store connection: requests take `lock` in turn */
    const mc_calendar *cal;
    const tokens *tokens;
    int64_t fixed_now; /* MC_NONE: the computer's clock */
    pthread_mutex_t lock;
} api;

typedef struct api_request {
    const char *method, *path;
    const char *authorization;   /* the header, or NULL */
    const char *idempotency_key; /* or NULL */
    const char *body;            /* NUL-terminated, or NULL */
    size_t body_len;
    /* query parameters used by the API (NULL when absent) */
    const char *q_state, *q_overdue, *q_document, *q_from, *q_to, *q_subject, *q_agency;
} api_request;

typedef struct api_response {
    int status;
    json_t *body; /* owned by the caller */
    /* or a file of the console, served as it is */
    const unsigned char *raw;
    size_t raw_len;
    const char *content_type;
} api_response;

void api_handle(api *a, const api_request *rq, api_response *out);

/* The answer of an error: {"error": code, "message": msg}. */
void api_error(api_response *out, int status, const char *code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

#endif
