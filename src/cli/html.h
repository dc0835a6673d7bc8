/*
 * One self-contained HTML5 page for a briefing: text, tables and inline SVG charts, with its
 * style inline, no script and no reference to anything outside the file (no font, no image,
 * no link), so that it opens the same on a machine without a network. The page is written to
 * PATH.tmp and renamed to PATH only when every byte was written, so a failure never leaves a
 * partial page behind.
 *
 * The writer only renders: the commands decide what to show and format their own figures.
 * Every text is HTML-escaped (& < > " ') and otherwise passed through unchanged (UTF-8).
 * Writing functions do not return errors: the first failure is kept, everything after it is
 * skipped, and html_close reports it. Strings passed in are borrowed for the call only.
 */
#ifndef MOTCUA_CLI_HTML_H
#define MOTCUA_CLI_HTML_H

#include "motcua/error.h"

#include <stddef.h>

typedef struct html html; /* a page being written */

/* ---- the page --------------------------------------------------------------------------- */

/* Creates PATH.tmp and writes the head of a page titled title (also its first heading).
 * Returns 0 and sets *out, or MC_EIO with "cannot write PATH: REASON" (nothing is left on
 * disk), or MC_ENOMEM. The caller ends the page with html_close or html_discard. */
int html_open(html **out, const char *path, const char *title, mc_error *err);
/* As html_open, with the page's language (its lang attribute: "vi", "en") and CSS added after
 * the page's own (extra_style may be NULL): a briefing's print layout. On a "vi" page the
 * numbers the charts write themselves (axes, values without a caller's text, the share
 * charts' values and percentages) take Vietnamese separators ("1.234", "95,90%") and an empty
 * chart says "không có số liệu". */
int html_open_doc(html **out, const char *path, const char *title, const char *lang,
                  const char *extra_style, mc_error *err);
/* Ends the page, puts it on disk and renames PATH.tmp to PATH. Returns 0, or MC_EIO with
 * "cannot write PATH: REASON" when any write, the flush or the rename failed (MC_ENOMEM when
 * the failure was out of memory); PATH.tmp is then removed and PATH is left as it was. Frees h
 * in every case; html_close(NULL, err) returns 0. */
int html_close(html *h, mc_error *err);
/* Frees h and removes PATH.tmp, leaving PATH as it was (a command that failed after opening
 * its page). html_discard(NULL) is a no-op. */
void html_discard(html *h);

/* Marks the page as failed with errnum (ENOMEM when the caller could not allocate what it
 * meant to show), so that html_close reports it and leaves no page. The first failure wins. */
void html_set_error(html *h, int errnum);

/* ---- text ------------------------------------------------------------------------------- */

#if defined(__GNUC__)
#define HTML_PRINTF __attribute__((format(printf, 2, 3)))
#else
#define HTML_PRINTF
#endif

/* A line of smaller text under the title (the catalogue, the date, the reform…), a section
 * heading, a paragraph: printf-style, the result escaped. */
void html_meta(html *h, const char *fmt, ...) HTML_PRINTF;
void html_heading(html *h, const char *fmt, ...) HTML_PRINTF;
void html_para(html *h, const char *fmt, ...) HTML_PRINTF;
/* A box set apart from the text (the caveats of a briefing): html_box_begin with its title,
 * then paragraphs and lists, then html_box_end. */
void html_box_begin(html *h, const char *title);
void html_box_end(html *h);
/* A list: html_list_begin, one html_item per entry, html_list_end. term, when not NULL, is
 * shown in bold before text ("term: text"). */
void html_list_begin(html *h);
void html_item(html *h, const char *term, const char *text);
void html_list_end(html *h);

/* Key figures in large type, side by side: value over its label ("8,964,107,500,000 VND" over
 * "annual saving"). */
typedef struct html_figure {
    const char *value;
    const char *label;
} html_figure;
void html_figures(html *h, const html_figure *figures, size_t n);

/* ---- tables ----------------------------------------------------------------------------- */

/* A table of ncols columns: html_table_begin with the header cells and the alignment of each
 * column (align[c] is 'r' for a right-aligned, numeric column, anything else for text), then
 * one call per row with ncols cells already formatted, then html_table_end. caption may be
 * NULL. A cell's text after its first newline, if any, is shown on a second, smaller line
 * (a procedure's name, then its title). A total row is emphasised. */
void html_table_begin(html *h, const char *caption, const char *const *head, size_t ncols,
                      const char *align);
void html_table_row(html *h, const char *const *cells);
void html_table_total(html *h, const char *const *cells);
void html_table_end(html *h);

/* ---- charts ----------------------------------------------------------------------------- */

/* One series of a chart: its name in the legend and one value per category. texts[i], when
 * texts is not NULL, is the label shown at value i ("262,400"); else the value is shown with
 * its thousands separated, and two decimals unless it is whole. */
typedef struct html_series {
    const char *name;
    const double *values;
    const char *const *texts;
} html_series;

enum { HTML_MAX_SERIES = 4 };

/* A horizontal bar chart of n categories (labels[i], top to bottom) with nseries bars each
 * (1 to HTML_MAX_SERIES), the bars of a category grouped, a value label at the end of each bar
 * and a legend (more series than that are not drawn). Scaled to the largest magnitude;
 * negative values extend left of a zero line; all-zero data draws empty bars. A label too long
 * for its column is cut with "…" (whole in a tooltip). n or nseries 0: a chart saying "no
 * data". Non-finite values count as 0. */
void html_bar_chart(html *h, const char *title, const char *const *labels, size_t n,
                    const html_series *series, size_t nseries);

/* A diverging bar chart of one signed figure per category (a saving): values->values[i] above 0
 * drawn right of a zero line in green, below 0 left of it in red, each bar labelled with its
 * text (values->texts, or the number); categories top to bottom as given (html_diverging_pick
 * chooses and orders them), a legend naming the two colours gain and loss. Scaled to the
 * largest magnitude; drawn 720 pixels wide (the text width of an A4 page, so that its words
 * print at the page's size), labels cut at 34 characters (whole in a tooltip); n 0: a chart
 * saying "no data". */
void html_diverging_chart(html *h, const char *title, const char *const *labels, size_t n,
                          const html_series *values, const char *gain, const char *loss);

/* The categories a diverging chart of at most k bars shows, as indices into values (n of them)
 * written to out (room for n): the gains, largest first, then the losses, the largest last.
 * When there are more than k, the largest magnitudes of each sign are kept, losses keeping up
 * to half of the k places: a change that costs more is never crowded out by savings. Zero
 * and non-finite values are not shown. Returns how many out holds (<= k). Not reentrant. */
size_t html_diverging_pick(const double *values, size_t n, size_t k, size_t *out);

/* A column chart (a histogram) over n ordered bins (labels[i], left to right: "0", "1", …,
 * "30+"), nseries columns a bin side by side (1 to HTML_MAX_SERIES), a y axis with round
 * ticks and a legend. Value labels are drawn above the columns when they fit, bin labels every
 * k-th bin when they would overlap. Negative and non-finite values are drawn as 0; n or nseries
 * 0 as for html_bar_chart. */
void html_column_chart(html *h, const char *title, const char *const *labels, size_t n,
                       const html_series *series, size_t nseries);

/* One row of a share chart: a bar from 0 to 100% split into nparts parts (1 to
 * HTML_MAX_PARTS) in proportion to values (negative values count as 0), each part named. The
 * parts are green, red, amber and grey in that order: put the good share first. */
enum { HTML_MAX_PARTS = 4 };
typedef struct html_share {
    const char *label;
    size_t nparts;
    const char *names[HTML_MAX_PARTS];
    double values[HTML_MAX_PARTS];
} html_share;

/* A share chart of n rows (on time against late, fetched against asked, baseline against
 * reform…), each part labelled with its value and its percentage (two decimals, rounded half
 * up). A row whose values add up to 0 shows an empty bar marked "no data". n may be 0. */
void html_share_chart(html *h, const char *title, const html_share *rows, size_t n);

#endif
