/*
 * oldstore — a store of an older schema for the tests of `motcua migrate` (tests/migrate.sh,
 * issue 19). The schemas of the past never change, so they are written here as they were, not
 * taken from the store's migrations (which move on): a test of migrate needs a store that this
 * motcua did not make, and the library has no way to make one (no back door in production).
 *
 *   oldstore FILE     a SQLite store of schema version 1, as motcua wrote it then: dossier 1
 *                     of birth-registration 2025-07-01 (tests/fixtures/cli-catalogue), submitted
 *                     then in processing (its two events chained with that version's hash), a
 *                     registry record and a request id.
 *   oldstore --pg CONNINFO
 *                     a PostgreSQL store of schema version 4 (the first of that backend) in the
 *                     schema of the connection's search path, empty. The database must hold no
 *                     store yet.
 *
 * FILE must not exist. Prints nothing; exit status 1 with a message on failure.
 */
#include <libpq-fe.h>
#include <sodium.h>
#include <sqlite3.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* The event hash of schema versions 1 to 3 (BLAKE2b-256 over the previous hash, seq, dossier,
 * at as 8-byte little-endian integers, then kind, actor and body each as its length + 1, or 0
 * for NULL, and its bytes). */
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

/* Schema version 1 of SQLite, in WAL mode as motcua made its stores. */
static const char sqlite_v1[] =
    "PRAGMA journal_mode = WAL;"
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
    "INSERT INTO dossier VALUES (1, 2, 'birth-registration', '2025-07-01', 'commune-committee', "
    "'001234567890', 'online', "
    "'processing', NULL, 'running', 0, 0, -1, 1751331600, 1751331600, NULL, NULL, NULL, NULL, "
    "NULL, NULL, '{}');"
    "INSERT INTO record VALUES ('civil-status', 'marriage-certificate', '001234567890', 'CS-1', "
    "'2019-05-01');"
    "INSERT INTO request VALUES ('portal-1', '{\"dossier\":1}');"
    "PRAGMA user_version = 1;";

static int sqlite_store(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) == 0) {
        fprintf(stderr, "oldstore: %s already exists\n", path);
        return 1;
    }
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK ||
        sqlite3_exec(db, sqlite_v1, NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "oldstore: %s: %s\n", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return 1;
    }
    const char *bodies[2] = {"{\"to\":\"submitted\"}", "{\"to\":\"processing\"}"};
    const char *kinds[2] = {"submit", "fire"};
    unsigned char prev[32] = {0}, hash[32];
    int rc = SQLITE_DONE;
    for (int i = 0; i < 2 && rc == SQLITE_DONE; i++) {
        const char *strs[3] = {kinds[i], "clerk", bodies[i]};
        old_hash(prev, i + 1, 1, 1751331600, strs, hash);
        sqlite3_stmt *s = NULL;
        rc = sqlite3_prepare_v2(db,
                                "INSERT INTO event VALUES (?1, 1, 1751331600, ?2, 'clerk', ?3, "
                                "?4, ?5)",
                                -1, &s, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_int(s, 1, i + 1);
            sqlite3_bind_text(s, 2, kinds[i], -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 3, bodies[i], -1, SQLITE_STATIC);
            sqlite3_bind_blob(s, 4, prev, 32, SQLITE_STATIC);
            sqlite3_bind_blob(s, 5, hash, 32, SQLITE_STATIC);
            rc = sqlite3_step(s);
        }
        sqlite3_finalize(s);
        memcpy(prev, hash, 32);
    }
    if (rc != SQLITE_DONE) {
        fprintf(stderr, "oldstore: %s: %s\n", path, sqlite3_errmsg(db));
    }
    sqlite3_close(db);
    return rc == SQLITE_DONE ? 0 : 1;
}

/* Schema version 4 of PostgreSQL (its first), and its version table. */
static const char pg_v4[] =
    "CREATE TABLE motcua_schema (version bigint NOT NULL);"
    "INSERT INTO motcua_schema VALUES (4);"
    "CREATE FUNCTION motcua_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$BEGIN RAISE EXCEPTION '%', TG_ARGV[0]; END$$;"
    "CREATE TABLE dossier ("
    "  id bigint PRIMARY KEY, rev bigint NOT NULL,"
    "  procedure text COLLATE \"C\" NOT NULL, version text COLLATE \"C\" NOT NULL,"
    "  agency text COLLATE \"C\", subject text COLLATE \"C\","
    "  channel text COLLATE \"C\" NOT NULL, state text COLLATE \"C\" NOT NULL,"
    "  outcome text COLLATE \"C\", clock text COLLATE \"C\" NOT NULL,"
    "  final bigint NOT NULL, overdue bigint NOT NULL, late bigint NOT NULL,"
    "  submitted bigint NOT NULL, entered bigint NOT NULL, due bigint, \"left\" bigint,"
    "  finished bigint, fee bigint, wake bigint, apology text COLLATE \"C\","
    "  data text COLLATE \"C\" NOT NULL);"
    "CREATE INDEX dossier_wake ON dossier(wake) WHERE wake IS NOT NULL;"
    "CREATE INDEX dossier_state ON dossier(state);"
    "CREATE TABLE event ("
    "  seq bigint PRIMARY KEY, dossier bigint NOT NULL, at bigint NOT NULL,"
    "  kind text COLLATE \"C\" NOT NULL, actor text COLLATE \"C\","
    "  body text COLLATE \"C\" NOT NULL, prev bytea NOT NULL, hash bytea NOT NULL,"
    "  \"row\" text COLLATE \"C\");"
    "CREATE INDEX event_dossier ON event(dossier, seq);"
    "CREATE TRIGGER event_no_update BEFORE UPDATE OR DELETE ON event FOR EACH ROW"
    "  EXECUTE FUNCTION motcua_append_only('events are append-only');"
    "CREATE TABLE record ("
    "  registry text COLLATE \"C\" NOT NULL, document text COLLATE \"C\" NOT NULL,"
    "  subject text COLLATE \"C\" NOT NULL, reference text COLLATE \"C\","
    "  issued text COLLATE \"C\", PRIMARY KEY (registry, document, subject));"
    "CREATE TABLE request (id text COLLATE \"C\" PRIMARY KEY,"
    "  result text COLLATE \"C\" NOT NULL);"
    "CREATE TABLE ticket ("
    "  id bigint PRIMARY KEY, dossier bigint NOT NULL, registry text COLLATE \"C\" NOT NULL,"
    "  document text COLLATE \"C\" NOT NULL, subject text COLLATE \"C\","
    "  reference text COLLATE \"C\", reason text COLLATE \"C\" NOT NULL,"
    "  at bigint NOT NULL, actor text COLLATE \"C\");"
    "CREATE INDEX ticket_registry ON ticket(registry);"
    "CREATE TABLE chain_head (id bigint PRIMARY KEY CHECK (id = 1), seq bigint NOT NULL,"
    "  hash bytea NOT NULL);"
    "CREATE TABLE ledger (chain text COLLATE \"C\" NOT NULL, seq bigint NOT NULL,"
    "  subject text COLLATE \"C\", body text COLLATE \"C\" NOT NULL, prev bytea NOT NULL,"
    "  hash bytea NOT NULL, PRIMARY KEY (chain, seq));"
    "CREATE INDEX ledger_subject ON ledger(chain, subject) WHERE subject IS NOT NULL;"
    "CREATE TRIGGER ledger_no_update BEFORE UPDATE OR DELETE ON ledger FOR EACH ROW"
    "  EXECUTE FUNCTION motcua_append_only('the ledger is append-only');"
    "CREATE TABLE ledger_head (chain text COLLATE \"C\" PRIMARY KEY, seq bigint NOT NULL,"
    "  hash bytea NOT NULL);";

static int pg_store(const char *conninfo)
{
    PGconn *conn = PQconnectdb(conninfo);
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "oldstore: %s", PQerrorMessage(conn));
        PQfinish(conn);
        return 1;
    }
    PGresult *res = PQexec(conn, "BEGIN");
    PQclear(res);
    res = PQexec(conn, pg_v4);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (ok) {
        res = PQexec(conn, "COMMIT");
        ok = PQresultStatus(res) == PGRES_COMMAND_OK;
        PQclear(res);
    }
    if (!ok) {
        fprintf(stderr, "oldstore: %s", PQerrorMessage(conn));
    }
    PQfinish(conn);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0) {
        fputs("oldstore: libsodium failed to start\n", stderr);
        return 1;
    }
    if (argc == 2 && argv[1][0] != '-') {
        return sqlite_store(argv[1]);
    }
    if (argc == 3 && strcmp(argv[1], "--pg") == 0) {
        return pg_store(argv[2]);
    }
    fputs("usage: oldstore FILE | oldstore --pg CONNINFO\n", stderr);
    return 1;
}
