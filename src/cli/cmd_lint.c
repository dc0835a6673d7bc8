/* `motcua lint [PATH…]` and `motcua graph PROCEDURE`. lint's --layers adds what each layer of
 * the catalogue declares, extends and replaces (docs/cli.md); lint adds the title check
 * (mc_catalogue_check_titles: what people see without a Vietnamese title), the staffing check
 * (mc_catalogue_check_staffing: officers who would sit idle), the proofs that guards do not
 * overlap (mc_prove_catalogue, whose notes print after the diagnostics) and the check of the
 * names rule modules use (rulecheck.h), then says which allow comments accepted no warning;
 * --strict makes the warnings left errors (docs/language.md §13.2). */
#include "cli.h"

#include "motcua/alloc.h"
#include "motcua/graph.h"
#include "motcua/prove.h"
#include "motcua/rulecheck.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct summary {
    size_t procedures, versions, lifecycles, documents, registries, roles, calendars, reforms,
        cost_models, fee_schedules, agencies;
} summary;

static summary summarise(const mc_catalogue *cat)
{
    summary s;
    size_t n;
    s.procedures = mc_catalogue_procedure_names(cat);
    mc_catalogue_procedures(cat, &s.versions);
    mc_catalogue_lifecycles(cat, &s.lifecycles);
    mc_catalogue_documents(cat, &s.documents);
    mc_catalogue_registries(cat, &s.registries);
    const mc_role *const *roles = mc_catalogue_roles(cat, &n);
    s.roles = 0;
    for (size_t i = 0; i < n; i++) {
        s.roles += !roles[i]->builtin;
    }
    mc_catalogue_calendars(cat, &s.calendars);
    mc_catalogue_reforms(cat, &s.reforms);
    mc_catalogue_cost_models(cat, &s.cost_models);
    mc_catalogue_fee_schedules(cat, &s.fee_schedules);
    mc_catalogue_agencies(cat, &s.agencies);
    return s;
}

static const char *plural(size_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

static void print_text_summary(const summary *s, const mc_diags *d)
{
    printf("lint: %zu %s (%zu %s), %zu %s, %zu %s, %zu %s, %zu %s, %zu %s, ", s->procedures,
           plural(s->procedures, "procedure", "procedures"), s->versions,
           plural(s->versions, "version", "versions"), s->lifecycles,
           plural(s->lifecycles, "lifecycle", "lifecycles"), s->documents,
           plural(s->documents, "document", "documents"), s->registries,
           plural(s->registries, "registry", "registries"), s->roles,
           plural(s->roles, "role", "roles"), s->calendars,
           plural(s->calendars, "calendar", "calendars"));
    if (s->agencies > 0) { /* likewise: a catalogue without any keeps its summary */
        printf("%zu %s, ", s->agencies, plural(s->agencies, "agency", "agencies"));
    }
    if (s->fee_schedules > 0) { /* a catalogue without any keeps the summary it always had */
        printf("%zu %s, ", s->fee_schedules,
               plural(s->fee_schedules, "fee schedule", "fee schedules"));
    }
    printf("%zu %s, %zu %s: ", s->reforms, plural(s->reforms, "reform", "reforms"), s->cost_models,
           plural(s->cost_models, "cost model", "cost models"));
    printf("%zu %s, %zu %s\n", mc_diags_errors(d), plural(mc_diags_errors(d), "error", "errors"),
           mc_diags_warnings(d), plural(mc_diags_warnings(d), "warning", "warnings"));
}

/* ---- lint --layers ---- */

/* The kinds in the order of the summary line, with their plurals. */
static const char *const kinds[][3] = {
    {"procedure", "procedure", "procedures"},
    {"lifecycle", "lifecycle", "lifecycles"},
    {"document", "document", "documents"},
    {"registry", "registry", "registries"},
    {"role", "role", "roles"},
    {"calendar", "calendar", "calendars"},
    {"fee-schedule", "fee schedule", "fee schedules"},
    {"reform", "reform", "reforms"},
    {"cost-model", "cost model", "cost models"},
    {"agency", "agency", "agencies"},
};
enum { NKINDS = sizeof kinds / sizeof kinds[0] };

static size_t kind_index(const char *kind)
{
    for (size_t k = 0; k < NKINDS; k++) {
        if (strcmp(kinds[k][0], kind) == 0) {
            return k;
        }
    }
    return 0; /* not reached: the builder's kinds are these */
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The number of distinct procedure names layer declares (versions counted once), or SIZE_MAX
 * out of memory. */
static size_t procedure_names(const mc_catalogue *cat, const mc_layer_decl *all, size_t n,
                              size_t layer)
{
    const char **names = mc_calloc(n + 1, sizeof *names);
    if (names == NULL) {
        return SIZE_MAX;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (all[i].op == MC_LAYER_DECLARES && strcmp(all[i].kind, "procedure") == 0 &&
            mc_catalogue_file_layer(cat, all[i].pos.file) == layer) {
            names[k++] = all[i].name;
        }
    }
    if (k > 0) {
        qsort(names, k, sizeof *names, by_name);
    }
    size_t distinct = 0;
    for (size_t i = 0; i < k; i++) {
        distinct += i == 0 || strcmp(names[i - 1], names[i]) != 0;
    }
    mc_free(names);
    return distinct;
}

/* The layer above decl's own that replaces it (1-based, as printed), or 0. */
static size_t replaced_by(const mc_catalogue *cat, const mc_layer_decl *all, size_t n,
                          const mc_layer_decl *decl)
{
    size_t own = mc_catalogue_file_layer(cat, decl->pos.file);
    for (size_t i = 0; i < n; i++) {
        size_t layer = mc_catalogue_file_layer(cat, all[i].pos.file);
        if (all[i].op == MC_LAYER_REPLACES && layer > own && strcmp(all[i].kind, decl->kind) == 0 &&
            strcmp(all[i].name, decl->name) == 0) {
            return layer + 1;
        }
    }
    return 0;
}

static void print_where(const mc_catalogue *cat, mc_pos pos)
{
    uint32_t line, col;
    mc_catalogue_position(cat, pos, &line, &col);
    printf("%s:%u:%u", mc_catalogue_file(cat, pos.file), line, col);
}

/* One line per layer: the counts of what it declares, extends and replaces; then a line for
 * each extend, each replace and each declaration a later layer replaced. EXIT_OK, or after a
 * message when out of memory. */
static int print_text_layers(const mc_catalogue *cat)
{
    size_t n;
    const mc_layer_decl *all = mc_catalogue_layer_decls(cat, &n);
    for (size_t layer = 0; layer < mc_catalogue_nlayers(cat); layer++) {
        size_t count[3][NKINDS] = {{0}};
        size_t files = 0;
        for (size_t f = 0; f < mc_catalogue_nfiles(cat); f++) {
            files += mc_catalogue_file_layer(cat, (uint32_t)f) == layer;
        }
        for (size_t i = 0; i < n; i++) {
            if (mc_catalogue_file_layer(cat, all[i].pos.file) == layer) {
                count[all[i].op][kind_index(all[i].kind)]++;
            }
        }
        const char *name = mc_catalogue_layer_name(cat, layer);
        printf("layer %zu", layer + 1);
        if (name[0] != '\0') {
            printf(" '%s'", name);
        }
        printf(" (%zu %s):", files, plural(files, "file", "files"));
        static const char *const verbs[3] = {"declares", "extends", "replaces"};
        bool any = false;
        for (int op = 0; op < 3; op++) {
            bool first = true;
            for (size_t k = 0; k < NKINDS; k++) {
                size_t c = count[op][k];
                if (c == 0) {
                    continue;
                }
                if (first) {
                    printf("%s%s ", any ? "; " : " ", verbs[op]);
                } else {
                    printf(", ");
                }
                if (op == MC_LAYER_DECLARES && k == 0) {
                    size_t names = procedure_names(cat, all, n, layer);
                    if (names == SIZE_MAX) {
                        return cli_out_of_memory();
                    }
                    printf("%zu %s (%zu %s)", names, plural(names, "procedure", "procedures"), c,
                           plural(c, "version", "versions"));
                } else {
                    printf("%zu %s", c, plural(c, kinds[k][1], kinds[k][2]));
                }
                first = false;
                any = true;
            }
        }
        printf("%s\n", any ? "" : " declares nothing");
        for (size_t i = 0; i < n; i++) {
            const mc_layer_decl *d = &all[i];
            if (mc_catalogue_file_layer(cat, d->pos.file) != layer) {
                continue;
            }
            size_t by = d->replaced ? replaced_by(cat, all, n, d) : 0;
            if (d->op == MC_LAYER_DECLARES && !d->replaced) {
                continue;
            }
            printf("  %s %s %s (", verbs[d->op], kinds[kind_index(d->kind)][1], d->name);
            print_where(cat, d->pos);
            printf(")");
            if (d->replaced) {
                printf(", replaced by layer %zu", by);
            }
            printf("\n");
        }
    }
    return EXIT_OK;
}

/* {"kind", "name", "file", "line", "column"} of d, or NULL out of memory. */
static json_t *json_decl(const mc_catalogue *cat, const mc_layer_decl *d)
{
    uint32_t line, col;
    mc_catalogue_position(cat, d->pos, &line, &col);
    return json_pack("{s:s, s:s, s:s, s:I, s:I}", "kind", d->kind, "name", d->name, "file",
                     mc_catalogue_file(cat, d->pos.file), "line", (json_int_t)line, "column",
                     (json_int_t)col);
}

/* The "layers" array of lint --layers --format json (docs/cli.md), or NULL out of memory. */
static json_t *json_layers(const mc_catalogue *cat)
{
    bool ok = true;
    size_t n;
    const mc_layer_decl *all = mc_catalogue_layer_decls(cat, &n);
    json_t *list = json_array();
    for (size_t layer = 0; layer < mc_catalogue_nlayers(cat) && ok; layer++) {
        size_t files = 0;
        for (size_t f = 0; f < mc_catalogue_nfiles(cat); f++) {
            files += mc_catalogue_file_layer(cat, (uint32_t)f) == layer;
        }
        json_t *o = json_object();
        json_t *declares = json_object();
        json_t *extends = json_array();
        json_t *replaces = json_array();
        json_t *replaced = json_array();
        front_jset(o, "layer", json_integer((json_int_t)layer + 1), &ok);
        front_jset(o, "name", json_string(mc_catalogue_layer_name(cat, layer)), &ok);
        front_jset(o, "files", json_integer((json_int_t)files), &ok);
        for (size_t i = 0; i < n && ok; i++) {
            const mc_layer_decl *d = &all[i];
            if (mc_catalogue_file_layer(cat, d->pos.file) != layer) {
                continue;
            }
            if (d->op == MC_LAYER_DECLARES) {
                json_t *names = json_object_get(declares, d->kind);
                if (names == NULL) {
                    names = json_array();
                    front_jset(declares, d->kind, names, &ok);
                }
                if (ok) { /* a failed front_jset has freed names */
                    front_jpush(names, json_string(d->name), &ok);
                }
            } else {
                front_jpush(d->op == MC_LAYER_EXTENDS ? extends : replaces, json_decl(cat, d), &ok);
            }
            if (d->replaced) {
                json_t *r = json_decl(cat, d);
                front_jset(r, "by", json_integer((json_int_t)replaced_by(cat, all, n, d)), &ok);
                front_jpush(replaced, r, &ok);
            }
        }
        front_jset(o, "declares", declares, &ok);
        front_jset(o, "extends", extends, &ok);
        front_jset(o, "replaces", replaces, &ok);
        front_jset(o, "replaced", replaced, &ok);
        front_jpush(list, o, &ok);
    }
    return front_jdone(list, ok);
}

/* The notes of the proofs (what was not proven), one line each, after the diagnostics. */
static void print_notes(FILE *f, const mc_diags *notes)
{
    for (size_t i = 0; notes != NULL && i < mc_diags_count(notes); i++) {
        const mc_diag *x = mc_diags_get(notes, i);
        fprintf(f, "%s:%u:%u: note: %s\n", x->file, (unsigned)x->line, (unsigned)x->col, x->msg);
    }
}

static int print_json(const mc_diags *d, const mc_diags *notes, const mc_catalogue *cat,
                      bool layers)
{
    bool ok = true;
    json_t *root = json_object();
    json_t *list = json_array();
    for (size_t i = 0; i < mc_diags_count(d); i++) {
        const mc_diag *x = mc_diags_get(d, i);
        front_jpush(list,
                    json_pack("{s:s, s:i, s:i, s:s, s:s?, s:s}", "file", x->file, "line",
                              (int)x->line, "column", (int)x->col, "severity",
                              x->severity == MC_DIAG_ERROR ? "error" : "warning", "name", x->name,
                              "message", x->msg),
                    &ok);
    }
    front_jset(root, "diagnostics", list, &ok);
    if (notes != NULL && mc_diags_count(notes) > 0) { /* only when there are: the shape stays */
        json_t *nl = json_array();
        for (size_t i = 0; i < mc_diags_count(notes); i++) {
            const mc_diag *x = mc_diags_get(notes, i);
            front_jpush(nl,
                        json_pack("{s:s, s:i, s:i, s:s}", "file", x->file, "line", (int)x->line,
                                  "column", (int)x->col, "message", x->msg),
                        &ok);
        }
        front_jset(root, "notes", nl, &ok);
    }
    front_jset(root, "errors", json_integer((json_int_t)mc_diags_errors(d)), &ok);
    front_jset(root, "warnings", json_integer((json_int_t)mc_diags_warnings(d)), &ok);
    if (cat != NULL) {
        summary s = summarise(cat);
        front_jset(
            root, "summary",
            json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "procedures",
                      (json_int_t)s.procedures, "versions", (json_int_t)s.versions, "lifecycles",
                      (json_int_t)s.lifecycles, "documents", (json_int_t)s.documents, "registries",
                      (json_int_t)s.registries, "roles", (json_int_t)s.roles, "calendars",
                      (json_int_t)s.calendars, "reforms", (json_int_t)s.reforms, "cost_models",
                      (json_int_t)s.cost_models, "fee_schedules", (json_int_t)s.fee_schedules),
            &ok);
        if (s.agencies > 0) { /* as in the text summary */
            front_jset(json_object_get(root, "summary"), "agencies",
                       json_integer((json_int_t)s.agencies), &ok);
        }
        if (layers) {
            front_jset(root, "layers", json_layers(cat), &ok);
        }
    } else {
        front_jset(root, "summary", json_null(), &ok);
        if (layers) {
            front_jset(root, "layers", json_null(), &ok);
        }
    }
    return cli_print_json(front_jdone(root, ok), JSON_INDENT(2) | JSON_PRESERVE_ORDER);
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Checks the modules of DIR/rules (front_load's folders: each path that is a catalogue folder,
 * else every --catalogue, else ".") against cat: names given to the rule API, globals. */
static int check_rules(const front_opts *c, const mc_catalogue *cat, mc_diags *diags, mc_error *err)
{
    static const char *const here[] = {"."};
    const char *const *dirs = c->ncatalogues > 0 ? c->catalogues : here;
    size_t n = c->ncatalogues > 0 ? (size_t)c->ncatalogues : 1;
    bool folders = false;
    for (int i = 0; i < c->nargs && !folders; i++) {
        char proc[4096];
        snprintf(proc, sizeof proc, "%s/procedures", c->args[i]);
        folders = is_dir(proc);
    }
    mc_rulecheck *rc;
    int r = mc_rulecheck_new(&rc, cat, err);
    for (size_t i = 0; r == 0 && i < (folders ? (size_t)c->nargs : n); i++) {
        const char *dir = folders ? c->args[i] : dirs[i];
        char path[4096];
        snprintf(path, sizeof path, "%s/procedures", dir);
        if (folders && !is_dir(path)) {
            continue;
        }
        if (strcmp(dir, ".") == 0) {
            snprintf(path, sizeof path, "rules");
        } else {
            snprintf(path, sizeof path, "%s/rules", dir);
        }
        r = mc_rulecheck_dir(rc, path, diags, err);
    }
    mc_rulecheck_free(rc);
    return r;
}

int cmd_lint(front_opts *c)
{
    mc_catalogue *cat = NULL;
    mc_diags *diags = NULL, *notes = NULL;
    mc_error err;
    mc_error_clear(&err);
    int rc = front_load(c, c->args, (size_t)c->nargs, &cat, NULL, &diags, &err);
    int status;
    if (rc == 0 && cat != NULL) {
        /* What people would read as a bare name (issue 21): lint's only, not every load's. */
        rc = mc_catalogue_check_titles(cat, "vi", diags);
        if (rc == 0) {
            rc = mc_catalogue_check_staffing(cat, diags); /* officers who would sit idle */
        }
        if (rc == 0 && (rc = mc_diags_new(&notes)) == 0) {
            rc = mc_prove_catalogue(cat, diags, notes, NULL, &err); /* guards that overlap */
        }
        if (rc == 0) {
            rc = check_rules(c, cat, diags, &err); /* the names the rules use */
        }
    }
    if ((rc == 0 || rc == MC_ECHECK) && diags != NULL) {
        /* Every check has run (on a catalogue that loaded): an allow that accepted nothing is
         * stale. --strict makes the warnings errors, for CI. */
        int ar = mc_diags_apply_allows(diags, cat != NULL);
        if (c->strict) {
            mc_diags_strict(diags);
        }
        rc = ar != 0 ? ar : mc_diags_errors(diags) > 0 ? MC_ECHECK : rc;
        mc_diags_sort(diags);
    }
    if (rc == MC_ENOMEM && err.msg[0] == '\0') {
        snprintf(err.msg, sizeof err.msg, "out of memory");
    }
    if (rc != 0 && rc != MC_ECHECK) {
        if (err.msg[0] != '\0') {
            fprintf(stderr, "motcua: %s\n", err.msg);
        }
        status = front_exit_for(rc);
    } else {
        if (c->json) {
            status = print_json(diags, notes, cat, c->layers);
        } else {
            front_print_diags(stderr, diags);
            print_notes(stderr, notes);
            if (cat != NULL) {
                summary s = summarise(cat);
                print_text_summary(&s, diags);
                status = c->layers ? print_text_layers(cat) : EXIT_OK;
            } else {
                printf("lint: %zu %s, %zu %s\n", mc_diags_errors(diags),
                       plural(mc_diags_errors(diags), "error", "errors"), mc_diags_warnings(diags),
                       plural(mc_diags_warnings(diags), "warning", "warnings"));
                status = EXIT_OK;
            }
        }
        if (status == 0 && rc == MC_ECHECK) {
            status = EXIT_FAIL;
        }
    }
    mc_catalogue_free(cat);
    mc_diags_free(diags);
    mc_diags_free(notes);
    return status;
}

int cmd_graph(front_opts *c)
{
    if (c->nargs != 1) {
        return front_usage_error("graph takes one procedure name");
    }
    mc_date date = cli_today();
    char msg[200];
    if (c->date != NULL && mc_value_date(c->date, strlen(c->date), &date, msg, sizeof msg) != 0) {
        return front_usage_error("--date: %s", msg);
    }
    if (c->date == NULL && c->now != NULL) {
        mc_datetime now;
        if (mc_value_datetime(c->now, strlen(c->now), &now, msg, sizeof msg) != 0) {
            return front_usage_error("--now: %s", msg);
        }
        date = mc_datetime_date(now);
    }
    mc_catalogue *cat = NULL;
    mc_diags *diags = NULL;
    mc_error err;
    mc_error_clear(&err);
    int status = EXIT_OK;
    int rc = front_load(c, NULL, 0, &cat, NULL, &diags, &err);
    if (rc != 0) {
        if (diags != NULL) {
            front_print_diags(stderr, diags);
        }
        fprintf(stderr, "motcua: %s\n", err.msg);
        status = front_exit_for(rc);
        goto done;
    }
    const char *name = c->args[0];
    const mc_procedure *p = mc_catalogue_procedure(cat, name, date);
    if (p == NULL) {
        size_t n;
        mc_catalogue_versions(cat, name, &n);
        char day[11];
        mc_date_format(date, day);
        if (n == 0) {
            fprintf(stderr, "motcua: unknown procedure '%s'\n", name);
        } else {
            fprintf(stderr, "motcua: no version of procedure '%s' is in force on %s\n", name, day);
        }
        status = EXIT_FAIL;
        goto done;
    }
    char *dot;
    if (mc_graph_dot(&dot, p, &err) != 0) {
        fprintf(stderr, "motcua: %s\n", err.msg);
        status = EXIT_IO;
        goto done;
    }
    fputs(dot, stdout);
    mc_free(dot);
done:
    mc_catalogue_free(cat);
    mc_diags_free(diags);
    return status;
}
