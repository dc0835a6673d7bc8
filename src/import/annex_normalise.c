/*
 * Normalising an annex (annex.h): its header and the shape of each record are checked first
 * (a malformed annex imports nothing); then each row's sector, databases and documents are
 * matched against the tables, and the row is merged into the procedure of its code. A spelling
 * that maps nowhere is a warning naming the annex row; the row's other documents still count.
 */
#include "annex_int.h"

#include "base/buf.h"
#include "base/grow.h"
#include "base/utf8.h"

#include "motcua/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum { NCOLS = 9 };
enum { C_ROW, C_CODE, C_NAME, C_DOCS, C_DB, C_DB_MINISTRY, C_LEGAL_DOC, C_LEGAL_PROV, C_SECTOR };
static const char *const header[NCOLS] = {
    "row",      "procedure_code",    "procedure_name", "replaced_documents",
    "database", "database_ministry", "legal_document", "legal_provision",
    "sector"};

/* The context of one annex row while it is normalised. */
typedef struct row_ctx {
    mc_annex *a;
    mc_diags *d;
    const char *file;
    const mc_csv_record *rec;
    const char *row; /* the annex's own row number */
    bool warned;
    int rc; /* MC_ENOMEM once out of memory */
} row_ctx;

static void warn(row_ctx *c, const char *name, size_t field, size_t off, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* A warning at the row's field (off: bytes into the field) naming the annex row. */
static void warn(row_ctx *c, const char *name, size_t field, size_t off, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* exact while the field holds no newline before off */
    uint32_t col = c->rec->cols[field] + (uint32_t)mc_utf8_count(c->rec->fields[field], off);
    if (mc_diags_warn_at(c->d, name, c->file, c->rec->line, col, "row %s: %s", c->row, msg) != 0) {
        c->rc = MC_ENOMEM;
    }
    c->warned = true;
}

/* Whether re matches s; running out of memory sets *rc (a match that hits PCRE2's limits is
 * no match). */
static int match(const mc_regex *re, const char *s, size_t len, size_t *start, size_t *end, int *rc)
{
    char why[200];
    int m = mc_regex_match(re, s, len, start, end, why, sizeof why);
    if (m == MC_ENOMEM) {
        *rc = MC_ENOMEM;
    }
    return m == 1;
}

static bool matches_any(const a_pattern *p, size_t n, const char *s, size_t len, int *rc)
{
    for (size_t i = 0; i < n; i++) {
        if (match(p[i].re, s, len, NULL, NULL, rc)) {
            return true;
        }
    }
    return false;
}

static bool is_trim(unsigned char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '*' || ch == '-' ||
           ch == '.' || ch == ',' || ch == ';' || ch == ':' || ch == '(' || ch == ')';
}

/* Calls each(c, field, off, len) for every piece of field k split by re (trimmed, not empty). */
static void split_field(row_ctx *c, size_t k, const mc_regex *re,
                        void (*each)(row_ctx *, size_t, size_t, size_t, void *), void *ud)
{
    const char *s = c->rec->fields[k];
    size_t len = strlen(s), piece = 0, search = 0;
    for (;;) {
        size_t st, en;
        size_t cut = len, next = len;
        if (search <= len && match(re, s + search, len - search, &st, &en, &c->rc)) {
            cut = search + st;
            next = search + en;
        }
        if (cut == len) {
            next = len;
        }
        if (cut > piece || cut == len) {
            size_t b = piece, e = cut;
            while (b < e && is_trim((unsigned char)s[b])) {
                b++;
            }
            while (e > b && is_trim((unsigned char)s[e - 1])) {
                e--;
            }
            if (e > b) {
                each(c, k, b, e - b, ud);
            }
            piece = next;
        }
        if (cut == len) {
            break;
        }
        search = next > cut ? next : cut + 1;
        while (search < len && ((unsigned char)s[search] & 0xC0) == 0x80) {
            search++;
        }
        if (next == cut) {
            piece = cut;
        }
    }
}

/* The registries a row names (flags indexed like a->registries). */
typedef struct db_set {
    bool *has;
} db_set;

static void each_database(row_ctx *c, size_t k, size_t off, size_t len, void *ud)
{
    db_set *set = ud;
    const char *s = c->rec->fields[k] + off;
    bool found = false;
    for (size_t i = 0; i < c->a->databases.n; i++) {
        a_pattern *p = &c->a->databases.items[i];
        if (match(p->re, s, len, NULL, NULL, &c->rc)) {
            set->has[p->target] = true;
            p->used = true;
            found = true;
        }
    }
    if (!found && !matches_any(c->a->ignores[0].items, c->a->ignores[0].n, s, len, &c->rc)) {
        warn(c, "annex-unknown-database", k, off, "database '%.*s' names no registry of the tables",
             (int)len, s);
    }
}

/* The documents a row names, in the order of the tables (flags indexed like a->documents),
 * with the byte offset of the first mention of each. */
typedef struct doc_set {
    bool *has;
    size_t *off;
} doc_set;

static void each_document(row_ctx *c, size_t k, size_t off, size_t len, void *ud)
{
    doc_set *set = ud;
    const char *s = c->rec->fields[k] + off;
    bool found = false;
    for (size_t i = 0; i < c->a->spellings.n; i++) {
        a_pattern *p = &c->a->spellings.items[i];
        if (match(p->re, s, len, NULL, NULL, &c->rc)) {
            if (!set->has[p->target]) {
                set->has[p->target] = true;
                set->off[p->target] = off;
            }
            p->used = true;
            found = true;
        }
    }
    if (!found && !matches_any(c->a->ignores[1].items, c->a->ignores[1].n, s, len, &c->rc)) {
        warn(c, "annex-unknown-document", k, off, "'%.*s' names no document of the tables",
             (int)len, s);
    }
}

/* Collapses runs of white space (newlines included) into one space, trimmed. */
static char *clean(const char *s)
{
    mc_buf b = MC_BUF_INIT;
    bool space = false;
    for (; *s; s++) {
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
            space = b.len > 0;
            continue;
        }
        if (space) {
            mc_buf_append(&b, " ", 1);
            space = false;
        }
        mc_buf_append(&b, s, 1);
    }
    return mc_buf_take(&b);
}

static long find_procedure(const mc_annex *a, const char *code)
{
    return annex_find_named(a->procedures.items, a->procedures.n, sizeof(a_procedure),
                            offsetof(a_procedure, code), code);
}

/* The code prefix and the code with its dots as dashes ("nat-1-000002"); NULL when the code has
 * other characters. */
static char *procedure_name(const char *prefix, const char *code)
{
    mc_buf b = MC_BUF_INIT;
    mc_buf_puts(&b, prefix);
    for (const char *p = code; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            mc_buf_append(&b, p, 1);
        } else if (*p == '.' || *p == '-') {
            mc_buf_append(&b, "-", 1);
        } else {
            mc_buf_free(&b);
            return NULL;
        }
    }
    return mc_buf_take(&b);
}

static int push_string(char ***v, size_t *n, size_t *cap, char *s)
{
    if (s == NULL) {
        return MC_ENOMEM;
    }
    for (size_t i = 0; i < *n; i++) {
        if (strcmp((*v)[i], s) == 0) {
            mc_free(s);
            return 0;
        }
    }
    if (mc_grow(v, cap, *n + 1, sizeof **v) != 0) {
        mc_free(s);
        return MC_ENOMEM;
    }
    (*v)[(*n)++] = s;
    return 0;
}

/* The procedure of the row's code (created on its first row). */
static a_procedure *procedure_for(row_ctx *c, const char *agency)
{
    const char *const *f = (const char *const *)c->rec->fields;
    long i = find_procedure(c->a, f[C_CODE]);
    if (i >= 0) {
        a_procedure *p = &c->a->procedures.items[i];
        char *title = clean(f[C_NAME]);
        if (title == NULL) {
            c->rc = MC_ENOMEM;
            return NULL;
        }
        if (strcmp(title, p->title) != 0) {
            warn(c, "annex-renamed-procedure", C_CODE, 0,
                 "procedure %s is also at row %s under another name; its documents are merged "
                 "into %s (titled as there)",
                 p->code, p->rows, p->name);
        }
        mc_free(title);
        if (strcmp(agency, p->agency) != 0) {
            warn(c, "annex-sector-changed", C_SECTOR, 0,
                 "procedure %s is also at row %s under another sector; kept %s", p->code, p->rows,
                 p->agency);
        }
        mc_buf b = MC_BUF_INIT;
        mc_buf_printf(&b, "%s, %s", p->rows, c->row);
        char *rows = mc_buf_take(&b);
        if (rows == NULL) {
            c->rc = MC_ENOMEM;
            return NULL;
        }
        mc_free(p->rows);
        p->rows = rows;
        return p;
    }
    a_procedure *p = PUSH(c->a->procedures);
    if (p == NULL) {
        c->rc = MC_ENOMEM;
        return NULL;
    }
    p->code = annex_dup(f[C_CODE]);
    p->name = procedure_name(c->a->resolution[R_CODE_PREFIX], f[C_CODE]);
    p->title = clean(f[C_NAME]);
    p->agency = annex_dup(agency);
    p->sector = clean(f[C_SECTOR]);
    p->rows = annex_dup(c->row);
    if (!p->code || !p->name || !p->title || !p->agency || !p->sector || !p->rows) {
        c->rc = MC_ENOMEM;
        return NULL;
    }
    return p;
}

/* The legal basis of a row: "DOCUMENT, PROVISION" (either may be empty). */
static char *legal_of(const mc_csv_record *rec)
{
    char *doc = clean(rec->fields[C_LEGAL_DOC]), *prov = clean(rec->fields[C_LEGAL_PROV]);
    if (doc == NULL || prov == NULL) {
        mc_free(doc);
        mc_free(prov);
        return NULL;
    }
    mc_buf b = MC_BUF_INIT;
    mc_buf_printf(&b, "%s%s%s", doc, *doc && *prov ? ", " : "", prov);
    mc_free(doc);
    mc_free(prov);
    if (!b.oom && b.len == 0) {
        mc_buf_puts(&b, "not given in the annex");
    }
    return mc_buf_take(&b);
}

/* Normalises one data row into its procedure. */
static void import_row(row_ctx *c)
{
    mc_annex *a = c->a;
    const char *const *f = (const char *const *)c->rec->fields;
    long agency = -1;
    for (size_t i = 0; i < a->sectors.n && agency < 0; i++) {
        if (match(a->sectors.items[i].re, f[C_SECTOR], strlen(f[C_SECTOR]), NULL, NULL, &c->rc)) {
            agency = (long)a->sectors.items[i].target;
        }
    }
    db_set dbs = {mc_calloc(a->registries.n + 1, sizeof(bool))};
    doc_set docs = {mc_calloc(a->documents.n + 1, sizeof(bool)),
                    mc_calloc(a->documents.n + 1, sizeof(size_t))};
    if (dbs.has == NULL || docs.has == NULL || docs.off == NULL) {
        c->rc = MC_ENOMEM;
        goto done;
    }
    split_field(c, C_DB, a->split[0], each_database, &dbs);
    split_field(c, C_DOCS, a->split[1], each_document, &docs);
    if (agency < 0) {
        warn(c, "annex-unknown-sector", C_SECTOR, 0,
             "sector '%s' names no agency of the tables; the row is left out", f[C_SECTOR]);
        a->stats.unmapped++;
        goto done;
    }
    size_t replaced = 0;
    for (size_t i = 0; i < a->documents.n; i++) {
        if (!docs.has[i]) {
            continue;
        }
        const a_document *doc = &a->documents.items[i];
        if (!dbs.has[doc->registry]) {
            warn(c, "annex-document-not-in-databases", C_DOCS, docs.off[i],
                 "%s is held by %s, which the row's databases do not include; not replaced",
                 doc->name, a->registries.items[doc->registry].name);
            docs.has[i] = false;
            continue;
        }
        replaced++;
    }
    if (replaced == 0) {
        warn(c, "annex-no-document", C_DOCS, 0,
             "no replaced document could be mapped; the row is left out");
        a->stats.unmapped++;
        goto done;
    }
    a_procedure *p = procedure_for(c, a->agencies.items[agency].agency);
    char *legal = p ? legal_of(c->rec) : NULL;
    if (p == NULL || legal == NULL ||
        push_string(&p->legal, &p->nlegal, &p->legal_cap, legal) != 0) {
        c->rc = MC_ENOMEM;
        goto done;
    }
    p->sector_index = (size_t)agency;
    for (size_t i = 0; i < a->documents.n; i++) {
        bool known = false;
        for (size_t k = 0; k < p->nrequires && docs.has[i]; k++) {
            known |= p->requires[k].document == i;
        }
        if (!docs.has[i] || known) {
            continue;
        }
        if (mc_grow(&p->requires, &p->requires_cap, p->nrequires + 1, sizeof *p->requires) != 0) {
            c->rc = MC_ENOMEM;
            goto done;
        }
        mc_buf b = MC_BUF_INIT;
        mc_buf_printf(&b, "%s (%s, %s, row %s)", p->legal[p->nlegal - 1], a->resolution[R_NAME],
                      a->resolution[R_ANNEX], c->row);
        char *text = mc_buf_take(&b);
        if (text == NULL) {
            c->rc = MC_ENOMEM;
            goto done;
        }
        p->requires[p->nrequires++] = (a_require){i, text};
        a->documents.items[i].used = true;
        a->registries.items[a->documents.items[i].registry].used = true;
    }
    if (c->warned) {
        a->stats.partial++;
    } else {
        a->stats.mapped++;
    }
done:
    mc_free(dbs.has);
    mc_free(docs.has);
    mc_free(docs.off);
}

/* Checks a record's shape; reports and returns false when it cannot be imported. */
static bool record_ok(const char *file, const mc_csv_record *rec, mc_diags *d, int *rc)
{
    if (rec->nfields != NCOLS) {
        *rc = mc_diags_add_at(d, MC_DIAG_ERROR, file, rec->line, 1,
                              "expected %d fields, found %zu (quote a field that holds a comma)",
                              NCOLS, rec->nfields);
        return false;
    }
    if (rec->fields[C_CODE][0] == '\0') {
        *rc = mc_diags_add_at(d, MC_DIAG_ERROR, file, rec->line, rec->cols[C_CODE],
                              "row %s has an empty procedure code", rec->fields[C_ROW]);
        return false;
    }
    if (strspn(rec->fields[C_CODE], "0123456789.-") != strlen(rec->fields[C_CODE])) {
        *rc = mc_diags_add_at(d, MC_DIAG_ERROR, file, rec->line, rec->cols[C_CODE],
                              "row %s: procedure code '%s' is not digits and dots",
                              rec->fields[C_ROW], rec->fields[C_CODE]);
        return false;
    }
    return true;
}

static bool same_record(const mc_csv_record *x, const mc_csv_record *y)
{
    for (size_t i = 0; i < NCOLS; i++) {
        if (strcmp(x->fields[i], y->fields[i]) != 0) {
            return false;
        }
    }
    return true;
}

int annex_check(const char *file, const mc_csv *csv, mc_diags *d)
{
    int rc = 0;
    if (csv->n > 0) {
        const mc_csv_record *h = &csv->records[0];
        bool ok = h->nfields == NCOLS;
        for (size_t i = 0; ok && i < NCOLS; i++) {
            ok = strcmp(h->fields[i], header[i]) == 0;
        }
        if (!ok) {
            rc = mc_diags_add_at(d, MC_DIAG_ERROR, file, h->line, 1,
                                 "expected the header row,procedure_code,procedure_name,"
                                 "replaced_documents,database,database_ministry,legal_document,"
                                 "legal_provision,sector");
        }
    }
    for (size_t i = 1; i < csv->n && rc == 0; i++) {
        (void)record_ok(file, &csv->records[i], d, &rc);
    }
    return rc;
}

int annex_normalise(mc_annex *a, const char *file, const mc_csv *csv, mc_diags *d)
{
    int rc = 0;
    size_t first = csv->n > 0; /* the header */
    for (size_t i = first; i < csv->n && rc == 0; i++) {
        const mc_csv_record *rec = &csv->records[i];
        a->stats.rows++;
        size_t same = 0, number = 0;
        for (size_t k = first; k < i && !same; k++) {
            if (same_record(rec, &csv->records[k])) {
                same = k + 1;
            } else if (!number && strcmp(rec->fields[C_ROW], csv->records[k].fields[C_ROW]) == 0) {
                number = k + 1;
            }
        }
        if (same) {
            a->stats.skipped++;
            rc = mc_diags_warn_at(d, "annex-row-repeated", file, rec->line, 1,
                                  "row %s repeats line %u word for word; left out",
                                  rec->fields[C_ROW], (unsigned)csv->records[same - 1].line);
            continue;
        }
        if (number) {
            rc = mc_diags_warn_at(d, "annex-row-number-reused", file, rec->line, rec->cols[C_ROW],
                                  "row number %s is also used at line %u; both rows are imported",
                                  rec->fields[C_ROW], (unsigned)csv->records[number - 1].line);
        }
        row_ctx c = {a, d, file, rec, rec->fields[C_ROW], number != 0, 0};
        if (rc == 0) {
            import_row(&c);
            rc = c.rc;
        }
    }
    return rc;
}
