/* What the commands share: loading, diagnostics, errors. */
#include "cli.h"

#include "motcua/alloc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("motcua: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" (see 'motcua help')\n", stderr);
    return EXIT_USAGE;
}

int cli_exit_for(int rc)
{
    switch (rc) {
    case MC_OK:
        return EXIT_OK;
    case MC_ECHECK:
    case MC_ENOTFOUND:
        return EXIT_FAIL;
    case MC_EUSAGE:
        return EXIT_USAGE;
    default:
        return EXIT_IO;
    }
}

void cli_print_diags(FILE *f, const mc_diags *d)
{
    for (size_t i = 0; i < mc_diags_count(d); i++) {
        const mc_diag *x = mc_diags_get(d, i);
        const char *sev = x->severity == MC_DIAG_ERROR ? "error" : "warning";
        if (x->line == 0) {
            fprintf(f, "%s: %s: %s\n", x->file, sev, x->msg);
            continue;
        }
        fprintf(f, "%s:%u:%u: %s: %s\n", x->file, (unsigned)x->line, (unsigned)x->col, sev,
                x->msg);
        if (x->excerpt == NULL) {
            continue;
        }
        fprintf(f, "    %s\n    ", x->excerpt);
        /* The caret line keeps the excerpt's tabs so it lines up. */
        const unsigned char *p = (const unsigned char *)x->excerpt;
        for (uint32_t col = 1; col < x->caret && *p != '\0'; col++) {
            fputc(*p == '\t' ? '\t' : ' ', f);
            p++;
            while ((*p & 0xC0) == 0x80) {
                p++;
            }
        }
        fputc('^', f);
        for (uint32_t k = 1; k < x->width && k < 200; k++) {
            fputc('~', f);
        }
        fputc('\n', f);
    }
}

static char *path_join(const char *dir, const char *name)
{
    size_t nd = strlen(dir), nn = strlen(name);
    if (nd == 1 && dir[0] == '.') {
        return strdup(name);
    }
    char *p = malloc(nd + nn + 2);
    if (p != NULL) {
        memcpy(p, dir, nd);
        p[nd] = '/';
        memcpy(p + nd + 1, name, nn + 1);
    }
    return p;
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int cli_load(cli *c, const char *const *paths, size_t npaths, mc_catalogue **cat,
             mc_diags **diags, mc_error *err)
{
    *cat = NULL;
    if (mc_diags_new(diags) != 0) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    const char *root = c->catalogue ? c->catalogue : ".";
    size_t n = npaths ? npaths : 1;
    char **owned = calloc(n + 1, sizeof *owned);
    const char **use = calloc(n, sizeof *use);
    char *rules = path_join(root, "rules");
    int rc = 0;
    if (owned == NULL || use == NULL || rules == NULL) {
        rc = mc_error_set(err, MC_ENOMEM, "out of memory");
        goto done;
    }
    if (npaths == 0) {
        owned[0] = path_join(root, "procedures");
        if (owned[0] == NULL) {
            rc = mc_error_set(err, MC_ENOMEM, "out of memory");
            goto done;
        }
        if (!is_dir(owned[0])) {
            rc = mc_error_set(err, MC_EIO, "%s: no procedures/ folder in the catalogue '%s'",
                              owned[0], root);
            goto done;
        }
        use[0] = owned[0];
    }
    for (size_t i = 0; i < npaths; i++) {
        /* A catalogue folder stands for its procedures/ (and its rules/). */
        char *proc = path_join(paths[i], "procedures");
        if (proc != NULL && is_dir(paths[i]) && is_dir(proc)) {
            owned[i] = proc;
            use[i] = proc;
            char *r = path_join(paths[i], "rules");
            if (r != NULL) {
                free(rules);
                rules = r;
            }
        } else {
            free(proc);
            use[i] = paths[i];
        }
    }
    mc_load_opts opts = MC_LOAD_OPTS_INIT;
    opts.paths = use;
    opts.npaths = n;
    opts.rules_dir = rules;
    rc = mc_catalogue_load(cat, &opts, *diags, err);
done:
    for (size_t i = 0; owned != NULL && i < n; i++) {
        free(owned[i]);
    }
    free(owned);
    free(use);
    free(rules);
    return rc;
}
