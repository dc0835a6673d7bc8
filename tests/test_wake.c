/*
 * The timer scheduler's batches (engine.h, mc_engine_wake) and the store's lease on the dossiers
 * due (store.h, mc_store_dossier_due), on SQLite and, with MC_TEST_PG, on PostgreSQL: the order
 * and cursor of a pass, never before a timer is due, a timer fired once whoever else looks, the
 * revision check against a stale catch-up, rows leased until the transaction ends, a dossier
 * that cannot be brought up to now rolling its batch back, and out of memory.
 */
#include "testutil.h"
#include "pgtest.h"

#include "motcua/engine.h"

#include <sqlite3.h>
#include <unistd.h>

/* T0 is a Monday, 2025-07-07 02:00 UTC (09:00 in Hanoi); p's timer fires an hour after entry,
 * q is overdue an hour after submission, gone is only in the old catalogue. */
enum { T0 = 1751853600, HOUR = 3600 };

static const char new_text[] =
    "role clerk\n"
    "lifecycle l { state s { initial; after 1h -> done; on go -> done by clerk }\n"
    "  state done { final; outcome granted } }\n"
    "procedure p { lifecycle l; subject id; time-limit 5wd\n"
    "  field id { type text; required } }\n"
    "lifecycle lq { state w { initial; clock running; on go -> shut by clerk }\n"
    "  state shut { final; outcome granted } }\n"
    "procedure q { lifecycle lq; subject id; time-limit 1h\n"
    "  field id { type text; required } }\n";

static const char gone_text[] = "role archivist\n"
                                "lifecycle lg { state o { initial; after 1h -> c; on stop -> c by "
                                "archivist }\n"
                                "  state c { final; outcome granted } }\n"
                                "procedure gone { lifecycle lg; subject id; time-limit 5wd\n"
                                "  field id { type text; required } }\n";

typedef struct wfx {
    char db[600]; /* a store two connections can share */
    mc_catalogue *cat;
    mc_engine *e;
} wfx;

static int setup(void **state)
{
    static int n;
    wfx *f = calloc(1, sizeof *f);
    if (tu_pg()) {
        snprintf(f->db, sizeof f->db, "%s", tu_db());
    } else {
        snprintf(f->db, sizeof f->db, "/tmp/motcua-wake-%d-%d.db", (int)getpid(), ++n);
        unlink(f->db);
    }
    char *diags = NULL;
    if (tu_load(new_text, &f->cat, &diags) != 0) {
        fprintf(stderr, "%s", diags ? diags : "");
        return -1;
    }
    free(diags);
    if (mc_engine_open(&f->e, f->cat, NULL, f->db, NULL) != 0) {
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    wfx *f = *state;
    mc_engine_close(f->e);
    mc_catalogue_free(f->cat);
    if (!tu_pg()) {
        char p[640];
        unlink(f->db);
        snprintf(p, sizeof p, "%s-wal", f->db);
        unlink(p);
        snprintf(p, sizeof p, "%s-shm", f->db);
        unlink(p);
    }
    free(f);
    return 0;
}

static int64_t submit(mc_engine *e, const char *proc, const char *id, int64_t now)
{
    mc_kv fields[] = {{"id", id}};
    mc_submit s = {.procedure = proc, .fields = fields, .nfields = 1, .now = now};
    mc_result res;
    mc_error err;
    int rc = mc_engine_submit(e, &s, &res, &err);
    if (rc != 0) {
        fail_msg("submit %s: %s", proc, err.msg);
    }
    return res.dossier;
}

typedef struct kinds {
    const char *kind;
    int n;
} kinds;

static int count_kind(void *ud, const mc_event_row *ev)
{
    kinds *k = ud;
    k->n += strcmp(ev->kind, k->kind) == 0;
    return 0;
}

/* Events of kind that dossier id has. */
static int events_of(mc_engine *e, int64_t id, const char *kind)
{
    kinds k = {kind, 0};
    assert_int_equal(mc_store_event_each(mc_engine_store(e), id, count_kind, &k, NULL), 0);
    return k.n;
}

/* Runs SQL on the store of db with a connection of its own (a test's hand on the database). */
static void raw(const char *db, const char *sql)
{
    if (tu_pg()) {
        PGconn *c = PQconnectdb(db);
        PGresult *r = PQexec(c, sql);
        assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
        PQclear(r);
        PQfinish(c);
        return;
    }
    sqlite3 *s;
    assert_int_equal(sqlite3_open(db, &s), SQLITE_OK);
    assert_int_equal(sqlite3_exec(s, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(s);
}

/* ==== the lease query ===================================================================== */

static void test_wake__the_dossiers_due_in_order_after_the_cursor(void **state)
{
    wfx *f = *state;
    mc_store *st = mc_engine_store(f->e);
    /* Wakes: a at T0+1h, b at T0+1h (a larger id), c at T0+1h+10, d (overdue mark) at T0+1h+20;
     * e closed; g not due before T0+2h. */
    int64_t a = submit(f->e, "p", "a", T0), b = submit(f->e, "p", "b", T0);
    int64_t c = submit(f->e, "p", "c", T0 + 10), d = submit(f->e, "q", "d", T0 + 20);
    int64_t e = submit(f->e, "p", "e", T0);
    int64_t g = submit(f->e, "p", "g", T0 + HOUR);
    mc_fire fi = MC_FIRE_INIT;
    fi.dossier = e;
    fi.event = "go";
    fi.role = "clerk";
    fi.now = T0 + 5;
    mc_result res;
    assert_int_equal(mc_engine_fire(f->e, &fi, &res, NULL), 0);
    mc_due due[8];
    size_t n = 99;
    /* A dossier is due once the clock is strictly past its wake instant. */
    assert_int_equal(mc_store_dossier_due(st, T0 + HOUR, INT64_MIN, 0, false, due, 8, &n, NULL), 0);
    assert_int_equal(n, 0);
    assert_int_equal(
        mc_store_dossier_due(st, T0 + HOUR + 21, INT64_MIN, 0, false, due, 8, &n, NULL), 0);
    assert_int_equal(n, 4);
    int64_t want[4][2] = {{a, T0 + HOUR}, {b, T0 + HOUR}, {c, T0 + HOUR + 10}, {d, T0 + HOUR + 20}};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(due[i].id, want[i][0]);
        assert_int_equal(due[i].wake, want[i][1]);
    }
    /* After a (same wake, larger id first), at most 2. */
    assert_int_equal(
        mc_store_dossier_due(st, T0 + HOUR + 21, T0 + HOUR, a, false, due, 2, &n, NULL), 0);
    assert_int_equal(n, 2);
    assert_int_equal(due[0].id, b);
    assert_int_equal(due[1].id, c);
    assert_int_equal(
        mc_store_dossier_due(st, T0 + HOUR + 21, T0 + HOUR + 20, d, false, due, 8, &n, NULL), 0);
    assert_int_equal(n, 0);
    (void)g;
    /* A lease belongs to a write transaction. */
    mc_error err;
    assert_int_equal(mc_store_dossier_due(st, T0 + HOUR + 21, INT64_MIN, 0, true, due, 8, &n, &err),
                     MC_EUSAGE);
    assert_string_equal(err.msg, "store: a lease is taken only in a write transaction");
    assert_int_equal(mc_store_begin_optimistic(st, NULL), 0);
    assert_int_equal(mc_store_dossier_due(st, T0 + HOUR + 21, INT64_MIN, 0, true, due, 8, &n, &err),
                     MC_EUSAGE);
    mc_store_rollback(st);
    assert_int_equal(mc_store_begin(st, NULL), 0);
    assert_int_equal(mc_store_dossier_due(st, T0 + HOUR + 21, INT64_MIN, 0, true, due, 8, &n, &err),
                     0);
    assert_int_equal(n, 4);
    mc_store_rollback(st);
}

/* SQLite: while a batch holds its lease, no other connection may write (BEGIN IMMEDIATE is busy
 * at once without a timeout); after it, one may. */
static void sqlite_lease_excludes_writers(wfx *f)
{
    submit(f->e, "p", "x", T0);
    mc_store *st = mc_engine_store(f->e);
    mc_due due[4];
    size_t n;
    assert_int_equal(mc_store_begin(st, NULL), 0);
    assert_int_equal(mc_store_dossier_due(st, T0 + 2 * HOUR, INT64_MIN, 0, true, due, 4, &n, NULL),
                     0);
    assert_int_equal(n, 1);
    sqlite3 *other;
    assert_int_equal(sqlite3_open(f->db, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_BUSY);
    mc_store_rollback(st);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(other);
}

/* On PostgreSQL the leased rows stay locked until the transaction ends, and only they: another
 * connection cannot take them (NOWAIT fails at once) but takes the others. */
static void test_wake__a_lease_locks_its_rows_until_the_transaction_ends(void **state)
{
    wfx *f = *state;
    if (!tu_pg()) {
        sqlite_lease_excludes_writers(f);
        return;
    }
    int64_t ids[4];
    for (int i = 0; i < 4; i++) {
        char id[16];
        snprintf(id, sizeof id, "x%d", i);
        ids[i] = submit(f->e, "p", id, T0 + i);
    }
    mc_store *st = mc_engine_store(f->e);
    mc_due due[4];
    size_t n;
    assert_int_equal(mc_store_begin(st, NULL), 0);
    assert_int_equal(mc_store_dossier_due(st, T0 + 2 * HOUR, INT64_MIN, 0, true, due, 2, &n, NULL),
                     0);
    assert_int_equal(n, 2);
    PGconn *other = PQconnectdb(f->db);
    assert_int_equal(PQstatus(other), CONNECTION_OK);
    for (int i = 0; i < 4; i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "BEGIN; SELECT id FROM dossier WHERE id = %lld FOR UPDATE NOWAIT",
                 (long long)ids[i]);
        PGresult *r = PQexec(other, sql);
        if (i < 2) {
            assert_int_equal(PQresultStatus(r), PGRES_FATAL_ERROR);
            assert_string_equal(PQresultErrorField(r, PG_DIAG_SQLSTATE), "55P03");
        } else {
            assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
            assert_int_equal(PQntuples(r), 1);
        }
        PQclear(r);
        PQclear(PQexec(other, "ROLLBACK"));
    }
    /* Another server's lease skips them and takes the next. */
    PGresult *r = PQexec(other, "BEGIN; SELECT id FROM dossier WHERE wake IS NOT NULL ORDER BY "
                                "wake, id FOR UPDATE SKIP LOCKED");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_int_equal(PQntuples(r), 2);
    assert_int_equal(strtoll(PQgetvalue(r, 0, 0), NULL, 10), ids[2]);
    PQclear(r);
    PQclear(PQexec(other, "ROLLBACK"));
    mc_store_rollback(st);
    r = PQexec(other, "BEGIN; SELECT id FROM dossier WHERE id = 1 FOR UPDATE NOWAIT");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    PQclear(r);
    PQclear(PQexec(other, "ROLLBACK"));
    PQfinish(other);
}

/* ==== batches ============================================================================= */

static void test_wake__a_timer_fires_once_and_never_early(void **state)
{
    wfx *f = *state;
    int64_t a = submit(f->e, "p", "a", T0), d = submit(f->e, "q", "d", T0);
    mc_wake w = MC_WAKE_INIT;
    w.now = T0 + HOUR; /* at the instant itself: not yet */
    assert_int_equal(mc_engine_wake(f->e, &w, NULL), 0);
    assert_int_equal(w.seen, 0);
    assert_int_equal(w.changed, 0);
    assert_int_equal(events_of(f->e, a, "timer"), 0);
    w = (mc_wake)MC_WAKE_INIT;
    w.now = T0 + HOUR + 1;
    assert_int_equal(mc_engine_wake(f->e, &w, NULL), 0);
    assert_int_equal(w.seen, 2);
    assert_int_equal(w.changed, 2);
    assert_int_equal(events_of(f->e, a, "timer"), 1);
    assert_int_equal(events_of(f->e, d, "overdue"), 1);
    /* Another engine on the same store, and a tick, find nothing left to fire. */
    mc_engine *e2;
    assert_int_equal(mc_engine_open(&e2, f->cat, NULL, f->db, NULL), 0);
    w = (mc_wake)MC_WAKE_INIT;
    w.now = T0 + HOUR + 5;
    assert_int_equal(mc_engine_wake(e2, &w, NULL), 0);
    assert_int_equal(w.seen, 0);
    size_t ticked = 99;
    assert_int_equal(mc_engine_tick(e2, T0 + HOUR + 5, &ticked, NULL), 0);
    assert_int_equal(ticked, 0);
    mc_engine_close(e2);
    assert_int_equal(events_of(f->e, a, "timer"), 1);
    assert_int_equal(events_of(f->e, d, "overdue"), 1);
    int64_t nev = 0;
    assert_int_equal(mc_store_verify(mc_engine_store(f->e), &nev, NULL), 0);
}

/* A second application of the same catch-up, from a row read before the first was saved, is
 * refused by the revision check. */
static void test_wake__a_stale_catch_up_is_refused(void **state)
{
    wfx *f = *state;
    int64_t a = submit(f->e, "p", "a", T0);
    mc_store *other;
    assert_int_equal(mc_store_open(&other, f->db, NULL), 0);
    mc_dossier_row row;
    memset(&row, 0, sizeof row);
    assert_int_equal(mc_store_dossier_load(other, a, &row, NULL), 0);
    mc_wake w = MC_WAKE_INIT;
    w.now = T0 + HOUR + 1;
    assert_int_equal(mc_engine_wake(f->e, &w, NULL), 0);
    assert_int_equal(w.changed, 1);
    assert_int_equal(mc_store_begin(other, NULL), 0);
    mc_error err;
    assert_int_equal(mc_store_dossier_update(other, &row, &err), MC_ECONFLICT);
    mc_store_rollback(other);
    mc_dossier_row_clear(&row);
    mc_store_close(other);
    assert_int_equal(events_of(f->e, a, "timer"), 1);
}

typedef struct seen_ids {
    int64_t skip;    /* left alone, or 0 */
    size_t leased;   /* batches leased */
    size_t lease_n;  /* dossiers in the last */
    int64_t idle[4]; /* the dossiers reported unchanged */
    size_t nidle;
} seen_ids;

static bool skip_one(void *ud, int64_t id)
{
    return ((seen_ids *)ud)->skip == id;
}

static void on_leased(void *ud, size_t n)
{
    seen_ids *s = ud;
    s->leased++;
    s->lease_n = n;
}

static void on_unchanged(void *ud, int64_t id)
{
    seen_ids *s = ud;
    if (s->nidle < 4) {
        s->idle[s->nidle++] = id;
    }
}

static void test_wake__a_pass_goes_batch_by_batch(void **state)
{
    wfx *f = *state;
    for (int i = 0; i < 5; i++) {
        char id[16];
        snprintf(id, sizeof id, "b%d", i);
        submit(f->e, "p", id, T0 + i);
    }
    seen_ids s = {0};
    mc_wake w = MC_WAKE_INIT;
    w.now = T0 + 2 * HOUR;
    w.limit = 2;
    w.leased = on_leased;
    w.ud = &s;
    size_t seen[3], changed[3];
    for (int b = 0; b < 3; b++) {
        assert_int_equal(mc_engine_wake(f->e, &w, NULL), 0);
        seen[b] = w.seen;
        changed[b] = w.changed;
    }
    assert_int_equal(seen[0], 2);
    assert_int_equal(seen[1], 2);
    assert_int_equal(seen[2], 1);
    assert_int_equal(changed[0] + changed[1] + changed[2], 5);
    assert_int_equal(s.leased, 3);
    assert_int_equal(s.lease_n, 1);
    assert_int_equal(w.after_wake, T0 + 4 + HOUR);
    /* A new pass finds nothing, and takes no write lock: nothing is leased. */
    w.after_wake = INT64_MIN;
    w.after_id = 0;
    assert_int_equal(mc_engine_wake(f->e, &w, NULL), 0);
    assert_int_equal(w.seen, 0);
    assert_int_equal(s.leased, 3);
    /* Out of range. */
    mc_error err;
    w.limit = 0;
    assert_int_equal(mc_engine_wake(f->e, &w, &err), MC_EUSAGE);
    w.limit = MC_WAKE_MAX + 1;
    assert_int_equal(mc_engine_wake(f->e, &w, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "a batch of timers takes 1 to 256 dossiers");
}

/* A dossier whose procedure is no longer in the catalogue, and whose stored text no longer
 * compiles against it (a role it names is gone too): its batch is rolled back, nothing of it
 * saved, the dossier named; left alone, the others fire. */
static void test_wake__a_dossier_that_fails_rolls_its_batch_back(void **state)
{
    wfx *f = *state;
    char both[2048];
    snprintf(both, sizeof both, "%s%s", new_text, gone_text);
    mc_catalogue *old;
    char *diags = NULL;
    assert_int_equal(tu_load(both, &old, &diags), 0);
    free(diags);
    mc_engine *eo;
    assert_int_equal(mc_engine_open(&eo, old, NULL, f->db, NULL), 0);
    int64_t a = submit(eo, "p", "a", T0), g = submit(eo, "gone", "g", T0 + 1);
    int64_t b = submit(eo, "p", "b", T0 + 2);
    mc_engine_close(eo);
    mc_catalogue_free(old);
    seen_ids s = {0};
    mc_wake w = MC_WAKE_INIT;
    w.now = T0 + 2 * HOUR;
    w.ud = &s;
    mc_error err;
    assert_int_equal(mc_engine_wake(f->e, &w, &err), MC_EGONE); /* the API's 409, not 500 */
    assert_int_equal(w.failed, g);
    char want[200];
    snprintf(want, sizeof want,
             "dossier %lld uses procedure 'gone' version '', which the catalogue can no longer "
             "run: its procedure text no longer compiles: stored text ",
             (long long)g);
    assert_memory_equal(err.msg, want, strlen(want));
    assert_non_null(strstr(err.msg, "unknown role 'archivist'"));
    assert_int_equal(events_of(f->e, a, "timer"), 0); /* fired in the batch, rolled back */
    assert_int_equal(w.after_wake, INT64_MIN);        /* the cursor stays */
    s.skip = g;
    w.skip = skip_one;
    assert_int_equal(mc_engine_wake(f->e, &w, &err), 0);
    assert_int_equal(w.failed, 0);
    assert_int_equal(w.seen, 3);
    assert_int_equal(w.changed, 2);
    assert_int_equal(events_of(f->e, a, "timer"), 1);
    assert_int_equal(events_of(f->e, b, "timer"), 1);
    assert_int_equal(events_of(f->e, g, "timer"), 0);
    /* Only g is left due: the look finds it left alone and takes no lease. */
    w.after_wake = INT64_MIN;
    w.after_id = 0;
    w.leased = on_leased;
    assert_int_equal(mc_engine_wake(f->e, &w, &err), 0);
    assert_int_equal(w.seen, 1);
    assert_int_equal(s.leased, 0);
}

/* A wake instant that has passed with nothing to fire (counted with a calendar since changed)
 * is reported, and the dossier saved as it was. */
static void test_wake__a_dossier_with_nothing_to_fire_is_reported(void **state)
{
    wfx *f = *state;
    int64_t a = submit(f->e, "p", "a", T0);
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE dossier SET wake = %lld WHERE id = %lld",
             (long long)(T0 + 60), (long long)a);
    raw(f->db, sql);
    seen_ids s = {0};
    mc_wake w = MC_WAKE_INIT;
    w.now = T0 + 120;
    w.unchanged = on_unchanged;
    w.ud = &s;
    assert_int_equal(mc_engine_wake(f->e, &w, NULL), 0);
    assert_int_equal(w.seen, 1);
    assert_int_equal(w.changed, 0);
    assert_int_equal(s.nidle, 1);
    assert_int_equal(s.idle[0], a);
    assert_int_equal(events_of(f->e, a, "timer"), 0);
}

typedef struct oom_ctx {
    wfx *f;
    int64_t a, d;
} oom_ctx;

static int oom_wake(void *ud)
{
    oom_ctx *c = ud;
    mc_wake w = MC_WAKE_INIT;
    w.now = T0 + HOUR + 1;
    mc_error err;
    mc_error_clear(&err);
    int rc = mc_engine_wake(c->f->e, &w, &err);
    if (rc != 0 && rc != MC_ENOMEM) {
        fprintf(stderr, "wake: %d %s\n", rc, err.msg);
    }
    return rc;
}

/* Each failed allocation ends the batch in MC_ENOMEM with nothing saved. */
static void check_oom(void *ud, int rc)
{
    oom_ctx *c = ud;
    int want = rc == 0 ? 1 : 0;
    assert_int_equal(events_of(c->f->e, c->a, "timer"), want);
    assert_int_equal(events_of(c->f->e, c->d, "overdue"), want);
}

static void test_wake__out_of_memory_sweep(void **state)
{
    wfx *f = *state;
    oom_ctx c = {f, submit(f->e, "p", "a", T0), submit(f->e, "q", "d", T0)};
    assert_true(tu_oom_sweep_checked(oom_wake, check_oom, &c, false) > 10);
    int64_t nev = 0;
    assert_int_equal(mc_store_verify(mc_engine_store(f->e), &nev, NULL), 0);
}

static void test_wake__a_volatile_engine_has_no_timers_to_lease(void **state)
{
    wfx *f = *state;
    mc_engine *v;
    assert_int_equal(mc_engine_open_volatile(&v, f->cat, NULL, NULL, NULL, NULL), 0);
    mc_wake w = MC_WAKE_INIT;
    mc_error err;
    assert_int_equal(mc_engine_wake(v, &w, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "timers need an engine with a store");
    mc_engine_close(v);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_wake__the_dossiers_due_in_order_after_the_cursor),
        T(test_wake__a_lease_locks_its_rows_until_the_transaction_ends),
        T(test_wake__a_timer_fires_once_and_never_early),
        T(test_wake__a_stale_catch_up_is_refused),
        T(test_wake__a_pass_goes_batch_by_batch),
        T(test_wake__a_dossier_that_fails_rolls_its_batch_back),
        T(test_wake__a_dossier_with_nothing_to_fire_is_reported),
        T(test_wake__out_of_memory_sweep),
        T(test_wake__a_volatile_engine_has_no_timers_to_lease),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
