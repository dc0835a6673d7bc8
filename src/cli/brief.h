/*
 * What the briefings of `cost` (study_page.c) and `simulate` (sim_page.c) share: a table of the
 * page's words in both languages with whole sentences and numbered placeholders, figures written
 * for people (thousands grouped in the language's separators, amounts in triệu / tỷ đồng,
 * percentages), the caveats box ("Lưu ý") and the A4 print layout. Vietnamese is the default
 * language of every briefing; English is the other (MC_LANG_EN).
 */
#ifndef MOTCUA_CLI_BRIEF_H
#define MOTCUA_CLI_BRIEF_H

#include "html.h"

#include "motcua/catalogue.h"
#include "motcua/msg.h"
#include "motcua/reform.h"

#include <stdarg.h>
#include <stdint.h>

/* One entry of a page's words: the Vietnamese and the English text. A page keeps an array of
 * them indexed by its own enum. */
typedef struct brief_word {
    const char *vi, *en;
} brief_word;

/* The text of w in lang (English for MC_LANG_EN, Vietnamese otherwise); borrowed from w. */
const char *brief_text(mc_lang lang, const brief_word *w);

/* The sentence w in lang with {1} to {4} replaced by the arguments that follow, a NULL after the
 * last ("{N}" without its argument stays as written). Returns a string the caller frees with
 * mc_free, or NULL when out of memory. brief_vsay takes the arguments as a va_list. */
char *brief_say(mc_lang lang, const brief_word *w, ...);
char *brief_vsay(mc_lang lang, const brief_word *w, va_list ap);

/* html_meta of the sentence w with one to four arguments (a NULL after the last); out of memory
 * marks the page failed (html_set_error). */
void brief_meta(html *h, mc_lang lang, const brief_word *w, ...);

/* |v| with its thousands grouped in lang ('.' in Vietnamese, ',' in English), sign kept:
 * "-1.234.567" ("-1,234,567"). */
void brief_grouped(mc_lang lang, int64_t v, char out[32]);

/* v / unit with decimals (1 or 2) decimals, rounded half away from zero, in lang's separators:
 * "8.964,2", "90,78" (English "8,964.2", "90.78"); unit is a power of ten at least 10^decimals.
 * No minus sign when the rounded value is 0. */
void brief_decimal(mc_lang lang, int64_t v, int64_t unit, int decimals, char out[40]);

/* An amount as a committee reads it: VND (currency NULL or "VND") from 999.950.000 in tỷ đồng
 * with one decimal ("8.964,2 tỷ đồng"), from 999.950 in triệu đồng ("415,0 triệu đồng"), below
 * in đồng ("262.400 đồng"); English "billion VND", "million VND", "VND". Another currency in its
 * units, grouped ("1.500 USD"). */
void brief_amount(mc_lang lang, const char *currency, int64_t v, char out[64]);

/* An amount to the unit (a cost per dossier): "1.675.823 đồng" ("1,675,823 VND"); another
 * currency in its units ("1.500 USD"). */
void brief_amount_exact(mc_lang lang, const char *currency, int64_t v, char out[64]);

/* Hundredths of a percent as "90,78%" ("90.78%"). */
void brief_percent(mc_lang lang, int64_t bp, char out[48]);

/* A count, grouped: "1.234" ("1,234"). */
void brief_count(mc_lang lang, int64_t n, char out[32]);

/* The share part / whole in hundredths of a percent, rounded half away from zero; 0 when whole
 * is 0. */
int64_t brief_share_bp(int64_t part, int64_t whole);

/* A double rounded half away from zero to the nearest integer (amounts of the simulator, which
 * are means); values beyond ±9.2e18 are clamped. */
int64_t brief_round(double v);

/* A thing people read by its title: its title in lang (Vietnamese first, mc_title) and, when it
 * has one, its name after a newline, which a table cell shows small under it ("Đăng ký khai
 * sinh\nbirth-registration"); only the name when it has no title. The caller frees it with
 * mc_free; NULL when out of memory. */
char *brief_titled(mc_lang lang, const mc_text *titles, size_t ntitles, const char *name);

/* What a reform's change changes (c->target), for a table cell: the procedure's, registry's
 * or (a `staff` line) agency's title with its name under it (brief_titled); the name alone when
 * cat is NULL or lacks it. */
char *brief_change_target(mc_lang lang, const mc_catalogue *cat, const mc_reform_change *c);

/* A reform's change said in lang from its kind, directive, element and value (reform.h), with
 * the titles of the documents, registries, procedures, agencies, fields and states it names
 * (from cat, which may be NULL: their names): "Thời hạn giải quyết: 3 ngày làm việc", "Không
 * yêu cầu nộp: Sổ hộ khẩu", "Cơ sở dữ liệu hộ tịch lưu giữ: Giấy xác nhận tình trạng hôn nhân",
 * "Tỷ lệ bao phủ: 95%", "Số lần đi lại: 0", "Bãi bỏ thủ tục", "Bố trí 6 cán bộ vai trò Cán bộ
 * một cửa tại UBND xã" (English with MC_LANG_EN:
 * "Time limit: 3 working days"…). Durations in words (wd: ngày làm việc, d: ngày, wh: giờ làm
 * việc, h: giờ, min: phút). A kind or directive it does not know, or a value it cannot read,
 * is the change's text as written. The caller frees it with mc_free; NULL when out of memory. */
char *brief_change(mc_lang lang, const mc_catalogue *cat, const mc_reform_change *c);

/* The caveats box: brief_caveats_begin opens it under its title ("Lưu ý", "Caveats"), each
 * brief_caveat adds one line and frees it with mc_free (a NULL line, a sentence that could not
 * be allocated, marks the page out of memory), brief_caveats_end closes it. */
void brief_caveats_begin(html *h, mc_lang lang);
void brief_caveat(html *h, char *line);
void brief_caveats_end(html *h);

/* The print layout of a briefing (html_open_doc's extra_style): A4, 190 mm of text, tables
 * that wrap instead of scrolling sideways, smaller table type on paper, a table longer than
 * what is left of a sheet continuing on the next (its rows kept whole), headings kept with what
 * follows and boxes kept whole. BRIEF_PRINT_STYLE is the same text as a literal, for a page that
 * adds its own rules after it. */
#define BRIEF_PRINT_STYLE                                                                          \
    "body{max-width:190mm}\n"                                                                      \
    ".figure{min-width:9em}\n"                                                                     \
    "table{width:100%}\n"                                                                          \
    "td.t{min-width:0}\n"                                                                          \
    "@page{size:A4;margin:14mm 12mm}\n"                                                            \
    "@media print{body{font-size:10pt;max-width:none}.scroll{overflow:visible}"                    \
    "table{font-size:8pt;break-inside:auto}tr{break-inside:avoid}h2{break-after:avoid}"          \
    ".box{break-inside:avoid}}\n"
extern const char brief_print_style[];

#endif
