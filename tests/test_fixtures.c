/*
 * The diagnostic fixtures: every tests/fixtures/lint/NAME.proc (or folder NAME.d/) is loaded as
 * a catalogue, with the modules of tests/fixtures/rules as its rules, and its diagnostics must be
 * exactly the lines of NAME.expect (empty: it loads clean). A folder NAME.layers/ is a layered
 * catalogue: each of its folders, in name order, is a layer. One test case per fixture.
 */
#include "testutil.h"

#include "motcua/rules.h"

#include <dirent.h>
#include <sys/stat.h>

#define FIXTURES "tests/fixtures/lint"

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf != NULL && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len < 2) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    fclose(f);
    if (buf != NULL) {
        buf[len] = '\0';
    }
    return buf;
}

static int cmp_name(const void *a, const void *b);

/* The folders of a NAME.layers fixture, in name order, as layers (paths[i] owned, freed by the
 * caller). */
static size_t fixture_layers(const char *path, mc_layer *layers, char **paths, size_t max)
{
    DIR *dir = opendir(path);
    assert_non_null(dir);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL && n < max) {
        if (e->d_name[0] != '.') {
            size_t len = strlen(path) + strlen(e->d_name) + 2;
            paths[n] = malloc(len);
            assert_non_null(paths[n]);
            snprintf(paths[n], len, "%s/%s", path, e->d_name);
            n++;
        }
    }
    closedir(dir);
    qsort(paths, n, sizeof *paths, cmp_name);
    for (size_t i = 0; i < n; i++) {
        layers[i] = (mc_layer){.name = strrchr(paths[i], '/') + 1,
                               .paths = (const char *const *)&paths[i],
                               .npaths = 1};
    }
    return n;
}

static void run_fixture(void **state)
{
    const char *name = *state; /* NAME.proc, NAME.d or NAME.layers */
    char path[512], expect_path[512];
    snprintf(path, sizeof path, "%s/%s", FIXTURES, name);
    size_t base = strlen(name) - (strstr(name, ".proc") ? 5 : strstr(name, ".layers") ? 7 : 2);
    snprintf(expect_path, sizeof expect_path, "%s/%.*s.expect", FIXTURES, (int)base, name);
    char *expected = read_all(expect_path);
    if (expected == NULL) {
        fail_msg("missing %s", expect_path);
    }
    mc_diags *d;
    assert_int_equal(mc_diags_new(&d), 0);
    const char *paths[] = {path};
    mc_load_opts opts = MC_LOAD_OPTS_INIT;
    opts.paths = paths;
    opts.npaths = 1;
    mc_layer layers[8];
    char *layer_paths[8] = {NULL};
    if (strstr(name, ".layers") != NULL) {
        opts.nlayers = fixture_layers(path, layers, layer_paths, 8);
        opts.layers = layers;
    }
    mc_rules *rules;
    assert_int_equal(mc_rules_new(&rules, NULL, NULL), 0);
    assert_int_equal(mc_rules_load_dir(rules, "tests/fixtures/rules", d, NULL), 0);
    mc_rule_names names;
    mc_rules_names(rules, &names);
    opts.rules = &names;
    mc_catalogue *cat = NULL;
    mc_error err;
    int rc = mc_catalogue_load(&cat, &opts, d, &err);
    char *got = tu_render(d, true);
    if (strcmp(got, expected) != 0) {
        print_error("fixture %s\n--- expected\n%s--- got\n%s", name, expected, got);
    }
    assert_string_equal(got, expected);
    bool has_error = strstr(expected, ": error: ") != NULL;
    assert_int_equal(rc, has_error ? MC_ECHECK : 0);
    assert_true(has_error ? cat == NULL : cat != NULL);
    mc_catalogue_free(cat);
    mc_rules_free(rules);
    mc_diags_free(d);
    for (size_t i = 0; i < 8; i++) {
        free(layer_paths[i]);
    }
    free(got);
    free(expected);
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
    DIR *dir = opendir(FIXTURES);
    if (dir == NULL) {
        fprintf(stderr, "test_fixtures: cannot open %s (run from the repository root)\n", FIXTURES);
        return 1;
    }
    size_t n = 0, cap = 64;
    char **names = malloc(cap * sizeof *names);
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        size_t len = strlen(e->d_name);
        bool proc = len > 5 && strcmp(e->d_name + len - 5, ".proc") == 0;
        bool folder = (len > 2 && strcmp(e->d_name + len - 2, ".d") == 0) ||
                      (len > 7 && strcmp(e->d_name + len - 7, ".layers") == 0);
        if (!proc && !folder) {
            continue;
        }
        if (n == cap) {
            cap *= 2;
            names = realloc(names, cap * sizeof *names);
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(dir);
    qsort(names, n, sizeof *names, cmp_name);
    struct CMUnitTest *tests = calloc(n, sizeof *tests);
    for (size_t i = 0; i < n; i++) {
        tests[i].name = names[i];
        tests[i].test_func = run_fixture;
        tests[i].initial_state = names[i];
    }
    int failed = _cmocka_run_group_tests("fixtures", tests, n, NULL, NULL);
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);
    free(tests);
    return failed;
}
