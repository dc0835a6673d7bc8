/*
 * genqueue — a store of DOSSIERS dossiers for the `queue` bench (tools/bench.sh): rows of the
 * test catalogue's birth-registration (tests/fixtures/cli-catalogue), written through the store
 * (mc_store_dossier_insert and its submit event, so that verify would find them whole) in
 * transactions of 20,000, not through the engine: a million dossiers in a minute, not an hour.
 * One in ten is overdue, one in five final; dues spread over a year; subjects are 12 digits,
 * dossier i's "0791" followed by i on 8 digits. Applicants' names are Vietnamese, from i: a
 * family name (Nguyễn for about four in ten, as in the country), a middle name and a given
 * name, so that one full name is shared by some hundreds of a million (name_of; the bench
 * searches them without accents). No timer is due (wake NULL), so that serve's
 * first tick has nothing to do. DB is a new SQLite file or a PostgreSQL conninfo. Prints:
 *   genqueue: 1000000 dossiers in 41.2 s
 * Usage: genqueue DB DOSSIERS
 */
#include "motcua/store.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Dossiers a transaction: on PostgreSQL fewer, since each one updates a row of the counts'
 * tally (its triggers), and a row updated many times in one transaction leaves as many
 * versions for the next update to walk. */
enum { BATCH = 20000, PG_BATCH = 500 };

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The applicant's name of dossier i. */
static void name_of(long i, char *out, size_t n)
{
    static const char *const family[] = {"Nguyễn", "Nguyễn", "Nguyễn", "Nguyễn", "Trần", "Lê",
                                         "Phạm",   "Hoàng",  "Huỳnh",  "Phan",   "Vũ",   "Võ",
                                         "Đặng",   "Bùi",    "Đỗ",     "Hồ",     "Ngô",  "Dương"};
    static const char *const middle[] = {"Văn",  "Thị",  "Hữu",   "Đức",
                                         "Minh", "Ngọc", "Thanh", "Quốc"};
    static const char *const given[] = {
        "An",    "Anh",   "Bình", "Châu", "Chi",  "Cường", "Dũng", "Dung",  "Đào",   "Đạt",
        "Giang", "Hà",    "Hải",  "Hạnh", "Hiếu", "Hoa",   "Hùng", "Hương", "Khánh", "Lan",
        "Linh",  "Long",  "Mai",  "Minh", "Nam",  "Nga",   "Ngọc", "Phong", "Phúc",  "Phương",
        "Quân",  "Quang", "Sơn",  "Tâm",  "Thảo", "Thắng", "Thu",  "Trang", "Tuấn",  "Yến"};
    /* mixed, so that a name says nothing of the dossier's place in the queue (i % 10 is its
     * overdue mark) */
    uint64_t h = (uint64_t)i * 2654435761u;
    h ^= h >> 13;
    h *= 0x5bd1e995u;
    h ^= h >> 15;
    snprintf(out, n, "%s %s %s", family[h % 18], middle[(h / 18) % 8], given[(h / 144) % 40]);
}

/* Dossier i (from 1): its row and its submit event, in the open transaction. */
static int put(mc_store *st, long i, mc_error *err)
{
    char subject[16], name[64];
    snprintf(subject, sizeof subject, "0791%08ld", i % 100000000);
    name_of(i, name, sizeof name);
    const int64_t t0 = 1752458400; /* 2025-07-14T09:00+07:00 */
    bool final = i % 5 == 0, overdue = !final && i % 10 == 1;
    /* The row's strings are not const (the store frees those it loads); these stay ours. */
    char procedure[] = "birth-registration", version[] = "2025-07-01",
         agency[] = "commune-committee", channel[] = "counter", data[] = "{}";
    char returned[] = "returned", processing[] = "processing", submitted[] = "submitted",
         granted[] = "granted", stopped[] = "stopped", running[] = "running";
    mc_dossier_row row = {
        .procedure = procedure,
        .version = version,
        .agency = agency,
        .subject = subject,
        .channel = channel,
        .state = final   ? returned
                 : i % 2 ? processing
                         : submitted,
        .outcome = final ? granted : NULL,
        .clock = final ? stopped : running,
        .final = final,
        .overdue = overdue,
        .late = final ? 0 : -1,
        .submitted = t0 - 86400 * (i % 365),
        .entered = t0 - 86400 * (i % 365),
        .due = i % 2 && !final ? t0 + 3600 * ((i * 7919) % (24 * 365)) - 86400 * 180 : MC_NONE,
        .left = MC_NONE,
        .finished = final ? t0 : MC_NONE,
        .fee = 0,
        .wake = MC_NONE,
        .data = data,
        .applicant = name,
    };
    int rc = mc_store_dossier_insert(st, &row, err);
    if (rc != 0) {
        return rc;
    }
    mc_event_row ev = {
        .dossier = row.id, .at = row.submitted, .kind = "submit", .actor = "clerk", .body = "{}"};
    return mc_store_event_append(st, &ev, err);
}

int main(int argc, char **argv)
{
    if (argc != 3 || atol(argv[2]) <= 0) {
        fprintf(stderr, "usage: genqueue DB DOSSIERS\n");
        return 2;
    }
    long n = atol(argv[2]);
    long batch = mc_store_is_server(argv[1]) ? PG_BATCH : BATCH;
    mc_store *st = NULL;
    mc_error err;
    double t = now_s();
    int rc = mc_store_open(&st, argv[1], &err);
    for (long i = 1; rc == 0 && i <= n;) {
        rc = mc_store_begin(st, &err);
        for (long k = 0; rc == 0 && k < batch && i <= n; k++, i++) {
            rc = put(st, i, &err);
        }
        if (rc == 0) {
            rc = mc_store_commit(st, &err);
        } else {
            mc_store_rollback(st);
        }
    }
    mc_store_close(st);
    if (rc != 0) {
        fprintf(stderr, "genqueue: %s\n", err.msg);
        return 1;
    }
    printf("genqueue: %ld dossiers in %.1f s\n", n, now_s() - t);
    return 0;
}
