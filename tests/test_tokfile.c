/* The tokens file of serve (src/front/tokfile.h): its lines read and refused with their exact
 * message, the agency column as a list, the edits of `motcua token` (a duplicate actor, revoke by
 * actor or hash prefix), the replacement of the file (mode, comments kept, nothing left behind on
 * a failure), a file others can write refused, and out of memory. */
#include "testutil.h"

#include "front/tokfile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static const char hash_a[] =
    "blake2b:913a92036b6d6103702c41ed8580d2c048a319dbe4f26281ae9d434ed0838619";
static const char hash_b[] =
    "blake2b:30223f15f67245bedca57b14ae13a2376219649af84d1a4f90afc44c90bf4bc4";

typedef struct dir {
    char path[64];
    char file[96];
} dir;

static int setup(void **state)
{
    dir *d = calloc(1, sizeof *d);
    strcpy(d->path, "/tmp/mc-tokfile-XXXXXX");
    assert_non_null(mkdtemp(d->path));
    snprintf(d->file, sizeof d->file, "%s/tokens", d->path);
    *state = d;
    return 0;
}

static int teardown(void **state)
{
    dir *d = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d->path);
    assert_int_equal(system(cmd), 0);
    free(d);
    return 0;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* The message of parsing one line, or "" when it parsed. */
static const char *parse_error(const char *line)
{
    static mc_error err;
    front_token t;
    mc_error_clear(&err);
    int rc = front_token_parse(&t, "tokens", 3, line, &err);
    if (rc >= 0) {
        return "";
    }
    assert_int_equal(rc, MC_ESYNTAX);
    return err.msg;
}

static void test_tokfile__the_agency_column_is_a_list(void **state)
{
    (void)state;
    front_token t;
    char line[256];
    snprintf(line, sizeof line, "%s lan clerk,head ward-1,ward-2\n", hash_a);
    assert_int_equal(front_token_parse(&t, "tokens", 1, line, NULL), 1);
    assert_int_equal(t.nroles, 2);
    assert_int_equal(t.nagencies, 2);
    assert_string_equal(t.agencies[0], "ward-1");
    assert_string_equal(t.agencies[1], "ward-2");
    assert_false(t.every_agency);
    snprintf(line, sizeof line, "%s sup head *", hash_a);
    assert_int_equal(front_token_parse(&t, "tokens", 1, line, NULL), 1);
    assert_true(t.every_agency);
    assert_int_equal(t.nagencies, 0);
    snprintf(line, sizeof line, "%s feed registrar -", hash_a);
    assert_int_equal(front_token_parse(&t, "tokens", 1, line, NULL), 1);
    assert_false(t.every_agency);
    assert_int_equal(t.nagencies, 0);
    /* A line of today's format with one agency reads as before. */
    snprintf(line, sizeof line, "%s an applicant - 079123456789", hash_b);
    assert_int_equal(front_token_parse(&t, "tokens", 1, line, NULL), 1);
    assert_string_equal(t.subject, "079123456789");
    /* And a token's line comes back as it was written. */
    char out[512];
    snprintf(line, sizeof line, "%s lan clerk,head ward-1,ward-2", hash_a);
    assert_int_equal(front_token_parse(&t, "tokens", 1, line, NULL), 1);
    assert_int_equal(front_token_format(&t, out, sizeof out, NULL), 0);
    assert_string_equal(out, line);
    assert_int_equal(front_token_parse(&t, "tokens", 1, "  # a comment", NULL), 0);
    assert_int_equal(front_token_parse(&t, "tokens", 1, "", NULL), 0);
}

static void test_tokfile__a_bad_line_is_refused_at_its_column(void **state)
{
    (void)state;
    char line[256];
    snprintf(line, sizeof line, "%s lan clerk a,,b", hash_a);
    assert_string_equal(parse_error(line), "tokens:3:84: an empty agency name in the list "
                                           "(AGENCY[,AGENCY…], '*' or '-')");
    snprintf(line, sizeof line, "%s lan clerk a,*", hash_a);
    assert_string_equal(parse_error(line),
                        "tokens:3:84: '*' (every agency) and '-' (none) stand alone, not in a list");
    snprintf(line, sizeof line, "%s lan clerk a,b,a", hash_a);
    assert_string_equal(parse_error(line), "tokens:3:84: an agency is named twice");
    snprintf(line, sizeof line, "%s lan clerk, a", hash_a);
    assert_string_equal(parse_error(line),
                        "tokens:3:78: an empty role name in the list (ROLE[,ROLE…])");
    snprintf(line, sizeof line, "%s an applicant -", hash_a);
    assert_string_equal(parse_error(line), "tokens:3:77: an applicant token has the one role "
                                           "'applicant' and a SUBJECT");
    snprintf(line, sizeof line, "%s lan clerk a 0791", hash_a);
    assert_string_equal(parse_error(line), "tokens:3:86: only an applicant token has a SUBJECT");
    snprintf(line, sizeof line, "%s lan clerk a 0791 x", hash_a);
    assert_string_equal(parse_error(line),
                        "tokens:3:91: too many words (HASH ACTOR ROLES AGENCY [SUBJECT])");
    assert_string_equal(parse_error("blake2b:00 lan clerk x"),
                        "tokens:3:1: the hash must be 'blake2b:' and 64 hex digits (motcua "
                        "hash-token TOKEN)");
    assert_string_equal(parse_error("blake2b:00 lan"),
                        "tokens:3:12: a token line is HASH ACTOR ROLES AGENCY [SUBJECT]");
}

static void test_tokfile__add_options_are_checked_as_a_line(void **state)
{
    (void)state;
    front_token t;
    mc_error err;
    assert_int_equal(front_token_fill(&t, "lan", "clerk", "a,b", NULL, &err), 0);
    assert_int_equal(t.nagencies, 2);
    assert_int_equal(front_token_fill(&t, "lan", "cl;rk", NULL, NULL, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "the role 'cl;rk' is not a name (letters, digits, '-', '_', '.'); "
                                 "--roles takes ROLE[,ROLE...]");
    assert_int_equal(front_token_fill(&t, "lan", NULL, NULL, NULL, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "a token needs --roles ROLE[,ROLE...]");
    assert_int_equal(front_token_fill(&t, "l an", "clerk", NULL, NULL, &err), MC_EUSAGE);
    assert_int_equal(front_token_fill(&t, "lan", "clerk", "a,*", NULL, &err), MC_EUSAGE);
    assert_string_equal(err.msg,
                        "--agency 'a,*': '*' (every agency) and '-' (none) stand alone, not in a list");
    assert_int_equal(front_token_fill(&t, "an", "applicant", NULL, NULL, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "an applicant token has the one role 'applicant' and a SUBJECT "
                                 "(--roles applicant --subject S)");
    assert_int_equal(front_token_fill(&t, "an", "applicant", NULL, "0791", &err), 0);
}

static void test_tokfile__edits_keep_the_other_lines(void **state)
{
    dir *d = *state;
    char text[512];
    snprintf(text, sizeof text, "# the desk\n%s lan clerk ward-1\n\n%s hoa head ward-1,ward-2\n",
             hash_a, hash_b);
    write_file(d->file, text, 0640);
    front_tokfile *f;
    mc_error err;
    assert_int_equal(front_tokfile_read(&f, d->file, FRONT_TOKFILE_EDIT, &err), 0);
    assert_int_equal(front_tokfile_count(f), 2);
    front_token t;
    assert_int_equal(front_token_fill(&t, "lan", "clerk", NULL, NULL, &err), 0);
    front_token_hash("a-new-secret-of-length", t.hash, NULL);
    assert_int_equal(front_tokfile_add(f, &t, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "the actor 'lan' already has a token (line 2): revoke it first, or "
                                 "name the new one otherwise");
    assert_int_equal(front_token_fill(&t, "minh", "clerk", "ward-3", NULL, &err), 0);
    front_token_hash("minh-secret-0123456789", t.hash, NULL);
    assert_int_equal(front_tokfile_add(f, &t, &err), 0);
    assert_int_equal(front_tokfile_add(f, &t, &err), MC_EUSAGE); /* the actor again */
    size_t removed;
    assert_int_equal(front_tokfile_revoke(f, "blake2b:3022", &removed, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "give at least 8 hex digits of the hash after 'blake2b:' (motcua "
                                 "token list shows them)");
    assert_int_equal(front_tokfile_revoke(f, "blake2b:ffffffff", &removed, &err), MC_ENOTFOUND);
    assert_int_equal(front_tokfile_revoke(f, "blake2b:30223f15", &removed, &err), 0);
    assert_int_equal(removed, 1);
    assert_int_equal(front_tokfile_write(f, &err), 0);
    front_tokfile_free(f);
    char want[512];
    snprintf(want, sizeof want, "# the desk\n%s lan clerk ward-1\n\n", hash_a);
    const char *got = read_all(d->file);
    assert_int_equal(strncmp(got, want, strlen(want)), 0);
    assert_non_null(strstr(got, " minh clerk ward-3\n"));
    assert_null(strstr(got, "hoa"));
    struct stat st;
    assert_int_equal(stat(d->file, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640); /* the operator's mode, no write for others */
    /* Nothing but the file in the folder: the temporary file was renamed. */
    char cmd[160];
    snprintf(cmd, sizeof cmd, "test $(ls -A '%s' | wc -l) = 1", d->path);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(front_tokfile_read(&f, d->file, 0, &err), 0);
    assert_int_equal(front_tokfile_count(f), 2);
    assert_string_equal(front_tokfile_get(f, 1)->actor, "minh");
    assert_int_equal(front_tokfile_get(f, 1)->index, 1);
    front_tokfile_free(f);
}

static void test_tokfile__a_file_others_can_write_is_refused(void **state)
{
    dir *d = *state;
    char text[256];
    snprintf(text, sizeof text, "%s lan clerk ward-1\n", hash_a);
    write_file(d->file, text, 0622);
    front_tokfile *f;
    mc_error err;
    assert_int_equal(front_tokfile_read(&f, d->file, 0, &err), MC_EUSAGE);
    char want[300];
    snprintf(want, sizeof want,
             "%s can be written by group or others, who could add a token: chmod 600 %s", d->file,
             d->file);
    assert_string_equal(err.msg, want);
    assert_int_equal(chmod(d->file, 0620), 0);
    assert_int_equal(front_tokfile_read(&f, d->file, FRONT_TOKFILE_EDIT, &err), MC_EUSAGE);
    assert_int_equal(chmod(d->file, 0600), 0);
    assert_int_equal(front_tokfile_read(&f, d->file, 0, &err), 0);
    front_tokfile_free(f);
}

static void test_tokfile__a_new_file_is_private_and_a_failed_edit_leaves_none(void **state)
{
    dir *d = *state;
    front_tokfile *f;
    mc_error err;
    mode_t old = umask(0);
    assert_int_equal(front_tokfile_read(&f, d->file, FRONT_TOKFILE_EDIT, &err), 0);
    umask(old);
    assert_int_equal(front_tokfile_count(f), 0);
    front_tokfile_free(f); /* nothing written: the empty file it made is gone */
    assert_int_equal(access(d->file, F_OK), -1);
    assert_int_equal(front_tokfile_read(&f, d->file, FRONT_TOKFILE_EDIT, &err), 0);
    front_token t;
    assert_int_equal(front_token_fill(&t, "lan", "clerk", "ward-1", NULL, &err), 0);
    front_token_hash("lan-secret-0123456789", t.hash, NULL);
    assert_int_equal(front_tokfile_add(f, &t, &err), 0);
    assert_int_equal(front_tokfile_write(f, &err), 0);
    front_tokfile_free(f);
    struct stat st;
    assert_int_equal(stat(d->file, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* A reader without the lock: the missing file is an error, not an empty set. */
    assert_int_equal(front_tokfile_read(&f, "/nonexistent/tokens", 0, &err), MC_EIO);
    assert_string_equal(err.msg, "cannot read /nonexistent/tokens: No such file or directory");
}

static void test_tokfile__an_edit_waits_for_the_lock(void **state)
{
    dir *d = *state;
    char text[256];
    snprintf(text, sizeof text, "%s lan clerk ward-1\n", hash_a);
    write_file(d->file, text, 0600);
    front_tokfile *f;
    mc_error err;
    assert_int_equal(front_tokfile_read(&f, d->file, FRONT_TOKFILE_EDIT, &err), 0);
    /* Another process's edit blocks while this one holds the lock (flock -n fails at once). */
    char cmd[200];
    snprintf(cmd, sizeof cmd, "flock -n '%s' true", d->file);
    assert_int_not_equal(system(cmd), 0);
    front_tokfile_free(f);
    assert_int_equal(system(cmd), 0);
}

typedef struct oom_ctx {
    const char *file;
} oom_ctx;

static int read_add_write(void *ud)
{
    oom_ctx *x = ud;
    front_tokfile *f = NULL;
    front_token t;
    int rc = front_tokfile_read(&f, x->file, FRONT_TOKFILE_EDIT, NULL);
    if (rc == 0) {
        rc = front_token_fill(&t, "minh", "clerk", "ward-3", NULL, NULL);
    }
    if (rc == 0) {
        front_token_hash("minh-secret-0123456789", t.hash, NULL);
        rc = front_tokfile_add(f, &t, NULL);
    }
    front_tokfile_free(f); /* not written: the file stays as it was */
    return rc;
}

static void test_tokfile__out_of_memory_is_clean(void **state)
{
    dir *d = *state;
    char text[512];
    snprintf(text, sizeof text, "# desk\n%s lan clerk ward-1\n%s hoa head *\n", hash_a, hash_b);
    write_file(d->file, text, 0600);
    oom_ctx x = {d->file};
    assert_true(tu_oom_sweep(read_add_write, &x, false) > 3);
    assert_string_equal(read_all(d->file), text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokfile__the_agency_column_is_a_list),
        cmocka_unit_test(test_tokfile__a_bad_line_is_refused_at_its_column),
        cmocka_unit_test(test_tokfile__add_options_are_checked_as_a_line),
        cmocka_unit_test_setup_teardown(test_tokfile__edits_keep_the_other_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tokfile__a_file_others_can_write_is_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_tokfile__a_new_file_is_private_and_a_failed_edit_leaves_none, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tokfile__an_edit_waits_for_the_lock, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_tokfile__out_of_memory_is_clean, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
