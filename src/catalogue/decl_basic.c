/*
 * The simple declarations: calendars (§4.1), roles (§4.2), documents (§4.3), registries (§4.4)
 * and cost models (§8.1).
 */
#include "decl_int.h"

#include "motcua/alloc.h"

#include <string.h>

/* ==== calendar =========================================================================== */

typedef struct cal_build {
    mc_calendar *c;
    mc_pos cutoff_pos;
    mc_pos *workday_pos; /* of each workday directive, for the holiday clash check */
} cal_build;

static int cal_default(mc_builder *b, const mc_node *n, void *obj)
{
    cal_build *cb = obj;
    if (b->cat->default_calendar != NULL) {
        char where[300];
        mc_b_where(b, b->cat->default_calendar->pos, where, sizeof where);
        return mc_b_error(b, &n->toks[0], "a second default calendar (the first is '%s' at %s)",
                          b->cat->default_calendar->name, where);
    }
    cb->c->is_default = true;
    b->cat->default_calendar = cb->c;
    return 0;
}

static int cal_utc_offset(mc_builder *b, const mc_node *n, void *obj)
{
    cal_build *cb = obj;
    char msg[200];
    const mc_token *t = &n->toks[1];
    if (t->kind != MC_TOK_WORD) {
        return mc_b_error(b, t, "invalid UTC offset (write it like +07:00)");
    }
    if (mc_value_utc_offset(t->text, t->text_len, &cb->c->utc_offset, msg, sizeof msg) != 0) {
        return mc_b_error(b, t, "%s", msg);
    }
    return 0;
}

static int cal_week(mc_builder *b, const mc_node *n, void *obj)
{
    static const char *const days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    cal_build *cb = obj;
    uint8_t week = 0;
    for (size_t i = 1; i < n->ntoks; i++) {
        const mc_token *t = &n->toks[i];
        int d = -1;
        for (int k = 0; k < 7; k++) {
            if (mc_tok_is(t, days[k])) {
                d = k;
            }
        }
        if (d < 0) {
            return mc_b_error(b, t, "unknown day '%.*s' (mon tue wed thu fri sat sun)",
                              (int)(t->text_len > 20 ? 20 : t->text_len), t->text);
        }
        if (week & (1u << d)) {
            return mc_b_error(b, t, "day '%s' given twice", days[d]);
        }
        week |= (uint8_t)(1u << d);
    }
    cb->c->week = week;
    return 0;
}

static int cal_hours(mc_builder *b, const mc_node *n, void *obj)
{
    cal_build *cb = obj;
    mc_hours *h = mc_b_array(b, n->ntoks - 1, sizeof *h);
    if (h == NULL) {
        return -1;
    }
    for (size_t i = 1; i < n->ntoks; i++) {
        const mc_token *t = &n->toks[i];
        char msg[200];
        const char *dash = t->kind == MC_TOK_WORD ? memchr(t->text, '-', t->text_len) : NULL;
        mc_hours *r = &h[i - 1];
        if (dash == NULL) {
            return mc_b_error(b, t, "invalid office hours (write a range like 07:30-11:30)");
        }
        if (mc_value_time(t->text, (size_t)(dash - t->text), false, &r->from, msg, sizeof msg) !=
                0 ||
            mc_value_time(dash + 1, t->text_len - (size_t)(dash - t->text) - 1, true, &r->to, msg,
                          sizeof msg) != 0) {
            if (strncmp(msg, "no such", 7) == 0) {
                return mc_b_error(b, t, "%s (office hours may end at 24:00 at the latest)", msg);
            }
            return mc_b_error(b, t, "invalid office hours (write a range like 07:30-11:30)");
        }
        if (r->from >= r->to) {
            return mc_b_error(b, t, "office hours end before they start");
        }
        if (i > 1 && r->from < h[i - 2].to) {
            return mc_b_error(b, t, "office hours overlap or are out of order");
        }
    }
    cb->c->hours = h;
    cb->c->nhours = n->ntoks - 1;
    return 0;
}

static int cal_cutoff(mc_builder *b, const mc_node *n, void *obj)
{
    cal_build *cb = obj;
    cb->cutoff_pos = mc_b_pos(b, &n->toks[1]);
    return mc_b_time(b, &n->toks[1], false, &cb->c->cutoff);
}

static int cal_holiday(mc_builder *b, const mc_node *n, void *obj)
{
    cal_build *cb = obj;
    mc_day_note note = {0};
    const mc_token *last = &n->toks[n->ntoks - 1];
    if (mc_b_date(b, &n->toks[1], &note.from) != 0) {
        return -1;
    }
    note.to = note.from;
    if (n->ntoks == 4 && mc_b_date(b, &n->toks[2], &note.to) != 0) {
        return -1;
    }
    if (note.to < note.from) {
        return mc_b_error(b, &n->toks[2], "holiday range ends before it starts");
    }
    if (mc_b_string(b, last, "a holiday's name", &note.title) != 0) {
        return -1;
    }
    ((mc_day_note *)cb->c->holidays)[cb->c->nholidays++] = note;
    return 0;
}

static int cal_workday(mc_builder *b, const mc_node *n, void *obj)
{
    cal_build *cb = obj;
    mc_day_note note = {0};
    if (mc_b_date(b, &n->toks[1], &note.from) != 0) {
        return -1;
    }
    note.to = note.from;
    if (n->ntoks == 3 && mc_b_string(b, &n->toks[2], "a working day's reason", &note.title) != 0) {
        return -1;
    }
    cb->workday_pos[cb->c->nworkdays] = mc_b_pos(b, &n->toks[0]);
    ((mc_day_note *)cb->c->workdays)[cb->c->nworkdays++] = note;
    return 0;
}

static int cal_title(mc_builder *b, const mc_node *n, void *obj)
{
    (void)obj;
    mc_text text;
    return mc_b_titles(b, n, &text); /* checked, kept for documentation only */
}

static const mc_directive calendar_table[] = {
    {"default", 0, 0, MC_NO_BLOCK, true, cal_default, ""},
    {"utc-offset", 1, 1, MC_NO_BLOCK, true, cal_utc_offset, "+HH:MM"},
    {"week", 1, 7, MC_NO_BLOCK, true, cal_week, "mon tue wed thu fri"},
    {"hours", 1, 8, MC_NO_BLOCK, true, cal_hours, "HH:MM-HH:MM…"},
    {"cutoff", 1, 1, MC_NO_BLOCK, true, cal_cutoff, "HH:MM"},
    {"holiday", 2, 3, MC_NO_BLOCK, false, cal_holiday, "DATE [DATE] \"name\""},
    {"workday", 1, 2, MC_NO_BLOCK, false, cal_workday, "DATE [\"reason\"]"},
    {"title", 1, 2, MC_NO_BLOCK, false, cal_title, "[LANG] \"text\""},
};

void mc_build_calendar(mc_builder *b, mc_calendar *c, const mc_node *n)
{
    static const mc_hours weekday_hours[] = {{8 * 60, 12 * 60}, {13 * 60, 17 * 60}};
    cal_build cb = {c, {0, 0}, NULL};
    c->utc_offset = 7 * 60;
    c->week = 0x1F;
    c->hours = weekday_hours;
    c->nhours = 2;
    c->cutoff = -1;
    c->holidays = mc_b_array(b, mc_b_count(n->child, "holiday"), sizeof(mc_day_note));
    c->workdays = mc_b_array(b, mc_b_count(n->child, "workday"), sizeof(mc_day_note));
    cb.workday_pos = mc_b_array(b, mc_b_count(n->child, "workday"), sizeof(mc_pos));
    if (b->fatal) {
        return;
    }
    mc_b_run(b, n->child, calendar_table, sizeof calendar_table / sizeof calendar_table[0],
             "calendar directive", &cb);
    for (size_t i = 0; i < c->nworkdays; i++) {
        for (size_t k = 0; k < c->nholidays; k++) {
            mc_date d = c->workdays[i].from;
            if (d >= c->holidays[k].from && d <= c->holidays[k].to) {
                char day[11];
                mc_date_format(d, day);
                mc_b_report_at(b, MC_DIAG_ERROR, cb.workday_pos[i], 7,
                               "%s is both a holiday and a working day in calendar '%s'", day,
                               c->name);
            }
        }
    }
    if (c->cutoff >= 0 && c->nhours > 0 &&
        (c->cutoff <= c->hours[0].from || c->cutoff > c->hours[c->nhours - 1].to)) {
        mc_b_report_at(b, MC_DIAG_WARNING, cb.cutoff_pos, 5,
                       "calendar '%s': the cutoff is outside office hours", c->name);
    }
}

/* ==== role =============================================================================== */

static const mc_directive role_table[] = {
    {"title", 1, 2, MC_NO_BLOCK, false, mc_title_handler, "[LANG] \"text\""},
};

void mc_build_role(mc_builder *b, mc_role *r, const mc_node *n)
{
    mc_titled t;
    if (!mc_b_prepare_titles(b, &t, n->child)) {
        return;
    }
    mc_b_run(b, n->child, role_table, 1, "role directive", &t);
    r->titles = t.titles;
    r->ntitles = t.n;
}

/* ==== document =========================================================================== */

typedef struct doc_build {
    mc_titled t; /* first: mc_title_handler works on it */
    mc_document *d;
} doc_build;

static int doc_match(mc_builder *b, const mc_node *n, void *obj)
{
    doc_build *db = obj;
    const mc_token *t = &n->toks[1];
    if (mc_b_string(b, t, "a match pattern", &db->d->match_source) != 0) {
        return -1;
    }
    db->d->match = mc_b_regex(b, t, false);
    mc_check_match_probe(b, t, db->d->match);
    return db->d->match ? 0 : -1;
}

static const mc_directive document_table[] = {
    {"title", 1, 2, MC_NO_BLOCK, false, mc_title_handler, "[LANG] \"text\""},
    {"match", 1, 1, MC_NO_BLOCK, true, doc_match, "\"PCRE2 pattern\""},
};

void mc_build_document(mc_builder *b, mc_document *d, const mc_node *n)
{
    doc_build db = {{NULL, 0, NULL}, d};
    if (!mc_b_prepare_titles(b, &db.t, n->child)) {
        return;
    }
    mc_b_run(b, n->child, document_table, 2, "document directive", &db);
    d->titles = db.t.titles;
    d->ntitles = db.t.n;
}

/* ==== registry =========================================================================== */

typedef struct reg_build {
    mc_titled t;
    mc_registry *r;
    const mc_document **holds;
    size_t cap;
    mc_map seen; /* documents already in holds */
} reg_build;

static int reg_holds(mc_builder *b, const mc_node *n, void *obj)
{
    reg_build *rb = obj;
    for (size_t i = 1; i < n->ntoks; i++) {
        const mc_token *t = &n->toks[i];
        mc_document *d = mc_b_resolve(b, t, &b->cat->document_map, "document");
        if (d == NULL) {
            continue;
        }
        if (mc_map_get(&rb->seen, d->name, strlen(d->name)) != NULL) {
            mc_b_error(b, t, "registry '%s' already holds '%s'", rb->r->name, d->name);
            continue;
        }
        /* The reform's patch registry is not the one the document points at. */
        const mc_registry *owner =
            mc_map_get(&b->cat->registry_map, rb->r->name, strlen(rb->r->name));
        if (d->registry != NULL && d->registry != owner) {
            mc_b_error(b, t,
                       "document '%s' is already held by registry '%s' (a document has one "
                       "registry)",
                       d->name, d->registry->name);
            continue;
        }
        if (rb->r->nholds == rb->cap) {
            size_t cap = rb->cap ? rb->cap * 2 : 8;
            const mc_document **h =
                mc_arena_grow(&b->cat->arena, rb->holds, rb->r->nholds, cap, sizeof *h);
            if (h == NULL) {
                b->fatal = MC_ENOMEM;
                return -1;
            }
            rb->holds = h;
            rb->cap = cap;
        }
        rb->holds[rb->r->nholds++] = d;
        if (mc_map_put(&rb->seen, d->name, strlen(d->name), d) != 0) {
            b->fatal = MC_ENOMEM;
            return -1;
        }
        rb->r->holds = rb->holds;
        if (owner == rb->r) {
            d->registry = rb->r; /* baseline ownership; reforms add theirs when applied */
        }
    }
    return 0;
}

static int reg_published(mc_builder *b, const mc_node *n, void *obj)
{
    reg_build *rb = obj;
    rb->r->has_published = mc_b_date(b, &n->toks[1], &rb->r->published) == 0;
    return rb->r->has_published ? 0 : -1;
}

static int reg_coverage(mc_builder *b, const mc_node *n, void *obj)
{
    reg_build *rb = obj;
    rb->r->has_coverage = mc_b_percent(b, &n->toks[1], &rb->r->coverage) == 0;
    return rb->r->has_coverage ? 0 : -1;
}

/* `subjects "PATTERN"`: what a subject of this registry looks like (a citizen-id of 12 digits,
 * say), so that an import cannot file records under mistyped identifiers. Only the catalogue's
 * registry says it: a reform changes what registries hold, not who their subjects are. */
static int reg_subjects(mc_builder *b, const mc_node *n, void *obj)
{
    reg_build *rb = obj;
    const mc_token *t = &n->toks[1];
    if (mc_map_get(&b->cat->registry_map, rb->r->name, strlen(rb->r->name)) != rb->r) {
        return mc_b_error(b, &n->toks[0],
                          "a reform cannot change the subjects of registry '%s' (declare them "
                          "in the registry)",
                          rb->r->name);
    }
    if (mc_b_string(b, t, "a subjects pattern", &rb->r->subjects_source) != 0) {
        return -1;
    }
    rb->r->subjects = mc_b_regex(b, t, true);
    return rb->r->subjects ? 0 : -1;
}

const mc_directive mc_registry_table[] = {
    [MC_R_TITLE] = {"title", 1, 2, MC_NO_BLOCK, false, mc_title_handler, "[LANG] \"text\""},
    [MC_R_HOLDS] = {"holds", 1, MC_ANY, MC_NO_BLOCK, false, reg_holds, "DOCUMENT…"},
    [MC_R_PUBLISHED] = {"published", 1, 1, MC_NO_BLOCK, true, reg_published, "DATE"},
    [MC_R_COVERAGE] = {"coverage", 1, 1, MC_NO_BLOCK, true, reg_coverage, "P%"},
    [MC_R_SUBJECTS] = {"subjects", 1, 1, MC_NO_BLOCK, true, reg_subjects, "\"PCRE2 pattern\""},
};
const size_t mc_registry_table_n = sizeof mc_registry_table / sizeof mc_registry_table[0];

/* Used for registries and for reform registry patches. */
uint32_t mc_build_registry_block(mc_builder *b, mc_registry *r, const mc_node *n)
{
    reg_build rb = {{NULL, 0, NULL}, r, NULL, 0, MC_MAP_INIT};
    if (!mc_b_prepare_titles(b, &rb.t, n->child)) {
        return 0;
    }
    uint64_t mask =
        mc_b_run(b, n->child, mc_registry_table, mc_registry_table_n, "registry directive", &rb);
    mc_map_free(&rb.seen);
    r->titles = rb.t.titles;
    r->ntitles = rb.t.n;
    return (uint32_t)mask;
}

void mc_build_registry(mc_builder *b, mc_registry *r, const mc_node *n)
{
    mc_build_registry_block(b, r, n);
}

/* ==== cost model ========================================================================= */

static int cm_default(mc_builder *b, const mc_node *n, void *obj)
{
    mc_cost_model *m = obj;
    if (b->cat->default_cost_model != NULL) {
        return mc_b_error(b, &n->toks[0], "a second default cost-model (the first is '%s')",
                          b->cat->default_cost_model->name);
    }
    m->is_default = true;
    b->cat->default_cost_model = m;
    return 0;
}

static int cm_income(mc_builder *b, const mc_node *n, void *obj)
{
    mc_cost_model *m = obj;
    return mc_b_money(b, &n->toks[1], &n->toks[2], &m->hourly_income);
}

static int cm_hours(mc_builder *b, const mc_node *n, void *obj)
{
    mc_cost_model *m = obj;
    if (mc_b_number(b, &n->toks[1], &m->hours_per_day) != 0) {
        return -1;
    }
    if (m->hours_per_day <= 0 || m->hours_per_day > 24 * MC_FIXED_ONE) {
        return mc_b_error(b, &n->toks[1], "hours-per-day must be more than 0 and at most 24");
    }
    return 0;
}

static int cm_visit(mc_builder *b, const mc_node *n, void *obj)
{
    mc_cost_model *m = obj;
    if (mc_b_duration(b, &n->toks[1], false, &m->visit_time) != 0) {
        return -1;
    }
    if (m->visit_time.unit != MC_DUR_H && m->visit_time.unit != MC_DUR_MIN) {
        return mc_b_error(b, &n->toks[1], "a visit's time is in hours or minutes (like 4h)");
    }
    return mc_b_money(b, &n->toks[2], &n->toks[3], &m->visit_cost);
}

static int cm_waiting(mc_builder *b, const mc_node *n, void *obj)
{
    mc_cost_model *m = obj;
    return mc_b_bool(b, &n->toks[1], &m->count_waiting);
}

static const mc_directive cost_model_table[] = {
    {"default", 0, 0, MC_NO_BLOCK, true, cm_default, ""},
    {"hourly-income", 2, 2, MC_NO_BLOCK, true, cm_income, "AMOUNT CURRENCY"},
    {"hours-per-day", 1, 1, MC_NO_BLOCK, true, cm_hours, "NUMBER"},
    {"visit", 3, 3, MC_NO_BLOCK, true, cm_visit, "DURATION AMOUNT CURRENCY"},
    {"count-waiting", 1, 1, MC_NO_BLOCK, true, cm_waiting, "true|false"},
};

void mc_build_cost_model(mc_builder *b, mc_cost_model *m, const mc_node *n)
{
    m->hours_per_day = 8 * MC_FIXED_ONE;
    memcpy(m->visit_cost.currency, "VND", 4);
    uint64_t seen =
        mc_b_run(b, n->child, cost_model_table,
                 sizeof cost_model_table / sizeof cost_model_table[0], "cost-model directive", m);
    if (!(seen & (1u << 1))) {
        mc_b_report_at(b, MC_DIAG_ERROR, m->pos, strlen(m->name),
                       "cost-model '%s' has no hourly-income (add: hourly-income 40000 VND)",
                       m->name);
    }
}
