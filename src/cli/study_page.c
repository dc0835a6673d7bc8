/* The briefing of a cost study (study_out.h): one page a People's Committee reads and signs, in
 * Vietnamese by default. Every word comes from one table of both languages (words[] below);
 * amounts are written in triệu / tỷ đồng with the language's separators (brief.h, shared with
 * the simulation's briefing). The page is printed on A4 (its print CSS), so no table is wider
 * than the sheet: the full list of procedures is the workbook's (--xlsx) and the CSV's, the page
 * lists the procedures whose cost changes most. */
#include "study_out.h"
#include "coverage_out.h"

#include "brief.h"
#include "cli.h"
#include "html.h"

#include "base/buf.h"

#include "motcua/alloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the words of the page, in both languages --------------------------------------------- */

typedef enum word {
    W_TITLE,
    W_TITLE_REFORM,
    W_TITLE_COMPARE,
    W_META_DATE,
    W_META_MODEL,
    W_META_REFORM,
    W_META_REFORM_TITLE,
    W_HEADLINE,
    W_TODAY,
    W_AFTER,
    W_SAVING,
    W_SAVING_NEG,
    W_TODAY_SHORT,
    W_AFTER_SHORT,
    W_SAVING_PCT,
    W_SAVING_STAT,
    W_SAVING_ASSUMED,
    W_SPLIT_CAPTION,
    W_PART,
    W_NPROC,
    W_STATISTICS,
    W_ASSUMED,
    W_TOTAL,
    W_SPLIT_SENTENCE,
    W_SPLIT_SENTENCE_LOSS,
    W_CAVEAT_ASSUMED,
    W_CAVEAT_SUPERSEDED,
    W_CAVEAT_SUPERSEDED_MORE,
    W_AND_MORE,
    W_CAVEAT_WORSE,
    W_CAVEAT_WORSE_NONE,
    W_CAVEAT_NOTES,
    W_CAVEAT_SENSITIVITY,
    W_CAVEAT_CONFLICTS,
    W_CHANGES,
    W_CHANGES_NONE,
    W_CHANGES_BASIS,
    W_CHANGES_BASIS_OF,
    W_CHANGE_NO,
    W_CHANGE_TARGET,
    W_CHANGE_TEXT,
    W_CHANGE_BASIS,
    W_CHANGE_ALONE,
    W_CHANGE_MARGINAL,
    W_CHANGE_NOT_COUNTED,
    W_CHART,
    W_CHART_TITLE,
    W_CHART_TITLE_SOME,
    W_GAIN,
    W_LOSS,
    W_STATE,
    W_STATE_SENTENCE,
    W_REVENUE,
    W_CHANGE,
    W_GROUPS,
    W_GROUP,
    W_PROCS,
    W_PROCS_CAPTION,
    W_PROCS_REST,
    W_PROCEDURE,
    W_HOURS,
    W_COST_TODAY,
    W_COST_AFTER,
    W_VOLUME,
    W_ABOLISHED,
    W_ASSUMED_MARK,
    W_METHOD,
    W_METHOD_TEXT,
    W_COMPARE,
    W_COMPARE_CAPTION,
    W_REFORM,
    W_WORSE,
    W_COMPARE_CHART,
    W_NONE,
    W_YES,
    W_NO,
    W_COUNT
} word;

/* Placeholders {1} to {4} take the arguments of say() (numbered, as mc_msg's: a translation
 * may put them in another order). */
static const brief_word words[W_COUNT] = {
    [W_TITLE] = {"Chi phí tuân thủ thủ tục hành chính", "Compliance cost of administrative "
                                                        "procedures"},
    [W_TITLE_REFORM] = {"Đánh giá phương án cải cách: {1}", "Reform study: {1}"},
    [W_TITLE_COMPARE] = {"So sánh các phương án cải cách", "Reforms compared"},
    [W_META_DATE] = {"Các thủ tục có hiệu lực ngày {1}; phương pháp Thông tư 02/2017/TT-VPCP",
                     "Procedures in force on {1}; method of Circular 02/2017/TT-VPCP"},
    [W_META_MODEL] = {"Mô hình chi phí {1}: thu nhập bình quân {2} một giờ, {3} giờ một ngày; "
                      "thời gian chờ {4}",
                      "Cost model {1}: hourly income {2}, {3} hours a day; waiting {4}"},
    [W_META_REFORM] = {"Phương án: {1}", "Reform: {1}"},
    [W_META_REFORM_TITLE] = {"Phương án: {1} — {2}", "Reform: {1} — {2}"},
    [W_HEADLINE] = {"Kết quả chính", "Headline"},
    [W_TODAY] = {"Chi phí hằng năm hiện nay", "Annual cost today"},
    [W_AFTER] = {"Chi phí hằng năm sau cải cách", "Annual cost after the reform"},
    [W_SAVING] = {"Tiết kiệm hằng năm", "Annual saving"},
    [W_SAVING_NEG] = {"Tiết kiệm hằng năm (âm: chi phí tăng)",
                      "Annual saving (negative: the cost rises)"},
    [W_TODAY_SHORT] = {"Hiện nay", "Today"},
    [W_AFTER_SHORT] = {"Sau cải cách", "After the reform"},
    [W_SAVING_PCT] = {"Tỷ lệ tiết kiệm", "Saving"},
    [W_SAVING_STAT] = {"trong đó dựa trên số liệu thống kê", "of which on statistics"},
    [W_SAVING_ASSUMED] = {"trong đó dựa trên giả định", "of which on assumptions"},
    [W_SPLIT_CAPTION] = {"Số liệu thống kê và giả định", "Statistics and assumptions"},
    [W_PART] = {"Phần", "Part"},
    [W_NPROC] = {"Số thủ tục", "Procedures"},
    [W_STATISTICS] = {"Dựa trên số liệu thống kê", "On declared statistics"},
    [W_ASSUMED] = {"Dựa trên giả định", "On assumptions"},
    [W_TOTAL] = {"Tổng cộng", "Total"},
    [W_SPLIT_SENTENCE] = {"{1} trong {2} tiết kiệm được tính từ số liệu thống kê đã công bố; {3} "
                          "dựa trên giả định (số hồ sơ, thời hạn hoặc số lần đi lại mặc định) "
                          "và cần được kiểm chứng trước khi sử dụng.",
                          "{1} of the {2} saving is computed from declared statistics; {3} rests "
                          "on assumptions (default volumes, time limits or visits) and should "
                          "be checked before it is relied on."},
    [W_SPLIT_SENTENCE_LOSS] = {"Phương án làm chi phí hằng năm tăng thêm {2}: {1} tính từ số liệu "
                               "thống kê đã công bố; {3} dựa trên giả định (số hồ sơ, thời hạn "
                               "hoặc số lần đi lại mặc định).",
                               "The reform raises the annual cost by {2}: {1} computed from "
                               "declared statistics; {3} on assumptions (default volumes, time "
                               "limits or visits)."},
    [W_CAVEAT_ASSUMED] =
        {"{1} trong {2} thủ tục dùng số liệu giả định, chiếm {3} chi phí hiện nay.",
         "Procedures using assumed figures: {1} of {2}, {3} of today's cost."},
    [W_CAVEAT_SUPERSEDED] = {"{1} thủ tục không được tính vì đã có thủ tục khác thay thế (tránh "
                             "tính hai lần): {2}.",
                             "Procedures left out because another one supersedes them (not "
                             "counted twice): {1}, {2}."},
    [W_CAVEAT_SUPERSEDED_MORE] = {"{1} và {2} thủ tục khác (danh sách đầy đủ: trang Giả định của "
                                  "bảng tính --xlsx)",
                                  "{1} and {2} more (all of them: the Assumptions sheet of the "
                                  "--xlsx workbook)"},
    [W_AND_MORE] = {"{1} và {2} thủ tục khác", "{1} and {2} more"},
    [W_CAVEAT_WORSE] = {"{1} thủ tục tăng chi phí theo phương án: {2}.",
                        "Procedures costing more under the reform: {1}, {2}."},
    [W_CAVEAT_WORSE_NONE] = {"Không có thủ tục nào tăng chi phí theo phương án.",
                             "No procedure costs more under the reform."},
    [W_CAVEAT_NOTES] = {"{1} thủ tục có ghi chú về cách tính (quy tắc lệ phí, điều kiện coi như "
                        "luôn đúng…); xem trang Giả định của bảng tính.",
                        "Procedures with notes on how they were counted (fee rules, conditions "
                        "taken as always true…): {1}; see the Assumptions sheet of the "
                        "workbook."},
    [W_CAVEAT_SENSITIVITY] = {"Giả định đã thay đổi cho lần tính này: {1}.",
                              "Assumption changed for this run: {1}."},
    [W_CAVEAT_CONFLICTS] = {"Xung đột giữa các phương án: {1}.", "Conflict between reforms: {1}."},
    [W_CHANGES] = {"Các thay đổi của phương án", "The reform's changes"},
    [W_CHANGES_NONE] = {"Chưa tính giá trị từng thay đổi cho lần chạy này.",
                        "What each change is worth was not computed for this run."},
    [W_CHANGES_BASIS] = {"Căn cứ pháp lý của phương án: {1}.", "The reform's legal basis: {1}."},
    [W_CHANGES_BASIS_OF] = {"Căn cứ pháp lý của phương án {1}: {2}.",
                            "The legal basis of the reform {1}: {2}."},
    [W_CHANGE_NO] = {"STT", "No."},
    [W_CHANGE_TARGET] = {"Thủ tục / cơ sở dữ liệu", "Procedure / registry"},
    [W_CHANGE_TEXT] = {"Thay đổi", "Change"},
    [W_CHANGE_BASIS] = {"Căn cứ pháp lý riêng", "Own legal basis"},
    [W_CHANGE_ALONE] = {"Tiết kiệm nếu làm riêng", "Saving alone"},
    [W_CHANGE_MARGINAL] = {"Tiết kiệm tăng thêm (theo thứ tự)", "Marginal saving (in order)"},
    [W_CHANGE_NOT_COUNTED] = {"không tính vào chi phí", "not a cost"},
    [W_CHART] = {"Tiết kiệm theo thủ tục", "Saving by procedure"},
    [W_CHART_TITLE] = {"Tiết kiệm hằng năm theo thủ tục (thanh bên trái: tăng chi phí)",
                       "Annual saving by procedure (bars to the left: the cost rises)"},
    [W_CHART_TITLE_SOME] = {"Tiết kiệm hằng năm: {1} trong {2} thủ tục thay đổi nhiều nhất (thanh "
                            "bên trái: tăng chi phí)",
                            "Annual saving: {1} of the {2} procedures that change most (bars to "
                            "the left: the cost rises)"},
    [W_GAIN] = {"tiết kiệm", "saving"},
    [W_LOSS] = {"tăng chi phí", "cost rises"},
    [W_STATE] = {"Phía Nhà nước: phí, lệ phí thu được", "The state's side: fee revenue"},
    [W_STATE_SENTENCE] = {"Phí, lệ phí là khoản thu của Nhà nước; thay đổi này tách riêng với "
                          "khoản tiết kiệm của người dân và doanh nghiệp nêu trên.",
                          "Fees are the state's revenue; their change is kept apart from the "
                          "applicants' saving above."},
    [W_REVENUE] = {"Thu phí, lệ phí hằng năm", "Annual fee revenue"},
    [W_CHANGE] = {"Chênh lệch", "Change"},
    [W_GROUPS] = {"Tổng hợp theo nhóm", "Subtotals"},
    [W_GROUP] = {"Nhóm", "Group"},
    [W_PROCS] = {"Các thủ tục thay đổi nhiều nhất", "The procedures that change most"},
    [W_PROCS_CAPTION] = {"Chi phí tuân thủ theo thủ tục, đồng", "Compliance cost per procedure, "
                                                                "VND"},
    [W_PROCS_REST] = {"Bảng liệt kê {1} trong {2} thủ tục thay đổi chi phí; {3} thủ tục không thay "
                      "đổi. Danh sách đầy đủ: bảng tính --xlsx hoặc motcua cost --format csv.",
                      "The table lists {1} of the {2} procedures whose cost changes; unchanged: "
                      "{3}. All of them: the --xlsx workbook or motcua cost --format csv."},
    [W_PROCEDURE] = {"Thủ tục", "Procedure"},
    [W_HOURS] = {"Số giờ (hiện nay → sau)", "Hours (today → after)"},
    [W_COST_TODAY] = {"Chi phí một hồ sơ hiện nay", "Cost per dossier today"},
    [W_COST_AFTER] = {"Chi phí một hồ sơ sau", "Cost per dossier after"},
    [W_VOLUME] = {"Số hồ sơ một năm", "Dossiers a year"},
    [W_ABOLISHED] = {"bãi bỏ", "abolished"},
    [W_ASSUMED_MARK] = {"giả định", "assumed"},
    [W_METHOD] = {"Phương pháp", "Method"},
    [W_METHOD_TEXT] = {"Theo Thông tư 02/2017/TT-VPCP: chi phí một hồ sơ = số giờ × thu nhập "
                       "bình quân một giờ + phí, lệ phí + chi phí giấy tờ phải nộp và đi lại; "
                       "giấy tờ được khai thác từ cơ sở dữ liệu không tốn chi phí. Chi phí hằng "
                       "năm = chi phí một hồ sơ × số hồ sơ một năm. Tính chính xác, không lấy "
                       "mẫu; bảng tính --xlsx ghi lại từng công thức.",
                       "Circular 02/2017/TT-VPCP: cost of a dossier = hours × hourly income + "
                       "fees + the cost of asked documents and of visits; documents fetched "
                       "from a registry cost nothing. Annual cost = cost of a dossier × dossiers "
                       "a year. Exact, not sampled; the --xlsx workbook shows every formula."},
    [W_COMPARE] = {"Các phương án", "The reforms"},
    [W_COMPARE_CAPTION] = {"Các phương án, mỗi phương án áp dụng riêng trên hiện trạng",
                           "The reforms, each applied alone to today's procedures"},
    [W_REFORM] = {"Phương án", "Reform"},
    [W_WORSE] = {"Số thủ tục tăng chi phí", "Procedures costing more"},
    [W_COMPARE_CHART] = {"Tiết kiệm hằng năm theo phương án (thanh bên trái: tăng chi phí)",
                         "Annual saving by reform (bars to the left: the cost rises)"},
    [W_NONE] = {"(không có phương án)", "(no reform)"},
    [W_YES] = {"có tính", "counted"},
    [W_NO] = {"không tính", "not counted"},
};

static const char *w(const study_out *o, word k)
{
    return brief_text(o->lang, &words[k]);
}

/* ---- figures for people ------------------------------------------------------------------- */

/* An annual amount as a committee reads it (brief_amount): "8.964,2 tỷ đồng". */
static void amount(const study_out *o, const char *currency, int64_t v, char out[64])
{
    brief_amount(o->lang, currency, v, out);
}

/* Hundredths of a percent as "90,78%" ("90.78%"). */
static void percent(const study_out *o, int64_t bp, char out[48])
{
    brief_percent(o->lang, bp, out);
}

/* A count: "1.234" ("1,234"). */
static void count(const study_out *o, int64_t n, char out[32])
{
    brief_count(o->lang, n, out);
}

/* Hours (fixed point, MC_FIXED_ONE = 1 h) with two decimals. */
static void hours(const study_out *o, mc_fixed h, char out[40])
{
    brief_decimal(o->lang, h, MC_FIXED_ONE, 2, out);
}

/* A procedure's title in the page's language (Vietnamese first), else its name. */
static const char *title_of(const study_out *o, const mc_study_row *r)
{
    const char *t =
        r->p ? mc_text_pick(r->p->titles, r->p->ntitles, o->lang == MC_LANG_EN ? NULL : "vi")
             : NULL;
    return t ? t : r->procedure;
}

static const char *currency_of(const mc_study *s)
{
    return s->model.hourly_income.currency;
}

/* The sentence k of the words table with its arguments, a NULL after the last (brief_say); the
 * caller frees it with mc_free (NULL when out of memory, which the page then reports). */
static char *say(const study_out *o, word k, ...)
{
    va_list ap;
    va_start(ap, k);
    char *out = brief_vsay(o->lang, &words[k], ap);
    va_end(ap);
    return out;
}

/* ---- the sections ------------------------------------------------------------------------- */

static bool has_reform(const study_out *o, size_t i)
{
    return o->labels != NULL && o->labels[i] != NULL && o->labels[i][0] != '\0';
}

static void page_meta(html *h, const study_out *o)
{
    const mc_study *s = o->studies[0];
    char day[24], inc[64], hpd[32];
    mc_msg_time(o->lang, o->day, day, sizeof day);
    amount(o, currency_of(s), s->model.hourly_income.amount, inc);
    mc_fixed_format(s->model.hours_per_day, hpd);
    brief_meta(h, o->lang, &words[W_META_DATE], day, (const char *)NULL);
    brief_meta(h, o->lang, &words[W_META_MODEL], s->model.name, inc, hpd,
               w(o, s->model.count_waiting ? W_YES : W_NO), (const char *)NULL);
    if (o->n == 1 && has_reform(o, 0)) {
        /* One reform: its title too (stacked ones are named "a + b" and have none). */
        const mc_reform *r = o->cat ? mc_catalogue_reform(o->cat, o->labels[0]) : NULL;
        const char *title = r ? mc_reform_title_in(r, o->lang == MC_LANG_EN ? NULL : "vi") : NULL;
        if (title != NULL) {
            brief_meta(h, o->lang, &words[W_META_REFORM_TITLE], o->labels[0], title,
                       (const char *)NULL);
        } else {
            brief_meta(h, o->lang, &words[W_META_REFORM], o->labels[0], (const char *)NULL);
        }
    }
}

/* The headline: today, after, saving and %, and the saving split by what it rests on. */
static void headline(html *h, const study_out *o, const mc_study *s)
{
    const mc_study_split *t = &s->totals;
    const char *cur = currency_of(s);
    char today[64], after[64], saving[64], pct[48], stat[64], assumed[64];
    amount(o, cur, t->all.base, today);
    amount(o, cur, t->all.reform, after);
    amount(o, cur, t->all.saving, saving);
    percent(o, t->all.saving_bp, pct);
    amount(o, cur, t->statistics.saving, stat);
    amount(o, cur, t->assumed.saving, assumed);
    html_heading(h, "%s", w(o, W_HEADLINE));
    if (!has_reform(o, 0)) {
        html_figure f[] = {{today, w(o, W_TODAY)}};
        html_figures(h, f, 1);
    } else {
        html_figure f[] = {{today, w(o, W_TODAY)},
                           {after, w(o, W_AFTER)},
                           {saving, w(o, t->all.saving < 0 ? W_SAVING_NEG : W_SAVING)},
                           {pct, w(o, W_SAVING_PCT)},
                           {stat, w(o, W_SAVING_STAT)},
                           {assumed, w(o, W_SAVING_ASSUMED)}};
        html_figures(h, f, 6);
    }
    /* The split as a table: statistics, assumptions, total. */
    const char *head[] = {w(o, W_PART),  w(o, W_NPROC),  w(o, W_TODAY),
                          w(o, W_AFTER), w(o, W_SAVING), w(o, W_SAVING_PCT)};
    size_t ncols = has_reform(o, 0) ? 6 : 3;
    html_table_begin(h, w(o, W_SPLIT_CAPTION), head, ncols, "lrrrrr");
    const mc_study_total *parts[] = {&t->statistics, &t->assumed, &t->all};
    const word names[] = {W_STATISTICS, W_ASSUMED, W_TOTAL};
    for (size_t i = 0; i < 3; i++) {
        char n[32], b[64], r[64], sv[64], p[48];
        count(o, (int64_t)parts[i]->n, n);
        amount(o, cur, parts[i]->base, b);
        amount(o, cur, parts[i]->reform, r);
        amount(o, cur, parts[i]->saving, sv);
        percent(o, parts[i]->saving_bp, p);
        const char *cells[] = {w(o, names[i]), n, b, r, sv, p};
        if (i == 2) {
            html_table_total(h, cells);
        } else {
            html_table_row(h, cells);
        }
    }
    html_table_end(h);
    if (has_reform(o, 0)) {
        char *line = NULL;
        if (t->all.saving >= 0) {
            line = say(o, W_SPLIT_SENTENCE, stat, saving, assumed, (const char *)NULL);
        } else {
            /* A rise is said as a rise, its parts as amounts added. */
            amount(o, cur, -t->statistics.saving, stat);
            amount(o, cur, -t->all.saving, saving);
            amount(o, cur, -t->assumed.saving, assumed);
            line = say(o, W_SPLIT_SENTENCE_LOSS, stat, saving, assumed, (const char *)NULL);
        }
        if (line == NULL) {
            html_set_error(h, ENOMEM);
            return;
        }
        html_para(h, "%s", line);
        mc_free(line);
    }
}

enum { CAVEAT_LIST = 3 }; /* names listed in a caveat, at most */

/* "a, b, c" of the first names (each cut at ':'), then "… and K more" when there are more. */
static char *first_names(const study_out *o, char *const *lines, size_t n)
{
    char buf[600] = "";
    for (size_t i = 0; i < n && i < CAVEAT_LIST; i++) {
        const char *colon = strchr(lines[i], ':');
        int len = colon ? (int)(colon - lines[i]) : (int)strlen(lines[i]);
        size_t used = strlen(buf);
        snprintf(buf + used, sizeof buf - used, "%s%.*s", i ? ", " : "", len, lines[i]);
    }
    if (n <= CAVEAT_LIST) {
        return mc_format("%s", buf);
    }
    char more[32];
    count(o, (int64_t)(n - CAVEAT_LIST), more);
    return say(o, W_CAVEAT_SUPERSEDED_MORE, buf, more, (const char *)NULL);
}

/* The procedures whose cost rises, the largest rises first: "kết hôn (-415,0 tỷ đồng), …". */
static char *worse_names(const study_out *o, const mc_study *s)
{
    char buf[600] = "";
    size_t listed = 0;
    bool *done = calloc(s->n ? s->n : 1, sizeof *done);
    if (done == NULL) {
        return NULL;
    }
    while (listed < CAVEAT_LIST) {
        size_t best = s->n;
        for (size_t i = 0; i < s->n; i++) {
            if (!done[i] && s->rows[i].saving < 0 &&
                (best == s->n || s->rows[i].saving < s->rows[best].saving)) {
                best = i;
            }
        }
        if (best == s->n) {
            break;
        }
        done[best] = true;
        char a[64];
        amount(o, currency_of(s), s->rows[best].saving, a);
        size_t used = strlen(buf);
        snprintf(buf + used, sizeof buf - used, "%s%s (%s)", listed ? ", " : "",
                 title_of(o, &s->rows[best]), a);
        listed++;
    }
    free(done);
    if (s->totals.all.worse > (int64_t)listed) {
        char more[32];
        count(o, s->totals.all.worse - (int64_t)listed, more);
        return say(o, W_AND_MORE, buf, more, (const char *)NULL);
    }
    return mc_format("%s", buf);
}

/* The caveats box: a few lines with counts, not hundreds of assumption lines. */
static void caveats(html *h, const study_out *o, const mc_study *s, bool reform)
{
    char *lines[8] = {0};
    size_t n = 0;
    bool oom = false;
    const mc_study_split *t = &s->totals;
    char a[32], all[32], share[48];
    count(o, (int64_t)t->assumed.n, a);
    count(o, (int64_t)t->all.n, all);
    percent(o, brief_share_bp(t->assumed.base, t->all.base), share);
    lines[n++] = say(o, W_CAVEAT_ASSUMED, a, all, share, (const char *)NULL);
    if (s->nsuperseded > 0) {
        char k[32];
        count(o, (int64_t)s->nsuperseded, k);
        char *names = first_names(o, s->superseded, s->nsuperseded);
        lines[n++] = names ? say(o, W_CAVEAT_SUPERSEDED, k, names, (const char *)NULL) : NULL;
        oom |= names == NULL;
        mc_free(names);
    }
    if (reform) {
        if (t->all.worse > 0) {
            char k[32];
            count(o, t->all.worse, k);
            char *names = worse_names(o, s);
            lines[n++] = names ? say(o, W_CAVEAT_WORSE, k, names, (const char *)NULL) : NULL;
            oom |= names == NULL;
            mc_free(names);
        } else {
            lines[n++] = say(o, W_CAVEAT_WORSE_NONE, (const char *)NULL);
        }
    }
    size_t noted = 0;
    for (size_t i = 0; i < s->n; i++) {
        noted += s->rows[i].notes[0] != '\0' || s->rows[i].reform_notes[0] != '\0';
    }
    if (noted > 0) {
        char k[32];
        count(o, (int64_t)noted, k);
        lines[n++] = say(o, W_CAVEAT_NOTES, k, (const char *)NULL);
    }
    brief_caveats_begin(h, o->lang);
    for (size_t i = 0; i < n; i++) {
        brief_caveat(h, lines[i]);
    }
    /* The library's sentences in the page's language (mc_study_say), each a line; a study
     * without them (made by hand) has its English lines. */
    for (size_t i = 0; i < s->nsensitivity; i++) {
        char said[2048];
        if (s->sensitivity_said != NULL) {
            mc_study_say(&s->sensitivity_said[i], o->lang, said, sizeof said);
        }
        brief_caveat(h, say(o, W_CAVEAT_SENSITIVITY, s->sensitivity_said ? said : s->sensitivity[i],
                            (const char *)NULL));
    }
    for (size_t i = 0; i < s->nconflicts; i++) {
        char said[2048];
        if (s->conflicts_said != NULL) {
            mc_study_say(&s->conflicts_said[i], o->lang, said, sizeof said);
        }
        brief_caveat(h, say(o, W_CAVEAT_CONFLICTS, s->conflicts_said ? said : s->conflicts[i],
                            (const char *)NULL));
    }
    brief_caveats_end(h);
    if (oom) {
        html_set_error(h, ENOMEM);
    }
}

/* The legal basis of the reform called name (its own `legal-basis` lines joined with "; ") in
 * out; "" when it has none or is not in cat. */
static void reform_basis(const study_out *o, const char *name, char *out, size_t size)
{
    const mc_reform *r = o->cat && name ? mc_catalogue_reform(o->cat, name) : NULL;
    mc_strings lb = r ? mc_reform_legal_basis(r) : (mc_strings){NULL, 0};
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < lb.n && used < size; i++) {
        int k = snprintf(out + used, size - used, "%s%s", i ? "; " : "", lb.items[i]);
        used += k > 0 ? (size_t)k : 0;
    }
}

/* The legal basis of each reform the changes belong to, said once above the table: "Căn cứ
 * pháp lý: …" for one reform, one line per reform ("Căn cứ pháp lý của phương án x: …") for
 * several. */
static void bases_above(html *h, const study_out *o, const mc_study *s)
{
    size_t nreforms = 0;
    for (size_t i = 0; i < s->nchanges; i++) {
        nreforms += i == 0 || strcmp(s->changes[i].change.reform,
                                     s->changes[i - 1].change.reform) != 0;
    }
    for (size_t i = 0; i < s->nchanges; i++) {
        const char *name = s->changes[i].change.reform;
        if (i > 0 && strcmp(name, s->changes[i - 1].change.reform) == 0) {
            continue;
        }
        char basis[1024];
        reform_basis(o, name, basis, sizeof basis);
        if (basis[0] == '\0') {
            continue;
        }
        char *line = nreforms > 1 ? say(o, W_CHANGES_BASIS_OF, name, basis, (const char *)NULL)
                                  : say(o, W_CHANGES_BASIS, basis, (const char *)NULL);
        if (line == NULL) {
            html_set_error(h, ENOMEM);
            return;
        }
        html_para(h, "%s", line);
        mc_free(line);
    }
}

/* The reform's changes said in the page's language (brief_change), what they change by its
 * title, the reforms' legal basis once above them (a row names only a basis of its own) and,
 * when the study attributed them, their worth. */
static void changes(html *h, const study_out *o, const mc_study *s, const char *label)
{
    html_heading(h, "%s%s%s", w(o, W_CHANGES), o->n > 1 ? ": " : "", o->n > 1 ? label : "");
    if (s->nchanges == 0) {
        html_para(h, "%s", w(o, W_CHANGES_NONE));
        return;
    }
    bases_above(h, o, s);
    const char *head[] = {w(o, W_CHANGE_NO),    w(o, W_CHANGE_TARGET), w(o, W_CHANGE_TEXT),
                          w(o, W_CHANGE_BASIS), w(o, W_CHANGE_ALONE),  w(o, W_CHANGE_MARGINAL)};
    html_table_begin(h, NULL, head, 6, "rlllrr");
    for (size_t i = 0; i < s->nchanges; i++) {
        const mc_study_change *c = &s->changes[i];
        char no[32], alone[64 + 48 + 4], marginal[64 + 48 + 4];
        count(o, (int64_t)i + 1, no);
        if (c->counted) {
            char a[64], p[48];
            amount(o, currency_of(s), c->alone, a);
            percent(o, c->alone_bp, p);
            snprintf(alone, sizeof alone, "%s (%s)", a, p);
            amount(o, currency_of(s), c->marginal, a);
            percent(o, c->marginal_bp, p);
            snprintf(marginal, sizeof marginal, "%s (%s)", a, p);
        } else {
            snprintf(alone, sizeof alone, "%s", w(o, W_CHANGE_NOT_COUNTED));
            snprintf(marginal, sizeof marginal, "%s", w(o, W_CHANGE_NOT_COUNTED));
        }
        char own[1024];
        reform_basis(o, c->change.reform, own, sizeof own);
        const char *lb = c->change.legal_basis && strcmp(c->change.legal_basis, own) != 0
                             ? c->change.legal_basis
                             : "—";
        char *target = brief_change_target(o->lang, o->cat, &c->change);
        char *said = brief_change(o->lang, o->cat, &c->change);
        if (target == NULL || said == NULL) {
            mc_free(target);
            mc_free(said);
            html_set_error(h, ENOMEM);
            break;
        }
        const char *cells[] = {no, target, said, lb, alone, marginal};
        html_table_row(h, cells);
        mc_free(target);
        mc_free(said);
    }
    html_table_end(h);
}

/* The saving chart: the procedures that change most, losses drawn to the left. */
static void saving_chart(html *h, const study_out *o, const mc_study *s)
{
    size_t n = s->n;
    double *values = calloc(n ? n : 1, sizeof *values);
    size_t *idx = calloc(n ? n : 1, sizeof *idx);
    const char **labels = calloc(CLI_CHART_MAX, sizeof *labels);
    char(*texts)[64] = calloc(CLI_CHART_MAX, sizeof *texts);
    const char **tp = calloc(CLI_CHART_MAX, sizeof *tp);
    double *picked = calloc(CLI_CHART_MAX, sizeof *picked);
    char *title = NULL;
    if (values == NULL || idx == NULL || labels == NULL || texts == NULL || tp == NULL ||
        picked == NULL) {
        html_set_error(h, ENOMEM);
        goto done;
    }
    size_t changed = 0;
    for (size_t i = 0; i < n; i++) {
        values[i] = (double)s->rows[i].saving;
        changed += s->rows[i].saving != 0;
    }
    size_t k = html_diverging_pick(values, n, CLI_CHART_MAX, idx);
    for (size_t i = 0; i < k; i++) {
        const mc_study_row *r = &s->rows[idx[i]];
        labels[i] = title_of(o, r);
        amount(o, currency_of(s), r->saving, texts[i]);
        tp[i] = texts[i];
        picked[i] = values[idx[i]];
    }
    if (k < changed) {
        char a[32], b[32];
        count(o, (int64_t)k, a);
        count(o, (int64_t)changed, b);
        title = say(o, W_CHART_TITLE_SOME, a, b, (const char *)NULL);
    } else {
        title = mc_format("%s", w(o, W_CHART_TITLE));
    }
    if (title == NULL) {
        html_set_error(h, ENOMEM);
        goto done;
    }
    html_heading(h, "%s", w(o, W_CHART));
    html_series series = {w(o, W_SAVING), picked, tp};
    html_diverging_chart(h, title, labels, k, &series, w(o, W_GAIN), w(o, W_LOSS));
done:
    mc_free(title);
    free(values);
    free(idx);
    free(labels);
    free(texts);
    free(tp);
    free(picked);
}

/* The state's side: fee revenue a year, before and after. */
static void state_side(html *h, const study_out *o, const mc_study *s)
{
    const mc_study_total *t = &s->totals.all;
    char b[64], r[64], d[64];
    amount(o, currency_of(s), t->revenue_base, b);
    amount(o, currency_of(s), t->revenue_reform, r);
    amount(o, currency_of(s), t->revenue_reform - t->revenue_base, d);
    html_heading(h, "%s", w(o, W_STATE));
    const char *head[] = {"", w(o, W_TODAY_SHORT), w(o, W_AFTER_SHORT), w(o, W_CHANGE)};
    html_table_begin(h, NULL, head, 4, "lrrr");
    const char *cells[] = {w(o, W_REVENUE), b, r, d};
    html_table_row(h, cells);
    html_table_end(h);
    html_para(h, "%s", w(o, W_STATE_SENTENCE));
}

/* A subtotal's key for people: an agency or a procedure by its title, its name small under it
 * (brief_titled); a sector as written; "—" for the rows without one. */
static char *group_key(const study_out *o, const char *key)
{
    if (key[0] == '\0') {
        return mc_format("%s", "—");
    }
    const mc_agency *a = o->cat ? mc_catalogue_agency(o->cat, key) : NULL;
    if (a != NULL) {
        return brief_titled(o->lang, a->titles, a->ntitles, key);
    }
    size_t n = 0;
    const mc_procedure *const *v = o->cat ? mc_catalogue_versions(o->cat, key, &n) : NULL;
    if (n > 0) {
        return brief_titled(o->lang, v[0]->titles, v[0]->ntitles, key);
    }
    return mc_format("%s", key);
}

static void groups(html *h, const study_out *o, const mc_study *s)
{
    if (s->ngroups == 0) {
        return;
    }
    html_heading(h, "%s", w(o, W_GROUPS));
    const char *head[] = {w(o, W_GROUP),  w(o, W_NPROC),      w(o, W_TODAY),
                          w(o, W_SAVING), w(o, W_SAVING_PCT), w(o, W_SAVING_ASSUMED)};
    /* Without a reform, only today's figures: the savings are all 0. */
    html_table_begin(h, NULL, head, has_reform(o, 0) ? 6 : 3, "lrrrrr");
    for (size_t g = 0; g < s->ngroups; g++) {
        const mc_study_split *t = &s->groups[g].t;
        char n[32], b[64], sv[64], p[48], as[64];
        count(o, (int64_t)t->all.n, n);
        amount(o, currency_of(s), t->all.base, b);
        amount(o, currency_of(s), t->all.saving, sv);
        percent(o, t->all.saving_bp, p);
        amount(o, currency_of(s), t->assumed.saving, as);
        char *key = group_key(o, s->groups[g].key);
        if (key == NULL) {
            html_set_error(h, ENOMEM);
            break;
        }
        const char *cells[] = {key, n, b, sv, p, as};
        html_table_row(h, cells);
        mc_free(key);
    }
    html_table_end(h);
}

enum { PAGE_ROWS = 30 }; /* procedures listed on the page, at most */

static const mc_study_row *sort_rows;

static int by_change(const void *a, const void *b)
{
    const mc_study_row *x = &sort_rows[*(const size_t *)a], *y = &sort_rows[*(const size_t *)b];
    int64_t mx = x->saving < 0 ? -x->saving : x->saving;
    int64_t my = y->saving < 0 ? -y->saving : y->saving;
    return mx > my ? -1 : mx < my ? 1 : strcmp(x->procedure, y->procedure);
}

/* The procedures whose annual cost changes, the largest changes first, PAGE_ROWS at most. */
static void procedures(html *h, const study_out *o, const mc_study *s)
{
    size_t *idx = calloc(s->n ? s->n : 1, sizeof *idx);
    if (idx == NULL) {
        html_set_error(h, ENOMEM);
        return;
    }
    size_t changed = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (s->rows[i].saving != 0) {
            idx[changed++] = i;
        }
    }
    sort_rows = s->rows;
    qsort(idx, changed, sizeof *idx, by_change);
    sort_rows = NULL;
    size_t k = changed < PAGE_ROWS ? changed : PAGE_ROWS;
    html_heading(h, "%s", w(o, W_PROCS));
    const char *head[] = {w(o, W_PROCEDURE), w(o, W_HOURS),  w(o, W_COST_TODAY), w(o, W_COST_AFTER),
                          w(o, W_VOLUME),    w(o, W_SAVING), w(o, W_SAVING_PCT)};
    html_table_begin(h, w(o, W_PROCS_CAPTION), head, 7, "lrrrrrr");
    for (size_t j = 0; j < k; j++) {
        const mc_study_row *r = &s->rows[idx[j]];
        char name[400], hb[40], hr[40], hh[90], cb[32], cr[48], v[32], sv[64], p[48];
        snprintf(name, sizeof name, "%s\n%s%s%s%s", title_of(o, r), r->procedure,
                 r->code ? " · " : "", r->code ? r->code : "",
                 r->assumed ? (o->lang == MC_LANG_EN ? " · assumed" : " · giả định") : "");
        hours(o, r->base.hours, hb);
        hours(o, r->reform.hours, hr);
        snprintf(hh, sizeof hh, "%s → %s", hb, hr);
        brief_grouped(o->lang, r->base.cost, cb);
        if (r->abolished) {
            snprintf(cr, sizeof cr, "%s", w(o, W_ABOLISHED));
        } else {
            brief_grouped(o->lang, r->reform.cost, cr);
        }
        count(o, r->base.volume, v);
        amount(o, currency_of(s), r->saving, sv);
        percent(o, r->saving_bp, p);
        const char *cells[] = {name, hh, cb, cr, v, sv, p};
        html_table_row(h, cells);
    }
    html_table_end(h);
    char a[32], b[32], c[32];
    count(o, (int64_t)k, a);
    count(o, (int64_t)changed, b);
    count(o, (int64_t)(s->n - changed), c);
    char *line = say(o, W_PROCS_REST, a, b, c, (const char *)NULL);
    if (line == NULL) {
        html_set_error(h, ENOMEM);
    } else {
        html_para(h, "%s", line);
    }
    mc_free(line);
    free(idx);
}

/* --compare: the reforms side by side, one table and one chart. */
static void compare(html *h, const study_out *o)
{
    html_heading(h, "%s", w(o, W_COMPARE));
    char today[64];
    amount(o, currency_of(o->studies[0]), o->studies[0]->totals.all.base, today);
    html_figure f[] = {{today, w(o, W_TODAY)}}; /* the same baseline under every reform */
    html_figures(h, f, 1);
    const char *head[] = {w(o, W_REFORM),     w(o, W_AFTER),       w(o, W_SAVING),
                          w(o, W_SAVING_PCT), w(o, W_SAVING_STAT), w(o, W_SAVING_ASSUMED),
                          w(o, W_WORSE),      w(o, W_REVENUE)};
    html_table_begin(h, w(o, W_COMPARE_CAPTION), head, 8, "lrrrrrrr");
    double *values = calloc(o->n, sizeof *values);
    char(*texts)[64] = calloc(o->n, sizeof *texts);
    const char **tp = calloc(o->n, sizeof *tp);
    const char **labels = calloc(o->n, sizeof *labels);
    if (values == NULL || texts == NULL || tp == NULL || labels == NULL) {
        html_set_error(h, ENOMEM);
        goto done;
    }
    for (size_t i = 0; i < o->n; i++) {
        const mc_study *s = o->studies[i];
        const mc_study_split *t = &s->totals;
        const char *cur = currency_of(s);
        char after[64], sv[64], p[48], st[64], as[64], worse[32], rev[64], dr[64];
        amount(o, cur, t->all.reform, after);
        amount(o, cur, t->all.saving, sv);
        percent(o, t->all.saving_bp, p);
        amount(o, cur, t->statistics.saving, st);
        amount(o, cur, t->assumed.saving, as);
        count(o, t->all.worse, worse);
        amount(o, cur, t->all.revenue_reform, rev);
        amount(o, cur, t->all.revenue_reform - t->all.revenue_base, dr);
        char revenue[140];
        snprintf(revenue, sizeof revenue, "%s\n%s%s", rev,
                 t->all.revenue_reform >= t->all.revenue_base ? "+" : "", dr);
        labels[i] = has_reform(o, i) ? o->labels[i] : w(o, W_NONE);
        /* a reform by its title in the page's language, its name small under it */
        const mc_reform *rf = has_reform(o, i) && o->cat ? mc_catalogue_reform(o->cat, o->labels[i])
                                                         : NULL;
        const char *rt = rf ? mc_reform_title_in(rf, o->lang == MC_LANG_EN ? NULL : "vi") : NULL;
        char *name = rt ? mc_format("%s\n%s", rt, labels[i]) : mc_format("%s", labels[i]);
        if (name == NULL) {
            html_set_error(h, ENOMEM);
            break;
        }
        const char *cells[] = {name, after, sv, p, st, as, worse, revenue};
        html_table_row(h, cells);
        mc_free(name);
        values[i] = (double)t->all.saving;
        snprintf(texts[i], sizeof texts[i], "%s", sv);
        tp[i] = texts[i];
    }
    html_table_end(h);
    html_series series = {w(o, W_SAVING), values, tp};
    html_diverging_chart(h, w(o, W_COMPARE_CHART), labels, o->n, &series, w(o, W_GAIN),
                         w(o, W_LOSS));
done:
    free(values);
    free(texts);
    free(tp);
    free(labels);
}

int study_page_write(const char *path, const study_out *o, mc_error *err)
{
    if (o->n == 0) {
        return mc_error_set(err, MC_EUSAGE, "a briefing needs a study");
    }
    char *title = NULL;
    if (o->n > 1) {
        title = mc_format("%s", w(o, W_TITLE_COMPARE));
    } else if (has_reform(o, 0)) {
        const mc_reform *r = o->cat ? mc_catalogue_reform(o->cat, o->labels[0]) : NULL;
        const char *t = r ? mc_reform_title_in(r, o->lang == MC_LANG_EN ? NULL : "vi") : NULL;
        title = say(o, W_TITLE_REFORM, t ? t : o->labels[0], (const char *)NULL);
    } else {
        title = mc_format("%s", w(o, W_TITLE));
    }
    if (title == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    html *h = NULL;
    int rc =
        html_open_doc(&h, path, title, o->lang == MC_LANG_EN ? "en" : "vi", brief_print_style, err);
    mc_free(title);
    if (rc != 0) {
        return rc;
    }
    const mc_study *s = o->studies[0];
    page_meta(h, o);
    if (o->n == 1) {
        headline(h, o, s);
        caveats(h, o, s, has_reform(o, 0));
        if (has_reform(o, 0)) {
            changes(h, o, s, o->labels[0]);
            saving_chart(h, o, s);
            state_side(h, o, s);
        }
        groups(h, o, s);
        if (has_reform(o, 0)) {
            procedures(h, o, s);
        }
    } else {
        compare(h, o);
        caveats(h, o, s, false); /* the baseline's, the same for every reform */
        for (size_t i = 0; i < o->n; i++) {
            if (o->studies[i]->nchanges > 0) {
                changes(h, o, o->studies[i], o->labels[i]);
            }
        }
    }
    html_heading(h, "%s", w(o, W_METHOD));
    html_para(h, "%s", w(o, W_METHOD_TEXT));
    if (o->coverage != NULL) {
        cli_coverage_page(h, o->coverage, o->cat, o->lang);
    }
    return html_close(h, err);
}
