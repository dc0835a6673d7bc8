/* deploy-check --catalogue NEW --db STORE (issue 19): loads the new catalogue as serve would,
 * and lists the open dossiers of the store it could not run (mc_engine_deploy_check), each
 * named; exit 1 when there is any, so that a deployment stops before a dossier breaks. */
#include "cli.h"

#include "motcua/alloc.h"
#include "motcua/store.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct deploy_out {
    bool json;        /* --format json */
    json_t *problems; /* with --format json */
    bool ok;          /* false once memory ran out */
    int64_t n;        /* breaking */
    int64_t kept;     /* not breaking: running on their stored text, or a due instant moved */
} deploy_out;

static const char *kind_name(mc_deploy_kind k)
{
    static const char *const names[] = {
        [MC_DEPLOY_VERSION_GONE] = "version-gone", [MC_DEPLOY_STATE_GONE] = "state-gone",
        [MC_DEPLOY_TEXT_BROKEN] = "text-broken",   [MC_DEPLOY_VERSION_KEPT] = "version-kept",
        [MC_DEPLOY_TEXT_KEPT] = "text-kept",       [MC_DEPLOY_DUE_MOVES] = "due-moves",
    };
    return names[k];
}

static int print_problem(void *ud, const mc_deploy_problem *p)
{
    deploy_out *o = ud;
    if (p->breaking) {
        o->n++;
    } else {
        o->kept++;
    }
    if (!o->json) {
        printf("%s\n", p->message);
        return 0;
    }
    json_t *j = json_object();
    front_jset(j, "dossier", json_integer(p->dossier), &o->ok);
    front_jset(j, "problem", json_string(kind_name(p->kind)), &o->ok);
    front_jset(j, "breaking", json_boolean(p->breaking), &o->ok);
    front_jset(j, "procedure", json_string(p->procedure), &o->ok);
    front_jset(j, "version", json_string(p->version), &o->ok);
    front_jset(j, "state", json_string(p->state), &o->ok);
    if (p->kind == MC_DEPLOY_DUE_MOVES) {
        front_jset(j, "due", json_string(p->due_text), &o->ok);
        front_jset(j, "new_due", json_string(p->new_due_text), &o->ok);
    }
    front_jset(j, "message", json_string(p->message), &o->ok);
    front_jpush(o->problems, j, &o->ok);
    return 0;
}

/* Prints the open dossiers of store db that cat could not run, one line each (a JSON document
 * with json), and sets *nproblems; returns an exit status (EXIT_OK even with problems). */
static int deploy_report(const mc_catalogue *cat, const mc_rules *rules, const char *db, bool json,
                         int64_t *nproblems, int64_t *nkept)
{
    struct stat sb;
    if (strcmp(db, ":memory:") != 0 && strncmp(db, "file:", 5) != 0 && !mc_store_is_server(db) &&
        stat(db, &sb) != 0) {
        fprintf(stderr, "motcua: %s: no such store\n", db);
        return EXIT_IO;
    }
    mc_store *st;
    mc_error err;
    int rc = mc_store_open(&st, db, &err);
    if (rc != 0) {
        fprintf(stderr, "motcua: %s\n", err.msg);
        return front_exit_for(rc);
    }
    deploy_out o = {json, json ? json_array() : NULL, true, 0, 0};
    o.ok = !json || o.problems != NULL;
    int64_t nopen = 0;
    rc = mc_engine_deploy_check(st, cat, rules, print_problem, &o, &nopen, &err);
    mc_store_close(st);
    if (rc != 0) {
        json_decref(o.problems);
        fprintf(stderr, "motcua: %s\n", err.msg);
        return front_exit_for(rc);
    }
    *nproblems = o.n;
    *nkept = o.kept;
    if (json) {
        json_t *j = json_object();
        bool ok = o.ok && j != NULL;
        front_jset(j, "open", json_integer(nopen), &ok);
        front_jset(j, "breaking", json_integer(o.n), &ok);
        front_jset(j, "kept", json_integer(o.kept), &ok);
        front_jset(j, "problems", o.problems, &ok);
        int status = cli_print_json(front_jdone(j, ok), JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (status != EXIT_OK) {
            return status;
        }
    }
    return EXIT_OK;
}

int cmd_deploy_check(front_opts *c)
{
    if (c->nargs > 0) {
        return front_usage_error("deploy-check takes no arguments");
    }
    if (c->db == NULL) {
        return front_usage_error("deploy-check needs --db STORE, the store the catalogue would "
                                 "serve");
    }
    mc_catalogue *cat = NULL;
    mc_rules *rules = NULL;
    mc_diags *diags = NULL;
    mc_error err;
    mc_error_clear(&err);
    int rc = front_load(c, NULL, 0, &cat, &rules, &diags, &err);
    if (rc != 0) {
        if (diags != NULL) {
            front_print_diags(stderr, diags);
        }
        if (err.msg[0] != '\0') {
            fprintf(stderr, "motcua: %s\n", err.msg);
        }
        mc_diags_free(diags);
        mc_rules_free(rules);
        return rc == MC_ECHECK ? EXIT_FAIL : front_exit_for(rc);
    }
    int64_t n = 0, kept = 0;
    int status = deploy_report(cat, rules, c->db, c->json, &n, &kept);
    if (status == EXIT_OK && !c->json) {
        if (n == 0) {
            printf("no open dossier breaks\n");
        } else {
            printf("%lld open dossier%s would break\n", (long long)n, n == 1 ? "" : "s");
        }
    }
    mc_catalogue_free(cat);
    mc_rules_free(rules);
    mc_diags_free(diags);
    return status == EXIT_OK && n > 0 ? EXIT_FAIL : status;
}
