/* Sources and diagnostics (diag.h). */
#include "motcua/diag.h"

#include "motcua/alloc.h"
#include "base/buf.h"
#include "base/grow.h"
#include "base/utf8.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct mc_source {
    char *path;
    char *text;
    size_t len;
    size_t nerrors;
    size_t nwarnings;
    /* Position cache: diagnostics mostly arrive in increasing offsets. */
    size_t cache_off;
    uint32_t cache_line;
};

/* ---- sources ---------------------------------------------------------------------------- */

int mc_source_new(mc_source **out, const char *path, const char *text, size_t len, mc_error *err)
{
    *out = NULL;
    mc_source *s = mc_calloc(1, sizeof *s);
    if (s == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    s->path = mc_strndup(path, strlen(path));
    s->text = mc_strndup(text, len);
    if (s->path == NULL || s->text == NULL) {
        mc_source_free(s);
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    s->len = len;
    s->cache_line = 1;
    *out = s;
    return 0;
}

int mc_source_read(mc_source **out, const char *path, mc_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return mc_error_set(err, MC_EIO, "%s: %s", path, strerror(errno));
    }
    int rc = 0;
    char *data = NULL;
    size_t len = 0, cap = 0;
    size_t need = 4096; /* room to read into and the NUL: at least two bytes, so a read of 0
                         * bytes means the end of the file */
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && st.st_size > 0 && (uintmax_t)st.st_size < SIZE_MAX - 2) {
        need = (size_t)st.st_size + 2; /* the usual case: one read of the known size */
    }
    for (;;) {
        if (mc_grow(&data, &cap, need, 1) != 0) {
            rc = mc_error_set(err, MC_ENOMEM, "out of memory reading %s", path);
            goto done;
        }
        size_t n = fread(data + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0) {
            break;
        }
        need = len + 2;
    }
    if (ferror(f)) {
        rc = mc_error_set(err, MC_EIO, "%s: read error", path);
        goto done;
    }
    mc_source *s = mc_calloc(1, sizeof *s);
    char *p = mc_strndup(path, strlen(path));
    char *text = data; /* there is always room for the NUL */
    if (s == NULL || p == NULL) {
        mc_free(s);
        mc_free(p);
        rc = mc_error_set(err, MC_ENOMEM, "out of memory reading %s", path);
        goto done;
    }
    data = NULL;
    text[len] = '\0';
    s->path = p;
    s->text = text;
    s->len = len;
    s->cache_line = 1;
    *out = s;
done:
    mc_free(data);
    fclose(f);
    return rc;
}

void mc_source_free(mc_source *src)
{
    if (src != NULL) {
        mc_free(src->path);
        mc_free(src->text);
        mc_free(src);
    }
}

const char *mc_source_path(const mc_source *src)
{
    return src->path;
}

const char *mc_source_text(const mc_source *src)
{
    return src->text;
}

size_t mc_source_len(const mc_source *src)
{
    return src->len;
}

static size_t bom_len(const mc_source *src)
{
    return src->len >= 3 && memcmp(src->text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
}

/* Start of the line holding off, and its number, using (and refreshing) the cache. */
static size_t line_start(mc_source *src, size_t off, uint32_t *line)
{
    size_t from = 0;
    uint32_t n = 1;
    if (off >= src->cache_off) {
        from = src->cache_off;
        n = src->cache_line;
    }
    size_t start = from;
    for (size_t i = from; i < off; i++) {
        if (src->text[i] == '\n') {
            n++;
            start = i + 1;
        }
    }
    /* The cache always sits on a line start; the first line starts after a BOM. */
    if (start == 0) {
        start = bom_len(src) <= off ? bom_len(src) : off;
    }
    src->cache_off = start;
    src->cache_line = n;
    *line = n;
    return start;
}

void mc_source_position(const mc_source *src, size_t off, uint32_t *line, uint32_t *col)
{
    if (off > src->len) {
        off = src->len;
    }
    size_t start = line_start((mc_source *)src, off, line);
    *col = (uint32_t)mc_utf8_count(src->text + start, off - start) + 1;
}

/* ---- diagnostics ------------------------------------------------------------------------ */

struct mc_diags {
    mc_diag *items;
    size_t n, cap;
    size_t errors, warnings;
};

int mc_diags_new(mc_diags **out)
{
    *out = mc_calloc(1, sizeof **out);
    return *out ? 0 : MC_ENOMEM;
}

void mc_diags_free(mc_diags *d)
{
    if (d == NULL) {
        return;
    }
    for (size_t i = 0; i < d->n; i++) {
        mc_free((char *)d->items[i].file);
        mc_free((char *)d->items[i].msg);
        mc_free((char *)d->items[i].excerpt);
    }
    mc_free(d->items);
    mc_free(d);
}

size_t mc_diags_count(const mc_diags *d)
{
    return d->n;
}

const mc_diag *mc_diags_get(const mc_diags *d, size_t i)
{
    return i < d->n ? &d->items[i] : NULL;
}

size_t mc_diags_errors(const mc_diags *d)
{
    return d->errors;
}

size_t mc_diags_warnings(const mc_diags *d)
{
    return d->warnings;
}

bool mc_diags_source_full(const mc_source *src)
{
    return src->nerrors >= MC_DIAG_MAX_ERRORS_PER_FILE;
}

static int push(mc_diags *d, mc_diag *item)
{
    if (mc_grow(&d->items, &d->cap, d->n + 1, sizeof *d->items) != 0) {
        return MC_ENOMEM;
    }
    d->items[d->n++] = *item;
    if (item->severity == MC_DIAG_ERROR) {
        d->errors++;
    } else {
        d->warnings++;
    }
    return 0;
}

enum { EXCERPT_MAX = 160, EXCERPT_SIDE = 60 };

/* Moves a byte index back to the start of a UTF-8 sequence. */
static size_t char_start(const char *t, size_t i, size_t lo)
{
    while (i > lo && ((unsigned char)t[i] & 0xC0) == 0x80) {
        i--;
    }
    return i;
}

/* Appends t[from..to) with invalid bytes and control characters (but tabs) shown as '?'. */
static void append_clean(mc_buf *b, const char *t, size_t from, size_t to)
{
    size_t i = from;
    while (i < to) {
        uint32_t cp;
        size_t len = mc_utf8_decode((const unsigned char *)t + i, to - i, &cp);
        if (len == 0 || (cp < 0x20 && cp != '\t') || cp == 0x7F) {
            mc_buf_append(b, "?", 1);
            i += len ? len : 1;
        } else {
            mc_buf_append(b, t + i, len);
            i += len;
        }
    }
}

/* Builds the excerpt of the line around off: the line, cut to a window when it is long. */
static int excerpt(mc_diag *item, const mc_source *src, size_t start, size_t off, size_t len)
{
    const char *t = src->text;
    size_t end = off;
    while (end < src->len && t[end] != '\n') {
        end++;
    }
    if (end > start && t[end - 1] == '\r') {
        end--;
    }
    if (off > end) {
        off = end;
    }
    size_t from = start, to = end;
    bool cut_left = false, cut_right = false;
    if (end - start > EXCERPT_MAX) {
        if (off - start > EXCERPT_SIDE) {
            from = char_start(t, off - EXCERPT_SIDE, start);
            cut_left = true;
        }
        if (end - from > EXCERPT_MAX) {
            to = char_start(t, from + EXCERPT_MAX, from);
            if (to < off) {
                to = off;
            }
            cut_right = true;
        }
    }
    mc_buf b = MC_BUF_INIT;
    if (cut_left) {
        mc_buf_append(&b, "...", 3);
    }
    append_clean(&b, t, from, to);
    if (cut_right) {
        mc_buf_append(&b, "...", 3);
    }
    char *text = mc_buf_take(&b);
    if (text == NULL) {
        return MC_ENOMEM;
    }
    item->excerpt = text;
    item->caret = (uint32_t)mc_utf8_count(t + from, off - from) + 1 + (cut_left ? 3 : 0);
    size_t uend = off + len < to ? off + len : to;
    size_t w = uend > off ? mc_utf8_count(t + off, uend - off) : 1;
    item->width = w ? (uint32_t)w : 1;
    return 0;
}

int mc_diags_add(mc_diags *d, mc_severity sev, mc_source *src, size_t off, size_t len,
                 const char *fmt, ...)
{
    bool last = false;
    if (sev == MC_DIAG_ERROR) {
        if (src->nerrors >= MC_DIAG_MAX_ERRORS_PER_FILE) {
            return 0;
        }
        last = ++src->nerrors == MC_DIAG_MAX_ERRORS_PER_FILE;
    } else {
        if (src->nwarnings >= MC_DIAG_MAX_ERRORS_PER_FILE) {
            return 0;
        }
        src->nwarnings++;
    }
    if (off > src->len) {
        off = src->len;
    }
    mc_diag item = {0};
    item.severity = sev;
    size_t start = line_start(src, off, &item.line);
    item.col = (uint32_t)mc_utf8_count(src->text + start, off - start) + 1;
    va_list ap;
    va_start(ap, fmt);
    char *msg = mc_vformat(fmt, ap);
    va_end(ap);
    char *file = mc_strndup(src->path, strlen(src->path));
    item.msg = msg;
    item.file = file;
    if (msg == NULL || file == NULL || excerpt(&item, src, start, off, len) != 0 ||
        push(d, &item) != 0) {
        mc_free(msg);
        mc_free(file);
        mc_free((char *)item.excerpt);
        return MC_ENOMEM;
    }
    if (last) {
        /* Say that the file was abandoned, where it was. */
        return mc_diags_add_at(d, MC_DIAG_ERROR, src->path, item.line, item.col,
                               "too many errors in this file (%d); the rest is not checked",
                               MC_DIAG_MAX_ERRORS_PER_FILE);
    }
    return 0;
}

int mc_diags_add_at(mc_diags *d, mc_severity sev, const char *file, uint32_t line, uint32_t col,
                    const char *fmt, ...)
{
    mc_diag item = {0};
    item.severity = sev;
    item.line = line;
    item.col = col;
    item.width = 1;
    va_list ap;
    va_start(ap, fmt);
    char *msg = mc_vformat(fmt, ap);
    va_end(ap);
    char *f = mc_strndup(file, strlen(file));
    item.msg = msg;
    item.file = f;
    if (msg == NULL || f == NULL || push(d, &item) != 0) {
        mc_free(msg);
        mc_free(f);
        return MC_ENOMEM;
    }
    return 0;
}

static int cmp_diag(const void *a, const void *b)
{
    const mc_diag *x = a, *y = b;
    int c = strcmp(x->file, y->file);
    if (c != 0) {
        return c;
    }
    if (x->line != y->line) {
        return x->line < y->line ? -1 : 1;
    }
    if (x->col != y->col) {
        return x->col < y->col ? -1 : 1;
    }
    return 0;
}

void mc_diags_sort(mc_diags *d)
{
    /* Insertion sort keeps equal positions in the order they were found (stable); lists are
     * short and mostly sorted already. */
    for (size_t i = 1; i < d->n; i++) {
        mc_diag item = d->items[i];
        size_t j = i;
        while (j > 0 && cmp_diag(&d->items[j - 1], &item) > 0) {
            d->items[j] = d->items[j - 1];
            j--;
        }
        d->items[j] = item;
    }
}
