/* Signed checkpoints (checkpoint.h): keys, the text format, and the proof that a store still
 * extends a checkpoint against the attacks a chain alone cannot show — a truncated chain, an
 * edit with the whole chain recomputed, wiped tables — and a bad signature or a wrong key. */
#include "testutil.h"
#include "pgtest.h"

#include "motcua/checkpoint.h"
#include "motcua/store.h"

#include <sodium.h>
#include <sqlite3.h>
#include <unistd.h>

static char *tmp_path(const char *name)
{
    char *p = malloc(256);
    snprintf(p, 256, "/tmp/motcua-cp-%d-%s.db", (int)getpid(), name);
    unlink(p);
    char wal[300];
    snprintf(wal, sizeof wal, "%s-wal", p);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", p);
    unlink(wal);
    return p;
}

static void add_dossier(mc_store *st, const char *subject)
{
    mc_dossier_row r;
    memset(&r, 0, sizeof r);
    r.procedure = mc_strndup("birth", 5);
    r.version = mc_strndup("2025-07-01", 10);
    r.subject = mc_strndup(subject, strlen(subject));
    r.channel = mc_strndup("online", 6);
    r.state = mc_strndup("submitted", 9);
    r.clock = mc_strndup("stopped", 7);
    r.data = mc_strndup("{}", 2);
    r.late = -1;
    r.submitted = r.entered = 1740967200;
    r.due = r.left = r.finished = r.fee = r.wake = MC_NONE;
    assert_int_equal(mc_store_begin(st, NULL), 0);
    assert_int_equal(mc_store_dossier_insert(st, &r, NULL), 0);
    mc_event_row ev;
    memset(&ev, 0, sizeof ev);
    ev.dossier = r.id;
    ev.at = 1740967200;
    ev.kind = "submit";
    ev.actor = "applicant";
    ev.body = "{\"to\":\"submitted\"}";
    assert_int_equal(mc_store_event_append(st, &ev, NULL), 0);
    mc_record_row rec = {"civil-status", "birth-certificate", subject, "CS-1", "2019-05-01"};
    assert_int_equal(mc_store_record_put(st, &rec, NULL), 0);
    assert_int_equal(mc_store_commit(st, NULL), 0);
    mc_dossier_row_clear(&r);
}

typedef struct fixture {
    char *path;
    mc_store *st;
    unsigned char pk[MC_PUBLIC_KEY_BYTES], sk[MC_SECRET_KEY_BYTES];
    char *checkpoint;
} fixture;

/* A store with three dossiers, a key pair and a checkpoint of the store signed with it. */
static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->path = tmp_path("store");
    assert_int_equal(mc_store_open(&f->st, f->path, NULL), 0);
    add_dossier(f->st, "001");
    add_dossier(f->st, "002");
    add_dossier(f->st, "003");
    char *pub, *sec;
    assert_int_equal(mc_checkpoint_keygen(&pub, &sec, NULL), 0);
    assert_int_equal(mc_checkpoint_read_key(pub, false, f->pk, NULL), 0);
    assert_int_equal(mc_checkpoint_read_key(sec, true, f->sk, NULL), 0);
    mc_free(pub);
    mc_free(sec);
    assert_int_equal(mc_checkpoint_make(f->st, f->sk, 1765000000, &f->checkpoint, NULL), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    mc_store_close(f->st);
    unlink(f->path);
    free(f->path);
    mc_free(f->checkpoint);
    free(f);
    return 0;
}

static void reopen_after(fixture *f, const char *sql)
{
    mc_store_close(f->st);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fail_msg("tamper: %s", msg);
    }
    sqlite3_close(db);
    assert_int_equal(mc_store_open(&f->st, f->path, NULL), 0);
}

typedef struct findings {
    char text[2048];
} findings;

static int collect(void *ud, const char *msg)
{
    findings *x = ud;
    size_t n = strlen(x->text);
    snprintf(x->text + n, sizeof x->text - n, "%s\n", msg);
    return 0;
}

/* What verify says about the store alone, and against the checkpoint. */
static void check(fixture *f, const char *alone, const char *against)
{
    findings a = {""}, b = {""};
    assert_int_equal(mc_store_check(f->st, collect, &a, NULL, NULL), 0);
    assert_string_equal(a.text, alone);
    int64_t n;
    char when[32];
    assert_int_equal(mc_checkpoint_verify(f->st, f->checkpoint, f->pk, collect, &b, &n, when, NULL),
                     0);
    assert_string_equal(when, "2025-12-06T05:46:40Z");
    assert_string_equal(b.text, against);
}

static void test_checkpoint__the_text_names_every_chain_and_is_signed(void **state)
{
    fixture *f = *state;
    const char *t = f->checkpoint;
    assert_true(strncmp(t, "motcua checkpoint v1\ntime 2025-12-06T05:46:40Z\nkey ", 51) == 0);
    /* Each chain with entries, by name: a partition of the events per dossier, one of the
     * records per subject. */
    const char *names[] = {"events.01 1 ",  "events.02 1 ",  "events.03 1 ",
                           "records.20 1 ", "records.45 1 ", "records.58 1 "};
    const char *at = strstr(t, "\nchain ");
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        assert_non_null(at);
        assert_true(strncmp(at + 7, names[i], strlen(names[i])) == 0);
        at = strstr(at + 1, "\nchain ");
    }
    assert_null(at);
    assert_non_null(strstr(t, "\nhead "));
    assert_non_null(strstr(t, "\nsignature "));
    check(f, "", "");
}

static void test_checkpoint__a_store_that_grew_still_extends_it(void **state)
{
    fixture *f = *state;
    add_dossier(f->st, "004");
    check(f, "", "");
}

static void test_checkpoint__finds_a_truncated_chain(void **state)
{
    fixture *f = *state;
    /* The newest dossier removed with its event and record, the heads moved back: the store
     * alone looks whole. */
    reopen_after(f, "DROP TRIGGER event_no_delete; DROP TRIGGER ledger_no_delete;"
                    "DELETE FROM event WHERE seq = 3; DELETE FROM dossier WHERE id = 3;"
                    "DELETE FROM ledger WHERE chain = 'records.58';"
                    "DELETE FROM record WHERE subject = '003';"
                    "UPDATE ledger_head SET seq = 0, hash = zeroblob(32) WHERE chain IN "
                    "('events.03', 'records.58');");
    check(f, "",
          "the events.03 chain had 1 entry at the checkpoint of 2025-12-06T05:46:40Z, the store "
          "has 0: it was truncated\n"
          "the records.58 chain had 1 entry at the checkpoint of 2025-12-06T05:46:40Z, the store "
          "has 0: it was truncated\n");
}

/* The last event of a partition that has several, removed with its head record moved back to
 * the one before: the partition alone looks whole. */
static void test_checkpoint__finds_the_last_event_of_a_partition_removed(void **state)
{
    fixture *f = *state;
    mc_event_row ev;
    memset(&ev, 0, sizeof ev);
    ev.dossier = 2;
    ev.at = 1740967300;
    ev.kind = "note";
    ev.body = "{}";
    for (int i = 0; i < 2; i++) {
        assert_int_equal(mc_store_begin(f->st, NULL), 0);
        assert_int_equal(mc_store_event_append(f->st, &ev, NULL), 0);
        assert_int_equal(mc_store_commit(f->st, NULL), 0);
    }
    assert_int_equal(ev.part, 2);
    assert_int_equal(ev.pos, 3);
    mc_free(f->checkpoint);
    assert_int_equal(mc_checkpoint_make(f->st, f->sk, 1765000000, &f->checkpoint, NULL), 0);
    reopen_after(f, "DROP TRIGGER event_no_delete; DELETE FROM event WHERE part = 2 AND pos = 3;"
                    "UPDATE ledger_head SET seq = 2, hash = (SELECT hash FROM event WHERE part = 2 "
                    "AND pos = 2) WHERE chain = 'events.02';");
    check(f, "",
          "the events.02 chain had 3 entries at the checkpoint of 2025-12-06T05:46:40Z, the "
          "store has 2: it was truncated\n");
}

static void hash_u64(crypto_generichash_state *h, uint64_t n)
{
    unsigned char buf[8];
    for (int k = 0; k < 8; k++) {
        buf[k] = (unsigned char)(n >> (8 * k));
    }
    crypto_generichash_update(h, buf, 8);
}

/* The event hash of store.h, for an attacker who recomputes the chain: the columns seq,
 * dossier, at, kind, actor, body, row, part, pos of s (part and pos NULL on a frozen chain). */
static void event_hash(sqlite3_stmt *s, const unsigned char prev[32], unsigned char out[32])
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, 32);
    crypto_generichash_update(&h, prev, 32);
    unsigned char buf[8];
    for (int i = 0; i < 3; i++) {
        uint64_t n = (uint64_t)sqlite3_column_int64(s, i);
        for (int k = 0; k < 8; k++) {
            buf[k] = (unsigned char)(n >> (8 * k));
        }
        crypto_generichash_update(&h, buf, 8);
    }
    int nstr = sqlite3_column_type(s, 6) == SQLITE_NULL ? 3 : 4;
    for (int i = 0; i < nstr; i++) {
        const char *t = (const char *)sqlite3_column_text(s, 3 + i);
        uint64_t n = t ? strlen(t) + 1 : 0;
        for (int k = 0; k < 8; k++) {
            buf[k] = (unsigned char)(n >> (8 * k));
        }
        crypto_generichash_update(&h, buf, 8);
        if (t != NULL) {
            crypto_generichash_update(&h, (const unsigned char *)t, n - 1);
        }
    }
    if (sqlite3_column_type(s, 8) != SQLITE_NULL) {
        hash_u64(&h, (uint64_t)sqlite3_column_int64(s, 7));
        hash_u64(&h, (uint64_t)sqlite3_column_int64(s, 8));
    }
    crypto_generichash_final(&h, out, 32);
}

/* Rewrites every event's prev and hash from the first of its chain, and the heads, as an
 * attacker with the file and the source code can: the frozen chain of an older store (by seq,
 * head in chain_head) and each partition (by pos, head in ledger_head). */
static void recompute_chain(const char *path)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "DROP TRIGGER IF EXISTS event_no_update", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_stmt *s, *u, *hp, *hf;
    sqlite3_prepare_v2(db,
                       "SELECT seq, dossier, at, kind, actor, body, row, part, pos FROM event "
                       "ORDER BY part IS NOT NULL, part, pos, seq",
                       -1, &s, NULL);
    sqlite3_prepare_v2(db, "UPDATE event SET prev = ?1, hash = ?2 WHERE seq = ?3", -1, &u, NULL);
    sqlite3_prepare_v2(db, "UPDATE ledger_head SET hash = ?1 WHERE chain = ?2", -1, &hp, NULL);
    sqlite3_prepare_v2(db, "UPDATE chain_head SET hash = ?1 WHERE ?2 IS NOT NULL", -1, &hf, NULL);
    unsigned char prev[32] = {0}, hash[32];
    int64_t part = -1; /* the chain of the event before: -1 the frozen one */
    while (sqlite3_step(s) == SQLITE_ROW) {
        int64_t p = sqlite3_column_type(s, 7) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 7);
        if (p != part) {
            memset(prev, 0, sizeof prev);
            part = p;
        }
        event_hash(s, prev, hash);
        sqlite3_bind_blob(u, 1, prev, 32, SQLITE_TRANSIENT);
        sqlite3_bind_blob(u, 2, hash, 32, SQLITE_TRANSIENT);
        sqlite3_bind_int64(u, 3, sqlite3_column_int64(s, 0));
        assert_int_equal(sqlite3_step(u), SQLITE_DONE);
        sqlite3_reset(u);
        memcpy(prev, hash, 32);
        char name[16];
        snprintf(name, sizeof name, "events.%02d", (int)p);
        sqlite3_stmt *h = p < 0 ? hf : hp;
        sqlite3_bind_blob(h, 1, hash, 32, SQLITE_TRANSIENT);
        sqlite3_bind_text(h, 2, name, -1, SQLITE_TRANSIENT);
        assert_int_equal(sqlite3_step(h), SQLITE_DONE);
        sqlite3_reset(h);
    }
    sqlite3_finalize(s);
    sqlite3_finalize(u);
    sqlite3_finalize(hp);
    sqlite3_finalize(hf);
    sqlite3_close(db);
}

static void test_checkpoint__finds_an_edit_with_the_chain_recomputed(void **state)
{
    fixture *f = *state;
    /* Dossier 1 given to another citizen, in its row and in its first event's row values. */
    reopen_after(f, "DROP TRIGGER event_no_update; UPDATE dossier SET subject = '999' WHERE id "
                    "= 1; UPDATE event SET row = replace(row, '\"001\"', '\"999\"') WHERE seq = 1");
    findings a = {""};
    assert_int_equal(mc_store_check(f->st, collect, &a, NULL, NULL), 0);
    assert_string_equal(a.text, "event 1 (dossier 1, submit) was altered: its content does not "
                                "match its hash\n");
    mc_store_close(f->st);
    recompute_chain(f->path);
    assert_int_equal(mc_store_open(&f->st, f->path, NULL), 0);
    check(f, "",
          "the events.01 chain no longer leads to the head of the checkpoint of "
          "2025-12-06T05:46:40Z (entry 1 differs): it was rewritten or recomputed\n");
}

static void test_checkpoint__an_event_stripped_of_its_row_values_shows_without_one(void **state)
{
    fixture *f = *state;
    /* Making the newest dossier look like one of an older store, to escape the row check:
     * events without row values may only come before every event with them. */
    reopen_after(f, "DROP TRIGGER event_no_update; UPDATE event SET row = NULL WHERE seq = 3;"
                    "UPDATE dossier SET subject = '999' WHERE id = 3");
    mc_store_close(f->st);
    recompute_chain(f->path);
    assert_int_equal(mc_store_open(&f->st, f->path, NULL), 0);
    check(f, "event 3 (dossier 3, submit) carries no row values: it was not written by motcua\n",
          "the events.03 chain no longer leads to the head of the checkpoint of "
          "2025-12-06T05:46:40Z (entry 1 differs): it was rewritten or recomputed\n");
}

static void test_checkpoint__finds_wiped_tables(void **state)
{
    fixture *f = *state;
    reopen_after(f, "DROP TRIGGER event_no_delete; DROP TRIGGER ledger_no_delete;"
                    "DELETE FROM event; DELETE FROM chain_head; DELETE FROM dossier;"
                    "DELETE FROM ledger; DELETE FROM ledger_head; DELETE FROM record;");
    const char *chains[] = {"events.01",  "events.02",  "events.03",
                            "records.20", "records.45", "records.58"};
    char want[1024] = "";
    for (size_t i = 0; i < sizeof chains / sizeof chains[0]; i++) {
        size_t n = strlen(want);
        snprintf(want + n, sizeof want - n,
                 "the %s chain had 1 entry at the checkpoint of 2025-12-06T05:46:40Z, the store "
                 "has 0: it was truncated\n",
                 chains[i]);
    }
    check(f, "", want);
}

static void test_checkpoint__a_bad_signature_or_a_wrong_key_is_an_error(void **state)
{
    fixture *f = *state;
    int64_t n;
    mc_error err;
    findings x = {""};
    /* One figure of the checkpoint changed after signing. */
    char *t = f->checkpoint;
    char *count = strstr(t, "chain events.02 1 ");
    count[16] = '9';
    assert_int_equal(mc_checkpoint_verify(f->st, t, f->pk, collect, &x, &n, NULL, &err), MC_ECHECK);
    assert_string_equal(err.msg, "the checkpoint's signature does not verify: it was altered "
                                 "after it was signed");
    count[16] = '1';
    char *sig = strstr(t, "\nsignature ") + 11;
    char kept = sig[0];
    sig[0] = kept == '0' ? '1' : '0';
    assert_int_equal(mc_checkpoint_verify(f->st, t, f->pk, collect, &x, &n, NULL, &err), MC_ECHECK);
    assert_string_equal(err.msg, "the checkpoint's signature does not verify: it was altered "
                                 "after it was signed");
    sig[0] = kept;
    /* Another agency's key. */
    char *pub, *sec;
    unsigned char other[MC_PUBLIC_KEY_BYTES];
    assert_int_equal(mc_checkpoint_keygen(&pub, &sec, NULL), 0);
    assert_int_equal(mc_checkpoint_read_key(pub, false, other, NULL), 0);
    mc_free(pub);
    mc_free(sec);
    assert_int_equal(mc_checkpoint_verify(f->st, t, other, collect, &x, &n, NULL, &err), MC_ECHECK);
    assert_true(strncmp(err.msg, "the checkpoint was signed by key ", 33) == 0);
    assert_non_null(strstr(err.msg, "..., not by this public key ("));
    /* Restored, the checkpoint verifies again. */
    assert_string_equal(x.text, "");
    assert_int_equal(mc_checkpoint_verify(f->st, t, f->pk, collect, &x, &n, NULL, &err), 0);
    assert_int_equal(n, 0);
}

static void test_checkpoint__malformed_texts_and_keys_are_refused(void **state)
{
    fixture *f = *state;
    int64_t n;
    mc_error err;
    findings x = {""};
    assert_int_equal(mc_checkpoint_verify(f->st, "hello\n", f->pk, collect, &x, &n, NULL, &err),
                     MC_ESYNTAX);
    assert_string_equal(err.msg, "checkpoint: line 1: not a motcua checkpoint (it must start "
                                 "'motcua checkpoint v1')");
    char *cut = strdup(f->checkpoint);
    *strstr(cut, "signature ") = '\0';
    assert_int_equal(mc_checkpoint_verify(f->st, cut, f->pk, collect, &x, &n, NULL, &err),
                     MC_ESYNTAX);
    assert_string_equal(err.msg, "checkpoint: line 11: the signature is missing");
    free(cut);
    /* More chains than a store can have (the frozen five, 65 partitions of events and 64 of
     * each other kind: 326). */
    char *many = calloc(1, 40000);
    strcpy(many, "motcua checkpoint v1\ntime 2025-12-06T05:46:40Z\nkey ");
    char *k = strstr(f->checkpoint, "\nkey ") + 5;
    strncat(many, k, 65);
    for (int i = 0; i < 327; i++) {
        char line[120];
        snprintf(line, sizeof line, "chain c%03d 0 %064d\n", i, 0);
        strcat(many, line);
    }
    assert_int_equal(mc_checkpoint_verify(f->st, many, f->pk, collect, &x, &n, NULL, &err),
                     MC_ESYNTAX);
    assert_string_equal(err.msg, "checkpoint: line 330: too many chains");
    free(many);
    unsigned char key[MC_SECRET_KEY_BYTES];
    assert_int_equal(mc_checkpoint_read_key("motcua-ed25519-public abcd\n", false, key, &err),
                     MC_ESYNTAX);
    assert_string_equal(err.msg, "not a motcua public key (motcua keygen makes one)");
    char *pub, *sec;
    assert_int_equal(mc_checkpoint_keygen(&pub, &sec, NULL), 0);
    assert_int_equal(mc_checkpoint_read_key(pub, true, key, &err), MC_ESYNTAX);
    assert_string_equal(err.msg, "not a motcua secret key (motcua keygen makes one)");
    mc_free(pub);
    mc_free(sec);
}

static int keygen_and_sign(void *ctx)
{
    fixture *f = ctx;
    char *pub = NULL, *sec = NULL, *text = NULL;
    int rc = mc_checkpoint_keygen(&pub, &sec, NULL);
    if (rc == 0) {
        rc = mc_checkpoint_make(f->st, f->sk, 1765000000, &text, NULL);
    }
    mc_free(pub);
    mc_free(sec);
    mc_free(text);
    return rc;
}

static void test_checkpoint__out_of_memory_is_a_clean_error(void **state)
{
    assert_true(tu_oom_sweep(keygen_and_sign, *state, false) >= 3);
}

/* Runs sql on the PostgreSQL store db behind the store's back. */
static void pg_tamper(const char *db, const char *sql)
{
    PGconn *c = PQconnectdb(db);
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fail_msg("tamper: %s", PQerrorMessage(c));
    }
    PQclear(r);
    PQfinish(c);
}

/* On PostgreSQL (the pass with MC_TEST_PG): a store that grew extends its checkpoint; the last
 * event of a partition removed with its head record moved back shows only against it. */
static void test_checkpoint__postgresql_partitions(void **state)
{
    (void)state;
    char db[600];
    snprintf(db, sizeof db, "%s", tu_db());
    mc_store *st;
    assert_int_equal(mc_store_open(&st, db, NULL), 0);
    add_dossier(st, "001");
    add_dossier(st, "002");
    unsigned char pk[MC_PUBLIC_KEY_BYTES], sk[MC_SECRET_KEY_BYTES];
    char *pub, *sec, *cp;
    assert_int_equal(mc_checkpoint_keygen(&pub, &sec, NULL), 0);
    assert_int_equal(mc_checkpoint_read_key(pub, false, pk, NULL), 0);
    assert_int_equal(mc_checkpoint_read_key(sec, true, sk, NULL), 0);
    mc_free(pub);
    mc_free(sec);
    assert_int_equal(mc_checkpoint_make(st, sk, 1765000000, &cp, NULL), 0);
    assert_non_null(strstr(cp, "\nchain events.01 1 "));
    assert_non_null(strstr(cp, "\nchain events.02 1 "));
    add_dossier(st, "003");
    findings f = {""};
    int64_t n;
    assert_int_equal(mc_checkpoint_verify(st, cp, pk, collect, &f, &n, NULL, NULL), 0);
    assert_string_equal(f.text, "");
    mc_store_close(st);
    pg_tamper(db, "ALTER TABLE event DISABLE TRIGGER USER; DELETE FROM event WHERE dossier = 2; "
                  "DELETE FROM dossier WHERE id = 2; UPDATE ledger_head SET seq = 0, hash = "
                  "'\\x0000000000000000000000000000000000000000000000000000000000000000' "
                  "WHERE chain = 'events.02'");
    assert_int_equal(mc_store_open(&st, db, NULL), 0);
    assert_int_equal(mc_store_check(st, collect, &f, NULL, NULL), 0);
    assert_string_equal(f.text, "");
    assert_int_equal(mc_checkpoint_verify(st, cp, pk, collect, &f, &n, NULL, NULL), 0);
    assert_string_equal(f.text, "the events.02 chain had 1 entry at the checkpoint of "
                                "2025-12-06T05:46:40Z, the store has 0: it was truncated\n");
    mc_store_close(st);
    mc_free(cp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_checkpoint__the_text_names_every_chain_and_is_signed,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint__a_store_that_grew_still_extends_it, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint__finds_a_truncated_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_checkpoint__finds_the_last_event_of_a_partition_removed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint__finds_an_edit_with_the_chain_recomputed,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_checkpoint__an_event_stripped_of_its_row_values_shows_without_one, setup,
            teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint__finds_wiped_tables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint__a_bad_signature_or_a_wrong_key_is_an_error,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint__malformed_texts_and_keys_are_refused,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint__out_of_memory_is_a_clean_error, setup,
                                        teardown),
    };
    /* What only a PostgreSQL server shows, in the pass that has one (MC_TEST_PG). */
    const struct CMUnitTest pg_tests[] = {
        cmocka_unit_test(test_checkpoint__postgresql_partitions),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    if (tu_pg()) {
        failed += cmocka_run_group_tests(pg_tests, NULL, NULL);
    }
    return failed;
}
