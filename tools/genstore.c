/*
 * genstore — a store of DOSSIERS dossiers for the tests of `motcua store copy` (tests/copy.sh):
 * each dossier submitted and received through the engine's C API, one in ten with a request id,
 * one in five read (the access log), and one registry record for every hundred dossiers, so that
 * every chain has entries. The dossiers are made in an in-memory store (the engine's rate, one
 * transaction per operation, without a disk flush each) and written to DB with mc_store_copy,
 * in one transaction. DB must not hold anything yet. Prints the figures on stdout:
 *   genstore: 100000 dossiers, 200000 events, 10000 request ids, 20000 reads, 1000 records
 * Usage: genstore DB DOSSIERS
 */
#include "motcua/access.h"
#include "motcua/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char catalogue_text[] =
    "role clerk\n"
    "lifecycle one-stop {\n"
    "  state submitted { initial; on receive -> processing by clerk }\n"
    "  state processing { on approve -> done by clerk }\n"
    "  state done { final; outcome granted }\n"
    "}\n"
    "procedure p { time-limit 7wd; lifecycle one-stop; subject id\n"
    "  field id { type text; required } }\n";

static int fail(const char *what, long i, const mc_result *r, const mc_error *err)
{
    fprintf(stderr, "genstore: %s of dossier %ld: %s%s\n", what, i, r ? r->message : "",
            err->msg);
    return 1;
}

/* Makes n dossiers in e; the counts go to the last four arguments. */
static int fill(mc_engine *e, long n, long *requests, long *reads, long *records)
{
    const int64_t t0 = 1751508000; /* 2025-07-03T02:00Z */
    mc_error err;
    for (long i = 1; i <= n; i++) {
        char id[24], req[32];
        snprintf(id, sizeof id, "%012ld", 79000000000L + i);
        mc_kv fields[] = {{"id", id}};
        mc_submit s = MC_SUBMIT_INIT;
        s.procedure = "p";
        s.fields = fields;
        s.nfields = 1;
        s.now = t0 + i;
        if (i % 10 == 0) {
            snprintf(req, sizeof req, "portal-%ld", i);
            s.request_id = req;
            s.user = "portal";
            ++*requests;
        }
        mc_result r;
        if (mc_engine_submit(e, &s, &r, &err) != 0 || r.refusal != MC_REFUSED_NONE) {
            return fail("submit", i, &r, &err);
        }
        mc_fire f = MC_FIRE_INIT;
        f.dossier = r.dossier;
        f.event = "receive";
        f.role = "clerk";
        f.now = t0 + n + i;
        if (mc_engine_fire(e, &f, &r, &err) != 0 || r.refusal != MC_REFUSED_NONE) {
            return fail("receive", i, &r, &err);
        }
        if (i % 5 == 0) {
            mc_access a = {.at = t0 + 2 * n + i, .actor = "clerk", .route = "cli show",
                           .dossier = f.dossier};
            if (mc_engine_log_access(e, &a, &err) != 0) {
                return fail("read", i, NULL, &err);
            }
            ++*reads;
        }
        if (i % 100 == 0) {
            char ref[32];
            snprintf(ref, sizeof ref, "KS-%ld", i);
            mc_record_row rec = {"civil-status", "birth-certificate", id, ref, "2020-01-01"};
            if (mc_store_record_put(mc_engine_store(e), &rec, &err) != 0) {
                return fail("record", i, NULL, &err);
            }
            ++*records;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3 || atol(argv[2]) <= 0) {
        fprintf(stderr, "usage: genstore DB DOSSIERS\n");
        return 2;
    }
    long n = atol(argv[2]), requests = 0, reads = 0, records = 0;
    mc_catalogue *cat = NULL;
    mc_diags *d = NULL;
    mc_engine *e = NULL;
    mc_store *dst = NULL;
    mc_error err;
    int rc = 1;
    const char *names[] = {"genstore.proc"};
    const char *texts[] = {catalogue_text};
    size_t lens[] = {sizeof catalogue_text - 1};
    if (mc_diags_new(&d) != 0 || mc_catalogue_load_buffers(&cat, names, texts, lens, 1, d, NULL)) {
        fprintf(stderr, "genstore: the catalogue does not load\n");
        goto done;
    }
    if (mc_engine_open(&e, cat, NULL, ":memory:", &err) != 0) {
        fprintf(stderr, "genstore: %s\n", err.msg);
        goto done;
    }
    double t0 = now_s();
    if (fill(e, n, &requests, &reads, &records) != 0) {
        goto done;
    }
    double t1 = now_s();
    int64_t rows;
    if (mc_store_open(&dst, argv[1], &err) != 0 ||
        mc_store_copy(mc_engine_store(e), dst, &rows, &err) != 0) {
        fprintf(stderr, "genstore: %s: %s\n", argv[1], err.msg);
        goto done;
    }
    printf("genstore: %ld dossiers, %ld events, %ld request ids, %ld reads, %ld records "
           "(made in %.1f s, written in %.1f s)\n",
           n, 2 * n, requests, reads, records, t1 - t0, now_s() - t1);
    rc = 0;
done:
    mc_store_close(dst);
    mc_engine_close(e);
    mc_catalogue_free(cat);
    mc_diags_free(d);
    return rc;
}
