/*
 * The PostgreSQL backend of the store (backend.h), on libpq. The schema is SQLite's with its
 * types mapped (INTEGER -> bigint, BLOB -> bytea, TEXT -> text COLLATE "C", so that listings
 * sort as on SQLite), bodies kept as text so that their hashes stay byte for byte. Parameters
 * are always bound (PQexecPrepared, PQexecParams), never spliced into SQL text; results come in
 * binary. Migrations are keyed on the motcua_schema table and run under an advisory lock.
 *
 * The write lock of SQLite's BEGIN IMMEDIATE is a transaction-scoped advisory lock here, taken
 * at begin (waiting up to lock_timeout: MC_EBUSY) or, in an optimistic transaction (REPEATABLE
 * READ, a snapshot), at its first write without waiting. A stale snapshot shows as a
 * serialization failure or a unique violation on a chain's next entry: MC_EBUSY, which the
 * front turns into MC_ERETRY. A lost connection fails the operation (MC_EDOWN); the next
 * transaction reconnects. No message shows the connection string, hence no password.
 */
#include "store/backend.h"

#include "motcua/alloc.h"

#include <libpq-fe.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The advisory locks that stand for the store's write lock and its migrations: a store is the
 * schema of the connection's search path, so the lock is that schema's (two stores in one
 * database do not wait for each other). */
#define WRITE_LOCK "1836016739, hashtext(current_schema())"
#define MIGRATE_LOCK "1836016740, hashtext(current_schema())"

/* The steps of the schema, each bringing it to version `to`. A PostgreSQL store starts at
 * SQLite's version 4 (the first with every table). */
static const struct {
    int to;
    const char *sql;
} migrations[] = {
    {4, "CREATE FUNCTION motcua_append_only() RETURNS trigger LANGUAGE plpgsql AS "
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
        "  hash bytea NOT NULL);"},
};
enum { NMIGRATIONS = sizeof migrations / sizeof migrations[0] };
#define SCHEMA_VERSION (migrations[NMIGRATIONS - 1].to)

#define DOSSIER_COLUMNS                                                                            \
    "rev, procedure, version, agency, subject, channel, state, outcome, clock, final, "            \
    "overdue, late, submitted, entered, due, \"left\", finished, fee, wake, apology, data"
#define EVENT_COLUMNS "seq, dossier, at, kind, actor, body, prev, hash, \"row\""

/* The ids of dossiers and tickets are the next after the largest, as SQLite gives them: the
 * write lock is held, so no one else is inserting. */
static const char *const sql_of[Q_COUNT] = {
    [Q_DOSSIER_INSERT] = "INSERT INTO dossier (id, " DOSSIER_COLUMNS ") VALUES "
                         "((SELECT coalesce(max(id), 0) + 1 FROM dossier), $1, $2, $3, $4, $5, "
                         "$6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, "
                         "$21) RETURNING id",
    [Q_DOSSIER_LOAD] = "SELECT " DOSSIER_COLUMNS ", id FROM dossier WHERE id = $1",
    [Q_DOSSIER_UPDATE] = "UPDATE dossier SET rev = $1::bigint + 1, procedure = $2, version = $3, "
                         "agency = $4, subject = $5, channel = $6, state = $7, outcome = $8, "
                         "clock = $9, final = $10, overdue = $11, late = $12, submitted = $13, "
                         "entered = $14, due = $15, \"left\" = $16, finished = $17, fee = $18, "
                         "wake = $19, apology = $20, data = $21 WHERE id = $22 AND rev = $1",
    [Q_DOSSIER_SUBJECT] = "SELECT subject FROM dossier WHERE id = $1",
    [Q_EVENT_LAST] = "SELECT seq, hash FROM event ORDER BY seq DESC LIMIT 1",
    [Q_EVENT_INSERT] = "INSERT INTO event (" EVENT_COLUMNS ") "
                       "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    [Q_EVENT_EACH] = "SELECT " EVENT_COLUMNS " FROM event WHERE dossier = $1 ORDER BY seq",
    [Q_EVENT_ALL] = "SELECT " EVENT_COLUMNS " FROM event ORDER BY seq",
    [Q_EVENTS_OF_KIND] = "SELECT " EVENT_COLUMNS " FROM event "
                         "WHERE kind = $1 AND at >= $2 AND at < $3 ORDER BY seq",
    [Q_EVENT_AT] = "SELECT hash FROM event WHERE seq = $1",
    [Q_EVENT_COUNT] = "SELECT count(*) FROM event WHERE dossier = $1",
    [Q_BLOCKED_COUNT] = "SELECT count(*) FROM event WHERE dossier = $1 AND kind = 'blocked' "
                        "AND body::jsonb ->> 'reason' = 'once-only'",
    [Q_HEAD_PUT] = "INSERT INTO chain_head (id, seq, hash) VALUES (1, $1, $2) "
                   "ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash",
    [Q_HEAD_GET] = "SELECT seq, hash FROM chain_head WHERE id = 1",
    [Q_RECORD_PUT] = "INSERT INTO record (registry, document, subject, reference, issued) "
                     "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (registry, document, subject) "
                     "DO UPDATE SET reference = EXCLUDED.reference, issued = EXCLUDED.issued",
    [Q_RECORD_GET] = "SELECT reference, issued FROM record WHERE registry = $1 AND "
                     "document = $2 AND subject = $3",
    [Q_RECORDS_OF] = "SELECT registry, document, subject, reference, issued FROM record "
                     "WHERE subject = $1 ORDER BY registry, document",
    /* A result filed under several parties is one result: one row per reference. */
    [Q_RESULTS_ISSUED] = "SELECT min(d.procedure), r.document, min(r.subject), r.reference, "
                         "min(r.issued) FROM record r JOIN dossier d ON d.id = CASE WHEN "
                         "substr(r.reference, 4) ~ '^[0-9]{1,18}$' THEN "
                         "substr(r.reference, 4)::bigint END "
                         "WHERE r.reference LIKE 'MC-%' AND r.issued >= $1 AND r.issued <= $2 "
                         "GROUP BY r.reference, r.registry, r.document",
    [Q_REQUEST_GET] = "SELECT result FROM request WHERE id = $1",
    [Q_REQUEST_PUT] = "INSERT INTO request (id, result) VALUES ($1, $2)",
    [Q_TICKET_PUT] = "INSERT INTO ticket (id, dossier, registry, document, subject, reference, "
                     "reason, at, actor) VALUES ((SELECT coalesce(max(id), 0) + 1 FROM ticket), "
                     "$1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    [Q_LEDGER_LAST] = "SELECT seq, hash FROM ledger WHERE chain = $1 ORDER BY seq DESC LIMIT 1",
    [Q_LEDGER_INSERT] = "INSERT INTO ledger (chain, seq, subject, body, prev, hash) "
                        "VALUES ($1, $2, $3, $4, $5, $6)",
    [Q_LEDGER_HEAD_PUT] = "INSERT INTO ledger_head (chain, seq, hash) VALUES ($1, $2, $3) "
                          "ON CONFLICT (chain) DO UPDATE SET seq = EXCLUDED.seq, "
                          "hash = EXCLUDED.hash",
    [Q_LEDGER_HEAD_GET] = "SELECT seq, hash FROM ledger_head WHERE chain = $1",
    [Q_LEDGER_EACH] = "SELECT seq, subject, body, prev, hash FROM ledger WHERE chain = $1 "
                      "ORDER BY seq",
    [Q_LEDGER_OF_SUBJECT] = "SELECT seq, subject, body, prev, hash FROM ledger WHERE chain = $1 "
                            "AND subject = $2 ORDER BY seq",
    [Q_LEDGER_AT] = "SELECT hash FROM ledger WHERE chain = $1 AND seq = $2",
    [Q_SEED_RECORDS] = "SELECT registry, document, subject, reference, issued FROM record "
                       "ORDER BY registry, document, subject",
    [Q_SEED_REQUESTS] = "SELECT id, result FROM request ORDER BY id",
    [Q_SEED_TICKETS] = "SELECT id, dossier, registry, document, subject, reference, reason, at, "
                       "actor FROM ticket ORDER BY id",
    [Q_CHECK_COUNTS] = "SELECT count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM event y WHERE "
                       "y.dossier = d.id AND y.\"row\" IS NULL) AND EXISTS (SELECT 1 FROM event "
                       "z WHERE z.dossier = d.id)), count(*) FILTER (WHERE EXISTS (SELECT 1 FROM "
                       "event y WHERE y.dossier = d.id AND y.\"row\" IS NULL)) FROM dossier d",
    [Q_CHECK_WIPED] = "SELECT count(*) FROM dossier HAVING count(*) > 0",
    [Q_CHECK_NO_EVENTS] = "SELECT id FROM dossier d WHERE NOT EXISTS (SELECT 1 FROM event e "
                          "WHERE e.dossier = d.id) ORDER BY id",
    [Q_CHECK_GONE] = "SELECT dossier, count(*) FROM event e WHERE dossier <> 0 AND NOT EXISTS "
                     "(SELECT 1 FROM dossier d WHERE d.id = e.dossier) GROUP BY dossier "
                     "ORDER BY dossier",
    [Q_CHECK_LEGACY] =
        "SELECT id, state, last FROM (SELECT d.id AS id, d.state AS state, "
        "(SELECT e.body::jsonb ->> 'to' FROM event e WHERE e.dossier = d.id "
        "AND e.body::jsonb ->> 'to' IS NOT NULL ORDER BY e.seq DESC LIMIT 1) AS last "
        "FROM dossier d WHERE EXISTS (SELECT 1 FROM event y WHERE y.dossier = d.id AND "
        "y.\"row\" IS NULL)) t WHERE state IS DISTINCT FROM last ORDER BY id",
    [Q_CHECK_RECORDS] =
        "WITH l AS (SELECT DISTINCT ON (r, d, s) body::jsonb ->> 'registry' AS r, "
        "body::jsonb ->> 'document' AS d, body::jsonb ->> 'subject' AS s, "
        "body::jsonb ->> 'reference' AS ref, body::jsonb ->> 'issued' AS iss FROM ledger "
        "WHERE chain = 'records' ORDER BY r, d, s, seq DESC) "
        "SELECT 1::bigint, x.registry, x.document, x.subject, x.reference, l.ref, "
        "'reference'::text FROM record x JOIN l ON l.r = x.registry AND l.d = x.document AND "
        "l.s = x.subject WHERE x.reference IS DISTINCT FROM l.ref "
        "UNION ALL SELECT 1, x.registry, x.document, x.subject, x.issued, l.iss, 'issued' FROM "
        "record x JOIN l ON l.r = x.registry AND l.d = x.document AND l.s = x.subject WHERE "
        "x.reference IS NOT DISTINCT FROM l.ref AND x.issued IS DISTINCT FROM l.iss "
        "UNION ALL SELECT 2, x.registry, x.document, x.subject, NULL, NULL, NULL FROM record x "
        "WHERE NOT EXISTS (SELECT 1 FROM l WHERE l.r = x.registry AND l.d = x.document AND "
        "l.s = x.subject) "
        "UNION ALL SELECT 3, l.r, l.d, l.s, NULL, NULL, NULL FROM l WHERE NOT EXISTS (SELECT 1 "
        "FROM record x WHERE l.r = x.registry AND l.d = x.document AND l.s = x.subject) "
        "ORDER BY 2, 3, 4",
    [Q_CHECK_REQUESTS] =
        "WITH l AS (SELECT body::jsonb ->> 'id' AS id, body::jsonb ->> 'result' AS result "
        "FROM ledger WHERE chain = 'requests') "
        "SELECT 1::bigint, q.id FROM request q JOIN l ON l.id = q.id WHERE q.result IS "
        "DISTINCT FROM l.result "
        "UNION ALL SELECT 2, q.id FROM request q WHERE NOT EXISTS (SELECT 1 FROM l "
        "WHERE l.id = q.id) "
        "UNION ALL SELECT 3, l.id FROM l WHERE NOT EXISTS (SELECT 1 FROM request "
        "q WHERE q.id = l.id) ORDER BY 2",
    [Q_CHECK_TICKETS] =
        "WITH l AS (SELECT (body::jsonb ->> 'id')::bigint AS id, body::jsonb AS b FROM ledger "
        "WHERE chain = 'tickets') "
        "SELECT 1::bigint, t.id FROM ticket t JOIN l ON l.id = t.id WHERE t.dossier::text IS "
        "DISTINCT FROM l.b ->> 'dossier' OR t.registry IS DISTINCT FROM l.b ->> 'registry' OR "
        "t.document IS DISTINCT FROM l.b ->> 'document' OR t.subject IS DISTINCT FROM "
        "l.b ->> 'subject' OR t.reference IS DISTINCT FROM l.b ->> 'reference' OR t.reason IS "
        "DISTINCT FROM l.b ->> 'reason' OR t.at::text IS DISTINCT FROM l.b ->> 'at' OR t.actor "
        "IS DISTINCT FROM l.b ->> 'actor' "
        "UNION ALL SELECT 2, t.id FROM ticket t WHERE NOT EXISTS (SELECT 1 FROM l WHERE l.id "
        "= t.id) "
        "UNION ALL SELECT 3, l.id FROM l WHERE NOT EXISTS (SELECT 1 FROM ticket t WHERE t.id "
        "= l.id) ORDER BY 2",
    [Q_COPY_DOSSIER] = "INSERT INTO dossier (" DOSSIER_COLUMNS ", id) VALUES ($1, $2, $3, $4, "
                       "$5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, "
                       "$20, $21, $22)",
    [Q_COPY_TICKET] = "INSERT INTO ticket (id, dossier, registry, document, subject, reference, "
                      "reason, at, actor) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    [Q_LEDGER_ALL] = "SELECT chain, seq, subject, body, prev, hash FROM ledger ORDER BY chain, seq",
    [Q_LEDGER_HEADS] = "SELECT chain, seq, hash FROM ledger_head ORDER BY chain",
    [Q_RECORDS_ALL] = "SELECT registry, document, subject, reference, issued FROM record "
                      "ORDER BY registry, document, subject",
};

struct mcs_backend {
    PGconn *conn;
    bool prepared[Q_COUNT];
    bool optimistic; /* the open transaction is a snapshot without the write lock */
};

/* The queries whose text depends on their parameters, and those run too rarely to keep. */
static bool per_call(enum mcs_query q)
{
    return q == Q_DOSSIER_EACH || (q >= Q_SEED_RECORDS && q < Q_COPY_DOSSIER);
}

bool mcs_is_pg(const char *target)
{
    if (target == NULL) {
        return false;
    }
    if (strncmp(target, "postgresql://", 13) == 0 || strncmp(target, "postgres://", 11) == 0) {
        return true;
    }
    /* A libpq key=value string starts with a keyword and '=' ("host=/tmp/x dbname=mc"); a
     * SQLite URI starts with "file:", a path with anything else. */
    const char *p = target;
    while (*p == ' ') {
        p++;
    }
    const char *k = p;
    while (*p == '_' || (*p >= 'a' && *p <= 'z')) {
        p++;
    }
    while (*p == ' ') {
        p++;
    }
    return p > k && *p == '=';
}

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message; /* library code never prints; notices are not errors */
}

/* The first line of a libpq message, into out. */
static void first_line(const char *msg, char *out, size_t outsz)
{
    size_t n = strcspn(msg ? msg : "", "\n");
    snprintf(out, outsz, "%.*s", (int)n, msg ? msg : "");
}

static bool connection_lost(mcs_backend *b)
{
    return PQstatus(b->conn) != CONNECTION_OK;
}

/* The error of res (or of the connection when res is NULL) as an MC_E* code and message. */
static int pg_error(mcs_backend *b, PGresult *res, const char *what, mc_error *err)
{
    const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    /* No SQLSTATE is libpq's own failure (the socket closed under it); class 08 is a connection
     * exception, 57P01–57P03 a server shutting down or starting. */
    if (res == NULL || connection_lost(b) || state == NULL || strncmp(state, "08", 2) == 0 ||
        strncmp(state, "57P0", 4) == 0) {
        return mc_error_set(err, MC_EDOWN, "store: %s: the connection to the database was lost",
                            what);
    }
    const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    char msg[200];
    first_line(primary ? primary : PQresultErrorMessage(res), msg, sizeof msg);
    int code = MC_EIO;
    if (state != NULL) {
        if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
            strcmp(state, "55P03") == 0) {
            code = MC_EBUSY;
        } else if (strcmp(state, "23505") == 0 && b->optimistic) {
            code = MC_EBUSY; /* a chain's next entry written meanwhile: the snapshot is stale */
        } else if (strcmp(state, "53100") == 0) {
            snprintf(msg, sizeof msg, "the disk is full");
        } else if (strcmp(state, "25006") == 0) {
            snprintf(msg, sizeof msg, "the store is read-only");
        }
    }
    return mc_error_set(err, code, "store: %s: %s", what, msg);
}

/* Runs sql (no parameters) expecting no rows. */
static int exec(mcs_backend *b, const char *sql, const char *what, mc_error *err)
{
    PGresult *res = PQexec(b->conn, sql);
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK
                 ? 0
                 : pg_error(b, res, what, err);
    PQclear(res);
    return rc;
}

static int64_t be_int(const unsigned char *p, int n)
{
    uint64_t v = (n > 0 && (p[0] & 0x80)) ? UINT64_MAX : 0;
    for (int i = 0; i < n; i++) {
        v = (v << 8) | p[i];
    }
    return (int64_t)v;
}

enum { OID_BOOL = 16, OID_BYTEA = 17, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23 };

static void column(PGresult *res, int r, int c, mcs_val *v)
{
    memset(v, 0, sizeof *v);
    if (PQgetisnull(res, r, c)) {
        return;
    }
    const char *p = PQgetvalue(res, r, c);
    int n = PQgetlength(res, r, c);
    switch (PQftype(res, c)) {
    case OID_INT8:
    case OID_INT4:
    case OID_INT2:
    case OID_BOOL:
        v->type = MCS_INT;
        v->i = PQftype(res, c) == OID_BOOL ? p[0] != 0 : be_int((const unsigned char *)p, n);
        break;
    case OID_BYTEA:
        v->type = MCS_BLOB;
        v->p = p;
        v->n = (size_t)n;
        break;
    default: /* text, and anything else the queries above do not give */
        v->type = MCS_TEXT;
        v->p = p; /* libpq ends every value with a NUL, binary ones too */
        v->n = (size_t)n;
        break;
    }
}

/* The SQL of a query prepared per call into buf (or the constant text). */
static const char *sql_for(enum mcs_query q, const mcs_val *params, int n, char *buf, size_t bufsz)
{
    if (q == Q_DOSSIER_EACH && n == 4) {
        snprintf(buf, bufsz,
                 "SELECT " DOSSIER_COLUMNS ", id FROM dossier WHERE true%s%s%s%s ORDER BY id",
                 params[0].type != MCS_NULL ? " AND state = $1" : "",
                 params[1].i ? " AND overdue = 1" : "", params[2].i ? " AND final = 0" : "",
                 params[3].type != MCS_NULL
                     ? (params[0].type != MCS_NULL ? " AND wake IS NOT NULL AND wake <= $2"
                                                   : " AND wake IS NOT NULL AND wake <= $1")
                     : "");
        return buf;
    }
    if (q == Q_CHECK_COLUMN && n == 1 && params[0].i >= 0 && params[0].i < MCS_NROWCOLS) {
        /* Column names come from the table of the front, never from input. A dossier whose
         * events all carry row values is rebuilt from them: the value of a column is the one
         * the latest event carrying it recorded. */
        const char *c = mcs_row_columns[params[0].i];
        snprintf(buf, bufsz,
                 "SELECT d.id, '%s'::text, d.\"%s\", e.\"row\"::jsonb ->> '%s' FROM dossier d "
                 "JOIN event e ON e.seq = (SELECT max(x.seq) FROM event x WHERE x.dossier = d.id "
                 "AND x.\"row\"::jsonb ? '%s') "
                 "WHERE NOT EXISTS (SELECT 1 FROM event y WHERE y.dossier = d.id AND y.\"row\" IS "
                 "NULL) AND d.\"%s\"::text IS DISTINCT FROM e.\"row\"::jsonb ->> '%s' "
                 "ORDER BY d.id",
                 c, c, c, c, c, c);
        return buf;
    }
    return per_call(q) ? sql_of[q] : NULL;
}

static int pg_run(mcs_backend *b, enum mcs_query q, const mcs_val *params, int n, mcs_row_fn row,
                  void *ud, int64_t *changes, const char *what, mc_error *err)
{
    if (n > MCS_MAXCOLS) {
        return mc_error_set(err, MC_EINTERNAL, "store: %s: too many parameters", what);
    }
    const char *values[MCS_MAXCOLS];
    int lengths[MCS_MAXCOLS], formats[MCS_MAXCOLS];
    char nums[MCS_MAXCOLS][24];
    int np = 0;
    for (int i = 0; i < n; i++) {
        const mcs_val *v = &params[i];
        /* A listing binds only the filters it uses: its text numbers them in order. */
        if (q == Q_DOSSIER_EACH && (i == 1 || i == 2 || v->type == MCS_NULL)) {
            continue;
        }
        if (q == Q_CHECK_COLUMN) {
            continue;
        }
        lengths[np] = 0;
        formats[np] = 0;
        switch (v->type) {
        case MCS_INT:
            snprintf(nums[np], sizeof nums[np], "%lld", (long long)v->i);
            values[np] = nums[np];
            break;
        case MCS_TEXT:
            values[np] = v->p;
            break;
        case MCS_BLOB:
            values[np] = v->p;
            lengths[np] = (int)v->n;
            formats[np] = 1;
            break;
        default:
            values[np] = NULL;
            break;
        }
        np++;
    }
    PGresult *res;
    if (per_call(q)) {
        char buf[1024];
        const char *sql = sql_for(q, params, n, buf, sizeof buf);
        if (sql == NULL) {
            return mc_error_set(err, MC_EINTERNAL, "store: %s: no such query", what);
        }
        res = PQexecParams(b->conn, sql, np, NULL, values, lengths, formats, 1);
    } else {
        char name[16];
        snprintf(name, sizeof name, "mc%d", (int)q);
        if (!b->prepared[q]) {
            PGresult *p = PQprepare(b->conn, name, sql_of[q], 0, NULL);
            int rc = PQresultStatus(p) == PGRES_COMMAND_OK ? 0 : pg_error(b, p, what, err);
            PQclear(p);
            if (rc != 0) {
                return rc;
            }
            b->prepared[q] = true;
        }
        res = PQexecPrepared(b->conn, name, np, values, lengths, formats, 1);
    }
    ExecStatusType status = PQresultStatus(res);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        int e = pg_error(b, res, what, err);
        PQclear(res);
        return e;
    }
    int result = 0;
    int ncols = PQnfields(res);
    ncols = ncols > MCS_MAXCOLS ? MCS_MAXCOLS : ncols;
    for (int r = 0; row != NULL && r < PQntuples(res) && result == 0; r++) {
        mcs_val cols[MCS_MAXCOLS];
        for (int c = 0; c < ncols; c++) {
            column(res, r, c, &cols[c]);
        }
        result = row(ud, cols, ncols);
    }
    if (changes != NULL) {
        *changes = strtoll(PQcmdTuples(res), NULL, 10);
    }
    PQclear(res);
    return result;
}

/* ==== opening ============================================================================ */

/* Session settings: wait for the write lock as SQLite waits for its busy timeout. */
static int settle(mcs_backend *b, mc_error *err)
{
    PQsetNoticeProcessor(b->conn, quiet, NULL);
    memset(b->prepared, 0, sizeof b->prepared);
    return exec(b, "SET lock_timeout = '5s'", "connecting", err);
}

typedef struct version_arg {
    int version;
} version_arg;

static int get_version(void *ud, const mcs_val *cols, int n)
{
    ((version_arg *)ud)->version = n > 0 ? (int)cols[0].i : 0;
    return 0;
}

/* Brings the schema to SCHEMA_VERSION under an advisory lock, so that several processes
 * opening a new store at once create it once. */
static int migrate(mcs_backend *b, mc_error *err)
{
    const char *what = "migrating the schema";
    int rc = exec(b, "BEGIN", what, err);
    if (rc == 0) {
        rc = exec(b, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ")", what, err);
    }
    if (rc == 0) {
        rc = exec(b, "CREATE TABLE IF NOT EXISTS motcua_schema (version bigint NOT NULL)", what,
                  err);
    }
    version_arg v = {0};
    if (rc == 0) {
        PGresult *res = PQexecParams(b->conn, "SELECT max(version) FROM motcua_schema", 0, NULL,
                                     NULL, NULL, NULL, 1);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            rc = pg_error(b, res, what, err);
        } else if (PQntuples(res) == 1) {
            mcs_val c;
            column(res, 0, 0, &c);
            get_version(&v, &c, 1);
        }
        PQclear(res);
    }
    if (rc == 0 && v.version > SCHEMA_VERSION) {
        rc = mc_error_set(err, MC_EIO,
                          "store: schema version %d is newer than this motcua (%d); upgrade "
                          "motcua",
                          v.version, SCHEMA_VERSION);
    }
    for (int i = 0; rc == 0 && i < NMIGRATIONS; i++) {
        if (migrations[i].to > v.version) {
            rc = exec(b, migrations[i].sql, what, err);
        }
    }
    if (rc == 0 && v.version < SCHEMA_VERSION) {
        char sql[80];
        snprintf(sql, sizeof sql,
                 "DELETE FROM motcua_schema; INSERT INTO motcua_schema VALUES (%d)",
                 SCHEMA_VERSION);
        rc = exec(b, sql, what, err);
    }
    if (rc == 0) {
        rc = exec(b, "COMMIT", what, err);
    }
    if (rc != 0 && PQtransactionStatus(b->conn) != PQTRANS_IDLE) {
        PQclear(PQexec(b->conn, "ROLLBACK"));
    }
    return rc;
}

static void pg_close(mcs_backend *b)
{
    if (b == NULL) {
        return;
    }
    PQfinish(b->conn);
    mc_free(b);
}

static int pg_open(mcs_backend **out, const char *target, mcs_seed_fn seed, void *ud, mc_error *err)
{
    (void)seed; /* a PostgreSQL store begins at version 4: nothing to seed */
    (void)ud;
    *out = NULL;
    mcs_backend *b = mc_calloc(1, sizeof *b);
    if (b == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    b->conn = PQconnectdb(target);
    int rc;
    if (b->conn == NULL) {
        rc = mc_error_set(err, MC_ENOMEM, "out of memory");
    } else if (PQstatus(b->conn) != CONNECTION_OK) {
        char msg[200];
        first_line(PQerrorMessage(b->conn), msg, sizeof msg);
        rc = mc_error_set(err, MC_EDOWN, "store: cannot connect to the database: %s", msg);
    } else {
        rc = settle(b, err);
        if (rc == 0) {
            rc = migrate(b, err);
        }
    }
    if (rc != 0) {
        pg_close(b);
        return rc;
    }
    *out = b;
    return 0;
}

/* ==== transactions ======================================================================= */

/* A connection lost since the last operation is made again before the next transaction. */
static int reconnect(mcs_backend *b, mc_error *err)
{
    if (!connection_lost(b)) {
        return 0;
    }
    PQreset(b->conn);
    if (connection_lost(b)) {
        char msg[200];
        first_line(PQerrorMessage(b->conn), msg, sizeof msg);
        return mc_error_set(err, MC_EDOWN, "store: cannot connect to the database: %s", msg);
    }
    return settle(b, err);
}

static int begin_once(mcs_backend *b, bool optimistic, mc_error *err)
{
    int rc = reconnect(b, err);
    if (rc != 0) {
        return rc;
    }
    b->optimistic = optimistic;
    if (optimistic) {
        return exec(b, "BEGIN ISOLATION LEVEL REPEATABLE READ", "starting a transaction", err);
    }
    /* One round trip: the transaction and its lock. */
    rc = exec(b, "BEGIN; SELECT pg_advisory_xact_lock(" WRITE_LOCK ")", "starting a transaction",
              err);
    if (rc != 0 && !connection_lost(b) && PQtransactionStatus(b->conn) != PQTRANS_IDLE) {
        PQclear(PQexec(b->conn, "ROLLBACK"));
    }
    return rc;
}

/* A connection that died while idle (the server restarted, a failover) is found out only by
 * the next statement. At BEGIN nothing has been done yet: reconnect and begin once more. */
static int pg_begin(mcs_backend *b, bool optimistic, mc_error *err)
{
    int rc = begin_once(b, optimistic, err);
    if (rc == MC_EDOWN && PQstatus(b->conn) == CONNECTION_OK) {
        PQreset(b->conn); /* libpq may not have marked the socket dead yet */
    }
    if (rc == MC_EDOWN) {
        rc = begin_once(b, optimistic, err);
    }
    return rc;
}

static int pg_lock(mcs_backend *b, mc_error *err)
{
    PGresult *res = PQexecParams(b->conn, "SELECT pg_try_advisory_xact_lock(" WRITE_LOCK ")", 0,
                                 NULL, NULL, NULL, NULL, 1);
    int rc = 0;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        rc = pg_error(b, res, "writing", err);
    } else if (PQntuples(res) != 1 || PQgetvalue(res, 0, 0)[0] == 0) {
        rc = mc_error_set(err, MC_EBUSY, "store: writing: another writer holds the store");
    }
    PQclear(res);
    return rc;
}

static int pg_commit(mcs_backend *b, mc_error *err)
{
    PGresult *res = PQexec(b->conn, "COMMIT");
    int rc = 0;
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        rc = pg_error(b, res, "committing", err);
    } else if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
        /* COMMIT of a failed transaction rolls it back and says so. */
        rc = mc_error_set(err, MC_EIO, "store: committing: the transaction had failed");
    }
    PQclear(res);
    if (rc == 0 || PQtransactionStatus(b->conn) == PQTRANS_IDLE) {
        b->optimistic = false;
    }
    return rc;
}

static void pg_rollback(mcs_backend *b)
{
    if (!connection_lost(b) && PQtransactionStatus(b->conn) != PQTRANS_IDLE) {
        PQclear(PQexec(b->conn, "ROLLBACK"));
    }
    b->optimistic = false;
}

/* Savepoints, for a backend table that has them; serve makes no group on PostgreSQL, whose own
 * group commit serves (docs/decisions.md, issue 18). */
static int pg_savepoint(mcs_backend *b, int op, mc_error *err)
{
    static const char *const sql[] = {
        [MCS_SAVE] = "SAVEPOINT op", [MCS_RELEASE] = "RELEASE op", [MCS_UNDO] = "ROLLBACK TO op"};
    int rc = exec(b, sql[op], "an operation's savepoint", err);
    return rc == 0 && op == MCS_UNDO ? exec(b, "RELEASE op", "an operation's savepoint", err) : rc;
}

static bool pg_in_transaction(mcs_backend *b)
{
    PGTransactionStatusType s = PQtransactionStatus(b->conn);
    return s == PQTRANS_INTRANS || s == PQTRANS_INERROR || s == PQTRANS_ACTIVE;
}

const mcs_methods mcs_pg = {
    .version = 1,
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .begin = pg_begin,
    .lock = pg_lock,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .savepoint = pg_savepoint,
    .in_transaction = pg_in_transaction,
    .run = pg_run,
};
