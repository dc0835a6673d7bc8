/* The page writer of the command line (src/cli/html.c): escaping, the atomic write and its
 * failures word for word, and charts on the data that break naive drawing code (all zero, one
 * bar, negative, not finite, nothing at all); the briefings' figures and sentences (brief.c) at
 * their rounding edges, and the briefings of a study and of a simulation (study_page.c,
 * sim_page.c), the latter also out of memory. */
#include "testutil.h"

#include "cli/brief.h"
#include "cli/html.h"
#include "cli/sim_page.h"
#include "cli/study_out.h"

#include "motcua/alloc.h"

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

/* ---- the briefing and the workbook of a study, on a study filled by hand -------------- */

typedef struct hand_study {
    mc_study s;
    mc_study_row rows[3];
    mc_study_change changes[3];
    mc_study_group groups[2];
    char *superseded[6], *conflicts[1], *sensitivity[1];
    const mc_study *list[2];
    const char *labels[2];
} hand_study;

/* Three procedures (one saving 357.3 billion, one costing 415 billion more, one assumed),
 * three changes (one not a cost), two groups, six superseded procedures, a conflict and a
 * sensitivity line: every section of the briefing has something to show. */
static void hand_fill(hand_study *x)
{
    memset(x, 0, sizeof *x);
    mc_study *s = &x->s;
    s->model.name = "vn-2024";
    s->model.hourly_income.amount = 40000;
    memcpy(s->model.hourly_income.currency, "VND", 4);
    s->model.hours_per_day = 8 * MC_FIXED_ONE;
    s->model.count_waiting = true;
    static const struct {
        const char *name, *code;
        int64_t cost, r_cost, volume;
        bool assumed;
    } p[3] = {{"birth-registration", "1.001193", 262400, 24200, 1500000, false},
              {"marriage-registration", "1.000894", 510000, 1340000, 500000, false},
              {"death-registration", NULL, 510000, 510000, 1000, true}};
    for (size_t i = 0; i < 3; i++) {
        mc_study_row *r = &x->rows[i];
        r->procedure = p[i].name;
        r->code = p[i].code;
        r->agency = i == 2 ? NULL : "commune-committee";
        r->assumed = p[i].assumed;
        r->base = (mc_study_side){.hours = 5 * MC_FIXED_ONE,
                                  .cost = p[i].cost,
                                  .volume = p[i].volume,
                                  .annual = p[i].cost * p[i].volume,
                                  .fee = 8000,
                                  .revenue = 8000 * p[i].volume};
        r->reform = r->base;
        r->reform.cost = p[i].r_cost;
        r->reform.annual = p[i].r_cost * p[i].volume;
        r->saving = r->base.annual - r->reform.annual;
        r->saving_bp = r->base.annual ? r->saving * 10000 / r->base.annual : 0;
        r->notes = i == 2 ? "assumed figures (not statistics): volume, visits" : "";
        r->reform_notes = "";
        mc_study_total *parts[] = {&s->totals.all,
                                   r->assumed ? &s->totals.assumed : &s->totals.statistics};
        for (size_t k = 0; k < 2; k++) {
            parts[k]->n++;
            parts[k]->base += r->base.annual;
            parts[k]->reform += r->reform.annual;
            parts[k]->saving += r->saving;
            parts[k]->revenue_base += r->base.revenue;
            parts[k]->revenue_reform += r->reform.revenue;
            parts[k]->worse += r->saving < 0;
        }
    }
    s->totals.all.saving_bp = s->totals.all.saving * 10000 / s->totals.all.base;
    s->rows = x->rows;
    s->n = 3;
    static const char *const texts[3] = {"drop requires birth-notice",
                                         "requires health-certificate { effort 6h }",
                                         "role clerk takes 2h"};
    for (size_t i = 0; i < 3; i++) {
        mc_study_change *c = &x->changes[i];
        c->change.reform = "marriage-checks-2026";
        c->change.target = i == 1 ? "marriage-registration" : "birth-registration";
        snprintf(c->change.text, sizeof c->change.text, "%s", texts[i]);
        c->change.legal_basis = i == 0 ? "Nghị định 87/2020/NĐ-CP, điều 5" : NULL;
        c->counted = i < 2;
        c->alone = i == 0 ? 357300000000 : i == 1 ? -415000000000 : 0;
        c->alone_bp = c->alone * 10000 / s->totals.all.base;
        c->marginal = c->alone;
        c->marginal_bp = c->alone_bp;
    }
    s->changes = x->changes;
    s->nchanges = 3;
    x->groups[0] = (mc_study_group){"", {s->totals.assumed, s->totals.assumed, s->totals.assumed}};
    x->groups[1] =
        (mc_study_group){"commune-committee", {s->totals.statistics, s->totals.statistics, {0}}};
    s->groups = x->groups;
    s->ngroups = 2;
    for (size_t i = 0; i < 6; i++) {
        char line[80];
        snprintf(line, sizeof line, "nat-%zu: superseded by birth-registration", i + 1);
        x->superseded[i] = strdup(line);
    }
    s->superseded = x->superseded;
    s->nsuperseded = 6;
    x->conflicts[0] = strdup("a and b both set the time limit of birth-registration");
    s->conflicts = x->conflicts;
    s->nconflicts = 1;
    x->sensitivity[0] = strdup("hourly income 30,000 VND (the cost model vn-2024 says 40,000)");
    s->sensitivity = x->sensitivity;
    s->nsensitivity = 1;
    x->list[0] = x->list[1] = s;
    x->labels[0] = "marriage-checks-2026";
    x->labels[1] = "a + b";
}

static void hand_free(hand_study *x)
{
    for (size_t i = 0; i < 6; i++) {
        free(x->superseded[i]);
    }
    free(x->conflicts[0]);
    free(x->sensitivity[0]);
}

static void test_html__briefing_of_a_study(void **state)
{
    fixture *f = *state;
    hand_study x;
    hand_fill(&x);
    mc_error err;
    study_out o = {NULL, x.list, x.labels, 1, "2026-01-15", MC_LANG_VI, NULL};
    assert_int_equal(study_page_write(f->path, &o, &err), 0);
    char *text = slurp(f->path);
    /* The headline and its split, in tỷ đồng with Vietnamese separators. */
    assert_non_null(strstr(text, "<html lang=\"vi\">"));
    assert_non_null(
        strstr(text, "<title>Đánh giá phương án cải cách: marriage-checks-2026</title>"));
    assert_non_null(strstr(text, "Các thủ tục có hiệu lực ngày 15/01/2026"));
    assert_non_null(strstr(
        text,
        "<div class=\"v\">649,1 tỷ đồng</div><div class=\"l\">Chi phí hằng năm hiện nay</div>"));
    assert_non_null(strstr(text, "<div class=\"v\">-57,7 tỷ đồng</div><div class=\"l\">Tiết kiệm "
                                 "hằng năm (âm: chi phí tăng)</div>"));
    assert_non_null(strstr(
        text, "<div class=\"v\">0 đồng</div><div class=\"l\">trong đó dựa trên giả định</div>"));
    assert_non_null(strstr(text, "Phương án làm chi phí hằng năm tăng thêm 57,7 tỷ đồng: 57,7 tỷ "
                                 "đồng tính từ số liệu thống kê"));
    /* The caveats: counted, a few names, where the rest are. */
    assert_non_null(strstr(
        text, "<li>1 trong 3 thủ tục dùng số liệu giả định, chiếm 0,08% chi phí hiện nay.</li>"));
    assert_non_null(strstr(text, "<li>6 thủ tục không được tính vì đã có thủ tục khác thay thế "
                                 "(tránh tính hai lần): nat-1, nat-2, nat-3 và 3 thủ tục khác "
                                 "(danh sách đầy đủ: trang Giả định của bảng tính --xlsx).</li>"));
    assert_non_null(strstr(
        text,
        "<li>1 thủ tục tăng chi phí theo phương án: marriage-registration (-415,0 tỷ đồng).</li>"));
    assert_non_null(strstr(text, "<li>Giả định đã thay đổi cho lần tính này: hourly income 30,000 "
                                 "VND (the cost model vn-2024 says 40,000).</li>"));
    assert_non_null(strstr(text, "<li>Xung đột giữa các phương án: a and b both set the time limit "
                                 "of birth-registration.</li>"));
    /* The changes with their legal basis and worth; the one that is not a cost says so. */
    assert_non_null(
        strstr(text, "<td class=\"t\">drop requires birth-notice</td><td class=\"t\">Nghị định "
                     "87/2020/NĐ-CP, điều 5</td><td class=\"r\">357,3 tỷ đồng (55,04%)</td>"));
    assert_non_null(strstr(text, "<td class=\"r\">-415,0 tỷ đồng (-63,93%)</td>"));
    assert_non_null(
        strstr(text, "<td class=\"t\">—</td><td class=\"r\">không tính vào chi phí</td>"));
    /* The chart: the loss to the left, red; the subtotals, the rows without a group as "—". */
    assert_non_null(
        strstr(text, "fill=\"#c8553d\"><title>marriage-registration: -415,0 tỷ đồng</title>"));
    assert_non_null(strstr(
        text, "<td class=\"t\">—</td><td class=\"r\">1</td><td class=\"r\">510,0 triệu đồng</td>"));
    /* The state's side. */
    assert_non_null(strstr(
        text, "<td class=\"t\">Thu phí, lệ phí hằng năm</td><td class=\"r\">16,0 tỷ đồng</td>"));
    free(text);

    /* In English, and two studies side by side. */
    o.lang = MC_LANG_EN;
    o.n = 2;
    assert_int_equal(study_page_write(f->path, &o, &err), 0);
    text = slurp(f->path);
    assert_non_null(strstr(text, "<html lang=\"en\">"));
    assert_non_null(strstr(text, "<title>Reforms compared</title>"));
    assert_non_null(strstr(text, "<td class=\"t\">a + b</td><td class=\"r\">706.8 billion "
                                 "VND</td><td class=\"r\">-57.7 billion VND</td>"));
    assert_int_equal(count(text, "fill=\"#c8553d\"><title>"), 2);
    assert_non_null(strstr(text, "<h2>The reform&#39;s changes: a + b</h2>"));
    free(text);

    /* Nothing to write: refused; an unwritable path: named with its reason, nothing left. */
    o.n = 0;
    assert_int_equal(study_page_write(f->path, &o, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "a briefing needs a study");
    o.n = 1;
    assert_int_equal(study_page_write("/nonexistent/dir/b.html", &o, &err), MC_EIO);
    assert_string_equal(err.msg, "cannot write /nonexistent/dir/b.html: No such file or directory");
    hand_free(&x);
}

static void test_html__workbook_of_a_study(void **state)
{
    fixture *f = *state;
    hand_study x;
    hand_fill(&x);
    mc_error err;
    char path[160], tmp[168];
    snprintf(path, sizeof path, "%s/w.xlsx", f->dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    study_out o = {NULL, x.list, x.labels, 2, "2026-01-15", MC_LANG_VI, NULL};
    assert_int_equal(study_xlsx_write(path, &o, &err), 0);
    FILE *in = fopen(path, "rb");
    assert_non_null(in);
    char magic[2];
    assert_int_equal(fread(magic, 1, 2, in), 2);
    fclose(in);
    assert_memory_equal(magic, "PK", 2); /* a zip, as an XLSX is */
    assert_false(exists(tmp));
    remove(path);
    o.n = 0;
    assert_int_equal(study_xlsx_write(path, &o, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "a workbook needs a study");
    o.n = 1;
    assert_int_equal(study_xlsx_write("/nonexistent/dir/w.xlsx", &o, &err), MC_EIO);
    assert_string_equal(err.msg, "cannot write /nonexistent/dir/w.xlsx: No such file or directory");
    assert_false(exists(path));
    hand_free(&x);
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

/* ---- a reform's changes in words (brief_change) ---------------------------------------------- */

static const char said_catalogue[] =
    "calendar c2 { week mon tue wed thu fri }\n"
    "role clerk { title \"One-stop officer\"; title vi \"Cán bộ một cửa\" }\n"
    "role head\n"
    "agency commune { title \"Commune\"; title vi \"UBND xã\" }\n"
    "document household-book { title \"Household book\"; title vi \"Sổ hộ khẩu\" }\n"
    "document cert { title \"Marital status certificate\"; title vi \"Giấy xác nhận tình trạng "
    "hôn nhân\" }\n"
    "document notice { title vi \"Giấy chứng sinh điện tử\" }\n"
    "registry civil { title \"Civil-status database\"; title vi \"Cơ sở dữ liệu hộ tịch\"; "
    "holds household-book }\n"
    "procedure birth { title \"Birth registration\"; title vi \"Đăng ký khai sinh\"\n"
    "    time-limit 5wd; volume 100 per year; visits 2\n"
    "    field old { type text; title vi \"Nơi ở cũ\" }\n"
    "    field m { type bool; title vi \"Đã kết hôn\" }\n"
    "    requires household-book { effort 1h }\n"
    "    state s { initial; title vi \"Tiếp nhận\"; on go -> t by clerk; on side -> u by clerk }\n"
    "    state t { final; title vi \"Trả kết quả\" }\n"
    "    state u { final; title vi \"Từ chối\" } }\n"
    "procedure copy { title vi \"Cấp bản sao trích lục\"; time-limit 1wd\n"
    "    state s { initial; final } }\n"
    "reform r {\n"
    "    title \"Data first\"\n"
    "    title vi \"Dữ liệu trước\"\n"
    "    legal-basis \"Resolution 1\"\n"
    "    registry civil { holds cert; coverage 95.5%; published 2026-01-01; title vi \"CSDL\" }\n"
    "    procedure birth {\n"
    "        time-limit 3wd\n"
    "        visits 0\n"
    "        volume 1500 per year\n"
    "        fee 50000 VND\n"
    "        online full\n"
    "        agency commune\n"
    "        code \"1.001193\"\n"
    "        drop requires household-book\n"
    "        requires notice { effort 0min; legal-basis \"Decree 63\" }\n"
    "        requires cert when m\n"
    "        field m { type bool; title vi \"Đã kết hôn\" }\n"
    "        drop field old\n"
    "        state s { initial; on go -> t by clerk }\n"
    "        drop state u\n"
    "    }\n"
    "    procedure copy { time-limit 10d }\n"
    "    drop procedure copy\n"
    "    staff commune clerk 6\n"
    "    staff commune head 1\n"
    "}\n";

/* Each kind of change said in Vietnamese and in English, with the titles of what it names. */
static void test_html__changes_said_in_words(void **state)
{
    (void)state;
    static const struct {
        const char *vi, *en;
    } want[] = {
        {"Cơ sở dữ liệu hộ tịch lưu giữ: Giấy xác nhận tình trạng hôn nhân",
         "Civil-status database holds: Marital status certificate"},
        {"Tỷ lệ bao phủ: 95,5%", "Coverage: 95.5%"},
        {"Công bố dữ liệu từ: 01/01/2026", "Published from: 2026-01-01"},
        {"Tên cơ sở dữ liệu: CSDL", "Registry title: CSDL"},
        {"Thời hạn giải quyết: 3 ngày làm việc", "Time limit: 3 working days"},
        {"Số lần đi lại: 0", "Visits: 0"},
        {"Số hồ sơ: 1.500 một năm", "Dossiers: 1,500 a year"},
        {"Phí, lệ phí: 50.000 đồng", "Fee: 50,000 VND"},
        {"Dịch vụ công trực tuyến: toàn trình", "Online service: full"},
        {"Cơ quan giải quyết: UBND xã", "Agency: Commune"},
        {"Mã thủ tục: 1.001193", "Official code: 1.001193"},
        {"Không yêu cầu nộp: Sổ hộ khẩu", "No longer required: Household book"},
        {"Yêu cầu nộp: Giấy chứng sinh điện tử", "Required: Giấy chứng sinh điện tử"},
        {"Yêu cầu nộp: Giấy xác nhận tình trạng hôn nhân (when m)",
         "Required: Marital status certificate (when m)"},
        {"Thông tin kê khai: Đã kết hôn", "Form field: Đã kết hôn"},
        {"Bỏ thông tin kê khai: Nơi ở cũ", "Form field dropped: Nơi ở cũ"},
        {"Bước xử lý: Tiếp nhận", "Processing step: Tiếp nhận"},
        {"Bỏ bước xử lý: Từ chối", "Processing step dropped: Từ chối"},
        {"Thời hạn giải quyết: 10 ngày", "Time limit: 10 days"},
        {"Bãi bỏ thủ tục", "Procedure abolished"},
        {"Bố trí 6 cán bộ vai trò Cán bộ một cửa tại UBND xã",
         "6 officers in the role One-stop officer at Commune"},
        {"Bố trí 1 cán bộ vai trò head tại UBND xã", "1 officer in the role head at Commune"},
    };
    mc_catalogue *cat = NULL;
    char *diags = NULL;
    assert_int_equal(tu_load(said_catalogue, &cat, &diags), 0);
    assert_string_equal(diags, "");
    free(diags);
    const mc_reform *r = mc_catalogue_reform(cat, "r");
    mc_reform_change *c;
    size_t n;
    assert_int_equal(mc_reform_changes(r, &c, &n, NULL), 0);
    assert_int_equal(n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < n; i++) {
        char *vi = brief_change(MC_LANG_VI, cat, &c[i]);
        char *en = brief_change(MC_LANG_EN, cat, &c[i]);
        assert_non_null(vi);
        assert_non_null(en);
        assert_string_equal(vi, want[i].vi);
        assert_string_equal(en, want[i].en);
        mc_free(vi);
        mc_free(en);
    }
    /* what a change changes: its title, its name small under it; a registry's too */
    char *t = brief_change_target(MC_LANG_VI, cat, &c[0]);
    assert_string_equal(t, "Cơ sở dữ liệu hộ tịch\ncivil");
    mc_free(t);
    t = brief_change_target(MC_LANG_EN, cat, &c[4]);
    assert_string_equal(t, "Birth registration\nbirth");
    mc_free(t);
    t = brief_change_target(MC_LANG_VI, NULL, &c[4]); /* no catalogue: the name */
    assert_string_equal(t, "birth");
    mc_free(t);
    /* a `staff` line changes an agency: its title, its name under it (issue 23) */
    t = brief_change_target(MC_LANG_VI, cat, &c[20]);
    assert_string_equal(t, "UBND xã\ncommune");
    mc_free(t);
    t = brief_change_target(MC_LANG_EN, NULL, &c[20]);
    assert_string_equal(t, "commune");
    mc_free(t);
    /* without a catalogue, names stand for the titles */
    char *bare = brief_change(MC_LANG_VI, NULL, &c[11]);
    assert_string_equal(bare, "Không yêu cầu nộp: household-book");
    mc_free(bare);
    bare = brief_change(MC_LANG_VI, NULL, &c[20]);
    assert_string_equal(bare, "Bố trí 6 cán bộ vai trò clerk tại commune");
    mc_free(bare);

    /* What the table does not know is said as written: an unknown kind, a directive without
     * words, a value that is not what its directive takes. */
    mc_reform_change odd = c[4];
    odd.kind = (mc_change_kind)99;
    char *s = brief_change(MC_LANG_VI, cat, &odd);
    assert_string_equal(s, "time-limit 3wd");
    mc_free(s);
    odd = c[4];
    odd.directive = "extension";
    snprintf(odd.text, sizeof odd.text, "extension e");
    s = brief_change(MC_LANG_VI, cat, &odd);
    assert_string_equal(s, "extension e");
    mc_free(s);
    odd = c[4];
    odd.value = "three days";
    snprintf(odd.text, sizeof odd.text, "time-limit three days");
    s = brief_change(MC_LANG_EN, cat, &odd);
    assert_string_equal(s, "time-limit three days");
    mc_free(s);
    odd = c[11];
    odd.element = NULL;
    s = brief_change(MC_LANG_VI, cat, &odd);
    assert_string_equal(s, "drop requires household-book");
    mc_free(s);
    odd = c[20]; /* a number of officers that is not one: as written */
    odd.value = "six";
    snprintf(odd.text, sizeof odd.text, "staff commune clerk six");
    s = brief_change(MC_LANG_EN, cat, &odd);
    assert_string_equal(s, "staff commune clerk six");
    mc_free(s);
    /* one working day, one hour: singular in English; hours in Vietnamese */
    odd = c[4];
    odd.value = "1wd";
    s = brief_change(MC_LANG_EN, cat, &odd);
    assert_string_equal(s, "Time limit: 1 working day");
    mc_free(s);
    odd.value = "1.5wh";
    s = brief_change(MC_LANG_VI, cat, &odd);
    assert_string_equal(s, "Thời hạn giải quyết: 1,5 giờ làm việc");
    mc_free(s);
    odd.value = "4h";
    s = brief_change(MC_LANG_VI, cat, &odd);
    assert_string_equal(s, "Thời hạn giải quyết: 4 giờ");
    mc_free(s);
    mc_free(c);
    mc_catalogue_free(cat);
}

/* The cost briefing of a study of that reform: the reform's Vietnamese title, the changes in
 * words with what they change by its title first, the reform's legal basis said once above the
 * table and a row's own only in the row. */
static void test_html__briefing_says_changes_titles_first_basis_once(void **state)
{
    fixture *f = *state;
    mc_catalogue *cat = NULL;
    char *diags = NULL;
    assert_int_equal(tu_load(said_catalogue, &cat, &diags), 0);
    free(diags);
    const mc_reform *r = mc_catalogue_reform(cat, "r");
    mc_reform_change *c;
    size_t n;
    assert_int_equal(mc_reform_changes(r, &c, &n, NULL), 0);
    hand_study x;
    hand_fill(&x);
    mc_study_change ch[24];
    assert_true(n <= 24);
    memset(ch, 0, sizeof ch);
    for (size_t i = 0; i < n; i++) {
        ch[i].change = c[i];
        ch[i].counted = true;
        ch[i].alone = ch[i].marginal = 1000000000;
    }
    x.s.changes = ch;
    x.s.nchanges = n;
    x.labels[0] = "r";
    mc_error err;
    study_out o = {cat, x.list, x.labels, 1, "2026-01-15", MC_LANG_VI, NULL};
    assert_int_equal(study_page_write(f->path, &o, &err), 0);
    char *text = slurp(f->path);
    assert_non_null(strstr(text, "<title>Đánh giá phương án cải cách: Dữ liệu trước</title>"));
    assert_non_null(strstr(text, "Phương án: r — Dữ liệu trước"));
    assert_int_equal(count(text, "Resolution 1"), 1); /* once, above the table */
    assert_non_null(strstr(text, "<p>Căn cứ pháp lý của phương án: Resolution 1.</p>"));
    assert_non_null(strstr(text, "<td class=\"t\">Cơ sở dữ liệu hộ tịch<br><span class=\"sub\">"
                                 "civil</span></td><td class=\"t\">Cơ sở dữ liệu hộ tịch lưu "
                                 "giữ: Giấy xác nhận tình trạng hôn nhân</td><td class=\"t\">—"
                                 "</td>"));
    assert_non_null(strstr(text, "<td class=\"t\">Đăng ký khai sinh<br><span class=\"sub\">birth"
                                 "</span></td><td class=\"t\">Thời hạn giải quyết: 3 ngày làm "
                                 "việc</td><td class=\"t\">—</td>"));
    /* a basis of its own stays in its row */
    assert_non_null(strstr(text, "<td class=\"t\">Yêu cầu nộp: Giấy chứng sinh điện tử</td>"
                                 "<td class=\"t\">Decree 63</td>"));
    assert_non_null(strstr(text, "<td class=\"t\">Bãi bỏ thủ tục</td>"));
    /* officers (issue 23): the agency, the role by their titles */
    assert_non_null(strstr(text, "<td class=\"t\">UBND xã<br><span class=\"sub\">commune</span>"
                                 "</td><td class=\"t\">Bố trí 6 cán bộ vai trò Cán bộ một cửa "
                                 "tại UBND xã</td>"));
    /* the catalogue's words are gone from the table */
    assert_null(strstr(text, ">time-limit 3wd<"));
    assert_null(strstr(text, ">drop requires"));
    assert_null(strstr(text, ">holds "));
    /* the subtotals: an agency by its title, its name small under it */
    assert_non_null(strstr(text, "<td class=\"t\">commune-committee</td>")); /* not declared */
    free(text);
    o.lang = MC_LANG_EN;
    assert_int_equal(study_page_write(f->path, &o, &err), 0);
    text = slurp(f->path);
    assert_non_null(strstr(text, "<title>Reform study: Data first</title>"));
    assert_non_null(strstr(text, "<p>The reform&#39;s legal basis: Resolution 1.</p>"));
    assert_non_null(strstr(text, "<td class=\"t\">Time limit: 3 working days</td>"));
    assert_non_null(strstr(text, "<td class=\"t\">6 officers in the role One-stop officer at "
                                 "Commune</td>"));
    free(text);
    /* --compare: a reform by its title, its name under it; "a + b" has no title */
    o.lang = MC_LANG_VI;
    o.n = 2;
    assert_int_equal(study_page_write(f->path, &o, &err), 0);
    text = slurp(f->path);
    assert_non_null(strstr(text, "<td class=\"t\">Dữ liệu trước<br><span class=\"sub\">r</span>"
                                 "</td>"));
    assert_non_null(strstr(text, "<td class=\"t\">a + b</td>"));
    free(text);
    mc_free(c);
    hand_free(&x);
    mc_catalogue_free(cat);
}

/* ---- the briefings' figures (brief.c) ------------------------------------------------------ */

static void test_html__brief_figures_at_their_edges(void **state)
{
    (void)state;
    char g[32], d[40], a[64], p[48];
    brief_grouped(MC_LANG_VI, 0, g);
    assert_string_equal(g, "0");
    brief_grouped(MC_LANG_VI, -1234567, g);
    assert_string_equal(g, "-1.234.567");
    brief_grouped(MC_LANG_EN, 1234567, g);
    assert_string_equal(g, "1,234,567");
    brief_grouped(MC_LANG_VI, INT64_MIN, g);
    assert_string_equal(g, "-9.223.372.036.854.775.808");
    /* Half away from zero; no "-0,0". */
    brief_decimal(MC_LANG_VI, 125, 100, 1, d);
    assert_string_equal(d, "1,3");
    brief_decimal(MC_LANG_VI, -125, 100, 1, d);
    assert_string_equal(d, "-1,3");
    brief_decimal(MC_LANG_VI, -4, 100, 1, d);
    assert_string_equal(d, "0,0");
    brief_decimal(MC_LANG_EN, 123456789, 100, 2, d);
    assert_string_equal(d, "1,234,567.89");
    /* The unit of an amount is the unit of the amount as rounded. */
    brief_amount(MC_LANG_VI, "VND", 999949, a);
    assert_string_equal(a, "999.949 đồng");
    brief_amount(MC_LANG_VI, NULL, 999950, a);
    assert_string_equal(a, "1,0 triệu đồng");
    brief_amount(MC_LANG_VI, "VND", 999949999, a);
    assert_string_equal(a, "999,9 triệu đồng");
    brief_amount(MC_LANG_VI, "VND", 999950000, a);
    assert_string_equal(a, "1,0 tỷ đồng");
    brief_amount(MC_LANG_EN, "VND", -8964150000000, a);
    assert_string_equal(a, "-8,964.2 billion VND");
    brief_amount(MC_LANG_VI, "USD", 1500000, a);
    assert_string_equal(a, "1.500.000 USD");
    brief_amount_exact(MC_LANG_VI, "VND", 1674636, a);
    assert_string_equal(a, "1.674.636 đồng");
    brief_amount_exact(MC_LANG_EN, NULL, -202520, a);
    assert_string_equal(a, "-202,520 VND");
    brief_percent(MC_LANG_VI, 9078, p);
    assert_string_equal(p, "90,78%");
    brief_percent(MC_LANG_EN, -806, p);
    assert_string_equal(p, "-8.06%");
    assert_int_equal(brief_share_bp(1, 3), 3333);
    assert_int_equal(brief_share_bp(2, 3), 6667);
    assert_int_equal(brief_share_bp(-1, 8), -1250);
    assert_int_equal(brief_share_bp(5, 0), 0);
    assert_int_equal(brief_round(2.5), 3);
    assert_int_equal(brief_round(-2.5), -3);
    assert_int_equal(brief_round(NAN), 0);
    assert_int_equal(brief_round(1e300), INT64_C(9200000000000000000));
    assert_int_equal(brief_round(-1e300), -INT64_C(9200000000000000000));
}

static void test_html__brief_sentences_number_their_arguments(void **state)
{
    (void)state;
    const brief_word w = {"{2} trong {1}: {3}", "{1} then {2}, {9} and {3}"};
    char *s = brief_say(MC_LANG_VI, &w, "a", "b", "c", (const char *)NULL);
    assert_string_equal(s, "b trong a: c");
    mc_free(s);
    /* A placeholder without its argument, or out of range, stays as written. */
    s = brief_say(MC_LANG_EN, &w, "x", "y", (const char *)NULL);
    assert_string_equal(s, "x then y, {9} and {3}");
    mc_free(s);
    assert_string_equal(brief_text(MC_LANG_VI, &w), "{2} trong {1}: {3}");
    assert_string_equal(brief_text(MC_LANG_EN, &w), "{1} then {2}, {9} and {3}");
}

/* ---- the simulation's briefing (sim_page.c) ------------------------------------------------ */

/* Two procedures simulated by hand: birth registration (40 dossiers) gets cheaper under the
 * reform, marriage registration (10 dossiers, fewer than 30) dearer by 250 tỷ đồng a year. */
typedef struct hand_sim {
    mc_sim_stats bp[2], rp[2];
    mc_sim_result base, ref;
} hand_sim;

static void hand_proc(mc_sim_stats *x, const char *name, int64_t n, int64_t cost, int64_t legal)
{
    memset(x, 0, sizeof *x);
    x->name = name;
    x->dossiers = n;
    x->granted = n;
    x->on_time = n;
    x->lead_n = n;
    x->lead_wd = 2.0 * (double)n;
    x->cost = cost * n;
    x->volume = 10000;
    x->legal_annual = legal;
    x->annual = legal;
}

static void hand_sim_fill(hand_sim *x)
{
    memset(x, 0, sizeof *x);
    hand_proc(&x->bp[0], "birth-registration", 40, 100000, INT64_C(1000000000000));
    hand_proc(&x->bp[1], "marriage-registration", 10, 200000, INT64_C(500000000000));
    hand_proc(&x->rp[0], "birth-registration", 40, 80000, INT64_C(800000000000));
    hand_proc(&x->rp[1], "marriage-registration", 10, 300000, INT64_C(750000000000));
    mc_sim_result *r[2] = {&x->base, &x->ref};
    mc_sim_stats *p[2] = {x->bp, x->rp};
    for (int k = 0; k < 2; k++) {
        r[k]->procedures = p[k];
        r[k]->nprocedures = 2;
        r[k]->total.name = "total";
        mc_sim_stats_add(&r[k]->total, &p[k][0]);
        mc_sim_stats_add(&r[k]->total, &p[k][1]);
    }
    x->ref.paired = true;
    x->ref.gains[MC_SIM_ALL] = (mc_sim_gain){50, 40 * -20000 + 10 * 100000, 10, 40};
    x->ref.gains[MC_SIM_CITIZEN] = x->ref.gains[MC_SIM_ALL];
    snprintf(x->base.notes, sizeof x->base.notes, "a: one\nb: two\n");
    snprintf(x->ref.notes, sizeof x->ref.notes, "a: one\nc: three");
}

static sim_out hand_sim_out(const hand_sim *x, mc_lang lang)
{
    sim_out o;
    memset(&o, 0, sizeof o);
    o.lang = lang;
    o.base = &x->base;
    o.ref = &x->ref;
    o.seed = 7;
    o.from = mc_date_from_ymd(2026, 1, 15);
    o.has_cost = true;
    o.cost_base = INT64_C(1520000000000);
    o.cost_reform = INT64_C(1550000000000);
    return o;
}

static int write_sim(const char *path, const sim_out *o, mc_error *err)
{
    html *h = NULL;
    int rc = sim_page_open(&h, path, o, err);
    return rc != 0 ? rc : sim_page_write(h, o, err);
}

static void test_html__briefing_of_a_simulation(void **state)
{
    fixture *f = *state;
    hand_sim *x = calloc(1, sizeof *x);
    assert_non_null(x);
    hand_sim_fill(x);
    mc_error err;
    sim_out o = hand_sim_out(x, MC_LANG_VI);
    assert_int_equal(write_sim(f->path, &o, &err), 0);
    char *text = slurp(f->path);
    assert_non_null(strstr(text, "<html lang=\"vi\">"));
    assert_non_null(strstr(text, "@page{size:A4"));
    /* The headline: after the reform, today's in the label, the rise said as a rise. */
    assert_non_null(strstr(text, "<div class=\"v\">124.000 đồng</div><div class=\"l\">Chi phí tuân "
                                 "thủ một hồ sơ sau cải cách (hiện nay: 120.000 đồng; "
                                 "+3,33%)</div>"));
    assert_non_null(strstr(text, "<div class=\"v\">1.550,0 tỷ đồng</div>"));
    assert_non_null(strstr(text, "Theo phương án, chi phí tuân thủ bình quân một hồ sơ tăng thêm "
                                 "4.000 đồng (+3,33%); chi phí tuân thủ một năm theo thời hạn luật "
                                 "định từ 1.500,0 tỷ đồng thành 1.550,0 tỷ đồng."));
    /* The caveats: counted, the notes not listed but counted (the reform's repeat once). */
    assert_non_null(strstr(text,
                           "<li>Số liệu là kết quả của một lần mô phỏng ngẫu nhiên (hạt giống "
                           "7) trên 50 hồ sơ; chạy lại với --runs K để có khoảng tin cậy "
                           "95%.</li>"));
    assert_non_null(strstr(text, "<li>1 trong 2 thủ tục được mô phỏng với ít hơn 30 hồ sơ (đánh "
                                 "dấu ⚠): số liệu riêng của các thủ tục này chỉ là ước lượng "
                                 "thô.</li>"));
    assert_non_null(
        strstr(text, "<li>10 trong 50 hồ sơ mô phỏng tăng chi phí theo phương án.</li>"));
    assert_non_null(strstr(text, "chênh -1,32% so với lệnh motcua cost"));
    assert_non_null(strstr(text, "<li>Mô hình ghi 3 giả định và cảnh báo"));
    assert_null(strstr(text, "c: three"));
    /* The year's gap to motcua cost; the groups' loss and the procedure's loss drawn left. */
    assert_non_null(strstr(text, "<td class=\"t\">Chênh lệch: thời hạn luật định so với lệnh "
                                 "cost</td><td class=\"r\">-1,32%</td><td class=\"r\">0,00%</td>"));
    assert_non_null(strstr(text, "fill=\"#c8553d\"><title>Tất cả: -4.000 đồng</title>"));
    assert_non_null(
        strstr(text, "fill=\"#c8553d\"><title>marriage-registration: -250,0 tỷ đồng</title>"));
    assert_non_null(
        strstr(text, "fill=\"#3a7d44\"><title>birth-registration: 200,0 tỷ đồng</title>"));
    /* The procedures, the largest change first, the one on 10 dossiers flagged. */
    char *procs = strstr(text, "<h2>Các thủ tục thay đổi nhiều nhất</h2>");
    assert_non_null(procs);
    char *m = strstr(procs, "<td class=\"r\">10 ⚠</td>"),
         *b = strstr(procs, "<td class=\"r\">40</td>");
    assert_non_null(m);
    assert_non_null(b);
    assert_true(m < b);
    assert_non_null(strstr(text, "⚠ Mô phỏng với ít hơn 30 hồ sơ"));
    free(text);

    /* In English. */
    o.lang = MC_LANG_EN;
    assert_int_equal(write_sim(f->path, &o, &err), 0);
    text = slurp(f->path);
    assert_non_null(strstr(text, "<html lang=\"en\">"));
    assert_non_null(strstr(text, "<div class=\"v\">124,000 VND</div><div class=\"l\">Applicant "
                                 "cost per dossier after the reform (today: 120,000 VND; "
                                 "+3.33%)</div>"));
    assert_non_null(strstr(text, "rises by 4,000 VND (+3.33%)"));
    assert_null(strstr(text, "đồng"));
    free(text);

    /* An unwritable path: named with its reason, before the run, nothing left. */
    html *h = NULL;
    assert_int_equal(sim_page_open(&h, "/nonexistent/dir/s.html", &o, &err), MC_EIO);
    assert_string_equal(err.msg, "cannot write /nonexistent/dir/s.html: No such file or directory");
    assert_null(h);
    free(x);
}

typedef struct sim_oom {
    const char *path, *tmp;
    sim_out o;
} sim_oom;

static int sim_oom_attempt(void *ctx)
{
    sim_oom *c = ctx;
    mc_error err;
    return write_sim(c->path, &c->o, &err);
}

/* Out of memory anywhere: MC_ENOMEM, and no page (nor its .tmp) left behind. */
static void sim_oom_check(void *ctx, int rc)
{
    sim_oom *c = ctx;
    if (rc != 0) {
        assert_false(exists(c->path));
    }
    assert_false(exists(c->tmp));
    remove(c->path);
}

static void test_html__briefing_of_a_simulation_out_of_memory(void **state)
{
    fixture *f = *state;
    hand_sim *x = calloc(1, sizeof *x);
    assert_non_null(x);
    hand_sim_fill(x);
    sim_oom c = {f->path, f->tmp, hand_sim_out(x, MC_LANG_VI)};
    assert_true(tu_oom_sweep_checked(sim_oom_attempt, sim_oom_check, &c, false) > 0);
    free(x);
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
        cmocka_unit_test_setup_teardown(test_html__briefing_of_a_study, setup, teardown),
        cmocka_unit_test(test_html__changes_said_in_words),
        cmocka_unit_test_setup_teardown(test_html__briefing_says_changes_titles_first_basis_once,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_html__workbook_of_a_study, setup, teardown),
        cmocka_unit_test(test_html__brief_figures_at_their_edges),
        cmocka_unit_test(test_html__brief_sentences_number_their_arguments),
        cmocka_unit_test_setup_teardown(test_html__briefing_of_a_simulation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_html__briefing_of_a_simulation_out_of_memory, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
