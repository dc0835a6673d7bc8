/*
 * Fee schedules as data (issue 16): `fee-schedule NAME { … }` declares the amounts of a fee with
 * the dates they take effect and the legal basis of each value, and the categories of applicants
 * who pay a reduced fee or none, tested on a dossier's fields. A procedure points at one with
 * `fee schedule NAME` (decl_procedure.c); the engine, `explain` and `cost` read the amount in
 * force at a date through mc_fee_schedule_apply(), the one place that computes it. Document
 * validity (`valid 6 months`, mc_validity_expiry) lives here too: both are dated figures a
 * procedure takes from the law.
 */
#include "decl_int.h"

#include "motcua/alloc.h"

#include <stdio.h>
#include <string.h>

__extension__ typedef __int128 i128;

/* ==== building =========================================================================== */

typedef struct fee_build {
    mcb_titled t; /* first: mcb_title_handler works on it */
    mc_fee_schedule *s;
    mc_fee_amount *amounts;
    mc_fee_relief *reliefs;
} fee_build;

/* The optional `legal-basis "…"` at toks[i]; 0 when absent or read, -1 after reporting. */
static int legal_tail(mcb_builder *b, const mc_node *n, size_t i, const char *usage,
                      const char **out)
{
    *out = NULL;
    if (i == n->ntoks) {
        return 0;
    }
    if (i + 2 != n->ntoks || !mc_tok_is(&n->toks[i], "legal-basis")) {
        return mcb_error(b, &n->toks[i], "unexpected '%.*s' (write: %s)",
                         (int)(n->toks[i].text_len > 40 ? 40 : n->toks[i].text_len),
                         n->toks[i].text, usage);
    }
    return mcb_string(b, &n->toks[i + 1], "a legal basis", out);
}

static int fee_amount(mcb_builder *b, const mc_node *n, void *obj)
{
    static const char usage[] = "amount AMOUNT CURRENCY from DATE [legal-basis \"text\"]";
    fee_build *fb = obj;
    mc_fee_amount a = {.pos = mcb_pos(b, &n->toks[0])};
    if (mcb_money(b, &n->toks[1], &n->toks[2], &a.amount) != 0) {
        return -1;
    }
    if (n->ntoks < 5 || !mc_tok_is(&n->toks[3], "from")) {
        return mcb_error(b, n->ntoks > 3 ? &n->toks[3] : &n->toks[2],
                         "an amount needs the date it takes effect (write: %s)", usage);
    }
    if (mcb_date(b, &n->toks[4], &a.from) != 0 || legal_tail(b, n, 5, usage, &a.legal_basis)) {
        return -1;
    }
    mc_fee_schedule *s = fb->s;
    if (s->namounts > 0) {
        const mc_fee_amount *last = &fb->amounts[s->namounts - 1];
        char day[11], prev[11], where[300];
        mc_date_format(a.from, day);
        mc_date_format(last->from, prev);
        mcb_where(b, last->pos, where, sizeof where);
        if (a.from == last->from) {
            return mcb_error(b, &n->toks[4],
                             "two amounts from %s in fee schedule '%s' (first at %s)", day, s->name,
                             where);
        }
        if (a.from < last->from) {
            return mcb_error(b, &n->toks[4],
                             "amounts out of order: %s comes after %s (at %s); list them oldest "
                             "first",
                             day, prev, where);
        }
        if (strcmp(a.amount.currency, last->amount.currency) != 0) {
            return mcb_error(b, &n->toks[2],
                             "fee schedule '%s' mixes currencies (%s here, %s at %s)", s->name,
                             a.amount.currency, last->amount.currency, where);
        }
    }
    fb->amounts[s->namounts++] = a;
    return 0;
}

/* `reduced PERCENT when COND [legal-basis "…"]` and `exempt when COND [legal-basis "…"]`. */
static int fee_relief(mcb_builder *b, const mc_node *n, void *obj)
{
    fee_build *fb = obj;
    bool exempt = mc_tok_is(&n->toks[0], "exempt");
    const char *usage = exempt ? "exempt when COND [legal-basis \"text\"]"
                               : "reduced PERCENT when COND [legal-basis \"text\"]";
    mc_fee_relief r = {.kind = exempt ? MC_RELIEF_EXEMPT : MC_RELIEF_REDUCED,
                       .share = 100 * MC_FIXED_ONE,
                       .pos = mcb_pos(b, &n->toks[0])};
    size_t i = 1;
    if (!exempt) {
        if (mcb_percent(b, &n->toks[1], &r.share) != 0) {
            return -1;
        }
        if (r.share == 0) {
            return mcb_error(b, &n->toks[1], "a reduction of 0%% reduces nothing");
        }
        i = 2;
    }
    if (i >= n->ntoks || !mc_tok_is(&n->toks[i], "when")) {
        return mcb_error(b, &n->toks[i < n->ntoks ? i : n->ntoks - 1],
                         "a category needs the field that defines it (write: %s)", usage);
    }
    i++;
    if (i < n->ntoks && mc_tok_is(&n->toks[i], "rule")) {
        return mcb_error(b, &n->toks[i],
                         "a fee category tests a field, not a rule (write 'fee rule "
                         "MODULE.FUNCTION' and read the schedule with fees.amount)");
    }
    size_t at = i;
    if (mcb_cond(b, n, &i, &r.when) != 0) {
        return -1;
    }
    if (r.when.kind == MC_COND_DOCUMENTS_COMPLETE) {
        return mcb_error(b, &n->toks[at],
                         "a fee category tests a field, not whether the documents are complete");
    }
    if (legal_tail(b, n, i, usage, &r.legal_basis) != 0) {
        return -1;
    }
    fb->reliefs[fb->s->nreliefs++] = r;
    return 0;
}

static const mcb_directive fee_table[] = {
    {"title", 1, 2, MCB_NO_BLOCK, false, mcb_title_handler, "[LANG] \"text\""},
    {"amount", 4, 6, MCB_NO_BLOCK, false, fee_amount,
     "AMOUNT CURRENCY from DATE [legal-basis \"text\"]"},
    {"reduced", 3, MCB_ANY, MCB_NO_BLOCK, false, fee_relief,
     "PERCENT when COND [legal-basis \"text\"]"},
    {"exempt", 2, MCB_ANY, MCB_NO_BLOCK, false, fee_relief, "when COND [legal-basis \"text\"]"},
};

void mcb_build_fee_schedule(mcb_builder *b, mc_fee_schedule *s, const mc_node *n)
{
    fee_build fb = {{NULL, 0, NULL}, s, NULL, NULL};
    size_t na = mcb_count(n->child, "amount");
    fb.amounts = mcb_array(b, na, sizeof *fb.amounts);
    fb.reliefs = mcb_array(b, mcb_count(n->child, "reduced") + mcb_count(n->child, "exempt"),
                           sizeof *fb.reliefs);
    if (b->fatal || !mcb_prepare_titles(b, &fb.t, n->child)) {
        return;
    }
    mcb_run(b, n->child, fee_table, sizeof fee_table / sizeof fee_table[0],
            "fee schedule directive", &fb);
    s->titles = fb.t.titles;
    s->ntitles = fb.t.n;
    s->amounts = fb.amounts;
    s->reliefs = fb.reliefs;
    if (na == 0) {
        mcb_report_at(b, MC_DIAG_ERROR, s->pos, strlen(s->name),
                      "fee schedule '%s' has no amount (write: amount 8000 VND from 2025-01-01)",
                      s->name);
    }
}

void mcb_check_fee_schedule(mcb_builder *b, const mc_procedure *p)
{
    const mc_fee_schedule *s = p->fee_schedule;
    if (s == NULL) {
        return;
    }
    char what[200];
    snprintf(what, sizeof what, "procedure '%s' (fee schedule '%s')", p->name, s->name);
    for (size_t i = 0; i < s->nreliefs; i++) {
        mcb_check_cond(b, &s->reliefs[i].when, p->fields, p->nfields, what);
    }
    if (s->namounts > 0 && p->has_effective && p->effective < s->amounts[0].from) {
        char eff[11], from[11];
        mc_date_format(p->effective, eff);
        mc_date_format(s->amounts[0].from, from);
        mc_pos at = p->pos; /* at `fee schedule NAME`, where the two dates meet */
        size_t len = strlen(p->name);
        const mc_token *t = mcb_decl_arg(b, MCB_K_PROCEDURE, p, "fee", 2, &at.file);
        if (t != NULL) {
            at.off = t->off;
            len = t->len;
        }
        mcb_warn_at(b, "fee-before-schedule", at, len,
                    "procedure '%s' is in force from %s but fee schedule '%s' has no amount "
                    "before %s: dossiers received earlier pay 0",
                    p->name, eff, s->name, from);
    }
}

/* ==== queries ============================================================================ */

const mc_fee_amount *mc_fee_schedule_line(const mc_fee_schedule *s, mc_date date)
{
    const mc_fee_amount *found = NULL;
    for (size_t i = 0; i < s->namounts && s->amounts[i].from <= date; i++) {
        found = &s->amounts[i];
    }
    return found;
}

static bool relief_holds(const mc_procedure *p, const mc_cond *c, const char *const *values)
{
    const mc_field *f = mc_field_find(p->fields, p->nfields, c->field);
    if (f == NULL) {
        return false; /* a field the version lacks (lint reports it) grants no relief */
    }
    const char *v = values != NULL ? values[f - p->fields] : NULL;
    switch (c->kind) {
    case MC_COND_FIELD:
        return v != NULL && strcmp(v, "true") == 0;
    case MC_COND_NOT:
        return !(v != NULL && strcmp(v, "true") == 0);
    case MC_COND_IS:
        return v != NULL && strcmp(v, c->value) == 0;
    default:
        return false; /* rules are refused at load */
    }
}

int mc_fee_schedule_apply(const mc_procedure *p, mc_date date, const char *const *values,
                          mc_fee_basis *out)
{
    *out = (mc_fee_basis){.line = NULL, .relief = NULL, .amount = 0};
    const mc_fee_schedule *s = p->fee_schedule;
    if (p->fee_kind != MC_FEE_SCHEDULE || s == NULL) {
        return MC_EUSAGE;
    }
    out->line = mc_fee_schedule_line(s, date);
    if (out->line == NULL) {
        return 0;
    }
    for (int pass = 0; pass < 2 && out->relief == NULL; pass++) {
        mc_relief_kind want = pass == 0 ? MC_RELIEF_EXEMPT : MC_RELIEF_REDUCED;
        for (size_t i = 0; i < s->nreliefs && out->relief == NULL; i++) {
            if (s->reliefs[i].kind == want && relief_holds(p, &s->reliefs[i].when, values)) {
                out->relief = &s->reliefs[i];
            }
        }
    }
    int64_t full = out->line->amount.amount;
    if (out->relief == NULL) {
        out->amount = full;
    } else {
        /* full × (100% − share), rounded half up to the smallest unit; shares are at most 100%
         * with six decimals, so the product fits while full stays below 9.2e10 dong */
        i128 keep = (i128)full * (100 * MC_FIXED_ONE - out->relief->share);
        i128 unit = 100 * MC_FIXED_ONE;
        out->amount = (int64_t)((keep + unit / 2) / unit);
    }
    return 0;
}

/* ==== validity =========================================================================== */

mc_date mc_validity_expiry(const mc_validity *v, mc_date issued)
{
    if (v->unit == MC_VALID_DAYS) {
        return issued + v->n;
    }
    int y, m, d;
    mc_date_to_ymd(issued, &y, &m, &d);
    int months = v->unit == MC_VALID_YEARS ? v->n * 12 : v->n;
    int total = y * 12 + (m - 1) + months;
    int ny = total / 12, nm = total % 12 + 1;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int last = mdays[nm - 1] + (nm == 2 && ((ny % 4 == 0 && ny % 100 != 0) || ny % 400 == 0));
    return mc_date_from_ymd(ny, nm, d > last ? last : d);
}

void mc_validity_text(const mc_validity *v, char *out, size_t outsz)
{
    static const char *const units[][2] = {{"day", "days"}, {"month", "months"}, {"year", "years"}};
    snprintf(out, outsz, "%d %s", (int)v->n, units[v->unit][v->n != 1]);
}
