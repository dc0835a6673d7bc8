/*
 * The SQLite store (store.h). Statements are prepared once per store and reused; values are
 * always bound, never formatted into SQL. Schema changes are forward migrations keyed on
 * PRAGMA user_version.
 */
#include "motcua/store.h"

#include "motcua/alloc.h"

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
};
enum { SCHEMA_VERSION = sizeof migrations / sizeof migrations[0] };

enum stmt_id {
    S_BEGIN,
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
    S_STATES,
    S_EVENTS_OF_KIND,
    S_RESULTS_ISSUED,
    S_COUNT
};

#define DOSSIER_COLUMNS                                                                            \
    "rev, procedure, version, agency, subject, channel, state, outcome, clock, final, "            \
    "overdue, late, submitted, entered, due, left, finished, fee, wake, apology, data"

static const char *const stmt_sql[S_COUNT] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
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
    [S_EVENT_INSERT] = "INSERT INTO event (seq, dossier, at, kind, actor, body, prev, hash) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [S_EVENT_EACH] = "SELECT seq, dossier, at, kind, actor, body, prev, hash FROM event "
                     "WHERE dossier = ?1 ORDER BY seq",
    [S_EVENT_ALL] = "SELECT seq, dossier, at, kind, actor, body, prev, hash FROM event "
                    "ORDER BY seq",
    [S_RECORD_PUT] = "INSERT OR REPLACE INTO record (registry, document, subject, reference, "
                     "issued) VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_RECORD_GET] = "SELECT reference FROM record WHERE registry = ?1 AND document = ?2 AND "
                     "subject = ?3",
    [S_REQUEST_GET] = "SELECT result FROM request WHERE id = ?1",
    [S_REQUEST_PUT] = "INSERT INTO request (id, result) VALUES (?1, ?2)",
    [S_TICKET_PUT] = "INSERT INTO ticket (dossier, registry, document, subject, reference, "
                     "reason, at, actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [S_RECORDS_OF] = "SELECT registry, document, subject, reference, issued FROM record "
                     "WHERE subject = ?1 ORDER BY registry, document",
    [S_HEAD_PUT] = "INSERT OR REPLACE INTO chain_head (id, seq, hash) VALUES (1, ?1, ?2)",
    [S_HEAD_GET] = "SELECT seq, hash FROM chain_head WHERE id = 1",
    [S_STATES] = "SELECT d.id, d.state, (SELECT json_extract(e.body, '$.to') FROM event e "
                 "WHERE e.dossier = d.id AND json_extract(e.body, '$.to') IS NOT NULL "
                 "ORDER BY e.seq DESC LIMIT 1) FROM dossier d ORDER BY d.id",
    [S_EVENTS_OF_KIND] = "SELECT seq, dossier, at, kind, actor, body, prev, hash FROM event "
                         "WHERE kind = ?1 AND at >= ?2 AND at < ?3 ORDER BY seq",
    [S_RESULTS_ISSUED] = "SELECT d.procedure, r.document, r.subject, r.reference, r.issued "
                         "FROM record r JOIN dossier d "
                         "ON d.id = CAST(substr(r.reference, 4) AS INTEGER) "
                         "WHERE r.reference LIKE 'MC-%' AND r.issued >= ?1 AND r.issued <= ?2",
    [S_BLOCKED_COUNT] = "SELECT count(*) FROM event WHERE dossier = ?1 AND kind = 'blocked' "
                        "AND json_extract(body, '$.reason') = 'once-only'",
    [S_EVENT_COUNT] = "SELECT count(*) FROM event WHERE dossier = ?1",
};

struct mc_store {
    sqlite3 *db;
    sqlite3_stmt *stmt[S_COUNT];
    bool in_tx;
};

static int db_error(mc_store *st, mc_error *err, int rc, const char *what)
{
    int code = rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? MC_EBUSY
               : rc == SQLITE_NOMEM                     ? MC_ENOMEM
                                                        : MC_EIO;
    const char *msg = st && st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc);
    if (rc == SQLITE_FULL) {
        msg = "the disk is full";
    } else if (rc == SQLITE_READONLY) {
        msg = "the store is read-only";
    }
    return mc_error_set(err, code, "store: %s: %s", what, msg);
}

static sqlite3_stmt *stmt(mc_store *st, enum stmt_id id)
{
    sqlite3_stmt *s = st->stmt[id];
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return s;
}

/* ==== opening ============================================================================ */

static int migrate(mc_store *st, mc_error *err)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL);
    if (rc != SQLITE_OK) {
        return db_error(st, err, rc, "reading the schema version");
    }
    int version = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
    sqlite3_finalize(s);
    if (version > SCHEMA_VERSION) {
        return mc_error_set(err, MC_EIO,
                            "store: schema version %d is newer than this motcua (%d); upgrade "
                            "motcua",
                            version, SCHEMA_VERSION);
    }
    for (int v = version; v < SCHEMA_VERSION; v++) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
        rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        if (rc == SQLITE_OK) {
            rc = sqlite3_exec(st->db, migrations[v], NULL, NULL, NULL);
        }
        if (rc == SQLITE_OK) {
            rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
        }
        if (rc == SQLITE_OK) {
            rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
        }
        if (rc != SQLITE_OK) {
            int e = db_error(st, err, rc, "migrating the schema");
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
            return e;
        }
    }
    return 0;
}

int mc_store_open(mc_store **out, const char *path, mc_error *err)
{
    *out = NULL;
    if (sodium_init() < 0) {
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
    rc = sqlite3_exec(st->db,
                      "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
                      "PRAGMA foreign_keys = ON;",
                      NULL, NULL, NULL);
    int e = rc != SQLITE_OK ? db_error(st, err, rc, path) : migrate(st, err);
    for (int i = 0; e == 0 && i < S_COUNT; i++) {
        rc = sqlite3_prepare_v3(st->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &st->stmt[i],
                                NULL);
        if (rc != SQLITE_OK) {
            e = db_error(st, err, rc, "preparing statements");
        }
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
    for (int i = 0; i < S_COUNT; i++) {
        sqlite3_finalize(st->stmt[i]);
    }
    sqlite3_close(st->db);
    mc_free(st);
}

/* ==== transactions ======================================================================= */

static int step_done(mc_store *st, sqlite3_stmt *s, const char *what, mc_error *err)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : db_error(st, err, rc, what);
}

int mc_store_begin(mc_store *st, mc_error *err)
{
    int rc = step_done(st, stmt(st, S_BEGIN), "starting a transaction", err);
    st->in_tx = rc == 0;
    return rc;
}

int mc_store_commit(mc_store *st, mc_error *err)
{
    int rc = step_done(st, stmt(st, S_COMMIT), "committing", err);
    if (rc == 0) {
        st->in_tx = false;
    }
    return rc;
}

void mc_store_rollback(mc_store *st)
{
    if (st->in_tx) {
        step_done(st, stmt(st, S_ROLLBACK), "rolling back", NULL);
        st->in_tx = false;
    }
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
        sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
    } else {
        sqlite3_bind_null(s, i);
    }
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

int mc_store_dossier_insert(mc_store *st, mc_dossier_row *row, mc_error *err)
{
    sqlite3_stmt *s = stmt(st, S_DOSSIER_INSERT);
    row->rev = 1;
    bind_row(s, row);
    int rc = step_done(st, s, "saving a dossier", err);
    if (rc == 0) {
        row->id = sqlite3_last_insert_rowid(st->db);
    }
    return rc;
}

int mc_store_dossier_load(mc_store *st, int64_t id, mc_dossier_row *row, mc_error *err)
{
    mc_dossier_row_clear(row);
    sqlite3_stmt *s = stmt(st, S_DOSSIER_LOAD);
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
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
    sqlite3_stmt *s = stmt(st, S_DOSSIER_UPDATE);
    bind_row(s, row);
    sqlite3_bind_int64(s, 22, row->id);
    int rc = step_done(st, s, "saving a dossier", err);
    if (rc != 0) {
        return rc;
    }
    if (sqlite3_changes(st->db) != 1) {
        return mc_error_set(err, MC_ECONFLICT,
                            "dossier %lld was changed by someone else meanwhile; try again",
                            (long long)row->id);
    }
    row->rev++;
    return 0;
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
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    if (rc != SQLITE_OK) {
        return db_error(st, err, rc, "listing dossiers");
    }
    if (f->state) {
        sqlite3_bind_text(s, 1, f->state, -1, SQLITE_TRANSIENT);
    }
    if (f->wake_before != MC_NONE) {
        sqlite3_bind_int64(s, 2, f->wake_before);
    }
    int result = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
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
    const char *strs[3] = {ev->kind, ev->actor, ev->body};
    for (int i = 0; i < 3; i++) {
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
    int rc = sqlite3_step(s);
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
    event_hash(ev, ev->hash);
    s = stmt(st, S_EVENT_INSERT);
    sqlite3_bind_int64(s, 1, ev->seq);
    sqlite3_bind_int64(s, 2, ev->dossier);
    sqlite3_bind_int64(s, 3, ev->at);
    bind_text(s, 4, ev->kind);
    bind_text(s, 5, ev->actor);
    bind_text(s, 6, ev->body);
    sqlite3_bind_blob(s, 7, ev->prev, MC_HASH_BYTES, SQLITE_TRANSIENT);
    sqlite3_bind_blob(s, 8, ev->hash, MC_HASH_BYTES, SQLITE_TRANSIENT);
    rc = step_done(st, s, "appending an event", err);
    if (rc != 0) {
        return rc;
    }
    s = stmt(st, S_HEAD_PUT);
    sqlite3_bind_int64(s, 1, ev->seq);
    sqlite3_bind_blob(s, 2, ev->hash, MC_HASH_BYTES, SQLITE_TRANSIENT);
    return step_done(st, s, "appending an event", err);
}

static void read_event(sqlite3_stmt *s, mc_event_row *ev)
{
    ev->seq = sqlite3_column_int64(s, 0);
    ev->dossier = sqlite3_column_int64(s, 1);
    ev->at = sqlite3_column_int64(s, 2);
    ev->kind = (const char *)sqlite3_column_text(s, 3);
    ev->actor = (const char *)sqlite3_column_text(s, 4);
    ev->body = (const char *)sqlite3_column_text(s, 5);
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
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
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

typedef struct verify_state {
    unsigned char prev[MC_HASH_BYTES];
    int64_t expect_seq;
    int64_t count;
    mc_error *err;
} verify_state;

static int chain_error(verify_state *v, int64_t seq, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int chain_error(verify_state *v, int64_t seq, const char *fmt, ...)
{
    if (v->err != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(v->err->msg, sizeof v->err->msg, fmt, ap);
        va_end(ap);
        v->err->code = MC_ECHECK;
        v->err->file = NULL;
        v->err->line = (uint32_t)seq;
        v->err->col = 0;
    }
    return MC_ECHECK;
}

static int verify_one(void *ud, const mc_event_row *ev)
{
    verify_state *v = ud;
    unsigned char h[MC_HASH_BYTES];
    v->count++;
    if (ev->seq != v->expect_seq) {
        return chain_error(
            v, v->expect_seq, "event %lld is missing: the chain jumps from %lld to %lld",
            (long long)v->expect_seq, (long long)v->expect_seq - 1, (long long)ev->seq);
    }
    if (memcmp(ev->prev, v->prev, MC_HASH_BYTES) != 0) {
        return chain_error(v, ev->seq,
                           "event %lld does not follow event %lld: its link to the chain was "
                           "changed",
                           (long long)ev->seq, (long long)ev->seq - 1);
    }
    event_hash(ev, h);
    if (memcmp(h, ev->hash, MC_HASH_BYTES) != 0) {
        return chain_error(v, ev->seq,
                           "event %lld (dossier %lld, %s) was altered: its content does not "
                           "match its hash",
                           (long long)ev->seq, (long long)ev->dossier, ev->kind ? ev->kind : "?");
    }
    memcpy(v->prev, ev->hash, MC_HASH_BYTES);
    v->expect_seq++;
    return 0;
}

/* The chain's head must be its last event: removing the newest events shows. */
static int verify_head(mc_store *st, const verify_state *v, mc_error *err)
{
    sqlite3_stmt *s = stmt(st, S_HEAD_GET);
    int rc = sqlite3_step(s), result = 0;
    if (rc == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(s, 0);
        bool same = sqlite3_column_bytes(s, 1) == MC_HASH_BYTES &&
                    memcmp(sqlite3_column_blob(s, 1), v->prev, MC_HASH_BYTES) == 0;
        if (seq != v->expect_seq - 1 || !same) {
            result = mc_error_set(err, MC_ECHECK,
                                  "the chain ends at event %lld, but its head is event %lld: "
                                  "events were removed or replaced",
                                  (long long)(v->expect_seq - 1), (long long)seq);
        }
    } else if (rc == SQLITE_DONE) {
        if (v->count > 0) {
            result = mc_error_set(err, MC_ECHECK, "the chain has lost its head record");
        }
    } else {
        result = db_error(st, err, rc, "reading the chain head");
    }
    sqlite3_reset(s);
    return result;
}

/* Each dossier's state must be where its recorded transitions lead. */
static int verify_states(mc_store *st, mc_error *err)
{
    sqlite3_stmt *s = stmt(st, S_STATES);
    int rc, result = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *state = (const char *)sqlite3_column_text(s, 1);
        const char *last = (const char *)sqlite3_column_text(s, 2);
        if (state == NULL || last == NULL || strcmp(state, last) != 0) {
            result = mc_error_set(err, MC_ECHECK,
                                  "dossier %lld is in state '%s' but its events lead to '%s'",
                                  (long long)sqlite3_column_int64(s, 0), state ? state : "?",
                                  last ? last : "nowhere");
            break;
        }
    }
    if (result == 0 && rc != SQLITE_DONE) {
        result = db_error(st, err, rc, "checking dossier states");
    }
    sqlite3_reset(s);
    return result;
}

int mc_store_verify(mc_store *st, int64_t *nevents, mc_error *err)
{
    verify_state v;
    memset(&v, 0, sizeof v);
    v.expect_seq = 1;
    v.err = err;
    int rc = mc_store_event_each(st, 0, verify_one, &v, err);
    if (nevents != NULL) {
        *nevents = v.count;
    }
    if (rc == 0) {
        rc = verify_head(st, &v, err);
    }
    if (rc == 0) {
        rc = verify_states(st, err);
    }
    return rc;
}

/* ==== records and requests =============================================================== */

int mc_store_record_put(mc_store *st, const mc_record_row *rec, mc_error *err)
{
    sqlite3_stmt *s = stmt(st, S_RECORD_PUT);
    bind_text(s, 1, rec->registry);
    bind_text(s, 2, rec->document);
    bind_text(s, 3, rec->subject);
    bind_text(s, 4, rec->reference);
    bind_text(s, 5, rec->issued);
    return step_done(st, s, "saving a registry record", err);
}

int mc_store_record_get(mc_store *st, const char *registry, const char *document,
                        const char *subject, char *ref, size_t refsz, mc_error *err)
{
    sqlite3_stmt *s = stmt(st, S_RECORD_GET);
    bind_text(s, 1, registry);
    bind_text(s, 2, document);
    bind_text(s, 3, subject);
    int rc = sqlite3_step(s);
    int result;
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(s, 0);
        snprintf(ref, refsz, "%s", t ? (const char *)t : "");
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
    int rc = sqlite3_step(s);
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

int mc_store_request_put(mc_store *st, const char *id, const char *result, mc_error *err)
{
    sqlite3_stmt *s = stmt(st, S_REQUEST_PUT);
    bind_text(s, 1, id);
    bind_text(s, 2, result);
    return step_done(st, s, "saving a request id", err);
}

/* ==== tickets and counts ================================================================= */

int mc_store_ticket_put(mc_store *st, const mc_ticket_row *t, mc_error *err)
{
    sqlite3_stmt *s = stmt(st, S_TICKET_PUT);
    sqlite3_bind_int64(s, 1, t->dossier);
    bind_text(s, 2, t->registry);
    bind_text(s, 3, t->document);
    bind_text(s, 4, t->subject);
    bind_text(s, 5, t->reference);
    bind_text(s, 6, t->reason);
    sqlite3_bind_int64(s, 7, t->at);
    bind_text(s, 8, t->actor);
    return step_done(st, s, "saving a correction ticket", err);
}

/* Steps s (bound, from the table) calling fn for each record row; resets s. */
static int each_record(mc_store *st, sqlite3_stmt *s, int (*fn)(void *ud, const mc_record_row *rec),
                       void *ud, mc_error *err)
{
    int rc, result = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
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

/* The count a statement of one dossier gives. */
static int64_t count_of(mc_store *st, enum stmt_id which, int64_t dossier)
{
    sqlite3_stmt *s = stmt(st, which);
    sqlite3_bind_int64(s, 1, dossier);
    int64_t n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    return n;
}

int64_t mc_store_blocked_count(mc_store *st, int64_t dossier)
{
    return count_of(st, S_BLOCKED_COUNT, dossier);
}

int64_t mc_store_event_count(mc_store *st, int64_t dossier)
{
    return count_of(st, S_EVENT_COUNT, dossier);
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
