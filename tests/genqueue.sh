#!/usr/bin/env bash
# tools/genqueue.c on PostgreSQL (the queue bench's store, written with COPY in one transaction):
# the store verifies, holds the same rows, events and heads, byte for byte, as the SQLite store
# genqueue writes through the store, its tally and sequences as the store keeps them; a store
# that is not empty is refused, a COPY that fails half-way leaves nothing, and a server that
# cannot be reached is one line and exit status 1. Prints TAP lines; run by tools/run-tests.sh
# in its PostgreSQL pass as
#   bash tests/genqueue.sh BUILD/motcua BUILD/tools/genqueue "host=DIR port=5432 dbname=mc"
set -u
bin=${1:?usage: genqueue.sh MOTCUA GENQUEUE CONNINFO}
gen=${2:?usage: genqueue.sh MOTCUA GENQUEUE CONNINFO}
conn=${3:?usage: genqueue.sh MOTCUA GENQUEUE CONNINFO}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/tap.sh"
# A fresh store: a schema of its own in the test database.
fresh() {
    local s="gq_$$_$1"
    psql -X -q -d "$conn" -c "CREATE SCHEMA $s" >/dev/null 2>&1 || return 1
    echo "$conn options='-csearch_path=$s'"
}
q() { psql -X -qAt -d "$1" -c "$2" 2>&1; }
count() { q "$1" "SELECT count(*) FROM dossier"; }

db=$(fresh a)
"$gen" "$db" 2000 >"$tmp/out" 2>"$tmp/err"
rc=$?
"$bin" verify --db "$db" >"$tmp/verify" 2>&1
vrc=$?
if [ $rc -eq 0 ] && grep -q "^genqueue: 2000 dossiers in " "$tmp/out" && [ ! -s "$tmp/err" ] &&
    [ $vrc -eq 0 ] && grep -q "2000 events, 2000 dossiers rebuilt from them" "$tmp/verify"; then
    ok "2,000 dossiers into PostgreSQL with COPY: the store verifies"
else
    no "2,000 dossiers into PostgreSQL with COPY" "exit $rc, verify $vrc" "$(cat "$tmp/out" "$tmp/err" "$tmp/verify")"
fi

# The same store as the one written through the store (SQLite): rows, events, heads.
"$gen" "$tmp/q.db" 2000 >/dev/null
same=""
sqlite3 -separator '|' "$tmp/q.db" "SELECT id, rev, procedure, version, agency, subject, channel, state, outcome, clock, final, overdue, late, submitted, entered, due, \"left\", finished, fee, wake, apology, data, applicant FROM dossier ORDER BY id" >"$tmp/d.s"
q "$db" "SELECT id, rev, procedure, version, agency, subject, channel, state, outcome, clock, final, overdue, late, submitted, entered, due, \"left\", finished, fee, wake, apology, data, applicant FROM dossier ORDER BY id" >"$tmp/d.p"
cmp -s "$tmp/d.s" "$tmp/d.p" || same="$same dossiers"
sqlite3 -separator '|' "$tmp/q.db" "SELECT seq, dossier, at, kind, actor, body, lower(hex(prev)), lower(hex(hash)), \"row\", part, pos FROM event ORDER BY seq" >"$tmp/e.s"
q "$db" "SELECT seq, dossier, at, kind, actor, body, encode(prev, 'hex'), encode(hash, 'hex'), \"row\", part, pos FROM event ORDER BY seq" >"$tmp/e.p"
cmp -s "$tmp/e.s" "$tmp/e.p" || same="$same events"
sqlite3 -separator '|' "$tmp/q.db" "SELECT chain, seq, lower(hex(hash)) FROM ledger_head WHERE seq > 0 ORDER BY chain" >"$tmp/h.s"
q "$db" "SELECT chain, seq, encode(hash, 'hex') FROM ledger_head WHERE seq > 0 ORDER BY chain" >"$tmp/h.p"
cmp -s "$tmp/h.s" "$tmp/h.p" || same="$same heads"
if [ -z "$same" ] && [ "$(wc -l <"$tmp/e.p")" -eq 2000 ] && [ "$(wc -l <"$tmp/h.p")" -eq 64 ]; then
    ok "the same rows, events and heads, byte for byte, as genqueue's SQLite store"
else
    no "the same rows, events and heads as genqueue's SQLite store" "differ:$same" \
        "$(diff "$tmp/e.s" "$tmp/e.p" | head -4)"
fi

# The tally as the triggers would have kept it, and the sequences past the last ids.
tally=$(q "$db" "SELECT count(*) FROM (SELECT id % 16 AS part, coalesce(agency, '') AS agency, procedure, state, final, overdue, count(*) AS n FROM dossier GROUP BY 1, 2, 3, 4, 5, 6) c FULL JOIN dossier_tally t USING (part, agency, procedure, state, final, overdue) WHERE c.n IS DISTINCT FROM t.n")
seqs=$(q "$db" "SELECT nextval('dossier_id') || ' ' || nextval('event_seq')")
if [ "$tally" = 0 ] && [ "$(q "$db" "SELECT sum(n) FROM dossier_tally")" = 2000 ] &&
    [ "$seqs" = "2001 2001" ]; then
    ok "the tally counted once and the sequences set past the last ids"
else
    no "the tally and the sequences" "rows of the tally that differ: $tally" "next ids: $seqs"
fi

# A store that is not empty is refused, and left as it was.
"$gen" "$db" 10 >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 1 ] && [ ! -s "$tmp/out" ] &&
    [ "$(cat "$tmp/err")" = "genqueue: the store is not empty; give a new one" ] &&
    [ "$(count "$db")" = 2000 ]; then
    ok "a store that is not empty: refused in one line, exit 1, left as it was"
else
    no "a store that is not empty" "exit $rc" "$(cat "$tmp/out" "$tmp/err")" "$(count "$db") dossiers"
fi

# An event refused half-way through its COPY, after every row: one line, and the transaction
# leaves nothing.
db=$(fresh b)
"$bin" deploy-check --catalogue tests/fixtures/cli-catalogue --db "$db" >/dev/null # the schema
q "$db" "ALTER TABLE event ADD CONSTRAINT not_1500 CHECK (dossier <> 1500)" >/dev/null
"$gen" "$db" 2000 >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
    grep -q '^genqueue: copying events: .*not_1500' "$tmp/err" && [ "$(count "$db")" = 0 ] &&
    [ "$(q "$db" "SELECT count(*) FROM event")" = 0 ] &&
    [ "$(q "$db" "SELECT count(*) FROM ledger_head WHERE seq > 0")" = 0 ]; then
    ok "a COPY that fails half-way: one line, exit 1, nothing written"
else
    no "a COPY that fails half-way" "exit $rc" "$(cat "$tmp/err")" "$(count "$db") dossiers"
fi

# A server that cannot be reached: one line, exit 1, no connection string shown.
"$gen" "host=$tmp/nowhere port=5432 dbname=mc" 10 >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 1 ] && [ ! -s "$tmp/out" ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
    grep -q '^genqueue: store: cannot connect to the database: ' "$tmp/err"; then
    ok "an unreachable PostgreSQL: one line, exit 1"
else
    no "an unreachable PostgreSQL" "exit $rc" "$(cat "$tmp/out" "$tmp/err")"
fi
echo "1..$n"
