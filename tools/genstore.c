/*
 * genstore — a store of DOSSIERS dossiers for the tests of `motcua store copy` (tests/copy.sh):
 * each dossier submitted and received through the engine's C API, one in ten with a request id,
 * one in five read (the access log), and one registry record for every hundred dossiers, so that
 * every chain has entries. The engine writes DB itself, one transaction per operation, but
 * through a SQLite VFS of this tool's own that makes every sync a no-op (what synchronous=OFF
 * would do: the store sets FULL), so that 220,000 commits do not wait for the disk. DB must
 * be a new file. Prints the figures on stdout:
 *   genstore: 100000 dossiers, 200000 events, 10000 request ids, 20000 reads, 1000 records
 * Usage: genstore DB DOSSIERS
 */
#include "motcua/access.h"
#include "motcua/engine.h"

#include <sqlite3.h>

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

/* ---- a VFS whose files never sync: the default one's files, xSync a no-op ---- */

typedef struct nosync_file {
    sqlite3_file base;
    sqlite3_file *real; /* the default VFS's file, right after this struct */
} nosync_file;

static sqlite3_vfs *real_vfs;
static sqlite3_io_methods nosync_io;

#define REAL(f) (((nosync_file *)(f))->real)
static int ns_close(sqlite3_file *f)
{
    return REAL(f)->pMethods->xClose(REAL(f));
}
static int ns_read(sqlite3_file *f, void *p, int n, sqlite3_int64 o)
{
    return REAL(f)->pMethods->xRead(REAL(f), p, n, o);
}
static int ns_write(sqlite3_file *f, const void *p, int n, sqlite3_int64 o)
{
    return REAL(f)->pMethods->xWrite(REAL(f), p, n, o);
}
static int ns_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    return REAL(f)->pMethods->xTruncate(REAL(f), size);
}
static int ns_sync(sqlite3_file *f, int flags)
{
    (void)f;
    (void)flags;
    return SQLITE_OK;
}
static int ns_size(sqlite3_file *f, sqlite3_int64 *size)
{
    return REAL(f)->pMethods->xFileSize(REAL(f), size);
}
static int ns_lock(sqlite3_file *f, int l)
{
    return REAL(f)->pMethods->xLock(REAL(f), l);
}
static int ns_unlock(sqlite3_file *f, int l)
{
    return REAL(f)->pMethods->xUnlock(REAL(f), l);
}
static int ns_reserved(sqlite3_file *f, int *out)
{
    return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}
static int ns_control(sqlite3_file *f, int op, void *arg)
{
    return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}
static int ns_sector(sqlite3_file *f)
{
    return REAL(f)->pMethods->xSectorSize(REAL(f));
}
static int ns_device(sqlite3_file *f)
{
    return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}
static int ns_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp)
{
    return REAL(f)->pMethods->xShmMap(REAL(f), pg, pgsz, extend, pp);
}
static int ns_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
    return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}
static void ns_shm_barrier(sqlite3_file *f)
{
    REAL(f)->pMethods->xShmBarrier(REAL(f));
}
static int ns_shm_unmap(sqlite3_file *f, int del)
{
    return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}
static int ns_fetch(sqlite3_file *f, sqlite3_int64 o, int n, void **pp)
{
    return REAL(f)->pMethods->xFetch(REAL(f), o, n, pp);
}
static int ns_unfetch(sqlite3_file *f, sqlite3_int64 o, void *p)
{
    return REAL(f)->pMethods->xUnfetch(REAL(f), o, p);
}

static int ns_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
    (void)vfs;
    nosync_file *nf = (nosync_file *)f;
    nf->real = (sqlite3_file *)&nf[1];
    int rc = real_vfs->xOpen(real_vfs, name, nf->real, flags, out);
    /* A file the default VFS could not open has no methods: SQLite then calls none. */
    nf->base.pMethods = nf->real->pMethods != NULL ? &nosync_io : NULL;
    if (nf->real->pMethods != NULL && nosync_io.iVersion == 0) {
        nosync_io = (sqlite3_io_methods){
            nf->real->pMethods->iVersion < 3 ? nf->real->pMethods->iVersion : 3,
            ns_close, ns_read, ns_write, ns_truncate, ns_sync, ns_size, ns_lock, ns_unlock,
            ns_reserved, ns_control, ns_sector, ns_device, ns_shm_map, ns_shm_lock,
            ns_shm_barrier, ns_shm_unmap, ns_fetch, ns_unfetch};
    }
    return rc;
}

/* Registers the VFS as the default one: every store this process opens after uses it. */
static int nosync_register(void)
{
    static sqlite3_vfs vfs;
    real_vfs = sqlite3_vfs_find(NULL);
    if (real_vfs == NULL) {
        return SQLITE_ERROR;
    }
    vfs = *real_vfs;
    vfs.zName = "genstore-nosync";
    vfs.szOsFile = (int)sizeof(nosync_file) + real_vfs->szOsFile;
    vfs.xOpen = ns_open;
    return sqlite3_vfs_register(&vfs, 1);
}

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
    mc_error err;
    int rc = 1;
    const char *names[] = {"genstore.proc"};
    const char *texts[] = {catalogue_text};
    size_t lens[] = {sizeof catalogue_text - 1};
    if (mc_diags_new(&d) != 0 || mc_catalogue_load_buffers(&cat, names, texts, lens, 1, d, NULL)) {
        fprintf(stderr, "genstore: the catalogue does not load\n");
        goto done;
    }
    if (nosync_register() != SQLITE_OK) {
        fprintf(stderr, "genstore: cannot register its SQLite VFS\n");
        goto done;
    }
    if (mc_engine_open(&e, cat, NULL, argv[1], &err) != 0) {
        fprintf(stderr, "genstore: %s\n", err.msg);
        goto done;
    }
    double t0 = now_s();
    if (fill(e, n, &requests, &reads, &records) != 0) {
        goto done;
    }
    printf("genstore: %ld dossiers, %ld events, %ld request ids, %ld reads, %ld records "
           "(%.1f s)\n",
           n, 2 * n, requests, reads, records, now_s() - t0);
    rc = 0;
done:
    mc_engine_close(e);
    mc_catalogue_free(cat);
    mc_diags_free(d);
    return rc;
}
