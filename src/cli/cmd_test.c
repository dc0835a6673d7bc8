/* `motcua test PATH…`: runs the scenarios of SPEC §7 and prints one line each, then the
 * closing line "N passed, N failed" (", N known failures" when scenarios marked
 * `known-failure` failed, as marked: they are neither passed nor failed). */
#include "cli.h"

#include "base/dir.h"

#include "motcua/alloc.h"
#include "motcua/scenario.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct tally {
    size_t passed, failed, known; /* known: marked known-failure, and failing */
    bool as_json; /* --format json: the results go into json, printed at the end */
    json_t *json;
    bool json_ok; /* false once json or a result in it could not be made (out of memory) */
} tally;

static void report(void *ud, const mc_scenario_result *r)
{
    tally *t = ud;
    /* A scenario marked known-failure is never a pass: failing, it is a known failure; passing,
     * its mark is out of date, which fails the run until the mark is removed. */
    bool fixed = r->known != NULL && r->passed;
    if (r->known != NULL && !r->passed) {
        t->known++;
    } else if (r->passed && !fixed) {
        t->passed++;
    } else {
        t->failed++;
    }
    if (t->as_json) {
        json_t *o = json_pack("{s:s, s:s, s:b, s:s?}", "file", r->file, "name", r->name, "passed",
                              r->passed && !fixed, "failure", r->passed ? NULL : r->failure);
        if (r->known != NULL) { /* only on a marked scenario: the others' keys are as before */
            front_jset(o, "known_failure", json_string(r->known), &t->json_ok);
            front_jset(o, "fixed", json_boolean(fixed), &t->json_ok);
        }
        front_jpush(t->json, o, &t->json_ok);
        return;
    }
    if (fixed) {
        printf("FIXED %s\n     marked known-failure (\"%s\") but it passes: remove the mark\n",
               r->name, r->known);
    } else if (r->known != NULL) {
        printf("KNOWN %s\n     known-failure: %s\n     %s\n", r->name, r->known, r->failure);
    } else if (r->passed) {
        printf("ok   %s\n", r->name);
    } else {
        printf("FAIL %s\n     %s\n", r->name, r->failure);
    }
}

/* Appends the scenario files of path: the file itself, or the .scenario files of the folder and
 * its subfolders. */
static int collect(const char *path, mc_ptrvec *files, mc_error *err)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        return mc_dir_walk(files, path, ".scenario", MC_DIR_RECURSE, err);
    }
    char *p = mc_strndup(path, strlen(path));
    if (p == NULL || mc_ptrvec_push(files, p) != 0) {
        mc_free(p);
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    return 0;
}

int cmd_test(front_opts *c)
{
    if (c->nargs < 1) {
        return front_usage_error("test takes the scenario files or folders to run");
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
        return rc == MC_ECHECK ? EXIT_FAIL : front_exit_for(rc);
    }
    mc_ptrvec files = MC_PTRVEC_INIT;
    /* A path that is missing or a file with problems runs nothing; it counts as one failure in
     * the closing line, so the line never reads "0 failed" when something was not run. */
    tally t = {0, 0, 0, c->json, c->json ? json_array() : NULL, true};
    bool broken = false;
    for (int i = 0; i < c->nargs; i++) {
        struct stat st;
        if (stat(c->args[i], &st) != 0) {
            fprintf(stderr, "motcua: %s: no such file or folder\n", c->args[i]);
            broken = true;
            t.failed++;
            continue;
        }
        size_t before = files.n;
        int r = collect(c->args[i], &files, &err);
        if (r == MC_ENOMEM) {
            rc = r;
            break;
        }
        if (r != 0) { /* a folder that cannot be read, or nested too deeply: none of it runs */
            fprintf(stderr, "motcua: %s\n", err.msg);
            broken = true;
            t.failed++;
            while (files.n > before) {
                mc_free(files.items[--files.n]);
            }
        }
    }
    for (size_t i = 0; rc == 0 && i < files.n; i++) {
        mc_source *src;
        rc = mc_source_read(&src, files.items[i], &err);
        if (rc != 0) {
            break;
        }
        mc_diags *d;
        if (mc_diags_new(&d) != 0) {
            mc_source_free(src);
            rc = mc_error_set(&err, MC_ENOMEM, "out of memory");
            break;
        }
        int r = mc_scenario_run_file_lang(cat, rules, src, c->filter, c->lang, d, report, &t, &err);
        front_print_diags(stderr, d);
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
    for (size_t i = 0; i < files.n; i++) {
        mc_free(files.items[i]);
    }
    mc_ptrvec_free(&files);
    int status = EXIT_OK;
    if (rc != 0) {
        fprintf(stderr, "motcua: %s\n", err.msg);
        status = front_exit_for(rc);
    } else {
        status = t.failed > 0 || broken ? EXIT_FAIL : EXIT_OK;
        if (c->json) {
            json_t *o = json_object();
            front_jset(o, "scenarios", t.json, &t.json_ok);
            t.json = NULL;
            front_jset(o, "passed", json_integer((json_int_t)t.passed), &t.json_ok);
            front_jset(o, "failed", json_integer((json_int_t)t.failed), &t.json_ok);
            front_jset(o, "known_failures", json_integer((json_int_t)t.known), &t.json_ok);
            front_jset(o, "errors", json_boolean(broken), &t.json_ok);
            if (cli_print_json(front_jdone(o, t.json_ok), JSON_INDENT(2)) != EXIT_OK) {
                status = EXIT_IO;
            }
        } else {
            printf("%zu passed, %zu failed", t.passed, t.failed);
            if (t.known > 0) {
                printf(", %zu known failure%s", t.known, t.known == 1 ? "" : "s");
            }
            printf("\n");
        }
    }
    json_decref(t.json);
    mc_catalogue_free(cat);
    mc_rules_free(rules);
    mc_diags_free(diags);
    return status;
}
