/*
 * The store's front (store.h): the public functions, the same on every backend. It chooses the
 * backend at mc_store_open from the --db string (backend.h: a file path is SQLite, a
 * postgresql:// URI or a libpq key=value string PostgreSQL) and keeps here, once, what does not
 * depend on the database: hashing and chaining, the dossier columns each event carries,
 * revision checks, the write gate, and verification with its messages. The backend stores and
 * fetches rows in transactions.
 */
#include "motcua/store.h"

#include "motcua/alloc.h"

#include "base/json.h"
#include "base/utf8.h"
#include "store/backend.h"

#include <jansson.h>
#include <pthread.h>
#include <sodium.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The queries that write: an optimistic transaction takes the gate and the lock before its
 * first. */
static const bool query_writes[Q_COUNT] = {
    [Q_DOSSIER_INSERT] = true, [Q_DOSSIER_UPDATE] = true,    [Q_EVENT_INSERT] = true,
    [Q_HEAD_PUT] = true,       [Q_RECORD_PUT] = true,        [Q_REQUEST_PUT] = true,
    [Q_TICKET_PUT] = true,     [Q_LEDGER_INSERT] = true,     [Q_LEDGER_HEAD_PUT] = true,
    [Q_PART_HEAD] = true,      [Q_HEAD_LOCK] = true,         [Q_HEAD_CREATE] = true,
    [Q_COPY_DONE] = true,      [Q_DOSSIER_SWAP] = true,      [Q_EVENT_APPEND] = true,
    [Q_LEDGER_APPEND] = true,  [Q_DOSSIER_LOAD_LOCK] = true, [Q_HEAD_SET] = true,
    [Q_DOSSIER_PUT] = true,
    [Q_TEXT_PUT] = true,
    [Q_DOSSIER_NAME] = true,
    /* the deliveries to live registries (schema version 11) */
    [Q_DELIVERY_ADD] = true,   [Q_DELIVERY_DONE] = true,     [Q_DELIVERY_FAIL] = true,
    [Q_COPY_DELIVERY] = true,
};

/* Attempts of an operation the store runs in a transaction of its own (an entry of the access
 * log, a record put outside an operation) when concurrent writers make it run again. */
enum { OWN_TX_ATTEMPTS = 8 };

struct mc_store {
    const mcs_methods *m;
    mcs_backend *b;
    mc_store_group *group; /* group commit (mc_store_set_group), or NULL */
    bool grouped;          /* the open transaction is the group's, on its writer connection */
    bool in_tx;
    bool optimistic; /* the open transaction began without the write lock */
    bool locked;     /* an optimistic transaction has taken the write lock */
    /* The write gate (mc_store_set_gate), and whether this store's transaction is through it. */
    void (*gate_enter)(void *ud);
    void (*gate_leave)(void *ud);
    void *gate_ud;
    bool gate_held;
    bool keep_gate; /* an optimistic write met another writer: keep the gate for the second run */
    /* The dossier columns written in the open transaction and not yet carried by an event:
     * {"<dossier id>": {column: value, …}}. The next event of that dossier takes them. */
    json_t *pending;
    /* The head of a partition locked in the open transaction by a dossier's load, not used
     * yet: the next event of that partition takes it without another round trip. */
    bool held;
    char held_name[MC_CHAIN_NAME];
    int64_t held_seq, held_next;
    unsigned char held_hash[MC_HASH_BYTES];
    /* The row as the open transaction loaded it with its partition's head locked (loaded.id 0:
     * none): its update compares with it, and needs no answer from the database. */
    mc_dossier_row loaded;
    int64_t put; /* the dossier of the transaction's Q_DOSSIER_PUT, for its conflict's message */
    /* An explicit migration (mc_store_migrate) is verified inside its transaction (seed). */
    bool verify_migration;
    mc_verify_stats migrated;
};

/* ---- group commit (store.h) ---- */

/* A transaction of the open batch waiting for its COMMIT (on its thread's stack). */
typedef struct batch_member {
    struct batch_member *next;
    bool done;
    int rc;
    mc_error err;
} batch_member;

struct mc_store_group {
    mc_store *w; /* the writer connection, a store of its own */
    pthread_mutex_t mu;
    pthread_cond_t freed; /* the gate was freed */
    pthread_cond_t done;  /* a batch ended */
    /* Under mu: */
    bool busy;       /* the gate is held: one transaction uses the writer connection */
    unsigned queued; /* transactions waiting for the gate */
    batch_member *members;
    unsigned pending; /* members of the open batch */
    uint64_t commits, operations, failed;
    /* Under the gate (busy): */
    bool open; /* a transaction is open on the writer connection */
};

static void group_acquire(mc_store_group *g)
{
    pthread_mutex_lock(&g->mu);
    g->queued++;
    while (g->busy) {
        pthread_cond_wait(&g->freed, &g->mu);
    }
    g->queued--;
    g->busy = true;
    pthread_mutex_unlock(&g->mu);
}

/* Ends the open batch with rc (0: committed, or the error in *e): each member learns it. The
 * caller holds the gate. */
static void batch_end(mc_store_group *g, int rc, const mc_error *e)
{
    pthread_mutex_lock(&g->mu);
    for (batch_member *m = g->members; m != NULL; m = m->next) {
        m->rc = rc;
        if (rc != 0) {
            m->err = *e;
        }
        m->done = true;
    }
    if (rc == 0 && g->pending > 0) {
        g->commits++;
        g->operations += g->pending;
    } else if (rc != 0) {
        g->failed += g->pending;
    }
    g->members = NULL;
    g->pending = 0;
    g->open = false;
    pthread_cond_broadcast(&g->done);
    pthread_mutex_unlock(&g->mu);
}

/* Commits the open batch, one COMMIT and one fsync for all its members; a COMMIT that fails
 * rolls back everything, and every member gets its error. The caller holds the gate. */
static void batch_commit(mc_store_group *g)
{
    mc_error e;
    int rc = g->open ? g->w->m->commit(g->w->b, &e) : 0;
    if (rc != 0) {
        g->w->m->rollback(g->w->b);
    }
    batch_end(g, rc, &e);
}

/* The shared transaction was rolled back under the batch (SQLite does so after some errors, a
 * full disk among them): nothing of it stays, and every member fails. */
static void batch_lost(mc_store_group *g)
{
    mc_error e;
    mc_error_set(&e, MC_EIO,
                 "store: the transaction this operation shared was rolled back by an error of "
                 "another; nothing was saved: try again");
    g->w->m->rollback(g->w->b);
    batch_end(g, MC_EIO, &e);
}

/* The holder of the gate leaves without joining the batch (it rolled back, or wrote alone): when
 * nobody waits for the gate, nobody else would commit the members, so it does. */
static void group_release(mc_store_group *g)
{
    pthread_mutex_lock(&g->mu);
    bool last = g->queued == 0; /* waiters leave the queue only through the gate: stays true */
    pthread_mutex_unlock(&g->mu);
    if (last && g->open) {
        batch_commit(g);
    }
    pthread_mutex_lock(&g->mu);
    g->busy = false;
    pthread_cond_signal(&g->freed);
    pthread_mutex_unlock(&g->mu);
}

/* The holder of the gate, its savepoint released, joins the batch and waits for its COMMIT; the
 * last of the batch commits it. Returns the COMMIT's result. */
static int group_finish(mc_store_group *g, mc_error *err)
{
    batch_member me = {NULL, false, 0, {.code = 0}};
    pthread_mutex_lock(&g->mu);
    me.next = g->members;
    g->members = &me;
    g->pending++;
    bool last = g->queued == 0 || g->pending >= MC_STORE_GROUP_MAX;
    pthread_mutex_unlock(&g->mu);
    if (last) {
        batch_commit(g);
    }
    pthread_mutex_lock(&g->mu);
    g->busy = false;
    pthread_cond_signal(&g->freed);
    while (!me.done) {
        pthread_cond_wait(&g->done, &g->mu);
    }
    pthread_mutex_unlock(&g->mu);
    if (me.rc != 0 && err != NULL) {
        *err = me.err;
    }
    return me.rc;
}

/* Opens the shared transaction if none is, and the operation's savepoint in it. */
static int group_begin(mc_store_group *g, mc_error *err)
{
    const mcs_methods *m = g->w->m;
    if (g->open && !m->in_transaction(g->w->b)) {
        batch_lost(g);
    }
    int rc = 0;
    if (!g->open) {
        rc = m->begin(g->w->b, false, err);
        g->open = rc == 0;
    }
    return rc == 0 ? m->savepoint(g->w->b, MCS_SAVE, err) : rc;
}

int mc_store_group_open(mc_store_group **out, const char *db, mc_error *err)
{
    *out = NULL;
    if (mcs_is_pg(db)) {
        return mc_error_set(err, MC_EUSAGE,
                            "store: group commit is for SQLite; PostgreSQL groups commits itself");
    }
    mc_store_group *g = mc_calloc(1, sizeof *g);
    if (g == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    int rc = mc_store_open(&g->w, db, err);
    if (rc != 0) {
        mc_free(g);
        return rc;
    }
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->freed, NULL);
    pthread_cond_init(&g->done, NULL);
    *out = g;
    return 0;
}

void mc_store_group_close(mc_store_group *g)
{
    if (g == NULL) {
        return;
    }
    if (g->open) {
        batch_commit(g); /* members only wait while their stores are open: none is left */
    }
    mc_store_close(g->w);
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->freed);
    pthread_cond_destroy(&g->done);
    mc_free(g);
}

void mc_store_set_group(mc_store *st, mc_store_group *g)
{
    st->group = g;
}

void mc_store_group_stats_get(mc_store_group *g, mc_store_group_stats *out)
{
    pthread_mutex_lock(&g->mu);
    out->commits = g->commits;
    out->operations = g->operations;
    out->failed = g->failed;
    out->queued = g->queued;
    out->pending = g->pending;
    pthread_mutex_unlock(&g->mu);
}

/* ---- the write gate ---- */

/* Takes the gate: the group's, or the one of mc_store_set_gate. */
static void gate_enter(mc_store *st)
{
    if (st->gate_held) {
        return;
    }
    if (st->group != NULL) {
        group_acquire(st->group);
        st->gate_held = true;
    } else if (st->gate_enter != NULL) {
        st->gate_enter(st->gate_ud);
        st->gate_held = true;
    }
}

static void gate_leave(mc_store *st)
{
    if (st->gate_held) {
        st->gate_held = false;
        if (st->group != NULL) {
            group_release(st->group);
        } else {
            st->gate_leave(st->gate_ud);
        }
    }
}

/* The connection of the open transaction: the group's writer, or the store's own. */
static mcs_backend *tx_backend(const mc_store *st)
{
    return st->grouped ? st->group->w->b : st->b;
}

/* MC_ECONFLICT: dossier id was changed by another writer since it was read. */
static int changed(mc_error *err, int64_t id)
{
    char n[24];
    snprintf(n, sizeof n, "%lld", (long long)id);
    return mc_error_say(err, MC_ECONFLICT, "store.changed", 1, n);
}

/* A backend's MC_EBUSY in an optimistic transaction: the snapshot would be stale, so the
 * operation runs again, still holding the gate, so that the second run does not queue behind
 * later writers. */
static int busy_to_retry(mc_store *st, int rc, mc_error *err)
{
    if (rc == MC_ERETRY && st->in_tx && st->optimistic) {
        st->keep_gate = st->gate_held;
        return rc;
    }
    if (rc == MC_EBUSY && st->in_tx && st->optimistic) {
        st->keep_gate = st->gate_held;
        if (err != NULL) {
            err->code = MC_ERETRY;
        }
        return MC_ERETRY;
    }
    return rc;
}

/* Runs query q on the backend: the first write of an optimistic transaction goes through the
 * gate and takes the lock. */
static int run(mc_store *st, enum mcs_query q, const mcs_val *params, int n, mcs_row_fn row,
               void *ud, int64_t *changes, const char *what, mc_error *err)
{
    if (st->in_tx && st->optimistic && query_writes[q] && !st->locked) {
        gate_enter(st);
        if (st->group != NULL && st->group->open) {
            /* It writes alone on its own connection: the open batch commits first. */
            batch_commit(st->group);
        }
        int rc = st->m->lock(st->b, err);
        if (rc != 0) {
            return busy_to_retry(st, rc, err);
        }
        st->locked = true;
    }
    int rc = st->m->run(tx_backend(st), q, params, n, row, ud, changes, what, err);
    return rc == 0 ? 0 : busy_to_retry(st, rc, err);
}

/* Runs a write expected to change no result rows beyond a count. */
static int write(mc_store *st, enum mcs_query q, const mcs_val *params, int n, const char *what,
                 mc_error *err)
{
    return run(st, q, params, n, NULL, NULL, NULL, what, err);
}

static int get_int(void *ud, const mcs_val *cols, int n)
{
    *(int64_t *)ud = n > 0 ? cols[0].i : 0;
    return 0;
}

/* A (seq, hash) row: the last entry of a chain, or a head record. */
typedef struct seq_hash {
    bool found, valid; /* valid: the hash has MC_HASH_BYTES */
    int64_t seq;
    unsigned char hash[MC_HASH_BYTES];
} seq_hash;

static int get_seq_hash(void *ud, const mcs_val *cols, int n)
{
    seq_hash *h = ud;
    h->found = true;
    h->seq = n > 0 ? cols[0].i : 0;
    h->valid = n > 1 && cols[1].type == MCS_BLOB && cols[1].n == MC_HASH_BYTES;
    memset(h->hash, 0, MC_HASH_BYTES);
    if (h->valid) {
        memcpy(h->hash, cols[1].p, MC_HASH_BYTES);
    }
    return 0;
}

static void hash_of(const mcs_val *v, unsigned char out[MC_HASH_BYTES])
{
    memset(out, 0, MC_HASH_BYTES);
    if (v->type == MCS_BLOB && v->n == MC_HASH_BYTES) {
        memcpy(out, v->p, MC_HASH_BYTES);
    }
}

static const char *text_of(const mcs_val *v)
{
    return v->type == MCS_TEXT ? v->p : NULL;
}

/* ==== partitions ========================================================================= */

/* The kinds of chains, sorted by name; each is split into partitions KIND.NN. */
static const char *const kinds[] = {MC_CHAIN_ACCESS,  MC_CHAIN_DELIVERIES, MC_CHAIN_EVENTS,
                                    MC_CHAIN_RECORDS, MC_CHAIN_REQUESTS,   MC_CHAIN_TICKETS};
enum { NKINDS = sizeof kinds / sizeof kinds[0] };

/* Room for every chain: the frozen ones and every partition. */
enum { MAX_HEADS = NKINDS * (MC_STORE_PARTITIONS + 1) + 1 };

int64_t mc_store_event_partition(int64_t dossier)
{
    return dossier <= 0 ? 0 : 1 + (dossier - 1) % MC_STORE_PARTITIONS;
}

/* The partitions of a kind: the events have one more, for the events of no dossier. */
static int64_t partitions_of(const char *kind)
{
    return strcmp(kind, MC_CHAIN_EVENTS) == 0 ? MC_STORE_PARTITIONS + 1 : MC_STORE_PARTITIONS;
}

/* The partition of an entry about key (a subject, a request id; NULL as ""): FNV-1a, which
 * never changes with the platform or the version, so that an entry stays where it was put. */
static int64_t key_partition(const char *key)
{
    uint64_t h = 14695981039346656037u;
    for (const unsigned char *p = (const unsigned char *)(key ? key : ""); *p; p++) {
        h = (h ^ *p) * 1099511628211u;
    }
    return (int64_t)(h % MC_STORE_PARTITIONS);
}

static void part_name(char out[MC_CHAIN_NAME], const char *kind, int64_t part)
{
    snprintf(out, MC_CHAIN_NAME, "%s.%02d", kind, (int)part);
}

/* What chain name is: 1 a kind (its frozen chain), 2 a partition of one (*part set), 0 no
 * chain. *kind gets the kind's static name. */
static int parse_chain(const char *name, const char **kind, int64_t *part)
{
    for (int i = 0; i < NKINDS; i++) {
        size_t n = strlen(kinds[i]);
        if (strncmp(name, kinds[i], n) != 0) {
            continue;
        }
        *kind = kinds[i];
        *part = -1;
        if (name[n] == '\0') {
            return 1;
        }
        const char *d = name + n + 1;
        if (name[n] != '.' || d[0] < '0' || d[0] > '9' || d[1] < '0' || d[1] > '9' ||
            d[2] != '\0') {
            return 0;
        }
        *part = (d[0] - '0') * 10 + (d[1] - '0');
        return *part < partitions_of(kinds[i]) ? 2 : 0;
    }
    return 0;
}

bool mc_store_chain_valid(const char *name)
{
    const char *kind;
    int64_t part;
    return name != NULL && parse_chain(name, &kind, &part) != 0;
}

/* A partition's head record, read and locked: (seq, hash) and, for the events, the next seq. */
typedef struct part_head {
    bool row, found, valid; /* row: the query gave one; found: with a head record in it */
    int64_t seq, next;
    unsigned char hash[MC_HASH_BYTES];
} part_head;

static int get_part_head(void *ud, const mcs_val *cols, int n)
{
    part_head *h = ud;
    h->row = true;
    h->found = n > 0 && cols[0].type != MCS_NULL;
    h->seq = h->found ? cols[0].i : 0;
    h->valid = n > 1 && cols[1].type == MCS_BLOB && cols[1].n == MC_HASH_BYTES;
    memset(h->hash, 0, MC_HASH_BYTES);
    if (h->valid) {
        memcpy(h->hash, cols[1].p, MC_HASH_BYTES);
    }
    h->next = n > 2 ? cols[2].i : 0;
    return 0;
}

/* Reads and locks the head record of partition name (query q: Q_PART_HEAD or Q_HEAD_LOCK). A
 * partition without one is empty: a backend with one writer at a time needs no row to lock
 * (SQLite creates none before the first entry), one without has them made with the schema. */
static int lock_head(mc_store *st, enum mcs_query q, const char *name, part_head *h, mc_error *err)
{
    memset(h, 0, sizeof *h);
    mcs_val p[1] = {mcs_text(name)};
    int rc = run(st, q, p, 1, get_part_head, h, NULL, "reading a chain's head", err);
    if (rc == 0 && !h->found && (h->row || q == Q_HEAD_LOCK)) {
        h->valid = true; /* empty: seq 0, prev all zeros */
    }
    if (rc == 0 && !h->valid) {
        rc = mc_error_set(err, MC_EIO,
                          "store: the head record of chain %s is missing or broken; run "
                          "'motcua verify'",
                          name);
    }
    return rc;
}

/* ==== opening ============================================================================ */

static int ledger_put_record(mc_store *st, const mc_record_row *rec, mc_error *err);
static int ledger_put_request(mc_store *st, const char *id, const char *result, mc_error *err);
static int ledger_put_ticket(mc_store *st, int64_t id, const mc_ticket_row *t, mc_error *err);

static int seed_record(void *ud, const mcs_val *c, int n)
{
    (void)n;
    mc_record_row rec = {text_of(&c[0]), text_of(&c[1]), text_of(&c[2]), text_of(&c[3]),
                         text_of(&c[4])};
    mc_error *err = ((void **)ud)[1];
    return ledger_put_record(((void **)ud)[0], &rec, err);
}

static int seed_request(void *ud, const mcs_val *c, int n)
{
    (void)n;
    return ledger_put_request(((void **)ud)[0], text_of(&c[0]), text_of(&c[1]), ((void **)ud)[1]);
}

static int seed_ticket(void *ud, const mcs_val *c, int n)
{
    (void)n;
    mc_ticket_row t = {c[1].i,         text_of(&c[2]), text_of(&c[3]), text_of(&c[4]),
                       text_of(&c[5]), text_of(&c[6]), text_of(&c[8]), c[7].i};
    return ledger_put_ticket(((void **)ud)[0], c[0].i, &t, ((void **)ud)[1]);
}

/* The first finding of a migration's verify, which stops it. */
static int first_of_migration(void *ud, const char *msg)
{
    mc_error_set(ud, MC_ECHECK, "%s", msg);
    return 1;
}

/* Every partition gets its head record (seq 0) with the schema where the backend needs a row
 * to lock (on SQLite Q_HEAD_CREATE does nothing). The registry records, request ids and correction
 * tickets of a store made before version 4 enter their chains as they stand at the upgrade: from
 * then on, a change to them shows. */
static int seed_chains(mc_store *st, int from, mc_error *err)
{
    void *pair[2] = {st, err};
    unsigned char zeros[MC_HASH_BYTES] = {0};
    char names[MAX_HEADS * MC_CHAIN_NAME];
    size_t len = 0;
    for (int k = 0; k < NKINDS; k++) {
        for (int64_t i = 0; i < partitions_of(kinds[k]); i++) {
            char name[MC_CHAIN_NAME];
            part_name(name, kinds[k], i);
            len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", len ? "," : "", name);
        }
    }
    mcs_val p[2] = {mcs_text(names), mcs_blob(zeros, MC_HASH_BYTES)};
    int rc = run(st, Q_HEAD_CREATE, p, 2, NULL, NULL, NULL, "migrating the schema", err);
    if (rc != 0 || from < 1 || from >= 4) {
        return rc;
    }
    rc = run(st, Q_SEED_RECORDS, NULL, 0, seed_record, pair, NULL, "migrating the schema", err);
    if (rc == 0) {
        rc = run(st, Q_SEED_REQUESTS, NULL, 0, seed_request, pair, NULL, "migrating the schema",
                 err);
    }
    if (rc == 0) {
        rc = run(st, Q_SEED_TICKETS, NULL, 0, seed_ticket, pair, NULL, "migrating the schema", err);
    }
    return rc;
}

static int seed_ledger(void *ud, mcs_backend *b, int from, mc_error *err)
{
    mc_store *st = ud;
    st->b = b;
    /* Below version 11 the deliveries' partitions have no head records yet: creating them again
     * for every kind leaves those there as they are. */
    int rc = from < 11 ? seed_chains(st, from, err) : 0;
    /* An explicit migration verifies what it made before it commits: one that does not verify
     * is rolled back and the store stays as it was. */
    if (rc == 0 && st->verify_migration && from > 0) {
        mc_error first;
        mc_error_clear(&first);
        rc = mc_store_check(st, first_of_migration, &first, &st->migrated, err);
        if (rc == 0 && st->migrated.findings > 0) {
            rc = mc_error_set(err, MC_ECHECK, "the migrated store does not verify: %s", first.msg);
        }
    }
    st->b = NULL;
    return rc;
}

bool mc_store_is_server(const char *db)
{
    return mcs_is_pg(db);
}

/* Opens the store at path as mode says (backend.h); *schema (when not NULL) gets what the
 * backend found. An older schema refused is told with the command that migrates it; a
 * PostgreSQL store's connection string is never repeated. */
static int open_as(mc_store **out, const char *path, enum mcs_open_mode mode, bool verify,
                   mcs_schema *schema, mc_store_migration *m, mc_error *err)
{
    *out = NULL;
    if (mc_init() < 0) {
        return mc_error_set(err, MC_EINTERNAL, "store: libsodium failed to start");
    }
    mc_store *st = mc_calloc(1, sizeof *st);
    if (st == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    st->m = mcs_is_pg(path) ? &mcs_pg : &mcs_sqlite;
    st->verify_migration = verify;
    mcs_backend *b;
    mcs_schema found = {0, 0};
    int rc = st->m->open(&b, path, mode, &found, seed_ledger, st, err);
    if (schema != NULL) {
        *schema = found;
    }
    if (m != NULL) {
        /* a new store is created current */
        m->from = found.found > 0 ? found.found : found.current;
        m->to = found.current;
        m->events = st->migrated.events;
        m->entries = st->migrated.entries;
    }
    if (rc == MC_ESCHEMA) {
        bool server = mcs_is_pg(path);
        mc_error_set(err, MC_ESCHEMA,
                     "store: schema version %d is older than this motcua (%d); run 'motcua "
                     "migrate --db %s'",
                     found.found, found.current, server ? "STORE" : path);
    }
    if (rc != 0) {
        mc_free(st);
        return rc;
    }
    st->b = b;
    st->verify_migration = false;
    *out = st;
    return 0;
}

int mc_store_open(mc_store **out, const char *path, mc_error *err)
{
    return open_as(out, path, MCS_OPEN_CURRENT, false, NULL, NULL, err);
}

int mc_store_exists(const char *path, mc_error *err)
{
    if (!mcs_is_pg(path) && strcmp(path, ":memory:") != 0 && strncmp(path, "file:", 5) != 0) {
        struct stat sb;
        if (stat(path, &sb) != 0) {
            return mc_error_set(err, MC_EIO, "%s: no such store", path);
        }
        int version;
        int rc = mcs_sqlite_probe(path, &version, err);
        if (rc != 0) {
            return rc;
        }
        if (version == 0) {
            return mc_error_set(err, MC_ECHECK,
                                "%s is not a motcua store (no motcua schema; a copy made with cp "
                                "without its -wal file looks like this: take backups with "
                                "'motcua backup')",
                                path);
        }
    }
    return 0;
}

int mc_store_open_existing(mc_store **out, const char *path, mc_error *err)
{
    *out = NULL;
    int rc = mc_store_exists(path, err);
    return rc != 0 ? rc : mc_store_open(out, path, err);
}

int mc_store_open_snapshot(mc_store **out, const char *path, mc_store_migration *m, mc_error *err)
{
    *out = NULL;
    mc_store_migration here;
    m = m != NULL ? m : &here;
    memset(m, 0, sizeof *m);
    int rc = mc_store_exists(path, err);
    return rc != 0 ? rc : open_as(out, path, MCS_OPEN_SNAPSHOT, false, NULL, m, err);
}

int mc_store_open_as_is(mc_store **out, const char *path, mc_store_migration *m, mc_error *err)
{
    *out = NULL;
    mc_store_migration here;
    m = m != NULL ? m : &here;
    memset(m, 0, sizeof *m);
    int rc = mc_store_exists(path, err);
    return rc != 0 ? rc : open_as(out, path, MCS_OPEN_AS_IS, false, NULL, m, err);
}

int mc_store_migrate(mc_store **out, const char *path, mc_store_migration *m, mc_error *err)
{
    if (out != NULL) {
        *out = NULL;
    }
    mc_store_migration here;
    m = m != NULL ? m : &here;
    memset(m, 0, sizeof *m);
    int rc = mc_store_exists(path, err);
    mc_store *st = NULL;
    if (rc == 0) {
        rc = open_as(&st, path, MCS_OPEN_MIGRATE, true, NULL, m, err);
    }
    if (rc == 0 && out != NULL) {
        *out = st;
    } else {
        mc_store_close(st);
    }
    return rc;
}

int mc_store_backup(mc_store *st, const char *to, int64_t *nevents, mc_error *err)
{
    if (st->m->backup == NULL) {
        return mc_error_set(err, MC_EUSAGE,
                            "backup: a PostgreSQL store is backed up with pg_dump or pg_basebackup "
                            "(docs/operations.md, \"Backups and restore\")");
    }
    if (st->in_tx) {
        return mc_error_set(err, MC_EUSAGE, "backup: a transaction is open on the store");
    }
    int rc = st->m->backup(st->b, to, err);
    if (rc != 0) {
        return rc;
    }
    mc_store *copy = NULL;
    mc_error why;
    /* The copy of a store of an older schema is verified as it would be migrated. */
    rc = mc_store_open_snapshot(&copy, to, NULL, &why);
    if (rc == 0) {
        rc = mc_store_verify(copy, nevents, &why);
    }
    mc_store_close(copy);
    if (rc != 0) {
        remove(to);
        if (rc == MC_ENOMEM) {
            return mc_error_set(err, MC_ENOMEM, "out of memory");
        }
        return mc_error_set(err, rc, "backup: %s, so it was removed: %s",
                            rc == MC_ECHECK ? "the copy does not verify" : "checking the copy",
                            why.msg);
    }
    return 0;
}

void mc_store_close(mc_store *st)
{
    if (st == NULL) {
        return;
    }
    if (st->in_tx) {
        mc_store_rollback(st);
    }
    gate_leave(st);
    st->m->close(st->b);
    json_decref(st->pending);
    mc_dossier_row_clear(&st->loaded);
    mc_free(st);
}

/* ==== transactions ======================================================================= */

static void forget_loaded(mc_store *st)
{
    mc_dossier_row_clear(&st->loaded);
    st->put = 0;
}

int mc_store_begin(mc_store *st, mc_error *err)
{
    gate_enter(st);
    st->optimistic = false;
    int rc = st->group != NULL ? group_begin(st->group, err) : st->m->begin(st->b, false, err);
    st->in_tx = rc == 0;
    st->held = false;
    forget_loaded(st);
    st->grouped = rc == 0 && st->group != NULL;
    if (rc != 0) {
        gate_leave(st);
    }
    return rc;
}

int mc_store_begin_optimistic(mc_store *st, mc_error *err)
{
    int rc = st->m->begin(st->b, true, err);
    st->in_tx = rc == 0;
    st->held = false;
    forget_loaded(st);
    st->optimistic = rc == 0;
    st->locked = false;
    return rc;
}

void mc_store_set_gate(mc_store *st, void (*enter)(void *ud), void (*leave)(void *ud), void *ud)
{
    bool on = enter != NULL && leave != NULL;
    st->gate_enter = on ? enter : NULL;
    st->gate_leave = on ? leave : NULL;
    st->gate_ud = on ? ud : NULL;
}

int mc_store_commit(mc_store *st, mc_error *err)
{
    if (json_object_size(st->pending) > 0) {
        /* A row change no event carries would escape verify: refuse the whole operation. */
        const char *id = json_object_iter_key(json_object_iter(st->pending));
        int e =
            mc_error_set(err, MC_EINTERNAL,
                         "store: dossier %s was changed without an event; nothing was saved", id);
        mc_store_rollback(st);
        return e;
    }
    if (st->grouped) {
        mc_store_group *g = st->group;
        int rc = g->w->m->savepoint(g->w->b, MCS_RELEASE, err);
        if (rc != 0) {
            mc_store_rollback(st);
            return rc;
        }
        st->in_tx = false;
        st->grouped = false;
        st->gate_held = false; /* group_finish frees the gate */
        return group_finish(g, err);
    }
    int rc = busy_to_retry(st, st->m->commit(st->b, err), err);
    if (rc == MC_ECONFLICT && st->put != 0) {
        /* Q_DOSSIER_PUT's revision check failed with the COMMIT it was sent with. */
        rc = changed(err, st->put);
    }
    forget_loaded(st);
    if (rc == 0) {
        st->in_tx = false;
        st->held = false;
        st->optimistic = false;
        st->locked = false;
        gate_leave(st);
    }
    return rc;
}

void mc_store_rollback(mc_store *st)
{
    json_object_clear(st->pending);
    forget_loaded(st);
    if (st->in_tx && st->grouped) {
        /* Only this operation's writes go; the batch goes on, unless its transaction is gone. */
        mc_store_group *g = st->group;
        if (!g->w->m->in_transaction(g->w->b) || g->w->m->savepoint(g->w->b, MCS_UNDO, NULL) != 0) {
            batch_lost(g);
        }
        st->in_tx = false;
        st->grouped = false;
    } else if (st->in_tx) {
        st->m->rollback(st->b);
        st->in_tx = false;
        st->held = false;
        st->optimistic = false;
        st->locked = false;
    }
    if (st->keep_gate) {
        st->keep_gate = false; /* held on into the operation's second run (mc_store_begin) */
        return;
    }
    gate_leave(st);
}

/* ==== dossiers =========================================================================== */

void mc_dossier_row_clear(mc_dossier_row *row)
{
    char **strs[] = {&row->procedure, &row->version, &row->agency,   &row->subject,
                     &row->channel,   &row->state,   &row->outcome,  &row->clock,
                     &row->apology,   &row->data,    &row->applicant};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        mc_free(*strs[i]);
    }
    memset(row, 0, sizeof *row);
}

/* The parameters of an insert or an update: rev, the 20 columns, id. */
static void row_params(const mc_dossier_row *r, mcs_val p[22])
{
    p[0] = mcs_int(r->rev);
    p[1] = mcs_text(r->procedure);
    p[2] = mcs_text(r->version);
    p[3] = mcs_text(r->agency);
    p[4] = mcs_text(r->subject);
    p[5] = mcs_text(r->channel);
    p[6] = mcs_text(r->state);
    p[7] = mcs_text(r->outcome);
    p[8] = mcs_text(r->clock);
    p[9] = mcs_int(r->final);
    p[10] = mcs_int(r->overdue);
    p[11] = mcs_int(r->late);
    p[12] = mcs_int(r->submitted);
    p[13] = mcs_int(r->entered);
    p[14] = mcs_opt(r->due);
    p[15] = mcs_opt(r->left);
    p[16] = mcs_opt(r->finished);
    p[17] = mcs_opt(r->fee);
    p[18] = mcs_opt(r->wake);
    p[19] = mcs_text(r->apology);
    p[20] = mcs_text(r->data);
    p[21] = mcs_int(r->id);
}

static char *col_text(const mcs_val *v, bool *oom)
{
    if (v->type != MCS_TEXT) {
        return NULL;
    }
    char *p = mc_strndup(v->p, v->n ? v->n : strlen(v->p));
    *oom |= p == NULL;
    return p;
}

static int64_t col_time(const mcs_val *v)
{
    return v->type == MCS_NULL ? MC_NONE : v->i;
}

/* Reads the columns rev, procedure … data, id into r. */
static int read_row(const mcs_val *c, mc_dossier_row *r)
{
    bool oom = false;
    r->rev = c[0].i;
    r->procedure = col_text(&c[1], &oom);
    r->version = col_text(&c[2], &oom);
    r->agency = col_text(&c[3], &oom);
    r->subject = col_text(&c[4], &oom);
    r->channel = col_text(&c[5], &oom);
    r->state = col_text(&c[6], &oom);
    r->outcome = col_text(&c[7], &oom);
    r->clock = col_text(&c[8], &oom);
    r->final = c[9].i != 0;
    r->overdue = c[10].i != 0;
    r->late = (int)c[11].i;
    r->submitted = c[12].i;
    r->entered = c[13].i;
    r->due = col_time(&c[14]);
    r->left = col_time(&c[15]);
    r->finished = col_time(&c[16]);
    r->fee = col_time(&c[17]);
    r->wake = col_time(&c[18]);
    r->apology = col_text(&c[19], &oom);
    r->data = col_text(&c[20], &oom);
    r->id = c[21].i;
    return oom ? MC_ENOMEM : 0;
}

/* ---- the row values events carry ---- */

/* The dossier columns an event records, in the order of the dossier columns after rev. */
const char *const mcs_row_columns[] = {"procedure", "version",   "agency",  "subject", "channel",
                                       "state",     "outcome",   "clock",   "final",   "overdue",
                                       "late",      "submitted", "entered", "due",     "left",
                                       "finished",  "fee",       "wake",    "apology", "data"};
enum { NROWCOLS = MCS_NROWCOLS };
_Static_assert(sizeof mcs_row_columns / sizeof mcs_row_columns[0] == MCS_NROWCOLS,
               "one name per row column");

static json_t *colval_json(const mcs_val *v)
{
    switch (v->type) {
    case MCS_TEXT:
        return json_stringn_nocheck(v->p, strlen(v->p));
    case MCS_INT:
        return json_integer((json_int_t)v->i);
    default:
        return json_null();
    }
}

/* Whether the stored value s differs from v (both as row_params gives them). */
static bool column_differs(const mcs_val *s, const mcs_val *v)
{
    bool null = s->type == MCS_NULL;
    if (v->type == MCS_TEXT || (v->type == MCS_NULL && s->type == MCS_TEXT)) {
        if (null || v->type == MCS_NULL) {
            return null != (v->type == MCS_NULL);
        }
        return s->type != MCS_TEXT || strcmp(s->p, v->p) != 0;
    }
    if (null || v->type == MCS_NULL) {
        return null != (v->type == MCS_NULL);
    }
    return s->i != v->i;
}

/* Adds to the pending values of row->id the columns of row flagged in changed. */
static int pend_row(mc_store *st, const bool changed[NROWCOLS], const mc_dossier_row *row,
                    mc_error *err)
{
    if (st->pending == NULL && (st->pending = json_object()) == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)row->id);
    json_t *cols = json_object_get(st->pending, key);
    if (cols == NULL) {
        cols = json_object();
        if (cols == NULL || json_object_set_new(st->pending, key, cols) != 0) {
            return mc_error_set(err, MC_ENOMEM, "out of memory");
        }
    }
    mcs_val now[22];
    row_params(row, now);
    for (int i = 0; i < NROWCOLS; i++) {
        if (!changed[i]) {
            continue;
        }
        json_t *v = colval_json(&now[i + 1]);
        if (v == NULL || json_object_set_new(cols, mcs_row_columns[i], v) != 0) {
            return mc_error_set(err, MC_ENOMEM, "out of memory");
        }
    }
    return 0;
}

/* Stores the folded form of row->applicant beside the row (none: NULL), when the engine set
 * one. A name that is not valid UTF-8 is stored as none: the engine refuses such field values
 * before they reach a row, and a search could never match it. */
static int put_applicant(mc_store *st, const mc_dossier_row *row, mc_error *err)
{
    if (row->applicant == NULL) {
        return 0;
    }
    char *folded = NULL;
    size_t n;
    int rc = mc_utf8_fold(row->applicant, strlen(row->applicant), &folded, &n);
    if (rc == MC_ENOMEM) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    mcs_val p[2] = {mcs_int(row->id), mcs_text(rc == 0 && n > 0 ? folded : NULL)};
    rc = run(st, Q_DOSSIER_NAME, p, 2, NULL, NULL, NULL, "saving a dossier", err);
    mc_free(folded);
    return rc;
}

int mc_store_dossier_insert(mc_store *st, mc_dossier_row *row, mc_error *err)
{
    if (!st->in_tx) {
        return mc_error_set(err, MC_EUSAGE, "store: a dossier is written only in a transaction");
    }
    mcs_val p[22];
    row->rev = 1;
    row_params(row, p);
    int64_t id = 0;
    int rc = run(st, Q_DOSSIER_INSERT, p, 21, get_int, &id, NULL, "saving a dossier", err);
    if (rc == 0) {
        row->id = id;
        bool all[NROWCOLS];
        for (int i = 0; i < NROWCOLS; i++) {
            all[i] = true;
        }
        rc = pend_row(st, all, row, err);
    }
    if (rc == 0 && row->applicant != NULL && row->applicant[0] != '\0') {
        rc = put_applicant(st, row, err);
    }
    return rc;
}

typedef struct load_arg {
    mc_dossier_row *row;
    bool found, oom;
    mc_store *st; /* for Q_DOSSIER_LOAD_LOCK's head */
} load_arg;

/* A dossier's row (22 columns), a partition's head (3: seq, hash, next seq), or both. */
static int load_row(void *ud, const mcs_val *cols, int n)
{
    load_arg *a = ud;
    if (n >= 22) {
        a->found = true;
        a->oom = read_row(cols, a->row) != 0;
    }
    const mcs_val *h = n == 25 ? cols + 22 : n == 3 ? cols : NULL;
    if (h != NULL && a->st != NULL && h[0].type == MCS_INT && h[1].type == MCS_BLOB &&
        h[1].n == MC_HASH_BYTES) {
        a->st->held = true;
        a->st->held_seq = h[0].i;
        a->st->held_next = h[2].i;
        memcpy(a->st->held_hash, h[1].p, MC_HASH_BYTES);
    }
    return 0;
}

int mc_store_dossier_load(mc_store *st, int64_t id, mc_dossier_row *row, mc_error *err)
{
    mc_dossier_row_clear(row);
    mcs_val p[2] = {mcs_int(id), mcs_text(st->held_name)};
    load_arg a = {row, false, false, NULL};
    int rc;
    if (st->in_tx && !st->optimistic && !st->held) {
        /* A write transaction: its event will need the partition's head; lock it now. */
        part_name(st->held_name, MC_CHAIN_EVENTS, mc_store_event_partition(id));
        a.st = st;
        rc = run(st, Q_DOSSIER_LOAD_LOCK, p, 2, load_row, &a, NULL, "reading a dossier", err);
        if (rc == 0 && !a.found) {
            st->held = false;
            /* no such dossier, or no head record to join (verify says which) */
            rc = run(st, Q_DOSSIER_LOAD, p, 1, load_row, &a, NULL, "reading a dossier", err);
        }
    } else {
        rc = run(st, Q_DOSSIER_LOAD, p, 1, load_row, &a, NULL, "reading a dossier", err);
    }
    if (rc != 0) {
        mc_dossier_row_clear(row);
        return rc;
    }
    if (a.oom) {
        mc_dossier_row_clear(row);
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    if (!a.found) {
        return mc_error_set(err, MC_ENOTFOUND, "no dossier %lld", (long long)id);
    }
    if (a.st != NULL && st->held) {
        /* Loaded with its partition's head locked: its update will compare with this copy. */
        mcs_val p2[22];
        row_params(row, p2);
        mc_dossier_row_clear(&st->loaded);
        if (read_row(p2, &st->loaded) != 0) {
            mc_dossier_row_clear(&st->loaded);
            mc_dossier_row_clear(row);
            return mc_error_set(err, MC_ENOMEM, "out of memory");
        }
    }
    return 0;
}

typedef struct compare_arg {
    const mc_dossier_row *row;
    bool found, stale;
    bool changed[NROWCOLS];
} compare_arg;

static int compare_row(void *ud, const mcs_val *cols, int n)
{
    (void)n;
    compare_arg *a = ud;
    a->found = true;
    a->stale = cols[0].i != a->row->rev;
    if (!a->stale) {
        mcs_val now[22];
        row_params(a->row, now);
        for (int i = 0; i < NROWCOLS; i++) {
            a->changed[i] = column_differs(&cols[i + 1], &now[i + 1]);
        }
    }
    return 0;
}

int mc_store_dossier_update(mc_store *st, mc_dossier_row *row, mc_error *err)
{
    if (!st->in_tx) {
        return mc_error_set(err, MC_EUSAGE, "store: a dossier is written only in a transaction");
    }
    /* The row as it was stored, compared with the new one, to know which columns the next event
     * must carry: given by the update itself, where its revision still matched. */
    compare_arg a;
    memset(&a, 0, sizeof a);
    a.row = row;
    mcs_val p[22];
    row_params(row, p);
    int rc;
    if (st->loaded.id == row->id && st->loaded.id != 0 && st->loaded.rev == row->rev) {
        /* Loaded in this transaction under its partition's lock: the old values are known, and
         * the update is checked by the database without an answer (a round trip less). */
        mcs_val was[22];
        row_params(&st->loaded, was);
        for (int i = 0; i < NROWCOLS; i++) {
            a.changed[i] = column_differs(&was[i + 1], &p[i + 1]);
        }
        mc_dossier_row_clear(&st->loaded);
        st->put = row->id;
        rc = run(st, Q_DOSSIER_PUT, p, 22, NULL, NULL, NULL, "saving a dossier", err);
        if (rc == MC_ECONFLICT) {
            rc = changed(err, row->id);
        }
        if (rc == 0) {
            rc = pend_row(st, a.changed, row, err);
        }
        if (rc == 0) {
            rc = put_applicant(st, row, err);
        }
        if (rc == 0) {
            row->rev++;
        }
        return rc;
    }
    int64_t changes = 0;
    rc = run(st, Q_DOSSIER_SWAP, p, 22, compare_row, &a, &changes, "saving a dossier", err);
    if (rc == 0 && (!a.found || a.stale || changes != 1)) {
        rc = changed(err, row->id);
    }
    if (rc == 0) {
        rc = pend_row(st, a.changed, row, err);
    }
    if (rc == 0) {
        rc = put_applicant(st, row, err);
    }
    if (rc == 0) {
        row->rev++;
    }
    return rc;
}

typedef struct each_arg {
    int (*fn)(void *ud, const mc_dossier_row *row);
    void *ud;
    mc_error *err;
} each_arg;

static int each_dossier(void *ud, const mcs_val *cols, int n)
{
    (void)n;
    each_arg *a = ud;
    mc_dossier_row row;
    memset(&row, 0, sizeof row);
    if (read_row(cols, &row) != 0) {
        mc_dossier_row_clear(&row);
        return mc_error_set(a->err, MC_ENOMEM, "out of memory");
    }
    int rc = a->fn(a->ud, &row);
    mc_dossier_row_clear(&row);
    return rc;
}

int mc_store_dossier_each(mc_store *st, const mc_dossier_filter *f,
                          int (*fn)(void *ud, const mc_dossier_row *row), void *ud, mc_error *err)
{
    mcs_val p[4] = {mcs_text(f->state), mcs_int(f->overdue_only), mcs_int(f->open_only),
                    mcs_opt(f->wake_before)};
    each_arg a = {fn, ud, err};
    return run(st, Q_DOSSIER_EACH, p, 4, each_dossier, &a, NULL, "listing dossiers", err);
}

typedef struct page_params {
    mcs_val p[MCS_PAGE_PARAMS];
    char *lo, *hi;
} page_params;

static int page_params_of(const mc_dossier_page *q, bool paged, page_params *out, mc_error *err);

/* Whether more than MC_STORE_SEARCH_BROAD names begin with the search of pp: a count of a
 * range of dossier_applicant, stopped after that many. */
static int search_is_broad(mc_store *st, const page_params *pp, bool *broad, mc_error *err)
{
    *broad = false;
    if (pp->p[12].type == MCS_NULL) {
        return 0;
    }
    int64_t n = 0;
    int rc = run(st, Q_DOSSIER_NAMES, &pp->p[12], 2, get_int, &n, NULL, "listing dossiers", err);
    *broad = rc == 0 && n > MC_STORE_SEARCH_BROAD;
    return rc;
}

int mc_store_dossier_page(mc_store *st, const mc_dossier_page *q,
                          int (*fn)(void *ud, const mc_dossier_row *row), void *ud, mc_error *err)
{
    if (q->limit == 0 || q->limit > INT64_MAX) {
        return mc_error_set(err, MC_EUSAGE, "store: a page needs a limit of 1 or more");
    }
    page_params pp;
    bool broad = false;
    int rc = page_params_of(q, true, &pp, err);
    if (rc == 0) {
        rc = search_is_broad(st, &pp, &broad, err);
    }
    if (rc == 0) {
        if (broad) {
            pp.p[15] = mcs_int(1);
        }
        each_arg a = {fn, ud, err};
        rc = run(st, Q_DOSSIER_PAGE, pp.p, MCS_PAGE_PARAMS, each_dossier, &a, NULL,
                 "listing dossiers", err);
    }
    mc_free(pp.lo);
    mc_free(pp.hi);
    return rc;
}

typedef struct page_counts_arg {
    int (*fn)(void *ud, const char *state, int64_t count, int64_t overdue);
    void *ud;
} page_counts_arg;

static int each_count(void *ud, const mcs_val *cols, int n)
{
    page_counts_arg *a = ud;
    if (n != 3 || cols[0].type != MCS_TEXT) {
        return 0;
    }
    return a->fn(a->ud, cols[0].p, cols[1].i, cols[2].type == MCS_INT ? cols[2].i : 0);
}

int mc_store_page_counts(mc_store *st, const mc_dossier_page *q,
                         int (*fn)(void *ud, const char *state, int64_t count, int64_t overdue),
                            void *ud, bool *broad, mc_error *err)
{
    page_params pp;
    *broad = false;
    int rc = page_params_of(q, false, &pp, err);
    if (rc == 0) {
        rc = search_is_broad(st, &pp, broad, err);
    }
    if (rc == 0 && !*broad) {
        page_counts_arg a = {fn, ud};
        rc = run(st, Q_PAGE_COUNTS, pp.p, MCS_PAGE_PARAMS, each_count, &a, NULL,
                 "counting dossiers", err);
    }
    mc_free(pp.lo);
    mc_free(pp.hi);
    return rc;
}

/* The parameters of Q_DOSSIER_PAGE (or COUNTS, without position nor limit) for q; lo and hi
 * are the folded search's bounds, freed by the caller (NULL without a search). */
static int page_params_of(const mc_dossier_page *q, bool paged, page_params *out, mc_error *err)
{
    out->lo = out->hi = NULL;
    mcs_val none = mcs_text(NULL);
    /* A search that is a number without a leading zero (18 digits at most: no overflow) may
     * be a dossier's id as well as a subject. */
    int64_t search_id = 0;
    if (q->search != NULL && q->search[0] >= '1' && q->search[0] <= '9' &&
        strlen(q->search) <= 18 && strspn(q->search, "0123456789") == strlen(q->search)) {
        search_id = strtoll(q->search, NULL, 10);
    }
    mcs_val p[MCS_PAGE_PARAMS] = {
        q->final == MC_FINAL_INCLUDE ? none : mcs_int(q->final == MC_FINAL_ONLY),
        mcs_text(q->state),
        mcs_text(q->procedure),
        q->overdue_only ? mcs_int(1) : none,
        mcs_opt(q->due_before),
        mcs_text(q->agency),
        q->after_id > 0 ? mcs_int(q->after_overdue) : none,
        q->after_id > 0 ? mcs_int(q->after_due == MC_NONE ? MCS_PAGE_NODUE : q->after_due) : none,
        q->after_id > 0 ? mcs_int(q->after_id) : none,
        mcs_int((int64_t)q->limit),
        mcs_text(q->search),
        search_id > 0 ? mcs_int(search_id) : none,
        none,
        none,
        mcs_text(q->subject),
        none,
    };
    if (!paged) {
        p[6] = p[7] = p[8] = p[9] = none;
    }
    if (q->search != NULL) {
        /* A name begins with the folded search when it sorts from it (lo) to before it followed
         * by the last code point (hi): a range of an index, in SQLite's binary order and
         * PostgreSQL's "C" collation alike. */
        size_t n;
        int rc = mc_utf8_fold(q->search, strlen(q->search), &out->lo, &n);
        if (rc == MC_ESYNTAX) {
            return mc_error_set(err, MC_EUSAGE, "store: a search is valid UTF-8");
        }
        if (rc != 0 || (n > 0 && (out->hi = mc_malloc(n + 5)) == NULL)) {
            return mc_error_set(err, MC_ENOMEM, "out of memory");
        }
        if (n > 0) {
            memcpy(out->hi, out->lo, n);
            memcpy(out->hi + n, "\xf4\x8f\xbf\xbf", 5);
            p[12] = mcs_text(out->lo);
            p[13] = mcs_text(out->hi);
        }
    }
    memcpy(out->p, p, sizeof p);
    return 0;
}

/* ==== events ============================================================================= */

static void hash_u64(crypto_generichash_state *h, uint64_t n);

/* The chain hash: BLAKE2b-256 over prev and every column of the event, each length-prefixed
 * so that no two different events serialise alike; an event of a partition (pos > 0) adds its
 * partition and position, so that it cannot be moved to another place or partition. */
void mc_store_event_hash(const mc_event_row *ev, unsigned char out[MC_HASH_BYTES])
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, MC_HASH_BYTES);
    crypto_generichash_update(&h, ev->prev, MC_HASH_BYTES);
    int64_t nums[3] = {ev->seq, ev->dossier, ev->at};
    unsigned char buf[8];
    for (int i = 0; i < 3; i++) {
        for (int k = 0; k < 8; k++) {
            buf[k] = (unsigned char)((uint64_t)nums[i] >> (8 * k));
        }
        crypto_generichash_update(&h, buf, 8);
    }
    /* The row values join the hash only when present, so that the events written before
     * schema version 4 (row NULL) keep their hashes. */
    const char *strs[4] = {ev->kind, ev->actor, ev->body, ev->row};
    for (int i = 0; i < (ev->row != NULL ? 4 : 3); i++) {
        uint64_t n = strs[i] ? strlen(strs[i]) + 1 : 0; /* NULL differs from "" */
        for (int k = 0; k < 8; k++) {
            buf[k] = (unsigned char)(n >> (8 * k));
        }
        crypto_generichash_update(&h, buf, 8);
        if (strs[i] != NULL) {
            crypto_generichash_update(&h, (const unsigned char *)strs[i], n - 1);
        }
    }
    if (ev->pos > 0) {
        hash_u64(&h, (uint64_t)ev->part);
        hash_u64(&h, (uint64_t)ev->pos);
    }
    crypto_generichash_final(&h, out, MC_HASH_BYTES);
}

int mc_store_event_append(mc_store *st, mc_event_row *ev, mc_error *err)
{
    /* The partition's head, locked until the transaction ends: writers of other partitions
     * go on meanwhile. */
    int64_t part = mc_store_event_partition(ev->dossier);
    char name[MC_CHAIN_NAME];
    part_name(name, MC_CHAIN_EVENTS, part);
    part_head last;
    int rc = 0;
    if (st->held && strcmp(st->held_name, name) == 0) {
        last.seq = st->held_seq; /* locked already, by the dossier's load */
        last.next = st->held_next;
        memcpy(last.hash, st->held_hash, MC_HASH_BYTES);
    } else {
        rc = lock_head(st, Q_PART_HEAD, name, &last, err);
    }
    st->held = false;
    if (rc != 0) {
        return rc;
    }
    ev->seq = last.next;
    ev->part = part;
    ev->pos = last.seq + 1;
    memcpy(ev->prev, last.hash, MC_HASH_BYTES);
    /* The event carries the dossier columns its transaction wrote so far ("{}" when none, so
     * that an event without row values is always one from before schema version 4). */
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)ev->dossier);
    json_t *cols = ev->dossier != 0 ? json_object_get(st->pending, key) : NULL;
    char *row = cols ? mc_json_dumps(cols, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    if (cols != NULL && row == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    ev->row = row ? row : "{}";
    mc_store_event_hash(ev, ev->hash);
    mcs_val p[12] = {mcs_int(ev->seq),
                     mcs_int(ev->dossier),
                     mcs_int(ev->at),
                     mcs_text(ev->kind),
                     mcs_text(ev->actor),
                     mcs_text(ev->body),
                     mcs_blob(ev->prev, MC_HASH_BYTES),
                     mcs_blob(ev->hash, MC_HASH_BYTES),
                     mcs_text(ev->row),
                     mcs_int(ev->part),
                     mcs_int(ev->pos)};
    p[11] = mcs_text(name);
    ev->row = NULL; /* the text is freed below */
    rc = write(st, Q_EVENT_APPEND, p, 12, "appending an event", err);
    mc_free(row);
    if (rc == 0 && cols != NULL) {
        json_object_del(st->pending, key);
    }
    return rc;
}

static void read_event(const mcs_val *c, mc_event_row *ev)
{
    ev->seq = c[0].i;
    ev->dossier = c[1].i;
    ev->at = c[2].i;
    ev->kind = text_of(&c[3]);
    ev->actor = text_of(&c[4]);
    ev->body = text_of(&c[5]);
    ev->row = text_of(&c[8]);
    hash_of(&c[6], ev->prev);
    hash_of(&c[7], ev->hash);
    ev->part = c[9].type == MCS_INT ? c[9].i : 0;
    ev->pos = c[10].type == MCS_INT ? c[10].i : 0;
}

typedef struct event_arg {
    int (*fn)(void *ud, const mc_event_row *ev);
    void *ud;
} event_arg;

static int each_event(void *ud, const mcs_val *cols, int n)
{
    (void)n;
    event_arg *a = ud;
    mc_event_row ev;
    read_event(cols, &ev);
    return a->fn(a->ud, &ev);
}

int mc_store_event_each(mc_store *st, int64_t dossier, int (*fn)(void *ud, const mc_event_row *ev),
                        void *ud, mc_error *err)
{
    mcs_val p[1] = {mcs_int(dossier)};
    event_arg a = {fn, ud};
    return run(st, dossier ? Q_EVENT_EACH : Q_EVENT_ALL, p, dossier ? 1 : 0, each_event, &a, NULL,
               "reading events", err);
}

/* ==== the ledger: chains of records, request ids and reads ============================== */

static void hash_u64(crypto_generichash_state *h, uint64_t n)
{
    unsigned char buf[8];
    for (int k = 0; k < 8; k++) {
        buf[k] = (unsigned char)(n >> (8 * k));
    }
    crypto_generichash_update(h, buf, 8);
}

static void hash_text(crypto_generichash_state *h, const char *t)
{
    uint64_t n = t ? strlen(t) + 1 : 0; /* NULL differs from "" */
    hash_u64(h, n);
    if (t != NULL) {
        crypto_generichash_update(h, (const unsigned char *)t, n - 1);
    }
}

/* An entry's hash: BLAKE2b-256 over prev, the chain's name, seq, subject and body, each
 * length-prefixed. */
static void ledger_hash(const unsigned char prev[MC_HASH_BYTES], const char *chain, int64_t seq,
                        const char *subject, const char *body, unsigned char out[MC_HASH_BYTES])
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, MC_HASH_BYTES);
    crypto_generichash_update(&h, prev, MC_HASH_BYTES);
    hash_text(&h, chain);
    hash_u64(&h, (uint64_t)seq);
    hash_text(&h, subject);
    hash_text(&h, body);
    crypto_generichash_final(&h, out, MC_HASH_BYTES);
}

static bool in_transaction(mc_store *st)
{
    return st->in_tx || st->m->in_transaction(st->b);
}

bool mc_store_in_transaction(mc_store *st)
{
    return in_transaction(st);
}

/* Appends an entry about key (its partition's) to a chain of kind, in the open transaction. */
static int ledger_append_tx(mc_store *st, const char *kind, const char *key, const char *subject,
                            const char *body, mc_error *err)
{
    char chain[MC_CHAIN_NAME];
    part_name(chain, kind, key_partition(key));
    part_head last;
    int rc = lock_head(st, Q_HEAD_LOCK, chain, &last, err);
    if (rc != 0) {
        return rc;
    }
    int64_t seq = last.seq + 1;
    unsigned char hash[MC_HASH_BYTES];
    ledger_hash(last.hash, chain, seq, subject, body, hash);
    mcs_val p[6] = {mcs_text(chain),
                    mcs_int(seq),
                    mcs_text(subject),
                    mcs_text(body),
                    mcs_blob(last.hash, MC_HASH_BYTES),
                    mcs_blob(hash, MC_HASH_BYTES)};
    return write(st, Q_LEDGER_APPEND, p, 6, "appending to a chain", err);
}

/* An entry about key (a subject; a request id), in the open transaction or in one of its own. */
static int ledger_append(mc_store *st, const char *kind, const char *key, const char *subject,
                         const char *body, mc_error *err)
{
    if (strcmp(kind, MC_CHAIN_EVENTS) == 0 || !mc_store_chain_valid(kind) || strchr(kind, '.')) {
        return mc_error_set(err, MC_EUSAGE, "store: no chain of entries is called '%s'", kind);
    }
    if (in_transaction(st)) {
        return ledger_append_tx(st, kind, key, subject, body, err);
    }
    /* Outside an operation the entry is a transaction of its own: the head read and the new
     * entry written under its lock; run again when concurrent writers met. */
    int rc = MC_ERETRY;
    for (int i = 0; rc == MC_ERETRY && i < OWN_TX_ATTEMPTS; i++) {
        rc = mc_store_begin(st, err);
        if (rc == 0) {
            rc = ledger_append_tx(st, kind, key, subject, body, err);
        }
        if (rc == 0) {
            rc = mc_store_commit(st, err);
        }
        if (rc != 0) {
            mc_store_rollback(st);
        }
    }
    return rc;
}

int mc_store_ledger_append(mc_store *st, const char *chain, const char *subject, const char *body,
                           mc_error *err)
{
    return ledger_append(st, chain, subject, subject, body, err);
}

typedef struct ledger_arg {
    int (*fn)(void *ud, int64_t seq, const char *body);
    void *ud;
} ledger_arg;

static int each_entry(void *ud, const mcs_val *cols, int n)
{
    (void)n;
    ledger_arg *a = ud;
    return a->fn(a->ud, cols[0].i, text_of(&cols[2]));
}

int mc_store_ledger_each(mc_store *st, const char *chain, const char *subject,
                         int (*fn)(void *ud, int64_t seq, const char *body), void *ud,
                         mc_error *err)
{
    /* The frozen chain of an older store, then the partition of subject, or all of them. */
    ledger_arg a = {fn, ud};
    int64_t from = subject ? key_partition(subject) : 0;
    int64_t to = subject ? from + 1 : MC_STORE_PARTITIONS;
    int rc = 0;
    for (int64_t i = from - 1; rc == 0 && i < to; i++) {
        char name[MC_CHAIN_NAME];
        if (i < from) {
            snprintf(name, sizeof name, "%s", chain);
        } else {
            part_name(name, chain, i);
        }
        mcs_val p[2] = {mcs_text(name), mcs_text(subject)};
        rc = run(st, subject ? Q_LEDGER_OF_SUBJECT : Q_LEDGER_EACH, p, subject ? 2 : 1, each_entry,
                 &a, NULL, "reading a chain", err);
    }
    return rc;
}

/* Canonical JSON of a few string pairs (NULL values kept as null), for a ledger body. */
static char *body_of(const char *const *kv, size_t n)
{
    json_t *o = json_object();
    for (size_t i = 0; o != NULL && i + 1 < n; i += 2) {
        json_t *v = kv[i + 1] ? json_stringn_nocheck(kv[i + 1], strlen(kv[i + 1])) : json_null();
        if (v == NULL || json_object_set_new(o, kv[i], v) != 0) {
            json_decref(o);
            o = NULL;
        }
    }
    char *text = o ? mc_json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    return text;
}

static int ledger_put_record(mc_store *st, const mc_record_row *rec, mc_error *err)
{
    const char *kv[] = {"registry",   rec->registry, "document",     rec->document, "subject",
                        rec->subject, "reference",   rec->reference, "issued",      rec->issued};
    char *body = body_of(kv, sizeof kv / sizeof kv[0]);
    int rc = body ? ledger_append(st, MC_CHAIN_RECORDS, rec->subject, rec->subject, body, err)
                  : mc_error_set(err, MC_ENOMEM, "out of memory");
    mc_free(body);
    return rc;
}

static int ledger_put_request(mc_store *st, const char *id, const char *result, mc_error *err)
{
    const char *kv[] = {"id", id, "result", result};
    char *body = body_of(kv, 4);
    int rc = body ? ledger_append(st, MC_CHAIN_REQUESTS, id, NULL, body, err)
                  : mc_error_set(err, MC_ENOMEM, "out of memory");
    mc_free(body);
    return rc;
}

static int ledger_put_ticket(mc_store *st, int64_t id, const mc_ticket_row *t, mc_error *err)
{
    json_t *o =
        json_pack("{s:I, s:I, s:s?, s:s?, s:s?, s:s?, s:s?, s:I, s:s?}", "id", (json_int_t)id,
                  "dossier", (json_int_t)t->dossier, "registry", t->registry, "document",
                  t->document, "subject", t->subject, "reference", t->reference, "reason",
                  t->reason, "at", (json_int_t)t->at, "actor", t->actor);
    char *body = o ? mc_json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    int rc = body ? ledger_append(st, MC_CHAIN_TICKETS, t->subject, t->subject, body, err)
                  : mc_error_set(err, MC_ENOMEM, "out of memory");
    mc_free(body);
    return rc;
}

/* ==== verification ====================================================================== */

typedef struct checker {
    mc_store *st;
    int (*finding)(void *ud, const char *msg);
    void *ud;
    mc_verify_stats stats;
    mc_error *err;
} checker;

static int report(checker *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Passes one finding on; non-zero when the caller wants no more. */
static int report(checker *c, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->stats.findings++;
    return c->finding(c->ud, msg);
}

/* A column's value for a finding: quoted text, a number, or "empty". Text longer than 60 bytes
 * is shown from a little before skip (where two values first differ) and cut at 60 bytes. */
static void value_text(const mcs_val *v, int skip, char *out, size_t outsz)
{
    if (v->type == MCS_NULL) {
        snprintf(out, outsz, "empty");
    } else if (v->type == MCS_INT) {
        snprintf(out, outsz, "%lld", (long long)v->i);
    } else {
        const char *t = v->p;
        int n = (int)v->n;
        int from = n > 60 && skip > 20 ? skip - 20 : 0;
        int len = n - from > 60 ? 60 : n - from;
        snprintf(out, outsz, "'%s%.*s%s'", from > 0 ? "..." : "", len, t ? t + from : "",
                 from + len < n ? "..." : "");
    }
}

/* Where the texts a and b first differ (0 unless both are text). */
static int first_difference(const mcs_val *a, const mcs_val *b)
{
    if (a->type != MCS_TEXT || b->type != MCS_TEXT) {
        return 0;
    }
    const char *x = a->p;
    const char *y = b->p;
    int i = 0;
    while (x && y && x[i] != '\0' && x[i] == y[i]) {
        i++;
    }
    return i;
}

typedef struct check_arg {
    checker *c;
    int (*row)(checker *c, const mcs_val *cols);
} check_arg;

static int check_row(void *ud, const mcs_val *cols, int n)
{
    (void)n;
    check_arg *a = ud;
    return a->row(a->c, cols);
}

/* Runs verify's query q (params p), calling row for each result row; row returns non-zero to
 * stop. */
static int each_row(checker *c, enum mcs_query q, const mcs_val *p, int n,
                    int (*row)(checker *c, const mcs_val *cols))
{
    check_arg a = {c, row};
    return run(c->st, q, p, n, check_row, &a, NULL, "verifying the store", c->err);
}

/* ---- the links of a chain ---- */

typedef struct link_state {
    checker *c;
    const char *chain; /* its name: a kind (a frozen chain) or a partition ("events.07") */
    bool part;         /* a partition */
    unsigned char prev[MC_HASH_BYTES];
    int64_t expect, count;
    bool rows_seen; /* an event with row values was seen */
} link_state;

/* One entry of a chain: its place, its link to the one before, its own hash. After a break
 * the check goes on from the entry as found, so that each break is reported once. A frozen
 * chain says what its entries are (what: "event", "access entry"), a partition names itself. */
static int check_link(link_state *l, int64_t seq, const unsigned char prev[MC_HASH_BYTES],
                      const unsigned char hash[MC_HASH_BYTES], const char *what)
{
    int stop = 0;
    l->count++;
    if (l->part && seq != l->expect) {
        stop =
            seq > l->expect
                ? report(l->c, "entry %lld of %s is missing: the chain jumps from %lld to %lld",
                         (long long)l->expect, l->chain, (long long)l->expect - 1, (long long)seq)
                : report(l->c, "entry %lld of %s is out of place after %lld", (long long)seq,
                         l->chain, (long long)l->expect - 1);
    } else if (l->part && memcmp(prev, l->prev, MC_HASH_BYTES) != 0) {
        stop = report(l->c,
                      "entry %lld of %s does not follow entry %lld: its link to the chain was "
                      "changed",
                      (long long)seq, l->chain, (long long)seq - 1);
    } else if (l->part) {
        /* in place */
    } else if (seq != l->expect) {
        stop = seq > l->expect
                   ? report(l->c, "%s %lld is missing: the chain jumps from %lld to %lld", what,
                            (long long)l->expect, (long long)l->expect - 1, (long long)seq)
                   : report(l->c, "%s %lld is out of place after %lld", what, (long long)seq,
                            (long long)l->expect - 1);
    } else if (memcmp(prev, l->prev, MC_HASH_BYTES) != 0) {
        stop = report(l->c, "%s %lld does not follow %s %lld: its link to the chain was changed",
                      what, (long long)seq, what, (long long)seq - 1);
    }
    memcpy(l->prev, hash, MC_HASH_BYTES);
    l->expect = seq + 1;
    return stop;
}

static int event_link(void *ud, const mc_event_row *ev)
{
    link_state *l = ud;
    unsigned char h[MC_HASH_BYTES];
    mc_store_event_hash(ev, h);
    int stop = check_link(l, l->part ? ev->pos : ev->seq, ev->prev, ev->hash, "event");
    if (stop == 0 && memcmp(h, ev->hash, MC_HASH_BYTES) != 0) {
        stop = report(l->c,
                      "event %lld (dossier %lld, %s) was altered: its content does not match "
                      "its hash",
                      (long long)ev->seq, (long long)ev->dossier, ev->kind ? ev->kind : "?");
    }
    if (stop == 0 && l->part && ev->row == NULL) {
        stop = report(l->c,
                      "event %lld (dossier %lld, %s) carries no row values: it was not written by "
                      "motcua",
                      (long long)ev->seq, (long long)ev->dossier, ev->kind ? ev->kind : "?");
    }
    if (stop == 0 && !l->part && ev->row == NULL && l->rows_seen) {
        stop = report(l->c,
                      "event %lld (dossier %lld, %s) carries no row values, but events before it "
                      "do: it was not written by motcua",
                      (long long)ev->seq, (long long)ev->dossier, ev->kind ? ev->kind : "?");
    }
    l->rows_seen |= ev->row != NULL;
    return stop;
}

/* The head record must name the last entry: removing the newest entries shows. */
static int check_head(checker *c, const link_state *l, const seq_hash *head)
{
    bool events = strcmp(l->chain, MC_CHAIN_EVENTS) == 0;
    if (!head->found) {
        if (l->count == 0) {
            return 0;
        }
        return events    ? report(c, "the chain has lost its head record")
               : l->part ? report(c, "chain %s has lost its head record", l->chain)
                         : report(c, "the %s chain has lost its head record", l->chain);
    }
    bool same = head->valid && memcmp(head->hash, l->prev, MC_HASH_BYTES) == 0;
    if (head->seq == l->expect - 1 && same) {
        return 0;
    }
    if (l->part) {
        return report(c,
                      "chain %s ends at entry %lld, but its head record is entry %lld: entries "
                      "were removed or replaced",
                      l->chain, (long long)(l->expect - 1), (long long)head->seq);
    }
    if (events) {
        return report(c,
                      "the chain ends at event %lld, but its head is event %lld: events were "
                      "removed or replaced",
                      (long long)(l->expect - 1), (long long)head->seq);
    }
    return report(c,
                  "the %s chain ends at entry %lld, but its head is entry %lld: entries were "
                  "removed or replaced",
                  l->chain, (long long)(l->expect - 1), (long long)head->seq);
}

static int moved_event(checker *c, const mcs_val *s)
{
    int64_t d = s[1].i;
    return report(c,
                  "event %lld (dossier %lld) is not in its dossier's chain events.%02d: it was "
                  "moved",
                  (long long)s[0].i, (long long)d, (int)mc_store_event_partition(d));
}

/* The frozen chain of an older store (by seq, head in chain_head), then each partition (by
 * pos, head in ledger_head), then events outside their dossier's partition. */
static int check_events(checker *c)
{
    link_state l;
    memset(&l, 0, sizeof l);
    l.c = c;
    l.chain = MC_CHAIN_EVENTS;
    l.expect = 1;
    event_arg a = {event_link, &l};
    int rc = run(c->st, Q_EVENT_LEGACY, NULL, 0, each_event, &a, NULL, "reading events", c->err);
    c->stats.events = l.count;
    if (rc != 0) {
        return rc;
    }
    seq_hash head = {false, false, 0, {0}};
    rc = run(c->st, Q_HEAD_GET, NULL, 0, get_seq_hash, &head, NULL, "reading the chain head",
             c->err);
    rc = rc != 0 ? rc : check_head(c, &l, &head);
    for (int64_t i = 0; rc == 0 && i < partitions_of(MC_CHAIN_EVENTS); i++) {
        char name[MC_CHAIN_NAME];
        part_name(name, MC_CHAIN_EVENTS, i);
        memset(&l, 0, sizeof l);
        l.c = c;
        l.chain = name;
        l.part = true;
        l.expect = 1;
        mcs_val p[1] = {mcs_int(i)};
        rc = run(c->st, Q_EVENT_PART, p, 1, each_event, &a, NULL, "reading events", c->err);
        c->stats.events += l.count;
        seq_hash h = {false, false, 0, {0}};
        mcs_val n[1] = {mcs_text(name)};
        if (rc == 0) {
            rc = run(c->st, Q_LEDGER_HEAD_GET, n, 1, get_seq_hash, &h, NULL, "reading a chain head",
                     c->err);
        }
        rc = rc != 0 ? rc : check_head(c, &l, &h);
    }
    if (rc == 0) {
        mcs_val p[1] = {mcs_int(MC_STORE_PARTITIONS)};
        rc = each_row(c, Q_CHECK_MOVED, p, 1, moved_event);
    }
    return rc;
}

typedef struct ledger_check {
    link_state l;
    char what[32];
} ledger_check;

static int ledger_link(void *ud, const mcs_val *cols, int n)
{
    (void)n;
    ledger_check *k = ud;
    unsigned char prev[MC_HASH_BYTES], hash[MC_HASH_BYTES], h[MC_HASH_BYTES];
    hash_of(&cols[3], prev);
    hash_of(&cols[4], hash);
    int64_t seq = cols[0].i;
    ledger_hash(prev, k->l.chain, seq, text_of(&cols[1]), text_of(&cols[2]), h);
    int rc = check_link(&k->l, seq, prev, hash, k->what);
    if (rc == 0 && memcmp(h, hash, MC_HASH_BYTES) != 0) {
        rc = k->l.part ? report(k->l.c,
                                "entry %lld of %s was altered: its content does not match "
                                "its hash",
                                (long long)seq, k->l.chain)
                       : report(k->l.c, "%s %lld was altered: its content does not match its hash",
                                k->what, (long long)seq);
    }
    return rc;
}

static int check_ledger(checker *c, const char *chain)
{
    ledger_check k;
    memset(&k, 0, sizeof k);
    k.l.c = c;
    k.l.chain = chain;
    k.l.part = strchr(chain, '.') != NULL;
    k.l.expect = 1;
    snprintf(k.what, sizeof k.what, "%s entry", chain);
    mcs_val p[1] = {mcs_text(chain)};
    int rc = run(c->st, Q_LEDGER_EACH, p, 1, ledger_link, &k, NULL, "reading a chain", c->err);
    c->stats.entries += k.l.count;
    if (rc != 0) {
        return rc;
    }
    seq_hash head = {false, false, 0, {0}};
    rc = run(c->st, Q_LEDGER_HEAD_GET, p, 1, get_seq_hash, &head, NULL, "reading a chain head",
             c->err);
    return rc != 0 ? rc : check_head(c, &k.l, &head);
}

/* ---- rows against their chains ---- */

static int column_mismatch(checker *c, const mcs_val *s)
{
    char is[80], says[80];
    int skip = first_difference(&s[2], &s[3]);
    value_text(&s[2], skip, is, sizeof is);
    value_text(&s[3], skip, says, sizeof says);
    return report(c, "dossier %lld: column %s is %s but its events say %s", (long long)s[0].i,
                  text_of(&s[1]), is, says);
}

/* Every dossier whose events all carry row values is rebuilt from them, column by column. */
static int check_columns(checker *c)
{
    for (int i = 0; i < NROWCOLS; i++) {
        mcs_val p[1] = {mcs_int(i)};
        int rc = each_row(c, Q_CHECK_COLUMN, p, 1, column_mismatch);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static int count_row(checker *c, const mcs_val *s)
{
    c->stats.dossiers = s[0].i;
    c->stats.legacy = s[1].i;
    return 0;
}

static int legacy_state(checker *c, const mcs_val *s)
{
    const char *state = text_of(&s[1]);
    const char *last = text_of(&s[2]);
    return report(c, "dossier %lld is in state '%s' but its events lead to '%s'", (long long)s[0].i,
                  state ? state : "?", last ? last : "nowhere");
}

static int no_events(checker *c, const mcs_val *s)
{
    return report(c, "dossier %lld has no events: it was not written by motcua", (long long)s[0].i);
}

static int gone(checker *c, const mcs_val *s)
{
    int64_t n = s[1].i;
    return report(c, "dossier %lld is gone, but %lld %s it: its row was deleted", (long long)s[0].i,
                  (long long)n, n == 1 ? "event records" : "events record");
}

static int wiped(checker *c, const mcs_val *s)
{
    return report(c, "the store has %lld dossiers and no events: the event chain was wiped",
                  (long long)s[0].i);
}

static int check_dossiers(checker *c)
{
    int rc = each_row(c, Q_CHECK_COUNTS, NULL, 0, count_row);
    if (rc == 0 && c->stats.events == 0) {
        return each_row(c, Q_CHECK_WIPED, NULL, 0, wiped);
    }
    if (rc == 0) {
        rc = each_row(c, Q_CHECK_NO_EVENTS, NULL, 0, no_events);
    }
    if (rc == 0) {
        rc = each_row(c, Q_CHECK_GONE, NULL, 0, gone);
    }
    if (rc == 0) {
        rc = check_columns(c);
    }
    if (rc == 0) {
        rc = each_row(c, Q_CHECK_LEGACY, NULL, 0, legacy_state);
    }
    return rc;
}

static int record_mismatch(checker *c, const mcs_val *s)
{
    const char *r = text_of(&s[1]);
    const char *d = text_of(&s[2]);
    const char *subj = text_of(&s[3]);
    switch (s[0].i) {
    case 1: {
        char is[80], says[80];
        int skip = first_difference(&s[4], &s[5]);
        value_text(&s[4], skip, is, sizeof is);
        value_text(&s[5], skip, says, sizeof says);
        return report(c, "registry record %s/%s of %s: %s is %s but its chain says %s", r, d, subj,
                      text_of(&s[6]), is, says);
    }
    case 2:
        return report(c,
                      "registry record %s/%s of %s is not in the records chain: it was written "
                      "behind the store's back",
                      r, d, subj);
    default:
        return report(c, "registry record %s/%s of %s is gone, but the records chain has it", r, d,
                      subj);
    }
}

static int request_mismatch(checker *c, const mcs_val *s)
{
    const char *id = text_of(&s[1]);
    switch (s[0].i) {
    case 1:
        return report(c, "request id '%s': its stored result differs from its chain", id);
    case 2:
        return report(c,
                      "request id '%s' is not in the requests chain: it was written behind the "
                      "store's back",
                      id);
    default:
        return report(c, "request id '%s' is gone, but the requests chain has it", id);
    }
}

static int ticket_mismatch(checker *c, const mcs_val *s)
{
    long long id = (long long)s[1].i;
    switch (s[0].i) {
    case 1:
        return report(c, "correction ticket %lld differs from its chain", id);
    case 2:
        return report(c,
                      "correction ticket %lld is not in the tickets chain: it was written behind "
                      "the store's back",
                      id);
    default:
        return report(c, "correction ticket %lld is gone, but the tickets chain has it", id);
    }
}

static int delivery_mismatch(checker *c, const mcs_val *s)
{
    long long id = (long long)s[1].i;
    switch (s[0].i) {
    case 1:
        return report(c, "delivery %lld differs from its chain", id);
    case 2:
        return report(c,
                      "delivery %lld is not in the deliveries chain: it was written behind the "
                      "store's back",
                      id);
    case 3:
        return report(c, "delivery %lld is gone, but the deliveries chain has it", id);
    default:
        return report(c, "delivery %lld: its acknowledgement differs from its chain", id);
    }
}

static int check_tables(checker *c)
{
    int rc = each_row(c, Q_CHECK_RECORDS, NULL, 0, record_mismatch);
    if (rc == 0) {
        rc = each_row(c, Q_CHECK_REQUESTS, NULL, 0, request_mismatch);
    }
    if (rc == 0) {
        rc = each_row(c, Q_CHECK_TICKETS, NULL, 0, ticket_mismatch);
    }
    if (rc == 0) {
        rc = each_row(c, Q_CHECK_DELIVERIES, NULL, 0, delivery_mismatch);
    }
    return rc;
}

/* Entries in a chain that is none of the store's: no check would ever read them. */
static int stray_chain(checker *c, const mcs_val *s)
{
    const char *name = text_of(&s[0]);
    const char *kind;
    int64_t part;
    if (name != NULL && parse_chain(name, &kind, &part) != 0 &&
        strcmp(kind, MC_CHAIN_EVENTS) != 0) {
        return 0;
    }
    return report(c,
                  "the ledger has entries in '%s', which is no chain of the store: they were "
                  "written behind its back",
                  name ? name : "");
}

int mc_store_check(mc_store *st, int (*finding)(void *ud, const char *msg), void *ud,
                   mc_verify_stats *stats, mc_error *err)
{
    checker c;
    memset(&c, 0, sizeof c);
    c.st = st;
    c.finding = finding;
    c.ud = ud;
    c.err = err;
    static const char *const ledgers[] = {MC_CHAIN_ACCESS, MC_CHAIN_DELIVERIES, MC_CHAIN_RECORDS,
                                          MC_CHAIN_REQUESTS, MC_CHAIN_TICKETS};
    int rc = check_events(&c);
    for (size_t i = 0; rc == 0 && i < sizeof ledgers / sizeof ledgers[0]; i++) {
        rc = check_ledger(&c, ledgers[i]);
        for (int64_t k = 0; rc == 0 && k < MC_STORE_PARTITIONS; k++) {
            char name[MC_CHAIN_NAME];
            part_name(name, ledgers[i], k);
            rc = check_ledger(&c, name);
        }
    }
    if (rc == 0) {
        rc = each_row(&c, Q_LEDGER_CHAINS, NULL, 0, stray_chain);
    }
    if (rc == 0) {
        rc = check_dossiers(&c);
    }
    if (rc == 0) {
        rc = check_tables(&c);
    }
    if (stats != NULL) {
        *stats = c.stats;
    }
    return rc < 0 ? rc : 0;
}

typedef struct first_finding {
    mc_error *err;
} first_finding;

static int keep_first(void *ud, const char *msg)
{
    first_finding *f = ud;
    mc_error_set(f->err, MC_ECHECK, "%s", msg);
    return 1;
}

int mc_store_verify(mc_store *st, int64_t *nevents, mc_error *err)
{
    first_finding f = {err};
    mc_verify_stats stats;
    int rc = mc_store_check(st, keep_first, &f, &stats, err);
    if (nevents != NULL) {
        *nevents = stats.events;
    }
    return rc != 0 ? rc : stats.findings > 0 ? MC_ECHECK : 0;
}

/* ---- heads ---- */

typedef struct heads_arg {
    mc_chain_head *heads;
    size_t n;
    bool events; /* the rows are Q_EVENT_TIPS's (a partition number, not a name) */
} heads_arg;

static int add_head(void *ud, const mcs_val *cols, int n)
{
    (void)n;
    heads_arg *a = ud;
    char name[MC_CHAIN_NAME] = {0}; /* whole, so that heads compare as bytes */
    if (a->events) {
        part_name(name, MC_CHAIN_EVENTS, cols[0].i);
    } else {
        const char *t = text_of(&cols[0]);
        if (t == NULL || !mc_store_chain_valid(t) || strncmp(t, "events", 6) == 0) {
            return 0; /* not a chain of the store: verify reports it */
        }
        snprintf(name, sizeof name, "%s", t);
    }
    if (a->n < MAX_HEADS) {
        mc_chain_head *h = &a->heads[a->n++];
        memcpy(h->name, name, MC_CHAIN_NAME);
        h->count = cols[1].i;
        hash_of(&cols[2], h->hash);
    }
    return 0;
}

static int by_name(const void *x, const void *y)
{
    return strcmp(((const mc_chain_head *)x)->name, ((const mc_chain_head *)y)->name);
}

int mc_store_heads(mc_store *st, mc_chain_head **heads, size_t *n, mc_error *err)
{
    *heads = NULL;
    *n = 0;
    heads_arg a = {mc_calloc(MAX_HEADS, sizeof(mc_chain_head)), 0, false};
    if (a.heads == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    seq_hash last = {false, false, 0, {0}};
    int rc =
        run(st, Q_EVENT_LAST, NULL, 0, get_seq_hash, &last, NULL, "reading the chains' heads", err);
    if (rc == 0 && last.found) {
        mc_chain_head *h = &a.heads[a.n++]; /* zeroed by mc_calloc */
        snprintf(h->name, sizeof h->name, "%s", MC_CHAIN_EVENTS);
        h->count = last.seq;
        memcpy(h->hash, last.hash, MC_HASH_BYTES);
    }
    if (rc == 0) {
        a.events = true;
        rc = run(st, Q_EVENT_TIPS, NULL, 0, add_head, &a, NULL, "reading the chains' heads", err);
    }
    if (rc == 0) {
        a.events = false;
        rc = run(st, Q_LEDGER_TIPS, NULL, 0, add_head, &a, NULL, "reading the chains' heads", err);
    }
    if (rc != 0 || a.n == 0) {
        mc_free(a.heads);
        return rc;
    }
    qsort(a.heads, a.n, sizeof a.heads[0], by_name);
    *heads = a.heads;
    *n = a.n;
    return 0;
}

typedef struct hash_arg {
    bool found;
    unsigned char *out;
} hash_arg;

static int get_hash(void *ud, const mcs_val *cols, int n)
{
    (void)n;
    hash_arg *a = ud;
    a->found = true;
    hash_of(&cols[0], a->out);
    return 0;
}

int mc_store_chain_hash_at(mc_store *st, const char *chain, int64_t seq,
                           unsigned char out[MC_HASH_BYTES], mc_error *err)
{
    const char *kind;
    int64_t part;
    int what = parse_chain(chain, &kind, &part);
    if (what == 0) {
        return 0;
    }
    bool events = strcmp(kind, MC_CHAIN_EVENTS) == 0;
    hash_arg a = {false, out};
    int rc;
    if (events && what == 1) {
        mcs_val p[1] = {mcs_int(seq)};
        rc = run(st, Q_EVENT_AT, p, 1, get_hash, &a, NULL, "reading a chain", err);
    } else if (events) {
        mcs_val p[2] = {mcs_int(part), mcs_int(seq)};
        rc = run(st, Q_EVENT_PART_AT, p, 2, get_hash, &a, NULL, "reading a chain", err);
    } else {
        mcs_val p[2] = {mcs_text(chain), mcs_int(seq)};
        rc = run(st, Q_LEDGER_AT, p, 2, get_hash, &a, NULL, "reading a chain", err);
    }
    return rc != 0 ? rc : a.found ? 1 : 0;
}

void mc_store_head_digest(const mc_chain_head *heads, size_t n, unsigned char out[MC_HASH_BYTES])
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, MC_HASH_BYTES);
    hash_text(&h, "motcua-head-v1");
    for (size_t i = 0; i < n; i++) {
        hash_text(&h, heads[i].name);
        hash_u64(&h, (uint64_t)heads[i].count);
        crypto_generichash_update(&h, heads[i].hash, MC_HASH_BYTES);
    }
    crypto_generichash_final(&h, out, MC_HASH_BYTES);
}

typedef struct text_arg {
    bool found;
    char *out;
    size_t outsz;
} text_arg;

static int get_text(void *ud, const mcs_val *cols, int n)
{
    (void)n;
    text_arg *a = ud;
    a->found = true;
    const char *t = text_of(&cols[0]);
    snprintf(a->out, a->outsz, "%s", t ? t : "");
    return 0;
}

int mc_store_dossier_subject(mc_store *st, int64_t id, char *out, size_t outsz, mc_error *err)
{
    mcs_val p[1] = {mcs_int(id)};
    text_arg a = {false, out, outsz};
    int rc = run(st, Q_DOSSIER_SUBJECT, p, 1, get_text, &a, NULL, "reading a dossier", err);
    return rc != 0 ? rc : a.found ? 1 : 0;
}

/* ==== records and requests =============================================================== */

/* A write and its chain entry go together: in the caller's transaction, or in one of their
 * own. */
static int with_tx(mc_store *st, int (*fn)(mc_store *st, const void *arg, mc_error *err),
                   const void *arg, mc_error *err)
{
    if (in_transaction(st)) {
        return fn(st, arg, err);
    }
    int rc = MC_ERETRY;
    for (int i = 0; rc == MC_ERETRY && i < OWN_TX_ATTEMPTS; i++) {
        rc = mc_store_begin(st, err);
        if (rc == 0) {
            rc = fn(st, arg, err);
        }
        if (rc == 0) {
            rc = mc_store_commit(st, err);
        }
        if (rc != 0) {
            mc_store_rollback(st);
        }
    }
    return rc;
}

static int record_put(mc_store *st, const void *arg, mc_error *err)
{
    const mc_record_row *rec = arg;
    mcs_val p[5] = {mcs_text(rec->registry), mcs_text(rec->document), mcs_text(rec->subject),
                    mcs_text(rec->reference), mcs_text(rec->issued)};
    int rc = write(st, Q_RECORD_PUT, p, 5, "saving a registry record", err);
    return rc != 0 ? rc : ledger_put_record(st, rec, err);
}

int mc_store_record_put(mc_store *st, const mc_record_row *rec, mc_error *err)
{
    return with_tx(st, record_put, rec, err);
}

int mc_store_record_get(mc_store *st, const char *registry, const char *document,
                        const char *subject, char *ref, size_t refsz, mc_error *err)
{
    char issued[11];
    return mc_store_record_find(st, registry, document, subject, ref, refsz, issued, err);
}

typedef struct record_arg {
    bool found;
    char *ref;
    size_t refsz;
    char *issued;
} record_arg;

static int get_record(void *ud, const mcs_val *cols, int n)
{
    (void)n;
    record_arg *a = ud;
    a->found = true;
    const char *t = text_of(&cols[0]);
    snprintf(a->ref, a->refsz, "%s", t ? t : "");
    const char *iss = text_of(&cols[1]);
    if (iss != NULL && strlen(iss) == 10) {
        memcpy(a->issued, iss, 11);
    }
    return 0;
}

int mc_store_record_find(mc_store *st, const char *registry, const char *document,
                         const char *subject, char *ref, size_t refsz, char issued[11],
                         mc_error *err)
{
    issued[0] = '\0';
    mcs_val p[3] = {mcs_text(registry), mcs_text(document), mcs_text(subject)};
    record_arg a = {false, ref, refsz, issued};
    int rc = run(st, Q_RECORD_GET, p, 3, get_record, &a, NULL, "reading a registry record", err);
    return rc != 0 ? rc : a.found ? 1 : 0;
}

typedef struct result_arg {
    bool found, oom;
    char **out;
} result_arg;

static int get_result(void *ud, const mcs_val *cols, int n)
{
    (void)n;
    result_arg *a = ud;
    a->found = true;
    *a->out = col_text(&cols[0], &a->oom);
    return 0;
}

int mc_store_request_get(mc_store *st, const char *id, char **result, mc_error *err)
{
    *result = NULL;
    mcs_val p[1] = {mcs_text(id)};
    result_arg a = {false, false, result};
    int rc = run(st, Q_REQUEST_GET, p, 1, get_result, &a, NULL, "reading a request id", err);
    if (rc != 0) {
        return rc;
    }
    return a.oom ? mc_error_set(err, MC_ENOMEM, "out of memory") : a.found ? 1 : 0;
}

typedef struct request_arg {
    const char *id, *result;
} request_arg;

static int request_put(mc_store *st, const void *arg, mc_error *err)
{
    const request_arg *r = arg;
    mcs_val p[2] = {mcs_text(r->id), mcs_text(r->result)};
    int rc = write(st, Q_REQUEST_PUT, p, 2, "saving a request id", err);
    return rc != 0 ? rc : ledger_put_request(st, r->id, r->result, err);
}

int mc_store_request_put(mc_store *st, const char *id, const char *result, mc_error *err)
{
    request_arg r = {id, result};
    return with_tx(st, request_put, &r, err);
}

/* ==== procedure texts (schema version 8) ================================================= */

/* Not chained: a text is named by its hash, which the dossier's data (chained with its row)
 * records, so a changed text no longer matches the hash it is stored under. */
typedef struct text_put_arg {
    const char *hash, *procedure, *version, *text;
} text_put_arg;

static int text_put(mc_store *st, const void *arg, mc_error *err)
{
    const text_put_arg *t = arg;
    mcs_val p[4] = {mcs_text(t->hash), mcs_text(t->procedure), mcs_text(t->version),
                    mcs_text(t->text)};
    return write(st, Q_TEXT_PUT, p, 4, "saving a procedure text", err);
}

int mc_store_text_put(mc_store *st, const char *hash, const char *procedure, const char *version,
                      const char *text, mc_error *err)
{
    text_put_arg t = {hash, procedure, version, text};
    return with_tx(st, text_put, &t, err);
}

typedef struct proc_text_arg {
    bool found, oom;
    mc_text_row *out;
} proc_text_arg;

static int get_proc_text(void *ud, const mcs_val *cols, int n)
{
    proc_text_arg *a = ud;
    if (n < 3) {
        return 0;
    }
    a->found = true;
    a->out->procedure = col_text(&cols[0], &a->oom);
    a->out->version = col_text(&cols[1], &a->oom);
    a->out->text = col_text(&cols[2], &a->oom);
    return 0;
}

int mc_store_text_get(mc_store *st, const char *hash, mc_text_row *out, mc_error *err)
{
    memset(out, 0, sizeof *out);
    mcs_val p[1] = {mcs_text(hash)};
    proc_text_arg a = {false, false, out};
    int rc = run(st, Q_TEXT_GET, p, 1, get_proc_text, &a, NULL, "reading a procedure text", err);
    if (rc == 0 && a.oom) {
        rc = mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    if (rc != 0) {
        mc_text_row_clear(out);
        return rc;
    }
    if (!a.found) {
        return 0;
    }
    out->hash = mc_strndup(hash, strlen(hash));
    if (out->hash == NULL) {
        mc_text_row_clear(out);
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    return 1;
}

void mc_text_row_clear(mc_text_row *t)
{
    mc_free(t->hash);
    mc_free(t->procedure);
    mc_free(t->version);
    mc_free(t->text);
    memset(t, 0, sizeof *t);
}

/* ==== tickets and counts ================================================================= */

static int ticket_put(mc_store *st, const void *arg, mc_error *err)
{
    const mc_ticket_row *t = arg;
    mcs_val p[8] = {mcs_int(t->dossier),  mcs_text(t->registry),  mcs_text(t->document),
                    mcs_text(t->subject), mcs_text(t->reference), mcs_text(t->reason),
                    mcs_int(t->at),       mcs_text(t->actor)};
    int64_t id = 0;
    int rc = run(st, Q_TICKET_PUT, p, 8, get_int, &id, NULL, "saving a correction ticket", err);
    return rc != 0 ? rc : ledger_put_ticket(st, id, t, err);
}

int mc_store_ticket_put(mc_store *st, const mc_ticket_row *t, mc_error *err)
{
    return with_tx(st, ticket_put, t, err);
}

/* ==== deliveries to live registries ====================================================== */

/* The chain entry of a new delivery: every field written once. */
static int ledger_put_delivery(mc_store *st, const mc_delivery_row *d, mc_error *err)
{
    json_t *o = json_pack(
        "{s:s, s:I, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:I, s:s?, s:s?, s:I}", "event",
        "issued", "id", (json_int_t)d->id, "request_id", d->request_id, "registry", d->registry,
        "document", d->document, "subject", d->subject, "party", d->party, "reference",
        d->reference, "issued", d->issued, "dossier", (json_int_t)d->dossier, "procedure",
        d->procedure, "agency", d->agency, "created", (json_int_t)d->created);
    char *body = o ? mc_json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    int rc = body ? ledger_append(st, MC_CHAIN_DELIVERIES, d->subject, d->subject, body, err)
                  : mc_error_set(err, MC_ENOMEM, "out of memory");
    mc_free(body);
    return rc;
}

static int delivery_add(mc_store *st, const void *arg, mc_error *err)
{
    mc_delivery_row *d = (mc_delivery_row *)arg;
    unsigned char raw[16];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(d->request_id, sizeof d->request_id, raw, sizeof raw);
    mcs_val p[11] = {mcs_text(d->request_id), mcs_text(d->registry), mcs_text(d->document),
                     mcs_text(d->subject),    mcs_text(d->party),    mcs_text(d->reference),
                     mcs_text(d->issued),     mcs_int(d->dossier),   mcs_text(d->procedure),
                     mcs_text(d->agency),     mcs_int(d->created)};
    d->id = 0;
    int rc = run(st, Q_DELIVERY_ADD, p, 11, get_int, &d->id, NULL, "saving a delivery", err);
    return rc != 0 ? rc : ledger_put_delivery(st, d, err);
}

int mc_store_delivery_add(mc_store *st, mc_delivery_row *d, mc_error *err)
{
    if (d->registry == NULL || d->document == NULL || d->subject == NULL) {
        return mc_error_set(err, MC_EUSAGE,
                            "store: a delivery needs a registry, a document and "
                            "a subject");
    }
    d->attempts = 0;
    d->next_at = 0;
    d->delivered_at = MC_NONE;
    d->answer_hash = NULL;
    d->last_error = NULL;
    return with_tx(st, delivery_add, d, err);
}

/* A row of DELIVERY_COLUMNS (backend.h) as an mc_delivery_row: strings borrowed. */
static void delivery_of(const mcs_val *c, mc_delivery_row *d)
{
    memset(d, 0, sizeof *d);
    d->id = c[0].i;
    snprintf(d->request_id, sizeof d->request_id, "%s", text_of(&c[1]) ? text_of(&c[1]) : "");
    d->registry = text_of(&c[2]);
    d->document = text_of(&c[3]);
    d->subject = text_of(&c[4]);
    d->party = text_of(&c[5]);
    d->reference = text_of(&c[6]);
    d->issued = text_of(&c[7]);
    d->dossier = c[8].i;
    d->procedure = text_of(&c[9]);
    d->agency = text_of(&c[10]);
    d->created = c[11].i;
    d->attempts = c[12].i;
    d->next_at = c[13].i;
    d->delivered_at = c[14].type == MCS_NULL ? MC_NONE : c[14].i;
    d->answer_hash = text_of(&c[15]);
    d->last_error = text_of(&c[16]);
}

typedef struct delivery_arg {
    int (*fn)(void *ud, const mc_delivery_row *d);
    void *ud;
} delivery_arg;

static int each_delivery(void *ud, const mcs_val *c, int n)
{
    (void)n;
    delivery_arg *a = ud;
    mc_delivery_row d;
    delivery_of(c, &d);
    return a->fn(a->ud, &d);
}

int mc_store_delivery_due(mc_store *st, int64_t now, size_t limit,
                          int (*fn)(void *ud, const mc_delivery_row *d), void *ud, mc_error *err)
{
    mcs_val p[2] = {mcs_int(now),
                    mcs_int(limit == 0 || limit > INT64_MAX ? INT64_MAX : (int64_t)limit)};
    delivery_arg a = {fn, ud};
    return run(st, Q_DELIVERY_DUE, p, 2, each_delivery, &a, NULL, "reading deliveries", err);
}

typedef struct delivery_mark {
    int64_t id, at;
    const char *hash, *error;
    int marked; /* 1 when the row changed */
} delivery_mark;

/* Keeps what the chain entry of an acknowledgement needs from the row: its subject (the
 * partition) and request id. */
typedef struct delivery_found {
    bool found, delivered;
    char request_id[33];
    char *subject;
} delivery_found;

static int get_delivery(void *ud, const mcs_val *c, int n)
{
    (void)n;
    delivery_found *f = ud;
    mc_delivery_row d;
    delivery_of(c, &d);
    f->found = true;
    f->delivered = d.delivered_at != MC_NONE;
    memcpy(f->request_id, d.request_id, sizeof f->request_id);
    f->subject = mc_strndup(d.subject ? d.subject : "", d.subject ? strlen(d.subject) : 0);
    return f->subject == NULL ? MC_ENOMEM : 0;
}

static int delivery_done(mc_store *st, const void *arg, mc_error *err)
{
    delivery_mark *m = (delivery_mark *)arg;
    m->marked = 0;
    delivery_found f = {false, false, {0}, NULL};
    mcs_val p[3] = {mcs_int(m->id), mcs_int(m->at), mcs_text(m->hash)};
    int rc = run(st, Q_DELIVERY_GET, p, 1, get_delivery, &f, NULL, "reading a delivery", err);
    if (rc == MC_ENOMEM) {
        rc = mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    if (rc != 0 || !f.found || f.delivered) {
        mc_free(f.subject);
        return rc;
    }
    int64_t changes = 0;
    rc = run(st, Q_DELIVERY_DONE, p, 3, NULL, NULL, &changes, "marking a delivery", err);
    char *body = NULL;
    if (rc == 0 && changes == 1) {
        json_t *o = json_pack("{s:s, s:I, s:s, s:I, s:s}", "event", "delivered", "id",
                              (json_int_t)m->id, "request_id", f.request_id, "delivered_at",
                              (json_int_t)m->at, "answer_hash", m->hash);
        body = o ? mc_json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        json_decref(o);
        rc = body ? ledger_append(st, MC_CHAIN_DELIVERIES, f.subject, f.subject, body, err)
                  : mc_error_set(err, MC_ENOMEM, "out of memory");
        m->marked = rc == 0;
    }
    mc_free(body);
    mc_free(f.subject);
    return rc;
}

int mc_store_delivery_done(mc_store *st, int64_t id, int64_t at, const char *answer_hash,
                           mc_error *err)
{
    if (answer_hash == NULL) {
        return mc_error_set(err, MC_EUSAGE,
                            "store: an acknowledged delivery needs the answer's "
                            "hash");
    }
    delivery_mark m = {id, at, answer_hash, NULL, 0};
    int rc = with_tx(st, delivery_done, &m, err);
    return rc != 0 ? rc : m.marked;
}

static int delivery_failed(mc_store *st, const void *arg, mc_error *err)
{
    delivery_mark *m = (delivery_mark *)arg;
    mcs_val p[3] = {mcs_int(m->id), mcs_text(m->error), mcs_int(m->at)};
    int64_t changes = 0;
    int rc = run(st, Q_DELIVERY_FAIL, p, 3, NULL, NULL, &changes, "marking a delivery", err);
    m->marked = rc == 0 && changes == 1;
    return rc;
}

int mc_store_delivery_failed(mc_store *st, int64_t id, const char *error, int64_t next_at,
                             mc_error *err)
{
    delivery_mark m = {id, next_at, NULL, error, 0};
    int rc = with_tx(st, delivery_failed, &m, err);
    return rc != 0 ? rc : m.marked;
}

typedef struct pending_arg {
    int (*fn)(void *ud, const char *registry, int64_t pending);
    void *ud;
} pending_arg;

static int each_pending(void *ud, const mcs_val *c, int n)
{
    (void)n;
    pending_arg *a = ud;
    return a->fn(a->ud, text_of(&c[0]), c[1].i);
}

int mc_store_delivery_pending(mc_store *st,
                              int (*fn)(void *ud, const char *registry, int64_t pending), void *ud,
                              mc_error *err)
{
    pending_arg a = {fn, ud};
    return run(st, Q_DELIVERY_PENDING, NULL, 0, each_pending, &a, NULL, "counting deliveries", err);
}

typedef struct records_arg {
    int (*fn)(void *ud, const mc_record_row *rec);
    void *ud;
} records_arg;

static int each_record(void *ud, const mcs_val *c, int n)
{
    (void)n;
    records_arg *a = ud;
    mc_record_row rec = {text_of(&c[0]), text_of(&c[1]), text_of(&c[2]), text_of(&c[3]),
                         text_of(&c[4])};
    return a->fn(a->ud, &rec);
}

int mc_store_records_of(mc_store *st, const char *subject,
                        int (*fn)(void *ud, const mc_record_row *rec), void *ud, mc_error *err)
{
    mcs_val p[1] = {mcs_text(subject)};
    records_arg a = {fn, ud};
    return run(st, Q_RECORDS_OF, p, 1, each_record, &a, NULL, "reading registry records", err);
}

typedef struct lookups_arg {
    int (*fn)(void *ud, const mc_lookup_count *c);
    void *ud;
} lookups_arg;

static int each_lookup_count(void *ud, const mcs_val *c, int n)
{
    (void)n;
    lookups_arg *a = ud;
    mc_lookup_count k = {text_of(&c[0]), text_of(&c[1]), c[2].i, c[3].i, c[4].i, c[5].i, c[6].i};
    return a->fn(a->ud, &k);
}

int mc_store_lookup_counts(mc_store *st, int64_t from, int64_t to,
                           int (*fn)(void *ud, const mc_lookup_count *c), void *ud, mc_error *err)
{
    mcs_val p[2] = {mcs_int(from), mcs_int(to)};
    lookups_arg a = {fn, ud};
    return run(st, Q_LOOKUP_COUNTS, p, 2, each_lookup_count, &a, NULL, "counting look-ups", err);
}

/* The count a query of one dossier gives, or a negative MC_E* code: a count of 0 when it could
 * not be read would be a false answer. */
static int64_t count_of(mc_store *st, enum mcs_query which, int64_t dossier, mc_error *err)
{
    mcs_val p[1] = {mcs_int(dossier)};
    int64_t n = 0;
    int rc = run(st, which, p, 1, get_int, &n, NULL, "counting", err);
    return rc != 0 ? rc : n;
}

int64_t mc_store_blocked_count(mc_store *st, int64_t dossier, mc_error *err)
{
    return count_of(st, Q_BLOCKED_COUNT, dossier, err);
}

int64_t mc_store_event_count(mc_store *st, int64_t dossier, mc_error *err)
{
    return count_of(st, Q_EVENT_COUNT, dossier, err);
}

int mc_store_events_of_kind(mc_store *st, const char *kind, int64_t from, int64_t to,
                            int (*fn)(void *ud, const mc_event_row *ev), void *ud, mc_error *err)
{
    mcs_val p[3] = {mcs_text(kind), mcs_int(from), mcs_int(to)};
    event_arg a = {fn, ud};
    return run(st, Q_EVENTS_OF_KIND, p, 3, each_event, &a, NULL, "reading events", err);
}

int mc_store_results_issued(mc_store *st, const char *from, const char *to,
                            int (*fn)(void *ud, const mc_record_row *rec), void *ud, mc_error *err)
{
    mcs_val p[2] = {mcs_text(from), mcs_text(to)};
    records_arg a = {fn, ud};
    return run(st, Q_RESULTS_ISSUED, p, 2, each_record, &a, NULL, "reading registry records", err);
}

/* ==== copying a store ==================================================================== */

typedef struct copier {
    mc_store *dst;
    mc_error *err;
    int64_t rows;
} copier;

/* Writes the row of a query of the source, as it stands, with query q of the destination. */
static int copy_as(copier *k, enum mcs_query q, const mcs_val *cols, int n, const char *what)
{
    k->rows++;
    return write(k->dst, q, cols, n, what, k->err);
}

static int copy_dossier(void *ud, const mcs_val *c, int n)
{
    return copy_as(ud, Q_COPY_DOSSIER, c, n, "copying dossiers");
}

/* The folded names beside the rows (not rows of their own: the count of rows copied is the
 * rows verify checks). */
static int copy_name(void *ud, const mcs_val *c, int n)
{
    copier *k = ud;
    return write(k->dst, Q_DOSSIER_NAME, c, n, "copying dossiers", k->err);
}

static int copy_event(void *ud, const mcs_val *c, int n)
{
    return copy_as(ud, Q_EVENT_INSERT, c, n, "copying events");
}

static int copy_head(void *ud, const mcs_val *c, int n)
{
    return copy_as(ud, Q_HEAD_PUT, c, n, "copying events");
}

static int copy_entry(void *ud, const mcs_val *c, int n)
{
    (void)n;
    /* chain, seq, subject, body, prev, hash: the order of Q_LEDGER_INSERT */
    return copy_as(ud, Q_LEDGER_INSERT, c, 6, "copying the chains");
}

static int copy_ledger_head(void *ud, const mcs_val *c, int n)
{
    return copy_as(ud, Q_LEDGER_HEAD_PUT, c, n, "copying the chains");
}

static int copy_record(void *ud, const mcs_val *c, int n)
{
    return copy_as(ud, Q_RECORD_PUT, c, n, "copying registry records");
}

static int copy_request(void *ud, const mcs_val *c, int n)
{
    return copy_as(ud, Q_REQUEST_PUT, c, n, "copying request ids");
}

static int copy_ticket(void *ud, const mcs_val *c, int n)
{
    return copy_as(ud, Q_COPY_TICKET, c, n, "copying correction tickets");
}

static int copy_delivery(void *ud, const mcs_val *c, int n)
{
    return copy_as(ud, Q_COPY_DELIVERY, c, n, "copying deliveries");
}

static int copy_text(void *ud, const mcs_val *c, int n)
{
    return copy_as(ud, Q_TEXT_PUT, c, n, "copying procedure texts");
}

static int any_row(void *ud, const mc_dossier_row *row)
{
    (void)row;
    *(bool *)ud = true;
    return 1;
}

/* Whether st holds nothing: no dossier, no entry in any chain. */
static int is_empty(mc_store *st, bool *empty, mc_error *err)
{
    mc_chain_head *heads;
    size_t n;
    int rc = mc_store_heads(st, &heads, &n, err);
    bool any = false;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        any |= heads[i].count > 0;
    }
    mc_free(heads);
    mc_dossier_filter f = MC_DOSSIER_FILTER_INIT;
    if (rc == 0 && !any) {
        rc = mc_store_dossier_each(st, &f, any_row, &any, err);
        rc = rc == 1 ? 0 : rc;
    }
    *empty = !any;
    return rc;
}

typedef struct copy_query {
    enum mcs_query read;
    mcs_row_fn write;
} copy_query;

int mc_store_copy(mc_store *src, mc_store *dst, int64_t *rows, mc_error *err)
{
    if (rows != NULL) {
        *rows = 0;
    }
    /* A broken source is not copied: its copy would not verify, and the fault would seem the
     * copy's. */
    mc_error why;
    int64_t nevents;
    int rc = mc_store_verify(src, &nevents, &why);
    if (rc == MC_ECHECK) {
        return mc_error_set(err, MC_ECHECK,
                            "store: the source does not verify (%s); run 'motcua verify'", why.msg);
    }
    if (rc != 0) {
        return mc_error_set(err, rc, "%s", why.msg);
    }
    bool empty;
    rc = is_empty(dst, &empty, err);
    if (rc == 0 && !empty) {
        rc = mc_error_set(err, MC_EUSAGE,
                          "store: the destination is not empty; copy into a new store");
    }
    if (rc != 0) {
        return rc;
    }
    /* The source is read in one transaction (one snapshot), the destination written in one:
     * a copy is whole or absent. */
    static const copy_query steps[] = {
        {Q_DOSSIER_EACH, copy_dossier},    {Q_NAMES_ALL, copy_name},
        {Q_EVENT_ALL, copy_event},         {Q_HEAD_GET, copy_head},
        {Q_LEDGER_ALL, copy_entry},        {Q_LEDGER_HEADS, copy_ledger_head},
        {Q_RECORDS_ALL, copy_record},      {Q_SEED_REQUESTS, copy_request},
        {Q_SEED_TICKETS, copy_ticket},     {Q_TEXTS_ALL, copy_text},
        {Q_DELIVERIES_ALL, copy_delivery},
    };
    copier k = {dst, err, 0};
    rc = mc_store_begin_optimistic(src, err);
    if (rc == 0) {
        rc = mc_store_begin(dst, err);
        if (rc != 0) {
            mc_store_rollback(src);
            return rc;
        }
    } else {
        return rc;
    }
    mcs_val all[4] = {mcs_text(NULL), mcs_int(0), mcs_int(0), mcs_opt(MC_NONE)};
    for (size_t i = 0; rc == 0 && i < sizeof steps / sizeof steps[0]; i++) {
        bool each = steps[i].read == Q_DOSSIER_EACH;
        rc = run(src, steps[i].read, all, each ? 4 : 0, steps[i].write, &k, NULL,
                 "reading the source", err);
    }
    if (rc == 0) {
        rc = write(dst, Q_COPY_DONE, NULL, 0, "copying events", err);
    }
    mc_store_rollback(src);
    if (rc == 0) {
        rc = mc_store_commit(dst, err);
    }
    if (rc != 0) {
        mc_store_rollback(dst);
        return rc;
    }
    if (rows != NULL) {
        *rows = k.rows;
    }
    /* The copy must verify and end where the source ends, chain by chain. */
    rc = mc_store_verify(dst, NULL, &why);
    if (rc != 0) {
        return mc_error_set(err, rc == MC_ECHECK ? MC_ECHECK : rc,
                            "store: the copy does not verify: %s", why.msg);
    }
    mc_chain_head *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    rc = mc_store_heads(src, &a, &na, err);
    if (rc == 0) {
        rc = mc_store_heads(dst, &b, &nb, err);
    }
    unsigned char da[MC_HASH_BYTES], db[MC_HASH_BYTES];
    if (rc == 0) {
        mc_store_head_digest(a, na, da);
        mc_store_head_digest(b, nb, db);
        if (memcmp(da, db, MC_HASH_BYTES) != 0) {
            rc = mc_error_set(err, MC_ECHECK,
                              "store: the copy's chains do not end where the source's do");
        }
    }
    mc_free(a);
    mc_free(b);
    return rc;
}

/* ==== the timer scheduler's leases ======================================================== */

typedef struct due_arg {
    mc_due *out;
    size_t max, n;
} due_arg;

static int due_one(void *ud, const mcs_val *cols, int n)
{
    due_arg *a = ud;
    if (n >= 2 && a->n < a->max) {
        a->out[a->n].id = cols[0].i;
        a->out[a->n].wake = cols[1].i;
        a->n++;
    }
    return 0;
}

int mc_store_dossier_due(mc_store *st, int64_t now, int64_t after_wake, int64_t after_id,
                         bool lease, mc_due *out, size_t max, size_t *n, mc_error *err)
{
    *n = 0;
    if (lease && (!st->in_tx || st->optimistic)) {
        return mc_error_set(err, MC_EUSAGE, "store: a lease is taken only in a write transaction");
    }
    if (max == 0) {
        return 0;
    }
    due_arg a = {out, max, 0};
    mcs_val p[4] = {mcs_int(now), mcs_int(after_wake), mcs_int(after_id),
                    mcs_int(max > INT64_MAX ? INT64_MAX : (int64_t)max)};
    int rc = run(st, lease ? Q_DOSSIER_LEASE : Q_DOSSIER_DUE, p, 4, due_one, &a, NULL,
                 lease ? "leasing the dossiers due" : "finding the dossiers due", err);
    *n = a.n;
    return rc;
}

/* ==== what an operator watches =========================================================== */

atomic_uint_fast64_t mcs_busy_waits, mcs_busy_timeouts, mcs_conflicts, mcs_reconnects;

void mc_store_waits_get(mc_store_waits *out)
{
    out->busy = atomic_load_explicit(&mcs_busy_waits, memory_order_relaxed);
    out->timeouts = atomic_load_explicit(&mcs_busy_timeouts, memory_order_relaxed);
    out->conflicts = atomic_load_explicit(&mcs_conflicts, memory_order_relaxed);
    out->reconnects = atomic_load_explicit(&mcs_reconnects, memory_order_relaxed);
}

typedef struct counts_arg {
    int (*fn)(void *ud, const char *procedure, const char *state, int64_t open, int64_t overdue);
    void *ud;
} counts_arg;

static int count_one(void *ud, const mcs_val *cols, int n)
{
    counts_arg *a = ud;
    if (n < 4 || cols[0].type != MCS_TEXT || cols[1].type != MCS_TEXT) {
        return 0; /* the columns are NOT NULL: nothing else comes */
    }
    return a->fn(a->ud, cols[0].p, cols[1].p, cols[2].i, cols[3].i);
}

int mc_store_dossier_counts(mc_store *st,
                            int (*fn)(void *ud, const char *procedure, const char *state,
                                      int64_t open, int64_t overdue),
                            void *ud, mc_error *err)
{
    counts_arg a = {fn, ud};
    return run(st, Q_DOSSIER_COUNTS, NULL, 0, count_one, &a, NULL, "counting the open dossiers",
               err);
}

typedef struct due_from_arg {
    int (*fn)(void *ud, const char *procedure, int64_t open);
    void *ud;
} due_from_arg;

static int due_from_one(void *ud, const mcs_val *cols, int n)
{
    due_from_arg *a = ud;
    if (n < 2 || cols[0].type != MCS_TEXT) {
        return 0; /* procedure is NOT NULL: nothing else comes */
    }
    return a->fn(a->ud, cols[0].p, cols[1].i);
}

int mc_store_dossier_due_from(mc_store *st, int64_t from,
                              int (*fn)(void *ud, const char *procedure, int64_t open), void *ud,
                              mc_error *err)
{
    due_from_arg a = {fn, ud};
    mcs_val p[1] = {mcs_int(from)};
    return run(st, Q_DOSSIER_DUE_FROM, p, 1, due_from_one, &a, NULL,
               "counting the open dossiers due late", err);
}

int mc_store_size(mc_store *st, int64_t *bytes, mc_error *err)
{
    *bytes = 0;
    return run(st, Q_STORE_SIZE, NULL, 0, get_int, bytes, NULL, "measuring the store", err);
}
