/* Fields and conditions: checking values against a field's type and pattern, the view of a
 * dossier that rules see, and the conditions of §3. */
#include "engine_int.h"

#include "motcua/alloc.h"
#include "base/regex.h"
#include "base/utf8.h"

#include <stdio.h>
#include <string.h>

/* ==== fields and conditions ============================================================== */

/* Checks a value for field f: 0, or MC_EREFUSED with the refusal in rf, or MC_ENOMEM when the
 * check ran out of memory. */
static int check_value(const mc_field *f, const char *v, size_t n, mce_refusal *rf)
{
    char why[200];
    if (n == 0 && f->required) {
        return mce_refuse(rf, MC_REFUSED_OTHER, "field.empty", 1, f->name);
    }
    int bad = 0;
    switch (f->type) {
    case MC_FIELD_INTEGER: {
        int64_t x;
        bad = mc_value_integer(v, n, &x, why, sizeof why);
        break;
    }
    case MC_FIELD_NUMBER: {
        mc_fixed x;
        bad = mc_value_number(v, n, &x, why, sizeof why);
        break;
    }
    case MC_FIELD_DATE: {
        mc_date x;
        bad = mc_value_date(v, n, &x, why, sizeof why);
        break;
    }
    case MC_FIELD_BOOL: {
        bool x;
        bad = mc_value_bool(v, n, &x, why, sizeof why);
        break;
    }
    case MC_FIELD_MONEY: {
        int64_t x;
        if (mc_value_integer(v, n, &x, why, sizeof why) != 0 || x < 0) {
            return mce_refuse(rf, MC_REFUSED_OTHER, "field.money", 2, f->name, v);
        }
        break;
    }
    case MC_FIELD_CHOICE: {
        for (size_t i = 0; i < f->options.n; i++) {
            if (strcmp(f->options.items[i], v) == 0) {
                return 0;
            }
        }
        return mce_refuse(rf, MC_REFUSED_OTHER, "field.choice", 2, f->name, v);
    }
    case MC_FIELD_TEXT:
        break;
    }
    if (bad != 0) {
        return mce_refuse(rf, MC_REFUSED_OTHER, "field.invalid", 2, f->name, why);
    }
    if (f->pattern != NULL) {
        char why2[200];
        int m = mc_regex_match(f->pattern, v, n, NULL, NULL, why2, sizeof why2);
        if (m == MC_ENOMEM) {
            return MC_ENOMEM;
        }
        if (m < 0) {
            /* The value quoted up to 80 bytes, cut at a character. */
            char head[84];
            size_t k = n > 80 ? 80 : n;
            while (k < n && k > 0 && ((unsigned char)v[k] & 0xC0) == 0x80) {
                k--;
            }
            memcpy(head, v, k);
            head[k] = '\0';
            return mce_refuse(rf, MC_REFUSED_OTHER, "field.pattern-limit", 3, f->name, head, why2);
        }
        if (m != 1) {
            return mce_refuse(rf, MC_REFUSED_OTHER, "field.pattern", 3, f->name, v,
                              f->pattern_source);
        }
    }
    return 0;
}

/* Applies FIELD=VALUE pairs to d (all checked first: nothing changes on a refusal). */
int mce_set_fields(mce_dos *d, const mc_kv *kv, size_t n, mce_refusal *rf, mc_error *err)
{
    int found[64]; /* the field of each pair, for the first 64 */
    for (size_t i = 0; i < n; i++) {
        int k = mce_field_index(d->p, kv[i].key);
        if (k < 0) {
            return mce_refuse(rf, MC_REFUSED_OTHER, "field.unknown", 2, d->p->name, kv[i].key);
        }
        /* JSON holds only UTF-8: a value that is not would be lost from the row and its event
         * (json_string returns NULL), so it is refused, as a note is. */
        size_t len = strlen(kv[i].value);
        size_t bad = mc_utf8_invalid_at(kv[i].value, len);
        if (bad != SIZE_MAX) {
            char at[24];
            snprintf(at, sizeof at, "%zu", bad + 1);
            return mce_refuse(rf, MC_REFUSED_OTHER, "field.not-utf8", 2, kv[i].key, at);
        }
        int rc = check_value(&d->p->fields[k], kv[i].value, len, rf);
        if (rc != 0) {
            return rc == MC_ENOMEM ? mc_error_set(err, MC_ENOMEM, "out of memory") : rc;
        }
        if (i < 64) {
            found[i] = k;
        }
    }
    for (size_t i = 0; i < n; i++) {
        int k = i < 64 ? found[i] : mce_field_index(d->p, kv[i].key);
        if (mce_dos_set(d, &d->values[k], kv[i].value) != 0) {
            return mc_error_set(err, MC_ENOMEM, "out of memory");
        }
        /* The queue's search finds the dossier by this name: the store keeps it folded. */
        if (d->p->applicant == &d->p->fields[k] &&
            mce_set_str(&d->row.applicant, kv[i].value) != 0) {
            return mc_error_set(err, MC_ENOMEM, "out of memory");
        }
    }
    return 0;
}

int mce_subject_changed(mce_dos *d, const char *role, mce_refusal *rf, mc_error *err)
{
    if (d->p->subject == NULL) {
        return 0;
    }
    const char *now = d->values[d->p->subject - d->p->fields], *was = d->row.subject;
    if (now == was || (now != NULL && was != NULL && strcmp(now, was) == 0)) {
        return 0;
    }
    if (strcmp(role, "applicant") == 0) {
        /* The subject is whose registry records the dossier reads: an applicant who could
         * change it could read another person's records through the once-only rule. */
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)d->row.id);
        return mce_refuse(rf, MC_REFUSED_ROLE, "subject.applicant", 2, id, d->p->subject->name);
    }
    char *next = now ? mce_dup(now) : NULL;
    if (now != NULL && next == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    if (d->subject_changed) {
        mc_free(d->row.subject); /* changed twice in one operation: the first former stays */
    } else {
        d->former_subject = d->row.subject;
        d->subject_changed = true;
    }
    d->row.subject = next;
    /* What was fetched, or disputed, concerned the former subject's records. */
    for (size_t i = 0; i < d->p->nrequires; i++) {
        mce_req_state *q = &d->reqs[i];
        q->disputed = false;
        if (q->status == MC_REQ_FETCHED) {
            q->status = MC_REQ_NOT_REQUIRED;
            mc_free(q->registry);
            mc_free(q->record);
            q->registry = q->record = NULL;
        }
    }
    return 0;
}

int mce_parties_set(mce_dos *d, const mc_kv *set, size_t n, const char *role, mce_refusal *rf)
{
    for (size_t k = 1; k < d->p->nparties; k++) {
        const mc_party *y = &d->p->parties[k];
        if (y->field == NULL) {
            continue;
        }
        const char *was = mce_party_id(d, (uint32_t)k);
        bool changed = false;
        for (size_t i = 0; i < n; i++) {
            if (strcmp(set[i].key, y->field->name) == 0) {
                const char *now = set[i].value[0] != '\0' ? set[i].value : NULL;
                changed = (now == NULL) != (was == NULL) || (now != NULL && strcmp(now, was) != 0);
            }
        }
        if (!changed || d->row.id == 0) {
            continue;
        }
        if (strcmp(role, "applicant") == 0) {
            /* whose records the dossier reads: see mce_subject_changed */
            char id[24];
            snprintf(id, sizeof id, "%lld", (long long)d->row.id);
            return mce_refuse(rf, MC_REFUSED_ROLE, "party.applicant", 3, id, y->name,
                              y->field->name);
        }
        for (size_t i = 0; i < d->p->nrequires; i++) {
            mce_req_state *q = &d->reqs[i];
            if (d->p->requires[i].party != k) {
                continue;
            }
            q->disputed = false; /* a dispute was about the former party's record */
            if (q->status == MC_REQ_FETCHED) {
                q->status = MC_REQ_NOT_REQUIRED;
                mc_free(q->registry);
                mc_free(q->record);
                q->registry = q->record = NULL;
            }
        }
    }
    return 0;
}

int mce_record_get(mc_engine *e, const char *registry, const char *document, const char *subject,
                   char *ref, size_t refsz, mc_error *err)
{
    if (e->st != NULL) {
        return mc_store_record_get(e->st, registry, document, subject, ref, refsz, err);
    }
    if (refsz) {
        ref[0] = '\0';
    }
    return e->lookup != NULL &&
           e->lookup(e->lookup_ud, registry, document, subject, ref, refsz) == 1;
}

static bool view_holds(void *ud, const char *registry, const char *document, const char *subject)
{
    mce_view_buf *vb = ud;
    char ref[128];
    return mce_record_get(vb->e, registry, document, subject, ref, sizeof ref, NULL) == 1;
}

void mce_view_free(mce_view_buf *vb)
{
    if (vb->fields != vb->field_room) {
        mc_free(vb->fields);
    }
    if (vb->docs != vb->doc_room) {
        mc_free(vb->docs);
    }
}

/* mc_rule_view.texts of an engine's view: d's texts, written into its cache the first time a
 * rule reads one (and kept there for the dossier's next rules). */
static void view_texts(void *ud, const char **version, const char **submitted)
{
    mce_view_buf *vb = ud;
    mce_keep_view_texts(vb->d);
    *version = vb->d->view_version;
    *submitted = vb->d->view_submitted_text;
}

int mce_make_view(mc_engine *e, const mce_dos *d, mce_view_buf *vb)
{
    /* Only what the view reads is set: the rooms stay as they are (a few KiB a rule call). */
    mc_rule_view *v = &vb->view;
    memset(v, 0, sizeof *v);
    vb->fields = vb->field_room;
    vb->docs = vb->doc_room;
    if (d->p->nfields > MCE_VIEW_INLINE &&
        (vb->fields = mc_malloc(d->p->nfields * sizeof *vb->fields)) == NULL) {
        vb->docs = NULL;
        return MC_ENOMEM;
    }
    if (d->p->nrequires > MCE_VIEW_INLINE &&
        (vb->docs = mc_malloc(d->p->nrequires * sizeof *vb->docs)) == NULL) {
        if (vb->fields != vb->field_room) {
            mc_free(vb->fields);
        }
        return MC_ENOMEM;
    }
    vb->e = e;
    vb->d = (mce_dos *)d; /* only its cache of texts is written (view_texts) */
    v->procedure = d->p->name;
    v->texts = view_texts;
    v->subject = d->row.subject;
    v->state = d->row.state;
    v->channel = d->row.channel;
    v->calendar = d->cal;
    v->catalogue = e->cat; /* fees.amount reads the engine's own fee schedules */
    v->registry_holds = view_holds;
    v->ud = vb;
    for (size_t k = 0; k < d->p->nparties && k <= MC_MAX_PARTIES; k++) {
        vb->parties[k] = (mc_view_party){d->p->parties[k].name, mce_party_id(d, (uint32_t)k)};
    }
    v->parties = vb->parties;
    v->nparties = d->p->nparties <= MC_MAX_PARTIES ? d->p->nparties : MC_MAX_PARTIES + 1;
    for (size_t i = 0; i < d->p->nfields; i++) {
        const char *val = d->values[i];
        if (val == NULL) {
            continue;
        }
        mc_view_field *f = &vb->fields[v->nfields++];
        f->name = d->p->fields[i].name;
        f->value = (mc_val){.kind = MC_VAL_TEXT};
        switch (d->p->fields[i].type) {
        case MC_FIELD_INTEGER:
        case MC_FIELD_MONEY:
            f->value.kind = MC_VAL_INTEGER;
            mc_value_integer(val, strlen(val), &f->value.integer, NULL, 0);
            break;
        case MC_FIELD_NUMBER: {
            mc_fixed x = 0;
            mc_value_number(val, strlen(val), &x, NULL, 0);
            f->value.kind = MC_VAL_NUMBER;
            f->value.number = (double)x / (double)MC_FIXED_ONE;
            break;
        }
        case MC_FIELD_BOOL:
            f->value.kind = MC_VAL_BOOL;
            f->value.boolean = strcmp(val, "true") == 0;
            break;
        default:
            f->value.kind = MC_VAL_TEXT;
            f->value.text = val;
            break;
        }
    }
    v->fields = vb->fields;
    for (size_t i = 0; i < d->p->nrequires; i++) {
        if (d->reqs[i].status != MC_REQ_NOT_REQUIRED) {
            vb->docs[v->ndocuments].name = d->p->requires[i].document->name;
            vb->docs[v->ndocuments].status = mce_req_names[d->reqs[i].status];
            v->ndocuments++;
        }
    }
    v->documents = vb->docs;
    return 0;
}

int mce_rule(mc_engine *e, const char *module, const char *function, const mc_rule **out,
             mc_error *err)
{
    for (size_t i = 0; i < e->nhits; i++) {
        if (e->hits[i].module == module && e->hits[i].function == function) {
            *out = e->hits[i].rule;
            return 0;
        }
    }
    size_t ml = strlen(module), fl = strlen(function);
    for (size_t i = 0; i < e->nhits; i++) {
        const char *k = e->hits[i].key;
        if (memcmp(k, module, ml + 1) == 0 && memcmp(k + ml + 1, function, fl + 1) == 0) {
            e->hits[i].module = module;
            e->hits[i].function = function;
            *out = e->hits[i].rule;
            return 0;
        }
    }
    int rc = mc_rules_resolve(e->rules, module, function, out, err);
    if (rc == 0 && ml + fl + 2 <= MCE_RULE_KEY) {
        /* Once all are taken the first makes room: a catalogue calls a few rules. */
        mce_rule_hit *h = &e->hits[e->nhits < MCE_RULE_HITS ? e->nhits++ : 0];
        memcpy(h->key, module, ml + 1);
        memcpy(h->key + ml + 1, function, fl + 1);
        h->rule = *out;
        h->module = module;
        h->function = function;
    }
    return rc;
}

/* Evaluates a condition. Returns 0 with *holds set, or MC_EREFUSED (a rule failed: guard or
 * limit, message in rf), or an error. reason gets a guard's reason. */
int mce_eval(mc_engine *e, const mce_dos *d, const mc_cond *c, bool *holds, mce_refusal *rf,
             char *reason, size_t reasonsz, mc_error *err)
{
    if (reasonsz) {
        reason[0] = '\0';
    }
    int k;
    switch (c->kind) {
    case MC_COND_ALWAYS:
        *holds = true;
        return 0;
    case MC_COND_FIELD:
        k = mce_field_index(d->p, c->field);
        *holds = k >= 0 && d->values[k] && strcmp(d->values[k], "true") == 0;
        return 0;
    case MC_COND_NOT:
        k = mce_field_index(d->p, c->field);
        *holds = !(k >= 0 && d->values[k] && strcmp(d->values[k], "true") == 0);
        return 0;
    case MC_COND_IS:
        k = mce_field_index(d->p, c->field);
        *holds = k >= 0 && d->values[k] && strcmp(d->values[k], c->value) == 0;
        return 0;
    case MC_COND_DOCUMENTS_COMPLETE:
        /* As the one-stop guard common.complete says it, in the order of the requirements */
        *holds = true;
        for (size_t i = 0; i < d->p->nrequires && *holds; i++) {
            if (d->reqs[i].status == MC_REQ_ASKED) {
                *holds = false;
                if (reasonsz) {
                    snprintf(reason, reasonsz, "document %s is still missing",
                             d->p->requires[i].document->name);
                }
            }
        }
        return 0;
    case MC_COND_RULE:
        break;
    }
    const mc_rule *rule;
    mc_error rerr;
    if (e->rules == NULL ||
        mce_rule(e, c->rule.module, c->rule.function, &rule, &rerr) != 0) {
        return mce_refuse(rf, MC_REFUSED_RULE, "rule.not-loaded", 2, c->rule.module,
                          c->rule.function);
    }
    mce_view_buf vb;
    if (mce_make_view(e, d, &vb) != 0) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    int rc = mc_rules_cond(e->rules, rule, &vb.view, holds, reason, reasonsz, &rerr);
    mce_view_free(&vb);
    if (rc == MC_ERULE) {
        return mce_refuse(rf, MC_REFUSED_RULE, "rule.failed", 1, rerr.msg);
    }
    if (rc == MC_ELIMIT) {
        return mce_refuse(rf, MC_REFUSED_LIMIT, "rule.limit", 1, rerr.msg);
    }
    if (rc != 0) {
        return mc_error_set(err, rc, "%s", rerr.msg);
    }
    return 0;
}
