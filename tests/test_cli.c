/* The commands' JSON output (src/cli) under memory pressure: `cost`, `simulate` and `test` with
 * --format json, each allocation of their output failing in turn, print their answer whole or
 * print nothing on stdout and say "motcua: out of memory" (exit 3); never half an answer or an
 * object with a key missing. The commands run in this process on a small catalogue written to a
 * fresh folder, their stdout and stderr sent to files. */
#include "lookups.h"
#include "testutil.h"

#include "cli/cli.h"
#include "motcua/store.h"

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
    const char *reforms[1];
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
 * output on failing (the first of each call path, as tu_oom_sweep does): the answer whole, or nothing on stdout and "motcua: out of memory" with
 * exit 3. The output starts after the allocations the same command makes with the text format (it
 * computes the same figures, then prints them without allocating), so that the sweep is over the
 * output. */
static void sweep_output(fixture *f, long from, const char *says)
{
    static tu_failing fa;
    fa = (tu_failing){.fail_at = -1};
    mc_alloc_set(tu_failing_realloc, &fa);
    int status = run(f);
    mc_alloc_set(NULL, NULL);
    assert_int_equal(status, EXIT_OK);
    long total = fa.count;
    char *whole = slurp(f->out);
    assert_true((!f->opts.json || whole[0] == '{') && strstr(whole, says) != NULL);
    assert_true(from >= 0 && from < total);
    uint64_t *paths = getenv("MC_OOM_FULL") != NULL ? NULL : tu_paths_new();
    for (long n = from;; n = fa.fail_at + 1) {
        fa = (tu_failing){.fail_at = paths != NULL ? -1 : n, .paths = paths, .from = n};
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
                fail_msg("allocation %ld of %ld failed: exit %d, stdout '%.60s', stderr '%s'",
                         fa.fail_at, total, status, out, err);
            }
        }
        free(out);
        free(err);
        if (!fa.failed) {
            break;
        }
    }
    free(paths);
    free(whole);
}

/* How many allocations the command makes with --format format (NULL: text), which prints its
 * figures without allocating: the first of another format's output. The options are left as
 * they were. */
static long allocations_with(fixture *f, const char *format)
{
    static tu_failing fa;
    bool json = f->opts.json;
    const char *was = f->opts.format;
    f->opts.json = false;
    f->opts.format = format;
    fa = (tu_failing){.fail_at = -1};
    mc_alloc_set(tu_failing_realloc, &fa);
    int status = run(f);
    mc_alloc_set(NULL, NULL);
    f->opts.json = json;
    f->opts.format = was;
    assert_int_equal(status, EXIT_OK);
    return fa.count;
}

/* How many allocations the command makes with the text format: the first of its JSON. */
static long text_allocations(fixture *f)
{
    return allocations_with(f, NULL);
}

/* cost's text gathers its notes before it prints (the CSV prints without allocating): the JSON
 * starts after the CSV's allocations. */
static void test_cli__cost_json_out_of_memory(void **state)
{
    fixture *f = *state;
    json_opts(f, cmd_cost);
    f->reforms[0] = "r";
    f->opts.reforms = f->reforms;
    f->opts.nreforms = 1;
    f->opts.date = "2026-03-02";
    sweep_output(f, allocations_with(f, "csv"), "\"reforms\": \"r\"");
}

/* cost's text lists each clause of the notes once, with the procedures it concerns: when they
 * cannot be gathered, "out of memory" and nothing printed (the notes were once dropped in
 * silence, the rest printed). */
static void test_cli__cost_text_out_of_memory(void **state)
{
    fixture *f = *state;
    write_file(f->proc, "cost-model m { default; hourly-income 40000 VND; hours-per-day 8;"
                        " visit 1h 10000 VND; count-waiting false }\n"
                        "role clerk\n"
                        "document cert\n"
                        "lifecycle l { state a { initial; on go -> b by clerk }; state b { final } }\n"
                        "procedure p { lifecycle l; volume 100 per year; fee 5000 VND; visits 1\n"
                        "  field urgent { type bool }\n"
                        "  requires cert when urgent { effort 1h; cost 2000 VND } }\n"
                        "procedure q { lifecycle l; volume 50 per year; fee 5000 VND; visits 1\n"
                        "  field urgent { type bool }\n"
                        "  requires cert when urgent { effort 1h; cost 2000 VND } }\n");
    json_opts(f, cmd_cost);
    f->opts.json = false;
    f->opts.format = NULL;
    f->opts.date = "2026-03-02";
    sweep_output(f, allocations_with(f, "csv"),
                 "\nassumptions (the whole list per procedure: --format csv or json):\n"
                 "  2 procedures (p, q): cert: field 'urgent' has no sample, counted as always "
                 "required\n");
}

static void test_cli__simulate_json_out_of_memory(void **state)
{
    fixture *f = *state;
    json_opts(f, cmd_simulate);
    f->reforms[0] = "r";
    f->opts.reforms = f->reforms;
    f->opts.nreforms = 1;
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

/* ---- measured coverage (issue 20): --coverage-from STORE --------------------------------- */

static const char live_text[] =
    "cost-model m { default; hourly-income 40000 VND; hours-per-day 8; visit 0h 0 VND;"
    " count-waiting false }\n"
    "role clerk\n"
    "document cert\ndocument deed\ndocument paper\ndocument res\n"
    "registry civil { live; holds cert; coverage 85% }\n"
    "registry land { live; holds deed; coverage 60% }\n"
    "registry old { holds paper; coverage 50% }\n"
    "registry pop { live; holds res }\n"
    "lifecycle l { state a { initial; on go -> b by clerk }; state b { final } }\n"
    "procedure p { lifecycle l; volume 100 per year; subject id\n"
    "  field id { type text; required }\n"
    "  requires cert { effort 10h; cost 0 VND } }\n"
    "procedure q { lifecycle l; volume 100 per year; subject id\n"
    "  field id { type text; required }\n"
    "  requires deed { effort 10h; cost 0 VND } }\n"
    "reform r { registry civil { coverage 95% } }\n";

typedef struct live_cat {
    char dir[128], procs[160], proc[192], db[160];
    const char *catalogues[1];
} live_cat;

/* A catalogue with live registries in f->dir/live, and a store of look-ups beside it: civil
 * 1,204 look-ups in November 2026, 1,099 found (91.3%); land 29 (too few); old, not live, 50;
 * pop none. */
static void live_setup(fixture *f, live_cat *k)
{
    snprintf(k->dir, sizeof k->dir, "%s/live", f->dir);
    snprintf(k->procs, sizeof k->procs, "%s/procedures", k->dir);
    snprintf(k->proc, sizeof k->proc, "%s/p.proc", k->procs);
    snprintf(k->db, sizeof k->db, "%s/looks.db", f->dir);
    assert_int_equal(mkdir(k->dir, 0700), 0);
    assert_int_equal(mkdir(k->procs, 0700), 0);
    write_file(k->proc, live_text);
    k->catalogues[0] = k->dir;
    mc_store *st;
    assert_int_equal(mc_store_open(&st, k->db, NULL), 0);
    int64_t nov1 = 1793498400, nov30 = nov1 + 29 * 86400; /* 09:00 in Hanoi */
    tu_put_lookups(st, "civil", "cert", 600, 550, nov1);
    tu_put_lookups(st, "civil", "cert", 604, 549, nov30);
    tu_put_lookups(st, "civil", "cert", 10, 0, nov30 + 86400); /* December: outside */
    tu_put_lookups(st, "land", "deed", 29, 29, nov30);
    tu_put_lookups(st, "old", "paper", 50, 25, nov30);
    tu_put_lookups(st, "pop", "res", 12, -1, nov30); /* never sent */
    mc_store_close(st);
    memset(&f->opts, 0, sizeof f->opts);
    f->opts.catalogue = k->dir;
    f->opts.catalogues = k->catalogues;
    f->opts.ncatalogues = 1;
    f->opts.coverage_from = k->db;
    f->opts.since = "2026-11-01";
    f->opts.until = "2026-11-30";
    f->opts.date = "2026-12-01";
    f->cmd = cmd_cost;
}

static void live_teardown(live_cat *k)
{
    remove(k->proc);
    rmdir(k->procs);
    rmdir(k->dir);
    remove(k->db);
}

static void test_cli__cost_says_where_each_coverage_comes_from(void **state)
{
    fixture *f = *state;
    live_cat k;
    live_setup(f, &k);
    assert_int_equal(run(f), EXIT_OK);
    char *out = slurp(f->out), *err = slurp(f->err);
    assert_string_equal(
        out,
        "cost model m: 40,000 VND an hour, 8 hours a day, a visit 0h and 0 VND; waiting not "
        "counted\n"
        "versions in force on 2026-12-01\n"
        "\n"
        "procedure                              hours   cost/dossier             annual\n"
        "p                                       0.87         34,884          3,488,400\n"
        "q                                       4.00        160,000         16,000,000\n"
        "total                                                               19,488,400\n"
        "  from statistics (2)                                               19,488,400\n"
        "  from assumptions (0)                                                       0\n"
        "(assumed): a procedure whose volume, effort, visits, time limit or fee the catalogue "
        "marks as an assumption (`assumed`), not a statistic\n"
        "\n"
        "the state's fee revenue a year: 0\n"
        "\n"
        "độ phủ của các cơ sở dữ liệu: đo từ các lượt tra cứu ghi trong kho hồ sơ khi cơ sở dữ "
        "liệu kết nối trực tiếp có ít nhất 30 lượt, nếu không thì dùng số đã khai báo (giả định)\n"
        "coverage of the registries: measured from the look-ups in the store where a live registry "
        "has at least 30 of them, else the declared figure (an assumption)\n"
        "  civil: 91,3% đo được qua 1.204 lượt tra cứu từ 2026-11-01 đến 2026-11-30, thay cho 85% "
        "đã khai báo\n"
        "  civil: 91.3% measured over 1,204 look-ups from 2026-11-01 to 2026-11-30, instead of the "
        "declared 85%\n"
        "  land: giữ 60% giả định: chỉ có 29 lượt tra cứu từ 2026-11-01 đến 2026-11-30, ít hơn 30 "
        "lượt cần để đo\n"
        "  land: the assumed 60% kept: 29 look-ups from 2026-11-01 to 2026-11-30, fewer than the "
        "30 a measure needs\n"
        "  old: giữ 50% giả định: cơ sở dữ liệu không kết nối trực tiếp (50 lượt tra cứu đã ghi "
        "nhận từ 2026-11-01 đến 2026-11-30)\n"
        "  old: the assumed 50% kept: the registry is not live (50 look-ups recorded from "
        "2026-11-01 to 2026-11-30)\n"
        "  pop: giữ 100% giả định: không lượt nào trong 12 lượt tra cứu từ 2026-11-01 đến "
        "2026-11-30 "
        "được gửi đi (chưa cấu hình địa chỉ kết nối, hoặc bộ ngắt mạch đang mở)\n"
        "  pop: the assumed 100% kept: none of its 12 look-ups from 2026-11-01 to 2026-11-30 was "
        "sent (no endpoint configured, or its circuit breaker open)\n");
    assert_string_equal(err, "");
    free(out);
    free(err);
    /* A reform that declares its own coverage of a measured registry keeps it, and says so. */
    f->reforms[0] = "r";
    f->opts.reforms = f->reforms;
    f->opts.nreforms = 1;
    assert_int_equal(run(f), EXIT_OK);
    out = slurp(f->out);
    assert_non_null(strstr(
        out,
        "  civil: phương án cải cách khai báo độ phủ riêng là 95%, giả định này được giữ trong "
        "phương án (91,3% đo được)\n"
        "  civil: the reform declares its own coverage, 95%, an assumption kept in the reform "
        "(91.3% measured)\n"));
    free(out);
    /* CSV: the table on stdout, the sentences on stderr. */
    f->opts.format = "csv";
    assert_int_equal(run(f), EXIT_OK);
    out = slurp(f->out);
    err = slurp(f->err);
    assert_null(strstr(out, "civil"));
    assert_non_null(strstr(err, "  civil: 91.3% measured over 1,204 look-ups"));
    free(out);
    free(err);
    /* JSON: each registry's source, whole or not at all. */
    f->opts.json = true;
    f->opts.format = "json";
    sweep_output(f, text_allocations(f), "\"source\": \"measured\"");
    assert_int_equal(run(f), EXIT_OK);
    out = slurp(f->out);
    assert_non_null(strstr(out, "\"registry\": \"civil\",\n"
                                "        \"coverage\": \"91.28\",\n"
                                "        \"source\": \"measured\",\n"
                                "        \"reason\": \"measured\",\n"
                                "        \"declared\": \"85.00\",\n"
                                "        \"measured\": \"91.28\",\n"
                                "        \"lookups\": 1204,\n"
                                "        \"found\": 1099,\n"));
    assert_non_null(strstr(out, "\"reform\": {\n"
                                "          \"coverage\": \"95.00\",\n"
                                "          \"source\": \"assumption\",\n"));
    free(out);
    /* The page: a section whose lines say measured or assumption. */
    char page[200];
    snprintf(page, sizeof page, "%s/cost.html", f->dir);
    f->opts.json = false;
    f->opts.format = NULL;
    f->opts.html = page;
    assert_int_equal(run(f), EXIT_OK);
    char *html = slurp(page);
    assert_non_null(strstr(html, "<h2>Độ phủ của cơ sở dữ liệu</h2>"));
    assert_non_null(strstr(html, "<li><b>đo được</b>: civil: 91,3% đo được qua 1.204 "));
    assert_non_null(strstr(html, "<li><b>giả định</b>: land: giữ 60% giả định"));
    assert_non_null(strstr(html, "<li><b>cải cách, giả định</b>: civil: "));
    /* in the page's language only: no English line beside the Vietnamese one */
    assert_null(strstr(html, "Coverage of the registries"));
    assert_null(strstr(html, "measured"));
    free(html);
    /* the English page: English only */
    f->opts.lang_name = "en";
    f->opts.lang = MC_LANG_EN;
    assert_int_equal(run(f), EXIT_OK);
    html = slurp(page);
    assert_non_null(strstr(html, "<h2>Coverage of the registries</h2>"));
    assert_non_null(strstr(html, "<li><b>measured</b>: civil: "));
    assert_null(strstr(html, "đo được"));
    free(html);
    f->opts.lang_name = NULL;
    f->opts.lang = MC_LANG_EN;
    remove(page);
    f->opts.html = NULL;
    /* A store that is not there: exit 3, nothing printed. */
    char missing[200];
    snprintf(missing, sizeof missing, "%s/none.db", f->dir);
    f->opts.coverage_from = missing;
    assert_int_equal(run(f), EXIT_IO);
    out = slurp(f->out);
    err = slurp(f->err);
    assert_string_equal(out, "");
    char want[300];
    snprintf(want, sizeof want, "motcua: %s: no such store\n", missing);
    assert_string_equal(err, want);
    free(out);
    free(err);
    live_teardown(&k);
}

/* simulate draws the registries' answers with the measured share. */
static void test_cli__simulate_draws_with_the_measured_coverage(void **state)
{
    fixture *f = *state;
    live_cat k;
    live_setup(f, &k);
    f->cmd = cmd_simulate;
    f->opts.date = NULL;
    f->opts.dossiers = "2000";
    f->opts.from = "2026-12-01";
    f->opts.json = true;
    f->opts.format = "json";
    f->opts.coverage_from = NULL;
    f->opts.since = f->opts.until = NULL;
    assert_int_equal(run(f), EXIT_OK);
    char *declared = slurp(f->out);
    f->opts.coverage_from = k.db;
    f->opts.since = "2026-11-01";
    f->opts.until = "2026-11-30";
    assert_int_equal(run(f), EXIT_OK);
    char *measured = slurp(f->out);
    json_t *a = json_loads(declared, 0, NULL), *b = json_loads(measured, 0, NULL);
    assert_non_null(a);
    assert_non_null(b);
    /* p's certificate: fetched in about 85% of its dossiers declared, 91.3% measured */
    json_t *pa = json_array_get(json_object_get(json_object_get(a, "baseline"), "procedures"), 0);
    json_t *pb = json_array_get(json_object_get(json_object_get(b, "baseline"), "procedures"), 0);
    assert_string_equal(json_string_value(json_object_get(pa, "name")), "p");
    double fa = json_real_value(json_object_get(pa, "fetched_per_dossier"));
    double fb = json_real_value(json_object_get(pb, "fetched_per_dossier"));
    assert_true(fa > 0.82 && fa < 0.88);
    assert_true(fb > 0.89 && fb < 0.94);
    assert_null(json_object_get(a, "coverage"));
    assert_string_equal(
        json_string_value(json_object_get(
            json_array_get(json_object_get(json_object_get(b, "coverage"), "registries"), 0),
            "source")),
        "measured");
    json_decref(a);
    json_decref(b);
    free(declared);
    free(measured);
    /* text: the sentences after the figures */
    f->opts.json = false;
    f->opts.format = NULL;
    assert_int_equal(run(f), EXIT_OK);
    char *out = slurp(f->out);
    assert_non_null(strstr(out, "\n  civil: 91,3% đo được qua 1.204 lượt tra cứu từ 2026-11-01 "
                                "đến 2026-11-30, thay cho 85% đã khai báo\n"));
    free(out);
    live_teardown(&k);
}

int main(void)
{
    assert_int_equal(mc_init(), 0);
    sqlite3_test_control(SQLITE_TESTCTRL_BENIGN_MALLOC_HOOKS, tu_benign_begin, tu_benign_end);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cli__cost_json_out_of_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli__cost_text_out_of_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli__cost_says_where_each_coverage_comes_from, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cli__simulate_draws_with_the_measured_coverage, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cli__simulate_json_out_of_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli__test_json_out_of_memory, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
