/*
 * The annex importer: its CSV reader (quoting, embedded newlines and quotes, malformed records
 * reported by line) and its normalisation of rows with the repository's tables
 * (data/annex-66-7): several databases in one cell, lists of documents, documents named inside
 * a sentence, spellings that map nowhere.
 */
#include "testutil.h"

#include "base/buf.h"
#include "lang/csv.h"

#include "motcua/annex.h"
#include "motcua/diag.h"

#define TABLES "data/annex-66-7/tables.tsv"
#define ASSUMPTIONS "data/annex-66-7/assumptions.tsv"
#define HEADER                                                                                     \
    "row,procedure_code,procedure_name,replaced_documents,database,database_ministry,"             \
    "legal_document,legal_provision,sector\n"
#define SECTOR "LĨNH VỰC QUẢN LÝ NHÀ NƯỚC CỦA BỘ TƯ PHÁP"

/* ---- the CSV reader ------------------------------------------------------------------------ */

/* Parses text; returns the diagnostics rendered (the caller frees) and the records in *csv. */
static char *parse(const char *text, mc_csv *csv)
{
    mc_diags *d;
    assert_int_equal(mc_diags_new(&d), 0);
    assert_int_equal(mc_csv_parse(csv, "a.csv", text, strlen(text), d), 0);
    char *out = tu_render(d, false);
    mc_diags_free(d);
    return out;
}

static void test_annex__csv_quoting(void **state)
{
    (void)state;
    mc_csv csv = MC_CSV_INIT;
    char *diags = parse("a,\"b, \"\"c\"\"\",\"two\nlines\"\r\n\nd,,\"\"\n", &csv);
    assert_string_equal(diags, "");
    assert_int_equal(csv.n, 2);
    assert_int_equal(csv.records[0].nfields, 3);
    assert_string_equal(csv.records[0].fields[1], "b, \"c\"");
    assert_string_equal(csv.records[0].fields[2], "two\nlines");
    assert_int_equal(csv.records[1].line, 4);
    assert_int_equal(csv.records[1].nfields, 3);
    assert_string_equal(csv.records[1].fields[1], "");
    assert_int_equal(csv.records[1].cols[2], 5);
    free(diags);
    mc_csv_free(&csv);
}

static void test_annex__csv_bad_quoting(void **state)
{
    (void)state;
    mc_csv csv = MC_CSV_INIT;
    char *diags = parse("ok,1\nab\"c,2\n\"x\"y,3\nok,4\n\"never closed,5\n", &csv);
    assert_string_equal(
        diags, "a.csv:2:3: error: quote inside an unquoted field (quote the whole field and "
               "write the quote as \"\")\n"
               "a.csv:3:4: error: text after the closing quote of a field (write a quote inside a "
               "quoted field as \"\")\n"
               "a.csv:5:1: error: quoted field is never closed (a quote is missing)\n");
    assert_int_equal(csv.n, 2);
    assert_string_equal(csv.records[1].fields[1], "4");
    free(diags);
    mc_csv_free(&csv);
}

static void test_annex__csv_invalid_utf8(void **state)
{
    (void)state;
    mc_csv csv = MC_CSV_INIT;
    char *diags = parse("ok,1\nđ\xff,2\n", &csv);
    assert_string_equal(diags, "a.csv:2:2: error: invalid UTF-8 (byte 0xFF); save the file as "
                               "UTF-8\n");
    free(diags);
    mc_csv_free(&csv);
}

/* ---- the import ---------------------------------------------------------------------------- */

typedef struct run {
    int rc;
    char *diags;
    mc_annex *a;
} run;

static run import(const char *text)
{
    run r = {0, NULL, NULL};
    mc_diags *d;
    assert_int_equal(mc_diags_new(&d), 0);
    assert_int_equal(mc_annex_new(&r.a, TABLES, ASSUMPTIONS, d, NULL), 0);
    r.rc = mc_annex_import(r.a, "annex.csv", text, strlen(text), d, NULL);
    mc_diags_sort(d);
    r.diags = tu_render(d, false);
    mc_diags_free(d);
    return r;
}

static void run_free(run *r)
{
    free(r->diags);
    mc_annex_free(r->a);
}

static const char *file_text(const mc_annex *a, const char *path)
{
    size_t n;
    const mc_annex_file *f = mc_annex_files(a, &n);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(f[i].path, path) == 0) {
            return f[i].text;
        }
    }
    fail_msg("no file %s", path);
    return NULL;
}

static void test_annex__malformed_rows(void **state)
{
    (void)state;
    run r = import(HEADER "1,2.000001,A,Căn cước,CSDL dân cư,x,y,z\n"
                          "2,,B,Căn cước,CSDL dân cư,x,y,z," SECTOR "\n");
    assert_int_equal(r.rc, MC_ECHECK);
    assert_string_equal(r.diags,
                        "annex.csv:2:1: error: expected 9 fields, found 8 (quote a field that "
                        "holds a comma)\n"
                        "annex.csv:3:3: error: row 2 has an empty procedure code\n");
    size_t n;
    mc_annex_files(r.a, &n);
    assert_int_equal(n, 0);
    run_free(&r);
}

static void test_annex__wrong_header(void **state)
{
    (void)state;
    run r = import("row,code\n");
    assert_int_equal(r.rc, MC_ECHECK);
    assert_string_equal(r.diags, "annex.csv:1:1: error: expected the header row,procedure_code,"
                                 "procedure_name,replaced_documents,database,database_ministry,"
                                 "legal_document,legal_provision,sector\n");
    run_free(&r);
}

static void test_annex__duplicate_row(void **state)
{
    (void)state;
    run r = import(HEADER "1,1.000001,A,Căn cước,CSDL dân cư,x,y,z," SECTOR "\n"
                          "1,1.000001,A,Căn cước,CSDL dân cư,x,y,z," SECTOR "\n");
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.diags, "annex.csv:3:1: warning[annex-row-repeated]: row 1 repeats line 2 "
                                 "word for word; left out\n");
    mc_annex_stats s = mc_annex_stats_of(r.a);
    assert_int_equal(s.rows, 2);
    assert_int_equal(s.mapped, 1);
    assert_int_equal(s.skipped, 1);
    run_free(&r);
}

static void test_annex__two_databases(void **state)
{
    (void)state;
    run r = import(HEADER "7,1.000002,Đăng ký,\"Căn cước công dân; Giấy chứng nhận đăng ký hộ "
                          "kinh doanh\",CSDL quốc gia về dân cư Cơ sở dữ liệu quốc gia về đăng ký "
                          "doanh nghiệp,x,Luật A,Điều 1," SECTOR "\n");
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.diags, "");
    const char *p = file_text(r.a, "ministry-of-justice.proc");
    assert_non_null(strstr(p, "    requires nat-household-business-certificate { effort 1h; "
                              "legal-basis \"Luật A, Điều 1 (Resolution 66.7/2025/NQ-CP, annex "
                              "I, row 7)\" }\n"));
    assert_non_null(strstr(p, "    requires nat-citizen-identity {"));
    const char *reform = file_text(r.a, "resolution-66-7.proc");
    assert_non_null(strstr(reform, "    registry business { holds "
                                   "nat-household-business-certificate }\n"
                                   "    registry population { holds nat-citizen-identity }\n"));
    run_free(&r);
}

static void test_annex__list_and_sentence(void **state)
{
    (void)state;
    run r =
        import(HEADER "9,1.000003,Cấp,\"Giấy tờ chứng minh quan hệ như: Giấy khai sinh; "
                      "giấy đăng ký kết hôn; Hộ khẩu *(Áp dụng đối với giấy tờ do cơ quan "
                      "chức năng của Việt Nam cấp)*\",CSDL hộ tịch; CSDL dân cư,x,y,z," SECTOR "\n"
                      "10,1.000004,Cấp,Giấy chứng tử hoặc trích lục khai tử,Cơ sở dữ liệu hộ "
                      "tịch điện tử,x,y,z," SECTOR "\n");
    assert_int_equal(r.rc, 0);
    assert_string_equal(
        r.diags,
        "annex.csv:2:17: warning[annex-unknown-document]: row 9: 'Giấy tờ chứng minh quan hệ "
        "như' names no document of the tables\n");
    const char *p = file_text(r.a, "ministry-of-justice.proc");
    assert_non_null(strstr(p, "requires nat-birth-certificate"));
    assert_non_null(strstr(p, "requires nat-marriage-certificate"));
    assert_non_null(strstr(p, "requires nat-household-book"));
    const char *docs = file_text(r.a, "documents.proc");
    assert_non_null(strstr(docs, "    match \"(?i)giấy chứng tử|trích lục khai tử\"\n"));
    mc_annex_stats s = mc_annex_stats_of(r.a);
    assert_int_equal(s.mapped, 1);
    assert_int_equal(s.partial, 1);
    assert_int_equal(s.procedures, 2);
    run_free(&r);
}

static void test_annex__unmapped(void **state)
{
    (void)state;
    run r =
        import(HEADER "708,2.000682,Đăng ký,Cơ sở dữ liệu quốc gia về dân cư,Bộ Công an,x,y,"
                      "z," SECTOR "\n"
                      "11,1.000005,Cấp,Giấy khai sinh,CSDL quốc gia về dân cư,x,y,z," SECTOR "\n");
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.diags, "annex.csv:2:22: warning[annex-no-document]: row 708: no replaced "
                                 "document could be mapped; the row is "
                                 "left out\n"
                                 "annex.csv:2:55: warning[annex-unknown-database]: row 708: "
                                 "database 'Bộ Công an' names no registry of the "
                                 "tables\n"
                                 "annex.csv:3:17: warning[annex-document-not-in-databases]: row "
                                 "11: nat-birth-certificate is held by civil-status, which "
                                 "the row's databases do not include; not replaced\n"
                                 "annex.csv:3:17: warning[annex-no-document]: row 11: no replaced "
                                 "document could be mapped; the row is left "
                                 "out\n");
    mc_annex_stats s = mc_annex_stats_of(r.a);
    assert_int_equal(s.unmapped, 2);
    assert_int_equal(s.procedures, 0);
    run_free(&r);
}

static void test_annex__bad_tables(void **state)
{
    (void)state;
    const char *path = "build-annex-test-tables.tsv";
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("# a comment\nregistry\tpopulation\tbundled\ndatabase\tnowhere\tdân cư\n"
          "spelling\tx\t(unclosed\n",
          f);
    fclose(f);
    mc_diags *d;
    mc_annex *a = NULL;
    assert_int_equal(mc_diags_new(&d), 0);
    assert_int_equal(mc_annex_new(&a, path, ASSUMPTIONS, d, NULL), MC_ECHECK);
    assert_null(a);
    char *out = tu_render(d, false);
    assert_string_equal(out, "build-annex-test-tables.tsv:3:10: error: unknown registry 'nowhere' "
                             "(declare it with a 'registry' line first)\n"
                             "build-annex-test-tables.tsv:4:10: error: unknown document 'x' "
                             "(declare it with a 'document' line first)\n");
    free(out);
    mc_diags_free(d);
    remove(path);
}

/* Writes text to path (a file the test removes). */
static void write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void test_annex__tables_read_by_the_one_reader(void **state)
{
    /* The repository's tables saved by a spreadsheet (a byte order mark, CRLF line ends) load
     * as they are; before, the mark made the first comment an unknown entry. */
    (void)state;
    mc_source *src;
    assert_int_equal(mc_source_read(&src, TABLES, NULL), 0);
    mc_buf b = MC_BUF_INIT;
    mc_buf_puts(&b, "\xEF\xBB\xBF");
    for (const char *p = mc_source_text(src); *p; p++) {
        mc_buf_puts(&b, *p == '\n' ? "\r\n" : (char[]){*p, '\0'});
    }
    mc_source_free(src);
    assert_false(b.oom);
    const char *path = "build-annex-test-crlf.tsv";
    write_file(path, b.data, b.len);
    mc_buf_free(&b);
    mc_diags *d;
    mc_annex *a = NULL;
    assert_int_equal(mc_diags_new(&d), 0);
    assert_int_equal(mc_annex_new(&a, path, ASSUMPTIONS, d, NULL), 0);
    assert_int_equal(mc_diags_count(d), 0);
    mc_annex_free(a);
    /* Invalid UTF-8 is the reader's error, at its line. */
    static const char bad[] = "# ok\nregistry\tpop\xFFulation\tbundled\n";
    write_file(path, bad, sizeof bad - 1);
    assert_int_equal(mc_annex_new(&a, path, ASSUMPTIONS, d, NULL), MC_ECHECK);
    char *out = tu_render(d, false);
    assert_string_equal(out, "build-annex-test-crlf.tsv:2:13: error: invalid UTF-8 (byte 0xFF); "
                             "save the file as UTF-8\n");
    free(out);
    mc_diags_free(d);
    remove(path);
}

/* The repository's tables without their `resolution` lines, then extra; written to path. */
static void tables_with(const char *path, const char *extra)
{
    mc_source *src;
    assert_int_equal(mc_source_read(&src, TABLES, NULL), 0);
    mc_buf b = MC_BUF_INIT;
    for (const char *p = mc_source_text(src); *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);
        if (strncmp(p, "resolution\t", 11) != 0) {
            mc_buf_append(&b, p, len);
        }
        p += len;
    }
    mc_source_free(src);
    mc_buf_puts(&b, extra);
    assert_false(b.oom);
    write_file(path, b.data, b.len);
    mc_buf_free(&b);
}

static void test_annex__resolution_comes_from_the_tables(void **state)
{
    /* Another resolution's name, dates, calendar, prefix and reform: the same code renders
     * them (before, they were strings in annex.c and a `resolution` line was unknown). */
    (void)state;
    const char *path = "build-annex-test-resolution.tsv";
    tables_with(path, "resolution\tname\tDecree 1/2027/ND-CP\nresolution\tannex\tappendix II\n"
                      "resolution\tin-force\tfrom 1 Mar 2027\nresolution\tpublished\t2027-03-01\n"
                      "resolution\tcalendar\tvn2\nresolution\tcode-prefix\tdec-\n"
                      "resolution\treform\tdecree-1\nresolution\treform-title\tfewer papers\n"
                      "resolution\treform-title-vi\tNghị định 1: ít giấy tờ hơn\n"
                      "resolution\tdata\tdata/decree-1\n");
    mc_diags *d;
    mc_annex *a = NULL;
    assert_int_equal(mc_diags_new(&d), 0);
    assert_int_equal(mc_annex_new(&a, path, ASSUMPTIONS, d, NULL), 0);
    static const char text[] = HEADER "7,1.000002,Đăng ký,\"Căn cước công dân; Giấy chứng nhận "
                                      "đăng ký hộ kinh doanh\",CSDL quốc gia về dân cư,x,Luật A,"
                                      "Điều 1," SECTOR "\n";
    assert_int_equal(mc_annex_import(a, "a.csv", text, sizeof text - 1, d, NULL), 0);
    const char *reform = file_text(a, "decree-1.proc");
    assert_non_null(strstr(reform, "# Generated by `motcua import annex` from Decree 1/2027/ND-CP, "
                                   "appendix II, with\n# data/decree-1/tables.tsv and "
                                   "data/decree-1/assumptions.tsv: do not edit"));
    assert_non_null(strstr(reform, "# Decree 1/2027/ND-CP (in force from 1 Mar 2027), appendix "
                                   "II: the documents that\n"));
    assert_non_null(strstr(reform, "reform decree-1 {\n    title \"Decree 1/2027/ND-CP, appendix "
                                   "II: fewer papers\"\n    title vi \"Nghị định 1: ít giấy "
                                   "tờ hơn\"\n"));
    const char *procs = file_text(a, "ministry-of-justice.proc");
    assert_non_null(strstr(procs, "procedures of appendix II (sector"));
    assert_non_null(strstr(procs, "\n# Appendix II, row 7.\nprocedure dec-1-000002 {\n"));
    assert_non_null(strstr(procs, "    effective 2027-03-01\n    calendar vn2\n"));
    /* the row's sector heading, as the annex writes it, after the agency */
    assert_non_null(strstr(procs, "    agency ministry-of-justice\n    sector \"" SECTOR "\"\n"
                                  "    effective 2027-03-01\n"));
    assert_non_null(strstr(procs, "(Decree 1/2027/ND-CP, appendix II, row 7)"));
    mc_annex_free(a);
    mc_diags_free(d);

    /* Each key is required once, and checked. */
    tables_with(path, "resolution\tname\tDecree 1\nresolution\tname\tagain\n"
                      "resolution\tpublished\t1 March\nresolution\tcode-prefix\tDec_\n"
                      "resolution\tcolour\tred\n");
    assert_int_equal(mc_diags_new(&d), 0);
    assert_int_equal(mc_annex_new(&a, path, ASSUMPTIONS, d, NULL), MC_ECHECK);
    char *out = tu_render(d, false);
    assert_non_null(strstr(out, ":12: error: resolution name is given twice\n"));
    assert_non_null(strstr(out, ":22: error: published '1 March' is not a date (YYYY-MM-DD)\n"));
    assert_non_null(strstr(out, ":24: error: code-prefix 'Dec_' is not a name (lower-case "
                                "letters, digits and dashes)\n"));
    assert_non_null(strstr(out, ":12: error: unknown resolution key 'colour' (expected name, "
                                "annex, in-force, published, calendar, code-prefix, reform, "
                                "reform-title, reform-title-vi or data)\n"));
    free(out);
    mc_diags_free(d);
    tables_with(path, "resolution\tname\tDecree 1\n");
    assert_int_equal(mc_diags_new(&d), 0);
    assert_int_equal(mc_annex_new(&a, path, ASSUMPTIONS, d, NULL), MC_ECHECK);
    out = tu_render(d, false);
    assert_non_null(strstr(out, "build-annex-test-resolution.tsv:0:0: error: no 'resolution annex' "
                                "line\n"));
    assert_non_null(strstr(out, "error: no 'resolution data' line\n"));
    assert_null(strstr(out, "'resolution name'"));
    free(out);
    mc_diags_free(d);
    remove(path);
}

/* Out of memory at every allocation of loading the tables and importing a row: MC_ENOMEM, and
 * nothing leaks (the suite runs under AddressSanitizer in `make asan`). */
static int oom_attempt(void *ud)
{
    (void)ud;
    static const char text[] = HEADER "7,1.000002,Đăng ký,\"Căn cước công dân; Giấy chứng nhận "
                                      "đăng ký hộ kinh doanh\",CSDL quốc gia về dân cư,x,Luật A,"
                                      "Điều 1," SECTOR "\n";
    mc_diags *d = NULL;
    mc_annex *a = NULL;
    int rc = mc_diags_new(&d);
    if (rc == 0) {
        rc = mc_annex_new(&a, TABLES, ASSUMPTIONS, d, NULL);
    }
    if (rc == 0) {
        rc = mc_annex_import(a, "a.csv", text, sizeof text - 1, d, NULL);
    }
    mc_annex_free(a);
    mc_diags_free(d);
    return rc;
}

static void test_annex__out_of_memory(void **state)
{
    (void)state;
    assert_true(tu_oom_sweep(oom_attempt, NULL, false) > 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_annex__csv_quoting),
        cmocka_unit_test(test_annex__csv_bad_quoting),
        cmocka_unit_test(test_annex__csv_invalid_utf8),
        cmocka_unit_test(test_annex__malformed_rows),
        cmocka_unit_test(test_annex__wrong_header),
        cmocka_unit_test(test_annex__duplicate_row),
        cmocka_unit_test(test_annex__two_databases),
        cmocka_unit_test(test_annex__list_and_sentence),
        cmocka_unit_test(test_annex__unmapped),
        cmocka_unit_test(test_annex__bad_tables),
        cmocka_unit_test(test_annex__tables_read_by_the_one_reader),
        cmocka_unit_test(test_annex__resolution_comes_from_the_tables),
        cmocka_unit_test(test_annex__out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
