/* One self-contained HTML page: the file and its errors, text, tables, and SVG charts drawn
 * from numbers. Geometry is computed here in pixels of a fixed-width drawing that the browser
 * scales (viewBox), so the page needs no script. */
#include "html.h"

#include "cli.h"

#include "base/buf.h"

#include "motcua/alloc.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct html {
    FILE *f;
    char *path;  /* PATH, as given */
    char *tmp;   /* PATH.tmp, written first */
    int error;   /* errno of the first failure, 0 while there is none */
    char *align; /* the columns of the open table: 'r' right-aligned */
    size_t ncols;
    bool vi;     /* a Vietnamese page (html_open_doc "vi"): "1.234,5", "không có số liệu" */
};

/* ---- writing ------------------------------------------------------------------------------ */

/* Every write goes through these two, which keep the first failure and skip what follows. */
static void put(html *h, const char *s, size_t n)
{
    if (h->error != 0 || n == 0) {
        return;
    }
    errno = 0;
    if (fwrite(s, 1, n, h->f) != n) {
        h->error = errno ? errno : EIO;
    }
}

static void putf(html *h, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void putf(html *h, const char *fmt, ...)
{
    if (h->error != 0) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    errno = 0;
    if (vfprintf(h->f, fmt, ap) < 0) {
        h->error = errno ? errno : EIO;
    }
    va_end(ap);
}

static void puts_(html *h, const char *s)
{
    put(h, s, strlen(s));
}

/* s with & < > " ' as entities; the rest, UTF-8 included, as it is. */
static void esc(html *h, const char *s)
{
    if (s == NULL) {
        return;
    }
    const char *run = s;
    for (; *s != '\0'; s++) {
        const char *e = NULL;
        switch (*s) {
        case '&':
            e = "&amp;";
            break;
        case '<':
            e = "&lt;";
            break;
        case '>':
            e = "&gt;";
            break;
        case '"':
            e = "&quot;";
            break;
        case '\'':
            e = "&#39;";
            break;
        default:
            continue;
        }
        put(h, run, (size_t)(s - run));
        puts_(h, e);
        run = s + 1;
    }
    put(h, run, (size_t)(s - run));
}

/* <tag class="cls">the formatted text, escaped</tag> */
static void element(html *h, const char *tag, const char *cls, const char *fmt, va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 0)))
#endif
    ;

static void element(html *h, const char *tag, const char *cls, const char *fmt, va_list ap)
{
    char *text = mc_vformat(fmt, ap);
    if (text == NULL) {
        html_set_error(h, ENOMEM);
        return;
    }
    putf(h, "<%s%s%s%s>", tag, cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
    esc(h, text);
    putf(h, "</%s>\n", tag);
    mc_free(text);
}

/* ---- the page ----------------------------------------------------------------------------- */

/* System fonts only: a font by URL would need the network. */
static const char style[] =
    "body{font-family:\"DejaVu Sans\",\"Liberation Sans\",Arial,Helvetica,sans-serif;"
    "color:#1d2733;background:#fff;max-width:1200px;margin:1.5em auto;padding:0 1.5em;"
    "line-height:1.45}\n"
    "h1{font-size:1.6em;margin:0 0 .3em}\n"
    "h2{font-size:1.2em;margin:1.8em 0 .6em;padding-bottom:.2em;border-bottom:2px solid #d5dde6}\n"
    ".meta{color:#4f5d6e;margin:.1em 0}\n"
    ".figures{display:flex;flex-wrap:wrap;gap:.8em;margin:1.2em 0}\n"
    ".figure{border:1px solid #d5dde6;border-radius:6px;padding:.5em 1em;min-width:11em}\n"
    ".figure .v{font-size:1.25em;font-weight:bold;white-space:nowrap}\n"
    ".figure .l{color:#4f5d6e;font-size:.9em}\n"
    ".scroll{overflow-x:auto}\n"
    "table{border-collapse:collapse;font-size:.8em;margin:.4em 0 1.2em}\n"
    "caption{text-align:left;font-weight:bold;padding:.3em 0}\n"
    "th,td{padding:.3em .45em;border-bottom:1px solid #e3e8ee;vertical-align:top}\n"
    "th{background:#eef2f6;text-align:left}\n"
    ".r{text-align:right;font-variant-numeric:tabular-nums}\n"
    "td.r{white-space:nowrap}\n"
    "td.t{min-width:12em}\n"
    ".sub{color:#4f5d6e;font-size:.9em}\n"
    "tr.total td{font-weight:bold;border-top:2px solid #1d2733}\n"
    "figure{margin:1em 0 1.6em}\n"
    "figcaption{font-weight:bold;margin-bottom:.4em}\n"
    "svg{display:block;max-width:100%;height:auto}\n"
    "svg text{font-family:inherit;fill:#1d2733}\n"
    "svg text.in{fill:#fff}\n"
    ".box{border:2px solid #e0a458;background:#fff8ec;border-radius:6px;padding:.2em 1em;"
    "margin:1em 0}\n"
    ".box h3{font-size:1em;margin:.5em 0 .2em}\n"
    "@media print{body{max-width:none;margin:0}figure,table{break-inside:avoid}}\n";

static char *concat(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    char *s = malloc(na + nb + 1);
    if (s != NULL) {
        memcpy(s, a, na);
        memcpy(s + na, b, nb + 1);
    }
    return s;
}

static void html_free(html *h)
{
    free(h->path);
    free(h->tmp);
    free(h->align);
    free(h);
}

int html_open(html **out, const char *path, const char *title, mc_error *err)
{
    return html_open_doc(out, path, title, "en", NULL, err);
}

int html_open_doc(html **out, const char *path, const char *title, const char *lang,
                  const char *extra_style, mc_error *err)
{
    *out = NULL;
    html *h = calloc(1, sizeof *h);
    if (h == NULL || (h->path = concat(path, "")) == NULL ||
        (h->tmp = concat(path, ".tmp")) == NULL) {
        if (h != NULL) {
            html_free(h);
        }
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    h->f = fopen(h->tmp, "w");
    if (h->f == NULL) {
        int rc = mc_error_set(err, MC_EIO, "cannot write %s: %s", path, strerror(errno));
        html_free(h);
        return rc;
    }
    /* The policy forbids every load from outside: a page that needed one would show it. */
    h->vi = strcmp(lang, "vi") == 0;
    puts_(h, "<!DOCTYPE html>\n<html lang=\"");
    esc(h, lang);
    puts_(h, "\">\n<head>\n<meta charset=\"utf-8\">\n"
             "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
             "style-src 'unsafe-inline'\">\n"
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
             "<title>");
    esc(h, title);
    puts_(h, "</title>\n<style>\n");
    puts_(h, style);
    if (extra_style != NULL) {
        puts_(h, extra_style);
    }
    puts_(h, "</style>\n</head>\n<body>\n<main>\n<h1>");
    esc(h, title);
    puts_(h, "</h1>\n");
    *out = h;
    return 0;
}

int html_close(html *h, mc_error *err)
{
    if (h == NULL) {
        return 0;
    }
    puts_(h, "</main>\n</body>\n</html>\n");
    errno = 0;
    if (h->error == 0 && fflush(h->f) != 0) {
        h->error = errno ? errno : EIO;
    }
    /* On disk before the rename, so that PATH is the old page or the whole new one. */
    if (h->error == 0 && fsync(fileno(h->f)) != 0) {
        h->error = errno ? errno : EIO;
    }
    if (fclose(h->f) != 0 && h->error == 0) {
        h->error = errno ? errno : EIO;
    }
    h->f = NULL;
    if (h->error == 0 && rename(h->tmp, h->path) != 0) {
        h->error = errno ? errno : EIO;
    }
    int rc = 0;
    if (h->error != 0) {
        remove(h->tmp);
        rc = mc_error_set(err, h->error == ENOMEM ? MC_ENOMEM : MC_EIO, "cannot write %s: %s",
                          h->path, strerror(h->error));
    }
    html_free(h);
    return rc;
}

void html_discard(html *h)
{
    if (h == NULL) {
        return;
    }
    fclose(h->f);
    remove(h->tmp);
    html_free(h);
}

void html_set_error(html *h, int errnum)
{
    if (h->error == 0) {
        h->error = errnum;
    }
}

/* ---- text --------------------------------------------------------------------------------- */

void html_meta(html *h, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    element(h, "p", "meta", fmt, ap);
    va_end(ap);
}

void html_heading(html *h, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    element(h, "h2", NULL, fmt, ap);
    va_end(ap);
}

void html_para(html *h, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    element(h, "p", NULL, fmt, ap);
    va_end(ap);
}

void html_box_begin(html *h, const char *title)
{
    puts_(h, "<aside class=\"box\">\n<h3>");
    esc(h, title);
    puts_(h, "</h3>\n");
}

void html_box_end(html *h)
{
    puts_(h, "</aside>\n");
}

void html_list_begin(html *h)
{
    puts_(h, "<ul>\n");
}

void html_item(html *h, const char *term, const char *text)
{
    puts_(h, "<li>");
    if (term != NULL) {
        puts_(h, "<b>");
        esc(h, term);
        puts_(h, "</b>: ");
    }
    esc(h, text);
    puts_(h, "</li>\n");
}

void html_list_end(html *h)
{
    puts_(h, "</ul>\n");
}

void html_figures(html *h, const html_figure *figures, size_t n)
{
    puts_(h, "<div class=\"figures\">\n");
    for (size_t i = 0; i < n; i++) {
        puts_(h, "<div class=\"figure\"><div class=\"v\">");
        esc(h, figures[i].value);
        puts_(h, "</div><div class=\"l\">");
        esc(h, figures[i].label);
        puts_(h, "</div></div>\n");
    }
    puts_(h, "</div>\n");
}

/* ---- tables ------------------------------------------------------------------------------- */

/* Numbers right-aligned; text columns wide enough that a title wraps into a few lines only. */
static const char *cell_class(const html *h, size_t c)
{
    return h->align != NULL && h->align[c] == 'r' ? " class=\"r\"" : " class=\"t\"";
}

void html_table_begin(html *h, const char *caption, const char *const *head, size_t ncols,
                      const char *align)
{
    free(h->align);
    h->ncols = ncols;
    h->align = calloc(ncols + 1, 1);
    if (h->align == NULL) {
        html_set_error(h, ENOMEM);
        return;
    }
    for (size_t c = 0; c < ncols && align != NULL && align[c] != '\0'; c++) {
        h->align[c] = align[c];
    }
    puts_(h, "<div class=\"scroll\"><table>\n");
    if (caption != NULL) {
        puts_(h, "<caption>");
        esc(h, caption);
        puts_(h, "</caption>\n");
    }
    puts_(h, "<thead><tr>");
    for (size_t c = 0; c < ncols; c++) {
        putf(h, "<th%s>", cell_class(h, c));
        esc(h, head[c]);
        puts_(h, "</th>");
    }
    puts_(h, "</tr></thead>\n<tbody>\n");
}

static void table_row(html *h, const char *const *cells, const char *tr)
{
    puts_(h, tr);
    for (size_t c = 0; c < h->ncols; c++) {
        const char *text = cells[c] ? cells[c] : "";
        const char *nl = strchr(text, '\n');
        putf(h, "<td%s>", cell_class(h, c));
        if (nl == NULL) {
            esc(h, text);
        } else {
            char *first = malloc((size_t)(nl - text) + 1);
            if (first == NULL) {
                html_set_error(h, ENOMEM);
                return;
            }
            memcpy(first, text, (size_t)(nl - text));
            first[nl - text] = '\0';
            esc(h, first);
            puts_(h, "<br><span class=\"sub\">");
            esc(h, nl + 1);
            puts_(h, "</span>");
            free(first);
        }
        puts_(h, "</td>");
    }
    puts_(h, "</tr>\n");
}

void html_table_row(html *h, const char *const *cells)
{
    table_row(h, cells, "<tr>");
}

void html_table_total(html *h, const char *const *cells)
{
    table_row(h, cells, "<tr class=\"total\">");
}

void html_table_end(html *h)
{
    puts_(h, "</tbody>\n</table></div>\n");
}

/* ---- charts ------------------------------------------------------------------------------- */

enum {
    WIDTH = 960,           /* of every drawing, in its own pixels */
    DIVERGING_WIDTH = 720, /* of a diverging chart: the width of an A4 briefing's text */
    CHAR_W = 7,     /* a character at 12px, about: text cannot be measured without a script */
    BAR_H = 16,     /* a bar of a bar chart */
    GROUP_GAP = 12, /* between the groups of bars */
    LEGEND_H = 26,
    PLOT_H = 260, /* the columns' area of a column chart */
};

static const char *const series_colour[HTML_MAX_SERIES] = {"#5b7fa3", "#e07b39", "#6a9f58",
                                                           "#8e6bb0"};
static const char *const part_colour[HTML_MAX_PARTS] = {"#3a7d44", "#c8553d", "#e0a458", "#8d99ae"};

/* Characters (not bytes) of UTF-8 text, for estimating its width. */
static size_t text_len(const char *s)
{
    size_t n = 0;
    for (; s != NULL && *s != '\0'; s++) {
        n += ((unsigned char)*s & 0xC0) != 0x80;
    }
    return n;
}

/* Non-finite values count as 0, so that no NaN reaches the drawing. */
static double finite(double v)
{
    return isfinite(v) ? v : 0;
}

/* v rounded half away from zero, in the range of int64_t. */
static int64_t rounded(double v)
{
    v = finite(v);
    if (v >= 9.2e18) {
        return INT64_MAX;
    }
    if (v <= -9.2e18) {
        return INT64_MIN;
    }
    return v < 0 ? -(int64_t)(0.5 - v) : (int64_t)(v + 0.5);
}

/* A number for people: a whole one with its thousands separated, else with two decimals. */
/* English separators ("1,234.5") swapped for Vietnamese ones ("1.234,5") on a Vietnamese page. */
static void page_separators(const html *h, char *s)
{
    for (; h->vi && *s != '\0'; s++) {
        *s = *s == ',' ? '.' : *s == '.' ? ',' : *s;
    }
}

static void number_text(const html *h, double v, char out[32])
{
    v = finite(v);
    if (v == (double)rounded(v)) {
        cli_thousands(rounded(v), out);
    } else {
        front_hundredths(rounded(v * 100), out);
    }
    page_separators(h, out);
}

/* "no data" in the page's language. */
static const char *no_data(const html *h)
{
    return h->vi ? "không có số liệu" : "no data";
}

/* The label of a series' value i: the caller's text, or the value as number_text writes it. */
static const char *value_text(const html *h, const html_series *s, size_t i, char buf[32])
{
    if (s->texts != NULL && s->texts[i] != NULL) {
        return s->texts[i];
    }
    number_text(h, s->values[i], buf);
    return buf;
}

/* Text that fits max characters: cut at a character boundary with an ellipsis. The caller
 * frees the copy; NULL when out of memory. */
static char *fit(const char *s, size_t max)
{
    if (text_len(s) <= max) {
        return concat(s, "");
    }
    size_t keep = max > 1 ? max - 1 : 0, bytes = 0, k = 0;
    for (; s[bytes] != '\0'; bytes++) {
        if (((unsigned char)s[bytes] & 0xC0) != 0x80 && k++ == keep) {
            break; /* the first byte of the character after those kept */
        }
    }
    char *out = malloc(bytes + sizeof "…");
    if (out != NULL) {
        memcpy(out, s, bytes);
        memcpy(out + bytes, "…", sizeof "…");
    }
    return out;
}

/* <text> at (x, y) with its anchor, the text escaped and cut to max characters (0: not cut);
 * the whole text in a tooltip when it was cut. */
static void svg_text(html *h, double x, double y, const char *anchor, const char *cls,
                     const char *s, size_t max)
{
    putf(h, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s%s%s>", x, y, anchor,
         cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
    if (max == 0 || text_len(s) <= max) {
        esc(h, s);
    } else {
        char *cut = fit(s, max);
        esc(h, cut ? cut : "");
        puts_(h, "<title>");
        esc(h, s);
        puts_(h, "</title>");
        free(cut);
    }
    puts_(h, "</text>\n");
}

/* A rectangle with a tooltip "label — name: value". */
static void svg_rect(html *h, double x, double y, double w, double hh, const char *fill,
                     const char *label, const char *name, const char *value)
{
    putf(h, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>", x, y,
         w, hh, fill);
    esc(h, label);
    if (name != NULL) {
        puts_(h, " — ");
        esc(h, name);
    }
    puts_(h, ": ");
    esc(h, value);
    puts_(h, "</title></rect>\n");
}

static void figure_begin_w(html *h, const char *title, double width, double height);

static void figure_begin(html *h, const char *title, double height)
{
    figure_begin_w(h, title, WIDTH, height);
}

/* A figure whose drawing is width pixels wide: a narrower one is scaled less, so its text
 * reads larger on a page. */
static void figure_begin_w(html *h, const char *title, double width, double height)
{
    puts_(h, "<figure>\n<figcaption>");
    esc(h, title);
    putf(h,
         "</figcaption>\n<svg viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
         "role=\"img\" aria-label=\"",
         width, height, width, height);
    esc(h, title);
    puts_(h, "\" font-size=\"12\">\n");
}

static void figure_end(html *h)
{
    puts_(h, "</svg>\n</figure>\n");
}

/* The series' names with their colours (colours[s], or the series' own), in a row from x at
 * the top of the drawing. */
static void legend(html *h, double x, const html_series *series, size_t nseries,
                   const char *const *colours)
{
    for (size_t s = 0; s < nseries; s++) {
        putf(h, "<rect x=\"%.1f\" y=\"6\" width=\"12\" height=\"12\" fill=\"%s\"/>\n", x,
             colours ? colours[s] : series_colour[s]);
        svg_text(h, x + 17, 16.5, "start", NULL, series[s].name, 40);
        x += 17 + (double)(text_len(series[s].name) > 40 ? 40 : text_len(series[s].name)) * CHAR_W +
             24;
    }
}

/* The chart of nothing: a figure saying so, in place of the chart. */
static void empty_chart(html *h, const char *title)
{
    figure_begin(h, title, 40);
    svg_text(h, WIDTH / 2.0, 24, "middle", NULL, no_data(h), 0);
    figure_end(h);
}

/* The series to draw (at most HTML_MAX_SERIES); 0 after drawing the chart of nothing when
 * there are no categories or no series. */
static size_t series_to_draw(html *h, const char *title, size_t n, size_t nseries)
{
    if (n == 0 || nseries == 0) {
        empty_chart(h, title);
        return 0;
    }
    return nseries > HTML_MAX_SERIES ? HTML_MAX_SERIES : nseries;
}

/* The bars of html_bar_chart; signs, when not NULL, colours each bar by its sign (signs[0] for
 * a value above 0, signs[1] below) and names the two in the legend (legend[0], legend[1]). */
static void bars(html *h, const char *title, const char *const *labels, size_t n,
                 const html_series *series, size_t nseries, const char *const *signs,
                 const html_series *legend_of_signs, double width, size_t max_label)
{
    if ((nseries = series_to_draw(h, title, n, nseries)) == 0) {
        return;
    }
    double lo = 0, hi = 0;
    size_t label_chars = 4, value_chars = 1;
    for (size_t i = 0; i < n; i++) {
        size_t len = text_len(labels[i]);
        label_chars = len > label_chars ? len : label_chars;
        for (size_t s = 0; s < nseries; s++) {
            char buf[32];
            double v = finite(series[s].values[i]);
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
            len = text_len(value_text(h, &series[s], i, buf));
            value_chars = len > value_chars ? len : value_chars;
        }
    }
    /* Columns: labels | room for negative values' labels | bars | room for value labels. */
    label_chars = label_chars > max_label ? max_label : label_chars;
    double label_w = (double)label_chars * CHAR_W + 12;
    double value_w = (double)(value_chars > 30 ? 30 : value_chars) * CHAR_W + 10;
    double x0 = label_w + (lo < 0 ? value_w : 0), x1 = width - value_w;
    double span = hi - lo; /* 0 when every value is 0: the bars are then empty */
    double zero = span > 0 ? x0 + (0 - lo) / span * (x1 - x0) : x0;
    double group = (double)nseries * BAR_H + (double)(nseries - 1) * 2 + GROUP_GAP;
    double height = LEGEND_H + (double)n * group + 8;
    figure_begin_w(h, title, width, height);
    if (signs != NULL) {
        legend(h, label_w, legend_of_signs, 2, signs);
    } else {
        legend(h, label_w, series, nseries, NULL);
    }
    for (size_t i = 0; i < n; i++) {
        double y = LEGEND_H + (double)i * group;
        double mid = y + (group - GROUP_GAP) / 2;
        svg_text(h, label_w - 8, mid + 4, "end", NULL, labels[i], label_chars);
        for (size_t s = 0; s < nseries; s++) {
            char buf[32];
            const char *text = value_text(h, &series[s], i, buf);
            double v = finite(series[s].values[i]);
            double x = span > 0 ? x0 + (v - lo) / span * (x1 - x0) : x0;
            double by = y + (double)s * (BAR_H + 2);
            double w = x > zero ? x - zero : zero - x;
            if (v != 0 && w < 1) {
                w = 1; /* a value too small to see still shows */
            }
            if (v != 0) {
                svg_rect(h, v < 0 ? zero - w : zero, by, w, BAR_H,
                         signs ? signs[v < 0] : series_colour[s], labels[i],
                         nseries > 1 ? series[s].name : NULL, text);
            }
            double tx = v < 0 ? zero - w - 4 : zero + w + 4;
            svg_text(h, tx, by + BAR_H - 4, v < 0 ? "end" : "start", NULL, text, 30);
        }
    }
    putf(h, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#1d2733\"/>\n", zero,
         LEGEND_H - 2, zero, height - 6);
    figure_end(h);
}

void html_bar_chart(html *h, const char *title, const char *const *labels, size_t n,
                    const html_series *series, size_t nseries)
{
    bars(h, title, labels, n, series, nseries, NULL, NULL, WIDTH, 48);
}

void html_diverging_chart(html *h, const char *title, const char *const *labels, size_t n,
                          const html_series *values, const char *gain, const char *loss)
{
    static const char *const signs[2] = {"#3a7d44", "#c8553d"};
    const html_series names[2] = {{gain, NULL, NULL}, {loss, NULL, NULL}};
    bars(h, title, labels, n, values, 1, signs, names, DIVERGING_WIDTH, 34);
}

/* The picking order of html_diverging_pick: by magnitude, largest first, ties by index. */
static const double *pick_values;

static int by_magnitude(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    double x = fabs(finite(pick_values[i])), y = fabs(finite(pick_values[j]));
    return x > y ? -1 : x < y ? 1 : (i > j) - (i < j);
}

/* Gains first, largest first; then losses, the largest last. */
static int by_sign_then_value(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    double x = finite(pick_values[i]), y = finite(pick_values[j]);
    return x > y ? -1 : x < y ? 1 : (i > j) - (i < j);
}

size_t html_diverging_pick(const double *values, size_t n, size_t k, size_t *out)
{
    size_t ngain = 0, nloss = 0;
    for (size_t i = 0; i < n; i++) {
        double v = finite(values[i]);
        if (v > 0) {
            out[ngain++] = i;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (finite(values[i]) < 0) {
            out[ngain + nloss++] = i;
        }
    }
    pick_values = values;
    qsort(out, ngain, sizeof *out, by_magnitude);
    qsort(out + ngain, nloss, sizeof *out, by_magnitude);
    /* Losses keep half the places when there are that many; gains take what is left. */
    size_t keep_loss = nloss < (k + 1) / 2 ? nloss : (k + 1) / 2;
    size_t keep_gain = ngain < k - keep_loss ? ngain : k - keep_loss;
    keep_loss = nloss < k - keep_gain ? nloss : k - keep_gain;
    memmove(out + keep_gain, out + ngain, keep_loss * sizeof *out);
    qsort(out, keep_gain + keep_loss, sizeof *out, by_sign_then_value);
    pick_values = NULL;
    return keep_gain + keep_loss;
}

/* A round step for about four ticks up to hi (> 0): 1, 2 or 5 times a power of ten. */
static double tick_step(double hi)
{
    double raw = hi / 4, p = 1;
    while (p * 10 <= raw) {
        p *= 10;
    }
    while (p > raw) {
        p /= 10;
    }
    double m = raw / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

void html_column_chart(html *h, const char *title, const char *const *labels, size_t n,
                       const html_series *series, size_t nseries)
{
    if ((nseries = series_to_draw(h, title, n, nseries)) == 0) {
        return;
    }
    double hi = 0;
    size_t label_chars = 1;
    for (size_t i = 0; i < n; i++) {
        size_t len = text_len(labels[i]);
        label_chars = len > label_chars ? len : label_chars;
        for (size_t s = 0; s < nseries; s++) {
            double v = finite(series[s].values[i]);
            hi = v > hi ? v : hi;
        }
    }
    double step = hi > 0 ? tick_step(hi) : 1;
    double top = step;
    while (top < hi) {
        top += step;
    }
    char buf[32];
    number_text(h, top, buf);
    double axis_w = (double)text_len(buf) * CHAR_W + 14;
    double x0 = axis_w, x1 = WIDTH - 10, y0 = LEGEND_H + 16, y1 = y0 + PLOT_H;
    double bin_w = (x1 - x0) / (double)n, col_w = bin_w * 0.8 / (double)nseries;
    /* A label every k bins when they would overlap. */
    size_t every = 1;
    while (bin_w * (double)every < (double)label_chars * CHAR_W + 4 && every < n) {
        every++;
    }
    figure_begin(h, title, y1 + 26);
    legend(h, x0, series, nseries, NULL);
    for (double t = 0; t <= top * (1 + 1e-9) && (hi > 0 || t == 0); t += step) {
        double y = y1 - t / top * PLOT_H;
        number_text(h, t, buf);
        putf(h, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n", x0, y,
             x1, y, t == 0 ? "#1d2733" : "#e3e8ee");
        svg_text(h, x0 - 6, y + 4, "end", NULL, buf, 0);
    }
    for (size_t i = 0; i < n; i++) {
        double bx = x0 + (double)i * bin_w + bin_w * 0.1;
        for (size_t s = 0; s < nseries; s++) {
            char vb[32];
            const char *text = value_text(h, &series[s], i, vb);
            double v = finite(series[s].values[i]);
            double ch = v > 0 ? v / top * PLOT_H : 0;
            double cx = bx + (double)s * col_w;
            if (v > 0) {
                svg_rect(h, cx, y1 - (ch < 1 ? 1 : ch), col_w, ch < 1 ? 1 : ch, series_colour[s],
                         labels[i], nseries > 1 ? series[s].name : NULL, text);
            }
            if (v > 0 && (double)text_len(text) * 6 <= col_w + 6) {
                putf(h, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"10\">",
                     cx + col_w / 2, y1 - (ch < 1 ? 1 : ch) - 3);
                esc(h, text);
                puts_(h, "</text>\n");
            }
        }
        if (i % every == 0) {
            svg_text(h, x0 + (double)i * bin_w + bin_w / 2, y1 + 16, "middle", NULL, labels[i], 0);
        }
    }
    figure_end(h);
}

void html_share_chart(html *h, const char *title, const html_share *rows, size_t n)
{
    size_t label_chars = 4;
    for (size_t i = 0; i < n; i++) {
        size_t len = text_len(rows[i].label);
        label_chars = len > label_chars ? len : label_chars;
    }
    if (n == 0) {
        empty_chart(h, title);
        return;
    }
    label_chars = label_chars > 40 ? 40 : label_chars;
    double x0 = (double)label_chars * CHAR_W + 12, x1 = WIDTH - 10, row_h = 60;
    figure_begin(h, title, (double)n * row_h + 4);
    for (size_t i = 0; i < n; i++) {
        const html_share *r = &rows[i];
        size_t np = r->nparts > HTML_MAX_PARTS ? HTML_MAX_PARTS : r->nparts;
        double y = 6 + (double)i * row_h, sum = 0, x = x0;
        for (size_t p = 0; p < np; p++) {
            sum += finite(r->values[p]) > 0 ? finite(r->values[p]) : 0;
        }
        svg_text(h, x0 - 8, y + 16, "end", NULL, r->label, label_chars);
        if (sum <= 0) {
            putf(h, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"22\" fill=\"#eef2f6\"/>\n",
                 x0, y, x1 - x0);
            svg_text(h, (x0 + x1) / 2, y + 16, "middle", NULL, no_data(h), 0);
            continue;
        }
        double lx = x0; /* the legend line under the bar */
        for (size_t p = 0; p < np; p++) {
            double v = finite(r->values[p]) > 0 ? finite(r->values[p]) : 0;
            double w = v / sum * (x1 - x0);
            char value[32], pct[32], label[40];
            number_text(h, v, value);
            /* Rounded half up, like the percentages of the tables. */
            front_hundredths((int64_t)(v * 10000 / sum + 0.5), pct);
            page_separators(h, pct);
            snprintf(label, sizeof label, "%s%%", pct);
            if (w > 0) {
                svg_rect(h, x, y, w, 22, part_colour[p], r->label, r->names[p], label);
                if ((double)text_len(label) * CHAR_W + 8 <= w) {
                    svg_text(h, x + w / 2, y + 15.5, "middle", "in", label, 0);
                }
            }
            x += w;
            putf(h, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" fill=\"%s\"/>\n", lx,
                 y + 30, part_colour[p]);
            putf(h, "<text x=\"%.1f\" y=\"%.1f\">", lx + 14, y + 39.5);
            esc(h, r->names[p]);
            putf(h, " %s (%s)</text>\n", value, label);
            lx += 14 +
                  (double)(text_len(r->names[p]) + strlen(value) + strlen(label) + 4) * CHAR_W + 16;
        }
    }
    figure_end(h);
}
