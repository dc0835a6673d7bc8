/* `motcua test PATH…`: runs the scenarios of SPEC §7 and prints one line each, then the
 * closing line "N passed, N failed". */
#include "cli.h"

#include "motcua/alloc.h"
#include "motcua/scenario.h"

#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct tally {
    size_t passed, failed;
    json_t *json;
} tally;

static void report(void *ud, const mc_scenario_result *r)
{
    tally *t = ud;
    if (r->passed) {
        t->passed++;
    } else {
        t->failed++;
    }
    if (t->json != NULL) {
        json_array_append_new(t->json, json_pack("{s:s, s:s, s:b, s:s?}", "file", r->file, "name",
                                                 r->name, "passed", r->passed, "failure",
                                                 r->passed ? NULL : r->failure));
        return;
    }
    if (r->passed) {
        printf("ok   %s\n", r->name);
    } else {
        printf("FAIL %s\n     %s\n", r->name, r->failure);
    }
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends the .scenario files under path (a file, or a folder searched recursively). */
static void collect(const char *path, char ***files, size_t *n, size_t *cap, int depth)
{
    struct stat st;
    if (depth > 16 || stat(path, &st) != 0) {
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 16;
            *files = realloc(*files, *cap * sizeof **files);
        }
        (*files)[(*n)++] = strdup(path);
        return;
    }
    DIR *d = opendir(path);
    if (d == NULL) {
        return;
    }
    char **names = NULL;
    size_t nn = 0, cn = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.') {
            continue;
        }
        char *p = malloc(strlen(path) + len + 2);
        sprintf(p, "%s/%s", path, e->d_name);
        struct stat s2;
        bool scenario = len > 9 && strcmp(e->d_name + len - 9, ".scenario") == 0;
        if (stat(p, &s2) == 0 && (S_ISDIR(s2.st_mode) || scenario)) {
            if (nn == cn) {
                cn = cn ? cn * 2 : 16;
                names = realloc(names, cn * sizeof *names);
            }
            names[nn++] = p;
        } else {
            free(p);
        }
    }
    closedir(d);
    if (nn > 1) { /* a folder without scenarios leaves names NULL, which qsort may not get */
        qsort(names, nn, sizeof *names, cmp);
    }
    for (size_t i = 0; i < nn; i++) {
        collect(names[i], files, n, cap, depth + 1);
        free(names[i]);
    }
    free(names);
}

int cmd_test(cli *c)
{
    if (c->nargs < 1) {
        return cli_usage_error("test takes the scenario files or folders to run");
    }
    mc_catalogue *cat = NULL;
    mc_rules *rules = NULL;
    mc_diags *diags = NULL;
    mc_error err;
    mc_error_clear(&err);
    int rc = cli_load(c, NULL, 0, &cat, &rules, &diags, &err);
    if (rc != 0) {
        if (diags != NULL) {
            cli_print_diags(stderr, diags);
        }
        if (err.msg[0] != '\0') {
            fprintf(stderr, "motcua: %s\n", err.msg);
        }
        mc_diags_free(diags);
        return rc == MC_ECHECK ? EXIT_FAIL : cli_exit_for(rc);
    }
    char **files = NULL;
    size_t n = 0, cap = 0;
    /* A path that is missing or a file with problems runs nothing; it counts as one failure in
     * the closing line, so the line never reads "0 failed" when something was not run. */
    tally t = {0, 0, c->json ? json_array() : NULL};
    bool broken = false;
    for (int i = 0; i < c->nargs; i++) {
        struct stat st;
        if (stat(c->args[i], &st) != 0) {
            fprintf(stderr, "motcua: %s: no such file or folder\n", c->args[i]);
            broken = true;
            t.failed++;
            continue;
        }
        collect(c->args[i], &files, &n, &cap, 0);
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        mc_source *src;
        rc = mc_source_read(&src, files[i], &err);
        if (rc != 0) {
            break;
        }
        mc_diags *d;
        mc_diags_new(&d);
        int r = mc_scenario_run_file(cat, rules, src, c->filter, d, report, &t, &err);
        cli_print_diags(stderr, d);
        if (r == MC_ECHECK) {
            fprintf(stderr, "motcua: %s\n", err.msg);
            broken = true;
            t.failed++;
        } else if (r != 0) {
            rc = r;
        }
        mc_diags_free(d);
        mc_source_free(src);
    }
    for (size_t i = 0; i < n; i++) {
        free(files[i]);
    }
    free(files);
    int status = EXIT_OK;
    if (rc != 0) {
        fprintf(stderr, "motcua: %s\n", err.msg);
        status = cli_exit_for(rc);
    } else {
        if (t.json != NULL) {
            json_t *o =
                json_pack("{s:o, s:I, s:I, s:b}", "scenarios", t.json, "passed",
                          (json_int_t)t.passed, "failed", (json_int_t)t.failed, "errors", broken);
            t.json = NULL;
            char *text = json_dumps(o, JSON_INDENT(2));
            puts(text);
            free(text);
            json_decref(o);
        } else {
            printf("%zu passed, %zu failed\n", t.passed, t.failed);
        }
        status = t.failed > 0 || broken ? EXIT_FAIL : EXIT_OK;
    }
    json_decref(t.json);
    mc_catalogue_free(cat);
    mc_rules_free(rules);
    mc_diags_free(diags);
    return status;
}
