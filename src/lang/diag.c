/* Sources and diagnostics (diag.h), warning names and allow comments. */
#include "motcua/diag.h"

#include "motcua/alloc.h"
#include "base/buf.h"
#include "base/grow.h"
#include "base/suggest.h"
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

/* An allow comment's one name: the warnings it accepts on a line of a file. */
typedef struct allow {
    char *file;
    uint32_t line;    /* the line it covers */
    const char *name; /* static, from the table of names */
    bool used;
    mc_diag stale; /* the warning to give if it accepts nothing, at the name in the comment */
} allow;

struct mc_diags {
    mc_diag *items;
    size_t n, cap;
    size_t errors, warnings;
    allow *allows;
    size_t nallows, allows_cap;
};

static void free_item(mc_diag *item);
static allow *find_allow(mc_diags *d, const char *file, uint32_t line, const char *name);

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
        free_item(&d->items[i]);
    }
    for (size_t i = 0; i < d->nallows; i++) {
        mc_free(d->allows[i].file);
        free_item(&d->allows[i].stale);
    }
    mc_free(d->items);
    mc_free(d->allows);
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

/* Fills item with a diagnostic at byte offset off of src (its file, position, message and
 * excerpt); on failure frees what it made and returns MC_ENOMEM. */
static int make(mc_diag *item, mc_severity sev, const char *name, mc_source *src, size_t off,
                size_t len, const char *fmt, va_list ap)
{
    if (off > src->len) {
        off = src->len;
    }
    *item = (mc_diag){0};
    item->severity = sev;
    item->name = name;
    size_t start = line_start(src, off, &item->line);
    item->col = (uint32_t)mc_utf8_count(src->text + start, off - start) + 1;
    char *msg = mc_vformat(fmt, ap);
    char *file = mc_strndup(src->path, strlen(src->path));
    item->msg = msg;
    item->file = file;
    if (msg == NULL || file == NULL || excerpt(item, src, start, off, len) != 0) {
        mc_free(msg);
        mc_free(file);
        mc_free((char *)item->excerpt);
        return MC_ENOMEM;
    }
    return 0;
}

static void free_item(mc_diag *item)
{
    mc_free((char *)item->file);
    mc_free((char *)item->msg);
    mc_free((char *)item->excerpt);
}

static int vadd(mc_diags *d, mc_severity sev, const char *name, mc_source *src, size_t off,
                size_t len, const char *fmt, va_list ap)
{
    if (sev == MC_DIAG_WARNING && name != NULL && d->nallows > 0) {
        /* accepted by an allow already read: not recorded, and not counted against the file's
         * limit (mc_diags_apply_allows removes those recorded before their allow was read) */
        uint32_t line;
        line_start(src, off > src->len ? src->len : off, &line);
        allow *a = find_allow(d, src->path, line, name);
        if (a != NULL) {
            a->used = true;
            return 0;
        }
    }
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
    mc_diag item;
    if (make(&item, sev, name, src, off, len, fmt, ap) != 0) {
        return MC_ENOMEM;
    }
    if (push(d, &item) != 0) {
        free_item(&item);
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

int mc_diags_add(mc_diags *d, mc_severity sev, mc_source *src, size_t off, size_t len,
                 const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vadd(d, sev, NULL, src, off, len, fmt, ap);
    va_end(ap);
    return rc;
}

int mc_diags_warn(mc_diags *d, const char *name, mc_source *src, size_t off, size_t len,
                  const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vadd(d, MC_DIAG_WARNING, name, src, off, len, fmt, ap);
    va_end(ap);
    return rc;
}

static int vadd_at(mc_diags *d, mc_severity sev, const char *name, const char *file, uint32_t line,
                   uint32_t col, const char *fmt, va_list ap)
{
    allow *a = sev == MC_DIAG_WARNING && name != NULL ? find_allow(d, file, line, name) : NULL;
    if (a != NULL) {
        a->used = true;
        return 0;
    }
    mc_diag item = {0};
    item.severity = sev;
    item.name = name;
    item.line = line;
    item.col = col;
    item.width = 1;
    char *msg = mc_vformat(fmt, ap);
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

int mc_diags_add_at(mc_diags *d, mc_severity sev, const char *file, uint32_t line, uint32_t col,
                    const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vadd_at(d, sev, NULL, file, line, col, fmt, ap);
    va_end(ap);
    return rc;
}

int mc_diags_warn_at(mc_diags *d, const char *name, const char *file, uint32_t line, uint32_t col,
                     const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vadd_at(d, MC_DIAG_WARNING, name, file, line, col, fmt, ap);
    va_end(ap);
    return rc;
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

/* ---- warning names and allow comments --------------------------------------------------- */

/* Every warning's stable name, sorted (docs/language.md §13.2 lists each with an example). */
static const char *const warning_names[] = {
    "annex-document-not-in-databases",
    "annex-no-document",
    "annex-renamed-procedure",
    "annex-row-number-reused",
    "annex-row-repeated",
    "annex-sector-changed",
    "annex-unknown-database",
    "annex-unknown-document",
    "annex-unknown-sector",
    "calendar-without-covers",
    "chances-above-100",
    "cutoff-outside-hours",
    "day-outside-covers",
    "due-uncovered-year",
    "fee-before-schedule",
    "guards-overlap",
    "held-not-required",
    "idle-arrivals",
    "idle-staff",
    "issue-not-held",
    "match-may-give-up",
    "match-overlap",
    "missing-title",
    "part-asks-again",
    "same-code",
    "stuck-state",
    "unreachable-state",
    "unused-event",
    "unused-party",
};
enum { NNAMES = sizeof warning_names / sizeof warning_names[0] };

/* The warnings about allow comments themselves: no allow comment accepts them. */
static const char allow_unknown[] = "allow-unknown";
static const char allow_without_reason[] = "allow-without-reason";
static const char allow_stale[] = "allow-stale";

const char *const *mc_diag_warning_names(size_t *n)
{
    *n = NNAMES;
    return warning_names;
}

const char *mc_diag_warning_name(const char *name, size_t n)
{
    for (size_t i = 0; i < NNAMES; i++) {
        if (strlen(warning_names[i]) == n && memcmp(warning_names[i], name, n) == 0) {
            return warning_names[i];
        }
    }
    return NULL;
}

static int warn_here(mc_diags *d, const char *name, mc_source *src, size_t off, size_t len,
                     const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

static int warn_here(mc_diags *d, const char *name, mc_source *src, size_t off, size_t len,
                     const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vadd(d, MC_DIAG_WARNING, name, src, off, len, fmt, ap);
    va_end(ap);
    return rc;
}

static int make_stale(mc_diag *item, mc_source *src, size_t off, size_t len, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

static int make_stale(mc_diag *item, mc_source *src, size_t off, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = make(item, MC_DIAG_WARNING, allow_stale, src, off, len, fmt, ap);
    va_end(ap);
    return rc;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

/* The offset of the '#' that starts a comment on the line [ls, le), or le: a '#' inside a
 * string is not one. */
static size_t comment_start(const char *t, size_t ls, size_t le)
{
    bool in_string = false;
    for (size_t i = ls; i < le; i++) {
        if (in_string && t[i] == '\\') {
            i++;
        } else if (t[i] == '"') {
            in_string = !in_string;
        } else if (!in_string && t[i] == '#') {
            return i;
        }
    }
    return le;
}

static size_t line_end(const mc_source *src, size_t ls)
{
    const char *nl = memchr(src->text + ls, '\n', src->len - ls);
    return nl != NULL ? (size_t)(nl - src->text) : src->len;
}

/* Whether the line [ls, le) holds only a comment. */
static bool comment_line(const char *t, size_t ls, size_t le)
{
    while (ls < le && is_blank(t[ls])) {
        ls++;
    }
    return ls < le && t[ls] == '#';
}

/* The number of the line an allow on line `line` (starting at ls) covers: the line itself when
 * code comes before the comment, else the next line that is not a comment. */
static uint32_t covered_line(const mc_source *src, size_t ls, size_t hash, uint32_t line)
{
    const char *t = src->text;
    size_t i = ls == 0 ? bom_len(src) : ls;
    while (i < hash && is_blank(t[i])) {
        i++;
    }
    if (i < hash) {
        return line;
    }
    size_t at = line_end(src, ls);
    while (at < src->len) {
        at++; /* past the newline */
        line++;
        size_t end = line_end(src, at);
        if (!comment_line(t, at, end)) {
            return line;
        }
        at = end;
    }
    return line + 1; /* past the end: covers nothing */
}

static int add_allow(mc_diags *d, mc_source *src, uint32_t line, const char *name, size_t off,
                     size_t len)
{
    if (mc_grow(&d->allows, &d->allows_cap, d->nallows + 1, sizeof *d->allows) != 0) {
        return MC_ENOMEM;
    }
    allow *a = &d->allows[d->nallows];
    *a = (allow){0};
    a->file = mc_strndup(src->path, strlen(src->path));
    a->line = line;
    a->name = name;
    if (a->file == NULL || make_stale(&a->stale, src, off, len,
                                      "this allow accepts no '%s' warning on line %u: remove it",
                                      name, (unsigned)line) != 0) {
        mc_free(a->file);
        return MC_ENOMEM;
    }
    d->nallows++;
    return 0;
}

/* Reads the allow comment whose text after `lint:` starts at p (line [.., le)). */
static int scan_allow(mc_diags *d, mc_source *src, size_t p, size_t le, uint32_t covers)
{
    const char *t = src->text;
    while (p < le && is_blank(t[p])) {
        p++;
    }
    size_t word = p;
    while (p < le && is_name_char(t[p])) {
        p++;
    }
    if (p - word != 5 || memcmp(t + word, "allow", 5) != 0 || (p < le && !is_blank(t[p]))) {
        return warn_here(d, allow_unknown, src, word, p > word ? p - word : 1,
                         "unknown lint comment (write: # lint: allow NAME — REASON)");
    }
    size_t first = 0, names_end = 0; /* the names as written, for the message */
    bool any = false;
    for (;;) {
        while (p < le && is_blank(t[p])) {
            p++;
        }
        size_t from = p;
        while (p < le && is_name_char(t[p]) && !(t[p] == '-' && p + 1 < le && t[p + 1] == '-')) {
            p++;
        }
        if (p == from) {
            if (!any) {
                return warn_here(d, allow_unknown, src, from, 1,
                                 "an allow names the warning it accepts (write: # lint: allow "
                                 "NAME — REASON)");
            }
            break;
        }
        if (!any) {
            first = from;
        }
        names_end = p;
        any = true;
        const char *name = mc_diag_warning_name(t + from, p - from);
        int rc;
        if (name == NULL) {
            mc_suggest s;
            mc_suggest_init(&s, t + from, p - from);
            for (size_t i = 0; i < NNAMES; i++) {
                mc_suggest_offer(&s, warning_names[i]);
            }
            rc = warn_here(d, allow_unknown, src, from, p - from,
                           "unknown warning name '%.*s' in an allow comment%s%s%s", (int)(p - from),
                           t + from, s.best ? " (did you mean '" : "", s.best ? s.best : "",
                           s.best ? "'?)" : "");
        } else {
            rc = add_allow(d, src, covers, name, from, p - from);
        }
        if (rc != 0) {
            return rc;
        }
        while (p < le && is_blank(t[p])) {
            p++;
        }
        if (p < le && t[p] == ',') {
            p++;
            continue;
        }
        break;
    }
    bool reason = false;
    if (p + 3 <= le && memcmp(t + p, "\xE2\x80\x94", 3) == 0) {
        p += 3;
        reason = true;
    } else if (p + 2 <= le && t[p] == '-' && t[p + 1] == '-') {
        p += 2;
        reason = true;
    }
    while (reason && p < le && is_blank(t[p])) {
        p++;
    }
    if (!reason || p == le) {
        return warn_here(d, allow_without_reason, src, first, names_end - first,
                         "say why this warning is accepted (write: # lint: allow %.*s — REASON)",
                         (int)(names_end - first), t + first);
    }
    return 0;
}

int mc_diags_scan_allows(mc_diags *d, mc_source *src)
{
    const char *t = src->text;
    uint32_t line = 1;
    for (size_t ls = 0; ls < src->len; line++) {
        size_t le = line_end(src, ls);
        size_t hash = comment_start(t, ls, le);
        if (hash < le) {
            size_t p = hash + 1;
            while (p < le && is_blank(t[p])) {
                p++;
            }
            if (p + 5 <= le && memcmp(t + p, "lint:", 5) == 0) {
                int rc = scan_allow(d, src, p + 5, le, covered_line(src, ls, hash, line));
                if (rc != 0) {
                    return rc;
                }
            }
        }
        ls = le + 1;
    }
    return 0;
}

/* The allow of file that accepts a warning named name on line, or NULL. */
static allow *find_allow(mc_diags *d, const char *file, uint32_t line, const char *name)
{
    for (size_t i = 0; i < d->nallows; i++) {
        allow *a = &d->allows[i];
        if (a->line == line && strcmp(a->name, name) == 0 && strcmp(a->file, file) == 0) {
            return a;
        }
    }
    return NULL;
}

int mc_diags_apply_allows(mc_diags *d, bool report)
{
    if (d->nallows == 0) {
        return 0;
    }
    size_t k = 0;
    for (size_t i = 0; i < d->n; i++) {
        mc_diag *x = &d->items[i];
        allow *a = NULL;
        if (x->severity == MC_DIAG_WARNING && x->name != NULL) {
            a = find_allow(d, x->file, x->line, x->name);
        }
        if (a != NULL) {
            a->used = true;
            free_item(x);
            d->warnings--;
        } else {
            d->items[k++] = *x;
        }
    }
    d->n = k;
    for (size_t i = 0; report && i < d->nallows; i++) {
        allow *a = &d->allows[i];
        if (a->used || a->stale.msg == NULL) {
            continue;
        }
        if (push(d, &a->stale) != 0) {
            return MC_ENOMEM;
        }
        a->stale = (mc_diag){0}; /* d owns it now: said once */
    }
    return 0;
}

void mc_diags_strict(mc_diags *d)
{
    for (size_t i = 0; i < d->n; i++) {
        if (d->items[i].severity == MC_DIAG_WARNING) {
            d->items[i].severity = MC_DIAG_ERROR;
            d->warnings--;
            d->errors++;
        }
    }
}
