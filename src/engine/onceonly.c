/* The once-only rule at run time (SPEC §5): resolving requirements against published
 * registries, and refusing notes that ask for a fetched document. */
#include "engine_int.h"

#include "motcua/alloc.h"
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

/* Whether the record found for requirement r has outlived its document's validity at the
 * dossier's reception: its issue date comes from the store (a volatile engine's look-ups carry
 * none, nor do records without an `issued` date: those stay valid). When it has, x says why the
 * applicant is asked. 1 expired, 0 valid, or an error. */
static int expired(mc_engine *e, const mce_dos *d, const mc_registry *reg, const mc_document *doc,
                   const char *subject, expiry *x, mc_error *err)
{
    static const char *const codes[][2] = {
        {"once-only.expired-day", "once-only.expired-days"},
        {"once-only.expired-month", "once-only.expired-months"},
        {"once-only.expired-year", "once-only.expired-years"},
    };
    if (doc->valid.n == 0 || e->st == NULL) {
        return 0;
    }
    char again[128];
    int found = mc_store_record_find(e->st, reg->name, doc->name, subject, again, sizeof again,
                                     x->issued, err);
    mc_date day;
    char msg[80];
    if (found <= 0 || mc_value_date(x->issued, strlen(x->issued), &day, msg, sizeof msg) != 0) {
        return found < 0 ? found : 0;
    }
    mc_date end = mc_validity_expiry(&doc->valid, day);
    if (mc_calendar_date(mce_loc(d, d->row.submitted)) < end) {
        return 0;
    }
    mc_date_format(end, x->until);
    snprintf(x->n, sizeof x->n, "%d", (int)doc->valid.n);
    x->code = codes[doc->valid.unit][doc->valid.n != 1];
    return 1;
}

int mce_resolve(mc_engine *e, mce_dos *d, mce_refusal *rf, mc_error *err)
{
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
        if (mce_set_str(&s->registry, found ? reg->name : NULL) ||
            mce_set_str(&s->record, found ? ref : NULL) ||
            (old.code != NULL && mce_set_reason(s, old.code, 5, ref[0] ? ref : "without reference",
                                                reg->name, old.until, old.issued, old.n)) ||
            (code != NULL && mce_set_reason(s, code, arg2 ? 2 : 1, arg1, arg2))) {
            return mc_error_set(err, MC_ENOMEM, "out of memory");
        }
    }
    return 0;
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
