/* The once-only rule at run time (SPEC §5): resolving requirements against published
 * registries, and refusing notes that ask for a fetched document. */
#include "engine_int.h"

#include "motcua/alloc.h"
#include "base/backoff.h"
#include "base/grow.h"
#include "base/regex.h"
#include "base/utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ==== once-only resolution (§5.1) ======================================================== */

static bool published(const mc_registry *reg, const mce_dos *d)
{
    return !reg->has_published || reg->published <= mc_calendar_date(mce_loc(d, d->row.submitted));
}

/* Why a record is asked although found: it outlived its document's validity (issue 16). The
 * reason's message code and its arguments besides the record's reference and registry. */
typedef struct expiry {
    const char *code; /* once-only.expired-months, …; NULL while the record is valid */
    char until[11], issued[11], n[12];
} expiry;

/* Whether a record of doc issued on `issued` (YYYY-MM-DD; "" or a bad date: valid) has outlived
 * its validity at d's reception: when it has, x says why the applicant is asked. */
static bool outlived(const mce_dos *d, const mc_document *doc, const char *issued, expiry *x)
{
    static const char *const codes[][2] = {
        {"once-only.expired-day", "once-only.expired-days"},
        {"once-only.expired-month", "once-only.expired-months"},
        {"once-only.expired-year", "once-only.expired-years"},
    };
    mc_date day;
    char msg[80];
    if (doc->valid.n == 0 || issued == NULL ||
        mc_value_date(issued, strlen(issued), &day, msg, sizeof msg) != 0) {
        return false;
    }
    mc_date end = mc_validity_expiry(&doc->valid, day);
    if (mc_calendar_date(mce_loc(d, d->row.submitted)) < end) {
        return false;
    }
    snprintf(x->issued, sizeof x->issued, "%s", issued);
    mc_date_format(end, x->until);
    snprintf(x->n, sizeof x->n, "%d", (int)doc->valid.n);
    x->code = codes[doc->valid.unit][doc->valid.n != 1];
    return true;
}

/* Whether the record found for requirement r has outlived its document's validity at the
 * dossier's reception: its issue date comes from the store (a volatile engine's look-ups carry
 * none, nor do records without an `issued` date: those stay valid). When it has, x says why the
 * applicant is asked. 1 expired, 0 valid, or an error. */
static int expired(mc_engine *e, const mce_dos *d, const mc_registry *reg, const mc_document *doc,
                   const char *subject, expiry *x, mc_error *err)
{
    if (doc->valid.n == 0 || e->st == NULL) {
        return 0;
    }
    char again[128], issued[11] = "";
    int found = mc_store_record_find(e->st, reg->name, doc->name, subject, again, sizeof again,
                                     issued, err);
    if (found <= 0) {
        return found;
    }
    return outlived(d, doc, issued, x) ? 1 : 0;
}

/* ==== live registries (issue 20) ========================================================= */

static const char *const outcome_names[] = {"found", "not-found", "unavailable", "incomplete",
                                            "invalid"};

/* A copy of s that lv owns, or NULL (out of memory). */
static const char *keep(mce_live *lv, const char *s)
{
    char *c = mce_dup(s != NULL ? s : "");
    if (c == NULL || mc_ptrvec_push(&lv->strs, c) != 0) {
        mc_free(c);
        return NULL;
    }
    return c;
}

static bool same_question(const mc_lookup *q, const char *reg, const char *doc, const char *who)
{
    return strcmp(q->registry, reg) == 0 && strcmp(q->document, doc) == 0 &&
           strcmp(q->subject, who) == 0;
}

static const mc_lookup *answer_of(const mce_live *lv, const char *reg, const char *doc,
                                  const char *who)
{
    for (size_t i = 0; i < lv->nanswers; i++) {
        if (same_question(&lv->answers[i], reg, doc, who)) {
            return &lv->answers[i];
        }
    }
    return NULL;
}

/* Queues the look-up of requirement r's record of who (once per registry, document, subject). */
static int queue(mce_live *lv, const mce_dos *d, const mc_requirement *r, const char *who)
{
    const mc_registry *reg = r->document->registry;
    for (size_t i = 0; i < lv->npending; i++) {
        if (same_question(&lv->pending[i], reg->name, r->document->name, who)) {
            return 0;
        }
    }
    if (mc_grow(&lv->pending, &lv->cap_pending, lv->npending + 1, sizeof *lv->pending) != 0) {
        return MC_ENOMEM;
    }
    mc_lookup *q = &lv->pending[lv->npending];
    memset(q, 0, sizeof *q);
    q->registry = keep(lv, reg->name);
    q->document = keep(lv, r->document->name);
    q->subject = keep(lv, who);
    q->party = keep(lv, r->party == 0 ? "applicant" : d->p->parties[r->party].name);
    q->procedure = keep(lv, d->p->name);
    q->agency = d->p->agency != NULL ? keep(lv, d->p->agency) : NULL;
    q->dossier = d->row.id;
    q->deadline_ms = 0; /* the client's per-registry timeout bounds it */
    if (!q->registry || !q->document || !q->subject || !q->party || !q->procedure ||
        (d->p->agency != NULL && q->agency == NULL)) {
        return MC_ENOMEM;
    }
    lv->npending++;
    return 0;
}

/* Makes the client's answer q safe to use: every text ends within its array and is UTF-8, an
 * unknown outcome, a FOUND without a reference or with an issue date that is not a date are
 * INVALID, and a failed outcome has a reason. */
static void sanitize(mc_lookup *q)
{
    q->reference[sizeof q->reference - 1] = '\0';
    q->issued[sizeof q->issued - 1] = '\0';
    q->request_id[sizeof q->request_id - 1] = '\0';
    q->answer_hash[sizeof q->answer_hash - 1] = '\0';
    q->reason[sizeof q->reason - 1] = '\0';
    char *texts[] = {q->reference, q->issued, q->request_id, q->answer_hash, q->reason};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        size_t bad = mc_utf8_invalid_at(texts[i], strlen(texts[i]));
        if (bad != SIZE_MAX) {
            texts[i][bad] = '\0'; /* what came before the first bad byte */
        }
    }
    /* The reason's code: a `lookup.*` code the catalogue knows, with at most its arguments, each
     * ending within its array and UTF-8; else none (the reason's text alone). */
    q->reason_code[sizeof q->reason_code - 1] = '\0';
    if (q->nreason_args > MC_LOOKUP_MAXARGS || strncmp(q->reason_code, "lookup.", 7) != 0 ||
        mc_msg_text(MC_LANG_EN, q->reason_code) == NULL) {
        q->reason_code[0] = '\0';
        q->nreason_args = 0;
    }
    for (size_t i = 0; i < q->nreason_args; i++) {
        char *a = q->reason_args[i];
        a[sizeof q->reason_args[i] - 1] = '\0';
        size_t bad = mc_utf8_invalid_at(a, strlen(a));
        if (bad != SIZE_MAX) {
            a[bad] = '\0';
        }
    }
    mc_date day;
    char msg[80];
    if ((unsigned)q->outcome > (unsigned)MC_LOOKUP_INVALID) {
        q->outcome = MC_LOOKUP_INVALID;
        snprintf(q->reason, sizeof q->reason, "an outcome the engine does not know");
        q->reason_code[0] = '\0';
        q->nreason_args = 0;
    } else if (q->outcome == MC_LOOKUP_FOUND && q->reference[0] == '\0') {
        q->outcome = MC_LOOKUP_INVALID;
        snprintf(q->reason, sizeof q->reason, "the answer names no record");
        q->reason_code[0] = '\0';
        q->nreason_args = 0;
    } else if (q->outcome == MC_LOOKUP_FOUND && q->issued[0] != '\0' &&
               mc_value_date(q->issued, strlen(q->issued), &day, msg, sizeof msg) != 0) {
        q->outcome = MC_LOOKUP_INVALID;
        snprintf(q->reason, sizeof q->reason, "the issue date is not a date");
        q->reason_code[0] = '\0';
        q->nreason_args = 0;
    }
    if (q->outcome == MC_LOOKUP_FOUND || q->outcome == MC_LOOKUP_NOT_FOUND) {
        q->reason_code[0] = '\0'; /* an answer, not a failure: no reason to give */
        q->nreason_args = 0;
    }
    if (q->outcome >= MC_LOOKUP_UNAVAILABLE && q->reason[0] == '\0') {
        static const char *const why[] = {"no answer", "no detail given", "a malformed answer"};
        snprintf(q->reason, sizeof q->reason, "%s", why[q->outcome - MC_LOOKUP_UNAVAILABLE]);
    }
}

int mce_ask_registries(mc_engine *e, mce_live *lv, mc_error *err)
{
    if (lv->npending == 0) {
        return 0;
    }
    if (mc_grow(&lv->answers, &lv->cap_answers, lv->nanswers + lv->npending, sizeof *lv->answers) !=
        0) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < lv->npending; i++) {
        mc_lookup *q = &lv->pending[i];
        q->outcome = MC_LOOKUP_UNAVAILABLE; /* what a look-up the client leaves is */
        q->reference[0] = q->issued[0] = q->request_id[0] = q->answer_hash[0] = '\0';
        q->reason[0] = q->reason_code[0] = '\0';
        q->nreason_args = 0;
        q->answered_at = 0;
    }
    lv->calls++;
    int rc = e->registries.lookup(e->registries.ud, lv->pending, lv->npending, err);
    if (rc != 0) {
        if (err != NULL && err->code == 0) {
            mc_error_set(err, rc, "the registries' client failed: %s", mc_error_name(rc));
        }
        return rc;
    }
    for (size_t i = 0; i < lv->npending; i++) {
        sanitize(&lv->pending[i]);
        lv->answers[lv->nanswers++] = lv->pending[i];
    }
    lv->npending = 0;
    return 0;
}

void mce_live_free(mce_live *lv)
{
    for (size_t i = 0; i < lv->strs.n; i++) {
        mc_free(lv->strs.items[i]);
    }
    mc_ptrvec_free(&lv->strs);
    mc_free(lv->answers);
    mc_free(lv->pending);
    memset(lv, 0, sizeof *lv);
}

/* Whether requirement s's last look-up answers the question again (the registry's `reuse`): the
 * same record of the same subject, a registry's answer (found or not), not older than reuse. */
static bool reusable(const mce_live *lv, const mc_registry *reg, const mc_requirement *r,
                     const char *who, const mce_req_state *s)
{
    if (!reg->has_reuse || s->lookup == NULL) {
        return false;
    }
    int64_t age = mc_duration_seconds(&reg->reuse);
    const char *outcome = json_string_value(json_object_get(s->lookup, "outcome"));
    const char *reg_name = json_string_value(json_object_get(s->lookup, "registry"));
    const char *doc = json_string_value(json_object_get(s->lookup, "document"));
    const char *subject = json_string_value(json_object_get(s->lookup, "subject"));
    int64_t asked = json_integer_value(json_object_get(s->lookup, "asked_at"));
    return outcome != NULL && reg_name != NULL && doc != NULL && subject != NULL &&
           (strcmp(outcome, "found") == 0 || strcmp(outcome, "not-found") == 0) &&
           strcmp(reg_name, reg->name) == 0 && strcmp(doc, r->document->name) == 0 &&
           strcmp(subject, who) == 0 && lv->now >= asked && lv->now - asked < age;
}

/* The proof of look-up a (of who's record for requirement r of d): what was asked, by whom,
 * what came back. */
static json_t *proof_of(const mce_live *lv, const mce_dos *d, const mc_requirement *r,
                        const char *who, const mc_lookup *a)
{
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:I, s:I, s:s}", "registry",
                  r->document->registry->name, "document", r->document->name, "subject", who,
                  "party", r->party == 0 ? "applicant" : d->p->parties[r->party].name, "dossier",
                  (json_int_t)d->row.id, "procedure", d->p->name, "asked_at", (json_int_t)lv->now,
                  "answered_at", (json_int_t)a->answered_at, "outcome", outcome_names[a->outcome]);
    int bad = o == NULL;
    const char *const texts[][2] = {{"request", a->request_id},
                                    {"hash", a->answer_hash},
                                    {"reference", a->reference},
                                    {"issued", a->issued},
                                    {"reason", a->reason}};
    for (size_t i = 0; !bad && i < sizeof texts / sizeof texts[0]; i++) {
        if (texts[i][1][0] != '\0') {
            bad |= json_object_set_new(o, texts[i][0], json_string(texts[i][1]));
        }
    }
    if (!bad && a->reason_code[0] != '\0') { /* ["CODE", ARG…]: the client's reason's code */
        json_t *why = json_array();
        bad |= json_array_append_new(why, json_string(a->reason_code));
        for (size_t k = 0; k < a->nreason_args; k++) {
            bad |= json_array_append_new(why, json_string(a->reason_args[k]));
        }
        bad |= json_object_set_new(o, "reason_msg", why);
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The local time of utc in d's calendar, YYYY-MM-DDTHH:MM. */
static void local_text(const mce_dos *d, int64_t utc, char out[17])
{
    mc_localtime l = mce_loc(d, utc);
    mc_datetime_format((mc_datetime)((l - ((l % 60) + 60) % 60) / 60), out);
}

/* How long after the n-th unanswered look-up the registry is asked again: a minute (or the
 * client's retry_first_s), doubled at each failure, at most an hour. */
static int64_t backoff(const mce_live *lv, int n)
{
    int64_t first = lv->retry_first > 0 ? lv->retry_first : MCE_RETRY_FIRST;
    return mc_backoff(first < MCE_RETRY_MOST ? first : MCE_RETRY_MOST, MCE_RETRY_MOST, n);
}

/* Sets requirement s's reason for the live answer a: the engine's sentence (code with nargs
 * arguments) is its English text; its code and arguments are the client's when the client gave
 * them (a `lookup.*` code: "civil-status did not answer within 2000 ms"), so that people read
 * the client's reason in their language, else the engine's. */
static int live_reason(mce_req_state *s, const mc_lookup *a, const char *code, size_t nargs,
                       const char *a1, const char *a2, const char *a3, const char *a4)
{
    if (mce_set_reason(s, code, nargs, a1, a2, a3, a4) != 0) {
        return MC_ENOMEM;
    }
    if (a->reason_code[0] == '\0') {
        return 0;
    }
    char *text = s->reason;
    s->reason = NULL;
    int rc = mce_set_reason(s, a->reason_code, a->nreason_args, a->reason_args[0],
                            a->reason_args[1], a->reason_args[2], a->reason_args[3]);
    if (rc == 0) {
        mc_free(s->reason);
        s->reason = text;
    } else {
        mc_free(text);
    }
    return rc;
}

/* Resolves requirement i of d with the live registry's answer a about who. fresh: a was asked
 * in this operation (its proof is recorded, in the requirement, the event and the access log);
 * else it is the requirement's last answer, reused. A registry that does not answer and
 * declares `wait` leaves the requirement WAITING, to be asked again with backoff, until the
 * wait ends: then the applicant is asked. */
static int resolve_live(const mce_live *lv, mce_dos *d, size_t i, const char *who,
                        const mc_lookup *a, bool fresh, mc_error *err)
{
    const mc_requirement *r = &d->p->requires[i];
    const mc_registry *reg = r->document->registry;
    mce_req_state *s = &d->reqs[i];
    expiry old = {.code = NULL};
    bool found = a->outcome == MC_LOOKUP_FOUND && !outlived(d, r->document, a->issued, &old);
    static const char *const codes[] = {NULL, "once-only.not-found", "once-only.live-unavailable",
                                        "once-only.live-incomplete", "once-only.live-invalid"};
    const char *code = codes[a->outcome];
    bool was_waiting = mce_waiting(s);
    bool waits = false, waited = false;
    int64_t since = was_waiting ? s->wait_since : lv->now, until = 0, next = 0;
    char until_text[17], next_text[17], amount[32];
    const char *waited_code = NULL;
    if (a->outcome == MC_LOOKUP_UNAVAILABLE && reg->has_wait) {
        until = since + mc_duration_seconds(&reg->wait);
        waits = lv->now < until;
        waited = !waits;
        next = lv->now + backoff(lv, was_waiting ? s->wait_tries + 1 : 1);
        next = next < until ? next : until; /* never past the wait's end */
        local_text(d, until, until_text);
        local_text(d, next, next_text);
        mc_fixed_format(reg->wait.amount, amount); /* the wait as the catalogue says it */
        waited_code = reg->wait.unit == MC_DUR_MIN       ? "once-only.live-waited-min"
                      : reg->wait.unit == MC_DUR_H       ? "once-only.live-waited-h"
                      : reg->wait.amount == MC_FIXED_ONE ? "once-only.live-waited-day"
                                                         : "once-only.live-waited-days";
    }
    s->status = found ? MC_REQ_FETCHED : waits ? MC_REQ_WAITING : MC_REQ_ASKED;
    s->wait_tries = waits ? (was_waiting ? s->wait_tries + 1 : 1) : 0;
    s->wait_since = waits ? since : 0;
    s->wait_until = waits ? until : 0;
    s->wait_next = waits ? next : 0;
    mce_clear_reason(s);
    if (mce_set_str(&s->registry, found ? reg->name : NULL) ||
        mce_set_str(&s->record, found ? a->reference : NULL) ||
        (old.code != NULL &&
         mce_set_reason(s, old.code, 5, a->reference, reg->name, old.until, old.issued, old.n)) ||
        (waits && live_reason(s, a, "once-only.live-waiting", 4, reg->name, a->reason, until_text,
                              next_text) != 0) ||
        (waited && mce_set_reason(s, waited_code, 3, reg->name, amount, a->reason)) ||
        (!waits && !waited && code != NULL && a->outcome == MC_LOOKUP_NOT_FOUND &&
         mce_set_reason(s, code, 1, reg->name)) ||
        (!waits && !waited && a->outcome >= MC_LOOKUP_UNAVAILABLE &&
         live_reason(s, a, a->reason_code[0] ? "once-only.live-reason" : code,
                     a->reason_code[0] ? 1 : 2, a->reason_code[0] ? a->reason : reg->name,
                     a->reason, NULL, NULL) != 0)) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    if (!fresh) {
        return 0;
    }
    json_t *proof = proof_of(lv, d, r, who, a);
    if (proof == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    json_decref(s->lookup);
    s->lookup = proof;
    if (d->looks != NULL && json_array_append(d->looks, proof) != 0) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    bool asked = a >= lv->answers && a < lv->answers + lv->nanswers; /* by the client */
    if (d->reads != NULL && asked) {
        /* Every live look-up is a read of the person's data, the applicant's too. */
        json_t *read = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?}", "registry", reg->name,
                                 "document", r->document->name, "subject", who, "route",
                                 "live-registry", "outcome", outcome_names[a->outcome], "request",
                                 a->request_id[0] ? a->request_id : NULL);
        int bad = read == NULL;
        if (!bad && r->party != 0) {
            bad = json_object_set_new(read, "party", json_string(d->p->parties[r->party].name));
        }
        if (bad) {
            json_decref(read);
            return mc_error_set(err, MC_ENOMEM, "out of memory");
        }
        if (json_array_append_new(d->reads, read) != 0) { /* takes read, even when it fails */
            return mc_error_set(err, MC_ENOMEM, "out of memory");
        }
    }
    return 0;
}

/* The requirement's last answer as a look-up, to be reused. */
static void last_answer(const mce_req_state *s, mc_lookup *a)
{
    memset(a, 0, sizeof *a);
    const char *outcome = json_string_value(json_object_get(s->lookup, "outcome"));
    a->outcome =
        outcome != NULL && strcmp(outcome, "found") == 0 ? MC_LOOKUP_FOUND : MC_LOOKUP_NOT_FOUND;
    const char *ref = json_string_value(json_object_get(s->lookup, "reference"));
    const char *issued = json_string_value(json_object_get(s->lookup, "issued"));
    snprintf(a->reference, sizeof a->reference, "%s", ref ? ref : "");
    snprintf(a->issued, sizeof a->issued, "%s", issued ? issued : "");
    if (a->outcome == MC_LOOKUP_FOUND && a->reference[0] == '\0') {
        a->outcome = MC_LOOKUP_NOT_FOUND;
    }
}

int mce_add_lookups(const mce_dos *d, json_t *body)
{
    if (body == NULL || d->looks == NULL || json_array_size(d->looks) == 0) {
        return 0;
    }
    return json_object_set(body, "lookups", d->looks) != 0 ? MC_ENOMEM : 0;
}

int mce_resolve(mc_engine *e, mce_dos *d, mce_refusal *rf, mc_error *err)
{
    bool need = false; /* a live registry's answer the operation does not have yet */
    for (size_t i = 0; i < d->p->nrequires; i++) {
        const mc_requirement *r = &d->p->requires[i];
        mce_req_state *s = &d->reqs[i];
        bool holds;
        char reason[200];
        int rc = mce_eval(e, d, &r->when, &holds, rf, reason, sizeof reason, err);
        if (rc != 0) {
            return rc;
        }
        if (s->status == MC_REQ_PROVIDED) {
            continue; /* what the applicant gave stays given */
        }
        if (!holds) {
            s->status = MC_REQ_NOT_REQUIRED;
            continue;
        }
        if (s->status == MC_REQ_FETCHED) {
            continue;
        }
        if (mce_waiting(s) && e->live == NULL && r->document->registry != NULL &&
            r->document->registry->live && r->document->registry->has_wait) {
            /* Waiting for its registry: only an engine that can ask it (serve's) asks again;
             * a command line without a client leaves it waiting rather than read a snapshot. */
            continue;
        }
        if (s->disputed) {
            s->status = MC_REQ_ASKED; /* required again: the disputed record stays unused */
            continue;
        }
        /* Not required, or asked: query again, since a record may have arrived meanwhile. */
        const mc_registry *reg = r->document->registry;
        char ref[128] = "", from[11];
        const char *code = NULL, *arg1 = reg ? reg->name : NULL, *arg2 = NULL; /* why asked */
        const char *who = NULL; /* the identifier of the party whose record is looked up */
        expiry old = {.code = NULL};
        int found = 0;
        if (reg == NULL) {
            /* no registry holds it: asked, with no reason to give */
        } else if (!published(reg, d)) {
            mc_date_format(reg->published, from);
            code = "once-only.not-published";
            arg2 = from;
        } else if ((who = mce_party_id(d, r->party)) == NULL) {
            /* the applicant without a subject; another party the dossier does not name */
            code = r->party == 0 ? "once-only.no-subject" : "once-only.no-party";
            if (r->party != 0) {
                arg1 = d->p->parties[r->party].name;
                arg2 = reg->name;
            }
        } else if (reg->live && e->live != NULL) {
            /* Asked where it is (issue 20): the operation's answer, the last one while `reuse`
             * allows, or queued for the client; unanswered after the last run: unavailable. */
            mc_lookup last;
            const mc_lookup *a = answer_of(e->live, reg->name, r->document->name, who);
            bool fresh = a != NULL;
            if (a == NULL && reusable(e->live, reg, r, who, s)) {
                last_answer(s, &last);
                a = &last;
            } else if (a == NULL && !e->live->last) {
                if (queue(e->live, d, r, who) != 0) {
                    return mc_error_set(err, MC_ENOMEM, "out of memory");
                }
                need = true;
                continue;
            } else if (a == NULL) {
                memset(&last, 0, sizeof last);
                last.outcome = MC_LOOKUP_UNAVAILABLE;
                snprintf(last.reason, sizeof last.reason, "no answer after %d runs",
                         (int)MCE_LOOKUP_PASSES);
                a = &last;
                fresh = true;
            }
            int rc2 = resolve_live(e->live, d, i, who, a, fresh, err);
            if (rc2 != 0) {
                return rc2;
            }
            continue;
        } else {
            found = mce_record_get(e, reg->name, r->document->name, who, ref, sizeof ref, err);
            if (found < 0) {
                return found;
            }
            /* Another person's record was read for this dossier: the access log says whose. */
            if (r->party != 0 && d->reads != NULL) {
                json_t *read = json_pack("{s:s, s:s, s:s, s:s}", "registry", reg->name, "document",
                                         r->document->name, "subject", who, "party",
                                         d->p->parties[r->party].name);
                if (read == NULL || json_array_append_new(d->reads, read) != 0) {
                    return mc_error_set(err, MC_ENOMEM, "out of memory");
                }
            }
            code = found ? NULL : "once-only.not-found";
            int x = found ? expired(e, d, reg, r->document, who, &old, err) : 0;
            if (x < 0) {
                return x;
            }
            found = found && !x; /* an expired record is asked, with the reason */
        }
        s->status = found ? MC_REQ_FETCHED : MC_REQ_ASKED;
        mce_clear_reason(s);
        if (mce_dos_set(d, &s->registry, found ? reg->name : NULL) ||
            mce_dos_set(d, &s->record, found ? ref : NULL) ||
            (old.code != NULL && mce_set_reason(s, old.code, 5, ref[0] ? ref : "without reference",
                                                reg->name, old.until, old.issued, old.n)) ||
            (code != NULL && mce_set_reason(s, code, arg2 ? 2 : 1, arg1, arg2))) {
            return mc_error_set(err, MC_ENOMEM, "out of memory");
        }
    }
    return need ? MCE_ELOOKUP : 0;
}

/* ==== asking the applicant (§5.1) ========================================================= */

int mce_check_ask(const mce_dos *d, size_t k, mce_refusal *rf)
{
    if (d->reqs[k].status != MC_REQ_FETCHED) {
        return 0;
    }
    return mce_refuse(rf, MC_REFUSED_ONCE_ONLY, "once-only.held", 3,
                      d->p->requires[k].document->name,
                      d->reqs[k].registry ? d->reqs[k].registry : "?",
                      d->reqs[k].record ? d->reqs[k].record : "?");
}

enum { MAX_NOTE = 1024 * 1024 };

/* The free text of a note may not ask for a fetched document (§5.3): each fetched document's
 * `match` pattern runs over it, under PCRE2's match limits, after Unicode normalisation (NFC),
 * so that a note typed with combining marks is read as its composed twin. The check fails
 * closed: a pattern that gives up refuses the note, since an unchecked note may ask for what a
 * registry holds. */
int mce_check_note(const mce_dos *d, const char *note, mce_refusal *rf)
{
    size_t len = strlen(note);
    if (len > MAX_NOTE) {
        char n[24];
        snprintf(n, sizeof n, "%zu", len);
        return mce_refuse(rf, MC_REFUSED_OTHER, "note.too-long", 1, n);
    }
    size_t bad = mc_utf8_invalid_at(note, len);
    if (bad != SIZE_MAX) {
        char at[24];
        snprintf(at, sizeof at, "%zu", bad + 1);
        return mce_refuse(rf, MC_REFUSED_OTHER, "note.not-utf8", 1, at);
    }
    char *text = NULL; /* the note in NFC, made for the first pattern that runs */
    size_t n = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < d->p->nrequires; i++) {
        const mc_document *doc = d->p->requires[i].document;
        if (d->reqs[i].status != MC_REQ_FETCHED || doc->match == NULL) {
            continue;
        }
        if (text == NULL && (rc = mc_utf8_nfc(note, len, &text, &n)) != 0) {
            break; /* valid UTF-8 was checked above: only MC_ENOMEM */
        }
        size_t start = 0, end = 0;
        char why[200];
        int m = mc_regex_match(doc->match, text, n, &start, &end, why, sizeof why);
        if (m == 1) {
            size_t k = end - start > 80 ? 80 : end - start;
            while (k > 0 && k < end - start && ((unsigned char)text[start + k] & 0xC0) == 0x80) {
                k--; /* cut at a character, not inside one: the message must stay UTF-8 */
            }
            char says[84];
            memcpy(says, text + start, k);
            says[k] = '\0';
            rc = mce_refuse(rf, MC_REFUSED_ONCE_ONLY, "once-only.held-note", 4, doc->name,
                            d->reqs[i].registry ? d->reqs[i].registry : "?",
                            d->reqs[i].record ? d->reqs[i].record : "?", says);
        } else if (m == MC_ENOMEM) {
            rc = MC_ENOMEM;
        } else if (m != 0) {
            rc = mce_refuse(rf, MC_REFUSED_LIMIT, "note.unchecked", 2, doc->name, why);
        }
    }
    mc_free(text);
    return rc;
}
