/* The commands' JSON output (src/cli) under memory pressure: `cost`, `simulate` and `test` with
 * --format json, each allocation of their output failing in turn, print their answer whole or
 * print nothing on stdout and say "motcua: out of memory" (exit 3); never half an answer or an
 * object with a key missing. The commands run in this process on a small catalogue written to a
 * fresh folder, their stdout and stderr sent to files. */
#include "testutil.h"

#include "cli/cli.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static const char proc_text[] =
    "cost-model m { default; hourly-income 40000 VND; hours-per-day 8; visit 1h 10000 VND;"
    " count-waiting false }\n"
    "role clerk\n"
    "document cert\n"
    "lifecycle l { state a { initial; on go -> b by clerk }; state b { final } }\n"
    "procedure p { lifecycle l; volume 100 per year; fee 5000 VND; visits 1\n"
    "  field urgent { type bool; sample 30% }\n"
    "  requires cert when urgent { effort 1h; cost 2000 VND } }\n"
    "reform r { procedure p { fee 1000 VND } }\n";

static const char scenario_text[] = "scenario \"p is received\" {\n"
                                    "    now 2026-03-02T08:00\n"
                                    "    submit p { urgent false }\n"
                                    "    fire go by clerk\n"
                                    "}\n";

typedef struct fixture {
    char dir[64];                     /* the catalogue: dir/procedures/p.proc */
    char procs[96], proc[112];        /* dir/procedures, its file */
    char scen_dir[96], scenario[128]; /* dir/scenarios, its file */
    char out[96], err[96];            /* what a command printed on stdout and stderr */
    const char *catalogues[1];
    const char *args[1];
    front_opts opts;
    int (*cmd)(front_opts *c);
} fixture;

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/test_cli.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->procs, sizeof f->procs, "%s/procedures", f->dir);
    snprintf(f->proc, sizeof f->proc, "%s/p.proc", f->procs);
    snprintf(f->scen_dir, sizeof f->scen_dir, "%s/scenarios", f->dir);
    snprintf(f->scenario, sizeof f->scenario, "%s/p.scenario", f->scen_dir);
    snprintf(f->out, sizeof f->out, "%s/stdout", f->dir);
    snprintf(f->err, sizeof f->err, "%s/stderr", f->dir);
    assert_int_equal(mkdir(f->procs, 0700), 0);
    assert_int_equal(mkdir(f->scen_dir, 0700), 0);
    write_file(f->proc, proc_text);
    write_file(f->scenario, scenario_text);
    f->catalogues[0] = f->dir;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    remove(f->proc);
    remove(f->scenario);
    remove(f->out);
    remove(f->err);
    rmdir(f->procs);
    rmdir(f->scen_dir);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* The options of `motcua COMMAND --catalogue DIR --format json`. */
static void json_opts(fixture *f, int (*cmd)(front_opts *c))
{
    memset(&f->opts, 0, sizeof f->opts);
    f->opts.catalogue = f->dir;
    f->opts.catalogues = f->catalogues;
    f->opts.ncatalogues = 1;
    f->opts.json = true;
    f->opts.format = "json";
    f->cmd = cmd;
}

/* Points fd (1 or 2) at path, truncated; returns the descriptor it had. */
static int redirect(int fd, const char *path)
{
    int saved = dup(fd);
    int to = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(saved >= 0 && to >= 0);
    assert_int_equal(dup2(to, fd), fd);
    close(to);
    return saved;
}

static void restore(int fd, int saved)
{
    assert_int_equal(dup2(saved, fd), fd);
    close(saved);
}

/* Runs the fixture's command with stdout and stderr in its files; returns its exit status. */
static int run(fixture *f)
{
    fflush(stdout);
    fflush(stderr);
    int out = redirect(1, f->out), err = redirect(2, f->err);
    int status = f->cmd(&f->opts);
    fflush(stdout);
    fflush(stderr);
    restore(2, err);
    restore(1, out);
    return status;
}

/* The whole of a file (the caller frees). */
static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    long n = ftell(fp);
    assert_true(n >= 0);
    rewind(fp);
    char *text = malloc((size_t)n + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)n, fp), (size_t)n);
    text[n] = '\0';
    fclose(fp);
    return text;
}

/* Runs the command whole (its answer says says), then with each allocation from the first of its
 * output on failing: the answer whole, or nothing on stdout and "motcua: out of memory" with
 * exit 3. The output starts after the allocations the same command makes with the text format (it
 * computes the same figures, then prints them without allocating), so that the sweep is over the
 * output. */
static void sweep_output(fixture *f, long from, const char *says)
{
    static tu_failing fa;
    fa = (tu_failing){0, -1, false};
    mc_alloc_set(tu_failing_realloc, &fa);
    int status = run(f);
    mc_alloc_set(NULL, NULL);
    assert_int_equal(status, EXIT_OK);
    long total = fa.count;
    char *whole = slurp(f->out);
    assert_true(whole[0] == '{' && strstr(whole, says) != NULL);
    assert_true(from >= 0 && from < total);
    for (long n = from; n < total; n++) {
        fa = (tu_failing){0, n, false};
        mc_alloc_set(tu_failing_realloc, &fa);
        status = run(f);
        mc_alloc_set(NULL, NULL);
        char *out = slurp(f->out), *err = slurp(f->err);
        if (!fa.failed || status == EXIT_OK) {
            assert_int_equal(status, EXIT_OK);
            assert_string_equal(out, whole);
        } else {
            if (status != EXIT_IO || out[0] != '\0' || strncmp(err, "motcua: ", 8) != 0 ||
                strstr(err, "out of memory") == NULL) {
                fail_msg("allocation %ld of %ld failed: exit %d, stdout '%.60s', stderr '%s'", n,
                         total, status, out, err);
            }
        }
        free(out);
        free(err);
    }
    free(whole);
}

/* How many allocations the command makes with the text format: the first of its JSON. */
static long text_allocations(fixture *f)
{
    static tu_failing fa;
    f->opts.json = false;
    f->opts.format = NULL;
    fa = (tu_failing){0, -1, false};
    mc_alloc_set(tu_failing_realloc, &fa);
    int status = run(f);
    mc_alloc_set(NULL, NULL);
    f->opts.json = true;
    f->opts.format = "json";
    assert_int_equal(status, EXIT_OK);
    return fa.count;
}

static void test_cli__cost_json_out_of_memory(void **state)
{
    fixture *f = *state;
    json_opts(f, cmd_cost);
    f->opts.reform = "r";
    f->opts.date = "2026-03-02";
    sweep_output(f, text_allocations(f), "\"reform\": \"r\"");
}

static void test_cli__simulate_json_out_of_memory(void **state)
{
    fixture *f = *state;
    json_opts(f, cmd_simulate);
    f->opts.reform = "r";
    f->opts.dossiers = "3";
    f->opts.from = "2026-03-02";
    sweep_output(f, text_allocations(f), "\"reform\": \"r\"");
}

/* test's JSON grows as the scenarios run, so its sweep covers the whole command. */
static void test_cli__test_json_out_of_memory(void **state)
{
    fixture *f = *state;
    f->args[0] = f->scen_dir;
    json_opts(f, cmd_test);
    f->opts.args = f->args;
    f->opts.nargs = 1;
    sweep_output(f, 0, "\"name\": \"p is received\"");
}

int main(void)
{
    assert_int_equal(mc_init(), 0);
    sqlite3_test_control(SQLITE_TESTCTRL_BENIGN_MALLOC_HOOKS, tu_benign_begin, tu_benign_end);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cli__cost_json_out_of_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli__simulate_json_out_of_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli__test_json_out_of_memory, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
