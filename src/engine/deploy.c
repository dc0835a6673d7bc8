/* Deployments (issue 19): which open dossiers of a store a catalogue could not run — their
 * procedure version removed, or the state they are in gone from it — so that deploy-check and
 * serve's start-up refuse that catalogue before any dossier answers with an error. */
#include "engine_int.h"

#include <stdio.h>
#include <string.h>

typedef struct deploy_walk {
    const mc_catalogue *cat;
    int (*fn)(void *ud, const mc_deploy_problem *p);
    void *ud;
    int64_t nopen;
} deploy_walk;

static bool has_state(const mc_procedure *p, const char *state)
{
    for (size_t i = 0; i < p->machine.nstates; i++) {
        if (strcmp(p->machine.states[i]->name, state) == 0) {
            return true;
        }
    }
    return false;
}

static int check_row(void *ud, const mc_dossier_row *row)
{
    deploy_walk *w = ud;
    w->nopen++;
    const char *name = row->procedure ? row->procedure : "";
    const char *version = row->version ? row->version : "";
    const char *state = row->state ? row->state : "";
    char msg[512];
    mc_deploy_problem pb = {.dossier = row->id,
                            .procedure = name,
                            .version = version,
                            .state = state,
                            .message = msg};
    const mc_procedure *p = mce_find_version(w->cat, name, version);
    if (p == NULL) {
        pb.kind = MC_DEPLOY_VERSION_GONE;
        snprintf(msg, sizeof msg,
                 "dossier %lld: procedure '%s' version '%s' is not in the catalogue (the dossier "
                 "is open in state '%s')",
                 (long long)row->id, name, version, state);
    } else if (!has_state(p, state)) {
        pb.kind = MC_DEPLOY_STATE_GONE;
        snprintf(msg, sizeof msg,
                 "dossier %lld: procedure '%s' version '%s' has no state '%s', which the dossier "
                 "is in",
                 (long long)row->id, name, version, state);
    } else {
        return 0;
    }
    return w->fn(w->ud, &pb);
}

int mc_engine_deploy_check(mc_store *st, const mc_catalogue *cat,
                           int (*fn)(void *ud, const mc_deploy_problem *p), void *ud,
                           int64_t *nopen, mc_error *err)
{
    deploy_walk w = {.cat = cat, .fn = fn, .ud = ud, .nopen = 0};
    mc_dossier_filter f = MC_DOSSIER_FILTER_INIT;
    f.open_only = true;
    int rc = mc_store_dossier_each(st, &f, check_row, &w, err);
    if (nopen != NULL) {
        *nopen = w.nopen;
    }
    return rc;
}
