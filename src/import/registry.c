/* Registry import (registry.h): the file is read by the one CSV reader (lang/csv.h), each row is
 * checked against the catalogue, and a file without problems is written in one transaction. */
#include "motcua/registry.h"

#include "motcua/alloc.h"
#include "motcua/calendar.h"
#include "base/buf.h"
#include "base/grow.h"
#include "base/json.h"
#include "base/map.h"
#include "base/regex.h"
#include "base/utf8.h"
#include "lang/csv.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* MAX_VALUE is a rule of the records, not a limit of the reader: the reader reads every cell
 * whole, and a longer value is refused with its whole text in the other messages. */
enum { MAX_VALUE = 256, COLUMNS = 4, MAX_SUBJECT = 64 };

static const char *const header[COLUMNS] = {"document", "subject", "reference", "issued"};

/* One file's import while it is checked: the maps that find repeats, the strings the kept rows
 * point to, and the rows themselves. */
typedef struct importer {
    const mc_catalogue *cat;
    const mc_registry *reg;
    mc_source *src;
    mc_diags *diags;
    mc_error *err;
    mc_map refs; /* reference -> its owned copy */
    mc_map keys; /* "document\nsubject" -> line of its first row */
    mc_date today;
    char today_text[11];
    char **owned;
    size_t nowned, capowned;
    mc_record_row *rows;
    size_t nrows, caprows;
} importer;

/* A cell of a record: its text (whole), length and the byte offset diagnostics point at (the
 * opening quote of a quoted cell, as they always have). */
typedef struct cell {
    const char *text;
    size_t len;
    size_t off;
} cell;

static cell cell_of(const importer *im, const mc_csv_record *rec, size_t i)
{
    size_t off = rec->offs[i];
    if (off > 0 && mc_source_text(im->src)[off - 1] == '"') {
        off--; /* a quoted cell: an unquoted one never follows a quote */
    }
    return (cell){rec->fields[i], strlen(rec->fields[i]), off};
}

/* Copies text into the owned list (and into map, when given, as key and value). */
static int keep(importer *im, mc_map *map, const char *text, size_t len)
{
    if (mc_grow(&im->owned, &im->capowned, im->nowned + 1, sizeof *im->owned) != 0) {
        return MC_ENOMEM;
    }
    char *copy = mc_strndup(text, len);
    if (copy == NULL) {
        return MC_ENOMEM;
    }
    im->owned[im->nowned++] = copy;
    return map != NULL ? mc_map_put(map, copy, len, copy) : 0;
}

static bool valid_subject(const char *s, size_t n)
{
    if (n == 0 || n > MAX_SUBJECT) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x21 || c == 0x7F) {
            return false; /* no spaces or control characters in an identifier */
        }
    }
    return true;
}

/* The local date of instant at, in the catalogue's default calendar (the one `--now` is read
 * in). */
static mc_date today_of(const mc_catalogue *cat, int64_t at)
{
    return mc_calendar_today(mc_catalogue_default_calendar(cat), at);
}

/* Reports a problem of the file at byte offset off; MC_ENOMEM when it cannot. */
#define PROBLEM(im, off, len, ...)                                                                 \
    (mc_diags_add((im)->diags, MC_DIAG_ERROR, (im)->src, (off), (len), __VA_ARGS__) != 0           \
         ? MC_ENOMEM                                                                               \
         : 0)

/* UTF-8 first: one report is enough to say the file is in another encoding. Returns 1 when
 * the text is UTF-8 without NUL bytes, 0 after reporting the first bad byte, or MC_ENOMEM. */
static int check_encoding(importer *im)
{
    const char *t = mc_source_text(im->src);
    size_t n = mc_source_len(im->src);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = mc_utf8_decode((const unsigned char *)t + i, n - i, &cp);
        if (len == 0 || cp == 0) {
            int rc = PROBLEM(im, i, 1, "invalid UTF-8 byte 0x%02X (is the file saved as UTF-8?)",
                             (unsigned char)t[i]);
            return rc != 0 ? rc : 0;
        }
        i += len;
    }
    return 1;
}

/* Whether the file starts with the header line; reports it when not. Returns 1, 0 or
 * MC_ENOMEM. */
static int check_header(importer *im, const mc_csv *csv)
{
    const mc_csv_record *h = csv->n > 0 ? &csv->records[0] : NULL;
    bool ok = h != NULL && h->line == 1 && h->nfields == COLUMNS;
    for (size_t i = 0; ok && i < COLUMNS; i++) {
        ok = strcmp(h->fields[i], header[i]) == 0;
    }
    if (ok) {
        return 1;
    }
    int rc =
        PROBLEM(im, 0, 1, "the first line must be the header: document,subject,reference,issued");
    return rc != 0 ? rc : 0;
}

/* Checks the document and subject of a row and that no earlier row has both; *ok turns false
 * on a problem. Returns 0 or MC_ENOMEM. */
static int check_identity(importer *im, const mc_csv_record *rec, const cell *c, bool *ok)
{
    const mc_document *doc = mc_catalogue_document(im->cat, c[0].text);
    if (doc == NULL) {
        if (PROBLEM(im, c[0].off, c[0].len, "unknown document '%s'", c[0].text) != 0) {
            return MC_ENOMEM;
        }
        *ok = false;
    } else if (!mc_registry_holds(im->reg, doc)) {
        if (PROBLEM(im, c[0].off, c[0].len, "registry '%s' does not hold '%s'", im->reg->name,
                    doc->name) != 0) {
            return MC_ENOMEM;
        }
        *ok = false;
    }
    bool subject_ok = valid_subject(c[1].text, c[1].len);
    if (!subject_ok) {
        if (PROBLEM(im, c[1].off, c[1].len ? c[1].len : 1,
                    "invalid subject '%s' (1 to 64 characters, no spaces)", c[1].text) != 0) {
            return MC_ENOMEM;
        }
        *ok = false;
    } else {
        mc_error why;
        mc_error_clear(&why);
        int rc = mc_registry_check_subject(im->reg, c[1].text, c[1].len, &why);
        if (rc == MC_ENOMEM) {
            return rc;
        }
        if (rc != 0) {
            if (PROBLEM(im, c[1].off, c[1].len, "%s", why.msg) != 0) {
                return MC_ENOMEM;
            }
            *ok = subject_ok = false;
        }
    }
    if (doc == NULL || !subject_ok) {
        return 0;
    }
    /* One record per (registry, document, subject): a second row would silently replace the
     * first, so the file is refused and both rows are named. */
    mc_buf key = MC_BUF_INIT;
    mc_buf_printf(&key, "%s\n%s", c[0].text, c[1].text);
    if (key.oom) {
        mc_buf_free(&key);
        return MC_ENOMEM;
    }
    size_t first = (size_t)mc_map_get(&im->keys, key.data, key.len);
    int rc = 0;
    if (first != 0) {
        rc = PROBLEM(im, c[0].off, c[0].len,
                     "duplicate record: '%s' of subject '%s' is also at line %zu (one record "
                     "per document and subject)",
                     c[0].text, c[1].text, first);
        *ok = false;
    } else if (keep(im, NULL, key.data, key.len) != 0 ||
               mc_map_put(&im->keys, im->owned[im->nowned - 1], key.len,
                          (void *)(uintptr_t)rec->line) != 0) {
        rc = MC_ENOMEM;
    }
    mc_buf_free(&key);
    return rc;
}

/* Checks the reference (unique in the file) and the issue date (not after today) of a row. */
static int check_reference_and_date(importer *im, const cell *c, bool *ok)
{
    if (c[2].len == 0) {
        if (PROBLEM(im, c[2].off, 1, "a record needs a reference") != 0) {
            return MC_ENOMEM;
        }
        *ok = false;
    } else if (mc_map_get(&im->refs, c[2].text, c[2].len) != NULL) {
        if (PROBLEM(im, c[2].off, c[2].len, "duplicate reference '%s' in this file", c[2].text) !=
            0) {
            return MC_ENOMEM;
        }
        *ok = false;
    } else if (keep(im, &im->refs, c[2].text, c[2].len) != 0) {
        return MC_ENOMEM;
    }
    mc_date issued;
    char msg[160];
    if (mc_value_date(c[3].text, c[3].len, &issued, msg, sizeof msg) != 0) {
        if (PROBLEM(im, c[3].off, c[3].len ? c[3].len : 1, "%s", msg) != 0) {
            return MC_ENOMEM;
        }
        *ok = false;
    } else if (issued > im->today) {
        if (PROBLEM(im, c[3].off, c[3].len,
                    "issued date %s is after today (%s): a record cannot be issued in the future",
                    c[3].text, im->today_text) != 0) {
            return MC_ENOMEM;
        }
        *ok = false;
    }
    return 0;
}

/* Keeps a checked row for the transaction: its strings are copied so that they outlive the
 * records of the reader. */
static int keep_row(importer *im, const cell *c)
{
    if (mc_grow(&im->rows, &im->caprows, im->nrows + 1, sizeof *im->rows) != 0) {
        return MC_ENOMEM;
    }
    const char *kept[COLUMNS];
    for (int i = 0; i < COLUMNS; i++) {
        kept[i] = i == 2 ? mc_map_get(&im->refs, c[2].text, c[2].len)
                  : keep(im, NULL, c[i].text, c[i].len) == 0 ? im->owned[im->nowned - 1]
                                                             : NULL;
        if (kept[i] == NULL) {
            return MC_ENOMEM;
        }
    }
    im->rows[im->nrows++] = (mc_record_row){im->reg->name, kept[0], kept[1], kept[2], kept[3]};
    return 0;
}

/* Checks one data row and keeps it when it and the file so far have no problem. */
static int check_row(importer *im, const mc_csv_record *rec, size_t errors)
{
    if (rec->nfields == 1 && rec->fields[0][0] == '\0') {
        return 0; /* a line holding only "" */
    }
    if (rec->nfields != COLUMNS) {
        return PROBLEM(im, cell_of(im, rec, 0).off, 1, "this row has %zu columns; it needs 4 (%s)",
                       rec->nfields, "document,subject,reference,issued");
    }
    cell c[COLUMNS];
    bool ok = true;
    for (size_t i = 0; i < COLUMNS; i++) {
        c[i] = cell_of(im, rec, i);
        if (c[i].len > MAX_VALUE) {
            if (PROBLEM(im, c[i].off, 1, "this value is longer than %d bytes", MAX_VALUE) != 0) {
                return MC_ENOMEM;
            }
            ok = false;
        }
    }
    int rc = check_identity(im, rec, c, &ok);
    if (rc == 0) {
        rc = check_reference_and_date(im, c, &ok);
    }
    if (rc != 0 || !ok || mc_diags_errors(im->diags) != errors) {
        return rc; /* keep checking, import nothing */
    }
    return keep_row(im, c);
}

/* Writes the kept rows and a `registry-import` event in one transaction. */
static int write_rows(importer *im, mc_store *st, int64_t at)
{
    int rc = mc_store_begin(st, im->err);
    for (size_t i = 0; rc == 0 && i < im->nrows; i++) {
        rc = mc_store_record_put(st, &im->rows[i], im->err);
    }
    if (rc == 0) {
        /* The import is part of the audit chain, like every change of the store. */
        json_t *body = json_pack("{s:s, s:s, s:I, s:s}", "registry", im->reg->name, "file",
                                 mc_source_path(im->src), "records", (json_int_t)im->nrows,
                                 "catalogue", mc_catalogue_hash(im->cat));
        char *text = mc_json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(body);
        mc_event_row ev;
        memset(&ev, 0, sizeof ev);
        ev.at = at;
        ev.kind = "registry-import";
        ev.body = text;
        rc = text ? mc_store_event_append(st, &ev, im->err)
                  : mc_error_set(im->err, MC_ENOMEM, "out of memory");
        mc_free(text);
    }
    if (rc == 0) {
        rc = mc_store_commit(st, im->err);
    }
    if (rc != 0) {
        mc_store_rollback(st);
    }
    return rc;
}

static void importer_free(importer *im)
{
    for (size_t i = 0; i < im->nowned; i++) {
        mc_free(im->owned[i]);
    }
    mc_free(im->owned);
    mc_free(im->rows);
    mc_map_free(&im->refs);
    mc_map_free(&im->keys);
}

int mc_registry_import(mc_store *st, const mc_catalogue *cat, const char *registry, mc_source *src,
                       int64_t at, mc_diags *diags, size_t *count, mc_error *err)
{
    *count = 0;
    const mc_registry *reg = mc_catalogue_registry(cat, registry);
    if (reg == NULL) {
        return mc_error_set(err, MC_ENOTFOUND, "unknown registry '%s'", registry);
    }
    importer im = {.cat = cat,
                   .reg = reg,
                   .src = src,
                   .diags = diags,
                   .err = err,
                   .refs = MC_MAP_INIT,
                   .keys = MC_MAP_INIT,
                   .today = today_of(cat, at)};
    mc_date_format(im.today, im.today_text);
    size_t errors = mc_diags_errors(diags);
    mc_csv csv = MC_CSV_INIT;
    int rc = check_encoding(&im);
    if (rc == 1) {
        rc =
            mc_csv_parse(&csv, mc_source_path(src), mc_source_text(src), mc_source_len(src), diags);
        if (rc == 0) {
            rc = check_header(&im, &csv);
        }
    }
    for (size_t i = 1; rc == 1 && i < csv.n; i++) {
        if (check_row(&im, &csv.records[i], errors) != 0) {
            rc = MC_ENOMEM;
        }
    }
    if (rc == 1 && mc_diags_errors(diags) == errors) {
        rc = write_rows(&im, st, at);
        if (rc == 0) {
            *count = im.nrows;
        }
    } else if (rc == 1) {
        rc = 0; /* checked, with problems */
    }
    if (rc == MC_ENOMEM) {
        mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    mc_csv_free(&csv);
    importer_free(&im);
    if (rc == 0 && mc_diags_errors(diags) != errors) {
        rc = mc_error_set(err, MC_ECHECK, "%s: nothing imported", mc_source_path(src));
    }
    return rc;
}
