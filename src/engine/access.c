/*
 * The access log (access.h): a read becomes one entry of the store's `access` chain, its body
 * the canonical JSON of the read (sorted keys), its subject kept beside for lookups.
 */
#include "motcua/access.h"

#include "motcua/alloc.h"

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
    json_t *o = json_pack("{s:I, s:s, s:s, s:I, s:s?, s:s?}", "at", (json_int_t)a->at, "actor",
                          a->actor, "route", a->route, "dossier", (json_int_t)a->dossier, "subject",
                          who, "registry", a->registry);
    char *body = o ? mc_json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    if (body == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    int rc = mc_store_ledger_append(st, MC_CHAIN_ACCESS, who, body, err);
    mc_free(body);
    return rc;
}

int mc_engine_log_access(mc_engine *e, const mc_access *a, mc_error *err)
{
    mc_store *st = mc_engine_store(e);
    if (st == NULL) {
        return mc_error_set(err, MC_EUSAGE, "access log: the engine has no store");
    }
    return mc_access_record(st, a, err);
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
    mc_access a = {0, "?", "?", 0, NULL, NULL};
    if (o != NULL) {
        a.at = json_integer_value(json_object_get(o, "at"));
        a.actor = json_string_value(json_object_get(o, "actor"));
        a.route = json_string_value(json_object_get(o, "route"));
        a.dossier = json_integer_value(json_object_get(o, "dossier"));
        a.subject = json_string_value(json_object_get(o, "subject"));
        a.registry = json_string_value(json_object_get(o, "registry"));
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
