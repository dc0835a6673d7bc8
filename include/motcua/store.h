/*
 * The store (SPEC §11): one SQLite file in WAL mode holding dossiers, their append-only event
 * chain, registry records and request ids. The store knows rows, not rules: the engine decides
 * what a dossier becomes, the store makes it durable, all of an operation in one transaction.
 *
 * Every event is chained: its hash is BLAKE2b-256 (libsodium) over the previous event's hash
 * and the event's own content, so that mc_store_verify() can show that nothing was changed,
 * removed or inserted after the fact. Triggers refuse UPDATE and DELETE of events.
 *
 * Concurrency: writers take the database lock at mc_store_begin() (BEGIN IMMEDIATE) and wait up
 * to the busy timeout for each other; a dossier row carries a revision, and an update whose
 * revision is stale is refused with MC_ECONFLICT, so no update is ever lost.
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
};

#define MC_NONE INT64_MIN /* an absent time or amount */

enum { MC_HASH_BYTES = 32 };

typedef struct mc_store mc_store;

/* Opens (creating if needed) the store at path; ":memory:" gives a private in-memory store, and
 * a URI such as "file:motcua.db?mode=ro" a read-only one. Applies the schema migrations up to
 * the current version. */
int mc_store_open(mc_store **out, const char *path, mc_error *err);
void mc_store_close(mc_store *st);

/* One operation = one transaction. begin takes the write lock (waiting up to the busy
 * timeout); commit makes everything durable at once; rollback forgets it. */
int mc_store_begin(mc_store *st, mc_error *err);
int mc_store_commit(mc_store *st, mc_error *err);
void mc_store_rollback(mc_store *st);

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

/* ---- events ---- */

typedef struct mc_event_row {
    int64_t seq;       /* set by append */
    int64_t dossier;   /* 0 for store-wide events */
    int64_t at;        /* UTC seconds */
    const char *kind;  /* submit, fire, timer, overdue, apology, blocked, refused, … */
    const char *actor; /* role, or NULL */
    const char *body;  /* canonical JSON of everything else */
    unsigned char prev[MC_HASH_BYTES];
    unsigned char hash[MC_HASH_BYTES];
} mc_event_row;

/* Appends ev to the chain (in the open transaction): sets seq, prev and hash. */
int mc_store_event_append(mc_store *st, mc_event_row *ev, mc_error *err);
/* Calls fn for each event of dossier (0: all), oldest first. */
int mc_store_event_each(mc_store *st, int64_t dossier, int (*fn)(void *ud, const mc_event_row *ev),
                        void *ud, mc_error *err);

/* Recomputes the whole chain and checks the store's invariants: the chain's head record is its
 * last event, and every dossier is in the state its recorded transitions lead to. Returns 0
 * when all hold; MC_ECHECK with err naming the first problem (an event's seq in err->line). */
int mc_store_verify(mc_store *st, int64_t *nevents, mc_error *err);

/* ---- registry records (SPEC §5.4) ---- */

typedef struct mc_record_row {
    const char *registry, *document, *subject, *reference, *issued;
} mc_record_row;

/* Adds or replaces the record of (registry, document, subject). */
int mc_store_record_put(mc_store *st, const mc_record_row *rec, mc_error *err);
/* Finds the record of (registry, document, subject); the reference is copied into ref (empty
 * when the record has none). Returns 1 when found, 0 when not, or an error. */
int mc_store_record_get(mc_store *st, const char *registry, const char *document,
                        const char *subject, char *ref, size_t refsz, mc_error *err);

/* Calls fn for every record about subject, by registry and document. */
int mc_store_records_of(mc_store *st, const char *subject,
                        int (*fn)(void *ud, const mc_record_row *rec), void *ud, mc_error *err);

/* A correction ticket: an officer declared a fetched record wrong (§5.4). */
typedef struct mc_ticket_row {
    int64_t dossier;
    const char *registry, *document, *subject, *reference, *reason, *actor;
    int64_t at;
} mc_ticket_row;

int mc_store_ticket_put(mc_store *st, const mc_ticket_row *t, mc_error *err);

/* Calls fn for each event of kind with at in [from, to), oldest first. */
int mc_store_events_of_kind(mc_store *st, const char *kind, int64_t from, int64_t to,
                            int (*fn)(void *ud, const mc_event_row *ev), void *ud, mc_error *err);

/* Calls fn for each record issued by a dossier (reference MC-<id>) on a date in [from, to]
 * (YYYY-MM-DD strings); the record's `registry` slot carries the issuing dossier's procedure. */
int mc_store_results_issued(mc_store *st, const char *from, const char *to,
                            int (*fn)(void *ud, const mc_record_row *rec), void *ud, mc_error *err);

/* The events of dossier recorded so far. */
int64_t mc_store_event_count(mc_store *st, int64_t dossier);
/* Requests of dossier refused by the once-only rule (its `blocked` events of that reason). */
int64_t mc_store_blocked_count(mc_store *st, int64_t dossier);

/* ---- request ids (idempotency) ---- */

/* The result stored for request id, copied into *result (mc_malloc'd): 1 when found, 0 not. */
int mc_store_request_get(mc_store *st, const char *id, char **result, mc_error *err);
int mc_store_request_put(mc_store *st, const char *id, const char *result, mc_error *err);

#endif
