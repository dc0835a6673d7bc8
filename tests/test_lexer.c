/* The lexer and parser of SPEC §2: tokens, strings, blocks, recovery, hostile input. */
#include "testutil.h"

#include "lang/lexer.h"
#include "lang/parser.h"

typedef struct lexed {
    mc_source *src;
    mc_diags *diags;
    mc_arena arena;
    mc_token toks[64];
    size_t n;
} lexed;

static void lex(lexed *l, const char *text, size_t len)
{
    memset(l, 0, sizeof *l);
    assert_int_equal(mc_source_new(&l->src, "t.proc", text, len, NULL), 0);
    assert_int_equal(mc_diags_new(&l->diags), 0);
    mc_lexer lx;
    mc_lexer_init(&lx, l->src, l->diags, &l->arena);
    do {
        assert_true(l->n < 64);
        mc_lexer_next(&lx, &l->toks[l->n]);
    } while (l->toks[l->n++].kind != MC_TOK_EOF);
}

static void unlex(lexed *l)
{
    mc_source_free(l->src);
    mc_diags_free(l->diags);
    mc_arena_free(&l->arena);
}

static void test_lexer__kinds_and_offsets(void **state)
{
    (void)state;
    lexed l;
    const char *text = "on go -> done by clerk # comment\nx { a; b }\n";
    lex(&l, text, strlen(text));
    mc_tok_kind want[] = {MC_TOK_WORD, MC_TOK_WORD,    MC_TOK_WORD,   MC_TOK_WORD,    MC_TOK_WORD,
                          MC_TOK_WORD, MC_TOK_NEWLINE, MC_TOK_WORD,   MC_TOK_LBRACE,  MC_TOK_WORD,
                          MC_TOK_SEMI, MC_TOK_WORD,    MC_TOK_RBRACE, MC_TOK_NEWLINE, MC_TOK_EOF};
    assert_int_equal(l.n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < l.n; i++) {
        assert_int_equal(l.toks[i].kind, want[i]);
    }
    assert_int_equal(l.toks[2].off, 6);
    assert_int_equal(l.toks[2].len, 2);
    assert_true(mc_tok_is(&l.toks[2], "->"));
    assert_int_equal(mc_diags_count(l.diags), 0);
    unlex(&l);
}

static void test_lexer__string_escapes(void **state)
{
    (void)state;
    lexed l;
    const char *text = "\"a\\\"b\\\\c\\nd\\te\\u{1EBF}\\u{1F600}\" word\"x\"";
    lex(&l, text, strlen(text));
    assert_int_equal(l.toks[0].kind, MC_TOK_STRING);
    assert_string_equal(l.toks[0].text, "a\"b\\c\nd\te\xE1\xBA\xBF\xF0\x9F\x98\x80");
    assert_int_equal(l.toks[0].len, 32);
    /* A quote ends a word: `word"x"` is a word then a string. */
    assert_int_equal(l.toks[1].kind, MC_TOK_WORD);
    assert_int_equal(l.toks[1].text_len, 4);
    assert_int_equal(l.toks[2].kind, MC_TOK_STRING);
    assert_string_equal(l.toks[2].text, "x");
    unlex(&l);
}

static void test_lexer__hash_inside_string_is_text(void **state)
{
    (void)state;
    lexed l;
    const char *text = "title \"room #4\" # a comment";
    lex(&l, text, strlen(text));
    assert_int_equal(l.toks[1].kind, MC_TOK_STRING);
    assert_string_equal(l.toks[1].text, "room #4");
    assert_int_equal(l.toks[2].kind, MC_TOK_EOF);
    unlex(&l);
}

static void test_lexer__bom_skipped_and_not_counted(void **state)
{
    (void)state;
    tu_expect("\xEF\xBB\xBFrole clerk\nrole x {\n", "t.proc:2:8: error: unclosed block: this "
                                                    "'{' has no matching '}'\n");
    tu_expect("\xEF\xBB\xBF}", "t.proc:1:1: error: unmatched '}'\n");
}

static void test_lexer__errors(void **state)
{
    (void)state;
    tu_expect("role a { title \"open }\n",
              "t.proc:1:8: error: unclosed block: this '{' has no matching '}'\n"
              "t.proc:1:16: error: unterminated string (a string must end on its line with "
              "'\"')\n");
    tu_expect("role a { title \"\\q\" }\n",
              "t.proc:1:17: error: invalid escape '\\q' (use \\\", \\\\, \\n, \\t or "
              "\\u{HEX})\n");
    tu_expect("role a { title \"\\u{D800}\" }\n",
              "t.proc:1:17: error: invalid escape '\\u{…}': it takes 1 to 6 hex digits of a "
              "Unicode scalar value other than 0\n");
    tu_expect("role caf\xC3\xA9\xFF\n",
              "t.proc:1:10: error: invalid UTF-8 byte 0xFF (is the file saved as UTF-8?)\n");
    tu_expect("role a\x01\n", "t.proc:1:7: error: control character U+0001 in the file\n");
    tu_expect("# comment \xC3\n",
              "t.proc:1:11: error: invalid UTF-8 byte 0xC3 (is the file saved as UTF-8?)\n");
}

static void test_lexer__nul_byte(void **state)
{
    (void)state;
    mc_catalogue *cat = NULL;
    mc_diags *d;
    assert_int_equal(mc_diags_new(&d), 0);
    const char text[] = "role a\0b\nrole c\n";
    const char *names[] = {"t.proc"};
    const char *texts[] = {text};
    size_t lens[] = {sizeof text - 1};
    assert_int_equal(mc_catalogue_load_buffers(&cat, names, texts, lens, 1, d, NULL), MC_ECHECK);
    char *got = tu_render(d, false);
    assert_string_equal(got, "t.proc:1:7: error: NUL byte in the file\n");
    free(got);
    mc_diags_free(d);
}

static void test_parser__one_line_blocks(void **state)
{
    (void)state;
    tu_expect("role clerk { title \"A\"; title vi \"B\" }\n"
              "lifecycle l { state a { initial; on go -> b by clerk }; state b { final } }\n",
              "");
}

static void test_parser__brace_on_next_line_recovers(void **state)
{
    (void)state;
    tu_expect("role clerk\nlifecycle l\n{\n  state a { initial; on go -> b by clerk }\n"
              "  state b { final }\n}\n",
              "t.proc:3:1: error: a block's '{' must be on the line of its directive\n");
}

static void test_parser__recovers_at_next_directive(void **state)
{
    (void)state;
    tu_expect("role \"x\"\nrole clerk\ndocument d { title \"bad\\q\"; match \"(\" }\n",
              "t.proc:1:6: error: expected a name, not a quoted string\n"
              "t.proc:3:24: error: invalid escape '\\q' (use \\\", \\\\, \\n, \\t or \\u{HEX})\n"
              "t.proc:3:37: error: invalid pattern: missing closing parenthesis\n");
}

static void test_parser__unindented_file_with_a_missing_brace(void **state)
{
    (void)state;
    /* Without indentation to go by, the block runs to the end of the file as written. */
    tu_expect("role clerk\nlifecycle l {\nstate a {\ninitial; on go -> b by clerk\n"
              "state b { final }\n}\n",
              "t.proc:2:13: error: unclosed block: this '{' has no matching '}'\n"
              "t.proc:4:19: error: unknown state 'b' (did you mean 'a'?)\n"
              "t.proc:5:1: error: unknown state directive 'state'\n");
}

static void test_parser__deep_nesting_is_one_error(void **state)
{
    (void)state;
    size_t depth = 100000;
    char *text = malloc(depth * 4 + 1);
    for (size_t i = 0; i < depth; i++) {
        memcpy(text + i * 2, "x{", 2);
    }
    for (size_t i = 0; i < depth; i++) {
        text[depth * 2 + i] = '}';
    }
    text[depth * 3] = '\0';
    mc_catalogue *cat = NULL;
    char *got;
    assert_int_equal(tu_load(text, &cat, &got), MC_ECHECK);
    assert_string_equal(got, "t.proc:1:1: error: unknown declaration 'x'\n"
                             "t.proc:1:34: error: blocks nested too deeply (at most 16 levels)\n");
    free(got);
    free(text);
}

static void test_parser__error_limit_per_file(void **state)
{
    (void)state;
    size_t lines = 500;
    char *text = malloc(lines * 8 + 1);
    for (size_t i = 0; i < lines; i++) {
        memcpy(text + i * 8, "bogus 1\n", 8);
    }
    text[lines * 8] = '\0';
    mc_catalogue *cat = NULL;
    char *got;
    assert_int_equal(tu_load(text, &cat, &got), MC_ECHECK);
    size_t count = 0;
    for (const char *p = got; *p; p++) {
        count += *p == '\n';
    }
    assert_int_equal(count, MC_DIAG_MAX_ERRORS_PER_FILE + 1); /* + "too many errors" */
    free(got);
    free(text);
}

static void test_parser__ten_megabyte_line(void **state)
{
    (void)state;
    size_t n = 10 * 1024 * 1024;
    char *text = malloc(n + 32);
    memcpy(text, "role a { title ", 15);
    memset(text + 15, 'x', n);
    memcpy(text + 15 + n, " }\n", 4);
    mc_catalogue *cat = NULL;
    char *got;
    assert_int_equal(tu_load(text, &cat, &got), MC_ECHECK);
    assert_string_equal(got, "t.proc:1:16: error: a title must be a quoted string\n");
    free(got);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lexer__kinds_and_offsets),
        cmocka_unit_test(test_lexer__string_escapes),
        cmocka_unit_test(test_lexer__hash_inside_string_is_text),
        cmocka_unit_test(test_lexer__bom_skipped_and_not_counted),
        cmocka_unit_test(test_lexer__errors),
        cmocka_unit_test(test_lexer__nul_byte),
        cmocka_unit_test(test_parser__one_line_blocks),
        cmocka_unit_test(test_parser__brace_on_next_line_recovers),
        cmocka_unit_test(test_parser__recovers_at_next_directive),
        cmocka_unit_test(test_parser__unindented_file_with_a_missing_brace),
        cmocka_unit_test(test_parser__deep_nesting_is_one_error),
        cmocka_unit_test(test_parser__error_limit_per_file),
        cmocka_unit_test(test_parser__ten_megabyte_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
