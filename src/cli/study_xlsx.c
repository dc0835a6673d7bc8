/* The workbook of a cost study (study_out.h), for the reviewer who checks a briefing's figures:
 * one row per procedure as on the forms of Circular 02/2017/TT-VPCP officials fill today, the
 * parts of SPEC §8.1's formula motcua summed written as values (the applicant's minutes, the
 * fee, the documents' and the visits' cost, each exact) and everything derived from them written
 * as spreadsheet formulas (hours = minutes / 60, the time cost = hours × hourly income, the cost
 * per dossier = ROUND(time cost + fee + documents + visits, 0), annual = cost × volume, saving
 * = before − after, totals = SUM, the split by statistics and assumptions = SUMIF, % = saving /
 * before), each formula with its computed value cached, so that the workbook opens with figures
 * and a recalculation gives the same ones, to the unit. Minutes, not hours, are the value the
 * sheet starts from: a procedure's minutes are a decimal with an end (shares to a millionth times
 * minutes), its hours often are not (10 minutes are 0.1666… h), and hours rounded to a millionth
 * times the income can move the cost by a unit where it ends near a half. Written with
 * libxlsxwriter to PATH.tmp, renamed when whole. */
#include "study_out.h"

#include "brief.h"
#include "cli.h"

#include "base/buf.h"

#include "motcua/alloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

/* ---- the words of the workbook, in both languages ----------------------------------------- */

typedef enum xword {
    X_SHEET_PROCS,
    X_SHEET_CHANGES,
    X_SHEET_ASSUMPTIONS,
    X_SHEET_COMPARE,
    X_TITLE,
    X_DATE,
    X_REFORM,
    X_NONE,
    X_INCOME,
    X_NO,
    X_CODE,
    X_PROCEDURE,
    X_NAME,
    X_AGENCY,
    X_SECTOR,
    X_BASIS,
    X_MINUTES,
    X_HOURS,
    X_HOURLY,
    X_TIME_COST,
    X_COST,
    X_DOCUMENTS,
    X_VISITS,
    X_FEE,
    X_VOLUME,
    X_ANNUAL,
    X_R_MINUTES,
    X_R_HOURS,
    X_R_TIME_COST,
    X_R_COST,
    X_R_DOCUMENTS,
    X_R_VISITS,
    X_R_FEE,
    X_R_VOLUME,
    X_R_ANNUAL,
    X_SAVING,
    X_SAVING_PCT,
    X_REVENUE,
    X_R_REVENUE,
    X_NOTES,
    X_STATISTICS,
    X_ASSUMED,
    X_TOTAL,
    X_TOTAL_STATISTICS,
    X_TOTAL_ASSUMED,
    X_ABOLISHED,
    X_CHANGE_TARGET,
    X_CHANGE_TEXT,
    X_CHANGE_BASIS,
    X_CHANGE_COUNTED,
    X_CHANGE_ALONE,
    X_CHANGE_ALONE_PCT,
    X_CHANGE_MARGINAL,
    X_CHANGE_MARGINAL_PCT,
    X_YES,
    X_NOT_COUNTED,
    X_KIND,
    X_TEXT,
    X_TODAY,
    X_AFTER,
    X_SUPERSEDED,
    X_SENSITIVITY,
    X_CONFLICT,
    X_MODEL,
    X_METHOD,
    X_METHOD_TEXT,
    X_COUNT
} xword;

typedef struct xwords_row {
    const char *vi, *en;
} xwords_row;

static const xwords_row xwords[X_COUNT] = {
    [X_SHEET_PROCS] = {"Chi phí TTHC", "Procedures"},
    [X_SHEET_CHANGES] = {"Thay đổi", "Changes"},
    [X_SHEET_ASSUMPTIONS] = {"Giả định", "Assumptions"},
    [X_SHEET_COMPARE] = {"So sánh", "Comparison"},
    [X_TITLE] = {"Bảng tính chi phí tuân thủ thủ tục hành chính (Thông tư 02/2017/TT-VPCP)",
                 "Compliance cost of administrative procedures (Circular 02/2017/TT-VPCP)"},
    [X_DATE] = {"Các thủ tục có hiệu lực ngày", "Procedures in force on"},
    [X_REFORM] = {"Phương án", "Reform"},
    [X_NONE] = {"(không có phương án)", "(no reform)"},
    [X_INCOME] = {"Thu nhập bình quân một giờ (đồng)", "Hourly income"},
    [X_NO] = {"STT", "No."},
    [X_CODE] = {"Mã TTHC", "Official code"},
    [X_PROCEDURE] = {"Thủ tục", "Procedure"},
    [X_NAME] = {"Tên thủ tục", "Title"},
    [X_AGENCY] = {"Cơ quan", "Agency"},
    [X_SECTOR] = {"Lĩnh vực", "Sector"},
    [X_BASIS] = {"Cơ sở số liệu", "Figures rest on"},
    [X_MINUTES] = {"Số phút một hồ sơ", "Minutes per dossier"},
    [X_HOURS] = {"Số giờ một hồ sơ (phút / 60)", "Hours per dossier (minutes / 60)"},
    [X_HOURLY] = {"Thu nhập một giờ", "Hourly income"},
    [X_TIME_COST] = {"Chi phí thời gian (giờ × thu nhập)", "Time cost (hours × income)"},
    [X_COST] = {"Chi phí một hồ sơ (thời gian + phí + giấy tờ + đi lại, làm tròn đến đồng)",
                "Cost per dossier (time + fees + documents + visits, rounded to the unit)"},
    [X_DOCUMENTS] = {"Chi phí giấy tờ (bình quân một hồ sơ)",
                     "Documents' cost (average per dossier)"},
    [X_VISITS] = {"Chi phí đi lại", "Visits' cost"},
    [X_FEE] = {"Phí, lệ phí", "Fees"},
    [X_VOLUME] = {"Số hồ sơ một năm", "Dossiers a year"},
    [X_ANNUAL] = {"Chi phí hằng năm", "Annual cost"},
    [X_R_MINUTES] = {"Sau cải cách: số phút", "After: minutes"},
    [X_R_HOURS] = {"Sau cải cách: số giờ", "After: hours"},
    [X_R_TIME_COST] = {"Sau cải cách: chi phí thời gian", "After: time cost"},
    [X_R_COST] = {"Sau cải cách: chi phí một hồ sơ", "After: cost per dossier"},
    [X_R_DOCUMENTS] = {"Sau cải cách: chi phí giấy tờ", "After: documents' cost"},
    [X_R_VISITS] = {"Sau cải cách: chi phí đi lại", "After: visits' cost"},
    [X_R_FEE] = {"Sau cải cách: phí, lệ phí", "After: fees"},
    [X_R_VOLUME] = {"Sau cải cách: số hồ sơ một năm", "After: dossiers a year"},
    [X_R_ANNUAL] = {"Sau cải cách: chi phí hằng năm", "After: annual cost"},
    [X_SAVING] = {"Tiết kiệm hằng năm", "Annual saving"},
    [X_SAVING_PCT] = {"Tỷ lệ tiết kiệm", "Saving %"},
    [X_REVENUE] = {"Thu phí, lệ phí hằng năm hiện nay", "Annual fee revenue today"},
    [X_R_REVENUE] = {"Thu phí, lệ phí hằng năm sau cải cách", "Annual fee revenue after"},
    [X_NOTES] = {"Ghi chú", "Notes"},
    [X_STATISTICS] = {"thống kê", "statistics"},
    [X_ASSUMED] = {"giả định", "assumed"},
    [X_TOTAL] = {"Tổng cộng", "Total"},
    [X_TOTAL_STATISTICS] = {"Tổng dựa trên số liệu thống kê", "Total on statistics"},
    [X_TOTAL_ASSUMED] = {"Tổng dựa trên giả định", "Total on assumptions"},
    [X_ABOLISHED] = {"bãi bỏ", "abolished"},
    [X_CHANGE_TARGET] = {"Thủ tục / cơ sở dữ liệu", "Procedure / registry"},
    [X_CHANGE_TEXT] = {"Thay đổi", "Change"},
    [X_CHANGE_BASIS] = {"Căn cứ pháp lý", "Legal basis"},
    [X_CHANGE_COUNTED] = {"Tính vào chi phí", "Counted in the cost"},
    [X_CHANGE_ALONE] = {"Tiết kiệm nếu làm riêng", "Saving alone"},
    [X_CHANGE_ALONE_PCT] = {"% chi phí hiện nay (riêng)", "% of today (alone)"},
    [X_CHANGE_MARGINAL] = {"Tiết kiệm tăng thêm (theo thứ tự)", "Marginal saving (in order)"},
    [X_CHANGE_MARGINAL_PCT] = {"% chi phí hiện nay (tăng thêm)", "% of today (marginal)"},
    [X_YES] = {"có", "yes"},
    [X_NOT_COUNTED] = {"không", "no"},
    [X_KIND] = {"Loại", "Kind"},
    [X_TEXT] = {"Nội dung", "Text"},
    [X_TODAY] = {"hiện nay", "today"},
    [X_AFTER] = {"sau cải cách", "after the reform"},
    [X_SUPERSEDED] = {"thủ tục đã được thay thế, không tính", "superseded, not counted"},
    [X_SENSITIVITY] = {"giả định thay đổi cho lần tính này", "assumption changed for this run"},
    [X_CONFLICT] = {"xung đột giữa các phương án", "conflict between reforms"},
    [X_MODEL] = {"mô hình chi phí", "cost model"},
    [X_METHOD] = {"phương pháp", "method"},
    [X_METHOD_TEXT] = {"Chi phí một hồ sơ = số giờ × thu nhập một giờ + phí, lệ phí + chi phí "
                       "giấy tờ + chi phí đi lại, làm tròn một lần đến đồng (từ 0,5 làm tròn "
                       "lên); số giờ = số phút / 60 (số phút và chi phí giấy tờ ghi đủ mọi chữ "
                       "số thập phân, không làm tròn); chi phí hằng năm = chi phí một hồ sơ × số "
                       "hồ sơ một năm; tiết kiệm = hiện nay − sau cải cách.",
                       "Cost per dossier = hours × hourly income + fees + documents' cost + "
                       "visits' cost, rounded once to the unit (a half rounds up); hours = "
                       "minutes / 60 (minutes and the documents' cost are written with every "
                       "decimal, not rounded); annual cost = cost per dossier × dossiers a year; "
                       "saving = today − after."},
};

static const char *xw(const study_out *o, xword k)
{
    return o->lang == MC_LANG_EN ? xwords[k].en : xwords[k].vi;
}

/* ---- cells -------------------------------------------------------------------------------- */

typedef struct book {
    lxw_workbook *wb;
    const study_out *o;
    lxw_format *head, *money, *hours, *pct, *bold, *bold_money, *bold_pct, *title, *wrap;
    lxw_format *exact;       /* minutes: every decimal shown */
    lxw_format *exact_money; /* a cost with decimals: every decimal shown */
    lxw_error error; /* the first failure of a write; LXW_NO_ERROR while there is none */
} book;

static void keep(book *b, lxw_error e)
{
    if (b->error == LXW_NO_ERROR && e != LXW_NO_ERROR) {
        b->error = e;
    }
}

/* "A1"-style name of a cell (absolute: "$C$3"). */
static void cell(char out[16], lxw_row_t row, lxw_col_t col, bool absolute)
{
    char letters[4];
    size_t n = 0;
    unsigned c = col;
    char rev[4];
    do {
        rev[n++] = (char)('A' + c % 26);
        c = c / 26;
    } while (c-- > 0 && n < 3);
    for (size_t i = 0; i < n; i++) {
        letters[i] = rev[n - 1 - i];
    }
    letters[n] = '\0';
    snprintf(out, 16, "%s%s%s%lu", absolute ? "$" : "", letters, absolute ? "$" : "",
             (unsigned long)row + 1);
}

static void text(book *b, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *s, lxw_format *f)
{
    if (s != NULL && s[0] != '\0') {
        keep(b, worksheet_write_string(ws, r, c, s, f));
    }
}

static void number(book *b, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, double v, lxw_format *f)
{
    keep(b, worksheet_write_number(ws, r, c, v, f));
}

/* A formula with its value cached. */
static void formula(book *b, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *fm,
                    double cached, lxw_format *f)
{
    keep(b, worksheet_write_formula_num(ws, r, c, fm, f, cached));
}

/* ---- the procedures ----------------------------------------------------------------------- */

/* The columns of a procedures sheet. */
enum {
    C_NO,
    C_CODE,
    C_PROC,
    C_NAME,
    C_AGENCY,
    C_SECTOR,
    C_BASIS,
    C_MINUTES,
    C_HOURS,
    C_HOURLY,
    C_TIME,
    C_FEE,
    C_DOCS,
    C_VISITS,
    C_COST,
    C_VOLUME,
    C_ANNUAL,
    C_R_MINUTES,
    C_R_HOURS,
    C_R_TIME,
    C_R_FEE,
    C_R_DOCS,
    C_R_VISITS,
    C_R_COST,
    C_R_VOLUME,
    C_R_ANNUAL,
    C_SAVING,
    C_PCT,
    C_REVENUE,
    C_R_REVENUE,
    C_NOTES,
    C_COUNT
};

enum { HEAD_ROW = 4, FIRST_ROW = 5 }; /* the header row and the first procedure's, from 0 */

/* Where a procedures sheet keeps its totals, for the sheets that refer to them. */
typedef struct totals_at {
    char sheet[40];
    lxw_row_t total; /* the row of "Total" */
} totals_at;

/* v as written in a formula's cache. */
static double d(int64_t v)
{
    return (double)v;
}

/* An exact part of the cost (over MC_COST_EXACT) as the nearest double: the exact decimal read
 * back, correctly rounded. */
static double exact(mc_cost_int v)
{
    char digits[48];
    mc_cost_exact_format(v, digits, sizeof digits);
    return strtod(digits, NULL);
}

/* The columns of one side of a procedure's row: today's or the reforms'. */
typedef struct side_cols {
    lxw_col_t minutes, hours, hourly, time, fee, docs, visits, cost, volume, annual;
} side_cols;

/* hourly C_COUNT: the side has no income column of its own, and refers to $C$3. */
static const side_cols TODAY = {C_MINUTES, C_HOURS,  C_HOURLY, C_TIME,   C_FEE,
                                C_DOCS,    C_VISITS, C_COST,   C_VOLUME, C_ANNUAL};
static const side_cols AFTER = {C_R_MINUTES, C_R_HOURS,  C_COUNT,  C_R_TIME,   C_R_FEE,
                                C_R_DOCS,    C_R_VISITS, C_R_COST, C_R_VOLUME, C_R_ANNUAL};

/* One side of a procedure's row r in the columns k: minutes, hours = minutes / 60, time cost =
 * hours × income (inc: the income's cell, $C$3), fee, documents, visits, cost = ROUND(time +
 * fee + documents + visits, 0), volume, annual = cost × volume. */
static void side_cells(book *b, lxw_worksheet *ws, lxw_row_t r, const mc_study_side *x,
                       const side_cols *k, const char *inc, int64_t income)
{
    char fm[200], a[16], c2[16], c3[16], c4[16];
    double m = exact(x->minutes), h = m / 60, t = h * (double)income;
    number(b, ws, r, k->minutes, m, b->exact);
    cell(a, r, k->minutes, false);
    snprintf(fm, sizeof fm, "=%s/60", a);
    formula(b, ws, r, k->hours, fm, h, b->hours);
    snprintf(c2, sizeof c2, "%s", inc);
    if (k->hourly != C_COUNT) {
        snprintf(fm, sizeof fm, "=%s", inc);
        formula(b, ws, r, k->hourly, fm, (double)income, b->money);
        cell(c2, r, k->hourly, false);
    }
    cell(a, r, k->hours, false);
    snprintf(fm, sizeof fm, "=%s*%s", a, c2);
    formula(b, ws, r, k->time, fm, t, b->money);
    number(b, ws, r, k->fee, d(x->fee), b->money);
    number(b, ws, r, k->docs, exact(x->documents), b->exact_money);
    number(b, ws, r, k->visits, d(x->visits), b->money);
    cell(a, r, k->time, false);
    cell(c2, r, k->fee, false);
    cell(c3, r, k->docs, false);
    cell(c4, r, k->visits, false);
    snprintf(fm, sizeof fm, "=ROUND(%s+%s+%s+%s,0)", a, c2, c3, c4);
    formula(b, ws, r, k->cost, fm, d(x->cost), b->money);
    number(b, ws, r, k->volume, d(x->volume), b->money);
    cell(a, r, k->cost, false);
    cell(c2, r, k->volume, false);
    snprintf(fm, sizeof fm, "=%s*%s", a, c2);
    formula(b, ws, r, k->annual, fm, d(x->annual), b->money);
}

/* One procedure's row r (0-based sheet row). */
static void proc_row(book *b, lxw_worksheet *ws, lxw_row_t r, size_t no, const mc_study_row *x,
                     int64_t income)
{
    const study_out *o = b->o;
    char fm[160], a[16], bb[16], c[16], inc[16];
    cell(inc, 2, 2, true);
    number(b, ws, r, C_NO, (double)no, NULL);
    text(b, ws, r, C_CODE, x->code, NULL);
    text(b, ws, r, C_PROC, x->procedure, NULL);
    const char *title =
        x->p ? mc_text_pick(x->p->titles, x->p->ntitles, o->lang == MC_LANG_EN ? NULL : "vi")
             : NULL;
    text(b, ws, r, C_NAME, title, NULL);
    text(b, ws, r, C_AGENCY, x->agency, NULL);
    text(b, ws, r, C_SECTOR, x->sector, NULL);
    text(b, ws, r, C_BASIS, xw(o, x->assumed ? X_ASSUMED : X_STATISTICS), NULL);
    side_cells(b, ws, r, &x->base, &TODAY, inc, income);
    side_cells(b, ws, r, &x->reform, &AFTER, inc, income);
    /* The saving, its share, the state's revenue. */
    cell(a, r, C_ANNUAL, false);
    cell(bb, r, C_R_ANNUAL, false);
    snprintf(fm, sizeof fm, "=%s-%s", a, bb);
    formula(b, ws, r, C_SAVING, fm, d(x->saving), b->money);
    cell(c, r, C_SAVING, false);
    snprintf(fm, sizeof fm, "=IF(%s=0,0,%s/%s)", a, c, a);
    formula(b, ws, r, C_PCT, fm, x->base.annual ? d(x->saving) / d(x->base.annual) : 0, b->pct);
    cell(a, r, C_FEE, false);
    cell(bb, r, C_VOLUME, false);
    snprintf(fm, sizeof fm, "=%s*%s", a, bb);
    formula(b, ws, r, C_REVENUE, fm, d(x->base.revenue), b->money);
    cell(a, r, C_R_FEE, false);
    cell(bb, r, C_R_VOLUME, false);
    snprintf(fm, sizeof fm, "=%s*%s", a, bb);
    formula(b, ws, r, C_R_REVENUE, fm, d(x->reform.revenue), b->money);
    char notes[1200];
    snprintf(notes, sizeof notes, "%s%s%s%s%s", x->abolished ? xw(o, X_ABOLISHED) : "",
             x->abolished && x->notes[0] ? "; " : "", x->notes, x->reform_notes[0] ? "; " : "",
             x->reform_notes);
    text(b, ws, r, C_NOTES, notes, NULL);
}

/* A total row: SUM (or SUMIF over the basis column when basis is not NULL) of the summed
 * columns, the saving % as a formula. */
static void total_row(book *b, lxw_worksheet *ws, lxw_row_t r, lxw_row_t last, xword label,
                      const char *basis, const mc_study_total *t)
{
    static const lxw_col_t summed[] = {C_ANNUAL, C_R_ANNUAL, C_SAVING, C_REVENUE, C_R_REVENUE};
    const double values[] = {d(t->base), d(t->reform), d(t->saving), d(t->revenue_base),
                             d(t->revenue_reform)};
    text(b, ws, r, C_PROC, xw(b->o, label), b->bold);
    char fm[200], from[16], to[16], bf[16], bt[16];
    cell(bf, FIRST_ROW, C_BASIS, true);
    cell(bt, last, C_BASIS, true);
    for (size_t i = 0; i < sizeof summed / sizeof *summed; i++) {
        cell(from, FIRST_ROW, summed[i], false);
        cell(to, last, summed[i], false);
        if (basis == NULL) {
            snprintf(fm, sizeof fm, "=SUM(%s:%s)", from, to);
        } else {
            snprintf(fm, sizeof fm, "=SUMIF(%s:%s,\"%s\",%s:%s)", bf, bt, basis, from, to);
        }
        formula(b, ws, r, summed[i], fm, values[i], b->bold_money);
    }
    char a[16], s[16];
    cell(a, r, C_ANNUAL, false);
    cell(s, r, C_SAVING, false);
    snprintf(fm, sizeof fm, "=IF(%s=0,0,%s/%s)", a, s, a);
    formula(b, ws, r, C_PCT, fm, t->base ? d(t->saving) / d(t->base) : 0, b->bold_pct);
    char n[32];
    snprintf(n, sizeof n, "%zu", t->n);
    text(b, ws, r, C_NAME, n, b->bold);
}

/* A sheet of the procedures of study i; where its totals are into *at. */
static void procs_sheet(book *b, size_t i, totals_at *at)
{
    const study_out *o = b->o;
    const mc_study *s = o->studies[i];
    if (o->n == 1) {
        snprintf(at->sheet, sizeof at->sheet, "%s", xw(o, X_SHEET_PROCS));
    } else {
        snprintf(at->sheet, sizeof at->sheet,
                 o->lang == MC_LANG_EN ? "Reform %zu" : "Phương án %zu", i + 1);
    }
    lxw_worksheet *ws = workbook_add_worksheet(b->wb, at->sheet);
    if (ws == NULL) {
        keep(b, LXW_ERROR_MEMORY_MALLOC_FAILED);
        return;
    }
    worksheet_set_paper(ws, 9); /* A4 */
    worksheet_set_landscape(ws);
    worksheet_fit_to_pages(ws, 1, 0);
    keep(b, worksheet_repeat_rows(ws, HEAD_ROW, HEAD_ROW));
    worksheet_freeze_panes(ws, FIRST_ROW, C_NAME);
    keep(b, worksheet_set_column(ws, C_NO, C_NO, 5, NULL));
    keep(b, worksheet_set_column(ws, C_CODE, C_CODE, 11, NULL));
    keep(b, worksheet_set_column(ws, C_PROC, C_PROC, 30, NULL));
    keep(b, worksheet_set_column(ws, C_NAME, C_NAME, 40, NULL));
    keep(b, worksheet_set_column(ws, C_AGENCY, C_BASIS, 14, NULL));
    keep(b, worksheet_set_column(ws, C_MINUTES, C_R_REVENUE, 17, NULL));
    keep(b, worksheet_set_column(ws, C_NOTES, C_NOTES, 60, NULL));
    keep(b, worksheet_set_row(ws, HEAD_ROW, 45, NULL));
    text(b, ws, 0, 0, xw(o, X_TITLE), b->title);
    char day[24];
    mc_msg_time(o->lang, o->day, day, sizeof day);
    text(b, ws, 1, 0, xw(o, X_DATE), NULL);
    text(b, ws, 1, 2, day, NULL);
    text(b, ws, 1, 3, xw(o, X_REFORM), NULL);
    const char *label = o->labels && o->labels[i] && o->labels[i][0] ? o->labels[i] : xw(o, X_NONE);
    text(b, ws, 1, 4, label, NULL);
    text(b, ws, 2, 0, xw(o, X_INCOME), NULL);
    int64_t income = s->model.hourly_income.amount;
    number(b, ws, 2, 2, (double)income, b->money); /* $C$3, which every row's income refers to */
    static const xword head[C_COUNT] = {
        X_NO,        X_CODE,        X_PROCEDURE, X_NAME,        X_AGENCY,    X_SECTOR,
        X_BASIS,     X_MINUTES,     X_HOURS,     X_HOURLY,      X_TIME_COST, X_FEE,
        X_DOCUMENTS, X_VISITS,      X_COST,      X_VOLUME,      X_ANNUAL,    X_R_MINUTES,
        X_R_HOURS,   X_R_TIME_COST, X_R_FEE,     X_R_DOCUMENTS, X_R_VISITS,  X_R_COST,
        X_R_VOLUME,  X_R_ANNUAL,    X_SAVING,    X_SAVING_PCT,  X_REVENUE,   X_R_REVENUE,
        X_NOTES};
    for (lxw_col_t c = 0; c < C_COUNT; c++) {
        text(b, ws, HEAD_ROW, c, xw(o, head[c]), b->head);
    }
    for (size_t k = 0; k < s->n; k++) {
        proc_row(b, ws, (lxw_row_t)(FIRST_ROW + k), k + 1, &s->rows[k], income);
    }
    lxw_row_t last = (lxw_row_t)(FIRST_ROW + (s->n ? s->n - 1 : 0));
    at->total = last + 1;
    total_row(b, ws, at->total, last, X_TOTAL, NULL, &s->totals.all);
    total_row(b, ws, at->total + 1, last, X_TOTAL_STATISTICS, xw(o, X_STATISTICS),
              &s->totals.statistics);
    total_row(b, ws, at->total + 2, last, X_TOTAL_ASSUMED, xw(o, X_ASSUMED), &s->totals.assumed);
}

/* ---- the changes, the comparison, the assumptions ----------------------------------------- */

static void changes_sheet(book *b, const totals_at *at)
{
    const study_out *o = b->o;
    lxw_worksheet *ws = workbook_add_worksheet(b->wb, xw(o, X_SHEET_CHANGES));
    if (ws == NULL) {
        keep(b, LXW_ERROR_MEMORY_MALLOC_FAILED);
        return;
    }
    worksheet_set_paper(ws, 9);
    worksheet_set_landscape(ws);
    worksheet_fit_to_pages(ws, 1, 0);
    keep(b, worksheet_set_column(ws, 0, 0, 5, NULL));
    keep(b, worksheet_set_column(ws, 1, 2, 28, NULL));
    keep(b, worksheet_set_column(ws, 3, 4, 40, b->wrap));
    keep(b, worksheet_set_column(ws, 5, 9, 18, NULL));
    static const xword head[] = {X_NO,
                                 X_REFORM,
                                 X_CHANGE_TARGET,
                                 X_CHANGE_TEXT,
                                 X_CHANGE_BASIS,
                                 X_CHANGE_COUNTED,
                                 X_CHANGE_ALONE,
                                 X_CHANGE_ALONE_PCT,
                                 X_CHANGE_MARGINAL,
                                 X_CHANGE_MARGINAL_PCT};
    for (lxw_col_t c = 0; c < sizeof head / sizeof *head; c++) {
        text(b, ws, 0, c, xw(o, head[c]), b->head);
    }
    lxw_row_t r = 1;
    for (size_t i = 0; i < o->n; i++) {
        const mc_study *s = o->studies[i];
        char base[80];
        snprintf(base, sizeof base, "'%s'!%s", at[i].sheet, "");
        char tot[16];
        cell(tot, at[i].total, C_ANNUAL, true);
        for (size_t k = 0; k < s->nchanges; k++, r++) {
            const mc_study_change *c = &s->changes[k];
            char fm[320], a[16];
            number(b, ws, r, 0, (double)r, NULL);
            text(b, ws, r, 1, c->change.reform, NULL);
            text(b, ws, r, 2, c->change.target, NULL);
            /* the change in the workbook's language (brief_change), as the briefing says it */
            char *said = brief_change(o->lang, o->cat, &c->change);
            if (said == NULL) {
                keep(b, LXW_ERROR_MEMORY_MALLOC_FAILED);
            }
            text(b, ws, r, 3, said ? said : c->change.text, b->wrap);
            mc_free(said);
            text(b, ws, r, 4, c->change.legal_basis, b->wrap);
            text(b, ws, r, 5, xw(o, c->counted ? X_YES : X_NOT_COUNTED), NULL);
            if (!c->counted) {
                continue;
            }
            double today = d(s->totals.all.base);
            number(b, ws, r, 6, d(c->alone), b->money);
            cell(a, r, 6, false);
            snprintf(fm, sizeof fm, "=IF(%s%s=0,0,%s/%s%s)", base, tot, a, base, tot);
            formula(b, ws, r, 7, fm, today ? d(c->alone) / today : 0, b->pct);
            number(b, ws, r, 8, d(c->marginal), b->money);
            cell(a, r, 8, false);
            snprintf(fm, sizeof fm, "=IF(%s%s=0,0,%s/%s%s)", base, tot, a, base, tot);
            formula(b, ws, r, 9, fm, today ? d(c->marginal) / today : 0, b->pct);
        }
    }
    if (r > 1) {
        /* The marginal savings add up to the whole saving (one study; several sum theirs). */
        char fm[80], from[16], to[16];
        cell(from, 1, 8, false);
        cell(to, r - 1, 8, false);
        snprintf(fm, sizeof fm, "=SUM(%s:%s)", from, to);
        double sum = 0;
        for (size_t i = 0; i < o->n; i++) {
            for (size_t k = 0; k < o->studies[i]->nchanges; k++) {
                sum +=
                    o->studies[i]->changes[k].counted ? d(o->studies[i]->changes[k].marginal) : 0;
            }
        }
        text(b, ws, r, 2, xw(o, X_TOTAL), b->bold);
        formula(b, ws, r, 8, fm, sum, b->bold_money);
    }
}

static void compare_sheet(book *b, const totals_at *at)
{
    const study_out *o = b->o;
    lxw_worksheet *ws = workbook_add_worksheet(b->wb, xw(o, X_SHEET_COMPARE));
    if (ws == NULL) {
        keep(b, LXW_ERROR_MEMORY_MALLOC_FAILED);
        return;
    }
    worksheet_set_paper(ws, 9);
    worksheet_set_landscape(ws);
    keep(b, worksheet_set_column(ws, 0, 0, 40, NULL));
    keep(b, worksheet_set_column(ws, 1, 6, 20, NULL));
    static const xword head[] = {X_REFORM,     X_ANNUAL,  X_R_ANNUAL, X_SAVING,
                                 X_SAVING_PCT, X_REVENUE, X_R_REVENUE};
    static const lxw_col_t from[] = {0,     C_ANNUAL,  C_R_ANNUAL, C_SAVING,
                                     C_PCT, C_REVENUE, C_R_REVENUE};
    for (lxw_col_t c = 0; c < sizeof head / sizeof *head; c++) {
        text(b, ws, 0, c, xw(o, head[c]), b->head);
    }
    for (size_t i = 0; i < o->n; i++) {
        const mc_study_total *t = &o->studies[i]->totals.all;
        lxw_row_t r = (lxw_row_t)(i + 1);
        text(b, ws, r, 0, o->labels && o->labels[i][0] ? o->labels[i] : xw(o, X_NONE), NULL);
        const double values[] = {0,
                                 d(t->base),
                                 d(t->reform),
                                 d(t->saving),
                                 t->base ? d(t->saving) / d(t->base) : 0,
                                 d(t->revenue_base),
                                 d(t->revenue_reform)};
        for (lxw_col_t c = 1; c < sizeof head / sizeof *head; c++) {
            char fm[80], ref[16];
            cell(ref, at[i].total, from[c], true);
            snprintf(fm, sizeof fm, "='%s'!%s", at[i].sheet, ref);
            formula(b, ws, r, c, fm, values[c], c == 4 ? b->pct : b->money);
        }
    }
}

static void assumption(book *b, lxw_worksheet *ws, lxw_row_t *r, const char *kind, const char *what,
                       const char *line)
{
    text(b, ws, *r, 0, kind, NULL);
    text(b, ws, *r, 1, what, NULL);
    text(b, ws, *r, 2, line, b->wrap);
    (*r)++;
}

/* Sentence i of a study in the workbook's language, into out: its message when the study has
 * them (said), else its English line. */
static const char *sentence(const study_out *o, const mc_study_said *said, size_t i,
                            char *const *lines, char *out, size_t outsz)
{
    if (said == NULL) {
        return lines[i];
    }
    mc_study_say(&said[i], o->lang, out, outsz);
    return out;
}

static void assumptions_sheet(book *b)
{
    const study_out *o = b->o;
    lxw_worksheet *ws = workbook_add_worksheet(b->wb, xw(o, X_SHEET_ASSUMPTIONS));
    if (ws == NULL) {
        keep(b, LXW_ERROR_MEMORY_MALLOC_FAILED);
        return;
    }
    worksheet_set_paper(ws, 9);
    keep(b, worksheet_set_column(ws, 0, 0, 34, NULL));
    keep(b, worksheet_set_column(ws, 1, 1, 34, NULL));
    keep(b, worksheet_set_column(ws, 2, 2, 90, b->wrap));
    text(b, ws, 0, 0, xw(o, X_KIND), b->head);
    text(b, ws, 0, 1, xw(o, X_PROCEDURE), b->head);
    text(b, ws, 0, 2, xw(o, X_TEXT), b->head);
    lxw_row_t r = 1;
    const mc_study *s = o->studies[0];
    char model[300], hpd[32], income[64];
    mc_fixed_format(s->model.hours_per_day, hpd);
    mc_msg_money(o->lang, (long long)s->model.hourly_income.amount, s->model.hourly_income.currency,
                 income, sizeof income);
    snprintf(model, sizeof model,
             o->lang == MC_LANG_EN ? "%s: hourly income %s, %s hours a day, waiting %s"
                                   : "%s: thu nhập %s một giờ, %s giờ một ngày, thời gian "
                                     "chờ %s",
             s->model.name, income, hpd,
             s->model.count_waiting ? (o->lang == MC_LANG_EN ? "counted" : "có tính")
                                    : (o->lang == MC_LANG_EN ? "not counted" : "không tính"));
    assumption(b, ws, &r, xw(o, X_METHOD), "", xw(o, X_METHOD_TEXT));
    assumption(b, ws, &r, xw(o, X_MODEL), "", model);
    char line[2048];
    for (size_t i = 0; i < s->nsensitivity; i++) {
        assumption(b, ws, &r, xw(o, X_SENSITIVITY), "",
                   sentence(o, s->sensitivity_said, i, s->sensitivity, line, sizeof line));
    }
    for (size_t i = 0; i < s->nsuperseded; i++) {
        const char *colon = strchr(s->superseded[i], ':');
        char name[MC_STUDY_ARGSZ];
        if (s->superseded_said != NULL) {
            snprintf(name, sizeof name, "%s", s->superseded_said[i].args[0]);
        } else {
            snprintf(name, sizeof name, "%.*s",
                     colon ? (int)(colon - s->superseded[i]) : (int)strlen(s->superseded[i]),
                     s->superseded[i]);
        }
        assumption(b, ws, &r, xw(o, X_SUPERSEDED), name,
                   sentence(o, s->superseded_said, i, s->superseded, line, sizeof line));
    }
    for (size_t k = 0; k < o->n; k++) {
        const mc_study *t = o->studies[k];
        for (size_t i = 0; i < t->nconflicts; i++) {
            assumption(b, ws, &r, xw(o, X_CONFLICT), o->labels[k],
                       sentence(o, t->conflicts_said, i, t->conflicts, line, sizeof line));
        }
    }
    /* What each procedure's figures assume, today and (when it differs) after. */
    for (size_t k = 0; k < o->n; k++) {
        const mc_study *t = o->studies[k];
        for (size_t i = 0; i < t->n; i++) {
            const mc_study_row *x = &t->rows[i];
            if (k == 0 && x->notes[0] != '\0') {
                assumption(b, ws, &r, xw(o, X_TODAY), x->procedure, x->notes);
            }
            if (x->reform_notes[0] != '\0') {
                char kind[120];
                snprintf(kind, sizeof kind, "%s%s%s", xw(o, X_AFTER), o->n > 1 ? ": " : "",
                         o->n > 1 ? o->labels[k] : "");
                assumption(b, ws, &r, kind, x->procedure, x->reform_notes);
            }
        }
    }
}

/* ---- the workbook ------------------------------------------------------------------------- */

static lxw_format *fmt(book *b, const char *num, bool bold, bool head)
{
    lxw_format *f = workbook_add_format(b->wb);
    if (f == NULL) {
        keep(b, LXW_ERROR_MEMORY_MALLOC_FAILED);
        return NULL;
    }
    if (num != NULL) {
        format_set_num_format(f, num);
    }
    if (bold) {
        format_set_bold(f);
    }
    if (head) {
        format_set_text_wrap(f);
        format_set_bg_color(f, 0xEEF2F6);
        format_set_border(f, LXW_BORDER_THIN);
    }
    return f;
}

int study_xlsx_write(const char *path, const study_out *o, mc_error *err)
{
    if (o->n == 0) {
        return mc_error_set(err, MC_EUSAGE, "a workbook needs a study");
    }
    char *tmp = mc_format("%s.tmp", path);
    totals_at *at = calloc(o->n, sizeof *at);
    if (tmp == NULL || at == NULL) {
        mc_free(tmp);
        free(at);
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    book b = {.o = o, .error = LXW_NO_ERROR};
    /* The file is created only by workbook_close: check now that it can be. */
    FILE *probe = fopen(tmp, "wb");
    if (probe == NULL) {
        int rc = mc_error_set(err, MC_EIO, "cannot write %s: %s", path, strerror(errno));
        mc_free(tmp);
        free(at);
        return rc;
    }
    fclose(probe);
    b.wb = workbook_new(tmp);
    if (b.wb == NULL) {
        remove(tmp);
        mc_free(tmp);
        free(at);
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    b.head = fmt(&b, NULL, true, true);
    b.money = fmt(&b, "#,##0", false, false);
    b.hours = fmt(&b, "0.00", false, false);
    /* two decimals always (no bare "2,650."), then as many as there are, up to 18 */
    b.exact = fmt(&b, "#,##0.00################", false, false);
    b.exact_money = b.exact;
    b.pct = fmt(&b, "0.00%", false, false);
    b.bold = fmt(&b, NULL, true, false);
    b.bold_money = fmt(&b, "#,##0", true, false);
    b.bold_pct = fmt(&b, "0.00%", true, false);
    b.title = fmt(&b, NULL, true, false);
    b.wrap = workbook_add_format(b.wb);
    if (b.title != NULL) {
        format_set_font_size(b.title, 14);
    }
    if (b.wrap != NULL) {
        format_set_text_wrap(b.wrap);
    }
    if (o->n > 1) {
        /* The comparison first refers to the sheets after it: their names are known. */
        for (size_t i = 0; i < o->n; i++) {
            snprintf(at[i].sheet, sizeof at[i].sheet,
                     o->lang == MC_LANG_EN ? "Reform %zu" : "Phương án %zu", i + 1);
            at[i].total = (lxw_row_t)(FIRST_ROW + (o->studies[i]->n ? o->studies[i]->n : 1));
        }
        compare_sheet(&b, at);
    }
    for (size_t i = 0; i < o->n; i++) {
        procs_sheet(&b, i, &at[i]);
    }
    changes_sheet(&b, at);
    assumptions_sheet(&b);
    lxw_error e = b.error;
    errno = 0;
    lxw_error closed = workbook_close(b.wb); /* frees it in every case */
    int saved = errno;
    e = e != LXW_NO_ERROR ? e : closed;
    int rc = 0;
    if (e == LXW_ERROR_MEMORY_MALLOC_FAILED) {
        rc = mc_error_set(err, MC_ENOMEM, "out of memory");
    } else if (e != LXW_NO_ERROR) {
        rc = mc_error_set(err, MC_EIO, "cannot write %s: %s", path,
                          saved != 0 && e == LXW_ERROR_CREATING_XLSX_FILE ? strerror(saved)
                                                                          : lxw_strerror(e));
    } else if (rename(tmp, path) != 0) {
        rc = mc_error_set(err, MC_EIO, "cannot write %s: %s", path, strerror(errno));
    }
    if (rc != 0) {
        remove(tmp);
    }
    mc_free(tmp);
    free(at);
    return rc;
}
