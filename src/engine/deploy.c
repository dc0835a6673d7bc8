/* Deployments (issue 19): what a catalogue would change for the open dossiers of a store. A
 * dossier submitted since schema version 8 runs on the procedure text it was submitted under
 * (the store's proc_text), so a version removed or a shared lifecycle edited changes nothing for
 * it, and is listed as such; what breaks it is a stored text that no longer compiles against the
 * new catalogue (a registry, document, calendar, rule module or function it names gone). A
 * dossier from before has no stored text and breaks, as before, when its version or its state
 * is gone. deploy-check and serve's start-up refuse a catalogue that breaks any. */
#include "engine_int.h"

#include "base/json.h"
#include "motcua/alloc.h"

#include <stdio.h>
#include <string.h>

/* A stored text compiled against the new catalogue, once per hash for the whole check. */
typedef struct deploy_pin {
    char hash[65];
    mc_catalogue *cat; /* NULL: why says why it does not compile */
    char why[400];
} deploy_pin;

typedef struct deploy_walk {
    mc_store *st;
    const mc_catalogue *cat;
    const mc_rules *rules;
    int (*fn)(void *ud, const mc_deploy_problem *p);
    void *ud;
    int64_t nopen;
    mc_ptrvec pins;
    mc_ptrvec rows; /* deploy_row: the open dossiers the catalogue would change, by id */
    int rc;         /* a store error or MC_ENOMEM met inside the walk */
    mc_error *err;
} deploy_walk;

static bool has_state(const mc_procedure *p, const char *state)
{
    for (size_t i = 0; i < p->machine.nstates; i++) {
        if (strcmp(p->machine.states[i]->name, state) == 0) {
            return true;
        }
    }
    return false;
}

/* The first error of diags, as lint prints it (without "error: "), or NULL. */
static const mc_diag *first_error(const mc_diags *diags)
{
    for (size_t i = 0; i < mc_diags_count(diags); i++) {
        const mc_diag *g = mc_diags_get(diags, i);
        if (g->severity == MC_DIAG_ERROR) {
            return g;
        }
    }
    return NULL;
}

static int pin_compile(deploy_walk *w, deploy_pin *pin)
{
    mc_text_row t;
    int rc = mc_store_text_get(w->st, pin->hash, &t, w->err);
    if (rc < 0) {
        return rc;
    }
    if (rc == 0) {
        snprintf(pin->why, sizeof pin->why, "its stored text %.16s is not in the store", pin->hash);
        return 0;
    }
    mc_rule_names names, *np = NULL;
    if (w->rules != NULL) {
        mc_rules_names(w->rules, &names);
        np = &names;
    }
    mc_diags *diags = NULL;
    mc_error cerr;
    mc_error_clear(&cerr);
    rc = mc_diags_new(&diags);
    if (rc == 0) {
        rc = mc_catalogue_load_pinned(&pin->cat, w->cat, pin->hash, t.text, np, diags, &cerr);
    }
    if (rc == MC_ECHECK) {
        const mc_diag *g = first_error(diags);
        if (g != NULL) {
            snprintf(pin->why, sizeof pin->why, "%s:%u:%u: %s", g->file, g->line, g->col, g->msg);
        } else {
            snprintf(pin->why, sizeof pin->why, "%s", cerr.msg);
        }
        rc = 0;
    }
    mc_diags_free(diags);
    mc_text_row_clear(&t);
    if (rc != 0 && rc != MC_ENOMEM) {
        return mc_error_set(w->err, rc, "%s", cerr.msg);
    }
    return rc == 0 ? 0 : mc_error_set(w->err, MC_ENOMEM, "out of memory");
}

static int find_pin(deploy_walk *w, const char *hash, deploy_pin **out)
{
    for (size_t i = 0; i < w->pins.n; i++) {
        deploy_pin *q = w->pins.items[i];
        if (strcmp(q->hash, hash) == 0) {
            *out = q;
            return 0;
        }
    }
    deploy_pin *pin = mc_calloc(1, sizeof *pin);
    if (pin == NULL) {
        return mc_error_set(w->err, MC_ENOMEM, "out of memory");
    }
    snprintf(pin->hash, sizeof pin->hash, "%s", hash);
    int rc = pin_compile(w, pin);
    if (rc == 0 && mc_ptrvec_push(&w->pins, pin) != 0) {
        rc = mc_error_set(w->err, MC_ENOMEM, "out of memory");
    }
    if (rc != 0) {
        mc_catalogue_free(pin->cat);
        mc_free(pin);
        return rc;
    }
    *out = pin;
    return 0;
}

/* The text hash the dossier's data names (into out; false for a dossier without one), and what
 * its due instant was counted from (into clock: its row's clock, due and overdue mark too). */
static bool row_hash(const mc_dossier_row *row, char out[65], mce_dos *clock)
{
    memset(clock, 0, sizeof *clock);
    clock->clk =
        row->clock && strcmp(row->clock, "running") == 0 ? MC_CLOCK_RUNNING : MC_CLOCK_STOPPED;
    clock->row.due = row->due;
    clock->row.overdue = row->overdue;
    json_t *root;
    if (row->data == NULL || mc_json_loads(row->data, 0, &root) != 0) {
        return false;
    }
    mce_decode_basis(clock, root);
    const char *h = json_string_value(json_object_get(root, "text_hash"));
    bool ok = h != NULL && strlen(h) < 65;
    if (ok) {
        memcpy(out, h, strlen(h) + 1);
    }
    json_decref(root);
    return ok;
}

/* The due instant of the dossier whose clock is `clock` under procedure p of the new catalogue,
 * counted again on p's calendar: MC_NONE when it does not move (or is not counted). */
static int64_t due_moves(const mce_dos *clock, const mc_procedure *p)
{
    mce_dos t = *clock;
    t.p = p;
    int64_t due = mce_due_on(&t, p->calendar);
    return due != clock->row.due ? due : MC_NONE;
}

/* An open dossier the catalogue would change, kept from the walk of the open dossiers and
 * looked at after it (compiling a stored text reads the store, which the walk is reading). */
typedef struct deploy_row {
    int64_t id;
    char *procedure, *version, *state;
    char hash[65];   /* "" without a stored text */
    mce_dos clock;   /* its clock: row.due, row.overdue, clk and the due basis only */
    int64_t new_due; /* the fast path's due instant on the new calendar, or MC_NONE */
} deploy_row;

static void row_free(deploy_row *r)
{
    if (r != NULL) {
        mc_free(r->procedure);
        mc_free(r->version);
        mc_free(r->state);
        mc_free(r);
    }
}

static char *dup_or_empty(const char *s)
{
    s = s ? s : "";
    return mc_strndup(s, strlen(s));
}

/* Keeps the rows the catalogue does not run as they are: no version, another text, no state. */
static int keep_row(void *ud, const mc_dossier_row *row)
{
    deploy_walk *w = ud;
    w->nopen++;
    char hash[65] = "";
    mce_dos clock;
    bool pinned = row_hash(row, hash, &clock);
    const mc_procedure *p = mce_find_version(w->cat, row->procedure ? row->procedure : "",
                                             row->version ? row->version : "");
    int64_t new_due = MC_NONE;
    if (p != NULL &&
        (pinned ? strcmp(p->text_hash, hash) == 0 : has_state(p, row->state ? row->state : ""))) {
        /* The fast path: the catalogue's text is the dossier's; only its calendar may move the
         * due instant. */
        new_due = due_moves(&clock, p);
        if (new_due == MC_NONE) {
            return 0;
        }
        hash[0] = '\0';
    }
    deploy_row *r = mc_calloc(1, sizeof *r);
    if (r == NULL || (r->procedure = dup_or_empty(row->procedure)) == NULL ||
        (r->version = dup_or_empty(row->version)) == NULL ||
        (r->state = dup_or_empty(row->state)) == NULL || mc_ptrvec_push(&w->rows, r) != 0) {
        row_free(r);
        w->rc = mc_error_set(w->err, MC_ENOMEM, "out of memory");
        return w->rc;
    }
    r->id = row->id;
    memcpy(r->hash, hash, sizeof r->hash);
    r->clock = clock;
    r->new_due = new_due;
    return 0;
}

/* "dossier N: its due instant moves from T to T' (calendar 'C')", for the due counted on the
 * calendar of p (the procedure the dossier runs on under the new catalogue). */
static int due_line(deploy_walk *w, const deploy_row *row, const mc_procedure *p, int64_t due)
{
    const mc_calendar *cal = p->calendar ? p->calendar : mc_calendar_builtin();
    char from[17], to[17], msg[400];
    mc_datetime_format((mc_datetime)(mc_calendar_to_local(cal, row->clock.row.due) / 60), from);
    mc_datetime_format((mc_datetime)(mc_calendar_to_local(cal, due) / 60), to);
    snprintf(msg, sizeof msg,
             "dossier %lld: its due instant moves from %s to %s (calendar '%s' changed)",
             (long long)row->id, from, to, cal->name ? cal->name : "");
    mc_deploy_problem pb = {.kind = MC_DEPLOY_DUE_MOVES,
                            .breaking = false,
                            .dossier = row->id,
                            .procedure = row->procedure,
                            .version = row->version,
                            .state = row->state,
                            .message = msg,
                            .due = row->clock.row.due,
                            .new_due = due,
                            .due_text = from,
                            .new_due_text = to};
    return w->fn(w->ud, &pb);
}

static int check_row(deploy_walk *w, const deploy_row *row)
{
    const char *name = row->procedure, *version = row->version, *state = row->state;
    char msg[640];
    mc_deploy_problem pb = {.dossier = row->id,
                            .breaking = true,
                            .procedure = name,
                            .version = version,
                            .state = state,
                            .message = msg,
                            .due = MC_NONE,
                            .new_due = MC_NONE};
    const mc_procedure *p = mce_find_version(w->cat, name, version);
    const mc_procedure *runs = NULL; /* what the dossier runs on under the new catalogue */
    if (row->new_due != MC_NONE) {
        return due_line(w, row, p, row->new_due);
    }
    if (row->hash[0] != '\0') {
        deploy_pin *pin = NULL;
        int rc = find_pin(w, row->hash, &pin);
        if (rc != 0) {
            return rc;
        }
        const mc_procedure *kept = pin->cat ? mce_find_version(pin->cat, name, version) : NULL;
        if (kept == NULL) {
            pb.kind = MC_DEPLOY_TEXT_BROKEN;
            snprintf(msg, sizeof msg,
                     "dossier %lld: procedure '%s' version '%s': the text the dossier runs on no "
                     "longer compiles against the catalogue (%s)",
                     (long long)row->id, name, version,
                     pin->why[0] ? pin->why : "it declares another version");
        } else if (!has_state(kept, state)) {
            pb.kind = MC_DEPLOY_STATE_GONE;
            snprintf(msg, sizeof msg,
                     "dossier %lld: procedure '%s' version '%s' (its stored text) has no state "
                     "'%s', which the dossier is in",
                     (long long)row->id, name, version, state);
        } else {
            runs = kept;
            pb.breaking = false;
            pb.kind = p == NULL ? MC_DEPLOY_VERSION_KEPT : MC_DEPLOY_TEXT_KEPT;
            snprintf(msg, sizeof msg,
                     p == NULL ? "dossier %lld: procedure '%s' version '%s' is not in the "
                                 "catalogue: the dossier runs on its stored text (state '%s')"
                               : "dossier %lld: procedure '%s' version '%s' changed in the "
                                 "catalogue: the dossier runs on its stored text (state '%s')",
                     (long long)row->id, name, version, state);
        }
    } else if (p == NULL) {
        pb.kind = MC_DEPLOY_VERSION_GONE;
        snprintf(msg, sizeof msg,
                 "dossier %lld: procedure '%s' version '%s' is not in the catalogue (the dossier "
                 "is open in state '%s')",
                 (long long)row->id, name, version, state);
    } else {
        pb.kind = MC_DEPLOY_STATE_GONE;
        snprintf(msg, sizeof msg,
                 "dossier %lld: procedure '%s' version '%s' has no state '%s', which the dossier "
                 "is in",
                 (long long)row->id, name, version, state);
    }
    int rc = w->fn(w->ud, &pb);
    int64_t due = rc == 0 && runs != NULL ? due_moves(&row->clock, runs) : MC_NONE;
    return due != MC_NONE ? due_line(w, row, runs, due) : rc;
}

int mc_engine_deploy_check(mc_store *st, const mc_catalogue *cat, const mc_rules *rules,
                           int (*fn)(void *ud, const mc_deploy_problem *p), void *ud,
                           int64_t *nopen, mc_error *err)
{
    deploy_walk w = {.st = st, .cat = cat, .rules = rules, .fn = fn, .ud = ud, .err = err};
    mc_dossier_filter f = MC_DOSSIER_FILTER_INIT;
    f.open_only = true;
    int rc = mc_store_dossier_each(st, &f, keep_row, &w, err);
    if (rc != 0 && w.rc != 0) {
        rc = w.rc; /* err holds its message */
    }
    for (size_t i = 0; i < w.rows.n && rc == 0; i++) {
        rc = check_row(&w, w.rows.items[i]);
    }
    for (size_t i = 0; i < w.rows.n; i++) {
        row_free(w.rows.items[i]);
    }
    mc_ptrvec_free(&w.rows);
    for (size_t i = 0; i < w.pins.n; i++) {
        deploy_pin *pin = w.pins.items[i];
        mc_catalogue_free(pin->cat);
        mc_free(pin);
    }
    mc_ptrvec_free(&w.pins);
    if (nopen != NULL) {
        *nopen = w.nopen;
    }
    return rc;
}
