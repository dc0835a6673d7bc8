/*
 * bench: report — the indicators of SPEC §9 over a store of DOSSIERS dossiers (1,000,000 by
 * default). The store is filled directly through SQLite with rows shaped as the engine writes
 * them (fast to build); the timed part is mc_report_compute alone. Usage:
 * bench_report DIR [DOSSIERS]
 */
#include "motcua/report.h"

#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char catalogue_text[] =
    "calendar vn { default; hours 07:30-11:30 13:30-17:00; cutoff 15:00 }\n"
    "role clerk\ndocument a\ndocument b\n"
    "procedure p { time-limit 7wd; agency commune; online full; subject id\n"
    "  field id { type text }\n  requires a\n  requires b\n"
    "  state submitted { initial; on approve -> done by clerk }\n"
    "  state done { final; outcome granted } }\n";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_report DIR [DOSSIERS]\n");
        return 2;
    }
    long n = argc > 2 ? atol(argv[2]) : 1000000;
    char path[512];
    snprintf(path, sizeof path, "%s/report.db", argv[1]);
    unlink(path);
    mc_store *st;
    mc_error err;
    if (mc_store_open(&st, path, &err) != 0) { /* creates the schema */
        fprintf(stderr, "bench_report: %s\n", err.msg);
        return 1;
    }
    mc_store_close(st);
    sqlite3 *db;
    sqlite3_open(path, &db);
    sqlite3_exec(db, "PRAGMA synchronous = OFF; BEGIN", NULL, NULL, NULL);
    sqlite3_stmt *ins;
    sqlite3_prepare_v2(db,
                       "INSERT INTO dossier (rev, procedure, version, agency, subject, channel, "
                       "state, outcome, clock, final, overdue, late, submitted, entered, due, "
                       "finished, data) VALUES (1, 'p', '', 'commune', ?1, ?2, ?3, ?4, ?5, ?6, "
                       "0, ?7, ?8, ?8, ?9, ?10, ?11)",
                       -1, &ins, NULL);
    int64_t t0 = 1751508000; /* 2025-07-03 */
    for (long i = 0; i < n; i++) {
        char subject[24];
        snprintf(subject, sizeof subject, "%012ld", i);
        bool done = i % 4 != 0;
        int64_t sub = t0 + (i % 300) * 86400;
        sqlite3_bind_text(ins, 1, subject, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 2, i % 3 ? "online" : "counter", -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, done ? "done" : "submitted", -1, SQLITE_STATIC);
        if (done) {
            sqlite3_bind_text(ins, 4, "granted", -1, SQLITE_STATIC);
        } else {
            sqlite3_bind_null(ins, 4);
        }
        sqlite3_bind_text(ins, 5, done ? "stopped" : "running", -1, SQLITE_STATIC);
        sqlite3_bind_int(ins, 6, done);
        sqlite3_bind_int(ins, 7, done ? (i % 10 == 0) : -1);
        sqlite3_bind_int64(ins, 8, sub);
        sqlite3_bind_int64(ins, 9, sub + 9 * 86400);
        if (done) {
            sqlite3_bind_int64(ins, 10, sub + 5 * 86400);
        } else {
            sqlite3_bind_null(ins, 10);
        }
        sqlite3_bind_text(ins, 11,
                          i % 2 ? "{\"requirements\":{\"a\":{\"status\":\"fetched\",\"registry\":"
                                  "\"r\",\"record\":\"R-1\"},\"b\":{\"status\":\"asked\"}},"
                                  "\"values\":{\"id\":\"x\"}}"
                                : "{\"requirements\":{\"a\":{\"status\":\"asked\"},\"b\":"
                                  "{\"status\":\"provided\"}},\"values\":{\"id\":\"x\"}}",
                          -1, SQLITE_STATIC);
        sqlite3_step(ins);
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(db);

    mc_catalogue *cat;
    mc_diags *d;
    mc_diags_new(&d);
    const char *names[] = {"bench.proc"};
    const char *texts[] = {catalogue_text};
    size_t lens[] = {sizeof catalogue_text - 1};
    if (mc_catalogue_load_buffers(&cat, names, texts, lens, 1, d, NULL) != 0 ||
        mc_store_open(&st, path, &err) != 0) {
        fprintf(stderr, "bench_report: setup failed\n");
        return 1;
    }
    double t = now_s();
    mc_report r;
    int rc = mc_report_compute(st, cat, mc_date_from_ymd(2025, 1, 1),
                               mc_date_from_ymd(2026, 12, 31), &r, &err);
    double seconds = now_s() - t;
    if (rc != 0 || r.total.received != n) {
        fprintf(stderr, "bench_report: the report is wrong (%d, %lld received)\n", rc,
                (long long)r.total.received);
        return 1;
    }
    printf("bench: report dossiers=%ld seconds=%.3f\n", n, seconds);
    mc_report_free(&r);
    mc_store_close(st);
    mc_catalogue_free(cat);
    mc_diags_free(d);
    unlink(path);
    return 0;
}
