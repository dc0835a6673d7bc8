/* Dossiers in memory (engine.h, "dossiers in memory"): the stored operations' decisions on a
 * dossier the caller holds, for simulation. Nothing is recorded, so an operation costs what
 * deciding costs. */
#include "engine_int.h"

#include "base/grow.h"
#include "motcua/alloc.h"

#include <string.h>

struct mc_live {
    mce_dos d;
    bool has;             /* d holds a dossier */
    mc_dossier_req *reqs; /* the reading form's requirements */
    size_t cap;
};

int mc_live_new(mc_live **out)
{
    *out = mc_calloc(1, sizeof **out);
    return *out ? 0 : MC_ENOMEM;
}

void mc_live_free(mc_live *lv)
{
    if (lv != NULL) {
        mce_dos_free(&lv->d);
        mc_free(lv->reqs);
        mc_free(lv);
    }
}

static int volatile_only(const mc_engine *e, const char *what, mc_error *err)
{
    return e->st == NULL ? 0
                         : mc_error_set(err, MC_EUSAGE,
                                        "%s needs a volatile engine (this one has a store)", what);
}

static void refused(mc_result *res, const mce_refusal *rf, int64_t id)
{
    mce_refusal_result(rf, res);
    res->dossier = id;
}

int mc_live_submit(mc_engine *e, mc_live *lv, const mc_submit *s, mc_result *res, mc_error *err)
{
    mce_result_init(res);
    mce_dos_reset(&lv->d); /* its rooms and strings serve the new dossier */
    lv->has = false;
    int rc = volatile_only(e, "mc_live_submit", err);
    if (rc != 0) {
        return rc;
    }
    mce_refusal rf;
    mce_refusal_init(&rf);
    rc = mce_submit(e, &lv->d, s, &rf, err);
    if (rc != 0) {
        if (rc == MC_EREFUSED) {
            refused(res, &rf, 0);
        }
        mce_dos_reset(&lv->d);
        return rc;
    }
    lv->has = true;
    res->dossier = lv->d.row.id;
    return 0;
}

static int need_dossier(const mc_live *lv, mc_error *err)
{
    return lv->has ? 0 : mc_error_set(err, MC_EUSAGE, "there is no dossier (submit one first)");
}

int mc_live_catch_up(mc_engine *e, mc_live *lv, int64_t now, mc_error *err)
{
    int rc = volatile_only(e, "mc_live_catch_up", err);
    if (rc == 0) {
        rc = need_dossier(lv, err);
    }
    return rc != 0 ? rc : mce_catch_up(e, &lv->d, now, err);
}

/* An empty result, without clearing its message buffers byte by byte. */
static void result_clear(mc_result *res)
{
    res->dossier = 0;
    res->refusal = MC_REFUSED_NONE;
    res->message[0] = res->warning[0] = '\0';
    res->replayed = false;
}

int mc_live_fire(mc_engine *e, mc_live *lv, const mc_fire *f, mc_result *res, mc_error *err)
{
    result_clear(res);
    uint32_t state = lv->d.state;
    int64_t entered = lv->d.row.entered;
    int rc = mc_live_catch_up(e, lv, f->now, err);
    if (rc != 0) {
        return rc;
    }
    /* Only a payload's fields, attachments and disputes change the dossier before the last
     * check: keep a copy to put back if the event is refused. */
    const mc_payload *pl = &f->payload;
    bool undo = pl->nset > 0 || pl->nattach > 0 || pl->ndisputes > 0;
    mce_dos saved;
    if (undo && mce_dos_copy(&saved, &lv->d) != 0) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    /* The caller's decision stands while neither a timer nor the payload changed the dossier
     * (mc_fire.when_held). */
    lv->d.held = f->when_held && !undo && lv->d.state == state && lv->d.row.entered == entered
                     ? f->transition
                     : NULL;
    mce_refusal rf;
    mce_refusal_init(&rf);
    rc = mce_fire(e, &lv->d, f, res->warning, &rf, err);
    if (rc == MC_EREFUSED) {
        refused(res, &rf, lv->d.row.id);
    }
    if (undo && rc == MC_EREFUSED) {
        mce_dos_free(&lv->d);
        lv->d = saved;
    } else if (undo) {
        mce_dos_free(&saved);
    }
    lv->d.held = NULL;
    res->dossier = lv->d.row.id;
    return rc;
}

int mc_live_apologize(mc_engine *e, mc_live *lv, const mc_apology *a, bool *timely, mc_result *res,
                      mc_error *err)
{
    result_clear(res);
    *timely = false;
    if (!lv->has) {
        return mc_error_set(err, MC_ENOTFOUND, "no dossier to apologize for");
    }
    int rc = mc_live_catch_up(e, lv, a->now, err);
    if (rc != 0) {
        return rc;
    }
    mce_refusal rf;
    mce_refusal_init(&rf);
    rc = mce_apologize(e, &lv->d, a, &rf, err);
    if (rc == MC_EREFUSED) {
        refused(res, &rf, lv->d.row.id);
    } else if (rc == 0) {
        *timely = mce_apology_timely(&lv->d, a->now);
    }
    res->dossier = lv->d.row.id;
    return rc;
}

int64_t mc_live_due(const mc_live *lv)
{
    return lv->has && !lv->d.row.final && mce_clock_running(&lv->d) ? lv->d.row.due : MC_NONE;
}

int64_t mc_live_next_timer(const mc_live *lv)
{
    size_t which;
    return lv->has && !lv->d.row.final ? mce_next_timer(&lv->d, &which) : MC_NONE;
}

int mc_live_allows(mc_engine *e, mc_live *lv, const mc_transition *t, int64_t at, bool *allowed,
                   mc_result *res, mc_error *err)
{
    mce_result_init(res);
    *allowed = false;
    int rc = need_dossier(lv, err);
    if (rc != 0) {
        return rc;
    }
    mce_refusal rf;
    mce_refusal_init(&rf);
    rc = mce_eval(e, &lv->d, &t->when, allowed, &rf, NULL, 0, err);
    /* An event that fires an extension of the time limit is taken only with it (§9.6 of
     * docs/language.md): a simulated officer does not ask for one the dossier may not have. */
    const mc_extension *x = mc_extension_for_event(lv->d.p, t->event);
    if (rc == 0 && *allowed && x != NULL) {
        rc = mce_eval(e, &lv->d, &x->when, allowed, &rf, NULL, 0, err);
        if (rc == 0 && *allowed) {
            /* Fired at `at`, the event first lets the dossier become overdue (mce_catch_up marks
             * it when its due instant is before `at`), and an overdue deadline is not extended:
             * checked as it will stand then, so that the officer does not choose it. */
            const mce_dos *d = &lv->d;
            bool overdue_by_then =
                mce_clock_running(d) && d->row.due != MC_NONE && !d->row.overdue && d->row.due < at;
            mce_refusal no;
            mce_refusal_init(&no);
            *allowed = !overdue_by_then &&
                       mce_check_extension(d, x, t->target, t->restart_clock, &no) == 0;
        }
    }
    if (rc == MC_EREFUSED) {
        refused(res, &rf, lv->d.row.id);
    }
    return rc;
}

int mc_live_view(mc_live *lv, mc_dossier *out)
{
    memset(out, 0, sizeof *out);
    if (!lv->has) {
        return MC_ENOTFOUND;
    }
    const mce_dos *d = &lv->d;
    if (mc_grow(&lv->reqs, &lv->cap, d->p->nrequires, sizeof *lv->reqs) != 0) {
        return MC_ENOMEM;
    }
    mce_view(d, lv->reqs, out);
    return 0;
}

const mc_state *mc_live_state(const mc_live *lv, bool *final)
{
    *final = lv->has && lv->d.row.final;
    return lv->has ? mce_cur(&lv->d) : NULL;
}

mc_req_status mc_live_req_status(const mc_live *lv, size_t i)
{
    return lv->has && i < lv->d.p->nrequires ? lv->d.reqs[i].status : MC_REQ_NOT_REQUIRED;
}

size_t mc_live_provide_asked(mc_live *lv)
{
    size_t n = 0;
    for (size_t i = 0; lv->has && i < lv->d.p->nrequires; i++) {
        mce_req_state *r = &lv->d.reqs[i];
        if (r->status == MC_REQ_ASKED) {
            r->status = MC_REQ_PROVIDED;
            mce_clear_reason(r);
            n++;
        }
    }
    return n;
}

int64_t mc_live_issued(const mc_live *lv)
{
    return lv->has ? lv->d.issued : 0;
}

int mc_live_end_parts(mc_engine *e, mc_live *lv, bool granted, uint32_t late_parts, int64_t now,
                      mc_error *err)
{
    int rc = mc_live_catch_up(e, lv, now, err);
    mce_dos *d = &lv->d;
    if (rc != 0 || d->row.final || d->p->nparts == 0) {
        return rc;
    }
    d->parts_late |= late_parts;
    const char *event = granted ? MC_EVENT_PARTS_DONE : MC_EVENT_PARTS_FAILED;
    const mc_state *s = mce_cur(d);
    for (size_t k = 0; k < s->non; k++) {
        if (strcmp(s->on[k].event, event) == 0) {
            return mce_enter(e, d, s->on[k].target, false, now, err);
        }
    }
    return 0; /* as the stored engine: a state that does not answer it keeps the dossier */
}
