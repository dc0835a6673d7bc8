/* The store (store.h): dossier rows with revisions, the hashed event chain and its
 * verification (tampering, removal, relinking), records, request ids, schema versions and
 * errors of a read-only or unusable file. The cases on fresh stores run on SQLite and, with
 * MC_TEST_PG set (pgtest.h), on PostgreSQL; those on files tamper through SQLite itself. */
#include "testutil.h"
#include "pgtest.h"

#include "motcua/access.h"
#include "motcua/checkpoint.h"
#include "motcua/store.h"

#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static mc_dossier_row sample_row(void)
{
    mc_dossier_row r;
    memset(&r, 0, sizeof r);
    r.procedure = mc_strndup("birth", 5);
    r.version = mc_strndup("2025-07-01", 10);
    r.subject = mc_strndup("001234567890", 12);
    r.channel = mc_strndup("online", 6);
    r.state = mc_strndup("submitted", 9);
    r.clock = mc_strndup("stopped", 7);
    r.data = mc_strndup("{}", 2);
    r.late = -1;
    r.submitted = 1740967200;
    r.entered = 1740967200;
    r.due = r.left = r.finished = r.fee = r.wake = MC_NONE;
    return r;
}

static int append(mc_store *st, int64_t dossier, const char *kind, const char *body)
{
    mc_event_row ev;
    memset(&ev, 0, sizeof ev);
    ev.dossier = dossier;
    ev.at = 1740967200;
    ev.kind = kind;
    ev.actor = "clerk";
    ev.body = body;
    return mc_store_event_append(st, &ev, NULL);
}

static void test_store__dossier_round_trip_and_conflicts(void **state)
{
    (void)state;
    mc_store *st;
    assert_int_equal(mc_store_open(&st, tu_db(), NULL), 0);
    mc_dossier_row r = sample_row();
    assert_int_equal(mc_store_begin(st, NULL), 0);
    assert_int_equal(mc_store_dossier_insert(st, &r, NULL), 0);
    assert_int_equal(append(st, r.id, "submit", "{}"), 0);
    assert_int_equal(mc_store_commit(st, NULL), 0);
    assert_int_equal(r.id, 1);
    assert_int_equal(r.rev, 1);

    mc_dossier_row a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    assert_int_equal(mc_store_dossier_load(st, 1, &a, NULL), 0);
    assert_int_equal(mc_store_dossier_load(st, 1, &b, NULL), 0);
    assert_string_equal(a.subject, "001234567890");
    assert_int_equal(a.due, MC_NONE);
    assert_int_equal(a.late, -1);
    /* Two writers read revision 1; the second one's update is refused. */
    mc_free(a.state);
    a.state = mc_strndup("processing", 10);
    a.due = 1741021200;
    assert_int_equal(mc_store_begin(st, NULL), 0);
    assert_int_equal(mc_store_dossier_update(st, &a, NULL), 0);
    assert_int_equal(append(st, a.id, "fire", "{}"), 0);
    assert_int_equal(mc_store_commit(st, NULL), 0);
    assert_int_equal(a.rev, 2);
    mc_error err;
    assert_int_equal(mc_store_begin(st, NULL), 0);
    assert_int_equal(mc_store_dossier_update(st, &b, &err), MC_ECONFLICT);
    assert_string_equal(err.msg, "dossier 1 was changed by someone else meanwhile; try again");
    assert_string_equal(err.msg_code, "store.changed");
    assert_int_equal(err.nargs, 1);
    assert_string_equal(err.args, "1");
    mc_store_rollback(st);
    assert_int_equal(mc_store_dossier_load(st, 1, &b, NULL), 0);
    assert_string_equal(b.state, "processing");
    assert_int_equal(b.due, 1741021200);
    assert_int_equal(mc_store_dossier_load(st, 99, &b, &err), MC_ENOTFOUND);
    assert_string_equal(err.msg, "no dossier 99");
    mc_dossier_row_clear(&a);
    mc_dossier_row_clear(&b);
    mc_dossier_row_clear(&r);
    mc_store_close(st);
}

static void test_store__rollback_forgets_everything(void **state)
{
    (void)state;
    mc_store *st;
    assert_int_equal(mc_store_open(&st, tu_db(), NULL), 0);
    mc_dossier_row r = sample_row();
    assert_int_equal(mc_store_begin(st, NULL), 0);
    assert_int_equal(mc_store_dossier_insert(st, &r, NULL), 0);
    assert_int_equal(append(st, r.id, "submit", "{}"), 0);
    mc_store_rollback(st);
    mc_dossier_row x;
    memset(&x, 0, sizeof x);
    assert_int_equal(mc_store_dossier_load(st, r.id, &x, NULL), MC_ENOTFOUND);
    int64_t n;
    assert_int_equal(mc_store_verify(st, &n, NULL), 0);
    assert_int_equal(n, 0);
    mc_dossier_row_clear(&r);
    mc_store_close(st);
}

static char *tmp_path(const char *name)
{
    char *p = malloc(256);
    snprintf(p, 256, "/tmp/motcua-test-%d-%s.db", (int)getpid(), name);
    unlink(p);
    char wal[300];
    snprintf(wal, sizeof wal, "%s-wal", p);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", p);
    unlink(wal);
    return p;
}

/* A new file store at path with dossier 1 and n events of it (the first one its insert's). */
static void fill(const char *path, int n)
{
    mc_store *st;
    assert_int_equal(mc_store_open(&st, path, NULL), 0);
    mc_dossier_row r = sample_row();
    for (int i = 0; i < n; i++) {
        char body[64];
        snprintf(body, sizeof body, "{\"i\":%d}", i);
        assert_int_equal(mc_store_begin(st, NULL), 0);
        if (i == 0) {
            assert_int_equal(mc_store_dossier_insert(st, &r, NULL), 0);
        }
        assert_int_equal(append(st, 1, "fire", body), 0);
        assert_int_equal(mc_store_commit(st, NULL), 0);
    }
    mc_dossier_row_clear(&r);
    mc_store_close(st);
}

/* Runs sql on the file behind the store's back (as an attacker with the file would). */
static void tamper(const char *path, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        fail_msg("tamper: %s", msg);
    }
    sqlite3_close(db);
}

static void test_store__chain_verifies_and_names_the_altered_event(void **state)
{
    (void)state;
    char *path = tmp_path("tamper");
    fill(path, 5);
    mc_store *st;
    int64_t n;
    assert_int_equal(mc_store_open(&st, path, NULL), 0);
    assert_int_equal(mc_store_verify(st, &n, NULL), 0);
    assert_int_equal(n, 5);
    mc_store_close(st);

    /* The triggers refuse edits made through SQL... */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_not_equal(
        sqlite3_exec(db, "UPDATE event SET body = '{}' WHERE seq = 3", NULL, NULL, NULL),
        SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(db, "DELETE FROM event WHERE seq = 3", NULL, NULL, NULL),
                         SQLITE_OK);
    sqlite3_close(db);
    /* ...and verify finds edits made around them: one changed byte of one event. */
    tamper(path, "DROP TRIGGER event_no_update;"
                 "UPDATE event SET body = '{\"i\":7}' WHERE seq = 3;");
    mc_error err;
    assert_int_equal(mc_store_open(&st, path, NULL), 0);
    assert_int_equal(mc_store_verify(st, &n, &err), MC_ECHECK);
    assert_string_equal(err.msg, "event 3 (dossier 1, fire) was altered: its content does not "
                                 "match its hash");
    mc_store_close(st);
    free(path);
}

/* The events as read back, each with the hash mc_store_event_hash gives it. */
typedef struct hashed {
    int n, same;
    unsigned char other[MC_HASH_BYTES]; /* the last event's hash with another body */
    unsigned char moved[MC_HASH_BYTES]; /* and at another place of its partition */
    unsigned char hash[MC_HASH_BYTES];
} hashed;

static int rehash(void *ud, const mc_event_row *ev)
{
    hashed *h = ud;
    unsigned char out[MC_HASH_BYTES];
    mc_store_event_hash(ev, out);
    h->n++;
    h->same += memcmp(out, ev->hash, MC_HASH_BYTES) == 0;
    memcpy(h->hash, ev->hash, MC_HASH_BYTES);
    mc_event_row e = *ev;
    e.body = "{\"i\":1}";
    mc_store_event_hash(&e, h->other);
    e = *ev;
    e.pos++;
    mc_store_event_hash(&e, h->moved);
    return 0;
}

/* The hash a tool writing events in bulk gives each (tools/genqueue.c) is the one append gave
 * it, and changes with any of its content. */
static void test_store__event_hash_is_the_appended_one(void **state)
{
    (void)state;
    mc_store *st;
    assert_int_equal(mc_store_open(&st, tu_db(), NULL), 0);
    mc_dossier_row r = sample_row();
    assert_int_equal(mc_store_begin(st, NULL), 0);
    assert_int_equal(mc_store_dossier_insert(st, &r, NULL), 0);
    assert_int_equal(append(st, r.id, "submit", "{}"), 0);
    assert_int_equal(append(st, r.id, "fire", "{}"), 0);
    assert_int_equal(append(st, 0, "note", "{}"), 0);
    assert_int_equal(mc_store_commit(st, NULL), 0);
    hashed h = {0};
    assert_int_equal(mc_store_event_each(st, 0, rehash, &h, NULL), 0);
    assert_int_equal(h.n, 3);
    assert_int_equal(h.same, 3);
    assert_memory_not_equal(h.other, h.hash, MC_HASH_BYTES);
    assert_memory_not_equal(h.moved, h.hash, MC_HASH_BYTES);
    mc_dossier_row_clear(&r);
    mc_store_close(st);
}

static void test_store__verify_finds_a_removed_event(void **state)
{
    (void)state;
    char *path = tmp_path("removed");
    fill(path, 4);
    tamper(path, "DROP TRIGGER event_no_delete; DELETE FROM event WHERE seq = 2;");
    mc_store *st;
    mc_error err;
    assert_int_equal(mc_store_open(&st, path, NULL), 0);
    assert_int_equal(mc_store_verify(st, NULL, &err), MC_ECHECK);
    assert_string_equal(err.msg, "entry 2 of events.01 is missing: the chain jumps from 1 to 3");
    mc_store_close(st);
    /* Renumbering the rest does not hide it: the links no longer match. */
    tamper(path, "DROP TRIGGER event_no_update; UPDATE event SET pos = pos - 1 WHERE pos > 2;");
    assert_int_equal(mc_store_open(&st, path, NULL), 0);
    assert_int_equal(mc_store_verify(st, NULL, &err), MC_ECHECK);
    assert_string_equal(err.msg, "entry 2 of events.01 does not follow entry 1: its link to the "
                                 "chain was changed");
    mc_store_close(st);
    free(path);
}

static void test_store__verify_finds_removed_newest_events(void **state)
{
    (void)state;
    char *path = tmp_path("tail");
    fill(path, 4);
    tamper(path, "DROP TRIGGER event_no_delete; DELETE FROM event WHERE seq = 4;");
    mc_store *st;
    mc_error err;
    assert_int_equal(mc_store_open(&st, path, NULL), 0);
    assert_int_equal(mc_store_verify(st, NULL, &err), MC_ECHECK);
    assert_string_equal(err.msg, "chain events.01 ends at entry 3, but its head record is entry 4: "
                                 "entries were removed or replaced");
    mc_store_close(st);
    free(path);
}

static void test_store__records_and_requests(void **state)
{
    (void)state;
    mc_store *st;
    assert_int_equal(mc_store_open(&st, tu_db(), NULL), 0);
    char ref[64];
    assert_int_equal(mc_store_record_get(st, "civil-status", "marriage-certificate", "001234567890",
                                         ref, sizeof ref, NULL),
                     0);
    mc_record_row rec = {"civil-status", "marriage-certificate", "001234567890", "CS-2019-0042",
                         "2019-05-01"};
    assert_int_equal(mc_store_record_put(st, &rec, NULL), 0);
    assert_int_equal(mc_store_record_get(st, "civil-status", "marriage-certificate", "001234567890",
                                         ref, sizeof ref, NULL),
                     1);
    assert_string_equal(ref, "CS-2019-0042");
    char *result;
    assert_int_equal(mc_store_request_get(st, "req-1", &result, NULL), 0);
    assert_int_equal(mc_store_request_put(st, "req-1", "{\"dossier\":1}", NULL), 0);
    assert_int_equal(mc_store_request_get(st, "req-1", &result, NULL), 1);
    assert_string_equal(result, "{\"dossier\":1}");
    mc_free(result);
    mc_error err;
    assert_int_not_equal(mc_store_request_put(st, "req-1", "{}", &err), 0);
    mc_store_close(st);
}

/* The deliveries of schema version 11 (the outbox of results issued to live registries). */
typedef struct seen_deliveries {
    int n;
    int64_t id, attempts, next_at, delivered_at, dossier, created;
    char request_id[33], registry[32], party[32], error[64];
} seen_deliveries;

static int see_delivery(void *ud, const mc_delivery_row *d)
{
    seen_deliveries *s = ud;
    s->n++;
    s->id = d->id;
    s->attempts = d->attempts;
    s->next_at = d->next_at;
    s->delivered_at = d->delivered_at;
    s->dossier = d->dossier;
    s->created = d->created;
    snprintf(s->request_id, sizeof s->request_id, "%s", d->request_id);
    snprintf(s->registry, sizeof s->registry, "%s", d->registry);
    snprintf(s->party, sizeof s->party, "%s", d->party ? d->party : "");
    snprintf(s->error, sizeof s->error, "%s", d->last_error ? d->last_error : "");
    return 0;
}

static int see_pending(void *ud, const char *registry, int64_t n)
{
    char *out = ud;
    size_t len = strlen(out);
    snprintf(out + len, 128 - len, "%s=%lld;", registry, (long long)n);
    return 0;
}

static mc_delivery_row sample_delivery(void)
{
    mc_delivery_row d = {0};
    d.registry = "civil-status";
    d.document = "birth-certificate";
    d.subject = "001234567890";
    d.party = "applicant";
    d.reference = "MC-1";
    d.issued = "2025-07-01";
    d.dossier = 1;
    d.procedure = "birth-registration";
    d.agency = "ubnd-xa-a";
    d.created = 1751328000;
    return d;
}

/* Written with the transaction that issues it (gone when it is rolled back), due at once under
 * a request id of 32 hex kept across attempts; a failure counts and waits; an acknowledgement is
 * once; the counts by registry; the store verifies throughout and a copy keeps the rows. */
static void test_store__deliveries_outbox(void **state)
{
    (void)state;
    mc_store *st;
    mc_error err;
    assert_int_equal(mc_store_open(&st, tu_db(), NULL), 0);
    mc_delivery_row d = sample_delivery();
    assert_int_equal(mc_store_begin(st, NULL), 0);
    assert_int_equal(mc_store_delivery_add(st, &d, NULL), 0);
    mc_store_rollback(st);
    seen_deliveries seen = {0};
    assert_int_equal(mc_store_delivery_due(st, INT64_MAX, 0, see_delivery, &seen, NULL), 0);
    assert_int_equal(seen.n, 0);

    assert_int_equal(mc_store_begin(st, NULL), 0);
    assert_int_equal(mc_store_delivery_add(st, &d, NULL), 0);
    assert_int_equal(mc_store_commit(st, NULL), 0);
    assert_int_equal(strlen(d.request_id), 32);
    assert_int_equal(strspn(d.request_id, "0123456789abcdef"), 32);
    char first[33];
    memcpy(first, d.request_id, sizeof first);
    mc_delivery_row e = sample_delivery();
    e.registry = "business";
    e.party = NULL;
    assert_int_equal(mc_store_delivery_add(st, &e, NULL), 0); /* a transaction of its own */
    assert_string_not_equal(e.request_id, first);
    char pending[128] = "";
    assert_int_equal(mc_store_delivery_pending(st, see_pending, pending, NULL), 0);
    assert_string_equal(pending, "business=1;civil-status=1;");

    seen = (seen_deliveries){0};
    assert_int_equal(mc_store_delivery_due(st, 0, 1, see_delivery, &seen, NULL), 0);
    assert_int_equal(seen.n, 1);
    assert_int_equal(seen.id, d.id);
    assert_string_equal(seen.request_id, first);
    assert_string_equal(seen.party, "applicant");
    assert_int_equal(seen.dossier, 1);
    assert_int_equal(seen.created, 1751328000);
    assert_int_equal(seen.attempts, 0);
    assert_true(seen.delivered_at == MC_NONE);

    /* A failure: counted, its reason kept, not due before next_at, the same request id. */
    assert_int_equal(
        mc_store_delivery_failed(st, d.id, "civil-status answered HTTP 503", 100, NULL), 1);
    seen = (seen_deliveries){0};
    assert_int_equal(mc_store_delivery_due(st, 99, 0, see_delivery, &seen, NULL), 0);
    assert_int_equal(seen.n, 1); /* the other one */
    assert_string_equal(seen.registry, "business");
    seen = (seen_deliveries){0};
    assert_int_equal(mc_store_delivery_failed(st, e.id, "down", 200, NULL), 1);
    assert_int_equal(mc_store_delivery_due(st, 100, 0, see_delivery, &seen, NULL), 0);
    assert_int_equal(seen.n, 1);
    assert_int_equal(seen.id, d.id);
    assert_int_equal(seen.attempts, 1);
    assert_int_equal(seen.next_at, 100);
    assert_string_equal(seen.error, "civil-status answered HTTP 503");
    assert_string_equal(seen.request_id, first);
    assert_int_equal(mc_store_verify(st, NULL, NULL), 0); /* the bookkeeping is not chained */

    /* Acknowledged once: a second acknowledgement, or a failure after it, changes nothing. */
    const char *hash = "6c0f6a5e3c6d1f0b9e0a3d2f6c1b0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a39";
    assert_int_equal(mc_store_delivery_done(st, d.id, 150, hash, NULL), 1);
    assert_int_equal(mc_store_delivery_done(st, d.id, 160, hash, NULL), 0);
    assert_int_equal(mc_store_delivery_failed(st, d.id, "late", 300, NULL), 0);
    assert_int_equal(mc_store_delivery_done(st, 99, 160, hash, NULL), 0); /* no such one */
    assert_int_equal(mc_store_delivery_done(st, d.id, 160, NULL, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "store: an acknowledged delivery needs the answer's hash");
    pending[0] = '\0';
    assert_int_equal(mc_store_delivery_pending(st, see_pending, pending, NULL), 0);
    assert_string_equal(pending, "business=1;");
    seen = (seen_deliveries){0};
    assert_int_equal(mc_store_delivery_due(st, INT64_MAX, 0, see_delivery, &seen, NULL), 0);
    assert_int_equal(seen.n, 1);
    assert_int_equal(seen.id, e.id);
    assert_int_equal(mc_store_verify(st, NULL, NULL), 0);

    mc_delivery_row bad = sample_delivery();
    bad.subject = NULL;
    assert_int_equal(mc_store_delivery_add(st, &bad, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "store: a delivery needs a registry, a document and a subject");

    /* A copy keeps them as they are. */
    mc_store *dst;
    assert_int_equal(mc_store_open(&dst, tu_db(), NULL), 0);
    int64_t rows = 0;
    assert_int_equal(mc_store_copy(st, dst, &rows, &err), 0);
    seen = (seen_deliveries){0};
    assert_int_equal(mc_store_delivery_due(dst, INT64_MAX, 0, see_delivery, &seen, NULL), 0);
    assert_int_equal(seen.n, 1);
    assert_int_equal(seen.attempts, 1);
    assert_string_equal(seen.error, "down");
    assert_int_equal(mc_store_delivery_done(dst, d.id, 170, hash, NULL), 0); /* done before */
    mc_store_close(dst);
    mc_store_close(st);
}

/* verify finds a delivery changed, added, removed or acknowledged behind the store's back; the
 * sender's bookkeeping (attempts, next_at, last_error) is not chained. */
static void test_store__verify_finds_deliveries_tampered(void **state)
{
    (void)state;
    static const struct {
        const char *sql, *finding;
    } cases[] = {
        {"UPDATE delivery SET attempts = 9, next_at = 5, last_error = 'x'", NULL},
        {"UPDATE delivery SET reference = 'MC-2'", "delivery 1 differs from its chain"},
        {"UPDATE delivery SET request_id = '00000000000000000000000000000000'",
         "delivery 1 differs from its chain"},
        {"UPDATE delivery SET delivered_at = 5, answer_hash = 'ab'",
         "delivery 1: its acknowledgement differs from its chain"},
        {"INSERT INTO delivery (id, request_id, registry, document, subject, dossier, created, "
         "attempts, next_at) VALUES (2, 'r', 'civil-status', 'd', 's', 1, 0, 0, 0)",
         "delivery 2 is not in the deliveries chain: it was written behind the store's back"},
        {"DELETE FROM delivery", "delivery 1 is gone, but the deliveries chain has it"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *path = tmp_path("deliveries");
        mc_store *st;
        assert_int_equal(mc_store_open(&st, path, NULL), 0);
        mc_delivery_row d = sample_delivery();
        assert_int_equal(mc_store_delivery_add(st, &d, NULL), 0);
        assert_int_equal(mc_store_verify(st, NULL, NULL), 0);
        mc_store_close(st);
        tamper(path, cases[i].sql);
        mc_error err;
        assert_int_equal(mc_store_open(&st, path, NULL), 0);
        int rc = mc_store_verify(st, NULL, &err);
        if (cases[i].finding == NULL) {
            assert_int_equal(rc, 0);
        } else {
            assert_int_equal(rc, MC_ECHECK);
            assert_string_equal(err.msg, cases[i].finding);
        }
        mc_store_close(st);
        unlink(path);
        free(path);
    }
}

/* The procedure texts of schema version 8: put once per hash (a second put of the hash keeps
 * the first text: the hash names it), got back whole; an unknown hash is 0; a put in a
 * transaction rolled back is not kept. */
static void test_store__procedure_texts(void **state)
{
    (void)state;
    mc_store *st;
    assert_int_equal(mc_store_open(&st, tu_db(), NULL), 0);
    mc_text_row got;
    assert_int_equal(mc_store_text_get(st, "abc", &got, NULL), 0);
    assert_null(got.text);
    assert_int_equal(mc_store_text_put(st, "abc", "birth", "2025-07-01",
                                       "procedure birth { }\nlifecycle l { }\n", NULL),
                     0);
    assert_int_equal(mc_store_text_put(st, "abc", "birth", "2025-07-01", "another text", NULL), 0);
    assert_int_equal(mc_store_text_get(st, "abc", &got, NULL), 1);
    assert_string_equal(got.hash, "abc");
    assert_string_equal(got.procedure, "birth");
    assert_string_equal(got.version, "2025-07-01");
    assert_string_equal(got.text, "procedure birth { }\nlifecycle l { }\n");
    mc_text_row_clear(&got);
    assert_null(got.text);
    assert_int_equal(mc_store_begin(st, NULL), 0);
    assert_int_equal(mc_store_text_put(st, "def", "death", "", "procedure death { }\n", NULL), 0);
    assert_int_equal(mc_store_text_get(st, "def", &got, NULL), 1);
    mc_text_row_clear(&got);
    mc_store_rollback(st);
    assert_int_equal(mc_store_text_get(st, "def", &got, NULL), 0);
    mc_store_close(st);
}

typedef struct gates {
    int entered, left;
} gates;

static void gate_in(void *ud)
{
    ((gates *)ud)->entered++;
}

static void gate_out(void *ud)
{
    ((gates *)ud)->left++;
}

/* An optimistic transaction reads without the lock; when another writer committed since its
 * snapshot, its first write is MC_ERETRY and nothing of it is kept; the gate is entered at that
 * write (not before), kept through the rollback into the second run, and left at its end. */
static void test_store__optimistic_transactions_retry_after_another_writer(void **state)
{
    (void)state;
    char path[600]; /* a file, or on PostgreSQL one schema both stores open */
    snprintf(path, sizeof path, "/tmp/motcua-opt-%d.db", (int)getpid());
    if (tu_pg()) {
        snprintf(path, sizeof path, "%s", tu_db());
    }
    unlink(path);
    mc_store *a, *b;
    assert_int_equal(mc_store_open(&a, path, NULL), 0);
    assert_int_equal(mc_store_open(&b, path, NULL), 0);
    gates ga = {0, 0}, gb = {0, 0};
    mc_store_set_gate(a, gate_in, gate_out, &ga);
    mc_store_set_gate(b, gate_in, gate_out, &gb);
    /* r1 and r2 are about one person: their entries go to one partition of the records chain,
     * whose head both writers need (on PostgreSQL, writers of different partitions do not meet
     * at all: test_store__writers_of_other_partitions_do_not_wait). */
    mc_record_row r1 = {"civil-status", "marriage-certificate", "002", "R-1", "2019-05-01"};
    mc_record_row r2 = {"civil-status", "birth-certificate", "002", "R-2", "2019-05-01"};
    char ref[64];
    /* a reads a snapshot; b writes and commits meanwhile; a's write must not go through. */
    assert_int_equal(mc_store_begin_optimistic(a, NULL), 0);
    assert_int_equal(
        mc_store_record_get(a, "civil-status", "birth-certificate", "002", ref, sizeof ref, NULL),
        0);
    assert_int_equal(ga.entered, 0); /* reading takes no gate */
    assert_int_equal(mc_store_begin(b, NULL), 0);
    assert_int_equal(gb.entered, 1); /* a plain transaction takes it at once */
    assert_int_equal(mc_store_record_put(b, &r2, NULL), 0);
    assert_int_equal(mc_store_commit(b, NULL), 0);
    assert_int_equal(gb.left, 1);
    mc_error err;
    assert_int_equal(mc_store_record_put(a, &r1, &err), MC_ERETRY);
    assert_int_equal(ga.entered, 1);
    mc_store_rollback(a);
    assert_int_equal(ga.left, 0); /* the gate is kept for the second run */
    assert_int_equal(mc_store_record_get(a, "civil-status", "marriage-certificate", "002", ref,
                                         sizeof ref, NULL),
                     0);
    /* The second run, with the lock first: the write goes through, the gate was not queued for
     * again, and it is left at the end. */
    assert_int_equal(mc_store_begin(a, NULL), 0);
    assert_int_equal(mc_store_record_put(a, &r1, NULL), 0);
    assert_int_equal(mc_store_commit(a, NULL), 0);
    assert_int_equal(ga.entered, 1);
    assert_int_equal(ga.left, 1);
    /* An optimistic run with no one in the way takes the gate at its write and leaves it. */
    mc_record_row r3 = {"civil-status", "birth-certificate", "003", "R-3", "2019-05-01"};
    assert_int_equal(mc_store_begin_optimistic(a, NULL), 0);
    assert_int_equal(mc_store_record_put(a, &r3, NULL), 0);
    assert_int_equal(mc_store_commit(a, NULL), 0);
    assert_int_equal(ga.entered, 2);
    assert_int_equal(ga.left, 2);
    int64_t n;
    assert_int_equal(mc_store_verify(a, &n, NULL), 0);
    mc_store_close(a);
    mc_store_close(b);
    unlink(path);
    char extra[620];
    snprintf(extra, sizeof extra, "%s-wal", path);
    unlink(extra);
    snprintf(extra, sizeof extra, "%s-shm", path);
    unlink(extra);
}

static int count_rows(void *ud, const mc_dossier_row *row)
{
    (void)row;
    (*(int *)ud)++;
    return 0;
}

static int last_id(void *ud, const mc_dossier_row *row)
{
    *(int64_t *)ud = row->id;
    return 0;
}

static void test_store__filters(void **state)
{
    (void)state;
    mc_store *st;
    assert_int_equal(mc_store_open(&st, tu_db(), NULL), 0);
    for (int i = 0; i < 4; i++) {
        mc_dossier_row r = sample_row();
        r.overdue = i == 1;
        r.final = i == 3;
        r.wake = i == 2 ? 100 : MC_NONE;
        assert_int_equal(mc_store_begin(st, NULL), 0);
        assert_int_equal(mc_store_dossier_insert(st, &r, NULL), 0);
        assert_int_equal(append(st, r.id, "submit", "{}"), 0);
        assert_int_equal(mc_store_commit(st, NULL), 0);
        mc_dossier_row_clear(&r);
    }
    int n = 0;
    mc_dossier_filter f = MC_DOSSIER_FILTER_INIT;
    assert_int_equal(mc_store_dossier_each(st, &f, count_rows, &n, NULL), 0);
    assert_int_equal(n, 4);
    n = 0;
    f.overdue_only = true;
    assert_int_equal(mc_store_dossier_each(st, &f, count_rows, &n, NULL), 0);
    assert_int_equal(n, 1);
    n = 0;
    f.overdue_only = false;
    f.wake_before = 99;
    assert_int_equal(mc_store_dossier_each(st, &f, count_rows, &n, NULL), 0);
    assert_int_equal(n, 0);
    f.wake_before = 100;
    assert_int_equal(mc_store_dossier_each(st, &f, count_rows, &n, NULL), 0);
    assert_int_equal(n, 1);
    n = 0;
    f.wake_before = MC_NONE;
    f.open_only = true;
    f.state = "submitted";
    assert_int_equal(mc_store_dossier_each(st, &f, count_rows, &n, NULL), 0);
    assert_int_equal(n, 3);
    mc_store_close(st);
}

/* ---- the queue's pages (mc_store_dossier_page) ---- */

typedef struct page_seen {
    int64_t ids[16];
    int n;
    int64_t last_due;
    bool last_overdue;
} page_seen;

static int page_row(void *ud, const mc_dossier_row *row)
{
    page_seen *s = ud;
    if (s->n < 16) {
        s->ids[s->n++] = row->id;
    }
    s->last_due = row->due;
    s->last_overdue = row->overdue;
    return 0;
}

/* Nine dossiers: 1–3 with no due, 4–6 due at 300, 200, 100, 7 and 8 overdue (due 500 and 50),
 * 9 final. The queue's order: 8, 7, 6, 5, 4, 1, 2, 3 (9 only when asked). */
static void test_store__pages_in_the_queue_order(void **state)
{
    (void)state;
    mc_store *st;
    assert_int_equal(mc_store_open(&st, tu_db(), NULL), 0);
    const int64_t due[] = {MC_NONE, MC_NONE, MC_NONE, 300, 200, 100, 500, 50, MC_NONE};
    for (int i = 0; i < 9; i++) {
        mc_dossier_row r = sample_row();
        r.due = due[i];
        r.overdue = i == 6 || i == 7;
        r.final = i == 8;
        if (i == 4) {
            mc_free(r.subject);
            r.subject = mc_strndup("079000000005", 12);
        }
        assert_int_equal(mc_store_begin(st, NULL), 0);
        assert_int_equal(mc_store_dossier_insert(st, &r, NULL), 0);
        assert_int_equal(append(st, r.id, "submit", "{}"), 0);
        assert_int_equal(mc_store_commit(st, NULL), 0);
        mc_dossier_row_clear(&r);
    }
    const int64_t want[] = {8, 7, 6, 5, 4, 1, 2, 3};
    /* In pages of 3, each from the last row of the one before. */
    mc_dossier_page q = MC_DOSSIER_PAGE_INIT;
    q.limit = 3;
    int64_t got[16];
    int ngot = 0;
    for (int page = 0; page < 4; page++) {
        page_seen s = {.n = 0};
        assert_int_equal(mc_store_dossier_page(st, &q, page_row, &s, NULL), 0);
        assert_true(s.n <= 3);
        for (int i = 0; i < s.n && ngot < 16; i++) {
            got[ngot++] = s.ids[i];
        }
        if (s.n < 3) {
            break;
        }
        q.after_overdue = s.last_overdue;
        q.after_due = s.last_due;
        q.after_id = s.ids[s.n - 1];
    }
    assert_int_equal(ngot, 8);
    for (int i = 0; i < 8; i++) {
        assert_int_equal(got[i], want[i]);
    }
    /* Final only, overdue only, due before, a search by subject and by id. */
    mc_dossier_page f = MC_DOSSIER_PAGE_INIT;
    f.final = MC_FINAL_ONLY;
    page_seen s = {.n = 0};
    assert_int_equal(mc_store_dossier_page(st, &f, page_row, &s, NULL), 0);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.ids[0], 9);
    f.final = MC_FINAL_INCLUDE;
    f.overdue_only = true;
    s.n = 0;
    assert_int_equal(mc_store_dossier_page(st, &f, page_row, &s, NULL), 0);
    assert_int_equal(s.n, 2);
    f.overdue_only = false;
    f.due_before = 200;
    s.n = 0;
    assert_int_equal(mc_store_dossier_page(st, &f, page_row, &s, NULL), 0);
    assert_int_equal(s.n, 2); /* 8 (50) and 6 (100); 5 is due at 200, not before */
    assert_int_equal(s.ids[0], 8);
    assert_int_equal(s.ids[1], 6);
    f.due_before = MC_NONE;
    f.search = "079000000005";
    s.n = 0;
    assert_int_equal(mc_store_dossier_page(st, &f, page_row, &s, NULL), 0);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.ids[0], 5);
    f.search = "9";
    s.n = 0;
    assert_int_equal(mc_store_dossier_page(st, &f, page_row, &s, NULL), 0);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.ids[0], 9);
    f.search = "09";
    s.n = 0;
    assert_int_equal(mc_store_dossier_page(st, &f, page_row, &s, NULL), 0);
    assert_int_equal(s.n, 0); /* a leading zero: a subject, never dossier 9 */
    /* A page of no rows is a caller's mistake. */
    mc_error err;
    f.limit = 0;
    assert_int_equal(mc_store_dossier_page(st, &f, page_row, &s, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "store: a page needs a limit of 1 or more");
    mc_store_close(st);
}

static void test_store__schema_version_and_bad_files(void **state)
{
    (void)state;
    char *path = tmp_path("schema");
    fill(path, 1);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *s;
    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(s, 0), 12); /* the index of refusals */
    sqlite3_finalize(s);
    /* A dossier's refusals are counted from their index, not by reading each of its events. */
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "EXPLAIN QUERY PLAN SELECT count(*) FROM event WHERE "
                                        "dossier = 1 AND kind = 'blocked' AND json_extract(body, "
                                        "'$.reason') = 'once-only'",
                                        -1, &s, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_non_null(strstr((const char *)sqlite3_column_text(s, 3), "INDEX event_blocked"));
    sqlite3_finalize(s);
    sqlite3_close(db);
    /* A store from a newer motcua is refused, not damaged. */
    tamper(path, "PRAGMA user_version = 99");
    mc_store *st;
    mc_error err;
    assert_int_equal(mc_store_open(&st, path, &err), MC_EIO);
    assert_string_equal(err.msg, "store: schema version 99 is newer than this motcua (12); upgrade "
                                 "motcua");
    /* Not a database at all. */
    FILE *f = fopen(path, "wb");
    fputs("this is not a database, just text that is long enough to look like a header....\n", f);
    fclose(f);
    assert_int_equal(mc_store_open(&st, path, &err), MC_EIO);
    assert_non_null(strstr(err.msg, "file is not a database"));
    unlink(path);
    free(path);
    /* A folder that does not exist. */
    assert_int_equal(mc_store_open(&st, "/nonexistent/dir/motcua.db", &err), MC_EIO);
    assert_non_null(strstr(err.msg, "store: /nonexistent/dir/motcua.db: "));
    /* A device or a folder is not a store; before, SQLite took /dev/null for an empty database
     * and, as root, made it private (0600) for everyone. */
    struct stat before, after;
    assert_int_equal(stat("/dev/null", &before), 0);
    assert_int_equal(mc_store_open(&st, "/dev/null", &err), MC_EIO);
    assert_string_equal(err.msg, "store: /dev/null is not a regular file");
    assert_int_equal(mc_store_open_existing(&st, "/dev/null", &err), MC_EIO);
    assert_string_equal(err.msg, "store: /dev/null is not a regular file");
    assert_int_equal(stat("/dev/null", &after), 0);
    assert_int_equal(before.st_mode, after.st_mode);
    assert_int_equal(mc_store_open(&st, "/tmp", &err), MC_EIO);
    assert_string_equal(err.msg, "store: /tmp is not a regular file");
}

/* The PRAGMA user_version of the SQLite file at path, read with SQLite itself. */
static int user_version(const char *path)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    int v = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

/* This motcua's schema version, as a new store gets it. */
static int schema_now(void)
{
    mc_store *st;
    mc_store_migration m;
    assert_int_equal(mc_store_open_as_is(&st, ":memory:", &m, NULL), 0);
    mc_store_close(st);
    return m.to;
}

/* The event hash as schema versions 1 to 3 computed it (store.h), to write an old store. */
static void old_hash(const unsigned char prev[32], int64_t seq, int64_t dossier, int64_t at,
                     const char *const strs[3], unsigned char out[32])
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, 32);
    crypto_generichash_update(&h, prev, 32);
    int64_t nums[3] = {seq, dossier, at};
    unsigned char buf[8];
    for (int i = 0; i < 3; i++) {
        for (int k = 0; k < 8; k++) {
            buf[k] = (unsigned char)((uint64_t)nums[i] >> (8 * k));
        }
        crypto_generichash_update(&h, buf, 8);
    }
    for (int i = 0; i < 3; i++) {
        uint64_t n = strs[i] ? strlen(strs[i]) + 1 : 0;
        for (int k = 0; k < 8; k++) {
            buf[k] = (unsigned char)(n >> (8 * k));
        }
        crypto_generichash_update(&h, buf, 8);
        if (strs[i] != NULL) {
            crypto_generichash_update(&h, (const unsigned char *)strs[i], n - 1);
        }
    }
    crypto_generichash_final(&h, out, 32);
}

/* What a store of schema version 1 looked like, with dossier 1 (submitted, then received),
 * its two events, a registry record and a request id. */
static void old_store(const char *path)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    const char *schema =
        "CREATE TABLE dossier (id INTEGER PRIMARY KEY, rev INTEGER NOT NULL, procedure TEXT NOT "
        "NULL, version TEXT NOT NULL, agency TEXT, subject TEXT, channel TEXT NOT NULL, state "
        "TEXT NOT NULL, outcome TEXT, clock TEXT NOT NULL, final INTEGER NOT NULL, overdue "
        "INTEGER NOT NULL, late INTEGER NOT NULL, submitted INTEGER NOT NULL, entered INTEGER "
        "NOT NULL, due INTEGER, left INTEGER, finished INTEGER, fee INTEGER, wake INTEGER, "
        "apology TEXT, data TEXT NOT NULL);"
        "CREATE INDEX dossier_wake ON dossier(wake) WHERE wake IS NOT NULL;"
        "CREATE INDEX dossier_state ON dossier(state);"
        "CREATE TABLE event (seq INTEGER PRIMARY KEY, dossier INTEGER NOT NULL, at INTEGER NOT "
        "NULL, kind TEXT NOT NULL, actor TEXT, body TEXT NOT NULL, prev BLOB NOT NULL, hash "
        "BLOB NOT NULL);"
        "CREATE INDEX event_dossier ON event(dossier, seq);"
        "CREATE TRIGGER event_no_update BEFORE UPDATE ON event BEGIN SELECT RAISE(ABORT, "
        "'events are append-only'); END;"
        "CREATE TRIGGER event_no_delete BEFORE DELETE ON event BEGIN SELECT RAISE(ABORT, "
        "'events are append-only'); END;"
        "CREATE TABLE record (registry TEXT NOT NULL, document TEXT NOT NULL, subject TEXT NOT "
        "NULL, reference TEXT, issued TEXT, PRIMARY KEY (registry, document, subject));"
        "CREATE TABLE request (id TEXT PRIMARY KEY, result TEXT NOT NULL);"
        "INSERT INTO dossier VALUES (1, 2, 'birth', '2025-07-01', NULL, '001', 'online', "
        "'processing', NULL, 'running', 0, 0, -1, 100, 100, NULL, NULL, NULL, NULL, NULL, NULL, "
        "'{}');"
        "INSERT INTO record VALUES ('civil-status', 'marriage-certificate', '001', 'CS-1', "
        "'2019-05-01');"
        "INSERT INTO request VALUES ('portal-1', '{\"dossier\":1}');"
        "PRAGMA user_version = 1;";
    assert_int_equal(sqlite3_exec(db, schema, NULL, NULL, NULL), SQLITE_OK);
    const char *bodies[2] = {"{\"to\":\"submitted\"}", "{\"to\":\"processing\"}"};
    const char *kinds[2] = {"submit", "fire"};
    unsigned char prev[32] = {0}, hash[32];
    for (int i = 0; i < 2; i++) {
        const char *strs[3] = {kinds[i], "clerk", bodies[i]};
        old_hash(prev, i + 1, 1, 100, strs, hash);
        sqlite3_stmt *s;
        sqlite3_prepare_v2(db, "INSERT INTO event VALUES (?1, 1, 100, ?2, 'clerk', ?3, ?4, ?5)", -1,
                           &s, NULL);
        sqlite3_bind_int(s, 1, i + 1);
        sqlite3_bind_text(s, 2, kinds[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, bodies[i], -1, SQLITE_STATIC);
        sqlite3_bind_blob(s, 4, prev, 32, SQLITE_STATIC);
        sqlite3_bind_blob(s, 5, hash, 32, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(s), SQLITE_DONE);
        sqlite3_finalize(s);
        memcpy(prev, hash, 32);
    }
    sqlite3_close(db);
}

typedef struct findings {
    char text[4096];
} findings;

static int collect(void *ud, const char *msg)
{
    findings *f = ud;
    size_t n = strlen(f->text);
    snprintf(f->text + n, sizeof f->text - n, "%s\n", msg);
    return 0;
}

/* Issue 19: an older store is read without being migrated (verify on a snapshot in memory,
 * backup as it is), and an explicit migration that does not verify is rolled back. */
static void test_store__older_store_is_migrated_only_when_asked(void **state)
{
    (void)state;
    char *path = tmp_path("asked"), *copy = tmp_path("asked-copy");
    old_store(path);
    mc_error err;
    mc_store *st;
    mc_store_migration m;
    /* Verified as a migration would make it, in memory: the file stays at version 1. */
    assert_int_equal(mc_store_open_snapshot(&st, path, &m, &err), 0);
    assert_int_equal(m.from, 1);
    assert_int_equal(m.to, schema_now());
    int64_t nevents = 0;
    assert_int_equal(mc_store_verify(st, &nevents, &err), 0);
    assert_int_equal(nevents, 2);
    mc_store_close(st);
    assert_int_equal(user_version(path), 1);
    /* Backed up as it is: the copy is of version 1 too, and verified likewise. */
    assert_int_equal(mc_store_open_as_is(&st, path, &m, &err), 0);
    assert_int_equal(m.from, 1);
    assert_int_equal(mc_store_backup(st, copy, &nevents, &err), 0);
    assert_int_equal(nevents, 2);
    mc_store_close(st);
    assert_int_equal(user_version(path), 1);
    assert_int_equal(user_version(copy), 1);
    /* A migration whose store does not verify is rolled back: still version 1. */
    tamper(path, "DROP TRIGGER event_no_update; UPDATE event SET actor = 'mallory' WHERE seq = 2");
    assert_int_equal(mc_store_migrate(&st, path, &m, &err), MC_ECHECK);
    assert_null(st);
    assert_non_null(strstr(err.msg, "the migrated store does not verify: "));
    assert_int_equal(user_version(path), 1);
    /* The copy migrates, and a second migration finds nothing to do. */
    assert_int_equal(mc_store_migrate(NULL, copy, &m, &err), 0);
    assert_int_equal(m.from, 1);
    assert_int_equal(mc_store_migrate(&st, copy, &m, &err), 0);
    assert_int_equal(m.from, m.to);
    assert_int_equal(mc_store_verify(st, NULL, &err), 0);
    mc_store_close(st);
    /* A newer store is refused by every way in; so is a file that is no store. */
    tamper(copy, "PRAGMA user_version = 99");
    assert_int_equal(mc_store_migrate(NULL, copy, &m, &err), MC_EIO);
    assert_non_null(strstr(err.msg, "schema version 99 is newer than this motcua"));
    assert_int_equal(mc_store_open_as_is(&st, copy, &m, &err), MC_EIO);
    assert_int_equal(mc_store_open_snapshot(&st, copy, &m, &err), MC_EIO);
    FILE *f = fopen(copy, "wb");
    fputs("this is not a database, just text that is long enough to look like a header....\n", f);
    fclose(f);
    assert_int_equal(mc_store_migrate(NULL, copy, &m, &err), MC_ECHECK);
    assert_non_null(strstr(err.msg, "is not a motcua store"));
    unlink(path);
    unlink(copy);
    free(path);
    free(copy);
}

typedef struct migrate_oom {
    const char *path, *pristine;
    bool snapshot; /* verify on a snapshot in memory rather than migrate */
} migrate_oom;

/* The file at from copied to to, with stdio (not the library's allocator). */
static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    assert_non_null(in);
    assert_non_null(out);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
        assert_int_equal(fwrite(buf, 1, n, out), n);
    }
    fclose(in);
    assert_int_equal(fclose(out), 0);
}

static int migrate_attempt(void *ctx)
{
    migrate_oom *o = ctx;
    mc_error err;
    if (!o->snapshot) {
        return mc_store_migrate(NULL, o->path, NULL, &err);
    }
    mc_store *st;
    int rc = mc_store_open_snapshot(&st, o->path, NULL, &err);
    if (rc == 0) {
        rc = mc_store_verify(st, NULL, &err);
        mc_store_close(st);
    }
    return rc;
}

/* After each run: the store migrated whole and verifying, or left at version 1 (the snapshot:
 * always left); then the old store again for the next run. */
static void migrated_or_not(void *ctx, int rc)
{
    migrate_oom *o = ctx;
    if (rc != 0 || o->snapshot) {
        assert_int_equal(user_version(o->path), 1);
    } else {
        assert_int_equal(user_version(o->path), schema_now());
        mc_store *st;
        assert_int_equal(mc_store_open_existing(&st, o->path, NULL), 0);
        assert_int_equal(mc_store_verify(st, NULL, NULL), 0);
        mc_store_close(st);
    }
    copy_file(o->pristine, o->path);
}

/* Out of memory anywhere in a migration, or in the verify of an older store in memory: the
 * store is migrated whole or not at all, and the error is MC_ENOMEM. */
static void test_store__migration_out_of_memory_sweep(void **state)
{
    (void)state;
    char *path = tmp_path("moom"), *pristine = tmp_path("moom-pristine");
    old_store(pristine);
    copy_file(pristine, path);
    migrate_oom o = {path, pristine, false};
    assert_true(tu_oom_sweep_checked(migrate_attempt, migrated_or_not, &o, false) > 1000);
    o.snapshot = true;
    assert_true(tu_oom_sweep_checked(migrate_attempt, migrated_or_not, &o, false) > 1000);
    unlink(path);
    unlink(pristine);
    free(path);
    free(pristine);
}

static void test_store__migrates_an_older_store_forward(void **state)
{
    (void)state;
    char *path = tmp_path("migrate");
    old_store(path);
    mc_store *st;
    /* Opening does not migrate (issue 19): the store is refused and left at version 1. */
    mc_error err;
    assert_int_equal(mc_store_open(&st, path, &err), MC_ESCHEMA);
    char want[512];
    snprintf(want, sizeof want,
             "store: schema version 1 is older than this motcua (%d); run 'motcua migrate --db %s'",
             schema_now(), path);
    assert_string_equal(err.msg, want);
    assert_int_equal(user_version(path), 1);
    mc_store_migration m;
    assert_int_equal(mc_store_migrate(&st, path, &m, &err), 0);
    assert_int_equal(m.from, 1);
    assert_int_equal(m.to, schema_now());
    assert_int_equal(m.events, 2);
    assert_int_equal(m.entries, 2); /* the record and the request id entered their chains */
    assert_int_equal(user_version(path), schema_now());
    mc_ticket_row t = {
        1, "civil-status", "marriage-certificate", "001", "CS-1", "wrong date", "clerk", 100};
    assert_int_equal(mc_store_begin(st, NULL), 0);
    assert_int_equal(mc_store_ticket_put(st, &t, NULL), 0);
    assert_int_equal(mc_store_commit(st, NULL), 0);
    /* The old events keep their hashes; their dossier is checked by its state only; the
     * record and the request id entered their chains at the upgrade. */
    findings f = {""};
    mc_verify_stats vs;
    assert_int_equal(mc_store_check(st, collect, &f, &vs, NULL), 0);
    assert_string_equal(f.text, "");
    assert_int_equal(vs.events, 2);
    assert_int_equal(vs.legacy, 1);
    assert_int_equal(vs.dossiers, 0);
    assert_int_equal(vs.entries, 3);
    mc_store_close(st);
    /* From the upgrade on, a record changed behind the store's back shows. */
    tamper(path, "UPDATE record SET reference = 'CS-9'; UPDATE dossier SET state = 'approved'");
    assert_int_equal(mc_store_open(&st, path, NULL), 0);
    assert_int_equal(mc_store_check(st, collect, &f, &vs, NULL), 0);
    assert_string_equal(f.text, "dossier 1 is in state 'approved' but its events lead to "
                                "'processing'\n"
                                "registry record civil-status/marriage-certificate of 001: "
                                "reference is 'CS-9' but its chain says 'CS-1'\n");
    mc_store_close(st);
    unlink(path);
    free(path);
}

static void test_store__read_only_store_is_a_clear_error(void **state)
{
    (void)state;
    char *path = tmp_path("ro");
    fill(path, 1);
    char uri[300];
    snprintf(uri, sizeof uri, "file:%s?mode=ro", path);
    mc_store *st;
    mc_error err;
    if (mc_store_open(&st, uri, &err) != 0) {
        fail_msg("%s", err.msg);
    }
    int64_t n;
    assert_int_equal(mc_store_verify(st, &n, NULL), 0); /* reading works */
    assert_int_equal(n, 1);
    mc_dossier_row r = sample_row();
    int rc = mc_store_begin(st, &err);
    if (rc == 0) {
        rc = mc_store_dossier_insert(st, &r, &err);
        mc_store_rollback(st);
    }
    assert_int_equal(rc, MC_EIO);
    assert_string_equal(err.msg, "store: saving a dossier: the store is read-only");
    mc_dossier_row_clear(&r);
    mc_store_close(st);
    unlink(path);
    free(path);
}

/* A file store at path with dossier 1 (submitted, then processing with a due instant, a fee,
 * an agency and fields) and dossier 2 (submitted), one registry record, one request id and one
 * correction ticket. */
static void two_dossiers(const char *path)
{
    mc_store *st;
    assert_int_equal(mc_store_open(&st, path, NULL), 0);
    mc_dossier_row r = sample_row(), r2 = sample_row();
    assert_int_equal(mc_store_begin(st, NULL), 0);
    assert_int_equal(mc_store_dossier_insert(st, &r, NULL), 0);
    assert_int_equal(append(st, r.id, "submit", "{}"), 0);
    assert_int_equal(mc_store_commit(st, NULL), 0);
    assert_int_equal(mc_store_begin(st, NULL), 0);
    mc_free(r.state);
    mc_free(r.data);
    r.state = mc_strndup("processing", 10);
    r.agency = mc_strndup("ubnd-xa", 7);
    r.data = mc_strndup("{\"values\":{\"x\":\"1\"}}", 20);
    r.due = 1741021200;
    r.fee = 50000;
    assert_int_equal(mc_store_dossier_update(st, &r, NULL), 0);
    assert_int_equal(append(st, r.id, "fire", "{}"), 0);
    assert_int_equal(mc_store_dossier_insert(st, &r2, NULL), 0);
    assert_int_equal(append(st, r2.id, "submit", "{}"), 0);
    mc_record_row rec = {"civil-status", "marriage-certificate", "001234567890", "CS-1",
                         "2019-05-01"};
    assert_int_equal(mc_store_record_put(st, &rec, NULL), 0);
    assert_int_equal(mc_store_request_put(st, "portal-1", "{\"dossier\":1}", NULL), 0);
    mc_ticket_row t = {
        1,       "civil-status", "marriage-certificate", "001234567890", "CS-1", "wrong date",
        "clerk", 1740967300};
    assert_int_equal(mc_store_ticket_put(st, &t, NULL), 0);
    assert_int_equal(mc_store_commit(st, NULL), 0);
    mc_dossier_row_clear(&r);
    mc_dossier_row_clear(&r2);
    mc_store_close(st);
}

static void test_store__verify_rebuilds_every_row_from_its_chain(void **state)
{
    (void)state;
    static const struct {
        const char *sql, *findings;
    } cases[] = {
        {"SELECT 1", ""},
        {"UPDATE dossier SET subject = '079000000001' WHERE id = 1",
         "dossier 1: column subject is '079000000001' but its events say '001234567890'\n"},
        {"UPDATE dossier SET agency = 'other' WHERE id = 1",
         "dossier 1: column agency is 'other' but its events say 'ubnd-xa'\n"},
        {"UPDATE dossier SET data = '{}' WHERE id = 1",
         "dossier 1: column data is '{}' but its events say '{\"values\":{\"x\":\"1\"}}'\n"},
        {"UPDATE dossier SET due = NULL WHERE id = 1",
         "dossier 1: column due is empty but its events say 1741021200\n"},
        {"UPDATE dossier SET fee = 0", "dossier 1: column fee is 0 but its events say 50000\n"
                                       "dossier 2: column fee is 0 but its events say empty\n"},
        {"UPDATE dossier SET state = 'approved', final = 1 WHERE id = 2",
         "dossier 2: column state is 'approved' but its events say 'submitted'\n"
         "dossier 2: column final is 1 but its events say 0\n"},
        {"DELETE FROM dossier WHERE id = 2",
         "dossier 2 is gone, but 1 event records it: its row was deleted\n"},
        {"INSERT INTO dossier SELECT 3, rev, procedure, version, agency, subject, channel, state, "
         "outcome, clock, final, overdue, late, submitted, entered, due, left, finished, fee, "
         "wake, apology, data, applicant FROM dossier WHERE id = 2",
         "dossier 3 has no events: it was not written by motcua\n"},
        {"INSERT INTO record VALUES ('civil-status', 'marriage-certificate', '079', 'CS-X', "
         "'2020-01-01')",
         "registry record civil-status/marriage-certificate of 079 is not in the records chain: "
         "it was written behind the store's back\n"},
        {"UPDATE record SET issued = '2020-01-01'",
         "registry record civil-status/marriage-certificate of 001234567890: issued is "
         "'2020-01-01' but its chain says '2019-05-01'\n"},
        {"DELETE FROM record",
         "registry record civil-status/marriage-certificate of 001234567890 is gone, but the "
         "records chain has it\n"},
        {"UPDATE request SET result = '{\"dossier\":2}'",
         "request id 'portal-1': its stored result differs from its chain\n"},
        {"INSERT INTO request VALUES ('portal-2', '{}')",
         "request id 'portal-2' is not in the requests chain: it was written behind the store's "
         "back\n"},
        {"DROP TRIGGER ledger_no_update; UPDATE ledger SET body = replace(body, 'CS-1', 'CS-9') "
         "WHERE chain LIKE 'records.%'; UPDATE record SET reference = 'CS-9'",
         "entry 1 of records.12 was altered: its content does not match its hash\n"},
        {"DROP TRIGGER ledger_no_delete; DELETE FROM ledger WHERE chain LIKE 'requests.%'",
         "chain requests.57 ends at entry 0, but its head record is entry 1: entries were removed "
         "or replaced\n"
         "request id 'portal-1' is not in the requests chain: it was written behind the store's "
         "back\n"},
        {"DROP TRIGGER event_no_delete; DELETE FROM event; DELETE FROM ledger_head WHERE chain "
         "LIKE 'events.%'",
         "the store has 2 dossiers and no events: the event chain was wiped\n"},
        {"DROP TRIGGER event_no_delete; DROP TRIGGER ledger_no_delete; DELETE FROM event; "
         "DELETE FROM dossier; DELETE FROM record; DELETE FROM request; DELETE FROM ticket; "
         "DELETE FROM ledger",
         "chain events.01 ends at entry 0, but its head record is entry 2: entries were removed "
         "or replaced\n"
         "chain events.02 ends at entry 0, but its head record is entry 1: entries were removed "
         "or replaced\n"
         "chain records.12 ends at entry 0, but its head record is entry 1: entries were removed "
         "or replaced\n"
         "chain requests.57 ends at entry 0, but its head record is entry 1: entries were removed "
         "or replaced\n"
         "chain tickets.12 ends at entry 0, but its head record is entry 1: entries were removed "
         "or replaced\n"},
        {"UPDATE ticket SET reason = 'no reason'", "correction ticket 1 differs from its chain\n"},
        {"DELETE FROM ticket", "correction ticket 1 is gone, but the tickets chain has it\n"},
        {"INSERT INTO ticket SELECT 2, dossier, registry, document, subject, reference, reason, "
         "at, actor FROM ticket",
         "correction ticket 2 is not in the tickets chain: it was written behind the store's "
         "back\n"},
    };
    int failed = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *path = tmp_path("rows");
        two_dossiers(path);
        tamper(path, cases[i].sql);
        mc_store *st;
        assert_int_equal(mc_store_open(&st, path, NULL), 0);
        findings f = {""};
        mc_verify_stats vs;
        assert_int_equal(mc_store_check(st, collect, &f, &vs, NULL), 0);
        if (strcmp(f.text, cases[i].findings) != 0) {
            print_message("case %zu (%s):\n got: %s\nwant: %s", i, cases[i].sql, f.text,
                          cases[i].findings);
            failed++;
        }
        if (i == 0) {
            assert_int_equal(vs.events, 3);
            assert_int_equal(vs.dossiers, 2);
            assert_int_equal(vs.legacy, 0);
            assert_int_equal(vs.entries, 3);
        }
        int64_t n;
        mc_error err;
        assert_int_equal(mc_store_verify(st, &n, &err), cases[i].findings[0] ? MC_ECHECK : 0);
        mc_store_close(st);
        unlink(path);
        free(path);
    }
    assert_int_equal(failed, 0);
}

static int row_of(void *ud, const mc_event_row *ev)
{
    char *out = ud;
    size_t n = strlen(out);
    snprintf(out + n, 512 - n, "%s\n", ev->row ? ev->row : "NULL");
    return 0;
}

static void test_store__a_row_change_without_an_event_is_not_saved(void **state)
{
    (void)state;
    mc_store *st;
    assert_int_equal(mc_store_open(&st, tu_db(), NULL), 0);
    mc_dossier_row r = sample_row();
    mc_error err;
    /* Outside a transaction a dossier is not written at all. */
    assert_int_equal(mc_store_dossier_insert(st, &r, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "store: a dossier is written only in a transaction");
    assert_int_equal(mc_store_begin(st, NULL), 0);
    assert_int_equal(mc_store_dossier_insert(st, &r, NULL), 0);
    assert_int_equal(mc_store_commit(st, &err), MC_EINTERNAL);
    assert_string_equal(err.msg,
                        "store: dossier 1 was changed without an event; nothing was saved");
    mc_dossier_row x;
    memset(&x, 0, sizeof x);
    assert_int_equal(mc_store_dossier_load(st, 1, &x, NULL), MC_ENOTFOUND);
    /* An event of another dossier does not carry it either. */
    r.id = 0;
    assert_int_equal(mc_store_begin(st, NULL), 0);
    assert_int_equal(mc_store_dossier_insert(st, &r, NULL), 0);
    assert_int_equal(append(st, 0, "registry-import", "{}"), 0);
    assert_int_equal(mc_store_commit(st, &err), MC_EINTERNAL);
    /* The event of the dossier carries every column of an insert, then only what changed. */
    r.id = 0;
    assert_int_equal(mc_store_begin(st, NULL), 0);
    assert_int_equal(mc_store_dossier_insert(st, &r, NULL), 0);
    assert_int_equal(append(st, r.id, "submit", "{}"), 0);
    mc_free(r.state);
    r.state = mc_strndup("processing", 10);
    assert_int_equal(mc_store_dossier_update(st, &r, NULL), 0);
    mc_event_row ev;
    memset(&ev, 0, sizeof ev);
    ev.dossier = r.id;
    ev.kind = "fire";
    ev.body = "{}";
    ev.row = "{\"state\":\"forged\"}"; /* ignored: the store decides */
    assert_int_equal(mc_store_event_append(st, &ev, NULL), 0);
    assert_int_equal(mc_store_commit(st, NULL), 0);
    char rows[512] = "";
    assert_int_equal(mc_store_event_each(st, r.id, row_of, rows, NULL), 0);
    assert_non_null(strstr(rows, "{\"state\":\"processing\"}\n"));
    assert_null(strstr(rows, "forged"));
    assert_int_equal(mc_store_verify(st, NULL, NULL), 0);
    mc_store_close(st);
    mc_dossier_row_clear(&r);
}

static void test_store__events_carry_the_columns_they_change(void **state)
{
    (void)state;
    char *path = tmp_path("carry");
    two_dossiers(path);
    mc_store *st;
    assert_int_equal(mc_store_open(&st, path, NULL), 0);
    char rows[512] = "";
    assert_int_equal(mc_store_event_each(st, 1, row_of, rows, NULL), 0);
    assert_string_equal(
        rows, "{\"agency\":null,\"apology\":null,\"channel\":\"online\",\"clock\":\"stopped\","
              "\"data\":\"{}\",\"due\":null,\"entered\":1740967200,\"fee\":null,\"final\":0,"
              "\"finished\":null,\"late\":-1,\"left\":null,\"outcome\":null,\"overdue\":0,"
              "\"procedure\":\"birth\",\"state\":\"submitted\",\"subject\":\"001234567890\","
              "\"submitted\":1740967200,\"version\":\"2025-07-01\",\"wake\":null}\n"
              "{\"agency\":\"ubnd-xa\",\"data\":\"{\\\"values\\\":{\\\"x\\\":\\\"1\\\"}}\","
              "\"due\":1741021200,\"fee\":50000,\"state\":\"processing\"}\n");
    mc_store_close(st);
    unlink(path);
    free(path);
}

typedef struct reads {
    char text[1024];
} reads;

static int read_one(void *ud, int64_t seq, const mc_access *a)
{
    reads *r = ud;
    size_t n = strlen(r->text);
    snprintf(r->text + n, sizeof r->text - n, "%lld %lld %s %s %lld %s %s\n", (long long)seq,
             (long long)a->at, a->actor, a->route, (long long)a->dossier,
             a->subject ? a->subject : "-", a->registry ? a->registry : "-");
    return 0;
}

static void test_store__the_access_log_records_reads_by_subject(void **state)
{
    (void)state;
    char *path = tmp_path("access");
    two_dossiers(path);
    mc_store *st;
    assert_int_equal(mc_store_open(&st, path, NULL), 0);
    mc_access a = {1741000000, "officer-1", "GET /api/dossiers/{id}", 1, NULL, NULL, NULL,
                   NULL,       NULL};
    assert_int_equal(mc_access_record(st, &a, NULL), 0);
    mc_access b = {1741000100, "registrar",    "GET /api/registries/records",
                   0,          "079000000001", "civil-status",
                   NULL,       NULL,           NULL};
    assert_int_equal(mc_access_record(st, &b, NULL), 0);
    mc_access c = {1741000200, "officer-2", "cli history", 2, NULL, NULL, NULL, NULL, NULL};
    assert_int_equal(mc_access_record(st, &c, NULL), 0);
    reads r = {""};
    assert_int_equal(mc_access_each(st, "001234567890", read_one, &r, NULL), 0);
    assert_string_equal(r.text, "1 1741000000 officer-1 GET /api/dossiers/{id} 1 001234567890 -\n"
                                "2 1741000200 officer-2 cli history 2 001234567890 -\n");
    memset(&r, 0, sizeof r);
    assert_int_equal(mc_access_each(st, "079000000001", read_one, &r, NULL), 0);
    assert_string_equal(r.text, "1 1741000100 registrar GET /api/registries/records 0 "
                                "079000000001 civil-status\n");
    /* Failure paths: an unknown dossier, a read without an actor; neither is logged. */
    mc_error err;
    mc_access bad = {1741000300, "officer-1", "cli show", 99, NULL, NULL, NULL, NULL, NULL};
    assert_int_equal(mc_access_record(st, &bad, &err), MC_ENOTFOUND);
    assert_string_equal(err.msg, "unknown dossier 99");
    bad.dossier = 1;
    bad.actor = NULL;
    assert_int_equal(mc_access_record(st, &bad, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "access log: a read needs an actor and a route");
    findings f = {""};
    mc_verify_stats vs;
    assert_int_equal(mc_store_check(st, collect, &f, &vs, NULL), 0);
    assert_string_equal(f.text, "");
    assert_int_equal(vs.entries, 6);
    mc_store_close(st);
    /* Erasing a read from the log shows. */
    tamper(path, "DROP TRIGGER ledger_no_delete; DELETE FROM ledger WHERE chain LIKE 'access.%' "
                 "AND subject = '001234567890' AND seq = 1");
    assert_int_equal(mc_store_open(&st, path, NULL), 0);
    assert_int_equal(mc_store_check(st, collect, &f, &vs, NULL), 0);
    assert_string_equal(f.text, "entry 1 of access.12 is missing: the chain jumps from 0 to 2\n");
    mc_store_close(st);
    unlink(path);
    free(path);
}

/* ---- out of memory ----------------------------------------------------------------------- */

typedef struct oom_store {
    mc_store *st;
    mc_dossier_row row;
} oom_store;

static const char note_body[] = "{\"note\":\"Gi\u1ea5y khai sinh \\\"b\u1ea3n sao\\\"\"}";

/* One operation's writes: a dossier and its event, in one transaction. */
static int write_dossier(mc_store *st, mc_dossier_row *row, mc_error *err)
{
    row->id = 0;
    row->rev = 0;
    int rc = mc_store_begin(st, err);
    if (rc == 0) {
        rc = mc_store_dossier_insert(st, row, err);
    }
    if (rc == 0) {
        mc_event_row ev;
        memset(&ev, 0, sizeof ev);
        ev.dossier = row->id;
        ev.at = 1740967200;
        ev.kind = "submit";
        ev.actor = "applicant";
        ev.body = note_body;
        rc = mc_store_event_append(st, &ev, err);
    }
    if (rc == 0) {
        rc = mc_store_commit(st, err);
    }
    if (rc != 0) {
        mc_store_rollback(st);
    }
    return rc;
}

/* Opens a store (SQLite's allocations included), writes, verifies and closes it. */
static int open_write_verify(void *ctx)
{
    oom_store *o = ctx;
    mc_store *st;
    mc_error err;
    int rc = mc_store_open(&st, tu_db(), &err);
    if (rc != 0) {
        return rc;
    }
    rc = write_dossier(st, &o->row, &err);
    int64_t n = 0;
    if (rc == 0) {
        rc = mc_store_verify(st, &n, &err);
    }
    if (rc == 0 && n != 1) {
        rc = MC_EINTERNAL;
    }
    mc_store_close(st);
    return rc;
}

static void test_store__out_of_memory_sweep(void **state)
{
    (void)state;
    oom_store o = {NULL, sample_row()};
    /* Hundreds of allocations: SQLite's go through the library's hook too (libpq's do not). */
    assert_true(tu_oom_sweep(open_write_verify, &o, false) > (tu_pg() ? 20 : 200));
    mc_dossier_row_clear(&o.row);
}

/* The outbox under failing allocations: a delivery added, acknowledged, the store verified. */
static int deliver_and_verify(void *ctx)
{
    (void)ctx;
    mc_store *st;
    mc_error err;
    int rc = mc_store_open(&st, tu_db(), &err);
    if (rc != 0) {
        return rc;
    }
    mc_delivery_row d = sample_delivery();
    rc = mc_store_delivery_add(st, &d, &err);
    if (rc == 0) {
        rc = mc_store_delivery_done(st, d.id, 150, "ab", &err);
        rc = rc == 1 ? 0 : rc == 0 ? MC_EINTERNAL : rc;
    }
    if (rc == 0) {
        rc = mc_store_verify(st, NULL, &err);
    }
    mc_store_close(st);
    return rc;
}

static void test_store__deliveries_out_of_memory_sweep(void **state)
{
    (void)state;
    assert_true(tu_oom_sweep(deliver_and_verify, NULL, false) > (tu_pg() ? 10 : 100));
}

/* A write into a new store (opened with allocations that never fail: the sweep is over the
 * write); nothing_or_everything inspects and closes it. */
static int write_only(void *ctx)
{
    oom_store *o = ctx;
    tu_benign_begin();
    int rc = mc_store_open(&o->st, tu_db(), NULL);
    tu_benign_end();
    assert_int_equal(rc, 0);
    return write_dossier(o->st, &o->row, NULL);
}

static int keep_body(void *ud, const mc_event_row *ev)
{
    char **body = ud;
    free(*body);
    *body = strdup(ev->body);
    return 0;
}

/* What a failed write left: nothing at all. What the write that succeeded left: all of it. */
static void nothing_or_everything(void *ctx, int rc)
{
    oom_store *o = ctx;
    int64_t n = -1;
    assert_int_equal(mc_store_verify(o->st, &n, NULL), 0);
    /* On PostgreSQL a failed submit may have spent an id of the sequence: the dossier is the
     * one there is, whatever its id. */
    int rows = 0;
    int64_t id = 0;
    mc_dossier_filter f = MC_DOSSIER_FILTER_INIT;
    assert_int_equal(mc_store_dossier_each(o->st, &f, last_id, &id, NULL), 0);
    assert_int_equal(mc_store_dossier_each(o->st, &f, count_rows, &rows, NULL), 0);
    if (rc != 0) {
        assert_int_equal(n, 0);
        assert_int_equal(rows, 0);
        mc_store_close(o->st);
        o->st = NULL;
        return;
    }
    assert_int_equal(n, 1);
    assert_int_equal(rows, 1);
    assert_true(tu_pg() || id == 1);
    mc_dossier_row got;
    memset(&got, 0, sizeof got);
    assert_int_equal(mc_store_dossier_load(o->st, id, &got, NULL), 0);
    assert_string_equal(got.subject, "001234567890");
    assert_string_equal(got.state, "submitted");
    assert_string_equal(got.data, "{}");
    mc_dossier_row_clear(&got);
    char *body = NULL;
    assert_int_equal(mc_store_event_each(o->st, id, keep_body, &body, NULL), 0);
    assert_string_equal(body, note_body);
    free(body);
    mc_store_close(o->st);
    o->st = NULL;
}

/* Under memory pressure a transaction saves all of its dossier and event or nothing: a bound
 * value whose copy failed is an error, never a NULL column. */
static void test_store__out_of_memory_saves_everything_or_nothing(void **state)
{
    (void)state;
    oom_store o = {NULL, sample_row()};
    assert_true(tu_oom_sweep_checked(write_only, nothing_or_everything, &o, false) > 20);
    mc_dossier_row_clear(&o.row);
}

/* --db chooses the backend: a path is SQLite, a postgresql:// URI or a libpq key=value string
 * PostgreSQL. A database that cannot be reached is one line, and never shows the connection
 * string (a password in it included). */
static void test_store__a_connection_string_opens_postgresql(void **state)
{
    (void)state;
    assert_true(mc_store_is_server("postgresql://motcua@db/motcua"));
    assert_true(mc_store_is_server("postgres://db/motcua"));
    assert_true(mc_store_is_server("host=/run/postgresql dbname=motcua"));
    assert_true(mc_store_is_server("service=motcua"));
    assert_false(mc_store_is_server("motcua.db"));
    assert_false(mc_store_is_server(":memory:"));
    assert_false(mc_store_is_server("file:motcua.db?mode=ro"));
    assert_false(mc_store_is_server("./name=x.db"));
    mc_store *st;
    mc_error err;
    assert_int_equal(mc_store_open(&st, "host=/nonexistent dbname=mc", &err), MC_EDOWN);
    assert_string_equal(err.msg, "store: cannot connect to the database: connection to server on "
                                 "socket \"/nonexistent/.s.PGSQL.5432\" failed: No such file or "
                                 "directory");
    assert_string_equal(err.msg_code, "store.unreachable");
    assert_string_equal(err.args, "connection to server on socket \"/nonexistent/.s.PGSQL.5432\" "
                                  "failed: No such file or directory");
    assert_int_equal(
        mc_store_open(&st, "postgresql://clerk:hunter2@127.0.0.1:1/mc?connect_timeout=2", &err),
        MC_EDOWN);
    assert_string_equal(err.msg, "store: cannot connect to the database: connection to server at "
                                 "\"127.0.0.1\", port 1 failed: Connection refused");
    assert_null(strstr(err.msg, "hunter2"));
}

/* Runs sql on the PostgreSQL store target (a connection of its own); the command's status. */
static ExecStatusType pg_exec(const char *target, const char *sql)
{
    PGconn *c = PQconnectdb(target);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PGresult *r = PQexec(c, sql);
    ExecStatusType status = PQresultStatus(r);
    PQclear(r);
    PQfinish(c);
    return status;
}

/* On PostgreSQL: a store of a newer schema is refused; events and the ledger are append-only
 * there too. */
static void test_store__postgresql_schema_and_append_only(void **state)
{
    (void)state;
    char target[600];
    snprintf(target, sizeof target, "%s", tu_db());
    mc_store *st;
    assert_int_equal(mc_store_open(&st, target, NULL), 0);
    mc_dossier_row r = sample_row();
    assert_int_equal(mc_store_begin(st, NULL), 0);
    assert_int_equal(mc_store_dossier_insert(st, &r, NULL), 0);
    assert_int_equal(append(st, r.id, "submit", "{}"), 0);
    assert_int_equal(mc_store_commit(st, NULL), 0);
    mc_record_row rec = {"civil-status", "birth-certificate", "001", "R-1", "2019-05-01"};
    assert_int_equal(mc_store_record_put(st, &rec, NULL), 0);
    mc_store_close(st);
    assert_int_equal(pg_exec(target, "UPDATE event SET body = '{}'"), PGRES_FATAL_ERROR);
    assert_int_equal(pg_exec(target, "DELETE FROM event"), PGRES_FATAL_ERROR);
    assert_int_equal(pg_exec(target, "DELETE FROM ledger"), PGRES_FATAL_ERROR);
    /* Changed behind the store's back: verify names it, as on SQLite. */
    assert_int_equal(pg_exec(target, "UPDATE dossier SET state = 'approved'"), PGRES_COMMAND_OK);
    assert_int_equal(mc_store_open(&st, target, NULL), 0);
    mc_error err;
    assert_int_equal(mc_store_verify(st, NULL, &err), MC_ECHECK);
    assert_string_equal(err.msg,
                        "dossier 1: column state is 'approved' but its events say 'submitted'");
    mc_store_close(st);
    assert_int_equal(pg_exec(target, "SELECT 'event_blocked'::regclass"), PGRES_TUPLES_OK);
    assert_int_equal(pg_exec(target, "UPDATE motcua_schema SET version = 99"), PGRES_COMMAND_OK);
    assert_int_equal(mc_store_open(&st, target, &err), MC_EIO);
    assert_string_equal(err.msg, "store: schema version 99 is newer than this motcua (12); upgrade "
                                 "motcua");
    mc_dossier_row_clear(&r);
}

/* On PostgreSQL: the connection lost in the middle of an operation fails that operation with
 * one line, nothing of it is written, and the next operation connects again. */
static void test_store__postgresql_connection_lost_mid_operation(void **state)
{
    (void)state;
    char target[600];
    snprintf(target, sizeof target, "%s", tu_db());
    mc_store *st;
    assert_int_equal(mc_store_open(&st, target, NULL), 0);
    mc_dossier_row r = sample_row();
    assert_int_equal(mc_store_begin(st, NULL), 0);
    assert_int_equal(mc_store_dossier_insert(st, &r, NULL), 0);
    /* Every other connection to the database goes, the store's among them. */
    assert_int_equal(pg_exec(target, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                     "WHERE datname = current_database() AND pid <> "
                                     "pg_backend_pid()"),
                     PGRES_TUPLES_OK);
    mc_error err;
    assert_int_equal(append(st, r.id, "submit", "{}"), MC_EDOWN);
    mc_event_row ev;
    memset(&ev, 0, sizeof ev);
    ev.dossier = r.id;
    ev.kind = "submit";
    ev.body = "{}";
    assert_int_equal(mc_store_event_append(st, &ev, &err), MC_EDOWN);
    assert_string_equal(err.msg,
                        "store: reading a chain's head: the connection to the database was lost");
    assert_string_equal(err.msg_code, "store.lost");
    assert_string_equal(err.args, "reading a chain's head");
    mc_store_rollback(st);
    /* The next operation reconnects; the first left nothing. */
    int n = 0;
    mc_dossier_filter f = MC_DOSSIER_FILTER_INIT;
    assert_int_equal(mc_store_begin(st, NULL), 0);
    assert_int_equal(mc_store_dossier_each(st, &f, count_rows, &n, NULL), 0);
    assert_int_equal(n, 0);
    r.id = 0;
    assert_int_equal(mc_store_dossier_insert(st, &r, NULL), 0);
    assert_int_equal(append(st, r.id, "submit", "{}"), 0);
    assert_int_equal(mc_store_commit(st, NULL), 0);
    assert_true(r.id >= 1); /* the first insert, lost with its connection, may have spent id 1 */
    int64_t events;
    assert_int_equal(mc_store_verify(st, &events, NULL), 0);
    assert_int_equal(events, 1);
    mc_store_close(st);
    mc_dossier_row_clear(&r);
}

/* A store copied into a new one (SQLite to SQLite here, PostgreSQL to PostgreSQL in that pass;
 * tests/pg.sh copies between the two): every row and chain entry as it was, the same heads,
 * and the copy verifies. A destination that holds anything is refused. */
static void test_store__copy_keeps_every_row_and_chain(void **state)
{
    (void)state;
    mc_store *src, *dst;
    assert_int_equal(mc_store_open(&src, tu_db(), NULL), 0);
    mc_dossier_row r = sample_row();
    assert_int_equal(mc_store_begin(src, NULL), 0);
    assert_int_equal(mc_store_dossier_insert(src, &r, NULL), 0);
    assert_int_equal(append(src, r.id, "submit", "{}"), 0);
    mc_record_row rec = {"civil-status", "birth-certificate", "001234567890", "CS-1", "2019-05-01"};
    assert_int_equal(mc_store_record_put(src, &rec, NULL), 0);
    assert_int_equal(mc_store_request_put(src, "portal-1", "{\"dossier\":1}", NULL), 0);
    mc_ticket_row t = {1,       "civil-status", "birth-certificate", "001234567890", "CS-1",
                       "wrong", "clerk",        1740967300};
    assert_int_equal(mc_store_ticket_put(src, &t, NULL), 0);
    assert_int_equal(
        mc_store_text_put(src, "abc", "birth", "2025-07-01", "procedure birth { }\n", NULL), 0);
    assert_int_equal(mc_store_commit(src, NULL), 0);
    assert_int_equal(mc_store_ledger_append(src, MC_CHAIN_ACCESS, "001234567890", "{}", NULL), 0);
    assert_int_equal(mc_store_open(&dst, tu_db(), NULL), 0);
    int64_t rows = 0;
    mc_error err;
    assert_int_equal(mc_store_copy(src, dst, &rows, &err), 0);
    /* a dossier, an event, its partition's head, 4 chain entries and their 4 heads, a record,
     * a request id, a ticket, a procedure text (the heads of empty partitions are the
     * destination's own) */
    assert_int_equal(rows, 15);
    mc_text_row text;
    assert_int_equal(mc_store_text_get(dst, "abc", &text, NULL), 1);
    assert_string_equal(text.text, "procedure birth { }\n");
    mc_text_row_clear(&text);
    mc_chain_head *a, *b;
    size_t na, nb;
    assert_int_equal(mc_store_heads(src, &a, &na, NULL), 0);
    assert_int_equal(mc_store_heads(dst, &b, &nb, NULL), 0);
    assert_int_equal(na, 5); /* events.01, and one partition of each ledger chain */
    assert_int_equal(nb, na);
    assert_memory_equal(a, b, na * sizeof *a);
    mc_free(a);
    mc_free(b);
    mc_dossier_row x;
    memset(&x, 0, sizeof x);
    assert_int_equal(mc_store_dossier_load(dst, 1, &x, NULL), 0);
    assert_string_equal(x.subject, "001234567890");
    assert_int_equal(x.rev, 1);
    mc_dossier_row_clear(&x);
    char ref[16];
    assert_int_equal(mc_store_record_get(dst, "civil-status", "birth-certificate", "001234567890",
                                         ref, sizeof ref, NULL),
                     1);
    assert_string_equal(ref, "CS-1");
    /* The next dossier of the copy follows the copied ones. */
    r.id = 0;
    assert_int_equal(mc_store_begin(dst, NULL), 0);
    assert_int_equal(mc_store_dossier_insert(dst, &r, NULL), 0);
    assert_int_equal(append(dst, r.id, "submit", "{}"), 0);
    assert_int_equal(mc_store_commit(dst, NULL), 0);
    assert_int_equal(r.id, 2);
    assert_int_equal(mc_store_verify(dst, NULL, NULL), 0);
    /* Not into a store that holds anything. */
    assert_int_equal(mc_store_copy(src, dst, &rows, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "store: the destination is not empty; copy into a new store");
    mc_store_close(src);
    mc_store_close(dst);
    mc_dossier_row_clear(&r);
}

/* ---- partitions --------------------------------------------------------------------------- */

/* n dossiers (ids 1..n), each with its submit event, on st. */
static void dossiers(mc_store *st, int n)
{
    for (int i = 0; i < n; i++) {
        mc_dossier_row r = sample_row();
        assert_int_equal(mc_store_begin(st, NULL), 0);
        assert_int_equal(mc_store_dossier_insert(st, &r, NULL), 0);
        assert_int_equal(append(st, r.id, "submit", "{}"), 0);
        assert_int_equal(mc_store_commit(st, NULL), 0);
        mc_dossier_row_clear(&r);
    }
}

/* A transition of dossier id: its row and an event, in the open transaction. */
static int transition(mc_store *st, int64_t id, const char *to)
{
    mc_dossier_row r;
    memset(&r, 0, sizeof r);
    int rc = mc_store_dossier_load(st, id, &r, NULL);
    if (rc == 0) {
        mc_free(r.state);
        r.state = mc_strndup(to, strlen(to));
        rc = mc_store_dossier_update(st, &r, NULL);
    }
    if (rc == 0) {
        rc = append(st, id, "fire", "{}");
    }
    mc_dossier_row_clear(&r);
    return rc;
}

typedef struct waiter {
    mc_store *st;
    int64_t dossier;
    int rc;
    volatile bool done;
} waiter;

static void *write_and_commit(void *arg)
{
    waiter *w = arg;
    w->rc = mc_store_begin(w->st, NULL);
    if (w->rc == 0) {
        w->rc = transition(w->st, w->dossier, "received");
    }
    if (w->rc == 0) {
        w->rc = mc_store_commit(w->st, NULL);
    } else {
        mc_store_rollback(w->st);
    }
    w->done = true;
    return NULL;
}

/* On PostgreSQL a transaction locks only the partitions it appends to: while one holds dossier
 * 1's partition open, a write to dossier 2 (another partition) commits at once, and one to
 * dossier 65 (the same partition, events.01) waits until the first commits, then chains after
 * it. */
static void test_store__writers_of_other_partitions_do_not_wait(void **state)
{
    (void)state;
    char db[600];
    snprintf(db, sizeof db, "%s", tu_db());
    mc_store *a, *b;
    assert_int_equal(mc_store_open(&a, db, NULL), 0);
    assert_int_equal(mc_store_open(&b, db, NULL), 0);
    dossiers(a, 65);
    assert_int_equal(mc_store_event_partition(1), 1);
    assert_int_equal(mc_store_event_partition(2), 2);
    assert_int_equal(mc_store_event_partition(65), 1);
    assert_int_equal(mc_store_event_partition(0), 0);
    assert_int_equal(mc_store_begin(a, NULL), 0);
    assert_int_equal(transition(a, 1, "received"), 0);
    /* Another partition: b commits while a holds events.01. */
    waiter w = {b, 2, -1, false};
    write_and_commit(&w);
    assert_int_equal(w.rc, 0);
    /* The same partition: b waits for a. */
    pthread_t t;
    waiter same = {b, 65, -1, false};
    assert_int_equal(pthread_create(&t, NULL, write_and_commit, &same), 0);
    struct timespec pause = {0, 300 * 1000 * 1000};
    nanosleep(&pause, NULL);
    assert_false(same.done);
    assert_int_equal(mc_store_commit(a, NULL), 0);
    pthread_join(t, NULL);
    assert_int_equal(same.rc, 0);
    int64_t n;
    mc_error err;
    if (mc_store_verify(a, &n, &err) != 0) {
        fail_msg("%s", err.msg);
    }
    assert_int_equal(n, 68);
    mc_chain_head *h;
    size_t nh;
    assert_int_equal(mc_store_heads(a, &h, &nh, NULL), 0);
    assert_string_equal(h[0].name, "events.01");
    assert_int_equal(h[0].count, 4); /* dossiers 1 and 65: submit, submit, then a, then b */
    mc_free(h);
    mc_store_close(a);
    mc_store_close(b);
}

/* A dossier loaded in its write transaction is updated without waiting for an answer (sent with
 * its event and the COMMIT): the event still carries exactly the columns that changed, and a
 * row changed meanwhile behind the partition's lock fails the commit with the usual conflict,
 * nothing saved. */
static void test_store__an_update_sent_with_the_commit_is_checked(void **state)
{
    (void)state;
    char db[600];
    snprintf(db, sizeof db, "%s", tu_db());
    mc_store *st;
    assert_int_equal(mc_store_open(&st, db, NULL), 0);
    dossiers(st, 1);
    assert_int_equal(mc_store_begin(st, NULL), 0);
    assert_int_equal(transition(st, 1, "received"), 0);
    assert_int_equal(mc_store_commit(st, NULL), 0);
    int64_t n;
    mc_error err;
    if (mc_store_verify(st, &n, &err) != 0) {
        fail_msg("%s", err.msg);
    }
    assert_int_equal(n, 2);
    if (tu_pg()) {
        /* A writer that ignores the partition's lock changes the row after its load. */
        assert_int_equal(mc_store_begin(st, NULL), 0);
        mc_dossier_row r;
        memset(&r, 0, sizeof r);
        assert_int_equal(mc_store_dossier_load(st, 1, &r, NULL), 0);
        PGconn *c = PQconnectdb(db);
        PGresult *res = PQexec(c, "UPDATE dossier SET rev = rev + 1 WHERE id = 1");
        assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
        PQclear(res);
        PQfinish(c);
        mc_free(r.state);
        r.state = mc_strndup("approved", 8);
        assert_int_equal(mc_store_dossier_update(st, &r, NULL), 0); /* not sent yet */
        assert_int_equal(append(st, 1, "fire", "{}"), 0);
        assert_int_equal(mc_store_commit(st, &err), MC_ECONFLICT);
        assert_string_equal(err.msg, "dossier 1 was changed by someone else meanwhile; try again");
        mc_store_rollback(st);
        mc_dossier_row_clear(&r);
        assert_int_equal(mc_store_dossier_load(st, 1, &r, NULL), 0);
        assert_string_equal(r.state, "received");
        mc_dossier_row_clear(&r);
        assert_int_equal(mc_store_event_count(st, 1, NULL), 2);
    }
    mc_store_close(st);
}

typedef struct worker {
    const char *db;
    int n, retries;
    int rc;
} worker;

/* n operations, each a new dossier and two events, run again when concurrent writers meet. */
static void *many_writes(void *arg)
{
    worker *w = arg;
    mc_store *st;
    w->rc = mc_store_open(&st, w->db, NULL);
    for (int i = 0; w->rc == 0 && i < w->n; i++) {
        int rc;
        do {
            mc_dossier_row r = sample_row();
            rc = mc_store_begin(st, NULL);
            if (rc == 0) {
                rc = mc_store_dossier_insert(st, &r, NULL);
            }
            if (rc == 0) {
                rc = append(st, r.id, "submit", "{}");
            }
            if (rc == 0) {
                rc = append(st, 0, "import", "{}"); /* everyone's partition of no dossier */
            }
            if (rc == 0) {
                rc = mc_store_ledger_append(st, MC_CHAIN_ACCESS, r.subject, "{}", NULL);
            }
            if (rc == 0) {
                rc = mc_store_commit(st, NULL);
            } else {
                mc_store_rollback(st);
            }
            mc_dossier_row_clear(&r);
            w->retries += rc == MC_ERETRY || rc == MC_EBUSY;
        } while (rc == MC_ERETRY || rc == MC_EBUSY);
        w->rc = rc;
    }
    mc_store_close(st);
    return NULL;
}

/* Writers in threads, each on its own connection, on many dossiers at once: every operation
 * is kept once and the chains verify. */
static void test_store__concurrent_writers_leave_the_chains_whole(void **state)
{
    (void)state;
    char db[600];
    snprintf(db, sizeof db, "/tmp/motcua-conc-%d.db", (int)getpid());
    unlink(db);
    if (tu_pg()) {
        snprintf(db, sizeof db, "%s", tu_db());
    }
    enum { THREADS = 4, EACH = 25 };
    pthread_t t[THREADS];
    worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker){db, EACH, 0, -1};
        assert_int_equal(pthread_create(&t[i], NULL, many_writes, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].rc, 0);
    }
    mc_store *st;
    assert_int_equal(mc_store_open(&st, db, NULL), 0);
    mc_verify_stats vs;
    findings f = {""};
    assert_int_equal(mc_store_check(st, collect, &f, &vs, NULL), 0);
    assert_string_equal(f.text, "");
    assert_int_equal(vs.events, 2 * THREADS * EACH);
    assert_int_equal(vs.dossiers, THREADS * EACH);
    assert_int_equal(vs.entries, THREADS * EACH);
    mc_store_close(st);
    if (!tu_pg()) {
        unlink(db);
        char extra[620];
        snprintf(extra, sizeof extra, "%s-wal", db);
        unlink(extra);
        snprintf(extra, sizeof extra, "%s-shm", db);
        unlink(extra);
    }
}

/* What the partitions add to the attacks verify finds on its own. */
static void test_store__verify_finds_partitions_tampered(void **state)
{
    (void)state;
    static const struct {
        const char *sql, *findings;
    } cases[] = {
        {"SELECT 1", ""},
        /* an event moved into another partition, at the end of it, its head moved along */
        {"DROP TRIGGER event_no_update; UPDATE event SET part = 3, pos = 2 WHERE seq = 66; "
         "UPDATE ledger_head SET seq = 2, hash = (SELECT hash FROM event WHERE seq = 66) WHERE "
         "chain = 'events.03'; UPDATE ledger_head SET seq = 2, hash = (SELECT hash FROM event "
         "WHERE part = 1 AND pos = 2) WHERE chain = 'events.01'",
         "entry 2 of events.03 does not follow entry 1: its link to the chain was changed\n"
         "event 66 (dossier 65, fire) was altered: its content does not match its hash\n"
         "event 66 (dossier 65) is not in its dossier's chain events.01: it was moved\n"},
        /* a whole dossier, row and events, deleted: dossier 1's partition has dossier 65's */
        {"DROP TRIGGER event_no_delete; DELETE FROM event WHERE dossier = 1; DELETE FROM dossier "
         "WHERE id = 1",
         "entry 1 of events.01 is missing: the chain jumps from 0 to 2\n"},
        /* the same, of a dossier alone in its partition, its head record too: only a
         * checkpoint shows it (test_checkpoint) */
        {"DROP TRIGGER event_no_delete; DELETE FROM event WHERE dossier = 2; DELETE FROM dossier "
         "WHERE id = 2; UPDATE ledger_head SET seq = 0, hash = zeroblob(32) WHERE chain = "
         "'events.02'",
         ""},
        /* an entry of a ledger written into a chain that is none */
        {"INSERT INTO ledger SELECT 'access.99', seq, subject, body, prev, hash FROM ledger "
         "LIMIT 1",
         "the ledger has entries in 'access.99', which is no chain of the store: they were "
         "written behind its back\n"},
    };
    int failed = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *path = tmp_path("parts");
        mc_store *st;
        assert_int_equal(mc_store_open(&st, path, NULL), 0);
        dossiers(st, 65);
        assert_int_equal(mc_store_begin(st, NULL), 0);
        assert_int_equal(transition(st, 65, "received"), 0); /* seq 66, events.01 pos 3 */
        assert_int_equal(mc_store_commit(st, NULL), 0);
        assert_int_equal(mc_store_ledger_append(st, MC_CHAIN_ACCESS, "001", "{}", NULL), 0);
        mc_store_close(st);
        tamper(path, cases[i].sql);
        assert_int_equal(mc_store_open(&st, path, NULL), 0);
        findings f = {""};
        assert_int_equal(mc_store_check(st, collect, &f, NULL, NULL), 0);
        if (strcmp(f.text, cases[i].findings) != 0) {
            print_message("case %zu (%s):\n got: %s\nwant: %s", i, cases[i].sql, f.text,
                          cases[i].findings);
            failed++;
        }
        mc_store_close(st);
        unlink(path);
        free(path);
    }
    assert_int_equal(failed, 0);
}

/* A store from before partitions keeps its chain, frozen, verified as before; new events go
 * to partitions; a checkpoint signed before the upgrade (five chains) still proves the store
 * extends it, and finds the frozen chain rewritten. */
static void test_store__a_migrated_store_keeps_its_frozen_chain(void **state)
{
    (void)state;
    char *path = tmp_path("frozen");
    old_store(path);
    /* The checkpoint of the old store, as motcua made it before version 5. */
    unsigned char h1[32], h2[32], zeros[32] = {0};
    const char *s1[3] = {"submit", "clerk", "{\"to\":\"submitted\"}"};
    const char *s2[3] = {"fire", "clerk", "{\"to\":\"processing\"}"};
    old_hash(zeros, 1, 1, 100, s1, h1);
    old_hash(h1, 2, 1, 100, s2, h2);
    mc_chain_head old[5];
    memset(old, 0, sizeof old);
    const char *names[5] = {"access", "events", "records", "requests", "tickets"};
    for (int i = 0; i < 5; i++) {
        snprintf(old[i].name, sizeof old[i].name, "%s", names[i]);
    }
    old[1].count = 2;
    memcpy(old[1].hash, h2, 32);
    unsigned char pk[MC_PUBLIC_KEY_BYTES], sk[MC_SECRET_KEY_BYTES], digest[32];
    crypto_sign_keypair(pk, sk);
    mc_store_head_digest(old, 5, digest);
    char text[2048], hex[200];
    int len =
        snprintf(text, sizeof text, "motcua checkpoint v1\ntime 2025-01-01T00:00:00Z\nkey %s\n",
                 sodium_bin2hex(hex, sizeof hex, pk, sizeof pk));
    for (int i = 0; i < 5; i++) {
        len += snprintf(text + len, sizeof text - len, "chain %s %lld %s\n", old[i].name,
                        (long long)old[i].count, sodium_bin2hex(hex, sizeof hex, old[i].hash, 32));
    }
    len += snprintf(text + len, sizeof text - len, "head %s\n",
                    sodium_bin2hex(hex, sizeof hex, digest, 32));
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, NULL, (const unsigned char *)text, (unsigned long long)len, sk);
    snprintf(text + len, sizeof text - len, "signature %s\n",
             sodium_bin2hex(hex, sizeof hex, sig, sizeof sig));
    /* Upgraded, and written to: the new event goes to dossier 1's partition. */
    mc_store *st;
    assert_int_equal(mc_store_migrate(&st, path, NULL, NULL), 0);
    assert_int_equal(mc_store_begin(st, NULL), 0);
    mc_event_row ev;
    memset(&ev, 0, sizeof ev);
    ev.dossier = 1;
    ev.at = 200;
    ev.kind = "note";
    ev.body = "{}";
    assert_int_equal(mc_store_event_append(st, &ev, NULL), 0);
    assert_int_equal(mc_store_commit(st, NULL), 0);
    assert_int_equal(ev.seq, 3);
    assert_int_equal(ev.pos, 1);
    int64_t n;
    assert_int_equal(mc_store_verify(st, &n, NULL), 0);
    assert_int_equal(n, 3);
    mc_chain_head *h;
    size_t nh;
    assert_int_equal(mc_store_heads(st, &h, &nh, NULL), 0);
    assert_int_equal(nh, 4);
    assert_string_equal(h[0].name, "events");
    assert_int_equal(h[0].count, 2);
    assert_memory_equal(h[0].hash, h2, 32);
    assert_string_equal(h[1].name, "events.01");
    assert_string_equal(h[2].name, "records.20"); /* seeded at the upgrade */
    assert_string_equal(h[3].name, "requests.57");
    mc_free(h);
    findings f = {""};
    int64_t nf;
    assert_int_equal(mc_checkpoint_verify(st, text, pk, collect, &f, &nf, NULL, NULL), 0);
    assert_string_equal(f.text, "");
    mc_store_close(st);
    /* The frozen chain edited: verify names the event, as before partitions. */
    tamper(path, "DROP TRIGGER event_no_update; UPDATE event SET body = '{\"to\":\"approved\"}' "
                 "WHERE seq = 2; UPDATE dossier SET state = 'approved'");
    assert_int_equal(mc_store_open(&st, path, NULL), 0);
    assert_int_equal(mc_store_check(st, collect, &f, NULL, NULL), 0);
    assert_string_equal(f.text, "event 2 (dossier 1, fire) was altered: its content does not "
                                "match its hash\n");
    mc_store_close(st);
    /* ...and recomputed, with its head: only the old checkpoint shows it. */
    const char *s2b[3] = {"fire", "clerk", "{\"to\":\"approved\"}"};
    unsigned char h2b[32];
    old_hash(h1, 2, 1, 100, s2b, h2b);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *u;
    sqlite3_prepare_v2(db, "UPDATE event SET hash = ?1 WHERE seq = 2", -1, &u, NULL);
    sqlite3_bind_blob(u, 1, h2b, 32, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(u), SQLITE_DONE);
    sqlite3_finalize(u);
    sqlite3_prepare_v2(db, "UPDATE chain_head SET hash = ?1", -1, &u, NULL);
    sqlite3_bind_blob(u, 1, h2b, 32, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(u), SQLITE_DONE);
    sqlite3_finalize(u);
    sqlite3_close(db);
    assert_int_equal(mc_store_open(&st, path, NULL), 0);
    memset(&f, 0, sizeof f);
    assert_int_equal(mc_store_check(st, collect, &f, NULL, NULL), 0);
    assert_string_equal(f.text, "");
    assert_int_equal(mc_checkpoint_verify(st, text, pk, collect, &f, &nf, NULL, NULL), 0);
    assert_string_equal(f.text, "the events chain no longer leads to the head of the checkpoint "
                                "of 2025-01-01T00:00:00Z (entry 2 differs): it was rewritten or "
                                "recomputed\n");
    mc_store_close(st);
    unlink(path);
    free(path);
}

/* ---- backups and stores that must exist (mc_store_open_existing, mc_store_backup) ---- */

static int file_mode(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (int)(sb.st_mode & 0777) : -1;
}

static void test_store__open_existing_creates_and_changes_nothing(void **state)
{
    (void)state;
    char *path = tmp_path("existing");
    mc_store *st;
    mc_error err;
    char want[512];
    /* A path with no file: no store is created. */
    assert_int_equal(mc_store_open_existing(&st, path, &err), MC_EIO);
    snprintf(want, sizeof want, "%s: no such store", path);
    assert_string_equal(err.msg, want);
    assert_null(st);
    assert_int_equal(access(path, F_OK), -1);
    /* An empty file (what a cp of a new WAL store without its -wal file can be). */
    FILE *f = fopen(path, "wb");
    fclose(f);
    assert_int_equal(mc_store_open_existing(&st, path, &err), MC_ECHECK);
    snprintf(want, sizeof want,
             "%s is not a motcua store (no motcua schema; a copy made with cp without its -wal "
             "file looks like this: take backups with 'motcua backup')",
             path);
    assert_string_equal(err.msg, want);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_size, 0);
    /* Another program's SQLite file keeps its schema version 0. */
    tamper(path, "CREATE TABLE t (a)");
    assert_int_equal(mc_store_exists(path, &err), MC_ECHECK);
    assert_string_equal(err.msg, want);
    sqlite3 *db;
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master", -1, &s, NULL);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(s, 0), 1);
    sqlite3_finalize(s);
    sqlite3_close(db);
    /* Text. */
    f = fopen(path, "wb");
    fputs("this is not a database, just text that is long enough to look like a header....\n", f);
    fclose(f);
    assert_int_equal(mc_store_open_existing(&st, path, &err), MC_ECHECK);
    snprintf(want, sizeof want, "%s is not a motcua store (not a SQLite database)", path);
    assert_string_equal(err.msg, want);
    /* A store opens; so does ":memory:". */
    unlink(path);
    fill(path, 2);
    assert_int_equal(mc_store_open_existing(&st, path, &err), 0);
    mc_store_close(st);
    assert_int_equal(mc_store_open_existing(&st, ":memory:", &err), 0);
    mc_store_close(st);
    unlink(path);
    free(path);
}

static void test_store__a_new_store_is_private_whatever_the_umask(void **state)
{
    (void)state;
    char *path = tmp_path("private");
    mode_t old = umask(0);
    mc_store *st;
    int rc = mc_store_open(&st, path, NULL);
    umask(old);
    assert_int_equal(rc, 0);
    assert_int_equal(file_mode(path), 0600);
    mc_store_close(st);
    /* An existing file keeps its mode: the store is not made anew. */
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(mc_store_open(&st, path, NULL), 0);
    mc_store_close(st);
    assert_int_equal(file_mode(path), 0640);
    unlink(path);
    free(path);
}

static void test_store__backup_copies_verifies_and_never_overwrites(void **state)
{
    (void)state;
    char *src = tmp_path("bsrc"), *dst = tmp_path("bdst");
    fill(src, 3);
    mc_store *st;
    mc_error err;
    assert_int_equal(mc_store_open_existing(&st, src, &err), 0);
    mode_t old = umask(0);
    int64_t n = -1;
    int rc = mc_store_backup(st, dst, &n, &err);
    umask(old);
    assert_int_equal(rc, 0);
    assert_int_equal(n, 3);
    assert_int_equal(file_mode(dst), 0600);
    mc_store *copy;
    assert_int_equal(mc_store_open_existing(&copy, dst, &err), 0);
    assert_int_equal(mc_store_verify(copy, &n, &err), 0);
    assert_int_equal(n, 3);
    mc_store_close(copy);
    /* An existing destination is refused and left as it was. */
    struct stat before, after;
    assert_int_equal(stat(dst, &before), 0);
    assert_int_equal(mc_store_backup(st, dst, NULL, &err), MC_EIO);
    char want[512];
    snprintf(want, sizeof want, "backup: %s: File exists (nothing was overwritten)", dst);
    assert_string_equal(err.msg, want);
    assert_int_equal(stat(dst, &after), 0);
    assert_int_equal(before.st_size, after.st_size);
    assert_int_equal(before.st_mtime, after.st_mtime);
    /* A folder that does not exist. */
    assert_int_equal(mc_store_backup(st, "/nonexistent/dir/b.db", NULL, &err), MC_EIO);
    assert_string_equal(err.msg, "backup: /nonexistent/dir/b.db: No such file or directory");
    /* Not inside a transaction. */
    unlink(dst);
    assert_int_equal(mc_store_begin(st, NULL), 0);
    assert_int_equal(mc_store_backup(st, dst, NULL, &err), MC_EUSAGE);
    assert_string_equal(err.msg, "backup: a transaction is open on the store");
    mc_store_rollback(st);
    assert_int_equal(access(dst, F_OK), -1);
    mc_store_close(st);
    /* A store that does not verify gives a copy that does not: it is removed. */
    tamper(src, "DROP TRIGGER event_no_update; UPDATE event SET actor = 'mallory' WHERE seq = 2");
    assert_int_equal(mc_store_open_existing(&st, src, &err), 0);
    assert_int_equal(mc_store_backup(st, dst, NULL, &err), MC_ECHECK);
    assert_non_null(strstr(err.msg, "backup: the copy does not verify, so it was removed: "));
    assert_int_equal(access(dst, F_OK), -1);
    mc_store_close(st);
    unlink(src);
    free(src);
    free(dst);
}

typedef struct backup_oom {
    mc_store *st;
    const char *dst;
} backup_oom;

static int backup_attempt(void *ctx)
{
    backup_oom *o = ctx;
    mc_error err;
    return mc_store_backup(o->st, o->dst, NULL, &err);
}

/* After each run: a backup is whole (and verifies) or not there at all. */
static void backup_whole_or_none(void *ctx, int rc)
{
    backup_oom *o = ctx;
    if (rc != 0) {
        assert_int_equal(access(o->dst, F_OK), -1);
        return;
    }
    mc_store *copy;
    assert_int_equal(mc_store_open_existing(&copy, o->dst, NULL), 0);
    assert_int_equal(mc_store_verify(copy, NULL, NULL), 0);
    mc_store_close(copy);
    unlink(o->dst);
}

static void test_store__backup_out_of_memory_sweep(void **state)
{
    (void)state;
    char *src = tmp_path("osrc"), *dst = tmp_path("odst");
    fill(src, 2);
    backup_oom o = {NULL, dst};
    assert_int_equal(mc_store_open_existing(&o.st, src, NULL), 0);
    assert_true(tu_oom_sweep_checked(backup_attempt, backup_whole_or_none, &o, false) > 20);
    mc_store_close(o.st);
    unlink(src);
    free(src);
    free(dst);
}

/* ==== what an operator watches (/metrics) ================================================ */

/* A dossier of procedure in state, due at due (MC_NONE: no deadline). */
static int put_dossier_due(mc_store *st, const char *procedure, const char *state, bool final,
                           bool overdue, int64_t due)
{
    mc_dossier_row r = sample_row();
    r.due = due;
    mc_free(r.procedure);
    r.procedure = mc_strndup(procedure, strlen(procedure));
    mc_free(r.state);
    r.state = mc_strndup(state, strlen(state));
    r.final = final;
    r.overdue = overdue;
    int rc = mc_store_begin(st, NULL);
    rc = rc ? rc : mc_store_dossier_insert(st, &r, NULL);
    rc = rc ? rc : append(st, r.id, "submit", "{}");
    rc = rc ? rc : mc_store_commit(st, NULL);
    mc_dossier_row_clear(&r);
    return rc;
}

static int put_dossier(mc_store *st, const char *procedure, const char *state, bool final,
                       bool overdue)
{
    return put_dossier_due(st, procedure, state, final, overdue, MC_NONE);
}

typedef struct counted {
    char lines[8][96];
    size_t n;
    int stop_with; /* returned by the callback after the first pair, or 0 */
} counted;

static int count_pair(void *ud, const char *procedure, const char *state, int64_t open,
                      int64_t overdue)
{
    counted *c = ud;
    assert_true(c->n < 8);
    snprintf(c->lines[c->n++], sizeof c->lines[0], "%s %s %lld %lld", procedure, state,
             (long long)open, (long long)overdue);
    return c->stop_with;
}

static int count_due(void *ud, const char *procedure, int64_t open)
{
    counted *c = ud;
    assert_true(c->n < 8);
    snprintf(c->lines[c->n++], sizeof c->lines[0], "%s %lld", procedure, (long long)open);
    return c->stop_with;
}

/* ---- live registries' look-ups (issue 20) -------------------------------------------------- */

typedef struct looked {
    char lines[8][128];
    size_t n;
    int stop_with; /* returned by the callback after the first row, or 0 */
} looked;

static int count_lookup(void *ud, const mc_lookup_count *c)
{
    looked *l = ud;
    if (l->n < 8) {
        snprintf(l->lines[l->n], sizeof l->lines[0], "%s %s %lld %lld %lld %lld %lld", c->registry,
                 c->document, (long long)c->made, (long long)c->found, (long long)c->first,
                 (long long)c->last, (long long)c->unsent);
    }
    l->n++;
    return l->stop_with;
}

/* A look-up's proof as the engine writes it (onceonly.c, proof_of): the fields the count reads;
 * one the client sent carries its request id, one it never sent none (UNSENT). */
#define LOOKUP(reg, doc, outcome, at)                                                              \
    "{\"registry\":\"" reg "\",\"document\":\"" doc "\",\"outcome\":\"" outcome                    \
    "\",\"asked_at\":" #at ",\"answered_at\":" #at ",\"subject\":\"001234567890\","                \
    "\"request\":\"R-" #at "\"}"
#define UNSENT(reg, doc, at)                                                                       \
    "{\"registry\":\"" reg "\",\"document\":\"" doc                                                \
    "\",\"outcome\":\"unavailable\",\"asked_at\":" #at                                             \
    ",\"answered_at\":0,\"subject\":\"001234567890\",\"reason\":\"" reg                            \
    " cannot be asked: no endpoint configured\"}"

static void test_store__counts_live_lookups_by_registry_and_document(void **state)
{
    (void)state;
    mc_store *st;
    assert_int_equal(mc_store_open(&st, tu_db(), NULL), 0);
    looked l = {.n = 0};
    /* An empty store: no row at all. */
    assert_int_equal(mc_store_lookup_counts(st, INT64_MIN, INT64_MAX, count_lookup, &l, NULL), 0);
    assert_int_equal(l.n, 0);
    mc_dossier_row r = sample_row();
    assert_int_equal(mc_store_begin(st, NULL), 0);
    assert_int_equal(mc_store_dossier_insert(st, &r, NULL), 0);
    assert_int_equal(
        append(
            st, r.id, "submit",
            "{\"lookups\":[" LOOKUP("civil-status", "birth-certificate", "found", 1000) "," LOOKUP(
                "civil-status", "birth-certificate", "unavailable",
                1100) "," UNSENT("civil-status", "birth-certificate", 1200) "]}"),
        0);
    /* An operation that reused an answer (`reuse`) records no proof: nothing to count. A note
     * that says "lookups" is not one either. */
    assert_int_equal(append(st, r.id, "fire", "{\"note\":\"\\\"lookups\\\"\"}"), 0);
    assert_int_equal(
        append(st, r.id, "fire",
               "{\"lookups\":[" LOOKUP("civil-status", "birth-certificate", "not-found",
                                       2000) "," LOOKUP("land", "land-title", "found",
                                                        2100) "," LOOKUP("Zeta", "z-doc",
                                                                         "incomplete", 2200) "]}"),
        0);
    assert_int_equal(
        append(st, r.id, "fire",
               "{\"lookups\":[" LOOKUP("civil-status", "marriage-certificate", "found",
                                       3000) "," LOOKUP("civil-status", "birth-certificate",
                                                        "found", 3100) "]}"),
        0);
    assert_int_equal(mc_store_commit(st, NULL), 0);
    mc_dossier_row_clear(&r);
    /* Every look-up, in byte order (upper case first, whatever the server's locale). */
    assert_int_equal(mc_store_lookup_counts(st, INT64_MIN, INT64_MAX, count_lookup, &l, NULL), 0);
    assert_int_equal(l.n, 4);
    assert_string_equal(l.lines[0], "Zeta z-doc 1 0 2200 2200 0");
    assert_string_equal(l.lines[1], "civil-status birth-certificate 4 2 1000 3100 1");
    assert_string_equal(l.lines[2], "civil-status marriage-certificate 1 1 3000 3000 0");
    assert_string_equal(l.lines[3], "land land-title 1 1 2100 2100 0");
    /* A period: from included, to not. */
    l.n = 0;
    assert_int_equal(mc_store_lookup_counts(st, 1100, 3000, count_lookup, &l, NULL), 0);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.lines[0], "Zeta z-doc 1 0 2200 2200 0");
    assert_string_equal(l.lines[1], "civil-status birth-certificate 2 0 1100 2000 1");
    assert_string_equal(l.lines[2], "land land-title 1 1 2100 2100 0");
    /* A period with none: no row. */
    l.n = 0;
    assert_int_equal(mc_store_lookup_counts(st, 5000, 6000, count_lookup, &l, NULL), 0);
    assert_int_equal(l.n, 0);
    /* The callback stops the count with its code. */
    looked stop = {.n = 0, .stop_with = 7};
    assert_int_equal(mc_store_lookup_counts(st, INT64_MIN, INT64_MAX, count_lookup, &stop, NULL),
                     7);
    assert_int_equal(stop.n, 1);
    mc_store_close(st);
}

static void test_store__counts_open_dossiers_by_procedure_and_state(void **state)
{
    (void)state;
    mc_store *st;
    assert_int_equal(mc_store_open(&st, tu_db(), NULL), 0);
    counted c = {.n = 0};
    /* An empty store: no pair at all, not a pair of zeros. */
    assert_int_equal(mc_store_dossier_counts(st, count_pair, &c, NULL), 0);
    assert_int_equal(c.n, 0);
    assert_int_equal(put_dossier(st, "birth", "submitted", false, false), 0);
    assert_int_equal(put_dossier(st, "birth", "submitted", false, true), 0);
    assert_int_equal(put_dossier(st, "birth", "processing", false, true), 0);
    assert_int_equal(put_dossier(st, "birth", "issued", true, false), 0);
    assert_int_equal(put_dossier(st, "marriage", "refused", true, true), 0);
    assert_int_equal(put_dossier(st, "a-first", "submitted", false, false), 0);
    assert_int_equal(mc_store_dossier_counts(st, count_pair, &c, NULL), 0);
    /* Final dossiers are not counted, overdue or not; the pairs come in order. */
    assert_int_equal(c.n, 3);
    assert_string_equal(c.lines[0], "a-first submitted 1 0");
    assert_string_equal(c.lines[1], "birth processing 1 1");
    assert_string_equal(c.lines[2], "birth submitted 2 1");
    /* A pair whose last dossier moves on is no longer listed (its tally row stays, at 0). */
    mc_dossier_row r;
    memset(&r, 0, sizeof r);
    assert_int_equal(mc_store_begin(st, NULL), 0);
    assert_int_equal(mc_store_dossier_load(st, 3, &r, NULL), 0);
    assert_string_equal(r.state, "processing");
    mc_free(r.state);
    r.state = mc_strndup("issued", 6);
    r.final = true;
    assert_int_equal(mc_store_dossier_update(st, &r, NULL), 0);
    assert_int_equal(append(st, r.id, "fire", "{}"), 0);
    assert_int_equal(mc_store_commit(st, NULL), 0);
    mc_dossier_row_clear(&r);
    c.n = 0;
    assert_int_equal(mc_store_dossier_counts(st, count_pair, &c, NULL), 0);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.lines[0], "a-first submitted 1 0");
    assert_string_equal(c.lines[1], "birth submitted 2 1");
    /* The callback stops the count with its code. */
    counted stop = {.n = 0, .stop_with = 7};
    assert_int_equal(mc_store_dossier_counts(st, count_pair, &stop, NULL), 7);
    assert_int_equal(stop.n, 1);
    int64_t bytes = 0;
    assert_int_equal(mc_store_size(st, &bytes, NULL), 0);
    assert_true(bytes > 4096);
    mc_store_close(st);
}

/* The open dossiers due from an instant on (/metrics' deadlines past a calendar's years), by
 * procedure: the instant itself counts, an earlier deadline, none, or a final dossier does not. */
static void test_store__counts_open_dossiers_due_from_an_instant(void **state)
{
    (void)state;
    mc_store *st;
    assert_int_equal(mc_store_open(&st, tu_db(), NULL), 0);
    const int64_t y2027 = 1798736400; /* 2027-01-01 00:00 at UTC+7 */
    counted c = {.n = 0};
    assert_int_equal(mc_store_dossier_due_from(st, y2027, count_due, &c, NULL), 0);
    assert_int_equal(c.n, 0);
    assert_int_equal(put_dossier_due(st, "birth", "submitted", false, false, y2027 + 36000), 0);
    assert_int_equal(put_dossier_due(st, "birth", "processing", false, false, y2027), 0);
    assert_int_equal(put_dossier_due(st, "birth", "processing", false, false, y2027 - 1), 0);
    assert_int_equal(put_dossier_due(st, "birth", "issued", true, false, y2027 + 36000), 0);
    assert_int_equal(put_dossier_due(st, "marriage", "submitted", false, false, y2027 + 99), 0);
    assert_int_equal(put_dossier_due(st, "death", "submitted", false, false, MC_NONE), 0);
    assert_int_equal(mc_store_dossier_due_from(st, y2027, count_due, &c, NULL), 0);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.lines[0], "birth 2");
    assert_string_equal(c.lines[1], "marriage 1");
    /* A later instant leaves out what is due before it. */
    c.n = 0;
    assert_int_equal(mc_store_dossier_due_from(st, y2027 + 100, count_due, &c, NULL), 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.lines[0], "birth 1");
    /* The callback stops the count with its code. */
    counted stop = {.n = 0, .stop_with = 7};
    assert_int_equal(mc_store_dossier_due_from(st, y2027, count_due, &stop, NULL), 7);
    assert_int_equal(stop.n, 1);
    mc_store_close(st);
}

/* The count of open dossiers reads the tally the triggers keep, a few rows, not the dossiers:
 * a row put into the tally by hand shows in the count, and the dossiers' own rows do not. */
static void test_store__open_dossiers_are_counted_from_the_tally(void **state)
{
    (void)state;
    char *path = tmp_path("counts");
    mc_store *st;
    assert_int_equal(mc_store_open(&st, path, NULL), 0);
    assert_int_equal(put_dossier(st, "birth", "submitted", false, false), 0);
    mc_store_close(st);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO dossier_tally VALUES ('', 'ghost', 'waiting', 0, 1, 5);"
                                  "UPDATE dossier_tally SET n = 0 WHERE procedure = 'birth'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(mc_store_open(&st, path, NULL), 0);
    counted c = {.n = 0};
    assert_int_equal(mc_store_dossier_counts(st, count_pair, &c, NULL), 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.lines[0], "ghost waiting 5 5");
    mc_store_close(st);
    unlink(path);
    free(path);
}

static void *release_later(void *arg)
{
    struct timespec t = {0, 150 * 1000000L};
    nanosleep(&t, NULL);
    sqlite3_exec(arg, "ROLLBACK", NULL, NULL, NULL);
    return NULL;
}

/* A write that finds the file locked by another connection waits for it, and the wait is
 * counted once however many times the busy handler sleeps. */
static void test_store__waits_for_another_writer_are_counted(void **state)
{
    (void)state;
    char *path = tmp_path("busy");
    mc_store *st;
    assert_int_equal(mc_store_open(&st, path, NULL), 0);
    sqlite3 *other;
    assert_int_equal(sqlite3_open(path, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    mc_store_waits before, after;
    mc_store_waits_get(&before);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, release_later, other), 0);
    assert_int_equal(mc_store_begin(st, NULL), 0); /* waits ~150 ms, then has the lock */
    mc_store_rollback(st);
    pthread_join(t, NULL);
    mc_store_waits_get(&after);
    assert_int_equal(after.busy - before.busy, 1);
    assert_int_equal(after.timeouts, before.timeouts);
    assert_int_equal(after.conflicts, before.conflicts);
    sqlite3_close(other);
    mc_store_close(st);
    unlink(path);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store__dossier_round_trip_and_conflicts),
        cmocka_unit_test(test_store__rollback_forgets_everything),
        cmocka_unit_test(test_store__optimistic_transactions_retry_after_another_writer),
        cmocka_unit_test(test_store__chain_verifies_and_names_the_altered_event),
        cmocka_unit_test(test_store__event_hash_is_the_appended_one),
        cmocka_unit_test(test_store__verify_finds_a_removed_event),
        cmocka_unit_test(test_store__verify_finds_removed_newest_events),
        cmocka_unit_test(test_store__records_and_requests),
        cmocka_unit_test(test_store__deliveries_outbox),
        cmocka_unit_test(test_store__verify_finds_deliveries_tampered),
        cmocka_unit_test(test_store__deliveries_out_of_memory_sweep),
        cmocka_unit_test(test_store__filters),
        cmocka_unit_test(test_store__pages_in_the_queue_order),
        cmocka_unit_test(test_store__schema_version_and_bad_files),
        cmocka_unit_test(test_store__older_store_is_migrated_only_when_asked),
        cmocka_unit_test(test_store__migration_out_of_memory_sweep),
        cmocka_unit_test(test_store__migrates_an_older_store_forward),
        cmocka_unit_test(test_store__read_only_store_is_a_clear_error),
        cmocka_unit_test(test_store__verify_rebuilds_every_row_from_its_chain),
        cmocka_unit_test(test_store__a_row_change_without_an_event_is_not_saved),
        cmocka_unit_test(test_store__events_carry_the_columns_they_change),
        cmocka_unit_test(test_store__the_access_log_records_reads_by_subject),
        cmocka_unit_test(test_store__out_of_memory_sweep),
        cmocka_unit_test(test_store__out_of_memory_saves_everything_or_nothing),
        cmocka_unit_test(test_store__a_connection_string_opens_postgresql),
        cmocka_unit_test(test_store__copy_keeps_every_row_and_chain),
        cmocka_unit_test(test_store__concurrent_writers_leave_the_chains_whole),
        cmocka_unit_test(test_store__verify_finds_partitions_tampered),
        cmocka_unit_test(test_store__a_migrated_store_keeps_its_frozen_chain),
        cmocka_unit_test(test_store__open_existing_creates_and_changes_nothing),
        cmocka_unit_test(test_store__a_new_store_is_private_whatever_the_umask),
        cmocka_unit_test(test_store__backup_copies_verifies_and_never_overwrites),
        cmocka_unit_test(test_store__backup_out_of_memory_sweep),
        cmocka_unit_test(test_store__an_update_sent_with_the_commit_is_checked),
        cmocka_unit_test(test_store__counts_open_dossiers_by_procedure_and_state),
        cmocka_unit_test(test_store__counts_open_dossiers_due_from_an_instant),
        cmocka_unit_test(test_store__procedure_texts),
        cmocka_unit_test(test_store__counts_live_lookups_by_registry_and_document),
    };
    /* What only SQLite shows, in the pass without PostgreSQL: its query plan, its busy handler
     * (PostgreSQL's plan depends on its statistics; its conflicts are counted where pg.c
     * reports them). */
    const struct CMUnitTest sqlite_tests[] = {
        cmocka_unit_test(test_store__open_dossiers_are_counted_from_the_tally),
        cmocka_unit_test(test_store__waits_for_another_writer_are_counted),
    };
    /* What only a PostgreSQL server shows, in the pass that has one (MC_TEST_PG). */
    const struct CMUnitTest pg_tests[] = {
        cmocka_unit_test(test_store__postgresql_schema_and_append_only),
        cmocka_unit_test(test_store__postgresql_connection_lost_mid_operation),
        cmocka_unit_test(test_store__writers_of_other_partitions_do_not_wait),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    if (tu_pg()) {
        failed += cmocka_run_group_tests(pg_tests, NULL, NULL);
    } else {
        failed += cmocka_run_group_tests(sqlite_tests, NULL, NULL);
    }
    return failed;
}
