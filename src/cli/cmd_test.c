/* `motcua test PATH…`: runs the scenarios of SPEC §7 and prints one line each, then the
 * closing line "N passed, N failed" (", N known failures" when scenarios marked
 * `known-failure` failed, as marked: they are neither passed nor failed). */
#include "cli.h"

#include "base/buf.h"
#include "base/dir.h"

#include "motcua/alloc.h"
#include "motcua/scenario.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct tally {
    size_t passed, failed, known; /* known: marked known-failure, and failing */
    bool as_json;                 /* --format json: the results go into json, printed at the end */
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

/* ==== coverage (--coverage, --min-coverage P) ============================================== */

/* The units of one owner (a procedure, a reform, a rule file) as they come, then said. */
typedef struct cover_print {
    FILE *out;    /* the text report, or NULL (json, or --min-coverage alone) */
    json_t *json; /* the report's array, or NULL */
    bool json_ok;
    char owner[256];
    mc_cover_kind group; /* MC_COVER_PROCEDURE: a procedure's units */
    size_t n[MC_COVER_RULE_LINE + 1], got[MC_COVER_RULE_LINE + 1];
    mc_buf missing[MC_COVER_RULE_LINE + 1];   /* what was not covered, each ended by \x1f */
    json_t *jmissing[MC_COVER_RULE_LINE + 1]; /* the same, as arrays (json) */
    size_t units, covered;                    /* over everything */
    size_t procedures, submitted;
} cover_print;

static const char *const cover_words[] = {"procedures",   "states", "transitions",
                                          "requirements", "lines",  "lines"};
static const char *const missing_words[] = {
    "", "not entered", "not taken", "never resolved", "not exercised", "not run"};
static const char *const json_words[] = {"",      "states", "transitions", "requirements",
                                         "lines", "lines"};

/* Says the units of kind k that were not covered (b: their texts, each ended by \x1f): the
 * names of states and requirements on one line, the transitions and reform lines one a line,
 * the rule lines as ranges of line numbers. */
static void cover_missing(FILE *out, mc_cover_kind k, const mc_buf *b)
{
    if (b->len == 0) {
        return;
    }
    bool listed = k == MC_COVER_TRANSITION || k == MC_COVER_REFORM_LINE;
    fprintf(out, "    %s:%s", missing_words[k], listed ? "\n" : " ");
    long first = -1, last = -1; /* the range of rule lines being said */
    bool said = false;
    for (const char *s = b->data; s < b->data + b->len;) {
        const char *end = strchr(s, '\x1f');
        int len = (int)(end - s);
        if (listed) {
            fprintf(out, "        %.*s\n", len, s);
        } else if (k != MC_COVER_RULE_LINE) {
            fprintf(out, "%s%.*s", said ? ", " : "", len, s);
            said = true;
        } else {
            const char *colon = s + len;
            while (colon > s && colon[-1] != ':') {
                colon--;
            }
            long line = strtol(colon, NULL, 10);
            if (first >= 0 && line == last + 1) {
                last = line;
            } else {
                if (first >= 0) {
                    fprintf(out, "%s%ld%s%.0ld", said ? ", " : "lines ", first,
                            last > first ? "-" : "", last > first ? last : 0);
                    said = true;
                }
                first = last = line;
            }
        }
        s = end + 1;
    }
    if (first >= 0) {
        fprintf(out, "%s%ld%s%.0ld", said ? ", " : "lines ", first, last > first ? "-" : "",
                last > first ? last : 0);
    }
    if (!listed) {
        fprintf(out, "\n");
    }
}

static void cover_flush(cover_print *p)
{
    size_t n = 0, got = 0;
    for (int k = MC_COVER_STATE; k <= MC_COVER_RULE_LINE; k++) {
        n += p->n[k];
        got += p->got[k];
    }
    if (p->owner[0] != '\0' && n > 0) {
        p->units += n;
        p->covered += got;
        if (p->out != NULL) {
            const char *what = p->group == MC_COVER_REFORM_LINE ? "reform "
                               : p->group == MC_COVER_RULE_LINE ? "rules "
                                                                : "";
            fprintf(p->out, "%s%s:", what, p->owner);
            for (int k = MC_COVER_STATE; k <= MC_COVER_RULE_LINE; k++) {
                if (p->n[k] > 0) {
                    fprintf(p->out, " %s %zu/%zu,", cover_words[k], p->got[k], p->n[k]);
                }
            }
            fprintf(p->out, " %.1f%%\n", 100.0 * (double)got / (double)n);
            if (got == 0 && p->group == MC_COVER_REFORM_LINE) {
                fprintf(p->out, "    no scenario or table runs under it\n");
            } else if (got == 0 && p->group == MC_COVER_RULE_LINE) {
                fprintf(p->out, "    no line ran\n");
            } else {
                for (int k = MC_COVER_STATE; k <= MC_COVER_RULE_LINE; k++) {
                    cover_missing(p->out, (mc_cover_kind)k, &p->missing[k]);
                }
            }
        }
        if (p->json != NULL) {
            json_t *o =
                json_pack("{s:s, s:s, s:I, s:I}", "kind",
                          p->group == MC_COVER_REFORM_LINE ? "reform"
                          : p->group == MC_COVER_RULE_LINE ? "rules"
                                                           : "procedure",
                          "name", p->owner, "units", (json_int_t)n, "covered", (json_int_t)got);
            json_t *miss = json_object();
            for (int k = MC_COVER_STATE; k <= MC_COVER_RULE_LINE; k++) {
                if (p->n[k] > 0) {
                    front_jset(miss, json_words[k], p->jmissing[k] ? p->jmissing[k] : json_array(),
                               &p->json_ok);
                    p->jmissing[k] = NULL;
                }
            }
            front_jset(o, "missing", miss, &p->json_ok);
            front_jpush(p->json, o, &p->json_ok);
        }
    }
    for (int k = 0; k <= MC_COVER_RULE_LINE; k++) {
        p->n[k] = p->got[k] = 0;
        mc_buf_free(&p->missing[k]);
        json_decref(p->jmissing[k]);
        p->jmissing[k] = NULL;
    }
    p->owner[0] = '\0';
}

static int cover_item(void *ud, const mc_cover_item *it)
{
    cover_print *p = ud;
    mc_cover_kind group = it->kind <= MC_COVER_REQUIREMENT ? MC_COVER_PROCEDURE : it->kind;
    if (group != p->group || strcmp(p->owner, it->owner) != 0) {
        cover_flush(p);
        snprintf(p->owner, sizeof p->owner, "%s", it->owner);
        p->group = group;
    }
    if (it->kind == MC_COVER_PROCEDURE) {
        p->procedures++;
        p->submitted += it->covered;
        return 0;
    }
    p->n[it->kind]++;
    p->got[it->kind] += it->covered;
    if (!it->covered && p->json != NULL) {
        if (p->jmissing[it->kind] == NULL) {
            p->jmissing[it->kind] = json_array();
        }
        front_jpush(p->jmissing[it->kind], json_string(it->what), &p->json_ok);
    } else if (!it->covered) {
        mc_buf *b = &p->missing[it->kind];
        mc_buf_puts(b, it->what);
        mc_buf_puts(b, "\x1f");
        if (b->oom) {
            return MC_ENOMEM;
        }
    }
    return 0;
}

/* The percent of --min-coverage P ("80", "80%", "72.5"): true with *pct when it reads as one
 * from 0 to 100. */
static bool read_percent(const char *s, double *pct)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || (*end != '\0' && strcmp(end, "%") != 0) || !(v >= 0 && v <= 100)) {
        return false;
    }
    *pct = v;
    return true;
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
    double min_pct = 0;
    if (c->min_coverage != NULL && !read_percent(c->min_coverage, &min_pct)) {
        mc_catalogue_free(cat);
        mc_rules_free(rules);
        mc_diags_free(diags);
        return front_usage_error("--min-coverage takes a percent from 0 to 100, not '%s'",
                                 c->min_coverage);
    }
    mc_scenario_coverage *cov = NULL;
    if ((c->test_coverage || c->min_coverage != NULL) &&
        mc_scenario_coverage_new(&cov, &err) != 0) {
        rc = MC_ENOMEM;
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
        mc_scenario_opts o = {c->filter, c->lang, cov};
        int r = mc_scenario_run_file_opts(cat, rules, src, &o, d, report, &t, &err);
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
    /* The coverage: a report per procedure with scenarios, reform and rule file (--coverage),
     * and the total, which --min-coverage P wants at least P percent of. */
    cover_print cp;
    memset(&cp, 0, sizeof cp);
    cp.json_ok = true;
    cp.out = c->test_coverage && !c->json ? stdout : NULL;
    cp.json = c->test_coverage && c->json ? json_array() : NULL;
    if (rc == 0 && cov != NULL) {
        if (cp.out != NULL) {
            printf("coverage:\n");
        }
        rc = mc_scenario_coverage_each(cov, cat, rules, cover_item, &cp, &err);
        cover_flush(&cp);
        if (rc == MC_ENOMEM) {
            mc_error_set(&err, MC_ENOMEM, "out of memory");
        }
    }
    double pct = cp.units ? 100.0 * (double)cp.covered / (double)cp.units : 100.0;
    if (rc == 0 && cp.out != NULL) {
        printf("%zu of %zu procedures have no scenario\n", cp.procedures - cp.submitted,
               cp.procedures);
        printf("coverage: %zu of %zu (%.1f%%)\n", cp.covered, cp.units, pct);
    }
    mc_scenario_coverage_free(cov);
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
            if (cp.json != NULL) {
                json_t *k = json_pack(
                    "{s:o, s:I, s:I, s:I, s:I, s:f}", "units", cp.json, "procedures",
                    (json_int_t)cp.procedures, "procedures_without_scenario",
                    (json_int_t)(cp.procedures - cp.submitted), "total", (json_int_t)cp.units,
                    "covered", (json_int_t)cp.covered, "percent", pct);
                cp.json = NULL;
                front_jset(o, "coverage", k, &t.json_ok);
                t.json_ok &= cp.json_ok;
            }
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
        if (c->min_coverage != NULL && pct < min_pct) {
            fprintf(stderr, "motcua: coverage %.1f%% is below --min-coverage %s%s\n", pct,
                    c->min_coverage, strchr(c->min_coverage, '%') ? "" : "%");
            status = EXIT_FAIL;
        }
    }
    json_decref(cp.json);
    json_decref(t.json);
    mc_catalogue_free(cat);
    mc_rules_free(rules);
    mc_diags_free(diags);
    return status;
}
