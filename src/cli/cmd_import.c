/* `motcua import annex FILE.csv --out DIR [--tables FILE] [--assumptions FILE]`. */
#include "cli.h"

#include "motcua/annex.h"
#include "motcua/diag.h"

#include <stdio.h>
#include <string.h>

/* DIR/data/annex-66-7/NAME, the default of --tables and --assumptions. */
static const char *default_path(const front_opts *c, const char *name, char *buf, size_t size)
{
    snprintf(buf, size, "%s/data/annex-66-7/%s", c->catalogue ? c->catalogue : ".", name);
    return buf;
}

int cmd_import(front_opts *c)
{
    if (c->nargs != 2 || strcmp(c->args[0], "annex") != 0) {
        return front_usage_error("usage: motcua import annex FILE.csv --out DIR [--tables FILE] "
                                 "[--assumptions FILE]");
    }
    if (c->out == NULL) {
        return front_usage_error("import annex: --out DIR is required");
    }
    char tbuf[4096], abuf[4096];
    const char *tables = c->tables ? c->tables : default_path(c, "tables.tsv", tbuf, sizeof tbuf);
    const char *assumptions =
        c->assumptions ? c->assumptions : default_path(c, "assumptions.tsv", abuf, sizeof abuf);
    mc_error err = {0};
    mc_diags *diags = NULL;
    mc_source *src = NULL;
    mc_annex *a = NULL;
    int status = EXIT_IO;
    if (mc_diags_new(&diags) != 0) {
        fprintf(stderr, "motcua: out of memory\n");
        return EXIT_IO;
    }
    int rc = mc_source_read(&src, c->args[1], &err);
    if (rc == 0) {
        rc = mc_annex_new(&a, tables, assumptions, diags, &err);
    }
    if (rc == 0) {
        rc = mc_annex_import(a, c->args[1], mc_source_text(src), mc_source_len(src), diags, &err);
    }
    mc_diags_sort(diags);
    front_print_diags(stderr, diags);
    if (rc == MC_ECHECK) {
        size_t ne = mc_diags_errors(diags);
        fprintf(stderr, "import: %zu error%s; nothing written\n", ne, ne == 1 ? "" : "s");
        status = EXIT_FAIL;
        goto done;
    }
    if (rc == 0) {
        rc = mc_annex_write(a, c->out, &err);
    }
    if (rc != 0) {
        fprintf(stderr, "motcua: %s\n", err.msg);
        goto done;
    }
    mc_annex_stats s = mc_annex_stats_of(a);
    size_t nfiles;
    mc_annex_files(a, &nfiles);
    printf("import: %zu rows: %zu mapped, %zu mapped with warnings, %zu not mapped, %zu repeated; "
           "%zu procedures, %zu documents, %zu registries (%zu new); %zu files in %s; "
           "%zu warnings\n",
           s.rows, s.mapped, s.partial, s.unmapped, s.skipped, s.procedures, s.documents,
           s.registries, s.new_registries, nfiles, c->out, mc_diags_warnings(diags));
    status = EXIT_OK;
done:
    mc_annex_free(a);
    mc_source_free(src);
    mc_diags_free(diags);
    return status;
}
