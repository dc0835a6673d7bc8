/*
 * The store (SPEC §11): one SQLite file in WAL mode holding dossiers, their append-only event
 * chain, registry records and request ids. The store knows rows, not rules: the engine decides
 * what a dossier becomes, the store makes it durable, all of an operation in one transaction.
 *
 * Every event is chained: its hash is BLAKE2b-256 (libsodium) over the previous event's hash
 * and the event's own content, so that mc_store_verify() can show that nothing was changed,
 * removed or inserted after the fact. The chains are partitioned (schema version 5): a
 * dossier's events are chained in the partition of its id (MC_STORE_PARTITIONS of them), the
 * events of no dossier in a partition of their own, so that writers of different partitions
 * never wait for each other; the chains of a store of an older version stay as they were,
 * frozen, and are verified as before. Triggers refuse UPDATE and DELETE of events. An event
 * also carries the values of the dossier columns its transaction wrote (the store attaches
 * them; a transaction whose dossier change no event carries is refused at commit), and
 * registry records, request ids, correction tickets and reads of personal data have chains of
 * their own, so that verify rebuilds every row from the chains alone. Signed checkpoints of the
 * chains' heads are in checkpoint.h, the access log in access.h; the threat model in
 * docs/security.md.
 *
 * Concurrency: on SQLite writers take the database lock at mc_store_begin() (BEGIN IMMEDIATE)
 * and wait up to the busy timeout for each other; on PostgreSQL a transaction locks only the
 * head records of the partitions it appends to, and a deadlock or a conflict of concurrent
 * writers fails with MC_ERETRY (nothing kept: the caller runs the operation again); a dossier row
 * carries a revision, and an update whose revision is stale is refused with MC_ECONFLICT, so no
 * update is ever lost. An optimistic transaction (mc_store_begin_optimistic) reads without the lock
 * and takes it at its first write; when another writer committed in between, that write fails with
 * MC_ERETRY and the caller runs its operation again. Within one process, a write gate
 * (mc_store_set_gate) makes writers queue on the caller's mutex instead of polling SQLite's lock,
 * and group commit (mc_store_group) makes the transactions that come together share one COMMIT.
 */
#ifndef MOTCUA_STORE_H
#define MOTCUA_STORE_H

#include "motcua/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    MC_ECONFLICT = -30, /* the dossier changed since it was read */
    MC_EBUSY = -31,     /* the database stayed locked past the busy timeout */
    MC_ERETRY = -32,    /* an optimistic transaction met another writer, or concurrent writers
                           met (a deadlock, a chain's next entry taken): roll back, run again */
    MC_EDOWN = -33,     /* the database server cannot be reached (down, read-only, or the
                           connection lost mid-operation, which then saved nothing): try again
                           later */
    MC_ESCHEMA = -34,   /* the store's schema is older than this motcua: it must be migrated
                           first (mc_store_migrate, 'motcua migrate'); nothing was changed */
};

#define MC_NONE INT64_MIN /* an absent time or amount */

enum { MC_HASH_BYTES = 32 };

typedef struct mc_store mc_store;

/* Opens (creating if needed) the store at path; ":memory:" gives a private in-memory store, and
 * a URI such as "file:motcua.db?mode=ro" a read-only one. A PostgreSQL connection string
 * (mc_store_is_server) opens the store in that database (in the schema of its search path),
 * creating its tables if needed. A new store is created at the current schema version; a store
 * of an older one is never migrated here (issue 19): MC_ESCHEMA "store: schema version N is
 * older than this motcua (M); run 'motcua migrate --db PATH'" (a PostgreSQL store's message
 * does not repeat the connection string), the store left as it was; a store of a newer schema
 * is refused (MC_EIO). A database that cannot be reached is MC_EDOWN with a one-line message
 * that never shows the connection string. */
int mc_store_open(mc_store **out, const char *path, mc_error *err);

/* Opens the store at path for a command that reads an existing one (verify, backup's source):
 * as mc_store_open, except that a SQLite path is never created and must hold a motcua schema.
 * Errors: MC_EIO "PATH: no such store"; MC_ECHECK "PATH is not a motcua store (…)" for a file
 * that is not a SQLite database or has no motcua schema (an empty file, another program's
 * database, a copy of a WAL store made without its -wal file); as mc_store_open. */
int mc_store_open_existing(mc_store **out, const char *path, mc_error *err);

/* The explicit migration of an existing store (issue 19; docs/operations.md, "Upgrades and
 * migrations"). */
typedef struct mc_store_migration {
    int from;        /* the store's schema version before */
    int to;          /* this motcua's */
    int64_t events;  /* the events the migrated store verified with */
    int64_t entries; /* its other chains' entries */
} mc_store_migration;

/* Opens the existing store at path for verifying it, whatever the version of its schema: as
 * mc_store_open_existing, except that a SQLite file of an older schema is read as one snapshot
 * into memory and migrated there (the file is not changed; memory as large as the store), so
 * that what is verified is what a migration would make of it. m (when not NULL) gets the
 * file's schema version (m->from) and this motcua's (m->to). A PostgreSQL store of an older
 * schema is MC_ESCHEMA. */
int mc_store_open_snapshot(mc_store **out, const char *path, mc_store_migration *m, mc_error *err);

/* Opens the existing store at path in the schema it has, changing nothing (the checks of
 * mc_store_open_existing; a newer schema is refused, MC_EIO): m->from and m->to say whether it
 * needs a migration. A store of an older schema so opened serves only mc_store_backup (which
 * verifies the copy as mc_store_open_snapshot does) and mc_store_close; one of the current
 * schema is an ordinary store. */
int mc_store_open_as_is(mc_store **out, const char *path, mc_store_migration *m, mc_error *err);

/* Migrates the existing store at path to this motcua's schema in one transaction (the write
 * lock of SQLite, an advisory lock on PostgreSQL) that also verifies the migrated store
 * (mc_store_check): a migration that fails or does not verify (MC_ECHECK, the first finding
 * in the message) is rolled back, leaving the store as it was. m gets the versions and what
 * verified; a store already at the current version is left as it is (m->from == m->to), and
 * *out, when not NULL, gets the store opened (else it is closed). Takes no backup: the
 * caller does (mc_store_backup, or pg_dump). Errors: as mc_store_open_existing. */
int mc_store_migrate(mc_store **out, const char *path, mc_store_migration *m, mc_error *err);

/* The checks of mc_store_open_existing without opening the store: 0 when path names a
 * PostgreSQL database, ":memory:", a URI, or a SQLite file holding a motcua schema (of any
 * version); the errors of mc_store_open_existing otherwise. Creates and changes nothing. */
int mc_store_exists(const char *path, mc_error *err);

/* Copies the SQLite store st into the new file to (created 0600; an existing file is refused
 * and left as it was) with SQLite's online backup API, as one consistent snapshot while other
 * connections keep writing, then opens the copy and verifies it (mc_store_verify; *nevents, when
 * not NULL, gets its events). A copy that does not verify is removed (MC_ECHECK). A PostgreSQL
 * store is refused (MC_EUSAGE, naming pg_dump and pg_basebackup); so is a call inside a
 * transaction. Errors: MC_EIO (the destination cannot be created or written), MC_ENOMEM. */
int mc_store_backup(mc_store *st, const char *to, int64_t *nevents, mc_error *err);

/* Whether db names a PostgreSQL database rather than a SQLite file: a postgresql:// or
 * postgres:// URI, or a libpq key=value string ("host=/run/postgresql dbname=motcua"). */
bool mc_store_is_server(const char *db);
void mc_store_close(mc_store *st);

/* One operation = one transaction. begin takes the write lock (waiting up to the busy
 * timeout); commit makes everything durable at once; rollback forgets it. */
int mc_store_begin(mc_store *st, mc_error *err);
int mc_store_commit(mc_store *st, mc_error *err);
void mc_store_rollback(mc_store *st);
/* Whether a transaction of st is open (begun, not yet committed or rolled back): the engine
 * asks live registries only outside one (issue 20), which a test's client checks with this. */
bool mc_store_in_transaction(mc_store *st);

/* Begins a transaction that reads a snapshot without any lock and takes the write lock at its
 * first write (after the gate, when there is one). That write, or any later statement, fails
 * with MC_ERETRY when another writer committed since the snapshot or holds the lock: the caller
 * rolls back and runs the whole operation again with mc_store_begin, at once. The gate, taken at
 * that first write, stays held through that rollback into the second run, which therefore
 * cannot be overtaken (mc_store_close releases it if there is no second run).
 * So a long decision (a rule) made between the reads and the writes holds no lock. */
int mc_store_begin_optimistic(mc_store *st, mc_error *err);

/* Sets the write gate of st: enter(ud) is called before a transaction takes SQLite's write lock
 * (at mc_store_begin, or at an optimistic transaction's first write) and leave(ud) when it
 * ends. Several stores of one process sharing one mutex this way queue for writing on it, not
 * on SQLite's busy back-off. enter may block; neither may fail. NULL functions remove the gate. */
void mc_store_set_gate(mc_store *st, void (*enter)(void *ud), void (*leave)(void *ud), void *ud);

/* ---- group commit ---- */

/* A group of stores of one process on one SQLite file whose transactions share one writer
 * connection and, when they come together, one transaction and one fsync (docs/decisions.md,
 * issue 18). A transaction begun with mc_store_begin on a store of the group waits for the
 * group's gate (in place of mc_store_set_gate's), opens the shared transaction if none is open,
 * and runs inside a savepoint of its own: mc_store_rollback rolls back to the savepoint and
 * leaves the rest of the batch as it was; mc_store_commit releases the savepoint and returns
 * only when the batch's COMMIT has ended, with its result. The last transaction of a batch (no
 * other waiting at the gate, or MC_STORE_GROUP_MAX in the batch) commits it for all. A failed
 * COMMIT fails every mc_store_commit of the batch with its error, and the batch leaves nothing.
 * Reads outside a transaction go through each store's own connection and see only what was
 * committed. An optimistic transaction reads on its own connection and, at its first write,
 * commits the open batch and writes alone, as without a group. */
typedef struct mc_store_group mc_store_group;

enum { MC_STORE_GROUP_MAX = 64 }; /* transactions in one batch at most */

/* Opens the group's writer connection on db (a SQLite file; a PostgreSQL store needs no group:
 * MC_EUSAGE). Errors as mc_store_open. */
int mc_store_group_open(mc_store_group **out, const char *db, mc_error *err);
/* Closes the writer connection; every store of the group must be closed first. NULL: no-op. */
void mc_store_group_close(mc_store_group *g);
/* Makes st's transactions join g (st must be on the same file, with no transaction open). */
void mc_store_set_group(mc_store *st, mc_store_group *g);

typedef struct mc_store_group_stats {
    uint64_t commits;    /* batches committed */
    uint64_t operations; /* transactions those batches carried */
    uint64_t failed;     /* transactions failed by their batch's COMMIT, or by the loss of its
                            transaction to another's error */
    unsigned queued;     /* transactions waiting for the gate now */
    unsigned pending;    /* transactions of the open batch waiting for its COMMIT now */
} mc_store_group_stats;

/* The counts of g so far (thread-safe). */
void mc_store_group_stats_get(mc_store_group *g, mc_store_group_stats *out);

/* ---- dossiers ---- */

typedef struct mc_dossier_row {
    int64_t id;  /* 0 before insert */
    int64_t rev; /* bumped by every update */
    char *procedure, *version, *agency, *subject, *channel, *state, *outcome, *clock;
    bool final, overdue;
    int late; /* -1 not final yet, 0 on time, 1 late */
    int64_t submitted, entered, due, left, finished, fee, wake; /* MC_NONE when absent */
    char *apology;                                              /* JSON, or NULL */
    char *data; /* JSON: fields, requirements, … (the engine's) */
    /* The applicant's name, for the queue's search: set by the engine when an operation sets
     * the procedure's `applicant` field ("" when it is emptied); NULL leaves the stored one as
     * it is. The store keeps it folded (mc_utf8_fold) beside the row, outside the row values
     * events carry (the name itself is in data, chained); a load leaves it NULL. */
    char *applicant;
} mc_dossier_row;

/* Frees the strings of row (allocated with mc_malloc) and zeroes it. */
void mc_dossier_row_clear(mc_dossier_row *row);

/* Inserts row (row->id 0) and sets row->id and row->rev (1). */
int mc_store_dossier_insert(mc_store *st, mc_dossier_row *row, mc_error *err);
/* Loads dossier id into row, which must be zeroed or hold a loaded row (it is cleared first).
 * MC_ENOTFOUND when there is none. */
int mc_store_dossier_load(mc_store *st, int64_t id, mc_dossier_row *row, mc_error *err);
/* Writes row over the stored dossier when its revision is still row->rev, then bumps it;
 * MC_ECONFLICT when another writer got there first. */
int mc_store_dossier_update(mc_store *st, mc_dossier_row *row, mc_error *err);

typedef struct mc_dossier_filter {
    const char *state; /* or NULL */
    bool overdue_only;
    bool open_only;      /* not final */
    int64_t wake_before; /* MC_NONE, or only dossiers whose wake is at or before it */
} mc_dossier_filter;

#define MC_DOSSIER_FILTER_INIT                                                                     \
    {                                                                                              \
        NULL, false, false, MC_NONE                                                                \
    }

/* Calls fn for each dossier matching f, by id; fn returning non-zero stops (and is returned). */
int mc_store_dossier_each(mc_store *st, const mc_dossier_filter *f,
                          int (*fn)(void *ud, const mc_dossier_row *row), void *ud, mc_error *err);

/* A page of the queue: the dossiers in the queue's order — overdue first, then by due instant
 * (none last), then by id — after a position, matching every filter set. */
typedef enum mc_final_mode { MC_FINAL_EXCLUDE, MC_FINAL_INCLUDE, MC_FINAL_ONLY } mc_final_mode;

typedef struct mc_dossier_page {
    mc_final_mode final;
    const char *state, *procedure, *agency; /* or NULL */
    bool overdue_only;
    int64_t due_before; /* MC_NONE, or only dossiers due before it */
    /* The position: after the dossier with these keys (after_id 0: from the start). */
    bool after_overdue;
    int64_t after_due; /* MC_NONE when that dossier had no due instant */
    int64_t after_id;
    size_t limit; /* at most this many rows, 1 or more */
    /* Or NULL: only the dossiers about this subject (whole), or of this id, or whose
     * applicant's name begins with it, accents, case and runs of spaces aside ("nguyen van"
     * finds "Nguyễn Văn An" and "Nguyễn Vân"). Valid UTF-8. */
    const char *search;
    const char *subject; /* or NULL: only the dossiers about this subject */
} mc_dossier_page;

#define MC_DOSSIER_PAGE_INIT                                                                       \
    {                                                                                              \
        MC_FINAL_EXCLUDE, NULL, NULL, NULL, false, MC_NONE, false, MC_NONE, 0, 50, NULL, NULL      \
    }

/* Calls fn for each dossier of the page q, in the queue's order, at most q->limit of them; fn
 * returning non-zero stops (and is returned). Reads an index (dossier_queue): a page costs its
 * rows, not the dossiers before it. MC_EUSAGE when q->limit is 0. */
int mc_store_dossier_page(mc_store *st, const mc_dossier_page *q,
                          int (*fn)(void *ud, const mc_dossier_row *row), void *ud, mc_error *err);

/* A search by name that matches more dossiers than this is broad: its page walks the queue
 * rather than the names, and it is not counted. */
enum { MC_STORE_SEARCH_BROAD = 2000 };

/* Calls fn for each state that dossiers matching the filters of q (its position and limit
 * aside) are in, by state name: how many, and how many of them are overdue. Without a
 * due-before, a search or a subject it reads the tally the store keeps (a few rows whatever
 * the number of dossiers); else it counts the matching rows. A broad search (more than
 * MC_STORE_SEARCH_BROAD names begin with it) is not counted: *broad is set, fn is not called.
 * MC_EUSAGE when q->search is not valid UTF-8. */
int mc_store_page_counts(mc_store *st, const mc_dossier_page *q,
                            int (*fn)(void *ud, const char *state, int64_t count, int64_t overdue),
                            void *ud, bool *broad, mc_error *err);

/* ---- events ---- */

typedef struct mc_event_row {
    int64_t seq;       /* set by append: a store-wide ordering key (on PostgreSQL from a
                          sequence, so with gaps); the chain is by partition and position */
    int64_t part;      /* set by append: the partition (mc_store_event_partition) */
    int64_t pos;       /* set by append: the place in its partition, 1, 2, … without gaps; 0 on
                          an event of a frozen chain from before schema version 5 */
    int64_t dossier;   /* 0 for store-wide events */
    int64_t at;        /* UTC seconds */
    const char *kind;  /* submit, fire, timer, overdue, apology, blocked, refused, … */
    const char *actor; /* role, or NULL */
    const char *body;  /* canonical JSON of everything else */
    /* The dossier columns this event's transaction wrote, as JSON ({"state": "…", …}); set by
     * the store on append (the caller's value is ignored), NULL on events older than schema
     * version 4. verify rebuilds every dossier row from these. */
    const char *row;
    unsigned char prev[MC_HASH_BYTES];
    unsigned char hash[MC_HASH_BYTES];
} mc_event_row;

/* Appends ev to the chain of its dossier's partition (in the open transaction), locking that
 * partition's head until the transaction ends: sets seq, part, pos, prev and hash. */
int mc_store_event_append(mc_store *st, mc_event_row *ev, mc_error *err);
/* The chain hash of ev into out, as mc_store_event_append computes it from ev's prev, seq,
 * dossier, at, kind, actor, body and row (and part and pos when pos > 0): for a tool that
 * writes a store's events in bulk (tools/genqueue.c), which verify then checks as any other. */
void mc_store_event_hash(const mc_event_row *ev, unsigned char out[MC_HASH_BYTES]);
/* Calls fn for each event of dossier (0: all), oldest first. */
int mc_store_event_each(mc_store *st, int64_t dossier, int (*fn)(void *ud, const mc_event_row *ev),
                        void *ud, mc_error *err);

/* Runs mc_store_check (below) and stops at the first problem: 0 when there is none, MC_ECHECK
 * with err naming it, or an error reading the store. *nevents gets the events counted. */
int mc_store_verify(mc_store *st, int64_t *nevents, mc_error *err);

/* ---- verification ---- */

typedef struct mc_verify_stats {
    int64_t events;   /* events in the chain */
    int64_t dossiers; /* dossier rows checked column by column against their events */
    int64_t legacy;   /* dossiers with events from before schema version 4: state checked only */
    int64_t entries;  /* entries of the other chains (records, requests, tickets, access) */
    int64_t findings; /* problems reported */
} mc_verify_stats;

/* Checks everything the store can prove about itself, reporting each problem found through
 * finding (one sentence, e.g. "dossier 12: column subject is '…' but its events say '…'"):
 * every chain (events, records, requests, tickets, access) recomputed link by link and against
 * its head record; every dossier row rebuilt from the row values its events carry, without the
 * catalogue; every registry record, request id and correction ticket against its chain; dossiers
 * without events, events whose dossier is gone, a store with dossiers and no events. finding
 * returning non-zero stops the check (and is returned). Returns 0 when the check ran
 * (stats->findings says how it went; stats may be NULL), or an error reading the store. */
int mc_store_check(mc_store *st, int (*finding)(void *ud, const char *msg), void *ud,
                   mc_verify_stats *stats, mc_error *err);

/* ---- chains and their heads (for signed checkpoints, checkpoint.h) ---- */

#define MC_CHAIN_ACCESS "access"     /* reads of personal data (access.h) */
#define MC_CHAIN_DELIVERIES "deliveries" /* results sent to live registries (schema version 11) */
#define MC_CHAIN_EVENTS "events"     /* the dossiers' events */
#define MC_CHAIN_RECORDS "records"   /* registry records as written */
#define MC_CHAIN_REQUESTS "requests" /* request ids and their results */
#define MC_CHAIN_TICKETS "tickets"   /* correction tickets of disputed records */

/* Each kind of chain is split into partitions, chains of their own named KIND.NN ("events.07",
 * "access.12"): events by dossier id (partition 1 + (id - 1) % MC_STORE_PARTITIONS, the events
 * of no dossier in events.00), the other kinds by a stable hash of their subject (request ids:
 * of the id) into .00 … .63. A chain named by its kind alone ("events") is the frozen chain of
 * a store from before schema version 5. */
enum { MC_STORE_PARTITIONS = 64, MC_CHAIN_NAME = 16 };

/* The partition of the events of dossier (0 for the events of no dossier). */
int64_t mc_store_event_partition(int64_t dossier);
/* Whether name is a chain a store may have: a kind, or a partition of one. */
bool mc_store_chain_valid(const char *name);

typedef struct mc_chain_head {
    char name[MC_CHAIN_NAME];          /* a kind (MC_CHAIN_*) or a partition ("events.07") */
    int64_t count;                     /* entries in the chain: the last one's position */
    unsigned char hash[MC_HASH_BYTES]; /* the last entry's hash */
} mc_chain_head;

/* The head of every chain that has entries, as the entries stand (not as the head records
 * say), sorted by name, into *heads (mc_malloc'd, the caller frees; NULL when there is none)
 * and their number into *n. */
int mc_store_heads(mc_store *st, mc_chain_head **heads, size_t *n, mc_error *err);
/* The hash of entry seq (its position) of chain into out: 1 when there is one, 0 not (and for a
 * name that is no chain). */
int mc_store_chain_hash_at(mc_store *st, const char *chain, int64_t seq,
                           unsigned char out[MC_HASH_BYTES], mc_error *err);
/* The store-wide head: BLAKE2b-256 over each chain's (name, count, hash), in the order given
 * (sorted by name), each length-prefixed: the partitions' heads, and those of the frozen
 * chains of an older store, make one. */
void mc_store_head_digest(const mc_chain_head *heads, size_t n, unsigned char out[MC_HASH_BYTES]);

/* Appends body (JSON) to chain (records, requests, tickets, access), in the partition of subject
 * (which is kept for lookups; may be NULL), in the open transaction or in one of its own. The
 * entry is hashed with the one before it in its partition; triggers refuse UPDATE and DELETE. */
int mc_store_ledger_append(mc_store *st, const char *chain, const char *subject, const char *body,
                           mc_error *err);
/* Calls fn for each entry of chain (about subject, when not NULL): those of the frozen chain
 * of an older store first, then those of the partitions, each oldest first; seq is the entry's
 * position in its chain. */
int mc_store_ledger_each(mc_store *st, const char *chain, const char *subject,
                         int (*fn)(void *ud, int64_t seq, const char *body), void *ud,
                         mc_error *err);
/* The subject of dossier id into out (empty when it has none): 1 found, 0 no such dossier. */
int mc_store_dossier_subject(mc_store *st, int64_t id, char *out, size_t outsz, mc_error *err);

/* ---- registry records (SPEC §5.4) ---- */

typedef struct mc_record_row {
    const char *registry, *document, *subject, *reference, *issued;
} mc_record_row;

/* Adds or replaces the record of (registry, document, subject), and appends it to the records
 * chain, in the open transaction or in one of its own. */
int mc_store_record_put(mc_store *st, const mc_record_row *rec, mc_error *err);
/* Finds the record of (registry, document, subject); the reference is copied into ref (empty
 * when the record has none). Returns 1 when found, 0 when not, or an error. */
int mc_store_record_get(mc_store *st, const char *registry, const char *document,
                        const char *subject, char *ref, size_t refsz, mc_error *err);
/* As mc_store_record_get, and the record's issue date (YYYY-MM-DD) into issued (empty when the
 * record has none): what the once-only rule needs to check a document's validity. */
int mc_store_record_find(mc_store *st, const char *registry, const char *document,
                         const char *subject, char *ref, size_t refsz, char issued[11],
                         mc_error *err);

/* Calls fn for every record about subject, by registry and document. */
int mc_store_records_of(mc_store *st, const char *subject,
                        int (*fn)(void *ud, const mc_record_row *rec), void *ud, mc_error *err);

/* A correction ticket: an officer declared a fetched record wrong (§5.4). */
typedef struct mc_ticket_row {
    int64_t dossier;
    const char *registry, *document, *subject, *reference, *reason, *actor;
    int64_t at;
} mc_ticket_row;

/* Stores t and appends it to the tickets chain, in the open transaction or in one of its own. */
int mc_store_ticket_put(mc_store *st, const mc_ticket_row *t, mc_error *err);

/* Calls fn for each event of kind with at in [from, to), oldest first. */
int mc_store_events_of_kind(mc_store *st, const char *kind, int64_t from, int64_t to,
                            int (*fn)(void *ud, const mc_event_row *ev), void *ud, mc_error *err);

/* Calls fn for each result issued by a dossier (reference MC-<id>) on a date in [from, to]
 * (YYYY-MM-DD strings): once per registry and document, however many parties' records it was
 * filed under (the subject is then one of them); the record's `registry` slot carries the
 * issuing dossier's procedure. */
int mc_store_results_issued(mc_store *st, const char *from, const char *to,
                            int (*fn)(void *ud, const mc_record_row *rec), void *ud, mc_error *err);

/* The live registries' look-ups made in [from, to) (UTC seconds of their asked_at; INT64_MIN and
 * INT64_MAX leave an end open), as the events' `lookups` prove them (issue 20): one call of fn
 * per registry and document that has any, in byte order of (registry, document). A look-up is
 * made when it was sent to the registry: its proof carries the request id it went under; those
 * the client never sent (no endpoint configured, the circuit breaker open, the engine's last
 * run without an answer) are counted apart. An answer reused under a registry's `reuse` is no
 * look-up (the engine records no proof of it), so it is not counted. The strings are borrowed
 * until fn returns; a non-zero return stops and is returned. Reads every event (no index serves
 * a look-up's time). Errors: the store's. */
typedef struct mc_lookup_count {
    const char *registry, *document;
    int64_t made, found; /* sent to the registry; of those, answered `found` (a record, in
                            time: a late answer is `unavailable`) */
    int64_t first, last; /* asked_at of the first and last look-up, sent or not (UTC) */
    int64_t unsent;      /* look-ups the client never sent */
} mc_lookup_count;

int mc_store_lookup_counts(mc_store *st, int64_t from, int64_t to,
                           int (*fn)(void *ud, const mc_lookup_count *c), void *ud, mc_error *err);

/* The events of dossier recorded so far; a negative MC_E* code (err set) when they cannot be
 * counted. */
int64_t mc_store_event_count(mc_store *st, int64_t dossier, mc_error *err);
/* Requests of dossier refused by the once-only rule (its `blocked` events of that reason); a
 * negative MC_E* code (err set) when they cannot be counted. */
int64_t mc_store_blocked_count(mc_store *st, int64_t dossier, mc_error *err);

/* ---- procedure texts (schema version 8) ---- */

/* The text of a procedure version as a dossier was submitted under it (issue 19): its
 * declaration and its lifecycle's (mc_procedure_text), by their hash. */
typedef struct mc_text_row {
    char *hash, *procedure, *version, *text;
} mc_text_row;

/* Stores text (of procedure, version) under hash unless a text of that hash is there, in the
 * open transaction or one of its own. */
int mc_store_text_put(mc_store *st, const char *hash, const char *procedure, const char *version,
                      const char *text, mc_error *err);
/* The text of hash into *out (strings mc_malloc'd; clear with mc_text_row_clear): 1 when
 * found, 0 not. */
int mc_store_text_get(mc_store *st, const char *hash, mc_text_row *out, mc_error *err);
void mc_text_row_clear(mc_text_row *t);

/* ---- request ids (idempotency) ---- */

/* The result stored for request id, copied into *result (mc_malloc'd): 1 when found, 0 not. */
int mc_store_request_get(mc_store *st, const char *id, char **result, mc_error *err);
/* Stores the result of request id (once: a second put of an id is an error) and appends both to
 * the requests chain, in the open transaction or in one of its own. */
int mc_store_request_put(mc_store *st, const char *id, const char *result, mc_error *err);

/* ---- deliveries to live registries (schema version 11; docs/registries.md, "Results go
 * back") ---- */

/* A result issued to a live registry, waiting to be sent there (the outbox). The fields from
 * registry to created are written once, with the event that issued the record, and chained in
 * the deliveries chain (by subject); delivered_at and answer_hash are chained again when the
 * registry acknowledges; attempts, next_at and last_error are the sender's bookkeeping, outside
 * the chain. */
typedef struct mc_delivery_row {
    int64_t id;          /* set by the store */
    char request_id[33]; /* set by the store: 32 lower-case hex, the same on every attempt */
    const char *registry, *document, *subject;
    const char *party; /* "applicant", or the procedure's party the record is filed for */
    const char *reference, *issued;
    int64_t dossier;
    const char *procedure, *agency;
    int64_t created;         /* the issuing event's instant (UTC seconds) */
    int64_t attempts;        /* sends tried so far */
    int64_t next_at;         /* not sent before this instant (UTC seconds of the sender's clock) */
    int64_t delivered_at;    /* MC_NONE until acknowledged */
    const char *answer_hash; /* BLAKE2b-256 of the acknowledgement, hex; NULL until then */
    const char *last_error;  /* the last failure's one-line reason, or NULL */
} mc_delivery_row;

/* Adds d (id, request_id, attempts, next_at and the delivered fields ignored: a new delivery is
 * due at once, attempts 0) and appends it to the deliveries chain, in the open transaction (the
 * issuing event's) or in one of its own. Sets d->id and d->request_id (random, kept for every
 * retry). Errors: MC_EUSAGE without registry, document or subject; the store's. */
int mc_store_delivery_add(mc_store *st, mc_delivery_row *d, mc_error *err);
/* Calls fn for each delivery not yet acknowledged whose next_at is at or before now, the
 * earliest first (then by id), at most limit of them (0: no limit); the row's strings are
 * borrowed until fn returns, and a non-zero return stops and is returned. now = INT64_MAX lists
 * every pending one. */
int mc_store_delivery_due(mc_store *st, int64_t now, size_t limit,
                          int (*fn)(void *ud, const mc_delivery_row *d), void *ud, mc_error *err);
/* Marks delivery id acknowledged at `at` with the answer's hash (64 hex), and appends that to
 * the deliveries chain, in a transaction of its own unless one is open. Returns 1 when it was
 * marked, 0 when it was already acknowledged or there is no such delivery (nothing written). */
int mc_store_delivery_done(mc_store *st, int64_t id, int64_t at, const char *answer_hash,
                           mc_error *err);
/* Records a failed attempt of delivery id: attempts + 1, its reason (one line) and when to try
 * again. Returns 1, or 0 when it was already acknowledged or there is none. */
int mc_store_delivery_failed(mc_store *st, int64_t id, const char *error, int64_t next_at,
                             mc_error *err);
/* The deliveries not yet acknowledged, by registry: fn(ud, registry, count) in registry order
 * (only registries with some). */
int mc_store_delivery_pending(mc_store *st,
                              int (*fn)(void *ud, const char *registry, int64_t pending), void *ud,
                              mc_error *err);

/* ---- moving a store ---- */

/* Copies everything src holds into dst, a new empty store, whatever the backends (SQLite to
 * PostgreSQL and back): dossiers with their ids and revisions, every chain entry as written
 * (events, records, request ids, tickets, the access log) with its hashes, and the chains'
 * heads. The source is read in one snapshot, the destination written in one transaction: the
 * copy is whole or absent. Then verifies it: it must verify, and its chains end where the
 * source's do. *rows (may be NULL) gets the rows copied. Errors: MC_ECHECK when the source
 * does not verify (nothing copied) or the copy does not, MC_EUSAGE when dst is not empty,
 * or an error of either store. */
int mc_store_copy(mc_store *src, mc_store *dst, int64_t *rows, mc_error *err);

/* ---- the timer scheduler's leases (engine.h, mc_engine_wake) ---- */

/* A dossier with a timer or an overdue mark due: its id and its wake instant. */
typedef struct mc_due {
    int64_t id, wake;
} mc_due;

/* The open dossiers whose wake is before now and after (after_wake, after_id) in the order of
 * (wake, id), the first max of them into out (*n gets how many). With lease, inside a
 * transaction begun with mc_store_begin, each row returned stays leased to this transaction
 * until it ends: PostgreSQL locks the rows (SELECT … FOR UPDATE SKIP LOCKED: rows another
 * transaction holds are skipped, not waited for), SQLite's write lock already keeps every other
 * writer out. Without lease, a look that locks nothing, in a transaction or not. Errors:
 * MC_EUSAGE (a lease outside a write transaction), the store's. */
int mc_store_dossier_due(mc_store *st, int64_t now, int64_t after_wake, int64_t after_id,
                         bool lease, mc_due *out, size_t max, size_t *n, mc_error *err);

/* ---- what an operator watches (serve's /metrics; docs/operations.md, "Monitoring") ---- */

/* The open dossiers (not final) counted by procedure and state: fn(ud, procedure, state, open,
 * overdue) once per pair that has any, in the order of (procedure, state); the strings are
 * borrowed until fn returns, and a non-zero return stops the count and is returned. One
 * grouped query through the queue's index (final first), so that finished dossiers cost
 * nothing. Errors: the store's. */
int mc_store_dossier_counts(mc_store *st,
                            int (*fn)(void *ud, const char *procedure, const char *state,
                                      int64_t open, int64_t overdue),
                            void *ud, mc_error *err);

/* The open dossiers due at or after the instant from (seconds since the epoch), counted by
 * procedure: fn(ud, procedure, open) once per procedure that has any, in the order of the
 * names; as mc_store_dossier_counts otherwise. One grouped query through a range of an index
 * (final, due): only the dossiers due from `from` on are read, so that /metrics can count the
 * deadlines past a calendar's covered years (motcua_dossiers_calendar_uncovered) at each
 * scrape. Errors: the store's. */
int mc_store_dossier_due_from(mc_store *st, int64_t from,
                              int (*fn)(void *ud, const char *procedure, int64_t open), void *ud,
                              mc_error *err);

/* The bytes the database takes: SQLite's pages in the main file (not its write-ahead log, which
 * only the file system knows), PostgreSQL's pg_database_size. Errors: the store's. */
int mc_store_size(mc_store *st, int64_t *bytes, mc_error *err);

/* How often the stores of this process met another writer, since it started (thread-safe). */
typedef struct mc_store_waits {
    uint64_t busy;      /* SQLite: waits begun for a lock another connection held (the busy
                           handler's first call of each wait) */
    uint64_t timeouts;  /* operations that waited past the busy timeout or PostgreSQL's
                           lock_timeout (MC_EBUSY) */
    uint64_t conflicts; /* PostgreSQL: transactions lost to a concurrent writer (serialization
                           failure, deadlock, a key taken: MC_ERETRY) */
    uint64_t reconnects; /* PostgreSQL: sessions made again after their connection was lost (a
                            restart of the server, a failover) */
} mc_store_waits;

void mc_store_waits_get(mc_store_waits *out);

#endif
