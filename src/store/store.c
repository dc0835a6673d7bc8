/*
 * The SQLite store (store.h). Statements are prepared once per store and reused; values are
 * always bound, never formatted into SQL (verify's queries are formatted from the constant
 * names of the dossier columns, nothing else). Schema changes are forward migrations keyed on
 * PRAGMA user_version, applied under the write lock.
 */
#include "motcua/store.h"

#include "motcua/alloc.h"

#include "base/json.h"

#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum { BUSY_TIMEOUT_MS = 5000 };

/* Migration i brings the schema from version i to i + 1. */
static const char *const migrations[] = {
    "CREATE TABLE dossier ("
    "  id INTEGER PRIMARY KEY, rev INTEGER NOT NULL,"
    "  procedure TEXT NOT NULL, version TEXT NOT NULL, agency TEXT, subject TEXT,"
    "  channel TEXT NOT NULL, state TEXT NOT NULL, outcome TEXT, clock TEXT NOT NULL,"
    "  final INTEGER NOT NULL, overdue INTEGER NOT NULL, late INTEGER NOT NULL,"
    "  submitted INTEGER NOT NULL, entered INTEGER NOT NULL, due INTEGER, left INTEGER,"
    "  finished INTEGER, fee INTEGER, wake INTEGER, apology TEXT, data TEXT NOT NULL);"
    "CREATE INDEX dossier_wake ON dossier(wake) WHERE wake IS NOT NULL;"
    "CREATE INDEX dossier_state ON dossier(state);"
    "CREATE TABLE event ("
    "  seq INTEGER PRIMARY KEY, dossier INTEGER NOT NULL, at INTEGER NOT NULL,"
    "  kind TEXT NOT NULL, actor TEXT, body TEXT NOT NULL,"
    "  prev BLOB NOT NULL, hash BLOB NOT NULL);"
    "CREATE INDEX event_dossier ON event(dossier, seq);"
    "CREATE TRIGGER event_no_update BEFORE UPDATE ON event"
    "  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;"
    "CREATE TRIGGER event_no_delete BEFORE DELETE ON event"
    "  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;"
    "CREATE TABLE record ("
    "  registry TEXT NOT NULL, document TEXT NOT NULL, subject TEXT NOT NULL,"
    "  reference TEXT, issued TEXT, PRIMARY KEY (registry, document, subject));"
    "CREATE TABLE request (id TEXT PRIMARY KEY, result TEXT NOT NULL);",
    /* 2: correction tickets for registry records disputed by officers (§5.4). */
    "CREATE TABLE ticket ("
    "  id INTEGER PRIMARY KEY, dossier INTEGER NOT NULL, registry TEXT NOT NULL,"
    "  document TEXT NOT NULL, subject TEXT, reference TEXT, reason TEXT NOT NULL,"
    "  at INTEGER NOT NULL, actor TEXT);"
    "CREATE INDEX ticket_registry ON ticket(registry);",
    /* 3: the head of the chain, so that removing the newest events shows. */
    "CREATE TABLE chain_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL,"
    "  hash BLOB NOT NULL);"
    "INSERT INTO chain_head (id, seq, hash) SELECT 1, seq, hash FROM event"
    "  ORDER BY seq DESC LIMIT 1;",
    /* 4: tamper evidence for every row. An event carries the values of the dossier columns
     * its transaction wrote (`row`, JSON; NULL on events from before this version); registry
     * records, request ids and reads of personal data are entries of chains of their own in
     * `ledger`, each with its head in `ledger_head`. */
    "ALTER TABLE event ADD COLUMN row TEXT;"
    "CREATE TABLE ledger (chain TEXT NOT NULL, seq INTEGER NOT NULL, subject TEXT,"
    "  body TEXT NOT NULL, prev BLOB NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (chain, seq));"
    "CREATE INDEX ledger_subject ON ledger(chain, subject) WHERE subject IS NOT NULL;"
    "CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger"
    "  BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;"
    "CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger"
    "  BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;"
    "CREATE TABLE ledger_head (chain TEXT PRIMARY KEY, seq INTEGER NOT NULL,"
    "  hash BLOB NOT NULL);",
};
enum { SCHEMA_VERSION = sizeof migrations / sizeof migrations[0] };

enum stmt_id {
    S_BEGIN,
    S_BEGIN_OPTIMISTIC,
    S_COMMIT,
    S_ROLLBACK,
    S_DOSSIER_INSERT,
    S_DOSSIER_LOAD,
    S_DOSSIER_UPDATE,
    S_EVENT_LAST,
    S_EVENT_INSERT,
    S_EVENT_EACH,
    S_EVENT_ALL,
    S_RECORD_PUT,
    S_RECORD_GET,
    S_REQUEST_GET,
    S_REQUEST_PUT,
    S_TICKET_PUT,
    S_RECORDS_OF,
    S_BLOCKED_COUNT,
    S_EVENT_COUNT,
    S_HEAD_PUT,
    S_HEAD_GET,
    S_EVENTS_OF_KIND,
    S_RESULTS_ISSUED,
    S_LEDGER_LAST,
    S_LEDGER_INSERT,
    S_LEDGER_HEAD_PUT,
    S_LEDGER_HEAD_GET,
    S_LEDGER_EACH,
    S_LEDGER_OF_SUBJECT,
    S_LEDGER_AT,
    S_EVENT_AT,
    S_DOSSIER_SUBJECT,
    S_COUNT
};

#define DOSSIER_COLUMNS                                                                            \
    "rev, procedure, version, agency, subject, channel, state, outcome, clock, final, "            \
    "overdue, late, submitted, entered, due, left, finished, fee, wake, apology, data"

static const char *const stmt_sql[S_COUNT] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_BEGIN_OPTIMISTIC] = "BEGIN DEFERRED",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_DOSSIER_INSERT] = "INSERT INTO dossier (" DOSSIER_COLUMNS ") VALUES "
                         "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
                         "?17, ?18, ?19, ?20, ?21)",
    [S_DOSSIER_LOAD] = "SELECT " DOSSIER_COLUMNS ", id FROM dossier WHERE id = ?1",
    [S_DOSSIER_UPDATE] = "UPDATE dossier SET rev = ?1 + 1, procedure = ?2, version = ?3, "
                         "agency = ?4, subject = ?5, channel = ?6, state = ?7, outcome = ?8, "
                         "clock = ?9, final = ?10, overdue = ?11, late = ?12, submitted = ?13, "
                         "entered = ?14, due = ?15, left = ?16, finished = ?17, fee = ?18, "
                         "wake = ?19, apology = ?20, data = ?21 WHERE id = ?22 AND rev = ?1",
    [S_EVENT_LAST] = "SELECT seq, hash FROM event ORDER BY seq DESC LIMIT 1",
    [S_EVENT_INSERT] = "INSERT INTO event (seq, dossier, at, kind, actor, body, prev, hash, row) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [S_EVENT_EACH] = "SELECT seq, dossier, at, kind, actor, body, prev, hash, row FROM event "
                     "WHERE dossier = ?1 ORDER BY seq",
    [S_EVENT_ALL] = "SELECT seq, dossier, at, kind, actor, body, prev, hash, row FROM event "
                    "ORDER BY seq",
    [S_RECORD_PUT] = "INSERT OR REPLACE INTO record (registry, document, subject, reference, "
                     "issued) VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_RECORD_GET] =
        "SELECT reference, issued FROM record WHERE registry = ?1 AND document = ?2 AND "
        "subject = ?3",
    [S_REQUEST_GET] = "SELECT result FROM request WHERE id = ?1",
    [S_REQUEST_PUT] = "INSERT INTO request (id, result) VALUES (?1, ?2)",
    [S_TICKET_PUT] = "INSERT INTO ticket (dossier, registry, document, subject, reference, "
                     "reason, at, actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [S_RECORDS_OF] = "SELECT registry, document, subject, reference, issued FROM record "
                     "WHERE subject = ?1 ORDER BY registry, document",
    [S_HEAD_PUT] = "INSERT OR REPLACE INTO chain_head (id, seq, hash) VALUES (1, ?1, ?2)",
    [S_HEAD_GET] = "SELECT seq, hash FROM chain_head WHERE id = 1",
    [S_EVENTS_OF_KIND] = "SELECT seq, dossier, at, kind, actor, body, prev, hash, row FROM event "
                         "WHERE kind = ?1 AND at >= ?2 AND at < ?3 ORDER BY seq",
    [S_RESULTS_ISSUED] = "SELECT d.procedure, r.document, r.subject, r.reference, r.issued "
                         "FROM record r JOIN dossier d "
                         "ON d.id = CAST(substr(r.reference, 4) AS INTEGER) "
                         "WHERE r.reference LIKE 'MC-%' AND r.issued >= ?1 AND r.issued <= ?2 "
                         "GROUP BY r.reference, r.registry, r.document",
    [S_BLOCKED_COUNT] = "SELECT count(*) FROM event WHERE dossier = ?1 AND kind = 'blocked' "
                        "AND json_extract(body, '$.reason') = 'once-only'",
    [S_EVENT_COUNT] = "SELECT count(*) FROM event WHERE dossier = ?1",
    [S_LEDGER_LAST] = "SELECT seq, hash FROM ledger WHERE chain = ?1 ORDER BY seq DESC LIMIT 1",
    [S_LEDGER_INSERT] = "INSERT INTO ledger (chain, seq, subject, body, prev, hash) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [S_LEDGER_HEAD_PUT] =
        "INSERT OR REPLACE INTO ledger_head (chain, seq, hash) VALUES (?1, ?2, ?3)",
    [S_LEDGER_HEAD_GET] = "SELECT seq, hash FROM ledger_head WHERE chain = ?1",
    [S_LEDGER_EACH] = "SELECT seq, subject, body, prev, hash FROM ledger WHERE chain = ?1 "
                      "ORDER BY seq",
    [S_LEDGER_OF_SUBJECT] = "SELECT seq, subject, body, prev, hash FROM ledger WHERE chain = ?1 "
                            "AND subject = ?2 ORDER BY seq",
    [S_LEDGER_AT] = "SELECT hash FROM ledger WHERE chain = ?1 AND seq = ?2",
    [S_EVENT_AT] = "SELECT hash FROM event WHERE seq = ?1",
    [S_DOSSIER_SUBJECT] = "SELECT subject FROM dossier WHERE id = ?1",
};

struct mc_store {
    sqlite3 *db;
    sqlite3_stmt *stmt[S_COUNT];
    bool in_tx;
    bool optimistic; /* the open transaction began without the write lock */
    /* The write gate (mc_store_set_gate), and whether this store's transaction is through it. */
    void (*gate_enter)(void *ud);
    void (*gate_leave)(void *ud);
    void *gate_ud;
    bool gate_held;
    bool keep_gate; /* an optimistic write met another writer: keep the gate for the second run */
    /* The dossier columns written in the open transaction and not yet carried by an event:
     * {"<dossier id>": {column: value, …}}. The next event of that dossier takes them. */
    json_t *pending;
};

static int db_error(mc_store *st, mc_error *err, int rc, const char *what)
{
    int code = rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? MC_EBUSY
               : rc == SQLITE_NOMEM                     ? MC_ENOMEM
                                                        : MC_EIO;
    if (code == MC_EBUSY && st != NULL && st->in_tx && st->optimistic) {
        /* SQLite cannot wait here (the snapshot would be stale): run the operation again, still
         * holding the gate, so that the second run does not queue behind later writers. */
        code = MC_ERETRY;
        st->keep_gate = st->gate_held;
    }
    const char *msg = st && st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc);
    if (rc == SQLITE_FULL) {
        msg = "the disk is full";
    } else if (rc == SQLITE_READONLY) {
        msg = "the store is read-only";
    }
    return mc_error_set(err, code, "store: %s: %s", what, msg);
}

static void gate_enter(mc_store *st)
{
    if (st->gate_enter != NULL && !st->gate_held) {
        st->gate_enter(st->gate_ud);
        st->gate_held = true;
    }
}

static void gate_leave(mc_store *st)
{
    if (st->gate_held) {
        st->gate_held = false;
        st->gate_leave(st->gate_ud);
    }
}

/* A text or blob bound with SQLITE_TRANSIENT is copied, and the copy can fail: the statement
 * would then run with NULL in its place (a dossier saved without its state). The bind helpers
 * note the failure, and step() returns it instead of running the statement. A thread binds and
 * steps one statement at a time, so the note belongs to the statement bound last; stmt() clears
 * it. */
static _Thread_local int bind_failed;

static void fresh(void)
{
    bind_failed = SQLITE_OK;
}

static void note_bind(int rc)
{
    if (rc != SQLITE_OK && bind_failed == SQLITE_OK) {
        bind_failed = rc;
    }
}

static int step(sqlite3_stmt *s)
{
    int rc = bind_failed;
    if (rc != SQLITE_OK) {
        bind_failed = SQLITE_OK;
        return rc;
    }
    return sqlite3_step(s);
}

static sqlite3_stmt *stmt(mc_store *st, enum stmt_id id)
{
    sqlite3_stmt *s = st->stmt[id];
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    fresh();
    if (st->in_tx && st->optimistic && !st->gate_held && !sqlite3_stmt_readonly(s)) {
        gate_enter(st); /* the first write of an optimistic transaction */
    }
    return s;
}

/* ==== opening ============================================================================ */

static int schema_version(mc_store *st, int *version, mc_error *err)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL);
    if (rc != SQLITE_OK) {
        return db_error(st, err, rc, "reading the schema version");
    }
    rc = step(s);
    *version = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? 0 : db_error(st, err, rc, "reading the schema version");
}

static int prepare_all(mc_store *st, mc_error *err)
{
    for (int i = 0; i < S_COUNT; i++) {
        if (st->stmt[i] != NULL) {
            continue;
        }
        int rc = sqlite3_prepare_v3(st->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                    &st->stmt[i], NULL);
        if (rc != SQLITE_OK) {
            return db_error(st, err, rc, "preparing statements");
        }
    }
    return 0;
}

static int ledger_put_record(mc_store *st, const mc_record_row *rec, mc_error *err);
static int ledger_put_request(mc_store *st, const char *id, const char *result, mc_error *err);
static int ledger_put_ticket(mc_store *st, int64_t id, const mc_ticket_row *t, mc_error *err);

/* The registry records, request ids and correction tickets of a store made before version 4
 * enter their chains as they stand at the upgrade: from then on, a change to them shows. */
static int seed_ledger(mc_store *st, mc_error *err)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(st->db,
                                "SELECT registry, document, subject, reference, issued FROM "
                                "record ORDER BY registry, document, subject",
                                -1, &s, NULL);
    if (rc != SQLITE_OK) {
        return db_error(st, err, rc, "migrating the schema");
    }
    int e = 0;
    while (e == 0 && (rc = step(s)) == SQLITE_ROW) {
        mc_record_row rec = {
            (const char *)sqlite3_column_text(s, 0), (const char *)sqlite3_column_text(s, 1),
            (const char *)sqlite3_column_text(s, 2), (const char *)sqlite3_column_text(s, 3),
            (const char *)sqlite3_column_text(s, 4)};
        e = ledger_put_record(st, &rec, err);
    }
    sqlite3_finalize(s);
    if (e != 0) {
        return e;
    }
    rc = sqlite3_prepare_v2(st->db, "SELECT id, result FROM request ORDER BY id", -1, &s, NULL);
    if (rc != SQLITE_OK) {
        return db_error(st, err, rc, "migrating the schema");
    }
    while (e == 0 && (rc = step(s)) == SQLITE_ROW) {
        e = ledger_put_request(st, (const char *)sqlite3_column_text(s, 0),
                               (const char *)sqlite3_column_text(s, 1), err);
    }
    sqlite3_finalize(s);
    if (e != 0) {
        return e;
    }
    rc = sqlite3_prepare_v2(st->db,
                            "SELECT id, dossier, registry, document, subject, reference, reason, "
                            "at, actor FROM ticket ORDER BY id",
                            -1, &s, NULL);
    if (rc != SQLITE_OK) {
        return db_error(st, err, rc, "migrating the schema");
    }
    while (e == 0 && (rc = step(s)) == SQLITE_ROW) {
        mc_ticket_row t = {sqlite3_column_int64(s, 1),
                           (const char *)sqlite3_column_text(s, 2),
                           (const char *)sqlite3_column_text(s, 3),
                           (const char *)sqlite3_column_text(s, 4),
                           (const char *)sqlite3_column_text(s, 5),
                           (const char *)sqlite3_column_text(s, 6),
                           (const char *)sqlite3_column_text(s, 8),
                           sqlite3_column_int64(s, 7)};
        e = ledger_put_ticket(st, sqlite3_column_int64(s, 0), &t, err);
    }
    sqlite3_finalize(s);
    return e;
}

/* Brings the schema to SCHEMA_VERSION. The version is read again under the write lock, so that
 * several processes opening a new store at once create it once (SPEC §11). */
static int migrate(mc_store *st, mc_error *err)
{
    int version;
    int rc = schema_version(st, &version, err);
    if (rc != 0 || version == SCHEMA_VERSION) {
        return rc;
    }
    bool locked = false;
    if (version < SCHEMA_VERSION) {
        int e = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        if (e != SQLITE_OK) {
            return db_error(st, err, e, "migrating the schema");
        }
        locked = true;
        rc = schema_version(st, &version, err); /* another process may have got there first */
    }
    int from = version;
    if (rc == 0 && version > SCHEMA_VERSION) {
        rc = mc_error_set(err, MC_EIO,
                          "store: schema version %d is newer than this motcua (%d); upgrade "
                          "motcua",
                          version, SCHEMA_VERSION);
    }
    for (int v = from; rc == 0 && v < SCHEMA_VERSION; v++) {
        int e = sqlite3_exec(st->db, migrations[v], NULL, NULL, NULL);
        rc = e == SQLITE_OK ? 0 : db_error(st, err, e, "migrating the schema");
    }
    if (rc == 0 && from < SCHEMA_VERSION) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", SCHEMA_VERSION);
        int e = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
        rc = e == SQLITE_OK ? 0 : db_error(st, err, e, "migrating the schema");
        if (rc == 0 && from > 0 && from < 4) {
            rc = prepare_all(st, err);
            if (rc == 0) {
                rc = seed_ledger(st, err);
            }
        }
    }
    if (locked && rc == 0) {
        int e = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
        rc = e == SQLITE_OK ? 0 : db_error(st, err, e, "migrating the schema");
    }
    if (rc != 0 && sqlite3_get_autocommit(st->db) == 0) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    }
    return rc;
}

int mc_store_open(mc_store **out, const char *path, mc_error *err)
{
    *out = NULL;
    if (mc_init() < 0) {
        return mc_error_set(err, MC_EINTERNAL, "store: libsodium failed to start");
    }
    mc_store *st = mc_calloc(1, sizeof *st);
    if (st == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    int rc = sqlite3_open_v2(path, &st->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI, NULL);
    if (rc != SQLITE_OK) {
        int e = db_error(st, err, rc, path);
        mc_store_close(st);
        return e;
    }
    sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(st->db, 0);
    /* Turning a new file to WAL takes a lock for which SQLite does not always wait (another
     * process may be doing the same at this moment): try again for up to the busy timeout. */
    rc = sqlite3_exec(st->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
    for (int waited = 0; rc == SQLITE_BUSY && waited < BUSY_TIMEOUT_MS; waited += 10) {
        sqlite3_sleep(10);
        rc = sqlite3_exec(st->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_exec(st->db, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;", NULL,
                          NULL, NULL);
    }
    int e = rc != SQLITE_OK ? db_error(st, err, rc, path) : migrate(st, err);
    if (e == 0) {
        e = prepare_all(st, err);
    }
    if (e != 0) {
        mc_store_close(st);
        return e;
    }
    *out = st;
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
    for (int i = 0; i < S_COUNT; i++) {
        sqlite3_finalize(st->stmt[i]);
    }
    sqlite3_close(st->db);
    json_decref(st->pending);
    mc_free(st);
}

/* ==== transactions ======================================================================= */

static int step_done(mc_store *st, sqlite3_stmt *s, const char *what, mc_error *err)
{
    int rc = step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : db_error(st, err, rc, what);
}

int mc_store_begin(mc_store *st, mc_error *err)
{
    gate_enter(st);
    st->optimistic = false;
    int rc = step_done(st, stmt(st, S_BEGIN), "starting a transaction", err);
    st->in_tx = rc == 0;
    if (rc != 0) {
        gate_leave(st);
    }
    return rc;
}

int mc_store_begin_optimistic(mc_store *st, mc_error *err)
{
    int rc = step_done(st, stmt(st, S_BEGIN_OPTIMISTIC), "starting a transaction", err);
    st->in_tx = rc == 0;
    st->optimistic = rc == 0;
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
    int rc = step_done(st, stmt(st, S_COMMIT), "committing", err);
    if (rc == 0) {
        st->in_tx = false;
        st->optimistic = false;
        gate_leave(st);
    }
    return rc;
}

void mc_store_rollback(mc_store *st)
{
    json_object_clear(st->pending);
    if (st->in_tx) {
        step_done(st, stmt(st, S_ROLLBACK), "rolling back", NULL);
        st->in_tx = false;
        st->optimistic = false;
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
    char **strs[] = {&row->procedure, &row->version, &row->agency, &row->subject, &row->channel,
                     &row->state,     &row->outcome, &row->clock,  &row->apology, &row->data};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        mc_free(*strs[i]);
    }
    memset(row, 0, sizeof *row);
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v != NULL) {
        note_bind(sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT));
    } else {
        sqlite3_bind_null(s, i);
    }
}

static void bind_hash(sqlite3_stmt *s, int i, const unsigned char hash[MC_HASH_BYTES])
{
    note_bind(sqlite3_bind_blob(s, i, hash, MC_HASH_BYTES, SQLITE_TRANSIENT));
}

static void bind_time(sqlite3_stmt *s, int i, int64_t v)
{
    if (v != MC_NONE) {
        sqlite3_bind_int64(s, i, v);
    } else {
        sqlite3_bind_null(s, i);
    }
}

static void bind_row(sqlite3_stmt *s, const mc_dossier_row *r)
{
    sqlite3_bind_int64(s, 1, r->rev);
    bind_text(s, 2, r->procedure);
    bind_text(s, 3, r->version);
    bind_text(s, 4, r->agency);
    bind_text(s, 5, r->subject);
    bind_text(s, 6, r->channel);
    bind_text(s, 7, r->state);
    bind_text(s, 8, r->outcome);
    bind_text(s, 9, r->clock);
    sqlite3_bind_int(s, 10, r->final);
    sqlite3_bind_int(s, 11, r->overdue);
    sqlite3_bind_int(s, 12, r->late);
    sqlite3_bind_int64(s, 13, r->submitted);
    sqlite3_bind_int64(s, 14, r->entered);
    bind_time(s, 15, r->due);
    bind_time(s, 16, r->left);
    bind_time(s, 17, r->finished);
    bind_time(s, 18, r->fee);
    bind_time(s, 19, r->wake);
    bind_text(s, 20, r->apology);
    bind_text(s, 21, r->data);
}

static char *col_text(sqlite3_stmt *s, int i, bool *oom)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    if (t == NULL) {
        return NULL;
    }
    char *p = mc_strndup((const char *)t, (size_t)sqlite3_column_bytes(s, i));
    *oom |= p == NULL;
    return p;
}

static int64_t col_time(sqlite3_stmt *s, int i)
{
    return sqlite3_column_type(s, i) == SQLITE_NULL ? MC_NONE : sqlite3_column_int64(s, i);
}

/* Reads the columns of DOSSIER_COLUMNS (then id) from s into row. */
static int read_row(sqlite3_stmt *s, mc_dossier_row *r)
{
    bool oom = false;
    r->rev = sqlite3_column_int64(s, 0);
    r->procedure = col_text(s, 1, &oom);
    r->version = col_text(s, 2, &oom);
    r->agency = col_text(s, 3, &oom);
    r->subject = col_text(s, 4, &oom);
    r->channel = col_text(s, 5, &oom);
    r->state = col_text(s, 6, &oom);
    r->outcome = col_text(s, 7, &oom);
    r->clock = col_text(s, 8, &oom);
    r->final = sqlite3_column_int(s, 9) != 0;
    r->overdue = sqlite3_column_int(s, 10) != 0;
    r->late = sqlite3_column_int(s, 11);
    r->submitted = sqlite3_column_int64(s, 12);
    r->entered = sqlite3_column_int64(s, 13);
    r->due = col_time(s, 14);
    r->left = col_time(s, 15);
    r->finished = col_time(s, 16);
    r->fee = col_time(s, 17);
    r->wake = col_time(s, 18);
    r->apology = col_text(s, 19, &oom);
    r->data = col_text(s, 20, &oom);
    r->id = sqlite3_column_int64(s, 21);
    return oom ? MC_ENOMEM : 0;
}

/* ---- the row values events carry ---- */

/* The dossier columns an event records, in the order of DOSSIER_COLUMNS after rev. */
static const char *const row_columns[] = {"procedure", "version",   "agency",  "subject", "channel",
                                          "state",     "outcome",   "clock",   "final",   "overdue",
                                          "late",      "submitted", "entered", "due",     "left",
                                          "finished",  "fee",       "wake",    "apology", "data"};
enum { NROWCOLS = sizeof row_columns / sizeof row_columns[0] };

typedef struct colval {
    const char *text; /* for a text column; NULL for SQL NULL */
    int64_t num;      /* for a number column; MC_NONE for SQL NULL */
    bool is_text;
} colval;

static void row_values(const mc_dossier_row *r, colval v[NROWCOLS])
{
    const char *texts[] = {r->procedure, r->version, r->agency,  r->subject,
                           r->channel,   r->state,   r->outcome, r->clock};
    for (int i = 0; i < 8; i++) {
        v[i] = (colval){texts[i], 0, true};
    }
    int64_t nums[] = {r->final, r->overdue, r->late,     r->submitted, r->entered,
                      r->due,   r->left,    r->finished, r->fee,       r->wake};
    for (int i = 0; i < 10; i++) {
        v[8 + i] = (colval){NULL, nums[i], false};
    }
    v[18] = (colval){r->apology, 0, true};
    v[19] = (colval){r->data, 0, true};
}

static json_t *colval_json(const colval *v)
{
    if (v->is_text) {
        return v->text ? json_stringn_nocheck(v->text, strlen(v->text)) : json_null();
    }
    return v->num == MC_NONE ? json_null() : json_integer((json_int_t)v->num);
}

/* Whether the stored value in column col of s differs from v. */
static bool column_differs(sqlite3_stmt *s, int col, const colval *v)
{
    bool null = sqlite3_column_type(s, col) == SQLITE_NULL;
    if (v->is_text) {
        if (null || v->text == NULL) {
            return null != (v->text == NULL);
        }
        const char *t = (const char *)sqlite3_column_text(s, col);
        return t == NULL || strcmp(t, v->text) != 0;
    }
    return null ? v->num != MC_NONE : sqlite3_column_int64(s, col) != v->num;
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
    colval now[NROWCOLS];
    row_values(row, now);
    for (int i = 0; i < NROWCOLS; i++) {
        if (!changed[i]) {
            continue;
        }
        json_t *v = colval_json(&now[i]);
        if (v == NULL || json_object_set_new(cols, row_columns[i], v) != 0) {
            return mc_error_set(err, MC_ENOMEM, "out of memory");
        }
    }
    return 0;
}

int mc_store_dossier_insert(mc_store *st, mc_dossier_row *row, mc_error *err)
{
    if (!st->in_tx) {
        return mc_error_set(err, MC_EUSAGE, "store: a dossier is written only in a transaction");
    }
    sqlite3_stmt *s = stmt(st, S_DOSSIER_INSERT);
    row->rev = 1;
    bind_row(s, row);
    int rc = step_done(st, s, "saving a dossier", err);
    if (rc == 0) {
        row->id = sqlite3_last_insert_rowid(st->db);
        bool all[NROWCOLS];
        for (int i = 0; i < NROWCOLS; i++) {
            all[i] = true;
        }
        rc = pend_row(st, all, row, err);
    }
    return rc;
}

int mc_store_dossier_load(mc_store *st, int64_t id, mc_dossier_row *row, mc_error *err)
{
    mc_dossier_row_clear(row);
    sqlite3_stmt *s = stmt(st, S_DOSSIER_LOAD);
    sqlite3_bind_int64(s, 1, id);
    int rc = step(s);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(s);
        return mc_error_set(err, MC_ENOTFOUND, "no dossier %lld", (long long)id);
    }
    if (rc != SQLITE_ROW) {
        int e = db_error(st, err, rc, "reading a dossier");
        sqlite3_reset(s);
        return e;
    }
    int e = read_row(s, row);
    sqlite3_reset(s);
    if (e != 0) {
        mc_dossier_row_clear(row);
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    return 0;
}

int mc_store_dossier_update(mc_store *st, mc_dossier_row *row, mc_error *err)
{
    if (!st->in_tx) {
        return mc_error_set(err, MC_EUSAGE, "store: a dossier is written only in a transaction");
    }
    /* The row as stored, compared in place, to know which columns the next event must
     * carry. */
    sqlite3_stmt *s = stmt(st, S_DOSSIER_LOAD);
    sqlite3_bind_int64(s, 1, row->id);
    int rc = step(s);
    bool changed[NROWCOLS];
    bool stale = rc == SQLITE_DONE || (rc == SQLITE_ROW && sqlite3_column_int64(s, 0) != row->rev);
    if (rc == SQLITE_ROW && !stale) {
        colval now[NROWCOLS];
        row_values(row, now);
        for (int i = 0; i < NROWCOLS; i++) {
            changed[i] = column_differs(s, i + 1, &now[i]);
        }
    }
    sqlite3_reset(s);
    if (stale) {
        return mc_error_set(err, MC_ECONFLICT,
                            "dossier %lld was changed by someone else meanwhile; try again",
                            (long long)row->id);
    }
    if (rc != SQLITE_ROW) {
        return db_error(st, err, rc, "reading a dossier");
    }
    s = stmt(st, S_DOSSIER_UPDATE);
    bind_row(s, row);
    sqlite3_bind_int64(s, 22, row->id);
    rc = step_done(st, s, "saving a dossier", err);
    if (rc == 0 && sqlite3_changes(st->db) != 1) {
        rc = mc_error_set(err, MC_ECONFLICT,
                          "dossier %lld was changed by someone else meanwhile; try again",
                          (long long)row->id);
    }
    if (rc == 0) {
        rc = pend_row(st, changed, row, err);
    }
    if (rc == 0) {
        row->rev++;
    }
    return rc;
}

int mc_store_dossier_each(mc_store *st, const mc_dossier_filter *f,
                          int (*fn)(void *ud, const mc_dossier_row *row), void *ud, mc_error *err)
{
    /* The filter decides the statement; the few shapes are prepared per call. */
    char sql[400];
    snprintf(sql, sizeof sql,
             "SELECT " DOSSIER_COLUMNS ", id FROM dossier WHERE 1%s%s%s%s "
             "ORDER BY id",
             f->state ? " AND state = ?1" : "", f->overdue_only ? " AND overdue = 1" : "",
             f->open_only ? " AND final = 0" : "",
             f->wake_before != MC_NONE ? " AND wake IS NOT NULL AND wake <= ?2" : "");
    sqlite3_stmt *s;
    fresh();
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    if (rc != SQLITE_OK) {
        return db_error(st, err, rc, "listing dossiers");
    }
    if (f->state) {
        bind_text(s, 1, f->state);
    }
    if (f->wake_before != MC_NONE) {
        sqlite3_bind_int64(s, 2, f->wake_before);
    }
    int result = 0;
    while ((rc = step(s)) == SQLITE_ROW) {
        mc_dossier_row row;
        memset(&row, 0, sizeof row);
        if (read_row(s, &row) != 0) {
            mc_dossier_row_clear(&row);
            result = mc_error_set(err, MC_ENOMEM, "out of memory");
            break;
        }
        result = fn(ud, &row);
        mc_dossier_row_clear(&row);
        if (result != 0) {
            break;
        }
    }
    if (result == 0 && rc != SQLITE_DONE) {
        result = db_error(st, err, rc, "listing dossiers");
    }
    sqlite3_finalize(s);
    return result;
}

/* ==== events ============================================================================= */

/* The chain hash: BLAKE2b-256 over prev and every column of the event, each length-prefixed
 * so that no two different events serialise alike. */
static void event_hash(const mc_event_row *ev, unsigned char out[MC_HASH_BYTES])
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
    crypto_generichash_final(&h, out, MC_HASH_BYTES);
}

int mc_store_event_append(mc_store *st, mc_event_row *ev, mc_error *err)
{
    sqlite3_stmt *s = stmt(st, S_EVENT_LAST);
    int rc = step(s);
    if (rc == SQLITE_ROW) {
        ev->seq = sqlite3_column_int64(s, 0) + 1;
        if (sqlite3_column_bytes(s, 1) != MC_HASH_BYTES) {
            sqlite3_reset(s);
            return mc_error_set(err, MC_EIO,
                                "store: the last event has no valid hash; run "
                                "'motcua verify'");
        }
        memcpy(ev->prev, sqlite3_column_blob(s, 1), MC_HASH_BYTES);
    } else if (rc == SQLITE_DONE) {
        ev->seq = 1;
        memset(ev->prev, 0, MC_HASH_BYTES);
    } else {
        int e = db_error(st, err, rc, "reading the event chain");
        sqlite3_reset(s);
        return e;
    }
    sqlite3_reset(s);
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
    event_hash(ev, ev->hash);
    s = stmt(st, S_EVENT_INSERT);
    sqlite3_bind_int64(s, 1, ev->seq);
    sqlite3_bind_int64(s, 2, ev->dossier);
    sqlite3_bind_int64(s, 3, ev->at);
    bind_text(s, 4, ev->kind);
    bind_text(s, 5, ev->actor);
    bind_text(s, 6, ev->body);
    bind_hash(s, 7, ev->prev);
    bind_hash(s, 8, ev->hash);
    bind_text(s, 9, ev->row);
    ev->row = NULL; /* the text is freed below */
    rc = step_done(st, s, "appending an event", err);
    mc_free(row);
    if (rc == 0) {
        s = stmt(st, S_HEAD_PUT);
        sqlite3_bind_int64(s, 1, ev->seq);
        bind_hash(s, 2, ev->hash);
        rc = step_done(st, s, "appending an event", err);
    }
    if (rc == 0 && cols != NULL) {
        json_object_del(st->pending, key);
    }
    return rc;
}

static void read_event(sqlite3_stmt *s, mc_event_row *ev)
{
    ev->seq = sqlite3_column_int64(s, 0);
    ev->dossier = sqlite3_column_int64(s, 1);
    ev->at = sqlite3_column_int64(s, 2);
    ev->kind = (const char *)sqlite3_column_text(s, 3);
    ev->actor = (const char *)sqlite3_column_text(s, 4);
    ev->body = (const char *)sqlite3_column_text(s, 5);
    ev->row = (const char *)sqlite3_column_text(s, 8);
    memset(ev->prev, 0, MC_HASH_BYTES);
    memset(ev->hash, 0, MC_HASH_BYTES);
    if (sqlite3_column_bytes(s, 6) == MC_HASH_BYTES) {
        memcpy(ev->prev, sqlite3_column_blob(s, 6), MC_HASH_BYTES);
    }
    if (sqlite3_column_bytes(s, 7) == MC_HASH_BYTES) {
        memcpy(ev->hash, sqlite3_column_blob(s, 7), MC_HASH_BYTES);
    }
}

/* Steps s (bound, from the table) calling fn for each event row; resets s. */
static int each_event(mc_store *st, sqlite3_stmt *s, int (*fn)(void *ud, const mc_event_row *ev),
                      void *ud, mc_error *err)
{
    int rc, result = 0;
    while ((rc = step(s)) == SQLITE_ROW) {
        mc_event_row ev;
        read_event(s, &ev);
        if ((result = fn(ud, &ev)) != 0) {
            break;
        }
    }
    if (result == 0 && rc != SQLITE_DONE) {
        result = db_error(st, err, rc, "reading events");
    }
    sqlite3_reset(s);
    return result;
}

int mc_store_event_each(mc_store *st, int64_t dossier, int (*fn)(void *ud, const mc_event_row *ev),
                        void *ud, mc_error *err)
{
    sqlite3_stmt *s = stmt(st, dossier ? S_EVENT_EACH : S_EVENT_ALL);
    if (dossier) {
        sqlite3_bind_int64(s, 1, dossier);
    }
    return each_event(st, s, fn, ud, err);
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
    return st->in_tx || sqlite3_get_autocommit(st->db) == 0;
}

static int ledger_append_tx(mc_store *st, const char *chain, const char *subject, const char *body,
                            mc_error *err)
{
    sqlite3_stmt *s = stmt(st, S_LEDGER_LAST);
    bind_text(s, 1, chain);
    int rc = step(s);
    int64_t seq = 1;
    unsigned char prev[MC_HASH_BYTES], hash[MC_HASH_BYTES];
    memset(prev, 0, sizeof prev);
    if (rc == SQLITE_ROW) {
        seq = sqlite3_column_int64(s, 0) + 1;
        if (sqlite3_column_bytes(s, 1) != MC_HASH_BYTES) {
            sqlite3_reset(s);
            return mc_error_set(err, MC_EIO,
                                "store: the last entry of chain '%s' has no valid hash; run "
                                "'motcua verify'",
                                chain);
        }
        memcpy(prev, sqlite3_column_blob(s, 1), MC_HASH_BYTES);
    } else if (rc != SQLITE_DONE) {
        int e = db_error(st, err, rc, "reading a chain");
        sqlite3_reset(s);
        return e;
    }
    sqlite3_reset(s);
    ledger_hash(prev, chain, seq, subject, body, hash);
    s = stmt(st, S_LEDGER_INSERT);
    bind_text(s, 1, chain);
    sqlite3_bind_int64(s, 2, seq);
    bind_text(s, 3, subject);
    bind_text(s, 4, body);
    bind_hash(s, 5, prev);
    bind_hash(s, 6, hash);
    rc = step_done(st, s, "appending to a chain", err);
    if (rc == 0) {
        s = stmt(st, S_LEDGER_HEAD_PUT);
        bind_text(s, 1, chain);
        sqlite3_bind_int64(s, 2, seq);
        bind_hash(s, 3, hash);
        rc = step_done(st, s, "appending to a chain", err);
    }
    return rc;
}

int mc_store_ledger_append(mc_store *st, const char *chain, const char *subject, const char *body,
                           mc_error *err)
{
    if (in_transaction(st)) {
        return ledger_append_tx(st, chain, subject, body, err);
    }
    /* Outside an operation the entry is a transaction of its own: the last entry read and
     * the new one written under one lock. */
    int rc = mc_store_begin(st, err);
    if (rc == 0) {
        rc = ledger_append_tx(st, chain, subject, body, err);
    }
    if (rc == 0) {
        rc = mc_store_commit(st, err);
    }
    if (rc != 0) {
        mc_store_rollback(st);
    }
    return rc;
}

int mc_store_ledger_each(mc_store *st, const char *chain, const char *subject,
                         int (*fn)(void *ud, int64_t seq, const char *body), void *ud,
                         mc_error *err)
{
    sqlite3_stmt *s = stmt(st, subject ? S_LEDGER_OF_SUBJECT : S_LEDGER_EACH);
    bind_text(s, 1, chain);
    if (subject != NULL) {
        bind_text(s, 2, subject);
    }
    int rc, result = 0;
    while ((rc = step(s)) == SQLITE_ROW) {
        if ((result = fn(ud, sqlite3_column_int64(s, 0),
                         (const char *)sqlite3_column_text(s, 2))) != 0) {
            break;
        }
    }
    if (result == 0 && rc != SQLITE_DONE) {
        result = db_error(st, err, rc, "reading a chain");
    }
    sqlite3_reset(s);
    return result;
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
    int rc = body ? mc_store_ledger_append(st, MC_CHAIN_RECORDS, rec->subject, body, err)
                  : mc_error_set(err, MC_ENOMEM, "out of memory");
    mc_free(body);
    return rc;
}

static int ledger_put_request(mc_store *st, const char *id, const char *result, mc_error *err)
{
    const char *kv[] = {"id", id, "result", result};
    char *body = body_of(kv, 4);
    int rc = body ? mc_store_ledger_append(st, MC_CHAIN_REQUESTS, NULL, body, err)
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
    int rc = body ? mc_store_ledger_append(st, MC_CHAIN_TICKETS, t->subject, body, err)
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
static void value_text(sqlite3_stmt *s, int i, int skip, char *out, size_t outsz)
{
    int type = sqlite3_column_type(s, i);
    if (type == SQLITE_NULL) {
        snprintf(out, outsz, "empty");
    } else if (type == SQLITE_INTEGER) {
        snprintf(out, outsz, "%lld", (long long)sqlite3_column_int64(s, i));
    } else {
        const char *t = (const char *)sqlite3_column_text(s, i);
        int n = sqlite3_column_bytes(s, i);
        int from = n > 60 && skip > 20 ? skip - 20 : 0;
        int len = n - from > 60 ? 60 : n - from;
        snprintf(out, outsz, "'%s%.*s%s'", from > 0 ? "..." : "", len, t ? t + from : "",
                 from + len < n ? "..." : "");
    }
}

/* Where the texts of columns a and b of s first differ (0 unless both are text). */
static int first_difference(sqlite3_stmt *s, int a, int b)
{
    if (sqlite3_column_type(s, a) != SQLITE_TEXT || sqlite3_column_type(s, b) != SQLITE_TEXT) {
        return 0;
    }
    const char *x = (const char *)sqlite3_column_text(s, a);
    const char *y = (const char *)sqlite3_column_text(s, b);
    int i = 0;
    while (x && y && x[i] != '\0' && x[i] == y[i]) {
        i++;
    }
    return i;
}

/* Runs sql (no parameters but chain ?1 when given), calling row for each result row; row
 * returns non-zero to stop. */
static int each_row(checker *c, const char *sql, const char *chain,
                    int (*row)(checker *c, sqlite3_stmt *s))
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(c->st->db, sql, -1, &s, NULL);
    if (rc != SQLITE_OK) {
        return db_error(c->st, c->err, rc, "verifying the store");
    }
    if (chain != NULL) {
        bind_text(s, 1, chain);
    }
    int result = 0;
    while ((rc = step(s)) == SQLITE_ROW) {
        if ((result = row(c, s)) != 0) {
            break;
        }
    }
    if (result == 0 && rc != SQLITE_DONE) {
        result = db_error(c->st, c->err, rc, "verifying the store");
    }
    sqlite3_finalize(s);
    return result;
}

/* ---- the links of a chain ---- */

typedef struct link_state {
    checker *c;
    const char *chain;
    unsigned char prev[MC_HASH_BYTES];
    int64_t expect, count;
    bool rows_seen; /* an event with row values was seen */
} link_state;

/* One entry of a chain: its place, its link to the one before, its own hash. After a break
 * the check goes on from the entry as found, so that each break is reported once. */
static int check_link(link_state *l, int64_t seq, const unsigned char prev[MC_HASH_BYTES],
                      const unsigned char hash[MC_HASH_BYTES], const char *what)
{
    int stop = 0;
    l->count++;
    if (seq != l->expect) {
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
    event_hash(ev, h);
    int stop = check_link(l, ev->seq, ev->prev, ev->hash, "event");
    if (stop == 0 && memcmp(h, ev->hash, MC_HASH_BYTES) != 0) {
        stop = report(l->c,
                      "event %lld (dossier %lld, %s) was altered: its content does not match "
                      "its hash",
                      (long long)ev->seq, (long long)ev->dossier, ev->kind ? ev->kind : "?");
    }
    if (stop == 0 && ev->row == NULL && l->rows_seen) {
        stop = report(l->c,
                      "event %lld (dossier %lld, %s) carries no row values, but events before it "
                      "do: it was not written by motcua",
                      (long long)ev->seq, (long long)ev->dossier, ev->kind ? ev->kind : "?");
    }
    l->rows_seen |= ev->row != NULL;
    return stop;
}

/* The head record must name the last entry: removing the newest entries shows. */
static int check_head(checker *c, const link_state *l, int64_t seq, const void *hash, int bytes,
                      bool found)
{
    bool events = strcmp(l->chain, MC_CHAIN_EVENTS) == 0;
    if (!found) {
        if (l->count == 0) {
            return 0;
        }
        return events ? report(c, "the chain has lost its head record")
                      : report(c, "the %s chain has lost its head record", l->chain);
    }
    bool same = bytes == MC_HASH_BYTES && memcmp(hash, l->prev, MC_HASH_BYTES) == 0;
    if (seq == l->expect - 1 && same) {
        return 0;
    }
    if (events) {
        return report(c,
                      "the chain ends at event %lld, but its head is event %lld: events were "
                      "removed or replaced",
                      (long long)(l->expect - 1), (long long)seq);
    }
    return report(c,
                  "the %s chain ends at entry %lld, but its head is entry %lld: entries were "
                  "removed or replaced",
                  l->chain, (long long)(l->expect - 1), (long long)seq);
}

/* Checks the walk l against the head that s (a prepared head query) reads, if any. */
static int check_head_row(checker *c, const link_state *l, sqlite3_stmt *s, const char *what)
{
    int rc, stepped = step(s);
    if (stepped == SQLITE_ROW) {
        rc = check_head(c, l, sqlite3_column_int64(s, 0), sqlite3_column_blob(s, 1),
                        sqlite3_column_bytes(s, 1), true);
    } else if (stepped == SQLITE_DONE) {
        rc = check_head(c, l, 0, NULL, 0, false);
    } else {
        rc = db_error(c->st, c->err, stepped, what);
    }
    sqlite3_reset(s);
    return rc;
}

static int check_events(checker *c)
{
    link_state l;
    memset(&l, 0, sizeof l);
    l.c = c;
    l.chain = MC_CHAIN_EVENTS;
    l.expect = 1;
    int rc = mc_store_event_each(c->st, 0, event_link, &l, c->err);
    c->stats.events = l.count;
    if (rc != 0) {
        return rc;
    }
    return check_head_row(c, &l, stmt(c->st, S_HEAD_GET), "reading the chain head");
}

static int check_ledger(checker *c, const char *chain)
{
    link_state l;
    memset(&l, 0, sizeof l);
    l.c = c;
    l.chain = chain;
    l.expect = 1;
    sqlite3_stmt *s = stmt(c->st, S_LEDGER_EACH);
    bind_text(s, 1, chain);
    int stepped, rc = 0;
    char what[32];
    snprintf(what, sizeof what, "%s entry", chain);
    while (rc == 0 && (stepped = step(s)) == SQLITE_ROW) {
        unsigned char prev[MC_HASH_BYTES], hash[MC_HASH_BYTES], h[MC_HASH_BYTES];
        memset(prev, 0, sizeof prev);
        memset(hash, 0, sizeof hash);
        if (sqlite3_column_bytes(s, 3) == MC_HASH_BYTES) {
            memcpy(prev, sqlite3_column_blob(s, 3), MC_HASH_BYTES);
        }
        if (sqlite3_column_bytes(s, 4) == MC_HASH_BYTES) {
            memcpy(hash, sqlite3_column_blob(s, 4), MC_HASH_BYTES);
        }
        int64_t seq = sqlite3_column_int64(s, 0);
        ledger_hash(prev, chain, seq, (const char *)sqlite3_column_text(s, 1),
                    (const char *)sqlite3_column_text(s, 2), h);
        rc = check_link(&l, seq, prev, hash, what);
        if (rc == 0 && memcmp(h, hash, MC_HASH_BYTES) != 0) {
            rc = report(c, "%s %lld was altered: its content does not match its hash", what,
                        (long long)seq);
        }
    }
    if (rc == 0 && stepped != SQLITE_DONE) {
        rc = db_error(c->st, c->err, stepped, "reading a chain");
    }
    sqlite3_reset(s);
    c->stats.entries += l.count;
    if (rc != 0) {
        return rc;
    }
    s = stmt(c->st, S_LEDGER_HEAD_GET);
    bind_text(s, 1, chain);
    return check_head_row(c, &l, s, "reading a chain head");
}

/* ---- rows against their chains ---- */

static int column_mismatch(checker *c, sqlite3_stmt *s)
{
    char is[80], says[80];
    int skip = first_difference(s, 2, 3);
    value_text(s, 2, skip, is, sizeof is);
    value_text(s, 3, skip, says, sizeof says);
    return report(c, "dossier %lld: column %s is %s but its events say %s",
                  (long long)sqlite3_column_int64(s, 0), (const char *)sqlite3_column_text(s, 1),
                  is, says);
}

/* Every dossier whose events all carry row values is rebuilt from them, column by column: the
 * value of a column is the one the latest event carrying it recorded. */
static int check_columns(checker *c)
{
    for (int i = 0; i < NROWCOLS; i++) {
        /* Column names come from the table above, never from input. */
        char sql[700];
        snprintf(sql, sizeof sql,
                 "SELECT d.id, '%s', d.\"%s\", json_extract(e.row, '$.%s') FROM dossier d "
                 "JOIN event e ON e.seq = (SELECT max(x.seq) FROM event x WHERE x.dossier = d.id "
                 "AND json_type(x.row, '$.%s') IS NOT NULL) "
                 "WHERE NOT EXISTS (SELECT 1 FROM event y WHERE y.dossier = d.id AND y.row IS "
                 "NULL) AND d.\"%s\" IS NOT json_extract(e.row, '$.%s') ORDER BY d.id",
                 row_columns[i], row_columns[i], row_columns[i], row_columns[i], row_columns[i],
                 row_columns[i]);
        int rc = each_row(c, sql, NULL, column_mismatch);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static int count_row(checker *c, sqlite3_stmt *s)
{
    c->stats.dossiers = sqlite3_column_int64(s, 0);
    c->stats.legacy = sqlite3_column_int64(s, 1);
    return 0;
}

static int legacy_state(checker *c, sqlite3_stmt *s)
{
    const char *state = (const char *)sqlite3_column_text(s, 1);
    const char *last = (const char *)sqlite3_column_text(s, 2);
    return report(c, "dossier %lld is in state '%s' but its events lead to '%s'",
                  (long long)sqlite3_column_int64(s, 0), state ? state : "?",
                  last ? last : "nowhere");
}

static int no_events(checker *c, sqlite3_stmt *s)
{
    return report(c, "dossier %lld has no events: it was not written by motcua",
                  (long long)sqlite3_column_int64(s, 0));
}

static int gone(checker *c, sqlite3_stmt *s)
{
    int64_t n = sqlite3_column_int64(s, 1);
    return report(c, "dossier %lld is gone, but %lld %s it: its row was deleted",
                  (long long)sqlite3_column_int64(s, 0), (long long)n,
                  n == 1 ? "event records" : "events record");
}

static int wiped(checker *c, sqlite3_stmt *s)
{
    return report(c, "the store has %lld dossiers and no events: the event chain was wiped",
                  (long long)sqlite3_column_int64(s, 0));
}

static int check_dossiers(checker *c)
{
    int rc = each_row(c,
                      "SELECT count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM event y WHERE "
                      "y.dossier = d.id AND y.row IS NULL) AND EXISTS (SELECT 1 FROM event z "
                      "WHERE z.dossier = d.id)), count(*) FILTER (WHERE EXISTS (SELECT 1 FROM "
                      "event y WHERE y.dossier = d.id AND y.row IS NULL)) FROM dossier d",
                      NULL, count_row);
    if (rc == 0 && c->stats.events == 0) {
        return each_row(c, "SELECT count(*) FROM dossier HAVING count(*) > 0", NULL, wiped);
    }
    if (rc == 0) {
        rc = each_row(c,
                      "SELECT id FROM dossier d WHERE NOT EXISTS (SELECT 1 FROM event e WHERE "
                      "e.dossier = d.id) ORDER BY id",
                      NULL, no_events);
    }
    if (rc == 0) {
        rc = each_row(c,
                      "SELECT dossier, count(*) FROM event e WHERE dossier <> 0 AND NOT EXISTS "
                      "(SELECT 1 FROM dossier d WHERE d.id = e.dossier) GROUP BY dossier "
                      "ORDER BY dossier",
                      NULL, gone);
    }
    if (rc == 0) {
        rc = check_columns(c);
    }
    if (rc == 0) {
        /* Events from before schema version 4 carry no row values: their dossiers are checked
         * as before, by the state their transitions lead to. */
        rc = each_row(c,
                      "SELECT id, state, last FROM (SELECT d.id AS id, d.state AS state, "
                      "(SELECT json_extract(e.body, '$.to') FROM event e WHERE e.dossier = d.id "
                      "AND json_extract(e.body, '$.to') IS NOT NULL ORDER BY e.seq DESC LIMIT 1) "
                      "AS last FROM dossier d WHERE EXISTS (SELECT 1 FROM event y WHERE "
                      "y.dossier = d.id AND y.row IS NULL)) WHERE state IS NOT last ORDER BY id",
                      NULL, legacy_state);
    }
    return rc;
}

static int record_mismatch(checker *c, sqlite3_stmt *s)
{
    const char *r = (const char *)sqlite3_column_text(s, 1);
    const char *d = (const char *)sqlite3_column_text(s, 2);
    const char *subj = (const char *)sqlite3_column_text(s, 3);
    switch (sqlite3_column_int(s, 0)) {
    case 1: {
        char is[80], says[80];
        int skip = first_difference(s, 4, 5);
        value_text(s, 4, skip, is, sizeof is);
        value_text(s, 5, skip, says, sizeof says);
        return report(c, "registry record %s/%s of %s: %s is %s but its chain says %s", r, d, subj,
                      (const char *)sqlite3_column_text(s, 6), is, says);
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

static int request_mismatch(checker *c, sqlite3_stmt *s)
{
    const char *id = (const char *)sqlite3_column_text(s, 1);
    switch (sqlite3_column_int(s, 0)) {
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

static int ticket_mismatch(checker *c, sqlite3_stmt *s)
{
    long long id = (long long)sqlite3_column_int64(s, 1);
    switch (sqlite3_column_int(s, 0)) {
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

static int check_tables(checker *c)
{
    int rc = each_row(
        c,
        "WITH l AS (SELECT json_extract(body, '$.registry') AS r, json_extract(body, "
        "'$.document') AS d, json_extract(body, '$.subject') AS s, json_extract(body, "
        "'$.reference') AS ref, json_extract(body, '$.issued') AS iss, max(seq) FROM ledger "
        "WHERE chain = 'records' GROUP BY 1, 2, 3) "
        "SELECT 1, x.registry, x.document, x.subject, x.reference, l.ref, 'reference' FROM "
        "record x JOIN l ON l.r = x.registry AND l.d = x.document AND l.s = x.subject WHERE "
        "x.reference IS NOT l.ref "
        "UNION ALL SELECT 1, x.registry, x.document, x.subject, x.issued, l.iss, 'issued' FROM "
        "record x JOIN l ON l.r = x.registry AND l.d = x.document AND l.s = x.subject WHERE "
        "x.reference IS l.ref AND x.issued IS NOT l.iss "
        "UNION ALL SELECT 2, x.registry, x.document, x.subject, NULL, NULL, NULL FROM record x "
        "WHERE NOT EXISTS (SELECT 1 FROM l WHERE l.r = x.registry AND l.d = x.document AND "
        "l.s = x.subject) "
        "UNION ALL SELECT 3, l.r, l.d, l.s, NULL, NULL, NULL FROM l WHERE NOT EXISTS (SELECT 1 "
        "FROM record x WHERE l.r = x.registry AND l.d = x.document AND l.s = x.subject) "
        "ORDER BY 2, 3, 4",
        NULL, record_mismatch);
    if (rc == 0) {
        rc = each_row(c,
                      "WITH l AS (SELECT json_extract(body, '$.id') AS id, json_extract(body, "
                      "'$.result') AS result FROM ledger WHERE chain = 'requests') "
                      "SELECT 1, q.id FROM request q JOIN l ON l.id = q.id WHERE q.result IS "
                      "NOT l.result "
                      "UNION ALL SELECT 2, q.id FROM request q WHERE NOT EXISTS (SELECT 1 FROM l "
                      "WHERE l.id = q.id) "
                      "UNION ALL SELECT 3, l.id FROM l WHERE NOT EXISTS (SELECT 1 FROM request "
                      "q WHERE q.id = l.id) ORDER BY 2",
                      NULL, request_mismatch);
    }
    if (rc == 0) {
        rc = each_row(
            c,
            "WITH l AS (SELECT json_extract(body, '$.id') AS id, body FROM ledger WHERE chain = "
            "'tickets') "
            "SELECT 1, t.id FROM ticket t JOIN l ON l.id = t.id WHERE t.dossier IS NOT "
            "json_extract(l.body, '$.dossier') OR t.registry IS NOT json_extract(l.body, "
            "'$.registry') OR t.document IS NOT json_extract(l.body, '$.document') OR t.subject "
            "IS NOT json_extract(l.body, '$.subject') OR t.reference IS NOT json_extract(l.body, "
            "'$.reference') OR t.reason IS NOT json_extract(l.body, '$.reason') OR t.at IS NOT "
            "json_extract(l.body, '$.at') OR t.actor IS NOT json_extract(l.body, '$.actor') "
            "UNION ALL SELECT 2, t.id FROM ticket t WHERE NOT EXISTS (SELECT 1 FROM l WHERE l.id "
            "= t.id) "
            "UNION ALL SELECT 3, l.id FROM l WHERE NOT EXISTS (SELECT 1 FROM ticket t WHERE t.id "
            "= l.id) ORDER BY 2",
            NULL, ticket_mismatch);
    }
    return rc;
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
    static const char *const ledgers[] = {MC_CHAIN_ACCESS, MC_CHAIN_RECORDS, MC_CHAIN_REQUESTS,
                                          MC_CHAIN_TICKETS};
    int rc = check_events(&c);
    for (size_t i = 0; rc == 0 && i < sizeof ledgers / sizeof ledgers[0]; i++) {
        rc = check_ledger(&c, ledgers[i]);
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

int mc_store_heads(mc_store *st, mc_chain_head heads[MC_NCHAINS], mc_error *err)
{
    static const char *const names[MC_NCHAINS] = {
        MC_CHAIN_ACCESS, MC_CHAIN_EVENTS, MC_CHAIN_RECORDS, MC_CHAIN_REQUESTS, MC_CHAIN_TICKETS};
    for (int i = 0; i < MC_NCHAINS; i++) {
        heads[i].name = names[i];
        heads[i].count = 0;
        memset(heads[i].hash, 0, MC_HASH_BYTES);
        bool events = strcmp(names[i], MC_CHAIN_EVENTS) == 0;
        sqlite3_stmt *s = stmt(st, events ? S_EVENT_LAST : S_LEDGER_LAST);
        if (!events) {
            bind_text(s, 1, names[i]);
        }
        int rc = step(s);
        if (rc == SQLITE_ROW) {
            heads[i].count = sqlite3_column_int64(s, 0);
            if (sqlite3_column_bytes(s, 1) == MC_HASH_BYTES) {
                memcpy(heads[i].hash, sqlite3_column_blob(s, 1), MC_HASH_BYTES);
            }
        } else if (rc != SQLITE_DONE) {
            int e = db_error(st, err, rc, "reading the chains' heads");
            sqlite3_reset(s);
            return e;
        }
        sqlite3_reset(s);
    }
    return 0;
}

int mc_store_chain_hash_at(mc_store *st, const char *chain, int64_t seq,
                           unsigned char out[MC_HASH_BYTES], mc_error *err)
{
    bool events = strcmp(chain, MC_CHAIN_EVENTS) == 0;
    sqlite3_stmt *s = stmt(st, events ? S_EVENT_AT : S_LEDGER_AT);
    if (events) {
        sqlite3_bind_int64(s, 1, seq);
    } else {
        bind_text(s, 1, chain);
        sqlite3_bind_int64(s, 2, seq);
    }
    int rc = step(s), result = 0;
    if (rc == SQLITE_ROW) {
        memset(out, 0, MC_HASH_BYTES);
        if (sqlite3_column_bytes(s, 0) == MC_HASH_BYTES) {
            memcpy(out, sqlite3_column_blob(s, 0), MC_HASH_BYTES);
        }
        result = 1;
    } else if (rc != SQLITE_DONE) {
        result = db_error(st, err, rc, "reading a chain");
    }
    sqlite3_reset(s);
    return result;
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

int mc_store_dossier_subject(mc_store *st, int64_t id, char *out, size_t outsz, mc_error *err)
{
    sqlite3_stmt *s = stmt(st, S_DOSSIER_SUBJECT);
    sqlite3_bind_int64(s, 1, id);
    int rc = step(s), result = 0;
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(s, 0);
        snprintf(out, outsz, "%s", t ? (const char *)t : "");
        result = 1;
    } else if (rc != SQLITE_DONE) {
        result = db_error(st, err, rc, "reading a dossier");
    }
    sqlite3_reset(s);
    return result;
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
    int rc = mc_store_begin(st, err);
    if (rc == 0) {
        rc = fn(st, arg, err);
    }
    if (rc == 0) {
        rc = mc_store_commit(st, err);
    }
    if (rc != 0) {
        mc_store_rollback(st);
    }
    return rc;
}

static int record_put(mc_store *st, const void *arg, mc_error *err)
{
    const mc_record_row *rec = arg;
    sqlite3_stmt *s = stmt(st, S_RECORD_PUT);
    bind_text(s, 1, rec->registry);
    bind_text(s, 2, rec->document);
    bind_text(s, 3, rec->subject);
    bind_text(s, 4, rec->reference);
    bind_text(s, 5, rec->issued);
    int rc = step_done(st, s, "saving a registry record", err);
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

int mc_store_record_find(mc_store *st, const char *registry, const char *document,
                         const char *subject, char *ref, size_t refsz, char issued[11],
                         mc_error *err)
{
    issued[0] = '\0';
    sqlite3_stmt *s = stmt(st, S_RECORD_GET);
    bind_text(s, 1, registry);
    bind_text(s, 2, document);
    bind_text(s, 3, subject);
    int rc = step(s);
    int result;
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(s, 0);
        snprintf(ref, refsz, "%s", t ? (const char *)t : "");
        const unsigned char *iss = sqlite3_column_text(s, 1);
        if (iss != NULL && strlen((const char *)iss) == 10) {
            memcpy(issued, iss, 11);
        }
        result = 1;
    } else if (rc == SQLITE_DONE) {
        result = 0;
    } else {
        result = db_error(st, err, rc, "reading a registry record");
    }
    sqlite3_reset(s);
    return result;
}

int mc_store_request_get(mc_store *st, const char *id, char **result, mc_error *err)
{
    *result = NULL;
    sqlite3_stmt *s = stmt(st, S_REQUEST_GET);
    bind_text(s, 1, id);
    int rc = step(s);
    int found;
    if (rc == SQLITE_ROW) {
        bool oom = false;
        *result = col_text(s, 0, &oom);
        found = oom ? mc_error_set(err, MC_ENOMEM, "out of memory") : 1;
    } else if (rc == SQLITE_DONE) {
        found = 0;
    } else {
        found = db_error(st, err, rc, "reading a request id");
    }
    sqlite3_reset(s);
    return found;
}

typedef struct request_arg {
    const char *id, *result;
} request_arg;

static int request_put(mc_store *st, const void *arg, mc_error *err)
{
    const request_arg *r = arg;
    sqlite3_stmt *s = stmt(st, S_REQUEST_PUT);
    bind_text(s, 1, r->id);
    bind_text(s, 2, r->result);
    int rc = step_done(st, s, "saving a request id", err);
    return rc != 0 ? rc : ledger_put_request(st, r->id, r->result, err);
}

int mc_store_request_put(mc_store *st, const char *id, const char *result, mc_error *err)
{
    request_arg r = {id, result};
    return with_tx(st, request_put, &r, err);
}

/* ==== tickets and counts ================================================================= */

static int ticket_put(mc_store *st, const void *arg, mc_error *err)
{
    const mc_ticket_row *t = arg;
    sqlite3_stmt *s = stmt(st, S_TICKET_PUT);
    sqlite3_bind_int64(s, 1, t->dossier);
    bind_text(s, 2, t->registry);
    bind_text(s, 3, t->document);
    bind_text(s, 4, t->subject);
    bind_text(s, 5, t->reference);
    bind_text(s, 6, t->reason);
    sqlite3_bind_int64(s, 7, t->at);
    bind_text(s, 8, t->actor);
    int rc = step_done(st, s, "saving a correction ticket", err);
    return rc != 0 ? rc : ledger_put_ticket(st, sqlite3_last_insert_rowid(st->db), t, err);
}

int mc_store_ticket_put(mc_store *st, const mc_ticket_row *t, mc_error *err)
{
    return with_tx(st, ticket_put, t, err);
}

/* Steps s (bound, from the table) calling fn for each record row; resets s. */
static int each_record(mc_store *st, sqlite3_stmt *s, int (*fn)(void *ud, const mc_record_row *rec),
                       void *ud, mc_error *err)
{
    int rc, result = 0;
    while ((rc = step(s)) == SQLITE_ROW) {
        mc_record_row rec = {
            (const char *)sqlite3_column_text(s, 0), (const char *)sqlite3_column_text(s, 1),
            (const char *)sqlite3_column_text(s, 2), (const char *)sqlite3_column_text(s, 3),
            (const char *)sqlite3_column_text(s, 4)};
        if ((result = fn(ud, &rec)) != 0) {
            break;
        }
    }
    if (result == 0 && rc != SQLITE_DONE) {
        result = db_error(st, err, rc, "reading registry records");
    }
    sqlite3_reset(s);
    return result;
}

int mc_store_records_of(mc_store *st, const char *subject,
                        int (*fn)(void *ud, const mc_record_row *rec), void *ud, mc_error *err)
{
    sqlite3_stmt *s = stmt(st, S_RECORDS_OF);
    bind_text(s, 1, subject);
    return each_record(st, s, fn, ud, err);
}

/* The count a statement of one dossier gives, or a negative MC_E* code: a count of 0 when it
 * could not be read would be a false answer. */
static int64_t count_of(mc_store *st, enum stmt_id which, int64_t dossier, mc_error *err)
{
    sqlite3_stmt *s = stmt(st, which);
    sqlite3_bind_int64(s, 1, dossier);
    int rc = step(s);
    int64_t n = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : db_error(st, err, rc, "counting");
    sqlite3_reset(s);
    return n;
}

int64_t mc_store_blocked_count(mc_store *st, int64_t dossier, mc_error *err)
{
    return count_of(st, S_BLOCKED_COUNT, dossier, err);
}

int64_t mc_store_event_count(mc_store *st, int64_t dossier, mc_error *err)
{
    return count_of(st, S_EVENT_COUNT, dossier, err);
}

int mc_store_events_of_kind(mc_store *st, const char *kind, int64_t from, int64_t to,
                            int (*fn)(void *ud, const mc_event_row *ev), void *ud, mc_error *err)
{
    sqlite3_stmt *s = stmt(st, S_EVENTS_OF_KIND);
    bind_text(s, 1, kind);
    sqlite3_bind_int64(s, 2, from);
    sqlite3_bind_int64(s, 3, to);
    return each_event(st, s, fn, ud, err);
}

int mc_store_results_issued(mc_store *st, const char *from, const char *to,
                            int (*fn)(void *ud, const mc_record_row *rec), void *ud, mc_error *err)
{
    sqlite3_stmt *s = stmt(st, S_RESULTS_ISSUED);
    bind_text(s, 1, from);
    bind_text(s, 2, to);
    return each_record(st, s, fn, ud, err);
}
