/* Registry import (registry.h): a small RFC 4180 reader and the checks of each row. */
#include "motcua/registry.h"

#include "motcua/alloc.h"
#include "motcua/calendar.h"
#include "base/map.h"
#include "base/regex.h"
#include "base/utf8.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_FIELD = 256, COLUMNS = 4, MAX_SUBJECT = 64 };

typedef struct cell {
    size_t off; /* byte offset of the cell in the file */
    char text[MAX_FIELD + 1];
    size_t len;
    bool too_long;
} cell;

/* Reads one CSV record starting at *pos into cells (at most COLUMNS + 1 are kept); returns the
 * number of cells, 0 at the end of the file, -1 on a malformed quote (at *bad). */
static int read_record(const char *t, size_t n, size_t *pos, cell *cells, size_t *bad)
{
    size_t i = *pos;
    if (i >= n) {
        return 0;
    }
    int k = 0;
    for (;;) {
        cell *c = k <= COLUMNS ? &cells[k] : NULL;
        if (c != NULL) {
            c->off = i;
            c->len = 0;
            c->too_long = false;
        }
        bool quoted = i < n && t[i] == '"';
        if (quoted) {
            i++;
        }
        for (;;) {
            if (i >= n) {
                if (quoted) {
                    *bad = c ? c->off : i;
                    return -1;
                }
                break;
            }
            char ch = t[i];
            if (quoted && ch == '"') {
                if (i + 1 < n && t[i + 1] == '"') {
                    i += 2;
                } else {
                    i++;
                    if (i < n && t[i] != ',' && t[i] != '\n' && t[i] != '\r') {
                        *bad = i;
                        return -1;
                    }
                    break;
                }
                ch = '"';
            } else if (!quoted && (ch == ',' || ch == '\n' || ch == '\r')) {
                break;
            } else {
                i++;
            }
            if (c != NULL) {
                if (c->len < MAX_FIELD) {
                    c->text[c->len++] = ch;
                } else {
                    c->too_long = true;
                }
            }
        }
        if (c != NULL) {
            c->text[c->len] = '\0';
        }
        k++;
        if (i < n && t[i] == ',') {
            i++;
            continue;
        }
        if (i < n && t[i] == '\r') {
            i++;
        }
        if (i < n && t[i] == '\n') {
            i++;
        }
        break;
    }
    *pos = i;
    return k;
}

/* Copies text into the owned list (and into map, when given, as key and value). */
static int keep(mc_map *map, char ***owned, size_t *n, size_t *cap, const char *text, size_t len)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 64;
        char **p = mc_realloc(*owned, c * sizeof *p);
        if (p == NULL) {
            return MC_ENOMEM;
        }
        *owned = p;
        *cap = c;
    }
    char *copy = mc_strndup(text, len);
    if (copy == NULL) {
        return MC_ENOMEM;
    }
    (*owned)[(*n)++] = copy;
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

int mc_registry_import(mc_store *st, const mc_catalogue *cat, const char *registry, mc_source *src,
                       int64_t at, mc_diags *diags, size_t *count, mc_error *err)
{
    *count = 0;
    const mc_registry *reg = mc_catalogue_registry(cat, registry);
    if (reg == NULL) {
        return mc_error_set(err, MC_ENOTFOUND, "unknown registry '%s'", registry);
    }
    const char *t = mc_source_text(src);
    size_t n = mc_source_len(src), pos = 0;
    size_t errors = mc_diags_errors(diags);
    int rc = 0;
    mc_map refs = MC_MAP_INIT;
    mc_map keys = MC_MAP_INIT; /* "document\nsubject" -> line of its first row */
    mc_date today = today_of(cat, at);
    char today_text[11];
    mc_date_format(today, today_text);
    char **owned = NULL;
    size_t nowned = 0, capowned = 0;
    mc_record_row *rows = NULL;
    size_t nrows = 0, caprows = 0;
#define PROBLEM(off, len, ...)                                                                     \
    do {                                                                                           \
        if (mc_diags_add(diags, MC_DIAG_ERROR, src, (off), (len), __VA_ARGS__) != 0) {             \
            rc = mc_error_set(err, MC_ENOMEM, "out of memory");                                    \
            goto done;                                                                             \
        }                                                                                          \
    } while (0)
    /* UTF-8 first: one report is enough to say the file is in another encoding. */
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = mc_utf8_decode((const unsigned char *)t + i, n - i, &cp);
        if (len == 0 || cp == 0) {
            PROBLEM(i, 1, "invalid UTF-8 byte 0x%02X (is the file saved as UTF-8?)",
                    (unsigned char)t[i]);
            goto done;
        }
        i += len;
    }
    cell cells[COLUMNS + 1];
    size_t bad;
    int k = read_record(t, n, &pos, cells, &bad);
    static const char *const header[COLUMNS] = {"document", "subject", "reference", "issued"};
    bool header_ok = k == COLUMNS;
    for (int i = 0; header_ok && i < COLUMNS; i++) {
        header_ok = strcmp(cells[i].text, header[i]) == 0;
    }
    if (!header_ok) {
        PROBLEM(0, 1, "the first line must be the header: document,subject,reference,issued");
        goto done;
    }
    while ((k = read_record(t, n, &pos, cells, &bad)) != 0) {
        if (k < 0) {
            PROBLEM(bad, 1, "malformed quotes in this row");
            break;
        }
        if (k == 1 && cells[0].len == 0) {
            continue; /* a blank line */
        }
        if (k != COLUMNS) {
            PROBLEM(cells[0].off, 1, "this row has %d columns; it needs 4 (%s)", k,
                    "document,subject,reference,issued");
            continue;
        }
        bool ok = true;
        for (int i = 0; i < COLUMNS; i++) {
            if (cells[i].too_long) {
                PROBLEM(cells[i].off, 1, "this value is longer than %d bytes", MAX_FIELD);
                ok = false;
            }
        }
        const mc_document *doc = mc_catalogue_document(cat, cells[0].text);
        if (doc == NULL) {
            PROBLEM(cells[0].off, cells[0].len, "unknown document '%s'", cells[0].text);
            ok = false;
        } else if (!mc_registry_holds(reg, doc)) {
            PROBLEM(cells[0].off, cells[0].len, "registry '%s' does not hold '%s'", reg->name,
                    doc->name);
            ok = false;
        }
        bool subject_ok = valid_subject(cells[1].text, cells[1].len);
        if (!subject_ok) {
            PROBLEM(cells[1].off, cells[1].len ? cells[1].len : 1,
                    "invalid subject '%s' (1 to 64 characters, no spaces)", cells[1].text);
            ok = false;
        } else {
            mc_error why;
            mc_error_clear(&why);
            int c = mc_registry_check_subject(reg, cells[1].text, cells[1].len, &why);
            if (c == MC_ENOMEM) {
                rc = mc_error_set(err, MC_ENOMEM, "out of memory");
                break;
            }
            if (c != 0) {
                PROBLEM(cells[1].off, cells[1].len, "%s", why.msg);
                ok = subject_ok = false;
            }
        }
        if (doc != NULL && subject_ok) {
            /* One record per (registry, document, subject): a second row would silently
             * replace the first, so the file is refused and both rows are named. */
            char key[2 * MAX_FIELD + 2];
            int klen = snprintf(key, sizeof key, "%s\n%s", cells[0].text, cells[1].text);
            uint32_t line, col;
            mc_source_position(src, cells[0].off, &line, &col);
            size_t first = (size_t)mc_map_get(&keys, key, (size_t)klen);
            if (first != 0) {
                PROBLEM(cells[0].off, cells[0].len,
                        "duplicate record: '%s' of subject '%s' is also at line %zu (one record "
                        "per document and subject)",
                        cells[0].text, cells[1].text, first);
                ok = false;
            } else if (keep(NULL, &owned, &nowned, &capowned, key, (size_t)klen) != 0 ||
                       mc_map_put(&keys, owned[nowned - 1], (size_t)klen,
                                  (void *)(uintptr_t)line) != 0) {
                rc = mc_error_set(err, MC_ENOMEM, "out of memory");
                break;
            }
        }
        if (cells[2].len == 0) {
            PROBLEM(cells[2].off, 1, "a record needs a reference");
            ok = false;
        } else if (mc_map_get(&refs, cells[2].text, cells[2].len) != NULL) {
            PROBLEM(cells[2].off, cells[2].len, "duplicate reference '%s' in this file",
                    cells[2].text);
            ok = false;
        } else if (keep(&refs, &owned, &nowned, &capowned, cells[2].text, cells[2].len) != 0) {
            rc = mc_error_set(err, MC_ENOMEM, "out of memory");
            break;
        }
        mc_date issued;
        char msg[160];
        if (mc_value_date(cells[3].text, cells[3].len, &issued, msg, sizeof msg) != 0) {
            PROBLEM(cells[3].off, cells[3].len ? cells[3].len : 1, "%s", msg);
            ok = false;
        } else if (issued > today) {
            PROBLEM(cells[3].off, cells[3].len,
                    "issued date %s is after today (%s): a record cannot be issued in the future",
                    cells[3].text, today_text);
            ok = false;
        }
        if (!ok || mc_diags_errors(diags) != errors) {
            continue; /* keep checking, import nothing */
        }
        /* Keep the row: its strings are copied so that they outlive the cells. */
        if (nrows == caprows) {
            caprows = caprows ? caprows * 2 : 64;
            mc_record_row *p = mc_realloc(rows, caprows * sizeof *p);
            if (p == NULL) {
                rc = mc_error_set(err, MC_ENOMEM, "out of memory");
                break;
            }
            rows = p;
        }
        const char *kept[4];
        for (int i = 0; i < 4; i++) {
            kept[i] = i == 2 ? mc_map_get(&refs, cells[2].text, cells[2].len)
                      : keep(NULL, &owned, &nowned, &capowned, cells[i].text, cells[i].len) == 0
                          ? owned[nowned - 1]
                          : NULL;
        }
        if (!kept[0] || !kept[1] || !kept[2] || !kept[3]) {
            rc = mc_error_set(err, MC_ENOMEM, "out of memory");
            break;
        }
        rows[nrows++] = (mc_record_row){reg->name, kept[0], kept[1], kept[2], kept[3]};
    }
    if (rc == 0 && mc_diags_errors(diags) == errors) {
        rc = mc_store_begin(st, err);
        for (size_t i = 0; rc == 0 && i < nrows; i++) {
            rc = mc_store_record_put(st, &rows[i], err);
        }
        if (rc == 0) {
            /* The import is part of the audit chain, like every change of the store. */
            json_t *body = json_pack("{s:s, s:s, s:I, s:s}", "registry", reg->name, "file",
                                     mc_source_path(src), "records", (json_int_t)nrows, "catalogue",
                                     mc_catalogue_hash(cat));
            char *text = body ? json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
            json_decref(body);
            mc_event_row ev;
            memset(&ev, 0, sizeof ev);
            ev.at = at;
            ev.kind = "registry-import";
            ev.body = text;
            rc = text ? mc_store_event_append(st, &ev, err)
                      : mc_error_set(err, MC_ENOMEM, "out of memory");
            free(text);
        }
        if (rc == 0) {
            rc = mc_store_commit(st, err);
        }
        if (rc != 0) {
            mc_store_rollback(st);
        } else {
            *count = nrows;
        }
    }
done:
    for (size_t i = 0; i < nowned; i++) {
        mc_free(owned[i]);
    }
    mc_free(owned);
    mc_free(rows);
    mc_map_free(&refs);
    mc_map_free(&keys);
    if (rc == 0 && mc_diags_errors(diags) != errors) {
        rc = mc_error_set(err, MC_ECHECK, "%s: nothing imported", mc_source_path(src));
    }
    return rc;
#undef PROBLEM
}
