/* The dossier being worked on: its fields and requirements in memory, how they are kept in
 * the store's row (JSON), the events an operation queues, the refusal that stops an operation
 * (mce_refuse, used by every module of the engine), and the access log's entries for a dossier
 * read through the engine (mc_engine_log_access, mc_engine_log_read). */
#include "engine_int.h"

#include "motcua/alloc.h"
#include "base/json.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* ==== refusals and reasons: said through the message catalogue (msg.h) ================= */

void mce_copy_cut(char *out, size_t outsz, const char *s)
{
    size_t n = strlen(s);
    if (n >= outsz) {
        n = outsz - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) {
            n--; /* s[n] is the first byte left out: it must start a character */
        }
    }
    memcpy(out, s, n);
    out[n] = '\0';
}

int mce_refuse(mce_refusal *rf, mc_refusal why, const char *code, size_t nargs, ...)
{
    const char *args[MC_MSG_MAXARGS] = {0};
    va_list ap;
    va_start(ap, nargs);
    for (size_t i = 0; i < nargs; i++) {
        const char *a = va_arg(ap, const char *);
        if (i < MC_MSG_MAXARGS) {
            args[i] = a;
        }
    }
    va_end(ap);
    rf->nargs = nargs < MC_MSG_MAXARGS ? nargs : MC_MSG_MAXARGS;
    /* The English text from the whole arguments: only the copies below are cut. */
    mc_msg_format(MC_LANG_EN, code, args, rf->nargs, rf->msg, sizeof rf->msg);
    mce_copy_cut(rf->code, sizeof rf->code, code); /* codes fit: test_msg checks their length */
    for (size_t i = 0; i < rf->nargs; i++) {
        mce_copy_cut(rf->args[i], sizeof rf->args[i], args[i] ? args[i] : "");
    }
    rf->why = why;
    return MC_EREFUSED;
}

void mce_refusal_init(mce_refusal *rf)
{
    rf->why = MC_REFUSED_NONE;
    rf->msg[0] = '\0';
    rf->code[0] = '\0';
    rf->nargs = 0;
}

void mce_result_init(mc_result *res)
{
    res->dossier = 0;
    res->refusal = MC_REFUSED_NONE;
    res->message[0] = '\0';
    res->code[0] = '\0';
    res->nargs = 0;
    res->warning[0] = '\0';
    res->replayed = false;
}

void mce_refusal_result(const mce_refusal *rf, mc_result *res)
{
    res->refusal = rf->why;
    memcpy(res->message, rf->msg, sizeof res->message);
    memcpy(res->code, rf->code, sizeof res->code);
    for (size_t i = 0; i < rf->nargs; i++) {
        memcpy(res->args[i], rf->args[i], sizeof res->args[i]);
    }
    res->nargs = rf->nargs;
}

void mce_clear_reason(mce_req_state *s)
{
    mc_free(s->reason);
    mc_free(s->reason_code);
    s->reason = s->reason_code = NULL;
    for (size_t i = 0; i < s->nreason_args; i++) {
        mc_free(s->reason_args[i]);
        s->reason_args[i] = NULL;
    }
    s->nreason_args = 0;
}

/* The reasons' texts are cut as they always were: a reason is one line of a checklist. */
enum { REASON_MAX = 400 };

int mce_set_reason(mce_req_state *s, const char *code, size_t nargs, ...)
{
    const char *args[MC_MSG_MAXARGS] = {0};
    va_list ap;
    va_start(ap, nargs);
    for (size_t i = 0; i < nargs; i++) {
        const char *a = va_arg(ap, const char *);
        if (i < MC_MSG_MAXARGS) {
            args[i] = a;
        }
    }
    va_end(ap);
    nargs = nargs < MC_MSG_MAXARGS ? nargs : MC_MSG_MAXARGS;
    char text[REASON_MAX];
    mc_msg_format(MC_LANG_EN, code, args, nargs, text, sizeof text);
    mce_clear_reason(s);
    int rc = (s->reason = mce_dup(text)) == NULL || (s->reason_code = mce_dup(code)) == NULL;
    for (size_t i = 0; rc == 0 && i < nargs; i++) {
        rc = (s->reason_args[i] = mce_dup(args[i] ? args[i] : "")) == NULL;
        s->nreason_args += rc == 0;
    }
    if (rc != 0) {
        mce_clear_reason(s);
        return MC_ENOMEM;
    }
    return 0;
}

/* ==== dossier in memory ================================================================== */

/* Keeps string str (NULL: nothing) among d's spare ones, or frees it when they are full. */
static void spare_put(mce_dos *d, char *str)
{
    if (str == NULL) {
        return;
    }
    mce_spare *sp = &d->spare;
    if (sp->n == MCE_SPARE) {
        mc_free(str);
        return;
    }
    sp->s[sp->n] = str;
    sp->cap[sp->n++] = strlen(str) + 1;
}

/* Empties d: what it owns is freed, or (keep) its strings become spare ones and its rooms of
 * values and requirements stay, zeroed, for the next dossier set up in it. */
static void dos_clear(mce_dos *d, bool keep)
{
    void (*drop)(mce_dos *, char *) = keep ? spare_put : NULL;
#define DROP(str) (drop ? drop(d, (str)) : mc_free(str))
    mc_dossier_row *r = &d->row;
    if (d->names_borrowed) {
        r->procedure = r->agency = r->channel = NULL;
        r->state = r->clock = r->outcome = NULL;
    }
    if (d->p != NULL) {
        for (size_t i = 0; d->values && i < d->p->nfields; i++) {
            DROP(d->values[i]);
        }
        for (size_t i = 0; d->reqs && i < d->p->nrequires; i++) {
            mce_req_state *q = &d->reqs[i];
            if (q->reason != NULL || q->reason_code != NULL || q->nreason_args > 0) {
                mce_clear_reason(q);
            }
            DROP(q->registry);
            DROP(q->record);
            json_decref(q->lookup);
        }
    }
    DROP(d->former_subject);
    DROP(r->subject);
    DROP(r->version);
    r->subject = r->version = NULL;
#undef DROP
    if (d->names_borrowed) {
        /* what a volatile row may own besides: not the eleven frees of mc_dossier_row_clear */
        mc_free(r->apology);
        mc_free(r->data);
        mc_free(r->applicant);
    } else {
        mc_dossier_row_clear(r);
    }
    json_decref(d->events);
    json_decref(d->tickets);
    json_decref(d->reads);
    json_decref(d->looks);
    if (!keep) {
        mc_free(d->values);
        mc_free(d->reqs);
        for (size_t i = 0; i < d->spare.n; i++) {
            mc_free(d->spare.s[i]);
        }
        memset(d, 0, sizeof *d);
        return;
    }
    /* Only the used part of the rooms is cleared: what lies beyond was cleared before. */
    char **values = d->values;
    mce_req_state *reqs = d->reqs;
    if (values != NULL && d->p != NULL) {
        memset(values, 0, (d->p->nfields ? d->p->nfields : 1) * sizeof *values);
    }
    if (reqs != NULL && d->p != NULL) {
        memset(reqs, 0, (d->p->nrequires ? d->p->nrequires : 1) * sizeof *reqs);
    }
    memset(d, 0, offsetof(mce_dos, values_cap)); /* the rooms' sizes and the spares stay */
    d->values = values;
    d->reqs = reqs;
}

void mce_dos_free(mce_dos *d)
{
    dos_clear(d, false);
}

void mce_dos_reset(mce_dos *d)
{
    dos_clear(d, true);
}

char *mce_dup(const char *s)
{
    return s ? mc_strndup(s, strlen(s)) : NULL;
}

/* A copy of s, of length len, that d will own (mce_dos_dup). */
static char *dos_dup_len(mce_dos *d, const char *s, size_t len)
{
    mce_spare *sp = &d->spare;
    size_t best = SIZE_MAX;
    /* the smallest block that holds it (the next dossier's strings are mostly the lengths of
     * the last one's: an exact fit, which none beats, ends the search) */
    for (size_t i = 0; i < sp->n; i++) {
        if (sp->cap[i] > len && (best == SIZE_MAX || sp->cap[i] < sp->cap[best])) {
            best = i;
            if (sp->cap[i] == len + 1) {
                break;
            }
        }
    }
    if (best == SIZE_MAX) {
        return mc_strndup(s, len);
    }
    char *out = sp->s[best];
    sp->n--;
    sp->s[best] = sp->s[sp->n];
    sp->cap[best] = sp->cap[sp->n];
    memcpy(out, s, len + 1);
    return out;
}

char *mce_dos_dup(mce_dos *d, const char *s)
{
    return s != NULL ? dos_dup_len(d, s, strlen(s)) : NULL;
}

int mce_set_str(char **slot, const char *s)
{
    if (s != NULL && *slot != NULL && mce_same_name(*slot, s)) {
        return 0; /* already so: no copy */
    }
    if (s != NULL && *slot != NULL) {
        /* A string no longer than the one held fits in its block: no allocation (a dossier's
         * state and clock change at every transition). */
        size_t len = strlen(s);
        if (len <= strlen(*slot)) {
            memcpy(*slot, s, len + 1);
            return 0;
        }
    }
    char *p = NULL;
    if (s != NULL && (p = mce_dup(s)) == NULL) {
        return MC_ENOMEM;
    }
    mc_free(*slot);
    *slot = p;
    return 0;
}

int mce_dos_set(mce_dos *d, char **slot, const char *s)
{
    size_t len = s != NULL ? strlen(s) : 0;
    if (s != NULL && *slot != NULL) {
        if (mce_same_name(*slot, s)) {
            return 0;
        }
        if (len <= strlen(*slot)) {
            memcpy(*slot, s, len + 1);
            return 0;
        }
    }
    char *p = NULL;
    if (s != NULL && (p = dos_dup_len(d, s, len)) == NULL) {
        return MC_ENOMEM;
    }
    spare_put(d, *slot);
    *slot = p;
    return 0;
}


/* Makes *room hold n zeroed elements of size each, in the room it has (*cap elements) or a
 * new one. */
static int room_for(void **room, size_t *cap, size_t n, size_t size)
{
    if (*room != NULL && *cap >= n) {
        memset(*room, 0, n * size);
        return 0;
    }
    mc_free(*room);
    *room = mc_calloc(n, size);
    *cap = *room != NULL ? n : 0;
    return *room != NULL ? 0 : MC_ENOMEM;
}

int mce_dos_alloc(mce_dos *d, const mc_procedure *p, bool record)
{
    d->p = p;
    d->cal = p->calendar ? p->calendar : mc_calendar_builtin();
    d->clk = MC_CLOCK_STOPPED;
    d->paused_due = MC_NONE;
    d->original_due = MC_NONE;
    d->names_borrowed = !record;
    void *values = d->values, *reqs = d->reqs;
    int rc = room_for(&values, &d->values_cap, p->nfields ? p->nfields : 1, sizeof *d->values);
    d->values = values;
    rc |= room_for(&reqs, &d->reqs_cap, p->nrequires ? p->nrequires : 1, sizeof *d->reqs);
    d->reqs = reqs;
    if (rc != 0) {
        return MC_ENOMEM;
    }
    if (!record) {
        return 0;
    }
    d->events = json_array();
    d->tickets = json_array();
    d->reads = json_array();
    d->looks = json_array();
    return d->events && d->tickets && d->reads && d->looks ? 0 : MC_ENOMEM;
}

static int dup_into(char **dst, const char *src)
{
    *dst = NULL;
    return src != NULL && (*dst = mce_dup(src)) == NULL ? MC_ENOMEM : 0;
}

int mce_dos_copy(mce_dos *dst, const mce_dos *src)
{
    memset(dst, 0, sizeof *dst);
    if (mce_dos_alloc(dst, src->p, src->events != NULL) != 0) {
        mce_dos_free(dst);
        return MC_ENOMEM;
    }
    dst->state = src->state;
    dst->issued = src->issued;
    dst->clk = src->clk;
    dst->paused_due = src->paused_due;
    memcpy(dst->ext_used, src->ext_used, sizeof dst->ext_used);
    dst->original_due = src->original_due;
    dst->ext_days = src->ext_days;
    memcpy(dst->text_hash, src->text_hash, sizeof dst->text_hash);
    dst->parent = src->parent;
    memcpy(dst->part, src->part, sizeof dst->part);
    memcpy(dst->part_ids, src->part_ids, sizeof dst->part_ids);
    dst->parts_started = src->parts_started;
    dst->parts_late = src->parts_late;
    dst->parts_ended = src->parts_ended;
    dst->has_basis = src->has_basis;
    dst->due_from = src->due_from;
    dst->due_left = src->due_left;
    dst->row = src->row;
    mc_dossier_row *r = &dst->row;
    const mc_dossier_row *o = &src->row;
    r->procedure = r->version = r->agency = r->subject = r->channel = NULL;
    r->state = r->outcome = r->clock = r->apology = r->data = r->applicant = NULL;
    int rc = dup_into(&r->version, o->version) | dup_into(&r->subject, o->subject) |
             dup_into(&r->apology, o->apology) | dup_into(&r->data, o->data) |
             dup_into(&r->applicant, o->applicant);
    if (dst->names_borrowed) { /* as src's (mce_dos_alloc: both record no events) */
        r->procedure = o->procedure;
        r->agency = o->agency;
        r->channel = o->channel;
        r->state = o->state;
        r->outcome = o->outcome;
        r->clock = o->clock;
    } else {
        rc |= dup_into(&r->procedure, o->procedure) | dup_into(&r->agency, o->agency) |
              dup_into(&r->channel, o->channel) | dup_into(&r->state, o->state) |
              dup_into(&r->outcome, o->outcome) | dup_into(&r->clock, o->clock);
    }
    for (size_t i = 0; i < src->p->nfields; i++) {
        rc |= dup_into(&dst->values[i], src->values[i]);
    }
    for (size_t i = 0; i < src->p->nrequires; i++) {
        const mce_req_state *q = &src->reqs[i];
        dst->reqs[i].status = q->status;
        dst->reqs[i].disputed = q->disputed;
        dst->reqs[i].wait_since = q->wait_since;
        dst->reqs[i].wait_until = q->wait_until;
        dst->reqs[i].wait_next = q->wait_next;
        dst->reqs[i].wait_tries = q->wait_tries;
        rc |= dup_into(&dst->reqs[i].reason, q->reason) |
              dup_into(&dst->reqs[i].reason_code, q->reason_code) |
              dup_into(&dst->reqs[i].registry, q->registry) |
              dup_into(&dst->reqs[i].record, q->record);
        for (size_t k = 0; k < q->nreason_args; k++) {
            rc |= dup_into(&dst->reqs[i].reason_args[k], q->reason_args[k]);
        }
        dst->reqs[i].nreason_args = q->nreason_args;
        if (q->lookup != NULL && (dst->reqs[i].lookup = json_deep_copy(q->lookup)) == NULL) {
            rc |= MC_ENOMEM;
        }
    }
    if (src->events != NULL) {
        json_decref(dst->events);
        json_decref(dst->tickets);
        json_decref(dst->reads);
        dst->events = json_deep_copy(src->events);
        dst->tickets = json_deep_copy(src->tickets);
        dst->reads = src->reads ? json_deep_copy(src->reads) : NULL;
        json_decref(dst->looks);
        dst->looks = src->looks ? json_deep_copy(src->looks) : NULL;
        rc |= dst->events && dst->tickets && (dst->reads || !src->reads) &&
                      (dst->looks || !src->looks)
                  ? 0
                  : MC_ENOMEM;
    }
    if (rc != 0) {
        mce_dos_free(dst);
        return MC_ENOMEM;
    }
    return 0;
}

void mce_version_text(const mc_procedure *p, char out[11])
{
    if (p->has_effective) {
        mc_date_format(p->effective, out);
    } else {
        out[0] = '\0';
    }
}

static void write_view_texts(const mce_dos *d, char version[11], char submitted[17])
{
    mce_version_text(d->p, version);
    mc_datetime_format((mc_datetime)(mce_loc(d, d->row.submitted) / 60), submitted);
}

static bool view_texts_hold(const mce_dos *d)
{
    return d->view_cal != NULL && d->view_cal == d->cal && d->view_p == d->p &&
           d->view_submitted == d->row.submitted;
}

void mce_keep_view_texts(mce_dos *d)
{
    if (view_texts_hold(d)) {
        return;
    }
    write_view_texts(d, d->view_version, d->view_submitted_text);
    d->view_cal = d->cal;
    d->view_p = d->p;
    d->view_submitted = d->row.submitted;
}

const mc_procedure *mce_find_version(const mc_catalogue *cat, const char *name, const char *version)
{
    size_t n;
    const mc_procedure *const *v = mc_catalogue_versions(cat, name, &n);
    for (size_t i = 0; i < n; i++) {
        char text[11];
        mce_version_text(v[i], text);
        if (strcmp(text, version) == 0) {
            return v[i];
        }
    }
    return NULL;
}

int mce_field_index(const mc_procedure *p, const char *name)
{
    for (size_t i = 0; i < p->nfields; i++) {
        if (mce_same_name(p->fields[i].name, name)) {
            return (int)i;
        }
    }
    return -1;
}

int mce_req_index(const mc_procedure *p, const char *doc)
{
    for (size_t i = 0; i < p->nrequires; i++) {
        if (mce_same_name(p->requires[i].document->name, doc)) {
            return (int)i;
        }
    }
    return -1;
}

const char *const mce_req_names[] = {"not-required", "asked", "fetched", "provided", "waiting"};

/* The dossier's data column: field values and requirement states. */
/* The extensions used, under "extensions" ({NAME: times}), with "original_due" and
 * "extension_days" (only for a dossier that used one). */
static int encode_extensions(const mce_dos *d, json_t *root)
{
    json_t *used = NULL;
    int bad = 0;
    for (size_t i = 0; i < d->p->nextensions && i < MC_MAX_EXTENSIONS; i++) {
        if (d->ext_used[i] == 0) {
            continue;
        }
        if (used == NULL && (used = json_object()) == NULL) {
            return 1;
        }
        bad |= json_object_set_new(used, d->p->extensions[i].name, json_integer(d->ext_used[i]));
    }
    if (used == NULL) {
        return 0;
    }
    bad |= json_object_set_new(root, "extensions", used);
    if (d->original_due != MC_NONE) {
        bad |= json_object_set_new(root, "original_due", json_integer(d->original_due));
    }
    bad |= json_object_set_new(root, "extension_days", json_integer(d->ext_days));
    return bad;
}

char *mce_encode_data(const mce_dos *d)
{
    json_t *root = json_object(), *values = json_object(), *reqs = json_object();
    int bad = root == NULL; /* a failed set: the row would be saved with values missing */
    for (size_t i = 0; i < d->p->nfields; i++) {
        if (d->values[i] != NULL) {
            bad |= json_object_set_new(values, d->p->fields[i].name, json_string(d->values[i]));
        }
    }
    for (size_t i = 0; i < d->p->nrequires; i++) {
        const mce_req_state *r = &d->reqs[i];
        json_t *o = json_pack("{s:s}", "status", mce_req_names[r->status]);
        if (r->reason) {
            bad |= json_object_set_new(o, "reason", json_string(r->reason));
        }
        if (r->reason_code) { /* ["CODE", ARG…]: the reason as the message catalogue has it */
            json_t *why = json_array();
            bad |= json_array_append_new(why, json_string(r->reason_code));
            for (size_t k = 0; k < r->nreason_args; k++) {
                bad |= json_array_append_new(why, mc_json_text(r->reason_args[k]));
            }
            bad |= json_object_set_new(o, "reason_msg", why);
        }
        if (r->registry) {
            bad |= json_object_set_new(o, "registry", json_string(r->registry));
        }
        if (r->record) {
            bad |= json_object_set_new(o, "record", json_string(r->record));
        }
        if (r->disputed) {
            bad |= json_object_set_new(o, "disputed", json_true());
        }
        if (r->lookup) {
            bad |= json_object_set(o, "lookup", r->lookup);
        }
        if (mce_waiting(r)) { /* for its live registry (issue 20) */
            bad |= json_object_set_new(o, "wait",
                                       json_pack("{s:I, s:I, s:I, s:i}", "since",
                                                 (json_int_t)r->wait_since, "until",
                                                 (json_int_t)r->wait_until, "next",
                                                 (json_int_t)r->wait_next, "tries", r->wait_tries));
        }
        bad |= json_object_set_new(reqs, d->p->requires[i].document->name, o);
    }
    bad |= json_object_set_new(root, "values", values);
    bad |= json_object_set_new(root, "requirements", reqs);
    if (d->paused_due != MC_NONE) {
        bad |= json_object_set_new(root, "paused_due", json_integer(d->paused_due));
    }
    bad |= encode_extensions(d, root);
    if (d->text_hash[0] != '\0') {
        bad |= json_object_set_new(root, "text_hash", json_string(d->text_hash));
    }
    if (d->parent != 0) { /* a part of an interconnected dossier (issue 25) */
        bad |= json_object_set_new(root, "parent", json_integer(d->parent));
        bad |= json_object_set_new(root, "part", json_string(d->part));
    }
    if (d->parts_started) { /* an interconnected dossier: {PART: dossier, 0 when not started} */
        json_t *parts = json_object();
        for (size_t i = 0; i < d->p->nparts && i < MC_MAX_PARTS; i++) {
            bad |= json_object_set_new(parts, d->p->parts[i].name, json_integer(d->part_ids[i]));
        }
        bad |= json_object_set_new(root, "parts", parts);
        json_t *late = json_array();
        for (size_t i = 0; i < d->p->nparts && i < MC_MAX_PARTS; i++) {
            if ((d->parts_late >> i) & 1u) {
                bad |= json_array_append_new(late, json_string(d->p->parts[i].name));
            }
        }
        bad |= json_object_set_new(root, "parts_late", late);
        json_t *ended = json_array();
        for (size_t i = 0; i < d->p->nparts && i < MC_MAX_PARTS; i++) {
            if ((d->parts_ended >> i) & 1u) {
                bad |= json_array_append_new(ended, json_string(d->p->parts[i].name));
            }
        }
        bad |= json_object_set_new(root, "parts_ended", ended);
    }
    if (d->has_basis) { /* [from, left]: left null when the clock started with the whole limit */
        bad |= json_object_set_new(
            root, "due_basis",
            json_pack("[I, o]", (json_int_t)d->due_from,
                      d->due_left == MC_NONE ? json_null() : json_integer(d->due_left)));
    }
    char *text = bad == 0 ? mc_json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(root);
    char *out = text ? mce_dup(text) : NULL;
    mc_free(text);
    return out;
}

/* The reason of requirement s as the data column keeps it (v): its text, and ["CODE", ARG…]
 * when it was recorded with its message code. */
static int decode_reason(mce_req_state *s, const json_t *v)
{
    mce_clear_reason(s);
    const char *text = json_string_value(json_object_get(v, "reason"));
    const json_t *why = json_object_get(v, "reason_msg");
    const char *code = json_string_value(json_array_get(why, 0));
    if (text != NULL && (s->reason = mce_dup(text)) == NULL) {
        return MC_ENOMEM;
    }
    if (code == NULL) {
        return 0; /* recorded before codes, or no reason */
    }
    if ((s->reason_code = mce_dup(code)) == NULL) {
        return MC_ENOMEM;
    }
    for (size_t k = 1; k < json_array_size(why) && s->nreason_args < MC_MSG_MAXARGS; k++) {
        const char *a = json_string_value(json_array_get(why, k));
        if ((s->reason_args[s->nreason_args] = mce_dup(a ? a : "")) == NULL) {
            return MC_ENOMEM;
        }
        s->nreason_args++;
    }
    return 0;
}

void mce_decode_basis(mce_dos *d, const json_t *root)
{
    const json_t *b = json_object_get(root, "due_basis");
    d->has_basis = json_is_integer(json_array_get(b, 0));
    d->due_from = json_integer_value(json_array_get(b, 0));
    const json_t *left = json_array_get(b, 1);
    d->due_left = json_is_integer(left) ? json_integer_value(left) : MC_NONE;
}

/* Takes root (the row's data, parsed). */
static int decode_root(mce_dos *d, json_t *root)
{
    const char *key;
    mce_decode_basis(d, root);
    json_t *v = json_object_get(root, "paused_due");
    d->paused_due = json_is_integer(v) ? json_integer_value(v) : MC_NONE;
    v = json_object_get(root, "original_due");
    d->original_due = json_is_integer(v) ? json_integer_value(v) : MC_NONE;
    d->ext_days = json_integer_value(json_object_get(root, "extension_days"));
    v = json_object_get(root, "parent");
    d->parent = json_is_integer(v) ? json_integer_value(v) : 0;
    const char *part = json_string_value(json_object_get(root, "part"));
    mce_copy_cut(d->part, sizeof d->part, part ? part : "");
    json_t *parts = json_object_get(root, "parts");
    d->parts_started = json_is_object(parts);
    for (size_t i = 0; d->parts_started && i < d->p->nparts && i < MC_MAX_PARTS; i++) {
        d->part_ids[i] = json_integer_value(json_object_get(parts, d->p->parts[i].name));
    }
    size_t li;
    json_array_foreach(json_object_get(root, "parts_late"), li, v)
    {
        const mc_part *x = mc_procedure_part(d->p, json_string_value(v));
        if (x != NULL && x - d->p->parts < MC_MAX_PARTS) {
            d->parts_late |= 1u << (x - d->p->parts);
        }
    }
    json_array_foreach(json_object_get(root, "parts_ended"), li, v)
    {
        const mc_part *x = mc_procedure_part(d->p, json_string_value(v));
        if (x != NULL && x - d->p->parts < MC_MAX_PARTS) {
            d->parts_ended |= 1u << (x - d->p->parts);
        }
    }
    json_object_foreach(json_object_get(root, "extensions"), key, v)
    {
        for (size_t i = 0; i < d->p->nextensions && i < MC_MAX_EXTENSIONS; i++) {
            if (strcmp(d->p->extensions[i].name, key) == 0 && json_is_integer(v)) {
                d->ext_used[i] = (uint16_t)json_integer_value(v);
            }
        }
    }
    json_object_foreach(json_object_get(root, "values"), key, v)
    {
        int i = mce_field_index(d->p, key);
        if (i >= 0 && json_is_string(v) && mce_set_str(&d->values[i], json_string_value(v)) != 0) {
            json_decref(root);
            return MC_ENOMEM;
        }
    }
    json_object_foreach(json_object_get(root, "requirements"), key, v)
    {
        int i = mce_req_index(d->p, key);
        if (i < 0) {
            continue;
        }
        const char *status = json_string_value(json_object_get(v, "status"));
        for (int k = 0; status && k <= MC_REQ_WAITING; k++) {
            if (strcmp(status, mce_req_names[k]) == 0) {
                d->reqs[i].status = (mc_req_status)k;
            }
        }
        const json_t *w = json_object_get(v, "wait");
        int tries = (int)json_integer_value(json_object_get(w, "tries"));
        d->reqs[i].wait_tries = d->reqs[i].status == MC_REQ_WAITING && tries > 0 ? tries : 0;
        d->reqs[i].wait_since = json_integer_value(json_object_get(w, "since"));
        d->reqs[i].wait_until = json_integer_value(json_object_get(w, "until"));
        d->reqs[i].wait_next = json_integer_value(json_object_get(w, "next"));
        if (d->reqs[i].status == MC_REQ_WAITING && d->reqs[i].wait_tries == 0) {
            d->reqs[i].status = MC_REQ_ASKED; /* a wait without its times: not waited on */
        }
        d->reqs[i].disputed = json_is_true(json_object_get(v, "disputed"));
        json_t *look = json_object_get(v, "lookup");
        json_decref(d->reqs[i].lookup);
        d->reqs[i].lookup = json_is_object(look) ? json_incref(look) : NULL;
        if (decode_reason(&d->reqs[i], v) != 0 ||
            mce_set_str(&d->reqs[i].registry, json_string_value(json_object_get(v, "registry"))) ||
            mce_set_str(&d->reqs[i].record, json_string_value(json_object_get(v, "record")))) {
            json_decref(root);
            return MC_ENOMEM;
        }
    }
    json_decref(root);
    return 0;
}

int mce_decode_data(mce_dos *d)
{
    json_t *root;
    int rc = mc_json_loads(d->row.data ? d->row.data : "{}", 0, &root);
    if (rc != 0) {
        return rc == MC_ENOMEM ? MC_ENOMEM : MC_EIO;
    }
    return decode_root(d, root);
}

/* ==== stored procedure texts (issue 19) ================================================== */

/* Compiles the stored text of hash against e's catalogue into pin (cat NULL and why set when it
 * no longer compiles, or is not in the store). MC_ENOMEM, or a store error. */
static int pin_compile(mc_engine *e, mce_pin *pin, mc_error *err)
{
    mc_text_row t;
    int rc = mc_store_text_get(e->st, pin->hash, &t, err);
    if (rc < 0) {
        return rc;
    }
    if (rc == 0) {
        snprintf(pin->why, sizeof pin->why, "its procedure text (%.16s) is not in the store",
                 pin->hash);
        return 0;
    }
    mc_rule_names names, *np = NULL;
    if (e->rules != NULL) {
        mc_rules_names(e->rules, &names);
        np = &names;
    }
    mc_diags *diags = NULL;
    mc_error cerr;
    mc_error_clear(&cerr);
    rc = mc_diags_new(&diags);
    if (rc == 0) {
        rc = mc_catalogue_load_pinned(&pin->cat, e->cat, pin->hash, t.text, np, diags, &cerr);
    }
    if (rc == MC_ECHECK) {
        const mc_diag *first = NULL;
        for (size_t i = 0; i < mc_diags_count(diags) && first == NULL; i++) {
            const mc_diag *g = mc_diags_get(diags, i);
            first = g->severity == MC_DIAG_ERROR ? g : NULL;
        }
        if (first != NULL) {
            snprintf(pin->why, sizeof pin->why,
                     "its procedure text no longer compiles: %s:%u:%u: %s", first->file,
                     first->line, first->col, first->msg);
        } else {
            snprintf(pin->why, sizeof pin->why, "its procedure text no longer compiles: %s",
                     cerr.msg);
        }
        rc = 0;
    }
    mc_diags_free(diags);
    mc_text_row_clear(&t);
    if (rc != 0 && rc != MC_ENOMEM) {
        return mc_error_set(err, rc, "%s", cerr.msg);
    }
    return rc == 0 ? 0 : mc_error_set(err, MC_ENOMEM, "out of memory");
}

int mce_pinned(mc_engine *e, const char *hash, const char *name, const char *version,
               const mc_procedure **out, const char **why, mc_error *err)
{
    *out = NULL;
    *why = NULL;
    mce_pin *pin = NULL;
    for (size_t i = 0; i < e->pins.n && pin == NULL; i++) {
        mce_pin *q = e->pins.items[i];
        pin = strcmp(q->hash, hash) == 0 ? q : NULL;
    }
    if (pin == NULL) {
        pin = mc_calloc(1, sizeof *pin);
        if (pin == NULL) {
            return mc_error_set(err, MC_ENOMEM, "out of memory");
        }
        snprintf(pin->hash, sizeof pin->hash, "%s", hash);
        int rc = pin_compile(e, pin, err);
        if (rc == 0 && mc_ptrvec_push(&e->pins, pin) != 0) {
            rc = mc_error_set(err, MC_ENOMEM, "out of memory");
        }
        if (rc != 0) {
            mc_catalogue_free(pin->cat);
            mc_free(pin);
            return rc;
        }
    }
    if (pin->cat != NULL) {
        *out = mce_find_version(pin->cat, name, version);
    }
    if (*out == NULL) {
        *why = pin->why[0] != '\0' ? pin->why : "its procedure text declares another version";
    }
    return 0;
}

void mce_pins_free(mc_engine *e)
{
    for (size_t i = 0; i < e->pins.n; i++) {
        mce_pin *pin = e->pins.items[i];
        mc_catalogue_free(pin->cat);
        mc_free(pin);
    }
    mc_ptrvec_free(&e->pins);
}

int mce_load(mc_engine *e, int64_t id, mce_dos *d, mc_error *err)
{
    memset(d, 0, sizeof *d);
    int rc = mc_store_dossier_load(e->st, id, &d->row, err);
    if (rc != 0) {
        return rc == MC_ENOTFOUND
                   ? mc_error_set(err, MC_ENOTFOUND, "unknown dossier %lld", (long long)id)
                   : rc;
    }
    json_t *root;
    rc = mc_json_loads(d->row.data ? d->row.data : "{}", 0, &root);
    if (rc != 0) {
        mce_dos_free(d);
        return rc == MC_ENOMEM
                   ? mc_error_set(err, MC_ENOMEM, "out of memory")
                   : mc_error_set(err, MC_EIO, "dossier %lld: its stored data cannot be read",
                                  (long long)id);
    }
    /* The dossier runs on the text it was submitted under: the catalogue's own when its hash
     * is the same (one compare), else that text compiled against the catalogue. */
    char n[24]; /* the dossier number, as the sentences of MC_EGONE say it */
    snprintf(n, sizeof n, "%lld", (long long)id);
    const char *hash = json_string_value(json_object_get(root, "text_hash"));
    const mc_procedure *p = mce_find_version(e->cat, d->row.procedure, d->row.version);
    if (hash != NULL && strlen(hash) < sizeof d->text_hash) {
        memcpy(d->text_hash, hash, strlen(hash) + 1);
    }
    if (hash != NULL && e->st != NULL && (p == NULL || strcmp(p->text_hash, hash) != 0)) {
        const char *why;
        const mc_procedure *pinned;
        rc = mce_pinned(e, hash, d->row.procedure, d->row.version, &pinned, &why, err);
        if (rc == 0 && pinned == NULL) {
            rc = mc_error_say(err, MC_EGONE, "dossier.procedure-broken", 4, n, d->row.procedure,
                              d->row.version, why);
        }
        if (rc != 0) {
            json_decref(root);
            mce_dos_free(d);
            return rc;
        }
        p = pinned;
    }
    if (p == NULL) {
        json_decref(root);
        rc = mc_error_say(err, MC_EGONE, "dossier.procedure-gone", 3, n, d->row.procedure,
                          d->row.version);
        mce_dos_free(d);
        return rc;
    }
    rc = mce_dos_alloc(d, p, true);
    if (rc == 0) {
        rc = decode_root(d, root);
    } else {
        json_decref(root);
    }
    if (rc != 0) {
        mce_dos_free(d);
        return rc == MC_ENOMEM
                   ? mc_error_set(err, MC_ENOMEM, "out of memory")
                   : mc_error_set(err, MC_EIO, "dossier %lld: its stored data cannot be read",
                                  (long long)id);
    }
    d->clk = d->row.clock && strcmp(d->row.clock, "running") == 0  ? MC_CLOCK_RUNNING
             : d->row.clock && strcmp(d->row.clock, "paused") == 0 ? MC_CLOCK_PAUSED
                                                                   : MC_CLOCK_STOPPED;
    d->state = UINT32_MAX;
    for (size_t i = 0; i < p->machine.nstates; i++) {
        if (strcmp(p->machine.states[i]->name, d->row.state) == 0) {
            d->state = (uint32_t)i;
        }
    }
    if (d->state == UINT32_MAX) {
        rc = mc_error_say(err, MC_EGONE, "dossier.state-gone", 3, n, d->row.state, p->name);
        mce_dos_free(d);
        return rc;
    }
    return 0;
}


const char *mce_party_id(const mce_dos *d, uint32_t k)
{
    return k == 0 ? d->row.subject : mc_party_value(d->p, k, (const char *const *)d->values);
}

/* ==== events ============================================================================= */

/* Queues an event of the dossier; body gets the fields every event records (§11). */
int mce_add_event(mc_engine *e, mce_dos *d, const char *kind, const char *actor, int64_t at,
                  json_t *body)
{
    if (d->events == NULL) {
        json_decref(body); /* a volatile engine records nothing: callers may pass NULL */
        return 0;
    }
    if (body == NULL) {
        return MC_ENOMEM;
    }
    char version[11];
    mce_version_text(d->p, version);
    json_t *legal = json_array();
    int bad = 0; /* a failed set: the event would be saved without it */
    for (size_t i = 0; i < d->p->legal_basis.n; i++) {
        bad |= json_array_append_new(legal, json_string(d->p->legal_basis.items[i]));
    }
    bad |= json_object_set_new(body, "procedure", json_string(d->p->name));
    bad |= json_object_set_new(body, "version", json_string(version));
    bad |= json_object_set_new(body, "legal_basis", legal);
    bad |= json_object_set_new(body, "catalogue", json_string(mc_catalogue_hash(e->cat)));
    if (d->user != NULL) {
        bad |= json_object_set_new(body, "user", json_string(d->user));
    }
    if (bad) {
        json_decref(body);
        return MC_ENOMEM;
    }
    json_t *ev = json_pack("{s:s, s:s?, s:I, s:o}", "kind", kind, "actor", actor, "at",
                           (json_int_t)at, "body", body);
    return ev && json_array_append_new(d->events, ev) == 0 ? 0 : MC_ENOMEM;
}

int mce_write_events(mc_engine *e, int64_t dossier, json_t *events, mc_error *err)
{
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev)
    {
        char *body = mc_json_dumps(json_object_get(ev, "body"), JSON_COMPACT | JSON_SORT_KEYS);
        if (body == NULL) {
            return mc_error_set(err, MC_ENOMEM, "out of memory");
        }
        mc_event_row row;
        memset(&row, 0, sizeof row);
        row.dossier = dossier;
        row.at = json_integer_value(json_object_get(ev, "at"));
        row.kind = json_string_value(json_object_get(ev, "kind"));
        row.actor = json_string_value(json_object_get(ev, "actor"));
        row.body = body;
        int rc = mc_store_event_append(e->st, &row, err);
        mc_free(body);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* Saves a worked-on dossier: the row (insert or update) and its queued events. */
int mce_save(mc_engine *e, mce_dos *d, mc_error *err)
{
    if (e->st == NULL) {
        return 0; /* a volatile engine's dossier stays with its caller */
    }
    char *data = mce_encode_data(d);
    if (data == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    mc_free(d->row.data);
    d->row.data = data;
    int rc = d->row.id == 0 ? mc_store_dossier_insert(e->st, &d->row, err)
                            : mc_store_dossier_update(e->st, &d->row, err);
    size_t i;
    json_t *t;
    json_array_foreach(d->tickets, i, t)
    {
        if (rc != 0) {
            break;
        }
        mc_ticket_row row = {d->row.id,
                             json_string_value(json_object_get(t, "registry")),
                             json_string_value(json_object_get(t, "document")),
                             d->row.subject,
                             json_string_value(json_object_get(t, "reference")),
                             json_string_value(json_object_get(t, "reason")),
                             json_string_value(json_object_get(t, "actor")),
                             json_integer_value(json_object_get(t, "at"))};
        rc = mc_store_ticket_put(e->st, &row, err);
    }
    if (rc == 0) {
        rc = mce_log_reads(e->st, d, err);
    }
    return rc != 0 ? rc : mce_write_events(e, d->row.id, d->events, err);
}

int mc_engine_row_applicant(mc_engine *e, const mc_dossier_row *row, char **name, mc_error *err)
{
    *name = NULL;
    if (row->procedure == NULL || row->version == NULL || row->data == NULL) {
        return 0;
    }
    const mc_procedure *p = mce_find_version(e->cat, row->procedure, row->version);
    json_t *root = NULL;
    int rc = mc_json_loads(row->data, 0, &root);
    if (rc == MC_ENOMEM) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    if (root == NULL) {
        return 0; /* data that is not JSON: the row has no name to show (show says why) */
    }
    /* The text the dossier runs on, as mce_load finds it: the catalogue's version when the
     * hashes agree, else the stored text (compiled once per engine, then kept). */
    const char *hash = json_string_value(json_object_get(root, "text_hash"));
    if (hash != NULL && e->st != NULL && (p == NULL || strcmp(p->text_hash, hash) != 0)) {
        const char *why;
        rc = mce_pinned(e, hash, row->procedure, row->version, &p, &why, err);
    }
    const char *v = NULL;
    if (rc == 0 && p != NULL && p->applicant != NULL) {
        v = json_string_value(json_object_get(json_object_get(root, "values"), p->applicant->name));
    }
    if (v != NULL && v[0] != '\0' && (*name = mce_dup(v)) == NULL) {
        rc = mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    json_decref(root);
    return rc;
}

/* ==== reads of a dossier, logged (access.h) ============================================== */

/* The access log's entries for a dossier read through the engine: here, above mce_load, while
 * access.c keeps the log itself over the store, below the dossier (mce_save logs its reads). */
int mc_engine_log_access(mc_engine *e, const mc_access *a, mc_error *err)
{
    mc_store *st = e->st;
    if (st == NULL) {
        return mc_error_set(err, MC_EUSAGE, "access log: the engine has no store");
    }
    if (a->dossier == 0 || a->subject != NULL) {
        return mc_access_record(st, a, err);
    }
    /* The dossier holds the other parties' identifiers too: their data was read as well. */
    mce_dos d;
    int rc = mce_load(e, a->dossier, &d, err);
    if (rc == 0) {
        rc = mce_access_dossier_read(st, a, d.row.subject, d.p, (const char *const *)d.values, err);
    }
    mce_dos_free(&d);
    return rc;
}

int mc_engine_log_read(mc_engine *e, const mc_access *a, const mc_dossier *d, mc_error *err)
{
    mc_store *st = e->st;
    if (st == NULL) {
        return mc_error_set(err, MC_EUSAGE, "access log: the engine has no store");
    }
    if (a->dossier != d->id || a->subject != NULL) {
        return mc_error_set(err, MC_EUSAGE, "access log: a read of dossier %lld names another",
                            (long long)d->id);
    }
    return mce_access_dossier_read(st, a, d->subject, d->procedure, d->values, err);
}
