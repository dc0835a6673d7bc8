/* The JSON views the two front ends share (src/front/view.h): their exact text, the checked
 * builder, and out of memory: each view is whole or NULL, never an object with a key missing,
 * and leaks nothing (make asan). */
#include "testutil.h"

#include "base/json.h"
#include "front/view.h"
#include "motcua/calendar.h"
#include "motcua/engine.h"

static const char catalogue_text[] =
    "role clerk\ndocument notice\ndocument photo\n"
    "lifecycle l { state submitted { initial; on receive -> processing by clerk }\n"
    "  state processing { on approve -> done by clerk }\n"
    "  state done { final; outcome granted } }\n"
    "procedure birth { time-limit 2wd; lifecycle l; subject id\n"
    "  field id { type text; required }\n  field abroad { type bool }\n"
    "  requires notice\n  requires photo when abroad }\n";

static const int64_t submitted = 1751508000; /* 2025-07-03T09:00+07:00 */

typedef struct fixture {
    mc_catalogue *cat;
    mc_engine *e;
    mc_dossier d;
    const char *view; /* which view a sweep builds */
    char *first;      /* its text on the first whole run */
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    char *diags;
    int rc = tu_load(catalogue_text, &f->cat, &diags);
    if (rc != 0) {
        fail_msg("%s", diags);
    }
    free(diags);
    assert_int_equal(mc_engine_open(&f->e, f->cat, NULL, ":memory:", NULL), 0);
    mc_kv fields[] = {{"id", "001234567890"}};
    mc_submit s = MC_SUBMIT_INIT;
    s.procedure = "birth";
    s.fields = fields;
    s.nfields = 1;
    s.channel = "online";
    s.now = submitted;
    mc_result res;
    assert_int_equal(mc_engine_submit(f->e, &s, &res, NULL), 0);
    assert_int_equal(mc_engine_get(f->e, res.dossier, submitted + 60, &f->d, NULL), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    mc_dossier_free(&f->d);
    mc_engine_close(f->e);
    mc_catalogue_free(f->cat);
    free(f->first);
    free(f);
    return 0;
}

static const mc_event_row event = {.seq = 3,
                                   .dossier = 1,
                                   .at = 1751508600,
                                   .kind = "fire",
                                   .actor = "clerk",
                                   .body = "{\"event\":\"receive\",\"from\":\"submitted\","
                                           "\"to\":\"processing\"}"};

static const mc_indicators indicators = {.name = "birth",
                                         .received = 8,
                                         .resolved = 4,
                                         .on_time = 3,
                                         .late = 1,
                                         .online = 6,
                                         .fetched = 2,
                                         .asked = 5,
                                         .blocked = 1,
                                         .processing_wd = 10};

/* The view f->view, or NULL when memory ran out (MC_ENOMEM from explain). */
static json_t *build(fixture *f)
{
    const mc_calendar *cal = mc_calendar_builtin();
    if (strcmp(f->view, "dossier") == 0) {
        return front_dossier_json(cal, &f->d);
    }
    if (strcmp(f->view, "explain") == 0) {
        json_t *list;
        int rc = front_explain_json(&f->d, NULL, &list);
        assert_true(rc == 0 || rc == MC_ENOMEM);
        return list;
    }
    if (strcmp(f->view, "event") == 0) {
        return front_event_json(cal, &event);
    }
    if (strcmp(f->view, "row") == 0) {
        char procedure[] = "birth", st[] = "processing";
        mc_dossier_row row = {
            .id = 7, .procedure = procedure, .state = st, .due = 1751940000, .overdue = true};
        return front_row_json(cal, &row);
    }
    return front_indicators_json(&indicators);
}

/* Builds the view and writes it: the text of the first whole run, or MC_ENOMEM. */
static int view_text(void *ctx)
{
    fixture *f = ctx;
    json_t *j = build(f);
    if (j == NULL) {
        return MC_ENOMEM;
    }
    char *text = mc_json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (text == NULL) {
        return MC_ENOMEM;
    }
    if (f->first == NULL) {
        f->first = strdup(text);
    } else {
        assert_string_equal(text, f->first);
    }
    mc_free(text);
    return 0;
}

static const char *text_of(fixture *f, const char *view)
{
    free(f->first);
    f->first = NULL;
    f->view = view;
    assert_int_equal(view_text(f), 0);
    return f->first;
}

static void test_front__views_give_the_texts_of_the_api(void **state)
{
    fixture *f = *state;
    assert_string_equal(
        text_of(f, "dossier"),
        "{\"id\":1,\"procedure\":\"birth\",\"state\":\"submitted\",\"final\":false,"
        "\"clock\":\"stopped\",\"due\":null,\"overdue\":false,"
        "\"submitted\":\"2025-07-03T09:00\",\"channel\":\"online\",\"subject\":\"001234567890\","
        "\"fee\":null,\"apologized\":false,\"events\":1,\"blocked\":0,"
        "\"checklist\":[{\"document\":\"notice\",\"status\":\"asked\"}]}");
    assert_string_equal(
        text_of(f, "explain"),
        "[{\"document\":\"notice\",\"status\":\"asked\",\"required\":\"always "
        "required\",\"story\":\"asked: no registry holds notice\",\"registry\":null,"
        "\"record\":null,\"legal_basis\":null},{\"document\":\"photo\",\"status\":"
        "\"not required\",\"required\":\"required when abroad\",\"story\":\"not "
        "required: its condition does not hold\",\"registry\":null,\"record\":null,"
        "\"legal_basis\":null}]");
    assert_string_equal(text_of(f, "event"),
                        "{\"seq\":3,\"at\":\"2025-07-03T09:10\",\"kind\":\"fire\",\"actor\":"
                        "\"clerk\",\"body\":{\"event\":\"receive\",\"from\":\"submitted\","
                        "\"to\":\"processing\"}}");
    assert_string_equal(
        text_of(f, "row"),
        "{\"id\":7,\"procedure\":\"birth\",\"agency\":null,\"state\":\"processing\","
        "\"due\":"
        "\"2025-07-08T09:00\",\"overdue\":true,\"final\":false}");
    assert_string_equal(
        text_of(f, "indicators"),
        "{\"name\":\"birth\",\"received\":8,\"resolved\":4,\"on_time\":3,\"late\":1,"
        "\"in_progress\":0,\"overdue\":0,\"apologies\":0,\"apologies_timely\":0,\"online\":6,"
        "\"full_online\":0,\"results\":0,\"fetched\":2,\"asked\":5,\"on_time_pct\":\"75.00\","
        "\"online_pct\":\"75.00\",\"full_online_pct\":\"0.00\",\"mean_processing_wd\":\"2.50\","
        "\"blocked\":1,\"extended\":0}");
}

/* explain of one document: that one, or MC_ENOTFOUND (the API's 404) when the procedure does not
 * require it, told apart from out of memory. */
static void test_front__explain_tells_a_document_not_required_from_out_of_memory(void **state)
{
    fixture *f = *state;
    json_t *list = (json_t *)1;
    assert_int_equal(front_explain_json(&f->d, "passport", &list), MC_ENOTFOUND);
    assert_null(list);
    assert_int_equal(front_explain_json(&f->d, "photo", &list), 0);
    assert_int_equal(json_array_size(list), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "document")),
                        "photo");
    json_decref(list);
}

/* An event whose stored body is not JSON, or that has no actor, shows null there, as before. */
static void test_front__an_event_body_that_is_not_json_is_left_out(void **state)
{
    (void)state;
    mc_event_row ev = event;
    ev.body = "{not json";
    ev.actor = NULL;
    json_t *j = front_event_json(mc_calendar_builtin(), &ev);
    char *text = mc_json_dumps(j, JSON_COMPACT);
    assert_non_null(text);
    assert_string_equal(text, "{\"seq\":3,\"at\":\"2025-07-03T09:10\",\"kind\":\"fire\","
                              "\"actor\":null,\"body\":null}");
    mc_free(text);
    json_decref(j);
}

/* The checked builder: a failed set or push frees its value and latches ok to false, which a
 * later success does not undo; front_jdone then gives NULL and frees the object. */
static void test_front__the_builder_latches_a_failure(void **state)
{
    (void)state;
    bool ok = true;
    json_t *o = json_object();
    front_jset(o, "a", json_integer(1), &ok);
    assert_true(ok);
    front_jset(o, "b", NULL, &ok); /* a value that could not be made */
    assert_false(ok);
    front_jset(o, "c", json_integer(3), &ok);
    assert_false(ok);
    front_jset(NULL, "d", json_string("freed, not leaked"), &ok);
    json_t *a = json_array();
    bool pushed = true;
    front_jpush(a, json_true(), &pushed);
    front_jpush(o, json_string("not an array: freed"), &pushed);
    assert_false(pushed);
    assert_int_equal(json_array_size(a), 1);
    assert_null(front_jdone(o, ok));
    assert_null(front_jdone(a, false));
    json_t *whole = json_object();
    assert_ptr_equal(front_jdone(whole, true), whole);
    json_decref(whole);
}

/* Every view under memory pressure, failing each allocation in turn (Jansson's too): NULL, or
 * the whole text of the first run; ASan finds no leak. */
static void test_front__views_are_whole_or_absent_out_of_memory(void **state)
{
    fixture *f = *state;
    static const char *const views[] = {"dossier", "explain", "event", "row", "indicators"};
    for (size_t i = 0; i < sizeof views / sizeof views[0]; i++) {
        text_of(f, views[i]);
        assert_true(tu_oom_sweep(view_text, f, false) > 5);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_front__views_give_the_texts_of_the_api, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_front__explain_tells_a_document_not_required_from_out_of_memory, setup, teardown),
        cmocka_unit_test(test_front__an_event_body_that_is_not_json_is_left_out),
        cmocka_unit_test(test_front__the_builder_latches_a_failure),
        cmocka_unit_test_setup_teardown(test_front__views_are_whole_or_absent_out_of_memory, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
