/*
 * Group commit (store.h, mc_store_group; docs/decisions.md, issue 18): operations of several
 * threads, each on its own engine, share one transaction and one COMMIT. A batch is made
 * deterministic here by a holder: a store of the group that opens the batch and keeps the gate
 * until every operation of the test waits at it; its commit lets them run, and the last commits
 * for all. The failed COMMIT comes from a SQLite VFS that fails fsync on demand.
 */
#include "testutil.h"

#include "motcua/engine.h"
#include "motcua/store.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

static const char catalogue_text[] =
    "role clerk\n"
    "lifecycle l {\n"
    "  state submitted { initial; on receive -> processing by clerk }\n"
    "  state processing { on pause -> waiting by clerk }\n"
    "  state waiting { clock paused; on resume -> processing by clerk }\n"
    "  state done { final; outcome granted }\n"
    "}\n"
    "procedure p { time-limit 7wd; lifecycle l; agency a; subject id\n"
    "  field id { type text; required } }\n"
    "procedure q { time-limit 7wd; lifecycle l; agency a; subject id; fee rule fees.fee\n"
    "  field id { type text; required } }\n";

static const char fees_lua[] = "function fee(d) return 0 end\n";

enum { NOW = 1751436000, THREADS = 4 }; /* 2025-07-02T06:00Z */

/* ---- a VFS whose fsync fails on demand ---- */

typedef struct faulty_file {
    sqlite3_file base;
    sqlite3_file *real; /* follows this struct */
} faulty_file;

static sqlite3_vfs faulty_vfs;
/* The suite's globals: a VFS has no other place for them. */
static atomic_bool fail_sync; /* every fsync fails */
static atomic_bool fail_read; /* the next read fails, once */

static sqlite3_file *real_of(sqlite3_file *f)
{
    return ((faulty_file *)f)->real;
}

static int f_close(sqlite3_file *f)
{
    return real_of(f)->pMethods->xClose(real_of(f));
}
static int f_read(sqlite3_file *f, void *p, int n, sqlite3_int64 o)
{
    if (atomic_exchange(&fail_read, false)) {
        return SQLITE_IOERR_READ;
    }
    return real_of(f)->pMethods->xRead(real_of(f), p, n, o);
}
static int f_write(sqlite3_file *f, const void *p, int n, sqlite3_int64 o)
{
    return real_of(f)->pMethods->xWrite(real_of(f), p, n, o);
}
static int f_truncate(sqlite3_file *f, sqlite3_int64 n)
{
    return real_of(f)->pMethods->xTruncate(real_of(f), n);
}
static int f_sync(sqlite3_file *f, int flags)
{
    if (atomic_load(&fail_sync)) {
        return SQLITE_IOERR_FSYNC;
    }
    return real_of(f)->pMethods->xSync(real_of(f), flags);
}
static int f_size(sqlite3_file *f, sqlite3_int64 *n)
{
    return real_of(f)->pMethods->xFileSize(real_of(f), n);
}
static int f_lock(sqlite3_file *f, int l)
{
    return real_of(f)->pMethods->xLock(real_of(f), l);
}
static int f_unlock(sqlite3_file *f, int l)
{
    return real_of(f)->pMethods->xUnlock(real_of(f), l);
}
static int f_reserved(sqlite3_file *f, int *r)
{
    return real_of(f)->pMethods->xCheckReservedLock(real_of(f), r);
}
static int f_control(sqlite3_file *f, int op, void *arg)
{
    return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}
static int f_sector(sqlite3_file *f)
{
    return real_of(f)->pMethods->xSectorSize(real_of(f));
}
static int f_chars(sqlite3_file *f)
{
    return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f));
}
static int f_shm_map(sqlite3_file *f, int i, int sz, int ext, void volatile **pp)
{
    return real_of(f)->pMethods->xShmMap(real_of(f), i, sz, ext, pp);
}
static int f_shm_lock(sqlite3_file *f, int o, int n, int flags)
{
    return real_of(f)->pMethods->xShmLock(real_of(f), o, n, flags);
}
static void f_shm_barrier(sqlite3_file *f)
{
    real_of(f)->pMethods->xShmBarrier(real_of(f));
}
static int f_shm_unmap(sqlite3_file *f, int del)
{
    return real_of(f)->pMethods->xShmUnmap(real_of(f), del);
}

static const sqlite3_io_methods faulty_io = {
    2,          f_close,       f_read,      f_write,   f_truncate, f_sync,  f_size,
    f_lock,     f_unlock,      f_reserved,  f_control, f_sector,   f_chars, f_shm_map,
    f_shm_lock, f_shm_barrier, f_shm_unmap, NULL,      NULL};

static int f_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
    sqlite3_vfs *real = vfs->pAppData;
    faulty_file *ff = (faulty_file *)f;
    ff->real = (sqlite3_file *)(ff + 1);
    int rc = real->xOpen(real, name, ff->real, flags, out);
    /* Without methods SQLite calls no xClose: the real file then has nothing to close either. */
    ff->base.pMethods = ff->real->pMethods != NULL ? &faulty_io : NULL;
    return rc;
}

static void register_faulty(void)
{
    sqlite3_vfs *real = sqlite3_vfs_find(NULL);
    assert_non_null(real);
    faulty_vfs = *real;
    faulty_vfs.zName = "faulty";
    faulty_vfs.szOsFile = (int)sizeof(faulty_file) + real->szOsFile;
    faulty_vfs.pAppData = real;
    faulty_vfs.xOpen = f_open;
    faulty_vfs.pNext = NULL;
    assert_int_equal(sqlite3_vfs_register(&faulty_vfs, 0), SQLITE_OK);
}

/* ---- the fixture ---- */

typedef struct fx {
    char dir[64];
    char db[160];
    mc_catalogue *cat;
    mc_store_group *g;
    mc_engine *e[THREADS + 1]; /* e[THREADS]: the set-up's and the checks' */
    mc_store *holder;
} fx;

static void pause_ms(long ms)
{
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/mc-group.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof f->db, "file:%s/g.db?vfs=faulty", f->dir);
    char *diags;
    assert_int_equal(tu_load(catalogue_text, &f->cat, &diags), 0);
    free(diags);
    mc_error err;
    for (int i = 0; i <= THREADS; i++) {
        if (mc_engine_open(&f->e[i], f->cat, NULL, f->db, &err) != 0) {
            fail_msg("engine: %s", err.msg);
        }
    }
    assert_int_equal(mc_store_open(&f->holder, f->db, &err), 0);
    assert_int_equal(mc_store_group_open(&f->g, f->db, &err), 0);
    for (int i = 0; i <= THREADS; i++) {
        mc_store_set_group(mc_engine_store(f->e[i]), f->g);
    }
    mc_store_set_group(f->holder, f->g);
    atomic_store(&fail_sync, false);
    atomic_store(&fail_read, false);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    for (int i = 0; i <= THREADS; i++) {
        mc_engine_close(f->e[i]);
    }
    mc_store_close(f->holder);
    mc_store_group_close(f->g);
    mc_catalogue_free(f->cat);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static int64_t submit(mc_engine *e, const char *subject, const char *request_id, mc_result *res,
                      int *rc, mc_error *err)
{
    mc_kv fields[] = {{"id", subject}};
    mc_submit s = {
        .procedure = "p", .fields = fields, .nfields = 1, .now = NOW, .request_id = request_id};
    *rc = mc_engine_submit(e, &s, res, err);
    return res->dossier;
}

static int fire(mc_engine *e, int64_t id, const char *event, mc_result *res, mc_error *err)
{
    mc_fire fi = MC_FIRE_INIT;
    fi.dossier = id;
    fi.event = event;
    fi.role = "clerk";
    fi.now = NOW + 60;
    return mc_engine_fire(e, &fi, res, err);
}

/* Dossiers 1..n, received (state processing). */
static void prepare(fx *f, int n)
{
    for (int i = 1; i <= n; i++) {
        char subject[16];
        snprintf(subject, sizeof subject, "S%d", i);
        mc_result res;
        int rc;
        mc_error err;
        assert_int_equal(submit(f->e[THREADS], subject, NULL, &res, &rc, &err), i);
        assert_int_equal(rc, 0);
        assert_int_equal(fire(f->e[THREADS], i, "receive", &res, &err), 0);
    }
}

static mc_store_group_stats stats(fx *f)
{
    mc_store_group_stats s;
    mc_store_group_stats_get(f->g, &s);
    return s;
}

/* One operation of a batch, on a thread of its own. */
typedef struct job {
    fx *f;
    mc_engine *e;
    int64_t dossier;
    const char *event;      /* a fire, or NULL: a submission */
    const char *request_id; /* of the submission */
    int rc;
    mc_result res;
    mc_error err;
    uint64_t commits_seen; /* the group's COMMITs when the operation returned */
} job;

static void *run_job(void *ud)
{
    job *j = ud;
    memset(&j->err, 0, sizeof j->err);
    if (j->event != NULL) {
        j->rc = fire(j->e, j->dossier, j->event, &j->res, &j->err);
    } else {
        submit(j->e, "S-same", j->request_id, &j->res, &j->rc, &j->err);
    }
    j->commits_seen = stats(j->f).commits;
    return NULL;
}

static bool record_seen(fx *f)
{
    char ref[32];
    mc_error err;
    int rc = mc_store_record_get(mc_engine_store(f->e[THREADS]), "civil-status",
                                 "birth-certificate", "S0", ref, sizeof ref, &err);
    assert_true(rc == 0 || rc == 1);
    return rc == 1;
}

/* Runs the jobs as one batch behind the holder, which writes a registry record first; returns
 * the holder's commit. Until the batch commits, another connection does not see the record. */
static int run_batch(fx *f, job *jobs, int n)
{
    mc_error err;
    assert_int_equal(mc_store_begin(f->holder, &err), 0); /* the gate, and the batch open */
    mc_record_row rec = {"civil-status", "birth-certificate", "S0", "REF-0", "2025-07-01"};
    assert_int_equal(mc_store_record_put(f->holder, &rec, &err), 0);
    pthread_t t[THREADS];
    for (int i = 0; i < n; i++) {
        /* One at a time: they queue in this order, which the gate keeps in practice (the
         * tests hold whatever the order). */
        assert_int_equal(pthread_create(&t[i], NULL, run_job, &jobs[i]), 0);
        for (int waited = 0; stats(f).queued < (unsigned)i + 1; waited++) {
            assert_true(waited < 10000); /* ten seconds */
            pause_ms(1);
        }
    }
    assert_false(record_seen(f));              /* written, not committed */
    int rc = mc_store_commit(f->holder, &err); /* returns once the batch has committed */
    assert_true(record_seen(f) == (rc == 0));
    for (int i = 0; i < n; i++) {
        pthread_join(t[i], NULL);
    }
    return rc;
}

static const char *state_of(fx *f, int64_t id, int64_t *events)
{
    static char name[32];
    mc_dossier d;
    mc_error err;
    if (mc_engine_get(f->e[THREADS], id, NOW + 120, &d, &err) != 0) {
        fail_msg("get %lld: %s", (long long)id, err.msg);
    }
    snprintf(name, sizeof name, "%s", d.state->name);
    *events = d.events;
    mc_dossier_free(&d);
    return name;
}

/* ---- the tests ---- */

/* A refused operation in a batch keeps only its refusal; a failed one (an unknown dossier)
 * leaves nothing; the others' writes stay; one COMMIT carries them all, and no operation
 * returns before it. */
static void test_group__a_refusal_in_a_batch_keeps_only_its_refusal(void **state)
{
    fx *f = *state;
    prepare(f, 3);
    int64_t before[4];
    for (int i = 1; i <= 3; i++) {
        assert_string_equal(state_of(f, i, &before[i]), "processing");
    }
    mc_store_group_stats s0 = stats(f);
    job jobs[THREADS] = {
        {f, f->e[0], 1, "pause", NULL, 0, {0}, {0}, 0},
        {f, f->e[1], 2, "resume", NULL, 0, {0}, {0}, 0}, /* processing: refused */
        {f, f->e[2], 3, "pause", NULL, 0, {0}, {0}, 0},
        {f, f->e[3], 99, "pause", NULL, 0, {0}, {0}, 0}, /* no such dossier */
    };
    assert_int_equal(run_batch(f, jobs, THREADS), 0);
    assert_int_equal(jobs[0].rc, 0);
    assert_int_equal(jobs[1].rc, MC_EREFUSED);
    assert_int_equal(jobs[2].rc, 0);
    assert_int_equal(jobs[3].rc, MC_ENOTFOUND);
    mc_store_group_stats s1 = stats(f);
    assert_int_equal(s1.commits, s0.commits + 1);       /* one COMMIT … */
    assert_int_equal(s1.operations, s0.operations + 4); /* … for the holder, 1, 2 and 3 */
    for (int i = 0; i < 3; i++) {
        assert_int_equal(jobs[i].commits_seen, s0.commits + 1); /* answered after it */
    }
    int64_t n;
    assert_string_equal(state_of(f, 1, &n), "waiting");
    assert_int_equal(n, before[1] + 1);
    assert_string_equal(state_of(f, 2, &n), "processing");
    assert_int_equal(n, before[2] + 1); /* its refusal, nothing else */
    assert_string_equal(state_of(f, 3, &n), "waiting");
    assert_int_equal(n, before[3] + 1);
    mc_error err;
    assert_int_equal(mc_store_verify(mc_engine_store(f->e[THREADS]), &n, &err), 0);
}

/* A COMMIT that fails (fsync refused by the disk) answers every operation of the batch with its
 * error, none with success, and leaves the store as it was before the batch; the next
 * operations work. */
static void test_group__a_failed_commit_acknowledges_nobody(void **state)
{
    fx *f = *state;
    prepare(f, 3);
    int64_t before[4], total_before, total;
    for (int i = 1; i <= 3; i++) {
        state_of(f, i, &before[i]);
    }
    mc_error err;
    assert_int_equal(mc_store_verify(mc_engine_store(f->e[THREADS]), &total_before, &err), 0);
    mc_store_group_stats s0 = stats(f);
    job jobs[THREADS] = {
        {f, f->e[0], 1, "pause", NULL, 0, {0}, {0}, 0},
        {f, f->e[1], 2, "resume", NULL, 0, {0}, {0}, 0}, /* refused: its refusal fails too */
        {f, f->e[2], 3, "pause", NULL, 0, {0}, {0}, 0},
    };
    assert_int_equal(mc_store_begin(f->holder, &err), 0);
    atomic_store(&fail_sync, true);
    pthread_t t[3];
    for (int i = 0; i < 3; i++) {
        assert_int_equal(pthread_create(&t[i], NULL, run_job, &jobs[i]), 0);
    }
    for (int waited = 0; stats(f).queued < 3; waited++) {
        assert_true(waited < 10000);
        pause_ms(1);
    }
    int rc = mc_store_commit(f->holder, &err);
    for (int i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
    }
    atomic_store(&fail_sync, false);
    assert_int_equal(rc, MC_EIO);
    assert_string_equal(err.msg, "store: committing: disk I/O error");
    for (int i = 0; i < 3; i++) {
        assert_int_equal(jobs[i].rc, MC_EIO);
        assert_string_equal(jobs[i].err.msg, "store: committing: disk I/O error");
    }
    mc_store_group_stats s1 = stats(f);
    assert_int_equal(s1.commits, s0.commits);
    assert_int_equal(s1.failed, s0.failed + 4);
    int64_t n;
    for (int i = 1; i <= 3; i++) {
        assert_string_equal(state_of(f, i, &n), "processing");
        assert_int_equal(n, before[i]);
    }
    assert_int_equal(mc_store_verify(mc_engine_store(f->e[THREADS]), &total, &err), 0);
    assert_int_equal(total, total_before);
    /* The disk is back: the same operations succeed. */
    mc_result res;
    assert_int_equal(fire(f->e[0], 1, "pause", &res, &err), 0);
    assert_string_equal(state_of(f, 1, &n), "waiting");
    assert_int_equal(mc_store_verify(mc_engine_store(f->e[THREADS]), &total, &err), 0);
}

/* SQLite rolls back the whole shared transaction after some errors (here a read that fails in
 * the middle of an operation): every operation of the batch before it fails with it, none is
 * acknowledged, and the next operations make a new batch. */
static void test_group__a_transaction_lost_to_an_error_fails_its_whole_batch(void **state)
{
    fx *f = *state;
    prepare(f, 1);
    int64_t before, total_before, total;
    state_of(f, 1, &before);
    mc_error err;
    assert_int_equal(mc_store_verify(mc_engine_store(f->e[THREADS]), &total_before, &err), 0);
    mc_store_group_stats s0 = stats(f);
    /* The holder writes a registry record; the submission's request id is the first read of
     * the request table by the writer connection, from the disk: that read fails. */
    assert_int_equal(mc_store_begin(f->holder, &err), 0);
    mc_record_row rec = {"civil-status", "birth-certificate", "S1", "REF-1", "2025-07-01"};
    assert_int_equal(mc_store_record_put(f->holder, &rec, &err), 0);
    job jobs[2] = {
        {f, f->e[0], 0, NULL, "key-lost", 0, {0}, {0}, 0},
        {f, f->e[1], 1, "pause", NULL, 0, {0}, {0}, 0},
    };
    pthread_t t[2];
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pthread_create(&t[i], NULL, run_job, &jobs[i]), 0);
        for (int waited = 0; stats(f).queued < (unsigned)i + 1; waited++) {
            assert_true(waited < 10000);
            pause_ms(1);
        }
    }
    atomic_store(&fail_read, true);
    int rc = mc_store_commit(f->holder, &err);
    for (int i = 0; i < 2; i++) {
        pthread_join(t[i], NULL);
    }
    assert_false(atomic_load(&fail_read)); /* the read did fail */
    assert_int_equal(rc, MC_EIO);
    assert_string_equal(err.msg, "store: the transaction this operation shared was rolled back by "
                                 "an error of another; nothing was saved: try again");
    assert_int_equal(jobs[0].rc, MC_EIO);
    assert_string_equal(jobs[0].err.msg, "store: reading a request id: disk I/O error");
    /* The fire either ran before the failed read, in the lost batch, and failed with it, or
     * after it, in a batch of its own. */
    int64_t n;
    if (jobs[1].rc == 0) {
        assert_string_equal(state_of(f, 1, &n), "waiting");
        assert_int_equal(n, before + 1);
    } else {
        assert_int_equal(jobs[1].rc, MC_EIO);
        assert_string_equal(jobs[1].err.msg, err.msg);
        assert_string_equal(state_of(f, 1, &n), "processing");
        assert_int_equal(n, before);
    }
    assert_true(stats(f).failed >= s0.failed + 1);
    char ref[32];
    assert_int_equal(mc_store_record_get(mc_engine_store(f->e[THREADS]), "civil-status",
                                         "birth-certificate", "S1", ref, sizeof ref, &err),
                     0); /* the holder's record is gone with the batch */
    assert_int_equal(mc_store_verify(mc_engine_store(f->e[THREADS]), &total, &err), 0);
    assert_int_equal(total, total_before + (jobs[1].rc == 0 ? 1 : 0));
}

/* Two submissions with one Idempotency-Key in one batch give one dossier: the second is the
 * first's answer, given once the batch is durable. */
static void test_group__one_request_id_in_a_batch_gives_one_dossier(void **state)
{
    fx *f = *state;
    prepare(f, 1);
    mc_store_group_stats s0 = stats(f);
    job jobs[3] = {
        {f, f->e[0], 0, NULL, "key-1", 0, {0}, {0}, 0},
        {f, f->e[1], 0, NULL, "key-1", 0, {0}, {0}, 0},
        {f, f->e[2], 1, "pause", NULL, 0, {0}, {0}, 0}, /* so that the replay is not the last */
    };
    assert_int_equal(run_batch(f, jobs, 3), 0);
    assert_int_equal(jobs[0].rc, 0);
    assert_int_equal(jobs[1].rc, 0);
    assert_int_equal(jobs[2].rc, 0);
    assert_int_equal(jobs[0].res.dossier, 2);
    assert_int_equal(jobs[1].res.dossier, 2);
    assert_true(jobs[0].res.replayed != jobs[1].res.replayed); /* one ran, one replayed */
    assert_int_equal(stats(f).commits, s0.commits + 1);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(jobs[i].commits_seen, s0.commits + 1);
    }
    mc_dossier d;
    mc_error err;
    assert_int_equal(mc_engine_get(f->e[THREADS], 3, NOW, &d, &err), MC_ENOTFOUND);
}

/* Without a holder, threads firing at once: every operation lands once, whatever the batches;
 * the counts add up. */
static void *fire_many(void *ud)
{
    job *j = ud;
    for (int k = 0; k < 20 && j->rc == 0; k++) {
        j->rc = fire(j->e, j->dossier, k % 2 == 0 ? "pause" : "resume", &j->res, &j->err);
    }
    return NULL;
}

static void test_group__concurrent_operations_all_land(void **state)
{
    fx *f = *state;
    prepare(f, THREADS);
    mc_store_group_stats s0 = stats(f);
    job jobs[THREADS];
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        jobs[i] = (job){f, f->e[i], i + 1, NULL, NULL, 0, {0}, {0}, 0};
        assert_int_equal(pthread_create(&t[i], NULL, fire_many, &jobs[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        if (jobs[i].rc != 0) {
            fail_msg("thread %d: %d %s", i, jobs[i].rc, jobs[i].err.msg);
        }
    }
    mc_store_group_stats s1 = stats(f);
    assert_int_equal(s1.operations - s0.operations, THREADS * 20);
    assert_true(s1.commits - s0.commits <= THREADS * 20);
    assert_int_equal(s1.failed, s0.failed);
    for (int i = 1; i <= THREADS; i++) {
        int64_t n, before;
        (void)before;
        assert_string_equal(state_of(f, i, &n), "processing"); /* 20 fires: back */
        assert_int_equal(n, 2 + 20);                           /* submit, receive, 20 */
    }
    int64_t n;
    mc_error err;
    assert_int_equal(mc_store_verify(mc_engine_store(f->e[THREADS]), &n, &err), 0);
}

/* A gate of mc_engine_set_gate, which a store in a group never calls. */
static void no_gate(void *ud)
{
    (void)ud;
    fail_msg("a store in a group took the gate of mc_engine_set_gate");
}

/* The submission of procedure q (whose fee is a rule) by engine er, on a thread. */
typedef struct rule_job {
    mc_engine *er;
    int rc;
    mc_result res;
    mc_error err;
} rule_job;

static void *submit_q(void *ud)
{
    rule_job *j = ud;
    mc_kv fields[] = {{"id", "S-rule"}};
    mc_submit s = {.procedure = "q", .fields = fields, .nfields = 1, .now = NOW};
    j->rc = mc_engine_submit(j->er, &s, &j->res, &j->err);
    return NULL;
}

/* An operation that calls a rule decides on its engine's own connection before the gate; at its
 * first write it commits the open batch and writes alone (or, when its snapshot is stale, runs
 * again inside the group). Whatever the order, every operation lands once. */
static void test_group__an_operation_with_a_rule_commits_the_batch_first(void **state)
{
    fx *f = *state;
    prepare(f, 1);
    int64_t before, n;
    state_of(f, 1, &before);
    mc_rules *rules;
    mc_error err;
    assert_int_equal(mc_rules_new(&rules, NULL, &err), 0);
    assert_int_equal(mc_rules_load_buffer(rules, "fees", "rules/fees.lua", fees_lua,
                                          sizeof fees_lua - 1, NULL, &err),
                     0);
    rule_job r = {NULL, 0, {0}, {0}};
    assert_int_equal(mc_engine_open(&r.er, f->cat, rules, f->db, &err), 0);
    mc_engine_set_gate(r.er, no_gate, no_gate, NULL); /* its operations optimistic */
    mc_store_set_group(mc_engine_store(r.er), f->g);
    mc_store_group_stats s0 = stats(f);
    job fire_job = {f, f->e[0], 1, "pause", NULL, 0, {0}, {0}, 0};
    assert_int_equal(mc_store_begin(f->holder, &err), 0);
    mc_record_row rec = {"civil-status", "birth-certificate", "S0", "REF-0", "2025-07-01"};
    assert_int_equal(mc_store_record_put(f->holder, &rec, &err), 0);
    pthread_t t[2];
    assert_int_equal(pthread_create(&t[0], NULL, submit_q, &r), 0);
    for (int waited = 0; stats(f).queued < 1; waited++) {
        assert_true(waited < 10000);
        pause_ms(1);
    }
    assert_int_equal(pthread_create(&t[1], NULL, run_job, &fire_job), 0);
    for (int waited = 0; stats(f).queued < 2; waited++) {
        assert_true(waited < 10000);
        pause_ms(1);
    }
    assert_int_equal(mc_store_commit(f->holder, &err), 0);
    pthread_join(t[0], NULL);
    pthread_join(t[1], NULL);
    if (r.rc != 0) {
        fail_msg("submit q: %d %s", r.rc, r.err.msg);
    }
    assert_int_equal(r.res.dossier, 2);
    assert_int_equal(fire_job.rc, 0);
    assert_true(record_seen(f));
    assert_string_equal(state_of(f, 1, &n), "waiting");
    assert_int_equal(n, before + 1);
    assert_string_equal(state_of(f, 2, &n), "submitted");
    mc_store_group_stats s1 = stats(f);
    /* The holder and the fire in batches; the submission too when it ran again in the group. */
    assert_true(s1.operations - s0.operations == 2 || s1.operations - s0.operations == 3);
    assert_int_equal(s1.failed, s0.failed);
    assert_int_equal(mc_store_verify(mc_engine_store(f->e[THREADS]), &n, &err), 0);
    mc_engine_close(r.er);
    mc_rules_free(rules);
}

/* Out of memory anywhere in opening a group, a transaction in it, its COMMIT and closing it:
 * MC_ENOMEM, nothing leaked, and the store still verifies. */
static int oom_group(void *ud)
{
    fx *f = ud;
    mc_store_group *g;
    mc_error err;
    int rc = mc_store_group_open(&g, f->db, &err);
    if (rc != 0) {
        return rc;
    }
    mc_store_set_group(f->holder, g);
    rc = mc_store_begin(f->holder, &err);
    if (rc == 0) {
        mc_record_row rec = {"civil-status", "birth-certificate", "S1", "REF-1", "2025-07-01"};
        rc = mc_store_record_put(f->holder, &rec, &err);
        rc = rc == 0 ? mc_store_commit(f->holder, &err) : rc;
        if (rc != 0) {
            mc_store_rollback(f->holder);
        }
    }
    mc_store_set_group(f->holder, NULL);
    mc_store_group_close(g);
    return rc;
}

static void oom_check(void *ud, int rc)
{
    (void)rc;
    fx *f = ud;
    int64_t n;
    mc_error err;
    if (mc_store_verify(f->holder, &n, &err) != 0) {
        fail_msg("verify: %s", err.msg);
    }
}

static void test_group__out_of_memory_sweep(void **state)
{
    fx *f = *state;
    mc_store_set_group(f->holder, NULL);
    assert_true(tu_oom_sweep_checked(oom_group, oom_check, f, false) > 1000);
}

/* Group commit is for SQLite: on PostgreSQL the server's own serves. */
static void test_group__postgresql_needs_no_group(void **state)
{
    (void)state;
    mc_store_group *g = (mc_store_group *)1;
    mc_error err;
    assert_int_equal(mc_store_group_open(&g, "host=/nonexistent dbname=mc", &err), MC_EUSAGE);
    assert_null(g);
    assert_string_equal(err.msg,
                        "store: group commit is for SQLite; PostgreSQL groups commits itself");
    mc_store_group_close(NULL);
}

int main(void)
{
    /* Before SQLite starts (sqlite3_vfs_find starts it), or its allocations would escape the
     * hook of the out-of-memory sweep. */
    assert_int_equal(mc_init(), 0);
    register_faulty();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_group__a_refusal_in_a_batch_keeps_only_its_refusal,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_group__a_failed_commit_acknowledges_nobody, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_group__a_transaction_lost_to_an_error_fails_its_whole_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group__one_request_id_in_a_batch_gives_one_dossier,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_group__concurrent_operations_all_land, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_group__an_operation_with_a_rule_commits_the_batch_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group__out_of_memory_sweep, setup, teardown),
        cmocka_unit_test(test_group__postgresql_needs_no_group),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    sqlite3_vfs_unregister(&faulty_vfs);
    return rc;
}
