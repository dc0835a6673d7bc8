/*
 * The store's backends (private to src/store), in the manner of SQLite's VFS: a backend is a
 * table of functions (mcs_methods) chosen by mc_store_open from the --db string, and store.c
 * (the front) never asks which one it runs on. The front owns everything that does not depend
 * on the database: the public functions of store.h, hashing and chaining, the row values events
 * carry, the write gate, verification and its messages. A backend owns a connection and a
 * dialect: it runs the store's queries (enum mcs_query, one SQL text per backend), in
 * transactions, with bound parameters only, and maps its errors to MC_E* codes.
 *
 * Values cross the interface as mcs_val: NULL, a 64-bit integer, text (NUL-terminated) or a blob.
 * Text and blobs a backend hands to a row callback are borrowed until the callback returns.
 */
#ifndef MOTCUA_STORE_BACKEND_H
#define MOTCUA_STORE_BACKEND_H

#include "motcua/store.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The queries of the store. The parameters ($n) and the result columns of each are the same in
 * every backend; the comments give them in order. */
enum mcs_query {
    /* rev, procedure … data (DOSSIER_COLUMNS, 21 values) -> id (the new row's) */
    Q_DOSSIER_INSERT,
    /* id -> rev, procedure … data, id */
    Q_DOSSIER_LOAD,
    /* rev, procedure … data, id: sets the row and rev = rev + 1 where id and rev match */
    Q_DOSSIER_UPDATE,
    /* state (or NULL), overdue_only (0/1), open_only (0/1), wake_before (or NULL) -> as LOAD,
     * by id */
    Q_DOSSIER_EACH,
    /* One page of the queue, in its order (overdue first, then due with none last, then id);
     * a NULL parameter is a filter not used: final (0/1), state, procedure, overdue (1),
     * due_before, agency, after_overdue, after_due (MCS_PAGE_NODUE for none), after_id (the
     * last row of the page before), limit, search subject, search id, search name (folded)
     * and the first text after every name it begins (folded, + U+10FFFF), subject, broad (1:
     * the search by name matches many: walk the queue, not the names) -> as LOAD */
    Q_DOSSIER_PAGE,
    Q_DOSSIER_SUBJECT, /* id -> subject */
    Q_EVENT_LAST,      /* -> seq, hash of the last event of the frozen chain (pos NULL) */
    /* seq, dossier, at, kind, actor, body, prev, hash, row, part, pos (part and pos NULL on
     * the events of a frozen chain) */
    Q_EVENT_INSERT,
    /* dossier -> seq, dossier, at, kind, actor, body, prev, hash, row, part, pos */
    Q_EVENT_EACH,
    Q_EVENT_ALL,      /* -> as EVENT_EACH, every event by seq */
    Q_EVENTS_OF_KIND, /* kind, from, to -> as EVENT_EACH */
    Q_EVENT_AT,       /* seq -> hash, of the frozen chain */
    Q_EVENT_COUNT,    /* dossier -> count */
    Q_BLOCKED_COUNT,  /* dossier -> count of its blocked events of reason once-only */
    Q_HEAD_PUT,       /* seq, hash: the events chain's head record */
    Q_HEAD_GET,       /* -> seq, hash */
    Q_RECORD_PUT,     /* registry, document, subject, reference, issued (insert or replace) */
    Q_RECORD_GET,     /* registry, document, subject -> reference, issued */
    Q_RECORDS_OF,     /* subject -> registry, document, subject, reference, issued */
    Q_RESULTS_ISSUED, /* from, to -> procedure, document, subject, reference, issued */
    Q_REQUEST_GET,    /* id -> result */
    Q_REQUEST_PUT,    /* id, result */
    /* dossier, registry, document, subject, reference, reason, at, actor -> id */
    Q_TICKET_PUT,
    Q_LEDGER_LAST,       /* chain -> seq, hash */
    Q_LEDGER_INSERT,     /* chain, seq, subject, body, prev, hash */
    Q_LEDGER_HEAD_PUT,   /* chain, seq, hash (insert or replace) */
    Q_LEDGER_HEAD_GET,   /* chain -> seq, hash */
    Q_LEDGER_EACH,       /* chain -> seq, subject, body, prev, hash */
    Q_LEDGER_OF_SUBJECT, /* chain, subject -> as LEDGER_EACH */
    Q_LEDGER_AT,         /* chain, seq -> hash */
    /* The partitioned chains (schema version 5). A partition's head record is the ledger_head
     * row of its name ("events.07", "access.12"); a backend that locks heads creates them (seq
     * 0) with the schema, and one with a single writer at a time may leave that to the first
     * entry (no head record is an empty partition). */
    Q_PART_HEAD,   /* chain -> seq, hash of its head record (NULL, NULL without one), the next
                      event seq; locks the head until the transaction ends */
    Q_HEAD_LOCK,   /* chain -> seq, hash of its head record (no row without one); locks it
                      likewise */
    Q_HEAD_CREATE, /* chains (names joined by ','), hash: a head record at seq 0 for each that
                      has none (or nothing) */
    /* rev, procedure … data, id (as DOSSIER_UPDATE): updates the row where id and rev match,
     * giving the row as it was (as DOSSIER_LOAD); a row of another rev, or none, when it does
     * not match (then nothing is updated) */
    Q_DOSSIER_SWAP,
    /* as EVENT_INSERT, then the partition's name: the event, and its partition's head record
     * set to (pos, hash) */
    Q_EVENT_APPEND,
    Q_LEDGER_APPEND, /* as LEDGER_INSERT: the entry, and its chain's head record set to it */
    /* id, chain -> the dossier's row (as DOSSIER_LOAD) and the head of chain, locked (as
     * PART_HEAD): one row of both, or a row of each; nothing, or the head alone, when there
     * is no such dossier. An operation that reads its dossier in a write transaction takes
     * the head its event will need in the same round trip. */
    Q_DOSSIER_LOAD_LOCK,
    Q_HEAD_SET,      /* chain, seq, hash: the head record updated in place (where there is one) */
    Q_EVENT_LEGACY,  /* -> as EVENT_EACH, the events of the frozen chain by seq */
    Q_EVENT_PART,    /* part -> as EVENT_EACH, the events of partition part by pos */
    Q_EVENT_PART_AT, /* part, pos -> hash */
    Q_EVENT_TIPS,    /* -> part, pos, hash of the last event of each partition */
    Q_LEDGER_TIPS,   /* -> chain, seq, hash of the last entry of each ledger chain */
    Q_LEDGER_CHAINS, /* -> the name of each ledger chain with entries */
    Q_CHECK_MOVED,   /* partitions -> seq, dossier, part of each event outside its partition */
    Q_COPY_DONE,     /* after mc_store_copy's writes: the next ids and seqs follow the copy */
    /* The migration to schema version 4 (what was there enters the chains). */
    Q_SEED_RECORDS,  /* -> registry, document, subject, reference, issued */
    Q_SEED_REQUESTS, /* -> id, result */
    Q_SEED_TICKETS,  /* -> id, dossier, registry, document, subject, reference, reason, at, actor */
    /* verify: the rows against their chains (messages are made by the front) */
    Q_CHECK_COUNTS,    /* -> dossiers checked by column, legacy dossiers */
    Q_CHECK_WIPED,     /* -> count of dossiers, when there are any */
    Q_CHECK_NO_EVENTS, /* -> id of each dossier without events */
    Q_CHECK_GONE,      /* -> dossier, count of events of each dossier whose row is gone */
    /* column (its index in mcs_row_columns) -> id, column name, value, value its events say */
    Q_CHECK_COLUMN,
    Q_CHECK_LEGACY,   /* -> id, state, the state its events lead to */
    Q_CHECK_RECORDS,  /* -> kind (1 differs, 2 unchained, 3 gone), registry, document, subject,
                         value, chained value, column name */
    Q_CHECK_REQUESTS, /* -> kind, id */
    Q_CHECK_TICKETS,  /* -> kind, id */
    /* mc_store_copy: every row as it stands, and the writes that keep ids */
    Q_COPY_DOSSIER, /* rev, procedure … data, id */
    Q_COPY_TICKET,  /* id, dossier, registry, document, subject, reference, reason, at, actor */
    Q_LEDGER_ALL,   /* -> chain, seq, subject, body, prev, hash, by chain and seq */
    Q_LEDGER_HEADS, /* -> chain, seq, hash */
    Q_RECORDS_ALL,  /* -> registry, document, subject, reference, issued */
    /* The timer scheduler (mc_store_dossier_due): open dossiers whose wake is before $1, after
     * ($2 wake, $3 id) in the order of (wake, id), at most $4 -> id, wake. LEASE also locks the
     * rows it returns until the transaction ends, skipping those another transaction holds. */
    Q_DOSSIER_DUE,
    Q_DOSSIER_LEASE,
    /* rev, procedure … data, id (as DOSSIER_UPDATE): updates the row where id and rev match,
     * giving nothing; where they do not, the statement fails with MC_ECONFLICT (on PostgreSQL
     * when the transaction's deferred statements reach the server, at the latest its COMMIT).
     * For a row the transaction loaded under its partition's lock, whose old values the front
     * has: the update then needs no answer, and goes with the event and the COMMIT. */
    Q_DOSSIER_PUT,
    /* /metrics (mc_store_dossier_counts): procedure, state, count, overdue count of the open
     * dossiers (final = 0), by procedure and state */
    Q_DOSSIER_COUNTS,
    /* from -> procedure, count of the open dossiers due at or after from, by procedure
     * (mc_store_dossier_due_from; through dossier_due_count, final then due) */
    Q_DOSSIER_DUE_FROM,
    Q_STORE_SIZE, /* -> bytes the database takes */
    /* The procedure texts dossiers run on (schema version 8, mc_store_text_put): */
    Q_TEXT_PUT,  /* hash, procedure, version, text (nothing when the hash is there) */
    Q_TEXT_GET,  /* hash -> procedure, version, text */
    Q_TEXTS_ALL, /* -> hash, procedure, version, text: every one, by hash (mc_store_copy) */
    /* The queue's search by name (schema version 9). NAME: id, the applicant's name folded (or
     * NULL: none) -> nothing. COUNTS: the parameters of PAGE (the position and limit NULL) ->
     * state, count, overdue count, by state */
    Q_DOSSIER_NAME,
    Q_PAGE_COUNTS,
    Q_DOSSIER_NAMES, /* lo, hi (as PAGE's) -> how many names are in [lo, hi), up to 2001 */
    Q_NAMES_ALL,     /* -> id, applicant of each dossier with a name (mc_store_copy) */
    /* Deliveries to live registries (schema version 11, mc_store_delivery_*). COLUMNS: id,
     * request_id, registry, document, subject, party, reference, issued, dossier, procedure,
     * agency, created, attempts, next_at, delivered_at, answer_hash, last_error. */
    Q_DELIVERY_ADD,     /* request_id, registry … created (11 values; attempts 0, next_at 0)
                           -> id */
    Q_DELIVERY_GET,     /* id -> COLUMNS */
    Q_DELIVERY_DUE,     /* now, limit -> COLUMNS of the pending ones with next_at <= now, by
                           next_at and id */
    Q_DELIVERY_DONE,    /* id, at, answer_hash: marks it delivered where it was not */
    Q_DELIVERY_FAIL,    /* id, error, next_at: attempts + 1 where it was not delivered */
    Q_DELIVERY_PENDING, /* -> registry, count of the pending ones, by registry */
    Q_DELIVERIES_ALL,   /* -> COLUMNS, by id (mc_store_copy) */
    Q_COPY_DELIVERY,    /* COLUMNS: the row as it stands */
    Q_CHECK_DELIVERIES, /* -> kind (1 differs, 2 unchained, 3 gone, 4 delivered differs), id */
    /* The live registries' look-ups the events' `lookups` prove (issue 20, mc_store_lookup_counts):
     * from, to (asked_at in [from, to)) -> registry, document, made (sent: with a request id),
     * found (of those), first asked_at, last asked_at, not sent; by registry and document in byte
     * order */
    Q_LOOKUP_COUNTS,
    Q_COUNT
};

/* The most columns a query gives (Q_DOSSIER_LOAD_LOCK: 25); a backend refuses a result with
 * more rather than cut it. */
enum { MCS_MAXCOLS = 32 };

/* The due instant a dossier without one sorts at in the queue: after every other. */
#define MCS_PAGE_NODUE INT64_MAX
enum { MCS_PAGE_PARAMS = 16 };

typedef enum mcs_type { MCS_NULL, MCS_INT, MCS_TEXT, MCS_BLOB } mcs_type;

typedef struct mcs_val {
    mcs_type type;
    int64_t i;     /* MCS_INT */
    const char *p; /* MCS_TEXT (NUL-terminated) or MCS_BLOB */
    size_t n;      /* bytes of p, without the NUL */
} mcs_val;

/* The dossier columns an event records, in the order of the dossier columns after rev. */
extern const char *const mcs_row_columns[];
enum { MCS_NROWCOLS = 20 };

typedef struct mcs_backend mcs_backend; /* one connection, the backend's own */

/* Called with each result row: cols[0..n-1]; non-zero stops the query and is returned. */
typedef int (*mcs_row_fn)(void *ud, const mcs_val *cols, int n);

/* Called inside the migration transaction when a store moves from version from (0 for a new
 * store) to the current one, after the migrations' SQL: when from is below 5 the partitions'
 * head records are created, and what a store older than version 4 held enters the chains,
 * through the same backend; an explicit migration (MCS_OPEN_MIGRATE) is verified there too, so
 * that one that does not verify is rolled back. Non-zero rolls the migration back. */
typedef int (*mcs_seed_fn)(void *ud, mcs_backend *b, int from, mc_error *err);

/* How open treats the schema it finds (issue 19: migrations are explicit). Every mode creates
 * a new store (no schema yet) at the current version, since creating is not migrating, and
 * refuses a store of a newer schema (MC_EIO). */
enum mcs_open_mode {
    MCS_OPEN_CURRENT,  /* an older schema is refused: MC_ESCHEMA, the store left as it was */
    MCS_OPEN_MIGRATE,  /* an older schema is migrated, in one transaction with seed */
    MCS_OPEN_AS_IS,    /* an older schema is left as it is: only backup and close may follow */
    MCS_OPEN_SNAPSHOT, /* SQLite: an older file is copied into memory and migrated there (the
                          file is not changed), for verifying it; elsewhere as CURRENT */
};

/* What open found: the store's schema version before (0 for a new store) and this motcua's. */
typedef struct mcs_schema {
    int found;
    int current;
} mcs_schema;

enum { MCS_SAVE, MCS_RELEASE, MCS_UNDO }; /* the operations of mcs_methods.savepoint */

typedef struct mcs_methods {
    int version; /* 1 */
    const char *name;
    /* Connects to target and brings the schema to the current version as mode says (seed as
     * above); *schema (when not NULL) gets what it found, also on MC_ESCHEMA. Errors:
     * MC_ESCHEMA (an older schema, MCS_OPEN_CURRENT), MC_EDOWN when the server cannot be
     * reached, MC_EIO, each with a one-line message that never shows a password; MC_ENOMEM. */
    int (*open)(mcs_backend **out, const char *target, enum mcs_open_mode mode, mcs_schema *schema,
                mcs_seed_fn seed, void *ud, mc_error *err);
    void (*close)(mcs_backend *b);
    /* begin takes the store's write lock (waiting up to the busy timeout: MC_EBUSY), or, on a
     * backend that locks only the partitions a transaction appends to, none; an optimistic
     * begin takes none and reads a snapshot. */
    int (*begin)(mcs_backend *b, bool optimistic, mc_error *err);
    /* The first write of an optimistic transaction: takes the write lock, or fails with MC_EBUSY
     * when another writer holds it (the front turns MC_EBUSY in an optimistic transaction into
     * MC_ERETRY). A backend whose first write takes the lock itself does nothing. */
    int (*lock)(mcs_backend *b, mc_error *err);
    int (*commit)(mcs_backend *b, mc_error *err);
    void (*rollback)(mcs_backend *b);
    /* Within an open transaction: sets the savepoint of one operation (MCS_SAVE), forgets it
     * keeping its writes (MCS_RELEASE), or undoes its writes and forgets it (MCS_UNDO). Group
     * commit (store.h) runs each operation of a batch in one. Errors as run. */
    int (*savepoint)(mcs_backend *b, int op, mc_error *err);
    /* Whether a transaction is open on the connection (whoever began it). */
    bool (*in_transaction)(mcs_backend *b);
    /* Runs query q with params[0..n-1] bound, calling row for each result row (row may be NULL);
     * *changes (when not NULL) gets the rows a write changed. what names the operation in error
     * messages ("store: <what>: <cause>"). Errors: MC_EBUSY (locked past the timeout, or a
     * conflict of concurrent writers in an optimistic transaction), MC_ERETRY (a deadlock, a
     * serialization failure or a unique key taken by a concurrent writer: the transaction is
     * lost, the operation runs again), MC_ENOMEM, MC_EDOWN (the connection lost, or the server
     * read-only: the next operation outside a transaction connects again), MC_EIO (anything
     * else). */
    int (*run)(mcs_backend *b, enum mcs_query q, const mcs_val *params, int n, mcs_row_fn row,
               void *ud, int64_t *changes, const char *what, mc_error *err);
    /* Copies the whole store, as one consistent snapshot, into the new file to (created 0600,
     * never over an existing file) while other connections keep writing; NULL on a backend
     * whose stores are backed up by the server's own tools (mc_store_backup says which). On
     * failure the new file is removed. Errors: MC_EIO with a one-line message, MC_ENOMEM. */
    int (*backup)(mcs_backend *b, const char *to, mc_error *err);
} mcs_methods;

/* The waits of every store of the process (mc_store_waits_get), counted by the backends where
 * they meet another writer. */
extern atomic_uint_fast64_t mcs_busy_waits, mcs_busy_timeouts, mcs_conflicts, mcs_reconnects;

extern const mcs_methods mcs_sqlite;
extern const mcs_methods mcs_pg;

/* Whether target names a PostgreSQL database (a postgresql:// or postgres:// URI, or a libpq
 * key=value string such as "host=/tmp/x dbname=mc") rather than a SQLite file. */
bool mcs_is_pg(const char *target);

/* The schema version of the SQLite file at path, read without creating or changing anything
 * (0: a SQLite file without a motcua schema, such as an empty file). Errors: MC_EIO when the
 * file cannot be opened; MC_ECHECK "PATH is not a motcua store (not a SQLite database)"; each
 * with a one-line message naming path. */
int mcs_sqlite_probe(const char *path, int *version, mc_error *err);

static inline mcs_val mcs_int(int64_t v)
{
    mcs_val x = {MCS_INT, v, NULL, 0};
    return x;
}

/* An integer, or NULL when v is MC_NONE. */
static inline mcs_val mcs_opt(int64_t v)
{
    mcs_val x = {v == MC_NONE ? MCS_NULL : MCS_INT, v, NULL, 0};
    return x;
}

/* Text, or NULL when s is NULL. */
static inline mcs_val mcs_text(const char *s)
{
    mcs_val x = {s ? MCS_TEXT : MCS_NULL, 0, s, 0};
    return x;
}

static inline mcs_val mcs_blob(const void *p, size_t n)
{
    mcs_val x = {MCS_BLOB, 0, p, n};
    return x;
}

#endif
