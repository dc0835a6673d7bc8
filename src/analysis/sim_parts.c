/* The parts of a simulated interconnected dossier (sim_parts.h, issue 25): the volatile engine
 * does not start parts (it has no store to link dossiers in), so the simulator runs them here as
 * the stored engine's advance_parts does, one after another on one reused live dossier: a part
 * depends on the group only through its start (the end of the parts it comes after) and the
 * group's values and documents, so running each to its end in declaration order (a part comes
 * after parts declared before it) gives what running them side by side would. */
#include "sim_parts.h"

#include "motcua/alloc.h"
#include "motcua/calendar.h"
#include "synth.h"

#include <stdio.h>
#include <string.h>

int mc_sim_parts_plan(mc_sim_result *out, const mc_catalogue *cat, const mc_procedure *p,
                      mc_date day, mc_error *err)
{
    if (p == NULL || p->nparts == 0) {
        return 0;
    }
    for (size_t i = 0; i < p->nparts; i++) {
        const mc_procedure *q = mc_catalogue_procedure(cat, p->parts[i].procedure, day);
        if (q == NULL) {
            size_t n;
            const mc_procedure *const *v = mc_catalogue_versions(cat, p->parts[i].procedure, &n);
            q = n ? v[0] : NULL;
        }
        const char *agency = q != NULL && q->agency != NULL ? q->agency : "";
        size_t r = 0;
        while (r < out->nparts && !(strcmp(out->parts[r].procedure, p->name) == 0 &&
                                    strcmp(out->parts[r].agency, agency) == 0)) {
            r++;
        }
        if (r < out->nparts) {
            continue;
        }
        mc_sim_parts_row *grown = mc_realloc(out->parts, (out->nparts + 1) * sizeof *grown);
        if (grown == NULL) {
            return mc_error_set(err, MC_ENOMEM, "out of memory");
        }
        out->parts = grown;
        memset(&grown[out->nparts], 0, sizeof *grown);
        grown[out->nparts].procedure = p->name;
        grown[out->nparts].agency = agency;
        out->nparts++;
    }
    return 0;
}

void mc_sim_parts_free(mc_sim_result *out)
{
    mc_free(out->parts);
    out->parts = NULL;
    out->nparts = 0;
}

/* The counts of procedure's parts at agency: NULL when the plan did not see it (a later version
 * moved a part to another agency). */
static mc_sim_parts_row *row_of(mc_sim_result *out, const char *procedure, const char *agency)
{
    for (size_t r = 0; r < out->nparts; r++) {
        if (strcmp(out->parts[r].procedure, procedure) == 0 &&
            strcmp(out->parts[r].agency, agency) == 0) {
            return &out->parts[r];
        }
    }
    return NULL;
}

/* Adds one to a count that threads share: integer sums, so the same whatever their order. */
static void count(mc_sim_parts_row *row, size_t at)
{
    if (row != NULL) {
        __atomic_fetch_add((int64_t *)((char *)row + at), 1, __ATOMIC_RELAXED);
    }
}

typedef enum { P_WAITING, P_GRANTED, P_FAILED } part_end;

/* Whether part x is needed: its `when` on the group's dossier (a transition of no event that
 * only carries the condition: mc_live_allows decides a condition). */
static int needed(mc_engine *e, mc_live *parent, const mc_part *x, int64_t at, bool *yes,
                  mc_result *res, mc_error *err)
{
    *yes = true;
    if (x->when.kind == MC_COND_ALWAYS) {
        return 0;
    }
    mc_transition t;
    memset(&t, 0, sizeof t);
    t.event = "";
    t.when = x->when;
    return mc_live_allows(e, parent, &t, at, yes, res, err);
}

int mc_sim_parts_run(mc_engine *e, const mc_catalogue *cat, mc_live *parent, mc_live *part,
                     uint64_t key, int64_t filed, const mc_sim_parts_driver *dr,
                     void (*note)(void *ud, const char *text), mc_sim_result *out, double *staff_wd,
                     mc_sim_parts_end *ended, mc_error *err)
{
    ended->at = filed;
    ended->granted = false;
    ended->late = 0;
    mc_dossier v;
    if (mc_live_view(parent, &v) != 0) {
        return mc_error_set(err, MC_ENOTFOUND, "the simulated dossier is gone");
    }
    const mc_procedure *p = v.procedure;
    size_t np = p->nparts < MC_MAX_PARTS ? p->nparts : MC_MAX_PARTS;
    const mc_calendar *cal = p->calendar ? p->calendar : mc_calendar_builtin();
    /* what each part is given: the group's values of the fields it declares, the documents
     * provided to the group that it requires (copied: the part's view replaces the group's) */
    size_t nf = p->nfields, nr = p->nrequires;
    const char **values = mc_calloc(nf + 1, sizeof *values);
    const char **provided = mc_calloc(nr + 1, sizeof *provided);
    mc_kv *kv = NULL;
    const char **attach = NULL;
    int rc = 0;
    if (values == NULL || provided == NULL) {
        rc = mc_error_set(err, MC_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t f = 0; f < nf; f++) {
        values[f] = v.values[f];
    }
    for (size_t r = 0; r < nr; r++) {
        provided[r] =
            mc_live_req_status(parent, r) == MC_REQ_PROVIDED ? p->requires[r].document->name : NULL;
    }
    const char *channel = v.channel;
    part_end st[MC_MAX_PARTS];
    int64_t end[MC_MAX_PARTS];
    uint32_t late = 0;
    bool granted = true;
    char text[1024]; /* note() keeps the first 300 bytes */
    for (size_t i = 0; i < np && rc == 0; i++) {
        const mc_part *x = &p->parts[i];
        st[i] = P_WAITING;
        int64_t at = filed;
        bool ready = true;
        for (size_t k = 0; k < x->nafter; k++) {
            ready = ready && st[x->after[k]] == P_GRANTED;
            at = ready && end[x->after[k]] > at ? end[x->after[k]] : at;
        }
        if (!ready) {
            granted = false; /* never starts: a part before it was not granted */
            continue;
        }
        mc_date today = mc_calendar_today(cal, at);
        const mc_procedure *q = mc_catalogue_procedure(cat, x->procedure, today);
        mc_sim_parts_row *row = row_of(out, p->name, q != NULL && q->agency ? q->agency : "");
        bool need;
        mc_result res;
        rc = needed(e, parent, x, at, &need, &res, err);
        if (rc == MC_EREFUSED) { /* a rule that failed: the part cannot start */
            snprintf(text, sizeof text, "%s: part '%s' could not start: %s", p->name, x->name,
                     res.message);
            note(dr->ud, text);
            dr->refused(dr->ud, &res);
            count(row, offsetof(mc_sim_parts_row, refused));
            st[i] = P_FAILED;
            end[i] = at;
            granted = false;
            rc = 0;
            continue;
        }
        if (rc != 0) {
            break;
        }
        if (!need) {
            count(row, offsetof(mc_sim_parts_row, not_needed));
            st[i] = P_GRANTED; /* what comes after it need not wait */
            end[i] = at;
            continue;
        }
        if (q == NULL) {
            snprintf(text, sizeof text, "%s: part '%s': procedure '%s' is not in force on %s",
                     p->name, x->name, x->procedure, "the day it starts");
            note(dr->ud, text);
            st[i] = P_FAILED;
            end[i] = at;
            granted = false;
            continue;
        }
        mc_free(kv);
        mc_free((void *)attach);
        kv = mc_calloc(q->nfields + 1, sizeof *kv);
        attach = mc_calloc(q->nrequires + 1, sizeof *attach);
        if (kv == NULL || attach == NULL) {
            rc = mc_error_set(err, MC_ENOMEM, "out of memory");
            break;
        }
        size_t nkv = 0, nattach = 0;
        for (size_t f = 0; f < q->nfields; f++) {
            const mc_field *g = mc_field_find(p->fields, nf, q->fields[f].name);
            if (g != NULL && values[g - p->fields] != NULL) {
                kv[nkv++] = (mc_kv){.key = q->fields[f].name, .value = values[g - p->fields]};
            }
        }
        for (size_t r = 0; r < q->nrequires; r++) {
            for (size_t k = 0; k < nr; k++) {
                if (provided[k] != NULL &&
                    strcmp(provided[k], q->requires[r].document->name) == 0) {
                    attach[nattach++] = provided[k];
                    break;
                }
            }
        }
        mc_submit sub = {.procedure = q->name,
                         .fields = kv,
                         .nfields = nkv,
                         .attach = attach,
                         .nattach = nattach,
                         .channel = channel,
                         .now = at};
        int64_t stop = at;
        rc = dr->drive(dr->ud, part, q, &sub, mc_synth_hash(x->name, key), &res, staff_wd, &stop,
                       err);
        if (rc == MC_EREFUSED) {
            snprintf(text, sizeof text, "%s: part '%s' was refused at submission: %s", p->name,
                     x->name, res.message);
            note(dr->ud, text);
            count(row, offsetof(mc_sim_parts_row, refused));
            st[i] = P_FAILED;
            end[i] = at;
            granted = false;
            rc = 0;
            continue;
        }
        if (rc != 0) {
            break;
        }
        count(row, offsetof(mc_sim_parts_row, started));
        bool final;
        const mc_state *s = mc_live_state(part, &final);
        mc_dossier pv;
        if (s == NULL || mc_live_view(part, &pv) != 0) {
            rc = mc_error_set(err, MC_ENOTFOUND, "the simulated part is gone");
            break;
        }
        end[i] = final ? pv.finished : stop;
        ended->at = end[i] > ended->at ? end[i] : ended->at;
        if (!final) {
            count(row, offsetof(mc_sim_parts_row, unfinished));
            st[i] = P_FAILED;
        } else if (s->outcome == MC_OUTCOME_GRANTED) {
            count(row, offsetof(mc_sim_parts_row, granted));
            st[i] = P_GRANTED;
        } else {
            count(row, offsetof(mc_sim_parts_row, not_granted));
            st[i] = P_FAILED;
        }
        if (final && pv.late == 1) {
            count(row, offsetof(mc_sim_parts_row, late));
            late |= 1u << i;
        }
        granted = granted && st[i] == P_GRANTED;
    }
    ended->granted = granted;
    ended->late = late;
done:
    mc_free(values);
    mc_free((void *)provided);
    mc_free(kv);
    mc_free((void *)attach);
    return rc;
}
