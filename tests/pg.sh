#!/usr/bin/env bash
# Command-line tests of the store on PostgreSQL: dossiers through --db a connection string,
# two processes firing one dossier at once (one success, one refusal, the chain whole),
# `store copy` from SQLite to PostgreSQL and back, a database that is down (one line, exit 3)
# and a password that never shows. Prints TAP lines; run by tools/run-tests.sh in its
# PostgreSQL pass as
#   bash tests/pg.sh BUILD/motcua "host=DIR port=5432 dbname=mc"
set -u
bin=${1:?usage: pg.sh MOTCUA CONNINFO}
conn=${2:?usage: pg.sh MOTCUA CONNINFO}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/tap.sh"
# A fresh store: a schema of its own in the test database.
fresh() {
    local s="cli_$$_$1"
    psql -X -q -d "$conn" -c "CREATE SCHEMA $s" >/dev/null 2>&1 || return 1
    echo "$conn options='-csearch_path=$s'"
}
m() { "$bin" "$@" --catalogue . ; }
submit() { # submit DB CITIZEN
    m submit birth-registration --field "citizen-id=$2" --field parents-married=false \
        --attach birth-declaration --attach birth-notice --attach citizen-identity \
        --now 2025-07-14T09:00 --db "$1" >/dev/null
}

db=$(fresh a)
if submit "$db" 079123456789 && m fire 1 receive --as clerk --now 2025-07-14T09:20 --db "$db" \
    >"$tmp/out" && grep -q "state received" "$tmp/out"; then
    ok "a dossier submitted and fired on PostgreSQL"
else
    no "a dossier submitted and fired on PostgreSQL" "$(cat "$tmp/out")"
fi
"$bin" verify --db "$db" >"$tmp/out" 2>&1
if [ $? -eq 0 ] && grep -q "2 events, 1 dossier rebuilt from them" "$tmp/out"; then
    ok "verify on PostgreSQL"
else
    no "verify on PostgreSQL" "$(cat "$tmp/out")"
fi

# Two processes fire the same dossier at once, five times over: each time one succeeds and
# the other is refused, never two successes.
db=$(fresh b)
for i in 1 2 3 4 5; do submit "$db" "07912345678$i"; done
pairs=""
for d in 1 2 3 4 5; do
    m fire "$d" receive --as clerk --now 2025-07-14T09:20 --db "$db" >/dev/null 2>&1 &
    a=$!
    m fire "$d" receive --as clerk --now 2025-07-14T09:20 --db "$db" >/dev/null 2>&1 &
    b=$!
    wait $a
    ra=$?
    wait $b
    rb=$?
    pairs="$pairs $ra$rb"
done
if [ "$(echo $pairs | tr ' ' '\n' | grep -cE '^(01|10)$')" -eq 5 ] &&
    "$bin" verify --db "$db" >/dev/null 2>&1; then
    ok "one dossier fired by two processes at once: one success, one refusal, the chain whole"
else
    no "one dossier fired by two processes at once" "exit statuses:$pairs"
fi

# store copy: SQLite -> PostgreSQL -> SQLite, the same rows and chains.
m submit birth-registration --field citizen-id=079123456789 --field parents-married=false \
    --attach birth-declaration --attach birth-notice --attach citizen-identity \
    --now 2025-07-14T09:00 --db "$tmp/a.db" >/dev/null
m fire 1 receive --as clerk --now 2025-07-14T09:20 --db "$tmp/a.db" >/dev/null
m show 1 --db "$tmp/a.db" >/dev/null # a read of personal data: the access log
db=$(fresh c)
if "$bin" store copy --from "$tmp/a.db" --to "$db" >"$tmp/out" 2>&1 &&
    "$bin" store copy --from "$db" --to "$tmp/b.db" >>"$tmp/out" 2>&1 &&
    diff <(sqlite3 "$tmp/a.db" "SELECT * FROM dossier; SELECT * FROM event;
        SELECT chain, seq, subject, body, hex(prev), hex(hash) FROM ledger ORDER BY chain, seq;
        SELECT * FROM chain_head; SELECT * FROM ledger_head ORDER BY chain") \
        <(sqlite3 "$tmp/b.db" "SELECT * FROM dossier; SELECT * FROM event;
        SELECT chain, seq, subject, body, hex(prev), hex(hash) FROM ledger ORDER BY chain, seq;
        SELECT * FROM chain_head; SELECT * FROM ledger_head ORDER BY chain") >"$tmp/diff"; then
    ok "store copy from SQLite to PostgreSQL and back keeps every row and chain"
else
    no "store copy round trip" "$(cat "$tmp/out" "$tmp/diff" | head -10)"
fi
"$bin" store copy --from "$tmp/a.db" --to "$db" >"$tmp/out" 2>&1
rc=$?
if [ $rc -eq 2 ] && [ "$(cat "$tmp/out")" = "motcua: store: the destination is not empty; copy into a new store" ]; then
    ok "store copy refuses a destination that holds anything"
else
    no "store copy into a non-empty store" "exit $rc" "$(cat "$tmp/out")"
fi

# The database down at start: one line, exit 3, and no password in it.
"$bin" list --catalogue . --db "postgresql://clerk:hunter2@127.0.0.1:1/mc?connect_timeout=2" \
    >"$tmp/out" 2>&1
rc=$?
if [ $rc -eq 3 ] && [ "$(wc -l <"$tmp/out")" -eq 1 ] && ! grep -q hunter2 "$tmp/out" &&
    grep -q "^motcua: store: cannot connect to the database: " "$tmp/out"; then
    ok "a database that is down: one line, exit 3, no password"
else
    no "a database that is down" "exit $rc" "$(cat "$tmp/out")"
fi
# The database goes away under a running server: the request in flight is 503 and saves
# nothing; once the database is back, the next request reconnects and is served. A cluster of
# its own, so that stopping it leaves the other tests' alone.
if out=$(bash tools/pg-cluster.sh start 2>&1); then
    dir=$(printf '%s\n' "$out" | sed -n 1p)
    dconn=$(printf '%s\n' "$out" | sed -n 2p)
    echo "$("$bin" hash-token clerk-secret) lan clerk commune-committee" >"$tmp/tokens"
    . tools/serve-lib.sh
    serve_start "$tmp/serve.out" "$tmp/serve.err" "$bin" --tokens "$tmp/tokens" --db "$dconn" \
        --catalogue . --now 2025-07-14T09:00
    birth='{"procedure":"birth-registration","fields":{"citizen-id":"079123456789","parents-married":false},"attach":["birth-declaration","birth-notice","citizen-identity"]}'
    post() { # post [HEADER]
        curl -s -o "$tmp/r" -w '%{http_code}' -X POST -H 'Authorization: Bearer clerk-secret' \
            -H 'Content-Type: application/json' --data-binary "$birth" ${1:+-H "$1"} \
            "http://127.0.0.1:$serve_port/api/dossiers"
    }
    first=$(post)
    firstid=$(sed -n 's/^  "id": *\([0-9]*\),$/\1/p' "$tmp/r")
    bash tools/pg-cluster.sh pause "$dir"
    down=$(post)
    downbody=$(cat "$tmp/r")
    downvi=$(post "Accept-Language: vi")
    downvibody=$(cat "$tmp/r")
    bash tools/pg-cluster.sh resume "$dir"
    again=$(post)
    againbody=$(cat "$tmp/r")
    kill -TERM "$serve_pid" 2>/dev/null
    wait "$serve_pid" 2>/dev/null
    count=$(psql -X -qAt -d "$dconn" -c "SELECT count(*) FROM dossier" 2>/dev/null)
    if [ "$first" = 201 ] && [ "$down" = 503 ] && echo "$downbody" | grep -q '"unavailable"' &&
        # ids come from a sequence: the next one is later, not necessarily the next number
        againid=$(printf '%s\n' "$againbody" | sed -n 's/^  "id": *\([0-9]*\),$/\1/p') &&
        [ "$again" = 201 ] && [ -n "$firstid" ] && [ "${againid:-0}" -gt "$firstid" ] && [ "$count" = 2 ] &&
        "$bin" verify --db "$dconn" >/dev/null 2>&1; then
        ok "the database goes away under serve: 503 and nothing saved; back, the next request is served"
    else
        no "the database goes away under serve" "statuses $first $down $again, $count dossiers" \
            "$downbody" "$againbody" "$(tail -3 "$tmp/serve.err")"
    fi
    # The same 503 asked in Vietnamese: said from the store's code, its English detail kept.
    if [ "$downvi" = 503 ] && printf '%s' "$downvibody" | python3 -c '
import json, sys
d = json.load(sys.stdin)
said = {"store.lost": "mất kết nối đến cơ sở dữ liệu, xin lỗi: hãy thử lại sau (store: %s)",
        "store.unreachable": "không kết nối được đến cơ sở dữ liệu, xin lỗi: hãy thử lại sau (%s)"}
assert d["error"] == "unavailable" and d["code"] in said, d
assert d["message"] == said[d["code"]] % d["args"][0], d'; then
        ok "the database down, asked in Vietnamese: 503 unavailable said from its code"
    else
        no "the database down, asked in Vietnamese" "status $downvi" "$downvibody"
    fi
    bash tools/pg-cluster.sh stop "$dir"
else
    no "the database goes away under serve: a second cluster" "$out"
fi
echo "1..$n"
