/* Stores of live registries' look-ups for the suites of measured coverage (test_cost, test_cli):
 * events whose `lookups` say what the engine's proofs say, written through the store's API. */
#ifndef MOTCUA_TESTS_LOOKUPS_H
#define MOTCUA_TESTS_LOOKUPS_H

#include "testutil.h"

#include "motcua/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Appends one event of a new dossier carrying n look-ups of registry/document asked at `at`, the
 * first `found` of them found, as the engine's proofs say them (onceonly.c, proof_of); found < 0:
 * n look-ups the client never sent (no request id). */
static inline void tu_put_lookups(mc_store *st, const char *registry, const char *document, int n, int found,
                        int64_t at)
{
    char *body = malloc(64 + (size_t)n * 200);
    assert_non_null(body);
    strcpy(body, "{\"lookups\":[");
    for (int i = 0; i < n; i++) {
        char request[32] = "";
        if (found >= 0) {
            snprintf(request, sizeof request, ",\"request\":\"R-%d\"", i);
        }
        sprintf(body + strlen(body),
                "%s{\"registry\":\"%s\",\"document\":\"%s\",\"outcome\":\"%s\","
                "\"asked_at\":%lld,\"answered_at\":%lld,\"subject\":\"%d\"%s}",
                i ? "," : "", registry, document,
                i < found   ? "found"
                : found < 0 ? "unavailable"
                            : "not-found",
                (long long)at, (long long)at, i, request);
    }
    strcat(body, "]}");
    mc_dossier_row r;
    memset(&r, 0, sizeof r);
    r.procedure = (char *)"p";
    r.version = (char *)"1";
    r.state = (char *)"a";
    r.channel = (char *)"online";
    r.subject = (char *)"001234567890";
    r.clock = (char *)"stopped";
    r.data = (char *)"{}";
    r.late = -1;
    r.submitted = r.entered = at;
    r.due = r.left = r.finished = r.fee = r.wake = MC_NONE;
    mc_event_row ev;
    memset(&ev, 0, sizeof ev);
    ev.at = at;
    ev.kind = "submit";
    ev.body = body;
    assert_int_equal(mc_store_begin(st, NULL), 0);
    assert_int_equal(mc_store_dossier_insert(st, &r, NULL), 0);
    ev.dossier = r.id;
    assert_int_equal(mc_store_event_append(st, &ev, NULL), 0);
    assert_int_equal(mc_store_commit(st, NULL), 0);
    free(body);
}

#endif
