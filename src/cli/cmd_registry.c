/* `motcua registry import REGISTRY FILE.csv`, `motcua registry show SUBJECT` (SPEC §5.4). */
#include "cli.h"

#include "motcua/access.h"
#include "motcua/engine.h"
#include "motcua/registry.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

typedef struct records_out {
    json_t *list; /* with --format json */
    bool ok;      /* false once memory ran out: list is not whole */
} records_out;

static int print_record(void *ud, const mc_record_row *rec)
{
    records_out *r = ud;
    if (r->list != NULL) {
        front_jpush(r->list,
                    json_pack("{s:s, s:s, s:s, s:s?, s:s?}", "registry", rec->registry, "document",
                              rec->document, "subject", rec->subject, "reference", rec->reference,
                              "issued", rec->issued),
                    &r->ok);
        return r->ok ? 0 : MC_ENOMEM;
    }
    printf("%-24s %-32s %-20s %s\n", rec->registry, rec->document,
           rec->reference ? rec->reference : "-", rec->issued ? rec->issued : "-");
    return 0;
}

int cmd_registry(front_opts *c)
{
    bool import = c->nargs == 3 && strcmp(c->args[0], "import") == 0;
    bool show = c->nargs == 2 && strcmp(c->args[0], "show") == 0;
    if (!import && !show) {
        return front_usage_error("write: registry import REGISTRY FILE.csv, or registry show "
                                 "SUBJECT");
    }
    mc_catalogue *cat = NULL;
    mc_rules *rules = NULL;
    mc_diags *diags = NULL;
    mc_store *st = NULL;
    mc_source *src = NULL;
    mc_error err;
    mc_error_clear(&err);
    int status = EXIT_OK;
    int rc = front_load(c, NULL, 0, &cat, &rules, &diags, &err);
    if (rc == 0) {
        rc = mc_store_open(&st, c->db ? c->db : "motcua.db", &err);
    }
    int64_t at = 0;
    if (rc == 0 && front_now(c, mc_catalogue_default_calendar(cat), &at) != EXIT_OK) {
        mc_store_close(st);
        mc_catalogue_free(cat);
        mc_rules_free(rules);
        mc_diags_free(diags);
        return EXIT_USAGE;
    }
    if (rc == 0 && import) {
        size_t count = 0;
        mc_diags *rows = NULL; /* the file's problems only, not the catalogue's warnings */
        rc = mc_source_read(&src, c->args[2], &err);
        if (rc == 0 && mc_diags_new(&rows) != 0) {
            rc = mc_error_set(&err, MC_ENOMEM, "out of memory");
        }
        if (rc == 0) {
            rc = mc_registry_import(st, cat, c->args[1], src, at, rows, &count, &err);
            front_print_diags(stderr, rows);
        }
        mc_diags_free(rows);
        if (rc == 0) {
            if (c->json) {
                status = cli_print_json(
                    json_pack("{s:s, s:I}", "registry", c->args[1], "imported", (json_int_t)count),
                    JSON_INDENT(2));
            } else {
                printf("registry import: %zu %s into %s\n", count,
                       count == 1 ? "record" : "records", c->args[1]);
            }
        }
    } else if (rc == 0) {
        /* A citizen's records are read only once the read is in the access log. */
        mc_access a = {
            .at = at, .actor = cli_os_user(), .route = "cli registry show", .subject = c->args[1]};
        records_out r = {c->json ? json_array() : NULL, true};
        rc = mc_access_record(st, &a, &err);
        if (rc == 0) {
            rc = mc_store_records_of(st, c->args[1], print_record, &r, &err);
        }
        if (!r.ok) {
            rc = mc_error_set(&err, MC_ENOMEM, "out of memory");
        } else if (rc == 0 && c->json) {
            status = cli_print_json(r.list, JSON_INDENT(2));
            r.list = NULL;
        }
        json_decref(r.list);
    }
    if (rc != 0) {
        if (diags != NULL && (cat == NULL || !import)) { /* the catalogue's own problems */
            front_print_diags(stderr, diags);
        }
        if (err.msg[0] != '\0') {
            fprintf(stderr, "motcua: %s\n", err.msg);
        }
        status = front_exit_for(rc);
    }
    mc_source_free(src);
    mc_store_close(st);
    mc_catalogue_free(cat);
    mc_rules_free(rules);
    mc_diags_free(diags);
    return status;
}
