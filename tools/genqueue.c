/*
 * genqueue — a store of DOSSIERS dossiers for the `queue` bench (tools/bench.sh): rows of the
 * test catalogue's birth-registration (tests/fixtures/cli-catalogue), each with its submit
 * event, whole for verify, not through the engine. A SQLite store is written through the
 * store (mc_store_dossier_insert and mc_store_event_append) in transactions of 20,000: a
 * million dossiers in a minute, not an hour. A PostgreSQL store is written as `motcua store
 * copy` writes one, but with COPY: its schema made by mc_store_open, then in one transaction
 * the rows, the events (chained in their partitions, mc_store_event_hash) and the partitions'
 * heads, the tally's trigger off (motcua.bulk) and the tally counted once at the end, the
 * sequences set past the last ids; then ANALYZE. Row for row, byte for byte, what the store
 * would have written (the same ids, hashes and row values as the SQLite store), a million in
 * about a minute where one statement at a time took over ten. The store must be new.
 * One in ten is overdue, one in five final; dues spread over a year; subjects are 12 digits,
 * dossier i's "0791" followed by i on 8 digits. Applicants' names are Vietnamese, from i: a
 * family name (Nguyễn for about four in ten, as in the country), a middle name and a given
 * name, so that one full name is shared by some hundreds of a million (name_of; the bench
 * searches them without accents). No timer is due (wake NULL), so that serve's
 * first tick has nothing to do. DB is a new SQLite file or a PostgreSQL conninfo. Prints:
 *   genqueue: 1000000 dossiers in 41.2 s
 * and on an error one line on stderr (genqueue: …), exit status 1.
 * Usage: genqueue DB DOSSIERS
 */
#include "base/utf8.h"
#include "motcua/alloc.h"
#include "motcua/store.h"

#include <libpq-fe.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Dossiers a transaction of SQLite. */
enum { BATCH = 20000 };

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

/* The strings of a row (the row keeps pointers to them; they are not const, since the store
 * frees those it loads, but these stay ours). */
typedef struct strings {
    char subject[16], name[64];
    char procedure[19], version[11], agency[18], channel[8], data[3];
    char returned[9], processing[11], submitted[10], granted[8], stopped[8], running[8];
} strings;

/* The row of dossier i (from 1), its strings in s. */
static void row_of(long i, strings *s, mc_dossier_row *row)
{
    snprintf(s->subject, sizeof s->subject, "0791%08ld", i % 100000000);
    name_of(i, s->name, sizeof s->name);
    strcpy(s->procedure, "birth-registration");
    strcpy(s->version, "2025-07-01");
    strcpy(s->agency, "commune-committee");
    strcpy(s->channel, "counter");
    strcpy(s->data, "{}");
    strcpy(s->returned, "returned");
    strcpy(s->processing, "processing");
    strcpy(s->submitted, "submitted");
    strcpy(s->granted, "granted");
    strcpy(s->stopped, "stopped");
    strcpy(s->running, "running");
    const int64_t t0 = 1752458400; /* 2025-07-14T09:00+07:00 */
    bool final = i % 5 == 0, overdue = !final && i % 10 == 1;
    *row = (mc_dossier_row){
        .id = i,
        .rev = 1,
        .procedure = s->procedure,
        .version = s->version,
        .agency = s->agency,
        .subject = s->subject,
        .channel = s->channel,
        .state = final   ? s->returned
                 : i % 2 ? s->processing
                         : s->submitted,
        .outcome = final ? s->granted : NULL,
        .clock = final ? s->stopped : s->running,
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
        .data = s->data,
        .applicant = s->name,
    };
}

/* Dossier i (from 1): its row and its submit event, in the open transaction. */
static int put(mc_store *st, long i, mc_error *err)
{
    strings s;
    mc_dossier_row row;
    row_of(i, &s, &row);
    int rc = mc_store_dossier_insert(st, &row, err);
    if (rc != 0) {
        return rc;
    }
    mc_event_row ev = {
        .dossier = row.id, .at = row.submitted, .kind = "submit", .actor = "clerk", .body = "{}"};
    return mc_store_event_append(st, &ev, err);
}

/* ==== PostgreSQL: one transaction of COPY ================================================ */

/* The rows go to the server in pieces of this size. */
enum { COPY_CHUNK = 1 << 20 };

typedef struct copier {
    PGconn *c;
    char *buf;
    size_t len;
    mc_error *err;
} copier;

/* The first line of the server's message, for an error of one line. */
static int pg_fail(copier *k, const char *what, const char *msg)
{
    char line[200];
    snprintf(line, sizeof line, "%s", msg ? msg : "");
    line[strcspn(line, "\n")] = '\0';
    return mc_error_set(k->err, MC_EIO, "%s: %s", what, line);
}

/* A failed result's message: the server's primary text, without its "ERROR:  ". */
static const char *res_msg(const PGresult *r)
{
    const char *m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    return m != NULL ? m : PQresultErrorMessage(r);
}

/* Runs sql (no rows wanted, or one row of one value into *one when one is not NULL). */
static int pg_exec(copier *k, const char *sql, const char *what, long long *one)
{
    PGresult *r = PQexec(k->c, sql);
    ExecStatusType s = PQresultStatus(r);
    int rc = 0;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        rc = pg_fail(k, what, res_msg(r));
    } else if (one != NULL) {
        *one = PQntuples(r) == 1 ? atoll(PQgetvalue(r, 0, 0)) : -1;
    }
    PQclear(r);
    return rc;
}

static int copy_flush(copier *k, const char *what)
{
    if (k->len > 0 && PQputCopyData(k->c, k->buf, (int)k->len) != 1) {
        return pg_fail(k, what, PQerrorMessage(k->c));
    }
    k->len = 0;
    return 0;
}

/* Appends one line of COPY's text format (printf-formatted), sending the buffer when full. */
static int copy_line(copier *k, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int copy_line(copier *k, const char *what, const char *fmt, ...)
{
    if (k->len > COPY_CHUNK - 4096) {
        int rc = copy_flush(k, what);
        if (rc != 0) {
            return rc;
        }
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(k->buf + k->len, COPY_CHUNK - k->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= COPY_CHUNK - k->len) {
        return mc_error_set(k->err, MC_EIO, "%s: a row longer than the buffer", what);
    }
    k->len += (size_t)n;
    return 0;
}

static int copy_begin(copier *k, const char *sql, const char *what)
{
    PGresult *r = PQexec(k->c, sql);
    int rc = PQresultStatus(r) == PGRES_COPY_IN ? 0 : pg_fail(k, what, res_msg(r));
    PQclear(r);
    return rc;
}

static int copy_end(copier *k, const char *what)
{
    int rc = copy_flush(k, what);
    if (rc == 0 && PQputCopyEnd(k->c, NULL) != 1) {
        rc = pg_fail(k, what, PQerrorMessage(k->c));
    }
    PGresult *r;
    while ((r = PQgetResult(k->c)) != NULL) {
        if (rc == 0 && PQresultStatus(r) != PGRES_COMMAND_OK) {
            rc = pg_fail(k, what, res_msg(r));
        }
        PQclear(r);
    }
    return rc;
}

/* A number of the row, or \N (COPY's NULL) for MC_NONE. */
static const char *num(int64_t v, char *buf, size_t n)
{
    if (v == MC_NONE) {
        return "\\N";
    }
    snprintf(buf, n, "%lld", (long long)v);
    return buf;
}

/* As num, JSON's null for MC_NONE. */
static const char *jnum(int64_t v, char *buf, size_t n)
{
    if (v == MC_NONE) {
        return "null";
    }
    snprintf(buf, n, "%lld", (long long)v);
    return buf;
}

/* A string of the row quoted for JSON (genqueue's strings need no escapes), or null. */
static const char *jstr(const char *s, char *buf, size_t n)
{
    if (s == NULL) {
        return "null";
    }
    snprintf(buf, n, "\"%s\"", s);
    return buf;
}

/* The row values of an insert as the store's event carries them (store.c, pend_row: every
 * column, keys sorted, compact). */
static void row_json(const mc_dossier_row *r, char *out, size_t n)
{
    char due[24], entered[24], finished[24], submitted[24], outcome[32];
    snprintf(out, n,
             "{\"agency\":\"%s\",\"apology\":null,\"channel\":\"%s\",\"clock\":\"%s\","
             "\"data\":\"%s\",\"due\":%s,\"entered\":%s,\"fee\":%lld,\"final\":%d,"
             "\"finished\":%s,\"late\":%lld,\"left\":null,\"outcome\":%s,\"overdue\":%d,"
             "\"procedure\":\"%s\",\"state\":\"%s\",\"subject\":\"%s\",\"submitted\":%s,"
             "\"version\":\"%s\",\"wake\":null}",
             r->agency, r->channel, r->clock, r->data, jnum(r->due, due, sizeof due),
             jnum(r->entered, entered, sizeof entered), (long long)r->fee, r->final ? 1 : 0,
             jnum(r->finished, finished, sizeof finished), (long long)r->late,
             jstr(r->outcome, outcome, sizeof outcome), r->overdue ? 1 : 0, r->procedure, r->state,
             r->subject, jnum(r->submitted, submitted, sizeof submitted), r->version);
}

static void hex(const unsigned char *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

static int copy_dossiers(copier *k, long n)
{
    const char *what = "copying dossiers";
    int rc = copy_begin(k,
                        "COPY dossier (id, rev, procedure, version, agency, subject, channel, "
                        "state, outcome, clock, final, overdue, late, submitted, entered, due, "
                        "\"left\", finished, fee, wake, apology, data, applicant) FROM STDIN",
                        what);
    for (long i = 1; rc == 0 && i <= n; i++) {
        strings s;
        mc_dossier_row r;
        row_of(i, &s, &r);
        char *folded = NULL;
        size_t fn;
        if (mc_utf8_fold(r.applicant, strlen(r.applicant), &folded, &fn) != 0) {
            rc = mc_error_set(k->err, MC_ENOMEM, "out of memory");
            break;
        }
        char due[24], fin[24];
        rc = copy_line(k, what,
                       "%ld\t1\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%lld\t%lld\t%lld\t%s\t\\N\t"
                       "%s\t%lld\t\\N\t\\N\t%s\t%s\n",
                       i, r.procedure, r.version, r.agency, r.subject, r.channel, r.state,
                       r.outcome ? r.outcome : "\\N", r.clock, r.final ? 1 : 0, r.overdue ? 1 : 0,
                       (long long)r.late, (long long)r.submitted, (long long)r.entered,
                       num(r.due, due, sizeof due), num(r.finished, fin, sizeof fin),
                       (long long)r.fee, r.data, folded);
        mc_free(folded);
    }
    int end = copy_end(k, what);
    return rc != 0 ? rc : end;
}

/* The events, each dossier's submit, chained in its partition; the heads' last hashes into
 * heads (partition p at heads[p]). */
static int copy_events(copier *k, long n, unsigned char heads[][MC_HASH_BYTES], int64_t *pos)
{
    const char *what = "copying events";
    int rc = copy_begin(k,
                        "COPY event (seq, dossier, at, kind, actor, body, prev, hash, \"row\", "
                        "part, pos) FROM STDIN",
                        what);
    for (long i = 1; rc == 0 && i <= n; i++) {
        strings s;
        mc_dossier_row r;
        row_of(i, &s, &r);
        char json[1024], prev[2 * MC_HASH_BYTES + 1], hash[2 * MC_HASH_BYTES + 1];
        row_json(&r, json, sizeof json);
        mc_event_row ev = {.seq = i,
                           .dossier = i,
                           .at = r.submitted,
                           .kind = "submit",
                           .actor = "clerk",
                           .body = "{}",
                           .row = json};
        ev.part = mc_store_event_partition(i);
        ev.pos = ++pos[ev.part];
        memcpy(ev.prev, heads[ev.part], MC_HASH_BYTES);
        mc_store_event_hash(&ev, ev.hash);
        memcpy(heads[ev.part], ev.hash, MC_HASH_BYTES);
        hex(ev.prev, MC_HASH_BYTES, prev);
        hex(ev.hash, MC_HASH_BYTES, hash);
        rc = copy_line(
            k, what, "%ld\t%ld\t%lld\tsubmit\tclerk\t{}\t\\\\x%s\t\\\\x%s\t%s\t%lld\t%lld\n", i, i,
            (long long)ev.at, prev, hash, json, (long long)ev.part, (long long)ev.pos);
    }
    int end = copy_end(k, what);
    return rc != 0 ? rc : end;
}

/* The partitions' heads, as mc_store_event_append leaves them. */
static int put_heads(copier *k, unsigned char heads[][MC_HASH_BYTES], const int64_t *pos)
{
    for (int p = 1; p <= MC_STORE_PARTITIONS; p++) {
        if (pos[p] == 0) {
            continue;
        }
        char chain[32], seq[24]; /* room for any int: the compiler cannot see p <= 64 */
        snprintf(chain, sizeof chain, "%s.%02d", MC_CHAIN_EVENTS, p);
        snprintf(seq, sizeof seq, "%lld", (long long)pos[p]);
        const char *v[3] = {chain, seq, (const char *)heads[p]};
        int len[3] = {0, 0, MC_HASH_BYTES}, fmt[3] = {0, 0, 1};
        PGresult *r = PQexecParams(k->c,
                                   "INSERT INTO ledger_head (chain, seq, hash) VALUES ($1, $2, "
                                   "$3) ON CONFLICT (chain) DO UPDATE SET seq = EXCLUDED.seq, "
                                   "hash = EXCLUDED.hash",
                                   3, NULL, v, len, fmt, 0);
        int rc = PQresultStatus(r) == PGRES_COMMAND_OK
                     ? 0
                     : pg_fail(k, "saving the chains' heads", res_msg(r));
        PQclear(r);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* The n dossiers into the PostgreSQL store of conninfo, in one transaction, as `motcua store
 * copy` writes one (store/pg.c: Q_COPY_DOSSIER, Q_COPY_DONE): the tally's trigger off
 * (motcua.bulk), the tally counted once at the end, the sequences set past the last ids. The
 * store must be new (or empty): its schema is made by mc_store_open. */
static int put_pg(const char *conninfo, long n, mc_error *err)
{
    mc_store *st = NULL;
    int rc = mc_store_open(&st, conninfo, err);
    mc_store_close(st);
    if (rc != 0) {
        return rc;
    }
    copier k = {PQconnectdb(conninfo), malloc(COPY_CHUNK), 0, err};
    int64_t *pos = calloc(MC_STORE_PARTITIONS + 1, sizeof *pos);
    unsigned char(*heads)[MC_HASH_BYTES] = calloc(MC_STORE_PARTITIONS + 1, MC_HASH_BYTES);
    if (k.buf == NULL || pos == NULL || heads == NULL) {
        rc = mc_error_set(err, MC_ENOMEM, "out of memory");
    } else if (PQstatus(k.c) != CONNECTION_OK) {
        rc = pg_fail(&k, "connecting to PostgreSQL", PQerrorMessage(k.c));
    }
    long long any = 0;
    if (rc == 0) {
        rc = pg_exec(&k, "SET client_encoding = 'UTF8'", "connecting to PostgreSQL", NULL);
    }
    if (rc == 0) {
        rc = pg_exec(&k, "BEGIN", "beginning the transaction", NULL);
    }
    if (rc == 0) {
        rc = pg_exec(&k,
                     "SELECT (SELECT count(*) FROM (SELECT 1 FROM dossier LIMIT 1) d) + "
                     "(SELECT count(*) FROM (SELECT 1 FROM event LIMIT 1) e) + "
                     "(SELECT count(*) FROM ledger_head WHERE seq > 0)",
                     "reading the store", &any);
    }
    if (rc == 0 && any != 0) {
        rc = mc_error_set(err, MC_EUSAGE, "the store is not empty; give a new one");
    }
    if (rc == 0) {
        rc = pg_exec(&k, "SELECT set_config('motcua.bulk', 'on', true)",
                     "beginning the transaction", NULL);
    }
    if (rc == 0) {
        rc = copy_dossiers(&k, n);
    }
    if (rc == 0) {
        rc = copy_events(&k, n, heads, pos);
    }
    if (rc == 0) {
        rc = put_heads(&k, heads, pos);
    }
    if (rc == 0) {
        rc = pg_exec(&k,
                     "WITH t AS (INSERT INTO dossier_tally SELECT id % 16, coalesce(agency, ''), "
                     "procedure, state, final, overdue, count(*) FROM dossier GROUP BY 1, 2, 3, "
                     "4, 5, 6) SELECT setval('event_seq', (SELECT coalesce(max(seq), 0) + 1 FROM "
                     "event), false), setval('dossier_id', (SELECT coalesce(max(id), 0) + 1 FROM "
                     "dossier), false)",
                     "counting the dossiers", NULL);
    }
    if (rc == 0) {
        rc = pg_exec(&k, "COMMIT", "committing", NULL);
    }
    /* The planner's statistics, as autovacuum would gather them soon after. */
    if (rc == 0) {
        rc = pg_exec(&k, "ANALYZE dossier, event", "analysing the tables", NULL);
    }
    PQfinish(k.c);
    free(k.buf);
    free(pos);
    free(heads);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 3 || atol(argv[2]) <= 0) {
        fprintf(stderr, "usage: genqueue DB DOSSIERS\n");
        return 2;
    }
    long n = atol(argv[2]);
    mc_store *st = NULL;
    mc_error err;
    double t = now_s();
    bool server = mc_store_is_server(argv[1]);
    int rc = server ? put_pg(argv[1], n, &err) : mc_store_open(&st, argv[1], &err);
    for (long i = 1; !server && rc == 0 && i <= n;) {
        rc = mc_store_begin(st, &err);
        for (long k = 0; rc == 0 && k < BATCH && i <= n; k++, i++) {
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
