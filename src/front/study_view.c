/* The JSON of a cost study (study.h), as `motcua cost --format json` prints it and POST
 * /api/cost answers (docs/cli.md, docs/api.md). */
#include "study_view.h"

#include "front.h"
#include "view.h"

#include <string.h>

/* Hours with two decimals, rounded half up. */
static void hours_text(mc_fixed h, char out[32])
{
    front_hundredths((h + 5000) / 10000, out);
}


static json_t *total_json(const mc_study_total *t, bool reformed)
{
    char pct[32];
    front_hundredths(t->saving_bp, pct);
    json_t *o = json_pack("{s:I, s:I, s:I}", "procedures", (json_int_t)t->n, "baseline",
                          (json_int_t)t->base, "revenue", (json_int_t)t->revenue_base);
    if (reformed && o != NULL) {
        bool ok = true;
        front_jset(o, "reform", json_integer(t->reform), &ok);
        front_jset(o, "saving", json_integer(t->saving), &ok);
        front_jset(o, "saving_pct", json_string(pct), &ok);
        front_jset(o, "reform_revenue", json_integer(t->revenue_reform), &ok);
        front_jset(o, "worse", json_integer(t->worse), &ok);
        o = front_jdone(o, ok);
    }
    return o;
}

static json_t *split_json(const mc_study_split *s, bool reformed)
{
    json_t *o = total_json(&s->all, reformed);
    bool ok = o != NULL;
    front_jset(o, "statistics", total_json(&s->statistics, reformed), &ok);
    front_jset(o, "assumed", total_json(&s->assumed, reformed), &ok);
    return front_jdone(o, ok);
}

static json_t *side_json(const mc_study_side *x)
{
    char h[32];
    hours_text(x->hours, h);
    return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "hours", h, "cost", (json_int_t)x->cost,
                     "volume", (json_int_t)x->volume, "annual", (json_int_t)x->annual, "fee",
                     (json_int_t)x->fee, "revenue", (json_int_t)x->revenue);
}

static json_t *lines_json(char *const *lines, size_t n)
{
    json_t *a = json_array();
    bool ok = a != NULL;
    for (size_t i = 0; i < n; i++) {
        front_jpush(a, json_string(lines[i]), &ok);
    }
    return front_jdone(a, ok);
}

void front_study_duration(const mc_duration *d, char out[40])
{
    if (d == NULL) {
        out[0] = '\0';
        return;
    }
    char num[32];
    mc_fixed_format(d->amount, num);
    snprintf(out, 40, "%s%s", num, mc_dur_unit_name(d->unit));
}

/* An interconnected procedure's parts (issue 25): who does what, within which time limit. */
static json_t *parts_json(const mc_study_row *r)
{
    bool ok = true;
    json_t *a = json_array();
    for (size_t k = 0; k < r->nparts; k++) {
        const mc_study_part *x = &r->parts[k];
        char limit[40];
        front_study_duration(x->time_limit, limit);
        front_jpush(a,
                    json_pack("{s:s, s:s, s:s?, s:s?}", "part", x->name, "procedure", x->procedure,
                              "agency", x->agency, "time_limit", limit[0] ? limit : NULL),
                    &ok);
    }
    return front_jdone(a, ok);
}

static json_t *study_json(mc_study_by by, const mc_study *s, const char *label)
{
    bool ok = true, reformed = label[0] != '\0';
    json_t *procs = json_array();
    for (size_t i = 0; i < s->n; i++) {
        const mc_study_row *r = &s->rows[i];
        json_t *o = json_pack("{s:s, s:s?, s:s?, s:s?, s:s}", "procedure", r->procedure, "code",
                              r->code, "agency", r->agency, "sector", r->sector, "basis",
                              r->assumed ? "assumed" : "statistics");
        front_jset(o, "baseline", side_json(&r->base), &ok);
        if (reformed) {
            json_t *x = side_json(&r->reform);
            front_jset(x, "abolished", json_boolean(r->abolished), &ok);
            front_jset(o, "reform", x, &ok);
            char pct[32];
            front_hundredths(r->saving_bp, pct);
            front_jset(o, "saving", json_integer(r->saving), &ok);
            front_jset(o, "saving_pct", json_string(pct), &ok);
        }
        front_jset(o, "notes", json_string(r->notes), &ok);
        if (r->reform_notes[0]) {
            front_jset(o, "reform_notes", json_string(r->reform_notes), &ok);
        }
        if (r->nparts > 0) {
            front_jset(o, "parts", parts_json(r), &ok);
        }
        front_jpush(procs, o, &ok);
    }
    json_t *o = json_object();
    front_jset(o, "reforms", json_string(label), &ok);
    front_jset(o, "procedures", procs, &ok);
    front_jset(o, "total", split_json(&s->totals, reformed), &ok);
    if (s->ngroups > 0) {
        json_t *g = json_array();
        for (size_t i = 0; i < s->ngroups; i++) {
            json_t *x = split_json(&s->groups[i].t, reformed);
            front_jset(x, by == MC_STUDY_BY_AGENCY   ? "agency"
                          : by == MC_STUDY_BY_SECTOR ? "sector"
                                                                    : "procedure",
                       json_string(s->groups[i].key), &ok);
            front_jpush(g, x, &ok);
        }
        front_jset(o, "groups", g, &ok);
    }
    json_t *ch = json_array();
    for (size_t i = 0; i < s->nchanges; i++) {
        const mc_study_change *c = &s->changes[i];
        char ap[32], mp[32];
        front_hundredths(c->alone_bp, ap);
        front_hundredths(c->marginal_bp, mp);
        json_t *x = json_pack("{s:s, s:s?, s:b, s:s, s:s?, s:b}", "reform", c->change.reform,
                              "target", c->change.target, "registry", c->change.registry,
                              "change", c->change.text, "legal_basis", c->change.legal_basis,
                              "counted", c->counted);
        if (c->counted) {
            front_jset(x, "alone", json_integer(c->alone), &ok);
            front_jset(x, "alone_pct", json_string(ap), &ok);
            front_jset(x, "marginal", json_integer(c->marginal), &ok);
            front_jset(x, "marginal_pct", json_string(mp), &ok);
        }
        front_jpush(ch, x, &ok);
    }
    front_jset(o, "changes", ch, &ok);
    front_jset(o, "conflicts", lines_json(s->conflicts, s->nconflicts), &ok);
    front_jset(o, "superseded", lines_json(s->superseded, s->nsuperseded), &ok);
    front_jset(o, "parts_left_out", lines_json(s->as_parts, s->nas_parts), &ok);
    return front_jdone(o, ok);
}

json_t *front_study_json(const mc_study *studies, const char *const *labels, size_t n,
                         bool compare, mc_study_by by, const char *day)
{
    bool ok = true;
    const mc_study *s0 = &studies[0];
    json_t *o = json_pack("{s:s, s:s}", "date", day, "cost_model", s0->model.name);
    front_jset(o, "sensitivity", lines_json(s0->sensitivity, s0->nsensitivity), &ok);
    if (compare) {
        json_t *a = json_array();
        for (size_t k = 0; k < n; k++) {
            front_jpush(a, study_json(by, &studies[k], labels[k]), &ok);
        }
        front_jset(o, "compare", a, &ok);
    } else {
        json_t *st = study_json(by, s0, labels[0]);
        const char *keys[] = {"reforms", "procedures", "total",      "groups",
                              "changes", "conflicts",  "superseded", "parts_left_out"};
        for (size_t i = 0; st != NULL && i < sizeof keys / sizeof keys[0]; i++) {
            json_t *v = json_object_get(st, keys[i]);
            if (v != NULL) {
                front_jset(o, keys[i], json_incref(v), &ok);
            }
        }
        ok &= st != NULL;
        json_decref(st);
    }
    return front_jdone(o, ok);
}

