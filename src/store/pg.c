/*
 * The PostgreSQL backend of the store (backend.h), on libpq. The schema is SQLite's with its
 * types mapped (INTEGER -> bigint, BLOB -> bytea, TEXT -> text COLLATE "C", so that listings
 * sort as on SQLite), bodies kept as text so that their hashes stay byte for byte. Parameters
 * are always bound (PQexecPrepared, PQexecParams), never spliced into SQL text; results come in
 * binary. Migrations are keyed on the motcua_schema table and run under an advisory lock.
 *
 * There is no store-wide write lock: a transaction (READ COMMITTED) locks the rows it writes,
 * and the head record of each partition it appends to (SELECT … FOR UPDATE, waiting up to
 * lock_timeout: MC_EBUSY), so that writers of different dossiers share PostgreSQL's group
 * commit instead of queueing. A stale revision shows in the UPDATE (no row: MC_ECONFLICT). A
 * deadlock, a serialization failure, or a unique key (a dossier id, a request id, a chain's
 * next entry) taken by a concurrent writer is MC_ERETRY: the operation runs again. An
 * optimistic transaction (REPEATABLE READ, a snapshot) that meets a concurrent writer fails
 * the same way. A lost connection fails the operation (MC_EDOWN); the next transaction
 * reconnects. No message shows the connection string, hence no password.
 *
 * The connection string may name several servers (host=a,b, postgresql://a,b/db); motcua asks
 * libpq for a writable one (target_session_attrs=read-write unless the string says otherwise).
 * A lost connection, or a server that no longer takes writes (a primary demoted), fails the
 * operation in flight (MC_EDOWN: it was one transaction, nothing of it is written, and a COMMIT
 * whose answer was lost is not acknowledged); the next operation connects again, through the
 * servers in order, waiting with a bounded backoff while none is writable (a failover).
 */
#include "store/backend.h"

#include "motcua/alloc.h"

#include <libpq-fe.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The advisory lock of migrations: a store is the schema of the connection's search path, so
 * the lock is that schema's (two stores in one database do not wait for each other). */
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
    /* Partitioned chains, as SQLite's version 5; the event seq comes from a sequence. */
    {5, "ALTER TABLE event ADD COLUMN part bigint, ADD COLUMN pos bigint;"
        "CREATE UNIQUE INDEX event_part ON event(part, pos) WHERE pos IS NOT NULL;"
        "CREATE INDEX event_legacy ON event(seq) WHERE pos IS NULL;"
        "CREATE SEQUENCE event_seq;"
        "SELECT setval('event_seq', (SELECT coalesce(max(seq), 0) + 1 FROM event), false);"
        /* Dossier ids from a sequence too: max(id) + 1 made concurrent submits of several
         * servers collide on the key again and again. A rolled-back submit leaves a gap. */
        "CREATE SEQUENCE dossier_id;"
        "SELECT setval('dossier_id', (SELECT coalesce(max(id), 0) + 1 FROM dossier), false);"},
    /* The queue in its order, as SQLite's version 6. */
    {6, "CREATE INDEX dossier_queue ON dossier(final, overdue DESC,"
        "  (coalesce(due, 9223372036854775807)), id);"
        "CREATE INDEX dossier_subject ON dossier(subject);"},
    /* /metrics' count of the open dossiers, as SQLite's version 7. */
    {7, "CREATE INDEX dossier_open ON dossier(final, procedure, state, overdue);"},
    /* The procedure texts dossiers run on, as SQLite's version 8. */
    {8, "CREATE TABLE proc_text (hash text COLLATE \"C\" PRIMARY KEY,"
        "  procedure text COLLATE \"C\" NOT NULL, version text COLLATE \"C\" NOT NULL,"
        "  text text COLLATE \"C\" NOT NULL);"},
    /* The search by name and the counts by state, as SQLite's version 9. */
    {9, "ALTER TABLE dossier ADD COLUMN applicant text COLLATE \"C\";"
        "CREATE INDEX dossier_applicant ON dossier(applicant) WHERE applicant IS NOT NULL;"
        "CREATE INDEX dossier_count ON dossier(final, state, overdue);"
        "CREATE INDEX dossier_due_count ON dossier(final, due, state, overdue);"
        /* The counts kept by a trigger, as SQLite's, in 16 parts (the id's) so that concurrent
         * writers of one agency, procedure and state seldom wait for the same tally row. */
        "CREATE TABLE dossier_tally (part bigint NOT NULL, agency text COLLATE \"C\" NOT NULL,"
        "  procedure text COLLATE \"C\" NOT NULL, state text COLLATE \"C\" NOT NULL,"
        "  final bigint NOT NULL, overdue bigint NOT NULL, n bigint NOT NULL,"
        "  PRIMARY KEY (part, agency, procedure, state, final, overdue));"
        "INSERT INTO dossier_tally SELECT id % 16, coalesce(agency, ''), procedure, state, final,"
        "  overdue, count(*) FROM dossier GROUP BY 1, 2, 3, 4, 5, 6;"
        "CREATE FUNCTION motcua_tally() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN"
        "  IF current_setting('motcua.bulk', true) = 'on' THEN RETURN NULL; END IF;"
        "  IF TG_OP <> 'INSERT' THEN UPDATE dossier_tally SET n = n - 1 WHERE part = OLD.id % 16"
        "    AND agency = coalesce(OLD.agency, '') AND procedure = OLD.procedure"
        "    AND state = OLD.state AND final = OLD.final AND overdue = OLD.overdue;"
        "    DELETE FROM dossier_tally WHERE n = 0 AND part = OLD.id % 16"
        "    AND agency = coalesce(OLD.agency, '') AND procedure = OLD.procedure"
        "    AND state = OLD.state AND final = OLD.final AND overdue = OLD.overdue; END IF;"
        "  IF TG_OP <> 'DELETE' THEN INSERT INTO dossier_tally VALUES (NEW.id % 16,"
        "    coalesce(NEW.agency, ''), NEW.procedure, NEW.state, NEW.final, NEW.overdue, 1)"
        "    ON CONFLICT (part, agency, procedure, state, final, overdue)"
        "    DO UPDATE SET n = dossier_tally.n + 1; END IF;"
        "  RETURN NULL; END$$;"
        "CREATE TRIGGER dossier_tally AFTER INSERT OR DELETE ON dossier FOR EACH ROW"
        "  EXECUTE FUNCTION motcua_tally();"
        "CREATE TRIGGER dossier_tally_update AFTER UPDATE OF agency, procedure, state, final,"
        "  overdue ON dossier FOR EACH ROW WHEN (OLD.agency IS DISTINCT FROM NEW.agency OR"
        "  OLD.procedure IS DISTINCT FROM NEW.procedure OR OLD.state IS DISTINCT FROM NEW.state"
        "  OR OLD.final IS DISTINCT FROM NEW.final OR OLD.overdue IS DISTINCT FROM NEW.overdue)"
        "  EXECUTE FUNCTION motcua_tally();"},
    /* Fewer writes per state change, as SQLite's version 10: one upsert of the tally (-1 and
     * +1 in one statement, its rows in key order so that two opposite moves lock them alike;
     * a row at 0 stays), and no dossier_open (/metrics reads the tally). The trigger compares
     * the agency as the tally keys it, so that an update never upserts one row twice. */
    {10, "DROP INDEX dossier_open;"
         "CREATE OR REPLACE FUNCTION motcua_tally() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN"
         "  IF current_setting('motcua.bulk', true) = 'on' THEN RETURN NULL; END IF;"
         "  IF TG_OP = 'INSERT' THEN INSERT INTO dossier_tally VALUES (NEW.id % 16,"
         "    coalesce(NEW.agency, ''), NEW.procedure, NEW.state, NEW.final, NEW.overdue, 1)"
         "    ON CONFLICT (part, agency, procedure, state, final, overdue)"
         "    DO UPDATE SET n = dossier_tally.n + 1;"
         "  ELSIF TG_OP = 'DELETE' THEN INSERT INTO dossier_tally VALUES (OLD.id % 16,"
         "    coalesce(OLD.agency, ''), OLD.procedure, OLD.state, OLD.final, OLD.overdue, -1)"
         "    ON CONFLICT (part, agency, procedure, state, final, overdue)"
         "    DO UPDATE SET n = dossier_tally.n - 1;"
         "  ELSE INSERT INTO dossier_tally SELECT * FROM (VALUES"
         "    (OLD.id % 16, coalesce(OLD.agency, ''), OLD.procedure, OLD.state, OLD.final,"
         "    OLD.overdue, -1::bigint), (NEW.id % 16, coalesce(NEW.agency, ''), NEW.procedure,"
         "    NEW.state, NEW.final, NEW.overdue, 1::bigint)) AS v ORDER BY 1, 2, 3, 4, 5, 6"
         "    ON CONFLICT (part, agency, procedure, state, final, overdue)"
         "    DO UPDATE SET n = dossier_tally.n + EXCLUDED.n; END IF;"
         "  RETURN NULL; END$$;"
         "DROP TRIGGER dossier_tally_update ON dossier;"
         "CREATE TRIGGER dossier_tally_update AFTER UPDATE OF agency, procedure, state, final,"
         "  overdue ON dossier FOR EACH ROW WHEN (coalesce(OLD.agency, '') IS DISTINCT FROM"
         "  coalesce(NEW.agency, '') OR OLD.procedure IS DISTINCT FROM NEW.procedure OR"
         "  OLD.state IS DISTINCT FROM NEW.state OR OLD.final IS DISTINCT FROM NEW.final OR"
         "  OLD.overdue IS DISTINCT FROM NEW.overdue)"
         "  EXECUTE FUNCTION motcua_tally();"},
    /* The outbox of results issued to live registries, as SQLite's version 11. */
    {11, "CREATE TABLE delivery (id bigint PRIMARY KEY,"
         "  request_id text COLLATE \"C\" NOT NULL UNIQUE,"
         "  registry text COLLATE \"C\" NOT NULL, document text COLLATE \"C\" NOT NULL,"
         "  subject text COLLATE \"C\" NOT NULL, party text COLLATE \"C\","
         "  reference text COLLATE \"C\", issued text COLLATE \"C\", dossier bigint NOT NULL,"
         "  procedure text COLLATE \"C\", agency text COLLATE \"C\", created bigint NOT NULL,"
         "  attempts bigint NOT NULL, next_at bigint NOT NULL, delivered_at bigint,"
         "  answer_hash text COLLATE \"C\", last_error text COLLATE \"C\");"
         "CREATE INDEX delivery_due ON delivery(next_at, id) WHERE delivered_at IS NULL;"},
    /* The refusals of a dossier counted from their own index, as SQLite's version 12. */
    {12, "CREATE INDEX event_blocked ON event(dossier) WHERE kind = 'blocked';"},
};
enum { NMIGRATIONS = sizeof migrations / sizeof migrations[0] };
#define SCHEMA_VERSION (migrations[NMIGRATIONS - 1].to)

#define DOSSIER_COLUMNS                                                                            \
    "rev, procedure, version, agency, subject, channel, state, outcome, clock, final, "            \
    "overdue, late, submitted, entered, due, \"left\", finished, fee, wake, apology, data"
#define EVENT_COLUMNS "seq, dossier, at, kind, actor, body, prev, hash, \"row\", part, pos"
#define DELIVERY_COLUMNS                                                                           \
    "id, request_id, registry, document, subject, party, reference, issued, dossier, "             \
    "procedure, agency, created, attempts, next_at, delivered_at, answer_hash, last_error"

/* The ids of dossiers and tickets are the next after the largest, as SQLite gives them; two
 * writers that take the same one meet on its primary key, and the second runs again
 * (MC_ERETRY). */
static const char *const sql_of[Q_COUNT] = {
    [Q_DOSSIER_INSERT] = "INSERT INTO dossier (id, " DOSSIER_COLUMNS ") VALUES "
                         "(nextval('dossier_id'), $1, $2, $3, $4, $5, "
                         "$6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, "
                         "$21) RETURNING id",
    [Q_DOSSIER_LOAD] = "SELECT " DOSSIER_COLUMNS ", id FROM dossier WHERE id = $1",
    [Q_DOSSIER_UPDATE] = "UPDATE dossier SET rev = $1::bigint + 1, procedure = $2, version = $3, "
                         "agency = $4, subject = $5, channel = $6, state = $7, outcome = $8, "
                         "clock = $9, final = $10, overdue = $11, late = $12, submitted = $13, "
                         "entered = $14, due = $15, \"left\" = $16, finished = $17, fee = $18, "
                         "wake = $19, apology = $20, data = $21 WHERE id = $22 AND rev = $1",
    [Q_DOSSIER_SUBJECT] = "SELECT subject FROM dossier WHERE id = $1",
    [Q_DOSSIER_NAME] = "UPDATE dossier SET applicant = $2 WHERE id = $1",
    [Q_NAMES_ALL] = "SELECT id, applicant FROM dossier WHERE applicant IS NOT NULL",
    [Q_DOSSIER_NAMES] = "SELECT count(*) FROM (SELECT 1 FROM dossier WHERE applicant >= $1 AND "
                        "applicant < $2 LIMIT 2001) AS n",
    [Q_EVENT_LAST] = "SELECT seq, hash FROM event WHERE pos IS NULL ORDER BY seq DESC LIMIT 1",
    [Q_EVENT_INSERT] = "INSERT INTO event (" EVENT_COLUMNS ") "
                       "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    [Q_EVENT_EACH] = "SELECT " EVENT_COLUMNS " FROM event WHERE dossier = $1 ORDER BY seq",
    [Q_EVENT_ALL] = "SELECT " EVENT_COLUMNS " FROM event ORDER BY seq",
    [Q_EVENTS_OF_KIND] = "SELECT " EVENT_COLUMNS " FROM event "
                         "WHERE kind = $1 AND at >= $2 AND at < $3 ORDER BY seq",
    [Q_EVENT_AT] = "SELECT hash FROM event WHERE seq = $1 AND pos IS NULL",
    /* The partition's head is locked until the transaction ends, and the event's seq taken
     * under that lock, so that within a partition seq grows with pos. */
    [Q_PART_HEAD] = "SELECT seq, hash, nextval('event_seq') FROM ledger_head WHERE chain = $1 "
                    "FOR UPDATE",
    [Q_HEAD_LOCK] = "SELECT seq, hash FROM ledger_head WHERE chain = $1 FOR UPDATE",
    [Q_HEAD_CREATE] =
        "INSERT INTO ledger_head (chain, seq, hash) SELECT "
        "unnest(string_to_array($1, ',')), 0, $2::bytea ON CONFLICT (chain) DO NOTHING",
    /* One round trip: the row as it was (locked, its revision checked again after any writer
     * it waited for) and the update. */
    [Q_DOSSIER_SWAP] = "UPDATE dossier d SET rev = $1::bigint + 1, procedure = $2, version = $3, "
                       "agency = $4, subject = $5, channel = $6, state = $7, outcome = $8, "
                       "clock = $9, final = $10, overdue = $11, late = $12, submitted = $13, "
                       "entered = $14, due = $15, \"left\" = $16, finished = $17, fee = $18, "
                       "wake = $19, apology = $20, data = $21 FROM (SELECT * FROM dossier WHERE "
                       "id = $22 AND rev = $1 FOR UPDATE) o WHERE d.id = o.id RETURNING o.rev, "
                       "o.procedure, o.version, o.agency, o.subject, o.channel, o.state, "
                       "o.outcome, o.clock, o.final, o.overdue, o.late, o.submitted, o.entered, "
                       "o.due, o.\"left\", o.finished, o.fee, o.wake, o.apology, o.data, o.id",
    /* The revision checked by a division: 1 / 0 (22012, division_by_zero, which pg_error
     * reads as MC_ECONFLICT: no other query of the store divides) fails the statement, and so
     * the transaction and its deferred COMMIT, when no row of that id and rev was updated. */
    [Q_DOSSIER_PUT] = "WITH u AS (UPDATE dossier SET rev = $1::bigint + 1, procedure = $2, "
                      "version = $3, agency = $4, subject = $5, channel = $6, state = $7, "
                      "outcome = $8, clock = $9, final = $10, overdue = $11, late = $12, "
                      "submitted = $13, entered = $14, due = $15, \"left\" = $16, "
                      "finished = $17, fee = $18, wake = $19, apology = $20, data = $21 "
                      "WHERE id = $22 AND rev = $1 RETURNING 1) SELECT 1 / count(*)::int FROM u",
    [Q_DOSSIER_LOAD_LOCK] = "SELECT d.rev, d.procedure, d.version, d.agency, d.subject, "
                            "d.channel, d.state, d.outcome, d.clock, d.final, d.overdue, d.late, "
                            "d.submitted, d.entered, d.due, d.\"left\", d.finished, d.fee, "
                            "d.wake, d.apology, d.data, d.id, h.seq, h.hash, "
                            "nextval('event_seq') FROM dossier d JOIN ledger_head h ON "
                            "h.chain = $2 WHERE d.id = $1 FOR UPDATE OF h",
    [Q_HEAD_SET] = "UPDATE ledger_head SET seq = $2, hash = $3 WHERE chain = $1",
    [Q_EVENT_APPEND] = "WITH e AS (INSERT INTO event (" EVENT_COLUMNS ") VALUES ($1, $2, $3, "
                       "$4, $5, $6, $7, $8, $9, $10, $11)) INSERT INTO ledger_head (chain, seq, "
                       "hash) VALUES ($12, $11, $8) ON CONFLICT (chain) DO UPDATE SET "
                       "seq = EXCLUDED.seq, hash = EXCLUDED.hash",
    [Q_LEDGER_APPEND] = "WITH e AS (INSERT INTO ledger (chain, seq, subject, body, prev, hash) "
                        "VALUES ($1, $2, $3, $4, $5, $6)) INSERT INTO ledger_head (chain, seq, "
                        "hash) VALUES ($1, $2, $6) ON CONFLICT (chain) DO UPDATE SET "
                        "seq = EXCLUDED.seq, hash = EXCLUDED.hash",
    [Q_EVENT_LEGACY] = "SELECT " EVENT_COLUMNS " FROM event WHERE pos IS NULL ORDER BY seq",
    [Q_EVENT_PART] = "SELECT " EVENT_COLUMNS " FROM event WHERE part = $1 AND pos IS NOT NULL "
                     "ORDER BY pos",
    [Q_EVENT_PART_AT] = "SELECT hash FROM event WHERE part = $1 AND pos = $2 AND pos IS NOT NULL",
    [Q_EVENT_TIPS] = "SELECT DISTINCT ON (part) part, pos, hash FROM event WHERE pos IS NOT NULL "
                     "ORDER BY part, pos DESC",
    [Q_LEDGER_TIPS] = "SELECT DISTINCT ON (chain) chain, seq, hash FROM ledger "
                      "ORDER BY chain, seq DESC",
    [Q_LEDGER_CHAINS] = "SELECT DISTINCT chain FROM ledger ORDER BY chain",
    [Q_CHECK_MOVED] = "SELECT seq, dossier, part FROM event WHERE (part IS NULL) <> (pos IS NULL) "
                      "OR (pos IS NOT NULL AND part IS DISTINCT FROM CASE WHEN dossier = 0 THEN 0 "
                      "ELSE 1 + (dossier - 1) % $1::bigint END) ORDER BY seq",
    [Q_COPY_DONE] = "WITH t AS (INSERT INTO dossier_tally SELECT id % 16, coalesce(agency, ''), "
                    "procedure, state, final, overdue, count(*) FROM dossier GROUP BY 1, 2, 3, 4, "
                    "5, 6) "
                    "SELECT setval('event_seq', (SELECT coalesce(max(seq), 0) + 1 FROM event), "
                    "false), setval('dossier_id', (SELECT coalesce(max(id), 0) + 1 FROM dossier), "
                    "false)",
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
    [Q_TEXT_PUT] = "INSERT INTO proc_text (hash, procedure, version, text) VALUES ($1, $2, $3, $4) "
                   "ON CONFLICT DO NOTHING",
    [Q_TEXTS_ALL] = "SELECT hash, procedure, version, text FROM proc_text ORDER BY hash",
    [Q_TEXT_GET] = "SELECT procedure, version, text FROM proc_text WHERE hash = $1",
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
        "WHERE chain = 'records' OR chain LIKE 'records.%' "
        "ORDER BY r, d, s, chain <> 'records' DESC, seq DESC) "
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
        "FROM ledger WHERE chain = 'requests' OR chain LIKE 'requests.%') "
        "SELECT 1::bigint, q.id FROM request q JOIN l ON l.id = q.id WHERE q.result IS "
        "DISTINCT FROM l.result "
        "UNION ALL SELECT 2, q.id FROM request q WHERE NOT EXISTS (SELECT 1 FROM l "
        "WHERE l.id = q.id) "
        "UNION ALL SELECT 3, l.id FROM l WHERE NOT EXISTS (SELECT 1 FROM request "
        "q WHERE q.id = l.id) ORDER BY 2",
    [Q_CHECK_TICKETS] =
        "WITH l AS (SELECT (body::jsonb ->> 'id')::bigint AS id, body::jsonb AS b FROM ledger "
        "WHERE chain = 'tickets' OR chain LIKE 'tickets.%') "
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
    /* A copy writes every row in one transaction: the tally's trigger is off for it (a row of
     * dossier_tally updated a hundred thousand times in one transaction leaves as many versions
     * to walk), and the tally is counted once at COPY_DONE. */
    [Q_COPY_DOSSIER] = "INSERT INTO dossier (" DOSSIER_COLUMNS ", id) SELECT $1, $2, $3, $4, "
                       "$5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, "
                       "$20, $21, $22 WHERE set_config('motcua.bulk', 'on', true) = 'on'",
    [Q_COPY_TICKET] = "INSERT INTO ticket (id, dossier, registry, document, subject, reference, "
                      "reason, at, actor) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    [Q_LEDGER_ALL] = "SELECT chain, seq, subject, body, prev, hash FROM ledger ORDER BY chain, seq",
    [Q_LEDGER_HEADS] = "SELECT chain, seq, hash FROM ledger_head WHERE seq > 0 ORDER BY chain",
    [Q_RECORDS_ALL] = "SELECT registry, document, subject, reference, issued FROM record "
                      "ORDER BY registry, document, subject",
    [Q_DOSSIER_DUE] = "SELECT id, wake FROM dossier WHERE wake IS NOT NULL AND final = 0 AND "
                      "wake < $1 AND wake >= $2 AND (wake > $2 OR id > $3) ORDER BY wake, id "
                      "LIMIT $4",
    /* Rows another node has leased are skipped, not waited for; a row updated meanwhile is
     * checked again against the WHERE (a dossier just fired elsewhere is no longer due). */
    [Q_DOSSIER_LEASE] = "SELECT id, wake FROM dossier WHERE wake IS NOT NULL AND final = 0 AND "
                        "wake < $1 AND wake >= $2 AND (wake > $2 OR id > $3) ORDER BY wake, id "
                        "LIMIT $4 FOR UPDATE SKIP LOCKED",
    /* From the tally, as SQLite's. */
    [Q_DOSSIER_COUNTS] = "SELECT procedure, state, sum(n)::bigint, sum(n * overdue)::bigint "
                         "FROM dossier_tally WHERE final = 0 GROUP BY procedure, state "
                         "HAVING sum(n) > 0 ORDER BY procedure, state",
    /* A range of dossier_due_count, as SQLite's. */
    [Q_DOSSIER_DUE_FROM] = "SELECT procedure, count(*)::bigint FROM dossier WHERE final = 0 AND "
                           "due >= $1 GROUP BY procedure ORDER BY procedure",
    [Q_STORE_SIZE] = "SELECT pg_database_size(current_database())",
    /* The id is the next after the largest, as the tickets': two writers that take the same
     * one meet on its key, and the second runs again. */
    [Q_DELIVERY_ADD] = "INSERT INTO delivery (id, request_id, registry, document, subject, "
                       "party, reference, issued, dossier, procedure, agency, created, attempts, "
                       "next_at) VALUES ((SELECT coalesce(max(id), 0) + 1 FROM delivery), $1, "
                       "$2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, 0) RETURNING id",
    [Q_DELIVERY_GET] = "SELECT " DELIVERY_COLUMNS " FROM delivery WHERE id = $1",
    [Q_DELIVERY_DUE] = "SELECT " DELIVERY_COLUMNS " FROM delivery WHERE delivered_at IS NULL AND "
                       "next_at <= $1 ORDER BY next_at, id LIMIT $2",
    [Q_DELIVERY_DONE] = "UPDATE delivery SET delivered_at = $2, answer_hash = $3, "
                        "attempts = attempts + 1, last_error = NULL WHERE id = $1 AND "
                        "delivered_at IS NULL",
    [Q_DELIVERY_FAIL] = "UPDATE delivery SET attempts = attempts + 1, last_error = $2, "
                        "next_at = $3 WHERE id = $1 AND delivered_at IS NULL",
    [Q_DELIVERY_PENDING] = "SELECT registry, count(*)::bigint FROM delivery WHERE delivered_at "
                           "IS NULL GROUP BY registry ORDER BY registry",
    [Q_DELIVERIES_ALL] = "SELECT " DELIVERY_COLUMNS " FROM delivery ORDER BY id",
    [Q_COPY_DELIVERY] = "INSERT INTO delivery (" DELIVERY_COLUMNS ") VALUES ($1, $2, $3, $4, $5, "
                        "$6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
    [Q_CHECK_DELIVERIES] =
        "WITH l AS (SELECT body::jsonb AS b FROM ledger WHERE chain = 'deliveries' OR chain LIKE "
        "'deliveries.%'), c AS (SELECT (b ->> 'id')::bigint AS id, b FROM l WHERE b ->> 'event' "
        "= 'issued'), a AS (SELECT (b ->> 'id')::bigint AS id, b FROM l WHERE b ->> 'event' = "
        "'delivered') "
        "SELECT 1::bigint, x.id FROM delivery x JOIN c ON c.id = x.id WHERE x.request_id IS "
        "DISTINCT FROM c.b ->> 'request_id' OR x.registry IS DISTINCT FROM c.b ->> 'registry' OR "
        "x.document IS DISTINCT FROM c.b ->> 'document' OR x.subject IS DISTINCT FROM c.b ->> "
        "'subject' OR x.party IS DISTINCT FROM c.b ->> 'party' OR x.reference IS DISTINCT FROM "
        "c.b ->> 'reference' OR x.issued IS DISTINCT FROM c.b ->> 'issued' OR x.dossier::text IS "
        "DISTINCT FROM c.b ->> 'dossier' OR x.procedure IS DISTINCT FROM c.b ->> 'procedure' OR "
        "x.agency IS DISTINCT FROM c.b ->> 'agency' OR x.created::text IS DISTINCT FROM c.b ->> "
        "'created' "
        "UNION ALL SELECT 2, x.id FROM delivery x WHERE NOT EXISTS (SELECT 1 FROM c WHERE c.id "
        "= x.id) "
        "UNION ALL SELECT 3, c.id FROM c WHERE NOT EXISTS (SELECT 1 FROM delivery x WHERE x.id "
        "= c.id) "
        "UNION ALL SELECT 4, x.id FROM delivery x LEFT JOIN a ON a.id = x.id WHERE "
        "x.delivered_at::text IS DISTINCT FROM a.b ->> 'delivered_at' OR x.answer_hash IS "
        "DISTINCT FROM a.b ->> 'answer_hash' ORDER BY 2",
    /* Every event is read (no index serves a look-up's time): the LIKE spares the JSON parse of
     * the events that carry none. */
    [Q_LOOKUP_COUNTS] = "SELECT registry, document, count(request), "
                        "count(*) FILTER (WHERE request IS NOT NULL AND outcome = 'found'), "
                        "min(asked), max(asked), count(*) - count(request) "
                        "FROM (SELECT l ->> 'registry' AS registry, l ->> 'document' AS document, "
                        "l ->> 'outcome' AS outcome, l ->> 'request' AS request, "
                        "CASE WHEN jsonb_typeof(l -> 'asked_at') = "
                        "'number' THEN (l ->> 'asked_at')::numeric::bigint END AS asked "
                        "FROM event e CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN "
                        "jsonb_typeof(e.body::jsonb -> 'lookups') = 'array' THEN "
                        "e.body::jsonb -> 'lookups' ELSE '[]'::jsonb END) AS l "
                        "WHERE e.body LIKE '%\"lookups\"%') AS x "
                        "WHERE registry IS NOT NULL AND document IS NOT NULL AND asked >= $1 "
                        "AND asked < $2 GROUP BY registry, document "
                        "ORDER BY registry COLLATE \"C\", document COLLATE \"C\"",
};

/* A write whose result nobody reads (an entry appended to a chain, a dossier's checked update),
 * kept to be sent with the next statement or the COMMIT, in one round trip (libpq's pipeline
 * mode). A transition defers two: its dossier's update and its event. */
enum { LATER_MAX = 4 };
typedef struct deferred {
    enum mcs_query q;
    int np;
    char *values[MCS_MAXCOLS]; /* copies (NULL for SQL NULL) */
    int lengths[MCS_MAXCOLS], formats[MCS_MAXCOLS];
    const char *what; /* static text */
} deferred;

struct mcs_backend {
    PGconn *conn;
    bool prepared[Q_COUNT];
    bool optimistic; /* the open transaction is a snapshot without the write lock */
    bool tx_open;    /* in a transaction, as last seen (never reconnect inside one) */
    bool stale;      /* the server refused a write as read-only: look for a writable one */
    /* A BEGIN not sent yet: it goes with the transaction's first statement. */
    const char *begin_sql;
    deferred later[LATER_MAX];
    int nlater;
};

/* The queries whose text depends on their parameters, and those run too rarely to keep. */
static bool per_call(enum mcs_query q)
{
    return q == Q_DOSSIER_EACH || q == Q_DOSSIER_PAGE || q == Q_PAGE_COUNTS ||
           (q >= Q_SEED_RECORDS && q < Q_COPY_DOSSIER);
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

/* The connection must be made again before the next operation. */
static bool needs_reconnect(mcs_backend *b)
{
    return b->stale || connection_lost(b);
}

/* The error of res (or of the connection when res is NULL) as an MC_E* code and message. */
static int pg_error(mcs_backend *b, PGresult *res, const char *what, mc_error *err)
{
    const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    /* No SQLSTATE is libpq's own failure (the socket closed under it); class 08 is a connection
     * exception, 57P01–57P03 a server shutting down or starting. */
    if (res == NULL || connection_lost(b) || state == NULL || strncmp(state, "08", 2) == 0 ||
        strncmp(state, "57P0", 4) == 0) {
        return mc_error_say(err, MC_EDOWN, "store.lost", 1, what);
    }
    if (strcmp(state, "25006") == 0) {
        /* A server that refuses writes is a standby, or a primary demoted under us: the
         * connection was for writing, so the next operation looks for a writable server. */
        b->stale = true;
        return mc_error_say(err, MC_EDOWN, "store.read-only", 1, what);
    }
    const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    char msg[200];
    first_line(primary ? primary : PQresultErrorMessage(res), msg, sizeof msg);
    int code = MC_EIO;
    if (state != NULL) {
        if (strcmp(state, "55P03") == 0) {
            code = MC_EBUSY; /* waited past lock_timeout */
            atomic_fetch_add_explicit(&mcs_busy_timeouts, 1, memory_order_relaxed);
        } else if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
                   strcmp(state, "23505") == 0) {
            /* A serialization failure, a deadlock, or a key (a dossier id, a request id, a
             * chain's next entry) a concurrent writer took: the transaction is lost, and the
             * operation, run again, sees what the other one wrote. */
            code = MC_ERETRY;
            atomic_fetch_add_explicit(&mcs_conflicts, 1, memory_order_relaxed);
        } else if (strcmp(state, "22012") == 0) {
            code = MC_ECONFLICT; /* Q_DOSSIER_PUT's revision check */
            snprintf(msg, sizeof msg,
                     "the dossier was changed by someone else meanwhile; try again");
        } else if (strcmp(state, "53100") == 0) {
            snprintf(msg, sizeof msg, "the disk is full");
        }
    }
    return code == MC_EBUSY ? mc_error_say(err, code, "store.busy", 2, what, msg)
                            : mc_error_set(err, code, "store: %s: %s", what, msg);
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

/* The counts of the first page without a due-before, a search or a subject: from the tally
 * the triggers keep (version 8), a few rows whatever the number of dossiers. */
static const char *tally_sql(const mcs_val *params, char *buf, size_t bufsz)
{
    static const char *const filter[] = {
        " AND final = ", " AND state = ", " AND procedure = ", " AND overdue = ", NULL,
        " AND agency = "};
    size_t len = (size_t)snprintf(buf, bufsz, "%s",
                                  "SELECT state, sum(n)::bigint, sum(CASE WHEN overdue = 1 THEN n "
                                  "ELSE 0 END)::bigint FROM dossier_tally WHERE true");
    int next = 1;
    for (int i = 0; i < 6 && len < bufsz; i++) {
        if (params[i].type != MCS_NULL && filter[i] != NULL) {
            len += (size_t)snprintf(buf + len, bufsz - len, "%s$%d", filter[i], next);
        }
        next += params[i].type != MCS_NULL;
    }
    if (len < bufsz) {
        len += (size_t)snprintf(buf + len, bufsz - len,
                                " GROUP BY state HAVING sum(n) > 0 ORDER BY state");
    }
    return len < bufsz ? buf : NULL;
}

/* The text of a page of the queue (Q_DOSSIER_PAGE) into buf: only the filters whose parameter
 * is not NULL, each placeholder numbered in the order of the parameters bound ($1, $2, …:
 * libpq sends only those). The order is the one of the index dossier_queue, so that a page
 * reads LIMIT rows of it and sorts nothing. The counts of the first page (Q_PAGE_COUNTS)
 * have the same filters, grouped by state. */
static const char *page_sql(const mcs_val *params, int n, bool counts, char *buf, size_t bufsz)
{
    static const char *const filter[] = {" AND final = ",   " AND state = ", " AND procedure = ",
                                         " AND overdue = ", " AND due < ",   " AND agency = "};
    if (n != MCS_PAGE_PARAMS || (!counts && params[9].type == MCS_NULL)) {
        return NULL;
    }
    if (counts && params[4].type == MCS_NULL && params[10].type == MCS_NULL &&
        params[14].type == MCS_NULL) {
        return tally_sql(params, buf, bufsz);
    }
    char ph[MCS_PAGE_PARAMS][16];
    int next = 1;
    for (int i = 0; i < n; i++) {
        if (params[i].type != MCS_NULL) {
            snprintf(ph[i], sizeof ph[i], "$%d", next++);
        }
    }
    size_t len =
        (size_t)snprintf(buf, bufsz, "%s",
                         counts ? "SELECT state, count(*), sum(overdue)::bigint FROM dossier "
                                  "WHERE true"
                                : "SELECT " DOSSIER_COLUMNS ", id FROM dossier WHERE true");
    for (int i = 0; i < 6 && len < bufsz; i++) {
        if (params[i].type != MCS_NULL) {
            len += (size_t)snprintf(buf + len, bufsz - len, "%s%s", filter[i], ph[i]);
        }
    }
    if (len < bufsz && params[14].type != MCS_NULL) {
        len += (size_t)snprintf(buf + len, bufsz - len, " AND subject = %s", ph[14]);
    }
    if (len < bufsz && params[10].type != MCS_NULL) {
        len += (size_t)snprintf(buf + len, bufsz - len, " AND (subject = %s", ph[10]);
        if (len < bufsz && params[11].type != MCS_NULL) {
            len += (size_t)snprintf(buf + len, bufsz - len, " OR id = %s", ph[11]);
        }
        if (len < bufsz && params[12].type != MCS_NULL) {
            len += (size_t)snprintf(buf + len, bufsz - len,
                                    " OR (applicant >= %s AND applicant < %s)", ph[12], ph[13]);
        }
        if (len < bufsz) {
            len += (size_t)snprintf(buf + len, bufsz - len, ")");
        }
    }
    if (counts) {
        if (len < bufsz) {
            len += (size_t)snprintf(buf + len, bufsz - len, " GROUP BY state ORDER BY state");
        }
        return len < bufsz ? buf : NULL;
    }
    if (len < bufsz && params[6].type != MCS_NULL) {
        len += (size_t)snprintf(buf + len, bufsz - len,
                                " AND (overdue < %s OR (overdue = %s AND "
                                "(coalesce(due, 9223372036854775807), id) > (%s, %s)))",
                                ph[6], ph[6], ph[7], ph[8]);
    }
    if (len < bufsz) {
        len += (size_t)snprintf(buf + len, bufsz - len,
                                " ORDER BY overdue DESC, coalesce(due, 9223372036854775807), id "
                                "LIMIT %s",
                                ph[9]);
    }
    return len < bufsz ? buf : NULL;
}

/* The SQL of a query prepared per call into buf (or the constant text). */
static const char *sql_for(enum mcs_query q, const mcs_val *params, int n, char *buf, size_t bufsz)
{
    if (q == Q_DOSSIER_PAGE || q == Q_PAGE_COUNTS) {
        return page_sql(params, n, q == Q_PAGE_COUNTS, buf, bufsz);
    }
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
         * the latest event carrying it recorded. The latest events are found in one pass over
         * the events (DISTINCT ON), not by a lookup per dossier, and read as json, not jsonb: a
         * key is found by scanning the text, without building a jsonb value of every event for
         * every column (verify of 100,000 dossiers on PostgreSQL: 20 s instead of 48 s). */
        const char *c = mcs_row_columns[params[0].i];
        snprintf(buf, bufsz,
                 "WITH l AS (SELECT DISTINCT ON (x.dossier) x.dossier, x.\"row\"::json ->> '%s' "
                 "AS v FROM event x WHERE x.\"row\"::json -> '%s' IS NOT NULL "
                 "ORDER BY x.dossier, x.seq DESC) "
                 "SELECT d.id, '%s'::text, d.\"%s\", l.v FROM dossier d JOIN l ON l.dossier = d.id "
                 "WHERE NOT EXISTS (SELECT 1 FROM event y WHERE y.dossier = d.id AND y.\"row\" IS "
                 "NULL) AND d.\"%s\"::text IS DISTINCT FROM l.v ORDER BY d.id",
                 c, c, c, c, c);
        return buf;
    }
    return per_call(q) ? sql_of[q] : NULL;
}

/* The result rows of res to row, the rows it changed to *changes; res is cleared. */
static int deliver(mcs_backend *b, PGresult *res, mcs_row_fn row, void *ud, int64_t *changes,
                   const char *what, mc_error *err)
{
    ExecStatusType status = PQresultStatus(res);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        int e = pg_error(b, res, what, err);
        PQclear(res);
        return e;
    }
    int result = 0;
    int ncols = PQnfields(res);
    if (ncols > MCS_MAXCOLS) {
        PQclear(res);
        return mc_error_set(err, MC_EINTERNAL, "store: %s: a result of %d columns (at most %d)",
                            what, ncols, (int)MCS_MAXCOLS);
    }
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

static int prepare(mcs_backend *b, enum mcs_query q, const char *what, mc_error *err)
{
    if (b->prepared[q]) {
        return 0;
    }
    char name[16];
    snprintf(name, sizeof name, "mc%d", (int)q);
    PGresult *p = PQprepare(b->conn, name, sql_of[q], 0, NULL);
    int rc = PQresultStatus(p) == PGRES_COMMAND_OK ? 0 : pg_error(b, p, what, err);
    PQclear(p);
    b->prepared[q] = rc == 0;
    return rc;
}

static void forget_later(mcs_backend *b)
{
    for (int k = 0; k < b->nlater; k++) {
        for (int i = 0; i < b->later[k].np; i++) {
            mc_free(b->later[k].values[i]);
        }
    }
    memset(b->later, 0, sizeof b->later);
    b->nlater = 0;
}

/* Keeps a copy of a write to send later (the caller's buffers do not live that long). */
static int defer(mcs_backend *b, enum mcs_query q, int np, const char *const *values,
                 const int *lengths, const int *formats, const char *what, mc_error *err)
{
    deferred *d = &b->later[b->nlater++];
    memset(d, 0, sizeof *d);
    d->q = q;
    d->what = what;
    for (int i = 0; i < np; i++) {
        size_t len = formats[i] ? (size_t)lengths[i] : values[i] ? strlen(values[i]) : 0;
        d->lengths[i] = lengths[i];
        d->formats[i] = formats[i];
        if (values[i] != NULL) {
            d->values[i] = mc_malloc(len + 1);
            if (d->values[i] == NULL) {
                d->np = i;
                forget_later(b);
                return mc_error_set(err, MC_ENOMEM, "out of memory");
            }
            memcpy(d->values[i], values[i], len);
            d->values[i][len] = '\0';
        }
    }
    d->np = np;
    return 0;
}

/* One statement of a pipeline: text without parameters (sql), or a prepared query. */
typedef struct step {
    const char *sql;
    enum mcs_query q;
    int np;
    const char *const *values;
    const int *lengths, *formats;
    const char *what;
} step;

static int send_step(mcs_backend *b, const step *s)
{
    if (s->sql != NULL) {
        return PQsendQueryParams(b->conn, s->sql, 0, NULL, NULL, NULL, NULL, 1);
    }
    char name[16];
    snprintf(name, sizeof name, "mc%d", (int)s->q);
    return PQsendQueryPrepared(b->conn, name, s->np, s->values, s->lengths, s->formats, 1);
}

/* Runs steps in one round trip (pipeline mode); the last one's rows go to row. *status (room
 * for 16) gets the last one's command status. The first failure is the error. */
static int pipeline(mcs_backend *b, const step *steps, int n, mcs_row_fn row, void *ud,
                    int64_t *changes, char *status, mc_error *err)
{
    if (n == 1) {
        /* Nothing to send with it: the ordinary way. */
        char name[16];
        snprintf(name, sizeof name, "mc%d", (int)steps[0].q);
        PGresult *res = steps[0].sql != NULL
                            ? PQexecParams(b->conn, steps[0].sql, 0, NULL, NULL, NULL, NULL, 1)
                            : PQexecPrepared(b->conn, name, steps[0].np, steps[0].values,
                                             steps[0].lengths, steps[0].formats, 1);
        if (status != NULL && res != NULL) {
            snprintf(status, 16, "%s", PQcmdStatus(res));
        }
        return deliver(b, res, row, ud, changes, steps[0].what, err);
    }
    if (PQenterPipelineMode(b->conn) != 1) {
        return pg_error(b, NULL, steps[n - 1].what, err);
    }
    int rc = 0;
    for (int i = 0; rc == 0 && i < n; i++) {
        if (send_step(b, &steps[i]) != 1) {
            rc = pg_error(b, NULL, steps[i].what, err);
        }
    }
    if (rc == 0 && PQpipelineSync(b->conn) != 1) {
        rc = pg_error(b, NULL, steps[n - 1].what, err);
    }
    for (int i = 0; rc == 0 && i < n; i++) {
        PGresult *res = PQgetResult(b->conn);
        if (res == NULL) {
            rc = pg_error(b, NULL, steps[i].what, err);
            break;
        }
        if (status != NULL && i == n - 1) {
            snprintf(status, 16, "%s", PQcmdStatus(res));
        }
        rc = deliver(b, res, i == n - 1 ? row : NULL, ud, i == n - 1 ? changes : NULL,
                     steps[i].what, err);
        PQclear(PQgetResult(b->conn)); /* the NULL that ends each statement's results */
    }
    /* What is left after a failure (aborted statements), up to the sync. */
    for (int guard = 0; guard < 4 * n + 4 && PQstatus(b->conn) == CONNECTION_OK; guard++) {
        PGresult *res = PQgetResult(b->conn);
        if (res == NULL) {
            continue;
        }
        bool sync = PQresultStatus(res) == PGRES_PIPELINE_SYNC;
        PQclear(res);
        if (sync) {
            break;
        }
    }
    PQexitPipelineMode(b->conn);
    return rc;
}

static int reconnect(mcs_backend *b, mc_error *err);

/* Sends whatever waits (a BEGIN, a deferred write) with now (a statement, or NULL), in one
 * round trip. A transaction whose BEGIN had not been sent has done nothing yet: when the
 * connection turns out lost (it died while idle: a restart, a failover), it reconnects and
 * sends it all once more. */
static int flush_as(mcs_backend *b, const step *now, mcs_row_fn row, void *ud, int64_t *changes,
                    char *status, mc_error *err)
{
    step steps[2 + LATER_MAX];
    int n = 0;
    const char *begin = b->begin_sql;
    if (begin != NULL) {
        steps[n++] = (step){begin, Q_COUNT, 0, NULL, NULL, NULL, "starting a transaction"};
    }
    bool deferred_any = b->nlater > 0;
    for (int k = 0; k < b->nlater; k++) {
        deferred *d = &b->later[k];
        steps[n++] = (step){NULL,       d->q,       d->np,  (const char *const *)d->values,
                            d->lengths, d->formats, d->what};
    }
    if (now != NULL) {
        steps[n++] = *now;
    }
    if (n == 0) {
        return 0;
    }
    int rc = pipeline(b, steps, n, row, ud, changes, status, err);
    if (rc == MC_EDOWN && begin != NULL && !deferred_any) {
        b->stale = true; /* libpq may not have marked the socket dead yet */
        rc = reconnect(b, err); /* connects anew and settles the new session */
        if (rc == 0 && now != NULL && now->sql == NULL) {
            rc = prepare(b, now->q, now->what, err);
        }
        if (rc == 0) {
            rc = pipeline(b, steps, n, row, ud, changes, status, err);
        }
    }
    b->begin_sql = NULL;
    forget_later(b);
    return rc;
}

static int flush(mcs_backend *b, const step *now, mcs_row_fn row, void *ud, int64_t *changes,
                 mc_error *err)
{
    return flush_as(b, now, row, ud, changes, NULL, err);
}

static bool pg_in_transaction(mcs_backend *b);

static int run_once(mcs_backend *b, enum mcs_query q, const mcs_val *params, int n, mcs_row_fn row,
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
        /* PAGE's broad (15) only steers SQLite's planner: PostgreSQL's has the statistics */
        if ((q == Q_DOSSIER_PAGE || q == Q_PAGE_COUNTS) &&
            (v->type == MCS_NULL || i == MCS_PAGE_PARAMS - 1)) {
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
    if (per_call(q)) {
        /* Rare queries, their text made per call: whatever waits is sent first. */
        int rc = flush(b, NULL, NULL, NULL, NULL, err);
        if (rc != 0) {
            return rc;
        }
        char buf[2048];
        const char *sql = sql_for(q, params, n, buf, sizeof buf);
        if (sql == NULL) {
            return mc_error_set(err, MC_EINTERNAL, "store: %s: no such query", what);
        }
        PGresult *res = PQexecParams(b->conn, sql, np, NULL, values, lengths, formats, 1);
        return deliver(b, res, row, ud, changes, what, err);
    }
    int rc = prepare(b, q, what, err);
    if (rc != 0) {
        return rc;
    }
    if ((q == Q_EVENT_APPEND || q == Q_LEDGER_APPEND || q == Q_DOSSIER_PUT ||
         q == Q_DOSSIER_NAME) &&
        row == NULL && changes == NULL && pg_in_transaction(b)) {
        /* Sent with the next statement or the COMMIT: a round trip less each. */
        rc = b->nlater == LATER_MAX ? flush(b, NULL, NULL, NULL, NULL, err) : 0;
        return rc != 0 ? rc : defer(b, q, np, values, lengths, formats, what, err);
    }
    step now = {NULL, q, np, values, lengths, formats, what};
    return flush(b, &now, row, ud, changes, err);
}

/* ==== the connection ==================================================================== */

/* How an operation waits for a writable server once its connection is lost: attempts
 * RECONNECT_FIRST_MS apart, the wait doubling up to RECONNECT_STEP_MS, for RECONNECT_WAIT_MS
 * in all, then MC_EDOWN (503 in the API). A connection attempt to a server that is down or
 * read-only on this machine takes a millisecond; one to an unreachable host over TCP up to
 * connect_timeout, which motcua sets to 2 seconds per host unless the string says otherwise.
 * docs/operations.md gives the bound a request can wait. */
enum { RECONNECT_FIRST_MS = 50, RECONNECT_STEP_MS = 500, RECONNECT_WAIT_MS = 2000 };

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        /* interrupted by a signal: sleep the rest */
    }
}

/* Connects to target with motcua's defaults before it, so that the string overrides them (and
 * libpq's environment variables, when set, are left to libpq): a writable server, and a bound
 * on each host's connection attempt. */
static PGconn *connect_to(const char *target)
{
    const char *keys[4], *values[4];
    int n = 0;
    if (getenv("PGTARGETSESSIONATTRS") == NULL) {
        keys[n] = "target_session_attrs";
        values[n++] = "read-write";
    }
    if (getenv("PGCONNECT_TIMEOUT") == NULL) {
        keys[n] = "connect_timeout";
        values[n++] = "2";
    }
    keys[n] = "dbname"; /* expanded: the whole connection string, which wins over the above */
    values[n++] = target;
    keys[n] = NULL;
    values[n] = NULL;
    return PQconnectdbParams(keys, values, 1);
}

/* MC_EDOWN with why the connection failed: the first line of each server's failure (libpq says
 * one per host of the string), joined on one line. */
static int connect_error(mcs_backend *b, mc_error *err)
{
    char why[sizeof err->msg];
    size_t len = 0;
    why[0] = '\0';
    const char *p = PQerrorMessage(b->conn);
    while (p != NULL && *p != '\0' && len + 1 < sizeof why) {
        size_t n = strcspn(p, "\n");
        if (n > 0 && p[0] != '\t' && p[0] != ' ') { /* a continuation line is a hint: left out */
            len +=
                (size_t)snprintf(why + len, sizeof why - len, "%s%.*s", len ? "; " : "", (int)n, p);
        }
        p += n + (p[n] == '\n');
    }
    return mc_error_say(err, MC_EDOWN, "store.unreachable", 1, why);
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
 * opening a new store at once create it once; an older store only when mode asks (backend.h),
 * with its seed and verify in the same transaction. There is no snapshot of a server's store:
 * MCS_OPEN_SNAPSHOT is MCS_OPEN_CURRENT here. */
static int migrate(mcs_backend *b, enum mcs_open_mode mode, mcs_schema *schema, mcs_seed_fn seed,
                   void *ud, mc_error *err)
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
    schema->found = v.version;
    schema->current = SCHEMA_VERSION;
    bool older = v.version > 0 && v.version < SCHEMA_VERSION;
    if (rc == 0 && v.version > SCHEMA_VERSION) {
        rc = mc_error_set(err, MC_EIO,
                          "store: schema version %d is newer than this motcua (%d); upgrade "
                          "motcua",
                          v.version, SCHEMA_VERSION);
    } else if (rc == 0 && older && mode == MCS_OPEN_AS_IS) {
        /* Left as it is: the transaction only read (and perhaps made motcua_schema's table,
         * which the rollback takes back). */
        PQclear(PQexec(b->conn, "ROLLBACK"));
        return 0;
    } else if (rc == 0 && older && mode != MCS_OPEN_MIGRATE) {
        rc =
            mc_error_set(err, MC_ESCHEMA, "store: schema version %d is older than this motcua (%d)",
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
    if (rc == 0 && v.version < SCHEMA_VERSION) {
        rc = seed(ud, b, v.version, err); /* the partitions' head records, a migration's verify */
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
    forget_later(b);
    PQfinish(b->conn);
    mc_free(b);
}

static int pg_open(mcs_backend **out, const char *target, enum mcs_open_mode mode,
                   mcs_schema *schema, mcs_seed_fn seed, void *ud, mc_error *err)
{
    *out = NULL;
    mcs_schema found_here;
    schema = schema != NULL ? schema : &found_here;
    mcs_backend *b = mc_calloc(1, sizeof *b);
    if (b == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    /* One attempt through the servers of the string: at start, a database that cannot be
     * reached is said at once (exit 3), not waited for. */
    b->conn = connect_to(target);
    int rc;
    if (b->conn == NULL) {
        rc = mc_error_set(err, MC_ENOMEM, "out of memory");
    } else if (PQstatus(b->conn) != CONNECTION_OK) {
        rc = connect_error(b, err);
    } else {
        rc = settle(b, err);
        if (rc == 0) {
            rc = migrate(b, mode, schema, seed, ud, err);
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

/* A connection lost since the last operation (or to a server that refused a write as read-only)
 * is made again, outside any transaction, before the next operation: libpq tries the servers
 * of the string in order for a writable one; while there is none (the primary is gone and the
 * standby not yet promoted) it tries again with the backoff above, then gives up with
 * MC_EDOWN. The new session is settled anew: the old one's prepared statements went with it. */
static int reconnect(mcs_backend *b, mc_error *err)
{
    if (!needs_reconnect(b)) {
        return 0;
    }
    int64_t start = now_ms();
    int64_t wait = RECONNECT_FIRST_MS;
    for (;;) {
        PQreset(b->conn);
        if (!connection_lost(b)) {
            b->stale = false;
            atomic_fetch_add_explicit(&mcs_reconnects, 1, memory_order_relaxed);
            return settle(b, err);
        }
        int64_t left = RECONNECT_WAIT_MS - (now_ms() - start);
        if (left <= 0) {
            return connect_error(b, err);
        }
        sleep_ms(wait < left ? wait : left);
        wait = wait * 2 < RECONNECT_STEP_MS ? wait * 2 : RECONNECT_STEP_MS;
    }
}

/* BEGIN is sent with the transaction's first statement (flush), in one round trip; a
 * connection that died while idle (the server restarted, a failover) is then found out and
 * made again, since nothing had been done yet. */
static int pg_begin(mcs_backend *b, bool optimistic, mc_error *err)
{
    int rc = reconnect(b, err);
    if (rc != 0) {
        return rc;
    }
    forget_later(b);
    b->optimistic = optimistic;
    /* No store-wide lock: the writes lock their rows and the partitions' heads. */
    b->begin_sql = optimistic ? "BEGIN ISOLATION LEVEL REPEATABLE READ" : "BEGIN";
    b->tx_open = true;
    return 0;
}

/* Whether a transaction is open: the server's word while the connection stands (a BEGIN of
 * the migrations counts too), else what it was when last seen. */
static bool in_transaction(mcs_backend *b)
{
    if (b->begin_sql != NULL) {
        return true; /* its BEGIN goes with the first statement */
    }
    if (!connection_lost(b)) {
        b->tx_open = PQtransactionStatus(b->conn) != PQTRANS_IDLE;
    }
    return b->tx_open;
}

/* Whether sql only reads, so that running it again on a new connection changes nothing. */
static bool reads_only(const char *sql)
{
    return sql != NULL && (strncmp(sql, "SELECT ", 7) == 0 || strncmp(sql, "WITH ", 5) == 0) &&
           strstr(sql, "INSERT") == NULL && strstr(sql, "UPDATE") == NULL &&
           strstr(sql, "DELETE") == NULL;
}

/* A statement outside a transaction (a read: the front writes only inside one) connects again
 * first when the connection is known lost, and, when it finds the connection dead itself, runs
 * once more on a new one. Inside a transaction it never does: the statements before would be
 * gone with the old session, and the rest would not be one transaction. */
static int pg_run(mcs_backend *b, enum mcs_query q, const mcs_val *params, int n, mcs_row_fn row,
                  void *ud, int64_t *changes, const char *what, mc_error *err)
{
    bool tx = in_transaction(b);
    bool fresh = !tx && needs_reconnect(b);
    if (fresh) {
        int rc = reconnect(b, err);
        if (rc != 0) {
            return rc;
        }
    }
    int rc = run_once(b, q, params, n, row, ud, changes, what, err);
    char buf[1024];
    if (rc == MC_EDOWN && !tx && !fresh && !b->stale &&
        reads_only(per_call(q) ? sql_for(q, params, n, buf, sizeof buf) : sql_of[q])) {
        b->stale = true;
        rc = reconnect(b, err);
        if (rc == 0) {
            rc = run_once(b, q, params, n, row, ud, changes, what, err);
        }
    }
    return rc;
}

/* An optimistic transaction's writes lock what they write: a row or a partition's head that a
 * concurrent writer changed since the snapshot fails them (40001: MC_ERETRY). */
static int pg_lock(mcs_backend *b, mc_error *err)
{
    (void)b;
    (void)err;
    return 0;
}

static int pg_commit(mcs_backend *b, mc_error *err)
{
    b->tx_open = false; /* committed, rolled back or, with the connection lost, unknown */
    if (b->begin_sql != NULL && b->nlater == 0) {
        b->begin_sql = NULL; /* nothing was sent: nothing to commit */
        b->optimistic = false;
        return 0;
    }
    /* The deferred write, if any, and the COMMIT in one round trip. */
    step commit = {"COMMIT", Q_COUNT, 0, NULL, NULL, NULL, "committing"};
    char status[16] = "";
    int rc = flush_as(b, &commit, NULL, NULL, NULL, status, err);
    if (rc == 0 && strcmp(status, "COMMIT") != 0) {
        /* COMMIT of a failed transaction rolls it back and says so. */
        rc = mc_error_set(err, MC_EIO, "store: committing: the transaction had failed");
    }
    if (rc == 0 || PQtransactionStatus(b->conn) == PQTRANS_IDLE) {
        b->optimistic = false;
    }
    return rc;
}

static void pg_rollback(mcs_backend *b)
{
    b->tx_open = false;
    b->begin_sql = NULL; /* never sent: nothing to roll back */
    forget_later(b);
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
    if (b->begin_sql != NULL) {
        return true;
    }
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
