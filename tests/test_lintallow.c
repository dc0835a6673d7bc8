/*
 * Tests of warnings under control (issue 24, src/lang/diag.c): every warning lint gives carries
 * its stable name; an allow comment (`# lint: allow NAME — why`) accepts the warnings of that
 * name on its line (at the end of a line) or on the next line that is not a comment (on a line
 * of its own); an unknown name (with a did-you-mean), an allow without a reason, a `# lint:`
 * comment that is not an allow and an allow that accepts nothing (lint only) are warnings of
 * their own, word for word; --strict's mc_diags_strict; docs/language.md §13.2 lists every
 * name; out of memory.
 */
#include "testutil.h"

/* Loads text as t.proc and runs what lint runs after the load (titles, staffing, then the
 * allows, reporting the stale ones when report is set); the diagnostics as lines. */
static char *lint(const char *text, bool report, int *rc_out)
{
    mc_diags *d;
    assert_int_equal(mc_diags_new(&d), 0);
    const char *names[] = {"t.proc"};
    const char *texts[] = {text};
    size_t lens[] = {strlen(text)};
    mc_error err;
    mc_catalogue *cat = NULL;
    int rc = mc_catalogue_load_buffers(&cat, names, texts, lens, 1, d, &err);
    if (cat != NULL) {
        assert_int_equal(mc_catalogue_check_titles(cat, "vi", d), 0);
        assert_int_equal(mc_catalogue_check_staffing(cat, d), 0);
    }
    assert_int_equal(mc_diags_apply_allows(d, report && cat != NULL), 0);
    mc_diags_sort(d);
    char *got = tu_render(d, false);
    mc_catalogue_free(cat);
    mc_diags_free(d);
    if (rc_out != NULL) {
        *rc_out = rc;
    }
    return got;
}

static void expect_lint(const char *text, const char *expected)
{
    char *got = lint(text, true, NULL);
    assert_string_equal(got, expected);
    free(got);
}

/* A small lifecycle with every title, so that only the warnings a test provokes are given. */
#define HEAD                                                                                       \
    "role clerk { title vi \"Cán bộ\" }\n"                                                      \
    "lifecycle l {\n"                                                                              \
    "    event close { title vi \"Đóng\" }\n"                                                    \
    "    state open { initial; title vi \"Mở\"; on close -> closed by clerk }\n"                 \
    "    state closed { final; outcome granted; title vi \"Đã đóng\" }\n"

static void test_lintallow__names_are_given(void **state)
{
    (void)state;
    /* without an allow: the warning with its name */
    expect_lint(HEAD "    state lost { final; outcome refused; title vi \"Mất\" }\n"
                     "}\n",
                "t.proc:6:11: warning[unreachable-state]: state 'lost' is unreachable from the "
                "initial state 'open' in lifecycle 'l'\n");
    /* an error has no name */
    expect_lint(HEAD "    state lost { final; outcome lost }\n}\n",
                "t.proc:6:33: error: unknown outcome (granted, refused, withdrawn or stopped)\n");
}

static void test_lintallow__allow_on_the_line_and_above(void **state)
{
    (void)state;
    /* at the end of the line the warning points at */
    expect_lint(HEAD "    state lost { final; outcome refused; title vi \"Mất\" } # lint: allow "
                     "unreachable-state — kept for dossiers of 2024\n"
                     "}\n",
                "");
    /* on a line of its own: the next line that is not a comment; `--` for the dash */
    expect_lint(HEAD "    # lint: allow unreachable-state -- kept for dossiers of 2024\n"
                     "    # (they are moved by hand)\n"
                     "    state lost { final; outcome refused; title vi \"Mất\" }\n"
                     "}\n",
                "");
    /* two names in one allow; a title warning (lint's own check) is accepted too */
    expect_lint(HEAD "    # lint: allow unreachable-state, missing-title — an old state\n"
                     "    state lost { final; outcome refused }\n"
                     "}\n",
                "");
    /* an allow covers one line: the line after a blank line is not covered, and the allow of
     * another name does not accept this warning */
    expect_lint(HEAD "    # lint: allow unreachable-state — kept\n"
                     "\n"
                     "    state lost { final; outcome refused; title vi \"Mất\" }\n"
                     "    state gone { final; outcome refused; title vi \"Hết\" } # lint: allow "
                     "missing-title — x\n"
                     "}\n",
                "t.proc:6:19: warning[allow-stale]: this allow accepts no 'unreachable-state' "
                "warning on line 7: remove it\n"
                "t.proc:8:11: warning[unreachable-state]: state 'lost' is unreachable from the "
                "initial state 'open' in lifecycle 'l'\n"
                "t.proc:9:11: warning[unreachable-state]: state 'gone' is unreachable from the "
                "initial state 'open' in lifecycle 'l'\n"
                "t.proc:9:73: warning[allow-stale]: this allow accepts no 'missing-title' "
                "warning on line 9: remove it\n");
}

static void test_lintallow__bom_and_crlf(void **state)
{
    (void)state;
    /* a file saved with a byte order mark, and Windows line ends: an allow alone on the first
     * line still covers the next line; the reason before a CR counts */
    expect_lint("\xEF\xBB\xBF# lint: allow unused-event -- kept for the old lifecycle\r\n"
                "role clerk { title vi \"C\xC3\xA1n b\xE1\xBB\x99\" }\r\n",
                "t.proc:1:15: warning[allow-stale]: this allow accepts no 'unused-event' "
                "warning on line 2: remove it\n");
    expect_lint("role clerk { title vi \"C\xC3\xA1n b\xE1\xBB\x99\" } # lint: allow "
                "missing-title --\r\n",
                "t.proc:1:48: warning[allow-without-reason]: say why this warning is accepted "
                "(write: # lint: allow missing-title — REASON)\n"
                "t.proc:1:48: warning[allow-stale]: this allow accepts no 'missing-title' "
                "warning on line 1: remove it\n");
}

/* A file stops recording warnings after 50; accepted ones do not count against that limit. */
static void test_lintallow__accepted_do_not_count(void **state)
{
    (void)state;
    char text[8192];
    size_t n = (size_t)snprintf(text, sizeof text, "%s", HEAD);
    for (int i = 0; i < 55; i++) {
        n += (size_t)snprintf(text + n, sizeof text - n,
                              "    state s%02d { final; outcome refused; title vi \"X\" } "
                              "# lint: allow unreachable-state — old\n",
                              i);
    }
    snprintf(text + n, sizeof text - n,
             "    state last { final; outcome refused; title vi \"X\" }\n}\n");
    expect_lint(text, "t.proc:61:11: warning[unreachable-state]: state 'last' is unreachable from "
                      "the initial state 'open' in lifecycle 'l'\n");
}

static void test_lintallow__bad_allows(void **state)
{
    (void)state;
    /* an unknown name, with a did-you-mean: it accepts nothing */
    expect_lint(HEAD "    state lost { final; outcome refused; title vi \"Mất\" } # lint: allow "
                     "unreachable-sate — kept\n"
                     "}\n",
                "t.proc:6:11: warning[unreachable-state]: state 'lost' is unreachable from the "
                "initial state 'open' in lifecycle 'l'\n"
                "t.proc:6:73: warning[allow-unknown]: unknown warning name 'unreachable-sate' in "
                "an allow comment (did you mean 'unreachable-state'?)\n");
    /* no reason: said, and the allow still accepts the warning */
    expect_lint(HEAD "    state lost { final; outcome refused; title vi \"Mất\" } # lint: allow "
                     "unreachable-state\n"
                     "}\n",
                "t.proc:6:73: warning[allow-without-reason]: say why this warning is accepted "
                "(write: # lint: allow unreachable-state — REASON)\n");
    expect_lint(HEAD "    state lost { final; outcome refused; title vi \"Mất\" } # lint: allow "
                     "unreachable-state --  \n"
                     "}\n",
                "t.proc:6:73: warning[allow-without-reason]: say why this warning is accepted "
                "(write: # lint: allow unreachable-state — REASON)\n");
    /* not an allow; an allow without a name */
    expect_lint(HEAD "}\n# lint: alow unreachable-state — kept\n# lint: allow — kept\n",
                "t.proc:7:9: warning[allow-unknown]: unknown lint comment (write: # lint: allow "
                "NAME — REASON)\n"
                "t.proc:8:15: warning[allow-unknown]: an allow names the warning it accepts "
                "(write: # lint: allow NAME — REASON)\n");
    /* a '#' in a string starts no comment; an ordinary comment is no allow */
    expect_lint(HEAD "    state lost { final; outcome refused; title vi \"# lint: allow "
                     "unreachable-state — x\" } # lints: allow all\n"
                     "}\n",
                "t.proc:6:11: warning[unreachable-state]: state 'lost' is unreachable from the "
                "initial state 'open' in lifecycle 'l'\n");
}

static void test_lintallow__stale_only_in_lint(void **state)
{
    (void)state;
    static const char text[] = HEAD "}\n"
                                    "# lint: allow same-code — nothing here\n";
    /* an ordinary load (every command) accepts warnings, but says nothing of a stale allow */
    char *got = lint(text, false, NULL);
    assert_string_equal(got, "");
    free(got);
    expect_lint(text, "t.proc:7:15: warning[allow-stale]: this allow accepts no 'same-code' "
                      "warning on line 8: remove it\n");
    /* a catalogue with errors: the allows still accept, stale ones are not said */
    int rc;
    got = lint(HEAD "    state lost { final; outcome refused; title vi \"Mất\" } # lint: allow "
                    "unreachable-state — kept\n"
                    "    state bad { outcome nope }\n"
                    "}\n# lint: allow same-code — nothing\n",
               true, &rc);
    assert_int_equal(rc, MC_ECHECK);
    assert_string_equal(got, "t.proc:7:25: error: unknown outcome (granted, refused, withdrawn or "
                             "stopped)\n");
    free(got);
}

static void test_lintallow__strict(void **state)
{
    (void)state;
    mc_diags *d;
    assert_int_equal(mc_diags_new(&d), 0);
    assert_int_equal(mc_diags_warn_at(d, "same-code", "a.proc", 3, 1, "a warning"), 0);
    assert_int_equal(mc_diags_add_at(d, MC_DIAG_ERROR, "a.proc", 4, 1, "an error"), 0);
    assert_int_equal(mc_diags_warnings(d), 1);
    mc_diags_strict(d);
    assert_int_equal(mc_diags_warnings(d), 0);
    assert_int_equal(mc_diags_errors(d), 2);
    char *got = tu_render(d, false);
    assert_string_equal(got,
                        "a.proc:3:1: error[same-code]: a warning\na.proc:4:1: error: an error\n");
    free(got);
    mc_diags_free(d);
}

static void test_lintallow__names_table(void **state)
{
    (void)state;
    size_t n;
    const char *const *names = mc_diag_warning_names(&n);
    assert_true(n > 20);
    for (size_t i = 1; i < n; i++) {
        assert_true(strcmp(names[i - 1], names[i]) < 0); /* sorted, no twice */
    }
    assert_ptr_equal(mc_diag_warning_name("same-code", 9), mc_diag_warning_name("same-code!", 9));
    assert_null(mc_diag_warning_name("same", 4));
    assert_null(mc_diag_warning_name("allow-stale", 11)); /* no allow accepts these */
}

/* docs/language.md §13.2 lists every warning name with an example (run from the repository
 * root, as every suite is). */
static void test_lintallow__every_name_is_documented(void **state)
{
    (void)state;
    FILE *f = fopen("docs/language.md", "rb");
    assert_non_null(f);
    static char doc[1 << 20];
    size_t len = fread(doc, 1, sizeof doc - 1, f);
    fclose(f);
    doc[len] = '\0';
    char *from = strstr(doc, "### 13.2 Warnings");
    assert_non_null(from);
    char *to = strstr(from, "### 13.3");
    assert_non_null(to);
    *to = '\0';
    size_t n;
    const char *const *names = mc_diag_warning_names(&n);
    const char *meta[] = {"allow-unknown", "allow-without-reason", "allow-stale"};
    for (size_t i = 0; i < n + 3; i++) {
        const char *name = i < n ? names[i] : meta[i - n];
        char row[80];
        snprintf(row, sizeof row, "`%s`", name);
        if (strstr(from, row) == NULL) {
            fail_msg("docs/language.md §13.2 does not list warning %s", name);
        }
    }
}

static int lint_allows(void *ctx)
{
    (void)ctx;
    mc_diags *d;
    if (mc_diags_new(&d) != 0) {
        return MC_ENOMEM;
    }
    static const char text[] =
        HEAD "    state lost { final; outcome refused } # lint: allow unreachable-state — x\n"
             "    # lint: allow missing-title\n"
             "    state gone { final; outcome refused; title vi \"Hết\" } # lint: allow nope — x\n"
             "}\n# lint: allow same-code — nothing\n";
    const char *names[] = {"t.proc"};
    const char *texts[] = {text};
    size_t lens[] = {strlen(text)};
    mc_error err;
    mc_catalogue *cat = NULL;
    int rc = mc_catalogue_load_buffers(&cat, names, texts, lens, 1, d, &err);
    if (rc == 0) {
        rc = mc_catalogue_check_titles(cat, "vi", d);
    }
    if (rc == 0) {
        rc = mc_diags_apply_allows(d, true);
    }
    mc_catalogue_free(cat);
    mc_diags_free(d);
    return rc;
}

static void test_lintallow__out_of_memory(void **state)
{
    (void)state;
    tu_oom_sweep(lint_allows, NULL, false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lintallow__names_are_given),
        cmocka_unit_test(test_lintallow__allow_on_the_line_and_above),
        cmocka_unit_test(test_lintallow__bom_and_crlf),
        cmocka_unit_test(test_lintallow__accepted_do_not_count),
        cmocka_unit_test(test_lintallow__bad_allows),
        cmocka_unit_test(test_lintallow__stale_only_in_lint),
        cmocka_unit_test(test_lintallow__strict),
        cmocka_unit_test(test_lintallow__names_table),
        cmocka_unit_test(test_lintallow__every_name_is_documented),
        cmocka_unit_test(test_lintallow__out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
