#!/usr/bin/env bash
# `motcua store copy` of a large store (issue 17): 100,000 dossiers made by tools/genstore.c
# (each submitted and received, with request ids, reads in the access log and registry records,
# written through the engine with syncs off)
# copied from SQLite to PostgreSQL and back to SQLite; each copy verifies itself (store copy
# refuses a copy that does not), and the store that comes back holds the same rows and chains,
# byte for byte, as the one that left. Prints TAP lines and the figures as comments
# ("# copy: …"); run by tools/run-tests.sh in its PostgreSQL pass as
#   bash tests/copy.sh BUILD/motcua BUILD/tools/genstore "host=DIR port=5432 dbname=mc" [DOSSIERS]
set -u
bin=${1:?usage: copy.sh MOTCUA GENSTORE CONNINFO [DOSSIERS]}
gen=${2:?usage: copy.sh MOTCUA GENSTORE CONNINFO [DOSSIERS]}
conn=${3:?usage: copy.sh MOTCUA GENSTORE CONNINFO [DOSSIERS]}
dossiers=${4:-100000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/tap.sh"
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
# Every row of every table of a SQLite store (whatever its schema version), each table in the
# order of all its columns, as one digest. The tally's rows at 0 are left out: they are what
# the counts' triggers leave behind (schema version 10), and a copy counts the tally anew.
digest() {
    local t cols order where
    for t in $(sqlite3 "$1" "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"); do
        cols=$(sqlite3 "$1" "SELECT count(*) FROM pragma_table_info('$t')")
        order=$(seq -s, 1 "$cols")
        where=""
        [ "$t" = dossier_tally ] && where="WHERE n <> 0"
        echo "table $t"
        sqlite3 "$1" "SELECT * FROM \"$t\" $where ORDER BY $order"
    done | sha256sum | cut -d' ' -f1
}

if ! "$gen" "$tmp/a.db" "$dossiers" >"$tmp/gen" 2>&1; then
    no "genstore makes a store of $dossiers dossiers" "$(cat "$tmp/gen")"
    echo "1..$n"
    exit 0
fi
ok "genstore makes a store of $dossiers dossiers"
echo "# copy: $(sed 's/^genstore: //' "$tmp/gen")"

schema="copy_$$"
psql -X -q -d "$conn" -c "CREATE SCHEMA $schema" >/dev/null 2>&1
pg="$conn options='-csearch_path=$schema'"
t0=$(now)
"$bin" store copy --from "$tmp/a.db" --to "$pg" >"$tmp/out" 2>&1
rc=$?
t1=$(now)
rows=$(sed -n 's/^store copy: \([0-9]*\) rows copied; the copy verifies.*/\1/p' "$tmp/out")
pgcount=$(psql -X -qAt -d "$pg" -c "SELECT (SELECT count(*) FROM dossier) || ' ' || (SELECT count(*) FROM event)" 2>&1)
if [ $rc -eq 0 ] && [ -n "$rows" ] && [ "$pgcount" = "$dossiers $((2 * dossiers))" ]; then
    ok "store copy from SQLite to PostgreSQL: $rows rows, the copy verifies"
else
    no "store copy from SQLite to PostgreSQL" "exit $rc, PostgreSQL holds: $pgcount" "$(cat "$tmp/out")"
fi
there=$(secs "$t0" "$t1")

t0=$(now)
"$bin" store copy --from "$pg" --to "$tmp/b.db" >"$tmp/out" 2>&1
rc=$?
t1=$(now)
back=$(sed -n 's/^store copy: \([0-9]*\) rows copied; the copy verifies.*/\1/p' "$tmp/out")
if [ $rc -eq 0 ] && [ -n "$back" ] && [ "$back" = "$rows" ]; then
    ok "store copy from PostgreSQL back to SQLite: $back rows, the copy verifies"
else
    no "store copy from PostgreSQL back to SQLite" "exit $rc, $back rows back of $rows" \
        "$(cat "$tmp/out")"
fi
echo "# copy: $dossiers dossiers, $((2 * dossiers)) events, $rows rows: SQLite -> PostgreSQL $there s, PostgreSQL -> SQLite $(secs "$t0" "$t1") s (each with its verify)"

da=$(digest "$tmp/a.db")
db=$(digest "$tmp/b.db")
if [ -n "$da" ] && [ "$da" = "$db" ]; then
    ok "the store that came back holds every row and chain entry of the one that left"
else
    no "the round trip keeps every row" "digests $da and $db"
fi
# The comparison would see a difference: one dossier row changed behind the store's back.
sqlite3 "$tmp/b.db" "UPDATE dossier SET state = 'done' WHERE id = $dossiers"
if [ "$(digest "$tmp/b.db")" != "$da" ]; then
    ok "the comparison finds one changed row among them"
else
    no "the comparison finds one changed row among them"
fi
# The outbox of results for live registries (schema version 11) goes there and back too: a birth
# registered on the bundled catalogue issues its certificate to the live civil-status registry.
d="$tmp/d.db"
"$bin" submit birth-registration --field citizen-id=079123456789 --field parents-married=true \
    --attach birth-declaration --attach birth-notice --attach marriage-certificate \
    --attach citizen-identity --db "$d" --now 2025-07-14T09:00 >/dev/null 2>&1
for step in "receive clerk" "assign clerk" "approve head" "return-result clerk"; do
    set -- $step
    "$bin" fire 1 "$1" --as "$2" --db "$d" --now 2025-07-15T10:00 >/dev/null 2>&1
done
schema2="copy2_$$"
psql -X -q -d "$conn" -c "CREATE SCHEMA $schema2" >/dev/null 2>&1
pg2="$conn options='-csearch_path=$schema2'"
pending=$(sqlite3 "$d" "SELECT count(*) FROM delivery WHERE delivered_at IS NULL")
if [ "$pending" = 1 ] && "$bin" store copy --from "$d" --to "$pg2" >"$tmp/out" 2>&1 &&
    "$bin" store copy --from "$pg2" --to "$tmp/e.db" >>"$tmp/out" 2>&1 &&
    [ "$(digest "$d")" = "$(digest "$tmp/e.db")" ] &&
    [ "$(psql -X -qAt -d "$pg2" -c "SELECT request_id FROM delivery")" = "$(sqlite3 "$d" "SELECT request_id FROM delivery")" ]; then
    ok "a delivery waiting in the outbox goes to PostgreSQL and back, its request id kept"
else
    no "a delivery waiting in the outbox goes to PostgreSQL and back" "pending $pending" "$(cat "$tmp/out")"
fi
psql -X -q -d "$conn" -c "DROP SCHEMA $schema2 CASCADE" >/dev/null 2>&1
psql -X -q -d "$conn" -c "DROP SCHEMA $schema CASCADE" >/dev/null 2>&1
echo "1..$n"
