/*
 * The access log (access.h): a read becomes one entry of the store's `access` chain, its body
 * the canonical JSON of the read (sorted keys), its subject kept beside for lookups. It works
 * on the store alone, below the dossier: mce_save logs a dossier's once-only reads here, and
 * dossier.c's mc_engine_log_access and mc_engine_log_read, which load a dossier, call it.
 */
#include "motcua/access.h"

#include "motcua/alloc.h"

#include "engine_int.h"

#include "base/json.h"

#include <jansson.h>

#include <stdlib.h>
#include <string.h>

int mc_access_record(mc_store *st, const mc_access *a, mc_error *err)
{
    if (a->actor == NULL || a->route == NULL || a->actor[0] == '\0' || a->route[0] == '\0') {
        return mc_error_set(err, MC_EUSAGE, "access log: a read needs an actor and a route");
    }
    char subject[256];
    const char *who = a->subject;
    if (who == NULL && a->dossier != 0) {
        int found = mc_store_dossier_subject(st, a->dossier, subject, sizeof subject, err);
        if (found < 0) {
            return found;
        }
        if (found == 0) {
            return mc_error_set(err, MC_ENOTFOUND, "unknown dossier %lld", (long long)a->dossier);
        }
        who = subject[0] ? subject : NULL;
    }
    json_t *o = json_pack("{s:I, s:s, s:s, s:I, s:s?, s:s?, s:s?, s:s?, s:s?}", "at",
                          (json_int_t)a->at, "actor", a->actor, "route", a->route, "dossier",
                          (json_int_t)a->dossier, "subject", who, "registry", a->registry, "party",
                          a->party, "request", a->request, "outcome", a->outcome);
    char *body = o ? mc_json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    if (body == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    int rc = mc_store_ledger_append(st, MC_CHAIN_ACCESS, who, body, err);
    mc_free(body);
    return rc;
}

int mce_access_dossier_read(mc_store *st, const mc_access *a, const char *subject,
                            const mc_procedure *p, const char *const *values, mc_error *err)
{
    mc_access first = *a;
    first.subject = subject;
    int rc = mc_access_record(st, &first, err);
    for (size_t k = 1; rc == 0 && k < p->nparties; k++) {
        mc_access b = *a;
        b.subject = mc_party_value(p, k, values);
        b.party = p->parties[k].name;
        rc = b.subject != NULL ? mc_access_record(st, &b, err) : 0;
    }
    return rc;
}

int mce_log_reads(mc_store *st, const mce_dos *d, mc_error *err)
{
    size_t n = json_array_size(d->reads);
    if (st == NULL || n == 0) {
        return 0;
    }
    /* at and by whom: the operation's, which its last event records; the user who asked for
     * it (a token's name) before the role it acted in */
    json_t *ev = json_array_get(d->events, json_array_size(d->events) - 1);
    const char *role = json_string_value(json_object_get(ev, "actor"));
    mc_access a = {.at = json_integer_value(json_object_get(ev, "at")),
                   .actor = d->user ? d->user
                            : role  ? role
                                    : "motcua",
                   .route = "once-only",
                   .dossier = d->row.id};
    for (size_t i = 0; i < n; i++) {
        json_t *r = json_array_get(d->reads, i);
        a.subject = json_string_value(json_object_get(r, "subject"));
        a.registry = json_string_value(json_object_get(r, "registry"));
        a.party = json_string_value(json_object_get(r, "party"));
        const char *route = json_string_value(json_object_get(r, "route"));
        a.route = route != NULL ? route : "once-only";
        a.request = json_string_value(json_object_get(r, "request"));
        a.outcome = json_string_value(json_object_get(r, "outcome"));
        int rc = mc_access_record(st, &a, err);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

typedef struct each_state {
    int (*fn)(void *ud, int64_t seq, const mc_access *a);
    void *ud;
    mc_error *err;
} each_state;

static int one(void *ud, int64_t seq, const char *body)
{
    each_state *s = ud;
    json_t *o;
    if (mc_json_loads(body ? body : "", 0, &o) == MC_ENOMEM) {
        return mc_error_set(s->err, MC_ENOMEM, "out of memory");
    }
    mc_access a = {0, "?", "?", 0, NULL, NULL, NULL, NULL, NULL};
    if (o != NULL) {
        a.at = json_integer_value(json_object_get(o, "at"));
        a.actor = json_string_value(json_object_get(o, "actor"));
        a.route = json_string_value(json_object_get(o, "route"));
        a.dossier = json_integer_value(json_object_get(o, "dossier"));
        a.subject = json_string_value(json_object_get(o, "subject"));
        a.registry = json_string_value(json_object_get(o, "registry"));
        a.party = json_string_value(json_object_get(o, "party"));
        a.request = json_string_value(json_object_get(o, "request"));
        a.outcome = json_string_value(json_object_get(o, "outcome"));
    }
    int rc = s->fn(s->ud, seq, &a);
    json_decref(o);
    return rc;
}

int mc_access_each(mc_store *st, const char *subject,
                   int (*fn)(void *ud, int64_t seq, const mc_access *a), void *ud, mc_error *err)
{
    each_state s = {fn, ud, err};
    return mc_store_ledger_each(st, MC_CHAIN_ACCESS, subject, one, &s, err);
}
