#!/usr/bin/env bash
# Several servers on one database (issue 18): three `motcua serve` processes on one PostgreSQL
# store. Submissions sent to all three at once get distinct numbers; each of 20 dossiers fired
# from two nodes at once gets one success and one 409, never two; an Idempotency-Key used on
# one node and replayed on another answers the first result, and with another body is 409;
# one key sent to the three nodes at once makes one dossier; a node stopped leaves the others
# serving; and afterwards `motcua verify` passes. Prints TAP lines; run by tools/run-tests.sh
# in its PostgreSQL pass as
#   bash tests/multinode.sh BUILD/motcua "host=DIR port=5432 dbname=mc"
set -u
bin=${1:?usage: multinode.sh MOTCUA CONNINFO}
conn=${2:?usage: multinode.sh MOTCUA CONNINFO}
cat=tests/fixtures/cli-catalogue
tmp=$(mktemp -d)
pids=()
bg=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
. "$(dirname "$0")/tap.sh"

schema="multi_$$"
if ! psql -X -q -d "$conn" -c "CREATE SCHEMA $schema" >"$tmp/psql" 2>&1; then
    no "a schema for the store" "$(cat "$tmp/psql")"
    echo "1..$n"
    exit 0
fi
db="$conn options='-csearch_path=$schema'"
# A token may have 4 requests running on a node (429 beyond): each dossier's requests go under a
# clerk token of its own, clerk-1 to clerk-20.
for i in $(seq 20); do
    echo "$("$bin" hash-token "clerk-$i") clerk$i clerk commune-committee"
done >"$tmp/tokens"

# The nodes: the same store, tokens and catalogue; each its own port and process.
. tools/serve-lib.sh
ports=()
for i in 1 2 3; do
    serve_start "$tmp/serve$i.out" "$tmp/serve$i.err" "$bin" --tokens "$tmp/tokens" --db "$db" \
        --catalogue "$cat" --now 2025-07-14T09:00
    pids+=("$serve_pid")
    ports+=("$serve_port")
done
if [ -z "${ports[0]}" ] || [ -z "${ports[1]}" ] || [ -z "${ports[2]}" ]; then
    no "three servers start on one database" "$(cat "$tmp"/serve*.err)"
    echo "1..$n"
    exit 0
fi
ok "three servers start on one database"

birth() { # birth CITIZEN
    printf '{"procedure":"birth-registration","fields":{"citizen-id":"%s","parents-married":true},"attach":["birth-notice"]}' "$1"
}
# post TOKEN NODE PATH BODY OUT [HEADER…]: the status on stdout, the body in OUT; TOKEN is
# the number of a clerk token
post() {
    local token=$1 node=$2 path=$3 body=$4 out=$5
    shift 5
    local hdr=()
    for h in "$@"; do hdr+=(-H "$h"); done
    timeout 20 curl -s -o "$out" -w '%{http_code}\n' -X POST -H "Authorization: Bearer clerk-$token" \
        -H 'Content-Type: application/json' "${hdr[@]}" --data-binary "$body" \
        "http://127.0.0.1:${ports[$((node - 1))]}$path"
}
json() { # json FILE KEY: a top-level member of a JSON answer
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2]))' "$1" "$2" 2>/dev/null
}

# 20 submissions, sent to the three nodes at once: 20 dossiers.
for d in $(seq 20); do
    post "$d" $((d % 3 + 1)) /api/dossiers "$(birth "0791234560$(printf %02d "$d")")" "$tmp/s$d" \
        >"$tmp/s$d.code" &
    bg+=($!)
done
wait "${bg[@]}" # not a bare wait: the servers are children too
bg=()
codes=$(cat "$tmp"/s*.code | sort | uniq -c | tr -s ' ' | tr '\n' ',')
# PostgreSQL numbers dossiers from a sequence: a submission run again after meeting a concurrent
# writer (a deadlock, a key) takes a new number, so the numbers are distinct, not 1 to 20.
declare -A id
for d in $(seq 20); do id[$d]=$(json "$tmp/s$d" id); done
ids=$(for d in $(seq 20); do echo "${id[$d]}"; done | sort -n | tr '\n' ' ')
distinct=$(for d in $(seq 20); do echo "${id[$d]}"; done | grep -cx '[0-9][0-9]*' | tr -d ' ')
uniq=$(for d in $(seq 20); do echo "${id[$d]}"; done | sort -u | grep -cx '[0-9][0-9]*' | tr -d ' ')
if [ "$codes" = " 20 201," ] && [ "$distinct" = 20 ] && [ "$uniq" = 20 ]; then
    ok "20 submissions to three nodes at once: 20 dossiers, each its own number"
else
    no "20 submissions to three nodes at once" "statuses:$codes" "ids: $ids"
fi

# Each dossier fired from two nodes at once (nodes 1 and 2, 2 and 3, 3 and 1 in turn), all 40
# requests together: for each, one 200 and one 409.
for d in $(seq 20); do
    a=$((d % 3 + 1))
    b=$((a % 3 + 1))
    post "$d" $a /api/dossiers/${id[$d]}/events '{"event":"receive"}' "$tmp/f$d.a" >"$tmp/f$d.a.code" &
    bg+=($!)
    post "$d" $b /api/dossiers/${id[$d]}/events '{"event":"receive"}' "$tmp/f$d.b" >"$tmp/f$d.b.code" &
    bg+=($!)
done
wait "${bg[@]}"
bg=()
bad=""
for d in $(seq 20); do
    pair=$(cat "$tmp/f$d.a.code" "$tmp/f$d.b.code" | sort | tr '\n' ' ')
    [ "$pair" = "200 409 " ] || bad="$bad dossier ${id[$d]}: $pair;"
done
if [ -z "$bad" ]; then
    ok "20 dossiers each fired from two nodes at once: one 200 and one 409 each"
else
    no "20 dossiers each fired from two nodes at once" "$bad"
fi
# The stored truth agrees: each dossier received once, none twice.
received=$(psql -X -qAt -d "$db" -c "SELECT count(*) FROM event WHERE kind = 'fire' AND body::json ->> 'event' = 'receive' AND body::json ->> 'to' IS NOT NULL" 2>&1)
states=$(psql -X -qAt -d "$db" -c "SELECT state, count(*) FROM dossier GROUP BY state" 2>&1 | tr '\n' ' ')
if [ "$received" = 20 ] && [ "$states" = "processing|20 " ]; then
    ok "the store holds one receive per dossier, every dossier received"
else
    no "one receive per dossier in the store" "receive events: $received" "states: $states"
fi

# An Idempotency-Key used on node 1, replayed on node 2, misused on node 3.
c1=$(post 1 1 /api/dossiers "$(birth 079123456700)" "$tmp/k1" "Idempotency-Key: portal-7")
c2=$(post 1 2 /api/dossiers "$(birth 079123456700)" "$tmp/k2" "Idempotency-Key: portal-7")
if [ "$c1" = 201 ] && [ "$c2" = 200 ] && [ "$(json "$tmp/k2" replayed)" = True ] &&
    [ "$(json "$tmp/k2" id)" = "$(json "$tmp/k1" id)" ]; then
    ok "an Idempotency-Key replayed on another node answers the first result"
else
    no "an Idempotency-Key replayed on another node" "statuses $c1 $c2" "$(cat "$tmp/k1")" \
        "$(cat "$tmp/k2")"
fi
c3=$(post 1 3 /api/dossiers "$(birth 079123456799)" "$tmp/k3" "Idempotency-Key: portal-7")
if [ "$c3" = 409 ] && [ "$(json "$tmp/k3" error)" = conflict ]; then
    ok "the same key with another body on a third node: 409 conflict"
else
    no "the same key with another body on a third node" "status $c3" "$(cat "$tmp/k3")"
fi
# One key sent to the three nodes at once: one dossier; every answer that names a dossier names
# that one.
for i in 1 2 3; do
    post 1 $i /api/dossiers "$(birth 079123456701)" "$tmp/c$i" "Idempotency-Key: portal-8" \
        >"$tmp/c$i.code" &
    bg+=($!)
done
wait "${bg[@]}"
made=$(psql -X -qAt -d "$db" -c "SELECT count(*) FROM dossier WHERE subject = '079123456701'" 2>&1)
created=$(cat "$tmp"/c[123].code | grep -c 201)
named=$(for i in 1 2 3; do json "$tmp/c$i" id; done | grep -v None | sort -u | wc -l)
others=$(cat "$tmp"/c[123].code | grep -vcE '^(201|200|409)$')
if [ "$made" = 1 ] && [ "$created" = 1 ] && [ "$named" = 1 ] && [ "$others" = 0 ]; then
    ok "one Idempotency-Key sent to three nodes at once makes one dossier"
else
    no "one key sent to three nodes at once" "$made dossiers, statuses $(cat "$tmp"/c[123].code | tr '\n' ' ')"
fi

# A node stops; the others go on serving the same store, and see what it wrote.
kill -TERM "${pids[0]}" 2>/dev/null
wait "${pids[0]}" 2>/dev/null
c=$(post 1 2 /api/dossiers/${id[1]}/events '{"event":"request-supplement"}' "$tmp/a1")
g=$(timeout 20 curl -s -o "$tmp/g1" -w '%{http_code}' -H 'Authorization: Bearer clerk-1' \
    "http://127.0.0.1:${ports[2]}/api/dossiers/${id[1]}")
if [ "$c" = 200 ] && [ "$g" = 200 ] && [ "$(json "$tmp/g1" state)" = "$(json "$tmp/a1" state)" ] &&
    [ "$(json "$tmp/a1" state)" != processing ]; then
    ok "with one node stopped, another writes and a third reads what it wrote"
else
    no "with one node stopped" "statuses $c $g" "$(cat "$tmp/a1")" "$(head -c 300 "$tmp/g1")"
fi
for p in "${pids[@]:1}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
pids=()

if "$bin" verify --db "$db" >"$tmp/v" 2>&1 && grep -q "the store is intact" "$tmp/v"; then
    ok "after all of it, verify passes: $(sed 's/^verify: //' "$tmp/v")"
else
    no "verify after the nodes' writes" "$(cat "$tmp/v")"
fi
# And it would have failed: a dossier row changed behind the store's back is found.
psql -X -q -d "$db" -c "UPDATE dossier SET state = 'approved' WHERE id = 2" >/dev/null 2>&1
if ! "$bin" verify --db "$db" >"$tmp/v" 2>&1 && grep -q "dossier 2" "$tmp/v"; then
    ok "verify of the same store finds a dossier row changed behind its back"
else
    no "verify finds a changed row" "$(cat "$tmp/v")"
fi
psql -X -q -d "$conn" -c "DROP SCHEMA $schema CASCADE" >/dev/null 2>&1
echo "1..$n"
