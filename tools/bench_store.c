/*
 * bench: durable and memory — transitions per second through the real engine (one transaction
 * each, synchronous=FULL, WAL) against raw SQLite commits of one row per transaction with the
 * same settings on the same disk, in the same run; and transitions per second with an
 * in-memory store. Usage: bench_store DIR [TRANSITIONS]
 */
#include "motcua/engine.h"

#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char catalogue_text[] =
    "role clerk\n"
    "lifecycle one-stop {\n"
    "  state submitted { initial; on receive -> processing by clerk }\n"
    "  state processing { on request-supplement -> awaiting-supplement by clerk\n"
    "    on approve -> done by clerk }\n"
    "  state awaiting-supplement { clock stopped\n"
    "    on supplement -> processing by applicant restart-clock }\n"
    "  state done { final; outcome granted }\n"
    "}\n"
    "procedure p { time-limit 7wd; lifecycle one-stop; subject id\n"
    "  field id { type text; required } }\n";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void remove_db(const char *path)
{
    char p[600];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

static double raw_commits(const char *path, long n)
{
    remove_db(path);
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK) {
        return 0;
    }
    sqlite3_exec(db,
                 "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                 "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)",
                 NULL, NULL, NULL);
    sqlite3_stmt *ins, *begin, *commit;
    sqlite3_prepare_v2(db, "INSERT INTO t (v) VALUES ('transition')", -1, &ins, NULL);
    sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, NULL);
    sqlite3_prepare_v2(db, "COMMIT", -1, &commit, NULL);
    double t0 = now_s();
    for (long i = 0; i < n; i++) {
        sqlite3_step(begin);
        sqlite3_reset(begin);
        sqlite3_step(ins);
        sqlite3_reset(ins);
        sqlite3_step(commit);
        sqlite3_reset(commit);
    }
    double dt = now_s() - t0;
    sqlite3_finalize(ins);
    sqlite3_finalize(begin);
    sqlite3_finalize(commit);
    sqlite3_close(db);
    remove_db(path);
    return (double)n / dt;
}

static double transitions(const mc_catalogue *cat, const char *db, long n)
{
    if (strcmp(db, ":memory:") != 0) {
        remove_db(db);
    }
    mc_engine *e;
    mc_error err;
    if (mc_engine_open(&e, cat, NULL, db, &err) != 0) {
        fprintf(stderr, "bench_store: %s\n", err.msg);
        return 0;
    }
    mc_kv fields[] = {{"id", "001234567890"}};
    mc_submit s = {.procedure = "p", .fields = fields, .nfields = 1, .now = 1751508000};
    mc_result res;
    mc_engine_submit(e, &s, &res, &err);
    static const char *const cycle[][2] = {
        {"receive", "clerk"}, {"request-supplement", "clerk"}, {"supplement", "applicant"}};
    double t0 = now_s();
    for (long i = 0; i < n; i++) {
        int k = i == 0 ? 0 : 1 + (int)((i - 1) % 2);
        mc_fire f;
        memset(&f, 0, sizeof f);
        f.dossier = res.dossier;
        f.event = cycle[k][0];
        f.role = cycle[k][1];
        f.now = 1751508000 + 60 + i;
        mc_result r;
        if (mc_engine_fire(e, &f, &r, &err) != 0) {
            fprintf(stderr, "bench_store: transition %ld: %s %s\n", i, r.message, err.msg);
            mc_engine_close(e);
            return 0;
        }
    }
    double dt = now_s() - t0;
    int64_t events;
    if (mc_store_verify(mc_engine_store(e), &events, &err) != 0 || events != n + 1) {
        fprintf(stderr, "bench_store: the chain does not hold after the run\n");
    }
    mc_engine_close(e);
    if (strcmp(db, ":memory:") != 0) {
        remove_db(db);
    }
    return (double)n / dt;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_store DIR [TRANSITIONS]\n");
        return 2;
    }
    long n = argc > 2 ? atol(argv[2]) : 2000;
    char raw[512], dur[512];
    snprintf(raw, sizeof raw, "%s/raw.db", argv[1]);
    snprintf(dur, sizeof dur, "%s/durable.db", argv[1]);
    mc_catalogue *cat;
    mc_diags *d;
    mc_diags_new(&d);
    const char *names[] = {"bench.proc"};
    const char *texts[] = {catalogue_text};
    size_t lens[] = {sizeof catalogue_text - 1};
    if (mc_catalogue_load_buffers(&cat, names, texts, lens, 1, d, NULL) != 0) {
        fprintf(stderr, "bench_store: the bench catalogue does not load\n");
        return 1;
    }
    /* Interleave the two measures so that disk noise hits both alike; keep the best of three. */
    double best_raw = 0, best_dur = 0;
    for (int round = 0; round < 3; round++) {
        double r = raw_commits(raw, n), t = transitions(cat, dur, n);
        best_raw = r > best_raw ? r : best_raw;
        best_dur = t > best_dur ? t : best_dur;
    }
    double mem = transitions(cat, ":memory:", n * 10);
    fprintf(stderr, "bench_store: %ld transitions a round, 3 rounds, best of each\n", n);
    printf("bench: durable per_s=%.0f raw_per_s=%.0f ratio=%.2f\n", best_dur, best_raw,
           best_raw > 0 ? best_dur / best_raw : 0);
    printf("bench: memory per_s=%.0f\n", mem);
    mc_catalogue_free(cat);
    mc_diags_free(d);
    return 0;
}
