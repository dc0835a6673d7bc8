/*
 * Procedures (SPEC §4.7) with their fields (§4.5) and requirements; the same table builds the
 * procedure blocks of reforms (§4.8), which hold only what they change.
 */
#include "decl_int.h"
#include "decl_procedure.h"

#include "motcua/alloc.h"
#include "base/suggest.h"

#include <stdio.h>
#include <string.h>

/* ==== fields ============================================================================= */

typedef struct field_build {
    mcb_titled t; /* first: mcb_title_handler works on it */
    mc_field *f;
    bool has_type, bad_type;
    const mc_node *sample, *options;
    mc_pos *option_pos;    /* of each option in the `options` line */
    const mc_node **blocks; /* the `option NAME { … }` blocks, nblocks of them */
    size_t nblocks;
} field_build;

static int fd_type(mcb_builder *b, const mc_node *n, void *obj)
{
    static const char *const types[] = {"text", "integer", "number", "date",
                                        "bool", "choice",  "money"};
    field_build *fb = obj;
    fb->has_type = true; /* given, even if wrong: no "has no type" on top of the error */
    fb->bad_type = true;
    mc_suggest s;
    mc_suggest_init(&s, n->toks[1].text, n->toks[1].text_len);
    for (int k = 0; k < 7; k++) {
        if (mc_tok_is(&n->toks[1], types[k])) {
            fb->f->type = (mc_field_type)k;
            fb->bad_type = false;
            return 0;
        }
        mc_suggest_offer(&s, types[k]);
    }
    if (s.best != NULL) {
        return mcb_error(b, &n->toks[1], "unknown field type '%.*s' (did you mean '%s'?)",
                         (int)(n->toks[1].text_len > 40 ? 40 : n->toks[1].text_len),
                         n->toks[1].text, s.best);
    }
    return mcb_error(b, &n->toks[1],
                     "unknown field type (text, integer, number, date, bool, choice or money)");
}

static int fd_required(mcb_builder *b, const mc_node *n, void *obj)
{
    (void)b, (void)n;
    ((field_build *)obj)->f->required = true;
    return 0;
}

static int fd_pattern(mcb_builder *b, const mc_node *n, void *obj)
{
    field_build *fb = obj;
    if (mcb_string(b, &n->toks[1], "a pattern", &fb->f->pattern_source) != 0) {
        return -1;
    }
    fb->f->pattern = mcb_regex(b, &n->toks[1], true);
    return fb->f->pattern ? 0 : -1;
}

static int fd_options(mcb_builder *b, const mc_node *n, void *obj)
{
    field_build *fb = obj;
    const char **opts = mcb_array(b, n->ntoks - 1, sizeof *opts);
    mc_pos *pos = mcb_array(b, n->ntoks - 1, sizeof *pos);
    if (opts == NULL || pos == NULL) {
        return -1;
    }
    size_t k = 0;
    for (size_t i = 1; i < n->ntoks; i++) {
        const char *o;
        if (mcb_name(b, &n->toks[i], &o) != 0) {
            return -1;
        }
        bool dup = false;
        for (size_t j = 0; j < k && !dup; j++) {
            dup = strcmp(opts[j], o) == 0;
        }
        if (dup) {
            mcb_error(b, &n->toks[i], "option '%s' given twice", o);
            continue;
        }
        pos[k] = mcb_pos(b, &n->toks[i]);
        opts[k++] = o;
    }
    fb->option_pos = pos;
    fb->f->options.items = opts;
    fb->f->options.n = k;
    fb->options = n;
    return 0;
}

static int fd_sample(mcb_builder *b, const mc_node *n, void *obj)
{
    ((field_build *)obj)->sample = n; /* read once the type is known */
    (void)b;
    return 0;
}

/* `option NAME { title … }`: read once the options are known (field_options). */
static int fd_option(mcb_builder *b, const mc_node *n, void *obj)
{
    field_build *fb = obj;
    (void)b;
    fb->blocks[fb->nblocks++] = n;
    return 0;
}

static const mcb_directive field_table[] = {
    {"type", 1, 1, MCB_NO_BLOCK, true, fd_type, "text|integer|number|date|bool|choice|money"},
    {"required", 0, 0, MCB_NO_BLOCK, true, fd_required, ""},
    {"pattern", 1, 1, MCB_NO_BLOCK, true, fd_pattern, "\"PCRE2 pattern\""},
    {"options", 1, MCB_ANY, MCB_NO_BLOCK, true, fd_options, "OPTION…"},
    {"title", 1, 2, MCB_NO_BLOCK, false, mcb_title_handler, "[LANG] \"text\""},
    {"sample", 1, MCB_ANY, MCB_NO_BLOCK, true, fd_sample, "P% | OPTION P%…"},
    {"option", 1, 1, MCB_NEED_BLOCK, false, fd_option, "OPTION"},
};

static const mcb_directive option_table[] = {
    {"title", 1, 2, MCB_NO_BLOCK, false, mcb_title_handler, "[LANG] \"text\""},
};

/* The options of a choice field as people read them: each with its position in `options` and
 * the titles of its `option` block, which must name one of the options, once. */
static void field_options(mcb_builder *b, field_build *fb)
{
    mc_field *f = fb->f;
    mc_option *info = mcb_array(b, f->options.n, sizeof *info);
    if (info == NULL) {
        return;
    }
    for (size_t i = 0; i < f->options.n; i++) {
        info[i].name = f->options.items[i];
        info[i].pos = fb->option_pos[i];
    }
    for (size_t j = 0; j < fb->nblocks; j++) {
        const mc_node *n = fb->blocks[j];
        const mc_token *name = &n->toks[1];
        size_t k = 0;
        mc_suggest s;
        mc_suggest_init(&s, name->text, name->text_len);
        while (k < f->options.n && !mc_tok_is(name, f->options.items[k])) {
            mc_suggest_offer(&s, f->options.items[k]);
            k++;
        }
        int len = (int)(name->text_len > 64 ? 64 : name->text_len);
        if (k == f->options.n) {
            if (s.best != NULL) {
                mcb_error(b, name, "'%.*s' is not an option of field '%s' (did you mean '%s'?)",
                          len, name->text, f->name, s.best);
            } else {
                mcb_error(b, name, "'%.*s' is not an option of field '%s' (add it to: options …)",
                          len, name->text, f->name);
            }
            continue;
        }
        if (info[k].declared) {
            char where[300];
            mcb_where(b, info[k].block_pos, where, sizeof where);
            mcb_error(b, name, "option '%s' is titled twice (first at %s)", info[k].name, where);
            continue;
        }
        mcb_titled t;
        if (!mcb_prepare_titles(b, &t, n->child)) {
            return;
        }
        mcb_run(b, n->child, option_table, 1, "option directive", &t);
        info[k].declared = true;
        info[k].block_pos = mcb_pos(b, name);
        info[k].titles = t.titles;
        info[k].ntitles = t.n;
    }
    f->option_info = info;
}

static void field_sample(mcb_builder *b, field_build *fb)
{
    mc_field *f = fb->f;
    const mc_node *n = fb->sample;
    if (f->type == MC_FIELD_BOOL) {
        if (n->ntoks != 2) {
            mcb_error(b, &n->toks[0], "a bool field's sample is one percentage (sample 70%%)");
            return;
        }
        f->has_sample = mcb_percent(b, &n->toks[1], &f->sample) == 0;
        return;
    }
    if (f->type != MC_FIELD_CHOICE) {
        mcb_error(b, &n->toks[0], "'sample' is for bool and choice fields");
        return;
    }
    if (n->ntoks % 2 != 1) {
        mcb_error(b, &n->toks[0],
                  "a choice field's sample is pairs: sample OPTION P%% OPTION P%%…");
        return;
    }
    mc_fixed *share = mcb_array(b, f->options.n ? f->options.n : 1, sizeof *share);
    if (share == NULL) {
        return;
    }
    mc_fixed total = 0;
    for (size_t i = 1; i + 1 < n->ntoks; i += 2) {
        const mc_token *o = &n->toks[i];
        size_t k = 0;
        while (k < f->options.n && !mc_tok_is(o, f->options.items[k])) {
            k++;
        }
        if (k == f->options.n) {
            mcb_error(b, o, "'%.*s' is not an option of field '%s'",
                      (int)(o->text_len > 64 ? 64 : o->text_len), o->text, f->name);
            return;
        }
        mc_fixed p;
        if (mcb_percent(b, &n->toks[i + 1], &p) != 0) {
            return;
        }
        share[k] = p;
        total += p;
    }
    if (total > 100 * MC_FIXED_ONE) {
        mcb_error(b, &n->toks[0], "the sample shares of field '%s' add up to more than 100%%",
                  f->name);
        return;
    }
    f->has_sample = true;
    f->option_share = share;
}

static int pr_field(mcb_builder *b, const mc_node *n, void *obj)
{
    mcb_proc_build *pb = obj;
    mc_field *f = mcb_alloc(b, sizeof *f);
    if (f == NULL || mcb_name(b, &n->toks[1], &f->name) != 0) {
        return -1;
    }
    f->pos = mcb_pos(b, &n->toks[1]);
    field_build fb;
    memset(&fb, 0, sizeof fb);
    fb.f = f;
    size_t nblocks = mcb_count(n->child, "option");
    fb.blocks = nblocks ? mcb_array(b, nblocks, sizeof *fb.blocks) : NULL;
    if ((nblocks && fb.blocks == NULL) || !mcb_prepare_titles(b, &fb.t, n->child)) {
        return -1;
    }
    mcb_run(b, n->child, field_table, sizeof field_table / sizeof field_table[0], "field directive",
            &fb);
    f->titles = fb.t.titles;
    f->ntitles = fb.t.n;
    if (fb.bad_type) {
        /* reported; the other checks of the field would only guess */
    } else if (!fb.has_type) {
        mcb_error(b, &n->toks[1], "field '%s' has no type (add: type text, type bool, …)", f->name);
    } else if (fb.options != NULL && f->type != MC_FIELD_CHOICE) {
        mcb_error(b, &fb.options->toks[0], "'options' is only for choice fields");
    } else if (fb.nblocks > 0 && f->type != MC_FIELD_CHOICE) {
        mcb_error(b, &fb.blocks[0]->toks[0], "'option' is only for choice fields");
    } else if (f->type == MC_FIELD_CHOICE && f->options.n == 0) {
        mcb_error(b, &n->toks[1], "choice field '%s' has no options (add: options A B …)", f->name);
    } else {
        if (f->type == MC_FIELD_CHOICE) {
            field_options(b, &fb);
        }
        if (fb.sample != NULL) {
            field_sample(b, &fb);
        }
    }
    return mcb_push(b, &pb->fields, f);
}

/* ==== requirements ======================================================================= */

typedef struct req_build {
    mc_requirement *r;
    const char **legal;
} req_build;

static int rq_effort(mcb_builder *b, const mc_node *n, void *obj)
{
    req_build *rb = obj;
    rb->r->has_effort = mcb_duration(b, &n->toks[1], false, &rb->r->effort) == 0;
    return rb->r->has_effort ? 0 : -1;
}

static int rq_cost(mcb_builder *b, const mc_node *n, void *obj)
{
    req_build *rb = obj;
    rb->r->has_cost = mcb_money(b, &n->toks[1], &n->toks[2], &rb->r->cost) == 0;
    return rb->r->has_cost ? 0 : -1;
}

static int rq_legal(mcb_builder *b, const mc_node *n, void *obj)
{
    req_build *rb = obj;
    const char *s;
    if (mcb_string(b, &n->toks[1], "a legal basis", &s) != 0) {
        return -1;
    }
    rb->legal[rb->r->legal_basis.n++] = s;
    return 0;
}

static const mcb_directive requires_table[] = {
    {"effort", 1, 1, MCB_NO_BLOCK, true, rq_effort, "DURATION"},
    {"cost", 2, 2, MCB_NO_BLOCK, true, rq_cost, "AMOUNT CURRENCY"},
    {"legal-basis", 1, 1, MCB_NO_BLOCK, false, rq_legal, "\"text\""},
};

static int pr_requires(mcb_builder *b, const mc_node *n, void *obj)
{
    mcb_proc_build *pb = obj;
    mc_requirement *r = mcb_alloc(b, sizeof *r);
    if (r == NULL) {
        return -1;
    }
    r->pos = mcb_pos(b, &n->toks[1]);
    r->document = mcb_resolve(b, &n->toks[1], &b->cat->document_map, "document");
    if (r->document == NULL) {
        return -1;
    }
    size_t at = 2;
    if (n->ntoks > 2 && mc_tok_is(&n->toks[2], "of")) {
        if (n->ntoks < 4) {
            return mcb_error(b, &n->toks[2],
                             "expected a party after 'of' (write: requires DOCUMENT of PARTY)");
        }
        if (mcb_name(b, &n->toks[3], &r->party_name) != 0) {
            return -1;
        }
        r->party_pos = mcb_pos(b, &n->toks[3]);
        at = 4;
    }
    if (n->ntoks > at) {
        if (!mc_tok_is(&n->toks[at], "when")) {
            return mcb_error(b, &n->toks[at],
                             "expected 'when' after the document (write: requires DOCUMENT "
                             "[of PARTY] [when COND])");
        }
        size_t i = at + 1;
        if (mcb_cond(b, n, &i, &r->when) != 0) {
            return -1;
        }
        if (r->when.kind == MC_COND_DOCUMENTS_COMPLETE) {
            return mcb_error(b, &n->toks[at + 1],
                             "'documents complete' guards a transition: whether a document is "
                             "required cannot depend on whether the documents are complete");
        }
        if (i < n->ntoks) {
            return mcb_error(b, &n->toks[i], "unexpected '%.*s' after the condition",
                             (int)(n->toks[i].text_len > 40 ? 40 : n->toks[i].text_len),
                             n->toks[i].text);
        }
    }
    req_build rb = {r, mcb_array(b, mcb_count(n->child, "legal-basis"), sizeof(char *))};
    if (b->fatal) {
        return -1;
    }
    r->legal_basis.items = rb.legal;
    mcb_run(b, n->child, requires_table, sizeof requires_table / sizeof requires_table[0],
            "requirement directive", &rb);
    return mcb_push(b, &pb->requires, r);
}

/* ==== parties ============================================================================ */

/* A declared party while the procedure is built: its field is resolved once the fields are. */
typedef struct party_decl {
    mcb_titled t; /* first: mcb_title_handler works on it */
    mc_party party;
    const mc_token *name, *field; /* field: NULL when the block names none */
    const mc_node *sample;        /* the `sample` directive, or NULL */
} party_decl;

static int pa_field(mcb_builder *b, const mc_node *n, void *obj)
{
    party_decl *pd = obj;
    const char *name;
    if (mcb_name(b, &n->toks[1], &name) != 0) {
        return -1;
    }
    pd->field = &n->toks[1];
    return 0;
}

static int pa_sample(mcb_builder *b, const mc_node *n, void *obj)
{
    party_decl *pd = obj;
    pd->party.has_sample = mcb_percent(b, &n->toks[1], &pd->party.sample) == 0;
    pd->sample = n;
    return pd->party.has_sample ? 0 : -1;
}

static const mcb_directive party_table[] = {
    {"field", 1, 1, MCB_NO_BLOCK, true, pa_field, "FIELD"},
    {"sample", 1, 1, MCB_NO_BLOCK, true, pa_sample, "P%"},
    {"title", 1, 2, MCB_NO_BLOCK, false, mcb_title_handler, "[LANG] \"text\""},
};

static int pr_party(mcb_builder *b, const mc_node *n, void *obj)
{
    mcb_proc_build *pb = obj;
    if (pb->patch) {
        return mcb_error(b, &n->toks[0],
                         "a reform cannot change the parties of a procedure (declare them in the "
                         "procedure)");
    }
    party_decl *pd = mcb_alloc(b, sizeof *pd);
    if (pd == NULL || mcb_name(b, &n->toks[1], &pd->party.name) != 0) {
        return -1;
    }
    pd->name = &n->toks[1];
    pd->party.pos = mcb_pos(b, &n->toks[1]);
    if (strcmp(pd->party.name, "applicant") == 0) {
        return mcb_error(b, &n->toks[1],
                         "'applicant' is the built-in party, identified by the procedure's "
                         "subject: give this party another name");
    }
    if (!mcb_prepare_titles(b, &pd->t, n->child)) {
        return -1;
    }
    mcb_run(b, n->child, party_table, sizeof party_table / sizeof party_table[0], "party directive",
            pd);
    pd->party.titles = pd->t.titles;
    pd->party.ntitles = pd->t.n;
    if (pd->field == NULL) {
        return mcb_error(b, &n->toks[1],
                         "party '%s' needs 'field FIELD' (the field with its identifier)",
                         pd->party.name);
    }
    return mcb_push(b, &pb->parties, pd);
}

/* Resolves the declared parties' fields against p's fields and lays the parties out after the
 * applicant (parties[0], identified by the subject). */
static void freeze_parties(mcb_builder *b, mcb_proc_build *pb)
{
    mc_procedure *p = pb->p;
    mc_party *parties = mcb_array(b, pb->parties.n + 1, sizeof *parties);
    if (parties == NULL) {
        return;
    }
    parties[0] = (mc_party){.name = "applicant", .pos = p->pos, .field = p->subject};
    size_t n = 1;
    for (size_t i = 0; i < pb->parties.n; i++) {
        party_decl *pd = pb->parties.items[i];
        mc_party *y = &parties[n];
        *y = pd->party;
        const mc_token *t = pd->field;
        y->field = NULL;
        for (size_t k = 0; k < p->nfields; k++) {
            if (mc_tok_is(t, p->fields[k].name)) {
                y->field = &p->fields[k];
            }
        }
        bool dup = false;
        for (size_t k = 1; k < n && !dup; k++) {
            if (strcmp(parties[k].name, y->name) == 0) {
                char where[300];
                mcb_where(b, parties[k].pos, where, sizeof where);
                mcb_error(b, pd->name, "duplicate party '%s' (first declared at %s)", y->name,
                          where);
                dup = true;
            }
        }
        if (dup) {
            continue;
        }
        if (n > MC_MAX_PARTIES) {
            mcb_error(b, pd->name, "procedure '%s' declares more than %d parties", p->name,
                      MC_MAX_PARTIES);
            continue;
        }
        if (y->field == NULL) {
            mc_suggest s;
            mc_suggest_init(&s, t->text, t->text_len);
            for (size_t k = 0; k < p->nfields; k++) {
                mc_suggest_offer(&s, p->fields[k].name);
            }
            mcb_error(b, t, "unknown field '%.*s' for party '%s'%s%s%s", (int)t->text_len, t->text,
                      y->name, s.best ? " (did you mean '" : "", s.best ? s.best : "",
                      s.best ? "'?)" : "");
            continue;
        }
        if (y->field->type != MC_FIELD_TEXT) {
            mcb_error(b, t,
                      "party '%s' is identified by field '%s', a %s field: an identifier is a "
                      "text field",
                      y->name, y->field->name, mc_field_type_name(y->field->type));
            continue;
        }
        if (pd->sample != NULL && y->field->required) {
            mcb_error(b, &pd->sample->toks[0],
                      "party '%s' is named in every dossier (field '%s' is required): 'sample' is "
                      "for a party whose field is optional",
                      y->name, y->field->name);
            continue;
        }
        const mc_party *twin = NULL;
        for (size_t k = 1; k < n && twin == NULL; k++) {
            twin = parties[k].field == y->field ? &parties[k] : NULL;
        }
        if (twin != NULL) {
            mcb_error(b, t, "party '%s' is identified by '%s', which identifies party '%s' already",
                      y->name, y->field->name, twin->name);
            continue;
        }
        if (y->field == p->subject) {
            mcb_error(b, t,
                      "party '%s' is identified by '%s', the applicant's subject: a party has a "
                      "field of its own",
                      y->name, y->field->name);
            continue;
        }
        n++;
    }
    p->parties = parties;
    p->nparties = n;
}

/* The party each requirement names with `of` (checked against parties; a reform's are checked
 * against every version it patches, decl_reform.c). */
static void resolve_requirement_parties(mcb_builder *b, mc_procedure *p)
{
    for (size_t i = 0; i < p->nrequires; i++) {
        mc_requirement *r = (mc_requirement *)&p->requires[i];
        if (r->party_name == NULL) {
            continue;
        }
        int k = mc_party_find(p, r->party_name);
        if (k >= 0) {
            r->party = (uint32_t)k;
            continue;
        }
        mc_suggest s;
        mc_suggest_init(&s, r->party_name, strlen(r->party_name));
        for (size_t j = 0; j < p->nparties; j++) {
            mc_suggest_offer(&s, p->parties[j].name);
        }
        mcb_report_at(b, MC_DIAG_ERROR, r->party_pos, strlen(r->party_name),
                      "unknown party '%s' in procedure '%s'%s%s%s", r->party_name, p->name,
                      s.best ? " (did you mean '" : "", s.best ? s.best : "", s.best ? "'?)" : "");
    }
}

/* A declared party that no requirement and no result names does nothing: lint warns. */
static void check_unused_parties(mcb_builder *b, const mc_procedure *p)
{
    for (size_t k = 1; k < p->nparties; k++) {
        bool used = false;
        for (size_t i = 0; i < p->nrequires && !used; i++) {
            used = p->requires[i].party == k;
        }
        for (size_t i = 0; i < p->machine.nstates && !used; i++) {
            const mc_state *s = p->machine.states[i];
            for (size_t j = 0; j < s->nissues && !used; j++) {
                for (size_t q = 0; q < s->issues[j].nparties && !used; q++) {
                    used = strcmp(s->issues[j].parties[q], p->parties[k].name) == 0;
                }
            }
        }
        if (!used) {
            mcb_warn_at(b, "unused-party", p->parties[k].pos, strlen(p->parties[k].name),
                        "party '%s' is named by no requirement (requires … of %s) and no "
                        "result (issues … for %s) of procedure '%s'",
                        p->parties[k].name, p->parties[k].name, p->parties[k].name, p->name);
        }
    }
}

/* Every `issues … for PARTY` of p's machine names a party of p (a lifecycle's states are checked
 * in each procedure that uses them). */
static void check_issue_parties(mcb_builder *b, const mc_procedure *p)
{
    for (size_t i = 0; i < p->machine.nstates; i++) {
        const mc_state *s = p->machine.states[i];
        for (size_t k = 0; k < s->nissues; k++) {
            const mc_issue *is = &s->issues[k];
            for (size_t j = 0; j < is->nparties; j++) {
                if (mc_party_find(p, is->parties[j]) >= 0) {
                    continue;
                }
                mc_suggest sg;
                mc_suggest_init(&sg, is->parties[j], strlen(is->parties[j]));
                for (size_t q = 0; q < p->nparties; q++) {
                    mc_suggest_offer(&sg, p->parties[q].name);
                }
                mcb_report_at(b, MC_DIAG_ERROR, is->party_pos[j], strlen(is->parties[j]),
                              "unknown party '%s' in procedure '%s'%s%s%s", is->parties[j], p->name,
                              sg.best ? " (did you mean '" : "", sg.best ? sg.best : "",
                              sg.best ? "'?)" : "");
            }
        }
    }
}

/* ==== extensions of the time limit ======================================================= */

typedef struct ext_build {
    mcb_titled t; /* first: mcb_title_handler works on it */
    mc_extension *x;
    const char **legal;
    bool has_by, has_on;
} ext_build;

static int ex_by(mcb_builder *b, const mc_node *n, void *obj)
{
    ext_build *eb = obj;
    if (mcb_duration(b, &n->toks[1], true, &eb->x->by) != 0) {
        eb->has_by = true; /* given, even if wrong: no "needs 'by'" on top of the error */
        return -1;
    }
    eb->has_by = true;
    if (eb->x->by.unit != MC_DUR_WD) {
        return mcb_error(b, &n->toks[1],
                         "an extension is counted in working days: write it in wd, as in by 5wd");
    }
    if (eb->x->by.amount <= 0) {
        return mcb_error(b, &n->toks[1], "an extension adds at least 1wd");
    }
    return 0;
}

static int ex_at_most(mcb_builder *b, const mc_node *n, void *obj)
{
    ext_build *eb = obj;
    int64_t k;
    if (mcb_integer(b, &n->toks[1], &k) != 0) {
        return -1;
    }
    if (k < 1 || k > 100) {
        return mcb_error(b, &n->toks[1], "'at-most' takes a whole number from 1 to 100");
    }
    eb->x->at_most = k;
    return 0;
}

static int ex_on(mcb_builder *b, const mc_node *n, void *obj)
{
    /* on EVENT [by ROLE…] */
    ext_build *eb = obj;
    mc_extension *x = eb->x;
    eb->has_on = true;
    if (mcb_name(b, &n->toks[1], &x->event) != 0) {
        return -1;
    }
    x->event_pos = mcb_pos(b, &n->toks[1]);
    if (n->ntoks == 2) {
        return 0;
    }
    if (!mc_tok_is(&n->toks[2], "by") || n->ntoks < 4) {
        return mcb_error(b, &n->toks[2],
                         "expected 'by ROLE…' after the event (write: on EVENT "
                         "[by ROLE…])");
    }
    const mc_role **roles = mcb_array(b, n->ntoks - 3, sizeof *roles);
    if (roles == NULL) {
        return -1;
    }
    int rc = 0;
    for (size_t i = 3; i < n->ntoks; i++) {
        const mc_role *r = mcb_resolve(b, &n->toks[i], &b->cat->role_map, "role");
        if (r == NULL) {
            rc = -1;
        }
        roles[x->nroles++] = r;
    }
    x->roles = roles;
    return rc;
}

static int ex_when(mcb_builder *b, const mc_node *n, void *obj)
{
    ext_build *eb = obj;
    size_t i = 1;
    if (mcb_cond(b, n, &i, &eb->x->when) != 0) {
        return -1;
    }
    if (i < n->ntoks) {
        return mcb_error(b, &n->toks[i], "unexpected '%.*s' after the condition",
                         (int)(n->toks[i].text_len > 40 ? 40 : n->toks[i].text_len),
                         n->toks[i].text);
    }
    return 0;
}

static int ex_legal(mcb_builder *b, const mc_node *n, void *obj)
{
    ext_build *eb = obj;
    const char *s;
    if (mcb_string(b, &n->toks[1], "a legal basis", &s) != 0) {
        return -1;
    }
    eb->legal[eb->x->legal_basis.n++] = s;
    return 0;
}

static const mcb_directive extension_table[] = {
    {"by", 1, 1, MCB_NO_BLOCK, true, ex_by, "DURATION"},
    {"at-most", 1, 1, MCB_NO_BLOCK, true, ex_at_most, "N"},
    {"on", 1, MCB_ANY, MCB_NO_BLOCK, true, ex_on, "EVENT [by ROLE…]"},
    {"when", 1, MCB_ANY, MCB_NO_BLOCK, true, ex_when, "COND"},
    {"legal-basis", 1, 1, MCB_NO_BLOCK, false, ex_legal, "\"text\""},
    {"title", 1, 2, MCB_NO_BLOCK, false, mcb_title_handler, "[LANG] \"text\""},
};

static int pr_extension(mcb_builder *b, const mc_node *n, void *obj)
{
    mcb_proc_build *pb = obj;
    mc_procedure *p = pb->p;
    if (pb->patch) {
        return mcb_error(b, &n->toks[0],
                         "a reform cannot change the extensions of a time limit (declare them in "
                         "the procedure)");
    }
    mc_extension *x = &((mc_extension *)p->extensions)[p->nextensions];
    memset(x, 0, sizeof *x);
    if (mcb_name(b, &n->toks[1], &x->name) != 0) {
        return -1;
    }
    x->pos = mcb_pos(b, &n->toks[1]);
    x->at_most = 1;
    ext_build eb = {.x = x};
    eb.legal = mcb_array(b, mcb_count(n->child, "legal-basis"), sizeof(char *));
    if (!mcb_prepare_titles(b, &eb.t, n->child) || b->fatal) {
        return -1;
    }
    x->legal_basis.items = eb.legal;
    size_t errors = mc_diags_errors(b->diags);
    mcb_run(b, n->child, extension_table, sizeof extension_table / sizeof extension_table[0],
            "extension directive", &eb);
    x->titles = eb.t.titles;
    x->ntitles = eb.t.n;
    if (!eb.has_by) {
        mcb_error(b, &n->toks[1], "extension '%s' needs 'by DURATION' (how many working days)",
                  x->name);
    }
    if (!eb.has_on) {
        mcb_error(b, &n->toks[1], "extension '%s' needs 'on EVENT' (the event that fires it)",
                  x->name);
    }
    if (mc_diags_errors(b->diags) != errors) {
        return -1; /* kept out: the checks of the procedure would report its absent parts */
    }
    p->nextensions++;
    return 0;
}

/* ==== procedure scalars ================================================================== */

#define PB                                                                                         \
    mcb_proc_build *pb = obj;                                                                      \
    mc_procedure *p = pb->p

static int pr_code(mcb_builder *b, const mc_node *n, void *obj)
{
    PB;
    p->code = mcb_tokdup(b, &n->toks[1]);
    return 0;
}

static int pr_legal(mcb_builder *b, const mc_node *n, void *obj)
{
    PB;
    const char *s;
    if (mcb_string(b, &n->toks[1], "a legal basis", &s) != 0) {
        return -1;
    }
    ((const char **)p->legal_basis.items)[p->legal_basis.n++] = s;
    return 0;
}

static int pr_agency(mcb_builder *b, const mc_node *n, void *obj)
{
    PB;
    p->agency = mcb_tokdup(b, &n->toks[1]);
    p->agency_pos = mcb_pos(b, &n->toks[1]);
    return 0;
}

static int pr_effective(mcb_builder *b, const mc_node *n, void *obj)
{
    PB;
    p->has_effective = mcb_date(b, &n->toks[1], &p->effective) == 0;
    return p->has_effective ? 0 : -1;
}

static int pr_calendar(mcb_builder *b, const mc_node *n, void *obj)
{
    PB;
    p->calendar = mcb_resolve(b, &n->toks[1], &b->cat->calendar_map, "calendar");
    return p->calendar ? 0 : -1;
}

static int pr_time_limit(mcb_builder *b, const mc_node *n, void *obj)
{
    PB;
    p->has_time_limit = mcb_duration(b, &n->toks[1], true, &p->time_limit) == 0;
    return p->has_time_limit ? 0 : -1;
}

static int pr_fee(mcb_builder *b, const mc_node *n, void *obj)
{
    PB;
    if (mc_tok_is(&n->toks[1], "rule")) {
        if (mcb_rule(b, &n->toks[2], &p->fee_rule) != 0) {
            return -1;
        }
        p->fee_kind = MC_FEE_RULE;
        return 0;
    }
    if (mc_tok_is(&n->toks[1], "schedule")) {
        p->fee_schedule = mcb_resolve(b, &n->toks[2], &b->cat->fee_schedule_map, "fee schedule");
        if (p->fee_schedule == NULL) {
            return -1;
        }
        p->fee_kind = MC_FEE_SCHEDULE;
        return 0;
    }
    if (mcb_money(b, &n->toks[1], &n->toks[2], &p->fee) != 0) {
        return -1;
    }
    p->fee_kind = MC_FEE_FIXED;
    return 0;
}

static int pr_online(mcb_builder *b, const mc_node *n, void *obj)
{
    PB;
    static const char *const levels[] = {"none", "partial", "full"};
    for (int k = 0; k < 3; k++) {
        if (mc_tok_is(&n->toks[1], levels[k])) {
            p->online = (mc_online)k;
            return 0;
        }
    }
    return mcb_error(b, &n->toks[1], "unknown online level (full, partial or none)");
}

enum { MAX_VOLUME = 1000000000, MAX_VISITS = 100 };

static int pr_volume(mcb_builder *b, const mc_node *n, void *obj)
{
    PB;
    if (!mc_tok_is(&n->toks[2], "per") || !mc_tok_is(&n->toks[3], "year")) {
        return mcb_error(b, &n->toks[2], "write the volume as: volume N per year");
    }
    if (mcb_integer(b, &n->toks[1], &p->volume) != 0) {
        return -1;
    }
    if (p->volume < 0 || p->volume > MAX_VOLUME) {
        return mcb_error(b, &n->toks[1], "volume must be between 0 and 1000000000 per year");
    }
    p->has_volume = true;
    return 0;
}

static int pr_visits(mcb_builder *b, const mc_node *n, void *obj)
{
    PB;
    if (mcb_integer(b, &n->toks[1], &p->visits) != 0) {
        return -1;
    }
    if (p->visits < 0 || p->visits > MAX_VISITS) {
        return mcb_error(b, &n->toks[1], "visits must be a whole number from 0 to 100");
    }
    return 0;
}

/* `channels online P% counter P% post P%`: each channel at most once, the shares adding up to
 * exactly 100% (a channel left out files no dossier). */
static int pr_channels(mcb_builder *b, const mc_node *n, void *obj)
{
    PB;
    if (n->ntoks % 2 == 0) {
        return mcb_error(b, &n->toks[n->ntoks - 1],
                         "write the channels as: channels online P%% counter P%% post P%%");
    }
    mc_fixed shares[MC_CHANNELS] = {0}, sum = 0;
    bool seen[MC_CHANNELS] = {false};
    for (size_t i = 1; i + 1 < n->ntoks; i += 2) {
        int k = 0;
        while (k < MC_CHANNELS && !mc_tok_is(&n->toks[i], mc_channel_names[k])) {
            k++;
        }
        if (k == MC_CHANNELS) {
            return mcb_error(b, &n->toks[i], "unknown channel (online, counter or post)");
        }
        if (seen[k]) {
            return mcb_error(b, &n->toks[i], "channel '%s' given twice", mc_channel_names[k]);
        }
        seen[k] = true;
        if (mcb_percent(b, &n->toks[i + 1], &shares[k]) != 0) {
            return -1;
        }
        sum += shares[k];
    }
    if (sum != 100 * MC_FIXED_ONE) {
        return mcb_error(b, &n->toks[1], "the channels' shares must add up to 100%%");
    }
    memcpy(p->channels, shares, sizeof shares);
    return 0;
}

/* `asks-held P%`. */
static int pr_asks_held(mcb_builder *b, const mc_node *n, void *obj)
{
    PB;
    return mcb_percent(b, &n->toks[1], &p->asks_held);
}

static int pr_sector(mcb_builder *b, const mc_node *n, void *obj)
{
    PB;
    if (pb->patch) {
        return mcb_error(b, &n->toks[0],
                         "a reform cannot change the sector of a procedure (write 'sector' in the "
                         "procedure)");
    }
    if (mcb_string(b, &n->toks[1], "a sector", &p->sector) != 0) {
        return -1;
    }
    if (p->sector[0] == '\0') {
        p->sector = NULL;
        return mcb_error(b, &n->toks[1], "a sector is a name: write it, as in sector \"Hộ tịch\"");
    }
    return 0;
}

/* Whether some version of procedure name says `supersedes target`. Only the versions built so
 * far have it: of two declarations that conflict, the later one reports. */
static const mc_procedure *superseding(const mcb_builder *b, const char *name, const char *target)
{
    const mcc_versions *v = mc_map_get(&b->cat->version_map, name, strlen(name));
    for (size_t i = 0; v != NULL && i < v->n; i++) {
        if (v->items[i]->supersedes != NULL && strcmp(v->items[i]->supersedes, target) == 0) {
            return v->items[i];
        }
    }
    return NULL;
}

/* `supersedes NAME`: another procedure of the catalogue (any layer), superseded by no other
 * procedure and not superseding this one. */
static int pr_supersedes(mcb_builder *b, const mc_node *n, void *obj)
{
    PB;
    const mc_token *t = &n->toks[1];
    if (pb->patch) {
        return mcb_error(b, &n->toks[0],
                         "a reform cannot change what a procedure supersedes (write 'supersedes' "
                         "in the procedure)");
    }
    const mcc_versions *v = mcb_resolve(b, t, &b->cat->version_map, "procedure");
    if (v == NULL || v->n == 0) {
        return -1;
    }
    const char *target = v->items[0]->name;
    if (strcmp(target, p->name) == 0) {
        return mcb_error(b, t,
                         "procedure '%s' cannot supersede itself (a new version of it is a new "
                         "'effective' date)",
                         p->name);
    }
    const mc_procedure *back = superseding(b, target, p->name);
    if (back != NULL) {
        char where[300];
        mcb_where(b, back->pos, where, sizeof where);
        return mcb_error(b, t,
                         "procedures '%s' and '%s' cannot supersede each other ('%s' at %s "
                         "supersedes '%s')",
                         p->name, target, target, where, p->name);
    }
    const mc_ptrvec *all = &b->cat->procedures;
    for (size_t i = 0; i < all->n; i++) {
        const mc_procedure *q = all->items[i];
        if (q != NULL && q->supersedes != NULL && strcmp(q->supersedes, target) == 0 &&
            strcmp(q->name, p->name) != 0) {
            char where[300];
            mcb_where(b, q->pos, where, sizeof where);
            return mcb_error(b, t,
                             "procedure '%s' is superseded by '%s' already (at %s): one procedure "
                             "takes its place in cost studies",
                             target, q->name, where);
        }
    }
    p->supersedes = target;
    return 0;
}

/* `assumed FIGURE...`: which figures are assumptions (the cost output lists them). */
static int pr_assumed(mcb_builder *b, const mc_node *n, void *obj)
{
    PB;
    unsigned bits = 0;
    for (size_t i = 1; i < n->ntoks; i++) {
        size_t k = 0;
        while (k < MC_ASSUMED_COUNT && !mc_tok_is(&n->toks[i], mc_assumed_names[k])) {
            k++;
        }
        if (k == MC_ASSUMED_COUNT) {
            const mc_token *t = &n->toks[i];
            return mcb_error(b, t,
                             "unknown figure '%.*s' (expected volume, effort, visits, time-limit "
                             "or fee)",
                             (int)(t->text_len > 64 ? 64 : t->text_len), t->text);
        }
        bits |= 1u << k;
    }
    p->assumed = bits;
    return 0;
}

static int pr_subject(mcb_builder *b, const mc_node *n, void *obj)
{
    mcb_proc_build *pb = obj;
    const char *name;
    if (mcb_name(b, &n->toks[1], &name) != 0) {
        return -1;
    }
    pb->subject = &n->toks[1];
    return 0;
}

static int pr_applicant(mcb_builder *b, const mc_node *n, void *obj)
{
    mcb_proc_build *pb = obj;
    const char *name;
    if (mcb_name(b, &n->toks[1], &name) != 0) {
        return -1;
    }
    pb->applicant = &n->toks[1];
    return 0;
}

static int pr_lifecycle(mcb_builder *b, const mc_node *n, void *obj)
{
    PB;
    p->lifecycle = mcb_resolve(b, &n->toks[1], &b->cat->lifecycle_map, "lifecycle");
    pb->lifecycle_tok = &n->toks[1];
    return p->lifecycle ? 0 : -1;
}

static int pr_title(mcb_builder *b, const mc_node *n, void *obj)
{
    mcb_proc_build *pb = obj;
    return mcb_add_title(b, n, &pb->titles);
}

static int pr_drop(mcb_builder *b, const mc_node *n, void *obj)
{
    mcb_proc_build *pb = obj;
    if (!pb->patch) {
        return mcb_error(b, &n->toks[0], "'drop' is only allowed inside a reform");
    }
    const mc_token *what = &n->toks[1];
    mc_ptrvec *v = mc_tok_is(what, "requires") ? &pb->drop_requires
                   : mc_tok_is(what, "field")  ? &pb->drop_fields
                   : mc_tok_is(what, "state")  ? &pb->drop_states
                                               : NULL;
    if (v == NULL) {
        return mcb_error(b, what, "write: drop requires|field|state NAME");
    }
    const char *name;
    if (mcb_name(b, &n->toks[2], &name) != 0) {
        return -1;
    }
    return mcb_push(b, v, (void *)&n->toks[2]);
}

static int pr_event(mcb_builder *b, const mc_node *n, void *obj)
{
    mcb_proc_build *pb = obj;
    if (pb->patch) {
        return mcb_error(b, &n->toks[0],
                         "a reform cannot change the titles of events (declare them in the "
                         "procedure or its lifecycle)");
    }
    return mcb_build_event(b, n, &pb->events);
}

/* The order is the bit order of mcc_procedure_patch.set (see decl_procedure.h). */
const mcb_directive mcb_procedure_table[] = {
    [MCC_P_CODE] = {"code", 1, 1, MCB_NO_BLOCK, true, pr_code, "\"CODE\""},
    [MCC_P_TITLE] = {"title", 1, 2, MCB_NO_BLOCK, false, pr_title, "[LANG] \"text\""},
    [MCC_P_LEGAL] = {"legal-basis", 1, 1, MCB_NO_BLOCK, false, pr_legal, "\"text\""},
    [MCC_P_AGENCY] = {"agency", 1, 1, MCB_NO_BLOCK, true, pr_agency, "NAME"},
    [MCC_P_EFFECTIVE] = {"effective", 1, 1, MCB_NO_BLOCK, true, pr_effective, "DATE"},
    [MCC_P_CALENDAR] = {"calendar", 1, 1, MCB_NO_BLOCK, true, pr_calendar, "CALENDAR"},
    [MCC_P_TIME_LIMIT] = {"time-limit", 1, 1, MCB_NO_BLOCK, true, pr_time_limit, "DURATION"},
    [MCC_P_FEE] = {"fee", 2, 2, MCB_NO_BLOCK, true, pr_fee,
                   "AMOUNT CURRENCY | fee rule MODULE.FUNCTION | fee schedule NAME"},
    [MCC_P_ONLINE] = {"online", 1, 1, MCB_NO_BLOCK, true, pr_online, "full|partial|none"},
    [MCC_P_VOLUME] = {"volume", 3, 3, MCB_NO_BLOCK, true, pr_volume, "N per year"},
    [MCC_P_VISITS] = {"visits", 1, 1, MCB_NO_BLOCK, true, pr_visits, "N"},
    [MCC_P_SUBJECT] = {"subject", 1, 1, MCB_NO_BLOCK, true, pr_subject, "FIELD"},
    [MCC_P_LIFECYCLE] = {"lifecycle", 1, 1, MCB_NO_BLOCK, true, pr_lifecycle, "LIFECYCLE"},
    [MCC_P_FIELD] = {"field", 1, 1, MCB_NEED_BLOCK, false, pr_field, "NAME"},
    [MCC_P_REQUIRES] = {"requires", 1, MCB_ANY, MCB_OPT_BLOCK, false, pr_requires,
                        "DOCUMENT [of PARTY] [when COND]"},
    [MCC_P_STATE] = {"state", 1, 1, MCB_NEED_BLOCK, false, mcb_state_handler, "NAME"},
    [MCC_P_DROP] = {"drop", 2, 2, MCB_NO_BLOCK, false, pr_drop, "requires|field|state NAME"},
    [MCC_P_ASSUMED] = {"assumed", 1, MCB_ANY, MCB_NO_BLOCK, true, pr_assumed,
                       "volume|effort|visits|time-limit|fee..."},
    [MCC_P_EXTENSION] = {"extension", 1, 1, MCB_NEED_BLOCK, false, pr_extension, "NAME"},
    [MCC_P_PARTY] = {"party", 1, 1, MCB_NEED_BLOCK, false, pr_party, "NAME"},
    [MCC_P_APPLICANT] = {"applicant", 1, 1, MCB_NO_BLOCK, true, pr_applicant, "FIELD"},
    [MCC_P_EVENT] = {"event", 1, 1, MCB_NEED_BLOCK, false, pr_event, "NAME"},
    [MCC_P_SECTOR] = {"sector", 1, 1, MCB_NO_BLOCK, true, pr_sector, "\"TEXT\""},
    [MCC_P_SUPERSEDES] = {"supersedes", 1, 1, MCB_NO_BLOCK, true, pr_supersedes, "PROCEDURE"},
    [MCC_P_CHANNELS] = {"channels", 2, 6, MCB_NO_BLOCK, true, pr_channels,
                        "online P% counter P% post P%"},
    [MCC_P_ASKS_HELD] = {"asks-held", 1, 1, MCB_NO_BLOCK, true, pr_asks_held, "P%"},
    [MCC_P_PART] = {"part", 1, 1, MCB_NEED_BLOCK, false, mcb_part_handler, "NAME"},
};
const size_t mcb_procedure_table_n = sizeof mcb_procedure_table / sizeof mcb_procedure_table[0];

/* ==== building =========================================================================== */

/* `applicant FIELD`: a text field of the procedure (the queue folds and searches its value; a
 * date or a number is no one's name). */
static void freeze_applicant(mcb_builder *b, mcb_proc_build *pb, mc_field *fields)
{
    mc_procedure *p = pb->p;
    const mc_token *t = pb->applicant;
    for (size_t i = 0; i < p->nfields; i++) {
        if (mc_tok_is(t, fields[i].name)) {
            p->applicant = &fields[i];
        }
    }
    if (p->applicant == NULL) {
        mc_suggest s;
        mc_suggest_init(&s, t->text, t->text_len);
        for (size_t i = 0; i < p->nfields; i++) {
            if (fields[i].type == MC_FIELD_TEXT) {
                mc_suggest_offer(&s, fields[i].name);
            }
        }
        mcb_error(b, t, "unknown field '%.*s' for the applicant's name%s%s%s", (int)t->text_len,
                  t->text, s.best ? " (did you mean '" : "", s.best ? s.best : "",
                  s.best ? "'?)" : "");
    } else if (p->applicant->type != MC_FIELD_TEXT) {
        mcb_error(b, t, "field '%s' is %s: the applicant's name is a text field",
                  p->applicant->name, mc_field_type_name(p->applicant->type));
        p->applicant = NULL;
    }
}

void mcb_proc_build_init(mcb_builder *b, mcb_proc_build *pb, mc_procedure *p, const mc_node *n)
{
    memset(pb, 0, sizeof *pb);
    pb->p = p;
    p->legal_basis.items = mcb_array(b, mcb_count(n->child, "legal-basis"), sizeof(char *));
    p->extensions = mcb_array(b, mcb_count(n->child, "extension"), sizeof(mc_extension));
    mcb_prepare_titles(b, &pb->titles, n->child);
}

void mcb_proc_build_free(mcb_proc_build *pb)
{
    mc_ptrvec_free(&pb->states);
    mc_ptrvec_free(&pb->fields);
    mc_ptrvec_free(&pb->requires);
    mc_ptrvec_free(&pb->parties);
    mc_ptrvec_free(&pb->drop_requires);
    mc_ptrvec_free(&pb->drop_fields);
    mc_ptrvec_free(&pb->drop_states);
    mc_ptrvec_free(&pb->events);
    mc_ptrvec_free(&pb->parts);
}

/* Fields and requirements are kept as contiguous arrays. */
void mcb_proc_build_freeze(mcb_builder *b, mcb_proc_build *pb)
{
    mc_procedure *p = pb->p;
    p->titles = pb->titles.titles;
    p->ntitles = pb->titles.n;
    mc_field *fields = mcb_array(b, pb->fields.n, sizeof *fields);
    mc_requirement *reqs = mcb_array(b, pb->requires.n, sizeof *reqs);
    if (b->fatal) {
        return;
    }
    for (size_t i = 0; i < pb->fields.n; i++) {
        fields[i] = *(mc_field *)pb->fields.items[i];
        for (size_t k = 0; k < i; k++) {
            if (strcmp(fields[k].name, fields[i].name) == 0) {
                char where[300];
                mcb_where(b, fields[k].pos, where, sizeof where);
                mcb_report_at(b, MC_DIAG_ERROR, fields[i].pos, strlen(fields[i].name),
                              "duplicate field '%s' (first declared at %s)", fields[i].name, where);
                break;
            }
        }
    }
    for (size_t i = 0; i < pb->requires.n; i++) {
        reqs[i] = *(mc_requirement *)pb->requires.items[i];
        for (size_t k = 0; k < i; k++) {
            if (reqs[k].document == reqs[i].document) {
                char where[300];
                mcb_where(b, reqs[k].pos, where, sizeof where);
                mcb_report_at(b, MC_DIAG_ERROR, reqs[i].pos, strlen(reqs[i].document->name),
                              "'%s' is required twice (first at %s); put both cases in one "
                              "condition",
                              reqs[i].document->name, where);
                break;
            }
        }
    }
    p->fields = fields;
    p->nfields = pb->fields.n;
    p->requires = reqs;
    p->nrequires = pb->requires.n;
    if (pb->subject != NULL) {
        const mc_token *t = pb->subject;
        for (size_t i = 0; i < p->nfields; i++) {
            if (mc_tok_is(t, fields[i].name)) {
                p->subject = &fields[i];
            }
        }
        if (p->subject == NULL) {
            mc_suggest s;
            mc_suggest_init(&s, t->text, t->text_len);
            for (size_t i = 0; i < p->nfields; i++) {
                mc_suggest_offer(&s, fields[i].name);
            }
            mcb_error(b, t, "unknown field '%.*s' for the subject%s%s%s", (int)t->text_len, t->text,
                      s.best ? " (did you mean '" : "", s.best ? s.best : "", s.best ? "'?)" : "");
        }
    }
    if (pb->applicant != NULL) {
        freeze_applicant(b, pb, fields);
    }
    freeze_parties(b, pb);
    if (!pb->patch && !b->fatal) {
        resolve_requirement_parties(b, p);
    }
    mcb_parts_freeze(b, pb);
}

/* A lifecycle's field conditions must make sense in every procedure that uses it. */
static void check_lifecycle_fields(mcb_builder *b, const mc_procedure *p, mc_state **states,
                                   size_t n, const mc_token *at)
{
    const mc_lifecycle *l = p->lifecycle;
    uint32_t at_file = b->file;
    for (size_t i = 0; i < n && i < l->machine.nstates; i++) {
        if (states[i] != l->machine.states[i]) {
            continue; /* replaced by the procedure: checked as its own */
        }
        for (size_t k = 0; k < states[i]->non; k++) {
            const mc_cond *c = &states[i]->on[k].when;
            if (c->kind != MC_COND_FIELD && c->kind != MC_COND_NOT && c->kind != MC_COND_IS) {
                continue;
            }
            const mc_field *f = mc_field_find(p->fields, p->nfields, c->field);
            bool bad_type = f != NULL && (c->kind == MC_COND_IS ? f->type != MC_FIELD_CHOICE &&
                                                                      f->type != MC_FIELD_TEXT
                                                                : f->type != MC_FIELD_BOOL);
            bool bad_option = f != NULL && c->kind == MC_COND_IS && f->type == MC_FIELD_CHOICE;
            for (size_t o = 0; bad_option && o < f->options.n; o++) {
                bad_option = strcmp(f->options.items[o], c->value) != 0;
            }
            if (bad_option) {
                char where[300];
                b->file = c->pos.file == at_file ? at_file : UINT32_MAX;
                mcb_where(b, c->pos, where, sizeof where);
                mcb_error(b, at,
                          "lifecycle '%s' tests '%s is %s' (at %s), but '%s' is not an option of "
                          "field '%s' in procedure '%s'",
                          l->name, c->field, c->value, where, c->value, c->field, p->name);
                continue;
            }
            if (f == NULL || bad_type) {
                char where[300];
                b->file = c->pos.file == at_file ? at_file : UINT32_MAX;
                mcb_where(b, c->pos, where, sizeof where);
                mcb_error(b, at, "lifecycle '%s' tests field '%s' (at %s), which procedure '%s' %s",
                          l->name, c->field, where, p->name,
                          f == NULL ? "does not declare" : "declares with another type");
            }
        }
    }
}

/* Whether a transition of p's machine has event. */
static bool machine_has_event(const mc_procedure *p, const char *event)
{
    for (size_t i = 0; i < p->machine.nstates; i++) {
        const mc_state *s = p->machine.states[i];
        for (size_t k = 0; k < s->non; k++) {
            if (strcmp(s->on[k].event, event) == 0) {
                return true;
            }
        }
    }
    return false;
}

/* The checks of a procedure's extensions that need the whole procedure: its time limit, its
 * machine's events, its fields, and the other extensions. */
static void check_extensions(mcb_builder *b, const mc_procedure *p, const char *what)
{
    if (p->nextensions > MC_MAX_EXTENSIONS) {
        const mc_extension *x = &p->extensions[MC_MAX_EXTENSIONS];
        mcb_report_at(b, MC_DIAG_ERROR, x->pos, strlen(x->name),
                      "procedure '%s' declares more than %d extensions", p->name,
                      MC_MAX_EXTENSIONS);
    }
    for (size_t i = 0; i < p->nextensions; i++) {
        const mc_extension *x = &p->extensions[i];
        if (!p->has_time_limit) {
            mcb_report_at(b, MC_DIAG_ERROR, x->pos, strlen(x->name),
                          "extension '%s' extends nothing: procedure '%s' has no time-limit",
                          x->name, p->name);
        }
        mcb_check_cond(b, &x->when, p->fields, p->nfields, what);
        if (p->machine.nstates > 0 && !machine_has_event(p, x->event)) {
            mc_suggest s;
            mc_suggest_init(&s, x->event, strlen(x->event));
            for (size_t k = 0; k < p->machine.nstates; k++) {
                for (size_t j = 0; j < p->machine.states[k]->non; j++) {
                    mc_suggest_offer(&s, p->machine.states[k]->on[j].event);
                }
            }
            mcb_report_at(b, MC_DIAG_ERROR, x->event_pos, strlen(x->event),
                          "unknown event '%s': no transition of procedure '%s' has it%s%s%s",
                          x->event, p->name, s.best ? " (did you mean '" : "", s.best ? s.best : "",
                          s.best ? "'?)" : "");
        }
        for (size_t k = 0; k < i; k++) {
            const mc_extension *y = &p->extensions[k];
            char where[300];
            mcb_where(b, y->pos, where, sizeof where);
            if (strcmp(y->name, x->name) == 0) {
                mcb_report_at(b, MC_DIAG_ERROR, x->pos, strlen(x->name),
                              "duplicate extension '%s' (first declared at %s)", x->name, where);
                break;
            }
            if (strcmp(y->event, x->event) == 0) {
                mcb_report_at(b, MC_DIAG_ERROR, x->event_pos, strlen(x->event),
                              "event '%s' already fires extension '%s' (at %s): one extension "
                              "per event",
                              x->event, y->name, where);
                break;
            }
        }
    }
}

const mc_extension *mc_extension_for_event(const mc_procedure *p, const char *event)
{
    for (size_t i = 0; i < p->nextensions; i++) {
        const char *x = p->extensions[i].event;
        if (x == event || (x[0] == event[0] && strcmp(x, event) == 0)) {
            return &p->extensions[i];
        }
    }
    return NULL;
}

void mcb_build_procedure(mcb_builder *b, mc_procedure *p, const mc_node *n)
{
    mcb_proc_build pb;
    mcb_proc_build_init(b, &pb, p, n);
    if (b->fatal) {
        return;
    }
    mcb_run(b, n->child, mcb_procedure_table, mcb_procedure_table_n, "procedure directive", &pb);
    uint32_t file = b->file;
    mcb_proc_build_freeze(b, &pb);
    if (b->fatal) {
        goto done;
    }
    if (p->calendar == NULL) {
        p->calendar = b->cat->default_calendar;
    }
    char what[120];
    snprintf(what, sizeof what, "procedure '%s'", p->name);
    for (size_t i = 0; i < p->nrequires; i++) {
        mcb_check_cond(b, &p->requires[i].when, p->fields, p->nfields, what);
    }
    mcb_check_fee_schedule(b, p);
    /* The machine: lifecycle states, replaced in place by the procedure's own of the same
     * name, then its new states. */
    mc_state **own = (mc_state **)pb.states.items;
    size_t nown = pb.states.n;
    mcb_check_state_names(b, own, nown);
    size_t nbase = p->lifecycle ? p->lifecycle->machine.nstates : 0;
    mc_state **states = mcb_array(b, nbase + nown, sizeof *states);
    if (b->fatal) {
        goto done;
    }
    size_t ns = nbase;
    for (size_t i = 0; i < nbase; i++) {
        states[i] = (mc_state *)p->lifecycle->machine.states[i];
    }
    for (size_t i = 0; i < nown; i++) {
        size_t k = 0;
        while (k < nbase && strcmp(states[k]->name, own[i]->name) != 0) {
            k++;
        }
        if (k < nbase) {
            if (own[i]->ntitles == 0) { /* a replaced state keeps the lifecycle's titles */
                own[i]->titles = states[k]->titles;
                own[i]->ntitles = states[k]->ntitles;
            }
            states[k] = own[i];
        } else {
            states[ns++] = own[i];
        }
    }
    mcb_resolve_list(b, own, nown, states, ns);
    for (size_t i = 0; i < nown; i++) {
        for (size_t k = 0; k < own[i]->non; k++) {
            mcb_check_cond(b, &own[i]->on[k].when, p->fields, p->nfields, what);
        }
    }
    p->machine.states = (const mc_state *const *)states;
    p->machine.nstates = ns;
    if (p->lifecycle == NULL && nown == 0 && mcb_count(n->child, "lifecycle") == 0) {
        mcb_report_at(b, MC_DIAG_ERROR, p->pos, strlen(p->name),
                      "procedure '%s' has no states: name a lifecycle or declare states", p->name);
    } else if (p->lifecycle != NULL && nown == 0) {
        p->machine.initial = p->lifecycle->machine.initial;
    } else if (nown > 0 || p->lifecycle != NULL) {
        mcb_check_machine(b, &p->machine, p->lifecycle ? &p->lifecycle->machine : NULL, what,
                          p->pos);
    }
    if (p->lifecycle != NULL) {
        check_lifecycle_fields(b, p, states, ns, pb.lifecycle_tok);
    }
    p->events = mcb_freeze_events(b, &pb.events);
    p->nevents = pb.events.n;
    if (!b->fatal && p->machine.nstates > 0) {
        mcb_check_events(b, p->events, p->nevents, &p->machine, what);
    }
    check_extensions(b, p, what);
    check_issue_parties(b, p);
    check_unused_parties(b, p);
done:
    b->file = file;
    mcb_proc_build_free(&pb);
}
