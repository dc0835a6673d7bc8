/*
 * The SQLite backend of the store (backend.h): one file in WAL mode, or ":memory:". Statements
 * are prepared once per store and reused; values are always bound, never formatted into SQL
 * (the filter of a dossier listing and verify's column checks are formatted from constant
 * names, nothing else). Schema changes are forward migrations keyed on PRAGMA user_version,
 * applied under the write lock.
 */
#include "store/backend.h"

#include "motcua/alloc.h"

#include <sqlite3.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
    /* 5: partitioned chains. A new event is chained in its dossier's partition (`part`) at its
     * place there (`pos`, 1, 2, … without gaps); the events before this version (pos NULL) stay
     * the frozen chain they were. Each partition's head record is the ledger_head row of its
     * name, created by the front (seed) with the schema. */
    "ALTER TABLE event ADD COLUMN part INTEGER;"
    "ALTER TABLE event ADD COLUMN pos INTEGER;"
    "CREATE UNIQUE INDEX event_part ON event(part, pos) WHERE pos IS NOT NULL;"
    "CREATE INDEX event_legacy ON event(seq) WHERE pos IS NULL;",
    /* 6: the queue (GET /api/dossiers) in its order, so that a page reads its rows from the
     * index and sorts nothing: overdue first, then due (none last), then id. */
    "CREATE INDEX dossier_queue ON dossier(final, overdue DESC,"
    "  coalesce(due, 9223372036854775807), id);"
    "CREATE INDEX dossier_subject ON dossier(subject);",
    /* 7: /metrics' count of the open dossiers by procedure and state (mc_store_dossier_counts)
     * from the index alone: 0.19 s for 800,000 open dossiers here, against 2.8 s through
     * dossier_queue and the rows. */
    "CREATE INDEX dossier_open ON dossier(final, procedure, state, overdue);",
    /* 8: the text of each procedure version a dossier was submitted under (its declaration
     * and its lifecycle's, as written), by its BLAKE2b hash, which the dossier's data names
     * (`text_hash`): a dossier runs on that text when the catalogue's has changed (issue 19). */
    "CREATE TABLE proc_text (hash TEXT PRIMARY KEY, procedure TEXT NOT NULL,"
    "  version TEXT NOT NULL, text TEXT NOT NULL);",
    /* 9: the queue's search by the applicant's name and its counts by state. `applicant` is
     * the name folded (mc_utf8_fold), set beside the row by the front; a search is a range of
     * dossier_applicant. dossier_count answers the counts of the first page from the index
     * alone. A dossier stored before this version has no name here until an operation sets
     * its applicant field again. */
    "ALTER TABLE dossier ADD COLUMN applicant TEXT;"
    "CREATE INDEX dossier_applicant ON dossier(applicant) WHERE applicant IS NOT NULL;"
    "CREATE INDEX dossier_count ON dossier(final, state, overdue);"
    /* the counts of a first page with due-before: a range of this index alone */
    "CREATE INDEX dossier_due_count ON dossier(final, due, state, overdue);"
    /* The counts kept as dossiers are written (triggers: whoever writes a row keeps them true),
     * so that the first page counts a million dossiers by reading a few rows: one per agency,
     * procedure, state, final and overdue that has dossiers (a row that falls to 0 goes, so
     * that a copy of the store has the same rows). Derived from the rows, outside the chains. */
    "CREATE TABLE dossier_tally (agency TEXT NOT NULL, procedure TEXT NOT NULL,"
    "  state TEXT NOT NULL, final INTEGER NOT NULL, overdue INTEGER NOT NULL,"
    "  n INTEGER NOT NULL, PRIMARY KEY (agency, procedure, state, final, overdue));"
    "INSERT INTO dossier_tally SELECT coalesce(agency, ''), procedure, state, final, overdue,"
    "  count(*) FROM dossier GROUP BY 1, 2, 3, 4, 5;"
    "CREATE TRIGGER dossier_tally_insert AFTER INSERT ON dossier BEGIN"
    "  INSERT INTO dossier_tally VALUES (coalesce(new.agency, ''), new.procedure, new.state,"
    "  new.final, new.overdue, 1) ON CONFLICT DO UPDATE SET n = n + 1; END;"
    "CREATE TRIGGER dossier_tally_update AFTER UPDATE OF agency, procedure, state, final,"
    "  overdue ON dossier WHEN old.agency IS NOT new.agency OR old.procedure IS NOT"
    "  new.procedure OR old.state IS NOT new.state OR old.final IS NOT new.final OR"
    "  old.overdue IS NOT new.overdue BEGIN"
    "  UPDATE dossier_tally SET n = n - 1 WHERE agency = coalesce(old.agency, '') AND"
    "  procedure = old.procedure AND state = old.state AND final = old.final AND"
    "  overdue = old.overdue;"
    "  DELETE FROM dossier_tally WHERE n = 0 AND agency = coalesce(old.agency, '') AND"
    "  procedure = old.procedure AND state = old.state AND final = old.final AND"
    "  overdue = old.overdue;"
    "  INSERT INTO dossier_tally VALUES (coalesce(new.agency, ''), new.procedure, new.state,"
    "  new.final, new.overdue, 1) ON CONFLICT DO UPDATE SET n = n + 1; END;"
    "CREATE TRIGGER dossier_tally_delete AFTER DELETE ON dossier BEGIN"
    "  UPDATE dossier_tally SET n = n - 1 WHERE agency = coalesce(old.agency, '') AND"
    "  procedure = old.procedure AND state = old.state AND final = old.final AND"
    "  overdue = old.overdue;"
    "  DELETE FROM dossier_tally WHERE n = 0 AND agency = coalesce(old.agency, '') AND"
    "  procedure = old.procedure AND state = old.state AND final = old.final AND"
    "  overdue = old.overdue; END;",
    /* 10: fewer writes per state change. The tally's triggers add -1 and +1 by upserts and
     * leave a row at 0 where it is (its readers ask for sum(n) > 0): two statements where
     * there were three. /metrics counts the open dossiers from the tally, so dossier_open,
     * which every state change wrote, goes. */
    "DROP INDEX dossier_open;"
    "DROP TRIGGER dossier_tally_update;"
    "DROP TRIGGER dossier_tally_delete;"
    "CREATE TRIGGER dossier_tally_update AFTER UPDATE OF agency, procedure, state, final,"
    "  overdue ON dossier WHEN old.agency IS NOT new.agency OR old.procedure IS NOT"
    "  new.procedure OR old.state IS NOT new.state OR old.final IS NOT new.final OR"
    "  old.overdue IS NOT new.overdue BEGIN"
    "  INSERT INTO dossier_tally VALUES (coalesce(old.agency, ''), old.procedure, old.state,"
    "  old.final, old.overdue, -1) ON CONFLICT DO UPDATE SET n = n - 1;"
    "  INSERT INTO dossier_tally VALUES (coalesce(new.agency, ''), new.procedure, new.state,"
    "  new.final, new.overdue, 1) ON CONFLICT DO UPDATE SET n = n + 1; END;"
    "CREATE TRIGGER dossier_tally_delete AFTER DELETE ON dossier BEGIN"
    "  INSERT INTO dossier_tally VALUES (coalesce(old.agency, ''), old.procedure, old.state,"
    "  old.final, old.overdue, -1) ON CONFLICT DO UPDATE SET n = n - 1; END;",
    /* 11: the outbox of results issued to live registries (docs/registries.md, "Results go
     * back"): written with the event that issues the record, chained in `deliveries` (by
     * subject); the sender's bookkeeping (attempts, next_at, last_error) outside the chain. */
    "CREATE TABLE delivery (id INTEGER PRIMARY KEY, request_id TEXT NOT NULL UNIQUE,"
    "  registry TEXT NOT NULL, document TEXT NOT NULL, subject TEXT NOT NULL, party TEXT,"
    "  reference TEXT, issued TEXT, dossier INTEGER NOT NULL, procedure TEXT, agency TEXT,"
    "  created INTEGER NOT NULL, attempts INTEGER NOT NULL, next_at INTEGER NOT NULL,"
    "  delivered_at INTEGER, answer_hash TEXT, last_error TEXT);"
    "CREATE INDEX delivery_due ON delivery(next_at, id) WHERE delivered_at IS NULL;",
    /* 12: the refusals of a dossier counted from their own index: without it the count read
     * every event of the dossier, one page each, on every answer about it. */
    "CREATE INDEX event_blocked ON event(dossier) WHERE kind = 'blocked';",
};

enum { SCHEMA_VERSION = sizeof migrations / sizeof migrations[0] };

#define DOSSIER_COLUMNS                                                                            \
    "rev, procedure, version, agency, subject, channel, state, outcome, clock, final, "            \
    "overdue, late, submitted, entered, due, left, finished, fee, wake, apology, data"
#define EVENT_COLUMNS "seq, dossier, at, kind, actor, body, prev, hash, row, part, pos"
#define DELIVERY_COLUMNS                                                                           \
    "id, request_id, registry, document, subject, party, reference, issued, dossier, "             \
    "procedure, agency, created, attempts, next_at, delivered_at, answer_hash, last_error"

static const char *const sql_of[Q_COUNT] = {
    [Q_DOSSIER_INSERT] = "INSERT INTO dossier (" DOSSIER_COLUMNS ") VALUES "
                         "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
                         "?17, ?18, ?19, ?20, ?21)",
    [Q_DOSSIER_LOAD] = "SELECT " DOSSIER_COLUMNS ", id FROM dossier WHERE id = ?1",
    [Q_DOSSIER_UPDATE] = "UPDATE dossier SET rev = ?1 + 1, procedure = ?2, version = ?3, "
                         "agency = ?4, subject = ?5, channel = ?6, state = ?7, outcome = ?8, "
                         "clock = ?9, final = ?10, overdue = ?11, late = ?12, submitted = ?13, "
                         "entered = ?14, due = ?15, left = ?16, finished = ?17, fee = ?18, "
                         "wake = ?19, apology = ?20, data = ?21 WHERE id = ?22 AND rev = ?1",
    [Q_EVENT_LAST] = "SELECT seq, hash FROM event WHERE pos IS NULL ORDER BY seq DESC LIMIT 1",
    [Q_EVENT_INSERT] = "INSERT INTO event (" EVENT_COLUMNS ") "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    [Q_EVENT_EACH] = "SELECT " EVENT_COLUMNS " FROM event WHERE dossier = ?1 ORDER BY seq",
    [Q_EVENT_ALL] = "SELECT " EVENT_COLUMNS " FROM event ORDER BY seq",
    [Q_RECORD_PUT] = "INSERT OR REPLACE INTO record (registry, document, subject, reference, "
                     "issued) VALUES (?1, ?2, ?3, ?4, ?5)",
    [Q_RECORD_GET] =
        "SELECT reference, issued FROM record WHERE registry = ?1 AND document = ?2 AND "
        "subject = ?3",
    [Q_REQUEST_GET] = "SELECT result FROM request WHERE id = ?1",
    [Q_TEXT_PUT] = "INSERT INTO proc_text (hash, procedure, version, text) VALUES (?1, ?2, ?3, ?4) "
                   "ON CONFLICT DO NOTHING",
    [Q_TEXTS_ALL] = "SELECT hash, procedure, version, text FROM proc_text ORDER BY hash",
    [Q_TEXT_GET] = "SELECT procedure, version, text FROM proc_text WHERE hash = ?1",
    [Q_REQUEST_PUT] = "INSERT INTO request (id, result) VALUES (?1, ?2)",
    [Q_TICKET_PUT] = "INSERT INTO ticket (dossier, registry, document, subject, reference, "
                     "reason, at, actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [Q_RECORDS_OF] = "SELECT registry, document, subject, reference, issued FROM record "
                     "WHERE subject = ?1 ORDER BY registry, document",
    [Q_HEAD_PUT] = "INSERT OR REPLACE INTO chain_head (id, seq, hash) VALUES (1, ?1, ?2)",
    [Q_HEAD_GET] = "SELECT seq, hash FROM chain_head WHERE id = 1",
    [Q_EVENTS_OF_KIND] = "SELECT " EVENT_COLUMNS " FROM event "
                         "WHERE kind = ?1 AND at >= ?2 AND at < ?3 ORDER BY seq",
    /* A result filed under several parties is one result: one row per reference. */
    [Q_RESULTS_ISSUED] = "SELECT min(d.procedure), r.document, min(r.subject), r.reference, "
                         "min(r.issued) FROM record r JOIN dossier d "
                         "ON d.id = CAST(substr(r.reference, 4) AS INTEGER) "
                         "WHERE r.reference LIKE 'MC-%' AND r.issued >= ?1 AND r.issued <= ?2 "
                         "GROUP BY r.reference, r.registry, r.document",
    [Q_BLOCKED_COUNT] = "SELECT count(*) FROM event WHERE dossier = ?1 AND kind = 'blocked' "
                        "AND json_extract(body, '$.reason') = 'once-only'",
    [Q_EVENT_COUNT] = "SELECT count(*) FROM event WHERE dossier = ?1",
    [Q_LEDGER_LAST] = "SELECT seq, hash FROM ledger WHERE chain = ?1 ORDER BY seq DESC LIMIT 1",
    [Q_LEDGER_INSERT] = "INSERT INTO ledger (chain, seq, subject, body, prev, hash) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [Q_LEDGER_HEAD_PUT] =
        "INSERT OR REPLACE INTO ledger_head (chain, seq, hash) VALUES (?1, ?2, ?3)",
    [Q_LEDGER_HEAD_GET] = "SELECT seq, hash FROM ledger_head WHERE chain = ?1",
    [Q_LEDGER_EACH] = "SELECT seq, subject, body, prev, hash FROM ledger WHERE chain = ?1 "
                      "ORDER BY seq",
    [Q_LEDGER_OF_SUBJECT] = "SELECT seq, subject, body, prev, hash FROM ledger WHERE chain = ?1 "
                            "AND subject = ?2 ORDER BY seq",
    [Q_LEDGER_AT] = "SELECT hash FROM ledger WHERE chain = ?1 AND seq = ?2",
    [Q_EVENT_AT] = "SELECT hash FROM event WHERE seq = ?1 AND pos IS NULL",
    /* SQLite has one writer at a time: the head needs no lock of its own, and the next seq is
     * the largest + 1, as an INTEGER PRIMARY KEY gives it. */
    [Q_PART_HEAD] = "SELECT h.seq, h.hash, (SELECT coalesce(max(seq), 0) + 1 FROM event) "
                    "FROM (SELECT 1) LEFT JOIN ledger_head h ON h.chain = ?1",
    [Q_HEAD_LOCK] = "SELECT seq, hash FROM ledger_head WHERE chain = ?1",
    /* No row to lock is needed: a partition's head record is made by its first entry, so that
     * a new store stays small (a store on a 160k disk still takes dossiers). */
    [Q_HEAD_CREATE] = "SELECT ?1, ?2 WHERE 0",
    [Q_HEAD_SET] = "UPDATE ledger_head SET seq = ?2, hash = ?3 WHERE chain = ?1",
    /* Q_DOSSIER_SWAP, Q_EVENT_APPEND, Q_LEDGER_APPEND and Q_DOSSIER_LOAD_LOCK are each two of
     * the statements above (sqlite_run): one writer at a time, and no round trip to save. */
    [Q_EVENT_LEGACY] = "SELECT " EVENT_COLUMNS " FROM event WHERE pos IS NULL ORDER BY seq",
    [Q_EVENT_PART] = "SELECT " EVENT_COLUMNS " FROM event WHERE part = ?1 AND pos IS NOT NULL "
                     "ORDER BY pos",
    [Q_EVENT_PART_AT] = "SELECT hash FROM event WHERE part = ?1 AND pos = ?2 AND pos IS NOT NULL",
    [Q_EVENT_TIPS] = "SELECT part, max(pos), hash FROM event WHERE pos IS NOT NULL GROUP BY part "
                     "ORDER BY part",
    [Q_LEDGER_TIPS] = "SELECT chain, max(seq), hash FROM ledger GROUP BY chain ORDER BY chain",
    [Q_LEDGER_CHAINS] = "SELECT DISTINCT chain FROM ledger ORDER BY chain",
    [Q_CHECK_MOVED] = "SELECT seq, dossier, part FROM event WHERE (part IS NULL) <> (pos IS NULL) "
                      "OR (pos IS NOT NULL AND part IS NOT CASE WHEN dossier = 0 THEN 0 ELSE "
                      "1 + (dossier - 1) % ?1 END) ORDER BY seq",
    [Q_COPY_DONE] = "SELECT 1",
    [Q_DOSSIER_SUBJECT] = "SELECT subject FROM dossier WHERE id = ?1",
    [Q_DOSSIER_NAME] = "UPDATE dossier SET applicant = ?2 WHERE id = ?1",
    [Q_NAMES_ALL] = "SELECT id, applicant FROM dossier WHERE applicant IS NOT NULL",
    [Q_DOSSIER_NAMES] = "SELECT count(*) FROM (SELECT 1 FROM dossier WHERE applicant >= ?1 AND "
                        "applicant < ?2 LIMIT 2001) AS n",
    [Q_SEED_RECORDS] = "SELECT registry, document, subject, reference, issued FROM record "
                       "ORDER BY registry, document, subject",
    [Q_SEED_REQUESTS] = "SELECT id, result FROM request ORDER BY id",
    [Q_SEED_TICKETS] = "SELECT id, dossier, registry, document, subject, reference, reason, at, "
                       "actor FROM ticket ORDER BY id",
    [Q_CHECK_COUNTS] = "SELECT count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM event y WHERE "
                       "y.dossier = d.id AND y.row IS NULL) AND EXISTS (SELECT 1 FROM event z "
                       "WHERE z.dossier = d.id)), count(*) FILTER (WHERE EXISTS (SELECT 1 FROM "
                       "event y WHERE y.dossier = d.id AND y.row IS NULL)) FROM dossier d",
    [Q_CHECK_WIPED] = "SELECT count(*) FROM dossier HAVING count(*) > 0",
    [Q_CHECK_NO_EVENTS] = "SELECT id FROM dossier d WHERE NOT EXISTS (SELECT 1 FROM event e WHERE "
                          "e.dossier = d.id) ORDER BY id",
    [Q_CHECK_GONE] = "SELECT dossier, count(*) FROM event e WHERE dossier <> 0 AND NOT EXISTS "
                     "(SELECT 1 FROM dossier d WHERE d.id = e.dossier) GROUP BY dossier "
                     "ORDER BY dossier",
    /* Events from before schema version 4 carry no row values: their dossiers are checked as
     * before, by the state their transitions lead to. */
    [Q_CHECK_LEGACY] = "SELECT id, state, last FROM (SELECT d.id AS id, d.state AS state, "
                       "(SELECT json_extract(e.body, '$.to') FROM event e WHERE e.dossier = d.id "
                       "AND json_extract(e.body, '$.to') IS NOT NULL ORDER BY e.seq DESC LIMIT 1) "
                       "AS last FROM dossier d WHERE EXISTS (SELECT 1 FROM event y WHERE "
                       "y.dossier = d.id AND y.row IS NULL)) WHERE state IS NOT last ORDER BY id",
    [Q_CHECK_RECORDS] =
        "WITH l AS (SELECT json_extract(body, '$.registry') AS r, json_extract(body, "
        "'$.document') AS d, json_extract(body, '$.subject') AS s, json_extract(body, "
        "'$.reference') AS ref, json_extract(body, '$.issued') AS iss, "
        "max(seq + (chain <> 'records') * 1099511627776) FROM ledger "
        "WHERE chain = 'records' OR chain LIKE 'records.%' GROUP BY 1, 2, 3) "
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
    [Q_CHECK_REQUESTS] =
        "WITH l AS (SELECT json_extract(body, '$.id') AS id, json_extract(body, "
        "'$.result') AS result FROM ledger WHERE chain = 'requests' OR chain LIKE 'requests.%') "
        "SELECT 1, q.id FROM request q JOIN l ON l.id = q.id WHERE q.result IS "
        "NOT l.result "
        "UNION ALL SELECT 2, q.id FROM request q WHERE NOT EXISTS (SELECT 1 FROM l "
        "WHERE l.id = q.id) "
        "UNION ALL SELECT 3, l.id FROM l WHERE NOT EXISTS (SELECT 1 FROM request "
        "q WHERE q.id = l.id) ORDER BY 2",
    [Q_CHECK_TICKETS] =
        "WITH l AS (SELECT json_extract(body, '$.id') AS id, body FROM ledger WHERE chain = "
        "'tickets' OR chain LIKE 'tickets.%') "
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
    [Q_COPY_DOSSIER] = "INSERT INTO dossier (" DOSSIER_COLUMNS ", id) VALUES "
                       "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
                       "?17, ?18, ?19, ?20, ?21, ?22)",
    [Q_COPY_TICKET] = "INSERT INTO ticket (id, dossier, registry, document, subject, reference, "
                      "reason, at, actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [Q_LEDGER_ALL] = "SELECT chain, seq, subject, body, prev, hash FROM ledger ORDER BY chain, seq",
    [Q_LEDGER_HEADS] = "SELECT chain, seq, hash FROM ledger_head WHERE seq > 0 ORDER BY chain",
    [Q_RECORDS_ALL] = "SELECT registry, document, subject, reference, issued FROM record "
                      "ORDER BY registry, document, subject",
    /* The write lock of the lease's transaction keeps every other writer out: no row lock. */
    [Q_DOSSIER_DUE] = "SELECT id, wake FROM dossier WHERE wake IS NOT NULL AND final = 0 AND "
                      "wake < ?1 AND wake >= ?2 AND (wake > ?2 OR id > ?3) ORDER BY wake, id "
                      "LIMIT ?4",
    [Q_DOSSIER_LEASE] = "SELECT id, wake FROM dossier WHERE wake IS NOT NULL AND final = 0 AND "
                        "wake < ?1 AND wake >= ?2 AND (wake > ?2 OR id > ?3) ORDER BY wake, id "
                        "LIMIT ?4",
    /* From dossier_open alone (a covering index whose first column is final): neither the rows
     * nor the finished dossiers, most of a store, are read. */
    [Q_DOSSIER_COUNTS] = "SELECT procedure, state, sum(n), sum(n * overdue) FROM dossier_tally "
                         "WHERE final = 0 GROUP BY procedure, state HAVING sum(n) > 0 "
                         "ORDER BY procedure, state",
    /* A range of dossier_due_count: only the rows due from ?1 on are read. */
    [Q_DOSSIER_DUE_FROM] = "SELECT procedure, count(*) FROM dossier WHERE final = 0 AND "
                           "due >= ?1 GROUP BY procedure ORDER BY procedure",
    [Q_STORE_SIZE] = "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
    [Q_DELIVERY_ADD] = "INSERT INTO delivery (request_id, registry, document, subject, party, "
                       "reference, issued, dossier, procedure, agency, created, attempts, "
                       "next_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 0, 0)",
    [Q_DELIVERY_GET] = "SELECT " DELIVERY_COLUMNS " FROM delivery WHERE id = ?1",
    [Q_DELIVERY_DUE] = "SELECT " DELIVERY_COLUMNS " FROM delivery WHERE delivered_at IS NULL AND "
                       "next_at <= ?1 ORDER BY next_at, id LIMIT ?2",
    [Q_DELIVERY_DONE] = "UPDATE delivery SET delivered_at = ?2, answer_hash = ?3, "
                        "attempts = attempts + 1, last_error = NULL WHERE id = ?1 AND "
                        "delivered_at IS NULL",
    [Q_DELIVERY_FAIL] = "UPDATE delivery SET attempts = attempts + 1, last_error = ?2, "
                        "next_at = ?3 WHERE id = ?1 AND delivered_at IS NULL",
    [Q_DELIVERY_PENDING] = "SELECT registry, count(*) FROM delivery WHERE delivered_at IS NULL "
                           "GROUP BY registry ORDER BY registry",
    [Q_DELIVERIES_ALL] = "SELECT " DELIVERY_COLUMNS " FROM delivery ORDER BY id",
    [Q_COPY_DELIVERY] = "INSERT INTO delivery (" DELIVERY_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, "
                        "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
    [Q_CHECK_DELIVERIES] =
        "WITH l AS (SELECT body FROM ledger WHERE chain = 'deliveries' OR chain LIKE "
        "'deliveries.%'), c AS (SELECT json_extract(body, '$.id') AS id, body FROM l WHERE "
        "json_extract(body, '$.event') = 'issued'), a AS (SELECT json_extract(body, '$.id') AS "
        "id, body FROM l WHERE json_extract(body, '$.event') = 'delivered') "
        "SELECT 1, x.id FROM delivery x JOIN c ON c.id = x.id WHERE x.request_id IS NOT "
        "json_extract(c.body, '$.request_id') OR x.registry IS NOT json_extract(c.body, "
        "'$.registry') OR x.document IS NOT json_extract(c.body, '$.document') OR x.subject IS "
        "NOT json_extract(c.body, '$.subject') OR x.party IS NOT json_extract(c.body, '$.party') "
        "OR x.reference IS NOT json_extract(c.body, '$.reference') OR x.issued IS NOT "
        "json_extract(c.body, '$.issued') OR x.dossier IS NOT json_extract(c.body, '$.dossier') "
        "OR x.procedure IS NOT json_extract(c.body, '$.procedure') OR x.agency IS NOT "
        "json_extract(c.body, '$.agency') OR x.created IS NOT json_extract(c.body, '$.created') "
        "UNION ALL SELECT 2, x.id FROM delivery x WHERE NOT EXISTS (SELECT 1 FROM c WHERE c.id "
        "= x.id) "
        "UNION ALL SELECT 3, c.id FROM c WHERE NOT EXISTS (SELECT 1 FROM delivery x WHERE x.id "
        "= c.id) "
        "UNION ALL SELECT 4, x.id FROM delivery x LEFT JOIN a ON a.id = x.id WHERE "
        "x.delivered_at IS NOT json_extract(a.body, '$.delivered_at') OR x.answer_hash IS NOT "
        "json_extract(a.body, '$.answer_hash') ORDER BY 2",
    /* Every event is read (no index serves a look-up's time): the LIKE spares the JSON parse of
     * the events that carry none. */
    [Q_LOOKUP_COUNTS] = "SELECT registry, document, count(request), "
                        "sum(request IS NOT NULL AND outcome = 'found'), min(asked), max(asked), "
                        "count(*) - count(request) "
                        "FROM (SELECT json_extract(l.value, '$.registry') AS registry, "
                        "json_extract(l.value, '$.document') AS document, "
                        "json_extract(l.value, '$.outcome') AS outcome, "
                        "json_extract(l.value, '$.asked_at') AS asked, "
                        "json_extract(l.value, '$.request') AS request "
                        "FROM event e, json_each(e.body, '$.lookups') l "
                        "WHERE e.body LIKE '%\"lookups\"%') "
                        "WHERE registry IS NOT NULL AND document IS NOT NULL AND asked >= ?1 "
                        "AND asked < ?2 GROUP BY registry, document ORDER BY registry, document",
};
enum {
    TX_BEGIN,
    TX_BEGIN_DEFERRED,
    TX_COMMIT,
    TX_SAVE,
    TX_RELEASE,
    TX_UNDO,
    TX_ROLLBACK,
    TX_COUNT
};

struct mcs_backend {
    sqlite3 *db;
    sqlite3_stmt *stmt[Q_COUNT]; /* prepared once; NULL for those prepared per call */
    sqlite3_stmt *tx[TX_COUNT];  /* BEGIN IMMEDIATE, BEGIN DEFERRED, COMMIT, the savepoints,
                                    ROLLBACK: prepared at first use, since every operation runs
                                    them (ROLLBACK before the first BEGIN: see sqlite_begin) */
};

/* The queries whose text depends on their parameters, and those run too rarely to keep. */
static bool per_call(enum mcs_query q)
{
    return q == Q_DOSSIER_EACH || q == Q_DOSSIER_PAGE ||
           (q >= Q_SEED_RECORDS && q < Q_COPY_DOSSIER);
}

static int db_error(mcs_backend *b, mc_error *err, int rc, const char *what)
{
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
        atomic_fetch_add_explicit(&mcs_busy_timeouts, 1, memory_order_relaxed);
    }
    int code = rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? MC_EBUSY
               : rc == SQLITE_NOMEM                     ? MC_ENOMEM
                                                        : MC_EIO;
    const char *msg = b && b->db ? sqlite3_errmsg(b->db) : sqlite3_errstr(rc);
    if (rc == SQLITE_FULL) {
        msg = "the disk is full";
    } else if (rc == SQLITE_READONLY) {
        msg = "the store is read-only";
    }
    return code == MC_EBUSY ? mc_error_say(err, code, "store.busy", 2, what, msg)
                            : mc_error_set(err, code, "store: %s: %s", what, msg);
}

/* A text or blob bound with SQLITE_TRANSIENT is copied, and the copy can fail: the statement
 * would then run with NULL in its place (a dossier saved without its state). bind() returns the
 * failure, and run() returns it instead of running the statement. */
static int bind(sqlite3_stmt *s, int i, const mcs_val *v)
{
    switch (v->type) {
    case MCS_INT:
        return sqlite3_bind_int64(s, i, v->i);
    case MCS_TEXT:
        return sqlite3_bind_text(s, i, v->p, -1, SQLITE_TRANSIENT);
    case MCS_BLOB:
        return sqlite3_bind_blob(s, i, v->p, (int)v->n, SQLITE_TRANSIENT);
    default:
        return sqlite3_bind_null(s, i);
    }
}

static void column(sqlite3_stmt *s, int i, mcs_val *v)
{
    memset(v, 0, sizeof *v);
    switch (sqlite3_column_type(s, i)) {
    case SQLITE_INTEGER:
    case SQLITE_FLOAT:
        v->type = MCS_INT;
        v->i = sqlite3_column_int64(s, i);
        break;
    case SQLITE_TEXT:
        v->type = MCS_TEXT;
        v->p = (const char *)sqlite3_column_text(s, i);
        v->n = (size_t)sqlite3_column_bytes(s, i);
        break;
    case SQLITE_BLOB:
        v->type = MCS_BLOB;
        v->p = sqlite3_column_blob(s, i);
        v->n = (size_t)sqlite3_column_bytes(s, i);
        break;
    default:
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
                                  "SELECT state, sum(n), sum(CASE WHEN overdue = 1 THEN n ELSE 0 "
                                  "END) FROM dossier_tally WHERE 1");
    for (int i = 0; i < 6 && len < bufsz; i++) {
        if (params[i].type != MCS_NULL && filter[i] != NULL) {
            len += (size_t)snprintf(buf + len, bufsz - len, "%s?%d", filter[i], i + 1);
        }
    }
    if (len < bufsz) {
        len += (size_t)snprintf(buf + len, bufsz - len,
                                " GROUP BY state HAVING sum(n) > 0 ORDER BY state");
    }
    return len < bufsz ? buf : NULL;
}

/* The text of a page of the queue (Q_DOSSIER_PAGE) into buf: only the filters whose parameter
 * is not NULL, each placeholder numbered by its parameter's place (?1 … ?15: SQLite allows
 * gaps). The order is the one of the index dossier_queue, so that a page reads LIMIT rows of it
 * and sorts nothing. The counts of the first page (Q_PAGE_COUNTS) have the same filters,
 * grouped by state. */
static const char *page_sql(const mcs_val *params, int n, bool counts, char *buf, size_t bufsz)
{
    /* Unary + keeps SQLite's planner off an index for a column: a page walks dossier_queue and
     * stops at its LIMIT (dossier_state would find every row of a state and sort them), and a
     * search reads dossier_subject, the rowid and dossier_applicant (a subject has few dossiers,
     * a name few more) rather than walk the queue. Counts read dossier_count alone when final is
     * their only filter. */
    if (n != MCS_PAGE_PARAMS || (!counts && params[9].type == MCS_NULL)) {
        return NULL;
    }
    if (counts && params[4].type == MCS_NULL && params[10].type == MCS_NULL &&
        params[14].type == MCS_NULL) {
        return tally_sql(params, buf, bufsz);
    }
    bool search = params[10].type != MCS_NULL, broad = params[15].type != MCS_NULL;
    /* A broad search by name walks the queue, testing each row's name (+applicant): the first
     * page's 50 come after a few hundred rows, where the names' index would give every match
     * to sort. */
    const char *final_filter =
        (search && !broad) || params[14].type != MCS_NULL ? " AND +final = " : " AND final = ";
    const char *const filter[] = {
        final_filter,      counts ? " AND state = " : " AND +state = ", " AND procedure = ",
        " AND overdue = ", counts ? " AND due < " : " AND +due < ",     " AND agency = "};
    char ph[MCS_PAGE_PARAMS][16];
    for (int i = 0; i < n; i++) {
        if (params[i].type != MCS_NULL) {
            snprintf(ph[i], sizeof ph[i], "?%d", i + 1);
        }
    }
    size_t len = (size_t)snprintf(buf, bufsz, "%s",
                                  counts ? "SELECT state, count(*), sum(overdue) FROM dossier "
                                           "WHERE 1"
                                         : "SELECT " DOSSIER_COLUMNS ", id FROM dossier WHERE 1");
    for (int i = 0; i < 6 && len < bufsz; i++) {
        if (params[i].type != MCS_NULL) {
            len += (size_t)snprintf(buf + len, bufsz - len, "%s%s", filter[i], ph[i]);
        }
    }
    if (len < bufsz && params[14].type != MCS_NULL) {
        len += (size_t)snprintf(buf + len, bufsz - len, " AND subject = %s", ph[14]);
    }
    if (len < bufsz && search) {
        len += (size_t)snprintf(buf + len, bufsz - len, " AND (subject = %s", ph[10]);
        if (len < bufsz && params[11].type != MCS_NULL) {
            len += (size_t)snprintf(buf + len, bufsz - len, " OR id = %s", ph[11]);
        }
        if (len < bufsz && params[12].type != MCS_NULL) {
            len += (size_t)snprintf(buf + len, bufsz - len,
                                    " OR (%sapplicant >= %s AND %sapplicant < %s)",
                                    broad ? "+" : "", ph[12], broad ? "+" : "", ph[13]);
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
                 "SELECT " DOSSIER_COLUMNS ", id FROM dossier WHERE 1%s%s%s%s ORDER BY id",
                 params[0].type != MCS_NULL ? " AND state = ?1" : "",
                 /* +final: not by dossier_queue, whose first column it is (the timers' due
                  * dossiers are few: dossier_wake finds them) */
                 params[1].i ? " AND overdue = 1" : "", params[2].i ? " AND +final = 0" : "",
                 params[3].type != MCS_NULL ? " AND wake IS NOT NULL AND wake <= ?4" : "");
        return buf;
    }
    if (q == Q_CHECK_COLUMN && n == 1 && params[0].i >= 0 && params[0].i < MCS_NROWCOLS) {
        /* Column names come from the table of the front, never from input. Every dossier whose
         * events all carry row values is rebuilt from them, column by column: the value of a
         * column is the one the latest event carrying it recorded. */
        const char *c = mcs_row_columns[params[0].i];
        snprintf(buf, bufsz,
                 "SELECT d.id, '%s', d.\"%s\", json_extract(e.row, '$.%s') FROM dossier d "
                 "JOIN event e ON e.seq = (SELECT max(x.seq) FROM event x WHERE x.dossier = d.id "
                 "AND json_type(x.row, '$.%s') IS NOT NULL) "
                 "WHERE NOT EXISTS (SELECT 1 FROM event y WHERE y.dossier = d.id AND y.row IS "
                 "NULL) AND d.\"%s\" IS NOT json_extract(e.row, '$.%s') ORDER BY d.id",
                 c, c, c, c, c, c);
        return buf;
    }
    return sql_of[q];
}

static int run(mcs_backend *b, enum mcs_query q, const mcs_val *params, int n, mcs_row_fn row,
               void *ud, int64_t *changes, const char *what, mc_error *err)
{
    sqlite3_stmt *s = b->stmt[q];
    bool own = s == NULL;
    if (own) {
        char buf[2048];
        const char *sql = sql_for(q, params, n, buf, sizeof buf);
        if (sql == NULL) {
            return mc_error_set(err, MC_EINTERNAL, "store: %s: no such query", what);
        }
        int rc = sqlite3_prepare_v2(b->db, sql, -1, &s, NULL);
        if (rc != SQLITE_OK) {
            return db_error(b, err, rc, what);
        }
    }
    int rc = SQLITE_OK;
    /* A query prepared per call binds by the numbers its text uses: ?1 and ?4 of a listing. */
    for (int i = 0; i < n && rc == SQLITE_OK; i++) {
        /* PAGE's broad (the last) steers the text, it is not bound */
        if (own && (q == Q_DOSSIER_EACH || q == Q_DOSSIER_PAGE || q == Q_PAGE_COUNTS) &&
            (params[i].type == MCS_NULL || (q != Q_DOSSIER_EACH && i == MCS_PAGE_PARAMS - 1))) {
            continue;
        }
        if (own && q == Q_DOSSIER_EACH && (i == 1 || i == 2)) {
            continue;
        }
        if (own && q == Q_CHECK_COLUMN) {
            continue;
        }
        rc = bind(s, i + 1, &params[i]);
    }
    int result = 0;
    if (rc == SQLITE_OK) {
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            if (row == NULL) {
                continue;
            }
            mcs_val cols[MCS_MAXCOLS];
            int ncols = sqlite3_column_count(s);
            if (ncols > MCS_MAXCOLS) {
                result = mc_error_set(err, MC_EINTERNAL,
                                      "store: %s: a result of %d columns (at most %d)", what, ncols,
                                      (int)MCS_MAXCOLS);
                break;
            }
            for (int i = 0; i < ncols; i++) {
                column(s, i, &cols[i]);
            }
            if ((result = row(ud, cols, ncols)) != 0) {
                break;
            }
        }
    }
    if (result == 0 && rc != SQLITE_DONE) {
        result = db_error(b, err, rc, what);
    }
    if (result == 0 && changes != NULL) {
        *changes = sqlite3_changes(b->db);
    }
    if (own) {
        sqlite3_finalize(s);
    } else {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
    }
    return result;
}

/* The new row's id, for the inserts whose results name it. */
static int insert_id(mcs_backend *b, enum mcs_query q, const mcs_val *params, int n, mcs_row_fn row,
                     void *ud, int64_t *changes, const char *what, mc_error *err)
{
    int rc = run(b, q, params, n, NULL, NULL, changes, what, err);
    if (rc == 0 && row != NULL) {
        mcs_val id = mcs_int(sqlite3_last_insert_rowid(b->db));
        rc = row(ud, &id, 1);
    }
    return rc;
}

/* Sets a head record (chain, seq, hash) in place, or makes it at the chain's first entry: an
 * UPDATE of the row writes one page where INSERT OR REPLACE would write its index's too. */
static int head_set(mcs_backend *b, const mcs_val h[3], const char *what, mc_error *err)
{
    int64_t changes = 0;
    int rc = run(b, Q_HEAD_SET, h, 3, NULL, NULL, &changes, what, err);
    return rc != 0 || changes == 1 ? rc
                                   : run(b, Q_LEDGER_HEAD_PUT, h, 3, NULL, NULL, NULL, what, err);
}

static int sqlite_run(mcs_backend *b, enum mcs_query q, const mcs_val *params, int n,
                      mcs_row_fn row, void *ud, int64_t *changes, const char *what, mc_error *err)
{
    int rc = 0;
    if ((q == Q_DOSSIER_SWAP && n != 22) || (q == Q_EVENT_APPEND && n != 12) ||
        (q == Q_LEDGER_APPEND && n != 6) || (q == Q_DOSSIER_LOAD_LOCK && n != 2) ||
        (q == Q_DOSSIER_PUT && n != 22)) {
        return mc_error_set(err, MC_EINTERNAL, "store: %s: wrong parameters", what);
    }
    switch (q) {
    case Q_DOSSIER_SWAP:
        rc = run(b, Q_DOSSIER_LOAD, &params[21], 1, row, ud, NULL, what, err);
        return rc != 0 ? rc : run(b, Q_DOSSIER_UPDATE, params, n, NULL, NULL, changes, what, err);
    case Q_EVENT_APPEND: {
        rc = run(b, Q_EVENT_INSERT, params, 11, NULL, NULL, NULL, what, err);
        mcs_val h[3] = {params[11], params[10], params[7]};
        return rc != 0 ? rc : head_set(b, h, what, err);
    }
    case Q_DOSSIER_PUT: {
        int64_t changed = 0;
        rc = run(b, Q_DOSSIER_UPDATE, params, n, NULL, NULL, &changed, what, err);
        return rc != 0 || changed == 1
                   ? rc
                   : mc_error_set(err, MC_ECONFLICT, "store: %s: the dossier was changed by "
                                                     "someone else meanwhile; try again",
                                  what);
    }
    case Q_DOSSIER_LOAD_LOCK:
        rc = run(b, Q_DOSSIER_LOAD, params, 1, row, ud, NULL, what, err);
        return rc != 0 ? rc : run(b, Q_PART_HEAD, &params[1], 1, row, ud, NULL, what, err);
    case Q_LEDGER_APPEND: {
        rc = run(b, Q_LEDGER_INSERT, params, 6, NULL, NULL, NULL, what, err);
        mcs_val h[3] = {params[0], params[1], params[5]};
        return rc != 0 ? rc : head_set(b, h, what, err);
    }
    default:
        break;
    }
    if (q == Q_DOSSIER_INSERT || q == Q_TICKET_PUT || q == Q_DELIVERY_ADD) {
        return insert_id(b, q, params, n, row, ud, changes, what, err);
    }
    return run(b, q, params, n, row, ud, changes, what, err);
}

static int exec(mcs_backend *b, const char *sql, const char *what, mc_error *err)
{
    int rc = sqlite3_exec(b->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : db_error(b, err, rc, what);
}

/* ==== opening ============================================================================ */

static int schema_version(mcs_backend *b, int *version, mc_error *err)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(b->db, "PRAGMA user_version", -1, &s, NULL);
    if (rc != SQLITE_OK) {
        return db_error(b, err, rc, "reading the schema version");
    }
    rc = sqlite3_step(s);
    *version = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? 0 : db_error(b, err, rc, "reading the schema version");
}

static int prepare_all(mcs_backend *b, mc_error *err)
{
    for (int i = 0; i < Q_COUNT; i++) {
        if (b->stmt[i] != NULL || per_call((enum mcs_query)i) || sql_of[i] == NULL) {
            continue;
        }
        int rc =
            sqlite3_prepare_v3(b->db, sql_of[i], -1, SQLITE_PREPARE_PERSISTENT, &b->stmt[i], NULL);
        if (rc != SQLITE_OK) {
            return db_error(b, err, rc, "preparing statements");
        }
    }
    return 0;
}

/* Brings the schema to SCHEMA_VERSION as mode says (backend.h): a new store is created, an
 * older one migrated only when asked. The version is read again under the write lock, so that
 * several processes opening a new store at once create it once (SPEC §11), and so that a
 * migration and its seed (with the verify of an explicit one) are one transaction. */
static int migrate(mcs_backend *b, enum mcs_open_mode mode, mcs_schema *schema, mcs_seed_fn seed,
                   void *ud, mc_error *err)
{
    int version;
    int rc = schema_version(b, &version, err);
    schema->found = version;
    schema->current = SCHEMA_VERSION;
    if (rc != 0 || version == SCHEMA_VERSION ||
        (mode == MCS_OPEN_AS_IS && version > 0 && version < SCHEMA_VERSION)) {
        return rc;
    }
    bool locked = false;
    if (version < SCHEMA_VERSION) {
        rc = exec(b, "BEGIN IMMEDIATE", "migrating the schema", err);
        if (rc != 0) {
            return rc;
        }
        locked = true;
        rc = schema_version(b, &version, err); /* another process may have got there first */
        schema->found = version;
    }
    int from = version;
    if (rc == 0 && version > SCHEMA_VERSION) {
        rc = mc_error_set(err, MC_EIO,
                          "store: schema version %d is newer than this motcua (%d); upgrade "
                          "motcua",
                          version, SCHEMA_VERSION);
    } else if (rc == 0 && from > 0 && from < SCHEMA_VERSION && mode != MCS_OPEN_MIGRATE &&
               mode != MCS_OPEN_SNAPSHOT) {
        rc =
            mc_error_set(err, MC_ESCHEMA, "store: schema version %d is older than this motcua (%d)",
                         from, SCHEMA_VERSION);
    }
    for (int v = from; rc == 0 && v < SCHEMA_VERSION; v++) {
        rc = exec(b, migrations[v], "migrating the schema", err);
    }
    if (rc == 0 && from < SCHEMA_VERSION) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", SCHEMA_VERSION);
        rc = exec(b, sql, "migrating the schema", err);
        if (rc == 0) {
            rc = prepare_all(b, err);
        }
        if (rc == 0) {
            rc = seed(ud, b, from, err);
        }
    }
    if (locked && rc == 0) {
        rc = exec(b, "COMMIT", "migrating the schema", err);
    }
    if (rc != 0 && sqlite3_get_autocommit(b->db) == 0) {
        sqlite3_exec(b->db, "ROLLBACK", NULL, NULL, NULL);
    }
    return rc;
}

static void sqlite_close(mcs_backend *b)
{
    if (b == NULL) {
        return;
    }
    for (int i = 0; i < Q_COUNT; i++) {
        sqlite3_finalize(b->stmt[i]);
    }
    for (int i = 0; i < TX_COUNT; i++) {
        sqlite3_finalize(b->tx[i]);
    }
    sqlite3_close(b->db);
    mc_free(b);
}

/* A store is private (docs/security.md): a new file is created 0600 whatever the umask, and
 * SQLite gives its -wal and -shm files the mode of the database file. Nothing happens to a file
 * that exists, to ":memory:" or to a URI; an error here is left for sqlite3_open_v2 to report. */
static void create_private(const char *path)
{
    if (path[0] == '\0' || strcmp(path, ":memory:") == 0 || strncmp(path, "file:", 5) == 0) {
        return;
    }
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        (void)fchmod(fd, 0600);
        close(fd);
    }
}

/* A store is a regular file: SQLite would take a device (/dev/null) for an empty database, and
 * make it private with fchmod as it makes a new file. 0, or MC_EIO when path is something else. */
static int regular_or_absent(const char *path, mc_error *err)
{
    struct stat st;
    if (path[0] == '\0' || strcmp(path, ":memory:") == 0 || strncmp(path, "file:", 5) == 0 ||
        stat(path, &st) != 0 || S_ISREG(st.st_mode)) {
        return 0;
    }
    return mc_error_set(err, MC_EIO, "store: %s is not a regular file", path);
}

int mcs_sqlite_probe(const char *path, int *version, mc_error *err)
{
    *version = 0;
    int bad = regular_or_absent(path, err);
    if (bad != 0) {
        return bad;
    }
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
    sqlite3_stmt *s = NULL;
    if (rc == SQLITE_OK) {
        /* Writers may hold the file (a WAL being checkpointed as the last of them closes). */
        sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
        rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            *version = sqlite3_column_int(s, 0);
            rc = SQLITE_OK;
        }
    }
    int e = 0;
    if (rc == SQLITE_NOMEM) {
        e = mc_error_set(err, MC_ENOMEM, "out of memory");
    } else if (rc == SQLITE_NOTADB) {
        e = mc_error_set(err, MC_ECHECK, "%s is not a motcua store (not a SQLite database)", path);
    } else if (rc != SQLITE_OK) {
        e = mc_error_set(err, MC_EIO, "store: %s: %s", path,
                         db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    return e;
}

/* The busy handler: sqlite3_busy_timeout's back-off (its delays, in ms, up to BUSY_TIMEOUT_MS
 * in all), counting each wait it begins for /metrics (motcua_store_busy_total). */
static int busy_wait(void *ud, int count)
{
    (void)ud;
    static const int delays[] = {1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100};
    enum { NDELAYS = sizeof delays / sizeof delays[0] };
    if (count == 0) {
        atomic_fetch_add_explicit(&mcs_busy_waits, 1, memory_order_relaxed);
    }
    int delay, prior;
    if (count < NDELAYS) {
        delay = delays[count];
        prior = 0;
        for (int i = 0; i < count; i++) {
            prior += delays[i];
        }
    } else {
        delay = delays[NDELAYS - 1];
        prior = 328 + delay * (count - NDELAYS); /* 328: the sum of delays */
    }
    if (prior >= BUSY_TIMEOUT_MS) {
        return 0;
    }
    sqlite3_sleep(prior + delay > BUSY_TIMEOUT_MS ? BUSY_TIMEOUT_MS - prior : delay);
    return 1;
}

/* The file at path, read as one consistent snapshot into the new in-memory database of b
 * (SQLite's backup API): MCS_OPEN_SNAPSHOT's copy, migrated there. The file is opened for
 * writing but only read (query_only), so that, the last to close it, this connection removes
 * the -wal and -shm files a read-only one would leave behind, as every other motcua does. */
static int read_into_memory(mcs_backend *b, const char *path, mc_error *err)
{
    sqlite3 *src = NULL;
    int rc = sqlite3_open_v2(path, &src, SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(src, BUSY_TIMEOUT_MS);
        rc = sqlite3_exec(src, "PRAGMA query_only = 1", NULL, NULL, NULL);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_open_v2(":memory:", &b->db, SQLITE_OPEN_READWRITE, NULL);
    }
    if (rc == SQLITE_OK) {
        sqlite3_backup *bk = sqlite3_backup_init(b->db, "main", src, "main");
        if (bk == NULL) {
            rc = sqlite3_errcode(b->db);
        } else {
            rc = sqlite3_backup_step(bk, -1);
            int fin = sqlite3_backup_finish(bk);
            rc = rc == SQLITE_DONE ? fin : rc;
        }
    }
    int e = 0;
    if (rc != SQLITE_OK) {
        e = mc_error_set(err, rc == SQLITE_NOMEM ? MC_ENOMEM : MC_EIO, "store: %s: %s", path,
                         src != NULL ? sqlite3_errmsg(src) : sqlite3_errstr(rc));
    }
    sqlite3_close(src);
    return e;
}

static int sqlite_open(mcs_backend **out, const char *path, enum mcs_open_mode mode,
                       mcs_schema *schema, mcs_seed_fn seed, void *ud, mc_error *err)
{
    *out = NULL;
    mcs_schema found_here;
    schema = schema != NULL ? schema : &found_here;
    *schema = (mcs_schema){0, SCHEMA_VERSION};
    mcs_backend *b = mc_calloc(1, sizeof *b);
    if (b == NULL) {
        return mc_error_set(err, MC_ENOMEM, "out of memory");
    }
    bool plain = strcmp(path, ":memory:") != 0 && strncmp(path, "file:", 5) != 0;
    if (mode == MCS_OPEN_SNAPSHOT && plain) {
        int version = 0;
        int e = mcs_sqlite_probe(path, &version, err);
        if (e != 0) {
            sqlite_close(b);
            return e;
        }
        if (version > 0 && version < SCHEMA_VERSION) {
            e = read_into_memory(b, path, err);
            if (e == 0) {
                sqlite3_extended_result_codes(b->db, 0);
                e = migrate(b, mode, schema, seed, ud, err);
            }
            if (e == 0) {
                e = prepare_all(b, err);
            }
            if (e != 0) {
                sqlite_close(b);
                return e;
            }
            *out = b;
            return 0;
        }
        mode = MCS_OPEN_CURRENT; /* a current store (or a new one) is read where it is */
    }
    int bad = regular_or_absent(path, err);
    if (bad != 0) {
        sqlite_close(b);
        return bad;
    }
    create_private(path);
    int rc = sqlite3_open_v2(path, &b->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI, NULL);
    if (rc != SQLITE_OK) {
        int e = db_error(b, err, rc, path);
        sqlite_close(b);
        return e;
    }
    sqlite3_busy_handler(b->db, busy_wait, NULL);
    sqlite3_extended_result_codes(b->db, 0);
    /* Turning a new file to WAL takes a lock for which SQLite does not always wait (another
     * process may be doing the same at this moment): try again for up to the busy timeout. */
    rc = sqlite3_exec(b->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
    for (int waited = 0; rc == SQLITE_BUSY && waited < BUSY_TIMEOUT_MS; waited += 10) {
        sqlite3_sleep(10);
        rc = sqlite3_exec(b->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_exec(b->db, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;", NULL, NULL,
                          NULL);
    }
    int e = rc != SQLITE_OK ? db_error(b, err, rc, path) : migrate(b, mode, schema, seed, ud, err);
    /* An older schema left as it is lacks columns the statements read: they are not made. */
    bool as_is = mode == MCS_OPEN_AS_IS && schema->found > 0 && schema->found < SCHEMA_VERSION;
    if (e == 0 && !as_is) {
        e = prepare_all(b, err);
    }
    if (e != 0) {
        sqlite_close(b);
        return e;
    }
    *out = b;
    return 0;
}

/* ==== transactions ======================================================================= */

/* Runs transaction statement which (TX_…), prepared once. */
static int tx(mcs_backend *b, int which, const char *what, mc_error *err)
{
    static const char *const sql[TX_COUNT] = {"BEGIN IMMEDIATE", "BEGIN DEFERRED", "COMMIT",
                                              "SAVEPOINT op",    "RELEASE op",     "ROLLBACK TO op",
                                              "ROLLBACK"};
    int rc = SQLITE_OK;
    if (b->tx[which] == NULL) {
        rc = sqlite3_prepare_v2(b->db, sql[which], -1, &b->tx[which], NULL);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(b->tx[which]);
        sqlite3_reset(b->tx[which]);
    }
    return rc == SQLITE_OK || rc == SQLITE_DONE ? 0 : db_error(b, err, rc, what);
}

static int sqlite_begin(mcs_backend *b, bool optimistic, mc_error *err)
{
    /* ROLLBACK is compiled before any transaction needs it: compiled at the rollback, it could
     * fail for want of memory and leave the transaction open under the next BEGIN (an operation
     * that runs again at once, as one waiting for live registries' answers does). */
    if (b->tx[TX_ROLLBACK] == NULL) {
        int rc = sqlite3_prepare_v2(b->db, "ROLLBACK", -1, &b->tx[TX_ROLLBACK], NULL);
        if (rc != SQLITE_OK) {
            return db_error(b, err, rc, "starting a transaction");
        }
    }
    return tx(b, optimistic ? TX_BEGIN_DEFERRED : TX_BEGIN, "starting a transaction", err);
}

/* SQLite takes the write lock at the first write itself. */
static int sqlite_lock(mcs_backend *b, mc_error *err)
{
    (void)b;
    (void)err;
    return 0;
}

static int sqlite_commit(mcs_backend *b, mc_error *err)
{
    return tx(b, TX_COMMIT, "committing", err);
}

static int sqlite_savepoint(mcs_backend *b, int op, mc_error *err)
{
    static const int which[] = {
        [MCS_SAVE] = TX_SAVE, [MCS_RELEASE] = TX_RELEASE, [MCS_UNDO] = TX_UNDO};
    int rc = tx(b, which[op], "an operation of a group commit", err);
    if (rc == 0 && op == MCS_UNDO) {
        rc = tx(b, TX_RELEASE, "an operation of a group commit", err); /* ROLLBACK TO keeps it */
    }
    return rc;
}

static void sqlite_rollback(mcs_backend *b)
{
    if (sqlite3_get_autocommit(b->db) != 0) {
        return;
    }
    if (b->tx[TX_ROLLBACK] != NULL) {
        sqlite3_step(b->tx[TX_ROLLBACK]);
        sqlite3_reset(b->tx[TX_ROLLBACK]);
    }
    if (sqlite3_get_autocommit(b->db) == 0) {
        sqlite3_exec(b->db, "ROLLBACK", NULL, NULL, NULL);
    }
}

static bool sqlite_in_transaction(mcs_backend *b)
{
    return sqlite3_get_autocommit(b->db) == 0;
}

/* ==== backup ============================================================================ */

enum { BACKUP_WAIT_MS = 30000 };

/* The online backup API copies every page in one step (-1): the step reads one snapshot of the
 * source, and in WAL mode the writers of other connections keep going meanwhile. */
static int sqlite_backup(mcs_backend *b, const char *to, mc_error *err)
{
    int fd = open(to, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        return mc_error_set(err, MC_EIO, "backup: %s: %s%s", to, strerror(errno),
                            errno == EEXIST ? " (nothing was overwritten)" : "");
    }
    bool private = fchmod(fd, 0600) == 0;
    close(fd);
    if (!private) {
        unlink(to);
        return mc_error_set(err, MC_EIO, "backup: %s: cannot be made private (chmod 600)", to);
    }
    sqlite3 *d = NULL;
    int rc = sqlite3_open_v2(to, &d, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_backup *bk = sqlite3_backup_init(d, "main", b->db, "main");
        if (bk == NULL) {
            rc = sqlite3_errcode(d);
        } else {
            int waited = 0;
            do {
                rc = sqlite3_backup_step(bk, -1);
                if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
                    sqlite3_sleep(10);
                    waited += 10;
                }
            } while ((rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED) &&
                     waited < BACKUP_WAIT_MS);
            int fin = sqlite3_backup_finish(bk);
            rc = rc == SQLITE_DONE ? fin : rc;
        }
    }
    int e = 0;
    if (rc == SQLITE_NOMEM) {
        e = mc_error_set(err, MC_ENOMEM, "out of memory");
    } else if (rc != SQLITE_OK) {
        e = mc_error_set(err, MC_EIO, "backup: %s: %s", to,
                         d != NULL ? sqlite3_errmsg(d) : sqlite3_errstr(rc));
    }
    if (sqlite3_close(d) != SQLITE_OK && e == 0) {
        e = mc_error_set(err, MC_EIO, "backup: %s: cannot be closed", to);
    }
    if (e != 0) {
        unlink(to);
    }
    return e;
}

const mcs_methods mcs_sqlite = {
    .version = 1,
    .name = "sqlite",
    .open = sqlite_open,
    .close = sqlite_close,
    .begin = sqlite_begin,
    .lock = sqlite_lock,
    .commit = sqlite_commit,
    .rollback = sqlite_rollback,
    .savepoint = sqlite_savepoint,
    .in_transaction = sqlite_in_transaction,
    .run = sqlite_run,
    .backup = sqlite_backup,
};
