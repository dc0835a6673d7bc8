/* The words, figures, caveats box and print layout the briefings share (brief.h). */
#include "brief.h"

#include "motcua/alloc.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

const char *brief_text(mc_lang lang, const brief_word *w)
{
    return lang == MC_LANG_EN ? w->en : w->vi;
}

char *brief_vsay(mc_lang lang, const brief_word *w, va_list ap)
{
    const char *args[4] = {0};
    size_t nargs = 0;
    for (const char *a; nargs < 4 && (a = va_arg(ap, const char *)) != NULL;) {
        args[nargs++] = a;
    }
    const char *fmt = brief_text(lang, w);
    size_t size = strlen(fmt) + 1;
    for (size_t i = 0; i < nargs; i++) {
        size += strlen(args[i]);
    }
    char *out = mc_malloc(size), *q = out;
    if (out == NULL) {
        return NULL;
    }
    for (const char *p = fmt; *p != '\0'; p++) {
        if (p[0] == '{' && p[1] >= '1' && p[1] <= '4' && p[2] == '}' &&
            (size_t)(p[1] - '1') < nargs) {
            size_t len = strlen(args[p[1] - '1']);
            memcpy(q, args[p[1] - '1'], len);
            q += len;
            p += 2;
        } else {
            *q++ = *p;
        }
    }
    *q = '\0';
    return out;
}

char *brief_say(mc_lang lang, const brief_word *w, ...)
{
    va_list ap;
    va_start(ap, w);
    char *out = brief_vsay(lang, w, ap);
    va_end(ap);
    return out;
}

void brief_meta(html *h, mc_lang lang, const brief_word *w, ...)
{
    va_list ap;
    va_start(ap, w);
    char *line = brief_vsay(lang, w, ap);
    va_end(ap);
    if (line == NULL) {
        html_set_error(h, ENOMEM);
        return;
    }
    html_meta(h, "%s", line);
    mc_free(line);
}

void brief_grouped(mc_lang lang, int64_t v, char out[32])
{
    char digits[24];
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    int n = snprintf(digits, sizeof digits, "%llu", u), k = 0;
    if (v < 0) {
        out[k++] = '-';
    }
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0) {
            out[k++] = lang == MC_LANG_EN ? ',' : '.';
        }
        out[k++] = digits[i];
    }
    out[k] = '\0';
}

void brief_decimal(mc_lang lang, int64_t v, int64_t unit, int decimals, char out[40])
{
    int64_t scale = decimals == 2 ? 100 : 10;
    int64_t step = unit / scale; /* unit is a power of ten >= scale */
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    unsigned long long r = (u + (unsigned long long)step / 2) / (unsigned long long)step;
    char whole[32];
    brief_grouped(lang, (int64_t)(r / (unsigned long long)scale), whole);
    snprintf(out, 40, "%s%s%s%0*llu", v < 0 && r != 0 ? "-" : "", whole,
             lang == MC_LANG_EN ? "." : ",", decimals, r % (unsigned long long)scale);
}

void brief_amount(mc_lang lang, const char *currency, int64_t v, char out[64])
{
    bool vnd = currency == NULL || strcmp(currency, "VND") == 0;
    bool en = lang == MC_LANG_EN;
    char num[40];
    uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    /* The unit of the amount as rounded: 999.960.000 is "1,0 tỷ đồng", not "1.000,0 triệu". */
    if (vnd && mag >= UINT64_C(999950000)) {
        brief_decimal(lang, v, INT64_C(1000000000), 1, num);
        snprintf(out, 64, "%s %s", num, en ? "billion VND" : "tỷ đồng");
    } else if (vnd && mag >= UINT64_C(999950)) {
        brief_decimal(lang, v, INT64_C(1000000), 1, num);
        snprintf(out, 64, "%s %s", num, en ? "million VND" : "triệu đồng");
    } else {
        brief_grouped(lang, v, num);
        snprintf(out, 64, "%s %s", num, vnd ? (en ? "VND" : "đồng") : currency);
    }
}

void brief_amount_exact(mc_lang lang, const char *currency, int64_t v, char out[64])
{
    bool vnd = currency == NULL || strcmp(currency, "VND") == 0;
    char num[32];
    brief_grouped(lang, v, num);
    snprintf(out, 64, "%s %s", num, vnd ? (lang == MC_LANG_EN ? "VND" : "đồng") : currency);
}

void brief_percent(mc_lang lang, int64_t bp, char out[48])
{
    char num[40];
    brief_decimal(lang, bp, 100, 2, num);
    snprintf(out, 48, "%s%%", num);
}

void brief_count(mc_lang lang, int64_t n, char out[32])
{
    brief_grouped(lang, n, out);
}

int64_t brief_share_bp(int64_t part, int64_t whole)
{
    if (whole == 0) {
        return 0;
    }
    __extension__ __int128 p = (__int128)part * 20000 / whole;
    return (int64_t)(p >= 0 ? (p + 1) / 2 : (p - 1) / 2);
}

int64_t brief_round(double v)
{
    if (!(v == v)) {
        return 0;
    }
    if (v >= 9.2e18) {
        return INT64_C(9200000000000000000);
    }
    if (v <= -9.2e18) {
        return -INT64_C(9200000000000000000);
    }
    return (int64_t)(v < 0 ? v - 0.5 : v + 0.5);
}

static const brief_word caveats_title = {"Lưu ý", "Caveats"};

void brief_caveats_begin(html *h, mc_lang lang)
{
    html_box_begin(h, brief_text(lang, &caveats_title));
    html_list_begin(h);
}

void brief_caveat(html *h, char *line)
{
    if (line == NULL) {
        html_set_error(h, ENOMEM);
        return;
    }
    html_item(h, NULL, line);
    mc_free(line);
}

void brief_caveats_end(html *h)
{
    html_list_end(h);
    html_box_end(h);
}

const char brief_print_style[] = BRIEF_PRINT_STYLE;
