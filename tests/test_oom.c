/* Out of memory across the layers (test_engine.c, test_store.c and test_report.c sweep their own
 * modules): JSON text is whole or absent however Jansson fails, and the engine saves a dossier
 * whole or not at all — never a row or an event with values missing. */
#include "testutil.h"

#include "motcua/engine.h"
#include "motcua/store.h"
#include "base/json.h"

static const char json_text[] = "{\"g\":[1,2,{\"x\":\"y\\n\\u0001\"}],\"a\":\"b\\\"c\\\\d\\u00e9\","
                                "\"c\":{\"f\":3,\"d\":\"Gi\\u1ea5y\"}}";

/* Parses json_text and writes it again: the text of the first run, or MC_ENOMEM. */
static int json_round_trip(void *ctx)
{
    char **first = ctx;
    json_t *j;
    int rc = mc_json_loads(json_text, 0, &j);
    if (rc != 0) {
        assert_null(j);
        return rc;
    }
    char *text = mc_json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    if (text == NULL) {
        return MC_ENOMEM;
    }
    if (*first == NULL) {
        *first = text;
        return 0;
    }
    assert_string_equal(text, *first);
    mc_free(text);
    return 0;
}

/* Jansson 2.14 alone, failing an allocation in turn, parses "bcdefghijklmno" as
 * "bcdefghijklmo", writes {":"e"} for {"d":"e"}, or stops the process on an assertion of its
 * lexer; through mc_json_loads and mc_json_dumps each run is the whole text or MC_ENOMEM. */
static void test_oom__json_text_is_whole_or_absent(void **state)
{
    (void)state;
    char *first = NULL;
    assert_int_equal(mc_init(), 0);
    assert_int_equal(json_round_trip(&first), 0);
    assert_string_equal(first, "{\"a\":\"b\\\"c\\\\d\xc3\xa9\",\"c\":{\"d\":\"Gi\xe1\xba\xa5y\","
                               "\"f\":3},\"g\":[1,2,{\"x\":\"y\\n\\u0001\"}]}");
    assert_true(tu_oom_sweep(json_round_trip, &first, false) > 10);
    mc_free(first);
    json_t *j;
    assert_int_equal(mc_json_loads("{\"a\":", 0, &j), MC_ESYNTAX);
    assert_null(j);
    assert_null(mc_json_dumps(NULL, 0));
    /* Text that is not UTF-8 (quoted from a request): each bad byte becomes U+FFFD. */
    j = mc_json_text("a\xff"
                     "b\xe1\xbb");
    assert_string_equal(json_string_value(j), "a\xef\xbf\xbd"
                                              "b\xef\xbf\xbd\xef\xbf\xbd");
    json_decref(j);
    j = mc_json_text("Gi\xe1\xba\xa5y");
    assert_string_equal(json_string_value(j), "Gi\xe1\xba\xa5y");
    json_decref(j);
}

static const char catalogue_text[] =
    "role clerk\ndocument notice\n"
    "lifecycle l { state submitted { initial; on receive -> processing by clerk }\n"
    "  state processing { on approve -> done by clerk }\n"
    "  state done { final; outcome granted } }\n"
    "procedure birth { time-limit 2wd; lifecycle l; subject id\n"
    "  field id { type text; required }\n  field name { type text }\n"
    "  field place { type text }\n  requires notice }\n";

typedef struct oom_engine {
    mc_engine *e;
    int64_t dossiers; /* filed so far */
} oom_engine;

static const int64_t submitted = 1751508000; /* 2025-07-03T09:00+07:00 */

static int submit_and_receive(void *ctx)
{
    oom_engine *o = ctx;
    mc_kv fields[] = {{"id", "001234567890"},
                      {"name", "Nguy\xe1\xbb\x85n V\xc4\x83n A"},
                      {"place", "H\xc3\xa0 N\xe1\xbb\x99i"}};
    mc_submit s;
    memset(&s, 0, sizeof s);
    s.procedure = "birth";
    s.fields = fields;
    s.nfields = 3;
    s.channel = "online";
    s.now = submitted;
    mc_result res;
    int rc = mc_engine_submit(o->e, &s, &res, NULL);
    if (rc == 0) {
        o->dossiers++;
        mc_fire f;
        memset(&f, 0, sizeof f);
        f.dossier = res.dossier;
        f.event = "receive";
        f.role = "clerk";
        f.now = submitted + 600;
        rc = mc_engine_fire(o->e, &f, &res, NULL);
    }
    return rc;
}

static int keep_last_body(void *ud, const mc_event_row *ev)
{
    char **body = ud;
    free(*body);
    *body = strdup(ev->body);
    return 0;
}

/* Every dossier filed so far has all of its values, in its row and in its submit event. */
static void dossiers_are_whole(void *ctx, int rc)
{
    (void)rc;
    oom_engine *o = ctx;
    mc_store *st = mc_engine_store(o->e);
    for (int64_t id = 1; id <= o->dossiers; id++) {
        mc_dossier_row row;
        memset(&row, 0, sizeof row);
        assert_int_equal(mc_store_dossier_load(st, id, &row, NULL), 0);
        assert_non_null(strstr(row.data, "\"values\":{\"id\":\"001234567890\",\"name\":"
                                         "\"Nguy\xe1\xbb\x85n V\xc4\x83n A\",\"place\":"
                                         "\"H\xc3\xa0 N\xe1\xbb\x99i\"}"));
        assert_non_null(strstr(row.data, "\"notice\":{\"status\":\"asked\"}"));
        mc_dossier_row_clear(&row);
    }
    mc_dossier_row none;
    memset(&none, 0, sizeof none);
    assert_int_equal(mc_store_dossier_load(st, o->dossiers + 1, &none, NULL), MC_ENOTFOUND);
    int64_t n;
    assert_int_equal(mc_store_verify(st, &n, NULL), 0);
    if (o->dossiers > 0) {
        char *body = NULL;
        assert_int_equal(mc_store_event_each(st, 1, keep_last_body, &body, NULL), 0);
        assert_non_null(body);
        free(body);
    }
}

/* Submit and fire under memory pressure: each failed run returns MC_ENOMEM, and what it left in
 * the store is either nothing or a dossier with every value (SQLite's and Jansson's
 * allocations fail too, through the library's hook). */
static void test_oom__a_dossier_is_saved_whole_or_not_at_all(void **state)
{
    (void)state;
    mc_catalogue *cat;
    char *diags;
    assert_int_equal(tu_load(catalogue_text, &cat, &diags), 0);
    free(diags);
    oom_engine o = {NULL, 0};
    assert_int_equal(mc_engine_open(&o.e, cat, NULL, ":memory:", NULL), 0);
    assert_true(tu_oom_sweep_checked(submit_and_receive, dossiers_are_whole, &o, false) > 100);
    mc_engine_close(o.e);
    mc_catalogue_free(cat);
}

/* The other face of a checked json_string: a field value that is not UTF-8 has no JSON text, and
 * was silently left out of the row and of its event. It is refused, as a note is, and nothing
 * is filed. */
static void test_oom__a_field_that_is_not_utf8_is_refused_not_lost(void **state)
{
    (void)state;
    mc_catalogue *cat;
    char *diags;
    assert_int_equal(tu_load(catalogue_text, &cat, &diags), 0);
    free(diags);
    mc_engine *e;
    assert_int_equal(mc_engine_open(&e, cat, NULL, ":memory:", NULL), 0);
    mc_kv fields[] = {{"id", "001234567890"}, {"name", "Nguy\xe1\xbb"}};
    mc_submit s;
    memset(&s, 0, sizeof s);
    s.procedure = "birth";
    s.fields = fields;
    s.nfields = 2;
    s.now = submitted;
    mc_result res;
    assert_int_equal(mc_engine_submit(e, &s, &res, NULL), MC_EREFUSED);
    assert_int_equal(res.refusal, MC_REFUSED_OTHER);
    assert_string_equal(res.message, "field 'name' is not valid UTF-8 (byte 5)");
    mc_dossier_row row;
    memset(&row, 0, sizeof row);
    assert_int_equal(mc_store_dossier_load(mc_engine_store(e), 1, &row, NULL), MC_ENOTFOUND);
    mc_engine_close(e);
    mc_catalogue_free(cat);
}

/* A refusal that quotes a request that is not UTF-8 was reported as "out of memory" (its
 * event could not be written as JSON); it is a refusal, recorded with U+FFFD in place of each
 * bad byte. */
static void test_oom__a_refusal_quoting_bytes_that_are_not_utf8_is_recorded(void **state)
{
    (void)state;
    mc_catalogue *cat;
    char *diags;
    assert_int_equal(tu_load(catalogue_text, &cat, &diags), 0);
    free(diags);
    mc_engine *e;
    assert_int_equal(mc_engine_open(&e, cat, NULL, ":memory:", NULL), 0);
    mc_kv fields[] = {{"id", "001234567890"}};
    mc_submit s;
    memset(&s, 0, sizeof s);
    s.procedure = "bi\xffrth";
    s.fields = fields;
    s.nfields = 1;
    s.now = submitted;
    mc_result res;
    mc_error err;
    assert_int_equal(mc_engine_submit(e, &s, &res, &err), MC_EREFUSED);
    assert_string_equal(res.message, "unknown procedure 'bi\xffrth'");
    char *body = NULL;
    assert_int_equal(mc_store_event_each(mc_engine_store(e), 0, keep_last_body, &body, NULL), 0);
    assert_non_null(body);
    assert_non_null(strstr(body, "\"message\":\"unknown procedure 'bi\xef\xbf\xbdrth'\""));
    assert_non_null(strstr(body, "\"procedure\":\"bi\xef\xbf\xbdrth\""));
    free(body);
    mc_engine_close(e);
    mc_catalogue_free(cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_oom__json_text_is_whole_or_absent),
        cmocka_unit_test(test_oom__a_dossier_is_saved_whole_or_not_at_all),
        cmocka_unit_test(test_oom__a_field_that_is_not_utf8_is_refused_not_lost),
        cmocka_unit_test(test_oom__a_refusal_quoting_bytes_that_are_not_utf8_is_recorded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
