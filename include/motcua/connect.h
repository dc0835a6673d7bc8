/*
 * The live registries' HTTPS connector (issue 20; docs/registries.md): an mc_registry_client
 * (engine.h) that asks each registry's endpoint, over HTTPS with a client certificate (mutual
 * TLS), the look-ups of one call in parallel, each within its registry's timeout, and keeps a
 * circuit breaker and counters per registry. One mc_connect may serve several engines on
 * several threads at once: its state is behind a lock per registry.
 */
#ifndef MOTCUA_CONNECT_H
#define MOTCUA_CONNECT_H

#include "motcua/engine.h"
#include "motcua/error.h"
#include "motcua/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where one registry is asked. Strings are copied by mc_connect_new. */
typedef struct mc_registry_endpoint {
    const char *registry;  /* the catalogue's registry name (civil-status) */
    const char *url;       /* https://HOST[:PORT]/PATH: the request is a POST to it as written */
    const char *ca_file;   /* PEM: the authorities the server's certificate must chain to */
    const char *cert_file; /* PEM: motcua's client certificate, or NULL (no mutual TLS) */
    const char *key_file;  /* PEM: its private key (no passphrase), or NULL */
    int64_t timeout_ms;    /* a look-up's whole time: connection, TLS, request and answer */
    const char *client_id; /* the X-Road-Client header: VN/GOV/<agency>/motcua */
    /* this registry's circuit breaker, 0 each for the connector's (mc_connect_opts) */
    unsigned breaker_failures;
    int64_t breaker_open_ms;
} mc_registry_endpoint;

/* The circuit breaker: after `failures` consecutive failures (no answer, an error, an invalid
 * answer) a registry's look-ups are UNAVAILABLE at once for open_ms, then one trial look-up
 * goes: an answer closes the breaker, a failure opens it again. */
typedef struct mc_connect_opts {
    unsigned failures;
    int64_t open_ms;
} mc_connect_opts;
#define MC_CONNECT_OPTS_INIT                                                                       \
    {                                                                                              \
        5, 30000                                                                                   \
    }

typedef struct mc_connect mc_connect;

/* A connector for the n endpoints (one per registry; a registry named twice is MC_EUSAGE, as
 * is an endpoint without a registry, a URL other than https:// or http://, or a timeout not
 * above 0). opts may be NULL (MC_CONNECT_OPTS_INIT). Files are read at each look-up's TLS
 * handshake, not here. Returns 0 and the caller owns *out (mc_connect_free), MC_ENOMEM, or
 * MC_EUSAGE with the message. */
int mc_connect_new(mc_connect **out, const mc_registry_endpoint *eps, size_t n,
                   const mc_connect_opts *opts, mc_error *err);

void mc_connect_free(mc_connect *c);

/* Answers the n look-ups as mc_registry_client.lookup promises (engine.h): all of them at once
 * over HTTPS, each bounded by its registry's timeout (and its deadline_ms when above 0); a
 * look-up that failed before any answer (no connection, none closed without an answer, 502,
 * 503, 504) is sent once more under the same request id when 100 ms of its time remain. A
 * registry without an endpoint, a breaker open, no answer in time, a refused connection, an
 * HTTP status 5xx or 429 or an `error` answer → UNAVAILABLE; an answer that is not the
 * protocol's, another status, or one about another subject → INVALID; each reason one line of
 * the message catalogue (lookup.*, in English) naming the registry, never a secret. Returns 0,
 * or MC_ENOMEM when memory ran out for some look-up (those are UNAVAILABLE with the reason
 * "out of memory asking REGISTRY"; the others are answered). Thread-safe. */
int mc_connect_lookup(mc_connect *c, mc_lookup *q, size_t n, mc_error *err);

/* The client for mc_engine_set_registry_client: c (borrowed) answers through
 * mc_connect_lookup. */
mc_registry_client mc_connect_client(mc_connect *c);

enum { MC_LOOKUP_OUTCOMES = 5 }; /* MC_LOOKUP_FOUND … MC_LOOKUP_INVALID */

/* One registry's counters since mc_connect_new. */
typedef struct mc_connect_stat {
    const char *registry;                 /* borrowed from c */
    uint64_t lookups[MC_LOOKUP_OUTCOMES]; /* by outcome */
    bool open;                            /* the breaker is open (or half-open: a trial goes) */
    uint64_t delivered, failed;           /* results sent (mc_connect_deliver): acknowledged,
                                             and attempts that failed */
} mc_connect_stat;

/* The number of registries c has endpoints for; fills out[0 … min(n, cap)-1] with their
 * counters, in the order of the endpoints. */
size_t mc_connect_stats(mc_connect *c, mc_connect_stat *out, size_t cap);

/* What became of one result sent (mc_connect_deliver). */
typedef struct mc_delivery_answer {
    bool accepted;        /* the registry acknowledged the request id */
    int64_t answered_at;  /* when an answer came (UTC seconds), or 0 */
    char answer_hash[65]; /* BLAKE2b-256 of the answer's body, hex, when one came */
    char reason[256];     /* when not accepted: one line of the message catalogue (deliver.* or
                             lookup.*, in English) naming the registry, never a secret */
} mc_delivery_answer;

/* Sends the result d to its registry's endpoint (docs/registries.md, "Results go back"): a POST
 * of protocol motcua-issue/1 with the same client certificate and headers as a look-up, X-Road-Id
 * being d's request id, within the registry's timeout; the answer 200 {"request_id": d's,
 * "status": "accepted"} acknowledges it (a registry answers accepted again to a request id it
 * has seen: each result is recorded once however often it is sent). Anything else is a failure
 * with its reason in a->reason: no endpoint, no answer in time, no connection, an HTTP status
 * other than 200, an answer that is not the protocol's or about another request, a status other
 * than accepted. The breaker of look-ups is neither asked nor moved: the caller's backoff spaces
 * the attempts. Returns 0 (a->accepted says how it went), or MC_ENOMEM. Thread-safe; blocks up
 * to the registry's timeout. */
int mc_connect_deliver(mc_connect *c, const mc_delivery_row *d, mc_delivery_answer *a,
                       mc_error *err);

/* "found", "not_found", "unavailable", "incomplete", "invalid" (the /metrics label and the
 * protocol's word), or "?" for a value out of range. */
const char *mc_lookup_outcome_name(mc_lookup_outcome o);

#endif
