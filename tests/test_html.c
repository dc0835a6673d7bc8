/* The page writer of the command line (src/cli/html.c): escaping, the atomic write and its
 * failures word for word, and charts on the data that break naive drawing code (all zero, one
 * bar, negative, not finite, nothing at all). */
#include "testutil.h"

#include "cli/html.h"

#include <errno.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct fixture {
    char dir[64];   /* a fresh folder */
    char path[128]; /* dir/page.html */
    char tmp[136];  /* its .tmp */
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/test_html.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/page.html", f->dir);
    snprintf(f->tmp, sizeof f->tmp, "%s.tmp", f->path);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    remove(f->path);
    remove(f->tmp);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* A new page at the fixture's path; the test closes it. */
static html *page(const fixture *f)
{
    html *h;
    mc_error err;
    assert_int_equal(html_open(&h, f->path, "t", &err), 0);
    return h;
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* The whole page; the caller frees. */
static char *slurp(const char *path)
{
    FILE *in = fopen(path, "rb");
    assert_non_null(in);
    char *text = calloc(1, 1 << 20);
    assert_non_null(text);
    size_t n = fread(text, 1, (1 << 20) - 1, in);
    assert_true(n < (1 << 20) - 1);
    fclose(in);
    return text;
}

static size_t count(const char *text, const char *what)
{
    size_t n = 0;
    for (const char *p = strstr(text, what); p != NULL; p = strstr(p + 1, what)) {
        n++;
    }
    return n;
}

/* The width of the n-th bar (a rect with a tooltip), counting from 0. */
static double bar_width(const char *text, size_t n)
{
    const char *p = strstr(text, "<rect");
    for (; p != NULL; p = strstr(p + 1, "<rect")) {
        const char *end = strchr(p, '>');
        if (end[-1] == '/') {
            continue; /* a legend's square: no tooltip */
        }
        if (n-- == 0) {
            double w;
            assert_int_equal(sscanf(strstr(p, "width=\"") + 7, "%lf", &w), 1);
            return w;
        }
    }
    fail_msg("no bar %zu", n);
    return 0;
}

static void test_html__escapes_text_and_keeps_utf8(void **state)
{
    fixture *f = *state;
    html *h;
    mc_error err;
    assert_int_equal(html_open(&h, f->path, "Births & <deaths>", &err), 0);
    html_meta(h, "reform %s", "\"quoted\" 'single'");
    html_heading(h, "%d%% online", 25);
    html_para(h, "Đăng ký khai sinh");
    static const char *const head[] = {"procedure", "cost"};
    html_table_begin(h, "a & b", head, 2, "lr");
    const char *row[] = {"p<1>\nĐăng ký kết hôn & more", "1,000"};
    html_table_row(h, row);
    const char *total[] = {"total", "1,000"};
    html_table_total(h, total);
    html_table_end(h);
    html_list_begin(h);
    html_item(h, "p&q", "a <note>");
    html_list_end(h);
    html_figure fig[] = {{"1 < 2", "a&b"}};
    html_figures(h, fig, 1);
    assert_int_equal(html_close(h, &err), 0);
    char *text = slurp(f->path);
    assert_non_null(strstr(text, "<title>Births &amp; &lt;deaths&gt;</title>"));
    assert_non_null(
        strstr(text, "<p class=\"meta\">reform &quot;quoted&quot; &#39;single&#39;</p>"));
    assert_non_null(strstr(text, "<h2>25% online</h2>"));
    assert_non_null(strstr(text, "<p>Đăng ký khai sinh</p>"));
    assert_non_null(strstr(text, "<caption>a &amp; b</caption>"));
    assert_non_null(strstr(text,
                           "<td class=\"t\">p&lt;1&gt;<br><span class=\"sub\">Đăng ký kết hôn "
                           "&amp; more</span></td><td class=\"r\">1,000</td>"));
    assert_non_null(strstr(text, "<tr class=\"total\"><td class=\"t\">total</td>"));
    assert_non_null(strstr(text, "<li><b>p&amp;q</b>: a &lt;note&gt;</li>"));
    assert_non_null(strstr(text, "<div class=\"v\">1 &lt; 2</div><div class=\"l\">a&amp;b</div>"));
    /* Self-contained: nothing to fetch, nothing to run. */
    assert_null(strstr(text, "http://"));
    assert_null(strstr(text, "https://"));
    assert_null(strstr(text, "src="));
    assert_null(strstr(text, "<link"));
    assert_null(strstr(text, "<script"));
    assert_non_null(strstr(text, "</html>\n"));
    free(text);
}

static void test_html__written_whole_or_not_at_all(void **state)
{
    fixture *f = *state;
    html *h = page(f);
    mc_error err;
    assert_true(exists(f->tmp));
    assert_false(exists(f->path));
    assert_int_equal(html_close(h, &err), 0);
    assert_true(exists(f->path));
    assert_false(exists(f->tmp));
    /* A discarded page leaves the old one as it was. */
    assert_int_equal(html_open(&h, f->path, "new", &err), 0);
    html_discard(h);
    assert_false(exists(f->tmp));
    char *text = slurp(f->path);
    assert_non_null(strstr(text, "<title>t</title>"));
    free(text);
    html_discard(NULL);
    assert_int_equal(html_close(NULL, &err), 0);
}

static void test_html__failures_name_the_path(void **state)
{
    fixture *f = *state;
    html *h;
    mc_error err;
    assert_int_equal(html_open(&h, "/nonexistent/dir/x.html", "t", &err), MC_EIO);
    assert_null(h);
    assert_string_equal(err.msg, "cannot write /nonexistent/dir/x.html: No such file or directory");
    /* The rename fails onto a folder: the .tmp goes. */
    assert_int_equal(html_open(&h, f->dir, "t", &err), 0);
    assert_int_equal(html_close(h, &err), MC_EIO);
    char want[160];
    snprintf(want, sizeof want, "cannot write %s: Is a directory", f->dir);
    assert_string_equal(err.msg, want);
    snprintf(want, sizeof want, "%s.tmp", f->dir);
    assert_false(exists(want));
    /* A caller's failure: no page, and the old one stays. */
    assert_int_equal(html_open(&h, f->path, "t", &err), 0);
    html_set_error(h, ENOMEM);
    html_set_error(h, EIO); /* the first failure wins */
    html_para(h, "skipped");
    assert_int_equal(html_close(h, &err), MC_ENOMEM);
    snprintf(want, sizeof want, "cannot write %s: %s", f->path, strerror(ENOMEM));
    assert_string_equal(err.msg, want);
    assert_false(exists(f->path));
    assert_false(exists(f->tmp));
}

static void test_html__bars_scale_to_the_largest(void **state)
{
    fixture *f = *state;
    html *h = page(f);
    mc_error err;
    const char *labels[] = {"a", "b", "c"};
    double base[] = {100, 200, 0}, reform[] = {50, 0, 0}, neg[] = {-100, 100, 0};
    const char *texts[] = {"100 VND", "200 VND", "0 VND"};
    html_series two[] = {{"baseline", base, texts}, {"reform", reform, NULL}};
    html_bar_chart(h, "two", labels, 3, two, 2);
    html_series minus[] = {{"saving", neg, NULL}};
    html_bar_chart(h, "negative", labels, 3, minus, 1);
    assert_int_equal(html_close(h, &err), 0);
    char *text = slurp(f->path);
    /* Bars by category: 100 and 50, then 200 (zeros draw no bar); then -100 and 100 around a
     * zero line. */
    double w100 = bar_width(text, 0), w50 = bar_width(text, 1), w200 = bar_width(text, 2);
    assert_true(w200 > 0);
    assert_true(w100 * 2 > w200 - 0.2 && w100 * 2 < w200 + 0.2);
    assert_true(w50 * 4 > w200 - 0.4 && w50 * 4 < w200 + 0.4);
    assert_true(bar_width(text, 3) > 0);
    assert_true(bar_width(text, 3) == bar_width(text, 4));
    assert_non_null(strstr(text, ">200 VND</text>"));
    assert_non_null(strstr(text, ">50</text>")); /* no texts: the value itself */
    assert_non_null(strstr(text, "<title>a — baseline: 100 VND</title>"));
    assert_non_null(strstr(text, "text-anchor=\"end\">-100</text>")); /* left of the bar */
    assert_int_equal(count(text, "<figure>"), 2);
    free(text);
}

static void test_html__charts_survive_degenerate_data(void **state)
{
    fixture *f = *state;
    html *h = page(f);
    mc_error err;
    const char *one[] = {"only"};
    double zero[] = {0}, single[] = {3.5}, odd[] = {NAN, INFINITY};
    html_series z[] = {{"zero", zero, NULL}};
    html_bar_chart(h, "all zero", one, 1, z, 1);
    html_column_chart(h, "all zero", one, 1, z, 1);
    html_series s[] = {{"one", single, NULL}};
    html_bar_chart(h, "a single bar", one, 1, s, 1);
    html_column_chart(h, "a single column", one, 1, s, 1);
    const char *two[] = {"x", "y"};
    html_series o[] = {{"odd", odd, NULL}};
    html_bar_chart(h, "not finite", two, 2, o, 1);
    html_bar_chart(h, "nothing", NULL, 0, s, 1);
    html_column_chart(h, "no series", one, 1, s, 0);
    html_share zero_share = {"none", 2, {"on time", "late"}, {0, 0}};
    html_share_chart(h, "zero sum", &zero_share, 1);
    html_share_chart(h, "no rows", NULL, 0);
    assert_int_equal(html_close(h, &err), 0);
    char *text = slurp(f->path);
    assert_null(strstr(text, "nan"));
    assert_null(strstr(text, "inf"));
    assert_int_equal(count(text, "<figure>"), 9);
    assert_int_equal(count(text, ">no data</text>"), 4);
    assert_int_equal(count(text, "<title>only: 3.50</title>"), 2); /* one bar, one column */
    free(text);
}

/* The x of the n-th bar (a rect with a tooltip), counting from 0; its fill into fill. */
static double bar_x(const char *text, size_t n, char fill[16])
{
    const char *p = strstr(text, "<rect");
    for (; p != NULL; p = strstr(p + 1, "<rect")) {
        const char *end = strchr(p, '>');
        if (end[-1] == '/') {
            continue;
        }
        if (n-- == 0) {
            double x;
            assert_int_equal(sscanf(strstr(p, " x=\"") + 4, "%lf", &x), 1);
            assert_int_equal(sscanf(strstr(p, "fill=\"") + 6, "%15[^\"]", fill), 1);
            return x;
        }
    }
    fail_msg("no bar %zu", n);
    return 0;
}

/* The marriage case of issue 22: a reform that saves on two procedures and costs 415 billion on
 * a third draws that third as a red bar left of the zero line, labelled, not as a missing row. */
static void test_html__diverging_draws_losses_left(void **state)
{
    fixture *f = *state;
    html *h = page(f);
    mc_error err;
    const char *labels[] = {"birth", "death", "marriage"};
    double saving[] = {357.3, 12.0, -415.0};
    const char *texts[] = {"357,3 tỷ đồng", "12,0 tỷ đồng", "-415,0 tỷ đồng"};
    html_series s = {"saving", saving, texts};
    html_diverging_chart(h, "Tiết kiệm hằng năm", labels, 3, &s, "tiết kiệm", "tăng chi phí");
    assert_int_equal(html_close(h, &err), 0);
    char *text = slurp(f->path);
    char f0[16], f2[16];
    double x0 = bar_x(text, 0, f0), x2 = bar_x(text, 2, f2);
    double w0 = bar_width(text, 0), w2 = bar_width(text, 2);
    /* The gain starts at the zero line; the loss ends there. */
    assert_true(x2 + w2 > x0 - 0.2 && x2 + w2 < x0 + 0.2);
    assert_true(x2 < x0);
    assert_true(w2 / w0 > 415.0 / 357.3 - 0.01 && w2 / w0 < 415.0 / 357.3 + 0.01);
    assert_string_equal(f0, "#3a7d44");
    assert_string_equal(f2, "#c8553d");
    assert_non_null(strstr(text, "<title>marriage: -415,0 tỷ đồng</title>"));
    assert_non_null(strstr(text, "text-anchor=\"end\">-415,0 tỷ đồng</text>"));
    assert_non_null(strstr(text, ">tăng chi phí</text>")); /* the legend names both */
    assert_non_null(strstr(text, ">tiết kiệm</text>"));
    free(text);
}

static void test_html__diverging_pick_keeps_losses(void **state)
{
    (void)state;
    /* 30 gains and one small loss: 25 places keep the loss. */
    double v[32];
    size_t out[32];
    for (int i = 0; i < 30; i++) {
        v[i] = 1000 + i;
    }
    v[30] = -1;
    v[31] = 0;
    size_t k = html_diverging_pick(v, 32, 25, out);
    assert_int_equal(k, 25);
    assert_int_equal(out[0], 29);  /* the largest gain first */
    assert_int_equal(out[23], 6);  /* the 24 largest gains: 29 down to 6 */
    assert_int_equal(out[24], 30); /* the loss last */
    /* Many losses keep half of the places, the largest loss last; zeros never show. */
    double w[] = {5, -1, -7, 3, 0, -2, -9, 8, NAN};
    size_t o[9];
    assert_int_equal(html_diverging_pick(w, 9, 4, o), 4);
    assert_int_equal(o[0], 7);
    assert_int_equal(o[1], 0);
    assert_int_equal(o[2], 2);
    assert_int_equal(o[3], 6);
    assert_int_equal(html_diverging_pick(w, 9, 100, o), 7);
    assert_int_equal(o[3], 1); /* gains 8, 5, 3; then -1, -2, -7, -9 */
    assert_int_equal(o[6], 6);
    assert_int_equal(html_diverging_pick(w, 9, 0, o), 0);
}

/* A briefing's page: its language, its print CSS after the page's own, a box of caveats. */
static void test_html__document_language_style_and_box(void **state)
{
    fixture *f = *state;
    html *h;
    mc_error err;
    assert_int_equal(html_open_doc(&h, f->path, "Báo cáo", "vi", "@page{size:A4}\n", &err), 0);
    html_box_begin(h, "Lưu ý <1>");
    html_para(h, "a & b");
    html_box_end(h);
    assert_int_equal(html_close(h, &err), 0);
    char *text = slurp(f->path);
    assert_non_null(strstr(text, "<html lang=\"vi\">"));
    assert_non_null(strstr(text, "@page{size:A4}\n</style>"));
    assert_non_null(strstr(
        text, "<aside class=\"box\">\n<h3>Lưu ý &lt;1&gt;</h3>\n<p>a &amp; b</p>\n</aside>"));
    free(text);
    assert_int_equal(html_open_doc(&h, "/nonexistent/dir/p.html", "t", "vi", NULL, &err), MC_EIO);
    assert_string_equal(err.msg, "cannot write /nonexistent/dir/p.html: No such file or directory");
}

static void test_html__columns_and_shares(void **state)
{
    fixture *f = *state;
    html *h = page(f);
    mc_error err;
    const char *bins[31];
    char names[31][16];
    double a[31], b[31];
    for (int i = 0; i < 31; i++) {
        snprintf(names[i], sizeof names[i], i < 30 ? "%d" : "%d+", i);
        bins[i] = names[i];
        a[i] = i < 27 ? i : 0;
        b[i] = i / 2;
    }
    html_series s[] = {{"baseline", a, NULL}, {"reform", b, NULL}};
    html_column_chart(h, "lead time", bins, 31, s, 2);
    html_share rows[] = {
        {"resolved", 2, {"on time", "late"}, {1, 7}},
        {"thirds", 2, {"a", "b"}, {1, 2}},
        {"half up", 2, {"x", "y"}, {1, 31}},
    };
    html_share_chart(h, "shares", rows, 3);
    assert_int_equal(html_close(h, &err), 0);
    char *text = slurp(f->path);
    /* Ticks: the largest value 26 rounds up to 30 in steps of 10. */
    assert_non_null(strstr(text, "text-anchor=\"end\">30</text>"));
    assert_null(strstr(text, "text-anchor=\"end\">40</text>"));
    assert_non_null(strstr(text, ">30+</text>"));
    assert_non_null(strstr(text, "<title>30+ — reform: 15</title>"));
    assert_non_null(strstr(text, "on time 1 (12.50%)"));
    assert_non_null(strstr(text, "late 7 (87.50%)"));
    assert_non_null(strstr(text, "a 1 (33.33%)"));
    assert_non_null(strstr(text, "b 2 (66.67%)"));
    assert_non_null(strstr(text, "x 1 (3.13%)")); /* 3.125 rounded half up */
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_html__escapes_text_and_keeps_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_html__written_whole_or_not_at_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_html__failures_name_the_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_html__bars_scale_to_the_largest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_html__charts_survive_degenerate_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_html__columns_and_shares, setup, teardown),
        cmocka_unit_test_setup_teardown(test_html__diverging_draws_losses_left, setup, teardown),
        cmocka_unit_test_setup_teardown(test_html__document_language_style_and_box, setup,
                                        teardown),
        cmocka_unit_test(test_html__diverging_pick_keeps_losses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
