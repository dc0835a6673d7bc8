/* The ground floor's shared helpers: the growth rule of growable arrays (grow.h, and its arena
 * form), printf into a new string (buf.h), the directory walker (dir.h) and the one read of a
 * source file (diag.h): what they do at their limits and when memory runs out. */
#include "testutil.h"

#include "base/arena.h"
#include "base/buf.h"
#include "base/dir.h"
#include "base/grow.h"
#include "base/ptrvec.h"
#include "base/regex.h"
#include "base/utf8.h"
#include "motcua/diag.h"
#include "motcua/error.h"

#include <pthread.h>
#include <stdarg.h>
#include <unistd.h>
#include <sys/stat.h>

/* ==== growth ============================================================================== */

static void test_grow__doubles_from_the_minimum_or_takes_what_is_needed(void **state)
{
    (void)state;
    size_t next;
    assert_int_equal(mc_grow_cap(0, 1, sizeof(int), &next), 0);
    assert_int_equal(next, MC_GROW_MIN);
    assert_int_equal(mc_grow_cap(4, 5, sizeof(int), &next), 0);
    assert_int_equal(next, 8);
    assert_int_equal(mc_grow_cap(8, 100, sizeof(int), &next), 0);
    assert_int_equal(next, 100);
    assert_int_equal(mc_grow_cap(8, 8, sizeof(int), &next), 0);
    assert_int_equal(next, 8); /* room enough: no growth */

    int *a = NULL;
    size_t cap = 0;
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(mc_grow(&a, &cap, (size_t)i + 1, sizeof *a), 0);
        a[i] = i;
    }
    assert_int_equal(cap, 1024);
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(a[i], i);
    }
    mc_free(a);
}

static void test_grow__refuses_a_size_that_overflows(void **state)
{
    (void)state;
    size_t next = 7;
    assert_int_equal(mc_grow_cap(0, SIZE_MAX / 8 + 1, 8, &next), MC_ENOMEM);
    assert_int_equal(next, 7);
    /* Doubling would overflow: the capacity stops at the largest that fits. */
    assert_int_equal(mc_grow_cap(SIZE_MAX / 16 + 1, SIZE_MAX / 16 + 2, 8, &next), 0);
    assert_int_equal(next, SIZE_MAX / 8);
    /* An element so large that even the minimum does not fit: what is needed, or nothing. */
    assert_int_equal(mc_grow_cap(0, 1, SIZE_MAX / 2, &next), 0);
    assert_int_equal(next, 2);
    assert_int_equal(mc_grow_cap(2, 3, SIZE_MAX / 2, &next), MC_ENOMEM);

    int64_t *a = NULL;
    size_t cap = 0;
    assert_int_equal(mc_grow(&a, &cap, 3, sizeof *a), 0);
    int64_t *before = a;
    assert_int_equal(mc_grow(&a, &cap, SIZE_MAX / 4, sizeof *a), MC_ENOMEM);
    assert_ptr_equal(a, before);
    assert_int_equal(cap, MC_GROW_MIN);
    mc_free(a);
}

static void test_grow__out_of_memory_keeps_the_old_array(void **state)
{
    (void)state;
    int *a = NULL;
    size_t cap = 0;
    assert_int_equal(mc_grow(&a, &cap, 4, sizeof *a), 0);
    for (int i = 0; i < 4; i++) {
        a[i] = 10 + i;
    }
    int *before = a;
    tu_failing f = {.fail_at = 0};
    mc_alloc_set(tu_failing_realloc, &f);
    int rc = mc_grow(&a, &cap, 5, sizeof *a);
    mc_alloc_set(NULL, NULL);
    assert_true(f.failed);
    assert_int_equal(rc, MC_ENOMEM);
    assert_ptr_equal(a, before);
    assert_int_equal(cap, 4);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(a[i], 10 + i);
    }
    mc_free(a);
}

/* Pushes 100 pointers; under the sweep every failure must leave a vector that frees cleanly. */
static int push_hundred(void *ctx)
{
    (void)ctx;
    mc_ptrvec v = MC_PTRVEC_INIT;
    int rc = 0;
    for (int i = 0; i < 100 && rc == 0; i++) {
        rc = mc_ptrvec_push(&v, &v);
        assert_true(v.n <= v.cap);
    }
    assert_true(rc != 0 || v.n == 100);
    mc_ptrvec_free(&v);
    return rc;
}

static void test_grow__a_vector_survives_every_failed_push(void **state)
{
    (void)state;
    assert_true(tu_oom_sweep(push_hundred, NULL, false) > 0);
}

static void test_grow__an_arena_array_grows_out_of_a_local_one(void **state)
{
    (void)state;
    mc_arena arena = MC_ARENA_INIT;
    int local[2] = {1, 2};
    int *a = local;
    size_t cap = 2;
    assert_int_equal(mc_arena_grow_array(&arena, &a, &cap, 2, 2, sizeof *a), 0);
    assert_ptr_equal(a, local); /* room enough: stays where it is */
    assert_int_equal(mc_arena_grow_array(&arena, &a, &cap, 2, 3, sizeof *a), 0);
    assert_ptr_not_equal(a, local);
    assert_int_equal(cap, MC_GROW_MIN);
    a[2] = 3;
    assert_int_equal(a[0] + a[1] + a[2], 6);
    int *before = a;
    assert_int_equal(mc_arena_grow_array(&arena, &a, &cap, 3, SIZE_MAX / 2, sizeof *a), MC_ENOMEM);
    assert_ptr_equal(a, before);
    assert_int_equal(cap, MC_GROW_MIN);
    mc_arena_free(&arena);
}

/* ==== formatting ========================================================================== */

static void test_format__long_strings_whole(void **state)
{
    (void)state;
    enum { LONG = 100000 };
    char *big = malloc(LONG + 1);
    assert_non_null(big);
    memset(big, 'x', LONG);
    big[LONG] = '\0';
    char *s = mc_format("<%s|%d>", big, 42);
    assert_non_null(s);
    assert_int_equal(strlen(s), LONG + 5);
    assert_memory_equal(s + 1, big, LONG);
    assert_string_equal(s + 1 + LONG, "|42>");
    mc_free(s);

    s = mc_format("%s", "");
    assert_non_null(s);
    assert_string_equal(s, "");
    mc_free(s);

    mc_buf b = MC_BUF_INIT;
    mc_buf_puts(&b, "head ");
    mc_buf_printf(&b, "%s and %s", big, "tail");
    char *t = mc_buf_take(&b);
    assert_non_null(t);
    assert_int_equal(strlen(t), 5 + LONG + 9);
    assert_string_equal(t + 5 + LONG, " and tail");
    mc_free(t);
    free(big);
}

static int format_once(void *ctx)
{
    char *s = mc_format("%s %zu", (const char *)ctx, strlen(ctx));
    if (s == NULL) {
        return MC_ENOMEM;
    }
    assert_string_equal(s, "hello 5");
    mc_free(s);
    return 0;
}

static void test_format__out_of_memory_is_null(void **state)
{
    (void)state;
    char hello[] = "hello";
    assert_int_equal(tu_oom_sweep(format_once, hello, false), 1);
}

/* ==== regex: one pattern matched again and again, and by several threads at once ========== */

typedef struct regex_run {
    const mc_regex *re;
    int seed;
    int bad; /* matches that did not say what they should */
} regex_run;

/* Matches "<seed spaces>N" for many N: the number must be found where it was put. */
static void *regex_worker(void *arg)
{
    regex_run *r = arg;
    char subject[64];
    char msg[128];
    for (int i = 0; i < 3000; i++) {
        int pad = (r->seed + i) % 7;
        int n = snprintf(subject, sizeof subject, "%*s%d x", pad, "", i);
        size_t start = 99, end = 99;
        int m = mc_regex_match(r->re, subject, (size_t)n, &start, &end, msg, sizeof msg);
        int digits = snprintf(NULL, 0, "%d", i);
        if (m != 1 || start != (size_t)pad || end != (size_t)(pad + digits)) {
            r->bad++;
        }
        if (mc_regex_match(r->re, "none", 4, NULL, NULL, msg, sizeof msg) != 0) {
            r->bad++;
        }
    }
    return NULL;
}

static void test_regex__reused_and_shared_by_threads(void **state)
{
    (void)state;
    mc_regex *re;
    char msg[128];
    size_t off;
    assert_int_equal(mc_regex_compile(&re, "[0-9]+", 6, false, msg, sizeof msg, &off), 0);
    regex_run alone = {.re = re, .seed = 3};
    regex_worker(&alone);
    assert_int_equal(alone.bad, 0);
    enum { NT = 4 };
    pthread_t t[NT];
    regex_run runs[NT];
    for (int i = 0; i < NT; i++) {
        runs[i] = (regex_run){.re = re, .seed = i};
        assert_int_equal(pthread_create(&t[i], NULL, regex_worker, &runs[i]), 0);
    }
    for (int i = 0; i < NT; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(runs[i].bad, 0);
    }
    mc_regex_free(re);
}

/* A whole-value pattern (a field's) used often is compiled to machine code (regex.c, jit_of):
 * the same answers before and after, and from four threads at once that race to compile it. */
typedef struct whole_run {
    const mc_regex *re;
    int bad;
} whole_run;

static void *whole_worker(void *arg)
{
    whole_run *r = arg;
    char msg[128];
    char good[16], bad[16];
    for (int i = 0; i < 2000; i++) {
        int n = snprintf(good, sizeof good, "%012d", i);
        int k = snprintf(bad, sizeof bad, "%011dx", i);
        r->bad += mc_regex_match(r->re, good, (size_t)n, NULL, NULL, msg, sizeof msg) != 1;
        r->bad += mc_regex_match(r->re, bad, (size_t)k, NULL, NULL, msg, sizeof msg) != 0;
        r->bad += mc_regex_match(r->re, good, (size_t)n - 1, NULL, NULL, msg, sizeof msg) != 0;
    }
    return NULL;
}

static void test_regex__whole_patterns_used_often(void **state)
{
    (void)state;
    mc_regex *re;
    char msg[128];
    size_t off;
    assert_int_equal(mc_regex_compile(&re, "[0-9]{12}", 9, true, msg, sizeof msg, &off), 0);
    whole_run alone = {.re = re};
    whole_worker(&alone); /* past the uses that compile it */
    assert_int_equal(alone.bad, 0);
    mc_regex_free(re);
    assert_int_equal(mc_regex_compile(&re, "[0-9]{12}", 9, true, msg, sizeof msg, &off), 0);
    enum { NT = 4 };
    pthread_t t[NT];
    whole_run runs[NT];
    for (int i = 0; i < NT; i++) {
        runs[i] = (whole_run){.re = re};
        assert_int_equal(pthread_create(&t[i], NULL, whole_worker, &runs[i]), 0);
    }
    for (int i = 0; i < NT; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(runs[i].bad, 0);
    }
    mc_regex_free(re);
}

static void test_regex__gives_up_then_matches_again(void **state)
{
    (void)state;
    mc_regex *re;
    char msg[128] = "";
    size_t off;
    const char *pat = "(a+)+$";
    assert_int_equal(mc_regex_compile(&re, pat, strlen(pat), false, msg, sizeof msg, &off), 0);
    const char *evil = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab";
    assert_int_equal(mc_regex_match(re, evil, strlen(evil), NULL, NULL, msg, sizeof msg),
                     MC_ESYNTAX);
    assert_true(strncmp(msg, "pattern gave up: ", 17) == 0);
    size_t start, end;
    assert_int_equal(mc_regex_match(re, "baa", 3, &start, &end, msg, sizeof msg), 1);
    assert_int_equal(start, 1);
    assert_int_equal(end, 3);
    mc_regex_free(re);
}

static int regex_twice(void *ctx)
{
    (void)ctx;
    mc_regex *re;
    char msg[128];
    size_t off;
    int rc = mc_regex_compile(&re, "b+", 2, true, msg, sizeof msg, &off);
    if (rc != 0) {
        return rc;
    }
    for (int i = 0; i < 2 && rc >= 0; i++) {
        rc = mc_regex_match(re, "bbb", 3, NULL, NULL, msg, sizeof msg);
        if (rc >= 0) {
            assert_int_equal(rc, 1);
        }
    }
    mc_regex_free(re);
    return rc < 0 ? rc : 0;
}

static void test_regex__out_of_memory(void **state)
{
    (void)state;
    assert_true(tu_oom_sweep(regex_twice, NULL, false) > 0);
}

/* ==== the directory walker ================================================================ */

typedef struct tree {
    char dir[64];
} tree;

static void touch(const char *dir, const char *name)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fclose(f);
}

static void sub(const char *dir, const char *name, char *out, size_t n)
{
    assert_true((size_t)snprintf(out, n, "%s/%s", dir, name) < n);
    assert_int_equal(mkdir(out, 0700), 0);
}

static int tree_setup(void **state)
{
    tree *t = calloc(1, sizeof *t);
    if (t == NULL) {
        return -1;
    }
    snprintf(t->dir, sizeof t->dir, "/tmp/motcua-dir-XXXXXX");
    if (mkdtemp(t->dir) == NULL) {
        free(t);
        return -1;
    }
    *state = t;
    return 0;
}

static int tree_teardown(void **state)
{
    tree *t = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->dir);
    int rc = system(cmd);
    free(t);
    return rc == 0 ? 0 : -1;
}

/* The walk's paths, less the tree's folder, one per line. */
static char *walked(const tree *t, const char *dir, const char *suffix, unsigned flags, int *rc,
                    mc_error *err)
{
    mc_ptrvec v = MC_PTRVEC_INIT;
    *rc = mc_dir_walk(&v, dir, suffix, flags, err);
    mc_buf b = MC_BUF_INIT;
    size_t skip = strlen(t->dir) + 1;
    for (size_t i = 0; i < v.n; i++) {
        const char *p = v.items[i];
        mc_buf_printf(&b, "%s\n", strncmp(p, t->dir, skip - 1) == 0 ? p + skip : p);
        mc_free(v.items[i]);
    }
    mc_ptrvec_free(&v);
    char *s = mc_buf_take(&b);
    assert_non_null(s);
    return s;
}

static void test_dir__sorted_bytewise_filtered_by_suffix(void **state)
{
    tree *t = *state;
    char a_d[256], subdir[256], named[256];
    touch(t->dir, "b.proc");
    touch(t->dir, "a.proc");
    touch(t->dir, "A.proc");
    touch(t->dir, "ă.proc"); /* UTF-8: after every ASCII name, in every locale */
    touch(t->dir, ".hidden.proc");
    touch(t->dir, "notes.txt");
    touch(t->dir, "proc");
    touch(t->dir, "x.proc.bak");
    sub(t->dir, "a.d", a_d, sizeof a_d);
    touch(a_d, "m.proc");
    sub(t->dir, "sub", subdir, sizeof subdir);
    touch(subdir, "z.proc");
    sub(t->dir, "folder.proc", named, sizeof named); /* a folder is never a file */
    sub(t->dir, ".git", named, sizeof named);
    touch(named, "hidden.proc");
    char link[300];
    snprintf(link, sizeof link, "%s/dangling.proc", t->dir);
    assert_int_equal(symlink("nowhere.proc", link), 0);

    mc_error err;
    int rc;
    char *got = walked(t, t->dir, ".proc", 0, &rc, &err);
    assert_int_equal(rc, 0);
    assert_string_equal(got, "A.proc\na.proc\nb.proc\nă.proc\n");
    free(got);

    got = walked(t, t->dir, ".proc", MC_DIR_RECURSE, &rc, &err);
    assert_int_equal(rc, 0);
    assert_string_equal(got, "A.proc\na.d/m.proc\na.proc\nb.proc\nsub/z.proc\nă.proc\n");
    free(got);

    got = walked(t, t->dir, ".txt", MC_DIR_RECURSE, &rc, &err);
    assert_int_equal(rc, 0);
    assert_string_equal(got, "notes.txt\n");
    free(got);

    /* A folder that ends in '/' gets no second one. */
    char slashed[128];
    snprintf(slashed, sizeof slashed, "%s/", t->dir);
    got = walked(t, slashed, ".txt", 0, &rc, &err);
    assert_int_equal(rc, 0);
    assert_string_equal(got, "notes.txt\n");
    free(got);
}

static void test_dir__dot_gives_bare_names(void **state)
{
    tree *t = *state;
    touch(t->dir, "one.lua");
    char cwd[512];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(t->dir), 0);
    mc_ptrvec v = MC_PTRVEC_INIT;
    mc_error err;
    int rc = mc_dir_walk(&v, ".", ".lua", 0, &err);
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(rc, 0);
    assert_int_equal(v.n, 1);
    assert_string_equal(v.items[0], "one.lua");
    mc_free(v.items[0]);
    mc_ptrvec_free(&v);
}

static void test_dir__empty_and_missing_folders(void **state)
{
    tree *t = *state;
    mc_error err;
    int rc;
    char *got = walked(t, t->dir, ".proc", MC_DIR_RECURSE, &rc, &err);
    assert_int_equal(rc, 0);
    assert_string_equal(got, "");
    free(got);

    char missing[128], expected[300];
    snprintf(missing, sizeof missing, "%s/nope", t->dir);
    got = walked(t, missing, ".proc", MC_DIR_RECURSE, &rc, &err);
    assert_int_equal(rc, MC_EIO);
    snprintf(expected, sizeof expected, "%s: No such file or directory", missing);
    assert_string_equal(err.msg, expected);
    assert_string_equal(got, "");
    free(got);

    got = walked(t, missing, ".lua", MC_DIR_MISSING_OK, &rc, &err);
    assert_int_equal(rc, 0);
    assert_string_equal(got, "");
    free(got);

    /* A file where a folder was expected is no missing folder. */
    touch(t->dir, "plain");
    snprintf(missing, sizeof missing, "%s/plain", t->dir);
    got = walked(t, missing, ".lua", MC_DIR_MISSING_OK, &rc, &err);
    assert_int_equal(rc, MC_EIO);
    snprintf(expected, sizeof expected, "%s: Not a directory", missing);
    assert_string_equal(err.msg, expected);
    free(got);
}

static void test_dir__a_folder_that_links_into_itself_is_refused(void **state)
{
    tree *t = *state;
    touch(t->dir, "a.proc");
    char link[128];
    snprintf(link, sizeof link, "%s/again", t->dir);
    assert_int_equal(symlink(".", link), 0);
    mc_error err;
    int rc;
    char *got = walked(t, t->dir, ".proc", MC_DIR_RECURSE, &rc, &err);
    assert_int_equal(rc, MC_EIO);
    const char *tail = ": folders nested too deeply";
    size_t n = strlen(err.msg), k = strlen(tail);
    assert_true(n > k);
    assert_string_equal(err.msg + n - k, tail);
    free(got);
    /* Without MC_DIR_RECURSE the link is passed over like any folder. */
    got = walked(t, t->dir, ".proc", 0, &rc, &err);
    assert_int_equal(rc, 0);
    assert_string_equal(got, "a.proc\n");
    free(got);
}

static int walk_tree(void *ctx)
{
    mc_ptrvec v = MC_PTRVEC_INIT;
    mc_error err;
    int rc = mc_dir_walk(&v, ctx, ".proc", MC_DIR_RECURSE, &err);
    assert_true(rc == 0 ? v.n == 3 : strcmp(err.msg, "out of memory") == 0);
    for (size_t i = 0; i < v.n; i++) {
        mc_free(v.items[i]);
    }
    mc_ptrvec_free(&v);
    return rc;
}

static void test_dir__out_of_memory_at_every_allocation(void **state)
{
    tree *t = *state;
    char s1[256], s2[256];
    touch(t->dir, "a.proc");
    sub(t->dir, "s1", s1, sizeof s1);
    touch(s1, "b.proc");
    sub(s1, "s2", s2, sizeof s2);
    touch(s2, "c.proc");
    assert_true(tu_oom_sweep(walk_tree, t->dir, false) > 0);
}

/* ==== reading a source ===================================================================== */

static size_t largest; /* the largest block asked of measuring_realloc */

static void *measuring_realloc(void *ud, void *ptr, size_t size)
{
    (void)ud;
    if (size == 0) {
        free(ptr);
        return NULL;
    }
    if (size > largest) {
        largest = size;
    }
    return realloc(ptr, size);
}

static void test_source__read_holds_the_file_once(void **state)
{
    tree *t = *state;
    enum { SIZE = 200000 };
    char path[128];
    snprintf(path, sizeof path, "%s/big.proc", t->dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < SIZE; i++) {
        fputc(i % 64 == 63 ? '\n' : 'a', f);
    }
    fclose(f);
    mc_source *src = NULL;
    mc_error err;
    largest = 0;
    mc_alloc_set(measuring_realloc, NULL);
    int rc = mc_source_read(&src, path, &err);
    mc_alloc_set(NULL, NULL);
    assert_int_equal(rc, 0);
    assert_int_equal(mc_source_len(src), SIZE);
    assert_int_equal(strlen(mc_source_text(src)), SIZE);
    /* The file, a byte to see its end, and the NUL: not twice the file. */
    assert_true(largest <= SIZE + 2);
    mc_source_free(src);
}

/* ==== folding for search ================================================================== */

static void fold_is(const char *in, const char *want)
{
    char *out = NULL;
    size_t n = 99;
    assert_int_equal(mc_utf8_fold(in, strlen(in), &out, &n), 0);
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
    /* folding the folded text changes nothing: a stored name and a search fold alike */
    char *again = NULL;
    assert_int_equal(mc_utf8_fold(out, n, &again, &n), 0);
    assert_string_equal(again, want);
    mc_free(again);
    mc_free(out);
}

static void test_fold__vietnamese_letters_with_every_tone(void **state)
{
    (void)state;
    /* a, ă, â, e, ê, i, o, ô, ơ, u, ư, y, each unmarked and with the five tones */
    fold_is("a à á ả ã ạ ă ằ ắ ẳ ẵ ặ â ầ ấ ẩ ẫ ậ", "a a a a a a a a a a a a a a a a a a");
    fold_is("e è é ẻ ẽ ẹ ê ề ế ể ễ ệ", "e e e e e e e e e e e e");
    fold_is("i ì í ỉ ĩ ị", "i i i i i i");
    fold_is("o ò ó ỏ õ ọ ô ồ ố ổ ỗ ộ ơ ờ ớ ở ỡ ợ", "o o o o o o o o o o o o o o o o o o");
    fold_is("u ù ú ủ ũ ụ ư ừ ứ ử ữ ự", "u u u u u u u u u u u u");
    fold_is("y ỳ ý ỷ ỹ ỵ", "y y y y y y");
    fold_is("Nguyễn Văn A", "nguyen van a");
    fold_is("Đặng Thị Đào", "dang thi dao");
    fold_is("đ Đ", "d d");
}

static void test_fold__uppercase_and_decomposed_input(void **state)
{
    (void)state;
    fold_is("NGUYỄN VĂN Ấ", "nguyen van a");
    fold_is("ẮẰẲẴẶ ƯỨỰ ƠỜ", "aaaaa uuu oo");
    /* "Ê" + U+0301 (decomposed, as some keyboards type it) folds as the composed "Ế" */
    fold_is("L\xc3\x8a\xcc\x81", "le");
    fold_is("  Trần\t\tThị \n Bé  ", "tran thi be");
    fold_is("", "");
    fold_is("   ", "");
}

static void test_fold__other_scripts_pass_through(void **state)
{
    (void)state;
    fold_is("Müller O'Brien 42", "muller o'brien 42"); /* Latin marks go too */
    fold_is("Москва", "москва");
    fold_is("北京 東京", "北京 東京");
    fold_is("ΑΘΗΝΑ", "αθηνα");
}

/* mc_utf8_invalid_at reads ASCII eight bytes at a time: the offset of the first bad byte is
 * the same wherever it falls (before, on and after each eight-byte boundary), after ASCII or
 * after valid multibyte characters, and a value valid to its end says SIZE_MAX; a NUL byte is
 * ASCII, the length decides. */
static void test_utf8__invalid_at_every_offset(void **state)
{
    (void)state;
    static const char *const bad[] = {"\xff", "\xc0\xaf", "\xe1\xbb", "\xed\xa0\x80", "\x80"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        for (size_t at = 0; at < 20; at++) {
            for (int multi = 0; multi < 2; multi++) {
                char buf[64];
                size_t n = 0;
                while (n < at) {
                    if (multi && n + 2 <= at && n % 5 == 1) {
                        buf[n++] = '\xc4'; /* đ */
                        buf[n++] = '\x91';
                    } else {
                        buf[n] = (char)('a' + n % 26);
                        n++;
                    }
                }
                assert_int_equal(mc_utf8_invalid_at(buf, n), SIZE_MAX);
                size_t blen = strlen(bad[k]);
                memcpy(buf + n, bad[k], blen);
                memcpy(buf + n + blen, "tail-ok", 7);
                assert_int_equal(mc_utf8_invalid_at(buf, n + blen + 7), n);
            }
        }
    }
    assert_int_equal(mc_utf8_invalid_at("abc\0defghijk", 12), SIZE_MAX);
    assert_int_equal(mc_utf8_invalid_at("", 0), SIZE_MAX);
}

static void test_fold__invalid_utf8_is_refused(void **state)
{
    (void)state;
    char *out = (char *)"unchanged";
    size_t n = 7;
    assert_int_equal(mc_utf8_fold("Nguy\xe1\xbb", 7, &out, &n), MC_ESYNTAX);
    assert_null(out);
    assert_int_equal(n, 0);
    assert_int_equal(mc_utf8_fold("\xc0\xaf", 2, &out, &n), MC_ESYNTAX); /* overlong "/" */
    assert_int_equal(mc_utf8_fold("a\xff", 2, &out, &n), MC_ESYNTAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grow__doubles_from_the_minimum_or_takes_what_is_needed),
        cmocka_unit_test(test_grow__refuses_a_size_that_overflows),
        cmocka_unit_test(test_grow__out_of_memory_keeps_the_old_array),
        cmocka_unit_test(test_grow__a_vector_survives_every_failed_push),
        cmocka_unit_test(test_grow__an_arena_array_grows_out_of_a_local_one),
        cmocka_unit_test(test_format__long_strings_whole),
        cmocka_unit_test(test_format__out_of_memory_is_null),
        cmocka_unit_test_setup_teardown(test_dir__sorted_bytewise_filtered_by_suffix, tree_setup,
                                        tree_teardown),
        cmocka_unit_test_setup_teardown(test_dir__dot_gives_bare_names, tree_setup, tree_teardown),
        cmocka_unit_test_setup_teardown(test_dir__empty_and_missing_folders, tree_setup,
                                        tree_teardown),
        cmocka_unit_test_setup_teardown(test_dir__a_folder_that_links_into_itself_is_refused,
                                        tree_setup, tree_teardown),
        cmocka_unit_test_setup_teardown(test_dir__out_of_memory_at_every_allocation, tree_setup,
                                        tree_teardown),
        cmocka_unit_test_setup_teardown(test_source__read_holds_the_file_once, tree_setup,
                                        tree_teardown),
        cmocka_unit_test(test_fold__vietnamese_letters_with_every_tone),
        cmocka_unit_test(test_fold__uppercase_and_decomposed_input),
        cmocka_unit_test(test_fold__other_scripts_pass_through),
        cmocka_unit_test(test_fold__invalid_utf8_is_refused),
        cmocka_unit_test(test_utf8__invalid_at_every_offset),
        cmocka_unit_test(test_regex__reused_and_shared_by_threads),
        cmocka_unit_test(test_regex__gives_up_then_matches_again),
        cmocka_unit_test(test_regex__whole_patterns_used_often),
        cmocka_unit_test(test_regex__out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
