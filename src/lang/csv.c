/* The CSV and TSV reader (csv.h). */
#include "csv.h"

#include "base/buf.h"
#include "base/grow.h"
#include "base/utf8.h"

#include "motcua/alloc.h"
#include "motcua/error.h"

#include <string.h>

/* The reader's position in the text. */
typedef struct reader {
    const char *file;
    const char *s;
    size_t len;
    size_t pos;
    uint32_t line;
    size_t line_start; /* byte offset where the current line starts */
    mc_diags *d;
    const mc_csv_opts *o;
} reader;

static uint32_t column(const reader *r, size_t off)
{
    return (uint32_t)mc_utf8_count(r->s + r->line_start, off - r->line_start) + 1;
}

/* Moves past one byte, keeping the line count. */
static void advance(reader *r)
{
    if (r->s[r->pos] == '\n') {
        r->line++;
        r->line_start = r->pos + 1;
    }
    r->pos++;
}

static bool at_eol(const reader *r)
{
    return r->pos >= r->len || r->s[r->pos] == '\n' ||
           (r->s[r->pos] == '\r' && r->pos + 1 < r->len && r->s[r->pos + 1] == '\n');
}

/* Skips to the start of the next line (after a malformed record). */
static void skip_line(reader *r)
{
    while (r->pos < r->len && r->s[r->pos] != '\n') {
        r->pos++;
    }
    if (r->pos < r->len) {
        advance(r);
    }
}

/* Reports every line holding invalid UTF-8 (at its first bad byte). Returns the number of such
 * lines, or MC_ENOMEM. */
static int check_utf8(reader *r)
{
    int bad = 0;
    uint32_t line = 1;
    size_t line_start = 0;
    bool reported = false;
    for (size_t i = 0; i < r->len;) {
        uint32_t cp;
        size_t n = mc_utf8_decode((const unsigned char *)r->s + i, r->len - i, &cp);
        if (n == 0) {
            if (!reported) {
                uint32_t col = (uint32_t)mc_utf8_count(r->s + line_start, i - line_start) + 1;
                if (mc_diags_add_at(r->d, MC_DIAG_ERROR, r->file, line, col,
                                    "invalid UTF-8 (byte 0x%02X); save the file as UTF-8",
                                    (unsigned)(unsigned char)r->s[i]) != 0) {
                    return MC_ENOMEM;
                }
                bad++;
                reported = true;
            }
            i++;
            continue;
        }
        if (cp == '\n') {
            line++;
            line_start = i + 1;
            reported = false;
        }
        i += n;
    }
    return bad;
}

/* Reads one field at r->pos into b; returns 1 on success, 0 after reporting a malformed field. */
static int read_field(reader *r, mc_buf *b)
{
    size_t start = r->pos;
    if (r->o->quotes && r->pos < r->len && r->s[r->pos] == '"') {
        uint32_t qline = r->line, qcol = column(r, start);
        advance(r);
        for (;;) {
            if (r->pos >= r->len) {
                mc_diags_add_at(r->d, MC_DIAG_ERROR, r->file, qline, qcol,
                                "quoted field is never closed (a quote is missing)");
                return 0;
            }
            char c = r->s[r->pos];
            if (c == '"') {
                if (r->pos + 1 < r->len && r->s[r->pos + 1] == '"') {
                    mc_buf_append(b, "\"", 1);
                    r->pos += 2;
                    continue;
                }
                advance(r);
                break;
            }
            mc_buf_append(b, &c, 1);
            advance(r);
        }
        if (!at_eol(r) && r->s[r->pos] != r->o->sep) {
            mc_diags_add_at(r->d, MC_DIAG_ERROR, r->file, r->line, column(r, r->pos),
                            "text after the closing quote of a field (write a quote inside a "
                            "quoted field as \"\")");
            return 0;
        }
        return 1;
    }
    while (!at_eol(r) && r->s[r->pos] != r->o->sep) {
        if (r->o->quotes && r->s[r->pos] == '"') {
            mc_diags_add_at(r->d, MC_DIAG_ERROR, r->file, r->line, column(r, r->pos),
                            "quote inside an unquoted field (quote the whole field and write "
                            "the quote as \"\")");
            return 0;
        }
        mc_buf_append(b, &r->s[r->pos], 1);
        r->pos++;
    }
    return 1;
}

static void record_free(mc_csv_record *rec)
{
    for (size_t i = 0; i < rec->nfields; i++) {
        mc_free(rec->fields[i]);
    }
    mc_free(rec->fields);
    mc_free(rec->cols);
    mc_free(rec->offs);
    memset(rec, 0, sizeof *rec);
}

/* Appends the field in b to rec, whose three arrays hold *cap fields. */
static int push_field(mc_csv_record *rec, size_t *cap, mc_buf *b, uint32_t col, size_t off)
{
    /* The three arrays grow together: each from *cap by the same rule, so they agree. */
    size_t need = rec->nfields + 1, fcap = *cap, ccap = *cap, ocap = *cap;
    if (mc_grow(&rec->fields, &fcap, need, sizeof *rec->fields) != 0 ||
        mc_grow(&rec->cols, &ccap, need, sizeof *rec->cols) != 0 ||
        mc_grow(&rec->offs, &ocap, need, sizeof *rec->offs) != 0) {
        return MC_ENOMEM;
    }
    *cap = fcap < ccap ? fcap : ccap;
    *cap = ocap < *cap ? ocap : *cap;
    char *text = mc_buf_take(b);
    if (text == NULL) {
        return MC_ENOMEM;
    }
    rec->fields[rec->nfields] = text;
    rec->offs[rec->nfields] = off;
    rec->cols[rec->nfields++] = col;
    return 0;
}

/* Reads one record; returns 1 (read), 0 (malformed, reported and skipped) or MC_ENOMEM. */
static int read_record(reader *r, mc_csv_record *rec)
{
    mc_buf b = MC_BUF_INIT;
    size_t cap = 0; /* of rec's fields, cols and offs */
    rec->line = r->line;
    for (;;) {
        /* the column of the field's first character, inside its quotes */
        bool quoted = r->o->quotes && r->pos < r->len && r->s[r->pos] == '"';
        uint32_t col = column(r, r->pos) + quoted;
        size_t off = r->pos + quoted;
        if (!read_field(r, &b)) {
            mc_buf_free(&b);
            record_free(rec);
            skip_line(r);
            return 0;
        }
        if (b.oom || push_field(rec, &cap, &b, col, off) != 0) {
            mc_buf_free(&b);
            return MC_ENOMEM;
        }
        if (at_eol(r)) {
            break;
        }
        r->pos++; /* the separator */
    }
    mc_buf_free(&b);
    if (r->pos < r->len && r->s[r->pos] == '\r') {
        r->pos++;
    }
    if (r->pos < r->len) {
        advance(r);
    }
    return 1;
}

int mc_csv_parse(mc_csv *csv, const char *file, const char *text, size_t len, mc_diags *d)
{
    static const mc_csv_opts rfc4180 = MC_CSV_OPTS_INIT;
    return mc_csv_read(csv, &rfc4180, file, text, len, d);
}

int mc_csv_read(mc_csv *csv, const mc_csv_opts *opts, const char *file, const char *text,
                size_t len, mc_diags *d)
{
    reader r = {file, text, len, 0, 1, 0, d, opts};
    int rc = check_utf8(&r);
    if (rc < 0) {
        return rc;
    }
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        r.pos = r.line_start = 3; /* a byte order mark: not part of the first field */
    }
    size_t cap = 0;
    while (r.pos < r.len) {
        if (text[r.pos] == '\n' || (text[r.pos] == '\r' && at_eol(&r)) ||
            (opts->comments && text[r.pos] == '#')) {
            skip_line(&r); /* a blank line or a comment */
            continue;
        }
        if (mc_grow(&csv->records, &cap, csv->n + 1, sizeof *csv->records) != 0) {
            return MC_ENOMEM;
        }
        mc_csv_record *rec = &csv->records[csv->n];
        memset(rec, 0, sizeof *rec);
        rc = read_record(&r, rec);
        if (rc < 0) {
            record_free(rec);
            return rc;
        }
        csv->n += (size_t)rc;
    }
    return 0;
}

void mc_csv_free(mc_csv *csv)
{
    for (size_t i = 0; i < csv->n; i++) {
        record_free(&csv->records[i]);
    }
    mc_free(csv->records);
    csv->records = NULL;
    csv->n = 0;
}
