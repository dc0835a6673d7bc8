/* The message catalogue (msg.h): every code in both languages with the same arguments, and the
 * formatter's exact output — arguments reordered, missing, an unknown code, text too long. */
#include "testutil.h"

#include "motcua/error.h"
#include "motcua/msg.h"

/* The set of argument numbers {1}..{9} a sentence uses, as bits 1..9. */
static unsigned arg_mask(const char *t)
{
    unsigned mask = 0;
    for (; *t != '\0'; t++) {
        if (t[0] == '{' && t[1] >= '1' && t[1] <= '9' && t[2] == '}') {
            mask |= 1u << (t[1] - '0');
        }
    }
    return mask;
}

static void test_msg__every_code_in_both_languages_with_the_same_arguments(void **state)
{
    (void)state;
    size_t n = 0;
    for (const char *code; (code = mc_msg_code(n)) != NULL; n++) {
        const char *en = mc_msg_text(MC_LANG_EN, code), *vi = mc_msg_text(MC_LANG_VI, code);
        assert_non_null(en);
        assert_non_null(vi);
        if (en == vi) {
            fail_msg("message '%s' has no Vietnamese text", code);
        }
        if (arg_mask(en) != arg_mask(vi)) {
            fail_msg("message '%s' takes other arguments in Vietnamese", code);
        }
        /* Numbered from 1 without a gap, and no more than a result carries. */
        unsigned m = arg_mask(en);
        assert_int_equal(m & (m + 2), 0);
        assert_true(m < (2u << MC_MSG_MAXARGS));
        /* Sorted and unique: the lookup is a binary search. */
        if (n > 0 && strcmp(mc_msg_code(n - 1), code) >= 0) {
            fail_msg("message '%s' is out of order after '%s'", code, mc_msg_code(n - 1));
        }
        assert_true(strlen(code) < MC_MSG_CODESZ);
    }
    assert_true(n >= 40);
    assert_null(mc_msg_code(n));
}

static void test_msg__formats_english_by_default(void **state)
{
    (void)state;
    char out[200];
    const char *args[] = {"birth-cert", "civil-status", "CS-1"};
    assert_int_equal(mc_msg_format(MC_LANG_EN, "once-only.held", args, 3, out, sizeof out), 103);
    assert_string_equal(out, "once-only: birth-cert is held by civil-status (record CS-1); it may "
                             "not be requested from the applicant");
    assert_int_equal(mc_msg_format(MC_LANG_EN, "apology.no-reason", NULL, 0, out, sizeof out), 25);
    assert_string_equal(out, "an apology needs a reason");
}

static void test_msg__vietnamese_reorders_the_arguments(void **state)
{
    (void)state;
    char out[200];
    const char *args[] = {"land-registry", "2026-01-01"};
    mc_msg_format(MC_LANG_EN, "once-only.not-published", args, 2, out, sizeof out);
    assert_string_equal(out, "land-registry is in use only for dossiers submitted from 2026-01-01");
    int n = mc_msg_format(MC_LANG_VI, "once-only.not-published", args, 2, out, sizeof out);
    assert_string_equal(out,
                        "chỉ hồ sơ tiếp nhận từ ngày 2026-01-01 mới được khai thác land-registry");
    assert_int_equal(n, (int)strlen(out));
    const char *held[] = {"birth-cert", "civil-status", "CS-1"};
    mc_msg_format(MC_LANG_VI, "once-only.held", held, 3, out, sizeof out);
    assert_string_equal(out, "chỉ cung cấp một lần: birth-cert đã có trong civil-status (bản ghi "
                             "CS-1); không được yêu cầu người nộp hồ sơ cung cấp");
}

static void test_msg__a_missing_argument_shows_its_placeholder(void **state)
{
    (void)state;
    char out[200];
    const char *args[] = {"approve", NULL};
    mc_msg_format(MC_LANG_EN, "state.no-event", args, 1, out, sizeof out);
    assert_string_equal(out, "'approve' does not leave state '{2}'");
    mc_msg_format(MC_LANG_EN, "state.no-event", args, 2, out, sizeof out); /* NULL: missing too */
    assert_string_equal(out, "'approve' does not leave state '{2}'");
    /* An argument is text: braces in it are not placeholders. */
    const char *braces[] = {"{2}", "x"};
    mc_msg_format(MC_LANG_EN, "state.no-event", braces, 2, out, sizeof out);
    assert_string_equal(out, "'{2}' does not leave state 'x'");
}

static void test_msg__an_unknown_code_says_itself(void **state)
{
    (void)state;
    char out[16];
    assert_null(mc_msg_text(MC_LANG_EN, "no.such-code"));
    assert_null(mc_msg_text(MC_LANG_VI, NULL));
    assert_int_equal(mc_msg_format(MC_LANG_VI, "no.such-code", NULL, 0, out, sizeof out),
                     MC_ENOTFOUND);
    assert_string_equal(out, "no.such-code");
    assert_int_equal(mc_msg_format(MC_LANG_EN, "a-very-long-unknown-code", NULL, 0, out, 8),
                     MC_ENOTFOUND);
    assert_string_equal(out, "a-very-");
}

static void test_msg__overlong_output_is_cut_at_a_character(void **state)
{
    (void)state;
    char out[12];
    const char *args[] = {"7"};
    /* "hồ sơ 7 đã kết thúc…": "ồ" is 3 bytes at offset 1, "ơ" 2 bytes at offset 5. */
    const char *closed[] = {"7", "done"};
    int n = mc_msg_format(MC_LANG_VI, "dossier.closed", closed, 2, out, 3);
    assert_string_equal(out, "h"); /* "hồ" does not fit in 2 bytes: "ồ" goes whole */
    assert_int_equal(n, (int)strlen("hồ sơ 7 đã kết thúc (trạng thái cuối 'done')"));
    mc_msg_format(MC_LANG_VI, "dossier.closed", closed, 2, out, 7);
    assert_string_equal(out, "hồ s"); /* 6 bytes; "ơ" would need 9 with the NUL */
    mc_msg_format(MC_LANG_VI, "dossier.closed", closed, 2, out, 9);
    assert_string_equal(out, "hồ sơ");
    /* English: the whole length is returned, the text cut at the buffer. */
    assert_int_equal(mc_msg_format(MC_LANG_EN, "note.not-utf8", args, 1, out, sizeof out), 36);
    assert_string_equal(out, "the note is");
    /* No room at all: nothing is written, the length is still told. */
    out[0] = 'x';
    assert_int_equal(mc_msg_format(MC_LANG_EN, "note.not-utf8", args, 1, out, 0), 36);
    assert_int_equal(out[0], 'x');
    /* A cut inside an argument keeps the argument's characters whole too. */
    const char *viet[] = {"Nguyễn"};
    char small[20];
    mc_msg_format(MC_LANG_EN, "once-only.requested", viet, 1, small, 17);
    assert_string_equal(small, "requested by Ngu"); /* "y" then "ễ" (3 bytes) does not fit */
}

static void test_msg__language_tags(void **state)
{
    (void)state;
    mc_lang l = MC_LANG_EN;
    assert_true(mc_msg_lang("vi", &l));
    assert_int_equal(l, MC_LANG_VI);
    assert_true(mc_msg_lang("en-GB", &l));
    assert_int_equal(l, MC_LANG_EN);
    assert_true(mc_msg_lang("VI_vn", &l));
    assert_int_equal(l, MC_LANG_VI);
    assert_false(mc_msg_lang("fr", &l));
    assert_false(mc_msg_lang("vie", &l));
    assert_false(mc_msg_lang("v", &l));
    assert_false(mc_msg_lang("", &l));
    assert_false(mc_msg_lang(NULL, &l));
    assert_int_equal(l, MC_LANG_VI);
}

static void test_msg__accept_language_picks_vi_or_en(void **state)
{
    (void)state;
    static const struct {
        const char *header;
        mc_lang want;
    } cases[] = {
        {NULL, MC_LANG_EN},
        {"", MC_LANG_EN},
        {"vi", MC_LANG_VI},
        {"VI", MC_LANG_VI},
        {"vi-VN", MC_LANG_VI},
        {"en", MC_LANG_EN},
        {"en-US,en;q=0.9", MC_LANG_EN},
        {"vi-VN,vi;q=0.9,en-US;q=0.8,en;q=0.7", MC_LANG_VI},
        {"en;q=0.5, vi;q=0.8", MC_LANG_VI},
        {"fr-FR, vi;q=0.2", MC_LANG_VI},
        {"en, vi", MC_LANG_EN}, /* a tie: the first named */
        {"vi, en", MC_LANG_VI},
        {"vi;q=0, en;q=0.1", MC_LANG_EN}, /* q=0: not acceptable */
        {"vi;q=0", MC_LANG_EN},
        {"*", MC_LANG_EN}, /* anything: the default */
        {"vi, *", MC_LANG_VI},
        {"en;q=0.1, *;q=0.5", MC_LANG_VI}, /* "*" stands for vi, which weighs more */
        {"fr, de", MC_LANG_EN},
        {"vietnamese", MC_LANG_EN},
        {"vie", MC_LANG_EN},
        {"vi;q=2", MC_LANG_EN}, /* an item that cannot be read is skipped */
        {"vi;q=abc, en;q=0.1", MC_LANG_EN},
        {"@@@, vi;q=0.5", MC_LANG_VI},
        {";;;,,,", MC_LANG_EN},
        {"vi ; q=0.500", MC_LANG_VI},
        {"en;q=0.9;level=1, vi;q=0.95", MC_LANG_VI},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (mc_msg_accept_language(cases[i].header) != cases[i].want) {
            fail_msg("Accept-Language '%s' should give %s",
                     cases[i].header ? cases[i].header : "(none)",
                     cases[i].want == MC_LANG_VI ? "vi" : "en");
        }
    }
}

static void test_msg__money_as_people_read_it(void **state)
{
    (void)state;
    char out[40];
    mc_msg_money(MC_LANG_VI, 1234567, "VND", out, sizeof out);
    assert_string_equal(out, "1.234.567 đ");
    mc_msg_money(MC_LANG_VI, 100000, NULL, out, sizeof out);
    assert_string_equal(out, "100.000 đ");
    mc_msg_money(MC_LANG_VI, 999, "", out, sizeof out);
    assert_string_equal(out, "999 đ");
    mc_msg_money(MC_LANG_VI, 0, "VND", out, sizeof out);
    assert_string_equal(out, "0 đ");
    mc_msg_money(MC_LANG_VI, -1500, "VND", out, sizeof out);
    assert_string_equal(out, "-1.500 đ");
    mc_msg_money(MC_LANG_VI, 2500, "USD", out, sizeof out);
    assert_string_equal(out, "2.500 USD");
    mc_msg_money(MC_LANG_VI, -9223372036854775807LL - 1, "VND", out, sizeof out);
    assert_string_equal(out, "-9.223.372.036.854.775.808 đ");
    mc_msg_money(MC_LANG_EN, 1234567, "VND", out, sizeof out);
    assert_string_equal(out, "1234567 VND");
    mc_msg_money(MC_LANG_EN, 1234567, NULL, out, sizeof out);
    assert_string_equal(out, "1234567 VND");
    mc_msg_money(MC_LANG_VI, 1234567, "VND", out, 6); /* cut, never past out */
    assert_string_equal(out, "1.234");
}

static void test_msg__dates_as_people_read_them(void **state)
{
    (void)state;
    char out[32];
    mc_msg_time(MC_LANG_VI, "2026-12-01T17:00", out, sizeof out);
    assert_string_equal(out, "01/12/2026 17:00");
    mc_msg_time(MC_LANG_VI, "2026-03-09", out, sizeof out);
    assert_string_equal(out, "09/03/2026");
    mc_msg_time(MC_LANG_VI, "2026-03-09T08:05:59", out, sizeof out);
    assert_string_equal(out, "09/03/2026 08:05:59");
    mc_msg_time(MC_LANG_EN, "2026-12-01T17:00", out, sizeof out);
    assert_string_equal(out, "2026-12-01T17:00");
    /* not a date the library writes: as it stands */
    static const char *const odd[] = {
        "-", "", "2026-1-01", "2026-12-01T17", "2026-12-01T17:00Z", "tomorrow", "2026/12/01"};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        mc_msg_time(MC_LANG_VI, odd[i], out, sizeof out);
        assert_string_equal(out, odd[i]);
    }
}

/* An error said from the catalogue (mc_error_say): the English as the catalogue has it, and its
 * code and arguments kept for a front end; mc_error_set after it leaves no stale code. */
static void test_msg__an_error_keeps_its_code_and_arguments(void **state)
{
    (void)state;
    mc_error err;
    const char *args[MC_MSG_MAXARGS];
    assert_int_equal(mc_error_say(&err, -31, "store.busy", 2, "saving a dossier", NULL), -31);
    assert_int_equal(err.code, -31);
    assert_string_equal(err.msg, "store: saving a dossier: ");
    assert_string_equal(err.msg_code, "store.busy");
    assert_int_equal(mc_error_args(&err, args, MC_MSG_MAXARGS), 2);
    assert_string_equal(args[0], "saving a dossier");
    assert_string_equal(args[1], "");                  /* NULL is said as nothing */
    assert_int_equal(mc_error_args(&err, args, 1), 1); /* no more than asked for */
    char vi[300];
    mc_msg_format(MC_LANG_VI, err.msg_code, args, 2, vi, sizeof vi);
    assert_string_equal(vi, "cơ sở dữ liệu đang bận quá thời gian chờ, xin lỗi: hãy thử lại sau "
                            "(store: saving a dossier: )");

    assert_int_equal(mc_error_set(&err, -2, "plain %d", 1), -2);
    assert_string_equal(err.msg, "plain 1");
    assert_null(err.msg_code);
    assert_int_equal(err.nargs, 0);
    assert_int_equal(mc_error_args(&err, args, MC_MSG_MAXARGS), 0);
    assert_int_equal(mc_error_say(NULL, -6, "store.busy", 0), -6);

    /* An unknown code says itself, as mc_msg_format does; more arguments than a message takes
     * keep the first MC_MSG_MAXARGS. */
    mc_error_say(&err, -7, "no.such-code", 7, "1", "2", "3", "4", "5", "6", "7");
    assert_string_equal(err.msg, "no.such-code");
    assert_int_equal(mc_error_args(&err, args, MC_MSG_MAXARGS), MC_MSG_MAXARGS);
    assert_string_equal(args[4], "5");
}

/* Arguments longer than the room of mc_error are cut at a whole character, each keeping its
 * end, the later ones losing room first. */
static void test_msg__an_error_cuts_long_arguments_at_a_character(void **state)
{
    (void)state;
    char big[601], viet[600];
    memset(big, 'x', 600);
    big[600] = '\0';
    size_t k;
    for (k = 0; k + 2 < 600; k += 2) {
        memcpy(viet + k, "\xc6\xb0", 2); /* "ư", two bytes */
    }
    viet[k] = '\0';
    mc_error err;
    const char *args[MC_MSG_MAXARGS];
    mc_error_say(&err, -7, "store.busy", 2, "a", viet);
    assert_int_equal(mc_error_args(&err, args, MC_MSG_MAXARGS), 2);
    assert_string_equal(args[0], "a");
    /* 512 bytes: "a" and its NUL, then 509 bytes of room before the last NUL: 254 characters */
    assert_int_equal(strlen(args[1]), 508);
    assert_int_equal(strncmp(args[1], viet, 508), 0);
    /* The English is cut as mc_msg_format cuts it: "store: a: " and 122 whole characters */
    assert_int_equal(strlen(err.msg), 254);

    mc_error_say(&err, -7, "store.busy", 2, big, "b");
    assert_int_equal(mc_error_args(&err, args, MC_MSG_MAXARGS), 2);
    assert_int_equal(strlen(args[0]), 510); /* a NUL each for it and for the second */
    assert_string_equal(args[1], "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_msg__every_code_in_both_languages_with_the_same_arguments),
        cmocka_unit_test(test_msg__formats_english_by_default),
        cmocka_unit_test(test_msg__vietnamese_reorders_the_arguments),
        cmocka_unit_test(test_msg__a_missing_argument_shows_its_placeholder),
        cmocka_unit_test(test_msg__an_unknown_code_says_itself),
        cmocka_unit_test(test_msg__overlong_output_is_cut_at_a_character),
        cmocka_unit_test(test_msg__language_tags),
        cmocka_unit_test(test_msg__accept_language_picks_vi_or_en),
        cmocka_unit_test(test_msg__money_as_people_read_it),
        cmocka_unit_test(test_msg__dates_as_people_read_them),
        cmocka_unit_test(test_msg__an_error_keeps_its_code_and_arguments),
        cmocka_unit_test(test_msg__an_error_cuts_long_arguments_at_a_character),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
