/*
 * bench: pg-durable — transitions per second through the engine's C API on PostgreSQL from 8
 * threads, each with its own engine and connection, each firing its own dossier, against raw
 * one-row insert transactions from 8 connections (as pgbench runs them) on the same server in
 * the same run. Usage: bench_pg CONNINFO [TRANSITIONS_PER_THREAD]
 */
#include "motcua/engine.h"

#include <libpq-fe.h>
#include <pthread.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { THREADS = 8 };

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

typedef struct job {
    const char *conn;
    const mc_catalogue *cat;
    long n;
    int index;
    bool failed;
} job;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool run_sql(const char *conn, const char *sql)
{
    PGconn *c = PQconnectdb(conn);
    PGresult *r = PQexec(c, sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok) {
        fprintf(stderr, "bench_pg: %s", PQerrorMessage(c));
    }
    PQclear(r);
    PQfinish(c);
    return ok;
}

static void *raw_thread(void *arg)
{
    job *j = arg;
    PGconn *c = PQconnectdb(j->conn);
    PGresult *p = PQprepare(c, "ins", "INSERT INTO bench_raw (v) VALUES ('transition')", 0, NULL);
    j->failed = PQresultStatus(p) != PGRES_COMMAND_OK;
    PQclear(p);
    for (long i = 0; !j->failed && i < j->n; i++) {
        PGresult *r = PQexecPrepared(c, "ins", 0, NULL, NULL, NULL, 0);
        j->failed = PQresultStatus(r) != PGRES_COMMAND_OK;
        PQclear(r);
    }
    PQfinish(c);
    return NULL;
}

static void *engine_thread(void *arg)
{
    job *j = arg;
    mc_engine *e;
    mc_error err;
    if (mc_engine_open(&e, j->cat, NULL, j->conn, &err) != 0) {
        fprintf(stderr, "bench_pg: %s\n", err.msg);
        j->failed = true;
        return NULL;
    }
    char id[16];
    snprintf(id, sizeof id, "00123456789%d", j->index);
    mc_kv fields[] = {{"id", id}};
    mc_submit s = {.procedure = "p", .fields = fields, .nfields = 1, .now = 1751508000};
    mc_result res;
    if (mc_engine_submit(e, &s, &res, &err) != 0) {
        fprintf(stderr, "bench_pg: %s\n", err.msg);
        j->failed = true;
    }
    static const char *const cycle[][2] = {
        {"receive", "clerk"}, {"request-supplement", "clerk"}, {"supplement", "applicant"}};
    for (long i = 0; !j->failed && i < j->n; i++) {
        int k = i == 0 ? 0 : 1 + (int)((i - 1) % 2);
        mc_fire f;
        memset(&f, 0, sizeof f);
        f.dossier = res.dossier;
        f.event = cycle[k][0];
        f.role = cycle[k][1];
        f.now = 1751508000 + 60 + i;
        mc_result r;
        if (mc_engine_fire(e, &f, &r, &err) != 0 || r.refusal != MC_REFUSED_NONE) {
            fprintf(stderr, "bench_pg: transition %ld: %s %s\n", i, r.message, err.msg);
            j->failed = true;
        }
    }
    mc_engine_close(e);
    return NULL;
}

/* Runs fn on THREADS threads, n each; operations per second, 0 when one failed. */
static double in_threads(void *(*fn)(void *), const char *conn, const mc_catalogue *cat, long n)
{
    pthread_t t[THREADS];
    job jobs[THREADS];
    double t0 = now_s();
    for (int i = 0; i < THREADS; i++) {
        jobs[i] = (job){conn, cat, n, i, false};
        pthread_create(&t[i], NULL, fn, &jobs[i]);
    }
    bool failed = false;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        failed |= jobs[i].failed;
    }
    double dt = now_s() - t0;
    return failed ? 0 : (double)(n * THREADS) / dt;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_pg CONNINFO [TRANSITIONS_PER_THREAD]\n");
        return 2;
    }
    long n = argc > 2 ? atol(argv[2]) : 250;
    mc_catalogue *cat;
    mc_diags *d;
    mc_diags_new(&d);
    const char *names[] = {"bench.proc"};
    const char *texts[] = {catalogue_text};
    size_t lens[] = {sizeof catalogue_text - 1};
    if (mc_catalogue_load_buffers(&cat, names, texts, lens, 1, d, NULL) != 0) {
        fprintf(stderr, "bench_pg: the bench catalogue does not load\n");
        return 1;
    }
    /* Each round a fresh store (a schema) and a fresh table; the best of three of each. */
    double best_raw = 0, best_dur = 0;
    for (int round = 0; round < 3; round++) {
        char sql[200], conn[1200];
        snprintf(sql, sizeof sql,
                 "SET client_min_messages = warning; DROP SCHEMA IF EXISTS bench%d CASCADE; "
                 "CREATE SCHEMA bench%d; CREATE TABLE "
                 "bench%d.bench_raw (id bigserial PRIMARY KEY, v text)",
                 round, round, round);
        snprintf(conn, sizeof conn, "%s options='-csearch_path=bench%d'", argv[1], round);
        if (!run_sql(argv[1], sql)) {
            return 1;
        }
        double r = in_threads(raw_thread, conn, cat, n);
        double t = in_threads(engine_thread, conn, cat, n);
        if (r == 0 || t == 0) {
            fprintf(stderr, "bench_pg: a round failed\n");
            return 1;
        }
        best_raw = r > best_raw ? r : best_raw;
        best_dur = t > best_dur ? t : best_dur;
        /* The chain holds after eight writers at once. */
        mc_engine *e;
        mc_error err;
        int64_t events;
        if (mc_engine_open(&e, cat, NULL, conn, &err) != 0 ||
            mc_store_verify(mc_engine_store(e), &events, &err) != 0 ||
            events != (n + 1) * THREADS) {
            fprintf(stderr, "bench_pg: the chain does not hold after the run\n");
            return 1;
        }
        mc_engine_close(e);
    }
    fprintf(stderr, "bench_pg: %d threads, %ld transitions each a round, 3 rounds, best of each\n",
            THREADS, n);
    printf("bench: pg-durable per_s=%.0f raw_per_s=%.0f ratio=%.2f\n", best_dur, best_raw,
           best_dur / best_raw);
    mc_catalogue_free(cat);
    mc_diags_free(d);
    return 0;
}
