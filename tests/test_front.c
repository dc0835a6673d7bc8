/* The JSON views the two front ends share (src/front/view.h): their exact text, the checked
 * builder, and out of memory: each view is whole or NULL, never an object with a key missing,
 * and leaks nothing (make asan). And the reader of serve's configuration file (front/config.h):
 * its values under the command line's, its errors at their place, its refusals. */
#include "testutil.h"

#include "base/json.h"
#include "front/catalogue_view.h"
#include "front/config.h"
#include "front/desk.h"
#include "front/view.h"
#include "motcua/calendar.h"
#include "motcua/connect.h"
#include "motcua/engine.h"

#include <sys/stat.h>
#include <unistd.h>

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
                                         .processing = 10 * MC_FIXED_ONE};

/* The view f->view, or NULL when memory ran out (MC_ENOMEM from explain). */
static json_t *build(fixture *f)
{
    const mc_calendar *cal = mc_calendar_builtin();
    if (strcmp(f->view, "dossier") == 0) {
        return front_dossier_json(cal, &f->d);
    }
    if (strcmp(f->view, "dossier-vi") == 0) {
        return front_dossier_json_lang(cal, &f->d, MC_LANG_VI);
    }
    if (strcmp(f->view, "explain-vi") == 0) {
        json_t *list;
        int rc = front_explain_json_lang(&f->d, NULL, MC_LANG_VI, &list);
        assert_true(rc == 0 || rc == MC_ENOMEM);
        return list;
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
        return front_row_json(cal, &row, NULL);
    }
    if (strcmp(f->view, "row-who") == 0) {
        char procedure[] = "birth", st[] = "processing", subject[] = "001234567890";
        mc_dossier_row row = {
            .id = 8, .procedure = procedure, .subject = subject, .state = st, .due = MC_NONE};
        return front_row_json(cal, &row, "Nguyễn Văn An");
    }
    if (strcmp(f->view, "catalogue") == 0) {
        return front_catalogue_json(f->cat, mc_date_from_ymd(2025, 7, 3), NULL);
    }
    if (strcmp(f->view, "preview") == 0) {
        return front_preview_json(cal, &f->d, MC_LANG_EN);
    }
    if (strcmp(f->view, "track") == 0) {
        return front_track_json(cal, &f->d, "2025-07-10", MC_LANG_EN);
    }
    if (strcmp(f->view, "officers") == 0) {
        mc_officer_row rows[] = {{"hoa", 1, 0, 1, 0, 1, 0}, {"lan", 2, 2, 0, 1, 0, 1}};
        mc_officer_report r = {rows, 2, NULL};
        return front_officers_json(&r);
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
    assert_string_equal(text_of(f, "row"),
                        "{\"id\":7,\"procedure\":\"birth\",\"agency\":null,\"subject\":null,"
                        "\"applicant\":null,\"state\":\"processing\",\"due\":"
                        "\"2025-07-08T09:00\",\"overdue\":true,\"final\":false}");
    /* who the dossier is about: the subject and the applicant's name, as given */
    assert_string_equal(text_of(f, "row-who"),
                        "{\"id\":8,\"procedure\":\"birth\",\"agency\":null,\"subject\":"
                        "\"001234567890\",\"applicant\":\"Nguyễn Văn An\",\"state\":"
                        "\"processing\",\"due\":null,\"overdue\":false,\"final\":false}");
    assert_string_equal(
        text_of(f, "indicators"),
        "{\"name\":\"birth\",\"received\":8,\"resolved\":4,\"on_time\":3,\"late\":1,"
        "\"in_progress\":0,\"overdue\":0,\"apologies\":0,\"apologies_timely\":0,\"online\":6,"
        "\"full_online\":0,\"results\":0,\"fetched\":2,\"asked\":5,\"on_time_pct\":\"75.00\","
        "\"online_pct\":\"75.00\",\"full_online_pct\":\"0.00\",\"mean_processing_wd\":\"2.50\","
        "\"blocked\":1,\"extended\":0}");
}

/* In Vietnamese (msg.h), explain's sentences and the checklist's reason said from their codes;
 * a reason recorded without a code (before codes existed) is shown as recorded, and one whose
 * code the catalogue does not know too; English is unchanged. */
static void test_front__views_in_vietnamese(void **state)
{
    fixture *f = *state;
    assert_string_equal(
        text_of(f, "explain-vi"),
        "[{\"document\":\"notice\",\"status\":\"asked\",\"required\":\"luôn phải có\","
        "\"story\":\"yêu cầu nộp: không có cơ sở dữ liệu nào lưu giữ notice\",\"registry\":null,"
        "\"record\":null,\"legal_basis\":null},{\"document\":\"photo\",\"status\":"
        "\"not required\",\"required\":\"phải có khi abroad\",\"story\":\"không phải nộp: "
        "điều kiện yêu cầu không được đáp ứng\",\"registry\":null,\"record\":null,"
        "\"legal_basis\":null}]");
    /* the dossier is the test's: its first requirement (asked, no reason) is given one, and
     * back none before teardown frees it */
    mc_dossier_req *r = (mc_dossier_req *)&f->d.requirements[0];
    assert_null(r->reason);
    const char *const args[] = {"population"};
    r->reason = "not found in population";
    r->reason_code = "once-only.not-found";
    r->reason_args = args;
    r->nreason_args = 1;
    assert_string_equal(
        text_of(f, "dossier-vi"),
        "{\"id\":1,\"procedure\":\"birth\",\"state\":\"submitted\",\"final\":false,"
        "\"clock\":\"stopped\",\"due\":null,\"overdue\":false,"
        "\"submitted\":\"2025-07-03T09:00\",\"channel\":\"online\",\"subject\":"
        "\"001234567890\",\"fee\":null,\"apologized\":false,\"events\":1,"
        "\"blocked\":0,\"checklist\":[{\"document\":\"notice\",\"status\":\"asked\","
        "\"reason\":\"không tìm thấy trong population\"}]}");
    assert_non_null(strstr(text_of(f, "explain-vi"),
                           "\"story\":\"yêu cầu nộp: không tìm thấy trong population\""));
    assert_non_null(strstr(text_of(f, "dossier"), "\"reason\":\"not found in population\""));
    assert_non_null(strstr(text_of(f, "explain"), "\"story\":\"asked: not found in population\""));
    /* a date among the arguments: as Vietnamese write dates; English as recorded */
    const char *const dated[] = {"land-registry", "2026-01-01"};
    r->reason = "land-registry is in use only for dossiers submitted from 2026-01-01";
    r->reason_code = "once-only.not-published";
    r->reason_args = dated;
    r->nreason_args = 2;
    char said[200];
    assert_string_equal(front_reason_text(r, MC_LANG_VI, said, sizeof said),
                        "chỉ hồ sơ tiếp nhận từ ngày 01/01/2026 mới được khai thác land-registry");
    assert_string_equal(front_reason_text(r, MC_LANG_EN, said, sizeof said), r->reason);
    r->reason = "not found in population";
    r->reason_args = args;
    r->nreason_args = 1;
    r->reason_code = "once-only.no-such-code"; /* unknown: the text as recorded */
    assert_non_null(strstr(text_of(f, "dossier-vi"), "\"reason\":\"not found in population\""));
    r->reason_code = NULL; /* recorded before codes existed */
    assert_non_null(strstr(text_of(f, "dossier-vi"), "\"reason\":\"not found in population\""));
    r->reason = NULL;
    r->reason_args = NULL;
    r->nreason_args = 0;
}

/* The desk's views (desk.h): the preview's three members, the tracking's minimal answer with
 * the titles in both languages (a missing one is the name), the officers' rows. */
static void test_front__desk_views_give_the_texts_of_the_api(void **state)
{
    fixture *f = *state;
    assert_string_equal(text_of(f, "preview"),
                        "{\"procedure\":\"birth\",\"subject\":\"001234567890\",\"checklist\":"
                        "[{\"document\":\"notice\",\"status\":\"asked\"}]}");
    assert_string_equal(
        text_of(f, "track"),
        "{\"code\":1,\"procedure\":\"birth\",\"procedure_title\":{\"en\":\"birth\",\"vi\":"
        "\"birth\"},\"state\":\"submitted\",\"state_title\":{\"en\":\"submitted\",\"vi\":"
        "\"submitted\"},\"final\":false,\"submitted\":\"2025-07-03T09:00\",\"due\":null,"
        "\"clock\":\"stopped\",\"finished\":null,\"apology_new_date\":\"2025-07-10\",\"asked\":[{"
        "\"document\":\"notice\",\"title\":{\"en\":\"notice\",\"vi\":\"notice\"},\"reason\":null,"
        "\"code\":null,\"args\":[]}]}");
    assert_string_equal(text_of(f, "officers"),
                        "[{\"officer\":\"hoa\",\"handled\":1,\"on_time\":0,\"late\":1,"
                        "\"supplements\":0,\"apologies\":1,\"once_only_refusals\":0},"
                        "{\"officer\":\"lan\",\"handled\":2,\"on_time\":2,\"late\":0,"
                        "\"supplements\":1,\"apologies\":0,\"once_only_refusals\":1}]");
    mc_text en_only[] = {{NULL, "Birth registration"}};
    mc_text both[] = {{"vi", "Đăng ký khai sinh"}, {NULL, "Birth registration"}};
    mc_text vi_only[] = {{"vi", "Đăng ký khai sinh"}};
    struct {
        const mc_text *t;
        size_t n;
        const char *want;
    } cases[] = {
        {en_only, 1, "{\"en\":\"Birth registration\",\"vi\":\"Birth registration\"}"},
        {both, 2, "{\"en\":\"Birth registration\",\"vi\":\"Đăng ký khai sinh\"}"},
        {vi_only, 1, "{\"en\":\"Đăng ký khai sinh\",\"vi\":\"Đăng ký khai sinh\"}"},
        {NULL, 0, "{\"en\":\"birth\",\"vi\":\"birth\"}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *j = front_title_json(cases[i].t, cases[i].n, "birth");
        char *text = mc_json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
        assert_string_equal(text, cases[i].want);
        mc_free(text);
        json_decref(j);
    }
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

/* A refusal in the history said in the language asked from the code and arguments it recorded;
 * one recorded before codes (no "code") keeps its English, and English keeps the text. */
static void test_front__a_refusal_in_the_history_is_said_in_the_language_asked(void **state)
{
    (void)state;
    mc_event_row ev = event;
    ev.kind = "blocked";
    ev.body = "{\"args\":[\"marriage-certificate\",\"civil-status\",\"CS-1\"],\"code\":"
              "\"once-only.held\",\"message\":\"once-only: marriage-certificate is held by "
              "civil-status (record CS-1); it may not be requested from the applicant\"}";
    const struct {
        const char *body;
        mc_lang lang;
        const char *want;
    } cases[] = {
        {ev.body, MC_LANG_VI,
         "chỉ cung cấp một lần: marriage-certificate đã có trong civil-status (bản ghi CS-1); "
         "không được yêu cầu người nộp hồ sơ cung cấp"},
        {ev.body, MC_LANG_EN,
         "once-only: marriage-certificate is held by civil-status (record CS-1); it may not be "
         "requested from the applicant"},
        {"{\"message\":\"recorded before codes\"}", MC_LANG_VI, "recorded before codes"},
        {"{\"code\":\"no.such-code\",\"args\":[],\"message\":\"kept\"}", MC_LANG_VI, "kept"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ev.body = cases[i].body;
        json_t *j = front_event_json_lang(mc_calendar_builtin(), &ev, cases[i].lang);
        assert_non_null(j);
        assert_string_equal(json_string_value(json_object_get(json_object_get(j, "body"), "message")),
                            cases[i].want);
        json_decref(j);
    }
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
    static const char *const views[] = {"dossier",   "explain", "dossier-vi", "explain-vi",
                                        "event",     "row",     "row-who",    "indicators",
                                        "catalogue", "preview", "track",      "officers"};
    for (size_t i = 0; i < sizeof views / sizeof views[0]; i++) {
        text_of(f, views[i]);
        assert_true(tu_oom_sweep(view_text, f, false) > 5);
    }
}

/* ---- the catalogue as the console needs it (issue 21, GET /api/procedures) ---- */

static const char titled_catalogue[] =
    "role clerk { title \"One-stop officer\"; title vi \"Cán bộ một cửa\" }\n"
    "agency commune { title vi \"Ủy ban nhân dân xã Tân Phú\" }\n"
    "document notice { title \"Birth notice\"; title vi \"Giấy chứng sinh\" }\n"
    "registry civil { holds notice }\n"
    "lifecycle l { event receive { title \"Receive\"; title vi \"Tiếp nhận hồ sơ\" }\n"
    "  state submitted { initial; title vi \"Mới đăng ký\"; on receive -> done by clerk }\n"
    "  state done { final; outcome granted } }\n"
    "procedure birth { agency commune; fee 8000 VND; lifecycle l; subject id\n"
    "  event receive { title \"Take in\" }\n"
    "  field id { type text; required; title \"ID\" }\n"
    "  requires notice when not abroad\n  field abroad { type bool } }\n"
    "procedure land { agency other; fee rule x.y; lifecycle l }\n";

static void test_front__the_catalogue_view_titles_and_falls_back_to_names(void **state)
{
    (void)state;
    mc_catalogue *cat;
    char *diags;
    if (tu_load(titled_catalogue, &cat, &diags) != 0) {
        fail_msg("%s", diags);
    }
    free(diags);
    front_token commune = {.nagencies = 1}, none = {.nagencies = 0};
    strcpy(commune.agencies[0], "commune");
    json_t *j = front_catalogue_json(cat, mc_date_from_ymd(2025, 7, 3), &commune);
    char *text = mc_json_dumps(j, JSON_COMPACT);
    assert_string_equal(
        text,
        "{\"procedures\":[{\"name\":\"birth\",\"code\":null,"
        "\"title\":{\"en\":\"birth\",\"vi\":\"birth\"},\"agency\":\"commune\","
        "\"agency_title\":{\"en\":\"Ủy ban nhân dân xã Tân Phú\",\"vi\":\"Ủy ban nhân dân xã Tân Phú\"},"
        "\"subject\":\"id\",\"fee\":8000,\"time_limit\":null,"
        "\"fields\":[{\"name\":\"id\",\"type\":\"text\",\"required\":true,\"pattern\":null,"
        "\"options\":null,\"option_titles\":null,\"title\":{\"en\":\"ID\",\"vi\":\"ID\"}},"
        "{\"name\":\"abroad\",\"type\":\"bool\",\"required\":false,\"pattern\":null,"
        "\"options\":null,\"option_titles\":null,\"title\":{\"en\":\"abroad\",\"vi\":\"abroad\"}}],"
        "\"documents\":[{\"name\":\"notice\",\"title\":{\"en\":\"Birth notice\","
        "\"vi\":\"Giấy chứng sinh\"},\"when\":\"not abroad\",\"registries\":[\"civil\"]}],"
        "\"states\":[{\"name\":\"submitted\",\"title\":{\"en\":\"Mới đăng ký\","
        "\"vi\":\"Mới đăng ký\"},\"final\":false},{\"name\":\"done\","
        "\"title\":{\"en\":\"done\",\"vi\":\"done\"},\"final\":true}],"
        "\"events\":[{\"name\":\"receive\",\"title\":{\"en\":\"Take in\",\"vi\":\"Take in\"}}]}],"
        "\"roles\":[{\"name\":\"applicant\",\"title\":{\"en\":\"Applicant\","
        "\"vi\":\"Người nộp hồ sơ\"}},{\"name\":\"system\",\"title\":{\"en\":\"System\","
        "\"vi\":\"Hệ thống\"}},{\"name\":\"clerk\",\"title\":{\"en\":\"One-stop officer\","
        "\"vi\":\"Cán bộ một cửa\"}}],"
        "\"registries\":[{\"name\":\"civil\",\"title\":{\"en\":\"civil\",\"vi\":\"civil\"}}],"
        "\"agencies\":[{\"name\":\"commune\",\"title\":{\"en\":\"Ủy ban nhân dân xã Tân Phú\","
        "\"vi\":\"Ủy ban nhân dân xã Tân Phú\"}}]}");
    mc_free(text);
    json_decref(j);
    /* A token of no agency sees no procedure; one of every agency, and no token, see both (the
     * fee a rule computes is null). */
    j = front_catalogue_json(cat, mc_date_from_ymd(2025, 7, 3), &none);
    assert_int_equal(json_array_size(json_object_get(j, "procedures")), 0);
    json_decref(j);
    none.every_agency = true;
    j = front_catalogue_json(cat, mc_date_from_ymd(2025, 7, 3), &none);
    assert_int_equal(json_array_size(json_object_get(j, "procedures")), 2);
    assert_true(json_is_null(json_object_get(json_array_get(json_object_get(j, "procedures"), 1), "fee")));
    json_decref(j);
    mc_catalogue_free(cat);
}

/* ---- a live registry's look-up in explain (issue 20) ---- */

static const char live_catalogue[] =
    "role clerk\ndocument notice\ndocument residence\n"
    "registry population { live; holds notice residence }\n"
    "lifecycle l { state submitted { initial; on receive -> done by clerk }\n"
    "  state done { final; outcome granted } }\n"
    "procedure move { time-limit 2wd; lifecycle l; subject id\n"
    "  field id { type text; required }\n"
    "  requires notice\n  requires residence }\n";

/* found for the notice, nothing in time for the residence */
static int live_answers(void *ud, mc_lookup *q, size_t n, mc_error *err)
{
    (void)ud, (void)err;
    for (size_t i = 0; i < n; i++) {
        bool notice = strcmp(q[i].document, "notice") == 0;
        q[i].outcome = notice ? MC_LOOKUP_FOUND : MC_LOOKUP_UNAVAILABLE;
        snprintf(q[i].request_id, sizeof q[i].request_id, "R-%zu", i + 1);
        if (notice) {
            snprintf(q[i].reference, sizeof q[i].reference, "CS-1");
            q[i].answered_at = submitted + 3; /* 09:00:03 */
        } else {
            snprintf(q[i].reason, sizeof q[i].reason, "no answer within 2000 ms");
        }
    }
    return 0;
}

/* population declares `wait 2h` (issue 20): the residence, not answered, waits for it */
static const char wait_catalogue[] =
    "role clerk\ndocument notice\ndocument residence\n"
    "registry population { live; wait 2h; holds notice residence }\n"
    "lifecycle l { state submitted { initial; on receive -> done by clerk }\n"
    "  state done { final; outcome granted } }\n"
    "procedure move { time-limit 2wd; lifecycle l; subject id\n"
    "  field id { type text; required }\n"
    "  requires notice\n  requires residence }\n";

static int setup_with(void **state, const char *text);

static int live_setup(void **state)
{
    return setup_with(state, live_catalogue);
}

static int wait_setup(void **state)
{
    return setup_with(state, wait_catalogue);
}

static int setup_with(void **state, const char *text)
{
    fixture *f = calloc(1, sizeof *f);
    char *diags;
    int rc = tu_load(text, &f->cat, &diags);
    if (rc != 0) {
        fail_msg("%s", diags);
    }
    free(diags);
    assert_int_equal(mc_engine_open(&f->e, f->cat, NULL, ":memory:", NULL), 0);
    mc_registry_client c = {.lookup = live_answers};
    mc_engine_set_registry_client(f->e, &c);
    mc_kv fields[] = {{"id", "001234567890"}};
    mc_submit s = MC_SUBMIT_INIT;
    s.procedure = "move";
    s.fields = fields;
    s.nfields = 1;
    s.now = submitted;
    mc_result res;
    assert_int_equal(mc_engine_submit(f->e, &s, &res, NULL), 0);
    assert_int_equal(mc_engine_get(f->e, res.dossier, submitted + 60, &f->d, NULL), 0);
    *state = f;
    return 0;
}

static void test_front__explain_says_what_a_live_registry_answered(void **state)
{
    fixture *f = *state;
    assert_string_equal(
        text_of(f, "explain"),
        "[{\"document\":\"notice\",\"status\":\"fetched\",\"required\":\"always required\","
        "\"story\":\"fetched from population, record CS-1, answered 09:00:03 to request R-1: "
        "never asked of the applicant\",\"registry\":\"population\",\"record\":\"CS-1\","
        "\"legal_basis\":null,\"lookup\":{\"registry\":\"population\",\"outcome\":\"found\","
        "\"request\":\"R-1\",\"answered\":\"2025-07-03T09:00:03\",\"hash\":null,\"message\":["
        "\"once-only.live-fetched\",\"population\",\"CS-1\",\"09:00:03\",\"R-1\"],\"text\":"
        "\"fetched from population, record CS-1, answered 09:00:03 to request R-1\","
        "\"text_vi\":\"lấy từ population, bản ghi CS-1, trả lời lúc 09:00:03 theo yêu cầu "
        "R-1\"}},{\"document\":\"residence\",\"status\":\"asked\",\"required\":\"always "
        "required\",\"story\":\"asked: population did not answer (no answer within 2000 ms): "
        "asked of the applicant (Resolution 66.7/2025/NQ-CP)\",\"registry\":null,\"record\":"
        "null,\"legal_basis\":null,\"lookup\":{\"registry\":\"population\",\"outcome\":"
        "\"unavailable\",\"request\":\"R-2\",\"answered\":null,\"hash\":null}}]");
    assert_true(tu_oom_sweep(view_text, f, false) > 5);
}

/* A requirement waiting for its registry: its status, its reason, and in the dossier's view when
 * the wait began, the next try, its end and the tries so far (the calendar's local times). */
static void test_front__views_say_a_requirement_waits(void **state)
{
    fixture *f = *state;
    const char *dossier = text_of(f, "dossier");
    const char *item = strstr(dossier, "{\"document\":\"residence\"");
    assert_non_null(item);
    assert_string_equal(
        item, "{\"document\":\"residence\",\"status\":\"waiting\",\"reason\":\"no answer within "
              "2000 ms: the dossier waits for population until 2025-07-03T11:00 (next try at "
              "2025-07-03T09:01)\",\"wait\":{\"registry\":\"population\",\"since\":"
              "\"2025-07-03T09:00\",\"next_try\":\"2025-07-03T09:01\",\"until\":"
              "\"2025-07-03T11:00\",\"tries\":1}}]}");
    const char *explain = text_of(f, "explain");
    assert_non_null(strstr(explain, "\"status\":\"waiting\",\"required\":\"always required\","
                                    "\"story\":\"waiting: no answer within 2000 ms: the dossier "
                                    "waits for population until 2025-07-03T11:00 (next try at "
                                    "2025-07-03T09:01)\""));
    assert_true(tu_oom_sweep(view_text, f, false) > 5);
}

/* ==== the configuration file of serve (config.h) ========================================== */

typedef struct conf {
    char dir[64];
    char file[96];
} conf;

static int conf_setup(void **state)
{
    conf *c = calloc(1, sizeof *c);
    strcpy(c->dir, "/tmp/mc-config-XXXXXX");
    assert_non_null(mkdtemp(c->dir));
    snprintf(c->file, sizeof c->file, "%s/motcua.conf", c->dir);
    *state = c;
    return 0;
}

static int conf_teardown(void **state)
{
    conf *c = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", c->dir);
    assert_int_equal(system(cmd), 0);
    free(c);
    return 0;
}

static void conf_write(const conf *c, const char *text, mode_t mode)
{
    FILE *f = fopen(c->file, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(c->file, mode), 0);
}

static const char good_conf[] =
    "# serve\n"
    "listen [::1]:8080   # loopback\n"
    "db store.db\n"
    "tokens /etc/motcua/tokens\n"
    "catalogue base\n"
    "catalogue \"the province\"\n"
    "\n"
    "access-log \"a#b.log\"\n"
    "no-timers yes\n"
    "log-level debug\n"
    "rule-steps 5000\n";

static void test_front__config_sets_what_the_command_line_left(void **state)
{
    conf *c = *state;
    conf_write(c, good_conf, 0600);
    front_opts o;
    memset(&o, 0, sizeof o);
    o.db = "cli.db";
    o.log_level = "warn";
    front_config *cfg = NULL;
    mc_diags *d = NULL;
    mc_error err;
    mc_error_clear(&err);
    assert_int_equal(mc_diags_new(&d), 0);
    assert_int_equal(front_config_read(&cfg, c->file, &o, d, &err), 0);
    assert_int_equal(mc_diags_count(d), 0);
    char want[160];
    assert_string_equal(o.listen, "[::1]:8080");
    assert_string_equal(o.db, "cli.db");     /* the command line's */
    assert_string_equal(o.log_level, "warn"); /* the command line's */
    assert_string_equal(o.tokens, "/etc/motcua/tokens");
    assert_int_equal(o.ncatalogues, 2);
    snprintf(want, sizeof want, "%s/base", c->dir);
    assert_string_equal(o.catalogues[0], want);
    assert_string_equal(o.catalogue, want);
    snprintf(want, sizeof want, "%s/the province", c->dir);
    assert_string_equal(o.catalogues[1], want);
    snprintf(want, sizeof want, "%s/a#b.log", c->dir);
    assert_string_equal(o.access_log, want);
    assert_true(o.no_timers);
    assert_string_equal(o.rule_steps, "5000");
    assert_null(o.metrics_listen);
    assert_null(o.error_log);
    front_config_free(cfg);
    mc_diags_free(d);
}

static void test_front__config_catalogues_of_the_command_line_replace_the_files(void **state)
{
    conf *c = *state;
    conf_write(c, good_conf, 0640); /* the group may read it */
    front_opts o;
    memset(&o, 0, sizeof o);
    const char *cli[] = {"mine"};
    o.catalogues = cli;
    o.ncatalogues = 1;
    o.catalogue = cli[0];
    front_config *cfg = NULL;
    mc_diags *d = NULL;
    assert_int_equal(mc_diags_new(&d), 0);
    assert_int_equal(front_config_read(&cfg, c->file, &o, d, NULL), 0);
    assert_ptr_equal(o.catalogues, cli);
    assert_int_equal(o.ncatalogues, 1);
    assert_string_equal(o.catalogue, "mine");
    front_config_free(cfg);
    mc_diags_free(d);
}

static void test_front__config_errors_at_their_place_and_nothing_changes(void **state)
{
    conf *c = *state;
    conf_write(c,
               "listen 127.0.0.1:8080\n"
               "lisen 1\n"
               "  tokens\n"
               "tokens a b\n"
               "listen 127.0.0.1:8081\n"
               "rule-time 0\n"
               "db \"host=/tmp dbname=m password=pw\"\n"
               "no-timers 1; catalogue x\n",
               0600);
    front_opts o, before;
    memset(&o, 0, sizeof o);
    before = o;
    front_config *cfg = (front_config *)&o; /* set to NULL on failure */
    mc_diags *d = NULL;
    mc_error err;
    mc_error_clear(&err);
    assert_int_equal(mc_diags_new(&d), 0);
    assert_int_equal(front_config_read(&cfg, c->file, &o, d, &err), MC_ECHECK);
    assert_null(cfg);
    assert_memory_equal(&o, &before, sizeof o);
    static const struct {
        unsigned line, col;
        const char *msg;
    } want[] = {
        {2, 1, "unknown key 'lisen' (did you mean 'listen'?)"},
        {3, 3, "'tokens' needs a value"},
        {4, 10, "'tokens' takes one value (quote a value that holds spaces)"},
        {5, 1, "'listen' is already set on line 1"},
        {6, 11, "'rule-time' takes milliseconds from 1 to 60000, not '0'"},
        {7, 4, "'db' takes a connection string without a password (keep it in a password file, "
               "PGPASSFILE or ~/.pgpass: docs/operations.md)"},
        {8, 12, "unexpected ';' (quote a value that holds it)"},
    };
    assert_int_equal(mc_diags_count(d), sizeof want / sizeof want[0]);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const mc_diag *x = mc_diags_get(d, i);
        assert_int_equal(x->line, want[i].line);
        assert_int_equal(x->col, want[i].col);
        assert_string_equal(x->msg, want[i].msg);
        /* The line of the store is never shown: it may hold a password. */
        if (x->excerpt != NULL) {
            assert_null(strstr(x->excerpt, "password"));
        }
    }
    char msg[160];
    snprintf(msg, sizeof msg, "%s: 7 errors: nothing started", c->file);
    assert_string_equal(err.msg, msg);
    mc_diags_free(d);
}

static void test_front__config_refuses_a_file_others_can_write(void **state)
{
    conf *c = *state;
    static const mode_t modes[] = {0620, 0602, 0666};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        conf_write(c, good_conf, modes[i]);
        front_opts o;
        memset(&o, 0, sizeof o);
        front_config *cfg = NULL;
        mc_diags *d = NULL;
        mc_error err;
        mc_error_clear(&err);
        assert_int_equal(mc_diags_new(&d), 0);
        assert_int_equal(front_config_read(&cfg, c->file, &o, d, &err), MC_EUSAGE);
        char msg[400];
        snprintf(msg, sizeof msg,
                 "%s can be written by group or others, who could change what serve runs: "
                 "chmod 600 %s",
                 c->file, c->file);
        assert_string_equal(err.msg, msg);
        assert_null(o.listen);
        mc_diags_free(d);
    }
    front_opts o;
    memset(&o, 0, sizeof o);
    front_config *cfg = NULL;
    mc_error err;
    mc_error_clear(&err);
    assert_int_equal(front_config_read(&cfg, c->dir, &o, NULL, &err), MC_EIO);
    char msg[160];
    snprintf(msg, sizeof msg, "cannot read %s: not a regular file", c->dir);
    assert_string_equal(err.msg, msg);
}

static void test_front__config_log_levels(void **state)
{
    (void)state;
    assert_int_equal(front_log_level_of("error"), FRONT_LOG_ERROR);
    assert_int_equal(front_log_level_of("warn"), FRONT_LOG_WARN);
    assert_int_equal(front_log_level_of("info"), FRONT_LOG_INFO);
    assert_int_equal(front_log_level_of("debug"), FRONT_LOG_DEBUG);
    assert_int_equal(front_log_level_of("warning"), -1);
    assert_int_equal(front_log_level_of("DEBUG"), -1);
    assert_int_equal(front_log_level_of(""), -1);
}

static int config_once(void *ctx)
{
    const conf *c = ctx;
    front_opts o;
    memset(&o, 0, sizeof o);
    front_config *cfg = NULL;
    mc_diags *d = NULL;
    mc_error err;
    mc_error_clear(&err);
    if (mc_diags_new(&d) != 0) {
        return MC_ENOMEM;
    }
    int rc = front_config_read(&cfg, c->file, &o, d, &err);
    if (rc == 0 && (o.ncatalogues != 2 || o.catalogue == NULL)) {
        rc = MC_EINTERNAL;
    }
    front_config_free(cfg);
    mc_diags_free(d);
    return rc;
}

static int config_bad_once(void *ctx)
{
    int rc = config_once(ctx);
    return rc == MC_ECHECK ? 0 : rc;
}

/* Every allocation failing in turn: MC_ENOMEM, never half a configuration; ASan finds no leak. */
static void test_front__config_out_of_memory(void **state)
{
    conf *c = *state;
    conf_write(c, good_conf, 0600);
    assert_true(tu_oom_sweep(config_once, c, false) > 3);
    conf_write(c, "lisen 1\ntokens\ndb \"a\\q\"\n", 0600);
    assert_true(tu_oom_sweep(config_bad_once, c, false) > 3);
}

/* ---- registry blocks (issue 20) ---- */

static const char registry_conf[] =
    "tokens tokens\n"
    "registry civil-status {\n"
    "    url \"https://ss.example/r1/VN/GOV/G01/civil-status/lookup\"  # the security server\n"
    "    ca ca.pem\n"
    "    cert motcua.pem; key motcua.key\n"
    "    timeout 1500\n"
    "    client VN/GOV/000.00.00.H29/motcua\n"
    "}\n"
    "registry population { url \"https://ss.example/pop\" }\n";

static void touch(const conf *c, const char *name)
{
    char path[160];
    snprintf(path, sizeof path, "%s/%s", c->dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(chmod(path, 0640), 0);
}

static void test_front__config_registry_blocks_give_the_endpoints(void **state)
{
    conf *c = *state;
    touch(c, "ca.pem");
    touch(c, "motcua.pem");
    touch(c, "motcua.key");
    conf_write(c, registry_conf, 0600);
    front_opts o;
    memset(&o, 0, sizeof o);
    front_config *cfg = NULL;
    mc_diags *d = NULL;
    mc_error err;
    mc_error_clear(&err);
    assert_int_equal(mc_diags_new(&d), 0);
    assert_int_equal(front_config_read(&cfg, c->file, &o, d, &err), 0);
    assert_int_equal(mc_diags_count(d), 0);
    assert_int_equal(o.nregistries, 2);
    const mc_registry_endpoint *e = &o.registries[0];
    char want[160];
    assert_string_equal(e->registry, "civil-status");
    assert_string_equal(e->url, "https://ss.example/r1/VN/GOV/G01/civil-status/lookup");
    snprintf(want, sizeof want, "%s/ca.pem", c->dir);
    assert_string_equal(e->ca_file, want); /* relative to the file's folder */
    snprintf(want, sizeof want, "%s/motcua.pem", c->dir);
    assert_string_equal(e->cert_file, want);
    snprintf(want, sizeof want, "%s/motcua.key", c->dir);
    assert_string_equal(e->key_file, want);
    assert_int_equal(e->timeout_ms, 1500);
    assert_string_equal(e->client_id, "VN/GOV/000.00.00.H29/motcua");
    e = &o.registries[1];
    assert_string_equal(e->registry, "population");
    assert_string_equal(e->url, "https://ss.example/pop");
    assert_null(e->ca_file);
    assert_null(e->cert_file);
    assert_null(e->client_id);
    assert_int_equal(e->timeout_ms, 2000); /* the default */
    /* the connector takes them as they are */
    mc_connect *conn = NULL;
    assert_int_equal(mc_connect_new(&conn, o.registries, (size_t)o.nregistries, NULL, &err), 0);
    mc_connect_stat st[2];
    assert_int_equal(mc_connect_stats(conn, st, 2), 2);
    assert_string_equal(st[1].registry, "population");
    mc_connect_free(conn);
    front_config_free(cfg);
    mc_diags_free(d);
}

static void test_front__config_a_bad_registry_block_changes_nothing(void **state)
{
    conf *c = *state;
    conf_write(c,
               "registry civil-status {\n"
               "    url \"https://x/\"\n"
               "    colour blue\n"
               "}\n"
               "registry population {\n"
               "    timeout 10s\n"
               "    key nosuch.key\n"
               "}\n"
               "registry tax { url \"https://t/\"; cert nosuch.pem }\n"
               "}\n"
               "registry land { url \"https://l/\"; cert ca.pem; key open.key }\n",
               0600);
    touch(c, "ca.pem");
    touch(c, "open.key");
    char open_key[160];
    snprintf(open_key, sizeof open_key, "%s/open.key", c->dir);
    assert_int_equal(chmod(open_key, 0644), 0);
    front_opts o;
    memset(&o, 0, sizeof o);
    front_config *cfg = NULL;
    mc_diags *d = NULL;
    mc_error err;
    mc_error_clear(&err);
    assert_int_equal(mc_diags_new(&d), 0);
    assert_int_equal(front_config_read(&cfg, c->file, &o, d, &err), MC_ECHECK);
    assert_null(cfg);
    assert_null(o.registries);
    assert_int_equal(o.nregistries, 0);
    char *text = tu_render(d, true);
    char want[900];
    snprintf(want, sizeof want,
             "motcua.conf:3:5: error: unknown key 'colour' in a registry block (url, ca, cert, "
             "key, timeout, client, breaker-failures, breaker-open)\n"
             "motcua.conf:6:13: error: 'timeout' takes milliseconds from 1 to 600000, not '10s'\n"
             "motcua.conf:7:9: error: 'key' names a file that cannot be read: %s/nosuch.key\n"
             "motcua.conf:9:39: error: 'cert' names a file that cannot be read: %s/nosuch.pem\n"
             "motcua.conf:10:1: error: unexpected '}' (quote a value that holds it)\n"
             "motcua.conf:11:52: error: 'key' names a private key others can read or its group "
             "write: chmod 600 %s/open.key\n",
             c->dir, c->dir, c->dir);
    assert_string_equal(text, want);
    free(text);
    mc_diags_free(d);
}

static int registry_config_once(void *ctx)
{
    const conf *c = ctx;
    front_opts o;
    memset(&o, 0, sizeof o);
    front_config *cfg = NULL;
    mc_diags *d = NULL;
    if (mc_diags_new(&d) != 0) {
        return MC_ENOMEM;
    }
    int rc = front_config_read(&cfg, c->file, &o, d, NULL);
    if (rc == 0 && o.nregistries != 2) {
        rc = MC_EINTERNAL;
    }
    front_config_free(cfg);
    mc_diags_free(d);
    return rc;
}

static void test_front__config_registry_blocks_out_of_memory(void **state)
{
    conf *c = *state;
    touch(c, "ca.pem");
    touch(c, "motcua.pem");
    touch(c, "motcua.key");
    conf_write(c, registry_conf, 0600);
    assert_true(tu_oom_sweep(registry_config_once, c, false) > 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_front__views_give_the_texts_of_the_api, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_front__explain_tells_a_document_not_required_from_out_of_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_front__explain_says_what_a_live_registry_answered,
                                        live_setup, teardown),
        cmocka_unit_test_setup_teardown(test_front__views_say_a_requirement_waits, wait_setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_front__views_in_vietnamese, setup, teardown),
        cmocka_unit_test_setup_teardown(test_front__desk_views_give_the_texts_of_the_api, setup,
                                        teardown),
        cmocka_unit_test(test_front__an_event_body_that_is_not_json_is_left_out),
        cmocka_unit_test(test_front__a_refusal_in_the_history_is_said_in_the_language_asked),
        cmocka_unit_test(test_front__the_builder_latches_a_failure),
        cmocka_unit_test_setup_teardown(test_front__views_are_whole_or_absent_out_of_memory, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_front__config_sets_what_the_command_line_left,
                                        conf_setup, conf_teardown),
        cmocka_unit_test_setup_teardown(
            test_front__config_catalogues_of_the_command_line_replace_the_files, conf_setup,
            conf_teardown),
        cmocka_unit_test_setup_teardown(
            test_front__config_errors_at_their_place_and_nothing_changes, conf_setup,
            conf_teardown),
        cmocka_unit_test_setup_teardown(test_front__config_refuses_a_file_others_can_write,
                                        conf_setup, conf_teardown),
        cmocka_unit_test(test_front__config_log_levels),
        cmocka_unit_test(test_front__the_catalogue_view_titles_and_falls_back_to_names),
        cmocka_unit_test_setup_teardown(test_front__config_out_of_memory, conf_setup,
                                        conf_teardown),
        cmocka_unit_test_setup_teardown(test_front__config_registry_blocks_give_the_endpoints,
                                        conf_setup, conf_teardown),
        cmocka_unit_test_setup_teardown(test_front__config_a_bad_registry_block_changes_nothing,
                                        conf_setup, conf_teardown),
        cmocka_unit_test_setup_teardown(test_front__config_registry_blocks_out_of_memory,
                                        conf_setup, conf_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
