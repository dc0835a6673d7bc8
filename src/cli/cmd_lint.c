/* `motcua lint [PATH…]` and `motcua graph PROCEDURE`. */
#include "cli.h"

#include "motcua/alloc.h"
#include "motcua/graph.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

typedef struct summary {
    size_t procedures, versions, lifecycles, documents, registries, roles, calendars, reforms,
        cost_models, fee_schedules;
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
    if (s->fee_schedules > 0) { /* a catalogue without any keeps the summary it always had */
        printf("%zu %s, ", s->fee_schedules,
               plural(s->fee_schedules, "fee schedule", "fee schedules"));
    }
    printf("%zu %s, %zu %s: ", s->reforms, plural(s->reforms, "reform", "reforms"), s->cost_models,
           plural(s->cost_models, "cost model", "cost models"));
    printf("%zu %s, %zu %s\n", mc_diags_errors(d), plural(mc_diags_errors(d), "error", "errors"),
           mc_diags_warnings(d), plural(mc_diags_warnings(d), "warning", "warnings"));
}

static int print_json(const mc_diags *d, const mc_catalogue *cat)
{
    bool ok = true;
    json_t *root = json_object();
    json_t *list = json_array();
    for (size_t i = 0; i < mc_diags_count(d); i++) {
        const mc_diag *x = mc_diags_get(d, i);
        front_jpush(list,
                    json_pack("{s:s, s:i, s:i, s:s, s:s}", "file", x->file, "line", (int)x->line,
                              "column", (int)x->col, "severity",
                              x->severity == MC_DIAG_ERROR ? "error" : "warning", "message",
                              x->msg),
                    &ok);
    }
    front_jset(root, "diagnostics", list, &ok);
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
    } else {
        front_jset(root, "summary", json_null(), &ok);
    }
    return cli_print_json(front_jdone(root, ok), JSON_INDENT(2) | JSON_PRESERVE_ORDER);
}

int cmd_lint(cli *c)
{
    mc_catalogue *cat = NULL;
    mc_diags *diags = NULL;
    mc_error err;
    mc_error_clear(&err);
    int rc = cli_load(c, c->args, (size_t)c->nargs, &cat, NULL, &diags, &err);
    int status;
    if (rc != 0 && rc != MC_ECHECK) {
        if (err.msg[0] != '\0') {
            fprintf(stderr, "motcua: %s\n", err.msg);
        }
        status = cli_exit_for(rc);
    } else {
        if (c->json) {
            status = print_json(diags, cat);
        } else {
            cli_print_diags(stderr, diags);
            if (cat != NULL) {
                summary s = summarise(cat);
                print_text_summary(&s, diags);
            } else {
                printf("lint: %zu %s, %zu %s\n", mc_diags_errors(diags),
                       plural(mc_diags_errors(diags), "error", "errors"), mc_diags_warnings(diags),
                       plural(mc_diags_warnings(diags), "warning", "warnings"));
            }
            status = 0;
        }
        if (status == 0 && rc == MC_ECHECK) {
            status = EXIT_FAIL;
        }
    }
    mc_catalogue_free(cat);
    mc_diags_free(diags);
    return status;
}

int cmd_graph(cli *c)
{
    if (c->nargs != 1) {
        return cli_usage_error("graph takes one procedure name");
    }
    mc_date date = cli_today();
    char msg[200];
    if (c->date != NULL && mc_value_date(c->date, strlen(c->date), &date, msg, sizeof msg) != 0) {
        return cli_usage_error("--date: %s", msg);
    }
    if (c->date == NULL && c->now != NULL) {
        mc_datetime now;
        if (mc_value_datetime(c->now, strlen(c->now), &now, msg, sizeof msg) != 0) {
            return cli_usage_error("--now: %s", msg);
        }
        date = mc_datetime_date(now);
    }
    mc_catalogue *cat = NULL;
    mc_diags *diags = NULL;
    mc_error err;
    mc_error_clear(&err);
    int status = EXIT_OK;
    int rc = cli_load(c, NULL, 0, &cat, NULL, &diags, &err);
    if (rc != 0) {
        if (diags != NULL) {
            cli_print_diags(stderr, diags);
        }
        fprintf(stderr, "motcua: %s\n", err.msg);
        status = cli_exit_for(rc);
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
